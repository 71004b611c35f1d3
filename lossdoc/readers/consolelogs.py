"""Console logs that training tools print (and people commit as ``log.txt`` / ``training_log_*.txt``), each
recognised by the shape of its lines as the tool's source writes them:

- ``detectron2-log``: detectron2's ``log.txt`` / stdout, the ``CommonMetricPrinter`` lines of the
  ``detectron2.utils.events`` logger (``[01/01 12:00:00 d2.utils.events]:  eta: 0:10:00  iter: 19  total_loss:
  2.11  loss_cls: 0.9  ...  time: 0.5  data_time: 0.01  lr: 0.001  max_mem: 3000M``; the file handler writes
  ``[01/01 12:00:00] detectron2.utils.events INFO:  eta: ...``). ``total_loss`` is the train loss, the other
  ``*loss*`` values its parts, by iteration (step axis); config dumps, evaluation tables and other loggers'
  lines are not read. (detectron2's ``metrics.json`` is the ``detectron2`` format of ``jsonlogs``.)
- ``nnunet-log``: nnU-Net's ``training_log_*.txt`` (``print_to_log_file``: ``<datetime>: `` then the message).
  v2: ``Epoch N``, ``Current learning rate: X``, ``train_loss X``, ``val_loss X``, ``Pseudo dice [...]``; v1:
  ``epoch:  N`` (on a line of its own), ``train loss : X``, ``validation loss: X``, ``Average global foreground
  Dice: [...]``, ``lr is now (scheduler) X`` (the next epoch's). By epoch, as numbered (from 0). nnU-Net's loss
  is Dice + CE with the Dice term negative: the losses are below 0, read as written. The per-class pseudo Dice is
  read as its mean over the classes (NaN classes left out, as nnU-Net's ``mean_fg_dice``), a val metric.

A log holding several trainings appended (the counter goes back) is read as one run per training. A last line
without a line end (a run still writing) is skipped, with a note.
"""

from __future__ import annotations

import math
import re

from lossdoc.readers._runs import RunPoints, to_float
from lossdoc.readers.toollogs import _ToolText

# --------------------------------------------------------------------------------------------- detectron2 log.txt

# The two handlers' prefixes (detectron2/utils/logger.py): "[%(asctime)s %(name)s]: " (stdout, colourful; the
# name abbreviated to d2.) and "[%(asctime)s] %(name)s %(levelname)s: " (log.txt), datefmt "%m/%d %H:%M:%S";
# then CommonMetricPrinter's " {eta}iter: {iter}  {losses}  ..." (detectron2/utils/events.py).
_D2_LINE = re.compile(
    r"^\[\d\d/\d\d \d\d:\d\d:\d\d(?: [\w.]{0,128}+\]:|\] [\w.]{0,128}+ [A-Z]++:)"
    r"\s++(?:eta: \S++\s++)?iter: (\d++)\s\s(.*)$"
)
_D2_ITEM = re.compile(r"(?:^|\s)([A-Za-z_\[][\w/.\-\[\]]{0,200}+): (\S++)")


class Detectron2LogReader(_ToolText):
    name = "detectron2-log"
    description = "detectron2 log.txt / stdout: '[MM/DD hh:mm:ss d2.utils.events]:  eta: ...  iter: N  total_loss: X ...'"
    example = "output/log.txt"
    counter = "iteration"
    what = "detectron2 'iter: N  total_loss: X' lines"
    hint = re.compile(r"iter: \d")

    def detect(self, lines: list[str]) -> bool:
        return any("iter: " in ln and "loss" in ln and _D2_LINE.match(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        for i, ln in enumerate(lines, start=1):
            if "iter: " not in ln:
                continue
            m = _D2_LINE.match(ln.rstrip())
            if not m:
                continue
            it = float(m.group(1))
            pts.tick(it, i)
            for item in _D2_ITEM.finditer(m.group(2)):
                key, v = item.group(1), to_float(item.group(2))
                if v is None:  # "lr: N/A", "max_mem: 3000M"
                    pts.seen.setdefault(key, None)
                    continue
                pts.add(key, v, step=it)


# --------------------------------------------------------------------------------------------- nnU-Net training log

_NN_NUM = r"[-+]?(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|\.\d++|(?i:nan|inf))"
# print_to_log_file: f"{datetime.fromtimestamp(time())}:" then each argument followed by " " (str(datetime) leaves
# the microseconds out when they are 0).
_NN_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?: (.*)$")
_NN_V2_EPOCH = re.compile(r"^Epoch (\d++)$")
_NN_V1_EPOCH = re.compile(r"^epoch:\s++(\d++)$")
_NN_VALUES = {  # message -> series name
    re.compile(rf"^train_loss ({_NN_NUM})$"): "train_loss",
    re.compile(rf"^val_loss ({_NN_NUM})$"): "val_loss",
    re.compile(rf"^train loss : ({_NN_NUM})$"): "train loss",
    re.compile(rf"^validation loss: ({_NN_NUM})$"): "validation loss",
    re.compile(rf"^Current learning rate: ({_NN_NUM})$"): "lr",
}
_NN_DICE = re.compile(r"^(Pseudo dice|Average global foreground Dice:) \[(.*)\]$")
_NN_V1_LR = re.compile(rf"^lr is now \(scheduler\) ({_NN_NUM})$")
_NN_LIST_ITEM = re.compile(rf"(?:np\.float\d*+\()?({_NN_NUM})\)?")


class NnUnetLogReader(_ToolText):
    name = "nnunet-log"
    description = "nnU-Net training_log_*.txt: '<datetime>: Epoch N', 'train_loss X', 'val_loss X' (v1: 'train loss : X')"
    example = "nnUNet_results/Dataset001/nnUNetTrainer__nnUNetPlans__3d_fullres/fold_0/training_log_2024_1_1_12_00_00.txt"
    counter = "epoch"
    what = "nnU-Net '<datetime>: train_loss X' / 'train loss : X' lines"
    hint = re.compile(r"loss|Epoch|epoch")

    @staticmethod
    def _message(line: str) -> str | None:
        m = _NN_TS.match(line)
        return m.group(1).strip() if m else None

    def detect(self, lines: list[str]) -> bool:
        epoch = lr = False
        for i, ln in enumerate(lines):
            if ln[:2] not in ("19", "20", "ep"):
                continue
            if ln.startswith("ep"):  # v1: "epoch:  N" after a line that holds only the timestamp
                if _NN_V1_EPOCH.match(ln.strip()) and i and self._message(lines[i - 1]) == "":
                    return True
                continue
            msg = self._message(ln)
            if not msg:
                continue
            if any(p.match(msg) for p in _NN_VALUES if _NN_VALUES[p] != "lr"):
                return True
            epoch = epoch or bool(_NN_V2_EPOCH.match(msg))
            lr = lr or msg.startswith("Current learning rate: ")
            if epoch and lr:
                return True
        return False

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        epoch: float | None = None
        dice = None
        for i, ln in enumerate(lines, start=1):
            msg = self._message(ln)
            if msg is None:
                m = _NN_V1_EPOCH.match(ln.strip())
                if m:
                    epoch = float(m.group(1))
                    pts.tick(epoch, i)
                continue
            if m := _NN_V2_EPOCH.match(msg):
                epoch = float(m.group(1))
                pts.tick(epoch, i)
                continue
            if epoch is None:
                continue
            for pat, name in _NN_VALUES.items():
                if m := pat.match(msg):
                    pts.add(name, float(m.group(1)), epoch=epoch, replace_same_x=True)
                    break
            else:
                if m := _NN_DICE.match(msg):
                    vals = [float(x) for x in _NN_LIST_ITEM.findall(m.group(2))]
                    finite = [v for v in vals if not math.isnan(v)]
                    mean = sum(finite) / len(finite) if finite else math.nan
                    dice = "val_pseudo_dice" if m.group(1) == "Pseudo dice" else "val_global_dice"
                    pts.add(dice, mean, epoch=epoch, replace_same_x=True)
                elif m := _NN_V1_LR.match(msg):
                    pts.add("lr", float(m.group(1)), epoch=epoch + 1, replace_same_x=True)
        if dice:
            pts.note(f"{dice}: the mean over the classes of the Dice nnU-Net prints per class (NaN classes left out)")
        if any(v < 0 for seg in pts.segments for name, (vals, _, _) in seg.points.items() if "loss" in name
               for v in vals):
            pts.note("nnU-Net's loss is Dice + cross-entropy with the Dice term negative: values below 0 are as "
                     "written")


READERS = [Detectron2LogReader, NnUnetLogReader]
