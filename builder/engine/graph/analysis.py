"""Shape inference over a whole graph, from the catalog's shape rules.

Nothing is built or run: each node's rule maps its inputs' shapes to its outputs' in microseconds,
which is what lets the editor validate on every edit. The rules are checked against real modules
and real forward passes by the tests (``tests/graph/test_properties.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from builder.engine.settings import SETTING_NAMES, engine_settings

from .blocks import BLOCK, analyse_use, node_answers
from .catalog import LAYERS, TIES, Layer, Value
from .errors import NodeError, node_error
from .format import Structure, parse
from .initialise import INIT_NAMES, init_problems, init_warnings

BYTES_PER_PARAM = 4  # float32


def max_params() -> int:
    """The largest model allowed: the engine settings' ``max_params`` (``NETBUILDER_MAX_PARAMS``)."""
    return engine_settings().max_params


@dataclass(frozen=True)
class NodeInfo:
    """What inference learned about one node."""

    layer: Layer
    params: dict[str, Any]  # checked, defaults and inferred sizes filled in
    inputs: list[Value]
    outputs: list[Value]
    param_count: int
    flops: int


@dataclass
class Analysis:
    """A graph after structural checks and shape inference; ``nodes`` holds the nodes whose shapes are known."""

    structure: Structure | None
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # settings that do nothing; never a failure
    blocks: dict[str, list[Analysis]] = field(default_factory=dict)  # a Block node's copies, each analysed

    @property
    def params(self) -> int:
        return sum(info.param_count for info in self.nodes.values())

    @property
    def trainable_params(self) -> int:
        """Parameters that train: those of trainable nodes, and the fresh ones of frozen nodes (a new head)."""
        assert self.structure is not None
        return sum(info.param_count if self.structure.nodes[node_id].trainable else info.layer.count_fresh(info.params)
                   for node_id, info in self.nodes.items())


def analyse(graph: Any, *, within: tuple[str, ...] = ()) -> Analysis:
    """Check a document and infer every shape it can; never raises for bad input. `within`: the blocks
    whose copy this document is (a block may not use itself)."""
    structure, errors = parse(graph)
    analysis = Analysis(structure=structure, errors=errors)
    if structure is None:
        return analysis
    for node_id in structure.order:
        if node_id in structure.failed:
            continue
        node = structure.nodes[node_id]
        if node.type == BLOCK:
            _analyse_block(analysis, node_id, within)
            continue
        layer = LAYERS[node.type]
        params, param_errors = layer.check_params(node_id, _own_params(structure, node_id))
        if param_errors:
            errors += param_errors
            continue
        inputs = _inputs(analysis, node_id)
        if inputs is None:
            continue  # an upstream node failed and already said why
        try:
            outputs = layer.infer(node.type, params, inputs)
        except NodeError as e:
            errors.append(e.at(node_id))
            continue
        analysis.nodes[node_id] = NodeInfo(
            layer=layer, params=params, inputs=inputs, outputs=outputs,
            # a node that shares another's module adds no parameters: they are counted at that node (a tied
            # Linear adds only its bias)
            param_count=0 if node.share is not None else layer.count_params(params) - (
                _tied_weight(params) if node.tie is not None else 0),
            flops=layer.flops(params, inputs, outputs),
        )
        errors += [problem.at(node_id) for problem in layer.check(params)]
        warnings = layer.warn(params, inputs)
        if layer.takes_init:  # a layer with weights (a Parameter node checks its own)
            errors += [node_error(node_id, message, name) for name, message in init_problems(params)]
            warnings = warnings + init_warnings(params)
        analysis.warnings += [node_error(node_id, message, name) for name, message in warnings]
    _check_shares(analysis)
    _check_ties(analysis)
    _check_size(analysis)
    return analysis


def _own_params(structure: Structure, node_id: str) -> Any:
    """A node's params; one that shares another's module takes the ones it leaves out from that node (not its init)."""
    node = structure.nodes[node_id]
    if node.share not in structure.nodes or node.share == node_id:
        return node.params
    owner = structure.nodes[_holder(structure.nodes, node_id)]
    if owner.type != node.type or not isinstance(node.params, dict) or not isinstance(owner.params, dict):
        return node.params
    kept = INIT_NAMES if LAYERS[node.type].takes_init else frozenset()
    lent = {k: v for k, v in owner.params.items() if k not in kept}
    return lent | node.params


def _check_shares(analysis: Analysis) -> None:
    """Every ``share`` names another node of the same type and parameters, one that shares nothing itself."""
    assert analysis.structure is not None
    nodes = analysis.structure.nodes
    for node_id, node in nodes.items():
        owner_id = node.share
        if owner_id is None:
            continue
        problem = None
        owner = nodes.get(owner_id)
        layer = LAYERS.get(node.type)
        if owner_id == node_id:
            problem = "a node can't share its own module; name another node of the same type"
        elif owner is None:
            problem = f"share names {owner_id!r}, which is not a node of this graph"
        elif layer is None or not layer.shareable:
            problem = f"{node.type} has no module that another node can share"
        elif owner.share is not None:
            problem = (f"share names {owner_id!r}, which itself shares {owner.share!r}: name the node that holds the "
                       f"module, {_holder(nodes, owner_id)!r}")
        elif owner.type != node.type:
            problem = f"share names {owner_id!r}, a {owner.type}; only a {node.type} can lend this node its module"
        elif owner.trainable != node.trainable or owner.lr_mult != node.lr_mult:
            problem = (f"shares {owner_id!r}, whose trainable and lr_mult are {json.dumps(owner.trainable)}, "
                       f"{owner.lr_mult:g}: a shared module trains as one, so give this node the same")
        elif node_id in analysis.nodes and owner_id in analysis.nodes:
            mine, theirs = analysis.nodes[node_id], analysis.nodes[owner_id]
            if layer.takes_init and mine.params["init"] != "default":
                analysis.errors.append(node_error(node_id, f"init is applied where the module is made: set it on "
                                                           f"{owner_id!r}, whose module this node shares", "init"))
            a, b = layer.kwargs(mine.params), layer.kwargs(theirs.params)
            differ = [k for k in a if a[k] != b.get(k)]
            if differ:
                k = differ[0]
                problem = (f"shares {owner_id!r}, but their {k} differ ({json.dumps(_plain(a[k]))} here, "
                           f"{json.dumps(_plain(b.get(k)))} there): a shared module has one set of parameters")
        if problem is not None:
            analysis.errors.append(node_error(node_id, problem, "share"))


def _tied_weight(params: dict[str, Any]) -> int:
    return params["in_features"] * params["out_features"] if "in_features" in params else 0


def _check_ties(analysis: Analysis) -> None:
    """Every ``tie`` is a Linear naming an Embedding whose weight has the Linear's weight's shape."""
    assert analysis.structure is not None
    nodes = analysis.structure.nodes
    for node_id, node in nodes.items():
        if node.tie is None:
            continue
        problem, field_name = None, "tie"
        target = nodes.get(node.tie)
        if node.type not in TIES:
            problem = f"only a Linear can tie its weight to an Embedding's, not a {node.type}"
        elif node.share is not None:
            problem = "a node that shares another's module takes its weights from there; give it share or tie, not both"
        elif target is None:
            problem = f"tie names {node.tie!r}, which is not a node of this graph"
        elif target.type != TIES[node.type]:
            problem = f"tie names {node.tie!r}, a {target.type}; a Linear ties its weight to an Embedding's"
        elif node_id in analysis.nodes and node.tie in analysis.nodes:
            mine, theirs = analysis.nodes[node_id].params, analysis.nodes[node.tie].params
            if mine["init"] != "default":
                problem, field_name = (f"a tied Linear's weight is {node.tie!r}'s: set init on that Embedding"), "init"
            elif (mine["out_features"], mine["in_features"]) != (theirs["num_embeddings"], theirs["embedding_dim"]):
                problem = (f"ties to {node.tie!r}, whose weight is [{theirs['num_embeddings']}, "
                           f"{theirs['embedding_dim']}], but this Linear's is [{mine['out_features']}, "
                           f"{mine['in_features']}]: out_features must be num_embeddings and in_features "
                           "embedding_dim")
        if problem is not None:
            analysis.errors.append(node_error(node_id, problem, field_name))


def _holder(nodes: dict[str, Any], node_id: str) -> str:
    seen = {node_id}
    while nodes[node_id].share in nodes and nodes[node_id].share not in seen:
        node_id = nodes[node_id].share
        seen.add(node_id)
    return node_id


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _analyse_block(analysis: Analysis, node_id: str, within: tuple[str, ...]) -> None:
    assert analysis.structure is not None
    inputs = _inputs(analysis, node_id)
    if inputs is None:
        return
    use = analyse_use(analysis.structure, node_id, analysis.structure.nodes[node_id].params, inputs, within=within)
    analysis.errors += use.errors
    analysis.warnings += use.warnings
    if use.info is not None:
        analysis.nodes[node_id] = use.info
        analysis.blocks[node_id] = use.copies


_ONE_OR_MORE = (BLOCK, "RNN", "LSTM", "GRU")  # a tensor when they give one output (a recurrent layer's "output")


def hands_tuple(info: NodeInfo) -> bool:
    """Whether a node's value is a tuple of its outputs (Split, a Block of several outputs), not a tensor."""
    if info.layer.outputs is not None:
        return False
    if info.layer.type in _ONE_OR_MORE:
        return len(info.outputs) > 1
    return True  # torch.split gives a tuple however many pieces


def _inputs(analysis: Analysis, node_id: str) -> list[Value] | None:
    assert analysis.structure is not None
    values = []
    for source, port in analysis.structure.inputs[node_id]:
        if source not in analysis.nodes:
            return None
        outputs = analysis.nodes[source].outputs
        if port >= len(outputs):
            analysis.errors.append(node_error(
                node_id, f"reads output {port} of {source!r}, which has {len(outputs)} output"
                         f"{'s' if len(outputs) != 1 else ''}", "source_port"))
            return None
        values.append(outputs[port])
    return values


def _check_size(analysis: Analysis) -> None:
    limit = max_params()
    if analysis.params > limit:
        biggest = max(analysis.nodes, key=lambda n: analysis.nodes[n].param_count)
        setting = SETTING_NAMES["max_params"]
        analysis.errors.append(node_error(
            biggest, f"the model has {analysis.params:,} parameters, over the limit of {limit:,} ({setting}) "
                     f"({biggest!r} alone has {analysis.nodes[biggest].param_count:,})"))


def validate(graph: Any) -> dict[str, Any]:
    """Shapes, parameter and FLOP counts of every node, and every error, for the editor and ``graph check``.

    Never raises for bad input: a broken graph answers ``ok: False`` with its errors. ``warnings``, in the
    errors' form, name settings that are legal but do nothing (an LSTM's dropout with num_layers 1); they
    leave ``ok`` as it is.

    >>> graph = {"format": "netbuilder.graph/1", "name": "MyNetwork",
    ...          "nodes": [{"id": "x", "type": "Input", "params": {"shape": [784]}},
    ...                    {"id": "fc", "type": "Linear", "params": {"out_features": 10}},
    ...                    {"id": "y", "type": "Output"}],
    ...          "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}]}
    >>> result = validate(graph)
    >>> result["ok"], result["params"], result["output_shapes"], result["nodes"]["fc"]["shape"]
    (True, 7850, [[10]], [10])
    """
    analysis = analyse(graph)
    nodes: dict[str, Any] = {}
    output_shapes: list[list[int] | None] = []
    if analysis.structure is not None:
        for node_id in analysis.structure.nodes:
            info = analysis.nodes.get(node_id)
            shapes = [list(v.shape) for v in info.outputs] if info else []
            nodes[node_id] = {
                "shape": shapes[0] if shapes else None, "shapes": shapes,
                "params": info.param_count if info else None, "flops": info.flops if info else None,
            }
        output_shapes = [nodes[n]["shape"] for n in analysis.structure.output_nodes]
        nodes.update(node_answers(analysis))  # inside blocks: "stage1/1/c1"
    params = analysis.params
    return {
        "ok": not analysis.errors,
        "params": params,
        "trainable_params": analysis.trainable_params if analysis.structure is not None else 0,
        "flops": sum(info.flops for info in analysis.nodes.values()),
        "param_bytes": params * BYTES_PER_PARAM,
        "output_shapes": output_shapes,
        "nodes": nodes,
        "errors": analysis.errors,
        "warnings": analysis.warnings,
    }
