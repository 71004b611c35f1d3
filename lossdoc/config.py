"""Settings: defaults, then a config file, then the command line (which wins).

The file is ``lossdoc.toml`` (keys at top level) or ``pyproject.toml`` (under ``[tool.lossdoc]``), the first found
from the current folder upwards, or the one given by ``--config``. Keys::

    fail-on = "warning"            # error | warning | info | never
    select = ["LD1", "non-finite"] # rule names, codes or code prefixes
    ignore = []
    input-format = "csv"           # force a reader
    train = "train_loss"           # the series to use as train / val loss
    val = "val_loss"
    [rules.overfitting]            # per-rule parameters ([tool.lossdoc.rules.overfitting] in pyproject.toml)
    patience = 3
    [formats.ultralytics]          # column mapping for one input format (wins over the top-level train/val)
    train = "train/box_loss"
    val = "val/box_loss"

An unknown key or a bad value is a ConfigError naming the key and the valid choices.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossdoc.errors import ConfigError
from lossdoc.model import Severity

FAIL_ON_CHOICES = ("error", "warning", "info", "never")
KEYS = ("fail-on", "select", "ignore", "input-format", "train", "val", "rules", "formats")
FORMAT_KEYS = ("train", "val")


@dataclass
class Config:
    fail_on: str = "warning"
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    input_format: str | None = None
    train: str | None = None
    val: str | None = None
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    formats: dict[str, dict[str, str]] = field(default_factory=dict)  # per input format: {"train": ..., "val": ...}
    source: str | None = None  # the file these settings came from, if any
    origins: dict[str, str] = field(default_factory=dict)  # key -> where its value came from (file or option)

    @property
    def fail_severity(self) -> Severity | None:
        return None if self.fail_on == "never" else Severity.parse(self.fail_on)


def check_fail_on(value: str) -> str:
    v = str(value).strip().lower()
    if v not in FAIL_ON_CHOICES:
        raise ConfigError(f"fail-on: {value!r} is not one of {', '.join(FAIL_ON_CHOICES)}")
    return v


def find_config_file(start: Path | None = None) -> Path | None:
    """lossdoc.toml, or a pyproject.toml with a [tool.lossdoc] table, from ``start`` upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        cand = folder / "lossdoc.toml"
        if cand.is_file():
            return cand
        py = folder / "pyproject.toml"
        if py.is_file():
            try:
                if "lossdoc" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {}):
                    return py
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                continue
    return None


def load_config(path: Path | None = None, *, discover: bool = True) -> Config:
    """Settings from ``path`` (or the discovered file), validated; defaults when there is none."""
    if path is None and discover:
        path = find_config_file()
    if path is None:
        return Config()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if Path(path).name == "pyproject.toml":
        data = data.get("tool", {}).get("lossdoc", {})
    return from_mapping(data, source=str(path))


def from_mapping(data: dict[str, Any], source: str | None = None) -> Config:
    where = f"{source}: " if source else ""
    cfg = Config(source=source)
    for key, value in data.items():
        if key not in KEYS:
            raise ConfigError(f"{where}unknown key {key!r} (valid: {', '.join(KEYS)})")
        if key == "fail-on":
            cfg.fail_on = check_fail_on(value)
        elif key in ("select", "ignore"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}{key}: expected a list of rule names or codes")
            setattr(cfg, key, list(value))
        elif key in ("input-format", "train", "val"):
            if not isinstance(value, str):
                raise ConfigError(f"{where}{key}: expected a string")
            setattr(cfg, key.replace("-", "_"), value)
        elif key == "rules":
            cfg.rules = _check_rules(value, where)
        elif key == "formats":
            cfg.formats = _check_formats(value, where)
        cfg.origins[key] = source or "config"
    return cfg


def _check_formats(value: Any, where: str) -> dict[str, dict[str, str]]:
    from lossdoc.readers.registry import reader_names

    if not isinstance(value, dict):
        raise ConfigError(f"{where}formats: expected a table of [formats.<format>] tables")
    valid = reader_names()
    out: dict[str, dict[str, str]] = {}
    for name, table in value.items():
        if name not in valid:
            raise ConfigError(f"{where}formats.{name}: no such input format (valid: {', '.join(valid)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}formats.{name}: expected a table with train and/or val")
        for k, v in table.items():
            if k not in FORMAT_KEYS:
                raise ConfigError(f"{where}formats.{name}: unknown key {k!r} (valid: {', '.join(FORMAT_KEYS)})")
            if not isinstance(v, str):
                raise ConfigError(f"{where}formats.{name}.{k}: expected a series name (a string)")
        out[name] = dict(table)
    return out


def effective(cfg: Config) -> dict[str, Any]:
    """Every setting with its value and where it came from (default, a file, or the command line), for
    ``lossdoc config``. Rule parameters list every parameter of every rule."""
    from lossdoc.rules import ALL_RULES

    def item(key: str, value: Any) -> dict[str, Any]:
        return {"value": value, "from": cfg.origins.get(key, "default")}

    out: dict[str, Any] = {
        "config_file": cfg.source,
        "fail-on": item("fail-on", cfg.fail_on),
        "select": item("select", cfg.select),
        "ignore": item("ignore", cfg.ignore),
        "input-format": item("input-format", cfg.input_format),
        "train": item("train", cfg.train),
        "val": item("val", cfg.val),
        "formats": item("formats", cfg.formats),
        "rules": {},
    }
    for rule in ALL_RULES:
        set_here = cfg.rules.get(rule.name, {})
        out["rules"][rule.name] = {
            k: {
                "value": set_here.get(k, p.default),
                "from": cfg.origins.get("rules", "default") if k in set_here else "default",
            }
            for k, p in rule.params.items()
        }
    return out


def _check_rules(value: Any, where: str) -> dict[str, dict[str, Any]]:
    from lossdoc.rules import ALL_RULES, find_rule

    if not isinstance(value, dict):
        raise ConfigError(f"{where}rules: expected a table of [rules.<rule-name>] tables")
    out: dict[str, dict[str, Any]] = {}
    for name, params in value.items():
        rule = find_rule(name)
        if rule is None:
            raise ConfigError(
                f"{where}rules.{name}: no such rule (valid: {', '.join(r.name for r in ALL_RULES)})"
            )
        if not isinstance(params, dict):
            raise ConfigError(f"{where}rules.{name}: expected a table of parameters")
        rule(**params)  # validates names and values, raising ConfigError
        out[rule.name] = dict(params)
    return out
