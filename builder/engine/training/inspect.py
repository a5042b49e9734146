"""What a trained model learned, as numbers: statistics, a histogram and (for small tensors) the values.

>>> import torch
>>> stats = tensor_stats("linear.weight", torch.tensor([[1.0, 2.0]]))
>>> stats["node"], stats["shape"], stats["mean"], stats["values"]
('linear', [1, 2], 1.5, [[1.0, 2.0]])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import torch

from .errors import TrainingError

BINS = 32
MAX_VALUES = 4096  # tensors up to this many elements carry their values


def _finite_or_none(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _nested(values: list | float) -> list | float | None:
    """tolist() output with NaN and ±inf as None, which JSON can carry."""
    if isinstance(values, list):
        return [_nested(v) for v in values]
    return _finite_or_none(float(values))


def tensor_stats(name: str, tensor: torch.Tensor, *, bins: int = BINS, max_values: int = MAX_VALUES) -> dict:
    """One state-dict entry as JSON-ready numbers.

    `node` is the first part of the name: compiled graphs name their submodules after node ids. The
    statistics and the histogram count finite elements only (`nonfinite` says how many are not); `std`
    is the population standard deviation, so a one-element tensor has std 0.
    """
    t = tensor.detach().to("cpu", torch.float64).reshape(-1)
    finite = t[torch.isfinite(t)]
    n = finite.numel()
    lo: float | None
    hi: float | None
    mean: float | None
    std: float | None
    if n:
        lo, hi = float(finite.min()), float(finite.max())
        mean, std = float(finite.mean()), float(finite.std(correction=0))
        a, b = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)  # a constant tensor still gets 32 bins
        counts = torch.histc(finite, bins=bins, min=a, max=b)
    else:
        lo = hi = mean = std = None
        a, b = -0.5, 0.5
        counts = torch.zeros(bins, dtype=torch.float64)
    edges = torch.linspace(a, b, bins + 1, dtype=torch.float64)
    return {
        "name": name,
        "node": name.split(".", 1)[0],
        "shape": list(tensor.shape),
        "dtype": str(tensor.dtype).removeprefix("torch."),
        "numel": tensor.numel(),
        "nonfinite": tensor.numel() - n,
        "mean": mean,
        "std": std,
        "min": lo,
        "max": hi,
        "histogram": {"edges": edges.tolist(), "counts": [int(c) for c in counts.tolist()]},
        "values": _nested(tensor.detach().cpu().tolist()) if tensor.numel() <= max_values else None,
    }


def state_stats(state: Mapping[str, torch.Tensor], **options: int) -> list[dict]:
    """`tensor_stats` of every tensor of a state dict (parameters and buffers), in its order."""
    return [tensor_stats(name, t, **options) for name, t in state.items() if isinstance(t, torch.Tensor)]


def load_state(path: str | Path) -> dict[str, torch.Tensor]:
    """A saved model.pth as a state dict, read safely (weights_only: no pickled code runs)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds (pickle, zip, runtime) for a file it can't read
        raise TrainingError(f"{Path(path).name} can't be read as weights: {e}") from e
    if not isinstance(state, Mapping):
        raise TrainingError(f"{Path(path).name} holds a {type(state).__name__}, not a state dict")
    return dict(state)
