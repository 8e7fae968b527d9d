"""Shared fixtures: a small real campaign folder (three organisations, one per type).

Helpers that tests call (filling a template, valid rows) live in `tests/helpers.py`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings

from pipeline.core.text import Text
from pipeline.devtools import pgserver as pg
from pipeline.specs.campaign import load_campaign
from pipeline.specs.organisations import Organisation
from pipeline.specs.returns import load_specs, shipped_schemas
from pipeline.specs.workspace import Paths, Workspace, open_workspace
from pipeline.workbooks.registry import write_registry
from tests.helpers import make_bin

# Property tests draw the same examples on every run (tests are deterministic; CI never
# turns red by chance). `HYPOTHESIS_PROFILE=explore make test` draws new ones: that is how
# the round trip found «0-0» read as an article with no number.
settings.register_profile("adal", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "adal"))


@pytest.fixture(scope="session")
def specs():
    return load_specs(shipped_schemas())


@pytest.fixture(scope="session")
def campaign():
    return load_campaign(shipped_schemas() / "campaign-2023.yaml")


@pytest.fixture
def orgs() -> list[Organisation]:
    return [
        Organisation(
            make_bin(1),
            Text("№1 мектеп", "Школа №1"),
            "general_secondary",
            email="s1@x.example",
            staff=40,
            pupils=500,
        ),
        Organisation(
            make_bin(2),
            Text("«Балапан» бөбекжайы", "Ясли-сад «Балапан»"),
            "preschool",
            email="b@x.example",
            staff=20,
            pupils=120,
        ),
        Organisation(
            make_bin(3),
            Text("Балалар шығармашылығы үйі", "Дом детского творчества"),
            "additional",
            email="d@x.example",
            staff=15,
            pupils=300,
        ),
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_ledgers` run once on a SQLite file and once on a PostgreSQL server."""
    marked = metafunc.definition.get_closest_marker
    if (
        "ledger_backend" in metafunc.fixturenames
        and marked("both_ledgers")
        and not marked("sqlite_only")
    ):
        metafunc.parametrize(
            "ledger_backend",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)],  # a server: slow
            indirect=True,
        )


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL cluster of the session's own (initdb, a unix socket, no network)."""
    try:
        server = pg.Server()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        if os.environ.get("ADAL_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here and could not start: {exc}")
        pytest.skip(f"no PostgreSQL server to test against: {exc}")
    yield server
    server.stop()


@pytest.fixture
def ledger_backend(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def ledger_target(request, tmp_path: Path, ledger_backend: str) -> Path | str:
    """Where a test's ledger lives: the campaign folder's SQLite file, or a fresh database."""
    if ledger_backend == "postgresql":
        return request.getfixturevalue("postgres_server").new_database()
    return tmp_path / "adal.sqlite"


@pytest.fixture
def workspace(tmp_path: Path, orgs, ledger_backend: str, request, monkeypatch) -> Workspace:
    db = None
    if ledger_backend == "postgresql":
        db = request.getfixturevalue("ledger_target")
        monkeypatch.setenv("ADAL_DB", db)  # the commands a test runs use it too
    paths = Paths(tmp_path, db)
    paths.campaign_dir.mkdir()
    shutil.copy(shipped_schemas() / "campaign-2023.yaml", paths.campaign_file)
    campaign = load_campaign(paths.campaign_file)
    write_registry(paths.registry_file, orgs, campaign.org_types)
    paths.inbox.mkdir()
    return open_workspace(paths)
