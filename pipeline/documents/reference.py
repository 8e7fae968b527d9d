"""3.1 The analytical reference, one DOCX per language, written from the consolidated data."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from pipeline.core.grammar import Blank, Day, Number, fill
from pipeline.core.numerals import AREA, INDICATOR, MEASURE, ORGANISATION
from pipeline.core.text import capitalised
from pipeline.core.yamlio import load_yaml
from pipeline.documents.findings import Finding, by_area, number
from pipeline.documents.measures import Measure
from pipeline.files import docxio
from pipeline.files.atomic import written
from pipeline.specs.returns import plan_item, plan_items, schema_path
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import Workspace
from pipeline.tracking.measures import STATE_TEXT
from pipeline.tracking.status import summary
from pipeline.workbooks.comparison import OUTCOME_TEXT, Comparison, natural
from pipeline.workbooks.indicators import LEVEL_TEXT, Indicator, doubted


def _words() -> dict[str, dict[str, str]]:
    """The reference's headings and fixed sentences, declared in `report.yaml` (`words:`),
    so that wording is edited where the rest of the reference's wording is: the campaign's
    own `report.yaml` when it has one."""
    return _declared(schema_path("report.yaml"))["words"]


@cache
def _declared(path: Path) -> dict:
    return load_yaml(path)


def word(key: str, lang: str, **fields) -> str:
    """A declared sentence in `lang`, its dates and numbers in that language's grammar as
    the wording asks (`grammar`: `{signed:locative}`, `{n:noun.dative}`)."""
    return fill(_words()[key][lang], lang, **fields)


def words(key: str, lang: str) -> list[str]:
    """A declared list of words (a table's header row) in one language."""
    return list(_words()[key][lang])


def approval_lines(c, lang: str) -> list[str]:
    """БЕКІТЕМІН / УТВЕРЖДАЮ with the date line in each language's order."""
    blank = word("blank_date", lang)
    who = word(
        "approver", lang, position=c.approver_position.get(lang), subject=c.subject.get(lang)
    )
    return [word("approve", lang), who, "", f"__________ {c.approved_by.get(lang)}", blank]


LINE = "____________________"


def _order(group, lang: str) -> str:
    """«2023 жылғы 10 қарашадағы №47-ж» / «от 10 ноября 2023 года № 47-ж», blanks if unset."""
    order_no = group.order_no or "______"
    day = Day(group.order_date) if group.order_date else Blank(word("blank_date", lang))
    return word("order_from", lang, day=day, no=order_no)


def _analysis_dates(group, lang: str) -> str:
    if group.analysis is None:
        return word("group_dates", lang, start=Blank(LINE), end=Blank(LINE))
    start, end = group.analysis
    return word("group_dates", lang, start=Day(start), end=Day(end))


def missing_fields(c) -> list[str]:
    """What the reference leaves to fill by hand, named as `campaign.yaml` names it."""
    group = c.working_group
    missing = [key for key, value in (("working_group.order.number", group.order_no),
                                      ("working_group.order.date", group.order_date),
                                      ("working_group.analysis", group.analysis),
                                      ("working_group.chair", group.chair)) if not value]  # fmt: skip
    people = [("chair", group.chair)] if group.chair else []
    people += [(f"members[{i}]", m) for i, m in enumerate(group.members)]
    for key, person in people:
        missing += [f"working_group.{key}.{part}" for part in ("position", "name")
                    if getattr(person, part) is None]  # fmt: skip
    if not group.members:
        missing.append("working_group.members")
    return missing


def signature_blocks(c, lang: str, signed: dt.date | None) -> list[tuple[str, list[str]]]:
    """The working group signs: its chair, then its members, each with a line to sign, then
    the date (a heading and its lines); the reference and the register sign the same way."""
    group = c.working_group

    def line(person) -> str:
        position = person.position.get(lang) if person and person.position else LINE
        name = person.name.get(lang) if person and person.name else LINE
        return f"{position}  __________  {name}"

    day = Day(signed) if signed else Blank(word("blank_date", lang))
    return [
        (word("group_chair", lang), [line(group.chair)]),
        (word("group_members", lang), [line(m) for m in group.members] or [line(None)]),
        (word("signed_on", lang, date=day), []),
    ]


def _signatures(doc, c, lang: str, signed: dt.date | None) -> None:
    """The signatures, never alone on a page: the conclusion before them moves with them."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    docxio.para(doc, "")
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    for heading, lines in signature_blocks(c, lang, signed):
        docxio.signature(doc, heading, lines)


def _type_many(c, org_type: str, lang: str) -> str:
    """«организаций дошкольного образования» / «мектепке дейінгі білім беру ұйымдары»: the
    campaign's plural name of a type, its name where none is given."""
    many = c.org_types_many.get(org_type)
    return many.get(lang) if many else c.org_types[org_type].get(lang)


def _period_part(c, org_type: str, period, lang: str) -> str:
    types = _type_many(c, org_type, lang)
    return word("period_part", lang, types=types, start=Day(period.start), end=Day(period.end))


def _percent(share: float, lang: str) -> str:
    """«84 %» in both languages, as every other figure of the reference writes a percent
    («4,8 %»); the Kazakh ending follows the sign: «84 %-ы». A non-breaking space keeps the
    figure and its sign on one line."""
    return f"{round(share * 100)}\u00a0%"


def _plan_items(codes: list[str], lang: str) -> str:
    """«пунктам 1.1, 1.2, 2.1–2.5 плана работ» / «жұмыс жоспарының 1.1, 1.2-тармақтары»."""
    numbers = ["2.1–2.5" if code == "2" else code for code in codes]
    key = "incomplete_one" if len(numbers) == 1 and numbers != ["2.1–2.5"] else "incomplete_many"
    return word(key, lang, r=", ".join(numbers))


def _sources(codes: list[str], lang: str) -> str:
    """«отчёт 1.1», «отчёты 1.2, 1.3», the checklist by what it is."""
    named = [word("source_checklist", lang) for code in codes if code == "2"]
    returns = [code for code in codes if code != "2"]
    if returns:
        key = "source_one" if len(returns) == 1 else "source_many"
        named.insert(0, word(key, lang, r=", ".join(returns)))
    return "; ".join(named)


def _missing_by_area(
    workspace: Workspace, findings_of, states
) -> dict[str, tuple[list[str], list]]:
    """Per area: the returns its indicators read, and the organisations that owe one of them
    (nothing received, or rejected): the area's findings cannot speak for those."""
    out = {}
    for area, indicators in findings_of.items():
        codes = sorted(
            {code for ind in indicators for code in ind.returns if code in workspace.collected}
        )
        owing = [
            org
            for org in workspace.organisations
            if any(
                states[org.bin][code].state in (ReturnStatus.MISSING, ReturnStatus.REJECTED)
                for code in codes
                if code in states[org.bin]
            )
        ]
        out[area] = (codes, owing)
    return out


def senders(workspace: Workspace, states) -> tuple[list, list]:
    """Who sent nothing at all (every collected return missing), and who missed some items,
    with the items: the reference names them apart, and only the first get a check."""
    nothing, partly = [], []
    for org in workspace.organisations:
        owed = {
            code: st.state
            for code, st in states[org.bin].items()
            if code in workspace.collected and st.state != ReturnStatus.NOT_APPLICABLE
        }
        missing = [c for c, s in owed.items() if s in (ReturnStatus.MISSING, ReturnStatus.REJECTED)]
        if owed and all(s == ReturnStatus.MISSING for s in owed.values()):
            nothing.append(org)
        elif missing:
            partly.append((org, missing))
    return nothing, partly


def _items(codes: list[str]) -> str:
    return ", ".join("2.1–2.5" if code == "2" else code for code in codes)


def _top_areas(areas: dict[str, list[Finding]], titles: dict, lang: str) -> str:
    """The area(s) with the most organisations at a high level, ties named; where no high
    level was found, the area(s) with the most organisations at any level, said so."""

    def orgs(area: str, levels: tuple[str, ...]) -> int:
        return len({h.bin for f in areas[area] for h in f.hits if h.level in levels})

    high = {a: orgs(a, ("high",)) for a in areas}
    levels, key = (("high",), "top_high") if any(high.values()) else (("high", "medium"), "top_any")
    counts = {a: orgs(a, levels) for a in areas}
    best = max(counts.values(), default=0)
    if not best:
        return ""
    tied = [a for a, n in counts.items() if n == best]
    named = ", ".join(f"{a} {titles[a].get(lang) if a in titles else ''}".strip() for a in tied)
    return word(key if len(tied) == 1 else f"{key}_many", lang, n=best, areas=named)


ALLEGED = {"I15_corrupt_topics": "alleged_appeals", "I16_alleged": "alleged_complaints"}
"""The indicators whose rows say how many corruption-topic appeals and complaints came and
how many were confirmed (`detail`); I16_alleged counts the unconfirmed ones only."""


def _allegations(doc, workspace: Workspace, table, lang: str) -> None:
    """Corruption-topic appeals (1.5) and complaints (1.6) per organisation, received and
    confirmed: what was alleged is seen even where nothing was confirmed."""
    rows = table[table["indicator"].isin(list(ALLEGED))].copy()
    rows["confirmed"] = rows["detail"].fillna(0)
    rows["received"] = rows["numerator"].fillna(0) + rows["confirmed"].where(
        rows["indicator"] == "I16_alleged", 0
    )
    rows = rows[rows["received"] > 0]
    docxio.para(doc, word("alleged_head", lang) if len(rows) else word("alleged_none", lang))
    for org in workspace.organisations:  # in the registry's order
        mine = rows[rows["bin"] == org.bin]
        if mine.empty:
            continue
        parts = [
            word(ALLEGED[r.indicator], lang, n=number(r.received), m=number(r.confirmed))
            for r in mine.itertuples()
        ]
        docxio.para(doc, f"{org.name.get(lang)}: {'; '.join(parts)}.")


def _marked(spec, column: str, attr: str = "corruption") -> set[str]:
    """Codes of a choice column whose declared mark is set (the corruption topics)."""
    if spec is None or column not in spec.keys:
        return set()
    return {c.code for c in spec.column(column).choices if getattr(c, attr)}


def _other_complaints(doc, workspace: Workspace, frame, lang: str) -> None:
    """Confirmed complaints on other topics, reported as what they are, with no corruption
    risk level: a cook's manners are not a corruption risk, but the head should know."""
    if frame is None or frame.empty:
        return
    corrupt = _marked(workspace.specs.get("1.6"), "topic")
    other = frame[(frame["substantiated"] == "yes") & ~frame["topic"].isin(corrupt)]
    if other.empty:
        return
    choices = workspace.specs["1.6"].column("topic").choices
    order = {c.code: (c.code == "other", i) for i, c in enumerate(choices)}  # «иное» last
    topics = {c.code: c.label for c in choices}
    parts = []
    for org in workspace.organisations:  # in the registry's order, as every list here
        group = other[other["bin"] == org.bin]
        if group.empty:
            continue
        counts = group["topic"].value_counts()
        said = ", ".join(
            f"{topics[t].get(lang).lower()} — {counts[t]}"
            for t in sorted(counts.index, key=order.get)
        )
        parts.append(f"{org.name.get(lang)} — {len(group)} ({said})")
    docxio.para(doc, word("other_complaints", lang, orgs="; ".join(parts)))


def _publications(doc, workspace: Workspace, frame, lang: str, states) -> None:
    """What 1.7 showed, even when it showed nothing: how many publications, how many
    negative, how many negative on a corruption topic and about whom; no publication at
    all (nil returns) is not the same as no return."""
    if frame is None or "1.7" not in workspace.collected:
        return
    if frame.empty:
        received = any(
            states[o.bin]["1.7"].state in (ReturnStatus.ACCEPTED, ReturnStatus.LATE)
            for o in workspace.organisations
            if "1.7" in states[o.bin]
        )
        docxio.para(doc, word("publications_none" if received else "publications_missing", lang))
        return
    corrupt = _marked(workspace.specs["1.7"], "topic")
    negative = frame[frame["tone"] == "negative"]
    flagged = negative[negative["topic"].isin(corrupt)]
    names = workspace.by_bin
    orgs = ", ".join(names[b].name.get(lang) for b in dict.fromkeys(flagged["bin"]) if b in names)
    docxio.para(
        doc,
        word(
            "publications",
            lang,
            n=len(frame),
            negative=len(negative),
            corrupt=len(flagged),
            orgs=f" ({orgs})" if orgs else "",
        ),
    )


def executor_line(c, lang: str) -> str:
    """«Исполнитель: Д.М. Аскарова (кадровая служба отдела образования), тел. …, e-mail»: a
    person to call, where `campaign.yaml` names one, else the service."""
    who = c.contact_name.get(lang)
    if c.contact_person is not None:
        who = f"{c.contact_person.get(lang)} ({who[:1].lower() + who[1:]})"
    phone = word("phone", lang, phone=c.contact_phone) if c.contact_phone else ""
    return word("executor", lang, n=", ".join(x for x in (who, phone, c.contact_email) if x))


def write_reference(
    path: Path,
    workspace: Workspace,
    lang: str,
    findings: list[Finding],
    measures: list[Measure],
    states,
    *,
    indicators: list[Indicator],
    wording: dict | None = None,
    signed: dt.date | None = None,
    public: bool = False,
    plan_due: dt.date | None = None,
    queried: set[tuple[str, str, str]] | None = None,
    table=None,
    frames: dict | None = None,
    comparison: Comparison | None = None,
) -> Path:
    """Write the reference in one language; `public` leaves out the executor's contacts.
    Its sections, in the order the plan asks for them, are each written by a function."""
    texts = wording or load_yaml(workspace.paths.schema_file("report.yaml"))
    c = workspace.campaign
    doc = docxio.new_document(
        author=c.subject.get(lang), title=word("title", lang).replace("\n", " ")
    )
    docxio.approval_block(doc, approval_lines(c, lang))
    docxio.title(doc, word("title", lang))
    _general(doc, workspace, texts, lang)
    _completeness(doc, workspace, states, lang)
    areas = by_area(findings)
    _results(doc, workspace, areas, indicators, states, queried or set(), texts, lang)
    if table is not None or frames is not None:
        docxio.heading(doc, word("signals_head", lang))
    if table is not None:
        _allegations(doc, workspace, table, lang)
    if frames is not None:
        _other_complaints(doc, workspace, frames.get("1.6"), lang)
        _publications(doc, workspace, frames.get("1.7"), lang, states)
    if comparison is not None:
        _comparison(doc, comparison, indicators, measures, signed, lang)
    _causes(doc, workspace, findings, areas, texts, lang)
    _recommendations(doc, measures, lang)
    _summary(doc, workspace, findings, areas, indicators, measures, plan_due, lang)
    _signatures(doc, c, lang, signed)
    if not public:
        docxio.para(doc, executor_line(c, lang), italic=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with written(path) as part:
        doc.save(str(part))
    return path


def _general(doc, workspace: Workspace, texts: dict, lang: str) -> None:
    """1. General: the basis, the subject, the organisations analysed, the periods, the
    working group and the sources."""
    c = workspace.campaign

    def t(text):
        return text.get(lang)

    docxio.heading(doc, word("general", lang))
    basis = fill(texts["basis"][lang], lang, approved_on=Day(c.approved_on))
    docxio.para(doc, basis)
    docxio.para(doc, word("subject", lang, s=t(c.subject)))
    counts = {k: sum(o.type == k for o in workspace.organisations) for k in c.org_types}
    parts = "; ".join(f"{_type_many(c, k, lang)} — {n}" for k, n in counts.items() if n)
    n = len(workspace.organisations)
    docxio.para(
        doc,
        word("objects", lang, n=Number(n, ORGANISATION), parts=parts),
    )
    first = next(iter(workspace.collected))
    periods = "; ".join(_period_part(c, k, c.period(first, k), lang) for k in c.org_types)
    docxio.para(doc, word("period", lang, parts=periods))
    group = c.working_group
    docxio.para(
        doc, word("group", lang, order=_order(group, lang), dates=_analysis_dates(group, lang))
    )
    docxio.para(doc, word("sources", lang, items=plan_items(workspace.collected.values())))
    for spec in workspace.collected.values():
        docxio.para(doc, f"{plan_item(spec)}. {t(spec.title)}")


def _completeness(doc, workspace: Workspace, states, lang: str) -> None:
    """How completely the organisations reported: per type, nil returns, who sent nothing."""
    c = workspace.campaign

    def t(text):
        return text.get(lang)

    docxio.para(doc, word("completeness", lang))
    for org_type, s in summary(workspace, states).items():
        if s["applicable"]:
            docxio.para(
                doc,
                word(
                    "type_rate",
                    lang,
                    t=_type_many(c, org_type, lang),
                    r=_percent(s["rate"], lang),
                    o=_percent(s["on_time_rate"], lang),
                ),
            )
    nil = {
        code: sum(states[org.bin][code].nil for org in workspace.organisations)
        for code in workspace.collected
    }
    if any(nil.values()):
        parts = "; ".join(
            word(
                "nil_by_item",
                lang,
                code=code,
                n=Number(n, ORGANISATION),
            )
            for code, n in nil.items()
            if n
        )
        docxio.para(doc, word("nil", lang, parts=parts))
    nothing, partly = senders(workspace, states)
    if nothing:
        key = "nothing_sent" if len(nothing) > 1 else "nothing_sent_one"
        docxio.para(doc, word(key, lang, orgs=", ".join(t(o.name) for o in nothing)))
    if partly:
        named = ", ".join(f"{t(o.name)} ({_items(codes)})" for o, codes in partly)
        docxio.para(doc, word("missing", lang, orgs=named))


def _results(
    doc, workspace: Workspace, areas: dict, indicators, states, queried, texts: dict, lang: str
) -> None:
    """2. Results per area: each finding with its table of organisations, what is still
    asked, and what could not be analysed for want of returns."""

    def t(text):
        return text.get(lang)

    docxio.heading(doc, word("results", lang))
    area_titles = workspace.areas
    indicators_of = {a: [i for i in indicators if i.area == a] for a in areas}
    missing = _missing_by_area(workspace, indicators_of, states)
    for area, found in areas.items():
        docxio.heading(doc, f"{area}. {t(area_titles[area]) if area in area_titles else ''}")
        codes, owing = missing[area]
        if not found:
            docxio.para(
                doc, word("none_found_partial", lang) if owing else texts["none_found"][lang]
            )
        for finding in found:
            docxio.para(doc, t(finding.text))
            ind = finding.indicator
            unit = ind.unit
            rows = [
                [t(h.name), unit.format(number(h.value), lang, h.value)]
                + ([number(h.detail)] if ind.detail_label else [])
                + [t(LEVEL_TEXT[h.level])]
                for h in finding.hits
            ]
            head = [word("org", lang), word("value", lang)]
            head += [t(ind.detail_label)] if ind.detail_label else []
            widths = [8, 4, 3, 3] if ind.detail_label else [9, 4, 3]
            docxio.table(doc, [*head, word("level", lang)], rows, widths)
            asked = [h for h in finding.hits if doubted(ind, h.bin, queried)]
            if asked:
                docxio.para(
                    doc,
                    word("queried", lang, orgs=", ".join(t(h.name) for h in asked)),
                    italic=True,
                )
            docxio.para(
                doc,
                word(
                    "source_note",
                    lang,
                    r=_sources(finding.sources, lang),
                    c=t(finding.indicator.title),
                ),
                italic=True,
            )
        if owing:
            docxio.para(
                doc,
                word(
                    "incomplete",
                    lang,
                    r=_plan_items(codes, lang),
                    orgs=", ".join(t(org.name) for org in owing),
                ),
            )


def _comparison(
    doc, comparison: Comparison, indicators, measures, signed: dt.date | None, lang: str
) -> None:
    """Beside last year's analysis: what changed in the registry and the indicators, then
    risks that persist, new ones and ones no longer found (counted as the workbook's
    comparison sheets count them), then last year's measures and what became of them."""
    c = comparison
    docxio.heading(doc, word("compare_head", lang))
    docxio.para(doc, word("compare_lead", lang, then=c.then))
    if not c.definitions_known:
        docxio.para(doc, word("compare_unknown_definitions", lang, then=c.then))
    for kind in ("changed", "added", "removed"):
        codes = sorted(code for code, k in c.definitions.items() if k == kind)
        if codes:
            titles = "; ".join(f"«{c.titles[code].get(lang)}»" for code in codes)
            docxio.para(doc, word(f"compare_{kind}", lang, titles=titles))
    for key, orgs in (("compare_closed", c.closed), ("compare_opened", c.opened)):
        if orgs:
            docxio.para(doc, word(key, lang, orgs=", ".join(n.get(lang) for _, n in orgs)))
    if c.moved:
        # by name only: a BIN is twelve digits as an IIN is, which no publication may hold
        moved = ", ".join(n.get(lang) for n, _, _ in c.moved)
        docxio.para(doc, word("compare_moved", lang, orgs=moved))
    counts = {o: len(c.with_outcome(o)) for o in ("persists", "new", "gone")}
    docxio.para(doc, word("compare_counts", lang, **counts))
    by_indicator = _by_indicator(c, lang)
    if by_indicator:
        docxio.para(doc, word("compare_table_lead", lang, then=c.then, now=c.now), bold=True)
        head = words("compare_table", lang)
        docxio.table(doc, head, by_indicator, [5.6, 3.6, 7.3])
    for outcome in ("no_cases", "not_assessed"):
        pairs = c.with_outcome(outcome)
        if pairs:
            orgs = ", ".join(sorted({p.name.get(lang) for p in pairs}, key=natural))
            docxio.para(doc, word(f"compare_{outcome}", lang, n=Number(len(pairs)), orgs=orgs))
    _last_year_measures(doc, c, measures, signed, lang)


def _by_indicator(c: Comparison, lang: str) -> list[list[str]]:
    """Per indicator with a risk in either year, a row for each of: the organisations where
    the risk persists, where it is new, where it is no longer found — counted and named;
    the indicator is named on its first row."""
    rows = []
    for code in dict.fromkeys(p.indicator for p in c.pairs):
        first = True
        for outcome in ("persists", "new", "gone"):
            names = sorted((p.name.get(lang) for p in c.pairs
                            if p.indicator == code and p.outcome == outcome), key=natural)  # fmt: skip
            if not names:
                continue
            title = c.titles[code].get(lang) if first else ""
            rows.append([title, f"{OUTCOME_TEXT[outcome].get(lang)}: {len(names)}",
                         ", ".join(names)])  # fmt: skip
            first = False
    return rows


STATE_ORDER = ("done", "done_late", "in_progress", "not_reported", "overdue")


def _states(orgs, lang: str) -> str:
    counted = [(s, sum(1 for o in orgs if o[2] == s)) for s in STATE_ORDER]
    return "; ".join(f"{STATE_TEXT[s].get(lang)} — {n}" for s, n in counted if n)


def _last_year_measures(doc, c: Comparison, measures, signed, lang: str) -> None:
    if not c.measures:
        docxio.para(doc, word("compare_measures_none", lang, then=c.then))
        return
    every = [o for m in c.measures for o in m.orgs]
    day = Day(signed) if signed else Blank(LINE)
    docxio.para(
        doc,
        word(
            "compare_measures",
            lang,
            then=c.then,
            day=day,
            measures=len(c.measures),
            states=_states(every, lang),
        ),  # fmt: skip
    )
    rows = [
        [m.no, capitalised(m.text.get(lang)), _states(m.orgs, lang),
         ", ".join(n.get(lang) for _, n, _, risk in m.orgs if risk == "found") or "—"]
        for m in c.measures
    ]  # fmt: skip
    docxio.table(doc, words("compare_measures_table", lang), rows, [1.0, 6.5, 3.5, 5.5])
    still = {(m.no, b) for m in c.measures for b, _, _, risk in m.orgs if risk == "found"}
    docxio.para(doc, word("compare_still", lang, n=len({b for _, b in still})))
    again = [m.no for m in measures if m.repeats]
    if again:
        docxio.para(doc, word("compare_repeated", lang, now=c.now, numbers=_numbers(again)))


def _numbers(nos: list[str]) -> str:
    return "№ " + ", ".join(nos)


def _causes(doc, workspace: Workspace, findings, areas: dict, texts: dict, lang: str) -> None:
    """3. Causes and conditions, per area where something was found."""
    area_titles = workspace.areas

    def t(text):
        return text.get(lang)

    docxio.heading(doc, word("causes", lang))
    found_codes = {f.indicator.code for f in findings}
    if found_codes:
        docxio.para(doc, word("causes_lead", lang))
    for area in areas:
        causes = [
            cause[lang]
            for cause in texts["causes"]
            if str(cause["area"]) == area and found_codes & set(cause["indicators"])
        ]
        if causes:
            title = t(area_titles[area]) if area in area_titles else area
            docxio.para(doc, f"{title} ({area}): {'; '.join(causes)}.")


def _recommendations(doc, measures, lang: str) -> None:
    """4. Recommendations: the action plan's measures, numbered as there."""

    def t(text):
        return text.get(lang)

    docxio.heading(doc, word("recs", lang))
    if not measures:
        docxio.para(doc, word("no_recs", lang))
    for m in measures:
        docxio.para(
            doc,
            f"{m.no}. {capitalised(t(m.text))} ({t(m.responsible)}; {word('deadline', lang)} {m.deadline:%d.%m.%Y})",
        )


def _summary(
    doc, workspace: Workspace, findings, areas: dict, indicators, measures, plan_due, lang: str
) -> None:
    """5. Conclusion: how many indicators found risks, where, how many high, what follows."""
    area_titles = workspace.areas
    docxio.heading(doc, word("summary_head", lang))
    if findings:
        top = _top_areas(areas, area_titles, lang)
        due = Day(plan_due) if plan_due else Blank(LINE)
        high = sum(f.severity == "high" for f in findings)
        every = len(findings) == len(indicators)
        found = word(
            "found_all" if every else "found_some",
            lang,
            total=Number(len(indicators), INDICATOR),
            found=Number(len(findings)),
        )
        docxio.para(
            doc,
            word(
                "summary",
                lang,
                areas=Number(sum(1 for f in areas.values() if f), AREA),
                high=word("high_some", lang, n=Number(high)) if high else word("high_none", lang),
                found=found,
                top=top,
                measures=Number(len(measures), MEASURE),
                due=due,
            ),
        )
    else:
        docxio.para(doc, word("summary_none", lang))
