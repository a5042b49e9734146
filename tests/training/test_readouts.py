"""What a run reports about itself: a curve for every run, and times that add up to the run's."""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from builder.engine.training import load_dataset, metrics
from builder.engine.training.loop import SHORT_RUN_STEPS

from .conftest import mlp, run


def test_a_ten_step_run_logs_ten_loss_points(events):
    ds = load_dataset("moons", size=125)  # 100 training samples: one full batch an epoch

    result = run(mlp(2, 2), ds, events, epochs=10, batch_size=100, val_fraction=0.2)

    assert result.steps == 10
    points = events.points()
    assert [p["step"] for p in points] == list(range(1, 11))
    assert [p["epoch"] for p in points] == list(range(1, 11))
    epochs = events.of("epoch")
    assert [e["train_loss"] for e in epochs] == pytest.approx([p["train_loss"] for p in points])
    assert all("val_loss" in e for e in epochs)


def test_a_long_run_keeps_its_log_every(moons, events):
    # 10 steps an epoch: 20 epochs make SHORT_RUN_STEPS steps, no longer a short run.
    run(mlp(2, 2), moons, events, epochs=SHORT_RUN_STEPS // 10, batch_size=32, log_every=25)

    assert [p["step"] for p in events.points()] == list(range(25, SHORT_RUN_STEPS + 1, 25))


def test_each_epochs_train_loss_is_the_mean_of_its_step_losses(moons, events):
    run(mlp(2, 2), moons, events, epochs=3, batch_size=32)  # 320 samples: 10 full batches an epoch

    points = events.points()
    for e in events.of("epoch"):
        losses = [p["train_loss"] for p in points if p["epoch"] == e["epoch"]]
        assert len(losses) == 10
        assert e["train_loss"] == pytest.approx(sum(losses) / len(losses), rel=1e-6)


def test_epoch_wall_times_add_up_to_the_run_and_give_samples_per_second(events):
    ds = load_dataset("moons", size=2000)  # 1600 training samples: 50 steps an epoch
    run(mlp(2, 2), ds, epochs=1)  # a process's first run pays torch's start-up outside any epoch
    start = time.perf_counter()
    run(mlp(2, 2), ds, events, epochs=5, batch_size=32)
    total = time.perf_counter() - start

    epochs = events.of("epoch")
    seconds = [e["epoch_seconds"] for e in epochs]
    assert len(seconds) == 5 and all(s > 0 for s in seconds)
    assert sum(seconds) == pytest.approx(total, rel=0.2)
    for e in epochs:
        assert e["samples_per_second"] == pytest.approx(1600 / e["epoch_seconds"])
        # The steps alone are quicker than the whole epoch, evaluation and boundary included.
        assert e["time_s"] < e["epoch_seconds"]
    ended = [e["ended_at"] for e in epochs]
    assert ended == sorted(ended) and abs(ended[-1] - time.time()) < 60


def test_a_regression_run_reports_r2_and_no_accuracy(events):
    ds = load_dataset("linear", size=500, features=3, noise=0.1)

    result = run(mlp(3, 1), ds, events, epochs=20, lr=0.01)

    last = events.of("epoch")[-1]
    assert "val_accuracy" not in last and 0.9 < last["val_r2"] <= 1.0
    assert result.metrics["val_r2"] == last["val_r2"]


class Constant(nn.Module):
    def __init__(self, value: torch.Tensor) -> None:
        super().__init__()
        self.value = value  # (k,)

    def forward(self, x):
        return self.value.expand(x.shape[0], -1)  # (B, k)


def test_r2_is_one_for_a_perfect_fit_and_zero_for_the_mean():
    torch.manual_seed(0)
    x = torch.randn(300, 3)
    y = torch.stack([x[:, 0] * 2 + 1, x[:, 1] - x[:, 2]], dim=1)  # (N, 2)
    exact = nn.Linear(3, 2)
    with torch.no_grad():
        exact.weight.copy_(torch.tensor([[2.0, 0, 0], [0, 1, -1]]))
        exact.bias.copy_(torch.tensor([1.0, 0]))

    perfect = metrics.evaluate(exact, x, y, None, nn.MSELoss(), batch_size=64, regression=True)
    mean = metrics.evaluate(Constant(y.mean(dim=0)), x, y, None, nn.MSELoss(), batch_size=64, regression=True)
    classify = metrics.evaluate(exact, x, y, None, nn.MSELoss(), batch_size=64)

    assert perfect.r2 == pytest.approx(1.0, abs=1e-6)
    assert mean.r2 == pytest.approx(0.0, abs=1e-6)
    assert classify.r2 is None
