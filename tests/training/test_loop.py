import math

import pytest
import torch
from torch import nn

from builder.engine.settings import engine_settings_override
from builder.engine.training import TrainConfig, TrainResult, load_dataset, loop, train
from builder.engine.training import events as events_module
from builder.engine.training.loop import steps_per_epoch

from .conftest import Events, mlp, run

SYNTHETIC = ["random", "spirals", "moons", "circles", "xor", "gaussians"]


@pytest.mark.parametrize("name", SYNTHETIC)
def test_loss_falls_on_every_synthetic_classification_set(name, events):
    ds = load_dataset(name, size=300)
    hard = name == "spirals"  # needs a wider layer and a bolder step to get going in a few epochs
    model = mlp(ds.input_shape[0], ds.num_classes, hidden=64 if hard else 32)

    result = run(model, ds, events, epochs=15 if hard else 8, lr=0.05 if hard else 0.01, batch_size=16)
    losses = [e["train_loss"] for e in events.of("epoch")]

    assert result.status == "succeeded"
    assert losses[-1] < 0.8 * losses[0], losses


def test_loss_falls_on_the_linear_regression_set(events):
    ds = load_dataset("linear", size=300)

    result = run(mlp(3, 1), ds, events, epochs=5)
    losses = [e["train_loss"] for e in events.of("epoch")]

    assert result.status == "succeeded"
    assert losses[-1] < 0.1 * losses[0], losses


def test_digits_reach_95_percent_with_a_small_mlp_in_ten_epochs(digits):
    result = run(mlp(64, 10, hidden=64, flatten=True), digits, epochs=10)

    assert result.status == "succeeded"
    assert result.metrics["val_accuracy"] >= 0.95, result.metrics
    assert 0.99 <= result.metrics["val_top5"] <= 1.0


def test_linear_regression_recovers_w_and_b_as_in_the_seed_article():
    ds = load_dataset("linear", size=1000, features=3, noise=0.1)
    torch.manual_seed(0)
    model = nn.Linear(3, 1)

    result = run(model, ds, epochs=20, optimizer="sgd", lr=0.05, loss="mse")

    w, b = torch.tensor(ds.info["w"]), ds.info["b"]
    assert result.status == "succeeded"
    assert torch.allclose(model.weight.detach()[0], w, atol=0.02), (model.weight, w)
    assert abs(float(model.bias.detach()) - b) < 0.02, (float(model.bias.detach()), b)
    assert result.metrics["val_loss"] == pytest.approx(0.01, abs=0.004)  # the noise's variance


def test_the_same_seed_gives_the_same_numbers_on_cpu(moons):
    first = run(mlp(2, 2, dropout=0.2), moons, epochs=3, seed=7)
    second = run(mlp(2, 2, dropout=0.2), moons, epochs=3, seed=7)
    other = run(mlp(2, 2, dropout=0.2), moons, epochs=3, seed=8)

    def figures(result):  # everything but the timings
        timings = ("time_s", "samples_per_s", "epoch_seconds", "samples_per_second", "ended_at")
        return [{k: v for k, v in h.items() if k not in timings} for h in result.history]

    assert figures(first) == figures(second)
    assert len(figures(first)) == 3 and "val_accuracy" in figures(first)[0]
    assert first.metrics["train_loss"] != other.metrics["train_loss"]


@pytest.mark.parametrize("stop_after", [20, 26])  # mid-epoch, and at an epoch boundary (13 steps each)
def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(moons, tmp_path, stop_after, every_point_sent):
    config = TrainConfig.from_dict(
        {
            "device": "cpu",
            "epochs": 4,
            "batch_size": 25,
            "seed": 3,
            "log_every": 1,
            "optimizer": "adamw",
            "scheduler": "onecycle",
        },
        dataset=moons,
    )
    assert steps_per_epoch(320, 25) == 13
    whole = mlp(2, 2, dropout=0.3)
    uninterrupted = train(whole, moons, config)

    steps = Events()
    stopped = train(
        mlp(2, 2, dropout=0.3),
        moons,
        config,
        callback=steps,
        checkpoint_dir=tmp_path,
        should_stop=lambda: len(steps.points()) >= stop_after,
    )
    again = mlp(2, 2, dropout=0.3)
    with torch.no_grad():  # other starting weights: the checkpoint must overwrite them all
        for p in again.parameters():
            p.add_(1.0)
    resumed = train(again, moons, config, resume_from=stopped.checkpoint_path)

    assert stopped.status == "stopped" and stopped.steps == stop_after
    assert resumed.status == "succeeded" and resumed.steps == uninterrupted.steps == 52
    for key, value in whole.state_dict().items():
        assert torch.equal(again.state_dict()[key], value), key
    assert resumed.metrics["val_loss"] == uninterrupted.metrics["val_loss"]
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"] for h in uninterrupted.history]


def test_a_stop_lands_within_one_step(moons, tmp_path, events, every_point_sent):
    stop_at = 7

    def should_stop() -> bool:
        return any(e["type"] == "metrics" and e["data"]["step"] >= stop_at for e in events)

    config = TrainConfig.from_dict({"device": "cpu", "epochs": 50, "log_every": 1}, dataset=moons)
    result = train(
        mlp(2, 2), moons, config, callback=events, should_stop=should_stop, checkpoint_dir=tmp_path
    )

    assert result.status == "stopped" and result.steps == stop_at
    assert events[-1]["type"] == "stopped" and events[-1]["data"]["metrics"]["steps"] == stop_at
    ckpt = torch.load(result.checkpoint_path, weights_only=True)
    assert (ckpt["epoch"], ckpt["batch"], ckpt["step"]) == (0, 7, 7)


def checkpoints_seen(moons, tmp_path, **options) -> tuple[list, TrainResult]:
    """The checkpoint's epoch on disk at each epoch event (None before the first)."""
    seen = []

    def callback(event):
        if event["type"] == "epoch":
            path = tmp_path / "checkpoint.pt"
            seen.append(torch.load(path, weights_only=True)["epoch"] if path.exists() else None)

    config = TrainConfig.from_dict({"device": "cpu", "epochs": 3, **options}, dataset=moons)
    return seen, train(mlp(2, 2), moons, config, callback=callback, checkpoint_dir=tmp_path)


def test_checkpoints_are_written_by_time_and_after_the_last_epoch(moons, tmp_path):
    seen, result = checkpoints_seen(moons, tmp_path)  # three short epochs: well under checkpoint_seconds
    assert seen == [None, None, 3]
    final = torch.load(result.checkpoint_path, weights_only=True)
    assert (final["epoch"], final["step"], len(final["history"])) == (3, 30, 3)
    assert set(final) >= {"model", "optimizer", "scheduler", "rng", "config"}
    assert [p["step"] for p in final["points"]] == list(range(1, 31))  # every point the run made

    with engine_settings_override(checkpoint_seconds=0.0):
        seen, _ = checkpoints_seen(moons, tmp_path / "often")
    assert seen == [1, 2, 3]  # each epoch event finds its own checkpoint written


def test_a_nan_loss_fails_the_run_with_a_plain_message(moons, events):
    result = run(
        mlp(2, 2), moons, events, epochs=3, optimizer="sgd", lr=10.0, momentum=0.0, loss="mse", log_every=1
    )

    assert result.status == "failed"
    assert re_match(
        r"The loss became (NaN|infinite) by step \d+; try a lower learning rate or gradient clipping",
        result.error,
    )
    assert events[-1] == {"type": "failed", "data": {**events[-1]["data"], "message": result.error}}


def re_match(pattern: str, text: str | None) -> bool:
    import re

    return text is not None and re.fullmatch(pattern, text) is not None


class ShapeBomb(nn.Module):
    """Fine for the two-sample check, but breaks on a full batch: a run-time shape error."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        if x.shape[0] > 2:
            x = x.reshape(-1, 4)
        return self.fc(x)


def test_a_shape_error_during_training_fails_the_run_instead_of_raising(moons, events):
    result = run(ShapeBomb(), moons, events, epochs=2)

    assert result.status == "failed" and result.steps == 0
    assert result.error.startswith("Training failed at step 1: mat1 and mat2 shapes cannot be multiplied")
    assert events[-1]["type"] == "failed"


def test_out_of_memory_fails_the_run_with_a_hint(moons, monkeypatch):
    class Hungry(nn.Linear):
        def forward(self, x):
            if self.training:
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
            return super().forward(x)

    torch.manual_seed(0)
    result = run(Hungry(2, 2), moons, epochs=1, batch_size=128)

    assert result.status == "failed"
    assert (
        result.error == "Out of memory on cpu at batch size 128; try a smaller batch size or a smaller model"
    )


def test_events_carry_step_metrics_epoch_metrics_and_a_final_confusion(moons, events):
    result = run(mlp(2, 2), moons, events, epochs=2, batch_size=32, log_every=5)

    metrics, epochs, finished = events.points(), events.of("epoch"), events.of("finished")
    # each epoch's points come before its summary, batched at most every METRICS_SECONDS
    kinds = [e["type"] for e in events if e["type"] in ("metrics", "epoch")]
    assert kinds[-1] == "epoch" and kinds.index("epoch") > kinds.index("metrics")
    assert all(m["step"] == m["points"][-1]["step"] for m in events.of("metrics"))
    assert [m["step"] for m in metrics] == list(range(1, 21))  # a short run logs every step
    assert set(metrics[0]) == {"step", "epoch", "train_loss", "lr", "samples_per_s"}
    assert metrics[0]["lr"] == 0.01 and metrics[0]["samples_per_s"] > 0
    assert [e["epoch"] for e in epochs] == [1, 2] and epochs[0]["epochs"] == 2
    assert 0.0 <= epochs[-1]["val_accuracy"] <= 1.0 and "val_top5" not in epochs[-1]
    assert set(epochs[0]["norms"]) == {"0", "2"} and epochs[0]["norms"]["0"]["grad"] > 0
    assert len(finished) == 1 and finished[0]["metrics"]["classes"] == ["0", "1"]
    assert sum(map(sum, finished[0]["metrics"]["confusion"])) == 80 == sum(map(sum, result.confusion))
    assert finished[0]["metrics"]["val_accuracy"] == result.metrics["val_accuracy"] == epochs[-1]["val_accuracy"]
    assert finished[0] == events_module.final_of(result)["data"]


def test_points_made_faster_than_they_can_be_watched_travel_together_before_their_epochs_summary(
        moons, events, monkeypatch):
    monkeypatch.setattr(loop, "METRICS_SECONDS", 3600.0)  # nothing goes out by time: only at epoch ends
    run(mlp(2, 2), moons, events, epochs=3, batch_size=32, log_every=1)

    kinds = [e["type"] for e in events if e["type"] in ("metrics", "epoch")]
    messages = events.of("metrics")
    assert kinds == ["metrics", "metrics", "epoch", "metrics", "epoch", "metrics", "epoch"]
    assert [len(m["points"]) for m in messages] == [1, 9, 10, 10]  # the first at once, then each epoch's rest
    assert [p["step"] for m in messages for p in m["points"]] == list(range(1, 31))


def test_two_d_sets_send_a_64x64_boundary_each_epoch_and_points_once(moons, events):
    run(mlp(2, 2), moons, events, epochs=2)

    first, second = events.of("epoch")
    boundary = first["boundary"]
    assert boundary["size"] == 64 and len(boundary["classes"]) == 64 * 64
    assert set(boundary["classes"]) <= {0, 1}
    assert boundary["x"][0] < float(moons.x[:, 0].min()) and boundary["x"][1] > float(moons.x[:, 0].max())
    assert len(first["points"]) == 400 and all(p[2] in (0, 1) for p in first["points"])
    assert "points" not in second and "boundary" in second


def test_fast_epochs_send_a_boundary_as_often_as_a_person_can_watch_and_always_the_last(moons, events, monkeypatch):
    monkeypatch.setattr(loop, "BOUNDARY_SECONDS", 3600.0)
    run(mlp(2, 2), moons, events, epochs=5)

    epochs = events.of("epoch")
    assert [e["epoch"] for e in epochs if "boundary" in e] == [1, 5]
    assert all("val_loss" in e and "norms" in e for e in epochs)  # the rest comes every epoch


def test_every_optimizer_and_scheduler_trains(moons):
    for optimizer in ["sgd", "adam", "adamw", "rmsprop"]:
        for scheduler in ["none", "step", "cosine", "onecycle"]:
            result = run(
                mlp(2, 2),
                moons,
                epochs=2,
                optimizer=optimizer,
                scheduler=scheduler,
                step_size=1,
                lr=0.01,
                weight_decay=1e-4,
                grad_clip=1.0,
                momentum=0.9,  # the default is PyTorch's 0; Nesterov needs some
                nesterov=optimizer == "sgd",
            )
            assert result.status == "succeeded" and math.isfinite(result.metrics["val_loss"]), (
                optimizer,
                scheduler,
            )


def test_the_step_scheduler_decays_after_step_size_epochs(moons, events):
    run(mlp(2, 2), moons, events, epochs=2, scheduler="step", step_size=1, gamma=0.5, lr=0.02, log_every=10)

    lrs = [m["lr"] for m in events.points()]
    assert lrs[0] == 0.02 and lrs[-1] == 0.01


@pytest.mark.parametrize(
    ("loss", "outputs"), [("bce_with_logits", 1), ("bce_with_logits", 2), ("mse", 2), ("l1", 2), ("huber", 2)]
)
def test_non_class_losses_train_on_class_labels(moons, loss, outputs):
    result = run(mlp(2, outputs), moons, epochs=10, loss=loss)

    assert result.status == "succeeded"
    assert result.metrics["val_accuracy"] > 0.8, result.metrics


def test_nll_loss_trains_a_model_ending_in_log_softmax(moons):
    model = nn.Sequential(mlp(2, 2), nn.LogSoftmax(dim=1))

    result = run(model, moons, epochs=10, loss="nll")

    assert result.status == "succeeded" and result.metrics["val_accuracy"] > 0.8


def test_mixed_precision_on_cpu_is_ignored_with_a_log_line(moons, events):
    result = run(mlp(2, 2), moons, events, epochs=1, precision="bf16")

    assert result.status == "succeeded"
    assert events.of("log")[0] == {
        "message": "Mixed precision (bf16) runs on CUDA only; training in fp32 on cpu"
    }


def test_a_regression_run_reports_no_accuracy(events):
    ds = load_dataset("diabetes")

    result = run(mlp(10, 1), ds, events, epochs=3)

    assert result.status == "succeeded" and result.confusion is None
    assert "val_accuracy" not in result.metrics and result.metrics["val_loss"] < 1.0
    assert "boundary" not in events.of("epoch")[0]


def test_no_validation_set_means_no_validation_metrics(moons):
    result = run(mlp(2, 2), moons, epochs=1, val_fraction=0.0)

    assert result.status == "succeeded" and "val_loss" not in result.metrics and result.confusion is None
