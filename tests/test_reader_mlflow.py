"""The MLflow reader: metric files, run / experiment / mlruns folders, meta.yaml run names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossdoc.errors import InputError
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.mlflow import MlflowReader, meta_value

ROOT = Path(__file__).resolve().parent.parent
READER = MlflowReader()
T0 = 1_700_000_000_000


@pytest.fixture
def only_my_readers(monkeypatch):
    monkeypatch.setattr(registry, "_MODULES", ("tensorboard", "tbexport", "mlflow"))
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def metric_text(values, steps=None) -> str:
    steps = steps if steps is not None else range(len(values))
    return "".join(f"{T0 + 1000 * i} {v} {s}\n" for i, (v, s) in enumerate(zip(values, steps)))


def make_run(
    exp: Path, run_id: str, metrics: dict[str, list], run_name: str | None = "my-run", deleted: bool = False
) -> Path:
    d = exp / run_id
    (d / "metrics").mkdir(parents=True)
    (d / "params").mkdir()
    (d / "tags").mkdir()
    meta = [
        "artifact_uri: file:///tmp/mlruns/0/" + run_id + "/artifacts",
        "end_time: 1700000100000",
        "entry_point_name: ''",
        f"experiment_id: '{exp.name}'",
        f"lifecycle_stage: {'deleted' if deleted else 'active'}",
        f"run_id: {run_id}",
    ]
    if run_name is not None:
        meta.append(f"run_name: {run_name}")
    meta += [f"run_uuid: {run_id}", "source_name: ''", "status: 3", "user_id: me"]
    (d / "meta.yaml").write_text("\n".join(meta) + "\n")
    for name, values in metrics.items():
        f = d / "metrics" / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(metric_text(values))
    return d


def test_single_metric_file(tmp_path):
    p = tmp_path / "val_loss"
    p.write_text(metric_text([1.0, 0.8, 0.7], steps=[0, 100, 200]))
    assert READER.sniff(p.read_bytes(), p)
    (run,) = READER.read(Source(str(p), p))
    s = run.series["val_loss"]
    assert list(s.values) == [1.0, 0.8, 0.7]
    assert list(s.steps) == [0, 100, 200]
    assert run.val_loss is s


def test_run_folder(tmp_path, only_my_readers):
    d = make_run(
        tmp_path / "mlruns" / "0",
        "abc123",
        {
            "train/loss": [2.0, 1.0, 0.5],
            "val/loss": [2.1, 1.4, 1.2],
            "lr": [0.1, 0.1, 0.01],
            "val_accuracy": [0.5, 0.6, 0.7],
        },
        run_name="dapper-fox-42",
    )
    (run,) = registry.read_path(d)
    assert run.format == "mlflow"
    assert run.name == "dapper-fox-42"
    assert run.meta["run_id"] == "abc123"
    assert run.train_loss.name == "train/loss"
    assert run.val_loss.name == "val/loss"
    assert run.lr.name == "lr"
    assert run.series["val_accuracy"].role == "val_metric"
    (run2,) = registry.read_path(d / "metrics")
    assert run2.name == "dapper-fox-42" and set(run2.series) == set(run.series)


def test_experiment_and_mlruns_folders(tmp_path, only_my_readers):
    mlruns = tmp_path / "mlruns"
    (mlruns / ".trash").mkdir(parents=True)
    (mlruns / "models").mkdir()
    make_run(mlruns / "0", "r1", {"loss": [1.0, 0.5]}, run_name="first")
    make_run(mlruns / "0", "r2", {"loss": [1.0, 0.4, 0.3]}, run_name=None)
    make_run(mlruns / "7", "r3", {"loss": [1.0]}, run_name="'quoted name'")
    make_run(mlruns / "7", "r4", {"loss": [1.0]}, run_name="gone", deleted=True)
    (mlruns / "0" / "meta.yaml").write_text("experiment_id: '0'\nname: Default\n")
    runs = registry.read_path(mlruns)
    assert [r.name for r in runs] == ["first", "r2", "quoted name"]
    assert [len(r.train_loss) for r in runs] == [2, 3, 1]
    runs = registry.read_path(mlruns / "0")
    assert [r.name for r in runs] == ["first", "r2"]
    # Found as a sub-folder by the registry's walk too.
    runs = registry.read_path(tmp_path)
    assert len(runs) == 3


def test_run_name_from_tag_file(tmp_path):
    d = make_run(tmp_path / "0", "abcdef", {"loss": [1.0, 0.5]}, run_name=None)
    (d / "tags" / "mlflow.runName").write_text("from-tag")
    (run,) = READER.read_dir(d)
    assert run.name == "from-tag"


def test_nan_inf_kept_and_all_zero_steps(tmp_path):
    p = tmp_path / "metrics" / "loss"
    p.parent.mkdir()
    p.write_text(f"{T0} 1.0 0\n{T0 + 1} nan 0\n{T0 + 2} inf 0\n{T0 + 3} -inf 0\n{T0 + 4} 0.5 0\n")
    (run,) = READER.read(Source(str(p), p))
    s = run.series["loss"]
    assert len(s) == 5 and s.nonfinite == 3
    assert np.isnan(s.values[1]) and s.values[2] == np.inf and s.values[3] == -np.inf
    assert s.steps is None  # every point at step 0: the logging order is the axis
    assert any("step 0" in n for n in run.notes)


def test_flattened_metric_file_name(tmp_path):
    p = tmp_path / "someone__project__mlruns-1-ed05f9cd-metrics-val_loss"
    p.write_text(metric_text([1.0, 0.8]))
    (run,) = READER.read(Source(str(p), p))
    assert list(run.series) == ["val_loss"]


def test_old_mlflow_without_steps(tmp_path):
    p = tmp_path / "metrics" / "loss"
    p.parent.mkdir()
    p.write_text(f"{T0} 1.0\n{T0 + 1} 0.9\n")
    (run,) = READER.read(Source(str(p), p))
    assert list(run.series["loss"].values) == [1.0, 0.9]


def test_malformed_and_truncated_lines(tmp_path):
    p = tmp_path / "loss"
    p.write_text(f"{T0} 1.0 0\ngarbage here\n{T0 + 2} 0.8 2\n{T0 + 3} 0.")
    (run,) = READER.read(Source(str(p), p))
    assert list(run.series["loss"].values) == [1.0, 0.8]
    assert any("malformed" in n for n in run.notes)
    assert any("incomplete" in n for n in run.notes)
    p.write_text("nothing useful\n")
    with pytest.raises(InputError):
        READER.read(Source(str(p), p))


def test_sniff():
    assert READER.sniff(f"{T0} 0.5 0\n{T0 + 5} nan 1\n".encode(), None)
    assert not READER.sniff(b"1 0.5 2\n3 0.4 4\n", None)  # not a timestamp in ms
    assert READER.sniff(b"1 0.5 2\n3 0.4 4\n", Path("mlruns/0/x/metrics/loss"))
    assert not READER.sniff(f"{T0} 0.5 0.5\n".encode(), None)  # step must be an integer
    assert not READER.sniff(b"epoch,loss\n0,1\n", None)
    assert not READER.sniff(b"\n\n", None)


def test_sniff_dir(tmp_path):
    assert not READER.sniff_dir(tmp_path)
    d = make_run(tmp_path / "mlruns" / "0", "r1", {"loss": [1.0]})
    assert READER.sniff_dir(d)
    assert READER.sniff_dir(d / "metrics")
    assert READER.sniff_dir(tmp_path / "mlruns" / "0")
    assert READER.sniff_dir(tmp_path / "mlruns")


def test_meta_value(tmp_path):
    m = tmp_path / "meta.yaml"
    m.write_text("run_name: 'it''s fine'\nrun_id: x\nnested:\n  run_name: no\n")
    assert meta_value(m, "run_name") == "it's fine"
    assert meta_value(m, "missing") is None
    assert meta_value(tmp_path / "none.yaml", "run_name") is None


def test_join_metric_files(tmp_path, only_my_readers):
    d = make_run(tmp_path / "0", "r1", {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]})
    run = registry.join([str(d / "metrics" / "loss"), str(d / "metrics" / "val_loss")])
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"


def test_empty_run_is_an_input_error(tmp_path):
    d = make_run(tmp_path / "0", "r1", {})
    with pytest.raises(InputError, match="no MLflow metrics"):
        READER.read_dir(d)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_never_raises_raw(data):
    try:
        READER.read(Source("x", None, f"{T0} 1 0\n".encode() + data))
    except InputError:
        pass


def _fixtures() -> list[Path]:
    """Files and folders under fixtures/mlflow and fixtures/public/mlflow (the manifest test checks names and roles)."""
    found: list[Path] = []
    for base in (ROOT / "fixtures" / "mlflow", ROOT / "fixtures" / "public" / "mlflow"):
        if base.is_dir():
            found += sorted(p for p in base.iterdir() if p.is_dir() or not p.name.startswith("."))
    return found


@pytest.mark.parametrize("path", _fixtures() or [None], ids=lambda p: p.name if p else "none")
def test_fixtures(path, only_my_readers):
    if path is None:
        pytest.skip("no MLflow fixtures yet")
    runs = registry.read_path(path, "mlflow" if path.is_dir() else None)
    assert runs
    # Public fixtures are single metric files (train or val loss); a run folder must give a train loss.
    if path.is_dir():
        assert any(r.train_loss is not None for r in runs), [list(r.series) for r in runs]
    else:
        assert any(r.train_loss or r.val_loss for r in runs), [list(r.series) for r in runs]


