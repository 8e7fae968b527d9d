"""Cheap checks that run before any parser sees a received file.

Every workbook is treated as hostile: calamine has no decompression cap and openpyxl is
only as safe as defusedxml makes it, so size, container, zip directory and XML prologs are
judged here first, from bytes, without inflating more than a few kilobytes.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import olefile

from .errors import WorkbookError
from .messages import render
from .numerals import COLUMN, ROW, counted

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
FORMATS = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class Limits:
    """What a received workbook may be; generous for real returns, fatal for bombs."""

    max_bytes: int = 25 * 1024 * 1024
    max_entries: int = 5_000
    max_uncompressed: int = 400 * 1024 * 1024
    max_ratio: float = 150.0
    prolog_bytes: int = 65_536
    max_cells: int = 5_000_000  # a sheet's filled extent, rows × columns


def _fail(code: str, where: str, **fields: object) -> WorkbookError:
    message = render(code, **fields)
    return WorkbookError(code, message.kk, message.ru, where=where)


def _check_zip(path: Path, limits: Limits) -> list[str]:
    """Judge the zip directory and every XML prolog; return warning codes (macros)."""
    data = path.read_bytes()  # within max_bytes; one read serves every part below
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail("corrupt", path.name, detail=f"zip: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise _fail("zip_bomb", path.name, detail=f"{len(infos)} entries")
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > limits.max_uncompressed or (
            total > 10 * 1024 * 1024 and total / packed > limits.max_ratio
        ):
            raise _fail(
                "zip_bomb", path.name, detail=f"{total // (1024 * 1024)} MB, ×{total / packed:.0f}"
            )
        warnings = []
        for info in infos:
            name = info.filename.lower()
            if name.endswith("vbaproject.bin"):
                warnings.append("macros_ignored")
            if name.endswith((".xml", ".rels", ".vml")):
                _check_prolog(archive, data, info, limits, path)
                if name.startswith("xl/worksheets/") and name.count("/") == 2:
                    _check_extent(archive, info, limits, path)
                elif name == "content.xml":
                    _check_table_extent(archive, info, limits, path)
        return warnings


# Any attribute named like a cell reference, wherever it stands: a superset of the
# references calamine takes (any attribute order, either quote, duplicates, lower case,
# leading zeros), so a bound from it is never below the truth.
_ANY_REF = re.compile(rb'r\s*=\s*["\']\s*([A-Za-z]+)([0-9]+)')
# The same beyond Z or below row 999: absent from every usual return, found in one pass.
_FAR_REF = re.compile(rb'r\s*=\s*["\']\s*(?:[A-Za-z]{2,}[0-9]|[A-Za-z]+0*[1-9][0-9]{3})')
_NEAR = (999, 26)
# A cell tag that does not open with its reference (literal-led patterns: fast).
_ODD_CELL = re.compile(rb"<c[>/\t\n\r]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


_FAR = 10**9  # beyond any sheet; keeps int() away from digit strings of any length


def _number(digits: bytes) -> int:
    return int(digits) if len(digits.lstrip(b"0")) <= 9 else _FAR


def _column_number(letters: bytes) -> int:
    if len(letters) > 6:
        return _FAR
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _check_extent(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: Path
) -> None:
    """A few bytes can fill a cell at XFD1048576, and calamine then allocates the whole
    rectangle from A1 up to it (hundreds of GB: the process aborts). The sheet's declared
    `<dimension>` is the sender's claim, so the extent is taken from the cells themselves.

    When every cell opens with its reference (what Excel, LibreOffice and every library
    write), a bound that can only overstate decides at the cost of a few scans: the usual
    return never names a cell past Z999. Anything else, or a bound over the limit, is
    walked cell by cell the way calamine places cells (`_placed_extent`)."""
    data = archive.read(info)
    if _all_cells_referenced(data):
        rows, columns = _NEAR if not _FAR_REF.search(data) else _bound(data)
        if rows * columns <= limits.max_cells:
            return
    _refuse_extent(*_placed_extent(data), limits, path)


def _all_cells_referenced(data: bytes) -> bool:
    """Every cell tag is `<c r="…`: no cell is placed by counting (counted with `count`,
    which is ten times cheaper than a regex pass)."""
    if _ODD_CELL.search(data) or _PREFIXED_CELL.search(data):
        return False
    return data.count(b"<c ") == data.count(b'<c r="')


def _bound(data: bytes) -> tuple[int, int]:
    refs = _ANY_REF.findall(data)
    if not refs:
        return 0, 0
    rows = max(map(_number, {number for _, number in refs}))
    columns = max(map(_column_number, {letters for letters, _ in refs}))
    return rows, columns


_HIDDEN = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s/>]")
_TAG = re.compile(  # an attribute value may hold ">", never "<": linear on any input
    rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
)
_ATTRIBUTE = re.compile(rb"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"\s*([A-Za-z]+)([0-9]+)\s*")


def _placed_extent(data: bytes) -> tuple[int, int]:
    """Rows × columns from A1 to the farthest cell with content, placing cells as calamine
    does: a cell's own reference, else the next column after the previous cell of its row,
    in the row's own number, else the row after the previous one. Cells with no content
    (`<c r="X9" s="1"/>`, formatting only) are not kept by calamine and do not count."""
    start = _SHEET_DATA.search(data)
    if start is None:
        return 0, 0
    data = _without_hidden(data[start.start() :])
    row = column = rows = columns = 0
    for name, attributes in _TAG.findall(data):
        reference = _last_r(attributes)
        if name == b"row":
            row = _number(reference) if reference.isdigit() else row + 1
            column = 0
            continue
        cell_row = row
        found = _REFERENCE.fullmatch(reference) if reference else None
        if found:
            column, cell_row = _column_number(found[1]), _number(found[2])
        else:
            column += 1
        if not attributes.rstrip().endswith(b"/"):
            rows, columns = max(rows, cell_row), max(columns, column)
    return rows, columns


def _without_hidden(data: bytes) -> bytes:
    """The part without comments, CDATA and processing instructions, whose text calamine
    does not read as tags. A scan with `find` stays linear on unclosed ones."""
    for opening, closing in _HIDDEN:
        if opening not in data:
            continue
        kept, at = [], 0
        while (begin := data.find(opening, at)) >= 0:
            kept.append(data[at:begin])
            end = data.find(closing, begin + len(opening))
            at = len(data) if end < 0 else end + len(closing)
        kept.append(data[at:])
        data = b"".join(kept)
    return data


def _last_r(attributes: bytes) -> bytes:
    """The value of the tag's last `r` attribute (calamine keeps the last of duplicates)."""
    value = b""
    for name, double, single in _ATTRIBUTE.findall(attributes):
        if name == b"r":
            value = double or single
    return value


# OpenDocument: calamine names elements by their usual prefixes and repeats a cell or a
# row as often as `number-…-repeated` says, so 900 bytes can ask for billions of cells.
_ODS_TAG = re.compile(
    rb"<(table:table|table:table-row|table:table-cell|table:covered-table-cell)(?=[\s/>])"
    rb"((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
)
_DIGITS = re.compile(rb"[0-9]+")


def _check_table_extent(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: Path
) -> None:
    for rows, columns in _table_extents(archive.read(info)):
        _refuse_extent(rows, columns, limits, path)


def _table_extents(data: bytes) -> list[tuple[int, int]]:
    """Rows × columns of every table of an OpenDocument file, repeats counted as calamine
    expands them. Only cells with a value type hold something for calamine; the
    formatting LibreOffice repeats to the sheet's end (self-closing, no value) does not."""
    extents: list[tuple[int, int]] = []
    rows = columns = row = column = 0
    for name, attributes in _ODS_TAG.findall(_without_hidden(data)):
        if name == b"table:table":
            extents.append((rows, columns))
            rows = columns = row = 0
            continue
        found = {key: double or single for key, double, single in _ATTRIBUTE.findall(attributes)}
        if name == b"table:table-row":
            row, column = row + _repeat(found.get(b"table:number-rows-repeated")), 0
            continue
        column += _repeat(found.get(b"table:number-columns-repeated"))
        if any(key.endswith(b"value-type") for key in found):
            rows, columns = max(rows, row), max(columns, column)
    return [*extents[1:], (rows, columns)] if extents else []


def _repeat(value: bytes | None) -> int:
    digits = _DIGITS.search(value or b"")
    return _number(digits[0]) if digits else 1


def _refuse_extent(rows: int, columns: int, limits: Limits, path: Path) -> None:
    if rows * columns > limits.max_cells:
        raise _fail(
            "too_many_cells", path.name, rows=counted(rows, ROW), columns=counted(columns, COLUMN)
        )


# Excel 97–2003 (.xls): cell records that hold a value, each starting with row and
# column (BIFF2–8). BLANK and MULBLANK are formatting only; MULRK ends with its last column.
_BIFF_CELLS = {0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0203, 0x0204, 0x0205}
_BIFF_CELLS |= {0x0206, 0x0406, 0x00FD, 0x027E, 0x00D6}
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF = 0x00BD, {0x0009, 0x0209, 0x0409, 0x0809}, 0x000A


def _biff_extents(path: Path) -> list[tuple[int, int]]:
    """Rows × columns of each sheet of an .xls file: a 6 KB file with one value at IV65536
    made calamine build 16 million cells (1.2 GB). A container olefile cannot read is left
    to calamine, which reports it as damaged."""
    try:
        with olefile.OleFileIO(str(path)) as container:
            stream = next((s for s in ("Workbook", "Book") if container.exists(s)), None)
            data = container.openstream(stream).read() if stream else b""
    except Exception:  # olefile raises many types on odd containers; calamine will judge
        return []
    extents, rows, columns, at = [], 0, 0, 0
    while at + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, at)
        body = data[at + 4 : at + 4 + length]
        at += 4 + length
        if kind in _BIFF_BOF or kind == _BIFF_EOF:
            extents.append((rows, columns))
            rows = columns = 0
        elif len(body) >= 4 and (kind in _BIFF_CELLS or kind == _BIFF_MULRK):
            row, column = struct.unpack_from("<HH", body)
            if kind == _BIFF_MULRK and len(body) >= 6:
                (column,) = struct.unpack_from("<H", body, len(body) - 2)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
    return [*extents, (rows, columns)]


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _raw_head(data: bytes, info: zipfile.ZipInfo, limits: Limits) -> bytes | None:
    """The first bytes of a plain or deflated part, inflated a step at a time up to the
    root element; None when only `zipfile` can tell (encrypted, other methods, odd headers).

    Opening each part through `zipfile` cost more than the rest of the check put together.
    """
    offset = info.header_offset
    if info.flag_bits & 1 or data[offset : offset + 4] != b"PK\x03\x04":
        return None
    name_length, extra_length = struct.unpack("<HH", data[offset + 26 : offset + 30])
    start = offset + 30 + name_length + extra_length
    raw = data[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return raw[: limits.prolog_bytes]
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return None
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        head = inflate.decompress(raw, 2048)
        while len(head) < limits.prolog_bytes and not _ROOT_START.search(head):
            chunk = inflate.decompress(inflate.unconsumed_tail, 2048)
            if not chunk:
                break
            head += chunk
    except zlib.error:
        return None
    return head


def _zip_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    head = b""
    with archive.open(info) as member:
        while len(head) < limits.prolog_bytes:
            chunk = member.read(2048)
            if not chunk:
                break
            head += chunk
            if _ROOT_START.search(head):
                break
    return head


def _check_prolog(
    archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, limits: Limits, path: Path
) -> bytes:
    """A DTD can only stand before the root element: read up to it, never the whole part."""
    try:
        head = _raw_head(data, info, limits)
        if head is None:
            head = _zip_head(archive, info, limits)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise _fail("corrupt", path.name, detail=f"{info.filename}: {exc}") from None
    root = _ROOT_START.search(head)
    if root is None and len(head) >= limits.prolog_bytes:
        raise _fail("unsafe_xml", path.name)  # no real part hides its root this far down
    prolog = head[: root.start()] if root else head
    upper = prolog.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _fail("unsafe_xml", path.name)
    return head


def precheck(path: Path, limits: Limits) -> list[str]:
    """Raise `WorkbookError` for a file no parser should open; return warning codes."""
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise _fail("unsupported_format", path.name, ext=ext or path.name)
    size = path.stat().st_size
    if size == 0:
        raise _fail("empty_file", path.name)
    if size > limits.max_bytes:
        raise _fail(
            "too_large",
            path.name,
            size=size // (1024 * 1024),
            limit=limits.max_bytes // (1024 * 1024),
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    magic = head[:8]
    if magic == OLE_MAGIC:
        if ext in (".xlsx", ".xlsm"):
            raise _fail("encrypted", path.name)
        for rows, columns in _biff_extents(path):
            _refuse_extent(rows, columns, limits, path)
        return []
    if magic.startswith(ZIP_MAGIC):
        return _check_zip(path, limits)
    raise _fail(_what_else(head), path.name, detail=ext)


def _what_else(head: bytes) -> str:
    """What a file with a workbook's name really is, so the sender is told how to fix it:
    accounting and e-government systems export web pages and XML 2003 tables as ".xls"."""
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(encoding, "ignore").encode("utf-8")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "xml_2003"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"mime-version")) or (
        text.startswith(b"<") and b"<table" in text
    ):
        return "web_page"
    if text and b"\0" not in head and any(sep in text for sep in (b";", b",", b"\t")):
        return "text_table"  # binary files have NUL bytes; CSV has separators
    return "not_a_workbook"
