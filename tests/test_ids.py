from hypothesis import given
from hypothesis import strategies as st

from pipeline.core.ids import check_digit, complete_id, is_valid_id, normalise_id
from tests.helpers import make_iin


def test_checksum_first_round():
    # 9·1+7·2+0·3+1·4+0·5+1·6+5·7+0·8+1·9+0·10+2·11 = 99; 99 mod 11 = 0
    assert check_digit("97010150102") == 0
    assert is_valid_id("970101501020")
    assert not is_valid_id("970101501029")


def test_checksum_second_round_when_first_gives_ten():
    # weights 1..11 give 296 mod 11 = 10; weights 3..11,1,2 give 377 mod 11 = 3
    assert check_digit("12345678901") == 3
    assert is_valid_id("123456789013")


def test_number_with_no_valid_check_digit_is_refused():
    invalid = next(f"{n:011d}" for n in range(10**6, 10**7) if check_digit(f"{n:011d}") is None)
    assert complete_id(invalid) is None
    assert not any(is_valid_id(invalid + str(d)) for d in range(10))


def test_iin_typed_as_number_gets_its_leading_zero_back():
    assert normalise_id(40201359567) == ("040201359567", None)
    assert normalise_id(40201359567.0) == ("040201359567", None)


def test_iin_as_text_is_never_padded():
    assert normalise_id("40201359567") == (None, "id_format")


def test_non_integer_identifier_is_an_error():
    assert normalise_id(4020135956.5) == (None, "id_format")
    assert normalise_id(True) == (None, "id_format")


def test_identifier_text_is_cleaned():
    assert normalise_id("'040201359567 ") == ("040201359567", None)
    assert normalise_id("0402 0135 9567") == ("040201359567", None)


@given(st.integers(min_value=0, max_value=10**11 - 1))
def test_completed_ids_are_valid(number):
    full = complete_id(f"{number:011d}")
    if full is not None:
        assert is_valid_id(full)
        assert not is_valid_id(full[:11] + str((int(full[11]) + 1) % 10))


def test_valid_ids_agrees_with_one_by_one_checks():
    import pandas as pd

    from pipeline.core.ids import is_valid_id
    from pipeline.intake.id_columns import valid_ids

    values = [make_iin(n) for n in range(1, 40)]
    values += [v[:11] + str((int(v[11]) + 1) % 10) for v in values[:10]]
    values += ["12345678901", "1234567890123", "abcdefghijkl", "١٢٣٤٥٦٧٨٩٠١٢", "", 123456789012]
    series = pd.Series(values, index=range(100, 100 + len(values)), dtype=object)
    assert valid_ids(series).tolist() == [is_valid_id(v) for v in values]
    assert list(valid_ids(series).index) == list(series.index)
    assert valid_ids(pd.Series([], dtype=object)).tolist() == []
