"""Small helpers to write netbuilder.graph/1 documents in tests."""

from __future__ import annotations

from typing import Any

import torch
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

FORMAT = "netbuilder.graph/1"


def node(node_id: str, node_type: str, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "params": params}


def chain(*nodes: dict[str, Any], name: str = "Net", edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A graph whose nodes feed each other in order, plus any extra edges."""
    links = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"format": FORMAT, "name": name, "nodes": list(nodes), "edges": links + (edges or [])}


def layer_graph(node_type: str, input_shape: list[int], dtype: str = "float32", **params: Any) -> dict[str, Any]:
    """Input → one layer → Output."""
    return chain(node("x", "Input", shape=input_shape, dtype=dtype), node("layer", node_type, **params), node("y", "Output"))


def resnet18_graph(image: int = 224, classes: int = 1000) -> dict[str, Any]:
    """torchvision's resnet18 from Conv2d/BatchNorm2d/ReLU/Add; node ids are its module paths with _ for ."""
    nodes = [node("x", "Input", shape=[3, image, image]),
             node("conv1", "Conv2d", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False),
             node("bn1", "BatchNorm2d"), node("relu", "ReLU"), node("maxpool", "MaxPool2d", kernel_size=3, stride=2, padding=1)]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    last = "maxpool"
    for stage, channels in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            p = f"layer{stage}_{block}_"
            stride = 2 if stage > 1 and block == 0 else 1
            body = [node(p + "conv1", "Conv2d", out_channels=channels, kernel_size=3, stride=stride, padding=1, bias=False),
                    node(p + "bn1", "BatchNorm2d"), node(p + "relu1", "ReLU"),
                    node(p + "conv2", "Conv2d", out_channels=channels, kernel_size=3, padding=1, bias=False),
                    node(p + "bn2", "BatchNorm2d"), node(p + "add", "Add"), node(p + "relu2", "ReLU")]
            nodes += body
            edges += [{"source": last, "target": body[0]["id"]}]
            edges += [{"source": a["id"], "target": b["id"]} for a, b in zip(body, body[1:], strict=False)]
            shortcut = last
            if stride != 1:
                nodes += [node(p + "downsample_0", "Conv2d", out_channels=channels, kernel_size=1, stride=2, bias=False),
                          node(p + "downsample_1", "BatchNorm2d")]
                edges += [{"source": last, "target": p + "downsample_0"},
                          {"source": p + "downsample_0", "target": p + "downsample_1"}]
                shortcut = p + "downsample_1"
            edges.append({"source": shortcut, "target": p + "add", "port": 1})
            last = p + "relu2"
    nodes += [node("avgpool", "AdaptiveAvgPool2d", output_size=1), node("flatten", "Flatten"),
              node("fc", "Linear", out_features=classes), node("y", "Output")]
    edges += [{"source": last, "target": "avgpool"}, {"source": "avgpool", "target": "flatten"},
              {"source": "flatten", "target": "fc"}, {"source": "fc", "target": "y"}]
    return {"format": FORMAT, "name": "ResNet18", "nodes": nodes, "edges": edges}


def random_input(shape: list[int], dtype: str) -> torch.Tensor:
    if dtype == "int64":
        return torch.randint(0, 10, (2, *shape))
    return torch.randn(2, *shape)


def real_shapes(gm: torch.fx.GraphModule, *inputs: torch.Tensor) -> dict[str, list[list[int]]]:
    """Per graph node, the shapes (without batch) its compiled computation produced on a real batch."""
    ShapeProp(gm).propagate(*inputs)
    shapes = {}
    for n in gm.graph.nodes:
        if "netbuilder_node" in n.meta:
            meta = n.meta["tensor_meta"]
            shapes[n.meta["netbuilder_node"]] = [list(m.shape[1:]) for m in ([meta] if isinstance(meta, TensorMetadata) else meta)]
    return shapes
