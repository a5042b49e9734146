"""Sweeps over the API: every combination checked before any run is queued, then listed, stopped, deleted."""

from __future__ import annotations

import pytest

from builder.models import RunStatus, Sweep, TrainingRun
from builder.services import runs as run_services
from tests.helpers import DIGITS_MLP

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def sweep(client, **body):
    return client.post("/api/sweeps", {"graph": DIGITS_MLP, "dataset": "digits", "config": {"epochs": 2}, **body})


def test_a_grid_queues_one_checked_run_per_combination_named_by_its_values(api, alice):
    as_alice = api.as_user(alice)
    response = sweep(as_alice, name="lr x batch", grid={"lr": [0.1, 0.01], "batch_size": [16, 64]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["status"], body["options"], len(body["runs"])) == ("lr x batch", "queued", ["lr", "batch_size"], 4)
    runs = TrainingRun.objects.filter(pk__in=body["runs"]).order_by("id")
    assert [(r.config["lr"], r.config["batch_size"], r.config["epochs"]) for r in runs] == [
        (0.1, 16, 2), (0.1, 64, 2), (0.01, 16, 2), (0.01, 64, 2)]
    assert [r.name for r in runs][0] == "lr x batch · lr=0.1, batch_size=16"
    detail = as_alice.get(f"/api/sweeps/{body['id']}").json()
    assert [r["config"]["batch_size"] for r in detail["runs"]] == [16, 64, 16, 64]
    assert {r["params"] for r in detail["runs"]} == {64 * 32 + 32 + 32 * 10 + 10}  # DIGITS_MLP: 64-32-10
    assert all(r["sweep"] == body["id"] and r["flops"] > 0 for r in detail["runs"])
    assert [s["id"] for s in as_alice.get("/api/sweeps").json()] == [body["id"]]


def test_a_random_sweep_samples_its_space_with_its_seed(api, alice):
    as_alice = api.as_user(alice)
    space = {"lr": {"min": 1e-4, "max": 1e-1, "log": True}, "batch_size": {"min": 8, "max": 64}}
    body = sweep(as_alice, random={"samples": 3, "seed": 7, "space": space}).json()
    configs = [r.config for r in TrainingRun.objects.filter(pk__in=body["runs"]).order_by("id")]
    assert len(configs) == 3 and all(1e-4 <= c["lr"] <= 1e-1 and 8 <= c["batch_size"] <= 64 for c in configs)
    assert all(isinstance(c["batch_size"], int) for c in configs)
    again = sweep(as_alice, random={"samples": 3, "seed": 7, "space": space}).json()
    assert [r.config["lr"] for r in TrainingRun.objects.filter(pk__in=again["runs"]).order_by("id")] == [c["lr"] for c in configs]


def test_one_bad_combination_refuses_the_whole_sweep_naming_it_and_its_field(api, alice):
    as_alice = api.as_user(alice)
    response = sweep(as_alice, grid={"lr": [0.1, 50.0]})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Combination 2 of 2 (lr=50): config.lr:")
    assert (body["errors"][0]["field"], body["errors"][0]["combination"], body["errors"][0]["values"]) == ("config.lr", 2, {"lr": 50.0})
    assert TrainingRun.objects.count() == 0 and Sweep.objects.count() == 0


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"grid": {}}, "grid", "needs a grid of options or a random space"),
    ({"grid": {"lr": []}}, "grid.lr", "list of at least one value"),
    ({"grid": {"colour": [1, 2]}}, "grid.colour", "Unknown training option 'colour'"),
    ({"random": {"samples": 2, "space": {"optimizer": {"min": 0, "max": 1}}}}, "random.space.optimizer", "sample numbers only"),
    ({"random": {"samples": 2, "space": {"lr": {"min": 0, "max": 1, "log": True}}}}, "random.space.lr.log", "min > 0"),
    ({"random": {"samples": 0, "space": {"lr": {"min": 0.1, "max": 1}}}}, "random.samples", "from 1 to"),
])
def test_a_malformed_sweep_names_its_field(api, alice, body, field, words):
    response = sweep(api.as_user(alice), **body)
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["field"] == field
    assert words in response.json()["detail"]
    assert TrainingRun.objects.count() == 0


def test_more_runs_than_the_limit_is_refused_naming_the_limit(api, alice, settings):
    settings.NETBUILDER_MAX_SWEEP_RUNS = 3
    as_alice = api.as_user(alice)
    too_many = sweep(as_alice, grid={"lr": [0.1, 0.01], "batch_size": [16, 64]})
    assert too_many.status_code == 400
    assert too_many.json()["detail"] == "This sweep has 4 runs; the limit is 3 (NETBUILDER_MAX_SWEEP_RUNS)"
    assert sweep(as_alice, grid={"lr": [0.1, 0.01]}).status_code == 201
    busy = sweep(as_alice, grid={"lr": [0.1, 0.01]})
    assert busy.status_code == 429 and "already have 2 queued or running runs" in busy.json()["detail"]


def test_a_sweeps_runs_do_not_count_against_the_active_run_limit(api, alice, settings):
    settings.NETBUILDER_MAX_ACTIVE_RUNS = 1
    as_alice = api.as_user(alice)
    assert sweep(as_alice, grid={"lr": [0.1, 0.01, 0.001]}).status_code == 201
    assert as_alice.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits"}).status_code == 201


def test_several_architectures_are_compared_on_the_same_grid(api, alice):
    as_alice = api.as_user(alice)
    ids = [as_alice.post("/api/architectures", {"name": name, "graph": DIGITS_MLP}).json()["id"] for name in ("A", "B")]
    body = sweep(as_alice, graph=None, architectures=ids, grid={"lr": [0.1, 0.01]}).json()
    runs = TrainingRun.objects.filter(pk__in=body["runs"]).order_by("id")
    assert [(r.architecture_id, r.config["lr"]) for r in runs] == [(ids[0], 0.1), (ids[0], 0.01), (ids[1], 0.1), (ids[1], 0.01)]
    assert runs[2].name.endswith("B · lr=0.1")
    detail = as_alice.get(f"/api/sweeps/{body['id']}").json()
    assert [r["architecture_name"] for r in detail["runs"]] == ["A", "A", "B", "B"]


def test_stopping_a_sweep_stops_its_queued_and_running_runs(api, alice):
    as_alice = api.as_user(alice)
    body = sweep(as_alice, grid={"lr": [0.1, 0.01, 0.001]}).json()
    running = run_services.run_claim(worker="w")
    stopped = as_alice.post(f"/api/sweeps/{body['id']}/stop")
    assert stopped.status_code == 200
    runs = {r.pk: r for r in TrainingRun.objects.filter(pk__in=body["runs"])}
    assert runs[running.pk].stop_requested and runs[running.pk].status == RunStatus.RUNNING  # within a step
    assert [runs[i].status for i in body["runs"] if i != running.pk] == [RunStatus.STOPPED, RunStatus.STOPPED]
    assert stopped.json()["status"] == "running"


def test_a_strangers_sweep_is_404_and_deleting_ones_own_removes_its_runs(api, alice, bob):
    as_alice = api.as_user(alice)
    body = sweep(as_alice, grid={"lr": [0.1, 0.01]}).json()
    as_bob = api.as_user(bob)
    for response in (as_bob.get(f"/api/sweeps/{body['id']}"), as_bob.post(f"/api/sweeps/{body['id']}/stop"),
                     as_bob.delete(f"/api/sweeps/{body['id']}")):
        assert response.status_code == 404
        assert response.json()["detail"] == f"No sweep {body['id']}"
    assert as_bob.get("/api/sweeps").json() == []
    assert as_alice.delete(f"/api/sweeps/{body['id']}").status_code == 204
    assert not TrainingRun.objects.filter(pk__in=body["runs"]).exists() and not Sweep.objects.exists()


def test_the_check_answers_the_runs_a_sweep_would_queue_and_the_same_refusals_without_queueing(api, alice, settings):
    as_alice = api.as_user(alice)
    body = {"graph": DIGITS_MLP, "dataset": "digits", "config": {"epochs": 2}, "grid": {"lr": [0.1, 0.01]}}
    response = as_alice.post("/api/sweeps/check", body)
    assert response.status_code == 200, response.json()
    plan = response.json()
    assert (plan["options"], plan["count"]) == (["lr"], 2)
    assert [(r["values"], r["config"]["lr"], r["config"]["epochs"]) for r in plan["runs"]] == [
        ({"lr": 0.1}, 0.1, 2), ({"lr": 0.01}, 0.01, 2)]
    refused = as_alice.post("/api/sweeps/check", {**body, "grid": {"lr": [0.1, 50.0]}})
    assert refused.status_code == 400 and refused.json()["detail"].startswith("Combination 2 of 2 (lr=50): config.lr:")
    settings.NETBUILDER_MAX_SWEEP_RUNS = 1
    limited = as_alice.post("/api/sweeps/check", body)
    assert limited.json()["detail"] == "This sweep has 2 runs; the limit is 1 (NETBUILDER_MAX_SWEEP_RUNS)"
    assert TrainingRun.objects.count() == 0 and Sweep.objects.count() == 0
