"""Expanding torchvision networks into catalog nodes, and exporting graphs that hold one."""

from __future__ import annotations

import importlib.util

import pytest
import torch
import torchvision

from builder.engine.graph import (
    GraphError,
    compile_graph,
    expand_node,
    expanded_key,
    export_python,
    torchvision_graph,
    validate,
)
from builder.engine.weights import apply_state_dict

from .conftest import backbone_graph


def test_an_expanded_resnet18_has_11689512_parameters_and_gives_torchvisions_outputs_with_its_state_dict():
    graph = torchvision_graph("resnet18", image_size=64)
    result = validate(graph)
    assert result["ok"], result["errors"]
    assert result["params"] == 11_689_512
    assert {n["type"] for n in graph["nodes"]} == {"Input", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Add",
                                                   "AdaptiveAvgPool2d", "Flatten", "Linear", "Output"}
    torch.manual_seed(0)
    reference = torchvision.models.resnet18().eval()
    model = compile_graph(graph).eval()
    report = apply_state_dict(model, reference.state_dict())  # layer1.0.conv1.weight → layer1_0_conv1.weight
    assert report["renamed"]["layer1.0.conv1.weight"] == "layer1_0_conv1.weight"
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x), rtol=1e-5, atol=1e-5)


def test_expanding_a_node_keeps_parameter_names_counts_training_settings_and_wiring(weights_dir):
    graph = backbone_graph(image=32, head="replace", num_classes=3, trainable=False)
    graph["nodes"][1]["lr_mult"] = 0.1
    expanded = expand_node(graph, "net")
    before, after = validate(graph), validate(expanded)
    assert after["ok"], after["errors"]
    assert (after["params"], after["trainable_params"]) == (before["params"], before["trainable_params"])
    nodes = {n["id"]: n for n in expanded["nodes"]}
    assert "net" not in nodes and nodes["net_layer1_0_conv1"]["trainable"] is False
    assert "trainable" not in nodes["net_fc"] and nodes["net_fc"]["lr_mult"] == 0.1  # the new head trains
    assert {"source": "net_fc", "target": "y"} in expanded["edges"]

    torch.manual_seed(0)
    original = compile_graph(graph).eval()
    copy = compile_graph(expanded).eval()
    state = {expanded_key("net", k.removeprefix("net.")): v for k, v in original.state_dict().items()}
    copy.load_state_dict(state)  # strict: every name maps 1:1
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(copy(x), original(x), rtol=1e-5, atol=1e-5)


def test_mobilenet_v3_expands_with_its_gates_as_hardsigmoid_and_multiply():
    graph = torchvision_graph("mobilenet_v3_small", num_classes=5, image_size=64)
    types = {n["type"] for n in graph["nodes"]}
    assert {"Hardsigmoid", "Multiply", "Hardswish"} <= types
    assert validate(graph)["output_shapes"] == [[5]]


@pytest.mark.parametrize(("arch", "what"), [("convnext_tiny", "free parameter 'features.0.1.weight'"),
                                            ("efficientnet_b0", "'stochastic_depth'")])
def test_architectures_with_operations_no_catalog_node_expresses_are_refused_naming_the_operation(arch, what):
    with pytest.raises(GraphError) as e:
        torchvision_graph(arch)
    message = e.value.errors[0]["message"]
    assert message.startswith(f"{arch} can't be expanded into catalog nodes: ") and what in message


def test_only_torchvision_nodes_expand(weights_dir):
    with pytest.raises(GraphError) as e:
        expand_node(backbone_graph(), "x")
    assert e.value.errors == [{"node": "x", "field": "type",
                               "message": "only TorchvisionModel nodes expand; 'x' is a Input"}]


def test_a_graph_with_a_torchvision_node_exports_to_torch_only_code_that_takes_the_graph_modules_weights(weights_dir):
    graph = backbone_graph(image=32, head="drop")
    source = export_python(graph)
    assert "torchvision" not in source and "self.net = nn.ModuleDict({" in source
    spec = importlib.util.spec_from_loader("exported", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, "model.py", "exec"), module.__dict__)  # the source under test, not user input
    torch.manual_seed(0)
    gm = compile_graph(graph).eval()
    net = module.FineTune().eval()
    net.load_state_dict(gm.state_dict())  # strict: the keys are torchvision's, under the node id
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(net(x), gm(x), rtol=1e-5, atol=1e-5)
