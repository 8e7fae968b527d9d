"""Why a cell that looks empty to the reader is empty: an Excel error value (#DIV/0!, #N/A)
or a formula saved without its value. calamine reads both as nothing, so a sender was told
«обязательное поле не заполнено» about a cell that plainly shows something in Excel.

Looked up only for the few cells already reported empty, straight in the sheet's XML.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path, PurePosixPath

_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ID_FIRST = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_TARGET_FIRST = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_FORMULA = re.compile(rb"<f\b[^>]*>(.*?)</f>", re.S)


def _parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part inside the zip."""
    book = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    ids = {k: v for k, v in _REL.findall(rels)} | {k: v for v, k in _REL_TARGET_FIRST.findall(rels)}
    names = {n: i for n, i in _SHEET.findall(book)} | {
        n: i for i, n in _SHEET_ID_FIRST.findall(book)
    }
    parts = {}
    for name, rid in names.items():
        target = ids.get(rid, b"").decode()
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[html.unescape(name.decode())] = path
    return parts


def explain(path: Path, cells: dict[str, set[str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """{(sheet, cell): (message code, what the cell holds)} for the cells that hold an error
    value or a formula without its value; cells that are truly empty are left out."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not cells:
        return {}
    found = {}
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _parts(archive)
            for sheet, refs in cells.items():
                if sheet not in parts:
                    continue
                xml = archive.read(parts[sheet])
                for ref in refs:
                    what = _cell(xml, ref)
                    if what:
                        found[(sheet, ref)] = what
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeError):
        return {}
    return found


def _cell(xml: bytes, ref: str) -> tuple[str, str] | None:
    match = re.search(rb'<c\b([^>]*?\br="' + ref.encode() + rb'"[^>]*?)(/>|>(.*?)</c>)', xml, re.S)
    if not match:
        return None
    attributes, body = match.group(1), match.group(3) or b""
    value = _VALUE.search(body)
    if b't="e"' in attributes and value:
        return "excel_error", html.unescape(value.group(1).decode("utf-8", "replace"))
    formula = _FORMULA.search(body)
    if formula and (not value or not value.group(1).strip()):
        text = html.unescape(formula.group(1).decode("utf-8", "replace"))
        return "formula_no_value", f"={text}"[:80]
    return None
