"""The correction workbook: the school's own file, the cells to fix marked, the list in front."""

import openpyxl
import pytest

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
    assert target.name == "a (Қателер-Ошибки).xlsx"
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == ERRORS_SHEET and book.active.title == ERRORS_SHEET
    errors = book[ERRORS_SHEET]
    assert [c.value for c in errors[2]][:4] == [1, sheet, 10, "B10"]
    assert errors["D2"].hyperlink.location == f"'{sheet}'!B10"
    marked = book[sheet]["B10"]
    assert marked.comment.author == AUTHOR and "Не дата." in marked.comment.text
    assert marked.fill.fgColor.rgb.endswith("FFC7CE")
    assert errors.page_setup.paperSize == 9 and errors.print_title_rows == "$1:$1"


@pytest.mark.slow
def test_a_correction_workbook_sent_back_keeps_its_name_and_loses_old_marks(
    workspace, orgs, tmp_path
):
    original = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    first = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx")
    second = write_feedback(first, [_problem(sheet, "C11", 11)], tmp_path, first.name)
    assert second.name == "a (Қателер-Ошибки 2).xlsx"  # the earlier round is kept
    book = openpyxl.load_workbook(second)
    assert book[sheet]["B10"].comment is None and book[sheet]["C11"].comment is not None
    assert book.sheetnames.count(ERRORS_SHEET) == 1


@pytest.mark.slow
def test_the_senders_links_do_not_come_back_in_the_correction_workbook(workspace, orgs, tmp_path):
    """The red team: a correction workbook kept the sender's links to
    file:///C:/Windows/System32/calc.exe and javascript:, now under the department's name."""
    original = fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    sheet = workspace.specs["1.4"].sheet
    book = openpyxl.load_workbook(original)
    book[sheet]["J10"].value = "инструкция"
    book[sheet]["J10"].hyperlink = "file:///C:/Windows/System32/calc.exe"
    book[sheet]["K10"].value = "сайт"
    book[sheet]["K10"].hyperlink = "javascript:alert(1)"
    book.save(original)
    target = write_feedback(original, [_problem(sheet, "B10", 10)], tmp_path, "a.xlsx")
    back = openpyxl.load_workbook(target)
    links = [
        c.hyperlink for ws in back.worksheets for row in ws.iter_rows() for c in row if c.hyperlink
    ]
    assert links and all(link.target is None and link.location for link in links)  # ours only
    assert back[sheet]["J10"].value == "инструкция"  # the text stays, the link goes
