"""Hand-built curves for each rule of the catalog: a case where it must fire and cases where it must not.

These pin each detector's meaning at its edges (noise, schedules, scale, short runs). Whether the rules are right
on real training runs is measured on fixtures/eval (tools/evaluate.py, tests/test_eval.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import lossdoc

RNG = np.random.default_rng(11)
E = np.arange(60, dtype=float)
FALL = 2.0 * np.exp(-E / 10) + 0.1  # a healthy, converging loss


def noisy(v, sd, rng=RNG):
    return v * np.exp(rng.normal(0, sd, len(v)))


def fired(cols, **kw):
    rep = lossdoc.analyze(cols, **kw)
    return {f.name: f for f in rep.runs[0].findings}


def step_cols(train, val=None, every=50, **extra):
    steps = np.arange(len(train), dtype=float)
    cols = {"step": steps, "train_loss": train}
    if val is not None:
        v = np.full(len(train), np.nan)
        v[every - 1 :: every] = val[: len(v[every - 1 :: every])]
        cols["val_loss"] = v
    cols.update(extra)
    return cols


# ---------------------------------------------------------------------------------------------- divergence
def test_divergence_fires_on_exponential_growth_and_quotes_the_doubling_time():
    loss = np.r_[FALL[:20], FALL[19] * 1.25 ** np.arange(1, 21)]
    f = fired({"loss": loss, "val_loss": loss * 1.1, "lr": np.full(40, 0.3)})
    d = f["divergence"]
    assert d.severity.label == "error"
    assert d.evidence["doubling_epochs"] == pytest.approx(np.log(2) / np.log(1.25), rel=0.2)
    assert any("0.3 logged" in r for r in d.remedies)
    assert "overfitting" not in f  # val rising because train diverges is divergence


def test_divergence_when_val_returns_to_its_start_and_train_gives_back_most_of_what_it_learned():
    # A CTC model collapsing to blank output: the first train log predates a long early plateau (25,450, then
    # ~8,500), so the train loss alone ends far below its first point; the val loss ends back above its start.
    train = np.r_[25450, np.full(8, 8500.0), np.geomspace(8000, 2100, 12), np.geomspace(2200, 8550, 8), np.full(12, 8550.0)]
    steps = np.arange(len(train), dtype=float) * 50
    val = np.full(len(train), np.nan)
    val[5::5] = [2691, 1366, 828, 687, 680, 1672, 2797, 2799]
    d = fired({"step": steps, "loss": train, "eval_loss": val})["divergence"]
    assert d.series == ["eval_loss"] and d.severity.label == "error"
    assert "train loss rose" in d.evidence["judged"]


def test_no_divergence_on_val_when_train_only_bounced_off_a_floor():
    # The train loss spiked off a 1e-5 floor and came most of the way back (gave back well under half of its
    # log range): a val loss that rose meanwhile is not a collapse.
    train = np.r_[1.4, np.geomspace(0.02, 1.5e-5, 30), 1.9, 1.3, 1.0, 0.07, 0.04, np.full(6, 0.0013)]
    val = np.r_[0.44, np.linspace(0.43, 0.37, 30), 2.3, 1.6, 1.4, 0.7, 1.0, 0.8, 0.7, 0.62, 0.55, 0.56, 0.55]
    assert "divergence" not in fired({"loss": train, "val_loss": val})


def test_divergence_not_on_a_warmup_bump_that_recovers():
    bump = np.r_[FALL[:10], FALL[9] * np.array([1.3, 1.6, 1.5, 1.2]), FALL[14:] * 0.9]
    assert "divergence" not in fired({"loss": bump, "val_loss": bump * 1.1})


def test_divergence_not_on_healthy_noisy_per_step_loss():
    n = 3000
    loss = noisy(3 * np.exp(-np.arange(n) / 600) + 0.2, 0.3)
    assert "divergence" not in fired(step_cols(loss))


# ---------------------------------------------------------------------------------------------- spikes
def test_spikes_found_when_a_burst_of_bad_batches_lasts_several_steps():
    # A scrambled shard: 6 consecutive steps at 25x the level, twice, in a 720-step noisy loss. A 9-point median
    # would rise with the burst; the long curve's level is a median over a fortieth of it.
    n = 720
    loss = noisy(0.25 + 1.4 * np.exp(-np.arange(n) / 40), 0.15, np.random.default_rng(5))
    loss[200:206] = 6.5
    loss[500:506] = 6.0
    s = fired(step_cols(loss))["spikes"]
    assert s.evidence["count"] == 2 and s.evidence["largest_ratio"] > 10


def test_spikes_counted_with_grad_norm_evidence():
    n = 2000
    loss = noisy(3 * np.exp(-np.arange(n) / 400) + 0.3, 0.05)
    gn = noisy(np.full(n, 1.0), 0.1)
    for at in (500, 900, 1500):
        loss[at] *= 8
        gn[at - 1] *= 40
    f = fired(step_cols(loss, grad_norm=gn))
    s = f["spikes"]
    assert s.evidence["count"] == 3 and s.evidence["recovered"] == 3
    assert s.evidence["largest_ratio"] > 5
    assert any("grad_norm rose" in r for r in s.remedies)


def test_no_spikes_in_heavy_tailed_minibatch_noise():
    n = 3000
    rng = np.random.default_rng(5)
    loss = (3 * np.exp(-np.arange(n) / 600) + 0.2) * rng.gamma(8, 1 / 8, n)  # batch-to-batch spread ~35%
    assert "spikes" not in fired(step_cols(loss))


def test_no_spike_on_lr_step_decay_drop():
    loss = np.r_[noisy(np.full(30, 1.0), 0.02), noisy(np.full(30, 0.4), 0.02)]
    assert "spikes" not in fired({"loss": loss, "val_loss": loss * 1.05})


# ---------------------------------------------------------------------------------------------- oscillation
def test_oscillation_fires_on_a_period_two_zigzag_that_does_not_settle():
    base = 1.0 * np.exp(-E / 40) + 0.5
    zig = base * np.where(E % 2 == 0, 1.4, 0.7)
    f = fired({"loss": zig, "val_loss": zig * 1.05})
    assert "oscillation" in f and f["oscillation"].evidence["autocorr_lag1"] < -0.5


def test_oscillation_not_when_it_settles():
    amp = 0.4 * np.exp(-E / 8)
    zig = (1.0 * np.exp(-E / 40) + 0.5) * (1 + amp * np.where(E % 2 == 0, 1, -1))
    assert "oscillation" not in fired({"loss": zig, "val_loss": zig})


def test_oscillation_not_on_white_noise_searched_window_by_window():
    """The zig-zag test runs on every window of a curve: on white noise a detrended lag-1 autocorrelation near
    -0.3 is common, so a bar there finds chance stretches in long noisy val curves (7 of 40 here; at -0.5, 2)."""
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(40):
        e = np.arange(200, dtype=float)
        train = 2.0 * np.exp(-e / 30) + 0.3
        val = (train + 0.05) * np.exp(rng.normal(0, 0.2, len(e)))
        hits += "oscillation" in fired({"loss": train, "val_loss": val})
    assert hits <= 3


def test_oscillation_not_on_noisy_val_from_a_small_val_set():
    val = noisy(FALL + 0.1, 0.08, np.random.default_rng(3))
    assert "oscillation" not in fired({"loss": FALL, "val_loss": val})


# ---------------------------------------------------------------------------------------------- plateau
def test_plateau_near_ln_k_with_chance_accuracy():
    loss = noisy(np.full(30, np.log(10)), 0.005)
    f = fired({"loss": loss, "val_loss": loss, "val_accuracy": np.full(30, 0.1)})
    p = f["plateau"]
    assert p.evidence["ln_k_classes"] == 10 and p.severity.label == "error"
    assert next(iter(f)) == "plateau"  # the primary: it never learned (underfitting may be listed too)


def test_no_plateau_on_five_points():
    flat = np.array([0.2093, 0.2093, 0.2094, 0.2093, 0.2093])
    assert "plateau" not in fired({"val_loss": flat})
    assert "plateau" in fired({"val_loss": np.r_[flat, 0.2093]})  # six points: it never moved


def test_plateau_claims_ln_k_for_many_classes_only_beside_a_chance_accuracy():
    level = np.full(12, np.log(613.0))  # 6.418, ln(613): a GAN's generator loss, not a guess
    p = fired({"loss": level, "val_loss": level})["plateau"]
    assert "ln_k_classes" not in p.evidence and "uniform" not in p.message
    p = fired({"loss": level, "val_loss": level, "val_accuracy": np.full(12, 0.001)})["plateau"]
    assert p.evidence["ln_k_classes"] == 613


def test_no_plateau_when_the_loss_learned():
    assert "plateau" not in fired({"loss": FALL, "val_loss": FALL * 1.1})


def test_plateau_when_both_losses_settle_equal_and_flat_after_a_first_drop():
    # The first epoch mean took the drop to the class prior (a 43-class prior entropy of 3.479, 5% below the
    # first value), then train and val sit there together: a constant prediction. A warning (a model too weak for
    # the task ends the same way), listed after underfitting when that fires too.
    loss = np.r_[3.678, 3.571, 3.521, 3.498, 3.488, 3.483, np.full(14, 3.479)] * np.exp(RNG.normal(0, 1e-4, 20))
    f = fired({"loss": loss, "val_loss": loss * 1.0001, "val_accuracy": np.full(20, 0.0577)})
    p = f["plateau"]
    assert p.severity.label == "warning" and p.evidence["constant_level"] == pytest.approx(3.479, rel=1e-3)
    if "underfitting" in f:
        assert list(f).index("underfitting") < list(f).index("plateau")


def test_no_constant_plateau_when_val_moves_or_differs_from_train():
    settled = np.r_[1.0, 0.8, np.full(18, 0.75)]
    wobble = settled * np.r_[np.ones(10), 1 + 0.03 * (-1) ** np.arange(10)]  # val swings 3% in its second half
    assert "plateau" not in fired({"loss": settled, "val_loss": wobble})
    assert "plateau" not in fired({"loss": settled, "val_loss": settled * 1.2})  # val 20% above train: a gap
    low = np.r_[1.0, 0.3, np.full(18, 0.2)]  # converged far below its start: learned
    assert "plateau" not in fired({"loss": low, "val_loss": low})


def test_gap_from_1_5x_when_the_val_loss_never_followed_the_train_loss_down():
    # Emotion classifier: val 1.85 -> 1.72 (-7%) while train 1.74 -> 1.01: 1.7x, below the 2x bar of a gap alone.
    e = np.arange(30, dtype=float)
    train = 1.74 * np.exp(-e / 50) * np.exp(RNG.normal(0, 0.005, 30))
    val = (1.85 - 0.13 * e / 29) * np.exp(RNG.normal(0, 0.005, 30))
    g = fired({"loss": train, "val_loss": val})["generalization-gap"]
    assert 1.5 <= g.evidence["val_over_train"] < 2.0


def test_no_gap_below_2x_when_the_val_loss_learned_too():
    e = np.arange(30, dtype=float)
    train = 1.74 * np.exp(-e / 50)
    val = 1.8 * train  # 1.8x, but the val loss fell with the train loss: no gap finding below 2x
    assert "generalization-gap" not in fired({"loss": train, "val_loss": val})


def test_gap_beside_an_upturn_from_the_first_evaluation_counts_whole():
    # A val set from another distribution: val lowest at its first evaluation, then 4x higher, while train
    # falls only 25%. The upturn is reported (overfitting) and the gap is not hidden behind it.
    train = np.linspace(1.38, 1.0, 16)
    val = np.r_[1.54, 2.3, 3.2, 4.3, 5.5, 7.1, 6.0, 5.9, 4.9, 6.2, 5.7, 5.9, 6.0, 5.9, 5.8, 5.8]
    f = fired({"loss": train, "val_loss": val})
    assert "overfitting" in f and f["generalization-gap"].evidence["val_capped_at_best"] is False


def test_gap_beside_a_later_upturn_is_judged_at_the_best():
    train = np.linspace(1.38, 1.0, 16)
    val = np.r_[3.0, 2.2, 1.7, 1.5, 1.54, 2.3, 3.2, 4.3, 5.5, 7.1, 6.0, 5.9, 6.2, 5.9, 5.8, 5.8]  # best at the 4th
    assert "generalization-gap" not in fired({"loss": train, "val_loss": val})


# ---------------------------------------------------------------------------------------------- underfitting
def test_underfitting_levels_off_high_and_close():
    loss = 0.69 - 0.3 * (1 - np.exp(-E / 5))  # 0.69 -> 0.39 and flat
    f = fired({"loss": loss, "val_loss": loss * 1.03})
    assert "underfitting" in f and "plateau" not in f


def test_no_underfitting_when_it_converges_low():
    assert "underfitting" not in fired({"loss": FALL, "val_loss": FALL * 1.05})


@pytest.mark.parametrize("name, level, fires", [
    ("val_accuracy", 0.97, False),
    ("val_accuracy", 0.80, True),
    ("metrics/mAP50(B)", 0.99, False),  # a detection log's mAP at IoU 0.5 plays accuracy's part
    ("metrics/mAP50-95(B)", 0.99, True),  # the stricter mAP50-95 is not that metric
    ("mAP_0.5", 0.80, True),
])
def test_underfitting_silent_for_a_model_strong_enough_for_its_task(name, level, fires):
    loss = 0.69 - 0.3 * (1 - np.exp(-E / 5))  # levels off at 57% of its start, val close to it
    f = fired({"loss": loss, "val_loss": loss * 1.03, name: np.full(len(E), level)})
    assert ("underfitting" in f) is fires


# ---------------------------------------------------------------------------------------------- still-improving
def test_still_improving_when_stopped_early():
    short = FALL[:12]
    f = fired({"loss": short, "val_loss": short * 1.1})
    assert "still-improving" in f and f["still-improving"].severity.label == "info"


def test_not_still_improving_when_converged():
    flat_end = np.r_[FALL[:30], np.full(30, FALL[29])]
    assert "still-improving" not in fired({"loss": flat_end, "val_loss": flat_end * 1.1})


# ---------------------------------------------------------------------------------------------- val vs train
def test_val_below_train_by_dropout():
    f = fired({"loss": FALL * 1.4, "val_loss": FALL})
    assert "val-below-train" in f


def test_generalization_gap_without_upturn():
    f = fired({"loss": FALL * 0.2, "val_loss": FALL * 0.2 + 0.5})
    assert "generalization-gap" in f and "overfitting" not in f


def test_generalization_gap_beside_an_upturn_when_val_was_far_above_train_even_at_its_best():
    """A shifted validation set: the train loss falls to near zero, the val loss barely improves at first and
    then climbs. Both are true: the upturn (overfitting) and a gap that was there before it (the val loss at its
    best is still far above the train loss, by a large share of where training started)."""
    train = 2.3 * np.exp(-E / 6) + 0.002
    val = np.r_[2.4, 2.2, 2.1, 2.15 + 0.05 * np.arange(57)]
    f = fired({"loss": train, "val_loss": val})
    assert "overfitting" in f and "generalization-gap" in f
    assert f["generalization-gap"].evidence["val_capped_at_best"] is True


def test_no_generalization_gap_from_the_upturn_alone():
    """A classic overfit: the val loss fell most of the way to the train loss, then rose. The gap at the end is
    the upturn's; the gap the val loss had at its best is a small share of where training started."""
    train = 2.3 * np.exp(-E / 6) + 0.001
    val = np.r_[2.3 * np.exp(-E[:15] / 4) + 0.25, 0.27 + 0.01 * np.arange(45)]
    f = fired({"loss": train, "val_loss": val})
    assert "overfitting" in f and "generalization-gap" not in f


def test_overconfidence_is_one_finding_of_overfitting_with_its_kind():
    """One problem, one finding: the val loss turning up while accuracy holds is overfitting of the overconfident
    kind (LD102 overconfidence is an alias of LD101), reported once."""
    val = 0.6 + 0.002 * (E - 15) ** 2
    rep = lossdoc.analyze({"loss": FALL, "val_loss": val, "val_accuracy": np.minimum(0.9, 0.5 + E / 30)})
    names = [f.name for f in rep.runs[0].findings]
    assert names.count("overfitting") == 1 and "overconfidence" not in names
    f = rep.runs[0].findings[0]
    assert f.name == "overfitting" and f.evidence["kind"] == "overconfident"
    assert f.message.startswith("overconfident:")
    falls = fired({"loss": FALL, "val_loss": val, "val_accuracy": 0.9 - 0.004 * np.maximum(0, E - 15)})
    assert falls["overfitting"].evidence["kind"] == "metric fell"


# ---------------------------------------------------------------------------------------------- invariants
@pytest.mark.parametrize("scale", [1e-5, 1e-2, 1e3, 1e7])
@pytest.mark.parametrize(
    "cols",
    [
        {"loss": np.r_[FALL[:20], FALL[19] * 1.25 ** np.arange(1, 21)]},
        {"loss": FALL, "val_loss": 0.6 + 0.002 * (E - 15) ** 2},
        {"loss": FALL[:12], "val_loss": FALL[:12] * 1.1},
    ],
    ids=["divergence", "overfitting", "still-improving"],
)
def test_rescaling_the_losses_does_not_change_the_diagnosis(cols, scale):
    base = set(fired(cols))
    assert base == set(fired({k: v * scale for k, v in cols.items()}))


def test_climb_into_nan_within_one_epoch_of_an_epoch_only_axis(tmp_path):
    # Per-batch rows of one epoch, all at epoch 0 (the batch column starts again every epoch): the climb before
    # the first NaN is read in file order. A crash here once (argmin of an empty sequence) stopped a whole eval.
    p = tmp_path / "batches.csv"
    loss = [0.97287, 0.734041, 2.735458, 584.97, 1515.3, 22050702.7, 18514482.75, 7.88e32, float("inf")]
    loss += [float("nan")] * 6
    p.write_text("epoch,batch,loss\n" + "".join(f"0,{i + 1},{v}\n" for i, v in enumerate(loss)))
    f = {g.name: g for g in lossdoc.analyze(str(p)).runs[0].findings}
    assert f["divergence"].evidence["kind"] == "climb then non-finite" and "non-finite" in f
    assert f["divergence"].evidence["min_value"] == 0.734041
