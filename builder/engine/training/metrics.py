"""Evaluation and the figures a run reports: accuracy, top-5, R², confusion, layer norms, decision boundary."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

BOUNDARY_SIZE = 64
MAX_POINTS = 500


def predict(out: torch.Tensor) -> torch.Tensor:
    """Class indices from model outputs (B, C), or (B, L, C) for a class per position; a single logit
    (B, 1) means class 1 when above 0."""
    if out.shape[-1] == 1:
        return (out[..., 0] > 0).long()
    return out.argmax(dim=-1)


@dataclass
class Evaluation:
    loss: float
    accuracy: float | None = None  # classification only
    top5: float | None = None  # classification with more than 5 classes
    r2: float | None = None  # regression only: 1 - SS_res / SS_tot, averaged over the target's outputs
    predictions: torch.Tensor | None = None  # (N,) or (N, L) class indices, on the device


@torch.no_grad()
def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y_loss: torch.Tensor,
    labels: torch.Tensor | None,
    loss_fn: nn.Module,
    *,
    batch_size: int,
    autocast: contextlib.AbstractContextManager | None = None,
    regression: bool = False,
) -> Evaluation:
    """Mean loss over (x, y_loss) and, given class labels, top-1/top-5 accuracy (R² for `regression`).

    Labels per position (N, L) count each position: the accuracy is the share of positions right.
    The model is left in eval mode.
    """
    model.eval()
    n = x.shape[0]
    loss_sum = torch.zeros((), device=x.device)
    preds, top5_hits = [], torch.zeros((), device=x.device, dtype=torch.long)
    with_top5 = False
    # R² from running sums (float64: SS_tot is a difference of large sums), one entry per output.
    y_sum = y_sq = res_sq = torch.zeros((), device=x.device, dtype=torch.float64)
    for i in range(0, n, batch_size):
        xb, yb = x[i : i + batch_size], y_loss[i : i + batch_size]
        with autocast or contextlib.nullcontext():
            out = model(xb)  # (B, C), (B, L, C) or (B, target_size)
            loss_sum += loss_fn(out, yb).float() * xb.shape[0]
        if regression:
            target = yb.reshape(out.shape).double()  # (B, k)
            y_sum = y_sum + target.sum(dim=0)
            y_sq = y_sq + (target**2).sum(dim=0)
            res_sq = res_sq + ((target - out.double()) ** 2).sum(dim=0)
        if labels is not None:
            out = out.float()
            preds.append(predict(out))
            with_top5 = out.shape[-1] > 5
            if with_top5:
                top5 = out.topk(5, dim=-1).indices  # (B, 5) or (B, L, 5)
                top5_hits += (top5 == labels[i : i + batch_size, ..., None]).any(dim=-1).sum()
    result = Evaluation(loss=float(loss_sum) / n)
    if regression:
        total = y_sq - y_sum**2 / n  # (k,) SS_tot
        varied = total > 1e-12  # a constant target has no R²
        if bool(varied.any()):
            result.r2 = float((1 - res_sq[varied] / total[varied]).mean())
    if labels is not None:
        predictions = torch.cat(preds)  # (N,)
        result.predictions = predictions
        result.accuracy = float((predictions == labels).float().mean())
        if with_top5:
            result.top5 = float(top5_hits) / labels.numel()
    return result


def confusion_matrix(labels: torch.Tensor, predictions: torch.Tensor, num_classes: int) -> list[list[int]]:
    """Counts [true][predicted]; labels per position count each position."""
    flat = (labels.to(torch.long) * num_classes + predictions.to(torch.long)).flatten()
    return torch.bincount(flat, minlength=num_classes * num_classes).view(num_classes, num_classes).tolist()


@torch.no_grad()
def layer_norms(model: nn.Module) -> dict[str, dict[str, float | None]]:
    """L2 norm of each layer's parameters and of their gradients (None before the first backward)."""
    norms: dict[str, dict[str, float | None]] = {}
    for name, module in model.named_modules():
        params = [p for p in module.parameters(recurse=False)]
        if not params:
            continue
        weight = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.float()) for p in params]))
        grads = [p.grad for p in params if p.grad is not None]
        grad = (
            torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads]))
            if grads
            else None
        )
        norms[name or "model"] = {"weight": float(weight), "grad": float(grad) if grad is not None else None}
    return norms


def data_range(x: torch.Tensor, margin: float = 0.1) -> tuple[list[float], list[float]]:
    """[min, max] of both coordinates of 2-D points, widened by `margin` of the span."""
    low, high = x.min(dim=0).values, x.max(dim=0).values  # (2,)
    pad = (high - low) * margin
    lo, hi = (low - pad).tolist(), (high + pad).tolist()
    return [lo[0], hi[0]], [lo[1], hi[1]]


@torch.no_grad()
def decision_boundary(
    model: nn.Module,
    x_range: list[float],
    y_range: list[float],
    *,
    device: torch.device,
    size: int = BOUNDARY_SIZE,
) -> dict:
    """The predicted class at each point of a size×size grid; row r is y_range's r-th step, column c x's c-th."""
    model.eval()
    xs = torch.linspace(x_range[0], x_range[1], size, device=device)
    ys = torch.linspace(y_range[0], y_range[1], size, device=device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")  # (size, size) each
    points = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)  # (size*size, 2), row-major
    classes = predict(model(points).float())
    return {"x": x_range, "y": y_range, "size": size, "classes": classes.tolist()}


def sample_points(
    x: torch.Tensor, labels: torch.Tensor, *, seed: int, limit: int = MAX_POINTS
) -> list[list[float]]:
    """Up to `limit` points [x, y, label] chosen with a fixed seed, for drawing the data."""
    n = x.shape[0]
    idx = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:limit]
    xy, lab = x.cpu()[idx], labels.cpu()[idx]
    return [[round(a, 4), round(b, 4), int(c)] for (a, b), c in zip(xy.tolist(), lab.tolist(), strict=True)]
