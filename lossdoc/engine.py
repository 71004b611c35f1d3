"""The rule engine: run the enabled rules over a Run and order what they find.

Rules never see files or screens; the engine never reads or prints. The first finding of a RunReport is the
primary diagnosis: the most severe, then the most confident, then the lowest code.
"""

from __future__ import annotations

from lossdoc.config import Config
from lossdoc.model import Finding, Run, RunReport, Skipped
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
    report.findings.sort(key=_rank)
    return report


def _rank(f: Finding) -> tuple:
    return (-int(f.severity), -f.confidence, f.code)
