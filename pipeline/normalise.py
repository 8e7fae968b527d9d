"""Turning what people type into typed values, or into a precise error.

Secretaries type dates as text, numbers with spaces and comma decimals, IINs as numbers,
choices in Latin look-alike letters. Each of these is repaired only where the intent is
unambiguous; anything else is an error with a code from `messages.CATALOG`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from .ids import normalise_id
from .spec import Column

Result = tuple[Any, str | None]
"""(typed value, None) or (what to show the person, error code). Ranges, lengths and
checksums are not judged here: they are declared checks that pandera runs."""

# Latin letters that look like Cyrillic ones, as they end up in typed Cyrillic words.
_LOOKALIKES = str.maketrans("aceopxyiABCEHKMOPTXY", "асеорхуіАВСЕНКМОРТХУ")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2})$"), "dmy2"),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
)
_YES = {"да", "иә", "иа", "ия", "yes", "+", "1", "true", "бар", "есть"}
_NO = {"нет", "жоқ", "жок", "no", "-", "0", "false"}


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip().lstrip("'").strip()


def clean_text(value: Any) -> str:
    """Text as the person meant it: no leading apostrophe, no stray or doubled spaces."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    text = str(value).replace("\r\n", "\n")
    text = text.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return _SPACES.sub(" ", text) if "\n" not in text else text


def fold(value: str) -> str:
    """A comparison key: case, spacing and Latin look-alikes ignored."""
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", clean_text(value)))
    return text.translate(_LOOKALIKES).casefold().replace("ё", "е")


def to_text(value: Any, column: Column) -> Result:
    return clean_text(value), None


def _number_text(value: Any) -> str:
    return _SPACES.sub("", clean_text(value)).replace(",", ".")


def to_decimal(value: Any, column: Column) -> Result:
    if isinstance(value, bool):
        return None, "not_a_number"
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(_number_text(value))
        except ValueError:
            return None, "not_a_number"
    if not math.isfinite(number):
        return None, "not_a_number"
    return number, None


def to_integer(value: Any, column: Column) -> Result:
    number, error = to_decimal(value, column)
    if number is None:
        return None, error
    if not float(number).is_integer():
        return None, "not_integer"
    return int(number), None


def parse_date(value: Any) -> dt.date | None:
    """An Excel date, or text in dd.mm.yyyy, d.m.yy or yyyy-mm-dd; anything else is None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = _SPACES.sub("", clean_text(value)).rstrip("ж.г").rstrip(".")
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
        if order == "dmy2":
            year += 2000
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def to_date(value: Any, column: Column) -> Result:
    day = parse_date(value)
    return (day, None) if day else (None, "not_a_date")


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


def converter(column: Column) -> Callable[[Any], Result]:
    """A one-argument converter for a column (choices get their spelling index once)."""
    if column.type == "choice":
        index = choice_index(column)
        return lambda value: to_choice(value, column, index)
    convert = CONVERTERS[column.type]
    return lambda value: convert(value, column)
