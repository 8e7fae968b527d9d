"""`adal ingest`: every file in `inbox/` gets an answer, nothing is lost, the batch never dies.

Order of work, chosen so that a crash at any point is completed by the next run:
read and check a chunk of files (no side effects, in worker processes) → one ledger
transaction per file → move the original into the archive → write its feedback → mark it
archived; the next chunk is read meanwhile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from loguru import logger

from pipeline import ledger
from pipeline.core import clock
from pipeline.core.errors import DiskFullError, is_disk_full
from pipeline.core.messages import render
from pipeline.core.progress import Progress, silent
from pipeline.files.atomic import remove_stale_parts
from pipeline.files.safety import Limits
from pipeline.intake.batch import BatchContext, read_and_check
from pipeline.intake.feedback import FeedbackWriter, write_feedback
from pipeline.intake.inbox import (
    Item,
    NotRead,
    archive_path,
    collect,
    move_into,
    readable,
    safe_name,
    saved_at,
)
from pipeline.intake.mailbox import received_times
from pipeline.intake.outcome import FileOutcome
from pipeline.intake.parse import ParsedFile
from pipeline.specs.problems import Problem
from pipeline.specs.statuses import FileStatus, SheetStatus
from pipeline.specs.workspace import Workspace

Reader = Callable[[list[Item]], Iterable[list[ParsedFile]]]


def _file_status(parsed: ParsedFile) -> FileStatus:
    statuses = [s.status for s in parsed.sheets]
    if SheetStatus.ACCEPTED in statuses or SheetStatus.SUPERSEDED in statuses:
        return FileStatus.PARTIAL if SheetStatus.REJECTED in statuses else FileStatus.ACCEPTED
    return FileStatus.REJECTED


def _record(
    conn: ledger.Connection, workspace: Workspace, pf: ParsedFile, now: dt.datetime
) -> tuple[int, FileOutcome]:
    item = pf.item
    target = archive_path(
        workspace.paths.archive,
        workspace.campaign.code,
        pf.bin if pf.org_type else None,
        item.received_at,
        item.sha256,
        item.stored_name,
    )
    received = item.received_at.isoformat(timespec="seconds")
    with ledger.transaction(conn):
        _keep_earlier_data(conn, pf)
        status = _file_status(pf)
        problems = pf.all_problems
        errors = sum(p.severity == "error" for p in problems)
        for p in problems:
            p.file = item.name
        file_id = ledger.insert_file(
            conn,
            ledger.FileRecord(
                sha256=item.sha256,
                original_name=item.name,
                size=item.size,
                received_at=received,
                ingested_at=now.isoformat(timespec="seconds"),
                bin=pf.bin,
                sender=item.sender or None,
                container=readable(item.container.name) if item.container else None,
                status=status,
                error_count=errors,
                warning_count=len(problems) - errors,
                archive_path=str(target),
            ),
        )
        sheet_ids = _record_sheets(conn, workspace, pf, file_id, received)
        ledger.insert_problems(conn, file_id, problems, sheet_ids)
        ledger.record_arrival(
            conn, item.sha256, item.name, now.isoformat(timespec="seconds"), "new", str(target)
        )
    returns = {s.spec_code: s.status for s in pf.sheets}
    nil = [s.spec_code for s in pf.sheets if s.nil and s.status == SheetStatus.ACCEPTED]
    outcome = FileOutcome(
        item.name,
        item.sha256,
        status,
        received,
        pf.bin,
        returns,
        problems,
        archive=str(target),
        nil=nil,
    )
    return file_id, outcome


def _record_sheets(
    conn: ledger.Connection, workspace: Workspace, pf: ParsedFile, file_id: int, received: str
) -> dict[str, int]:
    """A submission per return sheet that was decided (accepted, rejected or superseded),
    its rows kept when accepted; each sheet then takes the state the ledger gives it (a
    later version already in makes this one superseded). Sheet name → submission id."""
    decided = (SheetStatus.ACCEPTED, SheetStatus.REJECTED, SheetStatus.SUPERSEDED)
    sheets = [s for s in pf.sheets if s.status in decided]
    subs = []
    for sheet in sheets:
        spec = workspace.specs[sheet.spec_code]
        sub = {
            "bin": pf.bin,
            "return_code": spec.code,
            "spec_version": spec.version,
            "sheet": sheet.rows.sheet,
            "received_at": received,
            "status": sheet.status,
            "nil": sheet.nil and not sheet.rows.excel_rows,
            "error_count": sum(p.severity == "error" for p in sheet.rows.problems),
            "row_count": len(sheet.rows.excel_rows),
        }
        subs.append((sub, sheet.rows.stored if sheet.status == SheetStatus.ACCEPTED else None))
    ids = ledger.insert_submissions(conn, file_id, subs)
    for sheet, (sub, _) in zip(sheets, subs, strict=True):
        sheet.status = sub["recorded"]
    return {sheet.rows.sheet: i for sheet, i in zip(sheets, ids, strict=True)}


def _workbook_owed(outcome: FileOutcome) -> bool:
    """A correction workbook was due and could not be written (a folder Adal may not write
    to, a disk gone): the file stays unfinished, so the next run writes it, instead of the
    sender never getting one. `""` is a workbook that can never be made (the sender's file
    itself cannot be rewritten): then the letter carries the list of errors alone."""
    due = (outcome.errors or outcome.queries) and outcome.bin
    return bool(due) and outcome.feedback is None


def _in_arrival_order(items: list[Item]) -> tuple[list[Item], dict[str, tuple]]:
    """By received time; files sharing one are ordered by when they were saved (read from
    the file only for those, so an unchanged inbox costs nothing more). Also returned: the
    (received, saved) moment of each file that shares its received time, to tell ties."""
    shared = Counter(i.received_at for i in items)
    moments = {i.sha256: _arrival_order(i) for i in items if shared[i.received_at] > 1}
    ordered = sorted(items, key=lambda i: moments.get(i.sha256, (i.received_at,)))
    return ordered, {sha: order[:2] for sha, order in moments.items()}


def _tell_ties(pf: ParsedFile, moments: dict[str, tuple], taken: dict[tuple, str]) -> None:
    """Two files of one organisation received and saved in the same second cannot be told
    apart by time: the later by name is taken, and its sender and the officer are told."""
    moment = moments.get(pf.item.sha256)
    if moment is None or not pf.bin or moment[1] == dt.datetime.min:
        return
    other = taken.get((pf.bin, moment))
    if other is not None:
        pf.problems.append(_problem("same_time_tie", other=other))
    taken[(pf.bin, moment)] = pf.item.name


def _arrival_order(item: Item) -> tuple:
    """Files with one received time (`--received`, or two attachments of one e-mail or zip)
    are taken in the order they were last saved, so a school's corrected file comes after
    its first one, whatever their names."""
    saved = saved_at(item.path)
    if saved is None and item.container is None:
        try:
            saved = clock.from_timestamp(item.path.stat().st_mtime)
        except OSError:
            saved = None
    return (item.received_at, saved or dt.datetime.min, item.name)


def _keep_earlier_data(conn: ledger.Connection, pf: ParsedFile) -> None:
    """A sheet merely left empty (no yellow mark) never wipes out rows accepted before: it
    is recorded as superseded, and the sender is told the earlier data stand."""
    received = pf.item.received_at.isoformat(timespec="seconds")
    for sheet in pf.sheets:
        if sheet.rows.excel_rows or sheet.marked:
            continue
        errors = [p.code for p in sheet.rows.problems if p.severity == "error"]
        left_empty = (sheet.status == SheetStatus.ACCEPTED and sheet.nil) or (
            sheet.status == SheetStatus.REJECTED and errors and set(errors) == {"empty_sheet"}
        )
        earlier = left_empty and ledger.accepted_with_rows(conn, pf.bin, sheet.spec_code, received)
        if earlier:
            when = dt.datetime.fromisoformat(earlier)
            notice = _problem("nil_kept_earlier", code=sheet.spec_code, received=f"{when:%d.%m.%Y}")
            notice.sheet = sheet.rows.sheet
            sheet.rows.problems = [p for p in sheet.rows.problems if p.code != "empty_sheet"]
            sheet.rows.problems.append(notice)
            sheet.status, sheet.nil = SheetStatus.SUPERSEDED, False


def stored_problems(conn: ledger.Connection, file_id: int) -> list[Problem]:
    """A file's problems as recorded (an earlier round's file read again: `--again`)."""
    return ledger.stored_problems(conn, file_id)


def _finish(
    conn: ledger.Connection, workspace: Workspace, row: ledger.StoredFile, source: Path | None
) -> str | None:
    """Move the original into the archive, write its feedback, mark it done (idempotent)."""
    target = Path(row.archive_path)
    if source is not None and source.exists():
        _move(source, target, row.original_name)
    feedback, failed = None, False
    problems = stored_problems(conn, row.id)
    if target.exists() and _answered_by_workbook(problems) and row.bin:
        try:
            feedback = write_feedback(
                target,
                problems,
                workspace.paths.outbox / "feedback" / row.bin,
                row.original_name,
                row.sha256,
            )
        except OSError as exc:  # one file's trouble stays its own: it is tried again next run
            if is_disk_full(exc):
                raise  # every next file would fail alike: the run stops, said once
            logger.exception("could not write the correction workbook for {}", row.original_name)
            failed = True
    if target.exists() and not failed:
        ledger.mark_archived(conn, row.id, str(feedback) if feedback else None)
    return str(feedback) if feedback else None


def _answered_by_workbook(problems: list[Problem]) -> bool:
    """Errors to fix or data to confirm: both are answered with a correction workbook, on
    the first run and on the run that completes a killed one alike."""
    return any(p.severity in ("error", "query") for p in problems)


def _known(
    conn: ledger.Connection,
    workspace: Workspace,
    item: Item,
    row: ledger.StoredFile,
    now: dt.datetime,
    *,
    copy: bool = False,
) -> FileOutcome:
    """A file whose hash the ledger knows: finish an interrupted run, or record a duplicate
    (`copy`: a second copy of a file this very run recorded, three attachments of one
    workbook in one e-mail were three «accepted» before)."""
    if not copy and row.archived and _same_arrival(row, item):
        return _left_in_its_container(conn, item, row)
    if not row.archived and _ours(workspace, row):
        feedback = _finish(conn, workspace, row, item.path)
        outcome = _as_recorded(conn, item, row, feedback)
        if not Path(row.archive_path).exists():  # still could not be moved
            outcome.problems.append(_not_moved(item.name))
        return outcome
    stamp = now.strftime("%Y%m%dT%H%M%S")
    target = (
        workspace.paths.archive
        / workspace.campaign.code
        / "_duplicates"
        / f"{stamp}-{item.sha256[:12]}-{Path(item.path).name}"
    )
    if item.container is not None and not item.path.exists():
        not_moved = None  # Adal's own unpacked copy, already taken: the e-mail is archived whole
    else:
        not_moved = _move(item.path, target, item.name)
    ledger.record_arrival(
        conn,
        item.sha256,
        item.name,
        now.isoformat(timespec="seconds"),
        FileStatus.DUPLICATE,
        str(target),
    )
    first = dt.datetime.fromisoformat(row.received_at)
    message = render("duplicate_file", received=f"{first:%d.%m.%Y %H:%M}")
    problem = Problem.of(message, file=item.name)
    return FileOutcome(
        item.name,
        item.sha256,
        FileStatus.DUPLICATE,
        item.received_at.isoformat(timespec="seconds"),
        row.bin,
        {},
        [problem, *([not_moved] if not_moved else [])],
        None,
        str(target),
    )


def _same_arrival(row: ledger.StoredFile, item: Item) -> bool:
    """The recorded file is this very attachment: a run killed after recording it, before
    moving its e-mail or zip out of the inbox, left the container to be unpacked again."""
    return (
        item.container is not None
        and row.container == readable(item.container.name)
        and row.received_at == item.received_at.isoformat(timespec="seconds")
    )


def _left_in_its_container(
    conn: ledger.Connection, item: Item, row: ledger.StoredFile
) -> FileOutcome:
    """Answered as recorded (never «duplicate»: its sender's answer was not yet given); the
    unpacked copy is Adal's own, so it goes, and the container follows into the archive."""
    item.path.unlink(missing_ok=True)
    return _as_recorded(conn, item, row, row.feedback_path)


def _as_recorded(
    conn: ledger.Connection, item: Item, row: ledger.StoredFile, feedback: str | None
) -> FileOutcome:
    """The answer the ledger holds for a recorded file: its state, returns and problems."""
    return FileOutcome(
        item.name,
        item.sha256,
        row.status,
        row.received_at,
        row.bin,
        ledger.returns_of_file(conn, row.id),
        stored_problems(conn, row.id),
        feedback,
        row.archive_path,
    )


def repair(conn: ledger.Connection, workspace: Workspace) -> None:
    """Complete what a killed run left half done: archived files not yet marked as such.
    On a shared server only this folder's files, and only those no other run is finishing."""
    for row in ledger.unarchived(conn):
        if (
            _ours(workspace, row)
            and Path(row.archive_path).exists()
            and ledger.claim(conn, row.sha256)
        ):
            _finish(conn, workspace, row, None)


def _ours(workspace: Workspace, row: ledger.StoredFile) -> bool:
    """A record archived into this campaign folder (officers sharing a server ledger each
    have their own folder; one never moves files into another's)."""
    return Path(row.archive_path).is_relative_to(workspace.paths.archive)


def _claimed(
    conn: ledger.Connection,
    workspace: Workspace,
    items: list[Item],
    elsewhere: list[str] | None = None,
) -> list[Item]:
    """The files this run takes. On a shared server ledger another officer's run may be on
    the same inbox: a file it holds is left to it (named in `elsewhere`, so the officer is
    told, not shown an empty inbox), and one it finished meanwhile is not answered twice."""
    if not ledger.is_server(workspace.paths.ledger):
        return items
    taken = []
    for item in items:
        if not ledger.claim(conn, item.sha256):
            logger.info("{} is being read by another run", item.name)
            if elsewhere is not None:
                elsewhere.append(item.name)
        elif _still_there(item):
            taken.append(item)
    return taken


def _still_there(item: Item) -> bool:
    if item.container is not None and not item.container.exists():
        return False
    return item.path.exists() and item.still_as_listed()


def ingest(
    workspace: Workspace,
    *,
    received: dt.datetime | None = None,
    limits: Limits | None = None,
    now: dt.datetime | None = None,
    progress: Progress = silent,
    reader: Reader | None = None,
    jobs: int = 1,
    accept_from: frozenset[str] = frozenset(),
    again: tuple[str, ...] = (),
    elsewhere: list[str] | None = None,
) -> list[FileOutcome]:
    """Ingest the whole inbox and return one outcome per file found there.

    `again` names files already recorded (by original name or the start of their SHA-256)
    that the officer wants read anew, after fixing the registry for example: the archived
    original is copied back into the inbox (the archive keeps it) and its old record retired.

    A workbook of one organisation sent from the address of another is held in the inbox
    (not recorded) until the officer accepts that sender (`accept_from`).

    `reader` reads and checks the new files and hands them over chunk by chunk (in
    process by default; `parallel.parallel_reader` uses every core), so the ledger is
    written while the next chunk is still being read.
    """
    now = now or clock.now()
    limits = limits or Limits()
    if not ledger.is_server(workspace.paths.ledger):
        Path(workspace.paths.ledger).parent.mkdir(parents=True, exist_ok=True)
    with ledger.one_writer(workspace.paths.ledger):
        try:
            return _ingest(
                workspace,
                received,
                limits,
                now,
                progress,
                reader,
                jobs,
                accept_from,
                again,
                elsewhere,
            )
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            place = getattr(exc, "filename", None) or workspace.paths.root
            raise DiskFullError.of("disk_full", place=place) from None


def _ingest(
    workspace: Workspace,
    received: dt.datetime | None,
    limits: Limits,
    now: dt.datetime,
    progress: Progress,
    reader: Reader | None,
    jobs: int,
    accept_from: frozenset[str],
    again: tuple[str, ...] = (),
    elsewhere: list[str] | None = None,
) -> list[FileOutcome]:
    conn = ledger.connect(workspace.paths.ledger)
    try:
        alone = not ledger.is_server(workspace.paths.ledger)  # `one_writer` holds the folder
        remove_stale_parts(workspace.paths.outbox / "feedback", alone=alone)
        repair(conn, workspace)
        unknown = [_read_again(conn, workspace, which, now) for which in again]
        staging = _staging(workspace)
        items, containers, not_read = collect(
            workspace.paths.inbox, staging, received, limits, received_times(workspace)
        )
        outcomes: list[FileOutcome] = [o for o in unknown if o is not None]
        outcomes += [
            _not_read(n.name, n.reason, now) for n in not_read if _still_ours(workspace, n)
        ]
        fresh, copies, seen = [], [], set()
        for item in _claimed(conn, workspace, items, elsewhere):
            row = ledger.file_by_sha(conn, item.sha256)
            if row is not None:
                outcomes.append(_known(conn, workspace, item, row, now))
            elif item.sha256 in seen:
                copies.append(item)  # a second copy in this batch: a duplicate once the first is in
            else:
                seen.add(item.sha256)
                fresh.append(item)
        fresh, moments = _in_arrival_order(fresh)
        taken: dict[tuple, str] = {}
        chunks = (
            reader(fresh) if reader else [read_and_check(fresh, BatchContext.of(workspace, limits))]
        )
        recorded = []
        with FeedbackWriter(workspace.paths.outbox, jobs) as feedback:
            for chunk in chunks:
                for pf in chunk:
                    if not pf.item.still_as_listed():  # gone or still being copied: next run
                        outcomes.append(_not_read(pf.item.name, "changed", now))
                        continue
                    if pf.sent_for and pf.item.sender.lower() not in accept_from:
                        outcomes.append(_held(workspace, pf, now))
                        continue
                    _tell_ties(pf, moments, taken)
                    try:
                        file_id, outcome = _record(conn, workspace, pf, now)
                    except ledger.AlreadyRecorded:  # another run was first: its record stands
                        row = ledger.file_by_sha(conn, pf.item.sha256)
                        outcomes.append(_known(conn, workspace, pf.item, row, now))
                        continue
                    _archive(pf.item.path, outcome)  # only after its commit
                    feedback.submit(outcome)  # other processes write while the ledger goes on
                    recorded.append((file_id, outcome))
                    progress(len(recorded), len(fresh))
        with ledger.transaction(conn):
            for file_id, outcome in recorded:
                if not Path(outcome.archive).exists():  # the next run moves it first
                    continue
                if _workbook_owed(outcome):  # the next run writes it (`repair`)
                    outcome.problems.append(_problem("feedback_not_written", outcome.name))
                    continue
                ledger.mark_archived(conn, file_id, outcome.feedback or None)
        now_held = ledger.returns_of_files(conn, [file_id for file_id, _ in recorded])
        for file_id, outcome in recorded:  # a later file of this batch may have superseded it
            outcome.returns.update(now_held[file_id])
        outcomes += [o for _, o in recorded]
        for item in copies:  # the same workbook twice in one batch: a duplicate
            row = ledger.file_by_sha(conn, item.sha256)
            outcomes.append(_known(conn, workspace, item, row, now, copy=True))
        _archive_containers(workspace, containers)
        return outcomes
    finally:
        conn.close()


def _move(source: Path, target: Path, name: str) -> Problem | None:
    """Move a file into the archive; if it cannot be moved (open in Excel on a Windows
    share), it stays in the inbox and the next run moves it: a warning, not a stop."""
    try:
        move_into(source, target)
    except OSError as exc:
        if is_disk_full(exc):  # a copy across disks: the run stops, said once
            raise
        logger.info("could not move {} into the archive: {}", name, exc)  # said in the outcome
        return _not_moved(name)
    return None


def _problem(which: str, name: str = "", **fields: object) -> Problem:
    message = render(which, **fields)
    return Problem.of(message, file=name)


def _not_read(name: str, reason: str, now: dt.datetime) -> FileOutcome:
    """A file that could not be read this time: not recorded, left in place, read next run."""
    problem = _problem("not_read", name, detail=reason)
    stamp = now.isoformat(timespec="seconds")
    return FileOutcome(name, "", FileStatus.NOT_READ, stamp, problems=[problem])


def _read_again(
    conn: ledger.Connection, workspace: Workspace, which: str, now: dt.datetime
) -> FileOutcome | None:
    """Put an archived original back into the inbox to be read anew; None when done."""
    rows = [r for r in ledger.files_named(conn, which) if Path(r.archive_path).exists()]
    if not rows:
        problem = _problem("again_not_found", which, wanted=which)
        return FileOutcome(
            which, "", FileStatus.NOT_READ, now.isoformat(timespec="seconds"), problems=[problem]
        )
    for row in rows:
        name = Path(safe_name(row.original_name))
        copy, n = workspace.paths.inbox / name, 2
        while copy.exists():
            copy, n = workspace.paths.inbox / f"{name.stem} ({n}){name.suffix}", n + 1
        workspace.paths.inbox.mkdir(parents=True, exist_ok=True)
        shutil.copy2(row.archive_path, copy)
        when = clock.aware(dt.datetime.fromisoformat(row.received_at)).timestamp()
        os.utime(copy, (when, when))  # received when it first arrived, not today
        with ledger.transaction(conn):
            ledger.retire(conn, row.id)
    return None


def _held(workspace: Workspace, pf: ParsedFile, now: dt.datetime) -> FileOutcome:
    """Kept in the inbox, not recorded: the officer decides (`ingest --accept-from`)."""
    names = workspace.by_bin
    problem = _problem(
        "held_sender",
        pf.item.name,
        sender=pf.item.sender,
        owner=names[pf.sent_for].name.ru,
        owner_kk=names[pf.sent_for].name.kk,
        org=names[pf.bin].name.ru,
        org_kk=names[pf.bin].name.kk,
    )
    return FileOutcome(
        pf.item.name,
        pf.item.sha256,
        FileStatus.HELD,
        now.isoformat(timespec="seconds"),
        pf.bin,
        problems=[problem],
    )


def _not_moved(name: str) -> Problem:
    return _problem("not_moved", name)


def _archive(source: Path, outcome: FileOutcome) -> None:
    """A recorded file into the archive, only after its ledger commit."""
    problem = _move(source, Path(outcome.archive), outcome.name)
    if problem:
        outcome.problems.append(problem)


def _empty(folder: Path) -> bool:
    try:
        return folder.is_dir() and not any(folder.iterdir())
    except OSError:
        return False


def _staging(workspace: Workspace) -> Path:
    """Where saved e-mails and zips are unpacked. On a shared server ledger each run has its
    own folder: a second run on the same inbox must not unpack over the first one's copies."""
    staging = workspace.paths.archive / ".staging"
    return staging / str(os.getpid()) if ledger.is_server(workspace.paths.ledger) else staging


def _still_ours(workspace: Workspace, not_read: NotRead) -> bool:
    """A file that vanished while this run listed the inbox was taken by another officer's
    run on a shared ledger, which answers it; on a file ledger it is answered here."""
    return not ledger.is_server(workspace.paths.ledger) or not_read.path.exists()


def _archive_containers(workspace: Workspace, containers: dict[Path, list[Item]]) -> None:
    """Saved e-mails and zips go to the archive once all their workbooks are in; empty
    subfolders of the inbox are removed (never a file)."""
    for container, items in containers.items():
        if container.exists() and all(not i.path.exists() for i in items):
            received = items[0].received_at if items else dt.datetime.now()
            kind = {".eml": "_mail", ".zip": "_zip"}.get(container.suffix.lower(), "_renamed")
            target = (
                workspace.paths.archive
                / workspace.campaign.code
                / kind
                / f"{received:%Y%m%dT%H%M%S}-{container.name}"
            )
            _move(container, target, container.name)
    staging = _staging(workspace)
    if ledger.is_server(workspace.paths.ledger):
        # this run's own unpacked copies: what it did not take another run holds, and the
        # containers they came from stay in the inbox to be unpacked again
        shutil.rmtree(staging, ignore_errors=True)
        if _empty(staging.parent):
            with contextlib.suppress(OSError):  # another run has just made its own
                staging.parent.rmdir()
    elif staging.exists() and not any(p.is_file() for p in staging.rglob("*")):
        shutil.rmtree(staging, ignore_errors=True)
    for folder in sorted((p for p in workspace.paths.inbox.rglob("*") if p.is_dir()), reverse=True):
        if folder.is_symlink():  # a link to a folder elsewhere: not ours to remove
            continue
        try:
            if not any(folder.iterdir()):
                folder.rmdir()
        except OSError:  # in use, or gone meanwhile: it may stay
            logger.warning("could not remove the empty folder {}", folder)
