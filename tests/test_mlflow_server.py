"""An MLflow tracking server read through its REST API: a real ``mlflow server`` on a free localhost port with a
SQLite backend, filled by the real ``mlflow`` client (the ``mlflow_server`` fixture of conftest.py: started once
per session, in the background from collection on, see tests/mlflow_server.py; if it cannot start, the tests
fail with the reason and its log). Failures mid-sweep are made real by a small local proxy in front of it: a run
whose history answers 500, or answers too late, is an input error of its own and the other runs are analysed."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.request

from lossdoc.cli import app


def _free_port() -> int:
    from tests.mlflow_server import free_port

    return free_port()


def _run_ids(url: str) -> dict[str, str]:
    exp = json.load(urllib.request.urlopen(f"{url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=sweep"))
    req = urllib.request.Request(f"{url}/api/2.0/mlflow/runs/search", method="POST",
                                 data=json.dumps({"experiment_ids": [exp["experiment"]["experiment_id"]]}).encode(),
                                 headers={"Content-Type": "application/json"})
    return {r["info"]["run_name"]: r["info"]["run_id"] for r in json.load(urllib.request.urlopen(req))["runs"]}


def test_server_sweep_experiment_and_run(mlflow_server, runner):
    r = runner.invoke(app, ["analyze", mlflow_server, "--experiment", "sweep", "--format", "json"])
    doc = json.loads(r.stdout)
    assert r.exit_code == 1 and not doc["errors"], r.output
    by_name = {run["name"]: run for run in doc["runs"]}
    assert set(by_name) == {"good", "blowup", "third"}
    # a climb that ends in Inf/NaN: divergence first, and non-finite (as for the diverge_nan fixtures)
    assert by_name["blowup"]["primary"] == "divergence"
    assert {"divergence", "non-finite"} <= {f["name"] for f in by_name["blowup"]["findings"]}
    assert by_name["blowup"]["format"] == "mlflow-server"
    series = {s["name"]: s for s in by_name["blowup"]["series"]}
    assert series["train_loss"]["points"] == 8 and series["train_loss"]["nonfinite"] == 3  # inf, NaN, NaN
    r = runner.invoke(app, ["inspect", mlflow_server, "--experiment", "sweep", "--run", "good"])
    assert r.exit_code == 0 and "experiment 'sweep' run 'good'" in r.stdout, r.output
    # no --experiment: every experiment; the eval-only run is left out with a note
    r = runner.invoke(app, ["analyze", mlflow_server, "--format", "json", "--exit-zero"])
    doc = json.loads(r.stdout)
    assert sorted(run["name"] for run in doc["runs"]) == ["blowup", "good", "third"], r.output
    assert any("not analysed" in n for run in doc["runs"] for n in run["notes"])


def test_server_errors_are_one_line(mlflow_server, runner):
    r = runner.invoke(app, ["analyze", mlflow_server, "--experiment", "nope"])
    assert r.exit_code == 2 and "no experiment 'nope'" in r.stderr, r.output
    down = f"http://127.0.0.1:{_free_port()}"
    r = runner.invoke(app, ["analyze", down])
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 1 and "cannot reach the MLflow server" in lines[0], r.output


class _Proxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the real server; one run's history answers 500, another's answers after the timeout."""

    target = ""
    fail_run = ""
    slow_run = ""

    def _forward(self, body: bytes | None) -> None:
        if "get-history" in self.path and self.fail_run in self.path:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error_code": "INTERNAL_ERROR", "message": "boom"}')
            return
        if "get-history" in self.path and self.slow_run in self.path:
            time.sleep(3)
        req = urllib.request.Request(self.target + self.path, data=body, method=self.command,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as resp:
                data, code = resp.read(), resp.status
        except urllib.error.HTTPError as exc:
            data, code = exc.read(), exc.code
        except OSError:  # the slow answer outlived the test (the server may be gone): nobody is waiting for it
            return
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    def do_GET(self):
        self._forward(None)

    def do_POST(self):
        self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def log_message(self, *a):
        pass


def test_a_failing_run_is_its_own_error_mid_sweep(mlflow_server, runner, monkeypatch):
    ids = _run_ids(mlflow_server)
    handler = type("P", (_Proxy,), {"target": mlflow_server, "fail_run": ids["good"], "slow_run": ids["third"]})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("LOSSDOC_HTTP_TIMEOUT", "1")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = runner.invoke(app, ["analyze", url, "--experiment", "sweep", "--format", "json", "--jobs", "1"])
    finally:
        server.shutdown()
    doc = json.loads(r.stdout)
    assert r.exit_code == 2, r.output
    assert [run["name"] for run in doc["runs"]] == ["blowup"]
    errors = sorted(e["message"] for e in doc["errors"])
    assert len(errors) == 2 and any("500" in e for e in errors) and any("no answer within 1 s" in e for e in errors)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and all(ln.startswith("lossdoc: error: ") for ln in lines), r.stderr
