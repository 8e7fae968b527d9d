"""What a return sheet with no data rows means, in words, written once from the spec.

The sheet note, the instruction sheet and the message a sender gets all take their
sentence from here, keyed by the spec's `nil:` kind (`spec.NIL_KINDS`), so the three can
never say different things again.
"""

from __future__ import annotations

from pipeline.core.messages import Message, render, text
from pipeline.core.text import Text
from pipeline.specs.layout import NIL_YES
from pipeline.specs.returns import ReturnSpec


def _said(message: Message) -> Text:
    return Text.of(message)


RULE: dict[str, Text] = {
    kind: _said(render(f"nil_rule_{kind}", yes=NIL_YES))
    for kind in ("empty_sheet", "mark", "never")
}
"""One sentence per kind: what the school does when it has nothing to report."""

NIL_STATE = text("nil_state")
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
            which = "nil_rule_sheets" if many else "nil_rule_sheet"
            line = render(which, names=names, rule=Text(_lower(rule.kk), _lower(rule.ru)))
            lines.append(_said(line))
    return lines


def _lower(sentence: str) -> str:
    """A rule after a colon in a running line starts in lower case."""
    return sentence[:1].lower() + sentence[1:]
