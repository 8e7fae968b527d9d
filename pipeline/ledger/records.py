"""The ledger's rows as the other stages use them: what a received file, its problems, a
sent letter and a submission are, written and read here so that no SQL lives elsewhere."""

from __future__ import annotations

import sqlite3
from dataclasses import astuple, dataclass

from pipeline.specs.problems import Problem


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


def insert_file(conn: sqlite3.Connection, record: FileRecord) -> int:
    cur = conn.execute(
        "INSERT INTO files (sha256, original_name, size, received_at, ingested_at, bin, sender,"
        " container, status, error_count, warning_count, archive_path)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        astuple(record),
    )
    return int(cur.lastrowid)


def insert_problems(
    conn: sqlite3.Connection, file_id: int, problems: list[Problem], sheet_ids: dict[str, int]
) -> None:
    """Every problem of a file, tied to the submission of its sheet where there is one."""
    conn.executemany(
        "INSERT INTO problems (file_id, submission_id, sheet, excel_row, cell, column_key,"
        " column_label, value, code, severity, message_kk, message_ru)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
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
            )
            for p in problems
        ],  # fmt: skip
    )


def stored_problems(conn: sqlite3.Connection, file_id: int) -> list[Problem]:
    """A file's problems as they were recorded, in the order they were found."""
    rows = conn.execute("SELECT * FROM problems WHERE file_id = ? ORDER BY id", (file_id,))
    name = conn.execute("SELECT original_name FROM files WHERE id = ?", (file_id,)).fetchone()[0]
    return [
        Problem(r["code"], r["message_kk"], r["message_ru"], name, r["sheet"] or "",
                r["excel_row"], r["column_label"] or "", r["column_key"] or "", r["cell"] or "",
                r["value"] or "")
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


def log_mail(conn: sqlite3.Connection, record: MailRecord) -> None:
    """Record a letter; a later attempt updates the same row and adds to its attempts."""
    conn.execute(
        "INSERT INTO mail_log (message_key, kind, bin, recipient, subject, status, attempts,"
        " error, eml_path, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(message_key) DO UPDATE SET status=excluded.status,"
        " attempts=mail_log.attempts+excluded.attempts, error=excluded.error,"
        " eml_path=COALESCE(excluded.eml_path, mail_log.eml_path), updated_at=excluded.updated_at",
        astuple(record),
    )


def sent_message_keys(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT message_key FROM mail_log WHERE status = 'sent'")}


def submissions_in_order(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every submission with its file's name and hash, oldest first: the history from which
    the state of each return is read."""
    return conn.execute(
        "SELECT s.*, f.original_name, f.sha256 FROM submissions s JOIN files f ON f.id = s.file_id"
        " ORDER BY s.received_at, s.id"
    ).fetchall()
