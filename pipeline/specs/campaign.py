"""The department's campaign: subject, periods per organisation type, deadlines.

`campaign/campaign.yaml` is data the officer edits; this module turns it into checked,
typed values so that no later step has to wonder whether a date is a date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import wrap
from typing import Any

from pipeline.core import clock
from pipeline.core.errors import ConfigError
from pipeline.core.messages import render
from pipeline.core.text import Text
from pipeline.core.workdays import WorkCalendar
from pipeline.core.yamlio import load_yaml, need, need_text
from pipeline.specs.returns import ORG_TYPES


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"


def date_window(window: str, period: Period | None) -> tuple[dt.date | None, dt.date | None]:
    """The fixed bounds of a date column's window (`spec.WINDOWS`). Every window also ends on
    the day the file is received (but `planned`, a deadline): ingest checks that per file,
    the template's validation with TODAY(). Defined once, for both."""
    if period is None or window in ("any", "planned"):
        return None, None
    if window == "period":
        return period.start, period.end
    return period.start, None  # analysis: from the period's start up to the day it is sent


@dataclass(frozen=True)
class ReturnPlan:
    code: str
    deadline: dt.date
    periods: dict[str, Period]


@dataclass(frozen=True)
class Member:
    position: Text | None
    name: Text | None


@dataclass(frozen=True)
class WorkingGroup:
    """Who carried out the analysis and signs the reference (plan item 3.1). Every field may
    be missing: the reference then leaves a line to fill by hand and `report` names it."""

    order_no: str = ""
    order_date: dt.date | None = None
    analysis: tuple[dt.date, dt.date] | None = None
    chair: Member | None = None
    members: tuple[Member, ...] = ()


def _optional_text(raw: Any, key: str, where: str) -> Text | None:
    """A bilingual text left blank (both languages empty) is a line to fill by hand."""
    value = raw.get(key) if isinstance(raw, dict) else None
    if not value or not any(str(value.get(lang) or "").strip() for lang in ("kk", "ru")):
        return None
    return need_text(raw, key, where)


def _member(raw: Any, where: str) -> Member:
    return Member(_optional_text(raw, "position", where), _optional_text(raw, "name", where))


def _working_group(raw: Any, where: str) -> WorkingGroup:
    raw = raw or {}
    order = raw.get("order") or {}
    analysis = raw.get("analysis")
    return WorkingGroup(
        order_no=str(order.get("number") or ""),
        order_date=_date(order["date"], f"{where}.order.date") if order.get("date") else None,
        analysis=(
            (_date(analysis[0], f"{where}.analysis"), _date(analysis[1], f"{where}.analysis"))
            if isinstance(analysis, list) and len(analysis) == 2
            else None
        ),
        chair=_member(raw.get("chair"), f"{where}.chair") if raw.get("chair") else None,
        members=tuple(
            _member(m, f"{where}.members[{i}]") for i, m in enumerate(raw.get("members") or [])
        ),
    )


@dataclass(frozen=True)
class Campaign:
    code: str
    year: int
    subject: Text
    approved_on: dt.date
    approved_by: Text
    approver_position: Text
    contact_name: Text
    contact_email: str
    contact_phone: str
    org_types: dict[str, Text]
    returns: dict[str, ReturnPlan]
    report: dict[str, int] = field(default_factory=dict)
    extra_days_off: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()
    smtp: dict[str, Any] = field(default_factory=dict)
    imap: dict[str, Any] = field(default_factory=dict)  # the mailbox `adal fetch` reads
    working_group: WorkingGroup = field(default_factory=WorkingGroup)
    # a type named in the plural, as a list reads: «организаций дошкольного образования — 7»
    org_types_many: dict[str, Text] = field(default_factory=dict)
    contact_person: Text | None = None  # who answers the phone: the reference's executor
    time_zone: str = clock.DEFAULT_ZONE  # on-time or late is decided on this clock
    sample: bool = False  # the plan `adal init` wrote, not yet made the department's own
    # last year's campaign folder or export (relative to this campaign's folder): its
    # results are compared with this year's (`adal init --from` writes it)
    previous: str | None = None

    @property
    def name(self) -> Text:
        """The campaign as people say it (mail subjects and bodies), not its file code."""
        name = render("campaign_name", year=self.year)
        return Text.of(name)

    def period(self, return_code: str, org_type: str) -> Period:
        return self.returns[return_code].periods[org_type]

    def deadline(self, return_code: str) -> dt.date:
        return self.returns[return_code].deadline


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")


def _time_zone(value: Any, where: str) -> str:
    if value is None:
        return clock.DEFAULT_ZONE
    if clock.zone_of(value) is None:
        raise ConfigError.of("campaign_bad_zone", where=f"{where}: time_zone", value=str(value))
    return str(value)


def _code(value: Any, where: str) -> str:
    """The campaign's code becomes part of file and folder names (templates, archive, the
    consolidated workbook): one path component, legal on Windows, or refused by name."""
    code = str(value)
    if not _CODE.fullmatch(code):
        raise ConfigError.of("campaign_bad_code", where=f"{where}: code", value=code[:80])
    return code


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError.of("config_not_a_date", where=where, value=value) from None


def _period(value: Any, where: str) -> Period:
    if not (isinstance(value, list) and len(value) == 2):
        raise ConfigError.of("period_not_a_pair", where=where)
    start, end = _date(value[0], where), _date(value[1], where)
    if end < start:
        raise ConfigError.of("period_end_before_start", where=where)
    return Period(start, end)


def _periods(raw: dict[str, Any], where: str) -> dict[str, dict[str, Period]]:
    out: dict[str, dict[str, Period]] = {}
    for name, per_type in raw.items():
        here = f"{where}: periods.{name}"
        if not isinstance(per_type, dict):
            raise ConfigError.of("periods_by_type", where=here)
        if "all" in per_type:
            out[name] = dict.fromkeys(ORG_TYPES, _period(per_type["all"], here))
            continue
        missing = [t for t in ORG_TYPES if t not in per_type]
        if missing:
            raise ConfigError.of("period_types_missing", where=here, value=", ".join(missing))
        out[name] = {t: _period(per_type[t], f"{here}.{t}") for t in ORG_TYPES}
    return out


SAMPLE_NOTES = ("campaign_sample_note", "campaign_carried_note")


def mark_as_sample(text: str, note: str = "campaign_sample_note") -> str:
    """The sample plan `adal init` writes (or next year's, `note`), marked as such after its
    opening comments: `templates` and `mail --send` refuse it until the officer has made it
    theirs."""
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    note = render(note)
    comment = "".join(f"# {line}\n" for text in (note.kk, note.ru) for line in wrap(text, 86))
    return "".join(lines[:head]) + comment + "sample: true\n" + "".join(lines[head:])


def unmark_sample(text: str) -> str:
    """The campaign made the department's own: the sample marker and its note removed
    (what the officer does by hand after checking the plan; the demo does it for its
    district)."""
    comment = {
        f"# {line}\n"
        for code in SAMPLE_NOTES
        for t in (render(code).kk, render(code).ru)
        for line in wrap(t, 86)
    }
    kept = [line for line in text.splitlines(keepends=True)
            if line not in comment and not line.startswith("sample:")]  # fmt: skip
    return "".join(kept)


_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR_IN_CODE = re.compile(r"^(code:\s*[\"']?[^\n]*?)(\d{4})", re.M)


def carried_over(text: str, calendar: WorkCalendar, previous: str | None = None) -> str:
    """Next year's campaign.yaml from this year's, its comments kept: every date a year
    later (29 February becomes the 28th), a deadline that then falls on a day off moved to
    the next Kazakh working day, the year in `year:` and `code:` one more, `previous:` set
    to last year's folder (for the comparison), the calendar's
    decreed days left as they were (they name days of their own year), and marked as a
    sample, so nothing goes out before the officer has checked it (the working group, the
    plan's approval) and deleted that line."""
    out, in_calendar = [], False
    for line in text.splitlines(keepends=True):
        if line[:1].strip() and not line.startswith("#"):
            in_calendar = line.startswith("calendar:")
        if line.startswith(("sample:", "previous:")):
            continue
        if not in_calendar:
            deadline = "deadline" in line
            moving = calendar if deadline else None
            line = _DAY.sub(lambda m, c=moving: _next_year(m, c), line)
        out.append(line)
    text = "".join(out)
    text = re.sub(r"^year:\s*(\d{4})", lambda m: f"year: {int(m.group(1)) + 1}", text, flags=re.M)
    text = _YEAR_IN_CODE.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", text, count=1)
    if previous is not None:  # where last year's results are, for the comparison
        note = render("campaign_previous_note")
        comment = "".join(f"# {line}\n" for t in (note.kk, note.ru) for line in wrap(t, 86))
        text = text.rstrip("\n") + f"\n\n{comment}previous: {json.dumps(previous)}\n"
    return mark_as_sample(unmark_sample(text), "campaign_carried_note")


def _next_year(found: re.Match, calendar: WorkCalendar | None) -> str:
    year, month, day = (int(g) for g in found.groups())
    try:
        moved = dt.date(year + 1, month, day)
    except ValueError:  # 29 February
        moved = dt.date(year + 1, month, day - 1)
    while calendar is not None and not calendar.is_working_day(moved):
        moved += dt.timedelta(days=1)
    return moved.isoformat()


def _sample(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError.of(
            "config_wrong_type", where=where, key="sample", names="true / false", value=value
        )
    return value


def _previous(value: object, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError.of("previous_not_text", where=where, value=value)
    return value


def load_campaign(path: Path) -> Campaign:
    """Load `campaign.yaml`; every wrong key is named with what it should hold."""
    data = load_yaml(path)
    where = str(path)
    approved = need(data, "approved", where, dict)
    contact = data.get("contact") or {}
    periods = _periods(need(data, "periods", where, dict), where)
    returns: dict[str, ReturnPlan] = {}
    for code, item in need(data, "returns", where, dict).items():
        here = f"{where}: returns.{code}"
        pname = need(item, "period", here, str)
        if pname not in periods:
            raise ConfigError.of("period_unknown", where=here, pname=pname)
        returns[str(code)] = ReturnPlan(
            str(code), _date(need(item, "deadline", here), here), periods[pname]
        )
    org_types = {
        t: need_text(need(data, "organisation_types", where, dict), t, where) for t in ORG_TYPES
    }
    calendar = data.get("calendar") or {}
    return Campaign(
        code=_code(need(data, "code", where), where),
        year=int(need(data, "year", where, int)),
        subject=need_text(data, "subject", where),
        approved_on=_date(need(approved, "date", f"{where}: approved"), f"{where}: approved.date"),
        approved_by=need_text(approved, "by", f"{where}: approved"),
        approver_position=need_text(approved, "position", f"{where}: approved"),
        contact_name=need_text(contact, "name", f"{where}: contact")
        if contact.get("name")
        else Text("—", "—"),
        contact_email=str(contact.get("email") or ""),
        contact_phone=str(contact.get("phone") or ""),
        contact_person=need_text(contact, "person", f"{where}: contact")
        if contact.get("person")
        else None,
        time_zone=_time_zone(data.get("time_zone"), where),
        sample=_sample(
            next((v for k, v in data.items() if str(k).lower() == "sample"), False), where
        ),
        org_types=org_types,
        returns=returns,
        report={k: int(v) for k, v in (data.get("report") or {}).items()},
        extra_days_off=tuple(
            _date(d, f"{where}: calendar") for d in calendar.get("extra_days_off") or []
        ),
        extra_working_days=tuple(
            _date(d, f"{where}: calendar") for d in calendar.get("extra_working_days") or []
        ),
        smtp=dict(data.get("smtp") or {}),
        imap=dict(data.get("imap") or {}),
        previous=_previous(data.get("previous"), where),
        working_group=_working_group(data.get("working_group"), f"{where}: working_group"),
        org_types_many={
            t: text
            for t in ORG_TYPES
            if (text := _optional_text(data["organisation_types"][t], "many", where))
        },
    )


def check_specs_planned(campaign: Campaign, spec_codes: list[str], where: str) -> None:
    """Every collected return needs a period and a deadline in the campaign."""
    missing = [c for c in spec_codes if c not in campaign.returns]
    if missing:
        raise ConfigError.of("campaign_returns_missing", where=where, value=", ".join(missing))
