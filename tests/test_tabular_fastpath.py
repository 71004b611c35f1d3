"""The quick CSV path (large clean files parsed by pandas in one pass) reads exactly what the line-by-line path
reads: same series, same values (NaN/Inf logged vs empty cells kept apart), same steps."""

from __future__ import annotations

import numpy as np
import pytest

import lossdoc
from lossdoc.readers import tabular


def _write(path, n, rng, logged_nan=False, restart=False):
    rows = ["step,train_loss,val_loss,lr,note"]
    for i in range(n):
        loss = 3 * np.exp(-i / (n / 4)) + 0.2 + rng.normal(0, 0.01)
        val = f"{loss + 0.1:.6f}" if i % 50 == 49 else ""
        tl = "nan" if logged_nan and i == n - 3 else ("inf" if logged_nan and i == n - 2 else f"{loss:.6f}")
        rows.append(f"{i},{tl},{val},{1e-3:.1e},{'ok' if i % 7 else ''}")
        if restart and i == n // 2:
            rows.append(rows[0])
    path.write_text("\n".join(rows) + "\n")


def _both(path):
    quick = lossdoc.read(path)[0]
    old = tabular.QUICK_MIN_CHARS
    tabular.QUICK_MIN_CHARS = 1 << 62
    try:
        exact = lossdoc.read(path)[0]
    finally:
        tabular.QUICK_MIN_CHARS = old
    return quick, exact


@pytest.mark.parametrize("logged_nan", [False, True])
@pytest.mark.parametrize("restart", [False, True])
def test_quick_path_equals_exact_path(tmp_path, logged_nan, restart):
    path = tmp_path / "log.csv"
    _write(path, 40_000, np.random.default_rng(1), logged_nan, restart)
    assert path.stat().st_size > tabular.QUICK_MIN_CHARS
    quick, exact = _both(path)
    assert list(quick.series) == list(exact.series)
    for name, a in quick.series.items():
        b = exact.series[name]
        assert a.role == b.role
        assert np.array_equal(a.values, b.values, equal_nan=True), name
        assert np.array_equal(a.steps, b.steps), name
    assert quick.notes == exact.notes
    if logged_nan:
        assert quick.train_loss.nonfinite == 2
    assert len(quick.val_loss) == 800  # sparse cells are absent points, not NaN
    assert any("header row is repeated" in n for n in quick.notes) == restart
