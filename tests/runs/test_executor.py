"""The training process of one run (builder.engine.executor), driven in-process through a real pipe."""

from __future__ import annotations

import torch

from builder.engine.executor import RunSpec, run
from builder.engine.graph import compile_graph
from tests.helpers import DIGITS_MLP


def run_spec(tmp_path, **extra) -> RunSpec:
    return RunSpec(
        run_id=1, graph=DIGITS_MLP, dataset="digits", dataset_options={},
        config={"epochs": 1, "batch_size": 64, "seed": 3}, out_dir=str(tmp_path / "out"),
        checkpoint_dir=str(tmp_path / "out" / "checkpoints"), data_dir=str(tmp_path / "data"), **extra,
    )


def execute_here(spec: RunSpec, *, stop: bool = False) -> list[dict]:
    """Every message the run's process would send its worker, the final one last."""
    messages: list[dict] = []
    messages.append(run(spec, messages.append, stop=lambda: stop, suspend=lambda: False))
    return messages


def test_a_run_reports_its_device_then_events_then_one_final_message_with_files(tmp_path):
    messages = execute_here(run_spec(tmp_path))
    assert messages[0] == {"type": "started", "data": {
        "device": "cpu", "dataset": messages[0]["data"]["dataset"], "params": 64 * 32 + 32 + 32 * 10 + 10}}
    assert messages[1] == {"type": "log", "data": {"message": "Training on cpu: 2,410 parameters"}}
    assert [m["type"] for m in messages].count("finished") == 1
    final = messages[-1]
    assert final["type"] == "finished", final["data"]
    kinds = {"pth", "safetensors", "model_py", "graph", "checkpoint"}
    assert kinds <= set(final["data"]["files"]) == set(final["outcome"]["files"])
    assert set(final["data"]) == {"status", "metrics", "files"}
    assert {"confusion", "classes", "val_accuracy", "steps"} <= set(final["data"]["metrics"])
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
    assert messages[-1]["data"]["status"] == "stopped"
    saved = torch.load(tmp_path / "out" / "model.pth", weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in start.state_dict().items())


def test_weights_that_do_not_fit_fail_the_run_with_the_report(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save({"fc1.weight": torch.zeros(3, 3)}, path)
    final = execute_here(run_spec(tmp_path, init_weights=str(path)))[-1]
    assert final["type"] == "failed"
    assert final["data"]["message"].startswith("The weights don't fit this model:")
    assert "fc1.weight" in final["data"]["message"]


def test_an_error_in_the_run_is_a_failed_final_message_not_a_crash(tmp_path):
    final = execute_here(run_spec(tmp_path, upload={"path": str(tmp_path / "gone.csv"), "kind": "csv",
                                                    "options": {}, "max_bytes": 1000}))[-1]
    assert final["type"] == "failed"
    assert final["data"] == {"status": "failed", "metrics": {}, "files": [],
                             "message": "Uploaded file gone.csv is missing"}
    assert "Traceback" in final["outcome"]["traceback"]


def test_a_stop_asked_for_while_the_run_trains_ends_it_within_one_step(tmp_path):
    import dataclasses

    spec = dataclasses.replace(run_spec(tmp_path), config={"epochs": 5, "batch_size": 16, "seed": 3})
    asked_after: list[int] = []  # the step of the first metrics the worker saw, when the user pressed Stop

    def send(message: dict) -> None:
        if message["type"] == "metrics" and not asked_after:
            asked_after.append(message["data"]["step"])

    final = run(spec, send, stop=lambda: bool(asked_after), suspend=lambda: False)
    outcome = final["outcome"]
    assert final["type"] == "stopped", final["data"]
    assert asked_after[0] <= outcome["steps"] <= asked_after[0] + 1
    assert outcome["epochs"] < 5
    assert torch.load(outcome["checkpoint"], weights_only=True)["step"] == outcome["steps"]


class RunsCode:
    """Unpickling this creates `marker`: what a booby-trapped file would do instead."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_checkpoint_holding_code_is_refused_on_resume_without_running_it(tmp_path):
    from builder.engine.training.checkpoints import FORMAT

    marker = tmp_path / "code-ran"
    checkpoint = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "step": 0, "history": [], "payload": RunsCode(marker)}, checkpoint)
    final = execute_here(run_spec(tmp_path, resume_from=str(checkpoint)))[-1]
    assert not marker.exists()
    assert final["data"]["message"] == "evil.pt holds Python objects, not only tensors, and was refused without running any of it"


def test_a_failure_inside_the_model_fails_the_run_naming_the_node(tmp_path, monkeypatch):
    from builder.engine.training.plan import RunPlan

    built = RunPlan.compile

    def compile_with_a_broken_fc2(plan):  # fc2 drops a feature on full batches: torch's own shape error
        gm = built(plan)
        fc2 = gm.fc2
        fc2.forward = lambda x: torch.nn.functional.linear(x[:, 1:] if x.shape[0] > 2 else x, fc2.weight, fc2.bias)
        return gm

    monkeypatch.setattr(RunPlan, "compile", compile_with_a_broken_fc2)
    messages = execute_here(run_spec(tmp_path))
    final = messages[-1]
    assert final["type"] == "failed" and final["outcome"]["files"] == {}
    assert final["data"] == {
        "status": "failed", "metrics": final["data"]["metrics"], "files": [], "node": "fc2", "layer": "Linear",
        "message": "Node 'fc2' (Linear) failed at step 1: mat1 and mat2 shapes cannot be multiplied (64x31 and 32x10)",
    }
    assert [m["type"] for m in messages].count("failed") == 1  # the engine's own final message is not sent twice


def test_a_checkpoint_that_is_not_one_is_named_on_resume(tmp_path):
    checkpoint = tmp_path / "garbage.pt"
    checkpoint.write_bytes(b"not a checkpoint at all")
    final = execute_here(run_spec(tmp_path, resume_from=str(checkpoint)))[-1]
    assert (final["type"], final["data"]["message"]) == ("failed", "garbage.pt is not a readable checkpoint")


def test_the_onnx_export_follows_the_final_message_when_deferred(tmp_path):
    messages: list[dict] = []
    deferred: list = []
    final = run(run_spec(tmp_path), messages.append, stop=lambda: False, suspend=lambda: False, deferred=deferred)
    assert final["type"] == "finished" and final["data"]["pending"] == ["onnx"]
    assert "onnx" not in final["data"]["files"] and not (tmp_path / "out" / "model.onnx").exists()
    assert len(deferred) == 1

    follow = deferred[0]()
    assert follow["type"] == "files"
    assert follow["data"] == {"files": sorted([*final["data"]["files"], "onnx"])}
    assert follow["outcome"] == {"files": {"onnx": str(tmp_path / "out" / "model.onnx")}}
    assert (tmp_path / "out" / "model.onnx").stat().st_size > 0


def test_a_run_with_validation_sends_and_writes_its_best_epochs_weights(tmp_path):
    import dataclasses

    spec = dataclasses.replace(run_spec(tmp_path), config={"epochs": 3, "batch_size": 64, "seed": 3})
    final = execute_here(spec)[-1]

    assert final["type"] == "finished" and "best_pth" in final["data"]["files"]
    path = final["outcome"]["files"]["best_pth"]
    assert path == str(tmp_path / "out" / "model-best.pth")
    metrics = final["data"]["metrics"]
    assert 1 <= metrics["best_epoch"] <= 3
    assert set(metrics["best_metrics"]) == {"val_loss", "val_accuracy", "val_top5"}
    assert list(torch.load(path, weights_only=True)) == list(torch.load(final["outcome"]["files"]["pth"],
                                                                        weights_only=True))


def test_an_early_stopping_run_without_validation_fails_naming_the_option(tmp_path):
    import dataclasses

    spec = dataclasses.replace(run_spec(tmp_path), config={"epochs": 3, "val_fraction": 0, "early_stopping": 2})
    final = execute_here(spec)[-1]

    assert final["type"] == "failed" and final["data"]["files"] == []
    assert final["data"]["message"].startswith("Early stopping watches the validation loss")
