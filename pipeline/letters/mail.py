"""`adal mail`: templates, reminders and feedback to the organisations, bilingual.

Without `send` every message is written as an .eml for review. With it, messages go
through the campaign's SMTP server; each is recorded in the ledger's mail log the moment
it is accepted by the server, so a rerun never sends it twice and an interrupted batch
resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import mimetypes
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from pipeline import ledger
from pipeline.core.addresses import sender_address
from pipeline.core.chars import UNSEEN
from pipeline.core.errors import MailError
from pipeline.core.ids import mask_ids_in_text
from pipeline.core.messages import render
from pipeline.core.numerals import QUERY, counted
from pipeline.core.progress import Progress, silent
from pipeline.core.text import Text, concat
from pipeline.core.text import lines as text_lines
from pipeline.core.workdays import calendar_for
from pipeline.files.atomic import write_bytes
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import Workspace
from pipeline.tracking.status import return_states
from pipeline.workbooks.templates import template_name

KINDS = ("templates", "reminders", "feedback")
KIND_TEXT = {
    "templates": "say_templates",
    "reminders": "say_reminders",
    "feedback": "say_corrections",
}
"""Each kind of letter as the console and the desk name it (catalogue codes)."""
RETRIES = 3
TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    socket.timeout,
    TimeoutError,
)


@dataclass
class Outgoing:
    key: str
    kind: str
    bin: str
    to: str
    subject: str
    body: str
    attachment: Path | None = None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str
    cafile: str = ""  # a department's own CA for its mail server's certificate

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile or None)


def smtp_settings(workspace: Workspace, env: dict[str, str] | None = None) -> SmtpSettings:
    """campaign.yaml's smtp section, each key overridden by ADAL_SMTP_* / ADAL_MAIL_FROM."""
    env = dict(os.environ) if env is None else env
    conf = workspace.campaign.smtp
    security = env.get("ADAL_SMTP_SECURITY", str(conf.get("security", "none"))).lower()
    if security not in ("none", "starttls", "ssl"):
        raise MailError.of("smtp_bad_security")
    sender = env.get(
        "ADAL_MAIL_FROM", str(conf.get("from") or workspace.campaign.contact_email or "")
    )
    if not sender:
        raise MailError.of("smtp_no_sender")
    return SmtpSettings(
        env.get("ADAL_SMTP_HOST", str(conf.get("host", "localhost"))),
        int(env.get("ADAL_SMTP_PORT", conf.get("port", 25))),
        security,
        env.get("ADAL_SMTP_USER", str(conf.get("user") or "")),
        env.get("ADAL_SMTP_PASSWORD", ""),
        sender,
        env.get("ADAL_SMTP_CAFILE", str(conf.get("cafile") or "")),
    )


def _signature(workspace: Workspace) -> str:
    c = workspace.campaign
    contact = " ".join(x for x in (c.contact_email, c.contact_phone) if x)
    return f"\n--\n{c.subject.join(chr(10))}\n{c.contact_name.join()} {contact}\n"


def plan_templates(workspace: Workspace) -> list[Outgoing]:
    """One message per organisation with its template, naming each return and its due date."""
    out = []
    name = workspace.campaign.name
    for org in workspace.organisations:
        path = workspace.paths.outbox / "templates" / template_name(org, workspace.campaign)
        if not org.email or not path.exists():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        due = [
            (spec, workspace.campaign.deadline(code))
            for code, spec in workspace.collected.items()
            if org.type in spec.applies_to
        ]
        lines = text_lines(
            render("mail_templates_line", code=s.code, title=s.title, due=f"{d:%d.%m.%Y}")
            for s, d in due
        )
        body = _letter(render("mail_templates_body", org=org.name, lines=lines))
        body += _signature(workspace)
        out.append(
            Outgoing(
                f"templates:{org.bin}:{digest}",
                "templates",
                org.bin,
                org.email,
                render("mail_templates_subject", name=name).text,
                body,
                path,
            )
        )
    return out


def plan_reminders(workspace: Workspace, conn: ledger.Connection, today: dt.date) -> list[Outgoing]:
    """Only organisations with something missing or rejected; nothing once all is accepted."""
    states = return_states(conn, workspace)
    out = []
    for org in workspace.organisations:
        pending = [
            (code, s.state)
            for code, s in states[org.bin].items()
            if s.state in (ReturnStatus.MISSING, ReturnStatus.REJECTED)
        ]
        if not pending or not org.email:
            continue
        lines = []
        for code, state in pending:
            spec, due = workspace.specs[code], workspace.campaign.deadline(code)
            said = render(
                "mail_reminders_line",
                code=code,
                title=spec.title,
                state=render(f"mail_state_{state}"),
                due=f"{due:%d.%m.%Y}",
                overdue=render("mail_overdue") if today > due else "",
            )
            lines.append(said)
        by = _asked_by(workspace, [workspace.campaign.deadline(c) for c, _ in pending], today)
        body = _letter(render("mail_reminders_body", lines=text_lines(lines), by=f"{by:%d.%m.%Y}"))
        body += _signature(workspace)
        digest = hashlib.sha256("|".join(f"{c}:{s}" for c, s in pending).encode()).hexdigest()[:12]
        template = workspace.paths.outbox / "templates" / template_name(org, workspace.campaign)
        out.append(
            Outgoing(
                f"reminders:{org.bin}:{today:%Y-%m-%d}:{digest}",
                "reminders",
                org.bin,
                org.email,
                render("mail_reminders_subject", name=workspace.campaign.name).text,
                body,
                template if template.exists() else None,
            )
        )
    return out


def plan_feedback(workspace: Workspace, conn: ledger.Connection) -> list[Outgoing]:
    """A correction file is mailed only while it is still needed: not for a file whose
    rejected returns the organisation has since sent again and had accepted. A file that
    could not be read at all (encrypted, broken, an unknown BIN) has no correction workbook:
    its sender, known from the e-mail it came in, gets the messages in the letter itself."""
    orgs = workspace.by_bin
    out = []
    for row in ledger.files_with_errors(conn):
        org = orgs.get(row.bin)
        to = (org.email if org else "") or sender_address(row.sender) or ""
        path = Path(row.feedback_path) if row.feedback_path else None
        if not to or (path is not None and not path.exists()):
            continue
        pending = ledger.still_to_correct(conn, row.id)
        queries = ledger.open_queries(conn, row.id) if path else []
        if pending is not None and not pending and not queries:
            continue
        if path and not row.error_count and not queries:  # its queries answered since
            continue
        asked = counted(len(queries), QUERY)
        subject = "mail_feedback_subject"
        if path and not row.error_count:  # accepted: asked to confirm, nothing to correct
            body = _letter(
                render("mail_query_body", file=mask_ids_in_text(row.original_name), n=asked)
            )
            subject = "mail_query_subject"
        else:
            body = (
                _feedback_body(row, pending, asked if queries else None)
                if path
                else (_refusal_body(conn, row))
            )
        out.append(
            Outgoing(
                f"feedback:{row.sha256}",
                "feedback",
                row.bin or "",
                to,
                f"{render(subject).text} — {mask_ids_in_text(row.original_name)}",
                body + _signature(workspace),
                path,
            )
        )
    return out


def _feedback_body(
    row: ledger.StoredFile, pending: list[str] | None, asked: Text | None = None
) -> str:
    """Errors to correct; and, where the same file holds queries, that they are there too."""
    still: Text | str = ""
    if pending:
        which = "mail_still_many" if len(pending) > 1 else "mail_still_one"
        still = render(which, codes=", ".join(pending))
    body = render(
        "mail_feedback_body",
        file=mask_ids_in_text(row.original_name),
        errors=row.error_count,
        still=still,
    )
    if asked is None:
        return _letter(body)
    return _letter(concat(body, render("mail_also_queries", n=asked)))


def _refusal_body(conn: ledger.Connection, row: ledger.StoredFile) -> str:
    problems = ledger.file_errors(conn, row.id)[:10]
    lines = text_lines(concat("  • ", p) for p in problems)
    return _letter(
        render("mail_refusal_body", file=mask_ids_in_text(row.original_name), lines=lines)
    )


ANSWER_DAYS = 2
"""Working days a reminder gives when every deadline it names has passed."""


def _asked_by(workspace: Workspace, deadlines: list[dt.date], today: dt.date) -> dt.date:
    """The date a reminder asks for: the nearest deadline still ahead, else two working
    days from today on the Kazakh calendar (a letter that only lists asks for nothing)."""
    ahead = [d for d in deadlines if d >= today]
    if ahead:
        return min(ahead)
    return calendar_for(workspace.campaign).add(today, ANSWER_DAYS)


def _letter(message: Text) -> str:
    """A letter's body: the Kazakh text, then the Russian one (then any other shown)."""
    return message.join("\n\n") + "\n"


def encoded_subject(subject: str) -> str:
    """The subject as RFC 2047 words that keep their spaces. The modern `email` API folds a
    long Cyrillic subject so that a space falls between two encoded words, where every mail
    program drops it («сыбайласжемқорлық»); the classic `Header` keeps it inside a word."""
    one_line = " ".join(UNSEEN.sub(" ", subject).split())  # a file name may hold a line break
    return Header(one_line, "utf-8", header_name="Subject").encode(linesep="\r\n")


def build_message(item: Outgoing, sender: str, now: dt.datetime) -> EmailMessage:
    """Bilingual body; the attachment under its own Cyrillic name (RFC 2231, which Outlook,
    Gmail and Thunderbird read; a transliterated name was no longer the sender's)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.to
    message.set_raw("Subject", encoded_subject(item.subject))
    message["Date"] = format_datetime(now.astimezone())
    message["Message-ID"] = make_msgid(
        idstring=hashlib.sha1(item.key.encode()).hexdigest()[:12], domain="adal.local"
    )
    message.set_content(item.body)
    if item.attachment:
        kind = mimetypes.guess_type(item.attachment.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            item.attachment.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=item.attachment.name,
        )
    return message


def _log(
    conn: ledger.Connection,
    item: Outgoing,
    status: str,
    attempts: int,
    error: str | None,
    eml: str | None,
) -> None:
    ledger.log_mail(
        conn,
        ledger.MailRecord(
            item.key, item.kind, item.bin, item.to, item.subject, status, attempts, error, eml,
            dt.datetime.now().isoformat(timespec="seconds"),
        ),
    )  # fmt: skip


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=settings.tls()
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                client.starttls(context=settings.tls())
        if settings.user:
            client.login(settings.user, settings.password)
        return client
    except smtplib.SMTPAuthenticationError:
        raise MailError.of(
            "smtp_login_refused", where=f"{settings.host}:{settings.port}", user=settings.user
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError.of(
            "smtp_unreachable", where=f"{settings.host}:{settings.port}", detail=exc
        ) from None


@dataclass
class MailReport:
    written: int = 0
    sent: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] | None = None


def run_mail(
    workspace: Workspace,
    kind: str,
    *,
    send: bool = False,
    limit: int | None = None,
    pause: float = 0.0,
    today: dt.date | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = silent,
) -> MailReport:
    """Plan the messages of one kind, then write them as .eml or send those not yet sent."""
    today = today or dt.date.today()
    with ledger.one_sender(workspace.paths.ledger) if send else contextlib.nullcontext():
        return _run(workspace, kind, send, limit, pause, today, env, timeout, sleep, progress)


def _run(workspace, kind, send, limit, pause, today, env, timeout, sleep, progress) -> MailReport:
    """`run_mail`'s work, in the one sender's turn: what was sent is read inside it."""
    conn = ledger.connect(workspace.paths.ledger)
    report = MailReport(failed=[])
    try:
        items = {
            "templates": lambda: plan_templates(workspace),
            "reminders": lambda: plan_reminders(workspace, conn, today),
            "feedback": lambda: plan_feedback(workspace, conn),
        }[kind]()
        sent_keys = ledger.sent_message_keys(conn)
        todo = [i for i in items if i.key not in sent_keys]
        report.skipped = len(items) - len(todo)
        if limit is not None:
            todo = todo[:limit]
        settings = smtp_settings(workspace, env) if send else None
        sender = (
            settings.sender
            if settings
            else (
                workspace.campaign.smtp.get("from")
                or workspace.campaign.contact_email
                or "adal@localhost"
            )
        )
        folder = workspace.paths.outbox / "mail" / kind
        if not send:
            set_aside_drafts(folder, workspace.paths.outbox / "mail" / "earlier", kind)
        client = None
        try:
            for n, item in enumerate(todo):
                progress(n + 1, len(todo))
                message = build_message(item, sender, dt.datetime.now())
                if not send:
                    folder.mkdir(parents=True, exist_ok=True)
                    eml = (
                        folder
                        / f"{item.bin or 'unknown'}-{hashlib.sha1(item.key.encode()).hexdigest()[:10]}.eml"
                    )
                    write_bytes(eml, bytes(message))
                    _log(conn, item, "written", 0, None, str(eml))
                    report.written += 1
                    continue
                client, error = _send_with_retries(client, settings, message, timeout, sleep)
                _log(conn, item, "failed" if error else "sent", 1, error, None)
                if error:
                    report.failed.append((item.to, error))
                else:
                    report.sent += 1
                if pause and n + 1 < len(todo):
                    sleep(pause)
        finally:
            if client is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    client.quit()
    finally:
        conn.close()
    return report


def set_aside_drafts(folder: Path, earlier: Path, kind: str) -> Path | None:
    """A dry run's drafts replace the last ones of that kind: the officer reviews one current
    set. The earlier set is moved (never deleted) to `earlier/<kind>-<time>/`."""
    drafts = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    if not drafts:
        return None
    stamp = dt.datetime.fromtimestamp(max(p.stat().st_mtime for p in drafts))
    target = earlier / f"{kind}-{stamp:%Y-%m-%d_%H%M%S}"
    n = 1
    while target.exists():
        n += 1
        target = earlier / f"{kind}-{stamp:%Y-%m-%d_%H%M%S}-{n}"
    target.mkdir(parents=True)
    for draft in drafts:
        draft.rename(target / draft.name)
    return target


def _send_with_retries(
    client, settings: SmtpSettings, message: EmailMessage, timeout: float, sleep
):
    """Send one message; reconnect on transient errors; a refused recipient fails alone."""
    last = ""
    for attempt in range(RETRIES):
        try:
            if client is None:
                client = _connect(settings, timeout)
            client.send_message(message)
            return client, None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = list(exc.recipients.values())[0]
            return client, render("smtp_recipient_refused", detail=repr(refused)).text
        except smtplib.SMTPResponseException as exc:
            last = f"{exc.smtp_code} {exc.smtp_error!r}"
            if exc.smtp_code < 400 or exc.smtp_code >= 500:
                return client, last
            client = _drop(client)
        except TRANSIENT as exc:
            last = f"{type(exc).__name__}: {exc}"
            client = _drop(client)
        except MailError as exc:
            if attempt == RETRIES - 1 or exc.code == "smtp_login_refused":
                raise
            last = exc.ru
        sleep(min(2**attempt, 10) * 0.5)
    return client, last


def _drop(client):
    if client is not None:
        with contextlib.suppress(OSError):
            client.close()
    return None
