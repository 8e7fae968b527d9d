"""Kazakh IIN/BIN checksum and the repair of identifiers that Excel turned into numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .chars import CONTROL, INVISIBLE

_W1 = tuple(range(1, 12))
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_DIGITS12 = re.compile(r"^\d{12}$")
_IGNORED = re.compile(rf"[\s\u00a0{CONTROL}{INVISIBLE}]")
"""Spaces and the characters pasted text carries unseen: never part of a number."""


def check_digit(first11: str) -> int | None:
    """The 12th digit for 11 digits, or None when the number cannot be valid (10 twice)."""
    digits = [int(c) for c in first11]
    value = sum(d * w for d, w in zip(digits, _W1, strict=True)) % 11
    if value == 10:
        value = sum(d * w for d, w in zip(digits, _W2, strict=True)) % 11
        if value == 10:
            return None
    return value


def is_valid_id(value: object) -> bool:
    """True for a 12-digit IIN or BIN text whose checksum holds."""
    if not isinstance(value, str) or not _DIGITS12.match(value):
        return False
    expected = check_digit(value[:11])
    return expected is not None and expected == int(value[11])


def valid_ids(values: pd.Series) -> pd.Series:
    """`is_valid_id` over a whole column at once: a staff list has thousands of IINs, and a
    Python call per value was most of the time pandera spent on it."""
    result = np.zeros(len(values), dtype=bool)
    texts = values.map(lambda v: v if isinstance(v, str) else "").to_numpy(dtype="U13")
    codes = texts.view(np.uint32).reshape(len(values), 13)  # one code point per character
    digits = codes[:, :12].astype(np.int64) - 48
    ascii12 = ((digits >= 0) & (digits <= 9)).all(axis=1) & (codes[:, 12] == 0)
    if ascii12.any():
        ok = digits[ascii12]
        first = ok[:, :11] @ np.array(_W1) % 11
        second = ok[:, :11] @ np.array(_W2) % 11
        check = np.where(first == 10, second, first)
        result[ascii12] = (check != 10) & (check == ok[:, 11])
    rest = ~ascii12 & (texts != "")
    if rest.any():  # other Unicode digits, or text longer than 13: judged one by one
        result[rest] = [is_valid_id(v) for v in values[rest]]
    return pd.Series(result, index=values.index)


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
