"""A CLI that answers at once (#30): which modules `adal --help` and `adal status` import,
checked without a stopwatch. Heavy libraries load only in the commands that need them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

HEAVY = ("pandas", "numpy", "openpyxl", "pyarrow", "duckdb", "psycopg", "pandera",
         "xlsxwriter", "docx", "starlette", "uvicorn", "jinja2")  # fmt: skip
"""Each of these takes from 40 ms to half a second to import."""

PROBE = """
import json, sys
from pipeline.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_no_heavy_library_nor_the_ledger():
    loaded = _imported("--help")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not loaded & {"loguru", "holidays", "email_validator"}


def test_status_imports_no_heavy_library(workspace):
    root = str(workspace.paths.root)
    assert CliRunner().invoke(main, ["--root", root, "status"]).exit_code == 0
    loaded = _imported("--root", root, "status")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.slow  # a demo ingested, reported and its 5.1 reports ingested
def test_status_with_a_signed_plan_imports_no_heavy_library(tmp_path: Path):
    """With a plan, status judges the 5.1 measures from the ledger's records, not frames."""
    root = tmp_path / "demo"
    runner = CliRunner()
    assert runner.invoke(main, ["--root", str(root), "demo", "--inbox-only"]).exit_code == 0
    for step in (["ingest"], ["report", "--signed", "2023-12-08"], ["demo-monitoring"],
                 ["ingest"]):  # fmt: skip
        result = runner.invoke(main, ["--root", str(root), *step])
        assert result.exit_code == 0, result.output
    loaded = _imported("--root", str(root), "status", "--today", "2024-03-01")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
