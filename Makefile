# perflab: two commands on a fresh machine — `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.perflab-installed
PIP_FLAGS := -c constraints.txt

.PHONY: run publish test deep longhaul bench bench-compare e2e publish-screenshots browser-deps lint format venv clean-venv \
	reference

## Create .venv and install the project (only when pyproject/constraints change).
venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e '.[dev]'
	touch $(STAMP)

## Optional: the reference AniSOAP package (anisoap 0.1.1, pure Python: its Rust extension
## cannot be built offline) for same-run reference timings and regenerating golden files.
reference: $(STAMP)
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e '.[dev,reference]'
	$(BIN)/python -m perflab.soap.reference.install

## The main job: build atlas-tiny (and its report) into the git-ignored build/.
run: $(STAMP)
	$(BIN)/python notebooks/atlas_tiny.py

## Publish atlas-tiny: rebuild it into the committed artefacts/ and reports/ (through a
## staging folder; the dataset bytes are the same, the timing logs and report are new).
publish: $(STAMP)
	$(BIN)/python notebooks/atlas_tiny.py --publish

## Lint, then the smoke tier of the tests.
test: $(STAMP)
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/ruff format --check src tests notebooks benchmarks
	$(BIN)/python -m pytest -m smoke

deep: $(STAMP)
	$(BIN)/python -m pytest -m deep --timeout=3600

longhaul: $(STAMP)
	$(BIN)/python -m pytest -m longhaul --timeout=0

## Benchmarks (pytest-benchmark): the $(BENCH_TIER) tier of benchmarks/ (smoke by default;
## `make bench BENCH_TIER=deep`), saved under .benchmarks/, then one row per benchmark is
## appended to $(HISTORY): this machine's history, git-ignored. The committed
## $(REFERENCE) is the published reference; publish a run into it on purpose with
## `make bench HISTORY=$(REFERENCE)`. Tiers set rounds/time per benchmark: perflab.harness.tiers.
BENCH_TIER ?= smoke
HISTORY ?= .benchmarks/history.csv
REFERENCE ?= artefacts/benchmarks/history.csv
bench: $(STAMP)
	mkdir -p .benchmarks
	rm -f .benchmarks/last-run.json
	$(BIN)/python -m pytest benchmarks -m $(BENCH_TIER) -p no:cacheprovider --timeout=600 \
		--benchmark-enable --benchmark-only --benchmark-autosave \
		--benchmark-json=.benchmarks/last-run.json --benchmark-sort=fullname \
		--benchmark-columns=median,iqr,rounds,iterations --durations=5
	$(BIN)/python -m perflab.devtools.history append .benchmarks/last-run.json --csv $(HISTORY)

## The latest run of this machine against its previous run (noise rule: docs/performance.md);
## on a machine's first run, against the committed reference (not judged across machines).
bench-compare: $(STAMP)
	$(BIN)/python -m perflab.devtools.history compare --csv $(HISTORY) --reference $(REFERENCE)

## Chromium + chromedriver from Debian for the browser tests (CI runs as root with apt).
## When they cannot be installed this warns, and the browser tests skip with that reason.
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "browser-deps: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	else \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		( $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y \
			--no-install-recommends chromium chromium-driver ) \
		|| echo "WARNING: browser-deps could not install chromium + chromium-driver"; \
	fi

## Dashboards in a real browser: each notebook served by `marimo run`, opened in headless
## Chromium, screenshots in build/screenshots/ (git-ignored; tests marked e2e).
e2e: $(STAMP) browser-deps
	$(BIN)/python -m pytest -m e2e -p no:cacheprovider

## The same, publishing the screenshots into the committed reports/screenshots/.
publish-screenshots: $(STAMP) browser-deps
	PERFLAB_SCREENSHOTS=$(CURDIR)/reports/screenshots $(BIN)/python -m pytest -m e2e -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/ruff format --check src tests notebooks benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests notebooks benchmarks
	$(BIN)/ruff check --fix src tests notebooks benchmarks

clean-venv:
	rm -rf $(VENV)
