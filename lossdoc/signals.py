"""Shared robust statistics for the rules: curves in log space, binning, smoothing, noise, trends, alignment.

Everything here is numpy-only, vectorised, and works on any length (0 included). Rules import from here rather
than re-deriving their own statistics, so that thresholds mean the same thing across rules:

- losses are compared in log space (``Curve.lv``): growth is multiplicative and a rule's thresholds then hold
  for losses of 1e-5 and of 1e7 alike;
- a threshold is always relative to the curve's own noise (``noise``: robust spread of the residual around a
  rolling median) as well as to its level, never an absolute delta;
- long per-step curves are binned (median per bin) before anything super-linear, so rules stay linear in the
  number of points;
- train and val are compared at the same weights (``pair_train_val``): a train loss that is a mean over an epoch
  or a logging window stands for the middle of that window (``averaging_window``);
- a trend is a least-squares fall with its standard error (``ols_drop``), not an endpoint difference; a per-step
  curve is judged at epoch granularity with the batch noise of each epoch mean (``epoch_blocks``);
- ``ema`` is TensorBoard's debiased smoothing, for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lossdoc.model import Series

#: Trend statistics work on at most this many bins.
MAX_BINS = 1000


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
    xs = x[idx]
    if len(xs) > 1 and not np.all(xs[1:] >= xs[:-1]):  # logs are nearly always sorted already
        idx = idx[np.argsort(xs, kind="stable")]
    rest = tuple(o[idx] for o in others) if others else (idx,)
    return (x[idx], v[idx], *rest)


def to_log(v: np.ndarray) -> np.ndarray:
    """Log of a loss. A loss that underflows to exactly 0 now and then (a cross-entropy on confident predictions)
    has those points read as its smallest positive value, so the noise of its floor stays what it is in log
    space. A loss that goes below zero (a Gaussian NLL, a shifted objective) has no natural zero: it is shifted
    so that its minimum sits one span (max - min) above zero, and a ratio then measures a move against the
    curve's whole range. (A shift of 1% of the span made a small wobble at the floor a swing of 100%+: healthy
    Gaussian-NLL runs were called oscillating; found on the held-out runs, after their first look.)"""
    if len(v) == 0:
        return v.astype(np.float64)
    lo = float(v.min())
    if lo > 0:
        return np.log(v)
    if lo == 0 and np.any(v > 0):
        return np.log(np.maximum(v, float(v[v > 0].min())))
    span = float(v.max() - lo)
    return np.log(v - lo + max(span * 1.0, 1e-12))


@dataclass
class Curve:
    """A series ready for statistics: finite points sorted on a clock, with log values and display positions.

    ``x`` is the comparison clock (steps or epochs), ``shown`` the position on the series' own axis (what the
    report prints), ``v`` the raw values and ``lv`` their logs.
    """

    name: str
    axis: str
    x: np.ndarray
    v: np.ndarray
    lv: np.ndarray
    shown: np.ndarray

    def __len__(self) -> int:
        return len(self.v)

    @classmethod
    def of(cls, s: Series, clock: np.ndarray | None = None) -> Curve:
        """The curve of a series on a clock (its own x by default). Cached on the series: every rule asks for
        the same few curves, and a million-point log should be sorted and logged once."""
        cache = s.__dict__.setdefault("_curves", {})
        key = None if clock is None else id(clock)
        hit = cache.get(key)
        if hit is not None and hit[0] is clock:
            return hit[1]
        x, v, shown = sorted_finite(s.x if clock is None else clock, s.values, s.x)
        with np.errstate(over="ignore", invalid="ignore"):
            lv = to_log(v)
        ok = np.isfinite(lv)  # values near the float limits can overflow the shift in to_log
        if not ok.all():
            x, v, shown, lv = x[ok], v[ok], shown[ok], lv[ok]
        curve = cls(s.name, s.axis, x, v, lv, shown)
        cache[key] = (clock, curve)
        return curve

    def binned(self, max_bins: int = MAX_BINS) -> Curve:
        """At most ``max_bins`` points: per equal-count bin, the median value (and its log) and the middle x."""
        n = len(self)
        if n <= max_bins:
            return self
        cache = self.__dict__.setdefault("_binned", {})
        if max_bins not in cache:
            mid = bin_middle(n, max_bins)
            v = bin_median(self.v, max_bins)
            lv = np.log(v) if np.all(v > 0) else bin_median(self.lv, max_bins)  # log is monotone: same median
            cache[max_bins] = Curve(self.name, self.axis, self.x[mid], v, lv, self.shown[mid])
        return cache[max_bins]

    def tail(self, frac: float, min_points: int = 3) -> slice:
        k = min(len(self), max(min_points, round(len(self) * frac)))
        return slice(len(self) - k, len(self))


def bin_median(v: np.ndarray, bins: int) -> np.ndarray:
    """Median per bin of ``bins`` near-equal contiguous bins (vectorised: equal-size bins plus a short last one
    folded into the previous)."""
    n = len(v)
    if n <= bins:
        return v.astype(np.float64, copy=True)
    size = n // bins
    main = v[: size * bins].reshape(bins, size)
    if np.isfinite(main).all():
        # Sorting the short rows is ~3x faster than np.median's partition per row, and gives the same numbers:
        # the middle value, or the mean of the two middle values.
        srt = np.sort(main, axis=1)
        lo, hi = srt[:, (size - 1) // 2], srt[:, size // 2]
        out = lo if size % 2 else (lo + hi) / 2
    else:
        out = np.median(main, axis=1)
    if size * bins < n:  # the leftover points join the last bin
        out[-1] = np.median(v[size * (bins - 1) :])
    return out


def bin_middle(n: int, bins: int) -> np.ndarray:
    """Index of the middle point of each bin used by bin_median (x is sorted: its median is its middle)."""
    size = n // bins
    starts = np.arange(bins) * size
    ends = np.r_[starts[1:], n]
    return (starts + ends - 1) // 2


def bin_max(v: np.ndarray, bins: int) -> np.ndarray:
    n = len(v)
    if n <= bins:
        return v.astype(np.float64, copy=True)
    size = n // bins
    out = v[: size * bins].reshape(bins, size).max(axis=1)
    if size * bins < n:
        out[-1] = max(out[-1], float(v[size * bins :].max()))
    return out


def rolling_median(v: np.ndarray, window: int) -> np.ndarray:
    """Centered rolling median, edges padded with the edge values. Robust to single-point spikes. Vectorised;
    use on binned curves (cost is n * window)."""
    n = len(v)
    if window <= 1 or n < 3:
        return v.astype(np.float64, copy=True)
    window = min(window if window % 2 else window + 1, n if n % 2 else n - 1)
    if window <= 1:
        return v.astype(np.float64, copy=True)
    half = window // 2
    padded = np.pad(v, half, mode="edge")
    if window == 5:  # the noise estimate's window, on every point of a curve: a min/max network, ~10x faster
        return _median5(*(padded[i : i + n] for i in range(5)))
    windows = sliding_window_view(padded, window)
    if not np.isnan(v).any():
        # The window is odd: its median is its middle value, which one partition per row finds ~10x faster than
        # np.median (which also looks for NaN and averages the one middle value): the same numbers.
        return np.partition(windows, half, axis=1)[:, half]
    return np.median(windows, axis=1)


def _median5(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Elementwise median of five arrays, equal to np.median of the five (NaN anywhere gives NaN): of the two
    pairs (a, b) and (c, d), the smaller of the two minima and the larger of the two maxima cannot be the median;
    the median is then the median of e and the other two."""
    f = np.maximum(np.minimum(a, b), np.minimum(c, d))
    g = np.minimum(np.maximum(a, b), np.maximum(c, d))
    return np.maximum(np.minimum(e, f), np.minimum(np.maximum(e, f), g))


def smoothing_window(n: int) -> int:
    """An odd window that grows with the series: 1 for tiny per-epoch logs, ~n/10 for long ones, at most 51."""
    if n < 8:
        return 1
    w = max(3, min(51, n // 10))
    return w if w % 2 else w + 1


def smooth(lv: np.ndarray) -> np.ndarray:
    return rolling_median(lv, smoothing_window(len(lv)))


def noise(lv: np.ndarray) -> float:
    """Point-to-point noise of a (log) curve: robust std of its residual around a short rolling median.

    The median absolute deviation ignores a few spikes and a schedule drop, and the short window follows the
    trend, so a steadily falling curve has low noise. 0 for fewer than 5 points."""
    if len(lv) < 5:
        return 0.0
    resid = lv - rolling_median(lv, 5)
    return float(1.4826 * np.median(np.abs(resid - np.median(resid))))


def theil_sen(x: np.ndarray, y: np.ndarray, max_points: int = 200) -> float:
    """Median of pairwise slopes: a trend estimate that ignores up to ~29% outliers. 0 for < 2 points."""
    n = len(x)
    if n < 2:
        return 0.0
    if n > max_points:
        idx = np.linspace(0, n - 1, max_points).astype(int)
        x, y = x[idx], y[idx]
    dx = x[None, :] - x[:, None]
    dy = y[None, :] - y[:, None]
    mask = np.triu(np.ones(dx.shape, dtype=bool), 1) & (dx != 0)
    if not mask.any():
        return 0.0
    return median(dy[mask] / dx[mask])


def median(a: np.ndarray) -> float:
    """np.median of a 1-D array, the same number, faster on NaN-free data: the middle value, or the mean of the two
    middle values, found by one partition (np.median also partitions for a NaN check)."""
    m = len(a)
    if m == 0 or np.isnan(a).any():
        return float(np.median(a))
    h = m // 2
    if m % 2:
        return float(np.partition(a, h)[h])
    part = np.partition(a, [h - 1, h])
    return float((part[h - 1] + part[h]) / 2)


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
    k = max(min_points, round(len(v) * frac))
    return float(np.median(v[-k:]))


def head_level(v: np.ndarray, frac: float = 0.1, min_points: int = 1) -> float:
    """Robust level of the first ``frac`` of a series."""
    if len(v) == 0:
        return float("nan")
    k = max(min_points, round(len(v) * frac))
    return float(np.median(v[:k]))


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


def lr_at(run_lr: Series | None, x: float, axis: str) -> float | None:
    """The learning rate logged at (or just before) position x on ``axis``, if the run logs one."""
    if run_lr is None:
        return None
    pos = run_lr.steps if axis == "step" else run_lr.epochs
    if pos is None:
        pos = run_lr.x
    lx, lv = sorted_finite(pos, run_lr.values)[:2]
    if len(lv) == 0:
        return None
    return value_at(lx, lv, x)


def fmt_x(x: float | None) -> str:
    """An axis position as people write it: 14, 1,200, 2.5."""
    if x is None or not np.isfinite(x):
        return "?"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}"


def fmt_num(v: float | None) -> str:
    """A loss/metric value with enough digits to check it against the log."""
    if v is None or not np.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3e}"
    return f"{v:.4g}" if a < 1 else f"{v:.4f}".rstrip("0").rstrip(".")


def pct(ratio: float) -> str:
    """A ratio as a percentage change: 1.42 -> '42%'."""
    return f"{100.0 * (ratio - 1.0):.0f}%"


# ---------------------------------------------------------------------------------------------- logging cadence
# A train loss is logged in one of two ways: the loss of one step (a per-step log, Lightning's ``*_step``), or the
# mean of the steps since the previous log (Keras, Lightning ``*_epoch``, fastai and Ultralytics per epoch; the
# Hugging Face Trainer's ``loss`` over ``logging_steps``). A mean describes the weights of the middle of its
# window, half a window before the position it is logged at; a val loss is measured at one set of weights, at
# its position. Compared point for point, a falling train mean sits above the val loss by what the model learned
# in half a window, with no regularisation at all. These place every train point at the middle of its window.


def one_per_epoch(s: Series) -> bool:
    """A series with one point per epoch (an epoch mean, an evaluation per epoch). A series logged on the epoch
    axis alone but several times per epoch (per-step values numbered only by their epoch) is finer than that."""
    if s.axis != "epoch":
        return False
    if s.epochs is None:
        return True
    ep = s.epochs[np.isfinite(s.epochs)]
    return len(np.unique(ep)) == len(ep)


def averaging_window(run_format: str, meta: dict, s: Series, val: Series | None = None) -> tuple[str, float]:
    """(axis, width): how much training one logged point of ``s`` averages over. ("step", 1) for a per-step
    value or a loss measured at one set of weights (validation); ("epoch", 1) for an epoch mean; ("step", W) for
    a Hugging Face ``loss`` logged every W steps, or for a train loss logged only where the val loss is (every W
    steps, at the evaluations: the mean of the epoch or interval just finished, as a training loop that writes
    one train and one val number per epoch to TensorBoard does). Text logs are left out of that last reading:
    their "step N: train loss X, val loss Y" lines (nanoGPT) estimate both at the same weights."""
    if s.split != "train" or s.kind != "loss":
        return "step", 1.0
    if run_format == "hf-trainer-state" and s.steps is not None and not s.derived and s.axis == "step":
        w = meta.get("logging_steps")
        if not isinstance(w, (int, float)) or isinstance(w, bool) or w <= 0:
            st = s.steps[np.isfinite(s.steps)]
            w = float(np.median(np.diff(np.sort(st)))) if len(st) > 2 else 1.0
        return "step", float(max(1.0, w))
    if one_per_epoch(s):
        return "epoch", 1.0
    if (val is not None and run_format != "text" and s.steps is not None and val.steps is not None
            and len(s) <= 1.5 * len(val)):  # more train points than evaluations: logged in between too
        st = np.unique(s.steps[np.isfinite(s.steps) & np.isfinite(s.values)])
        vst = val.steps[np.isfinite(val.steps) & np.isfinite(val.values)]
        if len(st) >= 3 and np.mean(np.isin(st, vst)) >= 0.9:
            gap = float(np.median(np.diff(st)))
            if gap > 1:
                return "step", gap
    return "step", 1.0


def middle_shift(run_format: str, meta: dict, s: Series, clock: str, val: Series | None = None) -> float:
    """How far before its logged position (on ``clock``: "step", "epoch" or "own") a point of ``s`` stands."""
    axis, width = averaging_window(run_format, meta, s, val)
    if axis == "step" and width <= 1:
        return 0.0
    if axis == "epoch":
        if clock == "step":
            st = s.steps[np.isfinite(s.steps)] if s.steps is not None else np.empty(0)
            per = float(np.median(np.diff(np.sort(st)))) if len(st) > 2 else 0.0
            return max(0.0, (per - 1) / 2)
        return 0.5
    # A window of W steps.
    if clock == "step" or s.epochs is None or s.steps is None:
        return (width - 1) / 2
    ok = np.isfinite(s.steps) & np.isfinite(s.epochs)
    if ok.sum() < 2 or np.ptp(s.steps[ok]) == 0:
        return 0.0
    epochs_per_step = float(np.ptp(s.epochs[ok]) / np.ptp(s.steps[ok]))
    return (width - 1) / 2 * epochs_per_step


def clock_of(a: Series, b: Series) -> str:
    """The shared clock ``common_x`` uses: "step", "epoch", or "own" (each series' own x)."""
    if a.steps is not None and b.steps is not None:
        return "step"
    if a.epochs is not None and b.epochs is not None:
        return "epoch"
    return "own"


@dataclass
class Paired:
    """The val loss and the train loss at the same weights: ``train[i]`` is the train loss around val point
    ``i`` (NaN where the train loss does not cover it). ``shift`` is how far the train points were moved back to
    the middle of their averaging window; ``lagged`` the train loss read the naive way (the last logged value at
    or before each val point), to say how much the correction mattered."""

    val: Curve
    train: np.ndarray
    lagged: np.ndarray
    shift: float
    clock: str

    @property
    def ok(self) -> np.ndarray:
        return np.isfinite(self.train) & (self.train > 0) & (self.val.v > 0)


def pair_train_val(run_format: str, meta: dict, train: Series, val: Series) -> Paired:
    """The train loss at each val point, on one clock, corrected for the logging window (see above).

    Around each val point, the train points whose window middles lie within half the evaluation interval are
    averaged (a per-step loss logged densely); with fewer than three there, the train loss is interpolated
    linearly between the two middles around the val point. Val points outside the train points' span are not
    compared (NaN). Cached on the train series, as ``Curve.of`` is: several rules ask for the same pairing."""
    cache = train.__dict__.setdefault("_pairs", {})
    key = (id(val), run_format)
    hit = cache.get(key)
    if hit is not None and hit[0] is val:
        return hit[1]
    paired = _pair(run_format, meta, train, val)
    cache[key] = (val, paired)
    return paired


def _pair(run_format: str, meta: dict, train: Series, val: Series) -> Paired:
    tclock, vclock = common_x(train, val)
    clock = clock_of(train, val)
    t = Curve.of(train, tclock)
    v = Curve.of(val, vclock)
    shift = middle_shift(run_format, meta, train, clock, val)
    out = np.full(len(v), np.nan)
    lagged = np.full(len(v), np.nan)
    if len(t) == 0 or len(v) == 0:
        return Paired(v, out, lagged, shift, clock)
    tp = t.x - shift
    tv = t.v
    csum = np.r_[0.0, np.cumsum(tv)]
    half = float(np.median(np.diff(v.x))) / 2 if len(v) > 1 else 0.0
    lo = np.searchsorted(tp, v.x - half, side="left")
    hi = np.searchsorted(tp, v.x + half, side="right")
    count = hi - lo
    dense = count >= 3
    out[dense] = (csum[hi[dense]] - csum[lo[dense]]) / count[dense]
    inside = ~dense & (v.x >= tp[0]) & (v.x <= tp[-1])
    if inside.any():
        out[inside] = np.interp(v.x[inside], tp, tv)
    j = np.searchsorted(t.x, v.x, side="right") - 1
    lagged[j >= 0] = tv[j[j >= 0]]
    return Paired(v, out, lagged, shift, clock)


# ---------------------------------------------------------------------------------------------- trends and levels


def ols_drop(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(drop, standard error) of a least-squares line through (x, y) over its span: drop = -(slope x span), in
    y's units (log units for a log curve), positive when falling. The standard error uses a robust spread of
    the residuals (1.4826 x their median absolute value), so that one outlier does not hide a trend."""
    m = len(x)
    if m < 3 or np.ptp(x) == 0:
        return 0.0, float("inf")
    xc = x - x.mean()
    sxx = float(np.sum(xc * xc))
    slope = float(np.sum(xc * (y - y.mean())) / sxx)
    resid = y - y.mean() - slope * xc
    sigma = 1.4826 * float(np.median(np.abs(resid)))
    span = float(x[-1] - x[0])
    return -slope * span, sigma / np.sqrt(sxx) * span


@dataclass
class Blocks:
    """A curve at epoch granularity (see ``epoch_blocks``)."""

    curve: Curve
    per_epoch: bool  # each point is an epoch (or an evaluation interval), logged or averaged
    se: float  # typical standard error of a block's mean (log units): what batch noise alone moves it by; 0 if unknown


def epoch_blocks(s: Series, every: float | None = None, min_blocks: int = 10, max_points: int = 500) -> Blocks:
    """The curve at epoch granularity: an epoch-level series as it is; a per-step series averaged (in log
    space) over each epoch when it logs its epochs, else over blocks of ``every`` steps (the evaluation interval,
    an epoch's stand-in), else over blocks of 10 points; never fewer than ``min_blocks`` blocks, and at most
    ``max_points``. Batch-to-batch noise averages out; a swing from one epoch to the next does not."""
    c = Curve.of(s)
    if one_per_epoch(s):
        return Blocks(c, True, 0.0)
    if len(c) < 2 * min_blocks:
        return Blocks(c, False, 0.0)
    keys = None
    if s.epochs is not None:
        e = Curve.of(s, s.epochs)
        # the epoch clock keys the blocks only when it keeps the same points in the same order as the step clock
        # (an epoch column with gaps, or epochs that go back where the steps go on, would misalign the blocks)
        if len(e) == len(c) and np.array_equal(e.shown, c.shown):
            ep = np.floor(e.x + 1e-9)
            if min_blocks <= len(np.unique(ep)) < len(c) // 2 and np.all(np.diff(ep) >= 0):
                keys = ep
    if keys is None and every is not None and every > 0:
        k = np.floor((c.x - c.x[0]) / every)
        if min_blocks <= len(np.unique(k)) < len(c) // 2:
            keys = k
    if keys is None:
        size = max(10, -(-len(c) // max_points))
        if len(c) // size < min_blocks:
            return Blocks(c, False, 0.0)
        keys = np.arange(len(c)) // size
        per_epoch = False
    else:
        per_epoch = True
    edges = np.flatnonzero(np.diff(keys)) + 1
    starts = np.r_[0, edges]
    if len(starts) > max_points:
        return Blocks(c.binned(max_points), False, 0.0)
    counts = np.diff(np.r_[starts, len(c)])
    lv = np.add.reduceat(c.lv, starts) / counts
    sq = np.add.reduceat(c.lv * c.lv, starts) / counts
    sd = np.sqrt(np.maximum(sq - lv * lv, 0.0))
    se = float(np.median(sd / np.sqrt(np.maximum(counts - 1, 1))))
    v = np.exp(lv) if np.all(c.v > 0) else np.add.reduceat(c.v, starts) / counts
    ends = starts + counts - 1
    xs = c.shown[ends]  # a block stands at its last point, as an epoch mean is logged at the epoch's end
    return Blocks(Curve(c.name, c.axis, c.x[ends], v, lv, xs), per_epoch, se)


def ema(v: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: an exponential moving average with the start-up bias removed (the first points
    are not pulled towards zero). Non-finite points are skipped and kept as they are."""
    out = np.array(v, dtype=np.float64, copy=True)
    last, n = 0.0, 0
    for i, x in enumerate(out):
        if not np.isfinite(x):
            continue
        last = last * weight + (1 - weight) * x
        n += 1
        out[i] = last / (1 - weight**n)
    return out


# ---------------------------------------------------------------------------------------------- binning (--max-points)
# Run-level binning, applied by api before the rules see a run; its imports are kept with it.

import warnings
from dataclasses import replace

from lossdoc.model import Run


def bin_series(s: Series, max_points: int) -> tuple[Series, dict[str, int]] | None:
    """A series longer than ``max_points`` cut into equal bins of consecutive points, each bin kept as the
    median of its finite values (at the x of the bin's middle point) and, when the bin holds NaN/Inf, also its
    first non-finite point at that point's own x, so that non-finite values stay visible where they start.
    Returns the binned series and what was done, or None when the series is short enough (or max_points is 0).
    Bins are taken a few MB of values at a time: the extra memory is that, not copies of the whole series."""
    n = len(s)
    if not max_points or n <= max_points:
        return None
    w = -(-n // max_points)  # points per bin
    nb = -(-n // w)
    v = s.values
    med = np.empty(nb)
    has_bad = np.zeros(nb, dtype=bool)
    first_bad = np.zeros(nb, dtype=np.int64)
    nonfinite = 0
    per = max(1, BIN_CHUNK // w)  # bins per chunk
    for a in range(0, nb, per):
        b = min(nb, a + per)
        seg = v[a * w : b * w]
        finite = np.isfinite(seg)
        bad = ~finite
        nonfinite += int(bad.sum())
        grid = np.where(finite, seg, np.nan)
        pad = (b - a) * w - len(seg)  # the last bin may be short
        if pad:
            grid = np.concatenate([grid, np.full(pad, np.nan)])
            bad = np.concatenate([bad, np.zeros(pad, dtype=bool)])
        grid, bad = grid.reshape(b - a, w), bad.reshape(b - a, w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bins
            med[a:b] = np.nanmedian(grid, axis=1)
        has_bad[a:b] = bad.any(axis=1)
        first_bad[a:b] = np.arange(a, b) * w + np.argmax(bad, axis=1)
    starts = np.arange(nb) * w
    counts = np.minimum(w, n - starts)
    mid = starts + counts // 2
    has_fin = ~np.isnan(med)
    # A bin with both: its median must not sit at the same x as its non-finite point.
    clash = has_fin & has_bad & (mid == first_bad)
    mid = np.where(clash & (mid + 1 < starts + counts), mid + 1, np.where(clash, mid - 1, mid))
    idx = np.concatenate([mid[has_fin], first_bad[has_bad]])
    vals = np.concatenate([med[has_fin], v[first_bad[has_bad]]])
    order = np.argsort(idx, kind="stable")
    idx, vals = idx[order], vals[order]
    out = s.take(idx, vals)
    info = {"points": n, "kept": len(out), "bin": w, "nonfinite": nonfinite, "nonfinite_kept": int(has_bad.sum())}
    return out, info


#: Values binned at a time by ``bin_series`` (8 MB of float64).
BIN_CHUNK = 1 << 20


def bin_run(run: Run, max_points: int) -> Run:
    """The run with every series longer than ``max_points`` binned (a copy; the run given is not changed), and a
    note saying so."""
    done: dict[str, dict[str, int]] = {}
    series = dict(run.series)
    for name, s in run.series.items():
        binned = bin_series(s, max_points)
        if binned is not None:
            series[name], done[name] = binned
    if not done:
        return run
    parts = []
    for name, d in done.items():
        extra = f"; {d['nonfinite']:,} NaN/Inf kept as {d['nonfinite_kept']:,}" if d["nonfinite"] else ""
        parts.append(f"{name} {d['points']:,} -> {d['kept']:,} (median of each {d['bin']:,}{extra})")
    note = f"long series binned to {max_points:,} points for the rules (--max-points; 0 keeps all): " + ", ".join(parts)
    return replace(run, series=series, notes=[*run.notes, note], meta={**run.meta, "binned": done})
