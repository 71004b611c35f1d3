"""SARIF 2.1.0 (``--format sarif``), for GitHub code scanning and other SARIF viewers.

One SARIF run for the whole report: the rules that fired as ``tool.driver.rules`` (id = code, name, summary),
one result per finding, located on the log file it was found in (its path as a relative URI; a log has no line
for a curve, so the region is line 1), with the level error / warning / note. Input errors are the invocation's
``toolExecutionNotifications`` and make ``executionSuccessful`` false. Log text (names, paths, messages that quote
them) is made printable first (no control or bidi characters reach a viewer); JSON escaping does the rest, and
paths are percent-encoded as URIs."""

from __future__ import annotations

import json
import os
from typing import Any

from lossdoc import __version__
from lossdoc.model import Report, Severity
from lossdoc.reporters import common
from lossdoc.reporters.safe import printable

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def uri(source: str) -> str | None:
    """A log's path as a relative URI reference (for code scanning: relative to the checkout), or None."""
    if source.startswith("<") or " + " in source:
        return None
    path = os.path.relpath(source) if os.path.isabs(source) else source
    return "".join(
        chr(b) if chr(b) in _URI_SAFE else f"%{b:02X}" for b in printable(path).replace(os.sep, "/").encode("utf-8")
    )


# RFC 3986 unreserved characters and the path separator; every other byte is percent-encoded.
_URI_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")


def _rules(report: Report) -> list[dict[str, Any]]:
    from lossdoc.rules import ALL_RULES

    fired = {f.name for rr in report.runs for f in rr.findings}
    out = []
    for rule in ALL_RULES:
        if rule.name in fired:
            out.append({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary()},
                "defaultConfiguration": {"level": LEVEL[rule.severity]},
                "helpUri": "https://pypi.org/project/lossdoc/",
            })
    return out


def to_dict(report: Report) -> dict[str, Any]:
    rules = _rules(report)
    index = {r["name"]: i for i, r in enumerate(rules)}
    results = []
    for rr in report.runs:
        run = rr.run
        location = uri(run.source)
        for f in rr.findings:
            where = f" from {common.where(f)}" if common.where(f) else ""
            text = printable(f"{run.label}: {f.name}{where}: {f.message}")
            if f.remedies:
                text += f" What to do: {printable(f.remedies[0])}"
            result: dict[str, Any] = {
                "ruleId": f.code,
                "ruleIndex": index[f.name],
                "level": LEVEL[f.severity],
                "message": {"text": text},
            }
            if location is not None:
                result["locations"] = [{
                    "physicalLocation": {"artifactLocation": {"uri": location}, "region": {"startLine": 1}}
                }]
            result["properties"] = {"confidence": round(f.confidence, 3), "run": printable(run.label)}
            results.append(result)
    notifications = [
        {"level": "error", "message": {"text": printable(f"{e.source}: {e.message}")}} for e in report.errors
    ]
    word, rest = common.verdict(report)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lossdoc",
                "version": __version__,
                "informationUri": "https://pypi.org/project/lossdoc/",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": not report.errors,
                "exitCode": report.exit_code,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {"verdict": printable(f"{word} {rest}")},
        }],
    }


def render(report: Report, **_: Any) -> str:
    return json.dumps(to_dict(report), indent=2, allow_nan=False) + "\n"
