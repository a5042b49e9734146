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


def test_a_stop_asked_for_while_the_run_trains_ends_it_within_one_step(tmp_path):
    import dataclasses

    spec = dataclasses.replace(run_spec(tmp_path), config={"epochs": 5, "batch_size": 16, "seed": 3})
    asked_after: list[int] = []  # the step of the first metrics the worker saw, when the user pressed Stop

    def send(message: dict) -> None:
        if message["type"] == "metrics" and not asked_after:
            asked_after.append(message["data"]["step"])

    result = run(spec, send, stop=lambda: bool(asked_after), suspend=lambda: False)
    assert result["status"] == "stopped", result["error"]
    assert asked_after[0] <= result["steps"] <= asked_after[0] + 1
    assert result["epochs"] < 5
    assert torch.load(result["checkpoint"], weights_only=True)["step"] == result["steps"]


class RunsCode:
    """Unpickling this creates `marker`: what a booby-trapped file would do instead."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_checkpoint_holding_code_is_refused_on_resume_without_running_it(tmp_path):
    from builder.training.checkpoints import FORMAT

    marker = tmp_path / "code-ran"
    checkpoint = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "step": 0, "history": [], "payload": RunsCode(marker)}, checkpoint)
    result = execute_here(run_spec(tmp_path, resume_from=str(checkpoint)))[-1]
    assert not marker.exists()
    assert result["status"] == "failed"
    assert result["error"] == "evil.pt holds Python objects, not only tensors, and was refused without running any of it"


def test_a_failure_inside_the_model_fails_the_run_naming_the_node(tmp_path, monkeypatch):
    import builder.graph

    def compile_with_a_broken_fc2(graph):  # fc2 drops a feature on full batches: torch's own shape error
        gm = compile_graph(graph)
        fc2 = gm.fc2
        fc2.forward = lambda x: torch.nn.functional.linear(x[:, 1:] if x.shape[0] > 2 else x, fc2.weight, fc2.bias)
        return gm

    monkeypatch.setattr(builder.graph, "compile_graph", compile_with_a_broken_fc2)
    messages = execute_here(run_spec(tmp_path))
    result = messages[-1]
    assert result["status"] == "failed" and result["files"] == {}
    assert result["error"] == (
        "Node 'fc2' (Linear) failed at step 1: mat1 and mat2 shapes cannot be multiplied (64x31 and 32x10)"
    )
    assert (result["node"], result["layer"]) == ("fc2", "Linear")
    failed = next(m for m in messages if m["type"] == "failed")  # the engine's own final message
    assert (failed["data"]["node"], failed["data"]["message"]) == ("fc2", result["error"])


def test_a_checkpoint_that_is_not_one_is_named_on_resume(tmp_path):
    checkpoint = tmp_path / "garbage.pt"
    checkpoint.write_bytes(b"not a checkpoint at all")
    result = execute_here(run_spec(tmp_path, resume_from=str(checkpoint)))[-1]
    assert (result["status"], result["error"]) == ("failed", "garbage.pt is not a readable checkpoint")
