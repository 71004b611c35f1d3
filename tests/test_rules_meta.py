"""Every rule is declared as the house style says: stable code and name, documented sections, valid params."""

from __future__ import annotations

import re

import pytest

from lossdoc.model import Severity
from lossdoc.rules import ALL_RULES, DOC_SECTIONS, find_rule, select_rules


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_rule_metadata_and_docs(rule):
    assert re.fullmatch(r"LD[1-9]\d\d", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert isinstance(rule.severity, Severity)
    assert rule.summary(), f"{rule.name} has no one-line summary"
    sections = rule.sections()
    for head in DOC_SECTIONS:
        assert len(sections.get(head, "")) > 40, f"{rule.name}: section {head!r} missing or empty"
    for name, p in rule.params.items():
        assert p.help, f"{rule.name}.{name} has no help"
        rule(**{name: p.default})  # the default passes its own validation


def test_codes_and_names_are_unique():
    codes = [r.code for r in ALL_RULES] + [c for r in ALL_RULES for c in r.retired_codes]
    names = [r.name for r in ALL_RULES] + [a for r in ALL_RULES for a in r.aliases]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_select_and_ignore_by_name_code_and_prefix():
    assert {r.code[:3] for r in select_rules(["LD1"], None)} == {"LD1"}
    assert "non-finite" not in [r.name for r in select_rules(None, ["non-finite"])]
    assert [r.name for r in select_rules(["ld202"], None)] == ["non-finite"]
    assert [r.name for r in select_rules(["LD20"], ["spikes"])] == ["divergence", "non-finite", "oscillation"]
    assert find_rule("LD101").name == "overfitting"


def test_retired_names_and_codes_still_select_their_rule():
    """LD102 overconfidence was merged into LD101 overfitting (one problem, one finding): its name and code are
    never reused and still reach the rule that reports it."""
    assert find_rule("overconfidence").name == "overfitting"
    assert find_rule("LD102").name == "overfitting"
    assert [r.name for r in select_rules(["LD102"], None)] == ["overfitting"]
    assert "overfitting" not in [r.name for r in select_rules(None, ["overconfidence"])]


def test_the_catalog_is_complete():
    catalog = {
        "overfitting": "LD101", "generalization-gap": "LD103", "val-below-train": "LD104",
        "divergence": "LD201", "non-finite": "LD202", "spikes": "LD203", "oscillation": "LD204",
        "plateau": "LD301", "underfitting": "LD302", "still-improving": "LD303", "expectation": "LD401",
    }
    assert {r.name: r.code for r in ALL_RULES} == catalog


def test_unknown_selector_is_a_usage_error():
    from lossdoc.errors import UsageError

    with pytest.raises(UsageError, match="no rule matches"):
        select_rules(["nonsense"], None)
