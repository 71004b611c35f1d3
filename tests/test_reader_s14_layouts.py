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
                "\rtrain:   0%|          | 0/200 [00:00<?, ?it/s]\rtrain:   5%|#         | 10/200 [00:20<06:20, "
                "2.00s/it, loss=0.4339, lp_real=0.8205]\rtrain: 100%|##########| 200/200 [06:40<00:00, 2.00s/it, loss=0.43]",
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


def test_epoch_header_then_one_batch_loss_a_line(tmp_path):
    # Random-Crops-Registration's logs/train_log.txt: f.write(f"Epoch {e}/{n} Losses\n"), then one batch's loss a line;
    # a second, shorter training appended after the first: the latest kept
    def run(n, start):
        out = []
        for e in range(1, n + 1):
            out += [f"Epoch {e}/{n} Losses", *(f"{start / e + b / 100:.2f}" for b in range(4))]
        return out
    got = read(tmp_path, "\n".join(run(4, 3.0) + run(3, 2.0)) + "\n", "train_log.txt")
    assert got.train_loss.name == "loss" and lst(got.train_loss.epochs) == [1, 2, 3]
    assert got.train_loss.values[0] == pytest.approx(2.015)  # the mean of 2.00, 2.01, 2.02, 2.03
    assert any("mean of the batch losses" in n for n in got.notes) and any("restarts" in n for n in got.notes)


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


# ------------------------------------------------------------------------------- absl dict, UTF-16, a tqdm postfix


def test_absl_tag_step_and_python_dict(tmp_path):
    # JAX-CFD: absl logging.info(f"[Train {step}/{num_steps}] {metrics}") with a dict of the step's values
    p = "I1216 14:22:57.913980 139628846601088 train.py:577] "
    rows = [f"{p}[Train {10 * i}/1882] {{'grads_finite': 1.0, 'loss_scale': 1.0, 'train_loss': {0.01 / i!r}}}"
            for i in range(1, 5)]
    rows.append(f"{p}Evaluated 10/287 with L2 loss 0.00036")
    run = read(tmp_path, "\n".join(rows) + "\n", "train_log.txt")
    assert run.train_loss.name == "train_loss" and lst(run.train_loss.steps) == [10, 20, 30, 40]
    assert run.train_loss.values[1] == 0.005 and run.val_loss is None


def test_utf16_padded_epoch_records_some_joined(tmp_path):
    # Attention-BiLSTM: print('[%03d] train_loss: %.3f | dev_loss: %.3f | micro f1 on dev: %.4f' % (...), end=' '),
    # then '>>> save models!' only when saved; a PowerShell redirect writes UTF-16LE with a BOM
    recs = [f"[{e:03d}] train_loss: {1.2 - e / 10:.3f} | dev_loss: {1.3 - e / 20:.3f} | micro f1 on dev: 0.{60 + e}00"
            for e in range(1, 6)]
    text = "some config:\nepoch = 5\nlr = 1.0\n" + "\n".join([f"{recs[0]} >>> save models!",
                                                              f"{recs[1]} {recs[2]} >>> save models!",
                                                              f"{recs[3]} >>> save models!", recs[4]]) + "\n"
    run = read(tmp_path, text.replace("\n", "\r\n").encode("utf-16"), "log-train.log")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "dev_loss"
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4, 5] and run.val_loss.values[-1] == pytest.approx(1.05)


def test_tqdm_postfix_loss_with_carriage_returns(tmp_path):
    # 3D Gaussian Splatting train.py: tqdm(desc="Training progress"), set_postfix({"Loss": f"{ema_loss:.7f}"}) and
    # progress_bar.update(10) every 10 iterations, saved with "\r" between the redraws
    bars = ["Training progress:   0%|          | 0/100 [00:00<?, ?it/s]"]
    for it in range(10, 101, 10):
        bar = f"Training progress: {it:3d}%|#         | {it}/100 [00:01<00:08, 58.47it/s, Loss={0.5 / it:.7f}]"
        bars += [bar, bar]  # tqdm redraws the same count (a refresh): one point
    text = "Optimizing output\r" + "\r".join(bars) + "\n[ITER 100] Evaluating train: L1 0.0336 PSNR 24.7 [12/01 08:55:00]\n"
    run = read(tmp_path, text, "log-train.log")
    assert run.train_loss.name == "Loss" and lst(run.train_loss.steps) == list(range(10, 101, 10))
    assert run.train_loss.values[-1] == 0.005


# ------------------------------------------------------------------------------- appended runs


def test_iteration_and_global_step_on_one_line_appended_runs(tmp_path):
    # tensorflow_learn: logging.info("iteration %d: global_step=%d; loss_value=%f") where the iteration stays 0; the
    # global step counts. Two runs appended: the latest kept, with its every step.
    p = "2018-09-15 23:33:05,051 - root - INFO - "
    first = [f"{p}iteration 0: global_step={s}; loss_value={30 / s:f}" for s in range(1, 6)]
    second = [f"{p}iteration 0: global_step={s}; loss_value={20 / s:f}" for s in range(1, 5)]
    run = read(tmp_path, "\n".join(first + second) + "\n", "log-train.log")
    assert run.train_loss.name == "loss_value" and lst(run.train_loss.steps) == [1, 2, 3, 4]
    assert run.train_loss.values[0] == 20.0 and any("restarts" in n for n in run.notes)
