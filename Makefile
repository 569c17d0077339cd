# Callboard: the two commands a newcomer needs are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## The demo: the server on http://127.0.0.1:8000 with an embedded SQLite store and a demo
## PBX replaying a recorded day (looping, moved to the present, 10x); prints the login.
run: $(STAMP)
	$(BIN)/callboard demo --speed 10

## Lint, type-check, check import directions, then the whole test suite.
test: $(STAMP) lint
	node --test tests/js/
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check domain adapters projections api tests bench fuzz
	$(BIN)/mypy
	$(BIN)/lint-imports

## Throughput benchmarks (figures and ratios measured in the same run).
bench: $(STAMP)
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.projections

## Coverage-guided fuzzing of the AMI parser, translator and ingestion (atheris);
## FUZZ_SECONDS (default 600); corpus and crashes in .artifacts/fuzz-ami/.
fuzz: $(STAMP)
	$(BIN)/python -m fuzz.ami -max_total_time=$(or $(FUZZ_SECONDS),600)

clean:
	rm -rf $(VENV) callboard.db callboard.*.db .mypy_cache .ruff_cache .pytest_cache .artifacts
