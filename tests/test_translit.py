"""Cyrillic names to ASCII for attachments that must survive every mail client."""

import pytest

from pipeline.core.translit import to_ascii


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ясли-сад «Айгөлек» №5.xlsx", "Yasli-sad_Aigolek_N5.xlsx"),
        ("Шұғыла ҚҰРМАНҒАЗЫ", "Shugyla_QURMANGAZY"),  # capitals stay capitals
        ("Щёлково", "Shchelkovo"),
        ("Подъезд", "Podezd"),  # hard and soft signs leave no trace
        ("школа 12 (копия).xlsx", "shkola_12_kopiya_.xlsx"),
        ("«»", "file"),  # nothing left: a name is still given
        ("", "file"),
    ],
)
def test_names_become_plain_ascii(name, expected):
    assert to_ascii(name) == expected


def test_every_kazakh_and_russian_letter_has_a_spelling():
    """A letter missing from the table would be replaced by «_» and names would collide."""
    letters = "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә"
    for letter in letters:
        out = to_ascii(f"x{letter}x")
        assert out.isascii() and "_" not in out, (letter, out)
