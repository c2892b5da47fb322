# The front door: `make demo` and `make test` work on a fresh machine with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint typecheck spec bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes (new or re-pinned dependencies).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## Run the whole system on embedded defaults (pass flags with ARGS="--verbose")
	$(BIN)/bridge demo $(ARGS)

test: $(STAMP)  ## Run the whole test suite against a real (embedded) Redis and the simulators
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

spec: $(STAMP)  ## Fail if openapi.yaml differs from the code (regenerate with `bridge openapi`)
	$(BIN)/bridge openapi --check

check: lint typecheck spec test  ## Every check CI cares about

bench: $(STAMP)  ## Benchmarks; each prints its ratios side by side
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
