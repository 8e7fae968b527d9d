"""What a return sheet with no data rows means, in words, written once from the spec.

The sheet note, the instruction sheet and the message a sender gets all take their
sentence from here, keyed by the spec's `nil:` kind (`spec.NIL_KINDS`), so the three can
never say different things again.
"""

from __future__ import annotations

from .bilingual import Text
from .layout import NIL_YES
from .spec import ReturnSpec

RULE: dict[str, Text] = {
    "empty_sheet": Text(
        "Кезеңде деректер болмаса, парақты бос қалдырыңыз: бос парақ нөлдік есеп "
        "(«деректер жоқ») ретінде қабылданады.",
        "Если данных за период нет, оставьте лист пустым: пустой лист принимается как "
        "нулевой отчёт («данных нет»).",
    ),
    "mark": Text(
        f"Кезеңде деректер болмаса, сары ұяшықта «{NIL_YES.kk}» таңдаңыз; "
        "белгісіз бос парақ қабылданбайды.",
        f"Если данных за период нет, выберите в жёлтой ячейке «{NIL_YES.ru}»; "
        "пустой лист без этой отметки не принимается.",
    ),
    "never": Text(
        "Парақты толтыру міндетті: бос парақ қабылданбайды.",
        "Лист обязателен к заполнению: пустой лист не принимается.",
    ),
}
"""One sentence per kind: what the school does when it has nothing to report."""

NIL_STATE = Text("деректер жоқ", "данных нет")
"""How a nil return is named wherever a state is shown (status, workbook, reference)."""


def sheet_note(spec: ReturnSpec) -> Text:
    """The note under a sheet's title: how to fill it, then what an empty sheet means."""
    rule = RULE[spec.nil]
    return Text(f"{spec.description.kk} {rule.kk}", f"{spec.description.ru} {rule.ru}")


def instruction_lines(specs: list[ReturnSpec]) -> list[Text]:
    """The instruction sheet's lines on empty sheets: one per kind in use, naming its sheets."""
    lines = []
    for kind in RULE:
        sheets = [s.sheet for s in specs if s.nil == kind]
        if sheets:
            rule = RULE[kind]
            names = ", ".join(sheets)
            many = len(sheets) > 1
            lines.append(
                Text(
                    f"{names} {'парақтары' if many else 'парағы'}: {rule.kk}",
                    f"{'Листы' if many else 'Лист'} {names}: {rule.ru}",
                )
            )
    return lines
