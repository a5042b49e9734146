"""Blocks (builder.engine.graph.blocks): reusable parameterised subgraphs, analysed, compiled and exported."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from builder.engine.graph import compile_graph, export_python, validate
from builder.engine.graph.blocks import flatten


def chain(*pairs: tuple[str, str]) -> list[dict]:
    return [{"source": a, "target": b} for a, b in pairs]


RESIDUAL = {
    "params": {"channels": {"kind": "int", "default": 64, "min": 1}},
    "nodes": [{"id": "x", "type": "Input"},
              {"id": "c1", "type": "Conv2d", "params": {"out_channels": "$channels", "kernel_size": 3, "padding": 1, "bias": False}},
              {"id": "b1", "type": "BatchNorm2d"}, {"id": "r1", "type": "ReLU"},
              {"id": "c2", "type": "Conv2d", "params": {"out_channels": "$channels", "kernel_size": 3, "padding": 1, "bias": False}},
              {"id": "b2", "type": "BatchNorm2d"}, {"id": "add", "type": "Add"}, {"id": "r2", "type": "ReLU"},
              {"id": "y", "type": "Output"}],
    "edges": [*chain(("x", "c1"), ("c1", "b1"), ("b1", "r1"), ("r1", "c2"), ("c2", "b2"), ("b2", "add"), ("add", "r2"),
                     ("r2", "y")), {"source": "x", "target": "add", "port": 1}],
}
TINY_RESNET = {
    "format": "netbuilder.graph/1", "name": "Tiny ResNet", "blocks": {"Residual": RESIDUAL},
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [3, 32, 32]}},
              {"id": "stem", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": 1}},
              {"id": "stage1", "type": "Block", "params": {"block": "Residual", "repeat": 2, "channels": 16}},
              {"id": "down", "type": "Conv2d", "params": {"out_channels": 32, "kernel_size": 3, "stride": 2, "padding": 1}},
              {"id": "stage2", "type": "Block", "params": {"block": "Residual", "repeat": 2, "channels": 32}},
              {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
              {"id": "flat", "type": "Flatten"}, {"id": "fc", "type": "Linear", "params": {"out_features": 10}},
              {"id": "y", "type": "Output"}],
    "edges": chain(("x", "stem"), ("stem", "stage1"), ("stage1", "down"), ("down", "stage2"), ("stage2", "pool"),
                   ("pool", "flat"), ("flat", "fc"), ("fc", "y")),
}


class Residual(nn.Module):  # the same network written by hand
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(channels)
        self.r1 = nn.ReLU()
        self.c2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(channels)
        self.r2 = nn.ReLU()

    def forward(self, x):
        return self.r2(self.b2(self.c2(self.r1(self.b1(self.c1(x))))) + x)


class TinyResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.stage1 = nn.ModuleList([Residual(16), Residual(16)])
        self.down = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.stage2 = nn.ModuleList([Residual(32), Residual(32)])
        self.pool, self.flat, self.fc = nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10)

    def forward(self, x):
        x = self.stem(x)
        for block in [*self.stage1, self.down, *self.stage2]:
            x = block(x)
        return self.fc(self.flat(self.pool(x)))


def test_the_tiny_resnet_validates_with_the_hand_written_networks_counts_node_by_node_inside_its_blocks():
    result = validate(TINY_RESNET)
    assert result["ok"], result["errors"]
    by_hand = TinyResNet()
    assert result["params"] == sum(p.numel() for p in by_hand.parameters()) == 51_882
    assert result["nodes"]["stage1"]["shape"] == [16, 32, 32]
    assert result["nodes"]["stage2/2/c1"] == {"shape": [32, 16, 16], "shapes": [[32, 16, 16]], "params": 32 * 32 * 9,
                                               "flops": result["nodes"]["stage2/2/c1"]["flops"]}
    assert result["nodes"]["stage1"]["params"] == 2 * sum(p.numel() for p in Residual(16).parameters())
    assert result["nodes"]["stage1"]["flops"] == 2 * sum(result["nodes"][f"stage1/1/{n}"]["flops"] for n in RESIDUAL_IDS)


RESIDUAL_IDS = [n["id"] for n in RESIDUAL["nodes"] if n["type"] not in ("Input", "Output")]


def test_a_block_compiles_to_a_module_per_copy_with_the_hand_written_keys_and_outputs():
    torch.manual_seed(0)
    gm = compile_graph(TINY_RESNET)
    by_hand = TinyResNet()
    assert list(gm.state_dict()) == list(by_hand.state_dict())
    assert type(getattr(gm.stage1, "0")).__name__ == "Residual"
    by_hand.load_state_dict(gm.state_dict())
    gm.eval(), by_hand.eval()
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(gm(x), by_hand(x), atol=1e-6)


def test_model_py_has_a_class_per_block_that_loads_the_compiled_weights():
    torch.manual_seed(0)
    gm = compile_graph(TINY_RESNET).eval()
    source = export_python(TINY_RESNET)
    assert "class Residual(nn.Module):\n    def __init__(self, channels=64):" in source
    assert "self.c1 = nn.Conv2d(in_channels=channels, out_channels=channels, kernel_size=3, padding=1, bias=False)" in source
    assert "self.stage2 = nn.ModuleList([Residual(channels=32), Residual(channels=32)])" in source
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)
    net = namespace["TinyResNet"]().eval()
    net.load_state_dict(gm.state_dict())  # strict: the same keys
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(net(x), gm(x), atol=1e-6)


def test_the_flat_form_computes_the_same_on_the_same_weights():
    torch.manual_seed(0)
    gm = compile_graph(TINY_RESNET).eval()
    flat = flatten(TINY_RESNET)
    assert "blocks" not in flat and not any(n["type"] == "Block" for n in flat["nodes"])
    assert validate(flat)["params"] == 51_882
    flat_gm = compile_graph(flat).eval()

    def flat_key(key: str) -> str:
        node, *rest = key.split(".")
        return f"{node}_{int(rest[0]) + 1}_{'.'.join(rest[1:])}" if node.startswith("stage") else key

    flat_gm.load_state_dict({flat_key(k): v for k, v in gm.state_dict().items()})
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(flat_gm(x), gm(x), atol=1e-6)


TWO_WAY = {  # two inputs, two outputs: (a, b) -> (fc(b), a), repeated
    "format": "netbuilder.graph/1", "name": "Swap",
    "blocks": {"Swap": {"nodes": [{"id": "a", "type": "Input"}, {"id": "b", "type": "Input"},
                                  {"id": "fc", "type": "Linear", "params": {"out_features": 4}},
                                  {"id": "first", "type": "Output"}, {"id": "second", "type": "Output"}],
                        "edges": chain(("b", "fc"), ("fc", "first"), ("a", "second"))}},
    "nodes": [{"id": "p", "type": "Input", "params": {"shape": [4]}}, {"id": "q", "type": "Input", "params": {"shape": [4]}},
              {"id": "swap", "type": "Block", "params": {"block": "Swap", "repeat": 3}},
              {"id": "add", "type": "Add"}, {"id": "y", "type": "Output"}],
    "edges": [*chain(("p", "swap")), {"source": "q", "target": "swap", "port": 1},
              {"source": "swap", "target": "add"}, {"source": "swap", "source_port": 1, "target": "add", "port": 1},
              {"source": "add", "target": "y"}],
}


def test_a_block_of_several_inputs_and_outputs_chains_them_copy_to_copy_in_compile_and_export():
    torch.manual_seed(0)
    gm = compile_graph(TWO_WAY).eval()
    p, q = torch.randn(2, 4), torch.randn(2, 4)
    fcs = [getattr(gm.swap, str(k)).fc for k in range(3)]
    a, b = p, q
    for fc in fcs:
        a, b = fc(b), a
    assert torch.allclose(gm(p, q), a + b, atol=1e-6)
    namespace: dict = {}
    exec(compile(export_python(TWO_WAY), "model.py", "exec"), namespace)
    net = namespace["Swap"]()
    net.load_state_dict(gm.state_dict())
    assert torch.allclose(net(p, q), gm(p, q), atol=1e-6)


NESTED = {
    "format": "netbuilder.graph/1", "name": "Nested",
    "blocks": {
        "Dense": {"params": {"width": {"kind": "int", "default": 8, "min": 1}},
                  "nodes": [{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear", "params": {"out_features": "$width"}},
                            {"id": "act", "type": "ReLU"}, {"id": "y", "type": "Output"}],
                  "edges": chain(("x", "fc"), ("fc", "act"), ("act", "y"))},
        "Tower": {"params": {"width": {"kind": "int", "default": 8, "min": 1}},
                  "nodes": [{"id": "x", "type": "Input"},
                            {"id": "inner", "type": "Block", "params": {"block": "Dense", "repeat": 2, "width": "$width"}},
                            {"id": "y", "type": "Output"}],
                  "edges": chain(("x", "inner"), ("inner", "y"))},
    },
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [6]}},
              {"id": "tower", "type": "Block", "params": {"block": "Tower", "width": 6}},
              {"id": "y", "type": "Output"}],
    "edges": chain(("x", "tower"), ("tower", "y")),
}


def test_blocks_inside_blocks_are_analysed_compiled_and_exported_by_path():
    result = validate(NESTED)
    assert result["ok"], result["errors"]
    assert result["params"] == 2 * (6 * 6 + 6)
    assert result["nodes"]["tower/1/inner/2/fc"]["shape"] == [6]
    gm = compile_graph(NESTED).eval()
    assert list(gm.state_dict()) == ["tower.0.inner.0.fc.weight", "tower.0.inner.0.fc.bias",
                                     "tower.0.inner.1.fc.weight", "tower.0.inner.1.fc.bias"]
    source = export_python(NESTED)
    assert "self.inner = nn.ModuleList([Dense(width=width), Dense(width=width)])" in source
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)
    net = namespace["Nested"]()
    net.load_state_dict(gm.state_dict())
    x = torch.randn(3, 6)
    assert torch.allclose(net(x), gm(x), atol=1e-6)


def with_changes(graph: dict, node: str | None = None, inner: str | None = None, **params) -> dict:
    """`graph` with `params` set on top-level `node`, or on node `inner` of the Residual block."""
    doc = copy.deepcopy(graph)
    if inner is not None:
        target = next(n for n in doc["blocks"]["Residual"]["nodes"] if n["id"] == inner)
    else:
        target = next(n for n in doc["nodes"] if n["id"] == node)
    target.setdefault("params", {}).update(params)
    return doc


@pytest.mark.parametrize(("graph", "node", "field", "words"), [
    (with_changes(TINY_RESNET, "stage1", block="Residul"), "stage1", "block",
     "unknown block 'Residul' (did you mean 'Residual'?)"),
    (with_changes(TINY_RESNET, "stage1", colour=3), "stage1", "colour", "block 'Residual' has no parameter 'colour' (it has channels)"),
    (with_changes(TINY_RESNET, "stage1", channels=0), "stage1", "channels", "channels must be at least 1"),
    (with_changes(TINY_RESNET, "stage1", repeat=0), "stage1", "repeat", "repeat must be a whole number from 1"),
    (with_changes(TINY_RESNET, inner="c2", out_channels="$width"), "stage1", "out_channels",
     "stage1/1/c2: '$width' is not a parameter of block 'Residual' (it has channels)"),
    (with_changes(TINY_RESNET, "stage1", channels=8), "stage1", None, "stage1/1/add:"),
])
def test_a_broken_use_names_the_block_node_and_the_inner_node_or_field(graph, node, field, words):
    result = validate(graph)
    assert not result["ok"]
    error = result["errors"][0]
    assert (error["node"], error.get("field")) == (node, field), error
    assert words in error["message"], error["message"]


def test_a_setting_that_does_nothing_inside_a_block_is_a_warning_on_the_block_node_naming_the_path():
    # A BatchNorm2d that keeps no running statistics: its momentum does nothing, in each use.
    result = validate(with_changes(TINY_RESNET, inner="b1", track_running_stats=False, momentum=0.3))
    assert result["ok"]
    message = "momentum only updates the running statistics; with track_running_stats false it does nothing"
    assert [(w["node"], w["path"], w["field"], w["message"]) for w in result["warnings"]] == [
        ("stage1", "stage1/1/b1", "momentum", f"stage1/1/b1: {message}"),
        ("stage2", "stage2/1/b1", "momentum", f"stage2/1/b1: {message}")]


def test_a_repeat_whose_copy_does_not_give_back_what_it_takes_is_named():
    graph = copy.deepcopy(NESTED)
    graph["blocks"]["Dense"]["params"]["width"]["default"] = 8
    graph["nodes"][1]["params"] = {"block": "Dense", "repeat": 2, "width": 4}  # 6 in, 4 out: can't chain
    error = validate(graph)["errors"][0]
    assert (error["node"], error["field"]) == ("tower", "repeat")
    assert error["message"] == ("repeat 2 chains each copy of 'Dense' into the next, so it must give back what it "
                                "takes: it takes (6) and gives (4)")


def test_a_block_that_uses_itself_names_the_chain():
    graph = copy.deepcopy(NESTED)
    graph["blocks"]["Dense"]["nodes"][1] = {"id": "fc", "type": "Block", "params": {"block": "Tower"}}
    errors = validate(graph)["errors"]
    assert any(e["node"] == "tower" and "block 'Tower' uses itself: Tower → Dense → Tower" in e["message"]
               for e in errors), errors


def test_a_block_fed_the_wrong_number_of_inputs_is_named():
    graph = copy.deepcopy(TWO_WAY)
    graph["edges"] = [e for e in graph["edges"] if not (e["target"] == "swap" and e.get("port") == 1)]
    errors = validate(graph)["errors"]
    assert any(e["node"] == "swap" and "block 'Swap' takes 2 inputs, got 1" in e["message"] for e in errors), errors


def test_a_graph_with_blocks_trains_and_its_model_py_loads_the_runs_weights_in_plain_pytorch(tmp_path):
    import importlib.util

    from builder.engine.executor import RunSpec, run

    graph = with_changes(TINY_RESNET, "fc", out_features=6)  # the six classes of `shapes`
    spec = RunSpec(run_id=1, graph=graph, dataset="shapes", dataset_options={"size": 120},
                   config={"epochs": 1, "batch_size": 30, "seed": 0}, out_dir=str(tmp_path / "out"),
                   checkpoint_dir=str(tmp_path / "out" / "checkpoints"), data_dir=str(tmp_path / "data"))
    messages: list[dict] = []
    final = run(spec, messages.append, stop=lambda: False, suspend=lambda: False)
    assert final["type"] == "finished", final["data"]
    assert {"pth", "model_py", "onnx"} <= set(final["data"]["files"]), final["data"]
    module = importlib.util.spec_from_file_location("model", tmp_path / "out" / "model.py")
    assert module is not None and module.loader is not None
    model_py = importlib.util.module_from_spec(module)
    module.loader.exec_module(model_py)
    assert "class Residual(nn.Module)" in (tmp_path / "out" / "model.py").read_text()
    net = model_py.TinyResNet().eval()
    net.load_state_dict(torch.load(tmp_path / "out" / "model.pth", weights_only=True))
    trained = compile_graph(graph).eval()
    trained.load_state_dict({k: v for k, v in torch.load(tmp_path / "out" / "model.pth", weights_only=True).items()})
    x = torch.rand(2, 3, 32, 32)
    assert torch.allclose(net(x), trained(x), atol=1e-5)


FLAT_RESIDUAL = {  # one residual unit written out, between a stem and a head
    "format": "netbuilder.graph/1", "name": "Flat",
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [8]}, "position": {"x": 0, "y": 0}},
              {"id": "fc1", "type": "Linear", "params": {"out_features": 8}, "position": {"x": 0, "y": 100}},
              {"id": "act", "type": "ReLU", "position": {"x": 0, "y": 200}},
              {"id": "add", "type": "Add", "position": {"x": 0, "y": 300}},
              {"id": "head", "type": "Linear", "params": {"out_features": 2}, "position": {"x": 0, "y": 400}},
              {"id": "y", "type": "Output"}],
    "edges": [*chain(("x", "fc1"), ("fc1", "act"), ("act", "add"), ("add", "head"), ("head", "y")),
              {"source": "x", "target": "add", "port": 1}],
}


def test_make_block_turns_a_selection_into_a_block_used_once_that_computes_the_same():
    from builder.engine.graph.blocks import make_block

    made = make_block(FLAT_RESIDUAL, ["fc1", "act", "add"], "Skip")
    assert [n["id"] for n in made["nodes"]] == ["x", "skip", "head", "y"]
    assert made["nodes"][1] == {"id": "skip", "type": "Block", "params": {"block": "Skip", "repeat": 1},
                                "position": {"x": 0, "y": 200}}
    block = made["blocks"]["Skip"]
    assert [n["id"] for n in block["nodes"]] == ["in0", "fc1", "act", "add", "out0"]
    result = validate(made)
    assert result["ok"], result["errors"]
    assert result["params"] == validate(FLAT_RESIDUAL)["params"]
    torch.manual_seed(0)
    flat = compile_graph(FLAT_RESIDUAL).eval()
    blocked = compile_graph(made).eval()
    blocked.load_state_dict({("skip.0." + k if k.startswith("fc1") else k): v for k, v in flat.state_dict().items()})
    x = torch.randn(3, 8)
    assert torch.allclose(blocked(x), flat(x), atol=1e-6)


def test_a_selection_that_feeds_itself_through_the_outside_or_holds_an_input_is_refused():
    from builder.engine.graph.blocks import BlockEditError, make_block

    with pytest.raises(BlockEditError) as e:
        make_block(FLAT_RESIDUAL, ["fc1", "add"], "Skip")  # act, outside, sits between them
    assert e.value.field == "nodes" and "feeds itself through 'act'" in e.value.message
    with pytest.raises(BlockEditError) as e:
        make_block(FLAT_RESIDUAL, ["x", "fc1"], "Skip")
    assert "'x' is an Input" in e.value.message
    with pytest.raises(BlockEditError) as e:
        make_block(FLAT_RESIDUAL, ["fc1"], "skip")
    assert e.value.field == "name"


def test_ungroup_writes_one_use_out_as_layers_and_keeps_the_block_while_others_use_it():
    from builder.engine.graph.blocks import ungroup

    out = ungroup(TINY_RESNET, "stage1")
    ids = [n["id"] for n in out["nodes"]]
    assert "stage1" not in ids and "stage1_2_c2" in ids and "stage2" in ids
    assert "Residual" in out["blocks"]  # stage2 still uses it
    assert validate(out)["params"] == validate(TINY_RESNET)["params"]
    both = ungroup(out, "stage2")
    assert "blocks" not in both or "Residual" not in both["blocks"]
    assert validate(both)["ok"] and not any(n["type"] == "Block" for n in both["nodes"])
