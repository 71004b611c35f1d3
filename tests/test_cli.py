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
                       capture_output=True, text=True, check=False)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["runs"][0]["primary"] == "overfitting" and r.stderr == ""


# ---------------------------------------------------------------------------------------------- issue 4

FIX = ROOT / "fixtures"


def test_markdown_and_github_formats(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    r = runner.invoke(app, ["analyze", str(p), "--format", "markdown"])
    assert r.exit_code == 1, r.output
    assert r.stdout.startswith("## lossdoc: FAIL") and "```text" in r.stdout and "overfitting" in r.stdout
    r = runner.invoke(app, ["analyze", str(p), "--format", "github"])
    assert r.exit_code == 1, r.output
    lines = r.stdout.splitlines()
    assert any(ln.startswith("::warning title=lossdoc overfitting,file=") for ln in lines), r.stdout
    assert lines[-1].startswith("::notice title=lossdoc::FAIL"), r.stdout
    assert all("\n" not in ln and "\r" not in ln for ln in lines)


def test_github_escaping():
    from lossdoc.reporters.github import command

    line = command("error", "50% done\r\nnext", title="a: b, c", file="x,y:z.csv")
    assert line == "::error title=a%3A b%2C c,file=x%2Cy%3Az.csv::50%25 done%0D%0Anext"


def test_exit_zero_keeps_errors(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    r = runner.invoke(app, ["analyze", str(p), "--exit-zero", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    validate(doc)
    assert doc["exit_code"] == 0 and doc["runs"][0]["status"] == "fail"
    r = runner.invoke(app, ["analyze", str(p), "--exit-zero"])
    assert r.exit_code == 0 and "FAIL" in r.stdout and "exit 0 with --exit-zero" in r.stdout, r.output
    r = runner.invoke(app, ["analyze", str(tmp_path / "missing.csv"), "--exit-zero"])
    assert r.exit_code == 2, r.output


def test_output_file_is_written_whole(runner, tmp_path):
    p = keras_history(tmp_path / "history.json", overfit=True)
    out = tmp_path / "report.md"
    out.write_text("old")
    r = runner.invoke(app, ["analyze", str(p), "--format", "markdown", "--output", str(out)])
    assert r.exit_code == 1, r.output
    assert r.stdout == "" and out.read_text().startswith("## lossdoc: FAIL")
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []  # no temp file left behind
    r = runner.invoke(app, ["analyze", str(p), "--output", str(tmp_path / "no" / "such" / "dir.txt")])
    assert r.exit_code == 2 and "--output" in r.stderr, r.output


def test_output_is_all_or_nothing(runner, tmp_path, monkeypatch):
    from lossdoc import cli

    p = keras_history(tmp_path / "history.json", overfit=True)
    out = tmp_path / "report.json"
    out.write_text("previous report")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "replace", broken_replace)
    r = runner.invoke(app, ["analyze", str(p), "--format", "json", "--output", str(out)])
    assert r.exit_code == 2, r.output
    assert out.read_text() == "previous report"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["history.json", "report.json"]


def test_sweep_summary_sorted_worst_first(runner, tmp_path):
    for name, kw in (("a_ok.json", {"overfit": False}), ("b_overfit.json", {"overfit": True}),
                     ("c_nan.json", {"overfit": False, "nan": True})):
        keras_history(tmp_path / name, **kw)
    (tmp_path / "README.txt").write_text("not a log")
    r = runner.invoke(app, ["analyze", str(tmp_path), "--summary"], env={"COLUMNS": "100"})
    assert r.exit_code == 1, r.output
    body = r.stdout
    assert body.index("c_nan") < body.index("b_overfit") < body.index("a_ok"), body
    assert "why" not in body and "╭" not in body  # the table only
    r = runner.invoke(app, ["analyze", str(tmp_path)], env={"COLUMNS": "100"})
    assert r.exit_code == 1, r.output
    assert r.stdout.count("╭─") == 2, r.stdout  # the details of the two failing runs, not the healthy one


def test_parallel_equals_serial():
    import lossdoc

    for path in (FIX / "tensorboard" / "multi_run_logdir", FIX / "keras-history", FIX / "lightning-csv"):
        serial = lossdoc.analyze(str(path), jobs=1)
        parallel = lossdoc.analyze(str(path), jobs=2)
        from lossdoc.reporters.json import to_dict

        assert to_dict(serial) == to_dict(parallel), path
        # And the same as the readers' own walk over the whole folder.
        whole = lossdoc.api.read(str(path))
        assert [(r.source, r.name) for r in whole] == [(rr.run.source, rr.run.name) for rr in serial.runs], path


def test_plot_writes_png_and_svg(runner, tmp_path):
    pytest.importorskip("matplotlib")
    p = keras_history(tmp_path / "history.json", overfit=True, nan=True)
    for name in ("fig.png", "fig.svg"):
        out = tmp_path / name
        r = runner.invoke(app, ["analyze", str(p), "--plot", str(out), "--format", "json"])
        assert r.exit_code == 1, r.output
        assert out.stat().st_size > 1000
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "fig.svg").read_bytes()[:2000]
    r = runner.invoke(app, ["analyze", str(FIX / "tensorboard" / "multi_run_logdir"), "--plot", str(tmp_path / "m.png")])
    assert r.exit_code == 1 and (tmp_path / "m.png").exists(), r.output


def test_plot_without_matplotlib_says_what_to_install(runner, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    p = keras_history(tmp_path / "history.json", overfit=True)
    r = runner.invoke(app, ["analyze", str(p), "--plot", str(tmp_path / "x.png")])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip().count("\n") == 0 and "lossdoc[plot]" in r.stderr, r.stderr


def test_per_format_column_mapping_and_config_command(runner, tmp_path, monkeypatch):
    p = tmp_path / "log.csv"
    e = np.arange(30)
    a = 2.0 * np.exp(-e / 6) + 0.05
    b = 0.6 + 0.003 * (e - 10) ** 2
    p.write_text("epoch,foo,bar\n" + "".join(f"{i},{x},{y}\n" for i, x, y in zip(e, a, b)))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lossdoc]\nfail-on = "warning"\n[tool.lossdoc.formats.csv]\ntrain = "foo"\nval = "bar"\n'
    )
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["analyze", str(p), "--format", "json"])
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["runs"][0]["primary"] == "overfitting"
    r = runner.invoke(app, ["config", "--fail-on", "error"])
    assert r.exit_code == 0, r.output
    assert 'fail-on = "error"  # command line' in r.stdout and "pyproject.toml" in r.stdout
    assert "[formats.csv]" in r.stdout and "patience = 5  # default" in r.stdout, r.stdout
    doc = json.loads(runner.invoke(app, ["config", "--format", "json"]).stdout)
    assert doc["fail-on"] == {"value": "warning", "from": str(tmp_path / "pyproject.toml")}
    (tmp_path / "pyproject.toml").write_text('[tool.lossdoc.formats.excel]\ntrain = "x"\n')
    r = runner.invoke(app, ["config"])
    assert r.exit_code == 2 and "formats.excel" in r.stderr and "keras-history" in r.stderr, r.output


def test_color_only_on_request(runner, tmp_path):
    import lossdoc
    from lossdoc.reporters import REPORTERS

    report = lossdoc.analyze(str(keras_history(tmp_path / "h.json", overfit=True)))
    assert "\x1b[" in REPORTERS["rich"](report, width=100, color=True)
    assert "\x1b[" not in REPORTERS["rich"](report, width=100, color=False)
    r = runner.invoke(app, ["analyze", str(tmp_path / "h.json")], env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout, r.stdout


def test_cli_import_stays_light():
    code = ("import sys, lossdoc.cli; heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'rich.console', "
            "'lossdoc.readers', 'lossdoc.model') if m in sys.modules]; print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr


def test_chart_bins_a_million_points_fast():
    import time

    from lossdoc.reporters import chart

    n = 1_000_000
    x = np.arange(n, dtype=float)
    y = np.exp(-x / 2e5) + 0.01 * np.sin(x)
    y[500_000:500_010] = np.nan
    t0 = time.perf_counter()
    rows = chart.draw([chart.Curve("train", x, y), chart.Curve("val", x, y * 1.1)], 100, axis_label="step")
    assert time.perf_counter() - t0 < 3.0
    text = chart.plain(rows)
    assert max(len(ln) for ln in text.splitlines()) <= 100 and "×" in text


# ------------------------------------------------------------------ environment is not a crash (issue 11, part 4)


def _proc(args, env_extra=None):
    env = {**os.environ, "COLUMNS": "100", **(env_extra or {})}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "lossdoc", *args], capture_output=True, timeout=60, env=env
    )


HEALTHY = str(FIX / "keras-history" / "overfit_small_data.json")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["analyze", HEALTHY, "--jobs", "0"], "--jobs 0"),
        (["analyze", HEALTHY, "--bogus"], "No such option: --bogus"),
        (["analyze", HEALTHY, "--fail-on", "sometimes"], "--fail-on"),
    ],
    ids=["jobs-0", "unknown-option", "bad-choice"],
)
def test_usage_errors_are_one_line(args, says):
    r = _proc(args)
    lines = r.stderr.decode().splitlines()
    assert r.returncode == 2 and len(lines) == 1, lines
    assert lines[0].startswith("lossdoc: error: ") and says in lines[0], lines


def test_debug_works_anywhere_on_the_line():
    bad = ["analyze", HEALTHY, "--select", "no-such-rule"]
    for args in (["--debug", *bad], [*bad, "--debug"], [bad[0], "--debug", *bad[1:]]):
        r = _proc(args)
        assert r.returncode != 0 and b"Traceback" in r.stderr, (args, r.stderr)


@pytest.mark.parametrize("fmt", ["rich", "markdown"])
def test_a_terminal_that_is_not_utf8_gets_ascii(fmt, tmp_path):
    log = tmp_path / "r\u00e9sum\u00e9.json"
    log.write_text((FIX / "keras-history" / "overfit_small_data.json").read_text())
    r = _proc(["analyze", str(log), "--format", fmt], {"PYTHONIOENCODING": "ascii"})
    out, err = r.stdout.decode("ascii"), r.stderr.decode("ascii")  # strict: every byte is ASCII
    assert r.returncode == 1, err
    assert "internal error" not in err and not err.strip(), err
    assert "\\xe9" in out  # the log's own name, escaped
    if fmt == "rich":
        assert "^ best epoch" in out and "+-" in out, out


def test_schema_requires_every_field_lossdoc_emits(runner, tmp_path):
    """Each field of the JSON report is listed as required in schema/report-v1.json: dropping any one fails."""
    import copy

    import jsonschema

    log = FIX / "keras-history" / "overfit_small_data.json"
    train_only = tmp_path / "train_only.json"  # rules that need a val loss are skipped on it
    train_only.write_text(json.dumps({"loss": [1.0 / (i + 1) for i in range(20)]}))
    r = runner.invoke(
        app, ["analyze", str(log), str(train_only), str(tmp_path / "missing.json"), "--format", "json"]
    )
    doc = json.loads(r.stdout)
    run, other = doc["runs"]
    assert run["findings"] and other["skipped"] and doc["errors"] and run["best"] and run["final"], doc
    places = [(), ("errors", 0), ("runs", 0), ("runs", 0, "series", 0), ("runs", 0, "findings", 0),
              ("runs", 1, "skipped", 0), ("runs", 0, "best"), ("runs", 0, "final")]
    dropped = 0
    for place in places:
        node = doc
        for k in place:
            node = node[k]
        for key in node:
            broken = copy.deepcopy(doc)
            target = broken
            for k in place:
                target = target[k]
            del target[key]
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(broken, SCHEMA)
            dropped += 1
    assert dropped > 40
