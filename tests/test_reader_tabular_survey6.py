"""Layouts a held-out reading survey (survey 6) found misread by the CSV and numbers readers: headerless ``epoch loss
accuracy`` lines (the accuracy was read as a val loss), RL progress CSVs whose step column has an unusual name
(``total timesteps``, ``update``) and whose runs are appended under one header, and a metrics CSV whose later rows
were written in other layouts (more fields than the header, then rows shifted one column left). The samples are
written here in the layouts of the survey's files (hand-written training loops: ``print(epoch, loss, acc)`` /
``f.write(f"{epoch} {loss} {acc}\\n")``, a ``csv.DictWriter`` over a PPO loop's stats); no tool's format string to
follow; none is copied from those files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: str, name: str) -> list[Run]:
    p = tmp_path / name
    p.write_text(data)
    return registry.read_path(p, None)


def read(tmp_path: Path, data: str, name: str) -> Run:
    runs = read_all(tmp_path, data, name)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list:
    return [float(v) for v in a]


# ------------------------------------------------------------- 1. headerless 'epoch loss accuracy' lines

def epoch_loss_acc(n: int = 60, total: int = 1552, top: int | None = None, start: float = 0.87) -> str:
    """``f"{epoch} {loss} {correct / total}"`` lines: the loss falls, the accuracy (shares of ``total``) rises to
    ``top`` (all correct by default, 1.0, as the survey's file ends)."""
    top = total if top is None else top
    out = []
    for e in range(n):
        loss = float(0.2027 * np.exp(-e / 12) + 0.0013 * np.sin(e))
        correct = int(min(top, round(total * start + (top - total * start) * (1 - np.exp(-e / 8)))))
        out.append(f"{e} {loss!r} {correct / total!r}")
    return "\n".join(out) + "\n"


def test_epoch_loss_accuracy_reads_an_accuracy_not_a_val_loss(tmp_path):
    run = read(tmp_path, epoch_loss_acc(), "train_log.txt")
    assert run.format == "numbers"
    assert set(run.series) == {"loss", "accuracy"}
    assert run.train_loss is not None and run.train_loss.name == "loss"
    assert run.val_loss is None
    acc = run.series["accuracy"]
    assert acc.kind == "metric" and acc.higher_is_better is True
    assert len(acc) == 60 and lst(acc.epochs)[:2] == [0.0, 1.0] and lst(acc.epochs)[-1] == 59.0
    assert float(acc.values[0]) == pytest.approx(1350 / 1552) and float(acc.values[-1]) == 1.0
    assert float(run.train_loss.values[0]) == pytest.approx(0.2027)
    assert any("as an accuracy" in n and "not a val loss" in n for n in run.notes)


def test_accuracy_as_shares_that_ends_well_below_one(tmp_path):
    # an accuracy from 0.45 that stops at 0.80 (1241 of 1552): its values are shares of one count, which a loss
    # is not
    run = read(tmp_path, epoch_loss_acc(total=1552, top=1241, start=0.45), "log.txt")
    assert set(run.series) == {"loss", "accuracy"} and run.val_loss is None


def val_loss_lines(vals: list[float], digits: int | None = None) -> str:
    out = []
    for e, v in enumerate(vals):
        t, v = float(0.9 * np.exp(-e / 10) + 0.05), float(v)
        out.append(f"{e}, {t!r}, {v!r}" if digits is None else f"{e}, {t:.{digits}f}, {v:.{digits}f}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("vals, digits", [
    # an overfit run: the val loss falls, then rises to the end (its lowest mid-run)
    ([0.8 * np.exp(-e / 6) + 0.3 + 0.02 * max(0, e - 15) for e in range(50)], None),
    # a val loss falling with the train loss
    ([0.85 * np.exp(-e / 9) + 0.1 for e in range(50)], None),
    # a val loss rising from the start (over-fit from the first epoch), in [0, 1], ending far from 1, rounded
    ([0.35 + 0.005 * e for e in range(50)], 4),
    # the same with all its digits: no shares of one count either
    ([0.35 + 0.005 * e + 1e-7 * np.sin(e) for e in range(50)], None),
])
def test_a_val_loss_in_unit_range_stays_a_val_loss(tmp_path, vals, digits):
    run = read(tmp_path, val_loss_lines(vals, digits), "log.txt")
    assert set(run.series) == {"train_loss", "val_loss"}
    assert run.val_loss is not None and run.val_loss.name == "val_loss" and len(run.val_loss) == 50
    assert any("train_loss then val_loss" in n for n in run.notes)


def test_a_val_loss_above_one_stays_a_val_loss(tmp_path):
    vals = [1.5 - 0.01 * e for e in range(40)]  # rises? no: falls, and above 1 anyway
    run = read(tmp_path, val_loss_lines(vals), "log.txt")
    assert run.val_loss is not None and run.val_loss.name == "val_loss"
