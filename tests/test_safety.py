"""The precheck judges every XML part from its first bytes, however the zip stores it."""

import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.errors import WorkbookError
from pipeline.files.safety import Limits, _raw_head, _zip_head, precheck
from tests import biff
from tests.helpers import far_cell, fill, good_14, lying_zip


def _rezip(source, target, compression, workbook_prefix=b""):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml" and workbook_prefix:
                data = workbook_prefix + data.split(b"?>", 1)[-1]
            dst.writestr(item.filename, data)
    return target


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_raw_reading_of_parts_agrees_with_zipfile(workspace, orgs, tmp_path, compression):
    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    path = _rezip(good, tmp_path / "copy.xlsx", compression)
    limits = Limits()
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            raw = _raw_head(data, info, limits)
            assert raw is not None
            assert _zip_head(archive, info, limits).startswith(raw[:2048])
    assert precheck(path, limits) == []


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("padding", [0, 3000, 60_000])
def test_dtd_is_refused_however_the_part_is_stored(workspace, orgs, tmp_path, compression, padding):
    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    prefix = b'<?xml version="1.0"?><!--' + b"x" * padding + b'--><!DOCTYPE a [<!ENTITY b "c">]>'
    path = _rezip(good, tmp_path / "sly.xlsx", compression, prefix)
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "unsafe_xml"


@pytest.mark.parametrize("dimension", [None, b""])
def test_a_cell_far_outside_the_table_is_refused_before_reading(tmp_path, dimension):
    """Declared, or not declared: the filled cells decide, before calamine sees the file."""
    path = far_cell(tmp_path / "far.xlsx", dimension)
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"
    assert "1048576" in caught.value.ru


def test_formatting_far_down_is_not_a_filled_cell(tmp_path):
    import xlsxwriter

    path = tmp_path / "styled.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("1.4")
    border = book.add_format({"border": 1})
    sheet.write(0, 0, "x")
    for row in range(1, 600_000, 1000):
        sheet.write_blank(row, 0, None, border)
        sheet.write_blank(row, 20, None, border)
    book.close()
    assert precheck(path, Limits()) == []


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_xml_book(path, sheet_data: str, prefix: str = ""):
    """The smallest workbook Excel and calamine open, with this `<sheetData>` content and a
    declared dimension of one cell, whatever the cells say."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{_MAIN}"' if prefix else f'xmlns="{_MAIN}"'
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0"?><Types xmlns="{_PACKAGE}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE}"><sheets>'
            '<sheet name="1.4" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?><{p}worksheet {xmlns}><{p}dimension ref="A1"/>'
            f"<{p}sheetData>{sheet_data}</{p}sheetData></{p}worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


# Each walks around a check that reads only `<c r="…"` or trusts `<dimension>`: a value at
# column XFD and one at row 1048576, written in a form the format allows.
WALK_AROUNDS = {
    "reference_not_first": '<row r="1"><c t="n" r="XFD1"><v>1</v></c></row>'
    '<row r="1048576"><c s="0" r="A1048576"><v>1</v></c></row>',
    "single_quotes": "<row r='1'><c r='XFD1'><v>1</v></c><c r = 'A1048576' ><v>1</v></c></row>",
    "lower_case_and_zeros": '<row r="1"><c r="xfd0001"><v>1</v></c><c r="a1048576"><v>1</v></c></row>',
    "no_space_between": '<row r="1"><c s="0"r="XFD1"><v>1</v></c><c s="0"r="A1048576"><v>1</v></c></row>',
    "duplicate_reference": '<row r="1"><c r="A1" r="XFD1"><v>1</v></c><c r="A2" r="A1048576"><v>1</v></c></row>',
    "greater_than_in_a_value": '<row r="1"><c foo="a>b" r="XFD1"><v>1</v></c><c foo=">" r="A1048576"><v>1</v></c></row>',
    "no_reference_after_a_far_one": '<row r="1048576"><c><v>1</v></c></row>'
    '<row r="1"><c r="XFC1" s="1"/><c><v>1</v></c></row>',
    "rows_counted_from_a_far_one": '<row r="1048575"/><row><c><v>1</v></c></row>'
    '<row r="1"><c r="XFD1"><v>1</v></c></row>',
    "reference_hidden_in_a_value": '<row r="1048576"><c foo=\' r="A1"\'><v>1</v></c></row>'
    '<row r="1"><c r="XFD1"><v>1</v></c></row>',
    "row_reset_inside_a_comment": '<row r="1048576"><c r="XFC1048576" s="1"/><!-- <row r="1"> -->'
    "<c><v>1</v></c></row>",
}


@pytest.mark.parametrize("form", sorted(WALK_AROUNDS))
def test_sheet_extent_walk_around_is_refused(tmp_path, form):
    """calamine places each of these cells at XFD… or …1048576 (checked below on a small
    scale); the declared one-cell dimension must not let the file through."""
    path = _sheet_xml_book(tmp_path / f"{form}.xlsx", WALK_AROUNDS[form])
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"


def test_sheet_extent_walk_around_with_prefixed_elements_is_refused(tmp_path):
    data = '<x:row r="1"><x:c r="XFD1"><x:v>1</x:v></x:c></x:row><x:row><x:c r="A1048576"><x:v>1</x:v></x:c></x:row>'
    path = _sheet_xml_book(tmp_path / "prefixed.xlsx", data, prefix="x")
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"


def _calamine_extent(path) -> tuple[int, int]:
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(path))
    grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return len(grid), max((len(row) for row in grid), default=0)


def _small(form: str) -> str:
    """The same form at a scale calamine can read here: XFD → H, 1048576 → 9."""
    for far, near in (("XFD", "H"), ("XFC", "G"), ("xfd", "h"), ("1048576", "9"), ("1048575", "8")):
        form = form.replace(far, near)
    return form


@pytest.mark.parametrize("form", sorted(WALK_AROUNDS))
def test_every_walk_around_is_placed_where_calamine_places_it(tmp_path, form):
    """The same forms with small numbers: the extent the check computes is calamine's own."""
    from pipeline.files.extent import placed_extent

    data = _small(WALK_AROUNDS[form])
    path = _sheet_xml_book(tmp_path / "small.xlsx", data)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert placed_extent(sheet) == _calamine_extent(path) == (9, 8)


_CELL = st.fixed_dictionaries(
    {
        "column": st.none() | st.integers(1, 6),  # None: no reference, placed by calamine
        "row": st.integers(1, 9),
        "content": st.sampled_from(["<v>1</v>", "", None]),  # None: self-closing
        "before": st.sampled_from(["", ' s="0"', ' t="n"']),
        "quote": st.sampled_from(['"', "'"]),
    }
)
_ROW = st.fixed_dictionaries(
    {"number": st.none() | st.integers(1, 9), "cells": st.lists(_CELL, max_size=4)}
)


def _cell_xml(cell: dict) -> str:
    q = cell["quote"]
    ref = ""
    if cell["column"] is not None:
        ref = f" r={q}{'ABCDEF'[cell['column'] - 1]}{cell['row']}{q}"
    attributes = cell["before"] + ref if cell["before"] != ' t="n"' else ref + cell["before"]
    if cell["content"] is None:
        return f"<c{attributes}/>"
    return f"<c{attributes}>{cell['content']}</c>"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_ROW, max_size=5))
def test_placed_extent_is_calamines_and_the_quick_bound_never_below_it(tmp_path, rows):
    """Against calamine itself: cells with and without references, rows with and without
    numbers, out of order, self-closing or empty, in either quote and attribute order."""
    from pipeline.files.extent import all_cells_referenced, placed_extent, quick_bound

    data = "".join(
        (f'<row r="{row["number"]}">' if row["number"] else "<row>")
        + "".join(map(_cell_xml, row["cells"]))
        + "</row>"
        for row in rows
    )
    path = _sheet_xml_book(tmp_path / "drawn.xlsx", data)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    truth, placed = _calamine_extent(path), placed_extent(sheet)
    if "></c>" in data:  # an open cell with nothing in it may count: never less than calamine
        assert placed[0] >= truth[0] and placed[1] >= truth[1]
    else:
        assert placed == truth
    if all_cells_referenced(sheet):
        rows_bound, columns_bound = quick_bound(sheet)
        assert rows_bound >= truth[0] and columns_bound >= truth[1]


def _ods_book(path, table_body: str):
    office = "urn:oasis:names:tc:opendocument:xmlns"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        f'xmlns:office="{office}:office:1.0" xmlns:table="{office}:table:1.0" '
        f'xmlns:text="{office}:text:1.0" office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="1.4">{table_body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        f'<?xml version="1.0"?><manifest:manifest xmlns:manifest="{office}:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
        'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
        '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml", manifest)
    return path


_VALUE = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'


def test_repeated_cells_of_an_ods_file_are_counted_before_reading(tmp_path):
    """Under a kilobyte asked calamine for 50 million cells (1.6 GB): repeats count."""
    body = (
        '<table:table-row table:number-rows-repeated="5000"><table:table-cell '
        'office:value-type="float" office:value="1" table:number-columns-repeated="10000"/>'
        "</table:table-row>"
    )
    path = _ods_book(tmp_path / "repeats.ods", body)
    assert path.stat().st_size < 1500
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"


def test_formatting_libreoffice_repeats_to_the_sheet_end_is_not_content(tmp_path):
    body = (
        f'<table:table-row>{_VALUE}<table:table-cell table:number-columns-repeated="1023"/>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert precheck(_ods_book(tmp_path / "saved.ods", body), Limits()) == []


_ODS_CELL = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["table-cell", "covered-table-cell"]),
        "repeat": st.none() | st.integers(1, 4),
        "value": st.booleans(),
        "closed": st.booleans(),  # self-closing
    }
)
_ODS_ROW = st.fixed_dictionaries(
    {"repeat": st.none() | st.integers(1, 4), "cells": st.lists(_ODS_CELL, max_size=4)}
)


def _ods_cell(cell: dict) -> str:
    attributes = ""
    if cell["repeat"]:
        attributes += f' table:number-columns-repeated="{cell["repeat"]}"'
    if cell["value"]:
        attributes += ' office:value-type="float" office:value="2"'
    if cell["closed"]:
        return f"<table:{cell['kind']}{attributes}/>"
    return f"<table:{cell['kind']}{attributes}><text:p>2</text:p></table:{cell['kind']}>"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_ODS_ROW, max_size=5))
def test_ods_extent_is_calamines(tmp_path, rows):
    import python_calamine as pc

    from pipeline.files.extent import table_extent

    body = "".join(
        "<table:table-row"
        + (f' table:number-rows-repeated="{row["repeat"]}"' if row["repeat"] else "")
        + ">"
        + "".join(map(_ods_cell, row["cells"]))
        + "</table:table-row>"
        for row in rows
    )
    path = _ods_book(tmp_path / "drawn.ods", body)
    grid = (
        pc.CalamineWorkbook.from_path(str(path))
        .get_sheet_by_index(0)
        .to_python(skip_empty_area=False)
    )
    with zipfile.ZipFile(path) as book:
        extent = table_extent(book.read("content.xml"))
    assert extent == (len(grid), max((len(r) for r in grid), default=0))


def test_too_many_cells_message_agrees_with_its_numbers():
    """«1001 строк × 22 столбцов» was the Russian for any extent: the nouns follow CLDR."""
    from pipeline.core.messages import render
    from pipeline.core.numerals import COLUMN, ROW, counted

    message = render("too_many_cells", rows=counted(1001, ROW), columns=counted(22, COLUMN))
    assert "(1001 строка × 22 столбца)" in message.ru
    assert "(1001 жол × 22 баған)" in message.kk


# Found by a red team after the first round: each passed the precheck while calamine built
# the full grid (checked at 2500 × 2500 and at H9, the far cell here).
IS = "<is><t>x</t></is></c>"
MORE_WALK_AROUNDS = {
    "row_number_with_letters": '<row r="A1048576"><c r="XFC1"/><c t="inlineStr">' + IS + "</row>",
    "row_number_twice": '<row r="1048576" r="1"><c r="XFC1"/><c t="inlineStr">' + IS + "</row>",
    "first_of_two_references": '<row><c r="XFD1048576" t="inlineStr" s="0" r="A1">' + IS + "</row>",
    "digit_prefix": '<row><1:c r="XFD1048576" t="inlineStr"><is><t>x</t></is></1:c></row>',
    "letter_prefix": '<row><é:c r="XFD1048576" t="inlineStr"><is><t>x</t></is></é:c></row>',
    "comment_opened_in_cdata": '<![CDATA[<!--]]><row r="1048576"><c r="XFD1048576" '
    't="inlineStr">' + IS + "</row><!-- -->",
    "comment_opened_in_instruction": '<?x <!--?><row r="1048576"><c r="XFD1048576" '
    't="inlineStr">' + IS + "</row><!-- -->",
}


@pytest.mark.parametrize("form", sorted(MORE_WALK_AROUNDS))
def test_second_round_walk_around_is_refused(tmp_path, form):
    path = _sheet_xml_book(tmp_path / "far.xlsx", MORE_WALK_AROUNDS[form])
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"


@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row><c r="XFD1048576" t="inlineStr" x="<">' + IS + "</row>",  # quick-xml takes it
        "<row><c " + "a" * 40_000 + "></c></row>",  # once 30 s of regex backtracking
    ],
    ids=["less_than_in_a_value", "tag_of_forty_kilobytes"],
)
def test_a_tag_the_scan_cannot_place_is_refused_at_once(tmp_path, sheet_data):
    import time

    path = _sheet_xml_book(tmp_path / "odd.xlsx", sheet_data)
    started = time.perf_counter()
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "unsafe_xml"
    assert time.perf_counter() - started < 5  # generous: the old scan took 30 s


@pytest.mark.parametrize(
    "part, target",
    [
        ("xl/worksheets/sub/sheet1.xml", "worksheets/sub/sheet1.xml"),
        ("xl/sheet1.xml", "/xl/sheet1.xml"),
        ("sheet1.xml", "../sheet1.xml"),
        ("xl/worksheets/sheet1.bin", "worksheets/sheet1.bin"),
    ],
)
def test_a_sheet_stored_elsewhere_is_found_through_the_relationships(tmp_path, part, target):
    path = _sheet_xml_book(
        tmp_path / "moved.xlsx", '<row r="1"><c r="XFD1048576"><v>1</v></c></row>'
    )
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts[part] = parts.pop("xl/worksheets/sheet1.xml")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode()
    )
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"


def test_a_damaged_sheet_part_is_corrupt_not_a_crash(tmp_path):
    path = _sheet_xml_book(tmp_path / "crc.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>' * 50)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 30 + len(info.filename) + 40] ^= 0xFF  # inside the deflated data
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "corrupt"


def test_a_bomb_diluted_by_random_bytes_is_refused_by_its_own_ratio(tmp_path):
    import os

    path = _sheet_xml_book(tmp_path / "diluted.xlsx", "<row>" + "<c/>" * 3_000_000 + "</row>")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as book:
        book.writestr("xl/media/noise.bin", os.urandom(200_000))
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "zip_bomb"


ODS_FORMS = {
    "value_without_type": '<table:table-row table:number-rows-repeated="5000"><table:table-cell '
    'office:value="1" table:number-columns-repeated="5000"/></table:table-row>',
    "repeat_given_twice": '<table:table-row table:number-rows-repeated="5000"><table:table-cell '
    'office:value-type="float" office:value="1" table:number-columns-repeated="5000" '
    'table:number-columns-repeated="1"/></table:table-row>',
    "repeat_by_character_reference": '<table:table-row table:number-rows-repeated="&#53;000">'
    '<table:table-cell office:value-type="float" office:value="1" '
    'table:number-columns-repeated="5000"/></table:table-row>',
    "table_hidden_in_a_cell": '<table:table-row table:number-rows-repeated="4999"><table:table-cell/>'
    '</table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>'
    '<table:table table:name="x"/></text:p></table:table-cell><table:table-cell '
    'office:value-type="float" office:value="1" table:number-columns-repeated="5000"/>'
    "</table:table-row>",
}


@pytest.mark.parametrize("form", sorted(ODS_FORMS))
def test_ods_walk_around_is_refused(tmp_path, form):
    path = _ods_book(tmp_path / "far.ods", ODS_FORMS[form])
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"


@pytest.mark.parametrize(
    "stream, linked, code",
    [
        (biff.one_sheet(biff.number(65535, 255)), True, "too_many_cells"),
        (biff.hidden_sheet(65535, 255), True, "too_many_cells"),
        (
            biff.one_sheet(biff.dimensions(0xFFFFFFFF, 255), biff.number(0, 0)),
            True,
            "too_many_cells",
        ),
        (biff.one_sheet(biff.number(65535, 255)), False, "corrupt"),
    ],
    ids=["far_value", "sheet_inside_a_record", "declared_dimensions", "entry_outside_the_tree"],
)
def test_xls_walk_around_is_refused(tmp_path, stream, linked, code):
    """A declared DIMENSIONS of 4 billion rows made calamine abort the process outright
    («memory allocation of 43808666409000 bytes failed»): no worker survives that."""
    path = tmp_path / "far.xls"
    path.write_bytes(biff.container(stream, linked=linked))
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == code


def test_a_small_xls_of_our_own_making_passes(tmp_path):
    path = tmp_path / "near.xls"
    path.write_bytes(biff.container(biff.one_sheet(biff.dimensions(9, 8), biff.number(8, 7))))
    assert precheck(path, Limits()) == []


PEAK_OF_THIS_PROCESS = (
    "def PEAK():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1])\n"
)
"""The process's own peak, in kB (`ru_maxrss` would carry over the forking test's peak)."""


def _lying_copy(good, target, part="xl/worksheets/sheet1.xml", inflates_to=1 << 30):
    with zipfile.ZipFile(good) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    return lying_zip(target, parts, part, inflates_to)


@pytest.mark.slow  # a child process measured, or a whole run on a full disk
def test_a_part_inflating_past_its_declared_size_is_refused_with_bounded_memory(
    workspace, orgs, tmp_path
):
    """A sheet that declares its few kilobytes and inflates to a gigabyte: the parsers took
    2 GB before calling it corrupt; the precheck refuses it, never holding more than a step."""
    import subprocess
    import sys

    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    bomb = _lying_copy(good, tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    probe = PEAK_OF_THIS_PROCESS + (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.core.errors import WorkbookError\n"
        "from pipeline.files.safety import Limits, precheck\n"
        "try:\n"
        "    precheck(Path(sys.argv[1]), Limits())\n"
        "except WorkbookError as e:\n"
        "    print(e.code)\n"
        "print(PEAK())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(bomb)], capture_output=True, text=True, check=True
    )
    code, peak_kb = done.stdout.split()
    assert code == "zip_bomb"
    assert int(peak_kb) < 300 * 1024  # a step at a time, not the gigabyte


@pytest.mark.slow  # a child process measured, or a whole run on a full disk
def test_a_schools_zip_whose_workbook_lies_about_its_size_is_answered_within_bounded_memory(
    workspace, orgs, tmp_path
):
    """The same lie one level up, through `adal ingest`: a school's .zip holding a
    «small» workbook that inflates to a gigabyte (`zipfile.read` took it whole)."""
    import subprocess
    import sys

    good = fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    lying_zip(workspace.paths.inbox / "отчёт.zip", {"отчёт.xlsx": good.read_bytes()},
              "отчёт.xlsx", 1 << 30)  # fmt: skip
    good.unlink()
    probe = PEAK_OF_THIS_PROCESS + (
        "import sys\n"
        "from pipeline.cli import main\n"
        "try:\n"
        "    main(['--root', sys.argv[1], 'ingest', '--jobs', '1'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(PEAK(), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(workspace.paths.root)], capture_output=True, text=True
    )
    peak_kb = int(done.stderr.split()[-1])
    assert peak_kb < 400 * 1024, done.stdout
    assert not (workspace.paths.inbox / "отчёт.zip").exists()  # answered and archived


def test_a_sheet_whose_checksum_lies_is_corrupt_though_it_inflates(tmp_path):
    """The extent scan reads the bytes the size check inflated (one inflation, not two),
    only where their checksum is the declared one: a part that inflates but lies about its
    CRC is still refused as corrupt, as reading it through `zipfile` refused it."""
    import struct

    path = _sheet_xml_book(tmp_path / "crc.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>' * 50)
    with zipfile.ZipFile(path) as book:
        crc = struct.pack("<I", book.getinfo("xl/worksheets/sheet1.xml").CRC)
    data = path.read_bytes()
    assert data.count(crc) == 2  # the local header and the central directory
    path.write_bytes(data.replace(crc, bytes(b ^ 0xFF for b in crc)))
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "corrupt"


@pytest.mark.parametrize("far_first", [True, False])
def test_two_entries_of_one_name_are_each_judged_by_their_own_bytes(tmp_path, far_first):
    """A zip may hold two parts of one name; the bytes kept from the size check are found by
    where each entry starts, so the far-reaching one is never judged by its twin's cells."""
    import warnings

    path = _sheet_xml_book(tmp_path / "twins.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    far = _sheet_xml_book(tmp_path / "far.xlsx", '<row r="1"><c r="XFD1048576"><v>1</v></c></row>')
    with zipfile.ZipFile(far) as book:
        far_sheet = book.read("xl/worksheets/sheet1.xml")
    with zipfile.ZipFile(path) as book:
        near_sheet = book.read("xl/worksheets/sheet1.xml")
        others = {i.filename: book.read(i) for i in book.infolist()}
    twins = [far_sheet, near_sheet] if far_first else [near_sheet, far_sheet]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # «Duplicate name»: the very point
        for name, data in others.items():
            if name != "xl/worksheets/sheet1.xml":
                book.writestr(name, data)
        for data in twins:
            book.writestr("xl/worksheets/sheet1.xml", data)
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "too_many_cells"
