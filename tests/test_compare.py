"""lossdoc compare: the statistics (Mann-Whitney U, Fisher), alignment (same axis, by fraction), NaN, seeds,
findings, every output format, the JSON schema, and the format pairings the README and examples use."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import lossdoc
from lossdoc.cli import app
from lossdoc.compare import (
    Tolerance,
    compare_groups,
    fisher_greater,
    group_key,
    mann_whitney_u,
    parse_tolerance,
    run_key,
)
from lossdoc.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
FX = ROOT / "fixtures"
RUNS = FX / "compare" / "runs"
SCHEMA = json.loads((ROOT / "schema" / "compare-v1.json").read_text())


def validate(doc: dict) -> None:
    import jsonschema

    jsonschema.validate(doc, SCHEMA)


def rr(cols: dict, source: str = "<data>"):
    """A diagnosed run from columns (as lossdoc.analyze reads a dict of lists)."""
    rep = lossdoc.analyze(cols)
    out = rep.runs[0]
    out.run.source = source
    return out


def pair(base: list, cand: list, **kw):
    return compare_groups([(f"b{i}", r) for i, r in enumerate(base)], [(f"c{i}", r) for i, r in enumerate(cand)], **kw)


E = np.arange(40, dtype=float)


def curve(level=0.1, start=2.3, tau=6.0, n=40, wiggle=0.0, seed=0):
    e = np.arange(n, dtype=float)
    v = level + (start - level) * np.exp(-e / tau)
    if wiggle:
        v = v * np.exp(np.random.default_rng(seed).normal(0, wiggle, n))
    return v


def run_cols(val, train=None, **extra):
    train = val * 0.8 if train is None else train
    return {"loss": train, "val_loss": val, **extra}


# ---------------------------------------------------------------------------------------------- statistics


@pytest.mark.parametrize(
    "x, y, u, p_greater, p_less, method",
    [
        # reference values from scipy.stats.mannwhitneyu (exact without ties, asymptotic for large samples)
        # and scipy.stats.permutation_test over every split (exact with ties)
        ([4, 5, 6], [1, 2, 3], 9.0, 0.05, 1.0, "exact"),
        ([1.1, 2.5, 3.3, 4.8, 5.2], [0.5, 0.9, 2.0, 2.2, 3.0], 21.0, 0.047619047619047616, 0.9722222222222222, "exact"),
        ([0.31, 0.42, 0.29, 0.55], [0.12, 0.35, 0.2, 0.28, 0.4, 0.15], 20.0, 0.05714285714285714, 0.9666666666666667,
         "exact"),
        ([1, 2, 2, 3], [2, 3, 3, 4], 3.0, 0.9857142857142858, 0.14285714285714285, "exact"),
        ([0.1, 0.1, 0.2, 0.3, 0.3], [0.2, 0.3, 0.4], 3.5, 0.9285714285714286, 0.17857142857142858, "exact"),
        (np.arange(12) * 1.3 + 0.05, np.arange(15) * 1.0, 93.0, 0.4522805061706664, None, "exact"),
        ((np.arange(60) * 7 % 61) / 10 + 0.8, (np.arange(70) * 11 % 71) / 10, 2279.0, 0.20223258609939732,
         0.799081128934628, "asymptotic"),
        (np.arange(110) * 1.01 + 7.3, np.arange(100) * 1.003, 6722.0, 0.0027393486297081987, 0.9972797572282648,
         "asymptotic"),
    ],
)
def test_mann_whitney_u_matches_known_values(x, y, u, p_greater, p_less, method):
    t = mann_whitney_u(x, y)
    assert t.u == u and t.method == method
    assert t.p_greater == pytest.approx(p_greater, rel=1e-9)
    if p_less is not None:
        assert t.p_less == pytest.approx(p_less, rel=1e-9)


def test_mann_whitney_u_textbook_and_edges():
    # Perfect separation of n vs n seeds: p = 1 / C(2n, n) one-sided.
    for n, p in ((3, 1 / 20), (4, 1 / 70), (5, 1 / 252)):
        assert mann_whitney_u(np.arange(n) + 10, np.arange(n)).p_greater == pytest.approx(p)
    assert mann_whitney_u([1, 2, 3], [4, 5, 6]).p_two_sided == pytest.approx(0.1)
    assert mann_whitney_u([np.inf, 1, 2], [0, 0.5, 0.7]).p_greater == pytest.approx(0.05)  # Inf ranks last
    with pytest.raises(ValueError):
        mann_whitney_u([np.nan, 1], [2, 3])
    with pytest.raises(ValueError):
        mann_whitney_u([], [1])


def test_fisher_exact_matches_known_values():
    # scipy.stats.fisher_exact(..., alternative="greater")
    assert fisher_greater(4, 4, 0, 4) == pytest.approx(0.014285714285714284)
    assert fisher_greater(3, 4, 0, 4) == pytest.approx(0.07142857142857142)
    assert fisher_greater(5, 7, 1, 7) == pytest.approx(0.05128205128205128)


def test_parse_tolerance():
    assert parse_tolerance("auto").auto and parse_tolerance(None).auto
    assert parse_tolerance("5").pct == 5 and parse_tolerance("2.5%").pct == 2.5
    for bad in ("-1", "five", "nan", "inf", "1e9"):
        with pytest.raises(UsageError, match="--tolerance"):
            parse_tolerance(bad)


# ---------------------------------------------------------------------------------------------- one pair


def test_same_run_is_same_and_a_worse_one_is_worse():
    base = rr(run_cols(curve(0.1)))
    p = pair([base], [rr(run_cols(curve(0.1)))])
    assert p.verdict == "same" and p.status == "pass"
    assert {d.what: d.status for d in p.deltas}["best"] == "same"
    # One run a side: the curves are smooth, so the band is the one-run floor, the larger of 10% of what the
    # baseline's training gained (2.3 -> 0.1: 0.22) and 20% of the value (0.02).
    assert p.delta("best").band == pytest.approx(0.22, rel=0.01)
    assert pair([base], [rr(run_cols(curve(0.3)))]).verdict == "same"
    worse = pair([base], [rr(run_cols(curve(0.4)))])
    assert worse.verdict == "worse" and worse.status == "fail"
    best = worse.delta("best")
    assert best.delta == pytest.approx(0.3, rel=0.01) and best.gates
    assert any("one run a side" in n and "--group-by" in n for n in worse.notes)
    better = pair([rr(run_cols(curve(0.4)))], [base])
    assert better.verdict == "better" and better.status == "pass"


def test_accuracy_is_higher_is_better():
    acc_b = 0.95 - 0.85 * np.exp(-E / 6)
    acc_c = 0.85 - 0.75 * np.exp(-E / 6)
    base = rr(run_cols(curve(0.1), val_accuracy=acc_b))
    cand = rr(run_cols(curve(0.1), val_accuracy=acc_c))
    p = pair([base], [cand], metric="val_accuracy")
    assert p.higher_is_better and p.space == "absolute" and p.verdict == "worse"
    from lossdoc.compare import delta_text

    assert p.delta("best").delta == pytest.approx(0.1, rel=0.01)  # positive is worse
    assert delta_text(p, p.delta("best")).startswith("-0.09")  # shown as logged: the accuracy fell by 0.1
    assert pair([cand], [base], metric="val_accuracy").verdict == "better"


def test_unknown_metric_is_a_usage_error_listing_the_series():
    with pytest.raises(UsageError, match=r"--metric 'val_acc'.*series: loss, val_loss"):
        pair([rr(run_cols(curve()))], [rr(run_cols(curve()))], metric="val_acc")


def test_mismatched_lengths_are_aligned_by_fraction_and_said_so():
    base = rr(run_cols(curve(0.1, n=40)))
    cand = rr(run_cols(curve(0.1, n=20, tau=3.0)))  # the same curve in half the epochs
    p = pair([base], [cand])
    assert p.by_fraction and p.axis == "epoch"
    assert any("different lengths" in n and "fraction of training" in n for n in p.notes)
    at = {d.what: d for d in p.deltas}
    assert at["at 50%"].baseline_x == 19 and at["at 50%"].candidate_x == 9
    assert p.verdict == "same"
    # A shorter run that stopped while still falling is worse, and the speed row says how much training it took.
    short = rr(run_cols(curve(0.1, n=10)))
    q = pair([base], [short])
    assert q.by_fraction and q.verdict == "worse"


def test_equal_lengths_use_the_common_axis():
    p = pair([rr(run_cols(curve()))], [rr(run_cols(curve()))])
    assert not p.by_fraction and p.axis == "epoch"
    assert not any("different lengths" in n for n in p.notes)


def test_baseline_with_nan():
    val = curve(0.1)
    nan_mid = val.copy()
    nan_mid[10:13] = np.nan
    p = pair([rr(run_cols(nan_mid))], [rr(run_cols(curve(0.1)))])
    assert p.verdict == "same"  # the NaN points are skipped; best and final are finite on both sides
    ended_nan = val.copy()
    ended_nan[30:] = np.nan
    q = pair([rr(run_cols(ended_nan))], [rr(run_cols(curve(0.1)))])
    final = q.delta("final")
    assert final.status == "better" and q.verdict == "better"  # the baseline ended non-finite, the candidate not
    r = pair([rr(run_cols(curve(0.1)))], [rr(run_cols(ended_nan))])
    assert r.delta("final").status == "worse" and r.verdict == "worse"
    all_nan = rr(run_cols(np.full(40, np.nan), train=curve(0.1)))
    s = pair([all_nan], [rr(run_cols(curve(0.1)))])
    assert s.verdict == "n/a" and any("no finite value" in n for n in s.notes)


def test_speed_row():
    base = rr(run_cols(curve(0.1, tau=4.0)))
    slow = rr(run_cols(curve(0.1, tau=9.0)))
    p = pair([base], [slow])
    speed = p.delta("speed")
    assert speed.status == "worse" and speed.delta > 1.5 and speed.candidate_x > speed.baseline_x


def test_fixed_tolerance():
    base = rr(run_cols(curve(0.1)))
    cand = rr(run_cols(curve(0.104)))  # best 4% higher
    assert pair([base], [cand], tolerance=Tolerance(5.0)).verdict == "same"
    assert pair([base], [cand], tolerance=Tolerance(2.0)).verdict == "worse"


# ---------------------------------------------------------------------------------------------- seeds


def seeds(level: float, n: int, spread: float = 0.003, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [rr(run_cols(curve(level + rng.normal(0, spread), wiggle=0.002, seed=seed * 100 + k))) for k in range(n)]


def test_seeds_of_the_same_code_pass_and_a_regression_fails_with_a_rank_test():
    base = seeds(0.10, 4, seed=1)
    same = pair(base, seeds(0.10, 4, seed=2))
    assert same.verdict == "same" and same.status == "pass"
    assert same.seeds.test_best is not None and same.seeds.test_best.method == "exact"
    worse = pair(base, seeds(0.13, 4, seed=3))
    assert worse.verdict == "worse"
    assert worse.seeds.test_best.p_greater == pytest.approx(1 / 70)
    assert worse.seeds.confidence == "moderate" or worse.seeds.confidence == "high"
    assert "Mann-Whitney" in worse.seeds.words


def test_two_seeds_say_too_few_for_a_rank_test():
    p = pair(seeds(0.1, 2, seed=1), seeds(0.1, 2, seed=2))
    assert p.seeds.test_best is None and "too few" in p.seeds.words and p.seeds.confidence == "seeds-only"


def test_findings_new_fixed_still_and_fail_on():
    healthy = rr(run_cols(curve(0.1), train=curve(0.09)))
    val_up = np.r_[curve(0.1)[:15], curve(0.1)[14] * np.exp(np.linspace(0, 0.6, 25))]
    overfit = rr(run_cols(val_up, train=curve(0.01, tau=4.0)))
    p = pair([healthy], [overfit], tolerance=Tolerance(900.0))  # the metric passes: only findings can fail it
    new = [f for f in p.findings if f.change == "new"]
    assert "overfitting" in [f.name for f in new] and p.verdict == "same"
    assert p.status == "fail" and p.new_gating
    q = pair([overfit], [healthy], tolerance=Tolerance(900.0))
    assert "overfitting" in [f.name for f in q.findings if f.change == "fixed"] and q.status == "pass"
    from lossdoc.model import Severity

    r = pair([healthy], [overfit], tolerance=Tolerance(900.0), fail_on=Severity.ERROR)
    assert r.status == "pass"  # overfitting is a warning: below --fail-on error


# ---------------------------------------------------------------------------------------------- matching


def test_run_keys_and_groups(tmp_path):
    assert group_key("cfg/seed_3/metrics", "seed_*") == ("cfg/seed_*/metrics", "seed_3")
    assert group_key("cfg/run/metrics", "seed_*") is None
    a = tmp_path / "main" / "cfg" / "seed_1"
    a.mkdir(parents=True)
    shutil.copy(FX / "csv" / "healthy.csv", a / "metrics.csv")
    rep = lossdoc.analyze(str(tmp_path / "main"))
    assert run_key(rep.runs[0], str(tmp_path / "main")) == "cfg/seed_1/metrics"
    from lossdoc.compare import _drop_common_file

    assert [k for k, _ in _drop_common_file([("a/metrics", None), ("b/metrics", None)])] == ["a", "b"]
    assert [k for k, _ in _drop_common_file([("a/metrics", None), ("b/log", None)])] == ["a/metrics", "b/log"]


def _seed_dirs(tmp_path: Path, side: str, task: str, config: str, seeds_: range) -> Path:
    out = tmp_path / side
    out.mkdir(exist_ok=True)
    for k in seeds_:
        src = next((RUNS / task / config).glob(f"seed_{k}.*"))
        shutil.copy(src, out / src.name)
    return out


def test_cli_group_by_seeds(runner, tmp_path):
    base = _seed_dirs(tmp_path, "main", "digits", "base", range(4))
    same = _seed_dirs(tmp_path, "pr_same", "digits", "base", range(4, 8))
    bad = _seed_dirs(tmp_path, "pr_bad", "digits", "label_noise", range(4, 8))
    r = runner.invoke(app, ["compare", str(base), str(same), "--group-by", "seed_*"])
    assert r.exit_code == 0, r.output
    assert "4 vs 4 seeds" in r.output and "PASS" in r.output
    r = runner.invoke(app, ["compare", str(base), str(bad), "--group-by", "seed_*", "-f", "json"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.output)
    validate(doc)
    p = doc["pairs"][0]
    assert p["verdict"] == "worse" and p["seeds"]["baseline"] == 4 and p["seeds"]["test_best"]["p_worse"] < 0.05


def test_cli_without_group_by_matches_by_name_and_says_seeds_can_be_grouped(runner, tmp_path):
    base = _seed_dirs(tmp_path, "main", "breast_cancer", "base", range(3))
    cand = _seed_dirs(tmp_path, "pr", "breast_cancer", "base", range(1, 4))
    r = runner.invoke(app, ["compare", str(base), str(cand), "-f", "json"])
    doc = json.loads(r.output)
    validate(doc)
    assert [p["name"] for p in doc["pairs"]] == ["seed_1", "seed_2"]
    assert doc["unmatched"] == {"baseline": ["seed_0"], "candidate": ["seed_3"]}
    assert any("--group-by" in n for n in doc["notes"])


def test_cli_no_common_names_is_exit_2(runner, tmp_path):
    base = _seed_dirs(tmp_path, "main", "breast_cancer", "base", range(2))
    cand = _seed_dirs(tmp_path, "pr", "breast_cancer", "base", range(2, 4))
    r = runner.invoke(app, ["compare", str(base), str(cand)])
    assert r.exit_code == 2, r.output
    assert "no run of the candidate has a baseline run of the same name" in r.output
    r = runner.invoke(app, ["compare", str(base), str(cand), "--group-by", "run_*"])
    assert r.exit_code == 2 and "matches no run" in r.output, r.output


def test_cli_input_errors_are_exit_2(runner, tmp_path):
    r = runner.invoke(app, ["compare", str(tmp_path / "missing.csv"), str(FX / "csv" / "healthy.csv")])
    assert r.exit_code == 2, r.output
    r = runner.invoke(app, ["compare", str(FX / "csv" / "healthy.csv"), str(FX / "csv" / "healthy.csv"),
                            "--tolerance", "lots"])
    assert r.exit_code == 2 and "--tolerance" in r.output, r.output


# ---------------------------------------------------------------------------------------------- formats

#: The same Keras fit, written by five writers: compared with each other they are the same run.
SAME_KERAS_RUN = [
    "keras-history/healthy.json",
    "keras-csvlogger/healthy.csv",
    "keras-history-csv/healthy.csv",
    "text/keras_verbose2_healthy.txt",
    "tensorboard/keras_logdir_healthy",
]


@pytest.mark.parametrize("other", SAME_KERAS_RUN[1:])
def test_the_same_run_in_another_format_is_the_same(runner, other):
    r = runner.invoke(app, ["compare", str(FX / SAME_KERAS_RUN[0]), str(FX / other), "-f", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate(doc)
    p = doc["pairs"][0]
    assert p["verdict"] == "same" and not p["alignment"]["by_fraction"]
    assert p["deltas"][0]["what"] == "best" and p["deltas"][0]["delta"] == pytest.approx(0, abs=1e-4)
    assert not [f for f in p["findings"] if f["change"] != "still"]


@pytest.mark.parametrize(
    "baseline, candidate, code",
    [
        # the pairings README.md and examples/ use: a file against a file of another format, run folders, logdirs
        ("keras-history/healthy.json", "keras-history/overfit_small_data.json", 1),
        ("keras-history/healthy.json", "hf-trainer-state/healthy/trainer_state.json", 0),
        ("hf-trainer-state/healthy/trainer_state.json", "lightning-csv/healthy", 1),  # best 0.256 vs 0.438
        ("lightning-csv/healthy", "lightning-csv/overfit", 1),
        ("tensorboard/healthy", "tensorboard/overfit", 1),
        ("csv/healthy.csv", "jsonl/healthy.jsonl", 0),
        ("keras-csvlogger/healthy.csv", "keras-history/diverge_nan.json", 1),
    ],
)
def test_format_pairings(runner, baseline, candidate, code):
    r = runner.invoke(app, ["compare", str(FX / baseline), str(FX / candidate), "-f", "json"])
    assert r.exit_code == code, r.output
    validate(json.loads(r.output))


def test_hf_against_lightning_is_aligned_by_fraction():
    rep = lossdoc.analyze(str(FX / "hf-trainer-state/healthy/trainer_state.json"))
    rep2 = lossdoc.analyze(str(FX / "lightning-csv/healthy"))
    p = compare_groups([("hf", rep.runs[0])], [("pl", rep2.runs[0])])
    assert p.metric_baseline == "eval_loss" and p.metric_candidate == "val_loss" and p.by_fraction


@pytest.mark.parametrize("fmt", ["rich", "markdown", "github", "json"])
@pytest.mark.parametrize("change, code", [("base", 0), ("no_zero_grad", 1)])
def test_every_output_format(runner, tmp_path, fmt, change, code):
    base = RUNS / "breast_cancer" / "base" / "seed_0.csv"
    cand = RUNS / "breast_cancer" / change / "seed_1.csv"
    r = runner.invoke(app, ["compare", str(base), str(cand), "-f", fmt])
    assert r.exit_code == code, r.output
    out = r.output
    word = "PASS" if code == 0 else "FAIL"
    if fmt == "rich":
        assert "◂ base" in out and "◂ cand" in out  # both curves on one chart
        assert "best" in out and "final" in out and "at 50%" in out and "speed" in out
        assert any(line.startswith(f"{word} ") for line in out.splitlines()[-3:]), out
    elif fmt == "markdown":
        assert out.startswith(f"## lossdoc compare: {word}") and "| **best** |" in out and "```text" in out
    elif fmt == "github":
        assert out.rstrip().splitlines()[-1].startswith(f"::notice title=lossdoc compare::{word}")
        assert ("::error title=lossdoc compare%3A worse" in out) == bool(code)
    else:
        doc = json.loads(out)
        validate(doc)
        assert doc["verdict"] == word and doc["exit_code"] == code


def test_output_file_and_exit_zero(runner, tmp_path):
    base = RUNS / "breast_cancer" / "base" / "seed_0.csv"
    cand = RUNS / "breast_cancer" / "label_noise" / "seed_0.csv"
    out = tmp_path / "compare.md"
    r = runner.invoke(app, ["compare", str(base), str(cand), "-f", "markdown", "--exit-zero", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("## lossdoc compare: FAIL")
    r = runner.invoke(app, ["compare", str(base), str(cand), "-o", str(base)])
    assert r.exit_code == 2 and "never overwrites a log" in r.output, r.output


def test_names_from_logs_are_escaped(runner, tmp_path):
    evil = "x`|*_[a](b)<!--\u202e::warning::"
    for side in ("main", "pr"):
        d = tmp_path / side / evil
        d.mkdir(parents=True)
        shutil.copy(RUNS / "breast_cancer" / "base" / "seed_0.csv", d / "metrics.csv")
        d2 = tmp_path / side / "other"
        d2.mkdir()
        shutil.copy(RUNS / "breast_cancer" / "label_noise" / "seed_0.csv" if side == "pr" else
                    RUNS / "breast_cancer" / "base" / "seed_0.csv", d2 / "metrics.csv")
    args = ["compare", str(tmp_path / "main"), str(tmp_path / "pr"), "--verbose"]
    md = runner.invoke(app, [*args, "-f", "markdown"]).output
    assert "\u202e" not in md and "\\<\\!--" in md  # escaped in the heading, never live HTML
    gh = runner.invoke(app, [*args, "-f", "github"]).output
    assert all(line.startswith(("::error", "::warning", "::notice")) for line in gh.splitlines())
    rich = runner.invoke(app, [*args, "-f", "rich"]).output
    assert "\u202e" not in rich and not any(line.lstrip().startswith("::") for line in rich.splitlines())


def test_cli_metric_accuracy_on_seed_folders(runner):
    base, cand = RUNS / "digits" / "base", RUNS / "digits" / "no_zero_grad"
    r = runner.invoke(app, ["compare", str(base), str(cand), "--metric", "val_accuracy", "--tolerance", "2",
                            "--group-by", "seed_*", "-f", "json"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.output)
    validate(doc)
    p = doc["pairs"][0]
    assert p["metric"]["direction"] == "higher" and p["metric"]["space"] == "absolute"
    assert p["deltas"][0]["delta_text"].startswith("-")  # the accuracy fell
    assert doc["tolerance"] == {"mode": "fixed", "pct": 2.0}


def test_readme_example_is_real(runner, monkeypatch):
    """The terminal report shown in README.md is what the command prints (at 100 columns)."""
    text = (ROOT / "README.md").read_text()
    cmd = "$ lossdoc compare fixtures/compare/runs/breast_cancer/base fixtures/compare/runs/breast_cancer/no_zero_grad"
    block = text.split(cmd, 1)[1].split("\n", 1)[1].split("\n```", 1)[0]
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    r = runner.invoke(app, ["compare", "fixtures/compare/runs/breast_cancer/base",
                            "fixtures/compare/runs/breast_cancer/no_zero_grad", "--group-by", "seed_*"])
    assert r.exit_code == 1
    assert r.output.rstrip("\n") == block, r.output


def test_seeds_against_one_run(runner, tmp_path):
    base = _seed_dirs(tmp_path, "main", "wine", "base", range(4))
    one = RUNS / "wine" / "label_noise" / "seed_5.csv"
    r = runner.invoke(app, ["compare", str(base), str(one), "--group-by", "seed_*", "-f", "json"])
    assert r.exit_code == 1, r.output
    p = json.loads(r.output)["pairs"][0]
    assert p["seeds"]["baseline"] == 4 and p["seeds"]["candidate"] == 1 and p["seeds"]["test_best"] is None
    assert p["seeds"]["confidence"] == "curves-only" and "too few seeds for a rank test" in p["seeds"]["words"]


def test_a_borderline_new_finding_does_not_gate_one_run_a_side():
    """One run a side, a new finding below NEW_MIN_CONFIDENCE is listed as new and borderline but does not fail
    the gate; a confident one does; with seeds the seed counts decide, whatever the confidence."""
    from dataclasses import replace

    from lossdoc.compare import NEW_MIN_CONFIDENCE

    healthy = rr(run_cols(curve(0.1), train=curve(0.09)))
    val_up = np.r_[curve(0.1)[:15], curve(0.1)[14] * np.exp(np.linspace(0, 0.6, 25))]
    overfit = rr(run_cols(val_up, train=curve(0.01, tau=4.0)))
    assert [f.confidence for f in overfit.findings if f.name == "overfitting"][0] >= NEW_MIN_CONFIDENCE
    unsure = rr(run_cols(val_up, train=curve(0.01, tau=4.0)))
    unsure.findings = [replace(f, confidence=0.6) if f.name == "overfitting" else f for f in unsure.findings]
    sure = pair([healthy], [overfit], tolerance=Tolerance(900.0))
    assert sure.status == "fail" and [f.name for f in sure.new_gating] == ["overfitting"]
    p = pair([healthy], [unsure], tolerance=Tolerance(900.0))
    new = [f for f in p.findings if f.change == "new" and f.name == "overfitting"]
    assert new and not new[0].gates and "borderline" in new[0].runs
    assert p.status == "pass" and not p.new_gating
    seeds = pair([healthy] * 3, [unsure] * 3, tolerance=Tolerance(900.0))
    assert seeds.status == "fail" and "overfitting" in [f.name for f in seeds.new_gating]
