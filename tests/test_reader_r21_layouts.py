"""Layouts from public round 21 that lossdoc could not read (readers/text.py).

1. chihina/DCGAN-example ``loss.log``: ``<e>/<E> epoch G_loss : <x>, D_loss : <y> `` (a trailing space), several
   trainings appended. A plain loop's print, no tool format to cite: written in the byte layout of the public file.
2. caffe2's TensorPrinter (caffe2/core/tensor.cc, ``TensorPrinter::MetaStr``: ``meta_stream << "Tensor " <<
   tensor_name_ << " of type " << tensor.dtype().name() << ". Dims: ("``, each dim followed by ``","``, then
   ``"): "``; ``Print`` then writes the values joined by ``","``): a PrintOp on the scalar loss each iteration,
   ``Tensor loss of type float. Dims: (): 2.3412`` (aglupotto/mnist, Agnostic12/caffe2_learning ``loss.log``); under
   ``LOG(INFO)`` a glog prefix comes first.
3. A console report (DandaAkhilReddy/enzyme-gcn-classifier ``training_output.log``): banner sections, a table
   ``Epoch  Train Loss  Train Acc  Test Loss  Test Acc  Time`` with rows ending ``<secs>    s``, then scikit-learn's
   ``classification_report`` (its header ``precision    recall  f1-score   support``). The loop's print is the
   project's own: the byte layout of the public file.
4. spaCy's training loop as the spaCy course writes it (explosion/spacy-course, exercises/en/exc_04_07.py: each pass
   ``losses = {}``, ``nlp.update(..., losses=losses)`` per batch, then ``print(losses)``): ``{'textcat': 30095.2}``
   (KoralK5/Depression-Detection ``loss.txt``).
Values are made up.
"""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import assert_one_line_error, fresh_registry, lst, read  # noqa: F401

runner = CliRunner()


# ------------------------------------------------------------------------- 1: '<e>/<E> epoch G_loss : x, D_loss : y '
# print(f"{epoch}/{epochs} epoch G_loss : {g_loss}, D_loss : {d_loss} ") -- four trainings appended to one file


def _dcgan(runs: tuple[int | tuple[int, int], ...] = (10, 10)) -> str:
    """One training per item: its epochs, or (epochs printed, epochs planned) for one cut short."""
    out = []
    for r, item in enumerate(runs):
        n, total = item if isinstance(item, tuple) else (item, item)
        for e in range(1, n + 1):
            out.append(f"{e}/{total} epoch G_loss : {5.0 + r + e / 10:.6f}, D_loss : {0.5 / e:.6f} \n")
    return "".join(out)


def test_dcgan_epoch_of_lines_give_the_generator_and_discriminator_losses(tmp_path):
    run = read(tmp_path, _dcgan((12,)), "loss.log")
    assert run.format == "text" and sorted(run.series) == ["D_loss", "G_loss"]
    g, d = run.series["G_loss"], run.series["D_loss"]
    assert run.train_loss is g  # the generator's, never the sum with the discriminator's
    assert d.kind == "loss" and len(g) == len(d) == 12 and g.axis == "epoch"
    assert lst(g.epochs) == list(range(1, 13))  # the epoch as written
    assert g.values[0] == 5.1 and g.values[-1] == 6.2 and d.values[0] == 0.5
    assert any("GAN losses" in n for n in run.notes)


def test_dcgan_runs_appended_keep_the_latest_with_a_note(tmp_path):
    run = read(tmp_path, _dcgan((10, (73, 100), 10, 10)), "loss.log")
    g = run.series["G_loss"]
    assert len(g) == 10 and lst(g.epochs) == list(range(1, 11))
    assert g.values[0] == 8.1 and g.values[-1] == 9.0  # the fourth training's
    assert any("restarts 3 time(s)" in n for n in run.notes)


def test_dcgan_nan_is_data(tmp_path):
    data = _dcgan((5,)).replace("D_loss : 0.166667", "D_loss : nan")
    d = read(tmp_path, data, "loss.log").series["D_loss"]
    assert len(d) == 5 and math.isnan(d.values[2])


def test_a_count_before_epoch_with_its_own_number_is_no_such_marker(tmp_path):
    # "1/10 epoch 3 loss 0.5": the word has a number of its own, the usual marker; not the N/M-before-the-word form
    run = read(tmp_path, "".join(f"1/10 epoch {e}: loss={1.0 / e:.3f}\n" for e in range(1, 5)), "train.log")
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4]


# ---------------------------------------------------------------- 2: caffe2 'Tensor loss of type float. Dims: (): X'


def _tensor(n: int = 200, name: str = "loss") -> str:
    return "".join(f"Tensor {name} of type float. Dims: (): {2.3412 * 0.99 ** i:.4f}\n" for i in range(n))


def test_caffe2_tensor_printouts_are_one_point_per_line_on_the_step_axis(tmp_path):
    run = read(tmp_path, _tensor(), "loss.log")
    assert run.format == "text" and list(run.series) == ["loss"]
    s = run.train_loss
    assert s is run.series["loss"] and len(s) == 200 and s.axis == "step"
    assert lst(s.steps)[:3] == [1, 2, 3] and lst(s.steps)[-1] == 200
    assert s.values[0] == 2.3412 and s.values[-1] == float(f"{2.3412 * 0.99 ** 199:.4f}")
    assert any("caffe2's tensor printout" in n for n in run.notes)


def test_caffe2_printouts_after_glog_prefixes_a_header_and_a_nan(tmp_path):
    lines = ["Training MNIST with caffe2\n"]
    for i in range(6):
        v = "nan" if i == 4 else f"{2.0 - i / 10:.4f}"
        lines.append(f"I1203 12:00:0{i}.123456 12345 print_op.h:{50 + i}] Tensor loss of type float. Dims: (): {v}\n")
    run = read(tmp_path, "".join(lines), "loss.log")
    s = run.train_loss
    assert len(s) == 6 and s.values[0] == 2.0 and math.isnan(s.values[4]) and s.values[-1] == 1.5


@pytest.mark.parametrize("bad", [
    _tensor(5) + "".join(f"some chatter {i}\n" for i in range(3)),  # more than a couple of other lines
    _tensor(5) + _tensor(5, "accuracy"),  # two tensors: which line is which step?
    _tensor(5, "accuracy"),  # no loss
    "Tensor loss of type float. Dims: (2,): 1.0,2.0\n" * 5,  # not a scalar
])
def test_other_tensor_printouts_are_refused_on_one_line(tmp_path, bad):
    path = tmp_path / "loss.log"
    path.write_text(bad)
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------- 3: a table of epochs among banner sections

_RULE = "=" * 60
_GCN = [
    _RULE, "ENZYME GCN CLASSIFIER", _RULE, "", "Dataset: ENZYMES", "Number of graphs: 600", "Hidden channels: 64", "",
    _RULE, "TRAINING", _RULE,
    "Epoch  Train Loss  Train Acc  Test Loss  Test Acc  Time",
]


def _gcn(epochs=(1, *range(10, 201, 10)), nan_at: int | None = None) -> str:
    rows = []
    for i, e in enumerate(epochs):
        test = "nan" if i == nan_at else f"{1.80 - 0.01 * i:.4f}"
        rows.append(f"{e:5d}  {1.79 - 0.02 * i:10.4f}  {0.20 + 0.02 * i:9.4f}  {test:>9}  {0.18 + 0.01 * i:8.4f}  "
                    f"{2.5 * (i + 1):6.2f}    s")
    report = [
        "", _RULE, "CLASSIFICATION REPORT", _RULE,
        "              precision    recall  f1-score   support", "",
        "           0       0.55      0.60      0.57        20",
        "           1       0.40      0.35      0.37        20", "",
        "    accuracy                           0.47        40",
        "   macro avg       0.47      0.47      0.47        40",
        "weighted avg       0.47      0.47      0.47        40", "",
    ]
    return "\n".join(_GCN + rows + report)


def test_a_table_after_banners_gives_train_and_test_curves_per_epoch(tmp_path):
    run = read(tmp_path, _gcn(), "training_output.log")
    assert run.format == "text"
    assert sorted(run.series) == ["Test_Acc", "Test_Loss", "Train_Acc", "Train_Loss"]  # Time: no series
    tr, te = run.train_loss, run.val_loss
    assert tr is run.series["Train_Loss"] and te is run.series["Test_Loss"]
    assert len(tr) == len(te) == 21 and tr.axis == "epoch"
    assert lst(tr.epochs)[:3] == [1, 10, 20] and lst(tr.epochs)[-1] == 200
    assert tr.values[0] == 1.79 and tr.values[-1] == float(f"{1.79 - 0.4:.4f}") and te.values[0] == 1.8
    assert run.series["Test_Acc"].kind == "metric"
    assert any("a table printed at line 12" in n and "Time" in n for n in run.notes)


def test_a_table_nan_is_kept(tmp_path):
    te = read(tmp_path, _gcn(nan_at=3), "training_output.log").series["Test_Loss"]
    assert len(te) == 21 and math.isnan(te.values[3])


@pytest.mark.parametrize("bad", [
    _gcn().replace("Train Loss  Train Acc  Test Loss", "Train MSE   Train Acc  Test MSE "),  # no loss named
    _gcn() + "\n".join(_GCN[-1:] + ["    1  1.0  0.5  1.1  0.4  2.0    s"] * 3) + "\n",  # two tables: which run?
    _gcn(epochs=(1, 10)),  # two rows only
])
def test_tables_that_are_no_such_report_are_refused_on_one_line(tmp_path, bad):
    path = tmp_path / "training_output.log"
    path.write_text(bad)
    assert_one_line_error(runner, app, path)


# ------------------------------------------------------------------------------------ 4: spaCy's losses dicts


def test_spacy_losses_dicts_are_one_line_per_epoch_and_a_loss(tmp_path):
    data = "{'textcat': 30095.2}\n{'textcat': 61234.5}\n{'textcat': 88000.1}\n{'textcat': 107650.3}\n"
    run = read(tmp_path, data, "loss.txt")
    assert run.format == "text" and list(run.series) == ["textcat"]
    s = run.train_loss
    assert s is run.series["textcat"] and s.kind == "loss" and s.split == "train"
    assert len(s) == 4 and s.axis == "epoch" and lst(s.epochs) == [0, 1, 2, 3]
    assert s.values[0] == 30095.2 and s.values[-1] == 107650.3
    assert any("spaCy's losses dict" in n for n in run.notes)


def test_spacy_losses_of_several_pipes_and_a_nan(tmp_path):
    data = "{'tok2vec': 1.5, 'ner': 30.2}\n{'tok2vec': 1.2, 'ner': nan}\n{'tok2vec': 1.1, 'ner': 12.0}\n"
    run = read(tmp_path, data, "loss.txt")
    ner = run.series["ner"]
    assert ner.kind == "loss" and len(ner) == 3 and math.isnan(ner.values[1]) and ner.values[-1] == 12.0
    assert run.series["tok2vec"].kind == "loss"


@pytest.mark.parametrize("bad", [
    "{'textcat': 1.5}\n{'textcat': 1.2}\n{'ner': 1.1}\n",  # the names change
    "{'textcat': 1.5}\n{'textcat': 1.2}\nepoch done\n{'textcat': 1.1}\n",  # not every line a dict
    "{'accuracy': 0.5}\n{'accuracy': 0.6}\n{'accuracy': 0.7}\n",  # no spaCy pipe
    "{'textcat': __import__('os')}\n" * 3,  # never evaluated
])
def test_other_dict_lines_are_refused_on_one_line(tmp_path, bad):
    path = tmp_path / "loss.txt"
    path.write_text(bad)
    assert_one_line_error(runner, app, path)
