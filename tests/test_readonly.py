"""Nothing lost or leaked: analysing every fixture leaves its bytes and mtime as they were; --output is written
whole or not at all; the package never evaluates input or touches the network."""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

import pytest

import lossdoc
from lossdoc.cli import app
from lossdoc.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lossdoc"


def _snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_mode)
    return out


def test_analysing_every_fixture_changes_nothing(tmp_path):
    import shutil

    # A copy (mtimes kept), so that the check does not race anyone regenerating fixtures/ meanwhile.
    fixtures = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", fixtures, symlinks=True, ignore=shutil.ignore_patterns("eval"))
    targets = sorted({p.parent for p in fixtures.rglob("*") if p.is_file()})[:200]
    before = _snapshot(fixtures)
    listing = sorted(str(p) for p in fixtures.rglob("*"))
    lossdoc.analyze([str(t) for t in targets], jobs=1)
    for t in targets[:40]:
        try:
            lossdoc.read(str(t))
        except InputError:
            pass  # a folder of MLflow params is not a log: fine, it was still only read
    assert _snapshot(fixtures) == before
    assert sorted(str(p) for p in fixtures.rglob("*")) == listing  # nothing created or deleted (no locks)


def test_output_is_atomic(runner, tmp_path, monkeypatch):
    src = ROOT / "fixtures" / "keras-history" / "overfit_small_data.json"
    out = tmp_path / "report.json"
    out.write_text("previous report\n")
    from lossdoc import cli

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "fsync", boom)
    r = runner.invoke(app, ["analyze", str(src), "--format", "json", "--output", str(out)])
    assert r.exit_code == 2 and "--output" in r.stderr, r.output
    assert out.read_text() == "previous report\n"  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left behind


_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
_FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "socket", "urllib", "requests", "http", "httpx", "ftplib",
                      "smtplib", "telnetlib", "yaml", "dill", "cloudpickle", "subprocess"}


def _python_files():
    return sorted(PACKAGE.rglob("*.py"))


#: The one module that may open a network connection: it reads an MLflow tracking server, and only for a path
#: that is an http(s) URL (test_network_only_for_urls).
_NETWORK_MODULE = PACKAGE / "readers" / "mlflow_server.py"


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_pickle_yaml_or_network(path):
    forbidden = _FORBIDDEN_MODULES - {"urllib"} if path == _NETWORK_MODULE else _FORBIDDEN_MODULES
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in _FORBIDDEN_CALLS, f"{path}:{node.lineno}: {node.func.id}()"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in ("load", "loads") or not (
                isinstance(node.func.value, ast.Name) and node.func.value.id in ("yaml", "pickle", "marshal")
            ), f"{path}:{node.lineno}"
        if isinstance(node, ast.Import):
            for a in node.names:
                assert a.name.split(".")[0] not in forbidden, f"{path}:{node.lineno}: import {a.name}"
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] not in forbidden, f"{path}:{node.lineno}: from {node.module}"


def test_network_only_for_urls():
    """Analysing files never imports the network module; only a path that is a URL does."""
    import subprocess
    import sys

    code = (
        "import sys, lossdoc; lossdoc.analyze([{!r}, {!r}], jobs=1); "
        "print('lossdoc.readers.mlflow_server' in sys.modules, 'urllib.request' in sys.modules)".format(str(ROOT / "fixtures" / "keras-history"), str(ROOT / "fixtures" / "mlflow"))
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"], out


def test_readers_open_files_read_only(monkeypatch, tmp_path):
    """Every open() lossdoc does while reading the fixtures is for reading."""
    import builtins

    real_open = builtins.open
    modes = []

    def spy(file, mode="r", *a, **k):
        modes.append((str(file), mode))
        return real_open(file, mode, *a, **k)

    monkeypatch.setattr(builtins, "open", spy)
    for p in sorted((ROOT / "fixtures").iterdir()):
        if p.is_dir() and p.name not in ("eval",):
            lossdoc.analyze(str(p), jobs=1)
    writes = [(f, m) for f, m in modes if any(c in m for c in "wax+")]
    assert not writes, writes
    assert os.path.exists(ROOT / "fixtures")
