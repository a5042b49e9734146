"""The training configuration: one dataclass, validated field by field with ConfigError(field, message)."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from builder.engine_settings import SETTING_NAMES, engine_settings

from .augment import check_transforms
from .datasets import Dataset, training_defaults
from .errors import ConfigError

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "step", "cosine", "onecycle")
PRECISIONS = ("fp32", "bf16", "fp16")
# short alias -> canonical name (the torch.nn class); the canonical names are what is published
LOSSES = {
    "cross_entropy": "CrossEntropyLoss",
    "nll": "NLLLoss",
    "bce_with_logits": "BCEWithLogitsLoss",
    "mse": "MSELoss",
    "l1": "L1Loss",
    "huber": "HuberLoss",
}
LOSS_NAMES = tuple(LOSSES.values())
# every accepted spelling (lower case) -> canonical name; aliases are for input only
_LOSS_ALIASES = {
    **LOSSES,
    **{cls.lower(): cls for cls in LOSS_NAMES},
    **{cls.lower().removesuffix("loss"): cls for cls in LOSS_NAMES},
    "ce": "CrossEntropyLoss",
    "crossentropy": "CrossEntropyLoss",
    "bce": "BCEWithLogitsLoss",
    "smooth_l1": "HuberLoss",
}
_SCHEDULER_ALIASES = {"one_cycle": "onecycle", "one-cycle": "onecycle", "": "none", "cos": "cosine"}
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def option(default: Any, doc: str, *, kind: str, label: str | None = None, **rule: Any) -> Any:
    """A TrainConfig field with its doc and rule (`min`/`max`, `gt`/`lt`, `choices`; `limit`: the max is
    that field of the engine settings in force): validation and the schema served to the browser's Train
    dialog both read them from here."""
    return dataclasses.field(default=default, metadata={"doc": doc, "kind": kind, "label": label, **rule})


def _rule(meta: Any) -> dict[str, Any]:
    """An option's rule with a `limit` resolved to the engine settings' number and the setting's name."""
    rule = dict(meta)
    limit = rule.pop("limit", None)
    if limit is not None:
        rule["max"], rule["setting"] = getattr(engine_settings(), limit), SETTING_NAMES[limit]
    return rule


@dataclass
class TrainConfig:
    """How to train: every option of a run, with defaults that work for small datasets.

    Build it with `TrainConfig.from_dict(options, dataset=ds)` to start from the dataset's defaults;
    constructing it directly validates too.
    """

    epochs: int = option(10, "Passes over the training data", kind="int", min=1, limit="max_epochs")
    batch_size: int = option(64, "Samples per step", kind="int", label="Batch size", min=1, max=1_000_000)
    optimizer: str = option("adam", "How the weights are updated", kind="choice", choices=OPTIMIZERS)
    lr: float = option(1e-3, "Learning rate", kind="float", label="Learning rate", gt=0.0, max=10.0)
    momentum: float = option(0.0, "Momentum of sgd and rmsprop (0: none, as in PyTorch)", kind="float", min=0.0,
                             lt=1.0)
    nesterov: bool = option(False, "Nesterov momentum (sgd)", kind="bool")
    weight_decay: float = option(0.0, "L2 penalty on the weights", kind="float", min=0.0, max=1.0)
    scheduler: str = option("none", "Learning-rate schedule, stepped every batch", kind="choice",
                            choices=SCHEDULERS)
    step_size: int = option(10, "Epochs between decays of the step scheduler", kind="int", min=1, max=100_000)
    gamma: float = option(0.1, "Decay factor of the step scheduler", kind="float", gt=0.0, max=1.0)
    loss: str | None = option(None, "Loss; empty: CrossEntropyLoss for classification, MSELoss for regression",
                              kind="choice", choices=LOSS_NAMES, nullable=True)
    val_fraction: float | None = option(None, "Share of samples held out for validation; empty: the dataset's "
                                        "own split", kind="float", label="Validation fraction", min=0.0, lt=1.0,
                                        nullable=True)
    seed: int = option(0, "Seed of the weights, the shuffling and dropout: same seed, same numbers on CPU",
                       kind="int", min=0, max=2**63 - 1)
    grad_clip: float | None = option(None, "Clip the global gradient norm to this", kind="float",
                                     label="Gradient clipping norm", gt=0.0, nullable=True)
    device: str = option("auto", "auto: cuda, then mps, then cpu; or cpu, cuda, cuda:N, mps", kind="choice",
                         choices=("auto", "cpu", "cuda", "mps"))
    precision: str = option("fp32", "Mixed precision (autocast) on CUDA", kind="choice", choices=PRECISIONS)
    compile: bool = option(False, "torch.compile the model (slow first steps)", kind="bool")
    log_every: int = option(10, "Steps between metrics events", kind="int", min=1, max=1_000_000)
    augment: dict | None = option(None, 'Image batches: {"flip": true, "crop": 4, "jitter": 0.1}', kind="object",
                                  nullable=True)
    normalize: str | dict | None = option(None, '"imagenet", or {"mean": [...], "std": [...]}', kind="object",
                                          nullable=True)
    resize: int | None = option(None, "Resize image batches to resize × resize", kind="int", min=8, max=1024,
                                nullable=True)

    def __post_init__(self) -> None:
        self._validate()

    @classmethod
    def fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, d: dict | None, *, dataset: Dataset | str | None = None) -> TrainConfig:
        """Validate a JSON-like dict over the defaults of `dataset` (its name or the loaded bundle).

        >>> TrainConfig.from_dict({"epochs": 3}, dataset="linear").loss
        'MSELoss'
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
        return self.loss

    @classmethod
    def schema(cls) -> list[dict]:
        """Every option with its kind, default, bounds and doc (GET /api/training/options); a bound set by
        a setting is the number in force, with the setting's name (`"setting": "NETBUILDER_MAX_EPOCHS"`)."""
        out = []
        for f in dataclasses.fields(cls):
            meta = _rule(f.metadata)
            item = {"name": f.name, "kind": meta.pop("kind"), "default": f.default,
                    "nullable": meta.pop("nullable", False), "doc": meta.pop("doc")}
            meta.pop("label", None)
            if "choices" in meta:
                meta["choices"] = list(meta["choices"])
            out.append({**item, **meta})
        return out

    def _validate(self) -> None:
        for f in dataclasses.fields(self):
            meta = _rule(f.metadata)
            if getattr(self, f.name) is None and meta.get("nullable"):
                continue
            if meta["kind"] == "int":
                _int(self, f.name, meta["min"], meta["max"], label=meta["label"], setting=meta.get("setting"))
            elif meta["kind"] == "float":
                _float(self, f.name, label=meta["label"], gt=meta.get("gt"), ge=meta.get("min"),
                       lt=meta.get("lt"), le=meta.get("max"))
            elif meta["kind"] == "bool" and not isinstance(getattr(self, f.name), bool):
                raise ConfigError(f.name, f"{f.name} must be true or false; got {getattr(self, f.name)!r}")
        self.optimizer = _choice(self, "optimizer", OPTIMIZERS)
        self.scheduler = _choice(self, "scheduler", SCHEDULERS, _SCHEDULER_ALIASES)
        self.precision = _choice(
            self,
            "precision",
            PRECISIONS,
            {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16", "none": "fp32"},
        )
        if self.loss is not None:
            self.loss = canonical_loss(self.loss)
        if not isinstance(self.device, str) or not _DEVICE.match(self.device):
            raise ConfigError("device", f"Unknown device {self.device!r}; use auto, cpu, cuda, cuda:N or mps")
        self.augment, self.normalize, self.resize = check_transforms(self.augment, self.normalize, self.resize)
        if self.nesterov and (self.optimizer != "sgd" or self.momentum == 0):
            raise ConfigError("nesterov", "Nesterov momentum needs the sgd optimizer with momentum above 0")


def default_loss(task: str) -> str:
    return "CrossEntropyLoss" if task == "classification" else "MSELoss"


def canonical_loss(name: Any) -> str:
    """The canonical name (the torch.nn class, one of LOSS_NAMES) of a loss given by any accepted alias."""
    key = str(name).strip().lower().replace("-", "_")
    found = _LOSS_ALIASES.get(key) or _LOSS_ALIASES.get(key.replace("_", ""))
    if found is None:
        raise ConfigError("loss", f"Unknown loss '{name}'; choose one of {', '.join(LOSS_NAMES)}")
    return found


def _task_of(dataset: Dataset | str) -> str | None:
    if isinstance(dataset, Dataset):
        return dataset.task
    from .datasets import REGISTRY

    spec = REGISTRY.get(dataset)
    return spec.task if spec else None


def _int(
    cfg: TrainConfig, name: str, lo: int, hi: int, *, label: str | None = None, setting: str | None = None
) -> None:
    value = getattr(cfg, name)
    label = label or name.replace("_", " ").capitalize()
    # 10.0 and true are not integers: a float could carry a number past the limit unnoticed
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(name, f"{label} must be an integer; got {value!r}")
    if value < lo:
        raise ConfigError(name, f"{label} must be at least {lo}; got {value}")
    if value > hi:
        where = f" ({setting})" if setting else ""
        raise ConfigError(name, f"{label} must be at most {hi}{where}; got {value}")


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
