"""Text-log layouts from a reading-coverage survey of public repositories (samples written here in the layout each
tool's print writes; no real log is copied)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry
from tests import reading
from tests.reading import fresh_registry, lst  # noqa: F401 (fresh_registry: an autouse fixture)


def read_all(tmp_path: Path, data: bytes, name: str = "train.log") -> list[Run]:
    return reading.read_all(tmp_path, data, name)


def read(tmp_path: Path, data: bytes, name: str = "train.log") -> Run:
    return reading.read(tmp_path, data, name)


# ------------------------------------------------------------------------ 1. per-batch lines sharing an epoch marker

# A fine-tuning loop's print('epoch: ', epoch, 'loss: ', loss.item()) once per batch (print's separators give the
# double spaces), and print('Validation Accuracy:', acc) after evaluating.
def _per_batch(epochs: int = 3, batches: int = 5) -> tuple[bytes, list[float]]:
    out, losses = ["Some weights of the model checkpoint were not used when initializing the model."], []
    for e in range(epochs):
        for b in range(batches):
            v = 0.7 / (1 + e * batches + b)
            losses.append(v)
            out.append(f"epoch:  {e} loss:  {v!r}")
            if b == 0:
                out.append(f"Validation Accuracy: {0.5 + 0.1 * e}")
    out.append("test Accuracy: 0.94")
    return ("\n".join(out) + "\n").encode(), losses


def test_separate_lines_of_one_epoch_are_separate_points(tmp_path):
    data, losses = _per_batch()
    run = read(tmp_path, data)
    loss = run.series["loss"]
    assert run.train_loss is loss
    assert len(loss) == 15 and loss.values.tolist() == losses
    assert lst(loss.steps) == [float(i) for i in range(1, 16)]  # file order
    assert lst(loss.epochs) == [0.0] * 5 + [1.0] * 5 + [2.0] * 5  # the epoch kept
    assert loss.axis == "step"
    assert run.series["Validation_Accuracy"].values.tolist() == pytest.approx([0.5, 0.6, 0.7])
    assert any("one per batch" in n for n in run.notes)


def test_one_line_per_epoch_stays_on_the_epoch_axis(tmp_path):
    run = read(tmp_path, b"epoch:  0 loss:  0.9\nepoch:  1 loss:  0.7\nepoch:  2 loss:  0.6\nepoch:  3 loss:  0.5\n")
    assert run.series["loss"].axis == "epoch" and len(run.series["loss"]) == 4
    assert run.series["loss"].steps is None


def test_a_resumed_epoch_printed_again_is_no_batch_layout(tmp_path):
    # a run resumed at epoch 2 prints epoch 2 again: the last reading of the epoch stands, as before
    lines = [f"Epoch {e} | train_loss={1 / (e + 1):.4f} val_loss={1.1 / (e + 1):.4f}" for e in (0, 1, 2, 3)]
    lines.insert(3, "Epoch 2 | train_loss=0.3000 val_loss=0.3500")
    run = read(tmp_path, ("\n".join(lines) + "\n").encode())
    s = run.series["train_loss"]
    assert s.axis == "epoch" and len(s) == 4 and s.values.tolist()[2] == 0.3


def test_tqdm_bar_lines_of_one_epoch_keep_the_last_reading(tmp_path):
    # tqdm's own state on separate lines (its "\r" made line ends): a redraw, not batches
    data = "".join(
        f"Epoch {e}/3: {p:3d}%|{'#' * (p // 10):10s}| {p * 32 // 100}/32 [00:01<00:01, loss={1.0 - e * 0.2 - p / 1000:.3f}]\n"
        for e in (1, 2, 3)
        for p in (25, 50, 75, 100)
    ).encode()
    run = read(tmp_path, data)
    assert run.series["loss"].values.tolist() == pytest.approx([0.7, 0.5, 0.3])


def test_carriage_return_redraws_keep_the_last_reading(tmp_path):
    # print("\rEpoch: {:d} batch_loss: {:.4f} ".format(...), end='') then a newline at the end of the epoch: one
    # physical line per epoch
    data = b"".join(
        b"".join(f"\repoch {e} loss {1.0 / (e + 1) + b / 100:.4f}".encode() for b in range(5)) + b"\n" for e in range(4)
    )
    run = read(tmp_path, data)
    loss = run.series["loss"]
    assert loss.axis == "epoch" and loss.values.tolist() == pytest.approx([1.04, 0.54, 0.3733, 0.29])


def test_line_printed_twice_is_one_point(tmp_path):
    # two logging handlers to the same stream: every line twice
    lines = [f"epoch {e} loss {v}" for e, v in ((0, 0.9), (0, 0.9), (1, 0.7), (1, 0.7), (2, 0.6), (2, 0.6))]
    run = read(tmp_path, ("\n".join(lines) + "\n").encode())
    assert run.series["loss"].values.tolist() == [0.9, 0.7, 0.6] and run.series["loss"].axis == "epoch"


# eriklindernoren/PyTorch-YOLOv3 train.py (2018): print("[Epoch %d/%d, Batch %d/%d] [Losses: x %f, y %f, w %f, h %f,
# conf %f, cls %f, total %f, recall: %.5f, precision: %.5f]" % (epoch, opt.epochs, batch_i, len(dataloader), ...))
def test_yolov3_losses_group_total_is_the_train_loss(tmp_path):
    out = ["/site-packages/skimage/transform/_warps.py:110: UserWarning: Anti-aliasing will be enabled"]
    for e in range(2):
        for b in range(4):
            t = 20.0 - e * 4 - b
            out.append(
                f"[Epoch {e}/30, Batch {b}/4] [Losses: x 0.272151, y 0.254906, w 4.818650, h 4.610126, conf "
                f"4.368177, cls 0.819295, total {t:f}, recall: 0.00{b}00, precision: 0.00000]"
            )
    run = read(tmp_path, ("\n".join(out) + "\n").encode())
    total = run.series["total_loss"]
    assert run.train_loss is total and total.role == "train_loss"
    assert len(total) == 8 and total.values[0] == 20.0 and total.values[-1] == 13.0
    assert total.axis == "step"
    assert {"x_loss", "y_loss", "w_loss", "h_loss", "conf_loss", "cls_loss"} <= set(run.series)
    assert run.series["recall"].role == "train_metric"  # not a loss: it says what it is
    assert "x" not in run.series and "total" not in run.series


# PyTorch examples, word_language_model/main.py: print('| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | ms/batch
# {:5.2f} | loss {:5.2f} | ppl {:8.2f}'.format(...)) every log_interval batches; '| end of epoch {:3d} | time:
# {:5.2f}s | valid loss {:5.2f} | valid ppl {:8.2f}' after each epoch.
def test_word_language_model_is_read_per_batch(tmp_path):
    out = []
    for e in (1, 2):
        for b in (200, 400, 600):
            v = 7.0 - e - b / 1000
            out.append(f"| epoch {e:3d} | {b:5d}/ 2983 batches | lr 20.00 | ms/batch 11.61 | loss {v:5.2f} | ppl "
                       f"{math.exp(v):8.2f}")
        out.append("-" * 89)
        out.append(f"| end of epoch {e:3d} | time: 35.58s | valid loss {6.0 - e:5.2f} | valid ppl {math.exp(6 - e):8.2f}")
        out.append("-" * 89)
    run = read(tmp_path, ("\n".join(out) + "\n").encode())
    loss = run.series["loss"]
    assert run.train_loss is loss and len(loss) == 6 and loss.axis == "step"
    assert loss.values.tolist() == [5.8, 5.6, 5.4, 4.8, 4.6, 4.4]
    assert lst(loss.steps)[:3] == [200.0, 400.0, 600.0] and lst(loss.steps)[3] > 600
    assert run.val_loss is run.series["valid_loss"] and run.series["valid_loss"].values.tolist() == [5.0, 4.0]
    assert "batches" not in run.series


# PyTorch examples, mnist/main.py: print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(epoch, batch_idx *
# len(data), len(train_loader.dataset), 100. * batch_idx / len(train_loader), loss.item())), then '\nTest set:
# Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n' after each epoch.
def test_pytorch_mnist_example_lines_are_per_batch(tmp_path):
    out = []
    for e in (1, 2, 3):
        for i, n in enumerate((0, 128)):
            out.append(f"Train Epoch: {e} [{n}/240 ({n * 100 // 240}%)]\tLoss: {1.1 - e * 0.2 - i * 0.05:.6f}")
        out.append("")
        out.append(f"Test set: Average loss: {1.0 - e * 0.1:.4f}, Accuracy: {150 + e}/200 (75%)")
        out.append("")
    run = read(tmp_path, ("\n".join(out) + "\n").encode())
    loss = run.series["Loss"]
    assert len(loss) == 6 and loss.axis == "step" and loss.values[0] == pytest.approx(0.9)
    assert lst(loss.epochs) == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert run.series["test_loss"].values.tolist() == pytest.approx([0.9, 0.8, 0.7])


def test_two_alike_lines_an_epoch_without_a_position_stay_per_epoch(tmp_path):
    # PaddlePaddle tutorial: "epoch: 0,  loss is: ..." after training and again after "testing in eval mode"
    out = []
    for e in range(5):
        out += [f"epoch: {e},  loss is: {1 - e / 10}, acc is: {0.5 + e / 20}", "testing in eval mode……",
                f"epoch: {e},  loss is: {1.2 - e / 10}, acc is: {0.45 + e / 20}"]
    run = read(tmp_path, ("\n".join(out) + "\n").encode())
    assert all(s.axis == "epoch" and len(s) == 5 for s in run.series.values())


def test_not_a_log_is_a_one_line_input_error(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_bytes(b"epochs are a unit of training\nsee the notes\n")
    with pytest.raises(InputError, match="notes.txt"):
        registry.read_path(p, "text")
    res = CliRunner().invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2 and "Traceback" not in res.output


# ------------------------------------------------------------------- 2. deep-text-recognition-benchmark / EasyOCR

# clovaai/deep-text-recognition-benchmark train.py: loss_log = f'[{iteration+1}/{opt.num_iter}] Train loss:
# {loss_avg.val():0.5f}, Valid loss: {valid_loss:0.5f}, Elapsed_time: {elapsed_time:0.5f}'; current_model_log =
# f'{"Current_accuracy":17s}: {current_accuracy:0.3f}, {"Current_norm_ED":17s}: {current_norm_ED:0.2f}'; the best
# model's line the same with "Best_"; then dashes and a f'{"Ground Truth":25s} | {"Prediction":25s} | Confidence
# Score & T/F' table.
def _clova(n: int = 3, cut: bool = False) -> bytes:
    out = []
    for i in range(1, n + 1):
        acc = 50 + i
        out += [
            f"[{i * 2000}/300000] Train loss: {1 / i:0.5f}, Valid loss: {1.5 - i / 100:0.5f}, Elapsed_time: {i * 190.5:0.5f}",
            f"{'Current_accuracy':17s}: {acc:0.3f}, {'Current_norm_ED':17s}: {0.8 + i / 100:0.2f}",
            f"{'Best_accuracy':17s}: {acc:0.3f}, {'Best_norm_ED':17s}: {0.8 + i / 100:0.2f}",
            "-" * 80,
            f"{'Ground Truth':25s} | {'Prediction':25s} | Confidence Score & T/F",
            "-" * 80,
            f"{'TROY':25s} | {'TROY':25s} | 0.4822\tTrue",
            f"{'1851':25s} | {'1031':25s} | 0.8874\tFalse",
            "-" * 80,
        ]
    text = "\n".join(out) + ("" if cut else "\n")
    return text.encode()


def test_clova_ocr_trainer_log(tmp_path):
    run = read(tmp_path, _clova())
    tr, va = run.series["Train_loss"], run.series["Valid_loss"]
    assert run.train_loss is tr and run.val_loss is va
    assert lst(tr.steps) == [2000.0, 4000.0, 6000.0] and tr.values.tolist() == [1.0, 0.5, 0.33333]
    assert va.values.tolist() == [1.49, 1.48, 1.47]
    acc = run.series["val_accuracy"]
    assert acc.role == "val_metric" and acc.values.tolist() == pytest.approx([0.51, 0.52, 0.53])  # percent
    assert run.series["val_norm_ED"].role == "val_metric" and len(run.series["val_norm_ED"]) == 3
    assert not any(n.lower().startswith(("best", "current", "elapsed", "ground", "troy")) for n in run.series)


def test_a_build_log_with_bracketed_counts_is_not_a_training_log(tmp_path):
    p = tmp_path / "build.log"
    p.write_bytes(b"[1/5] Building CXX object a.o\n[2/5] Building CXX object b.o\n[3/5] Linking CXX executable x\n")
    with pytest.raises(InputError, match="build.log"):
        registry.read_path(p, "text")


# ------------------------------------------------------------------------------------- 5. EAST "name is value"

# SakuraRiven/EAST loss.py: print('classify loss is {:.8f}, angle loss is {:.8f}, iou loss is {:.8f}'.format(...))
# during each batch; train.py: print('Epoch is [{}/{}], mini-batch is [{}/{}], time consumption is {:.8f},
# batch_loss is {:.8f}'.format(epoch+1, epoch_iter, i+1, int(file_num/batch_size), time.time()-start_time,
# loss.item())); here behind a logging prefix, as a fork logs them.
def _east(epochs: int = 2, batches: int = 3) -> bytes:
    out = ["2021-05-03 03:51:15,430 [MainThread  ] [INFO ]  begin training"]
    for e in range(1, epochs + 1):
        for b in range(1, batches + 1):
            c, a, i = 0.9, 0.6 / b, 5.0 / (e * b)
            pre = f"2021-05-03 03:53:{e * 10 + b:02d},049 [MainThread  ] [INFO ]  "
            out.append(pre + f"classify loss is {c:.8f}, angle loss is {a:.8f}, iou loss is {i:.8f}")
            out.append(pre + f"Epoch is [{e}/600], mini-batch is [{b}/{batches}], time consumption is 1.32521653, "
                             f"batch_loss is {c + 10 * a + i:.8f}")
    return ("\n".join(out) + "\n").encode()


def test_east_name_is_value_lines(tmp_path):
    run = read(tmp_path, _east())
    bl = run.series["batch_loss"]
    assert run.train_loss is bl and bl.axis == "step" and len(bl) == 6
    assert bl.values[0] == pytest.approx(0.9 + 6.0 + 5.0) and bl.values[-1] == pytest.approx(0.9 + 2.0 + 5 / 6, abs=1e-7)
    assert lst(bl.steps)[:3] == [1.0, 2.0, 3.0] and lst(bl.steps)[3] > 3  # mini-batch counted on across epochs
    assert lst(bl.epochs) == [1.0] * 3 + [2.0] * 3
    parts = ("classify_loss", "angle_loss", "iou_loss")
    for name in parts:
        assert run.series[name].role == "train_loss" and len(run.series[name]) == 6
    # the parts printed before a batch's "Epoch is" line are that batch's
    assert run.series["iou_loss"].values[0] == 5.0 and run.series["angle_loss"].values[1] == 0.3
    assert not any(n.endswith("_is") or "(sum)" in n or n == "Epoch" for n in run.series)


def test_east_nan_loss_is_kept(tmp_path):
    data = re.sub(rb"batch_loss is [\d.]+", b"batch_loss is nan", _east(), count=2)
    run = read(tmp_path, data)
    bl = run.series["batch_loss"]
    assert np.isnan(bl.values[:2]).all() and np.isfinite(bl.values[2:]).all() and len(bl) == 6


# --------------------------------------------------------------------------------- 3. PointNet-style epoch blocks

# A PointNet classification script (TF2): log_string("-----{}------".format(epoch)); log_string('train_mean loss: %f'
# % float(mtric2.result())); log_string('train_accuracy: %f' % ...); after test_one_epoch: 'test_mean loss: %f',
# 'test_accuracy: %f'.
def _pointnet(epochs: int = 4) -> bytes:
    out = []
    for e in range(epochs):
        out += [f"-----{e}------", f"train_mean loss: {0.5 - e / 20:f}", f"train_accuracy: {0.8 + e / 50:f}",
                f"test_mean loss: {0.6 - e / 40:f}", f"test_accuracy: {0.75 + e / 50:f}"]
    return ("\n".join(out) + "\n").encode()


def test_pointnet_dash_epoch_blocks(tmp_path):
    run = read(tmp_path, _pointnet())
    tr, te = run.series["train_mean_loss"], run.series["test_mean_loss"]
    assert run.train_loss is tr and tr.axis == "epoch" and lst(tr.epochs) == [0.0, 1.0, 2.0, 3.0]
    assert tr.values.tolist() == [0.5, 0.45, 0.4, 0.35]
    assert run.val_loss is te and te.values[-1] == 0.525  # the held-out loss, evaluated every epoch
    assert run.series["train_accuracy"].role == "train_metric" and run.series["test_accuracy"].values[0] == 0.75


def test_dashes_alone_are_no_log(tmp_path):
    p = tmp_path / "rule.txt"
    p.write_bytes(b"-----0------\n-----1------\nsome text\n")
    with pytest.raises(InputError, match="rule.txt"):
        registry.read_path(p, "text")


# ------------------------------------------------------------------ 4. marker lines with values on the next line

# ShuffleFaceNet_Pytorch / CosFace-style train.py (_print writes to stdout and the log, CRLF here as a Windows
# console saved it): _print('Train Epoch: {}/{} ...'.format(epoch, TOTAL_EPOCH)); _print('    total_loss: {:.4f}
# time: {:.0f}m {:.0f}s'.format(train_total_loss, time_elapsed // 60, time_elapsed % 60)); every TEST_FREQ epochs
# _print('Test Epoch: {} ...'.format(epoch)) and _print('    ave: {:.4f}'.format(np.mean(accs) * 100)); at a save
# _print('Saving checkpoint: {}'.format(epoch)).
def _facenet(epochs: int = 10) -> bytes:
    out = ["Script started on Tue Feb  4 19:51:33 2020", "multi_gpus True", "defining casia dataloader..."]
    for e in range(1, epochs + 1):
        out += [f"Train Epoch: {e}/{epochs} ...", f"    total_loss: {25 - e:.4f} time: {10 + e}m {e}s"]
        if e % 5 == 0:
            out += [f"Test Epoch: {e} ...", f"    ave: {85 + e / 5:.4f}", f"Saving checkpoint: {e}"]
    out.append("finishing training")
    return ("\r\n".join(out) + "\r\n").encode()


def test_marker_line_then_indented_values(tmp_path):
    run = read(tmp_path, _facenet())
    tl = run.series["total_loss"]
    assert run.train_loss is tl and len(tl) == 10 and tl.axis == "epoch"
    assert tl.values[0] == 24.0 and tl.values[-1] == 15.0 and lst(tl.epochs)[:2] == [1.0, 2.0]
    ave = run.series["test_ave"]
    assert ave.role == "test_metric" and lst(ave.epochs) == [5.0, 10.0] and ave.values.tolist() == [86.0, 87.0]
    assert not any("checkpoint" in n.lower() or "time" in n.lower() for n in run.series)


# -------------------------------------------------------------------------- 6. a held-out loss on a summary line

# A CIFAR-10 study script (its source is not public; the layout of its log): print('\tepoch {}: train acc: {}%, loss:
# {}'.format(...)) every epoch, every 5 epochs print('The result of {} with {} is test acc: {}%, loss: {}'.format(
# model_name, optimizer_name, ...)) and per-class lines '\t test acc for <name> (<class>) is {}%'.
def _summary_lines(epochs: int = 20) -> bytes:
    out = []
    for e in range(1, epochs + 1):
        out.append(f"\tepoch {e}: train acc: {50 + e}.672%, loss: {1.5 - e / 10}")
        if e % 5 == 0:
            out.append(f"The result of BN_Relu_RestNet18 with Adam is test acc: {70 + e}.82%, loss: {0.7 - e / 100}")
            out += [f"\t test acc for 飞机 (airplane) is {78 + e}.9000015258789%", "\t test acc for 猫 (cat) is 68.5%"]
    return ("\n".join(out) + "\n").encode()


def test_summary_line_is_the_held_out_loss(tmp_path):
    run = read(tmp_path, _summary_lines())
    assert run.train_loss is run.series["loss"] and len(run.series["loss"]) == 20
    tl = run.series["test_loss"]
    assert run.val_loss is tl and lst(tl.epochs) == [5.0, 10.0, 15.0, 20.0]  # the epoch of the line before
    assert tl.values.tolist() == pytest.approx([0.65, 0.6, 0.55, 0.5])
    assert run.series["test_acc"].values.tolist() == pytest.approx([0.7582, 0.8082, 0.8582, 0.9082])  # percent
    assert not any("airplane" in n or "cat" in n for n in run.series)


# --------------------------------------------------------------------------- 7. two trainings pasted into one log

# A Hangman BiLSTM project's train.py and finetune_model.py (same loop): tqdm(train_loader, desc=f"Epoch
# {epoch+1}/{EPOCHS}") then print(f"Epoch {epoch+1} | Train Loss: {train_loss:.4f} | Val Loss: {val_loss:.4f} | Val
# Accuracy: {val_acc:.2f}%"); the fine-tuning script prints the same with "Fine-Tune " before "Epoch". Both runs'
# stdout pasted into one file with the shell prompt between them.
def _two_phases() -> bytes:
    bar = "█" * 20
    out = ["Using device: cuda", "--- Starting Training for Deep Model ---"]
    for e in range(1, 6):
        out.append(f"Epoch {e}/5: 100%|{bar}| 16869/16869 [23:17<00:00, 12.07it/s]")
        out.append(f"Epoch {e} | Train Loss: {1.3 - e / 50:.4f} | Val Loss: {1.2 - e / 100:.4f} | Val Accuracy: {62 + e / 5:.2f}%")
    out += ["", "Saving final model and supporting files...", "Training complete!", "",
            "(pytorch) user@host:~/hangman_ai$ python finetune_model.py", "Loading pre-trained model weights...",
            "--- Starting Specialized Fine-Tuning Phase ---"]
    for e in range(1, 4):
        out.append(f"Fine-Tune Epoch {e}/3: 100%|{bar}| 7940/7940 [11:02<00:00, 11.98it/s]")
        out.append(f"Fine-Tune Epoch {e} | Train Loss: {0.97 - e / 100:.4f} | Val Loss: {0.93 - e / 1000:.4f} | Val "
                   f"Accuracy: {70 + e / 20:.2f}%")
    return ("\n".join(out) + "\n").encode()


def test_two_trainings_with_a_phase_label_are_two_runs(tmp_path):
    runs = read_all(tmp_path, _two_phases())
    assert len(runs) == 2
    first, second = runs
    assert first.train_loss is first.series["Train_Loss"] and len(first.series["Train_Loss"]) == 5
    assert first.series["Train_Loss"].values[0] == 1.28 and lst(first.series["Val_Loss"].epochs)[-1] == 5.0
    assert len(second.series["Train_Loss"]) == 3 and second.series["Train_Loss"].values.tolist() == [0.96, 0.95, 0.94]
    assert second.val_loss is second.series["Val_Loss"] and lst(second.series["Val_Loss"].epochs) == [1.0, 2.0, 3.0]
    for run in runs:
        assert not any("Fine" in n or "Tune" in n for n in run.series)  # a phase label, not a value
        assert any("2 trainings in one log" in n for n in run.notes)
    assert "Fine-Tune" in " ".join(second.notes) and first.name != second.name


def test_a_resumed_run_without_a_phase_label_keeps_the_latest_segment(tmp_path):
    # the same log without the label: an appended resume, read as before (the latest segment, with a note)
    runs = read_all(tmp_path, _two_phases().replace(b"Fine-Tune Epoch", b"Epoch"))
    assert len(runs) == 1 and len(runs[0].series["Train_Loss"]) == 3
    assert any("latest segment" in n for n in runs[0].notes)
