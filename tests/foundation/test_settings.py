"""Settings come from the environment, with safe defaults (checked in fresh processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "hosts": [h["address"] for h in settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", [])],
    "debug": settings.DEBUG,
    "secret": settings.SECRET_KEY,
    "allowed": settings.ALLOWED_HOSTS,
    "data_dir": str(settings.NETBUILDER_DATA_DIR),
}))
"""


def probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "NETBUILDER_DATA_DIR"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "netbuilder.settings", "NETBUILDER_VAR_DIR": str(tmp_path / "var")})
    clean.update(env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)


def settings_of(tmp_path: Path, **env: str) -> dict:
    result = probe(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_under_var_and_in_memory_layer(tmp_path):
    s = settings_of(tmp_path)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "var" / "netbuilder.sqlite3")
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["debug"] is True


def test_secret_key_is_generated_once_and_kept_under_var(tmp_path):
    first = settings_of(tmp_path)["secret"]
    second = settings_of(tmp_path)["secret"]
    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "var" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_database_url_selects_postgresql(tmp_path):
    s = settings_of(tmp_path, DATABASE_URL="postgres://postgres@db.example:5432/netbuilder")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "netbuilder"


def test_redis_url_selects_channels_redis(tmp_path):
    s = settings_of(tmp_path, REDIS_URL="redis://cache.example:6379/2")
    assert s["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert s["hosts"] == ["redis://cache.example:6379/2"]


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = probe(tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DEBUG is off" in result.stderr


def test_bad_boolean_is_named(tmp_path):
    result = probe(tmp_path, DEBUG="maybe")
    assert "DEBUG must be a boolean" in result.stderr


def test_data_dir_and_allowed_hosts_come_from_env(tmp_path):
    s = settings_of(tmp_path, NETBUILDER_DATA_DIR=str(tmp_path / "datasets"), ALLOWED_HOSTS="a.example, b.example")
    assert s["data_dir"] == str(tmp_path / "datasets")
    assert s["allowed"] == ["a.example", "b.example"]


@pytest.mark.parametrize("debug", ["0"])
def test_check_deploy_is_clean_with_debug_off_and_proper_env(tmp_path, debug):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({
        "DEBUG": debug,
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-0123456789",
        "ALLOWED_HOSTS": "netbuilder.example",
        "NETBUILDER_VAR_DIR": str(tmp_path / "var"),
    })
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
