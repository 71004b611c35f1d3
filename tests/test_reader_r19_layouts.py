"""Layouts public round 19's collection could not read, or read wrong.

These are plain training scripts' own logs and pandas/NumPy dumps, not tools with a format of their own, so there is no
upstream format string to cite: each sample follows the byte layout of the file round 19 collected (named at each
sample), written anew here with other numbers.
"""

from __future__ import annotations

import math

from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import assert_one_line_error, fresh_registry, lst, read, read_all  # noqa: F401  (fresh_registry: autouse)

# ------------------------------------------------------------------------ 1. "Train - Loss" under "Epoch N/40:"
# AriesCHENFISH/MCAT_img training_log.txt: "Training Log", a rule of "=", then per epoch f"Epoch {e}/{n}:" on its own
# line, f"Train - Loss: {l:.4f} | Acc: {a:.4f} | AUC: {u:.4f}" and f"Val - Loss: {l:.4f} | Acc: {a:.4f} | AUC: {u:.4f}".


def _mcat(rows: list[tuple[str, str]]) -> str:
    out = ["Training Log", "=" * 36]
    for e, (tr, va) in enumerate(rows, start=1):
        out.append(f"Epoch {e}/{len(rows)}:")
        out.append(f"Train - Loss: {tr} | Acc: 0.5{e}00 | AUC: 0.5{e}10")
        out.append(f"Val - Loss: {va} | Acc: 0.6{e}70 | AUC: 0.6{e}62")
    return "\n".join(out) + "\n"


def test_train_and_val_lines_led_by_their_split_word_under_a_bare_epoch_marker(tmp_path):
    run = read(tmp_path, _mcat([("0.7112", "0.6801"), ("0.6990", "nan"), ("0.6871", "0.6650")]), "training_log.txt")
    assert run.train_loss.name == "train_Loss" and run.val_loss.name == "val_Loss"
    assert lst(run.train_loss.values) == [0.7112, 0.699, 0.6871]
    v = lst(run.val_loss.values)
    assert v[0] == 0.6801 and math.isnan(v[1]) and v[2] == 0.665  # NaN kept as data
    assert run.train_loss.axis == "epoch" and len(run.train_loss) == 3
    assert run.series["train_Acc"].role == "train_metric" and run.series["val_AUC"].role == "val_metric"


def test_a_train_line_without_its_val_line_is_not_read_as_a_pair(tmp_path):
    # the pair needs its evaluation line next: "Train - Loss" lines alone under their markers are refused (as before)
    p = tmp_path / "training_log.txt"
    p.write_text("".join(f"Epoch {e}/3:\nTrain - Loss: 0.{9 - e}000 | Acc: 0.5000\n" for e in range(1, 4)))
    assert_one_line_error(CliRunner(), app, p)


# ------------------------------------------------------------- 2. DataFrame.to_csv, one row per curve, epochs as columns
# p4nzer96/ML_Project-Panzino_Melis train_losses.csv: pd.DataFrame([stage1, stage2, ...]).to_csv(path) with the epochs
# 1..N as the columns: header ",1,2,...,N", rows "k,v1,...,vN" (k = 0, 1, ...; full-precision floats).


def _wide(rows: list[list[str]], first: int = 1) -> str:
    n = len(rows[0])
    out = ["," + ",".join(str(first + i) for i in range(n))]
    out += [f"{k}," + ",".join(r) for k, r in enumerate(rows)]
    return "\n".join(out) + "\n"


WIDE = _wide([["2.1335244178771973", "0.6903806328773499", "0.6871387362480164", "0.6838018298149109"],
              ["0.516922116279602", "0.5162665843963623", "", "inf"],
              ["0.48994845151901245", "0.4898897111415863", "0.48983773589134216", "0.48977789282798767"]])


def test_a_wide_dataframe_is_one_run_per_row_at_the_headers_epochs(tmp_path):
    runs = read_all(tmp_path, WIDE, "train_losses.csv")
    assert [r.name for r in runs] == [f"train_losses.csv (row {k})" for k in range(3)]
    assert all(r.format == "numbers" for r in runs)
    first = runs[0].train_loss
    assert first.name == "train_losses" and len(first) == 4 and first.axis == "epoch"
    assert lst(first.epochs) == [1, 2, 3, 4]  # the header's counters are the epochs, never losses
    assert first.values[0] == 2.1335244178771973 and first.values[-1] == 0.6838018298149109
    second = lst(runs[1].train_loss.values)
    assert math.isnan(second[2]) and second[3] == math.inf  # pandas' empty missing value, and inf, kept
    assert runs[2].train_loss.values[-1] == 0.48977789282798767
    assert all(max(r.train_loss.values[:2]) < 3 for r in runs)  # no row index, no header counter among the losses


def test_a_wide_dataframe_with_a_row_of_another_width_is_not_read_as_one(tmp_path):
    p = tmp_path / "train_losses.csv"
    p.write_text(WIDE.replace("\n2,", "\n2,0.5,", 1))  # row 2 one field wider than the header: refused
    assert_one_line_error(CliRunner(), app, p)


def test_a_wide_header_over_a_garbled_row_is_a_one_line_error(tmp_path):
    p = tmp_path / "train_losses.csv"
    p.write_text(",1,2,3,4\n0,0.9,0.8,oops,0.6\n")
    assert_one_line_error(CliRunner(), app, p)


# ----------------------------------------------------------------- 3. step, loss, perplexity: no val loss
# Rodrigo-NB/SNN-Manifesto loss.csv: headerless f"{step}, {loss:f}, {math.exp(loss):f}" every 10,000 steps.


def test_a_third_column_that_is_exp_of_the_loss_is_its_perplexity_not_a_val_loss(tmp_path):
    losses = [5.545775, 1.841227, 1.645171, 1.481002, 1.417310, 1.319447, 1.256071]
    text = "".join(f"{i * 10000}, {v:f}, {math.exp(v):f}\n" for i, v in enumerate(losses))
    run = read(tmp_path, text, "loss.csv")
    assert run.val_loss is None
    assert run.train_loss.name == "loss" and lst(run.train_loss.values) == losses
    ppl = run.series["perplexity"]
    assert ppl.role == "train_metric" and len(ppl) == 7 and round(ppl.values[0], 3) == 256.153
    assert lst(run.train_loss.epochs)[-1] == 60000


def test_a_third_column_not_exp_of_the_loss_is_still_the_val_loss(tmp_path):
    text = "".join(f"{i}, {2.0 - i / 10:f}, {2.2 - i / 12:f}\n" for i in range(7))
    run = read(tmp_path, text, "loss.csv")
    assert run.val_loss is not None and run.val_loss.name == "val_loss"
    assert "perplexity" not in run.series
