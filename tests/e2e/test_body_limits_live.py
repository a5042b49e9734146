"""Bounded requests against a real Daphne: a 300 MB POST before login is answered 413 while the
server keeps answering others, and its memory stays flat (it grew ~26x the body before)."""

from __future__ import annotations

import json
import select
import socket
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.e2e.processes import Deployment, free_port

BODY = 300 * 2**20
CHUNK = 256 * 1024
UPLOAD_LIMIT = 32 * 2**20  # NETBUILDER_MAX_UPLOAD_BYTES for this deployment


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def read_answer(sock: socket.socket) -> tuple[int, dict]:
    """Status and JSON body of the one response on `sock` (it carries a Content-Length)."""
    sock.settimeout(15)
    raw = b""
    while b"\r\n\r\n" not in raw:
        raw += sock.recv(65536)
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(lines[0].split(" ", 2)[1]), json.loads(body)


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    deployment = Deployment(
        var_dir=tmp_path_factory.mktemp("body-limits"),
        extra_env={"NETBUILDER_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)},
    )
    deployment.setup()
    token = deployment.create_user("limits-user", "limits-Strong-pass-4821")
    port = free_port()
    proc = deployment.start_daphne(port)
    try:
        yield port, proc, token
    finally:
        deployment.stop_all()


def post_head(path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=xyz\r\n{extra}\r\n"
    ).encode()


def test_an_announced_300_mb_upload_is_refused_from_its_headers(daphne):
    port, proc, _ = daphne
    before = rss_bytes(proc.pid)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(post_head("/api/datasets/uploads", f"Content-Length: {BODY}\r\n"))
        status, body = read_answer(sock)  # not one byte of the body was sent
    assert status == 413
    assert "NETBUILDER_MAX_UPLOAD_BYTES" in body["detail"]
    assert body["errors"][0]["field"] == "body"
    assert rss_bytes(proc.pid) - before < 100 * 2**20


def test_a_chunked_300_mb_upload_is_refused_past_the_limit_and_memory_stays_flat(daphne):
    port, proc, _ = daphne
    before = rss_bytes(proc.pid)
    chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
    sent, healthz = 0, None
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(post_head("/api/datasets/uploads", "Transfer-Encoding: chunked\r\n"))
        sock.settimeout(15)
        answered = False
        while sent < BODY and not answered:
            sock.sendall(chunk)
            sent += CHUNK
            if healthz is None and sent >= UPLOAD_LIMIT // 2:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                    healthz = response.status  # another request is served mid-upload
            answered = bool(select.select([sock], [], [], 0)[0])
        assert answered, f"no answer after {sent:,} bytes"
        status, body = read_answer(sock)
    limit = UPLOAD_LIMIT + 2 * 2**20 + 64 * 1024
    assert status == 413
    assert "NETBUILDER_MAX_UPLOAD_BYTES" in body["detail"]
    assert sent < limit + 16 * 2**20, f"refused only after {sent:,} bytes"
    assert healthz == 200
    assert rss_bytes(proc.pid) - before < 100 * 2**20, (
        f"RSS grew {(rss_bytes(proc.pid) - before) / 2**20:.0f} MB"
    )


def test_an_upload_under_the_limit_reaches_the_api_whole(daphne):
    port, _, token = daphne
    rows = 60_000  # ~1.3 MB: past FILE_UPLOAD_MAX_MEMORY_SIZE, so it spools to a temp file
    csv = b"a,b,label\n" + b"".join(f"{i},{i * 2},{'yes' if i % 2 else 'no'}\n".encode() for i in range(rows))
    parts = (
        b'--xyz\r\nContent-Disposition: form-data; name="options"\r\n\r\n'
        + json.dumps({"target": "label"}).encode()
        + b'\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + csv + b"\r\n--xyz--\r\n"
    )
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            post_head(
                "/api/datasets/uploads", f"Authorization: Bearer {token}\r\nContent-Length: {len(parts)}\r\n"
            )
            + parts
        )
        status, body = read_answer(sock)
    assert status == 201, body
    assert body["samples"] == rows
