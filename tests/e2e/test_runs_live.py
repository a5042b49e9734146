"""Runs end to end: real Daphne and `runworker training` processes, real PostgreSQL and Redis (or
the embedded default), runs submitted over HTTP and read with a real websocket client."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from websockets.sync.client import connect

from tests.e2e.processes import Api, free_port, logs, ws_url

pytestmark = [pytest.mark.e2e]

PLAYGROUND = {
    "format": "netbuilder.graph/1",
    "name": "Playground",
    "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [2]}},
        {"id": "h1", "type": "Linear", "params": {"out_features": 32}},
        {"id": "a1", "type": "Tanh"},
        {"id": "h2", "type": "Linear", "params": {"out_features": 32}},
        {"id": "a2", "type": "Tanh"},
        {"id": "o", "type": "Linear", "params": {"out_features": 2}},
        {"id": "y", "type": "Output"},
    ],
    "edges": [
        {"source": "x", "target": "h1"}, {"source": "h1", "target": "a1"}, {"source": "a1", "target": "h2"},
        {"source": "h2", "target": "a2"}, {"source": "a2", "target": "o"}, {"source": "o", "target": "y"},
    ],
}


def submit(api: Api, *, epochs: int, size: int = 2000, batch_size: int = 16, log_every: int = 5) -> int:
    status, run = api.post("/api/runs", {
        "graph": PLAYGROUND, "dataset": "spirals", "dataset_options": {"size": size},
        "config": {"epochs": epochs, "batch_size": batch_size, "log_every": log_every, "seed": 1},
    })
    assert status == 201, run
    assert run["status"] == "queued"
    return run["id"]


def web_and_user(deployment, username: str):
    """A Daphne process on a free port and an API client for a new user: (process, base URL, token, api)."""
    port = free_port()
    daphne = deployment.start_daphne(port)
    token = deployment.create_user(username, f"{username}-Strong-pass-1")
    base = f"http://127.0.0.1:{port}"
    return daphne, base, token, Api(base, token)


def metric_steps(events: list[dict]) -> list[int]:
    return [p["step"] for e in events if e["type"] == "metrics" for p in e["data"]["points"]]


def stream_until_final(url: str, token: str, timeout: float = 240) -> list[dict]:
    """Every message of a run's websocket until its final message."""
    messages = []
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=20) as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=deadline - time.monotonic()))
            messages.append(message)
            if message["type"] in ("finished", "failed", "stopped"):
                return messages
            if message["type"] == "snapshot" and message["data"]["run"]["status"] in ("succeeded", "failed",
                                                                                      "stopped"):
                return messages  # it ended before we connected: the snapshot holds the final message
    raise TimeoutError("no final message")


def final_message(messages: list[dict]) -> dict:
    """The one final message, live or (when the run ended first) in the snapshot."""
    finals = [m for m in messages[0]["data"]["events"] + messages[1:] if m["type"] in ("finished", "failed", "stopped")]
    assert len(finals) == 1, finals
    return finals[0]


def test_embedded_server_trains_a_run_and_streams_it_live(live_server):
    api = live_server.api
    run_id = submit(api, epochs=3, size=600)
    messages = stream_until_final(ws_url(live_server.url, f"/ws/runs/{run_id}/"), live_server.token)
    assert messages[0]["type"] == "snapshot"
    assert messages[0]["data"]["run"]["id"] == run_id
    final = final_message(messages)
    assert final["type"] == "finished", final
    assert final["data"]["status"] == "succeeded"
    assert {"pth", "safetensors", "model_py", "checkpoint"} <= set(final["data"]["files"])
    epochs = [m["data"]["epoch"] for m in messages if m["type"] == "epoch"]
    snapshot_epochs = [e["data"]["epoch"] for e in messages[0]["data"]["events"] if e["type"] == "epoch"]
    assert sorted(snapshot_epochs + epochs) == [1, 2, 3]
    # Live metrics plus the snapshot's: every logged step exactly once, in order.
    steps = metric_steps(messages[0]["data"]["events"]) + metric_steps([m for m in messages[1:]])
    assert steps == sorted(set(steps))
    status, stored = api.get(f"/api/runs/{run_id}/metrics")
    assert metric_steps(stored["events"]) == steps
    # Boundary grids ride on the epoch messages of a 2-D dataset.
    last_epoch = [m for m in messages if m["type"] == "epoch"] or [
        e for e in messages[0]["data"]["events"] if e["type"] == "epoch"]
    assert len(last_epoch[-1]["data"]["boundary"]["classes"]) == 64 * 64


@pytest.mark.services
def test_two_workers_drain_a_queue_in_parallel(scaled_out):
    _, _, token, api = web_and_user(scaled_out, "drain")
    ids = [submit(api, epochs=2, size=800) for _ in range(4)]
    scaled_out.start_worker("worker-a")
    scaled_out.start_worker("worker-b")
    runs = [api.wait_for(i, lambda r: r["status"] in ("succeeded", "failed"), what="an end") for i in ids]
    assert [r["status"] for r in runs] == ["succeeded"] * 4, [r["error"] for r in runs]
    workers = {r["worker"] for r in runs}
    assert len(workers) == 2, workers
    # In parallel: some run on one worker started before a run on the other had finished.
    by_worker = {w: [r for r in runs if r["worker"] == w] for w in workers}
    a, b = by_worker.values()
    assert any(x["started_at"] < y["finished_at"] and y["started_at"] < x["finished_at"] for x in a for y in b)


@pytest.mark.services
def test_a_worker_killed_mid_run_is_recovered_from_its_checkpoint(scaled_out):
    _, _, token, api = web_and_user(scaled_out, "kill")
    run_id = submit(api, epochs=120, size=1200)
    doomed = scaled_out.start_worker("doomed")
    # Wait for a checkpoint, then kill the worker with no chance to clean up.
    wait_for_checkpoint(scaled_out, run_id)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    killed_worker = api.get(f"/api/runs/{run_id}")[1]["worker"]
    rescuer = scaled_out.start_worker("rescuer")
    run = api.wait_for(run_id, lambda r: r["status"] in ("succeeded", "failed"), what="an end")
    assert run["status"] == "succeeded", (run["error"], logs(rescuer))
    assert run["worker"] != killed_worker
    status, stored = api.get(f"/api/runs/{run_id}/metrics")
    messages = [e["data"].get("message", "") for e in stored["events"] if e["type"] == "log"]
    assert any("stopped answering; resuming from the last checkpoint" in m for m in messages), messages
    assert [e["data"]["epoch"] for e in stored["events"] if e["type"] == "epoch"] == list(range(1, 121))
    assert_every_point_once(stored["events"])  # none lost between the last stored batch and the checkpoint


@pytest.mark.services
def test_sigterm_checkpoints_and_requeues_then_another_worker_finishes(scaled_out):
    _, _, token, api = web_and_user(scaled_out, "term")
    run_id = submit(api, epochs=40, size=1200)
    first = scaled_out.start_worker("first")
    wait_for_epoch(api, run_id, 1)
    os.killpg(first.pid, signal.SIGTERM)
    assert first.wait(timeout=60) == 0, logs(first)
    run = api.get(f"/api/runs/{run_id}")[1]
    assert run["status"] == "queued", (run, logs(first))
    scaled_out.start_worker("second")
    run = api.wait_for(run_id, lambda r: r["status"] in ("succeeded", "failed"), what="an end")
    assert run["status"] == "succeeded", run["error"]
    status, stored = api.get(f"/api/runs/{run_id}/metrics")
    logs_ = [e["data"]["message"] for e in stored["events"] if e["type"] == "log"]
    assert any("checkpoint written, run requeued" in m for m in logs_), logs_
    assert any(m.startswith("Resumed from") for m in logs_), logs_


@pytest.mark.services
def test_daphne_restarted_mid_run_loses_no_metric(scaled_out):
    daphne, base, token, api = web_and_user(scaled_out, "restart")
    port = int(base.rsplit(":", 1)[1])
    scaled_out.start_worker("worker")
    run_id = submit(api, epochs=5, size=1200)
    url = ws_url(base, f"/ws/runs/{run_id}/")
    seen: list[int] = []
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=20) as ws:
        snapshot = json.loads(ws.recv(timeout=20))
        seen += metric_steps(snapshot["data"]["events"])
        while len(seen) < 5:
            message = json.loads(ws.recv(timeout=60))
            if message["type"] == "metrics":
                seen += metric_steps([message])
    os.killpg(daphne.pid, signal.SIGTERM)
    daphne.wait(timeout=30)
    scaled_out.start_daphne(port)  # the same address, a new process
    messages = stream_until_final(url.replace("/?", "?") + f"?after={seen[-1]}", token)
    after = metric_steps(messages[0]["data"]["events"]) + metric_steps(messages[1:])
    assert final_message(messages)["type"] == "finished"
    assert after[0] > seen[-1]
    combined = seen + after
    assert combined == sorted(set(combined)), "no step twice, none out of order"
    status, stored = api.get(f"/api/runs/{run_id}/metrics")
    assert metric_steps(stored["events"]) == combined, "the database holds every step the client saw"
    log_every = 5
    assert combined == list(range(log_every, combined[-1] + 1, log_every)), "and no step is missing"


def wait_for_checkpoint(deployment, run_id: int, timeout: float = 180) -> None:
    """Until the run has a checkpoint to resume from (written every NETBUILDER_CHECKPOINT_SECONDS)."""
    path = deployment.var_dir / "runs" / str(run_id) / "checkpoints" / "checkpoint.pt"
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"run {run_id} never wrote a checkpoint"
        time.sleep(0.2)


def assert_every_point_once(events: list[dict], log_every: int = 5) -> None:
    steps = metric_steps(events)
    assert steps == list(range(log_every, steps[-1] + 1, log_every)), "every step's point, once, in order"


def wait_for_epoch(api: Api, run_id: int, epoch: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, stored = api.get(f"/api/runs/{run_id}/metrics")
        if any(e["type"] == "epoch" and e["data"]["epoch"] >= epoch for e in stored["events"]):
            return
        time.sleep(0.3)
    raise TimeoutError(f"run {run_id} never finished epoch {epoch}")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_embedded_server_stopped_mid_run_resumes_the_run_on_restart(tmp_path, sig):
    """`make run` killed (or Ctrl-C'd) mid-run: the next `make run` finishes the run from its checkpoint."""
    from tests.e2e.processes import Deployment

    deployment = Deployment(var_dir=tmp_path / "var")
    deployment.setup()
    token = deployment.create_user("solo", "solo-Strong-pass-1")
    port = free_port()
    try:
        server = deployment.start_serve(port)
        api = Api(f"http://127.0.0.1:{port}", token)
        run_id = submit(api, epochs=120, size=1200)
        wait_for_checkpoint(deployment, run_id)
        os.killpg(server.pid, sig)
        assert server.wait(timeout=60) in (0, -signal.SIGKILL), logs(server)
        deployment.start_serve(port)
        run = api.wait_for(run_id, lambda r: r["status"] in ("succeeded", "failed"), what="an end")
        assert run["status"] == "succeeded", run["error"]
        status, stored = api.get(f"/api/runs/{run_id}/metrics")
        assert [e["data"]["epoch"] for e in stored["events"] if e["type"] == "epoch"] == list(range(1, 121))
        messages = [e["data"]["message"] for e in stored["events"] if e["type"] == "log"]
        if sig == signal.SIGTERM:
            assert "Worker shutting down: checkpoint written, run requeued" in messages
        assert any(m.startswith("Resumed from") for m in messages), messages
        assert_every_point_once(stored["events"])
    finally:
        deployment.stop_all()


def test_a_run_past_the_time_limit_is_stopped_with_the_limit_named(tmp_path):
    from tests.e2e.processes import Deployment

    deployment = Deployment(var_dir=tmp_path / "var", extra_env={"NETBUILDER_MAX_RUN_SECONDS": "8"})
    deployment.setup()
    token = deployment.create_user("slow", "slow-Strong-pass-1")
    port = free_port()
    try:
        deployment.start_serve(port)
        api = Api(f"http://127.0.0.1:{port}", token)
        run_id = submit(api, epochs=500, size=1200)
        run = api.wait_for(run_id, lambda r: r["status"] in ("succeeded", "failed", "stopped"), what="an end")
        assert run["status"] == "stopped"
        assert run["error"] == ("Stopped: the run-time limit of 8 s was reached (NETBUILDER_MAX_RUN_SECONDS)")
        assert "pth" in run["files"], "the weights so far are kept"
    finally:
        deployment.stop_all()


def process_tree(pid: int) -> set[int]:
    """`pid`'s descendants that are still alive (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def test_a_sigkilled_server_takes_its_training_process_with_it(tmp_path):
    """Only the server process is killed (not its group): the fork server and the run's process end too."""
    from tests.e2e.processes import Deployment

    deployment = Deployment(var_dir=tmp_path / "var")
    deployment.setup()
    token = deployment.create_user("kill", "kill-Strong-pass-1")
    port = free_port()
    try:
        server = deployment.start_serve(port)
        api = Api(f"http://127.0.0.1:{port}", token)
        run_id = submit(api, epochs=500, size=1200)
        api.wait_for(run_id, lambda r: r["status"] == "running" and r["step"] > 0, what="steps")
        training = process_tree(server.pid)
        assert len(training) >= 2, "a fork server and the run's process"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 15
        while (alive := {p for p in training if os.path.exists(f"/proc/{p}") and not _zombie(p)}) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive, f"still running after the server was killed: {alive}"
    finally:
        deployment.stop_all()


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
