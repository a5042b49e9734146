"""Sweeps, queue control and continued runs in a real browser against a live server with a worker: a
sweep's results table sorts, its trade-off plot marks the Pareto front the API's figures give, the New
sweep dialog shows the server's refusal of a combination and queues a sweep the page then follows live,
the runs page holds, releases and moves queued runs, and a continued run draws its parent's curves first.

Each test leaves a screenshot in var/test-artifacts/<test name>.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ENDED = ("succeeded", "failed", "stopped")
MOONS = {"dataset": "moons", "dataset_options": {"size": 400}}
LRS = [0.3, 0.03, 0.003]


def mlp(name: str, hidden: list[int]) -> dict:
    """An MLP for 2-D points and 2 classes: Input, Linear+Tanh per hidden size, Linear, Output."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [2]}}]
    for i, width in enumerate(hidden, start=1):
        nodes += [{"id": f"h{i}", "type": "Linear", "params": {"out_features": width}}, {"id": f"a{i}", "type": "Tanh"}]
    nodes += [{"id": "o", "type": "Linear", "params": {"out_features": 2}}, {"id": "y", "type": "Output"}]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"format": "netbuilder.graph/1", "name": name, "nodes": nodes, "edges": edges}


def save_architecture(api, name: str, hidden: list[int]) -> int:
    status, body = api.post("/api/architectures", {"name": name, "graph": mlp(name, hidden)})
    assert status == 201, body
    return body["id"]


def wait_sweep(api, sweep_id: int, timeout: float = 240) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, detail = api.get(f"/api/sweeps/{sweep_id}")
        assert status == 200, detail
        if detail["status"] in ENDED and all(r["status"] in ENDED for r in detail["runs"]):
            return detail
        time.sleep(0.5)
    raise AssertionError(f"sweep {sweep_id} did not end: {[r['status'] for r in detail['runs']]}")


def pareto_ids(runs: list[dict]) -> set[int]:
    """The runs no other beats on both parameters and best validation error (1 − accuracy)."""
    def error(r: dict) -> float | None:
        acc = (r.get("best_metrics") or {}).get("val_accuracy", r["final_metrics"].get("val_accuracy"))
        return None if acc is None else 1 - acc

    points = [(r["id"], r["params"], error(r)) for r in runs if error(r) is not None]
    return {i for i, c, e in points
            if not any(c2 <= c and e2 <= e and (c2 < c or e2 < e) for j, c2, e2 in points if j != i)}


def open_sweep(page: Page, sweep_id: int) -> None:
    """Through the app's own links: the header's Sweeps, then the sweep."""
    page.get_by_role("navigation").get_by_role("link", name="Sweeps").click()
    expect(page.get_by_test_id("sweeps-page")).to_be_visible()
    page.get_by_test_id(f"sweep-link-{sweep_id}").click()
    expect(page.get_by_test_id("sweep-page")).to_have_attribute("data-sweep-id", str(sweep_id))


def first_row(page: Page) -> int:
    return int(page.get_by_test_id("sweep-table").locator("tbody tr").first.get_attribute("data-run") or 0)


@pytest.fixture(scope="module")
def designs(live_server) -> tuple[int, int]:
    """Two saved MLPs of different sizes."""
    return (save_architecture(live_server.api, "mlp 8", [8]),
            save_architecture(live_server.api, "mlp 32x32", [32, 32]))


@pytest.fixture(scope="module")
def finished_sweep(live_server, designs) -> dict:
    """lr 0.3, 0.03, 0.003 × two designs, 2 epochs each: six finished runs of two sizes."""
    status, body = live_server.api.post("/api/sweeps", {
        **MOONS, "name": "lr × size", "architectures": list(designs),
        "config": {"epochs": 2, "batch_size": 32, "log_every": 5}, "grid": {"lr": LRS}})
    assert status == 201, body
    assert len(body["runs"]) == 6
    detail = wait_sweep(live_server.api, body["id"])
    assert [r["status"] for r in detail["runs"]] == ["succeeded"] * 6, [r["error"] for r in detail["runs"]]
    return detail


def test_the_sweep_page_sorts_its_results_and_marks_the_pareto_front(page: Page, finished_sweep, screenshot):
    runs = finished_sweep["runs"]
    assert len({r["params"] for r in runs}) == 2
    open_sweep(page, finished_sweep["id"])
    expect(page.get_by_test_id("sweep-status")).to_have_attribute("data-status", "succeeded")
    table = page.get_by_test_id("sweep-table")
    expect(table.locator("tbody tr")).to_have_count(6)
    assert first_row(page) == min(r["id"] for r in runs)

    # Sorting by a column reorders the rows; a second click, the other way (ties by id).
    page.get_by_test_id("sweep-sort-params").click()
    expect(table).to_have_attribute("data-sort", "params:asc")
    assert first_row(page) == min(runs, key=lambda r: (r["params"], r["id"]))["id"]
    page.get_by_test_id("sweep-sort-params").click()
    expect(table).to_have_attribute("data-sort", "params:desc")
    assert first_row(page) == min(runs, key=lambda r: (-r["params"], r["id"]))["id"]
    page.get_by_test_id("sweep-sort-best_val_loss").click()
    assert first_row(page) == min(runs, key=lambda r: (r["best_metrics"]["val_loss"], r["id"]))["id"]
    page.get_by_test_id("sweep-sort-option:lr").click()
    assert [int(r.get_attribute("data-run")) for r in table.locator("tbody tr").all()][:2] == sorted(
        r["id"] for r in runs if r["config"]["lr"] == 0.003)

    # Every run is a point; the front is exactly the runs no other beats on parameters and error.
    plot = page.get_by_test_id("tradeoff-plot")
    expect(plot).to_have_attribute("data-points", "6")
    expected = pareto_ids(runs)
    assert expected
    for r in runs:
        expect(page.get_by_test_id(f"tradeoff-point-{r['id']}")).to_have_attribute(
            "data-pareto", "true" if r["id"] in expected else "false")
    if len(expected) > 1:
        expect(page.get_by_test_id("tradeoff-front")).to_have_count(1)
    # Hovering a point names the run and its options; the scatter plots lr on a log axis.
    best = min(expected)
    page.get_by_test_id(f"tradeoff-point-{best}").hover()
    tooltip = page.get_by_test_id("tradeoff-tooltip")
    expect(tooltip).to_have_attribute("data-run", str(best))
    lr = next(r["config"]["lr"] for r in runs if r["id"] == best)
    expect(tooltip).to_contain_text(f"lr={lr}")
    scatter = page.get_by_test_id("sweep-scatter")
    expect(scatter).to_have_attribute("data-points", "6")
    expect(scatter).to_have_attribute("data-x-scale", "log")
    screenshot()

    # Against FLOPs the front is the one the API's FLOPs give (the same sizes' order here).
    page.get_by_test_id("tradeoff-cost-flops").click()
    expect(plot).to_have_attribute("data-cost", "flops")
    by_flops = pareto_ids([{**r, "params": r["flops"]} for r in runs])
    assert sorted(int(x) for x in (plot.get_attribute("data-front") or "").split(",") if x) == sorted(by_flops)

    # A click on a point opens its run, which links back to its sweep.
    page.get_by_test_id(f"tradeoff-point-{best}").click()
    page.wait_for_url(f"**/runs/{best}/")
    expect(page.get_by_test_id("run-lineage-sweep")).to_have_text(f"#{finished_sweep['id']}")


def test_the_new_sweep_dialog_shows_the_servers_refusal_then_queues_a_sweep_the_page_follows(page: Page, live_server, designs, screenshot):
    page.get_by_role("navigation").get_by_role("link", name="Sweeps").click()
    page.get_by_test_id("new-sweep").click()
    dialog = page.get_by_test_id("sweep-dialog")
    dialog.get_by_test_id(f"sweep-design-{designs[0]}").check()
    dialog.get_by_test_id("dataset-item-moons").click()
    dialog.get_by_test_id("dataset-options").get_by_test_id("param-size").fill("400")
    dialog.get_by_test_id("config-form").get_by_test_id("param-epochs").fill("1")
    dialog.get_by_test_id("sweep-grid-values-0").fill("0.1, 50")
    # As the form changes the server checks every combination and names the one at fault; Start waits.
    error = dialog.get_by_test_id("sweep-error")
    expect(error).to_contain_text("Combination 2 of 2 (lr=50)")
    expect(error.get_by_test_id("sweep-error-combination")).to_contain_text("combination 2: lr=50")
    expect(dialog.get_by_test_id("sweep-submit")).to_be_disabled()
    screenshot("refused")

    dialog.get_by_test_id("sweep-grid-values-0").fill("0.1, 0.01")
    expect(dialog.get_by_test_id("sweep-count")).to_have_attribute("data-count", "2")  # the server's count
    expect(dialog.get_by_test_id("sweep-count")).to_contain_text("Ready: 2 runs")
    dialog.get_by_test_id("sweep-name").fill("from the dialog")
    dialog.get_by_test_id("sweep-submit").click()
    page.wait_for_url("**/sweeps/*/")
    sweep_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    status, detail = live_server.api.get(f"/api/sweeps/{sweep_id}")
    assert detail["name"] == "from the dialog" and [r["config"]["lr"] for r in detail["runs"]] == [0.1, 0.01]
    assert {r["config"]["epochs"] for r in detail["runs"]} == {1}
    # Live: the page follows the runs to the end without a reload.
    expect(page.get_by_test_id("sweep-status")).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(page.get_by_test_id("sweep-table").locator("tbody tr[data-status=succeeded]")).to_have_count(2)
    expect(page.get_by_test_id("tradeoff-plot")).to_have_attribute("data-points", "2")
    screenshot()


def test_a_sweep_from_the_builder_trains_the_canvas_graph(page: Page, live_server, screenshot):
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-playground_mlp").click()
    page.get_by_test_id("sweep-button").click()
    dialog = page.get_by_test_id("sweep-dialog")
    # The canvas's (unsaved) graph is the design, and the dataset its Input and Output fit is picked.
    expect(dialog.get_by_test_id("sweep-design-canvas")).to_be_checked()
    expect(dialog.get_by_test_id("dataset-item-spirals")).to_have_class("dataset-item on")
    dialog.get_by_test_id("dataset-options").get_by_test_id("param-size").fill("200")
    dialog.get_by_test_id("config-form").get_by_test_id("param-epochs").fill("1")
    dialog.get_by_test_id("sweep-grid-option-0").select_option("batch_size")
    dialog.get_by_test_id("sweep-grid-values-0").fill("16, 32")
    expect(dialog.get_by_test_id("preview-input-shape")).to_have_text("(2)")
    screenshot()
    dialog.get_by_test_id("sweep-submit").click()
    page.wait_for_url("**/sweeps/*/")
    sweep_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    detail = wait_sweep(live_server.api, sweep_id)
    assert [(r["architecture"], r["dataset"], r["config"]["batch_size"]) for r in detail["runs"]] == [
        (None, "spirals", 16), (None, "spirals", 32)]
    expect(page.get_by_test_id("sweep-table").locator("tbody tr[data-status=succeeded]")).to_have_count(2)


def test_hold_release_and_priority_move_queued_runs_on_the_runs_page(page: Page, live_server, screenshot):
    api = live_server.api
    graph = mlp("queue", [16])

    def submit(name: str, epochs: int) -> int:
        status, run = api.post("/api/runs", {**MOONS, "graph": graph, "name": name,
                                             "config": {"epochs": epochs, "batch_size": 8, "log_every": 5}})
        assert status == 201, run
        return run["id"]

    busy = submit("keeps the worker busy", 500)
    ids = [busy]
    try:
        api.wait_for(busy, lambda r: r["status"] == "running", timeout=60, what="running")
        first, second = submit("first in line", 1), submit("second in line", 1)
        ids += [first, second]
        page.goto("/runs/")
        progress = lambda run_id: page.get_by_test_id(f"run-progress-{run_id}")  # noqa: E731
        expect(progress(first)).to_have_text("#1 in queue")
        expect(progress(second)).to_have_text("#2 in queue")

        page.get_by_test_id(f"run-hold-{first}").click()
        expect(progress(first)).to_have_text("held")
        expect(progress(second)).to_have_text("#1 in queue")
        page.get_by_test_id(f"run-release-{first}").click()  # back at its place: the older one first
        expect(progress(first)).to_have_text("#1 in queue")
        expect(progress(second)).to_have_text("#2 in queue")

        page.get_by_test_id(f"run-priority-up-{second}").click()
        expect(page.get_by_test_id(f"run-priority-{second}")).to_have_text("1")
        expect(progress(second)).to_have_text("#1 in queue")
        expect(progress(first)).to_have_text("#2 in queue")
        screenshot()
        assert api.get(f"/api/runs/{second}")[1]["priority"] == 1

        page.get_by_test_id(f"run-cancel-{second}").click()
        expect(page.get_by_test_id(f"run-row-{second}")).to_have_attribute("data-status", "stopped")
        expect(progress(first)).to_have_text("#1 in queue")
        expect(page.get_by_test_id(f"queue-controls-{busy}")).to_have_count(0)  # running: not in the queue
    finally:
        for run_id in ids:
            api.post(f"/api/runs/{run_id}/stop")
        for run_id in ids:
            api.wait_for(run_id, lambda r: r["status"] in ENDED, timeout=60, what="an end")


def test_a_continued_run_draws_its_parents_curves_first(page: Page, live_server, finished_sweep, screenshot):
    parent = finished_sweep["runs"][0]
    parent_events = live_server.api.get(f"/api/runs/{parent['id']}/metrics")[1]["events"]
    parent_points = sum(len(e["data"]["points"]) for e in parent_events if e["type"] == "metrics")
    page.goto(f"/runs/{parent['id']}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    page.get_by_test_id("continue-button").click()
    dialog = page.get_by_test_id("continue-dialog")
    dialog.get_by_test_id("param-epochs").fill("1")
    dialog.get_by_test_id("continue-submit").click()
    page.wait_for_url(lambda url: url.endswith("/") and f"/runs/{parent['id']}/" not in url)
    child_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded", timeout=120_000)
    child = live_server.api.get(f"/api/runs/{child_id}")[1]
    assert (child["parent"], child["epoch"]) == (parent["id"], 3)
    lineage = page.get_by_test_id("run-lineage")
    expect(lineage).to_have_attribute("data-parent", str(parent["id"]))
    expect(lineage).to_have_attribute("data-parent-epochs", "epochs 1–2")
    expect(lineage).to_contain_text(f"Continues run #{parent['id']} (epochs 1–2 from there")
    # The parent's two epochs, then the child's third; the loss curve holds both runs' points.
    expect(page.get_by_test_id("chart-accuracy")).to_have_attribute("data-points", "3")
    child_events = live_server.api.get(f"/api/runs/{child_id}/metrics")[1]["events"]
    child_points = sum(len(e["data"]["points"]) for e in child_events if e["type"] == "metrics")
    expect(page.get_by_test_id("chart-loss")).to_have_attribute("data-points", str(parent_points + child_points))
    screenshot()
