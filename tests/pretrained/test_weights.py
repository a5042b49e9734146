"""Uploaded weights: read without unpickling objects, matched by key and shape, then loaded."""

from __future__ import annotations

import io
import os

import pytest
import torch
from safetensors.torch import save as save_safetensors

from builder.engine.graph import compile_graph
from builder.engine.weights import (
    WeightsError,
    apply_state_dict,
    load_into,
    match_state_dict,
    read_state_dict,
)

GRAPH = {"format": "netbuilder.graph/1", "name": "Small", "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}},
    {"id": "conv", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3}},
    {"id": "bn", "type": "BatchNorm2d"}, {"id": "act", "type": "ReLU"}, {"id": "flat", "type": "Flatten"},
    {"id": "fc", "type": "Linear", "params": {"out_features": 3}}, {"id": "y", "type": "Output"}],
    "edges": [{"source": a, "target": b} for a, b in
              [("x", "conv"), ("conv", "bn"), ("bn", "act"), ("act", "flat"), ("flat", "fc"), ("fc", "y")]]}


class _RunsCode:
    """Pickles to a call of os.system: loading it without weights_only would run the command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_pth_holding_an_object_that_would_run_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    buffer = io.BytesIO()
    torch.save({"fc.weight": torch.zeros(3, 4), "payload": _RunsCode(marker)}, buffer)
    path = tmp_path / "evil.pth"
    path.write_bytes(buffer.getvalue())

    with pytest.raises(WeightsError) as e:
        read_state_dict(path)
    assert "holds Python objects, not only tensors, and was refused without running any of it" in e.value.message
    assert "posix.system" in e.value.message
    assert not marker.exists()

    torch.load(path, weights_only=False)  # the payload is live: an unsafe load runs it
    assert marker.exists()


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_a_state_dict_trained_elsewhere_for_the_same_graph_gives_identical_outputs_after_import(tmp_path, suffix):
    torch.manual_seed(1)
    elsewhere = compile_graph(GRAPH)
    optimizer = torch.optim.SGD(elsewhere.parameters(), lr=0.1)
    for _ in range(3):  # trained: weights and BatchNorm statistics move away from a fresh model's
        optimizer.zero_grad()
        elsewhere(torch.randn(8, 1, 8, 8)).square().mean().backward()
        optimizer.step()
    state = elsewhere.state_dict()
    path = tmp_path / f"trained{suffix}"
    if suffix == ".pth":
        torch.save(state, path)
    else:
        path.write_bytes(save_safetensors(dict(state)))

    torch.manual_seed(2)
    here = compile_graph(GRAPH)
    report = match_state_dict(GRAPH, read_state_dict(path.read_bytes(), path.name))
    assert report["ok"] and len(report["matched"]) == len(state)
    load_into(here, path)
    x = torch.randn(4, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(here.eval()(x), elsewhere.eval()(x))


def test_the_report_names_missing_unexpected_and_mis_shaped_keys_and_strict_loading_changes_nothing():
    model = compile_graph(GRAPH)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = {k: torch.ones_like(v) for k, v in model.state_dict().items() if not k.startswith("bn.")}
    state["fc.weight"] = torch.ones(5, 144)
    state["head.weight"] = torch.ones(2)
    report = match_state_dict(model, state)
    assert report["missing"] == ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"]
    assert report["unexpected"] == ["head.weight"]
    assert report["mismatched"] == [{"key": "fc.weight", "expected": [3, 144], "got": [5, 144]}]
    assert report["ok"] is False and "conv.weight" in report["matched"]
    with pytest.raises(WeightsError, match="4 missing"):
        apply_state_dict(model, state)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    apply_state_dict(model, state, strict=False)  # what fits is loaded, the rest left as it was
    assert torch.equal(model.conv.weight, torch.ones_like(model.conv.weight))
    assert torch.equal(model.fc.weight, before["fc.weight"])


def test_a_bare_torchvision_file_matches_a_torchvision_node_under_its_id(weights_dir):
    import torchvision

    from .conftest import backbone_graph

    report = match_state_dict(backbone_graph(weights="default"), torchvision.models.resnet18().state_dict())
    assert report["ok"], report
    assert report["renamed"]["conv1.weight"] == "net.conv1.weight"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("weights.pkl", b"x", "weights.pkl is not a weights file: use .pth, .pt, .safetensors"),
    ("weights.pth", b"not a zip", "weights.pth is not a PyTorch weights file"),
    ("weights.safetensors", b"\x00" * 4, "weights.safetensors is not a readable safetensors file"),
])
def test_files_that_are_not_weights_are_refused_with_a_plain_message(name, data, message):
    with pytest.raises(WeightsError) as e:
        read_state_dict(data, name)
    assert e.value.message.startswith(message)
