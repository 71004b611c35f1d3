"""The rule engine: run the enabled rules over a Run and order what they find.

Rules never see files or screens; the engine never reads or prints. After the rules ran, a finding that another
one explains is dropped (each rule lists what it ``suppresses``: a val loss rising because the train loss
diverges is divergence, not overfitting). The first finding of a RunReport is the primary diagnosis: the most
severe, then the most fundamental (the rule's ``precedence``), then the most confident.
"""

from __future__ import annotations

from lossdoc.config import Config
from lossdoc.model import Run, RunReport, Skipped
from lossdoc.rules import NotEnoughData, Rule, select_rules


def build_rules(config: Config) -> list[Rule]:
    return [cls(**config.rules.get(cls.name, {})) for cls in select_rules(config.select, config.ignore)]


def check_run(run: Run, rules: list[Rule]) -> RunReport:
    report = RunReport(run=run)
    for rule in rules:
        why = rule.missing(run)
        if why is not None:
            report.skipped.append(Skipped(rule.name, rule.code, why))
            continue
        try:
            report.findings.extend(rule.check(run))
        except NotEnoughData as exc:
            report.skipped.append(Skipped(rule.name, rule.code, str(exc)))
    by_name = {type(r).name: type(r) for r in rules}
    fired = {f.name for f in report.findings}
    explained = {s for name in fired for s in by_name[name].suppresses}
    report.findings = [f for f in report.findings if f.name not in explained]
    precedence = {name: cls.precedence for name, cls in by_name.items()}
    report.findings.sort(key=lambda f: (-int(f.severity), precedence.get(f.name, 100), -f.confidence, f.code))
    return report
