"""Every text Adal shows has a stable code and a template in each language.

The templates are data (`catalogue/*.yaml`, split by what they are). Codes are part of the
output contract (ledger, `--json`, feedback workbooks): never rename one. Templates take
named fields; `render` fills every language at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from string import Formatter

import yaml

from pipeline.core.grammar import Day, Number, bound
from pipeline.core.text import Text, languages

CATALOGUE = Path(__file__).with_name("catalogue")
"""The texts as data, one YAML file per kind of text (problems in returns, errors of
commands, the console, mail, workbooks, documents): a translator edits these, not code."""

KINDS = ("error", "warning", "query")
"""What a problem asks of its sender, declared with each entry of `problems.yaml`: error —
correct and send again; warning — noted, nothing to do; query — the return is accepted and
the sender is asked to confirm or correct (a rule declared `severity: query` asks the same)."""


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: its templates by language and, for a problem, its kind."""

    templates: dict[str, str]
    kind: str = ""


class _UniqueKeys(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's loader keeps the last of two equal keys; in a catalogue that silently loses a
    text, so a repeated code is refused."""

    def construct_mapping(self, node, deep=False):
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValueError(
                    f"{self.name}: «{key}» twice (line {key_node.start_mark.line + 1})"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@cache
def catalogue(folder: Path = CATALOGUE) -> dict[str, Entry]:
    """Every entry of every file in `folder`, read once; a code in two files, a kind not in
    `KINDS` or an entry without both Kazakh and Russian is a programming error and raises."""
    entries: dict[str, Entry] = {}
    for path in sorted(folder.glob("*.yaml")):
        loader = _UniqueKeys(path.read_text(encoding="utf-8"))
        loader.name = path.name
        try:
            data = loader.get_single_data() or {}
        finally:
            loader.dispose()
        for code, entry in data.items():
            if code in entries:
                raise ValueError(f"{path.name}: «{code}» is also in another file")
            templates = {k: v for k, v in entry.items() if k != "kind"}
            kind = entry.get("kind", "")
            if kind and kind not in KINDS or not {"kk", "ru"} <= set(templates):
                raise ValueError(f"{path.name}: «{code}» needs kk and ru and a kind of {KINDS}")
            entries[code] = Entry(templates, kind)
    return entries


def known(which: str) -> bool:
    """Whether the catalogue has an entry `which` (a code built from data may not)."""
    return which in catalogue()


def kind(which: str) -> str:
    """error, warning or query: what a problem of code `which` asks of its sender."""
    return catalogue()[which].kind or "error"


class Message(Text):
    """One rendered message: the stable code, the fields it was filled with (as data, for
    the ledger and `--json`) and its text in each language."""

    __slots__ = ("code", "fields")

    def __init__(self, code: str, kk: str, ru: str, fields=None, **others: str) -> None:
        super().__init__(kk, ru, **others)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "fields", dict(fields or {}))

    def __reduce__(self):
        return (_message, (self.code, dict(self), self.fields))

    @property
    def text(self) -> str:
        """As the console and a log show it: every language on one line."""
        return self.join()


def _message(code: str, by_language: dict[str, str], fields=None) -> Message:
    kk, ru = by_language.pop("kk", ""), by_language.pop("ru", "")
    return Message(code, kk, ru, fields, **by_language)


def as_data(value: object) -> object:
    """A field as JSON keeps it: a text in several languages as its mapping, a number as a
    number, anything else as the string the message showed."""
    if isinstance(value, Text):
        return dict(value)
    if isinstance(value, Number):
        return value.n
    if isinstance(value, Day):
        return value.day.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


_EXTRA: dict[str, dict[str, str]] = {}
"""Templates of languages beyond Kazakh and Russian, language → code → template."""


def add_language(lang: str, templates: dict[str, str] | Path) -> None:
    """Give the catalogue's texts in another language (a ministry's English summary), as a
    mapping or a YAML file of `code: template`: a code it does not give reads in Russian
    there. Show it with `text.use_languages`."""
    if isinstance(templates, Path):
        templates = yaml.safe_load(templates.read_text(encoding="utf-8")) or {}
    _EXTRA.setdefault(lang, {}).update(templates)


def _templates(which: str) -> dict[str, str]:
    declared = catalogue()[which].templates
    found = {"kk": declared["kk"], "ru": declared["ru"]}
    for lang in languages():
        if lang not in found and lang in declared:
            found[lang] = declared[lang]
        if lang not in found and which in _EXTRA.get(lang, {}):
            found[lang] = _EXTRA[lang][which]
    return found


def render(which: str, /, **fields: object) -> Message:
    """Fill the template of code `which`; an unknown code is a programming error, so it raises."""
    values = {k: ("" if v is None else v) for k, v in fields.items()}
    templates = _templates(which)
    filled = {lang: t.format(**_in(values, lang)) for lang, t in templates.items()}
    used = _fields_of(tuple(templates.values()))
    return _message(which, filled, {k: as_data(v) for k, v in fields.items() if k in used})


@lru_cache(maxsize=4096)
def _fields_of(templates: tuple[str, ...]) -> frozenset[str]:
    """The fields the templates name, parsed once per template (render runs per problem)."""
    return frozenset(name for t in templates for _, name, _, _ in Formatter().parse(t) if name)


def _in(values: dict[str, object], lang: str) -> dict[str, object]:
    """A field given in several languages (a number with its noun: `numerals.counted`)
    takes the form of the template's own language; a `grammar.Day` or `grammar.Number`
    the grammar the template asks for (`{n:noun.dative}`)."""
    return {k: bound(v, lang) for k, v in values.items()}


def label(which: str, /) -> str:
    """A header or a short note as the workbooks and documents show it: «Түрі / Тип»."""
    return text(which).join()


def sheet_name(which: str, /) -> str:
    """A sheet's name in every language, «Толықтық-Полнота» (a sheet name holds no «/»)."""
    return text(which).join("-")


def text(which: str, /) -> Text:
    """A catalogue entry without fields as a `Text`, for code that keeps every language."""
    return Text.of(_templates(which))
