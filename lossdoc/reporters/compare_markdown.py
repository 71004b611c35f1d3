"""The markdown report of ``lossdoc compare`` (``--format markdown``), made for a pull-request comment or
``$GITHUB_STEP_SUMMARY``: the verdict first, a summary table when there are several pairs, then per pair (the
failing ones when there are several) the table of deltas, the seeds, the findings and the overlay chart in a code
block. Every name from a log is escaped (``safe.md_inline`` / ``md_code``)."""

from __future__ import annotations

from typing import Any

from lossdoc.compare import Comparison, Pair, delta_text, verdict
from lossdoc.reporters import chart
from lossdoc.reporters import compare_common as cc
from lossdoc.reporters.safe import guard_lines, md_code, md_fence, md_inline, printable

CHART_WIDTH = 80


def _pair(p: Pair) -> list[str]:
    out = [f"### {md_inline(p.name)}", "", md_inline(cc.pair_facts(p)), ""]
    out += ["| | baseline | candidate | delta | band | |", "|---|--:|--:|--:|--:|---|"]
    for r in cc.rows(p):
        what = f"**{md_inline(r.what)}**" if r.gates else md_inline(r.what)
        status = f"**{r.status}**" if r.status in ("worse", "slower") else r.status
        out.append(f"| {what} | {md_inline(r.baseline)} | {md_inline(r.candidate)} | {md_inline(r.delta)} "
                   f"| {md_inline(r.band)} | {status} |")
    out.append("")
    note = cc.speed_note(p)
    if note:
        out += [f"_{md_inline(note)}_", ""]
    for line in cc.seeds_lines(p):
        out.append(f"- seeds: {md_inline(line)}")
    for f in p.findings:
        line = cc.finding_line(f)
        head, _, rest = line.partition(": ")
        out.append(f"- **{md_inline(head)}**: {md_inline(rest)}")
    for n in p.notes:
        out.append(f"- _note: {md_inline(n)}_")
    if cc.seeds_lines(p) or p.findings or p.notes:
        out.append("")
    spec = cc.overlay(p, CHART_WIDTH)
    legend = "   ".join(t for t, _ in spec.legend)
    body = printable(spec.title) + "\n" + chart.plain(spec.rows) + "\n" + printable(legend)
    fence = md_fence(body)
    out += ["<details><summary>curves (baseline and candidate overlaid)</summary>", "", f"{fence}text", body,
            fence, "", "</details>", ""]
    out += [f"**{md_inline(cc.verdict_line(p))}**", ""]
    return out


def _summary(cmp: Comparison) -> list[str]:
    lines = ["| pair | status | verdict | best | final | new findings |", "|---|---|---|--:|--:|---|"]
    for p in cc.worst_first(cmp):
        best, final = p.delta("best"), p.delta("final")
        new = ", ".join(f.name + ("" if f.gates else " (borderline)") for f in p.findings if f.change == "new") or "-"
        status = f"**{p.status}**" if p.status == "fail" else p.status
        lines.append(f"| {md_code(p.name, in_table=True)} | {status} | {p.verdict} | "
                     f"{md_inline(delta_text(p, best) if best else '-')} | "
                     f"{md_inline(delta_text(p, final) if final else '-')} | {md_inline(new)} |")
    return lines


def render(cmp: Comparison, *, summary: bool = False, verbose: bool = False, **_: Any) -> str:
    word, rest = verdict(cmp)
    out = [f"## lossdoc compare: {word}", "", f"**{word}** {md_inline(rest)}", ""]
    out += [md_inline(line) + "  " for line in cc.header_lines(cmp)]
    out.append("")
    if len(cmp.pairs) > 1 or summary:
        out += _summary(cmp)
        out.append("")
    if not summary:
        detail = cmp.pairs if len(cmp.pairs) == 1 or verbose else [p for p in cc.worst_first(cmp)
                                                                     if p.status == "fail"]
        for p in detail:
            out += _pair(p)
    for n in cmp.notes:
        out += [f"_note: {md_inline(n)}_", ""]
    if cmp.errors:
        out += ["**Inputs that could not be read:**", ""]
        out += [f"- {md_inline(e.source)}: {md_inline(e.message)}" for e in cmp.errors]
        out.append("")
    return guard_lines("\n".join(out).rstrip() + "\n")
