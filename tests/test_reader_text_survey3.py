"""Text-log layouts from a third reading survey of public repositories (samples written here in the layout each
script's print or logger writes; no real log is copied)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(tmp_path: Path, text: str, name: str = "train.log") -> Run:
    p = tmp_path / name
    p.write_text(text)
    runs = registry.read_path(p, None)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


def refused(tmp_path: Path, text: str, name: str = "train.log") -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError, match=name):
        registry.read_path(p, None)
    res = CliRunner().invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output


# ------------------------------------------------- 1. per-batch lines, the evaluation, and an epoch summary line
# IsaacRodgz/ConcatBERT src/train.py: every log_interval batches print('Epoch {:2d} | Batch {:3d}/{:3d} | Time/Batch(ms)
# {:5.2f} | Train Loss {:5.4f}'.format(epoch, i_batch, num_batches, ...)) (i_batch starts again at each epoch); after
# the epoch eval_hateful_meme prints "F1 score: ", "Accuracy: "; then print("-"*50), print('Epoch {:2d} | Time {:5.4f}
# sec | Train Acc {:5.4f} | Train Loss {:5.4f} | Valid Loss {:5.4f}'.format(...)), print("-"*50) and, when the val loss
# improved, print(f"Saved model at pre_trained_models/{name}.pt!").
def _concat_bert(epochs: int = 3, batches: int = 9, every_batch_body: bool = False) -> tuple[str, list, list, list]:
    out = ["mmimdb", "Start loading the data....", "Finish loading the data...."]
    per_batch, per_epoch, f1 = [], [], []
    for e in range(1, epochs + 1):
        for b in range(1, batches + 1):
            v = round(0.72 - 0.02 * (e - 1) - 0.005 * b, 4)
            per_batch.append(v)
            out.append(f"Epoch {e:2d} | Batch {100 * b:3d}/972 | Time/Batch(ms) {690 + b:5.2f} | Train Loss {v:5.4f}")
            if every_batch_body:
                out.append(f"F1 score:  {0.5 + 0.01 * b}")
        s = round(0.68 - 0.06 * (e - 1), 4)
        per_epoch.append(s)
        f = 0.90 + 0.01 * e
        f1.append(f)
        out += [f"F1 score:  {f}", f"Accuracy:  {f}", "-" * 50, "-" * 50]
        out.append(f"Epoch {e:2d} | Time {1041.3202 - e:5.4f} sec | Train Acc {21.7 + e:5.4f} | Train Loss {s:5.4f} | "
                   f"Valid Loss {0.62 - 0.06 * e:5.4f}")
        out += ["-" * 50, "Saved model at pre_trained_models/model.pt!"]
    return "\n".join(out) + "\n", per_batch, per_epoch, f1


def test_batch_counter_restarting_each_epoch_is_counted_on(tmp_path):
    text, per_batch, _, _ = _concat_bert()
    run = read(tmp_path, text)
    tl = run.series["Train_Loss"]
    assert len(tl) == 27 and tl.role == "train_loss" and tl.axis == "step"
    assert lst(tl.values) == per_batch
    steps = lst(tl.steps)
    assert steps[:2] == [100.0, 200.0] and all(b > a for a, b in itertools.pairwise(steps))
    assert lst(tl.epochs)[::9] == [1.0, 2.0, 3.0]
    assert run.train_loss is tl  # the per-batch curve
    assert not any("restart" in n for n in run.notes) and "restarted" not in run.meta


def test_epoch_summary_train_loss_is_kept_beside_the_batches(tmp_path):
    text, _, per_epoch, _ = _concat_bert()
    run = read(tmp_path, text)
    ep = run.series["Train_Loss_epoch"]
    assert ep.role == "train_loss" and ep.axis == "epoch" and lst(ep.values) == per_epoch
    assert lst(ep.epochs) == [1.0, 2.0, 3.0]
    va = run.series["Valid_Loss"]
    assert run.val_loss is va and lst(va.epochs) == [1.0, 2.0, 3.0] and va.values[0] == pytest.approx(0.56)
    assert any("Train_Loss_epoch" in n for n in run.notes)


def test_evaluation_after_the_last_batch_is_a_val_metric(tmp_path):
    text, _, _, f1 = _concat_bert()
    run = read(tmp_path, text)
    assert "F1_score" not in run.series and "Accuracy" not in run.series
    f = run.series["val_F1_score"]
    assert f.role == "val_metric" and f.axis == "epoch" and lst(f.values) == pytest.approx(f1)
    assert run.series["val_Accuracy"].role == "val_metric" and len(run.series["val_Accuracy"]) == 3


def test_values_under_every_batch_line_stay_that_batchs(tmp_path):
    text, _, _, _ = _concat_bert(every_batch_body=True)
    run = read(tmp_path, text)
    assert "val_F1_score" not in run.series
    assert run.series["F1_score"].role == "train_metric" and len(run.series["F1_score"]) == 27


def test_batch_lines_keep_nan(tmp_path):
    text, _, _, _ = _concat_bert()
    text = text.replace("Train Loss 0.6950", "Train Loss nan", 1)
    run = read(tmp_path, text)
    v = run.series["Train_Loss"].values
    assert len(v) == 27 and int(np.isnan(v).sum()) == 1


# --------------------------------------------------- 2. a script run three times into one log, messages after "\n"
# Abas527/chest-cancer-classifier src/train.py: logger.info(f"Epoch {epoch+1}: Training Loss = {avg_loss:.4f}") and
# logger.info(f"Validation Accuracy: {val_acc:.2f}%") with the format '%(asctime)s - %(levelname)s - %(message)s';
# an earlier version logged f"\nEpoch ..." (the prefix alone on its line). Three runs of 10 epochs appended.
def _three_runs() -> tuple[str, list[list[float]]]:
    out, runs = [], []
    for r in range(3):
        out.append(f"2025-07-25 19:4{r}:43,742 - INFO - Training started")
        vals = []
        for e in range(1, 11):
            v = round(0.23 / e + 0.01 * r, 4)
            vals.append(v)
            if r == 0:
                out += [f"2025-07-25 19:48:{e:02d},739 - INFO - ", f"Epoch {e}: Training Loss = {v:.4f}"]
            else:
                out.append(f"2025-07-25 20:14:{e:02d},057 - INFO - Epoch {e}: Training Loss = {v:.4f}")
            out.append(f"2025-07-25 19:48:{e:02d},027 - INFO - Validation Accuracy: {90 + e * 0.5:.2f}%")
            if r == 0:
                out.append("")
        runs.append(vals)
    return "\n".join(out) + "\n", runs


def test_an_epoch_that_goes_back_is_a_restart_not_a_batch(tmp_path):
    text, runs = _three_runs()
    run = read(tmp_path, text)
    tl = run.series["Training_Loss"]
    assert run.train_loss is tl and tl.axis == "epoch" and tl.steps is None
    assert lst(tl.values) == runs[2] and lst(tl.epochs) == [float(e) for e in range(1, 11)]
    acc = run.series["Validation_Accuracy"]
    assert acc.role == "val_metric" and len(acc) == 10 and acc.values[-1] == pytest.approx(0.95)
    assert "Training_Loss" in run.meta["restarted"]
    assert not any("one per batch" in n for n in run.notes)


def test_message_after_the_prefix_line_is_read(tmp_path):
    text, runs = _three_runs()
    first = text.split("2025-07-25 19:41:43,742")[0]  # the first run alone: every message after a bare prefix
    run = read(tmp_path, first)
    assert lst(run.series["Training_Loss"].values) == runs[0]
    assert len(run.series["Validation_Accuracy"]) == 10


def test_consecutive_lines_of_one_epoch_are_still_batches(tmp_path):
    # "epoch:  0 loss:  0.686" once per batch, then a resumed run from epoch 0 again: still per batch
    lines = [f"epoch:  {e} loss:  {0.7 - 0.01 * i:.3f}" for e in (0, 1, 0, 1) for i in range(4)]
    run = read(tmp_path, "\n".join(lines) + "\n")
    assert run.series["loss"].axis == "step"
    assert any("one per batch" in n for n in run.notes)


# ------------------------------------------------------------------ 3. loguru's prefix, the message on the next line
# KevinZH3/Faster-R-CNN-for-VOC2007- train.py: logger.add(cfg.LOG_PATH, format='{time:YYYY-MM-DD HH:mm:ss} - {level} -
# {file} - {line} - {message}'), logger.info("Train config: %s" % str(cfg)) (a yacs dump over many lines), then per
# epoch logger.info(f"\nEPOCH {epoch+1} of {cfg.TRAIN.epochs}") and logger.info(f"\nEPOCH loss: {mean}"); other
# scripts (inference) append their config dumps to the same file.
_CFG = """{ts} - INFO - {file} - 30 - Train config: DATA:
  dir: dataset/VOC2007
  height: 416
  num_classes: 20
RANDOM_SEED: 44
TRAIN:
  batch_size: 8
  epochs: 30
  lr: 0.01
"""


def _loguru(epochs: int = 10, nan_at: int | None = None) -> tuple[str, list[float]]:
    out = _CFG.format(ts="2024-05-26 16:04:40", file="task2_train_fasterrcnn.py")
    out += "2024-05-26 16:04:40 - INFO - task2_train_fasterrcnn.py - 46 - Number of training samples: 5011\n\n"
    vals = []
    for e in range(1, epochs + 1):
        v = math.nan if e == nan_at else 0.536 - 0.015 * e
        vals.append(v)
        out += f"2024-05-26 16:{e:02d}:46 - INFO - task2_train_fasterrcnn.py - 65 - \nEPOCH {e} of 30\n"
        out += f"2024-05-26 16:{e:02d}:29 - INFO - task2_train_fasterrcnn.py - 128 - \nEPOCH loss: {v}\n"
        out += f"2024-05-26 16:{e:02d}:29 - INFO - task2_train_fasterrcnn.py - 130 - save_model!!\n"
    out += f"2024-05-26 17:00:00 - INFO - task2_train_fasterrcnn.py - 65 - \nEPOCH {epochs + 1} of 30\n"
    out += _CFG.format(ts="2024-05-27 02:14:54", file="task2_inference_fasterrcnn.py")
    out += "2024-05-27 08:47:00 - INFO - train.py - 62 - \nEPOCH 1 of 30\n"
    out += _CFG.format(ts="2024-05-27 08:47:40", file="predict.py")
    return out, vals


def test_loguru_message_on_the_next_line(tmp_path):
    text, vals = _loguru()
    run = read(tmp_path, text)
    assert "of" not in run.series
    tl = run.train_loss
    assert tl is not None and tl.name == "EPOCH_loss" and tl.role == "train_loss" and tl.axis == "epoch"
    assert lst(tl.values) == pytest.approx(vals) and lst(tl.epochs) == [float(e) for e in range(1, 11)]
    assert set(run.series) == {"EPOCH_loss"}  # the config dumps are no series
    assert not any("restart" in n for n in run.notes)


def test_loguru_epoch_loss_keeps_nan(tmp_path):
    text, _ = _loguru(nan_at=4)
    v = read(tmp_path, text).train_loss.values
    assert len(v) == 10 and math.isnan(v[3])


def test_epoch_n_of_m_is_a_marker_never_a_series(tmp_path):
    lines = [f"Epoch {e} of 20 | train loss: {1 / e:.4f} | val loss: {1.1 / e:.4f}" for e in range(1, 6)]
    run = read(tmp_path, "\n".join(lines) + "\n")
    assert set(run.series) == {"train_loss", "val_loss"}
    assert lst(run.train_loss.epochs) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert run.val_loss.values[-1] == pytest.approx(0.22)


def test_loguru_markers_without_values_are_not_a_log(tmp_path):
    text = "".join(f"2024-05-26 16:{e:02d}:46 - INFO - train.py - 65 - \nEPOCH {e} of 30\n" for e in range(1, 6))
    refused(tmp_path, text, "loguru.log")
