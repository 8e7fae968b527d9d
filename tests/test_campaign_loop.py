"""The campaign loop tells the truth: nil returns, date windows, IIN/BIN structure, mail
that says only what is still true, and no command that destroys a campaign.

Every test goes through the real path: a template written by Adal, filled with openpyxl as
a secretary would, ingested into a real ledger, then status, reminders, workbook, reference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import hashlib
import json
import random
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.cli import main
from pipeline.core.errors import ConfigError
from pipeline.core.ids import complete_id, id_problem
from pipeline.core.numerals import FILE, count
from pipeline.files.identity_sheet import IDENTITY_SHEET
from pipeline.intake.id_columns import id_problems
from pipeline.intake.ingest import ingest
from pipeline.letters.mail import plan_feedback, plan_reminders, plan_templates, run_mail
from pipeline.specs import layout as L
from pipeline.specs.nil_rule import RULE
from pipeline.specs.organisations import load_registry
from pipeline.tracking.status import return_states, status_json
from pipeline.workbooks.registry import write_registry
from pipeline.workbooks.templates import INSTRUCTIONS_SHEET
from tests.helpers import fill, good_11, good_12, good_14, make_iin, template_for

NOV_10 = dt.datetime(2023, 11, 10, 10, 0)


def states_of(workspace, bin_):
    conn = sqlite3.connect(workspace.paths.ledger)
    conn.row_factory = sqlite3.Row
    try:
        return return_states(conn, workspace)[bin_]
    finally:
        conn.close()


def reminder_for(workspace, org, today=dt.date(2023, 11, 20)):
    conn = sqlite3.connect(workspace.paths.ledger)
    conn.row_factory = sqlite3.Row
    try:
        return next((m for m in plan_reminders(workspace, conn, today) if m.bin == org.bin), None)
    finally:
        conn.close()


# --- 1. nil returns --------------------------------------------------------------------


def test_sheet_left_empty_as_its_note_says_is_a_nil_return_not_missing(workspace, orgs):
    school = orgs[0]
    fill(workspace, school, {"1.4": [good_14()]}, "school.xlsx", received=NOV_10)
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted" and outcome.errors == 0
    assert set(outcome.nil) == {"1.2", "1.3", "1.5", "1.6", "1.7"}
    assert outcome.as_json()["nil"] == outcome.nil
    assert [p for p in outcome.problems if p.severity == "warning"] == []  # no noise
    state = states_of(workspace, school.bin)["1.2"]
    assert (state.state, state.nil, state.rows) == ("accepted", True, 0)
    assert state.text == "нөлдік есеп / нулевой отчёт"
    data = status_json(
        workspace, {school.bin: states_of(workspace, school.bin)} | _others(workspace, orgs[1:])
    )
    mine = next(o for o in data["organisations"] if o["bin"] == school.bin)
    assert mine["returns"]["1.2"] == "accepted" and "1.2" in mine["nil"]
    assert data["summary"]["general_secondary"]["nil"] == 5
    assert reminder_for(workspace, school) is None  # nothing missing: no reminder


def _others(workspace, orgs):
    return {o.bin: states_of(workspace, o.bin) for o in orgs}


@pytest.mark.slow
def test_nil_return_is_named_in_status_workbook_and_reference(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "school.xlsx", received=NOV_10)
    runner = CliRunner()
    root = ["--root", str(workspace.paths.root)]
    said = runner.invoke(main, [*root, "ingest"]).output
    assert (
        "Нөлдік есеп (кезеңде деректер жоқ) ретінде қабылданды: 1.2, 1.3, 1.5, 1.6, 1.7. / "
        "Принято как нулевой отчёт (данных за период нет): 1.2, 1.3, 1.5, 1.6, 1.7."
    ) in said
    status = runner.invoke(main, [*root, "status"]).output
    assert "0 нөлдік есеп (деректер жоқ)" in status and "0 нулевой отчёт (данных нет)" in status
    line = next(x for x in status.splitlines() if x.startswith(orgs[0].bin))
    assert line.split()[-9:] == ["✓", "0", "0", "✓", "0", "0", "0", "✓", "✓"]
    result = runner.invoke(main, [*root, "consolidate"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(next(workspace.paths.outbox.glob("consolidated-*.xlsx")))
    cells = {c.value for row in book["Толықтық-Полнота"].iter_rows() for c in row if c.value}
    assert "нөлдік есеп / нулевой отчёт" in cells
    assert "оның ішінде нөлдік есептер / в т.ч. нулевые отчёты" in cells
    result = runner.invoke(main, [*root, "report", "--signed", "2023-12-08"])
    assert result.exit_code == 0, result.output
    files = len([p for p in (workspace.paths.outbox / "report").rglob("*") if p.is_file()])
    written = f"{count(files, FILE, 'kk')} / {count(files, FILE, 'ru')} →"
    assert written in result.output  # the Russian noun agrees: «5 файлов», «3 файла»
    text = {
        lang: "\n".join(p.text for p in Document(path).paragraphs)
        for lang in ("kk", "ru")
        for path in (workspace.paths.outbox / "report").glob(f"3.1-*{lang}.docx")
    }
    assert (
        "Нулевые отчёты (данных за период нет) представили: по пункту 1.2 — 1 организация"
        in text["ru"]
    )
    assert (
        "Нөлдік есеп (кезеңде деректер жоқ) ұсынған ұйымдар: 1.2-тармақ бойынша — 1;" in text["kk"]
    )


@pytest.mark.slow
def test_empty_staff_list_is_an_error_that_says_what_to_fill(workspace, orgs):
    school = orgs[0]
    fill(workspace, school, {"1.1": [], "1.4": [good_14()]}, "school.xlsx", received=NOV_10)
    [outcome] = ingest(workspace)
    assert outcome.returns["1.1"] == "rejected" and outcome.status == "partial"
    [problem] = [p for p in outcome.problems if p.code == "empty_sheet"]
    assert problem.ru == (
        "Лист «1.1» пуст. Одна строка на каждого сотрудника, работавшего в периоде. Справку "
        "получает кадровая служба. Заполнение обязательно, пустой лист не принимается."
    )
    assert problem.kk.startswith("«1.1» парағы бос. Кезеңде жұмыс істеген әр қызметкерге")
    assert (problem.sheet, problem.cell) == ("1.1", "A10")
    assert outcome.feedback and Path(outcome.feedback).exists()  # the school is told
    assert states_of(workspace, school.bin)["1.1"].state == "rejected"
    reminder = reminder_for(workspace, school)
    assert "1.1 " in reminder.body and "с ошибками, нужно исправить" in reminder.body
    assert "1.2 " not in reminder.body


def test_empty_checklist_is_an_error_too(workspace, orgs):
    fill(workspace, orgs[0], {"2": []}, "school.xlsx", received=NOV_10)
    [outcome] = ingest(workspace)
    assert outcome.returns["2"] == "rejected"
    assert any(p.code == "empty_sheet" and p.sheet == "2.1-2.5" for p in outcome.problems)


@pytest.mark.slow
def test_return_whose_rule_is_the_yellow_mark_needs_it(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": []}, "unmarked.xlsx", received=NOV_10)
    fill(workspace, orgs[1], {}, "marked.xlsx", received=NOV_10, nil=("1.4",))
    out = {o.name: o for o in ingest(workspace)}
    assert out["unmarked.xlsx"].returns["1.4"] == "rejected"
    [problem] = [p for p in out["unmarked.xlsx"].problems if p.code == "empty_sheet"]
    assert RULE["mark"].ru in problem.ru and "«Да, данных нет»" in problem.ru
    assert out["marked.xlsx"].returns["1.4"] == "accepted" and "1.4" in out["marked.xlsx"].nil
    assert states_of(workspace, orgs[0].bin)["1.4"].state == "rejected"
    assert states_of(workspace, orgs[1].bin)["1.4"].nil
    assert "1.4 " in reminder_for(workspace, orgs[0]).body
    assert reminder_for(workspace, orgs[1]) is None


def test_blank_template_sent_by_mistake_is_not_five_nil_returns(workspace, orgs):
    fill(workspace, orgs[0], {}, "blank.xlsx", complete=False)
    [outcome] = ingest(workspace)
    assert outcome.status == "rejected" and outcome.nil == []
    assert [p.code for p in outcome.problems] == ["nothing_filled"]
    assert states_of(workspace, orgs[0].bin)["1.2"].state == "missing"


@pytest.mark.slow
def test_empty_sheet_in_a_later_file_does_not_wipe_out_rows_sent_before(workspace, orgs):
    measure = good_12()
    fill(workspace, orgs[0], {"1.2": [measure]}, "first.xlsx", received=NOV_10)
    ingest(workspace)
    fill(
        workspace,
        orgs[0],
        {"1.1": [good_11()]},
        "second.xlsx",
        received=NOV_10 + dt.timedelta(days=2),
    )
    [outcome] = ingest(workspace)
    assert "1.2" not in outcome.nil
    [notice] = [p for p in outcome.problems if p.code == "nil_kept_earlier"]
    assert "10.11.2023" in notice.ru and "сохранены" in notice.ru
    state = states_of(workspace, orgs[0].bin)["1.2"]
    assert (state.rows, state.nil, state.file) == (1, False, "first.xlsx")


def test_the_rule_reads_the_same_on_the_sheet_the_instruction_and_the_message(workspace, orgs):
    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    for spec in workspace.collected.values():
        sheet = book[spec.sheet]
        note = sheet.cell(L.DESCRIPTION_ROW, 1).value
        assert RULE[spec.nil].kk in note and RULE[spec.nil].ru in note, spec.code
        yellow = sheet.cell(L.NIL_ROW, 1).value
        assert (yellow == L.NIL_LABEL.both) == (spec.nil == "mark"), spec.code
    instruction = "\n".join(
        str(c.value) for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value
    )
    assert (
        "Листы 1.2, 1.3, 1.5, 1.6, 1.7: если данных за период нет, оставьте лист пустым. Пустой "
        "лист принимается как нулевой отчёт («данных нет»)."
    ) in instruction
    assert (
        "1.2, 1.3, 1.5, 1.6, 1.7 парақтары: кезеңде деректер болмаса, парақты бос қалдырыңыз."
    ) in instruction
    assert "Лист 1.4: если данных за период нет, выберите в жёлтой ячейке «Да, данных нет»" in (
        instruction
    )
    assert "Листы 1.1, 1.8, 2.1-2.5: заполнение обязательно, пустой лист не принимается." in (
        instruction
    )
    assert "Если мер не было" not in "".join(s.description.ru for s in workspace.specs.values())


# --- 2. date windows -------------------------------------------------------------------


def test_check_date_after_the_period_is_accepted_up_to_the_day_the_file_was_sent(workspace, orgs):
    rows = [
        {**good_11(make_iin(1)), "checked_on": dt.datetime(2023, 11, 10)},
        {**good_11(make_iin(2)), "checked_on": dt.datetime(2023, 11, 20)},
    ]
    fill(workspace, orgs[0], {"1.1": rows}, "staff.xlsx", received=dt.datetime(2023, 11, 12, 9, 0))
    [outcome] = ingest(workspace)
    [problem] = [p for p in outcome.problems if p.severity == "error"]
    assert (problem.code, problem.cell) == ("date_after_received", "E11")
    assert problem.ru == (
        "Дата 20.11.2023 позже дня отправки файла (12.11.2023): на момент отправки эта дата ещё "
        "не наступила. Проверьте дату."
    )
    assert problem.kk.startswith("20.11.2023 күні файл жіберілген күннен (12.11.2023) кейін")


@pytest.mark.slow
def test_check_date_before_the_period_and_event_dates_outside_it_are_errors(workspace, orgs):
    measure = {**good_12(), "order_date": dt.datetime(2023, 11, 5)}  # after the school year
    early = {
        **good_11(),
        "checked_on": dt.datetime(2022, 5, 1),
        "hired_on": dt.datetime(2030, 1, 1),
    }
    fill(workspace, orgs[0], {"1.1": [early], "1.2": [measure]}, "a.xlsx", received=NOV_10)
    [outcome] = ingest(workspace)
    codes = {(p.sheet, p.column_key): p.code for p in outcome.problems if p.severity == "error"}
    assert codes == {
        ("1.1", "checked_on"): "date_before_period",
        ("1.1", "hired_on"): "date_after_received",
        ("1.2", "order_date"): "date_out_of_period",
    }


def test_template_validation_uses_the_same_window(workspace, orgs):
    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    rules = {str(v.sqref).split(":")[0]: v for v in book["1.1"].data_validations.dataValidation}
    checked = rules["E10"]  # 1.1 checked_on: from the period start up to today
    assert checked.type == "date" and checked.formula2 == "TODAY()"
    assert checked.formula1 == str((dt.date(2022, 6, 1) - dt.date(1899, 12, 30)).days)
    order = {str(v.sqref).split(":")[0]: v for v in book["1.2"].data_validations.dataValidation}
    assert order["D10"].formula2 == str((dt.date(2023, 8, 31) - dt.date(1899, 12, 30)).days)


# --- 3. IIN and BIN structure ----------------------------------------------------------


@pytest.mark.parametrize(
    ("iin", "code", "words"),
    [
        ("000000000000", "iin_birth_date", "первые 6 цифр ИИН — дата рождения"),
        ("111111111110", "iin_too_old", "не менее 100 лет"),
        (complete_id("15010150012"), "iin_too_young", "не исполнилось 14 лет"),
        (complete_id("25010150012"), "iin_future", "позже конца отчётного периода"),
        (complete_id("99124000001"), "bin_not_iin", "это БИН, а не ИИН"),
    ],
)
@pytest.mark.slow
def test_iin_that_encodes_no_possible_employee_is_a_cell_error(workspace, orgs, iin, code, words):
    assert iin is not None
    fill(workspace, orgs[0], {"1.1": [good_11(iin)]}, "staff.xlsx", received=NOV_10)
    [outcome] = ingest(workspace)
    [problem] = [p for p in outcome.problems if p.severity == "error"]
    assert (problem.code, problem.cell) == (code, "A10")
    assert words in problem.ru and iin in problem.ru and "ЖСН" in problem.kk


def test_bin_structure_in_the_registry(workspace, orgs, tmp_path):
    iin = make_iin(3)
    wrong = complete_id("99120000001")  # a valid checksum, 5th digit 0: no legal entity
    path = tmp_path / "organisations.xlsx"
    bad = [dataclasses.replace(orgs[0], bin=iin), dataclasses.replace(orgs[1], bin=wrong)]
    write_registry(path, bad, workspace.campaign.org_types)
    with pytest.raises(ConfigError) as caught:
        load_registry(path, workspace.campaign.org_types)
    text = str(caught.value)
    assert "это ИИН, а не БИН" in text and "бұл БСН емес, ЖСН" in text
    assert "5-я цифра БИН (вид юридического лица) должна быть 4, 5 или 6" in text


@pytest.mark.slow
def test_iin_where_the_template_names_the_bin_is_said_so(workspace, orgs):
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "school.xlsx", received=NOV_10)
    book = openpyxl.load_workbook(path)
    del book[IDENTITY_SHEET]  # no hidden witness: the sheets' BIN cells decide
    for spec in workspace.collected.values():
        book[spec.sheet].cell(L.BIN_ROW, 2).value = make_iin(4)
    book.save(path)
    [outcome] = ingest(workspace)
    codes = [p.code for p in outcome.problems]
    assert "iin_not_bin" in codes and "unknown_organisation" in codes


def test_vectorised_structure_check_agrees_with_the_one_value_check():
    rng = random.Random(11)
    values = []
    for _ in range(5000):
        first = "".join(str(rng.randint(0, 9)) for _ in range(11))
        full = complete_id(first)
        values.append(full if full and rng.random() < 0.8 else first + str(rng.randint(0, 9)))
    values += ["000000000000", "111111111110", None, ""]
    for kind in ("iin", "bin"):
        for end in (dt.date(2023, 10, 31), None):
            vector = id_problems(pd.Series(values, dtype=object), kind, end).tolist()
            one = [(id_problem(v, kind, end) or "") if v else "" for v in values]
            assert vector == one


# --- 4. mail says only what is still true ----------------------------------------------


@pytest.mark.slow
def test_no_correction_mail_for_a_return_accepted_since(workspace, orgs):
    first = {**good_11(), "position": None}
    fill(
        workspace,
        orgs[0],
        {"1.1": [first], "1.4": [{**good_14(), "late": 99}]},
        "v1.xlsx",
        received=NOV_10,
    )
    ingest(workspace)
    fill(
        workspace,
        orgs[0],
        {"1.1": [good_11()]},
        "v2.xlsx",
        received=NOV_10 + dt.timedelta(days=1),
        complete=False,  # 1.1 corrected alone; 1.4 left as it was
    )
    ingest(workspace)
    conn = sqlite3.connect(workspace.paths.ledger)
    conn.row_factory = sqlite3.Row
    [only] = [m for m in plan_feedback(workspace, conn) if "v1.xlsx" in m.body]
    assert "; ещё нужно исправить отчёт: 1.4." in only.body and "1.1" not in only.body
    assert "; әлі түзетілуі керек есеп: 1.4." in only.body
    fill(
        workspace, orgs[0], {"1.4": [good_14()]}, "v3.xlsx", received=NOV_10 + dt.timedelta(days=2)
    )
    ingest(workspace)
    assert [m.body for m in plan_feedback(workspace, conn) if "v1.xlsx" in m.body] == []
    conn.close()


@pytest.mark.slow
def test_dry_run_replaces_the_drafts_of_its_kind_and_keeps_the_earlier_set(workspace, orgs):
    fill(workspace, orgs[0], {"1.1": [good_11()]}, "a.xlsx", received=NOV_10, complete=False)
    ingest(workspace)  # 1.4 left empty without its mark, checklists empty: rejected
    run_mail(workspace, "reminders", today=dt.date(2023, 11, 14))
    folder = workspace.paths.outbox / "mail" / "reminders"
    before = {p.name: p.read_bytes() for p in folder.glob("*.eml")}
    assert len(before) == 3
    fill(
        workspace,
        orgs[0],
        {"1.4": [good_14()]},
        "b.xlsx",
        received=NOV_10 + dt.timedelta(days=1),
        complete=False,
    )
    ingest(workspace)
    run_mail(workspace, "reminders", today=dt.date(2023, 11, 20))
    drafts = list(folder.glob("*.eml"))
    assert len(drafts) == 3 and not set(before) & {p.name for p in drafts}
    [earlier] = list((workspace.paths.outbox / "mail" / "earlier").iterdir())
    assert earlier.name.startswith("reminders-")
    assert {p.name: p.read_bytes() for p in earlier.glob("*.eml")} == before
    school = next(
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in drafts
        if p.name.startswith(orgs[0].bin)
    )
    body = school.get_body().get_content()
    assert "1.8 " in body and "1.4 " not in body and "1.1 " not in body and "1.2 " not in body


def test_template_mail_says_which_return_is_due_when_and_names_the_campaign(workspace, orgs):
    CliRunner().invoke(main, ["--root", str(workspace.paths.root), "templates"])
    message = next(m for m in plan_templates(workspace) if m.bin == orgs[0].bin)
    assert workspace.campaign.code not in message.subject
    assert "Шаблон: внутренний анализ коррупционных рисков 2023 года" in message.subject
    assert "Үлгі: 2023 жылғы сыбайлас жемқорлық тәуекелдеріне ішкі талдау" in message.subject
    title = workspace.specs["1.1"].title.ru
    assert f"  • 1.1. {title} — срок 15.11.2023" in message.body
    assert f"  • 2. {workspace.specs['2'].title.ru} — срок 30.11.2023" in message.body
    assert f"  • 1.1. {workspace.specs['1.1'].title.kk} — мерзімі 15.11.2023" in message.body


# --- 5. no command destroys a campaign ------------------------------------------------


def snapshot(root: Path) -> dict[str, object]:
    """What a person or an earlier run made: every file of the archive and campaign/ (by
    hash), and every row of the ledger (a later run may add rows, never change these)."""
    made: dict[str, object] = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("archive", "campaign")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }
    conn = sqlite3.connect(root / "adal.sqlite")
    for table in ("files", "submissions", "sheet_rows", "problems"):
        made[f"ledger:{table}"] = {json.dumps(r) for r in conn.execute(f"SELECT * FROM {table}")}
    conn.close()
    return made


def kept(before: dict[str, object], now: dict[str, object]) -> bool:
    return all(
        (value <= now.get(key, set())) if isinstance(value, set) else now.get(key) == value
        for key, value in before.items()
    )


@pytest.mark.slow
def test_demo_refuses_a_real_campaign_folder_and_deletes_nothing(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx", received=NOV_10)
    ingest(workspace)
    before = snapshot(workspace.paths.root)
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "demo"])
    assert result.exit_code == 2, result.output
    assert "здесь ничего удалять не будет" in result.output and "ештеңе өшірмейді" in result.output
    assert "Traceback" not in result.output
    assert snapshot(workspace.paths.root) == before
    assert not (workspace.paths.root / ".adal-made").exists()


def test_demo_refuses_a_ledger_elsewhere(tmp_path):
    ledger_file = tmp_path / "real" / "adal.sqlite"
    ledger_file.parent.mkdir()
    ledger_file.write_bytes(b"a real ledger")
    result = CliRunner().invoke(
        main, ["--root", str(tmp_path / "demo"), "--db", str(ledger_file), "demo", "--inbox-only"]
    )
    assert result.exit_code == 2 and ledger_file.read_bytes() == b"a real ledger"


@pytest.mark.slow
def test_demo_rebuilds_only_the_folder_it_made(tmp_path):
    runner = CliRunner()
    root = tmp_path / "demo"
    for _ in range(2):
        result = runner.invoke(main, ["--root", str(root), "demo", "--inbox-only"])
        assert result.exit_code == 0, result.output
    assert (root / ".adal-made").exists()
    assert "Листы 1.2, 1.3, 1.5, 1.6, 1.7: если данных за период нет, оставьте" in result.output


@pytest.mark.slow
def test_every_command_in_an_ingested_campaign_keeps_its_archive_and_ledger(workspace, orgs):
    fill(workspace, orgs[0], {"1.1": [{**good_11(), "position": None}]}, "a.xlsx", received=NOV_10)
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "b.xlsx", received=NOV_10)
    ingest(workspace)
    root = ["--root", str(workspace.paths.root)]
    before = snapshot(workspace.paths.root)
    runner = CliRunner()
    calls = [
        ["init"],
        ["templates"],
        ["ingest"],
        ["status"],
        ["status", "--json"],
        ["consolidate"],
        ["report", "--signed", "2023-12-08"],
        ["mail"],
        ["mail", "reminders"],
        ["export", "--parquet", str(workspace.paths.outbox / "export")],
        [
            "rollup",
            str(workspace.paths.outbox / "export"),
            "--out",
            str(workspace.paths.outbox / "r.xlsx"),
        ],
        ["demo"],
        ["demo", "--inbox-only"],
        ["demo-monitoring"],
        ["ingest"],
        ["bench", "--orgs", "2", "--baseline-sample", "1", "--jobs", "1"],
        ["fetch"],  # no mailbox set: refused, nothing touched
        ["serve", "--help"],  # serving runs until stopped: the desk has tests of its own
    ]
    assert {c[0] for c in calls} == set(main.commands)  # a new command joins this test
    for call in calls:
        result = runner.invoke(main, [*root, *call])
        assert result.exit_code in (0, 2), (call, result.output)
        assert kept(before, snapshot(workspace.paths.root)), call


@pytest.mark.slow
def test_long_cyrillic_subject_keeps_its_spaces_in_the_mail(workspace, orgs):
    """Folded by the modern email API, «сыбайлас жемқорлық» arrived as «сыбайласжемқорлық»."""
    CliRunner().invoke(main, ["--root", str(workspace.paths.root), "templates"])
    run_mail(workspace, "templates")
    for path in (workspace.paths.outbox / "mail" / "templates").glob("*.eml"):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert parsed["Subject"] == (
            "Үлгі: 2023 жылғы сыбайлас жемқорлық тәуекелдеріне ішкі талдау / "
            "Шаблон: внутренний анализ коррупционных рисков 2023 года"
        )


def test_a_refused_demo_leaves_the_folder_as_it_was(tmp_path):
    """The refusal once still created outbox/logs/ in the folder it refused."""
    own = tmp_path / "own"
    own.mkdir()
    (own / "my return.xlsx").write_bytes(b"mine")
    result = CliRunner().invoke(main, ["--root", str(own), "demo"])
    assert result.exit_code == 2
    assert sorted(p.name for p in own.rglob("*")) == ["my return.xlsx"]
