"""What every human-facing reporter shares: the order of runs (worst first), the summary row of a run, the
charts of a run with their marks and legend, and the verdict sentence. Reporters only render; nothing here
decides a diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lossdoc import signals
from lossdoc.model import Finding, Report, RunReport, Series, Severity
from lossdoc.reporters import chart
from lossdoc.signals import fmt_num, fmt_x

STATUS_RANK = {"fail": 0, "warn": 1, "ok": 2}
TRAIN_STYLE, VAL_STYLE, METRIC_STYLE = "cyan", "magenta", "green"
BEST_GLYPH, ONSET_GLYPH, NONFINITE_GLYPH = "▲", "◆", "×"


def num(v: float | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    return fmt_num(v)


NO_FINDING = "No failure mode fits these curves."


def no_finding(rr: RunReport) -> str:
    """What a report says of a run with no finding: that nothing fits, or, when every rule was skipped (one or two
    points, a series missing), that nothing could be judged, and the first reason."""
    if not rr.judged_nothing:
        return NO_FINDING
    # The reason that says why the curves could not be judged (too few points) before one that only says a
    # series is missing (no val loss: the train loss could still have been judged).
    why = next((s.reason for s in rr.skipped if "point" in s.reason), next((s.reason for s in rr.skipped), ""))
    return ("Nothing judged: every check of the curves' shape was skipped" + (f" ({why})" if why else "")
            + ": nothing is claimed about these curves' shape.")


def worst_first(report: Report) -> list[RunReport]:
    """Runs ordered for a summary: failing, then warning, then clean; within each the most severe and confident
    primary first; ties keep the input order (so the output is deterministic)."""

    def key(item: tuple[int, RunReport]) -> tuple:
        i, rr = item
        p = rr.primary
        return (
            STATUS_RANK[rr.status(report.fail_on)],
            -int(p.severity) if p else 0,
            -(p.confidence if p else 0.0),
            i,
        )

    return [rr for _, rr in sorted(enumerate(report.runs), key=key)]


@dataclass
class SummaryRow:
    run: str
    status: str
    diagnosis: str
    best: str
    final_train: str
    final_val: str


def short_labels(report: Report) -> dict[int, str]:
    """Run labels for a table: a run's name, else its path relative to the folder all the paths share."""
    import os

    paths = [rr.run.source for rr in report.runs if not rr.run.name and not rr.run.source.startswith("<")]
    base = ""
    if len(paths) > 1:
        try:
            base = os.path.commonpath(paths)
        except ValueError:
            base = ""
    out = {}
    for rr in report.runs:
        label = rr.run.label
        if base and not rr.run.name and rr.run.source.startswith(base) and rr.run.source != base:
            label = os.path.relpath(rr.run.source, base)
        out[id(rr)] = label
    return out


def summary_row(rr: RunReport, report: Report, label: str | None = None) -> SummaryRow:
    run = rr.run
    p = rr.primary
    diag = "-" if p is None else f"{p.name} ({p.code})"
    if len(rr.findings) > 1:
        diag += f" +{len(rr.findings) - 1}"
    b = rr.best_point
    # On the best series' own axis: a per-epoch val loss in a run read on steps has its best at an epoch.
    best = "-" if b is None else f"{run.series[b[0]].axis} {fmt_x(b[1])}"
    t, v = run.train_loss, run.val_loss
    return SummaryRow(
        run=label or run.label,
        status=rr.status(report.fail_on),
        diagnosis=diag,
        best=best,
        final_train=num(t.final) if t is not None else "-",
        final_val=num(v.final) if v is not None else "-",
    )


def series_line(rr: RunReport) -> str:
    """The series read, main ones first: "loss (train loss), val_loss (val loss), accuracy, ..."."""
    run = rr.run
    main = [s for s in (run.train_loss, run.val_loss) if s is not None]
    parts = [f"{s.name} ({s.role.replace('_', ' ')})" for s in main]
    fine = run.train_loss_fine
    if fine is not None and fine is not run.train_loss:
        main.append(fine)
        parts.insert(1, f"{fine.name} (finest train loss)")
    parts += [s.name for s in run.series.values() if s not in main and s.kind != "other"]
    others = sum(1 for s in run.series.values() if s.kind == "other" and s not in main)
    if others:
        parts.append(f"+{others} other")
    return ", ".join(parts)


def points(rr: RunReport) -> int:
    main = [s for s in (rr.run.train_loss, rr.run.val_loss) if s is not None]
    return max((len(s) for s in main), default=0)


def header_facts(rr: RunReport) -> str:
    run = rr.run
    n_nf = sum(s.nonfinite for s in (run.train_loss, run.val_loss) if s is not None)
    facts = [f"format {run.format}", f"{run.axis} axis", f"{points(rr):,} points"]
    if n_nf:
        facts.append(f"{n_nf:,} non-finite")
    return " · ".join(facts)


# ---------------------------------------------------------------------------------------------- charts


def _x_on(s: Series, axis: str) -> np.ndarray:
    if axis == "step" and s.steps is not None:
        return s.steps
    if axis == "epoch" and s.epochs is not None:
        return s.epochs
    return s.x


def _chart_axis(series: list[Series], default: str) -> str:
    if all(s.axis == default for s in series):
        return default
    for axis, attr in (("step", "steps"), ("epoch", "epochs")):
        if all(getattr(s, attr) is not None for s in series):
            return axis
    return default


def _convert(x: float, src: str | None, dst: str, series: list[Series]) -> float | None:
    """An x position from one axis to the other, through a series that knows both."""
    if src is None or src == dst:
        return x
    for s in series:
        if s.steps is not None and s.epochs is not None:
            a, b = (s.steps, s.epochs) if src == "step" else (s.epochs, s.steps)
            ok = np.isfinite(a) & np.isfinite(b)
            if ok.sum() >= 2:
                order = np.argsort(a[ok], kind="stable")
                return float(np.interp(x, a[ok][order], b[ok][order]))
    return None


@dataclass
class ChartSpec:
    title: str
    rows: list[chart.Row]
    legend: list[tuple[str, str | None]]  # (text, style) items, shown joined by "   "


#: A per-step curve with at least this many points is drawn as a debiased EMA over its raw trace (dim).
SMOOTH_MIN_POINTS = 200
#: A val curve whose own range fills less than this share of a log-scale chart's height gets its own chart.
FLATTENED_SHARE = 0.2


def ema_weight(n: int) -> float:
    """TensorBoard-style smoothing weight for a curve of n points: about n/30 points of memory, 0.6 to 0.99."""
    return float(np.clip(1.0 - 30.0 / max(n, 1), 0.6, 0.99))


def smoothed(s: Series, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(x, EMA, weight) of a long per-step series; very long ones are averaged to 5,000 points first (a chart
    has a few hundred pixel columns)."""
    v = s.values
    if len(v) > 5000:
        k = -(-len(v) // 5000)
        m = len(v) // k * k
        x = x[:m].reshape(-1, k)[:, -1]
        with np.errstate(invalid="ignore"):
            vv = v[:m].reshape(-1, k)
            fin = np.isfinite(vv)
            v = np.where(fin.any(axis=1), np.where(fin, vv, 0.0).sum(axis=1) / np.maximum(fin.sum(axis=1), 1), np.nan)
    w = ema_weight(len(s))
    return x, signals.ema(v, w), w


def _marks(rr: RunReport, axis: str, losses: list[Series]) -> tuple[list[chart.Mark], list[tuple[str, str | None]]]:
    """The best point and the primary finding's onset, each its own glyph; when they fall on the same point the
    legend says so (the two glyphs sit side by side under the axis)."""
    run = rr.run
    marks: list[chart.Mark] = []
    legend: list[tuple[str, str | None]] = []
    b = rr.best_point
    bx = None
    if b is not None:
        bs = run.series[b[0]]
        bx = b[1] if bs.axis == axis else _convert(b[1], bs.axis, axis, losses)
        if bx is not None:
            marks.append(chart.Mark(bx, BEST_GLYPH, "green"))
            legend.append((f"{BEST_GLYPH} best {bs.axis} {fmt_x(b[1])} ({b[0]} {num(b[2])})", "green"))
    p = rr.primary
    if p is not None and p.onset is not None:
        ox = _convert(p.onset, p.axis, axis, losses)
        if ox is not None:
            marks.append(chart.Mark(ox, ONSET_GLYPH, "red"))
            same = bx is not None and np.isclose(ox, bx)
            tail = " (the best point)" if same else ""
            legend.append((f"{ONSET_GLYPH} {p.name} from {p.axis or axis} {fmt_x(p.onset)}{tail}", "red"))
    return marks, legend


def charts(rr: RunReport, width: int, height: int = 10, metric_height: int = 6) -> list[ChartSpec]:
    """The loss chart (train and val on one, log scale when they span decades), the val loss on its own scale
    when the log scale flattens it, and the val metric chart. A long per-step train loss (the finest logged) is
    drawn as a debiased EMA, like TensorBoard's smoothing, over its raw trace in dim."""
    run = rr.run
    out: list[ChartSpec] = []
    train = run.train_loss_fine
    losses = [s for s in (train, run.val_loss) if s is not None]
    if not losses or not any(s.values.size for s in losses):
        return out  # no points to draw (a run rebuilt by `lossdoc merge` from JSON lines carries none)
    axis = _chart_axis(losses, run.axis)
    curves = []
    names = []
    smooth_note = None
    if train is not None:
        tx = _x_on(train, axis)
        if train.axis == "step" and len(train) >= SMOOTH_MIN_POINTS:
            curves.append(chart.Curve("", tx, train.values, "dim", faint=True))
            sx, sv, w = smoothed(train, tx)
            curves.append(chart.Curve("train", sx, sv, TRAIN_STYLE))
            smooth_note = f"train drawn smoothed (EMA {w:.2f}, debiased) over its raw trace (dim)"
            names.append(f"train: {train.name}, smoothed")
        else:
            curves.append(chart.Curve("train", tx, train.values, TRAIN_STYLE))
            names.append(f"train: {train.name}")
    if run.val_loss is not None:
        curves.append(chart.Curve("val", _x_on(run.val_loss, axis), run.val_loss.values, VAL_STYLE))
        names.append(f"val: {run.val_loss.name}")
    marks, legend = _marks(rr, axis, losses)
    nf = [(s, s.nonfinite) for s in losses if s.nonfinite]
    if nf:
        s0 = nf[0][0]
        first = _x_on(s0, axis)[~np.isfinite(s0.values)]
        what = ", ".join(f"{s.name} {n:,}" for s, n in nf)
        legend.append((f"{NONFINITE_GLYPH} non-finite from {axis} {fmt_x(float(first[0]))} ({what})", "red"))
    if smooth_note:
        legend.append((smooth_note, "dim"))
    log = chart.wants_log(curves)
    title = f"loss ({', '.join(names)}{', log scale' if log else ''})"
    rows = chart.draw(curves, width, height, marks, axis_label=axis, log=log)
    out.append(ChartSpec(title, rows, legend))

    val = run.val_loss
    if val is not None and train is not None and log and _flattened(curves, val):
        vcurve = [chart.Curve("val", _x_on(val, axis), val.values, VAL_STYLE)]
        lo, hi = _own_range(val)
        vrows = chart.draw(vcurve, width, metric_height, marks, axis_label=axis, log=False, ylim=(lo, hi))
        cut = " (its first fall cut off at the top)" if np.nanmax(val.values[np.isfinite(val.values)]) > hi else ""
        out.append(ChartSpec(f"{val.name} on its own scale{cut}", vrows,
                             [item for item in legend if item[1] != "dim"]))

    metric = _val_metric(rr)
    if metric is not None:
        maxis = _chart_axis([metric], axis) if metric.axis != axis else axis
        mx = _x_on(metric, maxis)
        mcurves = [chart.Curve("val", mx, metric.values, METRIC_STYLE)]
        mmarks, mlegend = [], []
        mb = metric.best()
        if mb is not None:
            mmarks.append(chart.Mark(mb[0] if metric.axis == maxis else float("nan"), BEST_GLYPH, "green"))
            word = "max" if metric.higher_is_better else "min"
            mlegend.append((f"{BEST_GLYPH} best ({word}) {metric.axis} {fmt_x(mb[0])} ({num(mb[1])})", "green"))
        mrows = chart.draw(mcurves, width, metric_height, mmarks, axis_label=maxis)
        mlog = ", log scale" if chart.wants_log(mcurves) else ""
        out.append(ChartSpec(f"{metric.name} (val metric{mlog})", mrows, mlegend))
    return out


def _own_range(val: Series) -> tuple[float, float]:
    """The y range that shows a val loss's movement after its first fall: from its minimum to the highest
    value after its first tenth, with a margin."""
    v = val.values[np.isfinite(val.values)]
    rest = v[len(v) // 10 :]
    lo, hi = float(v.min()), float(rest.max())
    pad = (hi - lo) * 0.1 or abs(hi) * 0.05 or 0.5
    return lo - pad * 0.2, hi + pad


def _flattened(curves: list[chart.Curve], val: Series) -> bool:
    """True when the val loss's own movement (its range after its first tenth: the fall at the start is not
    what needs seeing) fills less than FLATTENED_SHARE of a log-scale chart's height."""
    allv = np.concatenate([c.y[np.isfinite(c.y) & (c.y > 0)] for c in curves])
    v = val.values[np.isfinite(val.values) & (val.values > 0)]
    if len(v) < 5 or len(allv) < 2:
        return False
    rest = v[len(v) // 10 :]
    chart_span = np.log10(allv.max() / allv.min())
    own = np.log10(rest.max() / rest.min())
    return chart_span > 0 and own / chart_span < FLATTENED_SHARE


def _val_metric(rr: RunReport) -> Series | None:
    metrics = rr.run.val_metrics()
    if not metrics:
        return None
    return min(metrics, key=lambda s: (not any(k in s.name.lower() for k in ("acc", "f1", "map")), -len(s)))


# ---------------------------------------------------------------------------------------------- findings


#: How an evidence key reads in a report (the JSON keeps the keys). Keys ending in ``_x`` are positions on the
#: finding's axis, ``_pct`` percentages, ``share_`` shares shown as percentages.
EVIDENCE_LABELS = {
    "final_value": "last value",
    "last_finite_value": "last finite value",
    "final_level_smoothed": "final level (smoothed)",
    "first_value": "first value",
    "best_value": "best value",
    "min_value": "min value",
    "final_over_min": "final level / min",
    "final_over_start": "final level / start",
    "evals_after_best": "evaluations after the best",
    "val_over_train": "val / train (same weights)",
    "val_over_train_uncorrected": "val / train (as logged)",
    "val_over_train_levels": "val / train (levels)",
    "train_window_shift": "train points moved back by",
    "trend_over_noise": "fall / its standard error",
    "lr_at_onset": "learning rate at onset",
    "grad_norm_max_over_before": "grad norm max / before",
    "chance_classes": "chance level of K classes, K",
}


def evidence_items(f: Finding) -> list[str]:
    items = []
    for k, v in f.evidence.items():
        if v is None or v == [] or v == "" or v == {}:
            continue
        items.append(f"{evidence_label(k, f.axis)} {evidence_value(k, v)}")
    return items


def evidence_label(key: str, axis: str | None) -> str:
    if key in EVIDENCE_LABELS:
        return EVIDENCE_LABELS[key]
    if key.endswith("_x"):
        return f"{key[:-2].replace('_', ' ')} {axis or 'at'}"
    if key.endswith("_pct"):
        return key[:-4].replace("_", " ")
    return key.replace("_", " ")


def evidence_value(key: str, v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
        if key.endswith("_pct"):
            return f"{v:.3g}%"
        if key.startswith("share_"):
            return f"{100 * v:.0f}%"
        if key.endswith("_x") or key in ("window_from", "window_to", "largest_at", "first_x", "nonfinite_at"):
            return fmt_x(v)
    return _value(v)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k} {_value(x)}" for k, x in v.items())
    return str(v)


def why(f: Finding) -> str:
    return f.why.strip() or f.message


def where(f: Finding) -> str:
    return f"{f.axis} {fmt_x(f.onset)}" if f.onset is not None and f.axis else ""


def exit_code(report: Report) -> int:
    return report.exit_code


def verdict(report: Report) -> tuple[str, str]:
    """("PASS"|"FAIL"|"ERROR", the sentence after it) — always the same story as the exit code."""
    code = report.exit_code
    counts = {sev: sum(1 for rr in report.runs for f in rr.findings if f.severity == sev) for sev in Severity}
    # "findings: 1 error" and "input error: 1 input could not be read": the two kinds of error, told apart in words.
    by_sev = ", ".join(f"{n} {sev.label}" for sev, n in sorted(counts.items(), reverse=True) if n)
    n = len(report.runs)
    runs = f"{n} run" + ("s" if n != 1 else "")
    found = f"{runs}; findings: {by_sev}" if by_sev else f"{runs}; no findings"
    gate = "never" if report.fail_on is None else report.fail_on.label
    gated = report.fail_on is not None and any(f.severity >= report.fail_on for rr in report.runs for f in rr.findings)
    if report.errors:
        k = len(report.errors)
        return "ERROR", f"{found}; input error: {k} input{'s' if k != 1 else ''} could not be read (exit {code})"
    if gated:
        tail = " with --exit-zero" if code == 0 else ""
        return "FAIL", f"{found}; --fail-on {gate} met (exit {code}{tail})"
    return "PASS", f"{found}; below --fail-on {gate} (exit {code})"
