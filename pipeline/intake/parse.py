"""From one received file to its sheets' raw rows, organisation and file-level problems.

Pure reading: no ledger, no moves. It runs in worker processes on large batches, so
everything it returns is plain, picklable data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from loguru import logger

from pipeline.core.cells import column_name
from pipeline.core.errors import WorkbookError
from pipeline.core.ids import id_problem
from pipeline.core.messages import render
from pipeline.files.reader import read_workbook
from pipeline.files.safety import Limits
from pipeline.intake.identify import identify_sheets
from pipeline.intake.inbox import Item
from pipeline.intake.validate import SheetRows, extract, normalise_sheet
from pipeline.specs import layout as L
from pipeline.specs.nil_rule import RULE
from pipeline.specs.organisations import Organisation
from pipeline.specs.problems import Problem, cell_problem
from pipeline.specs.returns import Column, ReturnSpec
from pipeline.specs.statuses import SheetStatus

BIN_COLUMN = Column("bin", L.BIN_LABEL, "bin")
"""The BIN the template (or a re-typed sheet) names, checked like any BIN cell."""


@dataclass
class ParsedSheet:
    spec_code: str
    version: int | None
    rows: SheetRows
    nil: bool  # a nil return ("no data"); before settling: the yellow cell was chosen
    status: str = "pending"  # accepted | rejected | empty | not_applicable
    marked: bool = False  # nil because the yellow cell says so, not only because it is empty


@dataclass
class ParsedFile:
    item: Item
    bin: str | None = None
    org_type: str | None = None
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sent_for: str | None = None  # the BIN the sender's address belongs to, when not this file's

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.all_problems if p.severity == "error"]

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for s in self.sheets for p in s.rows.problems]


def _problem(which: str, sheet: str = "", **fields: object) -> Problem:
    message = render(which, **fields)
    return Problem.of(message, sheet=sheet)


def _answered_even_on_failure(parse: Callable[..., ParsedFile]) -> Callable[..., ParsedFile]:
    """A failure nobody foresaw stays with its file: the batch goes on, and the file is
    answered and archived like any rejected one."""

    @wraps(parse)
    def guarded(item: Item, *args: object) -> ParsedFile:
        try:
            return parse(item, *args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the batch must never die of one file (nor of a panic
            # in a compiled reader, which pyo3 raises as a BaseException)
            logger.exception("unexpected failure reading {}", item.name)
            parsed = ParsedFile(item)
            parsed.problems.append(_problem("internal_error", detail=type(exc).__name__))
            return parsed

    return guarded


def _bin_of_sender(sender: str, registry: dict[str, Organisation]) -> str | None:
    """A workbook without its BIN (the sheet copied into a new file) that came by e-mail
    from an address in the registry: that organisation's, if only one has that address."""
    found = [b for b, o in registry.items() if o.email and o.email.lower() == sender.lower()]
    return found[0] if len(found) == 1 else None


@_answered_even_on_failure
def parse_file(
    item: Item,
    specs: dict[str, ReturnSpec],
    registry: dict[str, Organisation],
    type_labels: dict[str, str],
    limits: Limits,
    campaign: str = "",
) -> ParsedFile:
    """Read, identify and extract; every problem found on the way is recorded, none raised."""
    parsed = ParsedFile(item)
    book = _opened(item, limits, parsed)
    if book is None:
        return parsed
    identity, matches, problems = identify_sheets(book, specs)
    parsed.problems += problems
    if identity and identity.campaign and campaign and identity.campaign != campaign:
        parsed.problems.append(_problem("other_campaign", found=identity.campaign))
        return parsed
    if not matches:
        parsed.problems.append(_problem("no_return_sheets"))
        return parsed
    org = _sender(parsed, identity, matches, registry)
    if org is None:
        return parsed
    first_rows: dict[str, int] = {}  # the first data row of each empty sheet
    for match in matches:
        sheet = _sheet(match, org, parsed.bin, item, type_labels)
        parsed.sheets.append(sheet)
        if sheet.status == SheetStatus.EMPTY:
            first_rows[match.spec.code] = match.header_row + 1
    _one_sheet_per_return(parsed)
    _settle_empty_sheets(parsed, specs, first_rows)
    return parsed


def _opened(item: Item, limits: Limits, parsed: ParsedFile):
    """The workbook, or None with the reason recorded (a file the inbox could not take, one
    that is not a workbook); what the reader noticed on the way (macros) is recorded too."""
    if item.error:
        parsed.problems.append(_problem(item.error))
        return None
    try:
        book = read_workbook(item.path, limits)
    except WorkbookError as exc:
        parsed.problems.append(Problem(exc.code, exc.kk, exc.ru, fields=exc.fields))
        return None
    parsed.problems += [_problem(code) for code in dict.fromkeys(book.warnings)]
    if item.warning:
        parsed.problems.append(_problem(item.warning, **item.warning_fields))
    return book


def _sender(parsed: ParsedFile, identity, matches, registry: dict[str, Organisation]):
    """The organisation the file is from: the BIN of its identity sheet or its return
    sheets, else its sender's address; None, with the reason, when it is not registered.
    A file from another school's address is noted for the officer to decide."""
    item = parsed.item
    bin_ = (identity.bin if identity and identity.bin else None) or next(
        (m.bin for m in matches if m.bin), None
    )
    if bin_ is None and item.sender:
        bin_ = _bin_of_sender(item.sender, registry)
        if bin_:
            parsed.problems.append(_problem("identified_by_sender", sender=item.sender))
    parsed.bin = bin_
    org = registry.get(bin_ or "")
    if org is None:
        wrong = id_problem(bin_, "bin") if bin_ and bin_.isdigit() and len(bin_) == 12 else None
        if wrong:  # an IIN, or a mistyped number, where the template's BIN stands
            problem = cell_problem(wrong, BIN_COLUMN, bin_)
            problem.column = problem.column_key = ""
            parsed.problems.append(problem)
        parsed.problems.append(_problem("unknown_organisation", bin=bin_ or "—"))
        return None
    parsed.org_type = org.type
    if item.sender and org.email and item.sender.lower() != org.email.lower():
        parsed.problems.append(_problem("sender_mismatch", sender=item.sender, expected=org.email))
        owner = _bin_of_sender(item.sender, registry)
        if owner and owner != bin_:  # another school's data, from a school: the officer decides
            parsed.sent_for = owner
    return org


def _sheet(match, org: Organisation, bin_, item: Item, type_labels: dict[str, str]) -> ParsedSheet:
    """One return sheet read: refused whole when it is not this type's, another school's or
    lacks a required column; else its rows extracted and normalised, totals left out."""
    spec = match.spec
    rows = SheetRows(match.sheet.name, [], [], match.positions)
    rows.received = item.received_at.date()
    rows.merged = covered_cells(match.sheet.merged)
    sheet = ParsedSheet(spec.code, match.version, rows, match.nil)
    if org.type not in spec.applies_to:
        org_type = type_labels.get(org.type, org.type)
        rows.problems.append(
            _problem("not_applicable", match.sheet.name, code=spec.code, org_type=org_type)
        )
        sheet.status = SheetStatus.NOT_APPLICABLE
        return sheet
    if match.bin and match.bin != bin_:
        rows.problems.append(
            _problem("bin_mismatch", match.sheet.name, found=match.bin, expected=bin_)
        )
        sheet.status = SheetStatus.REJECTED
        return sheet
    if match.version is not None and match.version != spec.version:
        rows.problems.append(
            _problem("old_version", match.sheet.name, found=match.version, expected=spec.version)
        )
    missing = [c for c in spec.columns if c.required and c.key not in match.positions]
    rows.rows, rows.excel_rows, totals = extract(
        match.sheet.rows, match.header_row, match.positions, spec
    )
    if missing and rows.rows:  # an empty sheet of an older template needs no new column
        for column in missing:
            problem = _problem("missing_column", match.sheet.name, label=column.label.both)
            problem.row, problem.column = match.header_row, column.label.both
            problem.column_key = column.key
            rows.problems.append(problem)
        sheet.status = SheetStatus.REJECTED
        return sheet
    for number in totals:
        problem = _problem("total_row_ignored", match.sheet.name)
        problem.row = number
        rows.problems.append(problem)
    if not rows.rows:
        sheet.status = SheetStatus.EMPTY
    normalise_sheet(spec, rows)  # in the reader's process: only typed columns travel back
    return sheet


def _one_sheet_per_return(parsed: ParsedFile) -> None:
    """A sheet copied to go on with a list («1.2 (2)») once replaced the original silently.
    Empty copies are dropped; if several sheets of one return hold rows, which one is meant
    cannot be known, so the sender is asked to put the rows on one sheet."""
    by_code: dict[str, list[ParsedSheet]] = {}
    for sheet in parsed.sheets:
        by_code.setdefault(sheet.spec_code, []).append(sheet)
    for sheets in by_code.values():
        if len(sheets) < 2:
            continue
        filled = [s for s in sheets if s.status != SheetStatus.EMPTY]
        for empty in (
            s for s in sheets if s.status == SheetStatus.EMPTY and (filled or s is not sheets[0])
        ):
            parsed.sheets.remove(empty)
        if len(filled) < 2:
            continue
        names = ", ".join(f"«{s.rows.sheet}»" for s in filled)
        for sheet in filled:
            sheet.rows.problems.append(
                _problem("several_sheets", sheet.rows.sheet, code=sheet.spec_code, sheets=names)
            )
            sheet.status = SheetStatus.REJECTED


MAX_MERGED = 10_000


def covered_cells(merged: tuple) -> dict[tuple[int, int], str]:
    """Every cell a merge covers but its first, as (Excel row, column) → the first cell."""
    covered = {}
    for (top, left), (bottom, right) in merged:
        if (bottom - top + 1) * (right - left + 1) > MAX_MERGED:
            continue  # a merge over a whole area is decoration, not a value meant for rows
        first = f"{column_name(left)}{top + 1}"
        for row in range(top, bottom + 1):
            for col in range(left, right + 1):
                if (row, col) != (top, left):
                    covered[(row + 1, col)] = first
    return covered


def _settle_empty_sheets(
    parsed: ParsedFile, specs: dict[str, ReturnSpec], first_rows: dict[str, int]
) -> None:
    """An empty sheet means what its spec's `nil:` says (worded in `nil_rule`), once the file
    shows it was filled at all: a blank template sent back by mistake is "nothing filled",
    not a handful of nil returns."""
    filled = any(
        s.status in (SheetStatus.PENDING, SheetStatus.REJECTED) or s.nil for s in parsed.sheets
    )
    for sheet in parsed.sheets:
        if sheet.status != SheetStatus.EMPTY:
            if sheet.nil and sheet.rows.excel_rows:  # «no data» chosen, rows typed: rows count
                sheet.rows.problems.append(_problem("nil_with_rows", sheet.rows.sheet))
            sheet.nil = False
            continue
        spec, marked = specs[sheet.spec_code], sheet.nil
        sheet.nil = False
        if not filled:
            continue
        if (marked and spec.nil != "never") or spec.nil == "empty_sheet":
            sheet.status, sheet.nil, sheet.marked = SheetStatus.ACCEPTED, True, marked
            continue
        rule = RULE[spec.nil]
        problem = _problem(
            "empty_sheet",
            sheet.rows.sheet,
            name=sheet.rows.sheet,
            what_kk=spec.description.kk,
            what_ru=spec.description.ru,
            rule_kk=rule.kk,
            rule_ru=rule.ru,
        )
        problem.row = first_rows[spec.code]
        problem.cell = f"A{problem.row}"
        sheet.rows.problems.append(problem)
        sheet.status = SheetStatus.REJECTED
