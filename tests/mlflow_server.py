"""One real ``mlflow server`` for the whole test session, started in the background as soon as collection shows
that a selected test needs it (``conftest.pytest_collection_finish``), so that its start-up overlaps the tests
that run before it; the ``mlflow_server`` fixture waits for it.

What makes it start fast (measured on a loaded 2-core VM, see README "Development"):

- ``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``: no huey job consumers (each one a process that imports mlflow);
- ``--workers 1`` (uvicorn's default is 4 processes, each importing mlflow and opening the store);
- ``--no-serve-artifacts``: no artifact proxy (the tests log metrics only);
- the test extra installs ``mlflow-skinny`` plus the few packages its ``mlflow server`` imports (Flask,
  SQLAlchemy, alembic, aiohttp), not the full ``mlflow`` (which adds pyarrow, scipy, scikit-learn, docker,
  graphene, gunicorn and huey for features a REST server of metrics does not use). The UI is served from the
  JavaScript bundled in the wheel: nothing is built.

The server is filled by the real client (``MlflowClient().log_batch``, one request per run) through its REST API,
and stopped with its process group at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

FILL = r"""
import math, sys, mlflow
from mlflow.entities import Metric
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("sweep")
for name, loss in [("good", [2.0 / (i + 1) for i in range(40)]),
                   ("blowup", [1.0, 2.0, 8.0, 64.0, 4096.0, float("inf"), float("nan"), float("nan")]),
                   ("third", [1.0 / (i + 1) for i in range(30)])]:
    with mlflow.start_run(run_name=name) as run:
        ms = [Metric(k, v if k == "train_loss" or not math.isfinite(v) else v * 1.2, 1000 * i, i)
              for i, v in enumerate(loss) for k in ("train_loss", "val_loss")]
        mlflow.MlflowClient().log_batch(run.info.run_id, metrics=ms)  # one request per run
mlflow.set_experiment("evals")
with mlflow.start_run(run_name="eval-only"):
    mlflow.log_metric("accuracy", 0.9)
"""

#: Seconds the server may take to answer /health (a loaded CI machine; it takes 10-30 s).
START_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lossdoc-mlflow-"))
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.error: str | None = None
        self.timings: dict[str, float] = {}
        self.thread = threading.Thread(target=self._start, name="mlflow-server", daemon=True)
        self.thread.start()

    def _log_tail(self) -> str:
        try:
            return (self.folder / "server.log").read_bytes()[-3000:].decode(errors="replace")
        except OSError:
            return ""

    def _start(self) -> None:
        t0 = time.monotonic()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MLFLOW_TRACKING_URI": "", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
               "PYTHONWARNINGS": "ignore"}
        with open(self.folder / "server.log", "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
                 f"sqlite:///{self.folder / 'mlflow.db'}", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "1", "--no-serve-artifacts"],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder, start_new_session=True,
            )
        deadline = t0 + START_TIMEOUT
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.error = f"mlflow server did not start (exit {self.proc.poll()}):\n{self._log_tail()}"
                    return
                time.sleep(0.2)
        self.timings["start"] = time.monotonic() - t0
        t1 = time.monotonic()
        try:
            fill = subprocess.run([sys.executable, "-c", FILL, url], check=False, capture_output=True, timeout=180,
                                  env=env)
        except subprocess.TimeoutExpired:
            self.error = "filling the mlflow server took more than 180 s"
            return
        if fill.returncode != 0:
            self.error = f"filling the mlflow server failed:\n{fill.stderr.decode(errors='replace')[-3000:]}"
            return
        self.timings["fill"] = time.monotonic() - t1
        self.url = url

    def wait(self) -> str:
        self.thread.join(START_TIMEOUT + 200)
        if self.url is None:
            raise RuntimeError(self.error or "mlflow server: still starting after the timeout")
        return self.url

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


_SERVER: _Server | None = None


def start() -> None:
    """Start the server in the background (once per session)."""
    global _SERVER
    if _SERVER is None:
        _SERVER = _Server()


def url() -> str:
    """The server's URL once it answers and holds the test runs; raises RuntimeError with its log if it failed."""
    start()
    assert _SERVER is not None
    return _SERVER.wait()


def timings() -> dict[str, float]:
    return dict(_SERVER.timings) if _SERVER is not None else {}


def stop() -> None:
    global _SERVER
    if _SERVER is not None:
        _SERVER.stop()
        _SERVER = None
