"""tools/eval_replay.py: the replay's bookkeeping on hand-made runs (onset, regret, false stops, delays), and Keras'
own EarlyStopping as the anchor (NaN counts as no improvement)."""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, str(ROOT / "tools"))

import eval_replay as R


def _keras():
    if os.environ.get("LOSSDOC_REQUIRE_FRAMEWORKS") == "1":
        return importlib.import_module("keras")
    return pytest.importorskip("keras")


def _write(path: Path, train, val):
    path.write_text("epoch,loss,val_loss\n" + "".join(f"{i},{t},{v}\n" for i, (t, v) in enumerate(zip(train, val))))


def _entry(tmp_path: Path, name: str, primary: str, expected, allowed=(), intervention="none (hard negative)"):
    return {"id": name, "path": f"{name}.csv", "split": "tune", "primary": primary, "expected": list(expected),
            "allowed": list(allowed), "scenario": name, "intervention": intervention, "checks": {}}


def test_keras_early_stopping_counts_nan_as_no_improvement():
    _keras()
    es = R.KerasES(5, "val_loss")
    values = [1.0, 0.9] + [float("nan")] * 10
    stops = [k for k, v in enumerate(values) if es.step(k, v)]
    assert stops[0] == 6  # five evaluations without improvement after the best at 1


def test_replay_scores(tmp_path):
    _keras()
    n = 40
    healthy_t = [2 * math.exp(-i / 8) + 0.1 for i in range(n)]
    healthy_v = [t + 0.05 for t in healthy_t]
    _write(tmp_path / "healthy.csv", healthy_t, healthy_v)
    # Learns for 15 epochs, then the loss climbs (x1.6 per epoch) until it is NaN at epoch 30.
    div_t = [2 * math.exp(-i / 5) + 0.1 for i in range(15)] + [0.2 * 1.6 ** (i - 14) for i in range(15, 30)]
    div_t += [float("nan")] * (n - 30)
    div_v = [t * 1.1 for t in div_t]
    _write(tmp_path / "diverge.csv", div_t, div_v)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([
        _entry(tmp_path, "healthy", "healthy", []),
        _entry(tmp_path, "diverge", "divergence", ["divergence", "non-finite"], intervention="lr x100"),
    ]))
    res = R.evaluate(manifest, tmp_path, ["tune"], R.POLICY, quiet=True)["tune"]
    ld, p10 = res["lossdoc"], res["ES p10"]
    assert ld["healthy_runs"] == 1 and ld["false_stops"] == 0
    assert ld["bad_runs"] == 1 and ld["within"] == 1, ld
    # The onset is where the loss is back at its start level, measured on the log, not from lossdoc.
    rp = R.load(R.normalise_entry(json.loads(manifest.read_text())[1]), tmp_path)
    start = div_t[0]
    expect = next(i for i, t in enumerate(div_t) if i > 0 and t >= start)  # back at its start after learning
    assert rp.onset_eval == expect, (rp.onset_eval, expect)
    assert ld["delay_max"] <= 3
    # Keras' patience counts from the best epoch: patience 10 stops 10 evaluations after the climb began.
    assert p10["within"] == 0 and p10["delay_max"] > 3
    # Regret: the healthy run was not stopped; the diverged one is scored by its delay, not its regret.
    assert ld["regret_max_pct"] == 0.0


def test_a_log_lossdoc_cannot_read_is_listed_and_counts_as_not_stopped(tmp_path):
    _keras()
    n = 30
    t = [2 * math.exp(-i / 8) + 0.1 for i in range(n)]
    _write(tmp_path / "healthy.csv", t, [x + 0.05 for x in t])
    (tmp_path / "garbled.csv").write_text("this is not a training log\n")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([
        _entry(tmp_path, "healthy", "healthy", []),
        _entry(tmp_path, "garbled", "non-finite", ["non-finite"], intervention="nan"),
    ]))
    res = R.evaluate(manifest, tmp_path, ["tune"], R.POLICY, quiet=True)["tune"]
    for name in ("lossdoc", "ES p5", "ES p10"):
        r = res[name]
        assert r["unreadable_ids"] == ["garbled"] and r["runs"] == 1, r
        assert r["bad_runs"] == 1 and r["within"] == 0 and not math.isfinite(r["delay_max"]), r
    assert "1 run(s) not replayed" in R.table({"tune": res})


def _tune_run(run_id: str):
    entries = {e["id"]: R.normalise_entry(e) for e in json.loads((ROOT / "fixtures/eval/manifest.json").read_text())}
    assert entries[run_id]["split"] == "tune"
    return R.load(entries[run_id], ROOT)


def test_an_upturn_among_the_swings_of_an_oscillating_val_loss_does_not_stop_the_run():
    """hf-sgd-regression-osc/s2 (tune): SGD at the edge of stability; its val loss rose for three evaluations
    after a dip (0.067, 0.076, 0.079, 0.082) while the oscillation rule saw it swing, then fell to half of that.
    The policy used to stop there (regret 98.7%); it waits SWINGS_HOLD checks after the last swing."""
    rp = _tune_run("hf-sgd-regression-osc/s2")
    out = R.replay_lossdoc(rp, R.POLICY)
    assert out.stop is None or rp.val[: out.stop + 1].min() <= 1.05 * rp.val.min(), out


def test_a_rise_from_a_first_evaluation_never_beaten_waits():
    """pt-shifted-val-regression/s2 (tune): a val set shifted from the train set; the val loss's first value is
    its best for ten evaluations (0.5, 0.57, 0.53, ...) before it falls to 0.35. Not stopped as overfitting in the
    first UNLEARNED_WAIT checks."""
    from lossdoc.online import UNLEARNED_WAIT

    rp = _tune_run("pt-shifted-val-regression/s2")
    out = R.replay_lossdoc(rp, R.POLICY)
    assert out.stop is None or out.stop >= UNLEARNED_WAIT, out


def test_regret_is_also_read_as_a_share_of_what_the_val_loss_learned():
    # A val loss that falls from 1.0 to 1e-6: a stop at 0.01 is a regret of a million percent of the best value,
    # but 1% of what the run learned; the second figure is the readable one.
    from lossdoc.model import Run

    val = np.array([1.0, 0.5, 0.01, 0.2, 1e-6, 1e-6])
    rp = R.Replayable({"id": "x", "primary": "healthy", "expected": [], "allowed": ["overfitting"]}, Run(source="x", format="csv"),
                      "epoch", np.arange(len(val), dtype=float), val)
    sc = R.Score()
    R.score(sc, rp, R.Outcome(3, "overfitting"))
    row = sc.row()
    assert row["regret_max_pct"] > 1e5
    assert abs(row["regret_of_learned_max_pct"] - 100 * (0.01 - 1e-6) / (1.0 - 1e-6)) < 1e-3  # 3 decimals
