"""From indicator values to findings and recommendations, each traceable to its sources.

A finding exists where an indicator reached medium or high in at least one organisation;
its text is the indicator's declared template filled with figures from the same table the
consolidated workbook shows, never typed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .bilingual import Text
from .indicators import AREAS, Indicator
from .workspace import Workspace


@dataclass
class Hit:
    bin: str
    name: Text
    value: float
    level: str


@dataclass
class Finding:
    indicator: Indicator
    hits: list[Hit]
    total: int
    median: float | None
    text: Text

    @property
    def area(self) -> str:
        return self.indicator.area

    @property
    def severity(self) -> str:
        return "high" if any(h.level == "high" for h in self.hits) else "medium"

    @property
    def sources(self) -> list[str]:
        return sorted(self.indicator.returns)


def _fmt(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def find(ws: Workspace, table: pd.DataFrame, indicators: list[Indicator]) -> list[Finding]:
    names = ws.by_bin
    out = []
    for ind in indicators:
        rows = table[table["indicator"] == ind.code]
        with_data = rows[rows["value"].notna()]
        flagged = with_data[with_data["level"].isin(["medium", "high"])].sort_values(
            "value", ascending=False
        )
        if flagged.empty:
            continue
        hits = [
            Hit(r.bin, names[r.bin].name, float(r.value), r.level) for r in flagged.itertuples()
        ]
        median = float(with_data["value"].median()) if len(with_data) else None
        fields = {
            "count": len(hits),
            "total": len(with_data),
            "max": _fmt(hits[0].value),
            "median": _fmt(median),
            "threshold": _fmt(ind.thresholds[0]),
        }
        text = Text(
            ind.finding.kk.format(orgs=", ".join(h.name.kk for h in hits), **fields),
            ind.finding.ru.format(orgs=", ".join(h.name.ru for h in hits), **fields),
        )
        out.append(Finding(ind, hits, len(with_data), median, text))
    return out


def by_area(findings: list[Finding]) -> dict[str, list[Finding]]:
    return {area: [f for f in findings if f.area == area] for area in AREAS}
