"""Two layouts of public round 11's collection: whitespace-separated tables with a header (``np.savetxt`` with
``header=``, its ``#`` header, or a header without one) read as the tidy CSV reader reads a comma table; and
``ep: 0, batch: N, ..., loss: X`` lines whose epoch never advances, read per step (every line a point)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.model import Run
from lossdoc.readers import registry
from lossdoc.readers.base import HEAD_BYTES
from lossdoc.readers.tabular import header_end


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(path: Path, fmt: str | None = None) -> Run:
    runs = registry.read_path(path, fmt)
    assert len(runs) == 1
    return runs[0]


def sniffed(path: Path) -> str | None:
    """The format the registry picks for a file (the first reader whose sniff claims its head)."""
    head = path.read_bytes()[:HEAD_BYTES]
    return next((r.name for r in registry.readers() if r.sniff(head, path)), None)


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


# ------------------------------------------------------------------------------------- whitespace tables
# NumPy's savetxt (numpy/lib/_npyio_impl.py, ``def savetxt(fname, X, fmt='%.18e', delimiter=' ', newline='\n',
# header='', footer='', comments='# ', ...)``) writes ``comments + header + newline`` (each further line of the header
# prefixed with ``comments`` too: ``header.replace('\n', '\n' + comments)``), then each row as
# ``delimiter.join(fmt) % tuple(row) + newline``. The files below are written by np.savetxt itself.

HISTORY = np.array([[0, 2.30, 2.40], [1, 1.90, 2.00], [2, 1.50, 1.70], [3, 1.20, 1.55]])


def test_savetxt_default_format_with_hash_header(tmp_path):
    p = tmp_path / "history.txt"
    np.savetxt(p, HISTORY, header="epoch train_loss val_loss")
    assert p.read_text().splitlines()[:2] == [
        "# epoch train_loss val_loss",
        "0.000000000000000000e+00 2.299999999999999822e+00 2.399999999999999911e+00",
    ]
    run = read(p)
    assert run.format == "csv"
    assert sorted(run.series) == ["train_loss", "val_loss"]  # the epoch column is the axis, '#' no part of a name
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert run.series["train_loss"].role == "train_loss" and run.series["val_loss"].role == "val_loss"
    tl = run.series["train_loss"]
    assert len(tl) == 4 and tl.values[0] == pytest.approx(2.3) and tl.values[-1] == pytest.approx(1.2)
    assert lst(tl.epochs) == [0, 1, 2, 3] and tl.steps is None and tl.axis == "epoch"
    assert run.series["val_loss"].values[-1] == pytest.approx(1.55)
    assert any("np.savetxt" in n for n in run.notes)


def test_savetxt_fmt_and_a_header_of_several_lines(tmp_path):
    p = tmp_path / "losses.txt"
    np.savetxt(p, HISTORY, fmt="%d %.6f %.6f", header="lr=0.01 batch=64\nepoch train_loss val_loss")
    assert p.read_text().splitlines()[:3] == ["# lr=0.01 batch=64", "# epoch train_loss val_loss",
                                              "0 2.300000 2.400000"]
    run = read(p)
    assert run.format == "csv" and sorted(run.series) == ["train_loss", "val_loss"]
    assert lst(run.series["val_loss"].values) == [2.4, 2.0, 1.7, 1.55]
    assert run.series["val_loss"].axis == "epoch"
    assert any("1 comment line(s) above it skipped" in n for n in run.notes)
    # lossdoc watch keeps the header to parse appended lines under: both '#' lines, up to the names
    data = p.read_bytes()
    assert data[: header_end(data)] == b"# lr=0.01 batch=64\n# epoch train_loss val_loss\n"


def test_header_without_hash_runs_of_spaces_and_tabs_step_axis(tmp_path):
    p = tmp_path / "log.txt"
    p.write_bytes(b"step   train_loss\tval_loss\n"
                  b"100  2.31 \t 2.45\n"
                  b"200\t2.05    2.21\n"
                  b"  300   1.87  2.02  \n"
                  b"400 1.70 1.96\n")
    run = read(p)
    assert run.format == "csv" and sorted(run.series) == ["train_loss", "val_loss"]
    tl = run.series["train_loss"]
    assert lst(tl.steps) == [100, 200, 300, 400] and tl.epochs is None and tl.axis == "step"
    assert lst(tl.values) == [2.31, 2.05, 1.87, 1.70]
    assert lst(run.series["val_loss"].values) == [2.45, 2.21, 2.02, 1.96]


def test_hash_glued_to_the_first_name(tmp_path):
    p = tmp_path / "log.txt"
    p.write_bytes(b"#epoch loss val_loss acc\n0 0.9 1.0 0.5\n1 0.7 0.8 0.6\n2 0.5 0.7 0.7\n")
    run = read(p)
    assert run.format == "csv" and sorted(run.series) == ["acc", "loss", "val_loss"]
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert run.series["acc"].role == "train_metric"
    assert lst(run.series["loss"].epochs) == [0, 1, 2]


def test_comma_csv_with_a_hash_header(tmp_path):
    p = tmp_path / "metrics.csv"
    p.write_bytes(b"#epoch,train_loss,val_loss\n0,2.3,2.4\n1,1.9,2.0\n2,1.5,1.7\n")
    run = read(p)
    assert run.format == "csv"
    assert "#epoch" not in run.series and sorted(run.series) == ["train_loss", "val_loss"]
    assert lst(run.series["train_loss"].epochs) == [0, 1, 2] and run.series["train_loss"].axis == "epoch"
    assert run.series["val_loss"].role == "val_loss"
    assert not any("no step or epoch column" in n for n in run.notes)


def test_nan_and_inf_kept_as_data(tmp_path):
    p = tmp_path / "history.txt"
    arr = HISTORY.copy()
    arr[2, 1], arr[3, 2] = np.nan, np.inf  # savetxt writes them as "nan" and "inf"
    np.savetxt(p, arr, fmt="%d %.4f %.4f", header="epoch train_loss val_loss")
    assert "nan" in p.read_text() and "inf" in p.read_text()
    run = read(p)
    tl, vl = run.series["train_loss"].values, run.series["val_loss"].values
    assert len(tl) == 4 and math.isnan(tl[2]) and vl[3] == math.inf


def test_large_table_through_pandas(tmp_path):
    p = tmp_path / "history.txt"
    n = 15_000  # %.18e rows of three columns: over a megabyte, the pandas path
    arr = np.column_stack([np.arange(n), np.linspace(3, 0.1, n), np.linspace(3.1, 0.2, n)])
    np.savetxt(p, arr, header="step train_loss val_loss")
    assert p.stat().st_size > 1 << 20
    run = read(p)
    tl = run.series["train_loss"]
    assert len(tl) == n and tl.values[0] == pytest.approx(3.0) and tl.values[-1] == pytest.approx(0.1)
    assert tl.steps[-1] == n - 1 and tl.axis == "step"


@pytest.mark.parametrize("text", [
    b"epoch 1 loss 0.52 acc 0.81\nepoch 2 loss 0.44 acc 0.85\nepoch 3 loss 0.40 acc 0.86\n",
    # a header of names over rows of words and numbers is a text log, not a table
    b"epoch loss acc\nepoch 1 0.52 0.81\nepoch 2 0.44 0.85\nepoch 3 0.40 0.86\n",
])
def test_text_logs_are_not_tables(tmp_path, text):
    p = tmp_path / "train.log"
    p.write_bytes(text)
    assert sniffed(p) == "text"


def test_rows_of_another_width_are_not_a_whitespace_table(tmp_path):
    p = tmp_path / "train.log"
    p.write_bytes(b"epoch train_loss val_loss\n0 2.3\n1 1.9\n2 1.5\n")
    assert sniffed(p) == "text"  # as before: the text reader, which finds no progress line


def test_fastai_printed_table_still_fastai(tmp_path):
    p = tmp_path / "history.csv"
    p.write_bytes(b"epoch     train_loss  valid_loss  accuracy  time\n"
                  b"0         1.234567    1.111111    0.800000  00:03\n"
                  b"1         0.934567    0.911111    0.850000  00:03\n")
    run = read(p)
    assert run.format == "fastai" and run.val_loss.name == "valid_loss" and len(run.val_loss) == 2


def test_hash_header_without_rows_is_exit_2_naming_the_file(runner, tmp_path):
    p = tmp_path / "history.txt"
    p.write_bytes(b"# epoch train_loss val_loss\n")
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(p) in lines[0] and "Traceback" not in r.output


def test_forced_csv_with_text_in_the_loss_column_is_exit_2(runner, tmp_path):
    p = tmp_path / "history.txt"
    p.write_bytes(b"# epoch train_loss val_loss\n0 2.3 2.4\n1 1.9 2.0\n2 oops 1.7\n3 abc 1.5\n4 x 1.4\n")
    r = runner.invoke(app, ["inspect", str(p), "--input-format", "csv"])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(p) in lines[0] and "train_loss" in lines[0]


# -------------------------------------------------------------------- epoch + batch counter lines, per step
# A language-model loop of round 11's collection printed ``ep: 0, batch: 100, time: 50.00, ntokens: 51200/1000000,
# loss: 9.1234`` every 100 batches, all in epoch 0 (a corpus larger than the run). The same shape in public code:
# ``print('\t--- Ep: {}, batch: {}, ep_loss: {}, time: {}'.format(epoch, batch_id, np.mean(ep_loss), t1 - t0))``
# every 20 batches, then ``print('Epoch: {}, Avg_Loss: {}'.format(epoch, np.mean(ep_loss)))`` at each epoch's end.


def _lm_log(tmp_path: Path) -> Path:
    lines = [f"ep: 0, batch: {b}, time: {b * 0.5:.2f}, ntokens: {b * 512}/1000000, loss: {9.5 - b / 1000:.4f}"
             for b in range(100, 1400, 100)]
    p = tmp_path / "train.log"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_epoch_that_never_advances_read_per_batch(tmp_path):
    run = read(_lm_log(tmp_path))
    assert run.format == "text" and list(run.series) == ["loss"]  # batch, time, ntokens: bookkeeping
    loss = run.series["loss"]
    assert loss.role == "train_loss" and run.train_loss.name == "loss"
    assert len(loss) == 13 and loss.values[0] == pytest.approx(9.4) and loss.values[-1] == pytest.approx(8.2)
    assert lst(loss.steps) == list(range(100, 1400, 100)) and loss.axis == "step"
    assert lst(loss.epochs) == [0] * 13  # the epoch of each point kept
    assert any("batch counter" in n for n in run.notes)


def test_batch_counter_restarting_each_epoch_counted_on(tmp_path):
    lines = []
    for e in range(3):
        lines += [f"\t--- Ep: {e}, batch: {b}, ep_loss: {3.0 - e * 0.5 - b / 1000}, time: {0.0123}"
                  for b in range(0, 100, 20)]
        lines.append(f"Epoch: {e}, Avg_Loss: {2.9 - e * 0.5}")
    p = tmp_path / "train.log"
    p.write_text("\n".join(lines) + "\n")
    run = read(p)
    ep = run.series["ep_loss"]
    assert len(ep) == 15 and ep.axis == "step" and run.train_loss.name == "ep_loss"
    assert lst(ep.epochs) == [0] * 5 + [1] * 5 + [2] * 5
    # 0..80 in epoch 0, then on by one typical step (20): 100..180, 200..280 (base.steps_within_epochs)
    assert lst(ep.steps) == list(range(0, 300, 20))
    assert ep.values[0] == pytest.approx(3.0) and ep.values[-1] == pytest.approx(3.0 - 1.0 - 0.08)
    avg = run.series["Avg_Loss"]  # the epoch-end lines have no counter: one point per epoch, as before
    assert len(avg) == 3 and avg.steps is None and lst(avg.epochs) == [0, 1, 2]
    assert not any(s.derived for s in run.series.values())  # no sum of the two train losses
    assert any("counted on across epochs" in n for n in run.notes)


@pytest.mark.parametrize("line, counter", [
    ("Epoch [{e}/10], Batch [{b}/600], Loss: {v:.4f}", "Batch"),
    ("epoch {e} batch_id {b} loss {v:.4f}", "batch_id"),
])
def test_batch_counter_becomes_the_axis_not_a_series(tmp_path, line, counter):
    p = tmp_path / "train.log"
    p.write_text("".join(line.format(e=e, b=b, v=2.0 - e / 2 - b / 1000) + "\n" for e in (1, 2) for b in (200, 400, 600)))
    run = read(p)
    assert counter not in run.series and len(run.series) == 1
    loss = run.train_loss
    assert loss is not None and len(loss) == 6 and loss.axis == "step"
    assert lst(loss.epochs) == [1, 1, 1, 2, 2, 2] and lst(loss.steps) == [200, 400, 600, 800, 1000, 1200]
    assert loss.values[0] == pytest.approx(1.3) and loss.values[-1] == pytest.approx(0.4)


def test_nan_loss_kept_on_batch_lines(tmp_path):
    p = tmp_path / "train.log"
    p.write_text("".join(f"ep: 0, batch: {b}, loss: {v}\n" for b, v in ((100, "9.1"), (200, "nan"), (300, "8.7"))))
    loss = read(p).series["loss"]
    assert len(loss) == 3 and math.isnan(loss.values[1]) and lst(loss.steps) == [100, 200, 300]


def test_a_batch_size_printed_on_every_line_stays_per_epoch(tmp_path):
    # "batch 32" the same on every line, one line per epoch: no counter rising within an epoch, nothing changes
    p = tmp_path / "train.log"
    p.write_text("".join(f"epoch {e} batch 32 loss {1.0 - e / 10:.2f} val_loss {1.1 - e / 10:.2f}\n" for e in range(4)))
    run = read(p)
    assert run.train_loss.axis == "epoch" and run.train_loss.steps is None and len(run.train_loss) == 4
    assert lst(run.val_loss.epochs) == [0, 1, 2, 3]
    assert not any("batch counter" in n for n in run.notes)


def test_batch_lines_without_a_loss_value_are_exit_2(runner, tmp_path):
    p = tmp_path / "train.log"
    p.write_text("ep: 0, batch: 100, time: 50.00\nep: 0, batch: 200, time: 100.00\n")
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(p) in lines[0] and "Traceback" not in r.output
