"""lossdoc from Python: ``read`` and ``analyze``. Nothing here prints.

    import lossdoc
    report = lossdoc.analyze("history.json")
    report.exit_code, [f.name for rr in report.runs for f in rr.findings]

``analyze`` accepts a path, a list of paths, a Run or list of Runs, a dict of lists (``{"loss": [...],
"val_loss": [...]}``, as Keras' ``history.history``) or a pandas DataFrame (one column per series; a
``step``/``epoch`` column or a named index is the axis).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from lossdoc.config import Config, check_fail_on
from lossdoc.errors import InputError, UsageError
from lossdoc.model import InputProblem, Report, Run
from lossdoc.naming import normalise

_AXIS_NAMES = {"step": "step", "steps": "step", "global_step": "step", "iter": "step", "iteration": "step",
               "epoch": "epoch", "epochs": "epoch"}


def read(path: str | os.PathLike, input_format: str | None = None) -> list[Run]:
    """Every run in a file, a folder, or ``-`` (stdin). Raises InputError for what cannot be read."""
    from lossdoc.readers.registry import read_path

    return read_path(path, input_format)


def join(paths: list[str], input_format: str | None = None) -> Run:
    """One run from several one-curve files (TensorBoard CSV/JSON exports, MLflow metric files)."""
    from lossdoc.readers.registry import join as _join

    return _join([str(p) for p in paths], input_format)


def run_from_columns(columns: Mapping[str, Any], source: str = "<data>", fmt: str = "python") -> Run:
    """A Run from named columns: a dict of lists/arrays, or a DataFrame's columns."""
    from lossdoc.readers.base import build_series, finish_run

    cols = {str(k): np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    axis_cols = {k: _AXIS_NAMES[normalise(k)] for k in cols if normalise(k) in _AXIS_NAMES}
    steps = next((cols[k] for k, a in axis_cols.items() if a == "step"), None)
    epochs = next((cols[k] for k, a in axis_cols.items() if a == "epoch"), None)
    run = Run(source=source, format=fmt)
    for name, values in cols.items():
        if name in axis_cols:
            continue
        if len({len(values), *(len(a) for a in (steps, epochs) if a is not None)}) != 1:
            raise InputError(source, f"column {name!r} has {len(values)} values; all columns need the same length")
        numbered = epochs is None and steps is None
        s = build_series(name, values, steps=steps, epochs=np.arange(len(values)) if numbered else epochs)
        run.add(s)
    if epochs is None and steps is None:
        run.notes.append("no step or epoch column: epochs numbered 0..n-1, as Keras' CSVLogger writes them")
    if run.train_loss is None and run.val_loss is None:
        raise InputError(source, f"no loss series found (columns: {', '.join(cols) or 'none'})")
    return finish_run(run)


def _runs_from(source: Any, config: Config, report: Report) -> list[Run]:
    """Normalise whatever was passed into Runs; input problems go into the report, not up as exceptions."""
    if isinstance(source, Run):
        return [source]
    if isinstance(source, (str, os.PathLike)):
        try:
            return read(source, config.input_format)
        except InputError as exc:
            report.errors.append(InputProblem(exc.source, exc.problem))
            return []
    if isinstance(source, Mapping):
        return [run_from_columns(source)]
    if type(source).__name__ == "DataFrame":
        df = source
        cols = {str(c): df[c].to_numpy() for c in df.columns}
        if df.index.name and normalise(str(df.index.name)) in _AXIS_NAMES:
            cols = {str(df.index.name): df.index.to_numpy(), **cols}
        return [run_from_columns(cols, source="<DataFrame>")]
    if isinstance(source, Iterable):
        out: list[Run] = []
        for item in source:
            out.extend(_runs_from(item, config, report))
        return out
    raise UsageError(f"cannot analyse a {type(source).__name__}: pass a path, Run, dict of lists or DataFrame")


def analyze(
    source: Any,
    *,
    config: Config | None = None,
    fail_on: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    train: str | None = None,
    val: str | None = None,
    input_format: str | None = None,
) -> Report:
    """Diagnose the runs in ``source``. Keyword arguments override the config's settings."""
    from lossdoc.engine import build_rules, check_run

    cfg = Config(**{k: v for k, v in vars(config or Config()).items()})
    if fail_on is not None:
        cfg.fail_on = check_fail_on(fail_on)
    if select is not None:
        cfg.select = select
    if ignore is not None:
        cfg.ignore = ignore
    for key, value in (("train", train), ("val", val), ("input_format", input_format)):
        if value is not None:
            setattr(cfg, key, value)
    if cfg.input_format:
        from lossdoc.readers.registry import get_reader

        get_reader(cfg.input_format)  # an unknown name is a usage error before anything is read

    rules = build_rules(cfg)
    report = Report(fail_on=cfg.fail_severity)
    for run in _runs_from(source, cfg, report):
        try:
            apply_overrides(run, cfg.train, cfg.val)
        except InputError as exc:
            report.errors.append(InputProblem(exc.source, exc.problem))
            continue
        report.runs.append(check_run(run, rules))
    return report


def apply_overrides(run: Run, train: str | None, val: str | None) -> None:
    """Point the run's train / val loss at the named series (``--train``/``--val``)."""
    for which, name in (("train", train), ("val", val)):
        if name is None:
            continue
        if name not in run.series:
            raise InputError(run.source, f"--{which} {name!r}: no such series (series: {', '.join(run.series)})")
        s = run.series[name]
        s.split, s.kind, s.higher_is_better = which, "loss", False
        setattr(run, f"{which}_override", name)
    if run.train_loss is None and run.val_loss is None:
        names = ", ".join(run.series) or "none"
        raise InputError(run.source, f"no loss series found (series: {names}); name one with --train/--val")


def resolve_paths(paths: list[str]) -> list[str]:
    return [str(Path(p)) if p != "-" else p for p in paths]
