"""A tiny smoke run of the benchmark, and batch validation giving each file its own errors."""

import datetime as dt
import shutil
import sqlite3

import pytest

from pipeline.bench import run_bench
from pipeline.ingest import ingest
from pipeline.parallel import parallel_reader
from tests.conftest import fill, good_11, good_14, make_iin


def test_bench_smoke_run_writes_the_table(tmp_path):
    table = run_bench(tmp_path / "bench", orgs=5, jobs=2, baseline_sample=2, echo=lambda *a: None)
    assert (
        "| baseline/adal |" in table
        and "| adal/floor |" in table
        and "| consolidate/floor |" in table
    )
    assert "adal re-ingest, unchanged inbox" in table and "{'duplicate': 5}" in table
    assert list((tmp_path / "bench").glob("bench-5-*.md"))


@pytest.mark.parametrize("workers", [0, 2])
def test_a_file_in_a_batch_gets_the_errors_it_gets_alone(ws, orgs, workers):
    """In process, and in worker processes with a chunk per file (each chunk validated on
    its own, the ledger written while the next is read): the same errors, the same rows."""
    bad = {
        **good_11(make_iin(3)),
        "checked_on": dt.datetime(2021, 1, 1),
        "has_record": "может быть",
    }
    files = {
        "a.xlsx": (
            orgs[0],
            {"1.1": [good_11(), bad], "1.4": [good_14(), {**good_14(), "late": 40}]},
        ),
        "b.xlsx": (
            orgs[1],
            {"1.1": [bad, {**good_11(), "position": None}], "1.4": [good_14(), good_14()]},
        ),
        "c.xlsx": (orgs[2], {"1.4": [{**good_14(), "service": "Иная услуга"}]}),
    }

    def problems(outcome):
        return sorted((p.sheet, p.cell, p.code, p.ru) for p in outcome.problems)

    def stored():
        conn = sqlite3.connect(ws.paths.ledger)
        rows = conn.execute(
            "SELECT f.original_name, s.return_code, s.status, r.excel_row, r.data FROM rows r"
            " JOIN submissions s ON s.id = r.submission_id JOIN files f ON f.id = s.file_id"
            " ORDER BY 1, 2, 4"
        ).fetchall()
        conn.close()
        return rows

    alone = {}
    for name, (org, rows) in files.items():
        fill(ws, org, rows, name)
        [outcome] = ingest(ws)
        alone[name] = problems(outcome)
    alone_rows = stored()
    shutil.rmtree(ws.paths.archive)
    ws.paths.ledger.unlink()
    for name, (org, rows) in files.items():
        fill(ws, org, rows, name)
    reader = parallel_reader(ws, workers, min_batch=1, chunk=1) if workers else None
    together = {o.name: problems(o) for o in ingest(ws, reader=reader, jobs=max(workers, 1))}
    assert together == alone
    assert stored() == alone_rows and [r[0] for r in alone_rows] == ["c.xlsx"]
    assert alone["a.xlsx"] and alone["b.xlsx"] and alone["c.xlsx"] == []
