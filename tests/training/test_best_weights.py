"""Best-epoch weights: a run with validation keeps the weights of its lowest val loss beside the last."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from builder.engine.graph import compile_graph
from builder.engine.training import TrainConfig, export_preprocessing, load_dataset, train, write_artifacts
from tests.helpers import DIGITS_MLP

from .conftest import Events
from .test_preprocessing_export import DIABETES_NET, import_model_py

# Digits at a high rate: the val loss reaches its lowest early (epoch 4 here), then climbs well above it
# (0.16 then, 0.3-0.45 in the last epochs), so where the best epoch falls doesn't hang on rounding (at
# lr 0.03 it did: the last epoch came within 0.01 of the lowest, and a CPU's rounding decided)
DIGITS = {"device": "cpu", "epochs": 20, "lr": 0.05, "batch_size": 16, "seed": 0}


def train_graph(graph, dataset, options, events=None, **kwargs):
    torch.manual_seed(0)
    model = compile_graph(graph)
    result = train(model, dataset, TrainConfig.from_dict(options, dataset=dataset), callback=events, **kwargs)
    return model, result


@pytest.fixture(scope="module")
def digits_run(digits, tmp_path_factory):
    """The digits run, its epoch messages and the files written after it."""
    events = Events()
    model, result = train_graph(DIGITS_MLP, digits, DIGITS, events)
    files = write_artifacts(model, DIGITS_MLP, tmp_path_factory.mktemp("run"), onnx=False,
                            best_state=result.best_state)
    return result, events, files


def test_the_best_epoch_is_the_lowest_val_loss_of_the_runs_history(digits_run):
    result, events, _ = digits_run
    losses = [h["val_loss"] for h in result.history]
    best = losses.index(min(losses)) + 1

    assert 1 < best < len(losses) == 20
    assert result.metrics["best_epoch"] == best
    summary = result.history[best - 1]
    assert result.metrics["best_metrics"] == {
        "val_loss": summary["val_loss"], "val_accuracy": summary["val_accuracy"], "val_top5": summary["val_top5"]}
    # each epoch message carries the best epoch so far
    assert [e["best_epoch"] for e in events.of("epoch")] == [
        losses.index(min(losses[:n])) + 1 for n in range(1, 21)]
    (final,) = events.of("finished")
    assert final["metrics"]["best_epoch"] == best and final["metrics"]["best_metrics"] == result.metrics["best_metrics"]


def val_figures(net, digits) -> tuple[float, float]:
    """Cross-entropy and accuracy of `net` on the run's validation split."""
    split = digits.split(None, seed=DIGITS["seed"])
    with torch.no_grad():
        out = net.eval()(split.x_val)  # (N_val, 10)
    return F.cross_entropy(out, split.y_val).item(), (out.argmax(1) == split.y_val).float().mean().item()


def test_the_best_weights_in_the_compiled_graph_give_the_best_epochs_val_loss(digits_run, digits):
    result, _, files = digits_run
    best = result.history[result.metrics["best_epoch"] - 1]
    net = compile_graph(DIGITS_MLP)

    net.load_state_dict(torch.load(files["best_pth"], weights_only=True), strict=True)

    loss, accuracy = val_figures(net, digits)
    assert loss == pytest.approx(best["val_loss"], abs=1e-5)
    assert accuracy == pytest.approx(best["val_accuracy"], abs=1e-6)
    assert abs(loss - result.history[-1]["val_loss"]) > 1e-3  # not the last epoch's
    net.load_state_dict(torch.load(files["pth"], weights_only=True), strict=True)
    assert val_figures(net, digits)[0] == pytest.approx(result.history[-1]["val_loss"], abs=1e-5)


def test_best_pth_and_pth_hold_the_same_keys_and_differ_when_the_best_epoch_is_not_the_last(digits_run):
    result, _, files = digits_run
    best, last = (torch.load(files[k], weights_only=True) for k in ("best_pth", "pth"))

    assert files["best_pth"].endswith("/model-best.pth")
    assert list(best) == list(last) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(not torch.equal(best[k], last[k]) for k in best)
    assert all(torch.equal(best[k], result.best_state[k]) for k in best)


def test_a_scaled_regression_runs_best_pth_carries_the_scaling_and_loads_into_model_py(tmp_path):
    data = load_dataset("diabetes")  # features and target standardised: the files take raw values
    options = {"device": "cpu", "epochs": 20, "lr": 0.01, "batch_size": 8, "seed": 0}
    model, result = train_graph(DIABETES_NET, data, options)
    config = TrainConfig.from_dict(options, dataset=data)
    files = write_artifacts(model, DIABETES_NET, tmp_path, onnx=False, best_state=result.best_state,
                            preprocessing=export_preprocessing(data, config))
    best, last = (torch.load(files[k], weights_only=True) for k in ("best_pth", "pth"))

    assert list(best) == list(last)
    assert {"input_mean", "input_std", "target_mean", "target_std"} <= set(best)
    assert all(torch.equal(best[k], last[k]) for k in ("input_mean", "input_std", "target_mean", "target_std"))
    net = import_model_py(files["model_py"]).Progression()
    net.load_state_dict(best, strict=True)
    # raw features in, the target's units out: scaled back, the loss is the best epoch's val loss
    raw = load_dataset("diabetes", standardize=False).split(None, seed=0)
    scaled = data.split(None, seed=0)
    with torch.no_grad():
        out = (net.eval()(raw.x_val) - best["target_mean"]) / best["target_std"]  # (N_val, 1)
    epoch = result.metrics["best_epoch"]
    assert epoch < 20
    assert F.mse_loss(out, scaled.y_val).item() == pytest.approx(result.history[epoch - 1]["val_loss"], rel=1e-5)


def test_a_run_without_validation_keeps_no_best_weights(digits, tmp_path):
    events = Events()
    model, result = train_graph(DIGITS_MLP, digits, {**DIGITS, "epochs": 2, "val_fraction": 0}, events)

    files = write_artifacts(model, DIGITS_MLP, tmp_path, onnx=False, best_state=result.best_state)

    assert result.best_state is None and "best_pth" not in files
    assert not {"best_epoch", "best_metrics"} & set(result.metrics)
    assert all("best_epoch" not in e for e in events.of("epoch"))


def test_a_resumed_run_keeps_the_best_weights_of_the_epochs_before_its_stop(digits, digits_run, tmp_path):
    whole, _, _ = digits_run
    best = whole.metrics["best_epoch"]
    events = Events()
    _, stopped = train_graph(DIGITS_MLP, digits, DIGITS, events, checkpoint_dir=tmp_path,
                             should_stop=lambda: len(events.of("epoch")) >= best + 1)

    again, resumed = train_graph(DIGITS_MLP, digits, DIGITS, resume_from=stopped.checkpoint_path)

    assert stopped.status == "stopped" and stopped.metrics["best_epoch"] == best
    assert resumed.status == "succeeded" and resumed.metrics["best_epoch"] == best
    assert resumed.metrics["best_metrics"] == whole.metrics["best_metrics"]
    assert all(torch.equal(resumed.best_state[k], v) for k, v in whole.best_state.items())
