"""Old Excel (.xls) and LibreOffice (.ods) returns, and LibreOffice opening what we write.

The committed fixtures were saved by LibreOffice from a filled template of the test
district's school №1 (BIN from `make_bin(1)`); the live tests convert fresh files when
LibreOffice is installed (CI installs it) and are skipped, saying so, when it is not.
"""

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pytest

from pipeline.intake.feedback import ERRORS_SHEET
from pipeline.intake.ingest import ingest
from pipeline.specs.campaign import Period
from tests.helpers import fill, good_11, good_14, template_for

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice

FIXTURES = Path(__file__).parent / "fixtures"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def convert(source: Path, fmt: str, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{outdir}/.lo",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / f"{source.stem}.{fmt.split(':')[0]}"


@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_libreoffice_saved_returns_are_read(workspace, orgs, suffix):
    shutil.copy(
        FIXTURES / f"school1-libreoffice.{suffix}", workspace.paths.inbox / f"return.{suffix}"
    )
    [outcome] = ingest(workspace)
    assert outcome.returns["1.1"] == "accepted", outcome.problems
    errors = {(p.sheet, p.code) for p in outcome.problems if p.severity == "error"}
    assert errors <= {("1.8", "empty_sheet"), ("2.1-2.5", "empty_sheet")}  # left unfilled
    assert outcome.bin == orgs[0].bin
    conn = sqlite3.connect(workspace.paths.ledger)
    rows = [
        json.loads(r[0])
        for r in conn.execute(
            "SELECT data FROM rows JOIN submissions s ON s.id = submission_id WHERE return_code = '1.1' ORDER BY excel_row"
        )
    ]
    assert [r["has_record"] for r in rows] == ["no", "yes"]
    assert rows[1]["iin"].startswith("05")  # an IIN of someone born in 2005 keeps its leading zero
    assert rows[0]["checked_on"] == "2023-03-01"


def test_feedback_for_an_ods_is_an_xlsx_with_the_same_values(workspace, orgs, tmp_path):
    source = FIXTURES / "school1-libreoffice.ods"
    # the department narrows the period after the school filled it: checked_on 01.03.2023 falls outside
    workspace.campaign.returns["1.1"].periods["general_secondary"] = Period(
        dt.date(2023, 6, 1), dt.date(2023, 10, 31)
    )
    shutil.copy(source, workspace.paths.inbox / "return.ods")
    [outcome] = ingest(workspace)
    assert outcome.status == "partial"
    book = openpyxl.load_workbook(outcome.feedback)
    assert book.sheetnames[0] == ERRORS_SHEET
    assert book["1.1"]["E10"].comment is not None


@needs_office
def test_libreoffice_opens_what_adal_writes(workspace, orgs, tmp_path):
    """Template, feedback, consolidated workbook, reference and action plan all open."""
    import datetime as dt

    from pipeline.documents.report import build_report
    from pipeline.workbooks import frames
    from pipeline.workbooks.consolidate import write_consolidated
    from pipeline.workbooks.indicators import load_indicators

    template = template_for(workspace, orgs[1])
    fill(
        workspace,
        orgs[0],
        {
            "1.4": [{**good_14(), "late": 5, "on_time": 4, "refused": 1}],
            "1.1": [{**good_11(), "position": None}],
        },
        "a.xlsx",
    )
    [outcome] = ingest(workspace)
    build_report(workspace, dt.date(2023, 12, 8))
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    consolidated, _ = write_consolidated(workspace, frames.load(workspace), indicators)
    report = workspace.paths.outbox / "report"
    files = [
        template,
        Path(outcome.feedback),
        consolidated,
        report / "3.1-reference-ru.docx",
        report / "4.1-action-plan-kk.docx",
        report / "4.1-action-plan.xlsx",
        report / "6.1-register.xlsx",
    ]
    out = tmp_path / "pdf"
    out.mkdir()
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{out}/.lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for path in files:
        pdf = out / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, path.name


@needs_office
@pytest.mark.parametrize("fmt", ["xls:MS Excel 97", "ods", "xlsx:Calc MS Excel 2007 XML"])
def test_fresh_libreoffice_conversion_round_trips(workspace, orgs, tmp_path, fmt):
    source = fill(
        workspace,
        orgs[2],
        {"1.4": [{**good_14(), "service": "Иная услуга"}], "1.1": [good_11()]},
        "src.xlsx",
    )
    converted = convert(source, fmt, tmp_path / "lo")
    source.unlink()
    shutil.move(converted, workspace.paths.inbox / converted.name)
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.returns["1.4"] == "accepted"


@needs_office
@pytest.mark.parametrize("fmt", ["xls:MS Excel 97", "ods"])
def test_a_far_value_saved_by_libreoffice_is_refused_before_reading(tmp_path, fmt):
    """A 6 KB .xls with one value at IV65536 made calamine build 16 million cells (1.2 GB);
    an .ods repeats cells the same way. The records and repeats are counted first."""
    import xlsxwriter

    from pipeline.core.errors import WorkbookError
    from pipeline.files.safety import Limits, precheck

    source = tmp_path / "far.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("1.4")
    sheet.write(0, 0, "x")
    sheet.write(65535, 255, "far")
    book.close()
    converted = convert(source, fmt, tmp_path / "lo")
    assert converted.stat().st_size < 20_000
    with pytest.raises(WorkbookError) as caught:
        precheck(converted, Limits())
    assert caught.value.code == "too_many_cells"
    assert "65536" in caught.value.ru


@needs_office
@pytest.mark.parametrize(
    ("fmt", "saved_as"),
    [("ods", "organisations.ods"), ("xls:MS Excel 97", "organisations.xls"),
     ("xls:MS Excel 97", "organisations.xlsx")],
)  # fmt: skip
def test_the_registry_saved_by_libreoffice_or_old_excel_is_read(
    workspace, orgs, tmp_path, fmt, saved_as
):
    """Saved as .ods it was «no registry»; an .xls renamed .xlsx was «password protected»."""
    from pipeline.specs.workspace import open_workspace

    registry = workspace.paths.registry_file
    converted = convert(registry, fmt, tmp_path / "lo")
    registry.unlink()
    shutil.copy(converted, workspace.paths.campaign_dir / saved_as)
    again = open_workspace(workspace.paths)
    assert [o.bin for o in again.organisations] == [o.bin for o in orgs]
    assert [o.email for o in again.organisations] == [o.email for o in orgs]


def test_two_registries_side_by_side_are_a_question_for_the_officer(workspace):
    from pipeline.core.errors import ConfigError
    from pipeline.specs.workspace import open_workspace

    shutil.copy(workspace.paths.registry_file, workspace.paths.campaign_dir / "organisations.ods")
    with pytest.raises(ConfigError) as refused:
        open_workspace(workspace.paths)
    assert "organisations.xlsx, organisations.ods" in refused.value.ru
