"""MLflow's file store: ``mlruns/<experiment_id>/<run_id>/metrics/<metric name>``.

Each metric file holds one line per logged point, ``<timestamp ms> <value> <step>`` (MLflow before 1.0 wrote no
step). Metric names with ``/`` become sub-folders of ``metrics/``; the series is named by the path below
``metrics/`` (``metrics/train/loss`` -> ``train/loss``). A run's name is the ``run_name:`` line of its
``meta.yaml`` (read by hand: no YAML library, nothing evaluated), else its ``mlflow.runName`` tag, else its id.

Accepted: a single metric file, a ``metrics`` folder, a run folder, an experiment folder, or an ``mlruns`` folder.
Runs MLflow marks deleted are skipped when reading an experiment or ``mlruns`` folder.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import is_epoch_tag
from lossdoc.readers.base import HEAD_BYTES, Reader, Source, build_series, decode_text, read_file
from lossdoc.readers.registry import walk

FORMAT = "mlflow"
MAX_METRIC_FILES = 10_000
MAX_CHILDREN = 10_000
SNIFF_CHILDREN = 50  # folders looked into when sniffing an experiment / mlruns folder

_INT = r"[+-]?\d++"  # possessive: a hostile line of digits is rejected in linear time
_FLOAT = r"[+-]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?|[+-]?(?:nan|inf|infinity)"
_LINE = re.compile(rf"^\s*({_INT})\s+({_FLOAT})\s+({_INT})\s*$", re.IGNORECASE)
_LINE_NO_STEP = re.compile(rf"^\s*({_INT})\s+({_FLOAT})\s*$", re.IGNORECASE)
# Milliseconds since 1970: from 1973 to 5138, so that three small numbers are not taken for MLflow.
_TS_MIN, _TS_MAX = 10**11, 10**14


# ------------------------------------------------------------------------------------------- metric files


def sniff_bytes(head: bytes, path: Path | None = None) -> bool:
    """Every complete non-empty line is ``<timestamp ms> <value> <step>``."""
    if b"\x00" in head[:4096]:
        return False
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        return False
    lines = text.split("\n")
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the head may end inside a line
    seen = 0
    in_metrics = path is not None and "metrics" in path.parts[:-1]
    for line in lines:
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            return False
        ts = int(m.group(1))
        if not in_metrics and not (_TS_MIN <= ts <= _TS_MAX):
            return False
        seen += 1
    return seen > 0


def parse_metric(raw: bytes, label: str) -> tuple[list[float], list[float] | None, list[str]]:
    """Values, steps (None when the file has no step column) and notes. Malformed lines are skipped and noted."""
    text = decode_text(raw, label)
    values: list[float] = []
    steps: list[float] = []
    notes: list[str] = []
    no_step = 0
    bad: list[int] = []
    lines = text.split("\n")
    last = max((i for i, ln in enumerate(lines) if ln.strip()), default=-1)
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is not None:
            values.append(float(m.group(2)))
            steps.append(float(m.group(3)))
            continue
        m = _LINE_NO_STEP.match(line)
        if m is not None and not (i == last and not text.endswith("\n") and steps):
            values.append(float(m.group(2)))
            steps.append(float("nan"))
            no_step += 1
            continue
        if i == last and not text.endswith("\n"):
            notes.append(f"{label}: last line incomplete (still being written?); skipped")
        else:
            bad.append(i + 1)
    if bad:
        shown = ", ".join(str(b) for b in bad[:5]) + (" ..." if len(bad) > 5 else "")
        notes.append(f"{label}: {len(bad)} malformed line(s) skipped (line {shown})")
    if no_step:
        if no_step == len(values):
            return values, None, notes  # MLflow < 1.0: no steps at all
        # A mix: fill the missing steps from the previous one.
        prev = 0.0
        for k, s in enumerate(steps):
            if math.isnan(s):
                steps[k] = prev
            prev = steps[k]
        notes.append(f"{label}: {no_step} line(s) without a step; gave them the previous step")
    return values, steps, notes


def metric_series(name: str, values, steps, notes: list[str], label: str):
    """One MLflow metric as a Series (shared by the file store, ``mlflow.db`` and the tracking server): on the
    step axis, the epoch axis for ``epoch_*`` names, and in logging order when every point has the same step."""
    if steps is not None and len(steps) > 1:
        first = steps[0]
        if (np.asarray(steps, dtype=np.float64) == first).all():
            notes.append(f"{label}: every point has step {first:g}; using the logging order as the x axis")
            steps = None
    if steps is None:
        return build_series(name, values)
    if is_epoch_tag(name):
        return build_series(name, values, epochs=steps)
    return build_series(name, values, steps=steps)


# A metric file saved out of its store under its flattened path: "<...>mlruns-<exp>-<run>-metrics-<metric>".
_FLAT_NAME = re.compile(r"mlruns.*?[-_]metrics[-_](?P<metric>.+)$")


def _metric_name(path: Path) -> str:
    """The metric's name: its path below the nearest ``metrics`` folder, or the file name (the part after
    ``metrics-`` in a flattened ``...mlruns-<exp>-<run>-metrics-<metric>`` name)."""
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "metrics":
            return "/".join(parts[i + 1 :])
    m = _FLAT_NAME.search(path.name)
    return m.group("metric") if m else path.name


# ------------------------------------------------------------------------------------------- run folders


def meta_value(meta: Path, key: str) -> str | None:
    """One top-level ``key: value`` line of a meta.yaml, read by hand (quotes removed)."""
    try:
        with open(meta, "rb") as fh:
            raw = fh.read(256 * 1024)
    except OSError:
        return None
    text = raw.decode("utf-8", errors="replace")
    prefix = key + ":"
    for line in text.splitlines():
        if line.startswith(prefix):
            val = line[len(prefix) :].strip()
            if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
                val = val[1:-1]
                if line[len(prefix) :].strip()[0] == "'":
                    val = val.replace("''", "'")
            return val or None
    return None


def _is_run_dir(path: Path) -> bool:
    return (path / "metrics").is_dir() and ((path / "meta.yaml").is_file() or _metrics_sniff(path / "metrics"))


def _metrics_sniff(metrics: Path) -> bool:
    """A metrics folder: its first metric file (found within a few entries) looks like one."""
    seen = 0
    for root, dirs, files in walk(metrics, strict=False):
        dirs.sort()
        for f in sorted(files):
            seen += 1
            if seen > SNIFF_CHILDREN:
                return False
            if f.startswith("."):
                continue
            p = Path(root) / f
            try:
                with open(p, "rb") as fh:
                    head = fh.read(HEAD_BYTES)
            except OSError:
                continue
            if head.strip():
                return sniff_bytes(head, p)
    return False


def _children(path: Path, limit: int) -> list[Path]:
    out = []
    with os.scandir(path) as it:
        for k, e in enumerate(it):
            if k >= limit:
                break
            if e.name.startswith(".") or e.name == "models":  # .trash, the model registry
                continue
            if e.is_dir(follow_symlinks=False):
                out.append(Path(e.path))
    return sorted(out)


def _run_dirs(path: Path, limit: int = MAX_CHILDREN) -> list[Path]:
    """Run folders of an experiment folder (depth 1) or an mlruns folder (depth 2), also when given the project
    folder that holds ``mlruns/``."""
    if (path / "mlruns").is_dir():
        path = path / "mlruns"
    runs: list[Path] = []
    for child in _children(path, limit):
        if _is_run_dir(child):
            runs.append(child)
        else:
            runs.extend(g for g in _children(child, limit) if _is_run_dir(g))
    return runs


def read_metrics_dir(metrics: Path, run: Run) -> None:
    files: list[Path] = []
    for root, dirs, names in walk(metrics):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
        if len(files) > MAX_METRIC_FILES:
            raise InputError(str(metrics), f"more than {MAX_METRIC_FILES:,} metric files")
    for f in sorted(files):
        name = f.relative_to(metrics).as_posix()
        try:
            raw = read_file(f)
        except OSError as exc:
            run.notes.append(f"{f}: cannot be read ({exc.strerror or exc}); skipped")
            continue
        except InputError as exc:  # over --max-bytes
            run.notes.append(f"{exc}; skipped")
            continue
        if not raw.strip():
            continue  # created, nothing logged yet
        try:
            values, steps, notes = parse_metric(raw, str(f))
        except InputError as exc:
            run.notes.append(f"{exc}; skipped")
            continue
        run.notes.extend(notes)
        if values:
            run.add(metric_series(name, values, steps, run.notes, str(f)))


def read_run_dir(run_dir: Path, metrics: Path | None = None) -> Run:
    metrics = metrics or run_dir / "metrics"
    meta = run_dir / "meta.yaml"
    run_id = meta_value(meta, "run_id") or run_dir.name
    name = meta_value(meta, "run_name")
    if not name:
        tag = run_dir / "tags" / "mlflow.runName"
        try:
            with open(tag, "rb") as fh:
                name = fh.read(4096).decode("utf-8", errors="replace").strip() or None
        except OSError:
            name = None
    run = Run(source=str(run_dir), format=FORMAT, name=name or run_id)
    run.meta["run_id"] = run_id
    exp = meta_value(meta, "experiment_id")
    if exp is not None:
        run.meta["experiment_id"] = exp
    status = meta_value(meta, "lifecycle_stage")
    if status == "deleted":
        run.notes.append("MLflow marks this run deleted")
    read_metrics_dir(metrics, run)
    return run


class MlflowReader(Reader):
    name = "mlflow"
    description = "MLflow file store (mlruns/<experiment>/<run>/metrics/*): a metric file, a run, an experiment"
    handles_dirs = True
    example = "mlruns/0/<run id>/metrics/loss"
    priority = 14

    def sniff(self, head: bytes, path: Path | None) -> bool:
        return sniff_bytes(head, path)

    def sniff_dir(self, path: Path) -> bool:
        if path.name == "metrics" and _metrics_sniff(path):
            return True
        if _is_run_dir(path):
            return True
        return bool(_run_dirs(path, SNIFF_CHILDREN))

    def read(self, source: Source) -> list[Run]:
        try:
            raw = source.read_bytes()
        except OSError as exc:
            raise InputError(source.label, exc.strerror or str(exc)) from None
        values, steps, notes = parse_metric(raw, source.label)
        if not values:
            raise InputError(source.label, "no '<timestamp> <value> <step>' lines")
        name = _metric_name(source.path) if source.path is not None else "value"
        run = Run(source=source.label, format=FORMAT)
        run.notes.extend(notes)
        run.add(metric_series(name, values, steps, run.notes, source.label))
        return [run]

    def read_dir(self, path: Path) -> list[Run]:
        try:
            if _is_run_dir(path):
                runs = [read_run_dir(path)]
            elif path.name == "metrics":
                parent = path.parent
                runs = [read_run_dir(parent, path) if (parent / "meta.yaml").is_file() else _bare(path)]
            else:
                runs = []
                for d in _run_dirs(path):
                    if meta_value(d / "meta.yaml", "lifecycle_stage") == "deleted":
                        continue
                    runs.append(read_run_dir(d))
        except OSError as exc:
            raise InputError(str(path), exc.strerror or str(exc)) from None
        runs = [r for r in runs if r.series]
        if not runs:
            raise InputError(str(path), "no MLflow metrics found here")
        return runs


def _bare(metrics: Path) -> Run:
    run = Run(source=str(metrics), format=FORMAT, name=metrics.parent.name or None)
    read_metrics_dir(metrics, run)
    return run


READERS = [MlflowReader]
