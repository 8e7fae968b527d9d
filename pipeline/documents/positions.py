"""Positions named in free text, matched to the declared list (`choices.yaml: positions`).

Returns name positions as people type them: bilingual («Директордың орынбасары /
Заместитель директора»), several in one cell («Директор, заместитель директора»),
abbreviated («зам. директора»), with a qualifier («заместитель директора по УВР»). The
register needs one row per position, so each is matched by its Kazakh or Russian name or a
declared spelling; what matches nothing is left for the officer, never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.folding import fold, is_blank
from pipeline.core.text import Text
from pipeline.core.yamlio import load_yaml


@dataclass(frozen=True)
class Position:
    code: str
    name: Text


@dataclass(frozen=True)
class Positions:
    """The declared positions and every spelling that names each one."""

    by_code: dict[str, Position]
    spellings: dict[str, str]  # folded spelling → code

    @classmethod
    def load(cls, choices_file: Path) -> Positions:
        declared = load_yaml(choices_file).get("positions") or []
        by_code, spellings = {}, {}
        for item in declared:
            code = str(item["code"])
            by_code[code] = Position(code, Text(str(item["kk"]), str(item["ru"])))
            for spelling in (item["kk"], item["ru"], *(item.get("also") or [])):
                spellings[_key(spelling)] = code
        return cls(by_code, spellings)

    def match(self, text: object) -> tuple[list[str], bool]:
        """The codes a cell names, and whether every position in it was recognised.

        A bilingual cell is recognised when one language half is wholly recognised (the
        other half names the same positions)."""
        if is_blank(text):
            return [], True
        halves = [h for h in re.split(r"\s+/\s+|\s*\n\s*", str(text)) if h.strip()]
        codes: list[str] = []
        whole = False
        for half in halves:
            found = [self._one(item) for item in _items(half)]
            if found and all(found):
                whole = True
                codes += [c for c in found if c not in codes]
        if not whole:
            for half in halves:
                codes += [c for item in _items(half) if (c := self._one(item)) and c not in codes]
        return codes, whole

    def _one(self, item: str) -> str | None:
        key = _key(item)
        if key in self.spellings:
            return self.spellings[key]
        starts = [s for s in self.spellings if key.startswith(s + " ")]  # «… по УВР»
        return self.spellings[max(starts, key=len)] if starts else None


def _items(half: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;]", half) if p.strip()]


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace(".", ". ")).strip(" .")
