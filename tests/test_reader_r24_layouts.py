"""The layout from public round 24 that lossdoc could not read (readers/text.py, naming.py).

MihaelaBogdan/resonance-lm ``checkpoints/train.log``: the console log of a Romanian char-level language model. A few
header lines (corpus, vocabulary, model), then every 20 steps ``pas <step> | pierdere <loss> | lr <lr> | |g| <gnorm>
| <t>s`` (pas: step, pierdere: loss, |g|: the gradient's norm) and every 120-140 steps an indented
``-> validare <x> nats = <y> biti/caracter`` (the validation loss at the step of the line before, in nats and in bits
per character), ending with ``cea mai buna validare: ...`` (the best validation) and a save line. The project's own
print, no tool format to cite: the samples follow the byte layout of the public file (``pas {step:5d} | pierdere
{loss:.4f} | lr {lr:.2e} | |g| {g:5.2f} | {t:6.1f}s``). Values are made up.
"""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.naming import resolve
from tests.reading import assert_one_line_error, fresh_registry, lst, read  # noqa: F401

runner = CliRunner()

_HEAD = (
    "corpus  : 120,000 tokeni antrenare / 6,000 validare\n"
    "vocabular: 40 caractere\n"
    "model    : 200,000 parametri, 2 blocuri, d_model=64\n"
    "           entropie uniforma = 3.689 nats/car\n"
    "\n"
)


def _log(last: int = 599, every: int = 120, tail: bool = True) -> str:
    out = [_HEAD]
    steps = [*range(0, last, 20), last]
    for i, s in enumerate(steps):
        out.append(f"pas {s:5d} | pierdere {3.0 / (1 + i):.4f} | lr {1e-3 * (1 + i % 3):.2e} | |g| {0.5 + i / 100:5.2f} "
                   f"| {s * 0.16:6.1f}s\n")
        if (s and s % every == 0) or s == last:
            v = 1.0 + s / 1000
            out.append(f"        -> validare {v:.4f} nats = {v / math.log(2):.4f} biti/caracter\n")
    if tail:
        out.append("\ncea mai buna validare: 1.1200 nats = 1.6158 biti/caracter\n")
        out.append("salvat in checkpoints/model.npz  (96s total)\n")
    return "".join(out)


def test_step_lines_and_validation_lines_give_the_train_and_val_loss(tmp_path):
    run = read(tmp_path, _log(), "train.log")
    assert run.format == "text" and sorted(run.series) == ["grad_norm", "lr", "pierdere", "validare"]
    tl, vl = run.train_loss, run.val_loss
    assert tl is run.series["pierdere"] and vl is run.series["validare"]
    assert tl.role == "train_loss" and vl.role == "val_loss" and tl.axis == "step"
    assert len(tl) == 31 and lst(tl.steps)[:3] == [0, 20, 40] and lst(tl.steps)[-1] == 599
    assert tl.values[0] == 3.0 and tl.values[-1] == 0.0968
    # at the step of the line before; the best-validation summary at the end is no point
    assert lst(vl.steps) == [120, 240, 360, 480, 599] and vl.values[0] == 1.12 and vl.values[-1] == 1.599
    assert run.series["grad_norm"].role == "grad_norm" and run.series["grad_norm"].values[0] == 0.5


def test_bits_per_character_are_no_series_of_their_own(tmp_path):
    run = read(tmp_path, _log(tail=False), "train.log")
    assert not any("bit" in n or "caracter" in n or "nats" in n for n in run.series)
    assert len(run.series["validare"]) == 5


def test_cli_inspect_names_the_roles(tmp_path):
    path = tmp_path / "train.log"
    path.write_text(_log())
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 0, r.output
    assert "pierdere" in r.output and "train loss" in r.output and "val loss" in r.output


def test_nan_is_data(tmp_path):
    data = _log().replace("pierdere 1.5000", "pierdere nan").replace("validare 1.2400", "validare inf")
    run = read(tmp_path, data, "train.log")
    tl, vl = run.train_loss, run.val_loss
    assert len(tl) == 31 and math.isnan(tl.values[1]) and len(vl) == 5 and math.isinf(vl.values[1])


@pytest.mark.parametrize("word", ["epoca", "epocă", "Epocă"])
def test_the_romanian_word_for_epoch_marks_the_epoch(tmp_path, word):
    data = "".join(f"{word} {e} | pierdere {1.0 / e:.3f} | validare {1.2 / e:.3f}\n" for e in range(1, 6))
    run = read(tmp_path, data, "train.log")
    assert run.train_loss.name == "pierdere" and run.val_loss.name == "validare"
    assert run.train_loss.axis == "epoch" and lst(run.train_loss.epochs) == [1, 2, 3, 4, 5]
    assert run.val_loss.values[-1] == 0.24


def test_romanian_words_are_whole_words_only():
    assert resolve("pierdere").kind == "loss" and resolve("pierdere").split == "train"
    assert resolve("validare_pierdere") == resolve("val_loss")
    assert resolve("pierderea").kind == "other" and resolve("pierderi").kind == "other"
    assert resolve("validarea_acc").split != "val"


@pytest.mark.parametrize("word", ["pasi", "compas"])
def test_pas_marks_the_step_as_a_whole_word_only(tmp_path, word):
    lines = [f"{word} {s:5d} | pierdere {1.0 / (1 + s):.4f} | lr 1.00e-03\n" for s in range(0, 100, 20)]
    run = read(tmp_path, "".join(lines), "train.log")
    # no step marker: lines of the same names, one a point in line order; the word is a column of its own
    assert run.train_loss.axis == "epoch" and lst(run.train_loss.epochs) == [0, 1, 2, 3, 4] and word in run.series
    run = read(tmp_path, "".join(line.replace(word, "pas", 1) for line in lines), "train.log")
    assert run.train_loss.axis == "step" and lst(run.train_loss.steps) == [0, 20, 40, 60, 80]
    assert sorted(run.series) == ["lr", "pierdere"]


@pytest.mark.parametrize("bad", [
    _HEAD + "        -> validare 1.1200 nats = 1.6158 biti/caracter\n" * 5,  # validation lines under no step line
    _HEAD + "cea mai buna validare: 1.1200 nats = 1.6158 biti/caracter\n",  # the summary alone
    _HEAD,  # the header alone (a run killed before its first step line)
])
def test_other_text_is_refused_on_one_line(tmp_path, bad):
    path = tmp_path / "train.log"
    path.write_text(bad)
    assert_one_line_error(runner, app, path)
