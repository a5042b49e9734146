"""The training configuration: one dataclass, validated field by field with ConfigError(field, message)."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from .augment import check_transforms
from .datasets import Dataset, training_defaults
from .errors import ConfigError

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "step", "cosine", "onecycle")
PRECISIONS = ("fp32", "bf16", "fp16")
# canonical name -> torch.nn class name
LOSSES = {
    "cross_entropy": "CrossEntropyLoss",
    "nll": "NLLLoss",
    "bce_with_logits": "BCEWithLogitsLoss",
    "mse": "MSELoss",
    "l1": "L1Loss",
    "huber": "HuberLoss",
}
_LOSS_ALIASES = {
    **{name: name for name in LOSSES},
    **{cls.lower(): name for name, cls in LOSSES.items()},
    **{cls.lower().removesuffix("loss"): name for name, cls in LOSSES.items()},
    "ce": "cross_entropy",
    "crossentropy": "cross_entropy",
    "bce": "bce_with_logits",
    "smooth_l1": "huber",
}
_SCHEDULER_ALIASES = {"one_cycle": "onecycle", "one-cycle": "onecycle", "": "none", "cos": "cosine"}
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


@dataclass
class TrainConfig:
    """How to train: every option of a run, with defaults that work for small datasets.

    Build it with `TrainConfig.from_dict(options, dataset=ds)` to start from the dataset's defaults;
    constructing it directly validates too.
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"  # sgd | adam | adamw | rmsprop
    lr: float = 1e-3
    momentum: float = 0.9  # sgd and rmsprop
    nesterov: bool = False  # sgd
    weight_decay: float = 0.0
    scheduler: str = "none"  # none | step | cosine | onecycle, stepped every batch
    step_size: int = 10  # epochs between decays of the "step" scheduler
    gamma: float = 0.1  # decay factor of the "step" scheduler
    loss: str | None = None  # None: cross_entropy for classification, mse for regression
    val_fraction: float | None = None  # None: the dataset's own split
    seed: int = 0
    grad_clip: float | None = None  # max global gradient norm
    device: str = "auto"  # auto (cuda, then mps, then cpu) | cpu | cuda | cuda:N | mps
    precision: str = "fp32"  # fp32 | bf16 | fp16 (autocast on CUDA only)
    compile: bool = False  # torch.compile the model
    log_every: int = 10  # steps between "metrics" events
    augment: dict | None = None  # image batches: {"flip": bool, "crop": padding px, "jitter": 0..1} (augment.py)
    normalize: str | dict | None = None  # "imagenet" | {"mean": [...], "std": [...]}
    resize: int | None = None  # resize image batches to resize × resize

    def __post_init__(self) -> None:
        self._validate()

    @classmethod
    def fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, d: dict | None, *, dataset: Dataset | str | None = None) -> TrainConfig:
        """Validate a JSON-like dict over the defaults of `dataset` (its name or the loaded bundle).

        >>> TrainConfig.from_dict({"epochs": 3}, dataset="linear").loss
        'mse'
        """
        d = dict(d or {})
        known = set(cls.fields())
        for key in d:
            if key not in known:
                raise ConfigError(key, f"Unknown training option '{key}'")
        values: dict[str, Any] = {}
        if dataset is not None:
            values.update(training_defaults(dataset))
            task = _task_of(dataset)
            if task is not None and "loss" not in values:
                values["loss"] = default_loss(task)
        values.update(d)
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def loss_class(self) -> str | None:
        return LOSSES[self.loss] if self.loss else None

    def _validate(self) -> None:
        _int(self, "epochs", 1, 100_000)
        _int(self, "batch_size", 1, 1_000_000, label="Batch size")
        _int(self, "step_size", 1, 100_000)
        _int(self, "seed", 0, 2**63 - 1)
        _int(self, "log_every", 1, 1_000_000)
        _float(self, "lr", label="Learning rate", gt=0.0, le=10.0)
        _float(self, "momentum", ge=0.0, lt=1.0)
        _float(self, "weight_decay", ge=0.0, le=1.0)
        _float(self, "gamma", gt=0.0, le=1.0)
        if self.val_fraction is not None:
            _float(self, "val_fraction", ge=0.0, lt=1.0, label="Validation fraction")
        if self.grad_clip is not None:
            _float(self, "grad_clip", gt=0.0, label="Gradient clipping norm")
        for name in ("nesterov", "compile"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(name, f"{name} must be true or false; got {getattr(self, name)!r}")
        self.optimizer = _choice(self, "optimizer", OPTIMIZERS)
        self.scheduler = _choice(self, "scheduler", SCHEDULERS, _SCHEDULER_ALIASES)
        self.precision = _choice(
            self,
            "precision",
            PRECISIONS,
            {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16", "none": "fp32"},
        )
        if self.loss is not None:
            key = str(self.loss).strip().lower().replace("-", "_")
            if key not in _LOSS_ALIASES and key.replace("_", "") not in _LOSS_ALIASES:
                raise ConfigError(
                    "loss", f"Unknown loss '{self.loss}'; choose one of {', '.join(LOSSES.values())}"
                )
            self.loss = _LOSS_ALIASES.get(key) or _LOSS_ALIASES[key.replace("_", "")]
        if not isinstance(self.device, str) or not _DEVICE.match(self.device):
            raise ConfigError("device", f"Unknown device {self.device!r}; use auto, cpu, cuda, cuda:N or mps")
        self.augment, self.normalize, self.resize = check_transforms(self.augment, self.normalize, self.resize)
        if self.nesterov and (self.optimizer != "sgd" or self.momentum == 0):
            raise ConfigError("nesterov", "Nesterov momentum needs the sgd optimizer with momentum above 0")


def default_loss(task: str) -> str:
    return "cross_entropy" if task == "classification" else "mse"


def _task_of(dataset: Dataset | str) -> str | None:
    if isinstance(dataset, Dataset):
        return dataset.task
    from .datasets import REGISTRY

    spec = REGISTRY.get(dataset)
    return spec.task if spec else None


def _int(cfg: TrainConfig, name: str, lo: int, hi: int, *, label: str | None = None) -> None:
    value = getattr(cfg, name)
    label = label or name.replace("_", " ").capitalize()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
        setattr(cfg, name, value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(name, f"{label} must be an integer; got {value!r}")
    if value < lo:
        raise ConfigError(name, f"{label} must be at least {lo}; got {value}")
    if value > hi:
        raise ConfigError(name, f"{label} must be at most {hi}; got {value}")


def _float(
    cfg: TrainConfig,
    name: str,
    *,
    label: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> None:
    value = getattr(cfg, name)
    label = label or name.replace("_", " ").capitalize()
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ConfigError(name, f"{label} must be a number; got {value!r}")
    setattr(cfg, name, float(value))
    if gt is not None and not value > gt:
        raise ConfigError(name, f"{label} must be greater than {gt:g}; got {value:g}")
    if ge is not None and not value >= ge:
        raise ConfigError(name, f"{label} must be at least {ge:g}; got {value:g}")
    if lt is not None and not value < lt:
        raise ConfigError(name, f"{label} must be less than {lt:g}; got {value:g}")
    if le is not None and not value <= le:
        raise ConfigError(name, f"{label} must be at most {le:g}; got {value:g}")


def _choice(
    cfg: TrainConfig, name: str, choices: tuple[str, ...], aliases: dict[str, str] | None = None
) -> str:
    value = getattr(cfg, name)
    key = str(value).strip().lower() if isinstance(value, str) else None
    key = (aliases or {}).get(key, key) if key is not None else None
    if key not in choices:
        raise ConfigError(name, f"Unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return key
