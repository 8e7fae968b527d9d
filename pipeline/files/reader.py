"""Reading a workbook's cells with python-calamine, after `safety.precheck` let it through.

Raw values only (calamine ignores dtype=): conversion is `normalise`'s job. Grids keep
their A1 origin so that row numbers are the ones Excel shows.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from pipeline.core.errors import WorkbookError
from pipeline.core.messages import render, sheet_name
from pipeline.files.identity_sheet import IDENTITY_SHEET
from pipeline.files.safety import OLE_MAGIC, Limits, precheck, workbook_format

LISTS_SHEET = "_lists"
ERRORS_SHEET = sheet_name("sheet_errors")  # the list of fixes in a correction workbook sent back


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    visible: bool = True
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()  # 0-based corners

    def cell(self, row: int, col: int) -> Any:
        """1-based, like Excel; outside the grid is empty."""
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return ""


@dataclass
class Workbook:
    path: Path
    sheets: list[Sheet]
    identity: list[list[Any]] | None = None
    warnings: list[str] = field(default_factory=list)


def _error(code: str, path: Path, detail: str = "") -> WorkbookError:
    message = render(code, detail=detail)
    return WorkbookError(code, message.kk, message.ru, where=path.name)


def _open(path: Path) -> pc.CalamineWorkbook:
    """calamine takes paths as UTF-8: a name in other bytes (cp1251 from Windows media) is
    handed over as the file's contents instead; so is a workbook whose name says another
    format than it holds (an .xls saved over as «.xlsx»), which calamine would open by the
    name and call broken."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    with path.open("rb") as handle:
        binary = handle.read(8) == OLE_MAGIC
    if binary != (path.suffix.lower() == ".xls") and workbook_format(path) not in (
        None,
        path.suffix.lower(),
    ):
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    return pc.CalamineWorkbook.from_path(name)


def _grid(book: pc.CalamineWorkbook, name: str, path: Path) -> tuple[list[list[Any]], tuple]:
    """A sheet's cells from calamine; from openpyxl where calamine cannot convert one.

    calamine panics inside Rust on a huge negative number in a date-formatted cell, and
    pyo3 raises that as a BaseException that would stop the whole batch. openpyxl reads such a cell as an error value, which is then reported
    on its cell like any other bad date.
    """
    try:
        sheet = book.get_sheet_by_name(name)  # reads the sheet once: its cells and its merges
        return sheet.to_python(skip_empty_area=False), _merged(sheet)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise _error("unreadable_cell", path, detail=str(exc)[:120]) from None
        return _grid_by_openpyxl(path, name), ()


def _merged(sheet) -> tuple:
    """Merged ranges: a value merged over several rows sits in the first cell only."""
    try:
        return tuple(sheet.merged_cell_ranges or ())
    except Exception:  # not every format reports them; without them only the hint is lost
        return ()


def _grid_by_openpyxl(path: Path, name: str) -> list[list[Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "marked as a date but outside the limits"
        import openpyxl  # the fallback only: reading a registry needs no openpyxl

        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
        try:
            sheet = book[name]
            sheet.reset_dimensions()  # the declared extent is the sender's claim: cells decide
            rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
            grid = [["" if v is None else v for v in row] for row in rows]
        finally:
            book.close()
    width = max(map(len, grid), default=0)  # rectangular, as calamine gives it
    return [row + [""] * (width - len(row)) for row in grid]


def read_workbook(path: Path, limits: Limits | None = None) -> Workbook:
    """Every sheet's grid, plus the hidden identity sheet if the workbook is one of ours."""
    warnings = precheck(path, limits or Limits())
    try:
        book = _open(path)
        sheets, identity = [], None
        for meta in book.sheets_metadata:
            if meta.name in (LISTS_SHEET, ERRORS_SHEET):  # ours: nothing a school types
                continue
            grid, merged = _grid(book, meta.name, path)
            if meta.name == IDENTITY_SHEET:
                identity = grid
            else:
                visible = meta.visible == pc.SheetVisibleEnum.Visible
                sheets.append(Sheet(meta.name, grid, visible, merged))
        book.close()
    except pc.PasswordError:
        raise _error("encrypted", path) from None
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError, UnicodeError) as exc:
        raise _error(
            "corrupt", path, detail=type(exc).__name__ + (f": {exc}"[:120] if str(exc) else "")
        ) from None
    return Workbook(path, sheets, identity, warnings)
