"""What each page of the desk shows, gathered from the same library functions the commands
call (`status`, the ledger, the outbox): plain data, no web framework, so the pages and
their tests read the campaign exactly as `adal status` does."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import ledger
from pipeline.core.errors import AdalError
from pipeline.core.grammar import Number
from pipeline.core.messages import render, text
from pipeline.core.numerals import ORGANISATION, WORKING_DAY
from pipeline.core.text import BASE_LANGUAGES, Text
from pipeline.core.workdays import calendar_for
from pipeline.letters.mail import KINDS
from pipeline.specs.plan import read_plan
from pipeline.specs.statuses import FileStatus, ReturnStatus
from pipeline.specs.workspace import Paths, Workspace, open_workspace
from pipeline.tracking.status import MARKS, STATE_TEXT, return_states, summary
from pipeline.workbooks.consolidate import NIL_COLOUR, STATE_COLOUR, output_path

NOT_APPLICABLE_COLOUR = "#FFFFFF"


@dataclass(frozen=True)
class Cell:
    """One organisation's one return on the board, as `status` marks and colours it."""

    code: str
    state: ReturnStatus
    nil: bool
    said: Text
    mark: str
    colour: str


@dataclass
class Board:
    codes: list[str]
    titles: dict[str, Text]
    rows: list[dict]
    rates: list[dict]
    deadlines: list[dict]
    next_step: Text
    queries: int


def cell(code: str, state, nil: bool) -> Cell:
    """A return's mark, text and colour: the console's marks, the workbook's colours."""
    if nil and state in (ReturnStatus.ACCEPTED, ReturnStatus.LATE):
        mark = "0К" if state == ReturnStatus.LATE else "0"
        said = text("return_late_nil") if state == ReturnStatus.LATE else text("nil_state")
        return Cell(code, state, True, said, mark, NIL_COLOUR[state])
    colour = STATE_COLOUR.get(state, NOT_APPLICABLE_COLOUR)
    return Cell(code, state, False, STATE_TEXT[state], MARKS[state].strip(), colour)


def states_of(workspace: Workspace):
    """Every return's state and the open queries, read in one snapshot of the ledger."""
    conn = ledger.connect(workspace.paths.ledger)
    try:
        with ledger.snapshot(conn):
            return return_states(conn, workspace), ledger.open_queries(conn), _feedback_owed(conn)
    finally:
        conn.close()


def _feedback_owed(conn) -> set[str]:
    """Organisations with a correction workbook or a refused file and no letter about it."""
    sent = {m.bin for m in ledger.letters(conn) if m.kind == "feedback" and m.status == "sent"}
    return {f.bin for f in ledger.files_with_errors(conn) if f.bin and f.bin not in sent}


def board(workspace: Workspace, today: dt.date) -> Board:
    """The first page: organisations × returns, the rates per type, the deadlines and the
    one next step."""
    states, queries, owed = states_of(workspace)
    codes = list(workspace.collected)
    rows = [
        {
            "org": org,
            "cells": [cell(c, states[org.bin][c].state, states[org.bin][c].nil) for c in codes],
        }
        for org in workspace.organisations
    ]
    rates = [
        {"type": workspace.campaign.org_types[t], "rate": s["rate"], "on_time": s["on_time_rate"]}
        for t, s in summary(workspace, states).items()
        if s["applicable"]
    ]
    return Board(
        codes,
        {c: s.title for c, s in workspace.collected.items()},
        rows,
        rates,
        deadlines(workspace, today),
        next_step(workspace, states, owed),
        len(queries),
    )


def deadlines(workspace: Workspace, today: dt.date) -> list[dict]:
    """Each deadline of the plan once, with the returns due then and the working days left."""
    calendar = calendar_for(workspace.campaign)
    by_day: dict[dt.date, list[str]] = {}
    for code in workspace.collected:
        by_day.setdefault(workspace.campaign.deadline(code), []).append(code)
    out = []
    for day, codes in sorted(by_day.items()):
        if day < today:
            left = text("desk_deadline_passed")
        elif day == today:
            left = text("desk_deadline_today")
        else:
            left = render("desk_deadline_left", n=Number(calendar.count(today, day), WORKING_DAY))
        out.append({"day": day, "codes": codes, "left": left, "passed": day < today})
    return out


def next_step(workspace: Workspace, states, owed: set[str]) -> Text:
    """The one thing to do now, in the plan's order: chase the missing returns, answer
    the files with errors, then consolidate, write the report, follow the monitoring."""
    if not workspace.organisations:
        return text("desk_next_registry")
    missing = {
        b
        for b, per in states.items()
        for s in per.values()
        if s.state in (ReturnStatus.MISSING, ReturnStatus.REJECTED)
    }
    if owed:
        return render("desk_next_feedback", n=Number(len(owed), ORGANISATION))
    if missing:
        return render("desk_next_reminders", n=Number(len(missing), ORGANISATION))
    if not output_path(workspace, with_personal_data=False).exists():
        return text("desk_next_consolidate")
    if read_plan(workspace.paths.outbox) is None:
        return text("desk_next_report")
    return text("desk_next_monitoring")


@dataclass
class OrgPage:
    org: object
    cells: list[Cell]
    titles: dict[str, Text]
    files: list[dict] = field(default_factory=list)
    queries: list = field(default_factory=list)
    letters: list = field(default_factory=list)


def organisation(workspace: Workspace, bin_: str) -> OrgPage | None:
    """An organisation's page: its returns, its files in order with every problem, its
    open queries, its correction workbooks and the letters sent to it."""
    org = workspace.by_bin.get(bin_)
    if org is None:
        return None
    conn = ledger.connect(workspace.paths.ledger)
    try:
        with ledger.snapshot(conn):
            states = return_states(conn, workspace)[bin_]
            files = [
                {
                    "file": f,
                    "problems": ledger.stored_problems(conn, f.id),
                    "feedback": inside(workspace.paths.outbox, f.feedback_path),
                }
                for f in ledger.files_of(conn, bin_)
            ]
            queries = [q for q in ledger.open_queries(conn) if q.bin == bin_]
            letters = ledger.letters(conn, bin_)
    finally:
        conn.close()
    cells = [cell(c, s.state, s.nil) for c, s in states.items()]
    titles = {c: s.title for c, s in workspace.collected.items()}
    return OrgPage(org, cells, titles, files, queries, letters)


def inside(outbox: Path, path: str | None) -> str | None:
    """A file's path inside the outbox, as the desk's download address takes it; None for
    a file elsewhere (the desk serves nothing outside the outbox)."""
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(outbox.resolve()).as_posix()
    except ValueError:
        return None


FILE_STATE = {status: text(f"say_file_{status}") for status in FileStatus}


@dataclass(frozen=True)
class Output:
    """A file the desk offers to download: its path inside the outbox and what it is."""

    path: str
    name: str
    size: int
    modified: dt.datetime
    what: Text


OUTPUT_PLACES = ("consolidated-*.xlsx", "report/*.*", "report/*/*.*", "*.xlsx")
OFFERED = (".xlsx", ".docx", ".pdf", ".txt")  # plan.json is Adal's own record, not a document
WHAT = (  # the file's place in the outbox → what it is, as the plan names it
    ("report/3.2-publication/", "desk_out_publication"),
    ("report/3.1-reference", "desk_out_reference"),
    ("report/4.1-action-plan", "desk_out_plan"),
    ("report/6.1-register", "desk_out_register"),
    ("consolidated-", "desk_out_consolidated"),
)
PERSONAL = "-personal"  # the consolidated workbook with full IINs (`--with-personal-data`)
MONITORING = "report/5.1-monitoring/"  # one template per organisation: listed apart


def outputs(paths: Paths) -> list[Output]:
    """The workbooks and documents of the campaign, as the outbox holds them (the mail,
    the logs and the archive are not offered here)."""
    found: dict[Path, Output] = {}
    for pattern in OUTPUT_PLACES:
        for path in sorted(paths.outbox.glob(pattern)):
            if path.is_file() and path.suffix in OFFERED and not path.name.startswith((".", "~$")):
                rel = path.relative_to(paths.outbox).as_posix()
                stat = path.stat()
                when = dt.datetime.fromtimestamp(stat.st_mtime)
                found[path] = Output(rel, path.name, stat.st_size, when, _what(rel))
    return sorted(found.values(), key=lambda o: o.path)


def _what(path: str) -> Text:
    """What a file is, and in which language when it is one of a pair («-kk», «-ru»); the
    workbook with full IINs says so, so it is never taken for the one to send on."""
    if Path(path).stem.endswith(PERSONAL):
        return text("desk_out_personal")
    what = text(next((code for start, code in WHAT if path.startswith(start)), "desk_out_other"))
    language = Path(path).stem.rsplit("-", 1)[-1]
    if language in BASE_LANGUAGES:
        return Text.of(
            {k: f"{v} ({text(f'desk_out_in_{language}').get(k)})" for k, v in what.items()}
        )
    return what


@dataclass(frozen=True)
class Draft:
    kind: str
    organisation: Text | None
    recipient: str
    subject: str
    attachments: list[str]
    path: str


def drafts(workspace: Workspace) -> dict[str, list[Draft]]:
    """The letters written for review, by kind: recipient (the organisation its file is
    named after), subject, attachments."""
    outbox, names = workspace.paths.outbox, workspace.by_bin
    out: dict[str, list[Draft]] = {}
    for kind in KINDS:
        folder = outbox / "mail" / kind
        out[kind] = [_draft(kind, p, outbox, names) for p in sorted(folder.glob("*.eml"))]
    return out


def _draft(kind: str, path: Path, outbox: Path, names: dict) -> Draft:
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    attached = [part.get_filename() or "" for part in message.iter_attachments()]
    org = names.get(path.stem.split("-")[0])
    return Draft(
        kind,
        org.name if org else None,
        str(message.get("To", "")),
        str(message.get("Subject", "")),
        [a for a in attached if a],
        path.relative_to(outbox).as_posix(),
    )


def sent_log(paths: Paths) -> list:
    conn = ledger.connect(paths.ledger)
    try:
        with ledger.snapshot(conn):
            return ledger.letters(conn)
    finally:
        conn.close()


def settings(paths: Paths) -> list[AdalError]:
    """campaign.yaml, the specs and the registry checked as every command checks them:
    each problem with what it says and where to fix it."""
    try:
        open_workspace(paths)
    except AdalError as exc:
        return [exc]
    return []
