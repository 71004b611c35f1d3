"""Layouts reading survey 12 and public round 22 found misread or refused, now read by the text reader (or refused
in one line saying why). Every sample is written here, small, in the layout the survey describes; the format strings
are cited at each sample."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: bytes, name: str = "train.log") -> list[Run]:
    p = tmp_path / name
    p.write_bytes(data)
    return registry.read_path(p, None)


def read(tmp_path: Path, data: bytes, name: str = "train.log") -> Run:
    runs = read_all(tmp_path, data, name)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list:
    return np.asarray(a).tolist()


# kkitayama/neuralcompressor, train.py: print(f"[epoch{epoch}] trian_loss={...:.2f} train_maxp={...:.2f}
# valid_loss={...:.2f} valid_maxp={...:.2f} bps={...} *") (the number glued to the word; "trian" as written).
GLUED = b"".join(
    f"[epoch{e}] trian_loss={300 - 10 * e:.2f} train_maxp=0.{50 + e} valid_loss={290 - 8 * e:.2f} "
    f"valid_maxp=0.{54 + e} bps=6{e} *\n".encode()
    for e in range(5)
) + b"Training Done\n"


def test_glued_epoch_marker(tmp_path):
    run = read(tmp_path, GLUED)
    assert run.axis == "epoch"
    assert run.train_loss.name == "trian_loss" and run.val_loss.name == "valid_loss"
    assert lst(run.train_loss.epochs) == [0, 1, 2, 3, 4]
    assert run.train_loss.values[0] == 300 and run.train_loss.values[-1] == 260
    assert run.val_loss.values[-1] == 258


def test_glued_word_in_a_file_name_is_no_marker(tmp_path):
    # "model_epoch10.pth" in prose is never an epoch marker
    with pytest.raises(InputError):
        read(tmp_path, b"saved model_epoch10.pth\nsaved model_epoch11.pth\nsaved model_epoch12.pth\n")


# Python logging (format "%(asctime)s - %(name)s - %(levelname)s - %(message)s") of a loop printing
# 'Train epoch: {} [{}/{}]\tAccuracy: {:.2f}%\tLoss: {:.6f}' every 2nd batch (yang134934/saistego), CRLF.
SAISTEGO = b"".join(
    f"2025-03-14 09:25:{i:02d} - __main__ - INFO - Train epoch: 1 [{i}/307]\tAccuracy: {48 + i / 10:.2f}%\t"
    f"Loss: {0.8 - i / 1000:.6f}\r\n".encode()
    for i in range(2, 14, 2)
)


def test_bracket_batch_counter_after_epoch(tmp_path):
    run = read(tmp_path, SAISTEGO)
    loss = run.series["Loss"]
    assert run.train_loss is loss and loss.axis == "step"
    assert lst(loss.steps) == [2, 4, 6, 8, 10, 12]
    assert lst(loss.epochs) == [1] * 6
    assert not any("no batch counter" in n for n in run.notes)
    assert any("'[i/N]'" in n for n in run.notes)


# PaddlePaddle loop (CuberrChen/CSRA-Paddle): 'Epoch {}[{}/{}]: loss:{:.5f}, lr:{:.5f}, batch time:{:.4f}, data
# time:{:.4f}', then 'Epoch {} training ends, total {:.2f}s'; the log misses lines (here epoch 2's first two).
CSRA = b"""Epoch 1[16/5011]: loss:0.71410, lr:0.00000, batch time:0.4156, data time:1.6631
Epoch 1[1616/5011]: loss:0.20306, lr:0.00159, batch time:0.3074, data time:0.0003
Epoch 1[3216/5011]: loss:0.11888, lr:0.00318, batch time:0.3070, data time:0.0003
Epoch 1 training ends, total 98.49s
Epoch 2[3216/5011]: loss:0.09000, lr:0.00318, batch time:0.3070, data time:0.0003
Epoch 2[4816/5011]: loss:0.08000, lr:0.00318, batch time:0.3070, data time:0.0003
Epoch 2 training ends, total 97.10s
Epoch 3[16/5011]: loss:0.07000, lr:0.00318, batch time:0.3070, data time:0.0003
"""


def test_bracket_batch_counter_glued_to_epoch_gap_shows(tmp_path):
    run = read(tmp_path, CSRA)
    loss = run.train_loss
    assert loss.name == "loss" and loss.axis == "step"
    # (epoch - first epoch) * N + i: the missing batches of epoch 2 leave a gap
    assert lst(loss.steps) == [16, 1616, 3216, 5011 + 3216, 5011 + 4816, 2 * 5011 + 16]
    assert lst(loss.epochs) == [1, 1, 1, 2, 2, 3]
    assert loss.values[-1] == 0.07


# PyTorch's ImageNet example (main.py): ProgressMeter(len(train_loader), [..., losses], prefix="Epoch: [{}]".format(
# epoch)) prints 'Epoch: [0][ 10/44]' and AverageMeter's '{name} {val:f} ({avg:f})' (the value, then the running
# average); CHENGY12/CausalHTP logs it through Python logging ("%(asctime)s:%(levelname)s: %(message)s").
def _imagenet(epochs: int) -> bytes:
    out = []
    for e in range(epochs):
        for i in (0, 10, 20, 30, 40):
            v = 0.000330 if (e, i) in ((1, 20), (1, 30)) else 5.0 - e - i / 100
            out.append(f"2021-07-29 14:38:40,512:INFO: Epoch: [{e}][{i:2d}/44]\tLoss {v:.6f} ({v + 0.5:.6f})\n")
    return "".join(out).encode()


def test_imagenet_progress_meter(tmp_path):
    run = read(tmp_path, _imagenet(3))
    loss = run.train_loss
    assert loss.name == "Loss" and loss.axis == "step"
    assert len(loss) == 15  # the two equal values at [1][20/44] and [1][30/44] are two points
    assert lst(loss.steps)[:7] == [0, 10, 20, 30, 40, 44, 54]
    assert lst(loss.values)[7:9] == [0.00033, 0.00033]
    assert set(run.series) == {"Loss"}  # the running average in parentheses is no point of its own
    assert not any("no batch counter" in n for n in run.notes)


def test_bracket_counter_with_percentage_stays_mnist(tmp_path):
    # PyTorch's MNIST example: 'Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}' counts samples: file order, as before
    data = b"".join(f"Train Epoch: 1 [{i * 640}/60000 ({i}%)]\tLoss: {1 - i / 10:.6f}\n".encode() for i in range(5))
    run = read(tmp_path, data)
    assert lst(run.train_loss.steps) == [1, 2, 3, 4, 5]


# A CS224n NMT assignment loop (Ezra-H/SL_translator, checkpoints/log.txt): 'epoch %d, iter %d, avg. loss %.2f, avg.
# ppl %.2f cum. examples %d, speed %.2f words/sec, time elapsed %.2f sec' every 1000 iterations (the iteration counted
# from 1000 again at each epoch), 'validation: iter %d, dev. ppl %f' after an epoch; trainings appended to the log.
def _nmt(epochs: int, iters: int, loss0: float) -> list[str]:
    out = []
    for e in range(epochs):
        for k in range(1, iters + 1):
            v = loss0 - e - k / 10
            out.append(f"epoch {e}, iter {k * 1000}, avg. loss {v:.2f}, avg. ppl {math.exp(v / 50):.2f} cum. examples "
                       f"{k * 1000}, speed 18.60 words/sec, time elapsed {100.0 * k:.2f} sec")
        if e:
            out.append(f"validation: iter {e}, dev. ppl {2.0 - e / 10:.6f}")
    return out


NMT = ("\n".join(_nmt(3, 3, 234.0) + _nmt(1, 2, 200.0) + _nmt(3, 3, 5.0)) + "\n").encode()


def test_cs224n_iter_within_epoch_and_validation(tmp_path):
    run = read(tmp_path, NMT)
    loss = run.train_loss
    assert loss.name == "avg._loss" and loss.axis == "step"
    assert len(loss) == 9  # the latest training: 3 epochs of 3 lines, not its last epoch only
    assert lst(loss.steps) == [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]
    assert lst(loss.epochs) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert loss.values[0] == pytest.approx(4.9) and loss.values[-1] == pytest.approx(2.7)
    dev = run.series["dev._ppl"]
    assert dev.role == "val_metric" and dev.axis == "epoch"
    assert lst(dev.epochs) == [1, 2] and lst(dev.values) == [1.9, 1.8]
    assert run.val_loss is None  # no ln(ppl): the avg. loss is per sentence
    assert any("restarts" in n for n in run.notes)


# tqdm bars written to a file (atisioma/Crack-SEG): tqdm(desc=f"Train Epoch {epoch}") with set_postfix(Loss=...,
# Dice=..., IoU=..., LR=...), and every few epochs tqdm(desc="Validate") with set_postfix({"Val Loss": ..., ...}).
BAR = "\u2588" * 10
CRACK = "".join(
    f"Train Epoch {e}: 100%|{BAR}| 30/30 [00:04<00:00,  7.23it/s, Loss={0.5 - e / 100:.4f}, Dice=0.{10 + e}, "
    f"IoU=0.{10 + e}, LR=1.00e-04]\n"
    + (f"Validate: 100%|{BAR}| 8/8 [00:00<00:00, 19.12it/s, Val Loss={0.6 - e / 50:.4f}, Val Dice=0.{20 + e}, "
       f"Val IoU=0.{20 + e}]\n" if e % 2 == 0 else "")
    for e in range(5)
).encode()


def test_tqdm_validate_bar_is_the_epochs_validation(tmp_path):
    run = read(tmp_path, CRACK)
    assert run.train_loss.name == "Loss" and len(run.train_loss) == 5
    assert run.val_loss.name == "Val_Loss"
    assert lst(run.val_loss.epochs) == [0, 2, 4]
    assert lst(run.val_loss.values) == [0.6, 0.56, 0.52]
    assert run.series["Val_Dice"].role == "val_metric"


# A tqdm bar refreshed in place with "\r" (ILoveU3D/partialUnet): tqdm(desc=f"Epoch:{epoch}") and
# set_postfix(Cascade=..., CurrLoss=..., MeanLoss=...): MeanLoss is CurrLoss' running mean.
ILOVE = ("nohup: ignoring input\n\r  0%|          | 0/459 [00:00<?, ?it/s]" + "".join(
    f"\rEpoch:0:   0%|          | {i}/459 [00:{10 + i:02d}<3:51:21, 30.31s/it, Cascade={i % 2}, "
    f"CurrLoss={7 + i}.5e+8, MeanLoss={2 + i}.1e+8]" for i in range(1, 5)
)).encode()


def test_running_mean_twin_is_not_summed(tmp_path):
    run = read(tmp_path, ILOVE)
    assert run.train_loss.name == "CurrLoss"
    assert run.train_loss.values[-1] == pytest.approx(11.5e8)
    assert not any(n.endswith("(sum)") for n in run.series)
    assert "MeanLoss" in run.series
    assert any("running mean of CurrLoss" in n for n in run.notes)


def test_total_beside_its_average_unchanged(tmp_path):
    data = b"".join(f"Epoch {e} | Loss: {1 - e / 10:.3f} | Avg Loss: {1 - e / 20:.3f}\n".encode() for e in range(4))
    run = read(tmp_path, data)
    assert run.train_loss.name == "Loss"
    assert not any("running mean" in n for n in run.notes)


# dexma001/PVTVAE: print(f"Epoch [{epoch}/{epochs}] Recon: {recon:.4f} | KL: {kl:.4f} | Phys: {phys:.4f}
# (λ={lam:.3f})") and emoji lines ("💾 Checkpoint saved: epoch 10").
PVTVAE = ("🚀 Training Started\n" + "=" * 50 + "\n" + "".join(
    f"Epoch [{e}/5] Recon: {0.1 / e:.4f} | KL: {40 / e:.4f} | Phys: {0.001 * (e > 3):.4f} (λ={0.03 * (e > 3):.3f})\n"
    for e in range(1, 6)
) + "💾 Checkpoint saved: epoch 5\n").encode()


def test_vae_terms_summed_as_train_loss(tmp_path):
    run = read(tmp_path, PVTVAE)
    assert run.train_loss.name == "train_loss (sum)"
    assert run.series["KL"].role == "train_loss" and run.series["Recon"].role == "train_loss"
    assert run.series["Phys"].role == "train_loss"
    assert run.train_loss.values[0] == pytest.approx(0.1 + 40.0)
    assert run.train_loss.values[-1] == pytest.approx(0.02 + 8.0 + 0.001)
    assert any("VAE" in n for n in run.notes)


def test_kl_alone_stays_a_metric(tmp_path):
    data = b"".join(f"Epoch {e}: loss={1 - e / 10:.3f} KL={0.5 - e / 20:.3f}\n".encode() for e in range(4))
    run = read(tmp_path, data)
    assert run.train_loss.name == "loss" and run.series["KL"].role == "train_metric"


# idrpambudi/SRN-Deblur: 'Epoch %d: average_loss = %.5f (%.1f data/s; %.2f s/epoch), %s' once an epoch; two
# one-epoch trainings appended.
SRN = (b"Epoch 1: average_loss = 0.03118 (5.0 data/s; 422.37 s/epoch), 2019-06-10 15:26:32\n"
       b"Epoch 1: average_loss = 0.04723 (4.9 data/s; 429.18 s/epoch), 2019-06-10 15:36:42\n")


def test_same_epoch_printed_again_is_a_restart(tmp_path):
    run = read(tmp_path, SRN)
    assert run.train_loss.name == "average_loss"
    assert lst(run.train_loss.values) == [0.04723]
    assert any("restarts 1 time" in n for n in run.notes)


def test_train_and_eval_lines_alike_are_no_restart(tmp_path):
    # "epoch: 0,  loss is: ..." after training and again after evaluation (PaddlePaddle tutorials): no restart note
    data = b"".join(f"epoch: {e},  loss is: {1 - e / 10:.3f}\nepoch: {e},  loss is: {1.1 - e / 10:.3f}\n".encode()
                    for e in range(3))
    run = read(tmp_path, data)
    assert not any("restarts" in n for n in run.notes)


# njanne19/LoGONE's training_loss.csv: f.write(f"Epoch {epoch}:   Training Loss={loss}") with no line end, three
# trainings (10, 10 and 2 epochs) in one line.
def _glued(sep: str) -> bytes:
    runs = ([508804.6, 8085.9, 6054.2, 6097.4, 5564.7, 5333.0, 5215.6, 5245.1, 6162.1, 5295.9],
            [14.05, 6.1, 3.9, 2.8, 2.2, 1.8, 1.5, 1.3, 1.2, 1.07], [71.5, 2.78])
    return sep.join(f"Epoch {e}:   Training Loss={v}" for r in runs for e, v in enumerate(r)).encode()


@pytest.mark.parametrize("sep", ["", " "])
def test_records_glued_in_one_line(tmp_path, sep):
    run = read(tmp_path, _glued(sep), name="training_loss.csv")
    assert run.format == "text"
    assert run.train_loss.name == "Training_Loss"
    # the latest whole training of the three: the last, stopped after 2 epochs, is a stub (base.latest_whole)
    assert lst(run.train_loss.values) == [14.05, 6.1, 3.9, 2.8, 2.2, 1.8, 1.5, 1.3, 1.2, 1.07]
    assert lst(run.train_loss.epochs) == list(range(10))
    assert any("restarts 2 time(s)" in n and "kept training 2 of 3" in n for n in run.notes)


def test_two_glued_records_are_not_split(tmp_path):
    # fewer than three records: left as one line (read as before), never split
    run = read(tmp_path, b"Epoch 1:   Training Loss=3.5Epoch 2:   Training Loss=2.5", name="training_loss.csv")
    assert len(run.train_loss) == 1


# gPathpp/air's train_loss.csv: pandas DataFrame.to_csv() of six columns named by a setting, the index unnamed.
PANDAS_NUMBERED = (",5,15,30,50,75,100\n" + "".join(
    f"{i}," + ",".join(f"{0.6931 - i * c / 1000:.6f}" for c in (5, 15, 30, 50, 75, 100)) + "\n" for i in range(6)
)).encode()


def _cli_error(runner, tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    res = runner.invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and p.name in lines[0] and "Traceback" not in res.output
    return lines[0]


def test_pandas_columns_named_by_numbers_refused_saying_why(runner, tmp_path):
    msg = _cli_error(runner, tmp_path, "train_loss.csv", PANDAS_NUMBERED)
    assert "named only by numbers (5, 15, 30, 50, 75, 100)" in msg


def test_one_value_csv_refused_saying_why(runner, tmp_path):
    msg = _cli_error(runner, tmp_path, "train_loss.csv", b"Train Loss\r\n150887.85\r\n")
    assert "single value (150887.85)" in msg


def test_losses_of_unrelated_names_stay_refused(runner, tmp_path):
    # YOUYUANZY/modelModify's train_loss.csv: four columns of different lengths, none named loss
    rows = ["arc_train_mf,face_train_mf,arc_train_m1,face_train_m1"]
    rows += [f"{1 - i / 10},{1 - i / 20},{1 - i / 30 if i < 4 else ''},{1 - i / 40 if i < 5 else ''}" for i in range(6)]
    msg = _cli_error(runner, tmp_path, "train_loss.csv", ("\n".join(rows) + "\n").encode())
    assert "not a training" in msg


def test_nan_kept_in_bracket_batch_lines(tmp_path):
    data = SAISTEGO.replace(b"Loss: 0.794000", b"Loss: nan")
    run = read(tmp_path, data)
    assert sum(1 for v in run.train_loss.values if math.isnan(v)) == 1
