"""Reporters: each turns a Report into text. ``REPORTERS`` maps a --format name to its render function.

A reporter never decides anything: the findings, status and exit code all come from the Report. Modules are
imported on first use, so ``lossdoc --help`` never pays for rich or numpy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from lossdoc.model import Report

# A new reporter: a module with ``render(report, **options) -> str``, and one line here.
_MODULES = {
    "rich": "terminal",
    "json": "json",
    "markdown": "markdown",
    "github": "github",
    "sarif": "sarif",
    "junit": "junit",
    "statistics": "statistics",
}


def _lazy(module: str) -> Callable[..., str]:
    def render(report: Report, **kw) -> str:
        return importlib.import_module(f"lossdoc.reporters.{module}").render(report, **kw)

    render.__name__ = f"render_{module}"
    return render


REPORTERS: dict[str, Callable[..., str]] = {name: _lazy(mod) for name, mod in _MODULES.items()}
