# The front door. Two commands get a city's IT team from a clone to a running stack:
#   make dev    creates .venv, installs everything, starts the local stack with demo data
#   make test   installs everything and runs the whole suite (browser tests included)
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
UV    := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export PYTHONPATH := $(CURDIR)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export POWERTOOLS_TRACE_DISABLED := 1

.PHONY: help install dev test test-fast synth deploy lint format bench clean

help:
	@echo "make dev | test | test-fast | synth | deploy | lint | bench | clean"

$(UV):
	python3 -m pip install --quiet --user "uv>=0.5,<1"

# Python: the lock file (uv.lock) pins every package; --frozen refuses a stale lock.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev
	@touch $@

# Front-end libraries: pinned in web/package-lock.json, copied into web/public/vendor
# by the package's postinstall script, served from our own origin.
web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed web/node_modules/.installed

dev: install
	$(VENV)/bin/rtcc dev

test: install
	$(PY) -m pytest --cov --cov-report=term --cov-report=xml -q

test-fast: install
	$(PY) -m pytest -q -m "not e2e and not infra"

synth: install
	$(PY) infra/app.py

deploy: install
	npm ci --prefix infra --no-audit --no-fund
	npx --prefix infra cdk deploy --app "$(PY) infra/app.py" $(CDK_ARGS)

lint: install
	$(VENV)/bin/ruff check layers functions infra tests bench kvs_ingest
	$(VENV)/bin/ruff format --check layers functions infra tests bench kvs_ingest

format: install
	$(VENV)/bin/ruff check --fix layers functions infra tests bench kvs_ingest
	$(VENV)/bin/ruff format layers functions infra tests bench kvs_ingest

bench: install
	@set -e; for f in bench/*.py; do \
	  case $$f in */common.py) continue;; esac; \
	  $(PY) $$f; \
	done

clean:
	rm -rf cdk.out .build .pytest_cache .coverage coverage.xml
