"""More layouts that reading surveys 16 and 17 found refused or misread (readers/consolelogs.py, readers/text.py,
readers/numbers.py, readers/base.py, naming.py).

Each sample is written here in the layout its script writes (values made up), the script's write quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import pytest

from lossdoc.naming import running_best
from tests.reading import lst, read

# ------------------------------------------------------------------ gluefactory (LightGlue) train.py
# gluefactory/train.py: logger.info(f"Training loader has {len(train_loader)} batches"); every log_every_iter
# iterations logger.info("[E {} | it {}] loss {{{}}}".format(epoch, it, ", ".join(f"{k} {v:.3E}" ...))); at it %
# eval_every_iter == 0 (it > 0, or it 0 of epoch 0) and at it == len(train_loader) - 1:
# logger.info(f'[Validation] {{{", ".join(f"{k} {v:.3E}" ...)}}}'); the logger's format "[%(asctime)s %(name)s
# %(levelname)s] %(message)s", datefmt "%m/%d/%Y %H:%M:%S".


def _gf(msg: str, name: str = "gluefactory") -> str:
    return f"[03/14/2025 09:26:53 {name} INFO] {msg}"


def _gluefactory(epochs: int, batches: int = 40, every: int = 10, evals: int = 20, loader_line: bool = True) -> str:
    out = [_gf("Starting experiment sp+lg_demo")]
    if loader_line:
        out.append(_gf(f"Training loader has {batches} batches"))
    out += [_gf("Starting training with configuration:"), "train:", "  epochs: 3", "  lr: 0.0001"]
    for e in range(epochs):
        out.append(_gf(f"Starting epoch {e}"))
        for it in range(batches):
            t = e * batches + it
            if it % every == 0:
                total = 2.0 / (1 + t / 30)
                out.append(_gf(f"[E {e} | it {it}] loss {{total {total:.3E}, last {total / 2:.3E}, assignment_nll "
                               f"{total / 2:.3E}, nll_pos {total:.3E}, num_matchable 4.883E+02, confidence 2.972E-01}}"))
            if (it % evals == 0 and (it > 0 or e == 0)) or it == batches - 1:
                val = 1.8 / (1 + t / 40)
                out.append("Evaluation:  50%|#####     | 5/10 [00:01<00:01,  4.12it/s]\r"
                           "Evaluation: 100%|##########| 10/10 [00:02<00:00,  4.20it/s]")
                out.append(_gf(f"[Validation] {{match_recall {0.6 + t / 1000:.3E}, match_precision 6.692E-01, "
                               f"loss/total {val:.3E}, loss/last {val:.3E}, loss/num_matchable 3.691E+02}}"))
                out.append(_gf("Saving checkpoint checkpoint_best.tar", "gluefactory.utils.experiments"))
    return "\n".join(out) + "\n"


def test_gluefactory_train_and_validation_lines(tmp_path):
    run = read(tmp_path, _gluefactory(3), "finetune.log")
    assert run.format == "gluefactory-log"
    assert run.train_loss.name == "loss/total" and len(run.train_loss) == 12
    # the iteration starts again at every epoch: counted on by the loader's length, as gluefactory's tot_it
    assert lst(run.train_loss.steps) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]
    assert run.train_loss.values[0] == pytest.approx(2.0)
    assert run.val_loss.name == "val/loss/total"
    # at it 0 and 20 of epoch 0, 20 of the others, and at each epoch's last iteration (39)
    assert lst(run.val_loss.steps) == [0, 20, 39, 60, 79, 100, 119]
    assert run.val_loss.values[-1] == pytest.approx(1.8 / (1 + 119 / 40), rel=1e-3)
    assert run.series["val/match_recall"].role == "val_metric"
    assert "Saving" not in " ".join(run.series)


def test_gluefactory_without_the_loader_line_counts_on_from_the_iterations_seen(tmp_path):
    run = read(tmp_path, _gluefactory(2, loader_line=False), "train.log")
    assert run.format == "gluefactory-log"
    assert lst(run.train_loss.steps) == [0, 10, 20, 30, 40, 50, 60, 70]
    assert lst(run.val_loss.steps) == [0, 20, 39, 60, 79]


# ------------------------------------------------------------------ a bare sum, a report, best-so-far values
# An ECG finetune loop (nohup): print(all_loss) after each epoch's training (the summed batch losses, no name), then
# infer() prints classification_report(...) and f'accuracy = {acc}, macro_p = ..., AUROC = {auroc}', then an early
# stopping helper print(f'min_loss:{self.min_loss}, max_f1:{self.max_f1}, val_loss:{val_loss}, val_f1:{val_f1}')
# (min_loss / max_f1 the best so far, None before the first epoch).

def _ecg(epochs: int) -> str:
    out = ["cuda", "Namespace(batch_size=512, lr=0.0001, max_epoch_num=200)"]
    best_loss = best_f1 = None
    for e in range(epochs):
        val = 1.1 - 0.2 * e + 0.04 * e * e
        f1 = 0.88 + 0.01 * e
        out.append("training:  50%|#####     | 6/12 [00:03<00:03,  1.9it/s]\rtraining: 100%|##########| 12/12")
        out.append(f"{21.2 - e:.10f}")
        out.append("              precision    recall  f1-score   support")
        out += [f"           {c}       0.8{c}      0.9{c}      0.85        7{c}" for c in range(3)]
        out.append(f"    accuracy                           0.6{e}       512")
        out.append(f"accuracy = 0.6{e}, macro_p = 0.55, macro_r = 0.55, macro_f1 = 0.5{e}, AUROC = {f1}")
        out.append(f"min_loss:{best_loss}, max_f1:{best_f1}, val_loss:{val}, val_f1:{f1}")
        best_loss = val if best_loss is None else min(best_loss, val)
        best_f1 = f1 if best_f1 is None else max(best_f1, f1)
    return "\n".join(out) + "\n"


def test_ecg_val_loss_per_epoch_and_best_so_far_values_are_no_loss(tmp_path):
    run = read(tmp_path, _ecg(6), "finetune.log")
    assert run.val_loss is not None and run.val_loss.name == "val_loss"
    assert lst(run.val_loss.epochs) == [0, 1, 2, 3, 4, 5]
    assert run.val_loss.values[1] == pytest.approx(0.94)
    assert run.train_loss is None  # the bare number is named nowhere: not guessed
    for name in ("min_loss", "max_f1"):
        s = run.series[name]
        assert s.kind == "metric" and s.higher_is_better is None, name  # the best so far: no curve to judge
    assert run.series["AUROC"].role == "train_metric" or run.series["AUROC"].kind == "metric"
    assert any("best so far" in n for n in run.notes)


@pytest.mark.parametrize("name, way", [("min_loss", "lower"), ("best_val_loss", "lower"), ("min_val_loss", "lower"),
                                       ("max_f1", "higher"), ("best_val_acc", "higher"), ("lowest_loss", "lower"),
                                       ("best_val_dice_so_far", "higher")])
def test_names_of_a_best_so_far(name, way):
    assert running_best(name) == way


@pytest.mark.parametrize("name", ["max_margin_loss", "min_lr", "max_grad_norm", "max_iter", "max_loss", "min_acc",
                                  "loss", "val_acc"])
def test_names_of_no_best_so_far(name):
    assert running_best(name) is None


def test_a_best_so_far_column_is_a_metric_but_a_per_epoch_minimum_stays_a_loss(tmp_path):
    # a CSV logger's row per epoch with the best val loss so far beside it (best_val_loss = min(best_val_loss,
    # val_loss)); and one with the minimum and maximum batch loss of each epoch beside their mean
    rows = ["epoch,train_loss,val_loss,best_val_loss"]
    best = 9.0
    for e, v in enumerate([1.0, 0.8, 0.9, 0.7, 0.75, 0.72]):
        best = min(best, v)
        rows.append(f"{e},{v + 0.1},{v},{best}")
    run = read(tmp_path, "\n".join(rows) + "\n", "metrics.csv")
    s = run.series["best_val_loss"]
    assert (s.kind, s.higher_is_better, s.split) == ("metric", None, "val") and run.val_loss.name == "val_loss"
    assert any("best_val_loss" in n and "best so far" in n for n in run.notes)
    rows = ["epoch,avg_loss,min_loss,max_loss"] + [f"{e},{0.15 - e / 1000},{0.02 + (e % 3) / 100},{0.31 - (e % 2) / 50}"
                                                    for e in range(1, 9)]
    run = read(tmp_path, "\n".join(rows) + "\n", "training_log.csv")
    assert run.series["min_loss"].kind == "loss"  # it rises and falls: each epoch's own minimum, as before


# ------------------------------------------------------------------ pandas Series.to_csv(mode='a'), trainings appended
# A study script repeats a 15-epoch training 60 times and after each one pd.DataFrame(np.array(losses)).to_csv(
# 'train_losses.csv', sep=',', mode='a'): every training writes the ',0' header (the index's empty name, the column's
# default name 0) again, then 'index,loss' rows.

def _series_appended(trainings: int, epochs: int = 15) -> str:
    out = []
    for k in range(trainings):
        out.append(",0")
        out += [f"{i},{1500.0 / (1 + i) + 10 * k:.6f}" for i in range(epochs)]
    return "\n".join(out) + "\n"


def test_series_to_csv_appended_keeps_the_latest_training(tmp_path):
    run = read(tmp_path, _series_appended(6), "train_losses.csv")
    assert run.format == "numbers"
    assert run.train_loss.name == "train_losses" and lst(run.train_loss.epochs) == list(range(15))
    assert run.train_loss.values[0] == pytest.approx(1550.0)  # the sixth training's
    assert any("6 trainings" in n or "restarts 5 time(s)" in n for n in run.notes)
    one = read(tmp_path, _series_appended(1), "loss.csv")  # one Series, as before
    assert len(one.train_loss) == 15


# ------------------------------------------------------------------ val-only logging, trainings appended
# A LoRA finetune script's logging (basicConfig format '%(asctime)s - %(name)s - %(levelname)s - %(message)s'), run
# again and again: logger.info("Starting finetuning process"), logger.info(f"Initial validation loss: {v:.6f}"), per
# epoch logger.info(f"Starting epoch {epoch}/{num_epochs}"), logger.info(f"Calculating validation loss at step
# {step}..."), logger.info(f"Validation loss: {v:.6f}"), logger.info(f"Epoch {epoch} validation loss: {v:.6f}"); a
# transcription step logs a line per audio file before the training.

def _lg(msg: str) -> str:
    return f"2025-03-02 21:02:13,468 - __main__ - INFO - {msg}"


def _lora(runs: list[tuple[int, int]], transcripts: int = 0) -> str:
    out = []
    for k, (done, total) in enumerate(runs):
        out.append(_lg("Loading model: demo/tts-1b"))
        out += [_lg(f"Transcribed: clip_{i:04d}.wav -> " + "a sentence of a book read aloud, " * 4)
                for i in range(transcripts)]
        out += [_lg("Starting finetuning process"), _lg("Calculating initial validation loss..."),
                _lg(f"Initial validation loss: {11.8 - 0.01 * k:.6f}")]
        for e in range(1, done + 1):
            v = 11.8 - 0.01 * k - 0.02 * e * e
            out += [_lg(f"Starting epoch {e}/{total}"), _lg(f"Calculating validation loss at step {e - 1}..."),
                    _lg(f"Validation loss: {v:.6f}"), _lg(f"Calculating validation loss at end of epoch {e}..."),
                    _lg(f"Epoch {e} validation loss: {v:.6f}"),
                    _lg(f"Saved checkpoint to finetuned_model\\checkpoint-epoch-{e}")]
        if done == total:
            out.append(_lg("Finetuning completed successfully!"))
        elif done == 0 and total:
            out.append(_lg(f"Starting epoch 1/{total}"))
    return "\n".join(out) + "\n"


def test_val_only_log_of_appended_trainings_keeps_the_latest_whole_one(tmp_path):
    # stubs that reached epoch 1, one whole training of 13 epochs, then stubs that logged no epoch; the head (64 KB)
    # holds transcription lines and one stub's two values only
    runs = [(1, 20), (1, 6), (1, 13), (1, 13), (13, 13), (0, 13), (0, 13)]
    run = read(tmp_path, _lora(runs, transcripts=300), "finetune.log")
    assert run.format == "text" and run.train_loss is None
    assert run.val_loss is not None and len(run.val_loss) == 13
    assert run.val_loss.values[0] == pytest.approx(11.8 - 0.04 - 0.02)  # the whole training's epoch 1
    assert any("trainings" in n and "appended" in n for n in run.notes)


def test_val_only_log_whose_last_training_is_a_stub(tmp_path):
    run = read(tmp_path, _lora([(13, 13), (1, 13)]), "finetune.log")
    assert len(run.val_loss) == 13 and run.val_loss.values[0] == pytest.approx(11.8 - 0.02)
    for s in run.series.values():  # every val series from the same training
        assert len(s) == 13, s.name


# ------------------------------------------------------------------ a settings header of numbers only
# A script's print(f"{k} : {v}") over its settings before training (epoch : 100, lr : 0.001, batch_size : 32), then
# its progress lines: settings, never points.

@pytest.mark.parametrize("head", [["epoch : 100", "lr : 0.001", "batch_size : 32"],
                                  ["epochs : 100", "lr : 0.001", "batch_size : 32", "weight_decay : 0.0005"],
                                  ["lr = 0.001", "epoch = 100", "momentum = 0.9"]])
def test_settings_header_of_numbers_is_configuration(tmp_path, head):
    body = [f"[epoch {e}] loss: {1.0 - 0.1 * e:.2f} acc: {0.5 + 0.05 * e:.2f}" for e in range(1, 6)]
    run = read(tmp_path, "\n".join(head + body) + "\n", "train.log")
    assert run.train_loss.name == "loss" and lst(run.train_loss.epochs) == [1, 2, 3, 4, 5]
    assert all(len(s) == 5 for s in run.series.values()), {n: len(s) for n, s in run.series.items()}


def test_block_of_numbers_under_a_marker_is_still_read(tmp_path):
    lines = []
    for e in range(1, 5):
        lines += [f"Epoch {e}", f"loss : {1.0 - 0.1 * e:.2f}", f"val_loss : {1.1 - 0.1 * e:.2f}", "lr : 0.001"]
    run = read(tmp_path, "\n".join(lines) + "\n", "train.log")
    assert len(run.train_loss) == 4 and len(run.val_loss) == 4 and len(run.series["lr"]) == 4


# ------------------------------------------------------------------ 'Batch N of M' counters
# DDC-DPT's Zurcher_train.py: print(f"Batch {i} of {n}", end='\r') per batch, then printw(f"\tCross entropy test loss:
# {x}") and printw(f"\tTrain loss: {x}") under printw(f"Epoch: {epoch + 1}").

def test_batch_n_of_m_is_no_series_of(tmp_path):
    text = "nohup: ignoring input\nNum train batches: 3\n"
    for e in range(1, 7):
        text += f"Epoch: {e}\n" + "Batch 0 of 2\rtensor([[2.6326, 0.0000],\n        [0.9301, 0.0000]])\n"
        text += "Batch 1 of 2\r" + f"\tCross entropy test loss: {0.71 - 0.02 * e}\n"
        text += "\r".join(f"Batch {b} of 3" for b in range(3)) + f"\r\tTrain loss: {0.75 - 0.04 * e}\n\n"
    run = read(tmp_path, text, "train_output.log")
    assert run.train_loss.name == "Train_loss" and len(run.train_loss) == 6
    assert not {"of", "Of"} & set(run.series), list(run.series)
    lines = [f"Epoch {e}, Batch {b} of 4, loss: {1.0 / (e + b):.4f}" for e in range(1, 4) for b in range(4)]
    run = read(tmp_path, "\n".join(lines) + "\n", "b.log")
    assert "of" not in run.series and len(run.train_loss) == 12
