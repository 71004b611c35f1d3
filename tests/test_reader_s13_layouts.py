"""Layouts survey 13 found misread or refused, each written here in the tool's own format (the source line followed is
named above each sample): timm's train.py, JDE's train.py, k-fold console logs, two Ultralytics trainings in one log,
nested epoch counters, a Mugs-style trainer after an argparse Namespace line, per-batch ``name tensor(x)`` prints,
loguru loss lines, a per-batch losses.csv with a Batch column, JSON lines written once per process."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import assert_one_line_error, fresh_registry, lst, read, read_all  # noqa: F401

runner = CliRunner()

# ------------------------------------------------------------------------------------------------ timm train.py
# pytorch-image-models train.py, train_one_epoch: _logger.info('Train: {} [{:>4d}/{} ({:>3.0f}%)]  Loss: {loss.val:#.4g}
# ({loss.avg:#.3g})  Time: {batch_time.val:.3f}s, {rate:>7.2f}/s  ({batch_time.avg:.3f}s, {rate_avg:>7.2f}/s)  LR:
# {lr:.3e}  Data: {data_time.val:.3f} ({data_time.avg:.3f})'.format(epoch, batch_idx, len(loader), 100. * batch_idx /
# last_idx, ...); validate: '{0}: [{1:>4d}/{2}]  Time: {batch_time.val:.3f} ({batch_time.avg:.3f})  Loss:
# {loss.val:>7.4f} ({loss.avg:>6.4f})  Acc@1: {top1.val:>7.4f} ({top1.avg:>7.4f})  Acc@5: {top5.val:>7.4f}
# ({top5.avg:>7.4f})'.format(log_name, batch_idx, last_idx, ...); through Python logging's prefix.
PREFIX = "2024-03-06 19:40:31,330 - train: [    INFO] - "


def timm_train(epoch: int, b: int, n: int, val: float, avg: float) -> str:
    return (PREFIX + "Train: {} [{:>4d}/{} ({:>3.0f}%)]  Loss: {:#.4g} ({:#.3g})  Time: 0.512s,  250.00/s  "
            "(0.530s,  241.51/s)  LR: {:.3e}  Data: 0.010 (0.012)").format(
        epoch, b, n, 100.0 * b / (n - 1), val, avg, 1e-3)


def timm_test(b: int, last: int, loss: float, avg: float, top1: float, top5: float, name: str = "Test") -> str:
    return (PREFIX + "{0}: [{1:>4d}/{2}]  Time: 0.209 (0.167)  Loss: {3:>7.4f} ({4:>6.4f})  Acc@1: {5:>7.4f} "
            "({5:>7.4f})  Acc@5: {6:>7.4f} ({6:>7.4f})").format(name, b, last, loss, avg, top1, top5)


def test_timm_train_and_test_lines(tmp_path):
    out = ["Training with a single process on 1 device (cuda:0).", "Scheduled epochs: 2"]
    for epoch in (0, 1):
        for b, v in ((0, 6.9), (50, float("nan")), (99, 6.1 - epoch)):
            out.append(timm_train(epoch, b, 100, v, 6.5 - epoch))
        out.append(timm_test(0, 78, 5.0, 5.0, 1.0, 5.0))
        out.append(timm_test(78, 78, 4.0, 4.5 - epoch, 10.0 + epoch, 30.0))
        out.append(timm_test(78, 78, 4.0, 9.9, 10.0, 30.0, name="Test (EMA)"))
        out.append(PREFIX + f"*** Best metric: {10.0 + epoch} (epoch {epoch})")
    run = read(tmp_path, "\n".join(out) + "\n", "train.log")
    assert run.format == "text" and "Best_metric" not in run.series
    loss = run.series["Loss"]
    assert run.train_loss is loss and loss.role == "train_loss"
    assert lst(loss.steps) == [0, 50, 99, 100, 150, 199] and lst(loss.epochs) == [0, 0, 0, 1, 1, 1]
    assert loss.values[0] == pytest.approx(6.9) and math.isnan(loss.values[1])  # the batch's value, NaN kept
    val = run.series["val_Loss"]
    assert run.val_loss is val and lst(val.values) == pytest.approx([4.5, 3.5])  # the [78/78] running averages
    assert lst(val.epochs) == [0, 1]
    assert run.series["val_Acc@1"].role == "val_metric" and run.series["val_Acc@5"].role == "val_metric"
    assert any("timm train.py" in n for n in run.notes) and any("EMA" in n for n in run.notes)


def test_timm_cut_last_line_and_malformed(tmp_path):
    text = timm_train(0, 0, 10, 2.0, 2.0) + "\n" + timm_train(0, 5, 10, 1.5, 1.7) + "\n" + timm_train(0, 9, 10, 1.0, 1)[:60]
    run = read(tmp_path, text, "train.log")
    assert len(run.series["Loss"]) == 2 and any("no line end" in n for n in run.notes)
    bad = tmp_path / "bad.log"
    bad.write_text(PREFIX + "Train: 0 [   0/10 (  0%)]  Loss: x (y)\n" + PREFIX + "Test: [ 9/9]  Loss: x\n")
    assert_one_line_error(runner, app, bad)


# ------------------------------------------------------------------------------------------------ JDE
# Towards-Realtime-MOT train.py: logger.info(('%8s%12s' + '%10s' * 6) % ('Epoch', 'Batch', 'box', 'conf', 'id',
# 'total', 'nTargets', 'time')) once; then s = ('%8s%12s' + '%10.3g' * 6) % ('%g/%g' % (epoch, epochs - 1), '%g/%g' %
# (i, len(dataloader) - 1), rloss['box'], rloss['conf'], rloss['id'], rloss['loss'], rloss['nT'], time.time() - t0)
# every print_interval batches (logger format '%(asctime)s [%(levelname)s]: %(message)s'); test.py: 'AP: %.4f'.
def jde_row(epoch: int, i: int, box: float, total: float) -> str:
    return "2021-01-25 06:04:17 [INFO]: " + ("%8s%12s" + "%10.3g" * 6) % (
        f"{epoch}/1", f"{i}/9", box, 1.99, 18.7, total, 81.4, 7.12)


def test_jde_rows_after_one_header(tmp_path):
    out = ["2021-01-25 05:58:00 [INFO]: " + ("%8s%12s" + "%10s" * 6) % (
        "Epoch", "Batch", "box", "conf", "id", "total", "nTargets", "time"), "import SyncBn success", "=" * 80]
    out += [jde_row(0, 0, 0.227, 158), jde_row(0, 5, 0.17, 149), "      Image      Total          P          R        mAP",
            "AP: 0.0073", jde_row(1, 0, 0.05, float("nan")), jde_row(1, 5, 0.04, -7.16), "AP: 0.0150"]
    run = read(tmp_path, "\n".join(out) + "\n", "log_train.txt")
    total = run.series["total"]
    assert run.train_loss is total and lst(total.steps) == [0, 5, 10, 15] and lst(total.epochs) == [0, 0, 1, 1]
    assert math.isnan(total.values[2]) and total.values[3] == pytest.approx(-7.16)
    assert run.series["box"].role == "train_loss" and "nTargets" not in run.series
    ap = run.series["val_AP"]
    assert ap.role == "val_metric" and lst(ap.values) == pytest.approx([0.0073, 0.015]) and lst(ap.epochs) == [0, 1]


# ------------------------------------------------------------------------------------------------ k-fold logs
def test_fold_named_on_each_epoch_line_is_one_run_per_fold(tmp_path):
    # a train_cv.py's print(f"  [Fold {k} Ep {ep:03d}] tr_loss={l:.4f} tr_auc={a:.4f} | val_auc=... | {t:.1f}s"), the
    # fold's summary, then a final fit printing f"[Ep {ep:03d}/{n}] loss={l:.4f} ..."
    out = []
    for k in (1, 2):
        out += [f"  FOLD {k}  |  train=113  val=29", "=" * 60]
        out += [f"  [Fold {k} Ep {ep:03d}] tr_loss={0.3 / ep:.4f} tr_auc=0.5 | val_auc=0.4 val_f1=0.43 thr=0.6 | 2.1s"
                for ep in (1, 2, 3)]
        out += ["  Early stopping at epoch 3 (no_improve=2)", "", f"  Fold {k} done: best_AUC=0.6722  best_F1=0.5797  epoch=2"]
    out += ["Training for 3 epochs on 426 samples ..."]
    out += [f"[Ep {ep:03d}/3] loss={0.4 / ep:.4f} train_auc=0.51 lr=3.33e-05 | 3.2s" for ep in (1, 2, 3)]
    runs = read_all(tmp_path, "\n".join(out) + "\n", "log_train.txt")
    assert len(runs) == 3
    for run in runs:
        assert not any("Fold" in n for n in run.series) and "best_AUC" not in run.series
        assert any("fold of a cross-validation" in n for n in run.notes)
    assert [r.train_loss.name for r in runs] == ["tr_loss", "tr_loss", "loss"]
    assert lst(runs[1].train_loss.epochs) == [1, 2, 3] and runs[2].train_loss.values[0] == pytest.approx(0.4)


def test_folds_named_on_lines_of_their_own_get_a_note(tmp_path):
    # PatientTrajetoryForecasting-style: logger.info(f"Epoch {e}: Train Loss: {t:.4f}, Val Loss: {v:.4f}") per fold,
    # then logger.info(f"Fold {k}, k={n}: test_map = {m:.4f}, test_recall = {r:.4f}")
    out = []
    for k in (0, 1):
        out += [f"2025-06-27 01:00:59,732 - INFO - Epoch {e}: Train Loss: {3.0 - e / 10 - k:.4f}, Val Loss: 3.5000"
                for e in (1, 2, 3)]
        out.append(f"2025-06-27 04:39:22,168 - INFO - Fold {k}, k=20: test_map = 0.5211, test_recall = 0.4192")
    run = read(tmp_path, "\n".join(out) + "\n", "training.log")
    assert run.train_loss.values[0] == pytest.approx(1.9)  # the last fold's
    assert not any("Fold" in n for n in run.series)
    assert any("folds of a cross-validation" in n and "Fold 1, k=20" in n for n in run.notes)


# ------------------------------------------------------------------------------------------------ Ultralytics twice
# the ultralytics trainer's console (tests/test_reader_consolelogs.py's helpers follow its format strings)
def test_ultralytics_second_training_after_the_first_ended(tmp_path):
    from tests.test_reader_consolelogs import ul_bar, ul_header, ul_val

    out = []
    for label in ("labelled", "pseudo-labelled"):
        out.append(f"2026-06-30 16:42:26 | INFO | fine-tune ({label}): weight=runs/weights/epoch30.pt")
        for epoch in (1, 2):
            out += ["", ul_header(), ul_bar(epoch, 2, [1.3, 0.77, 0.0075], 5, 5), *ul_val([0.5, 0.4, 0.3, 0.2])]
        out += ["", "2 epochs completed in 0.010 hours.", "Validating runs/train/weights/best.pt...",
                *ul_val([0.9, 0.9, 0.9, 0.9])]
    runs = read_all(tmp_path, "\n".join(out) + "\n", "finetune.log")
    assert len(runs) == 2 and all(r.format == "ultralytics-console" for r in runs)
    assert [lst(r.train_loss.epochs) for r in runs] == [[1, 2], [1, 2]]
    assert any("starts again after a training ended" in n for n in runs[1].notes)


# ------------------------------------------------------------------------------------------------ hand-written prints
def test_nested_epoch_counters(tmp_path):
    # logging.info(f"epoch_out: {i}, epoch_in: {j}, loss: {loss}") in two nested loops (multi-source's train.py)
    out = [f"2022/08/22 11:33:12 epoch_out: {i}, epoch_in: {j}, loss: {1.0 / (1 + i + j / 10)}"
           for i in (0, 1) for j in (0, 1, 2)]
    run = read(tmp_path, "\n".join(out) + "\n", "train.log")
    loss = run.series["loss"]
    assert run.train_loss is loss and len(loss) == 6 and lst(loss.epochs) == [0, 0, 0, 1, 1, 1]
    assert loss.steps is not None and "epoch_in" not in run.series and "epoch_out" not in run.series


def test_mugs_epoch_iteration_lines_after_a_namespace_line(tmp_path):
    # Mugs-style logging.info: "INFO:Namespace(...)" (argparse) first, then "{e}-epoch ({it}/{total}): total loss
    # {x:.6f}, instance-sup.: ..., lr {lr:.4e}, wd {wd:.4e}, weak aug. ratio 0.5" per logged iteration
    out = ["INFO:Namespace(arch='vit_small', patch_size=16, momentum_teacher=0.996, loss_weights=[1.0, 1.0, 1.0], "
           "epochs=100, lr=0.0008)"]
    out += [f"INFO:0-epoch ({it}/178643): total loss {11.1 - it / 100:.6f}, instance-sup.: 11.446332,"
            f"local-group-sup.: 10.912857,group-sup.: 10.825760,, lr 1.3994e-11, wd 4.0000e-02, weak aug. ratio 0.5"
            for it in (4, 9, 14)]
    run = read(tmp_path, "\n".join(out) + "\n", "train.log")
    assert run.format == "text" and run.train_loss.name == "total_loss"
    assert lst(run.train_loss.steps) == [4, 9, 14] and lst(run.train_loss.epochs) == [0, 0, 0]


def test_per_batch_tensor_prints_among_tensor_dumps(tmp_path):
    # print('train_loss', loss) / print('val_loss', loss2) of 0-d CUDA tensors, between print('after f', feats)
    dump = ["after f tensor([[-1.3148,  2.7758, -0.0853,  ...,  0.9858,  1.5232,  2.1842],",
            "        [-0.2185, -0.4736, -1.7235,  ...,  0.1076, -0.1176, -0.1029]],",
            "       device='cuda:0', grad_fn=<CudnnBatchNormBackward>)"]
    out = []
    for epoch in (1, 2):
        out.append(f"==> Epoch {epoch}/20")
        for b in range(2):
            out += [*dump, f"train_loss tensor({16.5 - epoch - b:.4f}, device='cuda:0')",
                    f"val_loss tensor({8.0 - epoch:.4f}, device='cuda:0')"]
    out[-1] = "val_loss tensor(nan, device='cuda:0')"
    run = read(tmp_path, "\n".join(out) + "\n", "log_train.txt")
    tl, vl = run.series["train_loss"], run.series["val_loss"]
    assert run.train_loss is tl and run.val_loss is vl and len(tl) == 4 and len(vl) == 4
    assert lst(tl.epochs) == [1, 1, 2, 2] and tl.values[0] == pytest.approx(15.5) and math.isnan(vl.values[-1])


def test_loguru_lines_holding_only_a_loss(tmp_path):
    # loguru's default format '{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}',
    # logger.info(f"loss: {loss:.4f}") in the batch loop
    out = [f"2021-11-11 00:01:30.834 | INFO     | __main__:train:35 - loss: {2.5 - i / 10:.4f}" for i in range(5)]
    out.insert(2, "2021-11-11 00:02:09.629 | INFO     | __main__:<module>:113 - run run run")
    run = read(tmp_path, "\n".join(out) + "\n", "train.log")
    assert list(run.series) == ["loss"] and lst(run.train_loss.steps) == [0, 1, 2, 3, 4]
    assert run.train_loss.epochs is None and any("in file order" in n for n in run.notes)


# ------------------------------------------------------------------------------------------------ tables, JSON lines
def test_losses_csv_with_a_batch_column_is_on_the_step_axis(tmp_path):
    # pd.DataFrame({"Batch": ..., "Loss": ..., "RPN Classification Loss": ...}).to_csv("losses.csv")
    rows = [",Batch,Loss,RPN Classification Loss,RCNN Regression Loss"]
    rows += [f"{i},{i},{0.8 - i / 100},{0.06},{0.3}" for i in range(5)]
    run = read(tmp_path, "\n".join(rows) + "\n", "losses.csv")
    assert run.format == "csv" and run.train_loss.name == "Loss"
    assert lst(run.train_loss.steps) == [0, 1, 2, 3, 4] and "Batch" not in run.series
    assert any("Batch: a batch counter" in n for n in run.notes)


def test_jsonl_records_written_once_per_process(tmp_path):
    lines = []
    for step, loss in ((10, 0.25), (20, float("nan")), (30, 0.2)):
        rec = json.dumps({"step": step, "train/loss": loss, "train/learning_rate": 1e-6})
        lines += [rec] * 4
    lines.append(json.dumps({"step": 30, "train/loss": 0.19, "train/learning_rate": 1e-6}))  # not identical: kept
    run = read(tmp_path, "\n".join(lines) + "\n", "train_log.json")
    loss = run.series["train/loss"]
    assert len(loss) == 4 and math.isnan(loss.values[1]) and lst(loss.steps)[:3] == [10, 20, 30]
    assert any("9 record(s) identical" in n for n in run.notes)
