"""Where the units of a sweep are analysed: in this process, in a pool of local processes, or on a Dask cluster.

Every executor maps one function over ``(key, args)`` tasks and yields ``(key, result)`` as tasks finish, in the
order they finish. At most a few tasks per worker are in flight at a time, so that the memory of the parent stays
flat however many runs a sweep holds (10^5 submitted at once would hold 10^5 futures and their results).

- ``serial``: in this process, one task after the other.
- ``process``: ``concurrent.futures.ProcessPoolExecutor`` on this machine's cores.
- ``dask``: a ``distributed.Client`` on the scheduler at ``address`` (``tcp://host:8786``), or on a
  ``LocalCluster`` of processes started here when there is none. The paths must be readable from the workers
  (a shared disk, or object storage). A task that raises or whose worker dies is yielded as a ``Failed``: one
  unit's input error, never the whole sweep's. ``dask[distributed]`` is an extra (``lossdoc[dask]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lossdoc.errors import UsageError

#: Tasks in flight per worker: enough to keep every worker busy while the parent handles a result.
IN_FLIGHT_PER_WORKER = 4

DASK_MISSING = "--executor dask needs dask.distributed: pip install 'lossdoc[dask]'"

#: Environment variable naming the Dask scheduler when --scheduler is not given.
SCHEDULER_ENV = "LOSSDOC_DASK_SCHEDULER"


@dataclass(frozen=True)
class Failed:
    """A task that did not return: it raised on a Dask worker, or its worker died (killed, out of memory)."""

    message: str


Task = tuple[Any, tuple]


def serial(fn: Callable, tasks: Iterable[Task]) -> Iterator[tuple[Any, Any]]:
    for key, args in tasks:
        yield key, fn(*args)


def process_pool(fn: Callable, tasks: Iterable[Task], workers: int) -> Iterator[tuple[Any, Any]]:
    """A local process pool. An exception in a task is raised here, as in a serial run; a worker that dies (killed,
    out of memory) breaks the pool: the tasks that were in flight are run again one at a time in a new pool, so
    that the one that kills its worker is told apart, yielded as a ``Failed``, and the sweep goes on."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    todo = iter(tasks)
    suspects: list[Task] = []  # in flight when a worker died: each runs alone next
    while True:
        broken = False
        with ProcessPoolExecutor(max_workers=workers) as pool:
            running: dict = {}
            alone = bool(suspects)
            _fill(pool, fn, running, todo, suspects, 1 if alone else max(1, workers) * IN_FLIGHT_PER_WORKER)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        if alone:  # it ran alone: it is the one that kills its worker
                            yield task[0], Failed("its worker process died while analysing it (killed, or out "
                                                  "of memory)")
                        else:
                            suspects.append(task)
                        broken = True
                        continue
                    yield task[0], result
                if broken:
                    suspects.extend(running.values())
                    running.clear()
                    break
                alone = bool(suspects)
                _fill(pool, fn, running, todo, suspects, 1 if alone else max(1, workers) * IN_FLIGHT_PER_WORKER)
        if not broken:
            return


def _fill(pool, fn: Callable, running: dict, todo: Iterator[Task], suspects: list[Task], limit: int) -> None:
    """Submit tasks until ``limit`` are in flight: the suspects of a broken pool first, then new ones."""
    while len(running) < limit:
        task = suspects.pop(0) if suspects else next(todo, None)
        if task is None:
            return
        running[pool.submit(fn, *task[1])] = task


def dask_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("distributed") is not None
    except ValueError:
        return False


def scheduler_address(given: str | None) -> str | None:
    """--scheduler, else LOSSDOC_DASK_SCHEDULER, else None (a LocalCluster here)."""
    return given or os.environ.get(SCHEDULER_ENV) or None


def dask(
    fn: Callable,
    tasks: Iterable[Task],
    address: str | None = None,
    workers: int | None = None,
    in_flight: int | None = None,
) -> Iterator[tuple[Any, Any]]:
    """Tasks on a Dask cluster, yielded as they complete. ``workers``: the size of the LocalCluster started when
    there is no ``address`` (default: this machine's cores); ``in_flight``: tasks submitted at a time (default
    IN_FLIGHT_PER_WORKER per worker). The tasks that shared a dying worker with the task that killed it are run
    again by Dask (``distributed.scheduler.allowed-failures``, 3 by default), so only the culprit fails."""
    if not dask_available():
        raise UsageError(DASK_MISSING)
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address:
        try:
            client = Client(address, timeout="20s")
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    else:
        import warnings

        with warnings.catch_warnings():
            # The scheduler's HTTP routes move off a busy 8787 by themselves (no dashboard is served): not news.
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        limit = in_flight or n_workers * IN_FLIGHT_PER_WORKER
        todo = iter(tasks)
        keys: dict = {}
        pending = as_completed(with_results=False)

        def submit_one() -> bool:
            for key, args in todo:
                fut = client.submit(fn, *args, pure=False)
                keys[fut.key] = key
                pending.add(fut)
                return True
            return False

        for _ in range(limit):
            if not submit_one():
                break
        for fut in pending:
            key = keys.pop(fut.key)
            if fut.status == "finished":
                result = fut.result()
            else:
                exc = fut.exception()
                result = Failed(_failure(exc))
            fut.release()
            del fut
            yield key, result
            submit_one()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _failure(exc: BaseException | None) -> str:
    name = type(exc).__name__ if exc is not None else "error"
    if name == "KilledWorker":
        return "its Dask worker died while analysing it (killed, or out of memory)"
    text = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
    return f"failed on a Dask worker ({name}{': ' + text if text else ''})"
