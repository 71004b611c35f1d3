"""``--statistics``: how many findings of each rule a sweep holds (as ruff's ``--statistics``), instead of the
report: one row per rule that fired, most frequent first, with the runs it fired in; then the verdict."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from lossdoc.model import Report
from lossdoc.reporters import common
from lossdoc.reporters.safe import printable


def rows(report: Report) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    primary: Counter[str] = Counter()
    for rr in report.runs:
        for f in rr.findings:
            counts[(f.code, f.name, f.severity.label)] += 1
        if rr.primary is not None:
            primary[rr.primary.code] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
    return [
        {"code": code, "name": name, "severity": sev, "runs": n, "primary": primary[code]}
        for (code, name, sev), n in ordered
    ]


def render(report: Report, *, json_output: bool = False, **_: Any) -> str:
    table = rows(report)
    word, rest = common.verdict(report)
    if json_output:
        doc = {"statistics": table, "runs": len(report.runs), "errors": len(report.errors),
               "exit_code": report.exit_code}
        return json.dumps(doc, indent=2) + "\n"
    lines = [f"{'runs':>5}  {'primary':>7}  code   {'severity':<8} rule"]
    lines += [f"{r['runs']:>5}  {r['primary']:>7}  {r['code']}  {r['severity']:<8} {r['name']}" for r in table]
    if not table:
        lines.append("    -  no findings")
    lines += ["", printable(f"{word} {rest}")]
    return "\n".join(lines) + "\n"
