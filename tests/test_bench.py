"""A tiny smoke run of the benchmark: `make bench` writes its table (the numbers are its own)."""

import pytest

from pipeline.devtools.bench import run_bench

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice


def test_bench_smoke_run_writes_the_table(tmp_path):
    table = run_bench(tmp_path / "bench", orgs=5, jobs=2, baseline_sample=2, echo=lambda *a: None)
    assert (
        "| baseline/adal |" in table
        and "| adal/floor |" in table
        and "| consolidate/floor |" in table
    )
    assert "adal re-ingest, unchanged inbox" in table and "{'duplicate': 5}" in table
    assert "| adal rollup: 1 departments × 5 organisations |" in table
    assert "| adal ingest, PostgreSQL ledger |" in table
    assert list((tmp_path / "bench").glob("bench-5-*.md"))
