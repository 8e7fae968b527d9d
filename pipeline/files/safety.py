"""Cheap checks that run before any parser sees a received file.

Every workbook is treated as hostile: calamine has no decompression cap and openpyxl is
only as safe as defusedxml makes it, so size, container, zip directory and XML prologs are
judged here first, from bytes, without inflating more than a few kilobytes.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import olefile

from pipeline.core.errors import WorkbookError
from pipeline.core.messages import render
from pipeline.core.numerals import COLUMN, ROW, counted
from pipeline.files import extent

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
FORMATS = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class Limits:
    """What a received workbook may be; generous for real returns, fatal for bombs."""

    max_bytes: int = 25 * 1024 * 1024
    max_entries: int = 5_000
    max_uncompressed: int = (
        120 * 1024 * 1024
    )  # a real return inflates to a few MB; 400 MB cost 1.3 GB
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
        inflated = _check_sizes(data, infos, path)
        warnings = []
        sheets = _worksheet_parts(archive)
        for info in infos:
            name = info.filename.lower()
            if name.endswith("vbaproject.bin"):
                warnings.append("macros_ignored")
            if name.endswith((".xml", ".rels", ".vml")):
                _check_prolog(archive, data, info, limits, path)
            normal = _normal(info.filename)
            if normal in sheets:
                _check_extent(archive, info, limits, path, inflated.get(info.header_offset))
            elif normal == "content.xml":
                _check_table_extent(archive, info, limits, path, inflated.get(info.header_offset))
        return warnings


KEPT = 4 << 20
"""Parts inflated by the size check are kept up to this size each (and `KEPT` × 8 in all),
so the extent scan reads the same bytes instead of inflating them a second time."""


def _check_sizes(data: bytes, infos: list[zipfile.ZipInfo], path: Path) -> dict[int, bytes]:
    """Every part inflates to the size its directory declares, and no further.

    The limits above trust the declared sizes; a part that declares a kilobyte and inflates
    to a gigabyte passed them, and a parser reading it whole (`zipfile.read` inflates in one
    step, calamine to the stream's end) took 2 GB before calling it corrupt. Inflated here
    a step at a time, from the bytes already read, so memory stays bounded whatever a part
    holds; a part in a method Excel and LibreOffice never write is refused unread.

    Returns the parts that inflated whole and true to their checksum, up to `KEPT` each, by
    where each starts (two entries may share a name)."""
    kept: dict[int, bytes] = {}
    room = KEPT * 8
    for info in infos:
        raw = _raw_data(data, info)
        if raw is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _fail("corrupt", path.name, detail=f"{info.filename}: method")
        keep = info.file_size <= min(KEPT, room)
        if info.compress_type == zipfile.ZIP_STORED:
            inflated, whole = len(raw), raw
        else:
            inflated, whole = _inflated_size(raw, info.file_size, keep)
        if inflated > info.file_size:
            raise _fail("zip_bomb", path.name, detail=f"{info.filename}: > {info.file_size} B")
        if (
            keep
            and whole is not None
            and len(whole) == info.file_size
            and zlib.crc32(whole) == info.CRC
        ):
            kept[info.header_offset] = whole
            room -= len(whole)
    return kept


def _raw_data(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part's stored bytes, found by its local header; None for an encrypted part or a
    header that is not where the directory says."""
    offset = info.header_offset
    if info.flag_bits & 1 or data[offset : offset + 4] != b"PK\x03\x04":
        return None
    name_length, extra_length = struct.unpack("<HH", data[offset + 26 : offset + 30])
    start = offset + 30 + name_length + extra_length
    return data[start : start + info.compress_size]


STEP = 1 << 20


def _inflated_size(raw: bytes, declared: int, keep: bool = False) -> tuple[int, bytes | None]:
    """How far a deflated part inflates, counted up to one step past what it declares; and,
    when `keep`, the inflated bytes of a part that inflates whole without an error."""
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    total, pending, chunks = 0, raw, []
    try:
        while pending or not inflate.eof:
            chunk = inflate.decompress(pending, STEP)
            pending = inflate.unconsumed_tail
            total += len(chunk)
            if keep:
                chunks.append(chunk)
            if total > declared or (not chunk and not pending):
                break
    except zlib.error:  # broken: the parser says so
        return (declared + 1 if total > declared else total), None
    whole = b"".join(chunks) if keep and inflate.eof and total <= declared else None
    return total, whole


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """A part read a step at a time and never past `cap` or its declared size (`zipfile`'s
    own `read` inflates a lying part whole before it notices)."""
    if info.file_size > cap:
        raise zipfile.BadZipFile(f"{info.filename}: {info.file_size} B")
    out = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(STEP):
            out += chunk
            if len(out) > cap:
                raise zipfile.BadZipFile(f"{info.filename}: > {cap} B")
    return bytes(out)


def _worksheet_parts(archive: zipfile.ZipFile) -> set[str]:
    """Where calamine finds sheets: every target of the workbook's relationships (whatever
    its declared type), and anything under xl/worksheets/, by normalised name."""
    parts = {_normal(i.filename) for i in archive.infolist()}
    parts = {p for p in parts if p.startswith("xl/worksheets/") and not p.endswith(".rels")}
    for info in archive.infolist():
        if _normal(info.filename) == "xl/_rels/workbook.xml.rels":
            try:
                rels = archive.read(info)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                NotImplementedError,
                RuntimeError,
            ):
                continue  # judged as corrupt with every other part
            for target in _TARGET.findall(rels):
                target = target.decode("utf-8", "replace").replace("\\", "/")
                parts.add(_normal(target if target.startswith("/") else f"xl/{target}"))
    return parts


_TARGET = re.compile(rb"""Target\s*=\s*["']([^"']*)["']""")


def _normal(name: str) -> str:
    return posixpath.normpath("/" + name.replace("\\", "/")).lstrip("/")


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    path: Path,
    inflated: bytes | None = None,
) -> bytes:
    """A part read whole for a scan: refused if it alone is a bomb (a 100 MB sheet of empty
    tags diluted by random bytes elsewhere passes the archive's overall ratio). `inflated`:
    the part as the size check already inflated it."""
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > 10 * 1024 * 1024 and ratio > limits.max_ratio:
        raise _fail("zip_bomb", path.name, detail=f"{info.filename}: ×{ratio:.0f}")
    if inflated is not None:
        return inflated
    try:
        return archive.read(info)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise _fail("corrupt", path.name, detail=f"{info.filename}: {exc}") from None


def _check_extent(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    path: Path,
    inflated: bytes | None = None,
) -> None:
    """A few bytes can fill a cell at XFD1048576, and calamine then allocates the whole
    rectangle from A1 up to it. When every cell opens with its reference (what Excel,
    LibreOffice and every library write), a bound that can only overstate decides at the
    cost of a few scans; anything else, or a bound over the limit, is walked cell by cell
    the way calamine places cells (`extent.placed_extent`)."""
    data = _member(archive, info, limits, path, inflated)
    if extent.all_cells_referenced(data):
        rows, columns = extent.quick_bound(data)
        if rows * columns <= limits.max_cells:
            return
    try:
        rows, columns = extent.placed_extent(data)
    except extent.Unsafe as exc:
        raise _fail("unsafe_xml", path.name, detail=str(exc)) from None
    _refuse_extent(rows, columns, limits, path)


def _check_table_extent(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    path: Path,
    inflated: bytes | None = None,
) -> None:
    """OpenDocument: 900 bytes of repeats can ask for billions of cells."""
    try:
        rows, columns = extent.table_extent(_member(archive, info, limits, path, inflated))
    except extent.Unsafe as exc:
        raise _fail("unsafe_xml", path.name, detail=str(exc)) from None
    _refuse_extent(rows, columns, limits, path)


def _refuse_extent(rows: int, columns: int, limits: Limits, path: Path) -> None:
    if rows * columns > limits.max_cells:
        raise _fail(
            "too_many_cells", path.name, rows=counted(rows, ROW), columns=counted(columns, COLUMN)
        )


def _check_biff(path: Path, limits: Limits) -> None:
    """Excel 97–2003: the Workbook stream, found as calamine finds it, checked for the grid
    its cells and declared dimensions ask for. A container olefile cannot read, or with
    more than one stream that calamine might take for the workbook, is refused."""
    try:
        with olefile.OleFileIO(str(path)) as container:
            named = [
                e for e in container.listdir(streams=True, storages=False)
                if len(e) == 1 and e[0].lower() in ("workbook", "book")
            ]  # fmt: skip
            if len(named) != 1 or _raw_workbook_entries(container) != 1:
                raise _fail("corrupt", path.name, detail="OLE: workbook stream")
            stream = container.openstream(named[0]).read()
    except WorkbookError:
        raise
    except Exception as exc:  # olefile raises many types on odd containers
        raise _fail("corrupt", path.name, detail=f"OLE: {type(exc).__name__}") from None
    _refuse_extent(*extent.biff_extent(stream), limits, path)


def _raw_workbook_entries(container) -> int:
    """Stream entries named like the workbook in the raw directory, linked into its tree
    or not (calamine scans the entries flat; olefile follows the tree)."""
    directory = container.directory_fp
    directory.seek(0)
    raw = directory.read()
    found = 0
    for at in range(0, len(raw) - 127, 128):
        length = min(struct.unpack_from("<H", raw, at + 64)[0], 64)
        name = raw[at : at + max(length - 2, 0)].decode("utf-16-le", "replace").lower()
        found += raw[at + 66] == 2 and name in ("workbook", "book")
    return found


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _raw_head(data: bytes, info: zipfile.ZipInfo, limits: Limits) -> bytes | None:
    """The first bytes of a plain or deflated part, inflated a step at a time up to the
    root element; None when only `zipfile` can tell (encrypted, other methods, odd headers).

    Opening each part through `zipfile` cost more than the rest of the check put together.
    """
    raw = _raw_data(data, info)
    if raw is None:
        return None
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
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
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
        if ext != ".xls" and workbook_format(path) != ".xls":  # not an .xls renamed
            raise _fail("encrypted", path.name)
        _check_biff(path, limits)
        return []
    if magic.startswith(ZIP_MAGIC):
        return _check_zip(path, limits)
    raise _fail(_what_else(head), path.name, detail=ext)


def declared_suffix(name: str) -> str:
    """The extension a name declares, as Windows reads it: «отчёт.XLSX » and «отчёт.xlsx.»
    are .xlsx (Windows drops trailing spaces and dots; a mail program may not)."""
    return Path(name.rstrip(" .")).suffix.lower()


def workbook_format(path: Path | bytes) -> str | None:
    """What a file holds, read from its bytes, when that is a workbook: «.xlsx», «.xlsm»,
    «.ods» or «.xls»; None for anything else (a real zip, an encrypted workbook, a web
    page). Schools rename files: a workbook sent as «.zip» to pass a mail filter, an
    «.xls» saved over with a new name «.xlsx»."""
    try:
        if isinstance(path, bytes):
            magic, source = path[:8], io.BytesIO(path)
        else:
            with path.open("rb") as handle:
                magic = handle.read(8)
            source = path
        if magic == OLE_MAGIC:
            opened = path if isinstance(path, bytes) else str(path)
            with olefile.OleFileIO(opened) as container:
                streams = {e[0].lower() for e in container.listdir() if len(e) == 1}
            return ".xls" if streams & {"workbook", "book"} else None
        if not magic.startswith(ZIP_MAGIC):
            return None
        with zipfile.ZipFile(source) as archive:
            names = {_normal(n).lower(): n for n in archive.namelist()}
            if "xl/workbook.xml" in names:
                return ".xlsm" if "xl/vbaproject.bin" in names else ".xlsx"
            if "mimetype" in names and "content.xml" in names:
                kind = read_member(archive, archive.getinfo(names["mimetype"]), 256)
                return (
                    ".ods"
                    if kind.strip() == b"application/vnd.oasis.opendocument.spreadsheet"
                    else None
                )
    except Exception:  # noqa: BLE001 - a file that cannot be told is taken by its name
        return None
    return None


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
