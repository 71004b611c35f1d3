"""Bad input in every format: exit 2 with one line on stderr naming the file, never a traceback."""

from __future__ import annotations

import os

import pytest

from lossdoc.cli import app
from lossdoc.readers.registry import reader_names

# A name each tool's real file might have, so that name-based hints cannot rescue garbage.
TYPICAL_NAME = {
    "keras-history": "history.json",
    "keras-history-csv": "history.csv",
    "keras-csvlogger": "training.log",
    "lightning-csv": "metrics.csv",
    "hf-trainer-state": "trainer_state.json",
    "ultralytics": "results.csv",
    "fastai": "history.csv",
    "tensorboard": "events.out.tfevents.1700000000.host.1.0",
    "tb-export": "run-x-tag-loss.csv",
    "mlflow": "val_loss",
    "jsonl": "log.jsonl",
    "json-rows": "loss_history.json",
    "csv": "log.csv",
    "text": "train.log",
    "mlflow-db": "mlflow.db",
    "wandb": "run-abc123.wandb",
    "wandb-csv": "wandb_export.csv",
    "dvclive": "loss.tsv",
    "detectron2": "metrics.json",
    "mmengine": "scalars.json",
    "fairseq": "train.log",
    "megatron": "stdout.log",
    "hf-stdout": "training.log",
    "torchtune": "log_1700000000.txt",
    "nanogpt-log": "log.txt",
    "cyclegan-log": "loss_log.txt",
    "numbers": "losses.txt",
    "yolov5-results": "results.txt",
    "yolov3-results": "results.txt",
    "darknet": "train.log",
    "caffe": "caffe_train.log",
    "detectron2-log": "log.txt",
    "nnunet-log": "training_log_2024_1_1_12_00_00.txt",
    "xgboost-log": "xgb_train.log",
    "lightgbm-log": "lgb_train.log",
    "catboost-log": "catboost_train.log",
    "catboost-tsv": "learn_error.tsv",
    "paddle-log": "paddle_train.log",
    "ultralytics-console": "yolo_train_stdout.txt",
    "sb3-console": "ppo_stdout.log",
    "pyslowfast-log": "stdout.log",
    "gluefactory-log": "finetune.log",
}

GARBAGE = {
    "random-bytes": os.urandom(2048),
    "truncated-json": b'{"loss": [0.9, 0.8, 0.7], "val_loss": [1.0, 0.9',
    "not-a-log-csv": b"name,city\nalice,paris\nbob,rome\n",
    "empty": b"",
}


def test_every_reader_has_a_typical_name():
    assert set(reader_names()) == set(TYPICAL_NAME)


@pytest.mark.parametrize("fmt", sorted(TYPICAL_NAME))
@pytest.mark.parametrize("kind", sorted(GARBAGE))
@pytest.mark.parametrize("forced", [False, True], ids=["sniffed", "forced"])
def test_garbage_is_exit_2_with_one_line(runner, tmp_path, fmt, kind, forced):
    path = tmp_path / TYPICAL_NAME[fmt]
    path.write_bytes(GARBAGE[kind])
    args = ["analyze", str(path)] + (["--input-format", fmt] if forced else [])
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0], r.stderr
    assert "Traceback" not in r.output and "internal error" not in r.stderr, r.stderr


@pytest.mark.parametrize("fmt", sorted(TYPICAL_NAME))
def test_missing_file_in_each_format(runner, tmp_path, fmt):
    path = tmp_path / TYPICAL_NAME[fmt]
    r = runner.invoke(app, ["analyze", str(path), "--input-format", fmt])
    assert r.exit_code == 2 and "no such file" in r.stderr and path.name in r.stderr, r.output


def test_empty_folder_and_folder_without_logs(runner, tmp_path):
    r = runner.invoke(app, ["analyze", str(tmp_path)])
    assert r.exit_code == 2 and "no training log found" in r.stderr, r.output
    (tmp_path / "README.md").write_text("# not a log\n")
    r = runner.invoke(app, ["analyze", str(tmp_path)])
    assert r.exit_code == 2 and "no training log found" in r.stderr, r.output


def test_fifo_is_refused_without_hanging(runner, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    r = runner.invoke(app, ["analyze", str(fifo)])
    assert r.exit_code == 2 and "not a regular file" in r.stderr, r.output
