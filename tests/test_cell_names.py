"""Cells are named as Excel names them, without an xlsx library in the stages that only
name them (`core.cells`)."""

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from pipeline.core.cells import cell_name, column_name


def test_column_and_cell_names_are_excels():
    for index in [*range(0, 800), 16_383]:
        assert column_name(index) == xl_col_to_name(index)
    assert cell_name(11, 2) == "C12" == xl_rowcol_to_cell(11, 2)
    assert cell_name(0, 16_383) == "XFD1"
