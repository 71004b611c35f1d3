"""Layouts survey 14 found refused or misread. Each sample is written here in the layout the real tool's output has
(the line shapes quoted in the survey's summary; values and lengths are made up, nothing is copied): a step marker
with the loss worded on its line ("Loss at step N: X", "iters: N, loss:X", "Iters: N/M || Task Loss: X || KD Loss:
Y||", "Steps N, ... Loss X lr Y"), an epoch header line with its values on the lines after it ("===== Epoch N/M ====="
then "[Train] loss=..." and "[Val]   loss=..."; loguru's "- epochN/M:" then "- train_loss:X"), and JSON lines whose
total loss sits beside its components (Deformable-DETR's log.txt, DreamerV3's metrics.jsonl)."""

from __future__ import annotations

import json

import pytest

from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read  # noqa: F401 (fresh_registry: an autouse fixture)

# ------------------------------------------------------------------------------- a step marker and its loss


def test_loss_at_step_n(tmp_path):
    # QG's logging (format '%(asctime)s:\t%(message)s'), logging.info("Loss at step %d: %f" % (step, loss))
    lines = [f"2017-08-18 02:43:{50 + i:02d},914:\tLoss at step {i}: {8.5 - i / 10:f}" for i in range(1, 6)]
    lines[2] = "2017-08-18 02:43:52,914:\tLoss at step 3: nan"
    run = read(tmp_path, "\n".join(["2017-08-18 02:43:49,000:\tloading data", *lines]) + "\n", "log-train.log")
    assert run.train_loss.name == "Loss" and run.train_loss.axis == "step"
    assert lst(run.train_loss.steps) == [1, 2, 3, 4, 5]
    assert run.train_loss.values[0] == 8.4 and run.train_loss.nonfinite == 1


def test_iters_n_loss_accuracy(tmp_path):
    # DeepLab-V1-PyTorch's exp log: "<date> <time> iters: N, loss:X, accuracy:Y"
    rows = [f"2024-01-30 21:{20 + i}:28 iters: {100 * i}, loss:{1.5 - i / 10:.4f}, accuracy:{0.6 + i / 100:.4f}"
            for i in range(1, 5)]
    run = read(tmp_path, "\n".join(rows) + "\n", "exp-log.txt")
    assert run.train_loss.name == "loss" and lst(run.train_loss.steps) == [100, 200, 300, 400]
    assert run.train_loss.values[-1] == pytest.approx(1.1)
    assert run.series["accuracy"].role == "train_metric" and len(run.series["accuracy"]) == 4


def test_iters_with_bars_task_and_kd_loss_summed(tmp_path):
    # CIRKD's semantic_segmentation logger: "Iters: {}/{} || Lr: {:.6f} || Task Loss: {:.4f} || KD Loss: {:.4f}||
    # Cost Time: ... || Estimated Time: ...". Task Loss and KD Loss are the loss's parts: summed, as lossdoc does for
    # a loss logged only as parts, and the note says so.
    rows = [f"2023-10-02 23:08:57,029 semantic_segmentation INFO: Iters: {10 * i}/20000 || Lr: 0.0199{i} || "
            f"Task Loss: {3.0 - i / 10:.4f} || KD Loss: {1.0:.4f}|| Cost Time: 0:00:2{i} || Estimated Time: 11:13:35"
            for i in range(1, 5)]
    run = read(tmp_path, "\n".join(rows) + "\n", "train.out")
    assert {"Task_Loss", "KD_Loss"} <= set(run.series)
    assert run.train_loss.name == "train_loss (sum)" and lst(run.train_loss.steps) == [10, 20, 30, 40]
    assert run.train_loss.values[0] == pytest.approx(3.9)
    assert any("sum of Task_Loss, KD_Loss" in n for n in run.notes)


def test_steps_n_with_scientific_loss(tmp_path):
    # IMON's nohup stdout: "Steps N, Total time T, data D%. Loss 1.945e+02 lr 1.000e-04"
    rows = [f"*Dec01-2035*  2019-12-01 12:59:29 Steps {10 * i}, Total time 5.99, data 0.01%. Loss {2 / i:.3e} lr 1.000e-04"
            for i in range(1, 5)]
    run = read(tmp_path, "\n".join(rows) + "\n", "train.out")
    assert run.train_loss.name == "Loss" and lst(run.train_loss.steps) == [10, 20, 30, 40]
    assert run.train_loss.values[0] == 2.0 and run.series["lr"].role == "lr"


@pytest.mark.parametrize("setting", ["Total train steps: 5,744", "STEPS: (30, 50)", "lr=0.001, clip=5.0, iterations=10000"])
def test_a_plural_word_in_a_setting_is_no_marker(tmp_path, setting):
    # a count of steps in a configuration dump is no progress marker: the log stays unread
    with pytest.raises(InputError, match="log.txt"):
        read(tmp_path, f"{setting}\nloading data\ndone\n")


# ------------------------------------------------------------------------------- an epoch header, values below


def test_epoch_header_then_train_and_val_tags(tmp_path):
    stamp = "[2026-04-15 01:06:27 北京时间]"
    out = []
    for e in range(1, 4):
        out += [f"{stamp} ===== Epoch {e}/3 =====",
                "\rtrain:   0%|          | 0/200 [00:00<?, ?it/s]\rtrain: 100%|##########| 200/200 [00:20<00:00, loss=0.43]",
                f"{stamp} [Train] loss={0.5 - e / 100:.4f}, lp_real=0.8094, lp_far=0.7771",
                f"{stamp} [Val]   loss={0.45 - e / 100:.4f}, lp_real=0.8119, lp_far=0.7847",
                f"{stamp} Saved best checkpoint: save/adapter_best.pt"]
    out += [f"{stamp} Loaded best checkpoint from save/adapter_best.pt", f"{stamp} [Test]  loss=0.4197, lp_real=0.81"]
    run = read(tmp_path, "\n".join(out) + "\n", "log-train.log")
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert run.train_loss.axis == "epoch" and lst(run.train_loss.epochs) == [1, 2, 3]
    assert lst(run.val_loss.values) == [0.44, 0.43, 0.42]
    assert not any(k.startswith("test") for k in run.series)  # the final [Test] line is no part of the curve


def test_loguru_glued_epoch_header_then_pairs(tmp_path):
    # loguru's default format; logger.info(f"epoch{e}/{n}:") then logger.info(f"train_loss:{loss}")
    out = []
    for e in range(1, 5):
        p = "2022-06-24 15:53:43.290 | INFO     | __main__:<module>:"
        out += [f"{p}8 - epoch{e}/4:", f"{p}9 - train_loss:{100 / e}", f"{p}10 - train_mape:{900 / e}%"]
    run = read(tmp_path, "\n".join(out) + "\n", "log-train.log")
    assert run.train_loss.name == "train_loss" and lst(run.train_loss.epochs) == [1, 2, 3, 4]
    assert run.train_loss.values[-1] == 25.0 and run.series["train_mape"].role == "train_metric"


# ------------------------------------------------------------------------------- JSON: a total beside its parts


def test_detr_total_beside_its_named_parts_is_not_summed(tmp_path):
    # Deformable-DETR main.py: log_stats = {**{f'train_{k}': v ...}, **{f'test_{k}': v ...}, 'epoch': epoch, ...}
    # written as one JSON line per epoch; here with a "mini_val_" prefix as the survey's file has it
    rows = []
    for e in range(4):
        parts = {"bbox": 1.0 - e / 10, "ce": 2.0, "giou": 0.5}
        rec = {"train_lr": 2e-4, "train_loss": sum(parts.values()) + 0.1,
               **{f"train_loss_{k}": v for k, v in parts.items()},
               "mini_val_loss": sum(parts.values()) + 0.3,
               **{f"mini_val_loss_{k}": v for k, v in parts.items()},
               **{f"mini_val_loss_{k}_unscaled": v / 2 for k, v in parts.items()}, "epoch": e}
        rows.append(json.dumps(rec))
    run = read(tmp_path, "\n".join(rows) + "\n", "log.txt")
    assert run.train_loss.name == "train_loss"
    assert run.val_loss.name == "mini_val_loss" and run.val_loss.values[0] == pytest.approx(3.8)
    assert not any(k.endswith("(sum)") for k in run.series)
    assert any("mini_val_loss_* beside it are its parts" in n for n in run.notes)


def test_dreamer_world_model_loss_is_the_sum_of_its_parts(tmp_path):
    # DreamerV3 metrics.jsonl: world_model_loss = decoder + reward + continuation + kl, beside actor and value
    # losses and more (9 losses in all)
    rows = []
    for i in range(1, 7):
        d, r, c, k = 0.03 * i, 0.2 / i, 0.004, 0.01 * (i % 3)
        rows.append(json.dumps({"step": 200 * i, "world_model_loss": d + r + c + k, "decoder_loss": d,
                                "reward_loss": r, "continuation_loss": c, "kl_loss": k,
                                "dynamics_loss": 0.5 + i, "representation_loss": 0.7 * i,
                                "actor_loss": -0.1 * i, "value_loss": 1.0 / i}))
    run = read(tmp_path, "\n".join(rows) + "\n", "metrics.jsonl")
    assert run.train_loss.name == "world_model_loss" and lst(run.train_loss.steps) == [200 * i for i in range(1, 7)]
    assert not any(k.endswith("(sum)") for k in run.series)
    assert any("world_model_loss: its values are the sum of decoder_loss, reward_loss, continuation_loss, kl_loss" in n
               for n in run.notes)
