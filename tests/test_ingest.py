"""The intake loop on real files in a real campaign folder with a real SQLite ledger: accepted, stored, archived, superseded, answered."""

import dataclasses
import datetime as dt
import json
import os
import shutil
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from pipeline.files.identity_sheet import IDENTITY_SHEET
from pipeline.intake.feedback import ERRORS_SHEET
from pipeline.intake.ingest import ingest
from pipeline.tracking.status import return_states
from tests.helpers import by_name, db, fill, good_11, good_14, make_iin, template_for

pytestmark = pytest.mark.both_ledgers  # on both ledgers (the server's runs are slow)


@pytest.mark.slow
def test_filled_template_is_accepted_stored_and_archived(workspace, orgs):
    fill(workspace, orgs[0], {"1.1": [good_11()], "1.4": [good_14()]}, "школа1.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted" and outcome.errors == 0
    assert outcome.returns["1.1"] == "accepted" and outcome.returns["1.2"] == "accepted"
    assert "1.2" in outcome.nil  # left empty, as its note says when there were no measures
    assert not (workspace.paths.inbox / "школа1.xlsx").exists()
    assert os.path.exists(outcome.archive)
    rows = (
        db(workspace)
        .execute(
            "SELECT data FROM rows JOIN submissions s ON s.id = submission_id"
            " WHERE s.return_code = '1.4'"
        )
        .fetchall()
    )
    assert [json.loads(r["data"]) for r in rows] == [
        {**good_14(), "service": "school_enrolment", "month": "2023-02-15", "responsible": None}
    ]
    states = return_states(db(workspace), workspace)[orgs[0].bin]
    assert states["1.1"].state == "accepted" and (states["1.2"].state, states["1.2"].nil) == (
        "accepted",
        True,
    )


def test_json_contract(workspace, orgs):
    fill(workspace, orgs[0], {"1.1": [good_11()]}, "a.xlsx")
    data = ingest(workspace)[0].as_json()
    assert {"file", "sha256", "status", "errors", "messages"} <= set(data)
    assert data["file"] == "a.xlsx" and len(data["sha256"]) == 64
    json.dumps(data, ensure_ascii=False)


@pytest.mark.slow
def test_mistakes_give_a_feedback_copy_of_the_senders_file(workspace, orgs):
    bad = {**good_11(make_iin(2)), "checked_on": dt.datetime(2021, 1, 5)}
    fill(workspace, orgs[0], {"1.1": [good_11(), bad], "1.4": [good_14()]}, "s.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.status == "partial"
    assert outcome.returns == {**outcome.returns, "1.1": "rejected", "1.4": "accepted"}
    [problem] = outcome.problems
    assert (problem.sheet, problem.cell, problem.row, problem.code) == (
        "1.1",
        "E11",
        11,
        "date_before_period",
    )
    assert "01.06.2022" in problem.ru and "01.06.2022" in problem.kk
    book = openpyxl.load_workbook(outcome.feedback)
    assert book.sheetnames[0] == ERRORS_SHEET
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden"
    cell = book["1.1"]["E11"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "01.06.2022" in cell.comment.text
    assert cell.comment.author == "Білім бөлімі / Отдел образования"  # not a program's name
    listed = [[c.value for c in row] for row in book[ERRORS_SHEET].iter_rows(min_row=2)]
    assert listed[0][1:4] == ["1.1", 11, "E11"]
    head = [c.value for c in book[ERRORS_SHEET][1]]
    assert "Нені түзету немесе нақтылау керек" in head and "Код" not in head  # words, not codes
    assert problem.code not in listed[0]


@pytest.mark.slow
def test_feedback_file_sent_back_corrected_is_accepted(workspace, orgs):
    bad = {**good_11(), "position": None}
    fill(workspace, orgs[0], {"1.1": [bad]}, "s.xlsx")
    [first] = ingest(workspace)
    book = openpyxl.load_workbook(first.feedback)
    book["1.1"]["C10"] = "Мұғалім / Учитель"
    # the errors sheet stays in: people send the corrected file back as it is
    book.save(workspace.paths.inbox / "s-fixed.xlsx")
    [second] = ingest(workspace)
    assert second.status == "accepted"
    assert return_states(db(workspace), workspace)[orgs[0].bin]["1.1"].state == "accepted"


@pytest.mark.slow
def test_newer_submission_supersedes_older_and_history_stays(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "v1.xlsx", received=dt.datetime(2023, 11, 1))
    ingest(workspace)
    fill(
        workspace,
        orgs[0],
        {"1.4": [good_14(), {**good_14(), "month": dt.datetime(2023, 3, 15)}]},
        "v2.xlsx",
        received=dt.datetime(2023, 11, 5),
    )
    ingest(workspace)
    subs = (
        db(workspace)
        .execute("SELECT status, row_count FROM submissions WHERE return_code='1.4' ORDER BY id")
        .fetchall()
    )
    assert [tuple(s) for s in subs] == [("superseded", 1), ("accepted", 2)]


@pytest.mark.slow
def test_older_file_arriving_later_does_not_supersede(workspace, orgs):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "new.xlsx", received=dt.datetime(2023, 11, 5))
    ingest(workspace)
    fill(
        workspace,
        orgs[0],
        {"1.4": [good_14(), {**good_14(), "month": dt.datetime(2023, 3, 15)}]},
        "old.xlsx",
        received=dt.datetime(2023, 11, 1),
    )
    ingest(workspace)
    subs = (
        db(workspace)
        .execute("SELECT status, row_count FROM submissions WHERE return_code='1.4' ORDER BY id")
        .fetchall()
    )
    assert [tuple(s) for s in subs] == [("accepted", 1), ("superseded", 2)]


@pytest.mark.slow
def test_same_file_twice_is_recorded_once(workspace, orgs):
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    shutil.copy2(path, workspace.paths.inbox / "a (1).xlsx")
    outcomes = ingest(workspace)
    assert sorted(o.status for o in outcomes) == ["accepted", "duplicate"]
    shutil.copy2(outcomes[0].archive, workspace.paths.inbox / "again.xlsx")
    [again] = ingest(workspace)
    assert again.status == "duplicate"
    assert db(workspace).execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1
    assert (
        db(workspace)
        .execute("SELECT COUNT(*) FROM arrivals WHERE outcome='duplicate'")
        .fetchone()[0]
        == 2
    )
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
def test_nil_return_is_accepted_and_empty_sheet_follows_its_rule(workspace, orgs):
    fill(workspace, orgs[0], {"1.1": [good_11()], "1.4": []}, "a.xlsx", nil=("1.2", "1.3"))
    [outcome] = ingest(workspace)
    assert outcome.returns["1.2"] == "accepted" and outcome.returns["1.5"] == "accepted"
    assert outcome.returns["1.4"] == "rejected"  # its rule is the yellow mark, not left empty
    states = return_states(db(workspace), workspace)[orgs[0].bin]
    assert states["1.3"].state == "accepted" and states["1.5"].nil
    assert states["1.4"].state == "rejected"


@pytest.mark.slow
def test_blank_template_sent_back_is_nothing_filled(workspace, orgs):
    fill(workspace, orgs[0], {}, "blank.xlsx", complete=False)
    [outcome] = ingest(workspace)
    assert outcome.status == "rejected"
    assert [p.code for p in outcome.problems] == ["nothing_filled"]


@pytest.mark.slow
def test_return_not_applicable_to_the_type_is_a_warning(workspace, orgs):
    template_for(workspace, orgs[1])  # a template made before the department narrowed the return
    workspace.specs["1.3"] = dataclasses.replace(
        workspace.specs["1.3"], applies_to=("general_secondary",)
    )
    fill(workspace, orgs[1], {"1.1": [good_11()]}, "b.xlsx")
    fill(
        workspace,
        orgs[1],
        {"1.1": [good_11()], "1.3": [{"full_name": "X"}]},
        "b2.xlsx",
        received=dt.datetime(2023, 11, 11),
    )
    outcomes = by_name(ingest(workspace))
    assert outcomes["b2.xlsx"].returns["1.3"] == "not_applicable"
    assert [p.severity for p in outcomes["b2.xlsx"].problems] == ["warning"]


@pytest.mark.slow
def test_a_date_typo_in_one_file_leaves_the_others_accepted(workspace, orgs):
    """Same return, same organisation type, one batch: the typo once failed them all."""
    fill(workspace, orgs[0], {"1.4": [{**good_14(), "month": "15.02.3023"}]}, "a.xlsx")
    fill(
        workspace, orgs[0], {"1.4": [good_14()]}, "b.xlsx", received=dt.datetime(2023, 11, 11, 9, 0)
    )
    out = by_name(ingest(workspace))
    assert [(p.code, p.cell) for p in out["a.xlsx"].problems] == [("date_implausible", "B10")]
    assert out["b.xlsx"].status == "accepted"


@pytest.mark.slow
def test_correction_workbook_sent_back_half_fixed_loses_the_old_marks(workspace, orgs):
    """The sender fixes one of two errors in the correction workbook and sends it back: the
    fixed cell must not stay red with last round's comment."""
    from pipeline.intake.feedback import BAD_FILL

    spec = workspace.specs["1.4"]
    rows = [
        {**good_14(), "applications": -1},
        {**good_14(), "month": dt.datetime(2023, 3, 15), "refused": -2},
    ]
    fill(workspace, orgs[0], {"1.4": rows}, "a.xlsx")
    [first] = ingest(workspace)
    marked = {p.cell for p in first.problems}
    assert len(marked) == 2
    book = openpyxl.load_workbook(first.feedback)
    sheet = book[spec.sheet]
    fixed = next(c for c in sorted(marked) if sheet[c].value == -1)
    sheet[fixed].value = 10
    book.save(workspace.paths.inbox / os.path.basename(first.feedback))  # sent back as it came
    [second] = ingest(workspace, received=dt.datetime(2023, 11, 12, 9, 0))
    assert {p.cell for p in second.problems} == marked - {fixed}, second.problems
    again = openpyxl.load_workbook(second.feedback)[spec.sheet]
    assert again[fixed].comment is None and again[fixed].fill != BAD_FILL
    [still] = marked - {fixed}
    assert again[still].comment is not None and again[still].fill == BAD_FILL
    book = openpyxl.load_workbook(second.feedback)
    book[spec.sheet][still].value = 0  # all fixed now: accepted, no error about our own sheet
    book.save(workspace.paths.inbox / os.path.basename(second.feedback))
    [third] = ingest(workspace, received=dt.datetime(2023, 11, 13, 9, 0))
    assert third.status == "accepted" and third.problems == [] and third.feedback is None
    names = sorted(os.listdir(os.path.dirname(first.feedback)))
    assert names == sorted(["a (Қателер-Ошибки).xlsx", "a (Қателер-Ошибки 2).xlsx"])


def test_duplicate_says_when_the_first_copy_came_as_people_write_dates(workspace, orgs):
    """It said «бұрын алынған (2023-11-10T10:00:00)»: a machine's timestamp in a letter."""
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    copy = path.read_bytes()
    ingest(workspace)
    (workspace.paths.inbox / "again.xlsx").write_bytes(copy)
    [outcome] = ingest(workspace)
    [problem] = outcome.problems
    assert "(10.11.2023 10:00)" in problem.ru and "(10.11.2023 10:00)" in problem.kk
    assert "T10:00" not in problem.ru


@pytest.mark.slow
def test_the_same_e_mail_is_late_or_on_time_by_the_campaigns_clock_not_the_machines(
    workspace, orgs, monkeypatch
):
    """The red team: received at 00:30 Kazakhstan time the day after the deadline, it was
    «late» on a machine set to Asia/Almaty and «accepted» on one set to UTC."""
    import time
    from email.message import EmailMessage

    deadline = workspace.campaign.deadline("1.4")
    after_midnight = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(0, 30))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = orgs[0].email, "d@x.example", "1.4"
        utc = after_midnight.replace(tzinfo=ZoneInfo("Asia/Almaty")).astimezone(dt.UTC)
        message["Date"] = format_datetime(utc)  # «18:30 +0000», the evening before in UTC
        message.set_content("Есеп")
        message.add_attachment(path.read_bytes(), maintype="application",
                               subtype="octet-stream", filename="a.xlsx")  # fmt: skip
        path.unlink()
        (workspace.paths.inbox / "m.eml").write_bytes(bytes(message))
        [outcome] = ingest(workspace)
        assert outcome.received_at.startswith(f"{after_midnight:%Y-%m-%d}T00:30")
        states = return_states(db(workspace), workspace)[orgs[0].bin]
        assert states["1.4"].state == "late"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.slow
def test_an_iin_in_a_senders_file_name_is_never_printed_logged_or_mailed(workspace, orgs):
    """The red team: «Иванов 850102300014.xlsx» reached the log, the console and the draft."""
    from click.testing import CliRunner

    from pipeline.cli import main

    iin = make_iin(7)
    bad = {**good_14(), "applications": -1}  # a mistake: a correction workbook and a letter
    fill(workspace, orgs[0], {"1.4": [bad]}, f"Иванов {iin}.xlsx")
    root = str(workspace.paths.root)
    result = CliRunner().invoke(main, ["--root", root, "ingest"])
    drafts = CliRunner().invoke(main, ["--root", root, "mail", "feedback"])
    assert result.exit_code == 0 and drafts.exit_code == 0, result.output + drafts.output
    written = [p for p in workspace.paths.outbox.rglob("*") if p.is_file()]
    logs = [p.read_text("utf-8") for p in written if p.suffix == ".log"]
    letters = []
    for path in (p for p in written if p.suffix == ".eml"):
        import email
        import email.policy

        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        names = [part.get_filename() or "" for part in message.iter_attachments()]
        body = message.get_body(("plain",)).get_content()
        letters.append(" ".join([str(message["Subject"]), body, *names]))
    assert letters and iin not in result.output and iin[:2] + "*" * 8 in result.output
    assert all(iin not in text for text in [*logs, *letters])
    assert all(iin not in p.name for p in written)


@pytest.mark.slow
def test_a_name_typed_with_a_combining_breve_is_the_same_name(workspace, orgs):
    """«й» as «и» + U+0306 gave a second correction workbook with a broken name."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Отчёт школы й.xlsx")
    fill(workspace, orgs[0], {"1.4": [{**good_14(), "applications": -1}]}, decomposed)
    [outcome] = ingest(workspace)
    assert outcome.name == "Отчёт школы й.xlsx"  # composed
    assert outcome.feedback and unicodedata.is_normalized("NFC", os.path.basename(outcome.feedback))
