"""Layouts that reading survey 16 found misread: counters that go back inside one training, and which of several
appended trainings to keep (readers/base.py, readers/tabular.py, readers/jsonlogs.py, readers/text.py).

Each sample is written here in the layout its script writes (values made up), the script's write quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import json

import pytest

from tests.reading import lst, read

# ------------------------------------------------------------------ the latest training a stub
# A loss_log.csv appended to by every run of a script (open(path, "a"), writer.writerow([epoch, train_loss, val_loss,
# ...])), the header written once: trainings of 30, 12 and 2 epochs, the last one stopped after 2.

def _appended(lengths: list[int]) -> str:
    rows = ["epoch,train_loss,val_loss,data_loss"]
    for k, n in enumerate(lengths):
        for e in range(1, n + 1):
            tl = 3.0 / e + 0.01 * k
            rows.append(f"{e},{tl:.6f},{tl * 0.9:.6f},{tl * 0.6:.6f}")
    return "\n".join(rows) + "\n"


def test_a_stub_after_whole_trainings_is_left_out(tmp_path):
    run = read(tmp_path, _appended([30, 12, 2]), "loss_log.csv")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert len(run.train_loss) == 12 and len(run.val_loss) == 12
    assert lst(run.train_loss.epochs) == list(range(1, 13))
    assert run.train_loss.values[0] == pytest.approx(3.01)  # the second training's
    note = next(n for n in run.notes if "restarts 2 time(s)" in n)
    assert "kept training 2 of 3" in note and "2 point(s)" in note
    assert "train_loss" in run.meta.get("restarted", [])


def test_stubs_one_after_another_go_back_to_a_whole_training_and_no_stub_is_kept(tmp_path):
    assert len(read(tmp_path, _appended([20, 3, 1]), "a.csv").train_loss) == 20
    # 5 points or more, or not half as long as the one before: the latest, as base.cut_restarts keeps it
    for i, (lengths, kept) in enumerate([([30, 12], 12), ([30, 5], 5), ([3, 2], 2), ([4, 3, 2], 2)]):
        assert len(read(tmp_path, _appended(lengths), f"b{i}.csv").train_loss) == kept, lengths


# DETR's main.py: log_stats = {**{f'train_{k}': v ...}, **{f'test_{k}': v ...}, 'epoch': epoch, 'n_parameters': n};
# (output_dir / "log.txt").open("a").write(json.dumps(log_stats) + "\n"): a 5-epoch training, then 2 epochs of another.

def test_detr_log_whose_last_training_is_a_stub(tmp_path):
    recs = [{"train_lr": 1e-4, "train_loss": 4.0 - e / 2, "test_loss": 3.0 - e / 4, "epoch": e, "n_parameters": 41}
            for e in range(5)]
    recs += [{"train_lr": 1e-4, "train_loss": 4.1 - e / 2, "test_loss": 2.9 - e / 4, "epoch": e, "n_parameters": 41}
             for e in range(2)]
    run = read(tmp_path, "\n".join(json.dumps(r) for r in recs) + "\n", "log.txt")
    assert run.format == "jsonl" and lst(run.train_loss.epochs) == [0, 1, 2, 3, 4]
    assert run.train_loss.values[0] == pytest.approx(4.0) and len(run.val_loss) == 5
