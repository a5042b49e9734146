"""Training health, measured per graph node on a fixed batch, off the training step's hot path.

At the epochs a person can watch (and the first and last), the loop asks a :class:`HealthMonitor` for
every node's activation statistics, the share of dead ReLU units and of saturated Tanh/Sigmoid outputs,
its gradient norm and its update ratio (‖Δw‖ / ‖w‖ since the last measurement). The batch is the first
``HEALTH_BATCH`` training samples, the same every time; the model runs node by node (torch.fx's
Interpreter, as the probe does) in eval mode, and one backward pass gives the gradients. Alerts in
plain words start when a measure crosses its line and are said once until it clears.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import torch
import torch.fx
from torch import nn

from builder.engine.graph.compile import node_layers

from .probe import NodeRecorder, received_by

HEALTH_BATCH = 256  # samples of the fixed batch, fewer for big inputs (HEALTH_VALUES in all)
HEALTH_VALUES = 1 << 20
HEALTH_SECONDS = 0.25  # at most this often (and on the first and last epoch)
DEAD_LAYERS = ("ReLU", "ReLU6")  # their units output exactly 0 when dead
SATURATING = {"Tanh": lambda y: y.abs() > 0.99, "Sigmoid": lambda y: (y < 0.01) | (y > 0.99)}
DEAD_ALERT = 0.5  # of a layer's units dead
SATURATED_ALERT = 0.5  # of a layer's outputs at the limits
GROWTH_ALERT = 1000.0  # gradient norm grown this many times over GROWTH_SPAN measurements
GROWTH_SPAN = 2


class HealthMonitor:
    """Measures a compiled graph's health on a fixed batch; ``None`` from :meth:`for_model` for any other module."""

    def __init__(self, model: torch.fx.GraphModule, x: torch.Tensor, y: torch.Tensor,
                 loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        self.model = model
        self.x, self.y = x, y[: x.shape[0]]
        self.loss_fn = loss_fn
        self.layers = node_layers(model)
        self.previous = self._weights()
        self.grads: dict[str, deque[tuple[int, float]]] = {}
        self.active: dict[tuple[str, str], int] = {}  # (node, kind) -> the epoch the alert started

    @classmethod
    def for_model(cls, model: nn.Module, net: nn.Module, x: torch.Tensor, y: torch.Tensor,
                  loss_fn: Callable) -> HealthMonitor | None:
        """A monitor of `model` (a compiled graph; None for any other module) inside `net`, the module a step
        calls (it may resize and normalise first: the fixed batch is what `model` itself receives)."""
        if not isinstance(model, torch.fx.GraphModule) or not x.shape[0]:
            return None
        per_sample = received_by(model, net, x[:1])[0].numel()
        x = received_by(model, net, x[: max(2, min(HEALTH_BATCH, HEALTH_VALUES // max(1, per_sample)))])
        return cls(model, x, y[: x.shape[0]], loss_fn)

    def _weights(self) -> dict[str, torch.Tensor]:
        out = {}
        for node in self.layers:
            sub = getattr(self.model, node, None)
            params = [p.detach().flatten().float() for p in sub.parameters()] if isinstance(sub, nn.Module) else []
            if params:
                out[node] = torch.cat(params).clone()
        return out

    def measure(self, epoch: int) -> tuple[dict[str, dict[str, float | None]], list[dict[str, str]]]:
        """Every node's measures after `epoch` (1-based), and the alerts that start now."""
        was_training = self.model.training
        self.model.eval()
        recorder = NodeRecorder(self.model)
        try:
            with torch.enable_grad():
                out = recorder.run(self.x)
                loss = self.loss_fn(out.float(), self.y)
                params = [p for p in self.model.parameters() if p.requires_grad]
                grads = torch.autograd.grad(loss, params, allow_unused=True) if params else []
        finally:
            self.model.train(was_training)
        grad_of = {id(p): g for p, g in zip(params, grads, strict=True)}
        weights = self._weights()
        health: dict[str, dict[str, float | None]] = {}
        for node, value in recorder.values.items():
            if not isinstance(value, torch.Tensor) or not value.is_floating_point() or value.dim() < 1:
                continue
            v = value.detach().float()
            layer = self.layers.get(node)
            m: dict[str, float | None] = {"act_mean": float(v.mean()), "act_std": float(v.std(unbiased=False)),
                                         "dead_fraction": None, "saturated_fraction": None, "grad_norm": None,
                                         "update_ratio": None}
            if layer in DEAD_LAYERS and v.dim() >= 2:
                alive = (v != 0).reshape(v.shape[0], v.shape[1], -1).any(dim=2).any(dim=0)  # per unit (feature or channel)
                m["dead_fraction"] = 1.0 - float(alive.float().mean())
            if layer in SATURATING:
                m["saturated_fraction"] = float(SATURATING[layer](v).float().mean())
            sub = getattr(self.model, node, None)
            if isinstance(sub, nn.Module):
                gs = [grad_of[id(p)] for p in sub.parameters() if grad_of.get(id(p)) is not None]
                if gs:
                    m["grad_norm"] = float(torch.linalg.vector_norm(torch.cat([g.flatten().float() for g in gs])))
                if node in weights and node in self.previous:
                    before = self.previous[node]
                    m["update_ratio"] = float(torch.linalg.vector_norm(weights[node] - before)
                                              / torch.linalg.vector_norm(before).clamp_min(1e-12))
            health[node] = m
        self.previous = weights
        started = self._alerts(epoch, health)
        for node, m in health.items():  # which of its measures are past their alert line now
            m["alerts"] = sorted(kind for (n, kind) in self.active if n == node)  # type: ignore[assignment]
        return health, started

    def _alerts(self, epoch: int, health: dict[str, dict[str, float | None]]) -> list[dict[str, str]]:
        started = []
        for node, m in health.items():
            dead, saturated = m["dead_fraction"], m["saturated_fraction"]
            growth = self._growth(node, epoch, m["grad_norm"])
            checks = {
                "dead": (dead is not None and dead >= DEAD_ALERT,
                         f"{node}: {dead or 0:.0%} of units dead since epoch {epoch}"),
                "saturated": (saturated is not None and saturated >= SATURATED_ALERT,
                              f"{node}: saturated, {saturated or 0:.0%} of outputs at the limits of its range"),
                "exploding": (growth is not None, growth or ""),
            }
            for kind, (on, message) in checks.items():
                key = (node, kind)
                if on and key not in self.active:
                    self.active[key] = epoch
                    started.append({"node": node, "kind": kind, "message": message})
                elif not on:
                    self.active.pop(key, None)
        return started

    def _growth(self, node: str, epoch: int, grad: float | None) -> str | None:
        """The alert's words when the gradient norm grew GROWTH_ALERT times over GROWTH_SPAN measurements."""
        if grad is None:
            return None
        history = self.grads.setdefault(node, deque(maxlen=GROWTH_SPAN + 1))
        history.append((epoch, grad))
        first_epoch, first = history[0]
        ratio = grad / max(first, 1e-30)
        if len(history) <= GROWTH_SPAN or ratio < GROWTH_ALERT:
            return None
        return f"{node}: gradient norm grew {ratio:,.0f}× in {epoch - first_epoch} epochs"
