"""Every output written whole, or not at all.

openpyxl, xlsxwriter, python-docx and pyarrow write in place: a kill or a full disk midway
left a consolidated workbook that is not a zip, a 0-byte reference, a Parquet file Arrow
cannot read. Each writes to a temporary name in the same folder instead; only a complete,
flushed file is renamed into place, so the previous output stays as it was until then.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def _part(target: Path) -> Path:
    """Beside the target, hidden, its suffix kept (a writer may look at it)."""
    return target.with_name(f".{target.stem}.{os.getpid()}.part{target.suffix}")


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


def write_bytes(target: Path, data: bytes) -> Path:
    with written(target) as part:
        part.write_bytes(data)
    return target


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def close_workbook(book, target: Path) -> Path:
    """Close an xlsxwriter workbook into `target` whole: xlsxwriter opens its file only when
    it closes, so it is pointed at the temporary name for that moment."""
    with written(target) as part:
        book.filename = str(part)
        book.close()
    return target
