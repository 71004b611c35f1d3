"""Bounded on any input: peak memory within 3x the file's size plus a constant, time linear in the size.

Each case runs ``lossdoc analyze`` in a fresh interpreter that resets its own peak-RSS counter once lossdoc is
imported (``/proc/self/clear_refs``), so the figure is the analysis alone, not the forking test process. The
cases reproduce what was found: a 2 MB TensorBoard file of 250 identical 8 KiB records took 1.1 GB (a CRC table
per record length, uncapped); 200 records of 20 KB took 2.6 GB; a 200 MB one-column CSV took 4.5 GB (22x) and
the line-by-line path. ``make bench`` runs the 200 MB CSV (``-m slow``); ``make test`` a 20 MB one.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import big_inputs

#: The bound: peak RSS (after import) <= FACTOR x the file's size + CONSTANT.
FACTOR = 3
CONSTANT = 200 * 1024**2

_MEASURE = """
import sys
from lossdoc.cli import main
import lossdoc.api, lossdoc.readers.registry, numpy
open("/proc/self/clear_refs", "w").write("5")
code = 0
try:
    sys.argv = ["lossdoc", "analyze", *sys.argv[1:]]
    main()
except SystemExit as exc:
    code = exc.code
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        sys.stderr.write("PEAK %d\\n" % (int(line.split()[1]) * 1024))
sys.exit(code)
"""


def peak(path: Path, *args: str) -> tuple[int, float]:
    """(peak RSS in bytes, CPU seconds) of ``lossdoc analyze path`` after import. CPU time, not wall time: on a
    shared machine the wall clock measures the neighbours."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc/self/clear_refs")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(  # noqa: PLW1510
        [sys.executable, "-c", _MEASURE, str(path), "--format", "json", *args], capture_output=True, timeout=300
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    secs = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    err = r.stderr.decode()
    assert r.returncode in (0, 1), err
    return int(err.rsplit("PEAK ", 1)[1]), secs


def _within(path: Path, size: int) -> None:
    rss, secs = peak(path)
    assert rss <= FACTOR * size + CONSTANT, f"peak {rss / 2**20:.0f} MiB for {size / 2**20:.1f} MiB"
    return secs


@pytest.mark.parametrize(("count", "size"), [(250, 8192), (200, 20_000)], ids=["250x8KiB", "200x20KB"])
def test_tensorboard_file_of_long_identical_records(tmp_path, count, size):
    d = tmp_path / "run"
    d.mkdir()
    f = d / big_inputs.EVENT_NAME
    f.write_bytes(big_inputs.tb_records(count, size))
    secs = _within(d, f.stat().st_size)
    assert secs < 10


def test_one_column_csv_20MB(tmp_path):
    f = tmp_path / "loss.csv"
    big_inputs.one_column_csv(f, 20 * 10**6)
    secs = _within(f, f.stat().st_size)
    assert secs < 10


@pytest.mark.slow
def test_one_column_csv_200MB(tmp_path):
    f = tmp_path / "loss.csv"
    big_inputs.one_column_csv(f, 200 * 10**6)
    secs = _within(f, f.stat().st_size)
    assert secs < 10
