"""The text value used everywhere a person reads something: one string per language.

Kazakh and Russian are the two every campaign shows; a third (English, for a ministry's
summary) is added by giving its strings (`messages.add_language`) and asking for it
(`use_languages`), never by editing the modules that show texts. `join` is the one way to
show a text in all the languages at once; no module outside the core joins by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

BASE_LANGUAGES: tuple[str, ...] = ("kk", "ru")
"""The languages every text has: the state language first, then Russian."""
_shown: tuple[str, ...] = BASE_LANGUAGES
SEPARATOR = " / "


def languages() -> tuple[str, ...]:
    """The languages texts are shown in, in order (by default Kazakh, Russian)."""
    return _shown


def use_languages(chosen: Iterable[str]) -> None:
    """Show every text in these languages from now on (a third one added, or one alone)."""
    global _shown
    _shown = tuple(chosen)


class Text(Mapping[str, str]):
    """A text in Kazakh and Russian (and any language given beside them): `text["kk"]`,
    `text.kk`, `text.get("en")`; `join()` (or `both`) shows it in every language."""

    __slots__ = ("_by", "_hash")

    def __init__(self, kk: str = "", ru: str = "", **others: str) -> None:
        object.__setattr__(self, "_by", {"kk": kk, "ru": ru, **others})
        object.__setattr__(self, "_hash", None)

    @classmethod
    def of(cls, by_language: Mapping[str, str]) -> Text:
        """A text from a mapping of language to string ({"kk": …, "ru": …, "en": …})."""
        rest = {k: v for k, v in by_language.items() if k not in BASE_LANGUAGES}
        return cls(by_language.get("kk", ""), by_language.get("ru", ""), **rest)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Text does not change")

    def __getitem__(self, lang: str) -> str:
        return self._by[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by)

    def __len__(self) -> int:
        return len(self._by)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self._by == other._by

    def __hash__(self) -> int:
        """Computed once: a text does not change, and specs' columns (full of texts) are
        the keys of caches asked for every sheet read."""
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple(sorted(self._by.items()))))
        return self._hash

    def __repr__(self) -> str:
        inside = ", ".join(f"{k}={v!r}" for k, v in self._by.items())
        return f"Text({inside})"

    def __reduce__(self):  # worker processes receive texts too
        return (Text.of, (dict(self._by),))

    @property
    def kk(self) -> str:
        return self._by["kk"]

    @property
    def ru(self) -> str:
        return self._by["ru"]

    def get(self, lang: str, default: str | None = None) -> str:  # type: ignore[override]
        """The text in `lang`; a language it was not given in falls back to Russian, the
        language every reader of a campaign's documents also reads."""
        if lang in self._by:
            return self._by[lang]
        return default if default is not None else self._by["ru"]

    def join(self, separator: str = SEPARATOR, langs: Iterable[str] | None = None) -> str:
        """The text in each language shown, in order, a repeated string once («БСН / БИН»,
        but «Директор», not «Директор / Директор»)."""
        parts: list[str] = []
        for lang in langs if langs is not None else languages():
            part = self.get(lang)
            if part not in parts:
                parts.append(part)
        return separator.join(parts)

    @property
    def both(self) -> str:
        """As headers and dropdowns show it: «Түрі / Тип»."""
        return self.join()

    def map(self, change) -> Text:
        """The same text with `change` applied to each language's string."""
        return Text.of({lang: change(value) for lang, value in self._by.items()})


def each(make) -> Text:
    """A text made language by language (`make(lang)` gives each string): for the base
    languages and any other shown, so a third language needs no change where this is used."""
    langs = dict.fromkeys([*BASE_LANGUAGES, *languages()])
    return Text.of({lang: make(lang) for lang in langs})


def lines(texts: Iterable[Mapping[str, str]], separator: str = "\n") -> Text:
    """Several texts as one, a line each, in every language: a letter's list of items."""
    texts = list(texts)
    return each(lambda lang: separator.join(_in(t, lang) for t in texts))


def concat(*texts: Mapping[str, str] | str) -> Text:
    """Texts (or plain strings the same in all languages) one after another, per language."""
    return each(lambda lang: "".join(t if isinstance(t, str) else _in(t, lang) for t in texts))


def _in(text: Mapping[str, str], lang: str) -> str:
    getter = getattr(text, "get", None)
    return getter(lang) if getter is not None else text[lang]


def capitalised(text: str) -> str:
    """The first letter up, also behind an opening quote («Персоналды басқару» бағыты…); a
    sentence that opens with a figure stays as written."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if char.isdigit():
            return text
    return text
