"""Small helpers over python-docx for documents a department signs after light editing."""

from __future__ import annotations

import datetime as dt

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

TEXT_PT, TABLE_PT = 14, 12  # Times New Roman 14 in text, 12 in tables


def new_document(author: str = "", title: str = "", *, landscape: bool = False):
    """A4 with the margins of Kazakhstan's standard documentation rules (left 30 mm for
    binding, right 10, top and bottom 20), Times New Roman 14, pages numbered at the top
    centre from the second page, and properties naming who wrote it and when."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(TEXT_PT)
    style.paragraph_format.space_after = Pt(0)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:  # a plan's table reads across the long side
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(30), Mm(10)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = True
    _page_number(section.header.paragraphs[0])
    now = dt.datetime.now().replace(microsecond=0)
    props = doc.core_properties
    props.author = props.last_modified_by = author
    props.title = title
    props.created = props.modified = now
    props.revision = 1
    props.comments = props.keywords = props.subject = ""
    return doc


def _page_number(paragraph) -> None:
    """A PAGE field: Word and LibreOffice put the number in when they lay the page out."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def approval_block(doc, lines: list[str]) -> None:
    for line in lines:
        p = doc.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.space_after = Pt(0)
    doc.add_paragraph()


def title(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(TEXT_PT)


def heading(doc, text: str) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = True
    p.paragraph_format.space_before = Pt(10)


def para(doc, text: str, *, italic: bool = False, justify: bool = True, bold: bool = False) -> None:
    """A paragraph with the first line indented; `bold` for a lead-in to a table below it,
    which it stays on a page with."""
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Cm(1.25)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if justify else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.keep_with_next = bold or None
    run = p.add_run(text)
    run.italic = italic
    run.bold = bold or None


def signature(doc, head: str, lines: list[str]) -> None:
    """A heading line and the lines to sign, flush left, kept on one page."""
    p = doc.add_paragraph(head)
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(6)
    for text in lines:
        line = doc.add_paragraph(text)
        line.paragraph_format.keep_with_next = True
        line.paragraph_format.space_before = Pt(6)


def table(
    doc, headers: list[str], rows: list[list[str]], widths: list[float] | None = None
) -> None:
    """A grid in 12 pt, its header repeated on every page, no row split across two pages
    (a page never ends on the tail of a row); `widths` in cm."""
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.autofit = False
    _repeat_header(grid.rows[0])
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(TABLE_PT)
    for row in rows:
        added = grid.add_row()
        _keep_whole(added)
        cells = added.cells
        for cell, text in zip(cells, row, strict=True):
            cell.paragraphs[0].add_run(str(text)).font.size = Pt(TABLE_PT)
    if widths:
        for column, width in zip(grid.columns, widths, strict=True):
            column.width = Cm(width)
        for row in grid.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
    doc.add_paragraph()


def _keep_whole(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def text_of(path) -> str:
    """All text of a DOCX, paragraphs and tables, for checks and tests."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for grid in doc.tables:
        for row in grid.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
