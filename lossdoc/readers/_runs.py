"""Points gathered from a tool's log, run by run, for the readers of logs that several trainings append to.

A tool that appends to one file (detectron2's ``metrics.json``, fairseq's ``train.log``, a shell ``>>``) starts a
new training where its counter (iteration, step, num_updates, epoch) goes back to about its first value: each such
segment is a run of its own, named ``<file> (run i of n)``. Other readers keep the latest segment
(``base.cut_restarts``); these tools say plainly which counter is theirs, so no training is dropped. A counter
that goes back to a point inside the training's range is the run resumed from a checkpoint (``base.new_training``,
the one rule for every reader): its points from that value on are replaced by the resumed run's, in the same run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lossdoc.model import Run
from lossdoc.naming import is_bookkeeping, resolve
from lossdoc.readers.base import RESUMED, build_series, new_training


@dataclass
class _Segment:
    points: dict[str, tuple[list[float], list[float], list[float]]] = field(default_factory=dict)
    ticks: dict[str, list[float]] = field(default_factory=dict)  # the counter when each point was added
    counters: list[float] = field(default_factory=list)  # the counter's values, in order (its usual increment)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    first: float | None = None
    last: float | None = None
    line: int = 0  # the line the segment starts at


class RunPoints:
    """Series points of the runs in one log. ``tick`` gives the tool's counter at each record; a value below the
    previous one starts a new run. ``add`` records one value at (step, epoch); ``build`` makes the Runs."""

    def __init__(self, counter: str = "step", splice_resumes: bool = False) -> None:
        self.counter = counter
        # Whether a counter that goes back inside the training's range is a resume from a checkpoint (spliced) or,
        # as by default, another training appended to the log (a run of its own). A tool's log cannot say which
        # from the counter alone: a Hugging Face Trainer started again for 10 epochs logs its first epoch inside
        # the range of a 3-epoch training before it (real log 49 of ../shared/real-logs, counted as two runs).
        self.splice_resumes = splice_resumes
        self.segments: list[_Segment] = [_Segment(line=1)]
        self.roles: dict[str, dict[str, str]] = {}  # name -> build_series keyword arguments (split, role name)
        self._last: float | None = None
        self._ended = False
        self.seen: dict[str, None] = {}  # every name met, series or not (for the "no series" error)

    @property
    def current(self) -> _Segment:
        return self.segments[-1]

    def _start(self, line: int) -> None:
        if self.current.points or self.current.meta:
            self.segments.append(_Segment(line=line))
        self._last = None
        self._ended = False

    def tick(self, x: float | None, line: int = 0) -> None:
        """The counter at a record (line ``line``): below the last one (or after ``end_run``), a new run starts."""
        if self._ended:
            self._start(line)
        if x is None or not math.isfinite(x):
            return
        if self._last is not None and x < self._last:
            seg = self.current
            if (self.splice_resumes and seg.first is not None
                    and not new_training(x, seg.first, _increment(seg.counters))):
                self._resume(x)
            else:
                self._start(line)
        self._last = x
        seg = self.current
        seg.first = x if seg.first is None else seg.first
        seg.last = x
        if not seg.counters or seg.counters[-1] != x:
            seg.counters.append(x)

    def _resume(self, x: float) -> None:
        """The run resumed from a checkpoint at counter ``x``: the points added since the counter first reached
        ``x`` (logged after the checkpoint, before the crash) are dropped; the resumed run's replace them."""
        seg = self.current
        dropped: set[float] = set()
        names: list[str] = []
        for name, (vals, steps, epochs) in seg.points.items():
            ticks = seg.ticks.get(name, [])
            late = [i for i, t in enumerate(ticks) if t >= x]
            if not late:
                continue
            cut = late[0]
            dropped.update(t for t in ticks[cut:] if math.isfinite(t))
            names.append(name)
            del vals[cut:], steps[cut:], epochs[cut:], ticks[cut:]
        seg.counters = [c for c in seg.counters if c < x]
        if dropped:
            self.note(RESUMED.format(axis=self.counter, x=x, n=len(dropped)).replace("point(s)", "record(s)"))
            got = seg.meta.setdefault("resumed", [])  # as base.finish_run records it: the series spliced
            got.extend(n for n in names if n not in got)

    def end_run(self) -> None:
        """The tool said the training ended (a final summary): the next record belongs to a new run."""
        self._ended = True

    def add(self, name: str, value: float, step: float = math.nan, epoch: float = math.nan, *,
            replace_same_x: bool = False, **role: str) -> None:
        """One value of ``name`` at (step, epoch); ``role`` holds ``loss_split``/``metric_split``/``role_name`` for
        ``build_series`` (the first seen for a name is kept). ``replace_same_x``: a value at the same step and epoch
        as the name's previous point replaces it (a line redrawn or repeated)."""
        if self._ended:
            self._start(0)
        self.seen.setdefault(name, None)
        if name not in self.roles:
            self.roles[name] = role
        vals, steps, epochs = self.current.points.setdefault(name, ([], [], []))
        if replace_same_x and vals and _same(steps[-1], step) and _same(epochs[-1], epoch):
            vals[-1] = value
            return
        vals.append(value)
        steps.append(step)
        epochs.append(epoch)
        self.current.ticks.setdefault(name, []).append(math.nan if self._last is None else self._last)

    def note(self, text: str) -> None:
        if text not in self.current.notes:
            self.current.notes.append(text)

    def build(self, label: str, fmt: str) -> list[Run]:
        """One Run per segment that holds series (names that are bookkeeping left out)."""
        segs = [s for s in self.segments if any(not is_bookkeeping(n) for n in s.points)]
        # A segment with no loss beside segments with one (detectron2 writing an evaluation-statistics record at a
        # later iteration before the first loss record) is not a training of its own: it is left out, and said.
        lossy = [s for s in segs if any(resolve(self.roles.get(n, {}).get("role_name") or n).kind == "loss"
                                        for n in s.points)]
        dropped = [s for s in segs if s not in lossy] if lossy else []
        segs = lossy or segs
        runs = []
        n = len(segs)
        base = Path(label).name or label
        for i, seg in enumerate(segs, start=1):
            run = Run(source=label, format=fmt, name=f"{base} (run {i} of {n})" if n > 1 else None)
            for name, (vals, steps, epochs) in seg.points.items():
                role = self.roles.get(name, {})
                if is_bookkeeping(role.get("role_name") or name):
                    continue
                st = np.asarray(steps, dtype=np.float64)
                ep = np.asarray(epochs, dtype=np.float64)
                run.add(
                    build_series(
                        name,
                        np.asarray(vals, dtype=np.float64),
                        steps=st if np.isfinite(st).any() else None,
                        epochs=ep if np.isfinite(ep).any() else None,
                        **role,
                    )
                )
            if n > 1:
                span = "" if seg.first is None else f", {self.counter} {seg.first:g} to {seg.last:g}"
                run.notes.append(
                    f"the {self.counter} counter goes back {n - 1} time(s) in this file: {n} trainings appended "
                    f"to one log, read as {n} runs; this is run {i} (from line {seg.line}{span})"
                )
            run.notes.extend(seg.notes)
            for d in dropped:
                names = sorted(d.points)
                shown = ", ".join(names[:4]) + (f", ... ({len(names)} in all)" if len(names) > 4 else "")
                run.notes.append(f"the record(s) from line {d.line} hold no loss (only {shown}): left out, not read "
                                 "as a run of their own")
            run.meta.update(seg.meta)
            runs.append(run)
        return runs


def _increment(counters: list[float]) -> float:
    """The counter's usual increase from one record to the next (the median positive step; 1 if none)."""
    d = np.diff(np.asarray(counters, dtype=np.float64))
    d = d[d > 0]
    return float(np.median(d)) if len(d) else 1.0


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def to_float(v: Any) -> float | None:
    """A logged value as a float: numbers, and strings that hold one ("2.03", "nan", "INF", "1.2E+01");
    None for anything else (text, booleans, lists)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if not s or len(s) > 64 or "_" in s:
            return None
        try:
            return float(s)
        except ValueError:
            return None
    return None
