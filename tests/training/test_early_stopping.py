"""Early stopping: a run ends once its val loss has stopped falling for `early_stopping` epochs."""

from __future__ import annotations

import math

import pytest
import torch

from builder.engine.graph import compile_graph
from builder.engine.training import ConfigError, DatasetFacts, TrainConfig, plan_run, train
from builder.engine.training.checkpoints import load_checkpoint
from tests.helpers import DIGITS_MLP

from .conftest import Events

EPOCHS = 20
# Digits with half the samples held out: the val loss falls fast, then by little and unevenly
OPTIONS = {"device": "cpu", "epochs": EPOCHS, "lr": 0.01, "val_fraction": 0.5, "batch_size": 32, "seed": 0}


def digits_run(digits, events=None, checkpoint_dir=None, **options):
    torch.manual_seed(0)
    model = compile_graph(DIGITS_MLP)
    config = TrainConfig.from_dict({**OPTIONS, **options}, dataset=digits)
    return train(model, digits, config, callback=events, checkpoint_dir=checkpoint_dir)


def val_losses(result) -> list[float]:
    return [h["val_loss"] for h in result.history]


@pytest.fixture(scope="module")
def whole(digits):
    """The run with early stopping off (the default): every epoch."""
    return digits_run(digits)


def test_a_run_stops_patience_epochs_after_its_best_epoch_and_succeeds(digits, whole):
    events = Events()
    result = digits_run(digits, events, early_stopping=3)

    stop = len(result.history)
    losses = val_losses(result)
    best = losses.index(min(losses)) + 1  # from the run's own history
    assert stop == best + 3 < EPOCHS
    assert result.status == "succeeded"
    assert result.metrics["stopped_early_at"] == stop == result.metrics["epoch"] == result.epochs
    assert result.metrics["best_epoch"] == best
    assert min(losses[best:]) >= losses[best - 1]  # no epoch after the best fell below it
    message = events.of("log")[-1]["message"]
    assert message == (f"Early stopping at epoch {stop}: val loss has not improved by more than 0 for 3 epochs; "
                       f"the best epoch was {best} (val loss {losses[best - 1]:.4f})")
    (final,) = events.of("finished")
    assert final["status"] == "succeeded" and final["metrics"]["stopped_early_at"] == stop
    assert [e["epoch"] for e in events.of("epoch")] == list(range(1, stop + 1))
    # the same epochs as the run that went on: early stopping only cut it short
    assert losses == val_losses(whole)[:stop]


def test_with_early_stopping_empty_the_same_run_runs_every_epoch(whole):
    assert TrainConfig().early_stopping is None and TrainConfig().min_delta == 0.0
    assert whole.status == "succeeded" and len(whole.history) == EPOCHS
    assert "stopped_early_at" not in whole.metrics
    assert expected_stop(val_losses(whole), 3, 0.0) < EPOCHS  # its val loss does stop falling for 3 epochs


def expected_stop(losses: list[float], patience: int, min_delta: float) -> int | None:
    """The epoch a run with these val losses stops at: `patience` epochs after the last fall of more than
    `min_delta` below the loss of the fall before it."""
    last_fall, mark = 0, math.inf
    for epoch, loss in enumerate(losses, start=1):
        if loss < mark - min_delta:
            last_fall, mark = epoch, loss
        if epoch - last_fall >= patience:
            return epoch
    return None


def test_min_delta_counts_only_falls_larger_than_it(digits, whole):
    losses = val_losses(whole)
    events = Events()

    result = digits_run(digits, events, early_stopping=3, min_delta=0.05)

    stop = len(result.history)
    assert stop == expected_stop(losses, 3, 0.05) == result.metrics["stopped_early_at"]
    assert stop < expected_stop(losses, 3, 0.0)  # falls of 0.05 or less no longer put the stop off
    best = losses.index(min(losses[:stop])) + 1
    assert result.metrics["best_epoch"] == best  # the best epoch is still the lowest val loss
    assert events.of("log")[-1]["message"] == (
        f"Early stopping at epoch {stop}: val loss has not improved by more than 0.05 for 3 epochs; "
        f"the best epoch was {best} (val loss {losses[best - 1]:.4f})")


def test_an_early_stopped_run_writes_its_checkpoint_as_a_run_that_ends(digits, tmp_path):
    result = digits_run(digits, early_stopping=3, checkpoint_dir=tmp_path)

    stop = result.metrics["stopped_early_at"]
    checkpoint = load_checkpoint(result.checkpoint_path)
    assert (checkpoint["epoch"], checkpoint["batch"]) == (stop, 0)
    assert [h["epoch"] for h in checkpoint["history"]] == list(range(1, stop + 1))
    assert checkpoint["best_state"].keys() == result.best_state.keys()


def test_early_stopping_without_validation_is_refused_naming_the_field(digits):
    config = TrainConfig.from_dict({**OPTIONS, "val_fraction": 0, "early_stopping": 3}, dataset=digits)

    with pytest.raises(ConfigError) as refused:
        train(compile_graph(DIGITS_MLP), digits, config)
    assert refused.value.field == "early_stopping"
    assert refused.value.message == (
        "Early stopping watches the validation loss, but 'Digits (8×8)' with val_fraction 0 holds no samples "
        "out for validation; set val_fraction above 0 or leave early_stopping empty")
    with pytest.raises(ConfigError) as planned:  # before the run: what /api/runs/check and submit call
        plan_run(DIGITS_MLP, digits, {"val_fraction": 0, "early_stopping": 3})
    assert planned.value.field == "early_stopping"


def test_a_set_with_its_own_validation_split_may_stop_early_at_any_val_fraction():
    facts = DatasetFacts(name="mnist", title="MNIST", task="classification", input_shape=(1, 8, 8),
                         decoded_bytes=0, classes=list("0123456789"), fixed_split=True)

    plan = plan_run(DIGITS_MLP, facts, {"val_fraction": 0, "early_stopping": 3})

    assert plan.config.early_stopping == 3


@pytest.mark.parametrize(("options", "field", "message"), [
    ({"early_stopping": 0}, "early_stopping", "early_stopping must be at least 1, got 0"),
    ({"min_delta": -0.1}, "min_delta", "min_delta must be at least 0, got -0.1"),
])
def test_bad_early_stopping_options_are_refused_naming_them(options, field, message):
    with pytest.raises(ConfigError) as refused:
        TrainConfig.from_dict(options)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_the_options_are_published_with_their_bounds():
    schema = {o["name"]: o for o in TrainConfig.schema()}

    assert {k: schema["early_stopping"][k] for k in ("kind", "default", "nullable", "min")} == {
        "kind": "int", "default": None, "nullable": True, "min": 1}
    assert {k: schema["min_delta"][k] for k in ("kind", "default", "nullable", "min")} == {
        "kind": "float", "default": 0.0, "nullable": False, "min": 0.0}
