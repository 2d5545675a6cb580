# IL-2 Monitor: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install run test lint lint-only format services browser mutation bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## make run: migrate, load the demo ward once, start web + Celery worker + beat.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_ward
	@scripts/run-local

## make test: lint, then every test (unit, integration, worker, browser) on PostgreSQL + Redis.
test: install services browser lint-only
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest

lint: install lint-only

# ruff, the import boundaries (import-linter, contracts in pyproject.toml), types (mypy)
lint-only:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

services:
	@scripts/ensure-services

browser:
	@scripts/ensure-browser

mutation: install
	scripts/mutation-test

## make bench: the benchmarks (real PostgreSQL, Redis and a worker); paste figures into docs/benchmarks.md
bench: install services
	$(BIN)/python bench/alert_latency.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/summary_load.py

clean:
	rm -rf $(VENV) var test-artifacts mutants .pytest_cache .ruff_cache .mypy_cache .hypothesis
