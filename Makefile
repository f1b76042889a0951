# Hậu Giang telecom infrastructure GIS — every target is one unit of work (see `make help`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
PGPORT ?= 5433
PY := .venv/bin/python
FUZZ_EXAMPLES ?= 100
# Without DATABASE_URL we run (and own) a project-local cluster in .pg/.
LOCAL_DB := $(if $(DATABASE_URL),,1)
export DATABASE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:$(PGPORT)/hgtelecom
export PGPORT

.PHONY: help setup db stop db-reset migrate seed sample compute run test test-fast fuzz bench bench-country lint test-deps

help: ## list every target
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.venv/.stamp: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

frontend/node_modules/.stamp: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: .venv/.stamp frontend/node_modules/.stamp ## virtualenv, Python and npm packages (idempotent)

db: ## start the project-local PostGIS cluster (.pg/), unless DATABASE_URL points elsewhere
ifeq ($(LOCAL_DB),1)
	@scripts/pg.sh start
else
	@echo "db: using DATABASE_URL from the environment"
endif

stop: ## stop the project-local cluster
	@scripts/pg.sh stop

db-reset: ## wipe the project-local cluster and start an empty one
	@scripts/pg.sh reset

migrate: setup db ## create the database and extension if needed, apply migrations
	$(PY) -m app.cli migrate

seed: migrate ## (re)load the sample province from data/hamlets/
	$(PY) -m app.cli seed --force

sample: setup ## regenerate data/hamlets/ from the deterministic generator (seed 2023)
	$(PY) -m gis.synthetic --seed 2023 --out data/hamlets

compute: migrate ## recompute coverage, dead zones and FTTH reach over the whole province
	$(PY) -m app.cli compute

run: migrate ## set everything up and serve the map on http://$(HOST):$(PORT)
	$(PY) -m app.cli seed
	$(PY) -m app.cli ensure-admin
	$(PY) -m app.cli compute --if-missing
	$(PY) -m uvicorn app.main:app --host $(HOST) --port $(PORT)

test-deps: ## Debian's Chromium (browser tests) and GDAL's ogrinfo/ogr2ogr (client tests)
	@command -v chromium >/dev/null && command -v ogrinfo >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gdal-bin >/dev/null; }

test: setup db test-deps ## run the whole suite against a real PostGIS (headless Chromium, GDAL)
	$(PY) -m pytest -q

fuzz: setup db ## schemathesis on every API operation, anonymous and planner, FUZZ_EXAMPLES (100) random examples each: long
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(PY) -m pytest -q tests/workflow/test_schemathesis.py

test-fast: setup ## database-free tests only (gis/)
	$(PY) -m pytest -q tests/gis

bench: migrate ## latency and recompute tables over the sample data (not part of test)
	$(PY) -m app.cli seed
	$(PY) -m bench.coverage_full
	$(PY) -m bench.coverage_scale --fractions 0.01 0.03 0.1
	$(PY) -m bench.run
	$(PY) -m bench.imports

bench-country: setup ## the country-sized coverage run (330,000 km², 110,000 sites, 100 m): minutes
	$(PY) -m bench.coverage_scale --fractions 1.0 --polygons

lint: setup ## ruff
	$(PY) -m ruff check app gis tests bench migrations
