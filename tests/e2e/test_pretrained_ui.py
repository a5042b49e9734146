"""Pretrained models in a real browser: a torchvision architecture from the dialog, expanding a
TorchvisionModel node, freezing layers, importing a graph file and checking weights files.

Each test leaves screenshots in var/test-artifacts/<test name>*.png.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from playwright.sync_api import Page, expect

from builder.engine.graph import compile_graph, expand_node
from tests.e2e.test_builder import connect, drag_from_palette, load_template, node, wait_valid

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TEMPLATES = Path(__file__).resolve().parents[2] / "builder" / "engine" / "graph" / "templates"


def template_graph(name: str) -> dict:
    return json.loads((TEMPLATES / f"{name}.json").read_text())["graph"]


def open_import(page: Page, item: str) -> None:
    """Opens the toolbar's Import menu and picks an entry."""
    page.get_by_test_id("import-menu").click()
    page.get_by_test_id(item).click()


def test_resnet18_from_the_torchvision_dialog_shows_its_parameter_count(page: Page, live_server, screenshot):
    status, archs = live_server.api.get("/api/torchvision")
    assert status == 200
    resnet18 = next(a for a in archs if a["arch"] == "resnet18")
    assert resnet18["params"] == 11_689_512
    head = resnet18["head"]
    # The 1000-class head is replaced by one for 10 classes.
    expected = resnet18["params"] - (head["in_features"] + 1) * head["out_features"] + (head["in_features"] + 1) * 10

    open_import(page, "import-torchvision")
    expect(page.get_by_test_id("tv-params-resnet18")).to_have_text("11,689,512")
    expect(page.get_by_test_id("tv-weights-resnet18")).to_contain_text(
        "present" if resnet18["weights"]["available"] else "not in the weights folder")
    page.get_by_test_id("tv-pick-resnet18").check()
    page.get_by_test_id("tv-num-classes").fill("10")
    expect(page.get_by_test_id("tv-summary")).to_contain_text(f"{expected:,} parameters with a new 10-class head")
    screenshot("dialog")
    page.get_by_test_id("tv-create").click()

    expect(page.get_by_test_id("torchvision-dialog")).to_have_count(0)
    expect(page.get_by_test_id("summary-params")).to_have_text(f"{expected:,}")
    expect(page.get_by_test_id("summary-trainable")).to_have_text(f"{expected:,}")
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    expect(page.get_by_test_id("arch-name")).to_have_value("resnet18")
    expect(page.get_by_test_id("save-state")).to_have_text("● unsaved")
    expect(node(page, "conv1")).to_be_visible()
    screenshot()


def test_expand_a_frozen_torchvision_node_into_layers_with_the_same_parameters(page: Page, screenshot):
    drag_from_palette(page, "Input", 420, 100)
    page.get_by_test_id("param-shape").fill("3, 32, 32")
    drag_from_palette(page, "TorchvisionModel", 420, 300)
    drag_from_palette(page, "Output", 420, 500)
    connect(page, "input_1", "torchvisionmodel_1")
    connect(page, "torchvisionmodel_1", "output_1")
    expect(page.get_by_test_id("summary-params")).to_have_text("11,689,512")
    expect(page.get_by_test_id("summary-layers")).to_have_text("3 layers")

    # Freeze the whole backbone: nothing left to train.
    node(page, "torchvisionmodel_1").click()
    page.get_by_test_id("node-trainable").uncheck()
    expect(page.get_by_test_id("node-frozen-torchvisionmodel_1")).to_be_visible()
    expect(page.get_by_test_id("summary-trainable")).to_have_text("0")
    expect(page.get_by_test_id("summary-params")).to_have_text("11,689,512")

    graph = {"format": "netbuilder.graph/1", "name": "t", "nodes": [
        {"id": "input_1", "type": "Input", "params": {"shape": [3, 32, 32]}},
        {"id": "torchvisionmodel_1", "type": "TorchvisionModel", "params": {"arch": "resnet18"}},
        {"id": "output_1", "type": "Output"}],
        "edges": [{"source": "input_1", "target": "torchvisionmodel_1"},
                  {"source": "torchvisionmodel_1", "target": "output_1"}]}
    layers = len(expand_node(graph, "torchvisionmodel_1")["nodes"])
    assert layers > 60

    page.get_by_test_id("expand-button").click()
    expect(page.get_by_test_id("summary-layers")).to_have_text(f"{layers} layers")
    expect(page.get_by_test_id("toast").last).to_contain_text(f"Expanded torchvisionmodel_1 into {layers - 2} layers")
    wait_valid(page)
    expect(page.get_by_test_id("summary-params")).to_have_text("11,689,512")
    expect(page.get_by_test_id("summary-status")).to_have_text("Valid")
    # Every layer keeps the node's "trainable": false.
    expect(page.get_by_test_id("summary-trainable")).to_have_text("0")
    expect(page.get_by_test_id("node-frozen-torchvisionmodel_1_conv1")).to_be_visible()
    screenshot("expanded")

    # Unfreeze the first convolution alone: 64 × 3 × 7 × 7 weights, no bias.
    node(page, "torchvisionmodel_1_conv1").click()
    page.get_by_test_id("node-trainable").check()
    expect(page.get_by_test_id("node-frozen-torchvisionmodel_1_conv1")).to_have_count(0)
    expect(page.get_by_test_id("summary-trainable")).to_have_text("9,408")
    page.get_by_test_id("node-lr-mult").fill("0.1")
    expect(page.get_by_test_id("node-lr-torchvisionmodel_1_conv1")).to_have_text("lr ×0.1")
    page.get_by_test_id("node-lr-mult").fill("0")
    expect(page.get_by_test_id("node-lr-mult-error")).to_have_text("Must be more than 0.")
    screenshot()

    # The expand is one undo step: lr multiplier, unfreeze, then the expand itself.
    for _ in range(3):
        page.get_by_test_id("undo-button").click()
    expect(page.get_by_test_id("summary-layers")).to_have_text("3 layers")
    expect(node(page, "torchvisionmodel_1")).to_be_visible()
    expect(page.get_by_test_id("summary-params")).to_have_text("11,689,512")


def test_an_architecture_that_does_not_expand_says_why(page: Page, tmp_path: Path):
    graph = {"format": "netbuilder.graph/1", "name": "vit", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [3, 224, 224]}},
        {"id": "net", "type": "TorchvisionModel", "params": {"arch": "vit_b_16"}},
        {"id": "y", "type": "Output"}],
        "edges": [{"source": "x", "target": "net"}, {"source": "net", "target": "y"}]}
    path = tmp_path / "vit.json"
    path.write_text(json.dumps(graph))
    page.get_by_test_id("import-input").set_input_files(str(path))
    node(page, "net").click()
    expect(page.get_by_test_id("expand-button")).to_be_disabled()
    expect(page.get_by_test_id("expand-note")).to_contain_text("vit_b_16 can't be expanded into catalog nodes")
    # The shortcut asks the server anyway, and shows its refusal.
    page.keyboard.press("e")
    expect(page.get_by_test_id("toast").last).to_contain_text("Could not expand net: vit_b_16 can't be expanded")
    expect(page.get_by_test_id("summary-layers")).to_have_text("3 layers")


def test_import_a_graph_file_marks_the_nodes_with_errors(page: Page, tmp_path: Path, screenshot):
    graph = template_graph("mlp")
    fc2 = next(n for n in graph["nodes"] if n["id"] == "fc2")
    fc2["params"]["in_features"] = 100
    path = tmp_path / "broken-mlp.json"
    path.write_text(json.dumps(graph))

    page.get_by_test_id("import-input").set_input_files(str(path))

    expect(node(page, "fc2")).to_have_attribute("data-error", "true")
    expect(page.get_by_test_id("node-error-fc2")).to_contain_text("in_features")
    expect(node(page, "fc1")).to_have_attribute("data-error", "false")
    expect(page.get_by_test_id("toast").last).to_contain_text("with 1 error")
    expect(page.get_by_test_id("summary-errors")).to_have_text("1")
    screenshot()


def test_import_weights_reports_every_key_before_attaching_them(page: Page, live_server, tmp_path: Path, screenshot):
    # State-dict keys are the node ids: fc1.weight, fc1.bias, fc2.weight, fc2.bias.
    state = compile_graph(template_graph("mlp")).state_dict()
    good = tmp_path / "mlp.pth"
    torch.save(state, good)
    bad = tmp_path / "mlp-wrong.pth"
    torch.save({**state, "fc2.weight": torch.zeros(5, 128)}, bad)

    load_template(page, "mlp")
    wait_valid(page)
    open_import(page, "import-weights")
    page.get_by_test_id("weights-input").set_input_files(str(good))
    expect(page.get_by_test_id("weights-report-status")).to_have_text(f"All {len(state)} tensors match.")
    expect(page.get_by_test_id("weights-count-matched")).to_have_text(str(len(state)))
    expect(page.get_by_test_id("weights-count-mismatched")).to_have_text("0")
    expect(page.get_by_test_id("weights-attach")).to_be_enabled()
    screenshot("ok")

    page.get_by_test_id("weights-input").set_input_files(str(bad))
    expect(page.get_by_test_id("weights-report-status")).to_contain_text("These weights don't fit: 1 mis-shaped")
    expect(page.get_by_test_id("weights-count-mismatched")).to_have_text("1")
    expect(page.get_by_test_id("weights-section-mismatched")).to_contain_text("fc2.weight: expected (10, 128), got (5, 128)")
    expect(page.get_by_test_id("weights-attach")).to_be_disabled()
    screenshot("mis-shaped")

    # Checking keeps nothing; attaching the file that fits uploads it.
    kept_before = {w["id"] for w in live_server.api.get("/api/weights")[1]}
    page.get_by_test_id("weights-input").set_input_files(str(good))
    expect(page.get_by_test_id("weights-attach")).to_be_enabled()
    page.get_by_test_id("weights-attach").click()
    expect(page.get_by_test_id("weights-dialog")).to_have_count(0)
    expect(page.get_by_test_id("init-weights-chip")).to_contain_text("mlp.pth")
    kept = [w for w in live_server.api.get("/api/weights")[1] if w["id"] not in kept_before]
    assert [(w["name"], w["tensors"]) for w in kept] == [("mlp.pth", len(state))]
    screenshot()

    page.get_by_test_id("init-weights-remove").click()
    expect(page.get_by_test_id("init-weights-chip")).to_have_count(0)
