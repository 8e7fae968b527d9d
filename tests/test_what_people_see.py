"""What people see when they print or read the workbooks (#25): the demo district's whole
job, every workbook opened as Excel and LibreOffice lay it out.

- A4 on every sheet of every workbook; no printed page below 8 pt: a sheet fitted to one
  page wide must not shrink below 73 % of 11 pt, computed from its page set-up and the
  widths of the columns that print; a wider table prints at a fixed scale across pages.
- Both languages on every row that shows a declared name or label (an organisation, a
  type, an indicator, a state), in chart titles and in footers.
- Dropdowns Excel can use: no literal list whose items hold a comma or pass 255 characters.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from pipeline.specs.workspace import Paths, open_workspace
from pipeline.workbooks.indicators import load_indicators
from tests.helpers import run_demo

pytestmark = pytest.mark.slow  # the whole demo job

A4 = 9
SMALLEST = 0.73  # of 11 pt: 8 pt
KAZAKH = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    return run_demo(tmp_path_factory)


def _workbooks(root: Path) -> list[Path]:
    found = [
        p
        for folder in (root / "outbox", root / "campaign")  # the archive keeps what schools sent
        for p in folder.rglob("*.xlsx")
        if not p.name.startswith((".", "~$"))
    ]
    kinds = {"templates", "feedback", "report", "5.1-monitoring", "outbox", "campaign"}
    seen = {p.parent.name if p.parent.parent.name != "feedback" else "feedback" for p in found}
    assert kinds <= seen, seen
    return found


def _px(width: float | None) -> int:
    return int((width or 8.43) * 7 + 5)


def _printed_columns(sheet) -> int:
    """How many columns print: the print area's last one, else every column."""
    area = sheet.print_area
    if not area:
        return sheet.max_column
    last = area.split(":")[-1].split("!")[-1].replace("$", "")
    return column_index_from_string(last.rstrip("0123456789"))


def _widths(sheet) -> dict[int, float | None]:
    """Each column's width, hidden ones left out. openpyxl keys a run of columns of one
    width (`<col min max>`) by its first letter only: the run is spread back here."""
    widths: dict[int, float | None] = {}
    for dim in sheet.column_dimensions.values():
        for c in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            widths[c] = None if dim.hidden else dim.width
    return widths


def printed_scale(sheet) -> float:
    """The scale a sheet prints at, as Excel computes it from its page set-up: fitted to
    a number of pages wide, the printable width over the width of the printed columns."""
    setup = sheet.page_setup
    fitted = sheet.sheet_properties.pageSetUpPr is not None and bool(
        sheet.sheet_properties.pageSetUpPr.fitToPage
    )
    wide = 1 if setup.fitToWidth is None else int(setup.fitToWidth)
    if not fitted or wide == 0:
        return (setup.scale or 100) / 100
    margins = (sheet.page_margins.left or 0.7) + (sheet.page_margins.right or 0.7)
    paper = 297 if setup.orientation == "landscape" else 210
    printable_mm = paper - 25.4 * margins
    widths = _widths(sheet)
    columns = 0
    for c in range(1, _printed_columns(sheet) + 1):
        if c in widths and widths[c] is None:
            continue  # hidden
        columns += _px(widths.get(c) or 8.43)
    return min(1.0, printable_mm * wide / (columns * 25.4 / 96))


def _visible_sheets(root: Path):
    """(workbook path, sheet) for every sheet a person sees, in every workbook of the job."""
    for path in _workbooks(root):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            if sheet.sheet_state == "visible":
                yield path, sheet
        book.close()


def test_every_sheet_prints_on_a4_at_a_readable_size(district):
    bad = []
    for path, sheet in _visible_sheets(district):
        scale = printed_scale(sheet)
        if str(sheet.page_setup.paperSize) != str(A4) or scale < SMALLEST:
            bad.append(f"{path.name} · {sheet.title}: {sheet.page_setup.paperSize}, {scale:.0%}")
        footer = sheet.oddFooter.left.text or ""
        one_language = footer and not (KAZAKH.search(footer) and re.search("[а-яё]", footer))
        if one_language or "_x000" in footer:  # a line break Excel shows as «_x000a_»
            bad.append(f"{path.name} · {sheet.title}: footer «{footer}»")
    assert bad == []


def _pairs(root: Path) -> list[tuple[str, str]]:
    """Every declared name with its two languages: organisations, types, indicators (a
    state's few words also stand in bilingual prose, where their pair is worded otherwise)."""
    workspace = open_workspace(Paths(root))
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    texts = [
        *(o.name for o in workspace.organisations),
        *workspace.campaign.org_types.values(),
        *(i.title for i in indicators),
    ]
    return [(t.kk, t.ru) for t in texts if t.kk != t.ru and len(t.ru) >= 6]


def _names(name: str, line: str) -> bool:
    """The whole name, not a part of a longer one («школа №1» in «школа №10»)."""
    return re.search(re.escape(name) + r"(?!\w)", line) is not None


def test_every_row_that_names_something_names_it_in_both_languages(district):
    """Seen: the type column, the indicator table beside the charts and the footers were
    Russian only; the 6.1 register listed its organisations in Russian only. Every workbook
    of the job, including the sheets of what schools typed (their names are the registry's)."""
    pairs = _pairs(district)
    one_language = []
    for path, sheet in _visible_sheets(district):
        for row in sheet.iter_rows():
            line = " ".join(str(c.value) for c in row if isinstance(c.value, str))
            for kk, ru in pairs:
                if _names(ru, line) and not _names(kk, line):
                    one_language.append(f"{path.name} · {sheet.title}!{row[0].row}: {ru}")
    assert one_language == []
    consolidated = next((district / "outbox").glob("consolidated-*.xlsx"))
    with zipfile.ZipFile(consolidated) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert charts
        for name in charts:
            xml = archive.read(name).decode("utf-8")
            title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0]))
            assert KAZAKH.search(title) and " / " in title, (name, title)


def test_no_dropdown_is_a_literal_list_excel_would_cut(district):
    """The nil mark «Иә, деректер жоқ / Да, данных нет» was a literal list: Excel split it
    at the comma and offered three pieces, none of them the mark."""
    literal = []
    for path in _workbooks(district):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for rule in sheet.data_validations.dataValidation:
                source = rule.formula1 or ""
                if rule.type == "list" and source.startswith('"'):
                    literal.append(f"{path.name} · {sheet.title} · {rule.sqref}: {source[:60]}")
                for said in (rule.prompt, rule.error, rule.promptTitle, rule.errorTitle):
                    if said and said.rstrip().endswith("…"):  # a sentence cut off
                        literal.append(f"{path.name} · {sheet.title} · {rule.sqref}: «{said}»")
        book.close()
    assert literal == []


def _charts_sheet_xml(archive: zipfile.ZipFile) -> tuple[str, str]:
    """The charts sheet's XML and its drawing's XML (the sheet that holds drawings)."""
    for name in sorted(archive.namelist()):
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
            xml = archive.read(name).decode("utf-8")
            if "<drawing " in xml:
                rels = archive.read(name.replace("sheets/", "sheets/_rels/") + ".rels").decode()
                drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', rels).group(1)
                return xml, archive.read(f"xl/drawings/{drawing}").decode("utf-8")
    raise AssertionError("no sheet with charts")


def test_one_chart_per_question_each_on_whole_pages(district):
    """Seen: one chart of fifteen cramped indicator labels and charts cut across two
    printed pages. Three charts — completeness per type, risk levels per area, the highest
    scores — none of them crossing a page break, every area named on its axis."""
    consolidated = next((district / "outbox").glob("consolidated-*.xlsx"))
    with zipfile.ZipFile(consolidated) as archive:
        sheet, drawing = _charts_sheet_xml(archive)
        titles = []
        for name in sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart")):
            xml = archive.read(name).decode("utf-8")
            titles.append("".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0])))
            if "Уровни риска по направлениям" in titles[-1]:
                assert '<c:tickLblSkip val="1"/>' in xml  # no area's name skipped
    assert any("Полнота по типам" in t for t in titles)
    assert any("Уровни риска по направлениям" in t for t in titles)
    assert any("наибольшим баллом" in t for t in titles)
    assert len(titles) == 3, titles
    breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet)]
    assert breaks
    spans = [
        (int(a), int(b))
        for a, b in re.findall(
            r"<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>"
            r".*?<xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>",
            drawing,
            re.S,
        )
    ]
    assert len(spans) == 3
    assert not [s for s in spans for b in breaks if s[0] < b <= s[1]], (spans, breaks)
    book = openpyxl.load_workbook(consolidated)
    charts = next(s for s in book.worksheets if s.title.startswith("Диаграммалар"))
    names = " ".join(str(c.value) for row in charts.iter_rows() for c in row if c.value)
    for area in ("2.1", "2.2", "2.3", "2.4", "2.5"):
        assert f"{area} " in names
    book.close()
