"""A campaign folder and everything loaded from it, passed explicitly to every step."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import clock
from pipeline.core.errors import ConfigError, RefusedError
from pipeline.core.messages import render
from pipeline.core.text import Text
from pipeline.core.workdays import WorkCalendar
from pipeline.specs.campaign import (
    Campaign,
    Period,
    carried_over,
    check_specs_planned,
    load_campaign,
)
from pipeline.specs.organisations import REGISTRY_FILE, Organisation, load_registry
from pipeline.specs.plan import read_plan
from pipeline.specs.returns import (
    ReturnSpec,
    check_own_schemas,
    load_specs,
    pick,
    schemas_dir,
    use_schemas,
)

REGISTRY_SUFFIXES = (".xlsx", ".xls", ".ods", ".xlsm")


@dataclass(frozen=True)
class Paths:
    root: Path
    db: Path | str | None = field(default=None, repr=False)  # a URL may carry a password
    """The ledger elsewhere than the campaign folder: a SQLite file, or a `postgresql://` URL."""

    @property
    def campaign_dir(self) -> Path:
        return self.root / "campaign"

    @property
    def campaign_file(self) -> Path:
        return self.campaign_dir / "campaign.yaml"

    @property
    def registry_file(self) -> Path:
        return self.campaign_dir / REGISTRY_FILE

    def registries(self) -> list[Path]:
        """Every saved registry, whatever the case of its name («Organisations.ODS»)."""
        stem = Path(REGISTRY_FILE).stem
        if not self.campaign_dir.is_dir():
            return []
        found = [
            f
            for f in self.campaign_dir.iterdir()
            if f.is_file() and f.stem.lower() == stem and f.suffix.lower() in REGISTRY_SUFFIXES
        ]
        return sorted(found, key=lambda f: REGISTRY_SUFFIXES.index(f.suffix.lower()))

    def saved_registry(self) -> Path:
        """The registry as the officer saved it: Adal writes `organisations.xlsx`, but
        LibreOffice saves `.ods` and old Excel `.xls` beside it, and the officer then edits
        that one. One of them is read; two are a question only the officer can answer."""
        found = self.registries()
        if not found:
            raise ConfigError.of("registry_missing", where=str(self.registry_file))
        if len(found) > 1:
            names = ", ".join(f.name for f in found)
            raise ConfigError.of("registry_twice", where=str(self.campaign_dir), names=names)
        return found[0]

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def ledger(self) -> Path | str:
        return self.db or (self.root / "adal.sqlite")

    @property
    def local(self) -> Paths:
        """The same folder with its own SQLite ledger (the demo and the bench need no server)."""
        return self if not isinstance(self.db, str) else Paths(self.root)

    @property
    def schemas(self) -> Path:
        return schemas_dir(self.root)

    def schema_file(self, name: str) -> Path:
        """A campaign's own schema file if it has one, else the shipped one (a department may
        override only its returns, or only the indicators)."""
        return pick(self.schemas, name)


@dataclass
class Workspace:
    paths: Paths
    campaign: Campaign
    specs: dict[str, ReturnSpec]
    organisations: list[Organisation] = field(default_factory=list)

    @property
    def by_bin(self) -> dict[str, Organisation]:
        return {o.bin: o for o in self.organisations}

    @property
    def collected(self) -> dict[str, ReturnSpec]:
        """The returns of the analysis itself (1.1–2.5), without the monitoring reports."""
        return {c: s for c, s in self.specs.items() if s.stage == "collection"}

    @property
    def areas(self) -> dict[str, Text]:
        """The plan's areas (2.1 «Персоналды басқару» …) as the checklist's spec names them."""
        return {a: t for s in self.specs.values() for a, t in s.areas.items()}

    def period(self, code: str, org_type: str) -> Period | None:
        """The reporting period a return is checked against; monitoring: a year from signing."""
        if self.specs[code].stage == "monitoring":
            plan = read_plan(self.paths.outbox)
            return plan.monitoring_period if plan else None
        return self.campaign.period(code, org_type)


def with_organisations(paths: Paths, *, sending: bool = False) -> Workspace:
    """The workspace of a step that needs organisations: a fresh `init` has none yet.
    `sending`: templates or letters go out, which the sample plan must never do."""
    workspace = open_workspace(paths)
    if sending and workspace.campaign.sample:
        raise RefusedError.of("campaign_is_sample", where=str(paths.campaign_file))
    if not workspace.organisations:
        raise ConfigError.of("registry_no_organisations", where=str(paths.registry_file))
    return workspace


def is_campaign(folder: Path) -> bool:
    return (folder / "campaign" / "campaign.yaml").is_file()


def find_campaign(start: Path) -> Path | None:
    """The campaign folder holding `start`, as git finds its repository: a command run in
    `inbox/`, in `campaign/` or deeper works on the campaign above it."""
    for folder in (start, *start.parents):
        if is_campaign(folder):
            return folder
    return None


def campaigns_below(start: Path) -> list[Path]:
    """Campaigns one folder down (the officer started a terminal in Documents)."""
    try:
        return sorted(f for f in start.iterdir() if f.is_dir() and is_campaign(f))
    except OSError:
        return []


def _not_found(root: Path) -> ConfigError:
    below = campaigns_below(root)
    hint = render("campaign_below", folder=below[0]) if below else None
    return ConfigError.of(
        "campaign_not_found",
        where=str(root),
        below_kk=hint.kk if hint else "",
        below_ru=hint.ru if hint else "",
    )


def _no_stray_specs(paths: Paths) -> None:
    """A spec saved beside campaign.yaml («campaign/indicators.yaml») was silently not used:
    Adal reads only the plan there; a department's own specs go in `schemas/`."""
    for entry in sorted(paths.campaign_dir.iterdir()):
        if entry.suffix.lower() in (".yaml", ".yml") and entry.name != "campaign.yaml":
            raise ConfigError.of(
                "campaign_file_unknown", where=str(entry), schemas=str(paths.schemas)
            )


def open_workspace(paths: Paths, *, with_registry: bool = True) -> Workspace:
    """Load campaign, specs and registry, checking that they agree with each other."""
    if not paths.campaign_file.is_file():
        raise _not_found(paths.root)
    campaign = load_campaign(paths.campaign_file)
    clock.use_zone(campaign.time_zone)  # every time that decides on-time or late: its zone
    check_own_schemas(paths.schemas)
    _no_stray_specs(paths)
    use_schemas(paths.schemas)
    specs = load_specs(paths.schemas)
    check_specs_planned(
        campaign, [c for c, s in specs.items() if s.stage == "collection"], str(paths.campaign_file)
    )
    organisations: list[Organisation] = []
    if with_registry:
        organisations = load_registry(paths.saved_registry(), campaign.org_types)
    return Workspace(paths, campaign, specs, organisations)


def carry_over(previous: Paths, paths: Paths) -> list[Path]:
    """Start next year's campaign at `paths` from last year's at `previous`: its
    campaign.yaml a year on (`campaign.carried_over`), its registry and its own schemas/
    copied as they are (organisations that closed or opened are the officer's edit).
    Nothing already in the new folder is replaced. Returns what was written."""
    if not previous.campaign_file.is_file():
        raise RefusedError.of("init_from_not_campaign", folder=str(previous.root))
    written: list[Path] = []
    paths.campaign_dir.mkdir(parents=True, exist_ok=True)
    if not paths.campaign_file.exists():
        old = load_campaign(previous.campaign_file)
        calendar = WorkCalendar(old.extra_days_off, old.extra_working_days)
        text = previous.campaign_file.read_text(encoding="utf-8")
        try:  # relative, so both years' folders can move together
            where = Path(os.path.relpath(previous.root, paths.root)).as_posix()
        except ValueError:  # another drive, on Windows
            where = str(previous.root)
        paths.campaign_file.write_text(carried_over(text, calendar, where), encoding="utf-8")
        written.append(paths.campaign_file)
    if not paths.registries():
        for registry in previous.registries():
            target = paths.campaign_dir / registry.name
            shutil.copy2(registry, target)
            written.append(target)
    if previous.schemas.is_dir() and not paths.schemas.exists():
        shutil.copytree(previous.schemas, paths.schemas)
        written.append(paths.schemas)
    return written
