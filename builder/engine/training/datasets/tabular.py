"""scikit-learn's bundled datasets: no network, always available."""

from __future__ import annotations

import numpy as np
import torch

from ..errors import DatasetError
from .base import Dataset


def standardize(x: np.ndarray) -> tuple[np.ndarray, dict]:
    """Scale each column to mean 0 and std 1; constant columns are only centred.

    The statistics are kept at full precision: an exported model applies them to raw inputs
    (builder.engine.training.preprocessing).
    """
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x - mean) / std, {"mean": mean.tolist(), "std": std.tolist()}


_standardize = standardize  # under another name where an argument shadows it


def _sklearn():
    try:
        from sklearn import datasets
    except ImportError as e:
        raise DatasetError("scikit-learn is not installed: pip install scikit-learn") from e
    return datasets


def digits() -> Dataset:
    bunch = _sklearn().load_digits()
    x = torch.from_numpy(bunch.images.astype(np.float32) / 16.0).unsqueeze(1)  # (1797, 1, 8, 8) in [0, 1]
    return Dataset(
        name="digits",
        title="Digits (8×8)",
        task="classification",
        x=x,
        y=torch.from_numpy(bunch.target.astype(np.int64)),
        classes=[str(i) for i in range(10)],
        description="1,797 handwritten digits as 8×8 grey images, bundled with scikit-learn.",
    )


def _table(name: str, title: str, loader: str, description: str, standardized: bool) -> Dataset:
    bunch = getattr(_sklearn(), loader)()
    x = bunch.data.astype(np.float64)
    info: dict = {"feature_names": [str(f) for f in bunch.feature_names]}
    if standardized:
        x, info["standardized"] = standardize(x)
    return Dataset(
        name=name,
        title=title,
        task="classification",
        x=torch.from_numpy(x.astype(np.float32)),  # (N, features)
        y=torch.from_numpy(bunch.target.astype(np.int64)),
        classes=[str(c) for c in bunch.target_names],
        description=f"{description}; features {'standardised' if standardized else 'raw'}.",
        options={"standardize": standardized},
        info=info,
    )


def iris(standardize: bool = True) -> Dataset:
    return _table("iris", "Iris", "load_iris", "150 flowers, 4 measurements, 3 species", standardize)


def wine(standardize: bool = True) -> Dataset:
    return _table("wine", "Wine", "load_wine", "178 wines, 13 chemical measurements, 3 cultivars", standardize)


def breast_cancer(standardize: bool = True) -> Dataset:
    return _table(
        "breast_cancer",
        "Breast cancer (Wisconsin)",
        "load_breast_cancer",
        "569 tumours, 30 features, malignant or benign",
        standardize,
    )


def diabetes(standardize: bool = True) -> Dataset:
    bunch = _sklearn().load_diabetes()
    x = bunch.data.astype(np.float64)
    y = bunch.target.astype(np.float64).reshape(-1, 1)
    info: dict = {"feature_names": list(bunch.feature_names)}
    if standardize:  # the target too: the exported model answers in its units all the same
        x, info["standardized"] = _standardize(x)
        y, info["target_standardized"] = _standardize(y)
    return Dataset(
        name="diabetes",
        title="Diabetes progression",
        task="regression",
        x=torch.from_numpy(x.astype(np.float32)),  # (442, 10)
        y=torch.from_numpy(y.astype(np.float32)),  # (442, 1)
        description="442 patients, 10 features, disease progression a year later; "
        + ("features and target standardised." if standardize else "raw features and target."),
        options={"standardize": standardize},
        info=info,
    )
