"""Websockets: one run's live stream, the user's run list, and the `training` channel's wake-ups."""

from __future__ import annotations

import json

from channels.consumer import AsyncConsumer
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from builder import selectors
from builder.engine.training import events
from builder.runs import stream

# Close codes: the browser can tell "log in again" from "no such run". A code only reaches the client
# on an accepted socket (closing during the handshake is an HTTP 403 with no code), so `refuse` accepts
# first; nothing is sent before the close.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


async def refuse(consumer: AsyncJsonWebsocketConsumer, code: int) -> None:
    """End the connection with `code`, which the client sees as the close event's code."""
    await consumer.accept()
    await consumer.close(code=code)


def _after(scope) -> int | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode()).get("after")
    if not values:
        return None
    try:
        return max(0, int(values[0]))
    except ValueError:
        return None


@database_sync_to_async
def _run_snapshot(user, run_id: int, after: int | None) -> dict | None:
    try:
        run = selectors.run_get(owner=user, run_id=run_id)
    except Http404:
        return None
    return selectors.run_snapshot(run=run, after=after)


@database_sync_to_async
def _run_list(user) -> list[dict]:
    positions = selectors.queue_positions()
    return [selectors.run_summary(r, positions) for r in selectors.run_list(owner=user)[:500]]


class RunConsumer(AsyncJsonWebsocketConsumer):
    """`ws/runs/{id}/`: a snapshot first, then live messages; the run's owner only."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await refuse(self, CLOSE_UNAUTHENTICATED)
            return
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        self.group = stream.run_group(self.run_id)
        # Join before reading the snapshot so nothing falls between the two; live messages that
        # the snapshot already holds are dropped by step in `run_message`.
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await _run_snapshot(user, self.run_id, _after(self.scope))
        if snapshot is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await refuse(self, CLOSE_NOT_FOUND)
            return
        self.last_step = max((e["data"].get("step", 0) for e in snapshot["events"] if e["type"] == events.METRICS),
                             default=_after(self.scope) or 0)
        await self.accept()
        await self.send_json({"type": events.SNAPSHOT, "data": snapshot})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        """Watchers only listen; control goes through the HTTP API."""

    async def run_message(self, event: dict) -> None:
        if "first_step" in event:  # metrics: drop what the snapshot (or an earlier message) held
            if event["step"] <= self.last_step:
                return
            if event["first_step"] <= self.last_step:
                message = json.loads(event["text"])
                points = [p for p in message["data"]["points"] if p["step"] > self.last_step]
                self.last_step = event["step"]
                await self.send_json({"type": events.METRICS, "data": {**message["data"], "points": points}})
                return
            self.last_step = event["step"]
        await self.send(text_data=event["text"])


class RunListConsumer(AsyncJsonWebsocketConsumer):
    """`ws/runs/`: the user's runs, then each status change as it happens."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await refuse(self, CLOSE_UNAUTHENTICATED)
            return
        self.group = stream.user_runs_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": events.SNAPSHOT, "data": {"runs": await _run_list(user)}})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def run_message(self, event: dict) -> None:
        await self.send(text_data=event["text"])


class TrainingConsumer(AsyncConsumer):
    """The `training` channel: a submitted or requeued run wakes this process's supervisor."""

    async def training_wake(self, message: dict) -> None:
        from builder.runs.worker import TrainingSupervisor

        if TrainingSupervisor.current is not None:
            TrainingSupervisor.current.wake()
