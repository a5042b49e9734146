"""End-to-end fixtures: real servers in real processes (see processes.py) and a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.processes import Api, Deployment, create_pg_database, drop_pg_database, free_port

USERNAME, PASSWORD = "e2e-user", "e2e-Strong-pass-4821"


@dataclass
class LiveServer:
    url: str
    deployment: Deployment
    token: str

    @property
    def api(self) -> Api:
        return Api(self.url, self.token)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _live_server_helper():
    """pytest-django's own helper for its `live_server`; ours is a real process and needs none."""
    yield


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The embedded default as `make run` starts it: one `manage.py serve` (Daphne + worker)."""
    deployment = Deployment(var_dir=tmp_path_factory.mktemp("live-server"))
    deployment.setup()
    token = deployment.create_user(USERNAME, PASSWORD)
    port = free_port()
    deployment.start_serve(port)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", deployment=deployment, token=token)
    finally:
        deployment.stop_all()


@pytest.fixture(scope="session")
def user_credentials(live_server) -> tuple[str, str]:
    return USERNAME, PASSWORD


@pytest.fixture
def scaled_out(tmp_path) -> Iterator[Deployment]:
    """A PostgreSQL + Redis deployment on a fresh database; the test starts its own processes."""
    url, name = create_pg_database()
    redis_db = 2 + (abs(hash(name)) % 10)
    deployment = Deployment(var_dir=tmp_path / "var", database_url=url,
                            redis_url=f"redis://127.0.0.1:6379/{redis_db}")
    deployment.setup()
    try:
        yield deployment
    finally:
        deployment.stop_all()
        drop_pg_database(name)
