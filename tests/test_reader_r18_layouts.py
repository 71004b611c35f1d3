"""Layouts public round 18's collection could not read, or read wrong.

These are plain training scripts' own logs, not tools with a format of their own, so there is no upstream format string
to cite: each sample follows the byte layout of the file round 18 collected (named at each sample), written anew here
with other numbers.
"""

from __future__ import annotations

import math

import numpy as np
from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import fresh_registry, lst, read  # noqa: F401  (fresh_registry: autouse fixture)

# ---------------------------------------------------------------------------------------------- 1. Train / Val lines
# Amogha-Mayya/Temporal-Gait-Occlusion-Detection outputs/train.log: logging.Formatter("[%(asctime)s] [%(levelname)s]
# %(message)s", "%Y-%m-%d %H:%M:%S") and, per epoch, f"[Epoch {epoch:03d}] Train  loss={loss:.4f}  acc=..." then
# f"[Epoch {epoch:03d}] Val    loss={loss:.4f}  acc=...  rmse=...": the split word padded so the values align.


def _gait(losses: list[tuple[str, str]]) -> str:
    out = ["[2026-06-09 11:41:28] [INFO] Logger initialised. Log file: outputs/train.log",
           "[2026-06-09 11:41:29] [INFO] Train samples: 32863, Val samples: 10615",
           "[2026-06-09 11:41:29] [INFO] Starting training for 4 epochs (starting from 0)"]
    for e, (tr, va) in enumerate(losses):
        out.append(f"[2026-06-09 12:0{e}:08] [INFO] [Epoch {e:03d}] Train  loss={tr}  acc=0.91{e}7  f1=0.78{e}7  "
                   f"mae=0.061{e}")
        out.append(f"[2026-06-09 12:0{e}:57] [INFO] [Epoch {e:03d}] Val    loss={va}  acc=0.92{e}9  f1=0.82{e}6  "
                   f"mae=0.031{e}  rmse=0.047{e}")
        out.append(f"[2026-06-09 12:0{e}:58] [INFO]   \u2713 Saved best model (epoch={e}, metric=0.82{e}6)")
    out.append("[2026-06-09 19:11:07] [INFO] Training complete.")
    return "\n".join(out) + "\n"


GAIT = _gait([("0.2490", "0.2175"), ("0.2064", "0.2000"), ("nan", "0.1840"), ("0.1922", "inf")])


def test_a_split_word_padded_after_the_marker_names_its_lines_values(tmp_path):
    run = read(tmp_path, GAIT, "train.log")
    assert run.format == "text"
    tr, va = run.series["Train_loss"], run.series["Val_loss"]
    assert run.train_loss is tr and run.val_loss is va
    assert "loss" not in run.series  # the two lines are no longer one series
    assert len(tr) == len(va) == 4 and tr.axis == va.axis == "epoch"
    assert lst(tr.epochs) == lst(va.epochs) == [0, 1, 2, 3]
    assert tr.values[0] == 0.2490 and tr.values[-1] == 0.1922 and math.isnan(tr.values[2])
    assert va.values[0] == 0.2175 and math.isinf(va.values[-1])
    assert run.series["Val_rmse"].split == "val" and run.series["Val_acc"].split == "val"
    assert run.series["Train_acc"].split == "train" and run.series["Train_acc"].values[1] == 0.9117


def test_a_split_word_written_before_its_name_is_read_as_before(tmp_path):
    # one space: "Val loss" is the pair's name, as before ("Valid acc: 0.2988 | loss: 2.0462" -> Valid_loss)
    text = "".join(f"Epoch {e} Train loss: 0.{5 - e}1 acc: 0.8{e}\nEpoch {e} Val loss: 0.{6 - e}2 acc: 0.7{e}\n"
                   for e in range(3))
    run = read(tmp_path, text)
    assert run.train_loss.name == "Train_loss" and run.val_loss.name == "Val_loss"
    assert "acc" in run.series and "Val_acc" in run.series  # a train word names no other value, as before
    assert lst(run.val_loss.values) == [0.62, 0.52, 0.42]


def test_a_word_that_names_no_split_stays_out_of_the_names(tmp_path):
    text = "".join(f"[Epoch {e:03d}] Phase  loss={0.5 - e / 10:.2f}  acc=0.8{e}\n" for e in range(3))
    run = read(tmp_path, text)
    assert run.train_loss.name == "loss" and len(run.train_loss) == 3
