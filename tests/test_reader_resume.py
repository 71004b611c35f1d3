"""Runs resumed from a checkpoint keep their history (base.splice_resumes, _runs.RunPoints), and files of final
results are not curves (a results table, a flat dict of final metrics)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: str | bytes, name: str) -> list[Run]:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return registry.read_path(p, None)


def read(tmp_path: Path, data: str | bytes, name: str) -> Run:
    runs = read_all(tmp_path, data, name)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list:
    return [float(v) for v in a]


# ------------------------------------------------------------------------------------ Lightning metrics.csv


def lightning_rows(rows: list[tuple]) -> str:
    """Lightning's CSVLogger layout (lightning/fabric/loggers/csv_logs.py, _ExperimentWriter: a csv.DictWriter over
    every key logged, ``epoch`` and ``step`` among them; a training row leaves the eval columns empty and an eval
    row, written at the step it ran, the training ones)."""
    out = ["epoch,step,train_loss,val_loss"]
    for epoch, step, tr, va in rows:
        out.append(f"{epoch},{step},{'' if tr is None else tr},{'' if va is None else va}")
    return "\r\n".join(out) + "\r\n"


def _train(steps, epoch_of, level):
    return [(epoch_of(s), s, f"{level(s):.4f}", None) for s in steps]


EPOCH = 100  # steps per epoch


def resumed_lightning() -> tuple[str, dict[int, float]]:
    """Train rows every 25 steps; evals at steps 250 (val_check_interval), 300, 600...; killed at step 775 and
    resumed from the step-625 checkpoint, killed at 1025 and resumed from 925 (the layout of a survey file)."""
    def ep(s):
        return s // 300

    def first(s):
        return 1.0 / (1 + s / 200)

    def second(s):
        return 0.9 / (1 + s / 200)

    def third(s):
        return 0.8 / (1 + s / 200)
    rows = _train(range(25, 251, 25), ep, first) + [(0, 250, None, "0.5000")]
    rows += _train(range(275, 301, 25), ep, first) + [(1, 300, None, "0.4500")]
    rows += _train(range(325, 601, 25), ep, first) + [(2, 600, None, "0.3000")]
    rows += _train(range(625, 776, 25), ep, first)                       # crash after 775
    rows += _train(range(625, 901, 25), ep, second) + [(3, 900, None, "0.2500")]
    rows += _train(range(925, 1026, 25), ep, second)                      # crash after 1025
    rows += _train(range(925, 1201, 25), ep, third) + [(4, 1200, None, "0.2000")]
    want = {s: first(s) for s in range(25, 601, 25)}
    want.update({s: second(s) for s in range(625, 901, 25)})
    want.update({s: third(s) for s in range(925, 1201, 25)})
    return lightning_rows(rows), want


def test_a_run_resumed_twice_keeps_its_whole_history(tmp_path):
    text, want = resumed_lightning()
    run = read(tmp_path, text, "lightning_logs/version_0/metrics.csv")
    assert run.format == "lightning-csv"
    t = run.train_loss
    assert t.name == "train_loss" and t.axis == "step"
    # every step once, 25 to 1200, each with the value of the last segment that logged it
    assert lst(t.steps) == [float(s) for s in sorted(want)]
    assert np.allclose(t.values, [round(want[s], 4) for s in sorted(want)])
    notes = " | ".join(run.notes)
    assert "resumed at step 625: the 7 point(s) logged after the checkpoint and before the crash are replaced by " \
           "the resumed run's (train_loss)" in notes
    assert "resumed at step 925: the 5 point(s)" in notes
    assert "kept the latest segment" not in notes
    assert run.meta["resumed"] == ["train_loss"] and not run.meta.get("restarted")


def test_lightning_evals_off_the_epoch_ends_are_on_the_step_axis(tmp_path):
    text, _ = resumed_lightning()
    run = read(tmp_path, text, "metrics.csv")
    v = run.val_loss
    assert v.name == "val_loss" and v.role == "val_loss"
    assert v.axis == "step" and lst(v.steps) == [250, 300, 600, 900, 1200]
    assert lst(v.values) == [0.5, 0.45, 0.3, 0.25, 0.2]
    assert any("val_loss: evaluated at steps not evenly spread over the epochs" in n for n in run.notes)


def test_lightning_evals_at_every_epoch_end_stay_on_the_epoch_axis(tmp_path):
    rows = []
    for e in range(4):
        rows += [(e, s, f"{1 / (1 + s / 50):.4f}", None) for s in range(e * EPOCH + 49, (e + 1) * EPOCH, 50)]
        rows.append((e, (e + 1) * EPOCH - 1, None, f"{0.9 - 0.1 * e:.2f}"))
    run = read(tmp_path, lightning_rows(rows), "metrics.csv")
    assert run.val_loss.axis == "epoch" and lst(run.val_loss.epochs) == [0, 1, 2, 3]
    assert run.train_loss.axis == "step" and len(run.train_loss) == 8
    assert not any("evenly spread" in n for n in run.notes)


def test_a_counter_back_to_the_first_step_is_a_new_training_keeping_the_latest(tmp_path):
    rows = _train(range(25, 301, 25), lambda s: s // 100, lambda s: 1 / (1 + s / 100))
    rows += _train(range(25, 126, 25), lambda s: s // 100, lambda s: 2 / (1 + s / 100))
    run = read(tmp_path, lightning_rows(rows), "metrics.csv")
    assert lst(run.train_loss.steps) == [25, 50, 75, 100, 125]
    assert run.train_loss.values[0] == pytest.approx(2 / 1.25, abs=1e-4)
    assert run.meta.get("restarted") == ["train_loss"] and not run.meta.get("resumed")
    assert any("restarts 1 time(s) (last step 300 -> 25): kept the latest segment" in n for n in run.notes)


def test_a_resume_after_a_new_training_splices_only_the_latest(tmp_path):
    # training A (steps 1-6), then training B from step 1, killed at 6, resumed at 4: B spliced, A left out
    text = "step,loss\n" + "".join(f"{s},{9 - s}\n" for s in range(1, 7))
    text += "".join(f"{s},{5 - s / 10}\n" for s in range(1, 7)) + "".join(f"{s},{3 - s / 10}\n" for s in range(4, 9))
    run = read(tmp_path, text, "train_metrics.csv")
    assert lst(run.train_loss.steps) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert lst(run.train_loss.values) == [4.9, 4.8, 4.7, 2.6, 2.5, 2.4, 2.3, 2.2]
    notes = " | ".join(run.notes)
    assert "resumed at step 4: the 3 point(s)" in notes and "restarts 1 time(s) (last step 6 -> 1)" in notes


def test_nan_logged_in_a_resumed_run_is_kept(tmp_path):
    text = "step,loss\n10,2.0\n20,nan\n30,1.3\n40,1.1\n30,inf\n40,1.0\n50,0.9\n"
    run = read(tmp_path, text, "loss.csv")
    t = run.train_loss
    assert lst(t.steps) == [10, 20, 30, 40, 50]
    assert t.values[0] == 2.0 and math.isnan(t.values[1]) and math.isinf(t.values[2]) and t.values[-1] == 0.9
    assert any("resumed at step 30: the 2 point(s)" in n for n in run.notes)


def test_a_resume_one_logging_interval_after_the_first_step_is_a_new_training(tmp_path):
    # "about the first step": within one logging interval of it, a counter that goes back starts a training again
    run = read(tmp_path, "step,loss\n10,2.0\n20,1.5\n30,1.2\n20,1.9\n30,1.6\n", "loss.csv")
    assert lst(run.train_loss.steps) == [20, 30] and run.meta.get("restarted")


# ---------------------------------------------------------------------------------------- Keras CSVLogger


def test_keras_csvlogger_appended_by_a_run_resumed_with_initial_epoch(tmp_path):
    # keras/src/callbacks/csv_logger.py: with append=True the header is written only when the file is empty, and
    # each epoch's row is "epoch,<logs keys sorted>"; fit(initial_epoch=3) after a crash at epoch 5 logs 3, 4...
    head = "epoch,accuracy,loss,val_accuracy,val_loss\n"
    first = "".join(f"{e},{0.5 + e / 20:.3f},{1 - e / 10:.3f},{0.5 + e / 25:.3f},{1.1 - e / 12:.3f}\n" for e in range(6))
    again = "".join(f"{e},{0.52 + e / 20:.3f},{0.95 - e / 10:.3f},{0.52 + e / 25:.3f},{1.05 - e / 12:.3f}\n"
                    for e in range(3, 10))
    run = read(tmp_path, head + first + again, "training.log")
    assert run.format == "keras-csvlogger"
    assert lst(run.train_loss.epochs) == list(range(10)) and lst(run.val_loss.epochs) == list(range(10))
    assert run.train_loss.values[2] == 0.8 and run.train_loss.values[3] == pytest.approx(0.65)
    assert run.val_loss.role == "val_loss"
    assert any("resumed at epoch 3: the 3 point(s)" in n and "val_loss" in n for n in run.notes)


# -------------------------------------------------------------------- readers of appended trainings (_runs.py)


def d2_line(it: int, loss: float) -> str:
    # detectron2/utils/events.py JSONWriter: json.dumps(to_save, sort_keys=True) with "iteration" and the scalars
    return json.dumps({"data_time": 0.01, "iteration": it, "lr": 0.02, "loss_box_reg": loss / 2,
                       "loss_cls": loss / 2, "total_loss": loss}, sort_keys=True)


def test_detectron2_resumed_from_a_checkpoint_is_one_run(tmp_path):
    lines = [d2_line(i, 2.0 - i / 100) for i in (19, 39, 59, 79, 99)]
    lines += [d2_line(i, 1.5 - i / 200) for i in (59, 79, 99, 119)]  # resume=True from model_0000049.pth
    (run,) = read_all(tmp_path, "\n".join(lines) + "\n", "output/metrics.json")
    assert run.format == "detectron2" and run.train_loss.name == "total_loss"
    assert lst(run.train_loss.steps) == [19, 39, 59, 79, 99, 119]
    assert run.train_loss.values[1] == pytest.approx(1.61) and run.train_loss.values[2] == pytest.approx(1.205)
    assert any("resumed at iteration 59: the 3 record(s) logged after the checkpoint" in n for n in run.notes)
    assert "total_loss" in run.meta["resumed"]


def test_detectron2_started_again_from_the_start_is_two_runs(tmp_path):
    lines = [d2_line(i, 2.0 - i / 100) for i in (19, 39, 59, 79)] + [d2_line(i, 1.9 - i / 100) for i in (19, 39)]
    runs = read_all(tmp_path, "\n".join(lines) + "\n", "metrics.json")
    assert [lst(r.train_loss.steps) for r in runs] == [[19, 39, 59, 79], [19, 39]]
    assert all(not r.meta.get("resumed") for r in runs)


# ----------------------------------------------------------------------------------- not curves: refused


RESULTS = ("seed,model,selected_epoch,validation_nll,condition,accuracy,nll\r\n"
           + "".join(f"{seed},{m},{8 + k},{0.34 + k / 100:.4f},{c},{0.87 - k / 50:.4f},{0.35 + k / 30:.4f}\r\n"
                     for seed in (42, 43) for k, m in enumerate(("baseline", "vbll"))
                     for c in ("clean", "gaussian_noise_0.2", "blur")))


def test_a_table_of_results_is_not_a_training_log(tmp_path):
    with pytest.raises(NotALog) as exc:
        read(tmp_path, RESULTS, "results/metrics.csv")
    msg = str(exc.value)
    assert "metrics.csv" in msg and "\n" not in msg
    assert "a table of results (one row per seed/model/condition: text columns, no step or epoch), not a training " \
           "log" in msg


def test_a_results_table_is_exit_2_with_one_line_from_the_cli(runner, tmp_path):
    p = tmp_path / "metrics.csv"
    p.write_text(RESULTS)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "metrics.csv" in lines[0] and "table of results" in lines[0]
    assert "Traceback" not in r.output


def test_a_log_with_one_model_name_on_every_row_is_still_read(tmp_path):
    # a text column that never changes (the model's name) does not make rows results: one curve, numbered 0..n-1
    text = "model,train_loss,val_loss\n" + "".join(f"resnet18,{1 - i / 10:.2f},{1.1 - i / 12:.3f}\n" for i in range(6))
    run = read(tmp_path, text, "history.csv")
    assert run.format == "csv" and len(run.train_loss) == 6 and run.val_loss.values[-1] == pytest.approx(0.683)
    assert any("no step or epoch column" in n for n in run.notes)


def test_rows_per_split_are_still_a_history(tmp_path):
    text = "split,loss,acc\n" + "".join(f"train,{1 - i / 10:.2f},0.5\nval,{1.1 - i / 10:.2f},0.4\n" for i in range(4))
    run = read(tmp_path, text, "log.csv")
    assert len(run.train_loss) == 4 and len(run.val_loss) == 4


def test_dvc_metrics_json_is_a_summary_not_a_curve(tmp_path):
    # DVC get-started: json.dump(model.evaluate(..., return_dict=True)) to metrics.json, one line, no step
    data = json.dumps({"loss": 0.049, "categorical_accuracy": 0.985, "precision": 0.986, "true_positives": 13785.0})
    with pytest.raises(NotALog) as exc:
        read(tmp_path, data, "metrics.json")
    assert "metrics.json" in str(exc.value) and "a single summary of final metrics" in str(exc.value)
    assert "not a curve" in str(exc.value)
    assert isinstance(exc.value, InputError)


def test_one_json_line_with_a_step_is_still_a_point(tmp_path):
    run = read(tmp_path, '{"step": 10, "train_loss": 2.3}\n', "train.jsonl")
    assert run.format == "jsonl" and lst(run.train_loss.steps) == [10]


def test_a_dvclive_folder_is_still_read_by_the_dvclive_reader(tmp_path):
    # dvclive/live.py: plots/metrics/<name>.tsv ("step\t<metric>") and metrics.json (make_summary, with "step")
    live = tmp_path / "dvclive"
    for name, vals in (("train/loss", [1.0, 0.6, 0.4]), ("eval/loss", [1.1, 0.8, 0.7])):
        f = live / "plots" / "metrics" / f"{name}.tsv"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("step\tloss\n" + "".join(f"{i}\t{v}\n" for i, v in enumerate(vals)))
    (live / "metrics.json").write_text(json.dumps({"train": {"loss": 0.4}, "eval": {"loss": 0.7}, "step": 2},
                                                  indent=4))
    (run,) = registry.read_path(live, None)
    assert run.format == "dvclive" and run.train_loss.name == "train/loss" and run.val_loss.name == "eval/loss"
    assert lst(run.train_loss.values) == [1.0, 0.6, 0.4]
