"""What happened to one received file: the record ingest keeps, the correction workbook
writer reads and `--json` prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.core.ids import mask_ids_in_text
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
