# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
# the suite runs on two pytest-xdist workers, one test file per worker at a time (module fixtures such as
# the browser suite's `dev` start once); WORKERS=0 runs it in one process
WORKERS ?= 2
BIN    := $(VENV)/bin

.PHONY: install demo test test-fast lint format typecheck dev bench clean

# Create the virtualenv and install the project (with test tools) on first use, or when
# pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/cafe24-pipeline demo

test: install
	$(BIN)/pytest -q -n $(WORKERS) --dist loadfile

test-fast: install
	$(BIN)/pytest -q -n $(WORKERS) --dist loadfile -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy

dev: install
	$(BIN)/cafe24-pipeline dev

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .cafe24_pipeline .pytest_cache
