"""Expand a torchvision network into catalog nodes, by tracing it with torch.fx.

:func:`torchvision_graph` turns a whole architecture into an editable ``netbuilder.graph/1`` document;
:func:`expand_node` replaces a ``TorchvisionModel`` node of a graph with the same layers, in place.
The result holds only catalog types: each traced module becomes the node of its class (``Conv2d``,
``BatchNorm2d``, ``Hardsigmoid``, ...), with its constructor arguments read back from the module, and
``+``, ``*``, ``torch.flatten``, ``adaptive_avg_pool2d``, ``torch.cat``, ``x.mean`` and
``x.permute`` become ``Add``, ``Multiply``, ``Flatten``, ``AdaptiveAvgPool2d``, ``Concat``, ``Mean``
and ``Permute``. What has no catalog node (a free parameter such as ViT's class token, ConvNeXt's
layer scale, EfficientNet's stochastic depth) is refused with a :class:`GraphError` naming it.

Key mapping: a node's id is its torchvision module path with ``_`` for ``.``, behind the expanded
node's id. So torchvision's ``layer1.0.conv1.weight`` is ``layer1_0_conv1.weight`` in
:func:`torchvision_graph`'s graph, and a TorchvisionModel node ``net``'s ``net.layer1.0.conv1.weight``
becomes ``net_layer1_0_conv1.weight`` once expanded (:func:`expanded_key`). Parameter names and
counts are unchanged; ``builder.engine.weights.match_state_dict`` applies the mapping by itself.

    >>> graph = torchvision_graph("resnet18", image_size=64)
    >>> [n["id"] for n in graph["nodes"][:4]], graph["nodes"][1]["params"]["out_channels"]
    (['x', 'conv1', 'bn1', 'relu'], 64)
"""

from __future__ import annotations

import copy
import functools
import operator
import re
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from .analysis import analyse
from .catalog import LAYERS, Layer
from .errors import GraphError, node_error
from .format import FORMAT, _id_problem
from .pretrained import ARCHS

_ADD = (operator.add, operator.iadd, torch.add)
_MUL = (operator.mul, operator.imul, torch.mul)
_INPLACE = re.compile(r",? ?inplace=(True|False)")


@dataclass
class Expansion:
    """Catalog nodes and edges traced from one network, and where each node came from."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)  # node id → torchvision module path (layer nodes only)
    output: tuple[str, int] = ("", 0)  # (node id, port) that gives the network's result


def expanded_key(node_id: str, key: str) -> str:
    """The state-dict key ``<node_id>.<torchvision key>`` takes once ``node_id`` is expanded.

    >>> expanded_key("net", "layer1.0.conv1.weight")
    'net_layer1_0_conv1.weight'
    """
    path, _, name = key.rpartition(".")
    return f"{node_id}_{path.replace('.', '_')}.{name}" if path else f"{node_id}.{name}"


def torchvision_graph(arch: str, num_classes: int | None = None, *, image_size: int = 224) -> dict[str, Any]:
    """The whole of a torchvision architecture as an editable graph; ``num_classes`` replaces its head.

    Raises:
        GraphError: the architecture is unknown, or uses an operation no catalog node expresses.
    """
    if arch not in ARCHS:
        raise GraphError([node_error(None, f"unknown architecture {arch!r}; choose one of {', '.join(ARCHS)}")])
    p = {"arch": arch, "weights": "none", "head": "replace" if num_classes else "keep", "num_classes": num_classes}
    x = {"id": "x", "type": "Input", "params": {"shape": [3, image_size, image_size]}}
    expansion = _trace(p, prefix="", source=("x", 0), taken={"x", "y"}, where=None)
    y = {"id": "y", "type": "Output"}
    source, port = expansion.output
    edges = [*expansion.edges, _edge(source, port, "y", 0)]
    graph = {"format": FORMAT, "name": arch, "nodes": [x, *expansion.nodes, y], "edges": edges}
    _require_valid(graph, None)
    return graph


@functools.cache
def expand_problem(arch: str) -> str | None:
    """Why ``arch`` can't be expanded into catalog nodes, or None when it can (traced once, then cached)."""
    try:
        torchvision_graph(arch, image_size=224)
    except GraphError as e:
        return e.errors[0]["message"]
    return None


def expand_node(graph: dict[str, Any], node_id: str) -> dict[str, Any]:
    """A copy of ``graph`` with the TorchvisionModel node ``node_id`` replaced by its layers.

    The new nodes take ids ``<node_id>_<module path>`` and the node's ``trainable`` and ``lr_mult``
    (a replaced head stays trainable); its ``weights`` setting does not carry over: load the weights
    into the expanded graph as a state dict (see :func:`expanded_key`).

    Raises:
        GraphError: the graph is invalid, ``node_id`` is not a TorchvisionModel, or its
        architecture can't be expressed with catalog nodes.
    """
    return expand_all(graph, only=node_id)[0]


def expand_all(graph: dict[str, Any], only: str | None = None) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """Expand every TorchvisionModel node (or ``only`` that one).

    Returns the new graph and, for every node that came from one, ``(expanded node id, module path)``:
    what the exporter needs to keep torchvision's state-dict keys.
    """
    analysis = analyse(graph)
    structure = analysis.structure
    if structure is None:
        raise GraphError(analysis.errors)
    if only is not None and only not in structure.nodes:
        raise GraphError([node_error(None, f"there is no node {only!r} to expand")])
    if only is not None and structure.nodes[only].type != "TorchvisionModel":
        raise GraphError([node_error(only, f"only TorchvisionModel nodes expand; {only!r} is a "
                                           f"{structure.nodes[only].type}", "type")])
    targets = [n for n in structure.order
               if structure.nodes[n].type == "TorchvisionModel" and (only is None or n == only)]
    blocking = [e for e in analysis.errors if e.get("field") != "weights" or e["node"] not in targets]
    if blocking:
        raise GraphError(blocking)
    result = copy.deepcopy(graph)
    origins: dict[str, tuple[str, str]] = {}
    taken = set(structure.nodes)
    for target in targets:
        info = analysis.nodes[target]
        node = structure.nodes[target]
        ((source, port),) = structure.inputs[target]
        expansion = _trace(info.params, prefix=f"{target}_", source=(source, port), taken=taken, where=target)
        fresh = _fresh_head_ids(info.params, expansion)
        raw = next(n for n in result["nodes"] if n.get("id") == target)
        for i, new in enumerate(expansion.nodes):
            if not node.trainable and new["id"] not in fresh:
                new["trainable"] = False
            if node.lr_mult != 1:
                new["lr_mult"] = node.lr_mult
            position = raw.get("position")
            if isinstance(position, dict) and isinstance(position.get("x"), int | float) \
                    and isinstance(position.get("y"), int | float):
                new["position"] = {"x": position["x"], "y": position["y"] + 80 * i}
        at = result["nodes"].index(raw)
        result["nodes"][at:at + 1] = expansion.nodes
        out_source, out_port = expansion.output
        edges = [e for e in result["edges"] if e.get("target") != target]
        for e in edges:
            if e.get("source") == target:
                e["source"], e["source_port"] = out_source, out_port
                if out_port == 0:
                    e.pop("source_port")
        result["edges"] = edges + expansion.edges
        origins |= {n: (target, path) for n, path in expansion.paths.items()}
    _require_valid(result, only)
    return result, origins


def _fresh_head_ids(p: dict[str, Any], expansion: Expansion) -> set[str]:
    if p["head"] != "replace":
        return set()
    from .pretrained import arch_info

    head = arch_info(p["arch"]).head
    return {n for n, path in expansion.paths.items() if path == head}


def _require_valid(graph: dict[str, Any], where: str | None) -> None:
    """The expansion must validate; if it does not, that is a bug here, reported at the expanded node."""
    errors = [e for e in analyse(graph).errors if e.get("field") != "weights"]
    if errors:
        first = errors[0]
        raise GraphError([node_error(where, f"the expansion does not validate: node {first['node']!r}: "
                                            f"{first['message']}")])


def _edge(source: str, port: int, target: str, target_port: int) -> dict[str, Any]:
    edge: dict[str, Any] = {"source": source, "target": target}
    if port:
        edge["source_port"] = port
    if target_port:
        edge["port"] = target_port
    return edge


class _Tracer:
    """Walks one traced torchvision model, emitting catalog nodes."""

    def __init__(self, arch: str, gm: torch.fx.GraphModule, *, prefix: str, taken: set[str], where: str | None):
        self.arch, self.gm, self.prefix, self.taken, self.where = arch, gm, prefix, taken, where
        self.out = Expansion()
        self.values: dict[torch.fx.Node, tuple[str, int]] = {}
        self.called: set[str] = set()

    def refuse(self, what: str) -> GraphError:
        field = "arch" if self.where is not None else None
        return GraphError([node_error(self.where, f"{self.arch} can't be expanded into catalog nodes: {what}", field)])

    def fresh_id(self, wanted: str) -> str:
        candidate, n = wanted, 0
        while candidate in self.taken or _id_problem(candidate):
            n += 1
            candidate = f"{wanted}_{n}"
        self.taken.add(candidate)
        return candidate

    def add(self, fx_node: torch.fx.Node, wanted: str, layer_type: str, params: dict[str, Any],
            inputs: list[Any]) -> str:
        node_id = self.fresh_id(wanted)
        sources = [self.value(a, fx_node) for a in inputs]
        node: dict[str, Any] = {"id": node_id, "type": layer_type}
        if params:
            node["params"] = params
        self.out.nodes.append(node)
        self.out.edges += [_edge(s, port, node_id, i) for i, (s, port) in enumerate(sources)]
        self.values[fx_node] = (node_id, 0)
        return node_id

    def value(self, arg: Any, user: torch.fx.Node) -> tuple[str, int]:
        if not isinstance(arg, torch.fx.Node) or arg not in self.values:
            raise self.refuse(f"{_describe(user)} takes the constant {arg!r}, which a graph edge can't carry")
        return self.values[arg]

    def module(self, fx_node: torch.fx.Node) -> None:
        path = str(fx_node.target)
        mod = self.gm.get_submodule(path)
        if isinstance(mod, nn.Identity):
            self.values[fx_node] = self.value(fx_node.args[0], fx_node)
            return
        layer = LAYERS.get(type(mod).__name__)
        if layer is None or layer.module is not type(mod):
            raise self.refuse(f"{path} is a {type(mod).__name__}, which is not a catalog layer")
        if len(fx_node.args) != 1 or fx_node.kwargs:
            raise self.refuse(f"{path} is called with {len(fx_node.args)} arguments; catalog layers take one here")
        if path in self.called and any(True for _ in mod.parameters()):
            raise self.refuse(f"{path} is called twice with the same weights, which graph nodes can't share")
        self.called.add(path)
        # What the catalog rebuilds from the parameters must be the very module (inplace aside); the
        # short form (kernel_size 3 for (3, 3)) where the module reads the same either way.
        params = next((c for c in (_short(_module_params(layer, mod)), _module_params(layer, mod))
                       if _rebuilds(layer, c, mod)), None)
        if params is None:
            raise self.refuse(f"{path} ({mod!r}) has settings the catalog's {layer.type} does not express")
        node_id = self.add(fx_node, self.prefix + path.replace(".", "_"), layer.type, params, list(fx_node.args))
        self.out.paths[node_id] = path

    def function(self, fx_node: torch.fx.Node) -> None:
        target, args, kwargs = fx_node.target, fx_node.args, dict(fx_node.kwargs)
        name = self.prefix + fx_node.name
        if target in _ADD or target in _MUL:
            self.add(fx_node, name, "Add" if target in _ADD else "Multiply", {}, list(args))
        elif target is torch.flatten:
            self.add(fx_node, name, "Flatten", _flatten_params(args, kwargs), [args[0]])
        elif target is F.adaptive_avg_pool2d:
            size = args[1] if len(args) > 1 else kwargs["output_size"]
            self.add(fx_node, name, "AdaptiveAvgPool2d", {"output_size": _plain(size)}, [args[0]])
        elif target is F.relu:
            self.add(fx_node, name, "ReLU", {}, [args[0]])
        elif target is torch.cat and isinstance(args[0], list | tuple):
            self.add(fx_node, name, "Concat", {"dim": args[1] if len(args) > 1 else kwargs.get("dim", 0)},
                     list(args[0]))
        else:
            raise self.refuse(f"{_describe(fx_node)} has no catalog node")

    def method(self, fx_node: torch.fx.Node) -> None:
        name, args, kwargs = self.prefix + fx_node.name, fx_node.args, dict(fx_node.kwargs)
        if fx_node.target == "mean" and len(args) <= 3:
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
            if dim is None:
                raise self.refuse(f"{_describe(fx_node)} averages over the batch too")
            self.add(fx_node, name, "Mean", {"dim": _plain(dim), "keepdim": keepdim}, [args[0]])
        elif fx_node.target == "flatten":
            self.add(fx_node, name, "Flatten", _flatten_params(args, kwargs), [args[0]])
        elif fx_node.target == "permute":
            dims = list(args[1]) if len(args) == 2 and isinstance(args[1], list | tuple) else list(args[1:])
            self.add(fx_node, name, "Permute", {"dims": dims}, [args[0]])
        else:
            raise self.refuse(f"{_describe(fx_node)} has no catalog node")


def _trace(p: dict[str, Any], *, prefix: str, source: tuple[str, int], taken: set[str], where: str | None) -> Expansion:
    """Trace the model a TorchvisionModel's params describe, on the meta device (nothing is allocated)."""
    from .pretrained import build_backbone

    with torch.device("meta"):
        model = build_backbone(p["arch"], head=p["head"], num_classes=p["num_classes"])
    try:
        gm = torch.fx.symbolic_trace(model)
    except Exception as e:  # torch.fx raises many kinds of error for code it can't trace
        raise GraphError([node_error(where, f"{p['arch']} can't be traced by torch.fx: {e}",
                                     "arch" if where else None)]) from e
    tracer = _Tracer(p["arch"], gm, prefix=prefix, taken=taken, where=where)
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    tracer.values[placeholders[0]] = source
    with torch.device("meta"):  # the modules rebuilt to check each node's parameters
        for fx_node in gm.graph.nodes:
            _visit(tracer, fx_node)
    return tracer.out


def _visit(tracer: _Tracer, fx_node: torch.fx.Node) -> None:
    if fx_node.op == "call_module":
        tracer.module(fx_node)
    elif fx_node.op == "call_function":
        tracer.function(fx_node)
    elif fx_node.op == "call_method":
        tracer.method(fx_node)
    elif fx_node.op == "get_attr":
        raise tracer.refuse(f"it uses the free parameter {fx_node.target!r}, which no catalog node holds")
    elif fx_node.op == "output":
        tracer.out.output = tracer.value(fx_node.args[0], fx_node)


def _flatten_params(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"start_dim": args[1] if len(args) > 1 else kwargs.get("start_dim", 0),
            "end_dim": args[2] if len(args) > 2 else kwargs.get("end_dim", -1)}


def _module_params(layer: Layer, mod: nn.Module) -> dict[str, Any]:
    """The catalog parameters of ``layer`` that rebuild ``mod``: read from the module's attributes."""
    params: dict[str, Any] = {}
    for param in layer.params:
        if not hasattr(mod, param.name):
            continue
        value = getattr(mod, param.name)
        if param.kind == "bool" and (value is None or isinstance(value, torch.Tensor)):
            value = value is not None  # bias=True shows as a Parameter, bias=False as None
        params[param.name] = _plain(value)
    return params


def _short(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v[0] if isinstance(v, list) and v and all(x == v[0] for x in v) else v for k, v in params.items()}


def _rebuilds(layer: Layer, params: dict[str, Any], mod: nn.Module) -> bool:
    checked, errors = layer.check_params("", params)
    return not errors and _INPLACE.sub("", repr(layer.build(checked))) == _INPLACE.sub("", repr(mod))


def _plain(value: Any) -> Any:
    """JSON-ready: tuples and sizes become lists."""
    if isinstance(value, tuple | list | torch.Size):
        return [_plain(v) for v in value]
    return value


def _describe(fx_node: torch.fx.Node) -> str:
    target = fx_node.target
    name = target if isinstance(target, str) else getattr(target, "__name__", repr(target))
    kind = {"call_method": "the method", "call_function": "the function"}.get(fx_node.op, fx_node.op)
    return f"{kind} {name!r} (traced as {fx_node.name!r})"
