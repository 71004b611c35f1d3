"""Helpers shared by the reader tests that write a log in a tool's format and read it back (test_reader_toollogs,
test_reader_detlogs): a fresh reader registry for each test, and reading bytes or text written to a file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """Each test sniffs with a registry built anew (a test may patch a reader class)."""
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: bytes | str, name: str = "log.txt", fmt: str | None = None) -> list[Run]:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return registry.read_path(p, fmt)


def read(tmp_path: Path, data: bytes | str, name: str = "log.txt", fmt: str | None = None) -> Run:
    runs = read_all(tmp_path, data, name, fmt)
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


def assert_one_line_error(runner, app, path: Path) -> None:
    """The file is refused as bad input: ``lossdoc.read`` raises an InputError naming it, and ``lossdoc inspect``
    exits 2 with one line on stderr naming it, no traceback."""
    from lossdoc.errors import InputError

    with pytest.raises(InputError, match=re.escape(path.name)):
        registry.read_path(path, None)
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert path.name in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
