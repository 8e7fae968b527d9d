"""Recommendations become measures (4.1): what, who, by when — in Kazakh working days."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pipeline.core.text import Text
from pipeline.core.workdays import WorkCalendar
from pipeline.specs.plan import Measure

if TYPE_CHECKING:
    from pipeline.documents.findings import Finding

DAYS_BY_SEVERITY = {"high": 20, "medium": 60}


def _responsible(finding: Finding, wording: dict, lang: str) -> str:
    ind = finding.indicator
    department = ind.responsible.get(lang) if ind.responsible else None
    department = department or wording["responsible"][ind.area][lang]
    if not ind.heads:
        return department[:1].upper() + department[1:]
    heads = wording["heads"][lang].format(orgs=", ".join(h.name.get(lang) for h in finding.hits))
    return f"{heads}; {department}"


def measures_from(
    findings: list[Finding], approved: dt.date, calendar: WorkCalendar, wording: dict
) -> list[Measure]:
    """One measure per finding, numbered by area; high risks get the shorter deadline.
    Who answers for it follows the work plan's items (`report.yaml: responsible`)."""
    out = []
    for n, finding in enumerate(
        sorted(findings, key=lambda f: (f.area, f.indicator.code)), start=1
    ):
        responsible = Text(*(_responsible(finding, wording, lang) for lang in ("kk", "ru")))
        deadline = calendar.add(approved, DAYS_BY_SEVERITY[finding.severity])
        out.append(
            Measure(
                str(n),
                finding.area,
                finding.indicator.code,
                finding.indicator.recommendation,
                responsible,
                deadline,
                [h.bin for h in finding.hits],
                finding.severity,
            )
        )
    return out
