"""What a return sheet with no data rows means, in words, written once from the spec.

The sheet note, the instruction sheet and the message a sender gets all take their
sentence from here, keyed by the spec's `nil:` kind (`spec.NIL_KINDS`), so the three can
never say different things again.
"""

from __future__ import annotations

from pipeline.core.text import Text
from pipeline.specs.layout import NIL_YES
from pipeline.specs.returns import ReturnSpec

RULE: dict[str, Text] = {
    "empty_sheet": Text(
        "Кезеңде деректер болмаса, парақты бос қалдырыңыз. Бос парақ нөлдік есеп "
        "(«деректер жоқ») ретінде қабылданады.",
        "Если данных за период нет, оставьте лист пустым. Пустой лист принимается как "
        "нулевой отчёт («данных нет»).",
    ),
    "mark": Text(
        f"Кезеңде деректер болмаса, сары ұяшықтан «{NIL_YES.kk}» мәнін таңдаңыз; "
        "мұндай белгі қойылмаған бос парақ қабылданбайды.",
        f"Если данных за период нет, выберите в жёлтой ячейке «{NIL_YES.ru}»; "
        "пустой лист без этой отметки не принимается.",
    ),
    "never": Text(
        "Толтыру міндетті, бос парақ қабылданбайды.",
        "Заполнение обязательно, пустой лист не принимается.",
    ),
}
"""One sentence per kind: what the school does when it has nothing to report."""

NIL_STATE = Text("нөлдік есеп", "нулевой отчёт")
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
                    f"{names} {'парақтары' if many else 'парағы'}: {_lower(rule.kk)}",
                    f"{'Листы' if many else 'Лист'} {names}: {_lower(rule.ru)}",
                )
            )
    return lines


def _lower(sentence: str) -> str:
    """A rule after a colon in a running line starts in lower case."""
    return sentence[:1].lower() + sentence[1:]
