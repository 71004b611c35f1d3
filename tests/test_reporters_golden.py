"""Golden files pin every output format for a healthy, an overfit, a diverged and a multi-run case.

The rules change as lossdoc grows, so regenerating is one command (review the diff before committing):

    LOSSDOC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_reporters_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lossdoc.cli import app

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("LOSSDOC_UPDATE_GOLDEN", "") not in ("", "0")

CASES = {
    "healthy": ("fixtures/keras-history/healthy.json", 0),
    "overfit": ("fixtures/keras-history/overfit_small_data.json", 1),
    "diverged": ("fixtures/keras-history/diverge_nan.json", 1),
    "multi": ("fixtures/tensorboard/multi_run_logdir", 1),
}
FORMATS = {  # golden suffix -> (options, COLUMNS)
    "rich80.txt": (["--format", "rich"], 80),
    "rich100.txt": (["--format", "rich"], 100),
    "json": (["--format", "json"], 100),
    "md": (["--format", "markdown"], 100),
    "github.txt": (["--format", "github"], 100),
}
PARAMS = [(case, suffix) for case in CASES for suffix in FORMATS] + [("multi-summary", "rich80.txt")]


def run_cli(runner, args: list[str], columns: int):
    return runner.invoke(
        app,
        ["analyze", *args, "--config", "tests/golden/lossdoc.toml"],
        env={"COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"},
    )


@pytest.mark.parametrize("case, suffix", PARAMS)
def test_golden(runner, monkeypatch, case, suffix):
    monkeypatch.chdir(ROOT)
    base = case.removesuffix("-summary")
    path, code = CASES[base]
    options, columns = FORMATS[suffix]
    extra = ["--summary"] if case.endswith("-summary") else []
    r = run_cli(runner, [path, *options, *extra], columns)
    assert r.exit_code == code, r.output
    out = r.stdout
    golden = GOLDEN / f"{case}.{suffix}"
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), (
        f"missing golden {golden.name}: a test cannot pass without its input; write it with LOSSDOC_UPDATE_GOLDEN=1 "
        ".venv/bin/python -m pytest tests/test_reporters_golden.py and review it"
    )
    assert out == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; if the change is intended: LOSSDOC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest "
        f"tests/test_reporters_golden.py"
    )


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("columns", [80, 100])
def test_rich_fits_the_width_and_has_no_escape_codes(runner, monkeypatch, case, columns):
    monkeypatch.chdir(ROOT)
    r = run_cli(runner, [CASES[case][0]], columns)
    assert "\x1b[" not in r.stdout, r.stdout
    too_wide = [ln for ln in r.stdout.splitlines() if len(ln) > columns]
    assert not too_wide, "\n".join(too_wide)
