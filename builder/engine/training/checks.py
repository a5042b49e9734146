"""What is checked before any step runs: the device, and that model outputs, loss and targets fit."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .config import TrainConfig, canonical_loss, default_loss
from .datasets import Dataset, DatasetFacts
from .errors import ConfigError

CLASS_LOSSES = ("CrossEntropyLoss", "NLLLoss")
VALUE_LOSSES = ("MSELoss", "L1Loss", "HuberLoss")


def resolve_device(name: str) -> torch.device:
    """ "auto" is cuda when there is one, then mps, then cpu; an asked-for device must exist."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("device", "CUDA was asked for, but this machine has no usable CUDA GPU")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ConfigError(
                "device", f"There is no {name}; this machine has {torch.cuda.device_count()} GPU(s)"
            )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device", "MPS was asked for, but it is not available on this machine")
    return device


class ClassesLast(nn.Module):
    """A class loss over outputs whose last dimension is the classes, (B, C) or (B, L, C) against labels (B,)
    or (B, L): every position is one more sample (torch's own losses want the classes in dimension 1)."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if out.dim() > 2:
            return self.loss(out.flatten(0, -2), target.flatten())  # (B·L, C), (B·L,)
        return self.loss(out, target)


def build_loss(name: str) -> nn.Module:
    loss = getattr(nn, canonical_loss(name))()
    return ClassesLast(loss) if canonical_loss(name) in CLASS_LOSSES else loss


def _shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def output_shape(model: nn.Module, dataset: Dataset) -> tuple[int, ...]:
    """Per-sample output shape, from a forward pass of two samples in eval mode (no statistics change)."""
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    x = dataset.x[:2].to(device)  # (2, *input_shape)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        raise ConfigError(
            "model", f"The model can't take this dataset's inputs of shape {_shape(dataset.input_shape)}: {e}"
        ) from e
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise ConfigError("model", f"The model must return one tensor; it returns {type(out).__name__}")
    if not out.is_floating_point():
        raise ConfigError("model", f"The model's output must be floating point; it is {out.dtype}")
    return tuple(out.shape[1:])


def check_compatibility(
    model_or_shape: nn.Module | Sequence[int], dataset: Dataset | DatasetFacts, config: TrainConfig
) -> tuple[int, ...]:
    """Raise ConfigError with a plain message unless model output, loss and targets fit each other.

    `model_or_shape` is the model, or its per-sample output shape (no batch dimension). Returns that shape.
    """
    if isinstance(model_or_shape, nn.Module):
        assert isinstance(dataset, Dataset), "a model's output shape is found by running it on samples"
        out = output_shape(model_or_shape, dataset)
    else:
        out = tuple(int(s) for s in model_or_shape)
    loss = loss_cls = config.loss or default_loss(dataset.task)
    positions = tuple(dataset.label_shape) if dataset.task == "classification" else ()
    if positions and out[:-1] != positions:
        length = positions[0] if len(positions) == 1 else _shape(positions)
        raise ConfigError(
            "model",
            f"'{dataset.title}' has a class per position ({_shape(positions)}), so {loss_cls} needs outputs of "
            f"shape {_shape([*positions, dataset.num_classes or 0])}, scores for each of the {length} positions; "
            f"the model gives {_shape(out)}",
        )
    if not positions and len(out) != 1:
        what = "class scores" if dataset.task == "classification" else "target values"
        raise ConfigError(
            "model",
            f"The model gives outputs of shape {_shape(out)} per sample; {loss_cls} here "
            f"needs a flat vector of {what} (add a Flatten or a Linear layer)",
        )
    k = out[-1]
    if dataset.task == "classification":
        c = dataset.num_classes or 0
        if loss in CLASS_LOSSES and k != c:
            raise ConfigError("loss", f"{loss_cls} needs {c} outputs for {c} classes; the model gives {k}")
        if loss == "BCEWithLogitsLoss" and not (k == c or (c == 2 and k == 1)):
            need = "1 output (or 2)" if c == 2 else f"{c} outputs, one per class"
            raise ConfigError("loss", f"BCEWithLogitsLoss needs {need} for {c} classes; the model gives {k}")
        if loss in VALUE_LOSSES and k != c:
            raise ConfigError(
                "loss",
                f"{loss_cls} compares the outputs with one-hot targets, so it needs {c} "
                f"outputs for {c} classes; the model gives {k}",
            )
    else:
        t = dataset.target_size
        if loss in CLASS_LOSSES:
            raise ConfigError(
                "loss",
                f"{loss_cls} needs class labels, but '{dataset.title}' is a regression "
                "dataset; use MSELoss, L1Loss or HuberLoss",
            )
        if k != t:
            raise ConfigError(
                "loss",
                f"{loss_cls} needs {t} output{'s' if t != 1 else ''} for a target of size "
                f"{t}; the model gives {k}",
            )
    return out


def has_validation(dataset: Dataset | DatasetFacts, config: TrainConfig) -> bool:
    """True when the run holds samples out for validation: the set's own, or a val_fraction above 0."""
    fraction = dataset.val_fraction if config.val_fraction is None else config.val_fraction
    return dataset.fixed_split or fraction > 0


def check_validation(dataset: Dataset | DatasetFacts, config: TrainConfig) -> None:
    """Raise ConfigError naming the option that needs validation samples when the run has none."""
    if config.early_stopping is not None and not has_validation(dataset, config):
        raise ConfigError(
            "early_stopping",
            f"Early stopping watches the validation loss, but '{dataset.title}' with val_fraction 0 holds no "
            "samples out for validation; set val_fraction above 0 or leave early_stopping empty",
        )


def loss_targets(y: torch.Tensor, *, dataset: Dataset, loss: str, outputs: int) -> torch.Tensor:
    """The dataset's targets in the form the loss expects: class indices, one-hot floats or values.

    `outputs` is the model's last output dimension (its class scores); labels per position (N, L) give
    targets per position: (N, L) indices, or (N, L, C) one-hot.
    """
    if dataset.task == "regression" or loss in CLASS_LOSSES:
        return y  # (N,) or (N, L) indices (ClassesLast flattens the positions), (N, k) values
    if outputs == 1:  # a single logit for two classes
        return y.to(torch.float32).unsqueeze(-1)  # (N, 1) or (N, L, 1)
    return F.one_hot(y, num_classes=outputs).to(torch.float32)  # (N, C) or (N, L, C)
