"""One measured stage of `adal bench`, run in its own process so peak memory is its own.

`python -m pipeline.devtools.benchstage STAGE ROOT [ARGS]` prints one JSON line:
{"seconds": …, "peak_mb": …, …}. Stages: ingest, baseline, floor, consolidate, write-floor.
"""

from __future__ import annotations

import json
import re
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

_VALUES = re.compile(rb"<v>([^<]*)</v>|<t[^>]*>([^<]*)</t>")


def _peak_mb() -> float:
    try:
        import resource  # POSIX only: on Windows the bench reports no peak
    except ImportError:
        return 0.0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def _scan(path: str) -> int:
    """The floor of reading: unzip and regex-scan every sheet's and the shared strings' values."""
    count = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                count += len(_VALUES.findall(archive.read(name)))
    return count


def floor(files: list[str], jobs: int) -> dict:
    start = time.perf_counter()
    if jobs <= 1:
        values = sum(_scan(f) for f in files)
    else:
        with ProcessPoolExecutor(jobs) as pool:
            values = sum(pool.map(_scan, files, chunksize=32))
    return {"seconds": time.perf_counter() - start, "values": values}


def ingest_stage(root: Path, jobs: int, db: str | None = None) -> dict:
    """Ingest the inbox into the campaign folder's SQLite ledger, or into a server's (`db`)."""
    from pipeline.intake.ingest import ingest
    from pipeline.intake.parallel import parallel_reader
    from pipeline.specs.workspace import Paths, open_workspace

    start = time.perf_counter()
    workspace = open_workspace(Paths(root, db))
    outcomes = ingest(workspace, reader=parallel_reader(workspace, jobs), jobs=jobs)
    seconds = time.perf_counter() - start
    statuses: dict[str, int] = {}
    for o in outcomes:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    return {
        "seconds": seconds,
        "files": len(outcomes),
        "statuses": statuses,
        "errors": sum(o.errors for o in outcomes),
    }


def baseline(root: Path, files: list[str]) -> dict:
    """The naive way: pandas + openpyxl per sheet, pandera per sheet, one process."""
    import pandas as pd

    from pipeline.intake.compile import compile_schema
    from pipeline.specs import layout as L
    from pipeline.specs.headers import header_positions, label_index
    from pipeline.specs.workspace import Paths, open_workspace

    workspace = open_workspace(Paths(root))
    orgs = workspace.by_bin
    start = time.perf_counter()
    rows = failures = 0
    for file in files:
        org = orgs[Path(file).stem]
        sheets = pd.read_excel(file, sheet_name=None, engine="openpyxl", header=L.HEADER_ROW - 1)
        for spec in workspace.collected.values():
            if spec.sheet not in sheets:
                continue
            frame = sheets[spec.sheet]
            positions = header_positions(list(frame.columns), label_index(spec.columns))
            frame = frame.rename(columns={frame.columns[i]: k for k, i in positions.items()})
            for column in spec.columns:
                if column.type == "date":
                    frame[column.key] = pd.to_datetime(
                        frame[column.key], errors="coerce", dayfirst=True
                    )
                elif column.type in ("integer", "decimal"):
                    frame[column.key] = pd.to_numeric(frame[column.key], errors="coerce").astype(
                        "Int64" if column.type == "integer" else "Float64"
                    )
                else:
                    frame[column.key] = (
                        frame[column.key].astype(object).where(frame[column.key].notna(), None)
                    )
            schema = compile_schema(spec, workspace.period(spec.code, org.type))
            try:
                schema.validate(frame, lazy=True)
            except Exception as exc:  # the naive loop only counts failures
                failures += len(getattr(exc, "failure_cases", []))
            rows += len(frame)
    return {
        "seconds": time.perf_counter() - start,
        "files": len(files),
        "rows": rows,
        "failures": failures,
    }


def consolidate_stage(root: Path) -> dict:
    from pipeline.specs.workspace import Paths, open_workspace
    from pipeline.workbooks import frames
    from pipeline.workbooks.consolidate import write_consolidated
    from pipeline.workbooks.indicators import load_indicators

    start = time.perf_counter()
    workspace = open_workspace(Paths(root))
    data = frames.load(workspace)
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    path, _ = write_consolidated(workspace, data, indicators)
    cells = sum(f.size for f in data.frames.values())
    return {
        "seconds": time.perf_counter() - start,
        "cells": int(cells),
        "bytes": path.stat().st_size,
    }


def export_stage(root: Path) -> dict:
    from pipeline.specs.workspace import Paths, open_workspace
    from pipeline.workbooks import frames
    from pipeline.workbooks.export import export_parquet
    from pipeline.workbooks.indicators import load_indicators

    start = time.perf_counter()
    workspace = open_workspace(Paths(root))
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    done = export_parquet(workspace, frames.load(workspace), indicators, root / "outbox" / "export")
    return {"seconds": time.perf_counter() - start, "files": len(done.files)}


def rollup_stage(root: Path, departments: int) -> dict:
    """The export dealt into a region's districts, then rolled up (only the roll-up timed)."""
    from pipeline.devtools.benchrollup import split_export
    from pipeline.workbooks.rollup import rollup

    folders = split_export(root / "outbox" / "export", root / "outbox" / "region", departments)
    start = time.perf_counter()
    done = rollup(folders, root / "outbox" / "bench" / "region.xlsx")
    return {
        "seconds": time.perf_counter() - start,
        "organisations": done.organisations,
        "rows": sum(done.rows.values()),
        "bytes": done.path.stat().st_size,
    }


def write_floor(root: Path) -> dict:
    """The floor of consolidation, as the issue states it: xlsxwriter alone writing the same
    cells, row heights included. The consolidated workbook the stage before wrote is read
    back (every sheet's values, every row's height) and only the writing is timed."""
    import python_calamine as pc
    import xlsxwriter

    from pipeline.specs.workspace import Paths, open_workspace
    from pipeline.workbooks.consolidate import output_path

    workspace = open_workspace(Paths(root))
    source = output_path(workspace, False)
    book_in = pc.CalamineWorkbook.from_path(str(source))
    sheets = [(n, book_in.get_sheet_by_name(n).to_python()) for n in book_in.sheet_names]
    heights = _row_heights(source)
    start = time.perf_counter()
    book = xlsxwriter.Workbook(
        str(root / "outbox" / "bench" / "floor.xlsx"), {"constant_memory": True}
    )
    cells = 0
    for index, (name, grid) in enumerate(sheets, start=1):
        sheet = book.add_worksheet(name)
        tall = heights.get(index, {})
        for r, row in enumerate(grid):
            if r in tall:
                sheet.set_row(r, tall[r])
            sheet.write_row(r, 0, [None if v == "" else v for v in row])
            cells += len(row)
    book.close()
    return {"seconds": time.perf_counter() - start, "cells": cells}


def _row_heights(path: Path) -> dict[int, dict[int, float]]:
    """Sheet number (1-based, in the workbook's order as xlsxwriter names its parts) →
    0-based row → the height it was given."""
    row = re.compile(rb'<row r="(\d+)"[^>]*? ht="([0-9.]+)"')
    out: dict[int, dict[int, float]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            found = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", name)
            if found:
                data = archive.read(name)
                out[int(found.group(1))] = {int(r) - 1: float(h) for r, h in row.findall(data)}
    return out


def main(argv: list[str]) -> None:
    stage, root = argv[0], Path(argv[1])
    jobs = int(argv[2]) if len(argv) > 2 else 1
    files = sorted(str(p) for p in (root / "bench-files").glob("*.xlsx"))
    if stage == "ingest":
        result = ingest_stage(root, jobs, argv[3] if len(argv) > 3 else None)
    elif stage == "export":
        result = export_stage(root)
    elif stage == "rollup":
        result = rollup_stage(root, jobs)
    elif stage == "baseline":
        result = baseline(root, files[: int(argv[3])] if len(argv) > 3 else files)
    elif stage == "floor":
        result = floor(files, jobs)
    elif stage == "consolidate":
        result = consolidate_stage(root)
    elif stage == "write-floor":
        result = write_floor(root)
    else:
        raise SystemExit(f"unknown stage {stage}")
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
