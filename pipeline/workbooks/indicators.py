"""Risk indicators: declared in `pipeline/shipped_schemas/indicators.yaml`, computed here, explained everywhere.

Each value keeps its numerator and denominator, each level its thresholds, each score its
weighted components — the working group can recompute every figure by hand.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from loguru import logger

from pipeline.core.errors import ConfigError
from pipeline.core.folding import fold
from pipeline.core.grammar import with_unit
from pipeline.core.messages import render, text
from pipeline.core.numerals import Noun
from pipeline.core.text import Text
from pipeline.core.yamlio import need, need_text, parse_yaml
from pipeline.specs.offences import UNKNOWN as UNKNOWN_VERDICT
from pipeline.specs.offences import verdict
from pipeline.specs.organisations import Organisation
from pipeline.specs.returns import ReturnSpec

LEVELS = ("low", "medium", "high")
LEVEL_TEXT = {
    level: text(f"level_{level}") for level in ("low", "medium", "high", "no_data", "insufficient")
}
LEVEL_COLOUR = {
    "high": "#FFC7CE",
    "medium": "#FFEB9C",
    "low": "#C6EFCE",
    "insufficient": "#EDEDED",
}
POINTS = {"low": 0, "medium": 1, "high": 2}
AREAS = ("2.1", "2.2", "2.3", "2.4", "2.5")


@dataclass(frozen=True)
class Measure:
    kind: str  # count | sum | org
    return_code: str | None = None
    column: str | None = None
    where: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()
    # rows also found in another return (same organisation and these columns) are that
    # return's to count: one fact is scored once
    unless_in: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Unit:
    """How a value is written: «4,8 %», «6 жалоб» (Russian by CLDR plural), «20 на 100
    работников» and, in Kazakh, a rate's base first: «100 қызметкерге 20»."""

    kk: str
    ru: str
    ru_forms: Noun | None = None  # a counted Russian noun
    per: bool = False

    def format(self, value: str, lang: str, number: float | None = None) -> str:
        return with_unit(value, lang, self.text, forms=self.ru_forms, per=self.per, number=number)

    @property
    def text(self) -> Text:
        return Text(self.kk, self.ru)


def _unit(raw: Any, where: str) -> Unit:
    if not isinstance(raw, dict) or "kk" not in raw or "ru" not in raw:
        raise ConfigError.of("indicator_unit_not_bilingual", where=where)
    ru = raw["ru"]
    if isinstance(ru, dict):
        one, few, many = (str(need(ru, k, where)) for k in ("one", "few", "many"))
        forms = Noun(str(raw["kk"]), one, few, many, str(ru.get("other", "")))
        return Unit(str(raw["kk"]), many, forms, bool(raw.get("per")))
    return Unit(str(raw["kk"]), str(ru), None, bool(raw.get("per")))


@dataclass(frozen=True)
class Indicator:
    code: str
    area: str
    title: Text
    unit: Unit
    numerator: Measure
    denominator: Measure | None
    scale: float
    thresholds: tuple[float, float]
    weight: float
    finding: Text
    recommendation: Text
    min_base: float | None = None  # a ratio on fewer cases than this gets no level
    responsible: Text | None = None  # the department's side, if not the area's default
    heads: bool = True  # the organisations' heads answer for the measure too
    # a part of the numerator shown beside it, not scored (of the complaints received, how
    # many were confirmed): what was alleged stays visible with what was established
    detail: Measure | None = None
    detail_label: Text | None = None

    @property
    def reads(self) -> set[tuple[str, str]]:
        """(return, column) of every cell the value depends on: its conditions and sums."""
        out = set()
        for m in (self.numerator, self.denominator, self.detail):
            if m is None or m.return_code is None:
                continue
            out |= {(m.return_code, column) for column, _, _ in m.where}
            if m.column:
                out.add((m.return_code, m.column))
            if m.unless_in:
                out |= {(m.return_code, c) for c in m.unless_in[1]}
        return out

    @property
    def returns(self) -> set[str]:
        return {m.return_code for m in (self.numerator, self.denominator) if m and m.return_code}

    @property
    def definition(self) -> str:
        """What the value counts, as a short fingerprint: its numerator, denominator, scale
        and smallest base. Two years' values of an indicator are comparable only when this
        is the same; a new title or threshold changes the wording or the level, not what is
        counted."""
        parts = (self.numerator, self.denominator, self.scale, self.min_base)
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]

    def level(self, value: float | None, base: float | None = None) -> str:
        if value is None:
            return "no_data"
        if self.min_base is not None and base is not None and base < self.min_base:
            return "insufficient"
        low, high = self.thresholds
        return "low" if value < low else "medium" if value < high else "high"


def parse_measure(raw: dict[str, Any], specs: dict[str, ReturnSpec], where: str) -> Measure:
    """A declared measure (`{return: CODE, count: true, where: {...}}`), checked against the
    returns' specs: the indicators' and the register's facts are declared the same way."""
    if "org" in raw:
        if raw["org"] not in ("staff", "pupils"):
            raise ConfigError.of("indicator_unknown_org_base", where=where)
        return Measure("org", column=raw["org"])
    code = str(need(raw, "return", where))
    if code not in specs:
        raise ConfigError.of("indicator_unknown_return", where=where, code=code)
    spec = specs[code]
    conditions = []
    for key, values in (raw.get("where") or {}).items():
        column, _, attr = str(key).partition("@")
        if column not in spec.keys:
            raise ConfigError.of("indicator_unknown_column", where=where, code=code, column=column)
        conditions.append((column, attr or None, tuple(str(v) for v in values)))
    unless = raw.get("unless_in")
    unless_in = None
    if unless:
        other, columns = (
            str(need(unless, "return", where)),
            tuple(need(unless, "match", where, list)),
        )
        if other in specs and all(c in spec.keys and c in specs[other].keys for c in columns):
            unless_in = (other, columns)
    if raw.get("sum"):
        if raw["sum"] not in spec.keys:
            raise ConfigError.of(
                "indicator_unknown_sum_column", where=where, code=code, value=raw["sum"]
            )
        return Measure("sum", code, raw["sum"], tuple(conditions), unless_in)
    return Measure("count", code, None, tuple(conditions), unless_in)


def load_indicators(path: Path, specs: dict[str, ReturnSpec]) -> list[Indicator]:
    import yaml

    try:
        raw = parse_yaml(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError.of("indicator_unreadable", where=str(path), exc=exc) from None
    out = []
    for i, item in enumerate(raw):
        where = f"{path}: [{i}] {item.get('code', '?')}"
        wanted = {
            str(m.get("return"))
            for m in (item.get("numerator") or {}, item.get("denominator") or {})
            if isinstance(m, dict) and m.get("return")
        }
        if wanted - set(specs):
            logger.warning(
                "indicator {} skipped: the campaign has no return {}",
                item.get("code"),
                ", ".join(sorted(wanted - set(specs))),
            )
            continue
        thresholds = need(item, "thresholds", where, list)
        if len(thresholds) != 2 or thresholds[0] > thresholds[1]:
            raise ConfigError.of("indicator_bad_thresholds", where=where)
        area = str(need(item, "area", where))
        if area not in AREAS:
            raise ConfigError.of("indicator_unknown_area", where=where, AREAS=AREAS)
        out.append(
            Indicator(
                code=str(need(item, "code", where)),
                area=area,
                title=need_text(item, "title", where),
                unit=_unit(item.get("unit"), where),
                numerator=parse_measure(need(item, "numerator", where, dict), specs, where),
                denominator=parse_measure(item["denominator"], specs, where)
                if item.get("denominator")
                else None,
                scale=float(item.get("scale", 1)),
                thresholds=(float(thresholds[0]), float(thresholds[1])),
                weight=float(item.get("weight", 1)),
                finding=need_text(item, "finding", where),
                recommendation=need_text(item, "recommendation", where),
                min_base=float(item["min_base"]) if item.get("min_base") is not None else None,
                responsible=need_text(item, "responsible", where)
                if item.get("responsible")
                else None,
                heads=bool(item.get("heads", True)),
                detail=parse_measure(item["detail"], specs, where) if item.get("detail") else None,
                detail_label=need_text(item, "detail_label", where) if item.get("detail") else None,
            )
        )
    return out


def doubted(ind: Indicator, bin_: str, queried: set[tuple[str, str, str]]) -> bool:
    """Whether an organisation's value rests on a cell it is asked to confirm: a query on a
    column the indicator reads (the article, the ground), not one beside it (a flag the law
    overrides, a measure not named)."""
    return any((bin_, code, column) in queried for code, column in ind.reads)


def _explain_measure(m: Measure, specs: dict[str, ReturnSpec], lang: str) -> str:
    """«число строк отчёта 1.1, где «Имеет (имел) судимость» — «Да»» in words."""

    def said(which: str, **fields: object) -> str:
        message = render(which, **fields)
        return message.get(lang)

    if m.kind == "org":
        return said(f"explain_org_{m.column}")
    spec = specs[m.return_code]
    source = (
        said("explain_checklist")
        if m.return_code == "2"
        else said("explain_return", code=m.return_code)
    )
    if m.kind == "count":
        what = said("explain_count", source=source)
    else:
        what = said("explain_sum", source=source, label=spec.column(m.column).label)
    conditions = []
    for column, attr, values in m.where:
        col = spec.column(column)
        if attr == "corruption" and col.offences is not None:
            which = "explain_law_corruption" if values == ("yes",) else "explain_law_other"
            conditions.append(said(which, label=col.label))
            continue
        if attr == "corruption":
            conditions.append(said("explain_corruption", label=col.label))
            continue
        if attr == "area":
            conditions.append(said("explain_area", areas=", ".join(values)))
            continue
        labels = {c.code: c.label.get(lang) for c in col.choices}
        chosen = ", ".join(f"«{labels.get(v, v)}»" for v in values)
        conditions.append(f"«{col.label.get(lang)}» — {chosen}")
    if not conditions:
        return what
    return said("explain_where", what=what, conditions="; ".join(conditions))


def explain(ind: Indicator, specs: dict[str, ReturnSpec]) -> str:
    """How the value is computed, in both languages, for the working group to recompute."""
    lines = []
    for lang in ("kk", "ru"):
        text = _explain_measure(ind.numerator, specs, lang)
        if ind.denominator is not None:
            text += " / " + _explain_measure(ind.denominator, specs, lang)
        if ind.scale != 1:
            text += f" × {ind.scale:g}"
        lines.append(text)
    return "\n".join(lines)


def _attribute(value: object) -> str:
    """A choice's attribute as `where` names it: yes/no for a flag, the text otherwise."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _filtered(frame: pd.DataFrame, measure: Measure, spec: ReturnSpec) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, attr, values in measure.where:
        if attr == "corruption" and spec.column(column).offences is not None:
            mask &= law_says(frame, spec, column).isin(values)
            continue
        series = frame[column]
        if attr:
            lookup = {c.code: _attribute(getattr(c, attr)) for c in spec.column(column).choices}
            series = series.map(lookup)
        mask &= series.isin(values)
    return frame[mask]


def law_says(frame: pd.DataFrame, spec: ReturnSpec, column: str) -> pd.Series:
    """Per row, whether the law makes its offence a corruption one: yes, no or unknown
    (read from the article, never from the flag the sender ticked). Each distinct
    combination of the cells the reading needs is read once: a staff list repeats them."""
    rule = spec.column(column).offences
    needed = [k for k in (column, rule.law_from, rule.otherwise) if k and k in frame.columns]
    if frame.empty or not needed:
        return pd.Series(UNKNOWN_VERDICT, index=frame.index, dtype=object)
    cells = frame[needed].astype(object).where(frame[needed].notna(), None)
    keys = list(cells.itertuples(index=False, name=None))
    read = {
        key: verdict(spec, column, dict(zip(needed, key, strict=False))).verdict
        for key in set(keys)
    }
    return pd.Series([read[key] for key in keys], index=frame.index, dtype=object)


def _keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple]:
    """(BIN, folded values): «Ахметов  Е.» and «ахметов е.» are one person."""
    parts = [frame["bin"].astype(str)] + [frame[c].map(fold) for c in columns]
    return list(zip(*parts, strict=True))


def _counted(
    m: Measure, frames: dict[str, pd.DataFrame], specs: dict[str, ReturnSpec]
) -> pd.DataFrame:
    """The rows of the return that a measure counts or sums: its conditions met and, when
    another return reports the same fact, left to that return (`unless_in`)."""
    frame = frames[m.return_code]
    rows = _filtered(frame, m, specs[m.return_code])
    if m.unless_in and m.unless_in[0] in frames and len(rows):
        other, columns = m.unless_in
        seen = set(_keys(frames[other], columns))
        rows = rows[[key not in seen for key in _keys(rows, columns)]]
    return rows


def facts(m: Measure, frames: dict[str, pd.DataFrame], specs: dict[str, ReturnSpec]) -> list[dict]:
    """The rows behind a measure's value, one per fact: those it counts, or those that add
    to its sum (a month with late services, not every month of the service); none when
    the return is not in."""
    if m.return_code not in frames:
        return []
    rows = _counted(m, frames, specs)
    if m.kind == "sum":
        rows = rows[pd.to_numeric(rows[m.column], errors="coerce").fillna(0) > 0]
    return rows.to_dict("records")


def measure_by_org(
    m: Measure, frames: dict[str, pd.DataFrame], specs: dict[str, ReturnSpec]
) -> pd.Series:
    """A return measure for every organisation at once (count or sum per BIN)."""
    rows = _counted(m, frames, specs)
    if m.kind == "count":
        return rows.groupby("bin").size().astype(float)
    return (
        pd.to_numeric(rows[m.column], errors="coerce")
        .fillna(0)
        .groupby(rows["bin"])
        .sum()
        .astype(float)
    )


def _value_of(
    m: Measure, series: pd.Series | None, org: Organisation, available: set[tuple[str, str]]
):
    """One organisation's measure; None when its return is not in (no data is not zero)."""
    if m.kind == "org":
        return float(getattr(org, m.column))
    if (org.bin, m.return_code) not in available:
        return None
    return float(series.get(org.bin, 0.0))


TABLE_COLUMNS = (
    "bin", "type", "indicator", "area", "numerator", "denominator", "value", "level",
    "points", "weight", "detail",
)  # fmt: skip


def compute(
    indicators: list[Indicator],
    orgs: list[Organisation],
    frames: dict[str, pd.DataFrame],
    specs: dict[str, ReturnSpec],
    available: set[tuple[str, str]],
) -> pd.DataFrame:
    """One row per organisation × indicator: numerator, denominator, value, median, level, points."""
    records = []
    for ind in indicators:
        num_series = (
            measure_by_org(ind.numerator, frames, specs) if ind.numerator.kind != "org" else None
        )
        den = ind.denominator
        den_series = (
            measure_by_org(den, frames, specs) if den is not None and den.kind != "org" else None
        )
        detail_series = (
            measure_by_org(ind.detail, frames, specs) if ind.detail is not None else None
        )
        for org in orgs:
            num = _value_of(ind.numerator, num_series, org, available)
            den_value = _value_of(den, den_series, org, available) if den is not None else None
            if den is None:
                value = num
            elif num is None or den_value is None or den_value == 0:
                value = None
            else:
                value = round(num / den_value * ind.scale, 2)
            level = ind.level(value, den_value if den is not None else None)
            records.append(
                {
                    "bin": org.bin,
                    "type": org.type,
                    "indicator": ind.code,
                    "area": ind.area,
                    "numerator": num,
                    "denominator": den_value,
                    "value": value,
                    "level": level,
                    "points": POINTS.get(level),
                    "weight": ind.weight,
                    "detail": _value_of(ind.detail, detail_series, org, available)
                    if ind.detail is not None
                    else None,
                }
            )
    table = pd.DataFrame.from_records(records, columns=TABLE_COLUMNS)
    medians = {
        key: statistics.median(g.dropna()) if g.notna().any() else None
        for key, g in table.groupby(["indicator", "type"])["value"]
    }
    table["median"] = [
        medians[(i, t)] for i, t in zip(table["indicator"], table["type"], strict=True)
    ]
    judged = table[table["level"].isin(LEVELS)]  # values with a level: enough data
    district = judged.groupby("indicator")["value"].median()
    table["district_median"] = table["indicator"].map(district).round(2)
    return table


MIN_COVERAGE = 0.5


def scores(table: pd.DataFrame) -> pd.DataFrame:
    """Per organisation: a score 0–100 per area and overall = Σ points·weight / Σ 2·weight.

    An organisation with values for fewer than half of the indicators gets no overall
    score: ranking it on the few returns it sent would put gaps in the data at the top.
    """
    coverage = table.groupby("bin")["points"].apply(lambda p: p.notna().mean())
    scored = table[table["points"].notna()].copy()
    scored["earned"] = scored["points"] * scored["weight"]
    scored["possible"] = 2 * scored["weight"]
    by_area = scored.groupby(["bin", "area"])[["earned", "possible"]].sum()
    wide = (100 * by_area["earned"] / by_area["possible"]).round(1).unstack("area")
    wide = wide.reindex(columns=list(AREAS))
    overall = scored.groupby("bin")[["earned", "possible"]].sum()
    wide["overall"] = (100 * overall["earned"] / overall["possible"]).round(1)
    wide = wide.reindex(table["bin"].unique())
    wide.loc[coverage[coverage < MIN_COVERAGE].index, "overall"] = float("nan")
    return wide
