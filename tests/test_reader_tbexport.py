"""The tb-export reader: TensorBoard UI downloads (CSV and JSON), names from the file name, folders, --join."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossdoc.errors import InputError
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.tbexport import TbExportReader, parse_name

ROOT = Path(__file__).resolve().parent.parent
READER = TbExportReader()


@pytest.fixture
def only_my_readers(monkeypatch):
    monkeypatch.setattr(registry, "_MODULES", ("tensorboard", "tbexport", "mlflow"))
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def csv_text(values, steps=None, *, header="Wall time,Step,Value", eol="\n") -> str:
    steps = steps if steps is not None else range(len(values))
    rows = [header] + [f"{1_600_000_000.5 + s},{s},{v}" for s, v in zip(steps, values)]
    return eol.join(rows) + eol


def json_text(values, steps=None) -> str:
    steps = steps if steps is not None else range(len(values))
    return json.dumps([[1_600_000_000.5 + s, s, v] for s, v in zip(steps, values)])


def read(path: Path):
    (run,) = READER.read(Source(str(path), path))
    return run


def test_csv_export_named_by_tag(tmp_path):
    p = tmp_path / "run-resnet_lr0.1-tag-Loss_train.csv"
    p.write_text(csv_text([2.0, 1.5, 1.2]))
    run = read(p)
    assert run.name == "resnet_lr0.1"
    assert run.format == "tb-export"
    s = run.series["Loss_train"]
    assert list(s.values) == [2.0, 1.5, 1.2]
    assert list(s.steps) == [0, 1, 2]
    assert run.train_loss is s


def test_json_export(tmp_path):
    p = tmp_path / "run-exp-tag-Loss_val.json"
    p.write_text(json_text([2.0, 1.5, 1.2], steps=[10, 20, 30]))
    run = read(p)
    assert run.val_loss.name == "Loss_val"
    assert list(run.val_loss.steps) == [10, 20, 30]


def test_generic_file_names(tmp_path):
    p = tmp_path / "val_loss.csv"
    p.write_text(csv_text([1.0, 0.9]))
    run = read(p)
    assert run.name is None
    assert run.val_loss.name == "val_loss"


@pytest.mark.parametrize(
    "prefix,eol,quote",
    [("\ufeff", "\n", False), ("", "\r\n", False), ("", "\n", True), ("\ufeff", "\r\n", True)],
)
def test_bom_crlf_quotes(tmp_path, prefix, eol, quote):
    header = '"Wall time","Step","Value"' if quote else "Wall time,Step,Value"
    text = prefix + csv_text([3.0, 2.0], header=header, eol=eol)
    p = tmp_path / "loss.csv"
    p.write_bytes(text.encode("utf-8"))
    assert READER.sniff(p.read_bytes(), p)
    run = read(p)
    assert list(run.train_loss.values) == [3.0, 2.0]


def test_nan_inf_kept(tmp_path):
    p = tmp_path / "loss.csv"
    p.write_text(csv_text(["1.0", "nan", "inf", "-inf", "NaN", "0.5"]))
    s = read(p).series["loss"]
    assert len(s) == 6 and s.nonfinite == 4
    assert s.values[2] == np.inf and s.values[3] == -np.inf
    pj = tmp_path / "val_loss.json"
    pj.write_text('[[1.0, 0, 1.0], [2.0, 1, NaN], [3.0, 2, Infinity], [4.0, 3, "nan"], [5.0, 4, "-inf"]]')
    s = read(pj).series["val_loss"]
    assert len(s) == 5 and s.nonfinite == 4


def test_step_value_header_and_epoch_tags(tmp_path):
    p = tmp_path / "run-.-tag-epoch_val_loss.csv"
    p.write_text("Step,Value\n0,2.3\n1,2.2\n2,2.1\n")
    run = read(p)
    assert run.name is None
    s = run.series["epoch_val_loss"]
    assert s.role == "val_loss" and s.axis == "epoch"
    assert list(s.epochs) == [0, 1, 2]


def test_keras_split_runs(tmp_path, only_my_readers):
    (tmp_path / "run-validation-tag-epoch_loss.csv").write_text(csv_text([1.0, 0.9, 0.95]))
    (tmp_path / "run-train-tag-epoch_loss.csv").write_text(csv_text([1.0, 0.7, 0.5]))
    run = read(tmp_path / "run-validation-tag-epoch_loss.csv")
    assert run.val_loss.name == "validation/epoch_loss"
    (run,) = registry.read_path(tmp_path)
    assert run.train_loss.name == "train/epoch_loss"
    assert run.val_loss.name == "validation/epoch_loss"
    assert run.name == tmp_path.name


def test_folder_grouped_by_run(tmp_path, only_my_readers):
    for r in ("a", "b"):
        (tmp_path / f"run-{r}-tag-Loss_train.csv").write_text(csv_text([2.0, 1.0]))
        (tmp_path / f"run-{r}-tag-Loss_val.json").write_text(json_text([2.5, 1.5]))
    (tmp_path / "README.md").write_text("exports")
    assert READER.sniff_dir(tmp_path)
    runs = registry.read_path(tmp_path)
    assert sorted(r.name for r in runs) == ["a", "b"]
    for run in runs:
        assert run.train_loss.name == "Loss_train"
        assert run.val_loss.name == "Loss_val"


def test_folder_with_other_csv_is_not_claimed(tmp_path):
    (tmp_path / "run-a-tag-loss.csv").write_text(csv_text([2.0, 1.0]))
    (tmp_path / "history.csv").write_text("epoch,loss,val_loss\n0,1,2\n")
    assert not READER.sniff_dir(tmp_path)
    assert not READER.sniff_dir(tmp_path / "nothing") if (tmp_path / "nothing").mkdir() is None else False


def test_join_loss_and_val_loss(tmp_path, only_my_readers):
    a = tmp_path / "loss.csv"
    b = tmp_path / "val_loss.json"
    a.write_text(csv_text([2.0, 1.5, 1.0]))
    b.write_text(json_text([2.2, 1.8, 1.9]))
    run = registry.join([str(a), str(b)])
    assert run.format == "tb-export"
    assert set(run.series) == {"loss", "val_loss"}
    assert run.train_loss.name == "loss"
    assert run.val_loss.name == "val_loss"


def test_join_same_tag_from_two_runs(tmp_path, only_my_readers):
    a = tmp_path / "run-a-tag-loss.csv"
    b = tmp_path / "run-b-tag-loss.csv"
    a.write_text(csv_text([2.0, 1.5]))
    b.write_text(csv_text([2.0, 1.0]))
    run = registry.join([str(a), str(b)])
    assert len(run.series) == 2
    assert all(s.role == "train_loss" for s in run.series.values())


def test_parse_name():
    en = parse_name(Path("run-fit_2024-01-01_train-tag-epoch_loss.csv"), "x")
    assert (en.run, en.tag, en.series_name, en.base_run) == (
        "fit_2024-01-01_train",
        "epoch_loss",
        "train/epoch_loss",
        "fit_2024-01-01",
    )
    en = parse_name(Path("proj__run-.-tag-val_loss.csv"), "x")
    assert (en.run, en.tag, en.prefix) == (None, "val_loss", "proj__")
    en = parse_name(Path("Brunogomes97__run-x-tag-loss.json"), "x")
    assert (en.run, en.tag) == ("x", "loss")


def test_sniff():
    assert READER.sniff(b"Wall time,Step,Value\n1,2,3\n", None)
    assert READER.sniff(b"[[1600000000.1, 0, 0.5], [1600000001.1, 1, 0.4]]", None)
    assert READER.sniff(b"[[1600000000.1, 0, NaN]]", None)
    assert not READER.sniff(b"epoch,loss\n0,1\n", None)
    assert not READER.sniff(b"[1, 2, 3]", None)
    assert not READER.sniff(b'[{"loss": 1}]', None)
    assert not READER.sniff(b"[[1, 2]]", None)


def test_bad_content(tmp_path):
    p = tmp_path / "loss.csv"
    p.write_text("Wall time,Step,Value\n1,0,0.5\n2,x,0.4\n3,2,0.3\n")
    with pytest.raises(InputError, match="line 3"):
        read(p)
    p.write_text("Wall time,Step,Value\n")
    with pytest.raises(InputError, match="no data"):
        read(p)
    p.write_text("Wall time,Step,Value\n1,0,0.5\n2,1,0.4\n3,2,")  # truncated while being written
    run = read(p)
    assert len(run.train_loss) == 2
    assert any("incomplete" in n or "empty value" in n for n in run.notes)
    pj = tmp_path / "loss.json"
    pj.write_text("[[1, 0, 0.5], [2, 1")
    with pytest.raises(InputError, match="not valid JSON"):
        read(pj)
    pj.write_text('[[1, 0, 0.5], [2, 1, "x"]]')
    with pytest.raises(InputError, match="not a number"):
        read(pj)
    pj.write_text('{"a": 1}')
    with pytest.raises(InputError):
        read(pj)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_never_raises_raw(data):
    head = b"Wall time,Step,Value\n" + data
    try:
        READER.read(Source("x.csv", None, head))
    except InputError:
        pass
    try:
        READER.read(Source("x.json", None, b"[[" + data))
    except InputError:
        pass


def _fixtures() -> list[Path]:
    """Files and folders under fixtures/tb-export and fixtures/public/tb-export (the manifest test checks names and roles)."""
    found: list[Path] = []
    for base in (ROOT / "fixtures" / "tb-export", ROOT / "fixtures" / "public" / "tb-export"):
        if base.is_dir():
            found += sorted(p for p in base.iterdir() if p.is_dir() or p.suffix.lower() in (".csv", ".json"))
    return found


@pytest.mark.parametrize("path", _fixtures() or [None], ids=lambda p: p.name if p else "none")
def test_fixtures(path, only_my_readers):
    if path is None:
        pytest.skip("no tb-export fixtures yet")
    runs = registry.read_path(path)
    assert runs and all(r.format == "tb-export" for r in runs)
    for run in runs:
        assert all(len(s) > 0 for s in run.series.values())
        assert run.train_loss is not None or run.val_loss is not None, [s.describe() for s in run.series.values()]




def test_json_triples_whose_first_column_is_not_a_wall_time_are_not_claimed(tmp_path):
    # A loop's own [step, train_loss, val_loss] history looks like TensorBoard's [wall time, step, value] export;
    # read as one, its step counter "restarts" 24 times and one point survives. Not claimed: the json-rows reader
    # reads it as step, train loss, val loss (CollinPhipps/llm loss_history.json, 25 such rows).
    from lossdoc.readers import registry

    p = tmp_path / "loss_history.json"
    p.write_text(json.dumps([[200 * i, 6 - 0.1 * i, 6.1 - 0.05 * i] for i in range(1, 26)], indent=2))
    run = registry.read_path(p)[0]
    assert run.format == "json-rows" and run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert len(run.train_loss) == 25 and run.train_loss.x[-1] == 5000
    q = tmp_path / "run-a-tag-loss.json"
    q.write_text(json.dumps([[1.7e9 + i, i, 0.5 / i] for i in range(1, 6)]))
    assert registry.read_path(q)[0].format == "tb-export"
