"""`adal export --parquet`: a department's campaign as Parquet files that a region rolls up.

One folder per department and campaign: each return's accepted rows, the organisations, the
state of every return of every organisation, the indicators and the risk scores, each row
carrying the department, the campaign and the organisation, so that any number of folders
read together (`adal rollup`, DuckDB, pandas) need no other key. `adal-export.json` says
what the folder holds: who made it, when, and each return's title and column labels, so the
region's workbook reads as the districts' do without their campaign folders.

IINs and IINs typed in free text are masked as in the consolidated workbook: an export
leaves the department.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.ids import mask_id, mask_ids_in_text
from pipeline.core.progress import Progress, Steps, silent
from pipeline.files.atomic import write_text, written
from pipeline.ledger.regional import FORMAT, MANIFEST, TABLE_COLUMNS
from pipeline.specs.plan import read_plan, read_register_positions
from pipeline.specs.returns import ReturnSpec
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import Workspace
from pipeline.tracking.measures import states
from pipeline.workbooks.frames import Consolidated
from pipeline.workbooks.indicators import AREAS, Indicator, compute, scores

ARROW = {"integer": pa.float64(), "decimal": pa.float64(), "date": pa.timestamp("ms")}
"""Numbers as floats whatever a school typed (a count typed «2.5» stays visible), dates as
timestamps; everything else is text, so every department's file has one schema per return."""


@dataclass
class Exported:
    folder: Path
    files: dict[str, int]  # file name → rows


def export_parquet(
    workspace: Workspace,
    data: Consolidated,
    indicators: list[Indicator],
    folder: Path,
    *,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    progress: Progress = silent,
) -> Exported:
    """Write the campaign's Parquet files and their manifest into `folder`; the action
    plan's measures are judged as of `today` (the day of the export unless given)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    folder.mkdir(parents=True, exist_ok=True)
    steps = Steps(progress, len(workspace.collected) + 3)
    key = _key(workspace)
    files: dict[str, int] = {}

    def write(name: str, frame: pd.DataFrame, schema: pa.Schema | None = None) -> None:
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        with written(folder / name) as part:
            pq.write_table(table, part, compression="zstd")
        files[name] = table.num_rows

    write("organisations.parquet", _organisations(workspace, key))
    write("returns.parquet", _states(workspace, data, key))
    steps.advance()
    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    write("indicators.parquet", _indicators(workspace, table, indicators, key))
    write("scores.parquet", _scores(workspace, table, data, key))
    write("measures.parquet", _measures(workspace, data, key, today or now.date()))
    write("positions.parquet", _positions(workspace, key))
    steps.advance()
    for code, spec in workspace.collected.items():
        frame, schema = _return_rows(workspace, spec, data.frames[code], key)
        write(f"return-{code}.parquet", frame, schema)
        steps.advance()
    manifest = {
        "format": FORMAT,
        "department": {"kk": workspace.campaign.subject.kk, "ru": workspace.campaign.subject.ru},
        "campaign": workspace.campaign.code,
        "year": workspace.campaign.year,
        "exported_at": now.isoformat(timespec="seconds"),
        "org_types": {c: {"kk": t.kk, "ru": t.ru} for c, t in workspace.campaign.org_types.items()},
        "returns": {
            code: {
                "title": {"kk": spec.title.kk, "ru": spec.title.ru},
                "columns": [
                    {"key": c.key, "kk": c.label.kk, "ru": c.label.ru, "type": c.type}
                    for c in spec.columns
                ],
            }
            for code, spec in workspace.collected.items()
        },
        "indicators": {
            i.code: {
                "area": i.area,
                "kk": i.title.kk,
                "ru": i.title.ru,
                "definition": i.definition,
                "thresholds": list(i.thresholds),
            }
            for i in indicators
        },
        "files": files,
    }
    # last, and whole: a folder whose manifest lists other row counts than its files is
    # refused by the roll-up, so an export killed midway is never read as complete
    write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    steps.advance(steps.total)
    return Exported(folder, files)


def _key(workspace: Workspace) -> dict[str, str]:
    return {"department": workspace.campaign.subject.ru, "campaign": workspace.campaign.code}


def _with_key(frame: pd.DataFrame, key: dict[str, str]) -> pd.DataFrame:
    for i, (name, value) in enumerate(key.items()):
        frame.insert(i, name, pd.Series([value] * len(frame), dtype="string"))
    return frame


def _organisations(workspace: Workspace, key: dict[str, str]) -> pd.DataFrame:
    types = workspace.campaign.org_types
    frame = pd.DataFrame(
        [
            {
                "bin": o.bin,
                "organisation": o.name.ru,
                "organisation_kk": o.name.kk,
                "org_type": o.type,
                "org_type_name": types[o.type].ru,
                "org_type_name_kk": types[o.type].kk,
                "staff": o.staff,
                "pupils": o.pupils,
            }
            for o in workspace.organisations
        ],
        columns=[
            "bin", "organisation", "organisation_kk", "org_type", "org_type_name",
            "org_type_name_kk", "staff", "pupils",
        ],
    )  # fmt: skip
    for column in ("staff", "pupils"):
        frame[column] = frame[column].astype("Int64")
    return _with_key(frame, key)


def _states(workspace: Workspace, data: Consolidated, key: dict[str, str]) -> pd.DataFrame:
    """Every return of every organisation: its state, when it came, against which deadline."""
    records = []
    for org in workspace.organisations:
        for code, state in data.states[org.bin].items():
            if state.state == ReturnStatus.NOT_APPLICABLE:
                continue
            records.append(
                {
                    "bin": org.bin,
                    "org_type": org.type,
                    "return_code": code,
                    "state": str(state.state),
                    "received_at": pd.Timestamp(state.received_at) if state.received_at else pd.NaT,
                    "deadline": pd.Timestamp(workspace.campaign.deadline(code)),
                    "rows": state.rows,
                    "nil": state.nil,
                }
            )
    columns = ["bin", "org_type", "return_code", "state", "received_at", "deadline", "rows", "nil"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["received_at"] = pd.to_datetime(frame["received_at"])
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return _with_key(frame, key)


def _indicators(
    workspace: Workspace, table: pd.DataFrame, indicators: list[Indicator], key: dict[str, str]
) -> pd.DataFrame:
    by_code = {i.code: i for i in indicators}
    names = workspace.by_bin
    frame = table[
        ["bin", "type", "indicator", "area", "numerator", "denominator", "value", "level"]
    ].copy()
    frame = frame.rename(columns={"type": "org_type"})
    frame.insert(1, "organisation", frame["bin"].map(lambda b: names[b].name.ru))
    frame["title"] = frame["indicator"].map(lambda c: by_code[c].title.ru)
    frame["title_kk"] = frame["indicator"].map(lambda c: by_code[c].title.kk)
    frame["unit"] = frame["indicator"].map(lambda c: by_code[c].unit.text.ru)
    frame["unit_kk"] = frame["indicator"].map(lambda c: by_code[c].unit.text.kk)
    for column in ("numerator", "denominator", "value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return _with_key(frame, key)


def _scores(
    workspace: Workspace, table: pd.DataFrame, data: Consolidated, key: dict[str, str]
) -> pd.DataFrame:
    """The risk map's row of each organisation: a score per area and overall (0–100)."""
    wide = scores(table)
    records = []
    for org in workspace.organisations:
        row = wide.loc[org.bin] if org.bin in wide.index else pd.Series(dtype=float)
        record: dict[str, object] = {
            "bin": org.bin,
            "organisation": org.name.ru,
            "org_type": org.type,
        }
        for area in (*AREAS, "overall"):
            value = row.get(area)
            record[area] = None if value is None or pd.isna(value) else float(value)
        records.append(record)
    frame = pd.DataFrame.from_records(
        records, columns=["bin", "organisation", "org_type", *AREAS, "overall"]
    )
    for column in (*AREAS, "overall"):
        frame[column] = frame[column].astype("float64")
    return _with_key(frame, key)


def _measures(
    workspace: Workspace, data: Consolidated, key: dict[str, str], today: dt.date
) -> pd.DataFrame:
    """The signed action plan's measures, one row per organisation that reports on one,
    with what it reported (status, date) and its state as of `today` (`monitoring.judge`):
    next year's reference says whether last year's measures were carried out."""
    columns = list(TABLE_COLUMNS["measures"][2:])
    plan = read_plan(workspace.paths.outbox)
    records = []
    if plan is not None:
        names = workspace.by_bin
        measures = {m.no: m for m in plan.measures}
        reports = data.rows("5.1")
        reported = _reported(reports)
        for s in states(plan, reports, today):
            m = measures[s.no]
            records.append(
                {
                    "bin": s.bin,
                    "organisation": names[s.bin].name.ru if s.bin in names else "",
                    "no": m.no,
                    "area": m.area,
                    "indicator": m.indicator,
                    "measure": m.text.ru,
                    "measure_kk": m.text.kk,
                    "severity": m.severity,
                    "deadline": pd.Timestamp(m.deadline),
                    "monitoring_end": pd.Timestamp(plan.monitoring_end),
                    "status": reported.get((s.bin, s.no)),
                    "done_on": pd.Timestamp(s.done_on) if s.done_on else pd.NaT,
                    "state": s.state,
                    "as_of": pd.Timestamp(today),
                }
            )
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in ("deadline", "monitoring_end", "done_on", "as_of"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("bin", "organisation", "no", "area", "indicator", "measure", "measure_kk",
                   "severity", "status", "state"):  # fmt: skip
        frame[column] = frame[column].astype("string")
    return _with_key(frame, key)


def _reported(reports: list[dict]) -> dict[tuple[str, str], str]:
    """What each organisation wrote in its 5.1 report for each measure (its last file)."""
    return {
        (r["bin"], str(r.get("measure_no"))): r["status"]
        for r in reports
        if isinstance(r.get("status"), str)
    }


def _positions(workspace: Workspace, key: dict[str, str]) -> pd.DataFrame:
    """The signed register's positions (6.1), one row per position and organisation."""
    records = []
    for p in read_register_positions(workspace.paths.outbox) or []:
        for bin_ in p.get("orgs") or [""]:
            records.append(
                {"bin": bin_, "code": p["code"], "position": p["ru"], "position_kk": p["kk"]}
            )
    frame = pd.DataFrame.from_records(records, columns=["bin", "code", "position", "position_kk"])
    return _with_key(frame.astype("string"), key)


def _return_rows(
    workspace: Workspace, spec: ReturnSpec, frame: pd.DataFrame, key: dict[str, str]
) -> tuple[pd.DataFrame, pa.Schema]:
    """A return's accepted rows, organisation first, personal identifiers masked."""
    names = {o.bin: o.name.ru for o in workspace.organisations}
    types = {o.bin: o.type for o in workspace.organisations}
    out = pd.DataFrame(
        {
            "bin": frame["bin"].astype("string"),
            "organisation": frame["bin"].map(names).astype("string"),
            "org_type": frame["bin"].map(types).astype("string"),
            "file": frame["_file"].map(mask_ids_in_text).astype("string"),
            "row": frame["_row"].astype("int64"),
        }
    )
    fields = [pa.field(n, pa.string()) for n in ("department", "campaign", "bin", "organisation",
              "org_type", "file")] + [pa.field("row", pa.int64())]  # fmt: skip
    for c in spec.columns:
        values = frame[c.key]
        if c.choices:
            labels = {ch.code: ch.label.both for ch in c.choices}
            values = values.map(lambda v, m=labels: m.get(v, v) if isinstance(v, str) else v)
        if c.type == "iin":
            values = values.map(lambda v: mask_id(v) if isinstance(v, str) else v)
        elif c.type == "text":
            values = values.map(mask_ids_in_text)
        kind = ARROW.get(c.type, pa.string())
        if kind == pa.string():
            values = values.map(lambda v: None if v is None or v != v else str(v))
        elif kind == pa.float64():
            values = pd.to_numeric(values, errors="coerce")
        else:
            values = pd.to_datetime(values, errors="coerce")
        out[c.key] = values
        fields.append(pa.field(c.key, kind))
    return _with_key(out, key), pa.schema(fields)
