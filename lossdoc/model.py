"""The data model every layer shares: Series, Run, Finding, Severity, Report.

Readers produce Runs, rules produce Findings, the engine wraps both in a Report, reporters render it.
Nothing here reads files or prints.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lossdoc.naming import granularity_marker, is_epoch_running_mean, is_total_loss, loss_base


class Severity(enum.IntEnum):
    """Finding severities, ordered so that comparisons mean "at least as bad as"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            valid = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (valid: {valid})") from None


@dataclass
class Series:
    """One named curve as it was logged.

    ``values`` keeps NaN and Inf: they are data. ``steps`` and ``epochs`` are the x positions of each value on
    the step and epoch axes (either may be None when the log does not say; epochs may be fractional, as in
    Hugging Face logs). ``axis`` is the axis the series is naturally read on: "epoch" when it has one point per
    epoch, else "step".
    """

    name: str
    values: np.ndarray
    steps: np.ndarray | None = None
    epochs: np.ndarray | None = None
    split: str | None = None  # train | val | test | None
    kind: str = "other"  # loss | metric | lr | grad_norm | other
    higher_is_better: bool | None = None
    derived: bool = False  # built by lossdoc (e.g. the sum of loss components), not read from the log

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64)
        n = len(self.values)
        for attr in ("steps", "epochs"):
            arr = getattr(self, attr)
            if arr is not None:
                arr = np.asarray(arr, dtype=np.float64)
                if len(arr) != n:
                    raise ValueError(f"series {self.name!r}: {attr} has {len(arr)} entries for {n} values")
                setattr(self, attr, arr)

    def __getstate__(self) -> dict[str, Any]:
        # Caches the rules hang on a series (``_curves``: signals.Curve) stay in the process that made them: a
        # sweep's worker would otherwise send the parent several sorted copies of every million-point curve.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def take(self, idx: np.ndarray, values: np.ndarray | None = None) -> Series:
        """A copy with only the positions ``idx`` (an index or boolean mask), optionally with new values there."""
        return Series(
            self.name,
            self.values[idx] if values is None else values,
            None if self.steps is None else self.steps[idx],
            None if self.epochs is None else self.epochs[idx],
            self.split,
            self.kind,
            self.higher_is_better,
            self.derived,
        )

    @property
    def role(self) -> str:
        if self.kind in ("loss", "metric"):
            return f"{self.split or 'train'}_{self.kind}"
        return self.kind

    @property
    def axis(self) -> str:
        if self.steps is None:
            return "epoch"
        if self.epochs is None:
            return "step"
        # One value per distinct (whole) epoch means the series is an epoch-level curve even if steps are known.
        ep = self.epochs[np.isfinite(self.epochs)]
        if len(ep) and np.all(ep == np.round(ep)) and len(np.unique(ep)) == len(ep):
            return "epoch"
        return "step"

    @property
    def x(self) -> np.ndarray:
        """Positions on the series' own axis (epoch numbers or steps); 0..n-1 when the log gives neither."""
        arr = self.epochs if self.axis == "epoch" else self.steps
        if arr is None:
            return np.arange(len(self.values), dtype=np.float64)
        return arr

    @property
    def nonfinite(self) -> int:
        return int(np.count_nonzero(~np.isfinite(self.values)))

    def __len__(self) -> int:
        return len(self.values)

    def best(self) -> tuple[float, float] | None:
        """(x, value) of the best finite point: the minimum, or the maximum when higher is better; None if none."""
        finite = np.isfinite(self.values)
        if not finite.any():
            return None
        vals = np.where(finite, self.values, np.inf if not self.higher_is_better else -np.inf)
        i = int(np.argmax(vals) if self.higher_is_better else np.argmin(vals))
        return float(self.x[i]), float(self.values[i])

    @property
    def final(self) -> float | None:
        """The last value as logged (NaN/Inf included: a run that ended non-finite ended there)."""
        return float(self.values[-1]) if len(self.values) else None

    def describe(self) -> dict[str, Any]:
        direction = None if self.higher_is_better is None else ("higher" if self.higher_is_better else "lower")
        return {
            "name": self.name,
            "role": self.role,
            "axis": self.axis,
            "points": len(self),
            "nonfinite": self.nonfinite,
            "direction": direction,
        }


@dataclass
class Run:
    """Everything read from one log (a file, a run folder, or several joined one-tag exports)."""

    source: str
    format: str
    series: dict[str, Series] = field(default_factory=dict)
    name: str | None = None
    notes: list[str] = field(default_factory=list)  # what the reader had to decide: restarts cut, % rescaled...
    meta: dict[str, Any] = field(default_factory=dict)
    # Explicit choices of the primary train / val loss (from --train/--val or config); names of series.
    train_override: str | None = None
    val_override: str | None = None

    def add(self, series: Series) -> None:
        self.series[series.name] = series

    def by_role(self, role: str) -> list[Series]:
        return [s for s in self.series.values() if s.role == role]

    def losses(self, split: str) -> list[Series]:
        """Every loss series of a split ("train", "val"), the preferred first: a total the reader found by its
        values (``meta["chosen_loss"]``: a loss that equals the sum or the mean of others), a plain total before
        its components, real series before derived sums, epoch-level before step-level (unless the epoch-level one
        has a single point and a step-level variant has more finite points: a run of one epoch, whose
        ``train_loss_epoch`` is no curve), then the longest."""
        chosen = (self.meta.get("chosen_loss") or {}).get(split)
        found = self.by_role(f"{split}_loss")
        finer = {loss_base(s.name): _finite(s) for s in found if granularity_marker(s.name) == "step"}
        return sorted(found, key=lambda s: (s.name != chosen, *_loss_preference(s, finer)))

    def _pick(self, role: str, override: str | None) -> Series | None:
        if override is not None:
            return self.series.get(override)
        candidates = self.losses(role.removesuffix("_loss"))
        return candidates[0] if candidates else None

    @property
    def train_loss(self) -> Series | None:
        """The train loss a person would name: the epoch-level one when the log has both (what train is
        compared with val on, and what the report shows)."""
        return self._pick("train_loss", self.train_override)

    @property
    def val_loss(self) -> Series | None:
        return self._pick("val_loss", self.val_override)

    @property
    def train_loss_fine(self) -> Series | None:
        """The finest logged variant of the train loss (most points): Lightning's ``train_loss_step`` beside
        ``train_loss_epoch``. Spikes, non-finite values and the onset of a blow-up show there first; an epoch
        mean averages them away. The train loss itself when it has no finer variant (or was named by --train)."""
        main = self.train_loss
        if main is None or self.train_override is not None:
            return main
        finer = [s for s in self.variants(main) if s is main or not is_epoch_running_mean(s.name)]
        return max(finer, key=lambda s: (len(s), s is main))

    def variants(self, s: Series) -> list[Series]:
        """The series of the run that log the same quantity as ``s`` on the same split (``s`` included)."""
        base = loss_base(s.name)
        return [o for o in self.series.values() if o.role == s.role and o.derived == s.derived
                and loss_base(o.name) == base]

    def convert(self, x: float, src: str | None, dst: str) -> float | None:
        """A position from one axis to the other ("step" <-> "epoch"), through a series that logs both; None
        when no series does."""
        if src is None or src == dst:
            return x
        for s in sorted(self.series.values(), key=lambda o: -len(o)):
            if s.steps is None or s.epochs is None:
                continue
            a, b = (s.steps, s.epochs) if src == "step" else (s.epochs, s.steps)
            ok = np.isfinite(a) & np.isfinite(b)
            if ok.sum() >= 2:
                order = np.argsort(a[ok], kind="stable")
                return float(np.interp(x, a[ok][order], b[ok][order]))
        return None

    def val_metrics(self) -> list[Series]:
        return [s for s in self.series.values() if s.role == "val_metric" and s.higher_is_better is not None]

    @property
    def lr(self) -> Series | None:
        found = self.by_role("lr")
        return found[0] if found else None

    @property
    def grad_norm(self) -> Series | None:
        found = self.by_role("grad_norm")
        return found[0] if found else None

    @property
    def axis(self) -> str:
        main = self.train_loss or self.val_loss
        if main is not None:
            return main.axis
        if self.series:
            return next(iter(self.series.values())).axis
        return "step"

    @property
    def label(self) -> str:
        return self.name or self.source

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "format": self.format,
            "axis": self.axis,
            "train_loss": self.train_loss.name if self.train_loss else None,
            "val_loss": self.val_loss.name if self.val_loss else None,
            "series": [s.describe() for s in self.series.values()],
            "notes": list(self.notes),
        }


def _finite(s: Series) -> int:
    return int(np.count_nonzero(np.isfinite(s.values)))


def _loss_preference(s: Series, finer: dict[str, int] | None = None) -> tuple:
    """Order candidate loss series: a plain total loss first, real series before derived sums, epoch-level
    before step-level for the same name, then the longest (the names are naming.py's business). ``finer``: the
    finite points of the step-level variant of each loss (by ``loss_base``); an epoch-level series of a single
    point goes after such a variant that has more (2 points or more stay first: the runs already read keep their
    train loss)."""
    marker = granularity_marker(s.name)
    thin = marker == "epoch" and len(s) < 2 and (finer or {}).get(loss_base(s.name), 0) > len(s)
    return (not is_total_loss(s.name), s.derived, thin, marker == "step", -len(s))


@dataclass
class Finding:
    """One diagnosis of one run, with the evidence a person can check."""

    name: str
    code: str
    severity: Severity
    message: str
    confidence: float = 1.0
    series: list[str] = field(default_factory=list)
    onset: float | None = None  # x position (on `axis`) where the problem starts
    axis: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    causes: list[str] = field(default_factory=list)  # ranked, most likely first
    remedies: list[str] = field(default_factory=list)  # concrete actions, with the log's numbers where it has them
    why: str = ""  # one or two plain sentences: why these curves fit this mode

    def __post_init__(self) -> None:
        # Plain Python numbers everywhere, so reporters and JSON never meet numpy scalars.
        self.confidence = float(min(1.0, max(0.0, self.confidence)))
        self.onset = None if self.onset is None else float(self.onset)
        self.evidence = {k: _plain(v) for k, v in self.evidence.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "severity": self.severity.label,
            "confidence": round(float(self.confidence), 3),
            "series": list(self.series),
            "onset": _jsonable(self.onset),
            "axis": self.axis,
            "message": self.message,
            "evidence": {k: _jsonable(v) for k, v in self.evidence.items()},
            "causes": list(self.causes),
            "remedies": list(self.remedies),
            "why": self.why,
        }


@dataclass
class Skipped:
    """A rule that did not run on a run, and why (missing series, too few points)."""

    name: str
    code: str
    reason: str


@dataclass
class Explained:
    """A finding left out of the report because another one explains it, and the evidence that says so."""

    finding: Finding
    by: str  # the name of the finding that explains it
    reason: str


@dataclass
class RunReport:
    run: Run
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    explained: list[Explained] = field(default_factory=list)
    #: How many rules that judge the curves' shape looked at the run (not skipped); None when not known (a report
    #: rebuilt from JSON). 0 with no finding: nothing was judged, which is not "no failure mode fits".
    checked: int | None = None

    @property
    def judged_nothing(self) -> bool:
        """Every rule of the curves' shape was skipped (too few points): the report can claim nothing of them."""
        return self.checked == 0 and not self.findings

    @property
    def primary(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def best_point(self) -> tuple[str, float, float] | None:
        """(series name, x, value) of the best point of the val loss (the train loss when there is none)."""
        s = self.run.val_loss or self.run.train_loss
        b = s.best() if s is not None else None
        return None if b is None else (s.name, b[0], b[1])

    def status(self, fail_on: Severity | None) -> str:
        """ok: nothing at warning or above; fail: something at or above the gate; warn: otherwise."""
        worst = max((f.severity for f in self.findings), default=None)
        if fail_on is not None and worst is not None and worst >= fail_on:
            return "fail"
        if worst is not None and worst >= Severity.WARNING:
            return "warn"
        return "ok"


@dataclass
class InputProblem:
    """A path that could not be read; reported, and the exit code becomes 2."""

    source: str
    message: str


@dataclass
class Report:
    runs: list[RunReport] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)
    fail_on: Severity | None = Severity.WARNING  # None means never fail on findings
    exit_zero: bool = False  # --exit-zero: report findings but exit 0 (errors still exit 2)
    notes: list[str] = field(default_factory=list)  # about the sweep as a whole (files that were not logs...)

    @property
    def exit_code(self) -> int:
        """The CI gate: 2 if any input failed, 1 if a finding is at or above fail_on, else 0."""
        if self.errors:
            return 2
        if self.exit_zero:
            return 0
        if self.fail_on is not None:
            for rr in self.runs:
                if any(f.severity >= self.fail_on for f in rr.findings):
                    return 1
        return 0


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _jsonable(v: Any) -> Any:
    """Turn numpy scalars and non-finite floats into JSON-safe values (NaN/Inf become strings)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v
