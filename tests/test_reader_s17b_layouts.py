"""More layouts that reading surveys 16 and 17 found refused or misread (readers/consolelogs.py, readers/text.py,
readers/numbers.py, readers/base.py, naming.py).

Each sample is written here in the layout its script writes (values made up), the script's write quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import pytest

from tests.reading import lst, read

# ------------------------------------------------------------------ gluefactory (LightGlue) train.py
# gluefactory/train.py: logger.info(f"Training loader has {len(train_loader)} batches"); every log_every_iter
# iterations logger.info("[E {} | it {}] loss {{{}}}".format(epoch, it, ", ".join(f"{k} {v:.3E}" ...))); at it %
# eval_every_iter == 0 (it > 0, or it 0 of epoch 0) and at it == len(train_loader) - 1:
# logger.info(f'[Validation] {{{", ".join(f"{k} {v:.3E}" ...)}}}'); the logger's format "[%(asctime)s %(name)s
# %(levelname)s] %(message)s", datefmt "%m/%d/%Y %H:%M:%S".


def _gf(msg: str, name: str = "gluefactory") -> str:
    return f"[03/14/2025 09:26:53 {name} INFO] {msg}"


def _gluefactory(epochs: int, batches: int = 40, every: int = 10, evals: int = 20, loader_line: bool = True) -> str:
    out = [_gf("Starting experiment sp+lg_demo")]
    if loader_line:
        out.append(_gf(f"Training loader has {batches} batches"))
    out += [_gf("Starting training with configuration:"), "train:", "  epochs: 3", "  lr: 0.0001"]
    for e in range(epochs):
        out.append(_gf(f"Starting epoch {e}"))
        for it in range(batches):
            t = e * batches + it
            if it % every == 0:
                total = 2.0 / (1 + t / 30)
                out.append(_gf(f"[E {e} | it {it}] loss {{total {total:.3E}, last {total / 2:.3E}, assignment_nll "
                               f"{total / 2:.3E}, nll_pos {total:.3E}, num_matchable 4.883E+02, confidence 2.972E-01}}"))
            if (it % evals == 0 and (it > 0 or e == 0)) or it == batches - 1:
                val = 1.8 / (1 + t / 40)
                out.append("Evaluation:  50%|#####     | 5/10 [00:01<00:01,  4.12it/s]\r"
                           "Evaluation: 100%|##########| 10/10 [00:02<00:00,  4.20it/s]")
                out.append(_gf(f"[Validation] {{match_recall {0.6 + t / 1000:.3E}, match_precision 6.692E-01, "
                               f"loss/total {val:.3E}, loss/last {val:.3E}, loss/num_matchable 3.691E+02}}"))
                out.append(_gf("Saving checkpoint checkpoint_best.tar", "gluefactory.utils.experiments"))
    return "\n".join(out) + "\n"


def test_gluefactory_train_and_validation_lines(tmp_path):
    run = read(tmp_path, _gluefactory(3), "finetune.log")
    assert run.format == "gluefactory-log"
    assert run.train_loss.name == "loss/total" and len(run.train_loss) == 12
    # the iteration starts again at every epoch: counted on by the loader's length, as gluefactory's tot_it
    assert lst(run.train_loss.steps) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]
    assert run.train_loss.values[0] == pytest.approx(2.0)
    assert run.val_loss.name == "val/loss/total"
    # at it 0 and 20 of epoch 0, 20 of the others, and at each epoch's last iteration (39)
    assert lst(run.val_loss.steps) == [0, 20, 39, 60, 79, 100, 119]
    assert run.val_loss.values[-1] == pytest.approx(1.8 / (1 + 119 / 40), rel=1e-3)
    assert run.series["val/match_recall"].role == "val_metric"
    assert "Saving" not in " ".join(run.series)


def test_gluefactory_without_the_loader_line_counts_on_from_the_iterations_seen(tmp_path):
    run = read(tmp_path, _gluefactory(2, loader_line=False), "train.log")
    assert run.format == "gluefactory-log"
    assert lst(run.train_loss.steps) == [0, 10, 20, 30, 40, 50, 60, 70]
    assert lst(run.val_loss.steps) == [0, 20, 39, 60, 79]
