"""Layouts that reading survey 11 found misread or refused (readers/text.py, readers/toollogs.py, naming.py).

Each sample is written here in the layout its tool prints (values made up), the tool's format string quoted beside
it; none is a copy of a surveyed file.
"""

# The samples are written with each tool's own format strings (%-formatting, str.format), as the tools print them.
# ruff: noqa: UP030, UP031, UP032

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.naming import resolve
from tests.reading import assert_one_line_error, fresh_registry, lst, read, read_all  # noqa: F401

runner = CliRunner()


# ------------------------------------------------------------------ 1: st-gcn's processor log
# torchlight/io.py print_log: str = time.strftime("[%m.%d.%y|%X] ", time.localtime()) + str; processor/processor.py:
# print_log('Training epoch: {}'.format(epoch)), show_iter_info: print_log('\t' + ' | '.join(['Iter {} Done.'.format(
# iter), 'loss: {:.4f}', 'lr: {:.6f}'])), show_epoch_info: print_log('\t{}: {}'.format(k, v)) (mean_loss), then
# print_timer ('Time consumption:'), 'Done.'; every eval_interval epochs print_log('Eval epoch: {}'.format(epoch)),
# '\tmean_loss: {}', show_topk: print_log('\tTop{}: {:.2f}%'.format(k, 100 * accuracy)).

def _stgcn(train: list, evals: dict, iters: dict | None = None, params: bool = True) -> str:
    t = "[03.24.23|09:56:{:02d}] "
    out = []
    if params:
        out += [t.format(0) + "Parameters:", "{'work_dir': './work_dir', 'num_epoch': 50, 'log_interval': 100}", ""]
    for e, loss in enumerate(train):
        out.append(t.format(e % 60) + f"Training epoch: {e}")
        if iters and e in iters:
            out.append(t.format(e % 60) + f"\tIter {iters[e][0]} Done. | loss: {iters[e][1]:.4f} | lr: 0.100000")
        out += [t.format(e % 60) + f"\tmean_loss: {loss}", t.format(e % 60) + "Time consumption:",
                t.format(e % 60) + "Done."]
        if e in evals:
            vl, t1, t5 = evals[e]
            out += [t.format(e % 60) + f"Eval epoch: {e}", t.format(e % 60) + f"\tmean_loss: {vl}",
                    t.format(e % 60) + f"\tTop1: {t1:.2f}%", t.format(e % 60) + f"\tTop5: {t5:.2f}%", ""]
    return "\n".join(out) + "\n"


def test_stgcn_epoch_blocks_give_the_train_and_val_mean_loss_and_top_k(tmp_path):
    data = _stgcn([2.4, float("nan"), 2.1, 1.9, 1.8, 1.7], {1: (5.99, 3.0, 10.5), 4: (1.95, 40.25, 70.0)},
                  iters={0: (0, 2.5), 3: (100, 1.88)})
    run = read(tmp_path, data, "log.txt")
    assert run.format == "text" and run.axis == "epoch"
    s = run.train_loss
    assert s.name == "mean_loss" and s.axis == "epoch" and lst(s.epochs) == [0, 1, 2, 3, 4, 5]
    assert s.values[0] == 2.4 and math.isnan(s.values[1]) and s.values[-1] == 1.7  # nan is data
    v = run.val_loss
    assert v.name == "val_mean_loss" and lst(v.epochs) == [1, 4] and lst(v.values) == [5.99, 1.95]
    top1 = run.series["val_Top1"]
    assert top1.kind == "metric" and top1.split == "val" and lst(top1.epochs) == [1, 4]
    # the sparse "Iter N Done." readings are a series of their own, never the train loss
    it = run.series["loss"]
    assert lst(it.values) == [2.5, 1.88] and lst(it.steps) == [0, 100]
    assert any("st-gcn's per-epoch mean" in n for n in run.notes)


def test_stgcn_log_restarted_keeps_the_latest_training(tmp_path):
    first = _stgcn([3.0, 2.9, 2.8, 2.7, 2.6], {4: (2.5, 1.0, 5.0)})
    second = _stgcn([2.2, 2.0, 1.9], {})
    run = read(tmp_path, first + second, "log.txt")
    s = run.train_loss
    assert s.name == "mean_loss" and lst(s.values) == [2.2, 2.0, 1.9]
    assert any("restarts" in n for n in run.notes)


# ------------------------------------------------------------------ 2: Joey NMT's train.log
# joeynmt/training.py (TrainManager.train_and_validate), under logging's "%(asctime)s %(message)s":
# "Epoch %3d Step: %8d Batch Loss: %12.6f Tokens per Sec: %8.0f, Lr: %.6f" every logging_freq steps,
# 'Epoch %3d: total training loss %.2f' per epoch, 'Validation result (%s) at epoch %3d, step %8d: %s: %6.2f, loss:
# %8.4f, ppl: %8.4f, duration: %.4fs' every validation_freq steps.

def _joey(cut_last: bool = False) -> str:
    ts = "2020-05-12 16:48:35,873 "
    out = [ts + "Hello! This is Joey-NMT.", ts + "cfg.training.batch_size         : 4096", ts + "EPOCH 1"]
    step = 0
    for epoch in range(1, 5):
        for _ in range(2):
            step += 100
            loss = 5.0 / (step / 100)
            out.append(ts + "Epoch %3d Step: %8d Batch Loss: %12.6f Tokens per Sec: %8.0f, Lr: %.6f"
                       % (epoch, step, loss, 8992, 0.0002))
            if step % 400 == 0:
                out.append(ts + "Hooray! New best validation result [ppl]!")
                out.append(ts + "Validation result (greedy) at epoch %3d, step %8d: %s: %6.2f, loss: %8.4f, ppl: "
                           "%8.4f, duration: %.4fs" % (epoch, step, "bleu", 3.5 * epoch, 4000.0 / epoch,
                                                       20.0 / epoch, 11.6))
        out.append(ts + "Epoch %3d: total training loss %.2f" % (epoch, 800.0 / epoch))
        out.append(ts + f"EPOCH {epoch + 1}")
    text = "\n".join(out) + "\n"
    return text


def test_joeynmt_batch_loss_on_the_step_axis_and_validation_at_its_steps(tmp_path):
    run = read(tmp_path, _joey(), "train.log")
    assert run.format == "text" and run.axis == "step"
    s = run.train_loss
    assert s.name == "Batch_Loss" and s.axis == "step" and len(s) == 8
    assert lst(s.steps) == [100 * i for i in range(1, 9)] and s.values[0] == 5.0 and s.values[-1] == 0.625
    v = run.val_loss
    assert v.name == "val_loss" and lst(v.steps) == [400, 800] and lst(v.values) == [2000.0, 1000.0]
    assert lst(run.series["val_ppl"].values) == [10.0, 5.0] and run.series["val_ppl"].kind == "metric"
    assert run.series["val_bleu"].kind == "metric" and run.series["val_bleu"].split == "val"
    tot = run.series["total_training_loss"]
    assert tot.axis == "epoch" and len(tot) == 4 and tot.values[0] == 800.0  # beside it, not the train loss
    assert not any("Sec" in n or "Tokens" in n for n in run.series)  # the speed is no series
    assert "duration" not in " ".join(run.series)


def test_joeynmt_lines_after_a_long_config_are_still_joeynmt(tmp_path):
    head = "".join(f"2020-05-12 16:48:00,000 cfg.model.encoder.layer_{i:05d}.setting : {i}\n" for i in range(2500))
    run = read(tmp_path, head + _joey(), "train.log")
    assert run.format == "text" and run.train_loss.name == "Batch_Loss" and len(run.train_loss) == 8


# ------------------------------------------------------------------ 3: GaitSet's iteration lines
# GaitSet model/model.py (Model.fit), every 100 iterations: print('iter {}:'.format(self.restore_iter), end=''),
# ', hard_loss_metric={0:.8f}', ', full_loss_metric={0:.8f}', ', full_loss_num={0:.8f}', ', mean_dist={0:.8f}',
# ', lr=%f', ', hard or full=%r' % self.hard_or_full_trip (each with end='' but the last).

def _gaitset(mode: str = "full") -> str:
    out = []
    for k in range(1, 6):
        out.append("iter {}:".format(100 * k) + ", hard_loss_metric={0:.8f}".format(0.5 / k)
                   + ", full_loss_metric={0:.8f}".format(0.2 / k) + ", full_loss_num={0:.8f}".format(186494.125 / k)
                   + ", mean_dist={0:.8f}".format(0.18 + k / 100) + ", lr=%f" % 0.0001 + ", hard or full=%r" % mode)
        if k == 3:
            out.append("0:01:23.456789")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("mode", ["full", "hard"])
def test_gaitset_train_loss_is_the_triplet_loss_the_run_uses_and_the_count_is_no_loss(tmp_path, mode):
    run = read(tmp_path, _gaitset(mode), "train.out")
    s = run.train_loss
    assert s.name == f"{mode}_loss_metric" and s.axis == "step" and lst(s.steps) == [100, 200, 300, 400, 500]
    assert s.values[0] == (0.2 if mode == "full" else 0.5)
    num = run.series["full_loss_num"]
    assert num.kind == "other" and num.values[0] == 186494.125
    assert "train_loss (sum)" not in run.series
    other = run.series["hard_loss_metric" if mode == "full" else "full_loss_metric"]
    assert other.kind == "loss" and other is not s


@pytest.mark.parametrize("name", ["full_loss_num", "loss_count", "num_samples", "triplet_cnt", "val_loss_num"])
def test_a_count_is_never_a_loss(name):
    assert resolve(name).kind == "other"


def test_joeynmt_log_cut_before_its_first_step_line_is_refused_on_one_line(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("".join(ln + "\n" for ln in _joey().splitlines()[:3]))
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 4: a value with an explicit '+', a name with a power
# An OT-GAN script: print(f"epoch {epoch:3d} | D^2={d2:+.4f} | cross={c:.4f} rr={rr:.4f} ff={ff:.4f} | {t:.1f}s")
# (and " | FID=.. IS=.." on the epochs it evaluates): no upstream format; the layout of the surveyed log.

def test_a_plus_signed_value_is_a_number_and_a_power_is_part_of_the_name(tmp_path):
    lines = ["epoch %3d | D^2=%+.4f | cross=%.4f rr=%.4f ff=%.4f | %.1fs" % (e, d, 1.0 / (e + 1), 0.2, 0.3, 1500.0)
             for e, d in enumerate([0.0596, 0.0242, -0.0019])]
    lines[1] += " | FID=211.59 IS=1.90"
    data = "config\n  n_epochs: 3\n" + "\n".join(lines) + "\n"
    run = read(tmp_path, data, "train.log")
    d2 = run.series["D^2"]
    assert lst(d2.values) == [0.0596, 0.0242, -0.0019] and lst(d2.epochs) == [0, 1, 2]
    assert d2.kind == "other"  # a squared distance: no name for a loss, so no train loss is made up
    assert run.train_loss is None
    assert lst(run.series["cross"].values) == [1.0, 0.5, float("%.4f" % (1 / 3))]
    plus = read(tmp_path, data.replace("D^2", "loss"), "plus.log")
    assert lst(plus.train_loss.values) == [0.0596, 0.0242, -0.0019]


# ------------------------------------------------------------------ 5: online-continual-learning's iteration lines
# RaptorMai/online-continual-learning, agents/exp_replay.py (ER; MIR alike): after print('-----------run {} training
# batch {}-------------'.format(run, i)) for each task, every 100 iterations:
# print('==>>> it: {}, avg. loss: {:.6f}, running train acc: {:.3f}'.format(i, losses_batch.avg(), acc_batch.avg()))
# print('==>>> it: {}, mem avg. loss: {:.6f}, running mem acc: {:.3f}'.format(i, losses_mem.avg(), acc_mem.avg()))

def _ocl(tasks: int = 2, mem: bool = True) -> str:
    out = ["Namespace(agent='ER', batch=10, num_tasks=%d)" % tasks, "buffer has 5000 slots"]
    for t in range(tasks):
        out += ["-----------run 0 training batch {}-------------".format(t), "size: (4500, 84, 84, 3), (4500,)"]
        for k, i in enumerate((1, 101, 201)):
            out.append('==>>> it: {}, avg. loss: {:.6f}, running train acc: {:.3f}'.format(i, 6.0 - t - k, 0.1 * k))
            if mem:
                out.append('==>>> it: {}, mem avg. loss: {:.6f}, running mem acc: {:.3f}'.format(i, 3.0 - k, 0.2))
        out.append("[0.073 0.081 0.076]")
    return "\n".join(out) + "\n"


def test_online_continual_learning_avg_loss_is_the_train_loss_and_mem_loss_beside_it(tmp_path):
    run = read(tmp_path, _ocl(), "train.out")
    s = run.train_loss
    assert s.name == "avg_loss" and s.axis == "step" and lst(s.steps) == [1, 101, 201]
    assert lst(s.values) == [5.0, 4.0, 3.0]  # the latest task (the counter starts again at each)
    mem = run.series["mem_avg_loss"]
    assert mem.kind == "loss" and lst(mem.values) == [3.0, 2.0, 1.0] and mem is not s
    assert "train_loss (sum)" not in run.series
    assert run.series["running_train_acc"].kind == "metric" and run.series["running_mem_acc"].kind == "metric"
    assert any("restarts" in n for n in run.notes) and any("mem_avg_loss" in n for n in run.notes)


def test_online_continual_learning_without_replay_lines(tmp_path):
    run = read(tmp_path, _ocl(tasks=1, mem=False), "train.out")
    assert run.train_loss.name == "avg_loss" and lst(run.train_loss.values) == [6.0, 5.0, 4.0]
    assert "mem_avg_loss" not in run.series


def test_a_replay_memory_loss_is_a_loss_and_memory_columns_stay_bookkeeping():
    from lossdoc.naming import is_bookkeeping

    assert resolve("mem_avg_loss").kind == "loss" and not is_bookkeeping("mem avg. loss")
    assert is_bookkeeping("mem_allocated") and is_bookkeeping("memory_reserved")


# ------------------------------------------------------------------ 6: histories grouped two levels deep
# A training script's json.dump(results, f, indent=1) with results[family][variant] = {"train": train_losses, "val":
# val_losses, "val_recon": ..., "val_kl": ..., "best_epoch": best, "seconds": elapsed} (no tool's format: the layout
# of the surveyed results/history.json).

def _grouped(broken: bool = False) -> str:
    import json

    def hist(a: float) -> dict:
        return {"train": [a, a / 2, float("nan")], "val": [a + 0.1, a / 2 + 0.1, a / 3], "val_kl": [0.0, 0.1, 0.2],
                "best_epoch": 1, "seconds": 24.5}

    obj = {"ae": {"ae_original": hist(0.04), "ae_wide": hist(0.05)}, "vae": {"vae_beta1": hist(0.3)}}
    if broken:
        obj["vae"]["notes"] = "rerun with a larger batch"
    return json.dumps(obj, indent=1)


def test_histories_grouped_two_levels_deep_are_a_run_each(tmp_path):
    runs = read_all(tmp_path, _grouped(), "history.json")
    assert [r.name for r in runs] == ["ae/ae_original", "ae/ae_wide", "vae/vae_beta1"]
    r = runs[0]
    assert r.format == "keras-history" and r.train_loss.name == "train" and r.val_loss.name == "val"
    assert lst(r.train_loss.epochs) == [0, 1, 2] and r.train_loss.values[0] == 0.04
    assert math.isnan(r.train_loss.values[-1])  # NaN is data
    assert runs[2].val_loss.values[-1] == 0.3 / 3 and r.meta["best_epoch"] == 1
    assert any("grouped two levels deep" in n for n in r.notes)


def test_grouped_histories_with_a_value_that_is_no_history_are_refused_on_one_line(tmp_path):
    path = tmp_path / "history.json"
    path.write_text(_grouped(broken=True))
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 7a: a 'key : value' settings header
# A script's print("=============== HYPERPARAMETER SETTING ===============") then print(f"{k} : {v}") for each
# setting, then its 'iter=N,loss=X,acc=Y' lines (print(f"iter={it},loss={loss:.4f},acc={acc:.4f}")): no tool format;
# the layout of the surveyed log.

def test_a_key_colon_value_settings_header_is_configuration_not_data(tmp_path):
    head = ["=============== HYPERPARAMETER SETTING ===============", "method : lstm", "mode : train",
            "lr : 0.1", "dim : 100", "epoch : 5", "min_count : 1", "neg : 5", "word_ngrams : 1", "loss : softmax",
            "=============== TRAINING ==============="]
    body = [f"iter={10 * i},loss={2.0 - 0.1 * i:.4f},acc={0.1 * i:.4f}" for i in range(1, 6)]
    run = read(tmp_path, "\n".join(head + body) + "\n", "train.log")
    assert sorted(run.series) == ["acc", "loss"]  # no 1-point min_count, neg, word_ngrams
    s = run.train_loss
    assert s.axis == "step" and lst(s.steps) == [10, 20, 30, 40, 50] and s.values[0] == 1.9 and s.values[-1] == 1.5


# ------------------------------------------------------------------ 7b: an accuracy-only log
# jostmey/DeepNeuralClassifier (Julia): println("REPORT"), println("  Batch = ", i), println("  alpha = ", alpha),
# println("  Correct = ", 100.0 * correct, "%") every 100 batches; no loss is printed.

def test_a_log_with_no_loss_is_refused_as_such_on_one_line(tmp_path):
    blocks = "".join(f"REPORT\n  Batch = {100 * i}\n  alpha = {0.001 - i * 3.3e-7:.8f}\n  Correct = {10.0 + i}%\n\n"
                     for i in range(1, 6))
    path = tmp_path / "train.out"
    path.write_text(blocks)
    assert_one_line_error(runner, app, path)
    r = runner.invoke(app, ["inspect", str(path)])
    assert "no loss series" in r.stderr and "Correct (5 values)" in r.stderr and "not a training log" not in r.stderr


def test_a_log_that_names_a_loss_somewhere_keeps_the_usual_refusal(tmp_path):
    path = tmp_path / "train.out"
    path.write_text("loss function: cross entropy\n" + "REPORT\n  alpha = 0.001\n  Correct = 10%\n" * 4)
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2 and "not a training log" in r.stderr


# ------------------------------------------------------------------ 7c: a val loss printed again as a bare 'loss'
# A CheXpert densenet script: per epoch print('Epoch {} [{}] lossv {} = {:.3f}'.format(...)) per class, print('Epoch
# {} [{}] loss = {:.3f}'.format(epoch, 'IMPR' or '----', valid_loss)), then print('Training loss: {:.3f}, Valid
# loss: {:.3f}'.format(train_loss, valid_loss)): no tool format; the layout of the surveyed log.

def test_a_bare_loss_equal_to_the_val_loss_is_not_the_train_loss(tmp_path):
    out = ["<<< Training & Evaluating (frt) >>>", "Initial valid loss (overall): 0.706", ""]
    for e, (tr, va) in enumerate([(0.433, 0.502), (0.410, 0.476), (0.401, 0.484)], start=1):
        out += ["[Batch:  1000] loss: 29.017", "Epoch {} [{}] lossv {} = {:.3f}".format(e, "IMPR", "Card", va + 0.3),
                "Epoch {} [{}] loss = {:.3f}".format(e, "IMPR" if e < 3 else "----", va),
                "Training loss: {:.3f}, Valid loss: {:.3f}".format(tr, va)]
    run = read(tmp_path, "\n".join(out) + "\n", "train.log")
    assert run.train_loss.name == "Training_loss" and lst(run.train_loss.values) == [0.433, 0.410, 0.401]
    assert run.val_loss.name == "Valid_loss" and lst(run.val_loss.values) == [0.502, 0.476, 0.484]
    assert lst(run.train_loss.epochs) == [1, 2, 3]
    assert any("the validation loss printed again" in n for n in run.notes)
