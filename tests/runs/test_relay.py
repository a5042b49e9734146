"""A run's relay stores every message before it sends it, also when the database is busy."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from django.db import OperationalError

from builder.engine.training import events
from builder.models import RunEvent, RunStatus, TrainingRun
from builder.runs import stream, worker
from builder.runs.worker import RunRelay
from builder.services import runs as services
from tests.helpers import MLP_GRAPH

pytestmark = pytest.mark.django_db(transaction=True)

POINTS = [{"step": s, "epoch": 1, "train_loss": 1.0 / s} for s in (1, 2, 3)]


@database_sync_to_async
def make_run(user) -> TrainingRun:
    return TrainingRun.objects.create(owner=user, graph=MLP_GRAPH, dataset="random", config={},
                                      status=RunStatus.RUNNING, worker="w1")


@database_sync_to_async
def stored(run: TrainingRun) -> list[tuple[str, dict]]:
    return list(RunEvent.objects.filter(run_id=run.pk).order_by("pk").values_list("type", "data"))


@pytest.fixture
def locked(monkeypatch):
    """The first `failures` stores meet "database is locked"; the calls are recorded."""
    real = services.run_events_append
    calls: list[list[dict]] = []

    def arrange(failures: int) -> list[list[dict]]:
        def append(*, run_id: int, events: list[dict]) -> None:
            calls.append(events)
            if len(calls) <= failures:
                raise OperationalError("database is locked")
            real(run_id=run_id, events=events)

        monkeypatch.setattr(services, "run_events_append", append)
        monkeypatch.setattr(worker, "STORE_RETRY_DELAYS", (0.01,))
        return calls

    return arrange


async def watcher(layer: InMemoryChannelLayer, run: TrainingRun) -> str:
    channel = await layer.new_channel()
    await layer.group_add(stream.run_group(run.pk), channel)
    return channel


async def test_a_flush_retried_after_database_is_locked_keeps_every_point(alice, locked):
    calls = locked(failures=2)
    run = await make_run(alice)
    layer = InMemoryChannelLayer()
    channel = await watcher(layer, run)
    relay = RunRelay(run.pk, alice.pk, layer)
    for point in POINTS:
        relay.add(events.metrics([point]))
    await relay.flush()

    assert len(calls) == 3  # two refusals, then stored
    assert await stored(run) == [("metrics", {"step": 3, "points": POINTS})]
    sent = json.loads((await layer.receive(channel))["text"])
    assert sent == {"type": "metrics", "data": {"step": 3, "points": POINTS}}
    assert relay.pending == []


async def test_points_that_cannot_be_stored_in_time_wait_for_the_next_flush(alice, locked, monkeypatch):
    calls = locked(failures=1)
    monkeypatch.setattr(worker, "STORE_RETRY_SECONDS", 0.0)  # give up at the first refusal
    run = await make_run(alice)
    layer = InMemoryChannelLayer()
    channel = await watcher(layer, run)
    relay = RunRelay(run.pk, alice.pk, layer)
    for point in POINTS[:2]:
        relay.add(events.metrics([point]))
    with pytest.raises(OperationalError, match="database is locked"):
        await relay.flush()
    assert [m["data"]["points"] for m in relay.pending] == [POINTS[:2]]  # back in the buffer, not dropped

    relay.add(events.metrics([POINTS[2]]))
    await relay.flush()
    assert len(calls) == 2
    assert await stored(run) == [("metrics", {"step": 3, "points": POINTS})]
    sent = json.loads((await layer.receive(channel))["text"])
    assert sent["data"]["points"] == POINTS


async def test_a_run_whose_model_failed_ends_with_the_node_in_its_error_and_final_message(alice):
    run = await make_run(alice)
    layer = InMemoryChannelLayer()
    channel = await watcher(layer, run)
    relay = RunRelay(run.pk, alice.pk, layer)
    error = "Node 'fc2' (Linear) failed at step 12: mat1 and mat2 shapes cannot be multiplied (64x31 and 32x10)"
    final = {**events.final("failed", message=error, node="fc2", layer="Linear"),
             "outcome": {"files": {}, "checkpoint": "", "traceback": "", "suspended": False, "steps": 11, "epochs": 0}}

    await worker.TrainingSupervisor(layer=layer, name="w1")._finish(run, relay, final, 0, object())

    done = await database_sync_to_async(TrainingRun.objects.get)(pk=run.pk)
    assert (done.status, done.error) == (RunStatus.FAILED, error)
    sent = json.loads((await layer.receive(channel))["text"])
    assert sent["type"] == "failed"
    assert (sent["data"]["message"], sent["data"]["node"], sent["data"]["layer"]) == (error, "fc2", "Linear")
    assert (await stored(run))[-1] == ("failed", sent["data"])


class StoredAtSendLayer:
    """A channel layer that, at each send, records which of the run's messages the database already holds."""

    def __init__(self, run: TrainingRun) -> None:
        self.run = run
        self.seen: list[tuple[dict, list[tuple[str, dict]]]] = []

    async def group_send(self, group: str, event: dict) -> None:
        assert group == stream.run_group(self.run.pk)
        self.seen.append((json.loads(event["text"]), await stored(self.run)))


async def test_every_message_is_in_the_database_before_it_is_sent(alice):
    run = await make_run(alice)
    layer = StoredAtSendLayer(run)
    relay = RunRelay(run.pk, alice.pk, layer)
    for point in POINTS:
        relay.add(events.metrics([point]))
    relay.add(events.log("Epoch 1 done"))
    await relay.publish({"type": events.EPOCH, "data": {"epoch": 1, "step": 3}})

    assert [sent["type"] for sent, _ in layer.seen] == ["metrics", "log", "epoch"]
    for sent, rows in layer.seen:
        assert (sent["type"], sent["data"]) in rows, sent  # stored first: a watcher's snapshot has it
    assert layer.seen[-1][1] == [("metrics", {"step": 3, "points": POINTS}), ("log", {"message": "Epoch 1 done"}),
                                 ("epoch", {"epoch": 1, "step": 3})]


async def test_files_written_after_the_final_message_join_the_run_and_its_stream(alice, tmp_path, settings):
    settings.NETBUILDER_RUNS_DIR = tmp_path
    run = await make_run(alice)
    layer = InMemoryChannelLayer()
    channel = await watcher(layer, run)
    relay = RunRelay(run.pk, alice.pk, layer)
    supervisor = worker.TrainingSupervisor(layer=layer, name="w1")
    pth, onnx = tmp_path / str(run.pk) / "model.pth", tmp_path / str(run.pk) / "model.onnx"
    final = {**events.final("succeeded", {"epoch": 1}, files=["pth"], pending=["onnx"]),
             "outcome": {"files": {"pth": str(pth)}, "checkpoint": "", "traceback": "", "suspended": False,
                         "steps": 3, "epochs": 1}}
    await supervisor._finish(run, relay, final, None, object())
    follow = {**events.files(["onnx", "pth"]), "outcome": {"files": {"onnx": str(onnx)}}}
    await supervisor._files(run, relay, follow)

    done = await database_sync_to_async(TrainingRun.objects.get)(pk=run.pk)
    assert done.status == RunStatus.SUCCEEDED
    assert done.files == {"pth": f"{run.pk}/model.pth", "onnx": f"{run.pk}/model.onnx"}
    sent = [json.loads((await layer.receive(channel))["text"]) for _ in range(2)]
    assert [m["type"] for m in sent] == ["finished", "files"]
    assert sent[0]["data"]["pending"] == ["onnx"] and sent[1]["data"] == {"files": ["onnx", "pth"]}
    assert [t for t, _ in await stored(run)] == ["finished", "files"]


async def test_a_process_that_ends_before_its_onnx_export_still_closes_the_stream(alice, tmp_path, settings):
    import asyncio
    from types import SimpleNamespace

    settings.NETBUILDER_RUNS_DIR = tmp_path
    run = await make_run(alice)
    layer = InMemoryChannelLayer()
    channel = await watcher(layer, run)
    proc = SimpleNamespace(messages=asyncio.Queue())
    pth = tmp_path / str(run.pk) / "model.pth"
    for message in (
        {**events.final("succeeded", {}, files=["pth"], pending=["onnx"]),
         "outcome": {"files": {"pth": str(pth)}, "checkpoint": "", "traceback": "", "suspended": False}},
        None,  # the process is gone: no `files` message came
    ):
        proc.messages.put_nowait(message)

    supervisor = worker.TrainingSupervisor(layer=layer, name="w1")
    assert await supervisor._relay(run, proc, RunRelay(run.pk, alice.pk, layer), None) is True

    sent = [json.loads((await layer.receive(channel))["text"]) for _ in range(2)]
    assert [m["type"] for m in sent] == ["finished", "files"]
    assert sent[1]["data"] == {"files": ["pth"],
                               "onnx_error": "The training process ended before its ONNX export finished"}
    done = await database_sync_to_async(TrainingRun.objects.get)(pk=run.pk)
    assert done.files["onnx_error"] == "The training process ended before its ONNX export finished"
