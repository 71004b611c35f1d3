"""How a rule is declared: metadata as class attributes, parameters as Param, documentation as the docstring.

A rule's docstring has a one-line summary and then these sections, each a heading line followed by text::

    What it detects:
    Why it matters:
    Likely causes:
    What to do:

`lossdoc explain NAME` and `lossdoc rules --format json` render exactly this; tests/test_rules_meta.py fails a
rule that lacks a section.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from lossdoc.errors import ConfigError
from lossdoc.model import Finding, Run, Severity

DOC_SECTIONS = ("What it detects", "Why it matters", "Likely causes", "What to do")


@dataclass(frozen=True)
class Param:
    """A rule parameter: default, help text and validation. Set from config as
    ``[tool.lossdoc.rules.<rule-name>] <param> = value``."""

    default: Any
    help: str
    min: float | None = None
    max: float | None = None

    def validate(self, rule: str, name: str, value: Any) -> Any:
        kind = type(self.default)
        if kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"rules.{rule}.{name}: expected true or false, got {value!r}")
            return value
        if kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"rules.{rule}.{name}: expected a number, got {value!r}")
            if kind is int and not float(value).is_integer():
                raise ConfigError(f"rules.{rule}.{name}: expected a whole number, got {value!r}")
            if self.min is not None and value < self.min or self.max is not None and value > self.max:
                raise ConfigError(f"rules.{rule}.{name}: {value!r} is outside [{self.min}, {self.max}]")
            return kind(value)
        return value


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement ``check``."""

    code: ClassVar[str]  # stable, never reused: LD<family><nn>
    name: ClassVar[str]  # stable kebab-case identifier
    severity: ClassVar[Severity]
    requires: ClassVar[tuple[str, ...]] = ()  # roles: "train_loss", "val_loss", "val_metric", "any_loss"...
    params: ClassVar[dict[str, Param]] = {}
    aliases: ClassVar[tuple[str, ...]] = ()  # old names of a renamed rule
    #: Order among findings of the same severity when choosing the primary diagnosis: lower explains more.
    precedence: ClassVar[int] = 100
    #: Rules whose findings this rule's finding explains away (val loss rising *because* train diverges is
    #: divergence, not overfitting): the engine drops them when this rule fires.
    suppresses: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **settings: Any) -> None:
        unknown = sorted(set(settings) - set(self.params))
        if unknown:
            valid = ", ".join(sorted(self.params)) or "none"
            raise ConfigError(f"rules.{self.name}: unknown parameter {unknown[0]!r} (valid: {valid})")
        self.p = {k: p.default for k, p in self.params.items()}
        for k, v in settings.items():
            self.p[k] = self.params[k].validate(self.name, k, v)

    # -- documentation -------------------------------------------------------------------------------------
    @classmethod
    def summary(cls) -> str:
        return (inspect.getdoc(cls) or "").strip().splitlines()[0] if cls.__doc__ else ""

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's sections, keyed by heading (DOC_SECTIONS)."""
        doc = inspect.getdoc(cls) or ""
        out: dict[str, list[str]] = {}
        current = None
        for line in doc.splitlines()[1:]:
            head = line.strip().rstrip(":")
            if line.strip().endswith(":") and head in DOC_SECTIONS:
                current = head
                out[current] = []
            elif current is not None:
                out[current].append(line)
        # Each section is one paragraph: fold the docstring's line breaks and indentation.
        return {k: " ".join(" ".join(v).split()) for k, v in out.items()}

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "code": cls.code,
            "name": cls.name,
            "severity": cls.severity.label,
            "requires": list(cls.requires),
            "summary": cls.summary(),
            "sections": cls.sections(),
            "parameters": {
                k: {"default": p.default, "help": p.help, "min": p.min, "max": p.max} for k, p in cls.params.items()
            },
            "aliases": list(cls.aliases),
            "suppresses": list(cls.suppresses),
        }

    # -- checking ------------------------------------------------------------------------------------------
    def missing(self, run: Run) -> str | None:
        """Why this rule cannot run on this run (a required series is absent), or None."""
        for role in self.requires:
            if role == "train_loss" and run.train_loss is None:
                return "no train loss series"
            if role == "val_loss" and run.val_loss is None:
                return "no validation loss series"
            if role == "any_loss" and run.train_loss is None and run.val_loss is None:
                return "no loss series"
        return None

    def check(self, run: Run) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(self, message: str, **kw: Any) -> Finding:
        """A Finding with this rule's identity filled in."""
        kw.setdefault("severity", self.severity)
        return Finding(name=self.name, code=self.code, message=message, **kw)


class NotEnoughData(Exception):
    """Raised inside check() when the series are there but too short: the rule is skipped, with this reason."""
