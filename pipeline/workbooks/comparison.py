"""Year over year: this year's indicators beside last year's, read from last year's export.

Last year is read through its `adal export --parquet` folder (DuckDB over Parquet, as the
roll-up reads a region): a campaign folder given instead is exported first, into a folder
of its own that is removed afterwards. Organisations are matched by BIN.

Each (organisation, indicator) gets one outcome, and the reference, the workbook's sheets
and the action plan all count the same outcomes:

- `persists`: medium or high both years; `new`: medium or high this year only (an
  organisation new to the registry included); `gone`: medium or high last year, low now;
- `no_cases`: a risk last year, and this year nothing the ratio counts from (no complaint
  at all): not found, but not «gone» either, and said so;
- `not_assessed`: a risk last year, no level this year (no return, too few cases): a school
  that sent nothing has not thereby shed its risk;
- `closed`: a risk last year at an organisation no longer in the registry;
- `changed` / `added` / `removed`: the indicator's definition differs between the years (its
  fingerprint, `Indicator.definition`), or it exists in one year only: values of unlike
  definitions are never compared;
- `unassessed`: no risk found, but one year had no level (no return, too few cases, not in
  the registry): not called «no risk in either year»;
- `steady`: no risk either year, both years assessed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.core import clock
from pipeline.core.errors import ConfigError
from pipeline.core.folding import fold
from pipeline.core.messages import label, render, sheet_name, text
from pipeline.core.text import Text
from pipeline.ledger.regional import MANIFEST, Region, RegionDataError
from pipeline.specs import layout as L
from pipeline.specs.returns import use_schemas
from pipeline.specs.workspace import Paths, Workspace, is_campaign, with_organisations
from pipeline.tracking.measures import STATE_COLOUR, STATE_TEXT, judge
from pipeline.workbooks.indicators import AREAS, LEVEL_COLOUR, LEVEL_TEXT, Indicator
from pipeline.workbooks.previous_checks import check_manifest, check_tables

RISK = ("medium", "high")
OUTCOMES = (
    "persists", "new", "gone", "no_cases", "not_assessed", "closed", "changed", "added",
    "removed", "unassessed", "steady",
)  # fmt: skip
OUTCOME_TEXT = {o: text(f"compare_{o}") for o in OUTCOMES}
OUTCOME_COLOUR = {
    "persists": "#FFC7CE",
    "new": "#FCE4D6",
    "gone": "#C6EFCE",
    "not_assessed": "#EDEDED",
    "changed": "#DDEBF7",
}
RISK_NOW = {
    o: text(f"risk_now_{o}") for o in ("found", "not_found", "not_assessed", "closed", "changed")
}


@dataclass(frozen=True)
class Previous:
    """Last year's results as its export holds them."""

    folder: Path
    year: int
    campaign: str
    definitions: dict[str, str] | None  # indicator → fingerprint; None: an export before them
    titles: dict[str, Text]
    organisations: pd.DataFrame
    indicators: pd.DataFrame
    measures: pd.DataFrame
    positions: pd.DataFrame
    department: str = ""  # as the export names it (Russian)


def previous_folder(workspace: Workspace, given: Path | None) -> Path | None:
    """The folder `--previous` names, else campaign.yaml's `previous:` (relative to the
    campaign folder), else none."""
    if given is not None:
        return given.resolve()
    named = workspace.campaign.previous
    if not named:
        return None
    return (workspace.paths.root / named).resolve()


def open_previous(folder: Path, workspace: Workspace, today: dt.date) -> Previous:
    """Last year's export at `folder`, or, for a campaign folder, its export made now
    (its 5.1 measures judged as of `today`), checked (`previous_checks`). This year's own
    campaign, a later year and another department's results are refused."""
    from pipeline.workbooks.rollup import read_exports

    if (folder / MANIFEST).is_file():
        try:
            read_exports([folder])  # its manifest and files, as the roll-up checks them
        except ConfigError:
            raise ConfigError.of("previous_export_broken", where=str(folder)) from None
        previous = _read(folder)
    elif is_campaign(folder):
        if folder == workspace.paths.root.resolve():
            raise ConfigError.of("previous_is_this", where=str(folder))
        with tempfile.TemporaryDirectory(prefix="adal-previous-") as tmp:
            _export_campaign(folder, Path(tmp), workspace, today)
            previous = _read(Path(tmp))
        previous = replace(previous, folder=folder)
    else:
        raise ConfigError.of("previous_not_found", where=str(folder))
    _check_belongs(folder, previous, workspace)
    return previous


def _check_belongs(folder: Path, previous: Previous, workspace: Workspace) -> None:
    """Last year's results of this department: an earlier year, another campaign, and most
    of its organisations still in this year's registry by BIN (else it is another
    department's export, and every risk would read as «new»)."""
    if previous.campaign == workspace.campaign.code:
        raise ConfigError.of("previous_same_campaign", where=str(folder), code=previous.campaign)
    if previous.year >= workspace.campaign.year:
        raise ConfigError.of(
            "previous_not_earlier", where=str(folder), then=previous.year,
            now=workspace.campaign.year,
        )  # fmt: skip
    then = set(previous.organisations["bin"].astype(str))
    shared = then & {o.bin for o in workspace.organisations}
    if then and len(shared) * 2 < len(then):
        raise ConfigError.of(
            "previous_other_department", where=str(folder), then_name=previous.department,
            shared=len(shared), total=len(then),
        )  # fmt: skip


def _export_campaign(folder: Path, out: Path, workspace: Workspace, today: dt.date) -> None:
    """Export last year's campaign folder (its own SQLite ledger), then give this year's
    campaign back its specs and time zone, which opening another campaign sets."""
    from pipeline.workbooks import frames
    from pipeline.workbooks.export import export_parquet
    from pipeline.workbooks.indicators import load_indicators

    try:
        then = with_organisations(Paths(folder))
        indicators = load_indicators(then.paths.schema_file("indicators.yaml"), then.specs)
        export_parquet(then, frames.load(then), indicators, out, today=today)
    finally:
        use_schemas(workspace.paths.schemas)
        clock.use_zone(workspace.campaign.time_zone)


def _read(folder: Path) -> Previous:
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    year, declared = check_manifest(folder, manifest)
    region = Region([folder])
    try:
        tables = {name: region.table(name) for name in ("organisations", "indicators",
                                                         "measures", "positions")}  # fmt: skip
    except RegionDataError as exc:
        raise ConfigError.of("previous_unreadable", where=str(folder), detail=exc.detail) from None
    finally:
        region.close()
    check_tables(folder, tables)
    orgs = tables["organisations"]
    for column in ("organisation", "organisation_kk"):  # a name left out: its BIN stands in
        orgs[column] = orgs[column].where(orgs[column].notna(), orgs["bin"])
    titles = {
        str(r["indicator"]): Text(
            str(r["title_kk"] or r["indicator"]), str(r["title"] or r["indicator"])
        )
        for r in tables["indicators"].drop_duplicates("indicator").to_dict("records")
    }
    if declared is not None:
        titles |= {c: Text(d["kk"], d["ru"]) for c, d in declared.items()}
    department = manifest.get("department")
    return Previous(
        folder,
        year,
        str(manifest.get("campaign") or ""),
        {c: d["definition"] for c, d in declared.items()} if declared is not None else None,
        titles,
        orgs,
        tables["indicators"],
        tables["measures"],
        tables["positions"],
        str(department.get("ru", "")) if isinstance(department, dict) else "",
    )


@dataclass
class Pair:
    """One organisation's indicator in both years."""

    bin: str
    name: Text
    area: str
    indicator: str
    title: Text
    then_value: float | None
    now_value: float | None
    then_level: str | None  # None: no row that year (the organisation or indicator absent)
    now_level: str | None
    outcome: str

    @property
    def change(self) -> float | None:
        if self.outcome in ("changed", "added", "removed"):
            return None
        if self.then_value is None or self.now_value is None:
            return None
        return round(self.now_value - self.then_value, 2)


@dataclass
class MeasureOutcome:
    """Last year's measure: each organisation's state on it (as of this year's date) and
    whether the risk it addressed is still found there this year."""

    no: str
    area: str
    indicators: list[str]
    text: Text
    deadline: dt.date
    orgs: list[tuple[str, Text, str, str]] = field(default_factory=list)
    # (BIN, name, state, risk now: found | not_found | not_assessed | closed)

    def with_state(self, *states: str) -> list[tuple[str, Text, str, str]]:
        return [o for o in self.orgs if o[2] in states]


@dataclass
class Comparison:
    then: int  # last year
    now: int
    folder: Path
    pairs: list[Pair]
    definitions: dict[str, str]  # indicator → changed | added | removed
    titles: dict[str, Text]  # both years' indicators
    closed: list[tuple[str, Text]]  # in last year's registry, not in this year's
    opened: list[tuple[str, Text]]  # new to the registry this year
    measures: list[MeasureOutcome]
    positions: set[str]  # last year's register: position codes and folded Russian names
    definitions_known: bool = True  # False: last year's export predates the fingerprints
    moved: list[tuple[Text, str, str]] = field(default_factory=list)  # a name under a new BIN
    register_known: bool = True  # False: last year's export was made before its report

    def with_outcome(self, outcome: str, area: str | None = None) -> list[Pair]:
        return [p for p in self.pairs if p.outcome == outcome and area in (None, p.area)]

    def had_position(self, code: str, name_ru: str) -> bool:
        return bool(code) and code in self.positions or fold(name_ru) in self.positions


def compare(
    workspace: Workspace,
    indicators: list[Indicator],
    table: pd.DataFrame,
    previous: Previous,
    today: dt.date,
) -> Comparison:
    """Both years side by side, outcome by outcome (see the module's docstring)."""
    now_orgs = workspace.by_bin
    then_orgs = {
        str(r["bin"]): Text(str(r["organisation_kk"]), str(r["organisation"]))
        for r in previous.organisations.to_dict("records")
    }
    definitions = _definitions(indicators, previous)
    titles = {**previous.titles, **{i.code: i.title for i in indicators}}
    areas = {i.code: i.area for i in indicators}
    areas |= {
        str(r["indicator"]): str(r["area"])
        for r in previous.indicators.drop_duplicates("indicator").to_dict("records")
        if str(r["indicator"]) not in areas
    }
    countable = {i.code for i in indicators if i.denominator and i.denominator.kind != "org"}
    then = _levels(previous.indicators, countable)
    now = _levels(table, countable)
    pairs = []
    for key in sorted(then.keys() | now.keys(), key=lambda k: (areas.get(k[1], ""), k[1], k[0])):
        bin_, code = key
        name = now_orgs[bin_].name if bin_ in now_orgs else then_orgs.get(bin_, Text(bin_, bin_))
        (then_value, then_level), (now_value, now_level) = then.get(key, _NONE), now.get(key, _NONE)
        outcome = _outcome(definitions.get(code), then_level, now_level, bin_ in now_orgs)
        pairs.append(Pair(bin_, name, areas.get(code, ""), code, titles[code], then_value,
                          now_value, then_level, now_level, outcome))  # fmt: skip
    return Comparison(
        previous.year,
        workspace.campaign.year,
        previous.folder,
        pairs,
        definitions,
        titles,
        sorted(((b, n) for b, n in then_orgs.items() if b not in now_orgs), key=lambda o: o[1].ru),
        sorted(
            ((o.bin, o.name) for o in workspace.organisations if o.bin not in then_orgs),
            key=lambda o: o[1].ru,
        ),  # fmt: skip
        _measures(previous, now, now_orgs, then_orgs, today, definitions),
        _positions(previous),
        previous.definitions is not None,
        _moved(then_orgs, workspace),
        not previous.positions.empty or not previous.measures.empty,
    )


_NONE = (None, None)


def _definitions(indicators: list[Indicator], previous: Previous) -> dict[str, str]:
    """Indicators whose definition changed, or that exist in one year only."""
    codes_then = set(previous.titles) | set(previous.indicators["indicator"].astype(str))
    out = {}
    for ind in indicators:
        if ind.code not in codes_then:
            out[ind.code] = "added"
        elif previous.definitions is not None and previous.definitions.get(ind.code) not in (
            None,
            ind.definition,
        ):
            out[ind.code] = "changed"
    for code in codes_then - {i.code for i in indicators}:
        out[code] = "removed"
    return out


def _levels(
    table: pd.DataFrame, countable: set[str]
) -> dict[tuple[str, str], tuple[float | None, str]]:
    """Each (organisation, indicator)'s value and level. A ratio over a return's cases
    (`countable`) with none to count — nought of nought complaints, from a return that came
    — is `no_cases`, not `no_data`; a nought staff or pupil count in the registry is a
    blank, not an answer, and stays `no_data`."""
    out = {}
    columns = ["bin", "indicator", "value", "level", "numerator", "denominator"]
    for r in table[columns].to_dict("records"):
        value = r["value"]
        value = None if value is None or pd.isna(value) else float(value)
        level = str(r["level"])
        nothing = r["denominator"] == 0 and r["numerator"] == 0
        if level == "no_data" and nothing and str(r["indicator"]) in countable:
            level = "no_cases"
        out[(str(r["bin"]), str(r["indicator"]))] = (value, level)
    return out


def _outcome(definition: str | None, then: str | None, now: str | None, open_now: bool) -> str:
    if definition is not None:
        return definition
    if then in RISK and not open_now:
        return "closed"
    if now in RISK:
        return "persists" if then in RISK else "new"
    if then in RISK:
        return {"low": "gone", "no_cases": "no_cases"}.get(now or "", "not_assessed")
    judged = ("low", "no_cases")  # no risk found, both years assessed
    return "steady" if then in judged and now in judged else "unassessed"


def _measures(
    previous: Previous,
    now: dict[tuple[str, str], tuple[float | None, str]],
    now_orgs: dict,
    then_orgs: dict[str, Text],
    today: dt.date,
    definitions: dict[str, str],
) -> list[MeasureOutcome]:
    """Last year's measures, their states judged again as of `today` by the rule this
    year's monitoring uses (a measure open at the export may have fallen due since); a
    measure on an indicator counted otherwise this year is not judged by it."""
    out: dict[str, MeasureOutcome] = {}
    for r in previous.measures.to_dict("records"):
        no = str(r["no"])
        deadline = pd.Timestamp(r["deadline"]).date()
        codes = [c for c in str(r["indicator"]).split(",") if c]
        m = out.setdefault(
            no,
            MeasureOutcome(
                no, str(r["area"]), codes, Text(str(r["measure_kk"]), str(r["measure"])), deadline
            ),  # fmt: skip
        )
        bin_ = str(r["bin"])
        done_on = None if pd.isna(r["done_on"]) else pd.Timestamp(r["done_on"]).date()
        status = None if pd.isna(r["status"]) else str(r["status"])
        end = pd.Timestamp(r["monitoring_end"]).date()
        state = str(r["state"])
        if not state.startswith("done"):  # what was reported is final; the rest is judged today
            state = judge(
                deadline, end, status, done_on, max(today, pd.Timestamp(r["as_of"]).date())
            )
        name = now_orgs[bin_].name if bin_ in now_orgs else then_orgs.get(bin_, Text(bin_, bin_))
        risk = _risk_now(bin_, codes, now, bin_ in now_orgs)
        if any(code in definitions for code in codes) and risk != "closed":
            risk = "changed"
        m.orgs.append((bin_, name, state, risk))
    return sorted(out.values(), key=lambda m: _number(m.no))


def _risk_now(bin_: str, codes: list[str], now: dict, open_now: bool) -> str:
    if not open_now:
        return "closed"
    levels = [now.get((bin_, c), _NONE)[1] for c in codes]
    if any(level in RISK for level in levels):
        return "found"
    if codes and all(level in ("low", "no_cases") for level in levels):
        return "not_found"
    return "not_assessed"


def _moved(then_orgs: dict[str, Text], workspace: Workspace) -> list[tuple[Text, str, str]]:
    """An organisation whose name is in both registries under two BINs: matched by BIN it
    reads as one closed and one new, which the officer should know (a re-registration, or
    a BIN typed wrong in one of the years)."""
    gone = {fold(n.ru): (b, n) for b, n in then_orgs.items()}
    out = []
    for org in workspace.organisations:
        old = gone.get(fold(org.name.ru))
        if old and old[0] not in workspace.by_bin and org.bin not in then_orgs:
            out.append((org.name, old[0], org.bin))
    return out


def _number(no: str) -> tuple[int, str]:
    return (int(no), no) if no.isdigit() else (10**6, no)


def _positions(previous: Previous) -> set[str]:
    out = set()
    for r in previous.positions.to_dict("records"):
        if isinstance(r["code"], str) and r["code"]:
            out.add(r["code"])
        if isinstance(r["position"], str):
            out.add(fold(r["position"]))
    return out


def natural(name: str) -> tuple:
    """A name as people order it: «№2» before «№10»."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def areas_compared(comparison: Comparison) -> list[str]:
    """The plan's areas in order, each once, that have a pair to show."""
    present = {p.area for p in comparison.pairs}
    return [a for a in AREAS if a in present]


ORDER = {o: i for i, o in enumerate(OUTCOMES)}


def sheet_of(area: str) -> str:
    """«2.1 салыстыру-сравнение»: within Excel's 31 characters."""
    return f"{area} {sheet_name('sheet_compare')}"


def write_sheets(w, comparison: Comparison, today: dt.date) -> None:
    """A sheet per area: each organisation's indicators in both years, the change, the
    levels and the outcome (risks first); then last year's measures, each organisation's
    state on it and whether its risk is still found. The reference counts these rows."""
    then, now = comparison.then, comparison.now
    shown_levels = {**LEVEL_TEXT, "no_cases": text("level_no_cases")}
    headers = [
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        label("label_indicator"),
        render("label_value_in_year", year=then).join(),
        render("label_value_in_year", year=now).join(),
        label("label_change"),
        render("label_level_in_year", year=then).join(),
        render("label_level_in_year", year=now).join(),
        label("label_outcome"),
    ]

    def level(code: str | None) -> str:
        return shown_levels[code].both if code in shown_levels else "—"

    for area in areas_compared(comparison):
        pairs = sorted(
            (p for p in comparison.pairs if p.area == area),
            key=lambda p: (ORDER[p.outcome], natural(p.name.ru), p.indicator),
        )
        rows = [
            [p.bin, p.name.both, p.title.both, p.then_value, p.now_value, p.change,
             level(p.then_level), level(p.now_level), OUTCOME_TEXT[p.outcome].both]
            for p in pairs
        ]  # fmt: skip
        kinds = ["any", "wrap", "wrap", "any", "any", "any", "any", "any", "wrap"]
        sheet = w.table(sheet_of(area), headers, rows, [14, 34, 44, 11, 11, 11, 12, 12, 26], kinds)
        w.colour_by_code(sheet, 1, 6, len(rows), 7, LEVEL_TEXT, LEVEL_COLOUR)
        w.colour_by_code(sheet, 1, 8, len(rows), 8, OUTCOME_TEXT, OUTCOME_COLOUR)
    if not comparison.measures:
        return
    headers = [
        "№",
        label("label_meropriyatie"),
        label("label_deadline"),
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        render("label_state_as_of", day=f"{today:%d.%m.%Y}").join(),
        label("label_risk_this_year"),
    ]
    rows = [
        [m.no, f"{m.text.kk}\n{m.text.ru}", m.deadline, bin_, name.both,
         STATE_TEXT[state].both, RISK_NOW[risk].both]
        for m in comparison.measures
        for bin_, name, state, risk in m.orgs
    ]  # fmt: skip
    kinds = ["any", "wrap", "any", "any", "wrap", "wrap", "wrap"]
    name = render("sheet_previous_plan", year=then).join("-")  # «Жоспар 2023-План 2023»
    sheet = w.table(name, headers, rows, [5, 60, 12, 14, 30, 18, 22], kinds)
    w.colour_by_code(sheet, 1, 5, len(rows), 5, STATE_TEXT, STATE_COLOUR)


def open_previous_year(workspace: Workspace, given: Path | None, today: dt.date) -> Previous | None:
    """Last year's results if the command or the campaign names them, else None."""
    folder = previous_folder(workspace, given)
    return open_previous(folder, workspace, today) if folder is not None else None
