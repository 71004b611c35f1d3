"""JUnit XML (``--format junit``), for CI systems that show test reports: one test suite, one test case per run.

A run whose status is ``fail`` (a finding at or above ``--fail-on``) is a failed test case, its findings in the
failure's text; a run with findings below the gate passes with them in ``system-out``; an input that could not be
read is a test case with an ``error``. Log text is made printable (XML 1.0 cannot even carry most control
characters) and XML-escaped, attributes quoted."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lossdoc.model import Report
from lossdoc.reporters import common
from lossdoc.reporters.safe import printable


def _text(s: object) -> str:
    return escape(printable(s))


def _attr(s: object) -> str:
    return quoteattr(printable(s))


def _findings(rr) -> str:
    lines = []
    for f in rr.findings:
        where = f" ({common.where(f)})" if common.where(f) else ""
        lines.append(f"{f.severity.label} {f.code} {f.name}{where}: {f.message}")
        lines += [f"  do: {r}" for r in f.remedies[:1]]
    return "\n".join(lines)


def render(report: Report, **_: Any) -> str:
    labels = common.short_labels(report)
    cases = []
    failures = 0
    for rr in report.runs:
        run = rr.run
        head = f"    <testcase classname={_attr('lossdoc.' + run.format)} name={_attr(labels[id(rr)])} time=\"0\">"
        status = rr.status(report.fail_on)
        body = _findings(rr)
        if status == "fail":
            failures += 1
            p = rr.primary
            msg = f"{p.severity.label} {p.code} {p.name}: {p.message}"
            cases.append(f"{head}\n      <failure message={_attr(msg)} type={_attr(p.name)}>{_text(body)}</failure>"
                         "\n    </testcase>")
        elif body:
            cases.append(f"{head}\n      <system-out>{_text(body)}</system-out>\n    </testcase>")
        else:
            cases.append(f"{head}</testcase>")
    for e in report.errors:
        cases.append(
            f"    <testcase classname=\"lossdoc.input\" name={_attr(e.source)} time=\"0\">\n"
            f"      <error message={_attr(e.message)} type=\"input-error\">{_text(e.source + ': ' + e.message)}</error>"
            "\n    </testcase>"
        )
    word, rest = common.verdict(report)
    tests = len(report.runs) + len(report.errors)
    suite = (f'  <testsuite name="lossdoc" tests="{tests}" failures="{failures}" errors="{len(report.errors)}" '
             f'skipped="0" time="0">')
    props = f"    <properties>\n      <property name=\"verdict\" value={_attr(word + ' ' + rest)}/>\n    </properties>"
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', f'<testsuites name="lossdoc" tests="{tests}" '
                      f'failures="{failures}" errors="{len(report.errors)}">', suite, props, *cases,
                      "  </testsuite>", "</testsuites>"]) + "\n"
