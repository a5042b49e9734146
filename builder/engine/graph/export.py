"""Export a graph as a standalone ``model.py`` that needs only torch, and weights whose keys match it."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .analysis import Analysis, hands_tuple
from .blocks import BLOCK
from .catalog import Construct, Held, Value
from .compile import build, checked, class_name
from .expand import expand_all
from .initialise import init_lines, module_init_calls
from .preprocess import source_lines, tokenizer_lines


class _Code(str):
    """Python source of an expression, printed as is (plain values are printed with repr)."""


def _render(value: Any) -> str:
    if isinstance(value, _Code):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_render(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([_render(a) for a in args] + [f"{k}={_render(v)}" for k, v in kwargs.items()])


def _index(index: Any) -> str:
    """An index as Python writes it: ``:, 2:10:2`` for (slice(None), slice(2, 10, 2)), ``..., -5:`` with Ellipsis."""
    if not isinstance(index, tuple):
        return str(index)

    def one(i: Any) -> str:
        if i is Ellipsis:
            return "..."
        if not isinstance(i, slice):
            return str(i)
        text = ("" if i.start is None else str(i.start)) + ":" + ("" if i.stop is None else str(i.stop))
        return text + ("" if i.step in (None, 1) else f":{i.step}")
    return ", ".join(one(i) for i in index)


class _SourceEmitter:
    """Writes one graph node's forward computation as a Python expression (see ``catalog.Emitter``)."""

    def __init__(self, node_id: str, attribute: str | None = None):
        self.node_id = node_id
        self.attribute = attribute or f"self.{node_id}"  # where the node's module lives
        self.lines: list[str] = []  # statements the node's line needs first (a result it uses twice)

    def module(self, *args: Any, **kwargs: Any) -> _Code:
        return _Code(f"{self.attribute}({_arguments(args, kwargs)})")

    def item(self, value: _Code, index: Any) -> _Code:
        return _Code(f"{value}[{_index(index)}]")

    def method(self, value: _Code, name: str, *args: Any, **kwargs: Any) -> _Code:
        return _Code(f"{value}.{name}({_arguments(args, kwargs)})")

    def call(self, fn: Callable, *args: Any, **kwargs: Any) -> _Code:
        assert getattr(torch, fn.__name__) is fn, f"{fn} is not a torch function"
        return _Code(f"torch.{fn.__name__}({_arguments(args, kwargs)})")

    def op(self, symbol: str, left: _Code, right: _Code) -> _Code:
        return _Code(f"{left} {symbol} {right}")

    def tensor(self) -> _Code:
        return _Code(f"self.{self.node_id}")

    def bind(self, value: _Code, name: str) -> _Code:
        local = f"{self.node_id}_{name}"
        self.lines.append(f"        {local} = {value}")
        return _Code(local)

    def training(self) -> _Code:
        return _Code("self.training")


def _shape_comment(values: list[Value]) -> str:
    shapes = ", ".join("(B" + "".join(f", {s}" for s in v.shape) + ")" for v in values)
    return f"  # {shapes}"


def _constructor(analysis: Analysis, node_id: str, raw: dict[str, Any] | None = None,
                 declared: dict[str, Any] | None = None) -> str:
    """``nn.<Layer>(...)`` with the arguments that differ from torch's defaults; inside a block class
    (`raw`: the node's params as the block wrote them, `declared`: the block's values) arguments that
    stand for a block parameter are written as its name."""
    info = analysis.nodes[node_id]
    if info.layer.construct is not None:  # torch.nn classes nested in each other, as the compiler builds them
        params = info.params
        if declared is not None:
            given = raw or {}
            params = {k: _as_parameter(v, given.get(k), declared, inferred=k not in given) for k, v in params.items()}
        return _construct(info.layer.construct(params))
    module = info.layer.module
    assert module is not None and getattr(nn, module.__name__) is module, f"{module} is not in torch.nn"
    kwargs = _not_default(module, info.layer.kwargs(info.params))
    if declared is not None:
        given = raw or {}
        kwargs = {k: _as_parameter(v, given.get(k), declared, inferred=k not in given) for k, v in kwargs.items()}
    return f"nn.{module.__name__}({_arguments((), kwargs)})"


def _not_default(module: type[nn.Module], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments that differ from the torch.nn class's defaults (a block parameter's name always stays)."""
    torch_defaults = {name: p.default for name, p in inspect.signature(module).parameters.items()}
    return {k: v for k, v in kwargs.items() if isinstance(v, _Code)
            or torch_defaults.get(k, inspect.Parameter.empty) is inspect.Parameter.empty or v != torch_defaults[k]}


def _construct(call: Construct) -> str:
    """``nn.<cls>(...)`` of a Construct, nested calls written inside it."""
    assert getattr(nn, call.cls.__name__) is call.cls, f"{call.cls} is not in torch.nn"
    kwargs = {k: _Code(_construct(v)) if isinstance(v, Construct) else v
              for k, v in _not_default(call.cls, dict(call.kwargs)).items()}
    return f"nn.{call.cls.__name__}({_arguments((), kwargs)})"


def export_python(graph: Any, *, preprocessing: dict | None = None) -> str:
    """A standalone ``model.py`` (imports only torch) whose class matches :func:`compile_graph`'s state dict.

    One ``forward()`` line per node, each with its output shape::

        >>> source = export_python({"format": "netbuilder.graph/1", "name": "MyNetwork",
        ...     "nodes": [{"id": "x", "type": "Input", "params": {"shape": [784]}},
        ...               {"id": "fc1", "type": "Linear", "params": {"out_features": 10}},
        ...               {"id": "y", "type": "Output"}],
        ...     "edges": [{"source": "x", "target": "fc1"}, {"source": "fc1", "target": "y"}]})
        >>> print(source[source.index("class"):])  # doctest: +NORMALIZE_WHITESPACE
        class MyNetwork(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(in_features=784, out_features=10)
        <BLANKLINE>
            def forward(self, x):
                fc1 = self.fc1(x)  # (B, 10)
                return fc1
        <BLANKLINE>

    A ``TorchvisionModel`` node is written out as its layers (see :mod:`builder.engine.graph.expand`), held
    in nested ``nn.ModuleDict``s named as torchvision's modules, so the state-dict keys stay
    ``<node id>.<torchvision key>`` as in the GraphModule. Architectures that do not expand (ViT,
    ConvNeXt, EfficientNet) can't be exported as model.py.

    ``preprocessing`` is the training data's scaling (see :mod:`builder.engine.graph.preprocess`): the class
    then holds it as buffers, scales its input first and unscales its output last, as the GraphModule
    that :func:`builder.engine.graph.preprocess.attach` gives, so forward() takes raw inputs.

    Raises:
        GraphError: with every error of the graph.
    """
    origins: dict[str, tuple[str, str]] = {}
    if _has_pretrained(graph):
        graph, origins = expand_all(graph)
    analysis = checked(graph)
    structure = analysis.structure
    assert structure is not None
    name = class_name(structure.doc.name)
    init = _init_lines(analysis, origins, _BlockClasses.of(analysis, taken=name))
    scaling_init, body, unscale = source_lines(preprocessing, structure.input_nodes[0] if structure.input_nodes else "")
    raw = bool(scaling_init or body or unscale)
    arguments = [f"{n}: {' × '.join(map(str, analysis.nodes[n].outputs[0].shape))}"
                 f" {analysis.nodes[n].outputs[0].dtype}" for n in structure.input_nodes]
    classes = _BlockClasses.of(analysis, taken=name)
    body += _forward_lines(analysis, origins, classes, comments=True)
    results = [_pick(analysis, *structure.inputs[n][0]) for n in structure.output_nodes]
    if unscale is not None:
        assert len(results) == 1, "a regression model trained on one target has one output"
        results = [_Code(unscale.format(results[0]))]
    lines = [
        f'"""{name}: exported by NetBuilder from a netbuilder.graph/1 document.',
        "",
        "Per sample, forward() takes " + "; ".join(arguments) + "."
        + (" Inputs are raw: the training data's resizing and scaling are built in." if raw else ""),
        "Load weights saved by NetBuilder:",
        "",
        f"    net = {name}()",
        '    net.load_state_dict(torch.load("model.pth"))',
        '"""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "",
        *tokenizer_lines(preprocessing),
        *classes.source(),
        f"class {name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *init,
        *scaling_init,
        "",
        f"    def forward(self, {', '.join(structure.input_nodes)}):",
        *body,
        f"        return {', '.join(results)}",
        "",
    ]
    return "\n".join(lines)


def _has_pretrained(graph: Any) -> bool:
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    return isinstance(nodes, list) and any(isinstance(n, dict) and n.get("type") == "TorchvisionModel" for n in nodes)


def _init_lines(analysis: Analysis, origins: dict[str, tuple[str, str]], classes: _BlockClasses) -> list[str]:
    """``self.<id> = nn.<Layer>(...)`` per module node; an expanded TorchvisionModel as one tree of ModuleDicts;
    a Block node as an ``nn.ModuleList`` of its copies."""
    structure = analysis.structure
    assert structure is not None
    lines: list[str] = []
    trees: dict[str, dict[str, Any]] = {}
    for node_id in structure.order:
        holds = analysis.nodes[node_id].layer.holds
        if holds is not None:
            lines += _held_lines(node_id, holds(analysis.nodes[node_id].params))
        if not analysis.nodes[node_id].layer.has_module or structure.nodes[node_id].share is not None:
            continue
        if analysis.nodes[node_id].layer.type == BLOCK:
            lines.append(f"        self.{node_id} = {classes.module_list(analysis, node_id)}")
            continue
        if node_id not in origins:
            lines.append(f"        self.{node_id} = {_constructor(analysis, node_id)}")
            lines += _module_init_lines(analysis, node_id)
            continue
        owner, path = origins[node_id]
        if owner not in trees:
            trees[owner] = {}
            lines.append(_Code(f"        self.{owner} = <tree {owner}>"))  # filled in below, once complete
        branch = trees[owner]
        *parents, leaf = path.split(".")
        for part in parents:
            branch = branch.setdefault(part, {})
        branch.setdefault(leaf, _constructor(analysis, node_id))  # a module called twice is defined once
    for owner, tree in trees.items():
        at = lines.index(f"        self.{owner} = <tree {owner}>")
        lines[at] = f"        self.{owner} = {_module_dict(tree, 2)}  # expanded TorchvisionModel"
    lines += [f"        self.{node_id}.weight = self.{node.tie}.weight  # tied to the embedding"
              for node_id, node in structure.nodes.items() if node.tie is not None]
    return lines


def _held_lines(node_id: str, held: Held) -> list[str]:
    """A Parameter node's ``nn.Parameter`` and its init, or a Constant's buffer."""
    if held.kind == "buffer":
        return [f"        self.register_buffer({node_id!r}, torch.tensor({held.value!r}, dtype=torch.{held.dtype}))"]
    sizes = ", ".join(map(str, held.shape))
    return [f"        self.{node_id} = nn.Parameter(torch.empty({sizes}))",
            *init_lines(f"self.{node_id}", list(held.init_calls))]


def _module_init_lines(analysis: Analysis, node_id: str) -> list[str]:
    """``nn.init`` calls on a module node's weights when its ``init`` is not torch's default."""
    info = analysis.nodes[node_id]
    return init_lines(f"self.{node_id}", module_init_calls(info.layer, info.params))


def _module_dict(tree: dict[str, Any], depth: int) -> str:
    pad = "    " * (depth + 1)
    items = [f"{pad}{key!r}: {_module_dict(value, depth + 1) if isinstance(value, dict) else value},"
             for key, value in tree.items()]
    return "nn.ModuleDict({\n" + "\n".join(items) + "\n" + "    " * depth + "})"


def _tree_attribute(owner: str, path: str) -> str:
    return f"self.{owner}" + "".join(f"[{part!r}]" for part in path.split("."))


def _pick(analysis: Analysis, source: str, port: int) -> _Code:
    return _Code(f"{source}[{port}]" if hands_tuple(analysis.nodes[source]) else source)


def _forward_lines(analysis: Analysis, origins: dict[str, tuple[str, str]], classes: _BlockClasses, *,
                   comments: bool) -> list[str]:
    """forward()'s lines, one per node (a Block node: one per copy, each on the last one's outputs)."""
    structure = analysis.structure
    assert structure is not None
    lines = []
    for node_id in structure.order:
        info = analysis.nodes[node_id]
        if info.layer.type in ("Input", "Output"):
            continue
        args = [_pick(analysis, source, port) for source, port in structure.inputs[node_id]]
        comment = _shape_comment(info.outputs) if comments else ""
        if info.layer.type == BLOCK:
            for k in range(len(analysis.blocks[node_id])):
                call = ", ".join(args) if k == 0 else (node_id if len(info.outputs) == 1 else f"*{node_id}")
                lines.append(f"        {node_id} = self.{node_id}[{k}]({call}){comment}")
            continue
        owner = structure.nodes[node_id].share
        attribute = (_tree_attribute(*origins[node_id]) if node_id in origins
                     else f"self.{owner}" if owner is not None else None)
        emit = _SourceEmitter(node_id, attribute)
        expression = info.layer.forward(emit, info.params, args)
        if isinstance(expression, tuple):  # several results (a recurrent layer's output and h_n)
            expression = _Code("(" + ", ".join(expression) + ")")
        lines += emit.lines
        lines.append(f"        {node_id} = {expression}{comment}")
    return lines


class _BlockClasses:
    """One ``nn.Module`` class per block (per variant, when uses differ in more than the block's parameters).

    A class takes the block's declared parameters; an inner layer's argument given as ``"$name"``, or
    inferred and equal to a parameter's value in every use (the ``in_channels`` of a block whose input
    has ``channels`` channels), is written as that parameter, so the uses share the class.
    """

    def __init__(self, taken: str) -> None:
        self.taken = taken  # the graph's own class
        self.texts: dict[str, list[str]] = {}  # class name -> its source lines
        self.family: dict[str, str] = {}  # class name -> the block it is a variant of
        self.name_of: dict[int, str] = {}  # id(copy analysis) -> its class

    @classmethod
    def of(cls, analysis: Analysis, *, taken: str) -> _BlockClasses:
        classes = cls(taken)
        classes.collect(analysis)
        return classes

    def collect(self, analysis: Analysis) -> None:
        structure = analysis.structure
        assert structure is not None
        for node_id, copies in analysis.blocks.items():
            info = analysis.nodes[node_id]
            block = info.params["block"]
            for copy in copies:
                if id(copy) in self.name_of:
                    continue
                self.collect(copy)  # the blocks it uses first: their classes are named before it
                lines = self._render(structure.doc.blocks[block], copy, info.params)
                name = next((n for n, text in self.texts.items() if self.family[n] == block and text == lines), None)
                if name is None:
                    count = sum(1 for n in self.texts if self.family[n] == block)
                    base = block if block != self.taken else f"{block}Block"  # not the graph's own class
                    name = base if not count else f"{base}_{count + 1}"
                    self.texts[name], self.family[name] = lines, block
                self.name_of[id(copy)] = name

    def _render(self, block: Any, copy: Analysis, use: dict[str, Any]) -> list[str]:
        structure = copy.structure
        assert structure is not None
        declared = {k: v for k, v in use.items() if k not in ("block", "repeat", "_outputs")}
        raw = {node.id: node.params for node in block.nodes}
        init = []
        for node_id in structure.order:
            info = copy.nodes[node_id]
            holds = info.layer.holds
            if holds is not None:
                init += _held_lines(node_id, holds(info.params))
            if not info.layer.has_module or structure.nodes[node_id].share is not None:
                continue
            if info.layer.type == BLOCK:
                init.append(f"        self.{node_id} = {self.module_list(copy, node_id, raw[node_id], declared)}")
                continue
            init.append(f"        self.{node_id} = {_constructor(copy, node_id, raw[node_id], declared)}")
            init += _module_init_lines(copy, node_id)
        init += [f"        self.{node_id}.weight = self.{node.tie}.weight  # tied to the embedding"
                 for node_id, node in structure.nodes.items() if node.tie is not None]
        inputs, outputs = structure.input_nodes, structure.output_nodes
        signature = "".join(f", {k}={_render(_plain(_default(block, k)))}" for k in declared)
        results = [_pick(copy, *structure.inputs[n][0]) for n in outputs]
        return [
            "    def __init__(self" + signature + "):",
            "        super().__init__()",
            *init,
            "",
            f"    def forward(self, {', '.join(inputs)}):",
            *_forward_lines(copy, {}, self, comments=False),
            f"        return {', '.join(results)}",
        ]

    def module_list(self, analysis: Analysis, node_id: str, raw: dict[str, Any] | None = None,
                    declared: dict[str, Any] | None = None) -> str:
        """``nn.ModuleList([...])`` of a Block node's copies, each its class called with the block's values."""
        info = analysis.nodes[node_id]
        values = {k: v for k, v in info.params.items() if k not in ("block", "repeat", "_outputs")}
        calls = []
        for copy in analysis.blocks[node_id]:
            args = {k: _as_parameter(v, (raw or {}).get(k), declared or {}, inferred=False) for k, v in values.items()}
            calls.append(f"{self.name_of[id(copy)]}({_arguments((), args)})")
        return f"nn.ModuleList([{', '.join(calls)}])"

    def source(self) -> list[str]:
        out = []
        for name, lines in self.texts.items():
            out += [f"class {name}(nn.Module):", *lines, "", ""]
        return out


def _default(block: Any, name: str) -> Any:
    spec = block.params.get(name)
    return spec.get("default") if isinstance(spec, dict) else None


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _as_parameter(value: Any, raw: Any, declared: dict[str, Any], *, inferred: bool) -> Any:
    """An inner argument as the block class writes it: a declared parameter's name where it stands for one."""
    if isinstance(raw, str) and raw.startswith("$") and raw[1:] in declared:
        return _Code(raw[1:])
    if not inferred:
        return _plain(value)
    if isinstance(value, int) and not isinstance(value, bool):
        name = next((k for k, v in declared.items() if v == value and not isinstance(v, bool)), None)
        return _plain(value) if name is None else _Code(name)
    if isinstance(value, list | tuple) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        # An inferred size list (a LayerNorm's normalized_shape [32] in a block of d_model=32): each size that
        # is a parameter's value is written as that parameter, so the class follows it.
        items = [_as_parameter(v, None, declared, inferred=True) for v in value]
        if any(isinstance(item, _Code) for item in items):
            return _Code("[" + ", ".join(str(item) for item in items) + "]")
    return _plain(value)


def export_state_dict(graph: Any) -> dict[str, torch.Tensor]:
    """Freshly initialised weights of the graph's model, keyed as both the GraphModule and ``model.py`` expect."""
    return build(checked(graph)).state_dict()


def write_export(graph: Any, out: Path, state_dict: dict[str, torch.Tensor] | None = None) -> list[Path]:
    """Write ``model.py``, ``model.pth`` (``state_dict``, or fresh weights) and ``graph.json`` into ``out``."""
    source = export_python(graph)
    weights = export_state_dict(graph) if state_dict is None else state_dict
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "model.py", out / "model.pth", out / "graph.json"]
    paths[0].write_text(source)
    torch.save(weights, paths[1])
    paths[2].write_text(json.dumps(graph, indent=2) + "\n")
    return paths
