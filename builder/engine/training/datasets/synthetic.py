"""Generated datasets: the seed's random and linear data, and TensorFlow Playground's 2-D sets.

Every generator is deterministic in its `seed` option. The 2-D sets span roughly [-1, 1] on both
axes; `noise` is the standard deviation of the Gaussian jitter added to each point, in those units.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..errors import DatasetError
from .base import Dataset


def class_names(n_classes: int) -> list[str]:
    return [str(i) for i in range(n_classes)]


def _two_d(
    name: str, title: str, xy: np.ndarray, labels: np.ndarray, classes: list[str], options: dict
) -> Dataset:
    return Dataset(
        name=name,
        title=title,
        task="classification",
        x=torch.from_numpy(xy.astype(np.float32)),  # (N, 2)
        y=torch.from_numpy(labels.astype(np.int64)),  # (N,)
        classes=classes,
        options=options,
    )


def random(*, size: int, features: int, classes: int, seed: int) -> Dataset:
    """The seed article's data: torch.randn(N, 784) inputs with uniformly random labels 0..9."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(size, features, generator=g)  # (N, features)
    y = torch.randint(0, classes, (size,), generator=g)  # (N,)
    return Dataset(
        name="random",
        title="Random (seed article)",
        task="classification",
        x=x,
        y=y,
        classes=class_names(classes),
        description="Gaussian noise with random labels: a network can only memorise it.",
        options={"size": size, "features": features, "classes": classes, "seed": seed},
    )


def linear(
    *,
    size: int,
    features: int,
    noise: float,
    seed: int,
    weight: list[float] | None = None,
    bias: float | None = None,
) -> Dataset:
    """y = wᵀx + b + noise, with w and b given or drawn from the seed; the true ones are kept in `info`."""
    if weight is not None and len(weight) != features:
        raise DatasetError(
            f"Option weight has {len(weight)} number(s); it needs one per feature ({features})",
            field="weight",
        )
    g = torch.Generator().manual_seed(seed)
    # Drawn even when given, so that the same seed gives the same x whatever w and b are.
    w = torch.randn(features, generator=g)  # (features,)
    b = torch.randn((), generator=g)
    if weight is not None:
        w = torch.tensor(weight, dtype=torch.float32)
    if bias is not None:
        b = torch.tensor(float(bias))
    x = torch.randn(size, features, generator=g)  # (N, features)
    y = x @ w + b + noise * torch.randn(size, generator=g)  # (N,)
    return Dataset(
        name="linear",
        title="Linear regression (seed article)",
        task="regression",
        x=x,
        y=y.unsqueeze(1),  # (N, 1)
        description="y = wᵀx + b + noise; a single Linear layer recovers w and b.",
        options={
            "size": size,
            "features": features,
            "noise": noise,
            "weight": weight,
            "bias": bias,
            "seed": seed,
        },
        info={"w": w.tolist(), "b": float(b)},
    )


def spirals(*, size: int, noise: float, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    n = size // 2
    t = np.linspace(0.0, 1.0, n, endpoint=False)  # position along the arm
    radius = t
    angle = 1.75 * 2 * math.pi * t
    arms = []
    for k in range(2):
        a = angle + k * math.pi  # the second arm is the first turned half a circle
        arms.append(np.stack([radius * np.sin(a), radius * np.cos(a)], axis=1))
    xy = np.concatenate(arms) + rng.normal(0.0, noise, (2 * n, 2))
    labels = np.repeat(np.arange(2), n)
    return _two_d(
        "spirals", "Two spirals", xy, labels, class_names(2), {"size": size, "noise": noise, "seed": seed}
    )


def moons(*, size: int, noise: float, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    n_outer, n_inner = size - size // 2, size // 2
    t_outer = rng.uniform(0.0, math.pi, n_outer)
    t_inner = rng.uniform(0.0, math.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)
    xy = np.concatenate([outer, inner]) - np.array([0.5, 0.25])  # centred on the origin
    xy = xy / 1.5 + rng.normal(0.0, noise, (size, 2))
    labels = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    return _two_d("moons", "Two moons", xy, labels, class_names(2), {"size": size, "noise": noise, "seed": seed})


def circles(*, size: int, noise: float, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    n_inner, n_outer = size // 2, size - size // 2
    r = np.concatenate([rng.uniform(0.0, 0.5, n_inner), rng.uniform(0.7, 1.0, n_outer)])
    a = rng.uniform(0.0, 2 * math.pi, size)
    xy = np.stack([r * np.cos(a), r * np.sin(a)], axis=1) + rng.normal(0.0, noise, (size, 2))
    labels = np.concatenate([np.zeros(n_inner), np.ones(n_outer)])
    return _two_d(
        "circles", "Circle in a ring", xy, labels, class_names(2), {"size": size, "noise": noise, "seed": seed}
    )


def xor(*, size: int, noise: float, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-1.0, 1.0, (size, 2))
    xy += np.sign(xy) * 0.05  # a small gap along the axes, as in the Playground
    labels = (xy[:, 0] * xy[:, 1] < 0).astype(np.int64)  # 0 in quadrants I and III, 1 in II and IV
    xy = xy + rng.normal(0.0, noise, (size, 2))
    return _two_d("xor", "Exclusive or", xy, labels, class_names(2), {"size": size, "noise": noise, "seed": seed})


def gaussians(*, size: int, noise: float, classes: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    labels = np.arange(size) % classes
    angles = 2 * math.pi * np.arange(classes) / classes + math.pi / 4
    centres = 0.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (classes, 2)
    xy = centres[labels] + rng.normal(0.0, noise, (size, 2))
    return _two_d(
        "gaussians",
        "Gaussian blobs",
        xy,
        labels,
        class_names(classes),
        {"size": size, "noise": noise, "classes": classes, "seed": seed},
    )
