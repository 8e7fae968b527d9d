"""Realistic fictional content for the demo district: names, staff, rows of every return.

Everything is invented: IINs and BINs pass the checksum but belong to nobody, e-mail
addresses use the reserved `.example` domain.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any, NamedTuple

from pipeline.core.ids import complete_id
from pipeline.core.text import Text
from pipeline.specs.campaign import Campaign, Period
from pipeline.specs.organisations import Organisation

SURNAMES = [
    "Ахметов",
    "Сейтқали",
    "Жұмабаев",
    "Иванова",
    "Нұрланова",
    "Ким",
    "Омарова",
    "Петренко",
    "Бекова",
    "Садықов",
    "Тоқтарова",
    "Ғабдуллин",
    "Смагулова",
    "Кузнецова",
    "Әбенова",
    "Исмаилов",
    "Мұратова",
    "Есенова",
    "Шевченко",
    "Қасымов",
    "Төлеуова",
    "Бейсенов",
    "Ли",
    "Сәрсенбаева",
]
FIRST = [
    "Айгүл",
    "Ерлан",
    "Динара",
    "Сергей",
    "Гүлнар",
    "Асқар",
    "Мария",
    "Бауыржан",
    "Жанар",
    "Олжас",
    "Светлана",
    "Нұрлан",
    "Әсем",
    "Ержан",
    "Татьяна",
    "Самал",
    "Арман",
    "Елена",
    "Дәурен",
    "Айжан",
]
POSITIONS = {
    "general_secondary": [
        "Мұғалім / Учитель",
        "Директордың орынбасары / Заместитель директора",
        "Бухгалтер / Бухгалтер",
        "Хатшы / Секретарь",
        "Кітапханашы / Библиотекарь",
        "Шаруашылық меңгерушісі / Завхоз",
        "Психолог / Психолог",
        "Күзетші / Сторож",
    ],
    "preschool": [
        "Тәрбиеші / Воспитатель",
        "Тәрбиешінің көмекшісі / Помощник воспитателя",
        "Әдіскер / Методист",
        "Медбике / Медсестра",
        "Аспаз / Повар",
        "Шаруашылық меңгерушісі / Завхоз",
    ],
    "additional": [
        "Қосымша білім беру педагогі / Педагог доп. образования",
        "Жаттықтырушы / Тренер-преподаватель",
        "Әдіскер / Методист",
        "Бухгалтер / Бухгалтер",
        "Концертмейстер / Концертмейстер",
    ],
}
CONVICTIONS = [  # (as typed, whether the law makes it corruption: offences.yaml)
    *[("ст. 188 ч. 2", "no")] * 4,  # theft
    *[("293-бап / ст. 293", "no")] * 3,  # hooliganism
    *[("ст. 345 ч. 1", "no")] * 3,  # a traffic offence
    ("366 ч. 1 УК РК", "yes"),  # taking a bribe
    ("ст. 189 ч. 3 п. 2", "yes"),  # misappropriation by official position
]
DESCRIPTIONS = {  # what an order's description says for each ground (1.2)
    "labour": ["Сабаққа кешігу / Опоздание на урок", "Жұмысқа келмеу / Неявка на работу"],
    "ethics": ["Ата-анамен дөрекі сөйлесу / Грубое обращение с родителем"],
    "duties": ["Сынып журналын толтырмау / Незаполнение классного журнала"],
    "corruption": [
        "Ата-анадан сыйлық қабылдау / Принятие подарка от родителя",
        "Мүдделер қақтығысын хабарламау / Неуведомление о конфликте интересов",
    ],
    "other": ["Басқа / Иное"],
}
SERVICES = {
    "general_secondary": [
        "school_enrolment",
        "transfer",
        "free_meals",
        "duplicates",
        "home_schooling",
    ],
    "preschool": ["preschool_queue", "preschool_enrolment"],
    "additional": ["additional_enrolment"],
}
RESPONSIBLE = {
    "general_secondary": "Директордың орынбасары / Заместитель директора",
    "preschool": "Меңгеруші / Заведующая",
    "additional": "Әдіскер / Методист",
}
KINDERGARTENS = [
    ("Балапан", "Балапан"),
    ("Айгөлек", "Айгулек"),
    ("Ақбота", "Акбота"),
    ("Күншуақ", "Куншуак"),
    ("Еркетай", "Еркетай"),
    ("Болашақ", "Болашак"),
    ("Қарлығаш", "Карлыгаш"),
]
ADDITIONAL = [
    ("Балалар шығармашылығы үйі", "Дом детского творчества"),
    ("Балалар-жасөспірімдер спорт мектебі", "Детско-юношеская спортивная школа"),
    ("Балалар музыка мектебі", "Детская музыкальная школа"),
    ("Жас техниктер станциясы", "Станция юных техников"),
]


def make_bin(rng: random.Random) -> str:
    while True:
        first11 = f"{rng.randint(95, 99):02d}{rng.randint(1, 12):02d}40{rng.randint(0, 99999):05d}"
        full = complete_id(first11)
        if full:
            return full


def make_iin(rng: random.Random, born: dt.date) -> str:
    century = (3 if born.year < 2000 else 5) + rng.randint(0, 1)
    while True:
        full = complete_id(f"{born:%y%m%d}{century}{rng.randint(0, 9999):04d}")
        if full:
            return full


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(FIRST)}"


def make_district(rng: random.Random) -> list[Organisation]:
    orgs = []
    for n in range(1, 15):
        if n == 3:
            name = Text("Абай атындағы №3 мектеп-гимназия", "Школа-гимназия №3 имени Абая")
        elif n == 7:
            name = Text("№7 IT-лицей", "IT-лицей №7")
        else:
            name = Text(f"№{n} жалпы білім беретін мектеп", f"Общеобразовательная школа №{n}")
        staff = rng.randint(35, 110)
        orgs.append(
            Organisation(
                make_bin(rng),
                name,
                "general_secondary",
                f"Көктерек а., Мектеп к., {n}",
                person(rng),
                f"school{n}@bilim-koktrk.example",
                staff,
                staff * rng.randint(9, 13),
            )
        )
    for kk, ru in KINDERGARTENS:
        staff = rng.randint(18, 45)
        orgs.append(
            Organisation(
                make_bin(rng),
                Text(f"«{kk}» бөбекжайы", f"Ясли-сад «{ru}»"),
                "preschool",
                "Көктерек а., Бейбітшілік к., 12",
                person(rng),
                f"{ru.lower()}@bilim-koktrk.example",
                staff,
                staff * rng.randint(5, 7),
            )
        )
    for i, (kk, ru) in enumerate(ADDITIONAL, start=1):
        staff = rng.randint(12, 40)
        orgs.append(
            Organisation(
                make_bin(rng),
                Text(kk, ru),
                "additional",
                "Көктерек а., Орталық к., 5",
                person(rng),
                f"dop{i}@bilim-koktrk.example",
                staff,
                staff * rng.randint(15, 25),
            )
        )
    return orgs


def _day(rng: random.Random, period: Period) -> dt.date:
    return period.start + dt.timedelta(days=rng.randint(0, (period.end - period.start).days))


def _months(period: Period) -> list[dt.date]:
    """One date per month of the period (the 15th, clipped to the period)."""
    out, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        out.append(min(max(dt.date(year, month, 15), period.start), period.end))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class Ask(NamedTuple):
    """What a generator of one return's rows is given."""

    code: str
    org: Organisation
    period: Period
    rng: random.Random
    risk: float  # 0..1: how much goes wrong
    labels: dict[str, dict[str, str]]  # "code:column" → choice key → label


GENERATORS: dict[str, Callable[[Ask], list[dict[str, Any]]]] = {}
"""Per return code, what a secretary would type; a return with none sends an empty sheet
(the demo still sends it, so a new return runs end to end before its generator exists)."""


def generates(*codes: str):
    """Register a generator for these returns: adding a return's demo data is one function."""

    def register(fn):
        for code in codes:
            GENERATORS[code] = fn
        return fn

    return register


def rows_for(
    code: str,
    org: Organisation,
    campaign: Campaign,
    rng: random.Random,
    risk: float,
    labels: dict[str, dict[str, str]],
) -> list[dict[str, Any]]:
    """Rows a secretary would type for one return; `risk` (0..1) shapes how much goes wrong."""
    generator = GENERATORS.get(code)
    if generator is None:
        return []
    return generator(Ask(code, org, campaign.period(code, org.type), rng, risk, labels))


@generates("1.1")
def _staff_checks(ask: Ask) -> list[dict[str, Any]]:
    """1.1 Special checks of staff: one row per employee; a few with a record, now and then ticked wrong."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    rows = []
    for _ in range(org.staff):
        born = dt.date(rng.randint(1964, 2001), rng.randint(1, 12), rng.randint(1, 28))
        record = rng.random() < 0.002 + 0.02 * risk
        article, corrupt = rng.choice(CONVICTIONS)
        rows.append(
            {
                "iin": make_iin(rng, born),
                "full_name": person(rng),
                "position": rng.choice(POSITIONS[org.type]),
                "hired_on": min(  # someone working in the period was hired by its end
                    dt.date(rng.randint(2005, 2023), rng.randint(1, 12), 1), period.end
                )
                if rng.random() < 0.8
                else None,
                "checked_on": _day(rng, period),
                "certificate_no": f"{rng.randint(10**7, 10**8 - 1)}",
                "has_record": lab("1.1:has_record")["yes" if record else "no"],
                "article": article if record else None,
                # the flag follows the law, but now and then a secretary ticks it wrong
                # (a theft marked «corruption», a bribe not): Adal asks, the law decides
                "corruption": lab("1.1:corruption")[
                    corrupt if rng.random() < 0.8 else ("no" if corrupt == "yes" else "yes")
                ]
                if record
                else None,
                "measures": "Жұмыстан босатылды / Уволен"
                if record and rng.random() < 0.5
                else None,
            }
        )
    return rows


@generates("1.2")
def _disciplinary(ask: Ask) -> list[dict[str, Any]]:
    """1.2 Disciplinary measures: a few orders, more and corruption-grounded where risk is high."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    rows = [
        {
            "full_name": person(rng),
            "position": rng.choice(POSITIONS[org.type]),
            "order_no": f"{rng.randint(1, 250)}-ж/л",
            "order_date": _day(rng, period),
            "measure": lab("1.2:measure")[
                rng.choice(["remark", "reprimand", "reprimand", "severe_reprimand"])
            ],
            "ground": lab("1.2:ground")[
                rng.choice(["labour", "ethics", "duties"] + ["corruption"] * int(risk > 0.6))
            ],
            "description": None,
        }
        for _ in range(rng.randint(0, 2 + int(6 * risk)))
    ]
    for row in rows:  # the description tells what the ground says
        ground = next(k for k, v in lab("1.2:ground").items() if v == row["ground"])
        row["description"] = rng.choice(DESCRIPTIONS[ground])
    return rows


@generates("1.3")
def _liability(ask: Ask) -> list[dict[str, Any]]:
    """1.3 Persons held liable: a director now and then where risk is highest."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    return [
        {
            "full_name": person(rng),
            "position": "Директор / Директор",
            "liability": lab("1.3:liability")["disciplinary"],
            "offence": lab("1.3:offence")["conflict"],
            "article": "ҚР Заңы 10-б. / ст.10 Закона",
            "decision_date": _day(rng, period),
            "amount": None,
            "dismissed": lab("1.3:dismissed")["no"],
        }
        for _ in range(1 if risk > 0.75 else 0)
    ]


@generates("1.4")
def _services(ask: Ask) -> list[dict[str, Any]]:
    """1.4 Public services: each service per month, late and refused ones growing with risk."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    rows = []
    for service in SERVICES[org.type][: 2 + int(risk > 0.5)]:
        for month in _months(period):
            apps = rng.randint(0, 25)
            late = min(apps, rng.randint(0, int(3 * risk)))
            refused = min(apps - late, rng.randint(0, 1 + int(2 * risk)))
            electronic = rng.randint(int(apps * (0.4 if risk > 0.6 else 0.8)), apps)
            rows.append(
                {
                    "service": lab("1.4:service")[service],
                    "month": month,
                    "applications": apps,
                    "on_time": apps - late - refused,
                    "late": late,
                    "refused": refused,
                    "electronic": electronic,
                    "paper": apps - electronic,
                }
            )
    return rows


@generates("1.5", "1.6")
def _complaints(ask: Ask) -> list[dict[str, Any]]:
    """1.5 Appeals and 1.6 reports of corruption: bribery topics and confirmed ones growing with risk."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    count = rng.randint(1, 4 + int(10 * risk))
    topics = ["enrolment", "food", "conduct", "grades", "other"] + [
        "extortion",
        "hiring",
        "bribery",
    ] * int(1 + 2 * risk)
    rows = []
    for i in range(count):
        received = _day(rng, period)
        base = {
            "reg_no": f"{'ЖТ' if code == '1.5' else 'Ш'}-{received:%y}-{i + 1:03d}",
            "received_on": received,
            "topic": lab(f"{code}:topic")[rng.choice(topics)],
            "substantiated": lab(f"{code}:substantiated")["no"],
        }
        if code == "1.5":
            base.update(
                {
                    "applicant": lab("1.5:applicant")[rng.choice(["individual"] * 5 + ["legal"])],
                    "channel": lab("1.5:channel")[
                        rng.choice(["paper", "eotinish", "eotinish", "blog", "reception"])
                    ],
                    "summary": "Ата-ана өтініші / Обращение родителя",
                    "result": lab("1.5:result")[
                        rng.choice(["explained", "explained", "satisfied", "rejected"])
                    ],
                    "answered_on": min(  # answered by the time the return is made
                        received + dt.timedelta(days=rng.randint(1, 15)), period.end
                    ),
                    "measures": None,
                }
            )
        else:
            base.update(
                {
                    "source": lab("1.6:source")[
                        rng.choice(["complaint", "hotline", "social", "survey"])
                    ],
                    "position": rng.choice(POSITIONS[org.type]),
                    "measures": "Түсіндіру жұмысы / Проведена разъяснительная работа",
                }
            )
        topic = next(k for k, v in lab(f"{code}:topic").items() if v == base["topic"])
        corrupt = topic in ("extortion", "bribery", "conflict", "abuse")
        if rng.random() < (0.05 + 0.15 * risk if corrupt else 0.15 + 0.4 * risk):
            base["substantiated"] = lab(f"{code}:substantiated")["yes"]
        if base["substantiated"] == lab(f"{code}:substantiated")["yes"] and topic in (
            "extortion", "bribery", "conflict", "abuse"
        ):  # fmt: skip
            base["measures"] = (
                "Қызметтік тексеру жүргізілді, сөгіс берілді / Проведена служебная проверка, объявлен выговор"
            )
        rows.append(base)
    return rows


@generates("1.7")
def _publications(ask: Ask) -> list[dict[str, Any]]:
    """1.7 Publications in the media: now and then one about money collected from parents."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    published = [
        ("Ата-аналардан ақша жинау туралы / О сборе денег с родителей", "extortion")
        if rng.random() < 0.03 + 0.15 * risk
        else rng.choice(
            [
                ("Мектептегі жаңа жылдық іс-шара / Новогодний утренник", "other"),
                ("Олимпиада жеңімпаздары / Победители олимпиады", "other"),
            ]
        )
        for _ in range(rng.randint(1, 6))
    ]
    return [
        {
            "published_on": _day(rng, period),
            "channel": lab("1.7:channel")[rng.choice(["media", "social", "website"])],
            "title": title,
            "url": "https://news.example/kz/" + str(rng.randint(1000, 9999)),
            "tone": lab("1.7:tone")[
                "negative"
                if topic == "extortion"
                else rng.choice(["positive", "positive", "neutral"])
            ],
            "topic": lab("1.7:topic")[topic],
            "response": None,
        }
        for title, topic in published
    ]


@generates("1.8")
def _site_items(ask: Ask) -> list[dict[str, Any]]:
    """1.8 What the organisation's site publishes: one row per declared item."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    rows = []
    for choice in labels["1.8:item"].values():
        state = "yes" if rng.random() > 0.1 + 0.5 * risk else rng.choice(["partial", "no"])
        rows.append(
            {
                "item": choice,
                "published": lab("1.8:published")[state],
                "url": "https://site.example/anticor" if state != "no" else None,
                "updated_on": None,
                "note": None,
            }
        )
    return rows


@generates("2")
def _checklist(ask: Ask) -> list[dict[str, Any]]:
    """2 The checklist: one row per declared item, acts missing and risks found growing with risk."""
    code, org, period, rng, risk, labels = ask
    lab = labels.get
    rows = []
    for choice in labels["2:item"].values():
        exists = "yes" if rng.random() > 0.08 + 0.3 * risk else "no"
        found = rng.random() < 0.04 + 0.35 * risk
        rows.append(
            {
                "item": choice,
                "act_exists": lab("2:act_exists")[exists],
                "act_details": "Директордың бұйрығы / Приказ директора №45 от 01.09.2022"
                if exists == "yes"
                else None,
                "risk_found": lab("2:risk_found")["yes" if found else "no"],
                "risk_description": "Комиссия құрамы бекітілмеген / Не утверждён состав комиссии"
                if found
                else None,
                "positions": "Директор, директордың орынбасары / Директор, заместитель директора"
                if found
                else None,
            }
        )
    return rows
