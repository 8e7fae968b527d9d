"""A number with its noun, as each language says it.

Russian takes the noun's form from the number's CLDR plural category (Babel's rules, not a
hand-rolled one): 1 организация, 2 организации, 5 организаций, 1,5 организации. Kazakh
keeps the noun singular after a numeral: 5 ұйым.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

from pipeline.core.kazakh import word_ending
from pipeline.core.text import Text


@dataclass(frozen=True)
class Noun:
    """A noun's Kazakh form and its Russian forms per CLDR category."""

    kk: str
    one: str
    few: str
    many: str
    other: str = ""  # fractions: the genitive singular («1,5 процента»); `few` if not given
    # oblique cases after a numeral: (after «one» numbers, after the rest)
    genitive: tuple[str, str] = ("", "")  # из 1 показателя, из 5 показателей
    dative: tuple[str, str] = ("", "")  # по 1 организации, по 5 организациям
    prepositional: tuple[str, str] = ("", "")  # в 1 организации, в 5 организациях

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


def count_in(n: int, noun: Noun, lang: str, case: str) -> str:
    """A number and its noun in an oblique case: «в 1 организации», «в 8 организациях» /
    «8 ұйымда» (the Kazakh ending goes on the noun); «по 20 организациям» / «20 ұйым»
    (Kazakh takes a postposition after the nominative: «20 ұйым бойынша»)."""
    if lang == "kk":
        kazakh_case = {"prepositional": "locative", "dative": None, "genitive": "genitive"}[case]
        return f"{n} {noun.kk}{word_ending(noun.kk, kazakh_case) if kazakh_case else ''}"
    forms = getattr(noun, case)
    return f"{n} {forms[0] if _ru().plural_form(n) == 'one' else forms[1]}"


def counted(n: int, noun: Noun) -> Text:
    """The number with its noun in both languages, for a message field."""
    return Text(count(n, noun, "kk"), count(n, noun, "ru"))


ROW = Noun("жол", "строка", "строки", "строк")
COLUMN = Noun("баған", "столбец", "столбца", "столбцов")
ORGANISATION = Noun(
    "ұйым",
    "организация",
    "организации",
    "организаций",
    dative=("организации", "организациям"),
    prepositional=("организации", "организациях"),
)
INDICATOR = Noun(
    "көрсеткіш",
    "показатель",
    "показателя",
    "показателей",
    genitive=("показателя", "показателей"),
    dative=("показателю", "показателям"),
    prepositional=("показателе", "показателях"),
)
MEASURE = Noun("іс-шара", "мероприятие", "мероприятия", "мероприятий")
RISK = Noun("тәуекел", "риск", "риска", "рисков")
DEPARTMENT = Noun("бөлім", "отдел", "отдела", "отделов")
SHEET = Noun("парақ", "лист", "листа", "листов")
FILE = Noun("файл", "файл", "файла", "файлов")
REPORT = Noun("есеп", "отчёт", "отчёта", "отчётов")
QUERY = Noun("сұрау", "запрос", "запроса", "запросов")
TIMES = Noun("рет", "раз", "раза", "раз")
CHARACTER = Noun(
    "таңба", "символ", "символа", "символов", genitive=("символа", "символов")
)  # fmt: skip
WORKING_DAY = Noun(
    "жұмыс күні", "рабочий день", "рабочих дня", "рабочих дней",
    genitive=("рабочего дня", "рабочих дней"),
)  # fmt: skip
AREA = Noun(
    "бағыт",
    "направление",
    "направления",
    "направлений",
    dative=("направлению", "направлениям"),
    prepositional=("направлении", "направлениях"),
)
