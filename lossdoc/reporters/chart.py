"""Curves drawn with Unicode braille, for the terminal and for markdown code blocks.

Each character cell is a 2x4 grid of dots, so a chart of W columns and H rows has 2W x 4H pixels. Long series are
binned to the pixel columns with numpy (min and max of every column, so a spike is never lost), never drawn
point by point: a million points cost a few sorts and reductions. Consecutive points are joined by straight
segments, except across a NaN/Inf, which breaks the line (and is marked with x under the axis).

``draw`` returns rows of (text, style) segments; ``plain`` joins them into text, the terminal reporter turns
them into rich Text. No colour is needed to read a chart: each curve is labelled at its right end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Row = list[tuple[str, str | None]]

# Braille dot bits for (pixel row within the cell, pixel column within the cell).
_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int64)
LABEL_W = 9  # y tick labels
RIGHT_W = 8  # curve labels at the right end ("◂ train")
_POPCOUNT = np.array([i.bit_count() for i in range(256)], dtype=np.int64)
LOG_SPAN = 100.0  # max/min ratio from which the y axis is logarithmic


@dataclass
class Curve:
    label: str
    x: np.ndarray
    y: np.ndarray
    style: str | None = None
    #: A faint curve (a raw per-step trace under its smoothed line) shows only in cells no solid curve uses, and
    #: gets no label.
    faint: bool = False


@dataclass
class Mark:
    """A position on the x axis: a dotted guide through the plot and a glyph under the axis."""

    x: float
    glyph: str
    style: str | None = None
    guide: bool = True


def wants_log(curves: list[Curve]) -> bool:
    vals = np.concatenate([c.y[np.isfinite(c.y)] for c in curves] or [np.empty(0)])
    if len(vals) == 0 or vals.min() <= 0:
        return False
    return float(vals.max() / vals.min()) >= LOG_SPAN


def tick(v: float) -> str:
    """A y value in at most 8 characters."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        candidates = [f"{v:.2e}", f"{v:.1e}", f"{v:.0e}"]
    else:
        candidates = [f"{v:.4g}" if a < 1000 else f"{v:.0f}", f"{v:.3g}", f"{v:.2g}", f"{v:.1e}"]
    return next((c for c in candidates if len(c) <= LABEL_W - 1), candidates[-1])


def xtick(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _cells(grid: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Braille code (0..255) of every cell of a (4*rows, 2*cols) boolean grid."""
    g = grid.reshape(rows, 4, cols, 2).astype(np.int64)
    return np.einsum("rick,ik->rc", g, _BITS)


def _fill(grid: np.ndarray, col: int, r0: float, r1: float) -> None:
    a, b = sorted((r0, r1))
    lo = max(0, round(a))
    hi = min(grid.shape[0] - 1, round(b))
    if 0 <= col < grid.shape[1] and lo <= hi:
        grid[lo : hi + 1, col] = True


def _segment(grid: np.ndarray, c0: int, r0: float, c1: int, r1: float) -> None:
    """A straight segment between two pixels, as vertical runs in each column it crosses."""
    n = c1 - c0
    if n <= 0:
        _fill(grid, c0, r0, r1)
        return
    for i in range(n):
        ra = r0 + (r1 - r0) * i / n
        rb = r0 + (r1 - r0) * (i + 1) / n
        mid = (ra + rb) / 2
        _fill(grid, c0 + i, ra, mid)
        _fill(grid, c0 + i + 1, mid, rb)


def raster(px: np.ndarray, py: np.ndarray, ok: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels of one curve. ``px`` integer pixel columns, ``py`` float pixel rows, ``ok`` where y is finite."""
    grid = np.zeros(shape, dtype=bool)
    seg = np.cumsum(~ok)  # a non-finite value starts a new segment: lines never cross it
    xs, ys, sg = px[ok], py[ok], seg[ok]
    if len(xs) == 0:
        return grid
    if len(xs) > 1 and np.any(np.diff(xs) < 0):
        order = np.argsort(xs, kind="stable")
        xs, ys, sg = xs[order], ys[order], sg[order]
    start = np.flatnonzero(np.r_[True, np.diff(xs) != 0])
    end = np.r_[start[1:], len(xs)] - 1
    cols = xs[start]
    lo = np.minimum.reduceat(ys, start)
    hi = np.maximum.reduceat(ys, start)
    first, last = ys[start], ys[end]
    first_seg, last_seg = sg[start], sg[end]
    for k in range(len(cols)):  # at most the number of pixel columns
        _fill(grid, int(cols[k]), lo[k], hi[k])
        if k and first_seg[k] == last_seg[k - 1]:
            _segment(grid, int(cols[k - 1]), float(last[k - 1]), int(cols[k]), float(first[k]))
    return grid


def draw(
    curves: list[Curve],
    width: int,
    height: int = 10,
    marks: list[Mark] | None = None,
    axis_label: str = "",
    log: bool | None = None,
    ylim: tuple[float, float] | None = None,
) -> list[Row]:
    """Rows of the chart, ``width`` columns wide (y labels, plot, curve labels). ``ylim`` fixes the y range;
    points outside it are drawn on its edge."""
    marks = marks or []
    plot_w = max(10, width - LABEL_W - 1 - RIGHT_W)
    pw, ph = plot_w * 2, height * 4
    if log is None:
        log = wants_log(curves)

    xs_all = [c.x[np.isfinite(c.x)] for c in curves]
    xs_all = [a for a in xs_all if len(a)]
    xmin = min((float(a.min()) for a in xs_all), default=0.0)
    xmax = max((float(a.max()) for a in xs_all), default=1.0)
    ys = [c.y[np.isfinite(c.y) & (c.y > 0 if log else True)] for c in curves]
    ys = [a for a in ys if len(a)]
    ymin = min((float(a.min()) for a in ys), default=0.0)
    ymax = max((float(a.max()) for a in ys), default=1.0)
    if ylim is not None and ylim[0] < ylim[1] and (not log or ylim[0] > 0):
        ymin, ymax = ylim
    # Linear charts are drawn in units of the largest |y|, so that values near the float limit (+-1e308) never
    # overflow a difference; log charts are in decades already.
    scale = 1.0 if log else (max(abs(ymin), abs(ymax)) or 1.0)
    tf = (lambda v: np.log10(v)) if log else (lambda v: np.asarray(v) / scale)
    tmin, tmax = float(tf(ymin)), float(tf(ymax))
    if tmax == tmin:
        pad = abs(tmin) * 0.05 or 0.5
        tmin, tmax = tmin - pad, tmax + pad
    xspan = (xmax - xmin) or 1.0

    def col_of(x: np.ndarray) -> np.ndarray:
        return np.clip(np.rint((np.asarray(x, dtype=np.float64) - xmin) / xspan * (pw - 1)), 0, pw - 1).astype(
            np.int64
        )

    codes: list[np.ndarray] = []
    ends: list[tuple[int, int]] = []  # (cell row, cell col) of each curve's last finite point
    nonfinite_cols: set[int] = set()
    for c in curves:
        x = np.asarray(c.x, dtype=np.float64)
        y = np.asarray(c.y, dtype=np.float64)
        okx = np.isfinite(x)
        x, y = x[okx], y[okx]
        ok = np.isfinite(y) & ((y > 0) if log else True)
        with np.errstate(divide="ignore", invalid="ignore"):
            ty = tf(np.where(ok, y, 1.0))
        py = np.clip((tmax - ty) / (tmax - tmin) * (ph - 1), 0, ph - 1)
        px = col_of(x)
        grid = raster(px, py, ok, (ph, pw))
        codes.append(_cells(grid, height, plot_w))
        bad = ~np.isfinite(y)
        if bad.any():
            # Each run of consecutive non-finite points marks every cell it covers.
            edges = np.diff(np.r_[0, bad.astype(np.int8), 0])
            starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
            cover = np.zeros(plot_w + 1, dtype=np.int64)
            np.add.at(cover, px[starts] // 2, 1)
            np.add.at(cover, px[stops] // 2 + 1, -1)
            nonfinite_cols.update(np.flatnonzero(np.cumsum(cover)[:plot_w] > 0).tolist())
        if ok.any():
            i = np.flatnonzero(ok)[-1]
            ends.append((int(min(height - 1, max(0, round(py[i]) // 4))), int(px[i] // 2)))
        else:
            ends.append((-1, -1))

    solid = np.zeros((height, plot_w), dtype=np.int64)
    faint = np.zeros((height, plot_w), dtype=np.int64)
    owner = np.full((height, plot_w), -1, dtype=np.int64)
    best_count = np.zeros((height, plot_w), dtype=np.int64)
    for i, code in enumerate(codes):
        count = _POPCOUNT[code]
        if curves[i].faint:
            faint |= code
            prio = count
        else:
            solid |= code
            prio = count + 16  # any dot of a solid curve owns the cell over a faint trace
        take = (count > 0) & (prio >= best_count)
        owner[take] = i
        best_count = np.maximum(best_count, prio)
    combined = np.where(solid > 0, solid, faint)

    guide_cols = {int(col_of(np.array([m.x]))[0] // 2): m for m in marks if m.guide and np.isfinite(m.x)}

    # Curve labels in the right margin, moved up or down when two would share a row.
    right: dict[int, tuple[str, str | None]] = {}
    for i, (r, _c) in enumerate(ends):
        if r < 0 or curves[i].faint:
            continue
        for dr in (0, 1, -1, 2, -2, 3, -3):
            rr = r + dr
            if 0 <= rr < height and rr not in right:
                right[rr] = (f" ◂ {curves[i].label}"[:RIGHT_W], curves[i].style)
                break

    rows: list[Row] = []
    mid_t = (tmin + tmax) / 2
    ticks = {0: tmax, height - 1: tmin, (height - 1) // 2: mid_t if height > 2 else None}
    for r in range(height):
        row: Row = []
        t = ticks.get(r)
        label = "" if t is None else tick(10**t if log else t * scale)
        row.append((f"{label:>{LABEL_W - 1}} ", "dim"))
        row.append(("┤" if t is not None else "│", "dim"))
        for c in range(plot_w):
            v = int(combined[r, c])
            if v:
                row.append((chr(0x2800 + v), curves[int(owner[r, c])].style))
            elif c in guide_cols:
                row.append(("┊", guide_cols[c].style or "dim"))
            else:
                row.append((" ", None))
        text, style = right.get(r, ("", None))
        row.append((f"{text:<{RIGHT_W}}", style))
        rows.append(_merge(row))

    # The x axis, its tick labels, and the marks under it.
    axis = ["─"] * plot_w
    for pos in (0, plot_w // 2, plot_w - 1):
        axis[pos] = "┬"
    rows.append([(" " * LABEL_W + "└" + "".join(axis), "dim")])
    labels = [" "] * (plot_w + RIGHT_W)
    _put(labels, 0, xtick(xmin))
    mid = xmin + (xmax - xmin) / 2
    if float(xmin).is_integer() and float(xmax).is_integer():
        mid = float(round(mid))
    # A middle tick only where it names a position strictly between the ends (one or two epochs have none).
    mid_label = xtick(mid) if xmin < mid < xmax else ""
    if mid_label:
        _put(labels, plot_w // 2 - len(mid_label) // 2, mid_label)
    right_label = xtick(xmax) if xmax != xmin else ""
    if right_label:
        _put(labels, plot_w - len(right_label), right_label)
    _put(labels, plot_w + 1, axis_label[: RIGHT_W - 1])
    rows.append([(" " * (LABEL_W + 1) + "".join(labels).rstrip(), "dim")])
    if marks or nonfinite_cols:
        cells: list[tuple[str, str | None]] = [(" ", None)] * plot_w
        for c in sorted(nonfinite_cols):
            if 0 <= c < plot_w:
                cells[c] = ("×", "red")
        for m in marks:
            if np.isfinite(m.x):
                c = int(col_of(np.array([m.x]))[0] // 2)
                if cells[c][0] in (" ", "×"):
                    cells[c] = (m.glyph, m.style)
                elif c + 1 < plot_w and cells[c + 1][0] in (" ", "×"):
                    cells[c + 1] = (m.glyph, m.style)
        rows.append(_merge([(" " * (LABEL_W + 1), None), *cells]))
    return [_rstrip(r) for r in rows]


def _put(buf: list[str], at: int, text: str) -> None:
    at = max(0, min(at, len(buf) - len(text)))
    for i, ch in enumerate(text):
        if 0 <= at + i < len(buf):
            buf[at + i] = ch


def _merge(row: Row) -> Row:
    out: Row = []
    for text, style in row:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out


def _rstrip(row: Row) -> Row:
    row = list(row)
    while row and not row[-1][0].strip():
        row.pop()
    if row:
        row[-1] = (row[-1][0].rstrip(), row[-1][1])
    return row


def plain(rows: list[Row]) -> str:
    return "\n".join("".join(t for t, _ in r) for r in rows)

