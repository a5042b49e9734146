"""The dataset registry: every built-in dataset, its options, and the training defaults that suit it.

>>> ds = load_dataset("spirals", size=400, noise=0.1)
>>> ds.input_shape, ds.classes
((2,), ['0', '1'])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.engine_settings import engine_settings

from ..errors import DatasetError
from . import shapes, synthetic, tabular, vision
from .base import Dataset, Split, check_decoded_size, max_dataset_bytes
from .uploads import UploadLimits, load_upload

__all__ = [
    "max_dataset_bytes",
    "Dataset",
    "DatasetSpec",
    "Option",
    "Split",
    "UploadLimits",
    "REGISTRY",
    "data_dir_default",
    "list_datasets",
    "load_dataset",
    "load_upload",
]


@dataclass(frozen=True)
class Option:
    """One dataset option, described in the layer catalog's vocabulary (kind int/float/bool, min, max)."""

    name: str
    kind: str
    default: Any
    min: float | None = None
    max: float | None = None
    doc: str = ""
    nullable: bool = False  # None is allowed (and means what `doc` says)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "nullable": self.nullable,
            "min": self.min,
            "max": self.max,
            "doc": self.doc,
        }

    def check(self, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        if self.kind == "floats":
            if not isinstance(value, list | tuple) or not value:
                raise DatasetError(
                    f"Option {self.name} must be a non-empty list of numbers; got {value!r}", field=self.name
                )
            return [Option(self.name, "float", None, self.min, self.max).check(v) for v in value]
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise DatasetError(f"Option {self.name} must be true or false; got {value!r}", field=self.name)
            return value
        if self.kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value) if ok else value
        if not ok:
            raise DatasetError(
                f"Option {self.name} must be {'an integer' if self.kind == 'int' else 'a number'}; "
                f"got {value!r}",
                field=self.name,
            )
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise DatasetError(
                f"Option {self.name} must be between {self.min} and {self.max}; got {value}", field=self.name
            )
        return value


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    description: str
    source: str  # "synthetic" | "sklearn" | "torchvision"
    task: str
    input_shape: tuple[int, ...]  # with the default options
    loader: Callable[..., Dataset]
    classes: tuple[str, ...] | None = None
    target_size: int | None = None
    options: tuple[Option, ...] = ()
    defaults: dict = field(default_factory=dict)  # TrainConfig fields that suit this dataset


def _size(default: int) -> Option:
    return Option("size", "int", default, 10, 1_000_000, "Number of samples.")


def _noise(default: float) -> Option:
    return Option("noise", "float", default, 0.0, 1.0, "Standard deviation of the noise.")


_SEED = Option("seed", "int", 0, 0, 2**31 - 1, "Seed of the generator: the same seed gives the same data.")
_STANDARDIZE = Option(
    "standardize",
    "bool",
    True,
    doc="Train on features scaled to mean 0, std 1 (a regression target too); the exported model takes "
    "raw values and answers in the target's units either way.",
)
_DIGITS = tuple(str(i) for i in range(10))
_TWO_D_DEFAULTS = {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 30}
_TABLE_DEFAULTS = {"optimizer": "adam", "lr": 0.01, "batch_size": 16, "epochs": 50}
_IMAGE_DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 64, "epochs": 5}


def _two_d(
    name: str,
    title: str,
    description: str,
    fn: Callable[..., Dataset],
    noise: float,
    extra: tuple[Option, ...] = (),
    **defaults: Any,
) -> DatasetSpec:
    return DatasetSpec(
        name,
        title,
        description,
        "synthetic",
        "classification",
        (2,),
        fn,
        ("0", "1"),
        options=(_size(1000), _noise(noise), *extra, _SEED),
        defaults={**_TWO_D_DEFAULTS, **defaults},
    )


def _vision(name: str, shape: tuple[int, ...], classes: tuple[str, ...], **defaults: Any) -> DatasetSpec:
    _, _, _, title, description = vision.VISION[name]
    return DatasetSpec(
        name,
        title,
        description,
        "torchvision",
        "classification",
        shape,
        lambda data_dir: vision.load(name, data_dir),
        classes,
        defaults={**_IMAGE_DEFAULTS, **defaults},
    )


_SPECS = [
    DatasetSpec(
        "random",
        "Random (seed article)",
        "torch.randn(N, 784) with random labels 0..9, as in the seed article.",
        "synthetic",
        "classification",
        (784,),
        synthetic.random,
        _DIGITS,
        options=(
            _size(1000),
            Option("features", "int", 784, 1, 65536, "Input features."),
            Option("classes", "int", 10, 2, 1000, "Number of classes."),
            _SEED,
        ),
        defaults={"optimizer": "adam", "lr": 1e-3, "batch_size": 64, "epochs": 10},
    ),
    DatasetSpec(
        "linear",
        "Linear regression (seed article)",
        "y = wᵀx + b + noise; a Linear layer recovers w and b.",
        "synthetic",
        "regression",
        (3,),
        synthetic.linear,
        target_size=1,
        options=(
            _size(1000),
            Option("features", "int", 3, 1, 4096, "Input features."),
            _noise(0.1),
            Option(
                "weight",
                "floats",
                None,
                -100.0,
                100.0,
                "The true w, one number per feature (null: drawn from the seed).",
                nullable=True,
            ),
            Option(
                "bias", "float", None, -100.0, 100.0, "The true b (null: drawn from the seed).", nullable=True
            ),
            _SEED,
        ),
        defaults={"optimizer": "sgd", "lr": 0.05, "batch_size": 32, "epochs": 20, "loss": "MSELoss"},
    ),
    _two_d(
        "spirals",
        "Two spirals",
        "Two interleaved spiral arms (TensorFlow Playground).",
        synthetic.spirals,
        0.03,
        epochs=100,
    ),
    _two_d("moons", "Two moons", "Two interleaving half circles.", synthetic.moons, 0.1),
    _two_d(
        "circles",
        "Circle in a ring",
        "A disc of one class inside a ring of the other.",
        synthetic.circles,
        0.05,
    ),
    _two_d("xor", "Exclusive or", "Four quadrants; opposite quadrants share a class.", synthetic.xor, 0.05),
    _two_d(
        "gaussians",
        "Gaussian blobs",
        "Blobs around a circle, one per class.",
        synthetic.gaussians,
        0.2,
        (Option("classes", "int", 2, 2, 8, "Number of blobs."),),
    ),
    DatasetSpec(
        "digits",
        "Digits (8×8)",
        "1,797 handwritten digits as [1, 8, 8] images in [0, 1] (scikit-learn).",
        "sklearn",
        "classification",
        (1, 8, 8),
        tabular.digits,
        _DIGITS,
        defaults={"optimizer": "adam", "lr": 3e-3, "batch_size": 32, "epochs": 10},
    ),
    DatasetSpec(
        "shapes",
        "Shapes (RGB)",
        "Coloured circles, squares, triangles, crosses, rings and half-discs on varied backgrounds, "
        "3×32×32 (or image_size 64); drawn procedurally, no download. For CNNs and ResNet-18 fine-tuning.",
        "synthetic",
        "classification",
        (3, 32, 32),
        shapes.shapes,
        shapes.CLASSES,
        options=(
            _size(3000),
            Option("image_size", "int", 32, 16, 128, "Side of each image in pixels (32 or 64 are typical)."),
            _SEED,
        ),
        defaults=_IMAGE_DEFAULTS,
    ),
    DatasetSpec(
        "iris",
        "Iris",
        "150 flowers, 4 features (standardised by default), 3 species (scikit-learn).",
        "sklearn",
        "classification",
        (4,),
        tabular.iris,
        ("setosa", "versicolor", "virginica"),
        options=(_STANDARDIZE,),
        defaults=_TABLE_DEFAULTS,
    ),
    DatasetSpec(
        "wine",
        "Wine",
        "178 wines, 13 features (standardised by default), 3 cultivars (scikit-learn).",
        "sklearn",
        "classification",
        (13,),
        tabular.wine,
        ("class_0", "class_1", "class_2"),
        options=(_STANDARDIZE,),
        defaults=_TABLE_DEFAULTS,
    ),
    DatasetSpec(
        "breast_cancer",
        "Breast cancer (Wisconsin)",
        "569 tumours, 30 features (standardised by default) (scikit-learn).",
        "sklearn",
        "classification",
        (30,),
        tabular.breast_cancer,
        ("malignant", "benign"),
        options=(_STANDARDIZE,),
        defaults=_TABLE_DEFAULTS,
    ),
    DatasetSpec(
        "diabetes",
        "Diabetes progression",
        "442 patients, 10 features; regression of a target (both standardised by default).",
        "sklearn",
        "regression",
        (10,),
        tabular.diabetes,
        target_size=1,
        options=(_STANDARDIZE,),
        defaults={**_TABLE_DEFAULTS, "batch_size": 32, "loss": "MSELoss"},
    ),
    _vision("mnist", (1, 28, 28), _DIGITS),
    _vision(
        "fashion_mnist",
        (1, 28, 28),
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
    _vision(
        "cifar10",
        (3, 32, 32),
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        batch_size=128,
        epochs=10,
    ),
]
REGISTRY: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}


def data_dir_default() -> Path:
    """The engine settings' ``data_dir`` (the server's NETBUILDER_DATA_DIR; var/data when none is installed)."""
    return Path(engine_settings().data_dir)


def list_datasets(*, data_dir: str | Path | None = None) -> list[dict]:
    """Every built-in dataset, JSON-ready, for the API and the browser's dataset picker."""
    root = Path(data_dir) if data_dir is not None else data_dir_default()
    out = []
    for spec in REGISTRY.values():
        item: dict = {
            "name": spec.name,
            "title": spec.title,
            "description": spec.description,
            "source": spec.source,
            "task": spec.task,
            "input_shape": list(spec.input_shape),
            "dtype": "float32",
            "options": [o.to_dict() for o in spec.options],
            "defaults": dict(spec.defaults),
            "available": spec.source != "torchvision" or not vision.missing_files(spec.name, root),
        }
        if spec.task == "classification":
            item["classes"] = list(spec.classes or ())
        else:
            item["target_size"] = spec.target_size
        out.append(item)
    return out


def load_dataset(
    name_or_spec: str | dict | Dataset,
    *,
    data_dir: str | Path | None = None,
    max_bytes: int | None = None,
    **options: Any,
) -> Dataset:
    """Load a built-in dataset by name with its options, e.g. load_dataset("moons", noise=0.2).

    A dict spec {"name": ..., "options": {...}} works too; a Dataset is returned as it is. A generated
    set that would decode past `max_bytes` (default: NETBUILDER_MAX_DATASET_BYTES in force) is refused before it is made.
    """
    if isinstance(name_or_spec, Dataset):
        return name_or_spec
    if isinstance(name_or_spec, dict):
        options = {**name_or_spec.get("options", {}), **options}
        name = name_or_spec.get("name")
    else:
        name = name_or_spec
    spec = REGISTRY.get(str(name))
    if spec is None:
        raise DatasetError(f"Unknown dataset '{name}'; choose one of {', '.join(REGISTRY)}", field="dataset")
    known = {o.name: o for o in spec.options}
    for key in options:
        if key not in known:
            allowed = ", ".join(known) or "none"
            raise DatasetError(f"Dataset '{spec.name}' has no option '{key}' (options: {allowed})", field=key)
    values = {o.name: o.check(options.get(o.name, o.default)) for o in spec.options}
    if "size" in values:
        if "features" in values:
            shape: tuple[int, ...] = (values["features"],)
        elif "image_size" in values:
            shape = (*spec.input_shape[:-2], values["image_size"], values["image_size"])
        else:
            shape = spec.input_shape
        per_sample = math.prod(shape)
        check_decoded_size(
            values["size"] * per_sample * 4,  # float32 inputs
            f"Dataset '{spec.name}' with size {values['size']:,} × {per_sample:,} values per sample",
            limit=max_dataset_bytes() if max_bytes is None else max_bytes,
            field="size",
        )
    if spec.source == "torchvision":
        return spec.loader(Path(data_dir) if data_dir is not None else data_dir_default())
    return spec.loader(**values)


def training_defaults(dataset: Dataset | str) -> dict:
    """The TrainConfig fields that suit a dataset (empty for uploads)."""
    spec = REGISTRY.get(dataset if isinstance(dataset, str) else dataset.name)
    return dict(spec.defaults) if spec else {}
