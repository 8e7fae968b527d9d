"""The guide's pictures of the desk, taken in Debian's Chromium from the demo district.

`make docs` runs it after the workbook pictures: the demo into a temporary folder, the
desk served on loopback, and each page shot at the common office screen (1366×768). A
developer tool: it needs Playwright (a dev dependency) and `/usr/bin/chromium`.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from pipeline.desk.serve import in_thread
from pipeline.devtools.docs_pictures import build_demo_folder
from pipeline.specs.workspace import Paths

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DAY = dt.date(2023, 11, 20)
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU"}  # the demo's collection, five days after the deadline

# picture name: (language, page address, the whole page or the screen only)
SHOTS = {
    "desk-board-kk": ("kk", "/", False),
    "desk-board-ru": ("ru", "/", False),
    "desk-organisation-ru": ("ru", "/org/{bin}", False),
    "desk-drop-kk": ("kk", "/drop", False),
    "desk-outputs-ru": ("ru", "/outputs", True),
    "desk-letters-kk": ("kk", "/letters", False),
}


def shoot(root: Path, out: Path) -> list[Path]:
    """Every picture of `SHOTS` of the desk over the demo folder `root`, into `out`."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    made = []
    with in_thread(Paths(root), DAY) as (desk, base), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pages = {}
        for lang, locale in LOCALES.items():  # date fields as an office PC shows them
            pages[lang] = browser.new_page(viewport={"width": 1366, "height": 768}, locale=locale)
            pages[lang].goto(f"{base}/?token={desk.token}&lang={lang}")
        org = pages["kk"].get_attribute("table.board tbody a", "href").rsplit("/", 1)[-1]
        for name, (lang, address, whole) in SHOTS.items():
            page = pages[lang]
            page.goto(f"{base}{address.format(bin=org)}")
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=whole)
            made.append(target)
        browser.close()
    return made


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs/img")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "demo"
        failed = build_demo_folder(root)
        if failed:
            return failed
        for path in shoot(root, out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
