"""What people type, and what it becomes."""

import datetime as dt

import pytest

from pipeline.normalise import clean_text, converter, fold, parse_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(2023, 3, 1), dt.date(2023, 3, 1)),
        ("01.03.2023", dt.date(2023, 3, 1)),
        ("1.3.23", dt.date(2023, 3, 1)),
        ("2023-03-01", dt.date(2023, 3, 1)),
        (" 01.03.2023 ж.", dt.date(2023, 3, 1)),
        ("01/03/2023", dt.date(2023, 3, 1)),
        ("2023.03.01", dt.date(2023, 3, 1)),
        ("31.02.2023", None),
        ("март", None),
        (45000, None),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


def column(specs, code, key):
    return specs[code].column(key)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, (12, None)),
        (12.0, (12, None)),
        ("1 250", (1250, None)),
        ("1\u00a0250", (1250, None)),
        ("12,0", (12, None)),
        ("12,5", (None, "not_integer")),
        ("двенадцать", (None, "not_a_number")),
        (True, (None, "not_a_number")),
    ],
)
def test_integers(specs, raw, expected):
    assert converter(column(specs, "1.4", "applications"))(raw) == expected


def test_decimals_with_comma(specs):
    assert converter(column(specs, "1.3", "amount"))("150 000,50") == (150000.5, None)


@pytest.mark.parametrize("raw", ["Да", "да ", "Иә", "Иә / Да", "yes", "ДA", "+", True])
def test_yes_spellings(specs, raw):
    assert converter(column(specs, "1.1", "has_record"))(raw) == ("yes", None)


@pytest.mark.parametrize("raw", ["Нет", "Hет", "жоқ", "Жок", "no", False])
def test_no_spellings(specs, raw):
    assert converter(column(specs, "1.1", "has_record"))(raw) == ("no", None)


def test_choice_by_either_label_case_and_spacing_ignored(specs):
    convert = converter(column(specs, "1.2", "measure"))
    assert convert("  строгий   ВЫГОВОР ") == ("severe_reprimand", None)
    assert convert("Қатаң сөгіс") == ("severe_reprimand", None)
    assert convert("Выгавор") == ("Выгавор", "bad_choice")


def test_text_cleaning():
    assert clean_text("'Ахметов  Ерлан ") == "Ахметов Ерлан"
    assert clean_text(12.0) == "12"
    assert fold("Ёлка  TOP") == fold("елка тор")


def test_stored_text_is_what_was_typed_not_unicode_normalised():
    # found by the round-trip property: NFC turns U+F900 into U+8C48, so stored text differed
    assert clean_text("\uf900") == "\uf900"
    assert clean_text("и\u0306") == "и\u0306"
    assert fold("и\u0306") == fold("й")
