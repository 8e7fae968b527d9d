"""Pre-filled bilingual template workbooks, one per organisation (plan items 1.1–2.5).

Written with xlsxwriter, every user-originated string through `write_string` and the
workbook opened with formula and URL conversion off: a name like "=1+1" stays text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from pipeline.core import textfit
from pipeline.core.messages import label as label_text
from pipeline.core.messages import render, sheet_name
from pipeline.core.progress import Progress, silent
from pipeline.files.atomic import close_workbook
from pipeline.files.identity_sheet import Identity, KnownSheet, write_identity
from pipeline.files.reader import LISTS_SHEET
from pipeline.files.xlsxout import SAFE_OPTIONS, a4
from pipeline.specs import layout as L
from pipeline.specs.campaign import Campaign, Period
from pipeline.specs.nil_rule import instruction_lines, sheet_note
from pipeline.specs.organisations import Organisation
from pipeline.specs.returns import Column, ReturnSpec
from pipeline.workbooks.template_cells import Formats as _Formats
from pipeline.workbooks.template_cells import validation as _validation

INSTRUCTIONS_SHEET = sheet_name("sheet_instructions")


@dataclass(frozen=True)
class Due:
    """The period a sheet is filled for and the date it is due."""

    period: Period
    deadline: dt.date


def template_name(org: Organisation, campaign: Campaign) -> str:
    """ASCII-only, so that every mail client keeps the attachment name."""
    return f"{org.bin}_{campaign.code}.xlsx"


def applicable(specs: dict[str, ReturnSpec], org_type: str) -> list[ReturnSpec]:
    return [s for s in specs.values() if org_type in s.applies_to and s.stage == "collection"]


def _width(column: Column) -> int:
    """A column's width in characters: its own, or what its header needs (two-line labels)."""
    chosen = column.width or min(
        max(14, len(column.label.ru) // 2 + 6, len(column.label.kk) // 2 + 6), 40
    )
    return int(textfit.width_for_words(f"{column.label.kk} {column.label.ru} *", chosen))


def _write_return_sheet(
    book,
    fmt: _Formats,
    spec: ReturnSpec,
    org: Organisation,
    due: Due,
    lists,
    list_refs: dict[tuple[str, str], str],
    prefilled: list[dict] | None = None,
) -> None:
    """One return sheet; `prefilled` rows (5.1 measures) are written locked, like checklist items."""
    sheet = book.add_worksheet(spec.sheet)
    first_width = _write_head(sheet, fmt, spec, org, due, lists, list_refs)
    fixed_choices = (
        spec.column(spec.fixed_rows).choices if spec.fixed_rows and prefilled is None else ()
    )
    nrows = (
        len(prefilled)
        if prefilled is not None
        else len(fixed_choices)
        if spec.fixed_rows
        else L.BLANK_DATA_ROWS
    )
    last_data = L.FIRST_DATA_ROW - 1 + nrows - 1
    locked_keys = (
        set(prefilled[0]) if prefilled else ({spec.fixed_rows} if spec.fixed_rows else set())
    )
    _write_columns(
        sheet, fmt, spec, org, due, lists, list_refs, first_width, last_data, locked_keys
    )
    _write_given_rows(sheet, fmt, spec, fixed_choices, prefilled or [])
    _protect_and_print(sheet, spec, last_data)


def _write_head(sheet, fmt: _Formats, spec: ReturnSpec, org, due: Due, lists, list_refs) -> float:
    """The locked rows above the table: the title in each language, who, the period, the
    deadline, the nil mark where the return has one, and what to write; returns the first
    column's width (its labels must fit)."""
    period, deadline = due.period, due.deadline
    last = max(len(spec.columns) - 1, 2)
    for row in range(L.HEADER_ROW):
        sheet.set_row(row, None, fmt.locked_row)
    sheet.merge_range(0, 0, 0, last, f"{spec.code}. {spec.title.kk}", fmt.title)
    sheet.merge_range(1, 0, 1, last, f"{spec.code}. {spec.title.ru}", fmt.title)
    sheet.set_row(0, 34, fmt.locked_row)
    sheet.set_row(1, 34, fmt.locked_row)
    info = [
        (L.ORG_ROW, L.ORG_LABEL, org.name.both),
        (L.BIN_ROW, L.BIN_LABEL, org.bin),
        (L.PERIOD_ROW, L.PERIOD_LABEL, period.label),
        (L.DEADLINE_ROW, L.DEADLINE_LABEL, f"{deadline:%d.%m.%Y}"),
    ]
    labels = [label.both for _, label, _ in info] + [L.NIL_LABEL.both]
    first_width = max(textfit.width_for_words(t, _width(spec.columns[0])) for t in labels)
    rest_width = sum(_width(c) for c in spec.columns[1 : last + 1]) or 30
    for row, label, value in info:
        sheet.write_string(row - 1, 0, label.both, fmt.label)
        sheet.merge_range(row - 1, 1, row - 1, last, value, fmt.fixed)
        cells = [(label.both, first_width, True), (value, rest_width, False)]
        sheet.set_row(row - 1, textfit.row_height(cells), fmt.locked_row)
    if spec.nil == "mark":
        _write_nil_mark(sheet, fmt, lists, list_refs, first_width)
    note = sheet_note(spec)
    sheet.merge_range(
        L.DESCRIPTION_ROW - 1, 0, L.DESCRIPTION_ROW - 1, last, note.join("\n"), fmt.note
    )
    ncols = len(spec.columns)
    span = sum(_width(c) for c in spec.columns[: last + 1]) + 10 * max(0, last + 1 - ncols)
    height = textfit.height(note.join("\n"), span)
    sheet.set_row(L.DESCRIPTION_ROW - 1, max(30, height), fmt.locked_row)
    return first_width


def _write_nil_mark(sheet, fmt: _Formats, lists, list_refs, first_width: float) -> None:
    """The yellow cell that says «no data for the period», chosen from a one-item list."""
    nil_ref = list_refs.get(("nil", "")) or lists("nil", None, (L.NIL_YES.both,))
    list_refs[("nil", "")] = nil_ref
    sheet.write_string(L.NIL_ROW - 1, 0, L.NIL_LABEL.both, fmt.label)
    sheet.write_blank(L.NIL_ROW - 1, 1, None, fmt.nil)
    sheet.data_validation(
        L.NIL_ROW - 1,
        1,
        L.NIL_ROW - 1,
        1,
        {
            "validate": "list",
            "source": nil_ref,
            "input_title": label_text("label_nil_return"),
            "input_message": label_text("label_choose_only_if_no_data"),
        },
    )
    label_height = textfit.height(L.NIL_LABEL.both, first_width, bold=True)
    sheet.set_row(L.NIL_ROW - 1, max(30, label_height), fmt.locked_row)


def _header_label(column) -> str:
    """A column's header, a language a line, «*» after each where it must be filled."""
    mark = " *" if column.required else ""
    return column.label.map(lambda said: said + mark).join("\n")


def _write_columns(
    sheet, fmt: _Formats, spec: ReturnSpec, org, due: Due, lists, list_refs, first_width,
    last_data: int, locked_keys: set,
) -> None:  # fmt: skip
    """The header row, each column's width, format, help and the check Excel makes as
    people type (a list, a date within the period, a number)."""
    header = L.HEADER_ROW - 1
    first_data = L.FIRST_DATA_ROW - 1
    for i, column in enumerate(spec.columns):
        sheet.write_string(
            header, i, _header_label(column), fmt.required if column.required else fmt.head
        )
        sheet.set_column(i, i, first_width if i == 0 else _width(column), fmt.cell[column.type])
        if column.help:
            sheet.write_comment(header, i, column.help.both, {"x_scale": 2})
        list_ref = None
        if column.type == "choice" or column.suggest:
            list_ref = list_refs.get((spec.code, column.key)) or lists(
                spec.code, column, org_type=org.type
            )
            list_refs[(spec.code, column.key)] = list_ref
        rule = _validation(column, xl_rowcol_to_cell(first_data, i), due.period, list_ref)
        if rule and column.key not in locked_keys:
            sheet.data_validation(first_data, i, last_data, i, rule)
    heads = [(_header_label(c), _width(c), True) for c in spec.columns]
    sheet.set_row(header, textfit.row_height(heads, 30), fmt.locked_row)


def _write_given_rows(sheet, fmt: _Formats, spec: ReturnSpec, fixed_choices, prefilled) -> None:
    """Rows Adal fills and locks: the checklist's items, or the 5.1 measures."""
    first_data = L.FIRST_DATA_ROW - 1
    for r, choice in enumerate(fixed_choices):
        col = spec.keys.index(spec.fixed_rows)
        sheet.write_string(first_data + r, col, choice.label.both, fmt.fixed)
        cells = [(choice.label.both, _width(spec.columns[col]), False)]
        sheet.set_row(first_data + r, textfit.row_height(cells, 30))
    for r, row in enumerate(prefilled):
        for key, value in row.items():
            col = spec.keys.index(key)
            if isinstance(value, dt.date):
                sheet.write_datetime(
                    first_data + r, col, dt.datetime.combine(value, dt.time()), fmt.fixed_date
                )
            else:
                sheet.write_string(first_data + r, col, str(value), fmt.fixed)
        cells = [(str(v), _width(spec.columns[spec.keys.index(k)]), False) for k, v in row.items()]
        sheet.set_row(first_data + r, textfit.row_height(cells, 30))


def _protect_and_print(sheet, spec: ReturnSpec, last_data: int) -> None:
    """Locked where Adal wrote, open where the school writes; A4 landscape, one page wide,
    the header on every page."""
    header = L.HEADER_ROW - 1
    sheet.freeze_panes(L.FIRST_DATA_ROW - 1, 0)
    sheet.autofilter(header, 0, last_data, len(spec.columns) - 1)
    sheet.protect(
        "",
        {
            "insert_rows": True,
            "delete_rows": not spec.fixed_rows,
            "format_columns": True,
            "format_rows": True,
            "autofilter": True,
            "sort": True,
            "select_locked_cells": True,
        },
    )
    a4(sheet)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header)


def _list_writer(book, fmt: _Formats):
    """Choice lists live on a very hidden sheet: inline lists stop at 255 characters."""
    sheet = book.add_worksheet(LISTS_SHEET)
    sheet.very_hidden()
    state = {"col": 0}

    def write(
        code: str, column: Column | None, labels: tuple[str, ...] = (), org_type: str = ""
    ) -> str:
        """A range of the lists sheet: a literal list is split by Excel at every comma
        («Иә, деректер жоқ / Да, данных нет» became three items, none of them the mark)."""
        col = state["col"]
        state["col"] += 1
        sheet.write_string(0, col, f"{code}:{column.key if column else 'nil'}")
        offered = labels or tuple(
            c.label.both
            for c in (column.choices or column.suggest)
            if not org_type or c.offered_to(org_type)  # a kindergarten: no school services
        )
        for r, label in enumerate(offered, start=1):
            sheet.write_string(r, col, label)
        letter = xl_col_to_name(col)
        return f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(offered) + 1}"

    return write


def _write_instructions(
    book, fmt: _Formats, org: Organisation, campaign: Campaign, specs: list[tuple[ReturnSpec, Due]]
) -> None:
    sheet = book.add_worksheet(INSTRUCTIONS_SHEET)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 2, 70)
    contact = " ".join(x for x in (campaign.contact_email, campaign.contact_phone) if x)
    nil_lines = instruction_lines([spec for spec, _ in specs])

    def said(number: str, which: str, **fields: object) -> tuple[str, str, str]:
        message = render(which, **fields)
        return number, message.kk.strip(), message.ru.strip()

    lines = [
        ("", f"{campaign.subject.kk}", f"{campaign.subject.ru}"),
        said("", "cover_analysis"),
        said("", "guide_organisation", name=org.name, bin=org.bin),
        said("", "guide_how"),
        said("1", "guide_sheets"),
        said("2", "guide_values"),
        *(
            (f"3.{n}" if len(nil_lines) > 1 else "3", t.kk, t.ru)
            for n, t in enumerate(nil_lines, 1)
        ),
        said("4", "guide_send"),
        said("5", "guide_questions", name=campaign.contact_name, contact=contact),
        said("", "guide_returns"),
    ]
    for spec, when in specs:
        period, due = when.period, when.deadline
        lines.append(
            said(spec.code, "guide_return", title=spec.title, period=period.label,
                 due=f"{due:%d.%m.%Y}")
        )  # fmt: skip
    for r, (num, kk, ru) in enumerate(lines):
        style = fmt.bold_wrap if not num else fmt.wrap
        sheet.write_string(r, 0, num, style)
        sheet.write_string(r, 1, kk, style)
        sheet.write_string(r, 2, ru, style)
        sheet.set_row(r, textfit.row_height([(kk, 70, not num), (ru, 70, not num)]))
    a4(sheet)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.activate()


def _write_identity(
    book, org: Organisation, campaign: Campaign, specs: list[ReturnSpec], now: dt.datetime
) -> None:
    """The very hidden sheet that lets ingest tell who sent what, whatever the file name."""
    identity = Identity(
        campaign=campaign.code,
        bin=org.bin,
        org_type=org.type,
        generated_at=now.isoformat(timespec="seconds"),
        sheets={s.sheet: KnownSheet(s.code, s.version, L.HEADER_ROW) for s in specs},
    )
    write_identity(book, identity)


def write_template(
    path: Path,
    org: Organisation,
    campaign: Campaign,
    specs: dict[str, ReturnSpec],
    now: dt.datetime | None = None,
) -> list[ReturnSpec]:
    """Write one organisation's workbook; returns the specs it holds (its type's returns)."""
    chosen = applicable(specs, org.type)
    path.parent.mkdir(parents=True, exist_ok=True)
    dues = [
        (spec, Due(campaign.period(spec.code, org.type), campaign.deadline(spec.code)))
        for spec in chosen
    ]
    _write_book(path, org, campaign, dues, {}, now)
    return chosen


def _write_book(
    path: Path,
    org: Organisation,
    campaign: Campaign,
    dues: list[tuple[ReturnSpec, Due]],
    prefilled: dict[str, list[dict]],
    now: dt.datetime | None,
) -> None:
    book = xlsxwriter.Workbook(str(path), SAFE_OPTIONS)
    fmt = _Formats(book)
    _write_instructions(book, fmt, org, campaign, dues)
    lists = _list_writer(book, fmt)
    refs: dict[tuple[str, str], str] = {}
    for spec, due in dues:
        _write_return_sheet(book, fmt, spec, org, due, lists, refs, prefilled.get(spec.code))
    _write_identity(book, org, campaign, [spec for spec, _ in dues], now or dt.datetime.now())
    book.set_properties(
        {
            "title": f"{campaign.code} {org.bin}",
            "author": campaign.subject.ru,
            "company": campaign.subject.ru,
        }
    )
    close_workbook(book, path)


def write_prefilled(
    path: Path,
    org: Organisation,
    campaign: Campaign,
    spec: ReturnSpec,
    due: Due,
    rows: list[dict],
    now: dt.datetime | None = None,
) -> Path:
    """A one-return workbook whose rows are given (the 5.1 execution report of one organisation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_book(path, org, campaign, [(spec, due)], {spec.code: rows}, now)
    return path


def write_templates(
    folder: Path,
    organisations: list[Organisation],
    campaign: Campaign,
    specs: dict[str, ReturnSpec],
    progress: Progress = silent,
) -> list[Path]:
    paths = []
    for n, org in enumerate(organisations, start=1):
        path = folder / template_name(org, campaign)
        write_template(path, org, campaign, specs)
        paths.append(path)
        progress(n, len(organisations))
    return paths
