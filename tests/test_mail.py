"""Mail through a real SMTP server on 127.0.0.1 (aiosmtpd), and the .eml dry run."""

import email
import email.policy
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from pipeline.core.errors import MailError
from pipeline.intake.ingest import ingest
from pipeline.letters.mail import run_mail
from pipeline.workbooks.templates import write_templates
from tests.helpers import fill, good_11, good_14


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """Keeps every message; can be told to drop the connection after N messages."""

    def __init__(self, fail_after: int | None = None):
        self.messages = []
        self.fail_after = fail_after

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "421 Service not available, closing transmission channel"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@pytest.fixture
def smtp():
    servers = []

    def start(handler, **kwargs):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        servers.append(controller)
        return {
            "ADAL_SMTP_HOST": "127.0.0.1",
            "ADAL_SMTP_PORT": str(port),
            "ADAL_SMTP_SECURITY": "none",
            "ADAL_MAIL_FROM": "kadr@dept.example",
        }

    yield start
    for controller in servers:
        controller.stop()


def templates(workspace):
    write_templates(
        workspace.paths.outbox / "templates",
        workspace.organisations,
        workspace.campaign,
        workspace.specs,
    )


def text_of(message):
    return message.get_body(("plain",)).get_content()


def test_templates_arrive_bilingual_with_identical_attachments(workspace, orgs, smtp):
    templates(workspace)
    handler = Collector()
    env = smtp(handler)
    report = run_mail(workspace, "templates", send=True, env=env, sleep=lambda s: None)
    assert report.sent == 3 and report.failed == []
    got = {tuple(rcpt): msg for rcpt, msg in handler.messages}
    assert set(got) == {(o.email,) for o in orgs}
    message = got[(orgs[1].email,)]
    assert message["Subject"] == (
        "Үлгі: 2023 жылғы сыбайлас жемқорлық тәуекелдеріне ішкі талдау / "
        "Шаблон: внутренний анализ коррупционных рисков 2023 года"
    )
    body = text_of(message)
    assert "Уважаемые коллеги" in body and "Құрметті әріптестер" in body and orgs[1].name.ru in body
    [attachment] = list(message.iter_attachments())
    path = workspace.paths.outbox / "templates" / attachment.get_filename()
    assert attachment.get_content() == path.read_bytes()
    again = run_mail(workspace, "templates", send=True, env=env, sleep=lambda s: None)
    assert again.sent == 0 and again.skipped == 3
    assert len(handler.messages) == 3


def test_interrupted_batch_resumes_where_it_stopped(workspace, orgs, smtp):
    templates(workspace)
    flaky = Collector(fail_after=1)
    report = run_mail(workspace, "templates", send=True, env=smtp(flaky), sleep=lambda s: None)
    assert report.sent == 1 and len(report.failed) == 2
    good = Collector()
    resumed = run_mail(workspace, "templates", send=True, env=smtp(good), sleep=lambda s: None)
    assert resumed.sent == 2 and resumed.skipped == 1
    assert {r[0] for r, _ in flaky.messages} | {r[0] for r, _ in good.messages} == {
        o.email for o in orgs
    }


def test_limit_and_pause(workspace, smtp):
    templates(workspace)
    pauses = []
    handler = Collector()
    report = run_mail(
        workspace,
        "templates",
        send=True,
        limit=2,
        pause=1.5,
        env=smtp(handler),
        sleep=pauses.append,
    )
    assert report.sent == 2 and pauses == [1.5]


def test_authentication_failure_is_reported_clearly(workspace, smtp):
    templates(workspace)

    def deny(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    env = smtp(Collector(), authenticator=deny, auth_required=True, auth_require_tls=False)
    env.update(ADAL_SMTP_USER="kadr", ADAL_SMTP_PASSWORD="wrong")
    with pytest.raises(MailError) as info:
        run_mail(workspace, "templates", send=True, env=env, sleep=lambda s: None)
    assert "ADAL_SMTP_PASSWORD" in str(info.value) and "kadr" in str(info.value)


def test_unreachable_server_is_a_message(workspace):
    templates(workspace)
    env = {
        "ADAL_SMTP_HOST": "127.0.0.1",
        "ADAL_SMTP_PORT": str(free_port()),
        "ADAL_MAIL_FROM": "a@b.example",
    }
    with pytest.raises(MailError, match="порт"):
        run_mail(workspace, "templates", send=True, env=env, sleep=lambda s: None, timeout=2)


def test_reminders_only_to_organisations_with_something_pending(workspace, orgs, smtp):
    import datetime as dt

    templates(workspace)
    full = {code: [] for code in workspace.collected}
    fill(
        workspace,
        orgs[0],
        {"1.1": [good_11()], "1.4": [good_14()]},
        "a.xlsx",
        nil=tuple(c for c in full if c not in ("1.1", "1.4", "1.8", "2")),
        complete=False,  # the checklists 1.8 and 2.1-2.5 left empty: rejected, reminded
    )
    ingest(workspace)
    handler = Collector()
    run_mail(
        workspace,
        "reminders",
        send=True,
        env=smtp(handler),
        today=dt.date(2023, 11, 14),
        sleep=lambda s: None,
    )
    recipients = {r[0] for r, _ in handler.messages}
    assert recipients == {o.email for o in orgs}
    school = next(m for r, m in handler.messages if r == [orgs[0].email])
    body = text_of(school)
    assert "1.8" in body and "2 " in body and "1.4" not in body.split("\n\n")[1]
    assert "15.11.2023" in body
    assert "Просим направить их до 15.11.2023." in body  # asks, not only lists
    assert "Оларды жіберу мерзімі — 15.11.2023" in body


def test_a_reminder_after_every_deadline_asks_within_two_working_days(workspace, orgs, smtp):
    import datetime as dt

    templates(workspace)
    handler = Collector()
    friday = dt.date(2023, 12, 1)  # every deadline (the last: 30.11) has passed
    run_mail(workspace, "reminders", send=True, env=smtp(handler), today=friday,
             sleep=lambda s: None)  # fmt: skip
    body = text_of(handler.messages[0][1])
    assert "Просим направить их до 05.12.2023." in body  # Monday and Tuesday are working days


def test_no_reminder_once_everything_is_accepted(workspace, orgs, smtp, monkeypatch):
    from pipeline.letters import mail as mail_module
    from pipeline.tracking.status import ReturnState

    monkeypatch.setattr(
        mail_module,
        "return_states",
        lambda conn, workspace: {
            o.bin: {c: ReturnState("accepted") for c in workspace.specs} for o in orgs
        },
    )
    handler = Collector()
    report = run_mail(workspace, "reminders", send=True, env=smtp(handler), sleep=lambda s: None)
    assert report.sent == 0 and handler.messages == []


def test_feedback_goes_to_the_sender_with_the_correction_workbook(workspace, orgs, smtp):
    fill(workspace, orgs[1], {"1.1": [{**good_11(), "position": None}]}, "Отчёт Балапан.xlsx")
    [outcome] = ingest(workspace)
    handler = Collector()
    run_mail(workspace, "feedback", send=True, env=smtp(handler), sleep=lambda s: None)
    [(rcpt, message)] = handler.messages
    assert rcpt == [orgs[1].email]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Отчёт_Балапан (Қателер-Ошибки).xlsx"  # not transliterated
    assert attachment.get_content() == Path(outcome.feedback).read_bytes()
    assert "Отчёт Балапан.xlsx" in text_of(message)


def test_dry_run_writes_eml_files(workspace, orgs):
    templates(workspace)
    report = run_mail(workspace, "templates")
    assert report.written == 3
    files = sorted((workspace.paths.outbox / "mail" / "templates").glob("*.eml"))
    assert len(files) == 3
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["To"] in {o.email for o in orgs}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made once with the openssl command."""
    import shutil as sh
    import subprocess

    if not sh.which("openssl"):
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("certificate")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_encrypted_connections_with_the_departments_own_ca(
    workspace, orgs, smtp, certificate, security
):
    import ssl

    key, cert = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    handler = Collector()
    kwargs = (
        {"tls_context": server, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": server}
    )
    env = smtp(handler, **kwargs)
    env.update(ADAL_SMTP_SECURITY=security, ADAL_SMTP_CAFILE=str(cert))
    templates(workspace)
    report = run_mail(workspace, "templates", send=True, env=env, sleep=lambda s: None, timeout=5)
    assert report.sent == 3 and report.failed == []
    assert {r[0] for r, _ in handler.messages} == {o.email for o in orgs}


def test_untrusted_certificate_is_reported_not_ignored(workspace, smtp, certificate):
    import ssl

    key, cert = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    env = smtp(Collector(), tls_context=server, require_starttls=True)
    env.update(ADAL_SMTP_SECURITY="starttls")
    templates(workspace)
    with pytest.raises(MailError, match="SMTP"):
        run_mail(workspace, "templates", send=True, env=env, sleep=lambda s: None, timeout=5)


def test_a_refused_login_stops_the_retries_by_its_code_not_its_wording(monkeypatch):
    """Retrying was decided by finding «отклонил вход» in the Russian text: rewording the
    message would have made Adal try a refused password three times, locking the account."""
    from email.message import EmailMessage

    from pipeline.letters import mail

    raised = []

    def refuse(settings, timeout):
        raised.append(1)
        raise error

    monkeypatch.setattr(mail, "_connect", refuse)
    settings = mail.SmtpSettings("localhost", 25, "none", "u", "p", "a@x.example", "")
    error = MailError.of("smtp_login_refused", user="u")
    with pytest.raises(MailError):
        mail._send_with_retries(None, settings, EmailMessage(), 1.0, lambda s: None)
    assert len(raised) == 1 and error.code == "smtp_login_refused"
    raised.clear()
    error = MailError("… отклонил вход …", "… отклонил вход …")  # the words, not the code
    with pytest.raises(MailError):
        mail._send_with_retries(None, settings, EmailMessage(), 1.0, lambda s: None)
    assert len(raised) == mail.RETRIES


@pytest.mark.both_ledgers
def test_two_senders_at_once_the_second_is_told_and_sends_nothing(workspace, orgs):
    """The red team: two `adal mail … --send` at once sent every letter twice."""
    from click.testing import CliRunner

    from pipeline import ledger
    from pipeline.cli import main

    templates(workspace)
    root = str(workspace.paths.root)
    with ledger.one_sender(workspace.paths.ledger):  # the first run, sending
        second = CliRunner().invoke(main, ["--root", root, "mail", "templates", "--send"])
    assert second.exit_code != 0, second.output
    assert "уже отправляет другой «adal mail --send»" in second.output
    assert "басқа «adal mail --send» жіберіп жатыр" in second.output
    assert "Traceback" not in second.output
    conn = ledger.connect(workspace.paths.ledger)
    try:
        assert ledger.sent_message_keys(conn) == set()
    finally:
        conn.close()
    with ledger.one_sender(workspace.paths.ledger):  # let go when the first ends
        pass
