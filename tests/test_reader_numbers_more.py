"""The headerless-numbers reader (``numbers``, readers/numbers.py) on four more layouts found in public repositories.

These files are written by plain training loops (an f-string per line, or ``f.write(str(loss))``), not by a tool
with a format of its own: there is no upstream format string to cite. Each sample below is written in the exact
byte layout such a loop produces, and the loop is quoted beside it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read  # noqa: F401  (fresh_registry: autouse fixture)

# --------------------------------------------------------------------------------- 1: epochN<TAB>value lines

# for e in range(1, 5): f.write(f"epoch{e}\t{loss}\n")   (a Chainer demo)
EPOCH_GLUED = b"epoch1\t0.2390\nepoch2\t0.2011\nepoch3\t0.1842\nepoch4\tnan\nepoch5\t0.1703\n"


def test_a_counter_glued_to_its_epoch_word_then_the_loss(tmp_path):
    run = read(tmp_path, EPOCH_GLUED, "log.txt")
    assert run.format == "numbers" and list(run.series) == ["loss"]
    s = run.series["loss"]
    assert s.kind == "loss" and s.split == "train" and run.train_loss is s
    assert len(s) == 5 and s.values[0] == 0.2390 and s.values[-1] == 0.1703
    assert np.isnan(s.values[3])  # a logged NaN is data
    assert lst(s.epochs) == [1, 2, 3, 4, 5] and s.steps is None and s.axis == "epoch"
    assert any("'epochN value'" in n and "epochs N" in n for n in run.notes)


def test_a_glued_step_word_is_the_step_axis_and_the_file_name_names_the_loss(tmp_path):
    # for it in range(100, 400, 100): f.write(f"iter{it} {loss:.4f}\n")
    run = read(tmp_path, b"iter100 0.9000\niter200 0.7000\niter300 0.6500\n", "val_loss.txt")
    s = run.series["val_loss"]
    assert run.val_loss is s and lst(s.steps) == [100, 200, 300] and s.epochs is None


def test_epoch_lines_with_a_space_stay_the_text_readers(tmp_path):
    # "epoch 1: 0.2390" and "Epoch 1, 0.2390" are the text reader's marker lines: not taken from it.
    for data in (b"epoch 1: 0.2390\nepoch 2: 0.2011\nepoch 3: 0.1842\n", b"Epoch 1, 0.2390\nEpoch 2, 0.2011\nEpoch 3, 0.1842\n"):
        run = read(tmp_path, data, "log.txt")
        assert run.format == "text" and run.train_loss is not None and len(run.train_loss) == 3


@pytest.mark.parametrize("data", [
    b"epoch1\t0.2390\nepoch3\t0.2011\nepoch2\t0.1842\n",     # the counter does not rise
    b"epoch1\t0.2390\nstep2\t0.2011\nepoch3\t0.1842\n",      # two words
    b"batch1\t0.2390\nbatch2\t0.2011\nbatch3\t0.1842\n",     # not an epoch/step/iteration word
    b"epoch1\t0.2390\nepoch2\tloss\nepoch3\t0.1842\n",       # a value that is not a number
])
def test_glued_counter_lines_that_are_not_the_layout_are_refused(tmp_path, data):
    with pytest.raises(InputError, match="log.txt"):
        read(tmp_path, data, "log.txt")


# --------------------------------------------------------------------------------- 2: counter, train, val lines

# Three runs appended to one file by: with open("loss.txt", "a") as f: f.write(f"{epoch}, {train}, {val}\n")
APPENDED = (b"0, 9.29, 3.06\n1, 5.12, 2.98\n2, 3.40, 2.90\n3, 2.71, 2.95\n"
            b"0, 9.31, 3.07\n1, 5.20, 3.01\n"
            b"0, 9.27, 3.05\n1, 5.01, 2.97\n2, 3.33, 2.88\n3, 2.60, inf\n")


def test_a_counter_and_two_losses_are_train_then_val_and_a_restart_keeps_the_latest_run(tmp_path):
    run = read(tmp_path, APPENDED, "loss.txt")
    assert run.format == "numbers" and sorted(run.series) == ["train_loss", "val_loss"]
    t, v = run.train_loss, run.val_loss
    assert t is run.series["train_loss"] and v is run.series["val_loss"]
    # The same policy as a CSV whose epoch column goes back (base.cut_restarts): the latest segment is kept.
    assert lst(t.epochs) == [0, 1, 2, 3] and lst(v.epochs) == [0, 1, 2, 3]
    assert t.values.tolist() == [9.27, 5.01, 3.33, 2.60] and v.values[0] == 3.05 and np.isposinf(v.values[-1])
    assert run.meta["restarted"] == ["train_loss", "val_loss"]
    assert any("restarts 2 time(s)" in n and "kept the latest segment" in n for n in run.notes)
    assert any("train_loss then val_loss" in n and "--train / --val" in n for n in run.notes)


def test_a_counter_and_two_losses_without_restart_and_without_spaces(tmp_path):
    run = read(tmp_path, b"1,0.90,0.95\n2,0.70,0.80\n3,0.60,0.75\n", "history.txt")
    assert len(run.train_loss) == 3 and run.val_loss.values[-1] == 0.75 and not run.meta.get("restarted")


@pytest.mark.parametrize("data", [
    b"0, 9.29, 3.06\n1, 5.12\n2, 3.40, 2.90\n3, 2.71, 2.95\n",     # a line of two numbers
    b"0, 9.29, 3.06\n0, 5.12, 2.98\n1, 3.40, 2.90\n",             # the counter repeats
    b"5, 9.29, 3.06\n2, 5.12, 2.98\n1, 3.40, 2.90\n",             # it goes back at every line: not a counter
    b"0, 1, 2\n1, 3, 4\n2, 5, 6\n",                                # whole numbers: not losses
])
def test_counter_and_two_columns_that_are_not_the_layout_are_refused(tmp_path, data):
    with pytest.raises(InputError, match="loss.txt"):
        read(tmp_path, data, "loss.txt")


# --------------------------------------------------------------------------------- 3: one or two numbers, named

def test_one_number_in_a_file_named_after_the_train_loss(tmp_path):
    # f = open("train_loss.txt", "w"); f.write(str(loss)): no line end
    run = read(tmp_path, b"1.018072928107062", "train_loss.txt")
    s = run.series["train_loss"]
    assert run.format == "numbers" and run.train_loss is s and len(s) == 1 and s.values[0] == 1.018072928107062
    assert lst(s.epochs) == [0]
    assert any("file named after a loss" in n for n in run.notes)


def test_two_numbers_in_a_file_named_after_the_val_loss(tmp_path):
    # for loss in val_losses: f.write(f"{loss:.2f}\n")  after two epochs
    run = read(tmp_path, b"24.67\n37.80\n", "val_loss.txt")
    s = run.series["val_loss"]
    assert run.val_loss is s and run.train_loss is None and s.values.tolist() == [24.67, 37.80]
    assert lst(s.epochs) == [0, 1]


@pytest.mark.parametrize("name,data", [
    ("best_score.txt", b"42"),            # a name that names no loss: a score is not a curve
    ("best_score.txt", b"0.9312\n"),
    ("best_val_loss.txt", b"0.2312\n"),   # one value of a run (its best), not a curve
    ("notes.txt", b"24.67\n37.80\n"),
    ("train_loss.txt", b"3\n"),           # a whole number: a count, not a loss
    ("train_loss.txt", b"0.5 0.4\n"),     # two numbers on one line
    ("train_loss.txt", b"0.5\n0.4 (epoch 2)\n"),  # text after a number
])
def test_one_or_two_numbers_otherwise_are_refused(tmp_path, name, data):
    with pytest.raises(InputError, match=name.replace(".", r"\.")):
        read(tmp_path, data, name)
    r = CliRunner().invoke(app, ["inspect", str(tmp_path / name)])
    assert r.exit_code == 2 and name in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.output


@pytest.mark.parametrize("data", [b"1.018072928107062", b"24.67\n37.80\n"])
def test_analyze_of_one_or_two_points_is_sane(tmp_path, data):
    """The engine has nothing to judge on one or two points: no finding, no crash, exit 0."""
    path = tmp_path / "val_loss.txt"
    path.write_bytes(data)
    r = CliRunner().invoke(app, ["analyze", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    (run,) = json.loads(r.stdout)["runs"]
    assert run["format"] == "numbers" and run["val_loss"] == "val_loss" and run["findings"] == []
    assert run["status"] == "ok" and run["series"][0]["points"] == len(data.split())


# --------------------------------------------------------------------------------- 4: loss then elapsed time

def _loss_time(n: int) -> bytes:
    # writeln!(f, "{:.2},{:.1}", loss, start.elapsed().as_secs_f64()): the loss, then the seconds since the start
    return "".join(f"{2.43 * math.exp(-i / 100) * (1 + 0.02 * math.sin(i)):.2f},{519.2 * (i + 1) + 0.3 * (i % 7):.1f}\n"
                   for i in range(n)).encode()


def test_the_loss_then_a_time_that_rises_at_every_line(tmp_path):
    data = _loss_time(330)
    assert data.startswith(b"2.43,519.2\n2.45,1038.7\n")
    run = read(tmp_path, data, "log.csv")
    s = run.series["loss"]
    assert run.format == "numbers" and run.train_loss is s and len(s) == 330
    assert s.values[0] == 2.43 and s.values[-1] == float(data.splitlines()[-1].split(b",")[0])
    assert lst(s.steps) == list(range(330)) and s.epochs is None
    assert any("taken for the time elapsed" in n and "0..n-1" in n for n in run.notes)


@pytest.mark.parametrize("data", [
    _loss_time(9),                                                                 # too few lines to guess
    b"".join(b"%.2f,%d\n" % (1 / (i + 1), 100 * (i + 1)) for i in range(12)),      # an integer counter: a step
    b"".join(b"%.2f,%.1f\n" % (0.1 * i, 10.5 * i) for i in range(1, 13)),          # both rise: which is the loss?
    _loss_time(12).replace(b",5712.", b",1.", 1),                                  # the time goes back
])
def test_two_columns_that_are_not_loss_and_time_are_refused(tmp_path, data):
    with pytest.raises(InputError, match="log.csv"):
        read(tmp_path, data, "log.csv")


def test_integer_counter_first_stays_the_counter_pairs_layout(tmp_path):
    data = b"".join(b"%d,%.3f\n" % (e, 1 / e) for e in range(1, 13))
    run = read(tmp_path, data, "log.csv")
    assert lst(run.train_loss.epochs) == list(range(1, 13)) and run.train_loss.steps is None


# --------------------------------------------------------------------------------- malformed long files

@pytest.mark.parametrize("body,bad,what", [
    ("".join(f"epoch{e}\t{1 / e:.4f}\n" for e in range(1, 6000)) + "epoch6000\toops\n", "epoch6000", "'epochN value'"),
    ("".join(f"{i % 50}, {1 / (i + 1):.4f}, {1.1 / (i + 1):.4f}\n" for i in range(5000)) + "7, 0.5\n", "7, 0.5",
     "'counter, train, val'"),
    (_loss_time(5000).decode() + "2.0,100.5\n", "2.0,100.5", "'loss,time'"),
])
def test_a_long_file_broken_after_its_head_is_one_line_naming_the_file(tmp_path, body, bad, what):
    path = tmp_path / "run.log"
    path.write_text(body)
    assert len(body) > 64 * 1024  # past the head the reader sniffs
    r = CliRunner().invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and "run.log" in err and what in err and bad in err and "Traceback" not in err
