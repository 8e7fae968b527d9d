"""Kazakh working days: the one function every deadline in Adal goes through.

The `holidays` package knows KZ holidays, their moves off weekends and the Government's
transfers (a worked Saturday, a day off in exchange). Decrees for years it does not know
yet go into campaign.yaml (`calendar.extra_days_off`, `calendar.extra_working_days`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays


@lru_cache(maxsize=32)
def _kz(years: tuple[int, ...]) -> holidays.HolidayBase:
    import holidays  # 45 ms: only when a working day is counted, not to print help

    return holidays.country_holidays("KZ", years=years)


class WorkCalendar:
    def __init__(
        self, extra_days_off: Iterable[dt.date] = (), extra_working_days: Iterable[dt.date] = ()
    ) -> None:
        self.extra_off = frozenset(extra_days_off)
        self.extra_work = frozenset(extra_working_days)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_work:
            return True
        if day in self.extra_off:
            return False
        return _kz((day.year - 1, day.year, day.year + 1)).is_working_day(day)

    def add(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (the day itself does not count)."""
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        return sum(
            self.is_working_day(start + dt.timedelta(days=i))
            for i in range(1, (end - start).days + 1)
        )


def calendar_for(campaign) -> WorkCalendar:
    return WorkCalendar(campaign.extra_days_off, campaign.extra_working_days)
