"""lossdoc.online.Monitor: the decision to stop a run while it trains, fed the epochs of real training logs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lossdoc.errors import ConfigError, UsageError
from lossdoc.online import Hook, Monitor, _number

FIX = Path(__file__).resolve().parent.parent / "fixtures"


def _history(name: str) -> dict[str, list[float]]:
    data = json.loads((FIX / "keras-history" / name).read_text())
    return data.get("history", data)


def _replay(mon: Monitor, hist: dict[str, list[float]]):
    """Feed the epochs one at a time; (epoch of the stop or None, the decisions' new findings)."""
    new = []
    n = len(next(iter(hist.values())))
    for e in range(n):
        mon.log({k: v[e] for k, v in hist.items()}, epoch=e)
        d = mon.check()
        new += d.new
        if d.stop:
            return e, new, d
    return None, new, None


@pytest.mark.parametrize("name", ["healthy.json", "healthy_cnn.json"])
def test_healthy_runs_are_not_stopped(name):
    stop, _, _ = _replay(Monitor(stop_on=("non-finite", "divergence", "overfitting")), _history(name))
    assert stop is None


def test_a_nan_stops_at_the_first_check_that_sees_it():
    hist = _history("diverge_nan.json")
    first = next(i for i, v in enumerate(hist["loss"]) if not math.isfinite(v))
    stop, _, d = _replay(Monitor(), hist)
    assert stop is not None and stop <= first, (stop, first)
    assert d.finding.name in ("non-finite", "divergence") and not d.restore_best


def test_overfitting_stops_only_when_asked_and_asks_for_the_best_weights():
    hist = _history("overfit_small_data.json")
    stop, new, _ = _replay(Monitor(), hist)  # default stop_on: non-finite, divergence
    assert stop is None
    assert {f.name for f in new} & {"overfitting", "overconfidence"}  # warned about, once
    assert len([f for f in new if f.name == "overfitting"]) == 1
    mon = Monitor(stop_on=("overfitting",))
    stop, _, d = _replay(mon, hist)
    assert stop is not None and d.restore_best
    best_epoch = int(np.argmin(hist["val_loss"]))
    assert stop > best_epoch and mon.best[1] == pytest.approx(min(hist["val_loss"][: stop + 1]))
    assert mon.check() is d  # once stopped, it stays stopped


def test_one_bad_evaluation_does_not_stop_a_run():
    rng = np.random.default_rng(0)
    n = 40
    train = list(2.0 * np.exp(-np.arange(n) / 8) + 0.1)
    val = list(2.0 * np.exp(-np.arange(n) / 8) + 0.2 + 0.01 * rng.normal(size=n))
    val[20] = 1.5  # one evaluation on a bad batch
    stop, _, _ = _replay(Monitor(stop_on=("non-finite", "divergence", "overfitting")),
                         {"loss": train, "val_loss": val})
    assert stop is None


def test_settings_are_checked_when_the_monitor_is_made():
    with pytest.raises(UsageError, match="no rule"):
        Monitor(stop_on=("overfiting",))
    with pytest.raises(UsageError, match="cannot stop"):
        Monitor(stop_on=("still-improving",))
    with pytest.raises(ConfigError, match="unknown parameter"):
        Monitor(rules={"overfitting": {"patiense": 3}})
    assert Monitor(stop_on=("overconfidence", "LD201")).stop_on == ("overfitting", "divergence")
    assert "plateau" in Monitor(warn_on="all").warn_on


def test_numbers_from_frameworks():
    assert _number(np.float32(1.5)) == 1.5
    assert _number(np.array(2.0)) == 2.0
    assert _number(np.array([1.0, 2.0])) is None
    assert _number("0.5") is None and _number(None) is None and _number(True) is None
    assert math.isnan(_number(float("nan")))

    class Tensor:  # what torch and keras hand over: numel() and item()
        def __init__(self, v, n=1):
            self.v, self.n = v, n

        def numel(self):
            return self.n

        def item(self):
            return self.v

    assert _number(Tensor(3.0)) == 3.0 and _number(Tensor(3.0, n=4)) is None


def test_nonfinite_is_about_losses_only():
    mon = Monitor()
    assert mon.nonfinite({"loss": float("nan"), "lr": 0.1}) == "loss"
    assert mon.nonfinite({"grad_norm": float("inf"), "loss": 1.0}) is None


def test_a_nan_metric_beside_finite_losses_never_stops_a_run():
    """A per-category AP that is NaN at every evaluation (no examples of the category) while the losses fall: the
    check reports it, but a stop for non-finite is for a loss (the per-batch test agrees); a NaN loss still stops."""
    mon = Monitor()
    for e in range(12):
        mon.log({"loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1), "val_ap_objects": float("nan")}, epoch=e)
        d = mon.check()
        assert not d.stop, d.reason
    assert any(f.name == "non-finite" for f in mon.last.findings)
    mon.log({"loss": float("nan"), "val_loss": 0.1, "val_ap_objects": float("nan")}, epoch=12)
    d = mon.check()
    assert d.stop and d.finding.name == "non-finite"


def test_the_hook_writes_the_report(tmp_path):
    lines: list[str] = []
    hook = Hook(report=tmp_path / "r.json", log=lines.append)
    hist = _history("diverge_nan.json")
    for e in range(len(hist["loss"])):
        hook.monitor.log({k: v[e] for k, v in hist.items()}, epoch=e)
        if hook.check().stop:
            break
    hook.finish()
    assert any("stopping training" in s for s in lines)
    assert any("FAIL" in s for s in lines)  # the rich report went to the log
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["schema_version"] == 1 and rep["runs"][0]["findings"]


def test_a_hook_with_nothing_logged_writes_nothing(tmp_path):
    hook = Hook(report=tmp_path / "r.json", log=lambda s: pytest.fail(s))
    hook.finish()
    assert not (tmp_path / "r.json").exists()


def test_an_upturn_with_the_train_loss_rising_too_does_not_stop_for_overfitting():
    """RMSprop with momentum on a regression task: at eval 11 the val loss had gone 21 -> 115 while the train
    loss rose 20 -> 33 (both rising: the step size, not the gap widening); the val loss later fell to 0.7. The
    policy stopped there (3096% regret); it now waits while the train loss rose with the val loss."""
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "tools"))
    import eval_replay

    entry = next(e for e in json.loads((ROOT / "fixtures/eval/manifest.json").read_text())
                 if e["id"] == "holdout-pt-rmsprop-momentum-regression-osc/s3")
    rp = eval_replay.load(eval_replay.normalise_entry(entry), ROOT)
    out = eval_replay.replay_lossdoc(rp, {"stop_on": ("non-finite", "divergence", "overfitting")})
    assert out.stop is None or out.stop > 20, out


def test_a_loss_exploding_from_the_first_epoch_is_stopped_before_min_points():
    """Linear regression at a learning rate far too high: the loss grows 10^5-10^6x per epoch from the first
    epoch and overflows at the sixth. Divergence needs 5 points, except for a loss that grew 10x or more at every
    point (1000x over the log): the run is stopped for divergence before the overflow."""
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "tools"))
    import eval_replay

    entry = next(e for e in json.loads((ROOT / "fixtures/eval/manifest.json").read_text())
                 if e["id"] == "keras-linreg-climb-nan/s1")
    rp = eval_replay.load(eval_replay.normalise_entry(entry), ROOT)
    out = eval_replay.replay_lossdoc(rp, {"stop_on": ("non-finite", "divergence")})
    assert out.stop is not None and out.stop <= 4 and out.reason == "divergence", out
