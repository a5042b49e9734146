"""Sweeps and continued runs end to end: PostgreSQL + Redis, a Daphne process, two `runworker training`."""

from __future__ import annotations

import pytest

from tests.e2e.test_runs_live import PLAYGROUND, metric_steps, web_and_user

pytestmark = [pytest.mark.e2e, pytest.mark.services]

ENDED = ("succeeded", "failed", "stopped")


def spiral_sweep(api, *, epochs: int, lrs: list[float]) -> dict:
    status, body = api.post("/api/sweeps", {
        "graph": PLAYGROUND, "dataset": "spirals", "dataset_options": {"size": 800},
        "config": {"epochs": epochs, "batch_size": 16, "log_every": 5}, "grid": {"lr": lrs}})
    assert status == 201, body
    return body


def test_a_four_run_sweep_drains_in_parallel_on_two_workers(scaled_out):
    _, _, _, api = web_and_user(scaled_out, "sweeper")
    body = spiral_sweep(api, epochs=2, lrs=[0.1, 0.03, 0.01, 0.003])
    scaled_out.start_worker("worker-a")
    scaled_out.start_worker("worker-b")
    runs = [api.wait_for(i, lambda r: r["status"] in ENDED, what="an end") for i in body["runs"]]
    assert [r["status"] for r in runs] == ["succeeded"] * 4, [r["error"] for r in runs]
    workers = {r["worker"] for r in runs}
    assert len(workers) == 2, workers
    a, b = ([r for r in runs if r["worker"] == w] for w in workers)
    assert any(x["started_at"] < y["finished_at"] and y["started_at"] < x["finished_at"] for x in a for y in b)
    status, detail = api.get(f"/api/sweeps/{body['id']}")
    assert detail["status"] == "succeeded"
    assert all(r["final_metrics"]["val_loss"] > 0 for r in detail["runs"])


def test_stopping_a_sweep_stops_its_running_and_queued_runs(scaled_out):
    _, _, _, api = web_and_user(scaled_out, "stopper")
    body = spiral_sweep(api, epochs=200, lrs=[0.1, 0.03, 0.01, 0.003])
    scaled_out.start_worker("worker-a")
    scaled_out.start_worker("worker-b")
    running = [api.wait_for(i, lambda r: r["status"] == "running" and r["step"] > 0, what="a step")
               for i in body["runs"][:2]]
    assert len({r["worker"] for r in running}) == 2  # one on each worker
    status, stopped = api.post(f"/api/sweeps/{body['id']}/stop", {})
    assert status == 200, stopped
    runs = [api.wait_for(i, lambda r: r["status"] in ENDED, what="an end") for i in body["runs"]]
    assert [r["status"] for r in runs] == ["stopped"] * 4
    assert [r["epoch"] < 200 for r in runs] == [True] * 4
    assert api.get(f"/api/sweeps/{body['id']}")[1]["status"] == "stopped"


def test_a_continued_run_numbers_its_steps_on_from_its_parents_last(scaled_out):
    _, _, _, api = web_and_user(scaled_out, "continuer")
    status, parent = api.post("/api/runs", {
        "graph": PLAYGROUND, "dataset": "spirals", "dataset_options": {"size": 600},
        "config": {"epochs": 2, "batch_size": 16, "log_every": 5}})
    assert status == 201, parent
    scaled_out.start_worker("worker")
    parent = api.wait_for(parent["id"], lambda r: r["status"] in ENDED, what="an end")
    assert parent["status"] == "succeeded", parent["error"]
    status, child = api.post(f"/api/runs/{parent['id']}/continue", {"epochs": 2, "config": {"lr": 0.001}})
    assert status == 201, child
    child = api.wait_for(child["id"], lambda r: r["status"] in ENDED, what="an end")
    assert (child["status"], child["parent"], child["epoch"]) == ("succeeded", parent["id"], 4)
    parent_steps = metric_steps(api.get(f"/api/runs/{parent['id']}/metrics")[1]["events"])
    stored = api.get(f"/api/runs/{child['id']}/metrics")[1]["events"]
    child_steps = metric_steps(stored)
    assert child_steps[0] == parent_steps[-1] + 1  # the child's first step follows its parent's last
    assert [e["data"]["epoch"] for e in stored if e["type"] == "epoch"] == [3, 4]
    logs = [e["data"]["message"] for e in stored if e["type"] == "log"]
    assert any(m.startswith(f"Continuing run {parent['id']} from epoch 3, step {parent_steps[-1]}") for m in logs), logs
    assert any("the optimizer starts fresh: lr" in m for m in logs), logs
