"""Blocks: a graph's reusable, parameterised subgraphs, used by ``Block`` nodes.

A document may declare ``blocks``: each a small graph of its own whose ``Input`` nodes take their shapes
from the edges into the ``Block`` node that uses it (in the order of the block's Input nodes) and whose
``Output`` nodes are that node's outputs, in order. A block declares parameters (the option kinds of
layer parameters) that its nodes name as ``"$name"``. A ``Block`` node names its ``block``, a ``repeat``
(the copies chained output → input, so a repeated block must give back what it takes) and values for
the block's parameters::

    >>> doc = {"format": "netbuilder.graph/1", "name": "Net",
    ...     "blocks": {"Dense": {"params": {"width": {"kind": "int", "default": 8, "min": 1}},
    ...         "nodes": [{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear", "params": {"out_features": "$width"}},
    ...                   {"id": "act", "type": "ReLU"}, {"id": "y", "type": "Output"}],
    ...         "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "act"}, {"source": "act", "target": "y"}]}},
    ...     "nodes": [{"id": "x", "type": "Input", "params": {"shape": [4]}},
    ...               {"id": "mlp", "type": "Block", "params": {"block": "Dense", "repeat": 2, "width": 4}},
    ...               {"id": "y", "type": "Output"}],
    ...     "edges": [{"source": "x", "target": "mlp"}, {"source": "mlp", "target": "y"}]}
    >>> from builder.engine.graph import validate
    >>> result = validate(doc)
    >>> result["ok"], result["params"], result["nodes"]["mlp/2/fc"]["shape"]
    (True, 40, [4])

Each use is analysed copy by copy as a graph of its own (:func:`analyse_use`); the compiler builds each
copy as a GraphModule named after the block and holds a use's copies in an ``nn.ModuleList``, so the
state-dict keys read ``mlp.0.fc.weight``; the exported ``model.py`` has one class per block.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..options import Option, OptionError, shown
from .catalog import BLOCK, Layer, Value, register
from .errors import NodeError, node_error

if TYPE_CHECKING:
    from .analysis import Analysis, NodeInfo
    from .format import Structure

MAX_REPEAT = 1000
MAX_DEPTH = 16  # blocks inside blocks, at most this deep
RESERVED_PARAMS = frozenset({"block", "repeat"})  # the Block node's own


def _analysed_with_its_graph(t: str, p: dict[str, Any], xs: list[Value]) -> list[Value]:
    raise NodeError("a Block is analysed with its graph's blocks (blocks.analyse_use)")


def _built_from_its_copies(p: dict[str, Any]) -> Any:
    raise AssertionError("a Block's module is built from its copies' analyses (compile.build)")


register(Layer(
    type=BLOCK, category="Blocks", infer=_analysed_with_its_graph, inputs=(1, None), outputs=None,
    make=_built_from_its_copies,
    doc="One of the graph's blocks (its reusable subgraphs): `block` names it, `repeat` chains that many copies "
        "(output to input); the block's own parameters are given beside them.",
    params=(Option("block", "string", "The name of the block, one of the graph's `blocks`.", required=True),
            Option("repeat", "int", "Copies, each feeding the next.", default=1, min=1, max=MAX_REPEAT)),
))


@dataclass
class Use:
    """What analysing one Block node found: its info (None when it failed), its copies, its errors and the
    warnings of its inner nodes (once per distinct copy)."""

    info: NodeInfo | None = None
    copies: list[Analysis] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def declared(spec: Any, name: str) -> Option:
    """A block's parameter declaration (``{"kind": "int", "default": 64, "min": 1}``) as an Option."""
    if not isinstance(spec, dict) or "kind" not in spec:
        raise OptionError(name, f"declare parameter {name!r} as {{\"kind\": ..., \"default\"?: ...}}, got {shown(spec)}")
    known = {"kind", "default", "min", "max", "choices", "doc", "nullable"}
    if set(spec) - known:
        raise OptionError(name, f"parameter {name!r} has unknown keys {sorted(set(spec) - known)}")
    try:
        option = Option(name, spec["kind"], spec.get("doc", ""), default=spec.get("default"), min=spec.get("min"),
                        max=spec.get("max"), choices=tuple(spec.get("choices", ())),
                        nullable=bool(spec.get("nullable", False)), required="default" not in spec)
        if "default" in spec:
            option.check(spec["default"])
    except (OptionError, TypeError) as e:
        raise OptionError(name, f"parameter {name!r}: {e}") from e
    return option


def analyse_use(structure: Structure, node_id: str, raw: Any, inputs: list[Value], *,
                within: tuple[str, ...]) -> Use:
    """Analyse Block node `node_id` of `structure` fed `inputs`: every copy, the counts, the outputs."""
    from .analysis import NodeInfo
    from .catalog import LAYERS

    use = Use()
    blocks = structure.doc.blocks
    params = raw if isinstance(raw, dict) else {}
    name = params.get("block")
    if not isinstance(name, str) or name not in blocks:
        close = difflib.get_close_matches(str(name), list(blocks), n=1)
        known = f"; the graph's blocks: {', '.join(blocks)}" if blocks else "; the graph declares no blocks"
        hint = f" (did you mean {close[0]!r}?)" if close else known
        use.errors.append(node_error(node_id, f"unknown block {shown(name)}{hint}", "block"))
        return use
    if name in within or len(within) >= MAX_DEPTH:
        chain = " → ".join([*within, name])
        use.errors.append(node_error(node_id, f"block {name!r} uses itself: {chain}", "block"))
        return use
    block = blocks[name]
    repeat = params.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        use.errors.append(node_error(node_id, f"repeat must be a whole number from 1 to {MAX_REPEAT}, "
                                              f"got {shown(repeat)}", "repeat"))
        return use
    values: dict[str, Any] = {}
    options: dict[str, Option] = {}
    for pname, spec in block.params.items():
        try:
            options[pname] = declared(spec, pname)
        except OptionError as e:
            use.errors.append(node_error(node_id, f"block {name!r}: {e.message}", pname))
    for key in params:
        if key not in RESERVED_PARAMS and key not in block.params:
            have = f" (it has {', '.join(block.params)})" if block.params else ""
            use.errors.append(node_error(node_id, f"block {name!r} has no parameter {key!r}{have}", key))
    for pname, option in options.items():
        try:
            values[pname] = option.check(params[pname]) if pname in params else option.check(option.default)
        except OptionError as e:
            use.errors.append(node_error(node_id, e.message, pname))
    if use.errors:
        return use
    from .analysis import analyse

    wanted = inputs
    seen: dict[tuple[Value, ...], Analysis] = {}  # copies fed the same values are the same analysis
    for copy in range(1, repeat + 1):
        prefix = f"{node_id}/{copy}"
        key = tuple(wanted)
        analysis = seen.get(key)
        if analysis is None:
            document, problems = instance(structure, name, values, wanted, node_id=node_id, prefix=prefix)
            use.errors += problems
            if problems:
                return use
            analysis = analyse(document, within=(*within, name))
            seen[key] = analysis
            use.errors += [inner_error(e, node_id, prefix) for e in analysis.errors]
            use.warnings += [inner_error(w, node_id, prefix) for w in analysis.warnings]
            if analysis.errors:
                return use
        use.copies.append(analysis)
        assert analysis.structure is not None
        outputs = [analysis.nodes[o].outputs[0] for o in analysis.structure.output_nodes]
        if copy < repeat and outputs != wanted:
            use.errors.append(node_error(node_id, (
                f"repeat {repeat} chains each copy of {name!r} into the next, so it must give back what it takes: "
                f"it takes {_values(wanted)} and gives {_values(outputs)}"), "repeat"))
            return use
        wanted = outputs
    layer = LAYERS[BLOCK]
    use.info = NodeInfo(
        layer=layer, params={"block": name, "repeat": repeat, **values, "_outputs": len(wanted)}, inputs=inputs,
        outputs=list(wanted), param_count=sum(a.params for a in use.copies), flops=sum(_flops(a) for a in use.copies),
    )
    return use


def _flops(analysis: Analysis) -> int:
    return sum(info.flops for info in analysis.nodes.values())


def _values(values: list[Value]) -> str:
    return ", ".join(f"({', '.join(map(str, v.shape))})" + ("" if v.dtype == "float32" else f" {v.dtype}")
                     for v in values) or "nothing"


def instance(structure: Structure, name: str, values: dict[str, Any], inputs: list[Value], *, node_id: str,
             prefix: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The graph document of one copy of block `name`: ``$name``s replaced, Inputs given their shapes."""
    block = structure.doc.blocks[name]
    errors: list[dict[str, Any]] = []
    block_inputs = [n for n in block.nodes if n.type == "Input"]
    if len(block_inputs) != len(inputs):
        errors.append(node_error(node_id, f"block {name!r} takes {len(block_inputs)} input"
                                          f"{'s' if len(block_inputs) != 1 else ''}, got {len(inputs)}"))
        return {}, errors
    nodes = []
    fed = iter(inputs)
    for node in block.nodes:
        doc = node.model_dump()
        if node.type == "Input":
            if node.params:
                errors.append(node_error(node_id, f"{prefix}/{node.id}: a block's Input takes its shape from the "
                                                  "edges into the Block node; give it no params",
                                         "params") | {"path": f"{prefix}/{node.id}"})
            value = next(fed)
            doc["params"] = {"shape": list(value.shape), "dtype": value.dtype}
        else:
            doc["params"], missing = _substitute(node.params, values)
            for field_name, ref in missing:
                have = f" (it has {', '.join(values)})" if values else " (it declares none)"
                errors.append(node_error(node_id, f"{prefix}/{node.id}: {ref!r} is not a parameter of block "
                                                  f"{name!r}{have}", field_name) | {"path": f"{prefix}/{node.id}"})
        nodes.append(doc)
    document = {"format": structure.doc.format, "name": name, "nodes": nodes,
                "edges": [e.model_dump() for e in block.edges],
                "blocks": {k: v.model_dump() for k, v in structure.doc.blocks.items()}}
    return document, errors


def _substitute(params: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """`params` with every ``"$name"`` (also inside lists) replaced by the block parameter's value."""
    missing: list[tuple[str, str]] = []

    def sub(value: Any, field_name: str) -> Any:
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] in values:
                v = values[value[1:]]
                return list(v) if isinstance(v, tuple) else v
            missing.append((field_name, value))
            return value
        if isinstance(value, list):
            return [sub(v, field_name) for v in value]
        return value

    return {k: sub(v, k) for k, v in params.items()}, missing


def inner_error(error: dict[str, Any], node_id: str, prefix: str) -> dict[str, Any]:
    """An error (or warning) inside a copy, told on the Block node: its ``path`` and message name the inner node."""
    inner_path = error.get("path") or error.get("node")
    message = error["message"]
    if error.get("path") and message.startswith(f"{error['path']}: "):  # from a block inside this one
        message = message[len(error["path"]) + 2:]
    path = f"{prefix}/{inner_path}" if inner_path else prefix
    return {**error, "node": node_id, "path": path, "message": f"{path}: {message}"}


def node_answers(analysis: Analysis, prefix: str = "") -> dict[str, dict[str, Any]]:
    """validate()'s per-node answers for the nodes inside every Block use, keyed ``node/copy/inner``."""
    out: dict[str, dict[str, Any]] = {}
    for node_id, copies in analysis.blocks.items():
        for copy, inner in enumerate(copies, start=1):
            assert inner.structure is not None
            at = f"{prefix}{node_id}/{copy}/"
            for inner_id in inner.structure.nodes:
                info = inner.nodes.get(inner_id)
                shapes = [list(v.shape) for v in info.outputs] if info else []
                out[f"{at}{inner_id}"] = {"shape": shapes[0] if shapes else None, "shapes": shapes,
                                          "params": info.param_count if info else None,
                                          "flops": info.flops if info else None}
            out.update(node_answers(inner, at))
    return out


def flatten(graph: Any, *, only: str | None = None) -> dict[str, Any]:
    """The same network without blocks: every copy's nodes inlined with ids ``<node>_<copy>_<inner>``
    (what "Ungroup" does to every use at once; `only`: to that Block node alone, the others and the
    graph's blocks kept). Raises GraphError for a graph with errors."""
    from .compile import checked

    analysis = checked(graph)
    structure = analysis.structure
    assert structure is not None
    doc = structure.doc
    nodes: list[dict[str, Any]] = []
    feeds: dict[tuple[str, int], tuple[str, int]] = {}  # (Block node, output port) -> what now gives it
    inner_edges: list[dict[str, Any]] = []

    def resolved(source: tuple[str, int]) -> tuple[str, int]:
        while source in feeds:  # a flattened Block node's output, perhaps fed straight by another's
            source = feeds[source]
        return source

    raw = {n.get("id"): n for n in graph["nodes"] if isinstance(n, dict)}  # positions and UI keys kept
    for node in doc.nodes:
        if node.type != BLOCK or (only is not None and node.id != only):
            nodes.append(raw.get(node.id) or node.model_dump())
            continue
        given = structure.inputs[node.id]  # the Block node's inputs: (source, port) by port
        for copy, inner in enumerate(analysis.blocks[node.id], start=1):
            assert inner.structure is not None
            flat = flatten(inner.structure.doc.model_dump())
            prefix = f"{node.id}_{copy}_"
            ins = [n["id"] for n in flat["nodes"] if n["type"] == "Input"]
            outs = [n["id"] for n in flat["nodes"] if n["type"] == "Output"]
            fed = dict(zip(ins, given, strict=True))
            result: dict[str, tuple[str, int]] = {}
            at = raw.get(node.id, {}).get("position")
            layers = [m for m in flat["nodes"] if m["type"] not in ("Input", "Output")]
            for i, n in enumerate(layers):  # stacked where the Block node was, copy under copy
                row = (copy - 1) * len(layers) + i
                placed = {"position": {"x": at["x"], "y": at["y"] + 70 * row}} if isinstance(at, dict) else {}
                links = {k: prefix + n[k] for k in ("share", "tie") if n.get(k)}  # to nodes of the same copy
                nodes.append({**n, **placed, "id": prefix + n["id"], **links})
            for e in flat["edges"]:
                source = fed.get(e["source"]) or (prefix + e["source"], e.get("source_port", 0))
                if e["target"] in outs:
                    result[e["target"]] = source
                    continue
                inner_edges.append({"source": source[0], "source_port": source[1], "target": prefix + e["target"],
                                    "port": e.get("port", 0)})
            given = [result[o] for o in outs]
        for port, source in enumerate(given):
            feeds[(node.id, port)] = source
    edges = []
    for e in doc.edges:
        source = resolved((e.source, e.source_port))
        if structure.nodes[e.target].type == BLOCK and (only is None or e.target == only):
            continue  # an input of a Block node: its copies' edges carry it
        edges.append({"source": source[0], "source_port": source[1], "target": e.target, "port": e.port})
    out = {**graph} if isinstance(graph, dict) else doc.model_dump()
    if only is None:
        out.pop("blocks", None)
    # A copy fed by another Block node (stage1 → stage2) read that node's output: what now gives it.
    inner_edges = [{**e, "source": s[0], "source_port": s[1]}
                   for e in inner_edges for s in [resolved((e["source"], e["source_port"]))]]
    return {**out, "nodes": nodes, "edges": inner_edges + edges}


class BlockEditError(ValueError):
    """A block edit that can't be made: `field` is the request's part at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def make_block(graph: Any, nodes: list[str], name: str) -> dict[str, Any]:
    """`graph` with `nodes` turned into block `name`, used once by a new Block node in their place.

    Edges from outside into the selection become the block's Inputs (one per distinct source output, in
    the order of the graph's edges) and values the outside reads become its Outputs; the Block node's
    ports carry them. The result is checked: a selection that feeds itself through outside nodes (so the
    block would need its own output) is refused, as are Inputs, Outputs and names in use.
    """
    from .format import parse

    structure, errors = parse(graph)
    if structure is None:
        raise BlockEditError("Not a graph document", "graph")
    doc = structure.doc
    chosen = list(dict.fromkeys(nodes))
    if not chosen:
        raise BlockEditError("Select at least one node to make a block of", "nodes")
    missing = [n for n in chosen if n not in structure.nodes]
    if missing:
        raise BlockEditError(f"No node {missing[0]!r} in the graph", "nodes")
    ends = [n for n in chosen if structure.nodes[n].type in ("Input", "Output")]
    if ends:
        raise BlockEditError(f"{ends[0]!r} is an {structure.nodes[ends[0]].type}: a block takes its inputs and "
                             "gives its outputs through the Block node's ports", "nodes")
    if not isinstance(name, str) or not name[:1].isupper() or not name.isidentifier():
        raise BlockEditError(f"A block's name is a class name (Residual, DenseLayer), got {name!r}", "name")
    if name in doc.blocks:
        raise BlockEditError(f"The graph already has a block {name!r}", "name")
    inside = set(chosen)
    sources: list[tuple[str, int]] = []  # outside values read inside: the block's inputs, in order
    results: list[tuple[str, int]] = []  # inside values read outside: its outputs, in order
    block_edges, outer_edges = [], []
    for e in doc.edges:
        a, b = e.source in inside, e.target in inside
        if a and b:
            block_edges.append(e.model_dump())
        elif b:
            if (e.source, e.source_port) not in sources:
                sources.append((e.source, e.source_port))
            block_edges.append({"source": f"in{sources.index((e.source, e.source_port))}", "source_port": 0,
                                "target": e.target, "port": e.port})
        elif a:
            if (e.source, e.source_port) not in results:
                results.append((e.source, e.source_port))
        else:
            outer_edges.append(e.model_dump())
    if not sources or not results:
        raise BlockEditError("A block needs an edge in and an edge out: the selection must sit between other "
                             "nodes", "nodes")
    for k, (source, port) in enumerate(results):
        block_edges.append({"source": source, "source_port": port, "target": f"out{k}", "port": 0})
    taken = set(structure.nodes)
    node_id = next(c for c in (name.lower(), *(f"{name.lower()}_{i}" for i in range(2, 10_000))) if c not in taken or c in inside)
    block_nodes = ([{"id": f"in{k}", "type": "Input"} for k in range(len(sources))]
                   + [n.model_dump(exclude_defaults=True) for n in doc.nodes if n.id in inside]
                   + [{"id": f"out{k}", "type": "Output"} for k in range(len(results))])
    clash = next((n for n in inside if n in {f"in{k}" for k in range(len(sources))} | {f"out{k}" for k in range(len(results))}), None)
    if clash is not None:
        raise BlockEditError(f"Node id {clash!r} is taken by the block's ports; rename it first", "nodes")
    raw_nodes = graph["nodes"] if isinstance(graph, dict) else []
    positions: list[dict[str, Any]] = [
        p for n in raw_nodes if isinstance(n, dict) and n.get("id") in inside
        and isinstance(p := n.get("position"), dict) and {"x", "y"} <= set(p)]
    block_node: dict[str, Any] = {"id": node_id, "type": BLOCK, "params": {"block": name, "repeat": 1}}
    if positions:
        block_node["position"] = {"x": round(sum(p["x"] for p in positions) / len(positions)),
                                  "y": round(sum(p["y"] for p in positions) / len(positions))}
    new_nodes: list[Any] = []  # the Block node where the first chosen node was
    for n in raw_nodes:
        if not (isinstance(n, dict) and n.get("id") in inside):
            new_nodes.append(n)
        elif block_node not in new_nodes:
            new_nodes.append(block_node)
    new_edges = [*outer_edges,
                 *({"source": s, "source_port": p, "target": node_id, "port": k} for k, (s, p) in enumerate(sources))]
    for e in doc.edges:
        if e.source in inside and e.target not in inside:
            new_edges.append({"source": node_id, "source_port": results.index((e.source, e.source_port)),
                              "target": e.target, "port": e.port})
    blocks = {**{k: v.model_dump() for k, v in doc.blocks.items()},
              name: {"params": {}, "nodes": block_nodes, "edges": block_edges}}
    out = {**graph, "nodes": new_nodes, "edges": new_edges, "blocks": blocks}
    from .analysis import analyse

    cycle = [e for e in analyse(out).errors if "part of a cycle" in e.get("message", "") and e.get("node") != node_id]
    if cycle:
        raise BlockEditError(f"The selection feeds itself through {cycle[0]['node']!r} outside it: a block made "
                             "of it would need its own output. Add the nodes between to the selection", "nodes")
    return out


def ungroup(graph: Any, node_id: str) -> dict[str, Any]:
    """`graph` with Block node `node_id` replaced by its copies' layers (ids ``<node>_<copy>_<inner>``); the
    block stays declared while other nodes use it. Raises GraphError for a graph with errors."""
    from .compile import checked

    structure = checked(graph).structure
    assert structure is not None
    if node_id not in structure.nodes or structure.nodes[node_id].type != BLOCK:
        raise BlockEditError(f"{node_id!r} is not a Block node of the graph", "node")
    flat = flatten(graph, only=node_id)
    block = structure.nodes[node_id].params.get("block")
    if not any(n.type == BLOCK and n.params.get("block") == block for n in structure.nodes.values() if n.id != node_id):
        flat["blocks"] = {k: v for k, v in flat.get("blocks", {}).items() if k != block}
    return flat
