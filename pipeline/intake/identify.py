"""Which organisation sent which return on which sheet, and where its header is.

The hidden identity sheet is the first witness; without it (a sheet copied into a new
file, a re-typed file) the header labels and the BIN cell decide. Nothing is guessed: a
sheet whose header fits no spec clearly is reported, not matched to the nearest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.core.folding import fold, is_blank
from pipeline.core.ids import is_valid_id, normalise_id
from pipeline.core.messages import render, text
from pipeline.core.text import Text
from pipeline.files.identity_sheet import Identity, KnownSheet, read_identity  # noqa: F401
from pipeline.files.reader import Sheet, Workbook
from pipeline.specs import layout as L
from pipeline.specs.headers import header_positions, spec_labels
from pipeline.specs.problems import Problem
from pipeline.specs.returns import ReturnSpec

MIN_SHARE = 0.5


@dataclass
class SheetMatch:
    sheet: Sheet
    spec: ReturnSpec
    header_row: int
    positions: dict[str, int]
    bin: str | None
    nil: bool
    version: int | None = None


def _find_header(
    sheet: Sheet, spec: ReturnSpec, hint: int | None = None
) -> tuple[int, dict[str, int]]:
    """The row (1-based) whose cells match most of the spec's labels, and the key positions.

    The identity sheet's header row is tried first; people insert rows, so the search over
    the top rows is the fallback, not the rule.
    """
    index = spec_labels(spec)
    if hint and hint <= len(sheet.rows):
        found = header_positions(sheet.rows[hint - 1], index)
        if len(found) == len(spec.columns):
            return hint, found
    best_row, best = 0, {}
    for r, row in enumerate(sheet.rows[: L.SEARCH_ROWS], start=1):
        found = header_positions(row, index)
        if len(found) > len(best):
            best_row, best = r, found
    return best_row, best


def _labelled_value(sheet: Sheet, label: Text, above: int) -> Any:
    wanted = {fold(label.kk), fold(label.ru), fold(label.both)}
    for row in sheet.rows[: max(above - 1, 0)]:
        for c, cell in enumerate(row[:-1]):
            if type(cell) is str and cell and fold(cell) in wanted:  # a label is always text
                return row[c + 1]
    return None


def _sheet_bin(sheet: Sheet, header_row: int) -> str | None:
    value = _labelled_value(sheet, L.BIN_LABEL, header_row)
    if value is not None:
        found, _ = normalise_id(value)
        return found or str(value)
    for row in sheet.rows[: max(header_row - 1, 0)]:
        for cell in row:
            found, _ = normalise_id(cell) if isinstance(cell, str | int | float) else (None, None)
            if found and is_valid_id(found):
                return found
    return None


def _nil(sheet: Sheet, header_row: int) -> bool:
    value = _labelled_value(sheet, L.NIL_LABEL, header_row)
    if value is None or is_blank(value):
        return False
    accepted = {fold(L.NIL_YES.kk), fold(L.NIL_YES.ru), fold(L.NIL_YES.both), "иә", "да", "yes"}
    return fold(str(value)) in accepted


def _has_content(sheet: Sheet) -> bool:
    return any(not is_blank(c) for row in sheet.rows for c in row)


def identify_sheets(
    book: Workbook, specs: dict[str, ReturnSpec]
) -> tuple[Identity | None, list[SheetMatch], list[Problem]]:
    """Match every visible sheet to a spec; report sheets that have content but fit none."""
    identity = read_identity(book.identity)
    matches, problems = [], []
    for sheet in book.sheets:  # hidden sheets too: a school may hide a sheet it filled
        known = identity.sheets.get(sheet.name) if identity else None
        candidates = [specs[known.code]] if known and known.code in specs else list(specs.values())
        scored = []
        for spec in candidates:
            row, positions = _find_header(sheet, spec, known.header_row if known else None)
            scored.append((len(positions) / len(spec.columns), spec, row, positions))
        scored.sort(key=lambda s: s[0], reverse=True)
        share, spec, row, positions = scored[0]
        tie = len(scored) > 1 and scored[1][0] == share
        if share < MIN_SHARE or tie:
            if _has_content(sheet) and share > 0:
                said = render("unidentified_sheet", sheet=sheet.name, detail=text("no_header_row"))
                problems.append(Problem.of(said, sheet=sheet.name))
            continue
        matches.append(
            SheetMatch(
                sheet,
                spec,
                row,
                positions,
                _sheet_bin(sheet, row),
                _nil(sheet, row),
                known.version if known else None,
            )
        )
    return identity, matches, problems
