"""`adal report`: items 3.1–6.1 of the plan, written into outbox/report/.

Everything is computed from the consolidated data; dates are Kazakh working days from the
signing of the reference (`--signed`) and the approval of the action plan (`--approved`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import ImpossibleDateError
from pipeline.core.messages import render
from pipeline.core.numerals import WORKING_DAY, counted
from pipeline.core.progress import Progress, Steps, silent
from pipeline.core.text import BASE_LANGUAGES
from pipeline.core.workdays import calendar_for
from pipeline.core.yamlio import load_yaml
from pipeline.documents import action_plan, publication, reference, register
from pipeline.documents.findings import Finding, find
from pipeline.documents.measures import measures_from, repeated
from pipeline.files.docxio import text_of
from pipeline.specs.plan import Plan, write_plan, write_register_positions
from pipeline.specs.returns import plan_items
from pipeline.specs.workspace import Workspace
from pipeline.tracking.status import summary
from pipeline.workbooks import frames, monitoring
from pipeline.workbooks.comparison import Comparison, compare, open_previous_year
from pipeline.workbooks.indicators import compute, load_indicators


@dataclass
class ReportOutcome:
    plan: Plan
    findings: list[Finding]
    files: list[Path] = field(default_factory=list)
    blanks: list[str] = field(default_factory=list)  # campaign.yaml fields left to fill by hand
    low: list[tuple[str, float]] = field(default_factory=list)  # types below min_completeness


def build_report(
    workspace: Workspace,
    signed: dt.date,
    approved: dt.date | None = None,
    progress: Progress = silent,
    *,
    previous: Path | None = None,
) -> ReportOutcome:
    """The documents that close the plan, from the consolidated data: the analysis, the
    action plan its findings call for, then the reference, the plan, the publication, the
    register and the 5.1 templates. With last year's results (`previous`, or campaign.yaml's
    `previous:`) the reference compares the two years, the plan repeats last year's overdue
    measures and the register marks the positions it held last year."""
    steps = Steps(progress, 7 + len(workspace.organisations))
    _check_dates(workspace, signed, approved)
    data = frames.load(workspace)
    steps.advance()
    analysis = _analyse(workspace, data, previous, signed)
    steps.advance()
    plan = _plan(workspace, signed, approved, analysis, data)
    out = workspace.paths.outbox / "report"
    out.mkdir(parents=True, exist_ok=True)
    files = [write_plan(workspace.paths.outbox, plan)]
    files += _reference_and_plan(out, workspace, plan, analysis, data, steps)
    files += _publication(
        workspace,
        out / "3.2-publication",
        analysis.findings,
        plan,
        data,
        analysis.indicators,
        analysis.wording,
        analysis.table,
        analysis.comparison,
    )
    steps.advance()
    register.write_additions_template(workspace)
    positions = register.derive(workspace, data, plan.measures)
    extra = register.additions(workspace)
    files.append(
        register.write_register(
            out / "6.1-register.xlsx",
            positions,
            extra,
            campaign=workspace.campaign,
            signed=plan.signed,
            before=analysis.comparison,
        )
    )
    files.append(write_register_positions(workspace.paths.outbox, register.kept(positions, extra)))
    steps.advance()
    files += monitoring.write_templates(workspace, plan, steps.part(steps.done))
    return ReportOutcome(
        plan,
        analysis.findings,
        files,
        reference.missing_fields(workspace.campaign),
        _low_completeness(workspace, data),
    )


@dataclass(frozen=True)
class Analysis:
    """The indicators computed for every organisation and what they found."""

    indicators: list
    table: object  # the indicators' table (pandas), one row per organisation
    wording: dict  # report.yaml, read once for every document
    findings: list[Finding]
    comparison: Comparison | None = None  # with last year's results, when there are any


def _analyse(workspace: Workspace, data, previous: Path | None, signed: dt.date) -> Analysis:
    """This year's indicators and findings; beside last year's, when they are named (last
    year's measures judged as of the reference's signing)."""
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    wording = load_yaml(workspace.paths.schema_file("report.yaml"))
    last_year = open_previous_year(workspace, previous, signed)
    comparison = (
        compare(workspace, indicators, table, last_year, signed) if last_year is not None else None
    )
    findings = find(workspace, table, indicators, wording)
    return Analysis(indicators, table, wording, findings, comparison)


def _plan(workspace: Workspace, signed: dt.date, approved, analysis: Analysis, data) -> Plan:
    """The action plan: its deadlines in Kazakh working days from the signing (approval
    within `action_plan_working_days`, publication within `publication_working_days`) and
    the measures the findings, the silent organisations and the open queries call for."""
    calendar = calendar_for(workspace.campaign)
    settings = workspace.campaign.report
    plan_due = calendar.add(signed, settings.get("action_plan_working_days", 10))
    approval_known = approved is not None
    approved = approved or plan_due
    publication_due = calendar.add(approved, settings.get("publication_working_days", 3))
    nothing_sent, _ = reference.senders(workspace, data.states)
    measures = measures_from(
        analysis.findings,
        approved,
        calendar,
        analysis.wording,
        nothing_sent,
        data.queried(),
        items=plan_items(workspace.collected.values()),
    )
    if analysis.comparison is not None:
        open_now = {o.bin for o in workspace.organisations}
        measures += repeated(analysis.comparison, approved, calendar, analysis.wording,
                             len(measures) + 1, open_now)  # fmt: skip
    plan = Plan(
        signed, approved, plan_due, publication_due, measures, settings.get("monitoring_months", 12)
    )
    plan.end = _working_day_from(calendar, plan.year_after)
    plan.late_approval = approved > plan_due
    plan.approval_known = approval_known
    return plan


def _reference_and_plan(
    out: Path, workspace: Workspace, plan: Plan, analysis: Analysis, data, steps: Steps
) -> list[Path]:
    """3.1 and 4.1 in each language, and 4.1 as a workbook."""
    files = []
    for lang in BASE_LANGUAGES:
        files.append(
            reference.write_reference(
                out / f"3.1-reference-{lang}.docx",
                workspace,
                lang,
                analysis.findings,
                plan.measures,
                data.states,
                indicators=analysis.indicators,
                wording=analysis.wording,
                signed=plan.signed,
                plan_due=plan.plan_due,
                queried=data.queried(),
                table=analysis.table,
                frames=data.frames,
                comparison=analysis.comparison,
            )
        )
        files.append(
            action_plan.write_docx(out / f"4.1-action-plan-{lang}.docx", workspace, plan, lang)
        )
        steps.advance()
    files.append(
        action_plan.write_xlsx(out / "4.1-action-plan.xlsx", workspace, plan, analysis.indicators)
    )
    steps.advance()
    return files


def _low_completeness(workspace: Workspace, data) -> list[tuple[str, float]]:
    """Organisation types whose share of returns received (late ones included) is below
    what the campaign sets: the reference's findings cannot speak for what is missing."""
    floor = workspace.campaign.report.get("min_completeness", 0) / 100
    return [
        (org_type, s["rate"])
        for org_type, s in summary(workspace, data.states).items()
        if s["applicable"] and s["rate"] < floor
    ]


def _check_dates(workspace: Workspace, signed: dt.date, approved: dt.date | None) -> None:
    """Refuse dates no official could sign: the reference before the analysed period ends
    or before the work plan was approved; the action plan before the reference."""
    c = workspace.campaign
    period_end = max(p.end for r in c.returns.values() for p in r.periods.values())
    day = "%d.%m.%Y"
    if signed <= period_end:
        raise ImpossibleDateError.of(
            "signed_before_period_end", signed=signed, day=day, period_end=period_end
        )
    if signed < c.approved_on:
        raise ImpossibleDateError.of(
            "signed_before_plan_approved", signed=signed, day=day, approved_on=c.approved_on
        )
    if approved is not None and approved < signed:
        raise ImpossibleDateError.of(
            "plan_approved_before_signed", approved=approved, day=day, signed=signed
        )


def _working_day_from(calendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _publication(
    workspace: Workspace,
    folder: Path,
    findings: list[Finding],
    plan: Plan,
    data,
    indicators,
    wording,
    table,
    comparison: Comparison | None = None,
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    docs = []
    for lang in ("kk", "ru"):
        docs.append(
            reference.write_reference(
                folder / f"3.1-reference-{lang}.docx",
                workspace,
                lang,
                findings,
                plan.measures,
                data.states,
                indicators=indicators,
                wording=wording,
                signed=plan.signed,
                public=True,
                plan_due=plan.plan_due,
                queried=data.queried(),
                table=table,
                frames=data.frames,
                comparison=comparison,
            )
        )
        docs.append(
            action_plan.write_docx(folder / f"4.1-action-plan-{lang}.docx", workspace, plan, lang)
        )
    hits = publication.check_package(docs, publication.person_names(workspace, data), text_of)
    if hits:
        for path in docs:
            path.unlink()
        publication.refuse(hits)
    note = folder / "README.txt"
    days = counted(workspace.campaign.report.get("publication_working_days", 3), WORKING_DAY)
    said = render(
        "publication_note" if plan.approval_known else "publication_note_unknown",
        due=f"{plan.publication_due:%d.%m.%Y}",
        approved=f"{plan.approved:%d.%m.%Y}",
        days=days,
    )
    note.write_text(f"{said.join(chr(10))}\n{render('publication_checked').text}\n", "utf-8")
    return [*docs, note]
