"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Where Chromium is missing the browser tests are skipped, and the run ends with a notice
saying so, so a green run without them cannot pass unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import system

CHROMIUM = Path(os.environ.get("FINEGRID_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
MISSING = f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"

# Playwright's sync API runs an event loop in this thread; the live server's database
# work happens in its own thread, so Django's guard against async use does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=MISSING))


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM.exists():
        terminalreporter.write_sep("!", MISSING, yellow=True, bold=True)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(chromium, live_server):
    """A page the size of a phone's screen (390×844), touch and all."""
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    def _save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return _save


PASSWORD = "grid-work-2026!"


@pytest.fixture
def log_in():
    """Sign a page in through the login form as a user of the `world` fixture."""
    from finegrid.accounts.actions import do_set_password
    from finegrid.accounts.models import User

    def _log_in(page, username: str) -> None:
        do_set_password(system(), User.objects.get(username=username), PASSWORD)
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")

    return _log_in
