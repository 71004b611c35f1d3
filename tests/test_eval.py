"""lossdoc's measured accuracy on the labelled runs of fixtures/eval (tools/evaluate.py, ``make eval``), and the
manifest contract those runs follow (EVAL_SCHEMA: every mode in exactly one of expected/allowed/forbidden, ...).

The floors are in fixtures/eval/floors.json: per-mode recall and precision, macro-F1, primary right and the share
of healthy runs that are clean, all on the ``test`` split, each at most the figure last measured
(``python tools/evaluate.py --print-floors`` prints the current figures rounded down). A change that makes a figure
drop below its floor fails here, and so does any must-not violation not listed as known (floors.json `known_must_not`,
open defects; a listed one that stops occurring fails too). Raise the floors when the rules get better;
never lower one to make a change pass without saying why in the change.

A missing or empty manifest fails (it never skips): an evaluation that silently measured nothing would pass."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys

import pytest

from tests.conftest import ROOT

EVAL_DIR = ROOT / "fixtures" / "eval"
MANIFEST = EVAL_DIR / "manifest.json"
PUBLIC_MANIFEST = ROOT / "fixtures" / "public" / "manifest.json"
FLOORS = EVAL_DIR / "floors.json"
LABELLER = EVAL_DIR / "labeller.py"


def _load_tool():
    name = "lossdoc_eval_tool"  # registered so that worker processes can find its functions by name
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


ev = _load_tool()
SCHEMA_RULES = ("fields", "ids", "partition", "must_not", "primary", "paths", "split", "groups", "tune_share",
                "coverage")


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    try:
        return ev.eval_entries(MANIFEST)
    except ev.ManifestError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def problems(entries) -> dict[str, list[str]]:
    return ev.schema_problems(entries)


@pytest.fixture(scope="module")
def floors() -> dict:
    if not FLOORS.exists():
        pytest.fail(f"{FLOORS.relative_to(ROOT)} is missing")
    return json.loads(FLOORS.read_text())


@pytest.fixture(scope="module")
def test_split(entries) -> dict:
    """One evaluation of the test split, shared by every figure below."""
    res = ev.evaluate(("test",))
    if "test" not in res["sets"] or not res["sets"]["test"]["runs"]:
        pytest.fail(f"no test split scored: {res['notes'].get('test', 'no entry has split test')}")
    return res["sets"]["test"]


@pytest.fixture(scope="module")
def lossdoc(test_split) -> dict:
    return test_split["systems"]["lossdoc"]


# ---------------------------------------------------------------------------------------------- the manifest


@pytest.mark.parametrize("rule", SCHEMA_RULES)
def test_manifest_follows_the_schema(problems, rule):
    assert not problems[rule], "\n".join(problems[rule][:20])


def test_labelled_public_entries_follow_the_schema():
    public = [e for e in json.loads(PUBLIC_MANIFEST.read_text()) if ev.labelled(e)]
    broken = {rule: items for rule, items in ev.schema_problems(public, public=True).items() if items}
    assert not broken, broken


def test_the_labeller_imports_nothing_from_lossdoc():
    assert LABELLER.exists(), f"{LABELLER.relative_to(ROOT)} is missing: the labels must come from a labeller"
    tree = ast.parse(LABELLER.read_text(), filename=str(LABELLER))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad += [a.name for a in node.names if a.name.split(".")[0] == "lossdoc"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "lossdoc":
            bad.append(node.module)
        elif isinstance(node, ast.Call) and any(
            isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.split(".")[0] == "lossdoc"
            for a in node.args
        ) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            bad.append(node.args[0].value)
    assert not bad, f"labeller.py imports {bad}"


# ---------------------------------------------------------------------------------------------- the floors


def test_floors_name_real_figures(floors):
    assert floors.get("split", "test") == "test"
    for kind in ("recall", "precision"):
        unknown = set(floors.get(kind, {})) - set(ev.MODES)
        assert not unknown, f"{kind} floors for what is not a mode: {unknown}"
    for key in ("macro_f1", "primary_right", "healthy_clean"):
        assert key in floors, f"floors.json has no {key!r}"


def test_no_entry_is_in_error(test_split):
    errors = test_split["systems"]["lossdoc"]["errors"]
    assert not errors, errors


def test_no_must_not_violation(lossdoc, floors):
    """No must-not violation beyond the known ones listed in floors.json (open defects, each named in the closing
    note); a known one that no longer occurs must leave the list, so the list stays true."""
    seen = {f"{x['id']} {x['mode']}" for x in lossdoc["must_not_violations"]}
    known = set(floors.get("known_must_not", []))
    new = sorted(seen - known)
    assert not new, f"{len(new)} new must-not violations: " + ", ".join(new)
    gone = sorted(known - seen)
    assert not gone, f"known must-not violations that no longer occur (remove them from floors.json): {gone}"


@pytest.mark.parametrize("mode", ev.MODES)
def test_recall_floor(lossdoc, floors, mode):
    floor = floors.get("recall", {}).get(mode)
    got = lossdoc["per_mode"][mode]
    if floor is None:
        pytest.fail(f"no recall floor for {mode}: every mode needs one (measured {got['recall']})")
    assert got["recall"] is not None, f"{mode}: no expected run in the test split"
    assert got["recall"] >= floor, got


@pytest.mark.parametrize("mode", ev.MODES)
def test_precision_floor(lossdoc, floors, mode):
    floor = floors.get("precision", {}).get(mode)
    got = lossdoc["per_mode"][mode]
    if floor is None:
        return  # the mode never fired when the floors were set (no precision to hold)
    # A mode that no longer fires has no false positive: its recall floor speaks for it.
    assert got["precision"] is None or got["precision"] >= floor, got


def test_macro_f1_floor(lossdoc, floors):
    assert lossdoc["macro_f1"] >= floors["macro_f1"], {m: r["f1"] for m, r in lossdoc["per_mode"].items()}


def test_primary_right_floor(lossdoc, floors):
    assert lossdoc["primary_right"] >= floors["primary_right"], lossdoc["confusion"]


def test_healthy_runs_clean_floor(lossdoc, floors):
    share = lossdoc["healthy_clean"] / lossdoc["healthy_runs"] if lossdoc["healthy_runs"] else None
    assert share is not None, "no healthy run in the test split"
    assert share >= floors["healthy_clean"], lossdoc["confusion"].get("healthy")


def test_every_finding_name_is_a_mode(lossdoc):
    assert not lossdoc["unmapped_findings"], lossdoc["unmapped_findings"]


# ---------------------------------------------------------------------------------------------- the scoring itself
# On hand-made entries and results, so that these hold whatever the manifest is.


def _entry(eid, group, primary, expected=(), allowed=(), must_not=()):
    forbidden = [m for m in ev.MODES if m not in expected and m not in allowed]
    return {"id": eid, "group": group, "primary": primary, "expected": list(expected), "allowed": list(allowed),
            "forbidden": forbidden, "must_not": list(must_not)}


def _result(eid, findings=(), error=None, anchor_modes=None):
    verdicts = {a: [{"anchor": a, "applicable": True, "mode": (anchor_modes or {}).get(a), "index": None,
                     "at": None, "reason": ""}] for a in ev.anchors.ANCHORS}
    return {"id": eid, "error": error, "runs": 0 if error else 1, "findings": [list(f) for f in findings],
            "primary": findings[0][0] if findings else None,
            "warn": any(s in ("warning", "error") for _, s in findings), "series": [],
            "anchors": {} if error else verdicts}


def _toy():
    entries = [
        _entry("a", "g1", "overfitting", ["overfitting"], ["still-improving"], must_not=["underfitting"]),
        _entry("b", "g2", "healthy", [], ["still-improving"]),
        _entry("c", "g3", "divergence", ["divergence", "non-finite"]),
        _entry("d", "g3", "plateau", ["plateau"]),
    ]
    results = [
        _result("a", [("overconfidence", "warning"), ("underfitting", "warning")],
                anchor_modes={"keras-es": "overfitting", "keras-nan": "non-finite"}),
        _result("b", [("still-improving", "info")], anchor_modes={"prechelt-gl5": "overfitting"}),
        _result("c", error="cannot read it"),
        _result("d", [("mystery", "warning")]),
    ]
    return entries, results


def test_scoring_by_the_rules_of_the_schema():
    entries, results = _toy()
    s = ev.score_set(entries, results, resamples=200)
    ld = s["systems"]["lossdoc"]
    pm = ld["per_mode"]
    assert (pm["overfitting"]["tp"], pm["overfitting"]["fp"], pm["overfitting"]["fn"]) == (1, 0, 0)  # overconfidence
    assert (pm["underfitting"]["fp"], pm["underfitting"]["support"], pm["underfitting"]["precision"]) == (1, 0, 0.0)
    assert pm["still-improving"]["grey"] == 2
    assert (pm["still-improving"]["tp"], pm["still-improving"]["fp"]) == (0, 0)  # allowed: does not count
    assert (pm["divergence"]["fn"], pm["non-finite"]["fn"], pm["plateau"]["fn"]) == (1, 1, 1)  # the error: nothing
    assert ld["macro_f1_modes"] == ["overfitting", "divergence", "non-finite", "plateau"]
    assert ld["macro_f1"] == 0.25
    assert ld["must_not_violations"] == [{"id": "a", "primary": "overfitting", "mode": "underfitting"}]
    assert (ld["healthy_clean"], ld["healthy_runs"], ld["healthy_quiet"]) == (1, 1, 0)
    assert (ld["primary_right"], ld["primary_right_count"]) == (0.5, 2)
    assert ld["confusion"] == {"overfitting": {"overfitting": 1}, "healthy": {"healthy": 1},
                               "divergence": {"healthy": 1}, "plateau": {"mystery": 1}}
    assert ld["unmapped_findings"] == {"mystery": ["d"]}
    assert ld["errors"] == [{"id": "c", "error": "cannot read it"}]
    assert s["groups"] == 3


def test_anchors_are_scored_by_the_same_code():
    entries, results = _toy()
    sys_ = ev.score_set(entries, results, resamples=200)["systems"]
    assert sys_["keras-es"]["per_mode"]["overfitting"]["tp"] == 1
    assert sys_["keras-nan"]["per_mode"]["non-finite"]["tp"] == 0  # non-finite was not expected on "a"
    assert sys_["keras-nan"]["per_mode"]["non-finite"]["fp"] == 1
    assert sys_["prechelt-gl5"]["per_mode"]["overfitting"]["fp"] == 1  # on the healthy run
    assert sys_["prechelt-gl5"]["healthy_quiet"] == 0
    union = sys_[ev.anchors.UNION]["per_mode"]
    assert (union["overfitting"]["tp"], union["overfitting"]["fp"], union["non-finite"]["fp"]) == (1, 1, 1)


def test_bootstrap_intervals_resample_groups_and_are_reproducible():
    entries, results = _toy()
    a = ev.score_set(entries, results, resamples=300, seed=7)
    b = ev.score_set(entries, results, resamples=300, seed=7)
    assert a["systems"] == b["systems"]
    ci = a["systems"]["lossdoc"]["primary_right_ci"]
    assert 0.0 <= ci[0] <= 0.5 <= ci[1] <= 1.0
    # Every group alike: every resample is the set itself, the interval is the point.
    same = [_entry(f"r{i}", f"g{i}", "overfitting", ["overfitting"]) for i in range(6)]
    res = [_result(f"r{i}", [("overfitting", "warning")]) for i in range(6)]
    ld = ev.score_set(same, res, resamples=100)["systems"]["lossdoc"]
    assert ld["per_mode"]["overfitting"]["recall_ci"] == [1.0, 1.0] and ld["macro_f1_ci"] == [1.0, 1.0]


def test_an_entry_in_error_is_listed_not_skipped(tmp_path):
    entries, _ = _toy()
    entry = {**entries[0], "path": "fixtures/eval/no/such/run.csv", "split": "test"}
    result = ev.analyse(entry)
    assert result["error"] and "no such" in result["error"] and not result["findings"]
    s = ev.score_set([entry], [result], resamples=50)
    assert s["runs"] == 1 and s["systems"]["lossdoc"]["errors"][0]["id"] == entry["id"]
    assert s["systems"]["lossdoc"]["per_mode"]["overfitting"]["fn"] == 1


def test_a_missing_empty_or_old_manifest_is_an_error(tmp_path):
    with pytest.raises(ev.ManifestError, match="missing"):
        ev.eval_entries(tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text("[]")
    with pytest.raises(ev.ManifestError, match="empty"):
        ev.eval_entries(tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text(json.dumps([{"path": "x", "label": "healthy", "also": [], "not": []}]))
    with pytest.raises(ev.ManifestError, match="old form"):
        ev.eval_entries(tmp_path / "manifest.json")


def test_schema_problems_catch_each_rule():
    good = _entry("a", "g", "overfitting", ["overfitting"], must_not=["underfitting"])
    good.update(path="README.md", split="public")
    assert not any(ev.schema_problems([good], public=True).values())
    twice = {**good, "allowed": ["overfitting"]}
    assert ev.schema_problems([twice], public=True)["partition"]
    assert ev.schema_problems([{**good, "must_not": ["overfitting"]}], public=True)["must_not"]
    assert ev.schema_problems([{**good, "expected": []}], public=True)["primary"]
    assert ev.schema_problems([{**good, "path": "nowhere"}], public=True)["paths"]
    tune = [{**good, "id": f"t{i}", "group": f"t{i}", "split": "tune"} for i in range(4)]
    p = ev.schema_problems([*tune, {**good, "id": "x", "group": "t0", "split": "test"}])
    assert p["tune_share"] and p["groups"] and p["coverage"] and p["split"] == []
