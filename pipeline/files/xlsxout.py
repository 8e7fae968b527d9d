"""Writing tables to xlsx for people: typed cells only, Excel tables, big data streamed.

Every value goes through a typed write (`write_string`, `write_number`, …) with formula
and URL conversion off, so text a school typed, like "=HYPERLINK(…)", stays text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline.core import textfit
from pipeline.core.text import Text
from pipeline.files.atomic import close_workbook
from pipeline.files.xlsxpatch import PageSetup

# a school's «=HYPERLINK(…)», «http://…» or «007» stays the text it was
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
LARGE = 150_000  # data rows above which tables give way to constant_memory + autofilter


PORTRAIT_WIDTH = 95  # characters of column width that still read on A4 portrait
SIDE_MARGIN = 0.3  # inches left and right, Excel's «narrow»: more of the page for the table
SMALLEST_SCALE = 0.74  # of 11 pt: a page fitted to its width never prints below 8 pt
WIDE_SCALE = 80
"""A table too wide to fit one page at `SMALLEST_SCALE` came out at 5–6 pt when fitted; it
prints at `WIDE_SCALE` instead, across several pages, its first column and its header
repeated on each."""


def _printable_px(landscape: bool) -> float:
    paper_mm = 297 if landscape else 210
    return (paper_mm - 2 * 25.4 * SIDE_MARGIN) / 25.4 * 96


def _columns_px(width: float) -> float:
    """Excel draws a column of width w as 7w + 5 pixels; a table `width` characters wide
    has at most one column per 10 characters (no table of Adal's has narrower ones)."""
    return 7 * width + 5 * math.ceil(width / 10)


def fits_one_page_wide(width: float) -> bool:
    """Whether fitting the table to one page keeps it at `SMALLEST_SCALE` or more."""
    landscape = width > PORTRAIT_WIDTH
    return _printable_px(landscape) >= SMALLEST_SCALE * _columns_px(width)


def page_setup(
    sheet,
    width: float,
    header_rows: int = 0,
    footer: str = "",
    header_at: int = 0,
    key_columns: int = 1,
) -> None:
    """A4, landscape past `PORTRAIT_WIDTH`, one page wide while that reads (else at
    `WIDE_SCALE`, the first `key_columns` repeated on every page across), header rows
    repeated, a footer."""
    sheet.set_paper(9)
    sheet.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN)
    if width > PORTRAIT_WIDTH:
        sheet.set_landscape()
    if fits_one_page_wide(width):
        sheet.fit_to_pages(1, 0)
    else:
        sheet.set_print_scale(WIDE_SCALE)
        sheet.print_across()  # the pages of one band of rows come one after another
        if key_columns:
            sheet.repeat_columns(0, key_columns - 1)
    if header_rows:
        sheet.repeat_rows(header_at, header_at + header_rows - 1)
    left = f"&L{footer.replace('&', '&&')}" if footer else ""
    sheet.set_footer(f"{left}&R&P / &N")


def page_for(width: float, header_rows: int = 0, footer: str = "") -> PageSetup:
    """`page_setup`'s rules as data, for the writers that are not xlsxwriter (the
    correction workbook keeps the school's own file and adds its error list to it)."""
    fits = fits_one_page_wide(width)
    return PageSetup(
        landscape=width > PORTRAIT_WIDTH,
        fit_width=fits,
        scale=None if fits else WIDE_SCALE,
        title_rows=f"1:{header_rows}" if header_rows else "",
        title_cols="" if fits else "A:A",
        footer_left=footer,
        footer_right="&P / &N",
        side_margin=SIDE_MARGIN,
    )


def page_setup_openpyxl(sheet, page: PageSetup) -> None:
    """A `page_for` set on a sheet made with openpyxl."""
    sheet.page_setup.paperSize = 9
    sheet.page_margins.left = sheet.page_margins.right = page.side_margin
    sheet.page_setup.orientation = "landscape" if page.landscape else "portrait"
    if page.fit_width:
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        sheet.page_setup.scale = page.scale
        sheet.page_setup.pageOrder = "overThenDown"
    if page.title_cols:
        sheet.print_title_cols = page.title_cols
    if page.title_rows:
        sheet.print_title_rows = page.title_rows
    if page.footer_left:
        sheet.oddFooter.left.text = page.footer_left.replace("&", "&&")
    sheet.oddFooter.right.text = page.footer_right


def a4(sheet) -> None:
    """Every sheet Adal writes prints on A4 (without it Excel takes US Letter)."""
    sheet.set_paper(9)


TEXT_KINDS = ("str", "wrap", "any")  # the kinds of column that may hold text


class Writer:
    def __init__(self, path: Path, constant_memory: bool = False, footer: str = "") -> None:
        self.path = path
        self.constant_memory = constant_memory
        self.footer = footer
        self.book = xlsxwriter.Workbook(
            str(path), {**SAFE_OPTIONS, "constant_memory": constant_memory}
        )
        add = self.book.add_format
        self.head = add(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        )
        self.title = add({"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"})
        self.bold = add({"bold": True})
        # top-aligned like the wrapped text beside them in a tall row
        self.date = add({"num_format": "dd.mm.yyyy", "valign": "top"})
        self.stamp = add({"num_format": "dd.mm.yyyy hh:mm", "valign": "top"})
        self.pct = add({"num_format": "0 %", "valign": "top"})  # a share: 0.78 shows «78 %»
        # General: «40» and «33.33» as typed; «0.##» showed a whole number as «40.»
        self.num = add({"valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})

    def close(self) -> Path:
        """Write the workbook whole (`files.atomic`): a kill or a full disk leaves the
        previous one as it was."""
        return close_workbook(self.book, self.path)

    def page(self, sheet, width: float, header_rows: int = 0) -> None:
        """What a person would choose to print: A4, turned when the table is wide, one page
        wide, the header on every page, the campaign and the page number at the foot."""
        page_setup(sheet, width, header_rows, self.footer)

    def heads(self, sheet, row: int, heads: list[str], widths: list[float], col: int = 0) -> None:
        """A header row outside a table, as tall as its wrapped labels (a column is widened
        where a label's word would not fit; the caller sets widths before, or not at all)."""
        widths = [textfit.width_for_words(h, w) for h, w in zip(heads, widths, strict=True)]
        for i, width in enumerate(widths):
            sheet.set_column(col + i, col + i, width)
        for i, head in enumerate(heads):
            sheet.write_string(row, col + i, head, self.head)
        cells = [(h, w, True) for h, w in zip(heads, widths, strict=True)]
        sheet.set_row(row, textfit.row_height(cells))

    def cell(self, sheet, row: int, col: int, value, fmt=None) -> None:
        """Typed writes only: a school's '=HYPERLINK(…)' stays the text it was."""
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, fmt or self.num)
        elif isinstance(value, pd.Timestamp | dt.datetime | dt.date):
            sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), fmt or self.date)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def colour_text(
        self,
        sheet,
        first_row: int,
        first_col: int,
        last_row: int,
        last_col: int,
        colours: dict[str, str],
    ) -> None:
        """Background colour by exact cell text (states and levels are shown as text)."""
        for text, colour in colours.items():
            sheet.conditional_format(
                first_row,
                first_col,
                max(last_row, first_row),
                last_col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{text}"',
                    "format": self.book.add_format({"bg_color": colour}),
                },
            )

    def colour_by_code(
        self,
        sheet,
        first_row: int,
        first_col: int,
        last_row: int,
        last_col: int,
        texts: Mapping[str, Text],
        colours: Mapping[str, str],
    ) -> None:
        """Colour states and levels by their code: `texts` says how each code is shown,
        `colours` which colour it takes, so rewording a label never drops its colour."""
        shown = {texts[code].both: colour for code, colour in colours.items() if code in texts}
        self.colour_text(sheet, first_row, first_col, last_row, last_col, shown)

    def _writers(self, sheet, kinds: list[str]):
        """One write function per column: typed writes without an isinstance chain per cell.
        Each is a closure over the sheet's bound method and its format, called with
        positional arguments only (a `partial` with a keyword builds a dict per cell). A
        date comes as a `datetime` (`frames.row_tuples`) or a pandas `Timestamp`."""
        write_string, write_number = sheet.write_string, sheet.write_number
        write_datetime = sheet.write_datetime
        wrap, num, pct, date_format = self.wrap, self.num, self.pct, self.date

        def date(r, c, v):
            stamp = v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
            write_datetime(r, c, stamp, date_format)

        def text(r, c, v):
            write_string(r, c, str(v), wrap)

        by_kind = {
            "str": text,
            "num": lambda r, c, v: write_number(r, c, v, num),
            "date": date,
            "pct": lambda r, c, v: write_number(r, c, v, pct),
            "wrap": text,
            "any": lambda r, c, v: self.cell(sheet, r, c, v, wrap if isinstance(v, str) else None),
        }
        return [by_kind[k] for k in kinds]

    def _text_writer(self, sheet):
        """A text's write: no conversion, its format bound (see `_writers`)."""
        write_string, wrap = sheet.write_string, self.wrap
        return lambda r, c, v: write_string(r, c, v, wrap)

    def table(
        self,
        name: str,
        headers: list[str],
        rows,
        widths: list[int] | None = None,
        kinds: list[str] | None = None,
        fit: list[int] | None = None,
        printed: int | None = None,
    ):
        """A sheet holding one table: Excel table (filters) or, for very large data, autofilter.
        Text is wrapped in its column and each row is as tall as its tallest text (`fit`: the
        columns to measure, by default every column that may hold text). `printed`: only the
        first so many columns print (the technical ones after them stay on screen, for
        filters, and off the paper)."""
        sheet = self.book.add_worksheet(name)
        widths = [
            textfit.width_for_words(h, w)
            for h, w in zip(headers, widths or [16] * len(headers), strict=True)
        ]
        sheet.set_row(
            0, textfit.row_height([(h, w, True) for h, w in zip(headers, widths, strict=True)], 30)
        )
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        self.page(sheet, sum(widths[:printed]), header_rows=1)
        sheet.freeze_panes(1, 0)
        unique = _unique(headers)
        if self.constant_memory:
            for c, h in enumerate(unique):
                sheet.write_string(0, c, h, self.head)
        kinds = kinds or ["any"] * len(headers)
        writers = self._writers(sheet, kinds)
        # a text in a column that may hold text (nearly every cell) is written at once
        as_text = self._text_writer(sheet)
        texts = [as_text if k in TEXT_KINDS else w for k, w in zip(kinds, writers, strict=True)]
        if fit is None:
            fit = [c for c, k in enumerate(kinds) if k in TEXT_KINDS]
        count = 0
        # each fitted column's texts measured once (`ColumnLines`); a text seen before is
        # looked up here, without a call: this loop runs for every cell of every row
        measured = [(c, textfit.ColumnLines(widths[c])) for c in fit]
        known = [(c, m.seen, m) for c, m in measured]
        nat = pd.NaT
        for r, row in enumerate(rows, start=1):
            most = 0  # rows as tall as the wrapped text of the fitted columns
            for c, seen, lines_of in known:
                value = row[c]
                if isinstance(value, str) and value:
                    lines = seen.get(value) or lines_of(value)
                    if lines > most:
                        most = lines
            if most:
                sheet.set_row(r, textfit.height_of_lines(most))
            for c, value in enumerate(row):
                if value.__class__ is str:
                    texts[c](r, c, value)
                elif value is None or value != value or value is nat:
                    continue
                else:
                    writers[c](r, c, value)
            count = r
        last = max(count, 1)
        if printed is not None:  # the rows written (a whole-column area openpyxl cannot read)
            sheet.print_area(0, 0, last, printed - 1)
        if self.constant_memory:
            sheet.autofilter(0, 0, last, len(headers) - 1)
        else:
            columns = [{"header": h, "header_format": self.head} for h in unique]
            sheet.add_table(
                0,
                0,
                last,
                len(headers) - 1,
                {"columns": columns, "style": "Table Style Light 9", "autofilter": True},
            )
        return sheet


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out
