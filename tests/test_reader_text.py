"""The plain-text stdout reader: Keras progress output (verbose=1 and 2, Keras 2 and 3) and marker lines
(nanoGPT's step lines, iter lines, epoch lines with name=value pairs)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.text import TextReader


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(tmp_path: Path, data: bytes, name: str = "train.log", fmt: str | None = None) -> Run:
    p = tmp_path / name
    p.write_bytes(data)
    runs = registry.read_path(p, fmt)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


KERAS3_V2 = b"""2024-05-01 10:00:00.123 I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized
Model: "sequential"
Epoch 1/3
32/32 - 1s - 20ms/step - accuracy: 0.7012 - loss: 0.8123 - val_accuracy: 0.7400 - val_loss: 0.7001
Epoch 2/3
32/32 - 0s - 5ms/step - accuracy: 0.8012 - loss: 0.6123 - val_accuracy: 0.7900 - val_loss: 0.6501
Epoch 3/3
32/32 - 0s - 5ms/step - accuracy: 0.8612 - loss: 0.4123 - val_accuracy: 0.8100 - val_loss: 0.5200
"""


def test_keras3_verbose2(tmp_path):
    run = read(tmp_path, KERAS3_V2)
    assert run.format == "text"
    assert run.series["loss"].values.tolist() == [0.8123, 0.6123, 0.4123]
    assert lst(run.series["loss"].epochs) == [0, 1, 2]  # "Epoch 1/3" is Keras' epoch 0
    assert run.series["loss"].axis == "epoch"
    assert run.val_loss.name == "val_loss" and run.series["val_accuracy"].role == "val_metric"
    assert any("0-based" in n for n in run.notes)


def test_keras3_verbose1_progress_bar_redraws(tmp_path):
    bar = "\u2501" * 20
    out = ""
    for e, (l1, l2, vl) in enumerate([(0.9, 0.8, 0.75), (0.6, 0.5, 0.55)], start=1):
        out += f"Epoch {e}/2\n"
        out += f"\r 1/32 {bar} 5s 200ms/step - accuracy: 0.5000 - loss: {l1:.4f}"
        out += f"\r16/32 {bar} 0s 5ms/step - accuracy: 0.6000 - loss: {l1 - 0.05:.4f}"
        out += f"\r32/32 {bar} 0s 5ms/step - accuracy: 0.6500 - loss: {l2:.4f}"
        out += f"\r32/32 {bar} 1s 12ms/step - accuracy: 0.6500 - loss: {l2:.4f} - val_accuracy: 0.7000 - val_loss: {vl:.4f}\n"
    run = read(tmp_path, out.encode())
    assert run.series["loss"].values.tolist() == [0.8, 0.5]
    assert run.series["val_loss"].values.tolist() == [0.75, 0.55]
    assert lst(run.series["val_loss"].epochs) == [0, 1]


def test_keras2_verbose1_with_backspaces(tmp_path):
    bs = "\x08" * 60
    out = "Epoch 1/2\n"
    out += " 1/10 [==>...........................] - ETA: 0s - loss: 1.2000 - acc: 0.3000"
    out += (
        bs
        + "\r10/10 [==============================] - 1s 50ms/step - loss: 1.0000 - acc: 0.5000 - val_loss: 1.1000 - val_acc: 0.4000\n"
    )
    out += "Epoch 2/2\n"
    out += " 1/10 [==>...........................] - ETA: 1:02 - loss: 0.9000 - acc: 0.6000"
    out += (
        bs
        + "\r10/10 [==============================] - 0s 40ms/step - loss: 0.8000 - acc: 0.6500 - val_loss: 0.9000 - val_acc: 0.5500\n"
    )
    run = read(tmp_path, out.encode())
    assert run.series["loss"].values.tolist() == [1.0, 0.8]
    assert run.series["val_acc"].values.tolist() == [0.4, 0.55]
    assert "ETA" not in run.series


def test_keras_nan_loss(tmp_path):
    data = (
        b"Epoch 1/2\n32/32 - 0s - loss: 0.5 - val_loss: 0.6\nEpoch 2/2\n32/32 - 0s - loss: nan - val_loss: nan\n"
    )
    run = read(tmp_path, data)
    assert math.isnan(run.series["loss"].values[1]) and run.series["loss"].nonfinite == 1


NANOGPT = b"""Overriding config with config/train_shakespeare_char.py:
tokens per iteration will be 16,384
number of parameters: 10.65M
step 0: train loss 4.2874, val loss 4.2823
iter 0: loss 4.2654, time 12543.21ms, mfu -100.00%
iter 10: loss 3.2410, time 45.12ms, mfu 8.25%
iter 20: loss 2.7855, time 45.60ms, mfu 8.24%
step 250: train loss 1.9712, val loss 2.0663
saving checkpoint to out-shakespeare-char
iter 250: loss 2.0412, time 1234.50ms, mfu 8.20%
step 500: train loss 1.5412, val loss 1.7290
"""


def test_nanogpt(tmp_path):
    run = read(tmp_path, NANOGPT)
    assert run.format == "text"
    assert run.series["train_loss"].values.tolist() == [4.2874, 1.9712, 1.5412]
    assert lst(run.series["val_loss"].steps) == [0, 250, 500]
    assert run.series["val_loss"].role == "val_loss" and run.series["train_loss"].role == "train_loss"
    assert lst(run.series["loss"].steps) == [0, 10, 20, 250]  # the per-iteration loss
    assert run.val_loss.name == "val_loss"
    assert run.train_loss.role == "train_loss"
    assert not any("time" in n for n in run.series)  # bookkeeping
    assert not any("number" in n or "parameters" in n for n in run.series)


def test_same_name_under_different_markers_is_split(tmp_path):
    data = b"step 0: loss 2.5\niter 0: loss 2.6\niter 10: loss 2.2\nstep 20: loss 2.0\niter 20: loss 1.9\n"
    run = read(tmp_path, data)
    assert run.series["step_loss"].values.tolist() == [2.5, 2.0]
    assert run.series["iter_loss"].values.tolist() == [2.6, 2.2, 1.9]
    assert run.series["step_loss"].role == "train_loss" and run.series["iter_loss"].role == "train_loss"
    assert "loss" not in run.series


def test_names_with_spaces_are_joined(tmp_path):
    data = b"step 10: train loss 1.5, val loss 1.6\nstep 20: train loss 1.2, val loss 1.4\n"
    run = read(tmp_path, data)
    assert set(run.series) == {"train_loss", "val_loss"}
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"


def test_chatter_before_a_name_is_not_part_of_it(tmp_path):
    data = b"step 10: evaluating now train loss 1.5\nstep 20: evaluating now train loss 1.2\n"
    run = read(tmp_path, data)
    assert set(run.series) == {"train_loss"}


def test_epoch_pipe_and_equals(tmp_path):
    data = b"Epoch 1 | train_loss=0.90 val_loss=0.95\nEpoch 2 | train_loss=0.70 val_loss=0.80\nDone.\n"
    run = read(tmp_path, data)
    assert lst(run.series["train_loss"].epochs) == [1, 2]  # a custom print: the number as written
    assert run.series["val_loss"].values.tolist() == [0.95, 0.8]


def test_bracketed_epoch(tmp_path):
    data = b"[epoch 1] loss: 0.41 acc: 0.86\n[epoch 2] loss: 0.35 acc: 0.88\n"
    run = read(tmp_path, data)
    assert run.series["loss"].values.tolist() == [0.41, 0.35]
    assert run.series["acc"].role == "train_metric"


def test_tqdm_redraws_keep_last_reading(tmp_path):
    data = (
        "Epoch 1/2:  50%|█████     | 16/32 [00:01<00:01, loss=0.91]\r"
        "Epoch 1/2: 100%|██████████| 32/32 [00:02<00:00, loss=0.80]\n"
        "Epoch 2/2: 100%|██████████| 32/32 [00:02<00:00, loss=0.60]\n"
    ).encode()
    run = read(tmp_path, data)
    assert run.series["loss"].values.tolist() == [0.8, 0.6]


def test_ansi_colours_and_crlf(tmp_path):
    data = b"\x1b[32mstep 10: train loss 1.5, val loss 1.6\x1b[0m\r\n\x1b[32mstep 20: train loss 1.2, val loss 1.4\x1b[0m\r\n"
    run = read(tmp_path, data)
    assert run.series["train_loss"].values.tolist() == [1.5, 1.2]


def test_prose_is_not_text_log(tmp_path):
    with pytest.raises(InputError):
        read(tmp_path, b"This README explains the step 1 of the setup.\nRun it twice.\n")


def test_no_loss_is_not_sniffed_but_reads_when_forced(tmp_path):
    data = b"epoch 1: acc 0.5\nepoch 2: acc 0.6\n"
    assert not TextReader().sniff(data, None)
    run = read(tmp_path, data, fmt="text")
    assert set(run.series) == {"acc"} and run.train_loss is None


def test_no_progress_lines_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no training progress lines"):
        read(tmp_path, b"hello\n", fmt="text")


def test_sniff_needs_several_lines():
    r = TextReader()
    assert r.sniff(NANOGPT, None)
    assert r.sniff(KERAS3_V2, None)
    assert not r.sniff(b'{"loss": [1, 2]}', None)
    # A text without any progress line is claimed (the text reader is the last one tried: a tool's lines may come
    # later, else it says which patterns it tried); three progress lines are a log even without a loss among them.
    assert r.sniff(b"hello\nworld\n", None)
    assert r.sniff(b"step 1: acc 0.5\nstep 2: acc 0.6\nstep 3: acc 0.7\n", None)


def test_a_log_without_a_loss_says_so_and_names_its_series(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "train.log"
    p.write_bytes(b"step 1: acc 0.5\nstep 2: acc 0.6\nstep 3: acc 0.7\n")
    r = runner.invoke(app, ["analyze", str(p)])
    assert r.exit_code == 2 and "no loss series found (series: acc)" in r.stderr, r.output


def test_a_csv_is_still_read_as_csv(tmp_path):
    run = read(tmp_path, b"step,loss\n0,1.0\n1,0.9\n2,0.8\n", "log.txt")
    assert run.format == "csv"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_garbage_never_raises_anything_but_input_error(data):
    r = TextReader()
    r.sniff(data, None)
    try:
        r.read(Source("<garbage>", None, data))
    except InputError:
        pass


# ------------------------------------------------------------------------------------------ logging lines, blocks


def test_python_logging_key_value_lines(tmp_path):
    data = (
        b"2024-05-01 12:00:01,001 INFO trainer: starting, 3 epochs\n"
        b"2024-05-01 12:00:02,002 INFO trainer: epoch=1 train_loss=0.91 val_loss=0.95 lr=0.001 time=1.2s\n"
        b"2024-05-01 12:00:03,003 WARNING trainer: grad clipped at step 120\n"
        b"2024-05-01 12:00:04,004 INFO trainer: epoch=2 train_loss=0.61 val_loss=NaN lr=0.001 time=1.1s\n"
        b"2024-05-01 12:00:05,005 INFO trainer: epoch=3 train_loss=0.41 val_loss=0.52 lr=0.0005 time=1.1s\n"
    )
    run = read(tmp_path, data)
    assert run.format == "text" and set(run.series) == {"train_loss", "val_loss", "lr"}
    assert lst(run.series["train_loss"].epochs) == [1, 2, 3]
    assert math.isnan(run.series["val_loss"].values[1])
    # a long logging prefix does not push the marker out of reach
    prefix = "2025-12-12 11:05:02.009\tquick-rain-shines-fin-03:0\tolmo.train:979\tINFO\t"
    run = read(tmp_path, "".join(f"{prefix}epoch={e} loss={1 / e:.3f}\n" for e in (1, 2, 3)).encode(), "b.log")
    assert run.series["loss"].values.tolist() == [1.0, 0.5, 0.333]


def test_epoch_blocks_of_name_value_lines(tmp_path):
    data = (
        b"Training started\n"
        b"Epoch 1\n  loss: 0.91\n  val loss: 0.95\n"
        b"saving checkpoint\n"  # chatter ends a block: the number below is not epoch 1's
        b"  stray: 7\n"
        b"Epoch 2\n  loss: 0.61\n\n  val loss: 0.72\n"  # a blank line does not
        b"Epoch 3\nloss: 0.41, acc: 87.5%\nval loss: inf\n"
    )
    run = read(tmp_path, data)
    assert set(run.series) == {"loss", "val_loss", "acc"}
    assert run.series["loss"].values.tolist() == [0.91, 0.61, 0.41] and lst(run.series["loss"].epochs) == [1, 2, 3]
    assert run.series["val_loss"].values[2] == math.inf


def test_olmo_style_blocks_with_thousands_separators(tmp_path):
    block = (
        "2025-12-12 11:05:02.009\thost:0\tolmo.train:979\tINFO\t[step={s}/15000,epoch=0]\n"
        "    optim/total_grad_norm=0.2370\n    train/CrossEntropyLoss={l}\n"
        "    throughput/total_tokens={t:,}\n    System/Peak GPU Memory (MB)=111,477\n"
    )
    data = "".join(block.format(s=s, l=3 - s / 10, t=2_097_152 * s) for s in (1, 2, 3)).encode()
    run = read(tmp_path, data)
    loss = run.series["train/CrossEntropyLoss"]
    assert lst(loss.steps) == [1, 2, 3] and loss.values.tolist() == [2.9, 2.8, 2.7]
    assert run.grad_norm.name == "optim/total_grad_norm"
    assert "throughput/total_tokens" not in run.series  # bookkeeping


def test_not_a_training_log_says_which_patterns_were_tried(tmp_path):
    from lossdoc.errors import NotALog

    with pytest.raises(NotALog, match=r"no training progress lines found \(tried: Keras 'Epoch N/M'.*torchtune"):
        read(tmp_path, b"# Notes\n\nSome text about step one of the setup.\n")


def test_a_large_text_without_progress_lines_is_not_read_to_its_end(tmp_path, monkeypatch):
    from lossdoc.errors import NotALog
    from lossdoc.readers import text

    monkeypatch.setattr(text, "SCAN_BYTES", 4096)
    data = b"nothing to see here\n" * 1000 + b"epoch 1: loss 0.5\nepoch 2: loss 0.4\nepoch 3: loss 0.3\n"
    with pytest.raises(NotALog, match="in its first 0 MB"):
        read(tmp_path, data)


def test_a_large_log_whose_progress_starts_past_the_first_look_is_still_read(tmp_path, monkeypatch):
    """The scan looks at the first SCAN_FIRST bytes, then, finding nothing, at the first SCAN_BYTES: a preamble
    longer than the first look does not make a log "not a training log"."""
    from lossdoc.readers import text

    monkeypatch.setattr(text, "SCAN_FIRST", 1024)
    monkeypatch.setattr(text, "SCAN_BYTES", 8192)
    data = b"loading the dataset, please wait\n" * 150 + b"".join(
        f"epoch {i}: loss {1 / i:.4f}\n".encode() for i in range(1, 200))
    assert 1024 < data.index(b"epoch 1:") < 8192 < len(data)
    run = read(tmp_path, data)
    assert len(run.train_loss) == 199 and run.train_loss.values[-1] == pytest.approx(1 / 199, abs=1e-4)


def test_tool_lines_beyond_the_head_go_to_the_tool_reader(tmp_path):
    preamble = "".join(f"[INFO:swift] loading shard {i} of the model weights, please wait ...\n" for i in range(1500))
    dicts = "".join(f"{{'loss': {2 - i / 10}, 'learning_rate': 1e-05, 'epoch': {i / 10}}}\n" for i in range(1, 6))
    run = read(tmp_path, (preamble + dicts).encode())
    assert run.format == "hf-stdout" and len(run.train_loss) == 5


def test_bracketed_epoch_markers_and_camel_case_names(tmp_path):
    """A public log written by a plain loop: `Epoch [021/30] TrainLoss=0.41 TrainAcc=0.8 | ValLoss=0.52 ValAcc=0.7`
    was "not a training log": the epoch number sat in brackets, and CamelCase names were not split into words
    (ValLoss read as a train loss)."""
    from lossdoc.readers import registry

    lines = [
        f"Epoch [{e:03d}/30] TrainLoss={1 / e + 0.1:.4f} TrainAcc={0.5 + e / 70:.4f} | "
        f"ValLoss={1 / e + 0.15:.4f} ValAcc={0.5 + e / 80:.4f}"
        for e in range(1, 31)
    ]
    p = tmp_path / "training.log"
    p.write_text("\n".join(lines) + "\n")
    (run,) = registry.read_path(p)
    assert run.train_loss.name == "TrainLoss" and run.val_loss.name == "ValLoss"
    assert run.series["ValAcc"].role == "val_metric" and run.series["TrainAcc"].role == "train_metric"
    assert list(run.val_loss.epochs[:3]) == [1.0, 2.0, 3.0] and len(run.val_loss) == 30


def test_compact_lines_with_bare_split_words_are_the_split_losses(tmp_path):
    # print(f"ep {e:3d} | tr {tl:.4f} | va {vl:.4f} | acc {a:.1%}"): "ep" is the epoch, a bare split word with one
    # number is that split's loss, and a NaN the loop printed is kept.
    data = b"ep   1 | tr 0.8592 | va 0.5601 | acc 87.4%\nep   2 | tr 0.3104 | va 0.1569 | acc 90.0%\n" \
           b"ep   3 | tr nan | va nan | acc 50.0%\n"
    run = read(tmp_path, data)
    assert run.train_loss is not None and run.train_loss.name == "tr"
    assert run.val_loss is not None and run.val_loss.name == "va"
    assert run.train_loss.epochs.tolist() == [1, 2, 3]
    assert run.val_loss.values[:2].tolist() == [0.5601, 0.1569] and math.isnan(run.val_loss.values[2])
    assert run.series["acc"].kind == "metric"


def test_abbreviated_split_prefixes():
    from lossdoc.naming import resolve

    assert resolve("va_loss").split == "val" and resolve("tr_loss").split == "train"
    assert resolve("va_acc").split == "val" and resolve("va").kind == "other"


def test_pytorch_tutorial_epoch_batch_lines(tmp_path):
    # PyTorch's "Training a classifier": print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 2000:.3f}'),
    # here with an eval line per epoch. The batch number starts again each epoch: steps count on across epochs.
    data = (b"[1,  2000] loss: 2.210\n[1,  4000] loss: 1.870\nepoch 1: val_loss 1.75\n"
            b"[2,  2000] loss: 1.620\n[2,  4000] loss: 1.540\nepoch 2: val_loss 1.52\n")
    run = read(tmp_path, data)
    assert run.train_loss is not None and run.train_loss.values.tolist() == [2.21, 1.87, 1.62, 1.54]
    assert lst(run.train_loss.steps) == [2000, 4000, 6000, 8000]
    assert lst(run.train_loss.epochs) == [1, 1, 2, 2]
    assert run.val_loss is not None and run.val_loss.values.tolist() == [1.75, 1.52]
    assert not run.meta.get("restarted")


def test_a_loop_printing_epoch_100_and_more_is_not_fairseq(tmp_path):
    # "epoch 100 | loss ... | val_loss ..." once a run passes 99 epochs: fairseq pads its epochs (epoch 001) and
    # prints its own counters; this is a plain training loop whose val loss must stay the val loss.
    data = "".join(f"epoch {e:3d} | loss {1 / e:.5f} | val_loss {1.1 / e:.5f} | 0.0s\n" for e in range(1, 121)).encode()
    run = read(tmp_path, data)
    assert run.format == "text"
    assert run.val_loss is not None and run.val_loss.name == "val_loss" and len(run.val_loss) == 120


def test_a_marker_and_one_unnamed_number_is_the_loss(tmp_path):
    # print(f"Epoch {epoch}: {loss:.4f}"): nothing names the number, and it is what a loop prints: the loss.
    run = read(tmp_path, b"Epoch 1: 0.6931\nEpoch 2: 0.5210\nEpoch 3: 0.4102\nEpoch 4: 0.3700\n")
    assert run.train_loss is not None and run.train_loss.name == "loss"
    assert run.train_loss.values.tolist() == [0.6931, 0.521, 0.4102, 0.37]
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4]
