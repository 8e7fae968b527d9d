"""What happened to one received file: the record ingest keeps, the correction workbook
writer reads and `--json` prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.core.ids import mask_ids_in_text
from pipeline.core.messages import render
from pipeline.specs.problems import Problem
from pipeline.specs.statuses import FileStatus, SheetStatus


@dataclass
class FileOutcome:
    """What happened to one received file; `as_json` is the `--json` contract."""

    name: str
    sha256: str
    status: FileStatus
    received_at: str
    bin: str | None = None
    returns: dict[str, SheetStatus] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    feedback: str | None = None
    archive: str | None = None
    nil: list[str] = field(default_factory=list)  # returns accepted as nil ("no data")

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def queries(self) -> int:
        """Questions on accepted data: the sender is asked to confirm or correct."""
        return sum(p.severity == "query" for p in self.problems)

    def as_json(self) -> dict:
        return {
            "file": mask_ids_in_text(self.name),
            "sha256": self.sha256,
            "status": self.status,
            "errors": self.errors,
            "warnings": sum(p.severity == "warning" for p in self.problems),
            "queries": self.queries,
            "bin": self.bin,
            "received_at": self.received_at,
            "returns": self.returns,
            "nil": self.nil,
            "messages": [
                mask_ids_in_text(f"{p.where}: {p.message.both}" if p.where else p.message.both)
                for p in self.problems
            ],
            "problems": [p.as_dict() for p in self.problems],
            "feedback": self.feedback,
            "archive": self.archive,
        }


SHOWN_ALL = 50
"""Up to this many files every one is listed; past it, only those with something to say."""
STATUSES = (FileStatus.ACCEPTED, FileStatus.PARTIAL, FileStatus.REJECTED, FileStatus.DUPLICATE,
            FileStatus.NOT_READ, FileStatus.HELD)  # fmt: skip


def outcome_lines(workspace, outcomes: list[FileOutcome]) -> list[str]:
    """What `adal ingest` prints: a line per file (its state, its errors, its name with any
    IIN masked), its nil returns and first problems, then the totals."""
    names = {status: render(f"say_file_{status}").join("/") for status in STATUSES}
    shown = (
        outcomes
        if len(outcomes) <= SHOWN_ALL
        else [o for o in outcomes if o.status not in (FileStatus.ACCEPTED, FileStatus.DUPLICATE)]
    )
    lines = []
    if len(shown) < len(outcomes):
        lines.append(f"  {render('say_not_shown').text}: {len(outcomes) - len(shown)}")
    late = render("say_file_late").join("/")
    errors = render("say_errors").join("/")
    for o in shown:
        said = late if _late(workspace, o) else names[o.status]
        lines.append(f"  {said:<24} {errors}: {o.errors:<4} {mask_ids_in_text(o.name)}")
        if o.nil:
            lines.append(f"      {render('nil_return', codes=', '.join(o.nil)).text}")
        lines += [f"      {p.message.join()}" for p in o.problems if not p.cell][:3]
    totals = {s: sum(o.status == s for o in outcomes) for s in names}
    lines.append(
        f"{render('say_total').text}: "
        + ", ".join(f"{names[s]}: {n}" for s, n in totals.items() if n)
    )
    return lines


def _late(workspace, outcome: FileOutcome) -> bool:
    """Accepted after a return's deadline: said so at once, as `status` will show it."""
    if outcome.status != FileStatus.ACCEPTED or not outcome.received_at:
        return False
    received = dt.datetime.fromisoformat(outcome.received_at).date()
    plans = workspace.campaign.returns
    return any(
        str(state) == "accepted" and code in plans and received > plans[code].deadline
        for code, state in outcome.returns.items()
    )
