"""The tool logs: detectron2 metrics.json, MMEngine scalars.json (jsonlogs.py); fairseq, Megatron-LM, Hugging Face
Trainer stdout, torchtune and build-nanogpt logs (toollogs.py). Lines are written here in each tool's format (as its
source code writes them), messy the way real files are: trainings appended (the counter goes back), NaN/inf tokens,
a last line cut by a run still writing, tqdm's carriage returns, ANSI colours, CRLF."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossdoc.errors import InputError
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.toollogs import READERS
from tests.conftest import FIXTURES, manifest
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401 (fresh_registry: an autouse fixture)

# The registry is built anew for each test (autouse fixture); read/read_all write a log and read it back.


# ------------------------------------------------------------------------------------------------ detectron2


def d2_row(it: int, total: float, **extra) -> str:
    row = {"data_time": 0.01, "eta_seconds": 10.0, "iteration": it, "loss_box_reg": total / 2, "loss_cls": total / 2,
           "lr": 0.001, "time": 0.2, "total_loss": total, **extra}
    return json.dumps(row, sort_keys=True)


def test_detectron2_appended_trainings_and_eval_rows(tmp_path):
    first = [d2_row(it, 2.0 - it / 100) for it in (19, 39, 59)]
    first.append(json.dumps({"bbox/AP": 40.0, "bbox/APs": float("nan"), "iteration": 60}))
    second = [d2_row(19, 1.9), d2_row(39, 1.7, **{"bbox/AP": 45.0}), d2_row(59, float("inf"))]
    runs = read_all(tmp_path, "\n".join(first + second) + "\n", "metrics.json")
    assert [r.format for r in runs] == ["detectron2"] * 2
    assert [r.name for r in runs] == ["metrics.json (run 1 of 2)", "metrics.json (run 2 of 2)"]
    a, b = runs
    assert a.train_loss.name == "total_loss" and lst(a.train_loss.steps) == [19, 39, 59]
    assert a.series["bbox/AP"].role == "val_metric" and a.series["bbox/APs"].nonfinite == 1
    # an evaluation result in the same row as training scalars (eval on a logging iteration) is a val metric too
    assert b.series["bbox/AP"].role == "val_metric" and lst(b.series["bbox/AP"].steps) == [39]
    assert b.train_loss.values[-1] == math.inf
    assert "data_time" not in a.series and "eta_seconds" not in a.series and "time" not in a.series
    assert "run 2 (from line 5" in b.notes[0]


def test_a_record_with_no_loss_before_the_first_loss_record_is_not_a_run(tmp_path):
    # A public Mask R-CNN smoke run: an evaluation-statistics record at iteration 2 written before the loss records
    # at iterations 1 and 4. The counter goes back, but the first "run" holds no loss: it is left out, and said.
    stats = json.dumps({"iteration": 2, "mask_rcnn/accuracy": 0.57, "fast_rcnn/cls_accuracy": 0.0})
    runs = read_all(tmp_path, "\n".join([stats, d2_row(1, 6.4), d2_row(4, 6.0)]) + "\n", "metrics.json")
    assert len(runs) == 1 and runs[0].name is None
    assert runs[0].train_loss is not None and runs[0].train_loss.values.tolist() == [6.4, 6.0]
    assert any("line 1 hold no loss" in n and "left out" in n for n in runs[0].notes)


def test_detectron2_live_file_with_crlf(tmp_path):
    lines = [d2_row(it, 1.0) for it in (19, 39)]
    data = ("\r\n".join(lines) + "\r\n" + d2_row(59, 1.0)[:40]).encode()
    run = read(tmp_path, data, "metrics.json")
    assert len(run.train_loss) == 2 and any("truncated" in n for n in run.notes)


def test_detectron2_and_jsonl_are_told_apart():
    from lossdoc.readers.jsonlogs import Detectron2Reader, JsonlReader, MMEngineReader

    d2 = (d2_row(19, 1.0) + "\n").encode()
    plain = b'{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.4}\n'
    assert Detectron2Reader().sniff(d2, None) and not MMEngineReader().sniff(d2, None)
    assert not Detectron2Reader().sniff(plain, None) and not MMEngineReader().sniff(plain, None)
    assert JsonlReader().sniff(plain, None)


# ------------------------------------------------------------------------------------------------ MMEngine


def mm_train(step: int, epoch: int, loss: float) -> str:
    return json.dumps({"lr": 0.01, "data_time": 0.01, "loss": loss, "loss_cls": loss, "time": 0.1, "epoch": epoch,
                       "iter": step, "memory": 100, "step": step})


def test_mmengine_val_rows_by_epoch_and_by_iteration(tmp_path):
    lines = [mm_train(10, 1, 1.0), mm_train(20, 1, 0.9),
             json.dumps({"coco/bbox_mAP": 0.1, "data_time": 0.1, "time": 0.2, "step": 1}),
             mm_train(30, 2, 0.8), mm_train(40, 2, 0.7),
             json.dumps({"coco/bbox_mAP": 0.2, "data_time": 0.1, "time": 0.2, "step": 2})]
    run = read(tmp_path, "\n".join(lines) + "\n", "scalars.json")
    assert run.format == "mmengine" and run.train_loss.name == "loss" and lst(run.train_loss.steps) == [10, 20, 30, 40]
    m = run.series["coco/bbox_mAP"]
    assert m.role == "val_metric" and lst(m.epochs) == [1, 2] and lst(m.steps) == [20, 40]
    assert any("log_metric_by_epoch" in n for n in run.notes)
    # log_metric_by_epoch=False (iteration-based): the val row's step is the iteration
    lines = [mm_train(100, 0, 1.0), json.dumps({"mIoU": 30.0, "data_time": 0.1, "time": 0.2, "step": 100}),
             mm_train(200, 0, 0.9), json.dumps({"mIoU": 35.0, "data_time": 0.1, "time": 0.2, "step": 200})]
    run = read(tmp_path, "\n".join(lines) + "\n", "scalars2.json")
    assert lst(run.series["mIoU"].steps) == [100, 200] and run.series["mIoU"].values.max() <= 1.0


def test_mmengine_restart_is_a_second_run(tmp_path):
    lines = [mm_train(s, 1, 1.0 / s) for s in (1, 2, 3)] + [mm_train(s, 1, 2.0 / s) for s in (1, 2)]
    runs = read_all(tmp_path, "\n".join(lines) + "\n", "scalars.json")
    assert [len(r.train_loss) for r in runs] == [3, 2]


# ------------------------------------------------------------------------------------------------ fairseq


def fs_json(tag: str, obj: dict, hydra: bool = True) -> str:
    if hydra:
        return f"[2024-07-05 08:57:14,277][{tag}][INFO] - {json.dumps(obj)}"
    return f"2024-07-05 08:57:14 | INFO | {tag} | {json.dumps(obj)}"


def fs_inner(ep: int, upd: float, n: int, loss: str) -> dict:
    return {"epoch": ep, "update": upd, "loss": loss, "nll_loss": loss, "ppl": "10", "wps": "100", "ups": "1",
            "wpb": "100", "bsz": "8", "num_updates": str(n), "lr": "0.001", "gnorm": "1.2", "train_wall": "5",
            "wall": "6"}


@pytest.mark.parametrize("hydra", [True, False], ids=["hydra", "fairseq-logging"])
def test_fairseq_json_two_trainings_and_two_subsets(tmp_path, hydra):
    lines = ["[2024-07-05 08:49:55,295][fairseq_cli.train][INFO] - {'_name': None, 'common': {'log_format': 'json'}}"]
    for run_i in range(2):
        for ep in (1, 2):
            for k in (1, 2):
                n = (ep - 1) * 20 + k * 10
                loss = "nan" if (run_i, ep, k) == (1, 2, 2) else f"{5 - n / 10:g}"
                lines.append(fs_json("train_inner", fs_inner(ep, round(ep - 1 + k / 2, 3), n, loss), hydra))
            for sub in ("dev-other", "dev-clean"):
                lines.append(fs_json(sub, {"epoch": ep, f"{sub}_loss": f"{4.5 - ep / 10:g}", f"{sub}_wer": "20",
                                           f"{sub}_num_updates": str(ep * 20), f"{sub}_best_loss": "4.1"}, hydra))
            lines.append(fs_json("train", {"epoch": ep, "train_loss": f"{4.8 - ep / 10:g}", "train_wps": "100",
                                           "train_num_updates": str(ep * 20)}, hydra))
    runs = read_all(tmp_path, "\n".join(lines) + "\n", "train.log")
    assert [r.format for r in runs] == ["fairseq", "fairseq"]
    a, b = runs
    assert a.train_loss.name == "loss" and lst(a.train_loss.steps) == [10, 20, 30, 40]
    assert lst(a.train_loss.epochs) == [0.5, 1.0, 1.5, 2.0]  # "update": the fractional epoch
    # the first validation subset is fairseq's "valid"; the second keeps its name; neither is summed with the other
    assert a.val_loss.name == "valid_loss" and lst(a.val_loss.steps) == [20, 40] and lst(a.val_loss.epochs) == [1, 2]
    assert a.series["dev-clean_loss"].role == "val_loss" and a.series["valid_wer"].role == "val_metric"
    assert "val_loss (sum)" not in a.series and "valid_best_loss" not in a.series
    assert a.series["train_loss"].role == "train_loss" and "train_wps" not in a.series
    assert b.train_loss.nonfinite == 1 and math.isnan(b.train_loss.values[-1])
    assert any("'dev-other'" in n for n in a.notes)


def test_fairseq_simple_format_old_and_new(tmp_path):
    new = [
        "2020-10-01 12:00:00 | INFO | train_inner | epoch 001:     10 / 20 loss=4.2, nll_loss=4, ppl=18.4, "
        "wps=100, num_updates=10, lr=0.0005",
        "2020-10-01 12:00:01 | INFO | train_inner | epoch 001:     20 / 20 loss=3.9, nll_loss=3.8, ppl=14.9, "
        "wps=100, num_updates=20, lr=0.0005",
        "2020-10-01 12:00:02 | INFO | valid | epoch 001 | valid on 'valid' subset | loss 4.1 | nll_loss 4 | ppl 17 "
        "| num_updates 20 | best_loss 4.1",
        "2020-10-01 12:00:03 | INFO | train | epoch 001 | loss 4.05 | nll_loss 3.9 | ppl 16.6 | num_updates 20",
    ]
    old = ["| epoch 001:     10 / 20 loss=4.2, nll_loss=4, num_updates=10",
           "| epoch 001:     20 / 20 loss=3.9, nll_loss=3.8, num_updates=20",
           "| epoch 001 | valid on 'valid' subset | loss 4.1 | nll_loss 4 | num_updates 20 | best_loss 4.1",
           "| epoch 001 | loss 4.05 | nll_loss 3.9 | num_updates 20"]
    for i, lines in enumerate((new, old)):
        run = read(tmp_path, "\n".join(lines) + "\n", f"train{i}.log")
        assert run.format == "fairseq"
        assert lst(run.series["loss"].steps) == [10, 20] and lst(run.series["loss"].epochs) == [0.5, 1.0]
        assert run.val_loss.name == "valid_loss" and run.val_loss.values.tolist() == [4.1]
        assert run.series["train_loss"].values.tolist() == [4.05] and lst(run.series["train_loss"].steps) == [20]


# ------------------------------------------------------------------------------------------------ Megatron

MEG_TAIL = " loss scale: 1.0 | grad norm: 1.234 | number of skipped iterations:   0 | number of nan iterations: {nan:3d} |"


def meg(it: int, total: int, loss: str | None, nan: int = 0, stamp: bool = True) -> str:
    s = " [2026-03-31 12:13:57.651563]" if stamp else ""
    s += f" iteration {it:8d}/{total:8d} | consumed samples: {it * 8:12d} | elapsed time per iteration (ms): 9307.0 |"
    s += " learning rate: 1.500000E-04 | global batch size:     8 |"
    if loss is not None:
        s += f" lm loss: {loss} |"
    return s + MEG_TAIL.format(nan=nan)


def test_megatron_nan_left_out_validation_test_and_cut_line(tmp_path):
    lines = ["------------------------ arguments ------------------------", "  lr ........ 0.00015",
             meg(1, 5, "1.048309E+01"), meg(2, 5, "9.5E+00"),
             "-" * 40, " validation loss at iteration 2 | lm loss value: 9.9E+00 | lm loss PPL: 2.0E+04 | ", "-" * 40,
             meg(3, 5, None, nan=1),  # a NaN average is left out of the line by Megatron
             "\x1b[32m" + meg(4, 5, "INF") + "\x1b[0m",
             " validation loss at iteration 4 on test set | lm loss value: 9.7E+00 | lm loss PPL: 1.6E+04 | ",
             meg(5, 5, "8.9E+00")[:60]]  # the run is still writing its last line
    run = read(tmp_path, "\r\n".join(lines), "stdout.log")
    assert run.format == "megatron"
    loss = run.series["lm loss"]
    assert lst(loss.steps) == [1, 2, 3, 4] and math.isnan(loss.values[2]) and loss.values[3] == math.inf
    assert run.val_loss.name == "validation lm loss" and run.series["validation lm loss"].values.tolist() == [9.9]
    assert run.series["test lm loss"].role == "test_loss"
    assert run.lr.name == "learning rate" and run.grad_norm.name == "grad norm"
    assert "loss scale" not in run.series and "consumed samples" not in run.series
    notes = " ".join(run.notes)
    assert "read as NaN" in notes and "NaN iterations" in notes and "has no line end" in notes


def test_megatron_restart_and_lines_beyond_the_sniffed_head(tmp_path):
    chatter = ["> initializing torch distributed ..." + " " * 100] * 800  # > 64 KB before the first iteration
    lines = chatter + [meg(i, 4, f"{9 - i}.0E+00", stamp=False) for i in (1, 2, 3, 4)]
    lines += [meg(i, 4, f"{8 - i}.0E+00", stamp=False) for i in (3, 4)]  # resumed from the iteration-2 checkpoint
    runs = read_all(tmp_path, "\n".join(lines) + "\n", "stdout.log")
    # resumed inside the run's range: one run, the resumed iterations replacing those logged before the crash
    assert [r.format for r in runs] == ["megatron"]
    assert lst(runs[0].train_loss.steps) == [1, 2, 3, 4] and lst(runs[0].train_loss.values) == [8, 7, 5, 4]
    assert any("resumed at iteration 3: the 2 record(s)" in n for n in runs[0].notes)
    assert runs[0].meta["resumed"]
    # launched again from the first iteration: a training of its own, as before
    again = chatter + [meg(i, 4, f"{9 - i}.0E+00", stamp=False) for i in (1, 2, 3, 4)]
    again += [meg(i, 4, f"{8 - i}.0E+00", stamp=False) for i in (1, 2)]
    runs = read_all(tmp_path, "\n".join(again) + "\n", "stdout2.log")
    assert [lst(r.train_loss.steps) for r in runs] == [[1, 2, 3, 4], [1, 2]]


# ------------------------------------------------------------------------------------------------ HF Trainer stdout


def test_hf_stdout_dicts_in_tqdm_output(tmp_path):
    bar = "\r  1%|          | 1/100 [00:01<01:39,  1.00it/s]"
    text = (
        "Some weights of the model were not initialized\n"
        + bar + "\r{'loss': 2.1, 'grad_norm': 3.5, 'learning_rate': 5e-05, 'epoch': 0.5}\n"
        + bar + "{'loss': nan, 'grad_norm': nan, 'learning_rate': 4e-05, 'epoch': 1.0}\n"  # glued to the bar
        + "{'eval_loss': 1.9, 'eval_accuracy': 0.5, 'eval_runtime': 1.2, 'eval_samples_per_second': 80.0, "
        "'epoch': 1.0}      \n"
        + "\x1b[1m{'loss': 1.5, 'grad_norm': inf, 'learning_rate': 3e-05, 'epoch': 1.5}\x1b[0m\n"
        + "{'train_runtime': 12.3, 'train_samples_per_second': 8.1, 'train_loss': 1.8, 'epoch': 2.0}\n"
        + "eval_results= {'eval_loss': 0.1, 'epoch': 2.0}\n"  # printed by the user's script: not the Trainer's
        + "{'loss': 2.3, 'learning_rate': 5e-05, 'epoch': 0.5}\n"  # a second training in the same file
        + "{'loss': 2.0, 'learn"  # still being written
    )
    runs = read_all(tmp_path, text.replace("\n", "\r\n"), "train.log")
    assert [r.format for r in runs] == ["hf-stdout", "hf-stdout"]
    a, b = runs
    loss = a.series["loss"]
    assert lst(loss.epochs) == [0.5, 1.0, 1.5] and math.isnan(loss.values[1]) and loss.values[0] == 2.1
    assert a.grad_norm.values[2] == math.inf
    assert a.val_loss.name == "eval_loss" and a.val_loss.values.tolist() == [1.9]
    assert a.meta["summary/train_loss"] == 1.8 and "train_loss" not in a.series
    assert "eval_runtime" not in a.series and "eval_samples_per_second" not in a.series
    assert b.series["loss"].values.tolist() == [2.3] and any("no line end" in n for n in b.notes)


def test_hf_stdout_string_values_and_global_step(tmp_path):
    text = "".join(
        f"Train: {i}%|  | {i}/3 [00:01<00:02]{{'loss': '{2 - i / 10}', 'learning_rate': '1e-05', 'token_acc': "
        f"'0.6', 'epoch': '{i / 3:.4f}', 'global_step/max_steps': '{i}/3', 'elapsed_time': '1m 5s', "
        f"'memory(GiB)': '26.8', 'train_speed(s/it)': '90.1'}}\n"
        for i in (1, 2, 3)
    )
    run = read(tmp_path, text, "stdout.log")
    assert run.format == "hf-stdout" and lst(run.train_loss.steps) == [1, 2, 3]
    assert set(run.series) == {"loss", "learning_rate", "token_acc"}


def test_hf_dicts_after_a_logging_prefix(tmp_path):
    text = "".join(f"2024-01-01 12:00:0{i} - INFO - __main__ - {{'loss': {1 - i / 10}, 'epoch': {i}.0}}\n"
                   for i in (1, 2, 3))
    assert read(tmp_path, text, "out.log").series["loss"].values.tolist() == [0.9, 0.8, 0.7]


# ------------------------------------------------------------------------------------------------ torchtune


def test_torchtune_steps_val_and_restart(tmp_path):
    lines = [f"Step {s} | loss:{3 - s / 10} lr:2e-05 tokens_per_second_per_gpu:1234.5 peak_memory_active:10.1 "
             for s in (1, 2, 3)]
    lines.append("Step 3 | val_loss:2.95 ")
    lines += [f"Step {s} | loss:{2 - s / 10} lr:2e-05 " for s in (1, 2)]  # a new training appended
    runs = read_all(tmp_path, "\n".join(lines) + "\n", "log_1700000000.txt")
    assert [r.format for r in runs] == ["torchtune"] * 2
    a, b = runs
    assert lst(a.train_loss.steps) == [1, 2, 3] and a.val_loss.name == "val_loss"
    assert a.lr.name == "lr" and "tokens_per_second_per_gpu" not in a.series and "peak_memory_active" not in a.series
    assert lst(b.train_loss.steps) == [1, 2]


# ------------------------------------------------------------------------------------------------ build-nanogpt


def test_nanogpt_log_roles_nan_and_cut_line(tmp_path):
    text = "0 val 10.8906\n0 hella 0.2493\n0 train 10.890430\n1 train 10.881298\n2 train nan\n3 train 10.8"
    run = read(tmp_path, text, "log.txt")
    assert run.format == "nanogpt-log"
    assert run.train_loss.name == "train" and run.val_loss.name == "val"
    assert run.series["hella"].role == "val_metric" and run.series["hella"].higher_is_better
    assert lst(run.train_loss.steps) == [0, 1, 2] and run.train_loss.nonfinite == 1
    assert any("no line end" in n for n in run.notes)


def test_nanogpt_log_is_not_a_table():
    from lossdoc.readers.toollogs import NanoGptLogReader

    assert not NanoGptLogReader().sniff(b"0 a 1\n1 a 2\n2 a 3\n", None)  # no loss among the names
    assert not NanoGptLogReader().sniff(b"step loss\n0 1.0\n1 0.9\n", None)


# ------------------------------------------------------------------------------------------------ fixtures, messy


def _fixture(*parts: str) -> Path:
    p = FIXTURES.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not generated")
    return p


def test_fixture_appended_to_itself_is_two_runs(tmp_path):
    data = _fixture("detectron2", "overfit", "metrics.json").read_bytes()
    runs = read_all(tmp_path, data + data, "metrics.json")
    assert len(runs) == 2 and len(runs[0].train_loss) == len(runs[1].train_loss)
    assert runs[0].val_loss.name == "validation_loss"


@pytest.mark.parametrize("parts", [("megatron", "healthy", "stdout.log"), ("fairseq", "overfit", "train.log"),
                                   ("hf-stdout", "overfit", "stdout.log"), ("torchtune", "healthy", "log_1700000000.txt"),
                                   ("nanogpt-log", "overfit", "log.txt")], ids=lambda p: p[0])
def test_fixture_with_ansi_crlf_and_a_cut_last_line(tmp_path, parts):
    src = _fixture(*parts)
    clean = registry.read_path(src)[0]
    text = src.read_text()
    messy = "\r\n".join("\x1b[2m" + ln + "\x1b[0m" if i % 3 == 0 else ln for i, ln in enumerate(text.split("\n")))
    cut = messy.rstrip("\r\n")
    cut = cut[: len(cut) - 5]
    run = read(tmp_path, cut, src.name)
    assert run.format == clean.format
    main = clean.train_loss.name
    n = len(clean.series[main])
    assert len(run.series[main]) in (n, n - 1)
    np.testing.assert_array_equal(run.series[main].values, clean.series[main].values[: len(run.series[main])])


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_garbage_never_raises_anything_but_input_error(data):
    for cls in READERS:
        r = cls()
        r.sniff(data, None)
        try:
            r.read(Source("<garbage>", None, data))
        except InputError:
            pass


# ------------------------------------------------------------------------------------------------ real writers
# fixtures/mmengine (mmengine's Runner through LocalVisBackend) and fixtures/torchtune (torchtune's DiskLogger) are
# written by the tools themselves (fixtures/generate.py); the manifest holds the counts read back from their files.

REAL_WRITER = [e for e in manifest() if e["format"] in ("mmengine", "torchtune")]


def test_mmengine_and_torchtune_fixtures_have_their_real_writers():
    assert {e["format"] for e in REAL_WRITER} == {"mmengine", "torchtune"}
    assert all(e["how"].startswith("real: ") and "train_points" in e for e in REAL_WRITER)


@pytest.mark.parametrize("entry", REAL_WRITER, ids=[e["path"].removeprefix("fixtures/") for e in REAL_WRITER])
def test_real_writer_tool_log_agrees_with_its_writer(entry):
    (run,) = registry.read_path(FIXTURES.parent / entry["path"])
    assert run.format == entry["format"] and run.train_loss.name == entry["train_series"]
    assert len(run.train_loss) == entry["train_points"]
    assert int((~np.isfinite(run.train_loss.values)).sum()) == entry["train_nonfinite"]
    if entry["val_series"] is None:
        assert run.val_loss is None
    else:
        assert run.val_loss.name == entry["val_series"] and len(run.val_loss) == entry["val_points"]
