"""Intake, round two: no file may block the inbox, and one run at a time per ledger.

Each test is a class of files that once stopped every later run or was answered wrongly for
good; the files are made the way schools and office networks make them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import inbox as inbox_module
from pipeline import ledger
from pipeline.cli import main
from pipeline.ingest import ingest
from tests.conftest import fill, good_11, good_14

LONG = (
    "Отчёт по внутреннему анализу коррупционных рисков коммунального государственного "
    "учреждения Общеобразовательная школа номер один"
)


def test_long_cyrillic_file_name_is_archived_with_its_extension_and_answered(ws, orgs):
    """A 246-byte name once made the archive name pass 255 bytes: ingest ended with rc 1 and
    every later run failed before reading the inbox."""
    name = f"{LONG}.xlsx"
    assert len(name.encode()) > 200
    fill(ws, orgs[0], {"1.1": [{**good_11(), "position": None}]}, name)
    result = CliRunner().invoke(main, ["--root", str(ws.paths.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    [answer] = json.loads(result.output)["files"]
    archived = Path(answer["archive"])
    assert archived.exists() and archived.suffix == ".xlsx"
    assert len(archived.name.encode()) <= 255
    assert answer["feedback"] and Path(answer["feedback"]).suffix == ".xlsx"
    again = CliRunner().invoke(main, ["--root", str(ws.paths.root), "ingest", "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["files"] == []


def test_file_that_cannot_be_read_now_stays_and_the_batch_goes_on(ws, orgs, monkeypatch):
    """A file without read access (or still being copied on a share) once stopped the whole
    batch on every run, with a message about writing."""
    fill(ws, orgs[0], {"1.4": [good_14()]}, "locked.xlsx")
    fill(ws, orgs[1], {"1.4": [good_14()]}, "fine.xlsx")
    real = inbox_module.sha256_of

    def no_access(path):
        if path.name == "locked.xlsx":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(inbox_module, "sha256_of", no_access)
    out = {o.name: o for o in ingest(ws)}
    assert out["fine.xlsx"].status == "accepted"
    locked = out["locked.xlsx"]
    assert locked.status == "not_read" and [p.code for p in locked.problems] == ["not_read"]
    assert "будет прочитан при следующем запуске" in locked.problems[0].ru
    assert (ws.paths.inbox / "locked.xlsx").exists()
    monkeypatch.setattr(inbox_module, "sha256_of", real)
    [later] = ingest(ws)
    assert later.name == "locked.xlsx" and later.status == "accepted"


def test_file_gone_while_the_batch_ran_is_not_rejected_for_good(ws, orgs, monkeypatch):
    """A file that vanished between listing and reading was once recorded as rejected; put
    back, it got the stored error again."""
    from pipeline import batch

    path = fill(ws, orgs[0], {"1.4": [good_14()]}, "moving.xlsx")
    kept = path.read_bytes()
    real = batch.parse_file

    def vanish(item, *args):
        if item.name == "moving.xlsx" and item.path.exists():
            item.path.unlink()
        return real(item, *args)

    monkeypatch.setattr(batch, "parse_file", vanish)
    [gone] = ingest(ws)
    assert gone.status == "not_read"
    monkeypatch.setattr(batch, "parse_file", real)
    path.write_bytes(kept)
    [back] = ingest(ws)
    assert back.status == "accepted"


def test_symlinked_folder_in_the_inbox_does_not_stop_the_run(ws, orgs, tmp_path):
    elsewhere, empty = tmp_path / "share", tmp_path / "empty"
    elsewhere.mkdir()
    empty.mkdir()
    fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    (ws.paths.inbox / "share").symlink_to(elsewhere, target_is_directory=True)
    (ws.paths.inbox / "empty").symlink_to(empty, target_is_directory=True)
    result = CliRunner().invoke(main, ["--root", str(ws.paths.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    assert [f["status"] for f in json.loads(result.output)["files"]] == ["accepted"]
    assert elsewhere.is_dir() and empty.is_dir()


def test_a_second_ingest_on_the_same_ledger_is_told_to_wait(ws, orgs):
    fill(ws, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    with ledger.one_writer(ws.paths.ledger):
        result = CliRunner().invoke(main, ["--root", str(ws.paths.root), "ingest"])
    assert result.exit_code == 3
    assert "Дождитесь его окончания" in result.output and "Traceback" not in result.output
    assert (ws.paths.inbox / "a.xlsx").exists()


def test_two_ingests_started_at_once_answer_every_file_once(ws, orgs):
    """Two `adal ingest` at the same moment once crashed on a unique constraint (or, on a
    fresh ledger, on the migration)."""
    for n, org in enumerate(orgs):
        fill(ws, org, {"1.4": [good_14()]}, f"f{n}.xlsx", received=dt.datetime(2023, 11, 10))
    adal = "from pipeline.cli import main; main()"
    command = [sys.executable, "-c", adal, "--root", str(ws.paths.root), "ingest"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    results = [(r.wait(timeout=300), r.stderr.read().decode()) for r in runs]
    assert sorted(rc for rc, _ in results) in ([0, 0], [0, 3]), results
    assert all("Traceback" not in err for _, err in results)
    conn = sqlite3.connect(ws.paths.ledger)
    names = [r[0] for r in conn.execute("SELECT original_name FROM files ORDER BY 1")]
    conn.close()
    assert names == ["f0.xlsx", "f1.xlsx", "f2.xlsx"]
    assert list(ws.paths.inbox.iterdir()) == []


@pytest.mark.parametrize("name", [LONG * 2 + ".xlsx", "а" * 300, "отчёт." + "x" * 40])
def test_stored_names_fit_any_disk(name):
    safe = inbox_module.safe_name(name)
    assert len(safe.encode()) <= inbox_module.NAME_BYTES
    if name.endswith(".xlsx"):
        assert safe.endswith(".xlsx")
