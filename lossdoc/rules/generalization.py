"""Family 1 (LD1xx): how validation behaves against training."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from lossdoc.model import Finding, Run, Severity
from lossdoc.rules.base import NotEnoughData, Param, Rule
from lossdoc.signals import (
    common_x,
    early_stop_at,
    fmt_num,
    fmt_x,
    level,
    log_noise,
    rolling_median,
    smoothing_window,
    sorted_finite,
    value_at,
)


class Overfitting(Rule):
    """Validation loss rises clearly and persistently after its minimum while training loss keeps falling.

    What it detects:
        The validation loss reaches its lowest point and then climbs, and the climb is large against the
        curve's own point-to-point noise and lasts to the end of the log, while the training loss goes on
        falling over the same span. The comparison is made in log space on a median-smoothed curve, so a
        single noisy evaluation neither triggers nor hides it.

    Why it matters:
        Every epoch after the minimum makes the model worse on data it has not seen. The weights you keep at
        the end are not the best ones you had, and more training will not fix it.

    Likely causes:
        Too little training data for the model's capacity; too little regularisation (weight decay, dropout,
        augmentation); training for too many epochs without early stopping; a learning rate schedule that
        keeps the model fitting noise late in training.

    What to do:
        Restore (or checkpoint) the weights of the best validation epoch; use early stopping on the
        validation loss (the finding says where a given patience would have stopped); add regularisation or
        data augmentation, get more data, or use a smaller model.
    """

    code = "LD101"
    name = "overfitting"
    severity = Severity.WARNING
    requires = ("train_loss", "val_loss")
    params = {
        "min_points": Param(5, "fewest finite validation points the rule needs", min=3),
        "min_rise": Param(0.10, "smallest rise of the final val loss over its minimum (0.10 = 10%)", min=0.0),
        "noise_factor": Param(
            3.0, "the rise must also exceed this many times the val loss's own point-to-point noise", min=0.0
        ),
        "min_after": Param(3, "fewest validation points after the minimum", min=1),
        "persistence": Param(
            0.6, "share of the points after the minimum that must stay above it by half the required rise", min=0, max=1
        ),
        "patience": Param(5, "patience of the early-stopping suggestion", min=1),
    }

    def check(self, run: Run) -> Iterable[Finding]:
        val, train = run.val_loss, run.train_loss
        assert val is not None and train is not None
        # Compare train and val on one shared clock (steps when both have them); report on val's own axis.
        tclock, vclock = common_x(train, val)
        vx, raw, shown_x = sorted_finite(vclock, val.values, val.x)
        if len(raw) < self.p["min_points"]:
            raise NotEnoughData(f"{len(raw)} finite validation points, needs {self.p['min_points']}")
        vv = raw
        if np.any(vv <= 0):
            # Losses that go negative (e.g. some likelihoods) cannot be compared in log space: shift them.
            vv = vv - vv.min() + max(1e-12, abs(vv).max() * 1e-6)
        lv = np.log(vv)
        smooth = rolling_median(lv, smoothing_window(len(lv)))
        i_best = int(np.argmin(smooth))
        after = len(lv) - 1 - i_best
        if after < self.p["min_after"]:
            return []
        tail = smooth[i_best + 1 :]
        final = level(tail, frac=0.34)
        rise_log = final - smooth[i_best]
        noise = log_noise(vv)
        need = max(np.log1p(self.p["min_rise"]), self.p["noise_factor"] * noise)
        if rise_log < need:
            return []
        persist = float(np.mean(lv[i_best + 1 :] > smooth[i_best] + need / 2))
        if persist < self.p["persistence"]:
            return []
        # Train loss must keep falling over the span where val rises (else it is divergence, not overfitting).
        tx, tv, _ = sorted_finite(tclock, train.values)
        span = tv[tx >= vx[i_best]]
        if len(span) < 2:
            return []
        t_start = value_at(tx, tv, vx[i_best])
        t_end = level(span, frac=0.2)
        if not (np.isfinite(t_start) and np.isfinite(t_end)) or t_end >= t_start:
            return []

        # Evidence in the log's own numbers: the raw best point (what a checkpoint callback keeps).
        j = int(np.argmin(raw))
        best_x, best_v = float(shown_x[j]), float(raw[j])
        final_v = float(np.exp(final))
        rise_pct = 100.0 * (np.exp(rise_log) - 1.0)
        train_drop_pct = 100.0 * (1.0 - t_end / t_start) if t_start > 0 else float("nan")
        axis = val.axis
        confidence = float(min(1.0, 0.5 + 0.25 * rise_log / need + 0.25 * persist) * min(1.0, after / 5))
        stop_i = early_stop_at(val.values, self.p["patience"])
        remedies = [f"restore the weights of {axis} {fmt_x(best_x)} ({val.name} {fmt_num(best_v)})"]
        if stop_i is not None:
            stop_x = float(val.x[stop_i])
            remedies.append(
                f"EarlyStopping(monitor='{val.name}', patience={self.p['patience']}, restore_best_weights=True) "
                f"would have stopped at {axis} {fmt_x(stop_x)}"
            )
        else:
            remedies.append(f"early stopping on {val.name} with a patience below {after} {axis}s would have stopped")
        remedies.append("add regularisation (weight decay, dropout, augmentation) or more data, or shrink the model")
        yield self.finding(
            f"{val.name} rose {rise_pct:.0f}% from its minimum {fmt_num(best_v)} at {axis} {fmt_x(best_x)} "
            f"while {train.name} fell a further {train_drop_pct:.0f}%",
            confidence=confidence,
            series=[train.name, val.name],
            onset=best_x,  # the upturn: the last good point, what a checkpoint would keep
            axis=axis,
            evidence={
                "best_x": best_x,
                "best_value": best_v,
                "final_value": final_v,
                "rise_pct": round(rise_pct, 2),
                "train_drop_pct": round(train_drop_pct, 2),
                "points_after_best": int(after),
                "noise_log": round(noise, 5),
                "persistence": round(persist, 3),
            },
            causes=[
                "model capacity too large for the amount of training data",
                "too little regularisation (weight decay, dropout, augmentation)",
                "training ran long past the best epoch without early stopping",
            ],
            remedies=remedies,
        )
