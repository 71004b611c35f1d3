"""Console-log layouts the sixth (held-out) reading survey found misread or refused: a time of day on an epoch line
read as a series and values printed before their names; train and val lines told apart by a bracketed or dashed
prefix (``[Train]`` / ``[Diff-Val(Test-Normal)]``, Demucs' ``- Train |`` / ``- Valid Summary |``, ``[train]`` /
``[val]`` under a ``Total Epoch:300`` header); a bare ``total`` as the loss with ``Validation accuracy`` lines; and
``Episode N/M`` as a marker. Every sample below is written by hand in the layout the tool prints (other numbers,
fewer lines)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry
from tests.reading import fresh_registry, lst  # noqa: F401 (fresh_registry: an autouse fixture)
from tests.reading import read as read_one


def read(tmp_path: Path, data: str, name: str = "train.log") -> Run:
    return read_one(tmp_path, data.encode(), name)


# --- 1. A time of day is never a value; values printed before their names -------------------------------------------

# The layout of davijoocho/convolutional-neural-network's train.out (survey 6): one line per epoch,
# f"Epoch {epoch} @ {time} : {loss:.4f} C.E. Loss, {acc:.2f}% Accuracy", the time as '%I:%M %p'.
CLOCK = [("10:27 PM", 0.9816, 94.28), ("10:48 PM", 0.9731, 94.78), ("11:59 PM", 0.9723, 95.78),
         ("12:10 AM", 0.9643, 97.09), ("12:30 AM", 0.9605, 97.39)]


def _clock() -> str:
    return "".join(f"Epoch {e} @ {t} : {loss:.4f} C.E. Loss, {acc:.2f}% Accuracy\n"
                   for e, (t, loss, acc) in enumerate(CLOCK))


def test_time_of_day_is_no_series_and_value_before_name_is_read(tmp_path):
    run = read(tmp_path, _clock(), "train.out")
    assert set(run.series) == {"C.E._Loss", "Accuracy"}  # no "PM" / "AM" series holding the minutes
    assert run.train_loss.name == "C.E._Loss" and run.train_loss.axis == "epoch"
    assert lst(run.train_loss.values) == [c[1] for c in CLOCK] and lst(run.train_loss.epochs) == [0, 1, 2, 3, 4]
    acc = run.series["Accuracy"]
    assert acc.role == "train_metric" and acc.values[0] == pytest.approx(0.9428)  # percent, rescaled with a note
    assert any("percent" in n for n in run.notes)


def test_time_with_seconds_is_no_value(tmp_path):
    run = read(tmp_path, "".join(f"epoch {e} 22:{e:02d}:05 loss: {1 / (e + 1):.3f}\n" for e in range(4)))
    assert set(run.series) == {"loss"} and lst(run.train_loss.values) == [1.0, 0.5, 0.333, 0.25]


def test_values_before_names_need_a_loss(tmp_path):
    # "0.98 images, 3 workers": numbers before words that name no loss or metric are no values
    p = tmp_path / "notes.txt"
    p.write_text("".join(f"Epoch {e} : {e + 0.5} images, 3 workers\n" for e in range(4)))
    with pytest.raises(InputError, match="notes.txt"):
        registry.read_path(p, None)


def test_value_before_name_keeps_nan(tmp_path):
    run = read(tmp_path, _clock().replace("0.9723 C.E. Loss", "nan C.E. Loss"), "train.out")
    assert len(run.train_loss) == 5 and math.isnan(run.train_loss.values[2])


# --- 2. Train and val lines told apart by a bracketed or dashed prefix ----------------------------------------------

# The layout of 2021010740135/EDT_CODE's train.log (survey 6): Python logging, '%(asctime)s - %(levelname)s -
# %(message)s', with f"[Train] Epoch {epoch:03d}: loss = {loss:.6f}" and f"[Diff-Val(Test-Normal)] Epoch {epoch:03d}
# (Deterministic): loss = {val:.6f}", then a line on the best model (验证集损失: the validation loss again).
EDT = [(0.019304, 0.007187), (0.007488, 0.006093), (0.006011, 0.005521), (0.005102, 0.005630)]


def _edt() -> str:
    out = ["nohup: ignoring input", "2026-05-12 12:05:29,877 - INFO - " + "=" * 40]
    for e, (tr, va) in enumerate(EDT, start=1):
        out += [f"2026-05-12 12:{e + 10}:33,486 - INFO - [Train] Epoch {e:03d}: loss = {tr:.6f}",
                f"2026-05-12 12:{e + 10}:41,640 - INFO - [Diff-Val(Test-Normal)] Epoch {e:03d} (Deterministic): "
                f"loss = {va:.6f}"]
        if e < 3:
            out.append(f"2026-05-12 12:{e + 10}:41,717 - INFO - 🌟 发现当前最优扩散模型 (Epoch {e}) | 验证集损失: {va:.6f} "
                       f"| 已保存为: best_diffusion_epoch_{e:03d}_raw.pth")
    return "\n".join(out) + "\n"


def test_bracketed_val_prefix_names_the_val_loss(tmp_path):
    run = read(tmp_path, _edt())
    assert run.train_loss.name == "loss" and lst(run.train_loss.values) == [t for t, _ in EDT]
    assert run.val_loss.name == "Val_loss" and lst(run.val_loss.values) == [v for _, v in EDT]
    assert lst(run.val_loss.epochs) == [1, 2, 3, 4] and run.val_loss.axis == "epoch"


def test_bracketed_prefix_keeps_nan(tmp_path):
    run = read(tmp_path, _edt().replace("loss = 0.005630", "loss = nan"))
    assert len(run.val_loss) == 4 and math.isnan(run.val_loss.values[3])
    assert lst(run.train_loss.values) == [t for t, _ in EDT]


def test_bracket_naming_two_splits_names_none(tmp_path):
    # "[train/val]": a tag naming two splits says neither; the line stays the train loss's, as before
    run = read(tmp_path, "".join(f"[train/val] Epoch {e}: loss = {1 / e:.2f}\n" for e in range(1, 5)))
    assert run.train_loss.name == "loss" and run.val_loss is None


# The layout of Demucs' solver (facebookresearch/demucs, demucs/solver.py and utils.py's LogProgress, as copied by
# ApiaoSamaa/audio_sep, survey 6): logger.info(f"{name} | {' | '.join(infos)}") with name "Train | Epoch {epoch + 1}",
# infos f"{index}/{total}", f"{speed:.2f} it/sec" and f"{key.capitalize()} {value}"; then logger.info(
# f'Train Summary | Epoch {epoch + 1} | {_summary(formatted)}'), _summary = " | ".join(f"{key.capitalize()}={val}"),
# and the same for the validation ("Valid", "Valid Summary", with Best= and Bname=), after a "- " logging prefix.
DEMUCS_TRAIN = [[0.2343, 0.2158, 0.2019], [0.1825, 0.1795, 0.1751], [0.1620, 0.1601, 0.1588]]
DEMUCS_VALID = [0.2223, 0.2016, 0.1820]


def _demucs(nan_at: int | None = None) -> str:
    out = []
    best = math.inf
    for e, batches in enumerate(DEMUCS_TRAIN, start=1):
        out.append("- Training...")
        for i, v in enumerate(batches, start=1):
            loss = "nan" if nan_at == e and i == 2 else f"{v:.4f}"
            out.append(f"- Train | Epoch {e} | {i * 143}/430 | 1.46 it/sec | Loss {loss} | Reco {v - 0.003:.4f} "
                       f"| Grad 0.1086 | Penalty 272.319")
        out += [f"- Train Summary | Epoch {e} | Loss={batches[-1]:.4f} | Reco={batches[-1] - 0.003:.4f} | "
                f"Grad=0.0963 | Penalty=247.2265", "- " + "-" * 60, "- Cross validation..."]
        val = DEMUCS_VALID[e - 1]
        for _ in range(2):  # the validation of each model (main, ema_batch_0), two batches each
            out += [f"- Valid | Epoch {e} | 1/2 | 0.31 it/sec | Loss {val + 0.01:.4f} | Reco {val + 0.01:.4f} | "
                    f"Nsdr 3.922", f"- Valid | Epoch {e} | 2/2 | 0.37 it/sec | Loss {val + 0.02:.4f} | "
                    f"Reco {val + 0.02:.4f} | Nsdr 3.724"]
        best = min(best, val)
        out += [f"- Valid Summary | Epoch {e} | Loss={val:.4f} | Reco={val:.4f} | Nsdr=2.727 | Best={best:.4f} | "
                "Bname=ema_batch_0", f"- New best valid loss {best:.4f}", "- " + "-" * 60]
    return "\r\n".join(out) + "\r\n"  # CRLF, as the survey's copy


def test_demucs_train_and_valid_lines_are_not_mixed(tmp_path):
    run = read(tmp_path, _demucs(), "train_log.txt")
    loss = run.series["Loss"]  # the Train lines: per batch, the counter counted on across epochs
    assert loss.role == "train_loss" and loss.axis == "step" and len(loss) == 9
    assert lst(loss.values) == [v for b in DEMUCS_TRAIN for v in b]  # no Valid line among them
    assert lst(loss.steps)[:3] == [143, 286, 429] and lst(loss.steps)[3] > 429
    ep = run.series["Loss_epoch"]  # the Train Summary lines
    assert ep.role == "train_loss" and lst(ep.values) == [b[-1] for b in DEMUCS_TRAIN] and lst(ep.epochs) == [1, 2, 3]
    assert run.val_loss.name == "Valid_Loss" and lst(run.val_loss.values) == DEMUCS_VALID  # the Valid Summary's
    assert lst(run.val_loss.epochs) == [1, 2, 3] and run.val_loss.steps is None
    assert not any(n.lower().endswith("best") or "Bname" in n or "ema" in n for n in run.series)
    assert not any("resumed" in n or "restarts" in n for n in run.notes)


def test_demucs_nan_is_kept(tmp_path):
    run = read(tmp_path, _demucs(nan_at=2), "train_log.txt")
    loss = run.series["Loss"]
    assert len(loss) == 9 and math.isnan(loss.values[4]) and math.isfinite(loss.values[3])


# The layout of Alex8211101/UNetpp4HSI's train_log.txt (survey 6): a header
# f"Total Epoch:{epochs} Image_size:{size} Training num:{n_train}  Validation num:{n_val}", then per iteration
# f"[train] epoch:{epoch} iter:{i}/{n} {pct:.2f}% lr:{lr:.6f} loss:{loss:.6f} ETA:{eta:.1f}min" and per epoch
# f"[val] epoch:{epoch} miou:{miou:.2f}" and "[save] Best Model saved at epoch:{epoch} ...".
def _unetpp() -> str:
    out = ["Total Epoch:300 Image_size:(256, 256) Training num:288  Validation num:72"]
    for e in range(3):
        for i in (0, 9):
            out.append(f"[train] epoch:{e} iter:{i}/18 {i / 18 * 100:.2f}% lr:0.001000 loss:{1.3 - e * 0.2 - i / 100:.6f} "
                       f"ETA:{i / 10:.1f}min")
        out += ["/content/UNetpp4HSI/utils/metric.py:24: RuntimeWarning: invalid value encountered in true_divide",
                "  acc_cls = np.diag(self.hist) / self.hist.sum(axis=1)",
                f"[val] epoch:{e} miou:{0.2 + e * 0.2:.2f}",
                f"[save] Best Model saved at epoch:{e} ============================="]
    return "\n".join(out) + "\n"


def test_header_line_is_no_run_and_val_tag_names_the_metric(tmp_path):
    runs = registry.read_path(_write(tmp_path, _unetpp(), "train_log.txt"), None)
    assert len(runs) == 1  # "Total Epoch:300 ..." is a setting, not a training of its own
    run = runs[0]
    assert "Training_num" not in run.series and "Validation_num" not in run.series
    assert run.train_loss.name == "loss" and len(run.train_loss) == 6 and run.train_loss.axis == "step"
    miou = run.series["val_miou"]
    assert miou.role == "val_metric" and lst(miou.values) == [0.2, 0.4, 0.6] and lst(miou.epochs) == [0, 1, 2]


def _write(tmp_path: Path, text: str, name: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# --- 3. A bare "total" is the loss; a validation accuracy printed every epoch ----------------------------------------

# The layout of And1210/FER_SSL's train.out (survey 6): print('[epoch: %d/%d, iter: %d/%d] total: %f ' % ...) every 25
# iterations, then chatter, "Validation accuracy: %.3f", "Saving model at the end of epoch %d" and
# "End of epoch %d / %d \t Time Taken: %f sec".
def _fer(extra: str = "") -> str:
    out = []
    for e in (79, 80, 81):
        out += [f"[epoch: {e}/200, iter: {i}/448] total: {1.0 - (e - 79) / 10 + i / 10000:.6f}{extra} "
                for i in (0, 25, 50)]
        out += ["Max Confidence from Epoch [-1, -1, -1]", f"Validation accuracy: {0.585 + (e - 79) / 100:.3f}",
                f"Saving model at the end of epoch {e}", f"End of epoch {e} / 200 \t Time Taken: 215.3 sec",
                "learning rate = 0.0001000"]
    return "\n".join(out) + "\n"


def test_total_is_the_train_loss_and_validation_accuracy_a_val_metric(tmp_path):
    run = read(tmp_path, _fer(), "train.out")
    tl = run.train_loss
    assert tl is not None and tl.name == "total" and tl.axis == "step" and len(tl) == 9
    assert tl.values[0] == 1.0 and tl.values[-1] == pytest.approx(0.805)
    assert any("total" in n and "train loss" in n for n in run.notes)
    acc = run.series["val_accuracy"]
    assert acc.role == "val_metric" and lst(acc.values) == [0.585, 0.595, 0.605] and lst(acc.epochs) == [79, 80, 81]


def test_total_beside_a_loss_is_not_the_loss(tmp_path):
    run = read(tmp_path, _fer(extra=" loss: 0.5"), "train.out")
    assert run.train_loss.name == "loss" and run.series["total"].role != "train_loss"


# --- 4. "Episode N/M" marks a point -----------------------------------------------------------------------------------

# The layout of Ab-mahin/Multi-Agent-DQN-Coordination's train_log.txt (survey 6): each session starts with a banner
# "Training Session Started: {datetime}", then f"Episode {ep}/{n} | Deliveries: {d} | Collisions: {c} | Loss:
# {loss:.4f} | ε: {eps:.3f}" per episode, then a FINAL RESULTS block.
def _dqn() -> str:
    out = []
    for s, n in enumerate((2, 4)):
        out += ["", "=" * 60, f"Training Session Started: 2026-02-03 15:3{s}:53", "=" * 60, ""]
        out += [f"Episode {i}/{n} | Deliveries: {i * 3} | Collisions: 0 | Loss: {10 * (s + 1) + i:.4f} | ε: 0.000"
                for i in range(1, n + 1)]
        out += ["", "=" * 60, "FINAL RESULTS (Online DQN Learning)", "=" * 60, "Total Deliveries: 3",
                "Avg steps per delivery: 8.33", "Success Rate (collision-free): 100.0%"]
    return "\n".join(out) + "\n"


def test_episode_is_a_marker_and_a_new_session_a_restart(tmp_path):
    run = read(tmp_path, _dqn(), "train_log.txt")
    tl = run.train_loss
    assert tl.name == "Loss" and tl.axis == "step"
    assert lst(tl.values) == [21.0, 22.0, 23.0, 24.0] and lst(tl.steps) == [1, 2, 3, 4]  # the latest session
    assert any("restarts" in n for n in run.notes)


def test_banners_without_values_are_not_a_log(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "notes.log"
    p.write_text("Training Session Started: 2026-02-03 15:36:53\nEpisode 1/1 started\n- Training...\n"
                 "- Valid Summary | Epoch 1 | Bname=main\n")
    with pytest.raises(InputError, match="notes.log"):
        registry.read_path(p, None)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "notes.log" in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1
