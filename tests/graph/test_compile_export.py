"""The GraphModule and the exported model.py: same keys, same outputs, readable, trainable, exportable."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from django.core.management import call_command
from graph_builders import chain, node, random_input

from builder.engine.graph import (
    GraphError,
    compile_graph,
    export_python,
    graph_io,
    list_templates,
    write_export,
)


def template(template_id: str) -> dict:
    return next(t["graph"] for t in list_templates() if t["id"] == template_id)


def sample_inputs(graph: dict) -> list[torch.Tensor]:
    return [random_input(i["shape"], i["dtype"]) for i in graph_io(graph)["inputs"]]


def load_class(path: Path, name: str) -> type[torch.nn.Module]:
    spec = importlib.util.spec_from_file_location(f"exported_{path.parent.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


TWO_IN_TWO_OUT = chain(
    node("image", "Input", shape=[3, 8, 8]), node("extra", "Input", shape=[4]),
    node("features", "Conv2d", out_channels=4, kernel_size=3), node("pool", "AdaptiveAvgPool2d", output_size=1),
    node("flat", "Flatten"), node("joined", "Concat"), node("parts", "Split", sizes=[5, 3]),
    node("first", "Output"), node("second", "Output"), name="two heads",
    edges=[{"source": "extra", "target": "joined", "port": 1},
           {"source": "parts", "target": "second", "source_port": 1}])
TWO_IN_TWO_OUT["edges"] = [e for e in TWO_IN_TWO_OUT["edges"]
                           if (e["source"], e["target"]) not in {("image", "extra"), ("extra", "features"),
                                                                 ("first", "second")}]
TWO_IN_TWO_OUT["edges"].append({"source": "image", "target": "features"})


@pytest.mark.parametrize("graph", [template("cifar_cnn"), template("resnet_small"), template("lstm_text"),
                                   template("transformer_encoder"), TWO_IN_TWO_OUT],
                         ids=["cifar_cnn", "resnet_small", "lstm_text", "transformer_encoder", "two_in_two_out"])
def test_weights_saved_from_the_graph_module_load_into_the_exported_class_with_equal_outputs(graph, tmp_path):
    gm = compile_graph(graph).eval()
    model_py, model_pth, graph_json = write_export(graph, tmp_path, gm.state_dict())
    net = load_class(model_py, type(gm).__name__)()
    net.load_state_dict(torch.load(model_pth))
    net.eval()
    assert list(net.state_dict()) == list(gm.state_dict())
    assert json.loads(graph_json.read_text()) == graph
    inputs = sample_inputs(graph)
    with torch.no_grad():
        torch.testing.assert_close(net(*inputs), gm(*inputs))


def test_exported_model_imports_only_torch_and_has_one_forward_line_per_node():
    source = export_python(template("resnet_small"))
    tree = ast.parse(source)
    imported = {alias.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                for alias in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])}
    assert imported == {"torch"}
    network = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ResNetSmall")
    forward = next(n for n in network.body if isinstance(n, ast.FunctionDef) and n.name == "forward")
    layer_nodes = [n["id"] for n in template("resnet_small")["nodes"] if n["type"] not in ("Input", "Output")]
    assert [stmt.targets[0].id for stmt in forward.body[:-1]] == layer_nodes
    assert layer_nodes == ["stem", "stem_bn", "stem_relu", "stage1", "stage2", "pool", "flatten", "fc"]
    # Its basic blocks are blocks: a class each, whose forward has a line per inner node.
    assert "        stage1 = self.stage1[0](stem_relu)  # (B, 16, 32, 32)" in source.splitlines()
    assert "        add = bn2 + x" in source.splitlines()
    assert "        add = bn2 + down_bn" in source.splitlines()


def test_several_inputs_and_outputs_keep_the_order_of_the_nodes():
    gm = compile_graph(TWO_IN_TWO_OUT)
    assert type(gm).__name__ == "TwoHeads" and gm.meta["graph_name"] == "two heads"
    assert [n.name for n in gm.graph.nodes if n.op == "placeholder"] == ["image", "extra"]
    first, second = gm(torch.randn(2, 3, 8, 8), torch.randn(2, 4))
    assert (first.shape, second.shape) == ((2, 5), (2, 3))
    assert graph_io(TWO_IN_TWO_OUT) == {
        "inputs": [{"node": "image", "shape": [3, 8, 8], "dtype": "float32"},
                   {"node": "extra", "shape": [4], "dtype": "float32"}],
        "outputs": [{"node": "first", "shape": [5]}, {"node": "second", "shape": [3]}]}
    assert "return parts[0], parts[1]" in export_python(TWO_IN_TWO_OUT)


def test_submodules_are_named_after_node_ids():
    gm = compile_graph(template("mlp"))
    assert [name for name, _ in gm.named_children()] == ["fc1", "act", "fc2"]
    assert "fc1 = self.fc1(x)" in gm.code


def test_the_compiled_mlp_trains():
    torch.manual_seed(0)
    gm = compile_graph(template("mlp"))
    x, y = torch.randn(32, 784), torch.randint(0, 10, (32,))
    optimizer = torch.optim.SGD(gm.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        loss = torch.nn.functional.cross_entropy(gm(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated", "ignore:The TorchScript type system",
                            "ignore:The tensor attributes")
@pytest.mark.parametrize("template_id", ["resnet_small"])
def test_compiled_graphs_script_and_torch_export(template_id):
    graph = template(template_id)
    gm = compile_graph(graph).eval()
    inputs = tuple(sample_inputs(graph))
    scripted = torch.jit.script(gm)
    exported = torch.export.export(gm, inputs)
    with torch.no_grad():
        torch.testing.assert_close(scripted(*inputs), gm(*inputs))
        torch.testing.assert_close(exported.module()(*inputs), gm(*inputs))


def test_export_of_a_broken_graph_raises_graph_error():
    with pytest.raises(GraphError) as caught:
        export_python(chain(node("x", "Input", shape=[4]), node("fc", "Linear"), node("y", "Output")))
    assert caught.value.errors == [{"node": "fc", "field": "out_features", "message": "Linear needs out_features"}]


def test_graph_check_prints_json_and_exits_0_when_ok(tmp_path, capsys):
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps(template("mlp")))
    call_command("graph", "check", str(path))
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["params"], result["output_shapes"], result["nodes"]["fc1"]["shape"]) == (
        True, 101_770, [[10]], [128])


def test_graph_check_exits_1_with_the_errors(tmp_path, capsys):
    graph = template("mlp")
    graph["nodes"][1]["params"]["in_features"] = 3136
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(graph))
    with pytest.raises(SystemExit) as exited:
        call_command("graph", "check", str(path))
    assert exited.value.code == 1
    assert json.loads(capsys.readouterr().out)["errors"] == [
        {"node": "fc1", "field": "in_features", "message": "Linear expects in_features 3136, got 784 (input shape [784])"}]


def test_graph_export_writes_a_model_that_loads_in_plain_python(tmp_path):
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps(template("mlp")))
    call_command("graph", "export", str(path), "--out", str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["graph.json", "model.pth", "model.py"]
    code = ("import sys; sys.path.insert(0, '.'); import torch; from model import MyNetwork; net = MyNetwork(); "
            "net.load_state_dict(torch.load('model.pth')); print(net(torch.zeros(1, 784)).shape)")
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path / "out", capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "torch.Size([1, 10])"
