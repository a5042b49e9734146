"""The layer catalog: every node type a graph may name, its parameters and its rules.

This is the one list. ``GET /api/layers`` serves it (:func:`catalog_json`), the browser draws its
palette and forms from it, and the compiler looks every type up here, so nothing a graph names is
ever imported or evaluated. The layers themselves are registered in :mod:`builder.engine.graph.layers`.

Registering a layer type takes one :class:`Layer`: its parameters, a shape rule that maps the
input tensors of one sample to its outputs (filling in inferred parameters), counts of parameters
and FLOPs, the ``torch.nn`` class it builds, and how its ``forward`` line reads::

    register(Layer(
        type="Tanhshrink", category="Activation", doc="x - tanh(x), element-wise.",
        infer=same_shape, module=nn.Tanhshrink,
    ))
"""

from __future__ import annotations

import builtins
import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from torch import nn

from ..options import Option, shown
from .errors import node_error
from .initialise import INIT_NAMES, INIT_OPTIONS

FORMAT = "netbuilder.catalog/1"
CATEGORIES = (
    "Input/Output", "Core", "Convolution", "Pooling", "Normalization", "Recurrent", "Attention",
    "Activation", "Merge", "Shape", "Pretrained", "Blocks",
)
Shape = tuple[int, ...]


@dataclass(frozen=True)
class Value:
    """What flows along an edge for one sample: a shape without the batch dimension, and a dtype."""

    shape: Shape
    dtype: str = "float32"


class Emitter(Protocol):
    """Writes one node's forward computation; the compiler emits torch.fx nodes, the exporter Python source.

    A layer's ``forward`` is written once against this interface, so the GraphModule and the exported
    ``model.py`` compute the same thing by construction.
    """

    def module(self, *args: Any, **kwargs: Any) -> Any: ...            # self.<node id>(*args)
    def item(self, value: Any, index: int) -> Any: ...                 # value[index]
    def method(self, value: Any, name: str, *args: Any, **kwargs: Any) -> Any: ...  # value.name(...)
    def call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any: ...  # torch.<fn>(...)
    def op(self, symbol: str, left: Any, right: Any) -> Any: ...       # left <symbol> right
    def tensor(self) -> Any: ...                                       # self.<node id>, a Parameter or buffer
    def bind(self, value: Any, name: str) -> Any: ...                  # <node id>_<name> = value, used twice
    def training(self) -> Any: ...                                     # self.training, True in train mode


Rule = Callable[[str, dict[str, Any], list[Value]], list[Value]]
Forward = Callable[[Emitter, dict[str, Any], list[Any]], Any]


@dataclass(frozen=True)
class Construct:
    """A ``torch.nn`` constructor call whose arguments may be calls too (a stack of layers): what the compiler
    builds and what ``model.py`` writes, from one description."""

    cls: builtins.type[nn.Module]
    kwargs: Mapping[str, Any]

    def build(self) -> nn.Module:
        return self.cls(**{k: v.build() if isinstance(v, Construct) else v for k, v in self.kwargs.items()})


@dataclass(frozen=True)
class Held:
    """The one tensor a Parameter or Constant node holds as ``self.<node id>``: a learned ``nn.Parameter`` made
    with ``init_calls`` (see :mod:`builder.engine.graph.initialise`), or a buffer of the given `value`."""

    kind: str  # "parameter" | "buffer"
    shape: Shape
    dtype: str = "float32"
    value: Any = None  # a buffer's nested list
    init_calls: tuple[tuple[str, str, dict], ...] = ()


def _module_call(e: Emitter, p: dict[str, Any], args: list[Any]) -> Any:
    return e.module(*args)


def _no_params(p: dict[str, Any]) -> int:
    return 0


def _no_flops(p: dict[str, Any], inputs: list[Value], outputs: list[Value]) -> int:
    return 0


def _no_problems(p: dict[str, Any]) -> list[Any]:
    return []


def _no_warnings(p: dict[str, Any], inputs: list[Value]) -> list[tuple[str, str]]:
    return []


def _exports(p: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Layer:
    """One node type: its form, its shape rule, its counts and the module or computation it becomes.

    ``infer(type, params, inputs)`` gets the checked parameters (defaults filled, inferred ones None
    unless given) and the input values in port order; it fills inferred parameters in place and
    returns the output values, or raises :class:`~builder.engine.graph.errors.NodeError`.

    ``check(params)`` returns problems that make the graph unbuildable but leave its shapes known (a
    pretrained weights file that is missing), as a list of ``NodeError``. ``make(params)`` builds the
    module when it is not a ``torch.nn`` class called with the parameters (a torchvision model);
    ``construct(params)`` describes it when it is ``torch.nn`` classes nested in each other (a stack of
    encoder layers), so that ``model.py`` writes the same call. ``holds(params)`` describes the tensor a
    node keeps as an attribute of the model itself (a Parameter node's learned tensor).
    ``onnx_refusal(params)`` says why a node so set can't be exported to ONNX where torch's exporter would
    write a model that runs wrong or not at all (an LSTM's projection), else None.

    ``warn(params, inputs)`` returns (field, message) for settings that are legal but do nothing (an LSTM's
    dropout with one layer): ``validate`` answers them as ``warnings``, which never make a graph fail.
    """

    type: str
    category: str
    doc: str
    infer: Rule
    params: tuple[Option, ...] = ()
    module: builtins.type[nn.Module] | None = None  # `type` is the field above here
    fixed_kwargs: Mapping[str, Any] = field(default_factory=dict)
    forward_only: frozenset[str] = frozenset()
    forward: Forward = _module_call
    count_params: Callable[[dict[str, Any]], int] = _no_params
    flops: Callable[[dict[str, Any], list[Value], list[Value]], int] = _no_flops
    count_fresh: Callable[[dict[str, Any]], int] = _no_params  # new parameters that train even when frozen
    check: Callable[[dict[str, Any]], list[Any]] = _no_problems
    warn: Callable[[dict[str, Any], list[Value]], list[tuple[str, str]]] = _no_warnings
    make: Callable[[dict[str, Any]], nn.Module] | None = None
    construct: Callable[[dict[str, Any]], Construct] | None = None
    holds: Callable[[dict[str, Any]], Held] | None = None
    onnx_refusal: Callable[[dict[str, Any]], str | None] = _exports
    inputs: tuple[int, int | None] = (1, 1)
    input_names: tuple[str, ...] = ()
    outputs: int | None = 1

    def __post_init__(self) -> None:
        assert self.category in CATEGORIES, self.category

    def kwargs(self, p: dict[str, Any]) -> dict[str, Any]:
        """Constructor arguments of ``module``: the parameters, less those only ``forward`` reads and the ``init``
        options (applied after it is built), plus fixed ones."""
        init = INIT_NAMES if self.takes_init else frozenset()
        return {k: v for k, v in p.items() if k not in self.forward_only and k not in init} | dict(self.fixed_kwargs)

    @property
    def takes_init(self) -> bool:
        """Whether its weights take the ``init`` options (PReLU's own ``init`` is its slope, not these)."""
        return self.holds is None and INIT_OPTIONS[0] in self.params

    @property
    def has_module(self) -> bool:
        """Whether a node of this type is a submodule (else a graph operation such as Add)."""
        return self.module is not None or self.make is not None or self.construct is not None

    @property
    def shareable(self) -> bool:
        """Whether another node of this type may call its module (``share``): a module model.py writes as one call."""
        return self.has_module and self.type not in UNSHARED

    def build(self, p: dict[str, Any]) -> nn.Module:
        if self.make is not None:
            return self.make(p)
        if self.construct is not None:
            return self.construct(p).build()
        assert self.module is not None, f"{self.type} is a graph operation, not a module"
        return self.module(**self.kwargs(p))

    def check_params(self, node: str, raw: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Parameters with defaults filled and values normalised, and an error per bad one."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            return {}, [node_error(node, f"params must be an object, got {shown(raw)}", "params")]
        errors = [
            node_error(node, f"{self.type} has no parameter {name!r}", str(name))
            for name in raw if name not in self._params_by_name
        ]
        resolved: dict[str, Any] = {}
        for param in self.params:
            if param.name not in raw:
                if param.required:
                    errors.append(node_error(node, f"{self.type} needs {param.name}", param.name))
                resolved[param.name] = param.default
                continue
            try:
                resolved[param.name] = param.check(raw[param.name])
            except ValueError as e:
                errors.append(node_error(node, str(e), param.name))
        return resolved, errors

    @functools.cached_property
    def _params_by_name(self) -> dict[str, Option]:
        return {p.name: p for p in self.params}

    def as_json(self) -> dict[str, Any]:
        inputs: dict[str, Any] = {"min": self.inputs[0], "max": self.inputs[1]}
        if self.input_names:
            inputs["names"] = list(self.input_names)
        return {
            "type": self.type, "category": self.category, "doc": self.doc, "inputs": inputs,
            "outputs": self.outputs, "params": [p.as_json() for p in self.params],
            "shareable": self.shareable, "ties_to": TIES.get(self.type),
        }


LAYERS: dict[str, Layer] = {}
BLOCK = "Block"  # the type of a node that uses one of the graph's blocks (builder.engine.graph.blocks)
UNSHARED = (BLOCK, "TorchvisionModel")  # modules that model.py writes out as more than one call
TIES = {"Linear": "Embedding"}  # a node of this type may take (``tie``) the weight of one of that type


def register(layer: Layer) -> Layer:
    assert layer.type not in LAYERS, f"{layer.type} is registered twice"
    LAYERS[layer.type] = layer
    _catalog_document.cache_clear()
    return layer


def catalog_json() -> dict[str, Any]:
    """The ``GET /api/layers`` document: categories, every layer type with its parameters, and the limits
    in force (``{"max_params": N, "settings": {"max_params": "NETBUILDER_MAX_PARAMS"}}``).

    >>> doc = catalog_json()
    >>> [p["name"] for p in next(l for l in doc["layers"] if l["type"] == "Linear")["params"]]
    ['in_features', 'out_features', 'bias', 'init', 'init_std', 'init_a', 'init_b']
    """
    from builder.engine.settings import SETTING_NAMES, engine_settings

    limits = {"max_params": engine_settings().max_params,
              "settings": {"max_params": SETTING_NAMES["max_params"]}}
    return {**copy.deepcopy(_catalog_document()), "limits": limits}


@functools.cache
def _catalog_document() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "categories": list(CATEGORIES),
        "layers": [layer.as_json() for layer in LAYERS.values()],
    }
