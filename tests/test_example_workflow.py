"""examples/github-action.yml is the workflow the README shows; this runs its `run:` commands for real (without
the `pip install` step, which the test environment has already done) in a temp folder holding fixture logs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "examples" / "github-action.yml"


def run_steps(text: str) -> list[tuple[str, str]]:
    """(step name, shell script) for every step with `run:`, read line by line (no YAML library needed)."""
    steps: list[tuple[str, str]] = []
    lines = text.splitlines()
    name = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        m_name = re.match(r"\s*-?\s*name:\s*(.+)", line)
        if m_name:
            name = m_name.group(1).strip()
        m = re.match(r"(\s*)-?\s*run:\s*(.*)$", line)
        if m:
            rest = m.group(2).strip()
            if rest in ("|", ">"):
                indent = None
                body = []
                i += 1
                while i < len(lines):
                    ln = lines[i]
                    if ln.strip() and indent is None:
                        indent = len(ln) - len(ln.lstrip())
                    if ln.strip() and (len(ln) - len(ln.lstrip())) < (indent or 0):
                        break
                    body.append(ln[indent or 0 :])
                    i += 1
                steps.append((name, "\n".join(body).strip() + "\n"))
                continue
            steps.append((name, rest + "\n"))
        i += 1
    return steps


def test_workflow_has_the_expected_steps():
    steps = run_steps(WORKFLOW.read_text())
    scripts = [s for _, s in steps]
    assert any("--format markdown" in s and "GITHUB_STEP_SUMMARY" in s for s in scripts), scripts
    assert any("--format github" in s for s in scripts), scripts


@pytest.mark.parametrize(
    "fixture, gate_code",
    [("keras-history/healthy.json", 0), ("keras-history/overfit_small_data.json", 1)],
)
def test_workflow_commands_run(tmp_path, fixture, gate_code):
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(ROOT / "fixtures" / fixture, logs / Path(fixture).name)
    summary = tmp_path / "step_summary.md"
    env = dict(os.environ)
    env.update(
        GITHUB_STEP_SUMMARY=str(summary),
        LOGS="logs",
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    env.pop("NO_COLOR", None)
    codes = {}
    for name, script in run_steps(WORKFLOW.read_text()):
        if re.match(r"\s*(python -m )?pip install", script):
            continue
        r = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        codes[name] = (r.returncode, r.stdout, r.stderr)
    report = next(c for n, c in codes.items() if n.startswith("Report"))
    gate = next(c for n, c in codes.items() if n.startswith("Gate"))
    assert report[0] == 0, report
    assert gate[0] == gate_code, gate
    text = summary.read_text()
    assert text.startswith("## lossdoc: " + ("PASS" if gate_code == 0 else "FAIL")), text
    if gate_code:
        assert "::warning title=lossdoc overfitting" in gate[1], gate
