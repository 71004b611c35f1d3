"""Tabular layouts found by a reading-coverage survey of public repositories (round 21): Lightning metrics.csv
files that fastai's names fooled, headerless loss pairs, pandas index/Series dumps, ``label, value`` lines, list
cells. Every sample is written here in the layout the real tool or loop writes (no real file is copied)."""

from __future__ import annotations

import math

import pytest

from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401

# ------------------------------------------------------------------ 1. Lightning metrics.csv with valid_loss

# Lightning's CSVLogger (lightning/fabric/loggers/csv_logs.py, _ExperimentWriter.save): one csv.DictWriter row per
# log_metrics call over the sorted union of keys, with "epoch" and "step" among them, cells of keys not logged on
# that row left empty. A module that logs "train_loss" each 50 steps and "valid_loss"/"valid_acc" per epoch.
LIGHTNING_VALID = (
    "epoch,step,train_acc,train_loss,valid_acc,valid_loss\r\n"
    "0,49,,1.6881,,\r\n"
    "0,99,,0.9625,,\r\n"
    "0,149,,0.5474,,\r\n"
    "0,156,,,0.81,0.52\r\n"
    "0,156,0.74,,,\r\n"
    "1,199,,0.3932,,\r\n"
    "1,249,,0.3383,,\r\n"
    "1,299,,0.3218,,\r\n"
    "1,313,,,0.88,0.41\r\n"
    "1,313,0.86,,,\r\n"
)

# fastai's CSVLogger (fastai/callbacks/csv_logger.py, on_train_begin/on_epoch_end): recorder.names, that is
# epoch, train_loss, valid_loss, the metrics, time; no step column, every row full.
FASTAI = "epoch,train_loss,valid_loss,accuracy,time\n0,0.91,0.80,0.71,00:03\n1,0.62,0.66,0.78,00:03\n2,0.50,0.61,0.80,00:03\n"


def test_lightning_metrics_with_valid_loss_is_not_fastai(tmp_path):
    run = read(tmp_path, LIGHTNING_VALID, "metrics.csv")
    assert run.format == "lightning-csv"
    tl = run.series["train_loss"]
    assert run.train_loss is tl and run.val_loss.name == "valid_loss"
    assert len(tl) == 6 and tl.axis == "step" and lst(tl.steps) == [49, 99, 149, 199, 249, 299]
    assert tl.values[0] == pytest.approx(1.6881) and tl.values[-1] == pytest.approx(0.3218)
    vl = run.series["valid_loss"]
    assert len(vl) == 2 and vl.axis == "epoch" and lst(vl.epochs) == [0, 1]
    assert run.series["valid_acc"].role == "val_metric"


def test_fastai_csvlogger_still_fastai(tmp_path):
    run = read(tmp_path, FASTAI, "history.csv")
    assert run.format == "fastai"
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "valid_loss"
    assert lst(run.series["train_loss"].epochs) == [0, 1, 2]


# ------------------------------------------------------ 2. one epoch trained; the test loop's rows after it

# The same writer: self.log("train_loss", on_step=True, on_epoch=True) gives train_loss_step each
# log_every_n_steps and train_loss_epoch once an epoch; then trainer.test() logs test_acc_step per test batch with
# its own step from 0 and no epoch cell, and test_acc_epoch at the end (with the trainer's epoch and last step).
LIGHTNING_ONE_EPOCH = (
    "epoch,train_loss_step,step,test_acc_step,test_acc_epoch,train_loss_epoch\r\n"
    "0,0.90,49,,,\r\n"
    "0,0.61,99,,,\r\n"
    "0,0.42,149,,,\r\n"
    "0,0.35,199,,,\r\n"
    "0,,199,,,0.55\r\n"
    ",,0,0.5,,\r\n"
    ",,1,1.0,,\r\n"
    ",,2,0.5,,\r\n"
    "0,,199,,0.66,\r\n"
)


def test_one_epoch_run_uses_the_step_loss_and_leaves_the_test_loop_out(tmp_path):
    run = read(tmp_path, LIGHTNING_ONE_EPOCH, "metrics.csv")
    assert run.format == "lightning-csv"
    tl = run.train_loss
    assert tl.name == "train_loss_step" and len(tl) == 4 and tl.axis == "step"
    assert lst(tl.steps) == [49, 99, 149, 199] and tl.values[-1] == pytest.approx(0.35)
    assert len(run.series["train_loss_epoch"]) == 1
    # The test batches (step 0..2, no epoch) are not on the training step axis.
    assert "test_acc_step" not in run.series
    assert any("3 row(s) with an empty 'epoch'" in n and "test_acc_step" in n for n in run.notes)
    assert run.series["test_acc_epoch"].role == "test_metric" and lst(run.series["test_acc_epoch"].epochs) == [0]


def test_epoch_loss_with_several_points_is_still_preferred(tmp_path):
    rows = ["epoch,step,train_loss_step,train_loss_epoch"]
    for e in range(3):
        rows += [f"{e},{e * 10 + k},{1.0 - e * 0.1 - k * 0.01}," for k in range(1, 4)]
        rows.append(f"{e},{e * 10 + 3},,{0.9 - e * 0.1}")
    run = read(tmp_path, "\n".join(rows) + "\n", "metrics.csv")
    assert run.train_loss.name == "train_loss_epoch" and len(run.train_loss) == 3
    assert run.train_loss_fine.name == "train_loss_step"


def test_lr_monitor_rows_without_epoch_are_kept(tmp_path):
    # LearningRateMonitor logs "lr-Adam" on its own rows: a step, no epoch, the step going on.
    data = ("epoch,lr-Adam,step,train_loss\n,0.001,0,\n0,,0,0.9\n,0.001,1,\n0,,1,0.8\n,0.0005,2,\n1,,2,0.7\n")
    run = read(tmp_path, data, "metrics.csv")
    assert len(run.series["lr-Adam"]) == 3 and not any("empty 'epoch'" in n for n in run.notes)


def test_validation_rows_without_epoch_each_epoch_are_kept(tmp_path):
    # A module whose validation_step logs val_loss_step with the validation loop's own step and no epoch, block
    # after block between training epochs: not a test loop after training; every row stays.
    data = ("val_loss_step,step,epoch,train_loss_epoch\n1.4,0,,\n1.3,1,,\n,11,0,1.2\n0.9,2,,\n0.8,3,,\n,23,1,0.95\n"
            "0.7,4,,\n,35,2,0.8\n")
    run = read(tmp_path, data, "metrics.csv")
    assert len(run.series["val_loss_step"]) == 5 and not any("empty 'epoch'" in n for n in run.notes)


# ---------------------------------------------------------------------- 3. headerless pairs of two floats

# A loop writing f.write(f"{train_loss} ,{val_loss}\n") each epoch into losses.csv (the survey's layout: the space
# before the comma as written), and a train_loss.csv of "0.8430,0.6690" lines after an empty first line, CRLF.
PAIRS = "".join(f"{0.58 - 0.03 * i + (0.004 if i % 2 else 0)} ,{0.55 - 0.025 * i}\n" for i in range(8))


def test_float_pairs_in_a_loss_file_are_train_then_val(tmp_path):
    run = read(tmp_path, PAIRS, "losses.csv")
    assert run.format == "numbers"
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    tl, vl = run.series["train_loss"], run.series["val_loss"]
    assert len(tl) == len(vl) == 8 and tl.axis == "epoch" and lst(tl.epochs) == list(range(8))
    assert tl.values[0] == pytest.approx(0.58) and vl.values[-1] == pytest.approx(0.55 - 0.025 * 7)
    assert any("train_loss then val_loss" in n and "--train / --val" in n for n in run.notes)


def test_float_pairs_after_an_empty_line_with_crlf(tmp_path):
    data = "\r\n" + "".join(f"{0.843 - 0.05 * i:.4f},{0.669 - 0.01 * i + (0.02 if i % 3 == 0 else 0):.4f}\r\n"
                            for i in range(6))
    run = read(tmp_path, data, "train_loss.csv")
    assert run.train_loss.name == "train_loss" and len(run.train_loss) == 6
    assert run.series["val_loss"].values[0] == pytest.approx(0.689)


def test_float_pairs_with_nan_keep_it(tmp_path):
    run = read(tmp_path, "0.9,0.8\n0.7,0.75\nnan,0.7\n0.6,0.72\n0.55,0.71\n", "loss.txt")
    assert math.isnan(run.series["train_loss"].values[2]) and run.series["train_loss"].nonfinite == 1


def test_loss_then_accuracy_pairs(tmp_path):
    data = "".join(f"{1.2 - 0.1 * i:.3f},{0.5 + 0.04 * i - (0.05 if i == 3 else 0):.3f}\n" for i in range(6))
    run = read(tmp_path, data, "loss.csv")
    assert run.train_loss.name == "loss" and run.val_loss is None
    acc = run.series["accuracy"]
    assert acc.kind == "metric" and acc.higher_is_better and len(acc) == 6


def test_float_pairs_need_a_file_named_after_a_loss_and_5_lines(tmp_path):
    with pytest.raises(InputError):
        read(tmp_path, PAIRS, "data.csv")
    with pytest.raises(InputError):
        read(tmp_path, "".join(PAIRS.splitlines(keepends=True)[:4]), "losses.csv")


# ------------------------------------------------- 4. pandas index, an 'ep' column, split-named losses, total

# pd.DataFrame({"ep": ..., "train": ..., "valid": ..., "total": ...}).to_csv("losses.csv"): pandas writes its
# unnamed RangeIndex as a first column with an empty header cell (DataFrame.to_csv, index=True by default).
PANDAS_SPLITS = ",ep,train,valid,total\n" + "".join(
    f"{i},{i + 1},{54.9 - 0.5 * i},{16.3 - 0.05 * i},{54.9 - 0.5 * i + 16.3 - 0.05 * i}\n" for i in range(5)
)


def test_pandas_ep_train_valid_total(tmp_path):
    run = read(tmp_path, PANDAS_SPLITS, "losses.csv")
    assert run.format == "csv"
    assert run.train_loss.name == "train" and run.val_loss.name == "valid"
    tl = run.series["train"]
    assert len(tl) == 5 and tl.axis == "epoch" and lst(tl.epochs) == [1, 2, 3, 4, 5]
    assert tl.values[-1] == pytest.approx(52.9)
    assert "total" not in run.series and "ep" not in run.series
    assert any(n.startswith("total: the sum of train and valid") for n in run.notes)


def test_split_columns_with_total_and_no_axis(tmp_path):
    data = ",train,valid,total\n0,1.0,2.0,3.0\n1,0.8,1.9,2.7\n2,0.7,1.85,2.55\n"
    run = read(tmp_path, data, "losses.csv")
    assert run.format == "csv" and run.train_loss.name == "train" and len(run.train_loss) == 3
    assert "total" not in run.series


def test_a_total_that_is_not_the_sum_is_kept(tmp_path):
    data = "ep,train,valid,total\n1,1.0,2.0,9.0\n2,0.8,1.9,8.0\n3,0.7,1.85,7.0\n"
    run = read(tmp_path, data, "losses.csv")
    assert len(run.series["total"]) == 3 and run.train_loss.name == "train"


# -------------------------------------------------------------------------------- 6. 'label, value' lines

# f.write(f"Loss, {loss:f}\n") once an epoch ("%f": six decimals), the survey's loss.csv layout.
LABELLED = "".join(f"Loss, {v:f}\n" for v in (10.42842, 7.659701, 5.725415, 5.843421, float("nan"), 5.590834))


def test_label_value_lines_are_one_loss(tmp_path):
    run = read(tmp_path, LABELLED, "loss.csv")
    assert run.format == "numbers"
    tl = run.train_loss
    assert tl.name == "Loss" and tl.role == "train_loss" and len(tl) == 6
    assert lst(tl.epochs) == list(range(6)) and tl.values[0] == pytest.approx(10.42842)
    assert math.isnan(tl.values[4]) and tl.values[-1] == pytest.approx(5.590834)


def test_label_value_lines_with_a_garbled_line_are_an_error(tmp_path):
    with pytest.raises(InputError) as e:
        read(tmp_path, LABELLED.replace("Loss, 5.843421", "Loss, 5.84oops"), "loss.csv")
    assert "loss.csv" in str(e.value) and "\n" not in str(e.value)


def test_label_value_lines_of_a_non_loss_label_are_not_read_as_a_loss(tmp_path):
    with pytest.raises(InputError):
        read(tmp_path, "".join(f"Speed, {v}\n" for v in (1.5, 2.5, 3.5, 4.5)), "speed.csv")


# ------------------------------------------------------------- 7. 'epoch_loss' lines; 8. a constant epoch

def test_epoch_and_loss_joined_by_underscore(tmp_path):
    # f.write(str(epoch) + "_" + str(loss.item()) + "\n") each epoch
    data = "".join(f"{e}_{1.8458 / e}\n" for e in range(1, 7))
    run = read(tmp_path, data, "train_loss.txt")
    assert run.format == "numbers"
    tl = run.train_loss
    assert tl.name == "train_loss" and len(tl) == 6 and tl.axis == "epoch" and lst(tl.epochs) == [1, 2, 3, 4, 5, 6]
    assert tl.values[0] == pytest.approx(1.8458) and tl.values[-1] == pytest.approx(1.8458 / 6)


def test_constant_epoch_counter_is_per_batch_on_a_step_axis(tmp_path):
    # f.write(f"{epoch},{loss.item()}\n") after each batch of one epoch (np.float32 repr: up to 8 digits)
    losses = [1.2087336, 1.3565567, 1.2870171, float("inf"), 1.176204, 1.1456362]
    run = read(tmp_path, "".join(f"1,{v}\n" for v in losses), "loss.csv")
    tl = run.train_loss
    assert tl.name == "loss" and len(tl) == 6 and tl.axis == "step"
    assert lst(tl.steps) == list(range(6)) and lst(tl.epochs) == [1] * 6
    assert math.isinf(tl.values[3]) and tl.values[-1] == pytest.approx(1.1456362)
    assert any("counter repeats" in n and "step axis" in n for n in run.notes)


def test_repeating_counter_beside_whole_numbers_is_not_a_loss(tmp_path):
    with pytest.raises(InputError):
        read(tmp_path, "1,3\n1,4\n2,7\n2,1\n", "pairs.csv")


# ------------------------------------------------------------------------- 5. pandas Series.to_csv()

def test_pandas_series_to_csv(tmp_path):
    # pd.Series(losses).to_csv("loss.csv"): header=True writes the index's empty name and the series' name, 0 by
    # default (pandas.core.generic.NDFrame.to_csv -> CSVFormatter), then "index,value" rows.
    losses = [2.9169280529022217, 2.9051883220672607, 2.850175619125366, float("nan"), 2.7503536224365234]
    run = read(tmp_path, ",0\n" + "".join(f"{i},{v}\n" for i, v in enumerate(losses)), "loss.csv")
    assert run.format == "numbers"
    tl = run.train_loss
    assert tl.name == "loss" and len(tl) == 5 and tl.axis == "epoch" and lst(tl.epochs) == [0, 1, 2, 3, 4]
    assert tl.values[0] == pytest.approx(2.9169280529022217) and math.isnan(tl.values[3])
    assert any("pandas Series" in n for n in run.notes)


def test_pandas_series_header_over_text_rows_is_an_error(tmp_path):
    with pytest.raises(InputError) as e:
        read(tmp_path, ",0\n0,a\n1,b\n2,c\n", "loss.csv")
    assert "loss.csv" in str(e.value)


# --------------------------------------------------------------------------- 9. cells holding Python lists

# pd.DataFrame({...}).to_csv("losses.csv") with one column whose values are Python lists: pandas writes str(list),
# quoted because it holds commas ("[0.61, 0.65]"), beside the unnamed index column.
LIST_COLUMN = ",ff_train_losses,ff_test_losses,fb_train_losses,fb_test_losses\r\n" + "".join(
    f'{i},{0.61 - 0.02 * i},{0.44 + 0.01 * i},"[{0.61 + 0.001 * i}, {0.64 + 0.002 * i}]",{3.4 - 0.1 * i}\r\n'
    for i in range(5)
)


def test_list_column_beside_numeric_losses_is_left_out(tmp_path):
    run = read(tmp_path, LIST_COLUMN, "losses.csv")
    assert run.format == "csv"
    assert "fb_train_losses" not in run.series
    assert run.train_loss.name == "ff_train_losses" and len(run.train_loss) == 5
    assert run.series["fb_test_losses"].values[-1] == pytest.approx(3.0)
    assert any(n.startswith("fb_train_losses: every cell a list of numbers") for n in run.notes)


# pd.DataFrame({"Model": names, "Loss": [losses_bow, losses_bow_ln]}).to_csv("losses.csv", index=False)
MODEL_LISTS = ('Model,Loss\nBOW,"[0.7174, 0.6768, 0.6595, 0.6323]"\nBOW_LN,"[0.7074, 0.6778, nan, 0.6417, 0.6045]"\n')


def test_one_run_per_row_of_loss_lists(tmp_path):
    runs = read_all(tmp_path, MODEL_LISTS, "losses.csv")
    assert [r.name for r in runs] == ["BOW", "BOW_LN"]
    assert all(r.format == "csv" for r in runs)
    a, b = runs[0].train_loss, runs[1].train_loss
    assert a.name == "Loss" and len(a) == 4 and lst(a.epochs) == [0, 1, 2, 3] and a.values[-1] == pytest.approx(0.6323)
    assert len(b) == 5 and math.isnan(b.values[2]) and b.values[0] == pytest.approx(0.7074)


def test_list_cells_of_text_are_an_error(tmp_path):
    with pytest.raises(InputError) as e:
        read(tmp_path, 'Model,Loss\nBOW,"[high, low, lower]"\nLN,"[a, b, c]"\n', "losses.csv")
    assert "losses.csv" in str(e.value) and "\n" not in str(e.value)
