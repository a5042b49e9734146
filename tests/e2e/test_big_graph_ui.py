"""Big graphs in the builder, in a real browser: finding a node (Ctrl+F, the toolbar's Find box) and
the ports of a residual chain's Add nodes.

Each test leaves a screenshot in var/test-artifacts/<test name>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import node

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DRAFT_KEY = "netbuilder.builder.draft/1"  # frontend/src/lib/draft.ts


def residual_chain(blocks: int) -> dict:
    """Input, `blocks` × [Linear → ReLU → Add(the block's input)], Output; no positions (laid out on load)."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [16]}}]
    edges = []
    last = "x"
    for i in range(blocks):
        nodes += [{"id": f"fc{i}", "type": "Linear", "params": {"out_features": 16}}, {"id": f"relu{i}", "type": "ReLU"},
                  {"id": f"add{i}", "type": "Add"}]
        edges += [{"source": last, "target": f"fc{i}"}, {"source": f"fc{i}", "target": f"relu{i}"},
                  {"source": f"relu{i}", "target": f"add{i}", "port": 0}, {"source": last, "target": f"add{i}", "port": 1}]
        last = f"add{i}"
    nodes.append({"id": "y", "type": "Output"})
    edges.append({"source": last, "target": "y"})
    return {"format": "netbuilder.graph/1", "name": "Residual chain", "nodes": nodes, "edges": edges}


def open_draft(page: Page, graph: dict) -> None:
    page.evaluate("([key, draft]) => localStorage.setItem(key, JSON.stringify(draft))",
                  [DRAFT_KEY, {"graph": graph, "architectureId": None, "architectureVersion": None,
                               "savedAt": "2026-01-01T00:00:00Z"}])
    page.goto("/")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid", timeout=30_000)


def centre_offset(page: Page, node_id: str) -> tuple[float, float]:
    page.wait_for_timeout(400)  # the view moves in 200 ms
    target = node(page, node_id).bounding_box()
    canvas = page.get_by_test_id("canvas").bounding_box()
    assert target and canvas
    return (target["x"] + target["width"] / 2 - (canvas["x"] + canvas["width"] / 2),
            target["y"] + target["height"] / 2 - (canvas["y"] + canvas["height"] / 2))


def test_ctrl_f_finds_a_node_far_down_a_big_graph_selects_it_and_centres_it(page: Page, screenshot):
    open_draft(page, residual_chain(100))  # 302 nodes
    expect(node(page, "add97")).to_have_count(0)  # out of view: not drawn
    page.get_by_test_id("canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+f")
    expect(page.get_by_test_id("find-input")).to_be_focused()
    page.keyboard.type("add97")
    expect(page.get_by_test_id("find-count")).to_have_text("1 found")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("find-count")).to_have_text("1 / 1")
    expect(node(page, "add97")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.get_by_test_id("node-id-input")).to_have_value("add97")
    dx, dy = centre_offset(page, "add97")
    assert abs(dx) < 40 and abs(dy) < 40, (dx, dy)
    screenshot()


def test_enter_and_shift_enter_step_through_the_matches_by_type(page: Page, screenshot):
    open_draft(page, residual_chain(20))
    page.get_by_test_id("find-input").fill("relu")
    expect(page.get_by_test_id("find-count")).to_have_text("20 found")
    page.get_by_test_id("find-input").press("Enter")
    expect(page.get_by_test_id("find-count")).to_have_text("1 / 20")
    expect(page.get_by_test_id("node-id-input")).to_have_value("relu0")
    page.get_by_test_id("find-input").press("Enter")
    expect(page.get_by_test_id("find-count")).to_have_text("2 / 20")
    expect(page.get_by_test_id("node-id-input")).to_have_value("relu1")
    page.get_by_test_id("find-input").press("Shift+Enter")
    page.get_by_test_id("find-input").press("Shift+Enter")
    expect(page.get_by_test_id("find-count")).to_have_text("20 / 20")  # wrapped round to the last
    expect(page.get_by_test_id("node-id-input")).to_have_value("relu19")
    dx, dy = centre_offset(page, "relu19")
    assert abs(dx) < 40 and abs(dy) < 40, (dx, dy)
    page.get_by_test_id("find-input").fill("conv")
    expect(page.get_by_test_id("find-count")).to_have_text("no match")
    screenshot()


def test_find_goes_to_a_node_by_its_error_text(page: Page, screenshot):
    graph = residual_chain(10)
    next(n for n in graph["nodes"] if n["id"] == "fc6")["params"]["out_features"] = 0  # below the bound
    page.evaluate("([key, draft]) => localStorage.setItem(key, JSON.stringify(draft))",
                  [DRAFT_KEY, {"graph": graph, "architectureId": None, "architectureVersion": None,
                               "savedAt": "2026-01-01T00:00:00Z"}])
    page.goto("/")
    expect(page.get_by_test_id("summary-status")).not_to_have_text("Checking…")
    expect(page.get_by_test_id("summary-status")).not_to_have_text("Valid")
    # Neither the id nor the type says "out_features": only fc6's error does.
    page.get_by_test_id("find-input").fill("out_features")
    page.get_by_test_id("find-input").press("Enter")
    expect(page.get_by_test_id("node-id-input")).to_have_value("fc6")
    expect(node(page, "fc6")).to_have_attribute("data-error", "true")
    expect(page.get_by_test_id("node-error-fc6")).to_contain_text("out_features")
    screenshot()


def test_a_residual_chains_add_nodes_keep_a_free_port_after_their_two_inputs(page: Page, screenshot):
    open_draft(page, residual_chain(3))
    for i in range(3):
        expect(page.get_by_test_id(f"port-in-add{i}-1")).to_have_count(1)
        expect(page.get_by_test_id(f"port-in-add{i}-2")).to_have_count(1)  # variadic: one more than wired
        expect(page.get_by_test_id(f"port-in-add{i}-3")).to_have_count(0)
    screenshot()


def canvas_box(page: Page) -> dict:
    b = page.get_by_test_id("canvas").bounding_box()
    assert b
    return b


def zoom(page: Page) -> float:
    """The canvas's zoom, from React Flow's viewport transform (`translate(x, y) scale(z)`)."""
    transform = page.locator(".react-flow__viewport").evaluate("e => e.style.transform")
    return float(re.search(r"scale\(([\d.e-]+)\)", transform).group(1))


def node_boxes(page: Page) -> dict[str, dict]:
    return page.locator(".react-flow__node").evaluate_all("""els => Object.fromEntries(els.map(e => {
        const r = e.getBoundingClientRect();
        return [e.dataset.id, {x: r.x, y: r.y, width: r.width, height: r.height}];
    }))""")


def inside(b: dict, outer: dict, slack: float = 0.5) -> bool:
    return b["x"] >= outer["x"] - slack and b["y"] >= outer["y"] - slack \
        and b["x"] + b["width"] <= outer["x"] + outer["width"] + slack \
        and b["y"] + b["height"] <= outer["y"] + outer["height"] + slack


def fit(page: Page) -> None:
    page.get_by_test_id("fit-button").click()
    page.wait_for_timeout(400)  # the zoom animates for 200 ms


def test_fit_shows_every_node_of_a_302_node_chain_inside_the_canvas_below_the_old_zoom_floor(page: Page, screenshot):
    open_draft(page, residual_chain(100))
    fit(page)
    boxes = node_boxes(page)
    assert len(boxes) == 302  # every node in view, so every node drawn
    canvas = canvas_box(page)
    assert [n for n, b in boxes.items() if not inside(b, canvas)] == []
    assert zoom(page) < 0.45  # far: the overview
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-zoom", "far")
    screenshot()


def test_far_out_a_node_is_a_box_in_its_category_colour_with_its_id_and_no_parameters(page: Page, screenshot):
    open_draft(page, residual_chain(100))
    near = node(page, "fc0")
    expect(near.locator(".layer-node-params")).to_be_visible()  # at the load's readable zoom
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-zoom", "near")
    fit(page)
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-zoom", "far")
    fc0 = node(page, "fc0")
    expect(fc0.locator(".layer-node-params")).to_be_hidden()
    expect(page.get_by_test_id("node-shape-fc0")).to_be_hidden()
    expect(page.get_by_test_id("port-in-fc0-0")).to_be_hidden()
    expect(fc0.locator(".layer-node-id")).to_be_visible()
    expect(fc0.locator(".layer-node-id")).to_have_text("fc0")
    # Linear is Core (--cat-core #3563e9), ReLU Activation (--cat-act #ca8a04).
    assert fc0.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(53, 99, 233)"
    assert node(page, "relu0").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(202, 138, 4)"
    screenshot()


def test_far_out_a_drag_on_a_node_moves_it_instead_of_starting_an_edge(page: Page, screenshot):
    open_draft(page, residual_chain(100))
    fit(page)
    before = node(page, "fc50").bounding_box()
    assert before
    # From the node's bottom edge, where its output port is when near.
    x, y = before["x"] + before["width"] / 2, before["y"] + before["height"] - 1
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 40, steps=6)
    # Mid-drag: the node is being dragged, no edge is being drawn from a port.
    expect(page.locator(".react-flow__node.dragging[data-id=fc50]")).to_have_count(1)
    expect(page.locator(".react-flow__connectionline")).to_have_count(0)
    page.mouse.up()
    after = node(page, "fc50").bounding_box()
    assert after
    # Moved with the pointer (less the few pixels React Flow waits before a drag begins).
    dx, dy = after["x"] - before["x"], after["y"] - before["y"]
    assert 20 <= dx <= 30 and 27 <= dy <= 40, (dx, dy)
    screenshot()


def test_left_to_right_layout_makes_x_grow_along_the_chain_with_ports_on_the_sides(page: Page, screenshot):
    graph = {"format": "netbuilder.graph/1", "name": "Chain", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [16]}}, {"id": "fc", "type": "Linear", "params": {"out_features": 8}},
        {"id": "act", "type": "ReLU"}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "act"}, {"source": "act", "target": "y"}]}
    open_draft(page, graph)
    down = node_boxes(page)
    assert down["x"]["y"] < down["fc"]["y"] < down["act"]["y"] < down["y"]["y"]
    page.get_by_test_id("layout-direction").select_option("RIGHT")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-direction", "RIGHT")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    page.wait_for_timeout(400)
    right = node_boxes(page)
    assert right["x"]["x"] < right["fc"]["x"] < right["act"]["x"] < right["y"]["x"]
    middles = [b["y"] + b["height"] / 2 for b in right.values()]
    assert max(middles) - min(middles) < 2, middles  # one row, centred on one line
    port_in = page.get_by_test_id("port-in-fc-0").bounding_box()
    port_out = page.get_by_test_id("port-out-fc-0").bounding_box()
    assert port_in and port_out
    fc = right["fc"]
    assert abs(port_in["x"] + port_in["width"] / 2 - fc["x"]) < 2  # on the left side
    assert abs(port_out["x"] + port_out["width"] / 2 - (fc["x"] + fc["width"])) < 2  # on the right side
    # Undo puts the nodes back where they were (one undo step), the ports stay on the sides.
    page.get_by_test_id("canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    page.wait_for_timeout(400)
    assert node_boxes(page)["fc"]["y"] > node_boxes(page)["x"]["y"]
    screenshot()


def test_the_selection_stays_selected_and_in_view_after_a_layout(page: Page, screenshot):
    open_draft(page, residual_chain(100))
    page.get_by_test_id("find-input").fill("add60")
    page.get_by_test_id("find-input").press("Enter")
    expect(node(page, "add60")).to_have_class(re.compile(r"\bis-selected\b"))
    page.get_by_test_id("layout-button").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    dx, dy = centre_offset(page, "add60")
    assert abs(dx) < 40 and abs(dy) < 40, (dx, dy)
    expect(node(page, "add60")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.get_by_test_id("node-id-input")).to_have_value("add60")
    page.get_by_test_id("layout-direction").select_option("RIGHT")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-laying-out", "false")
    dx, dy = centre_offset(page, "add60")
    assert abs(dx) < 40 and abs(dy) < 40, (dx, dy)
    expect(node(page, "add60")).to_have_class(re.compile(r"\bis-selected\b"))
    screenshot()


def test_far_out_a_block_node_shows_its_id_and_its_block_name(page: Page, screenshot):
    graph = residual_chain(100)
    graph["blocks"] = {"Dense": {
        "params": {"width": {"kind": "int", "default": 8, "min": 1}},
        "nodes": [{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear", "params": {"out_features": "$width"}},
                  {"id": "act", "type": "ReLU"}, {"id": "y", "type": "Output"}],
        "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "act"}, {"source": "act", "target": "y"}]}}
    # fc0 becomes a use of Dense (16 wide, as the Linear it replaces).
    fc0 = next(n for n in graph["nodes"] if n["id"] == "fc0")
    fc0.update(type="Block", params={"block": "Dense", "width": 16})
    open_draft(page, graph)
    fit(page)
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-zoom", "far")
    label = node(page, "fc0").locator(".layer-node-id")
    expect(label).to_be_visible()
    expect(label).to_have_text("fc0")
    assert label.evaluate("e => getComputedStyle(e, '::after').content") == '"Dense"'
    assert node(page, "fc0").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(14, 116, 144)"
    # A layer that is not a block shows its id alone.
    assert node(page, "fc1").locator(".layer-node-id").evaluate("e => getComputedStyle(e, '::after').content") == "none"
    screenshot()


def test_the_minimap_draws_every_layer_in_its_category_colour_and_outlines_the_view(page: Page, screenshot):
    open_draft(page, residual_chain(100))
    minimap = page.locator(".react-flow__minimap")
    expect(minimap.locator(".react-flow__minimap-node")).to_have_count(302)
    box = minimap.bounding_box()
    assert box and (round(box["width"]), round(box["height"])) == (220, 160)
    fills = minimap.locator(".react-flow__minimap-node").evaluate_all(
        "els => [...new Set(els.map(e => getComputedStyle(e).fill))].sort()")
    # Core (Linear #3563e9), Merge (Add #4d7c0f), Input/Output (#6b7382), Activation (ReLU #ca8a04).
    assert fills == ["rgb(107, 115, 130)", "rgb(202, 138, 4)", "rgb(53, 99, 233)", "rgb(77, 124, 15)"]
    mask = minimap.locator(".react-flow__minimap-mask")
    # The view's outline: 2 screen pixels, in minimap units (the minimap's scale times 2).
    stroke, width = mask.evaluate("e => [getComputedStyle(e).stroke, parseFloat(getComputedStyle(e).strokeWidth)]")
    assert stroke == "rgb(53, 99, 233)" and width > 2, (stroke, width)
    screenshot()
