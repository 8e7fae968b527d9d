"""What tests call to build their inputs: a template filled as a secretary fills it, valid
rows of each return, valid BINs and IINs, a hostile workbook. Fixtures are in conftest."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import openpyxl

from pipeline.core import clock
from pipeline.core.ids import complete_id
from pipeline.specs import layout as L
from pipeline.specs.organisations import Organisation
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.templates import template_name, write_template


def make_bin(serial: int) -> str:
    for unit in range(10):
        full = complete_id(f"991240{unit}{serial:04d}")
        if full:
            return full
    raise AssertionError("no valid BIN")


def template_for(workspace: Workspace, org: Organisation) -> Path:
    path = workspace.paths.outbox / "templates" / template_name(org, workspace.campaign)
    if not path.exists():
        write_template(path, org, workspace.campaign, workspace.specs)
    return path


def fill(
    workspace: Workspace,
    org: Organisation,
    rows: dict[str, list[dict]],
    name: str,
    received: dt.datetime = dt.datetime(2023, 11, 10, 10, 0),
    nil: tuple[str, ...] = (),
    complete: bool = True,
) -> Path:
    """Type rows into the organisation's template with openpyxl and drop it into the inbox.

    `complete`: as a school fills the whole template, the sheets that may never be empty
    (`nil: never`: the staff list and the checklists) get plain valid answers, and those
    whose nil return is the yellow mark (`nil: mark`) get the mark, unless `rows` names them.
    """
    book = openpyxl.load_workbook(template_for(workspace, org))
    if complete:
        rows = {**required_answers(workspace, org), **rows}
        nil = (
            *nil,
            *(c for c, s in workspace.collected.items() if s.nil == "mark" and c not in rows),
        )
    for code, items in rows.items():
        spec = workspace.specs[code]
        sheet = book[spec.sheet]
        for r, row in enumerate(items):
            for c, key in enumerate(spec.keys, start=1):
                if key in row and row[key] is not None:
                    sheet.cell(L.FIRST_DATA_ROW + r, c).value = row[key]
    for code in nil:
        book[workspace.specs[code].sheet].cell(L.NIL_ROW, 2).value = L.NIL_YES.both
    target = workspace.paths.inbox / name
    book.save(target)
    stamp = clock.aware(received).timestamp()  # a time in the campaign's zone
    os.utime(target, (stamp, stamp))
    return target


def required_answers(workspace: Workspace, org: Organisation) -> dict[str, list[dict]]:
    """Plain valid answers, of an organisation with no finding, for every sheet of its
    template that cannot be empty."""
    checklist = {
        "1.8": {"published": "Иә / Да", "url": "school1.edu.kz/anticor"},
        "2": {
            "act_exists": "Иә / Да",
            "act_details": "Бұйрық / Приказ №1",
            "risk_found": "Жоқ / Нет",
        },
    }
    out = {}
    for code, spec in workspace.collected.items():
        if spec.nil != "never" or org.type not in spec.applies_to:
            continue
        if code == "1.1":
            out[code] = [good_11()]
        elif code in checklist:
            out[code] = [checklist[code]] * len(spec.column(spec.fixed_rows).choices)
    return out


def make_iin(serial: int, born: str = "850102", century: int = 3) -> str:
    for n in range(serial * 10, serial * 10 + 10):
        full = complete_id(f"{born}{century}{n:04d}")
        if full:
            return full
    raise AssertionError("no valid IIN")


def good_11(iin: str = "") -> dict:
    return {
        "iin": iin or make_iin(1),
        "full_name": "Ахметов Ерлан",
        "position": "Мұғалім / Учитель",
        "checked_on": dt.datetime(2023, 3, 1),
        "has_record": "Жоқ / Нет",
    }


def good_12() -> dict:
    """One disciplinary measure in the school year, every required cell filled."""
    return {
        "full_name": "Ахметов Ерлан",
        "position": "Мұғалім / Учитель",
        "order_no": "12-к",
        "order_date": dt.datetime(2023, 3, 1),
        "measure": "Сөгіс / Выговор",
        "ground": "Еңбек тәртібін бұзу / Нарушение трудовой дисциплины",
    }


def good_14() -> dict:
    return {
        "service": "Мектепке құжаттар қабылдау және оқуға қабылдау / Приём документов и зачисление в школу",
        "month": dt.datetime(2023, 2, 15),
        "applications": 10,
        "on_time": 8,
        "late": 1,
        "refused": 1,
        "electronic": 7,
        "paper": 3,
    }


def far_cell(path, dimension: bytes | None = None):
    """A few kilobytes with a value at XFD1048576: calamine would allocate the rectangle."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("1.4")
    sheet.write(0, 0, "x")
    sheet.write(1048575, 16383, "far")
    book.close()
    if dimension is not None:  # rewrite what the sheet declares about itself
        original = io.BytesIO(path.read_bytes())
        with zipfile.ZipFile(original) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                part = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    part = part.replace(b'<dimension ref="A1:XFD1048576"/>', dimension)
                dst.writestr(item.filename, part)
    return path


def by_name(outcomes):
    """Ingest outcomes by file name."""
    return {o.name: o for o in outcomes}


def db(workspace):
    """The ledger opened for reading what a test checks (a SQLite file or a server's
    database: rows read by name or position on both)."""
    from pipeline import ledger

    return ledger.connect(workspace.paths.ledger)


def lying_zip(target: Path, parts: dict[str, bytes], bomb: str, inflates_to: int) -> Path:
    """A zip whose part `bomb` declares the size and checksum of its small real contents
    but holds a deflate stream of `inflates_to` zero bytes after them; written by hand,
    since `zipfile` writes only the truth. Built a megabyte at a time: the test's own
    memory stays small too."""
    import struct
    import zlib

    entries, out = [], io.BytesIO()
    for name, data in parts.items():
        pack = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        raw = pack.compress(data)
        if name == bomb:
            zeros, left = bytes(1 << 20), inflates_to
            while left > 0:
                raw += pack.compress(zeros[: min(left, len(zeros))])
                left -= len(zeros)
        raw += pack.flush()
        crc, size = zlib.crc32(data), len(data)
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(raw),
                              size, len(encoded), 0))  # fmt: skip
        out.write(encoded + raw)
        entries.append((encoded, crc, len(raw), size, offset))
    start = out.tell()
    for encoded, crc, packed, size, offset in entries:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc,
                              packed, size, len(encoded), 0, 0, 0, 0, 0, offset))  # fmt: skip
        out.write(encoded)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                          end - start, start, 0))  # fmt: skip
    target.write_bytes(out.getvalue())
    return target


def document_body(path) -> list[tuple[str, object]]:
    """A DOCX's body in order: ("p", text) and ("t", rows of cell texts)."""
    import docx

    document = docx.Document(str(path))
    out = []
    for block in document.element.body.iterchildren():
        if block.tag.endswith("}p"):
            out.append(("p", docx.text.paragraph.Paragraph(block, document).text))
        elif block.tag.endswith("}tbl"):
            table = docx.table.Table(block, document)
            out.append(("t", [[c.text for c in row.cells] for row in table.rows]))
    return out


def run_demo(tmp_path_factory) -> Path:
    """The whole demo district, run once for a module (its folder: `…/demo`)."""
    from click.testing import CliRunner

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("district") / "demo"
    result = CliRunner().invoke(main, ["--root", str(root), "demo"])
    assert result.exit_code == 0, result.output
    return root
