"""The signed plan (`outbox/report/plan.json`): dates and measures that monitoring needs.

Written by `adal report`, read by the 5.1 templates, ingest (their period) and status.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.text import Text
from pipeline.files.atomic import write_text
from pipeline.specs.campaign import Period


@dataclass
class Measure:
    no: str
    area: str
    indicator: str
    text: Text
    responsible: Text
    deadline: dt.date
    orgs: list[str] = field(default_factory=list)
    severity: str = "medium"
    # the department's own step (informing the anti-corruption body, a talk with heads): the
    # organisations it names do not report on it in their 5.1 execution reports
    by_department: bool = False
    repeats: str = ""  # last year's measure this one repeats (overdue then), by its number

    @property
    def indicators(self) -> list[str]:
        """The indicators the measure answers: one for a finding's measure, several for a
        step the law requires after facts found by several (stored joined by «,»)."""
        return [code for code in self.indicator.split(",") if code]

    def as_json(self) -> dict:
        return {
            "no": self.no,
            "area": self.area,
            "indicator": self.indicator,
            "kk": self.text.kk,
            "ru": self.text.ru,
            "responsible_kk": self.responsible.kk,
            "responsible_ru": self.responsible.ru,
            "deadline": self.deadline.isoformat(),
            "orgs": self.orgs,
            "severity": self.severity,
            "by_department": self.by_department,
            "repeats": self.repeats,
        }

    @classmethod
    def from_json(cls, data: dict) -> Measure:
        return cls(
            data["no"],
            data["area"],
            data["indicator"],
            Text(data["kk"], data["ru"]),
            Text(data["responsible_kk"], data["responsible_ru"]),
            dt.date.fromisoformat(data["deadline"]),
            list(data["orgs"]),
            data.get("severity", "medium"),
            bool(data.get("by_department", False)),
            str(data.get("repeats") or ""),
        )


PLAN_FILE = Path("report") / "plan.json"


@dataclass
class Plan:
    signed: dt.date
    approved: dt.date
    plan_due: dt.date
    publication_due: dt.date
    measures: list[Measure]
    months: int = 12
    end: dt.date | None = None  # the monitoring end moved to a working day (set by `report`)
    late_approval: bool = False  # approved after the plan's own due date
    approval_known: bool = True  # False: `approved` is the due date, assumed until it is known

    @property
    def year_after(self) -> dt.date:
        """One year (`months`) after signing, the same day of the month where it exists."""
        index = self.signed.month - 1 + self.months
        year, month = self.signed.year + index // 12, index % 12 + 1
        return dt.date(year, month, min(self.signed.day, calendar.monthrange(year, month)[1]))

    @property
    def monitoring_end(self) -> dt.date:
        """The year after signing; a day off moves it to the next working day."""
        return self.end or self.year_after

    @property
    def monitoring_period(self) -> Period:
        return Period(self.signed, self.monitoring_end)

    def for_org(self, bin_: str) -> list[Measure]:
        return [m for m in self.measures if bin_ in m.orgs and not m.by_department]


def write_plan(outbox: Path, plan: Plan) -> Path:
    path = outbox / PLAN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "signed": plan.signed.isoformat(),
        "approved": plan.approved.isoformat(),
        "plan_due": plan.plan_due.isoformat(),
        "publication_due": plan.publication_due.isoformat(),
        "months": plan.months,
        "monitoring_end": plan.monitoring_end.isoformat(),
        "late_approval": plan.late_approval,
        "approval_known": plan.approval_known,
        "measures": [m.as_json() for m in plan.measures],
    }
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1))
    return path


def read_plan(outbox: Path) -> Plan | None:
    path = outbox / PLAN_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    day = dt.date.fromisoformat
    return Plan(
        day(data["signed"]),
        day(data["approved"]),
        day(data["plan_due"]),
        day(data["publication_due"]),
        [Measure.from_json(m) for m in data["measures"]],
        int(data.get("months", 12)),
        day(data["monitoring_end"]) if data.get("monitoring_end") else None,
        bool(data.get("late_approval", False)),
        bool(data.get("approval_known", True)),
    )


REGISTER_FILE = Path("report") / "register.json"


def write_register_positions(outbox: Path, positions: list[dict]) -> Path:
    """The positions the signed register (6.1) holds — `code` (the declared position, or
    empty for the working group's own), `kk`, `ru` and the organisations' BINs — kept
    beside plan.json so that next year's register can say which were there before."""
    path = outbox / REGISTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(positions, ensure_ascii=False, indent=1))
    return path


def read_register_positions(outbox: Path) -> list[dict] | None:
    path = outbox / REGISTER_FILE
    if not path.exists():
        return None
    return list(json.loads(path.read_text(encoding="utf-8")))
