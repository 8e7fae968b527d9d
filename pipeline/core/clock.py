"""One clock: the campaign's time zone, whatever the machine's.

The same e-mail received at 00:30 on the day after the deadline (Kazakhstan time) was
«late» on a machine set to Asia/Almaty and «on time» on one set to UTC. Every time that
decides on-time or late — a message's Date, a file's modification time, a workbook's saved
time, now — is taken in the campaign's zone (`campaign.yaml: time_zone`, Asia/Almaty by
default; the zone database knows the country's move from UTC+6 to UTC+5 on 1 March 2024),
and kept as a plain date and time in that zone, as deadlines are written.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Almaty"
_zone = ZoneInfo(DEFAULT_ZONE)


def zone_of(name: str) -> ZoneInfo | None:
    """The zone of that name, or None if the zone database does not know it."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def use_zone(name: str) -> None:
    """Take the campaign's zone for this process (set when a campaign is opened)."""
    global _zone
    _zone = zone_of(name) or _zone


def local(stamp: dt.datetime) -> dt.datetime:
    """An instant as the campaign's wall clock shows it; a naive time is taken as already
    in campaign time (`--received 2023-11-10T10:00`)."""
    if stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(_zone).replace(tzinfo=None)


def from_timestamp(seconds: float) -> dt.datetime:
    """A file's modification time on the campaign's clock, to the second."""
    return dt.datetime.fromtimestamp(seconds, _zone).replace(tzinfo=None, microsecond=0)


def now() -> dt.datetime:
    return dt.datetime.now(_zone).replace(tzinfo=None, microsecond=0)


def aware(stamp: dt.datetime) -> dt.datetime:
    """A campaign-time wall clock as an instant (to stamp a file or date a message)."""
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=_zone)
