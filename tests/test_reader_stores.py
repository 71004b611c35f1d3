"""Stores and run folders: MLflow's SQLite store (mlflow.db), W&B run files and chart exports, DVCLive folders.

The real files strangers committed (``shared/real-logs``, found as every test finds it: tests/shared_data.py;
counted independently in its ``cases.csv``) are read in place and must agree with those counts; the messy variants
(killed and resumed runs, damaged chunks, NaN and Inf, a live writer) are built here with sqlite3 and with the
framing the W&B reader documents, and the tools' own writers made the fixtures (fixtures/mlflow-db, wandb,
dvclive).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import lossdoc
from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.readers import _wandb_bulk as wandb_bulk
from lossdoc.readers import wandb as wandb_reader
from tests import wandb_bytes as wb
from tests.conftest import ROOT, manifest, real_logs


def cases() -> dict[str, dict]:
    try:
        folder = real_logs()
    except BaseException:  # collected before any test runs: the test itself then fails with the reason
        return {}
    with open(folder / "cases.csv", newline="") as fh:
        return {row["case"]: row for row in csv.DictReader(fh)}


CASES = cases()
STORE_CASES = sorted(c for c, row in CASES.items() if row["format"] in ("mlflow", "wandb", "wandb_csv", "dvclive"))


def _skipped_runs(runs) -> int:
    """Runs a store left out and counted in a note (no metrics; no loss while others log one)."""
    n = 0
    for r in runs:
        for note in r.notes:
            if "run(s) with no metrics skipped" in note or "run(s) that log no loss" in note:
                n += int(note.split(" run(s)")[0].split()[-1])
    return n


@pytest.mark.parametrize("case", STORE_CASES or ["(cases.csv missing)"])
def test_real_store_agrees_with_cases_csv(case):
    folder = real_logs()
    row = CASES[case]
    path = folder / row["path_to_pass_to_lossdoc"]
    if case.startswith("37_"):  # a W&B runs table, not a history: refused with a message that says so
        with pytest.raises(InputError, match="runs table .*64 runs"):
            lossdoc.read(path)
        return
    runs = lossdoc.read(path)
    with_metrics = len(runs) + sum(int(n.split(" run(s)")[0].split()[-1]) for r in runs for n in r.notes
                                   if "run(s) that log no loss" in n)
    assert with_metrics == int(row["runs_expected"]), [r.name for r in runs]
    expected_losses = {s for s in row["loss_series"].split(";") if s}
    found_losses = {s.name for r in runs for s in r.series.values() if s.kind == "loss"}
    assert found_losses == expected_losses, found_losses
    # "points": rows of the main train-loss series (the train-loss name with most rows, over all runs)
    totals: dict[str, int] = {}
    for r in runs:
        for s in r.series.values():
            if s.role == "train_loss":
                totals[s.name] = totals.get(s.name, 0) + len(s)
    # cases.csv counts a W&B chart export's rows (the longest run) and an MLflow store's rows over all runs
    longest = max((len(s) for r in runs for s in r.series.values() if s.role == "train_loss"), default=0)
    assert int(row["points"]) in (max(totals.values(), default=0), longest), totals
    has_nan = any(s.nonfinite for r in runs for s in r.series.values())
    assert has_nan == (row["has_nan"] == "yes")


def test_real_wandb_truncated_and_resumed_say_so():
    folder = real_logs()
    (run,) = lossdoc.read(folder / CASES["11_wandb_truncated_run"]["path_to_pass_to_lossdoc"])
    assert any("last record incomplete" in n for n in run.notes) and any("no exit record" in n for n in run.notes)
    (run,) = lossdoc.read(folder / CASES["13_wandb_resumed_3segments"]["path_to_pass_to_lossdoc"])
    assert any("resumed: 3 segments" in n for n in run.notes), run.notes
    assert run.name == "lstm_hd256" and run.meta["run_id"] == "2frm6hi4"


def test_real_mlflow_db_is_read_only_and_narrowed(runner):
    db = real_logs() / CASES["17_mlflow_stars_5runs"]["path_to_pass_to_lossdoc"]
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns, db.stat().st_size)
    siblings = sorted(p.name for p in db.parent.iterdir())
    runs = lossdoc.read(db, experiment="SIC100", run="SIC100_2")
    assert len(runs) == 2 and {r.meta["experiment"] for r in runs} == {"SIC100"}
    assert all(r.name.startswith("SIC100_2 (") for r in runs)  # two runs share the name: ids added
    (one,) = lossdoc.read(db, run=runs[0].meta["run_id"][:8])
    assert one.meta["store"] == f"mlflow.db experiment 'SIC100' run 'SIC100_2' ({runs[0].meta['run_id']})"
    r = runner.invoke(app, ["inspect", str(db), "--run", runs[0].meta["run_id"]])
    assert r.exit_code == 0 and "from mlflow.db experiment 'SIC100' run 'SIC100_2'" in r.stdout, r.output
    r = runner.invoke(app, ["analyze", str(db), "--experiment", "nope"])
    assert r.exit_code == 2 and "no experiment 'nope'" in r.stderr and "SIC100" in r.stderr, r.output
    after = (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns, db.stat().st_size)
    assert before == after and sorted(p.name for p in db.parent.iterdir()) == siblings


# ------------------------------------------------------------------------------------------ mlflow.db, built here


def make_db(path: Path, runs: dict[str, dict[str, list[float]]], status: str = "FINISHED") -> None:
    """A database with MLflow's tables (the columns MLflow writes) and runs of metrics, NaN/Inf stored the way
    MLflow stores them (is_nan = 1 with value 0; +-Inf as +-DBL_MAX)."""
    c = sqlite3.connect(path)
    c.execute("PRAGMA synchronous = OFF")
    c.executescript(
        "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256), lifecycle_stage VARCHAR(32));"
        "CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), status VARCHAR(9), start_time BIGINT,"
        " lifecycle_stage VARCHAR(20), experiment_id INTEGER);"
        "CREATE TABLE metrics (key VARCHAR(250), value FLOAT, timestamp BIGINT, run_uuid VARCHAR(32), step BIGINT,"
        " is_nan BOOLEAN);"
        "CREATE TABLE tags (key VARCHAR(250), value VARCHAR(5000), run_uuid VARCHAR(32));"
        "INSERT INTO experiments VALUES (0, 'Default', 'active'), (1, 'exp-a', 'active');"
    )
    for k, (name, metrics) in enumerate(runs.items()):
        rid = f"{k:032x}"
        c.execute("INSERT INTO runs VALUES (?, ?, ?, ?, 'active', 1)", (rid, name, status, 1000 + k))
        for key, values in metrics.items():
            for i, v in enumerate(values):
                nan = isinstance(v, float) and math.isnan(v)
                stored = 0.0 if nan else (np.finfo(float).max * (1 if v > 0 else -1) if math.isinf(v) else v)
                c.execute("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)", (key, stored, 10 * i, rid, i, int(nan)))
    c.commit()
    c.close()


def test_mlflow_db_nan_inf_status_and_eval_runs(tmp_path):
    db = tmp_path / "mlflow.db"
    make_db(db, {
        "blowup": {"train_loss": [1.0, 3.0, 30.0, math.inf, math.nan], "val_loss": [1.1, 2.0, 9.0, 90.0, -math.inf]},
        "eval": {"accuracy": [0.9]},
    }, status="RUNNING")
    (run,) = lossdoc.read(db)
    s = run.series["train_loss"]
    assert s.values[3] == np.inf and np.isnan(s.values[4]) and run.series["val_loss"].values[4] == -np.inf
    assert run.format == "mlflow-db" and run.name == "blowup"
    assert any("still training, or the process died" in n for n in run.notes)
    assert any("1 run(s) that log no loss" in n and "'eval'" in n for n in run.notes)
    (ev,) = lossdoc.read(db, run="eval")  # named: read even without a loss
    assert list(ev.series) == ["accuracy"]
    report = lossdoc.analyze(str(db))
    # a climb that ends in Inf/NaN: divergence first (where it ended is non-finite), as for the diverge_nan fixtures
    assert report.runs[0].primary.name == "divergence"
    assert {"divergence", "non-finite"} <= {f.name for f in report.runs[0].findings}


def test_mlflow_db_from_stdin_and_not_mlflow(tmp_path, runner):
    db = tmp_path / "mlflow.db"
    make_db(db, {"r": {"loss": [1.0, 0.5, 0.25]}})
    other = tmp_path / "other.db"
    sqlite3.connect(other).executescript("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);")
    r = runner.invoke(app, ["analyze", str(other)])
    assert r.exit_code == 2 and "other.db" in r.stderr, r.output
    r = runner.invoke(app, ["analyze", str(other), "--input-format", "mlflow-db"])
    assert r.exit_code == 2 and "without MLflow's tables" in r.stderr, r.output


def test_mlflow_db_live_writer_is_not_blocked(tmp_path):
    """While lossdoc reads, a writer keeps committing (MLflow's own SQLite settings: rollback journal)."""
    db = tmp_path / "mlflow.db"
    make_db(db, {f"run{i}": {"loss": [1.0 / (j + 1) for j in range(2000)]} for i in range(20)})
    stop = threading.Event()
    waits: list[float] = []

    def writer():
        c = sqlite3.connect(db, timeout=30)
        j = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            c.execute("INSERT INTO metrics VALUES ('loss', 0.1, 99999, ?, ?, 0)", (f"{0:032x}", 5000 + j))
            c.commit()
            waits.append(time.perf_counter() - t0)
            j += 1
            time.sleep(0.002)

    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(2):
            runs = lossdoc.read(db)
            assert len(runs) == 20
    finally:
        stop.set()
        t.join()
    assert waits and max(waits) < 2.0, max(waits)  # never held up for long: lossdoc's reads are short


# ------------------------------------------------------------------------------------------ .wandb, messy variants


def _rows(n: int, nan_at: int | None = None) -> list[dict]:
    out = []
    for i in range(n):
        loss = 2.0 / (i + 1)
        out.append({"loss": "NaN" if nan_at is not None and i >= nan_at else loss, "val_loss": loss * 1.1,
                    "img": {"_type": "histogram", "values": [1, 2]}, "note": "text"})
    return out


def test_wandb_file_nan_media_goal_and_exit(tmp_path):
    p = tmp_path / "run-abc123.wandb"
    p.write_bytes(wb.run_file(_rows(30, nan_at=25), exit_code=1, extra=[wb.metric_record("val_loss", 1)]))
    (run,) = lossdoc.read(p)
    assert run.name == "my-run" and set(run.series) == {"loss", "val_loss"}
    assert np.isnan(run.series["loss"].values[25:]).all() and len(run.series["loss"]) == 30
    assert list(run.series["loss"].steps[:3]) == [0, 1, 2]
    assert any("media values" in n for n in run.notes) and any("exited with code 1" in n for n in run.notes)


def test_wandb_killed_run_and_bad_crc_resync(tmp_path):
    rows = [{"loss": 1.0 / (i + 1), "pad": "x" * 200} for i in range(600)]  # several 32 KiB blocks
    data = bytearray(wb.run_file(rows, exit_code=None))
    killed = tmp_path / "killed" / "run-k.wandb"
    killed.parent.mkdir()
    killed.write_bytes(bytes(data[: len(data) - 50]))
    (run,) = lossdoc.read(killed)
    assert any("last record incomplete" in n for n in run.notes) and any("no exit record" in n for n in run.notes)
    assert 590 <= len(run.series["loss"]) < 600
    data[40000] ^= 0xFF  # a byte inside the second block
    damaged = tmp_path / "damaged" / "run-d.wandb"
    damaged.parent.mkdir()
    damaged.write_bytes(bytes(data))
    (run,) = lossdoc.read(damaged)
    assert any("damaged chunk" in n for n in run.notes), run.notes
    n = len(run.series["loss"])
    assert 400 < n < 600  # the rest of the damaged block is lost, everything after it is read


def test_wandb_resumed_run_folders_are_one_run(tmp_path):
    wandb_dir = tmp_path / "wandb"
    first = wandb_dir / "run-20240101_000000-res1" / "run-res1.wandb"
    second = wandb_dir / "run-20240102_000000-res1" / "run-res1.wandb"
    other = wandb_dir / "offline-run-20240103_000000-zzz9" / "run-zzz9.wandb"
    for p in (first, second, other):
        p.parent.mkdir(parents=True)
    first.write_bytes(wb.run_file([{"loss": 1.0 / (i + 1), "_step": i} for i in range(10)], run_id="res1",
                                  exit_code=None))
    second.write_bytes(wb.run_file([{"loss": 0.05, "_step": 10 + i} for i in range(5)], run_id="res1"))
    other.write_bytes(wb.run_file([{"loss": 1.0} for _ in range(3)], run_id="zzz9", name="other"))
    (wandb_dir / "latest-run").symlink_to(second.parent)
    runs = lossdoc.read(wandb_dir)
    assert sorted(r.meta["run_id"] for r in runs) == ["res1", "zzz9"]
    res = next(r for r in runs if r.meta["run_id"] == "res1")
    assert len(res.series["loss"]) == 15 and list(res.series["loss"].steps[-2:]) == [13, 14]
    assert any("resumed: 2 segments" in n for n in res.notes)
    assert not any("no exit record" in n for n in res.notes)  # the last segment ended
    (single,) = lossdoc.read(first.parent)
    assert len(single.series["loss"]) == 10


def test_wandb_bulk_decoder_agrees_with_the_general_decoder():
    """The array decoder of history rows and the field-by-field decoder give the same numbers, on rows the bulk
    path accepts and on rows it hands over (long keys, keys in the old `key` field, nested key parts)."""
    long_key = "k" * 200
    recs = [wb.history(i + 1, {"loss": 1.0 / (i + 1), long_key: i, "_step": i}, i, nested=bool(i % 2))
            for i in range(50)]
    data = wb.frame([wb.run_record("x")] + recs)
    seg = wandb_reader.read_segment(data, "x")
    slow = wandb_reader.Columns()
    for k, rec in enumerate(r for r in wandb_reader.deframe(data).records if wandb_reader.history_payload(r)):
        wandb_reader._slow_row(wandb_reader.history_payload(rec), k, slow)
    for key in ("loss", long_key, "_step"):
        fast_rows, fast_vals = seg.cols.series(key)
        slow_rows, slow_vals = slow.series(key)
        order = np.argsort(fast_rows, kind="stable")
        assert np.array_equal(fast_rows[order], slow_rows) and np.array_equal(fast_vals[order], slow_vals), key


# ------------------------------------------------------------------------------------------ DVCLive, W&B CSV


def test_dvclive_folder_and_project(tmp_path):
    live = tmp_path / "proj" / "dvclive"
    for name, vals in (("train/loss", [1.0, 0.5, 0.3]), ("eval/loss", [1.1, 0.7, 0.6]), ("eval/acc", [0.5, 0.7, 0.8])):
        f = live / "plots" / "metrics" / f"{name}.tsv"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("step\t" + name.split("/")[-1] + "\n" + "".join(f"{i}\t{v}\n" for i, v in enumerate(vals)))
    (live / "metrics.json").write_text(json.dumps({"train": {"loss": 0.3}}))
    for p in (live, tmp_path / "proj", live / "plots" / "metrics"):
        (run,) = lossdoc.read(p)
        assert run.format == "dvclive" and run.train_loss.name == "train/loss" and run.val_loss.name == "eval/loss"
    assert run.series["eval/acc"].role == "val_metric"


def test_wandb_chart_export(tmp_path):
    p = tmp_path / "wandb_export.csv"
    lines = ['"Step","a - train/loss","a - train/loss__MIN","a - train/loss__MAX","b - train/loss"']
    for i in range(20):
        lines.append(f'"{i * 10}","{1 / (i + 1)}","{1 / (i + 1)}","{1 / (i + 1)}",' + (f'"{2 / (i + 1)}"' if i < 15
                                                                                      else '""'))
    p.write_text("\n".join(lines) + "\n")
    runs = lossdoc.read(p)
    assert [r.name for r in runs] == ["a", "b"] and [len(r.train_loss) for r in runs] == [20, 15]
    assert runs[0].series["train/loss"].steps[-1] == 190 and any("__MIN/__MAX" in n for n in runs[0].notes)


# ------------------------------------------------------------------------------------------ real-writer fixtures
# fixtures/mlflow-db, fixtures/wandb, fixtures/dvclive: written by the MLflow client, wandb (offline) and dvclive
# from real training (fixtures/generate.py); the manifest holds what each tool's own reader returned.

STORE_FIXTURES = [e for e in manifest() if e["format"] in ("mlflow-db", "wandb", "dvclive")]


def test_every_store_format_has_its_real_writer_fixtures():
    scenarios = {(e["format"], e["scenario"]) for e in STORE_FIXTURES}
    for fmt in ("mlflow-db", "wandb", "dvclive"):
        assert {(fmt, "healthy"), (fmt, "overfit"), (fmt, "diverge_nan")} <= scenarios, fmt
    assert {("wandb", "killed"), ("wandb", "resumed")} <= scenarios


@pytest.mark.parametrize("entry", STORE_FIXTURES, ids=[e["path"].removeprefix("fixtures/") for e in STORE_FIXTURES])
def test_real_writer_fixture_agrees_with_its_writer(entry):
    """lossdoc reads as many train-loss points, and as many NaN/Inf among them, as the tool's own reader did
    (MlflowClient.get_metric_history, wandb's protobuf Records, the DVCLive TSVs)."""
    (run,) = lossdoc.read(ROOT / entry["path"])
    assert run.format == entry["format"]
    s = run.train_loss
    assert s is not None and s.name == entry["train_series"] and run.val_loss.name == entry["val_series"]
    assert len(s) == entry["train_points"], (len(s), entry["train_points"])
    assert int((~np.isfinite(s.values)).sum()) == entry["train_nonfinite"]
    assert len(s.steps if s.steps is not None else s.epochs) == len(s)


def _entry(fmt: str, scenario: str) -> dict:
    return next(e for e in STORE_FIXTURES if e["format"] == fmt and e["scenario"] == scenario)


def test_mlflow_db_fixtures_read_as_mlflow_client_reads_them(tmp_path):
    """Every metric of every run, point for point, as MlflowClient().get_metric_history returns it (on a copy:
    the client may write to a store it opens); MLflow hands back +-Inf as +-DBL_MAX, lossdoc as +-Inf."""
    import shutil

    from mlflow.tracking import MlflowClient as client_cls  # mlflow-skinny, in the test extra
    for scenario in ("diverge_nan", "healthy"):
        copy = tmp_path / scenario / "mlflow.db"
        copy.parent.mkdir()
        shutil.copyfile(ROOT / _entry("mlflow-db", scenario)["path"], copy)
        client = client_cls(f"sqlite:///{copy}")
        exps = client.search_experiments()
        infos = [r.info for r in client.search_runs([e.experiment_id for e in exps])]
        for info in infos:
            (run,) = lossdoc.read(ROOT / _entry("mlflow-db", scenario)["path"], run=info.run_id)
            keys = set(client.get_run(info.run_id).data.metrics)
            assert set(run.series) == keys, (set(run.series), keys)
            for key in keys:
                hist = sorted(client.get_metric_history(info.run_id, key), key=lambda m: (m.timestamp, m.step))
                want = np.array([m.value for m in hist], dtype=np.float64)
                want[want == np.finfo(np.float64).max] = np.inf
                want[want == -np.finfo(np.float64).max] = -np.inf
                s = run.series[key]
                assert np.array_equal(s.values, want, equal_nan=True), key
                x = s.steps if s.steps is not None else s.epochs
                if len({m.step for m in hist}) > 1:
                    assert np.array_equal(x, [m.step for m in hist]), key


def test_mlflow_db_fixture_leaves_its_evaluation_run_with_a_note(runner):
    path = ROOT / _entry("mlflow-db", "healthy")["path"]
    (run,) = lossdoc.read(path)
    assert any("'evaluate-best'" in n and "--run" in n for n in run.notes), run.notes
    (ev,) = lossdoc.read(path, run="evaluate-best")
    assert list(ev.series) == ["test_accuracy"]
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 0 and "from mlflow.db experiment 'digits-healthy'" in r.stdout, r.output


def test_wandb_killed_fixture_says_it_was_cut_and_the_resumed_one_is_whole():
    (killed,) = lossdoc.read(ROOT / _entry("wandb", "killed")["path"])
    assert any("last record incomplete" in n for n in killed.notes), killed.notes
    assert any("no exit record" in n for n in killed.notes), killed.notes
    (resumed,) = lossdoc.read(ROOT / _entry("wandb", "resumed")["path"])
    assert any("resumed: 2 segments" in n for n in resumed.notes), resumed.notes
    assert not any("no exit record" in n for n in resumed.notes)  # the resumed segment finished
    assert resumed.meta["run_id"] == killed.meta["run_id"] == "lossdocresumed"
    steps = resumed.train_loss.steps
    assert (np.diff(steps) > 0).all() and steps[-1] == 14 * 16  # 14 epochs of 16 steps, one curve
    assert steps[0] == killed.train_loss.steps[0]


def test_dvclive_fixture_roles():
    (run,) = lossdoc.read(ROOT / _entry("dvclive", "healthy")["path"])
    assert run.series["eval/acc"].role == "val_metric" and run.series["eval/loss"].role == "val_loss"
    (project,) = lossdoc.read(ROOT / _entry("dvclive", "overfit")["path"])  # the folder holding dvc.yaml
    assert project.train_loss.name == "train/loss"


# ------------------------------------------------------------------------------------------ W&B bulk path
# lossdoc/readers/_wandb_bulk.py frames, CRC-checks and decodes a whole file with array operations; the sequential
# deframe and the field-by-field decoder are the reference it must agree with, and the path it falls back to.



def _real_wandb_files() -> list[Path]:
    files = sorted((ROOT / "fixtures" / "wandb").rglob("*.wandb"))
    folder = real_logs()
    files += sorted(folder.rglob("*.wandb"))
    return files


def _same_columns(a, b) -> bool:
    if sorted(a.cols.keys) != sorted(b.cols.keys):
        return False
    for k in a.cols.keys:
        (ra, va), (rb, vb) = a.cols.series(k), b.cols.series(k)
        oa, ob = np.argsort(ra, kind="stable"), np.argsort(rb, kind="stable")
        if not (np.array_equal(ra[oa], rb[ob]) and np.array_equal(va[oa], vb[ob], equal_nan=True)):
            return False
    return True


def test_wandb_bulk_path_agrees_with_the_sequential_one(monkeypatch):
    """Every real run file (wandb offline fixtures, the public ones): the bulk path's rows, keys and values are
    those of the chunk-by-chunk path, and so are the notes (a cut file says so either way)."""
    files = _real_wandb_files()
    assert len(files) >= 10
    for p in files:
        data = p.read_bytes()
        assert wandb_bulk.frames(data) is not None, p  # clean or cleanly cut: the bulk path takes it
        fast = wandb_reader.read_segment(data, "x")
        with monkeypatch.context() as m:
            m.setattr(wandb_bulk, "frames", lambda d: None)
            slow = wandb_reader.read_segment(data, "x")
        assert fast.cols.rows == slow.cols.rows, p
        assert _same_columns(fast, slow), p
        assert fast.notes == slow.notes and (fast.run_id, fast.name, fast.exit_code) == (slow.run_id, slow.name,
                                                                                         slow.exit_code), p


def test_wandb_bulk_crc_check_catches_any_damaged_byte():
    """One CRC check over the whole file: any byte changed in a chunk (its header, its type, its payload) makes the
    bulk path refuse the file, so that the sequential path finds and reports the damage."""
    (path,) = sorted((ROOT / "fixtures" / "wandb" / "overfit").rglob("*.wandb"))
    data = path.read_bytes()
    fr = wandb_bulk.frames(data)
    assert fr is not None and not fr.incomplete
    rnd = np.random.default_rng(7)
    trailers = {i for b in range(len(data) // 32768 + 1) for i in range(b * 32768 + 32761, b * 32768 + 32768)}
    checked = 0
    for at in rnd.choice(np.arange(7, len(data)), size=300, replace=False).tolist():
        if at in trailers:
            continue
        damaged = bytearray(data)
        damaged[at] ^= 1 << int(rnd.integers(8))
        assert wandb_bulk.frames(bytes(damaged)) is None, at
        checked += 1
    assert checked > 250
    for cut in (len(data) - 1, len(data) - 200, 40000, 32768, 32769, 100):  # cut files: read up to the cut
        fr = wandb_bulk.frames(data[:cut])
        assert fr is not None and fr.incomplete, cut


def test_wandb_bulk_numbers_are_what_float_reads():
    """The bulk number parser (pandas' C parser over the value tokens) gives exactly float(token), for random
    doubles of every magnitude, NaN and +-Infinity; strings, objects and booleans are not numbers."""
    rnd = np.random.default_rng(3)
    bits = rnd.integers(0, 2**63, size=60_000, dtype=np.uint64) | (
        rnd.integers(0, 2, size=60_000, dtype=np.uint64) << np.uint64(63))
    doubles = [float(x) for x in bits.view(np.float64) if np.isfinite(x)]
    tokens = [repr(x) for x in doubles] + [repr(float(x)) for x in rnd.random(20_000)] + [
        "NaN", "Infinity", "-Infinity", "0", "-0.0", "12", "1e-05", '"text"', '{"_type": "histogram"}', "true",
        "null", "[1, 2]"]
    raw = b"".join(b"\x01" + t.encode() for t in tokens) + bytes(wandb_bulk.PAD)
    buf = np.frombuffer(raw, dtype=np.uint8)
    lens = np.array([len(t) for t in tokens], dtype=np.int64)
    starts = np.cumsum(lens + 1) - lens
    assert len(tokens) > wandb_bulk.PANDAS_MIN  # the pandas path
    values, numeric = wandb_bulk.parse_numbers(buf, starts, lens)
    for t, v, ok in zip(tokens, values.tolist(), numeric.tolist(), strict=True):
        try:
            want = float(t)
        except ValueError:
            assert not ok, t
            continue
        assert ok and (v == want or (math.isnan(v) and math.isnan(want))), (t, v, want)
        assert math.copysign(1, v) == math.copysign(1, want), t


# ------------------------------------------------------------------------------------------ mlflow.db from its pages
# A large store's metrics table is read from its B-tree pages (lossdoc/readers/_sqlite_pages.py), and a large store
# of many runs is split into shares read by worker processes; both must give what the SQL path gives.


def _runs_by_name(runs) -> dict:
    return {r.name: r for r in runs}


def _same_runs(a, b) -> None:
    ra, rb = _runs_by_name(a), _runs_by_name(b)
    assert set(ra) == set(rb)
    for name, x in ra.items():
        y = rb[name]
        assert set(x.series) == set(y.series), name
        for k, s in x.series.items():
            t = y.series[k]
            assert np.array_equal(s.values, t.values, equal_nan=True), (name, k)
            xs = s.steps if s.steps is not None else s.epochs
            ys = t.steps if t.steps is not None else t.epochs
            assert np.array_equal(xs, ys), (name, k)
        assert x.notes == y.notes, name


def _tricky_db(path: Path) -> None:
    """MLflow's metrics columns with what the page reader must get right: whole numbers in the REAL column (stored
    as integers), NaN (is_nan) and +-Inf (+-DBL_MAX), negative and huge steps, keys longer than 16 bytes sharing
    their first 16, two runs logging in alternation, a run whose rows are not in time order, a deleted run."""
    make_db(path, {
        "a": {"train_loss": [3.0, 2.0, 1.5, math.nan, 1.0, math.inf], "val_loss": [4.0, 3.5, 3.25, 3.0, 2.5, 2.0],
              "learning_rate_schedule_warmup_a": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
              "learning_rate_schedule_warmup_b": [1.0, 2.0, 3.0, 4.0, 5.0, -math.inf]},
        "b": {"train_loss": [float(i) for i in range(50)], "val_loss": [1e-300 * (i + 1) for i in range(50)]},
    })
    c = sqlite3.connect(path)
    rid_c = "c" * 32
    c.execute("INSERT INTO runs VALUES (?, 'c', 'FINISHED', 5, 'active', 1)", (rid_c,))
    rid_d = "d" * 32
    c.execute("INSERT INTO runs VALUES (?, 'd', 'FINISHED', 6, 'active', 1)", (rid_d,))
    for i in range(40):  # c and d interleaved, d's timestamps backwards, huge and negative steps
        c.execute("INSERT INTO metrics VALUES ('loss', ?, ?, ?, ?, 0)", (1.0 / (i + 1), 10 * i, rid_c, (1 << 40) + i))
        c.execute("INSERT INTO metrics VALUES ('loss', ?, ?, ?, ?, 0)", (2.0 / (i + 1), 1000 - i, rid_d, -i))
    c.execute("INSERT INTO runs VALUES (?, 'gone', 'FINISHED', 7, 'deleted', 1)", ("e" * 32,))
    c.execute("INSERT INTO metrics VALUES ('loss', 1.0, 0, ?, 0, 0)", ("e" * 32,))
    c.commit()
    c.close()


def test_mlflow_db_pages_read_as_sql_reads(tmp_path, monkeypatch):
    from lossdoc.readers import mlflow_db

    db = tmp_path / "mlflow.db"
    _tricky_db(db)
    paths = [db, *(ROOT / e["path"] for e in STORE_FIXTURES if e["format"] == "mlflow-db")]
    folder = real_logs()
    paths += [folder / CASES[c]["path_to_pass_to_lossdoc"] for c in STORE_CASES if CASES[c]["format"] == "mlflow"]
    real = mlflow_db._bulk_metrics
    got: list = []
    monkeypatch.setattr(mlflow_db, "_bulk_metrics", lambda *a: got.append(real(*a)) or got[-1])
    for p in paths:
        monkeypatch.setattr(mlflow_db, "BULK_MIN_BYTES", 10**15)
        by_sql = lossdoc.read(p)
        monkeypatch.setattr(mlflow_db, "BULK_MIN_BYTES", 0)
        got.clear()
        by_pages = lossdoc.read(p)
        if len(by_sql) > 1 or any("not analysed" in n for r in by_sql for n in r.notes):
            assert got and got[0] is not None, p  # the pages were read, not the SQL fallback
        _same_runs(by_sql, by_pages)
    (d,) = [r for r in lossdoc.read(db, run="d")]
    assert list(d.series["loss"].steps[:3]) == [-39, -38, -37]  # in time order, not in the order written


def test_mlflow_db_pages_fall_back_to_sql_for_a_wal_database(tmp_path, monkeypatch):
    from lossdoc.readers import _sqlite_pages, mlflow_db

    db = tmp_path / "mlflow.db"
    _tricky_db(db)
    c = sqlite3.connect(db)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("INSERT INTO metrics VALUES ('loss', 9.0, 99999, ?, ?, 0)", ("c" * 32, (1 << 40) + 99))  # only in the WAL
    c.commit()
    monkeypatch.setattr(mlflow_db, "BULK_MIN_BYTES", 0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    assert _sqlite_pages.read_table(conn, str(db), "metrics") is None
    conn.close()
    (run,) = lossdoc.read(db, run="c")
    assert run.series["loss"].values[-1] == 9.0
    c.close()


def test_a_large_store_is_split_into_shares_read_in_parallel(tmp_path, monkeypatch):
    from lossdoc.readers import mlflow_db, registry

    db = tmp_path / "mlflow.db"
    make_db(db, {f"run{i:03d}": {"loss": [1.0 / (j + 1) + 0.001 * i for j in range(30)],
                                 "val_loss": [1.2 / (j + 1) + (0.02 * j if i % 3 == 0 else 0) for j in range(30)]}
                 for i in range(80)})
    monkeypatch.setattr(registry, "SPLIT_FILE_MIN_BYTES", 0)
    monkeypatch.setattr(mlflow_db, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(mlflow_db.os if hasattr(mlflow_db, "os") else __import__("os"), "cpu_count", lambda: 2)
    units = registry.split(str(db))
    assert [u.options for u in units] == [(("share", "0/2"),), (("share", "1/2"),)]
    shares = [run for u in units for run in registry.read_unit(u).runs]  # each share on its own
    whole = lossdoc.analyze(str(db), jobs=2)  # the shares in two worker processes
    reads = []
    real_read_unit = registry.read_unit
    monkeypatch.setattr(registry, "read_unit", lambda u, *a, **k: reads.append(u.options) or real_read_unit(u, *a, **k))
    serial = lossdoc.analyze(str(db), jobs=1)  # one process: the file read once, not once per share
    assert reads == [()]
    monkeypatch.setattr(registry, "read_unit", real_read_unit)
    monkeypatch.setattr(registry, "SPLIT_FILE_MIN_BYTES", 10**15)
    single = lossdoc.analyze(str(db), jobs=1)
    assert [r.name for r in shares] == [rr.run.name for rr in single.runs]
    for report in (whole, serial):
        assert [rr.run.name for rr in report.runs] == [rr.run.name for rr in single.runs]
        assert [rr.primary.name if rr.primary else None for rr in report.runs] == [
            rr.primary.name if rr.primary else None for rr in single.runs]


def test_formats_lists_every_format_with_an_example_and_the_remote_schemes(runner):
    from lossdoc.readers.registry import reader_names

    r = runner.invoke(app, ["formats", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    items = {f["name"]: f for f in doc["formats"]}
    assert set(items) == {*reader_names(), "mlflow-server"}
    assert not [name for name, f in items.items() if not f["example"]]
    assert {"s3://", "gs://", "az://", "hf://", "https://"} <= {x["scheme"] for x in doc["remote"]}
    r = runner.invoke(app, ["formats"])
    assert r.exit_code == 0 and "mlflow-server" in r.stdout and "lossdoc[s3]" in r.stdout, r.output
