"""Excel's names for columns and cells («A», «AB», «C12»), as every message and workbook
shows them; the stages that only name cells need no xlsx library for it."""

from __future__ import annotations


def column_name(index: int) -> str:
    """The column's letters for its 0-based index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """The cell's name for its 0-based row and column: (11, 2) → C12."""
    return f"{column_name(col)}{row + 1}"
