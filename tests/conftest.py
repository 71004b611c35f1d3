"""Shared test helpers: the repo's fixture manifests and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def manifest(name: str = "manifest.json") -> list[dict]:
    path = FIXTURES / name
    if not path.exists():
        return []
    return json.loads(path.read_text())


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()
