"""Console logs that training tools print (consolelogs.py). Lines are written here from each tool's own format
string (cited at each section), messy the way real files are: other loggers' lines, config dumps, NaN tokens,
trainings appended, a last line cut by a run still writing."""

from __future__ import annotations

import math

import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401 (fresh_registry: an autouse fixture)

# ------------------------------------------------------------------------------------------------ detectron2 log.txt
# detectron2/utils/events.py (facebookresearch/detectron2 @02b5c4e, lines 275-318), CommonMetricPrinter.write:
#   " {eta}iter: {iter}  {losses}  {non_losses}  {avg_time}{last_time}{avg_data_time}{last_data_time} lr: {lr}  {memory}"
#   with losses "{}: {:.4g}" joined by two spaces, time "time: {:.4f}  ", lr "{:.5g}" or "N/A", "max_mem: {:.0f}M";
# detectron2/utils/logger.py (lines 79-91): log.txt gets "[%(asctime)s] %(name)s %(levelname)s: %(message)s", stdout
#   "[%(asctime)s %(name)s]: %(message)s" (name abbreviated d2.), datefmt "%m/%d %H:%M:%S".


def d2_line(it: int, total: float, cls: float, box: float, console: bool = False, lr: str = "0.0025") -> str:
    prefix = "[03/14 10:01:02 d2.utils.events]: " if console else "[03/14 10:01:02] detectron2.utils.events INFO: "
    losses = f"total_loss: {total:.4g}  loss_cls: {cls:.4g}  loss_box_reg: {box:.4g}"
    return (f"{prefix} eta: 0:41:07  iter: {it}  {losses}    time: 0.4213  last_time: 0.4011  data_time: 0.0101  "
            f"last_data_time: 0.0093   lr: {lr}  max_mem: 2713M")


D2_HEAD = """[03/14 10:00:01] detectron2 INFO: Rank of current process: 0. World size: 1
[03/14 10:00:01] detectron2 INFO: Running with full config:
SOLVER:
  BASE_LR: 0.0025
  MAX_ITER: 300
[03/14 10:00:05] d2.engine.train_loop INFO: Starting training from iteration 0
"""
D2_EVAL = """[03/14 10:20:00] d2.evaluation.evaluator INFO: Total inference time: 0:00:12.1 (0.12 s / iter per device)
[03/14 10:20:01] d2.evaluation.coco_evaluation INFO: Evaluation results for bbox:
|   AP   |  AP50  |  AP75  |
|:------:|:------:|:------:|
| 40.123 | 60.456 | 43.789 |
[03/14 10:20:01] d2.evaluation.testing INFO: copypaste: Task: bbox
[03/14 10:20:01] d2.evaluation.testing INFO: copypaste: 40.1230,60.4560,43.7890
"""


def test_detectron2_log_txt(tmp_path):
    body = [d2_line(19, 2.113, 0.9051, 0.5012, lr="N/A"), d2_line(39, 1.937, 0.8193, 0.5), d2_line(59, math.nan, 0.74, 0.5)]
    text = D2_HEAD + "\n".join(body) + "\n" + D2_EVAL + d2_line(79, 1.641, 0.67, 0.5) + "\n"
    run = read(tmp_path, text, "log.txt")
    assert run.format == "detectron2-log"
    tl = run.train_loss
    assert tl.name == "total_loss" and lst(tl.steps) == [19, 39, 59, 79] and tl.epochs is None
    assert tl.values[0] == 2.113 and math.isnan(tl.values[2]) and tl.values[-1] == 1.641 and tl.nonfinite == 1
    assert run.series["loss_cls"].role == "train_loss" and len(run.series["loss_cls"]) == 4
    assert run.series["lr"].kind == "lr" and len(run.series["lr"]) == 3  # "lr: N/A" is no point
    for name in ("time", "last_time", "data_time", "last_data_time", "max_mem", "eta"):
        assert name not in run.series
    assert not any("AP" in n for n in run.series)  # evaluation tables are not read


def test_detectron2_console_prefix_colours_restart_and_cut_line(tmp_path):
    green = "\x1b[32m"
    first = [green + d2_line(it, 2.0 - it / 100, 1.0, 0.5, console=True).replace("]: ", "]: \x1b[0m", 1)
             for it in (19, 39)]
    second = [d2_line(it, 1.5, 0.7, 0.4, console=True) for it in (19, 39, 59)]
    text = "\n".join(first + second) + "\n" + d2_line(79, 1.4, 0.6, 0.4, console=True)[:60]
    runs = read_all(tmp_path, text, "train_stdout.txt")
    assert [r.format for r in runs] == ["detectron2-log"] * 2
    assert [len(r.train_loss) for r in runs] == [2, 3] and runs[0].train_loss.values[0] == pytest.approx(1.81)
    assert any("no line end" in n for n in runs[1].notes)


def test_detectron2_log_sniff_takes_only_its_lines():
    from lossdoc.readers.consolelogs import Detectron2LogReader

    r = Detectron2LogReader()
    assert r.sniff((D2_HEAD + d2_line(19, 1.0, 0.5, 0.5) + "\n").encode(), None)
    for other in (D2_HEAD + D2_EVAL, "iter: 19  total_loss: 1.0  lr: 0.1\n",
                  "Epoch: [0]  [0/6]  eta: 0:00:25  lr: 0.001  loss: 8.2773 (8.2773)  time: 4.1973\n",
                  '{"iteration": 19, "total_loss": 1.0}\n'):
        assert not r.sniff(other.encode(), None), other


def test_detectron2_log_without_numbers_is_one_line_error(runner, tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("[03/14 10:01:02] detectron2.utils.events INFO:  iter: 19  total_loss: nan?  lr: N/A  \n")
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "log.txt" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output
    with pytest.raises(InputError):
        read(tmp_path, p.read_text(), "log.txt", fmt="detectron2-log")


# ------------------------------------------------------------------------------------------------ nnU-Net
# nnunetv2/training/nnUNetTrainer/nnUNetTrainer.py (MIC-DKFZ/nnUNet @0e49508): print_to_log_file (line 515) writes
#   f"{datetime.fromtimestamp(time())}:" and then each argument followed by " ", then "\n"; on_train_epoch_start
#   (lines 1012-1015) '' / f'Epoch {self.current_epoch}' / f"Current learning rate: {np.round(lr, decimals=5)}";
#   on_epoch_end (lines 1172-1177) 'train_loss', np.round(.., 4) / 'val_loss', ... / 'Pseudo dice', [np.round(i, 4)
#   ...] (numpy 2 prints np.float32(0.8123)) / f"Epoch time: {..} s".
# nnU-Net v1, nnunet/training/network_training/network_trainer.py (branch nnunetv1, lines 438-493):
#   "\nepoch: ", self.epoch / "train loss : %.4f" / "validation loss: %.4f" / "This epoch took %f s\n"; line 514
#   "lr is now (scheduler) %s"; nnUNetTrainer.py line 717 "Average global foreground Dice:", [np.round(i, 4) ...].


def nn_v2_epoch(ep: int, tr: str, va: str, dice: str, t: str = "2024-05-02 10:1{}:0{}.{}") -> str:
    ts = [t.format(ep % 10, k, "123456") for k in range(6)]
    return (f"{ts[0]}:  \n{ts[0]}: Epoch {ep} \n{ts[1]}: Current learning rate: 0.0{99 - ep} \n"
            f"{ts[2]}: train_loss {tr} \n{ts[3]}: val_loss {va} \n{ts[4]}: Pseudo dice {dice} \n"
            f"{ts[5]}: Epoch time: 61.27 s \n")


NN_V2_HEAD = """
#######################################################################
Please cite the following paper when using nnU-Net:
Isensee, F., Jaeger, P. F., Kohl, S. A., Petersen, J., & Maier-Hein, K. H. (2021). nnU-Net: ...
#######################################################################
 

This is the configuration used by this training:
Configuration name: 3d_fullres
 {'data_identifier': 'nnUNetPlans_3d_fullres', 'batch_size': 2, 'patch_size': [128, 128, 128]} 
 
2024-05-02 10:09:58.771290: unpacking dataset... 
"""


def test_nnunet_v2_training_log(tmp_path):
    text = (NN_V2_HEAD
            + nn_v2_epoch(0, "0.0312", "-0.0815", "[np.float32(0.1), np.float32(0.3)]")
            + nn_v2_epoch(1, "-0.2577", "-0.3068", "[np.float32(nan), np.float32(0.5)]")
            + nn_v2_epoch(2, "nan", "-0.4011", "[0.6, 0.8]")
            + "2024-05-02 10:12:00.000001: Yayy! New best EMA pseudo Dice: 0.4567 \n")
    run = read(tmp_path, text, "training_log_2024_5_2_10_09_50.txt")
    assert run.format == "nnunet-log"
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert lst(run.train_loss.epochs) == [0, 1, 2] and run.train_loss.steps is None
    assert run.train_loss.values[1] == -0.2577 and math.isnan(run.train_loss.values[2])  # negative, NaN kept
    assert lst(run.val_loss.values) == [-0.0815, -0.3068, -0.4011]
    dice = run.series["val_pseudo_dice"]
    assert dice.role == "val_metric" and lst(dice.values) == pytest.approx([0.2, 0.5, 0.7])
    assert lst(run.series["lr"].values) == [0.099, 0.098, 0.097]
    assert any("below 0" in n for n in run.notes)


def test_nnunet_v1_training_log(tmp_path):
    lines = ["Starting... "]
    for ep, (tr, va) in enumerate([(-0.1012, -0.2034), (-0.3051, -0.3987), (-0.4102, -0.4421)]):
        ts = f"2021-03-01 09:0{ep}:00.5"
        lines += [f"{ts}: ", f"epoch:  {ep} ", f"{ts}: train loss : {tr:.4f} ", f"{ts}: validation loss: {va:.4f} ",
                  f"{ts}: Average global foreground Dice: [0.{ep + 1}, 0.{ep + 3}] ",
                  f"{ts}: (interpret this as an estimate for the Dice of the different classes. This is not exact.) ",
                  f"{ts}: lr is now (scheduler) 0.00{9 - ep} ", f"{ts}: This epoch took 120.5 s", " "]
    run = read(tmp_path, "\n".join(lines) + "\n", "training_log_2021_3_1_09_00_00.txt")
    assert run.format == "nnunet-log"
    assert run.train_loss.name == "train loss" and run.val_loss.name == "validation loss"
    assert lst(run.train_loss.epochs) == [0, 1, 2] and run.val_loss.values[-1] == -0.4421
    assert run.series["val_global_dice"].values[0] == pytest.approx(0.2)
    assert lst(run.series["lr"].epochs) == [1, 2, 3]  # maybe_update_lr sets the next epoch's


def test_nnunet_sniff_and_errors(runner, tmp_path):
    from lossdoc.readers.consolelogs import NnUnetLogReader

    r = NnUnetLogReader()
    assert r.sniff(nn_v2_epoch(0, "0.1", "0.2", "[0.5]").encode(), None)
    for other in ("2024-05-02 10:09:58.771290: unpacking dataset... \n",
                  "train_loss -0.5\nval_loss -0.6\n", "Epoch 1\ntrain_loss 0.5\n",
                  "2024-05-02 10:09:58,771 INFO train_loss 0.5\n"):
        assert not r.sniff(other.encode(), None), other
    # a log whose training had not reached its first epoch's end: one line, naming the file
    p = tmp_path / "training_log_2024_5_2_10_09_50.txt"
    p.write_text("2024-05-02 10:10:00.1: Epoch 0 \n2024-05-02 10:10:00.2: Current learning rate: oops \n")
    res = runner.invoke(app, ["inspect", str(p), "--input-format", "nnunet-log"])
    assert res.exit_code == 2 and p.name in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.output


# ------------------------------------------------------------------------------------------------ gradient boosting
# XGBoost python-package/xgboost/callback.py, EvaluationMonitor: msg = f"[{epoch}]", then per set and metric
#   _fmt_metric: f"\t{data + '-' + metric}:{score:.5f}" (cv: + f"+{std:.5f}"); sklearn names eval sets validation_i.
# LightGBM python-package/lightgbm/callback.py: _format_eval_result f"{value[0]}'s {value[1]}: {value[2]:g}" (cv: +
#   f" + {value[4]:g}"), log_evaluation f"[{env.iteration + 1}]\t{result}" (items joined by "\t"); early stopping
#   prints "Early stopping, best iteration is:\n[{best_iter + 1}]\t" + the best items again.
# CatBoost catboost/libs/loggers/logger.h, TConsoleLoggingBackend: currentIteration << ":" then "\t" << source << ": "
#   << Prec(value, 7) (main metric only; test sets also "\tbest: " << best << " (" << iter << ")") and
#   "\ttotal: " / "\tremaining: " HumanReadable durations.


def xgb_line(i: int, **sets: float) -> str:
    return f"[{i}]" + "".join(f"\t{k.replace('__', '-')}:{v:.5f}" for k, v in sets.items())


def test_xgboost_sklearn_eval_sets(tmp_path):
    rows = [xgb_line(i, validation_0__logloss=0.65 - i / 100, validation_1__logloss=0.66 - i / 200) for i in range(5)]
    rows[3] = rows[3].replace("0.62000", "nan")
    run = read(tmp_path, "\n".join(rows) + "\n", "xgb_train.log")
    assert run.format == "xgboost-log"
    assert run.train_loss.name == "validation_0-logloss" and run.val_loss.name == "validation_1-logloss"
    assert lst(run.train_loss.steps) == [0, 1, 2, 3, 4] and run.train_loss.epochs is None
    assert math.isnan(run.train_loss.values[3]) and run.val_loss.values[-1] == 0.64
    assert any("validation_0 read as the train set" in n for n in run.notes)


def test_xgboost_native_names_metrics_and_cv_std(tmp_path):
    rows = [f"[{i}]\ttrain-rmse:{3 - i / 10:.5f}+0.01000\ttrain-mae:{2 - i / 10:.5f}+0.01000\t"
            f"test-rmse:{3.1 - i / 20:.5f}+0.02000\ttest-mae:{2.1 - i / 20:.5f}+0.02000" for i in range(4)]
    run = read(tmp_path, "[12:00:00] WARNING: some xgboost warning\n" + "\n".join(rows) + "\n", "cv.log")
    # no loss-named metric: the fitted squared error is read as the losses (naming.fitted_error), the std dropped
    assert run.train_loss.name == "train-rmse" and run.val_loss.name == "test-rmse"
    assert run.train_loss.values[0] == 3.0 and run.series["test-mae"].kind == "metric"
    err = [xgb_line(i, train__error=0.2, eval__error=0.25, eval__auc=0.8 + i / 100) for i in range(3)]
    run = read(tmp_path, "\n".join(err) + "\n", "err.log")
    assert run.series["eval-auc"].role == "val_metric" and run.series["eval-auc"].higher_is_better
    assert run.series["eval-error"].kind == "metric"  # an error rate is not a loss
    assert run.train_loss is None and run.val_loss is None


def test_lightgbm_early_stopping_aliases_and_folds(tmp_path):
    fold = ["[LightGBM] [Info] Number of positive: 120, number of negative: 380",
            "Training until validation scores don't improve for 2 rounds"]
    fold += [f"[{i}]\ttraining's l2: {1 / i:g}\tvalid_1's l2: {1.2 / i + i / 10:g}" for i in range(1, 6)]
    fold += ["Early stopping, best iteration is:", "[3]\ttraining's l2: 0.333333\tvalid_1's l2: 0.7"]
    runs = read_all(tmp_path, "\n".join(fold + fold[:5]) + "\n", "lgb_train.log")
    assert [r.format for r in runs] == ["lightgbm-log"] * 2  # a second fit appended: the iteration goes back
    a = runs[0]
    assert lst(a.train_loss.steps) == [1, 2, 3, 4, 5]  # the repeated best line is not a sixth point
    assert a.train_loss.name == "training's l2 (mse)" and a.val_loss.name == "valid_1's l2 (mse)"
    assert a.val_loss.values[0] == pytest.approx(1.3) and len(runs[1].train_loss) == 3


def test_catboost_learn_test_best(tmp_path):
    rows = [f"{i}:\tlearn: {0.68 - i / 100:.7f}\ttest: {0.69 - i / 200:.7f}\tbest: {0.69 - i / 200:.7f} ({i})\t"
            f"total: {5 * i}ms\tremaining: {200 - 5 * i}ms" for i in range(4)]
    rows[2] = rows[2].replace("0.6600000", "nan", 1)
    tail = ["Stopped by overfitting detector  (20 iterations wait)", "", "bestTest = 0.675", "bestIteration = 3", "",
            "Shrink model to first 4 iterations."]
    run = read(tmp_path, "\n".join(["Learning rate set to 0.5"] + rows + tail) + "\n", "catboost_train.log")
    assert run.format == "catboost-log"
    assert run.train_loss.name == "learn" and run.val_loss.name == "test" and "best" not in run.series
    assert lst(run.train_loss.steps) == [0, 1, 2, 3] and math.isnan(run.train_loss.values[2])
    assert run.val_loss.values[-1] == pytest.approx(0.675)
    assert any("main metric" in n for n in run.notes)
    only_learn = [f"{i}:\tlearn: {0.5 - i / 100:.7f}\ttotal: 1ms\tremaining: 9ms" for i in range(3)]
    assert read(tmp_path, "\n".join(only_learn) + "\n", "cb2.log").val_loss is None


def test_boosting_sniffs_take_only_their_lines():
    from lossdoc.readers.consolelogs import CatboostLogReader, LightgbmLogReader, XgboostLogReader

    xgb = (xgb_line(0, train__rmse=1.0) + "\n" + xgb_line(1, train__rmse=0.9) + "\n").encode()
    lgb = b"[1]\ttraining's l2: 0.5\n[2]\ttraining's l2: 0.4\n"
    cb = b"0:\tlearn: 0.5000000\ttotal: 1ms\tremaining: 9ms\n1:\tlearn: 0.4000000\ttotal: 2ms\tremaining: 8ms\n"
    readers = (XgboostLogReader(), LightgbmLogReader(), CatboostLogReader())
    for i, data in enumerate((xgb, lgb, cb)):
        assert [r.sniff(data, None) for r in readers] == [j == i for j in range(3)]
    for other in (b"[0] loss: 0.5\n[1] loss: 0.4\n", b"0: 0.5, 0.5 avg loss, 0.001 rate\n", b"[1, 2, 3]\n",
                  b"epoch,loss\n0,1\n1,0.5\n", b"1:\tfoo bar\n2:\tbaz\n"):
        assert not any(r.sniff(other, None) for r in readers), other


@pytest.mark.parametrize("fmt", ["xgboost-log", "lightgbm-log", "catboost-log"])
def test_boosting_malformed_is_one_line_error(runner, tmp_path, fmt):
    p = tmp_path / "train.log"
    p.write_text("[0]\tvalidation_0-logloss:abc\n0:\tlearn: ?\n")
    r = runner.invoke(app, ["inspect", str(p), "--input-format", fmt])
    assert r.exit_code == 2 and "train.log" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output


# ------------------------------------------------------------------------------------------------ CLU / absl (text.py)
# CLU clu/metric_writers/logging_writer.py (google/CommonLoopUtils), LoggingWriter.write_scalars:
#   values = [f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(scalars.items())]
#   logging.info("[%d]%s %s", step, self._collection_str, ", ".join(values))   (collection_str " collection=<c>")
# absl/logging/__init__.py get_absl_log_prefix: '%c%02d%02d %02d:%02d:%02d.%06d %5d %s:%d] '; without absl's
#   handler, Python's basicConfig prints 'INFO:absl:'.


def clu_line(step: int, prefix: str = "I0101 12:00:00.000000 139872 logging_writer.py:48] ", **values) -> str:
    return prefix + f"[{step}] " + ", ".join(f"{k}={v:.6g}" for k, v in sorted(values.items()))


def test_clu_logging_writer_lines(tmp_path):
    lines = ["I0101 11:59:58.000000 139872 train.py:88] Starting training loop at step 1.",
             "I0101 11:59:58.100000 139872 logging_writer.py:35] [Hyperparameters] {'learning_rate': 0.1}"]
    for step in (100, 200, 300, 400):
        lines.append(clu_line(step, learning_rate=0.1, train_accuracy=0.5 + step / 1000,
                              train_loss=math.nan if step == 300 else 2.0 - step / 1000))
        if step % 200 == 0:
            lines.append(clu_line(step, prefix="INFO:absl:", eval_accuracy=0.6, eval_loss=1.9 - step / 1000))
    lines.append("I0101 12:00:09.000000 139872 logging_writer.py:48] [400] Got images: {'sample': (4, 32, 32, 3)}.")
    run = read(tmp_path, "\n".join(lines) + "\n", "train.log")
    assert run.format == "text"
    assert run.train_loss.name == "train_loss" and lst(run.train_loss.steps) == [100, 200, 300, 400]
    assert math.isnan(run.train_loss.values[2]) and run.train_loss.values[-1] == 1.6
    assert run.val_loss.name == "eval_loss" and lst(run.val_loss.steps) == [200, 400]
    assert run.series["eval_accuracy"].role == "val_metric" and run.series["learning_rate"].kind == "lr"


def test_clu_marker_needs_name_equals_value():
    from lossdoc.readers.text import _markers

    assert _markers("[100] collection=train loss=0.5, lr=0.1")[0] == {"step": 100.0}
    assert _markers("[2,  2000] loss: 1.234")[0] == {"epoch": 2.0, "step": 2000.0}
    for other in ("[100] Got images: {'a': (1,)}.", "[1] see the README", "[100]loss=0.5"):
        assert _markers(other)[0] == {}, other


# ------------------------------------------------------------------------------------------------ PaddlePaddle
# PaddlePaddle's docs and examples (the 2.0 release notes' and tutorials' LeNet / MNIST loops):
#   if batch_id % 100 == 0:
#       print("epoch: {}, batch_id: {}, loss is: {}, acc is: {}".format(epoch, batch_id, loss.numpy(), acc.numpy()))
# loss.numpy() of a shape-[1] float32 tensor prints "[0.70092434]" ("[nan]"); a 0-D tensor (Paddle >= 2.5) "0.7009".


def paddle_line(epoch: int, batch: int, loss: str, acc: str = "[0.8125]") -> str:
    return f"epoch: {epoch}, batch_id: {batch}, loss is: {loss}, acc is: {acc}"


def test_paddle_training_loop_prints(tmp_path):
    lines = ["W0101 12:00:00.123 12345 gpu_resources.cc:61] Please NOTE: device: 0, GPU Compute Capability: 7.0"]
    vals = iter(["[2.3025851]", "[0.70092434]", "[0.5458812]", "[nan]", "0.4251302", "[0.3310947]"])
    for epoch in range(2):
        lines += [paddle_line(epoch, b, next(vals)) for b in (0, 100, 200)]
    run = read(tmp_path, "\n".join(lines) + "\n", "paddle_train.log")
    assert run.format == "paddle-log"
    tl = run.train_loss
    assert tl.name == "loss" and lst(tl.steps) == [0, 100, 200, 300, 400, 500]
    assert lst(tl.epochs) == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3])
    assert tl.values[0] == pytest.approx(2.3025851) and math.isnan(tl.values[3]) and tl.values[4] == 0.4251302
    assert run.series["acc"].role == "train_metric" and "batch_id" not in run.series
    assert any("300 per epoch" in n for n in run.notes)


def test_paddle_sniff_and_errors(runner, tmp_path):
    from lossdoc.readers.consolelogs import PaddleLogReader

    r = PaddleLogReader()
    assert r.sniff((paddle_line(0, 0, "[0.5]") + "\n").encode(), None)
    for other in ("epoch: 1, batch_id: 0, loss: 0.5\n", "the loss is: [0.5]\n", "epoch 1 loss is 0.5\n"):
        assert not r.sniff(other.encode(), None), other
    p = tmp_path / "paddle_train.log"
    p.write_text(paddle_line(0, 0, "[0.5 0.6]", "Tensor(shape=[1])") + "\n")
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2 and p.name in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.output


# ------------------------------------------------------------------------------------------------ Ultralytics console
# ultralytics/models/yolo/detect/train.py progress_string: ("\n" + "%11s" * (4 + len(self.loss_names))) % ("Epoch",
#   "GPU_mem", *self.loss_names, "Instances", "Size"); ultralytics/engine/trainer.py, the bar's description:
#   ("%11s" * 2 + "%11.4g" * (2 + loss_length)) % (f"{epoch + 1}/{self.epochs}", f"{self._get_memory():.3g}G",
#   *losses, batch["cls"].shape[0], batch["img"].shape[-1]); ultralytics/models/yolo/detect/val.py get_desc:
#   ("%22s" + "%11s" * 6) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)"), print_results:
#   pf = "%22s" + "%11i" * 2 + "%11.3g" * len(self.metrics.keys); pf % ("all", self.seen, nt, *mean_results()).


def ul_header(names=("box_loss", "cls_loss", "dfl_loss")) -> str:
    return ("%11s" * (4 + len(names))) % ("Epoch", "GPU_mem", *names, "Instances", "Size")


def ul_bar(epoch: int, epochs: int, losses, n: int, of: int) -> str:
    desc = ("%11s" * 2 + "%11.4g" * (2 + len(losses))) % (f"{epoch}/{epochs}", "0G", *losses, 23, 640)
    return f"{desc}: {100 * n // of:3d}%|{'#' * (10 * n // of):10s}| {n}/{of} [00:0{n}<00:00,  1.30s/it]"


def ul_val(metrics, desc=("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)")) -> list[str]:
    head = ("%22s" + "%11s" * (len(desc) - 1)) % desc + ": 100%|##########| 1/1 [00:00<00:00,  2.1it/s]"
    return [head, ("%22s" + "%11i" * 2 + "%11.3g" * len(metrics)) % ("all", 10, 30, *metrics)]


def test_ultralytics_console_tqdm_redraws_and_final_validation(tmp_path):
    out = ["Ultralytics 8.3.0 Python-3.11 torch-2.4.0 CPU", "Starting training for 3 epochs..."]
    for epoch in (1, 2, 3):
        box = math.nan if epoch == 2 else 1.5 - epoch / 10
        losses = [(box, 2.3 - epoch / 10, 1.1 - epoch / 20)]
        out.append("")
        out.append(ul_header())
        # a TTY capture: the bar redrawn with carriage returns, the last state is the epoch's mean
        out.append("\r".join(ul_bar(epoch, 3, [v + 1 for v in losses[0]] if k < 4 else losses[0], k, 4)
                             for k in range(1, 5)))
        out += ul_val([0.01 * epoch, 0.5, 0.4 + epoch / 100, 0.2 + epoch / 100])
    out += ["", "3 epochs completed in 0.010 hours.", "Validating runs/detect/train/weights/best.pt...",
            *ul_val([0.9, 0.9, 0.9, 0.9]), "             person         10         30       0.9        0.9       0.9"]
    run = read(tmp_path, "\n".join(out) + "\n", "yolo_train_stdout.txt")
    assert run.format == "ultralytics-console"
    assert run.train_loss.name == "train/loss (sum)" and lst(run.train_loss.epochs) == [1, 2, 3]
    box = run.series["train/box_loss"]
    assert box.role == "train_loss" and box.values[0] == pytest.approx(1.4) and math.isnan(box.values[1])
    m = run.series["metrics/mAP50-95(B)"]
    assert m.role == "val_metric" and lst(m.values) == pytest.approx([0.21, 0.22, 0.23])  # not best.pt's 0.9
    assert run.series["metrics/precision(B)"].values[-1] == pytest.approx(0.03)


def test_ultralytics_console_segmentation_and_line_per_state(tmp_path):
    names = ("box_loss", "seg_loss", "cls_loss", "dfl_loss")
    desc = ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)", "Mask(P", "R", "mAP50", "mAP50-95)")
    out = []
    for epoch in (1, 2):
        out += ["", ul_header(names)]
        out += [ul_bar(epoch, 2, [2.0 / epoch + k / 10] * 4, k, 3) for k in range(1, 4)]  # a non-TTY line per state
        out += ul_val([0.5] * 7 + [0.1 * epoch], desc)
    run = read(tmp_path, "\n".join(out) + "\n", "seg.txt")
    assert lst(run.series["train/seg_loss"].values) == pytest.approx([2.3, 1.3])
    assert lst(run.series["metrics/mAP50-95(M)"].values) == pytest.approx([0.1, 0.2])


def test_ultralytics_console_sniff_and_errors(runner, tmp_path):
    from lossdoc.readers.consolelogs import UltralyticsConsoleReader

    r = UltralyticsConsoleReader()
    assert r.sniff(("\n" + ul_header() + "\n" + ul_bar(1, 3, (1, 2, 3), 1, 4) + "\n").encode(), None)
    for other in ("epoch,train/box_loss\n1,0.5\n", "      1/15         0G      1.3573\n", "Epoch GPU_mem loss\n"):
        assert not r.sniff(other.encode(), None), other
    p = tmp_path / "yolo_train_stdout.txt"
    p.write_text(ul_header() + "\n      1/3         0G      1.2      oops: 100%\n")
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2 and p.name in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.output
