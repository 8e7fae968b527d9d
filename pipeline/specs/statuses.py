"""The words Adal's stages pass each other about where things stand — a sheet in a file, a
file, a return of an organisation. String enums: they compare equal to the words stored in
the ledger and printed by `--json`, so those contracts do not change."""

from __future__ import annotations

from enum import StrEnum


class SheetStatus(StrEnum):
    """One sheet of a received file; the last three are stored as a submission's status."""

    PENDING = "pending"
    EMPTY = "empty"
    NOT_APPLICABLE = "not_applicable"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class FileStatus(StrEnum):
    """One received file, as `adal ingest` answers it."""

    ACCEPTED = "accepted"
    PARTIAL = "partial"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    NOT_READ = "not_read"
    HELD = "held"


class ReturnStatus(StrEnum):
    """One return of one organisation, as `adal status` and the workbooks show it."""

    ACCEPTED = "accepted"  # on time
    LATE = "late"
    REJECTED = "rejected"  # only with errors so far
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"
