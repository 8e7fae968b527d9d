"""The second year (#29): next year's campaign begun from this one, and its report set beside
last year's — through the real path: the demo's 2023 campaign, its 2024 campaign begun with
`init --from`, both years ingested, the consolidated workbook's comparison sheets, the
reference's section (its numbers traced to the workbook), last year's measures and their
states, the changed-definition case, and a previous export made from a PostgreSQL ledger."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.messages import label, render, sheet_name
from pipeline.specs.plan import read_plan
from pipeline.specs.returns import shipped_schemas
from pipeline.specs.workspace import Paths, with_organisations
from pipeline.tracking.measures import STATE_TEXT
from pipeline.workbooks import frames
from pipeline.workbooks.comparison import OUTCOME_TEXT, _outcome, compare, open_previous
from pipeline.workbooks.indicators import compute, load_indicators
from tests.helpers import document_body, run_demo

SIGNED = "2024-12-09"
TODAY = "2024-12-06"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo district: its 2023 campaign in the folder, its 2024 campaign in «2024/»."""
    return run_demo(tmp_path_factory)


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _sheets(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}


def _outcomes(sheets: dict[str, list[tuple]]) -> dict[str, int]:
    """How many rows of the comparison sheets carry each outcome."""
    counts = dict.fromkeys(OUTCOME_TEXT, 0)
    shown = {t.both: code for code, t in OUTCOME_TEXT.items()}
    for name, rows in sheets.items():
        if name.endswith(sheet_name("sheet_compare")):
            for row in rows[1:]:
                counts[shown[row[8]]] += 1
    return counts


def _section(path: Path, lang: str) -> list[tuple[str, object]]:
    """The reference's comparison section: from its heading to the next section."""
    head = {"ru": "Сравнение с предыдущим анализом", "kk": "Алдыңғы талдаумен салыстыру"}[lang]
    body = document_body(path)
    start = next(i for i, (kind, text) in enumerate(body) if kind == "p" and text == head)
    end = next(
        i for i, (kind, text) in enumerate(body)
        if i > start and kind == "p" and re.match(r"^3\. ", text)
    )  # fmt: skip
    return body[start:end]


def _text(section) -> str:
    return "\n".join(text for kind, text in section if kind == "p")


COUNTS = {
    "ru": re.compile(
        r"Рисков, сохраняющихся второй год подряд: (\d+); новых рисков: (\d+); "
        r"рисков, которые больше не выявляются: (\d+)\."
    ),
    "kk": re.compile(
        r"Екі жыл қатарынан сақталған тәуекелдер саны: (\d+); жаңа тәуекелдер саны: (\d+); "
        r"енді анықталмайтын тәуекелдер саны: (\d+)\."
    ),
}


def test_the_second_year_begins_from_the_first_and_points_back_to_it(demo):
    nxt = Paths(demo / "2024")
    text = nxt.campaign_file.read_text("utf-8")
    plan = yaml.safe_load(text)
    assert plan["year"] == 2024 and plan["code"] == "kokterek-2024"
    assert plan["previous"] == ".."  # relative: both years' folders move together
    assert "sample" not in plan  # the demo's officer has checked it
    then = with_organisations(Paths(demo))
    now = with_organisations(nxt)
    closed = {o.bin for o in then.organisations} - {o.bin for o in now.organisations}
    opened = {o.bin for o in now.organisations} - {o.bin for o in then.organisations}
    assert len(closed) == 1 and len(opened) == 1


def test_the_workbook_compares_each_organisation_by_bin_in_a_sheet_per_area(demo):
    sheets = _sheets(demo / "2024" / "outbox" / "consolidated-kokterek-2024.xlsx")
    compared = [n for n in sheets if n.endswith(sheet_name("sheet_compare"))]
    assert compared == [f"{a} {sheet_name('sheet_compare')}" for a in
                        ("2.1", "2.2", "2.3", "2.4", "2.5")]  # fmt: skip
    header = sheets[compared[0]][0]
    assert header[3] == render("label_value_in_year", year=2023).join()
    assert header[4] == render("label_value_in_year", year=2024).join()
    then = with_organisations(Paths(demo))
    closed = next(o for o in then.organisations if o.name.ru == "Общеобразовательная школа №13")
    seen_closed = False
    for name in compared:
        for row in sheets[name][1:]:
            bin_, org, _, before, after, change, level_then, level_now, outcome = row
            if before is not None and after is not None and outcome in (
                OUTCOME_TEXT["persists"].both, OUTCOME_TEXT["gone"].both,
                OUTCOME_TEXT["new"].both,
            ):  # fmt: skip
                assert change == pytest.approx(after - before, abs=0.011)
            if bin_ == closed.bin:
                seen_closed = True
                assert outcome in (OUTCOME_TEXT["closed"].both, OUTCOME_TEXT["unassessed"].both)
                assert level_now == "—"
    assert seen_closed  # the closed school is listed by its BIN, not dropped


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_references_counts_are_the_workbooks_counts(demo, lang):
    outbox = demo / "2024" / "outbox"
    counts = _outcomes(_sheets(outbox / "consolidated-kokterek-2024.xlsx"))
    section = _section(outbox / "report" / f"3.1-reference-{lang}.docx", lang)
    said = COUNTS[lang].search(_text(section))
    assert said, _text(section)
    assert [int(n) for n in said.groups()] == [counts["persists"], counts["new"], counts["gone"]]
    assert counts["persists"] and counts["new"] and counts["gone"]
    # the table names as many organisations per outcome as the sheets have rows
    table = next(t for kind, t in section if kind == "t")
    named = dict.fromkeys(("persists", "new", "gone"), 0)
    for _, cell, _ in table[1:]:
        outcome = next(o for o in named if cell.startswith(OUTCOME_TEXT[o].get(lang) + ":"))
        named[outcome] += int(cell.rsplit(":", 1)[1])
    assert named == {o: counts[o] for o in named}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_reference_names_the_closed_and_the_new_organisation(demo, lang):
    section = _text(_section(demo / "2024/outbox/report" / f"3.1-reference-{lang}.docx", lang))
    school = {"ru": "Общеобразовательная школа №13", "kk": "№13 жалпы білім беретін мектеп"}
    nursery = {"ru": "Ясли-сад «Шугыла»", "kk": "«Шұғыла» бөбекжайы"}
    assert school[lang] in section and nursery[lang] in section


def test_a_school_that_sent_nothing_has_not_shed_last_years_risks(demo):
    """Дом детского творчества sends nothing in 2024: its 2023 risks are «not assessed», never
    counted as «no longer found»."""
    sheets = _sheets(demo / "2024" / "outbox" / "consolidated-kokterek-2024.xlsx")
    rows = [r for n, rs in sheets.items() if n.endswith(sheet_name("sheet_compare"))
            for r in rs[1:] if "Дом детского творчества" in r[1]]  # fmt: skip
    risky = [r for r in rows if r[6] and ("высокий" in r[6] or "средний" in r[6])]
    assert risky
    assert {r[8] for r in risky} == {OUTCOME_TEXT["not_assessed"].both}


def test_last_years_measures_their_states_and_the_overdue_ones_repeated(demo):
    nxt = Paths(demo / "2024")
    workspace = with_organisations(nxt)
    indicators = load_indicators(nxt.schema_file("indicators.yaml"), workspace.specs)
    data = frames.load(workspace)
    table = compute(indicators, workspace.organisations, data.frames, workspace.specs,
                    data.available)  # fmt: skip
    signed = dt.date.fromisoformat(SIGNED)
    previous = open_previous(demo, workspace, signed)
    comparison = compare(workspace, indicators, table, previous, signed)
    last = read_plan(demo / "outbox")
    addressed = [m for m in last.measures if not m.by_department]
    assert [m.no for m in comparison.measures] == [m.no for m in addressed]
    for m, before in zip(comparison.measures, addressed, strict=True):
        assert [b for b, *_ in m.orgs] == before.orgs
    states = {s for m in comparison.measures for _, _, s, _ in m.orgs}
    assert {"done_late", "overdue"} <= states  # reported in February; the rest never came
    # the reference says so, counted as the comparison counts
    section = _text(_section(nxt.outbox / "report" / "3.1-reference-ru.docx", "ru"))
    every = [s for m in comparison.measures for _, _, s, _ in m.orgs]
    for state in set(every):
        assert f"{STATE_TEXT[state].ru} — {every.count(state)}" in section
    # this year's plan repeats each overdue measure for the organisations still open
    plan = read_plan(nxt.outbox)
    repeats = [m for m in plan.measures if m.repeats]
    open_now = {o.bin for o in workspace.organisations}
    expected = {
        m.no: [b for b, _, s, _ in m.orgs if s == "overdue" and b in open_now]
        for m in comparison.measures
    }
    expected = {no: orgs for no, orgs in expected.items() if orgs}
    assert {m.repeats: m.orgs for m in repeats} == expected
    for m in repeats:
        assert "не исполнено в срок, повторяется" in m.text.ru
        assert "мерзімінде орындалмады, қайталанады" in m.text.kk
        assert m.deadline > signed
    numbers = ", ".join(m.no for m in repeats)
    assert f"с новыми сроками: № {numbers}." in section


def test_the_register_marks_the_positions_held_last_year(demo):
    sheets = _sheets(demo / "2024" / "outbox" / "report" / "6.1-register.xlsx")
    rows = sheets["6.1"]
    head_row = next(i for i, r in enumerate(rows) if r[0] == "№")
    head = rows[head_row]
    column = head.index(f"{label('label_in_previous_register')} (2023)")
    marks = [r[column] for r in rows[head_row + 1 :] if r[0] and str(r[0]).isdigit()]
    assert marks and set(marks) <= {label("register_was_listed"), label("register_is_new")}
    last = {p["ru"] for p in yaml.safe_load((demo / "outbox/report/register.json").read_text())}
    for r in rows[head_row + 1 :]:
        if r[0] and str(r[0]).isdigit():
            was = r[column] == label("register_was_listed")
            assert was == (r[2] in last), r[2]


def test_a_changed_definition_is_said_and_never_compared(demo, tmp_path):
    """One indicator counted otherwise this year, one dropped, one new: the workbook marks
    them, the reference names them, and no change is computed for them."""
    nxt = tmp_path / "2024"
    shutil.copytree(demo / "2024", nxt, ignore=shutil.ignore_patterns("outbox"))
    declared = yaml.safe_load((shipped_schemas() / "indicators.yaml").read_text("utf-8"))
    changed, removed = declared[0], declared[1]
    changed["scale"] = float(changed.get("scale", 1)) * 10  # counted otherwise
    added = {**declared[2], "code": "I_new_measure",
             "title": {"kk": "Жаңа көрсеткіш", "ru": "Новый показатель"}}  # fmt: skip
    declared = [changed, *declared[2:], added]
    (nxt / "schemas").mkdir(exist_ok=True)
    (nxt / "schemas" / "indicators.yaml").write_text(
        yaml.safe_dump(declared, allow_unicode=True, sort_keys=False), "utf-8"
    )
    root, previous = str(nxt), str(demo)
    _run("--root", root, "consolidate", "--today", TODAY, "--previous", previous)
    _run("--root", root, "report", "--signed", SIGNED, "--previous", previous)
    sheets = _sheets(nxt / "outbox" / "consolidated-kokterek-2024.xlsx")
    by_indicator: dict[str, set[str]] = {}
    titles = {d["code"]: f"{d['title']['kk']} / {d['title']['ru']}" for d in
              (changed, removed, added)}  # fmt: skip
    for name, rows in sheets.items():
        if name.endswith(sheet_name("sheet_compare")):
            for row in rows[1:]:
                by_indicator.setdefault(row[2], set()).add(row[8])
                if row[2] in titles.values():
                    assert row[5] is None  # no change between unlike values
    assert by_indicator[titles[changed["code"]]] == {OUTCOME_TEXT["changed"].both}
    assert by_indicator[titles[removed["code"]]] == {OUTCOME_TEXT["removed"].both}
    assert by_indicator[titles[added["code"]]] == {OUTCOME_TEXT["added"].both}
    section = _text(_section(nxt / "outbox/report/3.1-reference-ru.docx", "ru"))
    assert f"(их значения за два года не сопоставляются): «{changed['title']['ru']}»" in section
    assert f"не рассчитываются: «{removed['title']['ru']}»" in section
    assert f"(сравнения нет): «{added['title']['ru']}»" in section


def test_a_campaign_is_not_its_own_previous_year(demo):
    result = CliRunner().invoke(
        main, ["--root", str(demo / "2024"), "consolidate", "--previous", str(demo / "2024")]
    )
    assert result.exit_code != 0
    assert "папка этой же кампании" in result.output and "осы науқанның өз қалтасы" in result.output
    result = CliRunner().invoke(
        main,
        [
            "--root",
            str(demo),
            "report",
            "--signed",
            "2023-12-08",
            "--previous",
            str(demo / "2024"),
        ],  # fmt: skip
    )
    assert result.exit_code != 0 and "к 2024 году, а эта кампания — к 2023 году" in result.output


def test_init_from_an_export_starts_next_year_from_it(demo, tmp_path):
    export = tmp_path / "export-2023"
    _run("--root", str(demo), "export", "--parquet", str(export), "--today", SIGNED)
    nxt = tmp_path / "next"
    _run("--root", str(nxt), "init", "--from", str(export))
    plan = yaml.safe_load((nxt / "campaign" / "campaign.yaml").read_text("utf-8"))
    assert plan["year"] == 2024 and plan["sample"] is True
    assert plan["subject"]["ru"] == "ГУ «Отдел образования Коктерекского района»"
    assert plan["previous"] == "../export-2023"
    assert plan["returns"]["1.1"]["deadline"] == dt.date(2024, 11, 15)
    then = with_organisations(Paths(demo))
    now = with_organisations(Paths(nxt))
    assert [(o.bin, o.name, o.type, o.staff) for o in now.organisations] == [
        (o.bin, o.name, o.type, o.staff) for o in then.organisations
    ]


@pytest.mark.parametrize("definition", ["same", "scale"])
def test_outcome_rules(definition):
    """The judgement, case by case: a risk both years persists; a risk that only the
    registry's change hides is the registry's, not «gone»; no return is not «no risk»."""
    changed = None if definition == "same" else "changed"
    cases = [
        (("high", "medium", True), "persists"),
        (("low", "high", True), "new"),
        ((None, "medium", True), "new"),  # new to the registry
        (("medium", "low", True), "gone"),
        (("high", "no_cases", True), "no_cases"),
        (("high", "no_data", True), "not_assessed"),
        (("medium", "insufficient", True), "not_assessed"),
        (("high", None, False), "closed"),
        (("low", "low", True), "steady"),
        (("low", "no_cases", True), "steady"),
        (("low", "no_data", True), "unassessed"),  # not «no risk in either year»
        ((None, "low", True), "unassessed"),
        (("insufficient", "insufficient", True), "unassessed"),
    ]
    for (then, now, open_now), expected in cases:
        assert _outcome(changed, then, now, open_now) == (changed or expected)


@pytest.mark.slow
def test_a_previous_export_from_a_postgresql_ledger_gives_the_same_comparison(
    demo, tmp_path, postgres_server
):
    """2023 run again on a PostgreSQL ledger, exported; the 2024 report read against that
    export says what it says against the 2023 folder on SQLite."""
    url = postgres_server.new_database()
    pg = tmp_path / "pg-2023"
    _run("--root", str(pg), "demo", "--inbox-only")
    for step in (["ingest"], ["report", "--signed", "2023-12-08"], ["demo-monitoring"],
                 ["ingest"]):  # fmt: skip
        _run("--root", str(pg), "--db", url, *step)
    export = tmp_path / "export-pg"
    _run("--root", str(pg), "--db", url, "export", "--parquet", str(export), "--today", SIGNED)
    nxt = tmp_path / "2024"
    shutil.copytree(demo / "2024", nxt, ignore=shutil.ignore_patterns("outbox"))
    _run("--root", str(nxt), "report", "--signed", SIGNED, "--previous", str(export))
    from_pg = _section(nxt / "outbox/report/3.1-reference-ru.docx", "ru")
    from_sqlite = _section(demo / "2024/outbox/report/3.1-reference-ru.docx", "ru")
    assert from_pg == from_sqlite


def test_a_measure_on_a_redefined_indicator_is_not_judged_by_it(demo, tmp_path):
    """Red team, finding 9: the comparison sheets said «not compared» while last year's
    measure on that indicator still said «risk found again»."""
    nxt = tmp_path / "2024"
    shutil.copytree(demo / "2024", nxt, ignore=shutil.ignore_patterns("outbox"))
    declared = yaml.safe_load((shipped_schemas() / "indicators.yaml").read_text("utf-8"))
    last = read_plan(demo / "outbox")
    code = next(m.indicator for m in last.measures if not m.by_department and m.indicator)
    for d in declared:
        if d["code"] == code:
            d["scale"] = float(d.get("scale", 1)) * 10
    (nxt / "schemas").mkdir(exist_ok=True)
    (nxt / "schemas" / "indicators.yaml").write_text(
        yaml.safe_dump(declared, allow_unicode=True, sort_keys=False), "utf-8"
    )
    _run("--root", str(nxt), "consolidate", "--today", TODAY, "--previous", str(demo))
    sheets = _sheets(nxt / "outbox" / "consolidated-kokterek-2024.xlsx")
    rows = sheets[render("sheet_previous_plan", year=2023).join("-")][1:]
    on_it = {m.no for m in last.measures if code in m.indicators}
    from pipeline.workbooks.comparison import RISK_NOW

    said = {r[6] for r in rows if r[0] in on_it}
    assert said == {RISK_NOW["changed"].both}


def test_a_school_under_a_new_bin_is_pointed_out(demo, tmp_path):
    """Red team, finding 6: matched by BIN, a school re-registered (or typed wrong) reads as
    one closed and one new; the reference says so."""
    from pipeline.specs.organisations import load_registry
    from pipeline.workbooks.registry import write_registry

    nxt = tmp_path / "2024"
    shutil.copytree(demo / "2024", nxt, ignore=shutil.ignore_patterns("outbox"))
    paths = Paths(nxt)
    campaign = with_organisations(paths).campaign
    orgs = load_registry(paths.saved_registry(), campaign.org_types)
    school = next(o for o in orgs if o.name.ru == "Общеобразовательная школа №2")
    old_bin = school.bin
    import random

    from pipeline.devtools.demo_data import make_bin

    new_bin = make_bin(random.Random(99))  # a valid BIN, its check digit right
    moved = [o if o is not school else type(o)(**{**o.__dict__, "bin": new_bin}) for o in orgs]
    write_registry(paths.registry_file, moved, campaign.org_types)
    _run("--root", str(nxt), "report", "--signed", SIGNED, "--previous", str(demo))
    section = _text(_section(nxt / "outbox/report/3.1-reference-ru.docx", "ru"))
    assert "с разными БИН" in section and "в реестре): Общеобразовательная школа №2." in section
    assert old_bin not in section and new_bin not in section  # twelve digits: never published


def test_the_register_marks_nothing_when_last_years_register_is_unknown(demo, tmp_path):
    """Red team, finding 7: an export made before last year's report has no register; its
    positions are not «new», the column is left out."""
    export = tmp_path / "export-2023"
    _run("--root", str(demo), "export", "--parquet", str(export), "--today", SIGNED)
    for name in ("measures", "positions"):
        path = export / f"{name}.parquet"
        table = pq.read_table(path).slice(0, 0)
        pq.write_table(table, path)
        manifest = json.loads((export / "adal-export.json").read_text("utf-8"))
        manifest["files"][path.name] = 0
        (export / "adal-export.json").write_text(json.dumps(manifest, ensure_ascii=False))
    nxt = tmp_path / "2024"
    shutil.copytree(demo / "2024", nxt, ignore=shutil.ignore_patterns("outbox"))
    _run("--root", str(nxt), "report", "--signed", SIGNED, "--previous", str(export))
    rows = _sheets(nxt / "outbox" / "report" / "6.1-register.xlsx")["6.1"]
    assert not any(label("label_in_previous_register") in str(c) for r in rows for c in r)
    section = _text(_section(nxt / "outbox/report/3.1-reference-ru.docx", "ru"))
    assert "нет плана мероприятий" in section
