"""Matching header cells to column keys: by label in KZ or RU, case and spacing ignored.

A template header holds both labels on two lines and a `*` for required columns; people
also retype one of the labels, or the key itself. All of these match the same column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pipeline.core.folding import fold, is_blank
from pipeline.specs.returns import Column, ReturnSpec

_NOTES = re.compile(r"\s*\([^)]*\)|[¹²³⁴⁵*]+")
_HAS_PARTS = re.compile(r"[(¹²³⁴⁵\n]| / ")


@lru_cache(maxsize=256)
def spec_labels(spec: ReturnSpec) -> dict[str, str]:
    """`label_index` of a return, built once per process: it is asked for on every sheet
    read (a spec hashes by identity, its columns by value, which costs more)."""
    return label_index(spec.columns)


def label_index(columns: Iterable[Column]) -> dict[str, str]:
    """Every accepted spelling of every column's header, folded, to its key."""
    index: dict[str, str] = {}
    for column in columns:
        label = column.label
        for spelling in (column.key, label.kk, label.ru, label.both, f"{label.kk}\n{label.ru}"):
            index[fold(spelling)] = column.key
    return index


def header_key(cell: Any, index: dict[str, str]) -> str | None:
    """The column key a header cell names, or None."""
    if not isinstance(cell, str) or is_blank(cell):
        return None
    text = cell.replace("*", "")
    key = index.get(fold(text))
    if key:
        return key
    if not _HAS_PARTS.search(text):  # no note, no second line: nothing more to try
        return None
    bare = _NOTES.sub("", text)  # "ИИН (12 цифр)", "Дата¹": the label without its note
    if bare != text and (key := index.get(fold(bare))):
        return key
    for parts in (text.split("\n"), text.replace(" / ", "\n").split("\n"), bare.split("\n")):
        for part in parts:
            key = index.get(fold(part)) if part.strip() else None
            if key:
                return key
    return None


def header_positions(row: list[Any], index: dict[str, str]) -> dict[str, int]:
    """Key → 0-based column of its first matching cell in a row."""
    found: dict[str, int] = {}
    for c, cell in enumerate(row):
        key = header_key(cell, index)
        if key and key not in found:
            found[key] = c
    return found
