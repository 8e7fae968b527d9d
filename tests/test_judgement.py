"""What the reference calls corruption follows the law and the data (issue 23).

A theft conviction flagged «corruption» is not one, a bribe left unflagged is; an article
that cannot be read is asked about; a confirmed complaint about a cook's manners makes no
corruption risk, and twelve unconfirmed bribery complaints are seen; an organisation that
sent nothing gets a check; a confirmed corruption fact leads to the steps the law asks for.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline import ledger
from pipeline.core.workdays import WorkCalendar
from pipeline.core.yamlio import load_yaml
from pipeline.documents.findings import Finding, Hit, find
from pipeline.documents.measures import measures_from
from pipeline.documents.reference import _top_areas
from pipeline.intake.ingest import ingest
from pipeline.specs.offences import NO, UNKNOWN, YES
from pipeline.specs.returns import shipped_schemas
from pipeline.workbooks.indicators import compute, load_indicators
from tests.helpers import fill, good_11, make_iin


def _indicators(specs, *codes):
    every = load_indicators(shipped_schemas() / "indicators.yaml", specs)
    return [i for i in every if i.code in codes]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("188", NO),
        ("ст. 188 ч. 2", NO),
        ("366 ч.1 УК РК", YES),
        ("ҚК 366-бабы", YES),
        ("Статья 366 часть 2", YES),
        ("ст.189 ч.3 п.2", YES),
        ("189-баптың 3-бөлігінің 2-тармағы", YES),
        ("ст. 190 ч. 1", NO),  # plain fraud: only by official position is it corruption
        ("ст. 189", UNKNOWN),  # which part? asked, never guessed
        ("ст. 999", UNKNOWN),  # not an article of the code
        ("не помню", UNKNOWN),
        ("ҚР Заңы 10-б. / ст.10 Закона", UNKNOWN),  # a law, not a code
        ("ҚК 366-бап 1-бөлік – Пара алу / УК ст. 366 ч. 1 – Получение взятки", YES),  # dropdown
        ("ҚК-нің 189-бабы 3-бөлігінің 2) тармағы", YES),  # as legislation cites
        ("п. 2 ч. 3 ст. 189 УК", YES),
        ("cт.366", YES),  # a Latin «c»
        ("ч.2 ст.188, 366", YES),  # the red team: the unmarked bribe was dropped
        ("ст. 366 УК РК от 03.07.2014", YES),  # the code's date is not an article
        ("366.1", UNKNOWN),  # read as art. 36 before
        ("189.3.2", UNKNOWN),
        ("22.03.2023", UNKNOWN),  # a date, read as art. 2 before
        ("1000", UNKNOWN),  # read as art. 100 before
        ("366 УК РФ", UNKNOWN),  # another country's code
        ("ГК 366", UNKNOWN),  # another code
        ("ст.311 ч.1 УК РК (1997 г.)", UNKNOWN),  # the old Code's numbering
        ("КоАП 676", UNKNOWN),  # an administrative offence is not a conviction
        ("ст. 189 ч. 4", UNKNOWN),  # counts only by official position: asked
        ("ст. 190 ч. 3 п. 2, ч.1 ст.188", YES),  # each part with its own article
        ("ст. 189 ч.3, п.2", YES),  # a point standing alone belongs to the article before
        ("ст. 188 УК РК от 3 июля 2014 года", NO),  # the code's date is its name
        ("ст. 366 ч.1 УК РК от 16.07.1997", UNKNOWN),  # the 1997 Code: other numbering
        ("ст. 366-1", UNKNOWN),  # an article not declared: asked, not «not corruption»
        ("УК РФ 290", UNKNOWN),
        ("0-0", UNKNOWN),  # crashed the return's checks: «-0» after its zeros were stripped
        ("00-1", UNKNOWN),
        ("0366", YES),  # a leading zero is still article 366
    ],
)
def test_an_article_is_read_as_people_type_it(specs, typed, expected):
    register = specs["1.1"].column("article").offences.register
    assert register.read(typed, "criminal").verdict == expected


def test_a_1_3_offence_the_article_contradicts_and_an_article_without_a_conviction_are_asked(
    workspace, orgs
):
    """The red team: «Получение взятки» with art. 188 vanished silently; «no conviction» with
    art. 366 and the flag «yes» was ignored."""
    liable = {
        "full_name": "Ахметов Ерлан",
        "position": "Директор / Директор",
        "liability": "Қылмыстық / Уголовная",
        "offence": "Пара алу / беру / Получение / дача взятки",
        "article": "188",
        "decision_date": dt.datetime(2023, 3, 1),
        "dismissed": "Иә / Да",
    }
    odd = {**good_11(), "has_record": "Жоқ / Нет", "article": "366", "corruption": "Иә / Да"}
    fill(workspace, orgs[0], {"1.1": [odd], "1.3": [liable]}, "school.xlsx")
    [outcome] = ingest(workspace)
    asked = {(p.sheet, p.code) for p in outcome.problems if p.severity == "query"}
    assert ("1.3", "corruption_flag_disagrees") in asked
    assert ("1.1", "rule") in asked
    assert outcome.returns["1.1"] == outcome.returns["1.3"] == "accepted"


def test_every_dropdown_line_of_the_declared_offences_reads_back_as_corruption(specs):
    column = specs["1.1"].column("article")
    lines = [c for c in column.suggest if c.code != "other"]
    assert len(lines) >= 15
    for line in lines:
        for half in (line.label.kk, line.label.ru, line.label.both):
            assert column.offences.register.read(half, "criminal").verdict == YES, half


def test_a_theft_flagged_as_corruption_is_not_counted_and_a_bribe_unflagged_is(specs, orgs):
    """Seen: «ст. 188» flagged «Да» counted as corruption, art. 366 flagged «Нет» left out."""
    frames = {
        "1.1": pd.DataFrame(
            [
                {
                    "bin": orgs[0].bin,
                    "has_record": "yes",
                    "article": "ст. 188",
                    "corruption": "yes",
                },
                {"bin": orgs[1].bin, "has_record": "yes", "article": "366 ч.1", "corruption": "no"},
                {"bin": orgs[1].bin, "has_record": "no", "article": None, "corruption": None},
            ]
        )
    }
    both = _indicators(specs, "I11_corruption", "I11_record")
    available = {(o.bin, "1.1") for o in orgs[:2]}
    table = compute(both, orgs, frames, specs, available).set_index(["indicator", "bin"])
    assert table.loc[("I11_corruption", orgs[0].bin), "value"] == 0.0
    assert table.loc[("I11_corruption", orgs[1].bin), "value"] == 1.0
    # one conviction is scored once: the bribe is not also a «record» in I11_record
    assert table.loc[("I11_record", orgs[1].bin), "numerator"] == 0.0
    assert table.loc[("I11_record", orgs[0].bin), "numerator"] == 1.0


def test_a_flag_the_article_contradicts_is_a_query_and_the_return_is_accepted(workspace, orgs):
    theft = {**good_11(), "has_record": "Иә / Да", "article": "ст. 188 ч. 2",
             "corruption": "Иә / Да"}  # fmt: skip
    fill(workspace, orgs[0], {"1.1": [theft]}, "school.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.returns["1.1"] == "accepted"
    asked = [p for p in outcome.problems if p.severity == "query"]
    assert [p.code for p in asked] == ["corruption_flag_disagrees"]
    assert "не относится к коррупционным" in asked[0].ru and "Просим подтвердить" in asked[0].ru
    conn = ledger.connect(workspace.paths.ledger)
    try:
        [query] = ledger.open_queries(conn)
    finally:
        conn.close()
    assert (query.bin, query.return_code, query.code) == (
        orgs[0].bin,
        "1.1",
        "corruption_flag_disagrees",
    )
    assert outcome.feedback  # the sender gets the query in a correction workbook


@pytest.mark.slow
def test_a_later_submission_closes_the_query(workspace, orgs):
    unread = {**good_11(), "has_record": "Иә / Да", "article": "ст. 189"}  # which part?
    fill(workspace, orgs[0], {"1.1": [unread]}, "first.xlsx", dt.datetime(2023, 11, 10, 9))
    [first] = ingest(workspace)
    assert [p.code for p in first.problems if p.severity == "query"] == ["article_part_needed"]
    answered = {**unread, "article": "ст. 189 ч. 3 п. 2"}
    fill(workspace, orgs[0], {"1.1": [answered]}, "second.xlsx", dt.datetime(2023, 11, 12, 9))
    ingest(workspace)
    conn = ledger.connect(workspace.paths.ledger)
    try:
        assert ledger.open_queries(conn) == []
    finally:
        conn.close()


def test_a_confirmed_complaint_about_a_cook_is_not_a_corruption_risk(specs, orgs):
    frames = {
        "1.6": pd.DataFrame([{"bin": orgs[0].bin, "topic": "conduct", "substantiated": "yes"}] * 3)
    }
    ind = _indicators(specs, "I16_complaints", "I16_alleged")
    table = compute(ind, orgs, frames, specs, {(orgs[0].bin, "1.6")})
    assert set(table[table["bin"] == orgs[0].bin]["level"]) == {"low"}


def test_twelve_unconfirmed_bribery_complaints_are_seen(specs, orgs, workspace):
    frames = {
        "1.6": pd.DataFrame([{"bin": orgs[0].bin, "topic": "bribery", "substantiated": "no"}] * 12)
    }
    ind = _indicators(specs, "I16_complaints", "I16_alleged")
    table = compute(ind, orgs, frames, specs, {(orgs[0].bin, "1.6")})
    alleged = table[(table["indicator"] == "I16_alleged") & (table["bin"] == orgs[0].bin)].iloc[0]
    assert (alleged["value"], alleged["detail"], alleged["level"]) == (12.0, 0.0, "high")
    [finding] = find(workspace, table, ind)
    assert finding.hits[0].detail == 0.0


def test_an_organisation_that_sent_nothing_gets_a_check_and_a_bribe_the_steps_of_the_law(
    specs, orgs
):
    wording = load_yaml(shipped_schemas() / "report.yaml")
    [bribe] = _indicators(specs, "I11_corruption")
    hit = Hit(orgs[1].bin, orgs[1].name, 1.0, "high")
    finding = Finding(bribe, [hit], 1, None, bribe.title)
    calendar = WorkCalendar(set(), {})
    measures = measures_from([finding], dt.date(2023, 12, 20), calendar, wording, [orgs[2]])
    texts = [m.text.ru for m in measures]
    assert any("уполномоченный орган по противодействию коррупции" in t for t in texts)
    assert any("служебную проверку" in t for t in texts)
    assert any("уполномоченным по этике" in t for t in texts)
    check = next(m for m in measures if "не представившей ни одного отчёта" in m.text.ru)
    assert check.orgs == [orgs[2].bin] and f"({orgs[2].name.ru})" in check.text.ru
    legal = next(m for m in measures if "уполномоченный орган" in m.text.ru)
    assert legal.orgs == [orgs[1].bin] and "«О противодействии коррупции»" in legal.text.ru


def test_no_high_level_sentence_when_none_was_high(specs, orgs):
    """Seen: «Больше всего организаций с высоким уровнем риска» with no high level found."""
    [ind] = _indicators(specs, "I14_late")
    medium = Finding(ind, [Hit(orgs[0].bin, orgs[0].name, 3.0, "medium")], 3, 1.0, ind.title)
    said = _top_areas({"2.3": [medium], "2.1": []}, {}, "ru")
    assert "высоким" not in said and "с выявленным риском (1)" in said and "2.3" in said


@pytest.mark.slow
def test_data_sent_again_unchanged_after_the_query_are_confirmed(workspace, orgs):
    """The letter asks to correct or confirm; confirming is sending the same data again."""
    theft = {**good_11(), "has_record": "Иә / Да", "article": "ст. 188 ч. 2",
             "corruption": "Иә / Да"}  # fmt: skip
    fill(workspace, orgs[0], {"1.1": [theft]}, "first.xlsx", dt.datetime(2023, 11, 10, 9))
    ingest(workspace)
    # sent again with the asked row unchanged (and a colleague added: other bytes, whatever
    # the second the two files were saved in)
    other = {**good_11(make_iin(2)), "full_name": "Серік Айгүл"}
    fill(workspace, orgs[0], {"1.1": [theft, other]}, "again.xlsx", dt.datetime(2023, 11, 13, 9))
    [again] = ingest(workspace)
    assert [p.code for p in again.problems if p.severity == "query"] == [
        "corruption_flag_disagrees"
    ]  # asked in the answer, as the sender sees it
    conn = ledger.connect(workspace.paths.ledger)
    try:
        assert ledger.open_queries(conn) == []  # but confirmed: no longer open
    finally:
        conn.close()


def test_a_disciplinary_measure_under_a_law_with_offence_other_is_asked_about(specs):
    """The red team: «ст. 12 Закона о противодействии коррупции», offence «Иное», was
    silently «not corruption»."""
    from pipeline.specs.offences import verdict

    row = {"liability": "disciplinary", "offence": "other",
           "article": "ст. 12 Закона о противодействии коррупции"}  # fmt: skip
    assert verdict(specs["1.3"], "article", row).verdict == UNKNOWN
    row["offence"] = "conflict"  # the offence chosen says corruption: counted
    assert verdict(specs["1.3"], "article", row).verdict == YES


def test_a_flag_query_does_not_hold_back_the_law_and_an_article_query_does(specs, orgs):
    """The red team: a bribe whose flag said «no» was counted, yet the steps the law asks
    for were held back because the flag was queried; an unread article must hold them."""
    from pipeline.workbooks.indicators import doubted

    wording = load_yaml(shipped_schemas() / "report.yaml")
    [bribe] = _indicators(specs, "I11_corruption")
    finding = Finding(bribe, [Hit(orgs[0].bin, orgs[0].name, 1.0, "high")], 1, None, bribe.title)
    calendar = WorkCalendar(set(), {})
    flag = {(orgs[0].bin, "1.1", "corruption")}
    article = {(orgs[0].bin, "1.1", "article")}
    assert not doubted(bribe, orgs[0].bin, flag) and doubted(bribe, orgs[0].bin, article)
    steps = measures_from([finding], dt.date(2023, 12, 20), calendar, wording, [], flag)
    assert any("уполномоченный орган" in m.text.ru for m in steps)
    held = measures_from([finding], dt.date(2023, 12, 20), calendar, wording, [], article)
    assert not any("уполномоченный орган" in m.text.ru for m in held)


def test_the_departments_own_steps_are_not_in_the_schools_execution_reports(specs, orgs):
    from pipeline.specs.plan import Plan

    wording = load_yaml(shipped_schemas() / "report.yaml")
    [bribe] = _indicators(specs, "I11_corruption")
    finding = Finding(bribe, [Hit(orgs[0].bin, orgs[0].name, 1.0, "high")], 1, None, bribe.title)
    day = dt.date(2023, 12, 20)
    measures = measures_from([finding], day, WorkCalendar(set(), {}), wording, [orgs[1]])
    plan = Plan(day, day, day, day, measures)
    mine = [m.text.ru for m in plan.for_org(orgs[0].bin)]
    assert not any("уполномоченный орган" in t for t in mine)  # the department informs
    assert any("служебную проверку" in t for t in mine)  # the school reviews and reports
    assert any("не представившей" in m.text.ru for m in plan.for_org(orgs[1].bin))


def test_an_article_of_zero_dash_zero_is_asked_about_not_an_internal_error(specs, campaign):
    """Found by the round-trip property in CI: «0-0» in the article cell lost its zeros
    to «-0», and reading it raised, so the whole sheet went back as an internal error."""
    from pipeline.intake.validate import SheetRows, check_sheets

    spec = specs["1.1"]
    row = {
        "iin": "000101500011", "full_name": "Ахметов Ерлан", "position": "Мұғалім",
        "checked_on": dt.datetime(2023, 3, 1), "has_record": "Иә / Да", "article": "0-0",
        "corruption": "Жоқ / Нет",
    }  # fmt: skip
    sheet = SheetRows(
        spec.sheet,
        [[row.get(k, "") for k in spec.keys]],
        [5],
        {k: i for i, k in enumerate(spec.keys)},
    )
    check_sheets(spec, campaign.period("1.1", "general_secondary"), [sheet])
    assert [(p.code, p.column_key, p.severity) for p in sheet.problems] == [
        ("article_not_in_code", "article", "query")
    ]
