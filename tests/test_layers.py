"""The stages of `pipeline/` import only downwards, and nothing imports in a circle."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", "pyproject.toml",
         "--no-cache"],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_layer_contract_holds():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_the_layer_contract_fails_on_an_import_that_points_up(tmp_path):
    """The contract is not a decoration: the core importing the CLI breaks `make lint`."""
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    ids = tmp_path / "pipeline" / "core" / "ids.py"
    ids.write_text(ids.read_text(encoding="utf-8") + "\nfrom pipeline.cli import main  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "pipeline.core.ids -> pipeline.cli" in result.stdout, result.stdout[-3000:]


def test_no_module_imports_itself_in_a_circle():
    """Cycles hidden behind TYPE_CHECKING counted too: `feedback ⇢ ingest` was one."""
    graph = grimp.build_graph("pipeline", exclude_type_checking_imports=False)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(importer=imported, imported=module):
                cycles.append((module, imported))
    assert not cycles, cycles[:10]


def test_no_sql_outside_the_ledger():
    """Queries lived in ingest, mail and status; the ledger is the one seam where a second
    database will plug in, so every statement is written there."""
    import re

    sql = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b")
    outside = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "pipeline").rglob("*.py")
        if "ledger" not in path.relative_to(ROOT / "pipeline").parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if sql.search(line) or ".execute(" in line or ".executemany(" in line
    ]
    assert not outside, outside


@pytest.mark.slow
def test_the_package_contracts_fail_on_a_driver_or_pandas_out_of_place(tmp_path):
    """Third-party packages have their stage too: sqlite3 in the CLI (it caught the driver's
    errors itself) or pandas in the core break `make lint`."""
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, line in (
        (tmp_path / "pipeline" / "core" / "ids.py", "import pandas  # noqa"),
        (tmp_path / "pipeline" / "cli" / "support.py", "import sqlite3  # noqa"),
        (tmp_path / "pipeline" / "specs" / "campaign.py", "import xlsxwriter  # noqa"),
    ):
        module.write_text(module.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    for said in (
        "pipeline.core is not allowed to import pandas",
        "pipeline.cli is not allowed to import sqlite3",
        "pipeline.specs is not allowed to import xlsxwriter",
    ):
        assert said in result.stdout, result.stdout[-3000:]
