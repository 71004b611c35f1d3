"""Text-log layouts from a second reading-coverage survey of public repositories (samples written here in the layout
each tool's print writes; no real log is copied)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: bytes, name: str = "train.log") -> list[Run]:
    p = tmp_path / name
    p.write_bytes(data)
    return registry.read_path(p, None)


def read(tmp_path: Path, data: bytes, name: str = "train.log") -> Run:
    runs = read_all(tmp_path, data, name)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


# ------------------------------------------------------- 1. "Epoch N/M" then a "Train Loss: X, Val Loss: Y" line
# A segmentation script's loop: print(f"\nEpoch {epoch}/{num_epochs}"), print(f"LR: {lr}"), two tqdm bars
# (tqdm(loader, desc="Training") / desc="Validation"), print(f"Train Loss: {train_loss:.4f}, Val Loss:
# {val_loss:.4f}"), and print("  -> Best model saved") when the val loss improves. No Keras progress line follows the
# "Epoch N/M" line: it is a plain epoch marker heading the epoch's values.
def _epochs_then_losses(epochs: int = 4, bars: bool = True, scale: float = 1.0) -> tuple[bytes, list[float], list[float]]:
    out, tr, va = ["计算类别权重中...", "类别权重: [0.036 0.55 1.85]", ""], [], []
    for e in range(1, epochs + 1):
        t, v = round(2.5 * scale / e, 4), round(2.6 * scale / e, 4)
        tr.append(t)
        va.append(v)
        out.append(f"Epoch {e}/{epochs}")
        if bars:
            out.append("LR: 0.001")
            out.append("Training: 100%|██████████| 183/183 [00:49<00:00,  3.70it/s]")
            out.append("Validation: 100%|██████████| 46/46 [00:06<00:00,  7.12it/s]")
        out.append(f"Train Loss: {t:.4f}, Val Loss: {v:.4f}")
        if bars:
            out.append("  -> Best model saved")
        out.append("")
    return "\n".join(out).encode(), tr, va


@pytest.mark.parametrize("bars", [True, False])
def test_epoch_of_m_without_keras_lines_heads_a_block(tmp_path, bars):
    data, tr, va = _epochs_then_losses(bars=bars)
    run = read(tmp_path, data)
    assert run.format == "text"
    assert run.train_loss.name == "Train_Loss" and run.val_loss.name == "Val_Loss"
    assert lst(run.train_loss.values) == tr and lst(run.val_loss.values) == va
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4]  # stored as written: no Keras 1-based shift
    assert run.train_loss.axis == "epoch"
    assert not any("Keras" in n for n in run.notes)


def test_epoch_of_m_restart_keeps_the_latest_segment(tmp_path):
    # two trainings (resnet18 then resnet34) appended: the epoch counter goes back with no phase label, so the
    # shared restart policy applies (base.cut_restarts: the latest segment, with a note)
    a, _, _ = _epochs_then_losses(4)
    b, tr, va = _epochs_then_losses(4, scale=0.5)
    run = read(tmp_path, a + b"\nClass         IoU\nmIoU       0.4704\n\n" + b)
    assert lst(run.train_loss.values) == tr and lst(run.val_loss.values) == va
    assert any("restarts 1 time" in n for n in run.notes)


def test_keras_progress_lines_still_read_as_keras(tmp_path):
    data = b"Epoch 1/2\n32/32 - 0s - 5ms/step - loss: 0.50 - val_loss: 0.60\nEpoch 2/2\n32/32 - 0s - loss: 0.40 - val_loss: 0.55\n"
    run = read(tmp_path, data)
    assert lst(run.train_loss.epochs) == [0, 1]  # Keras' 1-based display, stored 0-based
    assert lst(run.val_loss.values) == [0.60, 0.55]


def test_epoch_of_m_lines_alone_are_not_a_log(tmp_path):
    p = tmp_path / "train.log"
    p.write_bytes(b"Epoch 1/3\nEpoch 2/3\nEpoch 3/3\n")
    with pytest.raises(InputError, match="train.log"):
        registry.read_path(p, None)
    res = CliRunner().invoke(app, ["inspect", str(p)])
    assert res.exit_code == 2
