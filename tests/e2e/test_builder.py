"""The builder in a real browser against a live server: palette, wiring, live shapes, undo, save, templates.

Each test leaves a screenshot in var/test-artifacts/<test name>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def node(page: Page, node_id: str):
    return page.get_by_test_id(f"node-{node_id}")


def drag_from_palette(page: Page, layer_type: str, x: float, y: float) -> None:
    """Drags a palette item onto the canvas, dropping it at (x, y) inside the canvas."""
    page.get_by_test_id("palette-search").fill("")
    item = page.get_by_test_id(f"palette-item-{layer_type}")
    item.scroll_into_view_if_needed()
    item.drag_to(page.get_by_test_id("canvas"), target_position={"x": x, "y": y})


def connect(page: Page, source: str, target: str, *, source_port: int = 0, port: int = 0) -> None:
    """Draws an edge with the mouse, from an output handle to an input handle."""
    start = page.get_by_test_id(f"port-out-{source}-{source_port}").bounding_box()
    end = page.get_by_test_id(f"port-in-{target}-{port}").bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move((start["x"] + end["x"]) / 2, (start["y"] + end["y"]) / 2, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=5)
    page.mouse.up()


def set_param(page: Page, node_id: str, name: str, value: str) -> None:
    """Selects a node and types a parameter value into the inspector."""
    node(page, node_id).click()
    expect(page.get_by_test_id("node-id-input")).to_have_value(node_id)
    page.get_by_test_id(f"param-{name}").fill(value)


def load_template(page: Page, template_id: str) -> None:
    page.get_by_test_id("templates-button").click()
    page.get_by_test_id(f"template-{template_id}").click()
    expect(page.get_by_test_id("templates-dialog")).to_have_count(0)
    # A template reaches the canvas once laid out, then Fit animates for 200 ms: a click before that can
    # land beside the node it aims at (a loaded machine's CI run once did).
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    page.wait_for_timeout(300)


def wait_valid(page: Page) -> None:
    expect(page.get_by_test_id("summary-status")).not_to_have_text("Checking…")


def test_drag_layers_from_the_palette_and_connect_them_with_the_mouse(page: Page, screenshot):
    drag_from_palette(page, "Input", 420, 120)
    expect(node(page, "input_1")).to_be_visible()
    page.get_by_test_id("param-shape").fill("784")
    drag_from_palette(page, "Linear", 420, 320)
    expect(node(page, "linear_1")).to_be_visible()
    page.get_by_test_id("param-out_features").fill("10")
    drag_from_palette(page, "Output", 420, 520)
    expect(node(page, "output_1")).to_be_visible()

    connect(page, "input_1", "linear_1")
    connect(page, "linear_1", "output_1")

    expect(page.get_by_test_id("edge-label-e_input_1_0__linear_1_0")).to_have_text("(784)")
    expect(page.get_by_test_id("edge-label-e_linear_1_0__output_1_0")).to_have_text("(10)")
    expect(page.get_by_test_id("node-shape-linear_1")).to_have_text("(10)")
    # 784 * 10 weights + 10 biases.
    expect(page.get_by_test_id("summary-params")).to_have_text("7,850")
    expect(page.get_by_test_id("summary-errors")).to_have_text("0")
    screenshot()


def test_a_cycle_or_a_second_edge_into_one_port_is_refused_with_a_reason(page: Page, screenshot):
    drag_from_palette(page, "Add", 250, 120)
    drag_from_palette(page, "Add", 250, 420)
    drag_from_palette(page, "Input", 650, 120)
    drag_from_palette(page, "Output", 650, 420)
    connect(page, "add_1", "add_2", port=0)
    connect(page, "input_1", "output_1")
    expect(page.locator(".react-flow__edge")).to_have_count(2)

    connect(page, "add_2", "add_1", port=0)
    expect(page.get_by_test_id("toast").last).to_contain_text("That would make a cycle: add_1 already feeds add_2.")
    connect(page, "add_2", "output_1")
    expect(page.get_by_test_id("toast").last).to_contain_text("Input 0 of output_1 already takes input_1")
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    screenshot()


def test_a_shape_error_appears_on_the_right_node_and_clears_after_a_fix(page: Page, screenshot):
    load_template(page, "mlp")
    expect(page.get_by_test_id("summary-params")).to_have_text("101,770")
    expect(node(page, "fc2")).to_have_attribute("data-error", "false")

    set_param(page, "fc2", "in_features", "100")

    expect(node(page, "fc2")).to_have_attribute("data-error", "true")
    expect(page.get_by_test_id("node-error-fc2")).to_contain_text("in_features")
    expect(page.get_by_test_id("field-error-in_features")).to_be_visible()
    expect(node(page, "fc1")).to_have_attribute("data-error", "false")
    expect(page.get_by_test_id("summary-errors")).to_have_text("1")
    screenshot("error")

    page.get_by_test_id("param-in_features").fill("128")

    expect(node(page, "fc2")).to_have_attribute("data-error", "false")
    expect(page.get_by_test_id("node-error-fc2")).to_have_count(0)
    expect(page.get_by_test_id("summary-errors")).to_have_text("0")
    expect(page.get_by_test_id("summary-params")).to_have_text("101,770")
    screenshot()


def test_undo_and_redo(page: Page, screenshot):
    load_template(page, "mlp")
    set_param(page, "fc1", "out_features", "64")
    expect(page.get_by_test_id("node-shape-fc1")).to_have_text("(64)")

    node(page, "act").click()
    page.keyboard.press("Delete")
    expect(node(page, "act")).to_have_count(0)

    page.keyboard.press("Control+z")
    expect(node(page, "act")).to_be_visible()
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("node-shape-fc1")).to_have_text("(128)")
    expect(page.get_by_test_id("summary-params")).to_have_text("101,770")

    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_test_id("node-shape-fc1")).to_have_text("(64)")
    page.keyboard.press("Control+y")
    expect(node(page, "act")).to_have_count(0)

    page.get_by_test_id("undo-button").click()
    expect(node(page, "act")).to_be_visible()
    page.get_by_test_id("redo-button").click()
    expect(node(page, "act")).to_have_count(0)
    screenshot()


def node_ids(page: Page) -> list[str]:
    """Ids of the nodes on the canvas, after zooming out so that every one is drawn."""
    # A graph loaded without positions reaches the canvas once laid out (canvas.tsx).
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    page.get_by_test_id("fit-button").click()
    page.wait_for_timeout(300)  # the zoom animates for 200 ms
    return sorted(page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)"))


def test_save_reload_and_find_the_same_graph(page: Page, screenshot):
    load_template(page, "lenet5")
    wait_valid(page)
    page.get_by_test_id("arch-name").fill("My LeNet")
    ids = node_ids(page)
    assert "f7" in ids
    set_param(page, "f7", "out_features", "7")
    expect(page.get_by_test_id("node-shape-f7")).to_have_text("(7)")
    wait_valid(page)
    params = page.get_by_test_id("summary-params").inner_text()

    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("toast").last).to_contain_text("Saved")
    expect(page.get_by_test_id("save-state")).to_have_text("v1")
    expect(page).to_have_url(re.compile(r"\?architecture=\d+"))

    page.reload()
    expect(page.get_by_test_id("arch-name")).to_have_value("My LeNet")
    expect(page.get_by_test_id("save-state")).to_have_text("v1")
    expect(page.get_by_test_id("summary-params")).to_have_text(params)
    assert node_ids(page) == ids
    expect(page.get_by_test_id("node-shape-f7")).to_have_text("(7)")
    screenshot()


def test_load_a_template_and_see_its_parameter_count(page: Page, screenshot):
    load_template(page, "mlp")
    expect(page.get_by_test_id("summary-params")).to_have_text("101,770")
    expect(page.get_by_test_id("summary-trainable")).to_have_text("101,770")
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    expect(node(page, "fc1")).to_be_visible()
    screenshot()


def test_probe_mode_shows_each_nodes_output_on_a_sample_and_follows_edits(page: Page, screenshot):
    load_template(page, "playground_mlp")
    wait_valid(page)

    page.get_by_test_id("probe-toggle").click()

    expect(page.get_by_test_id("probe-bar")).to_be_visible()
    expect(page.get_by_test_id("probe-dataset")).to_have_value("spirals")  # picked to fit Input [2]
    expect(node(page, "fc1").get_by_test_id("probe-bars").locator("rect")).to_have_count(8)
    expect(node(page, "fc3").get_by_test_id("probe-bars").locator("rect")).to_have_count(2)
    expect(page.get_by_test_id("probe-status")).to_contain_text("label")
    screenshot()

    set_param(page, "fc1", "out_features", "5")  # the probe follows the edit
    expect(node(page, "fc1").get_by_test_id("probe-bars").locator("rect")).to_have_count(5)
    page.get_by_test_id("probe-sample").fill("100000")
    expect(page.get_by_test_id("probe-status")).to_contain_text("sample must be an index from 0 to")

    page.get_by_test_id("probe-toggle").click()
    expect(page.get_by_test_id("probe-bar")).to_have_count(0)
    expect(page.get_by_test_id("probe-bars")).to_have_count(0)
