"""What every `adal` command shares: logging set up once at the entry point, and the guard
that turns any failure into a bilingual message instead of a traceback."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from functools import wraps
from pathlib import Path

import click

from pipeline.cli.click_words import speak_kazakh_and_russian
from pipeline.core.errors import AdalError
from pipeline.core.ids import mask_ids_in_text
from pipeline.core.messages import render
from pipeline.core.progress import Progress
from pipeline.specs.workspace import Paths


def _masked(record) -> None:
    """A sender's file name may carry an IIN («Иванов 850102300014.xlsx»): no log keeps it."""
    record["message"] = mask_ids_in_text(record["message"])


def setup_logging(paths: Paths, verbose: bool) -> None:
    from loguru import logger  # not to print help: each command sets up its log here

    logger.remove()
    logger.configure(patcher=_masked)
    logger.add(
        sys.stderr,
        level="DEBUG" if verbose else "WARNING",
        format="{level}: {message}",
        filter=lambda record: record["exception"] is None and record["extra"].get("console", True),
    )
    # tracebacks without the values of variables: a log holds no IIN a sheet carried and no
    # password a server URL did
    global _LOG
    _LOG = DailyLog(paths.outbox / "logs", paths.campaign_file)
    logger.add(_LOG, level="DEBUG", diagnose=False)
    sys.unraisablehook = _quietly


def _quietly(unraisable) -> None:
    """An error Python can only print (a half-written zip closed when it is collected, on a
    full disk) goes to the log, never as a traceback after the command's own message."""
    from loguru import logger

    logger.opt(exception=unraisable.exc_value).debug("ignored: {}", unraisable.err_msg)


_LOG: DailyLog | None = None


def log_beside(output: Path) -> None:
    """Logs go where the command's own output goes: `adal rollup` works on no campaign and
    wrote its log into whatever folder it was started from."""
    if _LOG is not None:
        _LOG.stop()
        _LOG.folder, _LOG.campaign_file = output.parent / "logs", None


class DailyLog:
    """The command's log, one file a day in the campaign's `outbox/logs`, opened on the first
    message only (a command refused in a folder that holds no campaign leaves no trace in it). A log that cannot be written (a full disk, a
    folder made read-only) is told once on the console and never stops the command: loguru
    printed its own traceback for every message instead, fifteen of them on a full disk."""

    def __init__(self, folder: Path, campaign_file: Path | None) -> None:
        self.folder = folder
        self.campaign_file = campaign_file
        self.handle = None
        self.day = ""
        self.failed = False

    def write(self, message) -> None:
        if self.failed:
            return
        day = message.record["time"].strftime("%Y-%m-%d")
        try:
            if self.handle is None or day != self.day:
                self.stop()
                if self.campaign_file and not self.campaign_file.is_file():  # no trace in it
                    return
                self.folder.mkdir(parents=True, exist_ok=True)
                self.handle = open(self.folder / f"adal-{day}.log", "a", encoding="utf-8")  # noqa: SIM115
                self.day = day
            self.handle.write(message)
            self.handle.flush()
        except OSError as exc:
            self.failed = True
            where = getattr(exc, "filename", None) or self.folder
            with contextlib.suppress(OSError, ValueError):
                click.echo(render("log_write_failed", where=where).text, err=True)

    def stop(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()
            self.handle = None


@contextlib.contextmanager
def progress_bar(label: str, quiet: bool = False) -> Iterator[Progress]:
    """A bar on stderr while a long command works, only when a person watches a terminal:
    nothing for `--json`, a redirected output or a short job."""
    watched = not quiet and sys.stderr.isatty()
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if not watched or total < 2:
            return
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(max(done - bar.pos, 0))

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def friendly(func):
    """Known errors print their bilingual message; anything else is logged, not dumped."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from loguru import logger

        try:
            return func(*args, **kwargs)
        except AdalError as exc:
            logger.bind(console=False).info("stopped ({}): {}", exc.code, exc.ru)  # for the log
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("\n" + render("interrupted").text, err=True)
            sys.exit(130)
        except OSError as exc:  # an output open in Excel, a full disk
            logger.exception("could not write")
            where = getattr(exc, "filename", None) or str(exc)
            click.echo(render("file_write_failed", where=where).text, err=True)
            sys.exit(1)
        except Exception:  # the last guard of a user-facing command
            logger.exception("unexpected error")
            click.echo(render("command_failed").text, err=True)
            sys.exit(2)

    return wrapper


def _tolerant_console() -> None:
    """A console whose encoding lacks Kazakh letters (cp1251 when an officer redirects
    output to a file on Windows, cp866 in an old console) shows «?» for them instead of
    ending the command with an encoding error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # closed or detached: nothing shown
                reconfigure(errors="replace")


OPTIONS_METAVAR = "[ПАРАМЕТРЛЕР/ПАРАМЕТРЫ]"


class BilingualCommand(click.Command):
    """A command whose usage line names its options in Kazakh and Russian."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class BilingualGroup(click.Group):
    """click's own usage errors (a mistyped option or value) get a bilingual first line and
    the command to ask for help, before click's detail."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "КОМАНДА ...")
        super().__init__(*args, **kwargs)
        self.command_class = BilingualCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order they are declared, which is the order of the work."""
        return list(self.commands)

    def main(self, *args, **kwargs):
        kwargs.pop("standalone_mode", None)
        _tolerant_console()
        speak_kazakh_and_russian()
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # plain `adal`: the help is the answer
                click.echo(exc.format_message())
                sys.exit(0)
            command = exc.ctx.command_path if exc.ctx else "adal"
            wrong = render("command_wrong", detail=exc.format_message())
            click.echo(f"{wrong.text}\n{render('say_help').text}: {command} --help", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(render("aborted").text, err=True)
            sys.exit(1)
