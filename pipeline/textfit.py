"""How many lines a text takes in a wrapped cell, so rows are set tall enough to show it.

Viewers do not always grow a row to its wrapped text (LibreOffice keeps a height Excel
wrote, Excel keeps one set by hand), so every writer sets heights itself. Widths are those
of Calibri 11, the workbooks' font, at 96 dpi, by class of character, and the text is
wrapped at spaces as a viewer wraps it; the estimate leans wide, since a row a line too
tall costs nothing and a row a line too short hides a word.
"""

from __future__ import annotations

COLUMN_PX = 7  # an Excel column-width unit: the width of a digit of Calibri 11
PADDING_PX = 5 + 4  # Excel's own column padding, and the cell's inner margins
LINE_PT = 15.0  # one line of Calibri 11

_NARROW = set("ilIjtfr.,;:'!|()[]{}-·«»\"ііІ ")
_WIDE = set("mwMWшщжмюыфЩШЖМЮЫФдДҚқҢңӨөҰұ@%—")


def char_px(char: str, bold: bool = False) -> float:
    if char in _NARROW:
        px = 3.5
    elif char in _WIDE:
        px = 9.0
    elif char.isdigit():
        px = 7.0
    elif char.isupper():
        px = 8.0
    else:
        px = 6.5
    return px * (1.08 if bold else 1.0)


def text_px(text: str, bold: bool = False) -> float:
    return sum(char_px(c, bold) for c in text)


def lines(text: str, width: float, bold: bool = False) -> int:
    """Lines `text` takes in a column `width` units wide, wrapped at spaces; a word longer
    than the line is broken where it runs out, as viewers do."""
    room = max(width * COLUMN_PX + 5 - PADDING_PX, 20)
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


def height(text: str, width: float, bold: bool = False, line: float = LINE_PT) -> float:
    """Row height in points for `text` wrapped in a column `width` units wide."""
    return line * lines(text, width, bold) + 3


def row_height(cells: list[tuple[str, float, bool]], minimum: float = LINE_PT) -> float:
    """The height a row needs for every cell in it: (text, column width, bold)."""
    return max([minimum, *(height(t, w, b) for t, w, b in cells if t)])
