"""Layouts from public round 20 that lossdoc could not read (readers/numbers.py, readers/text.py, readers/tabular.py's
``unwrap_tensors``, naming.py's ``cross ent``).

Items 1 to 5 are written by plain training loops (an f-string or a ``join`` per line), not by a tool with a format
of its own: there is no upstream format string to cite; each sample is written in the byte layout of the public file
it stands for (values made up), and the loop that writes it is quoted beside it. Item 6 follows ProtoPNet's
``train_and_test.py`` (``log('\\tcross ent: \\t{0}'.format(total_cross_entropy / n_batches))``, ``log('\\taccu:
\\t\\t{0}%'.format(n_correct / n_examples * 100))``, ``log('\\tp dist pair: \\t{0}'.format(...))``) and ``main.py``
(``log('epoch: \\t{0}'.format(epoch))``, ``log('\\twarm')`` / ``log('\\tjoint')``, ``log('\\ttrain')``,
``log('\\ttest')``).
"""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.naming import resolve
from lossdoc.readers.tabular import unwrap_tensors
from tests.reading import assert_one_line_error, fresh_registry, lst, read, read_all  # noqa: F401

runner = CliRunner()


# ------------------------------------------------------------------ 1: headerless 'epoch,batch,loss' lines
# for epoch in range(1, epochs + 1): for batch in ...: f.write(f"{epoch},{batch},{loss:.4f}\n")
# (jane212/CarND-Semantic-Segmentation training_loss.txt: 50 epochs x 19 batches, batches counted from 1)

def _epoch_batch(epochs: int = 3, batches: int = 4, last: int | None = None, start: int = 1) -> str:
    rows = []
    for e in range(1, epochs + 1):
        n = last if (last is not None and e == epochs) else batches
        for b in range(start, start + n):
            rows.append(f"{e},{b},{1.5 / (e + 0.1 * b):.4f}\n")
    return "".join(rows)


def test_epoch_batch_loss_lines_are_per_batch_points_at_their_epochs(tmp_path):
    run = read(tmp_path, _epoch_batch(), "training_loss.txt")
    assert run.format == "numbers" and list(run.series) == ["training_loss"]
    s = run.train_loss
    assert s is run.series["training_loss"] and s.kind == "loss" and s.split == "train"
    assert len(s) == 12 and s.axis == "step" and lst(s.steps) == list(range(12))
    assert lst(s.epochs) == [1] * 4 + [2] * 4 + [3] * 4
    assert s.values[0] == float(f"{1.5 / 1.1:.4f}") and s.values[-1] == float(f"{1.5 / 3.4:.4f}")
    assert any("an epoch (1 to 3), a batch" in n for n in run.notes)


def test_epoch_batch_lines_from_zero_with_a_partial_last_epoch_and_a_nan(tmp_path):
    data = "1,0,0.9\n1,1,0.8\n1,2,0.75\n2,0,0.7\n2,1,nan\n2,2,0.6\n3,0,0.55\n"
    run = read(tmp_path, data, "loss.csv")
    s = run.train_loss
    assert len(s) == 7 and lst(s.epochs) == [1, 1, 1, 2, 2, 2, 3] and lst(s.steps) == list(range(7))
    assert s.values[0] == 0.9 and s.values[-1] == 0.55
    assert math.isnan(s.values[4])  # a logged NaN is data


@pytest.mark.parametrize("bad", [
    "1,1,0.9\n1,2,0.8\n1,4,0.7\n2,1,0.6\n2,2,0.5\n",   # a batch skipped
    "1,1,0.9\n1,2,0.8\n3,1,0.7\n3,2,0.6\n3,3,0.5\n",   # an epoch skipped
    "1,1,0.9\n1,2,0.8\n2,2,0.7\n2,3,0.6\n2,4,0.5\n",   # the batch does not start again at its first value
])
def test_epoch_batch_lines_that_break_the_structure_are_refused_on_one_line(tmp_path, bad):
    path = tmp_path / "training_loss.txt"
    path.write_text(bad)
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 2: a title line over a bare list
# f.write("Loss History:\n"); for loss in history: f.write(f"{loss}\n")   (Misha0966/AI-models loss_history.txt)

def test_a_loss_title_over_a_bare_list_is_no_data(tmp_path):
    values = [0.6932171023706241, 0.6901, 0.6880, float("nan"), 0.6863451]
    data = "Loss History:\n" + "".join(f"{v!r}\n" for v in values)
    run = read(tmp_path, data, "history.txt")
    assert run.format == "numbers" and list(run.series) == ["Loss_History"]
    s = run.train_loss
    assert s is run.series["Loss_History"] and len(s) == 5 and s.axis == "epoch" and lst(s.epochs) == [0, 1, 2, 3, 4]
    assert s.values[0] == 0.6932171023706241 and s.values[-1] == 0.6863451 and math.isnan(s.values[3])
    assert any("a title line ('Loss History': no data)" in n for n in run.notes)
    # a file named after a loss names it
    assert list(read(tmp_path, data, "loss_history.txt").series) == ["loss_history"]


def test_a_title_that_names_no_loss_is_not_taken_for_one(tmp_path):
    path = tmp_path / "history.txt"
    path.write_text("Accuracy History:\n0.5\n0.6\n0.7\n")
    with pytest.raises(Exception) as e:
        read(tmp_path, path.read_text(), "history.txt")
    assert "history.txt" in str(e.value)
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 3: TensorFlow tensors, the epoch glued
# print(f"The loss of epoch{epoch}is:{loss}") with loss a TF eager tensor (fredericsun/seq2seq-ChinesePoetryGenerater)

def test_tf_tensor_values_with_the_epoch_glued_to_its_words(tmp_path):
    vals = [8.074845, 7.5851235, 7.1282883, 6.828103]
    data = "".join(f"The loss of epoch{e}is:tf.Tensor({v}, shape=(), dtype=float32)\n" for e, v in enumerate(vals))
    run = read(tmp_path, data, "training_loss.txt")
    assert run.format == "numbers" and list(run.series) == ["training_loss"]
    s = run.train_loss
    assert len(s) == 4 and s.axis == "epoch" and lst(s.epochs) == [0, 1, 2, 3]
    assert s.values[0] == 8.074845 and s.values[-1] == 6.828103
    assert any("4 value(s) written as a tensor's repr" in n for n in run.notes)


def test_unwrap_tensors_reads_tf_scalars_and_leaves_other_shapes():
    text, n = unwrap_tensors("a,tf.Tensor(0.5, shape=(), dtype=float32),tensor(1.5, grad_fn=<AddBackward0>)\n"
                             "b,tf.Tensor([0.5 0.6], shape=(2,), dtype=float32),mytf.Tensor(3.0, shape=())\n")
    assert n == 2
    assert text.split("\n")[0] == "a,0.5,1.5"
    assert "shape=(2,)" in text and "mytf.Tensor(3.0" in text  # a vector is no scalar; a longer name no TF tensor


def test_a_csv_with_tf_tensor_cells_is_read(tmp_path):
    data = "epoch,loss\n" + "".join(f"{e},tf.Tensor({1 / (e + 1)!r}, shape=(), dtype=float32)\n" for e in range(4))
    run = read(tmp_path, data, "history.csv")
    s = run.train_loss
    assert s.name == "loss" and len(s) == 4 and s.values[-1] == 0.25


def test_glued_epoch_lines_whose_label_names_no_loss_or_changes_are_refused(tmp_path):
    for i, data in enumerate([
        "".join(f"The accuracy of epoch{e}is:tf.Tensor(0.{e + 1}, shape=(), dtype=float32)\n" for e in range(4)),
        "The loss of epoch0is:8.0\nThe loss of epoch1is:7.0\nThe cost of epoch2is:6.0\nThe loss of epoch3is:5.0\n",
    ]):
        path = tmp_path / f"log{i}.txt"
        path.write_text(data)
        assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 4: a setting's heading over a line of losses
# for k in dims: f.write(f"Latent Space Dimension = {k}\n"); f.write(", ".join(map(str, history)) + "\n\n")
# (domsoli/MNIST_digit_generation_using_VAE loss_history.txt: six blocks of 50 float32 losses)

def _headed(dims=(6, 2, 4), n: int = 12) -> str:
    out = []
    for k in dims:
        vals = [round(0.07 / (1 + 0.1 * i * k), 8) for i in range(n)]
        out.append(f"Latent Space Dimension = {k}\n" + ", ".join(str(v) for v in vals) + "\n\n")
    return "".join(out)


def test_heading_blocks_over_one_line_of_losses_are_a_run_each(tmp_path):
    runs = read_all(tmp_path, _headed(), "loss_history.txt")
    assert [r.name for r in runs] == [f"loss_history.txt (Latent Space Dimension = {k})" for k in (6, 2, 4)]
    for k, run in zip((6, 2, 4), runs):
        assert run.format == "numbers" and list(run.series) == ["loss_history"]
        s = run.train_loss
        assert len(s) == 12 and s.axis == "epoch" and lst(s.epochs) == list(range(12))
        assert s.values[0] == 0.07 and s.values[-1] == round(0.07 / (1 + 1.1 * k), 8)
        assert any("a heading line ('Latent Space Dimension = " in n for n in run.notes)


@pytest.mark.parametrize("bad", [
    _headed(dims=(6, 6)),                                               # two headings alike: which run is which?
    _headed(dims=(6, 2)).replace("Latent Space Dimension = 2", "Batch Size = 2"),  # headings of two settings
    _headed(dims=(6, 2)) + "0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95\n",  # a line with no heading
])
def test_heading_blocks_that_cannot_be_told_apart_are_refused_on_one_line(tmp_path, bad):
    path = tmp_path / "loss_history.txt"
    path.write_text(bad)
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 5: an emoji between the fields
# f.write(f"{datetime.now()}\U0001FAE4{epoch}\U0001FAE4{loss}\n")   (A-Team-Name/ocr-model-training train_loss.txt)

_SEP = "\U0001FAE4"


def test_an_odd_separator_and_a_leading_datetime(tmp_path):
    vals = [4.485516087485233, 3.6917775850951147, 3.232656312554605, float("nan"), 2.551550764714767]
    data = "".join(f"2024-11-{29 + e // 3:02d} {10 + e:02d}:15:04.852164{_SEP}{e}{_SEP}{v!r}\n"
                   for e, v in enumerate(vals))
    run = read(tmp_path, data.encode("utf-8"), "train_loss.txt")
    assert run.format == "numbers" and list(run.series) == ["train_loss"]
    s = run.train_loss
    assert len(s) == 5 and s.axis == "epoch" and lst(s.epochs) == [0, 1, 2, 3, 4]
    assert s.values[0] == 4.485516087485233 and s.values[-1] == 2.551550764714767 and math.isnan(s.values[3])
    assert any("U+1FAE4" in n and "date and time" in n for n in run.notes)


def test_an_odd_separator_without_a_datetime(tmp_path):
    data = "".join(f"{e}\u2192{1 / (e + 1)!r}\n" for e in range(5))
    run = read(tmp_path, data, "loss.txt")
    assert lst(run.train_loss.epochs) == [0, 1, 2, 3, 4] and run.train_loss.values[-1] == 0.2
    assert any("U+2192" in n and "date" not in n for n in run.notes)


def test_an_odd_separator_not_on_every_line_is_refused_on_one_line(tmp_path):
    path = tmp_path / "train_loss.txt"
    path.write_text("".join(f"{e}{_SEP}{1 / (e + 1)}\n" for e in range(4)) + f"4{_SEP}0.2{_SEP}\n", encoding="utf-8")
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------ 6: ProtoPNet's tab-indented blocks per epoch

def _protopnet(epochs=(0, 1, 3)) -> str:
    out = ["start training\n"]
    for e in epochs:
        out.append(f"epoch: \t{e}\n\t{'warm' if e < 2 else 'joint'}\n")
        for split, ce in (("train", 4.84 - 0.2 * e), ("test", 4.51 - 0.1 * e)):
            out.append(f"\t{split}\n\ttime: \t{90.5 + e}\n\tcross ent: \t{ce!r}\n\tcluster: \t0.0716\n"
                       f"\tseparation:\t0.0030\n\tavg separation:\t32.37\n\taccu: \t\t{4.66 + e}%\n"
                       f"\tl1: \t\t4475.59\n\tp dist pair: \t70.58\n")
    return "".join(out)


def test_cross_ent_is_a_loss():
    assert resolve("cross_ent").kind == "loss" and resolve("test_cross_ent").split == "test"


def test_protopnet_blocks_give_train_and_test_cross_entropy_per_epoch(tmp_path):
    run = read(tmp_path, _protopnet(), "trainlog.txt")
    assert run.format == "text"
    s = run.train_loss
    assert s.name == "cross_ent" and len(s) == 3 and s.axis == "epoch" and lst(s.epochs) == [0, 1, 3]
    assert s.values[0] == 4.84 and s.values[-1] == 4.84 - 0.6
    v = run.val_loss
    assert v.name == "test_cross_ent" and lst(v.epochs) == [0, 1, 3] and v.values[-1] == 4.51 - 0.3
    assert {"accu", "test_accu", "cluster", "test_p_dist_pair"} <= set(run.series)
    assert "time" not in run.series and "warm" not in run.series
