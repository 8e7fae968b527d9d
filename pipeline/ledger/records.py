"""The ledger's rows as the other stages use them: what a received file, its problems, a
sent letter and a submission are, written and read here so that no SQL lives elsewhere."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Protocol

from pipeline.specs.problems import Problem
from pipeline.specs.statuses import FileStatus, SheetStatus


class Connection(Protocol):
    """A ledger connection: a SQLite file's, or a PostgreSQL server's with the same face
    (`pipeline.ledger.postgres.Connection`)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Any, /) -> Any: ...

    def close(self) -> None: ...


class AlreadyRecorded(Exception):
    """The database refused a second record of the same bytes: another run has them."""


@dataclass(frozen=True)
class FileRecord:
    """One received file, as `files` keeps it."""

    sha256: str
    original_name: str
    size: int
    received_at: str
    ingested_at: str
    bin: str | None
    sender: str | None
    container: str | None
    status: str
    error_count: int
    warning_count: int
    archive_path: str


@dataclass(frozen=True)
class StoredFile(FileRecord):
    """A received file as the ledger holds it, with what became of it since."""

    status: FileStatus  # the base's field, typed: its place in the order stays
    id: int
    archived: bool
    feedback_path: str | None
    retired: bool


FILE_FIELDS = tuple(f.name for f in fields(StoredFile))
FILE_COLUMNS = ", ".join(FILE_FIELDS)


def stored_file(row: Any) -> StoredFile:
    """A `files` row selected with FILE_COLUMNS, typed."""
    record = dict(zip(FILE_FIELDS, row, strict=True))
    record["status"] = FileStatus(record["status"])
    record["archived"], record["retired"] = bool(record["archived"]), bool(record["retired"])
    return StoredFile(**record)


def insert_file(conn: Connection, record: FileRecord) -> int:
    """Record a file; its bytes are unique among the records in force, which the database
    itself enforces (`AlreadyRecorded` when another run was first)."""
    try:
        cur = conn.execute(
            "INSERT INTO files (sha256, original_name, size, received_at, ingested_at, bin,"
            " sender, container, status, error_count, warning_count, archive_path)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            astuple(record),
        )
    except sqlite3.IntegrityError as exc:
        raise AlreadyRecorded(str(exc)) from exc
    return int(cur.fetchone()[0])


def insert_problems(
    conn: Connection, file_id: int, problems: list[Problem], sheet_ids: dict[str, int]
) -> None:
    """Every problem of a file, tied to the submission of its sheet where there is one."""
    conn.executemany(
        "INSERT INTO problems (file_id, submission_id, sheet, excel_row, cell, column_key,"
        " column_label, value, code, severity, message_kk, message_ru, fields)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                file_id,
                sheet_ids.get(p.sheet),
                p.sheet,
                p.row,
                p.cell,
                p.column_key,
                p.column,
                p.value,
                p.code,
                p.severity,
                p.kk,
                p.ru,
                json.dumps(p.fields, ensure_ascii=False, default=str),
            )
            for p in problems
        ],  # fmt: skip
    )


def stored_problems(conn: Connection, file_id: int) -> list[Problem]:
    """A file's problems as they were recorded, in the order they were found."""
    rows = conn.execute("SELECT * FROM problems WHERE file_id = ? ORDER BY id", (file_id,))
    name = conn.execute("SELECT original_name FROM files WHERE id = ?", (file_id,)).fetchone()[0]
    return [
        Problem(r["code"], r["message_kk"], r["message_ru"], name, r["sheet"] or "",
                r["excel_row"], r["column_label"] or "", r["column_key"] or "", r["cell"] or "",
                r["value"] or "", r["severity"] if r["severity"] == "query" else "",
                json.loads(r["fields"] or "{}"))
        for r in rows.fetchall()
    ]  # fmt: skip


@dataclass(frozen=True)
class MailRecord:
    """One letter planned, written or sent; `message_key` makes a resend a no-op."""

    message_key: str
    kind: str
    bin: str | None
    recipient: str
    subject: str
    status: str
    attempts: int
    error: str | None
    eml_path: str | None
    updated_at: str


def log_mail(conn: Connection, record: MailRecord) -> None:
    """Record a letter; a later attempt updates the same row and adds to its attempts."""
    conn.execute(
        "INSERT INTO mail_log (message_key, kind, bin, recipient, subject, status, attempts,"
        " error, eml_path, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(message_key) DO UPDATE SET status=excluded.status,"
        " attempts=mail_log.attempts+excluded.attempts, error=excluded.error,"
        " eml_path=COALESCE(excluded.eml_path, mail_log.eml_path), updated_at=excluded.updated_at",
        astuple(record),
    )


MAIL_COLUMNS = ", ".join(f.name for f in fields(MailRecord))


def letters(conn: Connection, bin_: str | None = None) -> list[MailRecord]:
    """The letters planned, written or sent (to one organisation, or all), latest first:
    the desk's sent log and an organisation's page."""
    sql = f"SELECT {MAIL_COLUMNS} FROM mail_log"
    params: tuple = ()
    if bin_ is not None:
        sql += " WHERE bin = ?"
        params = (bin_,)
    rows = conn.execute(sql + " ORDER BY updated_at DESC, message_key", params).fetchall()
    return [MailRecord(*r) for r in rows]


def files_of(conn: Connection, bin_: str) -> list[StoredFile]:
    """An organisation's files in force, in the order they were received."""
    rows = conn.execute(
        f"SELECT {FILE_COLUMNS} FROM files WHERE bin = ? AND retired = 0 ORDER BY received_at, id",
        (bin_,),
    ).fetchall()
    return [stored_file(r) for r in rows]


def sent_message_keys(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT message_key FROM mail_log WHERE status = 'sent'")}


@dataclass(frozen=True)
class Submission:
    """One sheet of one file as the ledger holds it: which return of which organisation,
    when it came, what became of it, and the file it came in."""

    id: int
    file_id: int
    bin: str
    return_code: str
    received_at: str
    status: SheetStatus
    row_count: int
    error_count: int
    nil: bool
    original_name: str
    sha256: str


def submissions_in_order(conn: Connection) -> list[Submission]:
    """Every submission with its file's name and hash, oldest first: the history from which
    the state of each return is read."""
    rows = conn.execute(
        "SELECT s.id, s.file_id, s.bin, s.return_code, s.received_at, s.status, s.row_count,"
        " s.error_count, s.nil, f.original_name, f.sha256"
        " FROM submissions s JOIN files f ON f.id = s.file_id ORDER BY s.received_at, s.id"
    ).fetchall()
    return [
        Submission(r[0], r[1], r[2], r[3], r[4], SheetStatus(r[5]), r[6], r[7], bool(r[8]),
                   r[9], r[10])
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class FetchedRecord:
    """One message taken from the mailbox: where it was (folder, UIDVALIDITY, UID), who
    sent it when (the server's INTERNALDATE; the sender's own Date kept beside it), the
    file it was saved as, and its state: saved (in the inbox), marked (flagged or moved
    in the mailbox after it was ingested), no_files (a reply to list), duplicate (the same
    Message-ID met in another folder) or too_large."""

    folder: str
    uidvalidity: int
    uid: int
    message_id: str
    internaldate: str
    date_header: str | None
    sender: str
    subject: str
    saved_name: str | None
    sha256: str | None
    state: str
    fetched_at: str


FETCHED_COLUMNS = ", ".join(f.name for f in fields(FetchedRecord))


def record_fetched(conn: Connection, record: FetchedRecord) -> None:
    """Recorded once: a message met again (a rerun after a crash) keeps its first record."""
    conn.execute(
        f"INSERT INTO fetched ({FETCHED_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (folder, uidvalidity, uid) DO NOTHING",
        astuple(record),
    )


def fetched_uids(conn: Connection, folder: str, uidvalidity: int) -> set[int]:
    rows = conn.execute(
        "SELECT uid FROM fetched WHERE folder = ? AND uidvalidity = ?", (folder, uidvalidity)
    ).fetchall()
    return {int(r[0]) for r in rows}


def fetched_message_ids(conn: Connection) -> set[str]:
    rows = conn.execute("SELECT message_id FROM fetched WHERE message_id <> ''").fetchall()
    return {r[0] for r in rows}


def fetched_in_inbox(conn: Connection) -> dict[str, tuple[str, str]]:
    """Saved name → (SHA-256, INTERNALDATE) of the messages saved into the inbox: the
    received time ingest gives them is the server's, not the sender's Date."""
    rows = conn.execute(
        "SELECT saved_name, sha256, internaldate FROM fetched WHERE saved_name IS NOT NULL"
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def fetched_to_mark(conn: Connection, folder: str) -> list[tuple[int, int, int, str]]:
    """(id, UIDVALIDITY, UID, saved name) of the messages of `folder` saved into the inbox
    and not yet flagged or moved in the mailbox (the caller knows which were ingested:
    their .eml has left the inbox for the archive)."""
    rows = conn.execute(
        "SELECT id, uidvalidity, uid, saved_name FROM fetched WHERE folder = ?"
        " AND state = 'saved' ORDER BY id",
        (folder,),
    ).fetchall()
    return [(int(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]


def mark_fetched(conn: Connection, fetched_id: int) -> None:
    conn.execute("UPDATE fetched SET state = 'marked' WHERE id = ?", (fetched_id,))
