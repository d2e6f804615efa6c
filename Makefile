# Two commands for a newcomer: `make serve` and `make test`.
PYTHON ?= python3
# `make serve PORT=8080` (or PORT in the environment): the demo's port.
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test serve bench check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the package metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/b1engine content check
	$(BIN)/ruff check engine calibration api/services
	$(BIN)/mypy engine calibration api/services
	$(BIN)/pytest -q -n auto --dist loadfile

# The demo: on an empty database, demo accounts and weeks of simulated answers (passwords
# printed once). A school starts `b1engine serve` instead (docs/operations.md).
serve: $(STAMP)
	$(BIN)/b1engine serve --demo --port $(PORT)

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
