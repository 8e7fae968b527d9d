"""Hostile files, crashes and failures: each stays with its file, the batch goes on, nothing is lost."""

import datetime as dt
import os
import zipfile

import openpyxl
import pytest

from pipeline.intake import ingest as ingest_module
from pipeline.intake.feedback import ERRORS_SHEET
from pipeline.intake.ingest import ingest
from tests.helpers import by_name, db, fill, good_11, good_14

pytestmark = pytest.mark.both_ledgers  # on both ledgers (the server's runs are slow)


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
@pytest.mark.slow
def test_hostile_file_is_rejected_and_the_batch_goes_on(workspace, orgs, name, make, code):
    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    make(workspace.paths.inbox / name, good)
    out = by_name(ingest(workspace))
    assert out["good.xlsx"].status == "accepted"
    assert out[name].status == "rejected"
    assert [p.code for p in out[name].problems] == [code]
    assert out[name].problems[0].kk and out[name].problems[0].ru
    assert os.path.exists(out[name].archive)
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
def test_macros_are_noted_not_run(workspace, orgs):
    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "g.xlsx")
    with (
        zipfile.ZipFile(good) as src,
        zipfile.ZipFile(workspace.paths.inbox / "m.xlsm", "w") as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b'Attribute VB_Name = "Module1"')
    good.unlink()
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted"
    assert [p.code for p in outcome.problems] == ["macros_ignored"]


@pytest.mark.slow
def test_crash_between_commit_and_move_is_completed_by_the_next_run(workspace, orgs, monkeypatch):
    fill(workspace, orgs[0], {"1.1": [{**good_11(), "position": None}]}, "a.xlsx")
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "b.xlsx")
    real_move = ingest_module.move_into

    def killed(source, target):
        raise KeyboardInterrupt("killed after commit")

    monkeypatch.setattr(ingest_module, "move_into", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(workspace)
    monkeypatch.setattr(ingest_module, "move_into", real_move)
    assert db(workspace).execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0] == 1
    outcomes = by_name(ingest(workspace))
    assert outcomes["a.xlsx"].status == "partial" and outcomes["a.xlsx"].feedback
    assert outcomes["b.xlsx"].status == "accepted"
    conn = db(workspace)
    assert conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 2 * len(
        workspace.collected
    )
    assert list(workspace.paths.inbox.iterdir()) == []
    assert ingest(workspace) == []


@pytest.mark.slow
def test_crash_after_move_before_mark_is_repaired(workspace, orgs, monkeypatch):
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    monkeypatch.setattr(
        ingest_module.ledger,
        "mark_archived",
        lambda *a, **k: (_ for _ in ()).throw(OSError("disk")),
    )
    with pytest.raises(OSError):
        ingest(workspace)
    monkeypatch.undo()
    assert ingest(workspace) == []
    assert db(workspace).execute("SELECT archived FROM files").fetchone()[0] == 1


def test_dtd_hidden_behind_a_long_comment_is_still_refused(workspace, orgs):
    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    with (
        zipfile.ZipFile(good) as src,
        zipfile.ZipFile(workspace.paths.inbox / "sly.xlsx", "w") as dst,
    ):
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
    out = by_name(ingest(workspace))
    assert [p.code for p in out["sly.xlsx"].problems] == ["unsafe_xml"]


@pytest.mark.slow
def test_an_unforeseen_failure_stays_with_its_file(workspace, orgs, monkeypatch):
    from pipeline.intake import parse

    fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "cursed.xlsx")
    real = parse.identify_sheets

    def cursed(book, specs):
        if book.path.name == "cursed.xlsx":
            raise KeyError("something nobody foresaw")
        return real(book, specs)

    monkeypatch.setattr(parse, "identify_sheets", cursed)
    out = by_name(ingest(workspace))
    assert out["good.xlsx"].status == "accepted"
    assert out["cursed.xlsx"].status == "rejected"
    assert [p.code for p in out["cursed.xlsx"].problems] == ["internal_error"]
    assert list(workspace.paths.inbox.iterdir()) == [] and os.path.exists(
        out["cursed.xlsx"].archive
    )


def test_a_failing_validation_group_does_not_stop_the_others(workspace, orgs, monkeypatch):
    from pipeline.intake import batch

    fill(workspace, orgs[0], {"1.4": [good_14()], "1.1": [good_11()]}, "a.xlsx")
    real = batch.check_sheets

    def flaky(spec, period, sheets):
        if spec.code == "1.1":
            raise ValueError("pandera had a bad day")
        return real(spec, period, sheets)

    monkeypatch.setattr(batch, "check_sheets", flaky)
    [outcome] = ingest(workspace)
    assert outcome.status == "partial"
    assert outcome.returns["1.4"] == "accepted" and outcome.returns["1.1"] == "rejected"
    assert [p.code for p in outcome.problems] == ["internal_error"]


@pytest.mark.slow
def test_one_sheet_that_breaks_validation_does_not_reject_the_others(workspace, orgs, monkeypatch):
    """A failure in a stacked pandera call once gave every file of that return an internal
    error; each sheet is now retried alone and only the culprit is answered so."""
    from pipeline.intake import batch

    fill(workspace, orgs[0], {"1.4": [{**good_14(), "responsible": "BOOM"}]}, "a.xlsx")
    fill(
        workspace, orgs[0], {"1.4": [good_14()]}, "b.xlsx", received=dt.datetime(2023, 11, 11, 9, 0)
    )
    real = batch.check_sheets

    def flaky(spec, period, sheets):
        if any("BOOM" in s.typed.get("responsible", []) for s in sheets):
            raise ValueError("pandera had a bad day")
        return real(spec, period, sheets)

    monkeypatch.setattr(batch, "check_sheets", flaky)
    out = by_name(ingest(workspace))
    assert out["a.xlsx"].returns["1.4"] == "rejected"
    assert [p.code for p in out["a.xlsx"].problems] == ["internal_error"]
    assert out["b.xlsx"].status == "accepted" and out["b.xlsx"].problems == []


@pytest.mark.slow
def test_file_that_cannot_be_moved_is_recorded_and_moved_next_run(workspace, orgs, monkeypatch):
    """A file open in Excel on a Windows share cannot be moved; that once stopped the batch."""
    fill(workspace, orgs[0], {"1.4": [{**good_14(), "late": 50}]}, "open.xlsx")
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "b.xlsx")
    real_move = ingest_module.move_into

    def locked(source, target):
        if source.name == "open.xlsx":
            raise PermissionError("used by another process")
        real_move(source, target)

    monkeypatch.setattr(ingest_module, "move_into", locked)
    out = by_name(ingest(workspace))
    assert out["b.xlsx"].status == "accepted"
    assert "not_moved" in [p.code for p in out["open.xlsx"].problems]
    assert [p.name for p in workspace.paths.inbox.iterdir()] == ["open.xlsx"]
    [still] = ingest(workspace)  # still open: the same answer, nothing stops
    assert still.status == "partial" and "not_moved" in [p.code for p in still.problems]
    monkeypatch.setattr(ingest_module, "move_into", real_move)
    [again] = ingest(workspace)
    assert again.status == "partial" and again.feedback
    assert list(workspace.paths.inbox.iterdir()) == []
    assert db(workspace).execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0] == 0


def test_workbook_openpyxl_cannot_edit_still_gets_a_correction_workbook(
    workspace, orgs, monkeypatch
):
    """Files from other programs can load in calamine and not in openpyxl (any exception,
    not only the few once expected); the sender then gets their values rebuilt and marked."""
    from pipeline.intake import feedback

    real = feedback.openpyxl.load_workbook

    def picky(path, *args, **kwargs):
        if "archive" in str(path):
            raise AttributeError("'NoneType' object has no attribute 'tag'")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(feedback.openpyxl, "load_workbook", picky)
    fill(workspace, orgs[0], {"1.4": [{**good_14(), "late": 50}]}, "a.xlsx")
    [outcome] = ingest(workspace)
    monkeypatch.undo()
    assert outcome.feedback
    book = openpyxl.load_workbook(outcome.feedback)
    assert book.sheetnames[0] == ERRORS_SHEET and workspace.specs["1.4"].sheet in book.sheetnames


def test_sheet_that_cannot_be_stored_is_answered_and_the_rest_stored(workspace, orgs, monkeypatch):
    from pipeline.intake import batch

    real = batch.ledger.encode_rows

    def picky(excel_rows, columns):
        if "iin" in columns:
            raise TypeError("cannot store")
        return real(excel_rows, columns)

    monkeypatch.setattr(batch.ledger, "encode_rows", picky)
    fill(workspace, orgs[0], {"1.4": [good_14()], "1.1": [good_11()]}, "a.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.status == "partial"
    assert outcome.returns["1.4"] == "accepted" and outcome.returns["1.1"] == "rejected"
    assert [p.code for p in outcome.problems] == ["internal_error"]
