"""Ingest end to end on real files in a real campaign folder with a real SQLite ledger."""

import dataclasses
import datetime as dt
import json
import os
import shutil
import sqlite3
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime

import openpyxl
import pytest

from pipeline.files.reader import IDENTITY_SHEET
from pipeline.intake import ingest as ingest_module
from pipeline.intake.feedback import ERRORS_SHEET
from pipeline.intake.ingest import ingest
from pipeline.workbooks.status import return_states
from tests.conftest import fill, good_11, good_14, make_iin, template_for

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice


def by_name(outcomes):
    return {o.name: o for o in outcomes}


def db(ws):
    conn = sqlite3.connect(ws.paths.ledger)
    conn.row_factory = sqlite3.Row
    return conn


def test_filled_template_is_accepted_stored_and_archived(ws, orgs):
    fill(ws, orgs[0], {"1.1": [good_11()], "1.4": [good_14()]}, "школа1.xlsx")
    [outcome] = ingest(ws)
    assert outcome.status == "accepted" and outcome.errors == 0
    assert outcome.returns["1.1"] == "accepted" and outcome.returns["1.2"] == "accepted"
    assert "1.2" in outcome.nil  # left empty, as its note says when there were no measures
    assert not (ws.paths.inbox / "школа1.xlsx").exists()
    assert os.path.exists(outcome.archive)
    rows = (
        db(ws)
        .execute(
            "SELECT data FROM rows JOIN submissions s ON s.id = submission_id"
            " WHERE s.return_code = '1.4'"
        )
        .fetchall()
    )
    assert [json.loads(r["data"]) for r in rows] == [
        {**good_14(), "service": "school_enrolment", "month": "2023-02-15", "responsible": None}
    ]
    states = return_states(db(ws), ws)[orgs[0].bin]
    assert states["1.1"].state == "accepted" and (states["1.2"].state, states["1.2"].nil) == (
        "accepted",
        True,
    )


def test_json_contract(ws, orgs):
    fill(ws, orgs[0], {"1.1": [good_11()]}, "a.xlsx")
    data = ingest(ws)[0].as_json()
    assert {"file", "sha256", "status", "errors", "messages"} <= set(data)
    assert data["file"] == "a.xlsx" and len(data["sha256"]) == 64
    json.dumps(data, ensure_ascii=False)


def test_mistakes_give_a_feedback_copy_of_the_senders_file(ws, orgs):
    bad = {**good_11(make_iin(2)), "checked_on": dt.datetime(2021, 1, 5)}
    fill(ws, orgs[0], {"1.1": [good_11(), bad], "1.4": [good_14()]}, "s.xlsx")
    [outcome] = ingest(ws)
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
    assert "Нені түзету керек" in head and "Код" not in head  # words, not codes
    assert problem.code not in listed[0]


def test_feedback_file_sent_back_corrected_is_accepted(ws, orgs):
    bad = {**good_11(), "position": None}
    fill(ws, orgs[0], {"1.1": [bad]}, "s.xlsx")
    [first] = ingest(ws)
    book = openpyxl.load_workbook(first.feedback)
    book["1.1"]["C10"] = "Мұғалім / Учитель"
    # the errors sheet stays in: people send the corrected file back as it is
    book.save(ws.paths.inbox / "s-fixed.xlsx")
    [second] = ingest(ws)
    assert second.status == "accepted"
    assert return_states(db(ws), ws)[orgs[0].bin]["1.1"].state == "accepted"


def test_newer_submission_supersedes_older_and_history_stays(ws, orgs):
    fill(ws, orgs[0], {"1.4": [good_14()]}, "v1.xlsx", received=dt.datetime(2023, 11, 1))
    ingest(ws)
    fill(
        ws,
        orgs[0],
        {"1.4": [good_14(), {**good_14(), "month": dt.datetime(2023, 3, 15)}]},
        "v2.xlsx",
        received=dt.datetime(2023, 11, 5),
    )
    ingest(ws)
    subs = (
        db(ws)
        .execute("SELECT status, row_count FROM submissions WHERE return_code='1.4' ORDER BY id")
        .fetchall()
    )
    assert [tuple(s) for s in subs] == [("superseded", 1), ("accepted", 2)]


def test_older_file_arriving_later_does_not_supersede(ws, orgs):
    fill(ws, orgs[0], {"1.4": [good_14()]}, "new.xlsx", received=dt.datetime(2023, 11, 5))
    ingest(ws)
    fill(
        ws,
        orgs[0],
        {"1.4": [good_14(), {**good_14(), "month": dt.datetime(2023, 3, 15)}]},
        "old.xlsx",
        received=dt.datetime(2023, 11, 1),
    )
    ingest(ws)
    subs = (
        db(ws)
        .execute("SELECT status, row_count FROM submissions WHERE return_code='1.4' ORDER BY id")
        .fetchall()
    )
    assert [tuple(s) for s in subs] == [("accepted", 1), ("superseded", 2)]


def test_same_file_twice_is_recorded_once(ws, orgs):
    path = fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    shutil.copy2(path, ws.paths.inbox / "a (1).xlsx")
    outcomes = ingest(ws)
    assert sorted(o.status for o in outcomes) == ["accepted", "duplicate"]
    shutil.copy2(outcomes[0].archive, ws.paths.inbox / "again.xlsx")
    [again] = ingest(ws)
    assert again.status == "duplicate"
    assert db(ws).execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1
    assert (
        db(ws).execute("SELECT COUNT(*) FROM arrivals WHERE outcome='duplicate'").fetchone()[0] == 2
    )
    assert list(ws.paths.inbox.iterdir()) == []


def test_sheet_copied_into_a_fresh_workbook_is_identified(ws, orgs, specs):
    spec = specs["1.4"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet["A1"], sheet["A2"], sheet["B2"] = spec.title.ru, "БИН", orgs[1].bin
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(4, c).value = column.label.ru.upper()
    row = {**good_14(), "service": "Приём в дошкольную организацию"}
    for c, key in enumerate(reversed(spec.keys), start=1):  # columns in another order
        sheet.cell(4, c).value = spec.column(key).label.ru
        sheet.cell(5, c).value = row.get(key)
    book.save(ws.paths.inbox / "copy.xlsx")
    [outcome] = ingest(ws)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.bin == orgs[1].bin and outcome.returns == {"1.4": "accepted"}


def test_headers_in_two_rows_kazakh_then_russian(ws, orgs, specs):
    spec = specs["1.4"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"] = "БСН", orgs[0].bin
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(3, c).value = column.label.kk
        sheet.cell(4, c).value = column.label.ru
    for c, key in enumerate(spec.keys, start=1):
        sheet.cell(5, c).value = {**good_14(), "late": "–", "on_time": 9}.get(key)
    book.save(ws.paths.inbox / "two-rows.xlsx")
    [outcome] = ingest(ws)
    assert outcome.status == "accepted", outcome.problems


def test_unknown_bin_and_unrecognisable_sheets_are_rejected_with_reason(ws, orgs, specs):
    book = openpyxl.Workbook()
    book.active["A1"] = "Просто таблица"
    book.active["A2"] = "ничего общего"
    book.save(ws.paths.inbox / "junk.xlsx")
    book = openpyxl.Workbook()
    for c, column in enumerate(specs["1.4"].columns, start=1):
        book.active.cell(1, c).value = column.label.kk
    book.active["A2"] = "x"
    book.save(ws.paths.inbox / "nobin.xlsx")
    out = by_name(ingest(ws))
    assert out["junk.xlsx"].status == "rejected"
    assert [p.code for p in out["junk.xlsx"].problems] == ["no_return_sheets"]
    assert [p.code for p in out["nobin.xlsx"].problems] == ["unknown_organisation"]


def test_nil_return_is_accepted_and_empty_sheet_follows_its_rule(ws, orgs):
    fill(ws, orgs[0], {"1.1": [good_11()], "1.4": []}, "a.xlsx", nil=("1.2", "1.3"))
    [outcome] = ingest(ws)
    assert outcome.returns["1.2"] == "accepted" and outcome.returns["1.5"] == "accepted"
    assert outcome.returns["1.4"] == "rejected"  # its rule is the yellow mark, not left empty
    states = return_states(db(ws), ws)[orgs[0].bin]
    assert states["1.3"].state == "accepted" and states["1.5"].nil
    assert states["1.4"].state == "rejected"


def test_blank_template_sent_back_is_nothing_filled(ws, orgs):
    fill(ws, orgs[0], {}, "blank.xlsx", complete=False)
    [outcome] = ingest(ws)
    assert outcome.status == "rejected"
    assert [p.code for p in outcome.problems] == ["nothing_filled"]


def test_return_not_applicable_to_the_type_is_a_warning(ws, orgs):
    template_for(ws, orgs[1])  # a template made before the department narrowed the return
    ws.specs["1.3"] = dataclasses.replace(ws.specs["1.3"], applies_to=("general_secondary",))
    fill(ws, orgs[1], {"1.1": [good_11()]}, "b.xlsx")
    fill(
        ws,
        orgs[1],
        {"1.1": [good_11()], "1.3": [{"full_name": "X"}]},
        "b2.xlsx",
        received=dt.datetime(2023, 11, 11),
    )
    outcomes = by_name(ingest(ws))
    assert outcomes["b2.xlsx"].returns["1.3"] == "not_applicable"
    assert [p.severity for p in outcomes["b2.xlsx"].problems] == ["warning"]


def test_saved_email_attachments_are_ingested_with_the_message_date(ws, orgs):
    path = fill(ws, orgs[0], {"1.4": [good_14()]}, "x.xlsx")
    message = EmailMessage()
    message["From"] = "someone@else.example"
    message["To"] = "dept@x.example"
    message["Subject"] = "Есеп"
    message["Date"] = format_datetime(dt.datetime(2023, 11, 20, 9, 30).astimezone())
    message.set_content("Отчёт во вложении")
    message.add_attachment(
        path.read_bytes(),
        maintype="application",
        subtype="octet-stream",
        filename="Отчёт школы №1.xlsx",
    )
    (ws.paths.inbox / "mail.eml").write_bytes(bytes(message))
    path.unlink()
    [outcome] = ingest(ws)
    assert outcome.name == "Отчёт школы №1.xlsx" and outcome.status == "accepted"
    assert outcome.received_at == "2023-11-20T09:30:00"
    assert [p.code for p in outcome.problems] == ["sender_mismatch"]
    assert list(ws.paths.inbox.iterdir()) == []
    assert return_states(db(ws), ws)[orgs[0].bin]["1.4"].state == "late"


def test_email_without_workbook_is_answered(ws):
    message = EmailMessage()
    message["From"] = "a@b.example"
    message.set_content("забыл вложение")
    (ws.paths.inbox / "m.eml").write_bytes(bytes(message))
    [outcome] = ingest(ws)
    assert outcome.status == "rejected" and outcome.problems[0].code == "no_attachment"


def _bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (450 * 1024 * 1024))


def _entities(path, good):
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[-1]
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                    + body
                )
            dst.writestr(item, data)


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("empty.xlsx", lambda p, g: p.write_bytes(b""), "empty_file"),
        (
            "notes.xlsx",
            lambda p, g: p.write_text("это не Excel", encoding="utf-8"),
            "not_a_workbook",
        ),
        (
            "export.xls",
            lambda p, g: p.write_text(
                '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table>'
                "<tr><td>ИИН</td></tr></table></body></html>",
                encoding="utf-8",
            ),
            "web_page",
        ),
        (
            "export2003.xls",
            lambda p, g: p.write_text(
                '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
                encoding="utf-8",
            ),
            "xml_2003",
        ),
        (
            "list.xlsx",
            lambda p, g: p.write_bytes("ИИН;ФИО\n850102300012;Ахметов".encode("cp1251")),
            "text_table",
        ),
        (
            "locked.xlsx",
            lambda p, g: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000),
            "encrypted",
        ),
        (
            "cut.xlsx",
            lambda p, g: p.write_bytes(g.read_bytes()[: len(g.read_bytes()) // 2]),
            "corrupt",
        ),
        ("bomb.xlsx", lambda p, g: _bomb(p), "zip_bomb"),
        ("lol.xlsx", _entities, "unsafe_xml"),
        ("photo.jpg", lambda p, g: p.write_bytes(b"\xff\xd8\xff"), "unsupported_format"),
    ],
)
def test_hostile_file_is_rejected_and_the_batch_goes_on(ws, orgs, name, make, code):
    good = fill(ws, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    make(ws.paths.inbox / name, good)
    out = by_name(ingest(ws))
    assert out["good.xlsx"].status == "accepted"
    assert out[name].status == "rejected"
    assert [p.code for p in out[name].problems] == [code]
    assert out[name].problems[0].kk and out[name].problems[0].ru
    assert os.path.exists(out[name].archive)
    assert list(ws.paths.inbox.iterdir()) == []


def test_macros_are_noted_not_run(ws, orgs):
    good = fill(ws, orgs[0], {"1.4": [good_14()]}, "g.xlsx")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(ws.paths.inbox / "m.xlsm", "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b'Attribute VB_Name = "Module1"')
    good.unlink()
    [outcome] = ingest(ws)
    assert outcome.status == "accepted"
    assert [p.code for p in outcome.problems] == ["macros_ignored"]


def test_crash_between_commit_and_move_is_completed_by_the_next_run(ws, orgs, monkeypatch):
    fill(ws, orgs[0], {"1.1": [{**good_11(), "position": None}]}, "a.xlsx")
    fill(ws, orgs[1], {"1.4": [good_14()]}, "b.xlsx")
    real_move = ingest_module.move_into

    def killed(source, target):
        raise KeyboardInterrupt("killed after commit")

    monkeypatch.setattr(ingest_module, "move_into", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(ws)
    monkeypatch.setattr(ingest_module, "move_into", real_move)
    assert db(ws).execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0] == 1
    outcomes = by_name(ingest(ws))
    assert outcomes["a.xlsx"].status == "partial" and outcomes["a.xlsx"].feedback
    assert outcomes["b.xlsx"].status == "accepted"
    conn = db(ws)
    assert conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 2 * len(ws.collected)
    assert list(ws.paths.inbox.iterdir()) == []
    assert ingest(ws) == []


def test_crash_after_move_before_mark_is_repaired(ws, orgs, monkeypatch):
    fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    monkeypatch.setattr(
        ingest_module.ledger,
        "mark_archived",
        lambda *a, **k: (_ for _ in ()).throw(OSError("disk")),
    )
    with pytest.raises(OSError):
        ingest(ws)
    monkeypatch.undo()
    assert ingest(ws) == []
    assert db(ws).execute("SELECT archived FROM files").fetchone()[0] == 1


def test_files_as_schools_really_make_them(ws, orgs, specs):
    """Rows inserted above the header, a numbering row, a total row, notes in headers,
    a renamed and hidden sheet, "Да." with a dot: all read; the total row is a warning."""
    path = fill(
        ws,
        orgs[0],
        {"1.4": [good_14(), {**good_14(), "month": dt.datetime(2023, 3, 15)}]},
        "real.xlsx",
    )
    book = openpyxl.load_workbook(path)
    sheet = book["1.4"]
    sheet.protection.sheet = False
    sheet.insert_rows(1, 2)  # two rows typed above everything
    header = 11
    sheet.cell(
        header, 1
    ).value = "Мемлекеттік қызмет (тізімнен)\nГосударственная услуга (из списка)"
    sheet.insert_rows(header + 1)
    for c in range(1, 10):
        sheet.cell(header + 1, c).value = c  # 1 2 3 … numbering row
    sheet.cell(header + 4, 1).value = "Барлығы / Итого"
    sheet.cell(header + 4, 3).value = 20
    sheet.title = "Мемлекеттік қызметтер"
    sheet.sheet_state = "hidden"
    b11 = book["1.1"]
    b11.cell(10, 1).value, b11.cell(10, 2).value = good_11()["iin"], "Ахметов Ерлан"
    b11.cell(10, 3).value, b11.cell(10, 5).value = "Учитель", dt.datetime(2023, 3, 1)
    b11.cell(10, 7).value = "Нет."
    book.save(path)
    [outcome] = ingest(ws)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.returns["1.4"] == "accepted" and outcome.returns["1.1"] == "accepted"
    assert [(p.code, p.row) for p in outcome.problems] == [("total_row_ignored", header + 4)]
    rows = (
        db(ws)
        .execute(
            "SELECT COUNT(*) FROM rows JOIN submissions s ON s.id = submission_id"
            " WHERE s.return_code = '1.4'"
        )
        .fetchone()[0]
    )
    assert rows == 2


def test_zip_of_workbooks_and_files_in_subfolders(ws, orgs):
    a = fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    b = fill(ws, orgs[1], {"1.4": [{**good_14(), "service": "Иная услуга"}]}, "b.xlsx")
    with zipfile.ZipFile(ws.paths.inbox / "отчёты.zip", "w") as archive:
        archive.write(a, "Отчёт школы.xlsx")
        archive.write(b, "папка/Отчёт сада.xlsx")
        archive.writestr("readme.txt", "см. вложения")
    a.unlink()
    folder = ws.paths.inbox / "от доп. образования"
    folder.mkdir()
    b.rename(folder / "b.xlsx")
    fill(ws, orgs[2], {"1.4": [{**good_14(), "service": "Иная услуга"}]}, "c.xlsx").rename(
        folder / "c.xlsx"
    )
    with zipfile.ZipFile(ws.paths.inbox / "empty.zip", "w") as archive:
        archive.writestr("note.txt", "забыли файл")
    out = by_name(ingest(ws))
    assert out["Отчёт школы.xlsx"].status == "accepted"
    assert out["от доп. образования/c.xlsx"].status == "accepted"
    same_bytes = {out["Отчёт сада.xlsx"].status, out["от доп. образования/b.xlsx"].status}
    assert same_bytes == {"accepted", "duplicate"}
    assert [p.code for p in out["empty.zip"].problems] == ["empty_archive"]
    assert list(ws.paths.inbox.iterdir()) == []
    assert list((ws.paths.archive / ws.campaign.code / "_zip").glob("*отчёты.zip"))


def test_dtd_hidden_behind_a_long_comment_is_still_refused(ws, orgs):
    good = fill(ws, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(ws.paths.inbox / "sly.xlsx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[-1]
                data = (
                    b'<?xml version="1.0"?><!--'
                    + b"x" * 100_000
                    + b'--><!DOCTYPE a [<!ENTITY b "c">]>'
                    + body
                )
            dst.writestr(item, data)
    out = by_name(ingest(ws))
    assert [p.code for p in out["sly.xlsx"].problems] == ["unsafe_xml"]


def test_an_unforeseen_failure_stays_with_its_file(ws, orgs, monkeypatch):
    from pipeline.intake import parse

    fill(ws, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    fill(ws, orgs[1], {"1.4": [good_14()]}, "cursed.xlsx")
    real = parse.identify_sheets

    def cursed(book, specs):
        if book.path.name == "cursed.xlsx":
            raise KeyError("something nobody foresaw")
        return real(book, specs)

    monkeypatch.setattr(parse, "identify_sheets", cursed)
    out = by_name(ingest(ws))
    assert out["good.xlsx"].status == "accepted"
    assert out["cursed.xlsx"].status == "rejected"
    assert [p.code for p in out["cursed.xlsx"].problems] == ["internal_error"]
    assert list(ws.paths.inbox.iterdir()) == [] and os.path.exists(out["cursed.xlsx"].archive)


def test_a_failing_validation_group_does_not_stop_the_others(ws, orgs, monkeypatch):
    from pipeline.intake import batch

    fill(ws, orgs[0], {"1.4": [good_14()], "1.1": [good_11()]}, "a.xlsx")
    real = batch.check_sheets

    def flaky(spec, period, sheets):
        if spec.code == "1.1":
            raise ValueError("pandera had a bad day")
        return real(spec, period, sheets)

    monkeypatch.setattr(batch, "check_sheets", flaky)
    [outcome] = ingest(ws)
    assert outcome.status == "partial"
    assert outcome.returns["1.4"] == "accepted" and outcome.returns["1.1"] == "rejected"
    assert [p.code for p in outcome.problems] == ["internal_error"]


def test_one_sheet_that_breaks_validation_does_not_reject_the_others(ws, orgs, monkeypatch):
    """A failure in a stacked pandera call once gave every file of that return an internal
    error; each sheet is now retried alone and only the culprit is answered so."""
    from pipeline.intake import batch

    fill(ws, orgs[0], {"1.4": [{**good_14(), "responsible": "BOOM"}]}, "a.xlsx")
    fill(ws, orgs[0], {"1.4": [good_14()]}, "b.xlsx", received=dt.datetime(2023, 11, 11, 9, 0))
    real = batch.check_sheets

    def flaky(spec, period, sheets):
        if any("BOOM" in s.typed.get("responsible", []) for s in sheets):
            raise ValueError("pandera had a bad day")
        return real(spec, period, sheets)

    monkeypatch.setattr(batch, "check_sheets", flaky)
    out = by_name(ingest(ws))
    assert out["a.xlsx"].returns["1.4"] == "rejected"
    assert [p.code for p in out["a.xlsx"].problems] == ["internal_error"]
    assert out["b.xlsx"].status == "accepted" and out["b.xlsx"].problems == []


def test_a_date_typo_in_one_file_leaves_the_others_accepted(ws, orgs):
    """Same return, same organisation type, one batch: the typo once failed them all."""
    fill(ws, orgs[0], {"1.4": [{**good_14(), "month": "15.02.3023"}]}, "a.xlsx")
    fill(ws, orgs[0], {"1.4": [good_14()]}, "b.xlsx", received=dt.datetime(2023, 11, 11, 9, 0))
    out = by_name(ingest(ws))
    assert [(p.code, p.cell) for p in out["a.xlsx"].problems] == [("date_implausible", "B10")]
    assert out["b.xlsx"].status == "accepted"


@pytest.mark.parametrize("container", ["", ".zip"])
def test_file_name_in_windows_cp1251_bytes_is_read_not_a_crash(ws, orgs, container):
    """A name copied from Windows media as cp1251 bytes once crashed the whole ingest
    (SQLite refuses the surrogates Python keeps for such bytes)."""
    good = fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    if container:
        with zipfile.ZipFile(ws.paths.inbox / os.fsdecode("Школа.zip".encode("cp1251")), "w") as z:
            z.write(good, "a.xlsx")
        good.unlink()
    else:
        good.rename(ws.paths.inbox / os.fsdecode("Школа.xlsx".encode("cp1251")))
    [outcome] = ingest(ws)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.name == ("a.xlsx" if container else "Школа.xlsx")
    assert os.listdir(bytes(ws.paths.inbox)) == []
    stored = db(ws).execute("SELECT original_name, container FROM files").fetchone()
    assert tuple(stored) == (("a.xlsx", "Школа.zip") if container else ("Школа.xlsx", None))


def test_file_that_cannot_be_moved_is_recorded_and_moved_next_run(ws, orgs, monkeypatch):
    """A file open in Excel on a Windows share cannot be moved; that once stopped the batch."""
    fill(ws, orgs[0], {"1.4": [{**good_14(), "late": 50}]}, "open.xlsx")
    fill(ws, orgs[1], {"1.4": [good_14()]}, "b.xlsx")
    real_move = ingest_module.move_into

    def locked(source, target):
        if source.name == "open.xlsx":
            raise PermissionError("used by another process")
        real_move(source, target)

    monkeypatch.setattr(ingest_module, "move_into", locked)
    out = by_name(ingest(ws))
    assert out["b.xlsx"].status == "accepted"
    assert "not_moved" in [p.code for p in out["open.xlsx"].problems]
    assert [p.name for p in ws.paths.inbox.iterdir()] == ["open.xlsx"]
    [still] = ingest(ws)  # still open: the same answer, nothing stops
    assert still.status == "partial" and "not_moved" in [p.code for p in still.problems]
    monkeypatch.setattr(ingest_module, "move_into", real_move)
    [again] = ingest(ws)
    assert again.status == "partial" and again.feedback
    assert list(ws.paths.inbox.iterdir()) == []
    assert db(ws).execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0] == 0


def test_workbook_openpyxl_cannot_edit_still_gets_a_correction_workbook(ws, orgs, monkeypatch):
    """Files from other programs can load in calamine and not in openpyxl (any exception,
    not only the few once expected); the sender then gets their values rebuilt and marked."""
    from pipeline.intake import feedback

    real = feedback.openpyxl.load_workbook

    def picky(path, *args, **kwargs):
        if "archive" in str(path):
            raise AttributeError("'NoneType' object has no attribute 'tag'")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(feedback.openpyxl, "load_workbook", picky)
    fill(ws, orgs[0], {"1.4": [{**good_14(), "late": 50}]}, "a.xlsx")
    [outcome] = ingest(ws)
    monkeypatch.undo()
    assert outcome.feedback
    book = openpyxl.load_workbook(outcome.feedback)
    assert book.sheetnames[0] == ERRORS_SHEET and ws.specs["1.4"].sheet in book.sheetnames


def test_workbook_in_a_forwarded_email_is_found(ws, orgs):
    """ "Forward as attachment" nests the school's e-mail, workbook and all, in another."""
    path = fill(ws, orgs[0], {"1.4": [good_14()]}, "x.xlsx")
    inner = EmailMessage()
    inner["From"] = orgs[0].email
    inner["Subject"] = "Есеп"
    inner.set_content("Отчёт во вложении")
    inner.add_attachment(
        path.read_bytes(), maintype="application", subtype="octet-stream", filename="есеп.xlsx"
    )
    outer = EmailMessage()
    outer["From"] = orgs[0].email
    outer["Date"] = format_datetime(dt.datetime(2023, 11, 20, 9, 30).astimezone())
    outer.set_content("Пересылаю")
    outer.add_attachment(inner)
    (ws.paths.inbox / "fwd.eml").write_bytes(bytes(outer))
    path.unlink()
    [outcome] = ingest(ws)
    assert outcome.name == "есеп.xlsx" and outcome.status == "accepted"
    assert list(ws.paths.inbox.iterdir()) == []


def test_sheet_copied_without_its_bin_is_identified_by_the_senders_address(ws, orgs, tmp_path):
    """A secretary copies the sheet into a new workbook and loses the BIN with it; by e-mail
    from the registry's address the organisation is still known."""
    spec = ws.specs["1.4"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(1, c).value = f"{column.label.kk}\n{column.label.ru}"
        value = good_14().get(column.key)
        sheet.cell(2, c).value = value
    path = tmp_path / "copy.xlsx"
    book.save(path)

    def mail(sender: str, name: str) -> None:
        message = EmailMessage()
        message["From"] = sender
        message.set_content("Отчёт")
        message.add_attachment(
            path.read_bytes(), maintype="application", subtype="octet-stream", filename=name
        )
        (ws.paths.inbox / f"{name}.eml").write_bytes(bytes(message))

    mail(orgs[0].email, "a.xlsx")
    sheet.cell(2, 3).value = 11  # other bytes: not a duplicate of the first
    book.save(path)
    mail("stranger@x.example", "b.xlsx")
    out = by_name(ingest(ws))
    assert out["a.xlsx"].status == "accepted", out["a.xlsx"].problems
    assert [p.code for p in out["a.xlsx"].problems] == ["identified_by_sender"]
    assert [p.code for p in out["b.xlsx"].problems] == ["unknown_organisation"]


def test_sheet_that_cannot_be_stored_is_answered_and_the_rest_stored(ws, orgs, monkeypatch):
    from pipeline.intake import batch

    real = batch.ledger.encode_rows

    def picky(excel_rows, columns):
        if "iin" in columns:
            raise TypeError("cannot store")
        return real(excel_rows, columns)

    monkeypatch.setattr(batch.ledger, "encode_rows", picky)
    fill(ws, orgs[0], {"1.4": [good_14()], "1.1": [good_11()]}, "a.xlsx")
    [outcome] = ingest(ws)
    assert outcome.status == "partial"
    assert outcome.returns["1.4"] == "accepted" and outcome.returns["1.1"] == "rejected"
    assert [p.code for p in outcome.problems] == ["internal_error"]


def test_email_that_cannot_be_opened_is_answered_and_the_rest_go_on(ws, orgs, monkeypatch):
    def broken(*args):
        raise RecursionError("maximum recursion depth exceeded")

    from pipeline.intake import inbox

    monkeypatch.setattr(inbox, "expand_email", broken)
    (ws.paths.inbox / "deep.eml").write_bytes(b"From: a@b.example\\n\\nnested")
    fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    out = by_name(ingest(ws))
    assert out["a.xlsx"].status == "accepted"
    assert [p.code for p in out["deep.eml"].problems] == ["unreadable_email"]
    assert list(ws.paths.inbox.iterdir()) == []


def test_correction_workbook_sent_back_half_fixed_loses_the_old_marks(ws, orgs):
    """The sender fixes one of two errors in the correction workbook and sends it back: the
    fixed cell must not stay red with last round's comment."""
    from pipeline.intake.feedback import BAD_FILL

    spec = ws.specs["1.4"]
    rows = [
        {**good_14(), "applications": -1},
        {**good_14(), "month": dt.datetime(2023, 3, 15), "refused": -2},
    ]
    fill(ws, orgs[0], {"1.4": rows}, "a.xlsx")
    [first] = ingest(ws)
    marked = {p.cell for p in first.problems}
    assert len(marked) == 2
    book = openpyxl.load_workbook(first.feedback)
    sheet = book[spec.sheet]
    fixed = next(c for c in sorted(marked) if sheet[c].value == -1)
    sheet[fixed].value = 10
    book.save(ws.paths.inbox / os.path.basename(first.feedback))  # sent back as it came
    [second] = ingest(ws, received=dt.datetime(2023, 11, 12, 9, 0))
    assert {p.cell for p in second.problems} == marked - {fixed}, second.problems
    again = openpyxl.load_workbook(second.feedback)[spec.sheet]
    assert again[fixed].comment is None and again[fixed].fill != BAD_FILL
    [still] = marked - {fixed}
    assert again[still].comment is not None and again[still].fill == BAD_FILL
    book = openpyxl.load_workbook(second.feedback)
    book[spec.sheet][still].value = 0  # all fixed now: accepted, no error about our own sheet
    book.save(ws.paths.inbox / os.path.basename(second.feedback))
    [third] = ingest(ws, received=dt.datetime(2023, 11, 13, 9, 0))
    assert third.status == "accepted" and third.problems == [] and third.feedback is None
    names = sorted(os.listdir(os.path.dirname(first.feedback)))
    assert names == ["a-qateler-oshibki-2.xlsx", "a-qateler-oshibki.xlsx"]
