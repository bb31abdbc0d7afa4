# contractkit developer entry points. Everything runs from the local .venv and node_modules,
# which `bootstrap` creates (idempotently) from pyproject.toml + constraints.txt + package*.json.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,ai
PY_STAMP := $(VENV)/.bootstrap-stamp
NODE_STAMP := node_modules/.bootstrap-stamp
SYSDEPS := espeak-ng sox wrk
# torch==2.13.0+cpu (constraints.txt) comes only from this machine kind's local wheel dir
PIP_LOCAL := $(if $(wildcard /opt/wheels),--find-links /opt/wheels)
# mypy only the source trees that exist and hold Python files
MYPY_DIRS = $(foreach d,cli generators server_impl generated,\
	$(if $(shell find $(d) -name '*.py' -print -quit 2>/dev/null),$(d)))
PYTEST_ARGS ?=
SERVE_ARGS ?=

.PHONY: help bootstrap sysdeps serve test lint ruff-check format-check mypy generate check \
	goldens constraints clean

help:
	@echo "targets: bootstrap serve test lint generate check goldens sysdeps constraints clean"

bootstrap: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt pip
	$(BIN)/python -m pip install -q $(PIP_LOCAL) -c constraints.txt -e '.[$(EXTRAS)]'
	$(BIN)/python -m pip check
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian packages used by audio tests and load tests; skipped when already present.
sysdeps:
	@missing=""; for t in $(SYSDEPS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -z "$$missing" ]; then echo "sysdeps: all present ($(SYSDEPS))"; exit 0; fi; \
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	echo "sysdeps: installing$$missing"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends$$missing

serve: bootstrap
	$(BIN)/contractkit serve $(SERVE_ARGS)

test: bootstrap
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$rc

lint: ruff-check format-check mypy

ruff-check: bootstrap
	$(BIN)/ruff check .

format-check: bootstrap
	$(BIN)/ruff format --check .

mypy: bootstrap
	@if [ -z "$(strip $(MYPY_DIRS))" ]; then echo "mypy: no Python sources yet"; \
	else echo "mypy $(strip $(MYPY_DIRS))"; $(BIN)/mypy $(MYPY_DIRS); fi

generate: bootstrap
	$(BIN)/contractkit generate

check: bootstrap
	$(BIN)/contractkit check

goldens: bootstrap
	$(BIN)/python -m tests.goldens.regen

# Re-resolve from scratch (no constraints) and rewrite constraints.txt; review the diff.
constraints:
	rm -rf /tmp/contractkit-resolve && $(PYTHON) -m venv /tmp/contractkit-resolve
	/tmp/contractkit-resolve/bin/python -m pip install -q --upgrade pip
	/tmp/contractkit-resolve/bin/python -m pip install -q $(PIP_LOCAL) '.[$(EXTRAS)]'
	/tmp/contractkit-resolve/bin/python -m pip check
	{ echo "# Exact versions verified together (pip check clean), CPython 3.11, $$(date +%F)."; \
	  echo "# Used by 'make bootstrap' and CI. Regenerate with 'make constraints'."; \
	  /tmp/contractkit-resolve/bin/python -m pip freeze --all --exclude-editable \
	    | grep -v -i '^contractkit' | sort -f; } > constraints.txt

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
