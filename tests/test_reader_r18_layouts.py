"""Layouts public round 18's collection could not read, or read wrong.

These are plain training scripts' own logs, not tools with a format of their own, so there is no upstream format string
to cite: each sample follows the byte layout of the file round 18 collected (named at each sample), written anew here
with other numbers.
"""

from __future__ import annotations

import math

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


# ---------------------------------------------------------------------------------------------- 2. words for epoch
# victor's French training script (train.log of round 18): logging.basicConfig(format="%(asctime)s %(levelname)s
# %(message)s") and logging.info(f"Ép {epoch} | train {tr:.4f} | val {va:.4f} | Acc {acc:.4f} | Prec ... | F1 ... |
# Durée {secs:.1f}s"), emoji status lines between.

FRENCH = """2025-05-10 19:34:54,376 INFO \U0001f680 D\u00e9but de l'entra\u00eenement!
2025-05-10 19:39:54,683 INFO \u00c9p 1 | train 2.8312 | val 2.1483 | Acc 0.8693 | Prec 0.3243 | Rec 0.1965 | F1 0.2067 | Dur\u00e9e 300.3s
2025-05-10 19:39:54,778 INFO \U0001f3c6 Meilleur mod\u00e8le sauvegard\u00e9
2025-05-10 19:44:53,120 INFO \u00c9p 2 | train 2.0790 | val nan | Acc 0.8740 | Prec 0.4020 | Rec 0.2208 | F1 0.2411 | Dur\u00e9e 298.3s
2025-05-10 19:49:52,157 INFO \u00c9p 3 | train 2.0465 | val 2.1030 | Acc 0.8737 | Prec 0.4771 | Rec 0.2399 | F1 0.2403 | Dur\u00e9e 298.9s
2025-05-10 19:49:52,271 INFO \U0001f389 Entra\u00eenement termin\u00e9!
"""


def test_a_french_epoch_abbreviation_marks_compact_split_lines(tmp_path):
    run = read(tmp_path, FRENCH.encode(), "train.log")
    assert run.format == "text" and run.axis == "epoch"
    tr, va = run.train_loss, run.val_loss
    assert tr.name == "train" and va.name == "val"
    assert lst(tr.epochs) == [1, 2, 3] and lst(tr.values) == [2.8312, 2.0790, 2.0465]
    assert va.values[0] == 2.1483 and math.isnan(va.values[1]) and va.values[-1] == 2.1030
    assert run.series["F1"].kind == "metric" and run.series["Acc"].values[-1] == 0.8737
    assert not any("dur" in n.lower() for n in run.series)  # Durée is a duration, never a series


def test_epoch_in_other_languages_accents_optional(tmp_path):
    for word in ("Époque", "epoque", "Época", "Epoca", "Epoche", "ép", "Ep"):
        text = "".join(f"{word} {e}: loss={0.9 - e / 10:.2f} acc=0.{e + 5}\n" for e in range(3))
        run = read(tmp_path, text, "run.log")
        assert run.axis == "epoch" and lst(run.train_loss.epochs) == [0, 1, 2], word
        assert lst(run.train_loss.values) == [0.9, 0.8, 0.7], word


def test_the_words_are_whole_words_only(tmp_path):
    # "Epochen 5" (German plural) is no marker: the lines are read as marker-less "name value" pairs, one per epoch
    # in line order, and "Epochen" is one of the names (with a marker word its number would be the epoch)
    run = read(tmp_path, "".join(f"Epochen {e + 5} loss={0.9 - e / 10:.2f}\n" for e in range(3)), "run.log")
    assert "Epochen" in run.series and lst(run.train_loss.epochs) == [0, 1, 2]


def test_a_malformed_french_log_is_a_one_line_error(tmp_path):
    p = tmp_path / "train.log"
    p.write_text("2025-05-10 19:34:54,376 INFO \U0001f680 D\u00e9but de l'entra\u00eenement!\n\u00c9p | train | val\n")
    result = CliRunner().invoke(app, ["inspect", str(p)])
    assert result.exit_code == 2 and "train.log" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------- 3. np.savetxt 2xN
# lsst losses.txt: np.savetxt("losses.txt", np.array([train_losses, val_losses])): numpy's default fmt "%.18e" and
# delimiter " ", one row of the 2xN array a line, no header.


def _savetxt(rows: list[list[float]]) -> str:
    return "".join(" ".join(f"{v:.18e}" for v in row) + "\n" for row in rows)


TRAIN = [1652.232177734375 - 40 * i for i in range(12)]
VAL = [1745.932250976562 - 30 * i for i in range(12)]


def test_two_savetxt_lines_are_the_train_then_the_val_loss(tmp_path):
    val = list(VAL)
    val[3] = math.nan
    run = read(tmp_path, _savetxt([TRAIN, val]), "losses.txt")
    assert run.format == "numbers" and set(run.series) == {"train_loss", "val_loss"}
    tr, va = run.train_loss, run.val_loss
    assert tr.name == "train_loss" and va.name == "val_loss"
    assert len(tr) == len(va) == 12 and tr.axis == "epoch" and lst(tr.epochs) == list(range(12))
    assert tr.values[0] == 1652.232177734375 and tr.values[-1] == TRAIN[-1] and va.values[-1] == VAL[-1]
    assert math.isnan(va.values[3])  # NaN is data
    assert any("train_loss then val_loss" in n and "2xN" in n for n in run.notes)


def test_two_lines_of_other_counts_or_too_few_are_not_train_and_val(tmp_path):
    # nine numbers a line: too few to be a curve each; refused with a one-line error naming the file
    p = tmp_path / "losses.txt"
    p.write_text(_savetxt([TRAIN[:9], VAL[:9]]))
    result = CliRunner().invoke(app, ["inspect", str(p)])
    assert result.exit_code == 2 and "losses.txt" in result.output and "Traceback" not in result.output
    # two lines of different counts: one per-batch loss over two epochs (layout 4), not a train and a val loss
    run = read(tmp_path, _savetxt([TRAIN, VAL[:11]]), "losses.txt")
    assert list(run.series) == ["losses"] and len(run.train_loss) == 23 and run.val_loss is None


def test_three_savetxt_lines_of_equal_counts_are_not_train_and_val(tmp_path):
    run = read(tmp_path, _savetxt([TRAIN, VAL, TRAIN]), "losses.txt")
    assert "val_loss" not in run.series and len(run.train_loss) == 36  # layout 4: three epochs of 12 batches


# ---------------------------------------------------------------------------------------------- 4. a line an epoch
# grad_work train_losses.txt: per batch f.write(f"{loss:.6f},"), per epoch f.write("\n"): lines of comma-separated
# losses, each ending in a trailing comma, one line per epoch.


def _per_batch(lines: list[list[str]]) -> str:
    return "".join("".join(f"{v}," for v in line) + "\n" for line in lines)


EPOCHS = [[f"{2.310371 - 0.02 * i:.6f}" for i in range(14)],
          [f"{1.904648 - 0.01 * i:.6f}" for i in range(14)],
          [f"{1.5 - 0.01 * i:.6f}" for i in range(13)] + ["inf"]]


def test_lines_of_per_batch_losses_count_on_across_lines(tmp_path):
    run = read(tmp_path, _per_batch(EPOCHS), "train_losses.txt")
    assert run.format == "numbers" and list(run.series) == ["train_losses"]
    s = run.train_loss
    assert s.name == "train_losses" and s.split == "train" and s.kind == "loss"
    assert len(s) == 42 and s.axis == "step" and lst(s.steps) == list(range(42))
    assert lst(s.epochs) == [0] * 14 + [1] * 14 + [2] * 14
    assert s.values[0] == 2.310371 and s.values[14] == 1.904648 and math.isinf(s.values[-1])
    assert any("3 headerless lines of 14 numbers each" in n and "counted on across lines" in n for n in run.notes)


def test_lines_of_unequal_counts_and_a_bare_name(tmp_path):
    lines = [EPOCHS[0], EPOCHS[1][:11], EPOCHS[2][:12]]
    run = read(tmp_path, _per_batch(lines), "log.txt")
    s = run.series["loss"]  # named as a bare list is
    assert run.train_loss is s and len(s) == 37 and lst(s.epochs)[13:15] == [0, 1]
    assert any("11 to 14 numbers" in n for n in run.notes)


def test_a_headerless_table_of_many_columns_stays_refused(tmp_path):
    # more rows than columns (a counter column, a learning rate, losses, accuracies): the refusal of today
    rows = [f"{e},{e * 80},{0.48 - e / 100:.3f},{0.56 - e / 100:.3f},0.001,{0.7 + e / 100:.3f},{0.6 + e / 100:.3f},"
            f"{0.5 + e / 100:.3f},{0.4 + e / 100:.3f},{0.3 + e / 100:.3f},{12.5 + e:.1f},"
            for e in range(14)]
    for text in ("\n".join(rows) + "\n", "\n".join(rows[:4]) + "\n"):  # 14 rows, and only 4 (wider than long)
        p = tmp_path / "results.csv"
        p.write_text(text)
        result = CliRunner().invoke(app, ["inspect", str(p)])
        assert result.exit_code == 2 and "headerless table of 11 numeric columns" in result.output, text
    # equal lines of floats whose columns differ in scale (a loss beside a learning rate): a table, refused
    rows = ["".join(f"{v}," for v in ([0.5 + e / 10] * 5 + [1e-5] * 6)) for e in range(3)]
    p.write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(app, ["inspect", str(p)])
    assert result.exit_code == 2 and "headerless table of 11 numeric columns" in result.output


def test_a_malformed_line_among_per_batch_lines_is_a_one_line_error(tmp_path):
    p = tmp_path / "train_losses.txt"
    p.write_text(_per_batch(EPOCHS[:2]) + "1.2,oops,0.9,\n")
    result = CliRunner().invoke(app, ["inspect", str(p)])
    assert result.exit_code == 2 and "train_losses.txt" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
