# OpenDVC — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PY := .venv/bin/python
export UV_LINK_MODE ?= copy

.PHONY: run install migrate seed test test-sqlite test-postgres lint format bench e2e worker beat openapi check-deploy clean

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

install: | $(UV)
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv sync --frozen

migrate: install
	@mkdir -p var/static
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## Serve the portal on SQLite with demo data at http://$(HOST):$(PORT)
run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

## Whole suite on SQLite (and PostgreSQL when DATABASE_URL points at it)
test: install
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

lint: install
	uv run ruff check src bench e2e
	uv run ruff format --check src bench e2e

format: install
	uv run ruff format src bench e2e
	uv run ruff check --fix src bench e2e

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

e2e: install
	$(PY) -m pytest -m e2e e2e $(PYTEST_ARGS)

worker: install
	$(PY) -m celery -A opendvc worker -l info

beat: install
	$(PY) -m celery -A opendvc beat -l info

openapi: install
	$(PY) manage.py export_openapi > docs/openapi.json

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))') \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
	LOOKUP_HASH_KEY=x CACHE_BACKEND=database AUDIT_MAC_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(32))') \
	ALLOWED_HOSTS=dichvucong.example.vn $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/e2e var/mail
