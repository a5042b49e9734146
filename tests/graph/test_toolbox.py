"""The smaller tools: "same"/"valid" convolution padding, warnings for settings that do nothing, and the
arithmetic nodes (Sub, Div, MatMul; Exp, Log, Clamp; Sum, Max, Min) against torch."""

from __future__ import annotations

import pytest
import torch
from graph_builders import FORMAT, chain, layer_graph, node, real_shapes
from torch.utils.flop_counter import FlopCounterMode

from builder.engine.graph import compile_graph, export_python, validate


def two_inputs(layer_type: str, a: list[int], b: list[int], **params) -> dict:
    return {"format": FORMAT, "name": "Two", "nodes": [
        node("a", "Input", shape=a), node("b", "Input", shape=b), node("op", layer_type, **params),
        node("y", "Output")],
        "edges": [{"source": "a", "target": "op"}, {"source": "b", "target": "op", "port": 1},
                  {"source": "op", "target": "y"}]}


def exported(graph: dict) -> torch.nn.Module:
    namespace: dict = {}
    exec(compile(export_python(graph), "model.py", "exec"), namespace)
    return namespace[graph["name"]]().eval()


# Padding "same" and "valid" --------------------------------------------------------------------------


@pytest.mark.parametrize(("layer_type", "shape", "kernel", "dilation"), [
    ("Conv1d", [2, 11], 4, 1), ("Conv2d", [2, 9, 6], [3, 4], [2, 1]), ("Conv3d", [1, 5, 4, 6], 2, 1)])
def test_same_padding_keeps_the_input_size_as_torch_does(layer_type, shape, kernel, dilation):
    graph = layer_graph(layer_type, shape, out_channels=3, kernel_size=kernel, dilation=dilation, padding="same")
    result = validate(graph)
    gm = compile_graph(graph).eval()
    x = torch.randn(2, *shape)

    assert result["ok"] and result["nodes"]["layer"]["shape"] == [3, *shape[1:]]
    assert real_shapes(gm, x)["layer"] == result["nodes"]["layer"]["shapes"]
    module = getattr(torch.nn, layer_type)(shape[0], 3, kernel, dilation=dilation, padding="same")
    module.load_state_dict(gm.layer.state_dict())
    net = exported(graph)
    net.load_state_dict(gm.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(gm(x), module(x))
        torch.testing.assert_close(net(x), gm(x))
    assert "padding='same'" in export_python(graph)


def test_valid_padding_is_no_padding():
    same_as = validate(layer_graph("Conv2d", [2, 9, 7], out_channels=3, kernel_size=3, stride=2, padding=0))
    valid = validate(layer_graph("Conv2d", [2, 9, 7], out_channels=3, kernel_size=3, stride=2, padding="valid"))
    assert valid["nodes"]["layer"]["shape"] == same_as["nodes"]["layer"]["shape"] == [3, 4, 3]


def test_same_padding_with_a_stride_is_refused_naming_the_field():
    result = validate(layer_graph("Conv2d", [2, 9, 7], out_channels=3, kernel_size=3, stride=2, padding="same"))
    assert result["errors"] == [{"node": "layer", "field": "padding",
                                 "message": "Conv2d padding 'same' needs stride 1, got stride 2"}]


def test_a_padding_word_other_than_same_or_valid_says_what_it_takes():
    result = validate(layer_graph("Conv2d", [2, 9, 7], out_channels=3, kernel_size=3, padding="full"))
    assert result["errors"] == [{"node": "layer", "field": "padding", "message": (
        "padding must be an integer or a list of integers or one of 'same', 'valid', got 'full'")}]
    transposed = validate(layer_graph("ConvTranspose2d", [2, 9, 7], out_channels=3, kernel_size=3, padding="same"))
    assert transposed["errors"][0]["field"] == "padding"  # torch's transposed convolutions take sizes only


# Warnings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("layer_type", "shape", "params", "field", "message"), [
    ("LSTM", [5, 3], {"hidden_size": 4, "dropout": 0.3}, "dropout",
     "dropout 0.3 only acts between stacked layers; with num_layers 1 it does nothing"),
    ("GRU", [5, 3], {"hidden_size": 4, "dropout": 0.5}, "dropout",
     "dropout 0.5 only acts between stacked layers; with num_layers 1 it does nothing"),
    ("Dropout", [4], {"p": 0.0}, "p", "p 0 zeroes nothing: this dropout does nothing"),
    ("Conv2d", [2, 6, 5], {"out_channels": 2, "kernel_size": 3, "padding_mode": "reflect"}, "padding_mode",
     "padding_mode 'reflect' only fills the padding; with no padding it does nothing"),
    ("BatchNorm1d", [4], {"track_running_stats": False, "momentum": 0.3}, "momentum",
     "momentum only updates the running statistics; with track_running_stats false it does nothing"),
    ("Softmax", [1, 4], {"dim": 1}, "dim",
     "dim 1 has size 1 (input [1, 4]): the result is the same for every input"),
])
def test_a_setting_that_does_nothing_is_a_warning_not_an_error(layer_type, shape, params, field, message):
    result = validate(layer_graph(layer_type, shape, **params))
    assert result["ok"] is True and result["errors"] == []
    assert result["warnings"] == [{"node": "layer", "field": field, "message": message}]


def test_settings_that_act_give_no_warning():
    for layer_type, shape, params in (("LSTM", [5, 3], {"hidden_size": 4, "dropout": 0.3, "num_layers": 2}),
                                      ("Dropout", [4], {"p": 0.1}),
                                      ("Conv2d", [2, 6, 5], {"out_channels": 2, "kernel_size": 3, "padding": 1,
                                                             "padding_mode": "reflect"}),
                                      ("Softmax", [3, 4], {"dim": 1})):
        assert validate(layer_graph(layer_type, shape, **params))["warnings"] == [], layer_type


# Arithmetic -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("layer_type", "a", "b", "reference"), [
    ("Sub", [3, 4], [1, 4], torch.sub), ("Div", [3, 4], [3, 1], torch.div),
    ("MatMul", [2, 3, 5], [1, 5, 4], torch.matmul), ("MatMul", [6, 5], [5, 2], torch.matmul)])
def test_two_input_arithmetic_is_torchs_with_the_inferred_shape(layer_type, a, b, reference):
    graph = two_inputs(layer_type, a, b)
    result = validate(graph)
    assert result["ok"], result["errors"]
    gm = compile_graph(graph).eval()
    x, y = torch.randn(2, *a), torch.rand(2, *b) + 0.5
    expected = reference(x, y)

    assert real_shapes(gm, x, y)["op"] == result["nodes"]["op"]["shapes"] == [list(expected.shape[1:])]
    torch.testing.assert_close(gm(x, y), expected)
    torch.testing.assert_close(exported(graph)(x, y), expected)


def test_matmul_flops_are_twice_the_multiply_accumulates_torch_counts():
    graph = two_inputs("MatMul", [2, 3, 5], [2, 5, 4])
    with FlopCounterMode(display=False) as counter:
        compile_graph(graph)(torch.randn(2, 2, 3, 5), torch.randn(2, 2, 5, 4))
    assert validate(graph)["nodes"]["op"]["flops"] * 2 == counter.get_total_flops() == 2 * (2 * 2 * 3 * 4 * 5)


@pytest.mark.parametrize(("a", "b", "message"), [
    ([3, 5], [4, 2], "MatMul needs the first input's last size to equal the second's next to last, got [3, 5] and [4, 2]"),
    ([5], [5, 2], "MatMul multiplies matrices [..., n, k] and [..., k, m] per sample, got [5] and [5, 2]"),
    ([2, 3, 5], [3, 5, 4], "MatMul cannot combine the leading dimensions of [2, 3, 5] and [3, 5, 4]: they must be "
                           "equal or 1 where they differ"),
])
def test_matmul_shapes_that_do_not_fit_name_the_node(a, b, message):
    assert validate(two_inputs("MatMul", a, b))["errors"] == [{"node": "op", "message": message}]


def test_element_wise_and_reducing_nodes_compute_what_torch_does():
    graph = chain(node("x", "Input", shape=[3, 4]), node("clamp", "Clamp", min=-0.5, max=0.5), node("exp", "Exp"),
                  node("log", "Log"), node("sum", "Sum", dim=-1), node("y", "Output"))
    x = torch.randn(2, 3, 4)
    expected = torch.log(torch.exp(torch.clamp(x, -0.5, 0.5))).sum(dim=-1)
    gm = compile_graph(graph)
    torch.testing.assert_close(gm(x), expected)
    torch.testing.assert_close(exported(graph)(x), expected)
    assert validate(graph)["output_shapes"] == [[3]]
    top = chain(node("x", "Input", shape=[3, 4]), node("top", "Max", dim=[1, 2]), node("y", "Output"))
    torch.testing.assert_close(compile_graph(top)(x), x.amax(dim=(1, 2)))


@pytest.mark.parametrize(("graph", "field", "message"), [
    (layer_graph("Clamp", [4]), "min", "Clamp needs min, max or both"),
    (layer_graph("Clamp", [4], min=1.0, max=0.0), "min", "Clamp min 1 is above max 0"),
    (layer_graph("Sum", [3, 4], dim=[1, -2]), "dim", "Sum names a dimension twice in dim [1, -2]"),
    (layer_graph("Max", [3, 4], dim=0), "dim", "Max cannot work along dim 0: that is the batch dimension"),
])
def test_bad_arithmetic_settings_name_the_node_and_field(graph, field, message):
    assert validate(graph)["errors"] == [{"node": "layer", "field": field, "message": message}]
