"""Outputs that linter users reach for: --quiet, --statistics, SARIF 2.1.0, JUnit XML, GitHub annotations within
GitHub's limits, --color and FORCE_COLOR, a sweep summary that fits 80 columns, a verdict that says "input error"
and "error-severity finding" in words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
OVERFIT = FIX / "keras-history" / "overfit_small_data.json"


def _history(path: Path, overfit: bool = True) -> Path:
    e = np.arange(30)
    loss = 2.0 * np.exp(-e / 6) + 0.05
    val = 0.6 + 0.003 * (e - 10) ** 2 if overfit else loss * 1.1 + 0.05
    path.write_text(json.dumps({"loss": loss.tolist(), "val_loss": val.tolist()}))
    return path


def _sweep(tmp_path: Path, n: int, name: str = "run") -> Path:
    d = tmp_path / "sweep"
    d.mkdir()
    for i in range(n):
        _history(d / f"{name}-{i:03d}.json", overfit=i % 3 != 0)
    return d


def _cli(args, env=None, **kw):
    e = {**os.environ, "COLUMNS": "80", **(env or {})}
    for k in ("FORCE_COLOR", "NO_COLOR"):
        if env is None or k not in env:
            e.pop(k, None)
    return subprocess.run([sys.executable, "-m", "lossdoc", *args], capture_output=True, timeout=60, env=e, **kw)  # noqa: PLW1510


# ----------------------------------------------------------------------------------------- quiet, statistics


def test_quiet_is_the_verdict_line(runner):
    r = runner.invoke(app, ["analyze", str(OVERFIT), "--quiet"])
    assert r.exit_code == 1, r.output
    assert r.stdout.strip().splitlines() == [r.stdout.strip()] and r.stdout.startswith("FAIL "), r.stdout


def test_statistics_counts_findings_per_rule_across_a_sweep(runner, tmp_path):
    d = _sweep(tmp_path, 6)
    r = runner.invoke(app, ["analyze", str(d), "--statistics", "--format", "json", "--jobs", "1"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    by_name = {row["name"]: row for row in doc["statistics"]}
    assert doc["runs"] == 6 and by_name["overfitting"]["runs"] == 4, doc
    text = runner.invoke(app, ["analyze", str(d), "--statistics", "--jobs", "1"]).stdout
    assert "overfitting" in text and "FAIL 6 runs" in text, text
    r = runner.invoke(app, ["analyze", str(d), "--statistics", "--format", "github"])
    assert r.exit_code == 2 and "--statistics" in r.output


# ----------------------------------------------------------------------------------------------- SARIF


# The parts of SARIF 2.1.0 (OASIS standard, section 3) that lossdoc writes, and that GitHub code scanning reads,
# written from the specification: the required properties, their types and enums; every object closed
# (additionalProperties false, as in the official schema) so that a misspelt property fails.
def _closed(props: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


_TEXT = _closed({"text": {"type": "string"}}, ["text"])
_BAG = {"type": "object"}
SARIF_SUBSET = _closed({
    "$schema": {"type": "string", "format": "uri"},
    "version": {"enum": ["2.1.0"]},
    "runs": {"type": "array", "items": _closed({
        "tool": _closed({"driver": _closed({
            "name": {"type": "string"}, "version": {"type": "string"}, "informationUri": {"type": "string"},
            "rules": {"type": "array", "items": _closed({
                "id": {"type": "string"}, "name": {"type": "string"}, "shortDescription": _TEXT,
                "helpUri": {"type": "string"},
                "defaultConfiguration": _closed({"level": {"enum": ["none", "note", "warning", "error"]}}, []),
            }, ["id"])},
        }, ["name"])}, ["driver"]),
        "invocations": {"type": "array", "items": _closed({
            "executionSuccessful": {"type": "boolean"}, "exitCode": {"type": "integer"},
            "toolExecutionNotifications": {"type": "array", "items": _closed(
                {"level": {"enum": ["none", "note", "warning", "error"]}, "message": _TEXT}, ["message"])},
        }, ["executionSuccessful"])},
        "results": {"type": "array", "items": _closed({
            "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
            "level": {"enum": ["none", "note", "warning", "error"]}, "message": _TEXT, "properties": _BAG,
            "locations": {"type": "array", "items": _closed({"physicalLocation": _closed({
                "artifactLocation": _closed({"uri": {"type": "string", "format": "uri-reference"}}, []),
                "region": _closed({"startLine": {"type": "integer", "minimum": 1}}, []),
            }, [])}, [])},
        }, ["message"])},
        "properties": _BAG,
    }, ["tool"])},
}, ["version", "runs"])


def validate_sarif(doc: dict) -> None:
    """Against the subset above, and against the official schema too when LOSSDOC_SARIF_SCHEMA names a copy of
    sarif-schema-2.1.0.json (no PyPI package ships it; see README, SARIF)."""
    import jsonschema

    jsonschema.validate(doc, SARIF_SUBSET)
    official = os.environ.get("LOSSDOC_SARIF_SCHEMA")
    if official:
        jsonschema.validate(doc, json.loads(Path(official).read_text()))


def test_sarif_is_valid_and_puts_each_finding_on_its_log(runner, tmp_path):
    d = _sweep(tmp_path, 3)
    (d / "broken.csv").write_text("epoch,loss,val_loss\n0,1,x\n")
    r = runner.invoke(app, ["analyze", str(d), "--format", "sarif", "--jobs", "1"])
    assert r.exit_code == 2, r.output
    doc = json.loads(r.stdout)
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["results"] and not run["invocations"][0]["executionSuccessful"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith(".json") and not uri.startswith("/"), uri
    assert "broken.csv" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


# ----------------------------------------------------------------------------------------------- JUnit


def test_junit_has_one_test_case_per_run(runner, tmp_path):
    d = _sweep(tmp_path, 6)
    r = runner.invoke(app, ["analyze", str(d), "--format", "junit", "--jobs", "1"])
    assert r.exit_code == 1, r.output
    root = ET.fromstring(r.stdout)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 6
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 4 and root.get("failures") == "4"
    assert "overfitting" in failed[0].find("failure").get("message")


# ----------------------------------------------------------------------------------------------- GitHub


def test_github_annotations_stop_at_github_limits(runner, tmp_path):
    d = _sweep(tmp_path, 25)
    r = runner.invoke(app, ["analyze", str(d), "--format", "github", "--jobs", "1"])
    lines = r.stdout.splitlines()
    warnings = [ln for ln in lines if ln.startswith("::warning")]
    assert len(warnings) == 10, lines
    notices = [ln for ln in lines if ln.startswith("::notice")]
    assert any("more warnings not shown" in n for n in notices), notices
    more = next(n for n in notices if "more warnings" in n)
    total = sum(1 for i in range(25) if i % 3 != 0)  # one warning (overfitting) per overfit run
    assert f"{total - 10} more warnings" in more, more


# ----------------------------------------------------------------------------------------------- colour


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True),
        ([], {"NO_COLOR": "1"}, False),
        ([], {}, False),  # piped
    ],
    ids=["always", "never-beats-FORCE_COLOR", "FORCE_COLOR", "FORCE_COLOR-beats-NO_COLOR", "NO_COLOR", "pipe"],
)
def test_color_option_and_force_color(args, env, coloured):
    r = _cli(["analyze", str(OVERFIT), *args], env=env)
    assert r.returncode == 1, r.stderr
    assert (b"\x1b[" in r.stdout) == coloured


# ----------------------------------------------------------------------------------------------- summary


def test_sweep_summary_fits_80_columns_with_names_shortened_in_the_middle(tmp_path):
    d = _sweep(tmp_path, 4, name="experiment-with-a-very-long-name-lr=0.001-wd=0.01-seed")
    r = _cli(["analyze", str(d), "--summary", "--jobs", "1"])
    lines = r.stdout.decode().splitlines()
    assert all(len(ln) <= 80 for ln in lines), "\n".join(ln for ln in lines if len(ln) > 80)
    rows = [ln for ln in lines if "…" in ln]
    assert len(rows) == 4, lines  # one line per run, shortened, never wrapped into pieces
    assert all(ln.startswith("experim") and ln.split()[0].endswith(".json") for ln in rows), rows


def test_verdict_says_input_error_and_error_severity_in_words(runner, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "bad.csv").write_text("epoch,loss,val_loss\n0,1,x\n")
    r = runner.invoke(app, ["analyze", str(d / "bad.csv")])
    assert "ERROR" in r.stdout and "input error" in r.stdout, r.stdout
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps({"loss": [1.0, 0.8, float("nan"), float("nan")] * 5, "val_loss": [1.1] * 20}))
    r = runner.invoke(app, ["analyze", str(nan)])
    assert "findings: 1 error" in r.stdout and "input error" not in r.stdout, r.stdout
