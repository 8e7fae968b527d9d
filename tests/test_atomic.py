"""Every output written whole, or not at all (#24 §2): a full disk or a kill while writing
leaves the previous output as it was, and the officer is told in both languages."""

from __future__ import annotations

import errno

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.files.atomic import written
from pipeline.intake.ingest import ingest
from tests.helpers import fill, good_14


def test_a_failed_write_leaves_the_previous_file_and_no_part(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(OSError) as info, written(target) as part:
        part.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == b"previous" and info.value.filename == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


@pytest.mark.slow  # a child process measured, or a whole run on a full disk
def test_a_full_disk_during_consolidate_keeps_the_previous_workbook(workspace, orgs, monkeypatch):
    """Seen: a full disk replaced the previous workbook and exited 0 with no message."""
    import xlsxwriter

    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    ingest(workspace)
    root = str(workspace.paths.root)
    first = CliRunner().invoke(main, ["--root", root, "consolidate"])
    assert first.exit_code == 0, first.output
    [book] = workspace.paths.outbox.glob("consolidated-*.xlsx")
    before = book.read_bytes()

    def full_disk(self):
        with open(self.filename, "wb") as handle:  # half a workbook, then the disk is full
            handle.write(b"PK\x03\x04")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full_disk)
    again = CliRunner().invoke(main, ["--root", root, "consolidate"])
    assert again.exit_code == 1, again.output
    assert str(book) in again.output and "Traceback" not in again.output
    assert book.read_bytes() == before
    assert [p.name for p in workspace.paths.outbox.glob(".*part*")] == []


def test_created_never_replaces_a_file_and_leaves_no_empty_one(tmp_path):
    from pipeline.files.atomic import created

    target = tmp_path / "a (Қателер-Ошибки).xlsx"
    target.write_bytes(b"earlier round")
    with pytest.raises(FileExistsError), created(target) as part:
        part.write_bytes(b"new")
    assert target.read_bytes() == b"earlier round"
    with pytest.raises(RuntimeError), created(tmp_path / "b.xlsx") as part:
        part.write_bytes(b"half")
        raise RuntimeError("killed midway")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a (Қателер-Ошибки).xlsx"]


def test_temporary_files_of_a_killed_writer_are_removed_by_the_next_ingest(workspace, orgs):
    """A kill midway leaves a hidden `.name.PID.part.xlsx`; the next run, alone on the
    folder, removes it (never a file of its own making, never one a user made)."""
    folder = workspace.paths.outbox / "feedback" / orgs[0].bin
    folder.mkdir(parents=True)
    stale = folder / ".a (Қателер-Ошибки).999999.part.xlsx"
    stale.write_bytes(b"half a workbook")
    users = folder / "мой файл.part.xlsx"
    users.write_bytes(b"the officer's")
    ingest(workspace)
    assert not stale.exists() and users.exists()


@pytest.mark.slow  # a child process measured, or a whole run on a full disk
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_during_ingest_is_one_message_and_the_next_run_goes_on(
    workspace, orgs, monkeypatch, jobs
):
    """Seen: fifteen tracebacks, one per file and per log line; now one message, a stop,
    and nothing lost: the next run, with space again, answers every file."""
    import openpyxl

    for n in range(6):
        fill(workspace, orgs[n % 3], {"1.4": [{**good_14(), "late": 50 + n}]}, f"f{n}.xlsx")
    real_save = openpyxl.Workbook.save

    from pipeline.files import xlsxpatch

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[1]))

    real_patch = xlsxpatch.patch
    monkeypatch.setattr(openpyxl.Workbook, "save", full_disk)  # either way of writing one
    monkeypatch.setattr(xlsxpatch, "patch", full_disk)
    logs = workspace.paths.outbox / "logs"
    logs.parent.mkdir(parents=True, exist_ok=True)
    logs.write_text("a file where the log folder goes: the log cannot be written either")
    root = str(workspace.paths.root)
    full = CliRunner().invoke(main, ["--root", root, "ingest", "--jobs", jobs])
    assert full.exit_code == 1, full.output
    assert "Traceback" not in full.output and "Logging error" not in full.output
    assert full.output.count("На диске нет места") == 1
    assert full.output.count("Не удалось записать файл протокола") == 1
    monkeypatch.setattr(openpyxl.Workbook, "save", real_save)
    monkeypatch.setattr(xlsxpatch, "patch", real_patch)
    logs.unlink()
    again = CliRunner().invoke(main, ["--root", root, "ingest", "--json"])
    assert again.exit_code == 0, again.output
    assert list(workspace.paths.inbox.iterdir()) == []
    written = sorted(p.name for p in (workspace.paths.outbox / "feedback").rglob("*.xlsx"))
    assert written == sorted(f"f{n} (Қателер-Ошибки).xlsx" for n in range(6))
