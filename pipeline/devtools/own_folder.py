"""Folders Adal may rebuild: only those it made itself, never a campaign a person made.

`adal demo` and `adal bench` delete and rewrite their folders. Pointed at a real campaign
by mistake (`--root` defaults to `.`) they would take the archive, the ledger and the
registry with them, so each first claims its folder: missing, empty, or carrying the marker
it wrote when it made it. Anything else is refused and nothing is touched.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.core.errors import RefusedError

MARKER = ".adal-made"
_NOTE = (
    "This folder was made by `adal {what}`, which deletes and rebuilds it on every run.\n"
    "Delete this file to keep the folder: Adal will then refuse to touch it.\n"
)


def made_by_adal(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def _holds_files(folder: Path) -> bool:
    """Any file but Adal's own logs (written before any command runs) makes a folder taken."""
    logs = folder / "outbox" / "logs"
    return folder.is_dir() and any(
        not p.is_dir() and not p.is_relative_to(logs) for p in folder.rglob("*")
    )


def claim(folder: Path, what: str, *, also: tuple[Path, ...] = ()) -> None:
    """Make sure `folder` may be rebuilt by `adal <what>`, and mark it as ours.

    `also` are files outside the folder the command would replace (a `--db` elsewhere):
    those must not exist unless they sit inside a folder Adal made.
    """
    if _holds_files(folder) and not made_by_adal(folder):
        raise _refused(folder, what)
    for path in also:
        if path.exists() and not path.resolve().is_relative_to(folder.resolve()):
            raise _refused(path, what)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(_NOTE.format(what=what), encoding="utf-8")


def require_own(folder: Path, what: str) -> None:
    """For a command that writes made-up data (the demo's 5.1 reports): only into its own folder."""
    if not made_by_adal(folder):
        raise RefusedError.of("demo_folder_first", where=str(folder), what=what)


def _refused(path: Path, what: str) -> RefusedError:
    if path.is_file():  # a ledger given with --db
        return RefusedError.of("demo_refuses_foreign_file", where=str(path), what=what)
    return RefusedError.of("demo_refuses_foreign_folder", where=str(path), what=what)
