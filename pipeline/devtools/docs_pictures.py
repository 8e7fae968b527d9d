"""The officer's guide's pictures, rendered from the demo as a person sees each output.

`make docs` runs the demo district into a temporary folder, has LibreOffice print the
chosen workbooks and documents to PDF, and keeps one page of each as a PNG in `docs/img/`.
Remade whenever the outputs change, so the guide never shows an old screen. A developer
tool, like the bench: it needs `soffice` and `pdftoppm` (poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

# picture name: (path inside the demo folder, sheet to show or None for a document, page
# (a number, or the first page with this text), share of the page's height kept from the top)
PICTURES: dict[str, tuple[str, str | None, int | str, float]] = {
    "template": ("outbox/templates/*.xlsx", "1.1", 1, 0.45),
    "instructions": ("outbox/templates/*.xlsx", "Нұсқаулық-Инструкция", 1, 1.0),
    "correction": ("outbox/feedback/*/*.xlsx", "Қателер-Ошибки", 1, 0.3),
    "completeness": ("outbox/consolidated-*.xlsx", "Толықтық-Полнота", 1, 1.0),
    "risk-map": ("outbox/consolidated-*.xlsx", "Тәуекел картасы-Карта рисков", 1, 1.0),
    "reference-ru": ("outbox/report/3.1-reference-ru.docx", None, 1, 1.0),
    "reference-kk": ("outbox/report/3.1-reference-kk.docx", None, 1, 1.0),
    "action-plan-ru": ("outbox/report/4.1-action-plan-ru.docx", None, 1, 1.0),
    "register": ("outbox/report/6.1-register.xlsx", "6.1", 1, 1.0),
    # the second year (the demo's 2024 campaign, compared with 2023)
    "comparison": ("2024/outbox/consolidated-*.xlsx", "2.1 салыстыру-сравнение", 1, 0.7),
    "comparison-ru": ("2024/outbox/report/3.1-reference-ru.docx", None, "По показателям (", 1.0),
    "comparison-kk": (
        "2024/outbox/report/3.1-reference-kk.docx",
        None,
        "Көрсеткіштер бойынша (",
        1.0,
    ),
}


def render(root: Path, out: Path, dpi: int = 80) -> list[Path]:
    """Every picture of `PICTURES` from a demo folder `root`, as PNG files in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for name, (pattern, sheet, page, keep) in PICTURES.items():
            source = sorted(root.glob(pattern))[0]
            copy = work / f"{name}{source.suffix}"
            if sheet is None:
                shutil.copy(source, copy)
            else:
                _only_sheet(source, sheet, copy)
            pdf = _to_pdf(copy, work)
            number = page if isinstance(page, int) else _page_with(pdf, page)
            made.append(_page_png(pdf, number, out / f"{name}.png", dpi, keep))
    return made


def _only_sheet(source: Path, sheet: str, target: Path) -> None:
    """A copy holding `sheet` alone, so that LibreOffice prints only it (it prints a hidden
    sheet that has a print area, so hiding the others is not enough)."""
    book = openpyxl.load_workbook(source)
    for other in list(book.worksheets):
        if other.title != sheet:
            book.remove(other)
    book.active = 0
    book.worksheets[0].sheet_view.tabSelected = True
    book.save(target)


def _to_pdf(path: Path, work: Path) -> Path:
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{work}/.lo", "--convert-to",
         "pdf", "--outdir", str(work), str(path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return path.with_suffix(".pdf")


def _page_with(pdf: Path, text: str) -> int:
    """The first page of `pdf` whose text holds `text` (a section starts where it starts)."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          timeout=120)  # fmt: skip
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    return next((i for i, page in enumerate(pages, 1) if text in page), 1)


def _page_png(pdf: Path, page: int, target: Path, dpi: int, keep: float) -> Path:
    """One page as PNG; `keep` < 1 crops to the top of the page, where a short sheet is."""
    stem = target.with_suffix("")
    crop = []
    if keep < 1:  # A4 is 11.7 inches tall, 8.3 wide; a sheet may be turned
        crop = ["-x", "0", "-y", "0", "-W", str(int(11.7 * dpi)), "-H", str(int(11.7 * dpi * keep))]
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), *crop,
         "-singlefile", str(pdf), str(stem)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return target


def build_demo_folder(root: Path) -> int:
    """The demo district at `root`, run as an officer runs it: the `adal` command in its own
    process. Its exit code; what went wrong is on stderr."""
    command = [sys.executable, "-c", "from pipeline.cli import main; main()"]
    done = subprocess.run([*command, "--root", str(root), "demo"], capture_output=True)
    if done.returncode:
        sys.stderr.write(done.stderr.decode("utf-8", "replace"))
    return done.returncode


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs/img")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "demo"
        failed = build_demo_folder(root)
        if failed:
            return failed
        for path in render(root, out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
