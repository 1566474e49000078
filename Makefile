# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
HUMUS  := $(VENV)/bin/humus
TORCH  := torch==2.13.0

.PHONY: run setup store test lint format bench clean

# Set-up: the venv, the pinned CPU torch *before* anything that depends on torch, then the project.
# The stamp files make second runs skip installation unless pyproject.toml changed.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Build (or bring up to date) the store from corpus/: unchanged files are skipped by content hash.
store: setup
	$(HUMUS) ingest $${HUMUS_CORPUS:-corpus}/practices --prune

run: store
	@echo "Store ready in $${HUMUS_HOME:-.humus}. The web service arrives with the service issue; try: $(HUMUS) docs"

test: $(VENV)/.installed-dev
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	$(PY) -m eval.bench

clean:
	rm -rf .humus
