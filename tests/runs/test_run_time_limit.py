"""NETBUILDER_MAX_RUN_SECONDS is the run's training time over every attempt, not per attempt."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer

from builder.models import RunStatus, TrainingRun
from builder.runs import worker
from builder.runs.worker import RunRelay
from builder.services import runs as services
from tests.helpers import MLP_GRAPH

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def make_run(user, trained_seconds: float) -> TrainingRun:
    return TrainingRun.objects.create(owner=user, graph=MLP_GRAPH, dataset="random", config={},
                                      status=RunStatus.RUNNING, worker="w1", trained_seconds=trained_seconds)


async def watch_briefly(run: TrainingRun, seconds: float) -> SimpleNamespace:
    """Run the worker's watcher over a stand-in process for `seconds`; return the process."""
    layer = InMemoryChannelLayer()
    proc = SimpleNamespace(stop=threading.Event())
    supervisor = worker.TrainingSupervisor(layer=layer, name="w1")
    task = asyncio.create_task(supervisor._watch(run, proc, RunRelay(run.pk, run.owner_id, layer)))
    await asyncio.sleep(seconds)
    task.cancel()
    return proc


async def test_a_requeued_run_is_stopped_when_its_earlier_attempts_used_the_time(alice, settings):
    settings.NETBUILDER_MAX_RUN_SECONDS = 20
    run = await make_run(alice, trained_seconds=19.5)  # an earlier attempt trained 19.5 s
    proc = await watch_briefly(run, 1.6)
    assert proc.stop.is_set()
    assert proc.time_limited is True


async def test_a_run_with_time_left_keeps_training_and_its_heartbeat_stores_the_total(alice, settings):
    settings.NETBUILDER_MAX_RUN_SECONDS = 20
    settings.NETBUILDER_HEARTBEAT_SECONDS = 0
    run = await make_run(alice, trained_seconds=5.0)
    proc = await watch_briefly(run, 1.2)
    assert not proc.stop.is_set()
    stored = await database_sync_to_async(lambda: TrainingRun.objects.get(pk=run.pk).trained_seconds)()
    assert 5.4 <= stored <= 7.0  # the earlier 5 s plus this attempt's time, as of the last heartbeat


def test_a_requeue_keeps_the_training_time_so_far(alice):
    run = TrainingRun.objects.create(owner=alice, graph=MLP_GRAPH, dataset="random", config={},
                                     status=RunStatus.RUNNING, worker="w1", trained_seconds=3.0)
    services.run_requeue(run_id=run.pk, worker="w1", checkpoint="c.pt", trained_seconds=12.5)
    run.refresh_from_db()
    assert (run.status, run.trained_seconds) == (RunStatus.QUEUED, 12.5)
