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
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from pipeline.core import clock
from pipeline.core.addresses import sender_address
from pipeline.core.errors import is_disk_full
from pipeline.files.safety import (
    FORMATS,
    OLE_MAGIC,
    ZIP_MAGIC,
    Limits,
    declared_suffix,
    read_member,
    workbook_format,
)

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
    warning: str = ""  # a warning code about how it arrived (an e-mail dated in the future)
    warning_fields: dict = field(default_factory=dict)
    stat: tuple[int, int] | None = (
        None  # size and mtime when listed: a file still being copied changes
    )
    stated: bool = False  # the received time was given by the officer (`--received`)

    @property
    def stored_name(self) -> str:
        """The sender's name, with the extension of what the file is (a workbook sent as
        «.zip» is archived, and answered, as the workbook it is)."""
        if declared_suffix(self.name) == self.path.suffix.lower():
            return self.name.rstrip(" .")
        return f"{Path(self.name.rstrip(' .')).stem}{self.path.suffix}"

    def still_as_listed(self) -> bool:
        """False when the file changed or went since it was listed (a copy in progress)."""
        if self.stat is None:
            return True
        try:
            now = self.path.stat()
        except OSError:
            return False
        return (now.st_size, now.st_mtime_ns) == self.stat


def saved_at(path: Path) -> dt.datetime | None:
    """When the workbook was last saved, as Excel writes it inside the file (docProps/core.xml):
    the one clock that travels with a file through e-mails, zips and flash drives."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("docProps/core.xml") as part:
            core = part.read(4096)  # never the whole part: a lying one inflates to gigabytes
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError, zlib.error):
        return None
    found = _MODIFIED.search(core)
    if not found:
        return None
    try:
        stamp = dt.datetime.fromisoformat(found.group(1).decode().replace("Z", "+00:00"))
    except ValueError:
        return None
    return clock.local(stamp)


_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


NAME_BYTES = 150
"""A stored name's budget: disks allow 255 bytes a name, a Cyrillic letter takes two, and
the archive adds a time and a hash (29 bytes) and, on a clash, a counter."""


def safe_name(name: str, max_bytes: int = NAME_BYTES) -> str:
    """A file name that is safe on any disk; keeps Cyrillic, drops path tricks, and is cut
    by bytes, never through its extension (a school's correction file must stay .xlsx)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    stem, suffix = Path(cleaned).stem, Path(cleaned).suffix
    if len(suffix.encode()) > 16:  # not an extension: part of the name
        stem, suffix = cleaned, ""
    while len(f"{stem}{suffix}".encode()) > max_bytes:
        stem = stem[:-1]
    stem = stem.rstrip("._") or "file"
    if _device(stem):  # «CON.xlsx» cannot be made on Windows
        stem = f"_{stem}"
    return f"{stem}{suffix}"


def dropped_name(name: str) -> str:
    """The name a file handed over from outside (a page's upload, a mail attachment) is
    saved under in the inbox: as its sender named it, spaces and Cyrillic kept, so every
    answer names the file they know; only what could leave the folder or cannot be a name
    on Windows is taken out (a path, «..», control characters, «<>:"|?*», «CON»)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    if not cleaned:
        return "file"
    reserved = _device(cleaned)
    if reserved or len(cleaned.encode()) > NAME_BYTES:
        return safe_name(cleaned)
    return cleaned


_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
     *(f"{port}{n}" for port in ("COM", "LPT") for n in (*range(10), "¹", "²", "³"))}
)  # fmt: skip


def _device(name: str) -> bool:
    """A name Windows takes for a device, whatever follows its first dot or trails it
    («CON .xlsx», «COM¹.txt», «conout$»)."""
    return name.split(".")[0].rstrip(" ").upper() in _RESERVED


def list_inbox(inbox: Path) -> list[Path]:
    """Every file in the inbox, subfolders included (people drop whole folders there)."""
    if not inbox.is_dir():
        return []
    found = []
    for path in inbox.rglob("*"):
        parts = path.relative_to(inbox).parts
        if any(part.startswith(".") for part in parts) or not path.is_file() or path.is_symlink():
            continue
        if path.name.lower() in SKIP or path.name.startswith("~$"):
            continue
        found.append(path)
    return sorted(found)


def readable(name: str) -> str:
    """A file name as its sender wrote it, in composed form (NFC): «й» typed as «и» and a
    combining breve is the same name as «й», not a second correction workbook. Names copied
    from Windows media can reach us as cp1251 bytes, which Python keeps as unprintable
    surrogates that SQLite and every message would refuse; those bytes are read as cp1251
    (else cp866, else replaced)."""
    return unicodedata.normalize("NFC", _decoded(name))


def _decoded(name: str) -> str:
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
    for encoding in ("cp1251", "cp866"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def _member_name(info: zipfile.ZipInfo) -> str:
    """Windows zips name Cyrillic files in cp866 without saying so; recover those names."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("cp866")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


NESTING = 3
"""How deep zips in zips and e-mails in e-mails are opened: a school zips a folder that
holds a zip, forwards an e-mail saved as a file; nothing real goes deeper."""


def expand_zip(
    path: Path, staging: Path, received: dt.datetime | None, limits, depth: int = 0
) -> list[Item]:
    """Stage each workbook of a .zip a school sent; a bomb or a broken archive is one item."""
    date = received or _mtime(path)
    whole = Item(path, readable(path.name), sha256_of(path), path.stat().st_size, date)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [
                i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename
            ]
            if len(infos) > 200 or sum(i.file_size for i in infos) > limits.max_bytes * 4:
                whole.error = "zip_bomb"
                return [whole]
            items = []
            for info in infos:
                name = Path(_member_name(info).replace("\\", "/")).name
                suffix = declared_suffix(name)
                inner = suffix == ".zip" and depth < NESTING
                if (suffix not in FORMATS and not inner) or info.file_size > limits.max_bytes:
                    continue
                payload = read_member(archive, info, limits.max_bytes)
                digest = hashlib.sha256(payload).hexdigest()
                target = staging / digest[:16] / safe_name(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.write_bytes(payload)
                if inner:  # a zip in the zip: its workbooks, answered as this zip's
                    for found in expand_zip(target, staging, date, limits, depth + 1):
                        if not found.error:
                            found.container = path
                            items.append(found)
                    continue
                items.append(Item(target, name, digest, len(payload), date, "", path))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        whole.error = "corrupt_archive"
        return [whole]
    if not items:
        whole.error = "empty_archive"
        return [whole]
    return items


def _mtime(path: Path) -> dt.datetime:
    return clock.from_timestamp(path.stat().st_mtime)


def file_item(path: Path, received: dt.datetime | None) -> Item:
    """A plain file: received when it was last written (its mtime), unless the officer says;
    a time in the future (a wrong clock, a flash drive) counts as now, with a warning."""
    info = path.stat()
    item = Item(path, readable(path.name), sha256_of(path), info.st_size, received or _mtime(path))
    item.stat, item.stated = (info.st_size, info.st_mtime_ns), received is not None
    now = clock.now()
    if received is None and item.received_at > now + FUTURE_SLACK:
        item.warning = "future_file_date"
        item.warning_fields = {"date": f"{item.received_at:%d.%m.%Y}", "used": f"{now:%d.%m.%Y}"}
        item.received_at = now
    return item


def expand_email(
    path: Path,
    staging: Path,
    received: dt.datetime | None,
    limits: Limits | None = None,
    depth: int = 0,
) -> list[Item]:
    """Stage each workbook attached to a saved e-mail; Date and From come from the message."""
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    date = received
    if date is None:
        try:
            parsed = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
            date = clock.local(parsed).replace(microsecond=0) if parsed else None
        except (TypeError, ValueError):
            date = None
    date = date or _mtime(path)
    warning, fields = "", {}
    if received is None and date > clock.now() + FUTURE_SLACK:
        used = min(_mtime(path), clock.now())
        warning, fields = "future_date", {"date": f"{date:%d.%m.%Y}", "used": f"{used:%d.%m.%Y}"}
        date = used  # a sender's clock a year ahead must not outrank every later correction
    # one address or none: a From holding two (an encoded word can hide a second) is no
    # sender to answer, and a broken header never stops the attachments being read
    try:
        sender = (sender_address(str(message.get("From", ""))) or "").lower()
    except (TypeError, ValueError):
        sender = ""
    items = []
    for number, part in enumerate(_attachments(message), start=1):
        payload = part.get_payload(decode=True) or b""
        name, suffix = _attachment_name(part, payload, path, number)
        if suffix not in FORMATS and suffix not in (".zip", ".eml"):
            continue
        if suffix == ".eml" and depth >= NESTING:
            continue
        digest = hashlib.sha256(payload).hexdigest()
        target = staging / digest[:16] / safe_name(f"{Path(name).stem}{suffix}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(payload)
        if suffix == ".eml":  # a saved e-mail attached as a file: its workbooks, sent by this one
            inner = expand_email(target, staging, date, limits, depth + 1)
            for found in (i for i in inner if not i.error):
                found.sender, found.container = sender, path
                found.warning, found.warning_fields = warning, fields
                items.append(found)
            continue
        if suffix == ".zip":  # a school zips its files before attaching them
            for found in expand_zip(target, staging, date, limits or Limits()):
                found.sender, found.container = sender, path
                found.warning, found.warning_fields = warning, fields
                items.append(found)
            continue
        items.append(
            Item(target, name, digest, len(payload), date, sender, path, "", warning, fields)
        )
    if not items:
        items.append(
            Item(
                path,
                readable(path.name),
                sha256_of(path),
                path.stat().st_size,
                date,
                sender,
                None,
                error="no_attachment",
            )
        )
    return items


def _attachments(message: email.message.Message) -> list[email.message.Message]:
    """The leaves that may be files: also inside forwarded messages (message/rfc822); a
    message's own text and its pictures are not."""
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        named = part.get_filename() is not None or part.get_content_disposition() == "attachment"
        if named or part.get_content_maintype() == "application":
            found.append(part)
    return found


def _attachment_name(
    part: email.message.Message, payload: bytes, container: Path, number: int
) -> tuple[str, str]:
    """An attachment's name as its sender gave it, kept safe, and the extension it is read
    under. A path («C:\\Users\\…\\отчёт.xlsx») keeps its last part; a name the mail
    program left empty, or without the extension of the workbook it is, is named after
    the e-mail and read as what its bytes are; trailing dots and spaces are dropped as
    Windows drops them."""
    name = (
        readable(part.get_filename() or "")
        .replace("\\", "/")
        .rsplit("/", 1)[-1]
        .rstrip(" .")
        .strip()
    )
    suffix = declared_suffix(name)
    if suffix in FORMATS or suffix == ".zip":
        real = _payload_format(payload)  # an .xls renamed, an .ods named .xlsx, a zip that is one
        return name, (suffix if real is None or _same_format(real, suffix) else real)
    real = _payload_format(payload)
    if real is None:
        return name, suffix
    return (name or f"{Path(readable(container.name)).stem}-{number}"), real


def _payload_format(payload: bytes) -> str | None:
    """What an attachment holds, read from its bytes: a workbook's format, or None."""
    return workbook_format(payload) if payload.startswith((OLE_MAGIC, ZIP_MAGIC)) else None


FUTURE_SLACK = dt.timedelta(days=1)
"""Time zones and slightly wrong clocks: a Date up to a day ahead is taken as it is."""


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


@dataclass
class NotRead:
    """A file that could not be read this time (no access, still being copied, gone): it
    is not recorded, stays where it is, and is read by the next run."""

    path: Path
    name: str
    reason: str


def collect(
    inbox: Path,
    staging: Path,
    received: dt.datetime | None,
    limits: Limits | None = None,
    received_of: Callable[[Path], dt.datetime | None] = lambda path: None,
) -> tuple[list[Item], dict[Path, list[Item]], list[NotRead]]:
    """Files and e-mail attachments of the inbox; containers map each e-mail to its items;
    files that cannot be read now are listed apart, never recorded as rejected.
    `received_of` knows when some files were received (a message taken from the mailbox:
    the server's time), which then outranks what the file says."""
    limits = limits or Limits()
    items, containers, not_read = [], {}, []
    for path in list_inbox(inbox):
        suffix = declared_suffix(path.name)
        name = readable(str(path.relative_to(inbox)))
        try:
            real = _renamed(path, suffix)
            if real:
                item = _as_what_it_is(path, name, real, staging / _slot(name), received)
                containers[path] = [item]
                items.append(item)
            elif suffix in (".eml", ".zip"):
                when = received or received_of(path)
                found = _expand(path, suffix, staging / _slot(name), when, limits)
                containers[path] = [i for i in found if i.container]
                items += found
            else:
                item = file_item(path, received)
                item.name = name
                items.append(item)
        except OSError as exc:
            if is_disk_full(exc):  # unpacking an e-mail: the run stops, said once
                raise
            logger.info("could not read {} now: {}", name, exc)  # said in the outcome
            not_read.append(NotRead(path, name, type(exc).__name__))
    for item in items:
        if item.size == 0:
            item.sha256 = empty_identity(item)
    return items, containers, not_read


def empty_identity(item: Item) -> str:
    """An empty file has no contents to be known by: every zero-byte file hashes alike, and
    the second one a school sent was answered «already received» instead of «empty». It is
    known by its name and arrival instead (the same ones again, after a killed run, are the
    same file)."""
    key = f"empty\0{item.name}\0{item.received_at.isoformat()}\0{item.container or ''}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _renamed(path: Path, suffix: str) -> str | None:
    """The extension a file is read under when its name does not say what it holds (a
    workbook renamed «.zip», an «.xls» renamed «.xlsx», a name ending «.xlsx »); None
    when the name is right, or the file is no workbook (then its name decides, and the
    precheck tells the sender what it is)."""
    raw = path.suffix.lower()
    if suffix in (".zip", "") or (suffix in FORMATS and (raw != suffix or _may_differ(path))):
        real = workbook_format(path)
        if real is not None:
            return None if _same_format(real, raw) else real
        return suffix if suffix in FORMATS and raw != suffix else None
    return None


def _same_format(real: str, raw: str) -> bool:
    """.xlsx and .xlsm are read alike: one with macros is not «renamed»."""
    return real == raw or {real, raw} <= {".xlsx", ".xlsm"}


def _may_differ(path: Path) -> bool:
    """Whether the bytes may hold another format than the name says: a binary .xls under
    another name, or a zip (an .ods named .xlsx, an .xlsx named .ods or .xls)."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    binary = magic == OLE_MAGIC
    if binary:
        return path.suffix.lower() != ".xls"
    return magic.startswith(ZIP_MAGIC) and path.suffix.lower() in (".xls", ".ods", ".xlsx", ".xlsm")


def _as_what_it_is(
    path: Path, name: str, suffix: str, staging: Path, received: dt.datetime | None
) -> Item:
    """A copy under the extension of what the file is, read like any workbook; the
    original, untouched, follows into the archive as a container does."""
    item = file_item(path, received)
    stem = Path(safe_name(name.rstrip(" ."))).stem
    target = staging / item.sha256[:16] / f"{stem}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(path, target)
    item.name, item.path, item.container, item.stat = name, target, path, None
    return item


def _slot(name: str) -> str:
    """Each e-mail or zip is unpacked into its own folder: two e-mails carrying the same
    attachment once shared one unpacked copy, and the second, a duplicate, was told it
    «could not be moved» after the first had taken the copy into the archive."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _expand(
    path: Path, suffix: str, staging: Path, received: dt.datetime | None, limits: Limits
) -> list[Item]:
    """The workbooks of an e-mail or zip; one that cannot even be opened (nested past any
    reason, or broken in a way nobody foresaw) is itself the answered, archived item."""
    try:
        if suffix == ".eml":
            return expand_email(path, staging, received, limits)
        return expand_zip(path, staging, received, limits)
    except OSError:
        raise  # not the container's fault (no access, a full or read-only disk): next run
    except Exception:
        logger.exception("could not open {}", path.name)
        item = file_item(path, received)
        item.error = "unreadable_email" if suffix == ".eml" else "corrupt_archive"
        return [item]
