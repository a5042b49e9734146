"""Seeing inside a run in a real browser against a live server with a worker: every unit of a 2-D run
drawn over the data on the run page's Network panel and on the builder's nodes, a dead layer's alert
pinned to its node and coloured as dead, an image run's feature maps.

Each test leaves a screenshot in var/test-artifacts/<test name>.png.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FINAL = ("succeeded", "failed", "stopped")
GRAPH = "netbuilder.graph/1"
DIGIT = re.compile(r"^\d$")


def node(id_: str, type_: str, y: int, **params) -> dict:
    return {"id": id_, "type": type_, "params": params, "position": {"x": 0, "y": y}}


def chain(name: str, nodes: list[dict]) -> dict:
    """A graph of `nodes` one after another, placed as the builder saves them."""
    return {"format": GRAPH, "name": name, "nodes": nodes,
            "edges": [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes[:-1], nodes[1:], strict=True)]}


# A TensorFlow-Playground net: 2 inputs, two Tanh layers of 8, 2 classes.
PLAYGROUND = chain("Playground 2-8-8-2", [
    node("x", "Input", 0, shape=[2]), node("fc1", "Linear", 110, out_features=8), node("tanh1", "Tanh", 220),
    node("fc2", "Linear", 330, out_features=8), node("tanh2", "Tanh", 440),
    node("fc3", "Linear", 550, out_features=2), node("y", "Output", 660),
])

DEAD = chain("Dead ReLU", [
    node("x", "Input", 0, shape=[2]), node("fc1", "Linear", 110, out_features=16), node("relu", "ReLU", 220),
    node("fc2", "Linear", 330, out_features=2), node("y", "Output", 440),
])

DIGITS_CNN = chain("Digits CNN", [
    node("x", "Input", 0, shape=[1, 8, 8]), node("conv1", "Conv2d", 110, out_channels=8, kernel_size=3, padding=1),
    node("relu1", "ReLU", 220), node("pool1", "MaxPool2d", 330, kernel_size=2), node("flatten", "Flatten", 440),
    node("fc", "Linear", 550, out_features=10), node("y", "Output", 660),
])

SMALL_2D = {"dataset": "spirals", "dataset_options": {"size": 400}}


def run_to_the_end(live_server, cleanup_runs, body: dict) -> int:
    status, run = live_server.api.post("/api/runs", body)
    assert status == 201, run
    cleanup_runs.append(run["id"])
    done = live_server.api.wait_for(run["id"], lambda r: r["status"] in FINAL, timeout=240, what="an end")
    assert done["status"] == "succeeded", done
    return run["id"]


def upload_weights(live_server, state_dict: dict, name: str) -> dict:
    """POST /api/weights: a torch.save'd state dict, multipart, with the user's token."""
    import torch

    payload = io.BytesIO()
    torch.save(state_dict, payload)
    boundary = uuid.uuid4().hex
    body = b"".join([
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n".encode(),
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n".encode(),
        payload.getvalue(), f"\r\n--{boundary}--\r\n".encode(),
    ])
    request = Request(live_server.url + "/api/weights", data=body, method="POST", headers={
        "Authorization": f"Bearer {live_server.token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())


def canvas_pixels(page: Page, test_ids: list[str]) -> list[dict]:
    """Each canvas's size, how many distinct colours it holds and how many of its pixels are drawn
    and not white, read back from the canvas itself."""
    return page.evaluate("""(ids) => ids.map((id) => {
        const c = document.querySelector(`[data-testid="${id}"]`);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const colours = new Set();
        let painted = 0;
        for (let i = 0; i < d.length; i += 4) {
            colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            if (d[i + 3] === 255 && (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255)) painted++;
        }
        return {id, width: c.width, height: c.height, colours: colours.size, painted};
    })""", test_ids)


@pytest.fixture
def cleanup_runs(live_server):
    """Runs a test starts; any still active at the end are stopped so the worker is free for the next."""
    started: list[int] = []
    yield started
    for run_id in started:
        live_server.api.post(f"/api/runs/{run_id}/stop")
    for run_id in started:
        live_server.api.wait_for(run_id, lambda r: r["status"] in FINAL, timeout=60, what="an end")


def test_every_unit_of_a_2d_run_is_drawn_over_the_data_on_the_run_page_and_in_the_builder(
        page: Page, live_server, cleanup_runs, screenshot):
    status, arch = live_server.api.post("/api/architectures", {"name": "Playground insight", "graph": PLAYGROUND})
    assert status == 201, arch
    run_id = run_to_the_end(live_server, cleanup_runs, {
        **SMALL_2D, "architecture": arch["id"], "name": "see inside",
        "config": {"epochs": 6, "batch_size": 16, "lr": 0.03},
    })
    status, stored = live_server.api.get(f"/api/runs/{run_id}/pictures")
    assert status == 200 and stored["units"], stored

    page.goto(f"/runs/{run_id}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    network = page.get_by_test_id("run-network")
    expect(network).to_have_attribute("data-nodes", "7")
    expect(network.locator(".react-flow__edge")).to_have_count(6)
    for node_id, units in (("fc1", 8), ("tanh1", 8), ("fc2", 8), ("tanh2", 8), ("fc3", 2), ("x", 2)):
        expect(page.locator(f"[data-testid^=run-node-unit-{node_id}-]")).to_have_count(units)
    expect(page.get_by_test_id("run-network-epoch")).to_contain_text("after epoch 6")

    ids = [f"run-node-unit-{n}-{k}" for n in ("fc1", "tanh1", "tanh2") for k in range(8)]
    for canvas in canvas_pixels(page, ids):
        # 16 × 16 values a unit, drawn on the diverging scale: never blank, never one flat colour
        assert (canvas["width"], canvas["height"]) == (16, 16), canvas
        assert canvas["painted"] > 0 and canvas["colours"] > 4, canvas

    # Hovering a unit enlarges it, with its index and range.
    network.scroll_into_view_if_needed()
    page.get_by_test_id("run-node-unit-tanh1-3").hover()
    popover = page.get_by_test_id("run-node-unit-popover-tanh1")
    expect(popover).to_contain_text("unit 3 ·")
    screenshot()

    # The builder, opened from the run, shows the same run's pictures on its nodes.
    page.get_by_role("button", name="Open in builder").click()
    page.wait_for_url("**/")
    expect(page.get_by_test_id("node-fc1")).to_be_visible()
    expect(page.get_by_test_id("run-pictures-label")).to_have_text(f"#{run_id} · epoch 6")
    for node_id, units in (("fc1", 8), ("tanh2", 8), ("fc3", 2)):
        expect(page.locator(f"[data-testid^=node-unit-{node_id}-]")).to_have_count(units)
    for canvas in canvas_pixels(page, [f"node-unit-fc1-{k}" for k in range(8)]):
        assert canvas["painted"] > 0 and canvas["colours"] > 4, canvas
    # The toolbar toggle hides them; Probe mode shows its own previews instead.
    page.get_by_test_id("run-pictures-toggle").click()
    expect(page.locator("[data-testid^=node-unit-]")).to_have_count(0)
    page.get_by_test_id("run-pictures-toggle").click()
    expect(page.locator("[data-testid^=node-unit-fc1-]")).to_have_count(8)
    screenshot("builder")
    page.get_by_test_id("probe-toggle").click()
    expect(page.locator("[data-testid^=node-unit-]")).to_have_count(0)
    page.get_by_test_id("probe-toggle").click()
    expect(page.locator("[data-testid^=node-unit-fc1-]")).to_have_count(8)

    # Opening the saved architecture finds its newest run's pictures (GET /api/runs?architecture=).
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id("template-playground_mlp").click()  # another graph: no pictures
    expect(page.get_by_test_id("run-pictures-toggle")).to_have_count(0)
    page.get_by_test_id("open-button").click()
    page.get_by_test_id(f"arch-open-{arch['id']}").click()
    expect(page.get_by_test_id("arch-name")).to_have_value("Playground insight")
    expect(page.get_by_test_id("run-pictures-label")).to_have_text(f"#{run_id} · epoch 6")
    expect(page.locator("[data-testid^=node-unit-tanh1-]")).to_have_count(8)


def test_a_dead_layer_is_pinned_to_its_node_in_plain_words_and_coloured_dead(
        page: Page, live_server, cleanup_runs, screenshot):
    import torch

    from builder.engine.graph import compile_graph

    state = compile_graph(DEAD).state_dict()
    state["fc1.bias"] = torch.full_like(state["fc1.bias"], -100.0)  # every ReLU input below zero: all dead
    weights = upload_weights(live_server, state, "dead-fc1.pth")
    run_id = run_to_the_end(live_server, cleanup_runs, {
        **SMALL_2D, "graph": DEAD, "name": "dead relu", "init_weights": weights["id"],
        "config": {"epochs": 3, "batch_size": 16},
    })

    page.goto(f"/runs/{run_id}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    alert = page.get_by_test_id("run-node-alert-relu")
    expect(alert).to_contain_text("100% of units dead")
    assert "100% of units dead" in (alert.get_attribute("title") or "")
    expect(page.locator("[data-testid^=run-node-alert-]")).to_have_count(1)
    # The same alert is in the log.
    expect(page.get_by_test_id("run-logs")).to_contain_text("relu: 100% of units dead")

    relu = page.get_by_test_id("run-node-relu")
    expect(relu).to_have_attribute("data-health-value", "")
    page.get_by_test_id("run-colour-by").select_option("dead_fraction")
    expect(relu).to_have_attribute("data-health-value", "1")
    expect(relu).to_have_attribute("data-health-position", "1")
    expect(page.get_by_test_id("run-node-fc1")).to_have_attribute("data-health-value", "")  # no ReLU there
    expect(page.get_by_test_id("run-colour-legend")).to_contain_text("0 %")
    # A dead layer's units are all 0: flat white heatmaps.
    for canvas in canvas_pixels(page, [f"run-node-unit-relu-{k}" for k in range(16)]):
        assert canvas["painted"] == 0, canvas
    # The alert makes the node taller than the builder left room for: the panel lays the graph out again.
    network = page.get_by_test_id("run-network")
    page.wait_for_function("""() => {
        const [relu, fc2] = ["relu", "fc2"].map((n) => document.querySelector(`[data-testid=run-node-${n}]`).getBoundingClientRect());
        return relu.bottom <= fc2.top;
    }""", timeout=30_000)
    expect(network).to_have_attribute("data-laying-out", "false")
    network.scroll_into_view_if_needed()
    screenshot()


def test_an_image_runs_feature_maps_show_the_sample_and_each_conv_nodes_channels(
        page: Page, live_server, cleanup_runs, screenshot):
    run_id = run_to_the_end(live_server, cleanup_runs, {
        "dataset": "digits", "graph": DIGITS_CNN, "name": "digits cnn",
        "config": {"epochs": 2, "batch_size": 32},
    })

    page.goto(f"/runs/{run_id}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    panel = page.get_by_test_id("feature-maps-panel")
    expect(panel).to_have_attribute("data-epoch", "2")
    expect(panel.get_by_test_id("feature-sample-label")).to_have_text(DIGIT)
    expect(panel.get_by_test_id("feature-sample-prediction")).to_have_text(DIGIT)
    expect(panel.locator("[data-testid^=feature-map-conv1-]")).to_have_count(8)
    expect(panel.locator("[data-testid^=feature-map-pool1-]")).to_have_count(8)
    (sample,) = canvas_pixels(page, ["feature-sample"])
    assert (sample["width"], sample["height"]) == (8, 8) and sample["colours"] > 2, sample
    for canvas in canvas_pixels(page, [f"feature-map-conv1-{k}" for k in range(8)]):
        assert (canvas["width"], canvas["height"]) == (8, 8), canvas
    for canvas in canvas_pixels(page, ["feature-map-pool1-0"]):
        assert (canvas["width"], canvas["height"]) == (4, 4), canvas
    # The network's Conv/Pool nodes show their first channels too; unit heatmaps are for 2-D data only.
    expect(page.locator("[data-testid^=run-node-fmap-conv1-]")).to_have_count(4)
    expect(page.locator("[data-testid^=run-node-fmap-pool1-]")).to_have_count(4)
    expect(page.locator("[data-testid^=run-node-unit-]")).to_have_count(0)
    panel.scroll_into_view_if_needed()
    screenshot()
