"""Which return each sheet holds: by the hidden identity sheet, else by its headers."""

import openpyxl

from pipeline.files.reader import IDENTITY_SHEET, read_workbook
from pipeline.intake.identify import KnownSheet, identify_sheets, read_identity
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
