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


@pytest.mark.parametrize(
    "data, match",
    [
        ({"formats": {"excel": {"train": "x"}}}, "formats.excel: no such input format .*ultralytics"),
        ({"formats": {"ultralytics": {"trian": "x"}}}, "unknown key 'trian' \\(valid: train, val\\)"),
        ({"formats": {"ultralytics": {"train": 3}}}, "expected a series name"),
        ({"formats": "ultralytics"}, "expected a table"),
    ],
)
def test_bad_format_mapping_names_the_key(data, match):
    with pytest.raises(ConfigError, match=match):
        from_mapping(data, source="lossdoc.toml")


def test_per_format_mapping_and_origins(tmp_path):
    from lossdoc.config import effective

    (tmp_path / "lossdoc.toml").write_text('fail-on = "error"\n[formats.ultralytics]\ntrain = "train/box_loss"\n')
    cfg = load_config(tmp_path / "lossdoc.toml")
    assert cfg.formats == {"ultralytics": {"train": "train/box_loss"}}
    eff = effective(cfg)
    assert eff["fail-on"] == {"value": "error", "from": str(tmp_path / "lossdoc.toml")}
    assert eff["ignore"]["from"] == "default"
    assert eff["rules"]["overfitting"]["patience"] == {"value": 5, "from": "default"}
