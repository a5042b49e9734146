"""Continuing a run from its parent's last checkpoint (builder.engine.training.continuation, and the
training process's `continue_from`)."""

from __future__ import annotations

from dataclasses import replace

import torch

from builder.engine.executor import RunSpec, run
from builder.engine.training import TrainConfig
from builder.engine.training.checkpoints import load_checkpoint
from builder.engine.training.continuation import continuation
from tests.helpers import DIGITS_MLP

CONFIG = {"epochs": 2, "batch_size": 64, "seed": 3, "optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "units": False}


def spec(tmp_path, name: str, **config) -> RunSpec:
    out = tmp_path / name
    return RunSpec(run_id=1, graph=DIGITS_MLP, dataset="digits", dataset_options={}, config={**CONFIG, **config},
                   out_dir=str(out), checkpoint_dir=str(out / "checkpoints"), data_dir=str(tmp_path / "data"))


def execute(s: RunSpec) -> list[dict]:
    messages: list[dict] = []
    messages.append(run(s, messages.append, stop=lambda: False, suspend=lambda: False))
    assert messages[-1]["type"] == "finished", messages[-1]["data"]
    return messages


def steps(messages: list[dict]) -> list[int]:
    return [p["step"] for m in messages if m["type"] == "metrics" for p in m["data"]["points"]]


def weights(s: RunSpec) -> dict[str, torch.Tensor]:
    return torch.load(f"{s.out_dir}/model.pth", weights_only=True)


def test_a_run_continued_with_the_same_options_trains_exactly_as_one_that_never_stopped(tmp_path):
    parent = spec(tmp_path, "parent")
    first = execute(parent)
    child = replace(spec(tmp_path, "child", epochs=4), continue_from=f"{parent.checkpoint_dir}/checkpoint.pt", parent=7)
    second = execute(child)
    whole = spec(tmp_path, "whole", epochs=4)
    execute(whole)
    assert steps(second)[0] == steps(first)[-1] + 1  # numbered on from the parent's last step
    assert [m["data"]["epoch"] for m in second if m["type"] == "epoch"] == [3, 4]
    logs = [m["data"]["message"] for m in second if m["type"] == "log"]
    assert f"Continuing run 7 from epoch 3, step {steps(first)[-1]}" in logs
    continued, uninterrupted = weights(child), weights(whole)
    assert all(torch.equal(continued[k], uninterrupted[k]) for k in uninterrupted)  # momentum came along


def test_a_changed_learning_rate_starts_the_optimizer_fresh_and_says_so(tmp_path):
    parent = spec(tmp_path, "parent")
    execute(parent)
    child = replace(spec(tmp_path, "child", epochs=3, lr=0.01),
                    continue_from=f"{parent.checkpoint_dir}/checkpoint.pt")
    logs = [m["data"]["message"] for m in execute(child) if m["type"] == "log"]
    assert any(m.startswith("Continuing its parent run from epoch 3") and "the optimizer starts fresh: lr 0.05 → 0.01" in m
               for m in logs), logs


def test_what_a_continuation_keeps_of_the_parents_checkpoint(tmp_path):
    parent = spec(tmp_path, "parent")
    execute(parent)
    ckpt = load_checkpoint(f"{parent.checkpoint_dir}/checkpoint.pt")
    same, notes = continuation(ckpt, TrainConfig.from_dict({**CONFIG, "epochs": 5}, dataset="digits"))
    assert same["optimizer"] is ckpt["optimizer"] and notes == []
    cosine, notes = continuation(ckpt, TrainConfig.from_dict({**CONFIG, "epochs": 5, "scheduler": "cosine"},
                                                             dataset="digits"))
    assert cosine["optimizer"] is ckpt["optimizer"] and cosine["scheduler"] is None
    assert notes == ["the cosine schedule starts fresh over the continued run"]
    adam, notes = continuation(ckpt, TrainConfig.from_dict({**CONFIG, "optimizer": "adam"}, dataset="digits"))
    assert adam["optimizer"] is None and notes == ["the optimizer starts fresh: optimizer 'sgd' → 'adam'"]
    mid = {**ckpt, "epoch": 1, "batch": 5}
    moved, notes = continuation(mid, TrainConfig.from_dict({**CONFIG, "batch_size": 32}, dataset="digits"))
    assert (moved["epoch"], moved["batch"], moved["epoch_seen"]) == (2, 0, 0)
    assert notes == ["batch_size 64 → 32: it starts at the next epoch"]


def test_a_continued_runs_early_stopping_counts_its_patience_from_its_own_first_epoch(tmp_path):
    # A learning rate of 1e-12 never beats the parent's best by min_delta: it stops `patience` epochs into itself
    # (replayed with min_delta 0.5, the parent's own epochs would have used that patience up).
    parent = spec(tmp_path, "parent", epochs=3)
    execute(parent)
    child = replace(spec(tmp_path, "child", epochs=10, lr=1e-12, early_stopping=2, min_delta=0.5),
                    continue_from=f"{parent.checkpoint_dir}/checkpoint.pt")
    messages = execute(child)
    assert [m["data"]["epoch"] for m in messages if m["type"] == "epoch"] == [4, 5]
    assert messages[-1]["data"]["metrics"]["stopped_early_at"] == 5
