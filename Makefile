# Hậu Giang telecom infrastructure GIS — every target is one unit of work (see `make help`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
PGPORT ?= 5433
PGPORT_TEST ?= 5434
PY := .venv/bin/python
FUZZ_EXAMPLES ?= 100
# SAMPLE_REFORM=1: the sample and two more former provinces, merged by the 2025 reform into one city (data/hamlets/city/).
SAMPLE_REFORM ?=
SEED_REFORM := $(if $(SAMPLE_REFORM),--reform)
PG := PGPORT=$(PGPORT) PGPORT_TEST=$(PGPORT_TEST) scripts/pg.sh
# Without DATABASE_URL we run (and own) this checkout's clusters (scripts/pg.sh): `make run` logs the
# service in as hg_app with a password and runs the owner's steps as the superuser over the socket;
# `make test` (and `make fuzz`) use a throw-away cluster of their own.
LOCAL_DB := $(if $(DATABASE_URL),,1)
ifeq ($(LOCAL_DB),1)
export DATABASE_URL := $(shell $(PG) url app run)
export DATABASE_OWNER_URL := $(shell $(PG) url owner run)
test fuzz: DATABASE_URL := $(shell $(PG) url owner test)
test fuzz: DATABASE_OWNER_URL :=
endif
export PGPORT PGPORT_TEST

.PHONY: help setup db stop db-reset migrate seed sample compute run test test-fast fuzz bench bench-country lint \
	test-deps backup restore db-test basemap

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

# The offline basemap's water: Debian's GSHHG shorelines and WDBII rivers (LGPL), cut to the region's
# outline widened by 25 km (round edges, no rectangle).
GSHHG := /usr/share/gmt-gshhg/binned_GSHHS_h.nc
WATER := build/basemap/water.json
$(GSHHG):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gmt-gshhg-high >/dev/null

$(WATER): $(GSHHG) .venv/.stamp gis/gshhg.py gis/region_clip.py scripts/build_water.py $(shell find data/hamlets -name province.geojson)
	$(PY) scripts/build_water.py --out $@

basemap: $(WATER) ## the offline map's water (sea, lakes, rivers, canals) for the region, into build/basemap/

db: ## start this checkout's PostGIS cluster, unless DATABASE_URL points elsewhere
ifeq ($(LOCAL_DB),1)
	@scripts/pg.sh start run
else
	@echo "db: using DATABASE_URL from the environment"
endif

db-test: ## start this checkout's test cluster (no durability, no passwords), unless DATABASE_URL is set
ifeq ($(LOCAL_DB),1)
	@scripts/pg.sh start test
endif

stop: ## stop this checkout's clusters
	@scripts/pg.sh stop run
	@scripts/pg.sh stop test

db-reset: ## wipe this checkout's cluster and start an empty one
	@scripts/pg.sh reset run

migrate: setup db ## create the database and extension if needed, apply migrations
	$(PY) -m app.cli migrate

seed: migrate ## (re)load the sample province from data/hamlets/ (SAMPLE_REFORM=1: with its 2025 reform)
	$(PY) -m app.cli seed --force $(SEED_REFORM)

sample: setup ## regenerate data/hamlets/ from the deterministic generator (seed 2023)
	$(PY) -m gis.synthetic --seed 2023 --out data/hamlets

compute: migrate ## recompute coverage, dead zones and FTTH reach over the whole province
	$(PY) -m app.cli compute

# --no-proxy-headers: the app alone decides whose X-Forwarded-For to believe (TRUSTED_PROXIES).
run: migrate basemap ## set everything up and serve the map on http://$(HOST):$(PORT)
	$(PY) -m app.cli seed $(SEED_REFORM)
	$(PY) -m app.cli ensure-admin
	$(PY) -m app.cli compute --if-missing
	$(PY) -m uvicorn app.main:app --host $(HOST) --port $(PORT) --no-proxy-headers

test-deps: ## Debian's Chromium (browser tests) and GDAL's ogrinfo/ogr2ogr (client tests)
	@command -v chromium >/dev/null && command -v ogrinfo >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gdal-bin >/dev/null; }

test: setup db-test test-deps basemap ## run the whole suite against a real PostGIS (headless Chromium, GDAL)
	$(PY) -m pytest -q

fuzz: setup db-test test-deps ## schemathesis on every API operation, anonymous and planner, FUZZ_EXAMPLES (100) random examples each: long
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(PY) -m pytest -q tests/workflow/test_schemathesis.py

test-fast: setup ## database-free tests only (gis/)
	$(PY) -m pytest -q tests/gis

backup: setup db ## dump the database to backups/<name>-<UTC time>.dump (pg_dump custom format), or FILE=…
	$(PY) -m app.cli backup $(FILE)

restore: setup db ## restore FILE=… all or nothing (FORCE=1 replaces a database that holds data)
	@test -n "$(FILE)" || { echo "restore: give FILE=backups/….dump" >&2; exit 2; }
	$(PY) -m app.cli restore "$(FILE)" $(if $(FORCE),--force)

bench: migrate ## latency and recompute tables over the sample data (SAMPLE_REFORM=1: its reformed city; not part of test)
	$(PY) -m app.cli seed $(SEED_REFORM)
	$(PY) -m bench.coverage_full
	$(PY) -m bench.coverage_scale --fractions 0.01 0.03 0.1
	$(PY) -m bench.run
	$(PY) -m bench.point
	$(PY) -m bench.tiles
	$(PY) -m bench.web_map
	$(PY) -m bench.imports
	$(PY) -m bench.body_limit
	$(PY) -m bench.proposals

bench-country: setup ## the country-sized coverage run (330,000 km², 110,000 sites, 100 m): minutes
	$(PY) -m bench.coverage_scale --fractions 1.0 --polygons

lint: setup ## ruff
	$(PY) -m ruff check app gis tests bench migrations
