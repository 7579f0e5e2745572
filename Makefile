# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo test test-fast dev bench clean

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
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

dev: install
	$(BIN)/cafe24-pipeline dev

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .cafe24_pipeline .pytest_cache
