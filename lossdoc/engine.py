"""The rule engine: run the enabled rules over a Run, let findings explain one another, and order the rest.

Rules never see files or screens; the engine never reads or prints. After the rules ran, the findings are ranked
(the most severe, then the most fundamental: the rule's ``precedence``, then the most confident) and taken in
that order; a finding that one already kept explains, on the evidence (see ``Rule.explains``: a val loss rising
only once the train loss diverged is divergence, a blown-up loss sitting flat and high is not underfitting), is
moved to ``RunReport.explained`` with the reason. A finding that is the cause of a higher-ranked one (``Rule.outranks``:
a zig-zag that drifted upwards) is then listed before it. The first finding is the primary diagnosis.
"""

from __future__ import annotations

from lossdoc.config import Config
from lossdoc.model import Explained, Finding, Run, RunReport, Skipped
from lossdoc.rules import NotEnoughData, Rule, select_rules


def build_rules(config: Config) -> list[Rule]:
    return [cls(**config.rules.get(cls.name, {})) for cls in select_rules(config.select, config.ignore)]


def check_run(run: Run, rules: list[Rule]) -> RunReport:
    report = RunReport(run=run)
    found: list[Finding] = []
    for rule in rules:
        why = rule.missing(run)
        if why is not None:
            report.skipped.append(Skipped(rule.name, rule.code, why))
            continue
        try:
            found.extend(rule.check(run))
        except NotEnoughData as exc:
            report.skipped.append(Skipped(rule.name, rule.code, str(exc)))
    skipped = {s.name for s in report.skipped}
    report.checked = sum(1 for r in rules if r.judges_shape and r.name not in skipped)
    by_name = {r.name: r for r in rules}
    precedence = {name: r.precedence for name, r in by_name.items()}
    found.sort(key=lambda f: (-int(f.severity), precedence.get(f.name, 100), -f.confidence, f.code))
    for f in found:
        reason = None
        for kept in report.findings:
            rule = by_name.get(kept.name)
            reason = rule.explanation(kept, f, run) if rule is not None else None
            if reason is not None:
                report.explained.append(Explained(f, kept.name, reason))
                break
        if reason is None:
            report.findings.append(f)
    # A finding that is the cause of a higher-ranked one goes first (a zig-zag that drifted up is an
    # oscillation before it is a divergence); both stay.
    for f in list(report.findings[1:]):
        rule = by_name.get(f.name)
        if rule is None:
            continue
        i = report.findings.index(f)
        ahead = next((k for k, g in enumerate(report.findings[:i]) if rule.outranks(f, g, run)), None)
        if ahead is not None:
            report.findings.insert(ahead, report.findings.pop(i))
    return report
