"""Console-log layouts a held-out reading survey (survey 4) found misread or refused: train and val lines told apart
only by a leading split word, ``T_x`` / ``V_x`` columns on one line, and per-batch lines that carry an epoch and a
batch or iteration counter. Every sample below is written by hand in the layout the format string cited beside it
prints."""

from __future__ import annotations

import math
from pathlib import Path

from lossdoc.model import Run
from tests import reading
from tests.reading import fresh_registry, lst  # noqa: F401 (fresh_registry: an autouse fixture)
from tests.reading import read as read_one


def read(tmp_path: Path, data: bytes, name: str = "train.log") -> Run:
    return read_one(tmp_path, data, name)


# --------------------------------------------------------------------------------- 1. a leading split word

# A graph-autoencoder script's python logging ('%(asctime)s - %(levelname)s - %(name)s - %(message)s', datefmt
# '%m-%d %H:%M:%S'): logger.info(f"Epoch: {epoch}, Loss: {loss:.2f}"), then
# logger.info(f"Train. Total Loss: {total_loss:.2f}, Rec.: {total_loss_recon:.2f}, KL: {total_loss_kl:.2f}, AUC:
# {auc_score:.2%}, AP: {avg_precision:.2%}") and logger.info(f"Val. Total Loss: {val_metrics['loss']:.2f}, ...").
GAE = b"""09-02 20:38:43 - INFO - __main__ - Configuration:
09-02 20:38:45 - INFO - model - InnerProductDecoder()
09-02 20:39:12 - INFO - __main__ - Epoch: 0, Loss: 1.60
09-02 20:39:12 - INFO - __main__ - Train. Total Loss: 1.60, Rec.: 1.46, KL: 0.14, AUC: 50.42%, AP: 1.75%
09-02 20:39:12 - INFO - __main__ - Val. Total Loss: 1.79, Rec.: 1.55, KL: 0.24, AUC: 49.90%, AP: 50.55%
09-02 20:39:38 - INFO - __main__ - Epoch: 1, Loss: 1.53
09-02 20:39:38 - INFO - __main__ - Train. Total Loss: 1.53, Rec.: 1.43, KL: 0.10, AUC: 50.61%, AP: 1.83%
09-02 20:39:38 - INFO - __main__ - Val. Total Loss: 1.77, Rec.: 1.52, KL: 0.25, AUC: 50.37%, AP: 51.00%
09-02 20:40:04 - INFO - __main__ - Epoch: 2, Loss: nan
09-02 20:40:04 - INFO - __main__ - Train. Total Loss: nan, Rec.: nan, KL: nan, AUC: 50.04%, AP: 1.78%
09-02 20:40:04 - INFO - __main__ - Val. Total Loss: nan, Rec.: nan, KL: nan, AUC: 100.00%, AP: 100.00%
"""


def test_train_dot_and_val_dot_lines_are_the_train_and_val_loss(tmp_path):
    run = read(tmp_path, GAE)
    assert run.format == "text"
    assert run.train_loss.name == "train_Total_Loss" and run.val_loss.name == "val_Total_Loss"
    assert run.val_loss.values.tolist()[:2] == [1.79, 1.77] and math.isnan(run.val_loss.values[2])  # NaN is data
    assert run.train_loss.values.tolist()[:2] == [1.60, 1.53] and math.isnan(run.train_loss.values[2])
    assert lst(run.val_loss.epochs) == [0, 1, 2] and run.val_loss.axis == "epoch"
    assert run.series["val_AUC"].role == "val_metric" and run.series["train_AUC"].role == "train_metric"
    assert "__main__" not in " ".join(run.series)  # the logger's name is prefix, not a series
    assert any("train_Total_Loss" in n and "split word" in n for n in run.notes)


# GiveMeTheReason/gesture-navigation train.py: log_file.write(f'{time} [Epoch: {epoch+1:02}] Train acc: {accuracy:.4f} |
# loss: {loss:.4f}\n') every epoch and f'{time} [Epoch: {epoch+1:02}] Valid acc: {accuracy:.4f} | loss: {loss:.4f}\n'
# every few epochs (here every 2).
GESTURE = b"""17:43:32 | Training for 4 epochs started!
Train set length: 1960
17:46:38 [Epoch: 01] Train acc: 0.0821 | loss: 2.6612
17:50:04 [Epoch: 02] Train acc: 0.1398 | loss: 2.4842
17:51:35 [Epoch: 02] Valid acc: 0.2988 | loss: 2.0462
17:53:48 [Epoch: 03] Train acc: 0.1719 | loss: 2.3844
17:57:22 [Epoch: 04] Train acc: 0.2117 | loss: 2.2900
17:58:41 [Epoch: 04] Valid acc: 0.3881 | loss: 1.8049
"""


def test_valid_line_loss_is_the_val_loss_at_its_own_epochs(tmp_path):
    run = read(tmp_path, GESTURE)
    assert run.train_loss.name == "loss" and run.train_loss.values.tolist() == [2.6612, 2.4842, 2.3844, 2.2900]
    assert run.val_loss.name == "Valid_loss" and run.val_loss.values.tolist() == [2.0462, 1.8049]
    assert lst(run.val_loss.epochs) == [2, 4]
    assert run.series["Valid_acc"].role == "val_metric" and run.series["Train_acc"].role == "train_metric"


# A classifier's train.py: print(f"\nEpoch {epoch}/{epochs} (lr={lr:.5f})"), print(f"  Batch {i}/{len(loader)}, Loss:
# {loss.item():.4f}") every 50 batches, then print(f"  Train Loss: {tl:.4f}, ACC: {ta:.4f}, AUC: {tauc:.4f}") and
# print(f"  Val   Loss: {vl:.4f}, ACC: {va:.4f}, AUC: {vauc:.4f}"); sklearn's UndefinedMetricWarning (warnings'
# "file:line: Category: message" and the source line) printed in between.
WARN = (b"D:\\envs\\x\\lib\\site-packages\\sklearn\\metrics\\_ranking.py:424: UndefinedMetricWarning: Only one class is "
        b"present in y_true. ROC AUC score is not defined in that case.\n  warnings.warn(\n")
BATCHES = (b"Using device: cuda\nTrain samples: 4708, Val samples: 524\n\nEpoch 1/2 (lr=0.01000)\n"
           b"  Batch 0/120, Loss: 0.6176\n  Batch 50/120, Loss: 0.3012\n  Batch 100/120, Loss: 0.2050\n" + WARN + WARN
           + b"  Train Loss: 0.3056, ACC: 0.9000, AUC: nan\n  Val   Loss: 0.2500, ACC: 0.9100, AUC: nan\n"
           b"  Best model saved (ACC=0.9100)\n\nEpoch 2/2 (lr=0.01000)\n"
           b"  Batch 0/120, Loss: 0.1900\n  Batch 50/120, Loss: 0.1500\n  Batch 100/120, Loss: 0.1200\n" + WARN
           + b"  Train Loss: 0.1456, ACC: 0.9500, AUC: 0.9700\n  Val   Loss: 0.2000, ACC: 0.9300, AUC: 0.9600\n\n"
           b"Training complete. Best val ACC: 0.9300\n")


def test_epoch_header_batch_lines_then_train_and_val_lines(tmp_path):
    run = read(tmp_path, BATCHES)
    assert run.train_loss.name == "train_Loss" and run.train_loss.values.tolist() == [0.3056, 0.1456]
    assert lst(run.train_loss.epochs) == [1, 2] and run.train_loss.axis == "epoch"
    assert run.val_loss.name == "val_Loss" and run.val_loss.values.tolist() == [0.25, 0.2]
    fine = run.train_loss_fine  # the batch lines: the finer train curve, on the step axis
    assert fine.name == "Loss" and fine.axis == "step" and len(fine) == 6
    assert fine.values[0] == 0.6176 and fine.values[-1] == 0.12 and lst(fine.epochs) == [1, 1, 1, 2, 2, 2]
    assert math.isnan(run.series["train_AUC"].values[0])  # NaN is data


def test_train_and_val_lines_right_after_the_batch_lines(tmp_path):
    run = read(tmp_path, BATCHES.replace(WARN, b""))  # no warning between them: the same reading
    assert run.train_loss.name == "train_Loss" and run.train_loss.axis == "epoch" and len(run.train_loss) == 2
    assert run.val_loss.values.tolist() == [0.25, 0.2] and len(run.train_loss_fine) == 6


def test_a_train_line_without_its_val_line_is_not_a_pair(tmp_path):
    # No "Val" line after it: the "Train Loss" line is not read as one of a pair (nothing changes for such logs).
    data = BATCHES.replace(b"  Val   Loss: 0.2500, ACC: 0.9100, AUC: nan\n", b"").replace(
        b"  Val   Loss: 0.2000, ACC: 0.9300, AUC: 0.9600\n", b"")
    run = read(tmp_path, data)
    assert "train_Loss" not in run.series and run.val_loss is None
    assert run.train_loss.name == "Loss" and len(run.train_loss) == 6


def test_split_word_lines_without_any_marker_are_not_a_log(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "notes.log"
    p.write_bytes(b"Results\n  Train Loss: 0.3056, ACC: 0.9000\n  Val   Loss: 0.2500, ACC: 0.9100\n")
    reading.assert_one_line_error(runner, app, p)


# --------------------------------------------------------------------------------- 2. T_x / V_x on one line

# DaeZZang/OHG's training loop: log_str = 'Epoch: {:3} | T_Loss {:5} | T_acc {:5} | V_Loss {:5} | V_acc. {:5} | 🕒
# {:5}'.format(last(iter_log), train_loss, train_acc, val_loss, val_acc, time_spent), the values round(x, 3).
TV = """Epoch:   1 | T_Loss 11.061 | T_acc 0.111 | V_Loss 10.52 | V_acc. 0.125 | 🕒 7722.59
Epoch:   2 | T_Loss 9.706 | T_acc 0.167 | V_Loss   nan | V_acc.   nan | 🕒 6745.61
Epoch:   3 | T_Loss 8.201 | T_acc 0.233 | V_Loss 8.9 | V_acc. 0.2 | 🕒 6701.02
""".encode()


def test_t_and_v_columns_of_one_name_are_train_and_val(tmp_path):
    run = read(tmp_path, TV)
    assert run.train_loss.name == "T_Loss" and run.train_loss.values.tolist() == [11.061, 9.706, 8.201]
    assert run.val_loss.name == "V_Loss" and run.val_loss.values[0] == 10.52 and run.val_loss.values[2] == 8.9
    assert math.isnan(run.val_loss.values[1])  # NaN is data
    assert run.series["T_acc"].role == "train_metric" and run.series["V_acc."].role == "val_metric"
    assert lst(run.val_loss.epochs) == [1, 2, 3] and run.val_loss.axis == "epoch"
    assert not any(s.derived for s in run.series.values())  # T_Loss and V_Loss are never summed
    assert any("T_ and V_" in n for n in run.notes)


def test_a_v_prefix_alone_says_no_split(tmp_path):
    # V_ without a T_ of the same name (a voltage, a velocity...): no split is read from it, as before.
    run = read(tmp_path, b"Epoch: 1 | loss 0.9 | V_in 3.3\nEpoch: 2 | loss 0.8 | V_in 3.2\nEpoch: 3 | loss 0.7 | V_in 3.1\n")
    assert run.train_loss.name == "loss" and run.val_loss is None
    assert run.series["V_in"].role not in ("val_metric", "val_loss")
    assert not any("T_ and V_" in n for n in run.notes)


# --------------------------------------------------------------------------------- 3. per-batch / per-iteration lines


def _bert_run(epochs: int, batches: int, seed: float) -> list[str]:
    # A BERT fine-tuning script's logging ('%(asctime)s - %(name)s - %(levelname)s - %(message)s'):
    # logger.info(f"Epoch {epoch + 1}, Batch {batch_idx}, Loss: {loss.item():.4f}") every 100 batches, then
    # logger.info(f"Epoch {epoch + 1} - Validation Accuracy: {acc:.4f}, F1: {f1:.4f}") and a Chinese line.
    out = ["2025-05-17 13:49:26 - MedicalClassifier - INFO - 开始训练流程"]
    for e in range(1, epochs + 1):
        for b in range(batches):
            out.append(f"2025-05-17 13:50:48 - MedicalClassifier - INFO - Epoch {e}, Batch {b * 100}, "
                       f"Loss: {seed / (e * (b + 1)):.4f}")
        out.append(f"2025-05-17 13:55:31 - MedicalClassifier - INFO - Epoch {e} - Validation Accuracy: "
                   f"{0.7 + e / 100:.4f}, F1: {0.69 + e / 100:.4f}")
        out.append(f"2025-05-17 13:55:32 - MedicalClassifier - INFO - 保存最佳模型，F1分数: {0.69 + e / 100:.4f}")
    return out


def test_epoch_batch_lines_of_appended_runs_are_per_batch_points_of_the_latest(tmp_path):
    lines = _bert_run(3, 4, 2.0) + _bert_run(1, 2, 9.0)[:3] + _bert_run(3, 4, 3.0)  # the second run aborted
    run = read(tmp_path, ("\n".join(lines) + "\n").encode())
    loss = run.train_loss
    assert loss.name == "Loss" and loss.axis == "step" and len(loss) == 12  # the latest run: 3 epochs x 4 lines
    assert loss.values[0] == 3.0 and loss.values[-1] == 0.25
    assert lst(loss.steps) == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100]  # counted on
    assert lst(loss.epochs) == [1] * 4 + [2] * 4 + [3] * 4
    assert run.series["Validation_F1"].role == "val_metric"  # the split word leads the line's values
    assert run.series["Validation_Accuracy"].values.tolist() == [0.71, 0.72, 0.73]
    assert any("3 trainings appended" in n for n in run.notes)


def test_epoch_batch_lines_of_one_run_unchanged(tmp_path):
    run = read(tmp_path, ("\n".join(_bert_run(2, 3, 2.0)) + "\n").encode())
    assert len(run.train_loss) == 6 and lst(run.train_loss.steps) == [0, 100, 200, 300, 400, 500]
    assert not any("trainings appended" in n for n in run.notes)


# reid-strong-baseline (engine/trainer.py): logger.info("Epoch[{}] Iteration[{}/{}] Loss: {:.3f}, Acc: {:.3f}, Base Lr:
# {:.2e}".format(engine.state.epoch, ITER, len(train_loader), ...)) every log_period iterations, after its logging
# prefix ("%(asctime)s %(name)s %(levelname)s: %(message)s") and a YAML config dump.
REID_HEAD = "".join(f"  KEY_{i}: {i}\n" for i in range(60)) + "  MAX_EPOCHS: 120\n  STEPS: [40, 70]\n"
REID_LINE = ("2024-01-05 17:11:51,638 reid_baseline.train INFO: Epoch[{e}] Iteration[{i}/436] Loss: {loss:.3f}, "
             "Acc: {acc:.3f}, Base Lr: 3.82e-05\n")


def test_reid_lines_cut_off_after_two_iterations_are_read(tmp_path):
    data = ("2024-01-05 17:11:10,001 reid_baseline INFO: Running with config:\nMODEL:\n" + REID_HEAD
            + "2024-01-05 17:11:12,020 reid_baseline.train INFO: Start training\n"
            + REID_LINE.format(e=1, i=50, loss=148.527, acc=0.012) + REID_LINE.format(e=1, i=100, loss=146.898, acc=0.034))
    run = read(tmp_path, data.encode())
    assert run.format == "text"
    assert run.train_loss.name == "Loss" and run.train_loss.values.tolist() == [148.527, 146.898]
    assert run.train_loss.axis == "step" and lst(run.train_loss.steps) == [50, 100] and lst(run.train_loss.epochs) == [1, 1]
    assert run.series["Acc"].role == "train_metric" and run.series["Base_Lr"].role == "lr"


def test_reid_iterations_count_on_across_epochs(tmp_path):
    data = "".join(REID_LINE.format(e=e, i=i, loss=10 / (e + i / 100), acc=0.1 * e) for e in (1, 2) for i in (50, 100, 150))
    run = read(tmp_path, data.encode())
    assert len(run.train_loss) == 6 and lst(run.train_loss.steps) == [50, 100, 150, 200, 250, 300]


def test_one_reid_line_in_prose_is_not_a_log(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "notes.txt"
    p.write_text("Notes about the run.\n" + REID_HEAD + "We saw Epoch[1] Iteration[50/436] Loss: 148.527 once.\n")
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "notes.txt" in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1
