"""What every human-facing reporter shares: the order of runs (worst first), the summary row of a run, the
charts of a run with their marks and legend, and the verdict sentence. Reporters only render; nothing here
decides a diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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
    best = "-" if b is None else f"{run.axis} {fmt_x(b[1])}"
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


def charts(rr: RunReport, width: int, height: int = 10, metric_height: int = 6) -> list[ChartSpec]:
    """The loss chart (train and val on one, log scale when they span decades) and the val metric chart."""
    run = rr.run
    out: list[ChartSpec] = []
    losses = [s for s in (run.train_loss, run.val_loss) if s is not None]
    if not losses:
        return out
    axis = _chart_axis(losses, run.axis)
    curves = []
    if run.train_loss is not None:
        curves.append(chart.Curve("train", _x_on(run.train_loss, axis), run.train_loss.values, TRAIN_STYLE))
    if run.val_loss is not None:
        curves.append(chart.Curve("val", _x_on(run.val_loss, axis), run.val_loss.values, VAL_STYLE))
    marks: list[chart.Mark] = []
    legend: list[tuple[str, str | None]] = []
    b = rr.best_point
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
            legend.append((f"{ONSET_GLYPH} {p.name} from {p.axis or axis} {fmt_x(p.onset)}", "red"))
    nf = [(s, s.nonfinite) for s in losses if s.nonfinite]
    if nf:
        s0 = nf[0][0]
        first = _x_on(s0, axis)[~np.isfinite(s0.values)]
        what = ", ".join(f"{s.name} {n:,}" for s, n in nf)
        legend.append((f"{NONFINITE_GLYPH} non-finite from {axis} {fmt_x(float(first[0]))} ({what})", "red"))
    log = chart.wants_log(curves)
    names = ", ".join(f"{c.label}: {s.name}" for c, s in zip(curves, losses))
    title = f"loss ({names}{', log scale' if log else ''})"
    rows = chart.draw(curves, width, height, marks, axis_label=axis, log=log)
    out.append(ChartSpec(title, rows, legend))

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


def _val_metric(rr: RunReport) -> Series | None:
    metrics = rr.run.val_metrics()
    if not metrics:
        return None
    return min(metrics, key=lambda s: (not any(k in s.name.lower() for k in ("acc", "f1", "map")), -len(s)))


# ---------------------------------------------------------------------------------------------- findings


def evidence_items(f: Finding) -> list[str]:
    items = []
    for k, v in f.evidence.items():
        if v is None or v == [] or v == "" or v == {}:
            continue
        items.append(f"{k.replace('_', ' ')} {_value(v)}")
    return items


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
