"""The ``netbuilder.graph/1`` document: its schema, and the structural checks that need no shapes.

:func:`parse` turns any JSON value into a :class:`Structure` (nodes in topological order, each
node's inputs in port order) plus a list of errors. It never raises for bad input: every problem
becomes an error naming its node, so the editor can show all of them at once.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import keyword
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import torch.fx
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from .catalog import LAYERS
from .errors import node_error
from .preprocess import BUFFERS

FORMAT = "netbuilder.graph/1"
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _module_names() -> frozenset[str]:
    """Every name a GraphModule answers to, its class's and an instance's own (``meta``, ``_graph``, ``_code``,
    ``shape_env``, ``_tracer_cls``…), and the scaling buffers an exported model gets (preprocess.BUFFERS)."""
    instance = torch.fx.GraphModule(torch.nn.Module(), torch.fx.Graph())  # its generated class adds _wrapped_call
    buffers = {name for pair in BUFFERS.values() for name in pair}
    return frozenset(dir(instance)) | frozenset(vars(instance)) | frozenset(buffers)


# Names a node id may not take: it becomes a submodule attribute and a local variable of forward().
_RESERVED = _module_names() | {"self", "torch", "nn"}

Port = Annotated[StrictInt, Field(ge=0, le=1023)]


Multiplier = Annotated[float, Field(gt=0, le=1000, strict=True, allow_inf_nan=False)]


class NodeDoc(BaseModel):
    """One node. Extra keys (``position``, UI state) are allowed and ignored.

    ``trainable`` and ``lr_mult`` are for fine-tuning: a node that is not trainable keeps its weights
    (and its BatchNorm statistics) fixed; the others learn at the run's rate × ``lr_mult``.

    ``share`` names another node of the same type and parameters whose module this one calls (a siamese
    encoder): the model holds the module, and the state dict its weights, once. ``tie`` (a Linear) names an
    Embedding whose weight it uses as its own (a tied language-model head).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: StrictStr
    type: StrictStr
    params: dict[str, Any] = Field(default_factory=dict)
    trainable: StrictBool = True
    lr_mult: Multiplier = 1.0
    share: StrictStr | None = None
    tie: StrictStr | None = None


class EdgeDoc(BaseModel):
    """One edge: ``source``'s output ``source_port`` feeds ``target``'s input ``port``."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    source: StrictStr
    target: StrictStr
    port: Port = 0
    source_port: Port = 0


class BlockDoc(BaseModel):
    """A reusable subgraph (see :mod:`builder.engine.graph.blocks`): its declared parameters, nodes, edges."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    params: dict[StrictStr, Any] = Field(default_factory=dict)
    nodes: list[NodeDoc]
    edges: list[EdgeDoc] = Field(default_factory=list)


BlockName = Annotated[StrictStr, Field(pattern=r"^[A-Z][A-Za-z0-9_]*$")]  # a Python class name


class GraphDoc(BaseModel):
    """The whole document; ``GraphDoc.model_json_schema()`` is its JSON Schema."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    format: Literal["netbuilder.graph/1"]
    name: StrictStr = "Network"
    nodes: list[NodeDoc]
    edges: list[EdgeDoc] = Field(default_factory=list)
    blocks: dict[BlockName, BlockDoc] = Field(default_factory=dict)


@dataclass
class Structure:
    """A graph whose nodes, types and wiring are known; shapes are not yet checked."""

    doc: GraphDoc
    nodes: dict[str, NodeDoc]
    order: list[str]  # topological; nodes on a cycle or behind one are left out
    inputs: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # node → (source, source_port) by port
    failed: set[str] = field(default_factory=set)  # nodes with a structural error: skipped by shape inference

    # Cached: `nodes` is complete when a Structure is made, and parse, validate and compile each ask.
    @functools.cached_property
    def input_nodes(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.type == "Input"]

    @functools.cached_property
    def output_nodes(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.type == "Output"]


def parse(graph: Any) -> tuple[Structure | None, list[dict[str, Any]]]:
    """Check a document's form, ids, types and wiring; None when it is not a graph document at all."""
    try:
        doc = GraphDoc.model_validate(graph)
    except ValidationError as e:
        return None, [_schema_error(graph, error) for error in e.errors()]
    errors: list[dict[str, Any]] = []
    nodes: dict[str, NodeDoc] = {}
    failed: set[str] = set()
    taken = {node.id for node in doc.nodes}
    for node in doc.nodes:
        if node.id in nodes:
            errors.append(node_error(node.id, f"node id {node.id!r} is used twice", "id"))
            continue
        nodes[node.id] = node
        problem = _id_problem(node.id, taken)
        if problem:
            errors.append(node_error(node.id, problem, "id"))
        if node.type not in LAYERS:
            errors.append(node_error(node.id, _unknown_type(node.type), "type"))
            failed.add(node.id)
    structure = Structure(doc=doc, nodes=nodes, order=[], failed=failed)
    if not structure.input_nodes:
        errors.append(node_error(None, "the graph has no Input node"))
    if not structure.output_nodes:
        errors.append(node_error(None, "the graph has no Output node"))
    edges = _wire(structure, errors)
    _order(structure, edges, errors)
    _reach(structure, edges, errors)
    return structure, errors


def _schema_error(graph: Any, error: Any) -> dict[str, Any]:
    loc = error["loc"]
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    message = f"{place}: {error['msg']}" if place else error["msg"]
    node = None
    if len(loc) >= 2 and loc[0] in ("nodes", "edges") and isinstance(graph, dict):
        items = graph.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if isinstance(item, dict):
            candidate = item.get("id") if loc[0] == "nodes" else item.get("target")
            node = candidate if isinstance(candidate, str) else None
    return node_error(node, message, str(loc[-1]) if len(loc) > 2 else None)


def _id_problem(node_id: str, taken: Collection[str] = ()) -> str | None:
    """Why a node id can't name a submodule and a variable of forward(), with a free id to take instead."""
    if not _ID.fullmatch(node_id):
        why = "must be a Python identifier (letters, digits and _, not starting with a digit)"
    elif keyword.iskeyword(node_id):
        why = "is a Python keyword"
    elif node_id.startswith("__"):
        why = "starts with __, which Python mangles inside a class"
    elif node_id in _RESERVED:
        why = "is reserved (it names part of the generated module)"
    else:
        return None
    return f"node id {node_id!r} {why}; choose another, e.g. {_free_id(node_id, taken)!r}"


def _free_id(node_id: str, taken: Collection[str]) -> str:
    """A usable id like `node_id`: its ASCII letters, digits and _, then _1, _2… until it is free."""
    base = re.sub(r"\W", "_", node_id, flags=re.ASCII).strip("_") or "node"
    if base[0].isdigit():
        base = "n" + base
    candidate, k = base, 0
    while candidate in taken or candidate in _RESERVED or keyword.iskeyword(candidate):
        k += 1
        candidate = f"{base}_{k}"
    return candidate


def _unknown_type(layer_type: str) -> str:
    close = difflib.get_close_matches(layer_type, LAYERS, n=1)
    return f"unknown layer type {layer_type!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _wire(structure: Structure, errors: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Fill ``structure.inputs`` from the edges; returns the successors of each node."""
    nodes = structure.nodes
    successors: dict[str, set[str]] = defaultdict(set)
    by_port: dict[str, dict[int, list[tuple[str, int]]]] = {}
    doubled: set[str] = set()  # nodes with an input port connected more than once
    for edge in structure.doc.edges:
        source, target = edge.source, edge.target
        if source not in nodes or target not in nodes:
            missing = [end for end in (source, target) if end not in nodes]
            place = source if source in nodes else target if target in nodes else None
            errors.append(node_error(place, f"edge from {source!r} to {target!r} names a missing node "
                                            f"{missing[0]!r}"))
            continue
        ports = by_port.setdefault(target, {})
        sources = ports.get(edge.port)
        if sources is None:
            ports[edge.port] = [(source, edge.source_port)]
        else:
            sources.append((source, edge.source_port))
            doubled.add(target)
        successors[source].add(target)
    unwired: dict[int, list[tuple[str, int]]] = {}
    for node_id, node in nodes.items():
        if node_id in structure.failed:
            continue
        layer = LAYERS[node.type]
        low, high = layer.inputs
        ports = by_port.get(node_id, unwired)
        count = len(ports)
        # Ports 0..count-1 each connected once, and as many as the layer takes: nothing to report. Most nodes
        # of most graphs are like this; the checks below would find no problem, only slower.
        if (node_id not in doubled and low <= count and (high is None or count <= high)
                and (not count or max(ports) == count - 1)):
            structure.inputs[node_id] = [ports[port][0] for port in range(count)]
        else:
            problems = _port_problems(node.type, layer.inputs, ports)
            if problems:
                structure.failed.add(node_id)
                errors += [node_error(node_id, message) for message in problems]
            else:
                structure.inputs[node_id] = [ports[port][0] for port in sorted(ports)]
        if layer.outputs == 0 and successors.get(node_id):
            errors.append(node_error(node_id, f"{node.type} has no outputs to connect"))
    return successors


def _port_problems(layer_type: str, bounds: tuple[int, int | None], ports: dict[int, list[tuple[str, int]]]) -> list[str]:
    """What is wrong with the edges into one node's input ports (connected twice, missing, too many)."""
    low, high = bounds
    problems = [f"input port {port} is connected twice (from {', '.join(repr(s) for s, _ in sources)})"
                for port, sources in sorted(ports.items()) if len(sources) > 1]
    if high is not None and ports and max(ports) >= high:
        problems.append(f"{layer_type} takes {_inputs(high)}, got an edge into port {max(ports)}")
    needed = max([low, *(p + 1 for p in ports)]) if high is None else min(max([low, *(p + 1 for p in ports)]), high)
    problems += [f"input port {port} is not connected" for port in range(needed) if port not in ports]
    if high == 0 and ports:
        problems = [f"{layer_type} takes no inputs"]
    return problems


def _inputs(n: int) -> str:
    return f"{n} input{'s' if n != 1 else ''}"


def _order(structure: Structure, successors: dict[str, set[str]], errors: list[dict[str, Any]]) -> None:
    """Topological order (Kahn's); nodes on a cycle get an error, nodes behind one are left out."""
    indegree = {n: 0 for n in structure.nodes}
    for targets in successors.values():
        for target in targets:
            indegree[target] += 1
    position = {n: i for i, n in enumerate(structure.nodes)}
    ready = [(position[n], n) for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    while ready:  # among the nodes ready to run, the one earliest in the document: code reads as drawn
        _, node = heapq.heappop(ready)
        structure.order.append(node)
        for target in successors[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, (position[target], target))
    left = set(structure.nodes) - set(structure.order)
    # Peel off nodes that merely hang behind a cycle: what remains lies on one.
    changed = True
    while changed:
        changed = False
        for node in sorted(left):
            if not successors[node] & left:
                left.discard(node)
                changed = True
    for node in structure.nodes:
        if node in left:
            structure.failed.add(node)
            others = sorted(successors[node] & left)
            errors.append(node_error(node, f"is part of a cycle (feeds {', '.join(repr(o) for o in others)})"))


def _reach(structure: Structure, successors: dict[str, set[str]], errors: list[dict[str, Any]]) -> None:
    """Every node must be fed from an Input and lead to an Output, or it is unreachable or dangling."""
    predecessors: dict[str, set[str]] = defaultdict(set)
    for source, targets in successors.items():
        for target in targets:
            predecessors[target].add(source)
    fed = _closure(structure.input_nodes, successors)
    used = _closure(structure.output_nodes, predecessors)
    already = set(structure.failed)  # one error is enough for a node with an unknown type or bad wiring
    for node in structure.nodes:
        if node in already:
            continue
        if node not in fed and structure.nodes[node].type != "Input":
            errors.append(node_error(node, "is not connected to any Input"))
            structure.failed.add(node)
        if node not in used and structure.nodes[node].type != "Output":
            # Not marked failed: its shape is still inferred, so a wrong parameter is named too.
            errors.append(node_error(node, "does not lead to any Output"))


def _closure(start: list[str], step: dict[str, set[str]]) -> set[str]:
    seen, stack = set(start), list(start)
    while stack:
        for nxt in step[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
