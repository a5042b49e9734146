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
