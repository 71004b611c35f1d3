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

import numpy as np

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
    #: Whether the rule judges the curves' shape (and so needs enough points). False for a check of the values
    #: themselves (non-finite) or of the user's stated expectations: a report whose every shape rule was skipped
    #: says it judged nothing, not that no failure mode fits.
    judges_shape: ClassVar[bool] = True
    #: What a finding of this rule explains, and on what evidence: {other rule's name: condition}. The engine
    #: leaves an explained finding out of the report (``RunReport.explained`` keeps it, with the reason).
    #: Conditions: "always" (whenever both fire, the other is a consequence or a misreading of this one: a
    #: blown-up loss that sits flat and high is not underfitting), "later" (only when the other began at or
    #: after this one's onset, within LATER_TOLERANCE of the run: a val loss that rose because the train loss
    #: diverged is divergence, but a val upturn that began long before the train loss rose is overfitting, and
    #: both are reported) and "after" (strictly after this one's onset: two that begin together, a loss that
    #: jumped up and zig-zags from the same epoch, are both reported). A rule may name a condition of its own
    #: and say what it means in its ``explanation`` (oscillation's "unsettled": it still bounces at the end).
    explains: ClassVar[dict[str, str]] = {}
    #: Old codes of rules merged into this one; never reused, and still accepted by --select/--ignore/explain.
    retired_codes: ClassVar[tuple[str, ...]] = ()

    #: How far before this finding's onset another may start and still count as "later", as a share of the
    #: run's span (a val loss evaluated once an epoch turns up an evaluation before the train loss does).
    LATER_TOLERANCE: ClassVar[float] = 0.1

    def outranks(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """Why ``mine`` should be listed before ``other`` although ``other`` ranks higher (``mine`` is the cause of
        what ``other`` reports; both are kept), or None. The engine applies it to the primary diagnosis."""
        return None

    def explanation(self, mine: Finding, other: Finding, run: Run) -> str | None:
        """Why ``mine`` (a finding of this rule) explains ``other``, or None when it does not."""
        how = self.explains.get(other.name)
        if how == "always":
            return f"{other.name} is a consequence of {mine.name} here"
        if how in ("later", "after"):
            if mine.onset is None or other.onset is None:
                return f"{other.name} is a consequence of {mine.name} here"
            axis = mine.axis or run.axis
            theirs = run.convert(other.onset, other.axis or axis, axis)
            if theirs is None:
                return None
            span = run_span(run, axis)
            if theirs > mine.onset or (how == "later" and theirs == mine.onset):
                return (f"{other.name} began at {axis} {_fmt(theirs)}, after {mine.name} had begun "
                        f"({axis} {_fmt(mine.onset)})")
            if how == "later" and theirs >= mine.onset - self.LATER_TOLERANCE * span:
                return (f"{other.name} began at {axis} {_fmt(theirs)}, with {mine.name} ({axis} "
                        f"{_fmt(mine.onset)}, within {self.LATER_TOLERANCE:.0%} of the run)")
        return None

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
            "retired_codes": list(cls.retired_codes),
            "explains": dict(cls.explains),
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


def run_span(run: Run, axis: str) -> float:
    """The length of the run on ``axis`` (the widest loss series), at least 1."""
    spans = []
    for s in (run.train_loss, run.val_loss):
        if s is None:
            continue
        pos = s.steps if axis == "step" else s.epochs
        if pos is None:
            pos = s.x
        pos = pos[np.isfinite(pos)]
        if len(pos):
            spans.append(float(pos.max() - pos.min()))
    return max(spans + [1.0])


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.2f}"


class NotEnoughData(Exception):
    """Raised inside check() when the series are there but too short: the rule is skipped, with this reason."""
