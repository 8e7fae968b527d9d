"""The desk's two pictures, drawn as bars in the page itself (no chart library, no
script): completeness per type of organisation, and risk levels per area of the plan, the
same figures as the consolidated workbook's charts."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.text import Text
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import Workspace
from pipeline.tracking.status import STATE_TEXT, summary
from pipeline.workbooks.consolidate import STATE_COLOUR, output_path
from pipeline.workbooks.indicators import AREAS, LEVEL_COLOUR, LEVEL_TEXT, LEVELS


@dataclass(frozen=True)
class Bar:
    """One bar: its label and its parts (text, count, colour), drawn to scale."""

    label: Text
    parts: list[tuple[Text, int, str]]

    @property
    def total(self) -> int:
        return sum(n for _, n, _ in self.parts)


SHOWN_STATES = (
    ReturnStatus.ACCEPTED,
    ReturnStatus.LATE,
    ReturnStatus.REJECTED,
    ReturnStatus.MISSING,
)


def completeness(workspace: Workspace, states) -> list[Bar]:
    """Per type of organisation: its returns accepted, late, with errors, missing."""
    bars = []
    for org_type, counts in summary(workspace, states).items():
        if counts["applicable"]:
            parts = [(STATE_TEXT[s], counts[s], STATE_COLOUR[s]) for s in SHOWN_STATES]
            bars.append(Bar(workspace.campaign.org_types[org_type], parts))
    return bars


def risks_by_area(workspace: Workspace) -> list[Bar]:
    """Per area, how many assessments (an organisation on an indicator) came out at each
    level; none before the consolidated workbook is written (the officer's first step)."""
    if not output_path(workspace, with_personal_data=False).exists():
        return []
    from pipeline.workbooks import frames
    from pipeline.workbooks.indicators import compute, load_indicators

    data = frames.load(workspace)
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    counts = table.groupby(["area", "level"]).size().unstack(fill_value=0)
    bars = []
    for area in AREAS:
        row = counts.loc[area] if area in counts.index else {}
        parts = [(LEVEL_TEXT[lv], int(row.get(lv, 0)), LEVEL_COLOUR[lv]) for lv in LEVELS]
        bars.append(Bar(workspace.areas.get(area, Text(area, area)), parts))
    return bars
