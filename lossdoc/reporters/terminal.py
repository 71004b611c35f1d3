"""The terminal report (``--format rich``).

One run: a header (source, format, axis, points, series read), the curves drawn in braille (train and val loss
on one chart, the val metric on a second) with the best epoch, the primary finding's onset and non-finite points
marked, then the primary diagnosis (why, evidence, ranked causes, remedies), the secondary findings one line
each, and a verdict line that matches the exit code. Several runs: a summary table, worst first, then the detail
of the runs that are not clean (``summary=True``: the table only).

``draw`` renders onto the Console it is given (tests pass one with a fixed width and no colour); ``render``
makes one and returns the text.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lossdoc.model import Finding, Report, RunReport, Severity
from lossdoc.reporters import common
from lossdoc.reporters.safe import guard_lines, printable

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "cyan"}
STATUS_STYLE = {"ok": "bold green", "warn": "bold yellow", "fail": "bold red"}
VERDICT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "ERROR": "bold red"}


def _t(text: object, style: str | None = None) -> Text:
    """Text that may hold a log's words (names, paths, messages that quote them): escaped, never markup."""
    return Text(printable(text), style=style or "")


def _rows_text(rows) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    for i, row in enumerate(rows):
        if i:
            text.append("\n")
        for part, style in row:
            text.append(printable(part), style=style)
    return text


def _legend(items: list[tuple[str, str | None]], width: int) -> Text:
    text = Text()
    col = 0
    for i, (raw, style) in enumerate(items):
        item = printable(raw)
        if i:
            if col + 3 + len(item) > width:
                text.append("\n")
                col = 0
            else:
                text.append("   ")
                col += 3
        text.append(item, style=style)
        col += len(item)
    return text


def _header(rr: RunReport) -> list[Any]:
    run = rr.run
    head = Text()
    head.append(printable(run.source), style="bold")
    if run.name and run.name != run.source:
        head.append(f"  ({printable(run.name)})", style="bold")
    out: list[Any] = [head, _t(common.header_facts(rr), "dim")]
    out.append(Text.assemble(("series ", "dim"), printable(common.series_line(rr))))
    for note in run.notes:
        out.append(_t(f"note: {note}", "dim"))
    return out


def _series_table(rr: RunReport) -> Table:
    run = rr.run
    t = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for col in ("series", "role", "axis", "points", "non-finite"):
        t.add_column(col, justify="right" if col in ("points", "non-finite") else "left")
    main = {s.name for s in (run.train_loss, run.val_loss) if s is not None}
    for s in run.series.values():
        mark = "*" if s.name in main else " "
        t.add_row(_t(f"{mark}{s.name}"), s.role, s.axis, f"{len(s):,}", str(s.nonfinite) if s.nonfinite else "")
    return t


def _charts(rr: RunReport, width: int) -> list[Any]:
    out: list[Any] = []
    for spec in common.charts(rr, width):
        out.append(Text(""))
        out.append(_t(spec.title, "bold"))
        out.append(_rows_text(spec.rows))
        if spec.legend:
            out.append(_legend(spec.legend, width))
    return out


def _primary(f: Finding) -> Panel:
    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold", no_wrap=True)
    body.add_column(overflow="fold")
    body.add_row("why", _t(common.why(f)))
    if f.why.strip() and f.message.strip() != f.why.strip():
        body.add_row("what", _t(f.message))
    ev = common.evidence_items(f)
    if ev:
        body.add_row("evidence", _t("; ".join(ev)))
    for i, c in enumerate(f.causes, 1):
        body.add_row("causes" if i == 1 else "", _t(f"{i}. {c}"))
    for i, r in enumerate(f.remedies, 1):
        body.add_row("do" if i == 1 else "", _t(f"{i}. {r}"))
    title = Text.assemble(
        (f"{f.severity.label.upper()} ", SEVERITY_STYLE[f.severity]),
        (f"{f.code} {f.name}", "bold"),
    )
    facts = [w for w in (common.where(f) and f"from {common.where(f)}",) if w]
    facts.append(f"confidence {f.confidence:.2f}")
    subtitle = Text(" · ".join(facts))
    return Panel(
        body,
        title=title,
        title_align="left",
        subtitle=subtitle,
        subtitle_align="right",
        border_style=SEVERITY_STYLE[f.severity].split()[-1],
    )


def _secondary(f: Finding) -> Text:
    line = Text("also ")
    line.append(f"{f.severity.label} ", style=SEVERITY_STYLE[f.severity])
    line.append(f"{f.code} {f.name}", style="bold")
    where = common.where(f)
    if where:
        line.append(f" ({where})", style="dim")
    line.append(f": {printable(f.message)}")
    return line


def run_detail(rr: RunReport, report: Report, width: int, verbose: bool = False) -> Group:
    parts: list[Any] = _header(rr)
    if verbose:
        parts.append(_series_table(rr))
    parts += _charts(rr, width)
    parts.append(Text(""))
    if rr.primary is None:
        parts.append(Text(printable(common.no_finding(rr)), style="green" if not rr.judged_nothing else "yellow"))
    else:
        parts.append(_primary(rr.primary))
        for f in rr.findings[1:]:
            parts.append(_secondary(f))
    if verbose:
        for e in rr.explained:
            parts.append(_t(f"explained {e.finding.code} {e.finding.name} by {e.by}: {e.reason}", "dim"))
        for s in rr.skipped:
            parts.append(_t(f"skipped {s.code} {s.name}: {s.reason}", "dim"))
    status = rr.status(report.fail_on)
    parts.append(Text.assemble(("status ", "dim"), (status, STATUS_STYLE[status])))
    return Group(*parts)


def shorten(label: str, width: int) -> str:
    """A run name cut in the middle to ``width`` characters (the start and the end say most: sweep/lr=0.1/seed=3),
    never wrapped into pieces."""
    if len(label) <= width:
        return label
    keep = max(width - 1, 2)
    head = (keep + 1) // 2
    return label[:head] + "…" + label[len(label) - (keep - head) :]


def summary_table(report: Report, width: int = 100) -> Table:
    """The runs, worst first, one line each: the columns keep their natural width and the run names are shortened
    in the middle so that the table fits ``width`` columns."""
    labels = common.short_labels(report)
    rows = []
    for rr in common.worst_first(report):
        row = common.summary_row(rr, report, labels[id(rr)])
        rows.append((printable(row.run), row.status, printable(row.diagnosis), printable(row.best),
                     printable(row.final_train), printable(row.final_val)))
    heads = ("run", "status", "diagnosis", "best", "train", "val")
    natural = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
    room = width - sum(natural[1:]) - 2 * (len(heads) - 1)
    run_width = min(natural[0], max(room, 12))
    t = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    t.add_column("run", no_wrap=True, width=run_width)
    t.add_column("status", no_wrap=True)
    t.add_column("diagnosis", no_wrap=True, overflow="ellipsis")
    t.add_column("best", no_wrap=True)
    t.add_column("train", justify="right", no_wrap=True)
    t.add_column("val", justify="right", no_wrap=True)
    for run, status, diagnosis, best, final_train, final_val in rows:
        t.add_row(Text(shorten(run, run_width)), Text(status, style=STATUS_STYLE[status]), Text(diagnosis),
                  Text(best), Text(final_train), Text(final_val))
    return t


def verdict(report: Report) -> Text:
    word, rest = common.verdict(report)
    return Text.assemble((f"{word} ", VERDICT_STYLE[word]), printable(rest))


def draw(report: Report, console: Console, verbose: bool = False, summary: bool = False, quiet: bool = False) -> None:
    width = console.width
    if quiet:
        console.print(verdict(report))
        return
    if len(report.runs) == 1 and not summary:
        console.print(run_detail(report.runs[0], report, width, verbose))
    elif report.runs:
        console.print(Text(f"{len(report.runs)} runs, worst first (train, val: the last logged losses)", style="bold"))
        console.print(summary_table(report, width))
        if not summary:
            shown = [rr for rr in common.worst_first(report) if rr.status(report.fail_on) != "ok"]
            for rr in shown:
                console.print()
                console.rule(_t(rr.run.label, "bold"), align="left", style="dim")
                console.print(run_detail(rr, report, width, verbose))
    for note in report.notes:
        console.print(_t(f"note: {note}", "dim"))
    for e in report.errors:
        console.print(Text.assemble(("error: ", "bold red"), printable(f"{e.source}: {e.message}")))
    console.print()
    console.print(verdict(report))


def render(
    report: Report,
    *,
    width: int | None = 100,
    color: bool = False,
    verbose: bool = False,
    summary: bool = False,
    quiet: bool = False,
    **_: Any,
) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width or 100,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        legacy_windows=False,
    )
    draw(report, console, verbose=verbose, summary=summary, quiet=quiet)
    return guard_lines(buf.getvalue())
