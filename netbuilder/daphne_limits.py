"""The body limits of `netbuilder.body_limits`, applied inside Daphne while Twisted receives a body.

Daphne hands the application a request only once Twisted holds its whole body, and then queues
all of it at once; so without this a 300 MB POST sits in memory before any ASGI middleware sees
it. Twisted also parses every multipart POST in memory into `request.args`, which Daphne never
reads: that parse is what made memory grow ~26x the body. `install()` swaps in a request class
that skips that parse, answers 413 from Content-Length once the headers are in, counts the bytes
of a chunked body as they arrive, and discards whatever follows a refusal.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from daphne import http_protocol
from twisted.internet import reactor

from netbuilder.body_limits import BodyLimit, body_limit_for, too_large_body

# How long a refused client may go on sending (discarded) before the connection is closed:
# draining lets it read the 413 instead of a reset; the bound stops a body that never ends.
DRAIN_SECONDS = 10


class _Discard:
    """Stands in for the body file after a refusal: nothing written is kept."""

    closed = False

    def write(self, data: bytes) -> None:
        pass

    def tell(self) -> int:
        return 0

    def seek(self, *args) -> int:
        return 0

    def read(self, *args) -> bytes:
        return b""

    def close(self) -> None:
        self.closed = True


class BoundedWebRequest(http_protocol.WebRequest):
    """Daphne's request, with the route's body limit enforced as the body arrives."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._parsePOSTFormSubmission = False  # Daphne passes the raw body on; nothing reads `args`
        self._body_limit: BodyLimit | None = None
        self._body_received = 0
        self._body_refused = False

    def gotLength(self, length: int | None) -> None:
        target = urlsplit(self.channel._path or b"/")
        self._body_limit = body_limit_for(unquote(target.path.decode("latin-1")))
        if length is not None and length > self._body_limit.max_bytes:
            self._refuse_body()
            return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        if self._body_refused:
            return
        self._body_received += len(data)
        if self._body_limit is not None and self._body_received > self._body_limit.max_bytes:
            self.content.close()
            self._refuse_body()
            return
        super().handleContentChunk(data)

    def process(self):
        if self._body_refused:
            self.channel.transport.loseConnection()  # the 413 is out; the body has been drained
            return None
        return super().process()

    def _refuse_body(self) -> None:
        assert self._body_limit is not None
        self._body_refused = True
        self.content = _Discard()
        # Twisted would answer `Expect: 100-continue` next, inviting the body we refuse.
        self.requestHeaders.removeHeader(b"Expect")
        body = too_large_body(self._body_limit)
        self.channel.transport.write(
            b"HTTP/1.1 413 Content Too Large\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n" + body
        )
        transport = self.channel.transport
        reactor.callLater(DRAIN_SECONDS, transport.loseConnection)


def install() -> None:
    """Make Daphne build `BoundedWebRequest`s (its factory looks the class up on each connection)."""
    http_protocol.WebRequest = BoundedWebRequest
