"""The built-in RGB set: deterministic, balanced, 3×S×S in [0, 1], and learnable by a small CNN."""

from __future__ import annotations

import torch

from builder.engine.training import load_dataset
from builder.engine.training.datasets.shapes import CLASSES


def test_shapes_are_rgb_images_of_six_balanced_classes_in_the_unit_range():
    ds = load_dataset("shapes", size=600)
    assert ds.input_shape == (3, 32, 32)
    assert ds.classes == list(CLASSES) and len(CLASSES) >= 5
    assert torch.bincount(ds.y).tolist() == [100] * 6
    assert 0.0 <= ds.x.min().item() and ds.x.max().item() <= 1.0
    assert ds.describe()["input_shape"] == [3, 32, 32]


def test_the_same_seed_draws_the_same_images_and_another_seed_others():
    a, b = load_dataset("shapes", size=60, seed=3), load_dataset("shapes", size=60, seed=3)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, load_dataset("shapes", size=60, seed=4).x)


def test_image_size_64_gives_3x64x64():
    assert load_dataset("shapes", size=12, image_size=64).input_shape == (3, 64, 64)


def test_a_small_cnn_learns_the_shapes_well_above_chance():
    torch.manual_seed(0)
    ds = load_dataset("shapes", size=2400, seed=1)
    x = (ds.x - ds.x.mean((0, 2, 3), keepdim=True)) / ds.x.std((0, 2, 3), keepdim=True)
    y = ds.y

    def block(c_in: int, c_out: int) -> list[torch.nn.Module]:
        return [torch.nn.Conv2d(c_in, c_out, 3, padding=1), torch.nn.BatchNorm2d(c_out), torch.nn.ReLU()]

    net = torch.nn.Sequential(*block(3, 32), torch.nn.MaxPool2d(2), *block(32, 64), torch.nn.MaxPool2d(2),
                              *block(64, 64), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(64, 6))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    best = 0.0
    for _ in range(5):
        net.train()
        for i in torch.randperm(2000).split(50):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[i]), y[i]).backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            best = max(best, (net(x[2000:]).argmax(1) == y[2000:]).float().mean().item())
    assert best > 0.35, best  # chance is 1/6
