"""From indicator values to findings and recommendations, each traceable to its sources.

A finding exists where an indicator reached medium or high in at least one organisation.
Its sentence is the indicator's declared words, the organisations named per level as their
table rows rate them, and — for a ratio — the highest value and the district median: the
same figures the consolidated workbook shows, never typed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.core.numerals import ORGANISATION, count_in
from pipeline.core.text import Text, capitalised
from pipeline.core.yamlio import load_yaml
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.indicators import AREAS, LEVEL_TEXT, Indicator


@dataclass
class Hit:
    bin: str
    name: Text
    value: float
    level: str
    detail: float | None = None  # the part shown beside the value (of them, confirmed)


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


def number(value: float | None) -> str:
    """A figure as both languages write it: «4,8», «20»."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


LEVEL_ORDER = ("high", "medium")


LANGS = ("kk", "ru")


def find(
    workspace: Workspace,
    table: pd.DataFrame,
    indicators: list[Indicator],
    wording: dict | None = None,
) -> list[Finding]:
    """A finding per indicator that reached medium or high somewhere. Its sentence says how
    many organisations are at each level and which: the level follows each table row."""
    wording = wording or load_yaml(workspace.paths.schema_file("report.yaml"))
    names = workspace.by_bin
    out = []
    for ind in indicators:
        rows = table[table["indicator"] == ind.code]
        judged = rows[rows["level"].isin(["low", "medium", "high"])]
        flagged = judged[judged["level"].isin(LEVEL_ORDER)].sort_values("value", ascending=False)
        if flagged.empty:
            continue
        hits = [
            Hit(
                r.bin,
                names[r.bin].name,
                float(r.value),
                r.level,
                None if pd.isna(getattr(r, "detail", None)) else float(r.detail),
            )
            for r in flagged.itertuples()
        ]
        median = rows["district_median"].iloc[0]
        median = None if pd.isna(median) else float(median)
        text = Text(*(_sentence(ind, hits, len(judged), median, wording, lang) for lang in LANGS))
        out.append(Finding(ind, hits, len(judged), median, text))
    return out


def _sentence(
    ind: Indicator, hits: list[Hit], total: int, median: float | None, wording: dict, lang: str
) -> str:
    parts = []
    for level in LEVEL_ORDER:
        named = [h for h in hits if h.level == level]
        if not named:
            continue
        where = count_in(len(named), ORGANISATION, lang, "prepositional")
        template = wording["level_first" if not parts else "level_next"][lang]
        parts.append(
            template.format(
                level=LEVEL_TEXT[level].get(lang),
                where=where,
                orgs=", ".join(h.name.get(lang) for h in named),
            )
        )
    sentence = capitalised(
        wording["finding"][lang].format(finding=ind.finding.get(lang), levels="; ".join(parts))
    )
    if ind.denominator is None:  # a count: the highest and the median add nothing to the table
        return sentence
    figures = wording["figures"][lang].format(
        max=ind.unit.format(number(hits[0].value), lang, hits[0].value),
        median=ind.unit.format(number(median), lang, median),
        total=count_in(total, ORGANISATION, lang, "dative"),
    )
    return f"{sentence} {figures}"


def by_area(findings: list[Finding]) -> dict[str, list[Finding]]:
    return {area: [f for f in findings if f.area == area] for area in AREAS}
