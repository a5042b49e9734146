"""A sweep's combinations (builder.engine.training.sweep): the grid's product and random samples."""

from __future__ import annotations

import math

import pytest

from builder.engine.training import ConfigError
from builder.engine.training.sweep import combinations


def test_a_grid_is_the_product_of_its_options_in_the_order_given():
    assert combinations({"batch_size": [16, 64], "optimizer": ["sgd", "adam"]}) == [
        {"batch_size": 16, "optimizer": "sgd"}, {"batch_size": 16, "optimizer": "adam"},
        {"batch_size": 64, "optimizer": "sgd"}, {"batch_size": 64, "optimizer": "adam"}]


def test_random_samples_stay_in_their_range_are_repeatable_and_log_spread():
    space = {"lr": {"min": 1e-5, "max": 1e-1, "log": True}, "epochs": {"min": 2, "max": 9}}
    samples = combinations(None, {"samples": 400, "seed": 3, "space": space})
    assert samples == combinations(None, {"samples": 400, "seed": 3, "space": space})
    assert samples != combinations(None, {"samples": 400, "seed": 4, "space": space})
    assert all(1e-5 <= s["lr"] <= 1e-1 and isinstance(s["epochs"], int) and 2 <= s["epochs"] <= 9 for s in samples)
    decades = [sum(10.0**-k <= s["lr"] < 10.0 ** (1 - k) for s in samples) for k in range(5, 1, -1)]
    assert min(decades) > 60  # about 100 in each of the four decades: uniform in log(lr)
    assert abs(sum(math.log10(s["lr"]) for s in samples) / 400 + 3) < 0.2


def test_a_grid_times_random_samples_gives_every_pairing():
    points = combinations({"batch_size": [16, 32]}, {"samples": 3, "space": {"lr": {"min": 0.01, "max": 0.1}}})
    assert [p["batch_size"] for p in points] == [16, 16, 16, 32, 32, 32]
    assert [p["lr"] for p in points[:3]] == [p["lr"] for p in points[3:]]


@pytest.mark.parametrize(("grid", "random", "field"), [
    (None, None, "grid"),
    ({"lr": 0.1}, None, "grid.lr"),
    ({"lr": [0.1]}, {"samples": 2, "space": {"lr": {"min": 0.1, "max": 1}}}, "random.space"),
    (None, {"samples": 2, "space": {"lr": {"min": 1, "max": 0.1}}}, "random.space.lr"),
    (None, {"samples": 2, "space": {"lr": {"low": 1}}}, "random.space.lr"),
    (None, {"samples": True, "space": {"lr": {"min": 0.1, "max": 1}}}, "random.samples"),
    (None, {"samples": 2, "seed": 1.5, "space": {"lr": {"min": 0.1, "max": 1}}}, "random.seed"),
    (None, {"samples": 2, "space": {"compile": {"min": 0, "max": 1}}}, "random.space.compile"),
    (None, [1, 2], "random"),
])
def test_a_malformed_request_names_its_field(grid, random, field):
    with pytest.raises(ConfigError) as e:
        combinations(grid, random)
    assert e.value.field == field
