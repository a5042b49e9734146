"""What the data pipeline does to inputs and targets, as the exported model must do it too.

Training runs on the dataset's tensors as they are: standardised features (and a standardised
regression target) where the dataset's `standardize` option is on, and, for images, the `normalize`
transform of `TrainConfig` applied per batch. The loss and its curves are therefore in those scaled
units. The files a run writes (see `write_artifacts`) take RAW inputs and answer in the target's own
units: the scaling described here is built into model.pth/model.safetensors (as buffers), model.py and
model.onnx by `builder.engine.graph.preprocess`.

    >>> from builder.engine.training import load_dataset
    >>> scaling = export_preprocessing(load_dataset("diabetes"))
    >>> sorted(scaling), len(scaling["input"]["mean"]), len(scaling["target"]["std"])
    (['input', 'target'], 10, 1)
"""

from __future__ import annotations

from typing import Any

from .augment import IMAGENET_MEAN, IMAGENET_STD
from .datasets import Dataset


def export_preprocessing(dataset: Dataset, config: Any = None) -> dict | None:
    """The scaling of `dataset` (and of `config.normalize`) as `builder.engine.graph.preprocess` takes it, or None.

    With `config.resize`, the exported model takes the dataset's images and resizes them itself.
    """
    out: dict = {}
    resize = getattr(config, "resize", None)
    if resize is not None and len(dataset.input_shape) == 3:
        out["resize"] = {"from": list(dataset.input_shape), "to": [resize, resize]}
    features = dataset.info.get("standardized")
    if features:
        out["input"] = {"mean": list(features["mean"]), "std": list(features["std"])}
    normalize = getattr(config, "normalize", None)
    if normalize is not None:
        assert "input" not in out, "image sets are not standardised"
        stats = {"mean": IMAGENET_MEAN, "std": IMAGENET_STD} if normalize == "imagenet" else normalize
        channels = len(stats["mean"])
        out["input"] = {"mean": list(stats["mean"]), "std": list(stats["std"]), "shape": [channels, 1, 1]}
    tokens = dataset.info.get("tokenizer")
    if tokens:
        out["tokens"] = dict(tokens)
    target = dataset.info.get("target_standardized")
    if target and dataset.task == "regression":
        out["target"] = {"mean": list(target["mean"]), "std": list(target["std"])}
    return out or None
