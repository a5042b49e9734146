"""The browser benchmarks' setting: a fresh embedded server (its own folder, one user) and headless
Chromium logged in to it, as the browser tests drive it (Debian's chromium, the laptop viewport)."""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from tests.e2e.processes import Deployment, free_port

ROOT = Path(__file__).resolve().parents[1]
USERNAME, PASSWORD = "bench-user", "bench-Strong-pass-4821"


@contextmanager
def logged_in(prefix: str, *, init_script: str | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """(browser, context, page): a page on the runs list of a server started for this bench alone; every page
    of the context runs `init_script` first. The server and the browser are gone afterwards."""
    from playwright.sync_api import sync_playwright

    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        sys.exit("frontend/dist is missing: build it first (make setup, or cd frontend && npm run build)")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        deployment = Deployment(var_dir=Path(tmp) / "var")
        deployment.setup()
        deployment.create_user(USERNAME, PASSWORD)
        port = free_port()
        try:
            deployment.start_daphne(port)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport=VIEWPORT, base_url=f"http://127.0.0.1:{port}")
                if init_script is not None:
                    context.add_init_script(init_script)
                page = context.new_page()
                page.goto("/accounts/login/?next=/runs/")
                page.fill("input[name=username]", USERNAME)
                page.fill("input[name=password]", PASSWORD)
                with page.expect_navigation():
                    page.locator("form [type=submit], form button").last.click()
                try:
                    yield browser, context, page
                finally:
                    browser.close()
        finally:
            deployment.stop_all()


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    """The median of the repeats, and their range when there are several."""
    values = sorted(values)
    median = fmt.format(statistics.median(values))
    return median if len(values) == 1 else f"{median} ({fmt.format(values[0])}–{fmt.format(values[-1])})"
