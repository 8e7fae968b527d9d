"""A tiny smoke run of the benchmark: `make bench` writes its table (the numbers are its own)."""

import pytest

from pipeline.devtools.bench import run_bench

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice


def test_bench_smoke_run_writes_the_table(tmp_path):
    """20 organisations dealt into two districts for the roll-up: each district's export
    must be one the roll-up accepts (a manifest with the whole export's row counts was not,
    and nothing ran the bench to notice)."""
    table = run_bench(tmp_path / "bench", orgs=20, jobs=2, baseline_sample=2, echo=lambda *a: None)
    for ratio in ("baseline/adal", "ingest/floor", "consolidate/floor", "re-ingest, s",
                  "adal --help, s (median of 5)", "adal status on the demo district, s (median of 5)",
                  "adal status on this campaign, s (median of 5)"):  # fmt: skip
        assert f"| {ratio} |" in table
    assert table.rstrip().splitlines()[-1].startswith("| adal status")  # the table ends it
    assert "adal re-ingest, unchanged inbox" in table and "{'duplicate': 20}" in table
    assert "| adal rollup: 2 departments × 10 organisations |" in table
    assert "| adal ingest, PostgreSQL ledger |" in table
    assert list((tmp_path / "bench").glob("bench-20-*.md"))
    assert (tmp_path / "bench" / "demo-district" / "adal.sqlite").exists()  # status timed on it
