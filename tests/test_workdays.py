"""Working days against the official 2023 and 2024 calendars of Kazakhstan."""

import datetime as dt

import pytest

from pipeline.core.workdays import WorkCalendar

D = dt.date
DAYS_OFF_2023 = [
    D(2023, 1, 2),
    D(2023, 1, 3),
    D(2023, 3, 8),
    D(2023, 3, 21),
    D(2023, 3, 22),
    D(2023, 3, 23),
    D(2023, 5, 1),
    D(2023, 5, 8),
    D(2023, 5, 9),
    D(2023, 6, 28),
    D(2023, 7, 6),
    D(2023, 7, 7),
    D(2023, 8, 30),
    D(2023, 10, 25),
    D(2023, 12, 18),
]
DAYS_OFF_2024 = [
    D(2024, 1, 1),
    D(2024, 1, 2),
    D(2024, 3, 8),
    D(2024, 3, 21),
    D(2024, 3, 22),
    D(2024, 3, 25),
    D(2024, 5, 1),
    D(2024, 5, 7),
    D(2024, 5, 8),
    D(2024, 5, 9),
    D(2024, 7, 8),
    D(2024, 8, 30),
    D(2024, 10, 25),
    D(2024, 12, 16),
]
WORKED_SATURDAYS = [D(2023, 7, 1), D(2024, 5, 4)]


@pytest.mark.parametrize("day", DAYS_OFF_2023 + DAYS_OFF_2024)
def test_official_weekday_days_off(day):
    assert day.weekday() < 5
    assert not WorkCalendar().is_working_day(day)


@pytest.mark.parametrize("day", WORKED_SATURDAYS)
def test_worked_saturdays(day):
    assert day.weekday() == 5
    assert WorkCalendar().is_working_day(day)


def test_working_days_in_2023_and_2024():
    cal = WorkCalendar()
    # 260 weekdays − 15 weekday days off + 1 worked Saturday (production calendar: 246)
    assert cal.count(D(2022, 12, 31), D(2023, 12, 31)) == 246
    # 262 weekdays − 14 weekday days off + 1 worked Saturday (production calendar: 249)
    assert cal.count(D(2023, 12, 31), D(2024, 12, 31)) == 249


def test_across_new_year():
    # signed Fri 22.12.2023; 10 working days: 25–29 Dec, 3–5 Jan, 8–9 Jan (1–2 Jan off)
    assert WorkCalendar().add(D(2023, 12, 22), 10) == D(2024, 1, 9)


def test_across_nauryz():
    # Mon 18.03.2024 + 3 working days: 19, 20, 26 (21, 22, 25 off; 23–24 weekend)
    assert WorkCalendar().add(D(2024, 3, 18), 3) == D(2024, 3, 26)


def test_across_a_transferred_day():
    # Wed 05.07.2023 + 2: 06 and 07 are off, Sat 01.07 was worked instead: 10, 11
    assert WorkCalendar().add(D(2023, 7, 5), 2) == D(2023, 7, 11)
    # Thu 29.06.2023 + 1: Fri 30.06, and + 2 is the worked Saturday 01.07
    assert WorkCalendar().add(D(2023, 6, 29), 2) == D(2023, 7, 1)


def test_campaign_overrides_for_years_the_package_does_not_know():
    cal = WorkCalendar(extra_days_off=[D(2027, 1, 4)], extra_working_days=[D(2027, 1, 9)])
    assert not cal.is_working_day(D(2027, 1, 4))
    assert cal.is_working_day(D(2027, 1, 9))


def test_the_installed_calendar_knows_the_new_year_2025_transfer():
    """With holidays 0.60 (the old floor) a deadline after 27.12.2024 came out two days
    early: 03.01.2025 is a day off moved from Sunday 05.01.2025, a working day."""
    import datetime as dt

    from pipeline.core.workdays import WorkCalendar

    calendar = WorkCalendar()
    assert not calendar.is_working_day(dt.date(2025, 1, 3))
    assert calendar.is_working_day(dt.date(2025, 1, 5))
    assert calendar.add(dt.date(2024, 12, 27), 3) == dt.date(2025, 1, 5)
