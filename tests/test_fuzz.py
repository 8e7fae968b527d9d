"""Whatever a person types or does to a template, Adal answers with cell errors, never fails.

Random but seeded (deterministic): values people really produce (typos in years, pasted
account numbers, look-alike digits, formulas, booleans, very long text, control characters)
and what they do to sheets (insert columns, merge cells, rename or hide sheets, type
outside the table). Every problem must be a bilingual message a person can act on.
"""

import datetime as dt
import random

import openpyxl
import pytest

from pipeline.intake.ingest import ingest
from pipeline.specs import layout as L
from tests.helpers import template_for

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice

VALUES = [
    "", " ", "'", "–", "—", "-", "0", "1e400", "1e308", "-1e308", 1e308, -1e308, 1e16, 2**62,
    1e19, 1e-300, 0.1, -0.0, True, False, "TRUE", "да", "Иә", "иа", "жоқ", "+", "N/A", "#N/A",
    "=1/0", "=SUM(A1:A2)", "=НД()", dt.datetime(1900, 1, 1), dt.datetime(2262, 5, 1),
    dt.datetime(1677, 1, 1), dt.date(9999, 12, 31), dt.time(12, 30), dt.datetime(2023, 3, 1, 13, 45),
    "31.02.2023", "2023-13-01", "01.03.23", "1.3.2023г.", "00.00.0000", "29.02.2024", "01.03.3023",
    "850102300012", "85010230001", "８５０１０２３００１２", "٨٥٠١٠٢٣٠٠٠١٢", "850 102 300 012",
    "8501023000120", 850102300012, 50102300012.0, "x" * 32000, "Итого", "Барлығы:", "\ufeff",
    "\u202e", "a\r\nb", "\t", "_x0007_звонок", "a_x000B_b", "_x001F_", "NaN", "inf", "-inf", "nan", "1 000,50", "1.000,50", "1,000.50",
    "12,5", "١٢", "½", "²", "Ⅻ", 10**15, 3.999999999999999, "Жоқ / Нет", "Иә / Да", "yes",
]  # fmt: skip


def _mess_up(book: openpyxl.Workbook, sheet, spec, rnd: random.Random) -> None:
    """One thing people do to a sheet besides typing into it."""
    action = rnd.choice(["insert", "merge", "rename", "hide", "outside", "none", "none"])
    if action == "insert":
        sheet.insert_cols(rnd.randint(1, len(spec.keys)))
    elif action == "merge":
        row = L.FIRST_DATA_ROW + rnd.randint(0, 3)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    elif action == "rename":
        sheet.title = f"Лист{rnd.randint(1, 99)}"
    elif action == "hide":
        sheet.sheet_state = "hidden"
    elif action == "outside":
        sheet.cell(L.FIRST_DATA_ROW + 2, len(spec.keys) + 3).value = "примечание"
        sheet.cell(2, 1).value = rnd.choice(VALUES[:20])


@pytest.mark.parametrize(("seed", "workers"), [(1, 0), (2, 0), (12, 0), (3, 2)])
def test_anything_typed_gets_an_answer_never_an_internal_error(workspace, orgs, seed, workers):
    """In process, and (workers=2) through reader processes, whose results must travel."""
    from pipeline.intake.parallel import parallel_reader

    rnd = random.Random(seed)
    for n in range(4):
        book = openpyxl.load_workbook(template_for(workspace, orgs[n % 3]))
        for spec in workspace.specs.values():
            if spec.sheet not in book.sheetnames:
                continue
            sheet = book[spec.sheet]
            for r in range(rnd.randint(1, 5)):
                for c in range(1, len(spec.keys) + 1):
                    if rnd.random() < 0.8:
                        value = rnd.choice(VALUES)
                        cell = sheet.cell(L.FIRST_DATA_ROW + r, c)
                        cell.value = value
                        if isinstance(value, str) and not value.startswith("="):
                            cell.data_type = "s"
            _mess_up(book, sheet, spec, rnd)
        book.save(workspace.paths.inbox / f"f{n}.xlsx")
    reader = parallel_reader(workspace, workers, chunk=1) if workers else None
    outcomes = ingest(workspace, reader=reader, jobs=max(workers, 1))
    assert len(outcomes) == 4
    problems = [p for o in outcomes for p in o.problems]
    assert problems, "the values above are mostly wrong: they must be reported"
    assert [p for p in problems if p.code == "internal_error"] == []
    for p in problems:
        assert p.kk.strip() and p.ru.strip() and p.kk != p.ru, p
        if p.cell:
            assert p.sheet and p.row, p
    for o in outcomes:  # and the sender gets their workbook back with the cells marked
        assert not (o.errors and o.bin) or o.feedback, o.name
    assert list(workspace.paths.inbox.iterdir()) == []


def test_nan_typed_in_the_first_row_is_a_cell_error_not_an_internal_error(workspace, orgs):
    """ "nan" or "inf" in the first data row once crashed the check for a numbering row."""
    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    sheet = book[workspace.specs["1.4"].sheet]
    for c, value in enumerate(["nan", "inf", "1", "2"], start=1):
        sheet.cell(L.FIRST_DATA_ROW, c).value = value
    book.save(workspace.paths.inbox / "a.xlsx")
    [outcome] = ingest(workspace)
    assert "internal_error" not in [p.code for p in outcome.problems]
    assert outcome.returns["1.4"] == "rejected"


def test_error_in_a_merged_cell_is_marked_on_the_cell_people_see(workspace, orgs):
    """A comment on a cell hidden under a merge once failed the whole correction workbook."""
    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    sheet = book[workspace.specs["1.4"].sheet]
    row = L.FIRST_DATA_ROW
    sheet.cell(row, 1).value = "Мектепке қабылдау"
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    book.save(workspace.paths.inbox / "a.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.feedback
    marked = openpyxl.load_workbook(outcome.feedback)[workspace.specs["1.4"].sheet]
    first = marked.cell(row, 1)
    assert first.comment is not None and first.fill.fgColor.rgb.endswith("FFC7CE")
    assert "•" in first.comment.text


def test_edited_identity_sheet_falls_back_to_the_headers(workspace, orgs):
    """Text where the hidden identity sheet keeps a number once crashed identification."""
    from pipeline.files.identity_sheet import IDENTITY_SHEET
    from tests.helpers import good_14

    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    identity = book[IDENTITY_SHEET]
    for row in identity.iter_rows():
        if row[0].value == "sheet":
            row[3].value, row[4].value = "a\r\nb", "nan"
    sheet = book[workspace.specs["1.4"].sheet]
    for c, key in enumerate(workspace.specs["1.4"].keys, start=1):
        sheet.cell(L.FIRST_DATA_ROW, c).value = good_14().get(key)
    book.save(workspace.paths.inbox / "a.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.returns["1.4"] == "accepted", outcome.problems
    assert "internal_error" not in [p.code for p in outcome.problems]


@pytest.mark.parametrize("value", [-850102300012, -1e308])
def test_huge_negative_number_in_a_date_cell_is_a_cell_error(workspace, orgs, value):
    """calamine panics (a BaseException) on a huge negative number in a date-formatted
    cell; it once stopped the whole ingest. Now the cell is read another way and reported."""
    from tests.helpers import good_14

    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    sheet = book[workspace.specs["1.4"].sheet]
    for c, key in enumerate(workspace.specs["1.4"].keys, start=1):
        sheet.cell(L.FIRST_DATA_ROW, c).value = good_14().get(key)
    month = workspace.specs["1.4"].keys.index("month") + 1
    sheet.cell(L.FIRST_DATA_ROW, month).value = value
    sheet.cell(L.FIRST_DATA_ROW, month).number_format = "DD.MM.YYYY"
    book.save(workspace.paths.inbox / "a.xlsx")
    [outcome] = ingest(workspace)
    on_14 = [(p.code, p.column_key) for p in outcome.problems if p.sheet == "1.4"]
    assert on_14 == [("not_a_date", "month")]
    assert outcome.feedback


def test_the_fallback_reader_ignores_a_declared_extent(tmp_path):
    """The way around calamine's panic once trusted the sheet's `<dimension>`: a file that
    declared A1:XFD1048576 came back 16,384 columns wide. Cells decide, and the grid stays
    rectangular like calamine's."""
    import re
    import zipfile

    from pipeline.files.reader import read_workbook

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "1.4"
    sheet["A1"], sheet["C3"] = "x", -1e308
    sheet["C3"].number_format = "DD.MM.YYYY"
    book.save(tmp_path / "plain.xlsx")
    with (
        zipfile.ZipFile(tmp_path / "plain.xlsx") as src,
        zipfile.ZipFile(tmp_path / "claims.xlsx", "w") as dst,
    ):
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = re.sub(
                    rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', part
                )
            dst.writestr(item, part)
    [grid] = [s.rows for s in read_workbook(tmp_path / "claims.xlsx").sheets]
    assert [len(row) for row in grid] == [3, 3, 3]


def test_control_characters_pasted_into_text_are_dropped(workspace, orgs):
    """Control characters (stored by Excel as _x0007_) once made the correction workbook
    fail: openpyxl refuses them. They carry no meaning in a return and are dropped."""
    import json
    import sqlite3

    from tests.helpers import good_11, good_14

    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    rows = {
        "1.4": {**good_14(), "responsible": "Ахметова_x0007_ А._x000B_"},
        "1.1": {**good_11(), "has_record": "мүмкін_x001F_"},
    }
    for code, row in rows.items():
        sheet = book[workspace.specs[code].sheet]
        for c, key in enumerate(workspace.specs[code].keys, start=1):
            sheet.cell(L.FIRST_DATA_ROW, c).value = row.get(key)
    book.save(workspace.paths.inbox / "a.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.returns == {**outcome.returns, "1.4": "accepted", "1.1": "rejected"}
    [problem] = [p for p in outcome.problems if p.code != "empty_sheet"]  # checklists unfilled
    assert problem.code == "bad_choice" and problem.value == "мүмкін"
    assert outcome.feedback
    conn = sqlite3.connect(workspace.paths.ledger)
    [data] = conn.execute("SELECT data FROM rows").fetchone()
    assert json.loads(data)["responsible"] == "Ахметова А."
