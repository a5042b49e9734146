"""Fine-tuning: frozen parameters, per-layer learning rates and frozen BatchNorm, for any nn.Module.

- A parameter with `requires_grad=False` is frozen: the optimizer never sees it.
- `model.meta["lr_mult"]` (a GraphModule's meta; `{module name: multiplier}`) scales the learning
  rate of every parameter under that module: discriminative fine-tuning. Other models train at `lr`.
- A BatchNorm layer whose parameters are all frozen, or that lies under a module named in
  `model.meta["frozen"]`, stays in eval mode while the rest trains, so its running statistics do not
  move either. Call `hold_frozen_batchnorm(model)` after every `model.train()`.

`builder.engine.graph.compile_graph` sets all three from the graph's per-node `trainable` and `lr_mult`.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from .errors import ConfigError


def _meta(model: nn.Module) -> dict[str, Any]:
    meta = getattr(model, "meta", None)
    return meta if isinstance(meta, dict) else {}


def _under(name: str, prefixes: Any) -> str | None:
    """The longest of `prefixes` that `name` lies under (`fc` holds `fc.weight`), if any."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in prefixes:
            return prefix
    return None


def param_groups(model: nn.Module, lr: float) -> list[dict[str, Any]]:
    """Optimizer groups of the trainable parameters, one per learning rate; the base rate's group first."""
    mults = _meta(model).get("lr_mult", {})
    groups: dict[float, list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            prefix = _under(name, mults)
            groups.setdefault(float(mults[prefix]) if prefix is not None else 1.0, []).append(param)
    if not groups:
        raise ConfigError("model", "Every parameter of the model is frozen: mark at least one layer trainable")
    order = sorted(groups, key=lambda m: (m != 1.0, m))
    return [{"params": groups[m], "lr": lr * m, "lr_mult": m} for m in order]


def hold_frozen_batchnorm(model: nn.Module) -> None:
    """Put frozen BatchNorm layers back in eval mode (after `model.train()`)."""
    frozen = set(_meta(model).get("frozen", ()))
    for name, module in model.named_modules():
        if not isinstance(module, nn.modules.batchnorm._BatchNorm):
            continue
        params = list(module.parameters(recurse=False))
        if (params and not any(p.requires_grad for p in params)) or _under(name, frozen) is not None:
            module.eval()
