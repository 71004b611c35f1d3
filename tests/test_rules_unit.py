"""Unit tests of single rules on hand-built curves: each rule has cases that fire and cases that must not.

Real-run evidence lives in test_fixtures.py; these pin the behaviour at the edges (noise, short runs, scale).
"""

from __future__ import annotations

import numpy as np
import pytest

import lossdoc
from lossdoc.model import Severity

E = np.arange(40, dtype=float)
TRAIN = 2.0 * np.exp(-E / 8) + 0.05
RNG = np.random.default_rng(7)


def names(report):
    return [f.name for rr in report.runs for f in rr.findings]


def overfit_val(noise=0.01):
    return 0.6 + 0.002 * (E - 12) ** 2 + RNG.normal(0, noise, len(E))


CASES = [
    # (id, columns, rules that must fire, rules that must not)
    ("overfit", {"loss": TRAIN, "val_loss": overfit_val()}, {"overfitting"}, {"non-finite"}),
    ("healthy", {"loss": TRAIN, "val_loss": TRAIN * 1.1 + 0.05}, set(), {"overfitting", "non-finite"}),
    # Val flattens with noise of +-3% around its floor: no persistent rise.
    (
        "noisy-flat-val",
        {"loss": TRAIN, "val_loss": 0.5 + 0.5 * np.exp(-E / 5) + RNG.normal(0, 0.015, len(E))},
        set(),
        {"overfitting"},
    ),
    # Val rises only because train rises too, from the same epoch: that is divergence, not overfitting.
    (
        "both-rise",
        {
            "loss": np.r_[TRAIN[:20], TRAIN[19] * np.exp(0.2 * np.arange(1, 21))],
            "val_loss": np.r_[TRAIN[:20] * 1.1 + 0.05, (TRAIN[19] * 1.1 + 0.05) * np.exp(0.2 * np.arange(1, 21))],
        },
        {"divergence"},
        {"overfitting"},
    ),
    # A single bad evaluation at the end is not a persistent rise.
    (
        "one-bad-eval",
        {"loss": TRAIN, "val_loss": np.r_[TRAIN[:-1] * 1.1 + 0.05, 0.6]},
        set(),
        {"overfitting"},
    ),
    # Rise right at the end with too few points after the minimum.
    ("short-tail", {"loss": TRAIN[:8], "val_loss": np.r_[TRAIN[:6] + 0.1, 0.9, 1.2]}, set(), {"overfitting"}),
    ("nan-loss", {"loss": np.r_[TRAIN[:30], [np.nan] * 10], "val_loss": TRAIN + 0.1}, {"non-finite"}, set()),
    ("inf-val", {"loss": TRAIN, "val_loss": np.r_[TRAIN[:39] + 0.1, np.inf]}, {"non-finite"}, set()),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_cases(case):
    _, cols, must, must_not = case
    found = set(names(lossdoc.analyze(cols)))
    assert must <= found, found
    assert not (must_not & found), found


@pytest.mark.parametrize("scale", [1e-5, 1e-2, 1.0, 1e3, 1e7])
def test_overfitting_is_scale_free(scale):
    cols = {"loss": TRAIN * scale, "val_loss": overfit_val() * scale}
    assert "overfitting" in names(lossdoc.analyze(cols))
    healthy = {"loss": TRAIN * scale, "val_loss": (TRAIN * 1.1 + 0.05) * scale}
    assert all(f.severity.label == "info" for rr in lossdoc.analyze(healthy).runs for f in rr.findings)


def test_overfitting_evidence_and_remedies_use_the_log_numbers():
    val = np.array([1.0, 0.8, 0.6, 0.5, 0.45, 0.44, 0.47, 0.52, 0.58, 0.63, 0.7, 0.76, 0.8, 0.85])
    train = np.linspace(1.0, 0.1, len(val))
    rep = lossdoc.analyze({"loss": train, "val_loss": val})
    f = rep.runs[0].findings[0]
    assert f.name == "overfitting"
    # Epochs count from 0 when the log has no epoch column (as Keras' CSVLogger): 0.44 is the 6th value.
    assert f.evidence["best_x"] == 5 and f.onset == 5
    assert f.evidence["best_value"] == pytest.approx(0.44)
    assert any("epoch 5" in r and "0.44" in r for r in f.remedies)
    # patience 5 after the best at epoch 5 stops at epoch 10 (the 5th epoch without improvement).
    assert any("patience 5 would have stopped at epoch 10" in r for r in f.remedies)
    # The numbers quoted are the log's: the last logged value, and the smoothed level named as such.
    assert f.evidence["final_value"] == pytest.approx(0.85)
    assert "final_level_smoothed" in f.evidence and "noise_log" not in f.evidence
    assert 0 < f.confidence <= 1


def test_non_finite_evidence():
    loss = np.r_[np.linspace(1, 0.5, 10), [np.inf, np.nan, np.nan]]
    rep = lossdoc.analyze({"loss": loss, "val_loss": np.linspace(1, 0.6, 13), "lr": np.full(13, 0.5)})
    f = rep.runs[0].findings[0]
    assert f.name == "non-finite" and f.severity is Severity.ERROR
    assert f.onset == 10 and f.evidence["nonfinite_points"] == 3
    assert set(f.evidence["kinds"]) == {"inf", "nan"}
    assert any("0.5 logged" in r for r in f.remedies)
    assert rep.exit_code == 1


def test_nan_only_in_metric_is_a_warning():
    rep = lossdoc.analyze({"loss": TRAIN, "val_loss": TRAIN + 0.1, "val_accuracy": np.r_[np.full(39, 0.8), np.nan]})
    f = rep.runs[0].findings[0]
    assert f.name == "non-finite" and f.severity is Severity.WARNING


def test_a_loss_of_exactly_zero_throughout_is_said_to_be_unmeasured_not_a_learning_rate_problem():
    # An Ultralytics run whose box/cls/dfl losses are all 0.0 for 50 epochs (a public log): nothing was computed.
    rep = lossdoc.analyze({"box_loss": np.zeros(50), "cls_loss": np.zeros(50), "metrics/mAP50(B)": np.linspace(0.1, 0.5, 50)})
    f = rep.runs[0].findings[0]
    assert f.name == "plateau" and f.evidence.get("all_exactly_zero") is True
    assert "exactly 0 at every one of its 50 points" in f.message
    assert not any("learning rate" in r for r in f.remedies)
    # a loss that is flat but not zero keeps the learning-rate advice
    g = lossdoc.analyze({"loss": np.full(50, 0.69), "val_loss": np.full(50, 0.69)}).runs[0].findings[0]
    assert g.name == "plateau" and "all_exactly_zero" not in g.evidence
    assert any("learning rate" in r for r in g.remedies)


def test_too_short_is_skipped_not_found():
    rep = lossdoc.analyze({"loss": [1.0, 0.9, 0.8], "val_loss": [1.0, 1.1, 1.2]})
    rr = rep.runs[0]
    assert rr.findings == []
    assert any(s.name == "overfitting" and "finite validation points" in s.reason for s in rr.skipped)


def test_missing_series_is_skipped_with_reason():
    rep = lossdoc.analyze({"loss": TRAIN})
    assert any(s.name == "overfitting" and "validation" in s.reason for s in rep.runs[0].skipped)


def test_epoch_blocks_ignore_an_epoch_clock_with_gaps():
    """A per-step loss whose epoch column has gaps (NaN) or goes back: the epoch clock keeps other points than
    the step clock, so blocks fall back to fixed-size ones rather than indexing past the curve (a bit-flipped
    real log once raised IndexError here)."""
    import numpy as np

    from lossdoc.model import Series
    from lossdoc.signals import epoch_blocks

    n = 400
    steps = np.arange(n, dtype=float)
    epochs = np.floor(steps / 20)
    epochs[37] = np.nan  # a cell the epoch column lost
    s = Series("train_loss", np.exp(-steps / 200) + 0.01, steps=steps, epochs=epochs)
    b = epoch_blocks(s)
    assert len(b.curve) > 0 and np.all(np.isfinite(b.curve.v))
    lost = steps.copy()
    lost[5] = np.nan  # a cell the step column lost: the epoch clock keeps one point more than the step clock
    b1 = epoch_blocks(Series("train_loss", np.exp(-steps / 200) + 0.01, steps=lost, epochs=np.floor(steps / 19.95)))
    assert len(b1.curve) > 0 and np.all(np.isfinite(b1.curve.v))
    back = epochs.copy()
    back[37] = 0.0
    b2 = epoch_blocks(Series("train_loss", np.exp(-steps / 200) + 0.01, steps=steps, epochs=back))
    assert np.all(np.diff(b2.curve.x) > 0)
    whole = epoch_blocks(Series("train_loss", np.exp(-steps / 200) + 0.01, steps=steps, epochs=np.floor(steps / 20)))
    assert whole.per_epoch and len(whole.curve) == 20


def test_a_negative_loss_wobbling_at_its_floor_is_not_oscillation():
    """A Gaussian NLL goes below zero and has no natural zero: a wobble of a few hundredths at its floor is a move
    against its range, not a swing of 100%+ of a level that a shift put near zero."""
    rng = np.random.default_rng(3)
    floor = -1.1 + 1.3 * np.exp(-E / 6)
    wobble = 0.04 * np.where(np.arange(len(E)) % 2 == 0, 1, -1) * (E > 10)  # an alternating +-0.04 near the floor
    cols = {"loss": floor - 0.05 + rng.normal(0, 0.01, len(E)), "val_loss": floor + wobble + rng.normal(0, 0.01, len(E))}
    got = names(lossdoc.analyze(cols))
    assert "oscillation" not in got, got
    # the same curve moved up to positive values (a loss with its zero 2 below) swings as before: still judged
    big = {"loss": cols["loss"] + 1.2, "val_loss": floor + 1.2 + 12 * wobble}
    assert "oscillation" in names(lossdoc.analyze(big))


def test_underfitting_is_not_judged_on_a_resumed_segment(tmp_path):
    """A log whose step counter goes back keeps its latest segment, which starts from trained weights: its first
    level is not the untrained loss, so 'high against the start' is not judged (as for plateau)."""
    steps = np.arange(0, 400, 10)
    loss = 0.6 + 0.3 * np.exp(-steps / 60) + 0.005 * np.sin(steps / 7.0)
    val = 0.62 + 0.3 * np.exp(-steps / 60) + 0.005 * np.cos(steps / 9.0)
    first = [f"{s},{1.6 * np.exp(-s / 80) + 0.6:.4f},{1.6 * np.exp(-s / 80) + 0.62:.4f}" for s in range(0, 300, 10)]
    # the resumed run counts its steps from 0 again (a counter that goes back inside the run's range instead is a
    # resume from a checkpoint, spliced onto the earlier points: base.splice_resumes)
    resumed = [f"{s},{a:.4f},{b:.4f}" for s, a, b in zip(steps, loss, val)]
    path = tmp_path / "resumed.csv"
    path.write_text("step,loss,val_loss\n" + "\n".join(first + resumed) + "\n")
    rep = lossdoc.analyze(str(path))
    assert rep.runs[0].run.meta.get("restarted")
    assert "underfitting" not in names(rep)
    fresh = tmp_path / "fresh.csv"  # the same segment as a whole run: levelled off high against its own start
    fresh.write_text("step,loss,val_loss\n" + "\n".join(resumed) + "\n")
    rep = lossdoc.analyze(str(fresh))
    assert not rep.runs[0].run.meta.get("restarted") and "underfitting" in names(rep)


def test_a_loss_that_never_moved_is_underfitting_as_well_as_plateau():
    """Both losses flat at their start, together: the model cannot fit at all (a linear model on XOR, weight decay
    pinning the weights at zero). Plateau says it never learned; underfitting says the same curves levelled off
    high and close together. A loss that learned and then came back up to its start (a blow-up) is neither."""
    rng = np.random.default_rng(11)
    flat = 0.6931 * (1 + 0.002 * E / 40) + 0.0003 * np.cos(1.7 * E)  # ends 0.2% above where it started
    got = names(lossdoc.analyze({"loss": flat, "val_loss": flat + 0.0004 * np.sin(E)}))
    assert "plateau" in got and "underfitting" in got, got
    f = next(f for rr in lossdoc.analyze({"loss": flat, "val_loss": flat + 0.001}).runs for f in rr.findings
             if f.name == "underfitting")
    assert f.evidence["final_over_start"] >= 0.98
    # learned to a third of its start, then climbed back above it and stayed: not underfitting
    back = np.r_[np.linspace(0.7, 0.25, 15), np.linspace(0.25, 0.75, 10), np.full(15, 0.75)] + rng.normal(0, 0.002, 40)
    assert "underfitting" not in names(lossdoc.analyze({"loss": back, "val_loss": back * 1.02}))
    # falling slowly and steadily (a run cut short), not levelled off: not underfitting
    slow = 0.7 * np.exp(-E / 400) + rng.normal(0, 0.0003, len(E))
    assert "underfitting" not in names(lossdoc.analyze({"loss": slow, "val_loss": slow * 1.01}))


def test_still_improving_from_a_noisy_val_loss_that_follows_a_falling_train_loss():
    """A val loss noisy enough that its own fall over the last quarter is under 3 standard errors, but still
    falling, while the train loss falls clearly over the same epochs: the run was cut short. The same val loss
    beside a train loss that has levelled off is not enough."""
    # val: falls 8% along its last 10 epochs, with +-2% epoch-to-epoch noise: 2.5 standard errors on its own
    wobble = 0.02 * np.r_[np.zeros(30), [1, -1, -1, -1, -1, 1, 1, 1, 1, -1]]
    val = 0.3 * np.exp(np.r_[np.linspace(0.5, 0, 30), np.linspace(0, -0.08, 10)] + wobble)
    train = 0.5 * np.exp(-E / 25)  # still falling clearly to the end
    got = names(lossdoc.analyze({"loss": train, "val_loss": val}))
    assert "still-improving" in got, got
    flat_train = np.r_[train[:28], np.full(12, train[28])] * (1 + 0.001 * np.cos(E))
    assert "still-improving" not in names(lossdoc.analyze({"loss": flat_train, "val_loss": val}))


def test_still_improving_from_a_slow_fall_only_when_it_is_very_steady():
    """A val loss falling 2% over its last quarter along a near-perfect line is still falling (ten standard
    errors and more); the same 2% under epoch-to-epoch noise of 0.5% is not (a level with noise)."""
    head = 1.0 * np.exp(-E[:30] / 6) + 2.0
    tail = head[-1] * np.exp(np.linspace(0, -0.0205, 10))  # 2% over the last 10 epochs, no noise
    steady = np.r_[head, tail] * (1 + 1e-4 * np.cos(3 * E))
    got = lossdoc.analyze({"loss": steady * 0.9, "val_loss": steady})
    f = next(f for rr in got.runs for f in rr.findings if f.name == "still-improving")
    assert 1.5 <= f.evidence["trend_drop_pct"] < 3 and f.evidence["trend_over_noise"] >= 10
    noisy = np.r_[head, tail * (1 + 0.005 * np.r_[1, -1, 1, -1, -1, 1, -1, 1, 1, -1])]
    assert "still-improving" not in names(lossdoc.analyze({"loss": steady * 0.9, "val_loss": noisy}))


def test_still_improving_on_the_train_loss_needs_a_short_val_loss_at_its_best(tmp_path):
    """Four evaluations are too few to judge the val loss's own trend, so the train loss is judged; but a val loss
    whose last evaluation is above its best contradicts "still improving" (a QLoRA fine-tune whose eval loss
    turned up at the last epoch while the train loss kept falling). Ending at its best, it does not."""
    train = 2.3 * np.exp(-E / 12) + 0.05

    def run_with(vals):
        at = dict(zip((9, 19, 29, 39), vals))
        rows = [f"{int(e)},{t:.6f},{at.get(int(e), '')}" for e, t in zip(E, train)]
        p = tmp_path / "metrics.csv"
        p.write_text("epoch,loss,val_loss\n" + "\n".join(rows) + "\n")
        return names(lossdoc.analyze(str(p)))

    assert "still-improving" not in run_with([0.82, 0.71, 0.665, 0.698])
    assert "still-improving" in run_with([0.82, 0.71, 0.698, 0.665])


def test_a_metric_never_defined_beside_finite_losses_is_a_note_about_the_evaluation():
    """detectron2 writes NaN for the AP of a category absent from the evaluation set, at every evaluation: every
    loss stays finite, so it is a note (info) about the metric, with the evaluation's causes, not the weights';
    a metric that turns NaN part-way is still a warning, with the same metric causes."""
    ap = np.full(40, np.nan)
    rep = lossdoc.analyze({"loss": TRAIN, "val_loss": TRAIN + 0.1, "val_ap_objects": ap})
    f = next(f for f in rep.runs[0].findings if f.name == "non-finite")
    assert f.severity is Severity.INFO and rep.exit_code == 0
    assert any("no examples" in c for c in f.causes) and not any("learning rate" in r for r in f.remedies)
    part = np.r_[np.full(30, 0.5), np.full(10, np.nan)]
    f2 = next(f for f in lossdoc.analyze({"loss": TRAIN, "val_loss": TRAIN + 0.1, "val_ap_objects": part}).runs[0].findings
              if f.name == "non-finite")
    assert f2.severity is Severity.WARNING and any("no examples" in c for c in f2.causes)
