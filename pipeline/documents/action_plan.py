"""4.1 The action plan: measures, who is responsible, deadlines — as XLSX and DOCX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from pipeline.core import textfit
from pipeline.core.grammar import Day, Number
from pipeline.core.messages import label as label_text
from pipeline.core.messages import render
from pipeline.core.numerals import WORKING_DAY
from pipeline.core.text import capitalised
from pipeline.documents.measures import Measure
from pipeline.documents.reference import approval_lines, word, words
from pipeline.files import docxio
from pipeline.files.atomic import close_workbook, written
from pipeline.files.xlsxout import SAFE_OPTIONS, page_setup
from pipeline.specs.plan import Plan
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.indicators import Indicator


def _pair(which: str) -> tuple[str, str]:
    """A label whose two languages stand in two columns."""
    message = render(which)
    return message.kk, message.ru


def _due(plan: Plan, workspace: Workspace, lang: str, numeric: bool = False) -> str:
    """The plan's own deadlines, in words the work plan uses («не позднее 10 рабочих дней»
    / «10 жұмыс күнінен кешіктірмей»); the day counts come from the campaign."""
    settings = workspace.campaign.report
    days = Number(settings.get("action_plan_working_days", 10), WORKING_DAY)
    pub_days = Number(settings.get("publication_working_days", 3), WORKING_DAY)
    text = word(
        "plan_due",
        lang,
        signed=Day(plan.signed, numeric),
        due=Day(plan.plan_due, numeric),
        pub=Day(plan.publication_due, numeric),
        days=days,
        pub_days=pub_days,
    )
    if plan.late_approval:
        text += word("plan_late", lang, approved=Day(plan.approved, numeric))
    return text


def _area(workspace: Workspace, area: str, lang: str) -> str:
    """«2.1 Управление персоналом»: the area as the plan names it, not its number alone."""
    titles = workspace.areas
    return f"{area} {titles[area].get(lang)}" if area in titles else area


def _row(workspace: Workspace, m: Measure, lang: str) -> list[str]:
    return [m.no, _area(workspace, m.area, lang), capitalised(m.text.get(lang)),
            m.responsible.get(lang), f"{m.deadline:%d.%m.%Y}"]  # fmt: skip


def write_xlsx(path: Path, workspace: Workspace, plan: Plan, indicators: list[Indicator]) -> Path:
    book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    sheet = book.add_worksheet("4.1")
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    date = book.add_format({"num_format": "dd.mm.yyyy", "valign": "top", "border": 1})
    # 174: one A4 page wide at 75 %. The organisations stand in the responsible columns, in
    # each language; a column of their Russian names alone repeated them in one language.
    widths = (5, 14, 34, 34, 26, 26, 11, 24)
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    lead = [
        word("plan_title", "kk"),
        word("plan_title", "ru"),
        _due(plan, workspace, "kk"),
        _due(plan, workspace, "ru", numeric=True),
    ]
    for r, text in enumerate(lead):
        sheet.merge_range(r, 0, r, len(widths) - 1, text, bold)
        sheet.set_row(r, textfit.row_height([(text, sum(widths), True)]))
    headers = [
        "№",
        label_text("label_area"),
        *_pair("plan_measure"),
        *_pair("plan_responsible"),
        label_text("label_deadline"),
        label_text("label_indicator"),
    ]
    for c, h in enumerate(headers):
        sheet.write_string(5, c, h, head)
    sheet.set_row(
        5, textfit.row_height([(h, w, True) for h, w in zip(headers, widths, strict=True)])
    )
    titles = {i.code: i.title.both for i in indicators}
    for r, m in enumerate(plan.measures, start=6):
        texts = [
            m.no,
            f"{_area(workspace, m.area, 'kk')}\n{_area(workspace, m.area, 'ru')}",
            capitalised(m.text.kk),
            capitalised(m.text.ru),
            m.responsible.kk,
            m.responsible.ru,
        ]
        for c, value in enumerate(texts):
            sheet.write_string(r, c, value, wrap)
        sheet.write_datetime(r, 6, dt.datetime.combine(m.deadline, dt.time()), date)
        title = "; ".join(titles.get(code, code) for code in m.indicators)
        sheet.write_string(r, 7, title, wrap)
        cells = [*zip(texts, widths[:6], strict=True), (title, widths[7])]
        sheet.set_row(r, textfit.row_height([(t, w, False) for t, w in cells]))
    sheet.freeze_panes(6, 0)
    page_setup(
        sheet, sum(widths), header_rows=1, footer=workspace.campaign.subject.both, header_at=5
    )
    close_workbook(book, path)
    return path


def write_docx(path: Path, workspace: Workspace, plan: Plan, lang: str) -> Path:
    c = workspace.campaign
    doc = docxio.new_document(
        author=c.subject.get(lang), title=word("plan_title", lang), landscape=True
    )
    docxio.approval_block(doc, approval_lines(c, lang))
    docxio.title(doc, word("plan_title", lang))
    docxio.para(doc, _due(plan, workspace, lang), italic=True, justify=False)
    rows = [_row(workspace, m, lang) for m in plan.measures]
    # the area column fits the longest word of an area's name at 12 pt («противодействию»,
    # «ұйымдастырушылық-»), so no word is broken inside it; the measure keeps the most room
    docxio.table(doc, words("plan_head", lang), rows, [1.5, 5.2, 8.5, 7.6, 2.9])  # «№ п/п» whole
    path.parent.mkdir(parents=True, exist_ok=True)
    with written(path) as part:
        doc.save(str(part))
    return path
