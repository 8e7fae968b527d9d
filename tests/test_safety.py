"""The precheck judges every XML part from its first bytes, however the zip stores it."""

import zipfile

import pytest

from pipeline.errors import WorkbookError
from pipeline.safety import Limits, _raw_head, _zip_head, precheck
from tests.conftest import fill, good_14


def _rezip(source, target, compression, workbook_prefix=b""):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml" and workbook_prefix:
                data = workbook_prefix + data.split(b"?>", 1)[-1]
            dst.writestr(item.filename, data)
    return target


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_raw_reading_of_parts_agrees_with_zipfile(ws, orgs, tmp_path, compression):
    good = fill(ws, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
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
def test_dtd_is_refused_however_the_part_is_stored(ws, orgs, tmp_path, compression, padding):
    good = fill(ws, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    prefix = b'<?xml version="1.0"?><!--' + b"x" * padding + b'--><!DOCTYPE a [<!ENTITY b "c">]>'
    path = _rezip(good, tmp_path / "sly.xlsx", compression, prefix)
    with pytest.raises(WorkbookError) as caught:
        precheck(path, Limits())
    assert caught.value.code == "unsafe_xml"


def _far_cell(path, dimension: bytes | None = None):
    """A few kilobytes with a value at XFD1048576: calamine would allocate the rectangle."""
    import io

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


@pytest.mark.parametrize("dimension", [None, b""])
def test_a_cell_far_outside_the_table_is_refused_before_reading(tmp_path, dimension):
    """Declared, or not declared: the filled cells decide, before calamine sees the file."""
    path = _far_cell(tmp_path / "far.xlsx", dimension)
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
