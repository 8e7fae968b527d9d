"""The documents the department signs and publishes, read the way an official reads them.

One demo district is run once for the module; every test reads what it wrote.
"""

import datetime as dt
import re
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from click.testing import CliRunner
from docx.shared import Pt

from pipeline.cli import main
from pipeline.core.numerals import ORGANISATION
from pipeline.files.docxio import text_of
from pipeline.workbooks.consolidate import SHEETS
from tests.helpers import document_body, run_demo

pytestmark = pytest.mark.slow  # one whole demo run for the module


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory) / "outbox"


def _docs(outbox):
    report = outbox / "report"
    return sorted(report.glob("*.docx")) + sorted((report / "3.2-publication").glob("*.docx"))


LEVEL_WORDS = {"ru": {"высокий": "высокий", "средний": "средний"},
               "kk": {"жоғары": "жоғары", "орташа": "орташа"}}  # fmt: skip
WHERE = {
    "ru": re.compile(r"(?:уровень риска )?(высокий|средний) — в (\d+) организаци"),
    "kk": re.compile(r"(?:тәуекел деңгейі )?(жоғары|орташа) — (\d+) ұйымда"),
}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_each_finding_says_the_levels_its_table_shows(demo, lang):
    """«В 9 организациях высокий уровень…» stood over a table rating 1 high and 8 medium:
    the sentence now names each level with the number of rows at that level."""
    blocks = document_body(demo / "report" / f"3.1-reference-{lang}.docx")
    checked = 0
    for (kind, text), following in zip(blocks, blocks[1:], strict=False):
        said = WHERE[lang].findall(text) if kind == "p" else []
        if not said:
            continue
        assert following[0] == "t", text
        levels = [row[-1] for row in following[1][1:]]  # the level is the last column
        assert {level: int(n) for level, n in said} == {
            level: levels.count(level) for level in set(levels)
        }, text
        checked += 1
    assert checked >= 10


def test_every_figure_of_the_reference_is_in_the_consolidated_workbook(demo):
    """Values and district medians quoted in the text appear on the indicators sheet."""
    [book] = demo.glob("consolidated-*.xlsx")
    sheet = pd.read_excel(book, sheet_name=SHEETS["ind"], engine="calamine")
    shown = set()
    for column in ("Мәні / Значение", "Аудандық медиана / Медиана по району"):
        for value in sheet[column].dropna():
            shown.add(f"{value:g}" if float(value).is_integer() else f"{value:.1f}")
    text = text_of(demo / "report" / "3.1-reference-ru.docx")
    quoted = re.findall(r"(?:Наибольшее значение|медиана по району) — (\d+(?:,\d)?)", text)
    assert len(quoted) >= 10
    missing = [q for q in quoted if q.replace(",", ".") not in shown]
    assert not missing


CODE = re.compile(
    r"\bI\d\d_[a-z_]+\b|general_secondary|preschool\b|\badditional\b|\bAdal\b|python|"
    r"\b(?:none|null|nan|True|False)\b"
)


def test_no_internal_code_or_english_in_what_officials_read(demo):
    for path in _docs(demo):
        found = CODE.findall(text_of(path))
        assert not found, (path.name, found[:5])
    for name in ("4.1-action-plan.xlsx", "6.1-register.xlsx"):
        sheets = pd.read_excel(
            demo / "report" / name, header=None, sheet_name=None, engine="calamine"
        )
        text = " ".join(
            " ".join(map(str, f.fillna("").to_numpy().ravel())) for f in sheets.values()
        )
        assert not CODE.findall(text), (name, CODE.findall(text)[:5])
        assert not re.search(r"\d%?\s+дейін", text), name


def test_no_number_is_glued_to_deyin_and_kazakh_dates_read_in_kazakh_order(demo):
    """«(20 дейін)» needs the dative the spoken number takes: «20-ға дейін»."""
    for path in _docs(demo):
        text = text_of(path)
        assert not re.search(r"\d%?\s+дейін", text), path.name
        if path.name.endswith("-kk.docx"):
            assert not re.search(r"«_+»\s*_+\s*20_+", text), path.name  # the Russian order


NOUNS = {  # nominative after a number: one, few, many
    "организаци": ("организация", "организации", "организаций"),
    "показател": ("показатель", "показателя", "показателей"),
    "мероприяти": ("мероприятие", "мероприятия", "мероприятий"),
    "жалоб": ("жалоба", "жалобы", "жалоб"),
    "случа": ("случай", "случая", "случаев"),
    "публикаци": ("публикация", "публикации", "публикаций"),
}
FORMS = {form: stem for stem, forms in NOUNS.items() for form in forms}
COUNTED = re.compile(
    r"(?:\b(в|по|из|о)\s+)?(?<![\d.,])\b(\d+) ("
    + "|".join(sorted(FORMS, key=len, reverse=True))
    + r")\b"
)


def test_russian_nouns_agree_with_the_numbers_written_before_them(demo):
    """«4 жалоб», «1 случаев», «3 организаций» were written; CLDR decides the form."""
    seen = 0
    for path in _docs(demo):
        if not path.name.endswith("-ru.docx"):
            continue
        for preposition, number, word in COUNTED.findall(text_of(path)):
            n, stem = int(number), FORMS[word]
            category = {"организация": 0, "организации": 1, "организаций": 2}[ORGANISATION.ru(n)]
            if preposition in ("в", "по", "о"):
                continue  # oblique cases: built by numerals.count_in, tested there
            expected = NOUNS[stem][category]
            if preposition == "из":  # genitive: из 1 организации, из 5 организаций
                expected = {0: NOUNS[stem][1], 1: NOUNS[stem][2], 2: NOUNS[stem][2]}[category]
            assert word == expected, (path.name, preposition, number, word)
            seen += 1
    assert seen >= 2


def test_reference_is_on_the_official_form(demo):
    for lang in ("kk", "ru"):
        document = docx.Document(str(demo / "report" / f"3.1-reference-{lang}.docx"))
        section = document.sections[0]
        sizes = ("page_width", "page_height", "left_margin", "right_margin", "top_margin",
                 "bottom_margin")  # fmt: skip
        assert [round(getattr(section, s).mm) for s in sizes] == [210, 297, 30, 10, 20, 20]
        normal = document.styles["Normal"].font
        assert normal.name == "Times New Roman" and normal.size == Pt(14)
        cells = [r for t in document.tables for c in t._cells for p in c.paragraphs for r in p.runs]
        assert cells and all(r.font.size == Pt(12) for r in cells)
        props = document.core_properties
        assert "Adal" not in props.author and "python" not in (
            props.author + props.last_modified_by
        )
        assert "Коктерек" in props.author or "Көктерек" in props.author
        assert props.created.date() == dt.date.today()
        header = zipfile.ZipFile(demo / "report" / f"3.1-reference-{lang}.docx").read(
            "word/header1.xml"
        )
        assert b"PAGE" in header
    kk = text_of(demo / "report" / "3.1-reference-kk.docx")
    ru = text_of(demo / "report" / "3.1-reference-ru.docx")
    assert "20__ жылғы «___» ____________" in kk
    assert "«___» ____________ 20___ года" in ru


def _visible_text(path):
    """Every string a person sees in a workbook: visible sheets, visible columns."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        hidden = {k for k, d in sheet.column_dimensions.items() if d.hidden}
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.column_letter not in hidden:
                    yield sheet.title, cell.coordinate, cell.value


def test_no_code_in_any_visible_cell_of_any_workbook_the_demo_writes(demo):
    """Organisation types, indicators, error kinds and statuses by their names: a code may
    stay only where a script reads it (a hidden column or sheet, `--json`)."""
    books = [p for p in demo.rglob("*.xlsx") if "bench" not in p.parts]
    assert len(books) > 20
    found = [
        (path.name, sheet, ref, text[:60])
        for path in books
        for sheet, ref, text in _visible_text(path)
        if CODE.search(text)
    ]
    assert not found, found[:10]


def test_report_and_consolidated_workbooks_print_on_a4_one_page_wide(demo):
    """The consolidated workbook had no page set-up; the register printed on 12 portrait
    pages with its columns split. A table too wide for one readable page prints across
    pages at a fixed scale instead (5–6 pt when fitted)."""
    import openpyxl

    books = [*demo.glob("consolidated-*.xlsx"), demo / "report" / "4.1-action-plan.xlsx",
             demo / "report" / "6.1-register.xlsx"]  # fmt: skip
    for path in books:
        for sheet in openpyxl.load_workbook(path).worksheets:
            where = (path.name, sheet.title)
            assert sheet.page_setup.paperSize == 9, where
            setup = sheet.page_setup  # Excel leaves out a width of 1, its default
            if sheet.sheet_properties.pageSetUpPr.fitToPage:
                assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0, where
            else:  # too wide to fit readably: a fixed scale, its first column on every page
                assert setup.scale >= 73 and sheet.print_title_cols, where
            assert "&P" in (sheet.oddFooter.right.text or ""), where
            if sheet.title not in ("Мұқаба-Обложка", "Диаграммалар-Диаграммы"):
                assert sheet.print_title_rows, where  # the header on every page


def _clipped(path):
    """Cells whose text does not fit: a wrapped text taller than its row, or an unwrapped
    one wider than its column with a neighbour that stops it."""
    import openpyxl

    from pipeline.core import textfit

    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        default = sheet.sheet_format.defaultRowHeight or 15
        widths = {}  # one <col> element may set several columns
        for dim in sheet.column_dimensions.values():
            for c in range((dim.min or 0), (dim.max or 0) + 1):
                widths[c] = dim.width
        merged, ends = {}, {}
        for rng in sheet.merged_cells.ranges:
            width = sum(widths.get(c) or 8.43 for c in range(rng.min_col, rng.max_col + 1))
            height = sum(
                sheet.row_dimensions[r].height or default
                for r in range(rng.min_row, rng.max_row + 1)
            )
            merged[(rng.min_row, rng.min_col)] = (width, height)
            ends[(rng.min_row, rng.min_col)] = rng.max_col
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.value.strip():
                    continue
                width, height = merged.get(
                    (cell.row, cell.column),
                    (
                        widths.get(cell.column) or 8.43,
                        sheet.row_dimensions[cell.row].height or default,
                    ),
                )
                bold = bool(cell.font and cell.font.b)
                if cell.font is None or cell.font.name != textfit.FONT:  # measured in Calibri
                    yield sheet.title, cell.coordinate, cell.value[:40], "font", cell.font.name
                if cell.alignment and cell.alignment.wrap_text:
                    needed = textfit.height(cell.value, width, bold) - 3
                    if needed > height + 1:
                        yield sheet.title, cell.coordinate, cell.value[:40], needed, height
                    broken = [
                        word
                        for word in cell.value.split()
                        if textfit.text_px(word, bold) > textfit.room_px(width)
                    ]
                    if bold and broken:  # a header or label word split in two: «Направле-ние»
                        yield sheet.title, cell.coordinate, cell.value[:40], "word broken", broken
                elif "\n" in cell.value:
                    yield sheet.title, cell.coordinate, cell.value[:40], "line break, no wrap", 0
                elif textfit.text_px(cell.value, bold) > textfit.room_px(width) + 2:
                    # an unwrapped text runs on over empty cells and is cut by the first full one
                    col, room = ends.get((cell.row, cell.column), cell.column) + 1, width
                    while col <= sheet.max_column and sheet.cell(cell.row, col).value in (None, ""):
                        room, col = room + (widths.get(col) or 8.43), col + 1
                    cut = col <= sheet.max_column
                    if cut and textfit.text_px(cell.value, bold) > textfit.room_px(room) + 2:
                        yield sheet.title, cell.coordinate, cell.value[:40], "cut by a cell", room


def test_no_label_of_the_templates_and_documents_is_clipped(demo):
    """The Russian half of labels was hidden by fixed row heights; rows 3–6 overlapped."""
    books = [
        next(demo.glob("templates/*.xlsx")),
        demo / "report" / "6.1-register.xlsx",
        next(demo.glob("report/5.1-monitoring/*.xlsx")),
        next(demo.glob("consolidated-*.xlsx")),
        demo / "report" / "4.1-action-plan.xlsx",
    ]
    found = [(p.name, *c) for p in books for c in _clipped(p)]
    assert not found, found[:10]


def test_the_regional_workbook_reads_whole(demo, tmp_path):
    """The region's roll-up of the demo district and a copy of it under another name."""
    from pipeline.devtools.benchrollup import clone_export

    root = demo.parent
    export = CliRunner().invoke(
        main, ["--root", str(root), "export", "--parquet", str(tmp_path / "x")]
    )
    assert export.exit_code == 0, export.output
    other = clone_export(tmp_path / "x", tmp_path / "y", 1)
    out = tmp_path / "region.xlsx"
    result = CliRunner().invoke(
        main, ["rollup", str(tmp_path / "x"), str(other), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    found = list(_clipped(out))
    assert not found, found[:10]


def test_correction_workbooks_read_whole_where_adal_laid_them_out(demo):
    """A correction workbook is the school's own file with Adal's error list in front: the
    list is checked in every one, the data sheets where the school typed into Adal's template
    (a sheet the school made itself keeps the school's own column widths). The demo types as
    Excel does: a new cell takes its column's format and the row grows to wrapped text."""
    import openpyxl

    from pipeline.files.reader import ERRORS_SHEET, IDENTITY_SHEET

    books = sorted(demo.glob("feedback/*/*.xlsx"))
    assert len(books) >= 3
    found, from_template = [], 0
    for path in books:
        ours = IDENTITY_SHEET in openpyxl.load_workbook(path, read_only=True).sheetnames
        from_template += ours
        found += [(path.name, *c) for c in _clipped(path) if ours or c[0] == ERRORS_SHEET]
    assert from_template >= 2 and not found, found[:10]


def test_every_picture_of_the_guide_has_its_source_in_the_demo(demo):
    """`make docs` renders the guide's pictures from these outputs; a renamed sheet or file
    would leave the guide showing an old screen."""
    import openpyxl

    from pipeline.desk.pictures import SHOTS
    from pipeline.devtools.docs_pictures import PICTURES

    root = demo.parent
    for name, (pattern, sheet, _page, _keep) in PICTURES.items():
        found = sorted(root.glob(pattern))
        assert found, name
        if sheet is not None:
            assert sheet in openpyxl.load_workbook(found[0], read_only=True).sheetnames, name
    docs = Path(__file__).parent.parent / "docs"  # the guides live in the repository
    for guide in ("guide-ru.md", "guide-kk.md"):
        text = (docs / guide).read_text(encoding="utf-8")
        for image in re.findall(r"\(img/([\w-]+)\.png\)", text):
            made = image in PICTURES or image in SHOTS  # the workbooks', or the desk's
            assert made and (docs / "img" / f"{image}.png").exists(), (guide, image)


WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}  # fmt: skip


def test_every_path_the_demo_writes_is_legal_on_windows(demo):
    """Officers run Adal on Windows: no «<>:"/\\|?*», no trailing dot or space, no device
    name, no component past 120 characters."""
    root = demo.parent
    bad = []
    for path in root.rglob("*"):
        for part in path.relative_to(root).parts:
            stem = part.split(".")[0].upper()
            if (
                any(c in part for c in '<>:"\\\\|?*')
                or any(ord(c) < 32 for c in part)
                or part.endswith((".", " "))
                or stem in WINDOWS_RESERVED
                or len(part) > 120
            ):
                bad.append(str(path.relative_to(root)))
    assert not bad, bad[:10]


def _text(path) -> str:
    return "\n".join(t if k == "p" else "" for k, t in document_body(path))


def test_the_approver_signs_in_one_line_and_the_executor_is_a_person(demo):
    """Seen: «Руководитель отдела образования / ГУ «Отдел образования…»» on two lines, and
    an executor line naming a service, not someone to call."""
    ru = _text(demo / "report" / "3.1-reference-ru.docx")
    kk = _text(demo / "report" / "3.1-reference-kk.docx")
    assert "Руководитель ГУ «Отдел образования Коктерекского района»\n" in ru
    assert "«Көктерек ауданының білім бөлімі» ММ басшысы\n" in kk
    assert "Исполнитель: Д.М. Аскарова (кадровая служба отдела образования), тел. " in ru
    assert "Орындаған: Д.М. Асқарова (білім бөлімінің кадр қызметі), тел. " in kk


def test_completeness_names_the_types_in_the_plural(demo):
    """Seen: «Организация общего среднего образования: принято 84 % отчётов»."""
    ru = _text(demo / "report" / "3.1-reference-ru.docx")
    kk = _text(demo / "report" / "3.1-reference-kk.docx")
    assert re.search(
        r"Отчёты организаций общего среднего образования: принято \d+\u00a0% \(в срок", ru
    )
    assert re.search(r"Жалпы орта білім беру ұйымдары: есептердің \d+\u00a0%-ы қабылданды", kk)


def test_the_reference_says_who_sent_nothing_and_what_1_7_showed(demo):
    ru = _text(demo / "report" / "3.1-reference-ru.docx")
    kk = _text(demo / "report" / "3.1-reference-kk.docx")
    assert (
        "Не представили ни одного отчёта: Общеобразовательная школа №14, Ясли-сад «Карлыгаш»." in ru
    )
    assert "Бірде-бір есеп ұсынбаған ұйымдар:" in kk
    assert re.search(
        r"По пункту 1\.7 плана работ представлено публикаций об организациях — \d+", ru
    )
    assert re.search(r"1\.7-тармағы бойынша ұйымдар туралы \d+ жарияланым ұсынылды", kk)
    assert "Обращения и жалобы коррупционной направленности (независимо от результатов" in ru
    # a confirmed complaint about conduct is reported as what it is, with no risk level
    assert "Подтвердившиеся жалобы не коррупционной направленности (уровень коррупционного" in ru
    plan = _text(demo / "report" / "4.1-action-plan-ru.docx") + "\n".join(
        " | ".join(r) for k, t in document_body(demo / "report" / "4.1-action-plan-ru.docx")
        if k == "t" for r in t
    )  # fmt: skip
    assert (
        "не представивших ни одного отчёта для внутреннего анализа (Общеобразовательная школа №14, Ясли-сад «Карлыгаш»)"
        in plan
    )


def test_the_register_is_approved_and_signed_like_the_reference(demo):
    import openpyxl

    sheet = openpyxl.load_workbook(demo / "report" / "6.1-register.xlsx")["6.1"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "УТВЕРЖДАЮ" in cells and "БЕКІТЕМІН" in cells
    assert "Руководитель ГУ «Отдел образования Коктерекского района»" in cells
    assert "Председатель рабочей группы:" in cells and "Жұмыс тобының төрағасы:" in cells
    assert "Дата подписания: 8 декабря 2023 года" in cells
    measures = [c.value for c in sheet[10]]  # the header row, then a position per row
    assert any("(4.1)" in str(v) for v in measures)


def test_the_plan_keeps_rows_whole_and_its_area_column_holds_the_longest_word(demo):
    """Seen: «противодей / ствию» broken inside the narrow area column, and a last page
    holding only the tail of a row."""
    from docx.oxml.ns import qn

    for lang in ("kk", "ru"):
        document = docx.Document(str(demo / "report" / f"4.1-action-plan-{lang}.docx"))
        [table] = document.tables
        body = table.rows[1:]
        assert body and all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in body)
        for c, column in enumerate(table.columns):  # every column, not the area's alone
            words = [w for r in table.rows for w in re.split(r"[\s/-]", r.cells[c].text) if w]
            width_cm = column.width.cm - 0.4  # the cell's margins

            # Times 12 pt: a Cyrillic letter takes at most ~0.28 cm (Ш, Ж, Ұ are the widest),
            # a digit or a stop 0.22 cm
            def cm(word: str) -> float:
                return sum(0.22 if ch.isdigit() or ch in ".,;:()№«»" else 0.28 for ch in word)

            longest = max(words, key=cm)
            assert cm(longest) + 0.28 <= width_cm, (lang, c, longest)
