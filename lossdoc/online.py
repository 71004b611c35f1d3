"""lossdoc while a run trains: a Monitor collects what the training loop logs and, at each check, runs the same
rules as ``lossdoc analyze`` on what it has so far and decides whether to stop.

The framework callbacks (``lossdoc.keras``, ``lossdoc.lightning``, ``lossdoc.hf``, ``lossdoc.ultralytics``) and
the replay of the evaluation set (``tools/eval_replay.py``) are thin adapters over this one class, so a stop in a
Keras fit, in a Lightning trainer and in the replay table means the same thing::

    mon = Monitor(stop_on=("non-finite", "divergence", "overfitting"))
    for epoch in range(epochs):
        ...
        mon.log({"loss": train_loss, "val_loss": val_loss}, epoch=epoch)
        decision = mon.check()
        if decision.stop:
            break                      # decision.finding says why; decision.restore_best for overfitting

Stopping is decided by findings, never by a patience or an absolute ``min_delta``:

- ``non-finite``: a NaN or Inf in a loss, at the first check that sees it (:meth:`Monitor.nonfinite` answers
  without running any rule, for a per-batch test); a NaN in a metric alone is reported, never a stop;
- ``divergence``: the divergence rule on the history so far (the loss far above its minimum, beyond its noise);
- ``overfitting``: the overfitting rule (or overconfidence, its kind) on the history so far, and confirmed:
  the upturn must still be there at ``confirm`` consecutive checks, so one bad evaluation on a noisy val loss
  never stops a healthy run; it also waits while the oscillation rule sees the losses swing (and for
  ``SWINGS_HOLD`` checks after), and, in the first ``UNLEARNED_WAIT`` checks, until the val loss has once been
  below its first evaluation, and while the train loss rose with the val loss (by more than ``TRAIN_ROSE``).
  Stopping for it asks the caller to restore the weights of the best evaluation.

Rule settings are those of the config (``rules={"overfitting": {"min_rise": 0.05}}``, or ``config=`` a
:class:`lossdoc.config.Config` or a path to a ``lossdoc.toml``/``pyproject.toml``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossdoc.model import Finding, Report, Run, RunReport, Severity

#: What stops a run by default: the failures after which no more training can help.
DEFAULT_STOP_ON = ("non-finite", "divergence")
#: What is reported (once, when it first appears) without stopping, by default.
DEFAULT_WARN_ON = ("overfitting", "spikes", "oscillation", "plateau")
#: A mode name and the rule names that count as it ("overconfidence" is a kind of overfitting).
MODE_RULES = {"overfitting": ("overfitting", "overconfidence")}
#: The overfitting rule's settings online, tuned by replaying the tune split of the evaluation set
#: (tools/eval_replay.py): a smaller rise (5% instead of 10%, and 2.5 instead of 3 noise widths) seen two
#: evaluations after the minimum, but confirmed at 4 consecutive checks (DEFAULT_CONFIRM). Rounds 1-3 of the set
#: (1,427 runs): 4% / 3 checks stopped 9 healthy runs on an upturn the run later undid (an LR step, a warm restart),
#: 5% / 4 checks 3, with less regret (0.27% against 0.38% mean) and 1.8% fewer evaluations saved on the runs that
#: should stop. Config and ``rules=`` override them.
ONLINE_RULES = {name: {"min_rise": 0.05, "min_after": 2, "noise_factor": 2.5} for name in ("overfitting", "overconfidence")}
#: Consecutive checks a finding must be seen at before it stops the run (a non-finite loss stops at once, and so
#: does a divergence that is already BLOWN_UP, below).
DEFAULT_CONFIRM = {"divergence": 2, "overfitting": 4, "spikes": 2, "oscillation": 2, "plateau": 2}
#: A divergence whose smoothed loss already stands this many times above where it started stops at the first
#: check that sees it. Development data (rounds 1-4, replayed): no spike, swing or restart did that (at 2x and 3x,
#: single spikes and the swings of warm restarts did), and 4 of round 4's 151 blow-ups were stopped within 3
#: evaluations that were not before.
BLOWN_UP = 5.0
#: A stop for overfitting waits until oscillation has not been found for this many checks: an upturn among the swings
#: of a val loss that oscillates is likely one more swing (tuned on the tune split, as below).
SWINGS_HOLD = 4
#: Up to this many checks, a stop for overfitting also needs the val loss to have fallen ``LEARNED`` below its
#: first evaluation at its best: a rise from a first value never beaten yet is the start's noise as often as an
#: upturn (a val set shifted from the train set), and after a handful of evaluations nothing says which.
UNLEARNED_WAIT = 8
LEARNED = 0.02
#: A stop for overfitting waits while the train loss rose by more than this share over the upturn (both losses
#: rising is the step size or the regulariser, not the gap widening), unless the train loss is below TINY_TRAIN
#: times the val loss. 3% (was 20%, development data: rounds 1-4): a Keras run whose huge weight decay lifted both
#: losses (val +10%, train +4%) is no longer stopped; evaluations saved on the runs that should stop: rounds 1-3
#: unchanged, round 4 4 fewer of 6,255.
TRAIN_ROSE = 0.03
TINY_TRAIN = 0.1
#: Modes a Monitor can stop on (the rest can only be warned about: stopping a run for being still-improving
#: or for a generalisation gap would be advice opposite to the fix).
STOPPABLE = ("non-finite", "divergence", "overfitting", "spikes", "oscillation", "plateau")


@dataclass
class Decision:
    """What a check found: whether to stop, the finding that says why, the findings seen for the first time."""

    stop: bool = False
    finding: Finding | None = None
    new: list[Finding] = field(default_factory=list)
    restore_best: bool = False  # stopping for overfitting: go back to the weights of the best evaluation

    @property
    def reason(self) -> str:
        if self.finding is None:
            return ""
        f = self.finding
        where = f" from {f.axis} {_fmt(f.onset)}" if f.onset is not None and f.axis else ""
        return f"{f.code} {f.name}{where}: {f.message}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _names(modes: Iterable[str] | str | None, what: str) -> tuple[str, ...]:
    from lossdoc.errors import UsageError
    from lossdoc.rules import find_rule

    if modes is None:
        return ()
    if isinstance(modes, str):
        modes = (modes,)
    out = []
    for m in modes:
        rule = find_rule(m)
        if rule is None:
            raise UsageError(f"{what}: no rule {m!r}")
        name = "overfitting" if rule.name == "overconfidence" else rule.name
        out.append(name)
    return tuple(dict.fromkeys(out))


class Monitor:
    """The history of one training run as the loop logs it, and the decision to stop it.

    ``stop_on``: modes that stop the run (default: non-finite, divergence). ``warn_on``: modes reported once when
    they first appear, without stopping (default: overfitting, spikes, oscillation, plateau; ``"all"``: every
    rule). ``rules``: per-rule settings, as ``[tool.lossdoc.rules.<name>]``. ``config``: a Config or a config
    file (its ``rules``, ``train``/``val`` and ``select``/``ignore`` are used). ``confirm``: consecutive checks a
    finding must be seen at before it stops the run (a number, or one per mode: ``{"overfitting": 3}``; a
    non-finite loss stops at once). ``min_checks``: checks before anything but a
    non-finite loss may stop the run. ``train``/``val``: the series to use as train/val loss when the names do
    not say."""

    def __init__(
        self,
        stop_on: Iterable[str] | str | None = DEFAULT_STOP_ON,
        warn_on: Iterable[str] | str | None = DEFAULT_WARN_ON,
        *,
        rules: Mapping[str, Mapping[str, Any]] | None = None,
        config: Any = None,
        confirm: int | Mapping[str, int] | None = None,
        min_checks: int = 3,
        train: str | None = None,
        val: str | None = None,
        source: str = "<training>",
        fmt: str = "online",
    ) -> None:
        from lossdoc.config import Config, load_config
        from lossdoc.engine import build_rules
        from lossdoc.errors import UsageError
        from lossdoc.rules import ALL_RULES

        self.stop_on = _names(stop_on, "stop_on")
        bad = [m for m in self.stop_on if m not in STOPPABLE]
        if bad:
            raise UsageError(f"stop_on: {bad[0]!r} cannot stop a run (stoppable: {', '.join(STOPPABLE)})")
        if warn_on == "all":
            self.warn_on = tuple(r.name for r in ALL_RULES if not r.code.startswith("LD4"))
        else:
            self.warn_on = _names(warn_on, "warn_on")
        if isinstance(config, (str, os.PathLike)):
            config = load_config(Path(config))
        cfg = Config() if config is None else config
        known = {r.name: r.params for r in ALL_RULES}
        # The online defaults only where the rule still has the parameter (a rule's rewrite must not break training).
        settings = {k: {p: v for p, v in ps.items() if p in known.get(k, {})} for k, ps in ONLINE_RULES.items()}
        for name, params in [*cfg.rules.items(), *(rules or {}).items()]:
            settings.setdefault(name, {}).update(params)
        wanted = set(self.stop_on) | set(self.warn_on) | {"non-finite", "divergence"}
        if "overfitting" in self.stop_on:
            wanted.add("oscillation")  # a val loss that swings holds off a stop for overfitting (decide)
        rule_names = sorted({r for m in wanted for r in MODE_RULES.get(m, (m,))})
        self.config = Config(select=rule_names, ignore=list(cfg.ignore), rules=settings)
        self.rules = build_rules(self.config)  # bad settings fail here, before training starts
        confirms = dict(DEFAULT_CONFIRM)
        confirms.update(confirm if isinstance(confirm, Mapping) else {} if confirm is None else
                        dict.fromkeys(STOPPABLE, confirm))
        if any(not isinstance(v, int) or v < 1 for v in confirms.values()) or min_checks < 0:
            raise UsageError("confirm must be a whole number of checks, at least 1, and min_checks at least 0")
        self.confirm = {m: int(confirms.get(m, 2)) for m in STOPPABLE}
        self.rule_settings = settings
        self.min_checks = int(min_checks)
        self.train = train if train is not None else cfg.train
        self.val = val if val is not None else cfg.val
        self.source, self.format = source, fmt
        self._cols: dict[str, tuple[list[float], list[float], list[float]]] = {}
        self._seen: set[tuple[str, str]] = set()  # (rule, series) findings already reported
        self._streak: dict[str, int] = {}
        self._since_swings = 1 << 30  # checks since oscillation was last found
        self.checks = 0
        self.stopped: Decision | None = None
        self.last: RunReport | None = None
        self.best: tuple[int, float] | None = None  # (check number, value) of the best val loss seen

    # ------------------------------------------------------------------------------------------- recording
    def log(self, values: Mapping[str, Any], *, step: float | None = None, epoch: float | None = None) -> None:
        """Record the numbers the loop logged at one point (a dict of floats, tensors or numpy scalars; names as
        logged). Non-numbers are ignored; NaN and Inf are kept: they are data."""
        for name, raw in values.items():
            v = _number(raw)
            if v is None or name in ("step", "epoch", "global_step"):
                continue
            steps, epochs, vals = self._cols.setdefault(str(name), ([], [], []))
            steps.append(math.nan if step is None else float(step))
            epochs.append(math.nan if epoch is None else float(epoch))
            vals.append(v)

    def nonfinite(self, values: Mapping[str, Any]) -> str | None:
        """The name of a loss among ``values`` that is NaN or Inf, or None: a per-batch test that runs no rule."""
        from lossdoc.naming import resolve

        for name, raw in values.items():
            v = _number(raw)
            if v is not None and not math.isfinite(v) and resolve(str(name)).kind == "loss":
                return str(name)
        return None

    def run(self) -> Run:
        """What has been logged so far, as a Run (the same model every reader produces)."""
        import numpy as np

        from lossdoc.api import apply_overrides
        from lossdoc.readers.base import build_series, finish_run

        run = Run(source=self.source, format=self.format)
        for name, (steps, epochs, vals) in self._cols.items():
            st = np.asarray(steps, dtype=np.float64)
            ep = np.asarray(epochs, dtype=np.float64)
            has_st, has_ep = bool(np.isfinite(st).all()), bool(np.isfinite(ep).all())
            if not has_st and not has_ep:
                ep, has_ep = np.arange(len(vals), dtype=np.float64), True
            run.add(build_series(name, vals, steps=st if has_st else None, epochs=ep if has_ep else None))
        finish_run(run)
        if self.train or self.val:
            apply_overrides(run, self.train if self.train in run.series else None,
                            self.val if self.val in run.series else None)
        return run

    # --------------------------------------------------------------------------------------------- checking
    def check(self) -> Decision:
        """Run the rules on everything logged so far and decide. Call it where a stop can act (the end of an
        epoch or an evaluation). Once it has said stop, it keeps saying so."""
        if self.stopped is not None:
            return self.stopped
        return self.decide(self.run())

    def decide(self, run: Run) -> Decision:
        """One check on ``run``, the history so far as a Run (what :meth:`check` does with the logged points;
        the replay of a finished log calls it with each prefix of the log)."""
        from lossdoc.engine import check_run

        if self.stopped is not None:
            return self.stopped
        self.checks += 1
        val = run.val_loss
        if val is not None and len(val):
            v = float(val.values[-1])
            if math.isfinite(v) and (self.best is None or v < self.best[1]):
                self.best = (self.checks, v)
        if run.train_loss is None and run.val_loss is None:
            return Decision()
        rr = check_run(run, self.rules)
        self.last = rr
        decision = Decision()
        shown = set(self.stop_on) | set(self.warn_on)
        for f in rr.findings:
            mode = _mode(f.name)
            key = (f.name, ",".join(f.series))
            if mode in shown and f.severity >= Severity.WARNING and key not in self._seen:
                self._seen.add(key)
                decision.new.append(f)
        fired = {_mode(f.name): f for f in reversed(rr.findings)}  # the first (primary) finding of each mode wins
        for mode in list(self._streak):
            if mode not in fired:
                self._streak[mode] = 0
        for mode, f in fired.items():
            self._streak[mode] = self._streak.get(mode, 0) + 1
        self._since_swings = 0 if "oscillation" in fired else self._since_swings + 1
        for f in rr.findings:  # primary first
            mode = _mode(f.name)
            if mode not in self.stop_on:
                continue
            if mode == "non-finite" and f.severity < Severity.ERROR:
                continue  # only a metric is NaN, every loss finite (an AP of an empty class): the weights are fine
            if mode != "non-finite" and self.checks <= self.min_checks:
                continue
            blown_up = mode == "divergence" and (f.evidence.get("final_over_start") or 0) >= BLOWN_UP
            if mode != "non-finite" and self._streak.get(mode, 0) < self.confirm[mode] and not blown_up:
                continue
            if mode == "overfitting" and self._since_swings < SWINGS_HOLD:
                continue
            if mode == "overfitting" and self.checks <= UNLEARNED_WAIT and not _learned(run):
                continue
            if mode == "overfitting" and _train_rose(f):
                continue
            decision.stop, decision.finding = True, f
            decision.restore_best = mode == "overfitting"
            self.stopped = decision
            break
        return decision

    def report(self, fail_on: str = "warning") -> Report:
        """The whole report of what was logged, as ``lossdoc analyze`` would make it from a log (every rule)."""
        from lossdoc.api import analyze

        run = self.run()
        if run.train_loss is None and run.val_loss is None:
            return Report()
        return analyze(run, fail_on=fail_on, train=None, val=None)

    def render(self, fmt: str = "rich", fail_on: str = "warning", width: int = 100) -> str:
        """The report as text: ``rich`` (plain, for a log), ``json``, ``markdown``..."""
        from lossdoc.reporters import REPORTERS

        rep = self.report(fail_on)
        options: dict[str, Any] = {"width": width, "color": False} if fmt == "rich" else {}
        return REPORTERS[fmt](rep, **options)

    def write_report(self, path: str | os.PathLike | None, log=None) -> None:
        """At the end of training: the rich report to ``log`` (a callable taking a string; default stderr) and,
        when ``path`` is given, the JSON report to that file (whole or not at all)."""
        import sys

        from lossdoc.cli import write_atomic

        text = self.render("rich")
        if log is None:
            sys.stderr.write(text)
        else:
            log(text)
        if path is not None:
            write_atomic(Path(path), self.render("json"))


def _learned(run: Run) -> bool:
    """Whether the val loss fell before its upturn: its best so far is below its first evaluation by more than
    ``LEARNED`` of it."""
    import numpy as np

    val = run.val_loss
    if val is None:
        return True
    v = val.values[np.isfinite(val.values)]
    return len(v) > 1 and float(v.min()) < float(v[0]) - LEARNED * abs(float(v[0]))


def _train_rose(f: Finding) -> bool:
    """Whether the train loss rose with the val loss by more than ``TRAIN_ROSE`` of its level over the upturn
    (and was not tiny against the val loss): both going up is the step size, not the gap widening, and often
    comes back down (an RMSprop run whose val loss went 21 -> 115 with the train loss 20 -> 33, then fell to
    0.7). A train loss creeping up from near zero (2e-5 to 5e-3 while val rises) still lets the stop through."""
    ev = f.evidence
    change, t_best, v_best = ev.get("train_change_pct"), ev.get("train_at_best"), ev.get("best_value")
    if change is None or t_best is None or v_best is None:
        return False
    return change > 100 * TRAIN_ROSE and abs(t_best) >= TINY_TRAIN * abs(v_best)


def _mode(rule_name: str) -> str:
    for mode, names in MODE_RULES.items():
        if rule_name in names:
            return mode
    return rule_name


def _number(raw: Any) -> float | None:
    """A float from what a framework logs: Python numbers, numpy scalars, 0-d tensors; None for anything else."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    item = getattr(raw, "item", None)
    if item is not None:
        try:
            numel = getattr(raw, "numel", None)
            n = numel() if callable(numel) else getattr(raw, "size", 1)
            if n != 1:
                return None
            v = item()
        except (TypeError, ValueError, RuntimeError):
            return None
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    return None


def say(decision: Decision, log=None, prefix: str = "lossdoc") -> None:
    """One line per new finding and per stop, for a training log (stderr by default)."""
    import sys

    from lossdoc.reporters.safe import printable

    write = log or (lambda s: sys.stderr.write(s + "\n"))
    for f in decision.new:
        where = f" at {f.axis} {_fmt(f.onset)}" if f.onset is not None and f.axis else ""
        write(printable(f"{prefix}: {f.severity.label} {f.code} {f.name}{where}: {f.message}"))
    if decision.stop and decision.finding is not None:
        tail = "; restoring the weights of the best evaluation" if decision.restore_best else ""
        write(printable(f"{prefix}: stopping training: {decision.reason}{tail}"))


class Hook:
    """What the framework callbacks share: a Monitor made afresh at each training start, a line in the training log
    for each new finding and for the stop, and the report when training ends (rich to the log, JSON to
    ``report``). ``log``: a callable taking one line of text (default: standard error)."""

    def __init__(
        self,
        stop_on: Iterable[str] | str | None = DEFAULT_STOP_ON,
        warn_on: Iterable[str] | str | None = DEFAULT_WARN_ON,
        *,
        report: str | os.PathLike | None = None,
        log=None,
        restore_best: bool = True,
        verbose: bool = True,
        **settings: Any,
    ) -> None:
        self._kw = {"stop_on": stop_on, "warn_on": warn_on, **settings}
        self.report_path = report
        self.log = log
        self.restore_best = restore_best
        self.verbose = verbose
        self.monitor = Monitor(**self._kw)  # bad settings fail where the callback is made
        self.decision: Decision | None = None

    def start(self) -> None:
        self.monitor = Monitor(**self._kw)
        self.decision = None

    @property
    def keeps_best(self) -> bool:
        """Whether the best weights are worth keeping: only a stop for overfitting restores them."""
        return self.restore_best and "overfitting" in self.monitor.stop_on

    def improved(self) -> bool:
        """Whether the last check saw the best val loss so far (the moment to keep the weights)."""
        return self.monitor.best is not None and self.monitor.best[0] == self.monitor.checks

    def check(self) -> Decision:
        d = self.monitor.check()
        if self.decision is None or self.decision.finding is None:  # a batch-level stop is told by its finding
            if self.verbose:
                say(d, self._line)
            if d.stop:
                self.decision = d
        return d

    def stop_now(self, name: str) -> Decision:
        """A non-finite loss seen between checks (a batch): stop without waiting for the next check."""
        if self.decision is None:
            self.decision = Decision(stop=True)
            if self.verbose:
                self._line(f"lossdoc: stopping training: {name} is not finite (LD202 non-finite)")
        return self.decision

    def finish(self) -> None:
        """The report of what was logged, when training ends or stops (nothing when nothing was logged)."""
        if not self.monitor._cols or not self.verbose and self.report_path is None:
            return
        try:
            rep = self.monitor.report()
        except Exception as exc:  # a report must never take the training script down at its end
            self._line(f"lossdoc: no report: {type(exc).__name__}: {exc}")
            return
        if not rep.runs:
            return
        from lossdoc.reporters import REPORTERS

        if self.verbose:
            self._line(REPORTERS["rich"](rep, width=100, color=False).rstrip("\n"))
        if self.report_path is not None:
            from lossdoc.cli import write_atomic

            write_atomic(Path(self.report_path), REPORTERS["json"](rep))

    def _line(self, text: str) -> None:
        import sys

        if self.log is not None:
            self.log(text)
        else:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
