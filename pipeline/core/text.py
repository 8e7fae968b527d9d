"""The two-language text value used everywhere a person reads something."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """A text in Kazakh and Russian; `both` is how headers and dropdowns show it."""

    kk: str
    ru: str

    @property
    def both(self) -> str:
        return self.kk if self.kk == self.ru else f"{self.kk} / {self.ru}"

    def get(self, lang: str) -> str:
        return self.kk if lang == "kk" else self.ru


def capitalised(text: str) -> str:
    """The first letter up, also behind an opening quote («Персоналды басқару» бағыты…); a
    sentence that opens with a figure stays as written."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if char.isdigit():
            return text
    return text
