"""Kazakh case endings after a number written in digits: «20-ға дейін», «6-сында».

A Kazakh ending follows the last word of the number as it is spoken (20 → жиырма →
«20-ға»; 25 → жиырма бес → «25-ке»; 6,8 → алты бүтін оннан сегіз → «6,8-ге»), by vowel
harmony (back or front) and by the word's last sound. No maintained library declines
Kazakh numerals, so the spoken words and their two properties are listed here once.
"""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date

# word: (back vowels?, last sound: "vowel" | "sonorant" (м н ң) | "voiced" (р л й у з ж)
#        | "voiceless")
_WORDS = {
    "нөл": (False, "voiced"),
    "бір": (False, "voiced"),
    "екі": (False, "vowel"),
    "үш": (False, "voiceless"),
    "төрт": (False, "voiceless"),
    "бес": (False, "voiceless"),
    "алты": (True, "vowel"),
    "жеті": (False, "vowel"),
    "сегіз": (False, "voiced"),
    "тоғыз": (True, "voiced"),
    "он": (True, "sonorant"),
    "жиырма": (True, "vowel"),
    "отыз": (True, "voiced"),
    "қырық": (True, "voiceless"),
    "елу": (False, "voiced"),
    "алпыс": (True, "voiceless"),
    "жетпіс": (False, "voiceless"),
    "сексен": (False, "sonorant"),
    "тоқсан": (True, "sonorant"),
    "жүз": (False, "voiced"),
    "мың": (True, "sonorant"),
    "миллион": (True, "sonorant"),
    "миллиард": (True, "voiced"),
    "пайыз": (True, "voiced"),  # «80%» is read «сексен пайыз»
}
_UNITS = ("", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_TENS = ("", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")


def last_word(written: str) -> str:
    """The last word of a number as spoken: «20» → жиырма, «6,8» → сегіз, «80%» → пайыз."""
    text = written.strip()
    if text.endswith("%"):
        return "пайыз"
    digits = re.sub(r"\D", "", text.replace(" ", "").split(",")[-1].split(".")[-1])
    n = int(digits) if digits else 0
    if n == 0:
        return "нөл"
    for size, word in ((10**9, "миллиард"), (10**6, "миллион"), (1000, "мың"), (100, "жүз")):
        if n % size == 0:
            return word
    if n % 10:
        return _UNITS[n % 10]
    return _TENS[n % 100 // 10]


# case: endings by (back, last sound); possessive forms follow the 3rd-person ending
_ENDINGS = {
    "dative": {"vowel": "ға", "sonorant": "ға", "voiced": "ға", "voiceless": "қа"},
    "locative": {"vowel": "да", "sonorant": "да", "voiced": "да", "voiceless": "та"},
    "ablative": {"vowel": "дан", "sonorant": "нан", "voiced": "дан", "voiceless": "тан"},
    "genitive": {"vowel": "ның", "sonorant": "ның", "voiced": "дың", "voiceless": "тың"},
    # locative made an attribute: «2023 жылғы 10 қарашадағы бұйрық»
    "locative_attributive": {
        "vowel": "дағы",
        "sonorant": "дағы",
        "voiced": "дағы",
        "voiceless": "тағы",
    },
    # 3rd-person possessive, alone («26 көрсеткіштің 24-і») or with a case:
    # «20 ұйымның 6-сында», «80%-ына дейін»
    "possessive": {"vowel": "сы", "other": "ы"},
    "possessive_locative": {"vowel": "сында", "other": "ында"},
    "possessive_dative": {"vowel": "сына", "other": "ына"},
}
_FRONT = str.maketrans("аоұығқ", "еөүігк")


def ending(written: str, case: str) -> str:
    """The ending a number takes in `case`, in the harmony of its spoken last word."""
    back, sound = _WORDS[last_word(written)]
    table = _ENDINGS[case]
    suffix = table.get(sound) or table["other"]
    return suffix if back else suffix.translate(_FRONT)


def declined(written: str, case: str) -> str:
    """«20» → «20-ға»; the hyphen is how Kazakh writes an ending after digits."""
    return f"{written}-{ending(written, case)}"


_BACK, _FRONT_VOWELS = set("аоұыя"), set("әеөүіэ")
_SONORANT, _VOICED = set("мнң"), set("рлйузжwвгғбд")


def word_ending(word: str, case: str) -> str:
    """The ending of a Kazakh word in `case`, by its last clear vowel and its last sound
    (the month in «желтоқсаннан», «қарашаға»)."""
    letters = word.lower()
    vowels = [c for c in letters if c in _BACK or c in _FRONT_VOWELS]
    back = not vowels or vowels[-1] in _BACK
    last = letters[-1]
    sound = (
        "vowel" if last in "аеиоуыіәөүұэюя" and last != "у" or last == "у" and len(letters) == 1
        else "sonorant" if last in _SONORANT
        else "voiced" if last in _VOICED
        else "voiceless"
    )  # fmt: skip
    table = _ENDINGS[case]
    suffix = table.get(sound) or table["other"]
    return suffix if back else suffix.translate(_FRONT)


def date(day: dt.date, case: str | None = None) -> str:
    """«2023 жылғы 8 желтоқсан», the order of Kazakh official texts; with a case the month
    takes its ending («2023 жылғы 25 желтоқсаннан кешіктірмей»)."""
    month = format_date(day, "MMMM", locale="kk")
    if case:
        month += word_ending(month, case)
    return f"{day.year} жылғы {day.day} {month}"
