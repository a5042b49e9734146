"""Is each part of the deployment answering? Used by GET /healthz."""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection


def database_health() -> dict:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"backend": engine, "ok": True}
    except Exception as e:  # any driver error means "not answering"; the message says which
        return {"backend": engine, "ok": False, "error": str(e).strip()[:300]}


async def _layer_roundtrip(layer) -> None:
    channel = await layer.new_channel("healthz.")
    marker = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "marker": marker})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("marker") != marker:
        raise RuntimeError("channel layer returned another message")


async def channel_layer_health() -> dict:
    layer = get_channel_layer()
    backend = type(layer).__name__ if layer is not None else "none"
    if layer is None:
        return {"backend": backend, "ok": False, "error": "no channel layer configured"}
    try:
        await _layer_roundtrip(layer)
        return {"backend": backend, "ok": True}
    except Exception as e:  # connection refused, timeout...: reported, not raised
        return {"backend": backend, "ok": False, "error": (str(e) or type(e).__name__)[:300]}


async def health() -> dict:
    db = await sync_to_async(database_health)()
    layer = await channel_layer_health()
    return {"ok": db["ok"] and layer["ok"], "database": db, "channel_layer": layer}
