"""Recommendations become measures (4.1): what, who, by when — in Kazakh working days."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pipeline.core.grammar import fill
from pipeline.core.text import Text
from pipeline.core.workdays import WorkCalendar
from pipeline.specs.plan import Measure
from pipeline.workbooks.indicators import doubted

if TYPE_CHECKING:
    from pipeline.documents.findings import Finding
    from pipeline.workbooks.comparison import Comparison

DAYS_BY_SEVERITY = {"high": 20, "medium": 60}


def _responsible(finding: Finding, wording: dict, lang: str) -> str:
    """The organisations' heads and the department's side; a measure for the department
    alone still names the organisations it concerns."""
    ind = finding.indicator
    department = ind.responsible.get(lang) if ind.responsible else None
    department = department or wording["responsible"][ind.area][lang]
    orgs = ", ".join(h.name.get(lang) for h in finding.hits)
    if not ind.heads:
        return f"{department[:1].upper() + department[1:]} ({orgs})"
    return f"{wording['heads'][lang].format(orgs=orgs)}; {department}"


def measures_from(
    findings: list[Finding],
    approved: dt.date,
    calendar: WorkCalendar,
    wording: dict,
    nothing_sent: list | None = None,
    queried: set[tuple[str, str, str]] | None = None,
    items: str = "",
) -> list[Measure]:
    """One measure per finding, numbered by area; high risks get the shorter deadline.
    Who answers for it follows the work plan's items (`report.yaml: responsible`). Then
    the measures that follow from facts (`report.yaml: follow_up`): the steps the law asks
    for after a confirmed corruption fact — a fact still queried is not yet one — and a
    check of each organisation that sent nothing, named in the measure."""
    queried = queried or set()
    out = _by_finding(findings, approved, calendar, wording)
    follow = wording.get("follow_up") or {}
    facts = follow.get("corruption_facts")
    if facts:
        hit = [f for f in findings if f.indicator.code in facts["indicators"]]
        confirmed = [
            (f, h) for f in hit for h in f.hits
            if not doubted(f.indicator, h.bin, queried)
        ]  # fmt: skip
        bins = list(dict.fromkeys(h.bin for _, h in confirmed))
        names = {h.bin: h.name for _, h in confirmed}
        codes = ",".join(dict.fromkeys(f.indicator.code for f, _ in confirmed))
        for declared in facts["measures"] if bins else []:
            out.append(_declared(declared, len(out) + 1, approved, calendar, bins, names,
                                 wording, codes))  # fmt: skip
    check = follow.get("nothing_sent")
    if check and nothing_sent:
        bins = [o.bin for o in nothing_sent]
        names = {o.bin: o.name for o in nothing_sent}
        said = check if len(bins) > 1 else {**check, **check.get("one", {})}
        out.append(_declared({**said, "heads": False}, len(out) + 1, approved, calendar, bins,
                             names, wording, "", items))  # fmt: skip
    return out


def _declared(
    declared: dict,
    n: int,
    approved,
    calendar,
    bins,
    names,
    wording,
    indicator: str,
    items: str = "",
) -> Measure:
    """A measure declared in `report.yaml: follow_up`, for the organisations named (its
    text may name them: `{orgs}`, and the plan's items the returns answer: `{items}`)."""

    def orgs(lang: str) -> str:
        return ", ".join(names[b].get(lang) for b in bins)

    def who(lang: str) -> str:
        side = declared["responsible"][lang]
        if not declared.get("heads", True):
            return f"{side[:1].upper() + side[1:]} ({orgs(lang)})"
        heads = wording["heads"][lang].format(orgs=orgs(lang))
        return f"{heads}; {side}"

    return Measure(
        str(n),
        "2.5",
        indicator,
        Text(
            *(
                declared[lang].replace("{orgs}", orgs(lang)).replace("{items}", items)
                for lang in ("kk", "ru")
            )
        ),
        Text(who("kk"), who("ru")),
        calendar.add(approved, int(declared["days"])),
        list(bins),
        "high",
        by_department=bool(declared.get("by_department", False)),
    )


def _by_finding(
    findings: list[Finding], approved: dt.date, calendar: WorkCalendar, wording: dict
) -> list[Measure]:
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
                by_department=not finding.indicator.heads,
            )
        )
    return out


def repeated(
    comparison: Comparison,
    approved: dt.date,
    calendar: WorkCalendar,
    wording: dict,
    first: int,
    open_now: set[str],
) -> list[Measure]:
    """Last year's measures that organisations still in the registry let fall overdue, once
    more, for those organisations: numbered on from `first`, with the shorter deadline of a
    high risk, the measure's own words and a note of which measure of which year it repeats."""
    out = []
    template = wording["words"]["repeated_measure"]
    for m in comparison.measures:
        late = [(b, name) for b, name, state, _ in m.orgs if state == "overdue" and b in open_now]
        if not late:
            continue
        orgs = {lang: ", ".join(name.get(lang) for _, name in late) for lang in ("kk", "ru")}
        side = wording["responsible"].get(m.area) or wording["responsible"]["2.5"]
        who = Text(*(f"{wording['heads'][lang].format(orgs=orgs[lang])}; {side[lang]}"
                     for lang in ("kk", "ru")))  # fmt: skip
        said = Text(*(fill(template[lang], lang, text=m.text.get(lang), then=comparison.then,
                           no=m.no) for lang in ("kk", "ru")))  # fmt: skip
        out.append(
            Measure(
                str(first + len(out)),
                m.area,
                ",".join(m.indicators),
                said,
                who,
                calendar.add(approved, DAYS_BY_SEVERITY["high"]),
                [b for b, _ in late],
                "high",
                repeats=m.no,
            )
        )
    return out
