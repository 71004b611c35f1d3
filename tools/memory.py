"""Peak memory of `lossdoc analyze` on big CSV logs: 10^6 and 10^7 points (rows of step, loss, val_loss).

    .venv/bin/python tools/memory.py                 # 10^6 and 10^7 points, default and unlimited --max-points
    .venv/bin/python tools/memory.py --points 1e6 --keep /tmp/lossdoc-mem

Each measurement runs lossdoc in its own child process and reads that child's peak resident set size from
``os.wait4`` (``ru_maxrss``): the interpreter, numpy and pandas included. The child is started by a small
fresh Python process, not by this one: on Linux a process's ru_maxrss keeps the high-water mark of the process
it was forked from (exec records it), so a child of this script, which has just built the CSVs in numpy, would
report this script's peak instead of its own (424 MiB instead of 205 MB for 10^6 points, before this was
fixed). The inputs are written into a temporary folder (or ``--keep``) and deleted after.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
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


# Runs its argv as a child and prints the child's peak RSS (KiB), wall seconds and exit code; its own small
# footprint is all the child inherits.
_WRAPPER = (
    "import os, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "err = p.stderr.read().decode(errors='replace').strip()\n"
    "print(usage.ru_maxrss, time.perf_counter() - t, os.waitstatus_to_exitcode(status))\n"
    "print(err.splitlines()[-1] if err else '')\n"
)


def measure(args: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, exit code) of one `lossdoc` run in a child process."""
    exe = [sys.executable, "-c", _WRAPPER, sys.executable, "-m", "lossdoc", *args]
    out = subprocess.run(exe, capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    rss, secs, code = out[0].split()
    err = out[1] if len(out) > 1 else ""
    if int(code) not in (0, 1) and err:
        print(f"  ({' '.join(args[:2])}: {err})", file=sys.stderr)
    return int(rss) / 1024, float(secs), int(code)


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
