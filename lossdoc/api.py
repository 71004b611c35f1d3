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
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    executor: str | None = None,
    scheduler: str | None = None,
    shard: tuple[int, int] | str | None = None,
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
    store of many runs (an ``mlflow.db``, an MLflow tracking server's URL) to one run or one experiment.

    Sweeps of paths: ``executor="dask"`` analyses the runs on a Dask cluster (``scheduler``: its address, else
    ``LOSSDOC_DASK_SCHEDULER``, else a LocalCluster here); ``shard=(i, n)`` or ``"i/n"`` only the runs of shard i
    of n (a stable hash of each run's path relative to the path given; ``lossdoc merge`` joins the shards)."""
    shard = parse_shard(shard) if isinstance(shard, str) else shard
    cfg, limits = _prepare(config, fail_on, select, ignore, input_format, max_points, max_bytes, run, experiment)
    report = Report(fail_on=cfg.fail_severity)
    if isinstance(source, (str, os.PathLike)) or (
        isinstance(source, (list, tuple)) and source and all(isinstance(p, (str, os.PathLike)) for p in source)
    ):
        paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        _analyze_paths([str(p) for p in paths], cfg, train, val, report, jobs, progress, limits,
                       executor=executor, scheduler=scheduler, shard=check_sweep(paths, executor, shard))
        return report
    if shard is not None or executor == "dask":
        raise UsageError("--shard and --executor dask take paths (files, run folders, logdirs)")
    from lossdoc.readers.base import reading_options

    with reading_options(dict(limits.options)):
        runs = _runs_from(source, cfg, report, limits.max_bytes)
    for rr, problem in (_check(run, cfg, train, val, limits.max_points) for run in runs):
        if problem is not None:
            report.errors.append(problem)
        else:
            report.runs.append(rr)
    return report


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> (2, 4): shard 2 of 4, counted from 1."""
    try:
        i, n = (int(part) for part in str(text).strip().split("/"))
    except ValueError:
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 1/4 (shard I of N, counted from 1)") from None
    return check_shard((i, n))


def check_shard(shard: tuple[int, int]) -> tuple[int, int]:
    i, n = shard
    if not (n >= 1 and 1 <= i <= n):
        raise UsageError(f"--shard {i}/{n}: I must be between 1 and N (shard I of N, counted from 1)")
    return i, n


EXECUTORS = ("local", "dask")


def check_sweep(
    paths: list, executor: str | None, shard: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Options of a sweep checked before anything is read: a known executor, a valid shard, no stdin with either
    (standard input is this process's, and no hash can place it)."""
    if executor is not None and executor not in EXECUTORS:
        raise UsageError(f"--executor {executor!r}: expected one of {', '.join(EXECUTORS)}")
    if shard is not None:
        shard = check_shard(shard)
    if (shard is not None or executor == "dask") and any(str(p) == "-" for p in paths):
        raise UsageError("standard input ('-') cannot be sharded or sent to Dask workers; give paths")
    if executor == "dask":
        from lossdoc.executors import DASK_MISSING, dask_available

        if not dask_available():
            raise UsageError(DASK_MISSING)
    return shard


def _prepare(
    config: Config | None,
    fail_on: str | None,
    select: list[str] | None,
    ignore: list[str] | None,
    input_format: str | None,
    max_points: int | None,
    max_bytes: int | None,
    run: str | None = None,
    experiment: str | None = None,
) -> tuple[Config, _Limits]:
    """The effective config and limits, checked before anything is read (an unknown format, rule or bad limit is
    a usage error here, once)."""
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
    return cfg, limits


def stream(
    paths: list[str | os.PathLike],
    *,
    render: Callable,
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
    executor: str | None = None,
    scheduler: str | None = None,
    shard: tuple[int, int] | str | None = None,
    exit_zero: bool = False,
    run: str | None = None,
    experiment: str | None = None,
) -> SweepStream:
    """``analyze`` for sweeps too large to hold: iterate over the result to get each unit's runs as soon as they
    are analysed (in the order they finish), each run already turned into what ``render(run_report, fail_on,
    position)`` makes of it (in the worker), then ask ``summary()``. Nothing per run is kept."""
    shard = parse_shard(shard) if isinstance(shard, str) else shard
    cfg, limits = _prepare(config, fail_on, select, ignore, input_format, max_points, max_bytes, run, experiment)
    paths = [str(p) for p in paths]
    shard = check_sweep(paths, executor, shard)
    plan = plan_sweep(paths, cfg, shard, limits.options)
    results = run_sweep(plan, cfg, train, val, limits, jobs=jobs, executor=executor, scheduler=scheduler,
                        progress=progress, render=render)
    return SweepStream(plan, SweepTally(plan, cfg.fail_severity, exit_zero), results)


@dataclass
class SweepStream:
    plan: SweepPlan
    tally: SweepTally
    results: Iterator[UnitResult]

    def __iter__(self) -> Iterator[UnitResult]:
        for res in self.results:
            self.tally.add(res)
            yield res

    def summary(self) -> dict[str, Any]:
        """The tally's ``finish()`` plus what joining shards needs: per path, how many units it split into and
        how many runs and errors this stream found there; the files that are not logs (count, first few)."""
        out = self.tally.finish()
        out["runs"] = self.tally.runs
        out["paths"] = [
            {"path": g.path, "units": g.total, "found": self.tally.found[p]} for p, g in enumerate(self.plan.groups)
        ]
        out["skipped_files"] = {
            "count": self.tally.not_logs,
            "first": [{"path": f, "position": list(pos)} for pos, f in self.tally.not_logs_first],
        }
        return out


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
    *,
    executor: str | None = None,
    scheduler: str | None = None,
    shard: tuple[int, int] | None = None,
) -> None:
    """Every run under ``paths``, into ``report`` in the order of the paths and of the units in each, whatever
    order the executor finishes them in."""
    plan = plan_sweep(paths, cfg, shard, limits.options)
    results: dict[tuple[int, int], UnitResult] = {}
    for res in run_sweep(plan, cfg, train, val, limits, jobs=jobs, executor=executor, scheduler=scheduler,
                         progress=progress):
        results[res.position] = res
    not_logs: list[str] = []
    for p, group in enumerate(plan.groups):
        runs_before, errors_before = len(report.runs), len(report.errors)
        for u, _unit in group.selected:
            res = results[(p, u)]
            report.runs.extend(res.runs)
            report.errors.extend(res.errors)
            not_logs.extend(res.not_logs)
        if group.no_log_error(len(report.runs) - runs_before + len(report.errors) - errors_before):
            report.errors.append(InputProblem(group.path, NO_LOG))
    if not_logs:
        report.notes.append(_not_logs_note(not_logs))


NO_LOG = "no training log found in this folder"


@dataclass
class Group:
    """One path given: the units it splits into (``total`` of them) and the ones this shard takes, as (index among
    all, unit). ``picked``: those indices, None for all (no list of pairs is kept: a folder of 10^5 runs costs the
    parent its units alone, about 200 bytes a run)."""

    path: str
    units: list[Unit]
    picked: list[int] | None = None

    @property
    def total(self) -> int:
        return len(self.units)

    @property
    def count(self) -> int:
        return self.total if self.picked is None else len(self.picked)

    @property
    def selected(self) -> Iterator[tuple[int, Unit]]:
        if self.picked is None:
            return enumerate(self.units)
        return ((i, self.units[i]) for i in self.picked)

    def no_log_error(self, found: int) -> bool:
        """A folder of several units in which no unit held a run or an error is an input error, told once for the
        folder (a folder that is one unit says so itself). A shard that holds only some of the units cannot
        tell: it leaves that to ``lossdoc merge``."""
        return self.total > 1 and found == 0 and self.count == self.total


@dataclass
class SweepPlan:
    groups: list[Group]
    shard: tuple[int, int] | None = None

    @property
    def units(self) -> int:
        return sum(g.count for g in self.groups)


def plan_sweep(
    paths: list[str], cfg: Config, shard: tuple[int, int] | None = None, options: tuple = ()
) -> SweepPlan:
    """The paths split into units (``registry.split``), and with ``shard=(i, n)`` only the units of shard i of n
    (``registry.in_shard``: a stable hash of each unit's path relative to the path given; the shares of one large
    store that ``split`` makes have one path, so they fall in one shard). ``options``: reader options (--run,
    --experiment), which a store's split sees too (the runs of an MLflow server)."""
    from lossdoc.readers.base import reading_options
    from lossdoc.readers.registry import in_shard, split

    groups = []
    for path in paths:
        with reading_options(dict(options)):
            units = split(path, cfg.input_format)
        picked = None if shard is None else [i for i, u in enumerate(units) if in_shard(u, path, *shard)]
        groups.append(Group(path, units, picked))
    return SweepPlan(groups, shard)


@dataclass
class UnitResult:
    """What one unit held: its runs (RunReports, or what ``render`` made of each), the logs that could not be
    read, the files that are not logs, and whether a run has a finding at or above --fail-on."""

    position: tuple[int, int]  # (index of the path given, index of the unit among the path's units)
    runs: list
    errors: list[InputProblem]
    not_logs: list[str]
    failing: bool = False


def _work_unit(
    position: tuple[int, int],
    unit: Unit,
    cfg: Config,
    train: str | None,
    val: str | None,
    limits: _Limits,
    render: Callable[[Any, Any, tuple[int, int, int]], Any] | None = None,
) -> UnitResult:
    """``_work`` for the sweep driver; with ``render`` (a module-level function, so that it pickles) each run is
    turned into what the parent needs (a JSON line) in the worker, so no series crosses back."""
    done, problems, not_logs = _work(unit, cfg, train, val, limits)
    fail_on = cfg.fail_severity
    failing = fail_on is not None and any(f.severity >= fail_on for rr in done for f in rr.findings)
    if render is not None:
        done = [render(rr, fail_on, (*position, k)) for k, rr in enumerate(done)]
    return UnitResult(position, done, problems, not_logs, failing)


def run_sweep(
    plan: SweepPlan,
    cfg: Config,
    train: str | None,
    val: str | None,
    limits: _Limits = _Limits(),
    *,
    jobs: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    render: Callable | None = None,
) -> Iterator[UnitResult]:
    """The plan's units analysed and yielded as they finish (``executor``: None or "local" picks serial or a
    process pool as ``jobs`` and the sizes say; "dask" runs them on a Dask cluster, ``scheduler`` its address)."""
    from lossdoc import executors

    total = plan.units

    def tasks(stdin: bool, serial: bool = False):
        # Made as they are submitted: the parent holds no list of tasks, only the plan's units.
        for p, g in enumerate(plan.groups):
            if serial and g.count == g.total and _shares_of_one_file(g.units):
                # One process: the store read once as a whole (each share would walk it again for its runs);
                # its runs are the first share's result, the other shares' are empty.
                unit0 = g.units[0]
                yield ((p, 0), unit0.path), ((p, 0), replace(unit0, options=()), cfg, train, val, limits, render)
                for u in range(1, g.total):
                    yield ((p, u), unit0.path), None
                continue
            for u, unit in g.selected:
                if (unit.path == "-") == stdin:
                    yield ((p, u), unit.path), ((p, u), unit, cfg, train, val, limits, render)

    def one_by_one(todo):
        # serial, with a share already read as part of its whole store standing for an empty result
        for key, args in todo:
            yield key, (UnitResult(key[0], [], [], []) if args is None else _work_unit(*args))

    done = 0
    for _key, res in executors.serial(_work_unit, tasks(True)):  # stdin belongs to this process
        done += 1
        if progress:
            progress(done, total)
        yield res
    if executor == "dask":
        stream = executors.dask(_work_unit, tasks(False), executors.scheduler_address(scheduler), workers=jobs)
    else:
        workers = _workers([u for g in plan.groups for _, u in g.selected if u.path != "-"], jobs)
        stream = (
            one_by_one(tasks(False, serial=True)) if workers <= 1
            else executors.process_pool(_work_unit, tasks(False), workers)
        )
    for (pos, path), res in stream:
        if isinstance(res, executors.Failed):
            res = UnitResult(pos, [], [InputProblem(path, res.message)], [])
        done += 1
        if progress:
            progress(done, total)
        yield res


def _shares_of_one_file(units: list[Unit]) -> bool:
    """Units that are shares of one large file's runs (``Reader.split_file``: read in parallel by workers)."""
    return len(units) > 1 and all(u.path == units[0].path and dict(u.options).get("share") for u in units)


def _not_logs_note(paths: list[str], show: int = 3) -> str:
    return not_logs_note(paths[:show], len(paths))


def not_logs_note(first: list[str], n: int) -> str:
    """The note about the files no reader recognises: how many, and the names of the first few."""
    show = len(first)
    names = ", ".join(Path(p).name for p in first) + (f" and {n - show:,} more" if n > show else "")
    return f"skipped {n:,} file{'s' if n != 1 else ''} that no reader recognises as a training log ({names})"


class SweepTally:
    """The summary of a sweep whose runs were streamed out as they finished, kept without holding any run: how
    many runs, the input errors (each at its position, so that they come out in the order a report lists them),
    per path how many runs and errors were found, and the files that are not logs (a count and the first few)."""

    SHOW = 3

    def __init__(self, plan: SweepPlan, fail_on, exit_zero: bool = False) -> None:
        self.plan = plan
        self.fail_on = fail_on
        self.exit_zero = exit_zero
        self.runs = 0
        self.failing = False
        self.errors: list[tuple[tuple[int, ...], InputProblem]] = []
        self.found = [0] * len(plan.groups)
        self.not_logs = 0
        self.not_logs_first: list[tuple[tuple[int, ...], str]] = []

    def add(self, res: UnitResult) -> None:
        p, u = res.position
        self.runs += len(res.runs)
        self.failing = self.failing or res.failing
        self.found[p] += len(res.runs) + len(res.errors)
        self.errors += [((p, u, k), e) for k, e in enumerate(res.errors)]
        if res.not_logs:
            self.not_logs += len(res.not_logs)
            self.not_logs_first += [((p, u, k), f) for k, f in enumerate(res.not_logs[: self.SHOW])]
            self.not_logs_first = sorted(self.not_logs_first)[: self.SHOW]

    def finish(self) -> dict[str, Any]:
        """Errors in report order (a folder without any log told after its units), notes, the exit code."""
        errors = list(self.errors)
        for p, group in enumerate(self.plan.groups):
            if group.no_log_error(self.found[p]):
                errors.append(((p, group.total, 0), InputProblem(group.path, NO_LOG)))
        errors.sort(key=lambda item: item[0])
        notes = [not_logs_note([f for _, f in self.not_logs_first], self.not_logs)] if self.not_logs else []
        code = 2 if errors else 0 if self.exit_zero else 1 if self.failing else 0
        return {"errors": errors, "notes": notes, "exit_code": code}


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

