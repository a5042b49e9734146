"""Per-node initialisation: the ``init`` options of layers with weights and of Parameter nodes.

One description, :func:`init_calls`, gives the ``nn.init`` calls of a node; the compiler makes them on the
built module (:func:`initialise`) and ``model.py`` writes them into ``__init__`` (:func:`init_lines`), so the
two start alike and a seeded compile is reproducible. With any ``init`` but ``default`` a layer's biases
start at zero (the usual convention), and an Embedding's ``padding_idx`` row is zeroed again; a layer's
one-dimensional weights that are not biases (the LayerNorm scales inside a Transformer layer) keep torch's.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..options import Option

INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "zeros",
         "normal", "uniform")
_NEEDS_MATRIX = frozenset({"xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal"})
_DOC = ("How the weights start: default (torch's own), xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, "
        "orthogonal, zeros, normal (mean 0, init_std) or uniform (init_a to init_b)")
INIT_STD = Option("init_std", "float", "Standard deviation of init normal.", default=0.02, min=0.0)
INIT_A = Option("init_a", "float", "Lower bound of init uniform.", default=-0.1)
INIT_B = Option("init_b", "float", "Upper bound of init uniform.", default=0.1)
INIT_OPTIONS = (Option("init", "choice", _DOC + "; biases then start at zero.", default="default", choices=INITS),
                INIT_STD, INIT_A, INIT_B)
TENSOR_INIT_OPTIONS = (Option("init", "choice", _DOC.replace("default (torch's own), ", "") + ".", default="normal",
                              choices=INITS[1:]), INIT_STD, INIT_A, INIT_B)
INIT_NAMES = frozenset(o.name for o in INIT_OPTIONS)


def _arguments(p: dict[str, Any]) -> dict[str, Any]:
    if p["init"] == "normal":
        return {"std": p["init_std"]}
    if p["init"] == "uniform":
        return {"a": p["init_a"], "b": p["init_b"]}
    return {}


def init_problems(p: dict[str, Any], shape: tuple[int, ...] | None = None) -> list[tuple[str, str]]:
    """(field, message) for init settings that can't apply; `shape`: the one tensor of a Parameter node."""
    problems = []
    if p["init"] == "uniform" and p["init_a"] > p["init_b"]:
        problems.append(("init_a", f"init_a {p['init_a']:g} is above init_b {p['init_b']:g}"))
    if shape is not None and p["init"] in _NEEDS_MATRIX and len(shape) < 2:
        problems.append(("init", f"init {p['init']} needs a tensor of at least 2 dimensions, got shape "
                                 f"[{', '.join(map(str, shape))}]"))
    return problems


def init_warnings(p: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for init settings that do nothing (an init_std without init normal)."""
    warnings = []
    if p["init_std"] != INIT_STD.default and p["init"] != "normal":
        warnings.append(("init_std", f"init_std only applies to init normal; with init {p['init']} it does nothing"))
    for option in (INIT_A, INIT_B):
        if p[option.name] != option.default and p["init"] != "uniform":
            warnings.append((option.name, f"{option.name} only applies to init uniform; with init {p['init']} it does "
                                          "nothing"))
    return warnings


def init_calls(p: dict[str, Any], names: list[str], padding_idx: int | None = None) -> list[tuple[str, str, dict]]:
    """(tensor name, ``nn.init`` function name, keyword arguments) for each tensor of a node, in order.

    `names` are the module's parameter names (``[""]`` for a Parameter node's tensor itself).
    """
    if p["init"] == "default":
        return []
    calls: list[tuple[str, str, dict]] = []
    for name in names:
        if _is_bias(name):
            calls.append((name, "zeros_", {}))
        else:
            calls.append((name, f"{p['init']}_", _arguments(p)))
    if padding_idx is not None:
        calls.append((f"weight[{padding_idx}]", "zeros_", {}))  # a padding token's vector stays zero
    return calls


def _is_bias(name: str) -> bool:
    return "bias" in name.split(".")[-1]  # bias, bias_ih_l0, in_proj_bias, self_attn.out_proj.bias


def _tensor(owner: nn.Module | torch.Tensor, name: str) -> torch.Tensor:
    if not name:
        assert isinstance(owner, torch.Tensor)
        return owner
    if name.endswith("]"):
        base, index = name[:-1].split("[")
        return getattr(owner, base)[int(index)]
    return owner.get_parameter(name) if isinstance(owner, nn.Module) else owner


def initialise(owner: nn.Module | torch.Tensor, calls: list[tuple[str, str, dict]]) -> None:
    """Make `calls` (see :func:`init_calls`) on a built module or a Parameter node's tensor."""
    for name, fn, kwargs in calls:
        getattr(nn.init, fn)(_tensor(owner, name), **kwargs)


def init_lines(attribute: str, calls: list[tuple[str, str, dict]]) -> list[str]:
    """``model.py``'s ``__init__`` lines for `calls`: ``nn.init.xavier_uniform_(self.fc.weight)``."""
    lines = []
    for name, fn, kwargs in calls:
        # A submodule of a stack is an item: self.enc.layers[0].linear1.weight
        target = attribute + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in name.split(".") if part)
        arguments = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        lines.append(f"        nn.init.{fn}({target}{arguments})")
    return lines


def module_init_calls(layer: Any, params: dict[str, Any], module: nn.Module | None = None) -> list[tuple[str, str, dict]]:
    """:func:`init_calls` of a layer node's module (`module`, or one built on the meta device to learn its names)."""
    if not layer.takes_init or params["init"] == "default":
        return []
    if module is None:
        with torch.device("meta"):
            module = layer.build(params)
    padding = params.get("padding_idx") if layer.type in ("Embedding", "EmbeddingBag") else None
    # The weights are the matrices (and the biases); the one-dimensional scales of a Transformer layer's
    # LayerNorms keep torch's ones, as nn.Transformer's own xavier_uniform_ of every p.dim() > 1 does.
    tensors = dict(module.named_parameters())

    def weighs(name: str) -> bool:
        if not _is_bias(name):
            return tensors[name].dim() > 1
        head, dot, last = name.rpartition(".")
        weight = tensors.get(head + dot + last.replace("bias", "weight"))  # its own: bias_ih_l0 → weight_ih_l0
        return weight is None or weight.dim() > 1
    return init_calls(params, [name for name in tensors if weighs(name)], padding)
