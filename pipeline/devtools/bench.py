"""`adal bench`: ingest and consolidation measured against a naive baseline and a floor.

All stages run on the same generated files, each in its own process (peak memory is its
own). The naive baseline is slow by design, so it runs on a sample of the files and is
scaled to the whole set; the table says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipeline.devtools.benchdata import generate
from pipeline.devtools.own_folder import MARKER, claim


def _stage(name: str, root: Path, *args: object, echo=None) -> dict:
    if echo:
        echo(f"  {name} {' '.join(map(str, args))} …")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.devtools.benchstage", name, str(root), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench stage {name} failed:\n{result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if echo:
        echo(f"    {data}")
    return data


REGION = 20  # departments a regional roll-up is measured on


def _on_server(root: Path, jobs: int, echo) -> dict | None:
    """Ingest again, into a throwaway PostgreSQL server's ledger (none installed: skipped)."""
    from pipeline.devtools.pgserver import Server

    try:
        server = Server()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        echo(f"  PostgreSQL: not measured ({exc})")
        return None
    try:
        _reset_ledger(root)
        _fill_inbox(root)
        return _stage("ingest", root, jobs, server.new_database(), echo=echo)
    finally:
        server.stop()


def _server_line(server: dict | None, counts: dict, rows: int) -> str:
    if server is None:
        return "| adal ingest, PostgreSQL ledger | | | | | no server installed: not measured |"
    return (
        f"| adal ingest, PostgreSQL ledger | {server['seconds']:.2f} | "
        f"{counts['files'] / server['seconds']:.0f} | {rows / server['seconds']:.0f} | "
        f"{server['peak_mb']} | {server['statuses']}; a local server on a unix socket |"
    )


def _fill_inbox(root: Path) -> None:
    inbox = root / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir()
    for path in (root / "bench-files").iterdir():
        os.link(path, inbox / path.name)


def _reset_ledger(root: Path) -> None:
    for name in ("adal.sqlite", "adal.sqlite-wal", "adal.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / "archive", ignore_errors=True)
    shutil.rmtree(root / "outbox" / "feedback", ignore_errors=True)


def prepare(folder: Path, orgs: int, seed: int, jobs: int) -> tuple[Path, dict]:
    root = folder / f"campaign-{orgs}-{seed}"
    meta = root / "bench.json"
    if meta.exists():
        return root, json.loads(meta.read_text())
    claim(root, "bench")
    for child in root.iterdir():  # a generation that was cut short: ours, made again
        if child.name != MARKER:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    counts = generate(root, orgs, seed, jobs)
    (root / "inbox").rename(root / "bench-files")
    meta.write_text(json.dumps(counts))
    return root, counts


def _startup(root: Path, echo) -> dict[str, float]:
    """How long a command takes to answer, each in a fresh process, the median of five:
    `adal --help`; `adal status` on the demo district (the target: what an officer's
    district looks like), made once beside the bench's campaign; and on the bench's
    campaign of thousands of organisations, its ledger full (shown, no target)."""
    command = [sys.executable, "-c", "from pipeline.cli import main; main()"]
    demo = root.parent / "demo-district"
    if not (demo / "adal.sqlite").exists():
        echo(f"  the demo district for `status` → {demo}")
        subprocess.run([*command, "--root", str(demo), "demo"], capture_output=True, check=True,
                       timeout=900)  # fmt: skip
    out = {}
    for name, args in (
        ("help", ["--help"]),
        ("status_demo", ["--root", str(demo), "status"]),
        ("status", ["--root", str(root), "status"]),
    ):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([*command, *args], capture_output=True, check=True, timeout=120)
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
        echo(f"  {name}: {out[name]:.2f} s")
    return out


def _target(name: str, value: float, op: str, target: float) -> str:
    met = {"<": value < target, "<=": value <= target, ">=": value >= target}[op]
    shown = {"<": "<", "<=": "≤", ">=": "≥"}[op]
    return f"| {name} | {value:.2f} | {shown} {target:g} | {'✓' if met else '✗'} |"


def run_bench(
    folder: Path,
    orgs: int = 2000,
    seed: int = 7,
    jobs: int | None = None,
    baseline_sample: int = 200,
    echo=print,
) -> str:
    jobs = jobs or os.cpu_count() or 1
    root, counts = prepare(folder, orgs, seed, jobs)
    (root / "outbox" / "bench").mkdir(parents=True, exist_ok=True)
    echo(
        f"campaign: {counts['files']} files, {counts['rows']} rows ({counts['broken']} with mistakes) in {root}"
    )
    floor1 = _stage("floor", root, 1, echo=echo)
    floorn = _stage("floor", root, jobs, echo=echo)
    sample = min(baseline_sample, counts["files"])
    base = _stage("baseline", root, 1, sample, echo=echo)
    base_total = base["seconds"] * counts["files"] / sample
    _reset_ledger(root)
    _fill_inbox(root)
    adal = _stage("ingest", root, jobs, echo=echo)
    _fill_inbox(root)
    again = _stage("ingest", root, jobs, echo=echo)
    cons = _stage("consolidate", root, echo=echo)
    wfloor = _stage("write-floor", root, echo=echo)
    _stage("export", root, echo=echo)
    departments = max(1, min(REGION, orgs // 10))  # districts of at least 10 organisations
    region = _stage("rollup", root, departments, echo=echo)
    startup = _startup(root, echo)
    server = _on_server(root, jobs, echo)  # last: it empties the SQLite ledger first
    rows = counts["rows"]
    lines = [
        f"# adal bench — {dt.datetime.now():%Y-%m-%d %H:%M}, {counts['files']} workbooks, {rows} rows, "
        f"{os.cpu_count()} cores, jobs={jobs}",
        "",
        "| measure | seconds | files/s | rows/s | peak MB | note |",
        "|---|---:|---:|---:|---:|---|",
        f"| floor: unzip + regex scan (1 process) | {floor1['seconds']:.2f} | {counts['files'] / floor1['seconds']:.0f} | "
        f"{rows / floor1['seconds']:.0f} | {floor1['peak_mb']} | {floor1['values']} values |",
        f"| floor: unzip + regex scan ({jobs} processes) | {floorn['seconds']:.2f} | "
        f"{counts['files'] / floorn['seconds']:.0f} | {rows / floorn['seconds']:.0f} | {floorn['peak_mb']} | |",
        f"| naive: read_excel(openpyxl) + pandera per sheet | {base_total:.1f} | {counts['files'] / base_total:.1f} | "
        f"{rows / base_total:.0f} | {base['peak_mb']} | measured on {sample} files ({base['seconds']:.1f} s), scaled |",
        f"| adal ingest | {adal['seconds']:.2f} | {counts['files'] / adal['seconds']:.0f} | {rows / adal['seconds']:.0f} | "
        f"{adal['peak_mb']} | {adal['statuses']} |",
        f"| adal re-ingest, unchanged inbox | {again['seconds']:.2f} | {counts['files'] / again['seconds']:.0f} | | "
        f"{again['peak_mb']} | {again['statuses']} |",
        f"| adal consolidate | {cons['seconds']:.2f} | | {rows / cons['seconds']:.0f} | {cons['peak_mb']} | "
        f"{cons['cells']} cells |",
        f"| floor: the same workbook's cells and row heights, xlsxwriter alone | {wfloor['seconds']:.2f} | | | {wfloor['peak_mb']} | {wfloor['cells']} cells, constant_memory |",
        _server_line(server, counts, rows),
        f"| adal rollup: {departments} departments × {region['organisations'] // departments} "
        "organisations | "
        f"{region['seconds']:.2f} | | {region['rows'] / region['seconds']:.0f} | {region['peak_mb']} | "
        f"{region['rows']} rows, {region['bytes'] // 1_000_000} MB workbook |",
        "",
        "| ratio or time | value | target | met |",
        "|---|---:|---:|:---:|",
        _target("baseline/adal", base_total / adal["seconds"], ">=", 40),
        _target("ingest/floor", adal["seconds"] / floorn["seconds"], "<=", 3),
        _target("consolidate/floor", cons["seconds"] / wfloor["seconds"], "<=", 1.3),
        _target("re-ingest, s", again["seconds"], "<", 2),
        _target("adal --help, s (median of 5)", startup["help"], "<", 0.3),
        _target(
            "adal status on the demo district, s (median of 5)", startup["status_demo"], "<", 0.5
        ),  # fmt: skip
        f"| adal status on this campaign, s (median of 5) | {startup['status']:.2f} | | |",
    ]
    table = "\n".join(lines) + "\n"
    out = folder / f"bench-{counts['files']}-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text(table, encoding="utf-8")
    echo(table)
    echo(f"→ {out}")
    return table
