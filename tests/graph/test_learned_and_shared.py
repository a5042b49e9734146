"""Parameter and Constant nodes, weight sharing, per-node init and the recurrent extras (h0/c0, proj_size,
output+h_n): shapes and counts against real modules, model.py equal to the GraphModule, ONNX equal to torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from graph_builders import FORMAT, chain, layer_graph, node
from torch import nn

from builder.engine.graph import compile_graph, export_python, validate
from builder.engine.training.artifacts import write_onnx


def edges(*pairs: tuple) -> list[dict]:
    """(source, target[, port[, source_port]]) tuples as edges."""
    keys = ("source", "target", "port", "source_port")
    return [dict(zip(keys, pair, strict=False)) for pair in pairs]


def graph(nodes: list[dict], links: list[tuple], name: str = "Net") -> dict:
    return {"format": FORMAT, "name": name, "nodes": nodes, "edges": edges(*links)}


def exported(g: dict) -> nn.Module:
    """model.py's class, instantiated, with the GraphModule's weights loaded."""
    namespace: dict = {}
    exec(compile(export_python(g), "model.py", "exec"), namespace)  # the source under test
    return namespace[g["name"]]()


def same_as_compiled(g: dict, *inputs: torch.Tensor) -> torch.fx.GraphModule:
    """Compile, load the weights into model.py's class, and check both give the same outputs (and keys)."""
    gm = compile_graph(g).eval()
    net = exported(g)
    net.load_state_dict(gm.state_dict())
    assert list(net.state_dict()) == list(gm.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(net.eval()(*inputs), gm(*inputs), rtol=0, atol=0)
    return gm


def onnx_matches(gm: torch.fx.GraphModule, tmp_path, *inputs: torch.Tensor) -> list:
    """Export the GraphModule to ONNX, run it in onnxruntime and compare with torch (1e-5)."""
    import onnxruntime as ort

    files = write_onnx(gm, None, tmp_path)
    assert "onnx" in files, files
    session = ort.InferenceSession(files["onnx"], providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    got = session.run(None, {name: x.numpy() for name, x in zip(names, inputs, strict=True)})
    with torch.no_grad():
        expected = gm(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=0, atol=1e-5)
    return session.get_inputs()


# Parameter and Constant ---------------------------------------------------------------------------

POSITIONS = graph(
    [node("tokens", "Input", shape=[6], dtype="int64"), node("embed", "Embedding", num_embeddings=20, embedding_dim=8),
     node("pos", "Parameter", shape=[6, 8]), node("add", "Add"), node("head", "Linear", out_features=3),
     node("y", "Output")],
    [("tokens", "embed"), ("tokens", "pos"), ("embed", "add"), ("pos", "add", 1), ("add", "head"), ("head", "y")],
    name="Positions")

CLS_TOKEN = graph(
    [node("x", "Input", shape=[5, 8]), node("cls", "Parameter", shape=[1, 8], init="zeros"),
     node("seq", "Concat", dim=1), node("first", "Select", dim=1, index=0), node("y", "Output")],
    [("x", "cls"), ("cls", "seq"), ("x", "seq", 1), ("seq", "first"), ("first", "y")], name="ClsToken")


def test_a_positional_table_adds_to_the_embeddings_of_every_sample():
    result = validate(POSITIONS)
    assert result["ok"], result["errors"]
    assert result["nodes"]["pos"] == {"shape": [6, 8], "shapes": [[6, 8]], "params": 48, "flops": 0}
    assert result["params"] == 20 * 8 + 6 * 8 + 8 * 3 + 3
    torch.manual_seed(0)
    tokens = torch.randint(0, 20, (4, 6))
    gm = same_as_compiled(POSITIONS, tokens)
    assert list(gm.state_dict()) == ["pos", "embed.weight", "head.weight", "head.bias"]
    assert isinstance(gm.pos, nn.Parameter) and gm.pos.shape == (6, 8)
    with torch.no_grad():
        torch.testing.assert_close(gm(tokens), gm.head(gm.embed(tokens) + gm.pos))
    source = export_python(POSITIONS)
    assert "        self.pos = nn.Parameter(torch.empty(6, 8))\n        nn.init.normal_(self.pos, std=0.02)\n" in source
    assert "        pos = self.pos.expand(tokens.size(0), 6, 8)  # (B, 6, 8)\n" in source


def test_a_positional_table_exports_to_onnx_with_a_dynamic_batch(tmp_path):
    torch.manual_seed(0)
    gm = compile_graph(POSITIONS).eval()
    (inp,) = onnx_matches(gm, tmp_path, torch.randint(0, 20, (3, 6)))
    assert (inp.name, inp.shape) == ("tokens", ["batch", 6])
    onnx_matches(gm, tmp_path, torch.randint(0, 20, (1, 6)))


def test_a_cls_token_goes_in_front_of_the_sequence_in_compile_model_py_and_onnx(tmp_path):
    result = validate(CLS_TOKEN)
    assert result["ok"], result["errors"]
    assert result["nodes"]["seq"]["shape"] == [6, 8] and result["params"] == 8
    x = torch.randn(3, 5, 8)
    gm = same_as_compiled(CLS_TOKEN, x)
    with torch.no_grad():
        gm.cls.copy_(torch.arange(8.0))
        torch.testing.assert_close(gm(x), torch.arange(8.0).expand(3, 8))
    onnx_matches(gm, tmp_path, x)


def test_a_constant_is_a_persistent_buffer_of_its_value_and_dtype():
    g = graph([node("x", "Input", shape=[2, 3]), node("w", "Constant", value=[[1, 0, 2], [0, 1, 3]], dtype="int64"),
               node("mask", "Constant", value="[true, false]", dtype="bool"), node("y", "Output"),
               node("z", "Output")],
              [("x", "w"), ("x", "mask"), ("w", "y"), ("mask", "z")], name="Constants")
    result = validate(g)
    assert result["ok"], result["errors"]
    assert result["nodes"]["w"] == {"shape": [2, 3], "shapes": [[2, 3]], "params": 0, "flops": 0}
    assert result["nodes"]["mask"]["shape"] == [2] and result["params"] == 0
    gm = same_as_compiled(g, torch.randn(4, 2, 3))
    assert list(gm.state_dict()) == ["w", "mask"] and not list(gm.parameters())
    w, mask = gm(torch.randn(4, 2, 3))
    assert w.dtype == torch.int64 and w.tolist() == [[[1, 0, 2], [0, 1, 3]]] * 4
    assert mask.dtype == torch.bool and mask.tolist() == [[True, False]] * 4
    source = export_python(g)
    assert "        self.register_buffer('w', torch.tensor([[1, 0, 2], [0, 1, 3]], dtype=torch.int64))\n" in source
    assert "        self.register_buffer('mask', torch.tensor([True, False], dtype=torch.bool))\n" in source


def test_a_constant_scales_a_float_input_in_onnx(tmp_path):
    g = graph([node("x", "Input", shape=[3]), node("scale", "Constant", value=[0.5, 2, -1]), node("mul", "Multiply"),
               node("y", "Output")],
              [("x", "scale"), ("x", "mul"), ("scale", "mul", 1), ("mul", "y")], name="Scaled")
    x = torch.randn(4, 3)
    gm = same_as_compiled(g, x)
    torch.testing.assert_close(gm(x), x * torch.tensor([0.5, 2.0, -1.0]))
    onnx_matches(gm, tmp_path, x)


@pytest.mark.parametrize(("layer", "params", "field", "message"), [
    ("Parameter", {"shape": [4, -1]}, "shape", "Parameter shape must be fully known, got [4, -1]"),
    ("Parameter", {"shape": [4], "init": "xavier_uniform"}, "init",
     "Parameter init xavier_uniform needs a tensor of at least 2 dimensions, got shape [4]"),
    ("Parameter", {"shape": [4], "init": "uniform", "init_a": 1, "init_b": 0}, "init_a",
     "Parameter init_a 1 is above init_b 0"),
    ("Parameter", {"shape": [4], "init": "default"}, "init",
     "init must be one of 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'orthogonal', "
     "'zeros', 'normal', 'uniform', got 'default'"),
    ("Constant", {"value": [[1, 2], [3]]}, "value", "Constant value is ragged: its rows have shapes [1], [2]"),
    ("Constant", {"value": [1.5, 2], "dtype": "int64"}, "value", "Constant value must hold int64 numbers, got 1.5"),
    ("Constant", {"value": [1, 0], "dtype": "bool"}, "value", "Constant value must hold true/false numbers, got 1"),
    ("Constant", {"value": [True], "dtype": "float32"}, "value", "Constant value must hold float32 numbers, got true"),
    ("Constant", {"value": []}, "value", "Constant value has an empty list"),
    ("Constant", {"value": "[1, 2"}, "value", 'Constant value must hold float32 numbers, got "[1, 2"'),
    ("Constant", {"value": [0.0] * 70000}, "value", "Constant value has 70,000 entries, over the limit of 65,536"),
])
def test_a_bad_parameter_or_constant_names_the_node_and_the_field(layer, params, field, message):
    result = validate(chain(node("x", "Input", shape=[3]), node("layer", layer, **params), node("y", "Output")))
    assert result["errors"] == [{"node": "layer", "message": message, "field": field}]


def test_a_parameter_or_constant_takes_exactly_one_input_for_its_batch():
    g = graph([node("x", "Input", shape=[3]), node("p", "Parameter", shape=[3]), node("y", "Output")],
              [("p", "y")])
    errors = validate(g)["errors"]
    assert {"node": "p", "message": "input port 0 is not connected"} in errors


@pytest.mark.parametrize(("init", "check"), [
    ("zeros", lambda t: t.abs().max().item() == 0),
    ("normal", lambda t: abs(t.std().item() - 0.5) < 0.02),
    ("uniform", lambda t: -0.3 <= t.min().item() and t.max().item() <= 0.2 and t.max().item() > 0.19),
    ("orthogonal", lambda t: torch.allclose(t @ t.T, torch.eye(t.shape[0]), atol=1e-5)),
])
def test_a_parameter_starts_as_its_init_says(init, check):
    torch.manual_seed(0)
    params = {"init_std": 0.5} if init == "normal" else {"init_a": -0.3, "init_b": 0.2} if init == "uniform" else {}
    gm = compile_graph(layer_graph("Parameter", [2], shape=[64, 256] if init != "orthogonal" else [16, 64],
                                   init=init, **params))
    assert check(gm.layer.detach())


# Weight sharing -----------------------------------------------------------------------------------

SIAMESE = graph(
    [node("left", "Input", shape=[6]), node("right", "Input", shape=[6]),
     node("enc", "Linear", out_features=4), {"id": "enc_r", "type": "Linear", "share": "enc"},
     node("diff", "Sub"), node("y", "Output")],
    [("left", "enc"), ("right", "enc_r"), ("enc", "diff"), ("enc_r", "diff", 1), ("diff", "y")], name="Siamese")


def test_a_siamese_encoder_holds_and_counts_its_weights_once():
    result = validate(SIAMESE)
    assert result["ok"], result["errors"]
    assert result["params"] == 6 * 4 + 4 and result["trainable_params"] == 28
    assert result["nodes"]["enc_r"] == {"shape": [4], "shapes": [[4]], "params": 0, "flops": 2 * 6 * 4}
    a, b = torch.randn(3, 6), torch.randn(3, 6)
    gm = same_as_compiled(SIAMESE, a, b)
    assert list(gm.state_dict()) == ["enc.weight", "enc.bias"] and [n for n, _ in gm.named_children()] == ["enc"]
    with torch.no_grad():
        torch.testing.assert_close(gm(a, b), gm.enc(a) - gm.enc(b))
    source = export_python(SIAMESE)
    assert "self.enc_r" not in source
    assert "        enc_r = self.enc(right)  # (B, 4)\n" in source


def test_both_uses_of_a_shared_module_train_its_one_weight():
    gm = compile_graph(SIAMESE)
    a = torch.randn(3, 6)
    gm(a, torch.zeros(3, 6)).sum().backward()
    grad_left_only = gm.enc.weight.grad.clone()
    gm.zero_grad()
    gm(a, a).sum().backward()  # the two uses cancel: a shared weight sees both
    assert grad_left_only.abs().sum() > 0 and gm.enc.weight.grad.abs().max() == 0


def test_a_shared_encoder_exports_to_onnx(tmp_path):
    gm = compile_graph(SIAMESE).eval()
    inputs = onnx_matches(gm, tmp_path, torch.randn(2, 6), torch.randn(2, 6))
    assert [i.name for i in inputs] == ["left", "right"]


def test_a_shared_lstm_may_return_another_result_and_takes_the_params_it_leaves_out():
    g = graph([node("a", "Input", shape=[5, 3]), node("b", "Input", shape=[7, 3]),
               node("rnn", "LSTM", hidden_size=4, num_layers=2),
               {"id": "rnn_b", "type": "LSTM", "share": "rnn", "params": {"return": "h_n"}},
               node("ya", "Output"), node("yb", "Output")],
              [("a", "rnn"), ("b", "rnn_b"), ("rnn", "ya"), ("rnn_b", "yb")], name="SharedLSTM")
    result = validate(g)
    assert result["ok"], result["errors"]
    assert result["nodes"]["rnn_b"]["shape"] == [2, 4] and result["nodes"]["rnn_b"]["params"] == 0
    assert result["params"] == sum(p.numel() for p in nn.LSTM(3, 4, num_layers=2).parameters())
    same_as_compiled(g, torch.randn(2, 5, 3), torch.randn(2, 7, 3))


def _shared(second: dict, first_params: dict | None = None, extra: list | None = None) -> dict:
    nodes = [node("x", "Input", shape=[6]), node("a", "Linear", out_features=6, **(first_params or {})),
             {"id": "b", **second}, node("y", "Output"), *(extra or [])]
    return graph(nodes, [("x", "a"), ("a", "b"), ("b", "y")])


@pytest.mark.parametrize(("second", "message"), [
    ({"type": "Linear", "share": "nope", "params": {"out_features": 6}},
     "share names 'nope', which is not a node of this graph"),
    ({"type": "Linear", "share": "b", "params": {"out_features": 6}},
     "a node can't share its own module; name another node of the same type"),
    ({"type": "LayerNorm", "share": "a"}, "share names 'a', a Linear; only a LayerNorm can lend this node its module"),
    ({"type": "ReLU", "share": "a"}, "share names 'a', a Linear; only a ReLU can lend this node its module"),
    ({"type": "Linear", "share": "a", "params": {"out_features": 3}},
     "shares 'a', but their out_features differ (3 here, 6 there): a shared module has one set of parameters"),
    ({"type": "Linear", "share": "a", "params": {"bias": False}},
     "shares 'a', but their bias differ (false here, true there): a shared module has one set of parameters"),
    ({"type": "Linear", "share": "a", "trainable": False},
     "shares 'a', whose trainable and lr_mult are true, 1: a shared module trains as one, so give this node the same"),
])
def test_a_bad_share_is_refused_naming_the_node_and_the_field_share(second, message):
    result = validate(_shared(second))
    assert not result["ok"]
    assert result["errors"] == [{"node": "b", "message": message, "field": "share"}]


def test_a_share_of_a_node_that_shares_names_the_node_that_holds_the_module():
    g = graph([node("x", "Input", shape=[6]), node("a", "Linear", out_features=6),
               {"id": "b", "type": "Linear", "share": "a"}, {"id": "c", "type": "Linear", "share": "b"},
               node("y", "Output")], [("x", "a"), ("a", "b"), ("b", "c"), ("c", "y")])
    assert validate(g)["errors"] == [{"node": "c", "field": "share", "message":
                                      "share names 'b', which itself shares 'a': name the node that holds the module, 'a'"}]


def test_a_share_of_a_node_without_a_module_is_refused():
    g = graph([node("x", "Input", shape=[6]), node("a", "Sigmoid"), {"id": "b", "type": "Add", "share": "a"},
               node("y", "Output")], [("x", "a"), ("a", "b"), ("x", "b", 1), ("b", "y")])
    assert validate(g)["errors"] == [{"node": "b", "field": "share",
                                      "message": "Add has no module that another node can share"}]


def test_the_catalog_says_which_types_may_share_or_tie_as_validate_decides():
    from builder.engine.graph import catalog_json

    by_type = {layer["type"]: layer for layer in catalog_json()["layers"]}
    assert [t for t in ("Linear", "LSTM", "ReLU", "Add", "Parameter", "Block", "TorchvisionModel", "Input")
            if by_type[t]["shareable"]] == ["Linear", "LSTM", "ReLU"]
    assert {t: layer["ties_to"] for t, layer in by_type.items() if layer["ties_to"]} == {"Linear": "Embedding"}
    for t in ("Add", "Parameter", "Block"):  # what the catalog calls unshareable, validate refuses to share
        errors = validate(graph([node("x", "Input", shape=[6]), {"id": "a", "type": t}, {"id": "b", "type": t,
                                "share": "a"}, node("y", "Output")], [("x", "a"), ("a", "b"), ("b", "y")]))["errors"]
        assert {"node": "b", "field": "share", "message": f"{t} has no module that another node can share"} in errors


def test_a_sharing_node_takes_its_init_from_the_node_that_holds_the_module():
    result = validate(_shared({"type": "Linear", "share": "a", "params": {"init": "zeros"}}))
    assert result["errors"] == [{"node": "b", "field": "init", "message":
                                 "init is applied where the module is made: set it on 'a', whose module this node shares"}]


def test_a_shared_module_inside_a_block_is_written_once_in_its_class():
    g = {"format": FORMAT, "name": "Twice", "blocks": {"Pair": {"nodes": [
        node("i", "Input"), node("f", "Linear", out_features=5), {"id": "g", "type": "Linear", "share": "f"},
        node("o", "Output")], "edges": edges(("i", "f"), ("f", "g"), ("g", "o"))}},
        "nodes": [node("x", "Input", shape=[5]), node("pair", "Block", block="Pair"), node("y", "Output")],
        "edges": edges(("x", "pair"), ("pair", "y"))}
    result = validate(g)
    assert result["ok"], result["errors"]
    assert result["params"] == 30
    gm = same_as_compiled(g, torch.randn(2, 5))
    assert list(gm.state_dict()) == ["pair.0.f.weight", "pair.0.f.bias"]
    source = export_python(g)
    assert "self.g =" not in source and "        g = self.f(f)\n" in source


# Per-node init --------------------------------------------------------------------------------------


def _linear(init: str, **extra) -> torch.fx.GraphModule:
    torch.manual_seed(0)
    return compile_graph(layer_graph("Linear", [200], out_features=300, init=init, **extra))


def test_xavier_uniform_stays_within_its_bound_and_zeroes_the_bias():
    gm = _linear("xavier_uniform")
    bound = math.sqrt(6 / (200 + 300))
    w = gm.layer.weight.detach()
    assert w.abs().max() <= bound and w.abs().max() > 0.99 * bound
    assert gm.layer.bias.abs().max() == 0


@pytest.mark.parametrize(("init", "std"), [("xavier_normal", math.sqrt(2 / 500)), ("kaiming_normal", math.sqrt(2 / 200)),
                                           ("normal", 0.1)])
def test_normal_inits_have_their_standard_deviation(init, std):
    gm = _linear(init, **({"init_std": 0.1} if init == "normal" else {}))
    w = gm.layer.weight.detach()
    assert abs(w.std().item() - std) < 0.02 * std and abs(w.mean().item()) < 0.02 * std


def test_kaiming_uniform_uniform_zeros_and_orthogonal_inits():
    assert _linear("kaiming_uniform").layer.weight.abs().max() <= math.sqrt(6 / 200)
    w = _linear("uniform", init_a=0.2, init_b=0.3).layer.weight.detach()
    assert 0.2 <= w.min() and w.max() <= 0.3
    assert _linear("zeros").layer.weight.abs().max() == 0
    w = _linear("orthogonal").layer.weight.detach()  # [300, 200]: orthonormal columns
    torch.testing.assert_close(w.T @ w, torch.eye(200), atol=1e-4, rtol=0)


def test_default_init_leaves_torchs_own_and_a_seeded_compile_is_reproducible():
    assert _linear("default").layer.bias.abs().max() > 0
    torch.testing.assert_close(_linear("xavier_normal").state_dict(), _linear("xavier_normal").state_dict())


def test_model_py_writes_the_init_calls_and_its_fresh_weights_follow_them():
    g = chain(node("x", "Input", shape=[3, 8, 9]), node("conv", "Conv2d", out_channels=4, kernel_size=3, init="zeros"),
              node("flat", "Flatten"), node("fc", "Linear", out_features=2, init="xavier_uniform"),
              node("y", "Output"), name="Inits")
    source = export_python(g)
    assert ("        self.conv = nn.Conv2d(in_channels=3, out_channels=4, kernel_size=3)\n"
            "        nn.init.zeros_(self.conv.weight)\n        nn.init.zeros_(self.conv.bias)\n") in source
    assert "        nn.init.xavier_uniform_(self.fc.weight)\n        nn.init.zeros_(self.fc.bias)\n" in source
    fresh = exported(g)
    assert fresh.conv.weight.abs().max() == 0 and fresh.fc.bias.abs().max() == 0
    assert fresh.fc.weight.abs().max() <= math.sqrt(6 / (4 * 6 * 7 + 2))
    same_as_compiled(g, torch.randn(2, 3, 8, 9))


def test_an_embeddings_padding_row_stays_zero_under_a_custom_init():
    torch.manual_seed(0)
    g = layer_graph("Embedding", [4], "int64", num_embeddings=10, embedding_dim=6, padding_idx=2, init="normal")
    gm = compile_graph(g)
    assert gm.layer.weight[2].abs().max() == 0 and gm.layer.weight[3].abs().max() > 0
    assert "        nn.init.normal_(self.layer.weight, std=0.02)\n        nn.init.zeros_(self.layer.weight[2])\n" in (
        export_python(g))
    same_as_compiled(g, torch.randint(0, 10, (2, 4)))


def test_a_recurrent_layers_init_applies_to_every_weight_and_zeroes_every_bias():
    torch.manual_seed(0)
    gm = compile_graph(layer_graph("GRU", [5, 3], hidden_size=4, num_layers=2, bidirectional=True, init="orthogonal"))
    for name, p in gm.layer.named_parameters():
        if name.startswith("bias"):
            assert p.abs().max() == 0, name
        else:
            k = min(p.shape)
            product = p.T @ p if p.shape[0] > p.shape[1] else p @ p.T
            torch.testing.assert_close(product.detach(), torch.eye(k), atol=1e-5, rtol=0)


def test_attention_layers_init_their_matrices_zero_their_biases_and_keep_the_layer_norms():
    torch.manual_seed(0)
    mha = compile_graph(layer_graph("MultiheadAttention", [5, 8], num_heads=2, init="xavier_uniform")).layer
    assert mha.in_proj_weight.abs().max() <= math.sqrt(6 / (8 + 24))  # [24, 8]: q, k and v stacked
    assert mha.out_proj.weight.abs().max() <= math.sqrt(6 / 16) and mha.in_proj_bias.abs().max() == 0
    g = layer_graph("TransformerEncoder", [5, 8], nhead=2, dim_feedforward=16, num_layers=2, norm=True, init="normal",
                    init_std=0.5)
    stack = compile_graph(g).layer
    for name, p in stack.named_parameters():
        if "norm" in name:  # the LayerNorms keep torch's ones and zeros, as nn.Transformer's own reset does
            assert torch.equal(p.detach(), torch.ones_like(p) if name.endswith("weight") else torch.zeros_like(p)), name
        elif name.endswith("bias"):
            assert p.abs().max() == 0, name
        else:
            assert p.dim() == 2 and abs(p.std().item() - 0.5) < 0.15, name
    source = export_python(g)
    assert "        nn.init.normal_(self.layer.layers[1].linear2.weight, std=0.5)\n" in source
    assert "norm1.bias" not in source  # nothing to say about a LayerNorm
    same_as_compiled(g, torch.randn(2, 5, 8))
    decoder = layer_graph("TransformerDecoderLayer", [5, 8], nhead=2, dim_feedforward=16, init="zeros")
    decoder["nodes"].insert(1, node("memory", "Input", shape=[3, 8]))
    decoder["edges"].append({"source": "memory", "target": "layer", "port": 1})
    layer = compile_graph(decoder).layer
    assert layer.multihead_attn.in_proj_weight.abs().max() == 0 and layer.norm3.weight.min() == 1
    same_as_compiled(decoder, torch.randn(2, 5, 8), torch.randn(2, 3, 8))


def test_an_embedding_bags_init_keeps_its_padding_row_zero():
    torch.manual_seed(0)
    g = layer_graph("EmbeddingBag", [4], "int64", num_embeddings=10, embedding_dim=6, padding_idx=3, init="uniform")
    bag = compile_graph(g).layer
    assert bag.weight[3].abs().max() == 0 and -0.1 <= bag.weight.min() and bag.weight.max() <= 0.1
    assert "        nn.init.uniform_(self.layer.weight, a=-0.1, b=0.1)\n        nn.init.zeros_(self.layer.weight[3])\n" in (
        export_python(g))
    same_as_compiled(g, torch.randint(0, 10, (2, 4)))


def test_init_settings_that_do_nothing_are_warnings():
    result = validate(layer_graph("Linear", [4], out_features=2, init="xavier_uniform", init_std=0.5, init_b=1.0))
    assert result["ok"]
    assert result["warnings"] == [
        {"node": "layer", "field": "init_std", "message": "init_std only applies to init normal; with init "
                                                          "xavier_uniform it does nothing"},
        {"node": "layer", "field": "init_b", "message": "init_b only applies to init uniform; with init "
                                                        "xavier_uniform it does nothing"}]


def test_prelus_own_init_is_its_slope_not_a_weight_init():
    gm = compile_graph(layer_graph("PReLU", [3], init=0.5))
    assert gm.layer.weight.item() == 0.5


# Recurrent extras -------------------------------------------------------------------------------------


def _torch_twin(gm: nn.Module, cls: type[nn.Module], **kwargs) -> nn.Module:
    twin = cls(batch_first=True, **kwargs)
    twin.load_state_dict(gm.rnn.state_dict())
    return twin


def test_a_gru_starts_from_an_h0_input():
    g = graph([node("x", "Input", shape=[5, 3]), node("h", "Input", shape=[2, 4]),
               node("rnn", "GRU", hidden_size=4, num_layers=2), node("y", "Output")],
              [("x", "rnn"), ("h", "rnn", 1), ("rnn", "y")], name="StartedGRU")
    result = validate(g)
    assert result["ok"], result["errors"]
    x, h = torch.randn(3, 5, 3), torch.randn(3, 2, 4)
    gm = same_as_compiled(g, x, h)
    twin = _torch_twin(gm, nn.GRU, input_size=3, hidden_size=4, num_layers=2)
    with torch.no_grad():
        torch.testing.assert_close(gm(x, h), twin(x, h.transpose(0, 1).contiguous())[0])
        assert not torch.allclose(gm(x, h), gm(x, torch.zeros_like(h)))
    assert "        rnn = self.rnn(x, h.transpose(0, 1).contiguous())[0]  # (B, 5, 4)\n" in export_python(g)


PROJECTED = graph(
    [node("x", "Input", shape=[7, 3]), node("h0", "Input", shape=[4, 2]), node("c0", "Input", shape=[4, 5]),
     node("rnn", "LSTM", hidden_size=5, proj_size=2, num_layers=2, bidirectional=True, **{"return": "output+h_n+c_n"}),
     node("out", "Output"), node("h_n", "Output"), node("c_n", "Output")],
    [("x", "rnn"), ("h0", "rnn", 1), ("c0", "rnn", 2), ("rnn", "out"), ("rnn", "h_n", 0, 1), ("rnn", "c_n", 0, 2)],
    name="Projected")


def test_an_lstm_with_proj_size_h0_c0_and_three_results_matches_torch():
    result = validate(PROJECTED)
    assert result["ok"], result["errors"]
    assert result["nodes"]["rnn"]["shapes"] == [[7, 4], [4, 2], [4, 5]]
    assert result["output_shapes"] == [[7, 4], [4, 2], [4, 5]]
    twin_shape = {"input_size": 3, "hidden_size": 5, "proj_size": 2, "num_layers": 2, "bidirectional": True}
    assert result["params"] == sum(p.numel() for p in nn.LSTM(**twin_shape).parameters()) == 640
    # per layer and direction: 2 · steps · (4H · (inputs + P) + P · H), inputs 3 then 2 · P
    assert result["flops"] == 2 * 2 * 7 * ((4 * 5 * (3 + 2) + 2 * 5) + (4 * 5 * (4 + 2) + 2 * 5))
    x, h0, c0 = torch.randn(3, 7, 3), torch.randn(3, 4, 2), torch.randn(3, 4, 5)
    gm = same_as_compiled(PROJECTED, x, h0, c0)
    twin = _torch_twin(gm, nn.LSTM, **twin_shape)
    with torch.no_grad():
        out, (h_n, c_n) = twin(x, (h0.transpose(0, 1).contiguous(), c0.transpose(0, 1).contiguous()))
        torch.testing.assert_close(gm(x, h0, c0), (out, h_n.transpose(0, 1), c_n.transpose(0, 1)))


def test_an_lstm_with_h0_c0_and_three_results_exports_to_onnx(tmp_path):
    # Not with proj_size: torch's exporter then writes a model onnxruntime refuses to load (docs/graph-format.md).
    g = {**PROJECTED, "nodes": [{**n, "params": {**n["params"], "proj_size": 0}} if n["id"] == "rnn" else n
                                for n in PROJECTED["nodes"]]}
    g["nodes"][1] = node("h0", "Input", shape=[4, 5])
    torch.manual_seed(0)
    gm = compile_graph(g).eval()
    inputs = onnx_matches(gm, tmp_path, torch.randn(2, 7, 3), torch.randn(2, 4, 5), torch.randn(2, 4, 5))
    assert [(i.name, i.shape) for i in inputs] == [("x", ["batch", 7, 3]), ("h0", ["batch", 4, 5]),
                                                   ("c0", ["batch", 4, 5])]


def test_output_and_h_n_from_one_rnn_feed_two_nodes_through_source_port(tmp_path):
    g = graph([node("x", "Input", shape=[6, 3]), node("rnn", "RNN", hidden_size=4, **{"return": "output+h_n"}),
               node("last", "Select", dim=1, index=-1), node("state", "Flatten"), node("both", "Add"),
               node("y", "Output")],
              [("x", "rnn"), ("rnn", "last"), ("rnn", "state", 0, 1), ("last", "both"), ("state", "both", 1),
               ("both", "y")], name="OutAndState")
    result = validate(g)
    assert result["ok"], result["errors"]
    assert result["nodes"]["rnn"]["shapes"] == [[6, 4], [1, 4]]
    x = torch.randn(3, 6, 3)
    gm = same_as_compiled(g, x)
    with torch.no_grad():  # an RNN's last output is its final hidden state: the sum is twice it
        out, h_n = gm.rnn(x)
        torch.testing.assert_close(gm(x), 2 * h_n[0])
    source = export_python(g)
    assert ("        rnn_all = self.rnn(x)\n"
            "        rnn = (rnn_all[0], rnn_all[1].transpose(0, 1))  # (B, 6, 4), (B, 1, 4)\n"
            "        last = rnn[0].select(1, -1)  # (B, 4)\n") in source
    onnx_matches(gm, tmp_path, x)


@pytest.mark.parametrize(("layer", "params", "extra", "field", "message"), [
    ("LSTM", {"hidden_size": 4, "proj_size": 4}, [], "proj_size", "LSTM proj_size 4 must be smaller than hidden_size 4"),
    ("LSTM", {"hidden_size": 4}, [[1, 4]], None, "LSTM takes h0 and c0 together: connect both (ports 1 and 2) or neither"),
    ("GRU", {"hidden_size": 4, "num_layers": 2}, [[1, 4]], None,
     "GRU h0 must be [num_layers·directions, hidden_size] = [2, 4] per sample, got [1, 4]"),
    ("LSTM", {"hidden_size": 4, "proj_size": 2}, [[1, 4], [1, 4]], None,
     "LSTM h0 must be [num_layers·directions, proj_size] = [1, 2] per sample, got [1, 4]"),
])
def test_a_bad_recurrent_state_or_projection_names_the_node(layer, params, extra, field, message):
    nodes = [node("x", "Input", shape=[5, 3]), *[node(f"s{i}", "Input", shape=s) for i, s in enumerate(extra)],
             node("rnn", layer, **params), node("y", "Output")]
    links = [("x", "rnn"), *[(f"s{i}", "rnn", i + 1) for i in range(len(extra))], ("rnn", "y")]
    error = {"node": "rnn", "message": message} | ({"field": field} if field else {})
    assert validate(graph(nodes, links))["errors"] == [error]


def test_the_existing_return_values_keep_one_output():
    for layer, ret, shape in (("LSTM", "c_n", [1, 4]), ("GRU", "h_n", [1, 4]), ("RNN", "output", [5, 4])):
        result = validate(layer_graph(layer, [5, 3], hidden_size=4, **{"return": ret}))
        assert result["nodes"]["layer"]["shapes"] == [shape]
        assert "layer[0]" not in export_python(layer_graph(layer, [5, 3], hidden_size=4, **{"return": ret}))


# Tied language-model head -------------------------------------------------------------------------------

TIED = graph(
    [node("tokens", "Input", shape=[6], dtype="int64"), node("embed", "Embedding", num_embeddings=20, embedding_dim=8),
     node("rnn", "GRU", hidden_size=8), {"id": "head", "type": "Linear", "params": {"out_features": 20}, "tie": "embed"},
     node("y", "Output")],
    [("tokens", "embed"), ("embed", "rnn"), ("rnn", "head"), ("head", "y")], name="TiedLM")


def test_a_tied_head_uses_the_embeddings_weight_and_counts_only_its_bias(tmp_path):
    result = validate(TIED)
    assert result["ok"], result["errors"]
    assert result["nodes"]["head"]["params"] == 20 and result["nodes"]["head"]["flops"] == 2 * 6 * 8 * 20
    tokens = torch.randint(0, 20, (3, 6))
    gm = same_as_compiled(TIED, tokens)
    assert gm.head.weight is gm.embed.weight
    assert result["params"] == sum(p.numel() for p in gm.parameters()) == 20 * 8 + 3 * 8 * (8 + 8 + 2) + 20
    assert "        self.head.weight = self.embed.weight  # tied to the embedding\n" in export_python(TIED)
    gm.head(torch.randn(2, 8)).sum().backward()
    assert gm.embed.weight.grad.abs().sum() > 0
    onnx_matches(gm.eval(), tmp_path, tokens)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"tie": "nope"}, "tie", "tie names 'nope', which is not a node of this graph"),
    ({"tie": "rnn"}, "tie", "tie names 'rnn', a GRU; a Linear ties its weight to an Embedding's"),
    ({"params": {"out_features": 19}}, "tie",
     "ties to 'embed', whose weight is [20, 8], but this Linear's is [19, 8]: out_features must be num_embeddings "
     "and in_features embedding_dim"),
    ({"params": {"out_features": 20, "init": "zeros"}}, "init",
     "a tied Linear's weight is 'embed''s: set init on that Embedding"),
])
def test_a_bad_tie_names_the_linear(change, field, message):
    g = {**TIED, "nodes": [{**n, **change} if n["id"] == "head" else n for n in TIED["nodes"]]}
    assert validate(g)["errors"] == [{"node": "head", "message": message, "field": field}]


def test_only_a_linear_ties_its_weight():
    g = {**TIED, "nodes": [{**n, "tie": "embed"} if n["id"] == "rnn" else n for n in TIED["nodes"]]}
    assert {"node": "rnn", "field": "tie", "message": "only a Linear can tie its weight to an Embedding's, not a GRU"} in (
        validate(g)["errors"])


def test_flattening_a_block_keeps_its_shared_module_shared_within_each_copy():
    from builder.engine.graph.blocks import flatten

    g = {"format": FORMAT, "name": "Twice", "blocks": {"Pair": {"nodes": [
        node("i", "Input"), node("f", "Linear", out_features=5), {"id": "g", "type": "Linear", "share": "f"},
        node("o", "Output")], "edges": edges(("i", "f"), ("f", "g"), ("g", "o"))}},
        "nodes": [node("x", "Input", shape=[5]), node("pair", "Block", block="Pair", repeat=2), node("y", "Output")],
        "edges": edges(("x", "pair"), ("pair", "y"))}
    flat = flatten(g)
    assert {n["id"]: n.get("share") for n in flat["nodes"] if n["type"] == "Linear"} == {
        "pair_1_f": None, "pair_1_g": "pair_1_f", "pair_2_f": None, "pair_2_g": "pair_2_f"}
    assert validate(flat)["params"] == validate(g)["params"] == 60
    gm, flat_gm = compile_graph(g), compile_graph(flat)
    flat_gm.load_state_dict({k.replace("pair.0.", "pair_1_").replace("pair.1.", "pair_2_"): v
                             for k, v in gm.state_dict().items()})
    x = torch.randn(2, 5)
    torch.testing.assert_close(flat_gm(x), gm(x))


def test_a_shared_prelu_lends_its_own_init_which_is_its_slope():
    g = graph([node("x", "Input", shape=[3]), node("a", "PReLU", init=0.5), {"id": "b", "type": "PReLU", "share": "a"},
               node("y", "Output")], [("x", "a"), ("a", "b"), ("b", "y")], name="Slopes")
    result = validate(g)
    assert result["ok"], result["errors"]
    gm = same_as_compiled(g, -torch.ones(2, 3))
    torch.testing.assert_close(gm(-torch.ones(2, 3)), torch.full((2, 3), -0.25))  # the slope 0.5, twice


INIT_CASES = {  # every layer type that takes init: an input and its params
    "Linear": ([4], "float32", {"out_features": 3}), "Bilinear": (None, "float32", {"out_features": 3}),
    "Embedding": ([4], "int64", {"num_embeddings": 10, "embedding_dim": 3}),
    "Conv1d": ([2, 9], "float32", {"out_channels": 3, "kernel_size": 3}),
    "Conv2d": ([2, 7, 6], "float32", {"out_channels": 3, "kernel_size": 3}),
    "Conv3d": ([2, 5, 6, 4], "float32", {"out_channels": 3, "kernel_size": 2}),
    "ConvTranspose1d": ([2, 5], "float32", {"out_channels": 3, "kernel_size": 3}),
    "ConvTranspose2d": ([2, 5, 4], "float32", {"out_channels": 3, "kernel_size": 3}),
    "ConvTranspose3d": ([2, 3, 4, 5], "float32", {"out_channels": 3, "kernel_size": 2}),
    "RNN": ([5, 3], "float32", {"hidden_size": 4}), "GRU": ([5, 3], "float32", {"hidden_size": 4}),
    "LSTM": ([5, 3], "float32", {"hidden_size": 4, "num_layers": 2}),
    "EmbeddingBag": ([4], "int64", {"num_embeddings": 10, "embedding_dim": 3}),
    "MultiheadAttention": ([5, 4], "float32", {"num_heads": 2}),
    "TransformerEncoderLayer": ([5, 4], "float32", {"nhead": 2, "dim_feedforward": 8}),
    "TransformerEncoder": ([5, 4], "float32", {"nhead": 2, "dim_feedforward": 8, "num_layers": 2, "norm": True}),
    "TransformerDecoderLayer": ([5, 4], "float32", {"nhead": 2, "dim_feedforward": 8}),  # and a memory [3, 4]
    "TransformerDecoder": ([5, 4], "float32", {"nhead": 2, "dim_feedforward": 8, "num_layers": 2}),
}


def test_every_layer_that_takes_init_has_a_case_here():
    from builder.engine.graph.catalog import LAYERS

    assert {t for t, layer in LAYERS.items() if layer.takes_init} == set(INIT_CASES)


@pytest.mark.parametrize("layer_type", sorted(INIT_CASES))
def test_init_zeros_zeroes_every_weight_of_every_layer_that_takes_it_in_compile_and_model_py(layer_type):
    from builder.engine.graph.catalog import LAYERS

    if layer_type not in LAYERS:
        pytest.fail(f"{layer_type} is not in the catalog")
    shape, dtype, params = INIT_CASES[layer_type]
    if layer_type == "Bilinear":
        g = graph([node("a", "Input", shape=[4]), node("b", "Input", shape=[5]),
                   node("layer", "Bilinear", init="zeros", **params), node("y", "Output")],
                  [("a", "layer"), ("b", "layer", 1), ("layer", "y")], name="Zeros")
        inputs = [torch.randn(2, 4), torch.randn(2, 5)]
    elif layer_type.startswith("TransformerDecoder"):
        g = graph([node("a", "Input", shape=shape), node("memory", "Input", shape=[3, 4]),
                   node("layer", layer_type, init="zeros", **params), node("y", "Output")],
                  [("a", "layer"), ("memory", "layer", 1), ("layer", "y")], name="Zeros")
        inputs = [torch.randn(2, *shape), torch.randn(2, 3, 4)]
    else:
        g = {**layer_graph(layer_type, shape, dtype, init="zeros", **params), "name": "Zeros"}
        inputs = [torch.randint(0, 10, (2, *shape)) if dtype == "int64" else torch.randn(2, *shape)]
    gm = same_as_compiled(g, *inputs)
    fresh = exported(g)
    for module in (gm, fresh):
        for name, p in module.named_parameters():
            if p.dim() == 1 and "bias" not in name.rsplit(".", 1)[-1]:  # a Transformer layer's LayerNorm scales keep torch's ones
                assert torch.equal(p.detach(), torch.ones_like(p)), name
            else:
                assert p.abs().max() == 0, name


def test_an_lstm_with_proj_size_is_refused_for_onnx_naming_the_node(tmp_path):
    assert write_onnx(compile_graph(PROJECTED), None, tmp_path) == {"onnx_error": (
        "This model can't be exported to ONNX: node 'rnn' (LSTM) uses proj_size 2, which ONNX's LSTM operator has "
        "no projection for (torch's exporter would write a model that onnxruntime can't run)")}
    assert not (tmp_path / "model.onnx").exists()
    g = {"format": FORMAT, "name": "Inner", "blocks": {"Enc": {"nodes": [
        node("i", "Input"), node("lstm", "LSTM", hidden_size=4, proj_size=2), node("o", "Output")],
        "edges": edges(("i", "lstm"), ("lstm", "o"))}},
        "nodes": [node("x", "Input", shape=[5, 3]), node("enc", "Block", block="Enc"), node("y", "Output")],
        "edges": edges(("x", "enc"), ("enc", "y"))}
    assert compile_graph(g).meta["onnx_refusals"] == [
        "node 'enc/1/lstm' (LSTM) uses proj_size 2, which ONNX's LSTM operator has no projection for (torch's "
        "exporter would write a model that onnxruntime can't run)"]
    assert compile_graph(POSITIONS).meta["onnx_refusals"] == []
