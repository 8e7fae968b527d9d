"""Reading and checking a chunk of received files: the work that runs on every core.

A chunk's sheets are validated stacked per return and period (one frame each: checking
costs mostly per call), then sealed: accepted rows become the ledger's JSON text and the
typed columns are dropped, so only problems and that text travel back to the writer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from loguru import logger

from pipeline import ledger
from pipeline.core.messages import render
from pipeline.files.safety import Limits
from pipeline.intake.empty_cells import explain
from pipeline.intake.inbox import Item
from pipeline.intake.parse import ParsedFile, ParsedSheet, parse_file
from pipeline.intake.validate import SheetRows, check_sheets
from pipeline.specs.campaign import Period
from pipeline.specs.organisations import Organisation
from pipeline.specs.problems import Problem
from pipeline.specs.returns import ReturnSpec
from pipeline.specs.statuses import SheetStatus
from pipeline.specs.workspace import Workspace


@dataclass(frozen=True)
class BatchContext:
    """Everything reading and checking needs, as plain data a worker process can receive."""

    specs: dict[str, ReturnSpec]
    registry: dict[str, Organisation]
    type_labels: dict[str, str]
    limits: Limits
    periods: dict[tuple[str, str], Period | None]
    campaign: str = ""

    @classmethod
    def of(cls, workspace: Workspace, limits: Limits | None = None) -> BatchContext:
        types = workspace.campaign.org_types
        return cls(
            workspace.specs,
            workspace.by_bin,
            {k: v.both for k, v in types.items()},
            limits or Limits(),
            {(code, t): workspace.period(code, t) for code in workspace.specs for t in types},
            workspace.campaign.code,
        )


def _reading_order(problem: Problem) -> tuple[int, int, str]:
    letters = problem.cell.split(",")[0].rstrip("0123456789")  # a sum's rule: its first cell
    return (problem.row or 0, len(letters), letters)


def check_batch(ctx: BatchContext, parsed: list[ParsedFile]) -> None:
    """Validate all pending sheets, stacked per return and period (one frame each)."""
    groups: dict[tuple[str, str], list[ParsedSheet]] = defaultdict(list)
    for pf in parsed:
        for sheet in pf.sheets:
            if sheet.status == SheetStatus.PENDING:
                groups[(sheet.spec_code, pf.org_type)].append(sheet)
    for (code, org_type), sheets in groups.items():
        _check_group(ctx.specs[code], ctx.periods.get((code, org_type)), sheets)
    for pf in parsed:
        _say_what_empty_cells_hold(pf)
        for sheet in pf.sheets:  # as the person reads the sheet: row by row, left to right
            sheet.rows.problems.sort(key=_reading_order)
            _cap(sheet.rows)
        if (
            pf.org_type
            and not any(s.status in (SheetStatus.ACCEPTED, SheetStatus.REJECTED) for s in pf.sheets)
            and not pf.errors
        ):
            message = render("nothing_filled")
            pf.problems.append(Problem.of(message))


def _say_what_empty_cells_hold(pf: ParsedFile) -> None:
    """A «required» cell that holds an Excel error or a formula without its value is
    reported as what it is (`empty_cells`)."""
    required = [p for s in pf.sheets for p in s.rows.problems if p.code == "required" and p.cell]
    cells: dict[str, set[str]] = defaultdict(set)
    for problem in required:
        cells[problem.sheet].add(problem.cell)
    found = explain(pf.item.path, cells) if cells else {}
    for problem in required:
        what = found.get((problem.sheet, problem.cell))
        if what:
            message = render(what[0], value=what[1])
            problem.code, problem.kk, problem.ru, problem.value = (
                message.code,
                message.kk,
                message.ru,
                what[1],
            )


MAX_SHOWN = 200
"""Cell problems shown per sheet: a sheet pasted wrong holds tens of thousands, and marking
them all made a 48 MB answer nobody can read; the rest are counted, not listed."""


def _cap(rows: SheetRows) -> None:
    cells = [p for p in rows.problems if p.cell]
    if len(cells) <= MAX_SHOWN:
        return
    hidden = {id(p) for p in cells[MAX_SHOWN:]}
    rows.problems = [p for p in rows.problems if id(p) not in hidden]
    message = render("more_errors", more=len(hidden), shown=MAX_SHOWN)
    rows.problems.append(Problem.of(message, sheet=rows.sheet))


def _check_group(spec: ReturnSpec, period: Period | None, sheets: list[ParsedSheet]) -> None:
    rows = [s.rows for s in sheets]  # normalised by `parse_file`, in the same process
    found = [len(r.problems) for r in rows]  # what validation adds is undone on failure
    try:
        check_sheets(spec, period, rows)
    except Exception:  # one sheet's failure must not take the others with it
        logger.exception("unexpected failure validating {}", spec.code)
        for one, before in zip(rows, found, strict=True):
            del one.problems[before:]
            _check_alone(spec, period, one)
    for sheet in sheets:
        errors = any(p.severity == "error" for p in sheet.rows.problems)
        sheet.status = SheetStatus.REJECTED if errors else SheetStatus.ACCEPTED


def _check_alone(spec: ReturnSpec, period: Period | None, rows: SheetRows) -> None:
    """After a failure nobody foresaw in a stacked call: each sheet on its own, so only the
    sheet that causes it is answered with an internal error."""
    try:
        check_sheets(spec, period, [rows])
    except Exception as exc:
        logger.exception("unexpected failure validating sheet {}", rows.sheet)
        message = render("internal_error", detail=type(exc).__name__)
        rows.problems.append(Problem.of(message, sheet=rows.sheet))


def seal(parsed: list[ParsedFile]) -> None:
    """Accepted sheets keep their rows as the ledger's text; typed columns are let go."""
    for pf in parsed:
        for sheet in pf.sheets:
            rows = sheet.rows
            if sheet.status == SheetStatus.ACCEPTED and rows.typed is not None:
                try:
                    rows.stored = ledger.encode_rows(rows.excel_rows, rows.typed)
                except Exception as exc:  # a value JSON cannot hold: this sheet, not the chunk
                    logger.exception("could not store sheet {}", rows.sheet)
                    message = render("internal_error", detail=type(exc).__name__)
                    rows.problems.append(Problem.of(message, sheet=rows.sheet))
                    sheet.status = SheetStatus.REJECTED
            rows.typed = None


def read_and_check(items: list[Item], ctx: BatchContext) -> list[ParsedFile]:
    """Parse, validate and seal a chunk of files; every problem is recorded, none raised."""
    parsed = [
        parse_file(i, ctx.specs, ctx.registry, ctx.type_labels, ctx.limits, ctx.campaign)
        for i in items
    ]
    check_batch(ctx, parsed)
    seal(parsed)
    return parsed
