"""A department that adds a return (a 1.9) declares its spec and its line in the campaign,
and nothing else: templates carry its sheet, ingest checks it, the consolidated workbook
merges it and the reference names it among its sources («1.1–1.9»)."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.files.docxio import text_of
from pipeline.specs.returns import shipped_schemas
from pipeline.specs.workspace import open_workspace
from tests.helpers import fill

pytestmark = pytest.mark.slow  # the commands end to end

SPEC_19 = """
code: "1.9"
version: 1
sheet: "1.9"
applies_to: [general_secondary, preschool, additional]
nil: empty_sheet
title:
  kk: "Сыбайлас жемқорлыққа қарсы оқыту іс-шаралары"
  ru: "Антикоррупционные обучающие мероприятия"
description:
  kk: "Әр іс-шараға бір жол."
  ru: "Одна строка на каждое мероприятие."
unique: [held_on, topic_text]
columns:
  - key: held_on
    type: date
    required: true
    window: period
    label: {kk: "Өткізілген күні", ru: "Дата проведения"}
  - key: topic_text
    type: text
    required: true
    max_length: 300
    label: {kk: "Тақырыбы", ru: "Тема"}
  - key: people
    type: integer
    required: true
    min: 0
    label: {kk: "Қатысушылар саны", ru: "Число участников"}
"""


def test_a_return_added_by_its_spec_and_campaign_line_runs_end_to_end(workspace, orgs):
    root = workspace.paths.root
    own = root / "schemas" / "returns"
    shutil.copytree(shipped_schemas() / "returns", own)
    (own / "1.9.yaml").write_text(SPEC_19, encoding="utf-8")
    campaign = yaml.safe_load(workspace.paths.campaign_file.read_text(encoding="utf-8"))
    campaign["returns"]["1.9"] = {
        "period": "main",
        "deadline": campaign["returns"]["1.8"]["deadline"],
    }
    workspace.paths.campaign_file.write_text(
        yaml.safe_dump(campaign, allow_unicode=True), encoding="utf-8"
    )
    runner = CliRunner()
    said = runner.invoke(main, ["--root", str(root), "templates"])
    assert said.exit_code == 0, said.output
    widened = open_workspace(workspace.paths)
    assert "1.9" in widened.specs
    template = next((root / "outbox" / "templates").glob(f"*{orgs[0].bin}*.xlsx"))
    assert "1.9" in openpyxl.load_workbook(template).sheetnames
    row = {"held_on": dt.date(2023, 10, 2), "topic_text": "Адалдық сабағы", "people": 27}
    fill(widened, orgs[0], {"1.9": [row]}, "school-19.xlsx")
    said = runner.invoke(main, ["--root", str(root), "ingest"])
    assert said.exit_code == 0, said.output
    assert "қате/ошибок: 0" in said.output, said.output
    said = runner.invoke(main, ["--root", str(root), "consolidate"])
    assert said.exit_code == 0, said.output
    book = openpyxl.load_workbook(next((root / "outbox").glob("consolidated-*.xlsx")))
    cells = [c.value for r in book["1.9"].iter_rows() for c in r]
    assert "Адалдық сабағы" in cells and 27 in cells
    said = runner.invoke(main, ["--root", str(root), "report", "--signed", "2023-12-08"])
    assert said.exit_code == 0, said.output
    ru = text_of(root / "outbox" / "report" / "3.1-reference-ru.docx")
    kk = text_of(root / "outbox" / "report" / "3.1-reference-kk.docx")
    assert "(пункты 1.1–1.9, 2.1–2.5 плана работ)" in ru
    assert "1.9. Антикоррупционные обучающие мероприятия" in ru
    assert "жұмыс жоспарының 1.1–1.9, 2.1–2.5-тармақтары" in kk
