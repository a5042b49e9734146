"""The training process of one run (builder.runs.executor), driven in-process through a real pipe."""

from __future__ import annotations

import torch

from builder.graph import compile_graph
from builder.runs.executor import RunSpec, run
from tests.helpers import DIGITS_MLP


def run_spec(tmp_path, **extra) -> RunSpec:
    return RunSpec(
        run_id=1, graph=DIGITS_MLP, dataset="digits", dataset_options={},
        config={"epochs": 1, "batch_size": 64, "seed": 3}, out_dir=str(tmp_path / "out"),
        checkpoint_dir=str(tmp_path / "out" / "checkpoints"), data_dir=str(tmp_path / "data"), **extra,
    )


def execute_here(spec: RunSpec, *, stop: bool = False) -> list[dict]:
    """Every message the run's process would send its worker, the result last."""
    messages: list[dict] = []
    messages.append(run(spec, messages.append, stop=lambda: stop, suspend=lambda: False))
    return messages


def test_a_run_reports_its_device_then_events_then_one_result_with_files(tmp_path):
    messages = execute_here(run_spec(tmp_path))
    assert messages[0]["type"] == "started"
    assert messages[0]["device"] == "cpu"
    assert messages[0]["params"] == 64 * 32 + 32 + 32 * 10 + 10
    assert [m["type"] for m in messages].count("result") == 1
    result = messages[-1]
    assert result["type"] == "result"
    assert result["status"] == "succeeded", result["error"]
    assert {"pth", "safetensors", "model_py", "graph", "checkpoint"} <= set(result["files"])
    assert any(m["type"] == "epoch" for m in messages)


def test_a_run_starts_from_uploaded_weights(tmp_path):
    start = compile_graph(DIGITS_MLP)
    with torch.no_grad():
        for p in start.parameters():
            p.fill_(0.01)
    path = tmp_path / "start.pth"
    torch.save(start.state_dict(), path)
    messages = execute_here(run_spec(tmp_path, init_weights=str(path)), stop=True)
    logs = [m["data"]["message"] for m in messages if m["type"] == "log"]
    assert "Started from uploaded weights: 4 tensors" in logs
    # Stopped before the first step: the checkpoint holds exactly the uploaded weights.
    assert messages[-1]["status"] == "stopped"
    saved = torch.load(tmp_path / "out" / "model.pth", weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in start.state_dict().items())


def test_weights_that_do_not_fit_fail_the_run_with_the_report(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save({"fc1.weight": torch.zeros(3, 3)}, path)
    result = execute_here(run_spec(tmp_path, init_weights=str(path)))[-1]
    assert result["status"] == "failed"
    assert result["error"].startswith("The weights don't fit this model:")
    assert "fc1.weight" in result["error"]


def test_an_error_in_the_run_is_a_failed_result_not_a_crash(tmp_path):
    result = execute_here(run_spec(tmp_path, upload={"path": str(tmp_path / "gone.csv"), "kind": "csv",
                                                     "options": {}, "max_bytes": 1000}))[-1]
    assert result["status"] == "failed"
    assert result["error"] == "Uploaded file gone.csv is missing"
