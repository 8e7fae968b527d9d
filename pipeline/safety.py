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

from .errors import WorkbookError
from .messages import render

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
                head = _check_prolog(archive, data, info, limits, path)
                if name.startswith("xl/worksheets/") and name.count("/") == 2:
                    _check_extent(archive, info, head, limits, path)
        return warnings


_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?([0-9]{1,7})?:?([A-Z]{1,3})([0-9]{1,7})"')
_FILLED_CELL = re.compile(rb'<c\s+r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?<!/)>')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_extent(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, head: bytes, limits: Limits, path: Path
) -> None:
    """A few bytes can fill a cell at XFD1048576, and calamine then allocates the whole
    rectangle up to it (hundreds of GB: the process aborts). The sheet's declared dimension
    clears the usual file at no cost; a missing or huge one is checked against the cells
    that really hold something (formatting alone does not count)."""
    declared = _DIMENSION.search(head)
    if declared:
        rows, columns = int(declared.group(4)), _column_number(declared.group(3))
        if rows * columns <= limits.max_cells:
            return
    rows = columns = 0
    for letters, number in _FILLED_CELL.findall(archive.read(info)):
        rows, columns = max(rows, int(number)), max(columns, _column_number(letters))
    if rows * columns > limits.max_cells:
        raise _fail("too_many_cells", path.name, rows=rows, columns=columns)


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
