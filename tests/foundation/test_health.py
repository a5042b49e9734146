"""GET /healthz names the database and channel layer in use and whether each answers."""

from __future__ import annotations

import pytest

from tests.conftest import uses_postgres

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_healthz_names_the_backends_in_use_and_both_answer(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"backend": "postgresql" if uses_postgres() else "sqlite3", "ok": True}
    expected_layer = "RedisPubSubChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert body["channel_layer"] == {"backend": expected_layer, "ok": True}


def test_healthz_reports_a_channel_layer_that_does_not_answer(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Nothing listens on port 1: the layer must be reported down, not crash the view.
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["backend"] == "RedisPubSubChannelLayer"
    assert body["channel_layer"]["ok"] is False
    assert body["channel_layer"]["error"]
