"""The fictional districts the demo and the bench are made of (devtools), checked without
running them: the fast loop covers this stage too."""

from __future__ import annotations

import random

from pipeline.core.ids import is_valid_id
from pipeline.devtools.benchdata import make_orgs
from pipeline.devtools.demo_data import make_district
from pipeline.specs.returns import ORG_TYPES


def test_the_demo_district_is_a_real_looking_registry():
    orgs = make_district(random.Random(2023))
    assert len({o.bin for o in orgs}) == len(orgs) >= 20
    assert all(is_valid_id(o.bin) for o in orgs)
    assert {o.type for o in orgs} == set(ORG_TYPES)  # every kind of organisation
    assert all(o.name.kk and o.name.ru and o.name.kk != o.name.ru for o in orgs)
    assert make_district(random.Random(2023)) == orgs  # the same seed, the same district


def test_the_bench_organisations_are_many_distinct_and_valid():
    orgs = make_orgs(300, seed=7)
    assert len({o.bin for o in orgs}) == 300 and all(is_valid_id(o.bin) for o in orgs)
    assert {o.type for o in orgs} == set(ORG_TYPES)
