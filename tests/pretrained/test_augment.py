"""Fine-tuning transforms: validated options, batch-wise augmentation, the backbones' own statistics."""

from __future__ import annotations

import pytest
import torch

from builder.engine.graph.pretrained import ARCHS, arch_info
from builder.engine.training import ConfigError, Dataset, TrainConfig
from builder.engine.training.augment import IMAGENET_MEAN, IMAGENET_STD, Preprocess, wrap


@pytest.mark.parametrize(("options", "field", "message"), [
    ({"augment": {"flip": True, "rotate": 10}}, "augment", "Unknown augmentation 'rotate'; use flip, crop, jitter"),
    ({"augment": {"crop": 100}}, "augment", "augment.crop is the padding in pixels, 0 to 64; got 100"),
    ({"normalize": "cifar"}, "normalize", 'normalize must be "imagenet" or {"mean": [...], "std": [...]}'),
    ({"normalize": {"mean": [0.5], "std": [0.0]}}, "normalize", "normalize must be"),
    ({"resize": 4}, "resize", "resize must be at least 8, got 4"),
])
def test_bad_transform_options_name_their_field(options, field, message):
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict(options)
    assert e.value.field == field and message in e.value.message


def test_transforms_apply_to_image_datasets_only():
    table = Dataset(name="t", title="Table", task="classification", x=torch.zeros(4, 3), y=torch.zeros(4).long(),
                    classes=["a"])
    with pytest.raises(ConfigError) as e:
        wrap(torch.nn.Identity(), TrainConfig.from_dict({"normalize": "imagenet"}), table)
    assert e.value.field == "normalize" and "[C, H, W]" in e.value.message


def test_imagenet_normalisation_is_every_backbones_own_statistics():
    for arch in ARCHS:
        info = arch_info(arch)
        assert (info.mean, info.std) == (IMAGENET_MEAN, IMAGENET_STD), arch


def test_training_batches_are_augmented_per_sample_and_evaluation_batches_only_resized_and_normalised():
    torch.manual_seed(0)
    x = torch.rand(64, 3, 8, 8)
    net = Preprocess(torch.nn.Identity(), resize=16, mean=IMAGENET_MEAN, std=IMAGENET_STD, flip=True, crop=2,
                     jitter=0.2)
    expected = (torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear") -
                torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)
    assert torch.equal(net.eval()(x), expected)
    out = net.train()(x)
    assert out.shape == (64, 3, 16, 16)
    differs = (out - expected).flatten(1).abs().amax(1) > 1e-6
    assert differs.sum() > 48  # almost every sample drew its own flip, crop or colour


def test_a_random_crop_moves_each_image_by_at_most_the_padding():
    torch.manual_seed(0)
    x = torch.zeros(32, 1, 9, 9)
    x[:, :, 4, 4] = 1  # one bright pixel in the middle
    net = Preprocess(torch.nn.Identity(), crop=2).train()
    out = net(x)
    rows, cols = (out[:, 0] == 1).nonzero()[:, 1:].T
    assert out.sum() == 32 and rows.min() >= 2 and rows.max() <= 6 and cols.min() >= 2 and cols.max() <= 6
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 5


def test_with_resize_the_model_sees_images_of_the_resized_shape():
    from builder.engine.training.augment import model_input_shape

    assert model_input_shape((3, 32, 32), TrainConfig.from_dict({"resize": 64})) == (3, 64, 64)
    assert model_input_shape((3, 32, 32), TrainConfig.from_dict({})) == (3, 32, 32)
