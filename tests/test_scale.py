"""Sweeps at scale: --format jsonl (streamed, schema-valid lines), --shard I/N + lossdoc merge (the report and exit
code of one run over all paths, in every format), and --executor dask on a real LocalCluster of processes (the
same reports as the local process pool)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from lossdoc import api, executors
from lossdoc.cli import app
from lossdoc.readers.registry import Unit, in_shard, shard_key

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCHEMAS = {name: json.loads((ROOT / "schema" / f"{name}.json").read_text()) for name in ("report-v1", "report-jsonl-v1")}


def validate_line(obj: dict) -> None:
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()
    )
    jsonschema.Draft202012Validator(SCHEMAS["report-jsonl-v1"], registry=registry).validate(obj)


def _sweep(root: Path) -> list[str]:
    """A sweep of several formats and paths, with what a store holds besides logs: a folder without any log, a
    log that cannot be read (an input error), files that are not logs."""
    store = root / "store"
    store.mkdir()
    for sub in ("keras-history", "csv", "messy", "tensorboard", "mlflow", "lightning-csv"):
        shutil.copytree(FIXTURES / sub, store / sub)
    (store / "README.md").write_text("not a log\n")
    (store / "broken.csv").write_text("epoch,loss,val_loss\n0,abc,def\n1,ghi,jkl\n")
    empty = root / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("notes\n")
    (empty / "b.yaml").write_text("lr: 0.1\n")
    e = np.arange(30)
    single = root / "history.json"
    single.write_text(json.dumps({"loss": (2 * np.exp(-e / 6)).tolist(), "val_loss": (2.2 * np.exp(-e / 6)).tolist()}))
    return [str(store), str(empty), str(single)]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    cwd = os.getcwd()
    os.chdir(root)  # relative paths, as a job array passes them
    try:
        yield [os.path.relpath(p, root) for p in _sweep(root)]
    finally:
        os.chdir(cwd)


@pytest.fixture
def in_sweep(sweep, tmp_path_factory):
    root = Path(sweep[0]).resolve().parent
    cwd = os.getcwd()
    os.chdir(root)
    yield sweep
    os.chdir(cwd)


def _lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_lines_are_the_json_report_and_validate(runner, in_sweep):
    r = runner.invoke(app, ["analyze", *in_sweep, "--format", "jsonl"])
    whole = runner.invoke(app, ["analyze", *in_sweep, "--format", "json"])
    assert r.exit_code == whole.exit_code == 2, r.output  # broken.csv and the folder without a log
    lines = _lines(r.stdout)
    for obj in lines:
        validate_line(obj)
    assert [o["type"] for o in lines].count("summary") == 1 and lines[-1]["type"] == "summary"
    doc = json.loads(whole.stdout)
    runs = sorted((o for o in lines if o["type"] == "run"), key=lambda o: o["position"])
    fields = ("type", "schema_version", "lossdoc_version", "position", "primary_confidence")
    assert [{k: v for k, v in o.items() if k not in fields} for o in runs] == doc["runs"]
    summary = lines[-1]
    assert summary["runs"] == len(doc["runs"]) and summary["exit_code"] == doc["exit_code"]
    assert [{"source": e["source"], "message": e["message"]} for e in summary["errors"]] == doc["errors"]
    assert summary["notes"] == doc["notes"] and any("no training log found" in e["message"] for e in doc["errors"])


def test_jsonl_output_file_and_usage_errors(runner, in_sweep, tmp_path):
    out = tmp_path / "sweep.jsonl"
    r = runner.invoke(app, ["analyze", in_sweep[2], "--format", "jsonl", "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert _lines(out.read_text())[-1]["type"] == "summary" and not list(tmp_path.glob(".*tmp"))
    for args in (["--statistics"], ["--plot", str(tmp_path / "a.png")], ["--scheduler", "tcp://x:1"],
                 ["--shard", "5/4"], ["--shard", "a/b"], ["--shard", "0/2"]):
        r = runner.invoke(app, ["analyze", in_sweep[2], "--format", "jsonl", *args])
        assert r.exit_code == 2, (args, r.output)
    r = runner.invoke(app, ["analyze", "-", "--shard", "1/2"], input="{}")
    assert r.exit_code == 2 and "standard input" in r.output, r.output
    exports = sorted(str(p) for p in (FIXTURES / "tb-export" / "overfit").iterdir())
    r = runner.invoke(app, ["analyze", "--join", *exports, "--format", "jsonl"])  # one run, not a sweep
    lines = _lines(r.stdout)
    assert r.exit_code == lines[-1]["exit_code"] == 1 and [o["type"] for o in lines] == ["run", "summary"], r.output
    for obj in lines:
        validate_line(obj)


def _shards(runner, paths, n, tmp_path, extra=()) -> list[str]:
    parts = []
    for i in range(1, n + 1):
        r = runner.invoke(app, ["analyze", *paths, "--shard", f"{i}/{n}", "--format", "jsonl", *extra])
        assert r.exit_code in (0, 1, 2), r.output
        part = tmp_path / f"part{i}.jsonl"
        part.write_text(r.stdout)
        parts.append(str(part))
    return parts


@pytest.mark.parametrize("fmt", ["json", "github", "sarif", "junit", "rich", "markdown"])
def test_shards_merge_into_the_single_run_report(runner, in_sweep, tmp_path, fmt):
    parts = _shards(runner, in_sweep, 4, tmp_path)
    runs = [o for p in parts for o in _lines(Path(p).read_text()) if o["type"] == "run"]
    positions = [tuple(o["position"]) for o in runs]
    assert len(positions) == len(set(positions))  # no run in two shards
    extra = ["--summary"] if fmt in ("rich", "markdown") else []  # the summary is the same; details lack curves
    single = runner.invoke(app, ["analyze", *in_sweep, "--format", fmt, *extra])
    merged = runner.invoke(app, ["merge", *parts, "--format", fmt, *extra])
    assert merged.exit_code == single.exit_code == 2, merged.output
    assert merged.stdout == single.stdout
    assert merged.stderr == single.stderr  # the same input errors, one line each


def test_merge_rich_shows_findings_without_curves(runner, in_sweep, tmp_path):
    parts = _shards(runner, in_sweep[:1], 3, tmp_path, ["--fail-on", "error"])
    single = runner.invoke(app, ["analyze", in_sweep[0], "--fail-on", "error"])
    merged = runner.invoke(app, ["merge", *parts])
    assert merged.exit_code == single.exit_code == 2, merged.output
    assert "non-finite" in merged.stdout and "curves are not drawn" in merged.stdout
    assert "┤" in single.stdout and "┤" not in merged.stdout  # the chart's axis
    assert merged.stdout.splitlines()[-1] == single.stdout.splitlines()[-1]  # the verdict
    assert runner.invoke(app, ["merge", *parts, "--exit-zero", "--format", "json"]).exit_code == 2  # errors stay 2


def test_merge_refuses_missing_cut_and_foreign_shards(runner, in_sweep, tmp_path):
    parts = _shards(runner, in_sweep, 3, tmp_path)
    text = Path(parts[2]).read_text()
    cases = {
        "missing": parts[:2],
        "twice": [parts[0], parts[0], parts[1], parts[2]],
        "cut": (parts[:2], text[: len(text) - 40]),
        "no summary": (parts[:2], "".join(text.splitlines(keepends=True)[:-1])),
        "lost line": (parts[:2], "".join(text.splitlines(keepends=True)[1:])),
        "not json": (parts[:2], "hello\n" + text),
    }
    for what, case in cases.items():
        if isinstance(case, tuple):
            bad = tmp_path / "bad.jsonl"
            bad.write_text(case[1])
            case = [*case[0], str(bad)]
        r = runner.invoke(app, ["merge", *case, "--format", "json"])
        assert r.exit_code == 2 and r.stdout == "", (what, r.output)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("lossdoc: error:"), (what, r.stderr)
    other = _shards(runner, in_sweep[:2], 3, tmp_path / "o" if (tmp_path / "o").mkdir() is None else tmp_path)
    r = runner.invoke(app, ["merge", parts[0], parts[1], other[2]])
    assert r.exit_code == 2 and "other paths" in r.stderr, r.output
    gate = _shards(runner, in_sweep, 3, tmp_path / "g" if (tmp_path / "g").mkdir() is None else tmp_path,
                   ["--fail-on", "error"])
    r = runner.invoke(app, ["merge", parts[0], parts[1], gate[2]])
    assert r.exit_code == 2 and "--fail-on" in r.stderr, r.output


def test_shard_of_a_run_depends_on_its_relative_path_only(tmp_path):
    a = Unit(str(tmp_path / "x" / "store" / "lr=0.1" / "seed=3"))
    b = Unit("/elsewhere/mnt/store/lr=0.1/seed=3")
    assert shard_key(a, str(tmp_path / "x" / "store")) == shard_key(b, "/elsewhere/mnt/store") == "lr=0.1/seed=3"
    assert shard_key(Unit("runs/a.csv"), "runs/a.csv") == "a.csv"
    for n in (1, 2, 7):
        units = [Unit(f"store/run_{i:04d}.csv") for i in range(700)]
        owners = [[i for i in range(1, n + 1) if in_shard(u, "store", i, n)] for u in units]
        assert all(len(o) == 1 for o in owners)  # every run in exactly one shard
        if n == 7:
            counts = np.bincount([o[0] for o in owners])[1:]
            assert counts.min() > 60  # about a seventh each
    # Adding runs moves none of the others.
    assert [in_shard(Unit(f"store/run_{i:04d}.csv"), "store", 2, 4) for i in range(100)] == [
        in_shard(Unit(f"store/run_{i:04d}.csv"), "store", 2, 4) for i in range(100)
    ]


def test_shards_from_stores_mounted_in_different_places_merge(runner, in_sweep, tmp_path):
    """Machines of a job array may see the store at different absolute paths: the shards still add up."""
    a, b = tmp_path / "a" / "store", tmp_path / "b" / "mnt" / "store"
    for where in (a, b):
        shutil.copytree(in_sweep[0], where)
    parts = []
    for i, where in ((1, a), (2, b)):
        r = runner.invoke(app, ["analyze", str(where), "--shard", f"{i}/2", "--format", "jsonl"])
        parts.append(tmp_path / f"p{i}.jsonl")
        parts[-1].write_text(r.stdout)
    merged = runner.invoke(app, ["merge", *map(str, parts), "--format", "json"])
    single = runner.invoke(app, ["analyze", str(a), "--format", "json"])
    assert merged.exit_code == single.exit_code, merged.output
    def rel(source: str) -> str:
        return next(os.path.relpath(source, root) for root in (a, b) if source.startswith(str(root)))

    assert [rel(r["source"]) for r in json.loads(merged.stdout)["runs"]] == [
        rel(r["source"]) for r in json.loads(single.stdout)["runs"]
    ]


def test_stream_keeps_no_run(in_sweep):
    """The parent of a stream holds lines, not runs: every result it sees is text."""
    from lossdoc.reporters.jsonl import run_line

    s = api.stream(in_sweep, render=run_line, jobs=1)
    seen = [line for res in s for line in res.runs]
    assert seen and all(isinstance(line, str) for line in seen)
    assert s.summary()["runs"] == len(seen)


# ---------------------------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_cluster():
    pytest.importorskip("distributed")
    import dask
    from distributed import LocalCluster

    # A task whose worker died is retried once (Dask's default: 3 times), so that a run that kills its worker
    # fails quickly here while the runs that shared the worker with it are run again.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=50)
        try:
            yield cluster.scheduler_address
        finally:
            cluster.close()


def test_dask_gives_the_reports_of_the_process_pool(runner, in_sweep, dask_cluster):
    local = runner.invoke(app, ["analyze", *in_sweep, "--format", "json", "--jobs", "2"])
    on_dask = runner.invoke(app, ["analyze", *in_sweep, "--format", "json", "--executor", "dask",
                                  "--scheduler", dask_cluster])
    assert on_dask.exit_code == local.exit_code == 2, on_dask.output
    assert on_dask.stdout == local.stdout
    lines = runner.invoke(app, ["analyze", *in_sweep, "--format", "jsonl", "--executor", "dask"],
                          env={executors.SCHEDULER_ENV: dask_cluster})
    pool = runner.invoke(app, ["analyze", *in_sweep, "--format", "jsonl", "--jobs", "2"])
    assert lines.exit_code == pool.exit_code == 2, lines.output
    assert sorted(lines.stdout.splitlines()) == sorted(pool.stdout.splitlines())  # byte for byte, after sorting


def test_dask_without_a_scheduler_starts_a_local_cluster_of_processes(runner, in_sweep, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.delenv(executors.SCHEDULER_ENV, raising=False)
    started = []
    import distributed

    real = distributed.LocalCluster

    def spy(*args, **kwargs):
        started.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", spy)
    lines = runner.invoke(app, ["analyze", *in_sweep, "--format", "jsonl", "--executor", "dask"])
    pool = runner.invoke(app, ["analyze", *in_sweep, "--format", "jsonl", "--jobs", "2"])
    assert lines.exit_code == pool.exit_code == 2, lines.output
    assert sorted(lines.stdout.splitlines()) == sorted(pool.stdout.splitlines())
    assert len(started) == 1 and started[0]["processes"] is True


def _maybe_die(x: int) -> int:
    if x == 3:
        import time

        time.sleep(0.3)
        os._exit(1)  # the worker dies (as when the kernel kills it for memory)
    if x == 5:
        raise ValueError("bad run")
    return x * 10


def test_dask_worker_death_fails_one_task_only(dask_cluster):
    # One task at a time, so that no other task shares the worker that dies (with several in flight, Dask runs
    # those again up to allowed-failures times; this cluster allows 1).
    got = dict(executors.dask(_maybe_die, ((i, (i,)) for i in range(8)), dask_cluster, in_flight=1))
    assert {k: v for k, v in got.items() if not isinstance(v, executors.Failed)} == {
        i: i * 10 for i in range(8) if i not in (3, 5)
    }
    assert "worker died" in got[3].message and "ValueError: bad run" in got[5].message


def test_process_pool_worker_death_fails_one_task_only():
    got = dict(executors.process_pool(_dies_at_3, ((i, (i,)) for i in range(20)), workers=2))
    assert {k: v for k, v in got.items() if k != 3} == {i: i * 10 for i in range(20) if i != 3}
    assert isinstance(got[3], executors.Failed) and "died" in got[3].message


def _dies_at_3(x: int) -> int:
    if x == 3:
        os._exit(1)
    return x * 10


def test_dask_missing_is_one_line(runner, in_sweep, monkeypatch):
    monkeypatch.setattr(executors, "dask_available", lambda: False)
    r = runner.invoke(app, ["analyze", in_sweep[2], "--executor", "dask"])
    assert r.exit_code == 2 and "pip install 'lossdoc[dask]'" in r.stderr and r.stderr.count("\n") == 1, r.output


def test_merge_and_jsonl_documented(runner):
    readme = (ROOT / "README.md").read_text()
    for text in ("lossdoc merge PART.jsonl...", "--format rich|json|jsonl|", "[--shard I/N] [--executor local|dask]",
                 "schema/report-jsonl-v1.json", "without its charts"):
        assert text in readme, text
    help_text = runner.invoke(app, ["merge", "--help"], terminal_width=200).output
    assert "without curves" in help_text and "missing" in help_text
