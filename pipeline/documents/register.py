"""6.1 The register of positions exposed to corruption risks, derived from the returns.

Only facts that point to corruption risk put a position in: disciplinary sanctions on a
corruption ground (1.2), liability for corruption offences (1.3), state services given
late (1.4), substantiated complaints on a corruption topic (1.6) and the positions named
where the internal-acts checklist found a risk factor (2.1–2.5). A labour-discipline
reprimand alone does not. Which rows are facts is declared (`report.yaml`:
`register_bases:`), mostly as the rows behind an indicator's value, so the register and
the indicators cannot disagree on what a fact is. Free text is matched to the declared positions (`positions.py`);
the working group adds its own in `campaign/register-additions.xlsx`. Positions only:
never a person's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from pipeline.core import textfit
from pipeline.core.folding import is_blank
from pipeline.core.messages import label as label_text
from pipeline.core.messages import render, sheet_name
from pipeline.core.numerals import ORGANISATION, count
from pipeline.core.text import Text
from pipeline.core.yamlio import load_yaml
from pipeline.documents.positions import Positions
from pipeline.documents.reference import approval_lines, signature_blocks
from pipeline.files.atomic import close_workbook
from pipeline.files.reader import read_workbook
from pipeline.files.xlsxout import SAFE_OPTIONS, page_setup
from pipeline.specs import layout as L
from pipeline.specs.returns import schema_path
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.comparison import Comparison
from pipeline.workbooks.frames import Consolidated
from pipeline.workbooks.indicators import Measure, facts, load_indicators, parse_measure

ADDITIONS = "register-additions.xlsx"


@dataclass(frozen=True)
class Basis:
    """What puts a position in the register: a return, the risk it shows, the indicator
    whose measures address it. Only facts that point to corruption risk are declared."""

    code: str
    risk: Text
    indicator: str


@dataclass(frozen=True)
class Source:
    """A declared basis of the register (`report.yaml`: `register_bases:`): which rows are
    facts (the rows behind an indicator's value, or a measure of its own), which column
    names the positions, and what risk they show — the declared one, or for a checklist
    (`area_of:`) a risk factor in the internal acts of the area its item belongs to."""

    basis: Basis
    facts: Measure
    positions: str
    area_of: str | None = None


def sources(workspace: Workspace) -> list[Source]:
    """The register's bases, declared in `report.yaml`, the campaign's own when it has one;
    a basis on a return the campaign does not collect is left out."""
    declared = load_yaml(schema_path("report.yaml"))["register_bases"]
    indicators = {
        i.code: i
        for i in load_indicators(workspace.paths.schema_file("indicators.yaml"), workspace.specs)
    }
    found = []
    for code, item in declared.items():
        where = f"report.yaml: register_bases: {code}"
        if "indicator" in item:
            if item["indicator"] not in indicators:
                continue
            facts = indicators[item["indicator"]].numerator
        elif str(item["facts"].get("return")) in workspace.specs:
            facts = parse_measure(item["facts"], workspace.specs, where)
        else:
            continue
        risk = Text(item["kk"], item["ru"]) if "kk" in item else Text()
        basis = Basis(str(code), risk, item.get("indicator", ""))
        found.append(Source(basis, facts, item["positions"], item.get("area_of")))
    return found


def _pair(which: str) -> tuple[str, str]:
    """A label whose two languages stand in two columns."""
    message = render(which)
    return message.kk, message.ru


HEADERS = [
    "№",
    *_pair("register_position"),
    *_pair("register_risk"),
    label_text("label_basis"),
    label_text("label_org_count"),
    label_text("label_case_count"),
    label_text("label_factors_in_internal_acts"),
    label_text("label_measures_of_plan"),
]
# Which organisations stand behind each position: a sheet of its own, each name in both
# languages on its own row (a list of Russian names in one cell was unreadable in print).
ORG_HEADERS = [
    "№",
    *_pair("register_position"),
    L.BIN_LABEL.both,
    label_text("registry_name_kk"),
    label_text("registry_name_ru"),
]
REVIEW_HEADERS = [
    L.ORG_LABEL.both,
    label_text("label_return"),
    label_text("label_as_written"),
    label_text("label_what_to_do"),
]
REVIEW_NOTE = label_text("label_position_to_review")
KEYS = ("position_kk", "position_ru", "risk_kk", "risk_ru", "basis", "count", "cases",
        "factors", "measures")  # fmt: skip


@dataclass
class Register:
    rows: list[dict]
    review: list[dict]


def _facts(workspace: Workspace, data: Consolidated):
    """(basis, risk, text naming positions, organisation) for every fact pointing to a
    corruption risk, as `register_bases:` declares them; a labour-discipline reprimand
    alone is not one."""
    for source in sources(workspace):
        for rec in facts(source.facts, data.frames, workspace.specs):
            basis = source.basis
            if source.area_of:
                choices = _choices(workspace, source.facts.return_code, source.area_of)
                item = {c.code: c for c in choices}.get(rec.get(source.area_of))
                if item is None:
                    continue
                basis = Basis(
                    item.area, _factor(workspace, item), f"I{item.area.replace('.', '')}_acts"
                )
            yield basis, basis.risk, rec.get(source.positions), rec["bin"]


def _factor(workspace: Workspace, item) -> Text:
    """A checklist item names a requirement; where a risk factor was found against it, the
    risk is a factor in the internal acts of that area, named as the plan names the area
    (one line per area, not one per checklist item)."""
    area = workspace.areas.get(item.area, Text(item.area, item.area))
    factors = render("register_factors", area=area)
    return Text.of(factors)


def _choices(workspace: Workspace, code: str, column: str):
    spec = workspace.specs.get(code)
    if spec is None or column not in spec.keys:
        return ()
    return spec.column(column).choices


def derive(workspace: Workspace, data: Consolidated, measures=()) -> Register:
    """One row per position: its risks, the bases (returns, organisations, cases) and the
    measures of the action plan that address them. Text that names no declared position
    goes to the review list for the officer."""
    positions = Positions.load(workspace.paths.schema_file("choices.yaml"))
    names = workspace.by_bin
    entries: dict[str, dict] = {}
    review: list[dict] = []
    for basis, risk, text, bin_ in _facts(workspace, data):
        if is_blank(text):
            continue
        codes, whole = positions.match(text)
        if not whole:
            review.append(
                {
                    "org": names[bin_].name.both if bin_ in names else bin_,
                    "source": basis.code,
                    "text": str(text),
                    "todo": REVIEW_NOTE,
                }  # fmt: skip
            )
        for code in codes:
            entry = entries.setdefault(
                code,
                {
                    "risks": {},
                    "bases": {},
                    "orgs": set(),
                    "cases": 0,
                    "factors": 0,
                    "indicators": set(),
                },  # fmt: skip
            )
            entry["risks"][risk.ru] = risk
            entry["bases"].setdefault(basis.code, set()).add(bin_)
            entry["orgs"].add(bin_)
            entry["factors" if basis.code.startswith("2.") else "cases"] += 1
            entry["indicators"].add(basis.indicator)
    rows = []
    for code, e in sorted(entries.items(), key=lambda kv: (-len(kv[1]["orgs"]), kv[0])):
        position = positions.by_code[code].name
        numbers = [  # a measure of the position's risk that concerns one of its organisations
            m.no
            for m in measures
            if set(m.indicators) & e["indicators"] and set(m.orgs) & e["orgs"]
        ]
        rows.append(
            {
                "code": code,
                "position_kk": position.kk,
                "position_ru": position.ru,
                "risk_kk": "; ".join(r.kk for r in e["risks"].values()),
                "risk_ru": "; ".join(r.ru for r in e["risks"].values()),
                "basis": "; ".join(
                    f"{c}: {count(len(b), ORGANISATION, 'kk')} / {count(len(b), ORGANISATION, 'ru')}"
                    for c, b in sorted(e["bases"].items())
                ),
                "count": len(e["orgs"]),
                "cases": e["cases"],
                "factors": e["factors"],
                # «№ 4, 5, 7»: never read together with the count beside it («89 4, 5, 7»)
                "measures": f"№ {', '.join(numbers)}"
                if numbers
                else label_text("register_no_measure"),
                "orgs": sorted(
                    ((b, names[b].name) for b in e["orgs"] if b in names), key=lambda o: o[1].ru
                ),
            }
        )
    return Register(rows, review)


def kept(register: Register, extra: list[dict] = ()) -> list[dict]:
    """The register's positions as `specs.plan.write_register_positions` keeps them."""
    return [
        {
            "code": row["code"],
            "kk": row["position_kk"],
            "ru": row["position_ru"],
            "orgs": [b for b, _ in row["orgs"]],
        }
        for row in [*register.rows, *extra]
    ]


def _approval(campaign) -> tuple[list[str], list[str]]:
    """БЕКІТЕМІН / УТВЕРЖДАЮ as the reference writes it, one column per language."""
    return approval_lines(campaign, "kk"), approval_lines(campaign, "ru")


def _sign(sheet, campaign, signed: dt.date | None, row: int, plain) -> None:
    """The working group's signatures and the date under the table, Kazakh then Russian."""
    for lang, column in (("kk", 1), ("ru", 5)):  # each spills over the empty cells to its right
        r = row
        for heading, lines in signature_blocks(campaign, lang, signed):
            sheet.write_string(r, column, heading, plain)
            for line in lines:
                r += 1
                sheet.write_string(r, column, line, plain)
            r += 2


def additions(workspace: Workspace) -> list[dict]:
    """Positions the working group typed into campaign/register-additions.xlsx."""
    path = workspace.paths.campaign_dir / ADDITIONS
    if not path.exists():
        return []
    sheet = read_workbook(path).sheets[0]
    out = []
    for row in sheet.rows[1:]:
        cells = [str(c).strip() for c in row] + [""] * 4
        if cells[0]:
            out.append(
                {
                    "code": "",
                    "position_kk": cells[0],
                    "position_ru": cells[1] or cells[0],
                    "risk_kk": cells[2],
                    "risk_ru": cells[3] or cells[2],
                    "basis": label_text("label_working_group"),
                    "count": 0,
                    "cases": 0,
                    "factors": 0,
                    "measures": "",
                    "orgs": [],
                }
            )
    return out


def write_additions_template(workspace: Workspace) -> Path:
    path = workspace.paths.campaign_dir / ADDITIONS
    if not path.exists():
        book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
        sheet = book.add_worksheet("6.1")
        for c, h in enumerate([*_pair("register_position"), *_pair("register_risk_short")]):
            sheet.write_string(0, c, h)
            sheet.set_column(c, c, 40)
        page_setup(sheet, 160, header_rows=1)
        close_workbook(book, path)
    return path


TOP = 8  # rows above the table: the approval block, then the title


def _write_organisations(book, listed: list[dict], head, wrap) -> None:
    """One row per position and organisation, the position's number as in the register,
    the organisation's name in Kazakh and in Russian."""
    sheet = book.add_worksheet(sheet_name("sheet_register_orgs"))
    widths = (5, 22, 22, 15, 48, 48)
    for c, (h, width) in enumerate(zip(ORG_HEADERS, widths, strict=True)):
        sheet.write_string(0, c, h, head)
        sheet.set_column(c, c, width)
    sheet.set_row(
        0, textfit.row_height([(h, w, True) for h, w in zip(ORG_HEADERS, widths, strict=True)])
    )
    r = 1
    for no, row in enumerate(listed, 1):
        for bin_, name in row["orgs"]:
            values = (str(no), row["position_kk"], row["position_ru"], bin_, name.kk, name.ru)
            for c, value in enumerate(values):
                sheet.write_string(r, c, value, wrap)
            sheet.set_row(
                r, textfit.row_height([(v, w, False) for v, w in zip(values, widths, strict=True)])
            )
            r += 1
    sheet.freeze_panes(1, 0)
    page_setup(sheet, sum(widths), header_rows=1)


def write_register(
    path: Path,
    register: Register,
    extra: list[dict] = (),
    *,
    campaign=None,
    signed: dt.date | None = None,
    before: Comparison | None = None,
) -> Path:
    """The register, approved and signed as the reference is (the approval block above, the
    working group's signatures and the date below), and a review sheet of what named no
    declared position. With last year's results (`before`), a column says whether each
    position was in last year's register."""
    book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    sheet = book.add_worksheet("6.1")
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    # counts centred: a right-aligned «70» ran into the «№ 6, 8» beside it
    count_format = book.add_format({"align": "center", "valign": "top"})
    title = book.add_format({"bold": True, "font_size": 13})
    plain = book.add_format({"valign": "top"})
    headers, widths = list(HEADERS), [5, 17, 17, 32, 32, 20, 10, 10, 10, 12]  # ≤ 175
    listed = [*register.rows, *extra]
    table = [[str(i), *(r[k] for k in KEYS)] for i, r in enumerate(listed, 1)]
    if before is not None and before.register_known:  # else last year's is not known
        headers.append(f"{label_text('label_in_previous_register')} ({before.then})")
        widths = [5, 17, 17, 28, 28, 18, 10, 10, 10, 12, 11]
        for row, r in zip(table, listed, strict=True):
            was = before.had_position(r.get("code", ""), r["position_ru"])
            row.append(label_text("register_was_listed" if was else "register_is_new"))
    if campaign is not None:
        for r, (kk, ru) in enumerate(zip(*_approval(campaign), strict=True)):
            sheet.write_string(r, len(headers) - 5, kk, plain)
            sheet.write_string(r, len(headers) - 1, ru, plain)
    name = render("register_title")
    sheet.write_string(TOP - 2, 0, name.kk, title)
    sheet.write_string(TOP - 1, 0, name.ru, title)
    top = TOP + 1  # the header row
    widths = [textfit.width_for_words(h, w) for h, w in zip(headers, widths, strict=True)]
    for r, row in enumerate(table, start=top + 1):
        for c, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, c, value, count_format)
            else:
                sheet.write_string(r, c, value, wrap)
        sheet.set_row(
            r, textfit.row_height([(str(v), w, False) for v, w in zip(row, widths, strict=True)])
        )
    sheet.add_table(
        top,
        0,
        top + max(len(table), 1),
        len(headers) - 1,
        {
            "columns": [{"header": h, "header_format": head} for h in headers],
            "style": "Table Style Light 9",
        },
    )
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.set_row(
        top, textfit.row_height([(h, w, True) for h, w in zip(headers, widths, strict=True)])
    )
    if campaign is not None:
        _sign(sheet, campaign, signed, top + max(len(table), 1) + 2, plain)
    sheet.freeze_panes(top + 1, 0)
    page_setup(sheet, sum(widths), header_rows=1, header_at=top)
    _write_organisations(book, listed, head, wrap)
    if register.review:
        review = book.add_worksheet(sheet_name("sheet_review"))
        for c, h in enumerate(REVIEW_HEADERS):
            review.write_string(0, c, h, head)
        for r, row in enumerate(register.review, start=1):
            for c, key in enumerate(("org", "source", "text", "todo")):
                review.write_string(r, c, row[key], wrap)
        for c, width in enumerate((34, 10, 50, 60)):
            review.set_column(c, c, width)
        page_setup(review, 154, header_rows=1)
    close_workbook(book, path)
    return path
