# Adal — the two set-up commands are `make demo` and `make test`; both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ROOT ?= .
DEMO ?= demo
ORGS ?= 2000

.PHONY: install demo test test-fast lint format templates ingest status consolidate fetch report mail serve bench docs clean

# Exact versions from the lock file (made by `uv pip compile pyproject.toml --extra dev
# -o requirements.lock`); pyproject.toml keeps the ranges for those who install the wheel.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install ## the whole job on a fictional district, in ./demo
	$(BIN)/adal --root $(DEMO) demo

test: install
	$(BIN)/pytest

test-fast: install ## the edit-test loop (under a minute on two cores): every stage, no server, no LibreOffice, no full demo
	$(BIN)/pytest -m "not slow" -n auto -x  # -q is in pyproject: twice hid the «N passed» line

lint: install
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix pipeline tests
	$(BIN)/ruff format pipeline tests

templates ingest status consolidate fetch: install
	$(BIN)/adal --root $(ROOT) $@

report: install ## make report SIGNED=2023-12-08 [APPROVED=2023-12-20]
	@test -n "$(SIGNED)" || { echo "make report SIGNED=ЖЖЖЖ-АА-КК / ГГГГ-ММ-ДД (the date the reference is signed)"; exit 2; }
	$(BIN)/adal --root $(ROOT) report --signed $(SIGNED) $(if $(APPROVED),--approved $(APPROVED))

mail: install ## make mail [KIND=templates|reminders|feedback] [SEND=1]
	$(BIN)/adal --root $(ROOT) mail $(or $(KIND),all) $(if $(SEND),--send)

serve: install ## the officer's desk in the browser: make serve [ROOT=folder] [PORT=8765]
	$(BIN)/adal --root $(ROOT) serve $(if $(PORT),--port $(PORT))

bench: install ## make bench [ORGS=2000]
	$(BIN)/adal --root $(DEMO) bench --orgs $(ORGS)

docs: install ## the guide's pictures, rendered from the demo (needs soffice, pdftoppm and chromium)
	$(BIN)/python -m pipeline.devtools.docs_pictures docs/img
	$(BIN)/python -m pipeline.desk.pictures docs/img

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
