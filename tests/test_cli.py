"""The command line as scripts use it: exit codes, JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schema" / "report-v1.json").read_text())


def keras_history(path: Path, overfit: bool, nan: bool = False) -> Path:
    e = np.arange(30)
    loss = 2.0 * np.exp(-e / 6) + 0.05
    val = 0.6 + 0.003 * (e - 10) ** 2 if overfit else loss * 1.1 + 0.05
    hist = {"loss": loss.tolist(), "val_loss": val.tolist(), "accuracy": np.linspace(0.5, 0.99, 30).tolist()}
    if nan:
        hist["loss"][20:] = [float("nan")] * 10
    path.write_text(json.dumps(hist))  # json writes NaN as the token NaN, as Python's json.dump does
    return path


def validate(doc: dict) -> None:
    import jsonschema

    jsonschema.validate(doc, SCHEMA)


def test_version_and_help(runner):
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("lossdoc "), r.output
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0 and "analyze" in r.output and "inspect" in r.output, r.output


@pytest.mark.parametrize("overfit, code", [(False, 0), (True, 1)])
def test_exit_code_gates_on_findings(runner, tmp_path, overfit, code):
    p = keras_history(tmp_path / "history.json", overfit)
    r = runner.invoke(app, ["analyze", str(p)])
    assert r.exit_code == code, r.output
    assert ("overfitting" in r.output) == overfit


def test_fail_on_levels(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    assert runner.invoke(app, ["analyze", str(p), "--fail-on", "error"]).exit_code == 0
    assert runner.invoke(app, ["analyze", str(p), "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(app, ["analyze", str(p), "--fail-on", "info"]).exit_code == 1
    assert runner.invoke(app, ["analyze", str(p), "--fail-on", "never"]).exit_code == 0
    r = runner.invoke(app, ["analyze", str(p), "--fail-on", "sometimes"])
    assert r.exit_code == 2, r.output


def test_json_output_matches_schema(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True, nan=True)
    r = runner.invoke(app, ["analyze", str(p), "--format", "json"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    validate(doc)
    run = doc["runs"][0]
    assert doc["exit_code"] == 1 and run["status"] == "fail"
    assert run["primary"] == "non-finite"
    assert {f["name"] for f in run["findings"]} >= {"non-finite"}
    assert {s["name"]: s["role"] for s in run["series"]}["val_loss"] == "val_loss"


def test_missing_file_is_exit_2_one_line(runner, tmp_path):
    r = runner.invoke(app, ["analyze", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "nope.csv" in lines[0] and "no such file" in lines[0], r.stderr
    assert "Traceback" not in r.output


def test_garbage_is_exit_2_and_others_still_analysed(runner, tmp_path):
    bad = tmp_path / "run.csv"
    bad.write_bytes(os.urandom(4096))
    good = keras_history(tmp_path / "history.json", overfit=True)
    r = runner.invoke(app, ["analyze", str(bad), str(good), "--format", "json"])
    assert r.exit_code == 2, r.output
    doc = json.loads(r.stdout)
    validate(doc)
    assert len(doc["runs"]) == 1 and doc["runs"][0]["primary"] == "overfitting"
    assert doc["errors"][0]["source"].endswith("run.csv")
    assert "run.csv" in r.stderr and "Traceback" not in r.stderr


def test_unknown_input_format_lists_valid_names(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=False)
    r = runner.invoke(app, ["analyze", str(p), "--input-format", "excel"])
    assert r.exit_code == 2
    assert "excel" in r.stderr and "keras-history" in r.stderr and "tensorboard" in r.stderr, r.stderr


def test_wrong_input_format_is_a_clear_error(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=False)
    r = runner.invoke(app, ["analyze", str(p), "--input-format", "ultralytics"])
    assert r.exit_code == 2, r.output
    assert "history.json" in r.stderr and "Traceback" not in r.stderr


def test_train_val_overrides(runner, tmp_path):
    p = tmp_path / "log.csv"
    e = np.arange(30)
    a = 2.0 * np.exp(-e / 6) + 0.05
    b = 0.6 + 0.003 * (e - 10) ** 2
    p.write_text("epoch,foo,bar\n" + "".join(f"{i},{x},{y}\n" for i, x, y in zip(e, a, b)))
    r = runner.invoke(app, ["analyze", str(p)])
    assert r.exit_code == 2 and "no loss" in r.stderr, r.output
    r = runner.invoke(app, ["analyze", str(p), "--train", "foo", "--val", "bar", "--format", "json"])
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["runs"][0]["primary"] == "overfitting"
    r = runner.invoke(app, ["analyze", str(p), "--train", "baz"])
    assert r.exit_code == 2 and "baz" in r.stderr


def test_select_ignore(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    assert runner.invoke(app, ["analyze", str(p), "--ignore", "overfitting"]).exit_code == 0
    assert runner.invoke(app, ["analyze", str(p), "--select", "LD1"]).exit_code == 1
    assert runner.invoke(app, ["analyze", str(p), "--select", "bogus"]).exit_code == 2


def test_config_file_is_used_and_cli_wins(runner, tmp_path, monkeypatch):
    p = keras_history(tmp_path / "history.json", overfit=True)
    (tmp_path / "lossdoc.toml").write_text('fail-on = "error"\n')
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["analyze", str(p)]).exit_code == 0
    assert runner.invoke(app, ["analyze", str(p), "--fail-on", "warning"]).exit_code == 1
    (tmp_path / "lossdoc.toml").write_text('fail_on = "error"\n')
    r = runner.invoke(app, ["analyze", str(p)])
    assert r.exit_code == 2 and "fail_on" in r.stderr, r.output


def test_stdin(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    r = runner.invoke(app, ["analyze", "-", "--format", "json"], input=p.read_bytes())
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["runs"][0]["format"] == "keras-history"


def test_inspect_shows_roles(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=False)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 0, r.output
    assert "keras-history" in r.output and "val_loss" in r.output and "train_metric" in r.output
    r = runner.invoke(app, ["inspect", str(p), "--format", "json"])
    series = {s["name"]: s for s in json.loads(r.stdout)["runs"][0]["series"]}
    assert series["loss"]["role"] == "train_loss" and series["accuracy"]["direction"] == "higher"


def test_rules_and_explain(runner):
    r = runner.invoke(app, ["rules", "--format", "json"])
    names = {x["name"] for x in json.loads(r.stdout)["rules"]}
    assert {"overfitting", "non-finite"} <= names
    r = runner.invoke(app, ["explain", "LD101"])
    assert r.exit_code == 0 and "What to do:" in r.output and "patience" in r.output
    r = runner.invoke(app, ["explain", "nonsense"])
    assert r.exit_code == 2


def test_internal_errors_are_one_line(runner, tmp_path, monkeypatch):
    import lossdoc.api

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(lossdoc.api, "analyze", boom)
    p = keras_history(tmp_path / "history.json", overfit=False)
    r = runner.invoke(app, ["analyze", str(p)])
    assert r.exit_code == 2
    assert r.stderr.strip().count("\n") == 0 and "kaboom" in r.stderr and "--debug" in r.stderr


def test_python_dash_m_and_json_pipe(tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    r = subprocess.run([sys.executable, "-m", "lossdoc", "analyze", str(p), "--format", "json"],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["runs"][0]["primary"] == "overfitting" and r.stderr == ""
