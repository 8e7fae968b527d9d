"""`adal init --from EXPORT`: next year's campaign begun from last year's export.

A department that keeps only its `adal export --parquet` folder (its campaign folder lost
with an old PC, or its ledger on a server it no longer reaches) still starts the new year
from it: the registry from the export's organisations (addresses, heads and e-mails are not
exported: the officer fills them in), the plan the shipped sample's, a year after the
export's and under the department's own name, `previous:` pointing at the export, and the
sample marker set, as `init --from` a campaign folder sets it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from pipeline.core.errors import ConfigError, RefusedError
from pipeline.core.text import Text
from pipeline.core.workdays import WorkCalendar
from pipeline.ledger.regional import MANIFEST, Region, RegionDataError
from pipeline.specs.campaign import carried_over, load_campaign, mark_as_sample, unmark_sample
from pipeline.specs.organisations import Organisation
from pipeline.specs.returns import ORG_TYPES, shipped_schemas
from pipeline.specs.workspace import Paths
from pipeline.workbooks.previous_checks import check_manifest, check_organisations
from pipeline.workbooks.registry import write_registry

SAMPLE_YEAR = 2023


def is_export(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def start_from_export(export: Path, paths: Paths) -> list[Path]:
    """Write next year's campaign.yaml and registry at `paths` from the export at `export`
    (checked as the roll-up checks one); nothing already there is replaced."""
    from pipeline.workbooks.rollup import read_exports

    if export.resolve() == paths.root.resolve():
        raise RefusedError.of("init_from_itself", folder=str(export))
    try:
        department = read_exports([export])[0]
    except ConfigError:
        raise ConfigError.of("previous_export_broken", where=str(export)) from None
    manifest = department.manifest
    year = check_manifest(export, manifest)[0] + 1
    organisations = _organisations(export)  # checked before anything is written
    written: list[Path] = []
    paths.campaign_dir.mkdir(parents=True, exist_ok=True)
    if not paths.campaign_file.exists():
        text = _plan_for(year, department.name, _relative(export, paths.root))
        paths.campaign_file.write_text(text, encoding="utf-8")
        written.append(paths.campaign_file)
    if not paths.registries():
        campaign = load_campaign(paths.campaign_file)
        write_registry(paths.registry_file, organisations, campaign.org_types)
        written.append(paths.registry_file)
    return written


def _plan_for(year: int, subject: Text, previous: str) -> str:
    """The shipped sample plan moved on to `year` as `carried_over` moves a plan (dates a
    year on, deadlines onto working days), under the department's name."""
    text = (shipped_schemas() / f"campaign-{SAMPLE_YEAR}.yaml").read_text(encoding="utf-8")
    for _ in range(max(year - SAMPLE_YEAR - 1, 0)):  # the last step below sets `previous:`
        text = unmark_sample(carried_over(text, WorkCalendar()))
    text = re.sub(
        r"^subject:\n  kk: .*\n  ru: .*\n",
        f"subject:\n  kk: {json.dumps(subject.kk, ensure_ascii=False)}\n"
        f"  ru: {json.dumps(subject.ru, ensure_ascii=False)}\n",
        text,
        count=1,
        flags=re.M,
    )
    if year > SAMPLE_YEAR:
        return carried_over(text, WorkCalendar(), previous)
    return mark_as_sample(text + f"previous: {json.dumps(previous)}\n")


def _relative(folder: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(folder.resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive, on Windows
        return str(folder.resolve())


def _organisations(export: Path) -> list[Organisation]:
    region = Region([export])
    try:
        frame = region.table("organisations")
        check_organisations(export, frame)
        rows = frame.to_dict("records")
    except RegionDataError as exc:
        raise ConfigError.of("previous_unreadable", where=str(export), detail=exc.detail) from None
    finally:
        region.close()

    def count(value) -> int:
        return 0 if value is None or value != value else int(value)

    unknown = [str(r["org_type"]) for r in rows if str(r["org_type"]) not in ORG_TYPES]
    if unknown:
        raise ConfigError.of(
            "init_from_bad_type", where=str(export / "organisations.parquet"), n=len(unknown),
            types=", ".join(sorted(set(unknown))[:5]),
        )  # fmt: skip
    return [
        Organisation(
            str(r["bin"]),
            Text(str(r["organisation_kk"] or r["bin"]), str(r["organisation"] or r["bin"])),
            str(r["org_type"]),
            staff=count(r["staff"]),
            pupils=count(r["pupils"]),
        )
        for r in rows
    ]
