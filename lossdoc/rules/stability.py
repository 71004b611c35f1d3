"""Family 2 (LD2xx): whether optimisation stays numerically stable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lossdoc.model import Finding, Run, Series, Severity
from lossdoc.rules.base import NotEnoughData, Param, Rule
from lossdoc.signals import (
    Curve,
    bin_max,
    bin_median,
    finite_xy,
    fmt_num,
    fmt_x,
    lr_at,
    noise,
    rolling_median,
    smooth,
    sorted_finite,
    theil_sen,
)


def loss_to_check(run: Run) -> tuple[Series, bool]:
    """The training loss, or the validation loss when the log has no training loss (second item True)."""
    if run.train_loss is not None:
        return run.train_loss, False
    assert run.val_loss is not None
    return run.val_loss, True


def _lr_remedy(run: Run, x: float, axis: str, factor: str = "10x") -> str:
    lr = lr_at(run.lr, x, axis)
    if lr is not None and lr > 0:
        return f"lower the learning rate ({fmt_num(lr)} logged at {axis} {fmt_x(x)}) by {factor}"
    return f"lower the learning rate (e.g. by {factor})"


class Divergence(Rule):
    """Training loss grows after some point, typically exponentially, ending far above its minimum.

    What it detects:
        After its lowest point the training loss climbs and stays up: the end of the log sits several times
        above the minimum (in log space, and far beyond the curve's own noise). The finding gives where the
        growth starts, how fast it goes (growth per epoch or step and the doubling time) and the learning
        rate logged there. When the log has no training loss the validation loss is used, with a stricter
        threshold (a rising val loss alone is more often overfitting).

    Why it matters:
        A diverging run only gets worse: the weights are being pushed away from any good solution, and the
        next thing is usually an overflow to NaN. Every step after the onset is wasted compute.

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
    precedence = 20
    suppresses = (
        "overfitting",
        "overconfidence",
        "generalization-gap",
        "val-below-train",
        "plateau",
        "underfitting",
        "still-improving",
        "oscillation",
        "spikes",
    )
    params = {
        "min_points": Param(5, "fewest finite loss points the rule needs", min=3),
        "min_ratio": Param(3.0, "how many times above its minimum the loss must end", min=1.0),
        "noise_factor": Param(4.0, "the rise must also exceed this many times the loss's own noise", min=0.0),
        "val_only_ratio": Param(10.0, "min_ratio when only a validation loss is logged", min=1.0),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        loss, val_only = loss_to_check(run)
        raw = Curve.of(loss)
        if len(raw) < self.p["min_points"]:
            raise NotEnoughData(f"{len(raw)} finite points of {loss.name}, needs {self.p['min_points']}")
        c = raw.binned()
        s = smooth(c.lv)
        i_min = int(np.argmin(s))
        if len(c) - 1 - i_min < 2:
            return
        k = max(2, min(5, len(c) // 10))
        tail = c.lv[-k:]
        rise = float(np.median(tail) - s[i_min])
        nz = noise(c.lv)
        ratio_need = self.p["val_only_ratio"] if val_only else self.p["min_ratio"]
        need = max(float(np.log(ratio_need)), self.p["noise_factor"] * nz)
        if rise < need or np.mean(tail > s[i_min] + need / 2) < 0.8:
            return
        above = np.flatnonzero(s[i_min:] > s[i_min] + 0.1 * rise)
        i_on = i_min + (int(above[0]) - 1 if len(above) else 1)
        i_on = max(i_min, i_on)
        i_peak = i_on + int(np.argmax(s[i_on:]))
        rate = theil_sen(c.x[i_on : i_peak + 1], c.lv[i_on : i_peak + 1]) if i_peak > i_on else 0.0
        axis = loss.axis
        j = int(np.argmin(raw.v))
        best_x, best_v = float(raw.shown[j]), float(raw.v[j])
        onset_x = float(c.shown[i_on])
        with np.errstate(over="ignore"):  # a loss that grew past the float range: the ratio is inf, say so
            final_v = float(np.exp(np.median(tail))) if np.all(c.v > 0) else float(np.median(c.v[-k:]))
            ratio = float(np.exp(rise))
        evidence = {
            "min_x": best_x,
            "min_value": best_v,
            "final_value": final_v,
            "final_over_min": round(ratio, 3),
            "onset_x": onset_x,
            "noise_log": round(nz, 5),
        }
        growth = ""
        if rate > 0:
            per = float(np.exp(rate))
            doubling = float(np.log(2) / rate)
            evidence["growth_per_" + axis] = round(per, 4)
            evidence["doubling_" + axis + "s"] = round(doubling, 3)
            growth = f"; it doubles every {fmt_x(round(doubling, 1))} {axis}s from {axis} {fmt_x(onset_x)}"
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
                before = gv[gx < onset_x]
                if len(before) and np.median(before) > 0:
                    evidence["grad_norm_growth"] = round(float(np.max(gv) / np.median(before)), 2)
        which = "validation loss" if val_only else "training loss"
        yield self.finding(
            f"{loss.name} grew {ratio:.1f}x above its minimum {fmt_num(best_v)} (at {axis} {fmt_x(best_x)}) "
            f"to {fmt_num(final_v)} at the end{growth}",
            why=f"The {which} turned around and kept growing until the log ends: optimisation is being pushed "
            f"away from the solution it had found.",
            confidence=min(1.0, 0.6 + 0.2 * min(1.0, rise / need - 1) + (0.2 if rate > 0 else 0.0)),
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
        (severity warning, when no loss is affected). Learning-rate and gradient-norm series are not checked:
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

    code = "LD202"
    name = "non-finite"
    severity = Severity.ERROR
    requires = ()
    precedence = 10
    params = {}

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
        yield self.finding(
            msg,
            why="The run produced a value that is not a number; from then on the weights are most likely NaN too "
            "and nothing after it can be trusted.",
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
    w = p["window"]
    base = rolling_median(mid, w)
    r = hi - base
    r0 = float(np.median(r))
    spread = float(1.4826 * np.median(np.abs(r - r0)))
    thr = r0 + max(float(np.log(p["min_ratio"])), p["noise_factor"] * spread)
    # A spike must also stand out against the run's own largest excursions: with small batches a per-step loss
    # has many 3-10x jumps, and only one far beyond those is a spike. The reference is the largest residual once
    # the top max(8, 2%) are set aside (so that a handful of real spikes do not raise their own bar).
    k = max(8, int(0.02 * len(r)))
    if len(r) > k + 4:
        thr = max(thr, float(np.partition(r, len(r) - k - 1)[len(r) - k - 1]) + float(np.log(p["tail_factor"])))
    cand = r > thr
    cand[: w // 2 + 1] = False  # the first points sit above any centred baseline while the loss falls fast
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
        out.xs.append(float(xs[peak]))
        out.ratios.append(float(np.exp(r[peak] - r0)))
        out.recovered.append(bool(len(after) and np.any(after < r0 + (thr - r0) / 2)))
    return out


class Spikes(Rule):
    """Sudden large jumps in the loss that come back down.

    What it detects:
        Points (or short bursts) where the loss jumps to a multiple of its local level — the rolling median
        around it — by far more than the curve's own noise and far beyond the run's own largest ordinary
        excursions (small-batch losses jump 3-10x routinely), in log space. Reports how many, how often, the
        largest and where, and whether the loss came back down afterwards. When a gradient-norm series is
        logged, it checks whether the gradient norm jumped at the same time.

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
    params = {
        "min_points": Param(12, "fewest finite points the rule needs", min=5),
        "min_ratio": Param(3.0, "a spike is at least this many times its local level", min=1.0),
        "noise_factor": Param(8.0, "and exceeds its local level by this many times the curve's noise", min=0.0),
        "tail_factor": Param(3.0, "and is this many times the run's own largest ordinary excursions", min=1.0),
        "window": Param(9, "points in the rolling median that defines the local level", min=3),
        "recover_within": Param(20, "points within which the loss must come back down to count as recovered", min=1),
        "max_bins": Param(50_000, "longer curves are binned (max and median per bin) to this many bins", min=100),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        reports = []
        for s in (run.train_loss, run.val_loss):
            if s is not None:
                rep = find_spikes(s, self.p)
                if rep is not None:
                    reports.append(rep)
        if not reports:
            if all(s is None or np.isfinite(s.values).sum() < self.p["min_points"] for s in (run.train_loss, run.val_loss)):
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


def zigzag(s: Series, p: dict) -> dict | None:
    """Swing size, lag-1 autocorrelation and settling of the second half of a curve."""
    c = Curve.of(s)
    if len(c) >= 1000:
        c = c.binned(500)  # per-step batch noise averages out; a slow zig-zag does not
    lv = c.lv
    if len(lv) < p["min_points"]:
        return None
    seg = lv[len(lv) // 2 :]
    if len(seg) < 6:
        return None
    trend = rolling_median(seg, 7 if len(seg) >= 14 else 3)
    r = seg - trend
    d = np.diff(seg)
    amp = float(np.median(np.abs(d)))
    if r.std() == 0:
        return None
    ac1 = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if len(r) > 3 else 0.0
    last = seg[-max(4, len(seg) // 3) :]
    amp_last = float(np.median(np.abs(np.diff(last))))
    signs = np.sign(d[d != 0])
    flips = float(np.mean(signs[1:] != signs[:-1])) if len(signs) > 2 else 0.0
    return {
        "curve": c,
        "amp": amp,
        "amp_last": amp_last,
        "ac1": ac1,
        "flips": flips,
        "n": len(seg),
    }


class Oscillation(Rule):
    """The loss zig-zags with an amplitude large against its level and does not settle.

    What it detects:
        In the second half of the run the training loss (the validation loss only when no training loss is
        logged) swings up and down from one point to the next — a strongly
        negative lag-1 autocorrelation of its detrended log, or swings so large they dwarf the trend — with a
        typical swing that is a large fraction of the loss's level, still that large in the last third of
        the run. Long per-step curves are binned first, so ordinary batch-to-batch noise does not count.

    Why it matters:
        The optimiser is bouncing across a valley instead of descending it: progress stalls at a level set by
        the step size, and the final weights depend on which side of the bounce the run stopped.

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
    suppresses = ("spikes",)
    params = {
        "min_points": Param(10, "fewest finite points the rule needs", min=6),
        "min_amplitude": Param(0.15, "typical point-to-point swing, relative to the level (0.15 = 15%)", min=0),
        "max_autocorr": Param(-0.3, "lag-1 autocorrelation of the detrended loss at or below which it zig-zags",
                              min=-1, max=0),
        "min_flips": Param(0.8, "share of consecutive differences that must flip sign", min=0, max=1),
        "wild_amplitude": Param(0.4, "swings this large count whatever their pattern (per-epoch curves)", min=0),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        # The training loss is where a too-large step shows; a val loss bouncing over a smooth train loss is
        # noisy evaluation or overfitting. The val loss is used only when no training loss is logged.
        s, _ = loss_to_check(run)
        z = zigzag(s, self.p)
        if z is None:
            raise NotEnoughData(f"fewer than {self.p['min_points']} finite points of {s.name}")
        strict = self.p["max_autocorr"] if z["n"] >= 20 else min(self.p["max_autocorr"], -0.45)
        # A zig-zag alternates: most consecutive differences flip sign (white noise flips 2/3 of them).
        zig = (
            z["ac1"] <= strict
            and z["flips"] >= self.p["min_flips"]
            and z["amp"] >= np.log1p(self.p["min_amplitude"])
        )
        wild = s.axis == "epoch" and z["amp"] >= np.log1p(self.p["wild_amplitude"]) and z["ac1"] <= 0.1
        settles = z["amp_last"] < np.log1p(self.p["min_amplitude"])  # the last third no longer swings much
        if not (zig or wild) or settles:
            return
        swing = float(np.expm1(z["amp"]))
        axis = s.axis
        c = z["curve"]
        start_x = float(c.shown[len(c) // 2])
        period = 2.0 / z["flips"] if z["flips"] > 0 else float("nan")
        yield self.finding(
            f"{s.name} zig-zags with swings of about {swing:.0%} of its level through the end of the run "
            f"(lag-1 autocorrelation {z['ac1']:.2f})",
            why="The loss bounces up and down instead of settling: the optimiser keeps overshooting the bottom "
            "of the valley it is in.",
            confidence=min(1.0, 0.5 + 0.3 * min(1.0, -z["ac1"]) + 0.2 * min(1.0, swing / 0.5)),
            series=[s.name],
            onset=start_x,
            axis=axis,
            evidence={
                "swing_pct": round(100 * swing, 1),
                "swing_last_third_pct": round(100 * float(np.expm1(z["amp_last"])), 1),
                "autocorr_lag1": round(z["ac1"], 3),
                "period_points": None if not np.isfinite(period) else round(period, 2),
            },
            causes=[
                "learning rate too high for the curvature of the loss",
                "momentum too high for the step size",
                "batch size too small for the learning rate",
            ],
            remedies=[
                _lr_remedy(run, start_x, axis, "3-10x"),
                "reduce momentum (e.g. 0.99 -> 0.9) or decay the learning rate over training",
                "increase the batch size",
            ],
        )
