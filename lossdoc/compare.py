"""``lossdoc compare BASELINE CANDIDATE``: did a change make training worse? Nothing here reads a screen or prints.

Each side is anything ``analyze`` reads (a file, a run folder, a logdir of runs). Runs are matched by name (their
path below the side's root, without the file extension; a single run on each side is matched whatever its name);
``group_by`` (a glob such as ``seed_*``) gathers the runs that differ only in that part of their name into one
group of seeds, and groups are compared as distributions.

One metric is compared (the val loss by default; ``metric`` names another, and its direction comes from the
naming table: accuracy is higher-is-better). Deltas are in the metric's units, shown as a % of the baseline's
value for losses (positive lower-is-better metrics) and as differences for the rest. For each pair:

- alignment: the runs are put on their common axis (steps when both sides log steps over the same span, else
  epochs); when their lengths differ, by fraction of training, and the pair says so;
- deltas: the best value, the final value, the values at 25/50/75% of training, and the speed (where the
  candidate first comes within tolerance of the baseline's best, against where the baseline did);
- tolerance ``auto``: a band from the curves' own noise (``signals.noise``, the estimate the rules use:
  ``AUTO_K`` times the two curves' noise combined). One curve cannot show how far seeds of the same code land
  apart (a val loss on a fixed validation set is smooth from epoch to epoch while seeds' best values differ by
  5-25%), so with one run a side the band is at least ``SINGLE_RUN_FLOOR`` of what the baseline's training
  gained or ``SINGLE_RUN_LEVEL`` of the value, and the report says the band comes from the curves alone. With
  seeds, the band is ``SEED_SE`` standard errors of the difference of the means, and with 3+ seeds a side a
  one-sided Mann-Whitney rank test at ``ALPHA`` must agree. A fixed percentage of the baseline's value is
  allowed. The verdict is ``worse`` when the best or the final value is worse than the baseline's by more than
  the band, ``better`` the other way round, else ``same``;
- findings: the rules run on both sides; what fires on the candidate and not on the baseline is ``new`` (its
  severity counts for ``--fail-on``), what fired only on the baseline is ``fixed``. With one run a side a new
  finding gates only when the rule is confident in it (``NEW_MIN_CONFIDENCE``): a borderline call flips from
  seed to seed, so it is listed as new and borderline, and does not fail the gate.

The exit code: 2 when an input could not be read, 1 when a pair is worse or has a new finding at or above
``--fail-on``, else 0.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lossdoc.errors import UsageError
from lossdoc.expect import find_series
from lossdoc.model import InputProblem, RunReport, Series, Severity
from lossdoc.signals import fmt_num, fmt_x, noise

#: ``--tolerance auto``: the band is at least this many times the combined point-to-point noise of the curves.
AUTO_K = 3.0
#: Deltas and bands are in the metric's units; the auto band's floors are fractions of the baseline's progress:
#: how far its metric went from the first logged value to the best (at least ``PROGRESS_MIN`` of the best).
PROGRESS_MIN = 0.1
#: The auto band is never below this share of the progress: a 1% difference in what training gained is no
#: regression, and a curve logged to a few digits has no measurable noise.
MIN_BAND = 0.01
#: With one run a side, the auto band is at least this share of the progress: the spread between seeds of the
#: same code, which one curve cannot show. A val loss computed on a whole validation set is smooth from epoch to
#: epoch, yet seeds' best values land apart by 2-19% of their level (fixtures/compare: 10-100x the curves'
#: point-to-point noise), and for a loss that ends near zero (wine, iris) by up to 2x its level: a share of
#: what training gained (1-12% there) is the steadier measure.
SINGLE_RUN_FLOOR = 0.10
#: ... and at least this share of the value itself for losses: a loss that cannot go far below where it starts
#: (a regression's MSE near its noise floor: diabetes) has seeds that land apart by a share of its level.
SINGLE_RUN_LEVEL = 0.2
#: With seeds, the band is at least this many standard errors of the difference of the two means (about a 1%
#: one-sided t-test for 4 seeds a side: a CI gate must rarely cry wolf; the rank test adds the confidence).
SEED_SE = 3.0
#: One-sided significance of the rank test when both sides have at least ``MIN_SEEDS_TEST`` seeds.
ALPHA = 0.05
MIN_SEEDS_TEST = 3
# One run a side: a new finding fails the gate only at this confidence or above. Chosen on the tune and dev
# pairs of fixtures/compare (seed-only pairs falsely flagged: 96/588 -> 41/588 on tune, 45/392 -> 14/392 on dev;
# changed pairs flagged: unchanged); the rules' borderline calls (spikes, oscillation, overfitting near their
# thresholds) are what flips between two seeds of the same code.
NEW_MIN_CONFIDENCE = 0.95
#: Spans that differ by more than this fraction are "different lengths": aligned by fraction of training.
SPAN_TOLERANCE = 0.02
#: Matched points: fractions of training where both runs are read.
MATCH_AT = (0.25, 0.5, 0.75)
#: Speed: the candidate is slower (faster) when it needs this many times the baseline's position (or 1/that).
SPEED_RATIO = 1.5


# ============================================================================================== tolerance


@dataclass(frozen=True)
class Tolerance:
    """``auto`` (pct None) or a fixed percentage of the baseline's value."""

    pct: float | None = None

    @property
    def auto(self) -> bool:
        return self.pct is None

    def describe(self) -> str:
        return "auto (from the curves' noise)" if self.auto else f"{_pct_text(self.pct)}% of the baseline's value"


def parse_tolerance(text: str | float | None) -> Tolerance:
    """``auto`` or a percentage: ``5``, ``5%``, ``2.5%``. Anything else is a UsageError."""
    if text is None:
        return Tolerance()
    t = str(text).strip().lower()
    if t == "auto":
        return Tolerance()
    try:
        v = float(t.removesuffix("%"))
    except ValueError:
        v = float("nan")
    if not math.isfinite(v) or v < 0 or v >= 1000:
        raise UsageError(f"--tolerance {text!r}: expected auto or a percentage such as 5 or 2.5%")
    return Tolerance(v)


def _pct_text(v: float) -> str:
    return f"{v:g}"


# ============================================================================================== Mann-Whitney U


@dataclass(frozen=True)
class RankTest:
    """Mann-Whitney U of x against y: ``u`` counts the pairs where x is larger (ties count 1/2).
    ``p_greater``: P(U >= u) when x and y come from one distribution (x tends to be larger); ``p_less`` the
    other way; ``p_two_sided`` twice the smaller, at most 1. ``method``: exact or asymptotic."""

    u: float
    p_greater: float
    p_less: float
    method: str

    @property
    def p_two_sided(self) -> float:
        return min(1.0, 2.0 * min(self.p_greater, self.p_less))


#: Exact distributions up to these sizes: without ties, n1 * n2 cells of the Gaussian-binomial generating
#: function; with ties, every way of splitting the pooled sample (a few tenths of a second at most).
EXACT_MAX_CELLS = 10_000
EXACT_MAX_SPLITS = 50_000


def mann_whitney_u(x: Any, y: Any) -> RankTest:
    """The Mann-Whitney U test (Wilcoxon rank-sum) in numpy, exact for small samples.

    Without ties the null distribution of U is exact (the coefficients of the Gaussian binomial
    [n1+n2 choose n1]_q, in integers); with ties and few enough splits of the pooled sample it is exact by
    enumeration (midranks); otherwise the normal approximation with the tie correction and a continuity
    correction (as scipy.stats.mannwhitneyu's asymptotic method). Infinite values rank as the largest or
    smallest; NaN is not allowed."""
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("mann_whitney_u: NaN in a sample")
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("mann_whitney_u: an empty sample")
    pooled = np.concatenate([a, b])
    ranks = _midranks(pooled)
    u = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    ties = len(np.unique(pooled)) < len(pooled)
    if not ties and n1 * n2 <= EXACT_MAX_CELLS:
        counts = _u_counts(n1, n2)
        total = sum(counts)
        k = round(u)
        p_greater = sum(counts[k:]) / total
        p_less = sum(counts[: k + 1]) / total
        return RankTest(u, float(p_greater), float(p_less), "exact")
    if ties and math.comb(n1 + n2, n1) <= EXACT_MAX_SPLITS:
        us = _split_us(ranks, n1)
        eps = 1e-9
        return RankTest(u, float(np.mean(us >= u - eps)), float(np.mean(us <= u + eps)), "exact")
    n = n1 + n2
    _, t = np.unique(pooled, return_counts=True)
    var = n1 * n2 / 12.0 * ((n + 1) - float((t**3 - t).sum()) / (n * (n - 1)))
    mu = n1 * n2 / 2.0
    sd = math.sqrt(var) if var > 0 else 0.0
    if sd == 0:
        return RankTest(u, 1.0, 1.0, "asymptotic")
    z_greater = (u - mu - 0.5) / sd
    z_less = (u - mu + 0.5) / sd
    return RankTest(u, _norm_sf(z_greater), 1.0 - _norm_sf(z_less), "asymptotic")


def _midranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    sv = v[order]
    ranks = np.empty(len(v), dtype=np.float64)
    i = 0
    while i < len(sv):
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def _u_counts(m: int, n: int) -> list[int]:
    """How many of the C(m+n, m) orderings give U = 0, 1, ..., m*n (no ties): the coefficients of
    prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), in Python integers (exact for any size)."""
    deg = m * n
    c = np.zeros(deg + 1, dtype=object)
    c[0] = 1
    for i in range(1, m + 1):
        s = n + i
        if s <= deg:
            c[s:] = c[s:] - c[: deg + 1 - s]
        for r in range(i):
            c[r::i] = np.cumsum(c[r::i])
    return [int(v) for v in c]


def _split_us(ranks: np.ndarray, n1: int) -> np.ndarray:
    """U of every way of choosing n1 of the pooled (mid)ranks as the first sample."""
    n = len(ranks)
    combos = np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(n), n1)), dtype=np.int64
    ).reshape(-1, n1)
    return ranks[combos].sum(axis=1) - n1 * (n1 + 1) / 2


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


# ============================================================================================== results


@dataclass
class Delta:
    """One row of the table of deltas. Values are in the metric's own units; ``delta`` is the candidate minus the
    baseline in the comparison's space (log units for losses: ~relative change; metric units otherwise), signed
    so that positive is worse; ``band`` is the tolerance on the same scale."""

    what: str  # best | final | at 25% | at 50% | at 75% | speed
    baseline: float | None
    candidate: float | None
    baseline_x: float | None = None
    candidate_x: float | None = None
    delta: float | None = None
    band: float | None = None
    status: str = "n/a"  # worse | better | same | n/a
    gates: bool = False  # counts for the verdict
    note: str = ""


@dataclass
class FindingChange:
    """A failure mode that fires on one side and not the other (or on both: ``still``)."""

    change: str  # new | fixed | still
    name: str
    code: str
    severity: Severity
    message: str
    onset: float | None = None
    axis: str | None = None
    runs: str = ""  # "3 of 4 seeds (baseline 0 of 4)" for groups; "borderline ..." for a new one that does not gate
    key: str = ""  # what tells two findings apart (the expectation's text for expectation findings)
    confidence: float = 1.0  # the rule's confidence (the most severe, most confident run's finding)
    gates: bool = True  # a new finding that counts for --fail-on (False: borderline with one run a side)


@dataclass
class SeedStats:
    """The distributions of the per-seed best and final values (in the metric's units)."""

    n_baseline: int
    n_candidate: int
    best_baseline: list[float] = field(default_factory=list)
    best_candidate: list[float] = field(default_factory=list)
    final_baseline: list[float] = field(default_factory=list)
    final_candidate: list[float] = field(default_factory=list)
    test_best: RankTest | None = None
    test_final: RankTest | None = None
    confidence: str = "curves-only"  # high | moderate | low | seeds-only | curves-only
    words: str = ""


@dataclass
class Pair:
    """A baseline run (or group of seeds) against the candidate's of the same name."""

    name: str
    baseline: list[tuple[str, RunReport]]
    candidate: list[tuple[str, RunReport]]
    metric_baseline: str = ""
    metric_candidate: str = ""
    higher_is_better: bool = False
    space: str = "relative"  # relative: deltas shown as % of the baseline's value (losses); absolute: in its units
    unit: float = 1.0  # the baseline's progress (first logged value to best), in the metric's units
    axis: str = "epoch"
    by_fraction: bool = False
    baseline_end: float | None = None
    candidate_end: float | None = None
    deltas: list[Delta] = field(default_factory=list)
    seeds: SeedStats | None = None
    findings: list[FindingChange] = field(default_factory=list)
    verdict: str = "n/a"  # worse | better | same | n/a
    notes: list[str] = field(default_factory=list)
    fail_on: Severity | None = Severity.WARNING
    tolerance: Tolerance = field(default_factory=Tolerance)
    # The curves as compared, for the chart: per side, (x on the aligned clock, values), one per run.
    curves_baseline: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)
    curves_candidate: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)

    @property
    def grouped(self) -> bool:
        return len(self.baseline) > 1 or len(self.candidate) > 1

    @property
    def new_gating(self) -> list[FindingChange]:
        """New findings at or above --fail-on."""
        if self.fail_on is None:
            return []
        return [f for f in self.findings if f.change == "new" and f.gates and f.severity >= self.fail_on]

    @property
    def status(self) -> str:
        """fail: worse beyond tolerance or a new finding at or above --fail-on; else pass."""
        return "fail" if self.verdict == "worse" or self.new_gating else "pass"

    def delta(self, what: str) -> Delta | None:
        return next((d for d in self.deltas if d.what == what), None)

    @property
    def metric_label(self) -> str:
        if self.metric_baseline == self.metric_candidate:
            return self.metric_baseline
        return f"{self.metric_baseline} / {self.metric_candidate}"

    @property
    def clock(self) -> str:
        return "% of training" if self.by_fraction else self.axis


@dataclass
class Comparison:
    """Everything ``lossdoc compare`` found; reporters render it, ``exit_code`` is the CI gate."""

    baseline: str
    candidate: str
    pairs: list[Pair] = field(default_factory=list)
    unmatched_baseline: list[str] = field(default_factory=list)
    unmatched_candidate: list[str] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fail_on: Severity | None = Severity.WARNING
    tolerance: Tolerance = field(default_factory=Tolerance)
    metric: str | None = None
    group_by: str | None = None
    exit_zero: bool = False

    @property
    def failed(self) -> list[Pair]:
        return [p for p in self.pairs if p.status == "fail"]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        if self.exit_zero:
            return 0
        return 1 if self.failed else 0


# ============================================================================================== entry points


def compare(
    baseline: str | os.PathLike,
    candidate: str | os.PathLike,
    *,
    metric: str | None = None,
    tolerance: str | float | Tolerance | None = "auto",
    group_by: str | None = None,
    config: Any = None,
    fail_on: str | None = None,
    input_format: str | None = None,
    train: str | None = None,
    val: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    max_bytes: int | None = None,
    max_points: int | None = None,
) -> Comparison:
    """Read and diagnose both sides (as ``lossdoc.analyze``), match their runs and compare them."""
    from dataclasses import replace

    from lossdoc import api
    from lossdoc.config import Config, check_fail_on

    cfg = replace(config or Config())
    if fail_on is not None:
        cfg.fail_on = check_fail_on(fail_on)
    tol = tolerance if isinstance(tolerance, Tolerance) else parse_tolerance(tolerance)
    kw = {"config": cfg, "input_format": input_format, "train": train, "val": val, "select": select,
          "ignore": ignore, "max_bytes": max_bytes, "max_points": max_points}
    out = Comparison(str(baseline), str(candidate), fail_on=cfg.fail_severity, tolerance=tol, metric=metric,
                     group_by=group_by)
    rep_b = api.analyze(str(baseline), **kw)
    rep_c = api.analyze(str(candidate), **kw)
    for side, rep in (("baseline", rep_b), ("candidate", rep_c)):
        out.errors += [InputProblem(e.source, e.message) for e in rep.errors]
        out.notes += [f"{side}: {n}" for n in rep.notes]
    if out.errors:
        return out
    side_b = _drop_common_file([(run_key(rr, str(baseline)), rr) for rr in rep_b.runs])
    side_c = _drop_common_file([(run_key(rr, str(candidate)), rr) for rr in rep_c.runs])
    match_into(out, side_b, side_c, group_by=group_by, metric=metric, tolerance=tol)
    return out


def run_key(rr: RunReport, root: str) -> str:
    """A run's name for matching: its path below the side's root (or its logdir name), without the extension."""
    run = rr.run
    if run.name:
        key = run.name
    else:
        src, base = Path(run.source), Path(root)
        try:
            key = src.relative_to(base).as_posix() if base.is_dir() else src.name
        except ValueError:
            key = src.name
        if key in ("", "."):
            key = src.name
    parts = key.split("/")
    last = parts[-1]
    stem, dot, ext = last.rpartition(".")
    if dot and stem and len(ext) <= 8 and not ext.isdigit():
        parts[-1] = stem
    return "/".join(parts)


def _drop_common_file(side: list[tuple[str, RunReport]]) -> list[tuple[str, RunReport]]:
    """Runs kept one per folder under the same file name (seed_0/metrics.csv, seed_1/metrics.csv) are named by
    their folders (seed_0, seed_1): the file name tells nothing apart, and the other side may use another."""
    parts = [k.split("/") for k, _ in side]
    if len(side) < 2 or any(len(p) < 2 for p in parts) or len({p[-1] for p in parts}) != 1:
        return side
    return [("/".join(p[:-1]), rr) for p, (_, rr) in zip(parts, side)]


def group_key(key: str, pattern: str) -> tuple[str, str] | None:
    """(the group's name, the seed's name) when a part of ``key`` matches the glob ``pattern``, else None."""
    parts = key.split("/")
    for i, part in enumerate(parts):
        if fnmatch.fnmatchcase(part, pattern):
            return "/".join([*parts[:i], pattern, *parts[i + 1 :]]), part
    return None


def _groups(side: list[tuple[str, RunReport]], pattern: str | None, which: str) -> dict[str, list[tuple[str, RunReport]]]:
    out: dict[str, list[tuple[str, RunReport]]] = {}
    if pattern is None:
        for key, rr in side:
            out.setdefault(key, []).append((key, rr))
        return out
    hits = 0
    for key, rr in side:
        g = group_key(key, pattern)
        if g is None:
            out.setdefault(key, []).append((key, rr))
        else:
            hits += 1
            out.setdefault(g[0], []).append((g[1], rr))
    if not hits and len(side) > 1:  # one run on a side is that side's one "seed"
        names = ", ".join(k for k, _ in side[:8]) + (" ..." if len(side) > 8 else "")
        raise UsageError(f"--group-by {pattern!r} matches no run of the {which} (run names: {names})")
    return out


def match_into(
    out: Comparison,
    side_b: list[tuple[str, RunReport]],
    side_c: list[tuple[str, RunReport]],
    *,
    group_by: str | None = None,
    metric: str | None = None,
    tolerance: Tolerance | None = None,
) -> None:
    """Pair the two sides' runs (or groups) by name and compare each pair into ``out``."""
    tol = tolerance or out.tolerance
    gb = _groups(side_b, group_by, "baseline")
    gc = _groups(side_c, group_by, "candidate")
    if len(gb) == 1 and len(gc) == 1:
        (kb, rb), (kc, rc) = next(iter(gb.items())), next(iter(gc.items()))
        name = kb if kb == kc else f"{kb} / {kc}" if kb and kc else kb or kc
        out.pairs.append(compare_groups(rb, rc, name=name, metric=metric, tolerance=tol, fail_on=out.fail_on))
        return
    common = [k for k in gb if k in gc]
    out.unmatched_baseline = [k for k in gb if k not in gc]
    out.unmatched_candidate = [k for k in gc if k not in gb]
    if not common:
        nb = ", ".join(list(gb)[:6]) + (" ..." if len(gb) > 6 else "")
        nc = ", ".join(list(gc)[:6]) + (" ..." if len(gc) > 6 else "")
        hint = "" if group_by else "; for seeds of one configuration, use --group-by (e.g. --group-by 'seed_*')"
        raise UsageError(f"no run of the candidate has a baseline run of the same name (baseline: {nb}; "
                         f"candidate: {nc}){hint}")
    for k in common:
        out.pairs.append(compare_groups(gb[k], gc[k], name=k, metric=metric, tolerance=tol, fail_on=out.fail_on))
    if out.unmatched_baseline:
        out.notes.append(f"not in the candidate (not compared): {', '.join(out.unmatched_baseline)}")
    if out.unmatched_candidate:
        out.notes.append(f"new in the candidate (no baseline to compare with): {', '.join(out.unmatched_candidate)}")
    if group_by is None:
        seedy = [k for k in common if any(fnmatch.fnmatchcase(p, "seed*") for p in k.split("/"))]
        if len(seedy) >= 2:
            out.notes.append("runs named seed*: compared one to one by name; to compare them as seeds of one "
                             "configuration, use --group-by (e.g. --group-by 'seed_*')")


# ============================================================================================== one pair


@dataclass
class _Track:
    """One run's metric on the compared clock: ``pos`` aligned positions (fraction of training when the lengths
    differ), ``x`` positions on the axis, ``v`` values as logged (NaN kept), ``bad`` the comparison scale
    (positive is worse)."""

    label: str
    rr: RunReport
    series: Series
    x: np.ndarray
    v: np.ndarray
    pos: np.ndarray = field(default_factory=lambda: np.empty(0))
    bad: np.ndarray = field(default_factory=lambda: np.empty(0))
    sigma: float = 0.0

    @property
    def finite(self) -> np.ndarray:
        return np.isfinite(self.bad)

    def best(self) -> tuple[float, float, float] | None:
        """(badness, x, value) of the best finite point."""
        ok = self.finite
        if not ok.any():
            return None
        i = int(np.argmin(np.where(ok, self.bad, np.inf)))
        return float(self.bad[i]), float(self.x[i]), float(self.v[i])

    def final(self) -> tuple[float, float, float] | None:
        if not len(self.v):
            return None
        return float(self.bad[-1]) if np.isfinite(self.v[-1]) else math.inf, float(self.x[-1]), float(self.v[-1])

    def at(self, p: float) -> tuple[float, float, float] | None:
        """(badness, x, value) of the last point at or before aligned position p."""
        i = int(np.searchsorted(self.pos, p + 1e-12, side="right")) - 1
        if i < 0:
            return None
        b = float(self.bad[i]) if np.isfinite(self.v[i]) else math.inf
        return b, float(self.x[i]), float(self.v[i])

    def first_reaching(self, target: float) -> tuple[float, float] | None:
        """(aligned position, x) of the first point whose badness is at or below target."""
        hit = np.flatnonzero(self.finite & (self.bad <= target + 1e-12))
        if not len(hit):
            return None
        return float(self.pos[hit[0]]), float(self.x[hit[0]])


def compare_groups(
    baseline: list[tuple[str, RunReport]],
    candidate: list[tuple[str, RunReport]],
    *,
    name: str = "",
    metric: str | None = None,
    tolerance: Tolerance | None = None,
    fail_on: Severity | None = Severity.WARNING,
) -> Pair:
    """Compare one baseline run (or group of seeds) with one candidate run (or group). Raises UsageError when
    the metric is missing on a run."""
    tol = tolerance or Tolerance()
    pair = Pair(name, baseline, candidate, fail_on=fail_on, tolerance=tol)
    tb = [_track(label, rr, metric, "baseline") for label, rr in baseline]
    tc = [_track(label, rr, metric, "candidate") for label, rr in candidate]
    _check_roles(tb + tc, metric, pair)
    pair.metric_baseline = _common_name(tb)
    pair.metric_candidate = _common_name(tc)
    pair.higher_is_better = bool(tb[0].series.higher_is_better)
    _align(pair, tb, tc)
    _scale(pair, tb, tc)
    pair.curves_baseline = [(t.pos, t.v) for t in tb]
    pair.curves_candidate = [(t.pos, t.v) for t in tc]
    if pair.grouped:
        _deltas_groups(pair, tb, tc)
    else:
        _deltas_single(pair, tb[0], tc[0])
    gating = [d for d in pair.deltas if d.gates]
    if any(d.status == "worse" for d in gating):
        pair.verdict = "worse"
    elif any(d.status == "better" for d in gating):
        pair.verdict = "better"
    elif any(d.status == "same" for d in gating):
        pair.verdict = "same"
    pair.findings = _finding_changes([rr for _, rr in baseline], [rr for _, rr in candidate])
    return pair


def _track(label: str, rr: RunReport, metric: str | None, side: str) -> _Track:
    run = rr.run
    if metric is None:
        s = run.val_loss or run.train_loss
        if s is None:
            raise UsageError(f"{side} run {run.label}: no loss series to compare (series: {', '.join(run.series)})")
    else:
        s = find_series(run, metric)
        if s is None:
            raise UsageError(
                f"--metric {metric!r}: no such series in the {side} run {run.label} "
                f"(series: {', '.join(run.series) or 'none'})"
            )
    x = s.x
    order = np.argsort(x, kind="stable")
    return _Track(label, rr, s, x[order].astype(np.float64), s.values[order].astype(np.float64))


def _check_roles(tracks: list[_Track], metric: str | None, pair: Pair) -> None:
    if metric is None:
        kinds = {t.series is t.rr.run.val_loss for t in tracks}
        if len(kinds) > 1:
            missing = [t.rr.run.label for t in tracks if t.series is not t.rr.run.val_loss]
            raise UsageError(f"some runs have no val loss ({', '.join(missing[:4])}); name the series to "
                             "compare with --metric")
        if kinds == {False}:
            pair.notes.append("no val loss on either side: compared on the train loss")
    dirs = {t.series.higher_is_better for t in tracks}
    if None in dirs:
        s = next(t.series for t in tracks if t.series.higher_is_better is None)
        raise UsageError(f"--metric {s.name!r}: lossdoc cannot tell whether higher or lower is better from its "
                         "name; compare a loss or a metric with a known name (accuracy, f1, mae, ...)")
    if len(dirs) > 1:
        raise UsageError("the compared series disagree on whether higher is better: "
                         + ", ".join(f"{t.series.name}" for t in tracks))


def _common_name(tracks: list[_Track]) -> str:
    names = list(dict.fromkeys(t.series.name for t in tracks))
    return names[0] if len(names) == 1 else ", ".join(names)


def _span(t: _Track, x: np.ndarray) -> tuple[float, float, float]:
    """(first x, last x, typical spacing) of a run on one axis (every logged point counts, NaN values too)."""
    xs = x[np.isfinite(x)]
    if not len(xs):
        return 0.0, 0.0, 1.0
    d = float(np.median(np.diff(xs))) if len(xs) > 1 else 1.0
    return float(xs.min()), float(xs.max()), d if d > 0 else 1.0


def _align(pair: Pair, tb: list[_Track], tc: list[_Track]) -> None:
    """Choose the clock (steps, else epochs, else each series' own positions) and whether to align by fraction."""
    every = tb + tc
    options = []
    for axis, attr in (("step", "steps"), ("epoch", "epochs")):
        if all(getattr(t.series, attr) is not None for t in every):
            options.append((axis, attr))
    chosen = None
    for axis, attr in options:
        eb = float(np.median([_span(t, _sorted_attr(t, attr))[1] for t in tb]))
        ec = float(np.median([_span(t, _sorted_attr(t, attr))[1] for t in tc]))
        if _same_span(eb, ec):
            chosen = (axis, attr, False)
            break
    if chosen is None and options:
        axis, attr = options[-1]  # epochs when both have them: comparable across batch sizes
        chosen = (axis, attr, True)
    if chosen is None:  # no shared axis: each series' own positions
        axes = {t.series.axis for t in every}
        eb = float(np.median([_span(t, t.x)[1] for t in tb]))
        ec = float(np.median([_span(t, t.x)[1] for t in tc]))
        same = len(axes) == 1 and _same_span(eb, ec)
        chosen = (axes.pop() if len(axes) == 1 else "position", None, not same)
    axis, attr, by_fraction = chosen
    for t in every:
        if attr is not None:
            t.x = _sorted_attr(t, attr)
        x0, x1, d = _span(t, t.x)
        t.pos = (t.x - x0 + d) / (x1 - x0 + d) if by_fraction else t.x.copy()
    pair.axis, pair.by_fraction = axis, by_fraction
    pair.baseline_end = float(np.median([_span(t, t.x)[1] for t in tb]))
    pair.candidate_end = float(np.median([_span(t, t.x)[1] for t in tc]))
    if by_fraction:
        pair.notes.append(
            f"the runs have different lengths (baseline to {axis} {fmt_x(pair.baseline_end)}, candidate to "
            f"{axis} {fmt_x(pair.candidate_end)}): aligned by fraction of training"
        )


def _same_span(eb: float, ec: float) -> bool:
    return abs(eb - ec) <= SPAN_TOLERANCE * max(abs(eb), abs(ec), 1e-12)


def _sorted_attr(t: _Track, attr: str) -> np.ndarray:
    arr = getattr(t.series, attr)
    order = np.argsort(t.series.x, kind="stable")
    return np.asarray(arr, dtype=np.float64)[order]


def _scale(pair: Pair, tb: list[_Track], tc: list[_Track]) -> None:
    """Badness (the value, negated when higher is better), each curve's noise, and the progress unit.

    Noise is the rules' estimate (``signals.noise``): of the log curve for positive lower-is-better metrics
    (losses: a relative noise, scaled by the value where it is used), of the curve itself otherwise. The progress
    unit is how far the baseline went from its first logged value to its best (the median over its seeds), at
    least ``PROGRESS_MIN`` of its best value: seeds of one configuration land a similar share of that apart
    whether the loss ends at 2.0 or at 0.02, where its level (a relative change) does not."""
    higher = pair.higher_is_better
    every = tb + tc
    positive = all(bool(np.all(t.v[np.isfinite(t.v)] > 0)) for t in every)
    pair.space = "relative" if (not higher and positive) else "absolute"
    for t in every:
        t.bad = np.where(np.isfinite(t.v), -t.v if higher else t.v, np.nan)
        ok = np.isfinite(t.v) & np.isfinite(t.pos)
        with np.errstate(divide="ignore", invalid="ignore"):
            t.sigma = noise(np.log(t.v[ok])) if pair.space == "relative" else noise(t.v[ok])
    units = []
    for t in tb:
        fin = np.flatnonzero(t.finite)
        if not len(fin):
            continue
        start, best = float(t.bad[fin[0]]), float(np.min(t.bad[fin]))
        units.append(max(start - best, PROGRESS_MIN * abs(best)))
    pair.unit = float(np.median(units)) if units else 0.0
    if not pair.unit > 0:
        pair.unit = 1e-12


def _auto_band(pair: Pair, vb: float | None, vc: float | None, sig_b: float, sig_c: float, nb: int = 1,
               nc: int = 1, se: float = 0.0) -> float:
    """The auto band at one row: the curves' noise (at the row's values; over sqrt(seeds) for means), the seeds'
    standard error, and, with fewer than ``MIN_SEEDS_TEST`` seeds a side, the one-run floor (shrunk by
    sqrt(seeds)); at least ``MIN_BAND`` of the progress unit."""
    fb = fc = 0.0
    if pair.space == "relative":
        fb = abs(vb) if vb is not None and math.isfinite(vb) else None
        fc = abs(vc) if vc is not None and math.isfinite(vc) else None
        fb, fc = fb if fb is not None else (fc or 0.0), fc if fc is not None else (fb or 0.0)
        curve = AUTO_K * math.sqrt((sig_b * fb) ** 2 / nb + (sig_c * fc) ** 2 / nc)
    else:
        curve = AUTO_K * math.sqrt(sig_b**2 / nb + sig_c**2 / nc)
    floor = 0.0
    if min(nb, nc) < MIN_SEEDS_TEST:
        level = SINGLE_RUN_LEVEL * fb if pair.space == "relative" else 0.0
        floor = max(SINGLE_RUN_FLOOR * pair.unit, level) / math.sqrt(min(nb, nc))
    return max(curve, floor, SEED_SE * se, MIN_BAND * pair.unit)


def _fixed_band(pair: Pair, base_value: float | None) -> float:
    pct = pair.tolerance.pct or 0.0
    if base_value is None or not math.isfinite(base_value):
        return math.inf
    return pct / 100.0 * abs(base_value)


def _band(pair: Pair, vb: float | None, vc: float | None, sig_b: float, sig_c: float, nb: int = 1, nc: int = 1,
          se: float = 0.0) -> float:
    if pair.tolerance.auto:
        return _auto_band(pair, vb, vc, sig_b, sig_c, nb, nc, se)
    return _fixed_band(pair, vb)


def _status(delta: float, band: float) -> str:
    if math.isnan(delta):
        return "n/a"
    if delta > band:
        return "worse"
    if delta < -band:
        return "better"
    return "same"


def _diff(cb: float, bb: float) -> float:
    """Candidate minus baseline on the badness scale, with non-finite ends handled: a run that ended NaN/Inf is
    worse than one that did not; two that did cannot be told apart."""
    if math.isinf(cb) and math.isinf(bb):
        return math.nan
    if math.isinf(cb):
        return math.inf
    if math.isinf(bb):
        return -math.inf
    return cb - bb


def _deltas_single(pair: Pair, tb: _Track, tc: _Track) -> None:
    bb, bc = tb.best(), tc.best()
    sb, sc = tb.sigma, tc.sigma
    if bb is None:
        pair.notes.append(f"the baseline's {tb.series.name} has no finite value: nothing to compare it with")
    band = _band(pair, bb[2] if bb else None, bc[2] if bc else None, sb, sc)
    if bb is not None and bc is not None:
        d = bc[0] - bb[0]
        pair.deltas.append(Delta("best", bb[2], bc[2], bb[1], bc[1], d, band, _status(d, band), gates=True))
    elif bb is not None:
        pair.deltas.append(Delta("best", bb[2], None, bb[1], None, math.inf, band, "worse", gates=True,
                                 note="the candidate has no finite value"))
    fb, fc = tb.final(), tc.final()
    if fb is not None and fc is not None:
        fband = _band(pair, fb[2], fc[2], sb, sc)
        d = _diff(fc[0], fb[0])
        note = "both ended non-finite" if math.isnan(d) else ""
        pair.deltas.append(Delta("final", fb[2], fc[2], fb[1], fc[1], d, fband, _status(d, fband),
                                 gates=bb is not None, note=note))
    for p in MATCH_AT:
        _matched(pair, [tb], [tc], p, sb, sc)
    _speed(pair, [tb], [tc], band)
    if pair.tolerance.auto:
        pair.notes.append(_noise_note(pair, tb, tc, band, bb[2] if bb else None))


def _noise_note(pair: Pair, tb: _Track, tc: _Track, band: float, base: float | None) -> str:
    unit = "relative" if pair.space == "relative" else f"in {pair.metric_baseline} units"
    noise_words = f"the curves' point-to-point noise ({tb.sigma:.2g} and {tc.sigma:.2g}, {unit})"
    floor = SINGLE_RUN_FLOOR * pair.unit
    if band > floor * 1.0001:
        how = f"{AUTO_K:g} x {noise_words}"
    else:
        how = (f"{100 * SINGLE_RUN_FLOOR:g}% of what the baseline's training gained ({fmt_num(pair.unit)}): "
               f"{noise_words} cannot show how far seeds of the same code land apart")
    return (f"one run a side: the noise band is estimated from the curves alone: {_band_text(pair, band, base)}, "
            f"{how}; for a confident verdict compare 3+ seeds a side (--group-by)")


def _band_text(pair: Pair, band: float, base: float | None) -> str:
    if math.isinf(band):
        return "-"
    if pair.space == "relative" and base is not None and math.isfinite(base) and base != 0:
        return f"±{100 * band / abs(base):.1f}%"
    return f"±{fmt_num(band)}"


def _matched(pair: Pair, tb: list[_Track], tc: list[_Track], p: float, sig_b: float, sig_c: float,
             se: float = 0.0) -> None:
    """The value at p of training (a fraction), the median over seeds for groups."""
    if pair.by_fraction:
        pos_b = pos_c = p
    else:
        lo = max(min(float(t.pos[0]) for t in tb), min(float(t.pos[0]) for t in tc))
        hi = min(pair.baseline_end or 0.0, pair.candidate_end or 0.0)
        pos_b = pos_c = lo + p * (hi - lo)
    vb = [t.at(pos_b) for t in tb]
    vc = [t.at(pos_c) for t in tc]
    vb = [v for v in vb if v is not None]
    vc = [v for v in vc if v is not None]
    label = f"at {round(100 * p)}%"
    if not vb or not vc:
        pair.deltas.append(Delta(label, None, None))
        return
    mb, mc = _median_point(vb), _median_point(vc)
    d = _diff(mc[0], mb[0])
    band = _band(pair, mb[2], mc[2], sig_b, sig_c, len(tb), len(tc), se)
    pair.deltas.append(Delta(label, mb[2], mc[2], mb[1], mc[1], d, band, _status(d, band)))


def _median_point(points: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The median over seeds (by badness; the middle seed's x and value)."""
    if len(points) == 1:
        return points[0]
    order = sorted(points, key=lambda t: t[0])
    return order[(len(order) - 1) // 2]


def _speed(pair: Pair, tb: list[_Track], tc: list[_Track], band: float) -> None:
    """Where each side first comes within the band of the baseline's best (medians over seeds)."""
    bests = [t.best() for t in tb]
    bests = [b for b in bests if b is not None]
    if not bests or not math.isfinite(band):
        pair.deltas.append(Delta("speed", None, None))
        return
    target = float(np.median([b[0] for b in bests])) + band
    rb = [t.first_reaching(target) for t in tb]
    rc = [t.first_reaching(target) for t in tc]
    xb = [r for r in rb if r is not None]
    if not xb:
        pair.deltas.append(Delta("speed", None, None))
        return
    pb = float(np.median([r[0] for r in xb]))
    xb_shown = float(np.median([r[1] for r in xb]))
    reached = [r for r in rc if r is not None]
    target_value = _value_of(pair, target)
    if len(reached) * 2 <= len(rc) and not (len(rc) == 1 and reached):
        note = f"the candidate never came within the band of the baseline's best ({pair.metric_baseline} " \
               f"{fmt_num(target_value)})"
        pair.deltas.append(Delta("speed", target_value, None, xb_shown, None, math.inf, None, "worse", note=note))
        return
    pc = float(np.median([r[0] for r in reached]))
    xc_shown = float(np.median([r[1] for r in reached]))
    ratio = _ratio(pair, pc, pb, xc_shown, xb_shown)
    st = "worse" if ratio >= SPEED_RATIO else "better" if ratio <= 1 / SPEED_RATIO else "same"
    note = f"where each side first came within the band of the baseline's best ({pair.metric_baseline} " \
           f"{fmt_num(target_value)})"
    pair.deltas.append(Delta("speed", target_value, target_value, xb_shown, xc_shown, ratio, SPEED_RATIO, st,
                             note=note))


def _ratio(pair: Pair, pc: float, pb: float, xc: float, xb: float) -> float:
    """How many times the baseline's training the candidate needed (on the axis; on each run's own positions
    when aligned by fraction, since the question is how much training it took)."""
    a, b = (xc, xb) if pair.by_fraction else (pc, pb)
    if b <= 0:
        a, b = a + 1.0, b + 1.0
    return a / b if b else math.inf


def _value_of(pair: Pair, bad: float) -> float:
    return -bad if pair.higher_is_better else bad


def _deltas_groups(pair: Pair, tb: list[_Track], tc: list[_Track]) -> None:
    seeds = SeedStats(len(tb), len(tc))
    pair.seeds = seeds
    rows = {}
    for what, get in (("best", _Track.best), ("final", _Track.final)):
        gb = [get(t) for t in tb]
        gc = [get(t) for t in tc]
        bb = np.array([g[0] if g is not None else math.inf for g in gb])
        bc = np.array([g[0] if g is not None else math.inf for g in gc])
        vb = [g[2] if g is not None else math.nan for g in gb]
        vc = [g[2] if g is not None else math.nan for g in gc]
        if what == "best":
            seeds.best_baseline, seeds.best_candidate = vb, vc
        else:
            seeds.final_baseline, seeds.final_candidate = vb, vc
        rows[what] = (bb, bc)
    sig_b = float(np.mean([t.sigma for t in tb]))
    sig_c = float(np.mean([t.sigma for t in tc]))
    tests = {}
    best_se = 0.0
    for what in ("best", "final"):
        bb, bc = rows[what]
        fb, fc = bb[np.isfinite(bb)], bc[np.isfinite(bc)]
        if len(tb) >= MIN_SEEDS_TEST and len(tc) >= MIN_SEEDS_TEST:
            tests[what] = mann_whitney_u(bc, bb)  # candidate greater badness = worse
        if not len(fb):
            pair.deltas.append(Delta(what, None, _mean_value(pair, fc), gates=False,
                                     note="no baseline seed has a finite value"))
            continue
        se = math.sqrt(fb.var(ddof=1) / len(fb) + fc.var(ddof=1) / len(fc)) if len(fb) >= 2 and len(fc) >= 2 else 0.0
        if what == "best":
            best_se = se
        mb, mc = _mean_value(pair, fb), _mean_value(pair, fc)
        band = _band(pair, mb, mc, sig_b, sig_c, len(fb), max(len(fc), 1), se)
        worse_nonfinite = np.isinf(bc).sum() * 2 > len(bc) and not np.isinf(bb).sum() * 2 > len(bb)
        if not len(fc) or worse_nonfinite:
            pair.deltas.append(Delta(what, mb, None, None, None, math.inf, band, "worse", gates=True,
                                     note="most candidate seeds have no finite value"))
            continue
        d = float(fc.mean()) - float(fb.mean())
        st = _status(d, band)
        t = tests.get(what)
        if t is not None and (st == "worse" and t.p_greater > ALPHA or st == "better" and t.p_less > ALPHA):
            st = "same"  # beyond the band, but the rank test cannot tell the seeds apart
        pair.deltas.append(Delta(what, mb, mc, None, None, d, band, st, gates=True, note="mean over seeds"))
    seeds.test_best, seeds.test_final = tests.get("best"), tests.get("final")
    for p in MATCH_AT:
        _matched(pair, tb, tc, p, sig_b, sig_c, best_se)
    best = pair.delta("best")
    _speed(pair, tb, tc, best.band if best is not None and best.band is not None else MIN_BAND * pair.unit)
    seeds.confidence, seeds.words = _confidence(pair, seeds)


def _mean_value(pair: Pair, bads: np.ndarray) -> float | None:
    """The mean of the per-seed values, in the metric's units."""
    if not len(bads):
        return None
    return _value_of(pair, float(np.mean(bads)))


def _confidence(pair: Pair, seeds: SeedStats) -> tuple[str, str]:
    nb, nc = seeds.n_baseline, seeds.n_candidate
    t = seeds.test_best
    if t is None:
        if nb == 1 or nc == 1:
            return "curves-only", (
                f"{nb} baseline and {nc} candidate run{'s' if nc != 1 else ''}: too few seeds for a rank test "
                f"(it needs {MIN_SEEDS_TEST} a side); the band comes from the curves' noise"
                + (" and the seeds' spread" if max(nb, nc) > 1 else "")
            )
        return "seeds-only", (
            f"{nb} and {nc} seeds: too few for a rank test (it needs {MIN_SEEDS_TEST} a side); judged on the "
            "means, with a band from the seeds' spread and the curves' noise"
        )
    verdict = pair.delta("best")
    worse = verdict is not None and verdict.status == "worse"
    better = verdict is not None and verdict.status == "better"
    p = t.p_greater if not better else t.p_less
    level = "high" if p <= 0.01 else "moderate" if p <= ALPHA else "low"
    test = f"Mann-Whitney U = {t.u:g}, {t.method}, {nb} vs {nc} seeds"
    if worse:
        return level, f"confidence {level}: the candidate's best is worse with p = {p:.3g} ({test})"
    if better:
        return level, f"confidence {level}: the candidate's best is better with p = {p:.3g} ({test})"
    return level, (
        f"no significant difference: p = {t.p_greater:.3g} that the candidate's best is worse ({test})"
    )


# ============================================================================================== findings


def _finding_key(f: Any) -> str:
    expr = f.evidence.get("expect") if isinstance(f.evidence, dict) else None
    return f"{f.name}:{expr}" if expr else f.name


def fisher_greater(k1: int, n1: int, k2: int, n2: int) -> float:
    """One-sided Fisher exact test: the probability that k1 or more of n1 runs show something when k1 + k2 of
    the n1 + n2 runs do and the two groups do not differ (hypergeometric upper tail)."""
    total, shown = n1 + n2, k1 + k2
    denom = math.comb(total, n1)
    hi = min(shown, n1)
    return sum(math.comb(shown, k) * math.comb(total - shown, n1 - k) for k in range(k1, hi + 1)) / denom


def _finding_changes(base: list[RunReport], cand: list[RunReport]) -> list[FindingChange]:
    """New, fixed and still-present failure modes. One run a side: a mode is new when it fires on the candidate
    only. With seeds, the rules' borderline calls flip from seed to seed, so a mode is new when it fires on more
    than half of the candidate's seeds and on at least half a side more than on the baseline's, and, with
    ``MIN_SEEDS_TEST`` or more seeds a side, when a one-sided Fisher exact test says so at ``ALPHA``. Fixed the
    other way round; still when it fires on at least half of each side's seeds."""

    def shares(rrs: list[RunReport]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for rr in rrs:
            seen = set()
            for f in rr.findings:
                k = _finding_key(f)
                if k not in seen:
                    seen.add(k)
                    out.setdefault(k, []).append(f)
        return out

    sb, sc = shares(base), shares(cand)
    nb, nc = len(base), len(cand)
    tested = nb >= MIN_SEEDS_TEST and nc >= MIN_SEEDS_TEST

    def rises(k_hi: int, n_hi: int, k_lo: int, n_lo: int) -> bool:
        if not (k_hi / n_hi > 0.5 and k_hi / n_hi - k_lo / n_lo >= 0.5):
            return False
        return not tested or fisher_greater(k_hi, n_hi, k_lo, n_lo) <= ALPHA

    out: list[FindingChange] = []
    for k in list(dict.fromkeys([*sc, *sb])):
        fb, fc = sb.get(k, []), sc.get(k, [])
        grouped = nb > 1 or nc > 1
        runs = f"{len(fc)} of {nc} candidate seeds, {len(fb)} of {nb} baseline" if grouped else ""
        if rises(len(fc), nc, len(fb), nb):
            change, src = "new", fc
        elif rises(len(fb), nb, len(fc), nc):
            change, src = "fixed", fb
        elif len(fb) * 2 >= nb and len(fc) * 2 >= nc:
            change, src = "still", fc
        else:
            continue
        worst = max(src, key=lambda f: (int(f.severity), f.confidence))
        gates = change != "new" or grouped or worst.confidence >= NEW_MIN_CONFIDENCE
        if not gates:
            runs = (f"borderline: confidence {worst.confidence:.2f}, below {NEW_MIN_CONFIDENCE} with one run a side;"
                    " does not gate")
        out.append(FindingChange(change, worst.name, worst.code, worst.severity, worst.message, worst.onset,
                                 worst.axis, runs, k, float(worst.confidence), gates))
    order = {"new": 0, "fixed": 1, "still": 2}
    out.sort(key=lambda c: (order[c.change], -int(c.severity), c.code))
    return out


# ============================================================================================== words


def verdict(cmp: Comparison) -> tuple[str, str]:
    """("PASS"|"FAIL"|"ERROR", the sentence after it): the same story as the exit code."""
    code = cmp.exit_code
    if cmp.errors:
        k = len(cmp.errors)
        return "ERROR", f"{k} input{'s' if k != 1 else ''} could not be read (exit {code})"
    n = len(cmp.pairs)
    worse = [p for p in cmp.pairs if p.verdict == "worse"]
    new = [p for p in cmp.pairs if p.new_gating]
    gate = "never" if cmp.fail_on is None else cmp.fail_on.label
    parts = []
    if worse:
        parts.append(f"{len(worse)} of {n} worse than the baseline beyond tolerance" if n > 1 else
                     "the candidate is worse than the baseline beyond tolerance")
    if new:
        k = sum(len(p.new_gating) for p in new)
        parts.append(f"{k} new finding{'s' if k != 1 else ''} at or above --fail-on {gate}")
    if parts:
        tail = " with --exit-zero" if code == 0 else ""
        return "FAIL", "; ".join(parts) + f" (exit {code}{tail})"
    better = sum(p.verdict == "better" for p in cmp.pairs)
    what = "the candidate is not worse than the baseline beyond tolerance" if n == 1 else \
        f"no candidate is worse than its baseline beyond tolerance ({n} compared)"
    if better:
        what += f"; {'it is' if n == 1 else f'{better} are'} better"
    return "PASS", f"{what}, and has no new finding at or above --fail-on {gate} (exit {code})"


def pair_sentence(p: Pair) -> str:
    """One sentence: what the pair's verdict rests on."""
    gating = [d for d in p.deltas if d.gates]
    if p.verdict == "n/a":
        return f"{p.metric_label} could not be compared"
    bits = []
    for d in gating:
        bits.append(f"{d.what} {delta_text(p, d)}" + (f" (band {band_text(p, d)})" if d.band is not None else ""))
    word = {"worse": "worse", "better": "better", "same": "within tolerance"}[p.verdict]
    return f"{p.metric_label} {word}: " + ", ".join(bits)


def delta_text(p: Pair, d: Delta) -> str:
    """A delta as people read it: +12.3% for losses, +0.012 for accuracies (signed as logged: an accuracy that
    falls shows a minus), x1.8 for speed."""
    if d.delta is None:
        return "-"
    if d.what == "speed":
        if math.isinf(d.delta):
            return "never"
        return f"x{d.delta:.2f}"
    if math.isnan(d.delta):
        return "n/a"
    if math.isinf(d.delta):
        return "non-finite" if d.delta > 0 else "baseline non-finite"
    base = d.baseline
    if p.space == "relative" and base is not None and math.isfinite(base) and base != 0:
        return f"{100 * d.delta / abs(base):+.1f}%"
    raw = -d.delta if p.higher_is_better else d.delta
    return f"{raw:+.4g}"


def band_text(p: Pair, d: Delta) -> str:
    if d.band is None:
        return "-"
    if d.what == "speed":
        return f"x{d.band:g}"
    return _band_text(p, d.band, d.baseline)
