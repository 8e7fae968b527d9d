"""3.1 The analytical reference, one DOCX per language, written from the consolidated data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import docxio
from .findings import Finding, by_area
from .indicators import LEVEL_TEXT
from .numerals import ORGANISATION, count
from .plan_measures import Measure
from .status import summary
from .workspace import Workspace
from .yamlio import load_yaml

WORDS = {
    "approve": ("БЕКІТЕМІН", "УТВЕРЖДАЮ"),
    "title": (
        "Сыбайлас жемқорлық тәуекелдеріне ішкі талдау нәтижелері бойынша\nТАЛДАМАЛЫҚ АНЫҚТАМА",
        "АНАЛИТИЧЕСКАЯ СПРАВКА\nпо результатам внутреннего анализа коррупционных рисков",
    ),
    "general": ("1. Жалпы ережелер", "1. Общие положения"),
    "subject": ("Ішкі талдау субъектісі: {s}.", "Субъект внутреннего анализа: {s}."),
    "objects": (
        "Талдау объектілері: {n} білім беру ұйымы, оның ішінде: {parts}.",
        "Объекты анализа: {n} организаций образования, в том числе: {parts}.",
    ),
    "period": ("Талдау кезеңі: {parts}.", "Период анализа: {parts}."),
    "sources": (
        "Ақпарат көздері (жұмыс жоспарының 1.1–1.8, 2.1–2.5 тармақтары):",
        "Источники информации (пункты 1.1–1.8, 2.1–2.5 плана работ):",
    ),
    "completeness": ("Ақпарат ұсынудың толықтығы:", "Полнота представления информации:"),
    "results": (
        "2. Қызмет бағыттары бойынша талдау нәтижелері",
        "2. Результаты анализа по направлениям деятельности",
    ),
    "source_note": (
        "Дереккөз: {r} есептері; көрсеткіш {c}.",
        "Источник: отчёты {r}; показатель {c}.",
    ),
    "org": ("Ұйым", "Организация"),
    "value": ("Мәні", "Значение"),
    "level": ("Деңгейі", "Уровень"),
    "causes": (
        "3. Сыбайлас жемқорлық құқық бұзушылықтар жасауға ықпал ететін себептер мен жағдайлар",
        "3. Причины и условия, способствующие совершению коррупционных правонарушений",
    ),
    "recs": ("4. Ұсынымдар", "4. Рекомендации"),
    "no_recs": (
        "Сыбайлас жемқорлық тәуекелдері анықталмағандықтан, жалпы алдын алу шаралары ұсынылады.",
        "В связи с отсутствием выявленных коррупционных рисков рекомендуются общие профилактические меры.",
    ),
    "deadline": ("мерзімі", "срок"),
    "executor": ("Орындаған: {n}", "Исполнитель: {n}"),
    "missing": (
        "Ақпаратты толық ұсынбаған ұйымдар: {orgs}.",
        "Не представили информацию в полном объёме: {orgs}.",
    ),
    "nil": (
        "Нөлдік есеп (кезеңде деректер жоқ) ұсынды: {parts}.",
        "Нулевые отчёты (данных за период нет) представили: {parts}.",
    ),
    "summary_head": ("5. Қорытынды", "5. Заключение"),
    "summary": (
        "Талдау барысында {areas} бағыт бойынша {found} көрсеткіш кемінде бір ұйымда сыбайлас жемқорлық "
        "тәуекелін көрсетті, оның ішінде {high} көрсеткіш бойынша тәуекел деңгейі жоғары. Тәуекелдер ең көп "
        "анықталған бағыттар: {top}. Оларды жою үшін {measures} іс-шара ұсынылады; іс-шаралар жоспары {due} "
        "дейін бекітілуі тиіс.",
        "В ходе анализа по {areas} направлениям {found} показателей указали на коррупционный риск хотя бы "
        "в одной организации, из них по {high} уровень риска высокий. Больше всего рисков выявлено по "
        "направлениям: {top}. Для их устранения рекомендуется мероприятий: {measures}; план мероприятий "
        "подлежит утверждению до {due}.",
    ),
    "summary_none": (
        "Талдау барысында сыбайлас жемқорлық тәуекелдері анықталған жоқ.",
        "В ходе анализа коррупционные риски не выявлены.",
    ),
    "type_rate": (
        "{t}: {r:.0%} есеп қабылданды (уақытында {o:.0%})",
        "{t}: принято {r:.0%} отчётов (в срок {o:.0%})",
    ),
}


def word(key: str, lang: str, **fields) -> str:
    kk, ru = WORDS[key]
    return (kk if lang == "kk" else ru).format(**fields)


def _number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def write_reference(
    path: Path,
    ws: Workspace,
    lang: str,
    findings: list[Finding],
    measures: list[Measure],
    states,
    *,
    public: bool = False,
    plan_due: dt.date | None = None,
) -> Path:
    """Write the reference in one language; `public` leaves out the executor's contacts."""
    texts = load_yaml(ws.paths.schema_file("report.yaml"))
    c = ws.campaign

    def t(text):
        return text.get(lang)

    doc = docxio.new_document()
    docxio.approval_block(
        doc,
        [
            word("approve", lang),
            t(c.approver_position),
            t(c.subject),
            "",
            f"__________ {t(c.approved_by)}",
            "«___» ____________ 20___",
        ],
    )
    docxio.title(doc, word("title", lang))
    docxio.heading(doc, word("general", lang))
    basis = texts["basis"][lang].format(approved_on=f"{c.approved_on:%d.%m.%Y}")
    docxio.para(doc, basis)
    docxio.para(doc, word("subject", lang, s=t(c.subject)))
    counts = {k: sum(o.type == k for o in ws.organisations) for k in c.org_types}
    parts = "; ".join(f"{t(c.org_types[k])} — {n}" for k, n in counts.items() if n)
    docxio.para(doc, word("objects", lang, n=len(ws.organisations), parts=parts))
    first = next(iter(ws.collected))
    periods = "; ".join(f"{t(c.org_types[k])}: {c.period(first, k).label}" for k in c.org_types)
    docxio.para(doc, word("period", lang, parts=periods))
    docxio.para(doc, word("sources", lang))
    for spec in ws.collected.values():
        docxio.para(doc, f"{spec.code}. {t(spec.title)}")
    docxio.para(doc, word("completeness", lang))
    for org_type, s in summary(ws, states).items():
        if s["applicable"]:
            docxio.para(
                doc,
                word(
                    "type_rate", lang, t=t(c.org_types[org_type]), r=s["rate"], o=s["on_time_rate"]
                ),
            )
    nil = {
        code: sum(states[org.bin][code].nil for org in ws.organisations) for code in ws.collected
    }
    if any(nil.values()):
        where = {"kk": "{code} есебі бойынша — {n}", "ru": "по отчёту {code} — {n}"}[lang]
        parts = "; ".join(
            where.format(code=code, n=count(n, ORGANISATION, lang)) for code, n in nil.items() if n
        )
        docxio.para(doc, word("nil", lang, parts=parts))
    incomplete = [
        t(org.name)
        for org in ws.organisations
        if any(st.state in ("missing", "rejected") for st in states[org.bin].values())
    ]
    if incomplete:
        docxio.para(doc, word("missing", lang, orgs=", ".join(incomplete)))
    docxio.heading(doc, word("results", lang))
    areas = by_area(findings)
    area_titles = ws.specs["2"].areas if "2" in ws.specs else {}
    for area, found in areas.items():
        docxio.heading(doc, f"{area}. {t(area_titles[area]) if area in area_titles else ''}")
        if not found:
            docxio.para(doc, texts["none_found"][lang])
            continue
        for finding in found:
            docxio.para(doc, t(finding.text))
            rows = [
                [
                    t(h.name),
                    f"{_number(h.value)} {t(finding.indicator.unit)}",
                    t(LEVEL_TEXT[h.level]),
                ]
                for h in finding.hits
            ]
            docxio.table(
                doc, [word("org", lang), word("value", lang), word("level", lang)], rows, [9, 4, 3]
            )
            docxio.para(
                doc,
                word("source_note", lang, r=", ".join(finding.sources), c=finding.indicator.code),
                italic=True,
            )
    docxio.heading(doc, word("causes", lang))
    for area, found in areas.items():
        if found:
            docxio.para(doc, f"{area}: {texts['causes'][area][lang]}.")
    docxio.heading(doc, word("recs", lang))
    if not measures:
        docxio.para(doc, word("no_recs", lang))
    for m in measures:
        docxio.para(
            doc,
            f"{m.no}. {t(m.text)} ({t(m.responsible)}; {word('deadline', lang)} {m.deadline:%d.%m.%Y})",
        )
    docxio.heading(doc, word("summary_head", lang))
    if findings:
        ranked = sorted((a for a, f in areas.items() if f), key=lambda a: -len(areas[a]))
        top = ", ".join(
            f"{a} {t(area_titles[a]) if a in area_titles else ''}".strip() for a in ranked[:2]
        )
        due = f"{plan_due:%d.%m.%Y}" if plan_due else "—"
        docxio.para(
            doc,
            word(
                "summary",
                lang,
                areas=len(areas),
                found=len(findings),
                high=sum(f.severity == "high" for f in findings),
                top=top,
                measures=len(measures),
                due=due,
            ),
        )
    else:
        docxio.para(doc, word("summary_none", lang))
    if not public:
        contact = " ".join(x for x in (c.contact_email, c.contact_phone) if x)
        docxio.para(
            doc, word("executor", lang, n=f"{t(c.contact_name)} {contact}".strip()), italic=True
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.core_properties.author = "Adal"
    doc.core_properties.created = dt.datetime(2000, 1, 1)
    doc.save(str(path))
    return path
