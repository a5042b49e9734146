"""A built-in RGB image set that needs no download: coloured shapes drawn on varied backgrounds.

Each image holds one shape (circle, square, triangle, cross, ring or half-disc) of random size, position,
rotation and colour over a two-colour gradient background with pixel noise, so a CNN has something real
to learn and the seed's ResNet-18 fine-tuning (replace the head, train on a few thousand RGB images) runs
on a fresh install. Deterministic in `seed`; pixels in [0, 1], (N, 3, S, S).
"""

from __future__ import annotations

import numpy as np
import torch

from .base import Dataset

CLASSES = ("circle", "square", "triangle", "cross", "ring", "half-disc")
_CHUNK = 256  # images drawn at once: bounds the (chunk, S, S) float arrays to a few MB


def _masks(u: np.ndarray, v: np.ndarray, r: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Where each image's shape covers its pixels; u, v: (B, S, S) coordinates in the shape's frame."""
    r = r[:, None, None]  # (B, 1, 1)
    dist = np.sqrt(u * u + v * v)
    shapes = [
        dist <= r,  # circle
        np.maximum(np.abs(u), np.abs(v)) <= 0.8 * r,  # square
        (v >= -0.5 * r) & (np.sqrt(3.0) * u + v <= r) & (-np.sqrt(3.0) * u + v <= r),  # triangle
        ((np.abs(u) <= 0.28 * r) & (np.abs(v) <= r)) | ((np.abs(v) <= 0.28 * r) & (np.abs(u) <= r)),  # cross
        (dist <= r) & (dist >= 0.55 * r),  # ring
        (dist <= r) & (v >= 0),  # half-disc (a rotated diamond would just be a square)
    ]
    out = np.zeros(u.shape, dtype=bool)
    for k, mask in enumerate(shapes):
        pick = label == k
        out[pick] = mask[pick]
    return out


def _draw(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Images (B, 3, S, S) in [0, 1] for `labels` (B,)."""
    b = len(labels)
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1  # pixel centres in [-1, 1]
    yy, xx = np.meshgrid(grid, grid, indexing="ij")  # (S, S)
    r = rng.uniform(0.35, 0.7, b).astype(np.float32)
    cx = rng.uniform(-1, 1, b).astype(np.float32) * (0.95 - r)
    cy = rng.uniform(-1, 1, b).astype(np.float32) * (0.95 - r)
    theta = rng.uniform(0, 2 * np.pi, b).astype(np.float32)
    dx, dy = xx[None] - cx[:, None, None], yy[None] - cy[:, None, None]  # (B, S, S)
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    u, v = cos * dx + sin * dy, -sin * dx + cos * dy
    mask = _masks(u, v, r, labels)[:, None]  # (B, 1, S, S)

    # Background: a gradient between two colours along a random direction; the shape's colour is
    # drawn far enough from both that it stays visible.
    bg_a, bg_b = rng.uniform(0, 1, (b, 3)), rng.uniform(0, 1, (b, 3))
    fg = rng.uniform(0, 1, (b, 3))
    mean_bg = (bg_a + bg_b) / 2
    weak = np.abs(fg - mean_bg).sum(1) < 0.9
    fg[weak] = 1.0 - mean_bg[weak]
    phi = rng.uniform(0, 2 * np.pi, b)
    t = (np.cos(phi)[:, None, None] * xx[None] + np.sin(phi)[:, None, None] * yy[None] + 1) / 2  # (B, S, S)
    background = bg_a[:, :, None, None] + (bg_b - bg_a)[:, :, None, None] * (0.6 * t[:, None])
    image = np.where(mask, fg[:, :, None, None], background)
    image += rng.normal(0, 0.04, image.shape)
    return np.clip(image, 0, 1).astype(np.float32)


def shapes(*, size: int, image_size: int, seed: int) -> Dataset:
    """`size` images of `image_size`×`image_size` pixels, classes balanced and shuffled."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(size) % len(CLASSES))
    x = np.empty((size, 3, image_size, image_size), dtype=np.float32)  # (N, 3, S, S)
    for start in range(0, size, _CHUNK):
        x[start : start + _CHUNK] = _draw(labels[start : start + _CHUNK], image_size, rng)
    return Dataset(
        name="shapes",
        title="Shapes (RGB)",
        task="classification",
        x=torch.from_numpy(x),
        y=torch.from_numpy(labels.astype(np.int64)),
        classes=list(CLASSES),
        description=f"{size} RGB images of {len(CLASSES)} coloured shapes, {image_size}×{image_size}, drawn "
        "procedurally (no download).",
        options={"size": size, "image_size": image_size, "seed": seed},
    )
