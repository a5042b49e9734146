# NetBuilder: `make run` to use it, `make test` to check it. Both set everything up themselves and
# skip what is already done.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The PostgreSQL + Redis that the `services` tests run against (this machine runs both).
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/1

FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	$(wildcard frontend/index.html frontend/vite.config.ts frontend/tsconfig*.json frontend/package.json)

.PHONY: run test test-python test-services test-frontend bench lint setup api-types

# DEBUG (tracebacks in the browser) only where nobody else can reach the server: on for the
# loopback default, off for any other HOST; DJANGO_DEBUG=0 or 1 says otherwise.
DJANGO_DEBUG ?= $(if $(filter 127.0.0.1 localhost ::1,$(HOST)),1,0)

run: setup
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(PY) manage.py serve --host $(HOST) --port $(PORT)

test: setup /usr/bin/chromium test-frontend test-python test-services

test-frontend: frontend/node_modules/.installed
	cd frontend && npm test --silent

test-python: setup
	$(PY) -m pytest

test-services: setup
	DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) $(PY) -m pytest -m services

bench: setup
	$(PY) bench/run_all.py

# The browser's wire types, generated from the API's OpenAPI schema (tests/api/test_api_types.py checks them).
api-types: $(VENV)/.installed frontend/node_modules/.installed
	$(PY) -m scripts.api_types

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check builder netbuilder tests bench
	$(VENV)/bin/mypy builder/engine

setup: $(VENV)/.installed frontend/dist/index.html
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py collectstatic --noinput -v 0

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent
	@touch $@

# Browser tests drive Debian's chromium; never a downloaded browser.
/usr/bin/chromium:
	$(SUDO) apt-get install -y -q chromium || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)
