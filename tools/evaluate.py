"""Measure lossdoc's diagnoses against the labelled real training runs in fixtures/eval (``make eval``).

Each manifest entry has a ``label`` (the mode that should be the primary diagnosis, or "healthy"), ``also``
(modes that are legitimately true of the curves as well and may fire) and ``not`` (modes that must not fire).
Per mode:
- recall: share of runs labelled with the mode where it fired (any severity);
- precision: share of the mode's firings that were on runs whose label or ``also`` names it.
Primary accuracy: share of runs whose primary diagnosis is the label; for a healthy run, that nothing at
warning or above fired. The confusion matrix is label x primary ("healthy" when nothing fired).

    python tools/evaluate.py [--manifest fixtures/eval/manifest.json] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lossdoc
from lossdoc.model import Severity
from lossdoc.rules import ALL_RULES

MODES = [r.name for r in ALL_RULES if not r.code.startswith("LD4")]  # LD4xx: the user's expectations, not modes


def diagnose(entry: dict) -> tuple[list[str], str, bool]:
    """(names of all findings, primary name or 'healthy', whether something at warning or above fired)."""
    report = lossdoc.analyze(str(ROOT / entry["path"]), input_format=entry.get("input_format"))
    if report.errors:
        raise RuntimeError(f"{entry['path']}: {report.errors[0].message}")
    names, primary, warn = [], "healthy", False
    for rr in report.runs:
        names += [f.name for f in rr.findings]
        if rr.primary is not None and primary == "healthy":
            primary = rr.primary.name
        warn |= any(f.severity >= Severity.WARNING for f in rr.findings)
    return names, primary, warn


def evaluate(manifest: Path) -> dict:
    entries = json.loads(manifest.read_text())
    tp = Counter()
    fp = Counter()
    labelled = Counter()
    hit = Counter()
    confusion: dict[str, Counter] = defaultdict(Counter)
    violations = []
    correct = 0
    healthy_clean = 0
    for e in entries:
        label = e["label"]
        ok_modes = {label, *e.get("also", [])}
        names, primary, warn = diagnose(e)
        fired = set(names)
        for m in fired:
            if m in ok_modes:
                tp[m] += 1
            else:
                fp[m] += 1
        if label != "healthy":
            labelled[label] += 1
            hit[label] += label in fired
        confusion[label][primary] += 1
        if label == "healthy":
            correct += not warn
            healthy_clean += not warn
        else:
            correct += primary == label
        bad = fired & set(e.get("not", []))
        if bad:
            violations.append({"path": e["path"], "label": label, "fired": sorted(bad)})
    per_mode = {}
    for m in MODES:
        fired_total = tp[m] + fp[m]
        per_mode[m] = {
            "runs": labelled[m],
            "recall": hit[m] / labelled[m] if labelled[m] else None,
            "precision": tp[m] / fired_total if fired_total else None,
            "fired": fired_total,
        }
    healthy = [e for e in entries if e["label"] == "healthy"]
    return {
        "runs": len(entries),
        "primary_accuracy": correct / len(entries) if entries else None,
        "healthy_runs": len(healthy),
        "healthy_clean": healthy_clean,
        "per_mode": per_mode,
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "violations": violations,
    }


def _fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:5.2f}"


def print_table(res: dict) -> None:
    print(f"{res['runs']} labelled runs ({res['healthy_runs']} healthy, {res['healthy_clean']} of them with nothing "
          f"at warning or above); primary diagnosis correct: {res['primary_accuracy']:.1%}\n")
    print(f"{'mode':<20} {'runs':>4} {'recall':>7} {'precision':>9} {'fired':>6}")
    for m, r in res["per_mode"].items():
        print(f"{m:<20} {r['runs']:>4} {_fmt(r['recall']):>7} {_fmt(r['precision']):>9} {r['fired']:>6}")
    labels = sorted(res["confusion"])
    preds = sorted({p for row in res["confusion"].values() for p in row})
    short = {p: p[:6] for p in preds}
    print("\nconfusion of primary diagnoses (rows: label, columns: primary)")
    print(" " * 20 + "".join(f"{short[p]:>7}" for p in preds))
    for lab in labels:
        row = res["confusion"][lab]
        print(f"{lab:<20}" + "".join(f"{row.get(p, 0) or '.':>7}" for p in preds))
    if res["violations"]:
        print("\nmust-not violations:")
        for v in res["violations"]:
            print(f"  {v['path']} ({v['label']}): {', '.join(v['fired'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(ROOT / "fixtures" / "eval" / "manifest.json"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = evaluate(Path(args.manifest))
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print_table(res)


if __name__ == "__main__":
    main()
