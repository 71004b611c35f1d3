"""The CSV-family readers: Keras CSVLogger and history CSVs, Lightning, Ultralytics, fastai, generic CSV/TSV, and
the messy input all of them meet (BOM, CRLF, repeated headers, sparse rows, logged NaN, text columns)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.tabular import READERS, load_table


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(tmp_path: Path, data: bytes, name: str = "log.csv", fmt: str | None = None) -> Run:
    p = tmp_path / name
    p.write_bytes(data)
    runs = registry.read_path(p, fmt)
    assert len(runs) == 1
    return runs[0]


def values(run: Run, name: str) -> list[float]:
    return run.series[name].values.tolist()


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


KERAS_LOG = b"""epoch,accuracy,learning_rate,loss,val_accuracy,val_loss
0,0.50,0.001,1.20,0.55,1.10
1,0.60,0.001,0.90,0.62,0.95
2,0.70,0.001,0.70,0.66,0.90
"""


# ------------------------------------------------------------------------------------------ Keras CSVLogger


def test_keras_csvlogger_roles_and_epochs(tmp_path):
    run = read(tmp_path, KERAS_LOG, "training.log")
    assert run.format == "keras-csvlogger"
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert lst(run.series["loss"].epochs) == [0, 1, 2]  # as written: Keras' CSVLogger is 0-based
    assert run.series["loss"].steps is None and run.series["loss"].axis == "epoch"
    assert run.series["accuracy"].role == "train_metric" and run.series["accuracy"].higher_is_better
    assert run.series["val_accuracy"].role == "val_metric"
    assert run.series["learning_rate"].role == "lr"
    assert "epoch" not in run.series


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b.replace(b"\n", b"\r\r\n"), id="cr-cr-lf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), id="bom-crlf"),
        pytest.param(lambda b: b.replace(b"\n", b"\n\n"), id="blank-lines"),
        pytest.param(
            lambda b: b.replace(
                b"epoch,accuracy,learning_rate,loss,val_accuracy,val_loss",
                b'"epoch", "accuracy" ,"learning_rate", "loss" , "val_accuracy","val_loss"',
            ),
            id="quoted-padded-header",
        ),
        pytest.param(lambda b: b.decode().encode("utf-16"), id="utf-16"),
    ],
)
def test_keras_csvlogger_messy_encodings(tmp_path, transform):
    run = read(tmp_path, transform(KERAS_LOG), "history.csv")
    assert run.format == "keras-csvlogger"
    assert values(run, "loss") == [1.2, 0.9, 0.7]
    assert values(run, "val_loss") == [1.1, 0.95, 0.9]


def test_repeated_header_is_a_restart_keeping_the_latest_segment(tmp_path):
    data = (
        KERAS_LOG
        + b"epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n0,0.4,0.01,2.0,0.4,2.1\n1,0.5,0.01,1.5,0.5,1.6\n"
    )
    run = read(tmp_path, data)
    assert values(run, "loss") == [2.0, 1.5]
    assert lst(run.series["loss"].epochs) == [0, 1]
    notes = " | ".join(run.notes)
    assert "header row is repeated at line 5" in notes
    assert "restarts" in notes and "kept the latest segment, 2 points of" in notes


def test_appended_restart_without_header_keeps_latest_segment(tmp_path):
    data = (
        KERAS_LOG
        + b"0,0.4,0.01,2.0,0.4,2.1\n1,0.5,0.01,1.5,0.5,1.6\n2,0.6,0.01,1.2,0.6,1.3\n3,0.6,0.01,1.1,0.6,1.2\n"
    )
    run = read(tmp_path, data)
    # The second segment stays below the first one's last epoch for a while: still one restart, all 4 kept.
    assert values(run, "loss") == [2.0, 1.5, 1.2, 1.1]
    assert any("restarts 1 time(s)" in n for n in run.notes)


def test_logged_nan_and_inf_are_kept(tmp_path):
    data = b"epoch,loss,val_loss\n0,1.0,1.1\n1,nan,NaN\n2,inf,-inf\n3,Infinity,1.0\n"
    run = read(tmp_path, data)
    loss = values(run, "loss")
    assert loss[0] == 1.0 and math.isnan(loss[1]) and loss[2] == math.inf and loss[3] == math.inf
    val = values(run, "val_loss")
    assert math.isnan(val[1]) and val[2] == -math.inf
    assert run.series["loss"].nonfinite == 3
    assert lst(run.series["loss"].epochs) == [0, 1, 2, 3]


def test_keras_na_cells_are_absent_not_nan(tmp_path):
    # CSVLogger writes NA for a key missing on an epoch (e.g. validation every other epoch).
    data = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,NA\n2,0.8,0.95\n"
    run = read(tmp_path, data)
    assert values(run, "val_loss") == [1.1, 0.95]
    assert lst(run.series["val_loss"].epochs) == [0, 2]
    assert len(run.series["loss"]) == 3


def test_accuracy_in_percent_is_rescaled(tmp_path):
    data = b"epoch,loss,accuracy,val_loss,val_accuracy\n0,1.0,50,1.1,48\n1,0.8,70.5,1.0,66\n"
    run = read(tmp_path, data)
    assert values(run, "accuracy") == [0.5, 0.705]
    assert values(run, "val_accuracy") == [0.48, 0.66]
    assert any("percent" in n for n in run.notes)


def test_text_and_timestamp_columns_are_ignored(tmp_path):
    data = (
        b"epoch,run,timestamp,loss,val_loss,comment\n"
        b"0,exp1,2024-01-01T00:00:00,1.0,1.1,warmup\n"
        b"1,exp1,2024-01-01T00:01:00,0.9,1.0,\n"
    )
    run = read(tmp_path, data)
    assert set(run.series) == {"loss", "val_loss"}


def test_truncated_last_row_is_skipped_with_a_note(tmp_path):
    # A last line without its line end may be cut inside a number ("0.8" of "0.85"): a file still being written.
    data = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8"
    run = read(tmp_path, data)
    assert values(run, "loss") == [1.0, 0.9]
    assert values(run, "val_loss") == [1.1, 1.0]
    assert any("line 4" in n and "no line end" in n for n in run.notes), run.notes


def test_short_last_row_with_its_line_end_gives_absent_cells(tmp_path):
    data = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8\n"
    run = read(tmp_path, data)
    assert values(run, "loss") == [1.0, 0.9, 0.8]
    assert values(run, "val_loss") == [1.1, 1.0]


def test_a_garbled_line_is_skipped_with_a_note(tmp_path):
    rows = "".join(f"{i},{1 / (i + 1):.3f},{1.1 / (i + 1):.3f}\n" for i in range(20))
    data = ("epoch,loss,val_loss\n" + rows + "\x00\x01garbage\n" + "20,0.04,0.05\n").encode()
    run = read(tmp_path, data.replace(b"\x00\x01", b"##"))
    assert len(run.series["loss"]) == 21
    assert any("epoch: 1 row(s) of text" in n and "line 22" in n for n in run.notes), run.notes


def test_row_with_too_many_fields_is_skipped_with_a_note(tmp_path):
    data = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0,7,8\n2,0.8,0.9\n"
    run = read(tmp_path, data)
    assert values(run, "loss") == [1.0, 0.8]
    assert any("more fields than the header" in n for n in run.notes)


# ------------------------------------------------------------------------------------------ Keras history CSV


def test_keras_history_csv_with_index(tmp_path):
    data = b",loss,accuracy,val_loss,val_accuracy\n0,1.0,0.5,1.1,0.4\n1,0.8,0.6,1.0,0.5\n2,0.6,0.7,0.9,0.6\n"
    run = read(tmp_path, data, "history.csv")
    assert run.format == "keras-history-csv"
    assert lst(run.series["loss"].epochs) == [0, 1, 2]
    assert "" not in run.series and not any(n.lower().startswith("unnamed") for n in run.series)
    assert run.val_loss.name == "val_loss"


def test_keras_history_csv_without_index(tmp_path):
    data = b"loss,accuracy,val_loss,val_accuracy\n1.0,0.5,1.1,0.4\n0.8,0.6,1.0,0.5\n"
    run = read(tmp_path, data, "history.csv")
    assert run.format == "keras-history-csv"
    assert lst(run.series["val_loss"].epochs) == [0, 1]
    assert any("0..n-1" in n for n in run.notes)


def test_keras_history_csv_unnamed_index_header(tmp_path):
    data = b"Unnamed: 0,loss,val_loss\n0,1.0,1.1\n1,0.8,1.0\n"
    run = read(tmp_path, data)
    assert run.format == "keras-history-csv"
    assert set(run.series) == {"loss", "val_loss"}


# ------------------------------------------------------------------------------------------ Lightning

LIGHTNING = b"""epoch,lr-Adam,step,test_loss,train_loss_epoch,train_loss_step,val_acc,val_loss
,0.001,0,,,,,
0,,49,,,0.90,,
0,,99,,,0.80,,
0,,99,,,,0.55,0.70
0,,99,,0.85,,,
,0.0005,100,,,,,
1,,149,,,nan,,
1,,199,,,0.60,,
1,,199,,,,0.65,0.65
1,,199,,0.62,,,
1,,200,0.66,,,,
"""


def test_lightning_sparse_rows(tmp_path):
    run = read(tmp_path, LIGHTNING, "metrics.csv")
    assert run.format == "lightning-csv"
    step = run.series["train_loss_step"]
    assert lst(step.steps) == [49, 99, 149, 199]
    assert lst(step.epochs) == [0, 0, 1, 1]
    v = step.values.tolist()
    assert v[0] == 0.9 and math.isnan(v[2])  # a logged nan is data, empty cells are absent
    assert lst(run.series["train_loss_epoch"].epochs) == [0, 1]
    assert lst(run.series["val_loss"].steps) == [99, 199]
    assert run.series["val_loss"].axis == "epoch"
    lr = run.series["lr-Adam"]
    assert lr.role == "lr" and lst(lr.steps) == [0, 100] and lr.epochs is None
    assert run.series["test_loss"].role == "test_loss" and values(run, "test_loss") == [0.66]
    assert run.train_loss.name == "train_loss_epoch"
    assert run.val_loss.name == "val_loss"
    assert "epoch" not in run.series and "step" not in run.series


def test_lightning_sniff_without_suffixes_or_gaps(tmp_path):
    data = b"train_loss,step,epoch\n0.5,49,0\n0.4,99,0\n"
    run = read(tmp_path, data, "metrics.csv")
    assert run.format == "lightning-csv"
    assert lst(run.series["train_loss"].steps) == [49, 99]


def test_lightning_crlf_and_bom(tmp_path):
    run = read(tmp_path, b"\xef\xbb\xbf" + LIGHTNING.replace(b"\n", b"\r\n"))
    assert run.format == "lightning-csv" and len(run.series["val_loss"]) == 2


# ------------------------------------------------------------------------------------------ Ultralytics

ULTRA_PADDED = b"""               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,        val/cls_loss,               x/lr0
                   0,            0.044359,            0.058406,            0.017296,             0.66347,              0.5581,             0.61848,             0.41228,            0.041406,            0.038171,            0.010942,              0.0937
                   1,            0.045127,            0.063451,            0.015708,             0.75447,             0.60969,             0.71498,             0.47026,            0.040718,            0.037106,           0.0096529,            0.086005
"""
ULTRA_V8 = b"""epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2
1,59.1,1.49,2.62,1.20,0.74,0.13,0.23,0.13,1.24,3.58,1.13,0.0005,0.0005,0.0005
2,125.6,1.33,1.57,1.13,0.67,0.50,0.71,0.43,1.31,2.25,1.14,0.0009,0.0009,0.0009
"""


def test_ultralytics_padded_v5(tmp_path):
    run = read(tmp_path, ULTRA_PADDED, "results.csv")
    assert run.format == "ultralytics"
    assert "train/box_loss" in run.series and "metrics/mAP_0.5:0.95" in run.series
    assert run.series["val/box_loss"].role == "val_loss"
    assert run.series["metrics/precision"].role == "val_metric"
    assert lst(run.series["train/box_loss"].epochs) == [0, 1]
    # finish_run adds the summed total of the components.
    total = run.series["train/loss (sum)"]
    assert total.derived and total.role == "train_loss" and run.series["val/loss (sum)"].role == "val_loss"
    assert values(run, "train/loss (sum)")[0] == pytest.approx(0.044359 + 0.058406 + 0.017296)


def test_ultralytics_v8_unpadded(tmp_path):
    run = read(tmp_path, ULTRA_V8, "results.csv")
    assert run.format == "ultralytics"
    assert run.series["metrics/mAP50-95(B)"].role == "val_metric"
    assert run.series["lr/pg0"].role == "lr"
    assert "time" not in run.series
    assert lst(run.series["val/box_loss"].epochs) == [1, 2]  # as written


def test_lightning_metrics_with_slash_names_is_not_ultralytics(tmp_path):
    # A LightningModule logging "train/loss", "train/value_loss" every 50 steps and "val/reward" once an epoch
    # (an RL module; self.log("train/loss", ...) keeps the key as given): Lightning's CSVLogger writes its step
    # column, which Ultralytics' results.csv never has.
    data = (b"epoch,step,train/entropy,train/loss,train/reward,train/value_loss,val/reward\n"
            b"0,49,25.9,-0.0228,-5.75,0.045,\n"
            b"0,99,25.4,0.486,-6.05,0.107,\n"
            b"0,99,,,,,-56.8\n"
            b"1,149,24.9,0.131,-5.90,0.062,\n")
    run = read(tmp_path, data, "metrics.csv")
    assert run.format == "lightning-csv"
    assert run.train_loss.name == "train/loss" and lst(run.train_loss.steps) == [49, 99, 149]
    assert values(run, "val/reward") == [-56.8] and run.series["val/reward"].role == "val_metric"


def test_ultralytics_val_false_zeros_are_not_validation(tmp_path):
    # model.train(..., val=False): Ultralytics writes 0 for every val loss and metric at each epoch and validates
    # once after the last (its results.csv as written, two of the zero rows and the final one)
    head = ULTRA_V8.split(b"\n")[0]
    data = head + (b"\n1,509.2,1.57,2.43,1.44,0,0,0,0,0,0,0,0.0004,0.0004,0.0004"
                   b"\n2,989.7,1.58,1.69,1.47,0,0,0,0,0,0,0,0.0008,0.0008,0.0008"
                   b"\n3,1490.1,1.49,1.42,1.41,0,0,0,0,0,0,0,0.0007,0.0007,0.0007"
                   b"\n4,1981.0,1.09,0.61,1.15,0.94,0.91,0.95,0.63,1.18,0.61,1.16,0.0001,0.0001,0.0001\n")
    run = read(tmp_path, data, "results.csv")
    assert run.format == "ultralytics"
    assert lst(run.series["val/box_loss"].epochs) == [4] and values(run, "val/box_loss") == [1.18]
    assert values(run, "metrics/mAP50-95(B)") == [0.63]
    assert len(run.series["train/box_loss"]) == 4
    assert any("val=False" in n for n in run.notes)


def test_ultralytics_val_losses_never_computed_are_no_val_loss(tmp_path):
    # A YOLOv9 fork's train.py writes real mAPs and 0 for every val loss at every epoch (reading survey 10): the
    # val losses were never computed, so there is no val loss; the train loss and the metrics stay
    head = (b"               epoch,      train/box_loss,      train/cls_loss,      train/dfl_loss,   metrics/precision,"
            b"      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/cls_loss,"
            b"        val/dfl_loss,               x/lr0,               x/lr1,               x/lr2")
    rows = [(0, 1.1494, 1.2316, 1.3541, 0.68342, 0.5663, 0.61727, 0.4542), (1, 1.13, 1.18, 1.35, 0.69, 0.57, 0.62, 0.46),
            (2, 1.12, 1.12, 1.34, 0.69, 0.58, 0.63, 0.47), (3, 1.1044, 1.0795, 1.323, 0.68382, 0.59745, 0.64644, 0.48358)]
    body = b"".join(b"\n" + b",".join(f"{v:>20}".encode() for v in (*r, 0, 0, 0, 0.0033, 0.0033, 0.0033))
                    for r in rows)
    run = read(tmp_path, head + body + b"\n", "results.csv")
    assert run.format == "ultralytics"
    assert run.val_loss is None and not any(n.startswith("val/") and n.endswith("loss") for n in run.series)
    assert len(run.train_loss) == 4
    assert values(run, "metrics/mAP_0.5") == [0.61727, 0.62, 0.63, 0.64644]
    assert any("exactly 0 at every epoch" in n for n in run.notes)


def test_ultralytics_a_real_zero_beside_nonzero_val_values_stays(tmp_path):
    # a metric of exactly 0 at an epoch whose val losses were measured (no box found yet) is data
    head = ULTRA_V8.split(b"\n")[0]
    data = head + (b"\n1,59.1,1.49,2.62,1.20,0,0,0,0,1.24,3.58,1.13,0.0005,0.0005,0.0005"
                   b"\n2,125.6,1.33,1.57,1.13,0.67,0.50,0.71,0.43,1.31,2.25,1.14,0.0009,0.0009,0.0009\n")
    run = read(tmp_path, data, "results.csv")
    assert values(run, "metrics/mAP50(B)") == [0.0, 0.71] and len(run.series["val/box_loss"]) == 2
    assert not any("val=False" in n for n in run.notes)


# ------------------------------------------------------------------------------------------ fastai

FASTAI = b"""epoch,train_loss,valid_loss,accuracy,error_rate,time
0,1.20,1.10,0.55,0.45,00:03
1,0.90,#na#,0.60,0.40,00:03
2,0.70,0.90,0.66,0.34,01:02
"""


def test_fastai_metrics_are_validation(tmp_path):
    run = read(tmp_path, FASTAI, "history.csv")
    assert run.format == "fastai"
    assert run.series["accuracy"].role == "val_metric" and run.series["accuracy"].higher_is_better
    assert run.series["error_rate"].role == "val_metric" and run.series["error_rate"].higher_is_better is False
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "valid_loss"
    assert values(run, "valid_loss") == [1.1, 0.9]  # '#na#' is absent
    assert "time" not in run.series


# ------------------------------------------------------------------------------------------ generic CSV


@pytest.mark.parametrize("sep", [b",", b"\t", b";", b"|"])
def test_generic_csv_delimiters(tmp_path, sep):
    rows = [b"step,train_loss,val_loss,my_acc", b"100,1.0,1.2,0.5", b"200,0.8,1.0,0.6", b"300,0.7,0.9,0.7"]
    data = b"\n".join(r.replace(b",", sep) for r in rows) + b"\n"
    run = read(tmp_path, data, "metrics.txt")
    assert run.format == "csv"
    assert lst(run.series["train_loss"].steps) == [100, 200, 300]
    assert run.series["train_loss"].epochs is None
    assert run.val_loss.name == "val_loss"


@pytest.mark.parametrize("axis", ["Global Step", "iteration", "ITER", "global_step"])
def test_generic_csv_axis_names(tmp_path, axis):
    data = f"{axis},loss\n10,1.0\n20,0.9\n".encode()
    run = read(tmp_path, data)
    assert lst(run.series["loss"].steps) == [10, 20]
    assert set(run.series) == {"loss"}


def test_generic_csv_step_and_epoch_and_sparse(tmp_path):
    data = b"step,epoch,train_loss,val_loss\n10,0,1.0,\n20,0,0.9,\n20,0,,1.1\n30,1,0.8,\n40,1,0.7,\n40,1,,1.0\n"
    run = read(tmp_path, data)
    # step + epoch + sparse rows is exactly Lightning's shape; the csv reader reads it the same way.
    assert run.format == "lightning-csv"
    assert registry.read_path(tmp_path / "log.csv", "csv")[0].series["val_loss"].values.tolist() == [1.1, 1.0]
    assert values(run, "val_loss") == [1.1, 1.0]
    assert lst(run.series["val_loss"].steps) == [20, 40]
    assert lst(run.series["train_loss"].epochs) == [0, 0, 1, 1]


def test_generic_csv_without_axis(tmp_path):
    data = b"train_loss,val_loss\n1.0,1.1\n0.9,1.0\n"
    run = read(tmp_path, data)
    assert run.format == "csv"
    assert lst(run.series["train_loss"].x) == [0, 1]
    assert any("no step or epoch column" in n for n in run.notes)


def test_a_step_counter_that_starts_again_at_each_epoch_is_counted_on_not_cut(tmp_path):
    # A hand-written loop that logs "samples seen in this epoch" beside the epoch (a public traffic-sign log):
    # the step goes back to 0 exactly where the epoch moves on. That is one run, not three restarts.
    data = b"Epoch,step,train_loss,validation_loss\n1,0,3.0,3.1\n1,100,2.0,2.2\n2,0,1.5,1.8\n2,100,1.2,1.6\n3,0,1.0,1.5\n3,100,0.9,1.5\n"
    run = read(tmp_path, data)
    assert values(run, "train_loss") == [3.0, 2.0, 1.5, 1.2, 1.0, 0.9]
    assert lst(run.series["train_loss"].steps) == [0, 100, 200, 300, 400, 500]
    assert not run.meta.get("restarted")
    assert any("starts again at every epoch" in n for n in run.notes)


def test_a_step_counter_that_goes_back_within_an_epoch_is_still_a_restart(tmp_path):
    # The epoch column does not move on where the step goes back: a run appended to the same log.
    data = b"epoch,step,loss\n1,0,3.0\n1,100,2.0\n1,0,3.1\n1,100,2.1\n"
    run = read(tmp_path, data)
    assert values(run, "loss") == [3.1, 2.1]
    assert run.meta.get("restarted")


def test_a_total_loss_column_among_its_parts_is_the_loss_not_one_more_part(tmp_path):
    # Epoch means named *_avg (a public domain-adaptation log): the total is read, never summed with its parts.
    data = (b"epoch,loss_source_avg,loss_distill_avg,loss_total_avg\n1,2.0,0.5,2.5\n2,1.5,0.4,1.9\n"
            b"3,1.2,0.3,1.5\n")
    run = read(tmp_path, data)
    assert run.train_loss is not None and run.train_loss.name == "loss_total_avg"
    assert run.train_loss.values.tolist() == [2.5, 1.9, 1.5]


def test_generic_csv_restart_on_step_counter(tmp_path):
    data = b"step,loss\n0,3.0\n100,2.0\n200,1.5\nstep,loss\n0,3.1\n100,2.1\n"
    run = read(tmp_path, data)
    assert values(run, "loss") == [3.1, 2.1]
    assert any("step counter restarts" in n for n in run.notes)
    assert any("repeated" in n for n in run.notes)


def test_only_val_loss_is_enough(tmp_path):
    run = read(tmp_path, b"epoch,val_loss,val_acc\n0,1.0,0.5\n1,0.9,0.6\n")
    assert run.val_loss.name == "val_loss" and run.train_loss is None


# ------------------------------------------------------------------------------------------ errors


def test_no_loss_column_reads_but_analysis_says_no_loss(tmp_path):
    # The reader returns what it found (the user may name a loss with --train/--val); the API is the one place
    # that turns "no loss at all" into an InputError.
    import lossdoc

    run = read(tmp_path, b"step,accuracy,f1\n1,0.5,0.4\n2,0.6,0.5\n")
    assert run.format == "csv" and set(run.series) == {"accuracy", "f1"}
    assert run.train_loss is None and run.val_loss is None
    report = lossdoc.analyze(tmp_path / "log.csv")
    assert report.exit_code == 2
    assert "no loss series found (series: accuracy, f1)" in report.errors[0].message


def test_unknown_names_with_an_axis_are_sniffed_so_train_val_can_name_them(tmp_path):
    import lossdoc

    data = b"epoch,foo,bar\n" + b"".join(f"{i},{2 - i * 0.1},{1 + i * 0.05}\n".encode() for i in range(10))
    assert read(tmp_path, data).format == "csv"
    report = lossdoc.analyze(tmp_path / "log.csv", train="foo", val="bar")
    assert not report.errors and report.runs[0].run.val_loss.name == "bar"


def test_dataset_csv_is_not_a_log(tmp_path):
    with pytest.raises(InputError, match="not a training log"):
        read(tmp_path, b"sepal_length,sepal_width,label\n5.1,3.5,0\n4.9,3.0,1\n")


def test_text_in_loss_column_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="loss column 'loss' holds text"):
        read(tmp_path, b"epoch,loss\n0,1.0\n1,oops\n", fmt="keras-csvlogger")


@pytest.mark.parametrize("reader", [r.name for r in (cls() for cls in READERS)])
def test_every_tabular_reader_rejects_non_tables_with_input_error(tmp_path, reader):
    with pytest.raises(InputError):
        read(tmp_path, b'{"loss": [1, 2, 3]}\n', fmt=reader)


@pytest.mark.parametrize("reader", [r.name for r in (cls() for cls in READERS)])
def test_every_tabular_reader_needs_a_numeric_series(tmp_path, reader):
    with pytest.raises(InputError, match="no numeric series found"):
        read(tmp_path, b"epoch,step,note\n0,1,hello\n", fmt=reader)


def test_sniffers_do_not_claim_prose_or_json():
    heads = [b"hello world\nthis is a readme\n", b'{"loss": [1, 2]}', b"[1, 2, 3]", b"\x00\x01\x02binary"]
    for cls in READERS:
        for h in heads:
            assert not cls().sniff(h, None), (cls.name, h)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(max_size=400) | st.text(alphabet=",\t;|\n\r\"' .0123456789abelnostv_-", max_size=300).map(str.encode)
)
def test_garbage_never_raises_anything_but_input_error(data):
    for cls in READERS:
        r = cls()
        try:
            r.sniff(data, None)
        except Exception as exc:  # pragma: no cover - reported by hypothesis
            raise AssertionError(f"{r.name}.sniff raised {exc!r}") from exc
        try:
            r.read(Source("<garbage>", None, data))
        except InputError:
            pass


def test_load_table_keeps_empty_distinct_from_nan():
    t = load_table(Source("x", None, b"a,b\n1,\n2,nan\n"))
    vals, present = t.numeric("b")
    assert present.tolist() == [False, True]
    assert math.isnan(vals[1])


def test_fastai_without_time_column(tmp_path):
    run = read(tmp_path, b"epoch,train_loss,valid_loss,accuracy\n0,1.2,1.1,0.5\n1,0.9,1.0,0.6\n")
    assert run.format == "fastai" and run.series["accuracy"].role == "val_metric"


def test_keras_csvlogger_is_not_claimed_for_train_prefixed_names(tmp_path):
    # A plain loop's CSV that starts with epoch but names its losses train_/val_ is generic, not Keras.
    run = read(
        tmp_path, b"epoch,train_loss,train_acc,val_loss,val_acc\n1,2.2,26.0,2.1,45.0\n2,1.9,59.3,1.9,42.2\n"
    )
    assert run.format == "csv"
    assert run.series["train_acc"].values.tolist() == [0.26, 0.593]


def test_a_column_with_no_values_is_left_out_with_a_note(tmp_path):
    """R's write.csv writes NA for a val loss that was never computed (a public log had val_loss, val_mae and
    val_accuracy all NA): that is a curve with no values, not a text column, and never an input error."""
    from lossdoc.readers import registry

    p = tmp_path / "training_history.csv"
    rows = "".join(f"{e},{0.1 + e / 100},{1 / (e + 1)},NA,NA\n" for e in range(12))
    p.write_text("epoch,accuracy,loss,val_loss,val_accuracy\n" + rows)
    (run,) = registry.read_path(p)
    assert run.train_loss is not None and run.train_loss.name == "loss" and len(run.train_loss) == 12
    assert run.val_loss is None and "val_loss" not in run.series
    assert any("val_loss: no values" in n for n in run.notes), run.notes


# ------------------------------------------------------------------------------------------ comment lines

PUBLIC = Path(__file__).resolve().parent.parent / "fixtures" / "public"


def test_public_csv_with_comment_lines_before_the_header():
    """A real log (Rhymes-Like-Dimes/neural-network-c) starts with ``#`` lines and a blank line above
    ``Epoch,Accuracy,Loss``: they are skipped as pandas' ``comment="#"`` would."""
    import csv
    import io

    import lossdoc

    path = PUBLIC / "csv" / "Rhymes-Like-Dimes__neural-network-c__training_metrics.csv"
    text = path.read_text()
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    comments = sum(1 for ln in text.splitlines() if ln.lstrip().startswith("#"))
    (run,) = lossdoc.read(str(path))
    assert run.format == "csv"  # comments above the header: written by hand, not by Keras' CSVLogger
    assert set(run.series) == {"Accuracy", "Loss"}
    assert len(run.series["Loss"]) == len(rows) == 15 and len(run.series["Accuracy"]) == len(rows)
    assert run.train_loss.name == "Loss" and run.val_loss is None
    assert run.series["Accuracy"].role == "train_metric"
    assert lst(run.series["Loss"].epochs) == [float(r["Epoch"]) for r in rows]
    assert values(run, "Loss") == [float(r["Loss"]) for r in rows]
    assert any(f"{comments} comment line(s)" in n for n in run.notes), run.notes


def test_leading_comments_and_blank_lines_are_skipped_but_not_a_hash_in_the_data(tmp_path):
    data = (
        b"# run: baseline, lr=0.1\n#\n\n   # seed 3\n\n"
        b"step,loss,val_loss,note\n10,1.0,1.1,start\n20,0.8,0.9,#best\n30,0.7,0.95,# after\n"
    )
    run = read(tmp_path, data, "metrics.csv")
    assert run.format == "csv"
    assert lst(run.series["loss"].steps) == [10, 20, 30] and values(run, "val_loss") == [1.1, 0.9, 0.95]
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert any("3 comment line(s)" in n for n in run.notes)


def test_comment_lines_with_crlf_and_bom_make_a_keras_like_header_generic(tmp_path):
    # No tool's own CSV writer puts comments above its header: the generic reader takes such a file.
    data = b"\xef\xbb\xbf# Training configuration\r\n# Decay: 0.98\r\n\r\nepoch,loss,val_loss\r\n0,1.0,1.2\r\n1,0.8,1.0\r\n"
    run = read(tmp_path, data, "training.log")
    assert run.format == "csv" and lst(run.val_loss.epochs) == [0, 1] and run.train_loss.name == "loss"
    assert read(tmp_path, data, "training.log", fmt="keras-csvlogger").format == "keras-csvlogger"


def test_a_text_log_that_starts_with_a_comment_stays_a_text_log(tmp_path):
    # The eval set's text logs start with "# h:..." and go on with "epoch   1 | loss ... |" lines: not a header.
    data = b"# h:classif(n=2400)\n" + b"".join(
        b"epoch %3d | loss %.4f | val_loss %.4f | acc 0.5 | 0.1s\n" % (e, 1 / e, 1.1 / e) for e in range(1, 8)
    )
    run = read(tmp_path, data, "train.log")
    assert run.format == "text" and len(run.train_loss) == 7


def test_only_comments_and_a_header_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        read(tmp_path, b"# nothing yet\nepoch,loss\n", "log.csv", fmt="csv")


# ------------------------------------------------------------------------------------------ long (tidy) tables


def test_public_long_csv_is_pivoted_by_split_and_metric():
    """A real log (sbdeery/lorenz63-sgm) is written long: ``epoch,split,metric,value``."""
    import csv

    import lossdoc

    path = PUBLIC / "csv" / "sbdeery__lorenz63-sgm__outputs-training_log.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    want: dict[str, list[dict]] = {}
    for r in rows:
        want.setdefault(f"{r['split']}_{r['metric']}", []).append(r)
    (run,) = lossdoc.read(str(path))
    assert set(run.series) == set(want) == {"train_loss", "val_loss"}
    for name, rs in want.items():
        s = run.series[name]
        assert len(s) == len(rs) == 50
        assert s.values.tolist() == [float(r["value"]) for r in rs]
        assert lst(s.epochs) == [float(r["epoch"]) for r in rs]
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert "value" not in run.series


def test_long_table_with_phase_and_name_columns(tmp_path):
    data = b"wall_time,step,phase,name,value\n" + b"".join(
        b"%d,%d,%s,%s,%g\n" % (1700000000 + s, s, p, n, v)
        for s in (100, 200, 300)
        for p, n, v in (
            (b"train", b"loss", 1.0 / s),
            (b"train", b"accuracy", 0.5),
            (b"validation", b"loss", 1.2 / s),
            (b"validation", b"accuracy", 0.4),
        )
    )
    run = read(tmp_path, data, "scalars.csv")
    assert set(run.series) == {"train_loss", "train_accuracy", "validation_loss", "validation_accuracy"}
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "validation_loss"
    assert run.series["validation_accuracy"].role == "val_metric"
    assert lst(run.series["validation_loss"].steps) == [100, 200, 300]
    assert values(run, "train_loss") == [0.01, 0.005, 0.00333333]  # as written (%g)


def test_long_table_with_a_metric_column_only_and_sparse_metrics(tmp_path):
    data = b"epoch,metric,value\n1,train_loss,1.0\n1,val_loss,1.1\n2,train_loss,0.8\n3,train_loss,0.7\n3,val_loss,0.9\n"
    run = read(tmp_path, data, "log.csv")
    assert run.train_loss.name == "train_loss" and lst(run.train_loss.epochs) == [1, 2, 3]
    assert run.val_loss.name == "val_loss" and lst(run.val_loss.epochs) == [1, 3]


def test_a_wide_table_with_a_name_column_is_not_pivoted(tmp_path):
    # Another numeric column next to "value": a wide table, read column by column as before.
    run = read(tmp_path, b"epoch,name,value,loss\n1,a,3,1.0\n2,b,4,0.9\n", "log.csv")
    assert set(run.series) == {"value", "loss"}


def test_long_table_with_text_values_is_an_input_error(runner, tmp_path):
    from lossdoc.cli import app

    p = tmp_path / "log.csv"
    p.write_bytes(b"epoch,split,metric,value\n1,train,loss,abc\n2,train,loss,def\n")
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and p.name in lines[0], r.stderr


def test_a_table_of_one_quantity_per_split_is_a_log():
    """pandas' to_csv of a dict of per-epoch losses keyed by split (a real losses.csv: an unnamed index column,
    then `train` and `valid`): read as a CSV of curves, whose losses the user (here the labeller) names."""
    import csv

    from lossdoc.api import apply_overrides
    from tests.conftest import ROOT

    path = ROOT / "fixtures/public/csv/misaelmmorales__Drone-Rock-Classification__losses.csv"
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    run = registry.read_path(path)[0]
    assert run.format == "csv" and sorted(run.series) == ["train", "valid"]
    assert len(run.series["valid"]) == len(rows) - 1
    apply_overrides(run, "train", "valid")
    assert run.train_loss.name == "train" and run.val_loss.name == "valid"
    assert float(run.val_loss.values[0]) == float(rows[1][2])


def test_a_data_set_saved_by_pandas_is_not_a_log(tmp_path):
    """The same shape with feature names (an unnamed index, then measurements) is a data set, not curves."""
    p = tmp_path / "iris.csv"
    p.write_text(",sepal_length,sepal_width\n0,5.1,3.5\n1,4.9,3.0\n2,4.7,3.2\n")
    with pytest.raises(InputError):
        registry.read_path(p)


@pytest.mark.parametrize("text", ["0.9\n0.7\n0.55\n0.5\n", "0.9,0.7,0.55,0.5\n", ",0.9,0.7,0.55,0.5", "0.9 0.7 0.55 nan\n"])
def test_a_bare_list_of_numbers_is_one_loss(tmp_path, text):
    """np.savetxt(losses), or a list joined with commas on one line (a leading empty field included): one loss per
    epoch, named after the file when its name names a loss."""
    path = tmp_path / "val_losses.txt"
    path.write_text(text)
    run = registry.read_path(path)[0]
    assert run.format == "numbers" and list(run.series) == ["val_losses"]
    s = run.series["val_losses"]
    assert s.kind == "loss" and s.split == "val" and list(s.epochs) == [0, 1, 2, 3]
    assert s.values[0] == 0.9 and (s.values[3] == 0.5 or np.isnan(s.values[3]))
    other = tmp_path / "dump.csv"  # a name that says nothing: the train loss
    other.write_text(text)
    assert list(registry.read_path(other)[0].series) == ["loss"]


@pytest.mark.parametrize("text", ["0.9,0.7\n0.5,0.4\n0.3,0.2\n", "loss\n0.9\n0.7\n0.5\n", "1, 2\n", "epoch 1: 0.5\n"])
def test_not_a_bare_list_of_numbers(tmp_path, text):
    path = tmp_path / "losses.txt"
    path.write_text(text)
    try:
        runs = registry.read_path(path)
    except InputError:
        return
    assert runs[0].format != "numbers"


def test_a_test_loss_curve_stands_in_for_a_missing_val_loss(tmp_path):
    """PyTorch tutorials evaluate a "test" loss after every epoch and log no val loss: that curve is the held-out
    one, read as the val loss (its accuracy with it), with a note. A test loss computed once at the end is not,
    and a log with a val loss keeps it."""
    rows = "\n".join(f"{e},{1 / (e + 1):.4f},{1.1 / (e + 1):.4f},{0.5 + e / 40:.3f}" for e in range(10))
    path = tmp_path / "history.csv"
    path.write_text("epoch,train_loss,test_loss,test_acc\n" + rows + "\n")
    run = registry.read_path(path)[0]
    assert run.val_loss is not None and run.val_loss.name == "test_loss"
    assert run.series["test_acc"].split == "val"
    assert any("test_loss read as the validation loss" in n for n in run.notes)
    both = tmp_path / "both.csv"
    both.write_text("epoch,train_loss,val_loss,test_loss\n"
                    + "\n".join(f"{e},1,{1.05:.2f},{1.1:.2f}" for e in range(10)) + "\n")
    run = registry.read_path(both)[0]
    assert run.val_loss.name == "val_loss" and run.series["test_loss"].split == "test"
    once = tmp_path / "once.csv"  # a test loss at the end only (Lightning's trainer.test row)
    once.write_text("epoch,train_loss,test_loss\n" + "\n".join(f"{e},{1 / (e + 1):.3f}," for e in range(9))
                    + "\n9,0.1,0.12\n")
    assert registry.read_path(once)[0].val_loss is None


def test_headerless_counter_and_value_lines_are_one_loss(tmp_path):
    # with open("log.csv", "a") as f: f.write(f"{epoch},{loss}\n"): no header, a counter and the loss.
    run = read(tmp_path, b"1,0.693\n2,0.52\n3,0.41\n4,0.37\n", name="log.csv")
    assert run.format == "numbers"
    assert run.train_loss is not None and run.train_loss.values.tolist() == [0.693, 0.52, 0.41, 0.37]
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4]
    # a first column that does not count up is not a counter: not read as this layout
    with pytest.raises(InputError):
        read(tmp_path, b"1,0.693\n3,0.52\n2,0.41\n4,0.37\n", name="log2.csv")


def test_a_loss_that_is_the_mean_or_sum_of_others_is_the_total_not_one_more_part(tmp_path):
    # Data-parallel workers and their mean (a public log): summing the three would count the curve three times.
    data = b"epoch,avg_loss,worker0_loss,worker1_loss\n1,0.70,0.69,0.71\n2,0.55,0.50,0.60\n3,0.45,0.44,0.46\n"
    run = read(tmp_path, data)
    assert run.train_loss is not None and run.train_loss.name == "avg_loss"
    assert not any(s.derived for s in run.series.values())
    assert any("mean of worker0_loss, worker1_loss" in n for n in run.notes)
    # A GAN's generator loss is the sum of two of its terms; the discriminator's loss is left beside it.
    data = (b"epoch,loss_G,loss_D,loss_G_adv,loss_G_l1\n1,3.0,0.7,1.0,2.0\n2,2.5,0.6,0.9,1.6\n3,2.1,0.65,0.8,1.3\n")
    run = read(tmp_path, data, name="gan.csv")
    assert run.train_loss is not None and run.train_loss.name == "loss_G"
    assert any("sum of loss_G_adv, loss_G_l1" in n and "left beside" in n for n in run.notes)
    # Parts with no total among them are still summed.
    run = read(tmp_path, b"epoch,box_loss,cls_loss\n1,1.0,2.0\n2,0.8,1.5\n3,0.7,1.2\n", name="parts.csv")
    assert run.train_loss is not None and run.train_loss.derived and run.train_loss.values.tolist() == [3.0, 2.3, 1.9]


def test_fastai_printed_table_with_aligned_columns(tmp_path):
    # Learner.fit's progress table as printed to a console or a log: columns padded with spaces, a "time" column
    # ("00:01") that is text, a second fit printing its header again.
    head = "epoch     train_loss  valid_loss  accuracy  time    \n"
    rows = "".join(f"{e:<10}{1.4 * 0.8**e:<12.6f}{1.0 * 0.85**e:<12.6f}{0.5 + 0.03 * e:<10.6f}00:01     \n"
                   for e in range(6))
    run = read(tmp_path, (head + rows).encode(), "results.txt")
    assert run.format == "fastai"
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "valid_loss"
    assert len(run.val_loss) == 6 and run.val_loss.values[0] == 1.0
    assert "accuracy" in run.series and run.series["accuracy"].split == "val"
    assert any("aligned with spaces" in n for n in run.notes)
    two = read(tmp_path, (head + rows + head + rows).encode(), "results.txt")  # two fits: the last one is kept
    assert len(two.val_loss) == 6
    with pytest.raises(InputError, match="no data rows"):
        read(tmp_path, head.encode(), "results.txt")


def test_rows_by_split_are_one_series_per_column_and_split(tmp_path):
    # pd.DataFrame(rows).to_csv: one row per (epoch, split), the loss and accuracy of that split in columns. Read as
    # one column, the train and val losses would interleave into one zig-zagging curve.
    rows = "".join(f"{e},{sp},{(0.8 if sp == 'train' else 0.9) ** e:.4f},{0.5 + 0.05 * e:.3f}\n"
                   for e in range(1, 6) for sp in ("train", "val"))
    run = read(tmp_path, ("epoch,split,loss,accuracy\n" + rows).encode(), "history.csv")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert run.train_loss.values[0] == 0.8 and run.val_loss.values[0] == 0.9 and len(run.val_loss) == 5
    assert run.series["val_accuracy"].split == "val"


def test_rows_of_several_runs_by_split_are_one_run_each_not_one_curve(tmp_path):
    # (more layouts in tests/test_reader_stages.py)
    rows = "".join(f"{e},{m},{sp},{0.9 ** e:.4f}\n" for e in range(1, 4) for m in ("ANN", "SNN")
                   for sp in ("train", "test"))
    p = tmp_path / "history.csv"
    p.write_bytes(("epoch,model,split,loss\n" + rows).encode())
    runs = registry.read_path(p)
    assert [r.name for r in runs] == ["history.csv (model=ANN)", "history.csv (model=SNN)"]
    assert all(values(r, "train_loss") == [0.9, 0.81, 0.729] and len(r.series["test_loss"]) == 3 for r in runs)


def test_yolov10_results_csv_sums_its_six_unnamed_loss_parts(tmp_path):
    """YOLOv10's trainer names its loss parts box/cls/dfl of the one-to-many ("_om") and one-to-one ("_oo") heads,
    without the word loss (ultralytics YOLOv10DetectionTrainer.get_validator: ``self.loss_names = "box_om",
    "cls_om", "dfl_om", "box_oo", "cls_oo", "dfl_oo"``); results.csv pads every field to 23 characters. The file is
    Ultralytics', and its train and val losses are the sums of the six parts."""
    parts = ["box_om", "cls_om", "dfl_om", "box_oo", "cls_oo", "dfl_oo"]
    cols = ["epoch", *[f"train/{p}" for p in parts], "metrics/mAP50-95(B)", *[f"val/{p}" for p in parts], "lr/pg0"]
    rows = []
    for e in range(1, 8):
        tr = [round(b * (1 + r / e), 4) for b, r in ((1.2, 0.3), (2.5, 0.9), (1.1, 0.1), (1.3, 0.35), (3.6, 1.1),
                                                     (1.15, 0.12))]
        rows.append([e, *tr, 0.1 * e, *[round(x + 0.5, 4) for x in tr], 0.001])
    text = "\n".join(",".join(f"{v:>23}" for v in r) for r in [cols, *rows]) + "\n"
    run = read(tmp_path, text.encode(), name="results.csv")
    assert run.format == "ultralytics"
    assert run.train_loss.name == "train/loss (sum)" and run.val_loss.name == "val/loss (sum)"
    assert values(run, "train/loss (sum)")[0] == pytest.approx(sum(rows[0][1:7]))
    assert values(run, "val/loss (sum)")[-1] == pytest.approx(sum(rows[-1][8:14]))
    assert len(run.train_loss.values) == 7 and run.train_loss.axis == "epoch"
