# Motcua — `make help` lists the targets. The two a newcomer needs: `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export DATABASE_URL ?=
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/motcua_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# What the app runs at run time (`motcua doctor` checks them): poppler's pdftotext places a
# result's signature; Liberation's fonts print the forms with Vietnamese in a Times metric.
RUNTIME_PACKAGES := poppler-utils fonts-liberation2
# What only the tests need besides.
TEST_PACKAGES := chromium zbar-tools libharfbuzz-subset0 postgresql redis-server softhsm2 \
  libnss3-tools
SYSTEM_PACKAGES := $(RUNTIME_PACKAGES) $(TEST_PACKAGES)

# $(call apt_install,PACKAGES,WHEN-NOT-ROOT): install the missing Debian packages as root.
define apt_install
@missing=""; for p in $(1); do \
  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "Installing:$$missing"; apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
  else echo "Missing Debian packages:$$missing (run as root or install them)"; $(2); fi; \
fi
endef

.PHONY: help install run test test-fast lint typecheck bench services system-packages runtime-packages \
  screenshots clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(BIN)/pybabel compile --use-fuzzy -d motcua/translations >/dev/null
	touch $@

install: $(STAMP) ## Create .venv with Motcua installed (editable) and translations compiled

run: export MOTCUA_DEMO = 1
run: install runtime-packages ## Migrate SQLite under instance/, load the demo once, serve on 127.0.0.1:5000
	$(BIN)/motcua db upgrade
	$(BIN)/motcua demo
	@$(BIN)/motcua doctor || echo "(the demo runs; what is marked LỖI above will not work)"
	$(BIN)/motcua run --host 127.0.0.1 --port 5000

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

runtime-packages: ## Install the Debian packages the app needs at run time (when missing and root)
	$(call apt_install,$(RUNTIME_PACKAGES),true)

system-packages: ## Install the Debian packages the app and the tests need (when missing and root)
	$(call apt_install,$(SYSTEM_PACKAGES),exit 1)

services: system-packages ## Start PostgreSQL and Redis when they are not running
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done

test: $(TEST_STAMP) services ## Install test needs (Chromium included) and run every test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/python -m pytest

test-fast: $(TEST_STAMP) services ## The inner loop: every test but the browser tier, stop at the first failure
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/python -m pytest -x -q -m "not browser"

lint: $(TEST_STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(TEST_STAMP) services ## Benchmarks: ratios against a baseline measured in the same run
	@for b in bench/bench_*.py; do $(BIN)/python $$b; done

screenshots: $(TEST_STAMP) ## Refresh the README screenshots from the browser tests
	MOTCUA_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) instance
