"""Measure ``lossdoc compare`` on real training pairs (``make eval``, after tools/evaluate.py).

fixtures/compare/manifest.json lists pairs of real runs made by fixtures/compare/generate.py and labelled by
fixtures/compare/label.py (which imports nothing from lossdoc): ``same`` for two seeds (or two groups of seeds) of
one configuration, ``worse`` for a change that moved the mean best val loss up by more than twice the seed spread,
``within-noise`` for a change that moved it less (a grey zone), ``better`` for one that moved it down as much.

Each pair is compared as ``lossdoc compare`` does (the val loss, --fail-on warning) at ``--tolerance auto`` and
at a fixed 5%. Reported per kind of pair: how many are worse beyond tolerance (the metric verdict) and how many
exit 1 (worse, or a new finding at warning or above). Targets: no seed-only pair flagged at auto; every ``worse``
change flagged.

    python tools/eval_compare.py [--manifest fixtures/compare/manifest.json] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lossdoc
from lossdoc.compare import Tolerance, compare_groups
from lossdoc.model import Severity

TOLERANCES = {"auto": Tolerance(), "5%": Tolerance(5.0)}
KINDS = {"single": "one run a side", "group": "4 seeds a side"}
LABELS = ("same", "worse", "better", "within-noise")


def _pct(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "-"


def evaluate(manifest: Path) -> dict:
    entries = json.loads(manifest.read_text())
    cache: dict[str, object] = {}

    def run(path: str):
        if path not in cache:
            rep = lossdoc.analyze(str(ROOT / path))
            if rep.errors or len(rep.runs) != 1:
                raise SystemExit(f"{path}: {rep.errors[0].message if rep.errors else 'not one run'}")
            cache[path] = rep.runs[0]
        return cache[path]

    results = []
    for e in entries:
        base = [(Path(p).stem, run(p)) for p in e["baseline"]]
        cand = [(Path(p).stem, run(p)) for p in e["candidate"]]
        out = {"id": e["id"], "kind": e["kind"], "split": e.get("split", "tune"), "label": e["label"],
               "task": e["task"], "change": e["candidate_config"] if e["label"] != "same" else "seed only"}
        for name, tol in TOLERANCES.items():
            pair = compare_groups(base, cand, name=e["id"], tolerance=tol, fail_on=Severity.WARNING)
            out[name] = {"worse": pair.verdict == "worse", "exit1": pair.status == "fail",
                         "new": [f.name for f in pair.new_gating]}
        results.append(out)
    return {"entries": results, "checks": {e["id"]: e.get("checks", {}) for e in entries}}


def table(results: list[dict]) -> list[str]:
    lines = ["| split | pairs | label | n | auto: worse | auto: exit 1 | 5%: worse | 5%: exit 1 |",
             "|---|---|---|--:|--:|--:|--:|--:|"]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        groups[(r["split"], r["kind"], r["label"])].append(r)
    for split in ("tune", "dev", "test"):
        for kind, kind_words in KINDS.items():
            for label in LABELS:
                rs = groups.get((split, kind, label), [])
                if not rs:
                    continue
                what = f"{kind_words}, {'seed only' if label == 'same' else 'changed'}"
                cells = [_pct(sum(r[t][k] for r in rs), len(rs)) for t in TOLERANCES for k in ("worse", "exit1")]
                lines.append(f"| {split} | {what} | {label} | {len(rs)} | " + " | ".join(cells) + " |")
    return lines


def headline(results: list[dict]) -> list[str]:
    out = []
    for t in TOLERANCES:
        for kind, kind_words in KINDS.items():
            rs = [r for r in results if r["kind"] == kind]
            changed = [r for r in rs if r["label"] == "worse"]
            same = [r for r in rs if r["label"] == "same"]
            out.append(
                f"{t:>4} {kind_words:15s}: changed (worse) pairs flagged {_pct(sum(r[t]['exit1'] for r in changed), len(changed))}"
                f" (worse beyond tolerance {_pct(sum(r[t]['worse'] for r in changed), len(changed))}); seed-only pairs"
                f" falsely flagged {_pct(sum(r[t]['exit1'] for r in same), len(same))} (worse beyond tolerance "
                f"{_pct(sum(r[t]['worse'] for r in same), len(same))})"
            )
    return out


def per_change(results: list[dict], checks: dict) -> list[str]:
    lines = ["| task | change | move / seed spread | label | one run a side: flagged (auto) | 4 seeds a side (auto) |",
             "|---|---|--:|---|--:|--:|"]
    rows: dict[tuple, dict] = defaultdict(lambda: {"single": [], "group": [], "ratio": None, "label": ""})
    for r in results:
        if r["label"] == "same":
            continue
        key = (r["task"], r["change"])
        rows[key][r["kind"]].append(r["auto"]["exit1"])
        rows[key]["ratio"] = checks[r["id"]].get("move_over_spread")
        rows[key]["label"] = r["label"]
    for (task, change), row in sorted(rows.items()):
        ratio = row["ratio"]
        lines.append(f"| {task} | {change} | {ratio:+.2f} | {row['label']} | {_pct(sum(row['single']), len(row['single']))} "
                     f"| {_pct(sum(row['group']), len(row['group']))} |")
    return lines


def false_flags(results: list[dict]) -> list[str]:
    c: Counter = Counter()
    why: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        if r["label"] == "same" and r["auto"]["exit1"]:
            key = f"{r['kind']} {r['task']}/{r['id'].split('/')[1]}"
            c[key] += 1
            if r["auto"]["worse"]:
                why[key]["metric"] += 1
            for n in r["auto"]["new"]:
                why[key][f"new {n}"] += 1
    return [f"  {k}: {n} ({', '.join(f'{w} {m}' for w, m in why[k].most_common())})" for k, n in c.most_common()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", type=Path, default=ROOT / "fixtures" / "compare" / "manifest.json")
    ap.add_argument("--json", action="store_true", help="print the per-pair results as JSON")
    args = ap.parse_args()
    if not args.manifest.exists():
        raise SystemExit(f"{args.manifest}: no manifest (make compare-fixtures)")
    t0 = time.time()
    res = evaluate(args.manifest)
    if args.json:
        print(json.dumps(res, indent=1))
        return
    results = res["entries"]
    print(f"\nlossdoc compare on {len(results)} pairs of real training runs ({args.manifest.relative_to(ROOT)}), "
          f"{time.time() - t0:.1f} s")
    print("flagged = exit 1 (worse beyond tolerance, or a new finding at warning or above)\n")
    print("\n".join(headline(results)))
    print()
    print("\n".join(table(results)))
    print()
    print("\n".join(per_change(results, res["checks"])))
    ff = false_flags(results)
    if ff:
        print("\nseed-only pairs flagged at auto, by configuration (why):")
        print("\n".join(ff))


if __name__ == "__main__":
    main()
