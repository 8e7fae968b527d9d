"""The state of each measure of the signed plan for each organisation (5.1 monitoring).

One rule (`judge`) for `status`, the consolidated workbook's 5.1 sheet and last year's
measures read back from an export. Plain Python over the 5.1 reports' records: `status`
answers without pandas.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline import ledger
from pipeline.core.messages import text
from pipeline.specs.plan import Plan

MONITORING = "5.1"
STATE_TEXT = {
    state: text(f"measure_{state}")
    for state in ("done", "done_late", "in_progress", "overdue", "not_reported")
}
STATE_COLOUR = {
    "done": "#C6EFCE",
    "done_late": "#FCE4D6",
    "overdue": "#FFC7CE",
    "in_progress": "#FFEB9C",
}


@dataclass
class MeasureState:
    bin: str
    no: str
    deadline: dt.date
    state: str
    done_on: dt.date | None = None
    evidence: str = ""


def reports(conn: ledger.Connection) -> list[dict]:
    """The accepted 5.1 execution reports' rows, each with its organisation's BIN."""
    out = []
    for sheet in ledger.accepted_sheets(conn, MONITORING):
        for row in ledger.decode_rows(sheet.excel_rows, sheet.columns):
            out.append({"bin": sheet.bin, **row})
    return out


def states(plan: Plan, records: Iterable[dict[str, Any]], today: dt.date) -> list[MeasureState]:
    """Each organisation's state on each measure of the plan it reports on (`judge`)."""
    latest = {(r["bin"], str(r.get("measure_no"))): r for r in records}
    out = []
    for m in plan.measures:
        if m.by_department:  # the department's own step: no organisation reports on it
            continue
        for bin_ in m.orgs:
            row = latest.get((bin_, m.no)) or {}
            done_on = day(row.get("done_on"))
            state = judge(m.deadline, plan.monitoring_end, row.get("status"), done_on, today)
            done = state.startswith("done")
            out.append(
                MeasureState(
                    bin_,
                    m.no,
                    m.deadline,
                    state,
                    done_on if done else None,
                    (row.get("evidence") or "") if done else "",
                )
            )
    return out


def judge(
    deadline: dt.date,
    monitoring_end: dt.date,
    status: str | None,
    done_on: dt.date | None,
    today: dt.date,
) -> str:
    """A measure's state for one organisation on `today`: done if reported done by its
    deadline, done_late if after it; otherwise overdue once the deadline (or the monitoring
    year) passed, else in progress or not yet reported. One rule for this year's monitoring
    sheet and for last year's measures read back from an export."""
    if status == "done":
        return "done_late" if done_on and done_on > deadline else "done"
    if today > deadline or today > monitoring_end:
        return "overdue"
    return "in_progress" if isinstance(status, str) and status else "not_reported"


def day(value: Any) -> dt.date | None:
    """A reported date as a day, whatever held it: ISO text from the ledger, a date, a
    pandas Timestamp; nothing (None, NaN, NaT) as None."""
    if value is None or value == "" or _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def _missing(value: Any) -> bool:
    if isinstance(value, float) and value != value:
        return True
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NaT or value is pd.NA)
