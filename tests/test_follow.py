"""readers.follow: a growing log read a piece at a time gives the same runs as reading it whole, reads only what was
appended, and waits for a line or record still being written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from lossdoc.api import read
from lossdoc.readers.follow import APPENDS, Follower, complete_records
from lossdoc.readers.registry import reader_names

FIX = Path(__file__).resolve().parent.parent / "fixtures"


def _same(a, b):
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        assert sorted(ra.series) == sorted(rb.series)  # a column first filled later comes later
        for name, s in ra.series.items():
            t = rb.series[name]
            np.testing.assert_array_equal(s.values, t.values, err_msg=name)
            for attr in ("steps", "epochs"):
                x, y = getattr(s, attr), getattr(t, attr)
                assert (x is None) == (y is None), (name, attr)
                if x is not None:
                    np.testing.assert_array_equal(x, y, err_msg=f"{name} {attr}")


def _grow(src: Path, dst: Path, cuts: list[int]) -> Follower:
    """Write ``src`` into ``dst`` in pieces ending at the byte offsets ``cuts`` (mid-line, mid-record), polling a
    Follower after each; returns it."""
    data = src.read_bytes()
    f = Follower(str(dst))
    done = 0
    for cut in [*cuts, len(data)]:
        with open(dst, "ab") as fh:
            fh.write(data[done:cut])
        done = cut
        f.poll()
    return f


def test_every_format_named_in_appends_is_a_reader():
    assert set(APPENDS) <= set(reader_names())


@pytest.mark.parametrize(
    "fixture",
    [
        "csv/overfit.csv",
        str(next((FIX / "lightning-csv" / "healthy").rglob("metrics.csv")).relative_to(FIX)),
        "keras-csvlogger/healthy.csv",
        "ultralytics/overfit.csv",
    ],
)
def test_csv_appended_in_pieces_reads_as_a_whole(tmp_path, fixture):
    src = FIX / fixture
    dst = tmp_path / src.name
    n = src.stat().st_size
    f = _grow(src, dst, [n // 7, n // 7 + 3, n // 3, n // 2 + 1, 4 * n // 5])
    (key,) = f.tails
    _same(f.runs(key), read(str(src)))
    tail = f.tails[key]
    assert tail.mode == "lines"
    assert tail.bytes_read < 1.5 * n  # each appended byte read about once, not the whole file per check


def test_a_half_written_line_is_waited_for(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("step,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8")
    f = Follower(str(p))
    assert f.poll()
    (key,) = f.tails
    assert len(f.runs(key)[0].series["loss"]) == 2  # the cut row is not read as 0.8 of anything yet
    with open(p, "a") as fh:
        fh.write("5,0.95\n")
    assert f.poll()
    s = f.runs(key)[0].series["val_loss"]
    assert list(s.values) == [1.1, 1.0, 0.95] and list(s.steps) == [0, 1, 2]
    assert not f.poll()  # nothing new: nothing read


def test_a_rewritten_header_and_a_replaced_file_are_read_again(tmp_path):
    p = tmp_path / "metrics.csv"
    p.write_text("step,loss\n0,1.0\n1,0.9\n")
    f = Follower(str(p))
    f.poll()
    (key,) = f.tails
    p.write_text("step,loss,val_loss\n0,1.0,\n1,0.9,1.2\n2,0.8,\n")  # Lightning adds a column: a new header
    assert f.poll()
    run = f.runs(key)[0]
    assert "val_loss" in run.series and len(run.series["loss"]) == 3
    tmp = tmp_path / "new.csv"
    tmp.write_text("step,loss\n0,5.0\n")
    os.replace(tmp, p)  # a new file in its place (smaller than what was read)
    assert f.poll()
    assert list(f.runs(key)[0].series["loss"].values) == [5.0]


def test_rows_numbered_by_the_reader_go_on_from_the_last_one(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("loss,val_loss\n1.0,1.1\n0.9,1.0\n")
    f = Follower(str(p))
    f.poll()
    with open(p, "a") as fh:
        fh.write("0.8,0.95\n0.7,0.9\n")
    f.poll()
    (key,) = f.tails
    _same(f.runs(key), read(str(p)))


def test_jsonl_appended(tmp_path):
    src = tmp_path / "src.jsonl"
    src.write_text("".join(f'{{"step": {i}, "loss": {1 / (i + 1):.4f}, "val_loss": {1.1 / (i + 1):.4f}}}\n'
                           for i in range(50)))
    dst = tmp_path / "log.jsonl"
    f = _grow(src, dst, [100, 101, 700, 1200])
    (key,) = f.tails
    assert f.tails[key].mode == "lines"
    _same(f.runs(key), read(str(src)))


def test_tensorboard_records_appended_mid_record(tmp_path):
    src = next((FIX / "tensorboard").rglob("events.out.tfevents*"))
    dst = tmp_path / src.name
    n = src.stat().st_size
    f = _grow(src, dst, [n // 5 + 7, n // 2 + 1, n - 3])
    (key,) = f.tails
    assert f.tails[key].mode == "records"
    _same(f.runs(key), read(str(src)))
    assert f.tails[key].bytes_read < 1.5 * n


def test_complete_records():
    rec = (5).to_bytes(8, "little") + b"crc!" + b"hello" + b"crc!"
    assert complete_records(rec * 3) == 3 * len(rec)
    assert complete_records(rec * 2 + rec[:-1]) == 2 * len(rec)
    assert complete_records(b"") == 0


def test_whole_documents_are_read_again_only_when_changed(tmp_path):
    src = FIX / "keras-history" / "healthy.json"
    p = tmp_path / "history.json"
    p.write_text('{"loss": [1.0, 0.9')  # half written
    f = Follower(str(p))
    assert not f.poll() and f.problems()  # not misread: waited for
    shutil.copy(src, p)
    assert f.poll()
    (key,) = f.tails
    assert f.tails[key].mode == "reread"
    read_before = f.bytes_read
    assert not f.poll() and f.bytes_read == read_before
    _same(f.runs(key), read(str(src)))


def test_a_folder_with_runs_appearing(tmp_path):
    (tmp_path / "a").mkdir()
    shutil.copy(FIX / "csv" / "healthy.csv", tmp_path / "a" / "metrics.csv")
    f = Follower(str(tmp_path))
    f.poll()
    (tmp_path / "b").mkdir()
    shutil.copy(FIX / "csv" / "overfit.csv", tmp_path / "b" / "metrics.csv")
    changed = f.poll()
    assert any(k.endswith(("b", "b/metrics.csv")) for k in changed), changed
    assert sum(len(f.runs(k)) for k in f.tails) == 2


@pytest.mark.parametrize("name", ["healthy", "keras_logdir_overfit", "multi_run_logdir", "mixed_events_healthy"])
def test_tensorboard_folders_grow_like_a_full_read(tmp_path, name):
    """A run folder (one event file; Keras train/ and validation/) is followed file by file, record by record; a
    logdir splits into such folders; several event files in one folder are read whole when they change."""
    src = FIX / "tensorboard" / name
    dst = tmp_path / name
    files = sorted(p for p in src.rglob("*") if p.is_file())
    for p in files:
        (dst / p.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
    f = Follower(str(dst))
    for frac in (0.3, 0.61, 1.0):
        for p in files:
            data = p.read_bytes()
            out = dst / p.relative_to(src)
            have = out.stat().st_size if out.exists() else 0
            with open(out, "ab") as fh:
                fh.write(data[have : int(len(data) * frac)])
        f.poll()
    got = sorted((r for k in f.tails for r in f.runs(k)), key=lambda r: r.name or "")
    want = sorted(read(str(dst)), key=lambda r: r.name or "")
    _same(got, want)
    assert [r.name for r in got] == [r.name for r in want]
    kinds = {type(t).__name__ for t in f.tails.values()}
    assert kinds == {"EventDirTail"}
    if name != "mixed_events_healthy":
        assert all(t.fallback is None for t in f.tails.values())


TEXT_LOGS = sorted(
    [p.relative_to(FIX).as_posix() for p in (FIX / "text").iterdir()]
    + [p.relative_to(FIX).as_posix() for d in ("kv-log", "nanogpt-log", "fairseq", "megatron", "torchtune", "hf-stdout")
       for p in (FIX / d).rglob("*") if p.is_file() and p.suffix in (".log", ".txt")]
    + ["detectron2/healthy/metrics.json"] * (FIX / "detectron2" / "healthy" / "metrics.json").exists()
)


@pytest.mark.parametrize("name", TEXT_LOGS)
def test_text_logs_grow_like_a_full_read(tmp_path, name):
    """A text log is followed by its lines when its lines, fed one at a time, read as they do together; else it is
    read again whole. Either way the runs are those of a full read."""
    src = FIX / name
    dst = tmp_path / src.name
    n = src.stat().st_size
    f = _grow(src, dst, [n // 2 + 5, 2 * n // 3, 4 * n // 5 + 1])
    (key,) = f.tails
    _same(f.runs(key), read(str(src)))
    tail = f.tails[key]
    if tail.mode == "lines":  # a few lines that do not parse yet are read again with the next ones
        assert tail.bytes_read < 2.5 * n


def test_torch_step_logs_are_followed_by_their_lines(tmp_path):
    src = FIX / "text" / "torch_steps_healthy.txt"
    dst = tmp_path / "train.log"
    n = src.stat().st_size
    f = _grow(src, dst, [n // 2, 3 * n // 4])
    (key,) = f.tails
    assert f.tails[key].mode == "lines"


@pytest.mark.parametrize("empty", ["", "NA"])
def test_a_val_column_with_no_values_yet_is_read_when_its_values_come(tmp_path, empty):
    """A growing CSV whose val loss has no value yet (every cell empty, or NA as R writes it): left out with a
    note while it has none, as a full read does; its points come with the lines that hold them, and the note goes."""
    p = tmp_path / "m.csv"
    p.write_text("epoch,loss,val_loss\n" + "".join(f"{e},{1 / (e + 1):.4f},{empty}\n" for e in range(4)))
    f = Follower(str(p))
    assert f.poll()
    (key,) = f.tails
    (run,) = f.runs(key)
    assert run.val_loss is None and any(n.startswith("val_loss: no values") for n in run.notes), run.notes
    with open(p, "a") as fh:
        fh.write("".join(f"{e},{1 / (e + 1):.4f},{1.2 / (e + 1):.4f}\n" for e in range(4, 9)))
    assert f.poll()
    (run,) = f.runs(key)
    assert run.val_loss is not None and len(run.val_loss) == 5
    assert not any(n.startswith("val_loss: no values") for n in run.notes), run.notes
    _same(f.runs(key), read(str(p)))


def test_csv_with_comment_lines_above_its_header_grows_like_a_full_read(tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("# Training configuration\n# lr 0.01\n\nEpoch,Accuracy,Loss\n"
                   + "".join(f"{e},{50 + e},{1 / e:.5f}\n" for e in range(1, 40)))
    dst = tmp_path / "training_metrics.csv"
    n = src.stat().st_size
    f = _grow(src, dst, [n // 3, n // 2 + 1, 4 * n // 5])
    (key,) = f.tails
    assert f.tails[key].mode == "lines"
    _same(f.runs(key), read(str(src)))


def test_long_csv_grows_like_a_full_read(tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("epoch,split,metric,value\n"
                   + "".join(f"{e},train,loss,{1 / e:.5f}\n{e},val,loss,{1.2 / e:.5f}\n" for e in range(1, 40)))
    dst = tmp_path / "training_log.csv"
    n = src.stat().st_size
    f = _grow(src, dst, [n // 3, n // 3 + 20, 4 * n // 5])
    (key,) = f.tails
    assert f.tails[key].mode == "lines"
    _same(f.runs(key), read(str(src)))
    assert set(f.runs(key)[0].series) == {"train_loss", "val_loss"}


def test_json_array_of_records_is_read_again_whole(tmp_path):
    import json

    p = tmp_path / "training_history.json"
    recs = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.1 / e} for e in range(1, 4)]
    p.write_text(json.dumps(recs[:2], indent=2))  # json.dump writes no final line end
    f = Follower(str(p))
    assert f.poll()
    (key,) = f.tails
    assert f.tails[key].mode == "reread" and len(f.runs(key)[0].series["val_loss"]) == 2
    p.write_text(json.dumps(recs, indent=2))
    assert f.poll()
    _same(f.runs(key), read(str(p)))


def test_a_followed_test_loss_stays_the_val_loss_at_every_check(tmp_path):
    """finish_run works on a copy of what the reader produced: reading a test_loss curve as the val loss (no val
    loss logged) must not change the kept series, so every check reads it the same way and says so."""
    p = tmp_path / "history.csv"
    p.write_text("epoch,train_loss,test_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.7,0.8\n")
    f = Follower(str(p))
    assert f.poll()
    (key,) = f.tails
    for _ in range(2):
        run = f.runs(key)[0]
        assert run.val_loss is not None and run.val_loss.name == "test_loss"
        assert any("test_loss read as the validation loss" in n for n in run.notes)
        with open(p, "a") as fh:
            fh.write(f"{len(run.val_loss) + 0},0.6,0.7\n")
        assert f.poll()
    assert len(f.runs(key)[0].val_loss) == 5
