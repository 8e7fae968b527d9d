"""A small family of exceptions whose messages are bilingual and end with the fix.

The CLI prints `str(error)` and exits; nothing here ever reaches the user as a traceback.
"""

from __future__ import annotations


class AdalError(Exception):
    """Base error: `kk` and `ru` say what is wrong and how to fix it; `where` names the place."""

    code = "adal_error"
    exit_code = 1
    fields: dict = {}  # noqa: RUF012  what `of` filled the message with, as data

    def __init__(self, kk: str, ru: str, *, where: str = "") -> None:
        self.kk = kk
        self.ru = ru
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.kk}\n{prefix}{self.ru}"

    @classmethod
    def of(cls, code: str, /, *, where: str = "", **fields: object) -> AdalError:
        """The error whose words are the catalogue's message `code`; code that catches it
        decides by `error.code`, never by its wording."""
        from pipeline.core.messages import render

        message = render(code, **fields)
        error = cls(message.kk, message.ru, where=where)
        error.code = code
        error.fields = message.fields
        return error


class ConfigError(AdalError):
    """The campaign, the registry or a spec is wrong: the department must edit a file."""

    code = "config_error"


class WorkbookError(AdalError):
    """A received file cannot be read at all; `code` says why (stable, for reports)."""

    def __init__(self, code: str, kk: str, ru: str, *, where: str = "") -> None:
        self.code = code
        super().__init__(kk, ru, where=where)


class MailError(AdalError):
    """Mail could not be sent; the message names the server setting to check."""

    code = "mail_error"


class RefusedError(AdalError):
    """A command refused to act because acting could destroy what a person made (exit 2)."""

    code = "refused"
    exit_code = 2


class ImpossibleDateError(AdalError):
    """Dates that cannot be true together (a plan approved before the reference it follows
    was signed): nothing is written (exit 2)."""

    code = "impossible_date"
    exit_code = 2


class BusyError(AdalError):
    """Another Adal process holds what this command needs (an ingest on the same ledger)."""

    code = "busy"
    exit_code = 3


class LedgerError(AdalError):
    """The ledger's server cannot be reached or refuses the connection (exit 4): nothing
    was read or written."""

    code = "ledger"
    exit_code = 4


class DiskFullError(AdalError):
    """The disk (or the user's quota) is full: the command stops at once with one message
    instead of failing file after file; what was done stands, the next run goes on."""

    code = "disk_full"


def is_disk_full(exc: BaseException) -> bool:
    """No space left (ENOSPC) or the quota spent (EDQUOT), as the system reports it."""
    import errno

    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))
