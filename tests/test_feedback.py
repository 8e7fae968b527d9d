"""The correction workbook: the school's own file, the cells to fix marked, the list in front."""

import openpyxl

from pipeline.files.reader import ERRORS_SHEET
from pipeline.intake.feedback import AUTHOR, write_feedback
from pipeline.specs.problems import Problem
from tests.helpers import fill, good_14


def _problem(sheet: str, cell: str, row: int) -> Problem:
    return Problem("not_a_date", "Күн емес.", "Не дата.", "a.xlsx", sheet, row, "Күні / Дата",
                   "date", cell, "31.02.2023")  # fmt: skip


def test_the_cell_is_marked_and_the_list_comes_first(workspace, orgs, tmp_path):
    original = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    target = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx")
    assert target.name == "a-qateler-oshibki.xlsx"
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == ERRORS_SHEET and book.active.title == ERRORS_SHEET
    errors = book[ERRORS_SHEET]
    assert [c.value for c in errors[2]][:4] == [1, sheet, 10, "B10"]
    assert errors["D2"].hyperlink.location == f"'{sheet}'!B10"
    marked = book[sheet]["B10"]
    assert marked.comment.author == AUTHOR and "Не дата." in marked.comment.text
    assert marked.fill.fgColor.rgb.endswith("FFC7CE")
    assert errors.page_setup.paperSize == 9 and errors.print_title_rows == "$1:$1"


def test_a_correction_workbook_sent_back_keeps_its_name_and_loses_old_marks(
    workspace, orgs, tmp_path
):
    original = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    first = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx")
    second = write_feedback(first, [_problem(sheet, "C11", 11)], tmp_path, first.name)
    assert second.name == "a-qateler-oshibki-2.xlsx"  # the earlier round is kept
    book = openpyxl.load_workbook(second)
    assert book[sheet]["B10"].comment is None and book[sheet]["C11"].comment is not None
    assert book.sheetnames.count(ERRORS_SHEET) == 1
