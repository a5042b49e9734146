"""torchvision's MNIST, FashionMNIST and CIFAR-10, read from files already on disk (never downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..errors import DatasetError
from .base import Dataset

_MNIST_FILES = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
]
_CIFAR_FILES = [
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
    "batches.meta",
]

# name -> (torchvision class, folder under data_dir, files, title, description)
VISION = {
    "mnist": ("MNIST", "MNIST/raw", _MNIST_FILES, "MNIST", "70,000 handwritten digits, 28×28 grey."),
    "fashion_mnist": (
        "FashionMNIST",
        "FashionMNIST/raw",
        _MNIST_FILES,
        "Fashion-MNIST",
        "70,000 clothing images in 10 classes, 28×28 grey.",
    ),
    "cifar10": (
        "CIFAR10",
        "cifar-10-batches-py",
        _CIFAR_FILES,
        "CIFAR-10",
        "60,000 colour images in 10 classes, 32×32.",
    ),
}


SAMPLES = {"mnist": 70_000, "fashion_mnist": 70_000, "cifar10": 60_000}  # training and test images together


def missing_files(name: str, data_dir: Path) -> list[Path]:
    _, folder, files, _, _ = VISION[name]
    return [data_dir / folder / f for f in files if not (data_dir / folder / f).is_file()]


def check_files(name: str, data_dir: Path) -> None:
    """Refuse a set whose files are not in `data_dir`, naming them and the folder they belong in."""
    _, folder, _, title, _ = VISION[name]
    missing = missing_files(name, data_dir)
    if missing:
        raise DatasetError(
            f"{title} is not on this machine and is never downloaded at run time. Put these files in "
            f"{data_dir / folder}: {', '.join(p.name for p in missing)} "
            f"(set NETBUILDER_DATA_DIR to use another data folder).",
            field="dataset",
            file=str(missing[0]),
        )


def load(name: str, data_dir: Path) -> Dataset:
    """Load a torchvision dataset from `data_dir` with download=False; name the missing files if any."""
    cls_name, folder, files, title, description = VISION[name]
    check_files(name, data_dir)
    try:
        import torchvision.datasets as tvd
    except ImportError as e:
        raise DatasetError(f"{title} needs torchvision: pip install torchvision", field="dataset") from e
    cls = getattr(tvd, cls_name)
    try:
        train, test = (cls(root=str(data_dir), train=flag, download=False) for flag in (True, False))
    except (RuntimeError, OSError, ValueError) as e:
        raise DatasetError(f"{title} files in {data_dir / folder} can't be read: {e}", field="dataset") from e
    x_train, y_train = _tensors(train)
    x_val, y_val = _tensors(test)
    return Dataset(
        name=name,
        title=title,
        task="classification",
        x=x_train,
        y=y_train,
        x_val=x_val,
        y_val=y_val,
        classes=[str(c) for c in train.classes],
        description=description + " Validation is the official test set.",
    )


def _tensors(ds) -> tuple[torch.Tensor, torch.Tensor]:
    data = ds.data
    if isinstance(data, np.ndarray):  # CIFAR: (N, H, W, C) uint8
        x = torch.from_numpy(data).permute(0, 3, 1, 2)  # (N, C, H, W)
    else:  # MNIST: (N, H, W) uint8
        x = data.unsqueeze(1)  # (N, 1, H, W)
    x = x.to(torch.float32).div_(255.0).contiguous()
    y = torch.as_tensor(ds.targets, dtype=torch.int64)
    return x, y
