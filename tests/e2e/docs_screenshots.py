"""Retake the screenshots in docs/ at the two laptop sizes the pages are held to (1440×900, 1280×720).

    python -m tests.e2e.docs_screenshots          # needs frontend/dist (make setup) and /usr/bin/chromium

The same real parts as the browser tests: a `manage.py serve` on a fresh database in a temporary
folder, Debian's chromium through Playwright, the real login form. Not collected by pytest.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.processes import Api, Deployment, free_port
from tests.helpers import DIGITS_MLP

DOCS = Path(__file__).resolve().parents[2] / "docs"
LARGE = {"width": 1440, "height": 900}
SMALL = {"width": 1280, "height": 720}
USERNAME, PASSWORD = "ada", "docs-Strong-pass-4821"

RESNET18 = {"format": "netbuilder.graph/1", "name": "resnet18", "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [3, 32, 32]}},
    {"id": "net", "type": "TorchvisionModel", "params": {"arch": "resnet18", "head": "replace", "num_classes": 10}},
    {"id": "y", "type": "Output"}],
    "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}]}


def log_in(page: Page) -> None:
    page.goto("/accounts/login/?next=/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form [type=submit], form button").last.click()
    page.wait_for_selector("[data-testid^=palette-item-]")


def laid_out(page: Page) -> None:
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    expect(page.get_by_test_id("summary-status")).not_to_have_text("Checking…")
    page.wait_for_timeout(400)  # the fit animates for 200 ms


def shoot(page: Page, name: str) -> None:
    path = DOCS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(DOCS.parent)}")


def builder_resnet18(page: Page, folder: Path) -> None:
    """An expanded ResNet-18 after Fit: five stages side by side, every node in view."""
    page.set_viewport_size(LARGE)
    path = folder / "resnet18.json"
    path.write_text(json.dumps(RESNET18))
    page.get_by_test_id("import-input").set_input_files(str(path))
    page.get_by_test_id("node-net").click()
    page.get_by_test_id("expand-button").click()
    expect(page.get_by_test_id("summary-layers")).to_have_text("71 layers")
    laid_out(page)
    page.get_by_test_id("fit-button").click()
    page.wait_for_timeout(400)
    page.get_by_test_id("toast").last.wait_for(state="detached", timeout=15_000)
    shoot(page, "screenshot-builder-1440")


def builder_error(page: Page) -> None:
    """The MLP template with a wrong in_features: the error on one line, the node below untouched."""
    page.set_viewport_size(SMALL)
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-mlp").click()
    laid_out(page)
    page.get_by_test_id("node-fc2").click()
    page.get_by_test_id("param-in_features").fill("100")
    expect(page.get_by_test_id("node-error-fc2")).to_be_visible()
    page.wait_for_timeout(300)
    shoot(page, "screenshot-builder-1280")


def train_dialog(page: Page, folder: Path) -> None:
    """The Train dialog at 1280×720, every option open: Start stays in view. At 1440×900, a CSV
    picked for upload shows its Standardize features box."""
    page.set_viewport_size(SMALL)
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-playground_mlp").click()
    laid_out(page)
    page.get_by_test_id("train-button").click()
    dialog = page.get_by_test_id("train-dialog")
    dialog.get_by_test_id("dataset-item-spirals").click()
    dialog.get_by_test_id("config-form").get_by_test_id("more-options").click()
    expect(dialog.get_by_test_id("train-check")).to_contain_text("Ready", timeout=30_000)
    shoot(page, "screenshot-train-1280")

    page.set_viewport_size(LARGE)
    table = folder / "houses.csv"
    table.write_text("rooms,area,price\n3,70,210\n4,95,280\n2,48,150\n")
    dialog.get_by_test_id("upload-file").set_input_files(str(table))
    expect(dialog.get_by_test_id("upload-standardize")).to_be_checked()
    dialog.get_by_test_id("upload-form").scroll_into_view_if_needed()
    shoot(page, "screenshot-train-1440")
    page.keyboard.press("Escape")


def run_page(page: Page, api: Api) -> None:
    """A finished run on the ten digits at 1440×900: the confusion matrix shows all ten columns."""
    status, run = api.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", "name": "digits MLP",
                                         "config": {"epochs": 8, "batch_size": 64, "lr": 0.003}})
    assert status == 201, run
    run = api.wait_for(run["id"], lambda r: r["status"] in ("succeeded", "failed", "stopped"), what="an end")
    assert run["status"] == "succeeded", run
    page.set_viewport_size(LARGE)
    page.goto(f"/runs/{run['id']}/")
    expect(page.get_by_test_id("confusion-matrix")).to_be_visible()
    page.wait_for_timeout(500)
    shoot(page, "screenshot-run-1440")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        deployment = Deployment(var_dir=folder / "var")
        deployment.setup()
        token = deployment.create_user(USERNAME, PASSWORD)
        port = free_port()
        deployment.start_serve(port)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport=LARGE, base_url=url)
                context.set_default_timeout(30_000)
                page = context.new_page()
                page.on("dialog", lambda d: d.accept())
                log_in(page)
                builder_resnet18(page, folder)
                builder_error(page)
                train_dialog(page, folder)
                run_page(page, Api(url, token))
                browser.close()
        finally:
            deployment.stop_all()


if __name__ == "__main__":
    main()
