# lossdoc: the obvious targets. Everything runs inside .venv, created on first use with the python3 on PATH.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= fixtures/keras-history/overfit_small_data.json

.PHONY: help demo test lint install fixtures clean

help:
	@echo "make demo      set up .venv and run lossdoc on a bundled real training log"
	@echo "make test      set up .venv with the test extras and run the test suite"
	@echo "make lint      ruff over lossdoc/ and tests/"
	@echo "make fixtures  regenerate fixtures/ by real training (installs torch CPU into .venv-fixtures)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

demo: install
	@echo "$$ lossdoc analyze $(DEMO)"
	@$(BIN)/lossdoc analyze $(DEMO); code=$$?; \
	  echo "(lossdoc exited $$code: 0 clean, 1 findings at or above --fail-on, 2 error)"; \
	  test $$code -le 1

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check lossdoc tests

fixtures:
	$(PYTHON) -m venv .venv-fixtures
	.venv-fixtures/bin/python -m pip install --quiet -r fixtures/requirements.txt
	.venv-fixtures/bin/python fixtures/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
