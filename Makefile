# OpenDVC — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
# uv from PATH, else where `pip install --user` puts it (often not on PATH): recipes call $(UV), never `uv`.
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PY := .venv/bin/python
export UV_LINK_MODE ?= copy

.PHONY: run install migrate seed test test-sqlite test-postgres lint format bench bench-http bench-payments e2e worker beat openapi check-deploy clean

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
# A system-wide install lands elsewhere: link it where $(UV) points.
	@test -x "$(UV)" || { mkdir -p "$(dir $(UV))" && ln -sf "$$(python3 -c 'import uv; print(uv.find_uv_bin())')" "$(UV)"; }

install: | $(UV)
	$(UV) sync --frozen

migrate: install
	@mkdir -p var/static
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Links in mail, receipt QR codes and survey invitations point at the address served, unless
# PORTAL_BASE_URL is set. On a wildcard address (0.0.0.0) the portal takes the host of each request;
# the worker and scheduler, which have no request, use 127.0.0.1.
WILDCARD_HOST = $(filter 0.0.0.0 :: [::],$(HOST))
SERVED_BASE_URL = $(or $(PORTAL_BASE_URL),$(if $(WILDCARD_HOST),,http://$(HOST):$(PORT)))
TASKS_BASE_URL = $(or $(PORTAL_BASE_URL),http://$(if $(WILDCARD_HOST),127.0.0.1,$(HOST)):$(PORT))

## Serve the portal on SQLite with demo data at http://$(HOST):$(PORT)
run: seed
	PORTAL_BASE_URL='$(SERVED_BASE_URL)' $(PY) manage.py runserver $(HOST):$(PORT)

## Whole suite on SQLite (and PostgreSQL when DATABASE_URL points at it)
test: install
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check src bench e2e
	$(UV) run ruff format --check src bench e2e

format: install
	$(UV) run ruff format src bench e2e
	$(UV) run ruff check --fix src bench e2e

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# The gateway's IPN over HTTP (PostgreSQL, Redis broker), written to docs/performance.md; run on a
# quiet machine (DATABASE_URL, REDIS_URL: see bench/bench_payments.py).
bench-payments: install
	$(PY) bench/bench_payments.py --write

# Every figure over HTTP beside /api/v1/ping, written to docs/performance.md (bench/bench_http.py).
bench-http: install
	$(PY) bench/bench_http.py $(BENCH_ARGS)

e2e: install
	$(PY) -m pytest -m e2e src e2e $(PYTEST_ARGS)

worker: install
	PORTAL_BASE_URL='$(TASKS_BASE_URL)' $(PY) -m celery -A opendvc worker -l info

beat: install
	PORTAL_BASE_URL='$(TASKS_BASE_URL)' $(PY) -m celery -A opendvc beat -l info

openapi: install
	$(PY) manage.py export_openapi > docs/openapi.json

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))') \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
	LOOKUP_HASH_KEY=x CACHE_BACKEND=database AUDIT_MAC_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(32))') \
	ALLOWED_HOSTS=dichvucong.example.vn PORTAL_BASE_URL=https://dichvucong.example.vn $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/e2e var/mail
