"""Last year's export is data from another office: every damage is refused by name, in both
languages, before anything is compared (the red team's cases of #29), and the comparison's
judgement holds at its edges."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.ledger.regional import MANIFEST
from pipeline.workbooks import frames
from pipeline.workbooks.comparison import _levels
from pipeline.workbooks.export import export_parquet
from pipeline.workbooks.indicators import load_indicators


@pytest.fixture
def last_year(workspace, tmp_path) -> Path:
    """A real export of the fixture's campaign, relabelled as the year before."""
    indicators = load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    folder = tmp_path / "export-2022"
    export_parquet(workspace, frames.load(workspace), indicators, folder)
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    manifest |= {"year": 2022, "campaign": "analysis-2022"}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return folder


def _manifest(folder: Path, **changes) -> None:
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    for key, value in changes.items():
        if value is _DROP:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


_DROP = object()


def _table(folder: Path, name: str, change) -> None:
    """Rewrite one table of the export, its row count in the manifest kept true."""
    path = folder / f"{name}.parquet"
    frame = change(pq.read_table(path).to_pandas())
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path)
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    manifest["files"][path.name] = table.num_rows
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def _consolidate(workspace, previous: Path):
    return CliRunner().invoke(
        main, ["--root", str(workspace.paths.root), "consolidate", "--previous", str(previous)]
    )


def test_a_sound_previous_export_is_compared(workspace, last_year):
    result = _consolidate(workspace, last_year)
    assert result.exit_code == 0, result.output


def _high_first(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[frame.index[0], "level"] = "HIGH"
    return frame


def _twice(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.head(1)])


def _inf(frame: pd.DataFrame) -> pd.DataFrame:
    frame["value"] = frame["value"].astype("float64")
    frame.loc[frame.index[0], "value"] = math.inf
    return frame


def _no_bin(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[frame.index[0], "bin"] = None
    return frame


DAMAGE = {
    "year as text": (lambda f: _manifest(f, year="двадцать"), "год анализа не указан"),
    "year a list": (lambda f: _manifest(f, year=[2022]), "год анализа не указан"),
    "no year": (lambda f: _manifest(f, year=_DROP), "год анализа не указан"),
    "year negative": (lambda f: _manifest(f, year=-5), "год анализа не указан"),
    "indicators as text": (lambda f: _manifest(f, indicators="x"), "описание показателей"),
    "an indicator null": (lambda f: _manifest(f, indicators={"I11": None}), "описание показателей"),
    "an unknown level": (lambda f: _table(f, "indicators", _high_first), "уровень риска указан"),
    "a row twice": (lambda f: _table(f, "indicators", _twice), "указан несколько раз"),
    "an infinite value": (lambda f: _table(f, "indicators", _inf), "не число"),
    "an organisation without a BIN": (lambda f: _table(f, "organisations", _no_bin), "БИН"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_previous_export_is_refused_by_name_in_both_languages(workspace, last_year, case):
    damage, said = DAMAGE[case]
    damage(last_year)
    result = _consolidate(workspace, last_year)
    assert result.exit_code == 1, result.output
    assert said in result.output
    assert (
        "прошлогодней выгрузки" in result.output and "өткен жылғы экспорт" in result.output.lower()
    )
    assert "Traceback" not in result.output and "Внутренняя ошибка" not in result.output


def test_another_departments_export_is_refused(workspace, last_year):
    def other_bins(frame: pd.DataFrame) -> pd.DataFrame:
        frame["bin"] = [f"99{str(i).zfill(10)}" for i in range(len(frame))]
        return frame

    _table(last_year, "organisations", other_bins)
    result = _consolidate(workspace, last_year)
    assert result.exit_code == 1
    assert "похоже, другого отдела" in result.output and "басқа бөлімдікі" in result.output


def test_this_years_own_campaign_code_is_refused_plainly(workspace, last_year):
    _manifest(last_year, campaign=workspace.campaign.code)
    result = _consolidate(workspace, last_year)
    assert result.exit_code == 1
    assert "относятся к этой же кампании" in result.output


def test_a_broken_export_is_told_in_the_previous_years_words_not_the_regions(workspace, last_year):
    (last_year / "scores.parquet").unlink()
    result = _consolidate(workspace, last_year)
    assert result.exit_code == 1
    assert "Файлы прошлогодней выгрузки неполны или повреждены" in result.output
    assert "Запросите у отдела" not in result.output


def test_init_from_an_export_refuses_its_own_folder_and_unknown_types(last_year, tmp_path_factory):
    away = tmp_path_factory.mktemp("elsewhere")  # outside any campaign folder
    last_year = Path(shutil.copytree(last_year, away / "export-2022"))
    result = CliRunner().invoke(main, ["--root", str(last_year), "init", "--from", str(last_year)])
    assert result.exit_code != 0 and "совпадает с папкой прошлого года" in result.output

    def odd_type(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame.index[0], "org_type"] = "university"
        return frame

    _table(last_year, "organisations", odd_type)
    target = away / "next"
    result = CliRunner().invoke(main, ["--root", str(target), "init", "--from", str(last_year)])
    assert result.exit_code != 0 and "неизвестный тип (university)" in result.output
    assert not (target / "campaign" / "organisations.xlsx").exists()


def test_a_blank_staff_count_is_not_a_year_without_cases():
    """Nought of nought complaints from a return that came is «no cases»; a ratio over a
    staff count left blank in the registry (0) is no answer at all (red team, finding 1)."""
    table = pd.DataFrame(
        [
            {"bin": "1", "indicator": "complaints", "value": None, "level": "no_data",
             "numerator": 0.0, "denominator": 0.0},
            {"bin": "1", "indicator": "per_staff", "value": None, "level": "no_data",
             "numerator": 0.0, "denominator": 0.0},
            {"bin": "2", "indicator": "complaints", "value": None, "level": "no_data",
             "numerator": None, "denominator": None},
        ]
    )  # fmt: skip
    levels = _levels(table, countable={"complaints"})
    assert levels[("1", "complaints")][1] == "no_cases"
    assert levels[("1", "per_staff")][1] == "no_data"
    assert levels[("2", "complaints")][1] == "no_data"


def test_previous_year_files_are_never_written(workspace, last_year):
    before = {p: p.stat().st_mtime_ns for p in last_year.iterdir()}
    assert _consolidate(workspace, last_year).exit_code == 0
    assert {p: p.stat().st_mtime_ns for p in last_year.iterdir()} == before
    shutil.rmtree(last_year)
