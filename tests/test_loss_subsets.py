"""Losses on several evaluation subsets (fairseq's ``dev-other_loss`` and ``dev-clean_loss``) are one quantity
on different data: naming.py says so (``loss_subset``), they are never summed into one total, and the first
subset's loss is the val loss."""

from __future__ import annotations

import numpy as np

import lossdoc
from lossdoc.model import Run, Series
from lossdoc.naming import is_total_loss, loss_base, loss_subset
from lossdoc.readers.base import finish_run


def test_naming_reads_the_subset_off_the_name():
    assert loss_subset("dev-other_loss") == "dev-other"
    assert loss_subset("test-clean_wer") == "test-clean"
    assert loss_subset("valid.ood/loss") == "valid.ood"
    assert loss_base("dev-other_loss") == "loss" and is_total_loss("dev-clean_loss")
    assert loss_base("dev-clean_nll_loss") == "nll_loss" and not is_total_loss("dev-clean_nll_loss")
    assert is_total_loss("loss_total_avg") and is_total_loss("train_loss_mean") and not is_total_loss("box_loss_avg")
    # Components and plain split prefixes are not subsets.
    for name in ("val/box_loss", "valid_loss", "val-loss", "eval_loss", "train_loss_step"):
        assert loss_subset(name) is None, name


def _run(names: list[str]) -> Run:
    run = Run(source="mem", format="csv")
    ep = np.arange(10.0)
    run.add(Series("train_loss", 2.0 * np.exp(-ep / 4) + 0.1, epochs=ep, split="train", kind="loss"))
    for k, name in enumerate(names):
        run.add(Series(name, 2.0 * np.exp(-ep / 4) + 0.2 + 0.1 * k, epochs=ep, split="val", kind="loss"))
    return finish_run(run)


def test_per_subset_val_losses_are_not_summed_and_the_first_subset_is_the_val_loss():
    run = _run(["dev-other_loss", "dev-other_nll_loss", "dev-clean_loss", "dev-clean_nll_loss"])
    assert not any(name.endswith("(sum)") for name in run.series)
    assert run.val_loss is not None and run.val_loss.name == "dev-other_loss"


def test_components_of_one_subset_are_still_summed():
    run = _run(["val/box_loss", "val/cls_loss"])
    assert run.val_loss is not None and run.val_loss.name == "val/loss (sum)"


def test_a_csv_with_two_validation_subsets(tmp_path):
    ep = np.arange(12)
    lines = ["epoch,train_loss,dev-other_loss,dev-clean_loss"]
    lines += [f"{e},{2 * np.exp(-e / 4) + 0.1:.4f},{2 * np.exp(-e / 4) + 0.4:.4f},{2 * np.exp(-e / 4) + 0.2:.4f}"
              for e in ep]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    run = lossdoc.read(str(path))[0]
    assert run.val_loss is not None and run.val_loss.name == "dev-other_loss"
    assert not any(name.endswith("(sum)") for name in run.series)
