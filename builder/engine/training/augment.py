"""Image transforms for fine-tuning, applied on the training device to whole batches.

Three `TrainConfig` options, for datasets of `[C, H, W]` images in [0, 1]:

- `augment: {"flip": true, "crop": 4, "jitter": 0.1}` (training batches only): random horizontal
  flips; random crops after zero-padding each side by `crop` pixels; brightness, contrast and
  saturation each scaled by a random factor in [1 - jitter, 1 + jitter] (clamped to [0, 1]).
- `resize: 224`: every batch is resized (bilinear) to resize × resize, so a model made for
  224 × 224 images trains on 32 × 32 ones without the dataset growing in memory.
- `normalize: "imagenet"` (the statistics of every torchvision pretrained weight, `weights.transforms()`)
  or `{"mean": [...], "std": [...]}`: `(x - mean) / std` per channel, after augmenting and resizing.

Nothing runs per sample in Python: each transform is a few tensor operations over the batch.

    >>> import torch
    >>> net = Preprocess(torch.nn.Identity(), resize=8, mean=(0.5,), std=(0.5,))
    >>> net.eval()(torch.ones(2, 1, 4, 4)).shape
    torch.Size([2, 1, 8, 8])
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .datasets import Dataset
from .errors import ConfigError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
AUGMENT_KEYS = {"flip": False, "crop": 0, "jitter": 0.0}
_LUMA = (0.299, 0.587, 0.114)  # grey = Σ weight · channel, as torchvision's rgb_to_grayscale


def check_transforms(augment: Any, normalize: Any, resize: Any) -> tuple[dict | None, str | dict | None, int | None]:
    """The three options validated and normalised, or ConfigError naming the field."""
    if augment is not None:
        if not isinstance(augment, dict):
            raise ConfigError("augment", f'augment must be an object such as {{"flip": true, "crop": 4}}; got {augment!r}')
        unknown = sorted(set(augment) - set(AUGMENT_KEYS))
        if unknown:
            raise ConfigError("augment", f"Unknown augmentation '{unknown[0]}'; use {', '.join(AUGMENT_KEYS)}")
        augment = {**AUGMENT_KEYS, **augment}
        if not isinstance(augment["flip"], bool):
            raise ConfigError("augment", f"augment.flip must be true or false; got {augment['flip']!r}")
        crop = augment["crop"]
        if not isinstance(crop, int) or isinstance(crop, bool) or not 0 <= crop <= 64:
            raise ConfigError("augment", f"augment.crop is the padding in pixels, 0 to 64; got {crop!r}")
        jitter = augment["jitter"]
        if not isinstance(jitter, int | float) or isinstance(jitter, bool) or not 0 <= jitter <= 1:
            raise ConfigError("augment", f"augment.jitter must be a number from 0 to 1; got {jitter!r}")
        augment["jitter"] = float(jitter)
    if normalize is not None and normalize != "imagenet":
        ok = isinstance(normalize, dict) and set(normalize) == {"mean", "std"} and all(
            isinstance(normalize[k], list) and normalize[k] and len(normalize[k]) == len(normalize["mean"])
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in normalize[k])
            for k in ("mean", "std"))
        if not ok or any(v <= 0 for v in normalize["std"]):
            raise ConfigError("normalize", 'normalize must be "imagenet" or {"mean": [...], "std": [...]} with one '
                                           f"entry per channel and std above 0; got {normalize!r}")
    return augment, normalize, resize  # resize's bounds are TrainConfig's rule


def model_input_shape(dataset_shape: tuple[int, ...], config: Any) -> tuple[int, ...]:
    """The sample shape the model sees: the dataset's, or `[C, resize, resize]` with `resize` set.

    >>> from types import SimpleNamespace
    >>> model_input_shape((3, 32, 32), SimpleNamespace(resize=224))
    (3, 224, 224)
    """
    if config.resize is None or len(dataset_shape) != 3:
        return tuple(dataset_shape)
    return (dataset_shape[0], config.resize, config.resize)


def wrap(model: nn.Module, config: Any, dataset: Dataset) -> nn.Module:
    """`model` behind the configured transforms, or `model` itself when none is set."""
    if config.augment is None and config.normalize is None and config.resize is None:
        return model
    field = next(f for f in ("augment", "normalize", "resize") if getattr(config, f) is not None)
    shape = dataset.input_shape
    if len(shape) != 3:
        raise ConfigError(field, f"{field} applies to image datasets ([C, H, W] samples); '{dataset.title}' gives "
                                 f"samples of shape [{', '.join(map(str, shape))}]")
    mean = std = None
    if config.normalize is not None:
        stats = {"mean": IMAGENET_MEAN, "std": IMAGENET_STD} if config.normalize == "imagenet" else config.normalize
        mean, std = tuple(stats["mean"]), tuple(stats["std"])
        if len(mean) != shape[0]:
            raise ConfigError("normalize", f"normalize has statistics for {len(mean)} channels; "
                                           f"'{dataset.title}' has {shape[0]}")
    augment = config.augment or AUGMENT_KEYS
    return Preprocess(model, resize=config.resize, mean=mean, std=std, **augment)


class Preprocess(nn.Module):
    """Augments training batches, then resizes and normalises every batch, then runs `model`.

    The training loop wraps the model in it. The files a run writes carry the normalisation (not the
    resize) as buffers of the model (builder.engine.training.preprocessing); the checkpoint holds the model alone.
    """

    def __init__(self, model: nn.Module, *, resize: int | None = None, mean: tuple[float, ...] | None = None,
                 std: tuple[float, ...] | None = None, flip: bool = False, crop: int = 0, jitter: float = 0.0):
        super().__init__()
        self.model = model
        self.resize, self.flip, self.crop, self.jitter = resize, flip, crop, jitter
        shape = (1, -1, 1, 1)
        self.mean = None if mean is None else torch.tensor(mean).reshape(shape)
        self.std = None if std is None else torch.tensor(std).reshape(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W)
        if self.training:
            x = self.augment(x)
        if self.resize is not None and x.shape[-2:] != (self.resize, self.resize):
            x = F.interpolate(x, size=(self.resize, self.resize), mode="bilinear", align_corners=False)
        if self.mean is not None and self.std is not None:
            x = (x - self.mean.to(x)) / self.std.to(x)  # no copy once on x's device
        return self.model(x)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        if self.flip:
            flipped = torch.rand(b, device=x.device) < 0.5
            x = torch.where(flipped[:, None, None, None], x.flip(-1), x)
        if self.crop:
            x = _random_crop(x, self.crop)
        if self.jitter:
            x = _color_jitter(x, self.jitter)
        return x


def _random_crop(x: torch.Tensor, pad: int) -> torch.Tensor:
    """Zero-pad by `pad` on every side, then cut each sample's own random H × W window."""
    b, c, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))  # (B, C, H + 2p, W + 2p)
    dy = torch.randint(0, 2 * pad + 1, (b,), device=x.device)
    dx = torch.randint(0, 2 * pad + 1, (b,), device=x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None].expand(b, c, h, w + 2 * pad)
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :].expand(b, c, h, w)
    return padded.gather(2, rows).gather(3, cols)  # (B, C, H, W)


def _color_jitter(x: torch.Tensor, amount: float) -> torch.Tensor:
    """Brightness, contrast and (for RGB) saturation, each by a random factor in [1 - amount, 1 + amount]."""
    b = x.shape[0]

    def factor() -> torch.Tensor:
        return (1 + amount * (2 * torch.rand(b, 1, 1, 1, device=x.device) - 1)).to(x.dtype)

    x = (x * factor()).clamp(0, 1)  # brightness
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * factor() + mean).clamp(0, 1)  # contrast
    if x.shape[1] == 3:
        grey = (x * torch.tensor(_LUMA, device=x.device, dtype=x.dtype).reshape(1, 3, 1, 1)).sum(1, keepdim=True)
        x = ((x - grey) * factor() + grey).clamp(0, 1)  # saturation
    return x
