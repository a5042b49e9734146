"""The runs UI in a real browser against a live server with a worker: train from the builder, watch
the curves grow and the decision boundary appear, stop, reload mid-run, download and load the model,
overlay two runs.

Each test leaves a screenshot in var/test-artifacts/<test name>.png.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Small runs: 800 two-spiral points, 40 steps an epoch at batch 16, a metrics point every 5 steps.
SMALL = {"dataset": "spirals", "dataset_options": {"size": 800}}
FINAL = ("succeeded", "failed", "stopped")


def playground_graph(live_server) -> dict:
    status, templates = live_server.api.get("/api/templates")
    assert status == 200
    return next(t for t in templates if t["id"] == "playground_mlp")["graph"]


def start_run(live_server, *, epochs: int, name: str, lr: float = 0.01) -> int:
    status, run = live_server.api.post("/api/runs", {
        **SMALL, "graph": playground_graph(live_server), "name": name,
        "config": {"epochs": epochs, "batch_size": 16, "log_every": 5, "lr": lr},
    })
    assert status == 201, run
    return run["id"]


def stop_quietly(live_server, run_id: int) -> None:
    live_server.api.post(f"/api/runs/{run_id}/stop")


def points(page: Page, test_id: str = "chart-loss") -> int:
    return int(page.get_by_test_id(test_id).get_attribute("data-points") or 0)


def run_status(page: Page) -> str:
    return page.get_by_test_id("run-status").get_attribute("data-status") or ""


def wait_points(page: Page, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = points(page)
        if n >= at_least:
            return n
        page.wait_for_timeout(100)
    raise AssertionError(f"the loss chart never reached {at_least} points (has {points(page)})")


@pytest.fixture
def cleanup_runs(live_server):
    """Runs a test starts; any still active at the end are stopped so the worker is free for the next."""
    started: list[int] = []
    yield started
    for run_id in started:
        stop_quietly(live_server, run_id)
    for run_id in started:
        live_server.api.wait_for(run_id, lambda r: r["status"] in FINAL, timeout=60, what="an end")


@pytest.fixture(scope="module")
def finished_runs(live_server) -> list[int]:
    """Two short finished runs that differ in learning rate."""
    ids = [start_run(live_server, epochs=2, name="lr 0.01", lr=0.01),
           start_run(live_server, epochs=2, name="lr 0.05", lr=0.05)]
    for run_id in ids:
        live_server.api.wait_for(run_id, lambda r: r["status"] in FINAL, timeout=180, what="an end")
        status, run = live_server.api.get(f"/api/runs/{run_id}")
        assert run["status"] == "succeeded", run
    return ids


def test_train_from_the_builder_streams_growing_curves_and_draws_the_boundary(page: Page, live_server, cleanup_runs, screenshot):
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-playground_mlp").click()
    page.get_by_test_id("train-button").click()
    dialog = page.get_by_test_id("train-dialog")
    dialog.get_by_test_id("dataset-item-spirals").click()
    expect(dialog.get_by_test_id("preview-input-shape")).to_have_text("(2)")
    expect(dialog.get_by_test_id("preview-classes")).to_have_text("2")
    dialog.get_by_test_id("dataset-options").get_by_test_id("param-size").fill("800")
    config = dialog.get_by_test_id("config-form")
    config.get_by_test_id("param-epochs").fill("60")  # ~2 s: long enough to watch the curve grow
    config.get_by_test_id("param-batch_size").fill("16")
    # Every engine option is reachable: the rarer ones under "More options".
    config.get_by_test_id("more-options").click()
    config.get_by_test_id("param-log_every").fill("5")
    # The server's check of this very request, shown live; Start waits for it.
    expect(dialog.get_by_test_id("train-check")).to_contain_text("Ready: Two spirals (2) → 'y' (2)", timeout=30_000)
    dialog.get_by_test_id("train-submit").click()

    page.wait_for_url("**/runs/*/")
    run_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    cleanup_runs.append(run_id)

    # Sample the chart while the run streams: the point count must grow during "running".
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        seen.append((run_status(page), points(page)))
        if seen[-1][0] in FINAL:
            break
        page.wait_for_timeout(100)
    running = [n for s, n in seen if s == "running" and n > 0]
    assert len(set(running)) >= 2 and running == sorted(running), seen[-40:]
    assert seen[-1][0] == "succeeded", seen[-5:]

    # 60 epochs × 40 steps with a point every 5.
    assert points(page) == 480
    boundary = page.get_by_test_id("boundary-canvas")
    expect(boundary).to_have_attribute("data-epoch", "60")  # the last epoch's boundary always comes
    # Fast epochs send a boundary at most 20 times a second: as often as a person can watch, not each epoch.
    assert 2 <= int(boundary.get_attribute("data-epochs") or 0) <= 60
    expect(page.get_by_test_id("confusion-matrix")).to_have_attribute("data-total", "160")
    expect(page.get_by_test_id("progress-epoch")).to_have_text("Epoch 60 / 60")
    expect(page.get_by_test_id("norms-chart")).to_have_attribute("data-layers", "3")
    assert int(page.get_by_test_id("run-logs").get_attribute("data-lines") or 0) >= 1
    # Each node's health, measured by the training process, streamed and drawn: the last epoch's always.
    health = page.get_by_test_id("health-panel")
    expect(health).to_contain_text("after epoch 60, on a fixed batch")
    expect(page.get_by_test_id("health-fc1").locator("td")).to_have_count(7)
    expect(page.get_by_test_id("health-tanh1").locator("td").nth(4)).to_have_text(re.compile(r"^\d+ %$"))
    screenshot()
    health.scroll_into_view_if_needed()
    screenshot("health")


def test_a_mismatched_dataset_is_refused_by_the_servers_check_before_submitting(page: Page, screenshot):
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-playground_mlp").click()
    page.get_by_test_id("train-button").click()
    dialog = page.get_by_test_id("train-dialog")
    dialog.get_by_test_id("dataset-item-iris").click()
    # The dialog shows POST /api/runs/check's answer: the submit's own message, naming the Input node.
    error = dialog.get_by_test_id("train-error")
    expect(error).to_contain_text("The dataset 'iris' gives inputs of shape [4], but Input 'x' expects [2]", timeout=30_000)
    expect(dialog.get_by_test_id("train-submit")).to_be_disabled()
    # An out-of-bounds option is refused by the same check, and Start stays disabled.
    dialog.get_by_test_id("dataset-item-spirals").click()
    expect(dialog.get_by_test_id("train-check")).to_contain_text("Ready: Two spirals", timeout=30_000)
    dialog.get_by_test_id("config-form").get_by_test_id("param-lr").fill("50")
    expect(error).to_contain_text("lr", timeout=30_000)
    expect(dialog.get_by_test_id("train-submit")).to_be_disabled()
    assert page.url.endswith("/")
    screenshot()


def test_stop_ends_a_running_run_stopped(page: Page, live_server, cleanup_runs, screenshot):
    run_id = start_run(live_server, epochs=300, name="to stop")
    cleanup_runs.append(run_id)
    page.goto(f"/runs/{run_id}/")
    wait_points(page, 2)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")
    page.get_by_test_id("stop-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "stopped", timeout=30_000)
    expect(page.get_by_test_id("stop-button")).to_have_count(0)
    status, run = live_server.api.get(f"/api/runs/{run_id}")
    assert run["status"] == "stopped"
    screenshot()


def test_a_reload_mid_run_brings_back_the_earlier_points_and_keeps_streaming(page: Page, live_server, cleanup_runs, screenshot):
    run_id = start_run(live_server, epochs=300, name="reload me")
    cleanup_runs.append(run_id)
    page.goto(f"/runs/{run_id}/")
    before = wait_points(page, 30)
    step_before = int(page.get_by_test_id("progress-step").get_attribute("data-step") or 0)
    assert run_status(page) == "running"

    page.reload()
    # The first picture after the reload already holds the history (the snapshot), not a restart.
    first = 0
    deadline = time.monotonic() + 30
    while first == 0 and time.monotonic() < deadline:
        if page.get_by_test_id("chart-loss").count():
            first = points(page)
        if first == 0:
            page.wait_for_timeout(50)
    assert first >= before * 0.8, (first, before)
    after = wait_points(page, before + 10)
    assert after > before
    assert int(page.get_by_test_id("progress-step").get_attribute("data-step") or 0) > step_before
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")
    expect(page.get_by_test_id("run-connection")).to_have_text("● live")
    # The whole curve, without a hole: one point every 5 steps from step 5 to the last step.
    deadline = time.monotonic() + 15
    while True:
        n, step = page.evaluate("""() => [
            Number(document.querySelector('[data-testid=chart-loss]').dataset.points),
            Number(document.querySelector('[data-testid=progress-step]').dataset.step)]""")
        if n * 5 == step or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert n * 5 == step, (n, step)
    screenshot()


def test_download_the_pth_and_load_it_into_the_exported_model_py(page: Page, finished_runs, tmp_path, screenshot):
    run_id = finished_runs[0]
    page.goto(f"/runs/{run_id}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    for kind, filename in (("pth", "model.pth"), ("model_py", "model.py")):
        with page.expect_download() as info:
            page.get_by_test_id(f"download-{kind}").click()
        download = info.value
        assert download.suggested_filename == filename
        download.save_as(tmp_path / filename)
    page.get_by_test_id("snippet-tab-pth").click()
    snippet = page.get_by_test_id("snippet-pth").inner_text()
    assert "from model import Playground" in snippet
    screenshot()

    import torch

    spec = importlib.util.spec_from_file_location("netbuilder_e2e_model", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.Playground()
    state = torch.load(tmp_path / "model.pth", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    with torch.no_grad():
        out = net(torch.randn(5, 2))
    assert out.shape == (5, 2)
    assert set(state) == set(net.state_dict())

    # The snippet works as written, next to the two files.
    result = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "torch.Size([1, 2])" in result.stdout


def test_pick_two_runs_to_overlay_their_curves_and_configurations(page: Page, finished_runs, screenshot):
    page.goto("/runs/")
    for run_id in finished_runs:
        expect(page.get_by_test_id(f"run-row-{run_id}")).to_have_attribute("data-status", "succeeded")
        page.get_by_test_id(f"run-pick-{run_id}").check()
    panel = page.get_by_test_id("compare-panel")
    expect(panel).to_have_attribute("data-runs", "2")
    loss = page.get_by_test_id("compare-chart-loss")
    # Both runs: 2 epochs × 40 steps; under 200 steps in all, every step is logged, on the same steps.
    expect(loss).to_have_attribute("data-points", "80")
    expect(loss.locator(".u-legend .u-series")).to_have_count(3)  # the x column and one per run
    expect(loss.locator(".u-legend")).to_contain_text("lr 0.01")
    expect(loss.locator(".u-legend")).to_contain_text("lr 0.05")
    differing = page.get_by_test_id("compare-config").locator("tr.differs th")
    expect(differing.filter(has_text="lr")).to_have_count(1)
    assert f"compare={finished_runs[0]},{finished_runs[1]}" in page.url
    # The selection survives a reload.
    page.reload()
    expect(page.get_by_test_id("compare-panel")).to_have_attribute("data-runs", "2")
    screenshot()
