"""JSON layouts held-out reading survey 7 found misread: a per-epoch record list appended across resumes (an epoch
logged twice), and top-k accuracies written in percent beside an accuracy that was rescaled while they were not.
The samples are written here in the tools' own layouts (small, invented values)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import is_rate
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(tmp_path: Path, data: str, name: str) -> Run:
    p = tmp_path / name
    p.write_text(data)
    runs = registry.read_path(p)
    assert len(runs) == 1
    return runs[0]


# ------------------------------------------------------------------- a per-epoch record list, resumed twice

# The layout of a training script that keeps its log as a JSON list (Alexndrs/diffusion-image-Generator,
# scripts/train_improved_unet.py): it loads train_log.json when it exists, then after every epoch
#     logs.append({"epoch": epoch, "avg_loss": avg_loss, "time_sec": epoch_time})
#     json.dump(logs, f, indent=2)
# and resumes at ``start_epoch = checkpoint["epoch"]``, the epoch its checkpoint was saved at: each resume logs
# that epoch a second time. Here: epochs 0-3, resumed at 3 (up to 6), resumed at 6 (up to 8).
RESUMED_RECORDS = (
    [{"epoch": e, "avg_loss": 0.5 / (e + 1), "time_sec": 200.0 + e} for e in range(4)]
    + [{"epoch": e, "avg_loss": 0.6 / (e + 1), "time_sec": 300.0 + e} for e in range(3, 7)]
    + [{"epoch": e, "avg_loss": 0.7 / (e + 1), "time_sec": 700.0 + e} for e in range(6, 9)]
)


def check_resumed(run: Run) -> None:
    assert run.format == "jsonl"
    assert run.train_loss.name == "avg_loss" and run.train_loss.role == "train_loss"
    s = run.series["avg_loss"]
    assert s.axis == "epoch"
    assert s.epochs.tolist() == list(range(9))  # 11 records, two of them superseded by the resumed runs'
    # epoch 3 and epoch 6 come from the resumed runs, the rest from the run that logged them
    assert s.values[2] == pytest.approx(0.5 / 3)
    assert s.values[3] == pytest.approx(0.6 / 4)
    assert s.values[5] == pytest.approx(0.6 / 6)
    assert s.values[6] == pytest.approx(0.7 / 7)
    assert s.values[-1] == pytest.approx(0.7 / 9)
    assert run.series["time_sec"].values.tolist()[2:5] == [202.0, 303.0, 304.0]
    notes = [n for n in run.notes if n.startswith("resumed at epoch")]
    assert len(notes) == 2 and notes[0].startswith("resumed at epoch 3:") and notes[1].startswith("resumed at epoch 6:")
    assert "avg_loss" in notes[0] and "logged twice" in notes[0]
    assert "avg_loss" in run.meta["resumed"]


def test_json_array_resumed_twice_keeps_the_resumed_runs_records(tmp_path):
    run = read(tmp_path, json.dumps(RESUMED_RECORDS, indent=2), "train_log.json")
    check_resumed(run)


def test_jsonl_resumed_twice_reads_the_same(tmp_path):
    run = read(tmp_path, "".join(json.dumps(r) + "\n" for r in RESUMED_RECORDS), "train_log.jsonl")
    check_resumed(run)


def test_resumed_record_list_keeps_nan_as_data(tmp_path):
    recs = [dict(r) for r in RESUMED_RECORDS]
    recs[5]["avg_loss"] = float("nan")  # the resumed run's epoch 4 (json.dump writes NaN)
    recs[-1]["avg_loss"] = float("inf")
    text = json.dumps(recs, indent=2)
    assert "NaN" in text and "Infinity" in text
    s = read(tmp_path, text, "train_log.json").series["avg_loss"]
    assert len(s) == 9
    assert math.isnan(s.values[4]) and math.isinf(s.values[-1])


def test_an_epoch_counter_without_repeats_is_left_alone(tmp_path):
    recs = [{"epoch": e, "avg_loss": 1.0 / (e + 1)} for e in range(6)]
    run = read(tmp_path, json.dumps(recs, indent=2), "train_log.json")
    assert len(run.series["avg_loss"]) == 6
    assert not any("resumed" in n for n in run.notes) and "resumed" not in run.meta


@pytest.mark.parametrize(
    "epochs",
    [
        [0, 0, 1, 1, 2, 2, 3, 3],  # two records an epoch (per-batch records, or a train and an eval record)
        [0, 1, 2, 3, 4, 4],  # the last epoch again at the end: may be a final evaluation, not a resume
        [0, 1, 2, 2, 2, 3, 4, 5, 6],  # an epoch three times
        [0, 2, 4, 4, 5, 6],  # uneven increments
        [0.5, 1.0, 1.5, 1.5, 2.0, 2.5, 3.0],  # fractional epochs (a per-step log)
    ],
)
def test_repeats_that_are_not_a_per_epoch_resume_are_left_alone(tmp_path, epochs):
    recs = [{"epoch": e, "loss": 1.0 / (i + 1)} for i, e in enumerate(epochs)]
    run = read(tmp_path, json.dumps(recs, indent=2), "log.json")
    assert len(run.series["loss"]) == len(epochs)
    assert not any("logged twice" in n for n in run.notes)


def test_train_and_val_records_of_one_epoch_are_no_resume(tmp_path):
    recs = []
    for e in range(5):
        recs.append({"epoch": e, "train_loss": 1.0 / (e + 1)})
        recs.append({"epoch": e, "val_loss": 1.2 / (e + 1)})
    run = read(tmp_path, "".join(json.dumps(r) + "\n" for r in recs), "metrics.jsonl")
    assert len(run.series["train_loss"]) == 5 and len(run.series["val_loss"]) == 5
    assert run.val_loss.name == "val_loss"
    assert not any("resumed" in n for n in run.notes)


def test_truncated_record_list_is_a_one_line_input_error(runner, tmp_path):
    text = json.dumps(RESUMED_RECORDS, indent=2)
    p = tmp_path / "train_log.json"
    p.write_text(text[: len(text) // 2])
    with pytest.raises(InputError) as err:
        registry.read_path(p)
    assert "train_log.json" in str(err.value) and "\n" not in str(err.value)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "train_log.json" in lines[0], r.stderr
    assert "Traceback" not in r.output


# --------------------------------------------------------------------------- top-k accuracies in percent

# The layout of Yongtulu/CNNTinyImageNet: src/utils.py MetricsLogger keeps
#     self.history = {'train_loss': [], 'train_acc': [], 'val_loss': [], 'val_top1': [], 'val_top5': []}
# and the run saves it to logs/metrics.json with json.dump(..., indent=2); src/train.py computes the accuracies in
# percent (``100.0 * total_correct / total_samples``, ``correct_k.mul_(100.0 / batch_size)``).
TOPK_HISTORY = {
    "train_loss": [2.6, 2.4, 2.1, 1.9],
    "train_acc": [51.4, 60.2, 71.0, 82.3],
    "val_loss": [2.6, 2.5, 2.3, 2.2],
    "val_top1": [52.0, 55.5, 60.1, 63.4],
    "val_top5": [76.7, 79.0, 82.2, 84.1],
}


def test_top_k_accuracies_in_percent_are_rescaled_like_the_accuracy(tmp_path):
    run = read(tmp_path, json.dumps(TOPK_HISTORY, indent=2), "metrics.json")
    assert run.format == "keras-history"
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    for name, first, last in (("train_acc", 0.514, 0.823), ("val_top1", 0.52, 0.634), ("val_top5", 0.767, 0.841)):
        s = run.series[name]
        assert s.kind == "metric" and s.higher_is_better is True
        assert len(s) == 4 and s.axis == "epoch"
        assert s.values[0] == pytest.approx(first) and s.values[-1] == pytest.approx(last)
        assert any(n.startswith(f"{name}: values up to") and "percent" in n for n in run.notes)
    assert run.series["val_top1"].role == "val_metric"
    assert run.series["val_loss"].values[0] == pytest.approx(2.6)  # losses untouched


def test_top_k_accuracies_already_in_0_1_are_left_alone(tmp_path):
    hist = {"train_loss": [2.6, 2.4, 2.1], "val_loss": [2.6, 2.5, 2.3],
            "val_top1": [0.52, 0.55, 0.60], "val_top5": [0.77, 0.79, 0.82]}
    run = read(tmp_path, json.dumps(hist, indent=2), "metrics.json")
    assert run.series["val_top5"].values.tolist() == [0.77, 0.79, 0.82]
    assert not any("percent" in n for n in run.notes)


@pytest.mark.parametrize("name", ["val_top1", "top5", "Top-5", "top_1_acc", "val/top5", "eval_auroc"])
def test_top_k_names_are_rates(name):
    assert is_rate(name)


@pytest.mark.parametrize("name", ["stop", "laptop_hours", "top", "desktop1", "loss", "val_loss"])
def test_other_names_are_not_rates(name):
    assert not is_rate(name)



@pytest.mark.parametrize("name,higher", [
    ("val_top1_err", False), ("top5_error", False), ("val_top1", True), ("top1_acc", True),
    ("DiarizationErrorRate/Precision", True),  # ends in what it is: a precision of the error's parts
])
def test_a_name_ending_in_an_error_word_is_lower_is_better(name, higher):
    from lossdoc.naming import resolve

    role = resolve(name)
    assert role.kind == "metric" and role.higher_is_better is higher
