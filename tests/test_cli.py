"""The `adal` command: every command has help, errors are messages, JSON is a contract."""

import json
import shutil

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.specs.returns import shipped_schemas
from tests.helpers import fill, good_14


def commands():
    return sorted(main.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert main.commands[name].help


def test_missing_campaign_is_a_message_not_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "templates"])
    assert result.exit_code == 1
    assert "adal init" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_init_then_templates_asks_to_fill_the_registry(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["--root", str(tmp_path), "init"]).exit_code == 0
    written = (tmp_path / "campaign" / "campaign.yaml").read_text(encoding="utf-8")
    _make_it_ours(tmp_path)
    assert (tmp_path / "campaign" / "campaign.yaml").read_text(encoding="utf-8") == (
        shipped_schemas() / "campaign-2023.yaml"
    ).read_text(encoding="utf-8")
    assert "sample: true" in written
    result = runner.invoke(main, ["--root", str(tmp_path), "templates"])
    assert (
        result.exit_code == 1 and "organisations.xlsx" in result.output
    )  # empty registry: say what to fill


def _make_it_ours(root):
    """What the officer does: edit the plan, then delete the sample line (and its note)."""
    plan = root / "campaign" / "campaign.yaml"
    lines = plan.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("sample: true\n")
    plan.write_text("".join(lines[: at - 4] + lines[at + 1 :]), encoding="utf-8")


@pytest.mark.slow
def test_the_sample_plan_is_never_sent(tmp_path, orgs):
    """`adal init` writes the 2023 sample with another district's name: templates and
    letters under it would go out in that district's name."""
    from pipeline.specs.campaign import load_campaign
    from pipeline.workbooks.registry import write_registry

    runner = CliRunner()
    root = str(tmp_path)
    assert runner.invoke(main, ["--root", root, "init"]).exit_code == 0
    plan = tmp_path / "campaign" / "campaign.yaml"
    write_registry(
        tmp_path / "campaign" / "organisations.xlsx", orgs, load_campaign(plan).org_types
    )
    for command in (["templates"], ["mail", "templates", "--send"]):
        refused = runner.invoke(main, ["--root", root, *command])
        assert refused.exit_code == 2, refused.output
        assert (
            "sample: true" in refused.output
            and "Организациям ничего не отправлено" in refused.output
        )
    assert not (tmp_path / "outbox" / "templates").exists()
    drafts = runner.invoke(main, ["--root", root, "mail", "templates"])
    assert "sample: true" not in drafts.output  # drafts to look at are not sending
    _make_it_ours(tmp_path)
    done = runner.invoke(main, ["--root", root, "templates"])
    assert done.exit_code == 0, done.output
    assert len(list((tmp_path / "outbox" / "templates").glob("*.xlsx"))) == len(orgs)
    plan.write_text("sample: да\n" + plan.read_text(encoding="utf-8"), encoding="utf-8")
    wrong = runner.invoke(main, ["--root", root, "templates"])
    assert wrong.exit_code == 1 and "«sample»" in wrong.output and "Traceback" not in wrong.output


@pytest.mark.slow
def test_a_command_run_inside_the_campaign_finds_it(workspace, orgs, monkeypatch):
    """As git finds its repository: run in inbox/ or campaign/ it said «run adal init»."""
    for inside in (workspace.paths.inbox, workspace.paths.campaign_dir):
        monkeypatch.chdir(inside)
        result = CliRunner().invoke(main, ["status", "--json"])
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)["organisations"]) == len(orgs)
    refused = CliRunner().invoke(main, ["init"])  # in campaign/: a second one inside it?
    assert refused.exit_code == 2 and str(workspace.paths.root) in refused.output
    assert not (workspace.paths.campaign_dir / "campaign").exists()
    assert sorted(p.name for p in workspace.paths.campaign_dir.iterdir()) == [
        "campaign.yaml",
        "organisations.xlsx",
    ]


def test_no_campaign_says_where_it_looked_and_points_to_one_below(tmp_path):
    documents = tmp_path / "Documents"
    (documents / "Adal 2023").mkdir(parents=True)
    runner = CliRunner()
    alone = runner.invoke(main, ["--root", str(documents), "status"])
    assert alone.exit_code == 1 and str(documents) in alone.output
    assert "ни в папках выше" in alone.output and "adal init" in alone.output
    assert runner.invoke(main, ["--root", str(documents / "Adal 2023"), "init"]).exit_code == 0
    above = runner.invoke(main, ["--root", str(documents), "status"])
    assert above.exit_code == 1 and f"--root {documents / 'Adal 2023'}" in above.output


def test_init_in_an_existing_campaign_says_what_it_kept(workspace):
    before = workspace.paths.campaign_file.read_bytes()
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "init"])
    assert result.exit_code == 0
    assert "ничего не перезаписано" in result.output
    assert str(workspace.paths.campaign_file) in result.output
    assert str(workspace.paths.registry_file) in result.output
    assert workspace.paths.campaign_file.read_bytes() == before


@pytest.mark.slow
def test_ingest_and_status_json(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    runner = CliRunner()
    result = runner.invoke(main, ["--root", str(workspace.paths.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    assert [(f["file"], f["status"], f["errors"]) for f in files] == [("a.xlsx", "accepted", 0)]
    result = runner.invoke(main, ["--root", str(workspace.paths.root), "status", "--json"])
    data = json.loads(result.output)
    school = next(o for o in data["organisations"] if o["bin"] == orgs[0].bin)
    assert school["type"] == "general_secondary"
    assert school["returns"]["1.4"] == "accepted" and school["returns"]["1.1"] == "accepted"
    assert school["nil"] == ["1.2", "1.3", "1.5", "1.6", "1.7"]
    other = next(o for o in data["organisations"] if o["bin"] == orgs[1].bin)
    assert other["returns"]["1.1"] == "missing" and other["nil"] == []
    assert set(school["returns"].values()) <= {
        "accepted",
        "late",
        "rejected",
        "missing",
        "not_applicable",
    }


@pytest.mark.slow
def test_received_option_judges_lateness(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    runner = CliRunner()
    runner.invoke(main, ["--root", str(workspace.paths.root), "ingest", "--received", "2023-11-20"])
    data = json.loads(
        runner.invoke(main, ["--root", str(workspace.paths.root), "status", "--json"]).output
    )
    school = next(o for o in data["organisations"] if o["bin"] == orgs[0].bin)
    assert school["returns"]["1.4"] == "late"


@pytest.mark.slow
def test_demo_inbox_only_leaves_a_realistic_inbox(tmp_path):
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "demo", "--inbox-only"])
    assert result.exit_code == 0, result.output
    inbox = sorted(p.suffix for p in (tmp_path / "inbox").iterdir())
    assert ".eml" in inbox and inbox.count(".xlsx") >= 20
    assert not (tmp_path / "adal.sqlite").exists()
    assert len(list((tmp_path / "outbox" / "templates").glob("*.xlsx"))) == 25
    shutil.rmtree(tmp_path / "inbox")


def test_unexpected_error_is_logged_not_dumped(workspace, monkeypatch):
    """The broken function is put where `status` calls it, and nowhere else for good: a
    module first imported during the patch (frames, mail) bound it by name and broke every
    later consolidation in the same test process."""
    from pipeline.letters import mail  # noqa: F401  bound before the patch
    from pipeline.tracking import status as status_module
    from pipeline.workbooks import frames  # noqa: F401

    def broken(conn, workspace):
        raise RuntimeError("boom")

    monkeypatch.setattr(status_module, "return_states", broken)
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "status"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "boom" not in result.output
    assert "outbox/logs" in result.output
    logs = list((workspace.paths.outbox / "logs").glob("adal-*.log"))
    assert logs and "boom" in logs[0].read_text(encoding="utf-8")


def test_report_requires_the_signing_date(workspace):
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "report"])
    assert result.exit_code == 2 and "--signed" in result.output


@pytest.mark.slow
def test_full_demo_runs_the_whole_plan(tmp_path):
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "demo"])
    assert result.exit_code == 0, result.output
    outbox = tmp_path / "outbox"
    assert (outbox / "consolidated-kokterek-2023.xlsx").exists()
    for name in (
        "3.1-reference-kk.docx",
        "3.1-reference-ru.docx",
        "4.1-action-plan.xlsx",
        "6.1-register.xlsx",
        "plan.json",
    ):
        assert (outbox / "report" / name).exists(), name
    assert len(list((outbox / "report" / "3.2-publication").glob("*.docx"))) == 4
    assert list((outbox / "feedback").rglob("*.xlsx"))
    assert len(list((outbox / "mail" / "templates").glob("*.eml"))) == 25
    assert list((tmp_path / "inbox").iterdir()) == []
    assert "Traceback" not in result.output
    assert "Исполнение рекомендаций (5.1)" in result.output and "исполнено" in result.output


@pytest.mark.slow
def test_output_that_cannot_be_written_gets_a_message_not_a_traceback(workspace):
    """A consolidated workbook left open in Excel (on a Windows share) cannot be replaced."""
    target = workspace.paths.outbox / f"consolidated-{workspace.campaign.code}.xlsx"
    target.mkdir(parents=True)  # as unwritable as a file Excel holds open
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "consolidate"])
    assert result.exit_code == 1
    assert "Excel-де ашық па" in result.output and "открыт ли он в Excel" in result.output
    assert "Traceback" not in result.output


def test_locked_ledger_gets_a_message_not_a_traceback(workspace, monkeypatch):
    """Another program holding the SQLite file: the ledger says so in its own words (the
    CLI no longer knows sqlite3's errors)."""
    import sqlite3

    from pipeline import ledger

    ledger.connect(workspace.paths.ledger).close()
    holder = sqlite3.connect(str(workspace.paths.ledger), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(ledger, "BUSY_TIMEOUT", 0.1)
    try:
        result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "status"])
    finally:
        holder.close()
    assert result.exit_code == 1, result.output
    assert "adal.sqlite" in result.output and "закройте его" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command", [["consolidate"], ["report", "--signed", "2023-12-08"], ["mail", "templates"]]
)
def test_fresh_campaign_without_organisations_says_to_fill_the_registry(tmp_path, command):
    """Right after `init` the registry is empty; consolidate once failed with an internal
    error there instead of saying what to do."""
    runner = CliRunner()
    assert runner.invoke(main, ["--root", str(tmp_path), "init"]).exit_code == 0
    result = runner.invoke(main, ["--root", str(tmp_path), *command])
    assert result.exit_code == 1, result.output
    assert "Заполните таблицу organisations.xlsx" in result.output


@pytest.mark.slow
def test_consolidate_and_report_before_any_return_arrives(workspace):
    runner = CliRunner()
    root = ["--root", str(workspace.paths.root)]
    result = runner.invoke(main, [*root, "consolidate"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, [*root, "report", "--signed", "2023-12-08"])
    assert result.exit_code == 0, result.output


def test_mistyped_option_value_gets_a_bilingual_first_line(tmp_path):
    result = CliRunner().invoke(
        main, ["--root", str(tmp_path), "ingest", "--received", "2023-13-45"]
    )
    assert result.exit_code == 2
    assert "Команда задана неверно" in result.output and "ingest --help" in result.output
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0 and "Использование:" in result.output and "Adal" in result.output


@pytest.mark.slow
def test_a_console_without_kazakh_letters_does_not_end_a_command(tmp_path):
    """`adal status > status.txt` on Windows writes cp1251, which has no «ә, ғ, қ, ң, ө, ұ, ү,
    һ, і»: the command once ended in «internal error». It now completes."""
    import os
    import subprocess
    import sys

    for encoding in ("cp1251", "cp866"):
        root = tmp_path / encoding
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        for args in (["init"], ["status"]):
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from pipeline.cli import main; main()",
                    "--root",
                    str(root),
                    *args,
                ],
                capture_output=True,
                env=env,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr.decode(encoding, "replace")[-500:]
            assert b"Traceback" not in result.stderr


@pytest.mark.slow
def test_officers_see_bilingual_option_help_and_no_developer_commands():
    """Option help was English, and `bench`, a developer command, was listed to officers."""
    import click

    from pipeline.cli import main

    shown = {name: c for name, c in main.commands.items() if not c.hidden}
    assert "bench" not in shown and "demo-monitoring" not in shown
    for command in [main, *shown.values()]:
        for param in command.params:
            if isinstance(param, click.Option) and param.help and param.name != "help":
                assert " / " in param.help, (command.name, param.name, param.help)


def test_click_own_words_are_kazakh_and_russian(tmp_path):
    """«Usage», «Options», «Show this message and exit.» and click's usage errors were
    English in a tool whose users read Kazakh and Russian."""
    runner = CliRunner()
    english = ("Usage:", "Options:", "Commands:", "Show this message", "[default", "[required",
               "is not a valid", "does not match", "is not one of", "No such option")  # fmt: skip
    outputs = [
        runner.invoke(main, ["--help"]).output,
        *(runner.invoke(main, [name, "--help"]).output for name in commands()),
        runner.invoke(main, ["--root", str(tmp_path), "ingest", "--jobs", "x"]).output,
        runner.invoke(main, ["--root", str(tmp_path), "mail", "letters"]).output,
        runner.invoke(main, ["--root", str(tmp_path), "report", "--signed", "8.12"]).output,
        runner.invoke(main, ["--root", str(tmp_path), "status", "--colour"]).output,
        runner.invoke(main, ["--root", str(tmp_path), "report"]).output,
    ]
    for output in outputs:
        assert not [w for w in english if w in output], output
    assert "Осы анықтаманы көрсету / Показать эту справку." in outputs[0]
    assert "Параметрлер / Параметры" in outputs[0] and "Командалар / Команды" in outputs[0]
    assert "'x' — сан емес / не число." in outputs[-5]
    assert "Нет параметра '--colour'" in outputs[-2]
    assert "Не задан параметр" in outputs[-1] and "--signed" in outputs[-1]
    help_lines = outputs[0].split("Командалар / Команды:")[1].split()
    assert help_lines.index("init") < help_lines.index("templates") < help_lines.index("report")


def _run_on_terminal(root, *args):
    """`adal …` with its stderr on a pseudo-terminal, as an officer at a console sees it."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "--root", str(root),
         *args],
        stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    out, _ = process.communicate(timeout=300)
    os.close(leader)
    assert process.returncode == 0, seen.decode(errors="replace")
    return out.decode(), seen.decode(errors="replace")


@pytest.mark.slow
def test_long_commands_show_progress_to_a_person_at_a_terminal_only(workspace):
    """Only `ingest` showed progress; `templates`, `consolidate`, `report` and `mail` were
    silent for minutes at a large district."""
    root = workspace.paths.root
    out, terminal = _run_on_terminal(root, "templates")
    assert "Үлгілер / Шаблоны" in terminal and "100%" in terminal
    assert "100%" not in out  # the bar goes to stderr, the summary to stdout
    _, terminal = _run_on_terminal(root, "consolidate")
    assert "Жиынтық / Свод" in terminal and "100%" in terminal
    _, terminal = _run_on_terminal(root, "mail", "templates")
    assert "Үлгілер / Шаблоны" in terminal and "100%" in terminal
    _, terminal = _run_on_terminal(root, "consolidate", "--json")
    assert "100%" not in terminal  # a script reads --json: no bar
    piped = CliRunner().invoke(main, ["--root", str(root), "templates"])
    assert piped.exit_code == 0 and "100%" not in piped.output  # not a terminal: no bar


@pytest.mark.slow
def test_every_step_of_the_campaign_names_the_next_one(workspace, orgs):
    """`init` printed «Дайын / Готово» and nothing else; no command said what comes next."""
    runner = CliRunner()
    root = ["--root", str(workspace.paths.root)]

    def last_lines(*args):
        result = runner.invoke(main, [*root, *args])
        assert result.exit_code == 0, result.output
        kk, ru = result.output.rstrip("\n").split("\n")[-2:]
        assert kk.startswith("Келесі қадам: ") and ru.startswith("Следующий шаг: "), result.output
        return ru

    assert "adal mail templates" in last_lines("templates")
    assert "adal mail templates --send" in last_lines("mail", "templates")
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    assert "adal status" in last_lines("ingest")
    assert "adal mail reminders" in last_lines("status")
    assert "adal report --signed" in last_lines("consolidate")
    assert "adal ingest" in last_lines("report", "--signed", "2023-12-08")


@pytest.mark.slow
def test_a_campaign_without_contact_details_is_told_not_printed_blank(workspace, orgs):
    """Templates, letters and the reference printed «По вопросам: Кадровая служба» with no
    e-mail or phone, and letters went from adal@localhost, without a word to the officer."""
    runner = CliRunner()
    root = ["--root", str(workspace.paths.root)]
    result = runner.invoke(main, [*root, "templates"])
    assert result.exit_code == 0
    assert "не заполнены контактные данные (e-mail, телефон)" in result.output
    result = runner.invoke(main, [*root, "mail", "templates"])
    assert "Нет адреса отправителя" in result.output
    text = workspace.paths.campaign_file.read_text(encoding="utf-8")
    text = text.replace(
        '  email: ""\n  phone: ""', '  email: "hr@edu.example"\n  phone: "8 7212 00 00 00"'
    )
    workspace.paths.campaign_file.write_text(text, encoding="utf-8")
    result = runner.invoke(main, [*root, "mail", "templates"])
    assert "контактные данные" not in result.output and "отправителя" not in result.output


def test_a_capitalised_sample_line_still_keeps_the_sample_from_going_out(tmp_path, orgs):
    from pipeline.specs.campaign import load_campaign

    runner = CliRunner()
    assert runner.invoke(main, ["--root", str(tmp_path), "init"]).exit_code == 0
    plan = tmp_path / "campaign" / "campaign.yaml"
    plan.write_text(plan.read_text("utf-8").replace("sample: true", "Sample: true"), "utf-8")
    assert load_campaign(plan).sample


def test_a_spec_saved_beside_the_plan_is_refused_not_ignored(workspace):
    from pipeline.specs.returns import shipped_schemas

    stray = workspace.paths.campaign_dir / "indicators.yaml"
    shutil.copy(shipped_schemas() / "indicators.yaml", stray)
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "status"])
    assert result.exit_code == 1 and str(stray) in result.output
    assert str(workspace.paths.root / "schemas") in result.output


def test_a_registry_saved_with_a_capitalised_name_is_found(workspace, orgs):
    from pipeline.specs.workspace import open_workspace

    workspace.paths.registry_file.rename(workspace.paths.campaign_dir / "Organisations.XLSX")
    assert len(open_workspace(workspace.paths).organisations) == len(orgs)


@pytest.mark.slow
def test_ingest_says_late_when_a_file_came_after_the_deadline(workspace, orgs):
    """It said «принят», and `status` then showed the return late."""
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "b.xlsx")
    root = ["--root", str(workspace.paths.root)]
    on_time = CliRunner().invoke(main, [*root, "ingest", "--received", "2023-11-10"])
    assert "кешігіп қабылданды/принят с опозданием" not in on_time.output
    fill(workspace, orgs[2], {"1.4": [good_14()]}, "c.xlsx")
    late = CliRunner().invoke(main, [*root, "ingest", "--received", "2023-11-20"])
    assert "кешігіп қабылданды/принят с опозданием" in late.output, late.output


@pytest.mark.slow
def test_consolidate_prints_scores_with_a_label_and_a_decimal_comma(workspace, orgs):
    import re

    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    root = ["--root", str(workspace.paths.root)]
    CliRunner().invoke(main, [*root, "ingest"])
    result = CliRunner().invoke(main, [*root, "consolidate"])
    assert result.exit_code == 0, result.output
    assert "Организации с наибольшим баллом риска (0–100)" in result.output
    lines = [x for x in result.output.splitlines() if orgs[0].name.ru in x]
    assert lines and re.match(r"\s+\d+,\d  ", lines[0]), lines
