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
    expect = ["final(val_accuracy) >= 0.9"]   # plain expectations (lossdoc.expect); unmet: a finding LD401

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
KEYS = ("fail-on", "select", "ignore", "input-format", "train", "val", "rules", "formats", "expect")
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
    expect: list[str] = field(default_factory=list)  # plain expectations, checked by the rule LD401 expectation
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


#: A config file larger than this is refused (config files are a few hundred bytes; this bounds memory and time).
MAX_CONFIG_BYTES = 1 << 20


def find_config_file(start: Path | None = None) -> Path | None:
    """lossdoc.toml, or a pyproject.toml that mentions lossdoc, from ``start`` upwards. A pyproject.toml that does
    not mention lossdoc is another tool's and is never parsed (so nothing in it can break lossdoc)."""
    return _discover(start)[0]


def _discover(start: Path | None = None) -> tuple[Path | None, str | None]:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        cand = folder / "lossdoc.toml"
        if cand.is_file():
            return cand, None
        py = folder / "pyproject.toml"
        if py.is_file():
            text = read_config_text(py)
            if "lossdoc" in text:
                return py, text
    return None, None


def read_config_text(path: Path) -> str:
    """A config file's text: a regular file (a FIFO would hang, a device never end) of at most MAX_CONFIG_BYTES,
    as UTF-8. Anything else is a ConfigError naming the file."""
    import os
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path}: not a regular file (a FIFO, device or socket); a config file must be a file")
    if st.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {st.st_size:,} bytes; a config file may have at most {MAX_CONFIG_BYTES:,}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_CONFIG_BYTES:  # grew while being read
        raise ConfigError(f"{path}: more than {MAX_CONFIG_BYTES:,} bytes; a config file may have at most that")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    """TOML of a config file, parsed once. A syntax error is a ConfigError naming the file and line. Nesting too
    deep for the parser is an error in lossdoc's own tables; in another tool's table of a pyproject.toml it is
    none of lossdoc's business, so only the ``[tool.lossdoc...]`` tables are parsed then."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        if Path(path).name != "pyproject.toml":
            raise ConfigError(f"{path}: nested too deeply to be a lossdoc config") from None
    fragment = _lossdoc_tables(text)
    try:
        return tomllib.loads(fragment)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML in [tool.lossdoc] ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: [tool.lossdoc] is nested too deeply to be a lossdoc config") from None


def _lossdoc_tables(text: str) -> str:
    """The lines of a pyproject.toml's ``[tool.lossdoc]`` and ``[tool.lossdoc.*]`` tables, each up to the next
    table header. Used only when the whole file is too deep for the parser (another tool's data)."""
    import re

    header = re.compile(r"^\s*\[\[?\s*([^\]]*?)\s*\]")
    keep, out = False, []
    for line in text.splitlines():
        m = header.match(line)
        if m:
            name = re.sub(r"\s+", "", m.group(1)).replace('"', "").replace("'", "")
            keep = name == "tool.lossdoc" or name.startswith("tool.lossdoc.")
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


def load_config(path: Path | None = None, *, discover: bool = True) -> Config:
    """Settings from ``path`` (or the discovered file), validated; defaults when there is none. The file is read
    and parsed once."""
    text = None
    if path is None and discover:
        path, text = _discover()
    if path is None:
        return Config()
    if text is None:
        text = read_config_text(Path(path))
    data = parse_toml(Path(path), text)
    if Path(path).name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("lossdoc", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.lossdoc] must be a table")
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
        elif key == "expect":
            cfg.expect = _check_expect(value, where)
        cfg.origins[key] = source or "config"
    if cfg.expect:
        if "expect" in cfg.rules.get("expectation", {}):
            raise ConfigError(f"{where}expect is set twice (expect and rules.expectation.expect); keep one")
        set_expectations(cfg, cfg.expect)
        cfg.origins.setdefault("rules", source or "config")
    return cfg


def _check_expect(value: Any, where: str) -> list[str]:
    """A list of expectation strings, each parsed now so that a typo is a config error naming it."""
    from lossdoc.expect import ExpectationError, parse_all

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}expect: expected a list of strings such as ["final(val_accuracy) >= 0.9"]')
    try:
        parse_all(value, where="expect")
    except ExpectationError as exc:
        raise ConfigError(f"{where}{exc}") from None
    return list(value)


def set_expectations(cfg: Config, texts: list[str]) -> None:
    """Hand the expectations to the rule that checks them (its parameter ``expect``)."""
    cfg.expect = list(texts)
    cfg.rules = {**cfg.rules, "expectation": {**cfg.rules.get("expectation", {}), "expect": list(texts)}}


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
