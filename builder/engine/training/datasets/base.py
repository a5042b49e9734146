"""The dataset bundle: tensors plus what the engine and the browser need to know about them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import torch

from builder.engine.options import Option, OptionError

from ..errors import DatasetError

Task = Literal["classification", "regression"]
DType = Literal["float32", "int64"]
# What a dataset's inputs may be: float32 features, or int64 token ids (for an Embedding).
DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "int64": torch.int64}
VAL_FRACTION = 0.2  # the share of samples held out for validation when neither the set nor the run says


def max_dataset_bytes() -> int:
    """The most memory one dataset may decode to (its float32 tensors): NETBUILDER_MAX_DATASET_BYTES,
    from the engine settings in force (the training process gets the server's with its run)."""
    from builder.engine.settings import engine_settings

    return engine_settings().max_dataset_bytes

STANDARDIZE = Option(
    "standardize", "bool",
    "Train on features scaled to mean 0, std 1 (a regression target too); the exported model takes raw values "
    "and answers in the target's units either way.", default=True)


def check_option(option: Option, value: Any) -> Any:
    """A dataset or upload option's value checked by its :class:`Option`; a refusal is a DatasetError naming it."""
    try:
        value = option.check(value)
    except OptionError as e:
        raise DatasetError(e.message, field=e.name) from e
    return list(value) if isinstance(value, tuple) else value


def check_options(options: tuple[Option, ...], given: dict, what: str) -> dict[str, Any]:
    """Every option's value (its default when not given); an unknown name is a DatasetError listing the known."""
    known = {o.name: o for o in options}
    for key in given:
        if key not in known:
            raise DatasetError(f"{what} has no option '{key}' (options: {', '.join(known) or 'none'})", field=key)
    return {o.name: check_option(o, given.get(o.name, o.default)) for o in options}


# A preview sample with more values than this (the shapes set's largest image, 3×128×128) shows only
# its first values: the preview is stored with an upload and sent to the browser.
PREVIEW_MAX_VALUES = 3 * 128 * 128


def check_decoded_size(nbytes: int, what: str, *, limit: int, field: str | None = None, file: str | None = None) -> None:
    """Refuse, before anything is allocated, a dataset that would decode to more than `limit` bytes."""
    if nbytes > limit:
        raise DatasetError(
            f"{what} would decode to {nbytes / 2**20:,.1f} MB; datasets are limited to {limit / 2**20:,.1f} MB "
            "(NETBUILDER_MAX_DATASET_BYTES)",
            field=field,
            file=file,
        )


@dataclass(frozen=True)
class DatasetFacts:
    """What a dataset is, known without decoding it: enough to check a run against it (its input shape,
    task, classes or target size), and what decoding it would cost. A run that is only checked against
    facts loads and checks the data itself, in its own process, before its first step."""

    name: str
    title: str
    task: Task
    input_shape: tuple[int, ...]
    decoded_bytes: int  # the inputs (and per-position labels) it decodes to
    classes: list[str] | None = None
    target_size: int | None = None
    dtype: DType = "float32"  # of the inputs
    label_shape: tuple[int, ...] = ()  # classification: () one class per sample, (L,) one per position
    vocab_size: int | None = None  # int64 inputs: token ids lie in [0, vocab_size)
    samples: int | None = None
    description: str = ""
    options: dict = field(default_factory=dict)
    fixed_split: bool = False  # it brings its own validation set (MNIST's and CIFAR-10's test split)
    val_fraction: float = VAL_FRACTION  # otherwise the share it holds out when the run names none

    @classmethod
    def of_description(cls, d: dict) -> DatasetFacts:
        """The facts of a dataset from what its `describe()` gave (an upload's stored description);
        KeyError or TypeError when the description lacks them."""
        shape = tuple(int(n) for n in d["input_shape"])
        samples = int(d["samples"])
        validation = d.get("validation") or {}
        dtype = d.get("dtype", "float32")  # descriptions stored before int64 inputs were float32
        if dtype not in DTYPES:
            raise TypeError(f"unknown input dtype {dtype!r}")
        labels = tuple(int(n) for n in d.get("label_shape") or ())
        return cls(name=d["name"], title=d.get("title") or d["name"], task=d["task"], input_shape=shape,
                   decoded_bytes=samples * decoded_sample_bytes(shape, dtype, labels), classes=d.get("classes"),
                   target_size=d.get("target_size"), samples=samples, description=d.get("description", ""),
                   options=dict(d.get("options") or {}), fixed_split=bool(validation.get("fixed")),
                   val_fraction=float(validation.get("fraction", VAL_FRACTION)), dtype=dtype, label_shape=labels,
                   vocab_size=(d.get("info") or {}).get("vocab_size"))

    @property
    def num_classes(self) -> int | None:
        return len(self.classes) if self.classes else None

    def describe(self) -> dict:
        """As Dataset.describe(), with what only decoding tells left out, and `"decoded": false`."""
        out: dict = {"name": self.name, "title": self.title, "description": self.description, "task": self.task,
                     "input_shape": list(self.input_shape), "dtype": self.dtype, "options": dict(self.options),
                     "decoded": False}
        if self.samples is not None:
            out["samples"] = self.samples
        if self.task == "classification":
            out["classes"] = list(self.classes or [])
            if self.label_shape:
                out["label_shape"] = list(self.label_shape)
        else:
            out["target_size"] = self.target_size
        return out


def decoded_sample_bytes(input_shape: tuple[int, ...], dtype: str, label_shape: tuple[int, ...] = ()) -> int:
    """What one sample decodes to: its inputs in their dtype, and its per-position int64 labels."""
    size = torch.empty((), dtype=DTYPES[dtype]).element_size()
    return math.prod(input_shape) * size + (math.prod(label_shape) * 8 if label_shape else 0)


class Split(NamedTuple):
    x_train: torch.Tensor  # (N_train, *input_shape)
    y_train: torch.Tensor  # (N_train,) int64 labels, or (N_train, target_size) float32
    x_val: torch.Tensor  # (N_val, *input_shape); N_val may be 0
    y_val: torch.Tensor


@dataclass
class Dataset:
    """All samples of one dataset as CPU tensors, and its metadata.

    `x` is float32 (N, *input_shape), or int64 token ids (`dtype` "int64"). `y` holds int64 class indices
    for classification, (N,) or (N, *label_shape) for one class per position (a sequence's next token), or
    float32 (N, target_size) for regression. Sets with an official test split (MNIST, CIFAR-10) carry
    it in `x_val`/`y_val`; the others are split by `split(val_fraction, seed)`.
    """

    name: str
    title: str
    task: Task
    x: torch.Tensor
    y: torch.Tensor
    classes: list[str] | None = None
    description: str = ""
    val_fraction: float = VAL_FRACTION
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    options: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.x.shape[0]
        assert self.x.dtype in DTYPES.values(), self.x.dtype
        assert self.y.shape[0] == n, (self.x.shape, self.y.shape)
        if self.task == "classification":
            assert self.y.dtype == torch.int64 and self.y.dim() >= 1, (self.y.dtype, self.y.shape)
            assert self.classes, "a classification dataset names its classes"
        else:
            assert self.y.dtype == torch.float32 and self.y.dim() == 2, (self.y.dtype, self.y.shape)
        if n < 2:
            raise DatasetError(f"Dataset '{self.name}' has {n} sample(s); it needs at least 2")

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def dtype(self) -> DType:
        """The inputs' dtype by name: "float32", or "int64" for token ids."""
        return "int64" if self.x.dtype == torch.int64 else "float32"

    @property
    def label_shape(self) -> tuple[int, ...]:
        """Classification: () for one class per sample, (L,) for one per position of a sequence."""
        return tuple(self.y.shape[1:]) if self.task == "classification" else ()

    @property
    def vocab_size(self) -> int | None:
        """int64 inputs: token ids lie in [0, vocab_size) (`info["vocab_size"]`)."""
        return self.info.get("vocab_size")

    @property
    def num_classes(self) -> int | None:
        return len(self.classes) if self.classes else None

    @property
    def target_size(self) -> int | None:
        return self.y.shape[1] if self.task == "regression" else None

    @property
    def is_2d(self) -> bool:
        """True for 2-D classification sets, whose decision boundary the browser can draw."""
        return self.task == "classification" and self.input_shape == (2,)

    @property
    def fixed_split(self) -> bool:
        return self.x_val is not None

    def __len__(self) -> int:
        return self.x.shape[0] + (self.x_val.shape[0] if self.x_val is not None else 0)

    def split(self, val_fraction: float | None = None, seed: int = 0) -> Split:
        """Train and validation tensors; the same seed always gives the same split."""
        if self.x_val is not None and self.y_val is not None:
            return Split(self.x, self.y, self.x_val, self.y_val)
        fraction = self.val_fraction if val_fraction is None else val_fraction
        n = self.x.shape[0]
        n_val = int(round(n * fraction))
        if fraction > 0:
            n_val = max(1, n_val)
        if n - n_val < 1:
            raise DatasetError(
                f"A validation fraction of {fraction} leaves no training samples out of {n}",
                field="val_fraction",
            )
        if n_val == 0:  # no copy: the training set is the whole tensor
            return Split(self.x, self.y, self.x[:0], self.y[:0])
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        val_idx, train_idx = perm[:n_val], perm[n_val:]
        return Split(self.x[train_idx], self.y[train_idx], self.x[val_idx], self.y[val_idx])

    def describe(self) -> dict:
        """JSON-ready metadata: what the dataset picker and the run page show."""
        out: dict = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "task": self.task,
            "input_shape": list(self.input_shape),
            "dtype": self.dtype,
            "samples": len(self),
            "validation": (
                {"fixed": True, "samples": int(self.x_val.shape[0])}
                if self.x_val is not None
                else {"fixed": False, "fraction": self.val_fraction}
            ),
            "options": dict(self.options),
        }
        if self.task == "classification":
            out["classes"] = list(self.classes or [])
            if self.label_shape:
                out["label_shape"] = list(self.label_shape)
        else:
            out["target_size"] = self.target_size
        if self.info:
            out["info"] = dict(self.info)  # e.g. the linear set's true w and b
        return out

    def preview(self, n: int = 8) -> dict:
        """Shape, class counts and the first few samples, for showing an upload before training."""
        count = min(n, self.x.shape[0])
        samples = []
        for i in range(count):
            x = self.x[i]
            cut = x.dim() > 1 and x.numel() > PREVIEW_MAX_VALUES
            if x.dim() == 1 or cut:
                shown = [round(v, 4) for v in x.flatten()[:32].tolist()]  # long rows are cut for display
            elif not x.is_floating_point():
                shown = x.tolist()
            else:
                shown = torch.round(x, decimals=4).tolist()  # (C, H, W) image
            if self.task == "classification":
                label = int(self.y[i]) if self.y.dim() == 1 else self.y[i].flatten()[:32].tolist()
            else:
                label = self.y[i][:32].tolist()
            samples.append({"x": shown, "y": label, **({"truncated": True} if cut else {})})
        out = {**self.describe(), "preview": samples}
        if self.task == "classification":
            counts = torch.bincount(self.y.flatten(), minlength=len(self.classes or []))  # positions count each
            out["class_counts"] = {
                c: int(k) for c, k in zip(self.classes or [], counts.tolist(), strict=True)
            }
        else:
            out["target_mean"] = [round(v, 4) for v in self.y[:, :32].mean(0).tolist()]
            out["target_std"] = [round(v, 4) for v in self.y[:, :32].std(0).tolist()]
        return out
