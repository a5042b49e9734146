"""Queue control: hold, release, priority, each queued run's place; continuing a run that has ended."""

from __future__ import annotations

import pytest
import torch

from builder.models import RunStatus, TrainingRun
from builder.services import runs as services
from tests.helpers import DIGITS_MLP

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def submit(client, **body):
    response = client.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", **body})
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_workers_take_higher_priorities_first_then_the_oldest_and_never_a_held_run(api, alice, settings):
    settings.NETBUILDER_MAX_ACTIVE_RUNS = 10
    as_alice = api.as_user(alice)
    first, second, third, fourth = (submit(as_alice) for _ in range(4))
    assert [as_alice.get(f"/api/runs/{r}").json()["queue_position"] for r in (first, second, third, fourth)] == [1, 2, 3, 4]
    assert as_alice.patch(f"/api/runs/{third}", {"priority": 5}).json()["priority"] == 5
    held = as_alice.post(f"/api/runs/{first}/hold").json()
    assert (held["held"], held["queue_position"]) == (True, None)
    assert [as_alice.get(f"/api/runs/{r}").json()["queue_position"] for r in (third, second, fourth)] == [1, 2, 3]
    assert [services.run_claim(worker="w").pk for _ in range(3)] == [third, second, fourth]
    assert services.run_claim(worker="w") is None  # the held run waits
    released = as_alice.post(f"/api/runs/{first}/release").json()
    assert (released["held"], released["queue_position"]) == (False, 1)
    assert services.run_claim(worker="w").pk == first


def test_a_list_and_a_queue_broadcast_read_every_place_from_one_query(api, alice, settings, monkeypatch,
                                                                   django_assert_max_num_queries):
    from builder import selectors

    settings.NETBUILDER_MAX_ACTIVE_RUNS = 30
    as_alice = api.as_user(alice)
    ids = [submit(as_alice) for _ in range(12)]
    as_alice.patch(f"/api/runs/{ids[5]}", {"priority": 3})
    expected = {ids[5]: 1, **{pk: place for place, pk in enumerate([i for i in ids if i != ids[5]], start=2)}}

    assert selectors.queue_positions() == expected
    assert {r.pk: selectors.queue_position(r) for r in TrainingRun.objects.all()} == expected
    listed = as_alice.get("/api/runs").json()
    assert {r["id"]: r["queue_position"] for r in listed} == expected
    sent: list[dict] = []
    monkeypatch.setattr(services, "run_publish", lambda run_id, message: sent.append(message["data"]))
    with django_assert_max_num_queries(1):  # the queued runs, and nothing per run
        services.broadcast_queue()
    assert {d["id"]: d["queue_position"] for d in sent} == expected


def test_only_a_queued_run_can_be_held_released_or_reprioritised(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice)
    services.run_claim(worker="w")
    for response in (as_alice.post(f"/api/runs/{run_id}/hold"), as_alice.post(f"/api/runs/{run_id}/release"),
                     as_alice.patch(f"/api/runs/{run_id}", {"priority": 1})):
        assert response.status_code == 409
        assert response.json()["detail"].endswith(f"run {run_id} is running")
    assert as_alice.patch(f"/api/runs/{run_id}", {"priority": 10**9}).status_code == 422  # bounded
    assert TrainingRun.objects.get(pk=run_id).held is False


def test_a_strangers_run_cannot_be_held_reprioritised_or_continued(api, alice, bob):
    run_id = submit(api.as_user(alice))
    as_bob = api.as_user(bob)
    for response in (as_bob.post(f"/api/runs/{run_id}/hold"), as_bob.post(f"/api/runs/{run_id}/release"),
                     as_bob.patch(f"/api/runs/{run_id}", {"priority": 3}),
                     as_bob.post(f"/api/runs/{run_id}/continue", {"epochs": 2})):
        assert response.status_code == 404
        assert response.json()["detail"] == f"No run {run_id}"
    assert TrainingRun.objects.get(pk=run_id).priority == 0


def ended_with_a_checkpoint(run_id: int, *, epochs: int = 3, step: int = 120) -> None:
    """The run as its worker leaves it after `epochs` epochs: succeeded, with its checkpoint on disk."""
    path = services.run_checkpoint_path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": epochs}, path)
    TrainingRun.objects.filter(pk=run_id).update(status=RunStatus.SUCCEEDED, epoch=epochs, step=step)


def test_continuing_a_run_queues_a_child_from_its_checkpoint_with_the_epochs_added(api, alice):
    as_alice = api.as_user(alice)
    parent = submit(as_alice, config={"epochs": 3, "lr": 0.01})
    ended_with_a_checkpoint(parent)
    response = as_alice.post(f"/api/runs/{parent}/continue", {"epochs": 4, "config": {"lr": 0.001}})
    assert response.status_code == 201, response.json()
    child = response.json()
    assert (child["parent"], child["status"], child["config"]["epochs"], child["config"]["lr"]) == (parent, "queued", 7, 0.001)
    assert (child["step"], child["epoch"]) == (120, 3)  # its steps go on from the parent's
    copy = services.run_continue_path(child["id"])
    assert torch.load(copy, weights_only=True) == {"epoch": 3}
    services.run_delete(run=TrainingRun.objects.get(pk=parent))
    assert copy.is_file()  # the parent's files can go: the child keeps its starting point


def test_continuing_needs_an_ended_run_with_a_checkpoint_and_good_options(api, alice):
    as_alice = api.as_user(alice)
    run_id = submit(as_alice)
    queued = as_alice.post(f"/api/runs/{run_id}/continue", {"epochs": 2})
    assert (queued.status_code, queued.json()["detail"]) == (409, f"Run {run_id} is queued; a run can be continued once it has ended")
    TrainingRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED)
    missing = as_alice.post(f"/api/runs/{run_id}/continue", {"epochs": 2})
    assert (missing.status_code, missing.json()["detail"]) == (409, f"Run {run_id} has no checkpoint to continue from")
    ended_with_a_checkpoint(run_id)
    assert as_alice.post(f"/api/runs/{run_id}/continue", {"epochs": 0}).status_code == 422
    bad = as_alice.post(f"/api/runs/{run_id}/continue", {"epochs": 2, "config": {"lr": -1}})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "config.lr"
    unknown = as_alice.post(f"/api/runs/{run_id}/continue", {"epochs": 2, "config": {"colour": 1}})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "config.colour"
    assert TrainingRun.objects.filter(parent_id=run_id).count() == 0
