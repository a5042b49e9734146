"""Causal attention, key-padding masks and transformer stacks: what they may see, and that they are torch's own."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import torch
from graph_builders import FORMAT, chain, node, real_shapes
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from builder.engine.graph import compile_graph, export_python, validate


def sequence_graph(layer_type: str, *, memory: bool = False, mask: bool = False, length: int = 6, d: int = 8,
                   **params) -> dict:
    """x [L, d] (and memory [5, d]; and tokens [L or 5] made into a padding mask) → the layer → y."""
    nodes = [node("x", "Input", shape=[length, d])]
    edges = [{"source": "x", "target": "layer"}]
    if memory:
        nodes.append(node("memory", "Input", shape=[5, d]))
        edges.append({"source": "memory", "target": "layer", "port": 1})
    if layer_type == "MultiheadAttention":  # self-attention with a mask: query, key and value are all x
        edges += [{"source": "x", "target": "layer", "port": p} for p in (1, 2)] if mask else []
    if mask:
        nodes += [node("tokens", "Input", shape=[5 if memory else length], dtype="int64"), node("pad", "PaddingMask")]
        port = 3 if layer_type == "MultiheadAttention" else 2 if memory else 1
        edges += [{"source": "tokens", "target": "pad"}, {"source": "pad", "target": "layer", "port": port}]
    nodes += [node("layer", layer_type, **params), node("y", "Output")]
    edges.append({"source": "layer", "target": "y"})
    return {"format": FORMAT, "name": "Masked", "nodes": nodes, "edges": edges}


CAUSAL = [
    ("MultiheadAttention", False, {"num_heads": 2, "is_causal": True}),
    ("TransformerEncoderLayer", False, {"nhead": 2, "dim_feedforward": 16, "is_causal": True}),
    ("TransformerEncoder", False, {"nhead": 2, "dim_feedforward": 16, "num_layers": 2, "is_causal": True}),
    ("TransformerDecoderLayer", True, {"nhead": 2, "dim_feedforward": 16, "is_causal": True}),
    ("TransformerDecoder", True, {"nhead": 2, "dim_feedforward": 16, "num_layers": 3, "is_causal": True,
                                  "norm": True}),
]


@pytest.mark.parametrize(("layer_type", "memory", "params"), CAUSAL, ids=[c[0] for c in CAUSAL])
def test_a_causal_layers_first_position_does_not_depend_on_later_tokens(layer_type, memory, params):
    torch.manual_seed(0)
    gm = compile_graph(sequence_graph(layer_type, memory=memory, **params)).eval()
    x = torch.randn(2, 6, 8)
    later = x.clone()
    later[:, 1:] = torch.randn(2, 5, 8)  # every token after the first changed
    first = x.clone()
    first[:, 0] = torch.randn(2, 8)
    inputs = (torch.randn(2, 5, 8),) if memory else ()
    with torch.no_grad():
        out, out_later, out_first = (gm(v, *inputs) for v in (x, later, first))

    torch.testing.assert_close(out_later[:, 0], out[:, 0], rtol=0, atol=1e-5)
    assert not torch.allclose(out_later[:, -1], out[:, -1], atol=1e-3)  # the last position sees them all
    assert not torch.allclose(out_first[:, 0], out[:, 0], atol=1e-3)


def test_without_is_causal_the_first_position_sees_the_whole_sequence():
    torch.manual_seed(0)
    gm = compile_graph(sequence_graph("TransformerEncoderLayer", nhead=2, dim_feedforward=16)).eval()
    x = torch.randn(2, 6, 8)
    later = x.clone()
    later[:, 1:] = torch.randn(2, 5, 8)
    with torch.no_grad():
        assert not torch.allclose(gm(later)[:, 0], gm(x)[:, 0], atol=1e-3)


MASKED = [
    ("MultiheadAttention", False, {"num_heads": 2}),
    ("TransformerEncoderLayer", False, {"nhead": 2, "dim_feedforward": 16}),
    ("TransformerEncoder", False, {"nhead": 2, "dim_feedforward": 16, "num_layers": 2}),
    ("TransformerDecoderLayer", True, {"nhead": 2, "dim_feedforward": 16}),
    ("TransformerDecoder", True, {"nhead": 2, "dim_feedforward": 16, "num_layers": 2}),
]


@pytest.mark.parametrize(("layer_type", "memory", "params"), MASKED, ids=[c[0] for c in MASKED])
def test_a_padded_key_changes_nothing_it_is_masked_from(layer_type, memory, params):
    torch.manual_seed(0)
    graph = sequence_graph(layer_type, memory=memory, mask=True, **params)
    result = validate(graph)
    assert result["ok"], result["errors"]
    assert result["nodes"]["pad"]["shape"] == [5 if memory else 6]
    gm = compile_graph(graph).eval()
    x, mem = torch.randn(2, 6, 8), torch.randn(2, 5, 8)
    keys = mem if memory else x  # what the mask covers: the memory, or the sequence itself
    tokens = (torch.tensor([[3, 1, 4, 1, 0], [2, 7, 1, 0, 0]]) if memory  # 0: padding
              else torch.tensor([[3, 1, 4, 1, 5, 0], [2, 7, 1, 8, 0, 0]]))
    changed = keys.clone()
    changed[tokens == 0] = torch.randn(int((tokens == 0).sum()), 8)
    args = (lambda k: (x, k, tokens)) if memory else (lambda k: (k, tokens))
    with torch.no_grad():
        out, out_changed = gm(*args(keys)), gm(*args(changed))
    kept = slice(None) if memory else (tokens != 0)  # a padded position's own output may change with it
    torch.testing.assert_close(out_changed[kept], out[kept], rtol=0, atol=1e-5)
    unmasked = compile_graph(sequence_graph(layer_type, memory=memory, **params)).eval()
    unmasked.load_state_dict(gm.state_dict())
    with torch.no_grad():  # the mask is what made the difference
        assert not torch.allclose(unmasked(*args(changed)[:-1])[kept], unmasked(*args(keys)[:-1])[kept], atol=1e-3)


class Stack(nn.Module):
    def __init__(self, decoder: bool):
        super().__init__()
        layer = (nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer)(
            8, 2, dim_feedforward=16, batch_first=True)
        stack = nn.TransformerDecoder if decoder else nn.TransformerEncoder
        extra = {} if decoder else {"enable_nested_tensor": False}
        self.layer = stack(layer, num_layers=3, norm=nn.LayerNorm(8), **extra)

    def forward(self, x, *memory):
        return self.layer(x, *memory)


@pytest.mark.parametrize("decoder", [False, True], ids=["TransformerEncoder", "TransformerDecoder"])
def test_a_stack_is_torchs_own_in_parameters_keys_and_outputs(decoder, tmp_path):
    layer_type = "TransformerDecoder" if decoder else "TransformerEncoder"
    graph = sequence_graph(layer_type, memory=decoder, nhead=2, dim_feedforward=16, num_layers=3, norm=True)
    reference = Stack(decoder).eval()
    result = validate(graph)
    gm = compile_graph(graph).eval()

    assert result["params"] == sum(p.numel() for p in reference.parameters()) == sum(p.numel() for p in gm.parameters())
    assert list(gm.state_dict()) == list(reference.state_dict())  # layer.layers.0.self_attn.in_proj_weight …
    assert "layer.norm.weight" in gm.state_dict() and "layer.layers.2.linear2.bias" in gm.state_dict()
    gm.load_state_dict(reference.state_dict())
    inputs = (torch.randn(2, 6, 8), *((torch.randn(2, 5, 8),) if decoder else ()))
    with torch.no_grad():
        torch.testing.assert_close(gm(*inputs), reference(*inputs))
    assert real_shapes(gm, *inputs)["layer"] == result["nodes"]["layer"]["shapes"] == [[6, 8]]

    path = tmp_path / "model.py"
    path.write_text(export_python(graph))
    spec = importlib.util.spec_from_file_location(f"stack_{decoder}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    exported = module.Masked().eval()
    exported.load_state_dict(gm.state_dict())  # strict: the same keys
    with torch.no_grad():
        torch.testing.assert_close(exported(*inputs), gm(*inputs))


def test_a_causal_masked_stack_exports_a_model_py_that_computes_the_same():
    graph = sequence_graph("TransformerEncoder", mask=True, nhead=2, dim_feedforward=16, num_layers=2,
                           is_causal=True)
    source = export_python(graph)
    assert ("self.layer(x, mask=x.new_ones(x.size(1), x.size(1), dtype=torch.bool).triu(1), is_causal=True, "
            "src_key_padding_mask=pad)") in source
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)
    gm = compile_graph(graph).eval()
    exported = namespace["Masked"]().eval()
    exported.load_state_dict(gm.state_dict())
    x, tokens = torch.randn(2, 6, 8), torch.tensor([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]])
    with torch.no_grad():
        torch.testing.assert_close(exported(x, tokens), gm(x, tokens))


def test_stack_flops_are_twice_the_multiply_accumulates_torch_counts():
    graph = sequence_graph("TransformerEncoder", nhead=2, dim_feedforward=16, num_layers=3, length=7, d=16)
    gm = compile_graph(graph).train()  # in training mode torch runs the unfused kernels FlopCounterMode sees
    with FlopCounterMode(display=False) as counter:
        gm(torch.randn(2, 7, 16))
    assert validate(graph)["nodes"]["layer"]["flops"] * 2 == counter.get_total_flops()


def test_a_mask_that_is_not_bool_names_the_layer():
    graph = chain(node("x", "Input", shape=[6, 8]), node("layer", "TransformerEncoderLayer", nhead=2),
                  node("y", "Output"), edges=[{"source": "x", "target": "layer", "port": 1}])
    assert validate(graph)["errors"] == [{"node": "layer", "message": (
        "TransformerEncoderLayer takes a key-padding mask of shape [6] and dtype bool (True where a position is "
        "padding; a PaddingMask node makes one), got [6, 8] float32")}]


def test_causal_attention_needs_query_and_key_of_one_length():
    graph = chain(node("q", "Input", shape=[4, 8]), node("kv", "Input", shape=[6, 8]),
                  node("layer", "MultiheadAttention", num_heads=2, is_causal=True), node("y", "Output"))
    graph["edges"] = [{"source": "q", "target": "layer"}, {"source": "kv", "target": "layer", "port": 1},
                      {"source": "layer", "target": "y"}]
    assert validate(graph)["errors"] == [{"node": "layer", "field": "is_causal", "message": (
        "MultiheadAttention is_causal needs the query and key of the same length, got [4, 8] and [6, 8]")}]


def test_a_padding_mask_needs_token_ids():
    graph = chain(node("x", "Input", shape=[6]), node("pad", "PaddingMask"), node("y", "Output"))
    assert validate(graph)["errors"] == [{"node": "pad", "message": "PaddingMask expects int64 token ids, got float32"}]
