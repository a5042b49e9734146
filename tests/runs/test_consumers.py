"""The run websockets through the real ASGI stack (Origin check, auth) with WebsocketCommunicator."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from builder.models import RunStatus, TrainingRun
from builder.runs import stream
from builder.services import runs as services
from netbuilder.asgi import application
from tests.helpers import MLP_GRAPH

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@database_sync_to_async
def make_run(user, *, steps=(10, 20, 30)) -> TrainingRun:
    run = TrainingRun.objects.create(owner=user, graph=MLP_GRAPH, dataset="random", config={}, status=RunStatus.RUNNING,
                                     worker="w1")
    services.run_events_append(run_id=run.pk, events=[
        {"type": "metrics", "step": s, "data": {"step": s, "points": [{"step": s, "epoch": 1, "train_loss": 1.0 / s}]}}
        for s in steps
    ] + [{"type": "epoch", "step": steps[-1], "data": {"epoch": 1, "train_loss": 0.5}}])
    return run


@database_sync_to_async
def token(user) -> str:
    from builder.services.tokens import token_create

    return token_create(user=user)


@database_sync_to_async
def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def communicator(path: str, *, bearer: str | None = None, origin: str | None = None, host: str | None = None,
                 cookie: str | None = None) -> WebsocketCommunicator:
    headers = []
    if host:
        headers.append((b"host", host.encode()))
    if bearer:
        headers.append((b"authorization", f"Bearer {bearer}".encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def close_code(ws: WebsocketCommunicator) -> int:
    """The code of a socket that is accepted and then closed at once, before any message."""
    connected, _ = await ws.connect()
    assert connected, "the handshake was refused: a close code never reaches the client then"
    message = await ws.receive_output()
    assert message["type"] == "websocket.close", message
    return message["code"]


async def test_owner_gets_the_snapshot_then_live_messages(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", bearer=await token(alice))
    connected, _ = await ws.connect()
    assert connected
    snapshot = await ws.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert snapshot["data"]["run"]["id"] == run.pk
    assert snapshot["data"]["run"]["status"] == "running"
    assert [e["data"]["step"] for e in snapshot["data"]["events"] if e["type"] == "metrics"] == [10, 20, 30]
    assert snapshot["data"]["events"][-1] == {"type": "epoch", "data": {"epoch": 1, "train_loss": 0.5}}

    layer = get_channel_layer()
    live = {"type": "metrics", "data": {"step": 40, "points": [{"step": 40, "epoch": 2, "train_loss": 0.1}]}}
    await layer.group_send(stream.run_group(run.pk), stream.group_event(live))
    assert await ws.receive_json_from() == live
    final = {"type": "finished", "data": {"status": "succeeded", "metrics": {"val_accuracy": 0.9}}}
    await layer.group_send(stream.run_group(run.pk), stream.group_event(final))
    assert await ws.receive_json_from() == final
    await ws.disconnect()


async def test_after_resumes_from_a_step_and_old_live_points_are_dropped(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/?after=20", bearer=await token(alice))
    connected, _ = await ws.connect()
    assert connected
    snapshot = await ws.receive_json_from()
    assert [e["data"]["step"] for e in snapshot["data"]["events"] if e["type"] == "metrics"] == [30]
    layer = get_channel_layer()
    # A live message the snapshot already holds (step 30) is not sent twice.
    stale = {"type": "metrics", "data": {"step": 30, "points": [{"step": 30, "epoch": 1, "train_loss": 0.3}]}}
    fresh = {"type": "metrics", "data": {"step": 31, "points": [{"step": 31, "epoch": 1, "train_loss": 0.2}]}}
    await layer.group_send(stream.run_group(run.pk), stream.group_event(stale))
    await layer.group_send(stream.run_group(run.pk), stream.group_event(fresh))
    assert await ws.receive_json_from() == fresh
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_another_user_gets_close_code_4404(alice, bob):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", bearer=await token(bob))
    assert await close_code(ws) == 4404


async def test_a_run_that_does_not_exist_gets_close_code_4404(alice):
    ws = communicator("/ws/runs/999999/", bearer=await token(alice))
    assert await close_code(ws) == 4404


async def test_a_browser_without_a_session_gets_close_code_4401(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", host="127.0.0.1:8000", origin="http://127.0.0.1:8000")
    assert await close_code(ws) == 4401


async def test_a_wrong_token_gets_close_code_4401(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", bearer="nb_not-a-token")
    assert await close_code(ws) == 4401


async def test_the_run_list_without_a_session_gets_close_code_4401():
    ws = communicator("/ws/runs/", host="localhost:8000", origin="http://localhost:8000")
    assert await close_code(ws) == 4401


async def test_a_session_from_the_pages_own_origin_gets_the_snapshot(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", host="localhost:8000", origin="http://localhost:8000",
                      cookie=await session_cookie(alice))
    connected, _ = await ws.connect()
    assert connected
    snapshot = await ws.receive_json_from()
    assert (snapshot["type"], snapshot["data"]["run"]["id"]) == ("snapshot", run.pk)
    await ws.disconnect()


@pytest.mark.parametrize("origin", [
    "http://localhost:9999",  # another port on the same host: another origin
    "http://localhost",  # no port is port 80
    "https://localhost:8000",  # another scheme
    "http://127.0.0.1:8000",  # an allowed host, but not the one this page was loaded from
])
async def test_a_session_from_another_origin_is_refused_at_the_handshake(alice, origin):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", host="localhost:8000", origin=origin, cookie=await session_cookie(alice))
    connected, _ = await ws.connect()
    assert not connected


async def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_origin(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", host="rebound.example:8000", origin="http://rebound.example:8000",
                      cookie=await session_cookie(alice))
    connected, _ = await ws.connect()
    assert not connected


async def test_csrf_trusted_origins_may_open_sockets_port_and_all(alice, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example:8443", "https://*.tools.example"]
    run = await make_run(alice)
    cookie = await session_cookie(alice)
    for origin, allowed in [("https://app.example:8443", True), ("https://app.example", False),
                            ("https://ci.tools.example", True), ("http://ci.tools.example", False)]:
        ws = communicator(f"/ws/runs/{run.pk}/", host="localhost:8000", origin=origin, cookie=cookie)
        connected, _ = await ws.connect()
        assert connected is allowed, origin
        await ws.disconnect()


async def test_a_client_without_origin_or_token_is_refused_at_the_handshake(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", host="localhost:8000", cookie=await session_cookie(alice))
    connected, _ = await ws.connect()
    assert not connected


async def test_a_foreign_origin_is_refused_even_with_a_token(alice):
    run = await make_run(alice)
    ws = communicator(f"/ws/runs/{run.pk}/", bearer=await token(alice), origin="http://evil.example")
    connected, _ = await ws.connect()
    assert not connected


async def test_run_list_socket_sends_the_users_runs_then_status_changes(alice, bob):
    mine = await make_run(alice)
    await make_run(bob)
    ws = communicator("/ws/runs/", bearer=await token(alice))
    connected, _ = await ws.connect()
    assert connected
    snapshot = await ws.receive_json_from()
    assert [r["id"] for r in snapshot["data"]["runs"]] == [mine.pk]
    await database_sync_to_async(services.run_finish)(run_id=mine.pk, worker="w1", status="succeeded",
                                                      metrics={"val_loss": 0.1})
    message = await ws.receive_json_from(timeout=3)
    assert message["type"] == "status"
    assert (message["data"]["id"], message["data"]["status"]) == (mine.pk, "succeeded")
    assert message["data"]["finished_at"] is not None  # with started_at: the browser's clock
    await ws.disconnect()
