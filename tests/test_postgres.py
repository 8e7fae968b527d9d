"""The ledger on a real PostgreSQL server (tests/pg.py starts one): the same schema and
guarantees as the SQLite file, officers ingesting at once, a server out of reach."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import ledger
from pipeline.cli import main
from pipeline.specs.workspace import Paths, open_workspace
from tests.helpers import fill, good_14

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def _columns(conn, backend: str) -> dict[str, list[str]]:
    if backend == "sqlite":
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: [c[1] for c in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name != 'adal_schema'"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def test_a_server_ledger_has_the_sqlite_ledgers_tables_columns_and_version(
    postgres_server, tmp_path
):
    on_file = ledger.connect(tmp_path / "adal.sqlite")
    on_server = ledger.connect(postgres_server.new_database())
    assert _columns(on_server, "postgresql") == _columns(on_file, "sqlite")
    version = on_server.execute("SELECT version FROM adal_schema").fetchone()[0]
    assert version == on_file.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(ledger.MIGRATIONS)


def test_the_same_bytes_are_recorded_once_by_the_database_itself(postgres_server):
    """Not a check-then-insert: two connections that both found no record, and both insert."""
    url = postgres_server.new_database()
    first, second = ledger.connect(url), ledger.connect(url)
    record = ledger.FileRecord(
        "ab" * 32, "a.xlsx", 1, "2023-11-10T10:00:00", "2023-11-10T10:00:00", None, None,
        None, "rejected", 1, 0, "/archive/a.xlsx",
    )  # fmt: skip
    assert ledger.file_by_sha(first, record.sha256) is None
    assert ledger.file_by_sha(second, record.sha256) is None
    with ledger.transaction(first):
        ledger.insert_file(first, record)
    with pytest.raises(ledger.AlreadyRecorded), ledger.transaction(second):
        ledger.insert_file(second, record)
    assert second.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1


def test_status_reads_one_snapshot_while_another_officer_ingests(postgres_server):
    url = postgres_server.new_database()
    reader, writer = ledger.connect(url), ledger.connect(url)

    def count() -> int:
        return reader.execute("SELECT COUNT(*) FROM files").fetchone()[0]

    with ledger.snapshot(reader):
        before = count()
        with ledger.transaction(writer):
            ledger.insert_file(
                writer,
                ledger.FileRecord(
                    "cd" * 32, "b.xlsx", 1, "r", "i", None, None, None, "rejected", 1, 0, "/b"
                ),
            )
        assert count() == before  # what status and consolidate see inside: one moment
    assert count() == before + 1


def test_a_file_held_by_another_run_is_not_claimed_twice(postgres_server):
    """Flaky once: a closed session's locks were dropped only when its backend ended, a
    moment later; a clean close now lets go before it returns. Twenty times in a row."""
    url = postgres_server.new_database()
    for n in range(20):
        sha = f"{n:02x}" * 32
        one, other = ledger.connect(url), ledger.connect(url)
        assert ledger.claim(one, sha)
        assert not ledger.claim(other, sha)
        one.close()  # a run that ends lets go of its files at once
        assert ledger.claim(other, sha)
        other.close()


def test_server_out_of_reach_is_named_in_both_languages_without_its_password(workspace, tmp_path):
    url = f"postgresql://officer:s3cret@/adal_district?host={tmp_path}&connect_timeout=2"
    root = str(workspace.paths.root)
    result = CliRunner().invoke(main, ["--root", root, "--db", url, "status"])
    assert result.exit_code == 4, result.output
    assert "Не удалось подключиться к серверу журнала" in result.output
    assert "Журнал серверіне қосылу мүмкін болмады" in result.output
    assert "adal_district" in result.output and str(tmp_path) in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output


def _second_folder(workspace, root: Path):
    """Another officer's campaign folder: the same campaign and registry, its own inbox."""
    shutil.copytree(workspace.paths.campaign_dir, root / "campaign")
    (root / "inbox").mkdir()
    return open_workspace(Paths(root, workspace.paths.db))


def _ingest_at_once(*roots: Path, url: str) -> list[dict]:
    """`adal ingest --json` started at the same moment in each folder; their answers."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ADAL_DB": url}
    command = [sys.executable, "-c", "from pipeline.cli import main; main()"]
    runs = [
        subprocess.Popen(
            [*command, "--root", str(root), "ingest", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for root in roots
    ]
    answers = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err.decode()
        assert "Traceback" not in err.decode()
        answers.append(json.loads(out))
    return answers


@pytest.mark.parametrize("ledger_backend", ["postgresql"], indirect=True)
def test_two_officers_on_one_inbox_answer_and_record_every_file_once(workspace, orgs):
    names = []
    for n in range(8):
        org = orgs[n % len(orgs)]
        received = dt.datetime(2023, 11, 10, 9, n)
        row = {**good_14(), "applications": 10 + n, "paper": 3 + n}  # each file its own bytes
        names.append(fill(workspace, org, {"1.4": [row]}, f"f{n}.xlsx", received).name)
    packed = names[-2:]  # two of them arrive in one zip
    with zipfile.ZipFile(workspace.paths.inbox / "пакет.zip", "w") as archive:
        for name in packed:
            archive.write(workspace.paths.inbox / name, name)
            (workspace.paths.inbox / name).unlink()
    answers = _ingest_at_once(workspace.paths.root, workspace.paths.root, url=workspace.paths.db)
    answered = sorted(f["file"] for a in answers for f in a["files"])
    assert answered == sorted(names)  # each file answered by one of the two runs, once
    conn = ledger.connect(workspace.paths.db)
    recorded = sorted(r[0] for r in conn.execute("SELECT original_name FROM files"))
    assert recorded == sorted(names)
    accepted = conn.execute(
        "SELECT bin, COUNT(*) FROM submissions WHERE return_code = '1.4' AND status = 'accepted'"
        " GROUP BY bin"
    ).fetchall()
    assert sorted(n for _, n in accepted) == [1, 1, 1]  # the latest of each, superseding the rest
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.parametrize("ledger_backend", ["postgresql"], indirect=True)
def test_two_officers_on_two_inboxes_record_shared_bytes_once(workspace, orgs, tmp_path):
    other = _second_folder(workspace, tmp_path / "officer-2")
    own = [fill(workspace, orgs[0], {"1.4": [good_14()]}, "mine.xlsx")]
    theirs = [fill(other, orgs[1], {"1.4": [good_14()]}, "theirs.xlsx")]
    shared = fill(workspace, orgs[2], {"1.4": [good_14()]}, "both.xlsx")
    shutil.copy2(shared, other.paths.inbox / "both.xlsx")  # one e-mail saved by both officers
    first = _ingest_at_once(workspace.paths.root, other.paths.root, url=workspace.paths.db)
    second = _ingest_at_once(workspace.paths.root, other.paths.root, url=workspace.paths.db)
    statuses = [
        (f["file"], f["status"])
        for run in first + second
        for run_f in [run]
        for f in run_f["files"]
    ]
    conn = ledger.connect(workspace.paths.db)
    recorded = sorted(r[0] for r in conn.execute("SELECT original_name FROM files"))
    assert recorded == sorted(["mine.xlsx", "theirs.xlsx", "both.xlsx"])
    assert sorted(n for n, _ in statuses) == sorted(
        ["mine.xlsx", "theirs.xlsx", "both.xlsx", "both.xlsx"]
    )  # every arrival answered once, across the two rounds
    assert sorted(s for n, s in statuses if n == "both.xlsx") == ["accepted", "duplicate"]
    assert [p.name for p in own + theirs if p.exists()] == []
    assert list(workspace.paths.inbox.iterdir()) == list(other.paths.inbox.iterdir()) == []


@pytest.mark.both_ledgers
def test_an_ingest_killed_midway_loses_nothing_and_the_next_run_completes_it(workspace, orgs):
    """SIGKILL, not an exception: the process dies between two files' transactions (or in
    one); the next run records every file once and answers each."""
    import signal
    import time

    names = []
    for n in range(12):
        row = {**good_14(), "applications": 20 + n, "paper": 3 + n}
        received = dt.datetime(2023, 11, 10, 9, n)
        names.append(fill(workspace, orgs[n % 3], {"1.4": [row]}, f"k{n}.xlsx", received).name)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", "from pipeline.cli import main; main()",
               "--root", str(workspace.paths.root), "ingest", "--jobs", "1"]  # fmt: skip
    run = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    deadline = time.monotonic() + 120
    recorded = 0
    while recorded < 3 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            conn = ledger.connect(workspace.paths.ledger)
            recorded = conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
            conn.close()
        except Exception:  # the ledger is being created: look again
            continue
    os.killpg(run.pid, signal.SIGKILL)  # the whole program, its reader processes too
    run.communicate(timeout=60)
    _until_killed_sessions_end(workspace.paths.ledger)
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    conn = ledger.connect(workspace.paths.ledger)
    stored = sorted(r[0] for r in conn.execute("SELECT original_name FROM files"))
    unarchived = conn.execute("SELECT COUNT(*) FROM files WHERE archived = 0").fetchone()[0]
    conn.close()
    assert stored == sorted(names) and unarchived == 0
    assert list(workspace.paths.inbox.iterdir()) == []


def _until_killed_sessions_end(where: str) -> None:
    """A killed run's server session ends a moment after the process: until it has, its
    claims are held and the next run is rightly told so. Wait for that, observed, not timed."""
    import time

    if not str(where).startswith("postgresql"):
        return
    conn = ledger.connect(where)
    deadline = time.monotonic() + 60
    held = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
    while conn.execute(held).fetchone()[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    conn.close()


def test_officers_opening_a_new_server_ledger_at_once_make_its_schema_once(postgres_server):
    """Two first runs at the same moment: the second waited for the first's migration and
    then, from a stale catalogue cache, tried to create the schema again."""
    from concurrent.futures import ThreadPoolExecutor

    url = postgres_server.new_database()
    with ThreadPoolExecutor(6) as pool:
        connections = list(pool.map(lambda _: ledger.connect(url), range(6)))
    versions = {c.execute("SELECT version FROM adal_schema").fetchone()[0] for c in connections}
    assert versions == {len(ledger.MIGRATIONS)}
    for conn in connections:
        conn.close()


@pytest.mark.parametrize("ledger_backend", ["postgresql"], indirect=True)
def test_a_server_lost_midway_is_a_bilingual_message_not_an_internal_error(workspace, monkeypatch):
    """psycopg's OperationalError (the server stopped, the network dropped) fell to the last
    guard: «Внутренняя ошибка». The ledger turns it into its own error; the CLI knows no
    driver."""
    import psycopg

    from pipeline.ledger import postgres

    dialect = postgres._dialect

    def lost(sql: str) -> str:
        if "FROM submissions" in sql:  # past the connection and its migrations
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return dialect(sql)

    monkeypatch.setattr(postgres, "_dialect", lost)
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "status"])
    assert result.exit_code == 4, result.output
    assert "Связь с сервером журнала прервалась (server closed the connection" in result.output
    assert "Журнал серверімен байланыс үзілді" in result.output


@pytest.mark.parametrize(
    "form",
    [
        "postgresql://officer:S3CRET@/adal_district?host={sock}",
        "postgresql://officer@/adal_district?host={sock}&password=S3CRET",
        "postgresql://:S3CRET@/adal_district?host={sock}",
        "postgresql://officer:p@S3CRET@/adal_district?host={sock}",  # an «@» left unescaped
        "PostgreSQL://officer:S3CRET@/adal_district?host={sock}",  # the scheme as typed
        "postgresql://officer:S3CRET@[::1/adal_district",  # a URL psycopg cannot read
    ],
)
def test_a_servers_password_is_never_shown_nor_logged_however_the_url_carries_it(
    workspace, tmp_path, form
):
    """The red team found it in clear: in the query, after an empty user, after an
    unescaped «@», in the log's traceback variables; a capitalised scheme made a SQLite file
    named after the URL."""
    url = form.format(sock=tmp_path)
    root = workspace.paths.root
    result = CliRunner().invoke(main, ["--root", str(root), "--db", url, "status"])
    assert result.exit_code == 4, result.output
    assert "S3CRET" not in result.output and "Не удалось подключиться" in result.output
    logs = " ".join(p.read_text("utf-8") for p in (root / "outbox").rglob("*.log"))
    assert "S3CRET" not in logs
    assert not (Path.cwd() / "PostgreSQL:").exists()  # no SQLite file made of the URL


@pytest.mark.parametrize("ledger_backend", ["postgresql"], indirect=True)
def test_files_another_officers_run_holds_are_named_not_called_an_empty_inbox(workspace, orgs):
    """A second run that found every file held by the first printed «inbox/ пуст»."""
    from pipeline.intake.inbox import collect

    fill(workspace, orgs[0], {"1.4": [good_14()]}, "held.xlsx")
    [item], _, _ = collect(workspace.paths.inbox, workspace.paths.archive / ".x", None)
    other = ledger.connect(workspace.paths.db)
    assert ledger.claim(other, item.sha256)  # another officer's run holds the file
    root = ["--root", str(workspace.paths.root)]
    result = CliRunner().invoke(main, [*root, "ingest"])
    assert result.exit_code == 0, result.output
    assert "Файлы, которые сейчас читает запуск другого сотрудника: 1" in result.output
    assert "пуст" not in result.output
    answer = json.loads(CliRunner().invoke(main, [*root, "ingest", "--json"]).output)
    assert answer == {"files": [], "elsewhere": ["held.xlsx"]}
    other.close()
    assert (workspace.paths.inbox / "held.xlsx").exists()  # left to its holder, never lost


def test_a_server_ledger_at_version_4_keeps_its_problems_and_gains_their_fields(postgres_server):
    """Migration 5 on a server: the problems recorded before stay, with no fields."""
    url = postgres_server.new_database()
    conn = ledger.connect(url)
    record = ledger.FileRecord(
        "abc", "school.xlsx", 1, "2023-11-10T10:00:00", "2023-11-10T10:00:00", None, None,
        None, "rejected", 1, 0, "archive/school.xlsx",
    )  # fmt: skip
    file_id = ledger.insert_file(conn, record)
    conn.execute(
        "INSERT INTO problems (file_id, sheet, code, severity, message_kk, message_ru)"
        " VALUES (?, '1.1', 'required', 'error', 'Толтырыңыз', 'Заполните')",
        (file_id,),
    )
    conn.execute("ALTER TABLE problems DROP COLUMN fields")
    conn.execute("DROP TABLE fetched")  # migration 6's, made after
    conn.execute("UPDATE adal_schema SET version = 4")
    conn.close()
    again = ledger.connect(url)
    assert again.execute("SELECT version FROM adal_schema").fetchone()[0] == 6
    [old] = ledger.stored_problems(again, file_id)
    assert (old.code, old.kk, old.ru, old.fields) == ("required", "Толтырыңыз", "Заполните", {})
    again.close()
