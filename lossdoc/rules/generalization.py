"""Family 1 (LD1xx): how validation behaves against training."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lossdoc.model import Finding, Run, Series, Severity
from lossdoc.rules import advice
from lossdoc.rules.base import NotEnoughData, Param, Rule
from lossdoc.signals import Curve, Paired, fmt_num, fmt_x, level, noise, pair_train_val, rolling_median, smooth

# Parameters of the upturn of the validation loss.
UPTURN_PARAMS = {
    "min_points": Param(5, "fewest finite validation points the rule needs", min=3),
    "min_rise": Param(0.10, "smallest rise of the final val loss over its minimum (0.10 = 10%)", min=0.0),
    "noise_factor": Param(3.0, "the rise must also exceed this many times the val loss's own noise", min=0.0),
    "min_after": Param(3, "fewest validation points after the minimum", min=1),
    "persistence": Param(
        0.6, "share of the points after the minimum that stay above it by half the required rise", min=0, max=1
    ),
    "patience": Param(5, "patience of the early-stopping suggestion", min=1),
    "hold_tolerance": Param(
        0.005, "the val metric 'holds' (overconfident kind) if it ends no more than this below its value at the "
        "loss minimum", min=0
    ),
}


@dataclass
class Upturn:
    """The validation loss turning upwards after its minimum, measured on its own points."""

    val: Curve  # val loss (binned if long)
    i_best: int  # index of the smoothed minimum in ``val``
    rise_log: float  # smoothed final level minus the smoothed minimum, log units
    need_log: float  # the rise the parameters require, log units
    persistence: float
    noise: float
    best_x: float  # the raw best point, on val's own axis
    best_value: float
    final_value: float  # the last logged finite value
    final_level: float  # the smoothed level of the end (median of the smoothed tail)
    best_log: float = float("nan")  # the minimum of the lightly smoothed curve (log units): the level it rose from
    end_values: float = float("nan")  # the end level read on the values (median of the last third after the best)

    @property
    def rise_pct(self) -> float:
        """The rise of the smoothed end level over the raw minimum, in %."""
        return 100.0 * (self.final_level / self.best_value - 1.0) if self.best_value > 0 else float("nan")

    @property
    def after(self) -> int:
        return len(self.val) - 1 - self.i_best


def find_upturn(run: Run, p: dict) -> Upturn | None:
    """The val loss's upturn, or None when it never clearly rose after its minimum.

    Raises NotEnoughData when there are too few validation points to say."""
    val = run.val_loss
    assert val is not None
    raw = Curve.of(val)
    if len(raw) < p["min_points"]:
        raise NotEnoughData(f"{len(raw)} finite validation points, needs {p['min_points']}")
    c = raw.binned()
    # The minimum on a light running median (3 points: one odd evaluation neither makes nor hides it; a wider
    # window would fill in the narrow valley of an early minimum), the end as the median of the last third of
    # the evaluations after it.
    s = rolling_median(c.lv, 3) if len(c) >= 9 else c.lv
    i_best = int(np.argmin(s))
    after = len(c) - 1 - i_best
    if after < p["min_after"]:
        return None
    post = c.lv[i_best + 1 :]
    final = level(post, frac=0.34)
    rise = final - s[i_best]
    # The noise where the question is asked: a val loss that fell smoothly and then wobbles (a tiny val set)
    # has a whole-curve noise near zero (a monotone stretch has no residual around its running median).
    nz = noise(c.lv)
    lo = max(0, i_best - 5)
    if len(c) - lo >= 8:
        nz = max(nz, noise(c.lv[lo:]))
    need = max(float(np.log1p(p["min_rise"])), p["noise_factor"] * nz)
    # It stayed up: the second half of the evaluations after the minimum (a slow steady rise starts low).
    persist = float(np.mean(post[len(post) // 2 :] > s[i_best] + need / 2))
    j = int(np.argmin(raw.v))  # the raw best point: what a checkpoint callback keeps
    if rise < need or persist < p["persistence"]:
        return None
    final_level = float(np.exp(final)) if np.all(c.v > 0) else float("nan")
    return Upturn(c, i_best, float(rise), need, persist, nz, float(raw.shown[j]), float(raw.v[j]),
                  float(raw.v[-1]), final_level, float(s[i_best]),
                  level(c.v[i_best + 1 :], frac=0.34))


def upturn_remedies(run: Run, up: Upturn, patience: int) -> list[str]:
    val = run.val_loss
    assert val is not None
    return [advice.restore_best(run, val, up.best_x, up.best_value), advice.early_stopping(run, val, patience)]


def _best_val_metric(run: Run) -> Series | None:
    """The val metric to judge predictions by: an accuracy if logged, else mAP (mAP50-95 first: what detection
    users select checkpoints on), else any higher-is-better val metric."""
    metrics = [m for m in run.val_metrics() if m.higher_is_better]
    if not metrics:
        return None

    def rank(m: Series) -> tuple:
        n = m.name.lower()
        return ("acc" not in n, "map" not in n, "95" not in n, -len(m), n)

    metrics.sort(key=rank)
    return metrics[0]


@dataclass
class MetricKind:
    kind: str  # "overconfident" (the metric held or improved) or "metric fell"
    at_best: float  # the metric as logged at the val loss minimum (what a checkpoint there scores)
    last: float  # its last logged value
    verb: str  # "rose", "held" or "fell" (judged on the smoothed level, see metric_kind)


def metric_kind(run: Run, metric: Series, up: Upturn, tolerance: float) -> MetricKind:
    """Whether the val metric held while the val loss climbed. Judged on robust levels (the median of 5 points
    around the loss minimum against the median of the last fifth), 'held' within the tolerance or twice the
    metric's own point-to-point noise, whichever is larger; the numbers reported are the logged ones."""
    assert run.val_loss is not None
    val_pos = run.convert(up.best_x, run.val_loss.axis, metric.axis)
    val_pos = up.best_x if val_pos is None else val_pos
    mc = Curve.of(metric)
    i = int(np.clip(np.searchsorted(mc.shown, val_pos, side="right") - 1, 0, len(mc) - 1))
    m_best = float(np.median(mc.v[max(0, i - 2) : i + 3]))
    m_final = level(mc.v, frac=0.2)
    d = np.diff(mc.v)
    m_noise = float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2)) if len(d) > 2 else 0.0
    scale = max(abs(m_best), 1.0) if abs(m_best) > 1 else 1.0
    tol = max(tolerance * scale, 2 * m_noise)
    kind = "metric fell" if m_final < m_best - tol else "overconfident"
    verb = "fell" if kind == "metric fell" else ("rose" if m_final > m_best + tol else "held")
    return MetricKind(kind, float(mc.v[i]), float(mc.v[-1]), verb)


class Overfitting(Rule):
    """Validation loss rises clearly and persistently after its minimum while training loss does not.

    What it detects:
        The validation loss reaches its lowest point and then climbs, and the climb is large against the
        curve's own noise and lasts to the end of the log, while the training loss keeps falling (or at
        least rises by much less than the validation loss: the gap between them widens). The comparison is
        made in log space on a median-smoothed curve, so a single noisy evaluation neither triggers nor hides
        it; the train loss is read at the same weights as each evaluation (a train loss averaged over an
        epoch or a logging window stands for the middle of that window). A log with only a validation loss
        is judged on that curve alone. One kind is named: when a higher-is-better validation metric
        (accuracy preferred) holds or improves while the loss climbs, the model is overconfident, the first
        stage of overfitting; it is reported once, as overfitting of the overconfident kind. (This rule
        replaces LD102 overconfidence: the name and the code are aliases of this rule and are never reused.)

    Why it matters:
        Every epoch after the minimum makes the model worse on data it has not seen. The weights you keep at
        the end are not the best ones you had, and more training will not fix it. In the overconfident kind
        accuracy alone says the model is fine, but its probabilities are no longer calibrated: thresholds,
        ensembles and anything that reads the scores behave worse.

    Likely causes:
        Too little training data for the model's capacity; too little regularisation (weight decay, dropout,
        augmentation); noisy labels being memorised; training for too many epochs without early stopping.
        Overconfident kind: training long after the decision boundaries settled, pushing logits ever larger.

    What to do:
        Restore (or checkpoint) the weights of the best validation point; stop early on the validation loss
        (the finding says where a given patience would have stopped, in the terms of the framework that wrote
        the log); add regularisation or data augmentation, get more (or cleaner) data, or use a smaller
        model. Overconfident kind: select checkpoints by the metric you deploy on, or calibrate (for a
        classification loss: label smoothing, temperature scaling).
    """

    code = "LD101"
    name = "overfitting"
    aliases = ("overconfidence",)
    retired_codes = ("LD102",)
    severity = Severity.WARNING
    requires = ("val_loss",)
    precedence = 50
    explains = {"still-improving": "always"}
    params = dict(UPTURN_PARAMS)

    @staticmethod
    def _gap_widened(run: Run, train: Series, pair: Paired, up: Upturn) -> tuple[dict, str] | None:
        """Evidence and words when the gap widened as the val loss turned up, else None.

        The train loss is read at the same weights as each evaluation. The gap widened if, from the val minimum,
        the train loss rose by less than half as much as the val loss did, in the loss's own units (a train loss
        creeping up from 2e-5 to 5e-3 while val rises by 0.06 still widens the gap): either by the end of the
        run, or by the time the upturn became clear (the first evaluation where the smoothed val loss stands the
        required rise above its minimum). The second keeps a val loss that turned up while the train loss still
        fell as overfitting even when the train loss blows up later (divergence then reports that, from its own
        onset); train levels are medians of a few evaluations, so one noisy train point decides nothing."""
        ok = np.isfinite(pair.train)
        vs = np.exp(smooth(pair.val.lv)) if np.all(pair.val.v > 0) else pair.val.v
        n = len(vs)
        at = int(np.argmin(np.abs(pair.val.shown - up.best_x)))
        idx = np.arange(n)
        clear = np.flatnonzero((idx > at) & (vs >= up.best_value * np.exp(up.need_log)))
        k = int(clear[0]) if len(clear) else n - 1
        before = np.flatnonzero(ok & (idx <= at))[-3:]
        when = np.flatnonzero(ok & (idx >= k))[:5]
        end = np.flatnonzero(ok & (idx > at))[-max(2, (n - at) // 5):]
        if len(before) == 0 or len(when) == 0:
            return {}, ""
        t0 = float(np.median(pair.train[before]))
        widened_by_end = len(end) and float(np.median(pair.train[end])) - t0 <= 0.5 * (up.final_level - up.best_value)
        widened_when_clear = float(np.median(pair.train[when])) - t0 <= 0.5 * (float(vs[k]) - up.best_value)
        if not (widened_by_end or widened_when_clear):
            return None
        t_raw = Curve.of(train)

        def logged_at(x_val: float) -> float:
            tx = run.convert(x_val, pair.val.axis, train.axis)
            tx = x_val if tx is None else tx
            j = int(np.clip(np.searchsorted(t_raw.shown, tx, side="right") - 1, 0, len(t_raw) - 1))
            return float(t_raw.v[j])

        tb, tk, tl = logged_at(up.best_x), logged_at(float(pair.val.shown[k])), float(t_raw.v[-1])
        ev = {"train_at_best": tb, "upturn_clear_x": float(pair.val.shown[k]), "train_when_clear": tk,
              "train_last": tl}
        note = ""
        if tb > 0:
            # Best to last when the train loss kept falling; else up to when the upturn was clear (it rose later).
            to, when = (tl, "") if tl <= tb else (tk, f" by {pair.val.axis} {fmt_x(float(pair.val.shown[k]))}, "
                                                       "when the rise was clear")
            change = 100.0 * (to / tb - 1.0)
            ev["train_change_pct"] = round(change, 2)
            verb = "fell" if change < 0 else "rose"
            note = f" while {train.name} {verb} {abs(change):.0f}% ({fmt_num(tb)} -> {fmt_num(to)}{when})"
        return ev, note

    def check(self, run: Run) -> Iterable[Finding]:
        up = find_upturn(run, self.p)
        if up is None:
            return
        val = run.val_loss
        train = run.train_loss
        assert val is not None
        axis = val.axis
        evidence: dict = {
            "best_x": up.best_x,
            "best_value": up.best_value,
            # The last logged value (NaN when the log ends in NaN: the non-finite finding says that; the number the
            # message quotes is then the last finite one, added as last_finite_value).
            "final_value": float(val.values[-1]) if len(val) else None,
            "final_level_smoothed": up.final_level if np.isfinite(up.final_level) else up.end_values,
            "rise_pct": round(up.rise_pct, 2) if np.isfinite(up.rise_pct) else None,
            "evals_after_best": up.after,
            "share_above_after_best": round(up.persistence, 3),
            "val_noise_pct": round(100 * float(np.expm1(up.noise)), 2),
        }
        if not np.isfinite(val.values[-1]):
            evidence["last_finite_value"] = up.final_value
        train_note = ""
        if train is not None:
            pair = pair_train_val(run.format, run.meta, train, val)
            ok = np.isfinite(pair.train)
            if not ok.any():
                train = None  # train and val never overlap: judge the val curve alone
            else:
                got = self._gap_widened(run, train, pair, up)
                if got is None:
                    return  # the train loss rose with the val loss: not the gap widening (divergence, a stall)
                evidence.update(got[0])
                train_note = got[1]
        if train is None:
            train_note = " (no train loss logged: judged on the validation curve alone)"
        kind = None
        metric = _best_val_metric(run)
        metric_note = ""
        if metric is not None and len(Curve.of(metric)) >= 3:
            mk = metric_kind(run, metric, up, self.p["hold_tolerance"])
            kind = mk.kind
            evidence.update({"kind": kind, "metric": metric.name, "metric_at_best": mk.at_best,
                             "metric_last": mk.last})
            metric_note = f"; {metric.name} {mk.verb} ({fmt_num(mk.at_best)} at the minimum, {fmt_num(mk.last)} last)"
        strength = min(1.0, up.rise_log / max(up.need_log, 1e-12) / 2)
        confidence = (0.55 + 0.25 * strength + 0.2 * up.persistence) * min(1.0, up.after / 5)
        overconfident = kind == "overconfident"
        lead = "overconfident: " if overconfident else ""
        message = (
            f"{lead}{val.name} rose{f' {up.rise_pct:.0f}%' if np.isfinite(up.rise_pct) else ''} from its minimum "
            f"{fmt_num(up.best_value)} at {axis} "
            f"{fmt_x(up.best_x)} to {fmt_num(up.final_level if np.isfinite(up.final_level) else up.end_values)} "
            f"(the smoothed level of its end; last {'' if np.isfinite(val.values[-1]) else 'finite '}value "
            f"{fmt_num(up.final_value)}){train_note}{metric_note}"
        )
        if overconfident:
            why = (f"The model keeps getting the same answers right ({metric.name} {mk.verb}) but grows more confident "
                   f"in the ones it gets wrong, so the validation loss climbs: the first stage of overfitting.")
            causes = [
                "training continued long after the decision boundaries settled, inflating the logits",
                "too little regularisation to keep predictions soft",
                "a small validation set where a few confident mistakes dominate the loss",
            ]
        else:
            why = (f"After {axis} {fmt_x(up.best_x)} the model kept fitting the training data but generalised "
                   f"worse: the validation loss climbed for the rest of the run.")
            causes = [
                "model capacity too large for the amount of training data",
                "too little regularisation (weight decay, dropout, augmentation)",
                "training ran long past the best point without early stopping",
            ]
        remedies = upturn_remedies(run, up, self.p["patience"])
        if overconfident and metric is not None:
            remedies.append(f"select checkpoints by {metric.name} if that is what you deploy on, or by {val.name} "
                            "if you need calibrated scores")
            remedies.append(advice.soften_predictions(run))
        else:
            remedies.append("add regularisation (weight decay, dropout, augmentation) or more data, or shrink the "
                            "model")
        yield self.finding(
            message,
            why=why,
            confidence=confidence,
            series=[s.name for s in (train, val) if s is not None] + ([metric.name] if metric is not None else []),
            onset=up.best_x,
            axis=axis,
            evidence=evidence,
            causes=causes,
            remedies=remedies,
        )


def start_level(s: Series) -> float:
    """Where a loss started: the median of its first few points (the first one for a short per-epoch log,
    up to 5 for a long one), read as logged."""
    c = Curve.of(s)
    if len(c) == 0:
        return float("nan")
    return float(np.median(c.v[: max(1, min(5, len(c) // 50))]))


def loss_scale(train: Series, val: Series) -> float:
    """The loss scale of the task: where training started, the higher of the train and val losses' first
    levels (an untrained model's loss; the first evaluation may come after an epoch of learning)."""
    return float(np.nanmax([start_level(train), start_level(val)]))


def gap_at_end(
    run: Run, train: Series, val: Series, min_points: int, frac: float = 0.5
) -> tuple[Paired, np.ndarray] | None:
    """The val loss and the train loss at the same weights (lag-corrected), and the indices of the compared
    evaluations in the last ``frac`` of them (at least 3; the first evaluation left out); None when the losses
    are not all positive (a ratio means nothing then). Raises NotEnoughData for too few compared points."""
    pair = pair_train_val(run.format, run.meta, train, val)
    ok = pair.ok
    if len(pair.val) < min_points:
        raise NotEnoughData(f"{len(pair.val)} finite validation points, needs {min_points}")
    n_train = len(Curve.of(train))
    if n_train < min_points:
        # Two train points interpolated across fifty evaluations compare the val loss with a straight line.
        raise NotEnoughData(f"{n_train} finite train loss points, needs {min_points}")
    if np.any(pair.val.v <= 0) or np.any(pair.train[np.isfinite(pair.train)] <= 0):
        return None
    idx = np.flatnonzero(ok)
    idx = idx[idx > 0]
    if len(idx) < max(3, min_points // 2):
        raise NotEnoughData(f"{len(idx)} validation points where the train loss is logged too")
    k = max(3, round(len(idx) * frac))
    return pair, idx[-k:]


def _lag_note(pair: Paired, axis: str) -> str:
    if pair.shift <= 0:
        return ""
    unit = "epoch" if pair.clock == "epoch" or (pair.clock == "own" and axis == "epoch") else "step"
    return (f"; the train loss is a mean over its logging window, so each train point was read "
            f"{fmt_x(round(pair.shift, 2))} {unit}s earlier, at the middle of its window")


class GeneralizationGap(Rule):
    """Validation loss stays far above training loss to the end, by a large share of the task's loss.

    What it detects:
        Over the last 30% of the run the validation loss sits at several times the training loss (twice or
        more; from 1.5 times when the validation loss never followed the training loss down: it ends within
        15% of its start while the training loss fell 30% or more) (the
        median ratio of the two, with the train loss read at the same weights as each evaluation: a train
        loss averaged over an epoch or a logging window stands for the middle of that window), at nearly
        every evaluation, and the gap is a material share of where the validation loss started (its first
        level: a first train epoch far above it, a huge first-batch loss, says nothing about the gap; beside
        an upturn, of the higher of the train and val losses' first levels). When the validation loss turned
        upwards (overfitting), it is judged as if it had stayed at its best (unless its best was its first or
        second evaluation: then nothing learned ever carried over, a val set from another distribution, and the
        whole gap counts): the rise after the minimum is overfitting's, and only a gap
        the validation loss had even at its best is reported here, beside the overfitting.

    Why it matters:
        The model learns the training set far better than anything it generalises to: more training will
        mostly widen the gap, and the validation loss is the number that predicts real performance.

    Likely causes:
        A validation set from another distribution than the training set (shifted, corrupted, a different
        preprocessing path); a training set too small or not representative; a model that memorises;
        strong regularisation keeping the val loss flat while the train loss drops; a leak between the
        train examples that makes them easy.

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
        "min_ratio": Param(2.0, "median val/train loss ratio over the last 30% that counts as far above", min=1),
        "share": Param(0.8, "share of those evaluations where val is at least 1.5x train", min=0, max=1),
        "min_gap_share": Param(
            0.2, "the final gap (val minus train) must be at least this share of where the val loss started "
            "(beside an upturn: the higher of the train and val losses' first levels)", min=0
        ),
        "flat_val_ratio": Param(1.5, "a smaller ratio (at least this) counts when the val loss never followed the "
                                "train loss down (flat_val_fall, flat_val_train_fall)", min=1),
        "flat_val_fall": Param(0.15, "... the val loss ending at most this much below its start (0.15 = 15%)",
                               min=0, max=1),
        "flat_val_train_fall": Param(0.3, "... while the train loss ended at least this much below its own",
                                     min=0, max=1),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        train, val = run.train_loss, run.val_loss
        assert train is not None and val is not None
        got = gap_at_end(run, train, val, self.p["min_points"], frac=0.3)
        if got is None:
            return
        pair, half = got
        v, t = pair.val.v[half], pair.train[half]
        # A val loss that turned up (overfitting) is judged as if it had stayed at its best level: the rise is
        # the upturn's, and only a gap that was there without it is a gap of its own.
        up = find_upturn(run, {k: p.default for k, p in UPTURN_PARAMS.items()})
        capped = up is not None
        if capped and up.i_best <= 1:
            # The val loss was lowest at its first evaluations and only rose: nothing the model learned ever
            # carried over to it (a val set from another distribution), so the whole gap is the gap's.
            capped = False
        if capped:
            v = np.minimum(v, float(np.exp(up.best_log)) if np.all(up.val.v > 0) else up.best_value)
        ratio = float(np.median(v / t))
        share = float(np.mean(v >= 1.5 * t))
        nz = noise(pair.val.lv)
        # Alone, the gap is judged against the val loss's own first level: a first train epoch far above it (a
        # huge first-batch loss) says nothing about how large a gap between the two curves matters. Beside an
        # upturn, which already tells the story, against the higher of the two starts (the stricter bar).
        v_start = loss_scale(train, val) if capped else float(start_level(val))
        gap = float(np.median(v[-max(2, len(v) // 3):]) - np.median(t[-max(2, len(t) // 3):]))
        # A smaller gap counts when the val loss never followed the train loss down: the train loss fell by a good
        # share of its start while the val loss stayed near its own (nothing it learned carried over).
        flat_val = False
        if not capped and self.p["flat_val_ratio"] <= ratio < self.p["min_ratio"]:
            tc = Curve.of(train)
            v_start, v_end = float(start_level(val)), float(np.median(pair.val.v[-max(2, len(pair.val) // 5):]))
            t_start = float(np.exp(np.median(tc.lv[: max(1, min(5, len(tc) // 50))])))
            t_end = float(np.median(t[-max(2, len(t) // 3):]))
            flat_val = (float(np.mean(v >= 1.25 * t)) >= self.p["share"] and np.log(ratio) >= 3 * nz
                        and v_end >= (1 - self.p["flat_val_fall"]) * v_start
                        and t_end <= (1 - self.p["flat_val_train_fall"]) * t_start)
        if not flat_val and (ratio < self.p["min_ratio"] or np.log(ratio) < 3 * nz or share < self.p["share"]):
            return
        if gap < self.p["min_gap_share"] * v_start:
            return  # both near zero: a large ratio of two tiny losses is not a gap that matters
        t_last = float(Curve.of(train).v[-1])
        v_last = float(pair.val.v[-1])
        if capped:
            what = (f"even at its best ({fmt_num(up.best_value)}, before it turned up) {val.name} is {ratio:.1f}x "
                    f"{train.name} over the last 30% of the run, at the same weights (last values {fmt_num(v_last)} "
                    f"and {fmt_num(t_last)})")
            why = ("The model fits its training data far better than the validation data: even the best validation "
                   "loss of the run sits far above the training loss, a gap beyond what the later upturn adds.")
        else:
            what = (f"{val.name} is {ratio:.1f}x {train.name} over the last 30% of the run, at the same weights "
                    f"(last values {fmt_num(v_last)} and {fmt_num(t_last)})")
            why = ("The model fits its training data far better than the validation data, without the validation "
                   "loss turning up.")
        yield self.finding(
            what + _lag_note(pair, val.axis),
            why=why,
            confidence=min(1.0, 0.5 + 0.25 * np.log(ratio / self.p["min_ratio"] + 1)),
            series=[train.name, val.name],
            onset=float(pair.val.shown[half[0]]),
            axis=val.axis,
            evidence={
                "val_over_train": round(ratio, 3),
                "share_of_evals_val_above_1_5x_train": round(share, 3),
                "val_final": v_last,
                "train_final": t_last,
                "gap_share_of_start": round(gap / start, 3) if (start := loss_scale(train, val)) > 0 else None,
                "gap_share_of_val_start": round(gap / sv, 3) if (sv := float(start_level(val))) > 0 else None,
                "train_window_shift": round(pair.shift, 3),
                "val_capped_at_best": capped,
            },
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
    """Validation loss persistently below training loss, beyond what the logging explains.

    What it detects:
        Over the second half of the run the validation loss is below the training loss at most of the
        evaluations, by a clear margin, with the train loss read at the same weights as each evaluation. A
        train loss averaged over an epoch (Keras, Lightning, fastai) or over a logging window (the Hugging
        Face Trainer's ``loss``) describes the weights of the middle of that window, half a window before
        the evaluation; read naively, a falling train mean sits above the val loss with no regularisation at
        all. The rule moves each train point back to the middle of its window first, so that artefact is
        not reported.

    Why it matters:
        Usually harmless and explained by how the two numbers are measured, but it hides how much the model
        really overfits, and when the validation metrics are near perfect it can mean the validation set
        leaks into training.

    Likely causes:
        Dropout, augmentation or other train-time noise that is switched off for validation; an easier
        validation set; overlap (leakage) between training and validation data.

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
        "share": Param(0.75, "share of the second half's evaluations where val must be below train", min=0, max=1),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        train, val = run.train_loss, run.val_loss
        assert train is not None and val is not None
        got = gap_at_end(run, train, val, self.p["min_points"])
        if got is None:
            return
        pair, half = got
        v, t = pair.val.v[half], pair.train[half]
        ratio = float(np.median(v / t))
        share = float(np.mean(v < t))
        if ratio > self.p["max_ratio"] or share < self.p["share"]:
            return
        lagged = pair.lagged[half]
        naive = float(np.median(v / lagged)) if np.all(lagged > 0) else float("nan")
        metric = _best_val_metric(run)
        causes = [
            "dropout, augmentation or other train-time noise switched off at validation",
            "an easier validation set, or overlap (leakage) between training and validation data",
        ]
        evidence: dict = {
            "val_over_train": round(ratio, 3),
            "share_of_evals_below_train": round(share, 3),
            "val_over_train_uncorrected": round(naive, 3),
            "train_window_shift": round(pair.shift, 3),
        }
        if metric is not None:
            top = float(np.nanmax(metric.values)) if np.isfinite(metric.values).any() else float("nan")
            evidence["metric"] = metric.name
            evidence["metric_max"] = top
            if "acc" in metric.name.lower() and top >= 0.995:
                causes.insert(0, f"{metric.name} reaches {fmt_num(top)}: near-perfect validation hints at leakage")
        margin = min(1.0, (self.p["max_ratio"] - ratio) / 0.3)
        yield self.finding(
            f"{val.name} is below {train.name} at {share:.0%} of the second half's evaluations, at the same "
            f"weights (median ratio {ratio:.2f}){_lag_note(pair, val.axis)}",
            why="The model scores better on data it does not train on than on its training data, even with the "
            "train loss read at the same weights; usually the training loss is measured with dropout or "
            "augmentation on.",
            confidence=min(1.0, 0.4 + 0.3 * share + 0.3 * margin),
            series=[train.name, val.name],
            onset=float(pair.val.shown[half[0]]),
            axis=val.axis,
            evidence=evidence,
            causes=causes,
            remedies=[
                "compare like with like: evaluate the train loss in eval mode on a train subset",
                "if validation metrics look too good, check the split for duplicates or leakage",
            ],
        )
