"""Layouts that reading survey 17 found misread or refused (readers/consolelogs.py, readers/text.py).

Each sample is written here in the layout its script writes (values made up), the script's write quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import json

import pytest

from lossdoc.errors import InputError
from tests.reading import lst, read, read_all

# ------------------------------------------------------------------ PySlowFast stdout.log
# slowfast/utils/logging.py: "[%(asctime)s][%(levelname)s] %(filename)s: %(lineno)4d: %(message)s"; log_json_stats:
# logger.info("json_stats: {:s}".format(json.dumps(stats, sort_keys=True))); train_net.py's "Train with config:",
# "Start epoch: {}", "Epoch {} takes {:.2f}s. Epochs from {} to {} take {:.2f}s in average and {:.2f}s in median."


def _sf(msg: str, file: str = "train_net.py", line: int = 482) -> str:
    return f"[07/02 10:11:12][INFO] {file}: {line:4d}: {msg}"


def _stats(**rec) -> str:
    return _sf("json_stats: " + json.dumps(rec, sort_keys=True), "logging.py", 99)


def _slowfast(epochs: int, iters: int = 40, every: int = 10, first: float = 4.2) -> list[str]:
    out = [_sf("Train with config:", line=441), "{'NUM_GPUS': 2}", _sf("Start epoch: 1", line=611)]
    for e in range(1, epochs + 1):
        for it in range(every, iters + 1, every):
            out.append(_stats(_type="train_iter", epoch=f"{e}/{epochs}", iter=f"{it}/{iters}", eta="0:10:00",
                              gpu_mem="7.10G", loss=round(first / (e + it / iters), 5), lr=0.01,
                              top1_err=80.0 - e, time_diff=0.31))
        out.append(_stats(_type="train_epoch", epoch=f"{e}/{epochs}", loss=round(first / (e + 0.5), 5), lr=0.01,
                          top1_err=79.0 - e, RAM="12.1/180G"))
        out.append(_stats(_type="val_iter", epoch=f"{e}/{epochs}", iter="10/20", top1_err=90.0))
        out.append(_stats(_type="val_epoch", epoch=f"{e}/{epochs}", top1_err=70.0 - e, min_top1_err=70.0 - e))
        out.append(_sf(f"Epoch {e - 1} takes 301.25s. Epochs from 0 to {e - 1} take 301.25s in average and "
                       "301.25s in median.", line=692))
    return out


def test_pyslowfast_json_stats_are_read_on_a_step_counted_across_epochs(tmp_path):
    run = read(tmp_path, "\n".join(_slowfast(3)) + "\n", "stdout.log")
    assert run.format == "pyslowfast-log"
    assert run.train_loss.name == "loss" and len(run.train_loss) == 12
    assert lst(run.train_loss.steps) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    assert run.val_loss is None
    assert len(run.series["loss_epoch"]) == 3 and len(run.series["val_top1_err"]) == 3
    assert not {"train_net.py", "Epochs_from", "to", "take"} & set(run.series)


def test_pyslowfast_trainings_appended_are_runs_of_their_own(tmp_path):
    lines = _slowfast(1)[:4] + _slowfast(2)[:3] + _slowfast(2)[3:4] + _slowfast(2, first=3.0)
    runs = read_all(tmp_path, "\n".join(lines) + "\n", "stdout.log")
    assert [len(r.train_loss) for r in runs] == [1, 1, 8]
    assert runs[-1].train_loss.values[0] == pytest.approx(3.0 / 1.25)


def test_pyslowfast_log_with_no_stats_is_refused_not_read_from_line_numbers(tmp_path):
    lines = [_sf("Train with config:", line=441), "{'NUM_GPUS': 2}", _sf("Constructing Kinetics train...", "kinetics.py",
                                                                       83), _sf("Start epoch: 1", line=611)] * 3
    with pytest.raises(InputError, match="json_stats"):
        read(tmp_path, "\n".join(lines) + "\n", "stdout.log")


# ------------------------------------------------------------------ heldout: the val split
# print(f"[pretrain] epoch {ep:3d}/{epochs}  train={tr:.4f}  heldout={ho:.4f}  lr={lr:.2e}  {'(best)' if best else ''}")

def test_heldout_beside_train_is_the_val_loss(tmp_path):
    lines = [f"[pretrain] epoch {e:3d}/30  train={20.0 / e:.4f}  heldout={18.0 / e + 0.3:.4f}  lr=1.00e-04  "
             + ("(best)" if e < 5 else "") for e in range(1, 9)]
    run = read(tmp_path, "\n".join(lines + ["early stop after 8 epochs"]) + "\n", "pretrain.log")
    assert run.train_loss.name == "train" and len(run.train_loss) == 8
    assert run.val_loss is not None and run.val_loss.name == "heldout" and len(run.val_loss) == 8
    assert run.val_loss.values[0] == pytest.approx(18.3)


# ------------------------------------------------------------------ CatBoost's unnamed metric, rising
# CatBoostClassifier(iterations=300, eval_metric="Accuracy", verbose=50).fit(X, y): "Learning rate set to X", then
# "N:\tlearn: X\ttotal: ..\tremaining: .." (the metric printed unnamed).

def _catboost(values: list[float]) -> str:
    out = ["Learning rate set to 0.081234"]
    out += [f"{i}:\tlearn: {v:.7f}\ttotal: {i * 10}ms\tremaining: 5s" for i, v in enumerate(values)]
    return "\n".join(out) + "\n"


def test_catboost_learn_rising_within_0_1_is_a_score_not_the_train_loss(tmp_path):
    run = read(tmp_path, _catboost([0.5 + 0.45 * i / 59 for i in range(60)]), "training.out")
    assert run.format == "catboost-log" and run.train_loss is None
    assert run.series["learn"].kind == "metric" and run.series["learn"].higher_is_better
    assert any("accuracy-type" in n for n in run.notes)
    falling = read(tmp_path, _catboost([0.69 - 0.4 * i / 59 for i in range(60)]), "b.out")
    assert falling.train_loss is not None and falling.train_loss.name == "learn"


# ------------------------------------------------------------------ a full-width epoch marker, a time in [s]
# print(f"【{epoch + 1}/{num_epoch}】"), print(f"train time: {train_time:.2f} [s]"), print(f"train loss: {loss:.4f}"),
# print(f"train acc: {acc:.4f}") after each epoch's tqdm bar (nohup: the bar's \r redraws on one physical line).

def _fullwidth(epochs: int, bars: int = 0) -> str:
    out = ["nohup: ignoring input"]
    for e in range(1, epochs + 1):
        if bars:
            out.append("\r".join(f"{100 * i // bars:3d}%|#         | {i}/{bars} [00:{i % 60:02d}<10:42,  2.66s/it]"
                                 for i in range(bars + 1)))
        out += [f"【{e}/100】", f"train time: {800 + e:.2f} [s]", f"train loss: {6.0 / e:.4f}",
                f"train acc: {0.4 + e / 100:.4f}"]
    return "\n".join(out) + "\n"


def test_fullwidth_epoch_marker_over_a_time_in_brackets(tmp_path):
    run = read(tmp_path, _fullwidth(5), "finetune.log")
    assert run.train_loss.name == "train_loss" and lst(run.train_loss.epochs) == [1, 2, 3, 4, 5]
    assert run.train_loss.values[1] == pytest.approx(3.0)
    assert not any("time" in n for n in run.series)


def test_fullwidth_epoch_marker_after_a_head_of_tqdm_redraws(tmp_path):
    # the first 400 lines sniffed (64 KB) are one epoch's 350 redraws and its block: one marker block with a loss
    run = read(tmp_path, _fullwidth(4, bars=350), "finetune.log")
    assert len(run.train_loss) == 4
