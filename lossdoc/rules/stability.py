"""Family 2 (LD2xx): whether optimisation stays numerically stable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lossdoc.model import Finding, Run, Series, Severity
from lossdoc.rules.base import NotEnoughData, Param, Rule
from lossdoc.signals import (
    MAX_BINS,
    Curve,
    averaging_window,
    bin_max,
    bin_median,
    epoch_blocks,
    finite_xy,
    fmt_num,
    fmt_x,
    lr_at,
    noise,
    ols_drop,
    one_per_epoch,
    rolling_median,
    smooth,
    sorted_finite,
    theil_sen,
)


def loss_to_check(run: Run, fine: bool = False) -> tuple[Series, bool]:
    """The training loss (its finest logged variant with ``fine``), or the validation loss when the log has no
    training loss (second item True)."""
    train = run.train_loss_fine if fine else run.train_loss
    if train is not None:
        return train, False
    assert run.val_loss is not None
    return run.val_loss, True


def _lr_remedy(run: Run, x: float, axis: str, factor: str = "10x") -> str:
    lr = lr_at(run.lr, x, axis)
    if lr is not None and lr > 0:
        return f"lower the learning rate ({fmt_num(lr)} logged at {axis} {fmt_x(x)}) by {factor}"
    return f"lower the learning rate (e.g. by {factor})"


def near_chance(level_value: float, band: float = 0.1) -> int | None:
    """K when a loss level sits within ``band`` (relative) of ln(K), the cross-entropy of uniform guessing over K
    classes, for K from 2 to 1000 (the nearest K)."""
    if not (0.5 < level_value < 7.5):
        return None
    k = max(2, round(float(np.exp(level_value))))
    if abs(np.log(k) - level_value) <= band * np.log(k):
        return k
    return None


@dataclass
class Blowup:
    kind: str  # "above start" | "undone" | "climbing" | "chance" | "non-finite"
    i_on: int  # onset index in the binned curve
    start: float  # log start level
    best: float  # log smoothed minimum
    end: float  # log end level
    chance_k: int | None = None


def climb_before_nonfinite(s: Series) -> tuple[int, float, float] | None:
    """(index of the first non-finite value, the largest of the last 3 finite values before it, the smallest
    smoothed value before those) when a loss climbed and then turned NaN/Inf: the last 3 finite values reach 2x
    what came before them, or back to the start after having learned. With fewer than 6 finite values before
    the first non-finite one (too few to tell a climb from the start of training by levels), the last of them
    must be an order of magnitude above every one before it. None otherwise."""
    bad = ~np.isfinite(s.values)
    if not bad.any():
        return None
    j = int(np.argmax(bad))
    prev = s.values[:j][np.isfinite(s.values[:j])]
    if len(prev) < 2 or np.any(prev <= 0):
        return None
    if len(prev) < 6:
        # Too few values to tell a climb from the start of training by levels; an order of magnitude above
        # everything before it, right before the overflow, is a climb whatever the count (a falling loss, or
        # noise, never makes one).
        lo = float(prev[:-1].min())
        return (j, float(prev[-1]), lo) if prev[-1] >= 10 * lo else None
    last = float(prev[-3:].max())
    earlier = prev[:-3]
    lv = np.log(bin_median(earlier, MAX_BINS)) if len(earlier) > MAX_BINS else np.log(earlier)
    lo = float(np.exp(np.min(smooth(lv)))) if len(lv) >= 5 else float(earlier.min())
    start = float(np.median(earlier[: max(1, min(5, len(earlier) // 20))]))
    if last >= 2 * lo or (last >= start and lo <= 0.8 * start):
        return j, last, lo
    return None


#: A val loss back at its start (divergence judged on it) needs the train loss to have given back at least this
#: share of what it learned, in log units, since before the val loss's turn. Development data (tune, public-dev):
#: a train loss near a 1e-5 floor that spiked and came most of the way back gives back 0.39-0.45; the collapses of
#: a CTC model to blank output (train 25,450 -> 2,114 -> 8,546) and of a forecaster 0.56 and 0.72.
COLLAPSE_TRAIN_UNDONE = 0.5


class Divergence(Rule):
    """The loss blows up and stays up: the learning is undone (or it overflows to NaN/Inf on the way).

    What it detects:
        One of: (1) after having learned, the training loss climbs back to (or above) where it started and
        stays there, far beyond its noise; (2) it jumps above its starting level and stays there (an update
        so large it threw the model away, as AdamW at a huge learning rate does: the loss then sits flat and
        high); (3) it climbs and then turns NaN/Inf; (4) it collapses to chance level, ln(K) for a K-class
        cross-entropy, after having been well below it; (5) it is still climbing when the log ends, higher
        at each of its last 4 points, by a factor of 3 over them, having given back at least 15% of what it
        learned (a blow-up under way, cut off by the end of the log). A loss that creeps up from a tiny
        floor but stays far below its start (2e-5 back to 5e-3 near the end of an Adam run) is not
        divergence: the learning is not undone. A log shorter than ``min_points`` is judged only when its
        loss grew at least 10x at every point and 1000x over the log (a learning rate far too high). The
        finest logged train loss is used (a per-step loss shows the onset an epoch mean hides). The finding
        gives where the growth starts, how fast it goes and the learning rate and gradient norm logged there. When the log has no training loss the validation loss is used, with a
        stricter threshold (a rising val loss alone is more often overfitting). (6) The validation loss
        climbs back to (or above) where it started while the training loss gives back at least half of what it
        learned (in log units) over the same stretch: a collapse (a CTC model falling to blank output) that the
        training loss alone hides when its first logged point is far above the rest; a validation loss that
        zig-zags (oscillation) does not count.

    Why it matters:
        A diverging run only gets worse: the weights are being pushed away from any good solution, and the
        next thing is usually an overflow to NaN. Every step after the onset is wasted compute. A run that
        blew up and sits flat and high looks like underfitting, but more capacity will not help: the step
        size threw away what the model had.

    Likely causes:
        A learning rate too high for the model or the batch size (often the peak of a warm-up schedule);
        exploding gradients without clipping; an optimiser state gone bad (Adam's epsilon too small); a
        loss with an unbounded term; mixed-precision overflow.

    What to do:
        Restore the checkpoint from before the onset; lower the learning rate (the finding quotes the one
        logged at the onset) by about 10x or shorten/soften the warm-up; clip gradients; check the loss for
        unbounded terms.
    """

    code = "LD201"
    name = "divergence"
    severity = Severity.ERROR
    requires = ("any_loss",)
    precedence = 10  # before non-finite: a NaN after a climb is where a divergence ended, not its cause
    explains = {
        "plateau": "always",
        "underfitting": "always",
        "still-improving": "always",
        "generalization-gap": "always",
        "val-below-train": "always",
        "overfitting": "later",
        "oscillation": "after",
        "spikes": "later",
    }
    params = {
        "min_points": Param(5, "fewest finite loss points the rule needs", min=3),
        "noise_factor": Param(4.0, "the rise above the minimum must exceed this many times the loss's noise", min=0.0),
        "above_start": Param(0.25, "ending this much above the start (0.25 = 25%) is a blow-up that stays high",
                             min=0.0),
        "undone": Param(0.8, "after learning, climbing back by this share of what was learned undoes it", min=0,
                        max=1),
        "min_learned": Param(0.2, "the loss must have gone this far below its start (0.2 = 20%) to have learned",
                             min=0, max=1),
        "climbing_undone": Param(0.15, "a loss still rising at the end that gave back this share of what was "
                                 "learned is a blow-up under way", min=0, max=1),
        "climbing_ratio": Param(3.0, "by this factor over its last climbing_points rises", min=1),
        "climbing_points": Param(4, "consecutive rises that end the log, for a blow-up under way", min=2),
        "val_only_ratio": Param(10.0, "when only a validation loss is logged, it must also end this many times "
                                "above its minimum", min=1.0),
    }

    def _blowup(self, c: Curve, val_only: bool) -> Blowup | None:
        n = len(c)
        k = max(2, min(5, n // 10))
        start = float(np.median(c.lv[: max(1, min(5, n // 50))]))
        # How low it got: a sustained level (a median over 2.5% of the run, at least 3 points), not a heavily
        # smoothed trend, which flattens a dip of a few hundred steps (or a few evaluations) before a blow-up.
        light = rolling_median(c.lv, max(3, n // 40))
        i_low = int(np.argmin(light))
        low = best = float(light[i_low])
        tail = c.lv[-k:]
        end = float(np.median(tail))
        if n - 1 - i_low < 2:
            return None
        rise = end - best
        nz = noise(c.lv)
        if rise < self.p["noise_factor"] * nz or np.mean(tail > best + rise / 2) < 0.8:
            return None
        if val_only and rise < np.log(self.p["val_only_ratio"]):
            return None
        i_min = i_low
        learned = low <= start + np.log1p(-self.p["min_learned"])
        kind = None
        chance = near_chance(float(np.exp(end))) if np.all(c.v > 0) else None
        if end >= start + np.log1p(self.p["above_start"]) and rise >= np.log1p(self.p["above_start"]):
            kind = "above start"
        elif learned:
            # In the loss's own units: how much of what was learned the climb gave back.
            s_v, b_v, e_v = np.exp(start), np.exp(low), np.exp(end)
            if s_v > b_v and (e_v - b_v) / (s_v - b_v) >= self.p["undone"]:
                kind = "undone"
            elif s_v > b_v and (e_v - b_v) / (s_v - b_v) >= self.p["climbing_undone"]:
                # Still climbing when the log ends: each of the last points above the one before, by a factor
                # of climbing_ratio over them, and the climb gave back a real share of what was learned (a
                # creep from a tiny floor does not; a bouncing loss does not rise steadily).
                last = np.diff(c.lv[-(self.p["climbing_points"] + 1):])
                if (len(last) == self.p["climbing_points"] and np.all(last > 0)
                        and last.sum() >= np.log(self.p["climbing_ratio"])):
                    kind = "climbing"
        if chance is not None and np.exp(low) <= 0.7 * np.log(chance):
            # Stuck there: the last fifth (at least 5 points) sits in the band around ln(K) and is level (a loss
            # climbing steadily through ln(K) is not stuck at chance).
            lnk = float(np.log(chance))
            m = max(5, n // 5)
            if n - i_min > m:
                tail_v, tail_x = c.v[-m:], c.x[-m:]
                drop, _ = ols_drop(tail_x, np.log(tail_v))
                if np.mean(np.abs(tail_v - lnk) <= 0.1 * lnk) >= 0.9 and abs(drop) <= np.log(1.05):
                    kind = "chance"
        if kind is None:
            return None
        # The onset: where the sustained level, after its lowest point, first rises a tenth of the way to the end.
        above = np.flatnonzero(light[i_low:] > low + 0.1 * (end - low))
        i_on = max(i_low, i_low + (int(above[0]) - 1 if len(above) else 1))
        return Blowup(kind, i_on, start, best, end, chance if kind == "chance" else None)

    def _val_collapse(self, run: Run, train: Series) -> tuple[Series, Blowup] | None:
        """The val loss gave back what it learned (or ended above its start) while the train loss gave back at
        least COLLAPSE_TRAIN_UNDONE of what it learned (in log units) over the same stretch: the model collapsed
        (a train loss whose first logged point predates a long early plateau, or a blow-up that ends below a huge
        first epoch mean, hides it on the train loss alone). A val loss rising alone is overfitting's, and one
        that zig-zags is oscillation's: neither is this."""
        val = run.val_loss
        if val is None:
            return None
        vc = Curve.of(val).binned()
        if len(vc) < self.p["min_points"]:
            return None
        vb = self._blowup(vc, False)
        if vb is None or vb.kind not in ("undone", "above start"):
            return None
        osc = {k: q.default for k, q in Oscillation.params.items()}
        if find_zigzag(Curve.of(val), osc, per_eval=True) is not None:
            return None  # a val loss that swings: its high end is one more swing (oscillation's), not a collapse
        t = Curve.of(train).binned()
        if len(t) < self.p["min_points"] or not np.all(t.v > 0):
            return None
        x_low = float(vc.x[max(0, min(len(vc) - 1, vb.i_on))])
        light = rolling_median(t.lv, max(3, len(t) // 40))
        before = t.x <= x_low
        if not before.any():
            return None
        t_low = float(np.min(light[before]))
        t_end = float(np.median(t.lv[-max(2, min(5, len(t) // 10)):]))
        t_start = float(np.median(t.lv[: max(1, min(5, len(t) // 50))]))
        if t_start <= t_low or (t_end - t_low) / (t_start - t_low) < COLLAPSE_TRAIN_UNDONE:
            return None
        return val, vb

    def _explosive(self, c: Curve) -> Blowup | None:
        """Fewer points than min_points: only a loss that grew by orders of magnitude at every point (x10 or
        more each, x1000 over the log; a learning rate far too high blows up within a few epochs) is a
        divergence already; anything milder waits for more points."""
        if len(c) < 3 or not np.all(c.v > 0):
            return None
        d = np.diff(c.lv)
        if np.all(d >= np.log(10.0)) and c.lv[-1] - c.lv[0] >= np.log(1000.0):
            return Blowup("above start", 0, float(c.lv[0]), float(c.lv[0]), float(c.lv[-1]))
        return None

    def check(self, run: Run) -> Iterable[Finding]:
        loss, val_only = loss_to_check(run, fine=True)
        raw = Curve.of(loss)
        c = raw.binned()
        axis = loss.axis
        blow = self._blowup(c, val_only) if len(raw) >= self.p["min_points"] else self._explosive(c)
        nf = None
        collapse = None
        if blow is None and not val_only:
            got = collapse = self._val_collapse(run, loss)
            if got is not None:
                loss, blow = got
                raw = Curve.of(loss)
                c = raw.binned()
                axis = loss.axis
        if blow is None:
            for s in [loss] + [o for o in (run.train_loss, run.val_loss) if o is not None and o is not loss]:
                nf = climb_before_nonfinite(s)
                if nf is not None:
                    loss, axis = s, s.axis
                    break
            if nf is None:
                if len(raw) < self.p["min_points"]:
                    raise NotEnoughData(f"{len(raw)} finite points of {loss.name}, needs {self.p['min_points']}")
                return
        evidence: dict = {}
        if collapse is not None:
            evidence["judged"] = f"{loss.name} (the train loss rose with it)"
        if blow is not None:
            i_on = blow.i_on
            onset_x = float(c.shown[i_on])
            i_peak = i_on + int(np.argmax(smooth(c.lv)[i_on:]))
            rate = theil_sen(c.x[i_on : i_peak + 1], c.lv[i_on : i_peak + 1]) if i_peak > i_on else 0.0
            j = int(np.argmin(raw.v))
            best_x, best_v = float(raw.shown[j]), float(raw.v[j])
            first_v, final_v = float(raw.v[0]), float(raw.v[-1])  # final_v: the last finite value
            with np.errstate(over="ignore"):
                level_v = float(np.exp(blow.end)) if np.all(c.v > 0) else float(np.median(c.v[-5:]))
                ratio = float(np.exp(blow.end - blow.best))
            evidence.update({
                "first_value": first_v,
                "min_x": best_x,
                "min_value": best_v,
                "final_value": float(loss.values[-1]) if len(loss) else None,
                "last_finite_value": final_v,
                "final_level_smoothed": level_v,
                "final_over_min": round(ratio, 3),
                "final_over_start": round(float(np.exp(blow.end - blow.start)), 3),
                "onset_x": onset_x,
            })
            growth = ""
            if rate > 0 and blow.kind != "chance":
                per = float(np.exp(rate))
                doubling = float(np.log(2) / rate)
                evidence["growth_per_" + axis] = round(per, 4)
                evidence["doubling_" + axis + "s"] = round(doubling, 3)
                growth = f"; it doubled every {fmt_x(round(doubling, 1))} {axis}s from {axis} {fmt_x(onset_x)}"
            if blow.kind == "chance":
                k = blow.chance_k
                evidence["chance_classes"] = k
                message = (f"{loss.name} collapsed to chance level: after reaching {fmt_num(best_v)} (at {axis} "
                           f"{fmt_x(best_x)}) it went back to {fmt_num(level_v)} (smoothed; last finite value "
                           f"{fmt_num(final_v)}), ln({k}) = {fmt_num(float(np.log(k)))}, the loss of uniform "
                           f"guessing over {k} classes")
                why = ("The loss went back to the level of guessing at random: the model unlearned what it had "
                       "learned, usually after updates too large for it.")
            elif blow.kind == "above start":
                message = (f"{loss.name} rose above where it started ({fmt_num(first_v)}) and stayed there: "
                           f"{fmt_num(level_v)} at the end (smoothed; last finite value {fmt_num(final_v)}), "
                           f"{fmt_num(ratio)}x its minimum {fmt_num(best_v)} at {axis} {fmt_x(best_x)}{growth}")
                why = ("The loss ended higher than it began: an update too large threw the model away from "
                       "anything it had learned, and it never came back.")
            elif blow.kind == "climbing":
                message = (f"{loss.name} is still climbing when the log ends: from its minimum {fmt_num(best_v)} "
                           f"(at {axis} {fmt_x(best_x)}) to {fmt_num(final_v)} ({final_v / best_v:.1f}x), higher at "
                           f"each of its last {self.p['climbing_points']} points{growth}")
                why = ("The loss is rising at every point and gave back a real share of what training had "
                       "gained: a blow-up under way, which only gets worse if training goes on.")
            else:
                message = (f"{loss.name} climbed back from its minimum {fmt_num(best_v)} (at {axis} "
                           f"{fmt_x(best_x)}) to {fmt_num(level_v)} (smoothed; last finite value {fmt_num(final_v)}), near "
                           f"where it started ({fmt_num(first_v)}){growth}")
                why = ("The loss turned around and gave back what training had gained: optimisation is being "
                       "pushed away from the solution it had found.")
            confidence = min(1.0, 0.7 + 0.1 * min(3.0, (blow.end - blow.best) / max(noise(c.lv), 0.05)) / 3
                             + (0.2 if rate > 0 else 0.1))
            evidence["kind"] = blow.kind
        else:
            j_nf, last, _lo = nf
            x_nf = float(loss.x[j_nf])
            prev = Curve.of(loss)
            before = prev.shown < x_nf
            pv, px = prev.v[before], prev.shown[before]
            if not len(pv):
                # The axis does not grow with the file (a counter that starts again, a step column per epoch): the
                # values written before the first NaN, in file order, are the climb (climb_before_nonfinite's).
                ok = np.isfinite(loss.values[:j_nf]) & np.isfinite(loss.x[:j_nf])
                pv, px = loss.values[:j_nf][ok], loss.x[:j_nf][ok]
            i_lo = int(np.argmin(pv))
            above = np.flatnonzero(pv[i_lo:] > pv[i_lo] * 1.5)
            onset_x = float(px[i_lo + int(above[0]) - 1]) if len(above) and above[0] > 0 else float(px[i_lo])
            best_x, best_v = float(px[i_lo]), float(pv[i_lo])
            evidence.update({
                "kind": "climb then non-finite",
                "min_x": best_x,
                "min_value": best_v,
                "last_finite_value": float(pv[-1]),
                "largest_before_nonfinite": last,
                "nonfinite_at": x_nf,
                "onset_x": onset_x,
            })
            message = (f"{loss.name} climbed from {fmt_num(best_v)} (at {axis} {fmt_x(best_x)}) to "
                       f"{fmt_num(last)} and then became non-finite at {axis} {fmt_x(x_nf)}")
            why = "The loss grew until it overflowed: the run diverged, and the NaN/Inf is where it ended."
            confidence = 0.9
        lr = lr_at(run.lr, onset_x, axis)
        causes = ["learning rate too high for the model and batch size", "exploding gradients without clipping"]
        if run.lr is not None and lr is not None:
            _, lv = finite_xy(run.lr)
            first = float(lv[0]) if len(lv) else lr
            evidence["lr_at_onset"] = lr
            if lr > 1.5 * first:
                causes.insert(0, f"the learning rate was raised from {fmt_num(first)} to {fmt_num(lr)} "
                              f"(a warm-up peak too high) before the loss took off")
        gn = run.grad_norm
        if gn is not None and gn.steps is not None and axis == "step":
            gx, gv = sorted_finite(gn.steps, gn.values)[:2]
            if len(gv) > 4:
                before_g = gv[gx < onset_x]
                if len(before_g) and np.median(before_g) > 0:
                    top = float(np.max(gv[gx >= onset_x])) if np.any(gx >= onset_x) else float(np.max(gv))
                    g_ratio = top / float(np.median(before_g))
                    evidence["grad_norm_max"] = top
                    evidence["grad_norm_max_over_before"] = round(g_ratio, 2)
                    if g_ratio >= 10:
                        message += (f"; {gn.name} peaked at {fmt_num(top)}, {fmt_num(g_ratio)}x its level before "
                                    f"the onset")
                        causes.insert(0, "exploding gradients without clipping: the gradient norm jumped "
                                      f"{fmt_num(g_ratio)}x")
        yield self.finding(
            message,
            why=why,
            confidence=confidence,
            series=[loss.name],
            onset=onset_x,
            axis=axis,
            evidence=evidence,
            causes=causes + ["optimiser state gone bad (e.g. Adam epsilon too small) or an unbounded loss term"],
            remedies=[
                f"restore the checkpoint from {axis} {fmt_x(best_x)} ({loss.name} {fmt_num(best_v)})",
                _lr_remedy(run, onset_x, axis),
                "clip gradients (e.g. torch.nn.utils.clip_grad_norm_(params, 1.0)) and use a warm-up",
            ],
        )


class NonFinite(Rule):
    """NaN or Inf appears in a loss (or a metric).

    What it detects:
        Any NaN, +Inf or -Inf value logged in a loss series (severity error) or in a train/val/test metric
        (severity warning, when no loss is affected; info when every loss stays finite and the metric is
        non-finite at every one of its points: never defined, such as the AP of a category absent from the
        evaluation set). Learning-rate and gradient-norm series are not checked:
        mixed-precision training logs an infinite gradient norm on the steps its loss scaler skips, by design.

    Why it matters:
        Once a loss is NaN the weights usually are too, and every later step is wasted; checkpoints saved after
        it are unusable. A metric that is NaN often means an empty class or a division by zero in evaluation.

    Likely causes:
        A learning rate too high for the model (the loss grew until it overflowed); exploding gradients
        without clipping; log(0) or division by zero in a custom loss; NaN or Inf in the input data;
        float16 overflow without loss scaling.

    What to do:
        Restore the last checkpoint before the first non-finite value; lower the learning rate (the finding
        quotes the one logged); clip gradients (e.g. clip_grad_norm_ 1.0); check the inputs for NaN/Inf; add
        an epsilon inside logs and divisions; use bfloat16 or a loss scaler for mixed precision.
    """

    judges_shape = False
    code = "LD202"
    name = "non-finite"
    severity = Severity.ERROR
    requires = ()
    precedence = 15
    params = {}
    # A run whose loss turned NaN/Inf ended broken: whatever its finite points say about progress (still
    # improving, never learned, levelled off) is not the story. Only for a loss (an error), not a metric.
    explains = {"still-improving": "always", "plateau": "always", "underfitting": "always"}

    def explanation(self, mine: Finding, other: Finding, run: Run) -> str | None:
        if mine.severity < Severity.ERROR:
            return None
        return super().explanation(mine, other, run)

    def check(self, run: Run) -> Iterable[Finding]:
        hits = []
        for s in run.series.values():
            if s.kind not in ("loss", "metric") or s.derived:
                continue
            bad = ~np.isfinite(s.values)
            if bad.any():
                hits.append((s, bad))
        if not hits:
            return
        loss_hits = [(s, b) for s, b in hits if s.kind == "loss"]
        chosen = loss_hits or hits
        severity = self.severity if loss_hits else Severity.WARNING
        # Only metrics, beside losses that stay finite: the evaluation's arithmetic, not the weights (an AP or a
        # precision over a class with no examples, a division by zero). A metric that is non-finite at every one
        # of its points was never defined (detectron2's per-category AP of a category absent from the evaluation
        # set): nothing about training, so a note (info), not a warning.
        losses_fine = not loss_hits and any(s.kind == "loss" and not s.derived and np.isfinite(s.values).any()
                                            for s in run.series.values())
        if losses_fine and all(bad.all() for _, bad in chosen):
            severity = Severity.INFO
        # The earliest first bad point across series (on each series' own axis; report the earliest series).
        first = []
        for s, bad in chosen:
            i = int(np.argmax(bad))
            first.append((float(s.x[i]), s, i, bad))
        first.sort(key=lambda t: t[0])
        onset_x, s0, i0, bad0 = first[0]
        bad_values = s0.values[bad0]
        kinds = [k for k, hit in (("-inf", np.isneginf(bad_values).any()), ("inf", np.isposinf(bad_values).any()),
                                  ("nan", np.isnan(bad_values).any())) if hit]
        prev = s0.values[:i0][np.isfinite(s0.values[:i0])]
        last_good = float(prev[-1]) if len(prev) else None
        stays_bad = bool(bad0[i0:].all())
        count = int(bad0.sum())
        remedies = []
        if i0 > 0:
            remedies.append(f"restore the last checkpoint before {s0.axis} {fmt_x(onset_x)}")
        remedies.append(_lr_remedy(run, onset_x, s0.axis))
        remedies += [
            "clip gradients (e.g. torch.nn.utils.clip_grad_norm_(params, 1.0))",
            "check inputs and targets for NaN/Inf; guard log() and divisions with an epsilon",
        ]
        growth = None
        if len(prev) >= 2 and np.all(prev > 0):
            growth = float(prev[-1] / prev.min())
        msg = (
            f"{s0.name} becomes {'/'.join(kinds)} at {s0.axis} {fmt_x(onset_x)}"
            + (f" (last finite value {fmt_num(last_good)})" if last_good is not None else "")
            + (f" and stays non-finite to the end ({count} points)" if stays_bad else f"; {count} non-finite points")
        )
        causes = [
            "learning rate too high: the loss grew until it overflowed",
            "exploding gradients without clipping",
            "log(0), division by zero or NaN in the data",
        ]
        if growth is not None and growth < 2:
            causes = [causes[2], causes[1], causes[0]]  # no growth before it: a bad value, not an overflow
        others = [s.name for s, _ in chosen[1:]] if len(chosen) > 1 else []
        why = ("The run produced a value that is not a number; from then on the weights are most likely NaN too "
               "and nothing after it can be trusted.")
        if losses_fine:
            why = ("A metric is not a number while every loss stays finite: the evaluation's arithmetic failed (a "
                   "class with no examples, a division by zero), not the weights.")
            causes = ["a class or category with no examples in the evaluation set (its AP, precision or recall is "
                      "undefined)", "a division by zero or log(0) in the metric's code"]
            remedies = ["check that the evaluation set has examples of every class the metric averages over",
                        "guard the metric's divisions (e.g. zero_division= in scikit-learn's metrics)"]
        yield self.finding(
            msg,
            why=why,
            severity=severity,
            confidence=1.0,
            series=[s.name for s, _ in chosen],
            onset=onset_x,
            axis=s0.axis,
            evidence={
                "first_x": onset_x,
                "nonfinite_points": count,
                "points": len(s0),
                "kinds": kinds,
                "last_finite_value": last_good,
                "growth_before": None if growth is None else round(growth, 3),
                "stays_nonfinite": stays_bad,
                "also_in": others,
            },
            causes=causes,
            remedies=remedies,
        )


#: The local level of a long curve: a rolling median over 1/SPIKE_LEVEL_SHARE of its points (round 5 as development
#: data: bursts of 5-15 bad batches in 600-720-step logs were missed with 9 points; 1/25 lost a rounds 1-4 spike)
#: ... of at most SPIKE_LEVEL_MAX points (the median's cost grows with its window; bursts are shorter).
SPIKE_LEVEL_SHARE = 40
SPIKE_LEVEL_MAX = 51


@dataclass
class SpikeReport:
    series: Series
    xs: list[float]  # position of each spike's peak, on the series' own axis
    ratios: list[float]  # peak value / local level
    recovered: list[bool]

    @property
    def largest(self) -> int:
        return int(np.argmax(self.ratios))


def find_spikes(s: Series, p: dict) -> SpikeReport | None:
    c = Curve.of(s)
    if len(c) < p["min_points"]:
        return None
    n_bins = min(len(c), p["max_bins"])
    hi = bin_max(c.lv, n_bins)
    mid = bin_median(c.lv, n_bins)
    xs = bin_median(c.shown, n_bins) if len(c) > n_bins else c.shown
    # A long curve's local level is a median over a fortieth of it (at least ``window``, at most 51 points): a
    # burst of bad batches several steps long (a scrambled shard) would otherwise lift a short median with it.
    w = max(p["window"], min(SPIKE_LEVEL_MAX, (len(mid) // SPIKE_LEVEL_SHARE) | 1))
    base = rolling_median(mid, w)
    r = hi - base
    r0 = float(np.median(r))
    spread = float(1.4826 * np.median(np.abs(r - r0)))
    thr = r0 + max(float(np.log(p["min_ratio"])), p["noise_factor"] * spread)
    # A spike must also stand out against the run's own largest excursions: with small batches a per-step loss
    # has many 3-10x jumps, and only one far beyond those is a spike. The reference is the largest residual once
    # the top max(8, 5%) are set aside (so that several real spikes, e.g. jumps off a floor near zero loss, do
    # not raise their own bar); a spike is tail_factor times beyond it (heavy-tailed batch noise is a continuum
    # of ever rarer jumps, a spike stands apart from it).
    k = max(8, int(0.05 * len(r)))
    if len(r) > k + 4:
        thr = max(thr, float(np.partition(r, len(r) - k - 1)[len(r) - k - 1]) + float(np.log(p["tail_factor"])))
    cand = r > thr
    # The first points sit above a centred baseline while the loss falls fast; there, only a jump up from the
    # point before (which a falling loss never makes) is a candidate.
    head = min(w // 2 + 1, 3)
    cand[0] = False
    cand[1:head] &= (hi[1:head] - hi[: head - 1]) > thr - r0
    if not cand.any():
        return None
    idx = np.flatnonzero(cand)
    # Group neighbouring candidates into events.
    splits = np.flatnonzero(np.diff(idx) > 1) + 1
    events = np.split(idx, splits)
    out = SpikeReport(s, [], [], [])
    for ev in events:
        a, b = int(ev[0]), int(ev[-1])
        peak = a + int(np.argmax(r[a : b + 1]))
        after = r[b + 1 : b + 1 + p["recover_within"]]
        if len(after) < 3 and not np.any(after < r0 + (thr - r0) / 2):
            continue  # at the very end: too few points after it to tell a spike from the start of a climb
        out.xs.append(float(xs[peak]))
        out.ratios.append(float(np.exp(r[peak] - r0)))
        out.recovered.append(bool(np.any(after < r0 + (thr - r0) / 2)))
    if not any(out.recovered):
        return None  # jumps that stayed up are a new level (a schedule, a blow-up), not spikes
    return out


class Spikes(Rule):
    """Sudden large jumps in the loss that come back down.

    What it detects:
        Points (or short bursts) where the loss jumps to a multiple of its local level — the rolling median
        around it — by far more than the curve's own noise and far beyond the run's own largest ordinary
        excursions (small-batch losses jump 3-10x routinely), in log space. Reports how many, how often, the
        largest and where, and whether the loss came back down afterwards. It reads the finest train loss the
        log has (Lightning's ``train_loss_step`` beside ``train_loss_epoch``, a Hugging Face loss every
        ``logging_steps``: an epoch mean averages a one-step spike away) and the validation loss. When a
        gradient-norm series is logged, it checks whether the gradient norm jumped at the same time.

    Why it matters:
        Each spike undoes part of the training; repeated or unrecovered spikes waste compute and are often
        the prelude to divergence. They also make checkpoints taken at the wrong moment much worse.

    Likely causes:
        Bad batches (corrupted inputs, wrong labels, outliers); a learning rate at the edge of stability;
        Adam with a tiny epsilon dividing by near-zero second moments; no gradient clipping; a data loader
        that sometimes repeats or mixes samples.

    What to do:
        Clip gradients; find the batches at the spike steps and check their data; lower the learning rate
        or lengthen the warm-up; raise Adam's epsilon (e.g. 1e-6 to 1e-8 -> 1e-6).
    """

    code = "LD203"
    name = "spikes"
    severity = Severity.WARNING
    requires = ("any_loss",)
    precedence = 70

    def outranks(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """Spikes that began before the val loss's minimum and went on during its rise are a cause of that rise
        (each jump throws the model off the path it was on): they are listed before the overfitting."""
        if other.name != "overfitting" or other.onset is None:
            return None
        at = [run.convert(x, mine.axis, other.axis or run.axis) for x in mine.evidence.get("at") or []]
        at = [x for x in at if x is not None]
        if at and min(at) < other.onset < max(at):
            return (f"spikes from {other.axis} {fmt_x(min(at))}, before the val loss's minimum at {other.axis} "
                    f"{fmt_x(other.onset)}, and during its rise")
        return None

    params = {
        "min_points": Param(12, "fewest finite points the rule needs", min=5),
        "min_ratio": Param(3.0, "a spike is at least this many times its local level", min=1.0),
        "noise_factor": Param(8.0, "and exceeds its local level by this many times the curve's noise", min=0.0),
        "tail_factor": Param(3.0, "and is this many times the run's own largest ordinary excursions", min=1.0),
        "window": Param(9, "points in the rolling median that defines the local level (at least: a long curve's is "
                        "a fortieth of its points, up to 51)", min=3),
        "recover_within": Param(20, "points within which the loss must come back down to count as recovered", min=1),
        "max_bins": Param(50_000, "longer curves are binned (max and median per bin) to this many bins", min=100),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        # The finest train loss: an epoch mean averages a one-step spike away.
        reports = []
        checked = (run.train_loss_fine, run.val_loss)
        for s in checked:
            if s is not None:
                rep = find_spikes(s, self.p)
                if rep is not None:
                    reports.append(rep)
        if not reports:
            if all(s is None or np.isfinite(s.values).sum() < self.p["min_points"] for s in checked):
                raise NotEnoughData(f"fewer than {self.p['min_points']} finite loss points")
            return
        rep = max(reports, key=lambda r: (len(r.xs), max(r.ratios)))
        s = rep.series
        k = rep.largest
        axis = s.axis
        n = len(rep.xs)
        unrecovered = n - sum(rep.recovered)
        span = float(np.nanmax(s.x) - np.nanmin(s.x)) or 1.0
        evidence = {
            "count": n,
            "largest_ratio": round(rep.ratios[k], 2),
            "largest_at": rep.xs[k],
            "at": rep.xs[:20],
            "recovered": n - unrecovered,
            "per_1000_" + axis + "s": round(1000.0 * n / span, 3),
        }
        remedies = ["clip gradients (e.g. torch.nn.utils.clip_grad_norm_(params, 1.0))"]
        gn = run.grad_norm
        if gn is not None:
            gpos = gn.steps if axis == "step" else gn.epochs
            if gpos is not None:
                gx, gv = sorted_finite(gpos, gn.values)[:2]
                if len(gv) > 4 and np.median(gv) > 0:
                    near = gv[(gx >= rep.xs[k] - max(3, span / 1000)) & (gx <= rep.xs[k])]
                    if len(near):
                        g_ratio = float(near.max() / np.median(gv))
                        evidence["grad_norm_ratio_at_largest"] = round(g_ratio, 2)
                        if g_ratio >= 3:
                            remedies.insert(0, f"grad_norm rose {g_ratio:.0f}x at the spike at {axis} "
                                            f"{fmt_x(rep.xs[k])}: clip gradients (max_norm around "
                                            f"{fmt_num(float(np.median(gv)) * 2)})")
        remedies += [
            f"inspect the batches at {axis}s {', '.join(fmt_x(x) for x in rep.xs[:5])} for bad data",
            _lr_remedy(run, rep.xs[k], axis, "2-3x"),
        ]
        tail = "" if unrecovered == 0 else f"; {unrecovered} did not come back down"
        yield self.finding(
            f"{n} spike(s) in {s.name}, the largest {rep.ratios[k]:.1f}x its local level at {axis} "
            f"{fmt_x(rep.xs[k])}{tail}",
            why="The loss jumps far above its local level and falls back: single steps are throwing the model "
            "off the path it was on.",
            confidence=min(1.0, 0.5 + 0.1 * n + 0.1 * np.log(max(rep.ratios))),
            series=[s.name],
            onset=rep.xs[0],
            axis=axis,
            evidence=evidence,
            causes=[
                "bad batches: corrupted inputs, wrong labels or outliers",
                "learning rate at the edge of stability, no gradient clipping",
                "Adam's epsilon too small for the gradients' scale",
            ],
            remedies=remedies,
        )


@dataclass
class Zigzag:
    """A stretch of a curve that swings up and down from one point to the next."""

    curve: Curve
    start: int  # first point of the first qualifying window
    end: int  # last point of the last qualifying window
    amp: float  # typical point-to-point swing (log units) in the strongest window
    ac1: float  # lag-1 autocorrelation of the detrended curve there
    flips: float  # share of consecutive differences that flip sign there
    amp_last: float  # typical swing over the last third of the curve
    strong: bool  # a clean zig-zag (or wild swings) on its own, not only a bounce

    @property
    def settled(self) -> bool:
        return self.end < len(self.curve) - 1 - max(2, len(self.curve) // 10)


def _window_stats(r: np.ndarray, d: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every window of ``w`` consecutive points: the median absolute difference, the share of consecutive
    non-zero differences that flip sign, and the lag-1 autocorrelation of the detrended values ``r`` (0 when one
    side is constant). Vectorised: one pass over the curve, whatever the number of windows."""
    m = len(r) - w + 1
    amp = np.median(sliding_window_view(np.abs(d), w - 1), axis=1)
    # Sign flips between consecutive non-zero differences that both lie in the window.
    pos = np.flatnonzero(d != 0)
    sg = np.sign(d[pos])
    cum = np.r_[0, np.cumsum(sg[1:] != sg[:-1])]
    starts = np.arange(m)
    a = np.searchsorted(pos, starts, side="left")
    b = np.searchsorted(pos, starts + w - 2, side="right") - 1
    pairs = b - a
    with np.errstate(invalid="ignore", divide="ignore"):
        flips = np.where(pairs >= 2, (cum[np.maximum(b, 0)] - cum[np.minimum(a, len(cum) - 1)]) / pairs, 0.0)
        x = sliding_window_view(r[:-1], w - 1)
        y = sliding_window_view(r[1:], w - 1)
        mx, my = x.mean(axis=1), y.mean(axis=1)
        cov = (x * y).mean(axis=1) - mx * my
        vx, vy = (x * x).mean(axis=1) - mx * mx, (y * y).mean(axis=1) - my * my
        ok = (x.std(axis=1) > 0) & (y.std(axis=1) > 0)
        ac1 = np.where(ok, cov / np.sqrt(np.maximum(vx * vy, 1e-300)), 0.0)
    return amp, np.nan_to_num(flips), ac1


#: A spike this many times larger than an oscillation's typical swing is not explained by the oscillation.
SPIKE_BEYOND_SWING = 10.0


def find_zigzag(c: Curve, p: dict, per_eval: bool, block_se: float = 0.0) -> Zigzag | None:
    """The sustained zig-zag of a curve at epoch (or evaluation) granularity, or None.

    Every window of ``window`` consecutive points (the whole curve when shorter) is tested. A *strong* window
    zig-zags on its own: most consecutive differences flip sign, the detrended curve is anti-correlated from one
    point to the next, and the typical swing is a large share of the level; or (``per_eval``: one point per epoch
    or evaluation) the swings are so large that only their alternation matters. A *bouncing* window goes up and
    down about as often as it goes on (at least ``bounce_flips`` of the differences flip sign) by at least
    ``bounce_amplitude`` of its level: on one curve that is what noise does too, so the rule asks for it on the
    train and the val loss together (the weights themselves bounce). A long curve needs a run of qualifying
    windows (a zig-zag that lasts), not one chance window. ``block_se``: the standard error of each point when it
    is a mean of per-step losses; a swing must then be well beyond what batch noise moves such means by."""
    lv = c.lv
    n = len(lv)
    if n < p["min_points"]:
        return None
    w = min(p["window"], n)
    trend = rolling_median(lv, 7 if n >= 14 else 3)
    r = lv - trend
    d = np.diff(lv)
    strict = p["max_autocorr"] if w >= 20 else min(p["max_autocorr"], -0.45)
    amp, flips, ac1 = _window_stats(r, d, w)
    usable = (amp > 0) & (amp >= 2 * np.sqrt(2) * block_se)  # else two block means differ this much by noise
    zig = (ac1 <= strict) & (flips >= p["min_flips"]) & (amp >= np.log1p(p["min_amplitude"]))
    zig |= (ac1 <= strict) & (flips >= p["steady_flips"]) & (amp >= np.log1p(p["steady_amplitude"]))
    # Wild swings need no zig-zag, only no long wandering either (a lag-1 autocorrelation of the detrended val
    # loss above 0.35 is a drift that lasts several evaluations, not a swing from one to the next).
    wild = per_eval & (amp >= np.log1p(p["wild_amplitude"])) & (ac1 <= 0.35) & (flips >= 0.5)
    bounce = (flips >= p["bounce_flips"]) & (amp >= np.log1p(p["bounce_amplitude"]))
    keep = np.flatnonzero(usable & (zig | wild | bounce))
    hits = [(int(i), float(amp[i]), float(ac1[i]), float(flips[i]), bool(zig[i] or wild[i])) for i in keep]
    need = 1 if n < int(1.5 * w) else max(2, w // 4)
    candidates = []
    strong_hits = [h for h in hits if h[4]]
    if strong_hits:
        # A zig-zag: the longest run of consecutive strong windows. Once it has started, a zig-zag goes on
        # while the windows keep its pattern (as regular and anti-correlated) at three quarters of its swing:
        # a zig-zag whose swing shrinks a little has not settled.
        keep_on = (ac1 <= strict) & (flips >= p["steady_flips"]) & (amp >= np.log1p(0.75 * p["steady_amplitude"]))
        keep_on &= usable
        strong_at = {h[0]: h for h in strong_hits}
        on = np.flatnonzero(keep_on | np.isin(np.arange(len(amp)), list(strong_at)))
        runs = np.split(on, np.flatnonzero(np.diff(on) > 1) + 1)
        best = None
        for r in runs:
            k = [strong_at[i] for i in r if i in strong_at]
            if len(k) >= need and (best is None or len(r) > len(best[0])):
                best = (r, k)
        if best is not None:
            r, k = best
            tail = (int(r[-1]), float(amp[r[-1]]), float(ac1[r[-1]]), float(flips[r[-1]]), True)
            candidates.append((k + ([tail] if tail[0] not in strong_at else []), True))
    if len(hits) >= need:
        # A bounce: enough qualifying windows over the run, from the first to the last.
        candidates.append((hits, False))
    last = d[-max(3, len(d) // 3):]
    for pool, strong in candidates:
        top = max(pool, key=lambda h: h[1])
        z = Zigzag(c, int(pool[0][0]), int(pool[-1][0]) + w - 1, top[1], top[2], top[3],
                   float(np.median(np.abs(last))), strong)
        if z.settled and z.end - z.start + 1 < 2 * w:
            continue  # a short bounce that died down (an early transient), not an oscillation
        return z
    return None


def eval_interval(run: Run, s: Series) -> float | None:
    """The steps between two evaluations (the val loss's cadence), on ``s``'s own axis: an epoch's stand-in for a
    per-step log that does not say where its epochs are."""
    val = run.val_loss
    if val is None or s.axis != "step" or val.steps is None:
        return None
    st = np.sort(val.steps[np.isfinite(val.steps) & np.isfinite(val.values)])
    return float(np.median(np.diff(st))) if len(st) > 2 else None


class Oscillation(Rule):
    """The loss zig-zags from one epoch (or evaluation) to the next with swings large against its level.

    What it detects:
        A sustained stretch (at least ``window`` consecutive points) in which the training loss, taken at
        epoch granularity (an epoch mean or a logging-window mean as written; a per-step loss is averaged per
        epoch first, and its swings must exceed what batch noise moves such means by), or the validation loss
        swings up and down from one point to the next: most consecutive differences flip sign, the detrended
        curve is anti-correlated from one point to the next, and the typical swing is a large share of the
        loss's level; or the swings of the validation loss are so large (several tens of percent from one
        evaluation to the next) that their pattern does not matter (a train loss's irregular swings are its
        noise, large near a floor: it must zig-zag, or bounce with the validation loss). A steady zig-zag
        (nearly every difference flipping sign, anti-correlated) counts from swings of a tenth of the level.
        A milder bounce (swings of a tenth of the level, going up about as often as down) counts when the
        train and the validation loss show it together: one noisy curve can be a small validation set or
        batch noise, both together are the weights bouncing. The finding says where it runs and whether it
        settled before the end.

    Why it matters:
        The optimiser is bouncing across a valley instead of descending it: progress stalls at a level set by
        the step size, and the final weights depend on which side of the bounce the run stopped. A validation
        loss that swings several-fold from epoch to epoch makes every checkpoint a lottery.

    Likely causes:
        A learning rate too high for the curvature (just under the stability limit); momentum too high
        (0.99 with a large step); a batch size too small for the learning rate; a cyclic schedule at too
        high an amplitude.

    What to do:
        Lower the learning rate (the finding quotes the logged one) by 3-10x or decay it; reduce momentum;
        increase the batch size; use a schedule that anneals the learning rate.
    """

    code = "LD204"
    name = "oscillation"
    severity = Severity.WARNING
    requires = ("any_loss",)
    precedence = 40
    explains = {"spikes": "later", "still-improving": "always", "underfitting": "unsettled"}

    def explanation(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """A loss that still bounces at the end levelled off where the bounce holds it (the step size), not
        where the model's capacity does: underfitting's "add capacity" would be the wrong fix. A zig-zag that
        settled before the end explains nothing about the level the loss settled at."""
        if other.name == "spikes":
            # Jumps far beyond the bounce (a 200x spike in a loss that swings by 80%) are events of their own.
            ratio, swing = other.evidence.get("largest_ratio"), mine.evidence.get("swing_pct")
            if ratio is not None and swing is not None and ratio > SPIKE_BEYOND_SWING * (1 + swing / 100):
                return None
        if self.explains.get(other.name) == "unsettled":
            if mine.evidence.get("settled"):
                return None
            return (f"{other.name}: the loss still bounces at the end (swings of {mine.evidence.get('swing_pct')}% "
                    f"of its level): its level is set by the step size, not by the model's capacity")
        return super().explanation(mine, other, run)

    def outranks(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """A loss that bounces from before the point it started to drift up, by swings larger than the drift,
        and ends within an order of magnitude of its start, is an oscillation that drifted, not a blow-up that
        happens to bounce: the zig-zag is the story."""
        if other.name != "divergence" or mine.onset is None or other.onset is None:
            return None
        axis = other.axis or run.axis
        start = run.convert(mine.onset, mine.axis or axis, axis)
        per = other.evidence.get(f"growth_per_{axis}")
        swing = mine.evidence.get("swing_pct")
        if start is None or start > other.onset or per is None or swing is None or mine.evidence.get("settled"):
            return None
        if (other.evidence.get("final_over_start") or 0) > 10:
            return None  # blown up by orders of magnitude: a divergence, whatever bounced on the way
        if 100 * (per - 1) < swing:
            return f"it bounced by {swing:.0f}% a point from {axis} {fmt_x(start)}, more than the loss drifted up"
        return None

    params = {
        "min_points": Param(10, "fewest finite points the rule needs", min=6),
        "window": Param(20, "points a zig-zag must last (the whole curve when it is shorter)", min=6),
        "min_amplitude": Param(0.15, "typical point-to-point swing, relative to the level (0.15 = 15%)", min=0),
        "max_autocorr": Param(-0.5, "lag-1 autocorrelation of the detrended loss at or below which it zig-zags",
                              min=-1, max=0),
        "min_flips": Param(0.8, "share of consecutive differences that must flip sign", min=0, max=1),
        "wild_amplitude": Param(0.4, "swings this large count whatever their pattern (per-epoch curves)", min=0),
        "steady_amplitude": Param(0.10, "typical swing of a steady zig-zag (steady_flips of the differences flip "
                                  "sign): a period-2 pattern this regular is not noise even at 10%", min=0),
        "steady_flips": Param(0.85, "share of consecutive differences that flip sign in a steady zig-zag",
                              min=0, max=1),
        "bounce_amplitude": Param(0.10, "typical swing of a bounce seen on train and val together (0.10 = 10%)",
                                  min=0),
        "bounce_flips": Param(0.55, "share of consecutive differences that flip sign in a bounce", min=0, max=1),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        found: list[tuple[Series, Zigzag]] = []
        checked = 0
        # The train loss at epoch granularity: the epoch-level series (Lightning's train_loss_epoch, on whichever
        # axis it was written), or a mean over a logging window as written (the Hugging Face loss), else the
        # finest one averaged per epoch (or per evaluation interval).
        train = run.train_loss
        if train is not None:
            _, width = averaging_window(run.format, run.meta, train, run.val_loss)
            every = eval_interval(run, train)
            # A mean over a logging window is at epoch granularity when the window is about an evaluation
            # interval long; a mean of a few steps (a Hugging Face loss every 5 steps, evaluated once an epoch)
            # still carries batch noise, and is averaged per epoch like a per-step loss.
            if one_per_epoch(train) or (width > 1 and (every is None or width >= every / 2)):
                c, se = Curve.of(train), 0.0
                c = c.binned(500) if len(c) > 500 else c
            else:
                train = run.train_loss_fine or train
                b = epoch_blocks(train, every=eval_interval(run, train))
                c, se = b.curve, b.se
            checked += len(c) >= self.p["min_points"]
            # Irregular swings of a train loss, however large, are its noise (a loss near its floor swings by
            # half its tiny level): it must zig-zag, or bounce with the val loss. Only the val loss's several-fold
            # swings count whatever their pattern: they make every checkpoint a lottery.
            z = find_zigzag(c, self.p, per_eval=False, block_se=se)
            if z is not None:
                found.append((train, z))
        if run.val_loss is not None:
            c = Curve.of(run.val_loss)
            c = c.binned(500) if len(c) > 500 else c
            checked += len(c) >= self.p["min_points"]
            z = find_zigzag(c, self.p, per_eval=True)
            if z is not None:
                found.append((run.val_loss, z))
        if not checked:
            raise NotEnoughData(f"fewer than {self.p['min_points']} finite loss points (at epoch granularity)")
        # A strong zig-zag speaks for itself; a bounce counts only when train and val bounce together.
        if not any(z.strong for _, z in found) and len(found) < 2:
            return
        strong = [(o, z) for o, z in found if z.strong]
        s, z = max(strong or found, key=lambda t: t[1].amp)
        swing = float(np.expm1(z.amp))
        c = z.curve
        axis = c.axis
        start_x, end_x = float(c.shown[z.start]), float(c.shown[z.end])
        also = [o.name for o, _ in found if o is not s]
        settled = (f"; it settled after {axis} {fmt_x(end_x)}" if z.settled
                   else " through the end of the run")
        lr_x = run.convert(start_x, axis, run.axis)
        if strong:
            what = (f"{s.name} zig-zags with swings of about {swing:.0%} of its level from {axis} {fmt_x(start_x)}"
                    f"{settled} (lag-1 autocorrelation {z.ac1:.2f})" + (f"; {', '.join(also)} too" if also else ""))
        else:
            other = next(oz for o, oz in found if o is not s)
            what = (f"{s.name} and {also[0]} both bounce up and down from one point to the next, by about "
                    f"{swing:.0%} and {float(np.expm1(other.amp)):.0%} of their level, from {axis} "
                    f"{fmt_x(start_x)}{settled}: the weights themselves are bouncing")
        yield self.finding(
            what,
            why="The loss bounces up and down from one epoch (or evaluation) to the next instead of settling: the "
            "optimiser keeps overshooting the bottom of the valley it is in.",
            confidence=min(1.0, 0.5 + 0.3 * min(1.0, -z.ac1) + 0.2 * min(1.0, swing / 0.5)),
            series=[s.name] + also,
            onset=start_x,
            axis=axis,
            evidence={
                "swing_pct": round(100 * swing, 1),
                "swing_last_third_pct": round(100 * float(np.expm1(z.amp_last)), 1),
                "autocorr_lag1": round(z.ac1, 3),
                "sign_flip_share": round(z.flips, 3),
                "pattern": "zig-zag" if strong else "train and val bounce together",
                "from_x": start_x,
                "to_x": end_x,
                "settled": z.settled,
            },
            causes=[
                "learning rate too high for the curvature of the loss",
                "momentum too high for the step size",
                "batch size too small for the learning rate",
            ],
            remedies=[
                _lr_remedy(run, lr_x if lr_x is not None else start_x, run.axis if lr_x is not None else axis,
                           "3-10x"),
                "reduce momentum (e.g. 0.99 -> 0.9) or decay the learning rate over training",
                "increase the batch size",
            ],
        )
