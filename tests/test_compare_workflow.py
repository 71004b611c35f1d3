"""examples/compare-action.yml is the pull-request gate the README shows; this runs its `run:` commands for real
(all but the install and the Train step) in a temp folder where main's runs and the PR's runs are real seeds from
fixtures/compare, with a stand-in `gh` on PATH that records the comment it is asked to post."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_example_workflow import run_steps

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "examples" / "compare-action.yml"
RUNS = ROOT / "fixtures" / "compare" / "runs"

GH_STUB = """#!/usr/bin/env bash
# Records how it was called and the comment body; --edit-last fails the first time (no earlier comment).
echo "$*" >> "$GH_LOG"
prev=""
for a in "$@"; do
  if [ "$prev" = "--body-file" ]; then cp "$a" "$GH_BODY"; fi
  prev="$a"
done
case " $* " in *" --edit-last "*) [ -f "$GH_BODY.posted" ] || { rm -f "$GH_BODY"; exit 1; } ;; esac
touch "$GH_BODY.posted"
"""


def test_workflow_has_the_expected_steps():
    steps = dict(run_steps(WORKFLOW.read_text()))
    scripts = list(steps.values())
    assert any("lossdoc compare" in s and "--format markdown" in s and "GITHUB_STEP_SUMMARY" in s for s in scripts)
    assert any("gh pr comment" in s and "--body-file compare.md" in s for s in scripts)
    assert any("lossdoc compare" in s and "--format github" in s for s in scripts)
    text = WORKFLOW.read_text()
    assert "actions/upload-artifact" in text and "action-download-artifact" in text


@pytest.mark.parametrize(
    "task, change, gate_code",
    [("breast_cancer", "base", 0), ("breast_cancer", "label_noise", 1)],
)
def test_workflow_commands_run(tmp_path, task, change, gate_code):
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    # main's runs: seeds 0-3 of the baseline configuration; the PR's: seeds 4-7 of the changed one.
    (tmp_path / "baseline").mkdir()
    (tmp_path / "runs").mkdir()
    for k in range(4):
        shutil.copy(RUNS / task / "base" / f"seed_{k}.csv", tmp_path / "baseline" / f"seed_{k}.csv")
        shutil.copy(RUNS / task / change / f"seed_{k + 4}.csv", tmp_path / "runs" / f"seed_{k}.csv")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(GH_STUB)
    gh.chmod(0o755)
    summary = tmp_path / "step_summary.md"
    env = dict(os.environ)
    env.update(
        GITHUB_STEP_SUMMARY=str(summary),
        RUNS="runs",
        BASELINE="baseline",
        PR="123",
        GH_LOG=str(tmp_path / "gh.log"),
        GH_BODY=str(tmp_path / "comment.md"),
        PATH=os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    env.pop("NO_COLOR", None)
    codes = {}
    for name, script in run_steps(WORKFLOW.read_text()):
        if re.match(r"\s*(python -m )?pip install", script) or name == "Train":
            continue
        r = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                           check=False)
        codes[name] = (r.returncode, r.stdout, r.stderr)
    compare = next(c for n, c in codes.items() if n.startswith("Compare"))
    comment = next(c for n, c in codes.items() if n.startswith("Comment"))
    gate = next(c for n, c in codes.items() if n.startswith("Gate"))
    assert compare[0] == 0, compare
    assert comment[0] == 0, comment
    assert gate[0] == gate_code, gate
    word = "PASS" if gate_code == 0 else "FAIL"
    assert summary.read_text().startswith(f"## lossdoc compare: {word}"), summary.read_text()
    body = (tmp_path / "comment.md").read_text()
    assert body.startswith(f"## lossdoc compare: {word}") and "4 vs 4 seeds" in body, body
    calls = (tmp_path / "gh.log").read_text().splitlines()
    assert calls == ["pr comment 123 --body-file compare.md --edit-last", "pr comment 123 --body-file compare.md"]
    if gate_code:
        assert "::error title=lossdoc compare%3A worse" in gate[1], gate
        assert "Mann-Whitney" in body
    assert gate[1].rstrip().splitlines()[-1].startswith("::notice title=lossdoc compare::" + word), gate
