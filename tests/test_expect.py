"""Plain expectations (--expect, expect = [...]): the grammar, its one-line errors, evaluation on real fixtures,
the finding LD401 in every output format, and the config key."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import lossdoc
from lossdoc.cli import app
from lossdoc.config import from_mapping
from lossdoc.errors import ConfigError
from lossdoc.expect import ExpectationError, evaluate, parse, tokenize

ROOT = Path(__file__).resolve().parent.parent
KERAS = ROOT / "fixtures" / "keras-history" / "healthy.json"  # 15 epochs; final val_accuracy 0.946, val_loss 0.2979
HF = ROOT / "fixtures" / "hf-trainer-state" / "healthy" / "trainer_state.json"
SCHEMA = json.loads((ROOT / "schema" / "report-v1.json").read_text())


@pytest.mark.parametrize(
    "text, func, series, op, threshold, extra",
    [
        ("final(val_accuracy) >= 0.9", "final", "val_accuracy", ">=", 0.9, {}),
        ("best(val_loss)<=0.35", "best", "val_loss", "<=", 0.35, {}),
        ("  min( loss ) < 1e-2 ", "min", "loss", "<", 0.01, {}),
        ("max(val_accuracy) > 90%", "max", "val_accuracy", ">", 0.9, {}),
        ("steps_to(val_loss <= 0.5) <= 2_000", "steps_to", "val_loss", "<=", 2000, {"cond_op": "<=", "cond_value": 0.5}),
        ("epochs_to(val_accuracy >= 0.9) < 10", "epochs_to", "val_accuracy", "<", 10, {"cond_op": ">="}),
        ("at(val_loss, 1000) <= 0.5", "at", "val_loss", "<=", 0.5, {"at": 1000, "axis": None}),
        ("at(val_loss, epoch=3) <= 0.5", "at", "val_loss", "<=", 0.5, {"at": 3, "axis": "epoch"}),
        ("final('metrics/mAP50-95(B)') >= 0.4", "final", "metrics/mAP50-95(B)", ">=", 0.4, {}),
        ('final("val loss") <= -1.5', "final", "val loss", "<=", -1.5, {}),
        ("BEST(train/loss) <= 0.1", "best", "train/loss", "<=", 0.1, {}),
        ("final(lr-Adam) <= .5", "final", "lr-Adam", "<=", 0.5, {}),
    ],
)
def test_grammar(text, func, series, op, threshold, extra):
    e = parse(text)
    assert (e.func, e.series, e.op, e.threshold) == (func, series, op, threshold)
    for k, v in extra.items():
        assert getattr(e, k) == v


@pytest.mark.parametrize(
    "text, problem",
    [
        ("bset(val_loss) <= 0.3", "unknown function 'bset' at column 1 (functions: best, final, min, max, at, "
                                  "steps_to, epochs_to); did you mean best?"),
        ("final(val_loss) => 0.3", "'=>' at column 17: use one of <=, >=, <, >"),
        ("final(val_loss) == 0.3", "'==' at column 17: use one of <=, >=, <, >"),
        ("final(val_loss) != 0.3", "'!' at column 17"),
        ("final(val_loss) >= 0.3x", "a malformed number '0.3x' at column 20"),
        ("final(val_loss >= 0.3", "expected ')' at column 16, found '>='"),
        ("final(val_loss) 0.3", "expected a comparison (<=, >=, <, >) at column 17, found '0.3'"),
        ("final(val_loss) >=", "expected a number at column 19, found the end"),
        ("final() >= 1", "expected a series name at column 7, found ')'"),
        ("at(val_loss) <= 1", "expected ',' and a position"),
        ("at(val_loss, hour=3) <= 1", "unknown axis 'hour' at column 14 (axes: step, epoch)"),
        ("final(val_loss) >= 0.3 and", "unexpected 'and' at column 24 after the number"),
        ("final('val_loss) >= 0.3", "unclosed quote at column 7"),
        ("0.3 <= final(val_loss)", "expected a function"),
        ("", "an empty expectation"),
        ("import os", "unknown function 'import' at column 1"),
        ("final(val_loss) >= __import__", "expected a number at column 20, found '__import__'"),
        ("final(val_loss) >= 1e999", "is not finite"),
        ("final(val_loss) >= 0.3;", "unexpected ';' at column 23"),
    ],
)
def test_typos_are_one_line_errors_that_point_at_the_column(text, problem):
    with pytest.raises(ExpectationError) as exc:
        parse(text)
    msg = str(exc.value)
    assert problem in msg and "\n" not in msg


def test_tokenizer_columns():
    toks = tokenize("best(x)<=1")
    assert [(t.kind, t.col) for t in toks] == [("name", 1), ("(", 5), ("name", 6), (")", 7), ("op", 8),
                                               ("number", 10), ("end", 11)]


def run():
    return lossdoc.read(str(KERAS))[0]


@pytest.mark.parametrize(
    "text, ok, value",
    [
        ("final(val_accuracy) >= 0.9", True, 0.946),
        ("final(val_accuracy) >= 0.99", False, 0.946),
        ("best(val_loss) <= 0.35", True, 0.2979),
        ("best(val_accuracy) >= 0.94", True, 0.946),  # best of a higher-is-better series is its maximum
        ("min(val_loss) < 0.29", False, 0.2979),
        ("max(loss) > 2", True, 2.256),
        ("at(val_loss, 3) < 1.3", True, 1.2257),
        ("at(val_loss, epoch=3.5) < 1.3", True, 1.2257),  # the last value at or before
        ("at(val_loss, 99) < 10", False, math.nan),  # past the end: not met
        ("epochs_to(val_loss <= 0.5) <= 10", True, 9.0),
        ("steps_to(val_loss <= 0.1) <= 1000", False, math.inf),  # never: infinite
        ("steps_to(val_loss <= 0.1) > 1000", True, math.inf),
    ],
)
def test_evaluation(text, ok, value):
    out = evaluate(parse(text), run())
    assert out.ok is ok
    if math.isnan(value):
        assert math.isnan(out.value)
    else:
        assert out.value == pytest.approx(value, rel=1e-3)


def test_val_loss_names_the_chosen_val_loss_and_steps_to_uses_steps():
    r = lossdoc.read(str(HF))[0]  # Hugging Face: eval_loss, logged by step
    out = evaluate(parse("steps_to(val_loss <= 0.5) <= 2000"), r)
    assert out.series == "eval_loss" and out.axis == "step" and out.ok and out.value == 100  # eval_loss 0.5661 at step 75, below 0.5 at 100


def test_nan_final_meets_nothing():
    rep = lossdoc.analyze({"loss": [1.0, 0.5, np.nan], "val_loss": [1.0, 0.6, np.nan]})
    out = evaluate(parse("final(val_loss) <= 10"), rep.runs[0].run)
    assert not out.ok and math.isnan(out.value)


def test_unknown_series_lists_the_series():
    with pytest.raises(ExpectationError, match=r"no series 'val_acc' in .*\(series: accuracy, loss, val_accuracy, "
                                               r"val_loss, learning_rate\); did you mean val_accuracy\?"):
        evaluate(parse("final(val_acc) >= 0.9"), run())


# ---------------------------------------------------------------------------------------------- the CLI


def test_cli_met_and_unmet(runner):
    r = runner.invoke(app, ["analyze", str(KERAS), "--expect", "final(val_accuracy) >= 0.9",
                            "--expect", "best(val_loss) <= 0.35", "--fail-on", "error"])
    assert r.exit_code == 0, r.output
    assert "LD401" not in r.output
    r = runner.invoke(app, ["analyze", str(KERAS), "--expect", "final(val_accuracy) >= 0.99", "--fail-on", "error"])
    assert r.exit_code == 1, r.output
    assert "ERROR LD401 expectation" in r.output and "final(val_accuracy) is 0.946" in r.output


@pytest.mark.parametrize(
    "expect, problem",
    [
        ("bset(val_loss) <= 0.3", "lossdoc: error: --expect 'bset(val_loss) <= 0.3': unknown function 'bset' at column 1"),
        ("final(val_acc) >= 0.9", "lossdoc: error: --expect 'final(val_acc) >= 0.9': no series 'val_acc' in"),
        ("final(val_loss) => 0.3", "lossdoc: error: --expect 'final(val_loss) => 0.3': '=>' at column 17"),
    ],
)
def test_cli_bad_expectation_is_exit_2_in_one_line(runner, expect, problem):
    r = runner.invoke(app, ["analyze", str(KERAS), "--expect", expect])
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(problem), r.output


@pytest.mark.parametrize("fmt", ["rich", "json", "markdown", "github"])
def test_unmet_expectation_in_every_format(runner, fmt):
    args = ["analyze", str(KERAS), "-f", fmt, "--expect", "final(val_accuracy) >= 0.99",
            "--expect", "steps_to(val_loss <= 0.1) <= 1000"]
    r = runner.invoke(app, args)
    assert r.exit_code == 1, r.output
    out = r.output
    if fmt == "json":
        import jsonschema

        doc = json.loads(out)
        jsonschema.validate(doc, SCHEMA)
        found = [f for f in doc["runs"][0]["findings"] if f["code"] == "LD401"]
        assert len(found) == 2 and {f["severity"] for f in found} == {"error"}
        ev = {f["evidence"]["expect"]: f["evidence"] for f in found}
        assert ev["final(val_accuracy) >= 0.99"]["value"] == pytest.approx(0.946, rel=1e-3)
        assert ev["steps_to(val_loss <= 0.1) <= 1000"]["value"] == "inf"
    elif fmt == "github":
        assert out.count("::error title=lossdoc expectation") == 2
    elif fmt == "markdown":
        assert "LD401 expectation" in out and "0.946" in out
    else:
        assert "LD401 expectation" in out and "never" in out


def test_select_keeps_expectations(runner):
    r = runner.invoke(app, ["analyze", str(KERAS), "--select", "overfitting", "--expect", "final(val_accuracy) >= 0.99"])
    assert r.exit_code == 1 and "LD401" in r.output, r.output
    r = runner.invoke(app, ["analyze", str(KERAS), "--ignore", "expectation", "--expect", "final(val_accuracy) >= 0.99",
                            "--fail-on", "error"])
    assert r.exit_code == 0, r.output


def test_rules_and_explain_know_the_rule(runner):
    r = runner.invoke(app, ["rules", "--format", "json"])
    rules = {x["name"]: x for x in json.loads(r.output)["rules"]}
    assert rules["expectation"]["code"] == "LD401" and rules["expectation"]["severity"] == "error"
    r = runner.invoke(app, ["explain", "LD401"])
    assert r.exit_code == 0 and "expect = []" in r.output, r.output


# ---------------------------------------------------------------------------------------------- config


def test_config_expect(runner, tmp_path, monkeypatch):
    (tmp_path / "lossdoc.toml").write_text('fail-on = "error"\nexpect = ["final(val_accuracy) >= 0.99"]\n')
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["analyze", str(KERAS)])
    assert r.exit_code == 1 and "LD401" in r.output, r.output
    # --expect replaces the file's list (the command line wins)
    r = runner.invoke(app, ["analyze", str(KERAS), "--expect", "final(val_accuracy) >= 0.9"])
    assert r.exit_code == 0, r.output


def test_config_bad_expect_names_the_file_and_key(runner, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.lossdoc]\nexpect = ["final(val_loss) <= 0.3", "fnal(x) < 1"]\n')
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["analyze", str(KERAS)])
    assert r.exit_code == 2, r.output
    assert "pyproject.toml: expect[1] 'fnal(x) < 1': unknown function 'fnal' at column 1" in r.output


@pytest.mark.parametrize("value", ["final(x) < 1", [1, 2], ["final(x) <"]])
def test_config_expect_validation(value):
    with pytest.raises(ConfigError, match="expect"):
        from_mapping({"expect": value})


def test_config_expect_reaches_the_rule():
    cfg = from_mapping({"expect": ["final(val_accuracy) >= 0.99"]})
    rep = lossdoc.analyze(str(KERAS), config=cfg)
    assert [f.code for f in rep.runs[0].findings if f.code == "LD401"] == ["LD401"]
    with pytest.raises(ConfigError, match="set twice"):
        from_mapping({"expect": ["final(x) < 1"], "rules": {"expectation": {"expect": ["final(y) < 1"]}}})
