"""Spec → pandera schema. What a spec declares is kept apart from how it is checked.

The frame handed to the schema is already typed by `normalise` (we coerce ourselves, since
a failed pandera coercion hides the column's other checks). Every check is named with the
error code it reports, so failures map straight back to the catalogue (`core/catalogue/`).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from pipeline.core.folding import fold
from pipeline.intake.id_columns import id_problems
from pipeline.specs.campaign import Period, date_window
from pipeline.specs.returns import Column, ReturnSpec, Rule

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
ID_CHECK = "id"
"""An IIN/BIN check: which of its messages applies is read from the failing value
(`ids.id_problem`), so one vectorised pass decides them all."""


@dataclass(frozen=True)
class CompiledSchema:
    """The pandera schema and, per column, the error code of each of its checks in order
    (pandera reports `check_number`, and its built-in checks keep their own names)."""

    schema: pa.DataFrameSchema
    column_codes: dict[str, tuple[str, ...]]
    rules: tuple[Rule, ...]
    period: Period | None


def _column_checks(column: Column, period: Period | None) -> list[tuple[str, pa.Check]]:
    checks: list[tuple[str, pa.Check]] = []
    if column.type == "text" and column.max_length:
        checks.append(("too_long", pa.Check.str_length(max_value=column.max_length)))
    if column.type == "text" and column.pattern:
        checks.append(("pattern", pa.Check.str_matches(column.pattern)))
    if column.type in ("integer", "decimal"):
        if column.min is not None:
            checks.append(("below_min", pa.Check.ge(column.min)))
        if column.max is not None:
            checks.append(("above_max", pa.Check.le(column.max)))
    if column.type in ("iin", "bin"):
        end = period.end if period else None
        checks.append(
            (ID_CHECK, pa.Check(lambda v, k=column.type: id_problems(v, k, end) == "", name="id"))
        )
    if column.type == "choice":
        checks.append(("bad_choice", pa.Check.isin([c.code for c in column.choices])))
    if column.type == "date":
        start, end = date_window(column.window, period)
        if start and end:
            bounds = pd.Timestamp(start), pd.Timestamp(end)
            checks.append(("date_out_of_period", pa.Check.in_range(*bounds)))
        elif start:
            checks.append(("date_before_period", pa.Check.ge(pd.Timestamp(start))))
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
    return pa.Check(lambda frame, r=rule: rule_holds(r, frame), name=f"{RULE_PREFIX}{rule.code}")


def compile_schema(spec: ReturnSpec, period: Period | None) -> CompiledSchema:
    """The pandera schema of a return for one reporting period (one per organisation type)."""
    columns, codes = {}, {}
    for column in spec.columns:
        checks = _column_checks(column, period)
        codes[column.key] = tuple(code for code, _ in checks)
        columns[column.key] = pa.Column(
            DTYPES[column.type], checks=[c for _, c in checks], nullable=not column.required
        )
    schema = pa.DataFrameSchema(
        columns,
        checks=[_rule_check(r) for r in spec.rules],
        name=spec.code,
        strict=False,
        coerce=False,
    )
    return CompiledSchema(schema, codes, spec.rules, period)


@lru_cache(maxsize=256)
def cached_schema(spec: ReturnSpec, period: Period | None) -> CompiledSchema:
    """Schemas are rebuilt per (spec, period) only once per process."""
    return compile_schema(spec, period)


def empty_typed_frame(spec: ReturnSpec) -> pd.DataFrame:
    return pd.DataFrame({c.key: pd.Series(dtype=DTYPES[c.type]) for c in spec.columns})
