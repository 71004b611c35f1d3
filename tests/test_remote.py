"""Remote paths against real servers started here: an S3-compatible server (moto's, in server mode, once per test
session on a free port, credentials and endpoint from the usual AWS_* variables) and Python's http.server.

Every request the S3 server answers is recorded from its access log, so the tests check what lossdoc asks of a
store: one listing per URL, each object once and whole, never a write."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import socket
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import lossdoc
from lossdoc.readers import registry, remote
from tests.test_reader_mlflow import make_run
from tests.test_reader_tensorboard import simple, write_events

BUCKET = "lossdoc-test"
N_RUNS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RequestLog(logging.Handler):
    """The S3 server's access log lines (werkzeug logs each request as '"GET /bucket/key HTTP/1.1" 200 -')."""

    LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[\d.]+"')

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str]] = []
        self._mutex = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        m = self.LINE.search(record.getMessage())
        if m:
            with self._mutex:
                self.requests.append((m.group(1), m.group(2)))

    def take(self) -> list[tuple[str, str]]:
        with self._mutex:
            out, self.requests = self.requests, []
        return out


def _start_server(port: int):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def s3():
    """The S3 server, with the AWS_* variables pointing at it for the whole session."""
    port = _free_port()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL",
                                            "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3")}
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
    )
    os.environ.pop("AWS_ENDPOINT_URL_S3", None)
    log = RequestLog()
    wz = logging.getLogger("werkzeug")
    wz.addHandler(log)
    old_level = wz.level
    wz.setLevel(logging.INFO)
    server = _start_server(port)
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=os.environ["AWS_ENDPOINT_URL"], skip_instance_cache=True)
    fs.mkdir(BUCKET)
    yield fs, log
    server.stop()
    wz.removeHandler(log)
    wz.setLevel(old_level)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def make_logdir(base: Path, n: int = N_RUNS) -> Path:
    """A TensorBoard logdir of n runs; the odd ones overfit (val loss rising from a third of the way)."""
    for i in range(n):
        events = []
        for step in range(0, 300, 3):
            events.append(simple("train/loss", step, 2.0 * math.exp(-step / 60) + 0.05))
            if step % 30 == 0:
                val = 2.1 * math.exp(-step / 60) + 0.1 + (0.004 * max(0, step - 100) if i % 2 else 0.0)
                events.append(simple("val/loss", step, val))
        write_events(base / f"run{i:02d}", events)
    return base


@pytest.fixture(scope="session")
def logdir(s3, tmp_path_factory):
    fs, log = s3
    local = make_logdir(tmp_path_factory.mktemp("tb") / "logdir")
    fs.put(str(local), f"{BUCKET}/logdir", recursive=True)
    fs.invalidate_cache()
    log.take()
    return local, f"s3://{BUCKET}/logdir"


def _objects(local: Path) -> int:
    return sum(1 for p in local.rglob("*") if p.is_file())


def _summary(report):
    return sorted(
        (rr.run.name, sorted(f.code for f in rr.findings), {n: len(s) for n, s in rr.run.series.items()})
        for rr in report.runs
    )


# ------------------------------------------------------------------------------------------ S3


def test_s3_logdir_reads_as_the_same_logdir_on_disk(s3, logdir):
    _, log = s3
    local, url = logdir
    here = lossdoc.analyze(str(local), jobs=1)
    there = lossdoc.analyze(url, jobs=1)
    assert not there.errors and len(there.runs) == N_RUNS
    assert _summary(there) == _summary(here)
    for a, b in zip(sorted(here.runs, key=lambda r: r.run.name), sorted(there.runs, key=lambda r: r.run.name),
                    strict=True):
        for name, s in a.run.series.items():
            np.testing.assert_array_equal(s.values, b.run.series[name].values)
        assert b.run.source.startswith(url + "/")
        assert b.run.meta["store"] == url
    requests = log.take()
    methods = {m for m, _ in requests}
    assert methods == {"GET"}, requests  # never a write
    listings = [p for m, p in requests if "list-type=2" in p or p.rstrip("/").endswith(BUCKET)]
    assert len(listings) == 1, listings  # one recursive listing
    gets = [p for m, p in requests if p.startswith(f"/{BUCKET}/logdir/")]
    assert len(gets) == len(set(gets)) == _objects(local), gets  # each object once


def test_s3_logdir_in_worker_processes(s3, logdir):
    local, url = logdir
    there = lossdoc.analyze(url, jobs=2)
    assert _summary(there) == _summary(lossdoc.analyze(str(local), jobs=1))


def test_s3_run_folder_and_single_object(s3, logdir):
    local, url = logdir
    (run,) = lossdoc.read(f"{url}/run03")
    assert run.name == "run03" and run.train_loss is not None and run.val_loss is not None
    event_file = next((local / "run03").iterdir()).name
    (one,) = lossdoc.read(f"{url}/run03/{event_file}")
    assert one.source == f"{url}/run03/{event_file}"
    np.testing.assert_array_equal(one.train_loss.values, run.train_loss.values)


def test_s3_mlflow_file_store(s3, tmp_path):
    fs, log = s3
    mlruns = tmp_path / "mlruns"
    for i in range(4):
        make_run(mlruns / "0", f"run{i}", {"loss": [2.0, 1.5, 1.2, 1.0], "val_loss": [2.1, 1.7, 1.6, 1.8 + i]},
                 run_name=f"trial-{i}")
    (mlruns / "0" / "meta.yaml").write_text("experiment_id: '0'\nname: Default\n")
    fs.put(str(mlruns), f"{BUCKET}/store/mlruns", recursive=True)
    fs.invalidate_cache()
    log.take()
    here = lossdoc.analyze(str(mlruns), jobs=1)
    there = lossdoc.analyze(f"s3://{BUCKET}/store/mlruns", jobs=1)
    assert not there.errors and [rr.run.format for rr in there.runs] == ["mlflow"] * 4
    assert _summary(there) == _summary(here)
    assert {m for m, _ in log.take()} == {"GET"}


def test_s3_csv_and_json_logs(s3, tmp_path):
    """Every file format, not only TensorBoard: the readers get the object's bytes."""
    fs, _ = s3
    csv = tmp_path / "metrics.csv"
    csv.write_text("epoch,loss,val_loss\n" + "".join(f"{e},{2 / (e + 1)},{2 / (e + 1) + e * 0.05}\n"
                                                     for e in range(30)))
    hist = tmp_path / "history.json"
    hist.write_text(json.dumps({"loss": [1.0, 0.6, 0.4, 0.3], "val_loss": [1.1, 0.8, 0.7, 0.7]}))
    for p in (csv, hist):
        fs.put(str(p), f"{BUCKET}/files/{p.name}")
        (local,) = lossdoc.read(str(p))
        (there,) = lossdoc.read(f"s3://{BUCKET}/files/{p.name}")
        assert there.format == local.format and list(there.series) == list(local.series)
        assert there.source == f"s3://{BUCKET}/files/{p.name}"


def test_s3_max_bytes_is_checked_before_fetching(s3, logdir):
    _, log = s3
    _, url = logdir
    report = lossdoc.analyze(f"{url}/run01", max_bytes=100, jobs=1)
    assert not report.runs
    (err,) = report.errors
    assert "lossdoc reads at most 100 bytes" in err.message and "--max-bytes" in err.message, err
    assert err.source.startswith(f"{url}/run01")
    assert not [p for m, p in log.take() if p.startswith(f"/{BUCKET}/logdir/run01/")]  # nothing fetched


def test_s3_missing_object_and_bucket_are_input_errors(s3, runner):
    from lossdoc.cli import app

    r = runner.invoke(app, ["analyze", f"s3://{BUCKET}/no/such/thing"])
    assert r.exit_code == 2, r.output
    assert "no such file or folder" in r.output
    r = runner.invoke(app, ["analyze", "s3://no-such-bucket-here/logs"])
    assert r.exit_code == 2, r.output


def test_inspect_says_which_store(s3, logdir, runner):
    from lossdoc.cli import app

    _, url = logdir
    r = runner.invoke(app, ["inspect", f"{url}/run02", "--format", "json"])
    assert r.exit_code == 0, r.output
    (run,) = json.loads(r.stdout)["runs"]
    assert run["store"] == f"{url}/run02" and run["source"] == f"{url}/run02"
    r = runner.invoke(app, ["inspect", f"{url}/run02"])
    assert f"from {url}/run02" in r.output


def test_server_stopped_mid_sweep(s3, tmp_path):
    """A second server (the session's stays up for the other tests), stopped after ten of twenty runs were read:
    the ten others are input errors, one line each, and the ten read are analysed."""
    port = _free_port()
    server = _start_server(port)
    endpoint = f"http://127.0.0.1:{port}"
    import s3fs

    other = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
    other.mkdir("lossdoc-stop")
    other.put(str(make_logdir(tmp_path / "logdir")), "lossdoc-stop/logdir", recursive=True)
    os.environ["AWS_ENDPOINT_URL"], saved = endpoint, os.environ["AWS_ENDPOINT_URL"]
    try:
        def progress(done: int, total: int) -> None:
            if done == 10:
                server.stop()

        report = lossdoc.analyze("s3://lossdoc-stop/logdir", jobs=1, progress=progress)
    finally:
        os.environ["AWS_ENDPOINT_URL"] = saved
        server.stop()
        remote._DOWN.clear()
    assert len(report.runs) == 10 and len(report.errors) == 10
    assert sorted(rr.run.name for rr in report.runs) == [f"run{i:02d}" for i in range(10)]
    first, *rest = sorted(report.errors, key=lambda e: e.source)
    assert first.source == "s3://lossdoc-stop/logdir/run10" and "could not be fetched" in first.message, first
    for e in rest:  # once the store did not answer, the rest of the sweep says so at once (no retries each)
        assert re.fullmatch(r"s3://lossdoc-stop/logdir/run1\d", e.source), e.source
        assert "the store stopped answering earlier" in e.message, e.message
    assert all("\n" not in e.message for e in report.errors)
    assert report.exit_code == 2


def test_missing_extra_names_it(monkeypatch, runner):
    from lossdoc.cli import app

    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if `pip install lossdoc` without [s3]
    r = runner.invoke(app, ["analyze", "s3://bucket/logs"])
    assert r.exit_code == 2, r.output
    assert r.output.strip().count("\n") == 0, r.output
    assert "needs lossdoc[s3]: pip install 'lossdoc[s3]'" in r.output
    for url, extra in (("gs://b/x", "gcs"), ("az://c/x", "azure"), ("hf://datasets/x/y", "hf")):
        module = remote.SCHEMES[remote.scheme(url)][1]
        monkeypatch.setitem(sys.modules, module, None)
        r = runner.invoke(app, ["inspect", url])
        assert r.exit_code == 2 and f"needs lossdoc[{extra}]" in r.output, r.output
    r = runner.invoke(app, ["analyze", "ftp://host/x.csv"])
    assert r.exit_code == 2 and "unsupported URL scheme ftp://" in r.output, r.output


def test_units_carry_their_listing(s3, logdir):
    _, url = logdir
    units = registry.split(url)
    assert len(units) == N_RUNS and all(u.root == url and u.files for u in units)
    assert sum(u.size() for u in units) > 0


# ------------------------------------------------------------------------------------------ https


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_http_log_file(web):
    root, base = web
    p = root / "history.csv"
    p.write_text("epoch,loss,val_loss\n" + "".join(f"{e},{1 / (e + 1)},{1 / (e + 1) + 0.02 * e}\n"
                                                   for e in range(40)))
    here = lossdoc.analyze(str(p))
    there = lossdoc.analyze(f"{base}/history.csv")
    assert not there.errors and _summary(there) == _summary(here)
    assert there.runs[0].run.source == f"{base}/history.csv"


def test_http_logdir_listing(web):
    """A folder served with an index page (http.server's) is listed from it; sizes unknown, reads bounded."""
    root, base = web
    make_logdir(root / "tb", n=3)
    there = lossdoc.analyze(f"{base}/tb/", jobs=1)
    assert sorted(rr.run.name for rr in there.runs) == ["run00", "run01", "run02"], there.errors
    report = lossdoc.analyze(f"{base}/tb/run00/", max_bytes=100, jobs=1)
    assert report.errors and "at most 100 bytes" in report.errors[0].message
