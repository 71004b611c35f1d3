"""Config files: discovery upwards, [tool.lossdoc] in pyproject.toml, validation of keys and values."""

from __future__ import annotations

import pytest

from lossdoc.config import find_config_file, from_mapping, load_config
from lossdoc.errors import ConfigError


def test_pyproject_table_is_found_from_a_subfolder(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.lossdoc]\nfail-on = "error"\n[tool.lossdoc.rules.overfitting]\npatience = 3\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_config_file() == tmp_path / "pyproject.toml"
    cfg = load_config()
    assert cfg.fail_on == "error" and cfg.rules == {"overfitting": {"patience": 3}}


def test_pyproject_without_table_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    monkeypatch.chdir(tmp_path)
    assert find_config_file() is None


@pytest.mark.parametrize(
    "data, match",
    [
        ({"fail_on": "x"}, "unknown key 'fail_on'"),
        ({"fail-on": "sometimes"}, "not one of error, warning, info, never"),
        ({"select": "LD1"}, "expected a list"),
        ({"rules": {"overfit": {}}}, "no such rule"),
        ({"rules": {"overfitting": {"patiense": 3}}}, "unknown parameter 'patiense'"),
        ({"rules": {"overfitting": {"patience": 0}}}, "outside"),
        ({"rules": {"overfitting": {"min_rise": "big"}}}, "expected a number"),
    ],
)
def test_bad_config_names_the_key(data, match):
    with pytest.raises(ConfigError, match=match):
        from_mapping(data, source="lossdoc.toml")
