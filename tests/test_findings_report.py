"""What a report shows of its findings, on real training logs: remedies in the words of the framework that wrote
the log and fit for its loss family, numbers that are the log's own, evidence a person can read, one finding per
problem, and charts that show what is diagnosed."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lossdoc
from lossdoc.cli import app
from lossdoc.reporters import common
from tests.conftest import ROOT, manifest

REMEDY_CASES = [
    # (log, words the remedies must use, words they must not)
    ("fixtures/keras-history/overfit_small_data.json",
     ["restore_best_weights=True", "ModelCheckpoint(monitor='val_loss'", "label smoothing"], ["torch.save"]),
    ("fixtures/lightning-csv/overfit", ["EarlyStopping(monitor='val_loss'", "ModelCheckpoint(monitor='val_loss'"],
     ["restore_best_weights"]),
    ("fixtures/hf-trainer-state/overfit", ["load_best_model_at_end=True", "EarlyStoppingCallback"],
     ["restore_best_weights"]),
    ("fixtures/ultralytics/overfit.csv", ["patience=5", "best.pt", "mAP50-95"],
     ["label smoothing", "temperature scaling", "restore_best_weights"]),
    ("fixtures/fastai/history_overfit.csv", ["SaveModelCallback", "EarlyStoppingCallback"], ["restore_best_weights"]),
    ("fixtures/csv/overfit.csv", ["torch.save(model.state_dict()"], ["restore_best_weights", "load_best_model"]),
    ("keras-overfit-small-regression/s1", ["restore_best_weights=True"], ["label smoothing", "temperature scaling"]),
    ("hf-overfit-epoch-eval/s1", ["load_best_model_at_end=True", "EarlyStoppingCallback"], ["restore_best_weights"]),
]


@pytest.mark.parametrize("case", REMEDY_CASES, ids=[c[0].removeprefix("fixtures/") for c in REMEDY_CASES])
def test_remedies_speak_the_framework_and_the_loss_family(case):
    path, must, must_not = case
    path = TUNE[path]["path"] if path in TUNE else path
    f = next(f for f in lossdoc.analyze(str(ROOT / path)).runs[0].findings if f.name == "overfitting")
    text = " | ".join(f.remedies)
    for w in must:
        assert w in text, text
    for w in must_not:
        assert w not in text, text


def test_detection_best_epoch_names_the_selection_metric():
    f = lossdoc.analyze(str(ROOT / "fixtures/ultralytics/overfit.csv")).runs[0].findings[0]
    assert any("by metrics/mAP50-95(B), the best epoch is" in r for r in f.remedies), f.remedies


TUNE = {e["id"]: e for e in manifest("eval/manifest.json") if e["split"] == "tune"}


def _all_reports():
    """Every fixture and every run of the tune split (never the test split: it is held out)."""
    paths = [e["path"] for e in manifest() if e.get("path")]
    paths += [e["path"] for e in TUNE.values()]
    for p in paths:
        yield p, lossdoc.analyze(str(ROOT / p))


def test_numbers_quoted_are_the_logs_own():
    """final_value is the last logged value of a series the finding names; smoothed levels are named so; the old
    unreadable keys are gone."""
    seen = 0
    for path, rep in _all_reports():
        for rr in rep.runs:
            for f in rr.findings:
                assert not {"noise_log", "share_below", "val_train_ratio"} & set(f.evidence), (path, f.name)
                if "final_value" in f.evidence:
                    lasts = [float(rr.run.series[n].values[-1]) for n in f.series if n in rr.run.series]
                    v = f.evidence["final_value"]
                    assert any(np.isclose(v, x, equal_nan=True) for x in lasts), (path, f.name, v, lasts)
                    seen += 1
    assert seen > 10


def test_overconfidence_is_reported_once_everywhere(runner):
    path = str(ROOT / "fixtures/keras-history/overfit_small_data.json")
    r = runner.invoke(app, ["analyze", path, "--format", "github"])
    assert sum(line.startswith("::warning") for line in r.stdout.splitlines()) == 1, r.stdout
    doc = json.loads(runner.invoke(app, ["analyze", path, "--format", "json"]).stdout)
    assert [f["name"] for f in doc["runs"][0]["findings"]] == ["overfitting"]
    assert doc["runs"][0]["findings"][0]["evidence"]["kind"] == "overconfident"


def test_evidence_reads_as_words(runner):
    r = runner.invoke(app, ["analyze", str(ROOT / "fixtures/keras-history/overfit_small_data.json")],
                      env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert "best epoch 13" in r.stdout and "best x" not in r.stdout and "noise log" not in r.stdout


def test_a_val_rise_flattened_by_the_log_scale_gets_its_own_chart():
    rr = lossdoc.analyze(str(ROOT / "fixtures/keras-history/overfit_small_data.json")).runs[0]
    titles = [c.title for c in common.charts(rr, 100)]
    assert any("val_loss on its own scale" in t for t in titles), titles
    # The healthy run's val loss moves as much as its train loss: one loss chart.
    healthy = lossdoc.analyze(str(ROOT / "fixtures/keras-history/healthy.json")).runs[0]
    assert not any("own scale" in c.title for c in common.charts(healthy, 100))


def test_best_and_onset_on_one_point_stay_distinguishable():
    rr = lossdoc.analyze(str(ROOT / "fixtures/keras-history/overfit_small_data.json")).runs[0]
    spec = common.charts(rr, 100)[0]
    marks_row = "".join(t for t, _ in spec.rows[-1])
    assert common.BEST_GLYPH in marks_row and common.ONSET_GLYPH in marks_row
    assert any("(the best point)" in text for text, _ in spec.legend)


def test_per_step_noise_is_drawn_smoothed_over_a_faint_raw_trace():
    rr = lossdoc.analyze(str(ROOT / "fixtures/lightning-csv/overfit")).runs[0]
    spec = common.charts(rr, 100)[0]
    assert "train_loss_step, smoothed" in spec.title
    assert any("EMA" in text and "debiased" in text for text, _ in spec.legend)
    styles = {style for row in spec.rows for _, style in row}
    assert "dim" in styles and common.TRAIN_STYLE in styles


def test_ema_is_debiased():
    from lossdoc.signals import ema

    out = ema(np.array([4.0, 4.0, 4.0]), 0.9)
    assert np.allclose(out, 4.0)  # no pull towards zero at the start


def test_the_report_names_the_finest_train_loss(runner):
    path = str(ROOT / "fixtures/lightning-csv/overfit")
    doc = json.loads(runner.invoke(app, ["analyze", path, "--format", "json"]).stdout)
    run = doc["runs"][0]
    assert run["train_loss"] == "train_loss_epoch" and run["train_loss_finest"] == "train_loss_step"
    r = runner.invoke(app, ["analyze", path], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert "train_loss_step (finest train loss)" in r.stdout


def test_the_best_point_is_named_on_its_own_axis():
    """A per-epoch val loss in a run read on steps (fairseq: train_inner by update, valid per epoch) has its best
    at an epoch: the summary says "epoch 3", not "step 3"."""
    from lossdoc.model import Report, Run, Series

    run = Run(source="mem", format="fairseq")
    steps = np.arange(1, 201, dtype=float)
    run.add(Series("loss", 3 * np.exp(-steps / 60) + 0.5, steps=steps, split="train", kind="loss"))
    run.add(Series("valid_loss", np.array([2.0, 1.2, 0.9, 0.95, 1.0]), epochs=np.arange(1, 6.0), split="val",
                   kind="loss"))
    rep = lossdoc.analyze(run)
    assert run.axis == "step"
    assert common.summary_row(rep.runs[0], Report(runs=rep.runs)).best == "epoch 3"


@pytest.mark.parametrize("values", [[1.018072928107062], [24.6749735254, 37.8036180321]], ids=["one", "two"])
def test_a_log_too_short_to_judge_says_so_not_that_nothing_fits(runner, tmp_path, values):
    # train_loss.txt of one number, val_loss.txt of two, as loops write them (public round 10's collection): every
    # rule of the curves' shape is skipped, and the report must not read as a clean bill of health.
    path = tmp_path / "val_loss.txt"
    path.write_text("\n".join(repr(v) for v in values))
    rr = lossdoc.analyze(str(path)).runs[0]
    assert rr.checked == 0 and rr.judged_nothing
    for fmt in ("rich", "markdown"):
        out = runner.invoke(app, ["analyze", str(path), "--format", fmt], env={"COLUMNS": "100"}).output
        assert "Nothing judged" in out and "needs" in out, out
        assert "No failure mode fits" not in out
    # The x axis names only positions the run has: no middle tick rounded onto an end, no end named twice.
    out = runner.invoke(app, ["analyze", str(path)], env={"COLUMNS": "100", "NO_COLOR": "1"}).output
    ticks = next(line for line in out.splitlines() if line.strip().endswith("epoch")).split()
    assert ticks == [str(i) for i in range(len(values))] + ["epoch"], ticks


def test_a_judged_run_with_no_finding_still_says_nothing_fits(runner):
    path = str(ROOT / "fixtures/keras-csvlogger/healthy_cnn.csv")
    rr = lossdoc.analyze(path).runs[0]
    assert rr.checked and not rr.findings
    out = runner.invoke(app, ["analyze", path], env={"COLUMNS": "100"}).output
    assert "No failure mode fits these curves." in out
