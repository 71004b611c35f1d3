"""Layouts that reading survey 15 found misread or refused (readers/text.py, readers/jsonlogs.py).

Each sample is written here in the layout its script prints (values made up), the script's print quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import assert_one_line_error, read, read_all  # noqa: F401

runner = CliRunner()


# ------------------------------------------------------------------ a tqdm epoch bar running into the epoch's line
# for epoch in tqdm(range(100)): ...; print(f"Epoch {epoch+1}, Training loss: {tl:.4f}, Validation loss: {vl:.4f},
# Validation Accuracy: {acc:.4f}"): tqdm redraws with "\r" and no line end, so the print follows the bar's "]".

def _bar_then_line(n: int, nan_at: int | None = None) -> str:
    out = ["-----bigining training-----", "Namespace(epochs=100, learning_rate=0.001, seed=42)", "device: cuda:0"]
    row = ""
    for e in range(n):
        rate = "?it/s" if e == 0 else f"{1800 + e:.2f}s/it"
        tl = math.nan if e == nan_at else 4.0 - e / 10
        row += (f"\r{e:3d}%|          | {e}/100 [00:{e:02d}<51:54:28, {rate}]Epoch {e + 1}, Training loss: "
                f"{tl:.4f}, Validation loss: {3.0 - e / 20:.4f}, Validation Accuracy: {0.3 + e / 100:.4f}\n")
    return "\n".join(out) + "\n" + row


def test_a_line_printed_after_a_tqdm_bar_is_read(tmp_path):
    run = read(tmp_path, _bar_then_line(6, nan_at=3), "train.txt")
    assert run.train_loss.name == "Training_loss" and run.val_loss.name == "Validation_loss"
    assert run.train_loss.axis == "epoch" and [float(x) for x in run.train_loss.epochs] == [1, 2, 3, 4, 5, 6]
    assert run.train_loss.values[0] == pytest.approx(4.0) and run.train_loss.nonfinite == 1
    assert run.val_loss.values[-1] == pytest.approx(2.75)
    assert run.series["Validation_Accuracy"].role == "val_metric"


def test_a_bar_alone_still_reads_no_line(tmp_path):
    data = "".join(f"\r{e:3d}%|          | {e}/100 [00:{e:02d}<51:54:28, 1.5s/it]" for e in range(5)) + "\n"
    p = tmp_path / "x.txt"
    p.write_text(data)
    assert_one_line_error(runner, app, p)


# ------------------------------------------------------------------ JSON lines after argparse dumps
# DETR/TransVG main.py: print(args) at start (to stdout, redirected into output_dir/log.txt), then per epoch
# f.write(json.dumps(log_stats) + "\n") with log_stats = {**{f'train_{k}': v ...}, **{f'validation_{k}': v ...},
# 'epoch': epoch, 'n_parameters': n_parameters}.

def _ns() -> str:
    return "Namespace(aug_blur=False, backbone='resnet50', batch_size=1, lr=0.0001, output_dir='./outputs')"


def _rec(e: int, loss: float) -> str:
    return json.dumps({"train_lr": 1e-4, "train_loss": loss, "train_loss_bbox": loss / 2,
                       "validation_miou": 0.6 + e / 100, "epoch": e, "n_parameters": 150000000})


def test_json_lines_after_namespace_dumps(tmp_path):
    lines = [_ns()] * 3 + [_rec(0, 3.0), _rec(1, 2.5), _ns(), _rec(0, 3.1), _rec(1, 2.6), _rec(2, 2.2)]
    run = read(tmp_path, "\n".join(lines) + "\n", "log.txt")
    assert run.format == "jsonl"
    assert run.train_loss.name == "train_loss" and run.train_loss.axis == "epoch"
    assert len(run.train_loss) == 3 and run.train_loss.values[-1] == pytest.approx(2.2)
    assert run.series["validation_miou"].role == "val_metric"
    assert any("Namespace" in n for n in run.notes)


def test_namespace_dumps_alone_are_refused(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("\n".join([_ns()] * 4) + "\n")
    assert_one_line_error(runner, app, p)


# ------------------------------------------------------------------ "EP<n>," glued epoch word
# LwbXc/DPBL: print(f"Load file: {args.load}, EP{epoch}, avg_loss={loss:.4f}") per epoch, runs appended.

def test_ep_glued_to_its_number_is_the_epoch(tmp_path):
    rows = [f"Load file: None, EP{e}, avg_loss={0.01 + e / 1000:.4f}" for e in range(2)]
    rows += [f"Load file: None, EP{e}, avg_loss={0.02 + e / 1000:.4f}" for e in range(5)]
    rows[4] = "Load file: None, EP2, avg_loss=nan"
    run = read(tmp_path, "\n".join(rows) + "\n", "train.txt")
    assert run.train_loss.name == "avg_loss" and run.train_loss.axis == "epoch"
    assert [float(x) for x in run.train_loss.epochs] == [0, 1, 2, 3, 4]
    assert run.train_loss.values[0] == pytest.approx(0.02) and run.train_loss.nonfinite == 1


def test_a_file_name_with_ep_glued_is_no_marker(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("\n".join(f"saved model_ep{e}, size=12" for e in range(4)) + "\n")
    assert_one_line_error(runner, app, p)


# ------------------------------------------------------------------ "Train: [ e/E] Step s/S Loss x"
# bhsimon0810/named-entity-recognition: logger format '%(asctime)s %(message)s', logger.info("Train: [{:2d}/{}] Step
# {:03d}/{} Loss {:.3f}".format(epoch, epochs, step, steps, loss)) every 50 steps (the step restarts each epoch), then
# "Train: [{:2d}/{}] Final Loss {:.3f}" and the "Valid: [..] Final Accuracy ..." lines.

def test_bracketed_epoch_of_before_a_restarting_step_counts_the_steps_on(tmp_path):
    out = []
    for e in range(1, 4):
        for st in (0, 50, 100):
            loss = 9.0 - e - st / 100
            out.append(f"2021-12-19 01:3{e}:04,540 Train: [{e:2d}/3] Step {st:03d}/100 Loss {loss:.3f}")
        out.append(f"2021-12-19 01:3{e}:56,514 Train: [{e:2d}/3] Final Loss {9.0 - e:.3f}")
        out.append(f"2021-12-19 01:3{e}:58,796 Valid: [{e:2d}/3] Final Accuracy 0.326 Recall 0.063 F1 0.106")
    run = read(tmp_path, "\n".join(out) + "\n", "log.txt")
    assert run.train_loss.name == "Loss" and len(run.train_loss) == 9
    assert run.train_loss.values[0] == pytest.approx(8.0) and run.train_loss.values[-1] == pytest.approx(5.0)
    steps = [float(x) for x in run.train_loss.steps]
    assert steps == sorted(steps) and len(set(steps)) == 9
    assert not any("restarts" in n for n in run.notes)


# ------------------------------------------------------------------ a Lightning bar refreshed in place
# PyTorch Lightning's TQDMProgressBar: desc f"Epoch {epoch}", tqdm's "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<
# {remaining}, {rate_fmt}{postfix}]" with the logged metrics (prog_bar=True) as the postfix, redrawn with "\r".

def _lightning(counts: list[int], total: int = 400) -> str:
    out = ""
    for n in counts:
        out += (f"\rEpoch 0:  {100 * n // total:2d}%|▏         | {n}/{total} [01:34<2:04:36,  1.89s/it, v_num=29, "
                f"train_intent_loss_step=1.530, train_total_loss={15.0 - n / 50:.2f}]")
    return "Sanity Checking: 0it [00:00, ?it/s]\n" + out + "\n"


def test_a_lightning_bar_refreshed_in_place_gives_a_point_per_refresh(tmp_path):
    run = read(tmp_path, _lightning([50, 50, 100, 150, 200]), "train.out")
    assert run.train_loss.name == "train_total_loss" and run.train_loss.axis == "step"
    assert [float(x) for x in run.train_loss.steps] == [50, 100, 150, 200]
    assert run.train_loss.values[0] == pytest.approx(14.0) and run.train_loss.values[-1] == pytest.approx(11.0)


def test_completed_bars_one_per_epoch_stay_epoch_points(tmp_path):
    rows = [f"Epoch {e}: 100%|██████████| 28/28 [00:31<00:00,  1.13s/it, loss={2.0 - e / 10:.3f}, FID=-]"
            for e in range(4)]
    run = read(tmp_path, "\n".join(rows) + "\n", "log.txt")
    assert run.train_loss.axis == "epoch" and len(run.train_loss) == 4
    assert run.train_loss.values[-1] == pytest.approx(1.7)


# ------------------------------------------------------------------ a CSV of each split's total and parts
# AmirrrezaZ/dish2calories-style history: pd.DataFrame(history).to_csv("logs/losses.csv", index=False) with columns
# epoch, train_total, val_total, train_cls, val_cls, train_mass, val_mass.

def _totals_csv(cols: str = "epoch,train_total,val_total,train_cls,val_cls") -> str:
    rows = [cols] + [f"{e},{11.4 - e},{4.1 - e / 2},{10.7 - e},{8.7 - e / 3}" for e in range(1, 5)]
    return "\n".join(rows) + "\n"


def test_split_totals_are_the_split_losses(tmp_path):
    run = read(tmp_path, _totals_csv(), "losses.csv")
    assert run.train_loss.name == "train_total" and run.val_loss.name == "val_total"
    assert run.train_loss.axis == "epoch" and len(run.train_loss) == 4
    assert run.train_loss.values[0] == pytest.approx(10.4) and run.val_loss.values[-1] == pytest.approx(2.1)
    assert run.series["train_cls"].role == "train_metric"


def test_split_totals_beside_a_loss_column_stay_metrics(tmp_path):
    run = read(tmp_path, _totals_csv("epoch,train_total,val_total,train_loss,val_cls"), "losses.csv")
    assert run.train_loss.name == "train_loss" and run.series["train_total"].role != "train_loss"


# ------------------------------------------------------------------ a GAN's D and G named by their letter only
# tqdm(desc=f"Epoch {epoch}").set_postfix(D=f"{d:.3f}", G=f"{g:.3f}", FID="-"), one completed bar per epoch.

def test_d_and_g_beside_each_other_are_the_gan_losses(tmp_path):
    rows = [f"Epoch {e}: 100%|██████████| 28/28 [00:31<00:00,  1.13s/it, D={2.3 - e / 10:.3f}, G={0.01 + e / 100:.3f}, "
            "FID=-]" for e in range(5)]
    run = read(tmp_path, "\n".join(rows) + "\n", "log.txt")
    assert run.train_loss.name == "G" and run.series["D"].role == "train_loss"
    assert run.train_loss.axis == "epoch" and len(run.train_loss) == 5
    assert run.series["D"].values[-1] == pytest.approx(1.9)
    assert any("GAN" in n for n in run.notes)


def test_l_d_psnr_is_no_gan(tmp_path):
    # a learned-compression loop: "[ep 0 step 20] L=0.1200  D=0.1129  PSNR= 9.47  R=0.5510 bpp": D the distortion
    rows = [f"[ep 0 step {20 * i:5d}] L={0.3 - i / 100:.4f}  D={0.29 - i / 100:.4f}  PSNR= 9.47  R=0.5510 bpp"
            for i in range(5)]
    run = read(tmp_path, "\n".join(rows) + "\n", "train.out")
    assert run.series["D"].role != "train_loss"


# ------------------------------------------------------------------ a split's loss estimated on a share of it
# A Transformer loop's logger.info(f"[Step {step:>7}/{total}] Train {tr:.4f} | Val~20% {va:.4f}"): the val loss on a
# 20% sample of the validation set, every 500 steps.

def _share_lines(n: int, word: str = "Val") -> str:
    rows = ["[07:55:57] [INFO] logger ready", "[08:01:49] [INFO] ========[ TRAINING START ]========"]
    rows += [f"[08:{i:02d}:18] [INFO] [Step {500 * i:>7}/120000] Train {8.5 - i / 100:.4f} | {word}~20% "
             f"{8.4 - i / 50:.4f}" for i in range(1, n + 1)]
    return "\n".join(rows) + "\n"


def test_a_split_loss_on_a_share_of_the_split_is_that_split_loss(tmp_path):
    run = read(tmp_path, _share_lines(6), "train.log")
    assert run.train_loss.name == "Train" and run.val_loss.name == "Val~20%"
    assert run.val_loss.axis == "step" and [float(x) for x in run.val_loss.steps] == [500, 1000, 1500, 2000, 2500, 3000]
    assert run.val_loss.values[0] == pytest.approx(8.38) and run.val_loss.values[-1] == pytest.approx(8.28)
    assert any("20%" in n and "val" in n for n in run.notes)
    other = read(tmp_path, _share_lines(6, word="Tok"), "other.log")  # a word that names no split: no loss
    assert other.val_loss is None and other.train_loss.name == "Train"


# ------------------------------------------------------------------ "Evaluation:" then a line like the train lines
# dennybritz/cnn-text-classification-tf's train.py: train_step prints "{}: step {}, loss {:g}, acc {:g}" (time_str =
# datetime.now().isoformat()) every step; every evaluate_every steps print("\nEvaluation:"), then dev_step prints the
# dev set's line in the same format at the same step, then print(""). A fork sends it through logging, runs appended.

def _text_cnn(runs: int, steps: int, every: int, prefix: str = "") -> str:
    out = []
    for r in range(runs):
        out += [f"{prefix}", "Parameters:", f"{prefix}BATCH_SIZE=64", f"{prefix}EVALUATE_EVERY={every}"]
        for st in range(1, steps + 1):
            out.append(f"{prefix}2018-03-0{r + 1}T10:00:{st % 60:02d}.123456: step {st}, loss {2.0 / st + r:g}, "
                       f"acc {0.5 + st / (4 * steps):g}")
            if st % every == 0:
                out += [f"{prefix}", "Evaluation:",
                        f"{prefix}2018-03-0{r + 1}T10:01:{st % 60:02d}.654321: step {st}, loss {3.0 / st + r:g}, "
                        f"acc {0.45 + st / (5 * steps):g}", f"{prefix}", f"{prefix}Saved model checkpoint to runs/1/"
                        f"checkpoints/model-{st}", ""]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("prefix", ["", "2018-03-01 10:00:00,001: INFO: "])
def test_the_line_after_evaluation_is_the_dev_evaluation(tmp_path, prefix):
    run = read(tmp_path, _text_cnn(3, 40, 10, prefix), "train_log.log")
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert len(run.train_loss) == 40 and run.train_loss.values[9] == pytest.approx(2.0 / 10 + 2)  # the last run's
    assert [float(x) for x in run.val_loss.steps] == [10, 20, 30, 40]
    assert run.val_loss.values[0] == pytest.approx(3.0 / 10 + 2)
    assert run.series["val_acc"].role == "val_metric"
    assert any("Evaluation:" in n for n in run.notes)


def test_a_lone_split_heading_before_other_names_names_nothing(tmp_path):
    rows = [f"step {s}, loss {1.0 / s:g}" for s in range(1, 6)] + ["Evaluation:", "step 5, accuracy 0.8"]
    rows += [f"step {s}, loss {1.0 / s:g}" for s in range(6, 9)] + ["Evaluation:", "step 8, loss 0.3"]
    run = read(tmp_path, "\n".join(rows) + "\n", "log.txt")
    assert "val_accuracy" not in run.series and run.val_loss.name == "val_loss" and len(run.val_loss) == 1
    assert run.train_loss.values[4] == pytest.approx(0.2) and run.train_loss.values[-1] == pytest.approx(0.125)


# ------------------------------------------------------------------ a learned codec's rate-distortion loss
# A learned image-compression loop: print(f"[ep {ep} step {step:5d} t={t:7.0f}s vram={mb:5d}MB] L={loss:.4f}  D={d:.4f}
# PSNR={psnr:5.2f}  R={bpp:.4f} bpp") every 20 steps (L = D + lambda * R), "saved checkpoints/base.pt (...)" per epoch.

def test_l_beside_the_codec_d_and_r_is_the_train_loss(tmp_path):
    rows = []
    for i in range(12):
        ep, step = i // 4, 20 * i
        rows.append(f"[ep {ep} step {step:5d} t={40 * i + 5:7d}s vram= 5812MB] L={0.35 - i / 100:.4f}  "
                    f"D={0.33 - i / 100:.4f}  PSNR={5.1 + i / 10:5.2f}  R={0.61 - i / 50:.4f} bpp")
        if i % 4 == 3:
            rows.append(f"saved checkpoints/base.pt (epoch {ep}, step {step + 16})")
    run = read(tmp_path, "\n".join(rows) + "\n", "train.out")
    assert run.train_loss.name == "L" and run.train_loss.axis == "step" and len(run.train_loss) == 12
    assert run.train_loss.values[-1] == pytest.approx(0.24) and float(run.train_loss.steps[-1]) == 220
    assert run.series["D"].role != "train_loss" and run.series["R"].role != "train_loss"
    assert any("rate-distortion" in n for n in run.notes)
    # a lone "L=" with no codec's D and R beside it is no loss
    lone = read(tmp_path, "\n".join(f"[ep 0 step {20 * i}] L={0.3 - i / 100:.4f}  acc={0.5 + i / 100:.2f}"
                                     for i in range(5)) + "\n", "other.out")
    assert lone.train_loss is None


# ------------------------------------------------------------------ the best test loss, printed only when it improved
# xiongzihua/pytorch-YOLO-v1's train.py: print('\n\nStarting epoch %d / %d' % ...), print('Learning Rate for this
# epoch: {}'.format(lr)), every 5 iterations print('Epoch [%d/%d], Iter [%d/%d] Loss: %.4f, average_loss: %.4f' % ...),
# then after validating: if best_test_loss > validation_loss: ... print('get best test loss %.5f' % best_test_loss).

def test_the_best_test_loss_so_far_is_a_metric_not_the_val_curve(tmp_path):
    out = ["loading annotations", "the batch_size is 8"]
    best, tests = math.inf, [2.9, 2.1, 2.3, 1.7, 1.9, 2.0]
    for e in range(1, 7):
        out += ["", "", f"Starting epoch {e} / 6", "Learning Rate for this epoch: 0.001"]
        out += [f"Epoch [{e}/6], Iter [{i}/15] Loss: {6.0 / (e + i / 15):.4f}, average_loss: {7.0 / e:.4f}"
                for i in (5, 10, 15)]
        if tests[e - 1] < best:
            best = tests[e - 1]
            out.append(f"get best test loss {best:.5f}")
    run = read(tmp_path, "\n".join(out) + "\n", "train_log.txt")
    assert run.train_loss.name == "Loss" and len(run.train_loss) == 18 and run.val_loss is None
    s = run.series["best_test_loss"]
    assert s.kind == "metric" and not s.higher_is_better and s.axis == "epoch"
    assert [float(x) for x in s.epochs] == [1, 2, 4] and s.values[-1] == pytest.approx(1.7)
    assert any("best_test_loss" in n and "last at epoch 4" in n and "last epoch 6" in n for n in run.notes)


# ------------------------------------------------------------------ a DETR log.txt of --eval records only
# DETR / Deformable-DETR / DINO main.py with --eval: log_stats = {**{f'test_{k}': v for k, v in test_stats.items()}},
# appended to output_dir/log.txt (test_stats: the evaluation's losses, class_error, coco_eval_bbox), one per run.

def _eval_rec(i: int, train: bool = False) -> str:
    rec = {"test_class_error": 9.5 - i / 10, "test_loss": 7.2 - i / 20, "test_loss_ce": 0.25, "test_loss_bbox": 0.21,
           "test_coco_eval_bbox": [0.41 + i / 100, 0.6, 0.45, 0.2, 0.45, 0.55, 0.33, 0.5, 0.52, 0.3, 0.56, 0.7]}
    if train:
        rec = {"train_lr": 1e-4, "train_loss": 9.0 - i / 5, **rec, "epoch": i, "n_parameters": 47000000}
    return json.dumps(rec)


def test_detr_eval_only_records_are_refused(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("\n".join(_eval_rec(i) for i in (0, 0, 3, 5, 2)) + "\n")
    assert_one_line_error(runner, app, p)
    r = runner.invoke(app, ["inspect", str(p)])
    assert "evaluation-only" in r.stderr, r.stderr
    # a training's records (train_*, test_*, epoch) read as before
    run = read(tmp_path, "\n".join(_eval_rec(i, train=True) for i in range(4)) + "\n", "train_log.txt")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "test_loss" and len(run.val_loss) == 4


# ------------------------------------------------------------------ np.savetxt of a few settings
# A GAN script's np.savetxt(save_dir + "log.txt", np.array([latent_dim, noise_dim, n_points])) (fmt '%.18e', one
# value a line): three whole numbers, settings, not a 3-point loss.

def test_a_bare_list_of_whole_numbers_is_no_loss_curve(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("".join(f"{v:.18e}\n" for v in (16, 96, 3)))
    assert_one_line_error(runner, app, p)
    assert "whole numbers" in runner.invoke(app, ["inspect", str(p)]).stderr
    # a real short bare list of losses still reads, and so do whole numbers in a file named after a loss
    run = read(tmp_path, "".join(f"{v:.18e}\n" for v in (0.91, 0.74, 0.66, 0.61, 0.58)), "loss.txt")
    assert run.train_loss.name == "loss" and len(run.train_loss) == 5
    assert len(read(tmp_path, "12\n9\n7\n", "train_loss.txt").train_loss) == 3
