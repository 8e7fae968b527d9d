"""Files as schools and mail programs really make them: renamed, empty, sent twice, named
oddly; each once got a wrong answer («duplicate», «no attachment», «unsupported»)."""

from __future__ import annotations

import datetime as dt
import shutil
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.core import clock
from pipeline.intake.ingest import ingest
from tests.helpers import by_name, fill, good_14

pytestmark = pytest.mark.both_ledgers  # on both ledgers (the server's runs are slow)

FIXTURES = Path(__file__).parent / "fixtures"
NOV_10 = dt.datetime(2023, 11, 10, 10, 0)
WRONG = {**good_14(), "late": 50}  # more late answers than applications: an error


def _mail(target: Path, attachments: list[tuple[str | None, bytes]], when=NOV_10) -> Path:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "s1@x.example", "d@x.example", "Есеп"
    message["Date"] = format_datetime(clock.aware(when))
    message.set_content("Отчёт во вложении")
    for name, payload in attachments:
        message.add_attachment(
            payload, maintype="application", subtype="octet-stream", filename=name
        )
    target.write_bytes(bytes(message))
    return target


def _codes(outcome) -> list[str]:
    return [p.code for p in outcome.problems]


def test_zero_byte_files_are_each_empty_not_duplicates(workspace):
    """Every empty file hashes alike: the second one was «already received»."""
    for name in ("a.xlsx", "b.xlsx"):
        (workspace.paths.inbox / name).write_bytes(b"")
    first = by_name(ingest(workspace))
    (workspace.paths.inbox / "c.xlsx").write_bytes(b"")
    later = by_name(ingest(workspace))
    for outcome in (*first.values(), *later.values()):
        assert outcome.status == "rejected" and _codes(outcome) == ["empty_file"]
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["отчёт.xlsx ", "отчёт.xlsx.", "отчёт.XLSX"])
def test_a_name_ending_in_a_space_or_a_dot_is_the_workbook_it_names(workspace, orgs, name):
    path = fill(workspace, orgs[0], {"1.4": [WRONG]}, "x.xlsx")
    path.rename(workspace.paths.inbox / name)
    [outcome] = ingest(workspace)
    assert outcome.name == name and outcome.returns["1.4"] == "rejected"
    assert outcome.feedback and Path(outcome.feedback).suffix == ".xlsx"
    openpyxl.load_workbook(outcome.feedback).close()  # the correction workbook opens
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
def test_a_workbook_renamed_zip_is_read_as_the_workbook_it_is(workspace, orgs):
    """Renamed to pass a mail filter: it was opened as a zip of XML parts, «empty archive»."""
    path = fill(workspace, orgs[0], {"1.4": [WRONG]}, "x.xlsx")
    path.rename(workspace.paths.inbox / "отчёт.zip")
    [outcome] = ingest(workspace)
    assert outcome.name == "отчёт.zip" and outcome.returns["1.4"] == "rejected"
    assert Path(outcome.archive).suffix == ".xlsx" and Path(outcome.archive).exists()
    assert outcome.feedback and Path(outcome.feedback).exists()
    assert list(workspace.paths.inbox.iterdir()) == []
    kept = [p for p in workspace.paths.archive.rglob("*") if p.name.endswith("отчёт.zip")]
    assert len(kept) == 1  # the original as it came, untouched, in the archive


def test_an_old_excel_file_renamed_xlsx_is_read(workspace, orgs):
    """An .xls saved over under a new name «.xlsx» was called «password protected»."""
    shutil.copy(FIXTURES / "school1-libreoffice.xls", workspace.paths.inbox / "return.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.returns["1.1"] == "accepted", outcome.problems
    assert "encrypted" not in _codes(outcome)


@pytest.mark.slow
def test_two_e_mails_with_one_attachment_give_a_duplicate_and_nothing_false(workspace, orgs):
    """Both were unpacked to one copy: the second was told it «could not be moved»."""
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    payload = path.read_bytes()
    path.unlink()
    _mail(workspace.paths.inbox / "first.eml", [("a.xlsx", payload)])
    _mail(workspace.paths.inbox / "second.eml", [("a.xlsx", payload)], NOV_10.replace(hour=12))
    outcomes = ingest(workspace)
    assert sorted(o.status for o in outcomes) == ["accepted", "duplicate"]
    assert [c for o in outcomes for c in _codes(o)] == ["duplicate_file"]
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("C:\\Users\\Секретарь\\Desktop\\отчёт.xlsx", "отчёт.xlsx"),
        ("../../отчёт.xlsx", "отчёт.xlsx"),
        ("CON.xlsx", "CON.xlsx"),
        ("отчёт.xlsx. . ", "отчёт.xlsx"),
        (None, "letter-1"),
        ("отчёт", "отчёт"),
    ],
)
@pytest.mark.slow
def test_odd_attachment_names_are_kept_as_safe_names(workspace, orgs, given, shown):
    """A path, a name Windows reserves, trailing dots and spaces, no name, no extension:
    the workbook is read, never lost as «no attachment» or stored outside its folder."""
    path = fill(workspace, orgs[0], {"1.4": [WRONG]}, "x.xlsx")
    payload = path.read_bytes()
    path.unlink()
    message = _mail(workspace.paths.inbox / "letter.eml", [(given, payload)])
    if given is None:  # a mail program that names nothing
        text = message.read_bytes().replace(b'; filename="None"', b"")
        message.write_bytes(text.replace(b"Content-Disposition: attachment\n", b""))
    [outcome] = ingest(workspace)
    assert outcome.name == shown and outcome.returns["1.4"] == "rejected", outcome.problems
    archived = Path(outcome.archive)
    assert archived.exists() and archived.is_relative_to(workspace.paths.archive)
    assert archived.suffix == ".xlsx" and not archived.name.upper().startswith("CON.")
    assert outcome.feedback and Path(outcome.feedback).exists()


@pytest.mark.slow
def test_a_run_killed_while_answering_leaves_no_orphan_and_no_false_duplicate(workspace, orgs):
    """kill -9 after some correction workbooks were written, before the ledger noted them:
    the next run wrote each a second time (`-2`), orphans nobody would send, and an empty
    reserved name stayed behind for a workbook killed midway."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from click.testing import CliRunner

    from pipeline import ledger
    from pipeline.cli import main

    for n in range(10):
        wrong = {**WRONG, "late": 50 + n}
        fill(workspace, orgs[n % 3], {"1.4": [wrong]}, f"k{n}.xlsx", NOV_10.replace(minute=n))
    repo = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-c", "from pipeline.cli import main; main()",
               "--root", str(workspace.paths.root), "ingest", "--jobs", "1"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(repo)}
    run = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    feedback = workspace.paths.outbox / "feedback"
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if len([p for p in feedback.rglob("*.xlsx") if not p.name.startswith(".")]) >= 2:
            break
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate(timeout=60)
    _until_killed_sessions_end(workspace.paths.ledger)
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "ingest"])
    assert result.exit_code == 0, result.output
    conn = ledger.connect(workspace.paths.ledger)
    noted = {r[0] for r in conn.execute("SELECT feedback_path FROM files")}
    duplicates = conn.execute("SELECT COUNT(*) FROM arrivals WHERE outcome = 'duplicate'")
    assert duplicates.fetchone()[0] == 0
    conn.close()
    on_disk = sorted(str(p) for p in feedback.rglob("*") if p.is_file())
    assert on_disk == sorted(noted) and len(on_disk) == 10  # one each, each noted, no leftovers
    assert list(workspace.paths.inbox.iterdir()) == []


def _until_killed_sessions_end(where) -> None:
    from tests.test_postgres import _until_killed_sessions_end as wait

    wait(where)


def _saved_at(path: Path, stamp: str) -> None:
    """Rewrite the saving time Excel keeps inside the file (docProps/core.xml)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    parts["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]+", rb"\g<1>" + stamp.encode(), parts["docProps/core.xml"]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_two_versions_received_and_saved_in_one_second_are_told_as_a_tie(workspace, orgs):
    """Nothing tells which came last: one is taken, and the answer says they tie."""
    other_month = {**good_14(), "month": dt.datetime(2023, 3, 15)}
    first = fill(workspace, orgs[0], {"1.4": [good_14(), other_month]}, "a.xlsx")
    second = fill(workspace, orgs[0], {"1.4": [good_14()]}, "b.xlsx")
    for path in (first, second):
        _saved_at(path, "2023-11-10T04:00:00Z")
    outcomes = by_name(ingest(workspace, received=NOV_10))
    assert "same_time_tie" not in _codes(outcomes["a.xlsx"])
    [tie] = [p for p in outcomes["b.xlsx"].problems if p.code == "same_time_tie"]
    assert "a.xlsx" in tie.ru and "a.xlsx" in tie.kk
    assert outcomes["b.xlsx"].returns["1.4"] == "accepted"
    assert outcomes["a.xlsx"].returns["1.4"] == "superseded"


def _query_only(workspace, orgs, name: str) -> Path:
    """An accepted return that asks the sender to confirm a flag (a query, not an error)."""
    from tests.helpers import good_11

    theft = {**good_11(), "has_record": "Иә / Да", "article": "ст. 188 ч. 2",
             "corruption": "Иә / Да"}  # fmt: skip
    return fill(workspace, orgs[0], {"1.1": [theft]}, name)


@pytest.mark.slow
def test_a_run_stopped_before_noting_its_files_still_answers_queries(workspace, orgs, monkeypatch):
    """The red team's kill -9: the run completing a killed one wrote workbooks for errors
    only, so schools asked to confirm data never got theirs (nor its letter)."""
    from pipeline import ledger as ledger_module

    _query_only(workspace, orgs, "asked.xlsx")
    fill(workspace, orgs[1], {"1.4": [WRONG]}, "wrong.xlsx")
    with monkeypatch.context() as killed:  # as if killed before the files were noted done
        killed.setattr(ledger_module, "mark_archived", lambda *a, **k: None)
        ingest(workspace)
    for path in (workspace.paths.outbox / "feedback").rglob("*.xlsx"):
        path.unlink()  # and before their workbooks were written
    ingest(workspace)
    written = sorted(p.name for p in (workspace.paths.outbox / "feedback").rglob("*.xlsx"))
    assert written == ["asked (Қателер-Ошибки).xlsx", "wrong (Қателер-Ошибки).xlsx"]


@pytest.mark.slow
def test_a_correction_workbook_that_cannot_be_written_now_is_written_next_run(
    workspace, orgs, monkeypatch
):
    """An outbox Adal may not write to (Windows' access denied): every workbook was lost for
    good, and ingest said nothing and exited 0."""
    import contextlib

    from pipeline.intake import feedback as feedback_module

    @contextlib.contextmanager
    def denied(target):
        raise PermissionError(13, "Access is denied", str(target))
        yield  # pragma: no cover

    fill(workspace, orgs[0], {"1.4": [WRONG]}, "wrong.xlsx")
    with monkeypatch.context() as closed:
        closed.setattr(feedback_module, "created", denied)
        [first] = ingest(workspace)
    assert "feedback_not_written" in _codes(first) and first.returns["1.4"] == "rejected"
    assert ingest(workspace) == []  # nothing new in the inbox, and the owed workbook is written
    feedback = workspace.paths.outbox / "feedback"
    assert [p.name for p in feedback.rglob("*.xlsx")] == ["wrong (Қателер-Ошибки).xlsx"]


def test_one_workbook_attached_three_times_is_one_answer_and_two_duplicates(workspace, orgs):
    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "x.xlsx")
    payload = path.read_bytes()
    path.unlink()
    _mail(workspace.paths.inbox / "c.eml", [("x.xlsx", payload), ("x.xlsx", payload),
                                            ("y.xlsx", payload)])  # fmt: skip
    outcomes = ingest(workspace)
    assert sorted(o.status for o in outcomes) == ["accepted", "duplicate", "duplicate"]
    assert [c for o in outcomes for c in _codes(o)] == ["duplicate_file"] * 2
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.slow
def test_an_e_mail_that_cannot_be_unpacked_now_is_read_next_run(workspace, orgs, monkeypatch):
    """A read-only archive folder: the e-mail was answered «unreadable» for good."""
    import errno

    from pipeline.intake import inbox as inbox_module

    path = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    _mail(workspace.paths.inbox / "m.eml", [("a.xlsx", path.read_bytes())])
    path.unlink()

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    with monkeypatch.context() as locked:
        locked.setattr(inbox_module, "expand_email", read_only)
        [first] = ingest(workspace)
    assert first.status == "not_read" and (workspace.paths.inbox / "m.eml").exists()
    [second] = ingest(workspace)
    assert second.status == "accepted"


@pytest.mark.slow
def test_an_error_python_can_only_print_goes_to_the_log(workspace, monkeypatch, capfd):
    """On a full disk a half-written zip, closed when collected, printed «Exception ignored
    in: ZipFile.__del__» and its traceback after Adal's own message."""
    import gc
    import sys

    from click.testing import CliRunner

    from pipeline.cli import main

    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)  # restored afterwards
    CliRunner().invoke(main, ["--root", str(workspace.paths.root), "status"])

    class HalfWritten:
        def __del__(self):
            raise OSError(28, "No space left on device")

    HalfWritten()
    gc.collect()
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("fixture", "named"), [("school1-libreoffice.ods", "return.xlsx"), ("school1-libreoffice.ods", "return")]
)  # fmt: skip
def test_a_libreoffice_file_under_another_name_is_read(workspace, orgs, fixture, named):
    """An .ods named .xlsx was «corrupt (CalamineError: File not found '_rels/.rels')»; a
    file saved without an extension was «format not accepted» (as an attachment it was read)."""
    shutil.copy(FIXTURES / fixture, workspace.paths.inbox / named)
    [outcome] = ingest(workspace)
    assert outcome.returns["1.1"] == "accepted", outcome.problems
    assert "corrupt" not in _codes(outcome)


def test_a_zip_in_a_zip_and_an_e_mail_in_an_e_mail_are_opened(workspace, orgs):
    """«No workbook in the archive» / «no Excel file in the letter» for a zipped folder
    holding a zip, and for a saved e-mail sent on as an attachment."""
    import io
    import zipfile

    a = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    other_month = {**good_14(), "month": dt.datetime(2023, 3, 15)}
    b = fill(workspace, orgs[0], {"1.4": [good_14(), other_month]}, "b.xlsx")  # s1's own
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.write(a, "Отчёт школы.xlsx")
    with zipfile.ZipFile(workspace.paths.inbox / "папка.zip", "w") as archive:
        archive.writestr("папка/отчёты.zip", inner.getvalue())
    saved = _mail(workspace.paths.root / "original.eml", [("b.xlsx", b.read_bytes())])
    _mail(workspace.paths.inbox / "fwd.eml", [("original.eml", saved.read_bytes())])
    a.unlink()
    b.unlink()
    outcomes = by_name(ingest(workspace))
    assert {n: o.status for n, o in outcomes.items()} == {
        "Отчёт школы.xlsx": "accepted",
        "b.xlsx": "accepted",
    }
    assert list(workspace.paths.inbox.iterdir()) == []


def test_a_sum_rule_marks_every_cell_of_the_sum(workspace, orgs):
    """The error was pinned on the «0» of «Оказано в срок» while the wrong value was the 50
    beside it: which term is wrong nobody can tell, so each is marked, with one message."""
    from pipeline.intake.feedback import BAD_FILL

    fill(workspace, orgs[0], {"1.4": [WRONG]}, "wrong.xlsx")
    [outcome] = ingest(workspace)
    [rule] = [p for p in outcome.problems if p.code == "rule" and p.sheet == "1.4"]
    spec = workspace.specs["1.4"]
    row = rule.row
    expected = {
        f"{openpyxl.utils.get_column_letter(spec.keys.index(k) + 1)}{row}"
        for k in ("on_time", "late", "refused", "applications")
    }
    assert set(rule.cell.split(", ")) == expected
    book = openpyxl.load_workbook(outcome.feedback)
    sheet = book["1.4"]
    for ref in expected:
        assert sheet[ref].fill.fgColor.rgb == BAD_FILL.fgColor.rgb, ref
        assert "не может превышать" in sheet[ref].comment.text
    book.close()
