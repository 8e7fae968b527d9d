"""spec → pandera: a valid frame passes, each kind of bad value fails with its code."""

import datetime as dt

import pandas as pd
import pytest

from pipeline import ledger
from pipeline.intake.compile import compile_checks, compile_schema
from pipeline.intake.validate import SheetRows, _typed_series, check_sheets
from tests.helpers import good_11, good_14, make_iin


def run(specs, campaign, code, rows, org_type="general_secondary"):
    spec = specs[code]
    raw = [[row.get(k, "") for k in spec.keys] for row in rows]
    sheet = SheetRows(
        spec.sheet, raw, list(range(10, 10 + len(rows))), {k: i for i, k in enumerate(spec.keys)}
    )
    check_sheets(spec, campaign.period(code, org_type), [sheet])
    return sheet


def codes(sheet):
    return sorted((p.code, p.column_key, p.row) for p in sheet.problems)


def test_valid_rows_pass(specs, campaign):
    sheet = run(specs, campaign, "1.1", [good_11()])
    assert sheet.problems == []
    [record] = ledger.decode_rows(*ledger.encode_rows(sheet.excel_rows, sheet.typed))
    assert record["_row"] == 10
    assert record["checked_on"] == "2023-03-01"
    assert record["has_record"] == "no"


def test_compiled_schema_is_pandera(specs, campaign):
    schema = compile_schema(specs["1.4"], campaign.period("1.4", "preschool"))
    assert set(schema.columns) == set(specs["1.4"].keys)
    compiled = compile_checks(specs["1.4"], campaign.period("1.4", "preschool"))
    assert compiled.column_codes["applications"] == ("below_min",)
    assert compiled.column_codes["month"] == ("date_out_of_period",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"iin": "850102300011"}, ("id_checksum", "iin")),
        ({"iin": "85010230001"}, ("id_format", "iin")),
        ({"position": None}, ("required", "position")),
        ({"checked_on": dt.datetime(2022, 5, 31)}, ("date_before_period", "checked_on")),
        ({"checked_on": "вчера"}, ("not_a_date", "checked_on")),
        ({"has_record": "Возможно"}, ("bad_choice", "has_record")),
        ({"full_name": "А" * 151}, ("too_long", "full_name")),
        ({"has_record": "Да"}, ("rule", "article")),
    ],
)
def test_each_bad_value_fails_with_its_code(specs, campaign, change, expected):
    row = {**good_11(), **change}
    sheet = run(specs, campaign, "1.1", [row])
    assert [(p.code, p.column_key) for p in sheet.problems] == [expected]
    assert sheet.problems[0].cell.endswith("10")
    assert sheet.problems[0].kk and sheet.problems[0].ru


def test_period_depends_on_organisation_type(specs, campaign):
    row = {**good_11(), "checked_on": dt.datetime(2022, 7, 1)}
    assert run(specs, campaign, "1.1", [row], "general_secondary").problems == []
    preschool = run(specs, campaign, "1.1", [row], "preschool")
    assert [p.code for p in preschool.problems] == ["date_before_period"]
    assert "01.12.2022" in preschool.problems[0].ru


def test_numbers_and_cross_column_rules(specs, campaign):
    rows = [
        good_14(),
        {**good_14(), "month": dt.datetime(2023, 3, 15), "late": 5},
        {**good_14(), "month": dt.datetime(2023, 4, 15), "paper": 4},
        {**good_14(), "month": dt.datetime(2023, 5, 15), "applications": -1},
        {**good_14(), "month": dt.datetime(2023, 6, 15), "applications": "10,5"},
    ]
    sheet = run(specs, campaign, "1.4", rows)
    assert codes(sheet) == [
        ("below_min", "applications", 13),
        ("not_integer", "applications", 14),
        ("rule", "electronic", 12),
        ("rule", "on_time", 11),
    ]


def test_duplicate_rows_name_the_first(specs, campaign):
    sheet = run(specs, campaign, "1.4", [good_14(), good_14()])
    assert [(p.code, p.row) for p in sheet.problems] == [("duplicate_row", 11)]
    assert "10" in sheet.problems[0].ru


def test_batch_gives_each_sheet_the_errors_it_gets_alone(specs, campaign):
    spec = specs["1.4"]

    def sheet(rows):
        raw = [[r.get(k, "") for k in spec.keys] for r in rows]
        return SheetRows(
            "1.4", raw, list(range(10, 10 + len(rows))), {k: i for i, k in enumerate(spec.keys)}
        )

    bad = [good_14(), {**good_14(), "late": 50}]
    alone = sheet(bad)
    check_sheets(spec, campaign.period("1.4", "preschool"), [alone])
    first, second, third = sheet([good_14()]), sheet(bad), sheet(bad)
    check_sheets(spec, campaign.period("1.4", "preschool"), [first, second, third])
    assert first.problems == []
    assert [(p.code, p.cell) for p in second.problems] == [(p.code, p.cell) for p in alone.problems]
    assert [(p.code, p.cell) for p in third.problems] == [(p.code, p.cell) for p in alone.problems]


def test_typed_frame_dtypes(specs, campaign):
    sheet = run(specs, campaign, "1.4", [good_14()])
    assert ledger.decode_rows(*ledger.encode_rows(sheet.excel_rows, sheet.typed)) == [
        {
            "_row": 10,
            "service": "school_enrolment",
            "month": "2023-02-15",
            "applications": 10,
            "on_time": 8,
            "late": 1,
            "refused": 1,
            "electronic": 7,
            "paper": 3,
            "responsible": None,
        }
    ]
    frame = pd.DataFrame(
        {c.key: _typed_series(sheet.typed[c.key], c.type) for c in specs["1.4"].columns}
    )
    assert str(frame["applications"].dtype) == "Int64"
    assert str(frame["month"].dtype) == "datetime64[ns]"


def test_pattern_check_says_what_is_expected(specs, campaign):
    row = {
        "published_on": dt.datetime(2023, 5, 5),
        "channel": "СМИ",
        "title": "x",
        "tone": "Оң",
        "topic": "Иное",
        "url": "см. сайт школы",
    }
    sheet = run(
        specs, campaign, "1.7", [row, {**row, "title": "y", "url": "school1.edu.kz/news/5"}]
    )
    assert [(p.code, p.row) for p in sheet.problems] == [("pattern", 10)]
    assert "school1.edu.kz/anticor" in sheet.problems[0].ru


def test_yesno_type_is_a_choice_of_yes_and_no(specs):
    column = specs["1.3"].column("dismissed")
    assert column.type == "choice" and [c.code for c in column.choices] == ["yes", "no"]


def test_date_typo_3023_is_a_cell_error_not_an_internal_error(specs, campaign):
    """A year typed as 3023 once overflowed pandas' datetimes and failed the whole return."""
    rows = [
        good_11(),
        {**good_11(), "checked_on": "01.03.3023"},
        {**good_11(), "hired_on": dt.date(23, 3, 1)},
    ]
    rows[1]["iin"], rows[2]["iin"] = make_iin(2), make_iin(3)
    sheet = run(specs, campaign, "1.1", rows)
    assert codes(sheet) == [
        ("date_implausible", "checked_on", 11),
        ("date_implausible", "hired_on", 12),
    ]
    shown = {p.column_key: p.ru for p in sheet.problems}
    assert "«01.03.3023»" in shown["checked_on"] and "1900" in shown["checked_on"]
    assert "«01.03.0023»" in shown["hired_on"]


def test_huge_number_in_a_count_is_a_cell_error_not_an_internal_error(specs, campaign):
    """A pasted 20-digit number once overflowed the Int64 column and failed the whole return."""
    rows = [
        good_14(),
        {**good_14(), "month": dt.datetime(2023, 3, 15), "applications": 12345678901234567890},
    ]
    sheet = run(specs, campaign, "1.4", rows)
    assert codes(sheet) == [("number_too_large", "applications", 11)]


@pytest.mark.parametrize(
    ("code", "key"), [("1.1", "checked_on"), ("1.4", "month"), ("1.4", "applications")]
)
def test_empty_required_date_or_number_is_reported_as_required(specs, campaign, code, key):
    """An empty required date reached the message as NaT, which crashed it (internal error)."""
    row = {**(good_11() if code == "1.1" else good_14()), key: None}
    sheet = run(specs, campaign, code, [row])
    assert [(p.code, p.column_key, p.value) for p in sheet.problems] == [("required", key, "")]


def test_a_text_too_long_is_told_its_own_length_not_the_length_shown(specs, campaign):
    """The message said «Текст слишком длинный (200 симв.)» for a 620-character cell: the
    length was counted on the value as shown, which stops at 200 characters."""
    spec = specs["1.1"]
    longest = spec.column("measures").max_length
    sheet = run(specs, campaign, "1.1", [{**good_11(), "measures": "а" * (longest + 120)}])
    [problem] = [p for p in sheet.problems if p.code == "too_long"]
    assert f"({longest + 120} " in problem.ru and f"{longest}" in problem.ru
    assert f"({longest + 120} " in problem.kk
