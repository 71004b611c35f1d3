"""MLflow's SQLite store: ``mlflow.db`` (the default tracking store since MLflow 3.7).

Recognised by content: the SQLite header, then MLflow's tables (``metrics``, ``runs``, ``experiments``). Every
run becomes one Run: its metrics from the ``metrics`` table (key, value, timestamp, step, is_nan, run_uuid) in
logging order (timestamp, then step), with ``is_nan = 1`` read back as NaN and MLflow's stand-ins for infinity
(+-1.7976931348623157e308, the largest double) read back as +-Inf; its name from ``runs.name`` (else the
``mlflow.runName`` tag), its experiment from ``experiments``. ``--run NAME|ID`` and ``--experiment NAME|ID``
narrow the store to the runs asked for.

The database is opened read-only through SQLite (``file:...?mode=ro``, never ``immutable``), so a training
process that writes to it meanwhile is safe: each run is read in its own short read transaction, and lossdoc
never takes a write lock, creates a journal or changes the file. Runs MLflow marks deleted are skipped, and so
are runs that logged nothing (counted in a note); when some runs log a loss, runs that log only other metrics
(an evaluation run, a quantisation run) are skipped too, with a note naming how many.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers.base import Reader, Source, reader_option
from lossdoc.readers.mlflow import metric_series

FORMAT = "mlflow-db"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: MLflow stores +-Inf as the largest finite double (SQL has no infinity); read back as Inf.
DBL_MAX = np.finfo(np.float64).max
_NEEDED = {"metrics", "runs", "experiments"}


def is_sqlite(head: bytes) -> bool:
    return head.startswith(SQLITE_MAGIC)


#: Seconds a query waits for a writer's lock (SQLite's busy timeout), and how many times it is tried: MLflow's own
#: writes hold the lock for milliseconds; a lock held past this is reported (``locked``), not waited out.
BUSY_TIMEOUT = 1.0
BUSY_TRIES = 3


def connect(source: Source) -> sqlite3.Connection:
    """A read-only connection: the file through a ``mode=ro`` URI (a live writer stays safe: no ``immutable``),
    or standard input's bytes deserialised into memory."""
    if source.path is not None:
        uri = Path(source.path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT, check_same_thread=False)
    else:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.deserialize(source.read_bytes())
    conn.execute("PRAGMA query_only = ON")
    return conn


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def is_mlflow(conn: sqlite3.Connection) -> bool:
    return _NEEDED <= tables(conn) and {"key", "value", "run_uuid"} <= columns(conn, "metrics")


@dataclass
class RunInfo:
    run_id: str
    name: str | None
    status: str | None
    deleted: bool
    experiment_id: str
    experiment: str | None

    @property
    def label(self) -> str:
        return self.name or self.run_id


def describe_store(store: str, info: RunInfo) -> str:
    """Where a run came from, for ``inspect``: ``mlflow.db experiment 'x' run 'y' (id)``."""
    exp = info.experiment if info.experiment is not None else info.experiment_id
    return f"{store} experiment {exp!r} run {info.label!r} ({info.run_id})"


def list_runs(conn: sqlite3.Connection) -> list[RunInfo]:
    run_cols = columns(conn, "runs")
    exp_cols = columns(conn, "experiments")
    name = "r.name" if "name" in run_cols else "NULL"
    status = "r.status" if "status" in run_cols else "NULL"
    stage = "r.lifecycle_stage" if "lifecycle_stage" in run_cols else "NULL"
    exp_stage = "e.lifecycle_stage" if "lifecycle_stage" in exp_cols else "NULL"
    start = "r.start_time" if "start_time" in run_cols else "NULL"
    rows = conn.execute(
        f"SELECT r.run_uuid, {name}, {status}, {stage}, {exp_stage}, r.experiment_id, e.name "
        "FROM runs r LEFT JOIN experiments e ON e.experiment_id = r.experiment_id "
        f"ORDER BY r.experiment_id, {start}, r.run_uuid"
    ).fetchall()
    tag_names: dict[str, str] = {}
    if "tags" in tables(conn) and any(not r[1] for r in rows):
        tag_names = dict(conn.execute("SELECT run_uuid, value FROM tags WHERE key = 'mlflow.runName'").fetchall())
    return [
        RunInfo(
            run_id=str(run_id),
            name=(rname or tag_names.get(run_id) or None),
            status=rstatus,
            deleted="deleted" in (rstage, estage),
            experiment_id=str(exp_id),
            experiment=exp_name,
        )
        for run_id, rname, rstatus, rstage, estage, exp_id, exp_name in rows
    ]


def select_runs(infos: list[RunInfo], label: str) -> tuple[list[RunInfo], bool]:
    """The runs ``--experiment`` / ``--run`` ask for (deleted runs only when named by ``--run``), and whether
    the user narrowed the store. Asking for something the store does not hold is an InputError that lists
    what it does hold."""
    exp = reader_option("experiment")
    want = reader_option("run")
    chosen = infos
    if exp is not None:
        chosen = [i for i in chosen if exp in (i.experiment, i.experiment_id)]
        if not chosen:
            names = sorted({i.experiment or i.experiment_id for i in infos if not i.deleted})
            raise InputError(label, f"no experiment {exp!r} with runs here (experiments: {_listing(names)})")
    if want is not None:
        picked = [i for i in chosen if want in (i.name, i.run_id)]
        if not picked and len(want) >= 6:  # a run id as the UI shortens it
            picked = [i for i in chosen if i.run_id.startswith(want)]
        if not picked:
            names = list(dict.fromkeys(i.label for i in chosen if not i.deleted))
            raise InputError(label, f"no run {want!r} here (runs: {_listing(names)})")
        return picked, True
    return [i for i in chosen if not i.deleted], exp is not None


def _listing(names: list[str], show: int = 10) -> str:
    if not names:
        return "none"
    return ", ".join(repr(n) for n in names[:show]) + (f", ... ({len(names)} in all)" if len(names) > show else "")


def metric_rows(conn: sqlite3.Connection, run_id: str, have: set[str]) -> list[tuple]:
    """(key, step, value, is_nan) of one run in logging order, in one short read transaction."""
    step = "step" if "step" in have else "0"
    is_nan = "is_nan" if "is_nan" in have else "0"
    order = "timestamp, step" if {"timestamp", "step"} <= have else ("timestamp" if "timestamp" in have else "rowid")
    return conn.execute(
        f"SELECT key, {step}, value, {is_nan} FROM metrics WHERE run_uuid = ? ORDER BY key, {order}", (run_id,)
    ).fetchall()


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc) for w in ("locked", "busy"))


def _retry(query, tries: int = BUSY_TRIES):
    """A query that a writer's lock held up (SQLITE_BUSY beyond the timeout) is tried again a few times."""
    for k in range(tries):
        try:
            return query()
        except sqlite3.OperationalError as exc:
            if k == tries - 1 or not _is_busy(exc):
                raise
            time.sleep(0.05 * (k + 1))
    return None  # pragma: no cover


def to_values(values: np.ndarray, is_nan: np.ndarray) -> np.ndarray:
    """MLflow's stored numbers back to what was logged: is_nan -> NaN, +-DBL_MAX -> +-Inf."""
    out = values.astype(np.float64, copy=True)
    out[out == DBL_MAX] = np.inf
    out[out == -DBL_MAX] = -np.inf
    out[is_nan.astype(bool)] = np.nan
    return out


def build_run(label: str, store: str, info: RunInfo, metrics: dict[str, tuple[np.ndarray, np.ndarray]]) -> Run:
    """A Run from one MLflow run's metrics: ``{key: (steps, values)}`` (values already NaN/Inf-restored)."""
    run = Run(source=label, format=FORMAT, name=info.label)
    run.meta.update(run_id=info.run_id, experiment_id=info.experiment_id, experiment=info.experiment,
                    status=info.status, store=describe_store(store, info))
    status_note = STATUS_NOTES.get((info.status or "").upper())
    if status_note:
        run.notes.append(f"MLflow run status {info.status}: {status_note}")
    for key, (steps, values) in metrics.items():
        if len(values):
            run.add(metric_series(key, values, steps, run.notes, f"{info.label}: {key}"))
    return run


STATUS_NOTES = {
    "RUNNING": "still training, or the process died without ending the run (killed, crashed, a notebook left open)",
    "FAILED": "the training process ended with an error",
    "KILLED": "the run was stopped before it finished",
    "SCHEDULED": "the run had not started when the store was read",
}


def group_rows(rows: list[tuple]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Rows sorted by key -> ``{key: (steps, values)}``."""
    if not rows:
        return {}
    keys, steps, values, nans = zip(*rows, strict=True)
    steps_a = np.asarray(steps, dtype=np.float64)
    vals = to_values(np.asarray(values, dtype=np.float64), np.asarray(nans, dtype=np.int8))
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    start = 0
    n = len(keys)
    while start < n:
        key = keys[start]
        end = start + 1
        while end < n and keys[end] == key:
            end += 1
        out[str(key)] = (steps_a[start:end], vals[start:end])
        start = end
    return out


def keep_loss_runs(runs: list[Run], skipped_empty: list[str], narrowed: bool) -> list[Run]:
    """Runs that log a loss; the others (evaluation-only runs) are named in a note, unless the user picked runs
    or no run logs a loss at all (then each is kept, and says for itself what it lacks)."""
    has_loss = [any(s.kind == "loss" for s in r.series.values()) for r in runs]
    with_loss = [r for r, ok in zip(runs, has_loss, strict=True) if ok]
    notes = []
    if skipped_empty:
        notes.append(f"{len(skipped_empty)} run(s) with no metrics skipped ({_listing(skipped_empty, 5)})")
    if not narrowed and with_loss and len(with_loss) < len(runs):
        others = [r.name or "" for r, ok in zip(runs, has_loss, strict=True) if not ok]
        notes.append(f"{len(others)} run(s) that log no loss, only other metrics, not analysed "
                     f"({_listing(others, 5)}); name one with --run to see it")
        runs = with_loss
    if runs and notes:
        runs[0].notes.extend(notes)
    return runs


def unique_names(runs: list[Run]) -> None:
    """Two MLflow runs may share a name: those get the first 8 characters of their id after it."""
    seen: dict[str, int] = {}
    for r in runs:
        seen[r.name or ""] = seen.get(r.name or "", 0) + 1
    for r in runs:
        if seen[r.name or ""] > 1:
            r.name = f"{r.name} ({r.meta['run_id'][:8]})"


#: From this size on, a store's metrics are read from its pages (lossdoc/readers/_sqlite_pages.py) rather than
#: row by row through SQLite (1-2 us a row from Python: 3M rows take 4-6 s, the pages under 1 s).
BULK_MIN_BYTES = 16 * 1024**2
#: A store this large with this many runs is read by several worker processes, each a share of its runs.
SPLIT_MIN_BYTES = 32 * 1024**2
SPLIT_MIN_RUNS = 64


def _bulk_metrics(conn: sqlite3.Connection, source: Source, wanted: set[str]) -> dict | None:
    """``{run_id: {key: (steps, values)}}`` for the wanted runs, from the metrics table's pages, inside one read
    transaction (SQLite's shared lock: no writer commits while the pages are read); None to read row by row."""
    from lossdoc.readers import _sqlite_pages as pages

    if source.path is None:
        return None
    try:
        if Path(source.path).stat().st_size < BULK_MIN_BYTES:
            return None
        conn.execute("BEGIN")
    except (OSError, sqlite3.Error):
        return None
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # takes the shared lock
        t = pages.read_table(conn, str(Path(source.path).resolve()), "metrics")
        if t is None or not {"key", "value", "run_uuid"} <= set(t.types) and t.n:
            return None
        if not t.n:
            return {}
        run = pages.texts(t, "run_uuid")
        key = pages.few_texts(t, "key")
        value = pages.reals(t, "value")
        step = pages.ints(t, "step") if "step" in t.types else np.zeros(t.n, dtype=np.int64)
        stamp = pages.ints(t, "timestamp") if "timestamp" in t.types else np.zeros(t.n, dtype=np.int64)
        nan = pages.ints(t, "is_nan") if "is_nan" in t.types else np.zeros(t.n, dtype=np.int64)
    except sqlite3.Error:
        return None
    finally:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error:
            pass
    if run is None or key is None or value is None or step is None or stamp is None or nan is None:
        return None
    run_ids, run_code = run
    keys, key_code = key
    values = to_values(value, nan)
    order = np.argsort(run_code, kind="stable")  # each run's rows together, in rowid order
    bounds = np.flatnonzero(np.diff(run_code[order])) + 1
    out: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for rows in np.split(order, bounds) if len(order) else ():
        rid = run_ids[int(run_code[rows[0]])].decode("utf-8", errors="replace")
        if rid not in wanted:
            continue
        series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        kc = key_code[rows]
        for k in np.unique(kc).tolist():
            r = rows[kc == k]
            ts, st = stamp[r], step[r]
            if len(r) > 1 and not ((np.diff(ts) > 0) | ((np.diff(ts) == 0) & (np.diff(st) >= 0))).all():
                r = r[np.lexsort((st, ts))]  # logging order: timestamp, then step (as the SQL path orders)
            series[keys[k].decode("utf-8", errors="replace")] = (step[r].astype(np.float64), values[r])
        out[rid] = dict(sorted(series.items()))
    return out


def _share(chosen: list[RunInfo]) -> list[RunInfo]:
    """The share of the runs a worker reads when a large store was split (``split_file``): ``share = "k/n"``
    (named apart from ``--shard I/N``, which picks whole units of a sweep)."""
    spec = reader_option("share")
    if not spec:
        return chosen
    k, n = (int(x) for x in spec.split("/"))
    return chosen[k * len(chosen) // n : (k + 1) * len(chosen) // n]


class MlflowDbReader(Reader):
    name = "mlflow-db"
    description = "MLflow SQLite store (mlflow.db): every run, or those --run / --experiment name"
    example = "mlflow.db"
    priority = 8

    def sniff(self, head: bytes, path: Path | None) -> bool:
        """An SQLite database with MLflow's tables; or one that SQLite cannot read now (locked by a writer, cut
        short, damaged) whose first pages name MLflow's tables or whose file name says mlflow: reading it then
        says what is wrong, instead of "not a training log". Other SQLite files (an Optuna study, a cache) are
        not logs."""
        if not is_sqlite(head):
            return False
        names_mlflow = (b"run_uuid" in head or b"alembic_version" in head) and b"metrics" in head
        if path is None:  # standard input: MLflow's schema names near the start of the file
            return names_mlflow
        hinted = names_mlflow or "mlflow" in path.name.lower()
        try:
            conn = connect(Source(str(path), path))
        except sqlite3.Error:
            return hinted
        try:
            return is_mlflow(conn) or "mlflow" in path.name.lower()
        except sqlite3.DatabaseError:  # busy with a writer, truncated, damaged: the names decide
            return hinted
        finally:
            conn.close()

    def split_file(self, path: Path) -> list[dict[str, str]] | None:
        """A large store of many runs: one share of its runs per core (read and analysed in parallel)."""
        import os

        try:
            if path.stat().st_size < SPLIT_MIN_BYTES:
                return None
            conn = connect(Source(str(path), path))
            try:
                n_runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            finally:
                conn.close()
        except (OSError, sqlite3.Error):
            return None
        shares = min(os.cpu_count() or 1, n_runs // (SPLIT_MIN_RUNS // 2))
        if n_runs < SPLIT_MIN_RUNS or shares < 2:
            return None
        return [{"share": f"{k}/{shares}"} for k in range(shares)]

    def read(self, source: Source) -> list[Run]:
        label = source.label
        try:
            conn = connect(source)
        except (sqlite3.Error, OSError) as exc:
            raise InputError(label, f"cannot open the SQLite database ({exc})") from None
        try:
            return self._read(conn, source)
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise InputError(label, f"the database is locked by another process (still locked after "
                                 f"{BUSY_TRIES} waits of {BUSY_TIMEOUT:g} s: a writer in a long transaction?); "
                                 "try again when it is done") from None
            raise InputError(label, f"an SQLite database that cannot be read ({exc}): cut short or damaged, e.g. "
                             "copied while it was being written?") from None
        finally:
            conn.close()

    def _read(self, conn: sqlite3.Connection, source: Source) -> list[Run]:
        label = source.label
        if not _retry(lambda: is_mlflow(conn)):
            raise InputError(label, "an SQLite database without MLflow's tables (metrics, runs, experiments)")
        have = columns(conn, "metrics")
        chosen, narrowed = select_runs(_retry(lambda: list_runs(conn)), label)
        chosen = _share(chosen)
        store = Path(label).name
        runs: list[Run] = []
        empty: list[str] = []
        damaged: list[str] = []
        bulk = _bulk_metrics(conn, source, {i.run_id for i in chosen}) if len(chosen) > 1 else None
        for info in chosen:
            try:
                metrics = bulk.get(info.run_id, {}) if bulk is not None else group_rows(
                    _retry(lambda info=info: metric_rows(conn, info.run_id, have)))
            except sqlite3.DatabaseError as exc:  # a damaged page: the other runs are still read
                damaged.append(f"{info.label} ({exc})")
                continue
            if not metrics:
                empty.append(info.label)
                continue
            runs.append(build_run(label, store, info, metrics))
        runs = keep_loss_runs(runs, empty, narrowed)
        if damaged and runs:
            runs[0].notes.append(f"{len(damaged)} run(s) could not be read and were skipped: {'; '.join(damaged[:3])}")
        if not runs:
            if damaged:
                raise InputError(label, f"no run could be read ({damaged[0]})")
            raise InputError(label, "no MLflow run with metrics here" + (f" ({len(chosen)} run(s) logged none)"
                                                                         if chosen else ""))
        unique_names(runs)
        return runs


READERS = [MlflowDbReader]
