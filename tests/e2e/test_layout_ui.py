"""What the pages look like at real screen sizes, measured from the boxes the browser draws: an
expanded ResNet-18 readable after Fit, the Train dialog's Start button at 1280×720, a node's error on
one line, all ten columns of a confusion matrix at 1440 px, and a failed run's node shown in the builder.

Each test leaves a screenshot in var/test-artifacts/<test name>.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from builder.engine.graph import expand_node
from builder.engine.graph.expand import torchvision_graph
from tests.e2e.test_builder import load_template, node, set_param, wait_valid
from tests.helpers import DIGITS_MLP

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# The draft the builder restores on load (frontend/src/lib/draft.ts).
DRAFT_KEY = "netbuilder.builder.draft/1"


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b, f"{locator} is not drawn"
    return b


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] \
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack \
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack \
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack


def node_boxes(page: Page) -> dict[str, dict]:
    """Every node on the canvas as the browser draws it: {id: {x, y, width, height}} in screen pixels."""
    return page.locator(".react-flow__node").evaluate_all("""els => Object.fromEntries(els.map(e => {
        const r = e.getBoundingClientRect();
        return [e.dataset.id, {x: r.x, y: r.y, width: r.width, height: r.height}];
    }))""")


def laid_out(page: Page) -> None:
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")


def fit(page: Page) -> None:
    page.get_by_test_id("fit-button").click()
    page.wait_for_timeout(400)  # the zoom animates for 200 ms


def test_an_expanded_resnet18_fits_the_screen_with_readable_nodes_that_do_not_overlap(page: Page, tmp_path: Path, screenshot):
    graph = {"format": "netbuilder.graph/1", "name": "resnet18", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [3, 32, 32]}},
        {"id": "net", "type": "TorchvisionModel", "params": {"arch": "resnet18"}},
        {"id": "y", "type": "Output"}],
        "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}]}
    layers = len(expand_node(graph, "net")["nodes"])
    assert layers == 71
    path = tmp_path / "resnet18.json"
    path.write_text(json.dumps(graph))
    page.get_by_test_id("import-input").set_input_files(str(path))
    node(page, "net").click()
    page.get_by_test_id("expand-button").click()
    expect(page.get_by_test_id("summary-layers")).to_have_text(f"{layers} layers", timeout=30_000)  # expanded, then laid out
    laid_out(page)
    wait_valid(page)

    fit(page)

    boxes = node_boxes(page)
    assert len(boxes) == layers  # all of them drawn: Fit shows the whole network
    canvas = box(page.get_by_test_id("canvas"))
    assert [n for n, b in boxes.items() if not inside(b, canvas)] == []
    # In one column (dagre's layout) Fit had to zoom to 0.1: a node 200 px wide drawn 20 px wide, a
    # convolution 8 px tall, and most of the column out of view. Wrapped into columns: a third or more.
    widths = sorted(b["width"] for b in boxes.values())
    assert widths[0] >= 200 / 3, widths[:5]
    heights = sorted(b["height"] for b in boxes.values())
    assert heights[0] >= 16, heights[:5]  # a ReLU, the shortest node
    assert heights[len(heights) // 2] >= 25, heights
    ids = sorted(boxes)
    assert [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:] if overlap(boxes[a], boxes[b])] == []
    screenshot()


def test_the_train_dialogs_start_button_shows_without_scrolling_at_1280x720(page: Page, screenshot):
    page.set_viewport_size({"width": 1280, "height": 720})
    load_template(page, "playground_mlp")
    page.get_by_test_id("train-button").click()
    dialog = page.get_by_test_id("train-dialog")
    dialog.get_by_test_id("dataset-item-spirals").click()
    dialog.get_by_test_id("config-form").get_by_test_id("more-options").click()
    expect(dialog.get_by_test_id("train-check")).to_contain_text("Ready: Two spirals", timeout=30_000)

    # Every option open, the form is taller than the dialog: it scrolls, and the footer stays.
    body = dialog.locator(".modal-body")
    scroll = body.evaluate("el => ({top: el.scrollTop, overflow: el.scrollHeight - el.clientHeight})")
    assert scroll["top"] == 0 and scroll["overflow"] > 0, scroll
    start = dialog.get_by_test_id("train-submit")
    b = box(start)
    assert b["y"] >= 0 and b["y"] + b["height"] <= 720, b
    assert inside(b, box(body)), (b, box(body))
    # Nothing covers it: the point at its centre is the button itself.
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid=train-submit]') !== null",
                        [b["x"] + b["width"] / 2, b["y"] + b["height"] / 2])
    assert hit
    expect(start).to_be_enabled()
    screenshot()


def test_a_nodes_error_stays_on_one_line_and_does_not_grow_over_the_node_below(page: Page, screenshot):
    load_template(page, "mlp")
    laid_out(page)
    wait_valid(page)
    page.wait_for_timeout(400)  # the load's fit animates for 200 ms
    height_before = box(node(page, "fc2"))["height"]

    set_param(page, "fc2", "in_features", "100")
    expect(node(page, "fc2")).to_have_attribute("data-error", "true")
    error = page.get_by_test_id("node-error-fc2")
    expect(error).to_contain_text("in_features")

    # One line, cut with an ellipsis: the whole message is in its title and the inspector.
    lines = error.evaluate("""el => {
        const s = getComputedStyle(el);
        return {height: el.getBoundingClientRect().height, line: parseFloat(s.lineHeight),
                clipped: el.scrollWidth > el.clientWidth, ellipsis: s.textOverflow};
    }""")
    assert lines["height"] <= lines["line"] * 1.5, lines
    assert lines["clipped"] and lines["ellipsis"] == "ellipsis", lines
    assert "in_features" in (error.get_attribute("title") or "")
    fc2, below = box(node(page, "fc2")), box(node(page, "y"))
    assert fc2["height"] > height_before  # the error line is there, and it is one line
    assert not overlap(fc2, below), (fc2, below)
    assert fc2["y"] + fc2["height"] <= below["y"], (fc2, below)
    screenshot()


@pytest.fixture(scope="module")
def digits_run(live_server) -> int:
    """A finished one-epoch run on the ten digits: its confusion matrix has ten columns."""
    status, run = live_server.api.post("/api/runs", {
        "graph": DIGITS_MLP, "dataset": "digits", "name": "digits", "config": {"epochs": 1, "batch_size": 64}})
    assert status == 201, run
    run = live_server.api.wait_for(run["id"], lambda r: r["status"] in ("succeeded", "failed", "stopped"), what="an end")
    assert run["status"] == "succeeded", run
    return run["id"]


def test_the_confusion_matrix_shows_all_ten_columns_at_1440px(page: Page, digits_run, screenshot):
    page.goto(f"/runs/{digits_run}/")
    matrix = page.get_by_test_id("confusion-matrix")
    expect(matrix).to_be_visible()
    assert page.viewport_size == {"width": 1440, "height": 900}
    panel = box(matrix.locator("xpath=ancestor::section[contains(@class, 'panel')][1]"))
    heads = matrix.locator("thead th")
    expect(heads).to_have_count(11)  # the corner and one per class
    assert heads.all_inner_texts()[1:] == [str(i) for i in range(10)]
    cut = [(t, b) for t, b in zip(heads.all_inner_texts(), (box(h) for h in heads.all()), strict=True)
           if not inside(b, panel)]
    assert cut == [], (cut, panel)
    last = matrix.locator("tbody tr").last.locator("td").last
    assert inside(box(last), panel)
    # No column hides behind a scroll bar either.
    assert matrix.evaluate("el => el.scrollWidth <= el.clientWidth")
    screenshot()


def test_a_failed_runs_node_opens_selected_and_centred_in_the_builder(page: Page, screenshot):
    # What the run page's "Show … in the builder" does: the run's graph as the draft, the node in the URL.
    graph = torchvision_graph("resnet18", 10, image_size=32)
    page.evaluate("([key, draft]) => localStorage.setItem(key, JSON.stringify(draft))",
                  [DRAFT_KEY, {"graph": graph, "architectureId": None, "architectureVersion": None,
                               "savedAt": "2026-01-01T00:00:00Z"}])
    page.goto("/?node=layer4_1_conv2")

    expect(page.get_by_test_id("node-id-input")).to_have_value("layer4_1_conv2")
    expect(node(page, "layer4_1_conv2")).to_have_class(re.compile(r"\bis-selected\b"))
    assert "node=" not in page.url  # a reload does not jump there again
    page.wait_for_timeout(400)  # the view moves in 200 ms
    target, canvas = box(node(page, "layer4_1_conv2")), box(page.get_by_test_id("canvas"))
    centre = (target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    assert abs(centre[0] - (canvas["x"] + canvas["width"] / 2)) < 40, (target, canvas)
    assert abs(centre[1] - (canvas["y"] + canvas["height"] / 2)) < 40, (target, canvas)
    assert target["width"] == pytest.approx(200, abs=1)  # at 100 %
    screenshot()
