"""The JSON report of ``lossdoc compare`` (``--format json``), its own document: ``schema/compare-v1.json``
(``"report": "compare"``, ``schema_version`` 1). Fields are only ever added within version 1. Non-finite numbers
are written as the strings "nan", "inf", "-inf", so the output is always strict JSON."""

from __future__ import annotations

import json
from typing import Any

from lossdoc import __version__
from lossdoc.compare import Comparison, Delta, Pair, RankTest, delta_text, verdict
from lossdoc.model import _jsonable

SCHEMA_VERSION = 1


def _run(label: str, rr) -> dict[str, Any]:
    run = rr.run
    return {"label": label, "source": run.source, "name": run.name, "format": run.format}


def _delta(p: Pair, d: Delta) -> dict[str, Any]:
    return {
        "what": d.what,
        "baseline": d.baseline,
        "candidate": d.candidate,
        "baseline_x": d.baseline_x,
        "candidate_x": d.candidate_x,
        "delta": d.delta,
        "delta_text": delta_text(p, d),
        "band": d.band,
        "status": d.status,
        "gates": d.gates,
        "note": d.note,
    }


def _test(t: RankTest | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"name": "mann-whitney-u", "u": t.u, "p_worse": t.p_greater, "p_better": t.p_less,
            "p_two_sided": t.p_two_sided, "method": t.method}


def pair_to_dict(p: Pair) -> dict[str, Any]:
    s = p.seeds
    return {
        "name": p.name,
        "status": p.status,
        "verdict": p.verdict,
        "baseline_runs": [_run(label, rr) for label, rr in p.baseline],
        "candidate_runs": [_run(label, rr) for label, rr in p.candidate],
        "metric": {
            "baseline": p.metric_baseline,
            "candidate": p.metric_candidate,
            "direction": "higher" if p.higher_is_better else "lower",
            "space": p.space,
        },
        "alignment": {"axis": p.axis, "by_fraction": p.by_fraction, "baseline_end": p.baseline_end,
                      "candidate_end": p.candidate_end},
        "progress": p.unit,
        "deltas": [_delta(p, d) for d in p.deltas],
        "seeds": None if s is None else {
            "baseline": s.n_baseline,
            "candidate": s.n_candidate,
            "best_baseline": s.best_baseline,
            "best_candidate": s.best_candidate,
            "final_baseline": s.final_baseline,
            "final_candidate": s.final_candidate,
            "test_best": _test(s.test_best),
            "test_final": _test(s.test_final),
            "confidence": s.confidence,
            "words": s.words,
        },
        "findings": [
            {"change": f.change, "name": f.name, "code": f.code, "severity": f.severity.label, "message": f.message,
             "onset": f.onset, "axis": f.axis, "runs": f.runs, "confidence": round(f.confidence, 4), "gates": f.gates}
            for f in p.findings
        ],
        "notes": list(p.notes),
    }


def to_dict(cmp: Comparison) -> dict[str, Any]:
    word, rest = verdict(cmp)
    return _jsonable(
        {
            "report": "compare",
            "schema_version": SCHEMA_VERSION,
            "lossdoc_version": __version__,
            "baseline": cmp.baseline,
            "candidate": cmp.candidate,
            "metric": cmp.metric,
            "tolerance": {"mode": "auto" if cmp.tolerance.auto else "fixed", "pct": cmp.tolerance.pct},
            "group_by": cmp.group_by,
            "fail_on": None if cmp.fail_on is None else cmp.fail_on.label,
            "pairs": [pair_to_dict(p) for p in cmp.pairs],
            "unmatched": {"baseline": list(cmp.unmatched_baseline), "candidate": list(cmp.unmatched_candidate)},
            "notes": list(cmp.notes),
            "errors": [{"source": e.source, "message": e.message} for e in cmp.errors],
            "verdict": word,
            "summary": rest,
            "exit_code": cmp.exit_code,
        }
    )


def render(cmp: Comparison, **_: Any) -> str:
    return json.dumps(to_dict(cmp), indent=2, allow_nan=False) + "\n"
