"""`adal demo`: a fictional district, its templates, and an inbox filled the way schools
really fill it — mostly right, some late, some missing, some with typical mistakes.

Files are written by opening the template with openpyxl and typing into it, as Excel
would save it; mistakes are typed into specific cells so that the demo shows every kind
of feedback. Deterministic: the same seed gives the same district and the same inbox.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from copy import copy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from pipeline.core import clock, textfit
from pipeline.core.text import Text
from pipeline.devtools.demo_data import make_bin, make_district, rows_for
from pipeline.devtools.own_folder import claim, require_own
from pipeline.specs import layout as L
from pipeline.specs.campaign import load_campaign
from pipeline.specs.organisations import Organisation
from pipeline.specs.returns import ReturnSpec, load_specs, shipped_schemas
from pipeline.specs.workspace import Paths
from pipeline.workbooks.registry import write_registry
from pipeline.workbooks.templates import template_name, write_templates

SUBJECT = {
    "kk": "«Көктерек ауданының білім бөлімі» ММ",
    "ru": "ГУ «Отдел образования Коктерекского района»",
}


def write_demo_campaign(paths: Paths) -> None:
    data = yaml.safe_load((shipped_schemas() / "campaign-2023.yaml").read_text(encoding="utf-8"))
    data["code"] = "kokterek-2023"
    data["subject"] = SUBJECT
    data["approved"]["by"] = {"kk": "А.Б. Сәрсенов", "ru": "А.Б. Сарсенов"}
    data["contact"] = {
        "name": {"kk": "Білім бөлімінің кадр қызметі", "ru": "Кадровая служба отдела образования"},
        "person": {"kk": "Д.М. Асқарова", "ru": "Д.М. Аскарова"},
        "email": "kadr@bilim-koktrk.example",
        "phone": "8 (72156) 5-12-34",
    }
    data["smtp"]["from"] = "kadr@bilim-koktrk.example"
    group = data["working_group"]
    group["order"] = {"number": "47-ж", "date": dt.date(2023, 11, 10)}
    group["chair"]["name"] = {"kk": "Г.К. Жұмабаева", "ru": "Г.К. Жумабаева"}
    for member, name in zip(group["members"], ("Е.С. Төлеуов", "Д.М. Асқарова"), strict=True):
        member["name"] = {"kk": name, "ru": name.replace("ө", "о").replace("қ", "к")}
    paths.campaign_dir.mkdir(parents=True, exist_ok=True)
    text = "# Demo campaign: a fictional district. Edit freely.\n" + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False
    )
    paths.campaign_file.write_text(text, encoding="utf-8")


def _labels(specs: dict[str, ReturnSpec]) -> dict[str, dict[str, str]]:
    return {
        f"{s.code}:{c.key}": {ch.code: ch.label.both for ch in c.choices}
        for s in specs.values()
        for c in s.columns
        if c.choices
    }


def _column(sheet, col: int):
    """The column's format as Excel keeps it: one `<col>` may cover several columns, and
    openpyxl's `column_dimensions[letter]` would make a new, blank one for the others."""
    for dim in sheet.column_dimensions.values():
        if (dim.min or 0) <= col <= (dim.max or 0):
            return dim
    return sheet.column_dimensions[openpyxl.utils.get_column_letter(col)]


def _fill(
    template: Path,
    target: Path,
    data: dict[str, list[dict[str, Any]]],
    specs: dict[str, ReturnSpec],
    nil: set[str],
) -> None:
    """Type rows into the template as a secretary would, and save it under her file name."""
    book = openpyxl.load_workbook(template)
    for code, rows in data.items():
        spec = specs[code]
        sheet = book[spec.sheet]
        if not rows and code in nil and spec.nil == "mark":  # else the sheet is left empty
            sheet.cell(L.NIL_ROW, 2).value = L.NIL_YES.both
        for r, row in enumerate(rows):
            typed = []
            for c, key in enumerate(spec.keys, start=1):
                value = row.get(key)
                if spec.fixed_rows == key or value is None:
                    continue
                cell = sheet.cell(L.FIRST_DATA_ROW + r, c)
                column = _column(sheet, c)
                if not cell.has_style:  # a new cell takes its column's format, as in Excel
                    cell._style = copy(column._style)
                cell.value = value
                if isinstance(value, dt.date):
                    cell.number_format = "dd.mm.yyyy"
                elif isinstance(value, str) and cell.alignment.wrap_text:
                    typed.append((value, column.width or 8.43, False))
            if typed:  # Excel grows the row to the wrapped text typed into it
                height = textfit.row_height(typed)
                row_dim = sheet.row_dimensions[L.FIRST_DATA_ROW + r]
                row_dim.height = max(height, row_dim.height or 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


def _returns_of(org, campaign, specs, rng, risk: float, labels) -> tuple[dict, set[str]]:
    """What an organisation types into each return it owes, and which it leaves empty."""
    data = {
        code: rows_for(code, org, campaign, rng, risk, labels)
        for code, spec in specs.items()
        if spec.stage == "collection" and org.type in spec.applies_to
    }
    return data, {code for code, rows in data.items() if not rows}


def _stamp(path: Path, when: dt.datetime) -> None:
    stamp = clock.aware(when).timestamp()  # the demo's times are the campaign's
    os.utime(path, (stamp, stamp))


def _mistakes(data: dict[str, list[dict]], kind: str) -> None:
    """Typical mistakes, one kind per file, typed into real cells."""
    if kind == "period" and data.get("1.5"):
        data["1.5"][0]["received_on"] = dt.date(2021, 5, 12)
    if kind == "iin" and data.get("1.1"):
        iin = data["1.1"][1]["iin"]
        data["1.1"][1]["iin"] = iin[:11] + str((int(iin[11]) + 1) % 10)
    if kind == "required" and data.get("1.1"):
        data["1.1"][2]["position"] = None
        data["1.1"][3]["checked_on"] = "31.02.2023"
    if kind == "choice" and data.get("1.4"):
        data["1.4"][0]["service"] = "Приём в школу"
        data["1.4"][1]["late"] = data["1.4"][1]["applications"] + 3
    if kind == "styles" and data.get("1.1"):  # fixable: the reader repairs these silently
        data["1.1"][0]["iin"] = int(data["1.1"][0]["iin"])
        data["1.1"][1]["checked_on"] = data["1.1"][1]["checked_on"].strftime("%d.%m.%Y")
        data["1.1"][2]["has_record"] = "Hет"  # Latin H
        data["1.1"][3]["full_name"] = "'" + data["1.1"][3]["full_name"] + "  "


CONTRADICTIONS = {2: "flag", 10: "ground", 16: "unmeasured"}
"""Organisations whose returns are accepted but contradict themselves on purpose: Adal asks
them to confirm or correct (queries), and the law, not the flag, decides what is counted."""


def _contradictions(data: dict[str, list[dict]], kind: str | None, labels) -> None:
    yes, no = labels["1.1:has_record"]["yes"], labels["1.1:has_record"]["no"]
    if kind == "flag" and data.get("1.1"):  # a theft ticked «corruption», a bribe not
        data["1.1"][0].update(has_record=yes, article="ст. 188 ч. 2", corruption=yes)
        data["1.1"][1].update(has_record=yes, article="366 ч. 1 УК РК", corruption=no)
    # a lateness under a corruption ground
    if kind == "ground" and data.get("1.2") is not None and data.get("1.5"):
        data["1.2"].append(
            {
                "full_name": "Серікова Айгүл Маратқызы",
                "position": "Мұғалім / Учитель",
                "order_no": "41-ж/л",
                "order_date": data["1.5"][0]["received_on"],  # within the same period
                "measure": labels["1.2:measure"]["remark"],
                "ground": labels["1.2:ground"]["corruption"],
                "description": "Сабаққа кешігу / Опоздание на урок",
            }
        )
    if kind == "unmeasured" and data.get("1.6"):  # a confirmed bribe with no measure taken
        data["1.6"][0].update(
            topic=labels["1.6:topic"]["bribery"],
            substantiated=labels["1.6:substantiated"]["yes"],
            measures=None,
        )


def _copied_sheet(target: Path, org: Organisation, spec: ReturnSpec, rows: list[dict]) -> None:
    """A sheet re-typed into a fresh workbook: no identity sheet, just the BIN and headers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet["A1"] = spec.title.ru
    sheet["A2"], sheet["B2"] = "БИН", org.bin
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(4, c).value = column.label.ru
    for r, row in enumerate(rows, start=5):
        for c, key in enumerate(spec.keys, start=1):
            sheet.cell(r, c).value = row.get(key)
    book.save(target)


def _email(target: Path, attachment: Path, org: Organisation, when: dt.datetime) -> None:
    message = EmailMessage()
    message["From"] = org.email
    message["To"] = "kadr@bilim-koktrk.example"
    message["Subject"] = "Re: Сыбайлас жемқорлық тәуекелдерін талдау / Анализ коррупционных рисков"
    message["Date"] = format_datetime(clock.aware(when))
    message.set_content("Сәлеметсіз бе! Есепті жіберемін.\nЗдравствуйте! Направляю отчёт.")
    message.add_attachment(
        attachment.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"Есеп {org.name.ru}.xlsx",
    )
    target.write_bytes(bytes(message))


def build_demo(paths: Paths, seed: int = 2023) -> dict[str, int]:
    """Write the whole demo campaign folder; returns counts for the summary."""
    rng = random.Random(seed)
    claim(paths.root, "demo", also=(paths.ledger,))
    for sub in ("inbox", "outbox", "archive", "campaign", NEXT_YEAR):
        shutil.rmtree(paths.root / sub, ignore_errors=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{paths.ledger}{suffix}").unlink(missing_ok=True)
    write_demo_campaign(paths)
    campaign = load_campaign(paths.campaign_file)
    specs = load_specs(paths.schemas)
    orgs = make_district(rng)
    write_registry(paths.registry_file, orgs, campaign.org_types)
    templates = paths.outbox / "templates"
    write_templates(templates, orgs, campaign, specs)
    labels = _labels(specs)
    paths.inbox.mkdir(parents=True, exist_ok=True)
    deadline = dt.datetime(2023, 11, 15, 18, 0)
    scenario = ["ok"] * 25
    for index, kind in {
        2: "period",
        5: "iin",
        9: "required",
        15: "choice",
        4: "styles",
        11: "late",
        19: "late",
        22: "late",
        13: "missing",
        20: "missing",
        8: "copied",
        17: "email",
        1: "duplicate",
        6: "resubmit",
    }.items():
        scenario[index] = kind
    counts = {"organisations": len(orgs), "files": 0}
    for index, org in enumerate(orgs):
        kind = scenario[index]
        if kind == "missing":
            continue
        risk = rng.random() ** 2 if index % 5 else 0.6 + 0.4 * rng.random()
        data, nil = _returns_of(org, campaign, specs, rng, risk, labels)
        when = deadline - dt.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
        if kind == "late":
            when = deadline + dt.timedelta(days=rng.randint(3, 9))
        name = f"{org.name.ru.replace('«', '').replace('»', '')} антикор 2023.xlsx"
        target = paths.inbox / name
        if kind == "copied":
            _copied_sheet(target, org, specs["1.4"], data["1.4"])
            _stamp(target, when)
            counts["files"] += 1
            continue
        if kind == "resubmit":  # first sent with a mistake, corrected two days later
            wrong = {k: [dict(r) for r in v] for k, v in data.items()}
            _mistakes(wrong, "period")
            first = paths.inbox / f"{org.name.ru} (первый вариант).xlsx"
            _fill(templates / template_name(org, campaign), first, wrong, specs, nil)
            _stamp(first, when - dt.timedelta(days=2))
            counts["files"] += 1
        _mistakes(data, kind)
        _contradictions(data, CONTRADICTIONS.get(index), labels)
        _fill(templates / template_name(org, campaign), target, data, specs, nil)
        _stamp(target, when)
        counts["files"] += 1
        if kind == "email":
            eml = paths.inbox / f"Re Анализ коррупционных рисков ({org.bin}).eml"
            _email(eml, target, org, when)
            target.unlink()
            _stamp(eml, when + dt.timedelta(days=1))
        if kind == "duplicate":
            copy = target.with_name(target.stem + " (1).xlsx")
            shutil.copy2(target, copy)
            counts["files"] += 1
    return counts


NEXT_YEAR = "2024"
"""The demo's second campaign, started from the first with `init --from`, in a folder of
the first (its `previous:` is «..»)."""


def build_next_year(paths: Paths, seed: int = 2024) -> tuple[Paths, dict[str, int]]:
    """The district's 2024 campaign, begun from 2023's as `adal init --from` begins it, the
    plan then checked by the officer (the sample marker removed): one school closed, one
    kindergarten opened, the organisations at high risk in 2023 mostly better, two that were
    fine now worse; returns sent on time but for one late and one missing."""
    from pipeline.specs.campaign import unmark_sample
    from pipeline.specs.organisations import load_registry
    from pipeline.specs.workspace import carry_over

    require_own(paths.root, "demo")
    rng = random.Random(seed)
    nxt = Paths(paths.root / NEXT_YEAR)
    shutil.rmtree(nxt.root, ignore_errors=True)
    carry_over(paths, nxt)
    nxt.campaign_file.write_text(unmark_sample(nxt.campaign_file.read_text("utf-8")), "utf-8")
    campaign = load_campaign(nxt.campaign_file)
    specs = load_specs(nxt.schemas)
    then = load_registry(paths.saved_registry(), campaign.org_types)
    closed = then[12]  # a small school merged into another
    opened = Organisation(
        make_bin(rng),
        Text("«Шұғыла» бөбекжайы", "Ясли-сад «Шугыла»"),
        "preschool",
        "Көктерек а., Жастар к., 3",
        "Сейтова Айгерім",
        "shugyla@bilim-koktrk.example",
        28,
        160,
    )
    orgs = [o for o in then if o.bin != closed.bin] + [opened]
    for n in (nxt.registry_file, *nxt.registries()):
        n.unlink(missing_ok=True)
    write_registry(nxt.registry_file, orgs, campaign.org_types)
    templates = nxt.outbox / "templates"
    write_templates(templates, orgs, campaign, specs)
    labels = _labels(specs)
    nxt.inbox.mkdir(parents=True, exist_ok=True)
    deadline = dt.datetime.combine(campaign.deadline("1.1"), dt.time(18, 0))
    worse = {3, 8}  # fine in 2023, a high risk now
    index_then = {o.bin: i for i, o in enumerate(then)}
    counts = {"organisations": len(orgs), "files": 0}
    for org in orgs:
        index = index_then.get(org.bin)
        if index == 21:  # one sends nothing
            continue
        if index is None:  # new: a first year with some of the usual risks
            risk = 0.5
        elif index in worse or index == 0:  # the first stays as it was: a risk that persists
            risk = 0.6 + 0.4 * rng.random()
        elif index % 5 == 0:  # high in 2023: its measures helped
            risk = 0.05 * rng.random()
        else:
            risk = rng.random() ** 2
        data, nil = _returns_of(org, campaign, specs, rng, risk, labels)
        when = deadline - dt.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
        if index == 11:
            when = deadline + dt.timedelta(days=4)
        target = nxt.inbox / f"{org.name.ru.replace('«', '').replace('»', '')} антикор 2024.xlsx"
        _fill(templates / template_name(org, campaign), target, data, specs, nil)
        _stamp(target, when)
        counts["files"] += 1
    return nxt, counts


def fill_monitoring(paths: Paths, seed: int = 51) -> int:
    """Two thirds of the organisations send their 5.1 execution report back in February 2024:
    most measures done with a supporting document, some still in progress."""
    from pipeline.specs.plan import read_plan
    from pipeline.specs.workspace import open_workspace
    from pipeline.workbooks.monitoring import template_path

    require_own(paths.root, "demo")  # made-up reports never go into a real inbox
    rng = random.Random(seed)
    workspace = open_workspace(paths)
    plan = read_plan(paths.outbox)
    spec = workspace.specs["5.1"]
    keys = spec.keys
    sent = 0
    for org in workspace.organisations:
        measures = plan.for_org(org.bin) if plan else []
        if not measures or rng.random() > 0.66:
            continue
        book = openpyxl.load_workbook(template_path(workspace, org.bin))
        sheet = book[spec.sheet]
        for r, _measure in enumerate(measures, start=L.FIRST_DATA_ROW):
            done = rng.random() < 0.7
            sheet.cell(r, keys.index("status") + 1).value = (
                "Орындалды / Исполнено" if done else "В работе"
            )
            if done:
                sheet.cell(r, keys.index("done_on") + 1).value = dt.datetime(
                    2024, 2, rng.randint(1, 20)
                )
                sheet.cell(
                    r, keys.index("evidence") + 1
                ).value = f"Бұйрық / Приказ №{rng.randint(10, 99)}"
        target = paths.inbox / f"5.1 {org.name.ru.replace('«', '').replace('»', '')}.xlsx"
        book.save(target)
        _stamp(target, dt.datetime(2024, 2, 25, 10, 0))
        sent += 1
    return sent
