"""`adal fetch` against a real IMAP server: Debian's Dovecot, started by the test from a
config of its own (loopback only, TLS with a certificate the test makes, a Maildir, one
user), holding the district's returns as real messages placed in time by APPEND's
INTERNALDATE: one file, several, a zip, a forwarded message, a reply without files, one
message in two folders, one whose Date is a year ahead."""

from __future__ import annotations

import datetime as dt
import imaplib
import io
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import ledger
from pipeline.cli import main
from pipeline.core import clock
from pipeline.core.errors import MailError
from pipeline.intake.mailbox import fetch, mark_taken
from tests.helpers import fill, good_11, make_iin

pytestmark = pytest.mark.slow

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "officer", "hat-sekret"
DAY = dt.datetime(2023, 11, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dovecot_or_skip() -> None:
    missing = not Path(DOVECOT).exists() or os.geteuid() != 0 or not shutil.which("openssl")
    if missing:
        if os.environ.get("ADAL_REQUIRE_IMAP"):
            pytest.fail("Dovecot is missing (or not run as root), and CI requires it")
        pytest.skip("Debian's dovecot-imapd is not installed")


class Server:
    """A Dovecot of the test's own; `client()` is a second IMAP client, as a mail program."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.imaps, self.imap = _free_port(), _free_port()
        self.cert = base / "cert.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(base / "key.pem"), "-out", str(self.cert), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        mail = base / "mail"
        mail.mkdir()
        shutil.chown(mail, "nobody", "nogroup")
        (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
        self.config = base / "dovecot.conf"
        self.config.write_text(
            f"""base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{base}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = {base}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={mail}/%u
}}
mail_location = maildir:{mail}/%u/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps}
    ssl = yes
  }}
}}
""",
            encoding="utf-8",
        )
        subprocess.run([DOVECOT, "-c", str(self.config)], check=True, timeout=30)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.imaps), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.config), "stop"], capture_output=True, timeout=30)

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cert))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.imaps, ssl_context=context)
        client.login(USER, PASSWORD)
        return client

    def put(self, message: EmailMessage, when: dt.datetime, folder: str = "INBOX") -> None:
        client = self.client()
        client.create(folder)  # «already exists» for INBOX and after the first: harmless
        status, _ = client.append(folder, None, imaplib.Time2Internaldate(when), bytes(message))
        assert status == "OK"
        client.logout()

    def env(self, **more: str) -> dict[str, str]:
        return {
            "ADAL_IMAP_HOST": "127.0.0.1",
            "ADAL_IMAP_PORT": str(self.imaps),
            "ADAL_IMAP_SECURITY": "ssl",
            "ADAL_IMAP_USER": USER,
            "ADAL_IMAP_PASSWORD": PASSWORD,
            **more,
        }


@pytest.fixture
def server():
    _dovecot_or_skip()
    base = Path(tempfile.mkdtemp(prefix="adal-dovecot-"))  # the server's, outside the test's
    base.chmod(0o755)  # the mail user (nobody) walks into it
    running = Server(base)
    yield running
    running.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def mailbox(server, workspace, monkeypatch):
    """The department's mailbox set up as campaign.yaml and the environment say."""
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    text = workspace.paths.campaign_file.read_text(encoding="utf-8")
    workspace.paths.campaign_file.write_text(
        text + f"\nimap:\n  ca_file: {server.cert}\n", encoding="utf-8"
    )
    from pipeline.specs.workspace import open_workspace

    return open_workspace(workspace.paths)


def _letter(sender: str, subject: str, files: dict[str, bytes], date: dt.datetime, n: int):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "kadr@dept.example"
    message["Subject"] = subject
    message["Date"] = date.strftime("%a, %d %b %Y %H:%M:%S %z")
    message["Message-ID"] = f"<{n}.return@school.example>"
    message.set_content("Есеп тіркелді / Отчёт во вложении")
    for name, data in files.items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message


def _workbook(workspace, org, name: str, rows: dict | None = None) -> bytes:
    path = fill(workspace, org, rows or {}, name)
    data = path.read_bytes()
    path.unlink()  # the inbox is the mailbox's to fill
    return data


def _district_mail(server: Server, workspace) -> dict[str, EmailMessage]:
    """The returns of three organisations as schools really send them."""
    school, kindergarten, extra = workspace.organisations
    one = _letter(school.email, "Есеп 1", {"mektep.xlsx": _workbook(workspace, school, "m.xlsx")},
                  DAY, 1)  # fmt: skip
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("balabaqsha.xlsx", _workbook(workspace, kindergarten, "b.xlsx"))
    zipped = _letter(kindergarten.email, "Есеп zip", {"esep.zip": packed.getvalue()}, DAY, 2)
    inner = _letter(extra.email, "Есеп 3", {"qosymsha.xlsx": _workbook(workspace, extra, "q.xlsx")},
                    DAY, 3)  # fmt: skip
    forwarded = EmailMessage()
    forwarded["From"] = "director@school.example"
    forwarded["Subject"] = "Fwd: Есеп 3"
    forwarded["Date"] = DAY.strftime("%a, %d %b %Y %H:%M:%S %z")
    forwarded["Message-ID"] = "<4.fwd@school.example>"
    forwarded.set_content("Жіберіп отырмын / Пересылаю")
    forwarded.add_attachment(inner)
    ahead = DAY.replace(year=2024)
    corrected = _workbook(workspace, school, "m2.xlsx", {"1.1": [good_11(make_iin(2))]})
    late_clock = _letter(school.email, "Есеп қайта", {"mektep2.xlsx": corrected}, ahead, 5)
    reply = _letter(school.email, "Re: Үлгі", {}, DAY, 6)
    letters = {"one": one, "zip": zipped, "forwarded": forwarded, "ahead": late_clock,
               "reply": reply}  # fmt: skip
    for n, message in enumerate(letters.values()):
        server.put(message, DAY + dt.timedelta(minutes=n))
    server.put(one, DAY, folder="Archive")  # the same message copied into a second folder
    return letters


def test_every_message_with_files_is_taken_once_with_the_servers_time(server, mailbox):
    _district_mail(server, mailbox)
    report = fetch(mailbox)
    assert len(report.saved) == 4  # one, zip, forwarded, ahead; the reply is listed instead
    assert [f.subject for f in report.without_files] == ["Re: Үлгі"]
    ahead = next(f for f in report.saved if f.subject == "Есеп қайта")
    assert ahead.clock_ahead and ahead.said_date == "10.11.2024"
    saved = sorted(p.name for p in mailbox.paths.inbox.iterdir())
    assert len(saved) == 4 and all(name.endswith(".eml") for name in saved)

    again = fetch(mailbox)
    assert (len(again.saved), again.known) == (0, 5)  # a second run takes nothing
    archive = fetch(mailbox, env={**server.env(), "ADAL_IMAP_FOLDER": "Archive"})
    assert (len(archive.saved), archive.duplicates) == (0, 1)  # a copy is the same message

    result = CliRunner().invoke(main, ["--root", str(mailbox.paths.root), "ingest"])
    assert result.exit_code == 0, result.output
    conn = ledger.connect(mailbox.paths.ledger)
    received = {r[0] for r in conn.execute("SELECT received_at FROM files").fetchall()}
    conn.close()
    # INTERNALDATE in the campaign's zone (10:00 at +05:00 was 11:00 in Almaty in 2023),
    # never the Date a year ahead
    first = clock.local(DAY)
    expected = {(first + dt.timedelta(minutes=n)).isoformat() for n in (0, 1, 2, 3)}
    assert received == expected, received


def test_taken_messages_are_flagged_for_the_officers_mail_program(server, mailbox):
    _district_mail(server, mailbox)
    result = CliRunner().invoke(main, ["--root", str(mailbox.paths.root), "fetch"])
    assert result.exit_code == 0, result.output
    assert "Сохранено из почтового ящика в inbox/: 4" in result.output
    assert "Письма без файлов" in result.output and "Re: Үлгі" in result.output
    assert "часы отправителя неверны" in result.output
    assert "нет в реестре" in result.output and "director@school.example" in result.output
    assert "Отмечено или перемещено в почтовом ящике: 4" in result.output
    other = server.client()  # the officer's own mail program
    other.select("INBOX")
    _, flagged = other.uid("SEARCH", None, "FLAGGED")
    _, everything = other.uid("SEARCH", None, "ALL")
    other.logout()
    assert len(flagged[0].split()) == 4 and len(everything[0].split()) == 5  # none deleted


def test_taken_messages_can_be_moved_to_the_campaigns_folder(server, mailbox):
    _district_mail(server, mailbox)
    text = mailbox.paths.campaign_file.read_text(encoding="utf-8")
    mailbox.paths.campaign_file.write_text(
        text + "  after: move\n  move_to: Adal\n", encoding="utf-8"
    )
    client = server.client()
    client.create("Adal")
    client.logout()
    result = CliRunner().invoke(main, ["--root", str(mailbox.paths.root), "fetch"])
    assert result.exit_code == 0, result.output
    other = server.client()
    other.select("Adal")
    _, moved = other.uid("SEARCH", None, "ALL")
    other.select("INBOX")
    _, left = other.uid("SEARCH", None, "ALL")
    other.logout()
    assert len(moved[0].split()) == 4 and len(left[0].split()) == 1  # the reply stays


def test_a_run_killed_mid_fetch_then_run_again_loses_and_doubles_nothing(server, mailbox):
    school = mailbox.organisations[0]
    data = _workbook(mailbox, school, "k.xlsx")
    for n in range(120):
        server.put(_letter(school.email, f"Есеп {n}", {f"e{n}.xlsx": data}, DAY, 100 + n), DAY)
    adal = str(Path(sys.executable).with_name("adal"))
    command = [adal, "--root", str(mailbox.paths.root), "fetch", "--no-ingest"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    inbox = mailbox.paths.inbox
    for _ in range(600):
        if inbox.exists() and len(list(inbox.glob("*.eml"))) >= 5:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    killed_at = len(list(inbox.glob("*.eml")))
    assert 0 < killed_at < 120, killed_at  # it really stopped in the middle
    CliRunner().invoke(main, ["--root", str(mailbox.paths.root), "fetch", "--no-ingest"])
    saved = [p for p in inbox.iterdir() if not p.name.startswith(".")]
    assert len(saved) == 120  # every message once: none lost, none doubled
    conn = ledger.connect(mailbox.paths.ledger)
    rows = conn.execute("SELECT COUNT(*), COUNT(DISTINCT uid) FROM fetched").fetchone()
    conn.close()
    assert tuple(rows) == (120, 120)


def test_wrong_password_no_server_and_untrusted_certificate_are_named(server, mailbox):
    with pytest.raises(MailError) as wrong:
        fetch(mailbox, env=server.env(ADAL_IMAP_PASSWORD="wrong"))
    assert "officer" in str(wrong.value) and "пароль" in str(wrong.value)
    with pytest.raises(MailError) as nothing:
        fetch(mailbox, env=server.env(ADAL_IMAP_PORT=str(_free_port())))
    assert "Не удалось подключиться к почтовому серверу 127.0.0.1" in str(nothing.value)
    text = mailbox.paths.campaign_file.read_text(encoding="utf-8")
    mailbox.paths.campaign_file.write_text(text.replace("ca_file", "no_ca"), encoding="utf-8")
    from pipeline.specs.workspace import open_workspace

    with pytest.raises(MailError) as untrusted:
        fetch(open_workspace(mailbox.paths))
    assert "не является доверенным" in str(untrusted.value) and "imap.ca_file" in str(
        untrusted.value
    )
    with pytest.raises(MailError) as folder:
        fetch(mailbox, env=server.env(ADAL_IMAP_FOLDER="Жоқ"))
    assert "нет папки «Жоқ»" in str(folder.value)


def test_starttls_on_143_is_taken_as_well(server, mailbox):
    _district_mail(server, mailbox)
    env = server.env(ADAL_IMAP_SECURITY="starttls", ADAL_IMAP_PORT=str(server.imap))
    assert len(fetch(mailbox, env=env).saved) == 4
    assert mark_taken(mailbox, env=env) == 0  # nothing ingested yet: nothing flagged


def test_a_folder_named_in_kazakh_is_read(server, mailbox):
    """IMAP names folders in modified UTF-7: «Есептер» as the officer typed it works."""
    school = mailbox.organisations[0]
    message = _letter(
        school.email, "Есеп", {"m.xlsx": _workbook(mailbox, school, "m.xlsx")}, DAY, 9
    )
    client = server.client()
    client.create('"&BBUEQQQ1BD8EQgQ1BEA-"')
    client.append('"&BBUEQQQ1BD8EQgQ1BEA-"', None, imaplib.Time2Internaldate(DAY), bytes(message))
    client.logout()
    assert len(fetch(mailbox, env=server.env(ADAL_IMAP_FOLDER="Есептер")).saved) == 1


def test_the_desk_has_the_same_button(server, mailbox):
    from starlette.testclient import TestClient

    from pipeline.desk.app import Desk, make_app

    _district_mail(server, mailbox)
    desk = Desk(mailbox.paths, hosts={"testserver"})
    browser = TestClient(make_app(desk), follow_redirects=False)
    browser.get(f"/?token={desk.token}")
    assert 'action="/fetch"' in browser.get("/drop").text
    started = browser.post("/fetch", data={"csrf": desk.csrf})
    job = desk.jobs.get(started.headers["location"].rsplit("/", 1)[-1])
    assert desk.jobs.wait(job, 120) and job.state == "done", job.error
    page = browser.get(started.headers["location"]).text
    assert "Пошта жәшігінен алынды: 4" in page and "Re: Үлгі" in page
    other = server.client()
    other.select("INBOX")
    _, flagged = other.uid("SEARCH", None, "FLAGGED")
    other.logout()
    assert len(flagged[0].split()) == 4


def test_a_message_too_large_is_listed_not_taken(server, mailbox):
    text = mailbox.paths.campaign_file.read_text(encoding="utf-8")
    mailbox.paths.campaign_file.write_text(text + "  max_mb: 0.001\n", encoding="utf-8")
    from pipeline.specs.workspace import open_workspace

    workspace = open_workspace(mailbox.paths)
    _district_mail(server, workspace)
    report = fetch(workspace)
    assert not report.saved and len(report.too_large) == 4  # the reply (under 1 KB) is listed
    assert not workspace.paths.inbox.exists() or not list(workspace.paths.inbox.iterdir())
    result = CliRunner().invoke(main, ["--root", str(workspace.paths.root), "fetch"])
    assert result.exit_code == 0 and "получено ранее: 5" in result.output  # asked once
