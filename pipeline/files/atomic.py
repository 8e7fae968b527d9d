"""Every output written whole, or not at all.

openpyxl, xlsxwriter, python-docx and pyarrow write in place: a kill or a full disk midway
left a consolidated workbook that is not a zip, a 0-byte reference, a Parquet file Arrow
cannot read. Each writes to a temporary name in the same folder instead; only a complete,
flushed file is renamed into place, so the previous output stays as it was until then.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path


def _part(target: Path) -> Path:
    """Beside the target, hidden, its suffix kept (a writer may look at it); unique to its
    writer, so two threads of one process writing one name never share it (two files
    dropped on the desk at once under the same name)."""
    return target.with_name(
        f".{target.stem}.{secrets.token_hex(4)}.{os.getpid()}.part{target.suffix}"
    )


@contextlib.contextmanager
def written(target: Path) -> Iterator[Path]:
    """A temporary path to write `target` to; renamed into place when the block ends well,
    removed when it does not. An OS error names the target, not the temporary file."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = _part(target)
    try:
        yield part
        with open(part, "rb+") as handle:  # on disk before it replaces the previous one
            os.fsync(handle.fileno())
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def created(target: Path) -> Iterator[Path]:
    """As `written`, but the target must not exist yet: a complete file is linked into
    place, never over another (`FileExistsError`: choose another name). The name is not
    reserved by an empty file first, so a killed writer leaves no 0-byte workbook behind,
    only its hidden temporary file (`remove_stale_parts`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = _part(target)
    try:
        yield part
        with open(part, "rb+") as handle:
            os.fsync(handle.fileno())
        _link(part, target)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
    finally:
        part.unlink(missing_ok=True)


def _link(part: Path, target: Path) -> None:
    """Into place only if free; a disk without hard links (a FAT flash drive, some network
    shares) is checked first instead, which is enough for one writer per name."""
    try:
        os.link(part, target)
    except FileExistsError:
        raise
    except OSError:
        if target.exists():
            raise FileExistsError(17, "exists", str(target)) from None
        os.replace(part, target)


_PART = re.compile(r"^\..+\.(\d+)\.part(\.[^.]+)?$")


def remove_stale_parts(folder: Path, *, alone: bool) -> list[Path]:
    """Remove the temporary files of writers that were killed midway (kill -9, a power
    cut). `alone`: the caller holds the lock that keeps every other writer of this folder
    out, so every such file is stale; else only those of processes no longer running (known
    on POSIX; elsewhere they are left)."""
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.rglob(".*.part*"):
        found = _PART.match(path.name)
        if not found or not path.is_file():
            continue
        pid = int(found.group(1))
        if pid == os.getpid() or not (alone or _gone(pid)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _gone(pid: int) -> bool:
    if os.name != "posix":
        return False  # os.kill would end the process there, not ask after it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def write_bytes(target: Path, data: bytes) -> Path:
    with written(target) as part:
        part.write_bytes(data)
    return target


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def close_workbook(book, target: Path) -> Path:
    """Close an xlsxwriter workbook into `target` whole: xlsxwriter opens its file only when
    it closes, so it is pointed at the temporary name for that moment."""
    from xlsxwriter.exceptions import FileCreateError  # the caller has xlsxwriter loaded

    with written(target) as part:
        book.filename = str(part)
        try:
            book.close()
        except FileCreateError as exc:  # as the OSError it wraps: callers know no xlsxwriter
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
            raise cause or OSError(str(exc)) from exc
    return target
