"""lossdoc watch: new findings said once while a log grows, the exit at --exit-on, the end when the run goes idle,
and a real training process stopped within the check interval of its loss turning NaN."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.config import Config
from lossdoc.model import Severity
from lossdoc.watch import Watch, parse_duration

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _rows(start, stop, f):
    return "".join(f"{i},{f(i):.6f},{f(i) + 0.05:.6f}\n" for i in range(start, stop))


def _healthy(i):
    return 2 * math.exp(-i / 30) + 0.1


class Feeder:
    """A fake clock and sleep: each sleep appends the next piece of the log (a training that writes between checks)."""

    def __init__(self, path: Path, pieces: list[str]):
        self.path, self.pieces, self.now = path, list(pieces), 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        if self.pieces:
            with open(self.path, "a") as fh:
                fh.write(self.pieces.pop(0))


def test_each_finding_is_said_once_with_where_it_was_seen(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("step,train_loss,val_loss\n" + _rows(0, 100, _healthy))
    blowup = lambda i: 0.15 * math.exp((i - 100) / 6)
    pieces = [_rows(100, 110, _healthy), _rows(110, 150, blowup), _rows(150, 160, blowup), "160,nan,nan\n"]
    feed = Feeder(p, pieces)
    w = Watch(str(p), Config(), interval=10, idle=30, exit_on=None, clock=feed.clock, sleep=feed.sleep)
    events = list(w.events())
    names = [e.finding.name for e in events]
    assert names.count("divergence") == 1 and names.count("non-finite") == 1, names
    div = next(e for e in events if e.finding.name == "divergence")
    assert div.seen_axis == "step" and 110 <= div.seen_at <= 150
    assert w.ended_by.startswith("nothing new for")
    assert w.report().exit_code == 1


def test_it_exits_at_the_first_finding_at_exit_on(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("step,train_loss,val_loss\n" + _rows(0, 100, _healthy))
    feed = Feeder(p, [_rows(100, 120, _healthy), "120,nan,nan\n", _rows(121, 200, _healthy)])
    w = Watch(str(p), Config(), interval=1, idle=30, exit_on=Severity.ERROR, clock=feed.clock, sleep=feed.sleep)
    events = list(w.events())
    assert [e.finding.name for e in events] == ["non-finite"] and w.stopped_early
    assert events[0].seen_at == 120
    assert feed.pieces  # the rest of the run was never waited for


def test_cli_json_is_one_object_per_line(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("step,train_loss,val_loss\n" + _rows(0, 50, _healthy) + "50,nan,nan\n")
    r = runner.invoke(app, ["watch", str(p), "--format", "json", "--interval", "10ms", "--idle", "50ms"])
    assert r.exit_code == 1, r.output
    lines = [json.loads(s) for s in r.stdout.splitlines()]
    assert lines[0]["event"] == "finding" and lines[0]["finding"]["name"] == "non-finite"
    assert lines[0]["seen_at"] == {"axis": "step", "x": 50.0}
    assert lines[-1]["event"] == "report" and lines[-1]["exit_code"] == 1 and lines[-1]["schema_version"] == 1


def test_cli_a_healthy_run_ends_when_idle_with_its_usual_exit_code(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("step,train_loss,val_loss\n" + _rows(0, 120, _healthy))
    r = runner.invoke(app, ["watch", str(p), "--interval", "10ms", "--idle", "30ms", "--format", "github"])
    assert r.exit_code == 0, r.output
    assert "::notice" in r.stdout and "::error" not in r.stdout


def test_cli_errors(tmp_path):
    r = runner.invoke(app, ["watch", str(tmp_path / "nothing.csv"), "--interval", "10ms", "--idle", "30ms"])
    assert r.exit_code == 2 and "no such file" in r.output, r.output
    r = runner.invoke(app, ["watch", "x.csv", "--interval", "soon"])
    assert r.exit_code == 2 and "--interval" in r.output
    r = runner.invoke(app, ["watch", "-"])
    assert r.exit_code == 2


def test_parse_duration():
    assert parse_duration("10s", "--x") == 10 and parse_duration("500ms", "--x") == 0.5
    assert parse_duration("10m", "--x") == 600 and parse_duration("2", "--x") == 2 and parse_duration("1h", "--x") == 3600


TRAIN = textwrap.dedent('''
    """A real training process: SGD on a linear regression, logging a CSV line per step; at step NAN_AT a batch
    holds a NaN (a bad input row), the loss is NaN from then on, and the script goes on training and logging."""
    import sys, time, torch
    log, nan_file, nan_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.manual_seed(0)
    x = torch.randn(512, 8); y = x @ torch.randn(8, 1) + 0.1 * torch.randn(512, 1)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with open(log, "w", buffering=1) as fh:
        fh.write("step,train_loss,val_loss\\n")
        t_end = time.time() + 120
        step = 0
        while time.time() < t_end:
            i = (step * 32) % 384
            xb = x[i:i + 32].clone()
            if step >= nan_at:
                xb[0, 0] = float("nan")
            loss = torch.nn.functional.mse_loss(model(xb), y[i:i + 32])
            opt.zero_grad(); loss.backward(); opt.step()
            with torch.no_grad():
                val = torch.nn.functional.mse_loss(model(x[384:]), y[384:])
            fh.write(f"{step},{loss.item():.6f},{val.item():.6f}\\n")
            if step == nan_at:
                fh.flush()
                open(nan_file, "w").write(repr(time.time()))
            step += 1
            time.sleep(0.02)
''')


@pytest.mark.skipif(pytest.importorskip("torch") is None, reason="torch")
def test_watch_stops_a_real_training_within_the_interval_of_its_nan(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    log, nan_file = tmp_path / "metrics.csv", tmp_path / "nan_at.txt"
    interval = 1.0
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    train = subprocess.Popen([sys.executable, str(script), str(log), str(nan_file), "150"], env=env)
    try:
        watch = subprocess.Popen(
            [sys.executable, "-m", "lossdoc", "watch", str(log), "--exit-on", "error", "--interval", f"{interval}s",
             "--idle", "60s", "--format", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        seen: list[tuple[float, dict]] = []

        def read():
            for line in watch.stdout:
                seen.append((time.time(), json.loads(line)))

        reader = threading.Thread(target=read)
        reader.start()
        code = watch.wait(timeout=120)
        reader.join(timeout=10)
        alive = train.poll() is None
    finally:
        train.kill()  # the job script's `|| kill "$TRAIN_PID"`
        train.wait()
    assert code == 1, watch.stderr.read()
    assert alive, "the training ended by itself: the watch was not what stopped it"
    first = seen[0]
    assert first[1]["event"] == "finding" and first[1]["finding"]["name"] in ("non-finite", "divergence"), seen
    nan_at = float(nan_file.read_text())
    delay = first[0] - nan_at
    # Within one check interval (plus the check itself and a loaded machine's scheduling).
    assert delay <= interval + 0.75, f"the NaN was reported {delay:.2f} s after it was written"
    assert seen[-1][1]["event"] == "report" and seen[-1][1]["exit_code"] == 1


def test_the_run_ends_when_the_log_says_so(tmp_path):
    """An HF trainer_state.json whose global_step reached max_steps: the run is over, no need to wait --idle."""
    import shutil

    src = ROOT / "fixtures" / "hf-trainer-state" / "healthy" / "trainer_state.json"
    p = tmp_path / "trainer_state.json"
    shutil.copy(src, p)
    now = [0.0]
    w = Watch(str(p), Config(), interval=10, idle=3600, exit_on=None, clock=lambda: now[0],
              sleep=lambda s: now.__setitem__(0, now[0] + s))
    list(w.events())
    assert w.ended_by == "the log says the run is over" and w.checks == 1
