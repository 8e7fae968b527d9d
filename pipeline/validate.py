"""Normalise and validate the rows of many sheets of one return at once.

pandera costs ~25 ms a call whatever the size, so sheets are stacked per return and
period and validated in one call; each failure is mapped back to its sheet, its Excel row
and its cell through the row's position. A file validated alone gets the same problems.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa
from xlsxwriter.utility import xl_col_to_name

from .campaign import Period
from .compile import RULE_PREFIX, cached_schema
from .normalise import converter, is_blank
from .problems import Problem, cell_problem, shown
from .spec import ReturnSpec


@dataclass
class SheetRows:
    """The raw rows of one return sheet, in spec column order, with Excel positions."""

    sheet: str
    rows: list[list[Any]]
    excel_rows: list[int]
    positions: dict[str, int]
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def extract(
    grid: list[list[Any]], header_row: int, positions: dict[str, int], spec: ReturnSpec
) -> tuple[list[list[Any]], list[int]]:
    """Data rows below the header: blank rows skipped, missing columns read as empty.

    On a checklist (fixed rows) a row counts only if something besides the item is filled,
    unless some other row is answered: then every listed item must be answered.
    """
    keys = spec.keys
    rows, numbers = [], []
    for number, line in enumerate(grid[header_row:], start=header_row + 1):
        values = [
            line[positions[k]] if k in positions and positions[k] < len(line) else "" for k in keys
        ]
        if all(is_blank(v) for v in values):
            continue
        rows.append(values)
        numbers.append(number)
    if spec.fixed_rows:
        fixed = keys.index(spec.fixed_rows)
        answered = any(not is_blank(v) for row in rows for i, v in enumerate(row) if i != fixed)
        if not answered:
            return [], []
    return rows, numbers


def _typed_series(values: list[Any], ctype: str) -> pd.Series:
    if ctype == "integer":
        return pd.Series(pd.array(values, dtype="Int64"))
    if ctype == "decimal":
        return pd.Series(pd.array(values, dtype="Float64"))
    if ctype == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    return pd.Series(values, dtype=object)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def check_sheets(spec: ReturnSpec, period: Period | None, sheets: list[SheetRows]) -> None:
    """Fill `records` and `problems` of every sheet; a sheet with no problems is valid."""
    converters = {c.key: converter(c) for c in spec.columns}
    columns: dict[str, list[Any]] = {c.key: [] for c in spec.columns}
    owner: list[tuple[int, int]] = []  # frame position -> (sheet index, excel row)
    bad_cells: set[tuple[int, str]] = set()
    position = 0
    for s, sheet in enumerate(sheets):
        for raw, number in zip(sheet.rows, sheet.excel_rows, strict=True):
            for column, value in zip(spec.columns, raw, strict=True):
                typed = None
                if not is_blank(value):
                    typed, error = converters[column.key](value)
                    if error:
                        _add(sheet, cell_problem(error, column, value, period=period), number)
                        bad_cells.add((position, column.key))
                        typed = None
                columns[column.key].append(typed)
            owner.append((s, number))
            position += 1
    if not owner:
        return
    frame = pd.DataFrame({c.key: _typed_series(columns[c.key], c.type) for c in spec.columns})
    compiled = cached_schema(spec, period)
    try:
        compiled.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        _map_failures(exc.failure_cases, compiled, spec, frame, sheets, owner, bad_cells, period)
    _duplicates(spec, frame, sheets, owner, bad_cells)
    for position, (s, _number) in enumerate(owner):
        sheets[s].records.append({k: _jsonable(columns[k][position]) for k in spec.keys})


def _add(sheet: SheetRows, problem: Problem, number: int) -> None:
    problem.sheet = sheet.sheet
    problem.row = number
    if problem.column_key in sheet.positions:
        problem.cell = f"{xl_col_to_name(sheet.positions[problem.column_key])}{number}"
    sheet.problems.append(problem)


def _map_failures(
    cases: pd.DataFrame,
    compiled,
    spec: ReturnSpec,
    frame: pd.DataFrame,
    sheets: list[SheetRows],
    owner: list[tuple[int, int]],
    bad_cells: set,
    period,
) -> None:
    cases = cases[cases["index"].notna()]
    is_rule = cases["check"].astype(str).str.startswith(RULE_PREFIX)
    for case in cases[~is_rule].itertuples(index=False):
        position = int(case.index)
        key = str(case.column)
        if (position, key) in bad_cells:
            continue
        bad_cells.add((position, key))
        column = spec.column(key)
        if case.check == "not_nullable":
            code = "required"
        elif case.check_number is not None and not pd.isna(case.check_number):
            code = compiled.column_codes[key][int(case.check_number)]
        else:
            code = "invalid_value"
        s, number = owner[position]
        _add(sheets[s], cell_problem(code, column, case.failure_case, period=period), number)
    seen_rules: set[tuple[int, str]] = set()
    for case in cases[is_rule].itertuples(index=False):
        position, code = int(case.index), str(case.check)[len(RULE_PREFIX) :]
        if (position, code) in seen_rules:
            continue
        seen_rules.add((position, code))
        rule = next(r for r in compiled.rules if r.code == code)
        if any((position, k) in bad_cells for k in rule.columns):
            continue  # a cell the rule needs is already wrong on its own: one message is enough
        target = (
            rule.left[0]
            if rule.kind == "compare"
            else next((k for k in rule.then if pd.isna(frame.at[position, k])), rule.then[0])
        )
        s, number = owner[position]
        _add(
            sheets[s],
            cell_problem("rule", spec.column(target), frame.at[position, target], rule=rule),
            number,
        )


def _duplicates(
    spec: ReturnSpec,
    frame: pd.DataFrame,
    sheets: list[SheetRows],
    owner: list[tuple[int, int]],
    bad_cells: set,
) -> None:
    if not spec.unique:
        return
    keyed = frame[list(spec.unique)].copy()
    keyed["_sheet"] = [s for s, _ in owner]
    complete = keyed.notna().all(axis=1)
    first_seen: dict[tuple, int] = {}
    for position in keyed.index[complete]:
        signature = tuple(shown(v) for v in keyed.loc[position].tolist())
        s, number = owner[position]
        if signature in first_seen:
            column = spec.column(spec.unique[0])
            _add(
                sheets[s],
                cell_problem(
                    "duplicate_row",
                    column,
                    frame.at[position, spec.unique[0]],
                    first=first_seen[signature],
                ),
                number,
            )
        else:
            first_seen[signature] = number
