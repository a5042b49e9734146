"""Every layer type of the catalog: parameters, shape rule, counts, module and forward line.

Shapes here are one sample's, without the batch dimension. Parameters called ``dim`` count the
batch as dimension 0, as in PyTorch code (``torch.cat(xs, dim=1)`` joins channels); negative ones
count from the end. FLOPs are 2 × the multiply-accumulates of matrix products and convolutions
(Linear, Bilinear, convolutions, recurrent gates, attention projections and score/value products, MatMul,
Einsum) for one sample; element-wise work, normalisation, reductions, padding and pooling count 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..options import MAX_SIZE, Option
from .catalog import Construct, Emitter, Held, Layer, Rule, Shape, Value, register
from .errors import NodeError
from .initialise import INIT_OPTIONS, TENSOR_INIT_OPTIONS, init_calls, init_problems, init_warnings

P = dict[str, Any]


# Helpers for shape rules ------------------------------------------------------------------------


def fmt(shape: Shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _floats(t: str, xs: list[Value]) -> None:
    for x in xs:
        if x.dtype != "float32":
            raise NodeError(f"{t} expects float32 input, got {x.dtype} (token ids go through an Embedding first)")


def _rank(t: str, x: Value, layout: str, *ranks: int) -> None:
    """Require a per-sample rank; ``layout`` names the dimensions for the message, e.g. "[C, H, W]"."""
    if len(x.shape) not in ranks:
        raise NodeError(f"{t} expects input of shape {layout}, got {fmt(x.shape)}")


def _features(t: str, x: Value, name: str) -> None:
    if not x.shape:
        raise NodeError(f"{t} expects input of shape [..., {name}], got a single value per sample []")


def _size(t: str, p: P, name: str, actual: int, x: Value) -> None:
    """Fill an omitted input-size parameter from the input, or check the given one against it."""
    if p[name] is None:
        p[name] = actual
    elif p[name] != actual:
        raise NodeError(f"{t} expects {name} {p[name]}, got {actual} (input shape {fmt(x.shape)})", name)


def _tuple(value: int | tuple[int, ...], n: int) -> tuple[int, ...]:
    return (value,) * n if isinstance(value, int) else tuple(value)


def _dim(t: str, dim: int, x: Value, field: str = "dim") -> int:
    """A ``dim`` counted with the batch as 0, as an index into the per-sample shape."""
    rank = len(x.shape) + 1
    d = dim + rank if dim < 0 else dim
    if d == 0:
        raise NodeError(f"{t} cannot work along dim {dim}: that is the batch dimension", field)
    if not 0 < d < rank:
        raise NodeError(f"{t} dim {dim} is out of range for input shape {fmt(x.shape)} (the batch is dim 0)", field)
    return d - 1


_SPATIAL = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}  # one sample's layout, by spatial rank


def same_shape(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    return [xs[0]]


def _numel(shape: Shape) -> int:
    return math.prod(shape)


def _param(name: str, kind: Any, doc: str, **kw: Any) -> Option:
    return Option(name=name, kind=kind, doc=doc, **kw)


def _size_param(name: str, doc: str) -> Option:
    return _param(name, "int", f"{doc}; inferred from the input when omitted.", inferred=True, min=1, max=MAX_SIZE)


def _count(name: str, doc: str, default: int | None = None) -> Option:
    return _param(name, "int", doc, default=default, required=default is None, min=1, max=MAX_SIZE)


BIAS = _param("bias", "bool", "Learn an additive bias.", default=True)
EPS = _param("eps", "float", "Added to the variance for numerical stability.", default=1e-5, min=0.0)
MOMENTUM = _param("momentum", "float", "Running statistics update rate (null: cumulative average).",
                  default=0.1, min=0.0, max=1.0, nullable=True)
DROPOUT_P = _param("p", "float", "Probability of zeroing an element.", default=0.5, min=0.0, max=1.0)


# Input / Output --------------------------------------------------------------------------------


def _input(t: str, p: P, xs: list[Value]) -> list[Value]:
    if -1 in p["shape"]:
        raise NodeError(f"Input shape must be fully known, got {fmt(p['shape'])}", "shape")
    return [Value(p["shape"], p["dtype"])]


register(Layer(
    type="Input", category="Input/Output", inputs=(0, 0),
    doc="A tensor fed to forward(); several Inputs become its arguments in the order of the graph's nodes.",
    params=(
        _param("shape", "shape", "Shape of one sample, without the batch dimension.", required=True),
        _param("dtype", "choice", "float32 for features, int64 for token ids.", default="float32",
               choices=("float32", "int64")),
    ),
    infer=_input,
))
register(Layer(
    type="Output", category="Input/Output", outputs=0,
    doc="A result of forward(); several Outputs are returned as a tuple in the order of the graph's nodes.",
    infer=lambda t, p, xs: [xs[0]],
))


# Core -----------------------------------------------------------------------------------------


def _linear(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    _features(t, x, "in_features")
    _size(t, p, "in_features", x.shape[-1], x)
    return [Value(x.shape[:-1] + (p["out_features"],))]


register(Layer(
    type="Linear", category="Core", module=nn.Linear, doc="Fully connected layer: y = x Wᵀ + b.",
    params=(
        _size_param("in_features", "Size of each input sample"),
        _count("out_features", "Size of each output sample."),
        BIAS,
        *INIT_OPTIONS,
    ),
    infer=_linear,
    count_params=lambda p: p["in_features"] * p["out_features"] + p["out_features"] * p["bias"],
    flops=lambda p, xs, ys: 2 * _numel(xs[0].shape) * p["out_features"],
))


def _bilinear(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    x1, x2 = xs
    _features(t, x1, "in1_features")
    _features(t, x2, "in2_features")
    if x1.shape[:-1] != x2.shape[:-1]:
        raise NodeError(f"{t} needs inputs with the same leading dimensions, got {fmt(x1.shape)} and {fmt(x2.shape)}")
    _size(t, p, "in1_features", x1.shape[-1], x1)
    _size(t, p, "in2_features", x2.shape[-1], x2)
    return [Value(x1.shape[:-1] + (p["out_features"],))]


register(Layer(
    type="Bilinear", category="Core", module=nn.Bilinear, inputs=(2, 2), input_names=("input1", "input2"),
    doc="Bilinear layer: y = x₁ᵀ A x₂ + b.",
    params=(
        _size_param("in1_features", "Size of each first input sample"),
        _size_param("in2_features", "Size of each second input sample"),
        _count("out_features", "Size of each output sample."),
        BIAS,
        *INIT_OPTIONS,
    ),
    infer=_bilinear,
    count_params=lambda p: p["in1_features"] * p["in2_features"] * p["out_features"] + p["out_features"] * p["bias"],
    flops=lambda p, xs, ys: 2 * _numel(ys[0].shape) * p["in1_features"] * p["in2_features"],
))


def _embedding(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    if x.dtype != "int64":
        raise NodeError(f"{t} expects int64 token ids, got {x.dtype} (set the Input's dtype to int64)")
    n = p["num_embeddings"]
    if p["padding_idx"] is not None and not -n <= p["padding_idx"] < n:
        raise NodeError(f"padding_idx must lie within num_embeddings {n}, got {p['padding_idx']}", "padding_idx")
    return [Value(x.shape + (p["embedding_dim"],))]


register(Layer(
    type="Embedding", category="Core", module=nn.Embedding, doc="A learned vector for each token id.",
    params=(
        _count("num_embeddings", "Vocabulary size: token ids lie in [0, num_embeddings)."),
        _count("embedding_dim", "Size of each embedding vector."),
        _param("padding_idx", "int", "Token id whose vector stays zero (null: none).", nullable=True,
               min=-MAX_SIZE, max=MAX_SIZE),
        *INIT_OPTIONS,
    ),
    infer=_embedding,
    count_params=lambda p: p["num_embeddings"] * p["embedding_dim"],
))


def _embedding_bag(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    _rank(t, x, "[L] (one bag of token ids)", 1)
    (bag,) = _embedding(t, p, xs)
    return [Value(bag.shape[1:])]


register(Layer(
    type="EmbeddingBag", category="Core", module=nn.EmbeddingBag,
    doc="The mean, sum or max of the vectors of a bag of token ids: [L] ids → [embedding_dim] (padding_idx "
        "tokens left out).",
    params=(
        _count("num_embeddings", "Vocabulary size: token ids lie in [0, num_embeddings)."),
        _count("embedding_dim", "Size of each embedding vector."),
        _param("mode", "choice", "How the bag's vectors combine.", default="mean", choices=("mean", "sum", "max")),
        _param("padding_idx", "int", "Token id left out of every bag, its vector zero (null: none).", nullable=True,
               min=-MAX_SIZE, max=MAX_SIZE),
        *INIT_OPTIONS,
    ),
    infer=_embedding_bag,
    count_params=lambda p: p["num_embeddings"] * p["embedding_dim"],
))

def _channel_dropout(n: int) -> Rule:
    def rule(t: str, p: P, xs: list[Value]) -> list[Value]:
        _rank(t, xs[0], _SPATIAL[n], n + 1)
        return same_shape(t, p, xs)
    return rule


def _dropout_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    return [("p", "p 0 zeroes nothing: this dropout does nothing")] if p["p"] == 0 else []


register(Layer(type="Dropout", category="Core", module=nn.Dropout, doc="Zeroes random elements while training.",
               params=(DROPOUT_P,), infer=same_shape, warn=_dropout_warnings))
for _n in (1, 2, 3):
    register(Layer(type=f"Dropout{_n}d", category="Core", module=getattr(nn, f"Dropout{_n}d"), params=(DROPOUT_P,),
                   infer=_channel_dropout(_n), warn=_dropout_warnings,
                   doc=f"Zeroes random whole channels of a {_SPATIAL[_n]} input while training."))

register(Layer(type="Identity", category="Core", module=nn.Identity, doc="Passes its input through unchanged.",
               infer=lambda t, p, xs: [xs[0]]))


# Learned and fixed tensors --------------------------------------------------------------------
#
# A Parameter or Constant node holds one tensor as an attribute of the model (``self.<node id>``: a learned
# nn.Parameter, or a buffer, persistent so it is in the state dict), the same for every sample. Its one input,
# `like`, is any node (the Input, the embeddings): it gives only the batch size, so the output is
# [B, *shape] (``self.pos.expand(x.size(0), 16, 32)``) and adds to, or concatenates with, what flows per sample.

MAX_CONSTANT = 1 << 16  # values a Constant may spell out


def _parameter(t: str, p: P, xs: list[Value]) -> list[Value]:
    if -1 in p["shape"]:
        raise NodeError(f"{t} shape must be fully known, got {fmt(p['shape'])}", "shape")
    for name, message in init_problems(p, p["shape"]):
        raise NodeError(f"{t} {message}", name)
    return [Value(p["shape"])]


def _constant_value(value: Any) -> Any:
    """A Constant's value as given, or the JSON a text field holds (``"[[1, 0], [0, 1]]"``)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_CONSTANT_KINDS: dict[str, tuple[type, ...]] = {"float32": (int, float), "int64": (int,), "bool": (bool,)}


def _nested_shape(t: str, value: Any, dtype: str) -> Shape:
    """The shape of a number or a nested list of numbers with every row as long as its neighbours."""
    if isinstance(value, list):
        if not value:
            raise NodeError(f"{t} value has an empty list", "value")
        shapes = {_nested_shape(t, v, dtype) for v in value}
        if len(shapes) > 1:
            raise NodeError(f"{t} value is ragged: its rows have shapes {', '.join(sorted(map(fmt, shapes)))}", "value")
        return (len(value), *shapes.pop())
    kinds = _CONSTANT_KINDS[dtype]
    if isinstance(value, bool) != (dtype == "bool") or not isinstance(value, kinds) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise NodeError(f"{t} value must hold {'true/false' if dtype == 'bool' else dtype} numbers, got "
                        f"{json.dumps(value)[:40]}", "value")
    return ()


def _constant(t: str, p: P, xs: list[Value]) -> list[Value]:
    shape = _nested_shape(t, p["value"], p["dtype"])
    if _numel(shape) > MAX_CONSTANT:
        raise NodeError(f"{t} value has {_numel(shape):,} entries, over the limit of {MAX_CONSTANT:,}", "value")
    return [Value(shape, p["dtype"])]


def _expand(e: Emitter, p: P, args: list[Any]) -> Any:
    (like,) = args
    sizes = p["shape"] if "shape" in p else _nested_shape("Constant", p["value"], p["dtype"])
    return e.method(e.tensor(), "expand", e.method(like, "size", 0), *sizes)


def _parameter_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    return init_warnings(p)


register(Layer(
    type="Parameter", category="Core", inputs=(1, 1), input_names=("like",),
    doc="A learned tensor of the given shape, the same for every sample (a positional table [L, D], a CLS token "
        "[1, D]); its input only gives the batch size, so it comes out as [B, *shape].",
    params=(_param("shape", "shape", "Shape of the tensor, without the batch.", required=True),
            *TENSOR_INIT_OPTIONS),
    infer=_parameter, forward=_expand, warn=_parameter_warnings, count_params=lambda p: _numel(p["shape"]),
    holds=lambda p: Held("parameter", p["shape"], init_calls=tuple(init_calls(p, [""]))),
))
register(Layer(
    type="Constant", category="Core", inputs=(1, 1), input_names=("like",),
    doc="A fixed tensor (a number or nested list), the same for every sample and kept as a buffer in the state "
        "dict; its input only gives the batch size, so it comes out as [B, *shape].",
    params=(_param("value", "object", "A number or a nested list of numbers (JSON text is read too).",
                   required=True, aliases=_constant_value),
            _param("dtype", "choice", "Type of the values.", default="float32", choices=tuple(_CONSTANT_KINDS))),
    infer=_constant, forward=_expand,
    holds=lambda p: Held("buffer", _nested_shape("Constant", p["value"], p["dtype"]), p["dtype"], p["value"]),
))


# Convolution ----------------------------------------------------------------------------------



def _conv_params(n: int, transposed: bool) -> tuple[Option, ...]:
    def spatial(name: str, doc: str, default: int | None, min: int) -> Option:
        return _param(name, "int_or_ints", doc, default=default, required=default is None, min=min,
                      max=MAX_SIZE, length=n)

    padding = (spatial("padding", "Zero padding added on both sides of each spatial dimension.", 0, 0)
               if transposed else
               _param("padding", "int_or_ints", "Padding added on both sides of each spatial dimension; \"same\": "
                      "the output as large as the input (stride 1), \"valid\": none.", default=0, min=0,
                      max=MAX_SIZE, length=n, choices=("same", "valid")))
    params: tuple[Option, ...] = (
        _size_param("in_channels", "Channels of the input"),
        _count("out_channels", "Channels of the output."),
        spatial("kernel_size", "Size of the convolving kernel.", None, 1),
        spatial("stride", "Stride of the convolution.", 1, 1),
        padding,
    )
    if transposed:
        params += (spatial("output_padding", "Extra size added to one side of each output dimension.", 0, 0),)
    params += (
        _count("groups", "Blocked connections from input to output channels.", default=1),
        BIAS,
        spatial("dilation", "Spacing between kernel elements.", 1, 1),
    )
    if not transposed:
        params += (_param("padding_mode", "choice", "How the padding is filled.", default="zeros",
                          choices=("zeros", "reflect", "replicate", "circular")),)
    return params + INIT_OPTIONS


def _conv_rule(n: int, transposed: bool) -> Callable[[str, P, list[Value]], list[Value]]:
    def rule(t: str, p: P, xs: list[Value]) -> list[Value]:
        _floats(t, xs)
        (x,) = xs
        _rank(t, x, _SPATIAL[n], n + 1)
        _size(t, p, "in_channels", x.shape[0], x)
        for name in ("in_channels", "out_channels"):
            if p[name] % p["groups"]:
                raise NodeError(f"{t} {name} {p[name]} must be divisible by groups {p['groups']}", "groups")
        k, s, d = (_tuple(p[f], n) for f in ("kernel_size", "stride", "dilation"))
        same = p["padding"] == "same"
        if same and any(si != 1 for si in s):
            raise NodeError(f"{t} padding 'same' needs stride 1, got stride {p['stride']}", "padding")
        if same:  # both sides together pad d·(k-1); torch puts an odd one out on the right, the side to fit
            pad = tuple(-(-di * (ki - 1) // 2) for ki, di in zip(k, d, strict=True))
        else:
            pad = (0,) * n if p["padding"] == "valid" else _tuple(p["padding"], n)
        limit = {"reflect": 1, "circular": 0}.get(p.get("padding_mode", "zeros"))
        if limit is not None and any(pi > i - limit for pi, i in zip(pad, x.shape[1:], strict=True)):
            raise NodeError(f"{t} padding {p['padding']} is too large for {p['padding_mode']} padding of input "
                            f"{fmt(x.shape)}", "padding")
        if transposed:
            op = _tuple(p["output_padding"], n)
            if any(o >= max(si, di) for o, si, di in zip(op, s, d, strict=True)):
                raise NodeError(f"{t} output_padding {p['output_padding']} must be smaller than stride or dilation",
                                "output_padding")
            out = tuple((i - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
                        for i, ki, si, pi, di, oi in zip(x.shape[1:], k, s, pad, d, op, strict=True))
        elif same:
            out = x.shape[1:]
        else:
            out = tuple((i + 2 * pi - di * (ki - 1) - 1) // si + 1
                        for i, ki, si, pi, di in zip(x.shape[1:], k, s, pad, d, strict=True))
        if min(out) < 1:
            raise NodeError(f"{t} output would be empty: kernel_size {p['kernel_size']} does not fit input "
                            f"{fmt(x.shape)} with padding {p['padding']}", "kernel_size")
        return [Value((p["out_channels"],) + out)]
    return rule


def _conv_count(n: int, transposed: bool) -> Callable[[P], int]:
    def count(p: P) -> int:
        k = _numel(_tuple(p["kernel_size"], n))
        fan = p["in_channels"] * p["out_channels"] // p["groups"]
        return fan * k + p["out_channels"] * p["bias"]
    return count


def _conv_flops(n: int, transposed: bool) -> Callable[[P, list[Value], list[Value]], int]:
    def flops(p: P, xs: list[Value], ys: list[Value]) -> int:
        k = _numel(_tuple(p["kernel_size"], n))
        fan = p["in_channels"] * p["out_channels"] // p["groups"]
        positions = _numel((xs if transposed else ys)[0].shape[1:])
        return 2 * positions * fan * k
    return flops


def _conv_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    mode = p.get("padding_mode", "zeros")
    unpadded = p["padding"] == "valid" or p["padding"] == 0 or (
        isinstance(p["padding"], tuple) and not any(p["padding"]))
    if mode != "zeros" and unpadded:
        return [("padding_mode", f"padding_mode {mode!r} only fills the padding; with no padding it does nothing")]
    return []


for _n, _transposed in ((1, False), (2, False), (3, False), (1, True), (2, True), (3, True)):
    _type = f"ConvTranspose{_n}d" if _transposed else f"Conv{_n}d"
    register(Layer(
        type=_type, category="Convolution", module=getattr(nn, _type),
        doc=f"{'Transposed ' if _transposed else ''}{_n}-D convolution over a {_SPATIAL[_n]} input.",
        params=_conv_params(_n, _transposed), infer=_conv_rule(_n, _transposed),
        count_params=_conv_count(_n, _transposed), flops=_conv_flops(_n, _transposed), warn=_conv_warnings,
    ))


# Pooling --------------------------------------------------------------------------------------


def _pool_rule(n: int) -> Callable[[str, P, list[Value]], list[Value]]:
    def rule(t: str, p: P, xs: list[Value]) -> list[Value]:
        _floats(t, xs)
        (x,) = xs
        _rank(t, x, _SPATIAL[n], n + 1)
        k = _tuple(p["kernel_size"], n)
        s = _tuple(p["stride"] if p["stride"] is not None else p["kernel_size"], n)
        pad = _tuple(p["padding"], n)
        d = _tuple(p.get("dilation", 1), n)
        if any(2 * pi > ki for pi, ki in zip(pad, k, strict=True)):
            raise NodeError(f"{t} padding {p['padding']} must be at most half of kernel_size {p['kernel_size']}",
                            "padding")
        if t == "AvgPool3d" and any(i < ki for i, ki in zip(x.shape[1:], k, strict=True)):
            raise NodeError(f"{t} kernel_size {p['kernel_size']} does not fit input {fmt(x.shape)}: torch's 3-D "
                            "average pooling needs every size at least the kernel's, padding aside", "kernel_size")
        out = []
        for i, ki, si, pi, di in zip(x.shape[1:], k, s, pad, d, strict=True):
            span = i + 2 * pi - di * (ki - 1) - 1
            o = (span + (si - 1 if p["ceil_mode"] else 0)) // si + 1
            if p["ceil_mode"] and (o - 1) * si >= i + pi:
                o -= 1  # the last window must start inside the input or its left padding
            out.append(o)
        if min(out) < 1:
            raise NodeError(f"{t} output would be empty: kernel_size {p['kernel_size']} does not fit input "
                            f"{fmt(x.shape)}", "kernel_size")
        return [Value((x.shape[0],) + tuple(out))]
    return rule


def _pool_params(n: int, max_pool: bool) -> tuple[Option, ...]:
    def spatial(name: str, doc: str, default: Any, min: int, **kw: Any) -> Option:
        return _param(name, "int_or_ints", doc, default=default, min=min, max=MAX_SIZE, length=n, **kw)

    params: tuple[Option, ...] = (
        spatial("kernel_size", "Size of the pooling window.", None, 1, required=True),
        spatial("stride", "Stride of the window (null: kernel_size).", None, 1, nullable=True),
        spatial("padding", "Implicit padding on both sides.", 0, 0),
    )
    if max_pool:
        params += (spatial("dilation", "Spacing between window elements.", 1, 1),)
    params += (_param("ceil_mode", "bool", "Round the output size up instead of down.", default=False),)
    if not max_pool:
        params += (_param("count_include_pad", "bool", "Count padding zeros in the average.", default=True),)
    return params


for _n in (1, 2, 3):
    for _kind, _max in (("Max", True), ("Avg", False)):
        _type = f"{_kind}Pool{_n}d"
        register(Layer(
            type=_type, category="Pooling", module=getattr(nn, _type), params=_pool_params(_n, _max),
            doc=f"{'Maximum' if _max else 'Average'} over sliding windows of a {_SPATIAL[_n]} input.",
            infer=_pool_rule(_n),
        ))


def _adaptive_rule(n: int) -> Callable[[str, P, list[Value]], list[Value]]:
    def rule(t: str, p: P, xs: list[Value]) -> list[Value]:
        _floats(t, xs)
        (x,) = xs
        _rank(t, x, _SPATIAL[n], n + 1)
        return [Value((x.shape[0],) + _tuple(p["output_size"], n))]
    return rule


for _type, _n in (("AdaptiveAvgPool1d", 1), ("AdaptiveAvgPool2d", 2), ("AdaptiveAvgPool3d", 3),
                  ("AdaptiveMaxPool1d", 1), ("AdaptiveMaxPool2d", 2), ("AdaptiveMaxPool3d", 3)):
    register(Layer(
        type=_type, category="Pooling", module=getattr(nn, _type), infer=_adaptive_rule(_n),
        doc=f"{'Average' if 'Avg' in _type else 'Maximum'} pooling to a fixed output size, whatever the input size.",
        params=(_param("output_size", "int_or_ints", "Size of the output per channel.", required=True, min=1,
                       max=MAX_SIZE, length=_n),),
    ))


# Normalization --------------------------------------------------------------------------------


def _channels_rule(layout: str, *ranks: int, name: str = "num_features") -> Callable[[str, P, list[Value]], list[Value]]:
    def rule(t: str, p: P, xs: list[Value]) -> list[Value]:
        _floats(t, xs)
        (x,) = xs
        _rank(t, x, layout, *ranks)
        _size(t, p, name, x.shape[0], x)
        if t.startswith("BatchNorm") and p["eps"] == 0:
            raise NodeError(f"{t} eps must be above 0: torch refuses 0 whenever it normalises by the batch's own "
                            "statistics (in training)", "eps")
        if t.startswith("InstanceNorm") and _numel(x.shape[1:]) < 2:
            raise NodeError(f"{t} needs more than one value per channel to normalise over, got input {fmt(x.shape)}")
        if "num_groups" in p and p[name] % p["num_groups"]:
            raise NodeError(f"{t} num_channels {p[name]} must be divisible by num_groups {p['num_groups']}",
                            "num_groups")
        return [x]
    return rule


def _affine_count(name: str, flag: str) -> Callable[[P], int]:
    return lambda p: 2 * p[name] * p[flag]


def _norm_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    if not p["track_running_stats"] and p["momentum"] != MOMENTUM.default:
        return [("momentum", "momentum only updates the running statistics; with track_running_stats false it "
                             "does nothing")]
    return []


for _type, _layout, _ranks in (("BatchNorm1d", "[C] or [C, L]", (1, 2)), ("BatchNorm2d", "[C, H, W]", (3,)),
                               ("BatchNorm3d", "[C, D, H, W]", (4,)), ("InstanceNorm1d", "[C, L]", (2,)),
                               ("InstanceNorm2d", "[C, H, W]", (3,)), ("InstanceNorm3d", "[C, D, H, W]", (4,))):
    _instance = _type.startswith("Instance")
    register(Layer(
        type=_type, category="Normalization", module=getattr(nn, _type), infer=_channels_rule(_layout, *_ranks),
        warn=_norm_warnings,
        doc=f"Normalises each channel over {'each sample' if _instance else 'the batch'} ({_layout} input).",
        params=(
            _size_param("num_features", "Channels of the input"), EPS, MOMENTUM,
            _param("affine", "bool", "Learn a per-channel scale and shift.", default=not _instance),
            _param("track_running_stats", "bool", "Keep running mean and variance for evaluation.",
                   default=not _instance),
        ),
        count_params=_affine_count("num_features", "affine"),
    ))


def _layer_norm(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    _features(t, x, "normalized_shape")
    if p["normalized_shape"] is None:
        p["normalized_shape"] = x.shape[-1:]
    ns = _tuple(p["normalized_shape"], 1)
    if x.shape[len(x.shape) - len(ns):] != ns:
        raise NodeError(f"{t} expects normalized_shape {fmt(ns)} to end the input shape, got {fmt(x.shape)}",
                        "normalized_shape")
    return [x]


register(Layer(
    type="LayerNorm", category="Normalization", module=nn.LayerNorm, infer=_layer_norm,
    doc="Normalises each sample over its last dimensions.",
    params=(
        _param("normalized_shape", "int_or_ints", "Trailing dimensions to normalise over; inferred as the last "
               "dimension of the input when omitted.", inferred=True, min=1, max=MAX_SIZE),
        EPS,
        _param("elementwise_affine", "bool", "Learn a scale (and bias) per element.", default=True),
        BIAS,
    ),
    count_params=lambda p: _numel(_tuple(p["normalized_shape"], 1)) * p["elementwise_affine"] * (1 + p["bias"]),
))
register(Layer(
    type="GroupNorm", category="Normalization", module=nn.GroupNorm,
    infer=_channels_rule("[C, ...]", *range(1, 5), name="num_channels"),
    doc="Normalises each sample over groups of channels.",
    params=(
        _count("num_groups", "Number of groups the channels are divided into."),
        _size_param("num_channels", "Channels of the input"), EPS,
        _param("affine", "bool", "Learn a per-channel scale and shift.", default=True),
    ),
    count_params=_affine_count("num_channels", "affine"),
))


# Recurrent ------------------------------------------------------------------------------------
#
# Per sample, h_n and c_n are [num_layers·D, size] (D = 2 when bidirectional): PyTorch puts the batch second in
# them, so forward() transposes h_n/c_n out, and an h0/c0 input back in. An LSTM with proj_size P > 0 projects
# its hidden state to P features: output [L, D·P], h_n [num_layers·D, P], c_n stays [num_layers·D, hidden_size].

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _recurrent_sizes(p: P) -> tuple[int, int, int]:
    """(directions, features of the hidden state h, of the cell state c)."""
    d = 2 if p["bidirectional"] else 1
    h = p.get("proj_size") or p["hidden_size"]
    return d, h, p["hidden_size"]


def _recurrent(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    x, *state = xs
    _rank(t, x, "[L, input_size] (a sequence)", 2)
    _size(t, p, "input_size", x.shape[1], x)
    if p.get("proj_size", 0) >= p["hidden_size"]:
        raise NodeError(f"{t} proj_size {p['proj_size']} must be smaller than hidden_size {p['hidden_size']}",
                        "proj_size")
    d, h, c = _recurrent_sizes(p)
    layers = p["num_layers"] * d
    if t == "LSTM" and len(state) == 1:
        raise NodeError(f"{t} takes h0 and c0 together: connect both (ports 1 and 2) or neither")
    for name, value, size in zip(("h0", "c0"), state, (h, c), strict=False):
        if value.shape != (layers, size):
            raise NodeError(f"{t} {name} must be [num_layers·directions, {'hidden' if size == c else 'proj'}_size] = "
                            f"{fmt((layers, size))} per sample, got {fmt(value.shape)}")
    results = {"output": Value((x.shape[0], d * h)), "h_n": Value((layers, h)), "c_n": Value((layers, c))}
    return [results[name] for name in p["return"].split("+")]


def _recurrent_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    if p["dropout"] > 0 and p["num_layers"] == 1:
        return [("dropout", f"dropout {p['dropout']:g} only acts between stacked layers; with num_layers 1 it does "
                            "nothing")]
    return []


def _recurrent_count(t: str) -> Callable[[P], int]:
    def count(p: P) -> int:
        d, h, c = _recurrent_sizes(p)
        gates = _GATES[t] * c
        total = 0
        for layer in range(p["num_layers"]):
            inputs = p["input_size"] if layer == 0 else d * h
            total += d * (gates * (inputs + h) + 2 * gates * p["bias"] + (h * c if h != c else 0))
        return total
    return count


def _recurrent_flops(t: str) -> Callable[[P, list[Value], list[Value]], int]:
    def flops(p: P, xs: list[Value], ys: list[Value]) -> int:
        steps = xs[0].shape[0]
        d, h, c = _recurrent_sizes(p)
        gates = _GATES[t] * c
        total = 0
        for layer in range(p["num_layers"]):
            inputs = p["input_size"] if layer == 0 else d * h
            total += d * 2 * steps * (gates * (inputs + h) + (h * c if h != c else 0))
        return total
    return flops


def _projection_refusal(p: P) -> str | None:
    if not p.get("proj_size"):
        return None
    return (f"proj_size {p['proj_size']}, which ONNX's LSTM operator has no projection for (torch's exporter would "
            "write a model that onnxruntime can't run)")


def _recurrent_forward(t: str) -> Callable[[Emitter, P, list[Any]], Any]:
    def batch_second(e: Emitter, state: Any) -> Any:
        return e.method(e.method(state, "transpose", 0, 1), "contiguous")

    def forward(e: Emitter, p: P, args: list[Any]) -> Any:
        x, *state = args
        if state:
            hidden = [batch_second(e, s) for s in state]
            out = e.module(x, tuple(hidden) if t == "LSTM" else hidden[0])
        else:
            out = e.module(x)
        names = p["return"].split("+")
        if len(names) > 1:
            out = e.bind(out, "all")  # one call, several results
        results = []
        for name in names:
            if name == "output":
                results.append(e.item(out, 0))
                continue
            value = e.item(out, 1)
            if t == "LSTM":
                value = e.item(value, 0 if name == "h_n" else 1)
            results.append(e.method(value, "transpose", 0, 1))  # PyTorch puts the batch second in h_n and c_n
        return results[0] if len(results) == 1 else tuple(results)
    return forward


for _type in ("RNN", "LSTM", "GRU"):
    _lstm = _type == "LSTM"
    _returns = ("output", "h_n", "c_n", "output+h_n", "output+h_n+c_n") if _lstm else ("output", "h_n", "output+h_n")
    register(Layer(
        type=_type, category="Recurrent", module=getattr(nn, _type), fixed_kwargs={"batch_first": True},
        forward_only=frozenset({"return"}), infer=_recurrent, forward=_recurrent_forward(_type), warn=_recurrent_warnings,
        count_params=_recurrent_count(_type), flops=_recurrent_flops(_type), outputs=None,
        onnx_refusal=_projection_refusal,
        inputs=(1, 3 if _lstm else 2), input_names=("input", "h0", "c0") if _lstm else ("input", "h0"),
        doc=f"{'Elman RNN' if _type == 'RNN' else _type} over a [L, input_size] sequence; an optional h0 "
            + ("and c0 ([num_layers·D, size] each, together) start" if _lstm else "([num_layers·D, hidden_size]) starts")
            + " its state.",
        params=(
            _size_param("input_size", "Features of each time step"),
            _count("hidden_size", "Features of the hidden state."),
            _count("num_layers", "Stacked recurrent layers.", default=1),
            *((_param("nonlinearity", "choice", "Activation of the hidden state.", default="tanh",
                      choices=("tanh", "relu")),) if _type == "RNN" else ()),
            BIAS,
            _param("dropout", "float", "Dropout between stacked layers (needs num_layers > 1).", default=0.0,
                   min=0.0, max=1.0),
            _param("bidirectional", "bool", "Also run the sequence backwards; doubles the output features.",
                   default=False),
            *((_param("proj_size", "int", "Project the hidden state to this many features (0: none); below "
                      "hidden_size.", default=0, min=0, max=MAX_SIZE),) if _lstm else ()),
            _param("return", "choice", "Which results flow on: output ([L, D·hidden_size], every step), h_n "
                   "([num_layers·D, hidden_size], final hidden state)" + (", c_n (final cell state)"
                   if _lstm else "") + ", or several joined by + (output+h_n), one per output port.",
                   default="output", choices=_returns),
            *INIT_OPTIONS,
        ),
    ))


# Attention ------------------------------------------------------------------------------------
#
# A key-padding mask is a bool [S] per sample, True where a key is padding and must not be attended to
# (PaddingMask makes one from token ids); it goes into the port after the sequences. `is_causal` lets
# position i attend to positions up to i only: the mask is made in forward() from the input's length.


def _mask(t: str, x: Value, length: int, what: str) -> None:
    if x.dtype != "bool" or x.shape != (length,):
        raise NodeError(f"{t} takes a key-padding mask of shape [{length}] and dtype bool (True where {what} is "
                        f"padding; a PaddingMask node makes one), got {fmt(x.shape)} {x.dtype}")


def _causal_mask(e: Emitter, like: Any) -> Any:
    """(L, L) bool, True above the diagonal (a later position: not attended to), L the length of `like` (B, L, E)."""
    length = e.method(like, "size", 1)
    return e.method(e.method(like, "new_ones", length, length, dtype=torch.bool), "triu", 1)


def _causal_length(t: str, p: P, target: Value, source: Value) -> None:
    if p["is_causal"] and target.shape[0] != source.shape[0]:
        raise NodeError(f"{t} is_causal needs the query and key of the same length, got {fmt(target.shape)} and "
                        f"{fmt(source.shape)}", "is_causal")


IS_CAUSAL = _param("is_causal", "bool", "Causal: position i attends to positions up to i only (a decoder, a "
                   "language model).", default=False)


def _qkv(xs: list[Any]) -> tuple[list[Any], Any]:
    """Query, key, value (one input attends to itself, two are query and key = value) and the mask (a 4th input)."""
    mask = xs[3] if len(xs) == 4 else None
    xs = xs[:3]
    return ((xs + [xs[-1]] * 2)[:3] if len(xs) > 1 else [xs[0]] * 3), mask


def _attention(t: str, p: P, xs: list[Value]) -> list[Value]:
    (q, k, v), mask = _qkv(xs)
    _floats(t, [q, k, v])
    for x in (q, k, v):
        _rank(t, x, "[L, embed_dim] (a sequence)", 2)
    _size(t, p, "embed_dim", q.shape[1], q)
    _size(t, p, "kdim", k.shape[1], k)
    _size(t, p, "vdim", v.shape[1], v)
    if k.shape[0] != v.shape[0]:
        raise NodeError(f"{t} needs key and value of the same length, got {fmt(k.shape)} and {fmt(v.shape)}")
    if p["embed_dim"] % p["num_heads"]:
        raise NodeError(f"{t} embed_dim {p['embed_dim']} must be divisible by num_heads {p['num_heads']}",
                        "num_heads")
    if mask is not None:
        _mask(t, mask, k.shape[0], "a key")
    _causal_length(t, p, q, k)
    if p["return"] == "weights":
        return [Value((q.shape[0], k.shape[0]))]
    return [Value(q.shape)]


def _attention_count(p: P) -> int:
    e = p["embed_dim"]
    return e * (e + p["kdim"] + p["vdim"]) + 3 * e * p["bias"] + e * e + e * p["bias"]


def _attention_flops(p: P, xs: list[Value], ys: list[Value]) -> int:
    e = p["embed_dim"]
    (q, k, _), _ = _qkv(xs)
    target, source = q.shape[0], k.shape[0]
    projections = target * e * e + source * e * (p["kdim"] + p["vdim"]) + target * e * e
    return 2 * (projections + 2 * target * source * e)


def _attention_forward(e: Emitter, p: P, args: list[Any]) -> Any:
    (q, k, v), mask = _qkv(args)
    kwargs: dict[str, Any] = {"need_weights": p["return"] == "weights"}
    if mask is not None:
        kwargs["key_padding_mask"] = mask
    if p["is_causal"]:
        kwargs |= {"attn_mask": _causal_mask(e, q), "is_causal": True}
    out = e.module(q, k, v, **kwargs)
    return e.item(out, 0 if p["return"] == "output" else 1)


register(Layer(
    type="MultiheadAttention", category="Attention", module=nn.MultiheadAttention, inputs=(1, 4),
    input_names=("query", "key", "value", "key_padding_mask"), fixed_kwargs={"batch_first": True},
    forward_only=frozenset({"return", "is_causal"}),
    doc="Multi-head attention over [L, embed_dim] sequences; one input attends to itself, two give query and "
        "key = value, three query, key, value; a fourth is a key-padding mask (bool [S]).",
    params=(
        _size_param("embed_dim", "Features of the query"),
        _count("num_heads", "Parallel attention heads; must divide embed_dim."),
        _param("dropout", "float", "Dropout on the attention weights.", default=0.0, min=0.0, max=1.0),
        BIAS,
        _size_param("kdim", "Features of the key"),
        _size_param("vdim", "Features of the value"),
        IS_CAUSAL,
        _param("return", "choice", "Which result flows on: output ([L, embed_dim]) or the attention weights "
               "averaged over heads ([L, S]).", default="output", choices=("output", "weights")),
        *INIT_OPTIONS,
    ),
    infer=_attention, forward=_attention_forward, count_params=_attention_count, flops=_attention_flops,
))


def _transformer(t: str, p: P, xs: list[Value]) -> list[Value]:
    decoder = "Decoder" in t
    seqs, mask = (xs[:2], xs[2:]) if decoder else (xs[:1], xs[1:])
    _floats(t, seqs)
    for x in seqs:
        _rank(t, x, "[L, d_model] (a sequence)", 2)
    _size(t, p, "d_model", seqs[0].shape[1], seqs[0])
    if decoder and seqs[1].shape[1] != p["d_model"]:
        raise NodeError(f"{t} needs memory with d_model {p['d_model']} features, got {fmt(seqs[1].shape)}")
    if p["d_model"] % p["nhead"]:
        raise NodeError(f"{t} d_model {p['d_model']} must be divisible by nhead {p['nhead']}", "nhead")
    if mask:
        _mask(t, mask[0], seqs[-1].shape[0], "a memory position" if decoder else "a position")
    return [seqs[0]]


def _transformer_count(attentions: int) -> Callable[[P], int]:
    def count(p: P) -> int:
        d, ff, b = p["d_model"], p["dim_feedforward"], p["bias"]
        attention = 4 * d * d + 4 * d * b
        feedforward = 2 * d * ff + (ff + d) * b
        norms = (attentions + 1) * d * (1 + b)
        layer = attentions * attention + feedforward + norms
        if "num_layers" not in p:
            return layer
        return p["num_layers"] * layer + p["norm"] * d * (1 + b)  # and the stack's final LayerNorm
    return count


def _transformer_flops(p: P, xs: list[Value], ys: list[Value]) -> int:
    d, ff = p["d_model"], p["dim_feedforward"]
    target = xs[0].shape[0]
    total = 2 * (4 * target * d * d + 2 * target * target * d) + 2 * 2 * target * d * ff
    if len(xs) >= 2 and xs[1].dtype == "float32":  # cross-attention to the memory (not a padding mask)
        source = xs[1].shape[0]
        total += 2 * (2 * target * d * d + 2 * source * d * d + 2 * target * source * d)
    return total * p.get("num_layers", 1)


def _encoder_forward(e: Emitter, p: P, args: list[Any]) -> Any:
    src, *mask = args
    kwargs: dict[str, Any] = {}
    stack = "num_layers" in p
    if p["is_causal"]:
        kwargs |= {"mask" if stack else "src_mask": _causal_mask(e, src), "is_causal": True}
    if mask:
        kwargs["src_key_padding_mask"] = mask[0]
    return e.module(src, **kwargs)


def _decoder_forward(e: Emitter, p: P, args: list[Any]) -> Any:
    tgt, memory, *mask = args
    kwargs: dict[str, Any] = {}
    if p["is_causal"]:
        kwargs |= {"tgt_mask": _causal_mask(e, tgt), "tgt_is_causal": True}
    if mask:
        kwargs["memory_key_padding_mask"] = mask[0]
    return e.module(tgt, memory, **kwargs)


_LAYER_PARAMS = (
    _size_param("d_model", "Features of each position"),
    _count("nhead", "Attention heads; must divide d_model."),
    _count("dim_feedforward", "Hidden size of the feed-forward block.", default=2048),
    _param("dropout", "float", "Dropout probability.", default=0.1, min=0.0, max=1.0),
    _param("activation", "choice", "Activation of the feed-forward block.", default="relu", choices=("relu", "gelu")),
    _param("layer_norm_eps", "float", "Epsilon of the layer norms.", default=1e-5, min=0.0),
    _param("norm_first", "bool", "Normalise before each block instead of after.", default=False),
    BIAS,
)
_LAYER_ARGS = tuple(o.name for o in _LAYER_PARAMS)


def _stack(layer: type[nn.Module], stack: type[nn.Module], argument: str) -> Callable[[P], Construct]:
    """nn.TransformerEncoder(nn.TransformerEncoderLayer(...), num_layers, norm), and the decoder's likewise."""
    def construct(p: P) -> Construct:
        inner = Construct(layer, {k: p[k] for k in _LAYER_ARGS} | {"batch_first": True})
        norm = Construct(nn.LayerNorm, {"normalized_shape": p["d_model"], "eps": p["layer_norm_eps"],
                                        "bias": p["bias"]}) if p["norm"] else None
        extra = {"enable_nested_tensor": False} if stack is nn.TransformerEncoder else {}  # the same path in train and eval
        return Construct(stack, {argument: inner, "num_layers": p["num_layers"], "norm": norm, **extra})
    return construct


for _type, _inputs in (("TransformerEncoderLayer", 1), ("TransformerDecoderLayer", 2)):
    _stack_type = _type.removesuffix("Layer")
    _names = ("tgt", "memory", "memory_key_padding_mask") if _inputs == 2 else ("src", "src_key_padding_mask")
    _doc = ("Self-attention" + (", cross-attention to the memory" if _inputs == 2 else "")
            + " and a feed-forward block over a [L, d_model] sequence; the port after the "
            + ("sequences" if _inputs == 2 else "sequence") + " takes a key-padding mask (bool ["
            + ("S] over the memory)." if _inputs == 2 else "L])."))
    _forward = _decoder_forward if _inputs == 2 else _encoder_forward
    register(Layer(
        type=_type, category="Attention", module=getattr(nn, _type), inputs=(_inputs, _inputs + 1),
        input_names=_names, fixed_kwargs={"batch_first": True}, forward_only=frozenset({"is_causal"}), doc=_doc,
        params=(*_LAYER_PARAMS, IS_CAUSAL, *INIT_OPTIONS),
        infer=_transformer, forward=_forward, count_params=_transformer_count(_inputs), flops=_transformer_flops,
    ))
    register(Layer(
        type=_stack_type, category="Attention", inputs=(_inputs, _inputs + 1), input_names=_names,
        doc=f"num_layers {_type}s one after another (nn.{_stack_type}), each with its own weights; "
            + _doc[0].lower() + _doc[1:],
        params=(*_LAYER_PARAMS, _count("num_layers", "Layers in the stack.", default=2),
                _param("norm", "bool", "A LayerNorm after the last layer (as nn.Transformer has).", default=False),
                IS_CAUSAL, *INIT_OPTIONS),
        construct=_stack(getattr(nn, _type), getattr(nn, _stack_type),
                         "decoder_layer" if _inputs == 2 else "encoder_layer"),
        infer=_transformer, forward=_forward, count_params=_transformer_count(_inputs), flops=_transformer_flops,
    ))


def _padding_mask(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    if x.dtype != "int64":
        raise NodeError(f"{t} expects int64 token ids, got {x.dtype}")
    return [Value(x.shape, "bool")]


register(Layer(
    type="PaddingMask", category="Attention", infer=_padding_mask,
    doc="True where a token id is pad_id: the key-padding mask of an attention or transformer layer.",
    params=(_param("pad_id", "int", "The token id that marks padding.", default=0, min=0, max=MAX_SIZE),),
    forward=lambda e, p, args: e.method(args[0], "eq", p["pad_id"]),
))


# Activation -----------------------------------------------------------------------------------

_ACTIVATIONS: dict[str, tuple[str, tuple[Option, ...]]] = {
    "ReLU": ("max(0, x).", ()),
    "ReLU6": ("min(max(0, x), 6).", ()),
    "LeakyReLU": ("x, or negative_slope · x below 0.", (
        _param("negative_slope", "float", "Slope below 0.", default=0.01),)),
    "PReLU": ("LeakyReLU with a learned slope (one, or one per channel).", (
        _param("num_parameters", "int", "1, or the number of channels (dim 1).", default=1, min=1, max=MAX_SIZE),
        _param("init", "float", "Initial slope.", default=0.25))),
    "ELU": ("x above 0, alpha · (eˣ − 1) below.", (_param("alpha", "float", "Scale below 0.", default=1.0),)),
    "SELU": ("Scaled ELU with self-normalising constants.", ()),
    "GELU": ("x · Φ(x), the Gaussian error linear unit.", (
        _param("approximate", "choice", "Exact, or the tanh approximation.", default="none",
               choices=("none", "tanh")),)),
    "SiLU": ("x · sigmoid(x) (swish).", ()),
    "Mish": ("x · tanh(softplus(x)).", ()),
    "Hardswish": ("Piecewise-linear approximation of swish.", ()),
    "Hardsigmoid": ("Piecewise-linear approximation of sigmoid (MobileNetV3's gates).", ()),
    "Sigmoid": ("1 / (1 + e⁻ˣ).", ()),
    "LogSigmoid": ("log(sigmoid(x)) = -softplus(-x).", ()),
    "Hardtanh": ("x limited to [min_val, max_val] (-1 and 1: a piecewise-linear tanh).", (
        _param("min_val", "float", "Lower limit.", default=-1.0),
        _param("max_val", "float", "Upper limit; must be above min_val.", default=1.0))),
    "Tanh": ("Hyperbolic tangent.", ()),
    "Softplus": ("log(1 + e^(beta·x)) / beta, a smooth ReLU.", (
        _param("beta", "float", "Sharpness.", default=1.0, min=1e-6),
        _param("threshold", "float", "Above this, the identity.", default=20.0))),
    "Softmax": ("Rescales along dim so the values are positive and sum to 1.", (
        _param("dim", "int", "Dimension to normalise over (the batch is dim 0).", default=-1, min=-64, max=64),)),
    "LogSoftmax": ("log(Softmax(x)) along dim; pairs with NLL loss.", (
        _param("dim", "int", "Dimension to normalise over (the batch is dim 0).", default=-1, min=-64, max=64),)),
}


def _activation(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    if "dim" in p:
        _dim(t, p["dim"], x)
    if t == "PReLU" and p["num_parameters"] not in (1, *x.shape[:1]):
        raise NodeError(f"PReLU num_parameters must be 1 or the number of channels (dim 1) of input {fmt(x.shape)}, "
                        f"got {p['num_parameters']}", "num_parameters")
    if t == "Hardtanh" and p["min_val"] >= p["max_val"]:
        raise NodeError(f"{t} max_val {p['max_val']:g} must be above min_val {p['min_val']:g}", "max_val")
    return [x]


def _activation_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    if "dim" in p and xs and xs[0].shape and xs[0].shape[_dim("", p["dim"], xs[0])] == 1:
        return [("dim", f"dim {p['dim']} has size 1 (input {fmt(xs[0].shape)}): the result is the same for every "
                        "input")]
    return []


for _type, (_doc, _params) in _ACTIVATIONS.items():
    register(Layer(
        type=_type, category="Activation", module=getattr(nn, _type), doc=_doc, params=_params, infer=_activation,
        count_params=(lambda p: p["num_parameters"]) if _type == "PReLU" else lambda p: 0, warn=_activation_warnings,
    ))


def _clamp(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    if p["min"] is None and p["max"] is None:
        raise NodeError(f"{t} needs min, max or both", "min")
    if p["min"] is not None and p["max"] is not None and p["min"] > p["max"]:
        raise NodeError(f"{t} min {p['min']:g} is above max {p['max']:g}", "min")
    return [xs[0]]


register(Layer(type="Exp", category="Activation", doc="eˣ, element-wise.", infer=same_shape,
               forward=lambda e, p, args: e.call(torch.exp, args[0])))
register(Layer(type="Log", category="Activation", doc="The natural logarithm, element-wise (-inf at 0).",
               infer=same_shape, forward=lambda e, p, args: e.call(torch.log, args[0])))
register(Layer(
    type="Clamp", category="Activation", doc="Limits every value to [min, max] (either may be left open).",
    params=(_param("min", "float", "Lower limit (null: none).", nullable=True),
            _param("max", "float", "Upper limit (null: none).", nullable=True)),
    infer=_clamp, forward=lambda e, p, args: e.call(torch.clamp, args[0], min=p["min"], max=p["max"]),
))


# Merge ----------------------------------------------------------------------------------------


def _same_dtype(t: str, xs: list[Value]) -> str:
    dtypes = sorted({x.dtype for x in xs})
    if len(dtypes) > 1:
        raise NodeError(f"{t} needs inputs of one dtype, got {' and '.join(dtypes)}")
    return dtypes[0]


def _broadcast(t: str, p: P, xs: list[Value]) -> list[Value]:
    dtype = _same_dtype(t, xs)
    shape = xs[0].shape
    for x in xs[1:]:
        if len(x.shape) != len(shape) or any(a != b and 1 not in (a, b) for a, b in zip(shape, x.shape, strict=True)):
            raise NodeError(f"{t} cannot combine shapes {fmt(shape)} and {fmt(x.shape)}: they must be equal "
                            "or 1 where they differ")
        shape = tuple(max(a, b) for a, b in zip(shape, x.shape, strict=True))
    return [Value(shape, dtype)]


def _reduce(symbol: str) -> Callable[[Emitter, P, list[Any]], Any]:
    def forward(e: Emitter, p: P, args: list[Any]) -> Any:
        out = args[0]
        for arg in args[1:]:
            out = e.op(symbol, out, arg)
        return out
    return forward


for _type, _symbol, _doc in (("Add", "+", "Element-wise sum of its inputs (a skip connection)."),
                             ("Multiply", "*", "Element-wise product of its inputs (gating).")):
    register(Layer(type=_type, category="Merge", inputs=(2, None), doc=_doc + " Sizes of 1 broadcast.",
                   infer=_broadcast, forward=_reduce(_symbol)))


def _concat(t: str, p: P, xs: list[Value]) -> list[Value]:
    dtype = _same_dtype(t, xs)
    first = xs[0]
    d = _dim(t, p["dim"], first)
    for x in xs[1:]:
        if len(x.shape) != len(first.shape) or x.shape[:d] + x.shape[d + 1:] != first.shape[:d] + first.shape[d + 1:]:
            raise NodeError(f"{t} along dim {p['dim']} needs the other dimensions equal, got {fmt(first.shape)} "
                            f"and {fmt(x.shape)}")
    size = sum(x.shape[d] for x in xs)
    return [Value(first.shape[:d] + (size,) + first.shape[d + 1:], dtype)]


register(Layer(
    type="Concat", category="Merge", inputs=(2, None), doc="Joins its inputs along dim, in port order.",
    params=(_param("dim", "int", "Dimension to join along (the batch is dim 0; 1 is channels/features).",
                   default=1, min=-64, max=64),),
    infer=_concat, forward=lambda e, p, args: e.call(torch.cat, list(args), dim=p["dim"]),
))


def _calls(fn: Callable[..., Any]) -> Callable[[Emitter, P, list[Any]], Any]:
    def forward(e: Emitter, p: P, args: list[Any]) -> Any:
        return e.call(fn, *args)
    return forward


def _difference(t: str, p: P, xs: list[Value]) -> list[Value]:
    if t == "Div":
        _floats(t, xs)
    (out,) = _broadcast(t, p, xs)
    if out.dtype == "bool":
        raise NodeError(f"{t} cannot take bool inputs (a mask); it needs numbers")
    return [out]


for _type, _fn, _doc in (("Sub", torch.sub, "Element-wise difference: port 0 minus port 1."),
                         ("Div", torch.div, "Element-wise quotient: port 0 divided by port 1 (float32).")):
    register(Layer(type=_type, category="Merge", inputs=(2, 2), input_names=("input", "other"),
                   doc=_doc + " Sizes of 1 broadcast.", infer=_difference, forward=_calls(_fn)))


def _matmul(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    a, b = xs
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise NodeError(f"{t} multiplies matrices [..., n, k] and [..., k, m] per sample, got {fmt(a.shape)} and "
                        f"{fmt(b.shape)}")
    if a.shape[-1] != b.shape[-2]:
        raise NodeError(f"{t} needs the first input's last size to equal the second's next to last, got "
                        f"{fmt(a.shape)} and {fmt(b.shape)}")
    lead_a, lead_b = a.shape[:-2], b.shape[:-2]
    if len(lead_a) != len(lead_b) or any(x != y and 1 not in (x, y) for x, y in zip(lead_a, lead_b, strict=True)):
        raise NodeError(f"{t} cannot combine the leading dimensions of {fmt(a.shape)} and {fmt(b.shape)}: they must "
                        "be equal or 1 where they differ")
    lead = tuple(max(x, y) for x, y in zip(lead_a, lead_b, strict=True))
    return [Value(lead + (a.shape[-2], b.shape[-1]))]


register(Layer(
    type="MatMul", category="Merge", inputs=(2, 2), input_names=("input", "other"),
    doc="Matrix product per sample, [..., n, k] @ [..., k, m] → [..., n, m] (e.g. attention scores by hand).",
    infer=_matmul, forward=lambda e, p, args: e.call(torch.matmul, *args),
    flops=lambda p, xs, ys: 2 * _numel(ys[0].shape) * xs[0].shape[-1],
))


# Shape ----------------------------------------------------------------------------------------


def _reshape(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    target, total = p["shape"], _numel(x.shape)
    known = _numel(tuple(s for s in target if s != -1))
    if total % known or (-1 not in target and known != total):
        raise NodeError(f"{t} cannot turn input {fmt(x.shape)} ({total} values) into {fmt(target)}", "shape")
    p["shape"] = tuple(total // known if s == -1 else s for s in target)
    return [Value(p["shape"], x.dtype)]


register(Layer(
    type="Reshape", category="Shape", doc="Rearranges each sample's values into a new shape.",
    params=(_param("shape", "shape", "New shape of one sample, without the batch; one size may be -1.",
                   required=True),),
    infer=_reshape, forward=lambda e, p, args: e.method(args[0], "reshape", -1, *p["shape"]),
))


def _permute(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    dims = p["dims"]
    if sorted(dims) != list(range(len(x.shape) + 1)) or dims[0] != 0:
        raise NodeError(f"{t} dims must be a reordering of 0..{len(x.shape)} that keeps the batch (0) first, "
                        f"got {list(dims)} for input {fmt(x.shape)}", "dims")
    return [Value(tuple(x.shape[d - 1] for d in dims[1:]), x.dtype)]


register(Layer(
    type="Permute", category="Shape", doc="Reorders dimensions, as tensor.permute(*dims).",
    params=(_param("dims", "ints", "New order of the dimensions, batch (0) first, e.g. [0, 2, 1].", required=True,
                   min=0, max=64),),
    infer=_permute, forward=lambda e, p, args: e.method(args[0], "permute", *p["dims"]),
))


def _mean(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    dims = {_dim(t, d, x) for d in _tuple(p["dim"], 1)}
    shape = tuple(1 if i in dims else s for i, s in enumerate(x.shape) if p["keepdim"] or i not in dims)
    return [Value(shape)]


register(Layer(
    type="Mean", category="Shape", doc="Average over one or more dimensions (e.g. over the tokens of a sequence).",
    params=(
        _param("dim", "int_or_ints", "Dimension(s) to average over (the batch is dim 0).", default=1, min=-64, max=64),
        _param("keepdim", "bool", "Keep the averaged dimensions with size 1.", default=False),
    ),
    infer=_mean, forward=lambda e, p, args: e.method(args[0], "mean", dim=p["dim"], keepdim=p["keepdim"]),
))


def _reduces(method: str) -> Callable[[Emitter, P, list[Any]], Any]:
    def forward(e: Emitter, p: P, args: list[Any]) -> Any:
        return e.method(args[0], method, dim=p["dim"], keepdim=p["keepdim"])
    return forward


def _reduction(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    if x.dtype == "bool":
        raise NodeError(f"{t} cannot take bool inputs (a mask); it needs numbers")
    dims = [_dim(t, d, x) for d in _tuple(p["dim"], 1)]
    if len(set(dims)) != len(dims):
        raise NodeError(f"{t} names a dimension twice in dim {list(_tuple(p['dim'], 1))}", "dim")
    shape = tuple(1 if i in dims else s for i, s in enumerate(x.shape) if p["keepdim"] or i not in dims)
    return [Value(shape, x.dtype)]


for _type, _method, _what in (("Sum", "sum", "Sum"), ("Max", "amax", "Largest value"),
                              ("Min", "amin", "Smallest value")):
    register(Layer(
        type=_type, category="Shape", doc=f"{_what} over one or more dimensions (torch.{_method}).",
        params=(
            _param("dim", "int_or_ints", "Dimension(s) to reduce (the batch is dim 0).", default=1, min=-64, max=64),
            _param("keepdim", "bool", "Keep the reduced dimensions with size 1.", default=False),
        ),
        infer=_reduction, forward=_reduces(_method),
    ))


def _select(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    d = _dim(t, p["dim"], x)
    if not -x.shape[d] <= p["index"] < x.shape[d]:
        raise NodeError(f"{t} index {p['index']} is out of range for size {x.shape[d]} of input {fmt(x.shape)}",
                        "index")
    return [Value(x.shape[:d] + x.shape[d + 1:], x.dtype)]


register(Layer(
    type="Select", category="Shape", doc="Picks one entry along dim, e.g. the last time step with dim 1, index -1.",
    params=(
        _param("dim", "int", "Dimension to pick along (the batch is dim 0).", default=1, min=-64, max=64),
        _param("index", "int", "Which entry; negative counts from the end.", default=-1, min=-MAX_SIZE, max=MAX_SIZE),
    ),
    infer=_select, forward=lambda e, p, args: e.method(args[0], "select", p["dim"], p["index"]),
))


def _split(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    d = _dim(t, p["dim"], x)
    if sum(p["sizes"]) != x.shape[d]:
        raise NodeError(f"{t} sizes {list(p['sizes'])} must add up to {x.shape[d]}, the size of dim {p['dim']} of "
                        f"input {fmt(x.shape)}", "sizes")
    return [Value(x.shape[:d] + (s,) + x.shape[d + 1:], x.dtype) for s in p["sizes"]]


register(Layer(
    type="Split", category="Shape", outputs=None,
    doc="Cuts its input along dim into pieces of the given sizes; edges pick a piece with source_port.",
    params=(
        _param("sizes", "ints", "Size of each piece, in output-port order.", required=True, min=1, max=MAX_SIZE),
        _param("dim", "int", "Dimension to cut along (the batch is dim 0).", default=1, min=-64, max=64),
    ),
    infer=_split, forward=lambda e, p, args: e.call(torch.split, args[0], list(p["sizes"]), dim=p["dim"]),
))


def _flatten(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    start, end = (_dim(t, p[f], x, f) for f in ("start_dim", "end_dim"))
    if start > end:
        raise NodeError(f"{t} start_dim {p['start_dim']} comes after end_dim {p['end_dim']}", "start_dim")
    return [Value(x.shape[:start] + (_numel(x.shape[start:end + 1]),) + x.shape[end + 1:], x.dtype)]


register(Layer(
    type="Flatten", category="Shape", module=nn.Flatten, infer=_flatten,
    doc="Flattens dimensions start_dim..end_dim into one, e.g. [C, H, W] → [C·H·W].",
    params=(
        _param("start_dim", "int", "First dimension to flatten (the batch is dim 0).", default=1, min=-64, max=64),
        _param("end_dim", "int", "Last dimension to flatten.", default=-1, min=-64, max=64),
    ),
))


def _unflatten(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    d = _dim(t, p["dim"], x)
    sizes = p["unflattened_size"]
    known = _numel(tuple(s for s in sizes if s != -1))
    if x.shape[d] % known or (-1 not in sizes and known != x.shape[d]):
        raise NodeError(f"{t} cannot split size {x.shape[d]} of input {fmt(x.shape)} into {fmt(sizes)}",
                        "unflattened_size")
    sizes = tuple(x.shape[d] // known if s == -1 else s for s in sizes)
    return [Value(x.shape[:d] + sizes + x.shape[d + 1:], x.dtype)]


register(Layer(
    type="Unflatten", category="Shape", module=nn.Unflatten, infer=_unflatten,
    doc="Expands one dimension into several, e.g. [784] → [1, 28, 28].",
    params=(
        _param("dim", "int", "Dimension to expand (the batch is dim 0).", default=1, min=-64, max=64),
        _param("unflattened_size", "shape", "Sizes it becomes; one may be -1.", required=True),
    ),
))

_UPSAMPLE_RANKS = {"nearest": (2, 3, 4), "nearest-exact": (2, 3, 4), "linear": (2,), "bilinear": (3,), "bicubic": (3,),
                   "trilinear": (4,)}


def _upsample(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    if (p["size"] is None) == (p["scale_factor"] is None):
        raise NodeError(f"{t} needs exactly one of size and scale_factor", "size")
    if p["align_corners"] is not None and p["mode"].startswith("nearest"):
        raise NodeError(f"{t} align_corners only applies to the interpolating modes, not {p['mode']}", "align_corners")
    ranks = _UPSAMPLE_RANKS[p["mode"]]
    _rank(t, x, " or ".join(_SPATIAL[r - 1] for r in ranks) + f" for mode {p['mode']}", *ranks)
    n = len(x.shape) - 1
    if p["size"] is not None:
        if not isinstance(p["size"], int) and len(p["size"]) != n:
            raise NodeError(f"{t} size needs {n} entries for input {fmt(x.shape)}, got {list(p['size'])}", "size")
        out = _tuple(p["size"], n)
    else:
        out = tuple(math.floor(s * p["scale_factor"]) for s in x.shape[1:])
        if min(out) < 1:
            raise NodeError(f"{t} output would be empty for input {fmt(x.shape)}", "scale_factor")
    return [Value((x.shape[0],) + out)]


register(Layer(
    type="Upsample", category="Shape", module=nn.Upsample, infer=_upsample,
    doc="Resizes the spatial dimensions of a [C, L], [C, H, W] or [C, D, H, W] input.",
    params=(
        _param("size", "int_or_ints", "Output spatial size (or give scale_factor).", nullable=True, min=1,
               max=MAX_SIZE),
        _param("scale_factor", "float", "Multiplier of the spatial size (or give size).", nullable=True,
               min=1e-3, max=1024.0),
        _param("mode", "choice", "Interpolation (nearest-exact: nearest with the pixel centres aligned, as "
               "PIL and scikit-image resize).", default="nearest", choices=tuple(_UPSAMPLE_RANKS)),
        _param("align_corners", "bool", "Align corner pixels (interpolating modes only).", nullable=True),
    ),
))


def _pixel_shuffle(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    _rank(t, x, "[C, H, W]", 3)
    r = p["upscale_factor"]
    c, h, w = x.shape
    if c % (r * r):
        raise NodeError(f"{t} needs channels divisible by upscale_factor² = {r * r}, got input {fmt(x.shape)}",
                        "upscale_factor")
    return [Value((c // (r * r), h * r, w * r))]


register(Layer(
    type="PixelShuffle", category="Shape", module=nn.PixelShuffle, infer=_pixel_shuffle,
    doc="Moves channels into space: [C·r², H, W] → [C, H·r, W·r].",
    params=(_count("upscale_factor", "Factor r to increase the spatial size by."),),
))


def _pixel_unshuffle(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (x,) = xs
    _rank(t, x, "[C, H, W]", 3)
    r = p["downscale_factor"]
    c, h, w = x.shape
    if h % r or w % r:
        raise NodeError(f"{t} needs height and width divisible by downscale_factor {r}, got input {fmt(x.shape)}",
                        "downscale_factor")
    return [Value((c * r * r, h // r, w // r))]


register(Layer(
    type="PixelUnshuffle", category="Shape", module=nn.PixelUnshuffle, infer=_pixel_unshuffle,
    doc="Moves space into channels, PixelShuffle's inverse: [C, H·r, W·r] → [C·r², H, W].",
    params=(_count("downscale_factor", "Factor r to divide the spatial size by."),),
))


# Padding: torch's pads take (left, right) for the last dimension, then (top, bottom) for the one before, then
# (front, back); one sample is [C, *spatial] or just the spatial dimensions.

_PAD_SIDES = {1: "[left, right]", 2: "[left, right, top, bottom]", 3: "[left, right, top, bottom, front, back]"}
_PAD_LAYOUT = {1: "[C, L] or [L]", 2: "[C, H, W] or [H, W]", 3: "[C, D, H, W] or [D, H, W]"}
_PADS = {"ZeroPad": "zeros", "ConstantPad": "value", "ReflectionPad": "their mirror image (the edge itself not "
         "repeated)", "ReplicationPad": "copies of the edge"}


def _pad_rule(n: int) -> Rule:
    def rule(t: str, p: P, xs: list[Value]) -> list[Value]:
        _floats(t, xs)
        (x,) = xs
        _rank(t, x, _PAD_LAYOUT[n], n, n + 1)
        pads = _tuple(p["padding"], 2 * n)
        shape = list(x.shape)
        for i in range(n):
            before, after = pads[2 * i], pads[2 * i + 1]
            if t.startswith("Reflection") and max(before, after) >= shape[-1 - i]:
                raise NodeError(f"{t} padding {max(before, after)} must be smaller than the size it reflects, "
                                f"{shape[-1 - i]} (input {fmt(x.shape)})", "padding")
            shape[-1 - i] += before + after
        return [Value(tuple(shape))]
    return rule


def _pad_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    if any(_tuple(p["padding"], 1)):
        return []
    if p.get("value"):
        return [("value", "value only fills the padding; with padding 0 it does nothing")]
    return [("padding", "padding 0 adds nothing: the input passes through unchanged")]


for _kind, _fill in _PADS.items():
    for _n in (1, 2, 3):
        _type = f"{_kind}{_n}d"
        register(Layer(
            type=_type, category="Shape", module=getattr(nn, _type), infer=_pad_rule(_n), warn=_pad_warnings,
            doc=f"Pads the last {('one', 'two', 'three')[_n - 1]} dimension{'s' if _n > 1 else ''} with {_fill}.",
            params=(_param("padding", "int_or_ints", f"One size for all sides, or {_PAD_SIDES[_n]}.",
                           required=True, min=0, max=MAX_SIZE, length=2 * _n),
                    *((_param("value", "float", "What the padding is filled with.", default=0.0),)
                      if _kind == "ConstantPad" else ())),
        ))


# Toolbox ops ----------------------------------------------------------------------------------
#
# Graph operations (no module) that researchers write inline: x * a + b, spread, range slices, unit vectors,
# einsum and the VAE's reparameterisation. Their FLOPs follow the convention above: 0 for element-wise work
# and reductions; an Einsum counts 2 × the product of the sizes of all its letters (the naive loop's
# multiply-accumulates, what torch's matrix products do for a contraction of two inputs).


def _scale_shift_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    if p["scale"] == 1 and p["shift"] == 0:
        return [("scale", "scale 1 and shift 0 leave the input as it is: this node does nothing")]
    return []


register(Layer(
    type="ScaleShift", category="Activation", doc="x · scale + shift, element-wise, with fixed numbers (not learned).",
    params=(_param("scale", "float", "Multiplies every value.", default=1.0),
            _param("shift", "float", "Added after scaling.", default=0.0)),
    infer=same_shape, warn=_scale_shift_warnings,
    forward=lambda e, p, args: e.op("+", e.op("*", args[0], p["scale"]), p["shift"]),
))


def _spread(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    return _reduction(t, p, xs)


def _reduced_count(p: P, x: Value) -> int:
    return _numel(tuple(x.shape[_dim("", d, x)] for d in _tuple(p["dim"], 1)))


def _spread_warnings(p: P, xs: list[Value]) -> list[tuple[str, str]]:
    n = _reduced_count(p, xs[0])
    if n <= p["correction"]:
        return [("correction", f"correction {p['correction']} leaves no degrees of freedom for the {n} value"
                               f"{'s' if n > 1 else ''} reduced: the result is nan or inf")]
    return []


def _spreads(method: str) -> Callable[[Emitter, P, list[Any]], Any]:
    def forward(e: Emitter, p: P, args: list[Any]) -> Any:
        return e.method(args[0], method, dim=p["dim"], keepdim=p["keepdim"], correction=p["correction"])
    return forward


for _type, _method, _what in (("Var", "var", "Variance"), ("Std", "std", "Standard deviation")):
    register(Layer(
        type=_type, category="Shape", doc=f"{_what} over one or more dimensions (torch.{_method}).",
        params=(
            _param("dim", "int_or_ints", "Dimension(s) to reduce (the batch is dim 0).", default=1, min=-64, max=64),
            _param("keepdim", "bool", "Keep the reduced dimensions with size 1.", default=False),
            _param("correction", "int", "Subtracted from the count of values in the divisor: 1 (Bessel's) for the "
                   "sample estimate, 0 for the population's.", default=1, min=0, max=MAX_SIZE),
        ),
        infer=_spread, warn=_spread_warnings,
        forward=_spreads(_method),
    ))


def _slice(t: str, p: P, xs: list[Value]) -> list[Value]:
    (x,) = xs
    d = _dim(t, p["dim"], x)
    size = len(range(x.shape[d])[p["start"]:p["end"]:p["step"]])
    if size == 0:
        raise NodeError(f"{t} {_slice_text(p)} of dim {p['dim']} is empty for its size {x.shape[d]} (input "
                        f"{fmt(x.shape)})", "start")
    return [Value(x.shape[:d] + (size,) + x.shape[d + 1:], x.dtype)]


def _slice_text(p: P) -> str:
    def part(v: int | None) -> str:
        return "" if v is None else str(v)
    return f"{part(p['start'])}:{part(p['end'])}" + (f":{p['step']}" if p["step"] != 1 else "")


def _slice_forward(e: Emitter, p: P, args: list[Any]) -> Any:
    """x[:, start:end:step] for dim 1, x[..., start:end:step] for dim -1: the index written as a tuple."""
    cut = slice(p["start"], p["end"], p["step"])
    d = p["dim"]
    index = (slice(None),) * d + (cut,) if d > 0 else (Ellipsis, cut) + (slice(None),) * (-d - 1)
    return e.item(args[0], index)


register(Layer(
    type="Slice", category="Shape", doc="A range along dim, as x[:, start:end:step] in Python: negative indices "
        "count from the end, and a range past either end is cut to the input, as Python cuts it.",
    params=(
        _param("dim", "int", "Dimension to slice (the batch is dim 0).", default=1, min=-64, max=64),
        _param("start", "int", "First index (null: from the start).", nullable=True, min=-MAX_SIZE, max=MAX_SIZE),
        _param("end", "int", "Index to stop before (null: to the end).", nullable=True, min=-MAX_SIZE,
               max=MAX_SIZE),
        _param("step", "int", "Take every step-th entry.", default=1, min=1, max=MAX_SIZE),
    ),
    infer=_slice, forward=_slice_forward,
))


def _normalize(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    _dim(t, p["dim"], xs[0])
    return [xs[0]]


def _normalize_forward(e: Emitter, p: P, args: list[Any]) -> Any:
    # torch.nn.functional.normalize's own computation, written with torch and tensor methods
    (x,) = args
    norm = e.method(e.method(x, "norm", p["p"], p["dim"], keepdim=True), "clamp_min", p["eps"])
    return e.call(torch.div, x, norm)


register(Layer(
    type="Normalize", category="Normalization",
    doc="Divides by the p-norm along dim, so every vector there has length 1 (F.normalize; nothing learned).",
    params=(
        _param("p", "float", "The exponent of the norm (2: Euclidean length).", default=2.0, min=1e-6),
        _param("dim", "int", "Dimension of the vectors (the batch is dim 0).", default=1, min=-64, max=64),
        _param("eps", "float", "Smallest divisor, so a zero vector stays zero.", default=1e-12, min=0.0),
    ),
    infer=_normalize, forward=_normalize_forward,
))


def _cosine(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    (both,) = _broadcast(t, p, xs)
    d = _dim(t, p["dim"], both)
    return [Value(both.shape[:d] + both.shape[d + 1:])]


register(Layer(
    type="CosineSimilarity", category="Merge", module=nn.CosineSimilarity, inputs=(2, 2), input_names=("x1", "x2"),
    doc="Cosine of the angle between its two inputs' vectors along dim, which goes away; sizes of 1 broadcast.",
    params=(
        _param("dim", "int", "Dimension of the vectors (the batch is dim 0).", default=1, min=-64, max=64),
        _param("eps", "float", "Smallest divisor (the product of the two norms).", default=1e-8, min=0.0),
    ),
    infer=_cosine,
))


_LETTERS = "bBnNzZ" + "".join(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "bBnNzZ")


def _einsum_parts(t: str, equation: str, count: int) -> tuple[list[str], str]:
    eq = equation.replace(" ", "")
    if "." in eq:
        raise NodeError(f"{t} equation cannot use ... (an ellipsis): name every dimension of one sample", "equation")
    if eq.count("->") != 1:
        raise NodeError(f"{t} equation needs its output after one ->, e.g. 'ij,jk->ik', got {equation!r}",
                        "equation")
    lhs, rhs = eq.split("->")
    operands = lhs.split(",")
    if not all(c in _LETTERS for c in lhs.replace(",", "") + rhs) or "" in operands:
        raise NodeError(f"{t} equation takes letters a-z and A-Z for dimensions, commas between inputs and -> "
                        f"before the output, got {equation!r}", "equation")
    if len(operands) != count:
        raise NodeError(f"{t} equation has {len(operands)} input{'s' if len(operands) > 1 else ''} "
                        f"({', '.join(operands)}) but the node has {count}", "equation")
    return operands, rhs


def _einsum(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    operands, rhs = _einsum_parts(t, p["equation"], len(xs))
    sizes: dict[str, int] = {}
    for i, (letters, x) in enumerate(zip(operands, xs, strict=True)):
        if len(letters) != len(x.shape):
            raise NodeError(f"{t} equation names {len(letters)} dimensions for input {i} ({letters}), but one sample "
                            f"of it is {fmt(x.shape)} (the batch is left out of the equation)", "equation")
        for letter, size in zip(letters, x.shape, strict=True):
            if sizes.setdefault(letter, size) != size:
                raise NodeError(f"{t} letter {letter!r} stands for sizes {sizes[letter]} and {size} (inputs "
                                f"{', '.join(fmt(x.shape) for x in xs)})", "equation")
    for letter in rhs:
        if letter not in sizes:
            raise NodeError(f"{t} output letter {letter!r} is in none of the inputs", "equation")
        if rhs.count(letter) > 1:
            raise NodeError(f"{t} output names {letter!r} twice", "equation")
    if len(sizes) == len(_LETTERS):
        raise NodeError(f"{t} equation uses every letter, leaving none for the batch", "equation")
    return [Value(tuple(sizes[letter] for letter in rhs))]


def _einsum_batched(equation: str) -> str:
    """The per-sample equation with a batch letter in front of every input and the output: 'ij,jk->ik' becomes
    'bij,bjk->bik' (another letter where b is taken)."""
    eq = equation.replace(" ", "")
    batch = next(c for c in _LETTERS if c not in eq)
    lhs, rhs = eq.split("->")
    return ",".join(batch + op for op in lhs.split(",")) + "->" + batch + rhs


def _einsum_flops(p: P, xs: list[Value], ys: list[Value]) -> int:
    sizes = {letter: size for letters, x in zip(p["equation"].replace(" ", "").split("->")[0].split(","), xs,
                                                  strict=True) for letter, size in zip(letters, x.shape, strict=True)}
    return 2 * _numel(tuple(sizes.values()))


register(Layer(
    type="Einsum", category="Merge", inputs=(2, None),
    doc="torch.einsum over its inputs, in port order, with an equation for one sample (the batch left out): "
        "'ij,jk->ik' multiplies matrices, 'hqd,hkd->hqk' gives attention scores per head.",
    params=(_param("equation", "string", "Letters for each input's dimensions, commas between inputs, -> and the "
                   "output's letters; without the batch, which the compiler adds in front.", required=True),),
    infer=_einsum, flops=_einsum_flops,
    forward=lambda e, p, args: e.call(torch.einsum, _einsum_batched(p["equation"]), *args),
))


def _reparameterize(t: str, p: P, xs: list[Value]) -> list[Value]:
    _floats(t, xs)
    mu, logvar = xs
    if mu.shape != logvar.shape:
        raise NodeError(f"{t} needs mu and logvar of one shape, got {fmt(mu.shape)} and {fmt(logvar.shape)}")
    return [mu]


def _reparameterize_forward(e: Emitter, p: P, args: list[Any]) -> Any:
    # mu + ε · σ with ε ~ N(0, 1) while training; times self.training (False: 0), so in eval it is mu itself
    mu, logvar = args
    std = e.bind(e.call(torch.exp, e.op("*", 0.5, logvar)), "std")
    noise = e.op("*", e.op("*", e.call(torch.randn_like, std), std), e.training())
    return e.op("+", mu, noise)


register(Layer(
    type="Reparameterize", category="Core", inputs=(2, 2), input_names=("mu", "logvar"),
    doc="A VAE's sample: mu + ε · exp(logvar / 2), ε ~ N(0, 1), while training; in eval mode mu itself, so "
        "model.py, ONNX and evaluation are deterministic.",
    infer=_reparameterize, forward=_reparameterize_forward,
))
