"""Layouts that reading survey 16 found misread or refused: counters that go back inside one training, which of several
appended trainings to keep, text layouts misread or refused, a summary read as a history (readers/base.py,
readers/tabular.py, readers/jsonlogs.py, readers/text.py, readers/toollogs.py, naming.py).

Each sample is written here in the layout its script writes (values made up), the script's write quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import assert_one_line_error, lst, read

# ------------------------------------------------------------------ the latest training a stub
# A loss_log.csv appended to by every run of a script (open(path, "a"), writer.writerow([epoch, train_loss, val_loss,
# ...])), the header written once: trainings of 30, 12 and 2 epochs, the last one stopped after 2.

def _appended(lengths: list[int]) -> str:
    rows = ["epoch,train_loss,val_loss,data_loss"]
    for k, n in enumerate(lengths):
        for e in range(1, n + 1):
            tl = 3.0 / e + 0.01 * k
            rows.append(f"{e},{tl:.6f},{tl * 0.9:.6f},{tl * 0.6:.6f}")
    return "\n".join(rows) + "\n"


def test_a_stub_after_whole_trainings_is_left_out(tmp_path):
    run = read(tmp_path, _appended([30, 12, 2]), "loss_log.csv")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert len(run.train_loss) == 12 and len(run.val_loss) == 12
    assert lst(run.train_loss.epochs) == list(range(1, 13))
    assert run.train_loss.values[0] == pytest.approx(3.01)  # the second training's
    note = next(n for n in run.notes if "restarts 2 time(s)" in n)
    assert "kept training 2 of 3" in note and "2 point(s)" in note
    assert "train_loss" in run.meta.get("restarted", [])


def test_stubs_one_after_another_go_back_to_a_whole_training_and_no_stub_is_kept(tmp_path):
    assert len(read(tmp_path, _appended([20, 3, 1]), "a.csv").train_loss) == 20
    # 5 points or more, or not half as long as the one before: the latest, as base.cut_restarts keeps it
    for i, (lengths, kept) in enumerate([([30, 12], 12), ([30, 5], 5), ([3, 2], 2), ([4, 3, 2], 2)]):
        assert len(read(tmp_path, _appended(lengths), f"b{i}.csv").train_loss) == kept, lengths


# DETR's main.py: log_stats = {**{f'train_{k}': v ...}, **{f'test_{k}': v ...}, 'epoch': epoch, 'n_parameters': n};
# (output_dir / "log.txt").open("a").write(json.dumps(log_stats) + "\n"): a 5-epoch training, then 2 epochs of another.

def test_detr_log_whose_last_training_is_a_stub(tmp_path):
    recs = [{"train_lr": 1e-4, "train_loss": 4.0 - e / 2, "test_loss": 3.0 - e / 4, "epoch": e, "n_parameters": 41}
            for e in range(5)]
    recs += [{"train_lr": 1e-4, "train_loss": 4.1 - e / 2, "test_loss": 2.9 - e / 4, "epoch": e, "n_parameters": 41}
             for e in range(2)]
    run = read(tmp_path, "\n".join(json.dumps(r) for r in recs) + "\n", "log.txt")
    assert run.format == "jsonl" and lst(run.train_loss.epochs) == [0, 1, 2, 3, 4]
    assert run.train_loss.values[0] == pytest.approx(4.0) and len(run.val_loss) == 5


# ------------------------------------------------------------------ a counter within a repeated unit
# A DDPG agent's loss_log.csv: for each episode, for step in range(1, max_steps + 1): ... writer.writerow([step,
# actor_loss, critic_loss]) into a file opened in append mode once for the whole training; the log's head cut off in
# the middle of an episode (rows from step 21 on).

def _episodes(n: int, steps: int = 30, afresh: bool = False) -> str:
    rows = ["Step,Actor Loss,Critic Loss"]
    t = 0
    for ep in range(n):
        for step in range(21 if ep == 0 else 1, steps + 1):
            t = 0 if afresh and step == 1 else t + 1
            wobble = 0.004 * math.sin(1.7 * t)
            rows.append(f"{step},{0.09 - 0.0002 * t + wobble:.6f},{0.03 + 0.002 * math.cos(0.9 * t) - 0.00001 * t:.6f}")
    return "\r\n".join(rows) + "\r\n"


def test_an_episode_step_counter_is_counted_on_not_cut(tmp_path):
    run = read(tmp_path, _episodes(14), "loss_log.csv")
    assert run.train_loss.name == "Critic Loss" and len(run.train_loss) == 10 + 13 * 30
    steps = run.train_loss.steps
    assert steps[0] == 21 and np.all(np.diff(steps) == 1)
    assert any("starts again 13 time(s)" in n and "(1-30)" in n for n in run.notes)
    assert not run.meta.get("restarted")
    # trainings appended over and over, each starting afresh (the loss back where the log began): cut, as before
    again = read(tmp_path, _episodes(14, afresh=True), "again.csv")
    assert len(again.train_loss) == 30 and again.meta.get("restarted")


def test_few_restarts_over_the_same_steps_are_still_trainings(tmp_path):
    # 6 blocks (5 restarts) of the same steps: too few to say the counter is an inner one; the latest kept as before,
    # while 11 blocks of the same shape are one run
    assert len(read(tmp_path, _episodes(6), "six.csv").train_loss) == 30
    assert len(read(tmp_path, _episodes(11), "eleven.csv").train_loss) == 10 + 10 * 30
    # an epoch counter is never one: Keras' CSVLogger(append=True) over model.fit(epochs=5) called twice on each of
    # six models, epochs 0..4 twelve times over, the loss going on at some restarts and afresh at others: the latest
    rows = ["epoch,loss,val_loss"]
    for model in range(6):
        for call in range(2):
            for e in range(5):
                loss = (0.3 - 0.04 * model) / (1 + 5 * call + e) ** 1.5
                rows.append(f"{e},{loss:.6f},{loss / 3:.6f}")
    run = read(tmp_path, "\n".join(rows) + "\n", "train_log.csv")
    assert len(run.train_loss) == 5 and any("restarts 11 time(s)" in n for n in run.notes)


# ------------------------------------------------------------------ a batch column that starts again each epoch
# A pruning script's loss_log.csv: writer.writerow([datetime.now().isoformat(), batch_idx, original_loss, aux_loss,
# total_loss, ema]) every few batches, batch_idx from 1 again at every epoch; no epoch column.

def _batch_rows(epochs: int, per_epoch: int, t0: int = 0, header: bool = True) -> list[str]:
    rows = ["timestamp,batch_idx,original_loss,auxiliary_loss,total_loss,ema_original"] if header else []
    t = t0
    for e in range(epochs):
        for b in range(1, per_epoch + 1, 2):
            t += 1
            loss = 0.6 / (1 + 0.05 * t)
            rows.append(f"2025-03-0{1 + t // 1000}T{(t // 60) % 24:02d}:{t % 60:02d}:00.000001,{b},{loss:.6f},"
                        f"{4.5 - 0.001 * t:.6f},{loss + 4.5 - 0.001 * t:.6f},{0.9 - 0.0005 * t:.6f}")
    return rows


def test_a_batch_column_that_starts_again_at_every_epoch_is_counted_on(tmp_path):
    run = read(tmp_path, "\n".join(_batch_rows(6, 40)) + "\n", "loss_log.csv")
    assert run.train_loss.name == "total_loss" and len(run.train_loss) == 6 * 20
    steps = run.train_loss.steps
    assert steps[0] == 1 and np.all(np.diff(steps) > 0) and steps[20] == steps[19] + 2
    assert any("starts again 5 time(s), at each epoch" in n for n in run.notes)
    assert not any("restarts" in n for n in run.notes)
    # the header row again: a training started again, the latest kept (its epochs counted on), as before
    again = _batch_rows(3, 40) + _batch_rows(2, 40)
    run = read(tmp_path, "\n".join(again) + "\n", "again.csv")
    assert len(run.train_loss) == 2 * 20 and run.train_loss.steps[-1] > 40
    assert any("header row is repeated" in n for n in run.notes) and any("restarts 1 time" in n for n in run.notes)


# ------------------------------------------------------------------ sessions of an RL agent appended to one JSONL
# A warehouse-robot agent's training_log.jsonl: each session opens the file in append mode and writes
# json.dumps({"episode": ep, "phase": ..., "env_reward": ..., "steps": ..., "avg_loss": ..., ...}) per episode from
# episode 1; an early version of the script also wrote its policy_loss and value_loss.

def _session(n: int, scale: float, old: bool = False) -> list[str]:
    out = []
    for ep in range(1, n + 1):
        rec = {"episode": ep, "phase": "warmup", "env_reward": -5000.0 + 40 * ep, "steps": 1500,
               "epsilon": max(0.05, 1 - ep / 50), "avg_loss": scale / (1 + 0.3 * ep)}
        if old:
            rec |= {"policy_loss": -0.01 * ep, "value_loss": scale / (1 + 0.3 * ep) + 0.5}
        out.append(json.dumps(rec))
    return out


def test_episode_key_is_the_axis_and_the_latest_session_is_kept(tmp_path):
    lines = _session(6, 9e5, old=True) + _session(14, 9e5, old=True) + _session(30, 80.0) + _session(1, 75.0) \
        + _session(7, 70.0)
    run = read(tmp_path, "\n".join(lines) + "\n", "training_log.jsonl")
    assert run.train_loss.name == "avg_loss" and run.train_loss.axis == "step"
    assert lst(run.train_loss.steps) == [1, 2, 3, 4, 5, 6, 7]
    assert run.train_loss.values[0] == pytest.approx(70.0 / 1.3)
    assert "policy_loss" not in run.series and "value_loss" not in run.series
    note = next(n for n in run.notes if "'episode' counter starts again 4 time(s)" in n)
    assert "6, 14, 30, 1, 7 episodes" in note and "kept session 5" in note and "policy_loss" in note
    assert run.meta.get("restarted")
    one = read(tmp_path, "\n".join(_session(12, 80.0)) + "\n", "one.jsonl")
    assert lst(one.train_loss.steps) == list(range(1, 13)) and not one.meta.get("restarted")


def test_a_stub_session_after_a_long_one_is_left_out(tmp_path):
    run = read(tmp_path, "\n".join(_session(40, 80.0) + _session(2, 90.0)) + "\n", "training_log.jsonl")
    assert len(run.train_loss) == 40 and any("kept session 1" in n for n in run.notes)


# ------------------------------------------------------------------ a Lightning bar reset at 0 between epochs
# PyTorch Lightning's TQDMProgressBar on_train_epoch_start: self.train_progress_bar.reset(total) and then
# set_description(f"Epoch {trainer.current_epoch}"), so the bar is drawn once at 0 under the last epoch's name (its
# postfix, loss=..., still shown) before the next epoch's refreshes; a Validation DataLoader bar is drawn in between.

def _lightning_epochs(epochs: int, total: int = 40) -> str:
    out = "Sanity Checking: 0it [00:00, ?it/s]\n"
    loss = 2.0
    for e in range(epochs):
        post = f", loss={loss:.3g}, v_num=7]" if e else "]"
        out += f"\rEpoch {e}:   0%|          | 0/{total} [00:00<?, ?it/s{post}"
        for n in range(1, total + 1):
            loss = 2.0 - (e * total + n) / 100
            bar = "█" * (10 * n // total)
            out += (f"\rEpoch {e}: {100 * n // total:3d}%|{bar:<10}| {n}/{total} [00:{n:02d}<00:10,  3.9it/s, "
                    f"loss={loss:.3g}, v_num=7]")
        out += "\n\rValidation DataLoader 0:  50%|█████     | 5/10 [00:01<00:01,  9.7it/s]\x1b[A\n"
        out += f"\rEpoch {e}:   0%|          | 0/{total} [00:00<?, ?it/s, loss={loss:.3g}, v_num=7]"
    return out + "\n"


def test_a_lightning_bar_reset_at_zero_is_no_restart(tmp_path):
    run = read(tmp_path, _lightning_epochs(4), "stdout.txt")
    assert run.train_loss.name == "loss" and run.train_loss.axis == "step"
    assert len(run.train_loss) == 4 * 39  # every refresh but the completed bar, which is the epoch's point
    assert np.all(np.diff(run.train_loss.steps) > 0) and lst(run.train_loss.epochs[[0, -1]]) == [0, 3]
    assert not any("restarts" in n for n in run.notes)
    assert len(run.series["loss_epoch"]) == 4


# ------------------------------------------------------------------ an iteration with a thousands separator
# KAIR's main_train_psnr.py: message = '<epoch:{:3d}, iter:{:8,d}, lr:{:.3e}> '.format(epoch, current_step, lr) then
# 'G_loss: {:.3e} ' per log; logger.info(message) with two handlers writing one file, so each line comes twice.

def test_kair_iteration_with_thousands_separator(tmp_path):
    lines = ["24-11-02 09:00:00.001 :   task: swinir_sr_gray", "24-11-02 09:00:00.002 :   n_channels: 1"]
    for k in range(1, 13):
        it, ep = 400 * k, k // 5
        line = f"24-11-02 {9 + k // 6:02d}:{(7 * k) % 60:02d}:00.{k:03d} : <epoch:{ep:3d}, iter:{it:8,d}, " \
               f"lr:2.000e-04> G_loss: {0.05 / k:.3e} "
        lines += [line, line]
    run = read(tmp_path, "\n".join(lines) + "\n", "train.log")
    assert run.train_loss.name == "G_loss" and run.train_loss.axis == "step"
    assert lst(run.train_loss.steps) == [400.0 * k for k in range(1, 13)]  # '  1,200' is 1200, each line once
    assert not any("restarts" in n for n in run.notes)
    # a count glued to more numbers by commas is no thousands separator
    from lossdoc.readers.text import _markers

    assert _markers("epoch 2,100,0.52 loss 0.5")[0] == {"epoch": 2.0}
    assert _markers("Epoch  2,   100/ 1056; ; ppl: 3.1")[0]["epoch"] == 2.0


# ------------------------------------------------------------------ OpenNMT-py's first trainer
# onmt/Trainer.py (2017): print(("Epoch %2d, %5d/%5d; acc: %6.2f; ppl: %6.2f; %3.0f src tok/s; %3.0f tgt tok/s; "
# "%6.0f s elapsed") % (epoch, batch, n_batches, ...)) every report_every batches, then after each epoch
# print('Validation perplexity: %g' % valid_ppl) and print('Validation accuracy: %g' % valid_acc).

def test_opennmt_epoch_batch_lines_count_the_batches_and_read_the_perplexity(tmp_path):
    lines = ["Loading train and validate data from 'data/demo'", " * number of training sentences. 10000"]
    ppl = 900.0
    for e in (1, 2, 3):
        for b in (50, 100, 150):
            ppl *= 0.7
            lines.append(f"Epoch {e:2d}, {b:5d}/{160:5d}; acc: {10 + 3 * e:6.2f}; ppl: {ppl:6.2f}; 2100 src tok/s; "
                         f"2000 tgt tok/s; {40 * e + b // 10:6d} s elapsed")
        lines += [f"Validation perplexity: {ppl * 1.3:g}", f"Validation accuracy: {12 + 3 * e:g}"]
    run = read(tmp_path, "\n".join(lines) + "\n", "train.log")
    assert run.train_loss.name == "xent" and run.train_loss.axis == "step" and len(run.train_loss) == 9
    assert run.train_loss.values[0] == pytest.approx(math.log(630.0), rel=1e-4)
    assert np.all(np.diff(run.train_loss.steps) > 0) and lst(run.train_loss.epochs[[0, -1]]) == [1, 3]
    assert not any("restarts" in n for n in run.notes)
    assert run.val_loss.name == "val_xent" and len(run.val_loss) == 3
    assert any("xent is ln(ppl)" in n for n in run.notes)


# ------------------------------------------------------------------ a split word glued to its quantity
# DISGEN's src/train_util.py: print('Epoch: {:02d}, trloss: {:.4f}, trroc: {:.4f}, trf1: {:.4f}, tracc: {:.4f}, valloss:
# {:.4f}, valroc: ..., valacc: ..., testloss_1: ..., testacc_1: ..., testloss_2: ..., testacc_2: {:.4f}.'.format(...)).

def test_split_words_glued_to_loss_and_metric_names(tmp_path):
    lines = ["Model loaded!!", "Net(", "  (conv1): GCNConv(9, 32)", ")"]
    for e in range(1, 13):
        tr, va = 1.6 - 0.05 * e, 0.9 - 0.02 * e
        lines.append(f"Epoch: {e:02d}, trloss: {tr:.4f}, trroc: 0.6{e:02d}, trf1: 0.5000, tracc: 0.6{e:02d}, valloss: "
                     f"{va:.4f}, valroc: 0.5500, valf1: 0.4000, valacc: 0.5{e:02d}, testloss_1: {va + 0.01:.4f}, "
                     f"testacc_1: 0.5100, testloss_2: {va + 0.2:.4f}, testacc_2: 0.4{e:02d}.")
    run = read(tmp_path, "\n".join(lines) + "\n", "output.log")
    assert run.train_loss.name == "trloss" and run.val_loss.name == "valloss"
    assert len(run.train_loss) == 12 and run.train_loss.values[0] == pytest.approx(1.55)
    assert run.series["testloss_1"].role == "test_loss" and run.series["testloss_2"].role == "test_loss"
    assert run.series["valacc"].role == "val_metric" and run.series["tracc"].role == "train_metric"
    assert not any("(sum)" in k for k in run.series)  # no train loss summed out of four splits' losses
    from lossdoc.naming import resolve

    assert resolve("value_loss").split == "train" and resolve("trace").kind == "other"


# ------------------------------------------------------------------ a split word alone between bars
# Mozilla DeepSpeech's DeepSpeech.py, run_set(): prefix = 'Epoch {} | {:>10}'.format(epoch, 'Training' or
# 'Validation'), then the progress bar's widgets ' | ' Timer ' | Steps: ' Counter ' | ' and 'Loss: %f', and for a
# validation set the suffix ' | Dataset: <csv>'; after training, the test report's per-sample 'WER: x, CER: y, loss: z'.

def test_deepspeech_training_and_validation_between_bars(tmp_path):
    lines = ["I Loading variable from checkpoint: global_step", "I STARTING Optimization"]
    for e in range(8):
        lines += [f"Epoch {e} |   Training | Elapsed Time: 0:31:{e + 10:02d} | Steps: 2210 | Loss: {7.5 - 0.3 * e:f}"
                  + " " * 40,
                  f"Epoch {e} | Validation | Elapsed Time: 0:00:09 | Steps: 27 | Loss: {11.0 + 0.05 * e:f} | Dataset: "
                  "data/dev.csv" + " " * 20,
                  "-" * 80]
    lines += ["I FINISHED optimization in 4:13:20.2", "Testing model on data/test.csv",
              "Test epoch | Steps: 25 | Elapsed Time: 0:00:41", "Test on data/test.csv - WER: 0.2201, CER: 0.1, loss: 13.2",
              "-" * 80, "Best WER: ", "-" * 80]
    for k in range(5):
        lines += [f"WER: 0.000000, CER: 0.000000, loss: {20.5 - k:f}", " - wav: file://a.wav", ' - src: "go left"',
                  ' - res: "go left"', "-" * 80]
    run = read(tmp_path, "\n".join(lines) + "\n", "training.txt")
    assert run.train_loss.name == "Training_Loss" and run.val_loss.name == "Validation_Loss"
    assert lst(run.train_loss.epochs) == list(range(8)) and lst(run.val_loss.epochs) == list(range(8))
    assert run.train_loss.values[-1] == pytest.approx(5.4) and run.val_loss.values[0] == pytest.approx(11.0)
    assert not any(len(s) != 8 for s in run.series.values())  # the test report's per-sample losses are no curve


# ------------------------------------------------------------------ the PyTorch quickstart's loop
# The quickstart (pytorch/tutorials, quickstart_tutorial.py): print(f"Epoch {t+1}\n-------------------------------"),
# train(): every 100 batches print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]"), test(): print(f"Test Error: \n
# Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n"). A project's copy (wikilink's scripts/train.py)
# prints print(f"batch {i}. loss: {loss:>7f}  [{current:>5d}/{size:>5d}]") every 50 batches; its last epoch cut short.

def _quickstart(epochs: int, batch_word: bool) -> str:
    out = ["Loading dataset...", "Training..."]
    for e in range(1, epochs + 1):
        out += [f"Epoch {e}", "-------------------------------"]
        for i in range(0, 400 if e < epochs else 150, 50):
            loss = 1.3 / (1 + 0.2 * e) - 0.0002 * i
            head = f"batch {i}. " if batch_word else ""
            out.append(f"{head}loss: {loss:>7f}  [{(i + 1) * 64:>5d}/25600]")
        if e < epochs:
            out += ["Test Error: ", f" Accuracy: {55 + 3 * e:>0.1f}%, Avg loss: {1.0 / (1 + 0.25 * e):>8f} ", ""]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("batch_word", [True, False])
def test_quickstart_batches_and_test_error(tmp_path, batch_word):
    run = read(tmp_path, _quickstart(5, batch_word), "training.txt")
    assert run.train_loss.name == "loss" and run.train_loss.axis == "step"
    assert len(run.train_loss) == 4 * 8 + 3  # every batch line, the cut last epoch's too
    assert np.all(np.diff(run.train_loss.steps) > 0) and lst(run.train_loss.epochs[[0, -1]]) == [1, 5]
    assert run.val_loss.name == "test_loss" and lst(run.val_loss.epochs) == [1, 2, 3, 4]  # test as val, with a note
    assert run.val_loss.values[0] == pytest.approx(0.8)
    assert run.series["test_Accuracy"].values[0] == pytest.approx(0.58)
    assert any("test_loss read as the validation loss" in n for n in run.notes)


# ------------------------------------------------------------------ 'Epoch number: N' and values printed as tensors
# NLP_Fewshot_project's main.py: f.write("\nEpoch number: "+str(epoch)), then f.write("\nTraining loss average: "+
# str(meta_loss_avg)) and f.write("\nDev loss average: "+str(meta_loss_avg)), the averages torch tensors (their repr:
# "tensor(9.2500, device='cuda:0', grad_fn=<DivBackward0>)"); at the end "\nBest model is at epoch: N", no line end.

def test_epoch_number_then_tensor_valued_averages(tmp_path):
    text = ""
    for e in range(15):
        text += (f"\nEpoch number: {e}\nTraining loss average: tensor({8.5 - 0.2 * e:.4f}, device='cuda:0', "
                 f"grad_fn=<DivBackward0>)\nDev loss average: tensor({6100.0 + 30 * e:.4f}, device='cuda:0')")
    text += "\nBest model is at epoch: 3"
    run = read(tmp_path, text, "5-shotlog.txt")
    assert run.train_loss.name == "Training_loss_average" and run.val_loss is not None
    assert lst(run.train_loss.epochs) == list(range(15)) and lst(run.val_loss.epochs) == list(range(15))
    assert run.train_loss.values[1] == pytest.approx(8.3) and run.val_loss.values[-1] == pytest.approx(6520.0)


# ------------------------------------------------------------------ the value, then '- epoch e/N' ending the line
# DL_p2's main.py: logger.info('Average Training loss %3f - epoch %i/%i' % (...)), '... Training accuracy ...',
# 'Average Testing loss ...', under logging.Formatter(fmt='%(asctime)s %(message)s', datefmt='%m/%d/%Y %I:%M:%S');
# each run logs '[Program starts.]' first, into the same file.

def test_value_then_epoch_of_total_at_the_end_of_a_stamped_line(tmp_path):
    lines = []
    for run_no, (epochs, of) in enumerate([(30, 30), (9, 30)]):
        lines.append(f"06/02/2019 10:{run_no:02d}:00 [Program starts.]")
        for e in range(1, epochs + 1):
            t = f"06/02/2019 10:{run_no:02d}:{e:02d}"
            lines += [f"{t} Average Training loss {0.3 - 0.004 * e - 0.01 * run_no:f} - epoch {e}/{of}",
                      f"{t} Average Training accuracy {0.5 + 0.01 * e:f} - epoch {e}/{of}",
                      f"{t} Average Testing loss {0.31 - 0.003 * e:f} - epoch {e}/{of}",
                      f"{t} " + "-" * 60]
    run = read(tmp_path, "\n".join(lines) + "\n", "output.log")
    assert run.train_loss.name == "Training_loss" and run.val_loss.name == "Testing_loss"
    assert lst(run.train_loss.epochs) == list(range(1, 10))  # the latest run, with a note
    assert run.train_loss.values[0] == pytest.approx(0.286) and run.series["Training_accuracy"].role == "train_metric"
    assert any("restarts" in n for n in run.notes)
    # far into a line, a marker that does not end it is prose, as before
    from lossdoc.readers.text import _markers

    assert _markers("06/02/2019 10:00:00 the model saved after the last epoch 30/30 is kept")[0] == {}


# ------------------------------------------------------------------ federated rounds
# gafseg_classification's train.py: print(f"\n========== Round [{round_idx+1}/{args.CommunicationEpoch}] =========="),
# for each client print(f"\n Client {client_idx+1}/{args.num_clients}") and its local training's print("loss =",
# loss.item()) per batch, then print(f"Round {round_idx+1} Test Accuracy={test_acc:.4f}"); experiments run one after
# another by a batch script into one log, each headed by its settings.

def _federated(experiments: int, rounds: int, clients: int = 3, batches: int = 4) -> str:
    out = [f"Total Experiments = {experiments}"]
    for x in range(experiments):
        out += ["=" * 38, f"Attack      : attack{x}", "Alpha       : 0.5", "Seed        : 1", "=" * 38,
                *(f"Client {c}: {4000 + 17 * c} samples" for c in range(clients)), "", " Starting FedAvg Training"]
        for r in range(1, rounds + 1):
            out += ["", f"========== Round [{r}/{rounds}] =========="]
            for c in range(1, clients + 1):
                out += ["", f" Client {c}/{clients}", "logits shape: torch.Size([64, 100])", f"label range: 0 9{c}"]
                out += [f"loss = {4.6 / (1 + 0.1 * r) + 0.01 * c + 0.001 * b!r}" for b in range(batches)]
            if r > 2:
                out.append(" [!] Executing Adaptive Attack: min_max")
            out.append(f"Round {r} Test Accuracy={0.01 * r + 0.001 * x:.4f}")
    return "\n".join(out) + "\n"


def test_federated_rounds_average_the_clients_losses(tmp_path):
    run = read(tmp_path, _federated(3, 8), "run.log")
    assert run.train_loss.name == "loss" and run.train_loss.axis == "epoch"
    assert lst(run.train_loss.epochs) == list(range(1, 9))  # the latest experiment, with a note
    assert run.train_loss.values[0] == pytest.approx(4.6 / 1.1 + 0.02 + 0.0015)  # the mean of its 12 loss lines
    assert run.series["Test_Accuracy"].values[-1] == pytest.approx(0.082)
    assert any("averaged per communication round" in n and "3 experiments" in n for n in run.notes)
    assert any("restarts 2 time(s)" in n for n in run.notes)
    # bare loss lines with no client named are no federated rounds: not read this way
    with pytest.raises(InputError):
        read(tmp_path, _federated(1, 8).replace(" Client ", " Worker "), "plain.log")


# ------------------------------------------------------------------ tqdm bars under 'Epoch N/M', nothing else
# A trainer's print(f"\nEpoch {epoch+1}/{epochs}") then pbar = tqdm(loader, desc="Training") with
# pbar.set_postfix({"Loss": f"{loss:.3f}", "QA": ..., "Entr": ...}) every 10 batches; stdout and stderr redirected by
# PowerShell (python train.py > train_output.log 2>&1): UTF-16 with a BOM, CRLF, one line per refresh, a traceback
# at the end.

def test_tqdm_refreshes_under_epoch_markers_are_the_only_values(tmp_path):
    out = ["=" * 40, "PHASE 3: TRAINING", "=" * 40, "Tokenizing 800 training examples..."]
    for e in range(2):
        out += ["", f"Epoch {e + 1}/2", "Training:   0%|          | 0/40 [00:00<?, ?it/s]"]
        post = ""  # a new bar: no postfix until the 10th batch
        for i in range(1, 41):
            if i % 10 == 0:
                loss = 900.0 / (1 + e * 4 + i / 10)
                out.append(f"Training: {100 * (i - 1) // 40:3d}%|#         | {i - 1}/40 [00:{i:02d}<00:30,  1.2s/it, "
                           f"Loss={loss:.3f}, QA={loss - 0.04:.3f}, Entr=4.1]")
                post = f", Loss={loss:.3f}, QA={loss - 0.04:.3f}, Entr=4.1"
            out.append(f"Training: {100 * i // 40:3d}%|#         | {i}/40 [00:{i:02d}<00:30,  1.2s/it{post}]")
    out += ["Traceback (most recent call last):", '  File "train.py", line 81, in <module>', "TypeError: bad"]
    data = ("\r\n".join(out) + "\r\n").encode("utf-16")
    run = read(tmp_path, data, "train_output.log")
    assert run.train_loss.name == "Loss" and run.train_loss.axis == "step"
    assert len(run.train_loss) == 2 * 32  # every refresh that shows a loss, 9/40 to 40/40, a redraw read once
    assert np.all(np.diff(run.train_loss.steps) > 0) and lst(run.train_loss.epochs[[0, -1]]) == [1, 2]
    assert run.train_loss.values[0] == pytest.approx(450.0) and run.train_loss.values[-1] == pytest.approx(900 / 9)
    assert not any("restarts" in n for n in run.notes)


# ------------------------------------------------------------------ build-nanogpt's stdout
# build-nanogpt's train_gpt2.py: if step % 250 == 0 or last_step: print(f"validation loss: {val:.4f}"), then the
# HellaSwag accuracy and (step > 0) samples; then the step's optimisation and print(f"step {step:5d} | loss: {loss:.6f} |
# lr {lr:.4e} | norm: {norm:.4f} | dt: {dt*1000:.2f}ms | tok/sec: {tokens_per_sec:.2f}"). Here every 5th step.

def test_nanogpt_validation_goes_with_the_step_line_after_it(tmp_path):
    out = ["total desired batch size: 524288", "using fused AdamW: True"]
    last = 17
    for step in range(last + 1):
        if step % 5 == 0 or step == last:
            out += [f"validation loss: {9.5 - 0.3 * step:.4f}", f"HellaSwag accuracy: 2500/10042={0.25 + 0.001 * step:.4f}"]
            if step:
                out += [f"rank 0 sample {i}: Hello, I'm a language model, and {step}" for i in range(2)]
        out.append(f"step {step:5d} | loss: {9.6 - 0.3 * step:.6f} | lr 6.0000e-04 | norm: 0.5000 | dt: 700.00ms | "
                   "tok/sec: 740000.00")
    run = read(tmp_path, "\n".join(out) + "\n", "nanogpt-1818.out")
    assert run.train_loss.name == "loss" and len(run.train_loss) == last + 1
    assert run.val_loss.name == "val_loss" and lst(run.val_loss.steps) == [0, 5, 10, 15, 17]
    assert run.val_loss.values[1] == pytest.approx(8.0)
    # a "validation loss: X" line after a training line of another script stays that line's evaluation
    other = "\n".join(f"Epoch {e}, loss {1 / (e + 1):.4f}\nvalidation loss: {1.1 / (e + 1):.4f}" for e in range(6))
    got = read(tmp_path, other + "\n", "train.log")
    assert lst(got.val_loss.epochs) == list(range(6)) and got.val_loss.values[0] == pytest.approx(1.1)


# ------------------------------------------------------------------ a Trainer's evaluation dict printed twice
# A distillation trainer built on the Hugging Face Trainer: self.log(logs) prints each evaluation's dict
# ({'eval_loss': ..., 'eval_runtime': ..., 'epoch': ...}), then its own evaluate() prints the same dict again with
# its eval_lm_* keys added.

def test_hf_evaluation_dict_printed_again_with_more_keys_is_one_evaluation(tmp_path):
    lines = ["🚀 launching", "INFO - starting"]
    for k in range(1, 7):
        for j in range(3):
            ep = (k - 1) + (j + 1) / 3
            lines.append(repr({"loss": 1.2 / k + 0.01 * j, "grad_norm": 9.5, "learning_rate": 1e-5, "epoch": ep}))
        ev = {"eval_loss": 1.6 - 0.05 * k, "eval_runtime": 1.97, "eval_samples_per_second": 19.2, "epoch": float(k)}
        lines += [repr(ev), repr({**ev, "eval_lm_loss": 0.76 - 0.01 * k, "eval_lm_student_loss": 0.74})]
    run = read(tmp_path, "\n".join(lines) + "\n", "run.log")
    assert run.format == "hf-stdout" and len(run.train_loss) == 18
    assert run.val_loss.name == "eval_loss" and lst(run.val_loss.epochs) == [1, 2, 3, 4, 5, 6]
    assert len(run.series["eval_lm_loss"]) == 6 and run.series["eval_lm_loss"].values[0] == pytest.approx(0.75)
    assert any("printed again" in n for n in run.notes)


# ------------------------------------------------------------------ 'Epoch: 1' after a tqdm bar and a space
# DDC-DPT's Zurcher_train.py under nohup: for epoch in tqdm(range(num_epochs), desc="Training Progress"): printw(f"Epoch:
# {epoch + 1}"), then per batch print(f"Batch {i} of {n}", end='\r') and printw(f"\tCross entropy test loss: ...") and
# printw(f"\tTrain loss: ..."); the bar is redrawn with "\r", no line end, so the first epoch's line follows its "] ".

def test_epoch_line_after_a_bar_and_a_space(tmp_path):
    text = "nohup: ignoring input\nNum train batches: 3\n"
    text += "\rTraining Progress:   0%|          | 0/900 [00:00<?, ?it/s]\rTraining Progress:   0%|          | 1/900 " \
            "[00:01<15:42:46,  1.13s/it] "
    for e in range(1, 7):
        text += f"Epoch: {e}\n" + "\r".join(f"Batch {b} of 2" for b in range(2)) + "\r"
        text += f"\tCross entropy test loss: {0.71 - 0.02 * e}\n"
        text += "\r".join(f"Batch {b} of 3" for b in range(3)) + f"\r\tTrain loss: {0.75 - 0.04 * e}\n\n"
    run = read(tmp_path, text, "train_output.log")
    assert run.train_loss.name == "Train_loss" and lst(run.train_loss.epochs) == list(range(1, 7))
    assert run.val_loss.name == "Cross_entropy_test_loss" and len(run.val_loss) == 6
    assert run.train_loss.values[0] == pytest.approx(0.71)


# ------------------------------------------------------------------ a summary is no history
# An inference script's json.dump({"val_batches": n, "val_samples": m, "mean_val_loss": loss, "val_loss_csv": path,
# "pre_gpt_embeddings_shape": list(emb.shape), ...}, f, indent=2): one run's result, single values.

def test_a_summary_of_single_values_is_refused_but_a_short_history_reads(tmp_path):
    summary = {"val_batches": 712, "val_samples": 2848, "mean_val_loss": 0.4172, "val_loss_csv": "folds/f1/val.csv",
               "pre_embeddings_shape": [2848, 12, 512], "post_embeddings_shape": [2848, 12, 512]}
    p = tmp_path / "val_loss_summary.json"
    p.write_text(json.dumps(summary, indent=2))
    assert_one_line_error(CliRunner(), app, p)
    r = CliRunner().invoke(app, ["inspect", str(p)])
    assert "summary of single values" in r.stderr and "mean_val_loss" in r.stderr
    # a Keras history of three epochs (History.history saved with json.dump) still reads
    run = read(tmp_path, json.dumps({"loss": [0.9, 0.7, 0.6], "val_loss": [1.0, 0.8, 0.75], "lr": [1e-3] * 3}),
               "history.json")
    assert run.format == "keras-history" and len(run.train_loss) == 3 and len(run.val_loss) == 3
