"""The bad-input corpus (tests/corpus.py): every case ends in a stated partial result or one exit-2 line naming
the file; never a traceback, never a hang.

Each case runs the real CLI entry point (``lossdoc.cli.main``) in a forked child with its own stdout/stderr files
and a deadline: a child still running at the deadline is killed and the case fails as a hang. Forking from the
test process (lossdoc already imported) keeps the corpus at a few seconds in all; the cases that involve stdin
and special files also run through ``python -m lossdoc`` in a real subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import corpus

CASES = corpus.cases()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    seconds: float


def run_forked(args: list[str], *, timeout: float, stdin: str | None = None, fault: str | None = None,
               fault_target: str | None = None) -> Result:
    """`lossdoc <args>` in a forked child: the exit code, stdout, stderr; pytest.fail on a hang."""
    out = tempfile.TemporaryFile()  # noqa: SIM115
    err = tempfile.TemporaryFile()  # noqa: SIM115
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 70
        try:
            fd_in = os.open(stdin or os.devnull, os.O_RDONLY)
            os.dup2(fd_in, 0)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            sys.stdin = open(0, "r", closefd=False)  # noqa: SIM115
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            if fault:
                corpus.inject(fault, fault_target)
            sys.argv = ["lossdoc", *args]
            from lossdoc.cli import main

            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 99
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    deadline = t0 + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"lossdoc {' '.join(args)} hung: killed after {timeout:.0f} s")
        time.sleep(0.01)
    secs = time.monotonic() - t0
    out.seek(0)
    err.seek(0)
    return Result(os.waitstatus_to_exitcode(status), out.read().decode(errors="replace"),
                  err.read().decode(errors="replace"), secs)


def check(case: corpus.Case, args: list[str], r: Result) -> None:
    where = f"{case.name}: exit {r.code}\nstderr: {r.stderr[:2000]}\nstdout: {r.stdout[:500]}"
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, where
    if case.expect == "error":
        assert r.code == 2, where
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, where
        assert lines[0].startswith("lossdoc: error: "), where
        name = case.names or Path(args[0]).name
        assert name in lines[0], where
        assert case.says in lines[0], where
        return
    assert r.code in (0, 1), where
    doc = json.loads(r.stdout)
    assert doc["runs"], where
    assert not doc["errors"], where
    if case.expect == "partial":
        notes = [n for run in doc["runs"] for n in run["notes"]]
        assert any(case.says in n for n in notes), f"{where}\nnotes: {notes}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: corpus.Case, tmp_path):
    if case.skip_as_root and os.geteuid() == 0:
        pytest.skip("running as root: permission bits do not stop root (the injected variant runs instead)")
    args = case.build(tmp_path)
    target = args[0]
    try:
        r = run_forked(["analyze", *args, "--format", "json"], timeout=case.timeout, stdin=case.stdin,
                       fault=case.monkeypatch, fault_target=target)
    finally:
        if case.teardown:
            case.teardown(tmp_path)
    check(case, args, r)
    assert r.seconds < case.timeout


RICH = [c for c in CASES if "rich" in c.tags]


@pytest.mark.parametrize("case", RICH, ids=[c.name for c in RICH])
def test_bad_input_terminal_report(case: corpus.Case, tmp_path):
    """Odd data drawn as a terminal report (charts, panels) is still a report, never an internal error."""
    args = case.build(tmp_path)
    r = run_forked(["analyze", *args, "--format", "rich"], timeout=case.timeout)
    assert r.code in (0, 1) and "error" not in r.stderr and "Warning" not in r.stderr, r.stderr
    assert "PASS" in r.stdout or "FAIL" in r.stdout, r.stdout


def test_the_injected_fault_really_blocks_reading(tmp_path):
    """The permission case's injection makes lossdoc's own reads fail (the same path the real EACCES takes)."""
    p = tmp_path / "x.csv"
    p.write_text(corpus.csv_text())
    r = run_forked(["analyze", str(p)], timeout=20, fault="eacces", fault_target=str(p))
    assert r.code == 2 and "permission denied" in r.stderr, r.stderr


# ------------------------------------------------------------------------------- real subprocesses


def _cli(args: list[str], *, stdin=subprocess.DEVNULL, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "lossdoc", *args], stdin=stdin, capture_output=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parent.parent)


@pytest.mark.parametrize("extra", [["--max-bytes", "1M"], []], ids=["max-bytes-1M", "default-limit"])
def test_endless_stdin_is_bounded(extra):
    with open("/dev/zero", "rb") as zero:
        r = _cli(["analyze", "-", *extra], stdin=zero, timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 2 and "<stdin>" in err and "--max-bytes" in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_fifo_and_dev_zero_in_a_real_process(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        r = _cli(["analyze", path])
        err = r.stderr.decode()
        assert r.returncode == 2 and "not a regular file" in err and len(err.strip().splitlines()) == 1, err


def test_stdin_within_the_limit_is_read(tmp_path):
    data = corpus.csv_text().encode()
    p = tmp_path / "in.csv"
    p.write_bytes(data)
    with open(p, "rb") as fh:
        r = _cli(["analyze", "-", "--format", "json", "--max-bytes", "1M"], stdin=fh)
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["runs"][0]["source"] == "<stdin>"


def test_bad_max_bytes_is_a_usage_error(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(corpus.csv_text())
    r = run_forked(["analyze", str(p), "--max-bytes", "lots"], timeout=20)
    assert r.code == 2 and "--max-bytes" in r.stderr, r.stderr
