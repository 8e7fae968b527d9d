"""The ledger: the one store that remembers every file, submission, row and problem.

By default a SQLite file in the campaign folder; given a `postgresql://` URL (`--db`,
`ADAL_DB`), a PostgreSQL server shared by several officers (`pipeline.ledger.postgres`).
Every other stage reads and writes it through the functions here, in one dialect.

Schema changes are numbered migrations applied in order and recorded in `user_version`
(on a server, in `adal_schema`), so a ledger from an older Adal opens in a newer one
without losing anything.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.core.errors import BusyError, LedgerError
from pipeline.core.text import Text
from pipeline.ledger.records import (  # noqa: F401  the ledger's API, one import away
    FILE_COLUMNS,
    AlreadyRecorded,
    Connection,
    FetchedRecord,
    FileRecord,
    MailRecord,
    StoredFile,
    Submission,
    fetched_in_inbox,
    fetched_message_ids,
    fetched_to_mark,
    fetched_uids,
    files_of,
    insert_file,
    insert_problems,
    letters,
    log_mail,
    mark_fetched,
    record_fetched,
    sent_message_keys,
    stored_file,
    stored_problems,
    submissions_in_order,
)
from pipeline.specs.statuses import SheetStatus

Migration = str | Callable[[sqlite3.Connection], None]

ROWS_VIEW = """
    CREATE VIEW rows AS
    SELECT d.submission_id,
           CAST(r.value AS INTEGER) AS excel_row,
           (SELECT json_group_object(c.key, json_extract(c.value, '$[' || r.key || ']'))
              FROM json_each(d.columns) c) AS data
      FROM sheet_rows d, json_each(d.excel_rows) r
"""
"""One JSON object per stored row, as a person inspecting the ledger expects to see it."""


def _rows_per_sheet(conn: sqlite3.Connection) -> None:
    """3: a sheet's rows stored as one columnar JSON (one insert per sheet instead of one per
    row: ingest and consolidation of 2,000 files spent seconds on per-row JSON); `rows`
    becomes a view, so queries and ledgers written by older versions keep working."""
    conn.execute(
        "CREATE TABLE sheet_rows (submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),"
        " excel_rows TEXT NOT NULL, columns TEXT NOT NULL)"
    )
    current: int | None = None
    numbers: list[int] = []
    records: list[dict] = []

    def flush() -> None:
        if current is None:
            return
        keys = list(dict.fromkeys(k for r in records for k in r))
        columns = {k: [r.get(k) for r in records] for k in keys}
        conn.execute(
            "INSERT INTO sheet_rows VALUES (?,?,?)",
            (current, json.dumps(numbers), json.dumps(columns, ensure_ascii=False)),
        )

    for row in conn.execute(
        "SELECT submission_id, excel_row, data FROM rows ORDER BY submission_id, excel_row"
    ):
        if row[0] != current:
            flush()
            current, numbers, records = row[0], [], []
        numbers.append(row[1])
        records.append(json.loads(row[2]))
    flush()
    conn.execute("DROP TABLE rows")
    conn.execute(ROWS_VIEW)


def _files_can_be_read_again(conn: sqlite3.Connection) -> None:
    """4: a file the officer asks to read again (after fixing the registry) keeps its old
    record, marked `retired`, and is recorded anew: the same bytes are unique only among the
    records in force. SQLite cannot drop a column's UNIQUE, so the table is rebuilt."""
    conn.execute(
        """CREATE TABLE files_new (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        original_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        bin TEXT,
        sender TEXT,
        container TEXT,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'partial', 'rejected')),
        error_count INTEGER NOT NULL,
        warning_count INTEGER NOT NULL DEFAULT 0,
        archive_path TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        feedback_path TEXT,
        retired INTEGER NOT NULL DEFAULT 0
    )"""
    )
    conn.execute(
        "INSERT INTO files_new (id, sha256, original_name, size, received_at, ingested_at, bin,"
        " sender, container, status, error_count, warning_count, archive_path, archived,"
        " feedback_path) SELECT id, sha256, original_name, size, received_at, ingested_at, bin,"
        " sender, container, status, error_count, warning_count, archive_path, archived,"
        " feedback_path FROM files"
    )
    conn.execute("DROP TABLE files")
    conn.execute("ALTER TABLE files_new RENAME TO files")
    conn.execute("CREATE UNIQUE INDEX files_sha_in_force ON files (sha256) WHERE retired = 0")


MIGRATIONS: tuple[Migration, ...] = (
    # 1: files, arrivals, submissions, rows, problems
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        original_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        bin TEXT,
        sender TEXT,
        container TEXT,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'partial', 'rejected')),
        error_count INTEGER NOT NULL,
        warning_count INTEGER NOT NULL DEFAULT 0,
        archive_path TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        feedback_path TEXT
    );
    CREATE TABLE arrivals (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        original_name TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        archive_path TEXT
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id),
        bin TEXT NOT NULL,
        return_code TEXT NOT NULL,
        spec_version INTEGER NOT NULL,
        sheet TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
        row_count INTEGER NOT NULL,
        error_count INTEGER NOT NULL,
        nil INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX submissions_org_return ON submissions (bin, return_code, status);
    CREATE TABLE rows (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        excel_row INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX rows_submission ON rows (submission_id);
    CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id),
        submission_id INTEGER REFERENCES submissions(id),
        sheet TEXT,
        excel_row INTEGER,
        cell TEXT,
        column_key TEXT,
        column_label TEXT,
        value TEXT,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        message_kk TEXT NOT NULL,
        message_ru TEXT NOT NULL
    );
    CREATE INDEX problems_file ON problems (file_id);
    """,
    # 2: mail log, so that a rerun never sends the same message twice
    """
    CREATE TABLE mail_log (
        id INTEGER PRIMARY KEY,
        message_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        bin TEXT NOT NULL,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('written', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        eml_path TEXT,
        updated_at TEXT NOT NULL
    );
    """,
    _rows_per_sheet,
    _files_can_be_read_again,
    # 5: a problem keeps the fields its message was filled with, as data (`--json`, the
    # desk); rows recorded before keep their messages and an empty set of fields
    "ALTER TABLE problems ADD COLUMN fields TEXT NOT NULL DEFAULT '{}'",
    # 6: messages taken from the department's mailbox (`adal fetch`), each once: by its
    # folder's UIDVALIDITY and UID, and by Message-ID across folders
    """
    CREATE TABLE fetched (
        id INTEGER PRIMARY KEY,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        internaldate TEXT NOT NULL,
        date_header TEXT,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        saved_name TEXT,
        sha256 TEXT,
        state TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        UNIQUE (folder, uidvalidity, uid)
    );
    CREATE INDEX fetched_message ON fetched (message_id);
    """,
)


BUSY_TIMEOUT = 30
"""Seconds a run waits for another to let go of the SQLite file before saying so."""

Target = Path | str
"""Where the ledger is: a SQLite file's path, or a `postgresql://` URL."""


def is_server(target: Target) -> bool:
    """A `postgresql://` (or `postgres://`) URL, the scheme in any case."""
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


def shown(target: Target) -> str:
    """The ledger's place as it may be printed: a server's URL without its password."""
    if is_server(target):
        from pipeline.ledger.postgres import safe_url

        return safe_url(str(target))
    return str(target)


def _on_server(conn: Connection) -> bool:
    return getattr(conn, "backend", "sqlite") == "postgresql"


def connect(target: Target) -> Connection:
    """Open (or create) the ledger and bring its schema up to date."""
    if is_server(target):
        from pipeline.ledger import postgres  # psycopg only for those who use a server

        return postgres.connect(str(target))
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT)
    raw.row_factory = sqlite3.Row
    conn = SQLite(raw)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL keeps every commit atomic and safe from a killed process (what the
    # ingest's crash-safety relies on); it only skips the fsync that guards against power loss.
    conn.execute("PRAGMA synchronous = NORMAL")
    migrate(conn)
    return conn


class SQLite:
    """A `sqlite3` connection whose driver errors come out as the ledger's own: a file
    another program holds, or one that cannot be written, is a `LedgerError` with its
    bilingual message; callers above the ledger never see `sqlite3`."""

    backend = "sqlite"

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        try:
            return self.raw.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise _ledger_error(exc) from exc

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        try:
            return self.raw.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise _ledger_error(exc) from exc

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


def _ledger_error(exc: sqlite3.OperationalError) -> LedgerError:
    """Locked or busy: another program has the file; anything else: it cannot be written
    (a full disk, a read-only folder). Both stop the run with exit 1; the next run goes on."""
    said = str(exc)
    if "locked" in said or "busy" in said:
        error = LedgerError.of("ledger_locked")
    else:
        error = LedgerError.of("ledger_write_failed", detail=said)
    error.exit_code = 1
    return error


def migrate(conn: sqlite3.Connection) -> int:
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current >= len(MIGRATIONS):
        return len(MIGRATIONS)
    conn.execute("PRAGMA foreign_keys = OFF")  # a rebuilt table keeps its ids: checked below
    try:
        _apply(conn, current)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return len(MIGRATIONS)


def _apply(conn: sqlite3.Connection, current: int) -> None:
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= current:
            continue
        with transaction(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue  # another process applied it while this one waited for the lock
            if callable(script):
                script(conn)
                conn.execute(f"PRAGMA user_version = {number}")
                continue
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            if conn.execute("PRAGMA foreign_key_check").fetchone():
                raise sqlite3.IntegrityError(f"migration {number} broke a reference")


@contextmanager
def one_writer(target: Target) -> Iterator[None]:
    """One ingest at a time per SQLite ledger: a second one is told so instead of colliding
    with the first on the same files. The lock is the operating system's, so a killed run
    leaves none. On a server, officers ingest at once and each file is claimed (`claim`)."""
    if is_server(target):
        yield
        return
    path = Path(target)
    lock = FileLock(f"{path}.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise BusyError.of("ledger_busy", where=str(path)) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def one_sender(target: Target) -> Iterator[None]:
    """One `mail --send` at a time per campaign's ledger: two started at once sent every
    letter twice, each planning before the other had logged a letter as sent. The second is
    told so; the lock is the operating system's (a file) or the server's (a session lock),
    so a killed run leaves none."""
    if is_server(target):
        from pipeline.ledger import postgres

        with postgres.one_sender(str(target)):
            yield
        return
    lock = FileLock(f"{Path(target)}.mail.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise BusyError.of("mail_busy", where=str(target)) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """One writer at a time, all or nothing."""
    if _on_server(conn):
        from pipeline.ledger import postgres

        with postgres.transaction(conn) as inside:  # type: ignore[arg-type]
            yield inside
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def snapshot(conn: Connection) -> Iterator[Connection]:
    """Reads that see one state of the ledger, whatever others write meanwhile: a status or a
    consolidation never mixes a file's first return with another's second."""
    if _on_server(conn):
        from pipeline.ledger import postgres

        with postgres.snapshot(conn) as inside:  # type: ignore[arg-type]
            yield inside
        return
    conn.execute("BEGIN")  # deferred: in WAL mode the snapshot is taken at the first read
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def claim(conn: Connection, sha256: str) -> bool:
    """Take a file's bytes for this run. On SQLite the run already holds the ledger
    (`one_writer`); on a server another officer's run may hold them: then False."""
    if _on_server(conn):
        from pipeline.ledger import postgres

        return postgres.claim(conn, sha256)  # type: ignore[arg-type]
    return True


def file_by_sha(conn: Connection, sha256: str) -> StoredFile | None:
    """The record in force for these bytes (a file read again has a retired earlier one)."""
    row = conn.execute(
        f"SELECT {FILE_COLUMNS} FROM files WHERE sha256 = ? AND retired = 0", (sha256,)
    ).fetchone()
    return stored_file(row) if row is not None else None


def files_named(conn: Connection, which: str) -> list[StoredFile]:
    """Records in force whose original name is `which`, or whose hash begins with it."""
    prefix = (
        which.lower()
        if len(which) >= 8 and all(c in "0123456789abcdef" for c in which.lower())
        else None
    )
    if prefix is None:
        rows = conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE retired = 0 AND original_name = ? ORDER BY id",
            (which,),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE retired = 0 AND (original_name = ?"
            " OR sha256 LIKE ?) ORDER BY id",
            (which, prefix + "%"),
        ).fetchall()
    return [stored_file(r) for r in rows]


def retire(conn: Connection, file_id: int) -> None:
    conn.execute("UPDATE files SET retired = 1 WHERE id = ?", (file_id,))


def unarchived(conn: Connection) -> list[StoredFile]:
    rows = conn.execute(f"SELECT {FILE_COLUMNS} FROM files WHERE archived = 0").fetchall()
    return [stored_file(r) for r in rows]


def mark_archived(conn: Connection, file_id: int, feedback: str | None = None) -> None:
    conn.execute(
        "UPDATE files SET archived = 1, feedback_path = COALESCE(?, feedback_path) WHERE id = ?",
        (feedback, file_id),
    )


def record_arrival(
    conn: Connection,
    sha256: str,
    name: str,
    seen_at: str,
    outcome: str,
    archive_path: str | None,
) -> None:
    conn.execute(
        "INSERT INTO arrivals (sha256, original_name, seen_at, outcome, archive_path) VALUES (?,?,?,?,?)",
        (sha256, name, seen_at, outcome, archive_path),
    )


def encode_rows(excel_rows: list[int], columns: dict[str, list]) -> tuple[str, str]:
    """A sheet's typed columns as JSON text for `sheet_rows` (dates in ISO form)."""
    return json.dumps(excel_rows), _encode(columns)


def _iso(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


_encode = json.JSONEncoder(ensure_ascii=False, default=_iso).encode


def decode_columns(excel_rows: str, columns: str) -> tuple[list[int], dict[str, list]]:
    """A stored sheet as its Excel row numbers and its columns (dates as ISO text)."""
    return json.loads(excel_rows), json.loads(columns)


def decode_rows(excel_rows: str, columns: str) -> list[dict]:
    """The stored rows of one sheet as records, in sheet order (`_row` is the Excel row)."""
    numbers, data = decode_columns(excel_rows, columns)
    return [{"_row": n, **{k: v[i] for k, v in data.items()}} for i, n in enumerate(numbers)]


def insert_submission(
    conn: Connection, file_id: int, sub: dict, stored: tuple[str, str] | None
) -> int:
    """Insert one sheet's outcome; an accepted one supersedes older accepted ones, never newer.

    `stored` is the sheet's rows from `encode_rows` (None for a rejected sheet). What was
    recorded (accepted, or superseded on arrival by a later one already in) is left in
    `sub["recorded"]`, so the caller need not ask the ledger again.
    """
    return insert_submissions(conn, file_id, [(sub, stored)])[0]


def insert_submissions(
    conn: Connection, file_id: int, subs: list[tuple[dict, tuple[str, str] | None]]
) -> list[int]:
    """`insert_submission` for the sheets of one file: what each organisation accepted
    before is asked once, not once per sheet, and the accepted sheets' rows go in with one
    statement. Ids in the order given."""
    latest: dict[tuple[str, str], str | None] = {}
    for bin_ in {sub["bin"] for sub, _ in subs}:
        for code, when in conn.execute(
            "SELECT return_code, MAX(received_at) FROM submissions WHERE bin = ?"
            " AND status = 'accepted' GROUP BY return_code",
            (bin_,),
        ).fetchall():
            latest[(bin_, code)] = when
    ids, rows = [], []
    for sub, stored in subs:
        key = (sub["bin"], sub["return_code"])
        status = sub["status"]
        if status == SheetStatus.ACCEPTED:
            before = latest.get(key)
            if before is not None and before > sub["received_at"]:
                status = SheetStatus.SUPERSEDED
            else:
                if before is not None:
                    conn.execute(
                        "UPDATE submissions SET status = 'superseded' WHERE bin = ?"
                        " AND return_code = ? AND status = 'accepted'",
                        key,
                    )
                latest[key] = sub["received_at"]
        cur = conn.execute(
            "INSERT INTO submissions (file_id, bin, return_code, spec_version, sheet, received_at, status, row_count,"
            " error_count, nil) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (
                file_id,
                sub["bin"],
                sub["return_code"],
                sub["spec_version"],
                sub["sheet"],
                sub["received_at"],
                status,
                sub["row_count"] if stored is not None else 0,
                sub["error_count"],
                int(sub.get("nil", False)),
            ),
        )
        submission_id = int(cur.fetchone()[0])
        if stored is not None and sub["status"] == SheetStatus.ACCEPTED:
            rows.append((submission_id, *stored))
        sub["recorded"] = SheetStatus(status)
        ids.append(submission_id)
    if rows:
        conn.executemany("INSERT INTO sheet_rows VALUES (?,?,?)", rows)
    return ids


def returns_of_file(conn: Connection, file_id: int) -> dict[str, SheetStatus]:
    """What the ledger holds now for each return a file carried."""
    rows = conn.execute(
        "SELECT return_code, status FROM submissions WHERE file_id = ? ORDER BY id", (file_id,)
    ).fetchall()
    return {code: SheetStatus(status) for code, status in rows}


def returns_of_files(conn: Connection, file_ids: list[int]) -> dict[int, dict[str, SheetStatus]]:
    """`returns_of_file` for many files at once (a batch's end: one query per 500 files
    instead of one per file)."""
    found: dict[int, dict[str, SheetStatus]] = {i: {} for i in file_ids}
    for start in range(0, len(file_ids), 500):
        part = file_ids[start : start + 500]
        rows = conn.execute(
            "SELECT file_id, return_code, status FROM submissions WHERE file_id IN"
            f" ({','.join('?' * len(part))}) ORDER BY id",
            tuple(part),
        ).fetchall()
        for file_id, code, status in rows:
            found[file_id][code] = SheetStatus(status)
    return found


def submission_status(conn: Connection, submission_id: int) -> SheetStatus:
    """What the ledger holds for a sheet just recorded: accepted, or superseded on arrival
    by a later one already there, or rejected."""
    row = conn.execute("SELECT status FROM submissions WHERE id = ?", (submission_id,)).fetchone()
    return SheetStatus(row[0])


def accepted_with_rows(conn: Connection, bin_: str, return_code: str, until: str) -> str | None:
    """When the current accepted submission of a return holds rows and was received no
    later than `until`: its received time."""
    row = conn.execute(
        "SELECT received_at FROM submissions WHERE bin = ? AND return_code = ?"
        " AND status = 'accepted' AND row_count > 0 AND received_at <= ?",
        (bin_, return_code, until),
    ).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class StoredSheet:
    """The current accepted sheet of one organisation for a return: its rows as stored
    (`decode_columns` reads them) and the file they came in."""

    bin: str
    submission_id: int
    received_at: str
    original_name: str
    sha256: str
    excel_rows: str
    columns: str


def accepted_sheets(conn: Connection, return_code: str) -> list[StoredSheet]:
    """The stored rows of the current accepted submission of every organisation for a return."""
    rows = conn.execute(
        "SELECT s.bin, s.id, s.received_at, f.original_name, f.sha256, d.excel_rows, d.columns"
        " FROM submissions s JOIN files f ON f.id = s.file_id"
        " JOIN sheet_rows d ON d.submission_id = s.id"
        " WHERE s.return_code = ? AND s.status = 'accepted' ORDER BY s.bin",
        (return_code,),
    ).fetchall()
    return [StoredSheet(*r) for r in rows]


def files_with_errors(conn: Connection) -> list[StoredFile]:
    """Files answered with errors: with a correction workbook, or refused as a whole."""
    rows = conn.execute(
        f"SELECT {FILE_COLUMNS} FROM files WHERE feedback_path IS NOT NULL"
        " OR (error_count > 0 AND status = 'rejected') ORDER BY id"
    ).fetchall()
    return [stored_file(r) for r in rows]


@dataclass(frozen=True)
class OpenQuery:
    """A question asked of an organisation about a return in force: the data may be right
    but contradict themselves. A later submission of the return answers it: corrected, the
    question is gone; sent again unchanged after it was asked, the data are confirmed."""

    bin: str
    return_code: str
    file: str
    sheet: str
    cell: str
    column: str
    value: str
    code: str
    message: Text
    column_key: str = ""
    fields: dict = field(default_factory=dict)


def open_queries(conn: Connection, file_id: int | None = None) -> list[OpenQuery]:
    """The queries on accepted submissions still in force (of one file, or all), less those
    the organisation confirmed: the same question on the same value in a return it had
    already been asked about (an earlier, superseded submission of that return)."""
    sql = (
        "SELECT s.bin, s.return_code, f.original_name, p.sheet, p.cell, p.column_label,"
        " p.value, p.code, p.message_kk, p.message_ru, p.column_key, p.fields FROM problems p"
        " JOIN submissions s ON s.id = p.submission_id JOIN files f ON f.id = p.file_id"
        " WHERE p.severity = 'query' AND s.status = 'accepted' AND f.retired = 0"
        " AND NOT EXISTS (SELECT 1 FROM problems q JOIN submissions e ON e.id = q.submission_id"
        "  WHERE e.bin = s.bin AND e.return_code = s.return_code AND e.status = 'superseded'"
        "  AND e.received_at <= s.received_at AND q.severity = 'query' AND q.code = p.code"
        "  AND COALESCE(q.column_key, '') = COALESCE(p.column_key, '')"
        "  AND COALESCE(q.value, '') = COALESCE(p.value, ''))"
    )
    params: tuple = ()
    if file_id is not None:
        sql += " AND p.file_id = ?"
        params = (file_id,)
    rows = conn.execute(sql + " ORDER BY s.bin, s.return_code, p.id", params).fetchall()
    return [
        OpenQuery(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5] or "", r[6] or "", r[7],
                  Text(r[8], r[9]), r[10] or "", json.loads(r[11] or "{}"))
        for r in rows
    ]  # fmt: skip


def file_errors(conn: Connection, file_id: int) -> list[Text]:
    """The errors recorded for a file, in the order they were found, in both languages."""
    rows = conn.execute(
        "SELECT message_kk, message_ru FROM problems WHERE file_id = ? AND severity = 'error'"
        " ORDER BY id",
        (file_id,),
    ).fetchall()
    return [Text(kk, ru) for kk, ru in rows]


def still_to_correct(conn: Connection, file_id: int) -> list[str] | None:
    """The returns rejected in a file that its organisation has not sent again and had
    accepted since; None when the file was refused as a whole (no return in it was read),
    unless a later file of that organisation was accepted, which answers it: then []."""
    file = conn.execute("SELECT bin, received_at FROM files WHERE id = ?", (file_id,)).fetchone()
    rejected = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT return_code FROM submissions WHERE file_id = ? AND status = 'rejected'"
            " ORDER BY return_code",
            (file_id,),
        )
    ]
    later = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT return_code FROM submissions WHERE bin = ? AND received_at > ?"
            " AND status IN ('accepted', 'superseded') AND file_id != ?",
            (file["bin"], file["received_at"], file_id),
        )
    }
    if not rejected:
        return [] if later else None
    return [code for code in rejected if code not in later]
