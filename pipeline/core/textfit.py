"""How many lines a text takes in a wrapped cell, so rows are set tall enough to show it.

Viewers do not always grow a row to its wrapped text (LibreOffice keeps a height Excel
wrote, Excel keeps one set by hand), so every writer sets heights itself. Widths are read
from the font the cells use, Calibri 11 at 96 dpi — Calibri itself on Windows, Carlito
(metric-compatible) elsewhere — with fontTools; only where neither is installed are they
estimated by class of character, leaning wide. The text is wrapped at spaces as a viewer
wraps it.
"""

from __future__ import annotations

import logging
import os
from functools import cache, lru_cache
from itertools import repeat
from pathlib import Path

FONT = "Calibri"  # the font every cell Adal writes uses, and the one measured here
COLUMN_PX = 7  # an Excel column-width unit: the width of a digit of Calibri 11
PADDING_PX = 5 + 4  # Excel's own column padding, and the cell's inner margins
LINE_PT = 15.0  # one line of Calibri 11

_NARROW = set("ilIjtfr.,;:'!|()[]{}-·«»\"ііІ ")
_WIDE = set("mwMWшщжмюыфЩШЖМЮЫФдДҚқҢңӨөҰұ@%—")


_FONT_FILES = {
    False: ("calibri.ttf", "Carlito-Regular.ttf"),
    True: ("calibrib.ttf", "Carlito-Bold.ttf"),
}
_FONT_DIRS = (
    Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts",
    Path("/usr/share/fonts/truetype/crosextra"),
    Path("/usr/share/fonts/crosextra"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path("/Library/Fonts"),
)
SIZE_PX = 11 * 96 / 72  # Calibri 11 at 96 dpi
_MISSING_PX = 9.0  # a character the font has no glyph for: counted wide


@cache
def _advances(bold: bool) -> dict[int, float] | None:
    """Each character's advance in pixels, from the first Calibri or Carlito found."""
    for folder in _FONT_DIRS:
        for name in _FONT_FILES[bold]:
            path = folder / name
            if not path.is_file():
                continue
            try:
                from fontTools.ttLib import TTFont

                logging.getLogger("fontTools").setLevel(logging.ERROR)
                font = TTFont(str(path), lazy=True)
                scale = SIZE_PX / font["head"].unitsPerEm
                metrics = font["hmtx"].metrics
                return {
                    code: metrics[glyph][0] * scale for code, glyph in font.getBestCmap().items()
                }
            except Exception:  # a damaged font file: try the next, else estimate
                continue
    return None


def char_px(char: str, bold: bool = False) -> float:
    advances = _advances(bold)
    if advances is not None and ord(char) in advances:
        return advances[ord(char)]
    return _estimate_px(char, bold)


def _estimate_px(char: str, bold: bool = False) -> float:
    """Where no font file is installed: by class of character, leaning wide."""
    if char in _NARROW:
        px = 3.5
    elif char in _WIDE:
        px = 9.0
    elif char.isdigit():
        px = 7.0
    elif char.isupper():
        px = 9.0
    else:
        px = 7.5
    return px * (1.08 if bold else 1.0)


def text_px(text: str, bold: bool = False) -> float:
    advances = _advances(bold)
    if advances is None:
        return sum(_estimate_px(c, bold) for c in text)
    # one C-level pass: a character the font lacks counts as a wide one
    return sum(map(advances.get, map(ord, text), repeat(_MISSING_PX)))


def room_px(width: float) -> float:
    """The pixels a text has in a column `width` units wide, margins taken off."""
    return max(width * COLUMN_PX + 5 - PADDING_PX, 20)


@cache
def _widest_px(bold: bool) -> float:
    """The widest letter, digit or sign a cell is likely to hold: a text this many pixels
    per character wide fits on one line without measuring it."""
    return max(char_px(c, bold) for c in "WMЖШЩЮМЫФДҚҢӨҰ@%—mwжшщюыфдқңөұ")


def lines(text: str, width: float, bold: bool = False) -> int:
    """Lines `text` takes in a column `width` units wide, wrapped at spaces; a word longer
    than the line is broken where it runs out, as viewers do. A short text is known to fit
    without measuring: a consolidated sheet has hundreds of thousands of such cells."""
    if "\n" not in text:
        room = room_px(width)
        if len(text) * _widest_px(bold) <= room or text_px(text, bold) <= room:
            return 1
    return _measured_lines(text, width, bold)


@lru_cache(maxsize=65536)
def _measured_lines(text: str, width: float, bold: bool) -> int:
    """Cached: the same choice labels and names repeat thousands of times."""
    room = room_px(width)
    space = char_px(" ", bold)
    total = 0
    for paragraph in str(text).split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split(" "):
            size = text_px(word, bold)
            if used and used + space + size > room:
                count, used = count + 1, 0.0
            if size > room:  # broken inside the word
                extra, size = divmod(size, room)
                count += int(extra)
            used += (space if used else 0) + size
        total += count
    return total


def width_for_words(text: str, width: float, bold: bool = True) -> float:
    """`width`, or more where a word of `text` would not fit on one line of it: a header
    wraps between words, never inside one («Направле-ние»)."""
    longest = max((text_px(word, bold) for word in str(text).split()), default=0.0)
    return max(width, _units(longest))


def one_line_width(text: str, bold: bool = False) -> float:
    """The column width, in Excel's units, that shows `text` on one line."""
    return _units(text_px(text, bold))


def _units(px: float) -> float:
    """The whole column width, in Excel's units, whose room holds `px` pixels of text (the
    cell's padding, less the 5 px Excel adds to every width, plus 2 px of slack)."""
    return -(-(px + PADDING_PX - 5 + 2) // COLUMN_PX)


def height(text: str, width: float, bold: bool = False, line: float = LINE_PT) -> float:
    """Row height in points for `text` wrapped in a column `width` units wide."""
    return height_of_lines(lines(text, width, bold), line)


def height_of_lines(count: int, line: float = LINE_PT) -> float:
    """Row height in points for `count` lines of text."""
    return line * count + 3


class ColumnLines:
    """Lines of the texts of one column, each distinct text measured once: a consolidated
    sheet repeats its organisations' names, choice labels and services hundreds of
    thousands of times. Up to `limit` texts are kept (memory bounded by the data)."""

    def __init__(self, width: float, bold: bool = False, limit: int = 200_000) -> None:
        self.width, self.bold, self.limit = width, bold, limit
        self.seen: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        count = self.seen.get(text)
        if count is None:
            count = lines(text, self.width, self.bold)
            if len(self.seen) < self.limit:
                self.seen[text] = count
        return count


def row_height(cells: list[tuple[str, float, bool]], minimum: float = LINE_PT) -> float:
    """The height a row needs for every cell in it: (text, column width, bold)."""
    return max([minimum, *(height(t, w, b) for t, w, b in cells if t)])
