"""The README says what lossdoc does: the order of the primary diagnosis, the --plot formats, the formats and
options it lists are the ones the code has."""

from __future__ import annotations

import re
from pathlib import Path

from lossdoc.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_primary_order_in_readme_is_the_engines():
    from lossdoc.rules import ALL_RULES

    m = re.search(r"the most fundamental \(([^)]*)\)", README)
    assert m, "the README's Rules section names the order of the primary diagnosis"
    named = [w.strip() for w in m.group(1).replace("\n", " ").split(",")]
    assert named[-1] == "then the info modes"
    engine = [r.name for r in sorted(ALL_RULES, key=lambda r: r.precedence) if r.severity.label != "info"]
    assert named[:-1] == engine
    assert "- `primary` is the name of the first finding, the primary diagnosis" in README


def test_plot_formats_documented(runner):
    for suffix in (".png", ".svg", ".pdf"):
        assert suffix in README.split("**`--plot")[1][:40]
    help_text = runner.invoke(app, ["analyze", "--help"], terminal_width=200).output
    assert ".pdf" in help_text
