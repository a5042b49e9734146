"""Real processes for end-to-end tests: Daphne, `runworker training`, `serve`, each with its own
environment, talking over real sockets to a real database and channel layer."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("NETBUILDER_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("NETBUILDER_TEST_REDIS", "redis://127.0.0.1:6379/2")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Deployment:
    """One NetBuilder deployment: its settings (environment) and the processes started for it."""

    var_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        env.update({
            "NETBUILDER_VAR_DIR": str(self.var_dir),
            "PYTHONUNBUFFERED": "1",
            "NETBUILDER_HEARTBEAT_SECONDS": "1",
            "NETBUILDER_STALE_SECONDS": "10",
            "NETBUILDER_POLL_SECONDS": "1",
            "NETBUILDER_CHECKPOINT_SECONDS": "1",  # a killed run has a checkpoint soon
            "OMP_NUM_THREADS": "1",
        })
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def manage(self, *args: str, check: bool = True) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def setup(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v", "0")

    def create_user(self, username: str, password: str) -> str:
        """Create a user and return a personal token for them."""
        self.manage("shell", "-c", (
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({username!r}, password={password!r})"))
        return self.manage("create_token", username).strip()

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.var_dir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        proc.log_path = self.var_dir / f"{name}.log"  # type: ignore[attr-defined]
        self.processes.append(proc)
        return proc

    def start_daphne(self, port: int) -> subprocess.Popen:
        proc = self.start("-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "netbuilder.asgi:application",
                          name=f"daphne-{port}")
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        return proc

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start("manage.py", "runworker", "training", name=name)

    def start_serve(self, port: int) -> subprocess.Popen:
        proc = self.start("manage.py", "serve", "--port", str(port), name=f"serve-{port}")
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def logs(proc: subprocess.Popen) -> str:
    return Path(proc.log_path).read_text(errors="replace")[-4000:]  # type: ignore[attr-defined]


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}:\n{logs(proc)}")
        try:
            with urlopen(url, timeout=2):
                return
        except HTTPError:
            return  # it answers
        except (URLError, ConnectionError, OSError):
            time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer in {timeout} s" + (f":\n{logs(proc)}" if proc else ""))


def create_pg_database() -> tuple[str, str]:
    """A fresh PostgreSQL database for one deployment; returns (url, name)."""
    import psycopg

    name = f"nb_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Api:
    """A tiny JSON client for a live server, authenticated with a bearer token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | list | None]:
        data = json.dumps(body).encode() if body is not None else None
        request = Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def get(self, path: str):
        return self.call("GET", path)

    def post(self, path: str, body: dict | None = None):
        return self.call("POST", path, body or {})

    def wait_for(self, run_id: int, predicate, timeout: float = 180, what: str = "") -> dict:
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            status, run = self.get(f"/api/runs/{run_id}")
            assert status == 200, run
            if predicate(run):
                return run
            time.sleep(0.3)
        raise TimeoutError(f"run {run_id} never got {what or 'there'}; last: {json.dumps(run)[:800]}")


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://").rstrip("/") + path
