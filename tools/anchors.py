"""Anchors for ``make eval``: what the tools people use today would have said about a run, mapped to lossdoc's modes.

Each anchor replays a stopping rule over the loss series lossdoc reads from the log (``lossdoc.read``, with the
entry's ``--train``/``--val`` choice applied; every point as logged, before lossdoc's binning of very long
series): the train loss and the val loss, each an array of values with its positions (epochs or steps). One
logged val point is one evaluation (an epoch end for Keras, a validation check for Lightning). Pure numpy; nothing
here imports lossdoc, so an anchor cannot borrow a threshold from the rules it is compared with.

An anchor either stops (once: the training would have ended there) or does not. Its stop maps to a mode:

``keras-es``      Keras ``EarlyStopping(monitor='val_loss', patience=5)`` (mode 'min', min_delta=0, no baseline,
                  start_from_epoch=0). ``wait`` counts evaluations since the last new minimum (a value strictly
                  below the best so far; a NaN is never one); the callback stops at the first evaluation where
                  ``wait >= 5``. A stop maps to ``overfitting``. A stop at the last logged evaluation counts: Keras
                  stops and prints "early stopping" there too (training would have ended anyway, but the user is
                  told the val loss stopped improving). Without a val loss: not applicable (monitor missing).
``keras-nan``     Keras ``TerminateOnNaN``: any NaN or Inf in the train loss -> ``non-finite``. Without a train loss:
                  not applicable.
``lightning-es``  PyTorch Lightning ``EarlyStopping(monitor='val_loss', patience=3, check_finite=True,
                  divergence_threshold=D)`` (mode 'min', min_delta=0), checked at every validation in the order
                  Lightning checks: a non-finite val loss stops (-> ``non-finite``); else a val loss above D stops
                  (-> ``divergence``); else a value strictly below the best resets the count; else the count grows
                  and reaching 3 stops (-> ``overfitting``). D = 2 x the first finite val loss (first + |first|
                  when it is <= 0): the threshold is an absolute number the user must write before training, and
                  "twice the loss it started from" is the guess a careful user makes from the first validation
                  (for K-class cross-entropy, ~2 ln K). Without a val loss: not applicable (Lightning raises).
``prechelt-gl5``  Prechelt (1998), "Early stopping -- but when?", GL_alpha with alpha = 5: the generalisation loss
                  GL(t) = 100 (E_va(t) / E_opt(t) - 1), E_opt(t) the lowest val loss up to t; stop at the first
                  evaluation with GL(t) > 5 -> ``overfitting``. Defined for positive errors: an evaluation whose
                  E_opt is not > 0 cannot stop, nor can a non-finite one.
``prechelt-up3``  Prechelt's UP_s with s = 3 and strips of k = 5 evaluations: the val loss at the end of a strip
                  (evaluations 5, 10, 15, ...) is higher than at the end of the strip before, in 3 successive
                  strips; stop at the end of the third -> ``overfitting``. It needs 4 strip ends (20
                  evaluations) to fire; a non-finite strip end breaks the chain.

Left out: Prechelt's PQ_alpha (GL over training progress). It needs the train error summed over each strip's
epochs, which a per-step train loss only gives after choices of ours (which steps belong to which evaluation);
then it would be our anchor, not Prechelt's.

``any`` (the union of the anchors above: every mode any of them maps to) is "what a careful user has today".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Anchor names in the order they are reported; ``UNION`` is the union of them all.
ANCHORS = ("keras-es", "keras-nan", "lightning-es", "prechelt-gl5", "prechelt-up3")
UNION = "any"
#: Every mode an anchor can report.
MODES = ("overfitting", "divergence", "non-finite")

KERAS_PATIENCE = 5
LIGHTNING_PATIENCE = 3
GL_ALPHA = 5.0
UP_STRIPS = 3
UP_STRIP_LENGTH = 5


@dataclass(frozen=True)
class Verdict:
    """What one anchor said about one run. ``mode`` is None when it did not stop (or was not applicable)."""

    anchor: str
    applicable: bool
    mode: str | None = None
    index: int | None = None  # which point of the monitored series it stopped at (0-based)
    at: float | None = None  # that point's position (epoch or step)
    reason: str = ""

    def to_dict(self) -> dict:
        at = self.at if self.at is None or np.isfinite(self.at) else None
        return {"anchor": self.anchor, "applicable": self.applicable, "mode": self.mode, "index": self.index,
                "at": at, "reason": self.reason}


def _arrays(values, x=None) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=np.float64).ravel()
    pos = np.arange(len(v), dtype=np.float64) if x is None else np.asarray(x, dtype=np.float64).ravel()
    if len(pos) != len(v):
        raise ValueError(f"{len(v)} values but {len(pos)} positions")
    return v, pos


def _stop(anchor: str, mode: str, i: int, x: np.ndarray, reason: str) -> Verdict:
    return Verdict(anchor, True, mode, int(i), float(x[i]), reason)


def _not_applicable(anchor: str, missing: str) -> Verdict:
    return Verdict(anchor, False, reason=f"no {missing} in the log (monitor missing)")


def keras_early_stopping(val, x=None, *, patience: int = KERAS_PATIENCE, min_delta: float = 0.0) -> Verdict:
    """Keras ``EarlyStopping(monitor='val_loss', mode='min', patience=...)`` over the val loss, one call per point."""
    name = "keras-es"
    if val is None:
        return _not_applicable(name, "val loss")
    v, pos = _arrays(val, x)
    best, wait = np.inf, 0
    for i, cur in enumerate(v):
        wait += 1
        if cur + abs(min_delta) < best:  # Keras: less(current - (-min_delta), best); False for NaN
            best, wait = cur, 0
            continue
        if wait >= patience and i > 0:
            return _stop(name, "overfitting", i, pos, f"no new val-loss minimum in {wait} evaluations (best {best:.4g})")
    return Verdict(name, True, reason="did not stop")


def keras_terminate_on_nan(train, x=None) -> Verdict:
    """Keras ``TerminateOnNaN``: stops at the first NaN or Inf train loss."""
    name = "keras-nan"
    if train is None:
        return _not_applicable(name, "train loss")
    v, pos = _arrays(train, x)
    bad = np.flatnonzero(~np.isfinite(v))
    if len(bad):
        return _stop(name, "non-finite", bad[0], pos, f"train loss {v[bad[0]]} at point {bad[0]}")
    return Verdict(name, True, reason="did not stop")


def divergence_threshold(val) -> float | None:
    """The ``divergence_threshold`` a careful Lightning user would write: twice the first finite val loss (first +
    |first|, so never below the start for a loss <= 0). None when the val loss has no finite value."""
    v = np.asarray(val, dtype=np.float64)
    finite = v[np.isfinite(v)]
    if not len(finite):
        return None
    first = float(finite[0])
    return first + abs(first)


def lightning_early_stopping(
    val,
    x=None,
    *,
    patience: int = LIGHTNING_PATIENCE,
    divergence: float | None = None,
    check_finite: bool = True,
    min_delta: float = 0.0,
) -> Verdict:
    """Lightning ``EarlyStopping(monitor='val_loss', mode='min', patience=..., check_finite=...,
    divergence_threshold=...)``, one check per val point. ``divergence`` None: the default of
    :func:`divergence_threshold` (pass ``float('nan')`` for no threshold)."""
    name = "lightning-es"
    if val is None:
        return _not_applicable(name, "val loss")
    v, pos = _arrays(val, x)
    if divergence is None:
        divergence = divergence_threshold(v)
    use_div = divergence is not None and not np.isnan(divergence)
    best, wait = np.inf, 0
    for i, cur in enumerate(v):
        if check_finite and not np.isfinite(cur):
            return _stop(name, "non-finite", i, pos, f"val loss {cur} is not finite")
        if use_div and cur > divergence:  # Lightning: lt(-current, -threshold)
            return _stop(name, "divergence", i, pos, f"val loss {cur:.4g} > divergence_threshold {divergence:.4g}")
        if cur + abs(min_delta) < best:  # Lightning: lt(current - min_delta, best), min_delta negated for 'min'
            best, wait = cur, 0
            continue
        wait += 1
        if wait >= patience:
            return _stop(name, "overfitting", i, pos, f"val loss did not improve in the last {wait} checks (best {best:.4g})")
    return Verdict(name, True, reason="did not stop")


def prechelt_gl(val, x=None, *, alpha: float = GL_ALPHA) -> Verdict:
    """Prechelt's GL_alpha: stop at the first evaluation whose generalisation loss exceeds ``alpha`` percent."""
    name = f"prechelt-gl{alpha:g}"
    if val is None:
        return _not_applicable(name, "val loss")
    v, pos = _arrays(val, x)
    e_opt = np.fmin.accumulate(np.where(np.isfinite(v), v, np.nan)) if len(v) else v
    with np.errstate(divide="ignore", invalid="ignore"):
        gl = 100.0 * (v / e_opt - 1.0)
    ok = np.isfinite(v) & np.isfinite(e_opt) & (e_opt > 0)
    hit = np.flatnonzero(ok & (gl > alpha))
    if len(hit):
        i = hit[0]
        return _stop(name, "overfitting", i, pos, f"GL {gl[i]:.1f} > {alpha:g} (E_va {v[i]:.4g}, E_opt {e_opt[i]:.4g})")
    return Verdict(name, True, reason="did not stop")


def prechelt_up(val, x=None, *, strips: int = UP_STRIPS, k: int = UP_STRIP_LENGTH) -> Verdict:
    """Prechelt's UP_s: the val loss at the end of a strip of ``k`` evaluations rose over the previous strip end in
    ``strips`` successive strips."""
    name = f"prechelt-up{strips}"
    if val is None:
        return _not_applicable(name, "val loss")
    v, pos = _arrays(val, x)
    ends = np.arange(k - 1, len(v), k)  # 0-based index of the last evaluation of each strip
    run = 0
    for j in range(1, len(ends)):
        now, before = v[ends[j]], v[ends[j - 1]]
        run = run + 1 if (np.isfinite(now) and np.isfinite(before) and now > before) else 0
        if run >= strips:
            i = ends[j]
            return _stop(name, "overfitting", i, pos, f"val loss rose at {strips} successive ends of {k}-evaluation strips")
    return Verdict(name, True, reason="did not stop")


def run_anchors(train=None, train_x=None, val=None, val_x=None) -> dict[str, Verdict]:
    """Every anchor on one run's train and val loss (either may be None). Keys in ``ANCHORS`` order."""
    out = [
        keras_early_stopping(val, val_x),
        keras_terminate_on_nan(train, train_x),
        lightning_early_stopping(val, val_x),
        prechelt_gl(val, val_x),
        prechelt_up(val, val_x),
    ]
    verdicts = {v.anchor: v for v in out}
    assert tuple(verdicts) == ANCHORS
    return verdicts


def modes_of(verdicts: dict[str, Verdict]) -> dict[str, set[str]]:
    """Modes each anchor found, and under ``UNION`` every mode any of them found."""
    found = {name: ({v.mode} if v.mode else set()) for name, v in verdicts.items()}
    found[UNION] = set().union(*found.values()) if found else set()
    return found
