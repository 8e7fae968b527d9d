"""Whether an offence is a corruption one, read from the article as people type it.

The law decides, not a flag a secretary ticks: a theft conviction (art. 188 of the Criminal
Code) is not corruption whatever the «Коррупционное преступление» cell says, and a bribe
(art. 366) is corruption even where it says «Нет». The corruption offences are declared
once, with their source and edition, in `schemas/offences.yaml`; this module reads an
article cell («188», «ст. 188 ч. 2», «366 ч.1 УК РК», «ҚК 366-бабы», «189-баптың
3-бөлігінің 2-тармағы») against them. What cannot be read, or is in neither code, or
counts only in some parts that the cell does not name, is `unknown`: asked about, never
guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.core.errors import ConfigError
from pipeline.core.folding import fold, is_blank
from pipeline.core.text import Text
from pipeline.core.yamlio import load_yaml, need, need_text

YES, NO, UNKNOWN = "yes", "no", "unknown"


@dataclass(frozen=True)
class Offence:
    """An article of a code that defines a corruption offence, in the parts that count
    (none listed: the whole article)."""

    law: str
    article: str
    name: Text
    parts: tuple[tuple[int, int | None], ...] = ()  # (part, point or None for the whole part)
    ask: tuple[int, ...] = ()  # parts that count only with a sign the cell cannot show

    def counts(self, part: int | None, point: int | None) -> str:
        if not self.parts:
            return YES
        if part is None or part in self.ask:
            return UNKNOWN
        wanted = [p for p in self.parts if p[0] == part]
        if not wanted:
            return NO
        if any(p[1] is None for p in wanted):
            return YES
        if point is None:
            return UNKNOWN
        return YES if any(p[1] == point for p in wanted) else NO

    def cited(self, law: Law, part: int | None = None, point: int | None = None) -> Text:
        """As legislation cites: «ҚК-нің 189-бабы 3-бөлігінің 2) тармағы», «ҚК-нің 366-бабы» /
        «п. 2 ч. 3 ст. 189 УК» (the smaller unit first)."""
        code, article = law.name, self.article
        if part and point:
            kk = f"{code.kk}-нің {article}-бабы {part}-бөлігінің {point}) тармағы"
        elif part:
            kk = f"{code.kk}-нің {article}-бабының {part}-бөлігі"
        else:
            kk = f"{code.kk}-нің {article}-бабы"
        ru = f"ст. {article} {code.ru}"
        ru = f"ч. {part} {ru}" if part else ru
        ru = f"п. {point} {ru}" if part and point else ru
        return Text(kk, ru)

    def parts_cited(self, law: Law) -> Text:
        """Every part that counts, cited (several joined by «; »)."""
        cited = [self.cited(law, p, q) for p, q in self.parts] or [self.cited(law)]
        return Text("; ".join(c.kk for c in cited), "; ".join(c.ru for c in cited))


@dataclass(frozen=True)
class Law:
    code: str
    name: Text  # «ҚК» / «УК»
    title: Text
    source: str  # where the list is taken from, and its edition
    articles: tuple[int, int]  # the code's article numbers: outside, a number names nothing
    markers: tuple[str, ...]  # folded spellings that name the code in a cell
    offences: dict[str, Offence]


@dataclass(frozen=True)
class Ref:
    law: str | None
    article: str
    part: int | None = None
    point: int | None = None


@dataclass(frozen=True)
class Reading:
    """What an article cell says: the articles read and whether they are corruption."""

    refs: tuple[Ref, ...]
    verdict: str  # YES | NO | UNKNOWN
    reason: str = ""  # why unknown: the code of the query asked (a `kind: query` of the catalogue)
    offences: tuple[Offence, ...] = ()
    expected: str = ""  # article_other_code: the code the column takes


@dataclass(frozen=True)
class Offences:
    laws: dict[str, Law]
    other_markers: tuple[str, ...]  # «закон*», «заң*»: an act that is not one of the codes

    def read(self, cell: object, default_law: str | None) -> Reading:
        """Read an article cell; `default_law` is the code a bare number belongs to (the
        column's, or the one its liability names). Whatever the cell says of another act
        (a law, another country's code, another code than the column's) is asked about."""
        if is_blank(cell):
            return Reading((), UNKNOWN, "article_unreadable")
        text = fold(str(cell))
        words = _words(text)
        if any(_names(m, words) for m in self.other_markers):
            return Reading((), UNKNOWN, "article_not_in_code")
        named = self._law_named(words)
        if named is not None and default_law is not None and named != default_law:
            return Reading((), UNKNOWN, "article_other_code", expected=default_law)
        law = named or default_law
        text, old_edition = _without_dates(text)
        if old_edition:
            return Reading((), UNKNOWN, "article_not_in_code")
        found = _articles(text)
        if not found:
            return Reading((), UNKNOWN, "article_unreadable")
        refs = tuple(Ref(law, *one) for one in found)
        if law is None or law not in self.laws:
            return Reading(refs, UNKNOWN, "article_not_in_code")
        return self._judge(refs, self.laws[law])

    def _law_named(self, words: list[str]) -> str | None:
        for code, law in self.laws.items():
            if any(_names(m, words) for m in law.markers):
                return code
        return None

    def _judge(self, refs: tuple[Ref, ...], law: Law) -> Reading:
        verdicts, reasons, found = [], [], []
        low, high = law.articles
        for ref in refs:
            head = ref.article.split("-")[0]
            number = int(head) if head.isdigit() else -1  # no number: never one of the code
            offence = law.offences.get(ref.article)
            if offence is not None:
                verdict = offence.counts(ref.part, ref.point)
                if verdict == YES:
                    found.append(offence)
                elif verdict == UNKNOWN:
                    reasons.append("article_part_needed")
                verdicts.append(verdict)
            elif low <= number <= high and "-" not in ref.article:
                verdicts.append(NO)  # an article of the code that is not a corruption one
            else:
                verdicts.append(UNKNOWN)
                reasons.append("article_not_in_code")
        if YES in verdicts:
            return Reading(refs, YES, "", tuple(found))
        if UNKNOWN in verdicts:
            return Reading(refs, UNKNOWN, reasons[0])
        return Reading(refs, NO)

    def dropdown(self, law: str) -> list[tuple[str, str, str]]:
        """(code, kk, ru) for each declared offence of a code and each part that counts:
        «ҚК-нің 366-бабы – Пара алу» / «ст. 366 УК – Получение взятки»."""
        code = self.laws[law]
        out = []
        for o in code.offences.values():
            for part, point in o.parts or ((None, None),):
                cited = o.cited(code, part, point)
                out.append(
                    (
                        f"{law}:{o.article}:{part or ''}:{point or ''}",
                        f"{cited.kk} – {o.name.kk}",
                        f"{cited.ru} – {o.name.ru}",
                    )
                )
        return out


_NOT_LETTER = r"(?![^\W\d_])"  # «ч1», «ч.1», «ч 1», but not «член»
_PART = re.compile(rf"(?:\bч{_NOT_LETTER}\.?|\bчаст\w*)\s*(\d+)|(\d+)\s*-?\s*(?:бөл\w*)")
_POINT = re.compile(
    rf"(?:\bп{_NOT_LETTER}\.?|\bпп{_NOT_LETTER}\.?|\bпункт\w*|\bподпункт\w*)\s*(\d+)\)?"
    r"|(\d+)\s*\)?\s*-?\s*(?:тарма[қғ]\w*)"
)
_ARTICLE = re.compile(  # not followed by «.1» or «,1»: «ст. 366.1» is not read as 366
    rf"(?:\bст{_NOT_LETTER}\.?|\bстать\w*)\s*(\d+(?:-\d+)?)(?![.,]?\d)"
    r"|(?<![\d.,])(\d+(?:-\d+)?)\s*-?\s*(?:бап\w*|баб\w*|б\b\.?)"
)


def _names(marker: str, words: list[str]) -> bool:
    """A marker is a whole word («ук», «қк», «коап»), or a word's beginning when it ends in
    «*» («уголовн*», «қылмыстық*»)."""
    if marker.endswith("*"):
        return any(w.startswith(marker[:-1]) for w in words)
    return marker in words


def _first(match: re.Match) -> str:
    return next(g for g in match.groups() if g is not None)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text)


_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:-\d+)?")


def _without_leading_zeros(number: str) -> str:
    """«0366» is article 366 and «0366-1» article 366-1; «0-0» stays «0-0» (stripping the
    whole string left «-0», an article with no number, and its reading crashed)."""
    head, dash, tail = number.partition("-")
    return (head.lstrip("0") or "0") + dash + tail


def _articles(text: str) -> list[tuple[str, int | None, int | None]]:
    """(article, part, point) for each article a cell names; none when a number in it
    cannot be told apart («366.1»: a part, or article 366-1?), so it is asked about.

    The cell is read piece by piece («ст. 190 ч. 3 п. 2, ч. 1 ст. 188»): a part or point
    belongs to the article of its own piece, or, standing alone («ст. 189 ч. 3, п. 2»), to
    the article before it. A date is the code's edition, not an article (`_without_dates`)."""
    out: list[list] = []
    for piece in _PIECES.split(text):
        part, point = _PART.search(piece), _POINT.search(piece)
        rest = _POINT.sub(" ", _PART.sub(" ", piece))  # no part or point is an article
        numbers = []
        for match in _ARTICLE.finditer(rest):
            numbers.append(_first(match))
            rest = rest.replace(match.group(0), " ", 1)
        for token in _TOKEN.findall(rest):  # «ч.2 ст.188, 366»: an unmarked article
            if "." in token or "," in token:
                return []
            numbers.append(token)
        part_no = int(_first(part)) if part else None
        point_no = int(_first(point)) if point else None
        if not numbers and out and (part_no or point_no):
            last = out[-1]
            last[1], last[2] = last[1] or part_no, last[2] or point_no
            continue
        numbers = list(dict.fromkeys(_without_leading_zeros(n) for n in numbers))
        for number in numbers:
            own = len(numbers) == 1  # a bilingual cell names its article twice: still one
            out.append([number, part_no if own else None, point_no if own else None])
    seen: dict[str, tuple[str, int | None, int | None]] = {}
    for number, part_no, point_no in out:  # the same article twice (a bilingual cell): once
        if number not in seen or (seen[number][1] is None and part_no is not None):
            seen[number] = (number, part_no, point_no)
    return list(seen.values())


_MONTHS = (
    r"январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]\w*|июн\w*|июл\w*|август\w*|сентябр\w*|"
    r"октябр\w*|ноябр\w*|декабр\w*|қаңтар\w*|ақпан\w*|наурыз\w*|сәуір\w*|мамыр\w*|"
    r"маусым\w*|шілде\w*|тамыз\w*|қыркүйек\w*|қазан\w*|қараша\w*|желтоқсан\w*"
)
_DATES = re.compile(
    rf"\d{{1,2}}[.,/]\d{{1,2}}[.,/](\d{{4}}|\d{{2}})|\d{{1,2}}\s+(?:{_MONTHS})\s+(\d{{4}})"
    r"|(?<!\d)((?:19|20)\d{2})\s*(?:ж\b\.?|жыл\w*|г\b\.?|год\w*)?(?!\d)"
)
FIRST_YEAR = 2015  # the Criminal Code and the Code of Administrative Offences in force


def _without_dates(text: str) -> tuple[str, bool]:
    """The cell without its dates and years, and whether one names an edition before the
    codes in force (the 1997 Code numbered its articles otherwise: art. 311 was a bribe).
    The codes' own date (3 or 5 July 2014) is their name, not an older edition."""
    old = False
    for match in _DATES.finditer(text):
        year = next((g for g in match.groups() if g), "")
        year = int(year) + (2000 if len(year) == 2 else 0) if year else FIRST_YEAR
        old = old or year < 2014
    return _DATES.sub(" ", text), old


_PIECES = re.compile(r"[;,]|\sи\s|\sжәне\s")


def _parts(raw: object, where: str) -> tuple[tuple[int, int | None], ...]:
    out = []
    for item in raw or []:
        if isinstance(item, dict):
            out.append((int(need(item, "part", where)), item.get("point")))
        else:
            out.append((int(item), None))
    return tuple((p, int(q) if q is not None else None) for p, q in out)


def load_offences(path: Path) -> Offences:
    """Read `offences.yaml`; a mistake names the key."""
    data = load_yaml(path)
    where = str(path)
    laws = {}
    for code, raw in need(data, "laws", where, dict).items():
        here = f"{where}: laws.{code}"
        span = need(raw, "articles", here, list)
        offences = {}
        for i, item in enumerate(need(raw, "corruption", here, list)):
            at = f"{here}.corruption[{i}]"
            article = str(need(item, "article", at))
            if article in offences:
                raise ConfigError.of("config_wrong_type", where=at, key="article",
                                     names="unique", value=article)  # fmt: skip
            offences[article] = Offence(
                code,
                article,
                need_text(item, "name", at),
                _parts(item.get("parts"), at),
                tuple(int(p) for p in item.get("ask_parts") or ()),
            )
        laws[code] = Law(
            code,
            need_text(raw, "name", here),
            need_text(raw, "title", here),
            str(need(raw, "source", here)),
            (int(span[0]), int(span[1])),
            tuple(fold(m) for m in need(raw, "markers", here, list)),
            offences,
        )
    return Offences(laws, tuple(fold(m) for m in data.get("other_acts") or ()))


@cache
def offences_of(folder: Path) -> Offences:
    return load_offences(folder / "offences.yaml")


def verdict(spec, key: str, row) -> Reading:
    """Whether one row's offence is a corruption one, as its return declares the article
    column (`ArticleOf`): the article read in its code; where no code applies and nothing
    in the cell names one, the `otherwise` choice's mark. `row` maps keys to values."""
    column = spec.column(key)
    rule = column.offences
    register: Offences = rule.register
    law = rule.law
    if rule.law_from:
        law = _law_of_choice(row.get(rule.law_from), register)
    cell = row.get(key)
    if law is None and rule.otherwise:
        reading = register.read(cell, None) if not is_blank(cell) else None
        if reading is not None and reading.verdict != UNKNOWN:
            return reading
        chosen = spec.column(rule.otherwise).choice(str(row.get(rule.otherwise)))
        if chosen is None:
            return Reading((), UNKNOWN, "article_unreadable")
        if reading is not None and not chosen.corruption:  # an article named, of what?
            return reading
        return Reading((), YES if chosen.corruption else NO)
    if is_blank(cell):
        return Reading((), UNKNOWN, "article_missing")
    return register.read(cell, law)


def needs_reading(rule, row, key: str) -> bool:
    """Whether a row has an article to judge: one is written, or its liability names a code
    that needs one. No conviction, or a disciplinary measure under no code, has none."""
    if not is_blank(row.get(key)):
        return True
    return bool(rule.law_from and str(row.get(rule.law_from)) in rule.register.laws)


def _law_of_choice(code: object, register: Offences) -> str | None:
    """A liability's code names its law when the register declares one of that name
    (criminal → the Criminal Code, administrative → the Code of Administrative Offences)."""
    return str(code) if code is not None and str(code) in register.laws else None
