"""The officer's desk over HTTP: every route, and every refusal (no token, another Host, no
CSRF token, a path out of the outbox, a file too large), through the real app and the real
library underneath (a real ledger, real workbooks)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

from pipeline.desk import app as desk_app
from pipeline.desk.app import Desk, make_app
from tests.helpers import fill

TODAY = dt.date(2023, 11, 20)


@pytest.fixture
def desk(workspace) -> Desk:
    return Desk(workspace.paths, hosts={"testserver"}, today=TODAY)


@pytest.fixture
def client(desk) -> TestClient:
    """A browser that opened the address `adal serve` printed (redirects shown, not taken)."""
    browser = TestClient(make_app(desk), follow_redirects=False)
    entered = browser.get(f"/?token={desk.token}")
    assert entered.status_code == 303
    return browser


def _returned(workspace, org, name: str, tmp_path: Path) -> Path:
    """A school's filled workbook, as it sits on the officer's desktop (not yet in inbox/)."""
    made = fill(workspace, org, {}, name)
    moved = tmp_path / "desktop" / name
    moved.parent.mkdir(exist_ok=True)
    shutil.move(made, moved)
    return moved


def _finished(client: TestClient, desk: Desk, response) -> dict:
    """Follow a step's page to its end, as the page's script polls it."""
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].rsplit("/", 1)[-1]
    job = desk.jobs.get(job_id)
    assert desk.jobs.wait(job, 300)
    state = client.get(f"/job/{job_id}.json").json()
    return state


def test_a_request_without_the_token_is_refused_in_both_languages(desk):
    stranger = TestClient(make_app(desk))
    for url in ("/", "/org/1", "/files/report/x.docx", "/static/desk.css", "/?token=wrong"):
        answer = stranger.get(url, follow_redirects=False)
        assert answer.status_code == 403, url
        assert "adal serve" in answer.text and "ссылке" in answer.text
    assert stranger.post("/drop", data={"csrf": desk.csrf}).status_code == 403


def test_the_token_becomes_a_cookie_and_leaves_the_address_bar(desk):
    browser = TestClient(make_app(desk))
    entered = browser.get(f"/org/x?token={desk.token}&lang=ru", follow_redirects=False)
    assert entered.status_code == 303
    assert entered.headers["location"] == "/org/x?lang=ru"
    cookie = entered.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert browser.get("/").status_code == 200


def test_another_host_is_refused_so_a_rebound_name_cannot_reach_the_desk(desk):
    rebound = TestClient(make_app(desk), base_url="http://attacker.example:8765")
    answer = rebound.get(f"/?token={desk.token}", follow_redirects=False)
    assert answer.status_code == 403
    assert "адрес" in answer.text


def test_a_form_without_the_csrf_token_is_refused(client, desk):
    for path in ("/ingest", "/consolidate", "/report", "/letters/templates", "/drop"):
        assert client.post(path, data={}).status_code == 403, path
        assert client.post(path, data={"csrf": "forged"}).status_code == 403, path
    assert client.post("/ingest", headers={"X-CSRF-Token": "forged"}).status_code == 403


@pytest.mark.both_ledgers
def test_the_board_shows_every_organisation_and_return_with_status_marks(client, workspace):
    page = client.get("/").text
    for org in workspace.organisations:
        assert org.name.kk in page
        assert f'href="/org/{org.bin}"' in page
    assert page.count('data-state="missing"') == sum(
        org.type in s.applies_to for org in workspace.organisations
        for s in workspace.collected.values()
    )  # fmt: skip
    assert "Есебі әлі қабылданбаған 3 ұйымға еске салу хатын жіберіңіз." in page
    assert "мерзімі өтті" in page and "15.11.2023" in page


def test_the_language_switch_shows_the_page_in_russian(client, workspace):
    switched = client.get("/?lang=ru", follow_redirects=False)
    assert switched.status_code == 303 and "adal_lang=ru" in switched.headers["set-cookie"]
    page = client.get("/").text
    assert '<html lang="ru">' in page
    assert "Отправьте напоминания 3 организациям, чьи отчёты ещё не приняты." in page
    assert workspace.organisations[0].name.ru in page
    assert "Кім тапсырды" not in page


@pytest.mark.both_ledgers
def test_a_dropped_file_is_saved_ingested_and_its_row_changes(client, desk, workspace, tmp_path):
    school = workspace.organisations[0]
    workbook = _returned(workspace, school, "Мектеп 1.xlsx", tmp_path)
    with workbook.open("rb") as handle:
        started = client.post(
            "/drop",
            data={"csrf": desk.csrf},
            files=[("files", ("../../Мектеп 1.xlsx", handle, "application/octet-stream"))],
            follow_redirects=False,
        )
    state = _finished(client, desk, started)
    assert state["state"] == "done", state
    assert not list(workspace.paths.inbox.iterdir())  # read, archived: none left behind
    assert not (tmp_path.parent / "Мектеп 1.xlsx").exists()  # the name could not climb out
    job_page = client.get(started.headers["location"]).text
    assert "Мектеп 1.xlsx" in job_page and "Дайын." in job_page
    row = _row(client.get("/").text, school.bin)
    assert 'data-state="late"' in row and 'data-state="missing"' not in row  # sent today


def _row(page: str, bin_: str) -> str:
    start = page.index(f'href="/org/{bin_}"')
    return page[start : page.index("</tr>", start)]


def test_a_file_over_the_limit_is_refused_and_not_kept(client, desk, workspace, monkeypatch):
    monkeypatch.setattr(desk_app, "UPLOAD_LIMIT_MB", 1)
    answer = client.post(
        "/drop",
        data={"csrf": desk.csrf},
        files=[("files", ("big.xlsx", b"x" * (1024 * 1024 + 10), "application/octet-stream"))],
    )
    assert answer.status_code == 400
    assert "big.xlsx" in answer.text and "1 МБ" in answer.text
    assert not list(workspace.paths.inbox.iterdir())


def test_a_drop_never_replaces_a_file_waiting_in_the_inbox(client, desk, workspace):
    """Red team: two drops of one name at once lost one file and mixed the other."""
    inbox = workspace.paths.inbox
    (inbox / "a.xlsx").write_bytes(b"waiting")
    gate = threading.Event()
    held = desk.jobs.start("slow", lambda progress: gate.wait(5))  # the ingest waits: all kept
    try:
        client.post(
            "/drop",
            data={"csrf": desk.csrf},
            files=[("files", ("a.xlsx", b"first", "x/y")), ("files", ("a.xlsx", b"second", "x/y"))],
        )
    finally:
        gate.set()
        desk.jobs.wait(held)
    kept = {p.name: p.read_bytes() for p in inbox.iterdir() if not p.name.startswith(".")}
    assert kept == {"a.xlsx": b"waiting", "a (2).xlsx": b"first", "a (3).xlsx": b"second"}


@pytest.mark.slow
def test_an_organisations_page_shows_its_files_problems_and_correction(
    client, desk, workspace, tmp_path
):
    school = workspace.organisations[0]
    bad = fill(workspace, school, {"1.1": [{"iin": "123", "full_name": "Ахметов"}]}, "bad.xlsx")
    assert bad.exists()
    state = _finished(client, desk, client.post("/ingest", data={"csrf": desk.csrf}))
    assert state["state"] == "done"
    page = client.get(f"/org/{school.bin}").text
    assert "bad.xlsx" in page and "10.11.2023 10:00" in page
    link = re.search(r'href="/files/(feedback/[^"]+)"', page)
    assert link, page
    correction = client.get(f"/files/{link.group(1)}")
    assert correction.status_code == 200
    assert correction.content[:2] == b"PK"  # the correction workbook itself
    assert client.get("/org/000000000000").status_code == 404


def test_downloads_come_only_from_inside_the_outbox(client, workspace, tmp_path):
    outbox = workspace.paths.outbox
    (outbox / "report").mkdir(parents=True)
    (outbox / "report" / "3.1-reference-kk.docx").write_bytes(b"PK docx")
    secret = tmp_path / "secret.txt"
    secret.write_text("IIN 850102300015", encoding="utf-8")
    (outbox / "report" / "link.txt").symlink_to(secret)
    assert client.get("/files/report/3.1-reference-kk.docx").content == b"PK docx"
    for path in (
        "/files/../campaign/campaign.yaml",
        "/files/%2e%2e/campaign/campaign.yaml",
        "/files/report/../../campaign/campaign.yaml",
        "/files/report/link.txt",
        "/files/report/",
        "/files/report",
        "/files//etc/passwd",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "IIN" not in answer.text and "subject" not in answer.text


def test_nothing_typed_by_an_outsider_becomes_markup(client, workspace, desk):
    """An organisation's name comes from a registry a school may have helped fill."""
    registry = workspace.paths.registry_file
    book = openpyxl.load_workbook(registry)
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.value == workspace.organisations[0].name.kk:
                cell.value = '<script>alert("x")</script> мектеп'
    book.save(registry)
    page = client.get("/").text
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; мектеп" in page


def test_a_folder_that_is_not_a_campaign_says_so_in_both_languages(tmp_path):
    from pipeline.specs.workspace import Paths

    desk = Desk(Paths(tmp_path / "empty"), hosts={"testserver"})
    browser = TestClient(make_app(desk))
    browser.get(f"/?token={desk.token}")
    for url in ("/", "/settings", "/outputs", "/drop", "/letters"):
        page = browser.get(url).text
        assert "науқан қалтасы емес" in page and "не папка кампании" in page, url


def test_settings_show_a_mistake_in_campaign_yaml_with_its_place(client, workspace):
    assert "қате жоқ" in client.get("/settings").text
    text = workspace.paths.campaign_file.read_text(encoding="utf-8")
    workspace.paths.campaign_file.write_text(text.replace("code:", "code", 1), encoding="utf-8")
    page = client.get("/settings").text
    assert "campaign.yaml" in page and "жол" in page and "строка" in page


@pytest.mark.slow
def test_the_report_refuses_an_impossible_date_as_the_cli_does(client, desk, workspace):
    fill(workspace, workspace.organisations[0], {}, "a.xlsx")
    _finished(client, desk, client.post("/ingest", data={"csrf": desk.csrf}))
    failed = _finished(
        client, desk, client.post("/report", data={"csrf": desk.csrf, "signed": "2023-05-01"})
    )
    assert failed["state"] == "failed"
    assert "2023" in failed["error"]["ru"] and "подпис" in failed["error"]["ru"]
    missing = client.post("/report", data={"csrf": desk.csrf, "signed": ""})
    assert missing.status_code == 400 and "Анықтамаға қол қойылған күнді" in missing.text


@pytest.mark.slow
def test_consolidate_and_report_from_the_page_then_download(client, desk, workspace):
    for org in workspace.organisations:
        fill(workspace, org, {}, f"{org.bin}.xlsx")
    assert (
        _finished(client, desk, client.post("/ingest", data={"csrf": desk.csrf}))["state"] == "done"
    )
    assert (
        _finished(client, desk, client.post("/consolidate", data={"csrf": desk.csrf}))["state"]
        == "done"
    )
    made = client.post(
        "/report",
        data={"csrf": desk.csrf, "signed": "2023-12-08", "approved": "2023-12-20"},
        follow_redirects=False,
    )
    assert _finished(client, desk, made)["state"] == "done"
    page = client.get("/outputs").text
    assert "report/3.1-reference-kk.docx" in page and "consolidated-" in page
    assert 'class="bar"' in page  # the completeness and risk pictures
    reference = client.get("/files/report/3.1-reference-ru.docx")
    assert reference.status_code == 200 and reference.content[:2] == b"PK"
    assert "attachment" in reference.headers["content-disposition"]
    assert "Анықтама мен жоспар дайын" in client.get("/").text


@pytest.mark.slow
def test_letters_are_listed_by_kind_for_review_before_they_go(client, desk, workspace):
    assert client.get("/letters").status_code == 200
    assert (
        _finished(client, desk, client.post("/templates", data={"csrf": desk.csrf}))["state"]
        == "done"
    )
    written = client.post("/letters/templates", data={"csrf": desk.csrf})
    assert _finished(client, desk, written)["state"] == "done"
    page = client.get("/letters").text
    for org in workspace.organisations:
        assert org.email in page and org.name.kk in page
    assert page.count('href="/files/mail/templates/') == len(workspace.organisations)
    assert "data-confirm=" in page  # the page asks before anything is sent
    assert client.post("/letters/nonsense", data={"csrf": desk.csrf}).status_code == 404


@pytest.mark.slow
def test_a_sample_campaign_sends_nothing_from_the_page(client, desk, workspace):
    text = workspace.paths.campaign_file.read_text(encoding="utf-8")
    workspace.paths.campaign_file.write_text("sample: true\n" + text, encoding="utf-8")
    failed = _finished(client, desk, client.post("/templates", data={"csrf": desk.csrf}))
    assert failed["state"] == "failed" and failed["error"]["kk"]
    assert not (workspace.paths.outbox / "templates").exists()


def test_one_writing_step_at_a_time(client, desk):
    gate = threading.Event()
    started = desk.jobs.start("slow", lambda progress: gate.wait(5))
    try:
        busy = client.post("/ingest", data={"csrf": desk.csrf})
        assert busy.status_code == 409 and "Басқа әрекет орындалып жатыр" in busy.text
    finally:
        gate.set()
        desk.jobs.wait(started)


@pytest.mark.slow
def test_adal_serve_prints_its_address_first_and_serves_the_campaign(workspace):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("adal")), "--root", str(workspace.paths.root),
         "serve", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        first = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", first), first
        assert "Adal жұмыс үстелі ашық" in process.stdout.readline()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(first, timeout=30).read().decode("utf-8")
        assert workspace.organisations[0].name.kk in page
    finally:
        process.terminate()
        process.wait(10)


def test_init_leaves_a_double_clickable_desk_and_never_replaces_the_officers_own(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    root = tmp_path / "kampania"
    assert CliRunner().invoke(main, ["--root", str(root), "init"]).exit_code == 0
    shortcut = (root / "Adal.cmd").read_bytes().decode("utf-8")
    assert "serve" in shortcut and '--root "%~dp0."' in shortcut and "\r\n" in shortcut
    (root / "Adal.cmd").write_text("@echo my own", encoding="utf-8")
    CliRunner().invoke(main, ["--root", str(root), "init"])
    assert (root / "Adal.cmd").read_text(encoding="utf-8") == "@echo my own"


def test_red_team_the_language_switch_never_leads_to_another_site(client):
    for path in (
        "//evil.example/x",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
    ):
        answer = client.get(f"{path}?lang=ru")
        location = answer.headers.get("location", "")
        assert answer.status_code == 303 and location.startswith("/"), (path, location)
        assert not location.startswith(("//", "/\\")) and "\t" not in location, location


def test_red_team_odd_tokens_and_paths_are_refused_not_crashed(desk, client):
    stranger = TestClient(make_app(desk), follow_redirects=False)
    assert stranger.get("/?token=%C3%A9").status_code == 403
    assert stranger.get("/", headers={"cookie": "adal_token=é".encode()}).status_code == 403
    for path in ("/files/a%00b", "/files/" + "a" * 5000):
        assert client.get(path).status_code == 404, path
    assert client.post("/ingest", headers={"X-CSRF-Token": "é".encode()}).status_code == 403


def test_red_team_every_answer_is_kept_out_of_caches_and_frames(client, desk):
    for answer in (client.get("/"), TestClient(make_app(desk)).get("/")):
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"


def test_red_team_a_body_that_hides_its_length_is_stopped_at_the_limit(
    client, desk, workspace, monkeypatch
):
    from pipeline.desk import guard

    monkeypatch.setattr(guard, "BODY_LIMIT", 64 * 1024)
    boundary = "b0undary"

    def chunks():
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
               'filename="big.xlsx"\r\n\r\n').encode()  # fmt: skip
        for _ in range(40):
            yield b"x" * 4096
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = client.post(
        "/drop",
        content=chunks(),
        headers={"X-CSRF-Token": desk.csrf,
                 "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip
    assert answer.status_code == 400 and "тым үлкен" in answer.text
    assert not list(workspace.paths.inbox.iterdir())


def test_red_team_the_workbook_with_full_iins_is_named_as_such(client, workspace):
    outbox = workspace.paths.outbox
    outbox.mkdir(exist_ok=True)
    (outbox / f"consolidated-{workspace.campaign.code}.xlsx").write_bytes(b"PK")
    (outbox / f"consolidated-{workspace.campaign.code}-personal.xlsx").write_bytes(b"PK")
    page = client.get("/outputs").text
    assert "ЖСН толық" in page and page.count("Жиынтық кесте (Excel)") == 1


def test_red_team_windows_device_names_never_reach_the_inbox():
    from pipeline.intake.inbox import _device, dropped_name

    for name in ("CON .xlsx", "COM¹.xlsx", "conout$.xlsx", "CONIN$", "NUL", "lpt1.ods"):
        assert _device(name), name
        assert not _device(dropped_name(name)), dropped_name(name)
