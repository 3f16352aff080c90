# palestre-analysis. On a fresh Debian machine with Python 3.11 (no conda needed):
#   make reports   set up .venv from requirements.lock, register the Jupyter kernel, run every report
#   make test      the same set-up plus Chromium for the browser test, then the linter and the whole test suite
#   make lint      only the linter and the formatter check (seconds)
#   make hooks     install the git hooks of .pre-commit-config.yaml (ruff, nbstripout)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := palestre

.PHONY: setup reports test lint hooks browser benchmarks lock clean-generated

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Serve Python 3.11: indicarlo con make PYTHON=/percorso/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (palestre)"
	@touch $(STAMP)

reports: $(STAMP)
	$(BIN)/palestre run
	$(BIN)/palestre audit

test: $(STAMP) browser lint
	$(BIN)/python -m pytest

# Ruff's rules and formatter are configured in pyproject.toml; `ruff format .` fixes the layout.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

hooks: $(STAMP)
	$(BIN)/pre-commit install

# Debian's Chromium for the report test (Playwright drives it; it never downloads a browser).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installo Chromium (pacchetto Debian) per il test dei rapporti nel browser..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "Chromium manca e non ho i permessi per installarlo: apt-get install chromium" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/palestre clean >/dev/null
	$(BIN)/python benchmarks/bench_batch.py

# Re-pin every package after changing pyproject.toml (run inside a fresh venv).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	{ echo "# Exact versions installed by 'make' (Python 3.11). Regenerate with 'make lock' after changing pyproject.toml."; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | sort -f; } > requirements.lock

clean-generated:
	rm -rf data/processed/* reports/*
	touch data/processed/.gitkeep reports/.gitkeep
