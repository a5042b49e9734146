"""Browser fixtures for the builder's end-to-end tests: Debian's chromium driven by Playwright.

Loaded by tests/e2e/conftest.py (``pytest_plugins = ["tests.e2e.browser"]``), which provides
``live_server`` (``.url`` of a real Daphne + worker on a fresh database) and ``user_credentials``.
Never downloads a browser: it launches /usr/bin/chromium (installed with apt by `make test`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NETBUILDER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A laptop screen: the builder must be usable at this size.
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless chromium per test module. Not per session: Playwright's sync API keeps an event
    loop running in the main thread while it is open, which async tests and Django's async-safety
    checks in later modules must not see."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def save_screenshot(page, name: str) -> Path:
    """Saves a full-window PNG of `page` as var/test-artifacts/<name>.png and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def screenshot(request, page):
    """Call `screenshot()` (or `screenshot("suffix")`) to save the page under the test's name."""

    def take(suffix: str = "") -> Path:
        return save_screenshot(page, request.node.name + (f"-{suffix}" if suffix else ""))

    return take


@pytest.fixture
def page(request, browser, live_server, user_credentials) -> Iterator[object]:
    """A fresh browser context, logged in through the real login form, on the builder at `/`."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    # Confirmations ("discard unsaved changes?") are part of the flows under test: accept them.
    page.on("dialog", lambda dialog: dialog.accept())

    username, password = user_credentials
    page.goto("/accounts/login/?next=/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form [type=submit], form button").last.click()
    page.wait_for_selector("[data-testid=palette-search]")
    page.wait_for_selector("[data-testid^=palette-item-]")
    page.console_errors = console_errors  # type: ignore[attr-defined]
    yield page
    # Keep the last state for a failing test too.
    if getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed:
        save_screenshot(page, f"{request.node.name}-final")
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
