"""Family 1 (LD1xx): how validation behaves against training."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lossdoc.model import Finding, Run, Series, Severity
from lossdoc.rules.base import NotEnoughData, Param, Rule
from lossdoc.signals import (
    Curve,
    common_x,
    early_stop_at,
    fmt_num,
    fmt_x,
    level,
    noise,
    smooth,
    value_at,
)

# Parameters shared by the rules that look for the validation loss turning upwards.
UPTURN_PARAMS = {
    "min_points": Param(5, "fewest finite validation points the rule needs", min=3),
    "min_rise": Param(0.10, "smallest rise of the final val loss over its minimum (0.10 = 10%)", min=0.0),
    "noise_factor": Param(3.0, "the rise must also exceed this many times the val loss's own noise", min=0.0),
    "min_after": Param(3, "fewest validation points after the minimum", min=1),
    "persistence": Param(
        0.6, "share of the points after the minimum that stay above it by half the required rise", min=0, max=1
    ),
    "patience": Param(5, "patience of the early-stopping suggestion", min=1),
}


@dataclass
class Upturn:
    """The validation loss turning upwards after its minimum, measured on a shared clock with train loss."""

    val: Curve  # val loss on the comparison clock (binned if long)
    i_best: int  # index of the smoothed minimum in ``val``
    rise_log: float  # final level minus the minimum, log units
    need_log: float  # the rise the parameters require, log units
    persistence: float
    noise: float
    best_x: float  # the raw best point, on val's own axis
    best_value: float
    best_clock: float  # the same point on the comparison clock

    @property
    def rise_pct(self) -> float:
        return 100.0 * float(np.expm1(self.rise_log))

    @property
    def final_value(self) -> float:
        return float(self.best_value * np.exp(self.rise_log))

    @property
    def after(self) -> int:
        return len(self.val) - 1 - self.i_best

    @property
    def clear(self) -> bool:
        return self.rise_log >= self.need_log and self.persistence >= PERSIST_OK


PERSIST_OK = 0.6


def find_upturn(run: Run, p: dict) -> Upturn | None:
    """The val loss's upturn, or None when it never clearly rose after its minimum.

    Raises NotEnoughData when there are too few validation points to say."""
    val = run.val_loss
    assert val is not None
    other = run.train_loss or val
    _, vclock = common_x(other, val)
    raw = Curve.of(val, vclock)
    if len(raw) < p["min_points"]:
        raise NotEnoughData(f"{len(raw)} finite validation points, needs {p['min_points']}")
    c = raw.binned()
    s = smooth(c.lv)
    i_best = int(np.argmin(s))
    after = len(c) - 1 - i_best
    if after < p["min_after"]:
        return None
    final = level(s[i_best + 1 :], frac=0.34)
    rise = final - s[i_best]
    nz = noise(c.lv)
    need = max(float(np.log1p(p["min_rise"])), p["noise_factor"] * nz)
    persist = float(np.mean(c.lv[i_best + 1 :] > s[i_best] + need / 2))
    j = int(np.argmin(raw.v))  # the raw best point: what a checkpoint callback keeps
    up = Upturn(c, i_best, float(rise), need, persist, nz, float(raw.shown[j]), float(raw.v[j]), float(raw.x[j]))
    if up.rise_log < need or persist < p["persistence"]:
        return None
    return up


def upturn_remedies(run: Run, up: Upturn, patience: int) -> list[str]:
    val = run.val_loss
    assert val is not None
    axis = val.axis
    out = [f"restore the weights of {axis} {fmt_x(up.best_x)} ({val.name} {fmt_num(up.best_value)})"]
    stop_i = early_stop_at(val.values, patience)
    if stop_i is not None:
        out.append(
            f"EarlyStopping(monitor='{val.name}', patience={patience}, restore_best_weights=True) "
            f"would have stopped at {axis} {fmt_x(float(val.x[stop_i]))}"
        )
    return out


def _best_val_metric(run: Run) -> Series | None:
    """The val metric to judge predictions by: an accuracy if logged, else any higher-is-better val metric."""
    metrics = [m for m in run.val_metrics() if m.higher_is_better]
    if not metrics:
        return None
    metrics.sort(key=lambda m: ("acc" not in m.name.lower(), -len(m)))
    return metrics[0]


class Overfitting(Rule):
    """Validation loss rises clearly and persistently after its minimum while training loss keeps falling.

    What it detects:
        The validation loss reaches its lowest point and then climbs, and the climb is large against the
        curve's own noise and lasts to the end of the log, while the training loss goes on falling over the
        same span. The comparison is made in log space on a median-smoothed curve, so a single noisy
        evaluation neither triggers nor hides it; train and val are compared on one clock (steps when both
        log them).

    Why it matters:
        Every epoch after the minimum makes the model worse on data it has not seen. The weights you keep at
        the end are not the best ones you had, and more training will not fix it.

    Likely causes:
        Too little training data for the model's capacity; too little regularisation (weight decay, dropout,
        augmentation); noisy labels being memorised; training for too many epochs without early stopping.

    What to do:
        Restore (or checkpoint) the weights of the best validation epoch; use early stopping on the
        validation loss (the finding says where a given patience would have stopped); add regularisation or
        data augmentation, get more (or cleaner) data, or use a smaller model.
    """

    code = "LD101"
    name = "overfitting"
    severity = Severity.WARNING
    requires = ("train_loss", "val_loss")
    precedence = 50
    suppresses = ("generalization-gap",)
    params = dict(UPTURN_PARAMS)

    def check(self, run: Run) -> Iterable[Finding]:
        up = find_upturn(run, self.p)
        if up is None:
            return
        train, val = run.train_loss, run.val_loss
        assert train is not None and val is not None
        tclock, _ = common_x(train, val)
        t = Curve.of(train, tclock)
        span = t.v[t.x >= up.best_clock]
        if len(span) < 2:
            return
        t_start = value_at(t.x, t.v, up.best_clock)
        t_end = level(span, frac=0.2)
        if not t_end < t_start:
            return  # train loss not falling: not overfitting (divergence or a stalled run explains the rise)
        train_drop = 100.0 * (1.0 - t_end / t_start) if t_start > 0 else float("nan")
        axis = val.axis
        strength = min(1.0, up.rise_log / max(up.need_log, 1e-12) / 2)
        confidence = (0.55 + 0.25 * strength + 0.2 * up.persistence) * min(1.0, up.after / 5)
        metric = _best_val_metric(run)
        evidence = {
            "best_x": up.best_x,
            "best_value": up.best_value,
            "final_value": up.final_value,
            "rise_pct": round(up.rise_pct, 2),
            "train_drop_pct": round(train_drop, 2),
            "points_after_best": up.after,
            "noise_log": round(up.noise, 5),
            "persistence": round(up.persistence, 3),
        }
        if metric is not None:
            mc = Curve.of(metric, common_x(metric, val)[0])
            m_best = value_at(mc.x, mc.v, up.best_clock)
            evidence[f"{metric.name}_at_best"] = m_best
            evidence[f"{metric.name}_final"] = level(mc.v, frac=0.2)
        yield self.finding(
            f"{val.name} rose {up.rise_pct:.0f}% from its minimum {fmt_num(up.best_value)} at {axis} "
            f"{fmt_x(up.best_x)} while {train.name} fell a further {train_drop:.0f}%",
            why=(
                f"After {axis} {fmt_x(up.best_x)} the model kept fitting the training data better but "
                f"generalised worse: the gap between the two curves opened for the rest of the run."
            ),
            confidence=confidence,
            series=[train.name, val.name],
            onset=up.best_x,
            axis=axis,
            evidence=evidence,
            causes=[
                "model capacity too large for the amount of training data",
                "too little regularisation (weight decay, dropout, augmentation)",
                "training ran long past the best epoch without early stopping",
            ],
            remedies=upturn_remedies(run, up, self.p["patience"])
            + ["add regularisation (weight decay, dropout, augmentation) or more data, or shrink the model"],
        )


class Overconfidence(Rule):
    """Validation loss rises after its minimum while validation accuracy rises or holds.

    What it detects:
        The same upturn of the validation loss as overfitting (large against its noise, lasting to the
        end), but a higher-is-better validation metric (accuracy preferred) ends at least as good as it
        was at the loss minimum. The model still ranks the right answers first; it has become too sure of
        its wrong ones, and cross-entropy punishes confident mistakes hard.

    Why it matters:
        Accuracy alone says the model is fine, but its probabilities are no longer calibrated: thresholds,
        ensembles, and anything that reads the scores will behave worse, and it is the first stage of
        overfitting.

    Likely causes:
        Training long after the decision boundaries settled, pushing logits ever larger; no label smoothing
        or weight decay; a small validation set on which a few confident errors dominate the loss.

    What to do:
        Choose the checkpoint by the metric you care about, or by the loss if you need calibrated scores;
        add label smoothing or weight decay; calibrate afterwards (temperature scaling); stop earlier.
    """

    code = "LD102"
    name = "overconfidence"
    severity = Severity.WARNING
    requires = ("val_loss",)
    precedence = 45
    suppresses = ("generalization-gap",)
    params = {
        **UPTURN_PARAMS,
        "hold_tolerance": Param(
            0.005, "the metric 'holds' if it ends no more than this below its value at the loss minimum", min=0
        ),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        metric = _best_val_metric(run)
        if metric is None:
            raise NotEnoughData("no higher-is-better validation metric (e.g. val_accuracy)")
        up = find_upturn(run, self.p)
        if up is None:
            return
        val = run.val_loss
        assert val is not None
        mc = Curve.of(metric, common_x(metric, val)[0])
        if len(mc) < 3:
            return
        # The metric around the loss minimum (median of 5 points) against its final level; "holds" within
        # the tolerance or twice the metric's own point-to-point noise, whichever is larger.
        i = int(np.clip(np.searchsorted(mc.x, up.best_clock, side="right") - 1, 0, len(mc) - 1))
        m_best = float(np.median(mc.v[max(0, i - 2) : i + 3]))
        m_final = level(mc.v, frac=0.2)
        d = np.diff(mc.v)
        m_noise = float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2)) if len(d) > 2 else 0.0
        scale = max(abs(m_best), 1.0) if abs(m_best) > 1 else 1.0
        tol = max(self.p["hold_tolerance"] * scale, 2 * m_noise)
        if m_final < m_best - tol:
            return
        axis = val.axis
        verb = "rose" if m_final > m_best + tol else "held"
        yield self.finding(
            f"{val.name} rose {up.rise_pct:.0f}% after its minimum at {axis} {fmt_x(up.best_x)} while "
            f"{metric.name} {verb} ({fmt_num(m_best)} -> {fmt_num(m_final)})",
            why=(
                f"The model keeps getting the same answers right ({metric.name} {verb}) but grows more confident "
                f"in the ones it gets wrong, so the validation loss climbs."
            ),
            confidence=(0.6 + 0.2 * min(1.0, up.rise_log / max(up.need_log, 1e-12) / 2) + 0.2 * up.persistence)
            * min(1.0, up.after / 5),
            series=[val.name, metric.name],
            onset=up.best_x,
            axis=axis,
            evidence={
                "best_x": up.best_x,
                "best_value": up.best_value,
                "final_value": up.final_value,
                "rise_pct": round(up.rise_pct, 2),
                "metric": metric.name,
                "metric_at_best": m_best,
                "metric_final": m_final,
                "points_after_best": up.after,
                "noise_log": round(up.noise, 5),
            },
            causes=[
                "training continued long after the decision boundaries settled, inflating the logits",
                "no label smoothing or weight decay to keep predictions soft",
                "a small validation set where a few confident mistakes dominate the loss",
            ],
            remedies=upturn_remedies(run, up, self.p["patience"])
            + [
                f"select checkpoints by {metric.name} if that is what you deploy on, or by {val.name} if you need "
                "calibrated probabilities",
                "add label smoothing (e.g. 0.1) or weight decay; calibrate with temperature scaling",
            ],
        )


def aligned_ratio(train: Series, val: Series) -> tuple[Curve, np.ndarray]:
    """Val loss on the shared clock and the train loss level at each val point (val / train ratio inputs)."""
    tclock, vclock = common_x(train, val)
    t = Curve.of(train, tclock)
    v = Curve.of(val, vclock)
    if len(t) == 0 or len(v) == 0:
        return v, np.array([])
    # The train loss around each val point: a rolling median of train (binned) read at the val positions.
    tb = t.binned()
    ts = np.exp(smooth(tb.lv)) if np.all(tb.v > 0) else tb.v
    idx = np.clip(np.searchsorted(tb.x, v.x, side="right") - 1, 0, len(tb) - 1)
    return v, ts[idx]


def second_half_ratio(
    train: Series, val: Series, min_points: int
) -> tuple[Curve, np.ndarray, slice, float] | None:
    """Val on the shared clock, the train level at each val point, the second half's slice and the median
    val/train ratio over it; None when the losses are not all positive (a ratio means nothing then). Raises
    NotEnoughData for too few val points."""
    v, t_at = aligned_ratio(train, val)
    if len(v) < min_points or len(t_at) == 0:
        raise NotEnoughData(f"{len(v)} finite validation points, needs {min_points}")
    if np.any(v.v <= 0) or np.any(t_at <= 0):
        return None
    half = slice(len(v) // 2, len(v))
    with np.errstate(over="ignore"):  # losses near the float limits: the ratio may be inf
        ratio = float(np.median(v.v[half] / t_at[half]))
    return v, t_at, half, ratio


class GeneralizationGap(Rule):
    """Validation loss stays far above training loss throughout, without an upturn.

    What it detects:
        Over the second half of the run the validation loss sits at several times the training loss (the
        median ratio of the two, compared at the same steps), and the gap is large against the noise of the
        validation loss, but the validation loss never turns upwards (that would be overfitting).

    Why it matters:
        The model learns the training set far better than anything it generalises to: more training will
        mostly widen the gap, and the validation loss is the number that predicts real performance.

    Likely causes:
        A training set too small or not representative of the validation data (distribution shift, a
        different preprocessing path); a model that memorises; strong regularisation keeping the val loss
        flat while the train loss drops; a leak between the train examples that makes them easy.

    What to do:
        Check that train and validation data go through the same preprocessing and come from the same
        distribution; add data or augmentation; regularise more; consider a smaller model.
    """

    code = "LD103"
    name = "generalization-gap"
    severity = Severity.INFO
    requires = ("train_loss", "val_loss")
    precedence = 80
    params = {
        "min_points": Param(5, "fewest finite validation points the rule needs", min=3),
        "min_ratio": Param(2.0, "median val/train loss ratio over the second half that counts as far above", min=1),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        train, val = run.train_loss, run.val_loss
        assert train is not None and val is not None
        got = second_half_ratio(train, val, self.p["min_points"])
        if got is None:
            return
        v, t_at, half, ratio = got
        nz = noise(v.lv)
        if ratio < self.p["min_ratio"] or np.log(ratio) < 3 * nz:
            return
        yield self.finding(
            f"{val.name} is {ratio:.1f}x {train.name} over the second half of the run "
            f"({fmt_num(level(v.v))} vs {fmt_num(float(np.median(t_at[-max(1, len(t_at) // 5):])))} at the end)",
            why="The model fits its training data far better than the validation data, from early on, without "
            "the validation loss turning up.",
            confidence=min(1.0, 0.5 + 0.25 * np.log(ratio / self.p["min_ratio"] + 1)),
            series=[train.name, val.name],
            onset=float(v.shown[half][0]),
            axis=val.axis,
            evidence={"val_train_ratio": round(ratio, 3), "val_final": level(v.v), "noise_log": round(nz, 5)},
            causes=[
                "train and validation data differ (distribution shift or different preprocessing)",
                "too little training data for the model",
                "regularisation or augmentation holding the validation loss flat while the model memorises",
            ],
            remedies=[
                "check that validation data goes through the same preprocessing as training data",
                "add data or augmentation, or use a smaller / more regularised model",
            ],
        )


class ValBelowTrain(Rule):
    """Validation loss persistently below training loss.

    What it detects:
        Over the second half of the run the validation loss is below the training loss at most of the
        validation points (compared at the same steps), by a clear margin.

    Why it matters:
        Usually harmless and explained by how the two numbers are measured, but it hides how much the model
        really overfits, and when the validation metrics are near perfect it can mean the validation set
        leaks into training.

    Likely causes:
        Dropout, augmentation or other train-time noise that is switched off for validation; a train loss
        averaged over the epoch while the model improved (val is measured at the end of the epoch); an
        easier validation set; overlap (leakage) between training and validation data.

    What to do:
        Nothing if dropout/augmentation explain it; to compare like with like, evaluate the train loss in
        eval mode on a train subset. If the validation metrics look too good, check the split for duplicates
        or leakage.
    """

    code = "LD104"
    name = "val-below-train"
    severity = Severity.INFO
    requires = ("train_loss", "val_loss")
    precedence = 85
    params = {
        "min_points": Param(5, "fewest finite validation points the rule needs", min=3),
        "max_ratio": Param(0.9, "median val/train ratio over the second half at or below which it fires", min=0, max=1),
        "share": Param(0.7, "share of the second half's val points that must be below train", min=0, max=1),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        train, val = run.train_loss, run.val_loss
        assert train is not None and val is not None
        got = second_half_ratio(train, val, self.p["min_points"])
        if got is None:
            return
        v, t_at, half, ratio = got
        share = float(np.mean(v.v[half] < t_at[half]))
        if ratio > self.p["max_ratio"] or share < self.p["share"]:
            return
        metric = _best_val_metric(run)
        causes = [
            "dropout, augmentation or other train-time noise switched off at validation",
            "train loss averaged over each epoch while val is measured at its end",
            "an easier validation set, or overlap (leakage) between training and validation data",
        ]
        evidence = {"val_train_ratio": round(ratio, 3), "share_below": round(share, 3)}
        if metric is not None:
            top = float(np.nanmax(metric.values)) if np.isfinite(metric.values).any() else float("nan")
            evidence[f"{metric.name}_max"] = top
            if "acc" in metric.name.lower() and top >= 0.995:
                causes.insert(0, f"{metric.name} reaches {fmt_num(top)}: near-perfect validation hints at leakage")
        yield self.finding(
            f"{val.name} is below {train.name} at {share:.0%} of the second half's points "
            f"(median ratio {ratio:.2f})",
            why="The model scores better on data it does not train on than on its training data; usually the "
            "training loss is measured with dropout or augmentation on.",
            confidence=min(1.0, 0.5 + share / 2),
            series=[train.name, val.name],
            onset=float(v.shown[half][0]),
            axis=val.axis,
            evidence=evidence,
            causes=causes,
            remedies=[
                "compare like with like: evaluate the train loss in eval mode on a train subset",
                "if validation metrics look too good, check the split for duplicates or leakage",
            ],
        )
