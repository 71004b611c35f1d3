"""Peak memory of `lossdoc analyze` on big CSV logs: 10^6 and 10^7 points (rows of step, loss, val_loss).

    .venv/bin/python tools/memory.py                 # 10^6 and 10^7 points, default and unlimited --max-points
    .venv/bin/python tools/memory.py --points 1e6 --keep /tmp/lossdoc-mem

Each measurement runs lossdoc in its own child process and reads that child's peak resident set size from
``os.wait4`` (``ru_maxrss``, the same figure ``resource.getrusage(RUSAGE_CHILDREN)`` reports): the interpreter,
numpy and pandas included. The inputs are written into a temporary folder (or ``--keep``) and deleted after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def write_csv(path: Path, n: int, val_every: int = 100) -> None:
    """A Lightning-style log: a train loss every step, a val loss every ``val_every`` steps (empty cells between)."""
    rng = np.random.default_rng(0)
    step = np.arange(n)
    t = step / n
    loss = 2.0 * np.exp(-4 * t) + 0.05 + 0.02 * rng.standard_normal(n)
    val = 2.0 * np.exp(-4 * t) + 0.1 + 0.3 * np.maximum(0, t - 0.6) ** 2
    chunk = 1_000_000
    with open(path, "w", encoding="ascii") as fh:
        fh.write("step,loss,val_loss\n")
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            vals = np.where(step[a:b] % val_every == 0, np.char.mod("%.5f", val[a:b]), "")
            rows = np.char.add(np.char.add(np.char.add(step[a:b].astype(str), ","), np.char.mod("%.5f", loss[a:b])), ",")
            fh.write("\n".join(np.char.add(rows, vals).tolist()))
            fh.write("\n")


def measure(args: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, exit code) of one `lossdoc` run in a child process."""
    exe = [sys.executable, "-m", "lossdoc", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(exe, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    if proc.returncode not in (0, 1) and err:
        print(f"  ({' '.join(args[:2])}: {err.splitlines()[-1]})", file=sys.stderr)
    return usage.ru_maxrss / 1024, time.perf_counter() - t0, proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--keep", type=Path, help="write the CSVs here and keep them")
    a = ap.parse_args(argv)
    folder = a.keep or Path(tempfile.mkdtemp(prefix="lossdoc-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    base, _, _ = measure(["--version"])
    print(f"lossdoc peak memory (baseline: `lossdoc --version` {base:.0f} MiB)\n")
    print("| points | file | --max-points | peak RSS | time | exit |")
    print("|---:|---:|---|---:|---:|---:|")
    try:
        for p in a.points:
            n = int(p)
            path = folder / f"log-{n}.csv"
            if not path.exists():
                write_csv(path, n)
            size = path.stat().st_size / 1024**2
            for mp in ("default", "0"):
                opts = [] if mp == "default" else ["--max-points", mp]
                rss, secs, code = measure(["analyze", str(path), "--format", "json", "--exit-zero", *opts])
                label = "default (200,000)" if mp == "default" else "0 (no binning)"
                print(f"| {n:,} | {size:,.0f} MiB | {label} | {rss:,.0f} MiB | {secs:.1f} s | {code} |", flush=True)
    finally:
        if a.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
