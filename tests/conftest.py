"""Shared fixtures: a small real campaign folder (three organisations, one per type).

Helpers that tests call (filling a template, valid rows) live in `tests/helpers.py`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.core.text import Text
from pipeline.specs.campaign import load_campaign
from pipeline.specs.organisations import Organisation, write_registry
from pipeline.specs.returns import load_specs, shipped_schemas
from pipeline.specs.workspace import Paths, Workspace, open_workspace
from tests.helpers import make_bin


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


@pytest.fixture
def workspace(tmp_path: Path, orgs) -> Workspace:
    paths = Paths(tmp_path)
    paths.campaign_dir.mkdir()
    shutil.copy(shipped_schemas() / "campaign-2023.yaml", paths.campaign_file)
    campaign = load_campaign(paths.campaign_file)
    write_registry(paths.registry_file, orgs, campaign.org_types)
    paths.inbox.mkdir()
    return open_workspace(paths)
