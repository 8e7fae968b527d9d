"""A department's export and a region's roll-up: every row carries its department,
campaign and organisation; the region's figures are the departments' own; nothing past
Excel's row limit is cut silently."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.intake.ingest import ingest
from pipeline.specs.workspace import Paths, open_workspace
from pipeline.workbooks import rollup as rollup_module
from pipeline.workbooks.rollup import SHEETS
from tests.helpers import fill, good_11, good_14, make_iin

pytestmark = pytest.mark.slow


def _department(workspace, root, subject_ru: str, subject_kk: str):
    """Another district: the same campaign under its own department's name."""
    (root / "campaign").mkdir(parents=True)
    text = workspace.paths.campaign_file.read_text("utf-8")
    campaign = workspace.campaign
    text = text.replace(campaign.subject.ru, subject_ru).replace(campaign.subject.kk, subject_kk)
    (root / "campaign" / "campaign.yaml").write_text(text, "utf-8")
    shutil.copy(workspace.paths.registry_file, root / "campaign")
    (root / "inbox").mkdir()
    return open_workspace(Paths(root))


def _export(workspace, folder) -> dict:
    result = CliRunner().invoke(
        main, ["--root", str(workspace.paths.root), "export", "--parquet", str(folder), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def region(workspace, orgs, tmp_path):
    """Two departments: the first with a staff list, 1.4 and a late return, the second
    with 1.4 only; both exported."""
    staff = [good_11()]
    months = [{**good_14(), "month": dt.datetime(2023, m, 15)} for m in (2, 3, 4)]
    fill(workspace, orgs[0], {"1.1": staff, "1.4": months[:2]}, "a.xlsx")
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "b.xlsx")
    ingest(workspace)
    other = _department(
        workspace,
        tmp_path / "other",
        "ГУ «Отдел образования района Б»",
        "«Б ауданының білім бөлімі» ММ",
    )
    fill(other, orgs[0], {"1.4": months}, "c.xlsx")
    ingest(other)
    return [workspace, other], [
        _export(workspace, tmp_path / "x1"),
        _export(other, tmp_path / "x2"),
    ]


def test_export_carries_department_campaign_and_organisation_on_every_row(region, tmp_path):
    (first, _), (exported, _) = region
    folder = tmp_path / "x1"
    manifest = json.loads((folder / "adal-export.json").read_text("utf-8"))
    assert manifest["department"]["ru"] == first.campaign.subject.ru
    assert manifest["files"] == exported["files"]
    for name in exported["files"]:
        table = pq.read_table(folder / name).to_pandas()
        assert {"department", "campaign", "bin"} <= set(table.columns), name
        assert set(table["department"]) <= {first.campaign.subject.ru}, name
        assert set(table["campaign"]) <= {first.campaign.code}, name
    rows = pq.read_table(folder / "return-1.4.parquet").to_pandas()
    assert len(rows) == 3 and rows["organisation"].notna().all()
    staff = pq.read_table(folder / "return-1.1.parquet").to_pandas()
    assert len(staff) == 2 and make_iin(1) not in staff.to_string()  # it leaves the department
    assert all(len(i) == 12 and "********" in i for i in staff["iin"])


def test_region_counts_each_department_as_its_own_workbook_does(region, tmp_path):
    workspaces, _ = region
    out = tmp_path / "region.xlsx"
    result = CliRunner().invoke(
        main, ["rollup", str(tmp_path / "x1"), str(tmp_path / "x2"), "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["organisations"] == 6 and answer["rows"]["1.4"] == 6
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:4] == [SHEETS[k] for k in ("cover", "complete", "ind", "map")]
    complete = pd.DataFrame(list(book[SHEETS["complete"]].values)[1:])
    states = pd.concat(
        pq.read_table(tmp_path / x / "returns.parquet").to_pandas() for x in ("x1", "x2")
    )
    for department, group in states.groupby("department"):
        mine = complete[complete[0] == department]
        assert mine[3].sum() == len(group)  # returns due
        received = group["state"].isin(["accepted", "late"]).sum()
        assert mine[4].sum() == received
    last = complete.iloc[-1]
    assert last[0] == "Өңір бойынша / По региону" and last[3] == len(states)
    # medians: the department's and the region's, of values with a level
    indicators = pd.concat(
        pq.read_table(tmp_path / x / "indicators.parquet").to_pandas() for x in ("x1", "x2")
    )
    judged = indicators[indicators["level"].isin(["low", "medium", "high"])]
    sheet = pd.DataFrame(list(book[SHEETS["ind"]].values)[1:])
    some = judged.iloc[0]
    row = sheet[(sheet[1] == some["bin"]) & (sheet[0] == some["department"])
                & sheet[5].str.startswith(some["title_kk"])].iloc[0]  # fmt: skip
    same = judged[judged["indicator"] == some["indicator"]]
    assert row[11] == pytest.approx(round(statistics.median(same["value"]), 2))
    own = same[same["department"] == some["department"]]
    assert row[10] == pytest.approx(round(statistics.median(own["value"]), 2))
    scores = [r[9] for r in list(book[SHEETS["map"]].values)[1:] if r[9] is not None]
    assert scores == sorted(scores, reverse=True)  # the riskiest organisations first


def test_a_return_past_the_row_limit_is_split_or_left_in_parquet_never_cut(
    region, tmp_path, monkeypatch
):
    """The limit is lowered: 6 rows of 1.4 over sheets of 4 rows take two sheets; with one
    sheet allowed they stay in Parquet, and the cover says where."""
    monkeypatch.setattr(rollup_module, "ROW_LIMIT", 4)
    folders = [tmp_path / "x1", tmp_path / "x2"]
    split = rollup_module.rollup(folders, tmp_path / "split.xlsx")
    assert split.sheets["1.4"] == ["1.4", "1.4 (2)"]
    book = openpyxl.load_workbook(tmp_path / "split.xlsx")
    rows = [r for name in ("1.4", "1.4 (2)") for r in list(book[name].values)[1:]]
    assert len(rows) == 6 and len({(r[0], r[1], r[-2], r[-1]) for r in rows}) == 6
    cover = " ".join(str(c) for r in book[SHEETS["cover"]].values for c in r if c)
    assert "1.4. " in cover and "/ " in cover  # each return named by its title, not its code
    assert "разделён на 2 листа: «1.4», «1.4 (2)»" in cover
    assert "2 параққа бөлінді: «1.4», «1.4 (2)»" in cover

    monkeypatch.setattr(rollup_module, "MAX_PARTS", 1)
    kept = rollup_module.rollup(folders, tmp_path / "kept.xlsx")
    parquet = kept.left_in_parquet["1.4"]
    assert len(pq.read_table(parquet)) == 6
    book = openpyxl.load_workbook(tmp_path / "kept.xlsx")
    assert "1.4" not in book.sheetnames
    cover = " ".join(str(c) for r in book[SHEETS["cover"]].values for c in r if c)
    assert f"все строки — в файле Parquet {parquet.name}" in cover


def test_rollup_refuses_a_folder_that_is_not_an_export_and_a_department_given_twice(
    region, tmp_path
):
    runner = CliRunner()
    out = str(tmp_path / "r.xlsx")
    stray = tmp_path / "stray"
    stray.mkdir()
    result = runner.invoke(main, ["rollup", str(stray), "--out", out])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "не создана командой «adal export --parquet»" in result.output
    assert "«adal export --parquet» командасы жасаған қалта емес" in result.output
    shutil.copytree(tmp_path / "x1", tmp_path / "x1-copy")
    twice = runner.invoke(main, ["rollup", str(tmp_path / "x1"), str(tmp_path / "x1-copy"),
                                 "--out", out])  # fmt: skip
    assert twice.exit_code == 1 and "учтены дважды" in twice.output
    xls = runner.invoke(main, ["rollup", str(tmp_path / "x1"), "--out", str(tmp_path / "r.xls")])
    assert xls.exit_code == 1 and "оканчиваться на .xlsx" in xls.output
    assert not (tmp_path / "r.xlsx").exists()


def test_a_department_median_reads_as_in_the_departments_own_workbook():
    """DuckDB's ROUND gave 3.63 where the department's workbook (pandas) shows 3.64."""
    assert rollup_module._rounded(3.635) == 3.64 == pd.Series([3.635]).round(2).iloc[0]
    assert rollup_module._rounded(None) is None


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda f: (f / "scores.parquet").unlink(), "нет файла scores.parquet"),
        (lambda f: (f / "return-1.4.parquet").unlink(), "нет файла return-1.4.parquet"),
        (lambda f: (f / "organisations.parquet").write_bytes(b""), "organisations.parquet"),
        (
            lambda f: (f / "indicators.parquet").write_bytes(
                (f / "indicators.parquet").read_bytes()[:200]
            ),
            "Файл indicators.parquet в папке выгрузки повреждён",
        ),
    ],
)
def test_an_export_missing_or_broken_file_is_refused_not_rolled_up_short(
    region, tmp_path, damage, said
):
    """A missing scores file dropped a department from the risk map without a word; a
    truncated one was an internal error (the red team)."""
    damage(tmp_path / "x1")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(
        main, ["rollup", str(tmp_path / "x1"), str(tmp_path / "x2"), "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert said in result.output and str(tmp_path / "x1") in result.output
    assert "Traceback" not in result.output and not out.exists()


def _crafted(folder, change) -> None:
    path = folder / "adal-export.json"
    manifest = json.loads(path.read_text("utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (  # the red team: a file of the machine listed as the export's
            lambda m: m["files"].update({"../../../../etc/hostname": 1}),
            "В описании выгрузки неверно «files»",
        ),
        (  # a return code that would have become part of a query
            lambda m: m["returns"].update({'1.4"; SELECT 1; --': m["returns"]["1.4"]}),
            "неизвестный отчёт",
        ),
        (
            lambda m: m["returns"]["1.4"]["columns"][0].update(
                {"key": "x\" FROM read_text('/etc/hostname') --"}
            ),
            "В описании выгрузки неверно «returns.1.4.columns[0]»",
        ),
        (lambda m: m.update({"department": "ГУ"}), "неверно «department»"),
    ],
)
def test_a_crafted_manifest_is_refused_and_reads_nothing_outside_the_export(
    region, tmp_path, change, said
):
    _crafted(tmp_path / "x1", change)
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(
        main, ["rollup", str(tmp_path / "x1"), str(tmp_path / "x2"), "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert said in result.output and str(tmp_path / "x1") in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_one_department_under_two_spellings_is_one_department(region, tmp_path):
    shutil.copytree(tmp_path / "x1", tmp_path / "x1-copy")
    _crafted(
        tmp_path / "x1-copy",
        lambda m: m["department"].update({"ru": "  " + m["department"]["ru"].upper() + " "}),
    )
    result = CliRunner().invoke(
        main,
        ["rollup", str(tmp_path / "x1"), str(tmp_path / "x1-copy"), "--out",
         str(tmp_path / "r.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 1 and "учтены дважды" in result.output


@pytest.mark.parametrize(
    ("columns", "said"),
    [
        ({"department": 1, "oops": "x"}, "Файл scores.parquet в папке выгрузки повреждён"),
        (  # the keys right, a column the region reads missing
            {"department": "ГУ", "campaign": "c", "bin": "1", "org_type": "x"},
            "Файл scores.parquet в папке выгрузки повреждён",
        ),
    ],
)
def test_parquet_of_other_types_is_a_message_not_an_internal_error(region, tmp_path, columns, said):
    import pyarrow as pa

    path = tmp_path / "x1" / "scores.parquet"
    rows = pq.read_table(path).num_rows
    pq.write_table(pa.table({k: [v] * rows for k, v in columns.items()}), path)
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(
        main, ["rollup", str(tmp_path / "x1"), str(tmp_path / "x2"), "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert said in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_an_export_writes_its_tables_column_for_column_as_the_region_reads_them(region, tmp_path):
    from pipeline.ledger.regional import TABLE_COLUMNS

    for table, columns in TABLE_COLUMNS.items():
        assert pq.read_schema(tmp_path / "x1" / f"{table}.parquet").names == list(columns)


def test_rollup_logs_beside_its_workbook_not_where_it_was_started(region, tmp_path, monkeypatch):
    """Started from the officer's Documents, it wrote `outbox/logs` there."""
    started = tmp_path / "Documents"
    started.mkdir()
    monkeypatch.chdir(started)
    stray = tmp_path / "stray"
    stray.mkdir()
    out = tmp_path / "region" / "r.xlsx"
    out.parent.mkdir()
    result = CliRunner().invoke(main, ["rollup", str(stray), "--out", str(out)])
    assert result.exit_code == 1
    assert list(started.iterdir()) == []
    [log] = (out.parent / "logs").glob("adal-*.log")
    assert "export" in log.read_text(encoding="utf-8")
