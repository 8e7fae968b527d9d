"""How large a grid a sheet makes calamine build, decided from the bytes before it reads.

calamine builds a dense grid from A1 to the farthest cell that holds something, so a few
bytes naming XFD1048576 ask for 17 billion cells. The sheet's declared size is the
sender's claim, so the extent is taken from the cells themselves, placed the way calamine
places them, in every form its lenient XML parser accepts. Where a form could hide a cell
from this scan (a `<` inside an attribute, a tag kilobytes long), the sheet is refused as
unsafe rather than guessed at. Every function here is linear in the part's size.
"""

from __future__ import annotations

import html
import re
import struct

FAR = 10**9  # beyond any sheet; keeps int() away from digit strings of any length
MAX_TAG = 4096  # bytes of attributes in one cell or row tag; real ones hold under 200


class Unsafe(ValueError):
    """A form this scan cannot place with certainty: the file is refused, not read."""


def _number(digits: bytes) -> int:
    return int(digits) if len(digits.lstrip(b"0")) <= 9 else FAR


def _column_number(letters: bytes) -> int:
    if len(letters) > 6:
        return FAR
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


# --- xlsx: the quick bound --------------------------------------------------------------
# Any attribute named like a cell reference, wherever it stands: a superset of the
# references calamine takes (any order, either quote, duplicates, lower case, zeros).
_ANY_REF = re.compile(rb'r\s*=\s*["\']\s*([A-Za-z]+)([0-9]+)')
# The same beyond Z or below row 999: absent from every usual return, found in one pass.
_FAR_REF = re.compile(rb'r\s*=\s*["\']\s*(?:[A-Za-z]{2,}[0-9]|[A-Za-z]+0*[1-9][0-9]{3})')
NEAR = (999, 26)
# A cell tag that does not open with its reference (literal-led patterns: fast).
_ODD_CELL = re.compile(rb"<c[>/\t\n\r]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


def all_cells_referenced(data: bytes) -> bool:
    """Every cell tag is `<c r="…`: no cell is placed by counting (counted with `count`,
    which is ten times cheaper than a regex pass)."""
    if _ODD_CELL.search(data) or _PREFIXED_CELL.search(data):
        return False
    return data.count(b"<c ") == data.count(b'<c r="')


def quick_bound(data: bytes) -> tuple[int, int]:
    """An extent never below calamine's for a sheet whose cells all carry a reference."""
    if not _FAR_REF.search(data):
        return NEAR
    refs = _ANY_REF.findall(data)
    rows = max(map(_number, {number for _, number in refs}), default=0)
    columns = max(map(_column_number, {letters for letters, _ in refs}), default=0)
    return rows, columns


# --- xlsx: cell by cell -----------------------------------------------------------------
_PREFIX = rb"(?:[^\s/<>:\"']*:)?"  # quick-xml splits a name at its first colon, any prefix
_TAG_START = re.compile(rb"<" + _PREFIX + rb"(?:row|c)(?=[\s/>])")
_TAG = re.compile(  # an attribute value may hold ">", never "<" (refused below)
    rb"<" + _PREFIX + rb"(row|c)(?=[\s/>])((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
)
_ATTRIBUTE = re.compile(rb"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]+)\s*([0-9]+)")
_DIGITS = re.compile(rb"[0-9]+")


def placed_extent(data: bytes) -> tuple[int, int]:
    """Rows × columns from A1 to the farthest cell with content, placing cells as calamine
    does: a cell's own reference, else the next column after the previous cell of its row,
    in the row's own number, else the row after the previous one. Where a tag repeats `r`
    the farthest value counts. Cells with no content (`<c r="X9" s="1"/>`, formatting only)
    are not kept by calamine and do not count."""
    data = without_hidden(data)
    tags = _TAG.findall(data)
    if len(tags) != len(_TAG_START.findall(data)):
        raise Unsafe("a cell or row tag with «<» inside")
    row = column = rows = columns = 0
    for name, attributes in tags:
        references = _values(attributes, b"r")
        if name == b"row":
            numbers = [_number(d) for v in references for d in _DIGITS.findall(v)]
            row, column = (max(numbers) if numbers else row + 1), 0
            continue
        cell_row = row
        found = [m for v in references if (m := _REFERENCE.search(v))]
        if found:
            column = max(_column_number(m[1]) for m in found)
            cell_row = max(_number(m[2]) for m in found)
        else:
            column += 1
        if not attributes.rstrip().endswith(b"/"):
            rows, columns = max(rows, cell_row), max(columns, column)
    return rows, columns


def _values(attributes: bytes, wanted: bytes) -> list[bytes]:
    """Every value of an attribute (duplicates included), character references resolved."""
    if len(attributes) > MAX_TAG:
        raise Unsafe(f"a tag with {len(attributes)} bytes of attributes")
    return [
        _unescaped(double or single)
        for name, double, single in _ATTRIBUTE.findall(attributes)
        if name == wanted
    ]


def _unescaped(value: bytes) -> bytes:
    if b"&" not in value:
        return value
    return html.unescape(value.decode("utf-8", "replace")).encode("utf-8", "replace")


_HIDDEN = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_HIDDEN_START = re.compile(rb"<!--|<!\[CDATA\[|<\?")


def without_hidden(data: bytes) -> bytes:
    """The part without comments, CDATA and processing instructions, whose text calamine
    does not read as tags: one pass left to right, each opener closed by its own closer, as
    a parser reads them (a «<!--» inside CDATA opens nothing)."""
    if not _HIDDEN_START.search(data):
        return data
    kept, at = [], 0
    while found := _HIDDEN_START.search(data, at):
        kept.append(data[at : found.start()])
        end = data.find(_HIDDEN[found[0]], found.end())
        at = len(data) if end < 0 else end + len(_HIDDEN[found[0]])
    kept.append(data[at:])
    return b"".join(kept)


# --- OpenDocument -----------------------------------------------------------------------
_ODS_TAG_START = re.compile(rb"<table:(?:table|table-row|table-cell|covered-table-cell)(?=[\s/>])")
_ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
    rb"((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
)


def table_extent(data: bytes) -> tuple[int, int]:
    """The largest rows × columns of an OpenDocument file's tables, repeats counted as
    calamine expands them. A table opened inside another (hidden in a cell, which calamine
    skips) does not restart the count. A cell holds something for calamine when it has a
    value of any kind; the formatting LibreOffice repeats to the sheet's end (no value)
    does not count."""
    data = without_hidden(data)
    tags = _ODS_TAG.findall(data)
    if len(tags) - sum(1 for closing, _, _ in tags if closing) != len(_ODS_TAG_START.findall(data)):
        raise Unsafe("a table tag with «<» inside")
    largest = (0, 0)
    rows = columns = row = column = depth = 0
    for closing, name, attributes in tags:
        if len(attributes) > MAX_TAG:
            raise Unsafe(f"a tag with {len(attributes)} bytes of attributes")
        if name == b"table":
            if closing:
                depth = max(depth - 1, 0)
            elif not attributes.rstrip().endswith(b"/"):
                depth += 1
                if depth == 1:
                    largest = max(largest, (rows, columns), key=lambda e: e[0] * e[1])
                    rows = columns = row = 0
            continue
        if closing:
            continue
        found = _ATTRIBUTE.findall(attributes)
        if name == b"table-row":
            row, column = row + _repeat(found, b"table:number-rows-repeated"), 0
            continue
        column += _repeat(found, b"table:number-columns-repeated")
        if any(b"value" in key for key, _, _ in found):
            rows, columns = max(rows, row), max(columns, column)
    return max(largest, (rows, columns), key=lambda e: e[0] * e[1])


def _repeat(attributes: list, wanted: bytes) -> int:
    """The largest of a repeat attribute's values (calamine takes the first; the largest
    can only overstate)."""
    counts = [
        _number(digits[0])
        for key, double, single in attributes
        if key == wanted and (digits := _DIGITS.search(_unescaped(double or single)))
    ]
    return max(counts, default=1)


# --- Excel 97–2003 (.xls) ----------------------------------------------------------------
# Cell records that hold a value, each starting with row and column (BIFF2–8). BLANK and
# MULBLANK are formatting only; MULRK ends with its last column.
_BIFF_CELLS = {0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0203, 0x0204, 0x0205, 0x0206,
               0x0406, 0x00FD, 0x027E, 0x00D6}  # fmt: skip
_MULRK, _EOF, _BOUNDSHEET, _DIMENSIONS = 0x00BD, 0x000A, 0x0085, {0x0000, 0x0200}


def biff_extent(stream: bytes) -> tuple[int, int]:
    """The largest extent any sheet of a Workbook stream asks for: its cells, and the size
    its DIMENSIONS record declares (calamine reserves that much before reading a cell).
    Each sheet is read from where its BOUNDSHEET record points, as calamine reads it, and
    the stream is also read in order, so no record body can hide a sheet."""
    starts = {0}
    for kind, body in _records(stream, 0, stop_at_eof=True):
        if kind == _BOUNDSHEET and len(body) >= 4:
            starts.add(struct.unpack_from("<I", body)[0])
    rows = columns = 0
    for start in sorted(starts):
        r, c = _sheet_extent(stream, start, stop_at_eof=start != 0)
        rows, columns = max(rows, r), max(columns, c)
    return rows, columns


def _records(stream: bytes, at: int, *, stop_at_eof: bool):
    while at >= 0 and at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4 : at + 4 + length]
        at += 4 + length
        if stop_at_eof and kind == _EOF:
            return


def _sheet_extent(stream: bytes, start: int, *, stop_at_eof: bool) -> tuple[int, int]:
    rows = columns = 0
    for kind, body in _records(stream, start, stop_at_eof=stop_at_eof):
        if kind in _DIMENSIONS and len(body) >= 8:
            if len(body) >= 14:  # BIFF8: rows as 32-bit numbers
                last_row, last_col = struct.unpack_from("<I", body, 4)[0], body[10] | body[11] << 8
            else:
                last_row, last_col = struct.unpack_from("<HxxH", body, 2)
            rows, columns = max(rows, last_row), max(columns, last_col)
        elif len(body) >= 4 and (kind in _BIFF_CELLS or kind == _MULRK):
            row, column = struct.unpack_from("<HH", body)
            if kind == _MULRK and len(body) >= 6:
                (column,) = struct.unpack_from("<H", body, len(body) - 2)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
    return rows, columns
