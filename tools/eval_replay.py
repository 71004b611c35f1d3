"""Replay the labelled evaluation set through early-stopping policies, evaluation by evaluation (``make eval``).

Every run of ``fixtures/eval/manifest.json`` is read once; then, at each of its evaluations (each point of its val
loss, or of its train loss when it has no val loss), each policy is shown the log up to that evaluation and says
whether to stop there. The policies:

- ``lossdoc``: ``lossdoc.online.Monitor(stop_on=("non-finite", "divergence", "overfitting"))``, the policy of the
  training-loop callbacks, with the settings in ``POLICY`` (tuned on the tune split only);
- ``ES p5`` and ``ES p10``: Keras' own ``keras.callbacks.EarlyStopping(monitor=<val loss>, patience=5|10)``
  (min_delta 0, the defaults), fed the same values through its real ``on_epoch_end``.

Per policy and split:

- **evals saved**: evaluations that were not run because the policy stopped (summed over the runs), and of
  them those saved on runs whose labels expect a stopping mode (overfitting, divergence, non-finite);
- **regret**: the best val loss of the whole run against the best val loss up to the stop (what
  ``restore_best_weights`` keeps), relative to the former, in %: mean and largest over the runs that are not
  labelled divergence or non-finite (those must be stopped; their delay is scored instead); and the same loss
  as a share of what the run's val loss learned (its first finite value minus its best), which stays readable
  where the best val loss is near zero and the relative figure runs to millions of percent;
- **false stops**: stops of runs labelled healthy whose labels do not even allow a stopping mode (overfitting,
  divergence, non-finite) as grey; shown for all such runs and for the noisy-but-fine ones (hard negatives whose
  intervention is noise: tiny or noisy val sets, small batches, noise around a level);
- **divergence / NaN**: of the runs labelled ``divergence`` or ``non-finite`` (expected), how many were stopped
  within 3 evaluations of the onset, the median and largest delay in evaluations; a run not stopped is a miss.

The onset never comes from lossdoc's findings. It is measured here on the series as logged, with the criteria of
fixtures/eval/LABELS.md: non-finite, the first NaN/Inf of a loss; divergence, the first point where the smoothed
primary train loss (LABELS.md's smooth(): centred running median, window 2*floor(n/40)+1) stands at 1.25x its
start level S or more, or at S or more after having been at 0.8 S or below, or where a classification loss
enters its final stretch within 10% of chance (ln K, K from the labels' ``checks``); the first non-finite loss
if that is earlier. The onset evaluation is the first evaluation at or after that position.

    python tools/eval_replay.py [--manifest fixtures/eval/manifest.json] [--split tune|test|all] [--json]
                                [--details] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lossdoc.api import apply_overrides, read
from lossdoc.errors import InputError
from lossdoc.model import Run, Series
from lossdoc.online import Monitor

STOP_MODES = {"overfitting", "divergence", "non-finite"}
#: The online policy under test: the callbacks' own defaults (lossdoc.online.ONLINE_RULES, DEFAULT_CONFIRM,
#: SWINGS_HOLD, UNLEARNED_WAIT, tuned on the tune split only; warn_on as the callbacks have it) with overfitting added
#: to what stops a run.
POLICY = {"stop_on": ("non-finite", "divergence", "overfitting")}
MAX_EVALS = 200  # a run evaluated more often than this is checked at 200 evenly spaced evaluations
WITHIN = 3


# ------------------------------------------------------------------------------------------------ the run


@dataclass
class Replayable:
    entry: dict
    run: Run
    clock: str  # "step" or "epoch": the axis every series is cut on
    evals: np.ndarray  # positions of the evaluations on that clock
    val: np.ndarray  # val loss at each evaluation (the monitored value)
    onset_eval: int | None = None
    onset_why: str = ""


def _clock_of(s: Series, clock: str) -> np.ndarray | None:
    return s.steps if clock == "step" else s.epochs


def load(entry: dict, root: Path) -> Replayable:
    runs = read(str(root / entry["path"]), entry.get("input_format"))
    run = runs[0]
    if entry.get("train") or entry.get("val"):
        apply_overrides(run, entry.get("train"), entry.get("val"))
    mon = run.val_loss or run.train_loss
    assert mon is not None, entry["id"]
    clock = "step" if mon.steps is not None else "epoch"
    pos = _clock_of(mon, clock)
    if pos is None:
        pos = np.arange(len(mon), dtype=np.float64)
        clock = "epoch"
    keep = np.isfinite(pos)
    evals, vals = pos[keep], mon.values[keep]
    if run.val_loss is None or len(evals) > MAX_EVALS:  # a per-step train loss: check at most 200 times
        idx = np.unique(np.linspace(0, len(evals) - 1, min(len(evals), MAX_EVALS if run.val_loss else 50)).astype(int))
        evals, vals = evals[idx], vals[idx]
    rp = Replayable(entry, run, clock, evals, vals)
    rp.onset_eval, rp.onset_why = onset(rp)
    return rp


def prefix(rp: Replayable, k: int) -> Run:
    """The run as logged up to and including evaluation k."""
    cut = rp.evals[k]
    out = Run(source=rp.run.source, format=rp.run.format, name=rp.run.name, meta=dict(rp.run.meta),
              train_override=rp.run.train_override, val_override=rp.run.val_override)
    for s in rp.run.series.values():
        x = _clock_of(s, rp.clock)
        if x is None:
            continue
        mask = x <= cut
        if mask.any():
            out.add(s.take(mask))
    return out


# ------------------------------------------------------------------------------------------------ onset


def _running_median(y: np.ndarray, w: int) -> np.ndarray:
    if w <= 1:
        return y.copy()
    h = w // 2
    return np.array([np.median(y[max(0, i - h) : i + h + 1]) for i in range(len(y))])


def onset(rp: Replayable) -> tuple[int | None, str]:
    """The evaluation at which divergence or a non-finite loss begins (LABELS.md's criteria on the logged
    series), for runs labelled with either; None for the others."""
    e = rp.entry
    if not ({"divergence", "non-finite"} & set(e.get("expected", []))):
        return None, ""
    candidates: list[tuple[float, str]] = []
    for s in rp.run.series.values():
        if s.kind != "loss" or s.derived:
            continue
        x = _clock_of(s, rp.clock)
        if x is None:
            continue
        bad = ~np.isfinite(s.values) & np.isfinite(x)
        if bad.any():
            candidates.append((float(x[np.argmax(bad)]), f"{s.name} non-finite"))
    if "divergence" in e.get("expected", []):
        main = rp.run.train_loss or rp.run.val_loss
        x = _clock_of(main, rp.clock) if main is not None else None
        if main is not None and x is not None:
            ok = np.isfinite(main.values) & np.isfinite(x)
            y, px = main.values[ok], x[ok]
            if e.get("checks", {}).get("div_negative_ok"):
                y = np.exp(np.minimum(y, 700))
            n = len(y)
            if n >= 3:
                sm = _running_median(y, 2 * (n // 40) + 1)
                k = int(min(5, max(1, round(n / 50))))
                S = float(np.median(y[:k]))
                learned = np.minimum.accumulate(sm) <= 0.8 * S
                hit = (sm >= 1.25 * S) | ((sm >= S) & np.concatenate(([False], learned[:-1])))
                if hit.any():
                    candidates.append((float(px[np.argmax(hit)]), f"{main.name} back above its start"))
                chance = e.get("checks", {}).get("div_chance")
                if chance:
                    inband = (sm >= 0.9 * chance) & (sm <= 1.1 * chance)
                    if inband[-1] and (sm <= 0.7 * chance).any():
                        j = n - 1
                        while j > 0 and inband[j - 1]:
                            j -= 1
                        candidates.append((float(px[j]), f"{main.name} at chance"))
    if not candidates:
        return None, "no onset measurable"
    pos, why = min(candidates)
    after = np.flatnonzero(rp.evals >= pos)
    if len(after) == 0:
        return None, why + " after the last evaluation"
    return int(after[0]), why


# ------------------------------------------------------------------------------------------------ policies


class KerasES:
    """keras.callbacks.EarlyStopping itself, fed one evaluation at a time."""

    def __init__(self, patience: int, monitor: str):
        os.environ.setdefault("KERAS_BACKEND", "torch")  # keras imports its backend on import
        import keras

        class _Model:
            stop_training = False

        self.cb = keras.callbacks.EarlyStopping(monitor=monitor, patience=patience)
        self.model = _Model()
        self.cb.set_model(self.model)
        self.cb.on_train_begin()
        self.monitor = monitor

    def step(self, k: int, value: float) -> bool:
        self.cb.on_epoch_end(k, {self.monitor: value})
        return bool(self.model.stop_training)


@dataclass
class Outcome:
    stop: int | None  # evaluation index of the stop, None: ran to the end
    reason: str = ""


def replay_lossdoc(rp: Replayable, policy: dict) -> Outcome:
    mon = Monitor(**policy)
    for k in range(len(rp.evals)):
        d = mon.decide(prefix(rp, k))
        if d.stop:
            return Outcome(k, d.finding.name if d.finding else "")
    return Outcome(None)


def replay_es(rp: Replayable, patience: int) -> Outcome:
    es = KerasES(patience, "val_loss")
    for k, v in enumerate(rp.val):
        if es.step(k, float(v)):
            return Outcome(k, f"patience {patience}")
    return Outcome(None)


# ------------------------------------------------------------------------------------------------ scoring


@dataclass
class Score:
    runs: int = 0
    stopped: int = 0
    evals: int = 0
    saved: int = 0
    regrets: list[float] = field(default_factory=list)
    regrets_learned: list[float] = field(default_factory=list)  # regret as a share of what the val loss learned
    healthy: int = 0
    false_stops: list[str] = field(default_factory=list)
    noisy: int = 0
    noisy_false: list[str] = field(default_factory=list)
    bad: int = 0
    delays: list[float] = field(default_factory=list)  # inf: not stopped
    late: list[str] = field(default_factory=list)
    should: int = 0  # runs whose labels expect a stopping mode
    saved_right: int = 0  # evals saved on those runs
    stops: list[tuple] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # logs lossdoc cannot read: not replayed

    def row(self) -> dict:
        finite = [d for d in self.delays if math.isfinite(d)]
        return {
            "runs": self.runs,
            "stopped": self.stopped,
            "evals": self.evals,
            "evals_saved": self.saved,
            "should_stop_runs": self.should,
            "evals_saved_should_stop": self.saved_right,
            "stops": self.stops,
            "regret_mean_pct": round(float(np.mean(self.regrets)), 3) if self.regrets else 0.0,
            "regret_max_pct": round(float(np.max(self.regrets)), 3) if self.regrets else 0.0,
            "regret_of_learned_mean_pct": round(float(np.mean(self.regrets_learned)), 3) if self.regrets_learned
            else 0.0,
            "regret_of_learned_max_pct": round(float(np.max(self.regrets_learned)), 3) if self.regrets_learned
            else 0.0,
            "healthy_runs": self.healthy,
            "false_stops": len(self.false_stops),
            "false_stop_ids": self.false_stops,
            "noisy_runs": self.noisy,
            "noisy_false_stops": len(self.noisy_false),
            "bad_runs": self.bad,
            "within": sum(1 for d in self.delays if d <= WITHIN),
            "delay_median": float(np.median(finite)) if finite else None,
            "delay_max": max(self.delays) if self.delays else None,
            "late_ids": self.late,
            "unreadable_ids": self.unreadable,
        }


def _is_clean_healthy(e: dict) -> bool:
    return e.get("primary") == "healthy" and not (STOP_MODES & set(e.get("expected", []) + e.get("allowed", [])))


def _is_noisy(e: dict) -> bool:
    text = f"{e.get('scenario', '')} {e.get('intervention', '')}".lower()
    return _is_clean_healthy(e) and bool(re.search(r"nois", text.split("recipe:")[0]))


def unreadable(sc: Score, e: dict) -> None:
    sc.unreadable.append(e["id"])
    if {"divergence", "non-finite"} & set(e.get("expected", [])):
        sc.bad += 1
        sc.delays.append(math.inf)
        sc.late.append(f"{e['id']} (not stopped: lossdoc cannot read the log)")


def score(sc: Score, rp: Replayable, out: Outcome) -> None:
    e = rp.entry
    n = len(rp.evals)
    sc.runs += 1
    sc.evals += n
    stopped = out.stop is not None and out.stop < n - 1
    should = bool(STOP_MODES & set(e.get("expected", [])))
    sc.should += should
    if stopped:
        sc.stopped += 1
        sc.saved += n - 1 - out.stop
        sc.saved_right += (n - 1 - out.stop) if should else 0
    v = rp.val
    fin = np.isfinite(v)
    # Regret is what a stop cost; on a run that had to be stopped (divergence, NaN) the delay says how well.
    if fin.any() and not {"divergence", "non-finite"} & set(e.get("expected", [])):
        best = float(v[fin].min())
        kept_v = v[: (out.stop if out.stop is not None else n - 1) + 1]
        kf = np.isfinite(kept_v)
        kept = float(kept_v[kf].min()) if kf.any() else math.inf
        scale = abs(best) if best != 0 else 1.0
        regret = 100.0 * (kept - best) / scale if math.isfinite(kept) else 100.0
        sc.regrets.append(regret)
        learned = float(v[fin][0]) - best
        if learned > 0:
            sc.regrets_learned.append(min(100.0, 100.0 * (kept - best) / learned) if math.isfinite(kept) else 100.0)
        if stopped:
            sc.stops.append((e["id"], e.get("primary"), int(out.stop), n, out.reason, round(regret, 2)))
    if _is_clean_healthy(e):
        sc.healthy += 1
        if stopped:
            sc.false_stops.append(e["id"])
        if _is_noisy(e):
            sc.noisy += 1
            if stopped:
                sc.noisy_false.append(e["id"])
    if {"divergence", "non-finite"} & set(e.get("expected", [])) and rp.onset_eval is not None:
        sc.bad += 1
        d = math.inf if out.stop is None else max(0, out.stop - rp.onset_eval)
        sc.delays.append(d)
        if d > WITHIN:
            sc.late.append(f"{e['id']} ({'not stopped' if out.stop is None else f'{d:.0f} evals'})")


# ------------------------------------------------------------------------------------------------ main


def normalise_entry(e: dict) -> dict:
    """The old manifest (label/also/not) in the words of the new one (primary/expected/allowed)."""
    if "primary" in e:
        return e
    label = e["label"]
    return {**e, "id": e.get("id", e["path"]), "primary": label,
            "expected": [] if label == "healthy" else [label], "allowed": list(e.get("also", [])),
            "split": e.get("split", "all"), "scenario": e.get("family", "")}


def evaluate(manifest: Path, root: Path, splits: list[str], policy: dict, quiet: bool = False) -> dict:
    entries = [normalise_entry(e) for e in json.loads(manifest.read_text())]
    if not any(e.get("split") in ("tune", "test") for e in entries):
        splits = ["all"]  # a manifest without a tune/test split: every run, reported as one
    entries = [e for e in entries if "all" in splits or e.get("split") in splits]
    names = ["lossdoc", "ES p5", "ES p10"]
    by_split: dict[str, dict[str, Score]] = {}
    t0 = time.time()
    for i, e in enumerate(entries):
        try:
            rp = load(e, root)
        except InputError:
            # A log lossdoc cannot read is replayed by nobody (the anchors are fed the series lossdoc reads): it
            # is listed, and a run that had to be stopped (divergence, NaN) counts as not stopped for every policy.
            for split in dict.fromkeys((e.get("split", "all"), "all")):
                scores = by_split.setdefault(split, {n: Score() for n in names})
                for n in names:
                    unreadable(scores[n], e)
            continue
        outs = {
            "lossdoc": replay_lossdoc(rp, policy),
            "ES p5": replay_es(rp, 5),
            "ES p10": replay_es(rp, 10),
        }
        for split in dict.fromkeys((e.get("split", "all"), "all")):
            scores = by_split.setdefault(split, {n: Score() for n in names})
            for n in names:
                score(scores[n], rp, outs[n])
        if not quiet and (i + 1) % 50 == 0:
            print(f"  replayed {i + 1}/{len(entries)} runs ({time.time() - t0:.0f} s)", file=sys.stderr)
    return {split: {n: sc.row() for n, sc in scores.items()} for split, scores in by_split.items()}


def table(result: dict) -> str:
    head = ("| split | policy | runs stopped | evals saved | of which on runs to stop | regret mean / max | "
            "regret of what was learned, mean / max | "
            "false stops: healthy | noisy-but-fine | div./NaN stopped within 3 evals | delay median / max |")
    lines = [head, "|" + "---|" * 11]
    for split in [s for s in ("tune", "test", "all") if s in result]:
        for name, r in result[split].items():
            dmax = r["delay_max"]
            dmax_s = "-" if dmax is None else ("not stopped" if not math.isfinite(dmax) else f"{dmax:.0f}")
            dmed = "-" if r["delay_median"] is None else f"{r['delay_median']:.0f}"
            lines.append(
                f"| {split} | {name} | {r['stopped']}/{r['runs']} | {r['evals_saved']:,} of {r['evals']:,} "
                f"({100 * r['evals_saved'] / max(r['evals'], 1):.0f}%) | {r['evals_saved_should_stop']:,} "
                f"({r['should_stop_runs']} runs) | {r['regret_mean_pct']:.2f}% / "
                f"{r['regret_max_pct']:.1f}% | {r['regret_of_learned_mean_pct']:.2f}% / "
                f"{r['regret_of_learned_max_pct']:.1f}% | {r['false_stops']}/{r['healthy_runs']} | "
                f"{r['noisy_false_stops']}/{r['noisy_runs']} | {r['within']}/{r['bad_runs']} | {dmed} / {dmax_s} |"
            )
    for split in [s for s in ("tune", "test") if s in result]:
        bad = result[split]["lossdoc"]["unreadable_ids"]
        if bad:
            lines.append(f"\n{split}: {len(bad)} run(s) not replayed, lossdoc cannot read their logs (counted in no "
                         "column but the last two, as not stopped, where they had to be stopped)")
    return "\n".join(lines)


def write_section(out: Path, result: dict) -> None:
    """The table as the section "Early stopping replayed" of ``out`` (replacing the one there, the rest kept)."""
    import platform

    text = "\n".join([
        "## Early stopping replayed: lossdoc's online policy against Keras EarlyStopping",
        "",
        "Written by `tools/eval_replay.py --out BENCHMARKS.md` (`make eval` prints it). Every run of the evaluation "
        "set (`fixtures/eval/manifest.json`), evaluation by evaluation, through the callbacks' policy "
        f"(`stop_on={tuple(POLICY['stop_on'])}`, the callbacks' defaults otherwise, tuned on the `tune` split only) "
        "and through `keras.callbacks.EarlyStopping(patience=5)` and `(patience=10)` fed the same val losses; "
        "every figure below from this one run (the README's section 'Early stopping, replayed' says what each "
        f"column counts). Python {platform.python_version()}.",
        "",
        table(result),
        "",
    ])
    old = out.read_text() if out.exists() else "# Benchmarks\n\n"
    old = re.sub(r"## Early stopping replayed:.*?(?=\n## |\Z)", "", old, flags=re.DOTALL).rstrip("\n") + "\n\n"
    out.write_text(old + text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", type=Path, default=ROOT / "fixtures/eval/manifest.json")
    ap.add_argument("--root", type=Path, default=None, help="folder the manifest's paths are relative to")
    ap.add_argument("--split", choices=["tune", "test", "all"], default=None,
                    help="default: tune and test, each reported")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--details", action="store_true", help="also list the false stops and late stops")
    ap.add_argument("--out", type=Path, default=None,
                    help="also write the table as the section 'Early stopping replayed' of this file (BENCHMARKS.md)")
    args = ap.parse_args(argv)
    root = args.root or ROOT
    splits = [args.split] if args.split else ["tune", "test"]
    result = evaluate(args.manifest, root, splits, POLICY, quiet=args.json)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    print("Early stopping replayed on the evaluation set (tools/eval_replay.py): lossdoc's online policy "
          f"{tuple(POLICY['stop_on'])} vs keras.callbacks.EarlyStopping(patience=5|10)")
    print(table(result))
    if args.out is not None:
        write_section(args.out, result)
    if args.details:
        for split, rows in result.items():
            for name, r in rows.items():
                if r["unreadable_ids"] and name == "lossdoc":
                    print(f"{split}: not replayed (unreadable) {r['unreadable_ids']}")
                if r["false_stop_ids"] or r["late_ids"]:
                    print(f"{split} {name}: false stops {r['false_stop_ids']}; late {r['late_ids']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
