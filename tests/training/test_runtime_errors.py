"""A failure inside a compiled graph at run time names the graph node and its layer type."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from builder.engine.graph import compile_graph
from builder.engine.training import load_dataset, loop
from builder.engine.training.errors import ModelRuntimeError
from tests.graph.graph_builders import chain, node
from tests.helpers import DIGITS_MLP

from .conftest import run


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def break_on_full_batches(module, *, training: bool = True) -> None:
    """Make `module` (a Linear) drop one input feature on batches of more than the check's two samples.

    The two-sample check before training passes; the first full batch (in training, or in evaluation
    with `training=False`) raises torch's own shape error inside this module.
    """
    def forward(x):
        if x.shape[0] > 2 and module.training == training:
            x = x[:, 1:]
        return F.linear(x, module.weight, module.bias)

    module.forward = forward


def test_a_shape_error_in_a_linear_layer_names_the_node_and_its_layer(digits, events):
    gm = compile_graph(DIGITS_MLP)
    break_on_full_batches(gm.fc2)

    result = run(gm, digits, events, epochs=1, batch_size=64)

    assert result.status == "failed" and result.steps == 0
    assert result.error == (
        "Node 'fc2' (Linear) failed at step 1: mat1 and mat2 shapes cannot be multiplied (64x31 and 32x10)"
    )
    assert (result.node, result.layer) == ("fc2", "Linear")
    final = events[-1]
    assert final["type"] == "failed"
    assert final["data"]["message"] == result.error
    assert (final["data"]["node"], final["data"]["layer"]) == ("fc2", "Linear")
    assert "forward" not in vars(gm)  # the generated forward is back once the failure is located


def test_a_failure_during_evaluation_names_the_node(digits, events):
    gm = compile_graph(DIGITS_MLP)
    break_on_full_batches(gm.fc1, training=False)

    result = run(gm, digits, events, epochs=2, batch_size=64, val_fraction=0.2)

    per_epoch = loop.steps_per_epoch(len(digits.x) - round(0.2 * len(digits.x)), 64)
    assert result.status == "failed" and result.steps == per_epoch and result.epochs == 0
    assert result.error.startswith(f"Node 'fc1' (Linear) failed in evaluation after step {per_epoch}: "
                                   "mat1 and mat2 shapes cannot be multiplied")
    assert events[-1]["type"] == "failed"
    assert (events[-1]["data"]["node"], events[-1]["data"]["layer"]) == ("fc1", "Linear")


def test_a_failing_operation_node_is_named_too(digits, events):
    # x → flat → a, b (two Linears) → sum (Add) → out: `b` gives too few features on full batches.
    graph = chain(node("x", "Input", shape=[1, 8, 8]), node("flat", "Flatten"), node("a", "Linear", out_features=16),
                  node("sum", "Add"), node("out", "Linear", out_features=10), node("y", "Output"),
                  edges=[{"source": "flat", "target": "b"}, {"source": "b", "target": "sum", "port": 1}])
    graph["nodes"].append(node("b", "Linear", out_features=16))
    gm = compile_graph(graph)
    narrow = gm.b.forward
    gm.b.forward = lambda x: narrow(x)[:, :8] if x.shape[0] > 2 else narrow(x)

    result = run(gm, digits, events, epochs=1, batch_size=64)

    assert result.status == "failed"
    assert result.error.startswith("Node 'sum' (Add) failed at step 1: The size of tensor a (16) must match "
                                   "the size of tensor b (8)")
    assert (events[-1]["data"]["node"], events[-1]["data"]["layer"]) == ("sum", "Add")


def test_every_fx_node_a_layer_writes_carries_its_node_and_layer_type():
    gm = compile_graph(chain(node("x", "Input", shape=[5, 3]), node("rnn", "LSTM", hidden_size=4, **{"return": "h_n"}),
                             node("y", "Output")))
    written = [n for n in gm.graph.nodes if n.name.startswith("rnn")]
    assert len(written) > 1  # the module call, the picks out of its result, the transpose
    assert {n.meta["netbuilder_origin"] for n in written} == {("rnn", "LSTM")}


def test_a_failure_in_the_loss_keeps_the_plain_message(digits, events, monkeypatch):
    def too_few_scores(out, y):  # class 9's score cut off: the loss, not the model, fails
        return F.cross_entropy(out[:, :3], y)

    monkeypatch.setattr(loop, "build_loss", lambda name: too_few_scores)
    result = run(compile_graph(DIGITS_MLP), digits, events, epochs=1, batch_size=64)

    assert result.status == "failed" and result.node is None
    assert result.error.startswith("Training failed at step 1: ")
    assert "node" not in events[-1]["data"]


def test_the_error_names_its_node_in_its_api_item():
    e = ModelRuntimeError("index out of range in self", node="emb", layer="Embedding")
    assert e.to_dict() == {"message": "index out of range in self", "node": "emb", "layer": "Embedding"}
    assert str(e) == "Node 'emb' (Embedding) failed at run time: index out of range in self"


def test_an_asynchronous_device_error_names_no_node(digits, events):
    # CUDA reports a device-side assert at a later call, not at the node that caused it: naming one would mislead.
    gm = compile_graph(DIGITS_MLP)

    def device_assert(x):
        if x.shape[0] > 2:
            raise torch.AcceleratorError("CUDA error: device-side assert triggered")
        return F.linear(x, gm.fc2.weight, gm.fc2.bias)

    gm.fc2.forward = device_assert
    result = run(gm, digits, events, epochs=1, batch_size=64)

    assert result.status == "failed" and result.node is None
    assert result.error == "Training failed at step 1: CUDA error: device-side assert triggered"
    assert "node" not in events[-1]["data"]
