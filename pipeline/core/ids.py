"""Kazakh IIN/BIN: checksum, what the digits encode, and the repair of identifiers that
Excel turned into numbers.

An IIN begins with the date of birth (YYMMDD) and a 7th digit 1–6 that gives the century
(1–2: 1800s, 3–4: 1900s, 5–6: 2000s); a BIN begins with the year and month of registration
and a 5th digit 4, 5 or 6 (the kind of legal entity). The 5th digit tells them apart: in an
IIN it is the first digit of a day, never above 3.
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.core.chars import CONTROL, INVISIBLE

WEIGHTS_FIRST = tuple(range(1, 12))
WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_DIGITS12 = re.compile(r"^\d{12}$")
_IGNORED = re.compile(rf"[\s\u00a0{CONTROL}{INVISIBLE}]")
"""Spaces and the characters pasted text carries unseen: never part of a number."""


def check_digit(first11: str) -> int | None:
    """The 12th digit for 11 digits, or None when the number cannot be valid (10 twice)."""
    digits = [int(c) for c in first11]
    value = sum(d * w for d, w in zip(digits, WEIGHTS_FIRST, strict=True)) % 11
    if value == 10:
        value = sum(d * w for d, w in zip(digits, WEIGHTS_SECOND, strict=True)) % 11
        if value == 10:
            return None
    return value


def is_valid_id(value: object) -> bool:
    """True for a 12-digit IIN or BIN text whose checksum holds."""
    if not isinstance(value, str) or not _DIGITS12.match(value):
        return False
    expected = check_digit(value[:11])
    return expected is not None and expected == int(value[11])


def complete_id(first11: str) -> str | None:
    """Append the check digit; None if no check digit exists for these 11 digits."""
    digit = check_digit(first11)
    return None if digit is None else first11 + str(digit)


def normalise_id(raw: object) -> tuple[str | None, str | None]:
    """Turn what a person typed into 12-digit text. Returns (value, error_code).

    Excel stores an IIN typed without a leading apostrophe as a number, so people born
    2000-2009 (IINs starting with 0) arrive with 11 digits: a whole number is zero-padded.
    Text is never padded: 11 typed characters are a typo, not a lost zero.
    """
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, bool):
        return None, "id_format"
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not raw.is_integer():
            return None, "id_format"
        number = int(raw)
        if number < 0 or number >= 10**12:
            return None, "id_format"
        return f"{number:012d}", None
    text = _IGNORED.sub("", str(raw).strip().lstrip("'"))
    if not text.isascii():  # full-width or Arabic-Indic digits, as some keyboards type them
        text = "".join(str(int(c)) if c.isdecimal() else c for c in text)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2].zfill(12)
    if not _DIGITS12.match(text):
        return None, "id_format"
    return text, None


BIN_ENTITY = frozenset("456")
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
MIN_AGE, MAX_AGE = 14, 100
"""Nobody younger works or is hired, nobody that old still works: such an IIN is mistyped."""


def birth_date(iin: str) -> dt.date | None:
    """The date of birth an IIN encodes, or None when its digits are no real date."""
    century = _CENTURY.get(iin[6:7])
    if century is None or not iin[:6].isdigit():
        return None
    try:
        return dt.date(century + int(iin[:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def looks_like_bin(value: str) -> bool:
    return value[4:5] in BIN_ENTITY


def id_problem(value: str, kind: str, period_end: dt.date | None = None) -> str | None:
    """What is wrong with a 12-digit IIN (`kind` "iin") or BIN ("bin"), as a message code;
    None when nothing is. One code per value, the one a person should hear first."""
    valid = is_valid_id(value)
    if kind == "bin":
        if valid and not looks_like_bin(value) and birth_date(value):
            return "iin_not_bin"
        if not valid:
            return "id_checksum"
        return None if looks_like_bin(value) else "bin_entity"
    if valid and looks_like_bin(value):
        return "bin_not_iin"
    if not valid:
        return "id_checksum"
    born = birth_date(value)
    if born is None:
        return "iin_birth_date"
    if period_end is not None:
        if born > period_end:
            return "iin_future"
        if _age(born, period_end) < MIN_AGE:
            return "iin_too_young"
        if _age(born, period_end) >= MAX_AGE:
            return "iin_too_old"
    return None


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def mask_id(value: str) -> str:
    """Keep enough to recognise a row, never a whole IIN: 85********14."""
    text = str(value or "")
    return text[:2] + "*" * 8 + text[-2:] if len(text) == 12 else text


_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def mask_ids_in_text(value: object) -> object:
    """An IIN typed into a free-text cell («уволен, ИИН 850102300014») or a file name is
    masked too, mistyped or not; what reads as a BIN (an organisation's, public) is kept."""
    if not isinstance(value, str) or len(value) < 12:
        return value
    return _TWELVE_DIGITS.sub(
        lambda m: m.group() if looks_like_bin(m.group()) else mask_id(m.group()), value
    )
