"""Turning what people type into typed values, or into a precise error.

Secretaries type dates as text, numbers with spaces and comma decimals, IINs as numbers,
choices in Latin look-alike letters. Each of these is repaired only where the intent is
unambiguous; anything else is an error with a code from the catalogue (`core/catalogue/`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pipeline.core.folding import _SPACES, clean_text, fold
from pipeline.core.ids import normalise_id
from pipeline.specs.returns import OTHER, Column

Result = tuple[Any, str | None]
"""(typed value, None) or (what to show the person, error code). Ranges, lengths and
checksums are not judged here: they are declared checks (`intake.compile`)."""

_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[./,-](\d{1,2})[./,-](\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})[./,-](\d{1,2})[./,-](\d{2})$"), "dmy2"),
    (re.compile(r"^(\d{4})[./,-](\d{1,2})[./,-](\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{2})(\d{2})(\d{4})$"), "dmy"),  # 01032023, typed without separators
)
_TIME_OF_DAY = re.compile(r"[\sT]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
"""A time after a date copied from another system ("01.03.2023 10:00"): the day is kept."""
_DASHES = {"-", "–", "—"}
_YES = {"да", "иә", "иа", "ия", "yes", "+", "1", "true", "бар", "есть"}
_NO = {"нет", "жоқ", "жок", "no", "-", "0", "false"}


def to_text(value: Any, column: Column) -> Result:
    text = clean_text(value)
    if column.suggest and fold(text) in _PLACEHOLDERS:  # «Другое — укажите» left as chosen
        return None, None
    return text, None


_PLACEHOLDERS = frozenset(
    fold(spelling) for spelling in (OTHER.label.kk, OTHER.label.ru, OTHER.label.both)
)


def _number_text(value: Any) -> str:
    return _SPACES.sub("", clean_text(value)).replace(",", ".")


def to_decimal(value: Any, column: Column) -> Result:
    if isinstance(value, bool):
        return None, "not_a_number"
    if isinstance(value, int | float):
        number = float(value)
    elif column.min is not None and column.min >= 0 and _number_text(value) in _DASHES:
        number = 0.0  # "–" for "none" in a count, as statistical forms write it
    else:
        try:
            number = float(_number_text(value))
        except ValueError:
            return None, "not_a_number"
    if not math.isfinite(number):
        return None, "not_a_number"
    return number, None


MAX_INTEGER = 2**53
"""Beyond this a float is no longer an exact whole number, and no count comes near it:
such a value is a pasted account number or code (and would overflow the Int64 column)."""
MIN_YEAR, MAX_YEAR = 1900, 2099
"""Dates outside these years are typos (3023, 0023); they would also overflow the
nanosecond datetimes pandas validates with."""


TWO_DIGIT_PIVOT = 30
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[.,]\d{3})+$")
"""«1,000», «2.000», «12,000»: thousands grouped, or a decimal mark? In a count nobody can
tell, so the sender is asked (`ambiguous_number`) instead of being stored as 1, 2 or 12."""


def to_integer(value: Any, column: Column) -> Result:
    if isinstance(value, str) and _GROUPED.match(text := _SPACES.sub("", clean_text(value))):
        marks = {c for c in text if c in ".,"}
        if len(marks) > 1 or text.count(next(iter(marks))) == 1:
            return None, "ambiguous_number"  # «1,000»: a thousand, or one?
        value = text.replace(next(iter(marks)), "")  # «1,000,000»: only thousands
    number, error = to_decimal(value, column)
    if number is None:
        return None, error
    if not float(number).is_integer():
        return None, "not_integer"
    if abs(number) > MAX_INTEGER:
        return None, "number_too_large"
    return int(number), None


_MONTHS = (  # stems, longest first where one begins another; Kazakh also as typed without its letters
    ("қаңтар", 1), ("кантар", 1), ("ақпан", 2), ("акпан", 2), ("наурыз", 3), ("сәуір", 4),
    ("сауир", 4), ("мамыр", 5), ("маусым", 6), ("шілде", 7), ("шилде", 7), ("тамыз", 8),
    ("қыркүйек", 9), ("кыркуйек", 9), ("қазан", 10), ("казан", 10), ("қараша", 11),
    ("караша", 11), ("желтоқсан", 12), ("желтоксан", 12), ("янв", 1), ("фев", 2), ("мар", 3),
    ("апр", 4), ("май", 5), ("мая", 5), ("июн", 6), ("июл", 7), ("авг", 8), ("сен", 9),
    ("окт", 10), ("ноя", 11), ("дек", 12),
)  # fmt: skip
_WORD = r"([^\W\d_]+)\.?"
_YEAR_WORDS = r"(?:\s*(?:г|гг|года?|ж|жыл|жылғы|жылгы)\.?)?"
_NAMED = (
    (re.compile(rf"^(\d{{1,2}})\s*{_WORD}\s*(\d{{4}}){_YEAR_WORDS}$"), "d m y"),
    (re.compile(rf"^(\d{{4}}){_YEAR_WORDS}\s*(\d{{1,2}})\s*{_WORD}$"), "y d m"),
)
_MONTH_ONLY = (
    (re.compile(rf"^{_WORD}\s*(\d{{4}}){_YEAR_WORDS}$"), "m y"),
    (re.compile(rf"^(\d{{4}}){_YEAR_WORDS}\s*{_WORD}$"), "y m"),
    (re.compile(r"^(\d{1,2})[./-](\d{4})$"), "n y"),
    (re.compile(r"^(\d{4})[./-](\d{1,2})$"), "y n"),
)


def _month_number(word: str) -> int | None:
    word = word.casefold()
    return next((n for stem, n in _MONTHS if word.startswith(stem)), None)


def _named_date(text: str, month_only: bool) -> dt.date | None:
    """ "15 февраля 2023 г.", "2023 жылғы 15 ақпан"; for a month column also "ақпан 2023",
    "02.2023" and "2023-02" (the first of that month)."""
    text = _SPACES.sub(" ", text).strip().rstrip(".").strip()
    patterns = _NAMED + (_MONTH_ONLY if month_only else ())
    for pattern, order in patterns:
        match = pattern.match(text)
        if not match:
            continue
        parts = dict(zip(order.split(), match.groups(), strict=True))
        month = int(parts["n"]) if "n" in parts else _month_number(parts["m"])
        if month is None:
            return None
        try:
            return dt.date(int(parts["y"]), month, int(parts.get("d", 1)))
        except ValueError:
            return None
    return None


def parse_date(value: Any, month_only: bool = False) -> dt.date | None:
    """An Excel date, or text in dd.mm.yyyy, d.m.yy, yyyy-mm-dd or with the month's name
    (KZ/RU); for a month column also a month and year alone. Anything else is None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    cleaned = clean_text(value)
    text = _SPACES.sub("", _TIME_OF_DAY.sub("", cleaned)).rstrip("ж.г").rstrip(".")
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
        if order == "dmy2":  # as Excel reads a two-digit year: 00–29 → 2000s, 30–99 → 1900s
            year += 2000 if year < TWO_DIGIT_PIVOT else 1900
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return _named_date(cleaned, month_only)


def to_date(value: Any, column: Column) -> Result:
    day = parse_date(value, month_only=column.month)
    if day is None:
        return None, "not_a_date"
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None, "date_implausible"
    return day, None


def to_identifier(value: Any, column: Column) -> Result:
    return normalise_id(value)


def choice_index(column: Column) -> dict[str, str]:
    """Every accepted spelling of every choice (code, KZ, RU, both), folded, to its code."""
    index: dict[str, str] = {}
    for choice in column.choices:
        for spelling in (choice.code, choice.label.kk, choice.label.ru, choice.label.both):
            index[fold(spelling)] = choice.code
    codes = {c.code for c in column.choices}
    if codes == {"yes", "no"} or codes == {"yes", "no", "partial"}:
        index.update({fold(s): "yes" for s in _YES})
        index.update({fold(s): "no" for s in _NO})
    return index


def to_choice(value: Any, column: Column, index: dict[str, str]) -> Result:
    if isinstance(value, bool):
        value = "yes" if value else "no"
    code = index.get(fold(value))
    return (code, None) if code else (clean_text(value), "bad_choice")


CONVERTERS: dict[str, Callable[[Any, Column], Result]] = {
    "text": to_text,
    "integer": to_integer,
    "decimal": to_decimal,
    "date": to_date,
    "iin": to_identifier,
    "bin": to_identifier,
}


@lru_cache(maxsize=512)
def converter(column: Column) -> Callable[[Any], Result]:
    """A one-argument converter for a column, remembering what it already converted.

    Returns repeat themselves (the same choice, date or count on hundreds of rows), so each
    distinct raw value of those columns is converted once per process.
    """
    if column.type == "choice":
        index = choice_index(column)

        def convert(value: Any) -> Result:
            return to_choice(value, column, index)
    else:
        base = CONVERTERS[column.type]

        def convert(value: Any) -> Result:
            return base(value, column)

    if column.type not in ("choice", "date", "integer"):
        return convert  # names and IINs rarely repeat: remembering them only costs memory
    memo: dict[tuple[type, Any], Result] = {}

    def remembered(value: Any) -> Result:
        key = (type(value), value)
        try:
            return memo[key]
        except KeyError:
            result = memo[key] = convert(value)
            return result
        except TypeError:  # unhashable: convert every time
            return convert(value)

    return remembered


SLOW = object()
"""What a fast path returns when the value needs the full converter."""


@lru_cache(maxsize=512)
def fast_path(column: Column) -> Callable[[Any], Any]:
    """The typed value for the overwhelmingly common clean cell, None for an empty one, or
    SLOW.

    Cells arrive as Excel stores them: dates as dates, counts as floats, labels picked
    from the dropdown. Those are taken as they are; anything else goes to `converter`.
    Called for every cell, so each test is the cheapest one that decides.
    """
    if column.type == "date":
        return lambda v: (
            v
            if type(v) is dt.date and MIN_YEAR <= v.year <= MAX_YEAR
            else (None if v == "" or v is None else SLOW)
        )
    if column.type == "integer":
        return lambda v: (
            int(v)
            if type(v) is float and v.is_integer() and -MAX_INTEGER <= v <= MAX_INTEGER
            else (None if v == "" or v is None else SLOW)
        )
    if column.type == "decimal":
        return lambda v: (
            float(v) if type(v) in (float, int) else (None if v == "" or v is None else SLOW)
        )
    if column.type == "text" and column.suggest:
        return lambda v: SLOW if type(v) is str and v else (None if v == "" or v is None else SLOW)
    if column.type == "text":
        return lambda v: (
            v if type(v) is str and v and _is_clean(v) else (None if v == "" or v is None else SLOW)
        )
    if column.type in ("iin", "bin"):
        return lambda v: (
            v
            if type(v) is str and len(v) == 12 and v.isdigit()
            else (None if v == "" or v is None else SLOW)
        )
    exact: dict[Any, Any] = {"": None}
    for choice in column.choices:
        for spelling in (choice.code, choice.label.kk, choice.label.ru, choice.label.both):
            exact[spelling] = choice.code
    return lambda v: exact.get(v, SLOW) if type(v) is str else (None if v is None else SLOW)


def _is_clean(text: str) -> bool:
    """Same answer as `not _NEEDS_CLEANING.search(text)` for non-empty text, without a regex:
    printable text has no tabs, breaks or non-breaking spaces, so only plain spaces remain
    to look at."""
    return (
        text.isprintable()
        and text[0] != " "
        and text[0] != "'"
        and text[-1] != " "
        and "  " not in text
    )
