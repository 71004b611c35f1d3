"""The classic logs of detection / vision tools (detlogs.py): YOLOv5 and ultralytics/yolov3 ``results.txt``,
darknet's training output (AlexeyAB and pjreddie), Caffe's glog training output.

The files in ``tests/data/detlogs/`` and the lines built here follow each tool's own format strings:

- yolov5 ``train.py`` (v1.0-v5.0): ``s = ('%10s' * 2 + '%10.4g' * 6) % ('%g/%g' % (epoch, epochs - 1), mem, *mloss,
  targets.shape[0], imgs.shape[-1])`` with ``mem = '%.3gG' % (...)``, then ``f.write(s + '%10.4g' * 7 % results +
  '\\n')  # P, R, mAP@.5, mAP@.5-.95, val_loss(box, obj, cls)``; ``utils/plots.py`` ``plot_results`` reads
  ``usecols=[2, 3, 4, 8, 9, 12, 13, 14, 10, 11]`` (Box, Objectness, Classification, Precision, Recall, val Box...).
- ultralytics/yolov3 ``train.py``: the same with ``'%10.3g'`` and ``# P, R, mAP, F1, test_losses=(GIoU, obj, cls)``.
- AlexeyAB ``src/detector.c``: ``printf("\\n %d: %f, %f avg loss, %f rate, %lf seconds, %d images, %f hours
  left\\n", ...)`` and ``printf(" mean average precision (mAP@%0.2f) = %f, or %2.2f %% \\n", ...)``; pjreddie
  ``examples/detector.c``: ``printf("%ld: %f, %f avg, %f rate, %lf seconds, %d images\\n", ...)``, its
  ``region_layer.c`` ``"Region Avg IOU: %f, Class: %f, ..."``; glibc prints a NaN float as ``-nan`` / ``nan``.
- BVLC Caffe ``solver.cpp``: ``"Iteration " << iter_ << " (" << per_s << " iter/s, " << lapse << "s/" <<
  param_.display() << " iters), loss = " << smoothed_loss_``, ``"    Train net output #" << score_index++ << ": "
  << output_name << " = " << ...``, ``"Iteration " << iter_ << ", Testing net (#" << test_net_id << ")"``,
  ``"    Test net output #" << i << ": " << output_name << " = " << mean_score``; ``sgd_solver.cpp``
  ``"Iteration " << this->iter_ << ", lr = " << rate``; glog's ``Lmmdd hh:mm:ss.uuuuuu threadid file:line] `` prefix.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lossdoc.errors import InputError
from lossdoc.readers import registry
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401 (fresh_registry: an autouse fixture)

DATA = Path(__file__).parent / "data" / "detlogs"


# The registry is built anew for each test (autouse fixture); read/read_all write a log and read it back.


def v5_row(epoch: int, last: int = 299, mem: str = "3.39G", box: float = 0.07913, obj: float = 0.02962,
           cls: float = 0.02371, results: tuple = (0.0002, 0.00196, 3.89e-05, 1.09e-05, 0.07483, 0.03426, 0.02648),
           fmt: str = "%10.4g") -> str:
    # yolov5 / yolov3 train.py's own format strings, kept as written
    s = ("%10s" * 2 + fmt * 6) % ("%g/%g" % (epoch, last), mem, box, obj, cls, box + obj + cls, 27, 640)  # noqa: UP031
    return s + fmt * 7 % results + "\n"


# ------------------------------------------------------------------------------------------------ YOLO results.txt


def test_yolov5_results_txt_reads_as_the_ultralytics_results_csv_columns():
    runs = registry.read_path(DATA / "yolov5_results.txt")
    assert len(runs) == 1
    run = runs[0]
    assert run.format == "yolov5-results"
    assert sorted(run.series) == sorted([
        "train/box_loss", "train/obj_loss", "train/cls_loss", "metrics/precision", "metrics/recall",
        "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss", "val/cls_loss",
        "train/loss (sum)", "val/loss (sum)"])
    # the shared clean-up sums the parts, as for results.csv: that sum is the train / val loss
    assert run.train_loss.name == "train/loss (sum)" and run.val_loss.name == "val/loss (sum)"
    assert run.series["train/box_loss"].role == "train_loss" and run.series["val/obj_loss"].role == "val_loss"
    for m in ("metrics/precision", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95"):
        assert run.series[m].role == "val_metric" and run.series[m].higher_is_better is True
    tl = run.train_loss
    assert len(tl) == 8 and tl.steps is None and lst(tl.epochs) == list(range(8))
    assert tl.values[0] == pytest.approx(0.0791 + 0.0296 + 0.0237)
    assert run.series["metrics/mAP_0.5:0.95"].values[0] == pytest.approx(1.09e-05)
    assert run.series["val/cls_loss"].values[-1] == pytest.approx(0.0125)


def test_the_same_epochs_as_results_csv_give_the_same_roles(tmp_path):
    # yolov5's results.csv (v6+) carries the same quantities under these names: read both, the roles match.
    csv = ("               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,"
           "      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,"
           "        val/cls_loss\n"
           "                   0,            0.07913,            0.02962,            0.02371,             0.0002,"
           "            0.00196,           3.89e-05,           1.09e-05,            0.07483,            0.03426,"
           "            0.02648\n")
    csv_run = read(tmp_path, csv + csv.splitlines()[1].replace("   0,", "   1,", 1) + "\n", "results.csv")
    txt_run = read(tmp_path, v5_row(0) + v5_row(1), "results.txt")
    assert csv_run.format == "ultralytics" and txt_run.format == "yolov5-results"
    roles = {n: (s.role, s.higher_is_better) for n, s in csv_run.series.items()}
    assert {n: (s.role, s.higher_is_better) for n, s in txt_run.series.items()} == roles
    assert txt_run.train_loss.name == csv_run.train_loss.name == "train/loss (sum)"
    assert txt_run.train_loss.values.tolist() == pytest.approx(csv_run.train_loss.values.tolist())


def test_yolov3_results_txt_has_f1_and_giou_columns():
    run = registry.read_path(DATA / "yolov3_results.txt")[0]
    assert run.format == "yolov3-results"
    assert "metrics/F1" in run.series and "metrics/mAP_0.5:0.95" not in run.series
    assert run.series["metrics/F1"].role == "val_metric" and run.series["metrics/F1"].values.tolist() == \
        pytest.approx([0.08, 0.13, 0.18, 0.23, 0.28, 0.33])
    assert run.series["train/giou_loss"].role == "train_loss" and run.series["val/giou_loss"].role == "val_loss"
    assert run.train_loss.name == "train/loss (sum)" and run.train_loss.values[0] == pytest.approx(3.87 + 5.43 + 2.61)
    assert run.val_loss.name == "val/loss (sum)" and len(run.val_loss) == 6 and lst(run.val_loss.epochs)[-1] == 5


def test_yolo_precision_decides_the_layout_and_the_format_can_be_forced(tmp_path):
    rows = v5_row(0, fmt="%10.3g") + v5_row(1, fmt="%10.3g")
    assert read(tmp_path, rows, "results.txt").format == "yolov3-results"
    forced = read(tmp_path, rows, "results.txt", fmt="yolov5-results")
    assert forced.format == "yolov5-results" and "metrics/mAP_0.5:0.95" in forced.series


def test_yolo_cpu_memory_nan_and_a_cut_last_row(tmp_path):
    nan_res = (0.1, 0.2, 0.05, 0.02, float("nan"), 0.03, 0.02)
    text = v5_row(0, mem="0G") + v5_row(1, mem="0", box=float("nan"), results=nan_res) + v5_row(2)[:-30]
    run = read(tmp_path, text, "results.txt")
    assert run.format == "yolov5-results"
    box = run.series["train/box_loss"]
    assert len(box) == 2 and math.isnan(box.values[1]) and box.nonfinite == 1
    assert math.isnan(run.series["val/box_loss"].values[1])
    assert math.isnan(run.train_loss.values[1])  # NaN kept in the sum too
    assert any("last line (3) has no line end" in n for n in run.notes), run.notes


def test_yolo_epochs_not_evaluated_leave_no_val_points(tmp_path):
    zeros = (0, 0, 0, 0, 0, 0, 0)
    text = v5_row(0, results=zeros) + v5_row(1, results=zeros) + v5_row(2)
    run = read(tmp_path, text, "results.txt")
    assert len(run.train_loss) == 3
    assert lst(run.series["val/box_loss"].epochs) == [2] and lst(run.series["metrics/recall"].epochs) == [2]
    assert any("not evaluated" in n for n in run.notes)


def test_yolo_appended_trainings_are_runs(tmp_path):
    text = "".join(v5_row(e, last=2) for e in range(3)) + "".join(v5_row(e, last=1) for e in range(2))
    runs = read_all(tmp_path, text, "results.txt")
    assert [r.name for r in runs] == ["results.txt (run 1 of 2)", "results.txt (run 2 of 2)"]
    assert [len(r.train_loss) for r in runs] == [3, 2]


@pytest.mark.parametrize("text", [
    v5_row(0) + "   1/299   3.39G   0.07   oops\n",
    v5_row(0) + "garbage in the middle\n" + v5_row(1),
])
def test_yolo_malformed_rows_are_one_line_input_errors(tmp_path, text):
    with pytest.raises(InputError) as exc:
        read_all(tmp_path, text, "results.txt", fmt="yolov5-results")
    msg = str(exc.value)
    assert "results.txt" in msg and "line 2" in msg and "\n" not in msg


def test_yolo_sniff_claims_only_its_rows(tmp_path):
    from lossdoc.readers.detlogs import Yolov3ResultsReader, Yolov5ResultsReader

    v5, v3 = Yolov5ResultsReader(), Yolov3ResultsReader()
    assert v5.sniff(v5_row(0).encode(), None) and not v3.sniff(v5_row(0).encode(), None)
    for other in (b"0.5 0.4 0.3\n0.4 0.3 0.2\n", b"epoch,loss\n0,1.0\n", b"1/10 0.5\n",
                  v5_row(0).replace("3.39G", "big").encode(), (v5_row(0).rstrip("\n") + " 7\n").encode()):
        assert not v5.sniff(other, None) and not v3.sniff(other, None)


# ------------------------------------------------------------------------------------------------ darknet


def test_darknet_alexeyab_iterations_and_map():
    run = registry.read_path(DATA / "darknet_alexeyab.log")[0]
    assert run.format == "darknet"
    assert sorted(run.series) == ["avg loss", "loss", "lr", "val/mAP_0.50"]
    assert run.train_loss.name == "loss" and run.series["avg loss"].role == "train_loss"
    assert run.val_loss is None and run.series["lr"].role == "lr"
    loss = run.series["loss"]
    assert len(loss) == 10 and lst(loss.steps) == list(range(1, 11)) and loss.epochs is None
    assert loss.values[0] == pytest.approx(1545.462524) and loss.values[-1] == pytest.approx(33.5)
    assert run.series["avg loss"].values[1] == pytest.approx(1541.927649)
    m = run.series["val/mAP_0.50"]  # one point although mean_average_precision is printed a second time
    assert m.role == "val_metric" and m.higher_is_better and lst(m.steps) == [8]
    assert m.values.tolist() == pytest.approx([0.612345])


def test_darknet_pjreddie_keeps_minus_nan():
    run = registry.read_path(DATA / "darknet_pjreddie.log")[0]
    assert run.format == "darknet"
    loss = run.train_loss
    assert loss.name == "loss" and len(loss) == 6 and loss.nonfinite == 2
    assert [math.isnan(v) for v in loss.values] == [False, False, False, True, True, False]
    assert loss.values[0] == pytest.approx(24.766499) and loss.values[-1] == pytest.approx(17.2)
    assert math.isnan(run.series["avg loss"].values[3])


def test_darknet_classifier_line_a_cut_last_line_and_inf(tmp_path):
    text = ("1, 0.001: 6.907755, 6.907755 avg, 0.100000 rate, 0.512000 seconds, 128 images\n"
            "2, 0.002: inf, inf avg, 0.100000 rate, 0.498000 seconds, 256 images\n"
            "3, 0.003: 6.5, 6.6 avg, 0.100000 rate, 0.498000 seconds, 384 images\n"
            "4, 0.004: 6.4")
    run = read(tmp_path, text, "train.log")
    assert run.format == "darknet"
    assert lst(run.train_loss.steps) == [1, 2, 3] and lst(run.train_loss.epochs) == [0.001, 0.002, 0.003]
    assert run.train_loss.values[1] == math.inf
    assert any("last line (4)" in n for n in run.notes), run.notes


def test_darknet_restarted_training_is_two_runs(tmp_path):
    line = " %d: %f, %f avg loss, %f rate, %lf seconds, %d images, %f hours left\n"
    text = "".join(line % (i, 9.0 - i, 9.0, 0.001, 1.0, 64 * i, 1.0) for i in (1, 2, 3, 1, 2))
    runs = read_all(tmp_path, text, "train.log")
    assert [len(r.train_loss) for r in runs] == [3, 2]


def test_darknet_log_without_iterations_is_a_one_line_error(tmp_path):
    text = ("Region Avg IOU: 0.231854, Class: 0.066624, Obj: 0.008546, No Obj: 0.008546, Avg Recall: 0.0625,  count: 16\n"
            "Loaded: 0.000034 seconds\n")
    with pytest.raises(InputError) as exc:
        read_all(tmp_path, text, "train.log")
    assert "train.log" in str(exc.value) and "darknet" in str(exc.value) and "\n" not in str(exc.value)


def test_darknet_sniff_does_not_take_other_logs():
    from lossdoc.readers.detlogs import DarknetReader

    r = DarknetReader()
    assert r.sniff(b" 5: 1.5, 1.6 avg loss, 0.001 rate, 2.3 seconds, 320 images, 1.0 hours left\n", None)
    for other in (b"step 1: loss 0.5\n", b"1: 0.5, 0.4\n", b"epoch 1: 0.5, 0.4 avg\n", b"[1, 2000] loss: 1.2\n"):
        assert not r.sniff(other, None)


# ------------------------------------------------------------------------------------------------ Caffe


def test_caffe_lenet_train_and_test_outputs():
    run = registry.read_path(DATA / "caffe_lenet.log")[0]
    assert run.format == "caffe"
    assert sorted(run.series) == ["loss", "lr", "val_accuracy", "val_loss"]  # no I0101 / solver.cpp series
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    tl = run.train_loss
    assert lst(tl.steps) == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000] and tl.epochs is None
    assert tl.values[0] == pytest.approx(2.30259) and tl.values[-1] == pytest.approx(0.0501184)
    acc = run.series["val_accuracy"]
    assert acc.role == "val_metric" and acc.higher_is_better and lst(acc.steps) == [0, 500, 1000]
    assert acc.values.tolist() == pytest.approx([0.0981, 0.9726, 0.9843])
    assert lst(run.val_loss.steps) == [0, 500, 1000] and run.val_loss.values[1] == pytest.approx(0.0848732)
    assert run.series["lr"].role == "lr" and run.series["lr"].values[0] == pytest.approx(0.01)


def glog(msg: str, src: str = "solver.cpp:218", n: int = 0) -> str:
    return f"I0101 10:00:{n:02d}.123456  1234 {src}] {msg}\n"


def test_caffe_old_iteration_lines_nan_train_outputs_second_test_net_and_a_cut_line(tmp_path):
    text = "".join([
        glog("Solving CaffeNet", "solver.cpp:272"),
        glog("Iteration 0, Testing net (#0)", "solver.cpp:330"),
        glog("    Test net output #0: accuracy = 0.001", "solver.cpp:397"),
        glog("    Test net output #1: loss = 6.91 (* 1 = 6.91 loss)", "solver.cpp:397"),
        glog("Iteration 0, Testing net (#1)", "solver.cpp:330"),
        glog("    Test net output #0: loss = 6.95 (* 1 = 6.95 loss)", "solver.cpp:397"),
        glog("Iteration 20, loss = 6.9", "solver.cpp:209"),
        glog("    Train net output #0: accuracy = 0.01", "solver.cpp:224"),
        glog("    Train net output #1: loss = 6.9 (* 1 = 6.9 loss)", "solver.cpp:224"),
        glog("Iteration 40, loss = -nan", "solver.cpp:209"),
        glog("    Train net output #0: accuracy = 0", "solver.cpp:224"),
        glog("Iteration 60, loss = nan", "solver.cpp:209"),
        glog("Iteration 60, Testing net (#0)", "solver.cpp:330"),
        glog("    Test net output #0: accuracy = 0.001", "solver.cpp:397"),
        glog("    Test net output #1: loss = nan (* 1 = nan loss)", "solver.cpp:397"),
        glog("Iteration 80, loss = 6.8", "solver.cpp:209").rstrip("\n")[:-5],
    ])
    run = read(tmp_path, text, "caffe.log")
    assert run.format == "caffe"
    assert lst(run.train_loss.steps) == [20, 40, 60] and run.train_loss.nonfinite == 2
    assert run.series["accuracy"].role == "train_metric" and lst(run.series["accuracy"].steps) == [20, 40]
    assert run.val_loss.name == "val_loss" and lst(run.val_loss.steps) == [0, 60]
    assert math.isnan(run.val_loss.values[1])
    assert run.series["val.net1/loss"].role == "val_loss" and run.series["val.net1/loss"].values.tolist() == [6.95]
    assert any("last line (16)" in n for n in run.notes), run.notes


def test_caffe_restarted_solver_is_two_runs(tmp_path):
    one = [glog(f"Iteration {i} (10 iter/s, 1s/10 iters), loss = {1.0 / (i + 1):g}") for i in (0, 10, 20)]
    runs = read_all(tmp_path, "".join(one + one[:2]), "caffe.log")
    assert [len(r.train_loss) for r in runs] == [3, 2] and runs[1].name == "caffe.log (run 2 of 2)"


def test_caffe_without_iterations_is_a_one_line_error(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "caffe.log"
    p.write_text(glog("Initializing solver from parameters: ", "solver.cpp:48") + "base_lr: 0.01\n")
    with pytest.raises(InputError) as exc:
        registry.read_path(p)
    assert "caffe.log" in str(exc.value) and "Caffe" in str(exc.value)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "caffe.log" in r.stderr and "Traceback" not in r.output, r.output


def test_caffe_sniff_needs_a_solver_line():
    from lossdoc.readers.detlogs import CaffeReader

    r = CaffeReader()
    assert r.sniff(glog("Iteration 100, lr = 0.01", "sgd_solver.cpp:105").encode(), None)
    assert r.sniff(glog("Iteration 100, loss = 0.5", "adam_solver.cpp:99").encode(), None)
    # `caffe test` (caffe.cpp only), another glog program, a Python log: not Caffe training
    assert not r.sniff(glog("Batch 0, accuracy = 0.98", "caffe.cpp:304").encode(), None)
    assert not r.sniff(glog("step 1 loss = 0.5", "trainer.cc:12").encode(), None)
    assert not r.sniff(b"2024-01-01 10:00:00 INFO solver.cpp: Iteration 1, loss = 0.5\n", None)


# ------------------------------------------------------------------------------------------------ CLI


@pytest.mark.parametrize("name,fmt", [("yolov5_results.txt", "yolov5-results"), ("yolov3_results.txt", "yolov3-results"),
                                      ("darknet_alexeyab.log", "darknet"), ("darknet_pjreddie.log", "darknet"),
                                      ("caffe_lenet.log", "caffe")])
def test_cli_inspect_names_the_format_and_forcing_it_reads_the_same(runner, name, fmt):
    from lossdoc.cli import app

    r = runner.invoke(app, ["inspect", str(DATA / name)])
    assert r.exit_code == 0 and f"format: {fmt}" in r.output, r.output
    forced = runner.invoke(app, ["inspect", "--input-format", fmt, str(DATA / name)])
    assert forced.exit_code == 0 and forced.output == r.output


@pytest.mark.parametrize("fmt", ["yolov5-results", "yolov3-results", "darknet", "caffe"])
def test_empty_or_foreign_file_forced_to_a_format_is_a_one_line_error(tmp_path, runner, fmt):
    from lossdoc.cli import app

    for data in (b"", b"epoch,loss\n0,1.0\n1,0.9\n"):
        p = tmp_path / "x.log"
        p.write_bytes(data)
        r = runner.invoke(app, ["inspect", "--input-format", fmt, str(p)])
        assert r.exit_code == 2 and str(p) in r.stderr and "Traceback" not in r.output, (fmt, data, r.output)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
