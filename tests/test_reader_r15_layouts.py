"""The headerless-numbers reader (``numbers``, readers/numbers.py) on a layout public round 15 could not read:
``Epoch N`` header lines, each followed by the bare per-batch losses of that epoch, one per line, then ``Done!``.

This is a plain training loop's stdout, not a tool with a format of its own, so there is no upstream format string
to cite: the samples follow the byte layout of bob80333/comp5300_final_project ``logs/train_log.txt`` (``Epoch 0``,
``Epoch 1``, ``Epoch 2`` lines, 255 ``repr(float)`` losses under each, a last line ``Done!``), i.e. a loop of

    for epoch in range(3):
        print(f"Epoch {epoch}")
        for batch in loader:
            ...
            print(loss.item())
    print("Done!")
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read  # noqa: F401  (fresh_registry: autouse fixture)


def _blocks(per_epoch: list[list[str]], first: int = 0, done: str | None = "Done!") -> bytes:
    out = []
    for e, values in enumerate(per_epoch, first):
        out.append(f"Epoch {e}")
        out.extend(values)
    if done is not None:
        out.append(done)
    return ("\n".join(out) + "\n").encode()


E0 = ["11.647171020507812", "9.664155960083008", "9.157904624938965", "8.578604698181152", "8.630502700805664"]
E1 = ["4.0343098640441895", "3.8839786052703857", "nan", "3.8331868648529053", "4.267645359039307"]
E2 = ["3.6302545070648193", "3.614769458770752", "3.8067448139190674", "inf", "3.733337879180908"]
SAMPLE = _blocks([E0, E1, E2])


def test_epoch_headers_over_bare_per_step_losses(tmp_path):
    run = read(tmp_path, SAMPLE, "train_log.txt")
    assert run.format == "numbers" and list(run.series) == ["loss"]
    s = run.series["loss"]
    assert s.kind == "loss" and s.split == "train" and run.train_loss is s
    assert len(s) == 15 and s.values[0] == 11.647171020507812 and s.values[-1] == 3.733337879180908
    assert np.isnan(s.values[7]) and math.isinf(s.values[13])  # NaN / Inf tokens are data
    assert lst(s.steps) == list(range(15))  # steps counted on across epochs
    assert lst(s.epochs) == [0] * 5 + [1] * 5 + [2] * 5  # each point at the header above it
    assert s.axis == "step"
    assert any("'Epoch N' header" in n and "counted on across epochs" in n for n in run.notes)


def test_the_file_name_names_the_series_as_for_a_bare_list(tmp_path):
    s = read(tmp_path, SAMPLE, "val_loss.txt").series["val_loss"]
    assert s.split == "val" and len(s) == 15
    # a name that names no loss gives "loss", the train loss (as a one-column file of numbers)
    assert list(read(tmp_path, SAMPLE, "log.txt").series) == ["loss"]


def test_headers_counted_from_one_a_colon_and_no_done_line(tmp_path):
    data = SAMPLE.replace(b"Epoch 0", b"Epoch: 1").replace(b"Epoch 1\n", b"Epoch: 2\n").replace(b"Epoch 2", b"Epoch: 3")
    run = read(tmp_path, data.replace(b"Done!\n", b""), "train_log.txt")
    s = run.series["loss"]
    assert len(s) == 15 and lst(s.epochs)[0] == 1 and lst(s.epochs)[-1] == 3


@pytest.mark.parametrize("done", ["Finished", "Finished Training", "done.", "Training complete!"])
def test_a_last_done_line_is_no_data(tmp_path, done):
    s = read(tmp_path, _blocks([E0, E1], done=done), "train_log.txt").series["loss"]
    assert len(s) == 10 and s.values[-1] == float(E1[-1])


def test_one_number_per_header_is_one_loss_per_epoch(tmp_path):
    s = read(tmp_path, _blocks([["0.91"], ["0.72"], ["0.65"], ["0.61"]]), "train_log.txt").series["loss"]
    assert len(s) == 4 and lst(s.epochs) == [0, 1, 2, 3] and s.axis == "epoch"


def test_a_long_file_reads_every_number(tmp_path):
    rng = np.random.default_rng(0)
    per = [[repr(float(v)) for v in 4 - 0.3 * e + rng.random(255)] for e in range(3)]
    s = read(tmp_path, _blocks(per), "train_log.txt").series["loss"]
    assert len(s) == 765 and lst(s.epochs)[254:257] == [0, 1, 1] and s.steps[-1] == 764
    assert s.values[-1] == float(per[2][-1])


@pytest.mark.parametrize("data", [
    # prose with a few numbers
    b"Epoch 0\nWe trained the model for a while.\n0.5\n0.4\nThe loss went down.\n0.3\n",
    b"Results of the run\n0.52\n0.41\n0.37\nEpoch 3 was the best.\n",
    # a done line that is not the last line
    b"Epoch 0\n0.91\n0.82\n0.75\n0.71\nDone!\nEpoch 1\n0.66\n0.62\n0.61\n0.60\n",
    # headers that do not rise
    _blocks([E0, E1]).replace(b"Epoch 1", b"Epoch 0"),
    # a header with no numbers under it before the next
    b"Epoch 0\nEpoch 1\n0.91\n0.82\n0.75\n0.71\n",
    # two numbers per header: a train and a val loss? which is which cannot be told
    b"Epoch 0\n0.91\n0.95\nEpoch 1\n0.82\n0.90\nEpoch 2\n0.75\n0.88\n",
    # whole numbers: counts, not losses
    b"Epoch 0\n12\n9\n8\n7\nEpoch 1\n6\n5\n4\n3\n",
])
def test_what_is_not_the_layout_is_refused_naming_the_file(tmp_path, data):
    with pytest.raises(InputError, match="train_log.txt"):
        read(tmp_path, data, "train_log.txt")


def test_a_broken_file_is_one_line_and_exit_2(tmp_path):
    bad = _blocks([E0, E1]).replace(E1[2].encode(), b"loss went up")
    (tmp_path / "train_log.txt").write_bytes(bad)
    r = CliRunner().invoke(app, ["inspect", str(tmp_path / "train_log.txt")])
    assert r.exit_code == 2 and "train_log.txt" in r.stderr and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output
