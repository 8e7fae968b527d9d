"""Items 3.1–6.1: figures equal the consolidated workbook's, publication is clean, monitoring states."""

import datetime as dt
import json
import os

import openpyxl
import pandas as pd
import pytest

from pipeline import ledger
from pipeline.core import clock
from pipeline.core.errors import AdalError
from pipeline.documents.publication import scan
from pipeline.documents.report import build_report
from pipeline.files.docxio import text_of
from pipeline.intake.ingest import ingest
from pipeline.specs.plan import read_plan
from pipeline.specs.returns import shipped_schemas
from pipeline.tracking.measures import states as measure_states
from pipeline.tracking.status import return_states
from pipeline.workbooks import frames
from pipeline.workbooks.consolidate import SHEETS, write_consolidated
from pipeline.workbooks.indicators import load_indicators
from tests.helpers import fill, good_11, good_12, good_14, make_iin

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice

SIGNED = dt.date(2023, 12, 8)


def risky_district(workspace, orgs):
    school, kindergarten, extra = orgs
    fill(
        workspace,
        school,
        {
            "1.4": [
                {
                    **good_14(),
                    "applications": 20,
                    "on_time": 14,
                    "late": 6,
                    "refused": 0,
                    "electronic": 5,
                    "paper": 15,
                    "responsible": "Хатшы / Секретарь",
                }
            ],
            "1.1": [good_11(), {**good_11(make_iin(2)), "full_name": "Сейтқали Айгүл"}],
            "1.2": [
                {
                    "full_name": "Омарова Жанар",
                    "position": "Мұғалім / Учитель",
                    "order_no": "12",
                    "order_date": dt.datetime(2023, 2, 1),
                    "measure": "Выговор",
                    "ground": "Коррупционное правонарушение",
                }
            ],
        },
        "school.xlsx",
    )
    calm = {**good_14(), "service": "Приём в дошкольную организацию", "late": 0, "on_time": 9}
    fill(workspace, kindergarten, {"1.4": [calm]}, "kg.xlsx")
    ingest(workspace)


def test_reference_figures_equal_the_consolidated_workbook(workspace, orgs, specs):
    risky_district(workspace, orgs)
    outcome = build_report(workspace, SIGNED)
    indicators = load_indicators(shipped_schemas() / "indicators.yaml", specs)
    path, _ = write_consolidated(workspace, frames.load(workspace), indicators)
    shown = pd.read_excel(path, sheet_name=SHEETS["ind"], engine="calamine")
    late = shown[
        (shown["Код"] == "I14_late") & (shown["БСН / БИН"].astype(str) == orgs[0].bin)
    ].iloc[0]
    assert late["Мәні / Значение"] == 30.0
    text = text_of(workspace.paths.outbox / "report" / "3.1-reference-ru.docx")
    assert "30 %" in text and orgs[0].name.ru in text
    title = "«Доля государственных услуг, оказанных с нарушением срока»"
    assert f"Источник: пункт 1.4 плана работ; показатель: {title}." in text
    kk = text_of(workspace.paths.outbox / "report" / "3.1-reference-kk.docx")
    assert "30 %" in kk and "Дереккөз: жұмыс жоспарының 1.4-тармағы" in kk
    finding = next(f for f in outcome.findings if f.indicator.code == "I14_late")
    assert [h.bin for h in finding.hits] == [orgs[0].bin]
    # 2.2: nothing found, but the checklist came from nobody: the text does not claim «none»
    assert "Коррупционные риски по данному направлению не выявлены." not in text
    assert "По представленным данным коррупционные риски не выявлены." in text
    assert (
        "Данные по направлению неполные: сведения по пунктам 2.1–2.5 плана работ не представили"
        in text
    )
    assert "5. Заключение" in text and "не позднее 25 декабря 2023 года" in text
    assert "2023 жылғы 25 желтоқсаннан кешіктірмей" in kk
    # the third organisation sent nothing: named apart from those that missed some items
    assert f"Не представила ни одного отчёта организация: {orgs[2].name.ru}." in text


def test_deadlines_in_working_days(workspace, orgs):
    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    assert plan.plan_due == dt.date(2023, 12, 25)  # 18.12 is a day off (Independence Day, observed)
    assert plan.publication_due == dt.date(2023, 12, 28)
    assert plan.monitoring_end == dt.date(2024, 12, 9)  # 08.12.2024 is a Sunday
    sheet = openpyxl.load_workbook(workspace.paths.outbox / "report" / "4.1-action-plan.xlsx")[
        "4.1"
    ]
    assert "25.12.2023" in sheet["A4"].value and "28.12.2023" in sheet["A4"].value
    plan2 = build_report(workspace, SIGNED, approved=dt.date(2023, 12, 20)).plan
    assert plan2.publication_due == dt.date(2023, 12, 25)
    high = next(m for m in plan2.measures if m.indicator == "I14_late")
    assert high.deadline == dt.date(2024, 1, 19)  # 20 working days after 20.12.2023 (1–2.01 off)


def test_publication_holds_no_personal_data(workspace, orgs):
    risky_district(workspace, orgs)
    outcome = build_report(workspace, SIGNED)
    public = [p for p in outcome.files if "3.2-publication" in str(p) and p.suffix == ".docx"]
    assert len(public) == 4
    names = {"Сейтқали Айгүл", "Омарова Жанар", "Ахметов Ерлан"}
    for path in public:
        text = text_of(path)
        assert scan(text, names, path.name) == []
        assert good_11()["iin"] not in text and "@" not in text


def test_scan_finds_what_must_not_be_published():
    text = "Ответственный Омарова Жанар, тел. +7 (701) 123-45-67, o@x.kz, ИИН 850102300014"
    assert [h.kind for h in scan("87011234567 и 8 7212 41-22-33", set(), "f")] == ["phone", "phone"]
    kinds = sorted(h.kind for h in scan(text, {"Омарова Жанар"}, "f"))
    assert kinds == ["email", "iin", "name", "phone"]


def test_publication_is_refused_when_a_name_slips_in(workspace, orgs, monkeypatch):
    risky_district(workspace, orgs)
    from pipeline.documents import reference

    real = reference.write_reference

    def leaky(path, *args, **kwargs):
        result = real(path, *args, **kwargs)
        from docx import Document

        doc = Document(str(path))
        doc.add_paragraph("Исполнитель: Омарова Жанар")
        doc.save(str(path))
        return result

    monkeypatch.setattr(reference, "write_reference", leaky)
    with pytest.raises(AdalError, match="Омарова Жанар"):
        build_report(workspace, SIGNED)
    assert not list((workspace.paths.outbox / "report" / "3.2-publication").glob("*.docx"))


def _register(workspace):
    book = openpyxl.load_workbook(workspace.paths.outbox / "report" / "6.1-register.xlsx")
    rows = [[c.value for c in row] for row in book["6.1"].iter_rows(min_row=5)]
    review = (
        [[c.value for c in row] for row in book["Қарау-Проверка"].iter_rows(min_row=2)]
        if "Қарау-Проверка" in book.sheetnames
        else []
    )
    return rows, review


def test_register_lists_positions_with_their_sources(workspace, orgs):
    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    rows, review = _register(workspace)
    by_position = {r[1]: r for r in rows}
    teacher = by_position["Мұғалім"]
    assert teacher[2] == "Учитель"  # KZ and RU apart, never the bilingual blob
    assert teacher[3] == "Сыбайлас жемқорлық құқық бұзушылығы үшін тәртіптік жаза"
    assert teacher[4] == "Дисциплинарное взыскание за коррупционное правонарушение"
    assert teacher[5] == "1.2: 1 ұйым / 1 организация"
    addressing = [m.no for m in plan.measures if m.indicator == "I12_corruption"]
    assert teacher[9] == f"№ {', '.join(addressing)}" and addressing
    assert by_position["Хатшы"][5].startswith("1.4:")
    sheet = openpyxl.load_workbook(workspace.paths.outbox / "report" / "6.1-register.xlsx")
    counts = [c for r in sheet["6.1"].iter_rows() for c in r if isinstance(c.value, int)]
    assert counts and {c.alignment.horizontal for c in counts} == {"center"}  # «70№ 6, 8»
    listed = [[c.value for c in r] for r in sheet["Ұйымдар-Организации"].iter_rows(min_row=2)]
    teachers = [r for r in listed if r[1] == "Мұғалім"]
    assert teachers and all(r[0] == teacher[0] and r[2] == "Учитель" for r in teachers)
    names = {o.bin: o.name for o in orgs}
    assert all(r[4] == names[r[3]].kk and r[5] == names[r[3]].ru for r in listed)
    text = " ".join(str(c) for r in rows for c in r)
    assert "Омарова" not in text and "Учитель / " not in text
    assert review == []


def test_register_takes_only_corruption_risks_and_sends_unknown_positions_to_review(
    workspace, orgs
):
    """A cook, a watchman and a librarian were listed as exposed to corruption risk for
    labour-discipline reprimands; «Директор» and «Директор / Директор» were two positions."""
    risky_district(workspace, orgs)
    reprimands = [
        {**good_12(), "position": position, "order_no": f"{n}-к"}
        for n, position in enumerate(("Аспаз / Повар", "Күзетші / Сторож", "Кітапханашы"), 1)
    ]
    corrupt = {**good_12(), "ground": "Коррупционное правонарушение"}
    fill(
        workspace,
        orgs[1],
        {
            "1.2": [
                *reprimands,
                {**corrupt, "position": "Директор / Директор", "order_no": "21-к"},
                {**corrupt, "position": "Директор", "order_no": "22-к"},
                {**corrupt, "position": "Жүргізуші / Водитель", "order_no": "23-к"},
            ]
        },
        "kg-12.xlsx",
    )
    [outcome] = ingest(workspace)
    assert outcome.returns["1.2"] == "accepted", outcome.problems
    build_report(workspace, SIGNED)
    rows, review = _register(workspace)
    kk = [r[1] for r in rows]
    assert not {"Аспаз", "Күзетші", "Кітапханашы"} & set(kk)
    assert kk.count("Директор") == 1
    director = next(r for r in rows if r[1] == "Директор")
    assert director[7] == 2  # two cases, one organisation
    assert [r[2] for r in review] == ["Жүргізуші / Водитель"]
    assert "Водитель" not in " ".join(str(c) for r in rows for c in r)


def test_a_register_basis_is_a_declaration_not_code(workspace, orgs):
    """A department that counts its own facts (here: reprimands for duties, say after an
    anti-corruption service's order) declares them in its report.yaml; no module changes."""
    import yaml

    from pipeline.specs.returns import shipped_schemas

    declared = yaml.safe_load((shipped_schemas() / "report.yaml").read_text(encoding="utf-8"))
    declared["register_bases"]["duties"] = {
        "facts": {"return": "1.2", "count": True, "where": {"ground": ["duties"]}},
        "positions": "position",
        "kk": "Лауазымдық міндеттерді орындамау",
        "ru": "Неисполнение должностных обязанностей",
    }
    own = workspace.paths.root / "schemas"
    own.mkdir(exist_ok=True)
    (own / "report.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True), "utf-8")
    try:
        risky_district(workspace, orgs)
        duties = {**good_12(), "ground": "Неисполнение должностных обязанностей"}
        fill(
            workspace,
            orgs[1],
            {"1.2": [{**duties, "position": "Кітапханашы / Библиотекарь"}]},
            "l.xlsx",
        )
        [outcome] = ingest(workspace)
        assert outcome.returns["1.2"] == "accepted", outcome.problems
        build_report(workspace, SIGNED)
        rows, _ = _register(workspace)
        librarian = next(r for r in rows if r[1] == "Кітапханашы")
        assert librarian[3] == "Лауазымдық міндеттерді орындамау"
        assert librarian[5] == "duties: 1 ұйым / 1 организация"
    finally:
        from pipeline.specs.returns import use_schemas

        use_schemas(workspace.paths.root / "no-such-folder")  # the next test: shipped words


def test_monitoring_templates_ingest_and_states(workspace, orgs, specs):
    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    mine = plan.for_org(orgs[0].bin)
    assert mine
    template = (
        workspace.paths.outbox
        / "report"
        / "5.1-monitoring"
        / f"{orgs[0].bin}_{workspace.campaign.code}_5.1.xlsx"
    )
    book = openpyxl.load_workbook(template)
    sheet = book["5.1"]
    assert sheet.cell(10, 1).value == mine[0].no
    sheet.cell(10, 4).value = "Исполнено"
    sheet.cell(10, 5).value = dt.datetime(2024, 1, 10)
    sheet.cell(10, 6).value = "Приказ №5 от 10.01.2024"
    for row in range(11, 10 + len(mine)):
        sheet.cell(row, 4).value = "В работе"
    book.save(workspace.paths.inbox / "5.1.xlsx")
    sent = clock.aware(
        dt.datetime(2024, 1, 15, 10, 0)
    ).timestamp()  # before the measures' deadlines
    os.utime(workspace.paths.inbox / "5.1.xlsx", (sent, sent))
    [outcome] = ingest(workspace)
    assert outcome.returns == {"5.1": "accepted"}, outcome.problems
    reports = frames.load(workspace).frames["5.1"]
    early = {
        (s.bin, s.no): s.state
        for s in measure_states(plan, reports.to_dict("records"), dt.date(2024, 1, 15))
    }
    assert early[(orgs[0].bin, mine[0].no)] == "done"
    if len(mine) > 1:
        assert early[(orgs[0].bin, mine[1].no)] in ("in_progress", "overdue")
    late = {
        (s.bin, s.no): s.state
        for s in measure_states(plan, reports.to_dict("records"), dt.date(2024, 12, 9))
    }
    assert late[(orgs[0].bin, mine[0].no)] == "done"
    assert {v for k, v in late.items() if k != (orgs[0].bin, mine[0].no)} == {"overdue"}
    assert (
        "5.1" not in return_states(ledger.connect(workspace.paths.ledger), workspace)[orgs[0].bin]
    )


def test_monitoring_report_outside_the_year_is_an_error(workspace, orgs):
    risky_district(workspace, orgs)
    build_report(workspace, SIGNED)
    template = (
        workspace.paths.outbox
        / "report"
        / "5.1-monitoring"
        / f"{orgs[0].bin}_{workspace.campaign.code}_5.1.xlsx"
    )
    book = openpyxl.load_workbook(template)
    book["5.1"].cell(10, 4).value = "Исполнено"
    book["5.1"].cell(10, 5).value = dt.datetime(2023, 1, 10)
    book["5.1"].cell(10, 6).value = "Приказ"
    for row in range(11, 10 + len(read_plan(workspace.paths.outbox).for_org(orgs[0].bin))):
        book["5.1"].cell(row, 4).value = "Орындалуда"
    book.save(workspace.paths.inbox / "5.1.xlsx")
    [outcome] = ingest(workspace)
    assert [p.code for p in outcome.problems] == ["date_out_of_period"]
    assert "08.12.2023" in outcome.problems[0].ru


def test_plan_file_round_trips(workspace, orgs):
    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    again = read_plan(workspace.paths.outbox)
    assert again == plan
    assert (
        json.loads((workspace.paths.outbox / "report" / "plan.json").read_text(encoding="utf-8"))[
            "signed"
        ]
        == "2023-12-08"
    )


def test_status_and_consolidated_workbook_show_measures(workspace, orgs, specs):
    from click.testing import CliRunner

    from pipeline.cli import main

    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    result = CliRunner().invoke(
        main, ["--root", str(workspace.paths.root), "status", "--json", "--today", "2025-01-01"]
    )
    monitoring = json.loads(result.output)["monitoring"]
    assert {m["state"] for m in monitoring} == {"overdue"}
    # every measure an organisation reports on (the department's own steps are not)
    assert len(monitoring) == sum(len(m.orgs) for m in plan.measures if not m.by_department)
    indicators = load_indicators(shipped_schemas() / "indicators.yaml", specs)
    path, _ = write_consolidated(
        workspace, frames.load(workspace), indicators, now=dt.datetime(2023, 12, 20)
    )
    sheet = pd.read_excel(path, sheet_name="5.1 Мониторинг", engine="calamine")
    assert len(sheet) == len(monitoring)
    assert set(sheet["Жағдайы / Состояние"]) <= {
        "есеп жоқ / нет отчёта",
        "мерзімі өтті / просрочено",
    }


def test_a_campaign_collecting_only_some_returns_runs_end_to_end(tmp_path, orgs):
    import shutil

    from pipeline.specs.campaign import load_campaign
    from pipeline.specs.returns import shipped_schemas
    from pipeline.specs.workspace import Paths, open_workspace
    from pipeline.workbooks.registry import write_registry

    paths = Paths(tmp_path)
    (tmp_path / "schemas" / "returns").mkdir(parents=True)
    shutil.copy(shipped_schemas() / "returns" / "1.4.yaml", tmp_path / "schemas" / "returns")
    shutil.copy(shipped_schemas() / "choices.yaml", tmp_path / "schemas")
    paths.campaign_dir.mkdir()
    shutil.copy(shipped_schemas() / "campaign-2023.yaml", paths.campaign_file)
    write_registry(paths.registry_file, orgs, load_campaign(paths.campaign_file).org_types)
    paths.inbox.mkdir()
    workspace = open_workspace(paths)
    fill(
        workspace,
        orgs[0],
        {"1.4": [{**good_14(), "late": 5, "on_time": 4, "refused": 1}]},
        "a.xlsx",
    )
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted"
    outcome = build_report(workspace, SIGNED)
    assert sorted(f.indicator.code for f in outcome.findings) == [
        "I14_late",
        "I14_paper",
        "I14_refused",
    ]
    indicators = load_indicators(paths.schema_file("indicators.yaml"), workspace.specs)
    path, _ = write_consolidated(workspace, frames.load(workspace), indicators)
    assert path.exists()


def test_report_refuses_dates_that_cannot_be_true(workspace, orgs):
    """A reference signed inside the analysed period, or a plan approved before the
    reference it follows, is refused with exit code 2 and nothing is written."""
    from pipeline.core.errors import ImpossibleDateError

    risky_district(workspace, orgs)
    for signed, approved in (
        (dt.date(2023, 10, 15), None),  # the period runs to 31.10.2023
        (SIGNED, dt.date(2023, 12, 1)),  # approved before signing
    ):
        with pytest.raises(ImpossibleDateError) as caught:
            build_report(workspace, signed, approved)
        assert caught.value.exit_code == 2
        assert "--signed" in caught.value.ru or "--approved" in caught.value.ru
    assert not (workspace.paths.outbox / "report" / "3.1-reference-ru.docx").exists()


def test_a_late_approval_is_written_into_the_plan(workspace, orgs):
    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED, approved=dt.date(2024, 1, 15)).plan
    assert plan.late_approval and read_plan(workspace.paths.outbox).late_approval
    sheet = openpyxl.load_workbook(workspace.paths.outbox / "report" / "4.1-action-plan.xlsx")[
        "4.1"
    ]
    assert "позже установленного срока" in sheet["A4"].value
    kk = text_of(workspace.paths.outbox / "report" / "4.1-action-plan-kk.docx")
    assert "2024 жылғы 15 қаңтарда бекітілді — белгіленген мерзімнен кеш" in kk


def test_a_measure_done_after_its_deadline_is_done_late(workspace, orgs):
    """«исполнено» was shown for a measure done weeks after its deadline."""
    from pipeline.tracking.measures import STATE_TEXT

    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    first = plan.for_org(orgs[0].bin)[0]
    reports = pd.DataFrame(
        [
            {
                "bin": orgs[0].bin,
                "measure_no": first.no,
                "status": "done",
                "done_on": first.deadline + dt.timedelta(days=20),
                "evidence": "Приказ",
            }
        ]
    )
    [state] = [
        s
        for s in measure_states(plan, reports.to_dict("records"), dt.date(2024, 6, 1))
        if (s.bin, s.no) == (orgs[0].bin, first.no)
    ]
    assert state.state == "done_late"
    assert STATE_TEXT["done_late"].ru == "исполнено с нарушением срока"


def test_who_answers_for_a_measure_follows_the_work_plan(workspace, orgs):
    """Every measure was the HR service's, and heads were to brief themselves."""
    risky_district(workspace, orgs)
    plan = build_report(workspace, SIGNED).plan
    by_indicator = {m.indicator: m for m in plan.measures}
    late = by_indicator["I14_late"].responsible.ru
    assert late.startswith("Руководители организаций (Школа №1)")
    assert late.endswith("ответственные лица отдела образования, курирующие данное направление")
    if "I13_liable" in by_indicator:
        assert by_indicator["I13_liable"].responsible.ru == "Руководство отдела образования"
