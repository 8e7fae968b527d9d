"""5.1 Monitoring of recommendations: execution-report templates and the state of each measure.

Each organisation gets a template listing the measures addressed to it; returned reports
are ingested like any return (spec 5.1, checked against the year after signing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.core.messages import text
from pipeline.core.progress import Progress, silent
from pipeline.core.text import capitalised
from pipeline.specs.plan import Plan
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.templates import Due, write_prefilled

MONITORING = "5.1"
STATE_TEXT = {
    state: text(f"measure_{state}")
    for state in ("done", "done_late", "in_progress", "overdue", "not_reported")
}
STATE_COLOUR = {
    "done": "#C6EFCE",
    "done_late": "#FCE4D6",
    "overdue": "#FFC7CE",
    "in_progress": "#FFEB9C",
}


@dataclass
class MeasureState:
    bin: str
    no: str
    deadline: dt.date
    state: str
    done_on: dt.date | None = None
    evidence: str = ""


def template_path(workspace: Workspace, bin_: str) -> Path:
    return (
        workspace.paths.outbox
        / "report"
        / "5.1-monitoring"
        / f"{bin_}_{workspace.campaign.code}_5.1.xlsx"
    )


def write_templates(workspace: Workspace, plan: Plan, progress: Progress = silent) -> list[Path]:
    if MONITORING not in workspace.specs:  # a campaign without the monitoring return
        return []
    spec = workspace.specs[MONITORING]
    due = Due(plan.monitoring_period, plan.monitoring_end)
    paths = []
    for n, org in enumerate(workspace.organisations, start=1):
        progress(n, len(workspace.organisations))
        measures = plan.for_org(org.bin)
        if not measures:
            continue
        rows = [
            {
                "measure_no": m.no,
                "measure": f"{capitalised(m.text.kk)}\n{capitalised(m.text.ru)}",
                "deadline": m.deadline,
            }
            for m in measures
        ]
        paths.append(
            write_prefilled(
                template_path(workspace, org.bin), org, workspace.campaign, spec, due, rows
            )
        )
    return paths


def states(
    workspace: Workspace, plan: Plan, reports: pd.DataFrame, today: dt.date
) -> list[MeasureState]:
    """Each organisation's state on each measure of the plan it reports on (`judge`)."""
    latest = (
        {(r["bin"], str(r["measure_no"])): r for r in reports.to_dict("records")}
        if len(reports)
        else {}
    )
    out = []
    for m in plan.measures:
        if m.by_department:  # the department's own step: no organisation reports on it
            continue
        for bin_ in m.orgs:
            row = latest.get((bin_, m.no)) or {}
            done_on = row.get("done_on")
            done_on = (
                pd.Timestamp(done_on).date()
                if done_on is not None and not pd.isna(done_on)
                else None
            )
            state = judge(m.deadline, plan.monitoring_end, row.get("status"), done_on, today)
            out.append(
                MeasureState(
                    bin_,
                    m.no,
                    m.deadline,
                    state,
                    done_on if state.startswith("done") else None,
                    (row.get("evidence") or "") if state.startswith("done") else "",
                )
            )
    return out


def judge(
    deadline: dt.date,
    monitoring_end: dt.date,
    status: str | None,
    done_on: dt.date | None,
    today: dt.date,
) -> str:
    """A measure's state for one organisation on `today`: done if reported done by its
    deadline, done_late if after it; otherwise overdue once the deadline (or the monitoring
    year) passed, else in progress or not yet reported. One rule for this year's monitoring
    sheet and for last year's measures read back from an export."""
    if status == "done":
        return "done_late" if done_on and done_on > deadline else "done"
    if today > deadline or today > monitoring_end:
        return "overdue"
    return "in_progress" if status else "not_reported"
