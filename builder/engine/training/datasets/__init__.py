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
from typing import Any, NamedTuple

from builder.engine.options import Kind, Option
from builder.engine.settings import engine_settings

from ..errors import DatasetError
from . import sequences, shapes, synthetic, tabular, vision
from .base import (
    DTYPES,
    STANDARDIZE,
    Dataset,
    DatasetFacts,
    DType,
    Split,
    check_decoded_size,
    check_options,
    decoded_sample_bytes,
    max_dataset_bytes,
)
from .uploads import UPLOAD_OPTIONS, UploadLimits, load_upload

__all__ = [
    "max_dataset_bytes",
    "DTYPES",
    "Dataset",
    "DatasetFacts",
    "describe_dataset",
    "DatasetSpec",
    "Option",
    "UPLOAD_OPTIONS",
    "Split",
    "UploadLimits",
    "REGISTRY",
    "data_dir_default",
    "list_datasets",
    "load_dataset",
    "load_upload",
]


def _opt(name: str, kind: Kind, default: Any, min: float | None = None, max: float | None = None, doc: str = "",
         nullable: bool = False, choices: tuple[str, ...] = ()) -> Option:
    return Option(name, kind, doc, default=default, min=min, max=max, nullable=nullable, choices=choices)


class Layout(NamedTuple):
    """What a set's options make of its samples, known before it is made."""

    input_shape: tuple[int, ...]
    classes: tuple[str, ...] | None
    label_shape: tuple[int, ...] = ()
    vocab_size: int | None = None  # int64 inputs: token ids lie in [0, vocab_size)


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
    dtype: DType = "float32"  # of the inputs: "int64" for token ids
    layout: Callable[[dict], Layout] | None = None  # shapes and classes from the options, where they decide them


def _size(default: int) -> Option:
    return _opt("size", "int", default, 10, 1_000_000, "Number of samples.")


def _noise(default: float) -> Option:
    return _opt("noise", "float", default, 0.0, 1.0, "Standard deviation of the noise.")


_SEED = _opt("seed", "int", 0, 0, 2**31 - 1, "Seed of the generator: the same seed gives the same data.")
_DIGITS = tuple(str(i) for i in range(10))
_TWO_D_DEFAULTS = {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 30}
_TABLE_DEFAULTS = {"optimizer": "adam", "lr": 0.01, "batch_size": 16, "epochs": 50}
_IMAGE_DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "batch_size": 64, "epochs": 5}
_SEQUENCE_DEFAULTS = {"optimizer": "adam", "lr": 3e-3, "batch_size": 64, "epochs": 10}


def _length(default: int) -> Option:
    return _opt("length", "int", default, 2, 1024, "Tokens in each sequence.")


def _sequences_layout(values: dict) -> Layout:
    task, length = values["task"], values["length"]
    per_position = (length,) if task in sequences.PER_POSITION else ()
    return Layout((length,), tuple(sequences.task_classes(task, values["vocab"])), per_position, values["vocab"])


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
            _opt("features", "int", 784, 1, 65536, "Input features."),
            _opt("classes", "int", 10, 2, 1000, "Number of classes."),
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
            _opt("features", "int", 3, 1, 4096, "Input features."),
            _noise(0.1),
            _opt(
                "weight",
                "floats",
                None,
                -100.0,
                100.0,
                "The true w, one number per feature (null: drawn from the seed).",
                nullable=True,
            ),
            _opt(
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
        (_opt("classes", "int", 2, 2, 8, "Number of blobs."),),
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
            _opt("image_size", "int", 32, 16, 128, "Side of each image in pixels (32 or 64 are typical)."),
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
        options=(STANDARDIZE,),
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
        options=(STANDARDIZE,),
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
        options=(STANDARDIZE,),
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
        options=(STANDARDIZE,),
        defaults={**_TABLE_DEFAULTS, "batch_size": 32, "loss": "MSELoss"},
    ),
    DatasetSpec(
        "sequences",
        "Sequences",
        "Random token sequences to learn a rule from: the majority token, the parity of the sum, or the "
        "sorted or reversed sequence (a class per position). int64 token ids, for an Embedding; no download.",
        "synthetic",
        "classification",
        (16,),
        sequences.sequences,
        tuple(sequences.task_classes("majority", 4)),
        options=(
            _opt("task", "choice", "majority", doc="majority: the most frequent token; parity: whether the sum "
                 "is odd; sort, reverse: the sorted or reversed sequence, a class per position.",
                 choices=sequences.TASKS),
            _length(16),
            _opt("vocab", "int", 4, 2, 1000, "Tokens are drawn from 0 to vocab - 1."),
            _size(4000),
            _SEED,
        ),
        defaults=_SEQUENCE_DEFAULTS,
        dtype="int64",
        layout=_sequences_layout,
    ),
    DatasetSpec(
        "chars",
        "Characters (Python docstrings)",
        "Character-level language modelling on the docstrings of the standard library's modules, as this "
        f"Python ships them (at most {sequences.CORPUS_MAX_CHARS:,} characters, {len(sequences.VOCAB)} "
        "classes: newline and printable ASCII): each position's target is the next character, or (target: next) "
        "one class per window, the character after it. The vocabulary is in the dataset's info.",
        "synthetic",
        "classification",
        (32,),
        sequences.chars,
        sequences.VOCAB,
        options=(_length(32), _opt("target", "choice", "positions", doc="positions: each position's next "
                 "character, a class per position; next: the one character after the window.",
                 choices=sequences.CHAR_TARGETS), _size(4000), _SEED),
        defaults={**_SEQUENCE_DEFAULTS, "epochs": 5},
        dtype="int64",
        layout=lambda values: Layout((values["length"],), sequences.VOCAB,
                                     (values["length"],) if values["target"] == "positions" else (),
                                     len(sequences.VOCAB)),
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
            "dtype": spec.dtype,
            "options": [o.as_json() for o in spec.options],
            "defaults": dict(spec.defaults),
            "available": spec.source != "torchvision" or not vision.missing_files(spec.name, root),
        }
        if spec.task == "classification":
            item["classes"] = list(spec.classes or ())
            labels = spec.layout({o.name: o.default for o in spec.options}).label_shape if spec.layout else ()
            if labels:
                item["label_shape"] = list(labels)
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
    spec, values, _ = _resolve(name_or_spec, options, max_bytes)
    if spec.source == "torchvision":
        return spec.loader(Path(data_dir) if data_dir is not None else data_dir_default())
    return spec.loader(**values)


def describe_dataset(
    name_or_spec: str | dict, *, data_dir: str | Path | None = None, max_bytes: int | None = None, **options: Any
) -> DatasetFacts:
    """What `load_dataset` with the same arguments would give, without making it: the same option checks
    and size limit, the input shape, task and classes, and the bytes it would decode to. A torchvision set
    whose files are missing is refused as loading it would be."""
    spec, values, layout = _resolve(name_or_spec, options, max_bytes)
    if spec.source == "torchvision":
        root = Path(data_dir) if data_dir is not None else data_dir_default()
        vision.check_files(spec.name, root)
        samples: int | None = vision.SAMPLES[spec.name]
    else:
        samples = values.get("size")
    classes = layout.classes
    return DatasetFacts(
        name=spec.name, title=spec.title, task=spec.task, input_shape=layout.input_shape,  # type: ignore[arg-type]
        decoded_bytes=(samples or 0) * decoded_sample_bytes(layout.input_shape, spec.dtype, layout.label_shape),
        classes=list(classes) if classes else None,
        target_size=spec.target_size, samples=samples, description=spec.description, options=values,
        fixed_split=spec.source == "torchvision",  # the sets with an official test split
        dtype=spec.dtype, label_shape=layout.label_shape, vocab_size=layout.vocab_size,
    )


def _resolve(name_or_spec: str | dict, options: dict, max_bytes: int | None) -> tuple[DatasetSpec, dict, Layout]:
    """The dataset's spec, its checked option values and its layout (input shape, classes, label shape); a
    generated set that would decode past `max_bytes` (default: NETBUILDER_MAX_DATASET_BYTES in force) is
    refused here."""
    if isinstance(name_or_spec, dict):
        options = {**name_or_spec.get("options", {}), **options}
        name = name_or_spec.get("name")
    else:
        name = name_or_spec
    spec = REGISTRY.get(str(name))
    if spec is None:
        raise DatasetError(f"Unknown dataset '{name}'; choose one of {', '.join(REGISTRY)}", field="dataset")
    values = check_options(spec.options, options, f"Dataset '{spec.name}'")
    if spec.layout is not None:
        layout = spec.layout(values)
    else:
        shape: tuple[int, ...] = spec.input_shape
        if "features" in values:
            shape = (values["features"],)
        elif "image_size" in values:
            shape = (*spec.input_shape[:-2], values["image_size"], values["image_size"])
        classes = spec.classes
        if spec.task == "classification" and isinstance(values.get("classes"), int):
            classes = tuple(synthetic.class_names(values["classes"]))
        layout = Layout(shape, classes)
    if "size" in values:
        per_sample = math.prod(layout.input_shape)
        check_decoded_size(
            values["size"] * decoded_sample_bytes(layout.input_shape, spec.dtype, layout.label_shape),
            f"Dataset '{spec.name}' with size {values['size']:,} × {per_sample:,} values per sample",
            limit=max_dataset_bytes() if max_bytes is None else max_bytes,
            field="size",
        )
    return spec, values, layout


def training_defaults(dataset: Dataset | DatasetFacts | str) -> dict:
    """The TrainConfig fields that suit a dataset (empty for uploads)."""
    spec = REGISTRY.get(dataset if isinstance(dataset, str) else dataset.name)
    return dict(spec.defaults) if spec else {}
