"""NetBuilder settings: every deployment choice comes from the environment.

Embedded default (no variables set): SQLite under ``var/``, Channels' in-memory layer, DEBUG off
(``DJANGO_DEBUG=1`` turns it on), the loopback hosts over plain http, a secret key generated once and
kept in ``var/secret_key``. Scaled out: ``DATABASE_URL`` (``postgres://...``), ``REDIS_URL``
(channels-redis), ``DJANGO_SECRET_KEY``, ``ALLOWED_HOSTS`` (which also turns on the HTTPS settings).
See ``docs/deploy.md``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from builder.engine.settings import EngineSettings  # plain Python: the engine's limits and folders

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NETBUILDER_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def _env_number(name: str, default, parse, what: str):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return parse(value)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name} must be {what}, got {value!r}") from e


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Off unless asked for: tracebacks and URL lists are for a developer's own machine.
DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, else one generated once and kept (0600) under var/, which every process that
    shares var/ reads; web servers on several machines need DJANGO_SECRET_KEY."""
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", LOOPBACK_HOSTS)
# A site served to named hosts is served over HTTPS (secure cookies, HSTS, redirect to https) unless
# NETBUILDER_HTTPS=0 says otherwise; the embedded default is plain http on the loopback.
NETBUILDER_HTTPS = env_bool("NETBUILDER_HTTPS", ALLOWED_HOSTS != LOOPBACK_HOSTS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # builder comes before channels so that its `runworker` (channels' own, plus the training
    # supervisor) is the one manage.py finds.
    "builder",
    "channels",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "builder.middleware.ApiJsonErrorsMiddleware",
]

ROOT_URLCONF = "netbuilder.urls"
ASGI_APPLICATION = "netbuilder.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# A connection is kept for DATABASE_CONN_MAX_AGE seconds and checked before reuse: opening one per call
# cost a worker a PostgreSQL connection (or SQLite's PRAGMAs) per 50 ms stream flush.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'netbuilder.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers and web server share the file: wait for locks instead of failing, and use WAL so
    # readers never block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis pub/sub: a run's message is published once and each Daphne process fans it out to its
    # own watchers, so 200 watchers cost one Redis message, not 200. Pub/sub delivers at most once,
    # which the design already assumes: the database holds every message and workers poll the queue.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
# Whitenoise serves the frontend build and the admin's files from where they are, collected or not and
# whether DEBUG is on or off (without this it looks in STATIC_ROOT only when DEBUG is off).
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

if NETBUILDER_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"builder": {"handlers": ["console"], "level": os.environ.get("NETBUILDER_LOG_LEVEL", "INFO")}},
}

# --- NetBuilder's own settings (limits are named in the errors that enforce them) ---
# The engine gets its limits and folders from these, once (builder.apps builds its EngineSettings);
# the engine's defaults are the defaults here.
NETBUILDER_DATA_DIR = Path(os.environ.get("NETBUILDER_DATA_DIR", VAR_DIR / "data")).resolve()
NETBUILDER_WEIGHTS_DIR = Path(
    os.environ.get("NETBUILDER_WEIGHTS_DIR") or os.environ.get("TORCH_HOME") or VAR_DIR / "weights"
).resolve()
NETBUILDER_RUNS_DIR = Path(os.environ.get("NETBUILDER_RUNS_DIR", VAR_DIR / "runs")).resolve()
NETBUILDER_UPLOADS_DIR = Path(os.environ.get("NETBUILDER_UPLOADS_DIR", VAR_DIR / "uploads")).resolve()
NETBUILDER_MAX_UPLOAD_BYTES = env_int("NETBUILDER_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
NETBUILDER_MAX_GRAPH_BYTES = env_int("NETBUILDER_MAX_GRAPH_BYTES", 2 * 1024 * 1024)
# Largest body for anything outside the API (login, signup, admin forms); routes: netbuilder/body_limits.py
NETBUILDER_MAX_FORM_BYTES = env_int("NETBUILDER_MAX_FORM_BYTES", 1024 * 1024)
NETBUILDER_MAX_ACTIVE_RUNS = env_int("NETBUILDER_MAX_ACTIVE_RUNS", 4)  # outside sweeps
# Queued + running runs of one user's sweeps (and so the most one sweep can have)
NETBUILDER_MAX_SWEEP_RUNS = env_int("NETBUILDER_MAX_SWEEP_RUNS", 64)
NETBUILDER_MAX_EPOCHS = env_int("NETBUILDER_MAX_EPOCHS", EngineSettings.max_epochs)
NETBUILDER_MAX_DATASET_BYTES = env_int("NETBUILDER_MAX_DATASET_BYTES", EngineSettings.max_dataset_bytes)
NETBUILDER_MAX_PARAMS = env_int("NETBUILDER_MAX_PARAMS", EngineSettings.max_params)  # the largest model
# A running run writes a checkpoint this often (and on stop, suspend and finish): a killed worker's run
# resumes from one at most this old.
# A run check or submission decodes its dataset in the request only below this (the float32 inputs); a
# bigger one is checked by its facts (shape, task, classes) and the run's own process loads the data.
NETBUILDER_CHECK_DECODE_BYTES = env_int("NETBUILDER_CHECK_DECODE_BYTES", 16 * 2**20)
NETBUILDER_CHECKPOINT_SECONDS = env_float("NETBUILDER_CHECKPOINT_SECONDS", EngineSettings.checkpoint_seconds)
NETBUILDER_MAX_RUN_SECONDS = env_int("NETBUILDER_MAX_RUN_SECONDS", 6 * 3600)
NETBUILDER_WORKER_SLOTS = env_int("NETBUILDER_WORKER_SLOTS", 0)  # 0: one per GPU, one on CPU
NETBUILDER_HEARTBEAT_SECONDS = env_int("NETBUILDER_HEARTBEAT_SECONDS", 5)
NETBUILDER_STALE_SECONDS = env_int("NETBUILDER_STALE_SECONDS", 30)
NETBUILDER_POLL_SECONDS = env_int("NETBUILDER_POLL_SECONDS", 2)

DATA_UPLOAD_MAX_MEMORY_SIZE = NETBUILDER_MAX_GRAPH_BYTES  # non-file fields; bodies: netbuilder/body_limits.py
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # bodies and uploaded files past this spool to temp files
