"""Bounded requests: a body over its route's limit is answered 413, naming the setting, from its
Content-Length before anything is read, or as soon as a chunked body's bytes pass the limit."""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator

from netbuilder.asgi import application
from netbuilder.body_limits import body_limit_for

CHUNK = 64 * 1024


def http_scope(path: str, headers: list[tuple[bytes, bytes]] = ()) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def read_response(communicator: ApplicationCommunicator) -> tuple[int, dict]:
    start = await communicator.receive_output(timeout=10)
    assert start["type"] == "http.response.start"
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], json.loads(body)


@pytest.mark.parametrize(
    ("path", "setting"),
    [
        ("/api/datasets/uploads", "NETBUILDER_MAX_UPLOAD_BYTES"),
        ("/api/weights", "NETBUILDER_MAX_UPLOAD_BYTES"),
        ("/api/weights/check", "NETBUILDER_MAX_UPLOAD_BYTES"),
        ("/api/graphs/import", "NETBUILDER_MAX_GRAPH_BYTES"),
        ("/api/graphs/validate", "NETBUILDER_MAX_GRAPH_BYTES"),
        ("/api/runs", "NETBUILDER_MAX_GRAPH_BYTES"),
        ("/accounts/login/", "NETBUILDER_MAX_FORM_BYTES"),
        ("/api-lookalike", "NETBUILDER_MAX_FORM_BYTES"),
    ],
)
def test_each_route_is_bounded_by_the_setting_that_governs_it(path, setting):
    assert body_limit_for(path).setting == setting


def test_an_upload_route_leaves_room_for_the_form_fields_around_a_file_at_the_limit(settings):
    assert body_limit_for("/api/datasets/uploads").max_bytes > settings.NETBUILDER_MAX_UPLOAD_BYTES
    assert body_limit_for("/accounts/signup/").max_bytes == settings.NETBUILDER_MAX_FORM_BYTES


async def test_an_announced_body_over_the_limit_is_refused_before_any_of_it_is_sent(settings):
    size = settings.NETBUILDER_MAX_FORM_BYTES + 1
    communicator = ApplicationCommunicator(
        application,
        http_scope(
            "/accounts/login/",
            [
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(size).encode()),
            ],
        ),
    )
    status, body = await read_response(communicator)  # no http.request message was ever sent
    assert status == 413
    assert "NETBUILDER_MAX_FORM_BYTES" in body["detail"]
    assert f"{settings.NETBUILDER_MAX_FORM_BYTES:,}-byte" in body["detail"]
    assert body["errors"][0]["field"] == "body"
    assert "NETBUILDER_MAX_FORM_BYTES" in body["errors"][0]["message"]
    await communicator.wait(timeout=5)


async def test_an_announced_upload_over_the_limit_names_the_upload_setting(settings):
    settings.NETBUILDER_MAX_UPLOAD_BYTES = 300 * 2**20
    size = 301 * 2**20 + settings.NETBUILDER_MAX_GRAPH_BYTES
    communicator = ApplicationCommunicator(
        application,
        http_scope(
            "/api/datasets/uploads",
            [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", str(size).encode())],
        ),
    )
    status, body = await read_response(communicator)
    assert status == 413
    assert "NETBUILDER_MAX_UPLOAD_BYTES" in body["detail"]
    await communicator.wait(timeout=5)


async def test_a_chunked_upload_over_the_limit_is_refused_as_soon_as_it_passes_it(settings):
    settings.NETBUILDER_MAX_UPLOAD_BYTES = 256 * 1024
    limit = body_limit_for("/api/datasets/uploads").max_bytes
    communicator = ApplicationCommunicator(
        application,
        http_scope(
            "/api/datasets/uploads",
            [(b"content-type", b"multipart/form-data; boundary=x"), (b"transfer-encoding", b"chunked")],
        ),
    )
    sent = 0
    while sent < 20 * limit:
        await communicator.send_input({"type": "http.request", "body": b"x" * CHUNK, "more_body": True})
        sent += CHUNK
        if not await communicator.receive_nothing(timeout=0.05):
            break
    assert sent <= limit + 2 * CHUNK, f"refused only after {sent:,} bytes (limit {limit:,})"
    status, body = await read_response(communicator)
    assert status == 413
    assert "NETBUILDER_MAX_UPLOAD_BYTES" in body["detail"]
    assert body["errors"] == [{"field": "body", "message": body["errors"][0]["message"]}]
    await communicator.wait(timeout=5)


@pytest.mark.django_db(transaction=True)
async def test_a_body_under_the_limit_reaches_the_app_as_before(alice):
    from asgiref.sync import sync_to_async

    from builder.services.tokens import token_create
    from tests.helpers import DIGITS_MLP

    token = await sync_to_async(token_create)(user=alice)
    graph = json.dumps(DIGITS_MLP).encode()
    communicator = ApplicationCommunicator(
        application,
        http_scope(
            "/api/graphs/validate",
            [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(graph)).encode()),
                (b"authorization", f"Bearer {token}".encode()),
            ],
        ),
    )
    await communicator.send_input({"type": "http.request", "body": graph[:100], "more_body": True})
    await communicator.send_input({"type": "http.request", "body": graph[100:], "more_body": False})
    status, body = await read_response(communicator)
    assert status == 200, body
    assert body["ok"] is True
    await communicator.wait(timeout=5)
