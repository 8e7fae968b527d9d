"""The hidden identity sheet («_adal») every template carries: which campaign and which
organisation the workbook was made for, and which return each sheet holds (its version
and header row). One module writes and reads it; a template, the bench's workbooks and
ingest all go through here.

    adal          1
    campaign      kokterek-2023
    bin           950440180134
    org_type      school
    generated_at  2023-11-01T09:00:00
    sheet         1.1   1.1   1   9
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

IDENTITY_SHEET = "_adal"
FORMAT = "1"
_FIELDS = ("campaign", "bin", "org_type", "generated_at")


class KnownSheet(NamedTuple):
    """A sheet as the hidden identity sheet names it."""

    code: str
    version: int
    header_row: int | None


@dataclass
class Identity:
    """What the hidden sheet says, when there is one."""

    campaign: str = ""
    bin: str = ""
    org_type: str = ""
    generated_at: str = ""
    sheets: dict[str, KnownSheet] = field(default_factory=dict)


def identity_rows(identity: Identity) -> list[list[str]]:
    """The sheet's rows, every cell text."""
    rows = [["adal", FORMAT]]
    rows += [[name, getattr(identity, name)] for name in _FIELDS if getattr(identity, name)]
    rows += [
        ["sheet", name, known.code, str(known.version), str(known.header_row or "")]
        for name, known in identity.sheets.items()
    ]
    return rows


def write_identity(book, identity: Identity) -> None:
    """Add the very hidden sheet to an xlsxwriter workbook (text cells only)."""
    sheet = book.add_worksheet(IDENTITY_SHEET)
    sheet.very_hidden()
    for r, row in enumerate(identity_rows(identity)):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)


def _whole(text: str) -> int | None:
    """A number we wrote into the hidden identity sheet; anything else (someone edited it)
    is ignored, and the sheet is then found by its headers."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() and number > 0 else None


def read_identity(rows: list[list[Any]] | None) -> Identity | None:
    """The identity the sheet's rows say, or None when they are not Adal's."""
    if not rows or not rows[0] or str(rows[0][0]) != "adal":
        return None
    identity = Identity()
    for row in rows[1:]:
        cells = [str(c) for c in row]
        if not cells:
            continue
        if cells[0] == "sheet" and len(cells) >= 4:
            header = _whole(cells[4]) if len(cells) > 4 else None
            identity.sheets[cells[1]] = KnownSheet(cells[2], _whole(cells[3]) or 0, header)
        elif cells[0] in _FIELDS and len(cells) > 1:
            setattr(identity, cells[0], cells[1])
    return identity
