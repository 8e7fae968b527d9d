"""A number with its noun, as each language says it.

Russian takes the noun's form from the number's CLDR plural category (Babel's rules, not a
hand-rolled one): 1 организация, 2 организации, 5 организаций, 1,5 организации. Kazakh
keeps the noun singular after a numeral: 5 ұйым.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

from .bilingual import Text


@dataclass(frozen=True)
class Noun:
    """A noun's Kazakh form and its Russian forms per CLDR category."""

    kk: str
    one: str
    few: str
    many: str
    other: str = ""  # fractions: the genitive singular («1,5 процента»); `few` if not given

    def ru(self, n: float) -> str:
        category = _ru().plural_form(n)
        return {"one": self.one, "few": self.few, "many": self.many}.get(
            category, self.other or self.few
        )


@cache
def _ru() -> Locale:
    return Locale("ru")


def count(n: int, noun: Noun, lang: str) -> str:
    """«5 организаций» / «5 ұйым»."""
    return f"{n} {noun.kk}" if lang == "kk" else f"{n} {noun.ru(n)}"


def counted(n: int, noun: Noun) -> Text:
    """The number with its noun in both languages, for a message field."""
    return Text(count(n, noun, "kk"), count(n, noun, "ru"))


ROW = Noun("жол", "строка", "строки", "строк")
COLUMN = Noun("баған", "столбец", "столбца", "столбцов")
ORGANISATION = Noun("ұйым", "организация", "организации", "организаций")
