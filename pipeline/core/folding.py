"""Comparing what people type: a cell as the person meant it, and a key that ignores case,
spacing and the Latin letters that look like Cyrillic ones. Kept in core so that the specs
(the declared offences, the rules' words) and the readers fold text the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

from pipeline.core.chars import CONTROL, INVISIBLE, UNSEEN

# Latin letters that look like Cyrillic ones, as they end up in typed Cyrillic words.
_LOOKALIKES = str.maketrans("aceopxyiABCEHKMOPTXY", "асеорхуіАВСЕНКМОРТХУ")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def is_blank(value: Any) -> bool:
    """Empty cell, spaces, a lone apostrophe, NaN. Called for every cell: cheap cases first."""
    if value is None or value == "":
        return True
    kind = type(value)
    if kind is str:
        return not value.strip().lstrip("'").strip()
    if kind is float:
        return math.isnan(value)
    return False


_NEEDS_CLEANING = re.compile(rf"^[\s']|\s$|\s\s|[\u00a0\u202f\u2009\t\r\n{CONTROL}{INVISIBLE}]")


def clean_text(value: Any) -> str:
    """Text as the person meant it: no leading apostrophe, no stray or doubled spaces."""
    if isinstance(value, str) and not _NEEDS_CLEANING.search(value):
        return value  # the common case, checked with one regex instead of four passes
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    text = UNSEEN.sub("", str(value).replace("\r\n", "\n"))
    text = text.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return _SPACES.sub(" ", text) if "\n" not in text else text


def fold(value: Any) -> str:
    """A comparison key: case, spacing and Latin look-alikes ignored."""
    return _fold(value) if isinstance(value, str) else _fold(clean_text(value))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", clean_text(text))).rstrip(".,;:")
    return text.translate(_LOOKALIKES).casefold().replace("ё", "е")
