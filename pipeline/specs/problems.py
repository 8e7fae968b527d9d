"""A problem found in a received file: one record, whatever found it.

Reports are data: ingest, the ledger, the feedback workbook and `--json` all carry the
same `Problem`, so a message reads the same wherever the person meets it.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.core.chars import CONTROLS
from pipeline.core.ids import birth_date
from pipeline.core.messages import Message, kind, label, render
from pipeline.core.text import Text
from pipeline.specs.campaign import Period
from pipeline.specs.normalise import MAX_YEAR, MIN_YEAR
from pipeline.specs.returns import Column, Rule


@dataclass
class Problem:
    code: str
    kk: str
    ru: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    column_key: str = ""
    cell: str = ""
    value: str = ""
    level: str = ""  # "query": the data may be right but contradict themselves (a rule says)
    fields: dict[str, Any] = field(default_factory=dict)
    """What the message was filled with, as data: the ledger keeps it, `--json` shows it."""

    @classmethod
    def of(cls, message: Message, **where: Any) -> Problem:
        """The problem a rendered message states, at a place (file, sheet, cell…)."""
        return cls(message.code, message.kk, message.ru, fields=message.fields, **where)

    @property
    def message(self) -> Text:
        """What the problem says, in each language."""
        return Text(self.kk, self.ru)

    @property
    def severity(self) -> str:
        """error: the return cannot be right and is not accepted; query: it is accepted and
        the sender is asked to confirm or correct; warning: told, nothing to do."""
        return "query" if self.level else kind(self.code)

    @property
    def where(self) -> str:
        parts = [self.file, self.sheet, f"{self.cell or ''}" if self.cell else ""]
        if self.row and not self.cell:
            parts.append(f"{label('label_row_lower')} {self.row}")
        if self.column:
            parts.append(self.column)
        return " · ".join(p for p in parts if p)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "severity": self.severity}


def _pandas_missing(value: Any) -> bool:
    """pandas' NaT or NA. Without pandas imported no value can be either: the commands
    that only read the ledger (`status`) start without it."""
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NaT or value is pd.NA)


def shown(value: Any) -> str:
    """A value as the person would recognise it in their cell (an empty one as empty: pandas
    reports a missing date as NaT, which claims to be a datetime but has no time)."""
    if value is None or _pandas_missing(value):
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):  # the year in four digits, as Excel shows 0023
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return CONTROLS.sub("", str(value))[:200]


def cell_problem(
    code: str,
    column: Column,
    value: Any,
    *,
    period: Period | None = None,
    rule: Rule | None = None,
    first: int | str | None = None,
    received: dt.date | None = None,
) -> Problem:
    """Render a cell-level problem with everything its message needs to say what is expected.
    A choice the sender picked is shown as they saw it in the list, never as its code."""
    picked = next((c for c in column.choices if isinstance(value, str) and c.code == value), None)
    text = picked.label.both if picked is not None else shown(value)
    expected = "; ".join(c.label.both for c in column.choices[:6]) + (
        f"; {label('label_more_in_list')}" if len(column.choices) > 6 else ""
    )  # never «…»: a message that trails off says half of what it means
    if code == "pattern":
        expected = column.pattern_help.both if column.pattern_help else column.pattern
    fields: dict[str, Any] = {
        "value": text,
        "expected": expected,
        "min": column.min,
        "max": column.max_length if code == "too_long" else column.max,
        "length": len(value) if isinstance(value, str) else len(text),  # shown is cut at 200
        "start": f"{period.start:%d.%m.%Y}" if period else "",
        "end": f"{period.end:%d.%m.%Y}" if period else "",
        "first": first,
        "received": f"{received:%d.%m.%Y}" if received else "",
        "born": f"{born:%d.%m.%Y}" if (born := birth_date(text)) else "",
        "min_year": MIN_YEAR,
        "max_year": MAX_YEAR,
        "kk": rule.message.kk if rule else "",
        "ru": rule.message.ru if rule else "",
    }
    message = render(code, **fields)
    return Problem.of(
        message,
        column=column.label.both,
        column_key=column.key,
        value=text,
        level="query" if rule is not None and rule.severity == "query" else "",
    )
