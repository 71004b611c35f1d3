"""Real training runs (fixtures/generate.py, listed in fixtures/manifest.json) through the whole pipeline.

The expectation of each fixture is checked by the generator against its own numbers when it writes it; here
lossdoc must reach the same verdict from the file alone: read by content in the right format, the right series as
train and val loss, and the exit code that gate scripts depend on (0 healthy, 1 overfit or non-finite).
"""

from __future__ import annotations

import json

import pytest

import lossdoc
from lossdoc.cli import app
from tests.conftest import ROOT, manifest

ENTRIES = [e for e in manifest() if e.get("path")]
IDS = [e["path"].removeprefix("fixtures/") for e in ENTRIES]
EXPECTED_CODE = {"healthy": 0, "overfitting": 1, "non-finite": 1}


def _analyze_args(entry: dict) -> list[str]:
    if entry.get("files"):
        return ["analyze", "--join", *[str(ROOT / f) for f in entry["files"]]]
    return ["analyze", str(ROOT / entry["path"])]


def _run_for(entry: dict):
    runs = lossdoc.read(ROOT / entry["path"]) if not entry.get("files") else [lossdoc.api.join(entry["files"])]
    if len(runs) > 1 and entry.get("run"):
        runs = [r for r in runs if r.name == entry["run"] or (r.name or "").endswith(entry["run"])]
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_fixture_is_read_in_its_format_with_the_right_series(entry):
    run = _run_for(entry)
    assert run.format == entry["format"], run.describe()
    if entry.get("train_series"):
        assert run.train_loss is not None and run.train_loss.name == entry["train_series"], run.describe()
    if entry.get("val_series"):
        assert run.val_loss is not None and run.val_loss.name == entry["val_series"], run.describe()


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_fixture_verdict_and_exit_code(entry, runner):
    expect = entry["expect"]
    if expect not in EXPECTED_CODE:
        pytest.fail(f"no expectation known for label {expect!r}: extend EXPECTED_CODE with its rule")
    args = _analyze_args(entry)
    if entry.get("run"):
        pytest.skip("multi-run logdir: checked per run in test_multi_run_logdir")
    r = runner.invoke(app, [*args, "--format", "json"])
    assert r.exit_code == EXPECTED_CODE[expect], r.output
    doc = json.loads(r.stdout)
    names = {f["name"] for run in doc["runs"] for f in run["findings"]}
    warn_or_worse = {f["name"] for run in doc["runs"] for f in run["findings"] if f["severity"] != "info"}
    if expect == "healthy":
        assert not warn_or_worse, doc
    else:
        assert expect in names, doc
        assert doc["runs"][0]["primary"] == expect or expect == "overfitting" and "non-finite" in names


def test_multi_run_logdir(runner):
    entries = [e for e in ENTRIES if e.get("run")]
    if not entries:
        pytest.skip("no multi-run fixture in the manifest")
    logdir = ROOT / entries[0]["path"].split("/" + entries[0]["run"])[0]
    r = runner.invoke(app, ["analyze", str(logdir), "--format", "json"])
    doc = json.loads(r.stdout)
    by_name = {run["name"]: run for run in doc["runs"]}
    for e in entries:
        run = next(v for k, v in by_name.items() if k and k.endswith(e["run"]))
        assert (run["primary"] or "healthy") == e["expect"], run
    assert r.exit_code == max(EXPECTED_CODE[e["expect"]] for e in entries), r.output
