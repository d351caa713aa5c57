# make demo: the assistant on embedded stores, web chat in a browser.  make test: everything CI runs.

SHELL := /bin/bash

PY ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV = .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.install-stamp
# The packages mypy checks; one not written yet (no __init__.py) is skipped, not an error.
PACKAGES = $(patsubst %/__init__.py,%,$(wildcard $(addsuffix /__init__.py,bot sales knowledge actions connectors)))

# Models come from installed packages: nothing is fetched at run time.
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1

.PHONY: install demo test lint bench clean distclean

install: $(STAMP)

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
		echo "salesbot needs Python 3.11; $(PY) is $$($(PY) --version 2>&1). Run: make PY=/path/to/python3.11" >&2; \
		exit 1; }
	$(PY) -m venv $(VENV)

# torch first, pinned: pip then takes the CPU wheel instead of resolving a CUDA build for it.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e ".[dev]"
	touch $@

demo: install
	$(BIN)/salesbot demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy $(PACKAGES)

test: lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/turns.py

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .mypy_cache .ruff_cache build *.egg-info

# Also the virtualenv and the demo's data (database, trained models, embedded stores).
distclean: clean
	rm -rf $(VENV) .salesbot
