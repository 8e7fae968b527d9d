"""Synthetic campaigns for `adal bench`: many organisations' filled workbooks, written fast.

Workbooks have the template's layout (title rows, BIN, header row, identity sheet) and
realistic content from `demo_data`; a few percent carry typical mistakes. Writing uses
xlsxwriter in worker processes, so generating 2,000 workbooks takes seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import xlsxwriter

from pipeline.core.text import Text
from pipeline.devtools.demo import write_demo_campaign
from pipeline.devtools.demo_data import make_bin, person, rows_for
from pipeline.files.identity_sheet import Identity, KnownSheet, write_identity
from pipeline.files.xlsxout import SAFE_OPTIONS
from pipeline.specs import layout as L
from pipeline.specs.campaign import load_campaign
from pipeline.specs.organisations import Organisation
from pipeline.specs.returns import load_specs
from pipeline.specs.workspace import Paths
from pipeline.workbooks.registry import write_registry

SIZES = {
    "1.1": (10, 300),
    "1.2": (10, 15),
    "1.3": (10, 12),
    "1.4": (10, 60),
    "1.5": (10, 40),
    "1.6": (10, 20),
    "1.7": (10, 20),
}
TYPES = ("general_secondary",) * 6 + ("preschool",) * 3 + ("additional",)


def make_orgs(count: int, seed: int) -> list[Organisation]:
    rng = random.Random(seed)
    seen, orgs = set(), []
    while len(orgs) < count:
        bin_ = make_bin(rng)
        if bin_ in seen:
            continue
        seen.add(bin_)
        n = len(orgs) + 1
        org_type = TYPES[n % len(TYPES)]
        staff = rng.randint(10, 120)
        orgs.append(
            Organisation(
                bin_,
                Text(f"№{n} ұйым", f"Организация №{n}"),
                org_type,
                "",
                person(rng),
                f"org{n}@bench.example",
                staff,
                staff * 10,
            )
        )
    return orgs


def _rows(code: str, org: Organisation, campaign, rng: random.Random, labels) -> list[dict]:
    """Realistic rows in realistic numbers: SIZES bounds how many a sheet gets."""
    low, high = SIZES.get(code, (0, 0))
    if code == "1.1":
        return rows_for(
            code,
            replace(org, staff=rng.randint(low, high)),
            campaign,
            rng,
            rng.random() ** 2,
            labels,
        )
    rows = rows_for(code, org, campaign, rng, rng.random() ** 2, labels)
    if code not in SIZES:
        return rows
    wanted = rng.randint(low, high)
    for _ in range(50):
        if len(rows) >= wanted:
            break
        rows += rows_for(code, org, campaign, rng, 1.0, labels)
    rows = rows[:wanted]
    for i, row in enumerate(rows):  # keep unique keys unique across the repeats
        for key in ("reg_no", "order_no", "title", "full_name"):
            if key in row and row[key] and code != "1.1":
                row[key] = f"{row[key]}-{i}"
    if code == "1.4":
        unique = {(r["service"], r["month"]): r for r in rows}
        rows = list(unique.values())
    return rows


def _write(job: tuple) -> int:
    path, org, seed, root, broken = job
    paths = Paths(Path(root))
    campaign = load_campaign(paths.campaign_file)
    specs = load_specs(paths.schemas)
    rng = random.Random(seed)
    labels = {
        f"{s.code}:{c.key}": {ch.code: ch.label.both for ch in c.choices}
        for s in specs.values()
        for c in s.columns
        if c.choices
    }
    book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    date = book.add_format({"num_format": "dd.mm.yyyy"})
    total = 0
    chosen = [s for s in specs.values() if s.stage == "collection" and org.type in s.applies_to]
    for spec in chosen:
        sheet = book.add_worksheet(spec.sheet)
        sheet.write_string(0, 0, spec.title.kk)
        sheet.write_string(1, 0, spec.title.ru)
        sheet.write_string(L.BIN_ROW - 1, 0, L.BIN_LABEL.both)
        sheet.write_string(L.BIN_ROW - 1, 1, org.bin)
        for c, column in enumerate(spec.columns):
            sheet.write_string(L.HEADER_ROW - 1, c, column.label.join("\n"))
        rows = _rows(spec.code, org, campaign, rng, labels)
        if broken and rows and spec.code in ("1.1", "1.5"):
            key = "checked_on" if spec.code == "1.1" else "received_on"
            rows[0][key] = dt.date(2020, 1, 1)
        for r, row in enumerate(rows, start=L.FIRST_DATA_ROW - 1):
            for c, key in enumerate(spec.keys):
                value = row.get(key)
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        total += len(rows)
    sheets = {s.sheet: KnownSheet(s.code, s.version, L.HEADER_ROW) for s in chosen}
    write_identity(book, Identity(campaign.code, org.bin, org.type, sheets=sheets))
    book.close()
    stamp = dt.datetime(2023, 11, 10).timestamp()
    os.utime(path, (stamp, stamp))
    return total


def generate(
    root: Path, orgs: int, seed: int = 7, jobs: int | None = None, broken_share: float = 0.03
) -> dict:
    """Write a campaign folder with `orgs` filled workbooks in its inbox; returns counts."""
    paths = Paths(root)
    write_demo_campaign(paths)
    campaign = load_campaign(paths.campaign_file)
    organisations = make_orgs(orgs, seed)
    write_registry(paths.registry_file, organisations, campaign.org_types)
    paths.inbox.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    work = [
        (
            paths.inbox / f"{org.bin}.xlsx",
            org,
            rng.randint(0, 10**9),
            str(root),
            rng.random() < broken_share,
        )
        for org in organisations
    ]
    with ProcessPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        rows = sum(pool.map(_write, work, chunksize=16))
    return {"files": len(work), "rows": rows, "broken": sum(w[4] for w in work)}
