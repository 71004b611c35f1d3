"""Text-log layouts from a second reading-coverage survey of public repositories (samples written here in the layout
each tool's print writes; no real log is copied)."""

from __future__ import annotations

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


# ------------------------------------------------------- 1. "Epoch N/M" then a "Train Loss: X, Val Loss: Y" line
# A segmentation script's loop: print(f"\nEpoch {epoch}/{num_epochs}"), print(f"LR: {lr}"), two tqdm bars
# (tqdm(loader, desc="Training") / desc="Validation"), print(f"Train Loss: {train_loss:.4f}, Val Loss:
# {val_loss:.4f}"), and print("  -> Best model saved") when the val loss improves. No Keras progress line follows the
# "Epoch N/M" line: it is a plain epoch marker heading the epoch's values.
def _epochs_then_losses(epochs: int = 4, bars: bool = True, scale: float = 1.0) -> tuple[bytes, list[float], list[float]]:
    out, tr, va = ["计算类别权重中...", "类别权重: [0.036 0.55 1.85]", ""], [], []
    for e in range(1, epochs + 1):
        t, v = round(2.5 * scale / e, 4), round(2.6 * scale / e, 4)
        tr.append(t)
        va.append(v)
        out.append(f"Epoch {e}/{epochs}")
        if bars:
            out.append("LR: 0.001")
            out.append("Training: 100%|██████████| 183/183 [00:49<00:00,  3.70it/s]")
            out.append("Validation: 100%|██████████| 46/46 [00:06<00:00,  7.12it/s]")
        out.append(f"Train Loss: {t:.4f}, Val Loss: {v:.4f}")
        if bars:
            out.append("  -> Best model saved")
        out.append("")
    return "\n".join(out).encode(), tr, va


@pytest.mark.parametrize("bars", [True, False])
def test_epoch_of_m_without_keras_lines_heads_a_block(tmp_path, bars):
    data, tr, va = _epochs_then_losses(bars=bars)
    run = read(tmp_path, data)
    assert run.format == "text"
    assert run.train_loss.name == "Train_Loss" and run.val_loss.name == "Val_Loss"
    assert lst(run.train_loss.values) == tr and lst(run.val_loss.values) == va
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4]  # stored as written: no Keras 1-based shift
    assert run.train_loss.axis == "epoch"
    assert not any("Keras" in n for n in run.notes)


def test_epoch_of_m_restart_keeps_the_latest_segment(tmp_path):
    # two trainings (resnet18 then resnet34) appended: the epoch counter goes back with no phase label, so the
    # shared restart policy applies (base.cut_restarts: the latest segment, with a note)
    a, _, _ = _epochs_then_losses(4)
    b, tr, va = _epochs_then_losses(4, scale=0.5)
    run = read(tmp_path, a + b"\nClass         IoU\nmIoU       0.4704\n\n" + b)
    assert lst(run.train_loss.values) == tr and lst(run.val_loss.values) == va
    assert any("restarts 1 time" in n for n in run.notes)


def test_keras_progress_lines_still_read_as_keras(tmp_path):
    data = b"Epoch 1/2\n32/32 - 0s - 5ms/step - loss: 0.50 - val_loss: 0.60\nEpoch 2/2\n32/32 - 0s - loss: 0.40 - val_loss: 0.55\n"
    run = read(tmp_path, data)
    assert lst(run.train_loss.epochs) == [0, 1]  # Keras' 1-based display, stored 0-based
    assert lst(run.val_loss.values) == [0.60, 0.55]


def test_epoch_of_m_lines_alone_are_not_a_log(tmp_path):
    p = tmp_path / "train.log"
    p.write_bytes(b"Epoch 1/3\nEpoch 2/3\nEpoch 3/3\n")
    with pytest.raises(InputError, match="train.log"):
        registry.read_path(p, None)
    res = CliRunner().invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2


# ------------------------------------------------------------------- 2. pytorch-CycleGAN-and-pix2pix loss_log.txt
# junyanz/pytorch-CycleGAN-and-pix2pix, util/visualizer.py: at each launch log_file.write('================ Training
# Loss (%s) ================\n' % now); print_current_losses: message = '(epoch: %d, iters: %d, time: %.3f, data:
# %.3f) ' % (epoch, iters, t_comp, t_data), then message += '%s: %.3f ' % (k, v) per loss name (iters: within the
# epoch, train.py's epoch_iter).
_CG_NAMES = ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B")


def _cg_header(t: str = "Mon Nov 30 10:00:00 2026") -> str:
    return f"================ Training Loss ({t}) ================\n"


def _cg_lines(epochs: range, iters=(100, 200, 300), base: float = 1.0, nan_at: int | None = None) -> tuple[str, list]:
    out, g_a = [], []
    k = 0
    for e in epochs:
        for it in iters:
            vals = [base / (1 + k) + 0.01 * j * (j + 3) for j in range(len(_CG_NAMES))]
            if nan_at == k:
                vals[1] = float("nan")
            g_a.append(vals[1])
            msg = f"(epoch: {e}, iters: {it}, time: {0.512:.3f}, data: {0.004:.3f}) "
            for name, v in zip(_CG_NAMES, vals, strict=True):
                msg += f"{name}: {v:.3f} "
            out.append(msg + "\n")
            k += 1
    return "".join(out), [round(v, 3) for v in g_a]


def test_cyclegan_loss_log(tmp_path):
    lines, g_a = _cg_lines(range(1, 3))
    run = read(tmp_path, (_cg_header() + lines).encode(), name="loss_log.txt")
    assert run.format == "cyclegan-log"
    for name in _CG_NAMES:
        assert run.series[name].role == "train_loss"  # the model's loss_<name> attributes
    assert run.train_loss is not None  # which one (or none summed) is the shared logic's choice
    s = run.series["G_A"]
    assert lst(s.values) == g_a
    assert lst(s.epochs) == [1, 1, 1, 2, 2, 2]
    assert lst(s.steps) == [100, 200, 300, 400, 500, 600]  # iters within each epoch, counted on
    assert s.axis == "step"
    assert "time" not in run.series and "data" not in run.series


def test_cyclegan_relaunch_is_a_training_of_its_own(tmp_path):
    a, _ = _cg_lines(range(1, 3))
    b, g_a = _cg_lines(range(1, 2), base=2.0)
    runs = read_all(tmp_path, (_cg_header() + a + _cg_header() + _cg_header() + b).encode(), name="loss_log.txt")
    assert len(runs) == 2
    assert len(runs[0].series["G_A"].values) == 6
    assert lst(runs[1].series["G_A"].values) == g_a
    assert any("new launch" in n for n in runs[1].notes)


def test_cyclegan_relaunch_from_one_iteration_each(tmp_path):
    # a launch that logged one line and was stopped, launched again: epoch 1, iters 1 again after the header
    one, _ = _cg_lines(range(1, 2), iters=(1,))
    runs = read_all(tmp_path, (_cg_header() + one + _cg_header() + one).encode(), name="loss_log.txt")
    assert len(runs) == 2 and all(len(r.series["D_A"].values) == 1 for r in runs)


def test_cyclegan_continue_train_is_the_same_run(tmp_path):
    a, g1 = _cg_lines(range(1, 3))
    b, g2 = _cg_lines(range(3, 4), base=0.5)
    run = read(tmp_path, (_cg_header() + a + _cg_header() + b).encode(), name="loss_log.txt")
    assert lst(run.series["G_A"].values) == g1 + g2
    assert lst(run.series["G_A"].epochs) == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert any("resumed training" in n for n in run.notes)


def test_cyclegan_2017_padded_format_and_nan(tmp_path):
    # the 2017 print: '(epoch: %d, iters: %d, time: %.3f) ' (a copy padded the numbers)
    text = _cg_header() + "".join(
        f"(epoch: 1 , iters: {it:<4d}, time: 3.252) D_A: 1.537 G_A: {g} Cyc_A: 6.165 idt_A: 3.095 \n"
        for it, g in ((1, "2.341"), (101, "nan"), (201, "1.5"))
    )
    run = read(tmp_path, text.encode(), name="loss_log.txt")
    assert run.format == "cyclegan-log"
    v = run.series["G_A"].values
    assert v[0] == 2.341 and np.isnan(v[1]) and v[2] == 1.5
    assert run.series["Cyc_A"].role == "train_loss"


def test_cyclegan_lines_beyond_the_head_are_handed_over(tmp_path):
    lines, g_a = _cg_lines(range(1, 2))
    chatter = "".join(f"create web directory ./checkpoints/maps/web... {i}\n" for i in range(2000))
    run = read(tmp_path, (chatter + _cg_header() + lines).encode(), name="loss_log.txt")
    assert run.format == "cyclegan-log" and lst(run.series["G_A"].values) == g_a


def test_cyclegan_forced_on_a_file_without_its_lines(tmp_path):
    p = tmp_path / "loss_log.txt"
    p.write_text(_cg_header() * 3)
    res = CliRunner().invoke(app, ["inspect", "--input-format", "cyclegan-log", str(p)])
    assert res.exit_code == 2
    assert "loss_log.txt" in res.output and "Traceback" not in res.output


# -------------------------------------------- 3. a Chinese-labelled test loss after each epoch; ReduceLROnPlateau
# A digit-recognition script: print("-------第 {} 轮训练开始-------".format(i + 1)), then every 100 batches
# print('Epoch: %03d/%03d | Batch %04d/%04d | Loss: %.4f' % (...)), then print("当前学习率: ", lr),
# print("整体测试集上的Loss: {}".format(total_test_loss)), print("整体测试集上的正确率: {}".format(accuracy)),
# print("模型已保存"); PyTorch's ReduceLROnPlateau(verbose=True) prints 'Epoch {}: reducing learning rate of group {}
# to {:.4e}.' with the epoch as %.5d.
def _cn_epochs(n: int = 4, colon: str = ":") -> tuple[bytes, list[float], list[float]]:
    out, test, train = ["now using device:  cuda"], [], []
    for e in range(1, n + 1):
        out.append(f"-------第 {e} 轮训练开始-------")
        for b in range(0, 500, 100):
            v = round(1.0 / (e * 10 + b / 100), 4)
            train.append(v)
            out.append(f"Epoch: {e:03d}/{n:03d} | Batch {b:04d}/0469 | Loss: {v:.4f}")
        t = 6.0 / e
        test.append(t)
        out += ["当前学习率:  0.01", f"整体测试集上的Loss{colon} {t!r}", f"整体测试集上的正确率{colon} {0.9 + e / 100!r}", "模型已保存"]
        if e == 2:
            out.append("Epoch 00002: reducing learning rate of group 0 to 5.0000e-03.")
    return ("\n".join(out) + "\n").encode(), train, test


@pytest.mark.parametrize("colon", [":", "："])
def test_chinese_labelled_test_loss_is_the_held_out_loss(tmp_path, colon):
    data, train, test = _cn_epochs(colon=colon)
    run = read(tmp_path, data, name="train.out")
    assert run.train_loss.name == "Loss" and lst(run.train_loss.values) == train
    assert run.val_loss.name == "test_loss"  # the held-out loss (test read as val, with the shared note)
    assert lst(run.val_loss.values) == test and lst(run.val_loss.epochs) == [1, 2, 3, 4]
    assert run.series["test_accuracy"].role == "val_metric"
    assert np.allclose(run.series["test_accuracy"].values, [0.91, 0.92, 0.93, 0.94])
    assert "of_group" not in run.series and not any("group" in n for n in run.series)


def test_reduce_lr_on_plateau_line_is_no_series(tmp_path):
    data = (b"epoch 1 | loss 0.9\nepoch 2 | loss 0.8\nEpoch 00002: reducing learning rate of group 0 to 5.0000e-03.\n"
            b"epoch 3 | loss 0.7\n")
    run = read(tmp_path, data)
    assert sorted(run.series) == ["loss"] and lst(run.train_loss.values) == [0.9, 0.8, 0.7]


def test_a_chinese_train_summary_is_not_held_out(tmp_path):
    # "训练集上的Loss" (on the train set): no held-out word, not read as a test loss
    data, _, _ = _cn_epochs()
    run = read(tmp_path, data.replace("整体测试集".encode(), "整体训练集".encode()), name="train.out")
    assert run.val_loss is None and not any(n.startswith("test_") for n in run.series)


# ------------------------------------ 4. the torchvision fine-tuning tutorial's epochs, several models pasted in Markdown
# The tutorial's train_model: print('Epoch {}/{}'.format(epoch, num_epochs - 1)), print('-' * 10), then per phase
# print('{} Loss: {:.4f} Acc: {:.4f}'.format(phase, epoch_loss, epoch_acc)), and at the end print('Training complete
# in {:.0f}m {:.0f}s'.format(...)), print('Best val Acc: {:4f}'.format(best_acc)); a repository's copy prefixes the
# model's name ('{} - Epoch {}/{}') and trains several models, their output pasted into one Markdown fence.
def _tutorial(models=("SqueezeNetBypass", "SqueezeNet", "AlexNet"), epochs: int = 4, held: str = "test",
              blank: bool = False) -> tuple[bytes, dict]:
    out = ["", "# 训练日志", "", "```", "$ python train.py ", "{'train': 40058, 'test': 12032}"]
    want = {}
    for k, model in enumerate(models):
        tr, te = [], []
        for e in range(epochs):
            t, v = round(2.5 / (e + 1) + k / 10, 4), round(2.6 / (e + 1) + k / 10, 4)
            tr.append(t)
            te.append(v)
            out += [f"{model} - Epoch {e}/{epochs - 1}", "-" * 10, f"train Loss: {t:.4f} Acc: {0.3 + e / 20:.4f}",
                    f"{held} Loss: {v:.4f} Acc: {0.25 + e / 20:.4f}"]
            if blank:
                out.append("")
        out += [f"Training {model} complete in 96m 21s", f"Best {held} Acc: 0.769365", f"train {model} done", ""]
        want[model] = (tr, te)
    out.append("```")
    return ("\n".join(out) + "\n").encode(), want


@pytest.mark.parametrize("blank", [False, True])
def test_tutorial_epochs_of_three_models_are_three_runs(tmp_path, blank):
    data, want = _tutorial(blank=blank)
    runs = read_all(tmp_path, data, name="log.md")
    assert len(runs) == 3
    for run, (model, (tr, te)) in zip(runs, want.items(), strict=True):
        assert run.train_loss.name == "train_Loss" and lst(run.train_loss.values) == tr
        assert run.val_loss.name == "test_Loss" and lst(run.val_loss.values) == te
        assert lst(run.train_loss.epochs) == [0, 1, 2, 3] and run.train_loss.axis == "epoch"
        assert run.series["train_Acc"].role == "train_metric" and run.series["test_Acc"].role == "val_metric"
        assert model not in run.series  # the model's name labels the run, it is no series
    assert any("'SqueezeNet'" in n for n in runs[1].notes) and any("'AlexNet'" in n for n in runs[2].notes)


def test_tutorial_one_model_with_val_phase(tmp_path):
    data, want = _tutorial(models=("resnet",), held="val")
    run = read(tmp_path, data.replace(b"resnet - ", b""))
    assert lst(run.train_loss.values) == want["resnet"][0]
    assert run.val_loss.name == "val_Loss" and lst(run.val_loss.values) == want["resnet"][1]


# ---------------------------------------------- 5. the CIFAR-10 tutorial's running loss behind "<br>", in Markdown
# PyTorch's "Training a classifier" tutorial prints print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 2000:.3f}')
# every 2000 mini-batches; a course's copy prints '[epoch:%d, mini-batch:%5d] loss: %.3f' and its run log (a Markdown
# file, CRLF) pastes the lines behind "<br>" after a Markdown grid and an HTML table of the same losses.
def _cifar_md() -> tuple[bytes, list[float]]:
    losses = [round(2.2 - 0.04 * k, 3) for k in range(30)]
    out = ["", "| mini batch →<br/>Epoch ↓ | 2000  | 4000  | 6000  | 8000  | 10000 | 12000 |",
           "|:------------------------:|:-----:|:-----:|:-----:|:-----:|:-----:|-------|"]
    for e in range(5):
        out.append(f"|            {e + 1}             | " + " | ".join(f"{v:.3f}" for v in losses[6 * e: 6 * e + 6]) + " |")
    out += ["", '<table class="tg">', "<tbody>", "  <tr>", '    <td class="tg-c3ow">1</td>',
            f'    <td class="tg-c3ow">{losses[0]:.3f}</td>', "  </tr>", "</tbody>", "</table>", ""]
    for e in range(5):
        for b in range(6):
            out.append(f"<br>[epoch:{e + 1}, mini-batch:{2000 * (b + 1):5d}] loss: {losses[6 * e + b]:.3f}")
    out += ["<br>Finished Training", "<br>Accuracy of the network on the 10000 test images: 62 %",
            "<br>Accuracy for class: plane is 67.2 %"]
    return ("\r\n".join(out) + "\r\n").encode(), losses


def test_cifar_tutorial_lines_behind_br_in_markdown(tmp_path):
    data, losses = _cifar_md()
    run = read(tmp_path, data, name="运行日志.md")
    assert list(run.series) == ["loss"]  # the mini-batch counter is the axis, no series; the tables are not read
    s = run.series["loss"]
    assert lst(s.values) == losses and s.axis == "step"
    assert lst(s.steps[:7]) == [2000, 4000, 6000, 8000, 10000, 12000, 14000]  # counted on across epochs
    assert lst(s.epochs[[0, 6, -1]]) == [1, 2, 5]


# -------------------------------------------------------------- 6. a SLURM job resumed from a checkpoint (E2DTC)
# The layout of a trajectory-clustering trainer's stdout (as its log shows it): an argument dump of print(k, '= ', v)
# lines ("data =  ./data", ..., "epoch =  20", "tolerance =  0.0001"), "=> Epoch starts at N and will end at M",
# per epoch "Epoch N\tAcc: ..\tnmi: ..\tari: ..", every 100 iterations "Iteration: N\tLoss: ..\tRc Loss: ..\tKL Loss:
# ..\tTriplet Loss: ..", and at the end of a session "=================" and "Best Epoch N\tAcc: ..\tnmi: ..\tari: ..".
# The job ran twice; the second session resumed from the checkpoint (epoch 3, iteration 500 after 400).
_DUMP = ["data =  ./data", "checkpoint =  ./model/checkpoint.pt", "n_clusters =  12", "bidirectional =  True",
         "learning_rate =  0.001", "epoch =  20", "tolerance =  0.0001", "update_interval =  1", "print_freq =  100"]


def _session(epochs: range, first_iter: int, best: int) -> tuple[list[str], list[float]]:
    out = ["/opt/conda/lib/python3.9/site-packages/torch/nn/modules/rnn.py:62: UserWarning: dropout option adds",
           "  warnings.warn(", *_DUMP, "------- start training -------", f"=> Epoch starts at {epochs[0]} and will "
           f"end at 19"]
    losses, it = [], first_iter
    for e in epochs:
        out.append(f"Epoch {e}\tAcc: {0.9 - e / 100:.4f}\tnmi: 0.8619\tari: 0.8221")
        for _ in range(2):
            v = round(1.0 - it / 300, 3)  # goes negative, as this trainer's loss does
            losses.append(v)
            out.append(f"Iteration: {it}\tLoss: {v:.3f}\tRc Loss: {v - 0.03:.3f}\tKL Loss: 0.286\tTriplet Loss: 0.0133")
            it += 100
    out += ["=================", f"Best Epoch {best}\tAcc: 0.9000\tnmi: 0.8619\tari: 0.8221"]
    return out, losses


def test_resumed_slurm_job_is_one_run(tmp_path):
    a, la = _session(range(3), 0, 0)
    b, lb = _session(range(3, 5), 600, 3)
    run = read(tmp_path, ("\n".join(a + b) + "\n").encode(), name="slurm.out")
    assert run.train_loss.name == "Loss"
    assert lst(run.train_loss.values) == la + lb and len(run.train_loss.values) == 10
    assert lst(run.train_loss.steps) == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]
    assert run.train_loss.values[-1] < 0
    assert lst(run.series["Acc"].epochs) == [0, 1, 2, 3, 4]  # the Best Epoch lines are no points
    for name in ("tolerance", "update_interval", "print_freq", "n_clusters", "learning_rate"):
        assert name not in run.series  # the argument dump is configuration
    assert not any("runs" in n or "restart" in n for n in run.notes)


def test_numeric_assignments_after_a_marker_stay_a_block(tmp_path):
    # "epoch = 3" then "loss = 0.41": values, not an argument dump (no value that is not a number)
    data = b"".join(f"epoch = {e}\nloss = {0.5 - e / 10}\nacc = {0.8 + e / 100}\n".encode() for e in range(4))
    run = read(tmp_path, data)
    assert lst(run.train_loss.values) == [0.5, 0.4, 0.3, 0.2] and lst(run.train_loss.epochs) == [0, 1, 2, 3]
