import io
import json

import pytest
import torch
from django.core.management import CommandError, call_command

from builder.engine.training import load_dataset

from .test_artifacts import DIGITS_MLP, import_model_py


def train_cli(tmp_path, *args: str, graph: dict = DIGITS_MLP) -> dict:
    path = tmp_path / "graph.in.json"
    path.write_text(json.dumps(graph))
    stdout = io.StringIO()
    try:
        call_command("train", str(path), *args, "--out", str(tmp_path / "out"), stdout=stdout)
    except CommandError:
        pass  # a failed run still prints its JSON first
    lines = stdout.getvalue().strip().splitlines()
    return json.loads(lines[-1])


def test_train_writes_the_files_and_prints_the_result_as_its_last_json_line(tmp_path):
    answer = train_cli(
        tmp_path, "--dataset", "digits", "--epochs", "3", "--lr", "0.01", "--seed", "1", "--no-onnx"
    )

    out = tmp_path / "out"
    assert answer["status"] == "succeeded"
    assert answer["metrics"]["val_accuracy"] > 0.85 and answer["metrics"]["epoch"] == 3
    assert 1 <= answer["metrics"]["best_epoch"] <= 3
    assert answer["files"] == {
        "pth": str(out / "model.pth"),
        "best_pth": str(out / "model-best.pth"),  # the weights of its epoch of lowest val loss
        "safetensors": str(out / "model.safetensors"),
        "model_py": str(out / "model.py"),
        "graph": str(out / "graph.json"),
        "checkpoint": str(out / "checkpoint.pt"),
    }
    assert len(answer["confusion"]) == 10 and answer["classes"] == list("0123456789")


def test_the_exported_model_py_with_the_pth_reproduces_the_reported_accuracy(tmp_path):
    answer = train_cli(tmp_path, "--dataset", "digits", "--epochs", "2", "--seed", "4", "--no-onnx")
    net = import_model_py(answer["files"]["model_py"]).DigitsMLP()
    net.load_state_dict(torch.load(answer["files"]["pth"], weights_only=True))
    split = load_dataset("digits").split(None, seed=4)

    with torch.no_grad():
        accuracy = float((net.eval()(split.x_val).argmax(1) == split.y_val).float().mean())

    assert accuracy == pytest.approx(answer["metrics"]["val_accuracy"], abs=1e-6)


def test_a_bad_option_fails_before_training_with_its_message(tmp_path):
    answer = train_cli(tmp_path, "--dataset", "digits", "--batch-size", "0")

    assert answer["status"] == "failed"
    assert answer["error"] == "batch_size must be at least 1, got 0"
    assert answer["errors"] == [{"message": "batch_size must be at least 1, got 0", "field": "batch_size"}]
    assert not (tmp_path / "out").exists()


def test_a_graph_whose_input_does_not_match_the_dataset_is_refused(tmp_path):
    graph = {
        **DIGITS_MLP,
        "nodes": [{"id": "x", "type": "Input", "params": {"shape": [784]}}, *DIGITS_MLP["nodes"][1:]],
    }

    answer = train_cli(tmp_path, "--dataset", "digits", graph=graph)

    assert answer["status"] == "failed"
    assert answer["error"] == "The dataset 'digits' gives inputs of shape [1, 8, 8], but Input 'x' expects [784]"
    assert answer["errors"] == [{"message": "dataset gives [1, 8, 8]", "field": "shape", "node": "x"}]


def test_an_unknown_optimizer_and_a_loss_mismatch_are_plain_errors(tmp_path):
    optimizer = train_cli(tmp_path, "--dataset", "digits", "--optimizer", "lbfgs")
    regression = train_cli(
        tmp_path,
        "--dataset",
        "diabetes",
        "--loss",
        "mse",
        graph={
            **DIGITS_MLP,
            "nodes": [{"id": "x", "type": "Input", "params": {"shape": [10]}}, *DIGITS_MLP["nodes"][1:]],
        },
    )

    assert optimizer["error"] == "optimizer must be one of 'sgd', 'adam', 'adamw', 'rmsprop', got 'lbfgs'"
    assert regression["error"] == "MSELoss needs 1 output for a target of size 1; the model gives 10"


def test_dataset_options_are_passed_as_key_value_pairs_and_progress_goes_to_stderr(tmp_path, capsys):
    graph = {
        **DIGITS_MLP,
        "nodes": [
            {"id": "x", "type": "Input", "params": {"shape": [2]}},
            *DIGITS_MLP["nodes"][1:4],
            {"id": "fc2", "type": "Linear", "params": {"out_features": 2}},
            DIGITS_MLP["nodes"][5],
        ],
    }

    answer = train_cli(
        tmp_path,
        "--dataset",
        "moons",
        "--option",
        "size=200",
        "--option",
        "noise=0.05",
        "--epochs",
        "2",
        "--no-onnx",
        graph=graph,
    )

    assert answer["status"] == "succeeded" and answer["metrics"]["steps"] == 10
    assert "epoch 2/2  train_loss" in capsys.readouterr().err


def test_every_training_option_is_a_flag_read_by_its_kind():
    from builder.engine.training import TrainConfig
    from builder.management.commands.train import Command

    parser = Command().create_parser("manage.py", "train")
    opts = vars(parser.parse_args(["g.json", "--dataset", "digits", "--out", "o", "--nesterov", "--resize", "16",
                                   "--normalize", "imagenet", "--augment", '{"flip": true}', "--lr", "0.5"]))
    assert set(TrainConfig.fields()) <= set(opts)
    assert (opts["nesterov"], opts["resize"], opts["normalize"], opts["augment"], opts["lr"]) == (
        True, 16, "imagenet", {"flip": True}, 0.5)
    assert opts["compile"] is None  # not given: the dataset's default stands


def test_early_stopping_without_validation_fails_before_training_naming_the_option(tmp_path):
    answer = train_cli(tmp_path, "--dataset", "digits", "--early-stopping", "3", "--val-fraction", "0")

    assert answer["status"] == "failed"
    assert [e["field"] for e in answer["errors"]] == ["early_stopping"]
    assert answer["error"].startswith("Early stopping watches the validation loss, but 'Digits (8×8)'")
