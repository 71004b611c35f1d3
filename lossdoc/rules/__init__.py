"""The rule catalog. Each family lives in its own module; ALL_RULES lists every rule class in code order.

Families: LD1xx generalisation (train vs validation), LD2xx stability (divergence, NaN, spikes),
LD3xx progress (plateau, underfitting, still improving), LD4xx expectations (what the user said the run must reach).
"""

from __future__ import annotations

from lossdoc.rules.base import DOC_SECTIONS, NotEnoughData, Param, Rule
from lossdoc.rules.expectations import Expectation
from lossdoc.rules.generalization import GeneralizationGap, Overfitting, ValBelowTrain
from lossdoc.rules.progress import Plateau, StillImproving, Underfitting
from lossdoc.rules.stability import Divergence, NonFinite, Oscillation, Spikes

ALL_RULES: list[type[Rule]] = sorted(
    [
        Overfitting,
        GeneralizationGap,
        ValBelowTrain,
        Divergence,
        NonFinite,
        Spikes,
        Oscillation,
        Plateau,
        Underfitting,
        StillImproving,
        Expectation,
    ],
    key=lambda r: r.code,
)


def find_rule(key: str) -> type[Rule] | None:
    """A rule by name, code, alias or retired code (case-insensitive)."""
    k = key.strip().lower()
    for r in ALL_RULES:
        if k in (r.name, r.code.lower(), *r.aliases, *(c.lower() for c in r.retired_codes)):
            return r
    return None


def select_rules(select: list[str] | None, ignore: list[str] | None) -> list[type[Rule]]:
    """Rules enabled by --select/--ignore. Each item is a name, an alias, a code (a retired one too), or a code
    prefix (LD1, LD20)."""
    from lossdoc.errors import UsageError

    def matches(rule: type[Rule], key: str) -> bool:
        k = key.strip().lower()
        if k in (rule.name, *rule.aliases, *(c.lower() for c in rule.retired_codes)):
            return True
        return rule.code.lower().startswith(k) and k.startswith("ld")

    for key in (select or []) + (ignore or []):
        if not any(matches(r, key) for r in ALL_RULES):
            valid = ", ".join(f"{r.code} {r.name}" for r in ALL_RULES)
            raise UsageError(f"no rule matches {key!r} (rules: {valid})")
    chosen = [r for r in ALL_RULES if not select or any(matches(r, k) for k in select)]
    return [r for r in chosen if not any(matches(r, k) for k in (ignore or []))]


__all__ = ["ALL_RULES", "DOC_SECTIONS", "NotEnoughData", "Param", "Rule", "find_rule", "select_rules"]
