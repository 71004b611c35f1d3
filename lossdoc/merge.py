"""``lossdoc merge``: the JSON lines of the shards of a sweep (``lossdoc analyze PATHS --shard I/N --format jsonl``,
one job of a SLURM or Kubernetes job array each) joined into the report one ``lossdoc analyze PATHS`` would
write: the same runs in the same order, the same errors and notes, the same exit code.

The shards must all be there and whole: each file ends with its summary line, holds as many run lines as that
line counts, and the shards are 1..N of one N, run over the same paths (split into the same units) with the same
--fail-on. Anything else is an input error naming the file. What only the whole sweep can tell (a folder in which
no shard found a log) is decided here.

The JSON lines carry each run's findings and summary, not its curves: ``to_report`` rebuilds runs whose series
have no points, which every reporter renders except the charts (the terminal and markdown reports leave them out
and say so).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lossdoc.errors import InputError
from lossdoc.model import Finding, InputProblem, Report, Run, RunReport, Series, Severity, Skipped
from lossdoc.reporters.json import SCHEMA_VERSION
from lossdoc.reporters.jsonl import LINE_FIELDS

CURVES_NOTE = "curves are not drawn: the JSON lines of shards carry findings, not series (lossdoc analyze a run to see them)"


@dataclass
class Merged:
    """The shards joined: run lines in report order, errors and notes of the whole, the exit code."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    primary_confidence: list[float | None] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fail_on: Severity | None = Severity.WARNING
    lossdoc_version: str = ""
    shards: int = 1

    def exit_code(self, exit_zero: bool = False) -> int:
        if self.errors:
            return 2
        if exit_zero:
            return 0
        return 1 if any(r.get("status") == "fail" for r in self.runs) else 0


def _read_shard(path: str) -> tuple[list[tuple[tuple, dict]], dict]:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise InputError(path, "empty: not the JSON lines of a lossdoc analyze --format jsonl")
    if not data.endswith(b"\n"):
        raise InputError(path, "the last line has no line end: the shard was cut short (still running, or killed?)")
    runs: list[tuple[tuple, dict]] = []
    summary = None
    for n, raw in enumerate(data.split(b"\n")[:-1], 1):
        if not raw.strip():
            continue
        if summary is not None:
            raise InputError(path, f"line {n} comes after the summary line: two streams in one file?")
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InputError(path, f"line {n} is not JSON: the shard was cut short or is not lossdoc's") from None
        if not isinstance(obj, dict) or obj.get("schema_version") != SCHEMA_VERSION or "type" not in obj:
            raise InputError(path, f"line {n} is not a lossdoc JSON line (schema_version {SCHEMA_VERSION})")
        if obj["type"] == "run":
            runs.append((tuple(obj.get("position") or ()), obj))
        elif obj["type"] == "summary":
            summary = obj
        else:
            raise InputError(path, f"line {n}: unknown type {obj['type']!r}")
    if summary is None:
        raise InputError(path, "no summary line at the end: the shard was cut short (still running, or killed?)")
    if summary.get("runs") != len(runs):
        raise InputError(path, f"{len(runs):,} run lines where its summary counts {summary.get('runs'):,}: lines lost")
    return runs, summary


def merge(paths: list[str]) -> Merged:
    """Read, check and join the shards' JSON lines (InputError for a missing, cut or foreign shard)."""
    if not paths:
        raise InputError("merge", "no shards given")
    shards = [(p, *_read_shard(p)) for p in paths]
    first_path, _, first = shards[0]

    def same(key: str, what: str) -> None:
        for p, _, summ in shards[1:]:
            if summ.get(key) != first.get(key):
                raise InputError(p, f"{what} differs from {first_path}'s: not shards of one sweep")

    same("lossdoc_version", "the lossdoc version")
    same("fail_on", "--fail-on")
    # The same paths, split into the same units: compared by their number, not their spelling, so that the machines
    # of a job array may mount the store at different places (the report names them as the first shard does).
    layout = [(g.get("path"), g.get("units")) for g in first.get("paths", [])]
    for p, _, summ in shards[1:]:
        if [g.get("units") for g in summ.get("paths", [])] != [units for _, units in layout]:
            raise InputError(p, f"ran over other paths than {first_path} (or its folders held other runs)")
    count = _shard_count(shards)
    found = [0] * len(layout)
    errors: list[tuple[tuple, InputProblem]] = []
    skipped = 0
    skipped_first: list[tuple[tuple, str]] = []
    runs: list[tuple[tuple, dict]] = []
    for _, shard_runs, summ in shards:
        runs += shard_runs
        for i, g in enumerate(summ.get("paths", [])):
            found[i] += int(g.get("found", 0))
        for e in summ.get("errors", []):
            pos = tuple(e.get("position") or ())
            if len(pos) == 3 and pos[0] < len(layout) and pos[1] == layout[pos[0]][1]:
                continue  # a folder-level error: decided below, over every shard
            errors.append((pos, InputProblem(e["source"], e["message"])))
        sk = summ.get("skipped_files") or {}
        skipped += int(sk.get("count", 0))
        skipped_first += [(tuple(f["position"]), f["path"]) for f in sk.get("first", [])]
    from lossdoc.api import NO_LOG, not_logs_note

    for i, (path, units) in enumerate(layout):
        if units > 1 and found[i] == 0:
            errors.append(((i, units, 0), InputProblem(path, NO_LOG)))
    runs.sort(key=lambda item: item[0])
    errors.sort(key=lambda item: item[0])
    out = Merged(
        fail_on=None if first.get("fail_on") == "never" else Severity.parse(first.get("fail_on", "warning")),
        lossdoc_version=first.get("lossdoc_version", ""),
        shards=count,
    )
    for _, line in runs:
        out.primary_confidence.append(line.get("primary_confidence"))
        out.runs.append({k: v for k, v in line.items() if k not in LINE_FIELDS})
    out.errors = [e for _, e in errors]
    if skipped:
        first_names = [f for _, f in sorted(skipped_first)[:3]]
        out.notes.append(not_logs_note(first_names, skipped))
    return out


def _shard_count(shards: list[tuple[str, list, dict]]) -> int:
    """1..N of one N, each once; or one stream that is not a shard."""
    marks = [(p, summ.get("shard")) for p, _, summ in shards]
    unsharded = [p for p, m in marks if m is None]
    if unsharded:
        if len(shards) == 1:
            return 1
        raise InputError(unsharded[0], "is not a shard (run without --shard): merge joins the shards of one sweep")
    n = marks[0][1]["count"]
    seen: dict[int, str] = {}
    for p, m in marks:
        if m["count"] != n:
            raise InputError(p, f"is shard {m['index']}/{m['count']}, the others are of {n}")
        if m["index"] in seen:
            raise InputError(p, f"shard {m['index']}/{n} twice (also {seen[m['index']]})")
        seen[m["index"]] = p
    missing = [i for i in range(1, n + 1) if i not in seen]
    if missing:
        names = ", ".join(f"{i}/{n}" for i in missing)
        raise InputError("merge", f"shard{'s' if len(missing) > 1 else ''} {names} missing: every shard of the sweep is needed")
    return n


def to_json(merged: Merged, exit_zero: bool = False) -> dict[str, Any]:
    """The JSON report, as ``lossdoc analyze --format json`` over all the paths writes it."""
    return {
        "schema_version": SCHEMA_VERSION,
        "lossdoc_version": merged.lossdoc_version,
        "runs": merged.runs,
        "errors": [{"source": e.source, "message": e.message} for e in merged.errors],
        "notes": list(merged.notes),
        "exit_code": merged.exit_code(exit_zero),
    }


# ---------------------------------------------------------------------------------------------- runs without curves


def _num(v: Any) -> float | None:
    """A number of the JSON report back: "nan", "inf", "-inf" were non-finite floats."""
    if v is None:
        return None
    if isinstance(v, str):
        return float(v)
    return float(v) if isinstance(v, float) else v


class SeriesDigest(Series):
    """A series as the JSON report describes it (name, role, axis, points, non-finite count, direction), with no
    values: what the reporters need of it, except a chart."""

    def __init__(self, d: dict[str, Any], best: tuple[float, float] | None, final: float | None) -> None:
        role = d["role"]
        split, _, kind = role.partition("_") if role.endswith(("_loss", "_metric")) else (None, "", role)
        direction = d.get("direction")
        super().__init__(d["name"], np.empty(0), None, None, split, kind,
                         None if direction is None else direction == "higher")
        self._digest = d
        self._best = best
        self._final = final

    @property
    def role(self) -> str:
        return self._digest["role"]

    @property
    def axis(self) -> str:
        return self._digest["axis"]

    @property
    def nonfinite(self) -> int:
        return int(self._digest["nonfinite"])

    def __len__(self) -> int:
        return int(self._digest["points"])

    def best(self) -> tuple[float, float] | None:
        return self._best

    @property
    def final(self) -> float | None:
        return self._final

    def describe(self) -> dict[str, Any]:
        return dict(self._digest)


def run_report(d: dict[str, Any], confidence: float | None, fail_on: Severity | None) -> RunReport:
    """A RunReport from a run object of the JSON report: findings, skipped rules, notes and the series' facts as
    they were; the series hold no points."""
    best = d.get("best")
    final = d.get("final") or {}
    run = Run(source=d["source"], format=d["format"], name=d.get("name"), notes=list(d.get("notes", [])))
    for s in d.get("series", []):
        b = None
        if best and best.get("series") == s["name"]:
            b = (_num(best["x"]), _num(best["value"]))
        f = None
        if s["name"] == d.get("train_loss"):
            f = _num(final.get("train_loss"))
        elif s["name"] == d.get("val_loss"):
            f = _num(final.get("val_loss"))
        run.add(SeriesDigest(s, b, f))
    run.train_override = d.get("train_loss")
    run.val_override = d.get("val_loss")
    findings = []
    for i, f in enumerate(d.get("findings", [])):
        conf = confidence if i == 0 and confidence is not None else f["confidence"]
        findings.append(Finding(
            name=f["name"], code=f["code"], severity=Severity.parse(f["severity"]), message=f["message"],
            confidence=conf, series=list(f.get("series", [])), onset=_num(f.get("onset")), axis=f.get("axis"),
            evidence=dict(f.get("evidence", {})), causes=list(f.get("causes", [])),
            remedies=list(f.get("remedies", [])), why=f.get("why", ""),
        ))
    skipped = [Skipped(s["name"], s["code"], s["reason"]) for s in d.get("skipped", [])]
    return RunReport(run, findings, skipped)


def to_report(merged: Merged, exit_zero: bool = False) -> Report:
    """A Report every reporter renders: the same runs, findings, errors, notes and exit code; no curves."""
    report = Report(fail_on=merged.fail_on, exit_zero=exit_zero, notes=list(merged.notes),
                    errors=list(merged.errors))
    for d, conf in zip(merged.runs, merged.primary_confidence):
        report.runs.append(run_report(d, conf, merged.fail_on))
    return report


def shows_details(report: Report) -> bool:
    """Whether the rich and markdown reports detail a run (one run; else the runs that are not clean), where
    they would draw its curves."""
    return len(report.runs) == 1 or any(rr.status(report.fail_on) != "ok" for rr in report.runs)
