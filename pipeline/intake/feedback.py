"""The correction workbook: the sender's own file, bad cells marked, and a list of fixes.

The sender fixes that very file and sends it back, so the identity sheet and everything
they typed stay as they were. Formats openpyxl cannot edit (.xls, .ods) are rebuilt as
.xlsx from their values. Every text written here is forced to be text, never a formula.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from loguru import logger
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from pipeline.core import textfit
from pipeline.core.errors import is_disk_full
from pipeline.core.ids import mask_ids_in_text
from pipeline.core.messages import label as label_text
from pipeline.core.messages import render
from pipeline.files import xlsxpatch
from pipeline.files.atomic import created
from pipeline.files.reader import ERRORS_SHEET, IDENTITY_SHEET, read_workbook
from pipeline.files.xlsxout import page_for, page_setup_openpyxl
from pipeline.files.xlsxpatch import ListCell, ListSheet, Note
from pipeline.intake.inbox import safe_name
from pipeline.specs.problems import Problem

if TYPE_CHECKING:
    from pipeline.intake.outcome import FileOutcome

# The author of the comments on marked cells, as Excel shows it to the sender; a later round
# knows its own marks by it (and by the name earlier rounds used).
AUTHOR = label_text("label_department")
OUR_AUTHORS = frozenset({AUTHOR, "Adal"})
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
QUERY_FILL = PatternFill("solid", fgColor="FFEB9C")  # accepted, asked to confirm or correct
HEADERS = (
    "№",
    label_text("label_sheet"),
    label_text("label_row"),
    label_text("label_cell"),
    label_text("label_column"),
    label_text("label_value_typed"),
    render("feedback_what_to_fix").kk,
    render("feedback_what_to_fix").ru,
)  # the problem's code stays in the ledger and `--json`: a secretary reads words


START = None
"""How worker processes start (a `multiprocessing` context); None: the platform's default.
Tests that inherit a patched function into the workers ask for "fork" here."""


def _safe(text: str) -> str:
    """Without the characters XML cannot hold (a pasted value may carry them): one rule for
    both ways of writing a correction workbook (`xlsxpatch.safe`)."""
    return xlsxpatch.safe(text)


def _text(cell, value: object) -> None:
    """Assign as text: openpyxl would otherwise make a formula of '=…'."""
    cell.value = "" if value is None else _safe(str(value))
    if cell.data_type == "f":
        cell.data_type = "s"


def _as_sent(original: Path) -> openpyxl.Workbook | None:
    """The sender's own workbook, if openpyxl can edit it; formulas give way to the values
    Excel last showed (`data_only`), so what comes back holds no formula, no link to another
    file, nothing that runs or fetches when it is opened."""
    if original.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        with warnings.catch_warnings():  # "a date outside the limits": reported on its cell
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(
                original, keep_vba=False, keep_links=False, rich_text=False, data_only=True
            )
    except Exception:  # files from other programs openpyxl cannot load: rebuilt from values
        logger.warning("openpyxl cannot edit {}; rebuilt from its values", original.name)
        return None


def _from_values(original: Path) -> openpyxl.Workbook:
    """The workbook rebuilt from the values calamine reads (.xls, .ods, odd .xlsx)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    source = read_workbook(original)
    for sheet in source.sheets:
        target = book.create_sheet(sheet.name[:31])
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value == "":
                    continue
                if isinstance(value, str):
                    _text(target.cell(r, c), value)
                else:
                    target.cell(r, c).value = value
    if source.identity:
        hidden = book.create_sheet(IDENTITY_SHEET)
        for r, row in enumerate(source.identity, start=1):
            for c, value in enumerate(row, start=1):
                _text(hidden.cell(r, c), value)
        hidden.sheet_state = "veryHidden"
    return book


def _visible_cell(sheet, ref: str) -> str:
    """A cell hidden under merged cells is marked on the merge's first cell, the one people
    see (openpyxl cannot give a hidden one a comment)."""
    if not isinstance(sheet[ref], MergedCell):
        return ref
    return next((m.start_cell.coordinate for m in sheet.merged_cells.ranges if ref in m), ref)


def _clear_earlier_marks(book: openpyxl.Workbook) -> None:
    """The sender's links go (a `file:///…calc.exe` or `javascript:` link would come back
    under the department's name: Adal's outputs carry only the links it makes itself, the
    errors sheet's jumps to a cell). A correction workbook sent back fixed still carries the
    marks of the last round: cells already put right must not stay red with an old comment."""
    ours = ERRORS_SHEET in book.sheetnames
    for sheet in book.worksheets:
        sheet._hyperlinks = []
        for row in sheet.iter_rows():
            for cell in row:
                if cell.hyperlink is not None:
                    cell.hyperlink = None
                if ours and cell.comment is not None and cell.comment.author in OUR_AUTHORS:
                    cell.comment = None
                    # the cell's fill is a style proxy: compared from its side («in» would
                    # ask the plain fill, which does not know the proxy)
                    if any(cell.fill == ours_fill for ours_fill in (BAD_FILL, QUERY_FILL)):
                        cell.fill = PatternFill()


def cells_of(problem: Problem) -> list[str]:
    """The cells a problem is about: one, or each term of a sum («D10, E10, F10, C10»)."""
    return [c.strip() for c in problem.cell.split(",") if c.strip()]


def _notes(problems: list[Problem]) -> list[Note]:
    """Each problem on each of its cells, in both languages."""
    return [
        Note(p.sheet, one, f"• {p.kk}\n• {p.ru}", p.severity == "query")
        for p in problems
        if p.sheet and p.cell
        for one in cells_of(p)  # a sum's rule names each of its cells
    ]


def _mark_cells(book: openpyxl.Workbook, problems: list[Problem]) -> None:
    notes = [n for n in _notes(problems) if n.sheet in book.sheetnames]
    shown = xlsxpatch.marks(notes, lambda sheet, ref: _visible_cell(book[sheet], ref))
    for (sheet, ref), mark in shown.items():
        cell = book[sheet][ref]
        cell.fill = QUERY_FILL if mark.fill == xlsxpatch.QUERY else BAD_FILL
        cell.comment = Comment(
            mark.text, AUTHOR, width=xlsxpatch.COMMENT_WIDTH, height=xlsxpatch.COMMENT_HEIGHT
        )


WIDTHS = (5, 10, 8, 8, 24, 18, 50, 50)  # 173 characters: A4 landscape at 75 %


@cache
def _header_widths() -> tuple[list[float], float]:
    """The list's column widths (a header's word never broken) and its header's height:
    the same for every list, measured once."""
    widths = [textfit.width_for_words(h, w) for h, w in zip(HEADERS, WIDTHS, strict=True)]
    return widths, textfit.row_height([(h, w, True) for h, w in zip(HEADERS, widths, strict=True)])


def error_list(problems: list[Problem]) -> ListSheet:
    """The list of fixes as data, one row per problem: what either writer puts in front."""
    widths, header_height = _header_widths()
    rows = [[ListCell(h, bold=True) for h in HEADERS]]
    heights = [header_height]
    for number, p in enumerate(problems, start=1):
        link = f"{xlsxpatch.quoted(p.sheet)}!{cells_of(p)[0]}" if p.cell and p.sheet else ""
        values = (number, p.sheet, p.row or "", p.cell, p.column, p.value, p.kk, p.ru)
        rows.append([
            # numbers centred: «1 1.1» and «10 G10» read as one number when both leaned together
            ListCell(v if isinstance(v, int) else _safe("" if v is None else str(v)),
                     centred=c in (1, 3), link=link if c == 4 else "")
            for c, v in enumerate(values, start=1)
        ])  # fmt: skip
        cells = [(p.kk, widths[6], False), (p.ru, widths[7], False), (p.column, widths[4], False),
                 (str(p.value or ""), widths[5], False), (p.sheet, widths[1], False),
                 (p.cell, widths[3], False)]  # fmt: skip
        heights.append(textfit.row_height(cells))
    page = page_for(sum(widths), header_rows=1, footer=ERRORS_SHEET)
    return ListSheet(ERRORS_SHEET, rows, list(widths), heights, textfit.FONT, page)


def _errors_sheet(book: openpyxl.Workbook, listing: ListSheet) -> None:
    if listing.name in book.sheetnames:
        del book[listing.name]
    sheet = book.create_sheet(listing.name, 0)
    for r, row in enumerate(listing.rows, start=1):
        for c, one in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            if isinstance(one.value, int):
                cell.value = one.value
            else:
                _text(cell, one.value)
            cell.alignment = Alignment(
                wrap_text=True, vertical="top", horizontal="center" if one.centred else None
            )
            if one.link and xlsxpatch.sheet_of(one.link) in book.sheetnames:
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=one.link)  # inside
                cell.font = Font(
                    name=listing.font, size=11, color=listing.link_colour, underline="single"
                )
            else:  # measured in our font: never the file's own
                cell.font = Font(name=listing.font, size=11, bold=one.bold)
    for c, width in enumerate(listing.widths, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width = width
    for r, height in enumerate(listing.heights, start=1):
        sheet.row_dimensions[r].height = height
    sheet.freeze_panes = f"A{listing.frozen_rows + 1}"
    page_setup_openpyxl(sheet, listing.page)
    book.active = 0
    sheet.sheet_view.tabSelected = True  # as Excel saves its active sheet
    for other in book.worksheets[1:]:
        other.sheet_view.tabSelected = False
        other.page_setup.paperSize = 9  # A4, whatever the sender's Excel was set to


SUFFIX = ERRORS_SHEET  # «Қателер-Ошибки»: the sender's name stays, in their alphabet
_OURS = re.compile(rf"((-qateler-oshibki(-\d+)?)|([ _]\(?{re.escape(SUFFIX)}([ _]\d+)?\)?_?))+$")


def _stem(original_name: str) -> str:
    """`<name>` of `<name> (Қателер-Ошибки).xlsx`: a correction workbook sent back does not
    grow its name again (nor one of the earlier `-qateler-oshibki` names)."""
    own = _OURS.sub("", Path(mask_ids_in_text(original_name).rstrip(" .")).stem)
    return Path(safe_name(f"{_OURS.sub('', Path(safe_name(own or 'file')).stem)}.xlsx")).stem


def _names(folder: Path, stem: str) -> Iterator[Path]:
    """The first free name is taken; an earlier round's workbook is kept (` 2`, ` 3`, …)."""
    yield folder / f"{stem} ({SUFFIX}).xlsx"
    number = 2
    while True:
        yield folder / f"{stem} ({SUFFIX} {number}).xlsx"
        number += 1


_IDENTIFIER = re.compile(rb"<dc:identifier[^>]*>([^<]*)</dc:identifier>")


def _written_for(folder: Path, stem: str, key: str) -> Path | None:
    """The correction workbook already written for this very file (its SHA-256 is the
    workbook's identifier): a run killed after writing it, before the ledger noted it,
    left it, and the next run wrote a second one beside it, an orphan nobody would send."""
    if not key:
        return None
    start, end = f"{stem} ({SUFFIX}", ").xlsx"
    names = sorted(n for n in os.listdir(folder) if n.startswith(start) and n.endswith(end))
    for path in (folder / name for name in names):
        try:
            with zipfile.ZipFile(path) as book, book.open("docProps/core.xml") as core:
                found = _IDENTIFIER.search(core.read(8192))
                if found is not None and found[1] == key.encode():
                    return path
        except (OSError, KeyError, zipfile.BadZipFile, EOFError):
            continue
    return None


def write_feedback(
    original: Path, problems: list[Problem], folder: Path, original_name: str, key: str = ""
) -> Path:
    """Write the correction workbook for one received file (`key`: its SHA-256) and return
    its path; the one written for it before is returned as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = _stem(original_name)
    earlier = _written_for(folder, stem, key)
    if earlier is not None:
        return earlier
    listing = error_list(problems)
    if original.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return _save_new(
                lambda part: xlsxpatch.patch(
                    original, part, _notes(problems), listing, key, AUTHOR, OUR_AUTHORS
                ),
                folder,
                stem,
            )
        except OSError as exc:
            if is_disk_full(exc):
                raise
            logger.warning("cannot edit {} in place ({}); rewritten whole", original.name, exc)
        except xlsxpatch.Unsupported as exc:
            logger.info("{} is rewritten whole: {}", original.name, exc)
        except Exception as exc:  # never the batch: openpyxl's rewrite is the way back
            logger.warning("cannot edit {} in place ({!r}); rewritten whole", original.name, exc)
    book = _as_sent(original)
    if book is not None:
        try:
            _clear_earlier_marks(book)
            _mark_cells(book, problems)
            _errors_sheet(book, listing)
            return _save_new(_saver(book, key), folder, stem)
        except OSError as exc:
            if is_disk_full(exc):
                raise
            logger.warning("openpyxl cannot save {}; rebuilt from its values", original.name)
        except Exception:  # something in the sender's file openpyxl cannot write back
            logger.warning("openpyxl cannot save {}; rebuilt from its values", original.name)
    book = _from_values(original)
    _mark_cells(book, problems)
    _errors_sheet(book, listing)
    return _save_new(_saver(book, key), folder, stem)


def _saver(book: openpyxl.Workbook, key: str) -> Callable[[Path], None]:
    def save(part: Path) -> None:
        book.properties.identifier = key or None
        book.save(part)

    return save


def _save_new(write: Callable[[Path], None], folder: Path, stem: str) -> Path:
    """Saved whole under the first free name: two files of one name, written by two
    processes at once, never share it, and a kill leaves no empty workbook behind."""
    for target in _names(folder, stem):
        try:
            with created(target) as part:
                write(part)
            return target
        except FileExistsError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _feedback_job(job: tuple) -> str | None:
    """A correction workbook; if even that fails, the sender still gets the listed errors."""
    archived, problems, folder, name, key = job
    try:
        return str(write_feedback(Path(archived), problems, Path(folder), name, key))
    except OSError as exc:
        if is_disk_full(exc):
            raise  # every next workbook would fail alike: the run stops, said once
        logger.exception("could not write the correction workbook for {}", name)
        return None  # the place, not the file: the next run writes it
    except Exception:  # a workbook openpyxl cannot rewrite must not stop the batch
        logger.exception("could not write the correction workbook for {}", name)
        return ""  # never: the letter lists the errors without it


def _result(future, name: str) -> str | None:
    """A writer process that died leaves that file without a correction workbook (its errors
    are in the ledger and the e-mail), not the ingest without an end."""
    try:
        return future.result()
    except BrokenProcessPool:
        logger.error("the process writing the correction workbook for {} died", name)
        return None


class FeedbackWriter:
    """Correction workbooks for files with errors. openpyxl is slow, so with several cores
    and several such files they are written by a process pool while ingest goes on; a
    single one is written here (starting a pool would cost more)."""

    def __init__(self, outbox: Path, jobs: int) -> None:
        self.outbox = outbox
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        self.waiting: list[tuple[FileOutcome, tuple]] = []
        self.pending: list[tuple[FileOutcome, object]] = []

    def submit(self, outcome: FileOutcome) -> None:
        """Write (or queue) the correction workbook of one recorded, archived file."""
        if not (
            (outcome.errors or outcome.queries) and outcome.bin and Path(outcome.archive).exists()
        ):
            return
        job = (
            outcome.archive,
            outcome.problems,
            str(self.outbox / "feedback" / outcome.bin),
            outcome.name,
            outcome.sha256,
        )
        if self.jobs <= 1:
            outcome.feedback = _feedback_job(job)
            return
        self.waiting.append((outcome, job))
        if self.pool is None and len(self.waiting) >= 2:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=START)
        if self.pool is not None:
            try:
                self.pending += [(o, self.pool.submit(_feedback_job, j)) for o, j in self.waiting]
            except BrokenProcessPool:  # a writer died: the next files get a fresh pool
                self.pool.shutdown(wait=False)
                self.pool = ProcessPoolExecutor(self.jobs, mp_context=START)
                return
            self.waiting = []

    def __enter__(self) -> FeedbackWriter:
        return self

    def __exit__(self, *exc) -> None:
        try:
            if exc[0] is None:
                for outcome, job in self.waiting:
                    outcome.feedback = _feedback_job(job)
            for outcome, future in self.pending:
                if exc[0] is None:
                    outcome.feedback = _result(future, outcome.name)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
