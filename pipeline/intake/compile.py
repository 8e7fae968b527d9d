"""Spec → checks. What a spec declares is kept apart from how it is checked.

Each check of a column is declared once (`ColumnCheck`): its error code, the vectorised
test Adal runs (`failures`), and pandera's built-in check that says the same. pandera
stays the oracle: `compile_schema` builds its schema from the very same declarations, the
naive baseline of `make bench` runs it, and property tests hold both to one answer on
generated sheets. Adal runs its own tests because pandera's bookkeeping cost more than the
tests themselves (~1 ms a file of 2,000).

The frame handed to the checks is already typed by `normalise` (we coerce ourselves, since
a failed pandera coercion hides the column's other checks). Every check is named with the
error code it reports, so failures map straight back to the catalogue (`core/catalogue/`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.core.folding import fold
from pipeline.intake.id_columns import id_problems
from pipeline.specs.campaign import Period, date_window
from pipeline.specs.returns import Column, ReturnSpec, Rule

if TYPE_CHECKING:
    import pandera.pandas as pa

DTYPES = {
    "text": None,
    "integer": "Int64",
    "decimal": "Float64",
    "date": "datetime64[ns]",
    "iin": None,
    "bin": None,
    "choice": None,
}
"""pandera dtypes; None for text-like columns, whose values `normalise` already made str."""
_OPS = {"<=": operator.le, "<": operator.lt, "==": operator.eq, ">=": operator.ge, ">": operator.gt}
RULE_PREFIX = "rule:"
NOT_NULLABLE = "not_nullable"
"""pandera's name for a required column's empty cell; `failures` reports it alike."""
ID_CHECK = "id"
"""An IIN/BIN check: which of its messages applies is read from the failing value
(`ids.id_problem`), so one vectorised pass decides them all."""


@dataclass(frozen=True)
class ColumnCheck:
    """One check of a column: the code it reports, the test on the column's filled values
    (True where a value passes), and pandera's check that says the same (the oracle)."""

    code: str
    holds: Callable[[pd.Series], pd.Series]
    oracle: Callable[[], pa.Check]


@dataclass(frozen=True)
class Failure:
    """A value a check refused: its row in the stacked frame, the column (None for a rule),
    the check (`NOT_NULLABLE`, a column check's code, or the rule) and the value. A broken
    rule is one failure per row, whichever checker found it."""

    position: int
    column: str | None
    code: str
    value: Any = None
    rule: Rule | None = None


@dataclass(frozen=True)
class CompiledSchema:
    """A return's checks for one period: per column its `ColumnCheck`s in order, and the
    rules between columns."""

    spec: ReturnSpec
    checks: dict[str, tuple[ColumnCheck, ...]]
    period: Period | None

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.spec.rules

    @property
    def column_codes(self) -> dict[str, tuple[str, ...]]:
        return {key: tuple(c.code for c in checks) for key, checks in self.checks.items()}


def _pa():
    import pandera.pandas as pa  # the oracle only: Adal's own run never loads it

    return pa


def _column_checks(column: Column, period: Period | None) -> list[ColumnCheck]:
    checks: list[ColumnCheck] = []
    add = checks.append
    if column.type == "text" and column.max_length:
        longest = column.max_length
        add(ColumnCheck(
            "too_long",
            lambda s: s.str.len() <= longest,
            lambda: _pa().Check.str_length(max_value=longest),
        ))  # fmt: skip
    if column.type == "text" and column.pattern:
        pattern = column.pattern
        add(ColumnCheck(
            "pattern",
            lambda s: s.str.match(pattern, na=False),
            lambda: _pa().Check.str_matches(pattern),
        ))  # fmt: skip
    if column.type in ("integer", "decimal"):
        if column.min is not None:
            low = column.min
            add(ColumnCheck("below_min", lambda s: s >= low, lambda: _pa().Check.ge(low)))
        if column.max is not None:
            high = column.max
            add(ColumnCheck("above_max", lambda s: s <= high, lambda: _pa().Check.le(high)))
    if column.type in ("iin", "bin"):
        end, kind = (period.end if period else None), column.type

        def valid_id(values: pd.Series) -> pd.Series:
            return id_problems(values, kind, end) == ""

        add(ColumnCheck(ID_CHECK, valid_id, lambda: _pa().Check(valid_id, name="id")))
    if column.type == "choice":
        codes = [c.code for c in column.choices]
        add(ColumnCheck("bad_choice", lambda s: s.isin(codes), lambda: _pa().Check.isin(codes)))
    if column.type == "date":
        start, end = date_window(column.window, period)
        if start and end:
            low, high = pd.Timestamp(start), pd.Timestamp(end)
            add(ColumnCheck(
                "date_out_of_period",
                lambda s: (s >= low) & (s <= high),
                lambda: _pa().Check.in_range(low, high),
            ))  # fmt: skip
        elif start:
            low = pd.Timestamp(start)
            add(ColumnCheck("date_before_period", lambda s: s >= low, lambda: _pa().Check.ge(low)))
    return checks


def _sum(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    if len(keys) == 1:
        return frame[keys[0]]
    return frame[list(keys)].sum(axis=1, min_count=len(keys))


def rule_holds(rule: Rule, frame: pd.DataFrame) -> pd.Series:
    """True where the rule holds or cannot be judged (a value it needs is missing)."""
    if rule.kind == "compare":
        left, right = _sum(frame, rule.left), _sum(frame, rule.right)
        known = left.notna() & right.notna()
        result = pd.Series(True, index=frame.index)
        result[known] = _OPS[rule.op](left[known], right[known]).astype(bool)
        return result
    triggered = frame[rule.if_column].isin(rule.if_in)
    for column, codes in rule.also:
        triggered &= frame[column].isin(codes)
    if rule.kind == "mentions":  # a text that names none of the words a condition implies
        holds = pd.Series(True, index=frame.index)
        if triggered.any():  # only the triggered rows' texts are read
            text = frame.loc[triggered, rule.then[0]]
            holds[triggered] = text.map(
                lambda v: v is None or v != v or any(w in fold(str(v)) for w in rule.words)
            ).astype(bool)
        return holds
    if rule.kind == "empty_if":  # «no conviction», yet an article: one of them is wrong
        empty = frame[list(rule.then)].isna().all(axis=1)
        return (~triggered | empty).astype(bool)
    filled = frame[list(rule.then)].notna().all(axis=1)
    return (~triggered | filled).astype(bool)


def _rule_check(rule: Rule) -> pa.Check:
    return _pa().Check(lambda frame, r=rule: rule_holds(r, frame), name=f"{RULE_PREFIX}{rule.code}")


def compile_checks(spec: ReturnSpec, period: Period | None) -> CompiledSchema:
    """A return's checks for one reporting period (one per organisation type)."""
    checks = {column.key: tuple(_column_checks(column, period)) for column in spec.columns}
    return CompiledSchema(spec, checks, period)


@lru_cache(maxsize=256)
def cached_schema(spec: ReturnSpec, period: Period | None) -> CompiledSchema:
    """Checks are compiled per (spec, period) only once per process."""
    return compile_checks(spec, period)


def failures(compiled: CompiledSchema, frame: pd.DataFrame) -> list[Failure]:
    """Every value the checks refuse, column by column in the spec's order (an empty
    required cell, then each check in its order, rows ascending), then rule by rule.

    As pandera judges: a column's checks see only its filled cells; a rule fails where it
    does not hold, unless the whole row is empty. Rows are named by the frame's index."""
    found: list[Failure] = []
    for column in compiled.spec.columns:
        key = column.key
        series = frame[key]
        missing = series.isna().to_numpy(dtype=bool)
        if missing.any():
            if column.required:
                found += [Failure(int(p), key, NOT_NULLABLE) for p in series.index[missing]]
            series = series[~missing]
        if series.empty:
            continue
        for check in compiled.checks[key]:
            passed = check.holds(series)
            refused = ~np.asarray(pd.Series(passed).fillna(False), dtype=bool)
            if refused.any():
                bad = series[refused]
                found += [
                    Failure(int(p), key, check.code, v)
                    for p, v in zip(bad.index, bad.tolist(), strict=True)
                ]
    if compiled.rules:
        empty_rows = frame.isna().all(axis="columns").to_numpy(dtype=bool)
        for rule in compiled.rules:
            held = np.asarray(rule_holds(rule, frame), dtype=bool) | empty_rows
            found += [
                Failure(int(p), None, RULE_PREFIX + rule.code, rule=rule)
                for p in frame.index[~held]
            ]
    return found


def compile_schema(spec: ReturnSpec, period: Period | None) -> pa.DataFrameSchema:
    """The same checks as a pandera schema: the oracle the tests hold `failures` to, and the
    naive baseline `make bench` measures."""
    return _schema_of(compile_checks(spec, period))


def _schema_of(compiled: CompiledSchema) -> pa.DataFrameSchema:
    """pandera's schema from the very declarations `failures` runs."""
    pa = _pa()
    spec = compiled.spec
    columns = {
        column.key: pa.Column(
            DTYPES[column.type],
            checks=[check.oracle() for check in compiled.checks[column.key]],
            nullable=not column.required,
        )
        for column in spec.columns
    }
    return pa.DataFrameSchema(
        columns,
        checks=[_rule_check(r) for r in spec.rules],
        name=spec.code,
        strict=False,
        coerce=False,
    )


def pandera_failures(compiled: CompiledSchema, frame: pd.DataFrame) -> list[Failure]:
    """`failures` as pandera finds them, in pandera's order (the oracle; tests only)."""
    pa = _pa()
    schema = _schema_of(compiled)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    if cases["index"].isna().any():  # pandera's own error (a check that raised): said, not hidden
        raise ValueError(f"pandera could not run a check: {cases[cases['index'].isna()]}")
    rules = {RULE_PREFIX + r.code: r for r in compiled.rules}
    found, seen = [], set()
    for case in cases.itertuples(index=False):
        check, position = str(case.check), int(case.index)
        if check in rules:
            if (position, check) not in seen:  # pandera names a failing row once per column
                seen.add((position, check))
                found.append(Failure(position, None, check, rule=rules[check]))
        elif check == NOT_NULLABLE:
            found.append(Failure(position, str(case.column), NOT_NULLABLE))
        elif case.check_number is not None and not pd.isna(case.check_number):
            code = compiled.checks[str(case.column)][int(case.check_number)].code
            found.append(Failure(position, str(case.column), code, case.failure_case))
        else:  # a check of pandera's own (its dtype): never raised by a frame Adal typed
            found.append(Failure(position, str(case.column), "invalid_value", case.failure_case))
    return found


def empty_typed_frame(spec: ReturnSpec) -> pd.DataFrame:
    return pd.DataFrame({c.key: pd.Series(dtype=DTYPES[c.type]) for c in spec.columns})
