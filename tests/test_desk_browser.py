"""The desk as an officer uses it, in a real browser: Debian's Chromium driven by Playwright
(its own browsers are never downloaded) against `adal serve`'s app on loopback. Open the
board, drop a file and watch its row change, open the organisation's page, write the
consolidated workbook and the report, download the reference, write the template letters
and send them to a local SMTP server after the confirmation; never twice."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from pipeline.desk.serve import in_thread
from tests.helpers import fill
from tests.test_mail import Collector, free_port

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OFFICE_SCREEN = {"width": 1366, "height": 768}


def _browser_or_skip():
    """Chromium and Playwright, or a skip outside CI (`.ci/run` installs both and sets
    ADAL_REQUIRE_BROWSER, so there a missing browser fails instead)."""
    import os

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not Path(CHROMIUM).exists():
        if os.environ.get("ADAL_REQUIRE_BROWSER"):
            pytest.fail("Chromium or Playwright is missing, and CI requires them")
        pytest.skip("Debian's chromium is not installed")
    return sync_playwright


@pytest.fixture
def served(workspace):
    """The desk on a free port of loopback, as `adal serve` runs it, in this process."""
    with in_thread(workspace.paths, dt.date(2023, 11, 20)) as running:
        yield running


@pytest.fixture
def page(served):
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport=OFFICE_SCREEN, accept_downloads=True)
        page.set_default_timeout(60_000)
        yield page
        browser.close()


@pytest.fixture
def smtp(monkeypatch):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("ADAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ADAL_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("ADAL_SMTP_SECURITY", "none")
    monkeypatch.setenv("ADAL_MAIL_FROM", "kadr@dept.example")
    yield collector
    controller.stop()


def _done(page) -> None:
    """Wait for a background step's page to say it ended, as the officer waits."""
    page.wait_for_url("**/job/**")
    page.wait_for_selector("#job[data-state='done'], #job[data-state='failed']")
    assert page.locator("#job").get_attribute("data-state") == "done", page.inner_text("main")


def test_an_officer_runs_the_campaign_from_the_page(served, page, workspace, smtp, tmp_path):
    desk, base = served
    shots = tmp_path / "shots"
    shots.mkdir()
    school = workspace.organisations[0]

    page.goto(f"{base}/?token={desk.token}")
    assert "token" not in page.url  # exchanged for a cookie, out of the address bar
    row = page.locator(f"tr:has(a[href='/org/{school.bin}'])")
    assert row.locator("td[data-state='missing']").count() > 0
    page.screenshot(path=str(shots / "board.png"))

    made = fill(workspace, school, {}, "Мектеп 1.xlsx")
    dropped = tmp_path / "desktop" / made.name
    dropped.parent.mkdir()
    shutil.move(made, dropped)
    page.click("nav a[href='/drop']")
    page.set_input_files("#files", str(dropped))
    assert "Мектеп 1.xlsx" in page.inner_text("#chosen")
    page.click("#drop button[type=submit]")
    _done(page)
    assert "Мектеп 1.xlsx" in page.inner_text("main")
    page.screenshot(path=str(shots / "ingest.png"))

    page.click("nav a[href='/']")
    row = page.locator(f"tr:has(a[href='/org/{school.bin}'])")
    assert row.locator("td[data-state='missing']").count() == 0
    assert row.locator("td[data-state='late']").count() > 0  # dropped today, after 15.11.2023

    page.click(f"a[href='/org/{school.bin}']")
    assert page.inner_text("h1") == school.name.kk
    assert "Мектеп 1.xlsx" in page.inner_text("main")

    page.click("nav a[href='/outputs']")
    page.click("text=Жиынтықты жасау")
    _done(page)
    page.click("nav a[href='/outputs']")
    page.fill("input[name=signed]", "2023-12-08")
    page.fill("input[name=approved]", "2023-12-20")
    page.click("text=Анықтама мен жоспарды жасау")
    _done(page)
    page.click("nav a[href='/outputs']")
    assert page.locator(".bar").count() >= 2  # completeness and risks drawn on the page
    page.screenshot(path=str(shots / "outputs.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a[href='/files/report/3.1-reference-kk.docx']")
    saved = tmp_path / "reference.docx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"

    page.click("nav a[href='/letters']")
    page.click("text=Ұйымдарға үлгілерді жасау")
    _done(page)
    page.click("nav a[href='/letters']")
    page.click("#letters-templates >> text=Жобаларын жасау")
    _done(page)
    page.click("nav a[href='/letters']")
    drafts = page.locator("#letters-templates tr").count() - 1
    assert drafts == len(workspace.organisations)
    page.screenshot(path=str(shots / "letters.png"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#letters-templates >> text=Жіберу")
    _done(page)
    assert len(smtp.messages) == len(workspace.organisations)

    page.click("nav a[href='/letters']")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#letters-templates >> text=Жіберу")
    _done(page)
    assert len(smtp.messages) == len(workspace.organisations)  # never sent twice

    page.click("text=RU")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Письма" in page.inner_text("nav")


def test_a_refused_send_is_not_sent_when_the_officer_says_no(served, page, workspace, smtp):
    desk, base = served
    page.goto(f"{base}/?token={desk.token}")
    page.goto(f"{base}/letters")
    page.click("text=Ұйымдарға үлгілерді жасау")
    _done(page)
    page.goto(f"{base}/letters")
    page.click("#letters-templates >> text=Жобаларын жасау")
    _done(page)
    page.goto(f"{base}/letters")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#letters-templates >> text=Жіберу")
    page.wait_for_timeout(500)
    assert "/letters" in page.url and not smtp.messages
