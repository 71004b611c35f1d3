"""Reporters: each turns a Report into text. ``REPORTERS`` maps a --format name to its render function.

A reporter never decides anything: the findings, status and exit code all come from the Report.
"""

from __future__ import annotations

from typing import Callable

from lossdoc.model import Report


def _json(report: Report, **kw) -> str:
    from lossdoc.reporters.json import render

    return render(report, **kw)


def _rich(report: Report, **kw) -> str:
    from lossdoc.reporters.terminal import render

    return render(report, **kw)


REPORTERS: dict[str, Callable[..., str]] = {"rich": _rich, "json": _json}
