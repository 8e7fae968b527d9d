"""Returns that arrive inside saved e-mails, zip files and subfolders, under names in any encoding."""

import datetime as dt
import os
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from pipeline.core import clock
from pipeline.intake.ingest import ingest
from pipeline.tracking.status import return_states
from tests.helpers import by_name, db, fill, good_14

pytestmark = pytest.mark.both_ledgers  # on both ledgers (the server's runs are slow)


def test_saved_email_attachments_are_ingested_with_the_message_date(workspace, orgs):
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "x.xlsx")
    message = EmailMessage()
    message["From"] = "someone@else.example"
    message["To"] = "dept@x.example"
    message["Subject"] = "Есеп"
    message["Date"] = format_datetime(clock.aware(dt.datetime(2023, 11, 20, 9, 30)))
    message.set_content("Отчёт во вложении")
    message.add_attachment(
        path.read_bytes(),
        maintype="application",
        subtype="octet-stream",
        filename="Отчёт школы №1.xlsx",
    )
    (workspace.paths.inbox / "mail.eml").write_bytes(bytes(message))
    path.unlink()
    [outcome] = ingest(workspace)
    assert outcome.name == "Отчёт школы №1.xlsx" and outcome.status == "accepted"
    assert outcome.received_at == "2023-11-20T09:30:00"
    assert [p.code for p in outcome.problems] == ["sender_mismatch"]
    assert list(workspace.paths.inbox.iterdir()) == []
    assert return_states(db(workspace), workspace)[orgs[0].bin]["1.4"].state == "late"


def test_email_without_workbook_is_answered(workspace):
    message = EmailMessage()
    message["From"] = "a@b.example"
    message.set_content("забыл вложение")
    (workspace.paths.inbox / "m.eml").write_bytes(bytes(message))
    [outcome] = ingest(workspace)
    assert outcome.status == "rejected" and outcome.problems[0].code == "no_attachment"


@pytest.mark.slow
def test_zip_of_workbooks_and_files_in_subfolders(workspace, orgs):
    a = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    b = fill(workspace, orgs[1], {"1.4": [{**good_14(), "service": "Иная услуга"}]}, "b.xlsx")
    with zipfile.ZipFile(workspace.paths.inbox / "отчёты.zip", "w") as archive:
        archive.write(a, "Отчёт школы.xlsx")
        archive.write(b, "папка/Отчёт сада.xlsx")
        archive.writestr("readme.txt", "см. вложения")
    a.unlink()
    folder = workspace.paths.inbox / "от доп. образования"
    folder.mkdir()
    b.rename(folder / "b.xlsx")
    fill(workspace, orgs[2], {"1.4": [{**good_14(), "service": "Иная услуга"}]}, "c.xlsx").rename(
        folder / "c.xlsx"
    )
    with zipfile.ZipFile(workspace.paths.inbox / "empty.zip", "w") as archive:
        archive.writestr("note.txt", "забыли файл")
    out = by_name(ingest(workspace))
    assert out["Отчёт школы.xlsx"].status == "accepted"
    assert out["от доп. образования/c.xlsx"].status == "accepted"
    same_bytes = {out["Отчёт сада.xlsx"].status, out["от доп. образования/b.xlsx"].status}
    assert same_bytes == {"accepted", "duplicate"}
    assert [p.code for p in out["empty.zip"].problems] == ["empty_archive"]
    assert list(workspace.paths.inbox.iterdir()) == []
    assert list((workspace.paths.archive / workspace.campaign.code / "_zip").glob("*отчёты.zip"))


@pytest.mark.slow
@pytest.mark.parametrize("container", ["", ".zip"])
def test_file_name_in_windows_cp1251_bytes_is_read_not_a_crash(workspace, orgs, container):
    """A name copied from Windows media as cp1251 bytes once crashed the whole ingest
    (SQLite refuses the surrogates Python keeps for such bytes)."""
    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    if container:
        with zipfile.ZipFile(
            workspace.paths.inbox / os.fsdecode("Школа.zip".encode("cp1251")), "w"
        ) as z:
            z.write(good, "a.xlsx")
        good.unlink()
    else:
        good.rename(workspace.paths.inbox / os.fsdecode("Школа.xlsx".encode("cp1251")))
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.name == ("a.xlsx" if container else "Школа.xlsx")
    assert os.listdir(bytes(workspace.paths.inbox)) == []
    stored = db(workspace).execute("SELECT original_name, container FROM files").fetchone()
    assert tuple(stored) == (("a.xlsx", "Школа.zip") if container else ("Школа.xlsx", None))


@pytest.mark.slow
def test_workbook_in_a_forwarded_email_is_found(workspace, orgs):
    """ "Forward as attachment" nests the school's e-mail, workbook and all, in another."""
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "x.xlsx")
    inner = EmailMessage()
    inner["From"] = orgs[0].email
    inner["Subject"] = "Есеп"
    inner.set_content("Отчёт во вложении")
    inner.add_attachment(
        path.read_bytes(), maintype="application", subtype="octet-stream", filename="есеп.xlsx"
    )
    outer = EmailMessage()
    outer["From"] = orgs[0].email
    outer["Date"] = format_datetime(clock.aware(dt.datetime(2023, 11, 20, 9, 30)))
    outer.set_content("Пересылаю")
    outer.add_attachment(inner)
    (workspace.paths.inbox / "fwd.eml").write_bytes(bytes(outer))
    path.unlink()
    [outcome] = ingest(workspace)
    assert outcome.name == "есеп.xlsx" and outcome.status == "accepted"
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
def test_email_that_cannot_be_opened_is_answered_and_the_rest_go_on(workspace, orgs, monkeypatch):
    def broken(*args):
        raise RecursionError("maximum recursion depth exceeded")

    from pipeline.intake import inbox

    monkeypatch.setattr(inbox, "expand_email", broken)
    (workspace.paths.inbox / "deep.eml").write_bytes(b"From: a@b.example\\n\\nnested")
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    out = by_name(ingest(workspace))
    assert out["a.xlsx"].status == "accepted"
    assert [p.code for p in out["deep.eml"].problems] == ["unreadable_email"]
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
def test_attachments_of_a_zip_left_by_a_killed_run_are_answered_as_recorded(
    workspace, orgs, monkeypatch
):
    """A run killed after recording a zip's workbooks, before moving the zip: the next run
    unpacked it again and answered its workbooks «duplicate», so their senders never
    learnt their real state (the red team's SIGKILL)."""
    from pipeline.intake import ingest as ingest_module

    a = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    b = fill(workspace, orgs[1], {"1.4": [{**good_14(), "service": "Иная услуга"}]}, "b.xlsx")
    with zipfile.ZipFile(workspace.paths.inbox / "отчёты.zip", "w") as archive:
        archive.write(a, "Отчёт школы.xlsx")
        archive.write(b, "Отчёт сада.xlsx")
    a.unlink()
    b.unlink()

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt("killed before the zip was moved")

    with monkeypatch.context() as patched:
        patched.setattr(ingest_module, "_archive_containers", killed)
        with pytest.raises(KeyboardInterrupt):
            ingest(workspace)
    assert (workspace.paths.inbox / "отчёты.zip").exists()
    outcomes = by_name(ingest(workspace))
    assert {n: o.status for n, o in outcomes.items()} == {
        "Отчёт школы.xlsx": "accepted",
        "Отчёт сада.xlsx": "accepted",
    }
    assert list(workspace.paths.inbox.iterdir()) == []
    conn = db(workspace)
    assert conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 2
    conn.close()
