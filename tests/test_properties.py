"""Property-based tests (hypothesis): any bytes in any format end in a result or an InputError; any float series
gives a Report; rescaling a loss does not change which rules fire; the same input gives the same JSON.

``make test`` runs a bounded number of examples; ``make fuzz`` (LOSSDOC_HYPOTHESIS_PROFILE=fuzz) many more.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossdoc
from lossdoc.readers.registry import reader_names
from lossdoc.reporters import REPORTERS

settings.register_profile("default", max_examples=40, deadline=None)
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("LOSSDOC_HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
FORMATS = [None, *reader_names()]
FIXTURES = sorted(
    p for p in (ROOT / "fixtures").rglob("*")
    if p.is_file() and p.stat().st_size < 200_000 and "eval" not in p.parts and p.suffix != ".md"
)


def _analyze_bytes(tmp_path: Path, data: bytes, fmt: str | None, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    report = lossdoc.analyze(str(path), input_format=fmt)  # InputErrors land in report.errors
    assert report.exit_code in (0, 1, 2)
    for rr in report.runs:
        for s in rr.run.series.values():
            assert len(s.values) == len(s.x)
    REPORTERS["json"](report)


@pytest.mark.parametrize("fmt", FORMATS, ids=[f or "sniffed" for f in FORMATS])
@given(data=st.binary(max_size=2048), name=st.sampled_from(["log.csv", "history.json", "x.log", "events.out.tfevents.1.h"]))
def test_any_bytes_in_any_format(tmp_path_factory, fmt, data, name):
    _analyze_bytes(tmp_path_factory.mktemp("b"), data, fmt, name)


_TOKENS = list("0123456789.,;-+eE \t\n\r\"'{}[]:naifNIF") + [
    "loss", "val_loss", "epoch", "step", "nan", "inf", "Infinity", "\ufeff", "é", "Epoch 1/3", " - loss: ",
]
_TEXTY = st.lists(st.sampled_from(_TOKENS), max_size=200).map("".join)


@pytest.mark.parametrize("fmt", FORMATS, ids=[f or "sniffed" for f in FORMATS])
@given(text=_TEXTY)
def test_log_like_text_in_any_format(tmp_path_factory, fmt, text):
    _analyze_bytes(tmp_path_factory.mktemp("t"), text.encode("utf-8"), fmt, "log.csv")


@given(idx=st.integers(0, max(0, len(FIXTURES) - 1)), seed=st.integers(0, 2**32 - 1),
       ops=st.lists(st.sampled_from(["flip", "cut", "dup", "del", "insert"]), min_size=1, max_size=6))
def test_mutated_real_logs(tmp_path_factory, idx, seed, ops):
    if not FIXTURES:
        pytest.skip("no fixtures")
    src = FIXTURES[idx]
    data = bytearray(src.read_bytes())
    rng = random.Random(seed)
    for op in ops:
        if not data:
            break
        i = rng.randrange(len(data))
        if op == "flip":
            data[i] ^= 1 << rng.randrange(8)
        elif op == "cut":
            del data[i:]
        elif op == "dup":
            data[i:i] = data[i : i + rng.randrange(1, 200)]
        elif op == "del":
            del data[i : i + rng.randrange(1, 200)]
        else:
            data[i:i] = rng.randbytes(rng.randrange(1, 50))
    _analyze_bytes(tmp_path_factory.mktemp("m"), bytes(data), None, src.name)


# ------------------------------------------------------------------------------- float series


@st.composite
def curves(draw, max_len: int = 100_000):
    """A loss-like series (length 0..max_len) built with numpy from a few drawn parameters, with NaN/Inf and
    spikes sprinkled in; plus the raw edge values hypothesis likes (0, -0, huge, tiny, NaN, Inf)."""
    if draw(st.booleans()):
        return np.asarray(draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=40)), dtype=float)
    n = draw(st.sampled_from([0, 1, 2, 3, 5, 10, 50, 300, 2_000, 20_000, max_len]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, n)
    shape = draw(st.sampled_from(["decay", "flat", "rise", "noise", "u"]))
    base = {"decay": 2 * np.exp(-5 * t) + 0.1, "flat": np.ones(n), "rise": 0.5 + t, "noise": rng.random(n) + 0.01,
            "u": 0.3 + (t - 0.5) ** 2}[shape]
    y = base * (1 + draw(st.sampled_from([0, 0.01, 0.2])) * rng.standard_normal(n))
    for _ in range(draw(st.integers(0, 3))):
        if n:
            y[rng.integers(n)] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1.0, 0.0]))
    if n and draw(st.booleans()):
        y[rng.integers(n):] = np.nan  # a run that ended in NaN
    return y


@given(loss=curves(), val=curves(max_len=2_000))
def test_any_float_series_gives_a_report(loss, val):
    report = lossdoc.analyze({"loss": loss, "val_loss": val})
    assert report.exit_code in (0, 1, 2)
    REPORTERS["json"](report)


def _fired(loss, val) -> list[str]:
    report = lossdoc.analyze({"loss": loss, "val_loss": val})
    return sorted(f.name for rr in report.runs for f in rr.findings)


@st.composite
def healthy_or_sick(draw):
    n = draw(st.sampled_from([30, 100, 400]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    t = np.linspace(0, 1, n)
    kind = draw(st.sampled_from(["healthy", "overfit", "diverge", "plateau", "nan"]))
    loss = 2 * np.exp(-4 * t) + 0.05 + 0.01 * rng.standard_normal(n)
    val = 2 * np.exp(-4 * t) + 0.15 + 0.01 * rng.standard_normal(n)
    if kind == "overfit":
        val += 1.5 * np.maximum(0, t - 0.4) ** 2
    elif kind == "diverge":
        loss[n // 2 :] *= np.exp(np.linspace(0, 6, n - n // 2))
    elif kind == "plateau":
        loss[:] = 1.0 + 0.01 * rng.standard_normal(n)
    elif kind == "nan":
        loss[int(n * 0.8) :] = np.nan
    return np.abs(loss) + 1e-3, np.abs(val) + 1e-3


@given(curves_=healthy_or_sick(), c=st.sampled_from([1e-3, 1e-2, 0.1, 0.5, 2.0, 10.0, 1e2, 1e3]))
def test_rescaling_the_loss_does_not_change_the_diagnosis(curves_, c):
    loss, val = curves_
    assert _fired(loss * c, val * c) == _fired(loss, val)


@given(loss=curves(max_len=2_000), val=curves(max_len=2_000))
def test_same_input_same_json(loss, val):
    a = REPORTERS["json"](lossdoc.analyze({"loss": loss, "val_loss": val}))
    b = REPORTERS["json"](lossdoc.analyze({"loss": loss.copy(), "val_loss": val.copy()}))
    assert a == b


@pytest.mark.parametrize("path", [p for p in FIXTURES if p.suffix in (".csv", ".json", ".jsonl", ".txt", ".log")][:12],
                         ids=lambda p: p.name)
def test_fixture_json_is_deterministic_across_runs(path):
    a = REPORTERS["json"](lossdoc.analyze(str(path)))
    b = REPORTERS["json"](lossdoc.analyze(str(path)))
    assert a == b


# ------------------------------------------------------------------------------- binning (--max-points)


@given(n=st.integers(0, 50_000), max_points=st.sampled_from([0, 1, 7, 100, 1_000]), seed=st.integers(0, 2**31),
       bad=st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), max_size=5))
def test_binning_keeps_nonfinite_and_bounds_points(n, max_points, seed, bad):
    from lossdoc.model import Series
    from lossdoc.signals import bin_series

    rng = np.random.default_rng(seed)
    v = rng.random(n)
    where = rng.integers(0, max(1, n), size=len(bad)) if n else []
    for i, b in zip(where, bad):
        v[i] = b
    s = Series("loss", v, steps=np.arange(n) * 10.0, kind="loss", split="train", higher_is_better=False)
    out = bin_series(s, max_points)
    if not max_points or n <= max_points:
        assert out is None
        return
    b, info = out
    assert len(b) <= 2 * max_points and info["points"] == n
    assert np.all(np.diff(b.steps) > 0)  # strictly increasing x
    assert bool((~np.isfinite(v)).any()) == bool((~np.isfinite(b.values)).any())
    if (~np.isfinite(v)).any():
        first = s.steps[np.flatnonzero(~np.isfinite(v))[0]]
        assert b.steps[np.flatnonzero(~np.isfinite(b.values))[0]] == first  # onset kept exactly


_MEDIAN_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 1.0, 2.0]),  # ties
)


@given(v=st.lists(_MEDIAN_VALUES, min_size=0, max_size=200), bins=st.integers(1, 250))
def test_fast_medians_equal_numpys(v, bins):
    """signals' rolling median of 5 (a min/max network) and its per-bin median (row sorts) give exactly what
    np.median gives, NaN and Inf included."""
    from numpy.lib.stride_tricks import sliding_window_view

    from lossdoc import signals

    arr = np.asarray(v, dtype=np.float64)
    n = len(arr)
    got = signals.rolling_median(arr, 5)
    if n >= 5:
        ref = np.median(sliding_window_view(np.pad(arr, 2, mode="edge"), 5), axis=1)
        assert np.array_equal(got, ref, equal_nan=True)
    if n > bins:
        size = n // bins
        ref = np.median(arr[: size * bins].reshape(bins, size), axis=1)
        if size * bins < n:
            ref[-1] = np.median(arr[size * (bins - 1) :])
        assert np.array_equal(signals.bin_median(arr, bins), ref, equal_nan=True)
