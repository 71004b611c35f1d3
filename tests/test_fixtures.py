"""Real training runs (fixtures/generate.py, listed in fixtures/manifest.json) through the whole pipeline.

The expectation of each fixture is checked by the generator against its own numbers when it writes it; here
lossdoc must reach the same verdict from the file alone: read by content in the right format, the right series as
train and val loss, and the exit code that gate scripts depend on (0 healthy, 1 overfit or non-finite).
"""

from __future__ import annotations

import json

import jsonschema
import pytest

import lossdoc
from lossdoc.cli import app
from tests.conftest import ROOT, manifest

SCHEMA = json.loads((ROOT / "schema" / "report-v1.json").read_text())
ENTRIES = [e for e in manifest() if e.get("path")]
IDS = [e["path"].removeprefix("fixtures/") for e in ENTRIES]
EXPECTED_CODE = {"healthy": 0, "overfitting": 1, "non-finite": 1}


def _joined(entry: dict) -> list[str]:
    """One-tag export files of the entry, to be joined with --join."""
    return [str(ROOT / entry["path"] / f) for f in entry.get("files", ())]


def _run_for(entry: dict):
    runs = lossdoc.read(ROOT / entry["path"])
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
    r = runner.invoke(app, ["analyze", str(ROOT / entry["path"]), "--format", "json"])
    assert r.exit_code == EXPECTED_CODE[expect], r.output
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMA)
    _check_verdict(doc, expect)
    if entry.get("files"):  # the same run, joined from its one-tag export files
        r = runner.invoke(app, ["analyze", "--join", *_joined(entry), "--format", "json"])
        assert r.exit_code == EXPECTED_CODE[expect], r.output
        _check_verdict(json.loads(r.stdout), expect)


def _check_verdict(doc: dict, expect: str) -> None:
    names = {f["name"] for run in doc["runs"] for f in run["findings"]}
    warn_or_worse = {f["name"] for run in doc["runs"] for f in run["findings"] if f["severity"] != "info"}
    if expect == "healthy":
        assert not warn_or_worse, doc
    else:
        assert expect in names, doc
        assert doc["runs"][0]["primary"] in _allowed(expect), doc


def _allowed(expect: str) -> set[str]:
    # A loss that climbs and then overflows to NaN (the diverge_nan fixtures) is divergence first, and non-finite.
    return {"non-finite": {"non-finite", "divergence"}}.get(expect, {expect})


GROUPS = sorted({e["group"] for e in ENTRIES if e.get("group")})


@pytest.mark.parametrize("group", GROUPS)
def test_logdir_of_many_runs(group, runner):
    """A logdir of several runs: one run each, each with its own verdict; the exit code is the worst."""
    entries = [e for e in ENTRIES if e.get("group") == group]
    r = runner.invoke(app, ["analyze", str(ROOT / group), "--format", "json"])
    doc = json.loads(r.stdout)
    assert len(doc["runs"]) == len(entries), [run["name"] for run in doc["runs"]]
    for e in entries:
        run_dir = e["path"].removeprefix(group).strip("/")
        run = next(run for run in doc["runs"] if run["name"] == run_dir or run["source"].endswith(run_dir))
        if e["expect"] == "healthy":  # info findings (e.g. still-improving) are allowed on a healthy run
            assert all(f["severity"] == "info" for f in run["findings"]), run
        else:
            assert run["primary"] in _allowed(e["expect"]), run
    assert r.exit_code == max(EXPECTED_CODE[e["expect"]] for e in entries), r.output
