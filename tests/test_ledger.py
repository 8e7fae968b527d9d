"""The ledger's schema: migrations keep what older versions stored, rows read back as stored."""

import datetime as dt
import json
import sqlite3

import pytest

from pipeline import ledger


def _version_2_ledger(path):
    """A ledger as Adal wrote it before rows were stored per sheet."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(ledger.MIGRATIONS[:2], start=1):
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO files (id, sha256, original_name, size, received_at, ingested_at, bin, status,"
        " error_count, archive_path) VALUES (1, 'x', 'a.xlsx', 1, 'r', 'i', '991240000013', 'accepted', 0, 'p')"
    )
    conn.execute(
        "INSERT INTO submissions (id, file_id, bin, return_code, spec_version, sheet, received_at, status,"
        " row_count, error_count) VALUES (7, 1, '991240000013', '1.4', 1, '1.4', 'r', 'accepted', 2, 0)"
    )
    old = [
        (11, {"service": "a", "month": "2023-02-15", "applications": 10, "responsible": None}),
        (10, {"service": "b", "month": "2023-03-15", "applications": 2.5, "responsible": "Ə"}),
    ]
    for number, data in old:
        conn.execute(
            "INSERT INTO rows VALUES (7, ?, ?)", (number, json.dumps(data, ensure_ascii=False))
        )
    conn.close()
    return sorted(old)


def test_version_2_ledger_keeps_its_rows_after_migration(tmp_path):
    path = tmp_path / "adal.sqlite"
    old = _version_2_ledger(path)
    conn = ledger.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(ledger.MIGRATIONS)
    assert [tuple(r) for r in conn.execute("SELECT id, retired FROM files")] == [(1, 0)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    viewed = conn.execute(
        "SELECT excel_row, data FROM rows WHERE submission_id = 7 ORDER BY excel_row"
    ).fetchall()
    assert [(r[0], json.loads(r[1])) for r in viewed] == old
    [sheet] = ledger.accepted_sheets(conn, "1.4")
    assert ledger.decode_rows(sheet.excel_rows, sheet.columns) == [
        {"_row": n, **data} for n, data in old
    ]


@pytest.mark.both_ledgers
def test_stored_rows_read_back_with_their_types(ledger_target):
    conn = ledger.connect(ledger_target)
    columns = {
        "month": [dt.date(2023, 2, 15), None],
        "applications": [10, 0],
        "share": [0.5, None],
        "responsible": ["=1+1", "Әлия"],
    }
    stored = ledger.encode_rows([10, 12], columns)
    assert ledger.decode_rows(*stored) == [
        {
            "_row": 10,
            "month": "2023-02-15",
            "applications": 10,
            "share": 0.5,
            "responsible": "=1+1",
        },
        {"_row": 12, "month": None, "applications": 0, "share": None, "responsible": "Әлия"},
    ]
    conn.execute(
        "INSERT INTO files VALUES (1,'x','a',1,'r','i',NULL,NULL,NULL,'accepted',0,0,'p',0,NULL,0)"
    )
    sub = {
        "bin": "991240000013",
        "return_code": "1.4",
        "spec_version": 1,
        "sheet": "1.4",
        "received_at": "r",
        "status": "accepted",
        "error_count": 0,
        "row_count": 2,
    }
    submission = ledger.insert_submission(conn, 1, sub, stored)
    viewed = conn.execute(
        "SELECT excel_row, data FROM rows WHERE submission_id = ?", (submission,)
    ).fetchall()
    assert [json.loads(r[1])["responsible"] for r in viewed] == ["=1+1", "Әлия"]
    assert [r[0] for r in viewed] == [10, 12]


def _file(conn) -> int:
    record = ledger.FileRecord(
        "abc", "school.xlsx", 1, "2023-11-10T10:00:00", "2023-11-10T10:00:00", None, None,
        None, "rejected", 1, 0, "archive/school.xlsx",
    )  # fmt: skip
    return ledger.insert_file(conn, record)


def test_a_problem_keeps_its_code_and_fields_as_data(tmp_path):
    """A problem was kept as two sentences; its code and what filled them are data too,
    through the ledger and out again (`--json`, the desk)."""
    from pipeline.specs.problems import cell_problem
    from pipeline.specs.returns import Column

    column = Column(
        key="staff", type="integer", label=ledger.Text("Қызметкерлер", "Работники"), min=0
    )
    problem = cell_problem("below_min", column, -3)
    assert problem.fields == {"value": "-3", "min": 0}
    conn = ledger.connect(tmp_path / "adal.sqlite")
    file_id = _file(conn)
    ledger.insert_problems(conn, file_id, [problem], {})
    [stored] = ledger.stored_problems(conn, file_id)
    assert (stored.code, stored.fields, stored.kk, stored.ru) == (
        problem.code, problem.fields, problem.kk, problem.ru,
    )  # fmt: skip
    assert stored.as_dict()["fields"] == {"value": "-3", "min": 0}


def test_a_version_4_ledger_keeps_its_problems_and_gains_their_fields(tmp_path):
    """Migration 5 adds the problems' fields; what was recorded before stays, with none."""
    path = tmp_path / "adal.sqlite"
    conn = ledger.connect(path)
    file_id = _file(conn)
    conn.execute(
        "INSERT INTO problems (file_id, sheet, code, severity, message_kk, message_ru)"
        " VALUES (?, '1.1', 'required', 'error', 'Толтырыңыз', 'Заполните')",
        (file_id,),
    )
    conn.execute("ALTER TABLE problems DROP COLUMN fields")
    conn.execute("DROP TABLE fetched")  # migration 6's, made after
    conn.execute("PRAGMA user_version = 4")
    conn.close()
    again = ledger.connect(path)
    assert again.execute("PRAGMA user_version").fetchone()[0] == len(ledger.MIGRATIONS) == 6
    [old] = ledger.stored_problems(again, file_id)
    assert (old.code, old.kk, old.ru, old.fields) == ("required", "Толтырыңыз", "Заполните", {})
