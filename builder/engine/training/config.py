"""The training configuration: one dataclass, validated field by field with ConfigError(field, message)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from builder.engine.options import Kind, Option, OptionError
from builder.engine.settings import SETTING_NAMES, engine_settings

from .augment import check_transforms
from .datasets import Dataset, DatasetFacts, training_defaults
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


def option(default: Any, doc: str, *, kind: Kind, limit: str | None = None, **rule: Any) -> Any:
    """A TrainConfig field and its :class:`~builder.engine.options.Option` (kept in the field's metadata):
    validation and the schema served to the Train dialog both read it. ``limit`` names the engine
    setting whose number is the field's max (``max_epochs``)."""
    return dataclasses.field(default=default, metadata={"option": (Option("", kind, doc, default=default, **rule),
                                                                   limit)})


def option_of(f: dataclasses.Field) -> Option:
    """The option of a TrainConfig field, named after it, with a ``limit`` resolved to the number in force."""
    base, limit = f.metadata["option"]
    changes: dict[str, Any] = {"name": f.name}
    if limit is not None:
        changes.update(max=getattr(engine_settings(), limit), setting=SETTING_NAMES[limit])
    return dataclasses.replace(base, **changes)


@dataclass
class TrainConfig:
    """How to train: every option of a run, with defaults that work for small datasets.

    Build it with `TrainConfig.from_dict(options, dataset=ds)` to start from the dataset's defaults;
    constructing it directly validates too.
    """

    epochs: int = option(10, "Passes over the training data", kind="int", min=1, limit="max_epochs")
    batch_size: int = option(64, "Samples per step", kind="int", min=1, max=1_000_000)
    optimizer: str = option("adam", "How the weights are updated", kind="choice", choices=OPTIMIZERS, aliases={})
    lr: float = option(1e-3, "Learning rate", kind="float", min=0.0, min_exclusive=True, max=10.0)
    momentum: float = option(0.0, "Momentum of sgd and rmsprop (0: none, as in PyTorch)", kind="float", min=0.0,
                             max=1.0, max_exclusive=True)
    nesterov: bool = option(False, "Nesterov momentum (sgd)", kind="bool")
    weight_decay: float = option(0.0, "L2 penalty on the weights", kind="float", min=0.0, max=1.0)
    scheduler: str = option("none", "Learning-rate schedule, stepped every batch", kind="choice",
                            choices=SCHEDULERS, aliases=_SCHEDULER_ALIASES)
    step_size: int = option(10, "Epochs between decays of the step scheduler", kind="int", min=1, max=100_000)
    gamma: float = option(0.1, "Decay factor of the step scheduler", kind="float", min=0.0, min_exclusive=True, max=1.0)
    loss: str | None = option(None, "Loss; empty: CrossEntropyLoss for classification, MSELoss for regression",
                              kind="choice", choices=LOSS_NAMES, nullable=True, aliases=lambda v: _loss_alias(v))
    val_fraction: float | None = option(None, "Share of samples held out for validation; empty: the dataset's "
                                        "own split", kind="float", min=0.0, max=1.0, max_exclusive=True,
                                        nullable=True)
    seed: int = option(0, "Seed of the weights, the shuffling and dropout: same seed, same numbers on CPU",
                       kind="int", min=0, max=2**63 - 1)
    grad_clip: float | None = option(None, "Clip the global gradient norm to this", kind="float",
                                     min=0.0, min_exclusive=True, nullable=True)
    early_stopping: int | None = option(None, "End the run when the validation loss has not improved by more "
                                        "than min_delta for this many epochs; empty: off", kind="int", min=1,
                                        max=100_000, nullable=True)
    min_delta: float = option(0.0, "The least fall of the validation loss that early stopping counts as "
                              "better", kind="float", min=0.0)
    device: str = option("auto", "auto: cuda, then mps, then cpu; or cpu, cuda, cuda:N, mps", kind="choice",
                         choices=("auto", "cpu", "cuda", "mps"), pattern=r"cuda:\d+", aliases={})
    precision: str = option("fp32", "Mixed precision (autocast) on CUDA", kind="choice", choices=PRECISIONS,
                            aliases={"float32": "fp32", "bfloat16": "bf16", "float16": "fp16", "none": "fp32"})
    compile: bool = option(False, "torch.compile the model (slow first steps)", kind="bool")
    health: bool = option(True, "Measure each node's training health (dead and saturated units, gradient "
                          "norms, update ratios) on a fixed batch, at most 4 times a second", kind="bool")
    units: bool = option(True, "Draw every unit's picture: over the data's square for 2-D data, and the feature "
                         "maps of Conv/Pool nodes for a fixed sample of images; at most 10 times a second",
                         kind="bool")
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
    def from_dict(cls, d: dict | None, *, dataset: Dataset | DatasetFacts | str | None = None) -> TrainConfig:
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
    def options(cls) -> list[Option]:
        """Every option with the limits in force (``epochs``' max is NETBUILDER_MAX_EPOCHS' number)."""
        return [option_of(f) for f in dataclasses.fields(cls)]

    @classmethod
    def schema(cls) -> list[dict]:
        """Every option as GET /api/training/options publishes it (:meth:`Option.as_json`)."""
        return [o.as_json() for o in cls.options()]

    def _validate(self) -> None:
        for opt in self.options():
            try:
                setattr(self, opt.name, opt.check(getattr(self, opt.name)))
            except OptionError as e:
                raise ConfigError(e.name, e.message) from e
        self.augment, self.normalize, self.resize = check_transforms(self.augment, self.normalize, self.resize)
        if self.nesterov and (self.optimizer != "sgd" or self.momentum == 0):
            raise ConfigError("nesterov", "Nesterov momentum needs the sgd optimizer with momentum above 0")


def default_loss(task: str) -> str:
    return "CrossEntropyLoss" if task == "classification" else "MSELoss"


def _loss_alias(name: Any) -> Any:
    """The canonical name of a loss given by an accepted alias; anything else as given (and refused)."""
    if not isinstance(name, str):
        return name
    key = name.strip().lower().replace("-", "_")
    return _LOSS_ALIASES.get(key) or _LOSS_ALIASES.get(key.replace("_", "")) or name


def canonical_loss(name: Any) -> str:
    """The canonical name (the torch.nn class, one of LOSS_NAMES) of a loss given by any accepted alias."""
    try:
        return option_of(next(f for f in dataclasses.fields(TrainConfig) if f.name == "loss")).check(name)
    except OptionError as e:
        raise ConfigError(e.name, e.message) from e


def _task_of(dataset: Dataset | DatasetFacts | str) -> str | None:
    if not isinstance(dataset, str):
        return dataset.task
    from .datasets import REGISTRY

    spec = REGISTRY.get(dataset)
    return spec.task if spec else None
