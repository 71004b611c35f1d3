"""What every ``lossdoc compare`` reporter shares: the order of the pairs, the overlay chart, the table of deltas
and the lines about seeds and findings, as plain strings. Reporters escape them for their medium; nothing here
decides a verdict (``lossdoc.compare`` did)."""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lossdoc.compare import Comparison, Delta, FindingChange, Pair, band_text, delta_text
from lossdoc.reporters import chart
from lossdoc.signals import fmt_x

BASELINE_STYLE, CANDIDATE_STYLE = "dim", "bold cyan"
BASE_BEST_GLYPH, CAND_BEST_GLYPH = "△", "▲"
STATUS_WORDS = {"worse": "worse", "better": "better", "same": "same", "n/a": "-"}
SPEED_WORDS = {"worse": "slower", "better": "faster", "same": "same", "n/a": "-"}

_MODULES = {"rich": "compare_terminal", "json": "compare_json", "markdown": "compare_markdown",
            "github": "compare_github"}


def _lazy(module: str) -> Callable[..., str]:
    def render(cmp: Comparison, **kw) -> str:
        return importlib.import_module(f"lossdoc.reporters.{module}").render(cmp, **kw)

    render.__name__ = f"render_{module}"
    return render


#: --format name -> render(comparison, **options) -> text
COMPARE_REPORTERS: dict[str, Callable[..., str]] = {name: _lazy(mod) for name, mod in _MODULES.items()}


def worst_first(cmp: Comparison) -> list[Pair]:
    rank = {"worse": 0, "n/a": 1, "same": 2, "better": 3}
    return [p for _, p in sorted(enumerate(cmp.pairs), key=lambda ip: (ip[1].status != "fail",
                                                                        rank[ip[1].verdict], ip[0]))]


def direction(p: Pair) -> str:
    how = "higher is better" if p.higher_is_better else "lower is better"
    space = "relative changes" if p.space == "relative" else "differences in its own units"
    return f"{how}; deltas are {space}"


def header_lines(cmp: Comparison) -> list[str]:
    tol = cmp.tolerance.describe()
    gate = "never" if cmp.fail_on is None else cmp.fail_on.label
    lines = [f"baseline   {cmp.baseline}", f"candidate  {cmp.candidate}"]
    metric = cmp.metric or "the val loss"
    lines.append(f"metric {metric} · tolerance {tol} · fail-on {gate}"
                 + (f" · group-by {cmp.group_by}" if cmp.group_by else ""))
    return lines


def pair_facts(p: Pair) -> str:
    runs = (f"{len(p.baseline)} vs {len(p.candidate)} seeds" if p.grouped else "one run a side")
    return f"{p.metric_label} ({direction(p)}) · {p.clock} · {runs}"


# ---------------------------------------------------------------------------------------------- the table


@dataclass
class Row:
    what: str
    baseline: str
    candidate: str
    delta: str
    band: str
    status: str  # a word: worse / better / same / slower / faster / -
    gates: bool


def _at(p: Pair, x: float | None) -> str:
    return "" if x is None or not math.isfinite(x) else f" ({p.axis} {fmt_x(x)})"


def _num(v: float | None) -> str:
    from lossdoc.reporters.common import num

    return num(v)


def rows(p: Pair) -> list[Row]:
    out = []
    for d in p.deltas:
        if d.what == "speed":
            out.append(_speed_row(p, d))
            continue
        what = d.what + (" (mean of seeds)" if p.grouped and d.what in ("best", "final") else "")
        base = _num(d.baseline) + ("" if p.grouped else _at(p, d.baseline_x))
        cand = _num(d.candidate) + ("" if p.grouped else _at(p, d.candidate_x))
        if d.what.startswith("at "):
            where = _at(p, d.baseline_x) if not p.by_fraction else ""
            what = d.what + where
            base, cand = _num(d.baseline), _num(d.candidate)
            if p.by_fraction:
                base += _at(p, d.baseline_x)
                cand += _at(p, d.candidate_x)
        out.append(Row(what, base, cand, delta_text(p, d), band_text(p, d), STATUS_WORDS[d.status], d.gates))
    return out


def _speed_row(p: Pair, d: Delta) -> Row:
    if d.baseline_x is None:
        return Row("speed", "-", "-", "-", "-", "-", False)
    base = f"{p.axis} {fmt_x(d.baseline_x)}"
    cand = "never" if d.candidate_x is None else f"{p.axis} {fmt_x(d.candidate_x)}"
    return Row("speed", base, cand, delta_text(p, d), band_text(p, d), SPEED_WORDS[d.status], False)


def speed_note(p: Pair) -> str:
    d = p.delta("speed")
    if d is None or d.baseline_x is None:
        return ""
    return f"speed: {d.note}" if d.note else ""


def seeds_lines(p: Pair) -> list[str]:
    s = p.seeds
    if s is None:
        return []
    out = []
    for what, b, c in (("best", s.best_baseline, s.best_candidate), ("final", s.final_baseline, s.final_candidate)):
        out.append(f"{what}: baseline {_spread(b)}, candidate {_spread(c)}")
    out.append(s.words)
    return out


def _spread(values: list[float]) -> str:
    v = np.asarray(values, dtype=np.float64)
    fin = v[np.isfinite(v)]
    if not len(fin):
        return f"{len(v)} seeds, none finite"
    bad = len(v) - len(fin)
    sd = f" ± {_num(float(fin.std(ddof=1)))}" if len(fin) > 1 else ""
    tail = f" ({bad} non-finite)" if bad else ""
    return f"{_num(float(fin.mean()))}{sd} over {len(v)} seeds (range {_num(float(fin.min()))}-{_num(float(fin.max()))}){tail}"


def finding_line(f: FindingChange) -> str:
    where = f" from {f.axis} {fmt_x(f.onset)}" if f.onset is not None and f.axis else ""
    runs = f" [{f.runs}]" if f.runs else ""
    return f"{f.change}: {f.name} ({f.severity.label}, {f.code}){where}{runs}: {f.message}"


def verdict_line(p: Pair) -> str:
    from lossdoc.compare import pair_sentence

    head = "FAIL" if p.status == "fail" else "pass"
    parts = [pair_sentence(p)]
    if p.new_gating:
        names = ", ".join(f"{f.name} ({f.severity.label})" for f in p.new_gating)
        parts.append(f"new at or above --fail-on: {names}")
    return f"{head}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------- the chart


@dataclass
class ChartSpec:
    title: str
    rows: list[chart.Row]
    legend: list[tuple[str, str | None]]


def _median_curve(curves: list[tuple[np.ndarray, np.ndarray]], points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """One curve per side for groups: the pointwise median over seeds (last value at or before each x)."""
    if len(curves) == 1:
        return curves[0]
    xs = np.concatenate([c[0][np.isfinite(c[0])] for c in curves] or [np.empty(0)])
    if not len(xs):
        return np.empty(0), np.empty(0)
    grid = np.unique(xs)
    if len(grid) > points:
        grid = np.linspace(grid[0], grid[-1], points)
    stack = np.full((len(curves), len(grid)), np.nan)
    for i, (x, v) in enumerate(curves):
        ok = np.isfinite(x)
        x, v = x[ok], v[ok]
        if not len(x):
            continue
        idx = np.searchsorted(x, grid, side="right") - 1
        inside = (idx >= 0) & (grid <= x[-1])
        stack[i, inside] = v[idx[inside]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(stack, axis=0)
    return grid, med


def overlay(p: Pair, width: int, height: int = 10) -> ChartSpec:
    """Both runs on one chart: the baseline dim, the candidate bright; the best of each marked."""
    scale = 100.0 if p.by_fraction else 1.0
    xb, vb = _median_curve(p.curves_baseline)
    xc, vc = _median_curve(p.curves_candidate)
    curves = [chart.Curve("base", xb * scale, vb, BASELINE_STYLE), chart.Curve("cand", xc * scale, vc, CANDIDATE_STYLE)]
    marks: list[chart.Mark] = []
    legend: list[tuple[str, str | None]] = [("base: baseline (dim)", BASELINE_STYLE),
                                           ("cand: candidate (bright)", CANDIDATE_STYLE)]
    if not p.grouped:
        for curve, d_side, glyph, style, who in (
            (p.curves_baseline[0], "baseline", BASE_BEST_GLYPH, BASELINE_STYLE, "baseline"),
            (p.curves_candidate[0], "candidate", CAND_BEST_GLYPH, CANDIDATE_STYLE, "candidate"),
        ):
            best = p.delta("best")
            if best is None:
                continue
            value = best.baseline if d_side == "baseline" else best.candidate
            x = best.baseline_x if d_side == "baseline" else best.candidate_x
            if value is None or x is None:
                continue
            pos = _pos_of(curve, value)
            if pos is not None:
                marks.append(chart.Mark(pos * scale, glyph, style, guide=False))
                legend.append((f"{glyph} {who} best {p.axis} {fmt_x(x)} ({_num(value)})", style))
    log = chart.wants_log(curves)
    what = "median of seeds, " if p.grouped else ""
    title = f"{p.metric_label} ({what}{p.clock}{', log scale' if log else ''})"
    axis_label = "%" if p.by_fraction else p.axis
    return ChartSpec(title, chart.draw(curves, width, height, marks, axis_label=axis_label, log=log), legend)


def _pos_of(curve: tuple[np.ndarray, np.ndarray], value: float) -> float | None:
    x, v = curve
    hit = np.flatnonzero(v == value)
    return float(x[hit[0]]) if len(hit) else None
