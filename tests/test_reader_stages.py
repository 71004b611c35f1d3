"""Long (tidy) CSVs whose rows alternate between splits beside a column naming several runs: one run per value of
that column, named ``<file> (<column>=<value>)``, each with its per-split series.

The samples are written here with plain pandas ``DataFrame(rows).to_csv(...)`` from a loop, as the scripts that
write such logs do (``epoch,model,split,loss,accuracy,hidden_spike_rate`` with CRLF line ends;
``stage,epoch,phase,loss,accuracy,...``): there is no upstream tool or format string to cite, only ``to_csv``'s
own layout (a header row, then one row per dict, an empty cell for a missing value)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def write(tmp_path: Path, rows: list[dict], name: str, crlf: bool = False) -> Path:
    p = tmp_path / name
    pd.DataFrame(rows).to_csv(p, index=False, lineterminator="\r\n" if crlf else "\n")
    return p


def models_rows(models=("ANN", "SNN"), epochs=3) -> list[dict]:
    # epoch,model,split,loss,accuracy,hidden_spike_rate: the SNN alone has a spike rate (NaN -> empty cell for the ANN)
    rows = []
    for e in range(1, epochs + 1):
        for k, m in enumerate(models):
            for sp in ("train", "test"):
                rows.append({"epoch": e, "model": m, "split": sp,
                             "loss": round(0.9 ** e + (0.1 if sp == "test" else 0.0) + 0.05 * k, 4),
                             "accuracy": round(0.8 + 0.02 * e, 4),
                             "hidden_spike_rate": 0.1 + 0.01 * e if m == "SNN" else float("nan")})
    return rows


def stage_rows() -> list[dict]:
    # stage,epoch,phase,loss,...: stage1 three epochs, then stage2 ten epochs counting again from 1
    rows = []
    for st, n, start in (("stage1", 3, 0.48), ("stage2", 10, 0.06)):
        for e in range(1, n + 1):
            for ph in ("train", "val"):
                rows.append({"stage": st, "epoch": e, "phase": ph,
                             "loss": round(start / e + (0.01 if ph == "val" else 0.0), 5),
                             "accuracy": round(1 - start / e / 2, 5), "precision": 0.9, "recall": 0.9, "f1": 0.9,
                             "auc_roc": 0.1})
    return rows


def test_one_run_per_model_beside_the_split_column(tmp_path):
    p = write(tmp_path, models_rows(), "history.csv", crlf=True)
    runs = registry.read_path(p)
    assert [r.name for r in runs] == ["history.csv (model=ANN)", "history.csv (model=SNN)"]
    ann, snn = runs
    assert ann.train_loss.name == "train_loss" and ann.val_loss.name == "test_loss"
    assert ann.train_loss.values.tolist() == [0.9, 0.81, 0.729]
    assert ann.series["test_loss"].values.tolist() == [1.0, 0.91, 0.829]
    assert snn.train_loss.values.tolist() == [0.95, 0.86, 0.779]
    assert snn.series["test_loss"].values[-1] == pytest.approx(0.879)
    assert ann.train_loss.epochs.tolist() == [1, 2, 3] and snn.val_loss.epochs.tolist() == [1, 2, 3]
    assert ann.series["train_loss"].role == "train_loss" and ann.series["test_accuracy"].role == "val_metric"
    # the spike rate is the SNN's alone; the model column is no series
    assert "train_hidden_spike_rate" in snn.series and "train_hidden_spike_rate" not in ann.series
    assert not any("model" in n for r in runs for n in r.series)
    assert any("run 2 of 2 in one table: the 6 row(s) with model=SNN" in n for n in snn.notes)


def test_stages_counting_epochs_again_are_two_runs_not_a_restart(tmp_path):
    p = write(tmp_path, stage_rows(), "train_log.csv")
    runs = registry.read_path(p)
    assert [r.name for r in runs] == ["train_log.csv (stage=stage1)", "train_log.csv (stage=stage2)"]
    one, two = runs
    assert len(one.train_loss) == 3 and len(two.train_loss) == 10
    assert one.val_loss.name == "val_loss" and two.val_loss.values[0] == pytest.approx(0.07)
    assert two.train_loss.epochs.tolist() == list(range(1, 11))
    assert two.train_loss.values[-1] == pytest.approx(0.006)
    assert not one.meta.get("restarted") and not two.meta.get("restarted")
    assert {r.format for r in runs} == {"csv"}


def test_a_numeric_seed_column_names_the_runs_too(tmp_path):
    rows = [{"epoch": e, "seed": s, "split": sp, "loss": round(1.0 / e + s / 100, 4)}
            for s in (0, 1) for e in range(1, 5) for sp in ("train", "val")]
    runs = registry.read_path(write(tmp_path, rows, "log.csv"))
    assert [r.name for r in runs] == ["log.csv (seed=0)", "log.csv (seed=1)"]
    assert runs[1].train_loss.values.tolist() == [1.01, 0.51, 0.3433, 0.26]
    assert "seed" not in runs[0].series and "train_seed" not in runs[0].series


def test_two_columns_that_vary_together_name_a_run_once_and_independent_ones_both(tmp_path):
    rows = [{**r, "model_path": f"ckpt/{r['model'].lower()}.pt"} for r in models_rows()]
    runs = registry.read_path(write(tmp_path, rows, "history.csv"))
    assert [r.name for r in runs] == ["history.csv (model=ANN)", "history.csv (model=SNN)"]
    rows = [{**r, "optimizer": opt} for opt in ("adam", "sgd") for r in models_rows(epochs=4)]
    runs = registry.read_path(write(tmp_path, rows, "grid.csv"))
    assert [r.name for r in runs] == ["grid.csv (model=ANN, optimizer=adam)", "grid.csv (model=SNN, optimizer=adam)",
                                      "grid.csv (model=ANN, optimizer=sgd)", "grid.csv (model=SNN, optimizer=sgd)"]
    assert all(len(r.train_loss) == 4 for r in runs)


def test_a_run_with_only_test_rows_keeps_its_split(tmp_path):
    rows = models_rows() + [{"epoch": e, "model": "CNN", "split": "test", "loss": 0.5, "accuracy": 0.9}
                            for e in range(1, 4)]
    runs = registry.read_path(write(tmp_path, rows, "history.csv"))
    cnn = runs[-1]
    assert cnn.name == "history.csv (model=CNN)" and list(cnn.series) == ["test_loss", "test_accuracy"]
    assert cnn.train_loss is None


def test_nan_and_inf_are_kept_as_data(tmp_path):
    rows = models_rows()
    # a logged NaN/Inf (pandas writes a float NaN as an empty cell, so the tokens are written as the text a loop
    # formatting its numbers writes)
    rows[4]["loss"] = "nan"  # epoch 2, ANN, train
    rows[5]["loss"] = "inf"  # epoch 2, ANN, test
    ann = registry.read_path(write(tmp_path, rows, "history.csv"))[0]
    tl, vl = ann.series["train_loss"].values, ann.series["test_loss"].values
    assert len(tl) == 3 and tl[1] != tl[1] and vl[1] == float("inf")


def test_a_row_with_no_run_cannot_be_told_apart(tmp_path, runner):
    rows = models_rows()
    rows[4]["model"] = None  # epoch 2: a row of neither model
    p = write(tmp_path, rows, "history.csv")
    with pytest.raises(InputError, match=r"1 row\(s\) with no 'model' \(line 6\): which run they belong to cannot "):
        registry.read_path(p)
    r = runner.invoke(app, ["analyze", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "history.csv" in lines[0] and "Traceback" not in r.output


def test_readers_that_write_no_such_table_still_refuse_it(tmp_path):
    # fastai's table never holds a model column: forced on one, the rows are not interleaved into one curve
    rows = [{"epoch": e, "train_loss": 1.0 / e, "valid_loss": 1.1 / e, "split": sp, "model": m}
            for e in range(1, 4) for m in ("a", "b") for sp in ("train", "valid")]
    p = write(tmp_path, rows, "log.csv")
    with pytest.raises(InputError, match="rows of 2 runs in one table"):
        registry.read_path(p, "fastai")


def test_no_step_or_epoch_column_is_still_refused(tmp_path):
    # final numbers per model and split (no axis): nothing orders the rows of a run into a curve
    rows = [{"model": m, "split": sp, "loss": 0.3, "accuracy": 0.9}
            for m in ("a", "b") for sp in ("train", "test") for _ in range(2)]
    with pytest.raises(InputError, match="rows of 2 runs in one table"):
        registry.read_path(write(tmp_path, rows, "results.csv"))


def test_one_model_beside_the_split_column_is_one_unnamed_run(tmp_path):
    runs = registry.read_path(write(tmp_path, models_rows(models=("ANN",)), "history.csv"))
    assert len(runs) == 1 and runs[0].name is None and len(runs[0].train_loss) == 3
