"""The registry workbook as the officer keeps it (`campaign/organisations.xlsx`): written
here for `init`, the demo and the bench; read and checked by `specs.organisations`, which
declares its columns."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from pipeline.core.messages import sheet_name
from pipeline.core.text import Text
from pipeline.files.atomic import close_workbook
from pipeline.files.xlsxout import page_setup
from pipeline.specs.organisations import Organisation, registry_columns
from pipeline.specs.returns import ORG_TYPES


def write_registry(
    path: Path, organisations: list[Organisation], type_labels: dict[str, Text]
) -> None:
    """Write the registry the way the officer keeps it: bilingual header, BIN as text."""
    columns = registry_columns(type_labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(sheet_name("sheet_orgs"))
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
    )
    text = book.add_format({"num_format": "@"})
    for i, col in enumerate(columns):
        sheet.write_string(0, i, col.label.join("\n"), head)
        sheet.set_column(i, i, col.width or 14, text if col.type in ("bin", "text") else None)
    lists = book.add_worksheet("_lists")  # a literal list is cut by Excel at every comma
    lists.very_hidden()
    for r, t in enumerate(ORG_TYPES):
        lists.write_string(r, 0, type_labels[t].both)
    source = f"='_lists'!$A$1:$A${len(ORG_TYPES)}"
    sheet.data_validation(1, 3, 5000, 3, {"validate": "list", "source": source})
    for r, org in enumerate(organisations, start=1):
        values = [
            org.bin,
            org.name.kk,
            org.name.ru,
            type_labels[org.type].both,
            org.address,
            org.director,
            org.email,
        ]
        for i, value in enumerate(values):
            sheet.write_string(r, i, value)
        sheet.write_number(r, 7, org.staff)
        sheet.write_number(r, 8, org.pupils)
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 45)
    page_setup(sheet, sum(c.width or 14 for c in columns), header_rows=1)
    close_workbook(book, path)
