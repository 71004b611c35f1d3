"""Shared robust statistics for the rules: finite views, smoothing, noise scale, alignment, early stopping.

Everything here is numpy-only and works on any length (0 included). Rules import from here rather than
re-deriving their own statistics, so that thresholds mean the same thing across rules.
"""

from __future__ import annotations

import numpy as np

from lossdoc.model import Series


def finite_xy(s: Series) -> tuple[np.ndarray, np.ndarray]:
    """The series' x positions and values with NaN/Inf points removed."""
    ok = np.isfinite(s.values)
    x = s.x
    ok &= np.isfinite(x)
    return x[ok], s.values[ok]


def common_x(a: Series, b: Series) -> tuple[np.ndarray, np.ndarray]:
    """Positions of two series on one shared axis, so that they can be compared point for point in time.

    Steps when both series carry them (the finest shared clock: a per-epoch val loss logged at the step it was
    computed lines up with a per-step train loss), else epochs when both carry them, else each series' own x.
    """
    if a.steps is not None and b.steps is not None:
        return a.steps, b.steps
    if a.epochs is not None and b.epochs is not None:
        return a.epochs, b.epochs
    return a.x, b.x


def sorted_finite(x: np.ndarray, v: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep the points where both x and v are finite, sorted by x (stable); ``others`` are taken along.

    Returns (x, v, *others); when no ``others`` are given, the third item is the kept indices."""
    ok = np.isfinite(v) & np.isfinite(x)
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(x[idx], kind="stable")]
    rest = tuple(o[idx] for o in others) if others else (idx,)
    return (x[idx], v[idx], *rest)


def rolling_median(v: np.ndarray, window: int) -> np.ndarray:
    """Centered rolling median (window shrinks at the edges). Robust to single-point spikes."""
    n = len(v)
    if window <= 1 or n < 3:
        return v.astype(np.float64, copy=True)
    half = window // 2
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        out[i] = np.median(v[lo:hi])
    return out


def smoothing_window(n: int) -> int:
    """An odd window that grows with the series: 1 for tiny per-epoch logs, ~n/10 for long ones, at most 101."""
    if n < 8:
        return 1
    w = max(3, min(101, n // 10))
    return w if w % 2 else w + 1


def bin_series(x: np.ndarray, v: np.ndarray, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a long series to at most ``max_points`` bins (median x, median value per bin)."""
    n = len(v)
    if n <= max_points:
        return x, v
    edges = np.linspace(0, n, max_points + 1).astype(int)
    bx = np.array([np.median(x[a:b]) for a, b in zip(edges[:-1], edges[1:]) if b > a])
    bv = np.array([np.median(v[a:b]) for a, b in zip(edges[:-1], edges[1:]) if b > a])
    return bx, bv


def log_noise(v: np.ndarray) -> float:
    """Point-to-point noise of a positive series in log space: robust std of first differences / sqrt(2).

    Uses the median absolute deviation, so a few spikes or a schedule drop do not inflate it. 0 for < 3 points.
    """
    v = v[v > 0]
    if len(v) < 3:
        return 0.0
    d = np.diff(np.log(v))
    mad = np.median(np.abs(d - np.median(d)))
    return float(1.4826 * mad / np.sqrt(2.0))


def value_at(s_x: np.ndarray, s_v: np.ndarray, x: float) -> float:
    """Value of a (finite, x-sorted) series at position x: the last point at or before x, else the first."""
    if len(s_v) == 0:
        return float("nan")
    i = int(np.searchsorted(s_x, x, side="right")) - 1
    return float(s_v[max(i, 0)])


def level(v: np.ndarray, frac: float = 0.2, min_points: int = 1) -> float:
    """Robust level of the last ``frac`` of a series (median of its tail)."""
    if len(v) == 0:
        return float("nan")
    k = max(min_points, int(round(len(v) * frac)))
    return float(np.median(v[-k:]))


def early_stop_at(values: np.ndarray, patience: int, min_delta: float = 0.0) -> int | None:
    """Index at which Keras' EarlyStopping(monitor=<this>, mode='min', patience=p) would stop training, or None
    if it would have run to the end. Non-finite values count as no improvement."""
    best = np.inf
    wait = 0
    for i, v in enumerate(values):
        if np.isfinite(v) and v < best - min_delta:
            best = v
            wait = 0
        else:
            wait += 1
            if wait >= patience:
                return i
    return None


def fmt_x(x: float | None) -> str:
    """An axis position as people write it: 14, 1,200, 2.5."""
    if x is None or not np.isfinite(x):
        return "?"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}"


def fmt_num(v: float) -> str:
    """A loss/metric value with enough digits to check it against the log."""
    if v is None or not np.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3e}"
    return f"{v:.4g}" if a < 1 else f"{v:.4f}".rstrip("0").rstrip(".")
