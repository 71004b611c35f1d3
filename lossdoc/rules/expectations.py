"""Family 4 (LD4xx): what the run was expected to reach, as the user wrote it (``--expect``, ``expect = [...]``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lossdoc.errors import ConfigError
from lossdoc.expect import Expect, ExpectationError, evaluate, parse_all
from lossdoc.model import Finding, Run, Severity
from lossdoc.rules.base import Param, Rule
from lossdoc.signals import fmt_num, fmt_x


class Expectation(Rule):
    """A plain expectation about the run is not met (``--expect "final(val_accuracy) >= 0.9"``).

    What it detects:
        Each expectation given with --expect, or as expect = [...] in [tool.lossdoc], is checked on every run:
        best, final, min or max of a named series, its value at a step or epoch, or the steps it took to reach a
        level (steps_to), compared with a number. One finding per expectation that is not met, with the value
        the run reached and where. A run that ended NaN meets no expectation on its final value.

    Why it matters:
        The failure modes say whether training behaved; an expectation says whether it delivered what this
        project needs (an accuracy, a loss, a speed). A pull request that trains without a failure mode can
        still miss the bar, and a CI gate should say so in plain numbers.

    Likely causes:
        A regression in the code, the data or the hyper-parameters (compare the run with a baseline:
        lossdoc compare), a run stopped too early, a failure mode reported next to this finding, or an
        expectation stricter than this setup can reach.

    What to do:
        Look at the other findings of the run first; compare it with the last run that met the expectation
        (lossdoc compare BASELINE CANDIDATE); if the bar itself is wrong for this setup, change the expectation
        in [tool.lossdoc] expect.
    """

    judges_shape = False
    code = "LD401"
    name = "expectation"
    severity = Severity.ERROR
    requires = ()
    precedence = 200  # the failure modes explain; an unmet expectation is listed after them at the same severity
    params = {
        "expect": Param([], "expectations such as 'final(val_accuracy) >= 0.9' (also --expect, or expect = [...])"),
    }

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        texts = self.p["expect"]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ConfigError("rules.expectation.expect: expected a list of strings")
        try:
            self.parsed: list[Expect] = parse_all(list(texts), where="expect")
        except ExpectationError as exc:
            raise ConfigError(str(exc)) from None

    def check(self, run: Run) -> Iterable[Finding]:
        for e in self.parsed:
            out = evaluate(e, run)
            if out.ok:
                continue
            where = f" at {out.axis} {fmt_x(out.x)}" if out.x is not None and e.func not in ("steps_to", "epochs_to") else ""
            got = _value_text(e, out.value, out.axis)
            detail = f" ({out.detail})" if out.detail else ""
            message = f"{e.value_text()} is {got}{where}{detail}; expected {e.op} {_threshold_text(e)}"
            yield self.finding(
                message,
                confidence=1.0,
                series=[out.series],
                onset=out.x if e.func not in ("steps_to", "epochs_to") else None,
                axis=out.axis if out.x is not None else None,
                evidence={"expect": e.text, "value": out.value, "op": e.op, "threshold": e.threshold,
                          "series": out.series, "at": out.x, "axis": out.axis},
                why=f"The run was expected to meet {e.describe()}, and it does not.",
                causes=["a regression in the code, data or hyper-parameters (lossdoc compare against the last run "
                        "that met it)", "training stopped too early", "the expectation is stricter than this "
                        "setup reaches"],
                remedies=["look at the run's other findings first",
                          "compare with the last run that met it: lossdoc compare BASELINE CANDIDATE",
                          "if the bar is wrong for this setup, change it in [tool.lossdoc] expect"],
            )


def _value_text(e: Expect, value: float, axis: str | None) -> str:
    if e.func in ("steps_to", "epochs_to"):
        unit = axis or ("epoch" if e.func == "epochs_to" else "step")
        if value == float("inf"):
            return "never"
        return f"{unit} {fmt_x(value)}"
    return fmt_num(value)


def _threshold_text(e: Expect) -> str:
    if e.func in ("steps_to", "epochs_to"):
        return fmt_x(e.threshold)
    return fmt_num(e.threshold)
