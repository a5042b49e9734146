"""Blocks made and edited in a real browser: make a block of selected layers (Ctrl+G), reuse it from the
palette, open it and edit its inside once (both uses change), go back by the breadcrumb, ungroup one use
and undo it; save a block to the library and insert it into another graph."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import connect, node, set_param, wait_valid

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def column(*nodes: tuple[str, str, dict]) -> dict:
    """A chain of nodes, one under the other."""
    return {
        "format": "netbuilder.graph/1", "name": "Two dense",
        "nodes": [{"id": i, "type": t, "params": p, "position": {"x": 0, "y": 110 * k}}
                  for k, (i, t, p) in enumerate(nodes)],
        "edges": [{"source": a[0], "target": b[0]} for a, b in zip(nodes, nodes[1:], strict=False)],
    }


TWO_DENSE = column(("x", "Input", {"shape": [8]}), ("a1", "Linear", {"out_features": 16}), ("a2", "ReLU", {}),
                   ("b1", "Linear", {"out_features": 16}), ("b2", "ReLU", {}), ("head", "Linear", {"out_features": 2}),
                   ("y", "Output", {}))


def import_graph(page: Page, tmp_path, graph: dict, name: str) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(graph))
    page.get_by_test_id("import-input").set_input_files(str(path))
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")


def drop_block(page: Page, test_id: str, x_share: float, y_share: float) -> None:
    """Drags a palette block onto the canvas at a share of its width and height."""
    canvas = page.get_by_test_id("canvas")
    box = canvas.bounding_box()
    assert box
    page.get_by_test_id(test_id).drag_to(canvas, target_position={"x": box["width"] * x_share, "y": box["height"] * y_share})


def test_make_reuse_open_edit_ungroup_and_undo_a_block(page: Page, tmp_path, screenshot):
    import_graph(page, tmp_path, TWO_DENSE, "two_dense")
    node(page, "a1").click()
    node(page, "a2").click(modifiers=["Control"])
    page.keyboard.press("Control+g")
    page.get_by_test_id("name-dialog-input").fill("Dense")
    page.get_by_test_id("name-dialog-submit").click()
    expect(node(page, "dense")).to_be_visible()
    expect(node(page, "a1")).to_have_count(0)
    expect(page.get_by_test_id("node-shape-dense")).to_have_text("(16)")
    # One input port: the block has one Input (a Block node is no variadic Add with a free extra port).
    expect(page.get_by_test_id("port-in-dense-0")).to_have_count(1)
    expect(page.get_by_test_id("port-in-dense-1")).to_have_count(0)

    # Reuse it in place of b1 → b2, from the palette.
    node(page, "b1").click()
    node(page, "b2").click(modifiers=["Control"])
    page.keyboard.press("Delete")
    drop_block(page, "palette-block-Dense", 0.8, 0.5)
    expect(node(page, "dense_1")).to_be_visible()
    connect(page, "dense", "dense_1")
    connect(page, "dense_1", "head")
    expect(page.get_by_test_id("node-shape-dense_1")).to_have_text("(16)")
    wait_valid(page)
    expect(page.get_by_test_id("node-error-dense_1")).to_have_count(0)

    # Open it: its inside, with the first use's shapes; one edit changes both uses.
    node(page, "dense").dblclick()
    expect(page.get_by_test_id("breadcrumb-current")).to_have_text("Dense")
    expect(page.get_by_test_id("node-shape-a1")).to_have_text("(16)")
    set_param(page, "a1", "out_features", "12")
    expect(page.get_by_test_id("node-shape-a1")).to_have_text("(12)")
    screenshot("inside")
    page.get_by_test_id("breadcrumb-top").click()
    expect(page.get_by_test_id("block-breadcrumb")).to_have_count(0)
    expect(page.get_by_test_id("node-shape-dense")).to_have_text("(12)")
    expect(page.get_by_test_id("node-shape-dense_1")).to_have_text("(12)")

    # Ungroup the second use; undo brings the Block node back.
    node(page, "dense_1").click()
    page.get_by_test_id("ungroup-button").click()
    expect(node(page, "dense_1_1_a1")).to_have_count(1)
    expect(node(page, "dense_1")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(node(page, "dense_1")).to_have_count(1)
    expect(node(page, "dense_1_1_a1")).to_have_count(0)
    screenshot()


def test_a_block_saved_to_the_library_is_inserted_into_another_graph_and_removed(page: Page, tmp_path, live_server,
                                                                                 screenshot):
    import_graph(page, tmp_path, TWO_DENSE, "two_dense")
    node(page, "b1").click()
    node(page, "b2").click(modifiers=["Control"])
    page.get_by_test_id("make-block-button").click()
    page.get_by_test_id("name-dialog-input").fill("Wide")
    page.get_by_test_id("name-dialog-submit").click()
    expect(node(page, "wide")).to_be_visible()
    wait_valid(page)  # the library checks the block with its input shapes, from validation
    node(page, "wide").click()
    page.get_by_test_id("save-block-button").click()
    expect(page.get_by_test_id("palette-library-Wide")).to_be_visible()

    ends = {"format": "netbuilder.graph/1", "name": "Other", "edges": [],
            "nodes": [{"id": "x", "type": "Input", "params": {"shape": [16]}, "position": {"x": 0, "y": 0}},
                      {"id": "y", "type": "Output", "params": {}, "position": {"x": 0, "y": 400}}]}
    import_graph(page, tmp_path, ends, "other")
    expect(node(page, "wide")).to_have_count(0)
    drop_block(page, "palette-library-Wide", 0.75, 0.5)
    expect(node(page, "wide_1")).to_be_visible()
    connect(page, "x", "wide_1")
    connect(page, "wide_1", "y")
    expect(page.get_by_test_id("node-shape-wide_1")).to_have_text("(16)")
    wait_valid(page)
    expect(page.get_by_test_id("node-error-wide_1")).to_have_count(0)
    expect(page.get_by_test_id("palette-block-Wide")).to_be_visible()  # copied into this graph's blocks
    screenshot()
    page.get_by_test_id("palette-library-Wide-remove").click()  # the confirmation is accepted
    expect(page.get_by_test_id("palette-library-Wide")).to_have_count(0)
    expect(page.get_by_test_id("palette-block-Wide")).to_be_visible()
    status, kept = live_server.api.get("/api/blocks")
    assert status == 200 and "Wide" not in [b["name"] for b in kept]


DENSE_TWICE = {
    "format": "netbuilder.graph/1", "name": "Dense twice",
    "blocks": {"Dense": {"nodes": [{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear", "params": {"out_features": 16}},
                                   {"id": "act", "type": "ReLU"}, {"id": "y", "type": "Output"}],
                         "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "act"},
                                   {"source": "act", "target": "y"}]}},
    "nodes": [{"id": i, "type": t, "params": p, "position": {"x": 0, "y": 110 * k}} for k, (i, t, p) in enumerate((
        ("x", "Input", {"shape": [8]}), ("d1", "Block", {"block": "Dense"}), ("d2", "Block", {"block": "Dense"}),
        ("head", "Linear", {"out_features": 2}), ("y", "Output", {})))],
    "edges": [{"source": a, "target": b} for a, b in (("x", "d1"), ("d1", "d2"), ("d2", "head"), ("head", "y"))],
}


def click_empty(page: Page) -> None:
    """Clicks the canvas beside the nodes (which Fit centres), clearing the selection."""
    pane = page.locator(".react-flow__pane")
    box = pane.bounding_box()
    assert box
    pane.click(position={"x": box["width"] - 40, "y": box["height"] / 2})


def test_a_field_made_a_block_parameter_lets_each_use_set_its_own_value(page: Page, tmp_path, screenshot):
    import_graph(page, tmp_path, DENSE_TWICE, "dense_twice")
    node(page, "d1").dblclick()
    expect(page.get_by_test_id("breadcrumb-current")).to_have_text("Dense")
    node(page, "fc").click()
    page.get_by_test_id("promote-out_features").click()
    expect(page.get_by_test_id("param-ref-out_features")).to_have_text("$out_features")
    # With nothing selected, the inspector lists the block's parameters: the default and who reads it.
    click_empty(page)
    expect(page.get_by_test_id("block-param-out_features").get_by_test_id("param-out_features")).to_have_value("16")
    expect(page.get_by_test_id("block-param-uses-out_features")).to_have_text("Read by fc.out_features")
    expect(page.get_by_test_id("remove-block-param-out_features")).to_be_disabled()
    screenshot("declared")

    page.get_by_test_id("breadcrumb-top").click()
    node(page, "d2").click()
    page.get_by_test_id("block-params-form").get_by_test_id("param-out_features").fill("4")
    expect(page.get_by_test_id("node-shape-d2")).to_have_text("(4)")
    expect(page.get_by_test_id("node-shape-d1")).to_have_text("(16)")  # the other use keeps the default
    wait_valid(page)
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    node(page, "d1").click()
    expect(page.get_by_test_id("inspector")).to_contain_text("Parameters" + "144")  # Linear(8, 16)
    node(page, "d2").click()
    expect(page.get_by_test_id("inspector")).to_contain_text("Parameters" + "68")  # Linear(16, 4)
    screenshot("two values")

    # Unbind the field inside, remove the parameter: the use's own value goes with it; undo brings both back.
    node(page, "d2").dblclick()
    node(page, "fc").click()
    page.get_by_test_id("unbind-out_features").click()
    expect(page.get_by_test_id("param-out_features")).to_have_value("16")
    click_empty(page)
    expect(page.get_by_test_id("block-param-uses-out_features")).to_have_text("Read by no field")
    page.get_by_test_id("remove-block-param-out_features").click()
    expect(page.get_by_test_id("block-params-none")).to_be_visible()
    page.get_by_test_id("breadcrumb-top").click()
    expect(page.get_by_test_id("node-shape-d2")).to_have_text("(16)")
    page.keyboard.press("Control+z")  # the removal: back inside the block, the parameter declared again
    expect(page.get_by_test_id("block-param-uses-out_features")).to_have_text("Read by no field")
    page.keyboard.press("Control+z")  # the unbinding: fc (selected as it was then) reads it again
    expect(page.get_by_test_id("param-ref-out_features")).to_have_text("$out_features")
    page.get_by_test_id("breadcrumb-top").click()
    expect(page.get_by_test_id("node-shape-d2")).to_have_text("(4)")
    expect(page.get_by_test_id("node-shape-d1")).to_have_text("(16)")


def test_probe_shows_the_outputs_inside_a_block_on_its_canvas(page: Page, tmp_path, screenshot):
    graph = {**DENSE_TWICE, "nodes": [{**n, "params": {"shape": [2]}} if n["id"] == "x" else n
                                      for n in DENSE_TWICE["nodes"]]}
    import_graph(page, tmp_path, graph, "dense_probe")
    page.get_by_test_id("probe-toggle").click()
    expect(page.get_by_test_id("probe-dataset")).to_have_value("spirals")  # the first set that fits Input [2]
    expect(node(page, "d1").get_by_test_id("probe-bars").locator("rect")).to_have_count(16)
    expect(node(page, "y").get_by_test_id("probe-bars").locator("rect")).to_have_count(2)
    node(page, "d1").dblclick()
    expect(page.get_by_test_id("breadcrumb-current")).to_have_text("Dense")
    # The block's own nodes, as its first use computes them: its Input gets the 2 values of the sample,
    # its Output the 16 of its ReLU (not the top graph's y).
    expect(node(page, "x").get_by_test_id("probe-bars").locator("rect")).to_have_count(2)
    expect(node(page, "fc").get_by_test_id("probe-bars").locator("rect")).to_have_count(16)
    expect(node(page, "y").get_by_test_id("probe-bars").locator("rect")).to_have_count(16)
    set_param(page, "fc", "out_features", "5")  # the probe follows an edit inside
    expect(node(page, "act").get_by_test_id("probe-bars").locator("rect")).to_have_count(5)
    screenshot()
