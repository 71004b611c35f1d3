"""``--plot FILE.png|.svg``: an annotated matplotlib figure of the runs (curves, best point, the primary
finding's onset, findings as labels). matplotlib is the optional extra ``lossdoc[plot]``; it is imported here
only, never at start-up."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from lossdoc.errors import UsageError
from lossdoc.model import Report, RunReport
from lossdoc.reporters import chart, common
from lossdoc.reporters.safe import mpl_text

MAX_RUNS = 12


def _axes_for(rr: RunReport, ax, with_metric_ax=None) -> None:
    run = rr.run
    train = run.train_loss_fine
    losses = [s for s in (train, run.val_loss) if s is not None]
    axis = common._chart_axis(losses, run.axis)
    curves = []
    for label, s, color in (("train", train, "tab:blue"), ("val", run.val_loss, "tab:red")):
        if s is None:
            continue
        x = common._x_on(s, axis)
        if label == "train" and s.axis == "step" and len(s) >= common.SMOOTH_MIN_POINTS:
            # Per-step noise: a debiased EMA (TensorBoard's smoothing) over the faint raw trace.
            ax.plot(x, s.values, color=color, lw=0.6, alpha=0.25)
            sx, sv, w = common.smoothed(s, x)
            ax.plot(sx, sv, color=color, lw=1.4, label=f"{label}: {mpl_text(s.name)} (EMA {w:.2f})")
        else:
            ax.plot(x, s.values, color=color, lw=1.2, label=f"{label}: {mpl_text(s.name)}")
        curves.append(chart.Curve(label, x, s.values))
        bad = ~np.isfinite(s.values)
        if bad.any():
            ax.plot(x[bad], np.zeros(int(bad.sum())), "x", color=color, transform=ax.get_xaxis_transform(),
                    ms=5, clip_on=False, label=f"{mpl_text(s.name)} non-finite")
    log = chart.wants_log(curves)
    if log:
        ax.set_yscale("log")
    val = run.val_loss
    if log and val is not None and train is not None and common._flattened(curves, val):
        # The shared log scale flattens the val loss's rise: it gets its own (right) axis.
        vax = ax.twinx()
        vx = common._x_on(val, axis)
        vax.plot(vx, val.values, color="tab:red", lw=1.2, ls="--", label=f"val: {mpl_text(val.name)} (right axis)")
        vax.set_ylim(*common._own_range(val))
        vax.set_ylabel(f"{mpl_text(val.name)} (own scale)", color="tab:red")
        vax.legend(fontsize=7, loc="upper center")
    b = rr.best_point
    bx = None
    if b is not None:
        bs = run.series[b[0]]
        bx = common._convert(b[1], bs.axis, axis, losses + [bs])
        if bx is not None:
            ax.axvline(bx, color="tab:green", ls="--", lw=1, label=f"best {bs.axis} {common.fmt_x(b[1])}")
    p = rr.primary
    if p is not None and p.onset is not None:
        ox = common._convert(p.onset, p.axis, axis, losses)
        if ox is not None:
            same = bx is not None and np.isclose(ox, bx)
            # Coinciding with the best line: a different pattern and a marker on top keep both visible.
            ax.axvline(ox, color="black", ls=(0, (1, 3)) if same else ":", lw=1.2,
                       label=f"{p.name} from {p.axis} {common.fmt_x(p.onset)}" + (" (= best)" if same else ""))
            ax.plot([ox], [1.0], "v", color="black", ms=6, transform=ax.get_xaxis_transform(), clip_on=False)
    ax.set_xlabel(axis)
    ax.set_ylabel("loss")
    labels = [f"{f.severity.label.upper()} {f.code} {f.name}" for f in rr.findings] or ["no failure mode found"]
    ax.set_title(f"{mpl_text(run.label)}\n" + "; ".join(labels), fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    metric = common._val_metric(rr)
    if with_metric_ax is not None and metric is not None:
        mx = common._x_on(metric, axis) if metric.axis != axis else metric.x
        with_metric_ax.plot(mx, metric.values, color="tab:green", lw=1.2, label=mpl_text(metric.name))
        mb = metric.best()
        mbx = None if mb is None else common._convert(mb[0], metric.axis, axis, losses + [metric])
        if mbx is not None:
            with_metric_ax.axvline(mbx, color="tab:green", ls="--", lw=1)
        if chart.wants_log([chart.Curve("m", mx, metric.values)]):
            with_metric_ax.set_yscale("log")
        with_metric_ax.set_ylabel(mpl_text(metric.name))
        with_metric_ax.set_xlabel(axis)
        with_metric_ax.grid(alpha=0.3)
        with_metric_ax.legend(fontsize=7, loc="best")


def figure(report: Report):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    runs = common.worst_first(report)[:MAX_RUNS]
    if len(runs) == 1:
        rr = runs[0]
        has_metric = common._val_metric(rr) is not None
        fig, axes = plt.subplots(2 if has_metric else 1, 1, figsize=(9, 7 if has_metric else 4.5), squeeze=False,
                                 height_ratios=[2, 1] if has_metric else None)
        _axes_for(rr, axes[0][0], axes[1][0] if has_metric else None)
    else:
        cols = min(3, len(runs))
        rows = (len(runs) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.8 * rows), squeeze=False)
        for i, rr in enumerate(runs):
            _axes_for(rr, axes[i // cols][i % cols])
        for j in range(len(runs), rows * cols):
            axes[j // cols][j % cols].set_visible(False)
    word, rest = common.verdict(report)
    fig.suptitle(f"lossdoc: {word} — {mpl_text(rest)}", fontsize=9)
    fig.tight_layout()
    return fig


def write_plot(report: Report, path: str | os.PathLike) -> None:
    """Draw and save atomically (a temporary file in the same folder, then a rename)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'lossdoc[plot]'") from None
    import matplotlib.pyplot as plt

    path = Path(path)
    fig = figure(report)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    _chmod_default(tmp)
    try:
        fig.savefig(tmp, format=path.suffix.lstrip(".").lower(), dpi=120, metadata=_metadata(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"--plot {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


def _metadata(path: Path) -> dict:
    # Reproducible SVGs: no creation date.
    return {"Date": None} if path.suffix.lower() == ".svg" else {}


def _chmod_default(path: str) -> None:
    """mkstemp makes 0600 files; give the output the permissions a plain open() would."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
