"""What lies in `inbox/`: files, and saved e-mails whose attachments are the files.

Originals are never modified or deleted: they are moved into the archive by `os.replace`
after the ledger has committed, so every crash leaves a state the next run completes.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .safety import FORMATS

SKIP = {".gitkeep", "thumbs.db", ".ds_store", "desktop.ini"}
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass
class Item:
    """One file to ingest: the file itself, or an attachment staged from a saved e-mail."""

    path: Path
    name: str
    sha256: str
    size: int
    received_at: dt.datetime
    sender: str = ""
    container: Path | None = None
    error: str = ""  # a container-level problem code (an e-mail without attachments)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def safe_name(name: str) -> str:
    """A file name that is safe on any disk; keeps Cyrillic, drops path tricks."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    return cleaned[:120]


def list_inbox(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file()
        and not p.is_symlink()
        and p.name.lower() not in SKIP
        and not p.name.startswith("~$")
    )


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def file_item(path: Path, received: dt.datetime | None) -> Item:
    return Item(path, path.name, sha256_of(path), path.stat().st_size, received or _mtime(path))


def expand_email(path: Path, staging: Path, received: dt.datetime | None) -> list[Item]:
    """Stage each workbook attached to a saved e-mail; Date and From come from the message."""
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    date = received
    if date is None:
        try:
            parsed = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
            date = parsed.astimezone().replace(tzinfo=None, microsecond=0) if parsed else None
        except (TypeError, ValueError):
            date = None
    date = date or _mtime(path)
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    items = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if Path(name).suffix.lower() not in FORMATS:
            continue
        payload = part.get_payload(decode=True) or b""
        digest = hashlib.sha256(payload).hexdigest()
        target = staging / digest[:16] / safe_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(payload)
        items.append(Item(target, name, digest, len(payload), date, sender, path))
    if not items:
        items.append(
            Item(
                path,
                path.name,
                sha256_of(path),
                path.stat().st_size,
                date,
                sender,
                None,
                error="no_attachment",
            )
        )
    return items


def archive_path(
    archive: Path, campaign: str, bin_: str | None, received: dt.datetime, sha256: str, name: str
) -> Path:
    """Deterministic from what the ledger holds, so a rerun finds the same place."""
    folder = archive / campaign / (bin_ or "_unidentified")
    return folder / f"{received:%Y%m%dT%H%M%S}-{sha256[:12]}-{safe_name(name)}"


def move_into(source: Path, target: Path) -> None:
    """Move without ever overwriting: a file already at the target is kept, the source too."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if sha256_of(target) == sha256_of(source):
            if source.resolve() != target.resolve():
                source.unlink()  # the same bytes are safe in the archive already
            return
        target = target.with_name(f"{target.stem}-{dt.datetime.now():%H%M%S%f}{target.suffix}")
    try:
        os.replace(source, target)
    except OSError:
        shutil.copy2(source, target)
        source.unlink()
