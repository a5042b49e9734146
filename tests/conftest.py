"""Shared fixtures. The suite runs on the embedded default (SQLite + in-memory channel layer);
`make test-services` runs the tests marked `services` again against real PostgreSQL + Redis."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

pytest_plugins = ["tests.e2e.browser"]  # the browser fixtures (top level: pytest loads plugins only here)


def _unreachable(url: str, default_port: int) -> str | None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as e:
        return f"{parsed.scheme} at {host}:{port} does not answer ({e})"


def pytest_collection_modifyitems(config, items):
    """In a services run, fail clearly when PostgreSQL or Redis is down; skip only when told to
    (NETBUILDER_SKIP_SERVICES=1), so a green `make test` always means the services tests ran."""
    problems = []
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        problems.append(_unreachable(os.environ["DATABASE_URL"], 5432))
    if os.environ.get("REDIS_URL"):
        problems.append(_unreachable(os.environ["REDIS_URL"], 6379))
    problems = [p for p in problems if p]
    if not problems:
        return
    reason = "; ".join(problems)
    if os.environ.get("NETBUILDER_SKIP_SERVICES") != "1":
        raise pytest.UsageError(
            f"the services tests need PostgreSQL and Redis, but {reason} "
            "(start them, or set NETBUILDER_SKIP_SERVICES=1 to skip these tests knowingly)"
        )
    for item in items:
        item.add_marker(pytest.mark.skip(reason=f"services unavailable: {reason}"))


@pytest.fixture
def password() -> str:
    return "correct-horse-battery-staple-42"


@pytest.fixture
def make_user(db, password):
    from django.contrib.auth import get_user_model

    def make(username: str = "alice"):
        return get_user_model().objects.create_user(username=username, password=password)

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def token_for():
    from builder.services.tokens import token_create

    def make(user) -> str:
        return token_create(user=user)

    return make


@pytest.fixture
def api(client):
    """A Django test client speaking JSON to /api/, authenticated by bearer token via `.as_user(user)`."""
    from tests.helpers import ApiClient

    return ApiClient(client)


@pytest.fixture(autouse=True)
def _isolated_var(tmp_path, settings):
    settings.NETBUILDER_RUNS_DIR = tmp_path / "runs"
    settings.NETBUILDER_UPLOADS_DIR = tmp_path / "uploads"


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
