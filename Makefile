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

.PHONY: help install dev test test-fast synth bootstrap deploy lint format bench clean

help:
	@echo "make dev | test | test-fast | synth | bootstrap | deploy | lint | bench | clean"
	@echo "  synth, bootstrap, deploy: CONFIG=city.toml (or RTCC_DEPLOY_CONFIG)"

# The city's deployment config. bootstrap and deploy refuse to guess it: the example's
# region is not the city's. The CDK CLI is the one pinned in infra/package-lock.json.
CONFIG ?= $(RTCC_DEPLOY_CONFIG)
need-config = $(if $(CONFIG),,$(error set CONFIG=path/to/city.toml, the config to bootstrap or deploy))
CDK := npx --prefix infra cdk
CDK_APP := --app "$(PY) infra/app.py" -c config="$(CONFIG)"
# infra/first_deploy.py reads CDK_ARGS too, to refuse what it cannot follow.
export CDK_ARGS
# deploy chooses its unprotected first-deploy pass by asking AWS with the shell's credentials;
# a --profile only the CDK CLI sees could make it ask another account than the one deployed to.
no-profile = $(if $(findstring --profile,$(CDK_ARGS)),$(error CDK_ARGS holds --profile: make deploy \
  would check whether the stack exists with other credentials than the CDK CLI's. Set AWS_PROFILE \
  instead (boto3 and the CDK CLI both read it), e.g. AWS_PROFILE=city-prod make deploy CONFIG=city.toml))

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
	$(if $(CONFIG),RTCC_DEPLOY_CONFIG="$(CONFIG)") $(PY) infra/app.py

# Once per account and region: the region (and account, if set) come from CONFIG.
bootstrap: install
	$(need-config)
	npm ci --prefix infra --no-audit --no-fund
	$(CDK) bootstrap $(CDK_APP) $(CDK_ARGS)

# While the stack has never been created, a first pass deploys its named tables and user
# pool unprotected, so a failed create rolls back cleanly and can simply be retried; the
# second pass turns deletion and termination protection on (infra/first_deploy.py, which
# also refuses to choose when the account holds the stack's tables but not the stack).
deploy: install
	$(need-config)
	$(no-profile)
	npm ci --prefix infra --no-audit --no-fund
	@first=$$($(PY) -m infra.first_deploy "$(CONFIG)") || exit 1; \
	if [ "$$first" = yes ]; then \
	  echo "First deploy of this stack: creating it, then turning protection on."; \
	  $(CDK) deploy $(CDK_APP) -c first_deploy=true $(CDK_ARGS); \
	fi
	$(CDK) deploy $(CDK_APP) $(CDK_ARGS)

lint: install
	$(VENV)/bin/ruff check layers functions infra tests bench kvs_ingest
	$(VENV)/bin/ruff format --check layers functions infra tests bench kvs_ingest

format: install
	$(VENV)/bin/ruff check --fix layers functions infra tests bench kvs_ingest
	$(VENV)/bin/ruff format layers functions infra tests bench kvs_ingest

# Every benchmark runs even when one misses its target (it exits 1); make fails at the end,
# naming them.
bench: install
	@failed=""; for f in bench/*.py; do \
	  case $$f in */common.py) continue;; esac; \
	  $(PY) $$f || failed="$$failed $$f"; \
	done; \
	if [ -n "$$failed" ]; then echo "below target or failed:$$failed"; exit 1; fi

clean:
	rm -rf cdk.out .build .pytest_cache .coverage coverage.xml
