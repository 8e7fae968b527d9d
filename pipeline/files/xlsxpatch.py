"""A correction workbook written into the sender's own package instead of rewritten whole.

openpyxl loads every cell of every sheet into objects and writes them all back: ~170 ms a
workbook, two thirds of an ingest where a quarter of the schools get one. Here the package
is copied part by part and only what the correction changes is edited with lxml: the marked
cells' styles (a copy of each cell's own style with our fill), a comments part and its VML
shapes, the list of fixes as a new first sheet. The rest of the XML is never turned into
objects.

It is also a filter, like openpyxl's rewrite was: only a workbook's own parts come across
(sheets, shared strings, styles, theme); macros, links to other files, drawings, embedded
objects, controls, connections, the sender's hyperlinks and every formula (its last value
stays) are left behind. A package this module does not recognise raises `Unsupported`; the
caller then rewrites the workbook with openpyxl as before.
"""

from __future__ import annotations

import copy
import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.core.cells import column_name

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"
REL_TYPE = REL_NS + "/"
CORE_TYPE = PKG_REL + "/metadata/core-properties"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml."

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, collect_ids=False
)  # no table of xml:id attributes: nothing here looks one up, and parsing is a fifth quicker
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]|[\ud800-\udfff]|[\ufffe\uffff]")
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")

# Children of <worksheet> and <workbook> that come across, in the order the schema wants them;
# anything else (drawings, controls, embedded objects, tables, hyperlinks, extensions, …)
# stays behind.
SHEET_CHILDREN = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "ignoredErrors", "legacyDrawing",
)  # fmt: skip
_SHEET_DROPPED_KEPT_SLOTS = {"hyperlinks", "legacyDrawing"}  # ours alone fill these slots
BOOK_CHILDREN = (
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
    "definedNames", "calcPr",
)  # fmt: skip
STYLE_CHILDREN = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
    "tableStyles", "colors", "extLst",
)  # fmt: skip


class Unsupported(Exception):
    """A package this module does not edit (strict OOXML, chart sheets, parts it cannot
    find): the correction workbook is rewritten whole instead."""


@dataclass(frozen=True)
class Note:
    """One problem shown on one cell: its text, and whether it only asks to confirm."""

    sheet: str
    ref: str
    text: str
    query: bool = False


@dataclass(frozen=True)
class Mark:
    """What a cell shows once its notes are put together: a fill and one comment."""

    fill: str  # RGB, e.g. "FFC7CE"
    text: str


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints, as plain data both writers render (`xlsxout.page_for`)."""

    landscape: bool
    fit_width: bool
    scale: int | None
    title_rows: str  # «1:1», or ""
    title_cols: str  # «A:A», or ""
    footer_left: str
    footer_right: str
    side_margin: float


@dataclass(frozen=True)
class ListCell:
    value: str | int
    bold: bool = False
    centred: bool = False
    link: str = ""  # a place inside the workbook («'1.4'!B10»): the only links we write


@dataclass
class ListSheet:
    """The list of fixes, as data: rows of cells, column widths, row heights."""

    name: str
    rows: list[list[ListCell]]
    widths: list[float]
    heights: list[float]
    font: str
    page: PageSetup
    frozen_rows: int = 1
    link_colour: str = "0563C1"


MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
BAD = "FFC7CE"
QUERY = "FFEB9C"
COMMENT_WIDTH, COMMENT_HEIGHT = 320, 140
COMMENT_LIMIT = 2000


def safe(text: str) -> str:
    """Without the control characters XML cannot hold (a pasted value may carry them)."""
    return _ILLEGAL.sub("", text)


def marks(notes: Iterable[Note], visible: Callable[[str, str], str]) -> dict[tuple[str, str], Mark]:
    """The notes of each cell put together, on the cell people see (`visible`: a cell
    under a merge is marked on the merge's first cell). Red when any note is an error,
    yellow when all only ask to confirm."""
    found: dict[tuple[str, str], list[Note]] = {}
    for note in notes:
        if not is_cell(note.ref):  # a range or a name is listed, not marked
            continue
        found.setdefault((note.sheet, visible(note.sheet, note.ref)), []).append(note)
    return {
        key: Mark(
            QUERY if all(n.query for n in group) else BAD,
            safe("\n".join(n.text for n in group))[:COMMENT_LIMIT],
        )
        for key, group in found.items()
    }


def quoted(sheet: str) -> str:
    """A sheet's name as a reference writes it: «'O''Brien'»."""
    return "'" + sheet.replace("'", "''") + "'"


def sheet_of(location: str) -> str:
    """The sheet a place in the workbook names («'O''Brien'!B2» → «O'Brien»)."""
    name = location.rsplit("!", 1)[0]
    if len(name) >= 2 and name[0] == name[-1] == "'":
        return name[1:-1].replace("''", "'")
    return name


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def is_cell(ref: str) -> bool:
    try:
        split_ref(ref)
    except Unsupported:
        return False
    return True


def split_ref(ref: str) -> tuple[int, int]:
    """«B10» → (10, 2)."""
    match = _REF.match(ref.upper())
    if not match:
        raise Unsupported(f"cell {ref!r}")
    row, column = int(match.group(2)), column_number(match.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        raise Unsupported(f"cell {ref!r} is off the sheet")
    return row, column


def _q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse(data: bytes):
    """A part's XML; one declaring a document type (entities) is not edited: its entities
    would be written out undefined."""
    _no_doctype(data)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unsupported(f"XML: {exc}") from None


def _no_doctype(data: bytes) -> bytes:
    if data.find(b"<!", 0, 65_536) != -1 and b"<!DOCTYPE" in data[:65_536].upper():
        raise Unsupported("a document type declaration")
    return data


def _bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(part: str, target: str) -> str:
    """A relationship's target as a name in the package; one pointing outside it is not
    followed."""
    if target.startswith("/"):
        name = posixpath.normpath(target[1:])
    else:
        name = posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
    if name.startswith(("..", "/")) or name == ".":
        raise Unsupported(f"a part outside the package: {target!r}")
    return name


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str, str]]:
    """(id, type, resolved target, target mode) of a part's relationships."""
    name = _rels_path(part)
    if name not in archive.NameToInfo:
        return []
    root = _parse(archive.read(name))
    return [
        (r.get("Id", ""), r.get("Type", ""), r.get("Target", ""), r.get("TargetMode", ""))
        for r in root
        if _local(r) == "Relationship"
    ]


def _targets(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, str]]:
    """Id → (type, part name, mode) of a part's relationships; a target outside the
    package (a link) keeps its address, never resolved as a part."""
    return {
        rid: (kind, target if mode == "External" else _resolve(part, target), mode)
        for rid, kind, target, mode in _relationships(archive, part)
    }


def _rels_xml(rels: list[tuple[str, str, str]]) -> bytes:
    root = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
    for rid, kind, target in rels:
        etree.SubElement(root, f"{{{PKG_REL}}}Relationship", Id=rid, Type=kind, Target=target)
    return _bytes(root)


def _insert_in_order(parent, child, order: tuple[str, ...]) -> None:
    """Put `child` where the schema wants it among `parent`'s children."""
    rank = order.index(_local(child))
    for index, existing in enumerate(parent):
        name = _local(existing)
        if name in order and order.index(name) > rank:
            parent.insert(index, child)
            return
    parent.append(child)


def _child(parent, name: str, order: tuple[str, ...]):
    found = parent.find(_q(name))
    if found is None:
        found = etree.Element(_q(name))
        _insert_in_order(parent, found, order)
    return found


def _keep_only(parent, order: tuple[str, ...], dropped: Iterable[str] = ()) -> None:
    gone = set(dropped)
    for child in list(parent):
        name = _local(child)
        in_main = isinstance(child.tag, str) and child.tag.startswith(f"{{{MAIN}}}")
        if not in_main or name not in order or name in gone:
            parent.remove(child)


def _drop_relationship_attributes(root, keep: str) -> None:
    """`r:id` attributes point at parts left behind (printer settings, for one); those of
    the `keep` child (the sheets, or the cells: none there, and too many to walk) stay."""
    for child in root:
        if _local(child) != keep:
            _drop_attributes_in(child)


def _drop_attributes_in(element) -> None:
    for node in element.iter():
        for attribute in [a for a in node.attrib if a.startswith(f"{{{REL_NS}}}")]:
            del node.attrib[attribute]


class Styles:
    """styles.xml, grown by the few styles a correction needs; each made once."""

    def __init__(self, data: bytes | None) -> None:
        if data is None:
            raise Unsupported("no styles")
        self.root = _parse(data)
        if self.root.tag != _q("styleSheet"):
            raise Unsupported("styles")
        for name in ("fonts", "fills", "borders", "cellStyleXfs", "cellXfs"):
            if self.root.find(_q(name)) is None or not len(self.root.find(_q(name))):
                raise Unsupported(f"styles without {name}")
        if len(self.root.find(_q("fills"))) < 2:  # the second is Excel's own (gray125)
            raise Unsupported("styles without Excel's two first fills")
        self.fonts = self.root.find(_q("fonts"))
        self.fills = self.root.find(_q("fills"))
        self.xfs = self.root.find(_q("cellXfs"))
        self._fills: dict[str, int] = {}
        self._fonts: dict[tuple, int] = {}
        self._xfs: dict[tuple, int] = {}

    def fill(self, rgb: str) -> int:
        if rgb not in self._fills:
            element = etree.SubElement(self.fills, _q("fill"))
            pattern = etree.SubElement(element, _q("patternFill"), patternType="solid")
            # as openpyxl writes a PatternFill, so a later round knows our fill for ours
            etree.SubElement(pattern, _q("fgColor"), rgb="00" + rgb)
            etree.SubElement(pattern, _q("bgColor"), rgb="00000000")
            self._fills[rgb] = len(self.fills) - 1
        return self._fills[rgb]

    def _xf(self, index: int):
        return self.xfs[index] if 0 <= index < len(self.xfs) else self.xfs[0]

    def fill_of(self, index: int) -> str:
        """The solid fill's RGB of a cell style, "" for none."""
        try:
            fill = self.fills[int(self._xf(index).get("fillId", "0"))]
        except (IndexError, ValueError):
            return ""
        colour = fill.find(f"{_q('patternFill')}/{_q('fgColor')}")
        return (colour.get("rgb") or "")[-6:].upper() if colour is not None else ""

    def with_fill(self, index: int, fill_id: int) -> int:
        """A copy of a cell's own style (number format, font, borders, protection kept)
        with another fill."""
        key = ("fill", index, fill_id)
        if key not in self._xfs:
            xf = copy.deepcopy(self._xf(index))
            xf.set("fillId", str(fill_id))
            xf.set("applyFill", "1")
            self.xfs.append(xf)
            self._xfs[key] = len(self.xfs) - 1
        return self._xfs[key]

    def font(self, name: str, bold: bool = False, colour: str = "", underline: bool = False) -> int:
        key = (name, bold, colour, underline)
        if key not in self._fonts:
            font = etree.SubElement(self.fonts, _q("font"))
            if bold:
                etree.SubElement(font, _q("b"))
            if underline:
                etree.SubElement(font, _q("u"))
            etree.SubElement(font, _q("sz"), val="11")
            if colour:
                etree.SubElement(font, _q("color"), rgb="FF" + colour)
            etree.SubElement(font, _q("name"), val=name)
            self._fonts[key] = len(self.fonts) - 1
        return self._fonts[key]

    def text_style(self, font_id: int, centred: bool) -> int:
        """Wrapped, top-aligned, in our font: the list of fixes' cells."""
        key = ("text", font_id, centred)
        if key not in self._xfs:
            xf = etree.SubElement(
                self.xfs, _q("xf"), numFmtId="0", fontId=str(font_id), fillId="0",
                borderId="0", xfId="0", applyFont="1", applyAlignment="1",
            )  # fmt: skip
            alignment = etree.SubElement(xf, _q("alignment"), vertical="top", wrapText="1")
            if centred:
                alignment.set("horizontal", "center")
            self._xfs[key] = len(self.xfs) - 1
        return self._xfs[key]

    def tobytes(self) -> bytes:
        for part in (self.fonts, self.fills, self.xfs):
            part.set("count", str(len(part)))
        return _bytes(self.root)


@dataclass
class _Comment:
    ref: str
    author: str
    text: str
    width: int = COMMENT_WIDTH
    height: int = COMMENT_HEIGHT


@dataclass
class _Sheet:
    name: str
    part: str
    rid: str
    xml: bytes
    comments: list[_Comment] = field(default_factory=list)


class _Cells:
    """A worksheet's <sheetData>, indexed so a cell can be found or made in its place."""

    def __init__(self, data) -> None:
        self.data = data
        self.rows: dict[int, object] = {}
        last = 0
        for row in data:
            number = row.get("r")
            if number is None or not number.isdigit() or int(number) <= last:
                raise Unsupported("a row without its number, or out of order")
            last = int(number)
            self.rows[last] = row

    def get(self, ref: str, create: bool):
        row_number, column = split_ref(ref)
        row = self.rows.get(row_number)
        if row is None:
            if not create:
                return None
            row = etree.Element(_q("row"), r=str(row_number))
            after = [n for n in self.rows if n > row_number]
            if after:
                self.rows[min(after)].addprevious(row)
            else:
                self.data.append(row)
            self.rows[row_number] = row
        placed = []
        for cell in row:
            own = cell.get("r")
            if own is None:
                raise Unsupported("a cell without its reference")
            number, col = split_ref(own)
            if number != row_number or (placed and col <= placed[-1][0]):
                raise Unsupported(f"cells of row {row_number} out of order")
            placed.append((col, cell))
        for col, cell in placed:
            if col == column:
                return cell
            if col > column:
                if not create:
                    return None
                made = etree.Element(_q("c"), r=f"{column_name(column - 1)}{row_number}")
                cell.addprevious(made)
                row.attrib.pop("spans", None)
                return made
        if not create:
            return None
        made = etree.SubElement(row, _q("c"), r=f"{column_name(column - 1)}{row_number}")
        row.attrib.pop("spans", None)
        return made


_METADATA = re.compile(rb"\s[cv]m\s*=")


def _has_metadata(xml: bytes) -> bool:
    """Whether any cell may point into the metadata part: a byte search first (most
    sheets have no «cm»/«vm» at all), then the attribute's pattern; cheaper than a walk."""
    return (b"cm" in xml or b"vm" in xml) and _METADATA.search(xml) is not None


def _values_only(data, metadata: bool = True) -> None:
    """Every formula gives way to the value Excel last showed (as openpyxl's `data_only`):
    what goes back holds nothing that calculates, fetches or links."""
    pointing = data.xpath(".//m:c[@cm or @vm]", namespaces={"m": MAIN}) if metadata else ()
    for cell in pointing:
        cell.attrib.pop("cm", None)  # metadata of dynamic arrays and data types: a part
        cell.attrib.pop("vm", None)  # left behind
    for formula in list(data.iter(_q("f"))):
        cell = formula.getparent()
        cell.remove(formula)
        value = cell.find(_q("v"))
        if cell.get("t") == "str" and value is None:  # a text formula never calculated
            cell.attrib.pop("t", None)
        elif cell.get("t") == "str":  # a formula's text result: kept as text
            text = value.text or ""
            cell.remove(value)
            cell.set("t", "inlineStr")
            holder = etree.SubElement(cell, _q("is"))
            etree.SubElement(holder, _q("t")).text = text
            holder[0].set(f"{{{XML_NS}}}space", "preserve")
        elif cell.find(_q("v")) is None and cell.find(_q("is")) is None:
            cell.attrib.pop("t", None)


def _merges(root) -> dict[str, str]:
    """Each cell under a merge → the merge's first cell."""
    hidden: dict[str, str] = {}
    merges = root.find(_q("mergeCells"))
    for merge in merges if merges is not None else ():
        first, _, last = (merge.get("ref") or "").partition(":")
        if not last:
            continue
        try:
            (r1, c1), (r2, c2) = split_ref(first), split_ref(last)
        except Unsupported:
            continue
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:  # a merge over a whole sheet: its corner
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                hidden.setdefault(f"{column_name(c - 1)}{r}", first.replace("$", ""))
    return hidden


def _existing_comments(archive: zipfile.ZipFile, part: str) -> list[_Comment]:
    from openpyxl.comments.comment_sheet import CommentSheet

    for _rid, kind, target, mode in _relationships(archive, part):
        if kind == REL_TYPE + "comments" and mode != "External":
            name = _resolve(part, target)
            if name not in archive.NameToInfo:
                return []
            try:
                sheet = CommentSheet.from_tree(_parse(archive.read(name)))
                return [
                    _Comment(ref, c.author or "", c.content or "", int(c.width), int(c.height))
                    for ref, c in sheet.comments
                ]
            except (TypeError, ValueError, AttributeError, IndexError):
                return []  # comments openpyxl cannot read are dropped, as its rewrite did
    return []


def _worksheet(
    sheet: _Sheet,
    archive: zipfile.ZipFile,
    styles: Styles,
    notes: list[Note],
    author: str,
    clear: tuple[frozenset[str], frozenset[str]] | None,
) -> None:
    """Edit one sheet of the sender's: values only, their links and drawings gone, our
    marks on the cells, A4, not selected (the list of fixes is)."""
    root = _parse(sheet.xml)
    if root.tag != _q("worksheet"):
        raise Unsupported(f"sheet {sheet.name}")
    _keep_only(root, SHEET_CHILDREN, _SHEET_DROPPED_KEPT_SLOTS)
    _drop_relationship_attributes(root, keep="sheetData")
    data = root.find(_q("sheetData"))
    if data is None:
        data = _child(root, "sheetData", SHEET_CHILDREN)
    _values_only(data, metadata=_has_metadata(sheet.xml))
    cells = _Cells(data)
    comments = _existing_comments(archive, sheet.part)
    if clear is not None:
        authors, fills = clear
        for comment in [c for c in comments if c.author in authors]:
            comments.remove(comment)
            cell = cells.get(comment.ref, create=False)
            if cell is not None and styles.fill_of(int(cell.get("s", "0"))) in fills:
                cell.set("s", str(styles.with_fill(int(cell.get("s", "0")), 0)))
    by_ref = {c.ref: c for c in comments}
    hidden = _merges(root)
    shown = marks(notes, lambda _sheet, ref: hidden.get(ref.upper(), ref.upper()))
    for (_sheet, ref), mark in shown.items():
        cell = cells.get(ref, create=True)
        cell.set("s", str(styles.with_fill(int(cell.get("s", "0")), styles.fill(mark.fill))))
        by_ref[ref] = _Comment(ref, author, mark.text)
    sheet.comments = list(by_ref.values())
    for view in root.iter(_q("sheetView")):
        view.attrib.pop("tabSelected", None)
    _child(root, "pageSetup", SHEET_CHILDREN).set("paperSize", "9")
    if sheet.comments:
        legacy = etree.Element(_q("legacyDrawing"))
        legacy.set(f"{{{REL_NS}}}id", "rIdComments")
        _insert_in_order(root, legacy, SHEET_CHILDREN)
    sheet.xml = _bytes(root)


def _comment_parts(comments: list[_Comment]) -> tuple[bytes, bytes]:
    """The comments part and the VML shapes Excel draws them with (openpyxl's writers)."""
    from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
    from openpyxl.xml.functions import tostring

    records = []
    for c in comments:
        record = CommentRecord(ref=c.ref, author=c.author, height=c.height, width=c.width)
        record.text.t = safe(c.text)
        records.append(record)
    sheet = CommentSheet.from_comments(records)
    return tostring(sheet.to_tree()), sheet.write_shapes(None)


def _list_sheet(listing: ListSheet, styles: Styles, names: set[str]) -> bytes:
    """The list of fixes: our own sheet, written whole; links only to the sender's sheets."""
    root = etree.Element(_q("worksheet"), nsmap={None: MAIN, "r": REL_NS})
    page = listing.page
    if page.fit_width:
        properties = etree.SubElement(root, _q("sheetPr"))
        etree.SubElement(properties, _q("pageSetUpPr"), fitToPage="1")
    views = etree.SubElement(root, _q("sheetViews"))
    view = etree.SubElement(views, _q("sheetView"), tabSelected="1", workbookViewId="0")
    if listing.frozen_rows:
        top = f"A{listing.frozen_rows + 1}"
        etree.SubElement(
            view, _q("pane"), ySplit=str(listing.frozen_rows), topLeftCell=top,
            activePane="bottomLeft", state="frozen",
        )  # fmt: skip
        etree.SubElement(view, _q("selection"), pane="bottomLeft", activeCell=top, sqref=top)
    etree.SubElement(root, _q("sheetFormatPr"), defaultRowHeight="15")
    columns = etree.SubElement(root, _q("cols"))
    for number, width in enumerate(listing.widths, start=1):
        etree.SubElement(
            columns, _q("col"), min=str(number), max=str(number), width=f"{width:g}",
            customWidth="1",
        )  # fmt: skip
    data = etree.SubElement(root, _q("sheetData"))
    plain, bold = styles.font(listing.font), styles.font(listing.font, bold=True)
    link_font = styles.font(listing.font, colour=listing.link_colour, underline=True)
    links = []
    for r, (cells, height) in enumerate(zip(listing.rows, listing.heights, strict=True), start=1):
        row = etree.SubElement(data, _q("row"), r=str(r), ht=f"{height:g}", customHeight="1")
        for c, cell in enumerate(cells, start=1):
            ref = f"{column_name(c - 1)}{r}"
            linked = bool(cell.link) and sheet_of(cell.link) in names
            font = link_font if linked else bold if cell.bold else plain
            element = etree.SubElement(
                row, _q("c"), r=ref, s=str(styles.text_style(font, cell.centred))
            )
            if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                etree.SubElement(element, _q("v")).text = str(cell.value)
            elif cell.value not in ("", None):
                element.set("t", "inlineStr")  # text, never a formula nor a shared string
                holder = etree.SubElement(element, _q("is"))
                text = etree.SubElement(holder, _q("t"))
                text.text = safe(str(cell.value))
                text.set(f"{{{XML_NS}}}space", "preserve")
            if linked:
                links.append((ref, cell.link, str(cell.value)))
    if links:
        holder = etree.SubElement(root, _q("hyperlinks"))
        for ref, location, shown in links:
            etree.SubElement(holder, _q("hyperlink"), ref=ref, location=location, display=shown)
    margin = f"{page.side_margin:g}"
    etree.SubElement(
        root, _q("pageMargins"), left=margin, right=margin, top="1", bottom="1", header="0.5",
        footer="0.5",
    )  # fmt: skip
    setup = etree.SubElement(root, _q("pageSetup"), paperSize="9")
    setup.set("orientation", "landscape" if page.landscape else "portrait")
    if page.fit_width:
        setup.set("fitToWidth", "1")
        setup.set("fitToHeight", "0")
    elif page.scale:
        setup.set("scale", str(page.scale))
        setup.set("pageOrder", "overThenDown")
    footer = etree.SubElement(etree.SubElement(root, _q("headerFooter")), _q("oddFooter"))
    left = f"&L{page.footer_left.replace('&', '&&')}" if page.footer_left else ""
    footer.text = safe(f"{left}&R{page.footer_right}")
    return _bytes(root)


def _print_titles(listing: ListSheet) -> str:
    name = quoted(listing.name)
    parts = []
    if listing.page.title_cols:
        first, _, last = listing.page.title_cols.partition(":")
        parts.append(f"{name}!${first}:${last or first}")
    if listing.page.title_rows:
        first, _, last = listing.page.title_rows.partition(":")
        parts.append(f"{name}!${first}:${last or first}")
    return ",".join(parts)


def _workbook(
    root, sheets: list[_Sheet], dropped: int | None, listing: ListSheet, rid: str
) -> None:
    """The sender's workbook.xml with the list of fixes as its first, active sheet: names
    bound to a sheet follow it to its new place, links to other files go."""
    _keep_only(root, BOOK_CHILDREN)
    _drop_relationship_attributes(root, keep="sheets")
    holder = root.find(_q("sheets"))
    if dropped is not None:
        holder.remove(holder[dropped])
    ids = [int(s.get("sheetId", "0")) for s in holder if (s.get("sheetId") or "").isdigit()]
    first = etree.Element(_q("sheet"), name=listing.name, sheetId=str(max(ids, default=0) + 1))
    first.set(f"{{{REL_NS}}}id", rid)
    holder.insert(0, first)
    names = root.find(_q("definedNames"))
    for name in list(names) if names is not None else ():
        local = name.get("localSheetId")
        if "[" in (name.text or ""):  # a name pointing into another file
            names.remove(name)
        elif local is not None and local.isdigit():
            index = int(local)
            if dropped is not None and index == dropped:
                names.remove(name)
                continue
            if dropped is not None and index > dropped:
                index -= 1
            name.set("localSheetId", str(index + 1))
    titles = _print_titles(listing)
    if titles:
        names = _child(root, "definedNames", BOOK_CHILDREN)
        name = etree.Element(_q("definedName"), name="_xlnm.Print_Titles", localSheetId="0")
        name.text = titles
        names.insert(0, name)
    views = _child(root, "bookViews", BOOK_CHILDREN)
    view = views.find(_q("workbookView"))
    if view is None:
        view = etree.SubElement(views, _q("workbookView"))
    view.set("activeTab", "0")
    view.set("firstSheet", "0")


def _core(identifier: str) -> bytes:
    """Our own document properties: the received file's SHA-256 as the identifier, by
    which a later run knows the correction workbook it already wrote."""
    cp = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
    dc, terms = "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/"
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    root = etree.Element(
        f"{{{cp}}}coreProperties", nsmap={"cp": cp, "dc": dc, "dcterms": terms, "xsi": xsi}
    )
    if identifier:
        etree.SubElement(root, f"{{{dc}}}identifier").text = identifier
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag in ("created", "modified"):
        element = etree.SubElement(root, f"{{{terms}}}{tag}")
        element.set(f"{{{xsi}}}type", "dcterms:W3CDTF")
        element.text = now
    return _bytes(root)


def _content_types(parts: dict[str, str]) -> bytes:
    root = etree.Element(f"{{{CT_NS}}}Types", nsmap={None: CT_NS})
    for extension, kind in (
        ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
        ("xml", "application/xml"),
        ("vml", "application/vnd.openxmlformats-officedocument.vmlDrawing"),
    ):
        etree.SubElement(root, f"{{{CT_NS}}}Default", Extension=extension, ContentType=kind)
    for name, kind in parts.items():
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName="/" + name, ContentType=kind)
    return _bytes(root)


def _relative(part: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(part) or ".")


def patch(
    source: Path,
    target: Path,
    notes: Iterable[Note],
    listing: ListSheet,
    identifier: str,
    author: str,
    our_authors: frozenset[str],
) -> None:
    """Write `target`: `source`'s own package with `notes` marked on its cells and
    `listing` as its first sheet. Raises `Unsupported` for a package it does not know."""
    with zipfile.ZipFile(source) as archive:
        files = _package(archive, list(notes), listing, identifier, author, our_authors)
    # the quickest deflate: a correction workbook is small, and written for many files at once
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in files.items():
            out.writestr(name, data)


_MAIN_TYPE = REL_TYPE + "officeDocument"
_KEPT_BOOK_PARTS = {
    REL_TYPE + "styles": "styles+xml",
    REL_TYPE + "sharedStrings": "sharedStrings+xml",
    REL_TYPE + "theme": "theme",
}


def _package(
    archive: zipfile.ZipFile,
    notes: list[Note],
    listing: ListSheet,
    identifier: str,
    author: str,
    our_authors: frozenset[str],
) -> dict[str, bytes]:
    book_part = next(
        (_resolve("", t) for _i, kind, t, _m in _relationships(archive, "") if kind == _MAIN_TYPE),
        None,
    )
    if book_part is None or book_part not in archive.NameToInfo:
        raise Unsupported("no workbook part")
    book = _parse(archive.read(book_part))
    if book.tag != _q("workbook"):
        raise Unsupported("not a transitional workbook")
    rels = _targets(archive, book_part)
    sheets, dropped = [], None
    holder = book.find(_q("sheets"))
    if holder is None or not len(holder):
        raise Unsupported("no sheets")
    for index, element in enumerate(holder):
        rid = element.get(f"{{{REL_NS}}}id", "")
        kind, part, mode = rels.get(rid, ("", "", ""))
        if kind != REL_TYPE + "worksheet" or mode == "External" or part not in archive.NameToInfo:
            raise Unsupported(f"sheet {element.get('name')!r} is not a worksheet we can find")
        if (element.get("name") or "").casefold() == listing.name.casefold():
            dropped = index
            continue
        sheets.append(_Sheet(element.get("name", ""), part, rid, archive.read(part)))
    styles_part = next((p for k, p, _m in rels.values() if k == REL_TYPE + "styles"), None)
    styles = Styles(archive.read(styles_part) if styles_part in archive.NameToInfo else None)

    names = {s.name for s in sheets}
    clear = (our_authors, frozenset({BAD, QUERY})) if dropped is not None else None
    for sheet in sheets:
        own = [n for n in notes if n.sheet == sheet.name]
        _worksheet(sheet, archive, styles, own, author, clear)

    folder = posixpath.dirname(book_part)
    taken = {p for _k, p, _m in rels.values()} | set(archive.NameToInfo)
    list_part = _free(taken, posixpath.join(folder, "worksheets", "sheet{}.xml"))
    taken.add(list_part)
    list_rid = _free(set(rels), "rIdAdal{}")
    list_xml = _list_sheet(listing, styles, names)
    _workbook(book, sheets, dropped, listing, list_rid)

    files: dict[str, bytes] = {}
    types: dict[str, str] = {book_part: SHEET_TYPE + "sheet.main+xml"}
    book_rels = [(list_rid, REL_TYPE + "worksheet", _relative(book_part, list_part))]
    files[list_part] = list_xml
    types[list_part] = SHEET_TYPE + "worksheet+xml"
    for sheet in sheets:
        book_rels.append((sheet.rid, REL_TYPE + "worksheet", _relative(book_part, sheet.part)))
        files[sheet.part] = sheet.xml
        types[sheet.part] = SHEET_TYPE + "worksheet+xml"
        if sheet.comments:
            comments_part = _free(taken, posixpath.join(folder, "comments{}.xml"))
            drawing_part = _free(taken, posixpath.join(folder, "drawings", "vmlComments{}.vml"))
            taken |= {comments_part, drawing_part}
            files[comments_part], files[drawing_part] = _comment_parts(sheet.comments)
            types[comments_part] = SHEET_TYPE + "comments+xml"
            files[_rels_path(sheet.part)] = _rels_xml([
                ("rIdComments", REL_TYPE + "vmlDrawing", _relative(sheet.part, drawing_part)),
                ("rIdNotes", REL_TYPE + "comments", _relative(sheet.part, comments_part)),
            ])  # fmt: skip
    for rid, (kind, part, mode) in rels.items():
        if kind in _KEPT_BOOK_PARTS and mode != "External" and part in archive.NameToInfo:
            book_rels.append((rid, kind, _relative(book_part, part)))
            if part != styles_part and _rels_path(part) in archive.NameToInfo:
                raise Unsupported(f"{part} has parts of its own")  # a theme's picture
            files[part] = (
                styles.tobytes() if part == styles_part else _no_doctype(archive.read(part))
            )
            suffix = _KEPT_BOOK_PARTS[kind]
            types[part] = (
                "application/vnd.openxmlformats-officedocument.theme+xml"
                if suffix == "theme"
                else SHEET_TYPE + suffix
            )
    files[book_part] = _bytes(book)
    files[_rels_path(book_part)] = _rels_xml(book_rels)
    files["docProps/core.xml"] = _core(identifier)
    types["docProps/core.xml"] = "application/vnd.openxmlformats-package.core-properties+xml"
    files["_rels/.rels"] = _rels_xml([
        ("rId1", _MAIN_TYPE, book_part),
        ("rId2", CORE_TYPE, "docProps/core.xml"),
    ])  # fmt: skip
    return {"[Content_Types].xml": _content_types(types), **files}


def _free(taken: set[str], pattern: str) -> str:
    """The first name not taken; part names are told apart without regard to case."""
    folded = {t.casefold() for t in taken}
    number = 1
    while pattern.format(number).casefold() in folded:
        number += 1
    return pattern.format(number)
