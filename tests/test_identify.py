"""Which return each sheet holds: by the hidden identity sheet, else by its headers."""

import openpyxl
import xlsxwriter

from pipeline.files.identity_sheet import (
    IDENTITY_SHEET,
    Identity,
    KnownSheet,
    read_identity,
    write_identity,
)
from pipeline.files.reader import read_workbook
from pipeline.intake.identify import identify_sheets
from tests.helpers import template_for


def test_identity_sheet_is_read_and_an_edited_number_is_ignored():
    rows = [
        ["adal"],
        ["campaign", "analysis-2023"],
        ["bin", "991240000019"],
        ["sheet", "1.1", "1.1", "2", "9"],
        ["sheet", "1.4", "1.4", "two", "-3"],  # someone typed over the numbers
        [],
    ]
    identity = read_identity(rows)
    assert identity.campaign == "analysis-2023" and identity.bin == "991240000019"
    assert identity.sheets["1.1"] == KnownSheet("1.1", 2, 9)
    assert identity.sheets["1.4"] == KnownSheet("1.4", 0, None)


def test_the_identity_sheet_written_is_the_identity_read(tmp_path):
    """One module writes and reads the hidden sheet: what a template says comes back."""
    said = Identity(
        campaign="kokterek-2023",
        bin="050440000123",  # a leading zero stays
        org_type="kindergarten",
        generated_at="2023-11-01T09:00:00",
        sheets={"1.1": KnownSheet("1.1", 2, 9), "2.1-2.5": KnownSheet("2", 1, 9)},
    )
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("1.1")
    write_identity(book, said)
    book.close()
    read = read_workbook(path)
    assert read_identity(read.identity) == said
    assert openpyxl.load_workbook(path)[IDENTITY_SHEET].sheet_state == "veryHidden"


def test_a_workbook_that_is_not_ours_has_no_identity():
    assert read_identity(None) is None
    assert read_identity([["something else"]]) is None


def test_every_sheet_of_a_template_is_found_and_so_is_a_renamed_one(workspace, orgs, tmp_path):
    path = template_for(workspace, orgs[0])
    _, matches, problems = identify_sheets(read_workbook(path), workspace.specs)
    applicable = {c for c, s in workspace.collected.items() if orgs[0].type in s.applies_to}
    assert {m.spec.code for m in matches} >= applicable and not problems
    # a school renames a sheet and deletes the hidden one: its headers still name it
    book = openpyxl.load_workbook(path)
    book[workspace.specs["1.4"].sheet].title = "Қызметтер"
    del book[IDENTITY_SHEET]
    copy = tmp_path / "renamed.xlsx"
    book.save(copy)
    identity, matches, _ = identify_sheets(read_workbook(copy), workspace.specs)
    assert identity is None
    assert next(m.spec.code for m in matches if m.sheet.name == "Қызметтер") == "1.4"
