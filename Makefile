# perflab: two commands on a fresh machine — `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.perflab-installed
PIP_FLAGS := -c constraints.txt

.PHONY: run test deep longhaul bench bench-compare lint format venv clean-venv

## Create .venv and install the project (only when pyproject/constraints change).
venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e '.[dev]'
	touch $(STAMP)

## The main job: build atlas-tiny (and its report).
run: $(STAMP)
	$(BIN)/python notebooks/atlas_tiny.py

## Lint, then the smoke tier of the tests.
test: $(STAMP)
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/ruff format --check src tests notebooks benchmarks
	$(BIN)/python -m pytest -m smoke

deep: $(STAMP)
	$(BIN)/python -m pytest -m deep --timeout=3600

longhaul: $(STAMP)
	$(BIN)/python -m pytest -m longhaul --timeout=0

## Benchmarks (pytest-benchmark), saved under .benchmarks/.
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -m smoke --benchmark-enable --benchmark-only \
		--benchmark-autosave --benchmark-columns=median,iqr,rounds,mean,stddev

bench-compare: $(STAMP)
	$(BIN)/python -m pytest_benchmark.cli compare --group-by=name --sort=name \
		$$(ls -t .benchmarks/*/*.json 2>/dev/null | head -2 | tac)

lint: $(STAMP)
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/ruff format --check src tests notebooks benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests notebooks benchmarks
	$(BIN)/ruff check --fix src tests notebooks benchmarks

clean-venv:
	rm -rf $(VENV)
