"""Console logs that training tools print (consolelogs.py). Lines are written here from each tool's own format
string (cited at each section), messy the way real files are: other loggers' lines, config dumps, NaN tokens,
trainings appended, a last line cut by a run still writing."""

from __future__ import annotations

import math

import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401 (fresh_registry: an autouse fixture)

# ------------------------------------------------------------------------------------------------ detectron2 log.txt
# detectron2/utils/events.py (facebookresearch/detectron2 @02b5c4e, lines 275-318), CommonMetricPrinter.write:
#   " {eta}iter: {iter}  {losses}  {non_losses}  {avg_time}{last_time}{avg_data_time}{last_data_time} lr: {lr}  {memory}"
#   with losses "{}: {:.4g}" joined by two spaces, time "time: {:.4f}  ", lr "{:.5g}" or "N/A", "max_mem: {:.0f}M";
# detectron2/utils/logger.py (lines 79-91): log.txt gets "[%(asctime)s] %(name)s %(levelname)s: %(message)s", stdout
#   "[%(asctime)s %(name)s]: %(message)s" (name abbreviated d2.), datefmt "%m/%d %H:%M:%S".


def d2_line(it: int, total: float, cls: float, box: float, console: bool = False, lr: str = "0.0025") -> str:
    prefix = "[03/14 10:01:02 d2.utils.events]: " if console else "[03/14 10:01:02] detectron2.utils.events INFO: "
    losses = f"total_loss: {total:.4g}  loss_cls: {cls:.4g}  loss_box_reg: {box:.4g}"
    return (f"{prefix} eta: 0:41:07  iter: {it}  {losses}    time: 0.4213  last_time: 0.4011  data_time: 0.0101  "
            f"last_data_time: 0.0093   lr: {lr}  max_mem: 2713M")


D2_HEAD = """[03/14 10:00:01] detectron2 INFO: Rank of current process: 0. World size: 1
[03/14 10:00:01] detectron2 INFO: Running with full config:
SOLVER:
  BASE_LR: 0.0025
  MAX_ITER: 300
[03/14 10:00:05] d2.engine.train_loop INFO: Starting training from iteration 0
"""
D2_EVAL = """[03/14 10:20:00] d2.evaluation.evaluator INFO: Total inference time: 0:00:12.1 (0.12 s / iter per device)
[03/14 10:20:01] d2.evaluation.coco_evaluation INFO: Evaluation results for bbox:
|   AP   |  AP50  |  AP75  |
|:------:|:------:|:------:|
| 40.123 | 60.456 | 43.789 |
[03/14 10:20:01] d2.evaluation.testing INFO: copypaste: Task: bbox
[03/14 10:20:01] d2.evaluation.testing INFO: copypaste: 40.1230,60.4560,43.7890
"""


def test_detectron2_log_txt(tmp_path):
    body = [d2_line(19, 2.113, 0.9051, 0.5012, lr="N/A"), d2_line(39, 1.937, 0.8193, 0.5), d2_line(59, math.nan, 0.74, 0.5)]
    text = D2_HEAD + "\n".join(body) + "\n" + D2_EVAL + d2_line(79, 1.641, 0.67, 0.5) + "\n"
    run = read(tmp_path, text, "log.txt")
    assert run.format == "detectron2-log"
    tl = run.train_loss
    assert tl.name == "total_loss" and lst(tl.steps) == [19, 39, 59, 79] and tl.epochs is None
    assert tl.values[0] == 2.113 and math.isnan(tl.values[2]) and tl.values[-1] == 1.641 and tl.nonfinite == 1
    assert run.series["loss_cls"].role == "train_loss" and len(run.series["loss_cls"]) == 4
    assert run.series["lr"].kind == "lr" and len(run.series["lr"]) == 3  # "lr: N/A" is no point
    for name in ("time", "last_time", "data_time", "last_data_time", "max_mem", "eta"):
        assert name not in run.series
    assert not any("AP" in n for n in run.series)  # evaluation tables are not read


def test_detectron2_console_prefix_colours_restart_and_cut_line(tmp_path):
    green = "\x1b[32m"
    first = [green + d2_line(it, 2.0 - it / 100, 1.0, 0.5, console=True).replace("]: ", "]: \x1b[0m", 1)
             for it in (19, 39)]
    second = [d2_line(it, 1.5, 0.7, 0.4, console=True) for it in (19, 39, 59)]
    text = "\n".join(first + second) + "\n" + d2_line(79, 1.4, 0.6, 0.4, console=True)[:60]
    runs = read_all(tmp_path, text, "train_stdout.txt")
    assert [r.format for r in runs] == ["detectron2-log"] * 2
    assert [len(r.train_loss) for r in runs] == [2, 3] and runs[0].train_loss.values[0] == pytest.approx(1.81)
    assert any("no line end" in n for n in runs[1].notes)


def test_detectron2_log_sniff_takes_only_its_lines():
    from lossdoc.readers.consolelogs import Detectron2LogReader

    r = Detectron2LogReader()
    assert r.sniff((D2_HEAD + d2_line(19, 1.0, 0.5, 0.5) + "\n").encode(), None)
    for other in (D2_HEAD + D2_EVAL, "iter: 19  total_loss: 1.0  lr: 0.1\n",
                  "Epoch: [0]  [0/6]  eta: 0:00:25  lr: 0.001  loss: 8.2773 (8.2773)  time: 4.1973\n",
                  '{"iteration": 19, "total_loss": 1.0}\n'):
        assert not r.sniff(other.encode(), None), other


def test_detectron2_log_without_numbers_is_one_line_error(runner, tmp_path):
    p = tmp_path / "log.txt"
    p.write_text("[03/14 10:01:02] detectron2.utils.events INFO:  iter: 19  total_loss: nan?  lr: N/A  \n")
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2 and "log.txt" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output
    with pytest.raises(InputError):
        read(tmp_path, p.read_text(), "log.txt", fmt="detectron2-log")
