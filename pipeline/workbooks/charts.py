"""The charts sheet of the consolidated workbook: native Excel charts over its own cells,
one chart per question an officer asks of the district — how complete are the returns
per type of organisation, where (in which area of the plan) the risks lie, and which
organisations score highest. Each chart holds its own page when printed."""

from __future__ import annotations

import textwrap

import pandas as pd

from pipeline.core import textfit
from pipeline.core.messages import label as label_text
from pipeline.specs import layout as L
from pipeline.specs.workspace import Workspace
from pipeline.tracking.status import STATE_TEXT, STATES
from pipeline.workbooks.indicators import AREAS, LEVEL_TEXT

WIDTH_PX = 720
LABEL_CHARS = 34  # an axis label's line
ROW_PX = 20  # a default row: the charts are placed by row
STATE_COLOURS = ["#70AD47", "#FFC000", "#FF0000", "#A5A5A5"]
LEVELS = ["low", "medium", "high", "insufficient", "no_data"]
LEVEL_COLOURS = ["#70AD47", "#FFC000", "#FF0000", "#D9D9D9", "#BFBFBF"]
# Where each chart starts, in rows of the sheet: two on the first printed page, the
# third on the second, their figures under them.
COMPLETE_AT, AREAS_AT, TOP_AT, FIGURES_AT = 0, 20, 50, 72


def write_charts(
    w,
    workspace: Workspace,
    table: pd.DataFrame,
    wide: pd.DataFrame,
    complete_top: int,
    sheets: dict[str, str],
    titles: dict[str, str],
) -> None:
    """Completeness by type, risk levels by area, the ten highest scores; under them the
    figures the last two are drawn from and each indicator's levels."""
    sheet = w.book.add_worksheet(sheets["charts"])
    w.page(sheet, 116)
    sheet.set_portrait()  # a chart reads better tall than across; 116 wide still ≥ 80 %
    sheet.set_h_pagebreaks([TOP_AT])
    sheet.set_column(0, 0, 36, w.wrap)
    sheet.set_column(1, len(LEVELS), 16)
    _completeness(w, sheet, workspace, complete_top, sheets["complete"])
    row = FIGURES_AT
    row = _levels_by_area(w, sheet, workspace, table, row)
    row = _top_scores(w, sheet, workspace, wide, row + 2)
    _levels_by_indicator(w, sheet, table, titles, row + 2)


def _completeness(w, sheet, workspace: Workspace, top: int, complete: str) -> None:
    """Stacked bars per type of organisation, drawn from the summary under the
    completeness table (which starts in the organisation's column)."""
    chart = w.book.add_chart({"type": "bar", "subtype": "stacked"})  # long names read across
    types = len(workspace.campaign.org_types)
    at = 1
    for i, state in enumerate(STATES[:4]):
        chart.add_series(
            {
                "name": STATE_TEXT[state].both,
                "categories": [complete, top + 1, at, top + types, at],
                "values": [complete, top + 1, at + 1 + i, top + types, at + 1 + i],
                "fill": {"color": STATE_COLOURS[i]},
                "data_labels": {"value": True},
            }
        )
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"name": label_text("chart_returns")})
    chart.set_legend({"position": "bottom"})
    chart.set_title({"name": label_text("label_completeness_by_type")})
    chart.set_size({"width": WIDTH_PX, "height": (AREAS_AT - COMPLETE_AT - 1) * ROW_PX})
    sheet.insert_chart(COMPLETE_AT, 0, chart)


def _area_name(workspace: Workspace, area: str) -> str:
    """«2.1 Персоналды басқару» over «Управление персоналом», each wrapped short: the
    chart's axis takes the cell's lines as they are, and long labels one line each left
    the bars no room."""
    title = workspace.areas.get(area)
    if title is None:
        return area
    return "\n".join(
        [*textwrap.wrap(f"{area} {title.kk}", LABEL_CHARS), *textwrap.wrap(title.ru, LABEL_CHARS)]
    )


def _levels_by_area(w, sheet, workspace: Workspace, table: pd.DataFrame, row: int) -> int:
    """Where the risks lie: per area of the plan, how many assessments (an organisation on
    an indicator) came out at each level. Five bars instead of a cramped bar per indicator."""
    counts = table.groupby(["area", "level"]).size().unstack(fill_value=0)
    heads = [label_text("label_area")] + [LEVEL_TEXT[level].both for level in LEVELS]
    w.heads(sheet, row, heads, [36] + [16] * len(LEVELS))
    for r, area in enumerate(AREAS, start=row + 1):
        name = _area_name(workspace, area)
        w.cell(sheet, r, 0, name, w.wrap)
        sheet.set_row(r, textfit.height(name, 36))
        for c, level in enumerate(LEVELS, start=1):
            value = counts.loc[area].get(level, 0) if area in counts.index else 0
            w.cell(sheet, r, c, int(value))
    chart = w.book.add_chart({"type": "bar", "subtype": "stacked"})
    for c, (level, colour) in enumerate(zip(LEVELS, LEVEL_COLOURS, strict=True), start=1):
        chart.add_series(
            {
                "name": LEVEL_TEXT[level].both,
                "categories": [sheet.name, row + 1, 0, row + len(AREAS), 0],
                "values": [sheet.name, row + 1, c, row + len(AREAS), c],
                "fill": {"color": colour},
                "data_labels": {"value": True} if level in ("medium", "high") else {},
            }
        )
    chart.set_title({"name": label_text("chart_levels_by_area")})
    chart.set_x_axis({"name": label_text("chart_assessments")})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 8}, "interval_unit": 1})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": WIDTH_PX, "height": (TOP_AT - AREAS_AT - 1) * ROW_PX})
    sheet.insert_chart(AREAS_AT, 0, chart)
    return row + len(AREAS) + 1


def _top_scores(w, sheet, workspace: Workspace, wide: pd.DataFrame, row: int) -> int:
    """The ten organisations with the highest overall score, each bar labelled."""
    top = wide["overall"].dropna().sort_values(ascending=False).head(10)
    w.heads(sheet, row, [L.ORG_LABEL.both, label_text("label_overall_risk")], [36, 16])
    names = workspace.by_bin
    for r, (bin_, value) in enumerate(top.items(), start=row + 1):
        w.cell(sheet, r, 0, names[bin_].name.both, w.wrap)
        sheet.set_row(r, textfit.height(names[bin_].name.both, 36))
        w.cell(sheet, r, 1, float(value))
    chart = w.book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": label_text("label_overall_risk"),
            "categories": [sheet.name, row + 1, 0, row + max(len(top), 1), 0],
            "values": [sheet.name, row + 1, 1, row + max(len(top), 1), 1],
            "fill": {"color": "#C00000"},
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": label_text("label_highest_scores")})
    chart.set_x_axis({"name": label_text("chart_score"), "min": 0, "max": 100})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": WIDTH_PX, "height": (FIGURES_AT - TOP_AT - 2) * ROW_PX})
    sheet.insert_chart(TOP_AT, 0, chart)
    return row + len(top) + 1


def _levels_by_indicator(w, sheet, table: pd.DataFrame, titles: dict[str, str], row: int) -> None:
    """Each indicator's levels, as figures: too many rows for a chart that reads."""
    dist = table.groupby(["indicator", "level"]).size().unstack(fill_value=0)
    heads = [label_text("label_indicator")] + [LEVEL_TEXT[level].both for level in LEVELS]
    w.heads(sheet, row, heads, [36] + [16] * len(LEVELS))
    for r, (code, counts) in enumerate(dist.iterrows(), start=row + 1):
        w.cell(sheet, r, 0, titles.get(code, code), w.wrap)
        sheet.set_row(r, textfit.height(titles.get(code, code), 36))
        for c, level in enumerate(LEVELS, start=1):
            w.cell(sheet, r, c, int(counts.get(level, 0)))
