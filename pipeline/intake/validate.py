"""Normalise and validate the rows of many sheets of one return at once.

Checking a frame costs mostly per call, so sheets are stacked per return and period and
checked in one frame (`compile.failures`, held to pandera's answers by the tests); each
failure is mapped back to its sheet, its Excel row and its cell through the row's
position. A file validated alone gets the same problems.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import Any

import pandas as pd

from pipeline.core.cells import column_name
from pipeline.core.folding import fold, is_blank
from pipeline.core.ids import id_problem
from pipeline.core.messages import render
from pipeline.core.text import Text
from pipeline.intake.compile import (
    ID_CHECK,
    NOT_NULLABLE,
    CompiledSchema,
    Failure,
    cached_schema,
    failures,
)
from pipeline.specs.campaign import Period
from pipeline.specs.headers import header_positions, spec_labels
from pipeline.specs.normalise import SLOW, converter, fast_path
from pipeline.specs.offences import NO, UNKNOWN, YES, needs_reading, verdict
from pipeline.specs.problems import Problem, cell_problem, shown
from pipeline.specs.returns import ReturnSpec


@dataclass
class SheetRows:
    """The raw rows of one return sheet, in spec column order, with Excel positions."""

    sheet: str
    rows: list[list[Any]]
    excel_rows: list[int]
    positions: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    typed: dict[str, list[Any]] | None = None  # filled by `normalise_sheet`
    bad: set[tuple[int, str]] = field(
        default_factory=set
    )  # (row index, key) that failed to convert
    stored: tuple[str, str] | None = None  # the ledger's text of an accepted sheet (`batch.seal`)
    received: dt.date | None = None  # no date in the sheet may lie after the day it was sent
    merged: dict[tuple[int, int], str] = field(default_factory=dict)
    """(Excel row, 0-based column) of a cell covered by a merge → the merge's first cell."""


TOTAL_WORDS = frozenset(
    {"итого", "всего", "барлығы", "жиыны", "барлыгы", "жиыны:", "итого:", "всего:", "барлығы:"}
)


def _is_numbering(values: list[Any]) -> bool:
    """The "1 2 3 …" row forms often carry under the header: column numbers, not data."""
    filled = [v for v in values if not is_blank(v)]
    if len(filled) < 3:
        return False
    try:
        numbers = [float(str(v).strip().rstrip(".")) for v in filled]
    except ValueError:
        return False
    if not all(math.isfinite(n) and n.is_integer() for n in numbers):  # "nan", "inf", "1.5"
        return False
    return numbers == [float(n) for n in range(int(numbers[0]), int(numbers[0]) + len(numbers))]


def _is_second_header(values: list[Any], spec: ReturnSpec) -> bool:
    """Headers in two rows (Kazakh, then Russian): the second one is not data."""
    if sum(type(v) is str for v in values) * 2 < len(spec.columns):
        return False  # a header is text: a row of numbers and dates is told apart at once
    index = spec_labels(spec)
    return len(header_positions(values, index)) * 2 >= len(spec.columns)


NIL_WORDS = frozenset(
    fold(w)
    for w in (
        "нет данных", "данных нет", "деректер жоқ", "жоқ", "нет", "-", "–", "—", "не было",
        "болған жоқ", "нулевой отчет", "нулевой отчёт", "нөлдік есеп", "иә, деректер жоқ",
        "да, данных нет", "деректер жоқ / данных нет", "жоқ / нет", "отсутствует",
        "отсутствуют", "случаев не было", "фактов нет", "не выявлено", "анықталған жоқ",
    )
)  # fmt: skip
"""What people type on an empty sheet to say "nothing happened": read as an empty sheet,
so the return's nil rule applies instead of a «required» error on every column."""


def _says_nothing(rows: list[list[Any]]) -> bool:
    """Whether every filled cell is one of `NIL_WORDS` (and some cell is filled). The first
    cell of real data answers: no need to look at the rest of a sheet of data."""
    said = False
    for row in rows:
        for value in row:
            if value is None or value == "":
                continue
            if type(value) is not str or fold(value) not in NIL_WORDS:
                if is_blank(value):
                    continue
                return False
            said = True
    return said


_TOTAL_INITIALS = frozenset("ИиВвБбЖжB")  # how the total words begin, Latin look-alike included


def _is_total(values: list[Any]) -> bool:
    """A "Барлығы / Итого" row a secretary adds under the data: derived, never stored."""
    first = values[0]
    if first is None or first == "":
        first = next((v for v in values if v is not None and v != ""), None)
    if type(first) is not str or len(first) > 40:
        return False
    text = first.lstrip()
    if text[:1] not in _TOTAL_INITIALS:  # most rows are told apart here, before folding
        return False
    return fold(text).replace("/", " ").split(" ")[0] in TOTAL_WORDS


def _picker(columns: list[int | None], width: int) -> Callable[[list[Any]], list[Any]]:
    """Values of the spec's columns from a grid row (missing columns read as empty)."""
    if columns and None not in columns and max(columns) < width:
        if len(columns) == 1:
            only = columns[0]
            return lambda line: [line[only]]
        get = itemgetter(*columns)
        return lambda line: list(get(line))
    return lambda line: [line[c] if c is not None and c < len(line) else "" for c in columns]


def extract(
    grid: list[list[Any]], header_row: int, positions: dict[str, int], spec: ReturnSpec
) -> tuple[list[list[Any]], list[int], list[int]]:
    """Data rows below the header: blank rows skipped, missing columns read as empty.

    Returns the rows, their Excel numbers, and the numbers of total rows left out. A
    column-numbering row right under the header is skipped. On a checklist (fixed rows) a
    row counts only if something besides the item is filled, unless some other row is
    answered: then every listed item must be answered.
    """
    keys = spec.keys
    columns = [positions.get(k) for k in keys]
    width = len(keys)
    pick = _picker(columns, min((len(line) for line in grid[header_row:]), default=0))
    rows, numbers, totals = [], [], []
    for number, line in enumerate(grid[header_row:], start=header_row + 1):
        values = pick(line)
        if values.count("") + values.count(None) == width:
            continue
        if is_blank(values[0]) and all(is_blank(v) for v in values):
            continue
        if not rows and (_is_numbering(values) or _is_second_header(values, spec)):
            continue
        if _is_total(values):
            totals.append(number)
            continue
        rows.append(values)
        numbers.append(number)
    if not spec.fixed_rows and _says_nothing(rows):
        return [], [], totals
    if spec.fixed_rows:
        fixed = keys.index(spec.fixed_rows)
        answered = any(not is_blank(v) for row in rows for i, v in enumerate(row) if i != fixed)
        if not answered:
            return [], [], totals
    return rows, numbers, totals


def _typed_series(values: list[Any], ctype: str) -> pd.Series:
    if ctype == "integer":
        return pd.Series(pd.array(values, dtype="Int64"))
    if ctype == "decimal":
        return pd.Series(pd.array(values, dtype="Float64"))
    if ctype == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    return pd.Series(values, dtype=object)


_EDGES = " '\t\r\n\u00a0\u202f\u2009"


@lru_cache(maxsize=256)
def _fast_paths(spec: ReturnSpec) -> tuple[Callable[[Any], Any], ...]:
    """Each column's `fast_path`, found once per return: the converters are cached by their
    column, and hashing a column (its labels, its choices) on every sheet cost more than
    converting its cells (a spec hashes by identity)."""
    return tuple(fast_path(column) for column in spec.columns)


def normalise_sheet(spec: ReturnSpec, sheet: SheetRows) -> None:
    """Convert raw cells to typed values (in the reader's process); errors become problems.

    Column by column: clean cells take a fast path, the rest the full converter. The raw
    rows are dropped afterwards.
    """
    count = len(sheet.rows)
    raw_columns = list(zip(*sheet.rows, strict=True)) if count else [()] * len(spec.columns)
    typed: dict[str, list[Any]] = {}
    for column, fast, raw in zip(spec.columns, _fast_paths(spec), raw_columns, strict=True):
        out = list(map(fast, raw))
        if SLOW not in out:
            typed[column.key] = out
            continue
        convert = converter(column)
        for i, result in enumerate(out):
            if result is not SLOW:
                continue
            value = raw[i]
            if (
                type(value) is str
                and (value[0] in _EDGES or value[-1] in _EDGES)
                and is_blank(value)
            ):
                out[i] = None
                continue
            result, error = convert(value)
            if error:
                _add(sheet, cell_problem(error, column, value), sheet.excel_rows[i])
                sheet.bad.add((i, column.key))
                result = None
            out[i] = result
        typed[column.key] = out
    sheet.typed = typed
    sheet.rows = []


Checker = Callable[[CompiledSchema, pd.DataFrame], list[Failure]]


def check_sheets(
    spec: ReturnSpec, period: Period | None, sheets: list[SheetRows], checker: Checker = failures
) -> None:
    """Validate sheets of one return and period stacked in one frame; fill their problems.
    `checker` finds the refused values (`compile.failures`; pandera's, as the tests' oracle,
    is `compile.pandera_failures`)."""
    for sheet in sheets:
        if sheet.typed is None:
            normalise_sheet(spec, sheet)
    columns: dict[str, list[Any]] = {c.key: [] for c in spec.columns}
    owner: list[tuple[int, int]] = []  # frame position -> (sheet index, excel row)
    bad_cells: set[tuple[int, str]] = set()
    for s, sheet in enumerate(sheets):
        offset = len(owner)
        for key in columns:
            columns[key].extend(sheet.typed[key])
        owner.extend(zip(repeat(s), sheet.excel_rows))
        bad_cells.update((offset + i, key) for i, key in sheet.bad)
    if not owner:
        return
    frame = pd.DataFrame({c.key: _typed_series(columns[c.key], c.type) for c in spec.columns})
    found = checker(cached_schema(spec, period), frame)
    if found:
        _map_failures(found, spec, frame, sheets, owner, bad_cells, period)
    _after_received(spec, frame, sheets, owner, bad_cells)
    _duplicates(spec, frame, sheets, owner, bad_cells)
    _article_queries(spec, frame, sheets, owner, bad_cells)


LANGS = ("kk", "ru")


def _article_queries(
    spec: ReturnSpec,
    frame: pd.DataFrame,
    sheets: list[SheetRows],
    owner: list[tuple[int, int]],
    bad_cells: set,
) -> None:
    """Ask, never guess: an article that cannot be read against the declared offences, or a
    corruption flag the article contradicts, is a query on the article's cell. The law
    decides what is counted; the sender is asked to confirm or correct."""
    for column in spec.columns:
        rule = column.offences
        if rule is None or rule.register is None:
            continue
        needed = rule.keys(column.key)
        answers: dict[tuple, Problem | None] = {}  # a district's rows name few articles
        rows = zip(*(frame[c].tolist() for c in needed), strict=True)
        for position, values in zip(frame.index, rows, strict=True):
            if (position, column.key) in bad_cells:
                continue
            answer = answers.get(values, _UNREAD)
            if answer is _UNREAD:
                answer = _article_answer(spec, column, dict(zip(needed, values, strict=True)))
                answers[values] = answer
            if answer is not None:
                s, number = owner[position]
                _add(sheets[s], copy.copy(answer), number)


_UNREAD = object()


def _article_answer(spec: ReturnSpec, column, row: dict) -> Problem | None:
    """The query a row's article asks, if it has one to read (the same cells, the same
    answer: it is read once per distinct row)."""
    if not needs_reading(column.offences, row, column.key):
        return None
    return _article_query(spec, column, row, verdict(spec, column.key, row))


def _article_query(spec: ReturnSpec, column, row: dict, reading) -> Problem | None:
    """The query one row's article asks, if any: the article unread, or the flag beside it
    contradicting it (the law decides; the sender confirms or corrects)."""
    value = shown(row.get(column.key))
    if reading.verdict == UNKNOWN and reading.reason:
        register = column.offences.register
        offences = [
            register.laws[r.law].offences[r.article]
            for r in reading.refs
            if r.law in register.laws and r.article in register.laws[r.law].offences
        ]
        parts = _parts_said(offences, register)
        expected = register.laws.get(reading.expected)
        return _query(
            reading.reason,
            column,
            value,
            value=value,
            parts=parts,
            expected=expected.name if expected else "",
        )
    flag_column, chosen, said = _what_sender_said(spec, column.offences, row, reading)
    if reading.verdict == UNKNOWN or said not in (YES, NO) or said == reading.verdict:
        return None
    names = Text(*("; ".join(o.name.get(lang) for o in reading.offences) for lang in LANGS))
    law = (
        render("law_is_corruption", name=names)
        if reading.verdict == YES
        else render("law_is_not_corruption")
    )
    ticked = chosen.label if chosen else Text(said, said)
    return _query(
        "corruption_flag_disagrees",
        flag_column,
        shown(ticked.both),
        value=value,
        law=Text.of(law),
        flag_label=flag_column.label,
        flag=ticked,
    )


def _what_sender_said(spec: ReturnSpec, rule, row: dict, reading):
    """The sender's own word on whether it is corruption: the flag beside the article (1.1),
    or the offence chosen (1.3) where the article, not the choice, decided."""
    if rule.flag:
        column = spec.column(rule.flag)
        said = row.get(rule.flag)
        return column, column.choice(str(said)), said
    if rule.otherwise and reading.refs:
        column = spec.column(rule.otherwise)
        chosen = column.choice(str(row.get(rule.otherwise)))
        if chosen is not None:
            return column, chosen, YES if chosen.corruption else NO
    return None, None, None


def _query(code: str, column, shown_value: str, **fields) -> Problem:
    message = render(code, **fields)
    return Problem.of(
        message,
        column=column.label.both,
        column_key=column.key,
        value=shown_value,
    )


def _parts_said(offences, register) -> Text:
    """The parts that count of each article read, as each language cites them."""
    cited = [o.parts_cited(register.laws[o.law]) for o in offences]
    return Text(*("; ".join(c.get(lang) for c in cited) for lang in LANGS))


def _add(sheet: SheetRows, problem: Problem, number: int) -> None:
    problem.sheet = sheet.sheet
    problem.row = number
    if problem.column_key in sheet.positions:
        problem.cell = f"{column_name(sheet.positions[problem.column_key])}{number}"
    sheet.problems.append(problem)


def _map_failures(
    found: list[Failure],
    spec: ReturnSpec,
    frame: pd.DataFrame,
    sheets: list[SheetRows],
    owner: list[tuple[int, int]],
    bad_cells: set,
    period,
) -> None:
    """Each refused value becomes its cell's problem (the first check a cell fails speaks
    for it); then each broken rule, unless a cell it needs is already wrong."""
    for case in found:
        if case.rule is not None:
            continue
        position, key = case.position, case.column
        if (position, key) in bad_cells:
            continue
        bad_cells.add((position, key))
        column = spec.column(key)
        s, number = owner[position]
        first_cell = sheets[s].merged.get((number, sheets[s].positions.get(key, -1)))
        code = case.code
        if code == NOT_NULLABLE:
            code = "merged_cell" if first_cell else "required"
        elif code == ID_CHECK:
            end = period.end if period else None
            code = id_problem(str(case.value), column.type, end) or "id_checksum"
        _add(
            sheets[s],
            cell_problem(code, column, case.value, period=period, first=first_cell),
            number,
        )
    for case in found:
        rule, position = case.rule, case.position
        if rule is None:
            continue
        if any((position, k) in bad_cells for k in rule.columns):
            continue  # a cell the rule needs is already wrong on its own: one message is enough
        target = (
            rule.left[0]
            if rule.kind == "compare"
            else rule.if_column  # «corruption» ground, lateness described: the ground is asked
            if rule.kind == "mentions"
            else next(
                (
                    k
                    for k in rule.then
                    if pd.isna(frame.at[position, k]) != (rule.kind == "empty_if")
                ),
                rule.then[0],
            )
        )
        s, number = owner[position]
        problem = cell_problem("rule", spec.column(target), frame.at[position, target], rule=rule)
        _add(sheets[s], problem, number)
        if rule.kind == "compare":  # which term is wrong no one can tell: every cell is marked
            places = sheets[s].positions
            cells = [f"{column_name(places[k])}{number}" for k in rule.columns if k in places]
            problem.cell = ", ".join(dict.fromkeys([problem.cell, *cells]))


def _after_received(
    spec: ReturnSpec,
    frame: pd.DataFrame,
    sheets: list[SheetRows],
    owner: list[tuple[int, int]],
    bad_cells: set,
) -> None:
    """Every date window ends on the day the file was received (`campaign.date_window`):
    a stacked frame holds files received on different days, so this is judged per row."""
    dates = [c for c in spec.columns if c.type == "date" and c.window != "planned"]
    if not dates or all(s.received is None for s in sheets):
        return
    limit = pd.Series(
        pd.to_datetime([sheets[s].received for s, _ in owner]), index=frame.index
    )  # NaT where unknown: never later
    for column in dates:
        late = frame[column.key] > limit
        for position in late[late].index:
            if (position, column.key) in bad_cells:
                continue
            bad_cells.add((position, column.key))
            s, number = owner[position]
            problem = cell_problem(
                "date_after_received",
                column,
                frame.at[position, column.key],
                received=sheets[s].received,
            )
            _add(sheets[s], problem, number)


def _duplicates(
    spec: ReturnSpec,
    frame: pd.DataFrame,
    sheets: list[SheetRows],
    owner: list[tuple[int, int]],
    bad_cells: set,
) -> None:
    """A row whose unique key repeats an earlier row of the same sheet; names the first."""
    if not spec.unique:
        return
    keyed = frame[list(spec.unique)].copy()
    for key in spec.unique:  # a month column: 15.09 and 20.09 are the same month
        if spec.column(key).month:
            keyed[key] = keyed[key].dt.to_period("M")
    keyed["_sheet"] = [s for s, _ in owner]
    keyed = keyed[keyed.notna().all(axis=1)]
    repeated = keyed.duplicated(keep=False)
    if not repeated.any():
        return
    groups = keyed[repeated].groupby(list(keyed.columns), sort=False).groups
    column = spec.column(spec.unique[0])
    for positions in groups.values():
        first_position, *others = sorted(positions)
        first = owner[first_position][1]
        for position in others:
            s, number = owner[position]
            _add(
                sheets[s],
                cell_problem(
                    "duplicate_row", column, frame.at[position, spec.unique[0]], first=first
                ),
                number,
            )
