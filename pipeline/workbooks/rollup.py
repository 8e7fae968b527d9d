"""`adal rollup`: a region's consolidated workbook from its departments' exports.

A regional department collects `adal export --parquet` folders from its 10–20 district
departments; DuckDB reads them all at once (any number of rows, little memory) and this
module writes what the region reads: completeness and timeliness per department and
organisation type, every indicator per organisation beside its department's and the
region's medians, the regional risk map, and every return's rows.

One sheet holds 1,048,576 rows. A return larger than that is split across numbered sheets
(«1.1», «1.1 (2)», …); one too large even for `MAX_PARTS` sheets stays in a Parquet file
beside the workbook. Either way the cover and the sheet say so: no row is cut silently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core import textfit
from pipeline.core.errors import ConfigError
from pipeline.core.folding import fold
from pipeline.core.kazakh import word_ending
from pipeline.core.messages import label as label_text
from pipeline.core.messages import render, sheet_name
from pipeline.core.numerals import DEPARTMENT as DEPARTMENT_NOUN
from pipeline.core.numerals import ORGANISATION, SHEET, count, counted
from pipeline.core.progress import Progress, Steps, silent
from pipeline.core.text import Text
from pipeline.files.xlsxout import Writer
from pipeline.ledger.regional import (
    FORMAT,
    LATER_TABLES,
    MANIFEST,
    TABLE_COLUMNS,
    TABLES,
    Region,
    RegionDataError,
)
from pipeline.specs import layout as L
from pipeline.specs.returns import load_specs, shipped_schemas
from pipeline.workbooks.indicators import AREAS, LEVEL_COLOUR, LEVEL_TEXT

ROW_LIMIT = 1_048_576 - 1
"""Data rows one sheet holds below its header (Excel's limit); tests lower it."""
MAX_PARTS = 8
"""Sheets one return may take; past that its rows stay in Parquet (8 sheets ≈ 8.4 M rows)."""

SHEETS = {key: sheet_name(f"sheet_{key}") for key in ("cover", "complete", "ind", "map")}


@dataclass
class Department:
    folder: Path
    name: Text
    campaign: str
    exported_at: str
    manifest: dict


@dataclass
class RolledUp:
    path: Path
    departments: list[Department]
    organisations: int
    rows: dict[str, int]  # return → rows
    sheets: dict[str, list[str]]  # return → the sheets that hold it
    left_in_parquet: dict[str, Path] = field(default_factory=dict)
    titles: dict[str, Text] = field(default_factory=dict)  # return → its title


def read_exports(folders: list[Path]) -> list[Department]:
    """Each folder's manifest, checked: an Adal export, of a format this Adal reads, and no
    department's campaign twice (it would be counted twice)."""
    departments: list[Department] = []
    seen: dict[tuple[str, str], Path] = {}
    for folder in folders:
        path = folder / MANIFEST
        if not path.is_file():
            raise ConfigError.of("rollup_not_an_export", where=str(folder))
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (ValueError, OSError):
            raise ConfigError.of("rollup_not_an_export", where=str(folder)) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else "?"
            raise ConfigError.of("rollup_format", where=str(path), found=found, expected=FORMAT)
        _check_manifest(folder, manifest)
        _check_files(folder, manifest)
        name = Text(manifest["department"]["kk"], manifest["department"]["ru"])
        key = (fold(name.ru), fold(manifest["campaign"]))  # «ГУ «Отдел…»» spelt twice: one
        if key in seen:
            raise ConfigError.of("rollup_twice", where=str(folder), other=str(seen[key]))
        seen[key] = folder
        departments.append(
            Department(folder, name, manifest["campaign"], manifest["exported_at"], manifest)
        )
    return departments


_CODE = re.compile(r"\d{1,2}(\.\d{1,2})?")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,40}")


def _check_manifest(folder: Path, manifest: dict) -> None:
    """The manifest is data from another office, never structure to trust: texts where texts
    belong, return codes Adal declares, column keys that are plain names, and files named
    exactly as an export names them, inside the folder (no path, no other file)."""

    def bad(key: str) -> ConfigError:
        return ConfigError.of("rollup_manifest_bad", where=str(folder / MANIFEST), key=key)

    department = manifest.get("department")
    if not (isinstance(department, dict) and all(
        isinstance(department.get(lang), str) and department[lang].strip() for lang in ("kk", "ru")
    )):  # fmt: skip
        raise bad("department")
    for key in ("campaign", "exported_at"):
        if not isinstance(manifest.get(key), str):
            raise bad(key)
    known = set(load_specs(shipped_schemas()))
    returns = manifest.get("returns")
    if not isinstance(returns, dict):
        raise bad("returns")
    for code, info in returns.items():
        if not (isinstance(code, str) and _CODE.fullmatch(code) and code in known):
            raise ConfigError.of("rollup_unknown_return", where=str(folder / MANIFEST),
                                 code=str(code)[:40])  # fmt: skip
        title = info.get("title") if isinstance(info, dict) else None
        columns = info.get("columns") if isinstance(info, dict) else None
        if not (isinstance(title, dict) and isinstance(columns, list)):
            raise bad(f"returns.{code}")
        for i, column in enumerate(columns):
            if not (
                isinstance(column, dict)
                and isinstance(column.get("key"), str)
                and _KEY.fullmatch(column["key"])
                and all(isinstance(column.get(k), str) for k in ("kk", "ru", "type"))
            ):
                raise bad(f"returns.{code}.columns[{i}]")
    expected = {f"{t}.parquet" for t in (*TABLES, *LATER_TABLES)}
    expected |= {f"return-{c}.parquet" for c in returns}
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) - expected:
        raise bad("files")
    if not all(isinstance(n, int) and n >= 0 for n in files.values()):
        raise bad("files")


def _check_files(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there, readable, with its rows: a missing or broken
    one would drop a department's organisations or rows from the region without a word."""
    listed = manifest.get("files") or {}
    for name in (*(f"{t}.parquet" for t in TABLES), *listed):
        path = folder / name
        if name not in listed or not path.is_file():
            raise ConfigError.of("rollup_file_missing", where=str(folder), file=name)
        try:
            rows = pq.read_metadata(path).num_rows
            schema = pq.read_schema(path)
        except (OSError, ValueError, pa.ArrowException):
            raise ConfigError.of("rollup_file_broken", where=str(folder), file=name) from None
        if rows != listed[name] or not _columns_as_exported(name, schema, manifest):
            raise ConfigError.of("rollup_file_broken", where=str(folder), file=name)


KEY_COLUMNS = ("department", "campaign", "bin")
RETURN_COLUMNS = ("organisation", "org_type", "file", "row")


def _columns_as_exported(name: str, schema: pa.Schema, manifest: dict) -> bool:
    """Every file is keyed by department, campaign and BIN as text; a return's file holds
    exactly the columns its manifest declares (no more, no fewer)."""
    names = set(schema.names)
    if not all(k in names and pa.types.is_string(schema.field(k).type)
               or k in names and pa.types.is_large_string(schema.field(k).type)
               for k in KEY_COLUMNS):  # fmt: skip
        return False
    if not name.startswith("return-"):
        return names == set(TABLE_COLUMNS.get(name.removesuffix(".parquet"), names))
    code = name[len("return-") : -len(".parquet")]
    keys = {c["key"] for c in manifest["returns"].get(code, {}).get("columns", [])}
    return names == {*KEY_COLUMNS, *RETURN_COLUMNS, *keys}


def rollup(
    folders: list[Path], out: Path, *, now: dt.datetime | None = None, progress: Progress = silent
) -> RolledUp:
    """Write the regional workbook `out` from the export folders."""
    now = now or dt.datetime.now().replace(microsecond=0)
    if out.suffix.lower() != ".xlsx":  # Excel would warn that the file is not what it says
        raise ConfigError.of("rollup_not_xlsx", where=str(out))
    departments = read_exports(folders)
    returns = _returns(departments)
    steps = Steps(progress, len(returns) + 4)
    region = Region([d.folder for d in departments])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        w = Writer(out, constant_memory=True, footer=label_text("label_regional_rollup"))
        cover = w.book.add_worksheet(SHEETS["cover"])
        result = RolledUp(out, departments, region.count("organisations"), {}, {})
        result.titles = {
            code: Text(info["title"]["kk"], info["title"]["ru"]) for code, info in returns.items()
        }
        _completeness(w, region)
        steps.advance()
        _indicators(w, region)
        steps.advance()
        _risk_map(w, region)
        steps.advance()
        for code, info in returns.items():
            _return_sheets(w, region, code, info, out, result)
            steps.advance()
        _cover(w, cover, result, now)
        w.book.set_properties({"title": label_text("label_regional_rollup")})
        w.close()
    except RegionDataError as exc:  # a Parquet file of other types or columns than an export's
        raise ConfigError.of(
            "rollup_data_broken",
            where=", ".join(str(d.folder) for d in departments),
            detail=exc.detail,
        ) from None
    finally:
        region.close()
    steps.advance(steps.total)
    return result


def _returns(departments: list[Department]) -> dict[str, dict]:
    """Every return some department exported, in the plan's order, with its column labels
    (the newest department's, should two differ)."""
    returns: dict[str, dict] = {}
    for d in sorted(departments, key=lambda d: d.exported_at):
        returns.update(d.manifest["returns"])
    return dict(sorted(returns.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]))


def _completeness(w: Writer, region: Region) -> None:
    """Per department and organisation type: received, on time, late, refused, not sent."""
    headers = [
        label_text("label_department"),
        label_text("label_org_type"),
        label_text("label_org_count"),
        label_text("label_returns_due"),
        label_text("label_accepted"),
        label_text("label_of_them_on_time"),
        label_text("label_s_opozdaniem"),
        label_text("label_otkloneno"),
        label_text("label_ne_sdano"),
        label_text("label_completeness"),
        label_text("label_svoevremennost"),
    ]
    total = (label_text("label_in_region"), "", *region.region_totals())
    table = [
        [*row, _share(row[4], row[3]), _share(row[5], row[3])]
        for row in [*region.completeness(), total]
    ]
    kinds = ["wrap", "wrap"] + ["num"] * 7 + ["pct", "pct"]
    sheet = w.table(SHEETS["complete"], headers, table, [40, 30] + [13] * 7 + [12, 14], kinds)
    sheet.conditional_format(1, 9, len(table), 10, {"type": "data_bar", "bar_color": "#9BC2E6"})


def _rounded(median: float | None) -> float | None:
    """Rounded as a department's own workbook rounds its district median (pandas, to even
    on the binary value): the same median reads the same in both."""
    return None if median is None else float(np.round(median, 2))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _indicators(w: Writer, region: Region) -> None:
    """Each organisation's value of each indicator beside its department's median and the
    region's (medians of the values with a level, as in a department's workbook)."""
    headers = [
        label_text("label_department"),
        L.BIN_LABEL.both,
        L.ORG_LABEL.both,
        label_text("label_org_type"),
        label_text("label_area"),
        label_text("label_indicator"),
        label_text("label_numerator"),
        label_text("label_denominator"),
        label_text("label_value"),
        label_text("label_unit"),
        label_text("label_median_in_department"),
        label_text("label_median_in_region"),
        label_text("label_level"),
    ]
    levels = {code: text.both for code, text in LEVEL_TEXT.items()}
    table = (
        [*r[:10], _rounded(r[10]), _rounded(r[11]), levels.get(r[12], "")]
        for r in region.indicators()
    )
    kinds = ["wrap"] * 4 + ["str", "wrap"] + ["num"] * 3 + ["wrap"] + ["num"] * 2 + ["wrap"]
    widths = [30, 14, 30, 20, 12, 50, 11, 13, 10, 14, 14, 14, 16]
    sheet = w.table(SHEETS["ind"], headers, table, widths, kinds)
    w.colour_by_code(sheet, 1, 12, region.count("indicators"), 12, LEVEL_TEXT, LEVEL_COLOUR)


def _risk_map(w: Writer, region: Region) -> None:
    """Every organisation of the region by its overall risk score, highest first."""
    headers = [label_text("label_department"), L.BIN_LABEL.both, L.ORG_LABEL.both, label_text("label_org_type"), *AREAS,
               label_text("label_overall_risk")]  # fmt: skip
    kinds = ["wrap", "str", "wrap", "wrap"] + ["num"] * 6
    widths = [30, 14, 34, 22] + [10] * 5 + [14]
    sheet = w.table(SHEETS["map"], headers, region.risk_map(AREAS), widths, kinds)
    scale = {
        "type": "3_color_scale",
        "min_type": "num", "min_value": 0, "mid_type": "num", "mid_value": 50,
        "max_type": "num", "max_value": 100,
        "min_color": "#63BE7B", "mid_color": "#FFEB84", "max_color": "#F8696B",
    }  # fmt: skip
    sheet.conditional_format(1, 4, max(region.count("scores"), 1), 9, scale)


def _return_sheets(
    w: Writer, region: Region, code: str, info: dict, out: Path, result: RolledUp
) -> None:
    """A return's rows on its sheet, on numbered sheets past one sheet's rows, or in a
    Parquet file beside the workbook past `MAX_PARTS` sheets."""
    view = region.open_return(code)
    if view is None:
        return
    total = region.count(view)
    result.rows[code] = total
    keys = [c["key"] for c in info["columns"]]
    parts = max(1, -(-total // ROW_LIMIT))
    if parts > MAX_PARTS:
        target = out.with_name(f"{out.stem}-{code}.parquet")
        region.return_to_parquet(view, keys, target)
        result.left_in_parquet[code] = target
        result.sheets[code] = []
        return
    headers = [label_text("label_department"), L.BIN_LABEL.both, L.ORG_LABEL.both,
               *[f"{c['kk']} / {c['ru']}" for c in info["columns"]],
               label_text("label_file"), label_text("label_row")]  # fmt: skip
    kinds = ["wrap", "str", "wrap"] + [_kind(c["type"]) for c in info["columns"]] + ["wrap", "num"]
    widths = [30, 14, 30] + [18] * len(keys) + [24, 8]
    rows = _for_sheet(region.return_rows(view, keys))
    names = []
    for part in range(1, parts + 1):
        name = code if part == 1 else f"{code} ({part})"
        names.append(name)
        sheet = w.table(name, headers, _take(rows, ROW_LIMIT), widths, kinds)
        sheet.set_tab_color("#5B9BD5")
    result.sheets[code] = names


def _kind(column_type: str) -> str:
    return {"integer": "num", "decimal": "num", "date": "date"}.get(column_type, "wrap")


def _for_sheet(rows):
    """Dates as the pandas timestamps the writer expects."""
    for row in rows:
        yield [pd.Timestamp(v) if isinstance(v, dt.datetime | dt.date) else v for v in row]


def _take(rows, limit: int):
    for n, row in enumerate(rows, start=1):
        yield row
        if n >= limit:
            return


def _cover(w: Writer, sheet, result: RolledUp, now: dt.datetime) -> None:
    """What the region's workbook holds: its departments, and where each return's rows are,
    saying so when they take several sheets or stay in Parquet."""
    widths = [44, 22, 18, 50]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    w.page(sheet, sum(widths))
    sheet.write_string(0, 0, label_text("label_regional_rollup"), w.title)
    sheet.write_string(
        1,
        0,
        f"{label_text('label_made')}: {now:%d.%m.%Y %H:%M}; "
        f"{counted(len(result.departments), DEPARTMENT_NOUN).both}, "
        f"{counted(result.organisations, ORGANISATION).both}",
    )
    w.heads(sheet, 3, [label_text("label_department"), label_text("label_god"), label_text("label_exported_on"),
                       label_text("label_papka")], widths)  # fmt: skip
    r = 4
    for d in result.departments:
        when = dt.datetime.fromisoformat(d.exported_at)
        year = str(d.manifest.get("year", ""))
        texts = [d.name.both, year, f"{when:%d.%m.%Y %H:%M}", str(d.folder)]
        for col, text in enumerate(texts):
            sheet.write_string(r, col, text, w.wrap)
        sheet.set_row(r, textfit.row_height([(t, widths[c], False) for c, t in enumerate(texts)]))
        r += 1
    r += 1
    w.heads(
        sheet,
        r,
        [
            label_text("label_return"),
            label_text("label_row_count"),
            "",
            label_text("label_raspolozhenie"),
        ],
        widths,
    )
    for code, rows in result.rows.items():
        r += 1
        if code in result.left_in_parquet:
            name = result.left_in_parquet[code].name
            where = render("rollup_in_parquet", name=name).text
        elif len(result.sheets.get(code, [])) > 1:
            listed = ", ".join(f"«{s}»" for s in result.sheets[code])
            parts = len(result.sheets[code])
            into = Text(
                f"{count(parts, SHEET, 'kk')}{word_ending(SHEET.kk, 'dative')}",
                count(parts, SHEET, "ru"),
            )
            where = render("rollup_split", sheets=into, listed=listed).text
        else:
            where = render("rollup_on_sheet", code=code).text
        title = result.titles.get(code)
        named = f"{code}. {title.both}" if title else code
        sheet.write_string(r, 0, named, w.wrap)
        sheet.write_number(r, 1, rows, w.num)
        sheet.write_string(r, 3, where, w.wrap)
        sheet.set_row(r, textfit.row_height([(named, widths[0], False), (where, widths[3], False)]))
    sheet.activate()
