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
    "https": [settings.NETBUILDER_HTTPS, getattr(settings, "SECURE_SSL_REDIRECT", False),
              getattr(settings, "SESSION_COOKIE_SECURE", False)],
    "data_dir": str(settings.NETBUILDER_DATA_DIR),
}))
"""


def probe(tmp_path: Path, script: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "ALLOWED_HOSTS", "NETBUILDER_HTTPS",
        "CSRF_TRUSTED_ORIGINS", "NETBUILDER_DATA_DIR"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "netbuilder.settings", "NETBUILDER_VAR_DIR": str(tmp_path / "var")})
    clean.update(env)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True)


def settings_of(tmp_path: Path, script: str = PROBE, **env: str) -> dict:
    result = probe(tmp_path, script, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_under_var_and_in_memory_layer(tmp_path):
    s = settings_of(tmp_path)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "var" / "netbuilder.sqlite3")
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["debug"] is False
    assert s["allowed"] == ["127.0.0.1", "localhost", "[::1]"]
    assert s["https"] == [False, False, False]  # plain http on the loopback: no redirect, no secure cookies


def test_debug_is_on_only_when_asked_for(tmp_path):
    assert settings_of(tmp_path, DJANGO_DEBUG="1")["debug"] is True
    assert settings_of(tmp_path, DJANGO_DEBUG="0")["debug"] is False
    assert settings_of(tmp_path, DEBUG="1")["debug"] is False  # only the prefixed name counts


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


def test_django_secret_key_wins_over_the_generated_one(tmp_path):
    assert settings_of(tmp_path, DJANGO_SECRET_KEY="k" * 60)["secret"] == "k" * 60
    assert not (tmp_path / "var" / "secret_key").exists()


def test_bad_boolean_is_named(tmp_path):
    result = probe(tmp_path, DJANGO_DEBUG="maybe")
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_named_hosts_are_served_over_https_unless_told_otherwise(tmp_path):
    assert settings_of(tmp_path, ALLOWED_HOSTS="netbuilder.example")["https"] == [True, True, True]
    assert settings_of(tmp_path, ALLOWED_HOSTS="192.168.1.5", NETBUILDER_HTTPS="0")["https"] == [False, False, False]


def test_data_dir_and_allowed_hosts_come_from_env(tmp_path):
    s = settings_of(tmp_path, NETBUILDER_DATA_DIR=str(tmp_path / "datasets"), ALLOWED_HOSTS="a.example, b.example")
    assert s["data_dir"] == str(tmp_path / "datasets")
    assert s["allowed"] == ["a.example", "b.example"]


PAGES = """
import json, django
django.setup()
from django.test import Client
page = Client().get("/no-such-page/", HTTP_HOST="127.0.0.1:8000")
api = Client().get("/api/no-such-thing", HTTP_HOST="127.0.0.1:8000")
static = Client().get("/static/admin/css/base.css", HTTP_HOST="127.0.0.1:8000")
print(json.dumps({"page": [page.status_code, page.content.decode()],
                  "api": [api.status_code, api["Content-Type"], api.content.decode()],
                  "static": [static.status_code, static["Content-Type"]]}))
"""


def test_a_404_page_lists_no_urls_unless_debug_is_asked_for_and_the_apis_stay_json(tmp_path):
    plain = settings_of(tmp_path, PAGES)
    assert plain["page"][0] == 404
    assert "<h1>Not Found</h1>" in plain["page"][1]
    assert "URLconf" not in plain["page"][1] and "api/" not in plain["page"][1]
    debug = settings_of(tmp_path, PAGES, DJANGO_DEBUG="1")
    assert debug["page"][0] == 404
    assert "Using the URLconf defined in" in debug["page"][1]
    for answer in (plain, debug):
        assert answer["api"] == [404, "application/json", '{"detail": "No API endpoint /api/no-such-thing", "errors": []}']
        assert answer["static"] == [200, "text/css; charset=\"utf-8\""]  # whitenoise, nothing collected


SQLITE = """
import json, threading, time, django
django.setup()
from django.db import connection, transaction

with connection.cursor() as c:
    c.execute("CREATE TABLE probe (n INTEGER)")
    c.execute("PRAGMA journal_mode")
    mode = c.fetchone()[0]
    c.execute("PRAGMA busy_timeout")
    busy_ms = c.fetchone()[0]
connection.close()
reading, errors = threading.Event(), []

def long_transaction():  # reads, then (after another request has come) writes
    try:
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT count(*) FROM probe")
            reading.set()
            time.sleep(0.5)
            c.execute("INSERT INTO probe VALUES (1)")
    except Exception as e:
        errors.append(f"long transaction: {e}")
    finally:
        connection.close()

def other_request():
    reading.wait()
    try:
        with transaction.atomic(), connection.cursor() as c:
            c.execute("INSERT INTO probe VALUES (2)")
    except Exception as e:
        errors.append(f"other request: {e}")
    finally:
        connection.close()

threads = [threading.Thread(target=long_transaction), threading.Thread(target=other_request)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with connection.cursor() as c:
    c.execute("SELECT n FROM probe ORDER BY rowid")
    rows = [r[0] for r in c.fetchall()]
print(json.dumps({"mode": mode, "busy_ms": busy_ms, "errors": errors, "rows": rows}))
"""


def test_sqlite_waits_for_a_long_transaction_instead_of_failing_another_request(tmp_path):
    # WAL, a busy timeout, and BEGIN IMMEDIATE: with a deferred BEGIN the long transaction's write
    # would fail with "database is locked" once the other request had written after its read.
    s = settings_of(tmp_path, SQLITE)
    assert (s["mode"], s["busy_ms"]) == ("wal", 30000)
    assert s["errors"] == []
    assert s["rows"] == [1, 2]  # the other request waited for the long transaction to commit


@pytest.mark.parametrize("debug", ["0"])
def test_check_deploy_is_clean_with_debug_off_and_proper_env(tmp_path, debug):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({
        "DJANGO_DEBUG": debug,
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
