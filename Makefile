# belay-gen: the two commands a fresh machine needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# The demo needs only the package and the virtual board, not the dev tools.
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: venv demo test bench soak lint format clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; run 'make PYTHON=/path/to/python3.11 ...'" >&2; exit 1; }
	@echo "== creating $(VENV) with $(PYTHON) =="
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing belay-gen with the dev tools into $(VENV) (a minute or two the first time) =="
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing belay-gen and the virtual board into $(VENV) =="
	$(BIN)/python -m pip install -q -e '.[emulator]'
	@touch $(DEMO_STAMP)

venv: $(STAMP)

demo: $(DEMO_STAMP)
	@echo "== dynamic flow: examples/blink (@device.task sent at run time) =="
	$(MAKE) -C examples/blink run PYTHON=$(abspath $(BIN)/python)
	@echo "== ahead-of-time flow: examples/blink-aot (belay-gen build, typed stub) =="
	$(MAKE) -C examples/blink-aot run PYTHON=$(abspath $(BIN)/python) BELAY_GEN=$(abspath $(BIN)/belay-gen)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Outside CI: host threads x boards x calls under random faults (see benchmarks/soak.py);
# `make soak SOAK_ARGS="--calls 5000 --every 3"` for the full run (about ten minutes).
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check belay_gen tests benchmarks
	$(BIN)/ruff format --check belay_gen tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

format: $(STAMP)
	$(BIN)/ruff format belay_gen tests benchmarks
	$(BIN)/ruff check --fix belay_gen tests benchmarks

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache
