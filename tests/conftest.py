"""Shared test helpers: the repo's fixture manifests and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def real_logs() -> Path:
    """``shared/real-logs``: real files strangers committed, read in place, never copied into the project (found by
    ``tests/shared_data.py``). Missing, the tests that need it fail: an honest test never passes without its
    inputs."""
    from tests.shared_data import shared_dir

    try:
        return shared_dir() / "real-logs"
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


def manifest(name: str = "manifest.json") -> list[dict]:
    """The entries of a fixture manifest. A missing or empty manifest is an error at collection (a parametrized
    test over no entries would pass having checked nothing)."""
    path = FIXTURES / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: the fixture manifest is missing")
    entries = json.loads(path.read_text())
    if not entries:
        raise ValueError(f"{path}: the fixture manifest is empty")
    return entries


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


# ---------------------------------------------------------------------------------------------- an MLflow server


def pytest_collection_finish(session):
    """A real MLflow server takes 10-30 s to start: when a selected test needs one, start it now, in the
    background, so that it comes up while the tests before it run (tests/mlflow_server.py)."""
    if any("mlflow_server" in getattr(item, "fixturenames", ()) for item in session.items):
        from tests import mlflow_server

        mlflow_server.start()


def pytest_sessionfinish(session):
    from tests import mlflow_server

    mlflow_server.stop()


@pytest.fixture(scope="session")
def mlflow_server():
    """The URL of a real `mlflow server` (SQLite backend) filled by the real client; fails with its log if it
    could not start."""
    from tests import mlflow_server as server

    try:
        return server.url()
    except RuntimeError as exc:
        pytest.fail(str(exc))


def public_error_by_design(path) -> str | None:
    """The error a real log with no curve in it must raise (a pattern), judged from the file itself: a Trainer
    whose logging_steps exceeded the run logged nothing (log_history empty) or only its final summary entry; a
    CSV with a header and no rows. None for a log that has curves."""
    text = path.read_text(errors="replace")
    if path.suffix == ".json":
        try:
            obj = json.loads(text)
        except ValueError:
            return None
        hist = obj.get("log_history") if isinstance(obj, dict) else None
        if hist == []:
            return "log_history is empty"
        if hist and all(isinstance(e, dict) and "train_runtime" in e for e in hist):
            return "only the final summary entry"
        return None
    if path.suffix == ".csv" and len([ln for ln in text.splitlines() if ln.strip()]) == 1 and "," in text:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if not any(c.isdigit() for c in lines[0]):
            return "only a header row"
    return None
