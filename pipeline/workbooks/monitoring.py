"""5.1 Monitoring of recommendations: the execution-report templates (each measure's state:
`tracking.measures`).

Each organisation gets a template listing the measures addressed to it; returned reports
are ingested like any return (spec 5.1, checked against the year after signing).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.core.progress import Progress, silent
from pipeline.core.text import capitalised
from pipeline.specs.plan import Plan
from pipeline.specs.workspace import Workspace
from pipeline.tracking.measures import MONITORING
from pipeline.workbooks.templates import Due, write_prefilled


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
