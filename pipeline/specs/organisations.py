"""The department's registry of organisations (`campaign/organisations.xlsx`).

The officer keeps it in Excel, so it is read like any return: headers by label in either
language, values normalised, and every bad cell reported by row and column at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.core.addresses import one_address
from pipeline.core.errors import ConfigError, WorkbookError
from pipeline.core.folding import is_blank
from pipeline.core.ids import id_problem
from pipeline.core.messages import render, text
from pipeline.core.numerals import TIMES, counted
from pipeline.core.text import Text
from pipeline.files.reader import read_workbook
from pipeline.specs.headers import header_positions, label_index
from pipeline.specs.normalise import converter
from pipeline.specs.problems import cell_problem
from pipeline.specs.returns import ORG_TYPES, Choice, Column

REGISTRY_FILE = "organisations.xlsx"


@dataclass(frozen=True)
class Organisation:
    bin: str
    name: Text
    type: str
    address: str = ""
    director: str = ""
    email: str = ""
    staff: int = 0
    pupils: int = 0


def _registry_line(excel_row: int, column: Column, found) -> str:
    """One line of the list of the registry's bad rows: row, column, what is wrong."""
    where = render("registry_row", row=excel_row, column=column.label.both)
    return f"{where.both}: {found.message.both}"


def registry_columns(type_labels: dict[str, Text]) -> tuple[Column, ...]:
    """The registry's columns, declared like a return's so the same converters apply."""
    types = tuple(Choice(t, type_labels[t]) for t in ORG_TYPES)
    return (
        Column("bin", text("layout_bin"), "bin", required=True, width=16),
        Column(
            "name_kk",
            text("registry_name_kk"),
            "text",
            required=True,
            width=45,
        ),
        Column(
            "name_ru",
            text("registry_name_ru"),
            "text",
            required=True,
            width=45,
        ),
        Column(
            "type",
            text("label_org_type"),
            "choice",
            required=True,
            choices=types,
            width=38,
        ),
        Column("address", text("registry_address"), "text", width=35),
        Column("director", text("registry_director"), "text", width=28),
        Column("email", text("registry_email"), "text", width=28),
        Column("staff", text("registry_staff"), "integer", min=0, width=14),
        Column(
            "pupils",
            text("registry_pupils"),
            "integer",
            min=0,
            width=16,
        ),
    )


def load_registry(path: Path, type_labels: dict[str, Text]) -> list[Organisation]:
    """All organisations; raises one `ConfigError` listing every bad cell (row, column)."""
    try:
        book = read_workbook(path)
    except WorkbookError as exc:
        raise ConfigError(exc.kk, exc.ru, where=str(path)) from None
    sheet = next((s for s in book.sheets if s.visible), None)
    columns = registry_columns(type_labels)
    if sheet is None or not sheet.rows:
        raise ConfigError.of("registry_empty", where=str(path))
    positions = header_positions(sheet.rows[0], label_index(columns))
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing:
        labels = ", ".join(c.label.both for c in missing)
        raise ConfigError.of(
            "registry_columns_missing", where=f"{path}: {sheet.name}", labels=labels
        )
    problems: list[str] = []
    organisations: list[Organisation] = []
    read_rows: list[int] = []  # the sheet's row of each organisation, for the messages
    converters = {c.key: converter(c) for c in columns}
    for excel_row, row in enumerate(sheet.rows[1:], start=2):
        raw = {k: (row[i] if i < len(row) else "") for k, i in positions.items()}
        if all(is_blank(v) for v in raw.values()):
            continue
        values = {}
        for col in columns:
            value = raw.get(col.key, "")
            if is_blank(value):
                if col.required:
                    found = cell_problem("required", col, value)
                    problems.append(_registry_line(excel_row, col, found))
                values[col.key] = None
                continue
            typed, error = converters[col.key](value)
            if not error and col.type == "bin":
                error = id_problem(typed, "bin")
            if not error and col.key == "email":
                typed = one_address(typed)
                error = None if typed else "registry_email_bad"
            if error:
                found = cell_problem(error, col, value)
                problems.append(_registry_line(excel_row, col, found))
            values[col.key] = typed
        if all(values[c.key] is not None for c in columns if c.required):
            read_rows.append(excel_row)
            organisations.append(
                Organisation(
                    bin=values["bin"],
                    name=Text(values["name_kk"], values["name_ru"]),
                    type=values["type"],
                    address=values["address"] or "",
                    director=values["director"] or "",
                    email=values["email"] or "",
                    staff=values["staff"] or 0,
                    pupils=values["pupils"] or 0,
                )
            )
    rows_of: dict[str, list[int]] = {}
    for org, excel_row in zip(organisations, read_rows, strict=True):
        rows_of.setdefault(org.bin, []).append(excel_row)
    problems += [
        render(
            "registry_bin_twice",
            bin=b,
            times=counted(len(rows), TIMES),
            rows=", ".join(map(str, rows)),
        ).text
        for b, rows in rows_of.items()
        if len(rows) > 1
    ]
    if problems:
        listing = "\n  ".join(problems[:50])
        raise ConfigError.of(
            "registry_has_errors",
            where=f"{path}: {sheet.name}",
            value=len(problems),
            listing=listing,
        )
    return organisations
