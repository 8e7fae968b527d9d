"""Indicators on hand-made ledgers with known answers, and the consolidated workbook read back."""

import datetime as dt
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline import ledger
from pipeline.specs.returns import shipped_schemas
from pipeline.workbooks import frames
from pipeline.workbooks.consolidate import SHEETS, mask_id, write_consolidated
from pipeline.workbooks.indicators import load_indicators, scores
from tests.helpers import make_iin


def add(workspace, org, code, rows, received="2023-11-10T10:00:00", nil=False):
    """Put an accepted submission straight into a real ledger, as ingest would."""
    conn = ledger.connect(workspace.paths.ledger)
    sha = f"{org.bin}{code}{received}{len(rows)}".ljust(64, "0")[:64]
    with ledger.transaction(conn):
        file_id = conn.execute(
            "INSERT INTO files (sha256, original_name, size, received_at, ingested_at, bin, status, error_count,"
            " archive_path, archived) VALUES (?,?,?,?,?,?,?,?,?,1)",
            (sha, f"{org.bin}-{code}.xlsx", 1, received, received, org.bin, "accepted", 0, "x"),
        ).lastrowid
        sub = {
            "bin": org.bin,
            "return_code": code,
            "spec_version": 1,
            "sheet": code,
            "received_at": received,
            "status": "accepted",
            "error_count": 0,
            "nil": nil,
            "row_count": len(rows),
        }
        keys = list(dict.fromkeys(k for r in rows for k in r))
        columns = {k: [r.get(k) for r in rows] for k in keys}
        stored = ledger.encode_rows([10 + i for i in range(len(rows))], columns)
        ledger.insert_submission(conn, file_id, sub, stored)
    conn.close()


def row14(**kw):
    base = {
        "service": "school_enrolment",
        "month": "2023-02-15",
        "applications": 10,
        "on_time": 10,
        "late": 0,
        "refused": 0,
        "electronic": 10,
        "paper": 0,
    }
    return {**base, **kw}


def row11(n, record="no", corruption=None):
    return {
        "iin": make_iin(n, born="050607", century=5),
        "full_name": f"Person {n}",
        "position": "Учитель",
        "hired_on": None,
        "checked_on": "2023-03-01",
        "certificate_no": None,
        "has_record": record,
        # the article decides (offences.yaml): 366 is a bribe, 188 a theft
        "article": ("366 ч. 1" if corruption == "yes" else "188") if record == "yes" else None,
        "corruption": corruption,
        "measures": None,
    }


@pytest.fixture
def indicators(specs):
    return load_indicators(shipped_schemas() / "indicators.yaml", specs)


def values(table, code):
    part = table[table["indicator"] == code].set_index("bin")
    return part


def test_known_answers_zero_denominators_and_missing_returns(workspace, orgs, indicators):
    school, kindergarten, extra = orgs
    add(
        workspace,
        school,
        "1.4",
        [
            row14(month="2023-01-15", applications=40, on_time=36, late=4, electronic=30, paper=10),
            row14(month="2023-02-15", applications=10, on_time=9, late=1, electronic=10),
        ],
    )
    add(workspace, kindergarten, "1.4", [], nil=True)  # nil return: in, but zero applications
    # a bribe (366) not flagged, and a theft (188) flagged as corruption: the law decides
    bribe, theft = {**row11(2, "yes", "no"), "article": "366 ч. 1"}, row11(3, "yes", "yes")
    theft["article"] = "ст. 188 ч. 2"
    add(workspace, school, "1.1", [row11(1), bribe, theft, row11(4)])
    add(
        workspace,
        school,
        "1.2",
        [
            {
                "full_name": "X",
                "position": "Y",
                "order_no": "1",
                "order_date": "2023-01-10",
                "measure": "remark",
                "ground": "labour",
                "description": None,
            }
        ]
        * 2,
    )
    data = frames.load(workspace)
    from pipeline.workbooks.indicators import compute

    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    late = values(table, "I14_late")
    assert late.loc[school.bin, "value"] == 10.0  # (4 + 1) / (40 + 10) × 100
    assert (late.loc[school.bin, "numerator"], late.loc[school.bin, "denominator"]) == (5.0, 50.0)
    assert late.loc[school.bin, "level"] == "high"
    assert pd.isna(late.loc[kindergarten.bin, "value"])  # 0 / 0: no value, not zero
    assert late.loc[kindergarten.bin, "level"] == "no_data"
    assert pd.isna(late.loc[extra.bin, "numerator"])  # return missing: no data, not zero
    paper = values(table, "I14_paper")
    assert paper.loc[school.bin, "value"] == 20.0 and paper.loc[school.bin, "level"] == "medium"
    record = values(table, "I11_record")
    assert record.loc[school.bin, "value"] == 2.5  # 1 of the registry's 40 staff, not of 4 rows
    assert values(table, "I11_corruption").loc[school.bin, "value"] == 1.0
    discipline = values(table, "I12_discipline")
    assert discipline.loc[school.bin, "value"] == 5.0  # 2 measures / 40 staff × 100
    assert discipline.loc[school.bin, "median"] == 5.0


def test_scores_show_their_components(workspace, orgs, indicators):
    school = orgs[0]
    add(
        workspace, school, "1.4", [row14(applications=10, on_time=5, late=5, electronic=2, paper=8)]
    )
    data = frames.load(workspace)
    from pipeline.workbooks.indicators import compute

    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    wide = scores(table)
    # area 2.3: late high (2×2), refused low (0×1), paper high (2×1) → 6 of 8 possible
    assert wide.loc[school.bin, "2.3"] == 75.0
    assert pd.isna(wide.loc[orgs[1].bin, "overall"])
    # only 3 of 24 indicators have data: an area score, but no overall rank
    assert pd.isna(wide.loc[school.bin, "overall"])


def test_checklist_area_filter(workspace, orgs, indicators, specs):
    items = specs["2"].column("item").choices
    rows = [
        {
            "item": c.code,
            "act_exists": "yes",
            "act_details": "x",
            "risk_found": "yes" if c.code == "p1" else "no",
            "risk_description": None,
            "positions": None,
        }
        for c in items
    ]
    add(workspace, orgs[0], "2", rows)
    data = frames.load(workspace)
    from pipeline.workbooks.indicators import compute

    table = compute(
        indicators, workspace.organisations, data.frames, workspace.specs, data.available
    )
    assert values(table, "I21_acts").loc[orgs[0].bin, "value"] == 20.0  # 1 of 5 items of area 2.1
    assert values(table, "I22_acts").loc[orgs[0].bin, "value"] == 0.0


def build(workspace, orgs, indicators, personal=False):
    if workspace.paths.ledger.exists():
        return write_consolidated(
            workspace, frames.load(workspace), indicators, with_personal_data=personal
        )
    add(workspace, orgs[0], "1.1", [row11(1), row11(2, "yes", "no")])
    add(
        workspace,
        orgs[0],
        "1.7",
        [
            {
                "published_on": "2023-05-05",
                "channel": "media",
                "title": '=HYPERLINK("http://x.example","y")',
                "url": "http://x.example",
                "tone": "negative",
                "corruption": "no",
                "response": "@SUM(A1)",
            }
        ],
    )
    add(
        workspace,
        orgs[1],
        "1.4",
        [row14(month="2023-03-15", late=2, on_time=8)],
        received="2023-11-20T09:00:00",
    )
    return write_consolidated(
        workspace,
        frames.load(workspace),
        indicators,
        with_personal_data=personal,
        now=dt.datetime(2023, 11, 21, 12, 0),
    )


def test_default_workbook_has_no_full_iin(workspace, orgs, indicators):
    path, _ = build(workspace, orgs, indicators)
    with zipfile.ZipFile(path) as archive:
        text = " ".join(
            archive.read(n).decode("utf-8", "ignore")
            for n in archive.namelist()
            if n.endswith(".xml")
        )
    iins = {row11(1)["iin"], row11(2)["iin"]}
    assert not any(i in text for i in iins)
    assert mask_id(row11(1)["iin"]) in text
    assert not re.search(r"(?<!\d)0[0-9]{11}(?!\d)", text)
    personal, _ = build(workspace, orgs, indicators, personal=True)
    assert personal.name.endswith("-personal.xlsx")
    sheet = openpyxl.load_workbook(personal)["1.1"]
    iin = next(c.column_letter for c in sheet[1] if str(c.value).startswith("ЖСН"))
    assert row11(1)["iin"] in [c.value for c in sheet[iin]]


def test_injection_strings_stay_text(workspace, orgs, indicators):
    path, _ = build(workspace, orgs, indicators)
    sheet = openpyxl.load_workbook(path)["1.7"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    title = next(c for c in cells if c.value.startswith("=HYPERLINK"))
    assert title.data_type == "s"
    assert next(c for c in cells if c.value == "@SUM(A1)").data_type == "s"


def test_every_sheet_reads_back_and_indicators_recompute_from_return_sheets(
    workspace, orgs, indicators, specs
):
    path, table = build(workspace, orgs, indicators)
    book = pd.read_excel(path, sheet_name=None, engine="calamine")
    assert set(SHEETS.values()) | {s.sheet for s in workspace.collected.values()} <= set(book)
    shown = book[SHEETS["ind"]]
    late = shown[
        (shown["Код"] == "I14_late") & (shown["БСН / БИН"].astype(str) == orgs[1].bin)
    ].iloc[0]
    services = book["1.4"]
    mine = services[services["БСН / БИН"].astype(str) == orgs[1].bin]
    label = specs["1.4"].column("late").label.both
    apps = specs["1.4"].column("applications").label.both
    assert late["Мәні / Значение"] == pytest.approx(mine[label].sum() / mine[apps].sum() * 100)
    records = book["1.1"]
    has = specs["1.1"].column("has_record").label.both
    mine = records[records["БСН / БИН"].astype(str) == orgs[0].bin]
    share = (mine[has] == "Иә / Да").sum() / orgs[0].staff * 100  # of the registry's staff
    shown_record = shown[
        (shown["Код"] == "I11_record") & (shown["БСН / БИН"].astype(str) == orgs[0].bin)
    ].iloc[0]
    assert shown_record["Мәні / Значение"] == pytest.approx(share)
    complete = book[SHEETS["complete"]]
    assert complete.iloc[1]["1.4"] == "кешікті / с опозданием"
    assert complete.iloc[0]["1.1"] == "уақытында / в срок"
    dates = book["1.1"][specs["1.1"].column("checked_on").label.both]
    assert isinstance(dates.iloc[0], pd.Timestamp | dt.datetime)


def test_charts_and_heat_map_are_native(workspace, orgs, indicators):
    path, _ = build(workspace, orgs, indicators)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert sum(n.startswith("xl/charts/chart") for n in names) == 3
    book = openpyxl.load_workbook(path)
    assert book[SHEETS["map"]].conditional_formatting


@pytest.mark.slow
def test_large_data_switches_to_constant_memory_with_the_same_values(
    workspace, orgs, indicators, specs, monkeypatch
):
    from pipeline.workbooks import consolidate

    small, _ = build(workspace, orgs, indicators)
    expected = pd.read_excel(small, sheet_name=None, engine="calamine")
    monkeypatch.setattr(consolidate, "LARGE", 0)
    large, _ = build(workspace, orgs, indicators)
    got = pd.read_excel(large, sheet_name=None, engine="calamine")
    for name in [s.sheet for s in workspace.collected.values()] + [SHEETS["ind"], SHEETS["map"]]:
        pd.testing.assert_frame_equal(got[name], expected[name])
    assert openpyxl.load_workbook(large)["1.4"].auto_filter.ref
