"""Family 2 (LD2xx): whether optimisation stays numerically stable."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from lossdoc.model import Finding, Run, Severity
from lossdoc.rules.base import Rule
from lossdoc.signals import finite_xy, fmt_num, fmt_x, value_at


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
        kinds = sorted({("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in s0.values[bad0]})
        prev = s0.values[:i0][np.isfinite(s0.values[:i0])]
        last_good = float(prev[-1]) if len(prev) else None
        stays_bad = bool(bad0[i0:].all())
        count = int(bad0.sum())
        lr = run.lr
        remedies = []
        if i0 > 0:
            remedies.append(f"restore the last checkpoint before {s0.axis} {fmt_x(onset_x)}")
        if lr is not None:
            lx, lv = finite_xy(lr)
            if len(lv):
                lr_at = value_at(lx, lv, onset_x) if lr.axis == s0.axis else float(lv[-1])
                remedies.append(f"lower the learning rate ({fmt_num(lr_at)} logged) by 10x")
        else:
            remedies.append("lower the learning rate (e.g. by 10x)")
        remedies += [
            "clip gradients (e.g. torch.nn.utils.clip_grad_norm_(params, 1.0))",
            "check inputs and targets for NaN/Inf; guard log() and divisions with an epsilon",
        ]
        msg = (
            f"{s0.name} becomes {'/'.join(kinds)} at {s0.axis} {fmt_x(onset_x)}"
            + (f" (last finite value {fmt_num(last_good)})" if last_good is not None else "")
            + (f" and stays non-finite to the end ({count} points)" if stays_bad else f"; {count} non-finite points")
        )
        others = [s.name for s, _ in chosen[1:]] if len(chosen) > 1 else []
        yield self.finding(
            msg,
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
                "stays_nonfinite": stays_bad,
                "also_in": others,
            },
            causes=[
                "learning rate too high: the loss grew until it overflowed",
                "exploding gradients without clipping",
                "log(0), division by zero or NaN in the data",
            ],
            remedies=remedies,
        )
