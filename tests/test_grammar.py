"""A template writes its dates and numbers in its own language's grammar (`core.grammar`):
the wording says the case, the code passes the date or the count."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.core.grammar import Blank, Day, Number, fill, with_unit
from pipeline.core.numerals import INDICATOR, ORGANISATION, WORKING_DAY
from pipeline.core.text import Text

DAY = dt.date(2023, 11, 3)


@pytest.mark.parametrize(
    ("template", "lang", "said"),
    [
        ("{d}", "kk", "2023 жылғы 3 қараша"),
        ("{d:locative}", "kk", "2023 жылғы 3 қарашада"),
        ("{d:ablative}", "kk", "2023 жылғы 3 қарашадан"),
        ("{d}", "ru", "3 ноября 2023 года"),
        ("{d:numeric}", "ru", "03.11.2023"),
    ],
)
def test_a_date_takes_the_case_its_template_asks(template, lang, said):
    assert fill(template, lang, d=Day(DAY)) == said


def test_a_numeric_date_stays_in_words_in_kazakh_official_text():
    assert fill("{d:locative}", "kk", d=Day(DAY, numeric=True)) == "2023 жылғы 3 қарашада"
    assert fill("{d}", "ru", d=Day(DAY, numeric=True)) == "03.11.2023"


@pytest.mark.parametrize(
    ("template", "lang", "n", "noun", "said"),
    [
        ("{n}", "ru", 5, ORGANISATION, "5"),
        ("{n:noun}", "ru", 21, ORGANISATION, "21 организация"),
        ("{n:noun}", "ru", 3, ORGANISATION, "3 организации"),
        ("{n:noun.dative}", "ru", 15, INDICATOR, "15 показателям"),
        ("{n:noun.genitive}", "ru", 10, WORKING_DAY, "10 рабочих дней"),
        ("{n:noun}", "kk", 5, ORGANISATION, "5 ұйым"),
        ("{n:noun.genitive}", "kk", 15, INDICATOR, "15 көрсеткіштің"),
        ("{n:possessive}", "kk", 15, None, "15-і"),
        ("{n:possessive}", "ru", 15, None, "15"),
    ],
)
def test_a_number_takes_its_noun_and_case_as_its_template_asks(template, lang, n, noun, said):
    assert fill(template, lang, n=Number(n, noun)) == said


def test_a_blank_takes_no_ending_and_a_phrase_can_open_a_sentence():
    assert fill("{d:locative} №1", "kk", d=Blank("«__» ____ 20__ ж.")) == "«__» ____ 20__ ж. №1"
    assert fill("{t:capital}: есеп", "kk", t="мектептер") == "Мектептер: есеп"
    assert fill("{t}", "ru", t=Text("мектептер", "школ")) == "школ"


def test_a_rate_puts_its_base_first_in_kazakh():
    per = Text("100 қызметкерге", "на 100 работников")
    assert with_unit("20", "kk", per, per=True) == "100 қызметкерге 20"
    assert with_unit("20", "ru", per, per=True) == "20 на 100 работников"


def test_no_module_outside_the_core_branches_on_a_language():
    """Grammar that differs by language lives in the core and in the wording (#26)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "pipeline"
    branch = re.compile(r"""lang\s*[!=]=\s*["'](kk|ru)["']""")
    found = [
        f"{p.relative_to(root)}:{i}"
        for p in root.rglob("*.py")
        if p.parent.name != "core"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if branch.search(line)
    ]
    assert not found, found
