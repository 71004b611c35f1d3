"""The registry: picking a reader by content, forced formats, stdin, folders, and the errors every input path
must turn into (InputError / UsageError, never a raw exception). Also runs the fixture manifest through the
text/JSON/CSV readers."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from lossdoc.errors import InputError, UsageError
from lossdoc.readers import registry
from tests.conftest import public_error_by_design

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# The formats of the tabular, JSON and text reader modules.
MY_FORMATS = {
    "keras-csvlogger",
    "keras-history-csv",
    "lightning-csv",
    "ultralytics",
    "fastai",
    "csv",
    "keras-history",
    "hf-trainer-state",
    "jsonl",
    "text",
    "numbers",
}

KERAS_CSV = b"epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.0,0.45,1.1\n1,0.6,0.8,0.55,0.9\n"


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_every_format_is_registered_once_in_priority_order():
    names = registry.reader_names()
    assert MY_FORMATS <= set(names)
    assert len(names) == len(set(names))
    order = {n: i for i, n in enumerate(names)}
    # Specific before generic.
    for specific in ("fastai", "ultralytics", "lightning-csv", "keras-csvlogger", "keras-history-csv"):
        assert order[specific] < order["csv"]
    assert order["hf-trainer-state"] < order["keras-history"] < order["jsonl"]
    assert order["text"] == max(order[n] for n in MY_FORMATS)
    for r in registry.readers():
        assert r.description and r.name == r.name.strip().lower()


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(KERAS_CSV))
    runs = registry.read_path("-")
    assert len(runs) == 1 and runs[0].format == "keras-csvlogger" and runs[0].source == "<stdin>"
    assert runs[0].val_loss.values.tolist() == [1.1, 0.9]


def test_stdin_with_forced_format(monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"loss,val_loss\n1.0,1.1\n0.9,1.0\n"))
    runs = registry.read_path("-", "csv")
    assert runs[0].format == "csv"


def test_empty_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(b""))
    with pytest.raises(InputError, match="empty"):
        registry.read_path("-")


def test_forced_format_wins(tmp_path):
    p = tmp_path / "history.csv"
    p.write_bytes(KERAS_CSV)
    assert registry.read_path(p, "csv")[0].format == "csv"
    with pytest.raises(InputError):
        registry.read_path(p, "keras-history")
    with pytest.raises(InputError):
        registry.read_path(p, "hf-trainer-state")


def test_forced_format_through_every_reader_never_raises_raw(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    for name in MY_FORMATS:
        with pytest.raises(InputError):
            registry.read_path(p, name)


def test_unknown_format_lists_valid_names(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(KERAS_CSV)
    with pytest.raises(UsageError) as exc:
        registry.read_path(p, "excel")
    msg = str(exc.value)
    assert "excel" in msg
    for n in MY_FORMATS:
        assert n in msg


def test_folder_of_csvs_gives_one_run_per_file(tmp_path):
    (tmp_path / "a.csv").write_bytes(KERAS_CSV)
    (tmp_path / "b.csv").write_bytes(b"step,train_loss\n1,2.0\n2,1.5\n")
    (tmp_path / "README.md").write_bytes(b"# my runs\nsome words\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "trainer_state.json").write_text(
        json.dumps(
            {"log_history": [{"step": 1, "loss": 1.0, "epoch": 0.1}, {"step": 2, "loss": 0.9, "epoch": 0.2}]}
        )
    )
    runs = registry.read_path(tmp_path)
    assert sorted(Path(r.source).name for r in runs) == ["a.csv", "b.csv", "trainer_state.json"]
    assert {r.format for r in runs} == {"keras-csvlogger", "csv", "hf-trainer-state"}


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        registry.read_path(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        registry.read_path(p)


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.log"
    p.write_bytes(b"\n\r\n  \n")
    with pytest.raises(InputError, match="empty"):
        registry.read_path(p)


def test_binary_garbage_named_csv(tmp_path):
    p = tmp_path / "history.csv"
    p.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError):
        registry.read_path(p)


NO_LOSS = [
    ("csv", "metrics.csv", b"step,accuracy,f1\n1,0.5,0.4\n2,0.6,0.5\n"),
    ("keras-history", "history.json", b'{"accuracy": [0.5, 0.6], "val_accuracy": [0.4, 0.5]}'),
    ("jsonl", "log.jsonl", b'{"step": 1, "acc": 0.5}\n{"step": 2, "acc": 0.6}\n'),
    ("hf-trainer-state", "ts.json", b'{"log_history": [{"step": 1, "learning_rate": 0.1, "epoch": 0.5}]}'),
    ("text", "train.log", b"epoch 1: acc 0.5\nepoch 2: acc 0.6\n"),
]


@pytest.mark.parametrize("fmt,name,data", NO_LOSS, ids=[n for n, _, _ in NO_LOSS])
def test_no_loss_anywhere_is_an_input_error(tmp_path, fmt, name, data):
    """Where the check lives: readers return the series they found (a reader raises InputError only when it finds
    no numeric series at all), and the API turns "no train or val loss, none named with --train/--val" into an
    InputError, so that every format behaves the same and --train/--val can still rescue an unusual name."""
    import lossdoc

    p = tmp_path / name
    p.write_bytes(data)
    for forced in (None, fmt):
        report = lossdoc.analyze(p, input_format=forced)
        assert report.exit_code == 2 and not report.runs
        assert len(report.errors) == 1
        assert "no loss series found" in report.errors[0].message or "not a training log" in (
            report.errors[0].message
        ), report.errors[0].message
    report = lossdoc.analyze(p, input_format=fmt)
    assert "no loss series found" in report.errors[0].message


def test_a_val_loss_alone_is_enough(tmp_path):
    import lossdoc

    p = tmp_path / "log.csv"
    p.write_bytes(b"epoch,val_loss,val_acc\n0,1.0,0.5\n1,0.9,0.6\n2,0.8,0.7\n")
    report = lossdoc.analyze(p)
    assert not report.errors and report.runs[0].run.val_loss.name == "val_loss"


# ------------------------------------------------------------------------------------------ real fixtures


def _entries() -> list[dict]:
    out = []
    # fixtures/public/manifest.json is covered by test_public_logs.py (and by the folder test below).
    for name in ("manifest.json",):
        path = FIXTURES / name
        for e in json.loads(path.read_text()) if path.exists() else []:
            if e.get("format") in MY_FORMATS:
                out.append(e)
    return out


def _as_list(v) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def _fixture_path(entry: dict) -> Path:
    rel = Path(entry["path"])
    for base in (FIXTURES, FIXTURES.parent, FIXTURES / "public"):
        if (base / rel).exists():
            return base / rel
    return FIXTURES / rel


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: e["path"])
def test_manifest_fixture(entry):
    runs = registry.read_path(_fixture_path(entry))
    assert runs, entry["path"]
    run = runs[0]
    assert run.format == entry["format"], (entry["path"], run.format)
    for name in _as_list(entry.get("train_series")):
        assert name in run.series, (name, sorted(run.series))
        assert run.series[name].role == "train_loss", (name, run.series[name].role)
    for name in _as_list(entry.get("val_series")):
        assert name in run.series, (name, sorted(run.series))
        assert run.series[name].role == "val_loss", (name, run.series[name].role)
    assert run.train_loss is not None or run.val_loss is not None


def _named_series() -> dict[str, dict]:
    import json

    man = FIXTURES / "public" / "manifest.json"
    if not man.is_file():
        return {}
    return {f"public/{e['path'].split('fixtures/public/', 1)[-1]}": e for e in json.loads(man.read_text())
            if e.get("train") or e.get("val")}


_NAMED = _named_series()


def _public_files() -> list[Path]:
    root = FIXTURES / "public"
    if not root.is_dir():
        return []
    return sorted(
        p for d in root.iterdir() if d.is_dir() and d.name in MY_FORMATS for p in d.iterdir() if p.is_file()
    )


@pytest.mark.parametrize("path", _public_files(), ids=lambda p: f"{p.parent.name}/{p.name[:50]}")
def test_public_fixture_is_sniffed_as_its_folder(path):
    if (why := public_error_by_design(path)) is not None:
        # A log with no curve in it (a Trainer whose logging_steps exceeded the run; a CSV with a header only): an
        # error that says so, not a run.
        with pytest.raises(InputError, match=why):
            registry.read_path(path)
        return
    runs = registry.read_path(path)
    # One run, or several that the reader split on purpose and says so in each run's notes (a console log of
    # several trainings, one per phase or model: "read as 4 runs; this is run 2 (phase ...)").
    assert len(runs) == 1 or all(any(f"read as {len(runs)} runs" in n for n in r.notes) for r in runs), (
        [r.notes for r in runs])
    named = _NAMED.get(str(path.relative_to(FIXTURES)), {})
    for run in runs:
        assert run.format == path.parent.name
        # A loss to diagnose: found by its name, or named by the person who labelled the log (the manifest's
        # train/val, as a user would pass --train/--val: a column called RMSE, an autoencoder's Classical_AE).
        if named:
            from lossdoc.api import apply_overrides

            apply_overrides(run, named.get("train"), named.get("val"))
        assert run.train_loss is not None or run.val_loss is not None
        for s in run.series.values():
            assert len(s) > 0, s.name


# ------------------------------------------------------------------------ the registry owns folders and sweeps


class _FolderOfRuns(registry.Reader):
    """A directory reader written against the Reader interface before ``split_dir`` existed."""

    name = "folder-of-runs"
    description = "test"
    handles_dirs = True
    priority = 1

    def sniff(self, head, path):
        return False

    def sniff_dir(self, path):
        return (path / "RUNS").exists()

    def read_dir(self, path):
        from lossdoc.model import Run, Series

        runs = []
        for d in sorted(p for p in path.iterdir() if p.is_dir()):
            run = Run(source=str(d), format=self.name)
            run.add(Series("loss", [1.0, 0.5, 0.25], epochs=[0, 1, 2], split="train", kind="loss"))
            runs.append(run)
        return runs


def _folder_of_runs(tmp_path: Path) -> Path:
    root = tmp_path / "sweep"
    for name in ("a", "b", "c"):
        (root / name).mkdir(parents=True)
    (root / "RUNS").write_text("")
    return root


def test_a_reader_without_split_dir_is_read_whole(tmp_path, monkeypatch):
    root = _folder_of_runs(tmp_path)
    monkeypatch.setattr(registry, "_READERS", [_FolderOfRuns(), *registry.readers()])
    assert registry.split(str(root)) == [registry.Unit(str(root))]
    found = registry.read_unit(registry.Unit(str(root)))
    assert [Path(r.source).name for r in found.runs] == ["a", "b", "c"]


def test_a_reader_with_split_dir_is_split_and_runs_keep_their_names(tmp_path, monkeypatch):
    class Split(_FolderOfRuns):
        def split_dir(self, path):
            return sorted(p for p in path.iterdir() if p.is_dir())

        def sniff_dir(self, path):
            return (path / "RUNS").exists() or path.parent.joinpath("RUNS").exists()

        def read_dir(self, path):
            if (path / "RUNS").exists():
                return super().read_dir(path)
            from lossdoc.model import Run, Series

            run = Run(source=str(path), format=self.name)
            run.add(Series("loss", [1.0, 0.5], epochs=[0, 1], split="train", kind="loss"))
            return [run]

    root = _folder_of_runs(tmp_path)
    monkeypatch.setattr(registry, "_READERS", [Split(), *registry.readers()])
    units = registry.split(str(root))
    assert [Path(u.path).name for u in units] == ["a", "b", "c"] and all(u.root == str(root) for u in units)
    assert [r.name for u in units for r in registry.read_unit(u).runs] == ["a", "b", "c"]


def test_api_knows_no_format():
    """api.py is read -> check -> report: it imports the registry and the reader base, never a format's module."""
    import ast

    tree = ast.parse((FIXTURES.parent / "lossdoc" / "api.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    readers = {m for m in imported if m.startswith("lossdoc.readers")}
    assert readers <= {"lossdoc.readers.registry", "lossdoc.readers.base"}, readers


def _deep(root: Path, depth: int) -> Path:
    """A folder nested ``depth`` deep (made relative to stay under PATH_MAX while creating it)."""
    import os

    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
    finally:
        os.close(fd)
    return root


def test_a_folder_nested_deeper_than_the_recursion_limit_is_a_clear_error(tmp_path):
    root = _deep(tmp_path / "deep", 1200)  # past Python's recursion limit (the corpus has 5,000)
    (root / "run.csv").write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.5,0.6\n2,0.4,0.5\n")
    with pytest.raises(InputError, match="nested more than"):
        registry.read_path(root)
    import lossdoc

    try:
        report = lossdoc.analyze(str(root))  # the sweep path: split, sizes, workers
    finally:
        from tests.corpus import remove_nested

        remove_nested(root)
    assert report.exit_code == 2 and "nested more than" in report.errors[0].message, report.errors


def test_naming_decisions_live_in_naming_py():
    """naming.py is the readers' only naming table: split words, epoch tags, total-loss names and "is a rate"
    (accuracy, F1...) are decided there, never by a copy in a reader."""
    copies = ['"validation"', '"valid"', 'startswith("epoch_")', '"acc"', '"total_loss"', '"precision"']
    for path in sorted((FIXTURES.parent / "lossdoc" / "readers").glob("*.py")):
        text = path.read_text()
        found = [c for c in copies if c in text]
        assert not found, f"{path.name} keeps its own naming table: {found}"
