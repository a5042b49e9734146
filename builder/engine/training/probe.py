"""Probe a graph: run one dataset sample through it and see every node's output.

The compiled GraphModule is run node by node with torch.fx's ``Interpreter``; the fx node that holds a
graph node's value (``meta["netbuilder_node"]``, set by the compiler) gives that node's output. Each
output is described by its shape, its statistics and a small preview::

    >>> from builder.engine.training import load_dataset
    >>> graph = {"format": "netbuilder.graph/1", "nodes": [
    ...     {"id": "x", "type": "Input", "params": {"shape": [2]}},
    ...     {"id": "fc", "type": "Linear", "params": {"out_features": 3}}, {"id": "y", "type": "Output"}],
    ...     "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}]}
    >>> found = probe_graph(graph, load_dataset("moons"), sample=0)
    >>> found["nodes"]["fc"]["shape"], found["nodes"]["fc"]["preview"]["kind"]
    ([3], 'values')
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
import torch.nn.functional as F

from builder.engine.graph.compile import build, checked, io_of
from builder.engine.weights import apply_state_dict

from .datasets import Dataset
from .errors import RunPlanError

VALUES_MAX = 64  # a vector of at most this many values is shown whole
PICTURE_MAX = 32  # a 2-D output (or each channel of a 3-D one) is shown at most PICTURE_MAX × PICTURE_MAX
CHANNELS_MAX = 16  # the channels of a 3-D output that are shown


class NodeRecorder(torch.fx.Interpreter):
    """Runs a GraphModule node by node and keeps the value of every graph node (and of the Inputs).

    With `inside_blocks`, the first copy of each Block node is run node by node too, its nodes' values
    kept under their validation paths (``stage1/1/c1``, blocks inside blocks ``stage1/1/inner/1/c1``): what
    a block's canvas shows (its first use's first copy, or any use's, by its prefix)."""

    def __init__(self, module: torch.fx.GraphModule, *, inside_blocks: bool = False, prefix: str = "",
                 values: dict[str, Any] | None = None) -> None:
        super().__init__(module)
        self.inside_blocks, self.prefix = inside_blocks, prefix
        self.values: dict[str, Any] = {} if values is None else values

    def run_node(self, n: torch.fx.Node) -> Any:
        value = super().run_node(n)
        if n.op == "placeholder":
            self.values[self.prefix + str(n.target)] = value
        elif "netbuilder_node" in n.meta:
            self.values[self.prefix + n.meta["netbuilder_node"]] = value
        return value

    def call_module(self, target: Any, args: Any, kwargs: Any) -> Any:
        node_id, _, copy = str(target).rpartition(".")
        block = self.fetch_attr(target)
        # A Block node's first copy: `<node>.0`, a GraphModule built from the block (compile._block).
        if not (self.inside_blocks and copy == "0" and isinstance(block, torch.fx.GraphModule) and "outputs" in block.meta):
            return super().call_module(target, args, kwargs)
        at = f"{self.prefix}{node_id}/1/"
        value = NodeRecorder(block, inside_blocks=True, prefix=at, values=self.values).run(*args, **kwargs)
        outputs = block.meta["outputs"]  # its Output nodes show what flows into them, as on the top graph
        for out, result in zip(outputs, value if len(outputs) > 1 else (value,), strict=True):
            self.values[at + out["node"]] = result
        return value


def probe_graph(graph: Any, dataset: Dataset, *, sample: int,
                state_dict: dict[str, torch.Tensor] | None = None) -> dict[str, Any]:
    """Every node's output for sample `sample` of `dataset`: ``{"sample": {"index", "label"},
    "nodes": {node_id: {"shape", "mean", "std", "min", "max", "preview"}}}``; the nodes inside the first
    copy of each Block node are there too, by path (``stage1/1/c1``).

    The model is freshly initialised (seed 0) unless `state_dict` (a trained run's weights) is given; it
    runs in eval mode without gradients. Raises GraphError (the graph's errors), RunPlanError naming the
    Input that doesn't fit the dataset, or the field `sample` when the index is out of range, and
    WeightsError when `state_dict` doesn't fit the graph.
    """
    analysis = checked(graph)
    inputs = io_of(analysis)["inputs"]
    if len(inputs) != 1:
        raise RunPlanError(f"A probe feeds one Input; this graph has {len(inputs)}")
    want, got = list(dataset.input_shape), inputs[0]["shape"]
    if want != got:
        raise RunPlanError(f"The dataset '{dataset.name}' gives inputs of shape {want}, but Input "
                           f"'{inputs[0]['node']}' expects {got}", node=inputs[0]["node"], field="shape",
                           at_node=f"dataset gives {want}")
    if inputs[0]["dtype"] != dataset.dtype:
        raise RunPlanError(f"The dataset '{dataset.name}' gives {dataset.dtype} inputs, but Input "
                           f"'{inputs[0]['node']}' has dtype {inputs[0]['dtype']}", node=inputs[0]["node"],
                           field="dtype", at_node=f"dataset gives {dataset.dtype}; set dtype to {dataset.dtype}")
    count = dataset.x.shape[0]
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample < count:
        raise RunPlanError(f"sample must be an index from 0 to {count - 1}, got {sample!r}", field="sample")
    torch.manual_seed(0)
    model = build(analysis)
    if state_dict is not None:
        apply_state_dict(model, state_dict)  # by the weights' rules: its data scaling is the dataset's here
    model.eval()
    recorder = NodeRecorder(model, inside_blocks=True)
    with torch.no_grad():
        recorder.run(dataset.x[sample:sample + 1])
    structure = analysis.structure
    assert structure is not None
    for out in structure.output_nodes:  # an Output shows what flows into it
        source, port = structure.inputs[out][0]
        value = recorder.values.get(source)
        recorder.values[out] = value[port] if isinstance(value, tuple | list) else value
    label = dataset.y[sample]  # a class, a class per position, or target values
    return {
        "sample": {"index": sample, "label": int(label) if label.dim() == 0 else label.tolist()},
        "nodes": {node: describe_output(value) for node, value in recorder.values.items() if value is not None},
    }


def describe_output(value: Any) -> dict[str, Any]:
    """One node's output for one sample (the batch dimension dropped): shape, statistics, preview.
    A node with several outputs (Split) is described part by part."""
    if isinstance(value, tuple | list):
        return {"parts": [describe_output(v) for v in value]}
    if not isinstance(value, torch.Tensor):
        return {"shape": [], "preview": {"kind": "none"}}
    t = value.detach()[0].float()  # one sample
    out: dict[str, Any] = {"shape": list(t.shape)}
    if t.numel():
        finite = t[torch.isfinite(t)]
        stats = finite if finite.numel() else t
        out.update(mean=float(stats.mean()), std=float(stats.std(unbiased=False)), min=float(stats.min()),
                   max=float(stats.max()))
    out["preview"] = _preview(t)
    return out


def _preview(t: torch.Tensor) -> dict[str, Any]:
    if t.dim() <= 1 or (t.dim() == 2 and t.shape[0] == 1) or t.numel() <= VALUES_MAX:
        flat = t.flatten()
        preview: dict[str, Any] = {"kind": "values", "values": [round(v, 5) for v in flat[:VALUES_MAX].tolist()]}
        if flat.numel() > VALUES_MAX:
            preview["truncated"] = True
        return preview
    if t.dim() == 2:  # (H, W) or (sequence, features): one heatmap
        return {"kind": "heatmap", **picture(t)}
    channels = t.reshape(-1, *t.shape[-2:])  # (C, H, W); more leading dimensions are folded into C
    shown = channels[:CHANNELS_MAX]
    return {"kind": "channels", "channels": [picture(c) for c in shown], "of": int(channels.shape[0])}


def picture(t: torch.Tensor, *, side: int = PICTURE_MAX) -> dict[str, Any]:
    """A 2-D tensor pooled down to at most `side` on a side, with its size and range."""
    h, w = t.shape
    size = (min(h, side), min(w, side))
    pooled = F.adaptive_avg_pool2d(t[None, None], size)[0, 0] if (h, w) != size else t
    return {"size": list(size), "range": [float(pooled.min()), float(pooled.max())], "values": rounded(pooled)}


def rounded(t: torch.Tensor, digits: int = 4) -> list:
    """`t` as (nested) lists of floats rounded to `digits` decimals: short JSON, 0.1234 not 0.12340000271."""
    scale = 10.0 ** digits
    return (t.detach().double() * scale).round().div(scale).tolist()


def received_by(model: torch.nn.Module, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """What `model` receives when `net`, the module a training step calls, is called on `batch`: `net`
    may resize and normalise images before `model` (builder.engine.training.augment)."""
    if net is model:
        return batch
    seen: list[torch.Tensor] = []
    hook = model.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach()))
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(batch)
    finally:
        hook.remove()
        net.train(was_training)
    return seen[0]
