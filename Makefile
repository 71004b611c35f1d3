# lossdoc: the obvious targets. Everything runs inside .venv, created on first use with the python3 on PATH.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= fixtures/keras-history/overfit_small_data.json

.PHONY: help demo test lint install fixtures eval clean bench fuzz compare-fixtures ultralytics-env test-ultralytics

help:
	@echo "make demo      set up .venv with lossdoc's runtime only and run it on a bundled real training log"
	@echo "make test      set up .venv with the test extras and run the test suite"
	@echo "make lint      ruff over lossdoc/ and tests/"
	@echo "make fixtures  regenerate fixtures/ by real training (installs torch CPU into .venv-fixtures)"
	@echo "make bench     generate big logs with the real writers (bench/data) and write BENCHMARKS.md"
	@echo "make fuzz      the property tests and the bad-input corpus with many more hypothesis examples"
	@echo "make eval      per-mode precision/recall and confusion of primary diagnoses on fixtures/eval,"
	@echo "               then lossdoc compare on the seed-only and changed pairs of fixtures/compare"
	@echo "make compare-fixtures  regenerate fixtures/compare by real training (seeds x known changes)"
	@echo "make test-ultralytics  lossdoc.ultralytics.attach on the real Ultralytics trainer (a tiny YOLO on CPU),"
	@echo "               in its own .venv-ultralytics (about 6 GB, 4 min to install; not part of make test)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The runtime only (no test or dev extras), as a user gets it with `pip install .`; says how long it took.
$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	@echo "installing lossdoc and its runtime dependencies into $(VENV) ..."
	@start=$$(date +%s); $(BIN)/python -m pip install --quiet --disable-pip-version-check -e . && \
	  echo "installed in $$(( $$(date +%s) - start )) s"
	@touch $@

demo: $(VENV)/.runtime-installed
	@echo "$$ lossdoc analyze $(DEMO)"
	@$(BIN)/lossdoc analyze $(DEMO); code=$$?; \
	  echo "(lossdoc exited $$code: 0 clean, 1 findings at or above --fail-on, 2 error)"; \
	  test $$code -le 1

# LOSSDOC_REQUIRE_FRAMEWORKS=1: the callback tests fail, rather than skip, when keras/lightning/transformers are missing.
test: install
	LOSSDOC_REQUIRE_FRAMEWORKS=1 $(BIN)/python -m pytest

# A longer hypothesis run than `make test` (LOSSDOC_HYPOTHESIS_PROFILE=fuzz: 2,000 examples per property).
fuzz: install
	LOSSDOC_HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_properties.py tests/test_bad_inputs_corpus.py

# lossdoc and the anchors (Keras/Lightning early stopping, TerminateOnNaN, Prechelt GL/UP) on the tune, test and
# public sets, with bootstrap intervals. More options: make eval EVAL_ARGS="--set test --json eval.json --jobs 4"
EVAL_ARGS ?=
eval: install
	$(BIN)/python tools/evaluate.py $(EVAL_ARGS)
	$(BIN)/python tools/eval_compare.py
	$(BIN)/python tools/eval_replay.py --out BENCHMARKS.md

lint: install
	$(BIN)/ruff check lossdoc tests

fixtures:
	$(PYTHON) -m venv .venv-fixtures
	.venv-fixtures/bin/python -m pip install --quiet -r fixtures/requirements.txt
	.venv-fixtures/bin/python fixtures/generate.py

# Benchmarks: .venv gets the bench extras (tbparse); the inputs are written by torch's SummaryWriter, the MLflow
# client and wandb from .venv-fixtures (created here when missing: torch==2.13.0 resolves to the local CPU wheel).
# bench/data is kept.
FIXTURES_VENV ?= .venv-fixtures

$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	@touch $@

$(FIXTURES_VENV)/bin/python:
	$(PYTHON) -m venv $(FIXTURES_VENV)

$(FIXTURES_VENV)/.bench-installed: | $(FIXTURES_VENV)/bin/python
	$(FIXTURES_VENV)/bin/python -c "import torch, tensorboard, google_crc32c, mlflow, sqlalchemy, alembic, wandb" 2>/dev/null || \
	  $(FIXTURES_VENV)/bin/python -m pip install --quiet --disable-pip-version-check torch==2.13.0 tensorboard google-crc32c \
	    mlflow-skinny sqlalchemy alembic wandb
	@touch $@

# lossdoc compare's evaluation pairs (fixtures/compare): 8 small tasks x 7 configurations x 8 seeds, ~4 min on CPU.
compare-fixtures: | $(FIXTURES_VENV)/bin/python
	$(FIXTURES_VENV)/bin/python -c "import torch, sklearn" 2>/dev/null || \
	  $(FIXTURES_VENV)/bin/python -m pip install --quiet -r fixtures/requirements.txt
	$(FIXTURES_VENV)/bin/python fixtures/compare/generate.py

bench: $(VENV)/.bench-installed $(FIXTURES_VENV)/.bench-installed
	$(FIXTURES_VENV)/bin/python bench/generate.py bench/data
	$(BIN)/python bench/run.py --data bench/data --out BENCHMARKS.md
	$(BIN)/python bench/watch_cost.py --data bench/data/watch --out BENCHMARKS.md
	$(BIN)/python -m pytest -m slow tests/test_bounds.py

# The labelled evaluation set (fixtures/eval/): every scenario and seed, really trained (~30-40 min on 2 shared cores).
# .venv-fixtures is created and filled from fixtures/requirements.txt when missing.
.PHONY: eval-fixtures
eval-fixtures:
	@test -x $(FIXTURES_VENV)/bin/python || { $(PYTHON) -m venv $(FIXTURES_VENV) && \
	  $(FIXTURES_VENV)/bin/python -m pip install --quiet -r fixtures/requirements.txt; }
	$(FIXTURES_VENV)/bin/python fixtures/eval/generate.py --jobs 2
	$(FIXTURES_VENV)/bin/python fixtures/eval/check_manifest.py

# lossdoc.ultralytics.attach on the real Ultralytics trainer (tests/test_ultralytics_real.py: a tiny YOLO trained on
# CPU, ~15 s) and its protocol test. Its own venv: PyPI's torchvision does not import beside .venv's torch 2.13 CPU
# wheel; pip takes torch 2.14.1 and torchvision 0.29.1 from this machine's disk (a CUDA build that runs on the CPU).
# Measured: 240 s and 6.2 GB (torch's CUDA libraries are most of it). Too big and slow for `make test` and .ci/run.
# LOSSDOC_REQUIRE_ULTRALYTICS=1: the real test fails, rather than skips, when ultralytics does not import.
ULTRA_VENV ?= .venv-ultralytics
ULTRALYTICS_PINS := torch==2.14.1 torchvision==0.29.1 ultralytics==8.4.190 'pytest>=8'

$(ULTRA_VENV)/.installed: pyproject.toml
	@test -x $(ULTRA_VENV)/bin/python || $(PYTHON) -m venv $(ULTRA_VENV)
	@echo "installing $(ULTRALYTICS_PINS) and lossdoc into $(ULTRA_VENV) (about 6 GB) ..."
	@start=$$(date +%s); $(ULTRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  $(ULTRALYTICS_PINS) -e . && \
	  echo "installed in $$(( $$(date +%s) - start )) s; $(ULTRA_VENV) is $$(du -sh $(ULTRA_VENV) | cut -f1)"
	@touch $@

ultralytics-env: $(ULTRA_VENV)/.installed

test-ultralytics: $(ULTRA_VENV)/.installed
	LOSSDOC_REQUIRE_ULTRALYTICS=1 $(ULTRA_VENV)/bin/python -m pytest tests/test_ultralytics_real.py \
	  tests/test_callbacks_protocol.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
