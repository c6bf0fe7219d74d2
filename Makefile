# Kontera: `make run` starts the service with demo data; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export KONTERA_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test setup lint typecheck pytest bench-smoke clean messages api-contract

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/.installed
	@scripts/install-system-deps.sh

run: setup
	$(BIN)/kontera serve --demo --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check src tests benchmarks fixtures
	$(BIN)/ruff format --check src tests benchmarks fixtures

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

test: lint typecheck pytest

# Add the code's new texts to the nb and sv catalogues and list what is untranslated (docs/i18n.md).
messages: setup
	$(BIN)/python -m kontera.i18n.extract update

# Schemathesis against a served Kontera, long run (CI runs 10 examples per operation).
api-contract: setup
	$(BIN)/python -m benchmarks.api_contract --examples 500

bench-smoke: setup
	$(BIN)/python benchmarks/run_smoke.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
