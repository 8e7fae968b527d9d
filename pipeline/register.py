"""6.1 The register of positions exposed to corruption risks, derived from the returns.

Positions come from disciplinary and corruption cases (1.2, 1.3), substantiated complaints
(1.6), the positions handling state services (1.4) and those named in the internal-acts
checklist where a risk factor was found (2.1–2.5); the working group adds its own in
`campaign/register-additions.xlsx`. Positions only: never a person's name.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from .bilingual import Text
from .frames import Consolidated
from .normalise import fold, is_blank
from .reader import read_workbook
from .templates import SAFE_OPTIONS
from .workspace import Workspace

ADDITIONS = "register-additions.xlsx"
RISKS = {
    "1.2": Text("Тәртіптік бұзушылықтар", "Дисциплинарные нарушения"),
    "1.3": Text(
        "Сыбайлас жемқорлық құқық бұзушылығы үшін жауапқа тартылу",
        "Привлечение к ответственности за коррупционное правонарушение",
    ),
    "1.4": Text(
        "Мемлекеттік қызмет көрсету: өтініш берушілермен тікелей байланыс",
        "Оказание государственных услуг: прямой контакт с заявителями",
    ),
    "1.6": Text(
        "Қызметкердің әрекеттеріне расталған шағымдар",
        "Подтвердившиеся жалобы на действия работника",
    ),
}
HEADERS = [
    "№",
    "Лауазым / Должность",
    "Тәуекел / Риск (KZ)",
    "Тәуекел / Риск (RU)",
    "Бағыт / Направление",
    "Дереккөз / Источник",
    "Ұйымдар саны / Число организаций",
    "Ұйымдар / Организации",
]


def _split_positions(text: str) -> list[str]:
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    return [p for p in parts if p]


def derive(ws: Workspace, data: Consolidated) -> list[dict]:
    """Rows of the register: one per position × risk, with its sources and organisations."""
    entries: dict[tuple[str, str], dict] = {}
    names = ws.by_bin

    def add(position: str, risk: Text, area: str, source: str, bin_: str) -> None:
        if is_blank(position):
            return
        key = (fold(position), risk.ru)
        entry = entries.setdefault(
            key,
            {
                "position": position.strip(),
                "risk": risk,
                "areas": set(),
                "sources": set(),
                "orgs": set(),
            },
        )
        entry["areas"].add(area)
        entry["sources"].add(source)
        if bin_ in names:
            entry["orgs"].add(names[bin_].name.ru)

    for rec in data.rows("1.2"):
        add(rec["position"], RISKS["1.2"], "2.1", "1.2", rec["bin"])
    for rec in data.rows("1.3"):
        add(rec["position"], RISKS["1.3"], "2.5", "1.3", rec["bin"])
    for rec in data.rows("1.6"):
        if rec.get("substantiated") == "yes":
            add(rec["position"], RISKS["1.6"], "2.1", "1.6", rec["bin"])
    for rec in data.rows("1.4"):
        add(rec.get("responsible") or "", RISKS["1.4"], "2.3", "1.4", rec["bin"])
    checklist = ws.specs.get("2")
    items = {c.code: c for c in checklist.column("item").choices} if checklist else {}
    for rec in data.rows("2"):
        if rec.get("risk_found") == "yes" and not is_blank(rec.get("positions")):
            item = items.get(rec["item"])
            risk = Text(
                rec.get("risk_description") or item.label.kk,
                rec.get("risk_description") or item.label.ru,
            )
            for position in _split_positions(rec["positions"]):
                add(
                    position,
                    risk,
                    item.area if item else "",
                    f"2 ({item.area if item else '?'})",
                    rec["bin"],
                )
    rows = sorted(entries.values(), key=lambda e: (-len(e["orgs"]), fold(e["position"])))
    return [
        {
            "position": e["position"],
            "risk_kk": e["risk"].kk,
            "risk_ru": e["risk"].ru,
            "area": ", ".join(sorted(e["areas"])),
            "source": ", ".join(sorted(e["sources"])),
            "count": len(e["orgs"]),
            "orgs": "; ".join(sorted(e["orgs"])),
        }
        for e in rows
    ]


def additions(ws: Workspace) -> list[dict]:
    """Positions the working group typed into campaign/register-additions.xlsx."""
    path = ws.paths.campaign_dir / ADDITIONS
    if not path.exists():
        return []
    sheet = read_workbook(path).sheets[0]
    out = []
    for row in sheet.rows[1:]:
        cells = [str(c).strip() for c in row] + [""] * 4
        if cells[0]:
            out.append(
                {
                    "position": cells[0],
                    "risk_kk": cells[1],
                    "risk_ru": cells[2] or cells[1],
                    "area": cells[3],
                    "source": "жұмыс тобы / рабочая группа",
                    "count": 0,
                    "orgs": "",
                }
            )
    return out


def write_additions_template(ws: Workspace) -> Path:
    path = ws.paths.campaign_dir / ADDITIONS
    if not path.exists():
        book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
        sheet = book.add_worksheet("6.1")
        for c, h in enumerate(
            ["Лауазым / Должность", "Тәуекел (KZ)", "Риск (RU)", "Бағыт / Направление (2.1–2.5)"]
        ):
            sheet.write_string(0, c, h)
            sheet.set_column(c, c, 40)
        book.close()
    return path


def write_register(path: Path, rows: list[dict]) -> Path:
    book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    sheet = book.add_worksheet("6.1")
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
    )
    title = book.add_format({"bold": True, "font_size": 13})
    sheet.write_string(
        0, 0, "Сыбайлас жемқорлық тәуекелдеріне ұшыраған лауазымдардың тізбесі", title
    )
    sheet.write_string(1, 0, "Перечень должностей, подверженных коррупционным рискам", title)
    table = [
        [
            str(i),
            r["position"],
            r["risk_kk"],
            r["risk_ru"],
            r["area"],
            r["source"],
            r["count"],
            r["orgs"],
        ]
        for i, r in enumerate(rows, start=1)
    ]
    for r, row in enumerate(table, start=4):
        for c, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    sheet.add_table(
        3,
        0,
        3 + max(len(table), 1),
        len(HEADERS) - 1,
        {
            "columns": [{"header": h, "header_format": head} for h in HEADERS],
            "style": "Table Style Light 9",
        },
    )
    for c, width in enumerate((5, 36, 40, 40, 10, 14, 12, 60)):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(4, 0)
    book.close()
    return path
