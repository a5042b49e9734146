"""Bounded request bodies: one table from route to the largest body it may receive, and the ASGI
middleware that answers 413 before a body over it reaches Django.

A body is refused from its Content-Length before anything is read, and otherwise (chunked, or a
client that sends more than it announced) as soon as the bytes counted from `http.request`
messages pass the limit. Under Daphne, `netbuilder.daphne_limits` applies the same table earlier,
while Twisted receives the body, since Daphne hands an application the body only once it has it all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings

# Room for the multipart boundaries, part headers and small form fields around an uploaded file.
MULTIPART_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    setting: str  # the setting a user raises to allow more; named in the 413


def _routes() -> list[tuple[str, BodyLimit]]:
    """(path prefix, limit), first match wins: the one table of body limits by route."""
    upload = BodyLimit(
        # An upload carries the file and, next to it, form fields as large as a graph (`graph`, `options`).
        settings.NETBUILDER_MAX_UPLOAD_BYTES + settings.NETBUILDER_MAX_GRAPH_BYTES + MULTIPART_ENVELOPE_BYTES,
        "NETBUILDER_MAX_UPLOAD_BYTES",
    )
    graph_file = BodyLimit(
        settings.NETBUILDER_MAX_GRAPH_BYTES + MULTIPART_ENVELOPE_BYTES, "NETBUILDER_MAX_GRAPH_BYTES"
    )
    return [
        ("/api/datasets/uploads", upload),
        ("/api/weights", upload),
        ("/api/graphs/import", graph_file),
        ("/api", BodyLimit(settings.NETBUILDER_MAX_GRAPH_BYTES, "NETBUILDER_MAX_GRAPH_BYTES")),
        ("", BodyLimit(settings.NETBUILDER_MAX_FORM_BYTES, "NETBUILDER_MAX_FORM_BYTES")),
    ]


def body_limit_for(path: str) -> BodyLimit:
    """The largest body a request to `path` may carry."""
    for prefix, limit in _routes():
        if not prefix or path == prefix or path.startswith(prefix + "/"):
            return limit
    raise AssertionError("the table ends with a catch-all")


def too_large_body(limit: BodyLimit) -> bytes:
    """The 413 answer in the API's one error shape, naming the setting that bounds the body."""
    message = f"over the {limit.max_bytes:,}-byte limit for this route ({limit.setting})"
    return json.dumps(
        {
            "detail": f"The request body is {message}",
            "errors": [{"field": "body", "message": message}],
        }
    ).encode()


def content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The announced Content-Length, or None when absent or unreadable (the byte count still applies)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """ASGI middleware around the HTTP application: 413 for a body over its route's limit."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"])
        length = content_length(scope["headers"])
        if length is not None and length > limit.max_bytes:
            await self._refuse(send, limit)
            return

        received = 0
        refused = False
        response_started = False

        async def bounded_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    # The app sees the client go away; what is left of the body is never read.
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, bounded_receive, tracking_send)
        if refused and not response_started:
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send, limit: BodyLimit) -> None:
        body = too_large_body(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
