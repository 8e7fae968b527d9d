"""Returns straight from the department's mailbox (`adal fetch`), over IMAP.

Every message not yet taken that carries files is saved as an `.eml` into `inbox/`, to be
ingested as a saved e-mail is. Exactly once: a message is known by its folder's UIDVALIDITY
and UID, and by its Message-ID across folders (a copy in two folders is one message); its
file is written whole under a name made from those, then recorded, so a run killed at any
moment and run again saves nothing twice and loses nothing. The received time is the
server's INTERNALDATE (when the department's server got it), never the sender's Date, which
is kept and, a day or more ahead, noted as the sender's clock being wrong. Messages are never
deleted: after their files are ingested they are flagged, or moved to the folder the
campaign names, so the officer sees in the mail client what Adal has taken.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import imaplib
import os
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import ledger
from pipeline.core import clock
from pipeline.core.errors import MailError, RefusedError
from pipeline.core.progress import Progress, silent
from pipeline.files.atomic import written
from pipeline.intake.inbox import dropped_name, sha256_of
from pipeline.specs.workspace import Workspace

CLOCK_SLACK = dt.timedelta(days=1)
"""A Date this far after the server received the message is the sender's clock, wrong."""
TIMEOUT = 30.0
FLAG = "\\Flagged"


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # ssl | starttls
    user: str
    password: str
    folder: str
    after: str  # flag | move
    move_to: str
    cafile: str
    max_mb: float

    def tls(self) -> ssl.SSLContext:
        """The system's trust store (SSL_CERT_FILE can point elsewhere), plus the
        department's own certificate file when campaign.yaml names one."""
        context = ssl.create_default_context()
        if self.cafile:
            context.load_verify_locations(cafile=self.cafile)
        return context


def imap_settings(workspace: Workspace, env: dict[str, str] | None = None) -> ImapSettings:
    """campaign.yaml's imap section, each key overridden by ADAL_IMAP_*; the password only
    from ADAL_IMAP_PASSWORD or the system keyring, never from a file of Adal's."""
    env = dict(os.environ) if env is None else env
    conf = workspace.campaign.imap
    security = env.get("ADAL_IMAP_SECURITY", str(conf.get("security", "ssl"))).lower()
    if security not in ("ssl", "starttls"):
        raise MailError.of("imap_bad_security", value=security)
    host = env.get("ADAL_IMAP_HOST", str(conf.get("host", "")))
    user = env.get("ADAL_IMAP_USER", str(conf.get("user", "")))
    if not host or not user:  # nothing to read from: refused, as a sample plan's sending is
        raise RefusedError.of("imap_not_set", where=str(workspace.paths.campaign_file))
    default_port = 993 if security == "ssl" else 143
    after = str(conf.get("after", "flag")).lower()
    cafile = str(conf.get("ca_file", "") or "")
    if cafile and not Path(cafile).is_absolute():
        cafile = str(workspace.paths.campaign_dir / cafile)
    return ImapSettings(
        host,
        int(env.get("ADAL_IMAP_PORT", conf.get("port", default_port))),
        security,
        user,
        _password(env, host, user),
        env.get("ADAL_IMAP_FOLDER", str(conf.get("folder", "INBOX"))),
        "move" if after == "move" else "flag",
        str(conf.get("move_to", "") or ""),
        cafile,
        float(conf.get("max_mb", 25)),
    )


def _password(env: dict[str, str], host: str, user: str) -> str:
    if env.get("ADAL_IMAP_PASSWORD"):
        return env["ADAL_IMAP_PASSWORD"]
    try:
        import keyring  # optional: the officer's system keyring (Windows Credential Manager)

        found = keyring.get_password(f"adal-imap-{host}", user)
    except Exception:  # noqa: BLE001  no keyring, or none configured: say what to set
        found = None
    if not found:
        raise MailError.of("imap_no_password", host=host, user=user)
    return found


@dataclass
class Fetched:
    """One message as the run found it, for the officer's list."""

    sender: str
    subject: str
    received: str
    state: str
    saved: str | None = None
    clock_ahead: bool = False
    said_date: str = ""  # the sender's own Date, as a day (dd.mm.yyyy)


@dataclass
class FetchReport:
    saved: list[Fetched] = field(default_factory=list)
    without_files: list[Fetched] = field(default_factory=list)
    duplicates: int = 0
    too_large: list[Fetched] = field(default_factory=list)
    known: int = 0  # taken by an earlier run


Connect = Callable[[ImapSettings], imaplib.IMAP4]


def connect(settings: ImapSettings) -> imaplib.IMAP4:
    """Logged in, with the errors a person can act on named (server, password, certificate)."""
    try:
        if settings.security == "ssl":
            client = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=settings.tls(), timeout=TIMEOUT
            )
        else:
            client = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT)
            client.starttls(ssl_context=settings.tls())
    except ssl.SSLCertVerificationError as exc:
        raise MailError.of(
            "imap_untrusted", host=settings.host, detail=exc.verify_message or str(exc)
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError.of(
            "imap_unreachable", host=settings.host, port=settings.port, detail=_detail(exc)
        ) from None
    try:
        client.login(settings.user, settings.password)
    except imaplib.IMAP4.error:
        _quietly_close(client)
        raise MailError.of("imap_login_refused", host=settings.host, user=settings.user) from None
    return client


def _detail(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _quietly_close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()


def fetch(
    workspace: Workspace,
    *,
    since: dt.date | None = None,
    env: dict[str, str] | None = None,
    progress: Progress = silent,
    opener: Connect = connect,
) -> FetchReport:
    """Save every new message with files into the inbox; list the ones without files."""
    settings = imap_settings(workspace, env)
    client = opener(settings)
    conn = ledger.connect(workspace.paths.ledger)
    try:
        return _fetch_folder(client, conn, workspace, settings, since, progress)
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise MailError.of(
            "imap_unreachable", host=settings.host, port=settings.port, detail=_detail(exc)
        ) from None
    finally:
        conn.close()
        _quietly_close(client)


def _fetch_folder(client, conn, workspace, settings, since, progress) -> FetchReport:
    folder = settings.folder
    status, data = client.select(_quoted(folder))
    if status != "OK":
        raise MailError.of("imap_no_folder", host=settings.host, folder=folder)
    uidvalidity = int(client.untagged_responses.get("UIDVALIDITY", [b"0"])[-1])
    criteria = f"SINCE {since:%d-%b-%Y}" if since else "ALL"
    status, data = client.uid("SEARCH", None, criteria)
    uids = [int(u) for u in (data[0] or b"").split()] if status == "OK" else []
    report = FetchReport()
    with ledger.snapshot(conn):
        done = ledger.fetched_uids(conn, folder, uidvalidity)
        seen_ids = ledger.fetched_message_ids(conn)
    new = [u for u in uids if u not in done]
    report.known = len(uids) - len(new)
    limit = int(settings.max_mb * 1024 * 1024)
    for n, uid in enumerate(new, start=1):
        _take(client, conn, workspace, folder, uidvalidity, uid, seen_ids, limit, report)
        progress(n, len(new))
    return report


def _quoted(folder: str) -> str:
    """A folder name as IMAP takes it: modified UTF-7 (RFC 3501, «Есептер» is
    «&BBUEQQQ1BD8EQgQ1BEA-»), quoted."""
    encoded = _utf7(folder)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7(text: str) -> str:
    out, pending = [], []

    def flush() -> None:
        if pending:
            raw = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + raw.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in text:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


HEADER_PARTS = "(INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID DATE FROM SUBJECT)])"


def _take(client, conn, workspace, folder, uidvalidity, uid, seen_ids, limit, report) -> None:
    """One message: looked at by its headers first (a copy already taken, one too large
    are not downloaded), then downloaded, saved if it carries files, and recorded."""
    status, data = client.uid("FETCH", str(uid), HEADER_PARTS)
    if status != "OK" or not data or not isinstance(data[0], tuple):
        return  # expunged meanwhile by another client: nothing to take
    meta, headers = data[0][0], data[0][1]
    internal = _internaldate(meta)
    size = int(re.search(rb"RFC822\.SIZE (\d+)", meta).group(1))
    head = email.message_from_bytes(headers, policy=email.policy.default)
    message_id = str(head.get("Message-ID", "") or "").strip()
    sender = _address(head.get("From", ""))
    subject = str(head.get("Subject", "") or "")
    date_header = str(head.get("Date", "") or "") or None
    seen = Fetched(sender, subject, internal.isoformat(timespec="seconds"), "")
    said = _said(date_header)
    seen.clock_ahead = said is not None and said - internal > CLOCK_SLACK
    seen.said_date = f"{said:%d.%m.%Y}" if said else ""
    state, saved, sha = "", None, None
    if message_id and message_id in seen_ids:
        state = "duplicate"
        report.duplicates += 1
    elif size > limit:
        state = "too_large"
        report.too_large.append(seen)
    else:
        status, body = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = body[0][1] if status == "OK" and body and isinstance(body[0], tuple) else b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if any(True for _ in message.iter_attachments()):
            saved, sha = _save(workspace.paths.inbox, raw, internal, sender, uidvalidity, uid)
            state = "saved"
            report.saved.append(seen)
        else:
            state = "no_files"
            report.without_files.append(seen)
    seen.state, seen.saved = state, saved
    record = ledger.FetchedRecord(
        folder, uidvalidity, uid, message_id, seen.received, date_header, sender, subject,
        saved, sha, state, clock.now().isoformat(timespec="seconds"),
    )  # fmt: skip
    with ledger.transaction(conn):
        ledger.record_fetched(conn, record)
    if message_id:
        seen_ids.add(message_id)


def _internaldate(meta: bytes) -> dt.datetime:
    """The server's receipt time, in the campaign's zone."""
    found = imaplib.Internaldate2tuple(meta)
    if found is None:
        return clock.now().replace(microsecond=0)
    stamp = dt.datetime(*found[:6])  # a local struct_time of this machine
    return clock.local(stamp.astimezone()).replace(microsecond=0)


def _said(date_header: str | None) -> dt.datetime | None:
    """The sender's Date in the campaign's zone; None when absent or unreadable."""
    try:
        said = email.utils.parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError):
        return None
    return clock.local(said) if said is not None and said.tzinfo is not None else None


def _address(value: object) -> str:
    return email.utils.parseaddr(str(value or ""))[1].lower()


def _save(
    inbox: Path, raw: bytes, internal: dt.datetime, sender: str, uidvalidity: int, uid: int
) -> tuple[str, str]:
    """The message as an .eml in the inbox, under a name made from where it was taken
    (the same message saved again after a crash lands on the same name, whole)."""
    stem = dropped_name(f"{internal:%Y%m%d-%H%M%S} {sender or 'mail'} {uidvalidity}-{uid}")
    target = inbox / f"{stem}.eml"
    inbox.mkdir(parents=True, exist_ok=True)
    with written(target) as part:
        part.write_bytes(raw)
    stamp = clock.aware(internal).timestamp()
    os.utime(target, (stamp, stamp))
    return target.name, sha256_of(target)


def mark_taken(
    workspace: Workspace, *, env: dict[str, str] | None = None, opener: Connect = connect
) -> int:
    """Flag (or move) the messages whose files were ingested (ingest archives a saved
    message once every file in it is taken, so it has left the inbox); their ledger record
    says so once the server has done it. Never deletes: a server without MOVE flags."""
    settings = imap_settings(workspace, env)
    conn = ledger.connect(workspace.paths.ledger)
    try:
        with ledger.snapshot(conn):
            saved = ledger.fetched_to_mark(conn, settings.folder)
        inbox = workspace.paths.inbox
        waiting = [(i, v, u) for i, v, u, name in saved if not (inbox / name).exists()]
        if not waiting:
            return 0
        client = opener(settings)
        try:
            client.select(_quoted(settings.folder))
            uidvalidity = int(client.untagged_responses.get("UIDVALIDITY", [b"0"])[-1])
            moving = bool(settings.after == "move" and settings.move_to)
            if moving:
                _, said = client.capability()
                moving = b"MOVE" in (said[0] or b"").upper().split()
            done = 0
            for fetched_id, validity, uid in waiting:
                if validity != uidvalidity:
                    continue  # the folder was rebuilt: its old UIDs name other messages now
                if moving:
                    status, _ = client.uid("MOVE", str(uid), _quoted(settings.move_to))
                else:
                    status, _ = client.uid("STORE", str(uid), "+FLAGS", f"({FLAG})")
                if status == "OK":
                    with ledger.transaction(conn):
                        ledger.mark_fetched(conn, fetched_id)
                    done += 1
            return done
        finally:
            _quietly_close(client)
    finally:
        conn.close()


def received_times(workspace: Workspace) -> Callable[[Path], dt.datetime | None]:
    """For ingest: a file of the inbox that `fetch` saved (same name, same bytes) was
    received when the server got it (INTERNALDATE), whatever its Date says."""
    conn = ledger.connect(workspace.paths.ledger)
    try:
        with ledger.snapshot(conn):
            known = ledger.fetched_in_inbox(conn)
    finally:
        conn.close()
    inbox = workspace.paths.inbox

    def received(path: Path) -> dt.datetime | None:
        try:
            sha, internal = known[path.relative_to(inbox).as_posix()]
        except (KeyError, ValueError):
            return None
        try:
            same = sha256_of(path) == sha
        except OSError:
            return None
        return dt.datetime.fromisoformat(internal) if same else None

    return received
