import struct

import numpy as np
import pytest
import torch

from builder.engine.settings import engine_settings_override
from builder.engine.training import DatasetError, describe_dataset, list_datasets, load_dataset
from builder.engine.training.datasets import REGISTRY

SYNTHETIC = ["random", "linear", "spirals", "moons", "circles", "xor", "gaussians"]


def test_the_registry_lists_every_dataset_with_shape_task_and_options(tmp_path):
    listed = {d["name"]: d for d in list_datasets(data_dir=tmp_path)}

    assert list(listed) == [
        *SYNTHETIC,
        "digits",
        "shapes",
        "iris",
        "wine",
        "breast_cancer",
        "diabetes",
        "sequences",
        "chars",
        "mnist",
        "fashion_mnist",
        "cifar10",
    ]
    assert listed["digits"]["input_shape"] == [1, 8, 8] and listed["digits"]["classes"] == list("0123456789")
    assert listed["diabetes"]["task"] == "regression" and listed["diabetes"]["target_size"] == 1
    assert [o["name"] for o in listed["spirals"]["options"]] == ["size", "noise", "seed"]
    assert listed["mnist"]["available"] is False and listed["moons"]["available"] is True


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_sets_are_the_same_for_the_same_seed_and_differ_for_another(name):
    a, b, c = load_dataset(name, seed=3), load_dataset(name, seed=3), load_dataset(name, seed=4)

    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    assert a.x.dtype == torch.float32 and a.x.shape[0] == 1000


def test_the_seed_articles_random_set_is_randn_784_with_labels_0_to_9():
    ds = load_dataset("random", size=100)

    assert ds.x.shape == (100, 784) and ds.num_classes == 10
    assert int(ds.y.min()) >= 0 and int(ds.y.max()) <= 9
    assert abs(float(ds.x.mean())) < 0.05 and abs(float(ds.x.std()) - 1) < 0.05


def test_two_d_sets_take_size_and_noise_and_have_balanced_classes():
    for name in ["spirals", "moons", "circles", "xor"]:
        ds = load_dataset(name, size=200, noise=0.0)
        counts = torch.bincount(ds.y).tolist()

        assert ds.input_shape == (2,) and ds.is_2d
        assert abs(counts[0] - counts[1]) <= 20, (name, counts)
    assert load_dataset("gaussians", classes=4).num_classes == 4


def test_bad_dataset_options_are_named():
    with pytest.raises(DatasetError) as e:
        load_dataset("moons", noise=5)
    assert (e.value.field, e.value.message) == ("noise", "noise must be at most 1, got 5")

    with pytest.raises(DatasetError, match="Dataset 'digits' has no option 'size' \\(options: none\\)"):
        load_dataset("digits", size=10)
    with pytest.raises(DatasetError, match="Unknown dataset 'imagenet'; choose one of random, linear"):
        load_dataset("imagenet")


def test_digits_are_1797_images_of_1x8x8_in_0_1():
    ds = load_dataset("digits")

    assert ds.x.shape == (1797, 1, 8, 8)
    assert float(ds.x.min()) == 0.0 and float(ds.x.max()) == 1.0
    assert ds.classes == list("0123456789")


@pytest.mark.parametrize(
    ("name", "n", "features", "classes"),
    [("iris", 150, 4, 3), ("wine", 178, 13, 3), ("breast_cancer", 569, 30, 2)],
)
def test_sklearn_tables_are_standardised(name, n, features, classes):
    ds = load_dataset(name)

    assert ds.x.shape == (n, features) and ds.num_classes == classes
    assert torch.allclose(ds.x.mean(0), torch.zeros(features), atol=1e-4)
    assert torch.allclose(ds.x.std(0, unbiased=False), torch.ones(features), atol=1e-3)


def test_diabetes_is_a_regression_with_one_target():
    ds = load_dataset("diabetes")

    assert ds.task == "regression" and ds.x.shape == (442, 10) and ds.y.shape == (442, 1)


def test_the_split_is_seeded_and_covers_every_sample_once(moons):
    a, b = moons.split(0.25, seed=1), moons.split(0.25, seed=1)

    assert a.x_train.shape[0] == 300 and a.x_val.shape[0] == 100
    assert torch.equal(a.x_val, b.x_val)
    joined = torch.cat([a.x_train, a.x_val])
    assert torch.equal(joined[joined[:, 0].argsort()], moons.x[moons.x[:, 0].argsort()])


def test_missing_mnist_names_the_files_and_the_folder(tmp_path):
    with pytest.raises(DatasetError) as e:
        load_dataset("mnist", data_dir=tmp_path)

    assert e.value.message == (
        f"MNIST is not on this machine and is never downloaded at run time. Put these files in "
        f"{tmp_path / 'MNIST' / 'raw'}: train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (set NETBUILDER_DATA_DIR to use another data folder)."
    )


def test_missing_cifar10_names_its_batches(tmp_path):
    with pytest.raises(
        DatasetError, match=r"cifar-10-batches-py: data_batch_1, data_batch_2, .*, batches.meta"
    ):
        load_dataset("cifar10", data_dir=tmp_path)


def _idx(path, array: np.ndarray) -> None:
    """Write an array in MNIST's idx format (big-endian dims after a magic number)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_files_on_disk_load_as_images_with_the_test_set_for_validation(tmp_path):
    pytest.importorskip("torchvision")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    _idx(raw / "train-images-idx3-ubyte", rng.integers(0, 256, (12, 28, 28)))
    _idx(raw / "train-labels-idx1-ubyte", np.arange(12) % 10)
    _idx(raw / "t10k-images-idx3-ubyte", np.full((5, 28, 28), 255))
    _idx(raw / "t10k-labels-idx1-ubyte", np.arange(5))
    with engine_settings_override(data_dir=tmp_path):  # the server's NETBUILDER_DATA_DIR
        ds = load_dataset("mnist")
        available = {d["name"]: d["available"] for d in list_datasets()}
    split = ds.split(0.5)

    assert ds.x.shape == (12, 1, 28, 28) and ds.y.tolist() == [i % 10 for i in range(12)]
    assert split.x_val.shape == (5, 1, 28, 28) and float(split.x_val.min()) == 1.0
    assert ds.describe()["validation"] == {"fixed": True, "samples": 5}
    assert available["mnist"] is True


@pytest.mark.parametrize("name", [n for n, s in REGISTRY.items() if s.source != "torchvision"])
def test_a_sets_facts_are_what_loading_it_describes(name):
    facts = describe_dataset(name)
    loaded = load_dataset(name)
    described = loaded.describe()

    assert {k: v for k, v in facts.describe().items() if k not in ("decoded", "description")} == {
        k: described[k] for k in facts.describe() if k not in ("decoded", "description")}
    labels = loaded.y.numel() * 8 if loaded.label_shape else 0  # per-position int64 labels
    assert facts.decoded_bytes == (loaded.x.numel() * loaded.x.element_size() + labels if facts.samples is not None
                                   else 0)
    assert (facts.dtype, facts.label_shape, facts.vocab_size) == (loaded.dtype, loaded.label_shape, loaded.vocab_size)


def test_facts_refuse_what_loading_refuses_without_making_anything(tmp_path):
    with pytest.raises(DatasetError) as too_big:
        describe_dataset("random", size=1_000_000, features=65536)
    with pytest.raises(DatasetError) as missing:
        describe_dataset("mnist", data_dir=tmp_path)
    with pytest.raises(DatasetError) as loading:
        load_dataset("mnist", data_dir=tmp_path)

    assert too_big.value.field == "size" and "NETBUILDER_MAX_DATASET_BYTES" in too_big.value.message
    assert missing.value.message == loading.value.message
    assert "train-images-idx3-ubyte" in missing.value.message
