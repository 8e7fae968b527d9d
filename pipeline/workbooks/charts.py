"""The charts sheet of the consolidated workbook: native Excel charts over its own cells."""

from __future__ import annotations

import pandas as pd

from pipeline.core import textfit
from pipeline.core.messages import label as label_text
from pipeline.specs import layout as L
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.indicators import LEVEL_TEXT
from pipeline.workbooks.status import STATE_TEXT, STATES


def write_charts(
    w,
    workspace: Workspace,
    table: pd.DataFrame,
    wide: pd.DataFrame,
    complete_top: int,
    sheets: dict[str, str],
    titles: dict[str, str],
) -> None:
    """Completeness by type, the ten highest scores, and each indicator's levels."""
    complete = sheets["complete"]
    sheet = w.book.add_worksheet(sheets["charts"])
    w.page(sheet, 116)  # one column of charts, one page wide: nothing repeated across pages
    book = w.book
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})  # long names read across
    types = len(workspace.campaign.org_types)
    colours = ["#70AD47", "#FFC000", "#FF0000", "#A5A5A5"]
    at = 1  # the summary under the completeness table starts in the organisation's column
    for i, state in enumerate(STATES[:4]):
        chart.add_series(
            {
                "name": STATE_TEXT[state].both,
                "categories": [complete, complete_top + 1, at, complete_top + types, at],
                "values": [
                    complete,
                    complete_top + 1,
                    at + 1 + i,
                    complete_top + types,
                    at + 1 + i,
                ],
                "fill": {"color": colours[i]},
                "data_labels": {"value": True},
            }
        )
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_title({"name": label_text("label_polnota_po_tipam_organizatsii")})
    chart.set_size({"width": 720, "height": 360})
    sheet.insert_chart("A1", chart)
    top = wide["overall"].dropna().sort_values(ascending=False).head(10)
    base = 76  # the charts' own figures, under the three charts
    w.heads(sheet, base, [L.ORG_LABEL.both, label_text("label_obshchii_risk")], [36, 16])
    names = workspace.by_bin
    for r, (bin_, value) in enumerate(top.items(), start=base + 1):
        w.cell(sheet, r, 0, names[bin_].name.both, w.wrap)
        sheet.set_row(r, textfit.height(names[bin_].name.both, 36))
        w.cell(sheet, r, 1, float(value))
    bar = book.add_chart({"type": "bar"})
    bar.add_series(
        {
            "name": label_text("label_obshchii_risk"),
            "categories": [sheet.name, base + 1, 0, base + len(top), 0],
            "values": [sheet.name, base + 1, 1, base + len(top), 1],
            "fill": {"color": "#C00000"},
        }
    )
    bar.set_title({"name": label_text("label_organizatsii_s_naibolshim_ballom_riska")})
    bar.set_y_axis({"reverse": True})
    bar.set_legend({"none": True})
    bar.set_size({"width": 720, "height": 400})
    sheet.insert_chart("A21", bar)
    dist = table.groupby(["indicator", "level"]).size().unstack(fill_value=0)
    base2 = base + 14
    levels = ["low", "medium", "high", "insufficient", "no_data"]
    heads = [label_text("label_pokazatel")] + [LEVEL_TEXT[level].both for level in levels]
    w.heads(sheet, base2, heads, [36] + [16] * len(levels))
    for r, (code, counts) in enumerate(dist.iterrows(), start=base2 + 1):
        w.cell(sheet, r, 0, titles.get(code, code), w.wrap)
        sheet.set_row(r, textfit.height(titles.get(code, code), 36))
        for c, level in enumerate(levels, start=1):
            w.cell(sheet, r, c, int(counts.get(level, 0)))
    stacked = book.add_chart({"type": "bar", "subtype": "stacked"})
    for c, (level, colour) in enumerate(
        zip(levels, ["#70AD47", "#FFC000", "#FF0000", "#D9D9D9", "#BFBFBF"], strict=True), start=1
    ):
        stacked.add_series(
            {
                "name": LEVEL_TEXT[level].both,
                "categories": [sheet.name, base2 + 1, 0, base2 + len(dist), 0],
                "values": [sheet.name, base2 + 1, c, base2 + len(dist), c],
                "fill": {"color": colour},
            }
        )
    stacked.set_title({"name": label_text("label_raspredelenie_pokazatelei")})
    stacked.set_size({"width": 720, "height": 640})
    stacked.set_y_axis({"reverse": True})
    sheet.insert_chart("A43", stacked)
    sheet.set_column(0, 0, 36, w.wrap)
    sheet.set_column(1, len(levels), 16)
