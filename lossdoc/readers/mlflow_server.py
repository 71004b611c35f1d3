"""An MLflow tracking server, read through its REST API: ``lossdoc analyze http://host:5000 --experiment NAME``.

The only module of lossdoc that opens a network connection, and only for a path that is an ``http(s)://`` URL.
Standard library only (``urllib``), every request with a timeout (``LOSSDOC_HTTP_TIMEOUT`` seconds, default 30).

- ``/api/2.0/mlflow/experiments/get-by-name`` (``--experiment NAME``; an id is tried too), else
  ``experiments/search``: the experiments;
- ``runs/search`` (paged with ``page_token``): the runs and the keys of their metrics; ``--run NAME|ID`` keeps one;
- ``metrics/get-history`` with ``max_results`` and ``page_token``: every point of every metric. NaN arrives as the
  string ``"NaN"``, +-Inf as MLflow's stand-in, the largest double (or ``"Infinity"``): both read back as such.

A sweep over a server is split into one piece per run (``http://host:5000/#/experiments/<id>/runs/<run id>``, the
address the MLflow UI shows for a run, which lossdoc also accepts as a path): a run whose history cannot be
fetched (server gone, 404, 500, a timeout) is an input error of its own, one line, and the other runs are analysed.
"""

from __future__ import annotations

import json
import math
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import resolve
from lossdoc.readers.base import Reader, finish_run, human_size, max_bytes, reader_option
from lossdoc.readers.mlflow import metric_series
from lossdoc.readers.mlflow_db import DBL_MAX, STATUS_NOTES, RunInfo, describe_store, keep_loss_runs, unique_names

FORMAT = "mlflow-server"
API = "/api/2.0/mlflow/"
DEFAULT_TIMEOUT = 30.0
PAGE = 25_000  # metrics/get-history page size
RUNS_PAGE = 1_000
MAX_RUNS = 10_000
_RUN_URL = re.compile(r"#/experiments/(?P<exp>[^/]+)/runs/(?P<run>[0-9A-Za-z_-]+)(?:;skipped=(?P<skipped>\d+))?")


def is_url(path: str) -> bool:
    return str(path).startswith(("http://", "https://"))


def timeout() -> float:
    try:
        return float(os.environ.get("LOSSDOC_HTTP_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


class ServerError(InputError):
    """A request that failed: the server is down, answered an error, or did not answer in time."""


@dataclass
class Server:
    base: str  # http://host:port (no trailing slash, no fragment)
    label: str  # what errors name: the URL as given

    def call(self, endpoint: str, params: dict | None = None, body: dict | None = None) -> dict:
        url = self.base + API + endpoint
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif params:
            url += "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
        limit = max_bytes()
        try:
            with urllib.request.urlopen(req, timeout=timeout()) as resp:
                raw = resp.read(limit + 1) if limit else resp.read()
        except urllib.error.HTTPError as exc:
            raise ServerError(self.label, f"{endpoint}: the server answered {exc.code} {exc.reason}"
                              f"{_server_message(exc)}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise ServerError(self.label, f"{endpoint}: no answer within {timeout():g} s") from None
            raise ServerError(self.label, f"cannot reach the MLflow server ({reason})") from None
        except TimeoutError:
            raise ServerError(self.label, f"{endpoint}: no answer within {timeout():g} s") from None
        except (OSError, ValueError) as exc:  # connection reset mid-answer, a malformed URL
            raise ServerError(self.label, f"{endpoint}: the request failed ({exc})") from None
        if limit and len(raw) > limit:
            raise ServerError(self.label, f"{endpoint}: answer larger than {human_size(limit)}; use --max-bytes")
        try:
            doc = json.loads(raw or b"{}")
        except ValueError:
            raise ServerError(self.label, f"{endpoint}: the answer is not JSON (is this an MLflow server?)") from None
        if not isinstance(doc, dict):
            raise ServerError(self.label, f"{endpoint}: unexpected answer (is this an MLflow server?)")
        return doc


def _server_message(exc: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(exc.read(64 * 1024) or b"{}")
    except (ValueError, OSError):
        return ""
    msg = doc.get("message") if isinstance(doc, dict) else None
    return f": {msg}" if isinstance(msg, str) and msg else ""


def parse(url: str) -> tuple[Server, str | None, int]:
    """The server; the run id when the URL is a run's address in the MLflow UI; and how many runs a sweep split
    left out (``;skipped=N`` after the first run's address, see split_url)."""
    base, _, fragment = url.partition("#")
    m = _RUN_URL.search("#" + fragment) if fragment else None
    label = url.split(";skipped=")[0]
    return Server(base.rstrip("/"), label), (m.group("run") if m else None), int(m.group("skipped") or 0) if m else 0


# ------------------------------------------------------------------------------------------------ listing


def experiments(server: Server) -> dict[str, str]:
    """{experiment_id: name} of the experiments to read: ``--experiment`` (a name, else an id), or every active one."""
    want = reader_option("experiment")
    if want is not None:
        try:
            exp = server.call("experiments/get-by-name", {"experiment_name": want}).get("experiment") or {}
        except ServerError as exc:
            if "404" not in exc.problem:
                raise
            try:
                exp = server.call("experiments/get", {"experiment_id": want}).get("experiment") or {}
            except ServerError as exc2:
                if "404" not in exc2.problem and "400" not in exc2.problem:
                    raise
                raise InputError(server.label, f"no experiment {want!r} on this server") from None
        return {str(exp.get("experiment_id")): str(exp.get("name"))}
    out: dict[str, str] = {}
    token = None
    while True:
        body = {"max_results": RUNS_PAGE, "view_type": "ACTIVE_ONLY"}
        if token:
            body["page_token"] = token
        doc = server.call("experiments/search", body=body)
        for exp in doc.get("experiments") or []:
            out[str(exp.get("experiment_id"))] = str(exp.get("name"))
        token = doc.get("next_page_token")
        if not token or len(out) > MAX_RUNS:
            return out


@dataclass
class RemoteRun:
    info: RunInfo
    keys: list[str]


def _remote(run: dict, names: dict[str, str]) -> RemoteRun:
    info = run.get("info") or {}
    data = run.get("data") or {}
    tags = {t.get("key"): t.get("value") for t in data.get("tags") or [] if isinstance(t, dict)}
    exp_id = str(info.get("experiment_id"))
    run_id = str(info.get("run_id") or info.get("run_uuid"))
    keys = sorted({str(m.get("key")) for m in data.get("metrics") or [] if isinstance(m, dict)})
    return RemoteRun(
        RunInfo(run_id, info.get("run_name") or tags.get("mlflow.runName") or None, info.get("status"),
                info.get("lifecycle_stage") == "deleted", exp_id, names.get(exp_id)),
        keys,
    )


def list_runs(server: Server) -> list[RemoteRun]:
    """The runs of the experiments asked for (``--run`` keeps the one named), newest first as the server sends."""
    names = experiments(server)
    if not names:
        return []
    out: list[RemoteRun] = []
    token = None
    while True:
        body = {"experiment_ids": list(names), "max_results": RUNS_PAGE, "run_view_type": "ACTIVE_ONLY"}
        if token:
            body["page_token"] = token
        doc = server.call("runs/search", body=body)
        out.extend(_remote(r, names) for r in doc.get("runs") or [] if isinstance(r, dict))
        token = doc.get("next_page_token")
        if not token or len(out) >= MAX_RUNS:
            break
    want = reader_option("run")
    if want is not None:
        picked = [r for r in out if want in (r.info.name, r.info.run_id)] or [
            r for r in out if len(want) >= 6 and r.info.run_id.startswith(want)
        ]
        if not picked:
            shown = ", ".join(repr(r.info.label) for r in out[:10]) or "none"
            raise InputError(server.label, f"no run {want!r} here (runs: {shown})")
        out = picked
    return out


def run_url(server: Server, info: RunInfo) -> str:
    return f"{server.base}/#/experiments/{info.experiment_id}/runs/{info.run_id}"


def split_url(url: str) -> list[str]:
    """One address per run, so that a run that cannot be fetched fails alone; the URL itself when it names one
    run or when the listing fails (reading it then reports why). As for ``mlflow.db``, runs that logged nothing,
    and runs that log no loss when others do, are left out unless ``--run`` names them: the first address
    carries how many (``;skipped=N``), and that run's notes say so."""
    server, run_id, _ = parse(url)
    if run_id is not None:
        return [url]
    try:
        found = list_runs(server)
    except InputError:
        return [url]
    logged = [r for r in found if r.keys]
    keep = logged
    if reader_option("run") is None:
        with_loss = [r for r in logged if any(resolve(k).kind == "loss" for k in r.keys)]
        keep = with_loss or logged
    if not keep:
        return [url]
    urls = [run_url(server, r.info) for r in keep]
    if len(found) > len(keep):
        urls[0] += f";skipped={len(found) - len(keep)}"
    return urls


# ------------------------------------------------------------------------------------------------ history


def history(server: Server, run_id: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Every point of one metric, in logging order (timestamp, then step): (steps, values)."""
    rows: list[tuple[int, int, float]] = []
    token = None
    while True:
        params = {"run_id": run_id, "metric_key": key, "max_results": PAGE}
        if token:
            params["page_token"] = token
        doc = server.call("metrics/get-history", params)
        for m in doc.get("metrics") or []:
            if isinstance(m, dict):
                rows.append((int(m.get("timestamp") or 0), int(m.get("step") or 0), _number(m.get("value"))))
        token = doc.get("next_page_token")
        if not token:
            break
    rows.sort(key=lambda r: (r[0], r[1]))
    steps = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    values = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    values[values == DBL_MAX] = np.inf
    values[values == -DBL_MAX] = -np.inf
    return steps, values


def _number(v) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)  # "NaN", "Infinity", "-Infinity", a number as text
        except ValueError:
            return math.nan
    return math.nan


def read_remote(server: Server, remote: RemoteRun) -> Run:
    info = remote.info
    run = Run(source=run_url(server, info), format=FORMAT, name=info.label)
    run.meta.update(run_id=info.run_id, experiment_id=info.experiment_id, experiment=info.experiment,
                    status=info.status, store=describe_store(server.base, info))
    note = STATUS_NOTES.get((info.status or "").upper())
    if note:
        run.notes.append(f"MLflow run status {info.status}: {note}")
    for key in remote.keys:
        steps, values = history(server, info.run_id, key)
        if len(values):
            run.add(metric_series(key, values, steps, run.notes, f"{info.label}: {key}"))
    return run


def read_one(server: Server, run_id: str) -> Run:
    doc = server.call("runs/get", {"run_id": run_id})
    names = {}
    exp_id = str((doc.get("run") or {}).get("info", {}).get("experiment_id"))
    try:
        names[exp_id] = str(server.call("experiments/get", {"experiment_id": exp_id})["experiment"]["name"])
    except (InputError, KeyError, TypeError):
        pass
    remote = _remote(doc.get("run") or {}, names)
    run = read_remote(server, remote)
    if not run.series:
        raise InputError(server.label, f"run {remote.info.label!r} logged no metrics")
    return run


def read_url(url: str) -> list[Run]:
    """Every run the URL (and ``--experiment`` / ``--run``) names, read and finished."""
    server, run_id, skipped = parse(url)
    if run_id is not None:
        run = read_one(server, run_id)
        if skipped:
            run.notes.append(f"{skipped} run(s) that logged nothing, or no loss while others do, not analysed; "
                             "name one with --run to see it")
        return [finish_run(run)]
    remotes = list_runs(server)
    empty = [r.info.label for r in remotes if not r.keys]
    runs = [read_remote(server, r) for r in remotes if r.keys]
    runs = keep_loss_runs(runs, empty, reader_option("run") is not None)
    if not runs:
        raise InputError(url, "no MLflow run with metrics here")
    unique_names(runs)
    return [finish_run(r) for r in runs]


class MlflowServerReader(Reader):
    """The registry's reader of ``http(s)://`` URLs (``registry.URL_READERS``): an MLflow tracking server."""

    name = FORMAT
    description = "an MLflow tracking server, through its REST API (--experiment / --run narrow it)"
    example = "http://localhost:5000"

    def sniff(self, head: bytes, path: Path | None) -> bool:
        return False  # never a file

    def read(self, source) -> list[Run]:
        raise InputError(source.label, "mlflow-server reads a tracking server's address (http://host:5000), "
                                       "not a file")

    def claims_url(self, url: str, input_format: str | None = None) -> bool:
        """A server's address (``http://host:5000``, nothing after the host but ``/``), the address the MLflow UI
        shows for a run (``#/experiments/<id>/runs/<id>``), or any http(s) URL with ``--input-format
        mlflow-server`` (a server behind a path). Other URLs name files on a web server: the remote reader's."""
        if input_format:
            return input_format == self.name
        parts = urllib.parse.urlsplit(url)
        return parts.path in ("", "/") or parts.fragment.startswith("/experiments/")

    def read_url(self, url: str) -> list[Run]:
        return read_url(url)

    def split_url(self, url: str) -> list[str] | None:
        return split_url(url)
