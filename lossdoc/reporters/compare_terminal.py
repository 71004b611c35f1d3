"""The terminal report of ``lossdoc compare`` (``--format rich``): the two sides, then for each pair (worst first;
with several pairs a summary table comes first and only the pairs that fail are detailed) the two runs overlaid
on one braille chart (baseline dim, candidate bright), the table of deltas, the seeds, the findings that are new,
fixed or still there, and the verdict in words, which matches the exit code."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from lossdoc.compare import Comparison, Pair, delta_text, verdict
from lossdoc.reporters import compare_common as cc
from lossdoc.reporters.safe import guard_lines, printable

STATUS_STYLE = {"worse": "bold red", "slower": "bold red", "better": "bold green", "faster": "green",
                "same": "", "-": "dim"}
CHANGE_STYLE = {"new": "bold red", "fixed": "bold green", "still": "dim"}
VERDICT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "ERROR": "bold red"}


def _t(text: object, style: str | None = None) -> Text:
    """Text that may hold a log's words: escaped, never markup."""
    return Text(printable(text), style=style or "")


def _chart(p: Pair, width: int) -> list[Any]:
    spec = cc.overlay(p, width)
    body = Text(no_wrap=True, overflow="crop")
    for i, row in enumerate(spec.rows):
        if i:
            body.append("\n")
        for part, style in row:
            body.append(printable(part), style=style)
    legend = Text()
    for i, (item, style) in enumerate(spec.legend):
        if i:
            legend.append("   ")
        legend.append(printable(item), style=style)
    return [_t(spec.title, "bold"), body, legend]


def _table(p: Pair) -> Table:
    t = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for col, justify in (("", "left"), ("baseline", "right"), ("candidate", "right"), ("delta", "right"),
                         ("band", "right"), ("", "left")):
        t.add_column(col, justify=justify, no_wrap=True)
    for r in cc.rows(p):
        what = _t(r.what, "bold" if r.gates else None)
        t.add_row(what, _t(r.baseline), _t(r.candidate), _t(r.delta), _t(r.band), Text(r.status, STATUS_STYLE[r.status]))
    return t


def pair_detail(p: Pair, width: int, verbose: bool = False) -> Group:
    parts: list[Any] = [_t(cc.pair_facts(p), "dim")]
    parts += _chart(p, width)
    parts.append(Text(""))
    parts.append(_table(p))
    note = cc.speed_note(p)
    if note:
        parts.append(_t(note, "dim"))
    for line in cc.seeds_lines(p):
        parts.append(_t(f"seeds: {line}"))
    for f in p.findings:
        line = cc.finding_line(f)
        head, _, rest = line.partition(": ")
        parts.append(Text.assemble((head, CHANGE_STYLE[f.change]), ": ", printable(rest)))
    for n in p.notes:
        parts.append(_t(f"note: {n}", "dim"))
    style = "bold red" if p.status == "fail" else "bold green"
    parts.append(_t(cc.verdict_line(p), style))
    return Group(*parts)


def summary_table(cmp: Comparison) -> Table:
    t = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    for col in ("pair", "status", "verdict", "best", "final", "new findings"):
        t.add_column(col, overflow="fold" if col in ("pair", "new findings") else "ellipsis")
    for p in cc.worst_first(cmp):
        best, final = p.delta("best"), p.delta("final")
        new = ", ".join(f.name + ("" if f.gates else " (borderline)") for f in p.findings if f.change == "new") or "-"
        t.add_row(
            _t(p.name),
            Text(p.status, "bold red" if p.status == "fail" else "bold green"),
            _t(p.verdict),
            _t(delta_text(p, best) if best else "-"),
            _t(delta_text(p, final) if final else "-"),
            _t(new),
        )
    return t


def draw(cmp: Comparison, console: Console, verbose: bool = False, summary: bool = False) -> None:
    width = console.width
    for i, line in enumerate(cc.header_lines(cmp)):
        console.print(_t(line, "bold" if i < 2 else "dim"))
    if len(cmp.pairs) == 1 and not summary:
        console.print()
        console.print(pair_detail(cmp.pairs[0], width, verbose))
    elif cmp.pairs:
        console.print()
        n = len(cmp.pairs)
        console.print(Text(f"{n} pair{'s' if n != 1 else ''}, worst first", style="bold"))
        console.print(summary_table(cmp))
        if not summary:
            for p in cc.worst_first(cmp):
                if p.status != "fail" and not verbose:
                    continue
                console.print()
                console.rule(_t(p.name, "bold"), align="left", style="dim")
                console.print(pair_detail(p, width, verbose))
    for n in cmp.notes:
        console.print(_t(f"note: {n}", "dim"))
    for e in cmp.errors:
        console.print(Text.assemble(("error: ", "bold red"), printable(f"{e.source}: {e.message}")))
    console.print()
    word, rest = verdict(cmp)
    console.print(Text.assemble((f"{word} ", VERDICT_STYLE[word]), printable(rest)))


def render(cmp: Comparison, *, width: int | None = 100, color: bool = False, verbose: bool = False,
           summary: bool = False, **_: Any) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, soft_wrap=False, emoji=False,
                      legacy_windows=False)
    draw(cmp, console, verbose=verbose, summary=summary)
    return guard_lines(buf.getvalue())
