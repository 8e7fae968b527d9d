"""The workbook writer's shared mechanisms, written and read back."""

from __future__ import annotations

import openpyxl

from pipeline.core.text import Text
from pipeline.files.xlsxout import Writer


def test_colours_follow_codes_so_a_reworded_label_keeps_its_colour(tmp_path):
    """Colour maps keyed by display text dropped a colour silently when a label was
    reworded; codes join the label and the colour now."""
    texts = {"high": Text("жоғары", "высокий"), "low": Text("төмен (жаңа)", "низкий (новое)")}
    colours = {"high": "#FFC7CE", "low": "#C6EFCE", "gone": "#000000"}
    w = Writer(tmp_path / "c.xlsx")
    sheet = w.book.add_worksheet("s")
    sheet.write_column(1, 0, [texts["high"].both, texts["low"].both])
    w.colour_by_code(sheet, 1, 0, 2, 0, texts, colours)
    w.book.close()
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    rules = [r for cf in book["s"].conditional_formatting for r in cf.rules]
    shown = {r.formula[0].strip('"'): r.dxf.fill.bgColor.rgb[-6:] for r in rules}
    assert shown == {"жоғары / высокий": "FFC7CE", "төмен (жаңа) / низкий (новое)": "C6EFCE"}


def test_a_whole_number_is_shown_without_a_trailing_point(tmp_path):
    """«0.##» showed 40 as «40.» in Excel and LibreOffice: numbers are in General format."""
    from pipeline.files.xlsxout import Writer

    w = Writer(tmp_path / "n.xlsx")
    w.table("t", ["a", "b"], [[40, 33.33]], [10, 10], ["any", "any"])
    w.close()
    sheet = openpyxl.load_workbook(tmp_path / "n.xlsx")["t"]
    assert [sheet.cell(2, c).number_format for c in (1, 2)] == ["General", "General"]
