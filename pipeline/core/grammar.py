"""How a template writes a date, a number or a phrase in its own language's grammar.

A sentence's grammar belongs to its wording, not to the code that fills it: the Kazakh
template says `{signed:locative}` («2023 жылғы 3 қарашада») where the Russian one says
`{signed}` («3 ноября 2023 года»); `{n:noun.dative}` is «по 5 организациям» in Russian
and «5 ұйым» in Kazakh, which takes a postposition after the nominative. Code passes a
`Day`, a `Number` or a plain phrase and `fill` binds each to the template's language, so
no module outside the core branches on a language.

Format specifications a template may use:
- a date (`Day`): none (the official form), `numeric` (03.11.2023) or a Kazakh case
  (`ablative`, `dative`, `locative`, `locative_attributive`…) that other languages ignore;
- a number (`Number`): none (the figure), `noun` (with its noun), `noun.CASE` (the noun in
  an oblique case: genitive, dative, prepositional), or a Kazakh case of the figure itself
  (`possessive`: «15-і», `possessive_locative`: «3-інде»);
- a phrase (a `str` field): `capital` (its first letter up: a sentence opening with it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from string import Formatter

from babel.dates import format_date

from pipeline.core import kazakh
from pipeline.core.numerals import Noun, count, count_in
from pipeline.core.text import Text, capitalised


def official_date(day: dt.date, lang: str, case: str | None = None) -> str:
    """«2023 жылғы 3 қараша» (with a case ending where the sentence needs one) / «3 ноября
    2023 года»: each language's order, as official letters write it."""
    if lang == "kk":
        return kazakh.date(day, case)
    return f"{format_date(day, 'd MMMM y', locale='ru')} года"


@dataclass(frozen=True)
class Day:
    """A date a template writes in its language's grammar; `numeric` makes «03.11.2023» the
    form where a language writes dates in figures by choice (a table's cell), while Kazakh
    official dates are always in words."""

    day: dt.date
    numeric: bool = False

    def at(self, lang: str) -> _Bound:
        return _Bound(self, lang)


@dataclass(frozen=True)
class Number:
    """A count and the noun it counts (`numerals.Noun`), written as the template asks."""

    n: int
    noun: Noun | None = None

    def at(self, lang: str) -> _Bound:
        return _Bound(self, lang)


@dataclass(frozen=True)
class _Bound:
    value: Day | Number
    lang: str

    def __format__(self, spec: str) -> str:
        if isinstance(self.value, Day):
            return _date(self.value, self.lang, spec)
        return _number(self.value, self.lang, spec)


def _date(value: Day, lang: str, spec: str) -> str:
    if spec == "numeric" or value.numeric and lang != "kk":
        return f"{value.day:%d.%m.%Y}"
    return official_date(value.day, lang, spec or None)


def _number(value: Number, lang: str, spec: str) -> str:
    if not spec:
        return str(value.n)
    if spec == "noun" or spec.startswith("noun."):
        if value.noun is None:
            raise ValueError(f"«{spec}» needs the noun counted")
        case = spec.partition(".")[2]
        return (
            count_in(value.n, value.noun, lang, case) if case else count(value.n, value.noun, lang)
        )
    return kazakh.declined(str(value.n), spec) if lang == "kk" else str(value.n)


def with_unit(
    value: str, lang: str, unit: Text, *, forms: Noun | None = None, per: bool = False,
    number: float | None = None,
) -> str:  # fmt: skip
    """A value and its unit: «4,8 %», «6 жалоб» (Russian by CLDR plural, `forms`), «20 на
    100 работников» and, in Kazakh, a rate's base first (`per`): «100 қызметкерге 20»."""
    if lang == "kk":
        return f"{unit.kk} {value}" if per else f"{value} {unit.kk}"
    if forms is not None and number is not None:
        return f"{value} {forms.ru(number)}"
    return f"{value} {unit.get(lang)}"


class _Phrase(str):
    """A phrase that a template may open a sentence with: `{types:capital}`."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return capitalised(str(self)) if spec == "capital" else format(str(self), spec)


class Blank(str):
    """A blank the official fills by hand («____» ______ 20__ ж.): where a date would stand,
    it takes no ending and no format."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return str(self)


def bound(value: object, lang: str) -> object:
    """A field as the template of `lang` formats it: a text in several languages takes the
    template's language, a date or a number its grammar (`Day`, `Number`)."""
    if isinstance(value, Day | Number | Blank):
        return value.at(lang) if not isinstance(value, Blank) else value
    if isinstance(value, Text):
        value = value.get(lang)
    return _Phrase(value) if isinstance(value, str) else value


def fill(template: str, lang: str, /, **fields: object) -> str:
    """`template.format(**fields)` in the grammar of `lang`."""
    return template.format(**{k: bound(v, lang) for k, v in fields.items()})


def named_fields(template: str) -> frozenset[str]:
    """The fields a template names (`{signed:locative}` names «signed»)."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)
