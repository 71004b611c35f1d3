"""The rules' measured accuracy on the labelled real training runs of fixtures/eval (see tools/evaluate.py,
`make eval`). The floors are the figures reached when the rules were last tuned: a change that makes any mode
worse fails here. Raise them when the rules get better; never lower them to make a change pass without saying
why in the change."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import ROOT

MANIFEST = ROOT / "fixtures" / "eval" / "manifest.json"

# Reached on the current eval set (78 runs; tools/evaluate.py), rounded down to two decimals.
PRIMARY_ACCURACY_FLOOR = 0.94
RECALL_FLOOR: dict[str, float] = {
    "overfitting": 1.0,
    "overconfidence": 1.0,
    "generalization-gap": 1.0,
    "val-below-train": 1.0,
    "divergence": 1.0,
    "non-finite": 1.0,
    "spikes": 1.0,
    "oscillation": 1.0,
    "plateau": 1.0,
    "underfitting": 0.4,
    "still-improving": 1.0,
}
PRECISION_FLOOR: dict[str, float] = {
    "overfitting": 0.92,
    "overconfidence": 0.85,
    "generalization-gap": 0.71,
    "val-below-train": 1.0,
    "divergence": 1.0,
    "non-finite": 1.0,
    "spikes": 1.0,
    "oscillation": 1.0,
    "plateau": 1.0,
    "underfitting": 1.0,
    "still-improving": 0.88,
}


def _evaluate():
    spec = importlib.util.spec_from_file_location("evaluate", ROOT / "tools" / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.evaluate(MANIFEST)


@pytest.fixture(scope="module")
def result():
    if not MANIFEST.exists():
        pytest.fail("fixtures/eval/manifest.json is missing: run `make fixtures` (the eval stage)")
    return _evaluate()


def test_primary_accuracy(result):
    assert result["primary_accuracy"] >= PRIMARY_ACCURACY_FLOOR, result["confusion"]


@pytest.mark.parametrize("mode", sorted(RECALL_FLOOR))
def test_recall(result, mode):
    assert result["per_mode"][mode]["recall"] >= RECALL_FLOOR[mode], result["per_mode"][mode]


@pytest.mark.parametrize("mode", sorted(PRECISION_FLOOR))
def test_precision(result, mode):
    assert result["per_mode"][mode]["precision"] >= PRECISION_FLOOR[mode], result["per_mode"][mode]


def test_healthy_runs_raise_nothing_at_warning_or_above(result):
    assert result["healthy_clean"] == result["healthy_runs"], result["confusion"].get("healthy")


def test_every_mode_has_labelled_runs(result):
    missing = [m for m, r in result["per_mode"].items() if r["runs"] == 0]
    assert not missing, f"modes without a labelled real run in fixtures/eval: {missing}"
