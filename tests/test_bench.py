"""A tiny smoke run of the benchmark, and batch validation giving each file its own errors."""

import datetime as dt
import shutil

from pipeline.bench import run_bench
from pipeline.ingest import ingest
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


def test_a_file_in_a_batch_gets_the_errors_it_gets_alone(ws, orgs):
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

    alone = {}
    for name, (org, rows) in files.items():
        fill(ws, org, rows, name)
        [outcome] = ingest(ws)
        alone[name] = problems(outcome)
    shutil.rmtree(ws.paths.archive)
    ws.paths.ledger.unlink()
    for name, (org, rows) in files.items():
        fill(ws, org, rows, name)
    together = {o.name: problems(o) for o in ingest(ws)}
    assert together == alone
    assert alone["a.xlsx"] and alone["b.xlsx"] and alone["c.xlsx"] == []
