"""JSON layouts and GAN losses from the second reading-coverage survey (samples written here, in each writer's layout):

- ``json.dump(history)`` of a loop's ``[step, train_loss, val_loss]`` rows (Python's json module: ``[[15, 2.17,
  2.16], [30, ...]]``, ", " between items, NaN/Infinity tokens for non-finite floats): the json-rows reader;
- ``{"train": [{"train_loss": x}, ...]}`` (per-epoch records under a split key), a dict keyed by the epoch number
  (Julia JSON.jl writes a Dict's keys in hash order; pandas ``to_json(orient="index")``), numbers saved as strings
  with ``<split>_epochs`` axis lists, and ``str(d)`` of ``{"ep1": {0: loss, ...}}`` saved as .json (a Python dict
  literal: bare int keys): the keras-history reader;
- Chainer's LogReport ``result/log`` (chainer/training/extensions/log_report.py: ``json.dump(self._log, f,
  indent=4)``, a list of per-epoch dicts with ``main/loss``, ``<evaluator>/main/loss``, ``epoch``, ``iteration``,
  ``elapsed_time``): an Evaluator's results are held-out (val), never summed with the training's;
- GAN losses (Chainer DCGAN/EBGAN ``gen/loss``/``dis/loss``; ``loss_g``/``loss_d``; pytorch-CycleGAN-and-pix2pix
  util/visualizer.py ``print_current_losses``: ``'(epoch: %d, iters: %d, time: %.3f, data: %.3f) '`` then
  ``'%s: %.3f ' % (k, v)`` per loss, CycleGAN's loss_names D_A G_A cycle_A idt_A D_B G_B cycle_B idt_B): never
  summed into one train loss; the generator's is the train loss;
- W&B ``files/wandb-summary.json`` (one compact JSON object of final values with ``_wandb``, ``_runtime``,
  ``_step``): refused as a summary, not a history.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lossdoc import api
from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def one(path, fmt=None):
    runs = api.read(path, fmt)
    assert len(runs) == 1
    return runs[0]


def series_x(s):
    return list(s.x)


# ---------------------------------------------------------------------------------------------- 1. rows


def rows_text(rows):
    return json.dumps(rows)  # what json.dump(loss_history, f) writes: one line, no final newline


def test_step_train_val_triples(tmp_path):
    rows = [[15 * (i + 1), 2.2 - 0.02 * i, 2.25 - 0.015 * i] for i in range(40)]
    rows[5][1] = math.nan  # json writes NaN: kept as data
    p = tmp_path / "loss_history.json"
    p.write_text(rows_text(rows))
    run = one(p)
    assert run.format == "json-rows"
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert run.train_loss.axis == "step" and len(run.train_loss) == 40
    assert series_x(run.train_loss)[:2] == [15, 30] and series_x(run.val_loss)[-1] == 600
    assert run.train_loss.values[0] == pytest.approx(2.2) and run.val_loss.values[-1] == pytest.approx(2.25 - 0.015 * 39)
    assert run.train_loss.nonfinite == 1
    assert any("[step, train loss, val loss]" in n for n in run.notes)


def test_step_loss_pairs_indented(tmp_path):
    p = tmp_path / "losses.json"
    p.write_text(json.dumps([[0, 1.0], [100, 0.8], [200, 0.7], [300, 0.65]], indent=4))
    run = one(p)
    assert run.format == "json-rows" and list(run.series) == ["train_loss"]
    assert series_x(run.train_loss) == [0, 100, 200, 300] and run.val_loss is None


def test_tensorboard_json_export_is_still_tb_export(tmp_path):
    p = tmp_path / "run-train-tag-loss.json"
    p.write_text(json.dumps([[1.7e9 + i, i * 10, 1.0 - 0.1 * i] for i in range(5)]))
    assert one(p).format == "tb-export"


def test_rows_that_are_not_a_step_counter_are_not_claimed(tmp_path):
    p = tmp_path / "points.json"
    p.write_text(json.dumps([[0.5, 1.0, 2.0], [0.25, 1.5, 2.5], [0.75, 1.0, 3.0]]))  # coordinates, not steps
    with pytest.raises(InputError, match="not a training log"):
        api.read(p)


def test_ragged_rows_are_one_line_error(tmp_path, runner):
    p = tmp_path / "loss_history.json"
    rows = [[i, 2.0 - 0.01 * i, 2.1 - 0.01 * i] for i in range(1, 13)] + [[13, 1.8]]  # a last row cut short
    p.write_text(rows_text(rows))
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "loss_history.json" in lines[0] and "row 13" in lines[0]


# ---------------------------------------------------------------------------------------------- 2.-5. dicts


def test_records_under_a_split_key(tmp_path):
    p = tmp_path / "loss.json"
    vals = [2.03, 0.499, 0.328, 0.259, 0.219]
    p.write_text(json.dumps({"train": [{"train_loss": v} for v in vals]}))
    run = one(p)
    assert run.format == "keras-history" and list(run.series) == ["train_loss"]
    assert run.train_loss.name == "train_loss" and run.train_loss.axis == "epoch"
    assert series_x(run.train_loss) == [0, 1, 2, 3, 4] and list(run.train_loss.values) == vals


def test_records_under_two_splits_with_plain_keys(tmp_path):
    p = tmp_path / "hist.json"
    p.write_text(json.dumps({"train": [{"loss": 1.0, "acc": 0.5}, {"loss": 0.8, "acc": 0.6}, {"loss": 0.7, "acc": 0.7}],
                             "val": [{"loss": 1.1, "acc": 0.4}, {"loss": 0.9, "acc": 0.5}, {"loss": 0.95, "acc": 0.5}]}))
    run = one(p)
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert run.series["val_acc"].role == "val_metric" and len(run.val_loss) == 3


def test_keyed_by_epoch_number_in_hash_order(tmp_path):
    order = [5, 16, 20, 12, 1, 3, 2, 4, 6, 7, 8, 9, 10, 11, 13, 14, 15, 17, 18, 19]
    d = {str(e): {"val": 10.1 + 0.001 / e, "train": 10.099 + 0.001 / e} for e in order}
    p = tmp_path / "losses.json"
    p.write_text(json.dumps(d, separators=(",", ":")))  # JSON.jl writes compact JSON
    run = one(p)
    assert run.format == "keras-history"
    assert run.train_loss.name == "train" and run.val_loss.name == "val"
    assert series_x(run.train_loss) == list(range(1, 21)) and run.train_loss.axis == "epoch"
    assert run.train_loss.values[0] == pytest.approx(10.1) and run.val_loss.values[-1] == pytest.approx(10.1 + 0.001 / 20)
    assert any("sorted numerically" in n for n in run.notes)


def test_numbers_as_strings_on_their_own_epoch_lists(tmp_path):
    p = tmp_path / "loss.json"
    p.write_text(json.dumps({"train": ["-35.52", "-36.1", "-36.9"], "val": ["-35.50", "NaN"],
                             "train_epochs": [0, 1, 2], "val_epochs": [0, 2]}))
    run = one(p)
    assert set(run.series) == {"train", "val"}
    assert run.train_loss.name == "train" and list(run.train_loss.values) == [-35.52, -36.1, -36.9]
    assert run.val_loss.name == "val" and series_x(run.val_loss) == [0, 2] and run.val_loss.nonfinite == 1
    assert series_x(run.train_loss) == [0, 1, 2]


def test_python_dict_literal_of_per_batch_losses(tmp_path):
    eps = {f"ep{e}": {b: 1000.0 / (10 * (e - 1) + b + 1) for b in range(10)} for e in range(1, 5)}
    text = "{" + ",\n".join(f"{k!r}:\n{{\n" + ",\n".join(f"{b}:{v}" for b, v in d.items()) + " }"
                            for k, d in eps.items()) + "\n}"
    text = text.replace("'ep1'", '"ep1"').replace("1000.0", "1000.")  # as the survey's file: mixed quotes, "146861."
    p = tmp_path / "train_log.json"
    p.write_text(text)
    run = one(p)
    assert run.format == "keras-history" and run.train_loss.name == "loss"
    assert len(run.train_loss) == 40 and run.train_loss.axis == "step"
    assert series_x(run.train_loss)[:3] == [0, 1, 2] and series_x(run.train_loss)[-1] == 39
    assert run.train_loss.values[0] == pytest.approx(1000.0) and run.train_loss.values[-1] == pytest.approx(25.0)


def test_broken_literal_says_not_valid_json(tmp_path, runner):
    p = tmp_path / "train_log.json"
    p.write_text('{"ep1":\n{\n0:575981.94,\n1:__import__("os")\n}}')
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "train_log.json" in lines[0] and "not valid JSON" in lines[0]


# ---------------------------------------------------------------------------------------------- 6. Chainer


def chainer_log(path, evaluators, n=4):
    log = []
    for e in range(1, n + 1):
        rec = {"main/loss": 0.5 / e, "main/accuracy": 0.8 + 0.02 * e}
        for k, name in enumerate(evaluators):
            rec[f"{name}/main/loss"] = 0.3 / e + 0.01 * k
            rec[f"{name}/main/accuracy"] = 0.9 + 0.01 * e
        rec.update({"epoch": e, "iteration": 600 * e, "elapsed_time": 5.2 * e})
        log.append(rec)
    path.write_text(json.dumps(log, indent=4))
    return path


def test_chainer_default_validation_evaluator(tmp_path):
    run = one(chainer_log(tmp_path / "log", ["validation"]))
    assert run.train_loss.name == "main/loss" and run.val_loss.name == "validation/main/loss"
    assert len(run.train_loss) == 4 and run.train_loss.axis == "epoch"


def test_chainer_custom_evaluator_is_held_out(tmp_path):
    run = one(chainer_log(tmp_path / "log", ["TaskA"]))
    assert run.train_loss.name == "main/loss" and run.val_loss.name == "TaskA/main/loss"
    assert run.series["TaskA/main/accuracy"].role == "val_metric"
    assert not any(s.derived for s in run.series.values())


def test_chainer_two_evaluators_first_is_val_none_summed(tmp_path):
    run = one(chainer_log(tmp_path / "log", ["TaskA", "TaskB"], n=5))
    assert run.train_loss.name == "main/loss"
    assert run.val_loss.name == "TaskA/main/loss" and run.series["TaskB/main/loss"].role == "val_loss"
    assert not any(s.derived for s in run.series.values())
    assert any("TaskA/main/loss read as the val loss" in n for n in run.notes)


# ---------------------------------------------------------------------------------------------- 7. GAN


def test_chainer_gan_losses_not_summed(tmp_path):
    p = tmp_path / "log"
    p.write_text(json.dumps([{"iteration": 1200 * e, "epoch": e, "dis/loss": 0.7 - 0.01 * e, "gen/loss": 0.6 - 0.02 * e}
                             for e in range(1, 5)], indent=4))
    run = one(p)
    assert set(run.series) == {"dis/loss", "gen/loss"}  # no made-up "train/loss (sum)"
    assert run.train_loss.name == "gen/loss" and run.series["dis/loss"].role == "train_loss"
    assert any("GAN losses" in n and "not summed" in n for n in run.notes)


def test_text_gan_losses_not_summed(tmp_path):
    p = tmp_path / "losses.txt"
    p.write_text("".join(f"Epoch [{e}/6], loss_g: {3 - 0.2 * e:.4f}, loss_d: {0.4 + 0.05 * e:.4f}, "
                         f"real_score: 0.8{e}00, fake_score: 0.1{e}00\n" for e in range(1, 7)))
    run = one(p)
    assert "train_loss (sum)" not in run.series
    assert run.train_loss.name == "loss_g" and len(run.train_loss) == 6


def test_csv_gan_with_generator_total_keeps_it(tmp_path):
    p = tmp_path / "training_log.csv"
    lines = ["epoch,loss_G,loss_G_adv,loss_G_l1,loss_D"]
    for e in range(6):
        adv, l1 = 1.0 + 0.1 * e, 5.0 - 0.5 * e
        lines.append(f"{e},{adv + l1:.4f},{adv:.4f},{l1:.4f},{0.6 - 0.01 * e:.4f}")
    p.write_text("\n".join(lines) + "\n")
    run = one(p)
    assert run.train_loss.name == "loss_G" and not any(s.derived for s in run.series.values())


def test_cyclegan_loss_log_generator_terms_summed_apart_from_the_discriminators(tmp_path):
    names = ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"]
    lines = ["================ Training Loss (Mon Jan  1 00:00:00 2024) ================"]
    rng = np.random.default_rng(0)
    vals = []
    for e in range(1, 4):
        for it in (100, 200, 300):
            v = rng.uniform(0.2, 3.0, size=8).round(3)
            vals.append(v)
            lines.append(f"(epoch: {e}, iters: {it}, time: 0.123, data: 0.004) "
                         + "".join(f"{k}: {x:.3f} " for k, x in zip(names, v, strict=True)))
    p = tmp_path / "loss_log.txt"
    p.write_text("\n".join(lines) + "\n")
    run = one(p)
    assert all(run.series[k].role == "train_loss" for k in names)
    main = run.train_loss
    assert main.name == "train_loss_G (sum)" and main.derived and len(main) == 9
    gen = [1, 2, 3, 5, 6, 7]
    assert main.values[0] == pytest.approx(sum(vals[0][i] for i in gen), abs=1e-9)
    assert not any(s.derived and "D_A" in s.name for s in run.series.values())


def test_non_gan_components_still_summed(tmp_path):
    p = tmp_path / "results.jsonl"
    p.write_text("".join(json.dumps({"step": s, "box_loss": 1.0 / s, "cls_loss": 2.0 / s}) + "\n" for s in range(1, 5)))
    run = one(p)
    assert run.train_loss.name == "train_loss (sum)" and run.train_loss.values[0] == pytest.approx(3.0)


# ---------------------------------------------------------------------------------------------- 8. W&B summary


SUMMARY = ('{"val/ppl":32.7,"_timestamp":1.77e+09,"train/lr":5e-05,"train/loss":3.0047,"_step":53560,'
           '"_wandb":{"runtime":6270},"update_step":53560,"val/loss":3.4875,"_runtime":6270.05}')


def test_wandb_summary_is_refused_as_a_summary(tmp_path, runner):
    p = tmp_path / "wandb-summary.json"
    p.write_text(SUMMARY)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "wandb-summary.json" in lines[0] and "not a history" in lines[0]
    assert "wandb-history.jsonl" in lines[0]


def test_wandb_summary_under_another_name_is_refused_by_its_wandb_key(tmp_path):
    p = tmp_path / "summary.json"
    p.write_text(SUMMARY)
    with pytest.raises(InputError, match="W&B run summary"):
        api.read(p)


def test_wandb_run_folder_with_only_a_summary(tmp_path):
    run_dir = tmp_path / "wandb" / "run-20240101_000000-abc123"
    (run_dir / "files").mkdir(parents=True)
    (run_dir / "files" / "wandb-summary.json").write_text(SUMMARY)
    (run_dir / "files" / "config.yaml").write_text("lr:\n  value: 5e-05\n")
    for path in (run_dir, tmp_path / "wandb"):
        with pytest.raises(InputError, match="only files/wandb-summary.json.*not a history"):
            api.read(path)


def test_wandb_history_jsonl_still_reads(tmp_path):
    p = tmp_path / "wandb-history.jsonl"
    p.write_text("".join(json.dumps({"_step": s, "train/loss": 3.0 - 0.1 * s, "_runtime": s * 1.5}) + "\n"
                         for s in range(5)))
    run = one(p)
    assert run.train_loss.name == "train/loss" and len(run.train_loss) == 5
