"""Who has sent what: per organisation × return, and the reporting rate per type.

Timeliness is judged on the first time a return arrived (even with errors): a school that
sent on time and corrected later did report on time. The deadline is the campaign's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from pipeline import ledger
from pipeline.core.messages import known, render, text
from pipeline.core.numerals import ORGANISATION, QUERY, counted
from pipeline.core.text import Text
from pipeline.specs import layout as L
from pipeline.specs.nil_rule import NIL_STATE
from pipeline.specs.statuses import ReturnStatus, SheetStatus
from pipeline.specs.workspace import Workspace

STATES = tuple(ReturnStatus)
STATE_TEXT = {state: text(f"return_{state}") for state in ReturnStatus}

# a nil return accepted on time or late, as people read it
NIL_TEXT = {ReturnStatus.ACCEPTED: NIL_STATE, ReturnStatus.LATE: text("return_late_nil")}


@dataclass
class ReturnState:
    state: ReturnStatus
    received_at: str | None = None
    file: str | None = None
    sha256: str | None = None
    rows: int = 0
    errors: int = 0
    nil: bool = False  # a nil return: the organisation reported that it had no cases

    @property
    def text(self) -> str:
        """The state as people read it, a nil return named as such (status, workbook)."""
        if self.nil and self.state in NIL_TEXT:
            return NIL_TEXT[self.state].both
        return STATE_TEXT[self.state].both


def return_states(
    conn: ledger.Connection, workspace: Workspace
) -> dict[str, dict[str, ReturnState]]:
    """{bin: {return code: state}} for every organisation in the registry."""
    subs = ledger.submissions_in_order(conn)
    first: dict[tuple[str, str], ledger.Submission] = {}
    current: dict[tuple[str, str], ledger.Submission] = {}
    rejected: dict[tuple[str, str], ledger.Submission] = {}
    for sub in subs:
        key = (sub.bin, sub.return_code)
        first.setdefault(key, sub)
        if sub.status == SheetStatus.ACCEPTED:
            current[key] = sub
        elif sub.status == SheetStatus.REJECTED:
            rejected[key] = sub
    out: dict[str, dict[str, ReturnState]] = {}
    for org in workspace.organisations:
        states = {}
        for code, spec in workspace.collected.items():
            key = (org.bin, code)
            if org.type not in spec.applies_to:
                states[code] = ReturnState(ReturnStatus.NOT_APPLICABLE)
            elif key in current:
                sub = current[key]
                late = dt.datetime.fromisoformat(
                    first[key].received_at
                ).date() > workspace.campaign.deadline(code)
                states[code] = ReturnState(
                    ReturnStatus.LATE if late else ReturnStatus.ACCEPTED,
                    sub.received_at,
                    sub.original_name,
                    sub.sha256,
                    sub.row_count,
                    0,
                    sub.nil,
                )
            elif key in rejected:
                sub = rejected[key]
                states[code] = ReturnState(
                    ReturnStatus.REJECTED,
                    sub.received_at,
                    sub.original_name,
                    sub.sha256,
                    0,
                    sub.error_count,
                )
            else:
                states[code] = ReturnState(ReturnStatus.MISSING)
        out[org.bin] = states
    return out


def summary(
    workspace: Workspace, states: dict[str, dict[str, ReturnState]]
) -> dict[str, dict[str, float]]:
    """Counts per organisation type and the reporting rate (accepted + late over applicable)."""
    result = {}
    for org_type in workspace.campaign.org_types:
        counts: Counter[str] = Counter()
        for org in workspace.organisations:
            if org.type == org_type:
                counts.update(s.state for s in states[org.bin].values())
        applicable = sum(counts[s] for s in STATES if s != ReturnStatus.NOT_APPLICABLE)
        received = counts[ReturnStatus.ACCEPTED] + counts[ReturnStatus.LATE]
        nil = sum(
            s.nil
            for org in workspace.organisations
            if org.type == org_type
            for s in states[org.bin].values()
        )
        result[org_type] = {
            **{s: counts[s] for s in STATES},
            "nil": nil,
            "applicable": applicable,
            "rate": round(received / applicable, 4) if applicable else 0.0,
            "on_time_rate": round(counts[ReturnStatus.ACCEPTED] / applicable, 4)
            if applicable
            else 0.0,
        }
    return result


def status_json(workspace: Workspace, states: dict[str, dict[str, ReturnState]]) -> dict:
    orgs = [
        {
            "bin": o.bin,
            "name_kk": o.name.kk,
            "name_ru": o.name.ru,
            "type": o.type,
            "returns": {c: s.state for c, s in states[o.bin].items()},
            "nil": [c for c, s in states[o.bin].items() if s.nil],
        }
        for o in workspace.organisations
    ]
    return {
        "campaign": workspace.campaign.code,
        "organisations": orgs,
        "summary": summary(workspace, states),
    }


MARKS = {
    ReturnStatus.ACCEPTED: "✓",
    ReturnStatus.LATE: "К",
    ReturnStatus.REJECTED: "✗",
    ReturnStatus.MISSING: "·",
    ReturnStatus.NOT_APPLICABLE: " ",
}
"""A return's mark in the console's table; «К» (кеш) for late, explained under it."""


def status_lines(
    workspace: Workspace, data: dict, queries: list, measures: list[tuple[Text, int]]
) -> list[str]:
    """What `adal status` prints: an organisation per line with a mark per return, what
    the marks mean, the reporting rate per type, open queries and the measures' states."""
    codes = list(workspace.collected)
    lines = [f"{L.BIN_LABEL.kk + '/' + L.BIN_LABEL.ru:<13} {'':<34} "
             + " ".join(f"{c:>4}" for c in codes)]  # fmt: skip
    for org in data["organisations"]:
        marks = " ".join(f"{_mark(org, c):>4}" for c in codes)
        lines.append(f"{org['bin']:<13} {org['name_ru'][:34]:<34} {marks}")
    said = render("say_marks")
    lines += [said.kk, said.ru]
    for org_type, s in data["summary"].items():
        if not s["applicable"]:  # a type the district has none of
            continue
        short = render(f"say_short_{org_type}") if known(f"say_short_{org_type}") else None
        rate = render("say_rate", rate=percent(s["rate"]), on_time=percent(s["on_time_rate"]))
        lines.append(f"  {short.join('/') if short else org_type:<18} {rate.text}")
    if queries:
        asked = render(
            "say_open_queries",
            n=counted(len(queries), QUERY),
            orgs=counted(len({q.bin for q in queries}), ORGANISATION),
        )
        lines += [asked.kk, asked.ru]
    if measures:
        lines.append(
            f"{render('say_measures').text}: "
            + ", ".join(f"{label.both}: {n}" for label, n in measures)
        )
    return lines


def percent(share: float) -> Text:
    """«84%» in Kazakh, «84 %» in Russian, as each language's official texts write it."""
    written = f"{share:.0%}"
    return Text(written, written.replace("%", " %"))


def _mark(org: dict, code: str) -> str:
    """A return's mark in the status table; a nil return is «0» (late: «0К»)."""
    if code in org["nil"]:
        return "0К" if org["returns"][code] == ReturnStatus.LATE else "0"
    return MARKS[org["returns"][code]]
