"""Layouts that reading survey 18 found misread or refused (readers/text.py, readers/jsonlogs.py, readers/numbers.py).

Each sample is written here in the layout its script writes (values made up), the script's write quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import lst, read

# ------------------------------------------------------------------ zjy-ucas ChineseNER: iteration:N step:S/T
# main.py: logger.info("iteration:{} step:{}/{}, NER loss:{:>9.6f}".format(iteration, step % steps_per_epoch,
# steps_per_epoch, np.mean(loss))) every steps_check global steps, iteration = step // steps_per_epoch + 1; between
# epochs evaluate(): "evaluate:dev", conlleval's report lines, "new best dev f1 score:..", "model saved".


def _ner_line(step: int, per_epoch: int, loss: float, logger: str = "log/train.log", second: int = 0) -> str:
    it, s = step // per_epoch + 1, step % per_epoch
    return (f"2020-03-04 10:{second // 60 % 60:02d}:{second % 60:02d},125 - {logger} - INFO - "
            f"iteration:{it} step:{s}/{per_epoch}, NER loss:{loss:>9.6f}")


def _ner_eval(split: str) -> list[str]:
    p = "2020-03-04 11:00:00,500 - log/train.log - INFO - "
    return [p + f"evaluate:{split}", p + "processed 52000 tokens with 2100 phrases; found: 2050 phrases; correct: 1700.",
            "", p + "accuracy:  95.10%; precision:  82.93%; recall:  80.95%; FB1:  81.93", "",
            p + "              LOC: precision:  84.00%; recall:  83.10%; FB1:  83.55  1010", "",
            p + "              PER: precision:  80.40%; recall:  77.70%; FB1:  79.03  640", "",
            p + f"new best {split} f1 score:81.930"] + ([p + "model saved"] if split == "dev" else [])


def _ner_config(logger: str = "log/train.log") -> list[str]:
    # print_config(): logger.info("{}:\t{}".format(k.ljust(15), v)) over the settings
    p = f"2020-03-04 10:00:00,001 - {logger} - INFO - "
    # (in a dict's order: Python 3.5's, a text value among the first)
    return [p + f"{k.ljust(15)}:\t{v}" for k, v in (("emb_file", "vec.utf8"), ("num_chars", 3980), ("char_dim", 100),
                                                    ("batch_size", 20), ("clip", 5.0), ("optimizer", "adam"),
                                                    ("lr", 0.001), ("tag_schema", "iobes"), ("zeros", False))]


def _ner_run(first: int, last: int, per_epoch: int = 730, every: int = 50, head: bool = True,
             logger: str = "log/train.log", scale: float = 40.0) -> list[str]:
    p = f"2020-03-04 10:00:00,001 - {logger} - INFO - "
    out = _ner_config(logger) + [p + "Created model with fresh parameters.", p + "start training"] if head else []
    epoch = (first - 1) // per_epoch
    for step in range(first, last + 1, every):
        if step // per_epoch != epoch:
            out += _ner_eval("dev") + _ner_eval("test")
            epoch = step // per_epoch
        out.append(_ner_line(step, per_epoch, scale / (1 + step / 300), logger, step))
    return out


def test_chinesener_iteration_and_step_of_t_is_a_point_per_line_at_the_global_step(tmp_path):
    # 3 epochs of 730 steps, a line every 50: 43 lines, the step printed modulo 730 (iteration:2 step:20/730)
    run = read(tmp_path, "\n".join(_ner_run(50, 2150)) + "\n", "train.log")
    assert run.train_loss.name == "NER_loss" and len(run.train_loss) == 43
    steps = lst(run.train_loss.steps)
    assert steps[:3] == [50, 100, 150] and steps[-1] == 2150 and bool((np.diff(steps) > 0).all())
    assert lst(run.train_loss.epochs)[:15:7] == [1, 1, 2]  # the iteration kept as the epoch, as written
    assert run.val_loss is None and set(run.series) == {"NER_loss"}


def test_chinesener_lines_all_in_the_first_iteration_are_each_a_point(tmp_path):
    lines = _ner_run(100, 3900, per_epoch=25000, every=100, logger="log\\train.log")
    run = read(tmp_path, "\n".join(lines) + "\n", "train.log")
    assert len(run.train_loss) == 39 and lst(run.train_loss.steps)[-1] == 3900


def test_chinesener_one_line_per_iteration_stays_a_point_per_line(tmp_path):
    # steps_per_epoch (61) below steps_check (100): one line per epoch or so, as before
    run = read(tmp_path, "\n".join(_ner_run(100, 5000, per_epoch=61, every=100)) + "\n", "train.log")
    assert len(run.train_loss) == 50


def test_chinesener_resumed_from_a_checkpoint_is_spliced(tmp_path):
    # a training of 12 epochs, then launched again from the checkpoint of epoch 7 (the global step restored):
    # the first training up to the resume point, then the resumed one; a one-line launch on another data set
    # (another steps_per_epoch) between them, at the same restored step, left out
    p = "2020-03-09 09:00:00,001 - log/train.log - INFO - "
    relaunch = _ner_config() + [p + "Reading model parameters from ckpt/ner.ckpt", p + "start training"]
    lines = (_ner_run(50, 12 * 730) + relaunch + [_ner_line(5000, 1100, 9.5)]
             + relaunch + _ner_run(5000, 16 * 730, head=False, scale=30.0))
    run = read(tmp_path, "\n".join(lines) + "\n", "train.log")
    steps = lst(run.train_loss.steps)
    assert bool((np.diff(steps) > 0).all())
    assert len(run.train_loss) == len(range(50, 5000, 50)) + len(range(5000, 16 * 730 + 1, 50))
    i = steps.index(5000)
    assert run.train_loss.values[i] == pytest.approx(30.0 / (1 + 5000 / 300))
    assert np.isfinite(run.train_loss.values).all()


# ------------------------------------------------------------------ alpha-zero-general's losses.json
# Coach.py (a fork): self.training_losses = {"pi": [], "v": []}; after each epoch of NNet.train(),
# training_losses["pi"].append(pi_losses.avg), ...; json.dump(self.training_losses, open("losses.json", "w"))


def test_loss_terms_in_a_file_named_for_losses_are_summed_into_the_train_loss(tmp_path):
    data = json.dumps({"pi": [4.1, 3.7, 3.2, 2.9, 2.8, 2.6], "v": [0.95, 0.9, 0.82, 0.8, 0.74, 0.7]})
    run = read(tmp_path, data, "losses.json")
    assert run.series["pi"].kind == "loss" and run.series["v"].kind == "loss"
    assert run.train_loss.name == "train_loss (sum)" and len(run.train_loss) == 6 and run.train_loss.axis == "epoch"
    assert run.train_loss.values[0] == pytest.approx(5.05) and run.val_loss is None
    assert any("pi, v" in n and "losses.json" in n for n in run.notes)


def test_lists_named_for_nothing_stay_as_they_are_where_the_file_names_no_loss(tmp_path):
    data = json.dumps({"pi": [4.1, 3.7, 3.2, 2.9, 2.8, 2.6], "v": [0.95, 0.9, 0.82, 0.8, 0.74, 0.7]})
    run = read(tmp_path, data, "history.json")
    assert run.train_loss is None and run.series["pi"].kind == "other"
    # whole numbers (a tally of games per player) in losses.json are no loss terms
    tally = read(tmp_path, json.dumps({"ann": [1, 2, 2, 3], "bob": [0, 0, 1, 1]}), "losses.json")
    assert tally.train_loss is None


# ------------------------------------------------------------------ OpenAI Glow's train.txt / test.txt
# train.py: ResultLogger(path, **hps.__dict__) writes json.dumps(kwargs) (the settings) as its first line; then
# train_logger.log(epoch=epoch, n_processed=..., n_images=..., train_time=int(...), **process_results(results)),
# process_results formatting each result "{:.4f}" (a string); json.dumps(kwargs) a line.


def _glow(epochs: int) -> str:
    hps = {"problem": "cifar10", "n_train": 50000, "n_test": 10000, "n_batch_train": 32, "width": 256, "depth": 16,
           "n_levels": 3, "lr": 0.001, "epochs": 200, "epochs_warmup": 10, "ycond": False, "restore_path": "",
           "n_bits_x": 8, "flow_coupling": 1, "seed": 7}
    out = [json.dumps(hps)]
    for e in range(1, epochs + 1):
        loss = 4.6 / (1 + 0.1 * e)
        out.append(json.dumps({"epoch": e, "n_processed": 50048 * e, "n_images": 50048 * e, "train_time": 610 * e,
                               "loss": f"{loss:.4f}", "bits_x": f"{loss:.4f}", "bits_y": "0.0000",
                               "pred_loss": "1.0000"}))
    return "\n".join(out) + "\n"


def test_glow_numbers_written_as_strings_are_read_as_numbers_under_a_config_header(tmp_path):
    run = read(tmp_path, _glow(5), "train.txt")
    assert run.format == "jsonl" and run.train_loss.name == "loss" and len(run.train_loss) == 5
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4, 5] and run.train_loss.values[0] == pytest.approx(4.1818)
    assert lst(run.series["bits_x"].values) == lst(run.train_loss.values)
    assert not {"n_train", "width", "lr", "epochs", "seed"} & set(run.series)  # the settings are no 1-point series
    assert any("config" in n for n in run.notes) and any("strings" in n for n in run.notes)


def test_jsonl_strings_that_are_no_decimal_number_stay_text(tmp_path):
    lines = [json.dumps({"step": s, "loss": 2.0 / s, "run_id": "20240101", "ckpt": f"model_{s}.pt"}) for s in (1, 2, 3)]
    run = read(tmp_path, "\n".join(lines) + "\n", "metrics.jsonl")
    assert set(run.series) == {"loss"}


# ------------------------------------------------------------------ one point: kept, nothing judged
# np.savetxt("train_loss.csv", [loss]) after one federated round; CycleGAN's loss_log.txt after one print (its
# '(epoch: %d, iters: %d, time: %.3f, data: %.3f) ' then '%s: %.3f ' per loss). One point is read, as a one-number
# train_loss.txt is (test_reader_numbers_more.py), and the analysis says it judged nothing (exit 0): a file named
# after a loss that holds one value is a curve one point long, not a summary of a run (a one-object summary, its
# loss a single number beside lists of no curve, is refused: test_reader_json_layouts).


@pytest.mark.parametrize("name,data", [
    ("train_loss.csv", "2.130417738251876236e+02\n"),
    ("loss_log.txt", "================ Training Loss (Mon Jun  3 10:11:12 2024) ================\n"
                     "(epoch: 7, iters: 2, time: 1.905, data: 0.612) D_A: 0.702 G_A: 0.481 cycle_A: 2.911 idt_A: 1.120 "
                     "D_B: 0.398 G_B: 0.307 cycle_B: 3.004 idt_B: 1.452 \n"),
])
def test_one_point_is_kept_and_the_analysis_judges_nothing(tmp_path, name, data):
    run = read(tmp_path, data, name)
    assert len(run.train_loss) == 1
    r = CliRunner().invoke(app, ["analyze", str(tmp_path / name)])
    assert r.exit_code == 0 and "Nothing judged" in r.output, r.output


# ------------------------------------------------------------------ pandas: one column, its name 0 the header
# pd.DataFrame(train_losses).to_csv("train_loss.csv", index=False): the column's name, the integer 0, as the header
# line "0", then one float a line (one per epoch); to_csv(..., mode="a") after each training writes "0" again.


def _frame_csv(*trainings: list[float]) -> str:
    return "".join("0\n" + "".join(f"{v!r}\n" for v in t) for t in trainings)


def test_pandas_one_column_header_0_is_no_epoch_0_loss(tmp_path):
    losses = [0.7 - 0.004 * i + 0.001 * (i % 3) for i in range(30)]
    run = read(tmp_path, _frame_csv(losses), "train_loss.csv")
    assert run.format == "numbers" and len(run.train_loss) == 30
    assert run.train_loss.values[0] == pytest.approx(0.7) and lst(run.train_loss.epochs)[:2] == [0, 1]
    assert any("header" in n for n in run.notes)


def test_pandas_one_column_frames_appended_keep_the_latest_training(tmp_path):
    first = [0.9 - 0.01 * i for i in range(12)]
    second = [0.8 - 0.02 * i for i in range(10)]
    run = read(tmp_path, _frame_csv(first, second), "train_loss.csv")
    assert len(run.train_loss) == 10 and run.train_loss.values[0] == pytest.approx(0.8)
    assert 0.0 not in lst(run.train_loss.values)


@pytest.mark.parametrize("data", ["3\n2\n1\n", "0\n1\n2\n3\n", "0\n0.5\n0.25\n0.125\n0\n"])
def test_a_first_0_over_lines_not_all_floats_is_a_value_as_before(tmp_path, data):
    # whole numbers a line in a file named after a loss, or a 0 last too (a loss that reached 0): no header
    run = read(tmp_path, data, "train_loss.csv")
    assert lst(run.train_loss.values) == [float(t) for t in data.split()]
