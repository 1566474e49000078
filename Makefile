# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
HUMUS  := $(VENV)/bin/humus
TORCH  := torch==2.13.0

.PHONY: run serve setup dicts zones browser store test lint format bench eval clean

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

setup: $(VENV)/.installed dicts zones

# Optional: Debian's FreeDict EN<->FR/ES dictionaries help translate queries. Installed where we may
# (root with apt); elsewhere Humus translates with its glossary (and an imported AGROVOC) only.
FREEDICT := dict-freedict-spa-eng dict-freedict-eng-spa dict-freedict-fra-eng dict-freedict-eng-fra
dicts:
	@if [ ! -e /usr/share/dictd/freedict-spa-eng.index ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -q $(FREEDICT) >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q $(FREEDICT) >/dev/null 2>&1) || echo "FreeDict not installed (optional)"; \
	  else echo "optional: sudo apt-get install $(FREEDICT)"; fi; fi

# Optional: the IPCC climate-zone raster, for places given by coordinates and WOCAT records with
# coordinates. Not shipped (CRU data terms); downloaded where the network allows.
ZONE_RASTER ?= $(or $(HUMUS_ZONE_RASTER),corpus/zones/ipcc_climate_zones.tif)
RASTER_URL  := https://raw.githubusercontent.com/colinahill/ipcc_climate_zones/main/data/ipcc_climate_zones.tif
zones: $(VENV)/.installed
	@if [ ! -s "$(ZONE_RASTER)" ]; then \
	  if $(PY) -c "import socket, sys, urllib.request; socket.setdefaulttimeout(30); \
	       urllib.request.urlretrieve(sys.argv[1], sys.argv[2])" "$(RASTER_URL)" "$(ZONE_RASTER).part" 2>/dev/null; \
	  then mv "$(ZONE_RASTER).part" "$(ZONE_RASTER)" && echo "climate-zone raster saved to $(ZONE_RASTER)"; \
	  else rm -f "$(ZONE_RASTER).part"; echo "optional: no network for the climate-zone raster; for places given by" \
	       "coordinates, place a GeoTIFF of IPCC climate zones 1-12 at $(ZONE_RASTER) (from $(RASTER_URL))"; fi; fi

# Build (or bring up to date) the store from corpus/: unchanged files are skipped by content hash. A store embedded
# with another model (an older default) is re-embedded once: vectors are cached by model and content hash.
store: setup
	$(HUMUS) ingest $${HUMUS_CORPUS:-corpus}/practices --prune --reindex

# Set-up, the store, then the API and the web page on http://127.0.0.1:8000 (Ctrl-C stops it).
run: store serve

serve: setup
	$(HUMUS) serve --host 127.0.0.1 --port 8000

# Debian's Chromium drives the web page tests (Playwright with executable_path=/usr/bin/chromium).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q chromium >/dev/null 2>&1) || echo "could not install chromium"; \
	  else echo "the browser tests need Debian's chromium: sudo apt-get install chromium"; fi; fi

test: $(VENV)/.installed-dev dicts browser
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) install -q -e '.[bench]'
	touch $@

# Peers, embedding, latency, HTTP load and scale, the default model against MiniLM (about 12 minutes), then the
# faults of eval/faults.py at full size (about 8 minutes); rewrites its two sections of eval/RESULTS.md.
bench: setup $(VENV)/.installed-bench
	$(PY) -m eval.bench

# Search quality on the labelled set and XQuAD; writes its section of eval/RESULTS.md.
eval: setup
	$(HUMUS) eval

clean:
	rm -rf .humus eval/.cache
