"""A run's `status` message carries exactly its summary, as `GET /api/runs` lists it."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from builder.models import TrainingRun
from builder.runs import stream
from builder.services import runs as services
from tests.helpers import DIGITS_MLP

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_status_message_of_a_submit_and_a_stop_is_the_listed_summary(api, alice):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.user_runs_group(alice.pk), channel)
    client = api.as_user(alice)

    run = client.post("/api/runs", {"graph": DIGITS_MLP, "dataset": "digits", "config": {"epochs": 2}}).json()
    queued = json.loads(async_to_sync(layer.receive)(channel)["text"])
    assert queued["type"] == "status"
    listed = client.get("/api/runs").json()
    assert queued["data"] == next(r for r in listed if r["id"] == run["id"])

    services.run_stop(run=TrainingRun.objects.get(pk=run["id"]))
    stopped = json.loads(async_to_sync(layer.receive)(channel)["text"])
    assert stopped["data"]["status"] == "stopped"
    assert stopped["data"] == next(r for r in client.get("/api/runs").json() if r["id"] == run["id"])
