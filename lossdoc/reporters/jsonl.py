"""JSON lines (``--format jsonl``): one JSON object per run, written as soon as the run is analysed (in the order
runs finish), then one summary line. Documented by ``schema/report-jsonl-v1.json``.

A run line is the run object of the JSON report (``reporters/json.py``'s ``run_to_dict``, so every field it gains
flows through) with what a consumer of a single line needs in front of it::

    {"type": "run", "schema_version": 1, "lossdoc_version": "0.1.0", "position": [0, 17, 0],
     "primary_confidence": 0.9312..., "source": ..., "name": ..., "status": "fail", "primary": ..., ...}

``position`` is where the run stands in the report a single ``lossdoc analyze`` over the same paths writes (the
index of the path given, of the unit of that path, of the run in the unit): sorting by it restores that order.
``primary_confidence`` is the primary finding's confidence unrounded (the run object rounds it to 3 places), which
orders the runs worst first. The last line::

    {"type": "summary", "schema_version": 1, "lossdoc_version": "0.1.0", "exit_code": 1, "runs": 1000,
     "errors": [{"source": ..., "message": ..., "position": [0, 3, 0]}], "notes": [...], "fail_on": "warning",
     "shard": {"index": 1, "count": 4} | null, "paths": [{"path": "runs/", "units": 1000, "found": 250}],
     "skipped_files": {"count": 2, "first": [{"path": ..., "position": [0, 5, 0]}]}}

A stream without its summary line was cut short. Every line is strict JSON (NaN and Inf as "nan", "inf").
"""

from __future__ import annotations

import json
from typing import Any

from lossdoc import __version__
from lossdoc.model import Report, RunReport, Severity, _jsonable
from lossdoc.reporters.json import SCHEMA_VERSION, run_to_dict

#: The fields a run line has in front of the JSON report's run object (``lossdoc merge`` strips them again).
LINE_FIELDS = ("type", "schema_version", "lossdoc_version", "position", "primary_confidence")


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, allow_nan=False, separators=(",", ":")) + "\n"


def run_line(rr: RunReport, fail_on: Severity | None, position: tuple[int, ...]) -> str:
    """One run as one line. Runs in the worker that analysed it (it is what crosses back to the parent)."""
    head = {
        "type": "run",
        "schema_version": SCHEMA_VERSION,
        "lossdoc_version": __version__,
        "position": list(position),
        "primary_confidence": rr.primary.confidence if rr.primary else None,
    }
    return _dumps({**head, **_jsonable(run_to_dict(rr, Report(fail_on=fail_on)))})


def summary_line(
    tally: dict[str, Any],
    *,
    runs: int,
    fail_on: Severity | None,
    shard: tuple[int, int] | None,
    paths: list[dict[str, Any]],
    skipped_files: dict[str, Any],
) -> str:
    """The last line: what the JSON report says of the whole (exit code, errors, notes), and what ``lossdoc
    merge`` needs to join shards into that report."""
    return _dumps({
        "type": "summary",
        "schema_version": SCHEMA_VERSION,
        "lossdoc_version": __version__,
        "exit_code": tally["exit_code"],
        "runs": runs,
        "errors": [{"source": e.source, "message": e.message, "position": list(pos)} for pos, e in tally["errors"]],
        "notes": list(tally["notes"]),
        "fail_on": fail_on.label if fail_on is not None else "never",
        "shard": None if shard is None else {"index": shard[0], "count": shard[1]},
        "paths": paths,
        "skipped_files": skipped_files,
    })


def render(report: Report, **_: Any) -> str:
    """A whole Report as JSON lines (runs that were not read from a sweep of paths: ``--join``, Python data)."""
    lines = [run_line(rr, report.fail_on, (0, 0, k)) for k, rr in enumerate(report.runs)]
    tally = {
        "exit_code": report.exit_code,
        "errors": [((0, 0, k), e) for k, e in enumerate(report.errors)],
        "notes": report.notes,
    }
    lines.append(summary_line(tally, runs=len(report.runs), fail_on=report.fail_on, shard=None, paths=[],
                              skipped_files={"count": 0, "first": []}))
    return "".join(lines)
