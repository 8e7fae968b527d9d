"""`adal consolidate`: the workbook the working group reads (xlsxwriter, safe strings).

Sheets: cover with every source submission; completeness; the registry; one sheet per
return with the latest accepted rows of every organisation; indicators with their
numerators and denominators; the risk map; native charts. IINs are masked unless the HR
service asks for its own copy (`with_personal_data`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipeline.core import textfit
from pipeline.core.ids import mask_id, mask_ids_in_text
from pipeline.core.messages import label as label_text
from pipeline.core.messages import render, sheet_name
from pipeline.core.progress import Progress, Steps, silent
from pipeline.core.text import capitalised
from pipeline.files.xlsxout import LARGE
from pipeline.files.xlsxout import Writer as _Writer
from pipeline.specs import layout as L
from pipeline.specs.offences import needs_reading
from pipeline.specs.plan import read_plan
from pipeline.specs.returns import ReturnSpec
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import Workspace
from pipeline.tracking.measures import STATE_COLOUR as MEASURE_COLOUR
from pipeline.tracking.measures import STATE_TEXT as MEASURE_TEXT
from pipeline.tracking.measures import states as measure_states
from pipeline.tracking.status import NIL_TEXT, STATE_TEXT, STATES, summary
from pipeline.workbooks import frames
from pipeline.workbooks.charts import write_charts
from pipeline.workbooks.comparison import Previous, compare
from pipeline.workbooks.comparison import write_sheets as write_comparison
from pipeline.workbooks.frames import Consolidated
from pipeline.workbooks.indicators import (
    AREAS,
    LEVEL_COLOUR,
    LEVEL_TEXT,
    Indicator,
    compute,
    explain,
    law_says,
    scores,
)

SHEETS = {
    key: sheet_name(f"sheet_{key}")
    for key in ("cover", "complete", "orgs", "ind", "map", "charts", "sources")
}


def output_path(workspace: Workspace, with_personal_data: bool) -> Path:
    suffix = "-personal" if with_personal_data else ""
    return workspace.paths.outbox / f"consolidated-{workspace.campaign.code}{suffix}.xlsx"


# the colour of each state of a return, by its code: rewording a state keeps its colour
STATE_COLOUR = {
    ReturnStatus.MISSING: "#F8CBAD",
    ReturnStatus.REJECTED: "#FFC7CE",
    ReturnStatus.LATE: "#FFEB9C",
    ReturnStatus.ACCEPTED: "#C6EFCE",
}
NIL_COLOUR = {ReturnStatus.ACCEPTED: "#DDEBF7", ReturnStatus.LATE: "#FFEB9C"}

KIND = {"integer": "num", "decimal": "num", "date": "date"}


LAW_TEXT = {verdict: label_text(f"label_law_{verdict}") for verdict in ("yes", "no", "unknown")}


def _ids_masked(values: pd.Series) -> pd.Series:
    """`mask_ids_in_text` over a text column, asked only of the cells holding twelve digits
    in a row (a consolidated sheet has millions of cells, a handful with an IIN typed in)."""
    try:
        holding = values.str.contains(r"\d{12}", regex=True, na=False)
    except AttributeError:  # not a column of texts: each cell judged alone
        return values.map(mask_ids_in_text)
    if not holding.any():
        return values
    out = values.astype(object)
    out[holding] = values[holding].map(mask_ids_in_text)
    return out


def _return_sheet(
    w: _Writer, workspace: Workspace, spec: ReturnSpec, frame: pd.DataFrame, personal: bool
) -> None:
    """The rows of every organisation's current accepted submission, organisation columns first."""
    orgs = workspace.by_bin
    out = pd.DataFrame(
        {
            "bin": frame["bin"],
            "name": frame["bin"].map({b: o.name.both for b, o in orgs.items()}),
            "type": frame["bin"].map(
                {b: workspace.campaign.org_types[o.type].both for b, o in orgs.items()}
            ),
        }
    )
    for c in spec.columns:
        values = frame[c.key]
        if c.choices:  # a code shown as its label; anything else as it came
            labels = values.map({ch.code: ch.label.both for ch in c.choices})
            values = labels.where(labels.notna(), values)
        if c.type == "iin" and not personal:
            values = values.map(lambda v: mask_id(v) if isinstance(v, str) else v)
        elif c.type == "text" and not personal:
            values = _ids_masked(values)
        out[c.key] = values
        if c.offences is not None:  # beside the sender's article, what the law makes of it
            said = law_says(frame, spec, c.key).map(LAW_TEXT)
            read = [
                needs_reading(c.offences, row, c.key)
                for row in frame.reindex(columns=c.offences.keys(c.key)).to_dict("records")
            ]
            out[f"{c.key}@law"] = said.where(pd.Series(read, index=frame.index), "")
    files = frame["_file"] if personal else _ids_masked(frame["_file"])
    out["_file"], out["_row"] = files, frame["_row"]
    columns = [(c.label.both, KIND.get(c.type, "wrap"), max(12, min(c.width or 18, 40)))
               for c in spec.columns]  # fmt: skip
    for i in reversed([i for i, c in enumerate(spec.columns) if c.offences is not None]):
        columns.insert(i + 1, (label_text("label_by_law"), "wrap", 18))
    # What a person reads first and prints: the organisation, then what it reported. Its
    # type, the file and the row it came from follow, on screen (filters) and not on paper.
    technical = ["type", "_file", "_row"]
    out = out[[c for c in out.columns if c not in technical] + technical]
    headers = (
        [L.BIN_LABEL.both, L.ORG_LABEL.both]
        + [h for h, _, _ in columns]
        + [label_text("label_type"), label_text("label_file"), label_text("label_row")]
    )
    kinds = ["str", "wrap"] + [k for _, k, _ in columns] + ["wrap", "wrap", "num"]
    # the type column as wide as the longest type's name: one line per row, so a sheet of
    # hundreds of thousands of rows keeps rows one line tall where nothing else wraps
    type_width = max(textfit.one_line_width(t.ru) for t in workspace.campaign.org_types.values())
    widths = [14, 30] + [w for _, _, w in columns] + [type_width, 30, 8]
    rows = frames.row_tuples(out)
    sheet = w.table(spec.sheet, headers, rows, widths, kinds, printed=len(headers) - 3)
    sheet.set_tab_color("#5B9BD5")


def _cover(w: _Writer, workspace: Workspace, data: Consolidated, now: dt.datetime) -> None:
    """One page: what the workbook holds, for which periods, how complete; the files it was
    made from are listed on their own sheet at the end (`_sources`)."""
    sheet = w.book.add_worksheet(SHEETS["cover"])
    sheet.set_column(0, 1, 68, w.wrap)
    w.page(sheet, 136)
    c = workspace.campaign
    complete = sum(
        all(s.state in (ReturnStatus.ACCEPTED, ReturnStatus.LATE, ReturnStatus.NOT_APPLICABLE)
            for s in per.values())
        for per in data.states.values()
    )  # fmt: skip
    said = [
        render("cover_title"),
        render("cover_year", year=c.year),
        render("cover_made", when=f"{now:%d.%m.%Y %H:%M}"),
        render("cover_organisations", n=len(workspace.organisations)),
        render("cover_complete", done=complete, n=len(workspace.organisations)),
    ]
    for org_type, type_name in c.org_types.items():
        period = c.period("1.1", org_type) if "1.1" in c.returns else None
        said.append(render("cover_period", type=type_name, period=period.label if period else ""))
    said.append(render("cover_sources_sheet", sheet=SHEETS["sources"]))
    lines = [(c.subject.kk, c.subject.ru), *((m.kk, m.ru) for m in said)]
    for r, (kk, ru) in enumerate(lines):
        w.cell(sheet, r, 0, kk, w.title if r < 2 else w.wrap)
        w.cell(sheet, r, 1, ru, w.title if r < 2 else w.wrap)
        big = 14 / 11 if r < 2 else 1  # the title's size: fewer letters a line, taller lines
        cells = [(kk, 68 / big, r < 2), (ru, 68 / big, r < 2)]
        sheet.set_row(r, textfit.row_height(cells) * big)
    sheet.activate()


def _sources(w: _Writer, workspace: Workspace, data: Consolidated, personal: bool) -> None:
    """Every file the figures come from, with its checksum: a sheet of its own at the end,
    every cell aligned to the top (the cover printed eight pages of them)."""
    headers = [
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        label_text("label_return"),
        label_text("label_file"),
        label_text("label_received"),
        "SHA-256",
    ]
    names = workspace.by_bin
    rows = [
        (
            bin_,
            names[bin_].name.both,
            f"{code} ({state.text})",
            state.file if personal else mask_ids_in_text(state.file),
            dt.datetime.fromisoformat(state.received_at).strftime("%d.%m.%Y %H:%M"),
            state.sha256,
        )
        for bin_, per in data.states.items()
        for code, state in per.items()
        if state.file
    ]
    kinds = ["str", "wrap", "wrap", "wrap", "str", "str"]
    w.table(SHEETS["sources"], headers, rows, [14, 36, 22, 34, 16, 66], kinds)


def _completeness(w: _Writer, workspace: Workspace, data: Consolidated) -> int:
    codes = list(workspace.collected)
    headers = (
        [L.BIN_LABEL.both, L.ORG_LABEL.both, label_text("label_type")]
        + codes
        + [label_text("label_on_time_share")]
    )
    rows = []
    for org in workspace.organisations:
        per = data.states[org.bin]
        applicable = [s for s in per.values() if s.state != ReturnStatus.NOT_APPLICABLE]
        on_time = (
            sum(s.state == ReturnStatus.ACCEPTED for s in applicable) / len(applicable)
            if applicable
            else 0
        )
        rows.append(
            [org.bin, org.name.both, workspace.campaign.org_types[org.type].both]
            + [per[c].text for c in codes]
            + [round(on_time, 4)]
        )
    kinds = ["str"] * 3 + ["wrap"] * len(codes) + ["pct"]
    widths = [14, 34, 26] + [16] * len(codes) + [12]
    sheet = w.table(SHEETS["complete"], headers, rows, widths, kinds)
    last = len(rows)
    w.colour_by_code(sheet, 1, 3, last, 2 + len(codes), STATE_TEXT, STATE_COLOUR)
    w.colour_by_code(sheet, 1, 3, last, 2 + len(codes), NIL_TEXT, NIL_COLOUR)
    top = last + 3
    stats = summary(workspace, data.states)
    shown = [state for state in STATES if state != ReturnStatus.NOT_APPLICABLE]
    heads = (
        [label_text("label_org_type")]
        + [STATE_TEXT[s].both for s in shown]
        + [label_text("label_v_t_ch_nulevye_otchety"), label_text("label_reporting_rate")]
    )
    # from the organisation's column on: the type's name reads in a column its width
    at = 1
    w.heads(sheet, top, heads, (widths[at:] + [16] * len(heads))[: len(heads)], col=at)
    for r, (org_type, s) in enumerate(stats.items(), start=top + 1):
        name = workspace.campaign.org_types[org_type].both
        w.cell(sheet, r, at, name, w.wrap)
        sheet.set_row(r, textfit.height(name, widths[at]))
        for col, state in enumerate(shown, start=at + 1):
            w.cell(sheet, r, col, s[state])
        w.cell(sheet, r, at + len(shown) + 1, s["nil"])
        w.cell(sheet, r, at + len(shown) + 2, s["rate"], w.pct)
    return top


def _indicators_sheet(
    w: _Writer, workspace: Workspace, table: pd.DataFrame, indicators: list[Indicator]
) -> None:
    names = workspace.by_bin
    headers = [
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        label_text("label_type"),
        label_text("label_code"),
        label_text("label_area"),
        label_text("label_indicator"),
        label_text("label_numerator"),
        label_text("label_denominator"),
        label_text("label_value"),
        label_text("label_unit"),
        label_text("label_median_by_type"),
        label_text("label_median_in_district"),
        label_text("label_thresholds"),
        label_text("label_level"),
        label_text("label_weight"),
        label_text("label_score"),
        label_text("label_calculation"),
    ]
    formulas = {i.code: explain(i, workspace.specs) for i in indicators}  # one per indicator
    # what each indicator, organisation and level shows, said once, not once a row
    shown = {
        i.code: (
            i.area,
            i.title.both,
            i.unit.text.both,
            f"{i.thresholds[0]:g} / {i.thresholds[1]:g}",
            i.weight,
            formulas[i.code],
        )
        for i in indicators
    }
    org_names = {b: o.name.both for b, o in names.items()}
    type_names = {t: name.both for t, name in workspace.campaign.org_types.items()}
    levels = {level: text.both for level, text in LEVEL_TEXT.items()}
    columns = ["bin", "type", "indicator", "numerator", "denominator", "value", "median",
               "district_median", "level", "points"]  # fmt: skip
    rows = []
    for bin_, org_type, code, numerator, denominator, value, median, district, level, points in zip(
        *(table[c].tolist() for c in columns), strict=True
    ):
        area, title, unit, thresholds, weight, formula = shown[code]
        rows.append(
            [
                bin_,
                org_names[bin_],
                type_names[org_type],
                code,
                area,
                title,
                numerator,
                denominator,
                value,
                unit,
                median,
                district,
                thresholds,
                levels[level],
                weight,
                points,
                formula,
            ]
        )
    # typed writes per column: 50,000 rows of a district of 2,000 asked «any» of each cell
    kinds = ["str", "wrap", "wrap", "str", "str", "wrap", "num", "num", "num", "wrap", "num",
             "num", "str", "str", "num", "num", "wrap"]  # fmt: skip
    sheet = w.table(
        SHEETS["ind"],
        headers,
        rows,
        [14, 30, 16, 18, 13, 50, 11, 13, 10, 12, 12, 12, 10, 14, 8, 6, 60],
        kinds,
    )
    sheet.set_column(3, 3, 18, None, {"hidden": True})  # the indicator's code: for scripts
    w.colour_by_code(sheet, 1, 13, len(rows), 13, LEVEL_TEXT, LEVEL_COLOUR)


def _risk_map(w: _Writer, workspace: Workspace, wide: pd.DataFrame, data: Consolidated) -> None:
    availability = {}
    for org in workspace.organisations:
        per = [s for s in data.states[org.bin].values() if s.state != ReturnStatus.NOT_APPLICABLE]
        got = sum(
            s.state in (ReturnStatus.ACCEPTED, ReturnStatus.LATE) for s in per
        )  # timeliness has its own sheet
        availability[org.bin] = round(got / len(per), 4) if per else None
    headers = (
        [L.BIN_LABEL.both, L.ORG_LABEL.both, label_text("label_type")]
        + list(AREAS)
        + [label_text("label_overall_risk"), label_text("label_data_completeness")]
    )
    rows = []
    for org in workspace.organisations:
        scores_row = wide.loc[org.bin] if org.bin in wide.index else pd.Series(dtype=float)
        rows.append(
            [org.bin, org.name.both, workspace.campaign.org_types[org.type].both]
            + [None if pd.isna(scores_row.get(a)) else float(scores_row.get(a)) for a in AREAS]
            + [
                None if pd.isna(scores_row.get("overall")) else float(scores_row.get("overall")),
                availability[org.bin],
            ]
        )
    kinds = ["str"] * 3 + ["num"] * 6 + ["pct"]
    sheet = w.table(SHEETS["map"], headers, rows, [14, 34, 26] + [10] * 5 + [14, 16], kinds)
    scale = {
        "type": "3_color_scale",
        "min_type": "num",
        "min_value": 0,
        "mid_type": "num",
        "mid_value": 50,
        "max_type": "num",
        "max_value": 100,
        "min_color": "#63BE7B",
        "mid_color": "#FFEB84",
        "max_color": "#F8696B",
    }
    sheet.conditional_format(1, 3, len(rows), 8, scale)
    sheet.conditional_format(1, 9, len(rows), 9, {"type": "data_bar", "bar_color": "#5B9BD5"})
    note = len(rows) + 2
    explained = render("risk_map_note", completeness=SHEETS["complete"]).text
    widths = [14, 34, 26] + [10] * 5 + [14, 16]
    sheet.merge_range(note, 0, note, len(widths) - 1, explained, w.wrap)
    sheet.set_row(note, textfit.height(explained, sum(widths)))


def _registry_sheet(w: _Writer, workspace: Workspace) -> None:
    headers = [
        L.BIN_LABEL.both,
        label_text("label_name_kk"),
        label_text("label_name_ru"),
        label_text("label_type"),
        label_text("label_staff"),
        label_text("label_pupils"),
    ]
    rows = [
        [o.bin, o.name.kk, o.name.ru, workspace.campaign.org_types[o.type].both, o.staff, o.pupils]
        for o in workspace.organisations
    ]
    w.table(SHEETS["orgs"], headers, rows, [14, 40, 40, 18, 12, 12])


def _monitoring_sheet(w: _Writer, workspace: Workspace, data: Consolidated, today: dt.date) -> None:
    """5.1: each measure of the signed plan, per organisation, done / in progress / overdue."""
    plan = read_plan(workspace.paths.outbox)
    if plan is None:
        return
    texts = {m.no: m for m in plan.measures}
    names = workspace.by_bin
    headers = [
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        "№",
        label_text("label_meropriyatie"),
        label_text("label_deadline"),
        label_text("label_sostoyanie"),
        label_text("label_done_on"),
        label_text("label_podtverzhdenie"),
    ]
    rows = [
        [
            s.bin,
            names[s.bin].name.both if s.bin in names else "",
            s.no,
            f"{capitalised(texts[s.no].text.kk)}\n{capitalised(texts[s.no].text.ru)}",
            s.deadline,
            MEASURE_TEXT[s.state].both,
            s.done_on,
            s.evidence,
        ]
        for s in measure_states(plan, data.rows("5.1"), today)
    ]
    kinds = ["any", "any", "any", "wrap", "any", "any", "any", "wrap"]
    widths = [14, 30, 5, 60, 12, 18, 14, 30]
    sheet = w.table(label_text("sheet_monitoring"), headers, rows, widths, kinds)
    w.colour_by_code(sheet, 1, 5, max(len(rows), 1), 5, MEASURE_TEXT, MEASURE_COLOUR)


def _queries_sheet(w: _Writer, workspace: Workspace, data: Consolidated) -> None:
    """Open queries, each on its own row: accepted data the organisation is asked to confirm
    or correct. The conclusions that rest on them are named in the reference."""
    if not data.queries:
        return
    names = workspace.by_bin
    headers = [
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        label_text("label_query_return"),
        label_text("label_query_cell"),
        label_text("label_query_value"),
        label_text("label_query_kk"),
        label_text("label_query_ru"),
    ]
    rows = [
        [
            q.bin,
            names[q.bin].name.both if q.bin in names else "",
            q.return_code,
            f"{q.file} · {q.sheet}, {q.cell}" if q.cell else f"{q.file} · {q.sheet}",
            q.value,
            q.message.kk,
            q.message.ru,
        ]
        for q in data.queries
    ]
    kinds = ["any", "wrap", "any", "wrap", "wrap", "wrap", "wrap"]
    w.table(sheet_name("sheet_queries"), headers, rows, [14, 28, 8, 24, 20, 45, 45], kinds)


def write_consolidated(
    workspace: Workspace,
    data: Consolidated,
    indicators: list[Indicator],
    *,
    with_personal_data: bool = False,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    previous: Previous | None = None,
    progress: Progress = silent,
) -> tuple[Path, pd.DataFrame]:
    """Write the consolidated workbook; returns its path and the indicator table it shows.
    With last year's results (`previous`), a comparison sheet per area follows the
    indicators, and last year's measures with their states."""
    now = now or dt.datetime.now()
    path = output_path(workspace, with_personal_data)
    path.parent.mkdir(parents=True, exist_ok=True)
    steps = Steps(progress, len(workspace.collected) + 5)
    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    wide = scores(table)
    steps.advance()
    w = _Writer(
        path,
        constant_memory=sum(len(f) for f in data.frames.values()) > LARGE,
        footer=workspace.campaign.subject.both,
    )
    _cover(w, workspace, data, now)
    top = _completeness(w, workspace, data)
    _registry_sheet(w, workspace)
    for code, spec in workspace.collected.items():
        _return_sheet(w, workspace, spec, data.frames[code], with_personal_data)
        steps.advance()
    _indicators_sheet(w, workspace, table, indicators)
    _risk_map(w, workspace, wide, data)
    write_charts(w, workspace, table, wide, top, SHEETS, {i.code: i.title.both for i in indicators})
    if previous is not None:
        day = today or now.date()
        write_comparison(w, compare(workspace, indicators, table, previous, day), day)
    _monitoring_sheet(w, workspace, data, today or now.date())
    _queries_sheet(w, workspace, data)
    _sources(w, workspace, data, with_personal_data)
    steps.advance()
    w.book.set_properties(
        {
            "title": f"{workspace.campaign.name.ru}: свод",
            "author": workspace.campaign.subject.ru,
            "company": workspace.campaign.subject.ru,
        }
    )
    w.close()
    steps.advance(steps.total)
    return path, table
