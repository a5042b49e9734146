"""Every catalog layer: the shape rule, parameter count and FLOPs agree with the real module and forward pass."""

from __future__ import annotations

import pytest
import torch
from graph_builders import chain, layer_graph, node, random_input, real_shapes
from test_more_layers import NEW_TYPES
from torch.utils.flop_counter import FlopCounterMode

from builder.engine.graph import catalog_json, compile_graph, validate

# (type, per-sample input shape, input dtype, params): one case at least for every catalog type.
# Spatial inputs are never square and per-side sizes all differ (H != W, left/right/top/bottom apart):
# a shape rule that swaps height and width, or two sides, then disagrees with the real forward pass.
CASES = [
    ("Linear", [5, 7], "float32", {"out_features": 3}),
    ("Conv1d", [3, 20], "float32", {"out_channels": 4, "kernel_size": 3, "stride": 2, "dilation": 2}),
    ("Conv2d", [4, 11, 9], "float32", {"out_channels": 6, "kernel_size": [3, 2], "padding": 1, "groups": 2}),
    ("Conv3d", [2, 5, 6, 7], "float32", {"out_channels": 3, "kernel_size": 2, "padding_mode": "circular", "padding": 1}),
    ("ConvTranspose1d", [3, 9], "float32", {"out_channels": 2, "kernel_size": 4, "stride": 3, "output_padding": 1}),
    ("ConvTranspose2d", [4, 5, 6], "float32", {"out_channels": 6, "kernel_size": 3, "stride": 2, "groups": 2,
                                             "padding": 1}),
    ("MaxPool1d", [3, 17], "float32", {"kernel_size": 4, "stride": 3, "ceil_mode": True, "padding": 1}),
    ("MaxPool2d", [3, 13, 10], "float32", {"kernel_size": 3, "stride": 2, "dilation": 2, "ceil_mode": True}),
    ("AvgPool1d", [2, 10], "float32", {"kernel_size": 3, "padding": 1}),
    ("AvgPool2d", [2, 9, 8], "float32", {"kernel_size": [3, 2], "stride": [2, 3], "ceil_mode": True}),
    ("AdaptiveAvgPool1d", [3, 10], "float32", {"output_size": 4}),
    ("AdaptiveAvgPool2d", [3, 10, 7], "float32", {"output_size": [2, 3]}),
    ("AdaptiveMaxPool2d", [3, 10, 7], "float32", {"output_size": 1}),
    ("BatchNorm1d", [4, 6], "float32", {}),
    ("BatchNorm2d", [4, 3, 5], "float32", {"affine": False}),
    ("LayerNorm", [3, 8], "float32", {}),
    ("LayerNorm", [3, 8], "float32", {"normalized_shape": [3, 8], "bias": False}),
    ("GroupNorm", [6, 4, 7], "float32", {"num_groups": 3}),
    ("InstanceNorm2d", [3, 5, 6], "float32", {"affine": True}),
    ("Dropout", [7], "float32", {"p": 0.2}),
    ("Dropout2d", [3, 4, 6], "float32", {}),
    ("Flatten", [2, 3, 4], "float32", {"start_dim": 2}),
    ("Unflatten", [12], "float32", {"dim": 1, "unflattened_size": [3, -1]}),
    ("Embedding", [6], "int64", {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0}),
    ("RNN", [5, 3], "float32", {"hidden_size": 4, "nonlinearity": "relu", "num_layers": 2}),
    ("LSTM", [5, 3], "float32", {"hidden_size": 4, "bidirectional": True}),
    ("LSTM", [5, 3], "float32", {"hidden_size": 4, "num_layers": 2, "return": "c_n"}),
    ("GRU", [5, 3], "float32", {"hidden_size": 4, "bidirectional": True, "num_layers": 2, "return": "h_n"}),
    ("LSTM", [5, 3], "float32", {"hidden_size": 6, "proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("LSTM", [5, 3], "float32", {"hidden_size": 6, "proj_size": 4, "return": "output+h_n+c_n", "init": "orthogonal"}),
    ("GRU", [5, 3], "float32", {"hidden_size": 4, "num_layers": 2, "return": "output+h_n"}),
    ("Parameter", [5, 3], "float32", {"shape": [5, 8]}), ("Parameter", [6], "int64", {"shape": [1], "init": "zeros"}),
    ("Constant", [2], "float32", {"value": [[1, 0.5], [0, 2]]}), ("Constant", [2], "float32", {"value": [3, 4]}),
    ("MultiheadAttention", [5, 8], "float32", {"num_heads": 2}),
    ("MultiheadAttention", [5, 8], "float32", {"num_heads": 4, "return": "weights", "bias": False}),
    ("TransformerEncoderLayer", [5, 8], "float32", {"nhead": 2, "dim_feedforward": 16, "norm_first": True}),
    ("MultiheadAttention", [5, 8], "float32", {"num_heads": 2, "is_causal": True}),
    ("TransformerEncoderLayer", [5, 8], "float32", {"nhead": 2, "dim_feedforward": 16, "is_causal": True}),
    ("TransformerEncoder", [5, 8], "float32", {"nhead": 2, "dim_feedforward": 16, "num_layers": 2, "norm": True}),
    ("TransformerEncoder", [5, 8], "float32", {"nhead": 4, "num_layers": 1, "is_causal": True, "bias": False}),
    ("PaddingMask", [6], "int64", {"pad_id": 3}),
    ("Conv2d", [3, 9, 7], "float32", {"out_channels": 4, "kernel_size": [4, 3], "padding": "same", "dilation": [1, 2],
                                      "padding_mode": "reflect"}),
    ("Conv1d", [3, 11], "float32", {"out_channels": 2, "kernel_size": 4, "padding": "valid", "stride": 3}),
    ("Conv3d", [2, 5, 6, 7], "float32", {"out_channels": 3, "kernel_size": 2, "padding": "same"}),
    ("Exp", [3, 4], "float32", {}), ("Log", [3, 4], "float32", {}),
    ("Clamp", [4], "float32", {"min": -0.5, "max": 0.5}), ("Clamp", [4], "float32", {"max": 0.0}),
    ("Sum", [2, 3, 4], "float32", {"dim": [1, -1]}), ("Max", [2, 3, 4], "float32", {"dim": 2, "keepdim": True}),
    ("Min", [5, 3], "int64", {"dim": 1}),
    ("Upsample", [3, 4, 5], "float32", {"scale_factor": 2.5, "mode": "bilinear", "align_corners": True}),
    ("Upsample", [3, 4], "float32", {"size": 9, "mode": "linear"}),
    ("PixelShuffle", [8, 3, 5], "float32", {"upscale_factor": 2}),
    ("ZeroPad2d", [2, 3, 5], "float32", {"padding": [1, 2, 4, 7]}),  # (left, right, top, bottom)
    ("ZeroPad2d", [3, 6], "float32", {"padding": [0, 5, 2, 1]}),
    ("ZeroPad2d", [2, 4, 9], "float32", {"padding": 3}),
    ("Identity", [4], "float32", {}),
    ("ReLU", [4], "float32", {}), ("ReLU6", [4], "float32", {}), ("LeakyReLU", [4], "float32", {"negative_slope": 0.2}),
    ("PReLU", [3, 4], "float32", {"num_parameters": 3}), ("ELU", [4], "float32", {"alpha": 0.5}),
    ("SELU", [4], "float32", {}), ("GELU", [4], "float32", {"approximate": "tanh"}), ("SiLU", [4], "float32", {}),
    ("Mish", [4], "float32", {}), ("Hardswish", [4], "float32", {}), ("Hardsigmoid", [4], "float32", {}), ("Sigmoid", [4], "float32", {}),
    ("Tanh", [4], "float32", {}), ("Softplus", [4], "float32", {"beta": 2.0}), ("Softmax", [3, 4], "float32", {"dim": 1}),
    ("LogSoftmax", [3, 4], "float32", {}),
    ("Reshape", [2, 6], "float32", {"shape": [3, -1, 2]}), ("Permute", [2, 3, 4], "float32", {"dims": [0, 3, 1, 2]}),
    ("Mean", [2, 3, 4], "float32", {"dim": [1, -1], "keepdim": True}), ("Select", [5, 3], "float32", {"dim": 1, "index": -1}),
    ("TorchvisionModel", [3, 32, 32], "float32", {"arch": "resnet18", "head": "drop"}),
    ("TorchvisionModel", [3, 40, 48], "float32", {"arch": "mobilenet_v3_small", "head": "replace", "num_classes": 3}),
]


@pytest.mark.parametrize(("layer_type", "shape", "dtype", "params"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer_shape_and_param_count_match_a_real_forward_pass(layer_type, shape, dtype, params):
    graph = layer_graph(layer_type, shape, dtype, **params)
    result = validate(graph)
    assert result["ok"], result["errors"]
    gm = compile_graph(graph).eval()
    assert real_shapes(gm, random_input(shape, dtype))["layer"] == result["nodes"]["layer"]["shapes"]
    assert result["nodes"]["layer"]["params"] == sum(p.numel() for p in gm.parameters())


def test_the_spatial_cases_here_are_never_square_and_their_paddings_never_symmetric():
    for layer_type, shape, _, params in CASES:
        if layer_type.endswith(("2d", "3d")) and not layer_type.startswith("Adaptive"):
            spatial = shape[-3:] if layer_type.endswith("3d") else shape[-2:]
            assert len(set(spatial)) == len(spatial), (layer_type, shape)
        padding = params.get("padding")
        if isinstance(padding, list):
            assert len(set(padding)) == len(padding), (layer_type, padding)


def test_zero_pad_adds_top_and_bottom_to_the_height_and_left_and_right_to_the_width():
    result = validate(layer_graph("ZeroPad2d", [2, 3, 5], padding=[1, 2, 4, 7]))  # (left, right, top, bottom)
    assert result["nodes"]["layer"]["shapes"] == [[2, 3 + 4 + 7, 5 + 1 + 2]]
    assert list(torch.nn.ZeroPad2d((1, 2, 4, 7))(torch.zeros(1, 2, 3, 5)).shape[1:]) == [2, 14, 8]


def test_every_catalog_layer_has_a_case_here():
    types = {layer["type"] for layer in catalog_json()["layers"]}
    covered = {c[0] for c in CASES} | {"Input", "Output", "Bilinear", "TransformerDecoderLayer", "Add", "Multiply",
                                       "Concat", "Split", "Block",  # Block: tests/graph/test_blocks.py
                                       "TransformerDecoder",  # tests/graph/test_attention_masks.py
                                       "Sub", "Div", "MatMul"}  # tests/graph/test_toolbox.py
    covered |= NEW_TYPES  # tests/graph/test_more_layers.py
    assert types == covered


def test_multi_input_layers_match_a_real_forward_pass():
    graph = chain(
        node("a", "Input", shape=[5, 8]), node("b", "Input", shape=[7, 8]), node("c", "Input", shape=[5, 3]),
        node("dec", "TransformerDecoderLayer", nhead=2, dim_feedforward=12),
        node("bil", "Bilinear", out_features=4),
        node("cat", "Concat", dim=-1), node("sum", "Add"), node("prod", "Multiply"),
        node("parts", "Split", sizes=[3, 1, 3], dim=2),
        node("cross", "MultiheadAttention", num_heads=1),
        node("y", "Output"), node("z", "Output"),
        edges=[], name="Multi")
    graph["edges"] = [
        {"source": "a", "target": "dec"}, {"source": "b", "target": "dec", "port": 1},
        {"source": "dec", "target": "bil"}, {"source": "a", "target": "bil", "port": 1},
        {"source": "bil", "target": "cat"}, {"source": "c", "target": "cat", "port": 1},
        {"source": "cat", "target": "parts"},
        {"source": "parts", "target": "sum", "source_port": 0}, {"source": "c", "target": "sum", "port": 1},
        {"source": "sum", "target": "prod"}, {"source": "parts", "target": "prod", "port": 1, "source_port": 1},
        {"source": "prod", "target": "cross"}, {"source": "b", "target": "cross", "port": 1},
        {"source": "cross", "target": "y"}, {"source": "parts", "target": "z", "source_port": 2},
    ]
    result = validate(graph)
    assert result["ok"], result["errors"]
    assert result["nodes"]["parts"]["shapes"] == [[5, 3], [5, 1], [5, 3]]
    assert result["output_shapes"] == [[5, 3], [5, 3]]
    gm = compile_graph(graph).eval()
    inputs = [torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 5, 3)]
    shapes = real_shapes(gm, *inputs)
    for node_id in ("dec", "bil", "cat", "parts", "sum", "prod", "cross"):
        assert shapes[node_id] == result["nodes"][node_id]["shapes"], node_id
    assert result["params"] == sum(p.numel() for p in gm.parameters())
    y, z = gm(*inputs)
    assert [list(y.shape[1:]), list(z.shape[1:])] == result["output_shapes"]


@pytest.mark.parametrize(("layer_type", "shape", "params"), [
    ("Linear", [6, 7], {"out_features": 5}),
    ("Conv2d", [4, 9, 12], {"out_channels": 6, "kernel_size": 3, "groups": 2, "stride": 2}),
    ("ConvTranspose2d", [4, 5, 8], {"out_channels": 6, "kernel_size": 3, "groups": 2, "stride": 2}),
    ("GRU", [7, 8], {"hidden_size": 16, "num_layers": 2, "bidirectional": True}),
    ("MultiheadAttention", [7, 16], {"num_heads": 4, "return": "weights"}),
    ("TransformerEncoderLayer", [7, 16], {"nhead": 4, "dim_feedforward": 32}),
])
def test_flops_are_twice_the_multiply_accumulates_torch_counts(layer_type, shape, params):
    graph = layer_graph(layer_type, shape, **params)
    gm = compile_graph(graph).train()  # in training mode torch runs the unfused kernels FlopCounterMode sees
    with FlopCounterMode(display=False) as counter:
        gm(torch.randn(2, *shape))
    assert validate(graph)["nodes"]["layer"]["flops"] * 2 == counter.get_total_flops()
