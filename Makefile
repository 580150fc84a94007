# fieldledger — every target installs what it needs on a fresh machine (only python3 is assumed).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests seeds/config -type f 2>/dev/null) \
               dbt_project/dbt_project.yml dbt_project/profiles.yml

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_HOME ?= $(CURDIR)/.dagster
export PYTHONUNBUFFERED := 1

.PHONY: help venv manifest run test dev lint bench docs clean dashboard chromium java spark-venv test-spark

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)  ## create .venv and install the pinned dependencies

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet --profiles-dir .
	@touch $@

manifest: $(MANIFEST)  ## dbt parse: the manifest Dagster reads (never parsed at import)

run: $(MANIFEST)  ## the whole pipeline through Dagster on FIELDLEDGER_* settings (default: seeds/demo)
	$(PY) -m orchestration run

TEST_WORKERS ?= 2  # pytest-xdist processes: the suite is dbt runs, each mostly one core

test: $(MANIFEST) chromium  ## the whole test suite, from nothing (TEST_WORKERS=1 for one process)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The Spark lane (issue 15, README "On Spark"): its own extra and its own tests, never installed or run by make test
SPARK_STAMP := $(VENV)/.spark-$(shell cksum pyproject.toml | cut -d' ' -f1)

java:  ## Java 17 for local Spark (Debian's openjdk-17-jre-headless), installed when java is missing
	@command -v java >/dev/null || (apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless)

$(SPARK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	@rm -f $(VENV)/.spark-* && touch $@

spark-venv: $(SPARK_STAMP) java  ## .venv plus dbt-spark and pyspark (the pip extra `spark`) and Java

test-spark: spark-venv $(MANIFEST)  ## the demo on Spark and on DuckDB, every built mart compared (tests/spark)
	SPARK_LOCAL_IP=127.0.0.1 $(PY) -m pytest -q -p no:xdist -o addopts="-ra" tests/spark

dev: $(MANIFEST)  ## the Dagster UI on http://127.0.0.1:3000
	$(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

dashboard: $(STAMP)  ## the dashboard on http://127.0.0.1:8501, on the published warehouse (make run first)
	$(VENV)/bin/streamlit run orchestration/dashboard/app.py --server.address 127.0.0.1 --server.port 8501 \
	  --server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

chromium:  ## headless Chromium (Debian package) for the dashboard's browser test, installed when missing
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

LINT_DIR := dbt_project/target/lint

lint: $(MANIFEST)  ## ruff (Python) and sqlfluff (the SQL dbt compiles, duckdb dialect; see .sqlfluff)
	$(VENV)/bin/ruff check orchestration tests bench
	rm -rf $(LINT_DIR) && mkdir -p $(LINT_DIR)
	$(PY) -c "from pathlib import Path; from orchestration.landing import land; \
	  land(Path('seeds/demo'), Path('$(LINT_DIR)/build.duckdb'), progress=lambda m: None)"
	cd dbt_project && FIELDLEDGER_BUILD_DB=$(CURDIR)/$(LINT_DIR)/build.duckdb ../$(VENV)/bin/dbt compile --quiet \
	  --profiles-dir . --target-path $(CURDIR)/$(LINT_DIR)/target
	$(VENV)/bin/sqlfluff lint --config .sqlfluff $(LINT_DIR)/target/compiled/fieldledger

bench: $(MANIFEST)  ## benchmarks: 1M work order lines, every stage, the hand-written limit (BENCH_ARGS="--daily 4")
	$(PY) -m bench.run $(BENCH_ARGS)

DOCS_PORT ?= 8080

docs: $(MANIFEST)  ## dbt docs: builds the catalog of every model and column, serves it on http://127.0.0.1:8080
	cd dbt_project && ../$(VENV)/bin/dbt docs generate --profiles-dir .
	@echo "fieldledger: dbt docs on http://127.0.0.1:$(DOCS_PORT) (Ctrl-C stops)"
	cd dbt_project && ../$(VENV)/bin/dbt docs serve --profiles-dir . --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

clean:  ## remove build products (not the venv)
	rm -rf dbt_project/target dbt_project/logs warehouse exports bench/out
