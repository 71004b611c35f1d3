"""Logs that strangers committed to public repositories (fixtures/public/SOURCES.md): the best test that the
readers understand what real tools write, as opposed to what we think they write."""

from __future__ import annotations

import json

import pytest

import lossdoc
import lossdoc.errors
from tests.conftest import FIXTURES, ROOT, manifest, public_error_by_design

PUBLIC = manifest("public/manifest.json")


@pytest.mark.parametrize("entry", PUBLIC, ids=[e["path"].split("/", 2)[-1] for e in PUBLIC])
def test_public_log_reads_with_the_right_roles(entry):
    path = ROOT / entry["path"]
    if (why := public_error_by_design(path)) is not None:
        with pytest.raises(lossdoc.errors.InputError, match=why):
            lossdoc.read(path)
        return
    runs = lossdoc.read(path)
    assert len(runs) >= 1
    run = runs[0]
    assert run.format == entry["format"], run.describe()
    if entry.get("train_series"):
        assert run.train_loss is not None and run.train_loss.name == entry["train_series"], run.describe()
    if entry.get("val_series"):
        assert run.val_loss is not None and run.val_loss.name == entry["val_series"], run.describe()


@pytest.mark.parametrize("entry", PUBLIC, ids=[e["path"].split("/", 2)[-1] for e in PUBLIC])
def test_public_log_analyses_without_error(entry, runner):
    from lossdoc.cli import app

    # Where no series is named as a loss (a column called RMSE), the labeller named it, as a user passes --train.
    named = [a for k in ("train", "val") if entry.get(k) for a in (f"--{k}", entry[k])]
    r = runner.invoke(app, ["analyze", str(ROOT / entry["path"]), "--format", "json", *named])
    if (why := public_error_by_design(ROOT / entry["path"])) is not None:
        # A log with no curve in it (a Trainer whose logging_steps exceeded the run): an input error that says so.
        assert r.exit_code == 2 and why in r.output, r.output
        return
    assert r.exit_code in (0, 1), r.output
    doc = json.loads(r.stdout)
    assert doc["errors"] == [] and doc["runs"]



def test_public_manifest_covers_the_files():
    listed = {e["path"] for e in PUBLIC}
    on_disk = {
        str(p.relative_to(ROOT))
        for p in (FIXTURES / "public").rglob("*")
        if p.is_file() and p.name not in ("SOURCES.md", "LABELLING.md", "READING_SURVEYS.md", "manifest.json")
    }
    assert on_disk <= listed, on_disk - listed
