"""Shared test helpers: the repo's fixture manifests and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


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
