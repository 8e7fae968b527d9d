"""Small helpers over python-docx for documents a department signs after light editing."""

from __future__ import annotations

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt


def new_document():
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    section = doc.sections[0]
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    return doc


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
    run.font.size = Pt(14)


def heading(doc, text: str) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = True
    p.paragraph_format.space_before = Pt(10)


def para(doc, text: str, *, italic: bool = False) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Cm(1.25)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    run = p.add_run(text)
    run.italic = italic


def table(
    doc, headers: list[str], rows: list[list[str]], widths: list[float] | None = None
) -> None:
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    if widths:
        for row in grid.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
    doc.add_paragraph()


def text_of(path) -> str:
    """All text of a DOCX, paragraphs and tables, for checks and tests."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for grid in doc.tables:
        for row in grid.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
