"""`make test` never goes green with the PostgreSQL + Redis tests silently skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOWN = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/test", "REDIS_URL": "redis://127.0.0.1:1/0"}


def _services_run(**env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"CI", "NETBUILDER_SKIP_SERVICES"}} | DOWN | env
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "services", "-q", "-p", "no:cacheprovider",
         "tests/foundation/test_health.py"],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=300,
    )


def test_services_run_fails_and_names_the_service_when_it_does_not_answer():
    result = _services_run()
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "127.0.0.1:1 does not answer" in out
    assert "NETBUILDER_SKIP_SERVICES=1" in out


def test_services_run_skips_only_when_told_to():
    result = _services_run(NETBUILDER_SKIP_SERVICES="1")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "services unavailable" in result.stdout
