"""A console-log layout the fifth (held-out) reading survey found refused: a MAML trainer's Python-logging lines, a bare
``Meta epoch N...`` marker, then ``Meta batch loss: X``, the CS230-style ``- Eval metrics : a: x ; b: y`` line and the
evaluation's ``Average Evaluation Loss: X`` / ``Joint goal accuracy: X`` lines; many trainings appended to one log,
each starting again at epoch 0. Every sample below is written by hand in that layout (other numbers, fewer runs)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry
from tests.reading import fresh_registry, lst  # noqa: F401 (fresh_registry: an autouse fixture)
from tests.reading import read as read_one


def read(tmp_path: Path, data: bytes, name: str = "train.log") -> Run:
    return read_one(tmp_path, data, name)


# The layout of ANarayan/DAMSL-CS224N-FinalProject's train.log (survey 5's file): Python logging with the format
# '%(asctime)s:%(levelname)s: %(message)s' (as the CS230 code examples' utils.set_logger sets it), messages
# "Starting MAML for {} meta epoch(s)", "Meta epoch {}...", "Meta batch loss: {}", "Average inner loss after inner
# updates : {}", then the evaluation: "- Eval metrics : " + " ; ".join("{}: {:05.3f}".format(k, v) ...), "Average
# Evaluation Loss: {}", "Total eval loss: {}", "Joint goal accuracy: {}", "Average goal accuracy: {}", "Average slot
# precision: {}", "- Found new best loss". Here: a training that died before a value, two that stopped after epoch
# 0 (the second with its evaluation), one that printed "Meta epoch 1..." and died, then the last one, epochs 0-3.
def _eval(ts: str, batch: float, avg: float, total: float, joint: float, goal: float) -> str:
    return (
        f"2020-03-08 {ts},101:INFO: - Eval metrics : batch_loss: {batch:.3f} ; slot_goal_accuracy: {goal:.3f} ; "
        f"joint_goal_accuracy: {joint:.3f} ; slot_precision: 0.000 ; slot_recall: 0.004 ; slot_f1: 0.000\n"
        f"2020-03-08 {ts},102:INFO: Average Evaluation Loss: {avg}\n"
        f"2020-03-08 {ts},103:INFO: Total eval loss: {total}\n"
        f"2020-03-08 {ts},104:INFO: Joint goal accuracy: {joint}\n"
        f"2020-03-08 {ts},105:INFO: Average goal accuracy: {goal}\n"
        f"2020-03-08 {ts},106:INFO: Average slot precision: 0.0002\n"
        f"2020-03-08 {ts},107:INFO: - Found new best loss\n"
    )


def _start(ts: str) -> str:
    return (f"2020-03-08 {ts},001:INFO: Loading the datasets...\n2020-03-08 {ts},002:INFO: -done\n"
            f"2020-03-08 {ts},003:INFO: Starting MAML for 20 meta epoch(s)\n")


def _epoch(ts: str, n: int, loss: str) -> str:
    return (f"2020-03-08 {ts},010:INFO: Meta epoch {n}...\n2020-03-08 {ts},011:INFO: Meta batch loss: {loss}\n"
            f"2020-03-08 {ts},012:INFO: Average inner loss after inner updates : {loss}\n")


LAST = (
    _start("23:48:40") + _epoch("23:48:46", 0, "238.0532684326172") + _eval("23:49:58", 2278.557, 2278.5573, 2811739.7, 0.0, 0.029)
    + _epoch("23:49:59", 1, "224.34820556640625") + _eval("23:51:10", 2151.068, 2151.0679, 2654417.8, 0.0, 0.160)
    + _epoch("23:51:11", 2, "200.0220489501953") + _eval("23:52:22", 1922.393, 1922.3925, 2372232.4, 0.0, 0.541)
    + _epoch("23:52:23", 3, "149.16607666015625") + _eval("23:53:33", 1429.586, 1429.5856, 1764108.7, 0.137, 0.886)
    + "2020-03-08 23:53:33,510:INFO: Meta epoch 4...\n"
)
MAML = (
    _start("16:58:09") + "2020-03-08 16:59:09,457:INFO: Meta epoch 0...\n"
    + _start("21:18:05") + _epoch("21:18:11", 0, "234.57298278808594")
    + _start("23:40:01") + _epoch("23:40:07", 0, "236.0122528076172") + _eval("23:45:01", 2564.276, 41.56038, 51285.5, 0.0, 0.0006)
    + "2020-03-08 23:45:45,674:INFO: Meta epoch 1...\n"
    + LAST
).encode()


def test_meta_batch_loss_is_the_train_loss_and_the_evaluations_average_the_val_loss(tmp_path):
    run = read(tmp_path, MAML)
    assert run.format == "text"
    # named as the text reader names "Train Loss: x" block lines: the words joined by "_"
    assert run.train_loss.name == "Meta_batch_loss" and run.series["Meta_batch_loss"].role == "train_loss"
    assert run.val_loss.name == "Average_Evaluation_Loss" and run.series["Average_Evaluation_Loss"].role == "val_loss"
    assert run.meta["chosen_loss"] == {"val": "Average_Evaluation_Loss"}
    assert any("Average_Evaluation_Loss: the evaluation's average loss" in n for n in run.notes)
    # the last training only: epochs 0-3, the first value its own (not an earlier training's epoch 0)
    assert lst(run.train_loss.epochs) == [0, 1, 2, 3] and run.train_loss.axis == "epoch"
    assert run.train_loss.values[0] == 238.0532684326172 and run.train_loss.values[-1] == 149.16607666015625
    assert lst(run.val_loss.epochs) == [0, 1, 2, 3]
    assert run.val_loss.values.tolist() == [2278.5573, 2151.0679, 1922.3925, 1429.5856]
    # the metrics line's batch_loss and the total are val losses too, but not the one used
    assert run.series["val_batch_loss"].role == "val_loss" and run.series["Total_eval_loss"].role == "val_loss"
    assert run.series["val_batch_loss"].values[0] == 2278.557
    # accuracies: the evaluation's metrics, higher better
    for name in ("val_joint_goal_accuracy", "val_slot_goal_accuracy", "val_Joint_goal_accuracy",
                 "val_Average_goal_accuracy"):
        assert run.series[name].role == "val_metric" and run.series[name].higher_is_better, name
    assert run.series["val_Average_goal_accuracy"].values.tolist() == [0.029, 0.160, 0.541, 0.886]
    # no series from the sentence-long inner-loss line, the logging prefix, "Starting MAML for 20 meta epoch(s)"
    assert not any("inner" in n or "INFO" in n or "MAML" in n or n.startswith("of") for n in run.series)


def test_trainings_appended_each_from_epoch_0_keep_the_latest_with_a_note(tmp_path):
    run = read(tmp_path, MAML)
    note = next(n for n in run.notes if "restarts" in n)
    assert "2 time(s)" in note and "epoch 0" in note and "kept the latest segment" in note
    assert "Meta_batch_loss" in run.meta["restarted"] and "Average_Evaluation_Loss" in run.meta["restarted"]
    assert 41.56038 not in run.val_loss.values.tolist()  # the earlier training's evaluation is cut with it


def test_one_training_has_no_restart(tmp_path):
    run = read(tmp_path, LAST.encode())
    assert not any("restarts" in n for n in run.notes) and "restarted" not in run.meta
    assert run.train_loss.name == "Meta_batch_loss" and lst(run.train_loss.epochs) == [0, 1, 2, 3]
    assert run.val_loss.name == "Average_Evaluation_Loss" and len(run.val_loss) == 4


def test_nan_and_inf_are_kept_as_data(tmp_path):
    data = LAST.replace("Meta batch loss: 200.0220489501953", "Meta batch loss: nan")
    data = data.replace("Average Evaluation Loss: 1429.5856", "Average Evaluation Loss: inf")
    run = read(tmp_path, data.encode())
    assert len(run.train_loss) == 4 and math.isnan(run.train_loss.values[2])
    assert len(run.val_loss) == 4 and math.isinf(run.val_loss.values[3])


def test_an_epoch_block_of_other_names_again_is_no_restart(tmp_path):
    # a train block and an evaluation block under the same bare epoch marker: complementary, not a new training
    data = b"".join(
        f"Epoch {e}\nloss: {0.9 - e / 10:.2f}\nEpoch {e}\nval_loss: {1.0 - e / 10:.2f}\n".encode() for e in range(3)
    )
    run = read(tmp_path, data)
    assert not any("restarts" in n for n in run.notes)
    assert run.train_loss.values.tolist() == [0.9, 0.8, 0.7] and run.val_loss.values.tolist() == [1.0, 0.9, 0.8]


def test_ellipsis_after_an_epoch_number_only(tmp_path):
    # "Meta epoch 0..." is a marker; "epoch 0.5" is not epoch 0 (nor are two dots an ellipsis)
    run = read(tmp_path, LAST.replace("Meta epoch 2...", "Meta epoch 2..").encode())
    assert lst(run.train_loss.epochs) == [0, 1, 3]  # no marker: epoch 2's block is not read
    assert 200.0220489501953 not in run.train_loss.values.tolist()


def test_markers_without_any_value_are_not_a_log(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "maml.log"
    p.write_bytes((_start("10:00:00") + "2020-03-08 10:00:01,000:INFO: Meta epoch 0...\n"
                   + "2020-03-08 10:00:02,000:INFO: - Found new best loss\n").encode())
    with pytest.raises(InputError, match="maml.log"):
        registry.read_path(p, None)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "maml.log" in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1
