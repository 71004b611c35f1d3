"""The markdown report (``--format markdown``): a verdict, a summary table, and for each run that is not clean
its diagnosis and its curves as text in a code block. Fit for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment."""

from __future__ import annotations

from typing import Any

from lossdoc.model import Report, RunReport
from lossdoc.reporters import chart, common
from lossdoc.reporters.safe import guard_lines, md_code, md_fence, md_inline, printable

CHART_WIDTH = 80


def _table(report: Report) -> list[str]:
    lines = ["| run | status | diagnosis | best | final train loss | final val loss |", "|---|---|---|---|--:|--:|"]
    labels = common.short_labels(report)
    for rr in common.worst_first(report):
        r = common.summary_row(rr, report, labels[id(rr)])
        status = f"**{r.status}**" if r.status != "ok" else "ok"
        lines.append(
            f"| {md_code(r.run, in_table=True)} | {status} | {md_inline(r.diagnosis)} | {md_inline(r.best)} | {md_inline(r.final_train)} "
            f"| {md_inline(r.final_val)} |"
        )
    return lines


def _run(rr: RunReport, report: Report) -> list[str]:
    run = rr.run
    out = [f"### {md_inline(run.label)}", ""]
    out.append(f"{md_inline(run.source)} · {common.header_facts(rr)}  ")
    out.append(f"series: {md_inline(common.series_line(rr))}")
    out.append("")
    blocks = []
    for spec in common.charts(rr, CHART_WIDTH):
        legend = "   ".join(t for t, _ in spec.legend)
        blocks.append(printable(spec.title) + "\n" + chart.plain(spec.rows) + ("\n" + printable(legend) if legend else ""))
    if blocks:
        body = "\n\n".join(blocks)
        fence = md_fence(body)
        out += [f"{fence}text", body, fence, ""]
    p = rr.primary
    if p is None:
        out += [md_inline(common.no_finding(rr)), ""]
        return out
    facts = [w for w in (common.where(p) and f"from {common.where(p)}",) if w] + [f"confidence {p.confidence:.2f}"]
    out.append(f"**{p.severity.label.upper()} {p.code} {p.name}** ({', '.join(facts)})")
    out.append("")
    out.append(md_inline(common.why(p)))
    out.append("")
    if p.why.strip() and p.message.strip() != p.why.strip():
        out += [f"- **what:** {md_inline(p.message)}"]
    ev = common.evidence_items(p)
    if ev:
        out.append(f"- **evidence:** {md_inline('; '.join(ev))}")
    if p.causes:
        out.append("- **likely causes:** " + "; ".join(f"{i}. {md_inline(c)}" for i, c in enumerate(p.causes, 1)))
    if p.remedies:
        out.append("- **what to do:**")
        out += [f"  {i}. {md_inline(r)}" for i, r in enumerate(p.remedies, 1)]
    for f in rr.findings[1:]:
        where = f" ({md_inline(common.where(f))})" if common.where(f) else ""
        out.append(f"- also **{f.severity.label} {f.code} {f.name}**{where}: {md_inline(f.message)}")
    out.append("")
    return out


def render(report: Report, *, summary: bool = False, **_: Any) -> str:
    word, rest = common.verdict(report)
    out = [f"## lossdoc: {word}", "", f"**{word}** {rest}", ""]
    if len(report.runs) > 1 or summary:
        out += _table(report)
        out.append("")
    if not summary:
        detail = report.runs if len(report.runs) == 1 else [
            rr for rr in common.worst_first(report) if rr.status(report.fail_on) != "ok"
        ]
        for rr in detail:
            out += _run(rr, report)
    for note in report.notes:
        out += [f"_note: {md_inline(note)}_", ""]
    if report.errors:
        out.append("**Inputs that could not be read:**")
        out.append("")
        out += [f"- {md_inline(e.source)}: {md_inline(e.message)}" for e in report.errors]
        out.append("")
    return guard_lines("\n".join(out).rstrip() + "\n")
