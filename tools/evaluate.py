"""Score lossdoc's diagnoses, and what today's tools would have said, on the labelled sets (``make eval``).

Sets: ``tune`` and ``test`` (the entries of fixtures/eval/manifest.json by their ``split``) and ``public``
(fixtures/public/manifest.json, the entries that carry labels). The manifest contract and the scoring rules are
the ones of the coordination note EVAL_SCHEMA.md:

- A finding's name maps to a mode by name, except ``overconfidence`` -> ``overfitting``; a finding whose name is
  not a mode is reported on a line of its own. "Found" = a finding of that mode at any severity.
- Per mode m over a set's runs: TP = m expected and found; FN = m expected and not found; FP = m found and
  forbidden; runs where m is allowed (grey) do not count for m. Precision, recall and F1 = 2TP / (2TP + FP + FN).
  Macro-F1: the mean F1 over the modes with expected runs in the set.
- Healthy runs clean: runs whose primary is ``healthy`` with no finding at warning or above.
- Must-not violations: a mode in the entry's ``must_not`` was found (listed by id and mode).
- Primary right: lossdoc's primary finding's mode equals the entry's ``primary``; for ``healthy``, nothing at
  warning or above. Confusion of primaries: rows the labelled primary, columns lossdoc's primary finding's mode,
  ``healthy`` when it found nothing (for a run labelled healthy: nothing at warning or above, so that the diagonal
  is exactly "primary right").
- Intervals: 95% percentile bootstrap, resampling the entries' ``group`` with replacement (2,000 resamples, numpy
  ``default_rng(SEED)``, the same resamples for every system of a set); a resample in which a figure is undefined
  (e.g. no expected run of the mode drawn) is left out of that figure's interval.
- An entry lossdoc cannot read is listed as an error and counts as "nothing found", for lossdoc and the anchors.

The anchors (tools/anchors.py: Keras EarlyStopping and TerminateOnNaN, Lightning EarlyStopping, Prechelt's GL and
UP, and their union) run on the same series and are scored by the same code.

    python tools/evaluate.py [--set tune|test|public ...] [--jobs N] [--json [FILE]]
                             [--manifest PATH] [--public-manifest PATH] [--resamples N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(__file__).resolve().parent
for _p in (str(ROOT), str(TOOLS)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import anchors  # tools/anchors.py (pure numpy), found through the sys.path entry above

EVAL_MANIFEST = ROOT / "fixtures" / "eval" / "manifest.json"
PUBLIC_MANIFEST = ROOT / "fixtures" / "public" / "manifest.json"
#: public-dev: public logs that development looked at (the first 67, after the first look at the held-out sets);
#: public: public logs labelled after that, never shown to anyone tuning lossdoc (the held-out public set).
SETS = ("tune", "test", "public", "public-dev")
PUBLIC_SETS = ("public", "public-dev")

#: The label vocabulary (EVAL_SCHEMA.md); ``healthy`` is a primary only.
MODES = ("overfitting", "divergence", "non-finite", "spikes", "oscillation", "plateau", "underfitting",
         "still-improving", "val-below-train", "generalization-gap")
HEALTHY = "healthy"
#: Finding names that are not modes themselves.
ALIASES = {"overconfidence": "overfitting"}
SHORT = {"overfitting": "overfit", "divergence": "diverge", "non-finite": "nonfin", "spikes": "spikes",
         "oscillation": "oscill", "plateau": "plateau", "underfitting": "under", "still-improving": "still",
         "val-below-train": "vbelow", "generalization-gap": "gengap", HEALTHY: "healthy"}

SYSTEMS = ("lossdoc", *anchors.ANCHORS, anchors.UNION)
RESAMPLES = 2000
SEED = 20240611
TUNE_MAX_SHARE = 0.6
REQUIRED = ("id", "path", "split", "primary", "expected", "allowed", "forbidden", "must_not")


class ManifestError(Exception):
    """A manifest that cannot be scored at all (missing, empty, unreadable, or in the old label/also/not form)."""


def mode_of(name: str) -> str | None:
    """The mode a finding name reports, or None when it is not a mode."""
    name = ALIASES.get(name, name)
    return name if name in MODES else None


# ---------------------------------------------------------------------------------------------- manifests


def load_manifest(path: Path) -> list[dict]:
    if not path.exists():
        raise ManifestError(f"{_rel(path)} is missing")
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{_rel(path)}: {exc}") from exc
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{_rel(path)} is empty (expected a non-empty JSON list of entries)")
    return entries


def labelled(entry: dict) -> bool:
    return "primary" in entry and "expected" in entry


def eval_entries(path: Path) -> list[dict]:
    """The entries of the eval manifest; an old-form manifest (label/also/not) is an error that says so."""
    entries = load_manifest(path)
    old = [e for e in entries if not labelled(e) and "label" in e]
    if old:
        raise ManifestError(
            f"{_rel(path)} is in the old form (label/also/not, {len(old)} entries) and has no primary/expected/"
            "allowed/forbidden/split: the labelled runs of EVAL_SCHEMA.md have not landed yet"
        )
    return entries


def schema_problems(entries: list[dict], *, public: bool = False, root: Path = ROOT) -> dict[str, list[str]]:
    """Every way the entries break the manifest contract, by rule (an empty list: the rule holds)."""
    p: dict[str, list[str]] = {k: [] for k in ("fields", "ids", "partition", "must_not", "primary", "paths",
                                               "split", "groups")}
    if not public:
        p.update(tune_share=[], coverage=[])
    ids = Counter(e.get("id") for e in entries)
    p["ids"] = [f"{i!r} appears {n} times" for i, n in ids.items() if n > 1]
    split_of_group: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        eid = e.get("id", e.get("path", "?"))
        missing = [k for k in REQUIRED if k not in e]
        if missing:
            p["fields"].append(f"{eid}: no {', '.join(missing)}")
            continue
        exp, alw, forb, mn = (list(e[k] or []) for k in ("expected", "allowed", "forbidden", "must_not"))
        listed = Counter(exp + alw + forb)
        twice = sorted(m for m, n in listed.items() if n > 1)
        absent = [m for m in MODES if m not in listed]
        unknown = sorted(m for m in listed if m not in MODES)
        if twice or absent or unknown:
            p["partition"].append(f"{eid}: in more than one list {twice}, in none {absent}, not modes {unknown}")
        if not set(mn) <= set(forb):
            p["must_not"].append(f"{eid}: must_not {sorted(set(mn) - set(forb))} not in forbidden")
        prim = e["primary"]
        if prim == HEALTHY:
            if exp:
                p["primary"].append(f"{eid}: healthy with expected {exp}")
        elif prim not in MODES:
            p["primary"].append(f"{eid}: primary {prim!r} is not a mode")
        elif not exp or exp[0] != prim:
            p["primary"].append(f"{eid}: primary {prim!r} is not first in expected {exp}")
        if not (root / e["path"]).exists():
            p["paths"].append(f"{eid}: {e['path']} does not exist")
        valid = PUBLIC_SETS if public else ("tune", "test")
        if e["split"] not in valid:
            p["split"].append(f"{eid}: split {e['split']!r} (valid: {', '.join(valid)})")
        split_of_group[str(e.get("group", eid))].add(e["split"])
    p["groups"] = [f"group {g!r} is in splits {sorted(s)}" for g, s in split_of_group.items() if len(s) > 1]
    if not public:
        scored = [e for e in entries if e.get("split") in ("tune", "test")]
        tune = sum(e["split"] == "tune" for e in scored)
        if scored and tune > TUNE_MAX_SHARE * len(scored):
            p["tune_share"].append(f"tune holds {tune} of {len(scored)} runs (more than {TUNE_MAX_SHARE:.0%})")
        for m in MODES:
            for split in ("tune", "test"):
                if not any(m in (e.get("expected") or []) and e.get("split") == split for e in scored):
                    p["coverage"].append(f"{m}: no expected run in {split}")
    return p


def build_sets(
    wanted: tuple[str, ...], eval_manifest: Path, public_manifest: Path
) -> tuple[dict[str, list[dict]], dict[str, str], dict[str, dict[str, list[str]]]]:
    """(entries per set, why a set could not be built or what was left out, schema problems per manifest)."""
    sets: dict[str, list[dict]] = {}
    notes: dict[str, str] = {}
    problems: dict[str, dict[str, list[str]]] = {}
    if {"tune", "test"} & set(wanted):
        try:
            entries = eval_entries(eval_manifest)
        except ManifestError as exc:
            for s in ("tune", "test"):
                if s in wanted:
                    notes[s] = f"not scored: {exc}"
        else:
            problems[_rel(eval_manifest)] = schema_problems(entries)
            for s in ("tune", "test"):
                if s in wanted:
                    sets[s] = [e for e in entries if e.get("split") == s and labelled(e)]
    if set(PUBLIC_SETS) & set(wanted):
        try:
            entries = load_manifest(public_manifest)
        except ManifestError as exc:
            for s in PUBLIC_SETS:
                if s in wanted:
                    notes[s] = f"not scored: {exc}"
        else:
            marked = [e for e in entries if labelled(e)]
            if marked:
                problems[_rel(public_manifest)] = schema_problems(marked, public=True)
            for s in PUBLIC_SETS:
                if s in wanted:
                    sets[s] = [{**e, "id": e.get("id", e["path"])} for e in marked if e.get("split") == s]
            if len(marked) < len(entries):
                notes["public"] = f"{len(entries) - len(marked)} of {len(entries)} entries carry no labels yet (left out)"
    return sets, notes, problems


# ---------------------------------------------------------------------------------------------- analysis


def analyse(entry: dict) -> dict:
    """lossdoc's findings and the anchors' verdicts for one entry (runs in a worker process; returns plain data).
    Whatever goes wrong is the entry's ``error``: it then counts as nothing found."""
    import lossdoc
    from lossdoc.api import apply_overrides
    from lossdoc.errors import LossdocError
    from lossdoc.model import Severity

    out: dict[str, Any] = {"id": entry["id"], "error": None, "runs": 0, "findings": [], "primary": None,
                           "warn": False, "series": [], "anchors": {}}
    try:
        runs = lossdoc.read(str(ROOT / entry["path"]), entry.get("input_format"))
        for run in runs:
            apply_overrides(run, entry.get("train"), entry.get("val"))
        report = lossdoc.analyze(runs)
    except (LossdocError, OSError, ValueError) as exc:
        out["error"] = (str(exc) or type(exc).__name__).replace(f"{ROOT}{os.sep}", "")
        return out
    except Exception as exc:  # an internal error is still this entry's error, never the whole evaluation's
        out["error"] = f"internal error: {type(exc).__name__}: {exc}"
        return out
    if report.errors:
        out["error"] = "; ".join(e.message for e in report.errors)
    if out["error"]:
        out["error"] = out["error"].replace(f"{ROOT}{os.sep}", "")
    out["runs"] = len(report.runs)
    verdicts: dict[str, list[dict]] = defaultdict(list)
    for rr in report.runs:
        out["findings"] += [[f.name, f.severity.label] for f in rr.findings]
        if out["primary"] is None and rr.primary is not None:
            out["primary"] = rr.primary.name
        out["warn"] |= any(f.severity >= Severity.WARNING for f in rr.findings)
        tl, vl = rr.run.train_loss, rr.run.val_loss
        out["series"].append({"train": tl.name if tl else None, "val": vl.name if vl else None})
        found = anchors.run_anchors(
            None if tl is None else tl.values, None if tl is None else tl.x,
            None if vl is None else vl.values, None if vl is None else vl.x,
        )
        for name, v in found.items():
            verdicts[name].append(v.to_dict())
    out["anchors"] = dict(verdicts)
    return out


def analyse_all(entries: list[dict], jobs: int) -> list[dict]:
    """``analyse`` over the entries, in their order, on ``jobs`` worker processes (1: in this process)."""
    if jobs <= 1 or len(entries) < 2:
        return [analyse(e) for e in entries]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(analyse, entries, chunksize=max(1, len(entries) // (jobs * 8))))


def found_by(result: dict) -> dict[str, set[str]]:
    """The modes each system found on one entry (an entry in error: nothing)."""
    found: dict[str, set[str]] = {s: set() for s in SYSTEMS}
    if result["error"] and not result["runs"]:
        return found
    found["lossdoc"] = {m for n, _ in result["findings"] if (m := mode_of(n))}
    for name, verdicts in result["anchors"].items():
        found[name] = {v["mode"] for v in verdicts if v["mode"]}
    found[anchors.UNION] = set().union(*(found[a] for a in anchors.ANCHORS))
    return found


def primary_column(entry: dict, result: dict) -> str:
    """lossdoc's answer in the confusion table (see the module docstring)."""
    if result["primary"] is None or (entry["primary"] == HEALTHY and not result["warn"]):
        return HEALTHY
    return mode_of(result["primary"]) or result["primary"]


# ---------------------------------------------------------------------------------------------- scoring


def resample_weights(groups: list[str], resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(W, index): W[b, g] = how often group g was drawn in resample b (G draws with replacement out of G
    groups); index[i] = the group of entry i."""
    names = sorted(set(groups))
    index = np.array([names.index(g) for g in groups], dtype=np.intp)
    n = len(names)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(resamples, n))
    w = np.bincount((draws + np.arange(resamples)[:, None] * n).ravel(), minlength=resamples * n)
    return w.reshape(resamples, n).astype(np.float64), index


class Scorer:
    """Totals of per-entry counts over the set (the point estimate) and over each bootstrap resample."""

    def __init__(self, groups: list[str], resamples: int, seed: int):
        self.w, self.index = resample_weights(groups, resamples, seed)
        self.n_groups = self.w.shape[1]

    def totals(self, per_entry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """per_entry (N, ...) -> (total (...), per resample (B, ...))."""
        per_entry = np.asarray(per_entry, dtype=np.float64)
        per_group = np.zeros((self.n_groups, *per_entry.shape[1:]))
        np.add.at(per_group, self.index, per_entry)
        return per_entry.sum(axis=0), np.tensordot(self.w, per_group, axes=1)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _interval(samples: np.ndarray) -> list[float] | None:
    ok = samples[~np.isnan(samples)]
    if not len(ok):
        return None
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def _point(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


def _macro(f1: np.ndarray, b_f1: np.ndarray, cols: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean F1 over the modes ``cols``: on the set, and per resample over the modes defined in it."""
    if not cols.any():
        return np.nan, np.full(len(b_f1), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample where every F1 is undefined
        return float(np.nanmean(f1[cols])), np.nanmean(b_f1[:, cols], axis=1)


def score_system(entries: list[dict], found: list[set[str]], scorer: Scorer) -> dict:
    """Per-mode counts, precision/recall/F1 with intervals, macro-F1 and must-not violations of one system."""
    n, m = len(entries), len(MODES)
    tp, fp, fn, grey = (np.zeros((n, m)) for _ in range(4))
    for i, (e, f) in enumerate(zip(entries, found, strict=True)):
        exp, alw, forb = set(e["expected"]), set(e["allowed"]), set(e["forbidden"])
        for j, mode in enumerate(MODES):
            tp[i, j] = mode in exp and mode in f
            fn[i, j] = mode in exp and mode not in f
            fp[i, j] = mode in forb and mode in f
            grey[i, j] = mode in alw
    (t_tp, b_tp), (t_fp, b_fp), (t_fn, b_fn) = (scorer.totals(a) for a in (tp, fp, fn))
    prec, b_prec = _ratio(t_tp, t_tp + t_fp), _ratio(b_tp, b_tp + b_fp)
    rec, b_rec = _ratio(t_tp, t_tp + t_fn), _ratio(b_tp, b_tp + b_fn)
    f1, b_f1 = _ratio(2 * t_tp, 2 * t_tp + t_fp + t_fn), _ratio(2 * b_tp, 2 * b_tp + b_fp + b_fn)
    support = t_tp + t_fn
    per_mode = {}
    for j, mode in enumerate(MODES):
        per_mode[mode] = {
            "support": int(support[j]), "grey": int(grey[:, j].sum()),
            "tp": int(t_tp[j]), "fp": int(t_fp[j]), "fn": int(t_fn[j]),
            "precision": _point(prec[j]), "precision_ci": _interval(b_prec[:, j]),
            "recall": _point(rec[j]), "recall_ci": _interval(b_rec[:, j]),
            "f1": _point(f1[j]), "f1_ci": _interval(b_f1[:, j]),
        }
    cols = support > 0
    macro, b_macro = _macro(f1, b_f1, cols)
    near = cols & np.isin(MODES, anchors.MODES)
    macro_near, b_macro_near = _macro(f1, b_f1, near)
    violations = [{"id": e["id"], "primary": e["primary"], "mode": mode}
                  for e, f in zip(entries, found, strict=True) for mode in MODES
                  if mode in f and mode in set(e["must_not"])]
    healthy = [f for e, f in zip(entries, found, strict=True) if e["primary"] == HEALTHY]
    return {
        "per_mode": per_mode,
        "macro_f1_modes": [mode for j, mode in enumerate(MODES) if cols[j]],
        "macro_f1": _point(macro), "macro_f1_ci": _interval(b_macro),
        "macro_f1_anchor_modes": [mode for j, mode in enumerate(MODES) if near[j]],
        "macro_f1_on_anchor_modes": _point(macro_near), "macro_f1_on_anchor_modes_ci": _interval(b_macro_near),
        "must_not_violations": violations,
        "healthy_runs": len(healthy), "healthy_quiet": sum(not f for f in healthy),
    }


def score_set(entries: list[dict], results: list[dict], resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """Everything about one set, for lossdoc and every anchor."""
    if not entries:
        return {"runs": 0, "groups": 0, "systems": {}, "entries": []}
    groups = [str(e.get("group") or e["id"]) for e in entries]
    scorer = Scorer(groups, resamples, seed)
    found = [found_by(r) for r in results]
    systems = {s: score_system(entries, [f[s] for f in found], scorer) for s in SYSTEMS}
    for name in anchors.ANCHORS:
        systems[name]["not_applicable"] = sum(
            bool(r["anchors"]) and not any(v["applicable"] for v in r["anchors"][name]) for r in results)
    # lossdoc only: healthy clean, primary right, confusion, unmapped finding names, errors.
    cols = [primary_column(e, r) for e, r in zip(entries, results, strict=True)]
    right = np.array([[c == e["primary"]] for e, c in zip(entries, cols, strict=True)], dtype=np.float64)
    t_right, b_right = scorer.totals(right)
    confusion: dict[str, Counter] = defaultdict(Counter)
    for e, c in zip(entries, cols, strict=True):
        confusion[e["primary"]][c] += 1
    unmapped: dict[str, list[str]] = defaultdict(list)
    for e, r in zip(entries, results, strict=True):
        for name in sorted({n for n, _ in r["findings"] if mode_of(n) is None}):
            unmapped[name].append(e["id"])
    ld = systems["lossdoc"]
    healthy = [(e, r) for e, r in zip(entries, results, strict=True) if e["primary"] == HEALTHY]
    ld.update({
        "healthy_clean": sum(not r["warn"] for _, r in healthy),
        "primary_right": _point(t_right[0] / len(entries)) if entries else None,
        "primary_right_count": int(t_right[0]),
        "primary_right_ci": _interval(_ratio(b_right[:, 0], _resampled_n(scorer))),
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "unmapped_findings": dict(unmapped),
        "errors": [{"id": e["id"], "error": r["error"]} for e, r in zip(entries, results, strict=True) if r["error"]],
    })
    per_entry = []
    for e, r, f, c in zip(entries, results, found, cols, strict=True):
        per_entry.append({
            "id": e["id"], "group": e.get("group"), "primary": e["primary"], "lossdoc_primary": c,
            "found": {s: sorted(f[s]) for s in SYSTEMS}, "findings": r["findings"], "warn": r["warn"],
            "error": r["error"], "runs": r["runs"], "series": r["series"], "anchors": r["anchors"],
        })
    return {"runs": len(entries), "groups": scorer.n_groups, "systems": systems, "entries": per_entry}


def _resampled_n(scorer: Scorer) -> np.ndarray:
    """Entries in each resample."""
    sizes = np.bincount(scorer.index, minlength=scorer.n_groups).astype(np.float64)
    return scorer.w @ sizes


def evaluate(
    sets: tuple[str, ...] = SETS,
    *,
    eval_manifest: Path = EVAL_MANIFEST,
    public_manifest: Path = PUBLIC_MANIFEST,
    jobs: int | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict:
    """Analyse and score the sets; the whole result as plain data (what ``--json`` writes)."""
    started = time.perf_counter()
    chosen, notes, problems = build_sets(tuple(sets), Path(eval_manifest), Path(public_manifest))
    todo = [e for s in SETS if s in chosen for e in chosen[s]]
    results = analyse_all(todo, jobs or os.cpu_count() or 1)
    by_id = {}
    for e, r in zip(todo, results, strict=True):
        by_id[(e.get("split"), e["id"])] = r
    scored = {}
    for s in SETS:
        if s in chosen:
            entries = chosen[s]
            scored[s] = score_set(entries, [by_id[(e.get("split"), e["id"])] for e in entries], resamples, seed)
    return {
        "settings": {
            "eval_manifest": _rel(Path(eval_manifest)), "public_manifest": _rel(Path(public_manifest)),
            "resamples": resamples, "seed": seed, "interval": "95% percentile bootstrap over groups",
            "modes": list(MODES), "aliases": ALIASES, "systems": list(SYSTEMS),
            "anchor_settings": {
                "keras-es": {"patience": anchors.KERAS_PATIENCE, "min_delta": 0},
                "lightning-es": {"patience": anchors.LIGHTNING_PATIENCE, "check_finite": True,
                                 "divergence_threshold": "2 x the first finite val loss"},
                "prechelt-gl5": {"alpha": anchors.GL_ALPHA},
                "prechelt-up3": {"s": anchors.UP_STRIPS, "k": anchors.UP_STRIP_LENGTH},
            },
        },
        "notes": notes,
        "schema_problems": {k: {r: v for r, v in p.items() if v} for k, p in problems.items()},
        "sets": scored,
        "seconds": round(time.perf_counter() - started, 2),
    }


# ---------------------------------------------------------------------------------------------- text


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _num(x: float | None, width: int = 4) -> str:
    return "-".rjust(width) if x is None else f"{x:{width}.2f}"


def _ci(x: float | None, ci: list[float] | None) -> str:
    if x is None:
        return f"{'-':>4}{'':13}"
    inner = "" if ci is None else f"[{ci[0]:.2f}, {ci[1]:.2f}]"
    return f"{x:4.2f} {inner:<12}"


def render(res: dict) -> str:
    st = res["settings"]
    out = [
        f"lossdoc evaluation: {st['eval_manifest']} (tune, test), {st['public_manifest']} (public)",
        f"[lo, hi]: {st['interval']} (each entry's `group`), {st['resamples']:,} resamples with replacement,",
        f"  numpy default_rng({st['seed']}), the 2.5th and 97.5th percentiles; the same resamples for every column",
        "found = a finding of the mode at any severity (overconfidence counts as overfitting); TP: expected and",
        "  found, FN: expected and not found, FP: forbidden and found; grey (allowed) runs do not count",
    ]
    for manifest, probs in res["schema_problems"].items():
        for rule, items in probs.items():
            out.append(f"manifest problem ({manifest}, {rule}): {len(items)}: " + "; ".join(items[:3])
                       + (" ..." if len(items) > 3 else ""))
    for name in SETS:
        if name in res["notes"]:
            out.append(f"{name}: {res['notes'][name]}")
    for name, s in res["sets"].items():
        out += ["", *render_set(name, s)]
    if len(res["sets"]) > 1:
        out += ["", *render_summary(res["sets"])]
    out.append(f"\n({res['seconds']:.1f} s)")
    return "\n".join(line.rstrip() for line in "\n".join(out).split("\n"))


def render_set(name: str, s: dict) -> list[str]:
    bar = f"== {name}: {s['runs']} runs in {s['groups']} groups "
    out = [bar + "=" * max(0, 112 - len(bar))]
    if not s["runs"]:
        return [*out, "no labelled runs"]
    ld = s["systems"]["lossdoc"]
    out.append(f"{'lossdoc':<19} {'supp':>4} {'grey':>4} {'TP':>3} {'FP':>3} {'FN':>3}  "
               f"{'precision':<17}  {'recall':<17}  {'F1':<17}")
    for mode in MODES:
        r = ld["per_mode"][mode]
        out.append(f"{mode:<19} {r['support']:>4} {r['grey']:>4} {r['tp']:>3} {r['fp']:>3} {r['fn']:>3}  "
                   f"{_ci(r['precision'], r['precision_ci'])}  {_ci(r['recall'], r['recall_ci'])}  "
                   f"{_ci(r['f1'], r['f1_ci'])}")
    out.append(f"macro-F1 over the {len(ld['macro_f1_modes'])} modes with expected runs: "
               f"{_ci(ld['macro_f1'], ld['macro_f1_ci']).strip()}")
    out.append(f"healthy runs clean (nothing at warning or above): {ld['healthy_clean']}/{ld['healthy_runs']}")
    pr = "-" if ld["primary_right"] is None else _ci(ld["primary_right"], ld["primary_right_ci"]).strip()
    out.append(f"primary right: {pr} ({ld['primary_right_count']}/{s['runs']})")
    v = ld["must_not_violations"]
    out.append(f"must-not violations: {len(v)}")
    out += [f"  {x['id']} (primary {x['primary']}): {x['mode']} fired" for x in v]
    for fname, ids in ld["unmapped_findings"].items():
        out.append(f"finding {fname!r} is not a mode (not scored): {len(ids)} runs: {', '.join(ids[:5])}"
                   + (" ..." if len(ids) > 5 else ""))
    if ld["errors"]:
        out.append(f"errors (counted as nothing found): {len(ld['errors'])}")
        out += [f"  {x['id']}: {x['error']}" for x in ld["errors"]]
    several = [e["id"] for e in s["entries"] if e["runs"] > 1]
    if several:
        out.append(f"entries read as several runs (findings pooled): {', '.join(several)}")
    out += ["", *render_confusion(ld["confusion"]), "", *render_anchors(s)]
    return out


def render_confusion(conf: dict[str, dict[str, int]]) -> list[str]:
    order = [*MODES, HEALTHY]
    rows = [r for r in order if r in conf]
    seen = {c for row in conf.values() for c in row}
    cols = [c for c in order if c in seen] + sorted(seen - set(order))
    out = ["confusion of primaries (rows: labelled primary; columns: lossdoc's primary mode, or healthy)"]
    out.append(f"{'':<19}" + "".join(f"{SHORT.get(c, c[:7]):>8}" for c in cols))
    for r in rows:
        out.append(f"{r:<19}" + "".join(f"{conf[r].get(c, 0) or '.':>8}" for c in cols))
    return out


def render_anchors(s: dict) -> list[str]:
    sys_ = s["systems"]
    head = f"{'F1 by mode':<19} {'supp':>4}" + "".join(f"{n:>13}" for n in SYSTEMS)
    out = ["lossdoc beside the anchors (the same entries, the same scoring)", head]
    for mode in MODES:
        supp = sys_["lossdoc"]["per_mode"][mode]["support"]
        if not supp:
            continue
        out.append(f"{mode:<19} {supp:>4}" + "".join(f"{_num(sys_[n]['per_mode'][mode]['f1'], 13)}" for n in SYSTEMS))
    out.append(f"{'macro-F1':<24}" + "".join(f"{_num(sys_[n]['macro_f1'], 13)}" for n in SYSTEMS))
    out.append(f"{'  95% interval':<24}" + "".join(
        f"{'-' if sys_[n]['macro_f1_ci'] is None else '{:.2f}-{:.2f}'.format(*sys_[n]['macro_f1_ci']):>13}"
        for n in SYSTEMS))
    near = sys_["lossdoc"]["macro_f1_anchor_modes"]
    out.append(f"{'macro-F1, ' + str(len(near)) + ' modes*':<24}" + "".join(
        f"{_num(sys_[n]['macro_f1_on_anchor_modes'], 13)}" for n in SYSTEMS))
    out.append(f"{'must-not violations':<24}" + "".join(f"{len(sys_[n]['must_not_violations']):>13}" for n in SYSTEMS))
    out.append(f"{'healthy runs quiet':<24}" + "".join(
        f"{sys_[n]['healthy_quiet']:>8}/{sys_[n]['healthy_runs']:<4}" for n in SYSTEMS))
    out.append(f"{'not applicable':<24}{'':>13}" + "".join(
        f"{sys_[n]['not_applicable']:>13}" for n in anchors.ANCHORS) + f"{'':>13}")
    out.append(f"* the modes an anchor can report that have expected runs here: {', '.join(near) or 'none'}")
    out.append("healthy runs quiet: nothing found at any severity (an anchor's only verdict); lossdoc's info")
    out.append("  findings count against it here, not in 'healthy runs clean'")
    return out


def render_summary(sets: dict[str, dict]) -> list[str]:
    names = list(sets)
    heads = [f"{n} ({sets[n]['runs']} runs)" for n in names]
    out = ["== macro-F1 side by side " + "=" * 87, f"{'':<14}" + "".join(f"{h:>24}" for h in heads)]
    for sysname in SYSTEMS:
        cells = []
        for n in names:
            r = sets[n]["systems"][sysname] if sets[n]["runs"] else None
            cells.append("-" if r is None or r["macro_f1"] is None else _ci(r["macro_f1"], r["macro_f1_ci"]).strip())
        out.append(f"{sysname:<14}" + "".join(f"{c:>24}" for c in cells))
    pr = []
    for n in names:
        ld = sets[n]["systems"].get("lossdoc", {})
        pr.append("-" if ld.get("primary_right") is None else _ci(ld["primary_right"], ld["primary_right_ci"]).strip())
    out.append(f"{'primary right':<14}" + "".join(f"{c:>24}" for c in pr))
    return out


def floors_from(test: dict) -> dict:
    """Floors for tests/test_eval.py from a scored ``test`` set: every figure rounded down to two decimals (a floor
    is never above what was measured). Undefined figures (a mode that never fired has no precision) get none."""

    def down(x: float | None) -> float | None:
        return None if x is None else math.floor(x * 100 + 1e-9) / 100

    ld = test["systems"]["lossdoc"]
    return {
        "split": "test",
        "recall": {m: down(r["recall"]) for m, r in ld["per_mode"].items() if r["recall"] is not None},
        "precision": {m: down(r["precision"]) for m, r in ld["per_mode"].items() if r["precision"] is not None},
        "macro_f1": down(ld["macro_f1"]),
        "primary_right": down(ld["primary_right"]),
        "healthy_clean": down(ld["healthy_clean"] / ld["healthy_runs"]) if ld["healthy_runs"] else None,
        "must_not_violations": 0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", dest="sets", action="append", choices=SETS, help="score only this set (repeatable)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="write everything as JSON to FILE (or to stdout instead of the tables)")
    ap.add_argument("--manifest", type=Path, default=EVAL_MANIFEST, help="the eval manifest (tune and test)")
    ap.add_argument("--public-manifest", type=Path, default=PUBLIC_MANIFEST)
    ap.add_argument("--resamples", type=int, default=RESAMPLES)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--print-floors", action="store_true",
                    help="print the test split's figures, rounded down, in the form of fixtures/eval/floors.json")
    args = ap.parse_args(argv)
    sets = tuple(s for s in SETS if s in (args.sets or SETS))
    if args.print_floors:
        res = evaluate(("test",), eval_manifest=args.manifest, jobs=args.jobs, resamples=args.resamples, seed=args.seed)
        if "test" not in res["sets"]:
            print(res["notes"].get("test", "no test split"), file=sys.stderr)
            return 1
        print(json.dumps(floors_from(res["sets"]["test"]), indent=1))
        return 0
    res = evaluate(sets, eval_manifest=args.manifest, public_manifest=args.public_manifest, jobs=args.jobs,
                   resamples=args.resamples, seed=args.seed)
    if args.json == "-":
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print(render(res))
        if args.json:
            Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    unscored = [s for s in sets if s not in res["sets"] and res["notes"].get(s, "").startswith("not scored")]
    return 1 if unscored else 0


if __name__ == "__main__":
    sys.exit(main())
