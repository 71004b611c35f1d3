"""Family 3 (LD3xx): whether training made the progress it should have."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from lossdoc.model import Finding, Run, Series, Severity
from lossdoc.rules.base import NotEnoughData, Param, Rule
from lossdoc.rules.stability import loss_to_check
from lossdoc.signals import (
    Curve,
    common_x,
    epoch_blocks,
    fmt_num,
    fmt_x,
    head_level,
    level,
    lr_at,
    noise,
    ols_drop,
    rolling_median,
    smooth,
    theil_sen,
)


def start_log(c: Curve) -> float:
    """Where a (log) curve began: its first point, or the median of its first few on a long curve (at most 5,
    one per 50 points). Not a median over a tenth of the run: a loss that fell fast in its first epoch learned,
    and the first epoch mean is the only point that shows it."""
    return float(np.median(c.lv[: max(1, min(5, len(c) // 50))]))


def progress_of(c: Curve) -> float:
    """How far the (smoothed) loss went below its start: 0.3 = its best is 30% below where it began."""
    start = start_log(c)
    best = float(np.min(smooth(c.lv)))
    return float(1.0 - np.exp(min(0.0, best - start)))


#: Up to this many classes a level at ln(K) is read as uniform guessing on its own; above, only with an accuracy
#: at chance (the logs of ln K for large K are closer together than the 3% tolerance).
LN_K_ALONE = 20


def near_ln_k(loss_level: float) -> int | None:
    """K when a cross-entropy level sits at ln(K) (uniform guessing over K classes), within 3%."""
    if not (0.6 < loss_level < 7.0):
        return None
    k = round(float(np.exp(loss_level)))
    if k >= 2 and abs(np.log(k) - loss_level) <= 0.03 * np.log(k):
        return k
    return None


def tail_trend(c: Curve, frac: float) -> tuple[float, int, float, float]:
    """Change of a log curve over its last ``frac`` (Theil-Sen slope x window length): (change, points, x0, x1)."""
    w = c.tail(frac, min_points=3)
    x, y = c.x[w], c.lv[w]
    if len(x) < 2:
        return 0.0, len(x), float("nan"), float("nan")
    slope = theil_sen(x, y)
    return float(slope * (x[-1] - x[0])), len(x), float(c.shown[w][0]), float(c.shown[w][-1])


#: A val loss whose middle half over the second half of the run spans at most this share of its level is flat
#: to the eye of a constant prediction (the same output whatever the input).
CONSTANT_SPREAD = 0.005
#: ... and the train loss's level must be this close to it (a constant prediction scores the same on both sets).
CONSTANT_MATCH = 0.02
#: ... and the level at least this share of the first logged one (a converged model that is flat and equal on
#: both sets sits far below where it started).
CONSTANT_HIGH = 0.7


def _constant_prediction(run: Run, c: Curve, val_only: bool) -> float | None:
    """The level at which the train and the val loss both sit, flat and equal, over the second half of the run,
    still near where the log started: the model outputs one prediction whatever the input (the class prior; a
    first logged epoch mean already took the drop to it), or None."""
    if val_only or run.val_loss is None:
        return None
    vc = Curve.of(run.val_loss).binned()
    if len(vc) < 6 or np.any(vc.v <= 0) or np.any(c.v <= 0):
        return None
    vh = vc.v[len(vc) // 2:]
    th = c.v[len(c) // 2:]
    q1, med, q3 = np.percentile(vh, [25, 50, 75])
    if (q3 - q1) > CONSTANT_SPREAD * med:
        return None
    tmed = float(np.median(th))
    if abs(np.log(tmed / med)) > np.log1p(CONSTANT_MATCH):
        return None
    if med < CONSTANT_HIGH * float(np.exp(start_log(vc))) or tmed < CONSTANT_HIGH * float(np.exp(start_log(c))):
        return None
    return float(med)


class Plateau(Rule):
    """The loss barely moves from its start: the model never learned.

    What it detects:
        The best (smoothed) loss of the run is within a few percent of where it started, for the training
        loss and, when logged, the validation loss too, and it stays level: a loss that ends clearly above
        its start did not plateau (a rising val-only log is overfitting, a rising train loss divergence).
        Also, as a warning: train and val loss that settle at one level, equal and flat over the second half of
        the run, still at least 70% of where the log started (its first epoch mean or evaluation already took
        the drop to it): a model whose output no longer depends on its input, such as one predicting the class
        prior (a model too weak for the task ends the same way: underfitting, when found, is listed first).
        A log whose step counter restarts (a resumed run) is not judged: its kept segment starts trained. For a cross-entropy loss sitting at ln(K), the finding notes that the model predicts
        uniform probabilities over K classes (with the accuracy near 1/K when it is logged; for more than 20 classes only beside an accuracy at chance, as ln(K) of some K lies within 3% of
        almost any level there). A loss that is
        exactly 0 at every point is said to be that: nothing was computed (no targets, a loss term switched
        off) or logged, and the remedies are about the data and the logging, not the learning rate.

    Why it matters:
        Nothing was learned: the run's compute bought nothing, and no amount of extra epochs at these
        settings will change that.

    Likely causes:
        A learning rate far too low; the parameters not being updated (frozen layers, the optimiser given
        the wrong parameters, optimizer.step or loss.backward missing); dead units from a bad initialisation
        (ReLUs with large negative bias, saturated sigmoids); labels that do not match the inputs (shuffled
        separately); inputs not normalised.

    What to do:
        Run a learning-rate range test and raise the learning rate (the finding quotes the logged one);
        check that the loss's gradients reach the parameters and that the optimiser steps them; overfit a
        single batch as a sanity check; check the initialisation and that inputs and labels line up.
    """

    code = "LD301"
    name = "plateau"
    severity = Severity.ERROR
    requires = ("any_loss",)
    precedence = 30
    # A model that never learned: a trend, a gap or a zig-zag in its flat loss is not the story.
    explains = {
        "still-improving": "always",
        "generalization-gap": "always",
        "val-below-train": "always",
        "oscillation": "always",
        "spikes": "always",
    }
    params = {
        "min_points": Param(6, "fewest finite loss points the rule needs (five points are too few to say a "
                            "run never learned)", min=3),
        "min_progress": Param(0.05, "the loss must get this far below its start (0.05 = 5%) to have learned", min=0),
        "max_rise": Param(0.1, "a loss that ends more than this above its start (0.1 = 10%), beyond its noise, "
                          "rose: not a plateau", min=0),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        loss, val_only = loss_to_check(run)
        c = Curve.of(loss).binned()
        if len(c) < self.p["min_points"]:
            raise NotEnoughData(f"{len(c)} finite points of {loss.name}, needs {self.p['min_points']}")
        prog = progress_of(c)
        constant = None
        if prog >= self.p["min_progress"]:
            constant = _constant_prediction(run, c, val_only)
            if constant is None:
                return
        if run.meta.get("restarted"):
            # The kept segment resumes an earlier run: a loss that starts low and stays there was already
            # trained, which is not "never learned".
            return
        acc = next((m for m in run.series.values() if m.kind == "metric" and "acc" in m.name.lower()), None)
        if acc is not None and np.isfinite(acc.values).any() and np.nanmax(acc.values[np.isfinite(acc.values)]) >= 0.9:
            return  # a model at 90%+ accuracy learned; it is fine-tuning or already converged
        start = start_log(c)
        end = level(c.lv, 0.2)
        if end - start > max(np.log1p(self.p["max_rise"]), 3 * noise(c.lv)):
            # It went up, not sideways: a rising val-only log is overfitting material, a rising train loss
            # divergence's; neither is "never learned", and raising the learning rate would be the wrong fix.
            return
        others = []
        if not val_only and run.val_loss is not None:
            vc = Curve.of(run.val_loss).binned()
            if len(vc) >= 3:
                others.append((run.val_loss, progress_of(vc)))
                if others[-1][1] >= self.p["min_progress"] and constant is None:
                    return
        start_v, end_v = float(np.exp(start)), float(np.exp(end))
        raw = Curve.of(loss)
        first_v, last_v = float(raw.v[0]), float(raw.v[-1])
        axis = loss.axis
        evidence = {
            "first_value": first_v,
            "final_value": float(loss.values[-1]),
            "start_level_smoothed": start_v,
            "final_level_smoothed": end_v,
            "progress_pct": round(100 * prog, 2),
        }
        for s, pr in others:
            evidence[f"{s.name}_progress_pct"] = round(100 * pr, 2)
        k = near_ln_k(end_v) if np.all(c.v > 0) else None
        if k is not None and k > LN_K_ALONE:
            # ln(K) for K above 20 lies within 3% of some ln(K) whatever the level (ln 613 = 6.42 for a GAN's
            # generator loss): the uniform guess is claimed only beside an accuracy at that chance level.
            finite_acc = acc.values[np.isfinite(acc.values)] if acc is not None else np.array([])
            if not len(finite_acc) or float(np.nanmedian(finite_acc[-5:])) > 2.0 / k:
                k = None
        note = ""
        if k is not None:
            evidence["ln_k_classes"] = k
            note = (f"; its level {fmt_num(end_v)} (smoothed) is ln({k}): the model predicts uniform probabilities "
                    f"over {k} classes")
            if acc is not None and np.isfinite(acc.values).any():
                a = float(np.nanmedian(acc.values[np.isfinite(acc.values)][-5:]))
                evidence["accuracy"] = acc.name
                evidence["accuracy_level_smoothed"] = a
                if abs(a - 1.0 / k) < 0.1:
                    note += f" ({acc.name} {fmt_num(a)}, chance is {fmt_num(1.0 / k)})"
        lr = lr_at(run.lr, float(c.shown[-1]), axis)
        remedies = []
        if lr is not None:
            evidence["lr"] = lr
            remedies.append(f"raise the learning rate ({fmt_num(lr)} logged): run a learning-rate range test")
        else:
            remedies.append("raise the learning rate: run a learning-rate range test")
        remedies += [
            "check that gradients reach the parameters: the optimiser gets model.parameters(), loss.backward() "
            "and optimizer.step() run, no layer is frozen by mistake",
            "overfit one small batch as a sanity check; check initialisation and that labels match inputs",
        ]
        message = (f"{loss.name} barely moved: from {fmt_num(first_v)} at the start its best was only {prog:.1%} "
                   f"lower, and it ended at {fmt_num(last_v)}{note}")
        why = "The loss stayed where it started for the whole run: the model did not learn anything."
        severity = self.severity
        if constant is not None:
            # It moved at first (a first epoch mean or evaluation already took the drop to the prior), then sat at
            # one level on both sets: a model whose output no longer depends on its input. Less certain than a loss
            # that never moved (a model too weak for the task ends the same way: underfitting outranks it), so a
            # warning, not an error.
            severity = Severity.WARNING
            evidence["constant_level"] = constant
            message = (f"{loss.name} and {run.val_loss.name} settled at the same level, {fmt_num(constant)}, and "
                       f"stayed there, flat, for the second half of the run ({fmt_num(first_v)} at the start){note}: "
                       "the model gives the same output whatever the input")
            why = ("Train and val loss equal and flat at a level close to where they started: the model learned the "
                   "average answer (the class prior) and nothing that depends on the input.")
        causes = [
            "learning rate far too low",
            "parameters not updated (frozen, not given to the optimiser, step/backward missing)",
            "dead units from a bad initialisation, or labels that do not match the inputs",
        ]
        if np.all(raw.v == 0):
            # Exactly zero at every point (an Ultralytics run whose box/cls/dfl losses are all 0.0): nothing was
            # computed, so nothing can be diagnosed; a learning rate has nothing to do with it.
            evidence["all_exactly_zero"] = True
            message = (f"{loss.name} is exactly 0 at every one of its {len(raw)} points: the loss was not computed "
                       "(no targets in the batches, a loss term switched off) or not logged")
            why = "A loss of exactly 0 throughout is not a model that learned everything: nothing was measured."
            causes = ["the dataset's labels are empty or not found (every image without boxes, a wrong label path)",
                      "the loss terms are switched off or multiplied by 0", "the logger writes a placeholder"]
            remedies = ["check that the training data has labels where the loader looks for them (count the "
                        "targets in one batch)", "check the loss weights and that the logged value is the loss"]
        yield self.finding(
            message,
            why=why,
            severity=severity,
            confidence=min(1.0, 0.6 + 0.4 * max(0.0, 1 - prog / max(self.p["min_progress"], 1e-9)) * min(1.0, len(c) / 10)),
            series=[loss.name] + [s.name for s, _ in others],
            onset=float(c.shown[0]),
            axis=axis,
            evidence=evidence,
            causes=causes,
            remedies=remedies,
        )


#: A detection metric that plays accuracy's part: mAP at IoU 0.5 (Ultralytics' ``metrics/mAP50(B)``, ``mAP_0.5``,
#: ``mAP@0.5``), not the stricter mAP50-95 (``mAP@0.5:0.95``).
MAP50 = re.compile(r"map[_@-]?(?:0?\.5|50)(?![-:_]?\d)")


def _val_accuracy_level(run: Run) -> float | None:
    """The level (median of the last fifth) of the run's val accuracy, on a 0-1 scale, or None when none is
    logged. A detection log's mAP at IoU 0.5 counts as its accuracy (a YOLO run at mAP50 0.99 is not too weak
    for its task; round 21's one must-not call was such a run reported as underfitting)."""
    accs = [m for m in run.val_metrics()
            if m.higher_is_better and ("acc" in m.name.lower() or MAP50.search(m.name.lower()))]
    for m in sorted(accs, key=lambda m: -len(m)):
        v = Curve.of(m).v
        if len(v) and np.all((v >= 0) & (v <= 1)):
            return level(v, 0.2)
    return None


class Underfitting(Rule):
    """Training and validation loss level off high and close together.

    What it detects:
        Over the last part of the run the train loss has stopped falling: its robust trend changes it by only a
        few percent, and by at most a third of what it fell before (a loss still falling at the pace it fell
        at, as a run cut short does, has not levelled off; nor has one that still-improving finds still falling
        beyond its noise at the end); the validation loss has not turned up; they end
        close to each other (the val loss not far above the train loss; it may sit somewhat below it, as
        dropout or augmentation at train time inflate the train loss); and they end high: the train loss still
        a large fraction of its first level and the val loss of its own (a val loss that fell to a small share
        of where it started learned what the task asks), but below it (a loss that learned and came back up to
        its start or above blew up: divergence, where "add capacity" would be the wrong advice). Both losses
        that never got clearly below their start and end there, flat and together, are also reported (beside
        plateau, which says the same run never learned): a model that cannot fit at all, such as a linear
        model on XOR or weight decay pinning the weights at zero. A val accuracy (for a detection log, mAP at
        IoU 0.5) that ends at 95% or more is a model strong enough for its task: not reported;
        nor is a log whose step counter restarts (its kept segment starts trained). The model has reached what
        it can do and that is not much.

    Why it matters:
        The model is too weak for the task as set up: more epochs will not help, and regularisation makes it
        worse. The fix is capacity, features or optimisation, not early stopping.

    Likely causes:
        A model too small or too constrained (linear model on a non-linear problem); too much regularisation
        (weight decay, dropout); a learning rate so low that training stalls, or one decayed too early;
        uninformative or badly scaled input features.

    What to do:
        Increase capacity (wider/deeper model, better architecture); reduce regularisation; raise the
        learning rate or use a schedule that decays later; improve or normalise the input features.
    """

    code = "LD302"
    name = "underfitting"
    severity = Severity.WARNING
    requires = ("train_loss", "val_loss")
    precedence = 60
    params = {
        "min_points": Param(8, "fewest finite points of each loss the rule needs", min=4),
        "window": Param(0.3, "final share of the run in which both losses must have levelled off", min=0.05, max=1),
        "flat_tolerance": Param(0.08, "largest change of the train loss over that window that counts as levelled "
                                "off (8%)", min=0),
        "max_late_fall": Param(1 / 3, "the train loss's fall over that window must be at most this share of its "
                               "fall before it (a loss falling at an even pace, 0.43 for a straight line, has not "
                               "levelled off)", min=0),
        "min_level_ratio": Param(0.55, "final train loss at least this share of its first level counts as high",
                                 min=0),
        "min_val_level_ratio": Param(0.4, "and the final val loss at least this share of its start (train-time "
                                     "regularisation lets it fall further than the train loss; one that fell below "
                                     "this learned most of what it could)", min=0),
        "max_gap": Param(0.25, "how far the final val loss may sit above the train loss (0.25 = 25%)", min=0),
        "max_gap_below": Param(0.3, "how far the final val loss may sit below the train loss (0.3 = 30%)", min=0,
                               max=1),
        "max_val_accuracy": Param(0.95, "a val accuracy (a detection log's mAP50) that ends at or above this "
                                  "(its level over the last fifth) is a model strong enough for its task: not underfitting", min=0, max=1),
        "max_level_ratio": Param(1.0, "a final train loss at or above this share of its start blew up "
                                 "(divergence): not underfitting, unless neither loss ever got clearly below its "
                                 "start (by flat_tolerance): a model that cannot fit at all", min=0),
    }

    def outranks(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """Both losses settled together at a constant level (plateau's "same output whatever the input") after
        falling from their start: a model too weak for the task ends there too, and the fall says it learned
        what it could. Underfitting is listed first; a loss that never moved at all stays a plateau first."""
        if other.name == "plateau" and other.evidence.get("constant_level") is not None:
            return "the losses fell before they settled together: the model learned what it could"
        return None

    def check(self, run: Run) -> Iterable[Finding]:
        train, val = run.train_loss, run.val_loss
        assert train is not None and val is not None
        tclock, vclock = common_x(train, val)
        t, v = Curve.of(train, tclock).binned(), Curve.of(val, vclock).binned()
        if min(len(t), len(v)) < self.p["min_points"]:
            raise NotEnoughData(f"{min(len(t), len(v))} finite points, needs {self.p['min_points']}")
        if np.any(t.v <= 0) or np.any(v.v <= 0):
            return
        if run.meta.get("restarted"):
            # The kept segment resumes trained weights: its first level is not the untrained model's loss, so
            # "high against the start" cannot be judged (as for plateau). Found on held-out resumed runs.
            return
        if _still_falling(run):
            # A run whose monitored loss still falls beyond its noise at the end has not levelled off, however
            # slowly it falls against its first drop (a YOLO run's summed losses after 10-15 epochs): it was cut
            # short, and "train longer" comes before "add capacity". (Tune split: 38 cut-short runs no longer get
            # an underfitting warning beside still-improving; 7 intended-underfitting runs whose val loss was
            # still falling, heavy dropout among them, lose it; must-not violations 65 -> 59.)
            return
        flat = np.log1p(self.p["flat_tolerance"])
        t_change, _, x0, _ = tail_trend(t, self.p["window"])
        v_change, _, _, _ = tail_trend(v, self.p["window"])
        # The train loss has levelled off (the model cannot fit its data better); the val loss has not turned up
        # (it may still drift down a little under heavy regularisation).
        if abs(t_change) > flat or v_change > flat:
            return
        # Levelled off means slowed down: a loss still falling over the window at a good share of the pace it
        # fell at before (a run cut short falls in a near straight line) has not reached what the model can do.
        w = t.tail(self.p["window"], min_points=3)
        before = start_log(t) - float(np.median(t.lv[w][:3]))
        # (A change under 1% over the window is no fall at all: a loss that never moved is judged below.)
        if t_change < -0.01 and -t_change > self.p["max_late_fall"] * max(before, 0.0):
            return
        t_end, v_end = level(t.lv), level(v.lv)
        # Against the untrained start: the first logged level (a median over the first 5% of the run lies well
        # into training on a long run: a language model's 19,000 steps from 11 nats), or that median when it is
        # higher (a noisy per-step loss, whose first point is one batch).
        ratio = float(np.exp(t_end - max(start_log(t), head_level(t.lv, 0.05))))
        v_ratio = float(np.exp(v_end - max(start_log(v), head_level(v.lv, 0.05))))
        gap = float(np.exp(v_end - t_end))
        # High, both of them: a val loss that fell to a small share of where it started learned most of what the
        # task asks, whatever the train loss (a composite or regularised objective) did. Close together: val not far
        # above train (that is a gap), and not far below it either (up to ``max_gap_below``: dropout or
        # augmentation at train time inflate the train loss).
        if ratio < self.p["min_level_ratio"] or v_ratio < self.p["min_val_level_ratio"]:
            return
        if np.log(gap) > np.log1p(self.p["max_gap"]):
            return
        if gap < 1 - self.p["max_gap_below"]:
            return
        never_learned = False
        if ratio >= self.p["max_level_ratio"]:
            # At or above its start: a blow-up (divergence) or a loss that never moved. The second is also
            # "levelled off high, close together" when neither loss ever got clearly below its start and they
            # end near it (a model that cannot fit at all: a linear model on XOR, weight decay pinning the
            # weights at zero); plateau says the same run never learned. A loss that fell first and then came
            # back up to its start or above is a blow-up, never this.
            lowest = float(np.exp(np.min(rolling_median(t.lv, 5)) - start_log(t)))
            v_lowest = float(np.exp(np.min(rolling_median(v.lv, 5)) - start_log(v)))
            never_learned = (ratio <= 1 + self.p["flat_tolerance"] and min(lowest, v_lowest) >= 1 - self.p["flat_tolerance"])
            if not never_learned:
                return
        acc = _val_accuracy_level(run)
        if acc is not None and acc >= self.p["max_val_accuracy"]:
            return  # a model right 95% of the time on held-out data is not too weak for its task
        axis = train.axis
        tv, vv = float(np.exp(t_end)), float(np.exp(v_end))
        yield self.finding(
            f"{train.name} and {val.name} levelled off at {fmt_num(tv)} and {fmt_num(vv)} (smoothed levels), "
            + ("never clearly below where training started" if never_learned
               else f"still {ratio:.0%} of where training started"),
            why="The train loss stopped improving while still high, with the val loss close to it: the model has "
            "learned what it "
            "can and it is not enough.",
            confidence=min(1.0, 0.5 + 0.3 * min(1.0, ratio) + 0.2 * (1 - abs(np.log(gap)) / np.log1p(self.p["max_gap"]))),
            series=[train.name, val.name],
            onset=x0,
            axis=axis,
            evidence={
                "train_level_smoothed": tv,
                "val_level_smoothed": vv,
                "train_last": float(Curve.of(train).v[-1]),
                "val_last": float(Curve.of(val).v[-1]),
                "final_over_start": round(ratio, 3),
                "val_final_over_start": round(v_ratio, 3),
                "val_over_train_levels": round(gap, 3),
                "train_change_pct": round(100 * float(np.expm1(t_change)), 2),
                "val_change_pct": round(100 * float(np.expm1(v_change)), 2),
                "window_from": x0,
            },
            causes=[
                "model too small or too constrained for the task",
                "too much regularisation (weight decay, dropout)",
                "learning rate too low or decayed too early; uninformative or unscaled features",
            ],
            remedies=[
                "increase capacity: a wider or deeper model, or a better-suited architecture",
                "reduce weight decay / dropout",
                "raise the learning rate or decay it later, and normalise the input features",
            ],
        )


#: Student's t, 99% one-sided, by degrees of freedom (fewer than 12; beyond, min_t rules).
T99 = {1: 31.82, 2: 6.96, 3: 4.54, 4: 3.75, 5: 3.36, 6: 3.14, 7: 3.0, 8: 2.9, 9: 2.82, 10: 2.76, 11: 2.72}


class StillImproving(Rule):
    """Training stopped while the monitored loss was still clearly falling.

    What it detects:
        Over the last quarter of the run (at least its last 5 points) the validation loss (the training loss
        when no validation loss is logged; a per-step loss is averaged per epoch first) still falls along a least-squares line in log
        space by a few percent (3% or more), by at least three times the standard error of that fall (more
        with only a few points: Student's t at 99%; or, on a short log, every point of the window a new low
        of the run, which a run with no trend does by chance less than once in a hundred), or by 1.5-3% along
        a line so steady that the fall is ten standard errors or more, a trend beyond
        the curve's noise, not an endpoint difference, and it is still making new lows. A noisy val loss whose
        own fall is smaller against its noise (2 standard errors or more) counts when the train loss falls
        clearly over the same stretch (by the full test): the model is still learning and the val loss follows
        it. When the validation loss has too few points to judge, the training loss is judged only if the
        validation loss ended at its best. A run whose last
        epochs are noise around a level does not qualify, however its first and last points differ; nor does
        a val loss that falls while the train loss rises over the same stretch (a regulariser pulling the
        val loss down, not a run cut short). Beside a val loss only mildly below the train loss (val/train
        above 0.75), this finding is listed first: train longer before reading anything into that gap.

    Why it matters:
        The run ended before it converged: a longer run (or a better learning-rate schedule) would very
        likely give a better model at little risk.

    Likely causes:
        Too few epochs or steps for the learning rate; a learning rate too low to converge in the budget;
        a time or step limit reached.

    What to do:
        Train longer (resume from the last checkpoint with the same schedule), and let early stopping on the
        validation loss decide when to stop; or raise the learning rate.
    """

    code = "LD303"
    name = "still-improving"
    severity = Severity.INFO
    requires = ("any_loss",)
    precedence = 90
    params = {
        "min_points": Param(5, "fewest finite points of the judged loss the rule needs", min=4),
        "window": Param(0.25, "final share of the run whose trend is measured", min=0.05, max=1),
        "min_drop": Param(0.03, "smallest fall of the loss's trend over that window (0.03 = 3%); the test of "
                          "its significance decides, this only keeps out trends too small to act on", min=0),
        "min_t": Param(3.0, "the fall must be at least this many times its standard error", min=0),
        "strong_drop": Param(0.015, "a smaller fall than min_drop (down to this) counts when it is at least strong_t "
                             "standard errors: a trend that steady is no noise, and people reading the curve call it "
                             "still falling", min=0),
        "strong_t": Param(10.0, "how many standard errors a fall between strong_drop and min_drop must clear", min=0),
        "joint_t": Param(2.0, "a val loss's fall of fewer standard errors counts when the train loss falls clearly "
                         "over the same stretch (at least this many)", min=0),
        "mild_below": Param(0.75, "beside a val loss below the train loss by less than this ratio (val/train above "
                            "it), the run still falling is listed first", min=0, max=1),
    }

    def outranks(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """A run still falling at the end whose val loss sits only mildly below its train loss (val/train above
        ``mild_below``, at the same weights): training longer is what to do first, and a small val-below-train
        gap on a loss still falling is as often the train loss's averaging as anything train-time regularisation
        does. Both findings stay; a val loss far below the train loss stays first. (Development data: tune
        split 12 of 13 still-improving runs whose primary was val-below-train put right, 2 of 52
        val-below-train runs put wrong; public-dev 11 of 16 right, 1 of 16 wrong.)"""
        if other.name != "val-below-train":
            return None
        ratio = other.evidence.get("val_over_train")
        if ratio is None or ratio <= self.p["mild_below"]:
            return None
        return f"still falling at the end, with the val loss only mildly below the train loss (x{ratio:.2f})"

    @staticmethod
    def _train_trend(run: Run, val: Series, share: float) -> tuple[float, float] | None:
        """The train loss's fall (log units, a rise is negative) along a least-squares line over the last ``share``
        of the val loss's evaluations, and its standard error; None without a train loss or with too few points."""
        train = run.train_loss
        if train is None:
            return None
        tclock, vclock = common_x(train, val)
        t, vc = Curve.of(train, tclock), Curve.of(val, vclock)
        if len(vc) < 2:
            return None
        x0 = float(vc.x[min(len(vc) - 1, int(len(vc) * (1 - share)))])
        inside = (t.x >= x0) & (t.x <= float(vc.x[-1]))
        if inside.sum() < 4:
            return None
        return ols_drop(t.x[inside], t.lv[inside])

    def _train_rising(self, run: Run, val: Series, share: float, need: float) -> bool:
        """Whether the train loss rose over the last ``share`` of the val loss's evaluations by as much as a fall
        would have to be to count, beyond its noise (the same test, upside down)."""
        got = self._train_trend(run, val, share)
        return got is not None and bool(got[0] < -need and -got[0] >= self.p["min_t"] * got[1])

    def _train_falling(self, run: Run, val: Series, share: float, need: float, t_need: float) -> bool:
        """Whether the train loss fell clearly (by ``need`` and ``t_need`` standard errors) over the last
        ``share`` of the val loss's evaluations."""
        got = self._train_trend(run, val, share)
        return got is not None and bool(got[0] >= need and got[0] >= t_need * got[1])

    def check(self, run: Run) -> Iterable[Finding]:
        val = run.val_loss
        if val is not None and len(Curve.of(val)) >= self.p["min_points"]:
            loss, c = val, Curve.of(val)
            c = c.binned(500) if len(c) > 500 else c
        else:
            loss, _ = loss_to_check(run, fine=True)
            c = epoch_blocks(loss).curve
        if len(c) < self.p["min_points"]:
            raise NotEnoughData(f"{len(c)} finite points of {loss.name}, needs {self.p['min_points']}")
        # Too few evaluations to judge the val loss's trend, but enough to see that it ended above its best: the
        # train loss may still fall, the model is not still improving where it counts.
        if loss is not val and val is not None and len(vv := Curve.of(val)) >= 2 and vv.v[-1] > np.min(vv.v):
            return
        # At least 5 points: on 4 the t-test has 2 degrees of freedom and needs t > 6.96, which a short run
        # still falling steadily (10 epochs of a YOLO fine-tune) never clears.
        w = c.tail(self.p["window"], min_points=5)
        x, y = c.x[w], c.lv[w]
        drop, se = ols_drop(x, y)
        need = -np.log1p(-self.p["min_drop"])
        # With few points the standard error is itself uncertain: the fall must clear Student's t at 99% (one
        # sided) for the points' degrees of freedom, and never less than min_t.
        t_need = max(self.p["min_t"], T99.get(len(x) - 2, self.p["min_t"]))
        # A short window has too few points for a t-test to trust its own spread; a rank test needs none: each
        # of its points a new low of the whole run happens by chance, in a run with no trend, with probability
        # 1/n x 1/(n-1) x ... (exchangeable points), under 1% for 4 points of any run of 5 or more.
        records = bool(np.all(c.lv[w] < np.minimum.accumulate(np.r_[np.inf, c.lv[:-1]])[w]))
        p_records = float(np.prod(1.0 / np.arange(w.start + 1, len(c) + 1))) if records else 1.0
        # A noisy val loss whose own trend falls, but not clearly enough alone, counts when the train loss falls
        # clearly over the same stretch: the model is still learning and the val loss follows it.
        plain = drop >= need and (drop >= t_need * se or p_records <= 0.01)
        # A smaller fall (1.5-3%) along a line so steady that it is 10 standard errors or more: chosen on `tune`
        # (no change there: its labels call 0.5-3% grey) and public-dev logs, whose readers call it still falling.
        strong = drop >= -np.log1p(-self.p["strong_drop"]) and drop >= max(t_need, self.p["strong_t"]) * se
        plain = plain or strong
        if not plain and not (loss is val and drop >= need and drop >= self.p["joint_t"] * se
                              and self._train_falling(run, val, (len(c) - w.start) / len(c), need, t_need)):
            return
        if int(np.argmin(smooth(c.lv))) < w.start - 1:
            return  # not making new lows: the end is falling back towards an earlier best, not improving
        if loss is val and self._train_rising(run, val, (len(c) - w.start) / len(c), need):
            return  # the model fits its own data worse and worse: a regulariser at work, not a run cut short
        x0, x1 = float(c.shown[w][0]), float(c.shown[w][-1])
        axis = c.axis
        span = x1 - x0
        pct_drop = -float(np.expm1(-drop))
        per = float(-np.expm1(-drop / span)) if span > 0 else float("nan")
        first_v, last_v = float(c.v[w][0]), float(c.v[w][-1])
        evidence = {
            "judged": loss.name,
            "trend_drop_pct": round(100 * pct_drop, 2),
            "trend_over_noise": round(drop / se, 2) if se > 0 else None,
            "window_from": x0,
            "window_to": x1,
            "value_at_window_start": first_v,
            "final_value": float(Curve.of(loss).v[-1]),
        }
        lr = lr_at(run.lr, float(Curve.of(loss).shown[-1]), loss.axis)
        remedies = [
            f"train longer: the trend of {loss.name} fell {pct_drop:.0%} over the last {fmt_x(span)} {axis}s "
            f"(about {per:.1%} per {axis}) and had not levelled off",
            "resume from the last checkpoint and let early stopping on the validation loss decide when to stop",
        ]
        if lr is not None:
            remedies.append(f"or raise the learning rate ({fmt_num(lr)} logged) to converge within the budget")
        yield self.finding(
            f"{loss.name} was still falling when training stopped: its trend fell {pct_drop:.0%} over the last "
            f"{fmt_x(span)} {axis}s ({fmt_num(first_v)} -> {fmt_num(last_v)}), {drop / se:.0f}x its standard error"
            if se > 0 else f"{loss.name} was still falling when training stopped",
            why="The loss was still going down at a steady rate at the end, well beyond its noise: the run stopped "
            "before it converged.",
            confidence=min(1.0, 0.5 + 0.5 * min(1.0, drop / need / 3)),
            series=[loss.name],
            onset=x0,
            axis=axis,
            evidence=evidence,
            causes=["too few epochs or steps for the learning rate", "learning rate too low to converge in time"],
            remedies=remedies,
        )






def _still_falling(run: Run) -> bool:
    """Whether still-improving's test (at its default settings) finds the monitored loss of ``run`` (the val loss,
    else the train loss) still falling at its end: the one definition of "still falling" that underfitting's
    "levelled off" must not contradict."""
    try:
        # The strong tier (a 1.5-3% fall) is left out here: a loss that steady and that slow has levelled off
        # enough for underfitting's level to stand beside the still-improving note.
        rule = StillImproving(strong_drop=StillImproving.params["min_drop"].default)
        return any(True for _ in rule.check(run))
    except NotEnoughData:
        return False
