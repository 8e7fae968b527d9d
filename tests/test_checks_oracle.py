"""Adal's own checks (`compile.failures`) against pandera's (`compile.pandera_failures`):
the same sheets, the same problems, on every return and organisation type.

pandera is the oracle: the checks are declared once (`ColumnCheck`), and each declaration
carries both Adal's vectorised test and pandera's built-in check that says the same.
"""

import dataclasses
import datetime as dt
from collections import Counter

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.ids import complete_id
from pipeline.intake.compile import cached_schema, failures, pandera_failures
from pipeline.intake.validate import SheetRows, _typed_series, check_sheets
from pipeline.specs.campaign import ORG_TYPES, date_window
from tests.helpers import good_11, make_bin, make_iin

BLANK = st.sampled_from([None, "", " "])
WORDS = st.text(alphabet="абвгқөүАБВabc 0123456789.,/-", min_size=1, max_size=12)


@st.composite
def ids(draw, kind: str):
    """Valid IINs and BINs, their look-alikes, wrong check digits, short or lettered ones."""
    if draw(st.booleans()):
        return (
            make_bin(draw(st.integers(0, 9000)))
            if kind == "bin"
            else make_iin(draw(st.integers(0, 900)))
        )
    digits = draw(st.text(alphabet="0123456789", min_size=10, max_size=13))
    if draw(st.booleans()) and len(digits) >= 11:
        return complete_id(digits[:11]) or digits
    return digits + draw(st.sampled_from(["", "", "O", " "]))


def _edges(column, period) -> list:
    """The values on and beside a column's bounds: where `<` and `<=` part."""
    if column.type in ("integer", "decimal"):
        bounds = [b for b in (column.min, column.max) if b is not None]
        return [b + step for b in bounds for step in (-1, 0, 1)]
    if column.type == "date":
        days = [d for d in date_window(column.window, period) if d]
        one = dt.timedelta(days=1)
        return [
            dt.datetime.combine(d + step, dt.time()) for d in days for step in (-one, 0 * one, one)
        ]
    return []


def raw_values(column, period):
    """What a secretary may type in a column of this kind, good and bad."""
    edges = _edges(column, period)
    if edges:
        return st.one_of(st.sampled_from(edges), _raw_values(column))
    return _raw_values(column)


def _raw_values(column):
    if column.type == "text":
        longest = column.max_length or 30
        return st.one_of(
            BLANK, WORDS, st.text(alphabet="аб ", min_size=longest - 1, max_size=longest + 2)
        )
    if column.type in ("integer", "decimal"):
        return st.one_of(
            BLANK,
            st.integers(-3, 2_000),
            st.integers(-(10**7), 10**7),
            st.floats(-5, 1e6, allow_nan=False),
            st.sampled_from(["12", "1,5", "бір", "-1", "0"]),
        )
    if column.type == "date":
        return st.one_of(
            BLANK,
            st.datetimes(dt.datetime(2018, 1, 1), dt.datetime(2026, 12, 31)).map(
                lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0)
            ),
            st.sampled_from(["01.02.2023", "31.02.2023", "вчера", "2023", "02.2023"]),
        )
    if column.type in ("iin", "bin"):
        return st.one_of(BLANK, ids(column.type))
    if column.type == "choice":
        offered = [c.code for c in column.choices]
        offered += [c.label.ru for c in column.choices] + [c.label.kk for c in column.choices]
        return st.one_of(BLANK, st.sampled_from(offered), WORDS)
    return st.one_of(BLANK, WORDS)


def _planned(specs, campaign) -> list[tuple[str, str]]:
    """Every return the plan asks of an organisation type, with that type."""
    pairs = []
    for code in sorted(specs):
        for org_type in ORG_TYPES:
            try:
                campaign.period(code, org_type)
            except KeyError:
                continue
            pairs.append((code, org_type))
    return pairs


@st.composite
def stacked_sheets(draw, specs, campaign, pairs):
    """Up to three sheets of one return, each up to six rows, for one organisation type."""
    code, org_type = draw(st.sampled_from(pairs))
    spec, period = specs[code], campaign.period(code, org_type)
    sheets = []
    for n in range(draw(st.integers(1, 3))):
        rows = draw(
            st.lists(
                st.tuples(*(raw_values(c, period) for c in spec.columns)).map(list),
                min_size=1,
                max_size=6,
            )
        )
        received = draw(st.one_of(st.none(), st.dates(dt.date(2023, 1, 1), dt.date(2024, 6, 1))))
        sheets.append((f"{spec.sheet} {n}", rows, received))
    return code, org_type, sheets


def _sheets(raw):
    return [
        SheetRows(
            name,
            [list(r) for r in rows],
            list(range(5, 5 + len(rows))),
            {k: i for i, k in enumerate(keys)},
            received=received,
        )
        for name, rows, received, keys in raw
    ]


def _said(sheets):
    """Every problem as the sender reads it, sheet by sheet, in reading order."""
    return [
        sorted(
            (p.row or 0, p.cell, p.code, p.column_key, p.kk, p.ru, str(p.value), p.severity)
            for p in s.problems
        )
        for s in sheets
    ]


def _both(spec, period, raw):
    ours, theirs = _sheets(raw), _sheets(raw)
    check_sheets(spec, period, ours, checker=failures)
    check_sheets(spec, period, theirs, checker=pandera_failures)
    return _said(ours), _said(theirs)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_adal_checks_find_what_pandera_finds(specs, campaign, data):
    code, org_type, sheets = data.draw(stacked_sheets(specs, campaign, _planned(specs, campaign)))
    spec = specs[code]
    period = campaign.period(spec.code, org_type)
    raw = [(name, rows, received, spec.keys) for name, rows, received in sheets]
    ours, theirs = _both(spec, period, raw)
    assert ours == theirs


def test_many_failures_in_one_stack_are_the_same_problems(specs, campaign):
    """Over sixteen failures pandera sorts its list with an unstable sort; the problems, once
    in reading order, are still the same."""
    spec = specs["1.1"]
    bad = {**good_11(), "iin": "850102300011", "has_record": "Возможно", "full_name": "А" * 151}
    rows = [[bad.get(k, "") for k in spec.keys] for _ in range(12)]
    raw = [(f"{spec.sheet} {n}", rows, None, spec.keys) for n in range(3)]
    ours, theirs = _both(spec, campaign.period("1.1", "general_secondary"), raw)
    assert ours == theirs
    checked = [p for s in ours for p in s if p[2] in ("id_checksum", "bad_choice", "too_long")]
    assert len(checked) == 3 * 12 * 3


@pytest.mark.parametrize("code", ["1.1", "1.3", "1.4", "2"])
def test_each_check_is_declared_once_for_both(specs, campaign, code):
    """Adal's tests and pandera's schema come from one list: same columns, same checks."""
    from pipeline.intake.compile import compile_schema

    period = campaign.period(code, "general_secondary")
    compiled, schema = cached_schema(specs[code], period), compile_schema(specs[code], period)
    assert list(schema.columns) == list(compiled.checks)
    for key, checks in compiled.checks.items():
        assert len(schema.columns[key].checks) == len(checks)
    assert [c.name for c in schema.checks] == [f"rule:{r.code}" for r in specs[code].rules]


def _typed_values(column, period):
    """Typed cells as `normalise` hands them over, and some it never would by itself: a
    choice that is not one of the codes, bounds met exactly, a text off its pattern."""
    blank = st.sampled_from([None])
    edges = _edges(column, period)
    if column.type == "text":
        longest = column.max_length or 30
        return st.one_of(
            blank, WORDS, st.text(alphabet="аб1 ", min_size=longest - 1, max_size=longest + 2)
        )
    if column.type == "integer":
        return st.one_of(
            blank, st.sampled_from([int(e) for e in edges] or [0]), st.integers(-5, 10**6)
        )
    if column.type == "decimal":
        return st.one_of(
            blank, st.sampled_from([float(e) for e in edges] or [0.0]), st.floats(-5, 1e6)
        )
    if column.type == "date":
        return st.one_of(
            blank,
            st.sampled_from(edges or [dt.datetime(2023, 1, 1)]),
            st.datetimes(dt.datetime(2018, 1, 1), dt.datetime(2026, 12, 31)).map(
                lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0)
            ),
        )
    if column.type in ("iin", "bin"):
        return st.one_of(blank, ids(column.type))
    if column.type == "choice":
        return st.one_of(blank, st.sampled_from([c.code for c in column.choices]), WORDS)
    return st.one_of(blank, WORDS)


def _varied(column, draw):
    """The column, sometimes with a check no shipped spec declares: an upper bound, a
    pattern, a BIN instead of an IIN."""
    if column.type in ("integer", "decimal") and draw(st.booleans()):
        return dataclasses.replace(column, max=draw(st.sampled_from([0, 5, 100])))
    if column.type == "text" and draw(st.booleans()):
        return dataclasses.replace(column, pattern=draw(st.sampled_from([r"\d", r"[а-я]+$", "А"])))
    if column.type == "iin" and draw(st.booleans()):
        return dataclasses.replace(column, type="bin")
    return column


@st.composite
def typed_frames(draw, specs, campaign, pairs):
    code, org_type = draw(st.sampled_from(pairs))
    period = campaign.period(code, org_type)
    spec = specs[code]
    spec = dataclasses.replace(spec, columns=tuple(_varied(c, draw) for c in spec.columns))
    rows = draw(st.integers(0, 25))
    columns = {
        c.key: draw(st.lists(_typed_values(c, period), min_size=rows, max_size=rows))
        for c in spec.columns
    }
    frame = pd.DataFrame({c.key: _typed_series(columns[c.key], c.type) for c in spec.columns})
    return spec, period, frame


def _found(failures_):
    return Counter((f.position, f.column, f.code, str(f.value)) for f in failures_)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_failure_is_the_same_on_typed_frames(specs, campaign, data):
    """Failures compared one by one, before any problem is made of them (a cell speaks only
    for its first failed check, so problems alone would hide a second one): every check,
    bounds met exactly, choices outside the list, and checks no shipped spec declares."""
    spec, period, frame = data.draw(typed_frames(specs, campaign, _planned(specs, campaign)))
    compiled = cached_schema(spec, period)
    assert _found(failures(compiled, frame)) == _found(pandera_failures(compiled, frame))
