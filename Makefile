# IL-2 Monitor: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements-dev.lock
TEST_PROCESSES ?= 2
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)

.PHONY: install run test lint lint-only lock format services browser mutation bench clean openapi-tools axe

# Every dependency from the hashed lock (scripts/lock regenerates it from pyproject.toml),
# then the project itself, built with the locked setuptools.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## make run: migrate, load the demo ward once, start web + Celery worker + beat.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_ward
	@scripts/run-local

## make test: lint, then every test (unit, integration, worker, browser) on PostgreSQL + Redis.
test: install services browser openapi-tools axe lint-only
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

lint: install lint-only

# ruff, the import boundaries (import-linter, contracts in pyproject.toml), types (mypy)
lint-only:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## make lock: regenerate requirements.lock and requirements-dev.lock after changing pyproject.toml
lock: install
	scripts/lock

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Test-only npm tools from their lock (Redocly; the official FHIR R4 JSON schema): issue 15.
openapi-tools:
	cd tools/openapi && npm ci --no-audit --no-fund --silent

services:
	@scripts/ensure-services

browser:
	@scripts/ensure-browser

# axe-core for the accessibility browser test, from the npm registry at install time only
# (tools/axe/package-lock.json); the test injects node_modules/axe-core/axe.min.js.
axe: tools/axe/node_modules/axe-core/axe.min.js

tools/axe/node_modules/axe-core/axe.min.js: tools/axe/package.json tools/axe/package-lock.json
	cd tools/axe && npm ci --no-audit --no-fund
	@touch $@

mutation: install
	scripts/mutation-test

## make bench: the benchmarks (real PostgreSQL, Redis and a worker); paste figures into docs/benchmarks.md
bench: install services
	$(BIN)/python bench/alert_latency.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/summary_load.py

clean:
	rm -rf $(VENV) var test-artifacts tools/axe/node_modules mutants .pytest_cache .ruff_cache .mypy_cache .hypothesis
