"""The JSON report (schema_version 1), documented in README.md. Fields are only ever added, never renamed."""

from __future__ import annotations

import json
from typing import Any

from lossdoc import __version__
from lossdoc.model import Report, RunReport, _jsonable

SCHEMA_VERSION = 1


def run_to_dict(rr: RunReport, report: Report) -> dict[str, Any]:
    run = rr.run
    return {
        "source": run.source,
        "name": run.name,
        "format": run.format,
        "axis": run.axis,
        "train_loss": run.train_loss.name if run.train_loss else None,
        "val_loss": run.val_loss.name if run.val_loss else None,
        "series": [s.describe() for s in run.series.values()],
        "notes": list(run.notes),
        "status": rr.status(report.fail_on),
        "primary": rr.primary.name if rr.primary else None,
        "findings": [f.to_dict() for f in rr.findings],
        "skipped": [{"name": s.name, "code": s.code, "reason": s.reason} for s in rr.skipped],
        # Added in 0.3: findings left out because another finding explains them, and the evidence for it.
        # Added in 0.3: the finest train loss (spikes, non-finite values and the onset of a divergence are read on
        # it; Lightning's train_loss_step beside train_loss_epoch), the train loss itself when it has no finer one.
        "train_loss_finest": run.train_loss_fine.name if run.train_loss_fine else None,
        "explained": [
            {"name": e.finding.name, "code": e.finding.code, "by": e.by, "reason": e.reason} for e in rr.explained
        ],
        # Added in 0.1 (schema_version 1 only ever gains fields): what the summary table shows.
        "best": _best(rr),
        "final": {
            "train_loss": _jsonable(run.train_loss.final) if run.train_loss else None,
            "val_loss": _jsonable(run.val_loss.final) if run.val_loss else None,
        },
    }


def _best(rr: RunReport) -> dict[str, Any] | None:
    b = rr.best_point
    if b is None:
        return None
    return {"series": b[0], "axis": rr.run.series[b[0]].axis, "x": b[1], "value": b[2]}


def to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-safe data: every non-finite number anywhere (a NaN step, a best value of a series that
    is all NaN) becomes the string "nan", "inf" or "-inf", as the README documents."""
    return _jsonable(
        {
            "schema_version": SCHEMA_VERSION,
            "lossdoc_version": __version__,
            "runs": [run_to_dict(rr, report) for rr in report.runs],
            "errors": [{"source": e.source, "message": e.message} for e in report.errors],
            "notes": list(report.notes),  # added in 0.2: about the sweep as a whole
            "exit_code": report.exit_code,
        }
    )


def render(report: Report, **_: Any) -> str:
    return json.dumps(to_dict(report), indent=2, allow_nan=False) + "\n"
