"""Live runs: lossdoc reads a CSV and a TensorBoard event file while another thread appends to them, cutting
lines and records in the middle. Every read is consistent for its complete part (a partial last line or record
is dropped with a note) and exits normally."""

from __future__ import annotations

import threading
import time

import numpy as np

import lossdoc
from tests import corpus

N = 400


def _values(report, name):
    assert not report.errors, report.errors
    assert report.exit_code in (0, 1)
    s = report.runs[0].run.series.get(name)
    return (np.array([]), np.array([])) if s is None else (s.x, s.values)


def test_csv_appended_while_read(tmp_path):
    path = tmp_path / "metrics.csv"
    header = "step,loss,val_loss\n"
    rows = [f"{i},{corpus.loss_curve(N, i)[0]:.6f},{corpus.loss_curve(N, i)[1]:.6f}\n" for i in range(N)]
    path.write_text(header + rows[0] + rows[1])
    stop = threading.Event()

    def writer():
        with open(path, "a", buffering=1) as fh:
            for row in rows[2:]:
                half = len(row) // 2
                fh.write(row[:half])
                fh.flush()
                time.sleep(0.0005)
                fh.write(row[half:])
                fh.flush()
        stop.set()

    t = threading.Thread(target=writer)
    t.start()
    reads, partial_notes = 0, 0
    try:
        while not stop.is_set() or reads < 3:
            report = lossdoc.analyze(str(path))
            x, v = _values(report, "loss")
            n = len(v)
            assert n >= 2
            # Consistent: exactly the first n complete rows, in order, with the values written.
            assert np.array_equal(x, np.arange(n)), x
            expect = np.array([float(r.split(",")[1]) for r in rows[:n]])
            assert np.array_equal(v, expect)
            notes = report.runs[0].run.notes
            partial_notes += any("no line end" in s for s in notes)
            reads += 1
    finally:
        t.join()
    final = lossdoc.analyze(str(path))
    assert len(_values(final, "loss")[1]) == N
    assert reads >= 3


def test_tensorboard_file_appended_while_read(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    path = d / corpus.EVENT_NAME
    recs = [corpus.frame(corpus.version_event())]
    expect = []
    for i in range(N):
        tr, _ = corpus.loss_curve(N, i)
        recs.append(corpus.frame(corpus.scalar_event("loss", i, tr)))
        expect.append(np.float32(tr))
    path.write_bytes(b"".join(recs[:3]))
    stop = threading.Event()

    def writer():
        with open(path, "ab", buffering=0) as fh:
            for rec in recs[3:]:
                cut = len(rec) // 3
                fh.write(rec[:cut])
                time.sleep(0.0005)
                fh.write(rec[cut:])
        stop.set()

    t = threading.Thread(target=writer)
    t.start()
    reads = 0
    try:
        while not stop.is_set() or reads < 3:
            report = lossdoc.analyze(str(path))
            x, v = _values(report, "loss")
            n = len(v)
            assert n >= 2
            assert np.array_equal(x, np.arange(n))
            assert np.array_equal(v.astype(np.float32), np.array(expect[:n]))
            reads += 1
    finally:
        t.join()
    final = lossdoc.analyze(str(path))
    assert len(_values(final, "loss")[1]) == N
    assert not any("incomplete" in n for n in final.runs[0].run.notes)


def test_truncated_event_file_notes_the_partial_record(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    recs = corpus.event_file_bytes(10)
    (d / corpus.EVENT_NAME).write_bytes(b"".join(recs)[:-5])
    report = lossdoc.analyze(str(d / corpus.EVENT_NAME))
    assert report.exit_code in (0, 1)
    assert any("incomplete" in n for n in report.runs[0].run.notes)
