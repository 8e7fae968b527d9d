"""4.1 The action plan: measures, who is responsible, deadlines — as XLSX and DOCX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from . import docxio
from .plan_measures import Measure
from .planfile import Plan
from .templates import SAFE_OPTIONS
from .workspace import Workspace

HEAD = {
    "kk": ["№", "Бағыт", "Іс-шара", "Жауаптылар", "Мерзімі"],
    "ru": ["№ п/п", "Направление", "Мероприятие", "Ответственные", "Срок"],
}
TITLE = {
    "kk": "Сыбайлас жемқорлық тәуекелдеріне ішкі талдау нәтижелері бойынша анықталған сыбайлас жемқорлық құқық "
    "бұзушылықтар жасауға ықпал ететін себептер мен жағдайларды жою жөніндегі іс-шаралар жоспары",
    "ru": "План мероприятий по устранению причин и условий, способствующих совершению коррупционных "
    "правонарушений, выявленных по результатам внутреннего анализа коррупционных рисков",
}
DUE = {
    "kk": "Талдамалық анықтамаға қол қойылған күн: {signed}. Жоспарды бекіту мерзімі (10 жұмыс күні): {due}. "
    "Интернет-ресурста орналастыру мерзімі (бекітілгеннен кейін 3 жұмыс күні): {pub}.",
    "ru": "Аналитическая справка подписана: {signed}. Срок утверждения плана (10 рабочих дней): {due}. "
    "Срок размещения на интернет-ресурсе (3 рабочих дня после утверждения): {pub}.",
}


def _row(m: Measure, lang: str) -> list[str]:
    return [m.no, m.area, m.text.get(lang), m.responsible.get(lang), f"{m.deadline:%d.%m.%Y}"]


def write_xlsx(path: Path, ws: Workspace, plan: Plan) -> Path:
    book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    sheet = book.add_worksheet("4.1")
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    date = book.add_format({"num_format": "dd.mm.yyyy", "valign": "top", "border": 1})
    sheet.merge_range(0, 0, 0, 8, TITLE["kk"], bold)
    sheet.merge_range(1, 0, 1, 8, TITLE["ru"], bold)
    fields = {
        "signed": f"{plan.signed:%d.%m.%Y}",
        "due": f"{plan.plan_due:%d.%m.%Y}",
        "pub": f"{plan.publication_due:%d.%m.%Y}",
    }
    sheet.merge_range(2, 0, 2, 8, DUE["kk"].format(**fields), bold)
    sheet.merge_range(3, 0, 3, 8, DUE["ru"].format(**fields), bold)
    for r in range(4):
        sheet.set_row(r, 36)
    headers = [
        "№",
        "Бағыт / Направление",
        "Іс-шара",
        "Мероприятие",
        "Жауаптылар",
        "Ответственные",
        "Мерзімі / Срок",
        "Ұйымдар (БСН) / Организации (БИН)",
        "Көрсеткіш / Показатель",
    ]
    for c, h in enumerate(headers):
        sheet.write_string(5, c, h, head)
    for r, m in enumerate(plan.measures, start=6):
        for c, value in enumerate(
            [m.no, m.area, m.text.kk, m.text.ru, m.responsible.kk, m.responsible.ru]
        ):
            sheet.write_string(r, c, value, wrap)
        sheet.write_datetime(r, 6, dt.datetime.combine(m.deadline, dt.time()), date)
        sheet.write_string(r, 7, ", ".join(m.orgs), wrap)
        sheet.write_string(r, 8, m.indicator, wrap)
    for c, width in enumerate((5, 10, 50, 50, 35, 35, 12, 30, 16)):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(6, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    book.close()
    return path


def write_docx(path: Path, ws: Workspace, plan: Plan, lang: str) -> Path:
    c = ws.campaign
    doc = docxio.new_document()
    approve = "БЕКІТЕМІН" if lang == "kk" else "УТВЕРЖДАЮ"
    docxio.approval_block(
        doc,
        [
            approve,
            c.approver_position.get(lang),
            c.subject.get(lang),
            "",
            f"__________ {c.approved_by.get(lang)}",
            f"«___» ____________ {plan.approved:%Y}",
        ],
    )
    docxio.title(doc, TITLE[lang])
    fields = {
        "signed": f"{plan.signed:%d.%m.%Y}",
        "due": f"{plan.plan_due:%d.%m.%Y}",
        "pub": f"{plan.publication_due:%d.%m.%Y}",
    }
    docxio.para(doc, DUE[lang].format(**fields), italic=True)
    docxio.table(doc, HEAD[lang], [_row(m, lang) for m in plan.measures], [1.2, 1.8, 7.5, 4.5, 2.2])
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
