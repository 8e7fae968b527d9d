"""Kazakh and Russian Cyrillic to ASCII, for names that must survive every mail client."""

from __future__ import annotations

import re

_TABLE = {
    "а": "a",
    "ә": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "n",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "u",
    "ү": "u",
    "ф": "f",
    "х": "kh",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "і": "i",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "№": "N",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def to_ascii(text: str) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TABLE:
            rep = _TABLE[low]
            out.append(rep.capitalize() if ch != low and rep else rep)
        else:
            out.append(ch)
    return _UNSAFE.sub("_", "".join(out)).strip("_") or "file"
