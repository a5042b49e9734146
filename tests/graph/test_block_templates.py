"""Templates whose architecture has blocks are written with them (builder/engine/graph/templates)."""

from __future__ import annotations

import torch

from builder.engine.graph import compile_graph, export_python, list_templates, validate
from builder.engine.graph.blocks import flatten, ungroup


def template(template_id: str) -> dict:
    return next(t["graph"] for t in list_templates() if t["id"] == template_id)


def test_the_small_resnet_is_a_stem_and_two_blocks_with_the_flat_networks_parameter_count():
    graph = template("resnet_small")
    result = validate(graph)
    assert result["ok"]
    # 19,994: the count of the flat Small ResNet it replaced (stem 448 + BasicBlock 4,672 + DownBlock 14,528 + fc 330).
    assert result["params"] == 19_994
    assert [(n["id"], n["params"]) for n in graph["nodes"] if n["type"] == "Block"] == [
        ("stage1", {"block": "BasicBlock", "repeat": 1, "channels": 16}),
        ("stage2", {"block": "DownBlock", "repeat": 1, "channels": 32}),
    ]
    assert (result["nodes"]["stage1"]["params"], result["nodes"]["stage2"]["params"]) == (4_672, 14_528)
    assert result["nodes"]["stage2/1/down"]["shape"] == [32, 16, 16]


def test_the_small_resnet_ungrouped_computes_the_same_on_the_same_weights():
    graph = template("resnet_small")
    flat_graph = ungroup(ungroup(graph, "stage1"), "stage2")  # what Ungroup in the builder does, use by use
    assert "blocks" not in flat_graph or not flat_graph["blocks"]
    blocked, flat = compile_graph(graph).eval(), compile_graph(flat_graph).eval()
    weights = list(blocked.state_dict().values())
    flat.load_state_dict(dict(zip(flat.state_dict(), weights, strict=True)))
    assert list(blocked.state_dict())[6:8] == ["stage1.0.conv1.weight", "stage1.0.bn1.weight"]
    assert list(flat.state_dict())[6:8] == ["stage1_1_conv1.weight", "stage1_1_bn1.weight"]
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(blocked(x), flat(x))


def test_the_small_resnet_flattened_at_once_reads_stage1_into_stage2():
    # Two Block nodes one after the other: the second's copy reads what now gives the first's output.
    flat_graph = flatten(template("resnet_small"))
    assert {"source": "stage1_1_relu2", "source_port": 0, "target": "stage2_1_conv1", "port": 0} in flat_graph["edges"]
    assert flat_graph["nodes"] == ungroup(ungroup(template("resnet_small"), "stage1"), "stage2")["nodes"]
    assert validate(flat_graph)["params"] == 19_994


def test_the_transformer_template_repeats_one_encoder_layer_block_with_torchs_keys():
    graph = template("transformer_encoder")
    result = validate(graph)
    assert result["ok"]
    assert [(n["id"], n["params"]) for n in graph["nodes"] if n["type"] == "Block"] == [
        ("encoder", {"block": "EncoderLayer", "repeat": 2, "d_model": 32, "nhead": 4, "dim_feedforward": 64,
                     "dropout": 0.1}),
    ]
    layer = torch.nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, batch_first=True)
    assert result["nodes"]["encoder"]["params"] == 2 * sum(p.numel() for p in layer.parameters()) == 17_088
    assert result["nodes"]["encoder/2/linear1"]["shape"] == [16, 64]
    keys = list(compile_graph(graph).state_dict())
    assert sorted(k.removeprefix("encoder.1.") for k in keys if k.startswith("encoder.1.")) == sorted(layer.state_dict())


def test_the_transformer_template_ungrouped_computes_the_same_on_the_same_weights():
    graph = template("transformer_encoder")
    blocked, flat = compile_graph(graph).eval(), compile_graph(ungroup(graph, "encoder")).eval()
    flat.load_state_dict(dict(zip(flat.state_dict(), blocked.state_dict().values(), strict=True)))
    assert "encoder_2_self_attn.in_proj_weight" in flat.state_dict()
    tokens = torch.randint(0, 128, (3, 16))
    with torch.no_grad():
        torch.testing.assert_close(blocked(tokens), flat(tokens))


def test_the_transformer_templates_model_py_class_follows_its_parameters_into_inferred_sizes():
    source = export_python(template("transformer_encoder"))
    assert "class EncoderLayer(nn.Module):\n    def __init__(self, d_model=32, nhead=4, dim_feedforward=64, dropout=0.1):" in source
    assert "self.norm1 = nn.LayerNorm(normalized_shape=[d_model])" in source  # inferred [32], written as the parameter
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)
    wide = namespace["EncoderLayer"](d_model=64, nhead=8, dim_feedforward=128).eval()  # a size no use has
    reference = torch.nn.TransformerEncoderLayer(64, 8, dim_feedforward=128, batch_first=True).eval()
    wide.load_state_dict(reference.state_dict())
    x = torch.randn(2, 5, 64)
    with torch.no_grad():
        torch.testing.assert_close(wide(x), reference(x))
