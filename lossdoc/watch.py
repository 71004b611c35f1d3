"""``lossdoc watch``: follow a growing log, re-run the rules on what was appended, say each new finding once.

``Watch`` is the loop without I/O of its own beyond reading the log: the CLI feeds its events to a printer. Each
check reads only what was appended (``readers.follow``), re-runs the rules on the runs that changed and yields an
event for every finding not seen before (the run, the position the log had reached when it was seen, the finding).
Live events are the findings at warning or above (an info finding such as still-improving says nothing
while the run is still going; the final report has them all). It ends when the run ends (nothing new for ``idle`` seconds, or the log says the run is over), or at once when a
finding at ``exit_on`` or above appears; the final report is then a full read of the path, as ``lossdoc analyze``
makes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lossdoc.config import Config
from lossdoc.model import Finding, Report, Run, RunReport, Severity


@dataclass
class Event:
    """A finding seen for the first time while the log grew."""

    run: Run
    finding: Finding
    seen_axis: str
    seen_at: float | None  # the last position the run had reached on seen_axis when the finding appeared

    def to_dict(self) -> dict[str, Any]:
        from lossdoc.model import _jsonable

        return _jsonable({
            "event": "finding",
            "source": self.run.source,
            "run": self.run.name,
            "seen_at": {"axis": self.seen_axis, "x": self.seen_at},
            "finding": self.finding.to_dict(),
        })


@dataclass
class Watch:
    """Settings of one watch; ``events()`` runs it, ``report()`` is the final report, ``exit_code`` its verdict."""

    path: str
    config: Config = field(default_factory=Config)
    interval: float = 10.0
    idle: float = 600.0
    exit_on: Severity | None = Severity.ERROR
    train: str | None = None
    val: str | None = None
    max_points: int = 200_000
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    checks: int = 0
    stopped_early: bool = False  # a finding at exit_on appeared
    ended_by: str = ""
    _seen: set = field(default_factory=set)

    def events(self) -> Iterator[Event]:
        from lossdoc.engine import build_rules
        from lossdoc.readers.follow import Follower, ended

        rules = build_rules(self.config)  # bad settings: an error before anything is read
        follower = Follower(self.path, self.config.input_format)
        self.follower = follower
        last_change = self.clock()
        while True:
            self.checks += 1
            changed = follower.poll()
            now = self.clock()
            if changed:
                last_change = now
            over = False
            for key in changed:
                for run in follower.runs(key):
                    rr = self._check(run, rules)
                    if rr is None:
                        continue
                    over |= ended(run)
                    for f in rr.findings:
                        if f.severity < Severity.WARNING:
                            continue  # info (still-improving above all) is for the final report, not news
                        ident = (run.source, run.name, f.name, tuple(f.series))
                        if ident in self._seen:
                            continue
                        self._seen.add(ident)
                        axis = f.axis or run.axis
                        yield Event(run, f, axis, _reached(run, axis))
                        if self.exit_on is not None and f.severity >= self.exit_on:
                            self.stopped_early = True
                            self.ended_by = f"{f.severity.label} {f.code} {f.name}"
                            return
            if over:
                self.ended_by = "the log says the run is over"
                return
            if now - last_change >= self.idle:
                self.ended_by = f"nothing new for {_dur(self.idle)}"
                return
            self.sleep(self.interval)

    def _check(self, run: Run, rules) -> RunReport | None:
        from lossdoc.api import apply_overrides
        from lossdoc.engine import check_run
        from lossdoc.errors import InputError
        from lossdoc.signals import bin_run

        run = bin_run(run, self.max_points)
        per_format = self.config.formats.get(run.format, {})
        try:
            apply_overrides(run, self.train if self.train is not None else per_format.get("train", self.config.train),
                            self.val if self.val is not None else per_format.get("val", self.config.val))
        except InputError:
            return None  # no loss series yet (only a learning rate so far): wait for more
        return check_run(run, rules)

    def report(self) -> Report:
        """The final report: a full read of the path, as ``lossdoc analyze`` makes it."""
        from lossdoc.api import analyze

        return analyze(self.path, config=self.config, train=self.train, val=self.val, max_points=self.max_points)


def _reached(run: Run, axis: str) -> float | None:
    import numpy as np

    best = None
    for s in run.series.values():
        x = s.steps if axis == "step" else s.epochs
        if x is None or not len(x):
            continue
        fin = x[np.isfinite(x)]
        if len(fin):
            m = float(fin.max())
            best = m if best is None else max(best, m)
    return best


def _dur(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def parse_duration(text: str, option: str) -> float:
    """``10s``, ``500ms``, ``10m``, ``1h`` or a number of seconds."""
    from lossdoc.errors import UsageError

    t = str(text).strip().lower()
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if t.endswith(suffix):
            t, mult = t[: -len(suffix)], scale
            break
    else:
        mult = 1.0
    try:
        value = float(t) * mult
    except ValueError:
        value = -1.0
    if not (value > 0 and value < 1e9):
        raise UsageError(f"{option} {text!r}: expected a duration such as 10s, 500ms, 10m or 1h")
    return value
