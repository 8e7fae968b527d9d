# Adal — the two set-up commands are `make demo` and `make test`; both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ROOT ?= .
DEMO ?= demo
ORGS ?= 2000

.PHONY: install demo test lint format templates ingest status consolidate report mail bench clean

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install ## the whole job on a fictional district, in ./demo
	$(BIN)/adal --root $(DEMO) demo

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

format: install
	$(BIN)/ruff check --fix pipeline tests
	$(BIN)/ruff format pipeline tests

templates ingest status consolidate report mail: install
	$(BIN)/adal --root $(ROOT) $@

bench: install
	$(BIN)/adal bench --orgs $(ORGS)

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
