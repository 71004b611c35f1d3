"""The anchors of ``make eval`` (tools/anchors.py) on small hand-made curves whose verdict is known: patience
counted as Keras and Lightning count it, NaN/Inf, the divergence threshold, Prechelt's GL and UP."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import anchors  # tools/anchors.py (tools/ is not a package)

NAN, INF = math.nan, math.inf


# ---------------------------------------------------------------------------------------------- Keras EarlyStopping


def test_keras_es_stops_at_the_fifth_evaluation_without_a_new_minimum():
    val = [3.0, 2.0, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7]  # minimum at 2; waits 1..5 at 3..7
    v = anchors.keras_early_stopping(val)
    assert (v.applicable, v.mode, v.index) == (True, "overfitting", 7)


def test_keras_es_four_evaluations_without_a_minimum_do_not_stop():
    v = anchors.keras_early_stopping([3.0, 2.0, 1.0, 1.1, 1.2, 1.3, 1.4])
    assert v.applicable and v.mode is None


def test_keras_es_a_new_minimum_resets_the_wait():
    val = [2.0, 2.1, 2.2, 2.3, 2.4, 1.9, 2.0, 2.1, 2.2, 2.3]  # 4 waits, a minimum at 5, then 4 waits again
    assert anchors.keras_early_stopping(val).mode is None
    assert anchors.keras_early_stopping([*val, 2.4]).index == 10


def test_keras_es_an_equal_value_is_no_improvement():
    v = anchors.keras_early_stopping([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert (v.mode, v.index) == ("overfitting", 5)


def test_keras_es_a_nan_counts_as_an_evaluation_without_improvement():
    v = anchors.keras_early_stopping([1.0, NAN, NAN, NAN, NAN, NAN])
    assert (v.mode, v.index) == ("overfitting", 5)


def test_keras_es_a_stop_at_the_last_evaluation_counts_and_reports_its_position():
    v = anchors.keras_early_stopping([2.0, 1.0, 1.5, 1.5, 1.5, 1.5, 1.5], x=[10, 20, 30, 40, 50, 60, 70])
    assert (v.mode, v.index, v.at) == ("overfitting", 6, 70.0)


def test_keras_es_patience_is_a_parameter():
    assert anchors.keras_early_stopping([1.0, 2.0, 3.0], patience=2).index == 2


def test_keras_es_without_val_loss_is_not_applicable():
    v = anchors.keras_early_stopping(None)
    assert (v.applicable, v.mode) == (False, None)


# ---------------------------------------------------------------------------------------------- TerminateOnNaN


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_terminate_on_nan_stops_at_the_first_non_finite_train_loss(bad):
    v = anchors.keras_terminate_on_nan([2.0, 1.0, bad, 0.5, NAN], x=[0, 5, 10, 15, 20])
    assert (v.mode, v.index, v.at) == ("non-finite", 2, 10.0)


def test_terminate_on_nan_is_quiet_on_finite_losses_and_not_applicable_without_them():
    assert anchors.keras_terminate_on_nan([3.0, 1e30, 1e-30]).mode is None
    assert not anchors.keras_terminate_on_nan(None).applicable


# ---------------------------------------------------------------------------------------------- Lightning EarlyStopping


def test_lightning_es_patience_counts_validation_checks():
    val = [3.0, 2.0, 1.0, 1.1, 1.2, 1.3, 1.4]  # minimum at 2; waits 1, 2, 3 at 3, 4, 5
    v = anchors.lightning_early_stopping(val, divergence=float("nan"))
    assert (v.mode, v.index) == ("overfitting", 5)
    assert anchors.lightning_early_stopping(val[:5], divergence=float("nan")).mode is None


def test_lightning_es_a_non_finite_val_loss_stops_even_during_patience():
    v = anchors.lightning_early_stopping([2.0, 1.0, 1.1, NAN, 0.5])
    assert (v.mode, v.index) == ("non-finite", 3)


def test_lightning_es_without_check_finite_a_nan_is_a_check_without_improvement():
    v = anchors.lightning_early_stopping([2.0, 1.0, NAN, NAN, NAN], check_finite=False, divergence=float("nan"))
    assert (v.mode, v.index) == ("overfitting", 4)


def test_lightning_es_divergence_threshold_is_twice_the_first_val_loss():
    assert anchors.divergence_threshold([NAN, 1.5, 0.2]) == 3.0
    assert anchors.divergence_threshold([-1.0, -2.0]) == 0.0  # never below the start for a loss <= 0
    assert anchors.divergence_threshold([NAN]) is None
    v = anchors.lightning_early_stopping([1.5, 1.2, 3.0, 3.01])  # 3.0 is not above the threshold, 3.01 is
    assert (v.mode, v.index) == ("divergence", 3)


def test_lightning_es_divergence_is_checked_before_patience():
    v = anchors.lightning_early_stopping([1.0, 0.5, 0.9, 0.9, 5.0], divergence=2.0)  # 5.0 is also the 3rd wait
    assert (v.mode, v.index) == ("divergence", 4)


def test_lightning_es_not_applicable_without_val_loss():
    assert not anchors.lightning_early_stopping(None).applicable


# ---------------------------------------------------------------------------------------------- Prechelt


def test_gl_fires_when_the_val_loss_is_more_than_alpha_percent_above_its_minimum():
    assert anchors.prechelt_gl([1.0, 0.9, 0.94, 0.944]).mode is None  # GL 4.4, 4.9: not > 5
    v = anchors.prechelt_gl([1.0, 0.9, 0.94, 0.946])  # GL 5.1
    assert (v.mode, v.index) == ("overfitting", 3)


def test_gl_ignores_non_finite_and_non_positive_errors():
    assert anchors.prechelt_gl([1.0, NAN, INF, 0.99]).mode is None
    assert anchors.prechelt_gl([0.0, 1.0, 2.0]).mode is None  # E_opt = 0: GL undefined


def test_up_fires_after_three_successive_rising_strip_ends():
    val = np.ones(20)
    val[[4, 9, 14, 19]] = [1.0, 1.1, 1.2, 1.3]  # strip ends (k=5): rises at 9, 14, 19
    v = anchors.prechelt_up(val)
    assert (v.mode, v.index) == ("overfitting", 19)
    assert anchors.prechelt_up(val[:19]).mode is None  # the fourth strip not complete


def test_up_a_fall_or_a_nan_at_a_strip_end_breaks_the_chain():
    val = np.ones(25)
    val[[4, 9, 14, 19, 24]] = [1.0, 1.1, 1.05, 1.2, 1.3]  # rise, fall, rise, rise: only 2 in a row
    assert anchors.prechelt_up(val).mode is None
    val[[4, 9, 14, 19, 24]] = [1.0, 1.1, NAN, 1.2, 1.3]
    assert anchors.prechelt_up(val).mode is None
    val[[4, 9, 14, 19, 24]] = [1.0, 0.9, 1.0, 1.1, 1.2]
    assert anchors.prechelt_up(val).index == 24


def test_up_ignores_what_happens_inside_a_strip():
    val = np.linspace(1.0, 0.5, 20)
    val[[5, 6, 7, 8, 10, 11, 12, 13]] = 9.0  # inside strips, never at their ends
    assert anchors.prechelt_up(val).mode is None


# ---------------------------------------------------------------------------------------------- all of them


def test_run_anchors_and_their_union():
    val = [3.0, 2.0, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
    verdicts = anchors.run_anchors(train=[2.0, NAN], val=val)
    assert tuple(verdicts) == anchors.ANCHORS
    found = anchors.modes_of(verdicts)
    assert found["keras-nan"] == {"non-finite"} and found["keras-es"] == {"overfitting"}
    assert found[anchors.UNION] == {"non-finite", "overfitting"}
    assert set().union(*found.values()) <= set(anchors.MODES)


def test_a_run_without_val_loss_leaves_only_terminate_on_nan():
    verdicts = anchors.run_anchors(train=[2.0, 1.0, 0.5])
    assert [n for n, v in verdicts.items() if v.applicable] == ["keras-nan"]
    assert anchors.modes_of(verdicts)[anchors.UNION] == set()


def test_positions_must_match_values():
    with pytest.raises(ValueError):
        anchors.keras_early_stopping([1.0, 2.0], x=[0.0])
