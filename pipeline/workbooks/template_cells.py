"""Cell formats and Excel data validation of template sheets.

Validation is what Excel refuses while a secretary types (dropdowns, date limits of her
organisation's period, whole numbers, 12-digit identifiers); ingest re-checks everything,
since pasting into a cell removes its validation.
"""

from __future__ import annotations

import datetime as dt

import xlsxwriter

from pipeline.core.messages import label as label_text
from pipeline.core.messages import render
from pipeline.core.numerals import CHARACTER, count, count_in
from pipeline.core.text import Text
from pipeline.specs.campaign import date_window
from pipeline.specs.returns import Column


class Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        add = book.add_format
        self.title = add({"bold": True, "font_size": 13, "text_wrap": True, "valign": "top"})
        self.label = add(
            {"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.fixed = add(
            {
                "bg_color": "#F2F2F2",
                "border": 1,
                "num_format": "@",
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.fixed_date = add(
            {"bg_color": "#F2F2F2", "border": 1, "num_format": "dd.mm.yyyy", "valign": "top"}
        )
        self.note = add(
            {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}
        )
        self.head = add(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "top",
                "align": "center",
                "bg_color": "#DDEBF7",
                "border": 1,
                "locked": True,
            }
        )
        self.required = add(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "top",
                "align": "center",
                "bg_color": "#FCE4D6",
                "border": 1,
                "locked": True,
            }
        )
        self.nil = add({"locked": False, "bg_color": "#FFF2CC", "border": 1})
        self.locked_row = add({"locked": True})
        self.cell = {
            "text": add({"locked": False, "num_format": "@", "text_wrap": True}),
            "iin": add({"locked": False, "num_format": "@"}),
            "bin": add({"locked": False, "num_format": "@"}),
            "date": add({"locked": False, "num_format": "dd.mm.yyyy"}),
            "integer": add({"locked": False, "num_format": "0"}),
            "decimal": add({"locked": False, "num_format": "#,##0.00"}),
            "choice": add({"locked": False, "text_wrap": True}),  # a long label wraps whole
        }
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.bold_wrap = add({"bold": True, "text_wrap": True, "valign": "top"})


def short(text: str, limit: int, *shorter: str) -> str:
    """What fits Excel's limit whole (a title 32 characters, a message 255): the text, else
    the first shorter form that fits, else the words that fit. A sentence cut off with «…»
    said half of what it meant."""
    for candidate in (text, *shorter):
        if len(candidate) <= limit:
            return candidate
    words = (shorter[-1] if shorter else text).split()
    kept = ""
    for word in words:
        if len(f"{kept} {word}".strip()) > limit:
            break
        kept = f"{kept} {word}".strip()
    return kept or text[:limit]


def validation(column: Column, first: str, period, list_ref: str | None) -> dict:
    """The Excel data validation of a column: what Excel itself refuses while typing."""
    help_text = column.help.both if column.help else column.label.both
    common = {
        "input_title": short(column.label.kk, 32),
        "input_message": short(help_text, 255, column.label.both),
        "error_title": short(label_text("label_oshibka"), 32),
        "error_type": "stop",
    }
    if column.type == "choice":
        return {
            **common,
            "validate": "list",
            "source": list_ref,
            "error_message": label_text("label_choose_from_list"),
        }
    if column.suggest:  # offered, not imposed: Excel only informs, the typed text stays
        return {
            **common,
            "validate": "list",
            "source": list_ref,
            "error_type": "information",
            "input_message": short(
                f"{help_text}\n{label_text('label_choose_or_type')}",
                255,
                f"{column.label.both}\n{label_text('label_choose_or_type')}",
            ),
            "error_message": short(label_text("label_position_not_listed"), 255),
        }
    if column.type == "date":
        return {**common, **_date_rule(column, period, help_text)}
    if column.type in ("integer", "decimal"):
        low = column.min if column.min is not None else -1e12
        high = column.max if column.max is not None else 1e12
        return {
            **common,
            "validate": "integer" if column.type == "integer" else "decimal",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_message": label_text("label_type_a_non_negative_number"),
        }
    if column.type in ("iin", "bin"):
        return {
            **common,
            "validate": "custom",
            "value": f"=AND(LEN({first})=12,ISNUMBER(--{first}))",
            "input_message": short(
                f"{help_text}\n{label_text('label_12_digits')}",
                255,
                f"{column.label.both}\n{label_text('label_12_digits')}",
            ),
            "error_message": label_text("label_12_tsifr_kak_tekst"),
        }
    if column.max_length:
        return {
            **common,
            "validate": "length",
            "criteria": "<=",
            "value": column.max_length,
            "error_message": short(
                render("cell_max_length", most=_at_most(column.max_length)).text, 255
            ),
        }
    return {}


def _date_rule(column: Column, period, help_text: str) -> dict:
    """The column's window (`campaign.date_window`) as Excel checks it while typing; the day
    the file is sent is today's date here (TODAY()), except for a planned date (a deadline)."""
    start, end = date_window(column.window, period)
    low = start or dt.date(1950, 1, 1)
    maximum: object = "=TODAY()"
    if column.window == "planned":
        maximum = dt.datetime(2100, 12, 31)
        span = None
        error = render("date_as_typed")
    elif end:
        maximum = dt.datetime.combine(end, dt.time())
        first, last = f"{low:%d.%m.%Y}", f"{end:%d.%m.%Y}"
        span = render("date_span", first=first, last=last)
        error = render("date_in_span", first=first, last=last)
    elif start:
        span = render("date_since", first=f"{low:%d.%m.%Y}")
        error = render("date_since_error", first=f"{low:%d.%m.%Y}")
    else:
        span = render("date_until_today")
        error = render("date_until_today_error")
    where = f": {span.text}" if span else ""
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": dt.datetime.combine(low, dt.time()),
        "maximum": maximum,
        "input_message": short(
            f"{help_text}\n{label_text('label_date_form')}{where}",
            255,
            f"{column.label.both}\n{label_text('label_date_form')}{where}",
        ),
        "error_message": short(error.text, 255),
    }


def _at_most(n: int) -> Text:
    """«255 таңба» / «255 символов», «21 символа»: after «не более» Russian takes the
    genitive, by the number's CLDR category."""
    return Text(count(n, CHARACTER, "kk"), count_in(n, CHARACTER, "ru", "genitive"))
