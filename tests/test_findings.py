"""Indicators and findings say only what the data show."""

import pandas as pd

from pipeline.documents.findings import find
from pipeline.specs.returns import shipped_schemas
from pipeline.workbooks.indicators import compute, load_indicators


def _indicators(specs, *codes):
    every = load_indicators(shipped_schemas() / "indicators.yaml", specs)
    return [i for i in every if i.code in codes]


def _appeals(rows_by_bin: dict[str, list[dict]]) -> pd.DataFrame:
    rows = [{"bin": b, **row} for b, rows in rows_by_bin.items() for row in rows]
    return pd.DataFrame(rows, columns=["bin", "topic", "substantiated"])


def test_one_appeal_out_of_one_is_not_a_high_share(specs, orgs):
    """1 of 1 gave 100 % and «высокий»; 1 of 2 gave 50 % and «высокий». Below the declared
    minimum base the value stays, the level is «недостаточно данных для оценки»."""
    [share] = _indicators(specs, "I15_substantiated")
    assert share.min_base == 5
    frame = _appeals(
        {
            orgs[0].bin: [{"topic": "food", "substantiated": "yes"}],
            orgs[1].bin: [{"topic": "food", "substantiated": "yes"}] * 3
            + [{"topic": "food", "substantiated": "no"}] * 3,
        }
    )
    available = {(o.bin, "1.5") for o in orgs[:2]}
    table = compute([share], orgs, {"1.5": frame}, specs, available).set_index("bin")
    assert table.loc[orgs[0].bin, "value"] == 100.0
    assert table.loc[orgs[0].bin, "level"] == "insufficient"
    assert pd.isna(table.loc[orgs[0].bin, "points"])
    assert table.loc[orgs[1].bin, "level"] == "high"  # 3 of 6: enough to judge


def test_enrolment_and_hiring_appeals_are_not_counted_as_corruption(specs, orgs):
    """Enrolment and hiring questions once made 17 organisations «receive appeals mostly
    about extortion and bribery». choices.yaml declares which topics are corruption."""
    [topics] = _indicators(specs, "I15_corrupt_topics")
    frame = _appeals(
        {
            orgs[0].bin: [{"topic": "enrolment", "substantiated": "no"}] * 4
            + [{"topic": "hiring", "substantiated": "no"}] * 4,
            orgs[1].bin: [{"topic": "bribery", "substantiated": "no"}] * 2
            + [{"topic": "conflict", "substantiated": "no"}] * 2
            + [{"topic": "food", "substantiated": "no"}] * 4,
        }
    )
    available = {(o.bin, "1.5") for o in orgs[:2]}
    table = compute([topics], orgs, {"1.5": frame}, specs, available).set_index("bin")
    assert table.loc[orgs[0].bin, "value"] == 0.0
    assert table.loc[orgs[1].bin, "value"] == 50.0
    assert "прием" not in topics.title.ru.lower() and "приём" not in topics.title.ru.lower()


def test_a_finding_names_each_level_apart(workspace, specs, orgs):
    """«В 3 организациях высокий уровень…» over a table of one high and two medium."""
    [late] = _indicators(specs, "I14_late")
    table = pd.DataFrame(
        {
            "bin": [o.bin for o in orgs],
            "indicator": "I14_late",
            "value": [9.8, 4.0, 3.0],
            "level": ["high", "medium", "medium"],
            "district_median": 4.0,
        }
    )
    [finding] = find(workspace, table, [late])
    ru, kk = finding.text.ru, finding.text.kk
    assert (
        f"уровень риска высокий — в 1 организации ({orgs[0].name.ru}); средний — в 2 "
        f"организациях ({orgs[1].name.ru}, {orgs[2].name.ru})" in ru
    )
    assert (
        "Наибольшее значение — 9,8 %; медиана по району — 4 % (по 3 организациям с данными)." in ru
    )
    assert f"тәуекел деңгейі жоғары — 1 ұйымда ({orgs[0].name.kk}); орташа — 2 ұйымда" in kk
    assert "аудандық медиана — 4 % (деректері бар 3 ұйым бойынша)" in kk


def test_a_corruption_offence_reported_twice_is_scored_once(specs, orgs):
    """The same dismissal was scored as a 1.2 corruption ground and as 1.3 liability."""
    both = _indicators(specs, "I12_corruption", "I13_liable")
    frames = {
        "1.2": pd.DataFrame(
            [
                {"bin": orgs[0].bin, "full_name": "Ахметов  Ерлан", "ground": "corruption"},
                {"bin": orgs[0].bin, "full_name": "Сейтов Нұрлан", "ground": "corruption"},
                {"bin": orgs[1].bin, "full_name": "Ахметов Ерлан", "ground": "corruption"},
            ]
        ),
        "1.3": pd.DataFrame(
            [
                {
                    "bin": orgs[0].bin,
                    "full_name": "ахметов ерлан",
                    "liability": "criminal",
                    "article": "366 ч. 1",
                }
            ]
        ),
    }
    available = {(o.bin, code) for o in orgs[:2] for code in ("1.2", "1.3")}
    table = compute(both, orgs, frames, specs, available).set_index(["indicator", "bin"])
    assert table.loc[("I12_corruption", orgs[0].bin), "value"] == 1.0  # Сейтов only
    assert table.loc[("I12_corruption", orgs[1].bin), "value"] == 1.0  # another school
    assert table.loc[("I13_liable", orgs[0].bin), "value"] == 1.0
