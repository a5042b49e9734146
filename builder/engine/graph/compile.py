"""Compile a checked graph into a ``torch.fx.GraphModule`` whose submodules are named after node ids."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import torch
import torch.fx
from torch import nn

from .analysis import Analysis, analyse, hands_tuple
from .blocks import BLOCK
from .catalog import Held
from .errors import GraphError, NodeError
from .initialise import initialise, module_init_calls
from .pretrained import head_prefix

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "*": operator.mul}


def class_name(name: str) -> str:
    """The graph's name as a Python class name: kept when it is one, else CamelCased ("my net" → "MyNet")."""
    if name.isidentifier() and not name.startswith("_"):
        return name
    words = re.findall(r"[A-Za-z0-9]+", name)
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    if not camel:
        return "Network"
    return camel if camel[0].isalpha() else "Net" + camel


def checked(graph: Any) -> Analysis:
    """The analysis of a graph with no errors, or GraphError with all of them."""
    analysis = analyse(graph)
    if analysis.errors:
        raise GraphError(analysis.errors)
    return analysis


class _FxEmitter:
    """Writes one graph node's forward computation as torch.fx nodes (see ``catalog.Emitter``).

    Every fx node it writes carries ``meta["netbuilder_origin"]``, (graph node id, layer type): how a
    run-time error is traced back to its graph node. ``meta["netbuilder_node"]`` marks only the fx node
    that holds the graph node's value.
    """

    def __init__(self, graph: torch.fx.Graph, node_id: str, layer: str, owner: str | None = None):
        self.graph = graph
        self.node_id = node_id
        self.layer = layer
        self.owner = owner or node_id  # the node whose module it calls (another one when it shares it)

    def _node(self, op: str, target: Any, args: tuple, kwargs: dict | None = None) -> torch.fx.Node:
        node = self.graph.create_node(op, target, args, kwargs, name=self.node_id)
        node.meta["netbuilder_origin"] = (self.node_id, self.layer)
        return node

    def module(self, *args: Any, **kwargs: Any) -> torch.fx.Node:
        return self._node("call_module", self.owner, args, kwargs)

    def item(self, value: torch.fx.Node, index: int) -> torch.fx.Node:
        return self._node("call_function", operator.getitem, (value, index))

    def method(self, value: torch.fx.Node, name: str, *args: Any, **kwargs: Any) -> torch.fx.Node:
        return self._node("call_method", name, (value, *args), kwargs)

    def call(self, fn: Callable, *args: Any, **kwargs: Any) -> torch.fx.Node:
        return self._node("call_function", fn, args, kwargs)

    def op(self, symbol: str, left: torch.fx.Node, right: torch.fx.Node) -> torch.fx.Node:
        return self._node("call_function", _OPERATORS[symbol], (left, right))

    def tensor(self) -> torch.fx.Node:
        return self._node("get_attr", self.node_id, ())

    def bind(self, value: torch.fx.Node, name: str) -> torch.fx.Node:
        return value  # an fx node is computed once however often it is used

    def training(self) -> torch.fx.Node:
        return self._node("get_attr", "training", ())


def build(analysis: Analysis) -> torch.fx.GraphModule:
    """The GraphModule of an analysis without errors."""
    structure = analysis.structure
    assert structure is not None and not analysis.errors
    root = nn.Module()
    graph = torch.fx.Graph()
    values: dict[str, Any] = {}
    for node_id in structure.input_nodes:  # forward()'s arguments, in the order of the document's nodes
        values[node_id] = graph.placeholder(node_id, type_expr=torch.Tensor)
    for node_id in structure.order:
        info = analysis.nodes[node_id]
        if info.layer.type in ("Input", "Output"):
            continue
        if info.layer.type == BLOCK:
            args = [_pick(graph, values, analysis, source, port) for source, port in structure.inputs[node_id]]
            values[node_id] = _block(root, graph, analysis, node_id, args)
            continue
        owner = structure.nodes[node_id].share
        if info.layer.has_module and owner is None:
            try:
                module = info.layer.build(info.params)
            except NodeError as e:  # e.g. a pretrained weights file that can't be read
                raise GraphError([e.at(node_id)]) from e
            initialise(module, module_init_calls(info.layer, info.params, module))
            root.add_module(node_id, module)
        if info.layer.holds is not None:
            _hold(root, node_id, info.layer.holds(info.params))
        args = [_pick(graph, values, analysis, source, port) for source, port in structure.inputs[node_id]]
        emit = _FxEmitter(graph, node_id, info.layer.type, owner)
        values[node_id] = info.layer.forward(emit, info.params, args)
        if isinstance(values[node_id], tuple):  # several results (a recurrent layer's output and h_n): one fx node
            values[node_id] = emit.call(tuple, list(values[node_id]))
        if isinstance(values[node_id], torch.fx.Node):
            values[node_id].meta["netbuilder_node"] = node_id
    for node_id, node in structure.nodes.items():
        if node.tie is not None:  # a tied head: the Linear's weight is the Embedding's, [vocabulary, features]
            getattr(root, node_id).weight = getattr(root, node.tie).weight
    results = [_pick(graph, values, analysis, *structure.inputs[n][0]) for n in structure.output_nodes]
    graph.output(results[0] if len(results) == 1 else tuple(results))
    graph.lint()
    gm = torch.fx.GraphModule(root, graph, class_name=class_name(structure.doc.name))
    gm.meta["graph_name"] = structure.doc.name
    io = io_of(analysis)  # forward()'s signature, for whoever exports it (ONNX names its inputs and outputs so)
    gm.meta["inputs"], gm.meta["outputs"] = io["inputs"], io["outputs"]
    gm.meta["onnx_refusals"] = onnx_refusals(analysis)
    _fine_tuning(gm, analysis)
    return gm


def _hold(root: nn.Module, node_id: str, held: Held) -> None:
    """A Parameter node's learned tensor (initialised), or a Constant's buffer, as ``root.<node id>``."""
    if held.kind == "buffer":
        root.register_buffer(node_id, torch.tensor(held.value, dtype=getattr(torch, held.dtype)))
        return
    tensor = nn.Parameter(torch.empty(held.shape))
    initialise(tensor, list(held.init_calls))
    root.register_parameter(node_id, tensor)


def onnx_refusals(analysis: Analysis, prefix: str = "") -> list[str]:
    """Why nodes (inside blocks too, by path) can't be exported to ONNX, each naming the node and its layer."""
    assert analysis.structure is not None
    out = []
    for node_id, info in analysis.nodes.items():
        for k, copy in enumerate(analysis.blocks.get(node_id, []), start=1):
            out += onnx_refusals(copy, f"{prefix}{node_id}/{k}/")
        why = info.layer.onnx_refusal(info.params)
        if why is not None:
            out.append(f"node '{prefix}{node_id}' ({info.layer.type}) uses {why}")
    return out


def node_layers(gm: torch.fx.GraphModule) -> dict[str, str]:
    """Graph node id -> layer type for the nodes whose output an fx node holds, in graph order."""
    return {n.meta["netbuilder_node"]: n.meta["netbuilder_origin"][1] for n in gm.graph.nodes
            if "netbuilder_node" in n.meta and "netbuilder_origin" in n.meta}


def _fine_tuning(gm: torch.fx.GraphModule, analysis: Analysis) -> None:
    """Apply the nodes' ``trainable`` and ``lr_mult``: what the training engine reads (docs/training.md).

    A frozen node's parameters get ``requires_grad=False`` (a replaced pretrained head stays trainable:
    it is new); ``gm.meta["frozen"]`` lists frozen node ids, whose BatchNorm layers the engine keeps in
    eval mode, and ``gm.meta["lr_mult"]`` maps node ids to learning-rate multipliers other than 1.
    """
    assert analysis.structure is not None
    frozen, mults = [], {}
    for node_id, node in analysis.structure.nodes.items():
        if node.share is not None:
            continue  # its module is its owner's, which carries these settings (validate checks they agree)
        if node.lr_mult != 1:
            mults[node_id] = float(node.lr_mult)
        if node.trainable or not hasattr(gm, node_id):
            continue
        frozen.append(node_id)
        info = analysis.nodes[node_id]
        fresh = info.layer.type == "TorchvisionModel" and head_prefix(info.params)
        held = getattr(gm, node_id)
        if isinstance(held, torch.Tensor):  # a Parameter node's own tensor
            held.requires_grad_(False)
            continue
        for name, param in held.named_parameters():
            if not (fresh and name.startswith(fresh)):
                param.requires_grad_(False)
    gm.meta["frozen"] = frozen
    gm.meta["lr_mult"] = mults


def _block(root: nn.Module, graph: torch.fx.Graph, analysis: Analysis, node_id: str, args: list[Any]) -> Any:
    """A Block node: its copies built as GraphModules named after the block, held in an ``nn.ModuleList``
    (keys ``<node>.<copy>.<inner node>...``) and called one after another, each on the last one's outputs."""
    copies = analysis.blocks[node_id]
    root.add_module(node_id, nn.ModuleList([build(copy) for copy in copies]))
    emit = _FxEmitter(graph, node_id, BLOCK)
    outputs = len(analysis.nodes[node_id].outputs)
    value: Any = None
    for k in range(len(copies)):
        value = emit._node("call_module", f"{node_id}.{k}", tuple(args))
        args = [value] if outputs == 1 else [emit.item(value, i) for i in range(outputs)]
    value.meta["netbuilder_node"] = node_id
    return value


def _pick(graph: torch.fx.Graph, values: dict[str, Any], analysis: Analysis, source: str, port: int) -> Any:
    """Output ``port`` of ``source``: a node with a variable number of outputs (Split) hands on a tuple."""
    if not hands_tuple(analysis.nodes[source]):
        return values[source]
    return graph.call_function(operator.getitem, (values[source], port))


def compile_graph(graph: Any) -> torch.fx.GraphModule:
    """Build the ``nn.Module`` a graph describes, as a GraphModule with one submodule per layer node.

    The class is named after the graph (``gm.__class__.__name__``, raw name in ``gm.meta["graph_name"]``);
    submodules and state-dict keys are named after node ids, exactly as in :func:`export_python`'s class.

    >>> gm = compile_graph({"format": "netbuilder.graph/1", "name": "MyNetwork",
    ...     "nodes": [{"id": "x", "type": "Input", "params": {"shape": [784]}},
    ...               {"id": "fc1", "type": "Linear", "params": {"out_features": 10}},
    ...               {"id": "y", "type": "Output"}],
    ...     "edges": [{"source": "x", "target": "fc1"}, {"source": "fc1", "target": "y"}]})
    >>> type(gm).__name__, gm(torch.zeros(2, 784)).shape, list(gm.state_dict())
    ('MyNetwork', torch.Size([2, 10]), ['fc1.weight', 'fc1.bias'])
    >>> gm.meta["inputs"], gm.meta["outputs"]  # forward()'s tensors per sample, as graph_io gives them
    ([{'node': 'x', 'shape': [784], 'dtype': 'float32'}], [{'node': 'y', 'shape': [10]}])

    Raises:
        GraphError: with every error of the graph, each naming its node.
    """
    return build(checked(graph))


def graph_io(graph: Any) -> dict[str, list[dict[str, Any]]]:
    """The tensors forward() takes and returns, per sample, in order: what a dataset must match.

    >>> graph_io({"format": "netbuilder.graph/1", "nodes": [
    ...     {"id": "x", "type": "Input", "params": {"shape": [2]}}, {"id": "y", "type": "Output"}],
    ...     "edges": [{"source": "x", "target": "y"}]})
    {'inputs': [{'node': 'x', 'shape': [2], 'dtype': 'float32'}], 'outputs': [{'node': 'y', 'shape': [2]}]}

    Raises:
        GraphError: with every error of the graph.
    """
    return io_of(checked(graph))


def io_of(analysis: Analysis) -> dict[str, list[dict[str, Any]]]:
    """`graph_io` of an analysis without errors."""
    assert analysis.structure is not None
    inputs = [{"node": n, "shape": list(analysis.nodes[n].outputs[0].shape), "dtype": analysis.nodes[n].outputs[0].dtype}
              for n in analysis.structure.input_nodes]
    outputs = [{"node": n, "shape": list(analysis.nodes[n].outputs[0].shape)} for n in analysis.structure.output_nodes]
    return {"inputs": inputs, "outputs": outputs}
