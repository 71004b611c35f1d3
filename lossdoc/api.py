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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lossdoc.config import Config, check_fail_on
from lossdoc.errors import InputError, UsageError
from lossdoc.model import InputProblem, Report, Run
from lossdoc.naming import normalise
from lossdoc.signals import bin_run

if TYPE_CHECKING:
    from lossdoc.readers.registry import Unit

#: Series longer than this are binned (median per bin) before the rules see them; 0 keeps every point.
DEFAULT_MAX_POINTS = 200_000

_AXIS_NAMES = {"step": "step", "steps": "step", "global_step": "step", "iter": "step", "iteration": "step",
               "epoch": "epoch", "epochs": "epoch"}


def read(
    path: str | os.PathLike,
    input_format: str | None = None,
    *,
    max_bytes: int | None = None,
    run: str | None = None,
    experiment: str | None = None,
) -> list[Run]:
    """Every run in a file, a folder, ``-`` (stdin), or an MLflow tracking server's URL (``http://host:5000``).
    Raises InputError for what cannot be read.

    ``max_bytes``: files (and stdin) larger than this are refused with an InputError instead of being read
    (default 1 GiB, ``lossdoc.readers.base.DEFAULT_MAX_BYTES``; 0 means no limit). ``run`` / ``experiment``
    narrow a store of many runs (an ``mlflow.db``, a tracking server) to a run (name or id) or an experiment."""
    from lossdoc.readers.base import reading_limits, reading_options
    from lossdoc.readers.registry import read_path

    with reading_limits(max_bytes), reading_options({"run": run, "experiment": experiment}):
        return read_path(path, input_format)


def join(paths: list[str], input_format: str | None = None, *, max_bytes: int | None = None) -> Run:
    """One run from several one-curve files (TensorBoard CSV/JSON exports, MLflow metric files)."""
    from lossdoc.readers.base import reading_limits
    from lossdoc.readers.registry import join as _join

    with reading_limits(max_bytes):
        return _join([str(p) for p in paths], input_format)


def run_from_columns(columns: Mapping[str, Any], source: str = "<data>", fmt: str = "python") -> Run:
    """A Run from named columns: a dict of lists/arrays, or a DataFrame's columns."""
    from lossdoc.readers.base import build_series, drop_missing, finish_run

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
        run.add(drop_missing(s) if _sparse(values) else s)
    if epochs is None and steps is None:
        run.notes.append("no step or epoch column: epochs numbered 0..n-1, as Keras' CSVLogger writes them")
    if run.train_loss is None and run.val_loss is None:
        raise InputError(source, f"no loss series found (columns: {', '.join(cols) or 'none'})")
    return finish_run(run)


def _sparse(values: np.ndarray) -> bool:
    """A column logged only at some rows (a val loss every N steps in a DataFrame): its NaNs are cells with no
    value, not NaN losses. Told apart from a loss that *became* NaN by finite values after the first NaN and
    at least half the rows empty."""
    nan = np.isnan(values)
    if not nan.any() or nan.mean() < 0.5:
        return False
    first = int(np.argmax(nan))
    return bool(np.isfinite(values[first:]).any())


def _runs_from(source: Any, config: Config, report: Report, max_bytes: int | None = None) -> list[Run]:
    """Normalise whatever was passed into Runs; input problems go into the report, not up as exceptions."""
    if isinstance(source, Run):
        return [source]
    if isinstance(source, (str, os.PathLike)):
        try:
            return read(source, config.input_format, max_bytes=max_bytes)
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
            out.extend(_runs_from(item, config, report, max_bytes))
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
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_points: int | None = None,
    max_bytes: int | None = None,
    run: str | None = None,
    experiment: str | None = None,
) -> Report:
    """Diagnose the runs in ``source``. Keyword arguments override the config's settings.

    Paths are read and checked in parallel across cores when there are several runs and enough data for it to
    pay (``jobs``: None decides, 1 is serial, N uses N worker processes); the report's order never depends on
    it. ``progress(done, total)`` is called as runs finish (the CLI draws a progress bar from it).

    Resource bounds: a series longer than ``max_points`` (default 200,000; 0: no limit) is binned, median per
    bin with NaN/Inf kept, before the rules see it (the run's notes say so); a file larger than ``max_bytes``
    (default 1 GiB; 0: no limit) is an input error instead of being read. ``run`` / ``experiment`` narrow a
    store of many runs (an ``mlflow.db``, an MLflow tracking server's URL) to one run or one experiment."""
    from lossdoc.engine import build_rules

    cfg = replace(config or Config())
    if fail_on is not None:
        cfg.fail_on = check_fail_on(fail_on)
    if select is not None:
        cfg.select = select
    if ignore is not None:
        cfg.ignore = ignore
    for key, value in (("input_format", input_format),):
        if value is not None:
            setattr(cfg, key, value)
    if cfg.input_format:
        from lossdoc.readers.registry import get_reader

        get_reader(cfg.input_format)  # an unknown name is a usage error before anything is read

    build_rules(cfg)  # bad --select/--ignore or rule parameters fail here, once, before any work
    limits = _Limits(
        DEFAULT_MAX_POINTS if max_points is None else _non_negative("max_points", max_points),
        None if max_bytes is None else _non_negative("max_bytes", max_bytes),
        tuple((k, v) for k, v in (("run", run), ("experiment", experiment)) if v is not None),
    )
    report = Report(fail_on=cfg.fail_severity)
    if isinstance(source, (str, os.PathLike)) or (
        isinstance(source, (list, tuple)) and source and all(isinstance(p, (str, os.PathLike)) for p in source)
    ):
        paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        _analyze_paths([str(p) for p in paths], cfg, train, val, report, jobs, progress, limits)
        return report
    from lossdoc.readers.base import reading_options

    with reading_options(dict(limits.options)):
        runs = _runs_from(source, cfg, report, limits.max_bytes)
    for rr, problem in (_check(run, cfg, train, val, limits.max_points) for run in runs):
        if problem is not None:
            report.errors.append(problem)
        else:
            report.runs.append(rr)
    return report


@dataclass(frozen=True)
class _Limits:
    max_points: int = DEFAULT_MAX_POINTS
    max_bytes: int | None = None  # None: the readers' default
    options: tuple[tuple[str, str], ...] = ()  # reader options (--run, --experiment)


def _non_negative(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise UsageError(f"{name} must be a whole number >= 0 (0: no limit), not {value!r}")
    return int(value)


def _check(
    run: Run, cfg: Config, train: str | None, val: str | None, max_points: int = DEFAULT_MAX_POINTS
) -> tuple[Any, InputProblem | None]:
    """Bin very long series, apply the train/val choice (command line, then [formats.<format>], then the top
    level) and run the rules."""
    from lossdoc.engine import build_rules, check_run

    run = bin_run(run, max_points)
    per_format = cfg.formats.get(run.format, {})
    try:
        apply_overrides(
            run,
            train if train is not None else per_format.get("train", cfg.train),
            val if val is not None else per_format.get("val", cfg.val),
        )
    except InputError as exc:
        return None, InputProblem(exc.source, exc.problem)
    return check_run(run, build_rules(cfg)), None


# ---------------------------------------------------------------------------------------------- many runs

PARALLEL_MIN_BYTES = 2_000_000  # below this, starting worker processes costs more than it saves


def _work(
    unit: Unit, cfg: Config, train: str | None, val: str | None, limits: _Limits = _Limits()
) -> tuple[list, list[InputProblem], list[str]]:
    """Read one unit and check its runs; runs in a worker process, so everything returned pickles."""
    from lossdoc.readers.base import reading_limits, reading_options
    from lossdoc.readers.registry import read_unit

    with reading_limits(limits.max_bytes), reading_options(dict(limits.options)):
        found = read_unit(unit, cfg.input_format)
    done, problems = [], [InputProblem(exc.source, exc.problem) for exc in found.errors]
    for run in found.runs:
        rr, problem = _check(run, cfg, train, val, limits.max_points)
        if problem is not None:
            problems.append(problem)
        else:
            _share_equal_positions(rr.run)
            done.append(rr)
    return done, problems, found.not_logs


def _share_equal_positions(run: Run) -> None:
    """Make series whose step (or epoch) positions are equal share one array: a worker then sends it to the
    parent once (pickle keeps shared objects shared). Logs write many tags at the same steps; a logdir of 20
    runs x 5 tags x 200k steps sends 40% less. Nothing changes what the arrays hold; nothing mutates them."""
    seen: dict[tuple, list[np.ndarray]] = {}
    for s in run.series.values():
        for attr in ("steps", "epochs"):
            arr = getattr(s, attr)
            if arr is None or len(arr) < 1024:
                continue
            key = (attr, len(arr), arr[0].tobytes(), arr[-1].tobytes())
            for other in seen.setdefault(key, []):
                if other is arr or np.array_equal(other.view(np.uint64), arr.view(np.uint64)):  # bit for bit
                    setattr(s, attr, other)
                    break
            else:
                seen[key].append(arr)


def _analyze_paths(
    paths: list[str],
    cfg: Config,
    train: str | None,
    val: str | None,
    report: Report,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    limits: _Limits = _Limits(),
) -> None:
    from lossdoc.readers.base import reading_options
    from lossdoc.readers.registry import split

    with reading_options(dict(limits.options)):  # a store's split (runs of an MLflow server) sees --run too
        groups: list[tuple[str, list[Unit]]] = [(path, split(path, cfg.input_format)) for path in paths]
    units = [u for _, us in groups for u in us]
    results: dict[Unit, tuple[list, list[InputProblem], list[str]]] = {}
    workers = _workers(units, jobs)
    total = len(units)
    if workers <= 1:
        done = 0
        for _, us in groups:
            if _shares_of_one_file(us):
                # one process: the file read once (each share would walk the whole store again for its runs)
                results.update({u: ([], [], []) for u in us[1:]})
                results[us[0]] = _work(replace(us[0], options=()), cfg, train, val, limits)
                todo = []
            else:
                todo = us
            for u in todo:
                results[u] = _work(u, cfg, train, val, limits)
                done += 1
                if progress:
                    progress(done, total)
            if not todo:
                done += len(us)
                if progress:
                    progress(done, total)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        local = [u for u in units if u.path == "-"]  # stdin belongs to this process
        for u in local:
            results[u] = _work(u, cfg, train, val, limits)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_work, u, cfg, train, val, limits): u for u in units if u.path != "-"}
            done = len(local)
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, total)
    not_logs: list[str] = []
    for path, us in groups:
        runs_before, errors_before = len(report.runs), len(report.errors)
        for u in us:
            rrs, problems, skipped = results[u]
            report.runs.extend(rrs)
            report.errors.extend(problems)
            not_logs.extend(skipped)
        if len(us) > 1 and len(report.runs) == runs_before and len(report.errors) == errors_before:
            report.errors.append(InputProblem(path, "no training log found in this folder"))
    if not_logs:
        report.notes.append(_not_logs_note(not_logs))


def _shares_of_one_file(units: list[Unit]) -> bool:
    """Units that are shares of one large file's runs (``Reader.split_file``: read in parallel by workers)."""
    return len(units) > 1 and all(u.path == units[0].path and dict(u.options).get("shard") for u in units)


def _not_logs_note(paths: list[str], show: int = 3) -> str:
    n = len(paths)
    names = ", ".join(Path(p).name for p in paths[:show]) + (f" and {n - show:,} more" if n > show else "")
    return f"skipped {n:,} file{'s' if n != 1 else ''} that no reader recognises as a training log ({names})"


#: Many small runs (a sweep) pay for worker processes even when each is tiny.
PARALLEL_MIN_UNITS = 64


def _workers(units: list[Unit], jobs: int | None) -> int:
    remote = [u for u in units if u.path != "-"]
    if jobs is not None:
        return max(1, min(jobs, len(remote)))
    cores = os.cpu_count() or 1
    if len(remote) < 2 or cores < 2:
        return 1
    if len(remote) < PARALLEL_MIN_UNITS and sum(u.size() for u in remote) < PARALLEL_MIN_BYTES:
        return 1  # a few small logs: starting worker processes would cost more than it saves
    return min(cores, len(remote), 32)


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

