"""GitHub Actions workflow commands for ``lossdoc compare`` (``--format github``): an ``::error`` for each pair
that is worse beyond tolerance, one for each new finding at warning or above (``::warning`` below error), one per
input error, and a closing notice with the verdict. Escaping as in ``reporters/github.py``: log text is made
printable first, then %-escaped by the workflow-command rules, so it can never start a line of its own."""

from __future__ import annotations

from typing import Any

from lossdoc.compare import Comparison, pair_sentence, verdict
from lossdoc.model import Severity
from lossdoc.reporters import compare_common as cc
from lossdoc.reporters.github import _is_file, command
from lossdoc.reporters.safe import printable


def _file(p) -> str | None:
    src = p.candidate[0][1].run.source if p.candidate else ""
    return printable(src) if src and _is_file(src) else None


def render(cmp: Comparison, **_: Any) -> str:
    lines = []
    for p in cc.worst_first(cmp):
        if p.verdict == "worse":
            message = printable(f"{p.name}: {pair_sentence(p)}")
            lines.append(command("error", message, title="lossdoc compare: worse", file=_file(p)))
        for f in p.findings:
            if f.change != "new" or f.severity < Severity.WARNING:
                continue
            kind = ("error" if f.severity >= Severity.ERROR else "warning") if f.gates else "notice"
            message = printable(f"{p.name}: {cc.finding_line(f)}")
            lines.append(command(kind, message, title=f"lossdoc compare: new {f.name}", file=_file(p)))
    for e in cmp.errors:
        lines.append(command("error", printable(f"{e.source}: {e.message}"), title="lossdoc input error"))
    word, rest = verdict(cmp)
    lines.append(command("notice", printable(f"{word} {rest}"), title="lossdoc compare"))
    return "\n".join(lines) + "\n"
