"""Layouts that reading survey 15 found misread or refused (readers/text.py, readers/jsonlogs.py).

Each sample is written here in the layout its script prints (values made up), the script's print quoted beside it;
none is a copy of a surveyed file.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import assert_one_line_error, read, read_all  # noqa: F401

runner = CliRunner()


# ------------------------------------------------------------------ JSON lines after argparse dumps
# DETR/TransVG main.py: print(args) at start (to stdout, redirected into output_dir/log.txt), then per epoch
# f.write(json.dumps(log_stats) + "\n") with log_stats = {**{f'train_{k}': v ...}, **{f'validation_{k}': v ...},
# 'epoch': epoch, 'n_parameters': n_parameters}.

def _ns() -> str:
    return "Namespace(aug_blur=False, backbone='resnet50', batch_size=1, lr=0.0001, output_dir='./outputs')"


def _rec(e: int, loss: float) -> str:
    return json.dumps({"train_lr": 1e-4, "train_loss": loss, "train_loss_bbox": loss / 2,
                       "validation_miou": 0.6 + e / 100, "epoch": e, "n_parameters": 150000000})


def test_json_lines_after_namespace_dumps(tmp_path):
    lines = [_ns()] * 3 + [_rec(0, 3.0), _rec(1, 2.5), _ns(), _rec(0, 3.1), _rec(1, 2.6), _rec(2, 2.2)]
    run = read(tmp_path, "\n".join(lines) + "\n", "log.txt")
    assert run.format == "jsonl"
    assert run.train_loss.name == "train_loss" and run.train_loss.axis == "epoch"
    assert len(run.train_loss) == 3 and run.train_loss.values[-1] == pytest.approx(2.2)
    assert run.series["validation_miou"].role == "val_metric"
    assert any("Namespace" in n for n in run.notes)


def test_namespace_dumps_alone_are_refused(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("\n".join([_ns()] * 4) + "\n")
    assert_one_line_error(runner, app, p)
