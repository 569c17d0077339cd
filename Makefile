# Callboard: the two commands a newcomer needs are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## Ingest the recorded basic day into ./callboard.db and print its figures.
## (The live web wallboard arrives with the server issue; see README.)
run: $(STAMP)
	$(BIN)/callboard ingest --store sqlite:///callboard.db tests/fixtures/basic-day/basic-day.ami
	$(BIN)/callboard stats --store sqlite:///callboard.db

## Lint, type-check, check import directions, then the whole test suite.
test: $(STAMP) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check domain adapters projections api tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## Throughput benchmarks (figures and ratios measured in the same run).
bench: $(STAMP)
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) callboard.db .mypy_cache .ruff_cache .pytest_cache
