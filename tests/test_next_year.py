"""The second year starts from the first: `adal init --from PREVIOUS` carries the registry
over and moves the plan's dates a year, deadlines onto Kazakh working days, and marks the
new campaign a sample so that nothing goes out before the officer has checked it."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.workdays import WorkCalendar
from pipeline.specs.campaign import carried_over, load_campaign
from pipeline.specs.organisations import load_registry


def test_next_years_campaign_starts_from_this_one(workspace, tmp_path_factory):
    previous = workspace.paths
    text = previous.campaign_file.read_text(encoding="utf-8")
    text = text.replace("extra_days_off: []", "extra_days_off: [2023-11-17]")
    previous.campaign_file.write_text(text.replace("sample: true\n", ""), encoding="utf-8")
    new_root = tmp_path_factory.mktemp("next-year") / "kokterek-2024"  # beside, not inside
    result = CliRunner().invoke(
        main, ["--root", str(new_root), "init", "--from", str(previous.root)]
    )
    assert result.exit_code == 0, result.output
    assert "реестр организаций перенесён" in result.output and "sample: true" in result.output

    campaign = load_campaign(new_root / "campaign" / "campaign.yaml")
    old = load_campaign(previous.campaign_file)
    assert campaign.sample and campaign.code == old.code.replace("2023", "2024")
    assert campaign.deadline("1.1") == dt.date(2024, 11, 15)  # a Friday: as it was
    assert campaign.deadline("2") == dt.date(2024, 12, 2)  # 30.11.2024 is a Saturday
    assert campaign.period("1.1", "general_secondary").end == dt.date(2024, 10, 31)
    assert campaign.extra_days_off == old.extra_days_off  # a decree names its own year's days
    orgs = load_registry(new_root / "campaign" / "organisations.xlsx", campaign.org_types)
    assert [o.bin for o in orgs] == [o.bin for o in workspace.organisations]
    assert (new_root / "Adal.cmd").exists()

    refused = CliRunner().invoke(main, ["--root", str(new_root), "templates"])
    assert refused.exit_code == 2 and "sample" in refused.output  # checked before anything goes
    book = openpyxl.load_workbook(previous.registry_file)
    assert book.active.max_row >= 2  # last year's registry untouched


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day():
    text = (
        'returns:\n  "1.1": {period: main, deadline: 2023-12-15}\n  "1.2": {deadline: 2024-03-21}\n'
    )
    moved = carried_over(text, WorkCalendar())
    assert "deadline: 2024-12-17" in moved  # 15.12 a Sunday, 16.12 Independence Day
    assert "deadline: 2025-03-26" in moved  # Nauryz, 21–25 March 2025 with the weekend
    assert carried_over("approved:\n  date: 2024-02-29\n", WorkCalendar()).count("2025-02-28")


def test_init_from_a_folder_that_is_no_campaign_is_refused(tmp_path):
    result = CliRunner().invoke(
        main, ["--root", str(tmp_path / "new"), "init", "--from", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "не папка прошлой кампании" in result.output
    assert not (tmp_path / "new" / "campaign" / "campaign.yaml").exists()
