"""The rich terminal report: per run a header, the primary diagnosis with its evidence, causes and remedies,
the secondary findings one line each, and a verdict line that matches the exit code.

``render`` draws onto the Console it is given (tests pass one with a fixed width and no colour); without one it
draws into a string at the given width.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lossdoc.model import Finding, Report, RunReport, Severity
from lossdoc.signals import fmt_num, fmt_x

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "cyan"}
STATUS_STYLE = {"ok": "bold green", "warn": "bold yellow", "fail": "bold red"}


def _evidence_text(f: Finding) -> str:
    parts = []
    for k, v in f.evidence.items():
        if v is None or v == [] or v == "":
            continue
        if isinstance(v, float):
            v = fmt_num(v)
        elif isinstance(v, list):
            v = ", ".join(str(x) for x in v)
        parts.append(f"{k.replace('_', ' ')}: {v}")
    return "; ".join(parts)


def _primary(f: Finding) -> Panel:
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold", no_wrap=True)
    body.add_column(overflow="fold")
    body.add_row("what", Text(f.message))
    where = f"{f.axis} {fmt_x(f.onset)}" if f.onset is not None and f.axis else "-"
    body.add_row("onset", Text(where))
    body.add_row("confidence", Text(f"{f.confidence:.2f}"))
    ev = _evidence_text(f)
    if ev:
        body.add_row("evidence", Text(ev))
    for i, c in enumerate(f.causes, 1):
        body.add_row("causes" if i == 1 else "", Text(f"{i}. {c}"))
    for i, r in enumerate(f.remedies, 1):
        body.add_row("do" if i == 1 else "", Text(f"{i}. {r}"))
    title = Text.assemble((f"{f.severity.label.upper()} ", SEVERITY_STYLE[f.severity]), (f"{f.code} {f.name}", "bold"))
    return Panel(body, title=title, title_align="left", border_style=SEVERITY_STYLE[f.severity].split()[-1])


def _run(rr: RunReport, report: Report, verbose: bool) -> Group:
    run = rr.run
    parts: list[Any] = []
    head = Text()
    head.append(run.label, style="bold")
    head.append(f"  [{run.format}, {run.axis} axis]", style="dim")
    parts.append(head)
    series = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for col in ("series", "role", "axis", "points", "non-finite"):
        series.add_column(col, justify="right" if col in ("points", "non-finite") else "left")
    main = {s.name for s in (run.train_loss, run.val_loss) if s is not None}
    shown = [s for s in run.series.values() if s.kind != "other" or verbose]
    for s in shown:
        mark = "*" if s.name in main else " "
        series.add_row(f"{mark}{s.name}", s.role, s.axis, f"{len(s):,}", str(s.nonfinite) if s.nonfinite else "")
    parts.append(series)
    for note in run.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    if rr.primary is None:
        parts.append(Text("No failure mode fits these curves.", style="green"))
    else:
        parts.append(_primary(rr.primary))
        for f in rr.findings[1:]:
            line = Text("  also ")
            line.append(f"{f.severity.label} ", style=SEVERITY_STYLE[f.severity])
            line.append(f"{f.code} {f.name}: ", style="bold")
            line.append(f.message)
            parts.append(line)
    if verbose:
        for s in rr.skipped:
            parts.append(Text(f"  skipped {s.code} {s.name}: {s.reason}", style="dim"))
    status = rr.status(report.fail_on)
    parts.append(Text.assemble(("status: ", "dim"), (status, STATUS_STYLE[status])))
    return Group(*parts)


def draw(report: Report, console: Console, verbose: bool = False) -> None:
    for i, rr in enumerate(report.runs):
        if i:
            console.print()
        console.print(_run(rr, report, verbose))
    for e in report.errors:
        console.print(Text.assemble(("error: ", "bold red"), f"{e.source}: {e.message}"))
    console.print()
    console.print(verdict(report))


def verdict(report: Report) -> Text:
    code = report.exit_code
    n_runs = len(report.runs)
    counts = {sev: sum(1 for rr in report.runs for f in rr.findings if f.severity == sev) for sev in Severity}
    summary = ", ".join(f"{n} {sev.label}" + ("s" if n != 1 else "") for sev, n in sorted(counts.items(), reverse=True))
    gate = "never" if report.fail_on is None else report.fail_on.label
    if code == 2:
        word, style = "ERROR", "bold red"
        why = f"{len(report.errors)} input(s) could not be read"
    elif code == 1:
        word, style = "FAIL", "bold red"
        why = f"findings at or above --fail-on {gate}"
    else:
        word, style = "PASS", "bold green"
        why = f"nothing at or above --fail-on {gate}"
    return Text.assemble(
        (f"{word} ", style), f"{n_runs} run(s): {summary}; {why} (exit {code})"
    )


def render(report: Report, *, width: int | None = 100, color: bool = False, verbose: bool = False, **_: Any) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf, width=width or 100, force_terminal=color, no_color=not color, highlight=False, soft_wrap=False
    )
    draw(report, console, verbose=verbose)
    return buf.getvalue()
