"""GitHub Actions workflow commands (``--format github``): one annotation per finding at warning or above,
``::error title=lossdoc overfitting,file=...::message``, one per input error, and a closing notice with the
verdict. Escaping follows the runner's rules: in the message % CR LF become %25 %0D %0A; in property values
also : and , become %3A and %2C. Text from the log (names, paths, messages quoting them) is first made printable
(control characters shown escaped), so it can neither start a line nor carry terminal escapes into the job log."""

from __future__ import annotations

from typing import Any

from lossdoc.model import Report, Severity
from lossdoc.reporters import common
from lossdoc.reporters.safe import printable


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: str | None) -> str:
    given = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v)
    return f"::{kind}{' ' + given if given else ''}::{escape_data(message)}"


def _is_file(source: str) -> bool:
    return not source.startswith("<") and " + " not in source


#: GitHub shows at most this many error and this many warning annotations of one step; the rest are dropped
#: without a word, so lossdoc stops there and says how many more there are.
MAX_PER_KIND = 10


def render(report: Report, **_: Any) -> str:
    lines = []
    shown = {"error": 0, "warning": 0}
    hidden = {"error": 0, "warning": 0}

    def annotate(kind: str, message: str, **props: str | None) -> None:
        if shown[kind] >= MAX_PER_KIND:
            hidden[kind] += 1
            return
        shown[kind] += 1
        lines.append(command(kind, message, **props))

    for rr in report.runs:
        run = rr.run
        for f in rr.findings:
            if f.severity < Severity.WARNING:
                continue
            kind = "error" if f.severity >= Severity.ERROR else "warning"
            where = f" from {common.where(f)}" if common.where(f) else ""
            message = printable(f"{run.label}: {f.code} {f.name}{where}: {f.message}")
            if f.remedies:
                message += f"\nwhat to do: {printable(f.remedies[0])}"
            file = printable(run.source) if _is_file(run.source) else None
            annotate(kind, message, title=f"lossdoc {f.name}", file=file)
    for e in report.errors:
        annotate("error", printable(f"{e.source}: {e.message}"), title="lossdoc input error")
    if hidden["error"] or hidden["warning"]:
        more = " and ".join(
            f"{n} more {kind}{'s' if n != 1 else ''}" for kind, n in hidden.items() if n
        )
        lines.append(command(
            "notice",
            f"{more} not shown as annotations (GitHub shows {MAX_PER_KIND} errors and {MAX_PER_KIND} warnings per "
            "step); the whole report: lossdoc analyze --format markdown",
            title="lossdoc: more findings",
        ))
    word, rest = common.verdict(report)
    lines.append(command("notice", printable(f"{word} {rest}"), title="lossdoc"))
    return "\n".join(lines) + "\n"
