"""The classic training logs of detection and vision tools, each recognised by the shape of its lines (as the
tools' source writes them):

- ``yolov5-results``: the headerless ``results.txt`` of ultralytics/yolov5 (up to v5.0) and of YOLOv7, one row per
  epoch written with ``('%10s' * 2 + '%10.4g' * 6) % ('%g/%g' % (epoch, epochs - 1), mem, *mloss, targets,
  img_size)`` then ``'%10.4g' * 7 % results``: epoch/last, GPU memory (``3.39G``, ``0G``), train box, obj, cls,
  total, targets, image size, P, R, mAP@0.5, mAP@0.5:0.95, val box, obj, cls (``utils/plots.py`` ``plot_results``
  reads the same columns).
- ``yolov3-results``: the older ultralytics/yolov3 ``results.txt``, the same fifteen columns written with
  ``'%10.3g'`` (three significant digits): train GIoU, obj, cls, total, ..., P, R, mAP@0.5, F1, val GIoU, obj,
  cls. The two are told apart by their precision (a row with a four-digit value is yolov5's).

  Both get the names of the Ultralytics ``results.csv`` columns (``train/box_loss``, ``metrics/mAP_0.5``,
  ``val/obj_loss``...), so that the shared clean-ups sum the loss parts into ``train/loss (sum)`` and
  ``val/loss (sum)`` as they do for ``results.csv``; the file's total column (the same sum, train only) is not read.
  A row whose seven evaluation results are all 0 is an epoch yolov5 did not evaluate (``--notest``): its val values
  are left out. Epoch axis, as written (0-based).
- ``darknet``: AlexeyAB's and pjreddie's darknet training output, ``N: loss, avg_loss avg loss, rate rate, ...``
  (AlexeyAB) / ``N: loss, avg_loss avg, rate rate, ...`` (pjreddie; its classifier writes ``N, epoch: ...``) among
  the per-layer lines (``Region Avg IOU: ...``, ``v3 (iou loss, Normalizer: ...``), ``Loaded: ...``. Series
  ``loss`` (the batch's), ``avg loss`` (darknet's running average) and ``lr``, by iteration; ``mean average
  precision (mAP@0.50) = X`` (``-map``) is the val metric ``val/mAP_0.50`` at the iteration before it. ``-nan``
  and ``nan`` (a diverged training) are kept as NaN.
- ``caffe``: Caffe's glog output (``I0101 10:00:00.123456  1234 solver.cpp:218] ...``): ``Iteration N (x iter/s,
  ...), loss = X`` (older Caffe: ``Iteration N, loss = X``) is the train loss (Caffe's smoothed loss), ``Iteration
  N, lr = X`` the learning rate, ``Train net output #k: name = X`` a train series unless it is a loss (the
  iteration's loss already sums them); ``Test net output #k: name = X`` after ``Iteration N, Testing net (#0)`` is
  ``val_<name>`` at iteration N (``val_loss``, ``val_accuracy``), a second test net's ``val.net1/<name>``.

A log holding several trainings appended (the counter goes back) is read as one run per training. A last line
without a line end (a run still writing) is skipped, with a note.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import resolve
from lossdoc.readers._runs import RunPoints, to_float
from lossdoc.readers.base import Reader, Source
from lossdoc.readers.toollogs import _ToolText, clean_lines, head_lines

_NUM = r"[-+]?(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|\.\d++(?:[eE][-+]?\d++)?|(?i:nan|inf(?:inity)?))"

# --------------------------------------------------------------------------------------------- YOLO results.txt

_YOLO_EPOCH = re.compile(r"^(\d++)/(\d++)$")
_YOLO_MEM = re.compile(r"^\d++(?:\.\d*+)?(?:e[-+]?\d++)?G?$")
_YOLO_NUM = re.compile(rf"^{_NUM}$")
_YOLO_COLUMNS = 15
# Columns 2..14 after epoch and memory; None: not a curve (the total is the sum of the parts; targets, image size).
_YOLOV5_NAMES = ("train/box_loss", "train/obj_loss", "train/cls_loss", None, None, None, "metrics/precision",
                 "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss",
                 "val/cls_loss")
_YOLOV3_NAMES = ("train/giou_loss", "train/obj_loss", "train/cls_loss", None, None, None, "metrics/precision",
                 "metrics/recall", "metrics/mAP_0.5", "metrics/F1", "val/giou_loss", "val/obj_loss", "val/cls_loss")
_EVAL_COLUMNS = range(8, 15)  # P, R, mAP, mAP/F1, val losses: all 0 when the epoch was not evaluated


def _yolo_row(line: str) -> list[str] | None:
    f = line.split()
    if len(f) != _YOLO_COLUMNS or not _YOLO_EPOCH.match(f[0]) or not _YOLO_MEM.match(f[1]):
        return None
    return f if all(_YOLO_NUM.match(x) for x in f[2:]) else None


def _digits(token: str) -> int:
    """Significant digits of a number as %g writes it ("0.07913" -> 4, "3.89e-05" -> 3)."""
    mant = token.lower().split("e", 1)[0].lstrip("+-").replace(".", "").lstrip("0")
    return len(mant) if mant.isdigit() else 0


def _yolo_precision(rows: list[list[str]]) -> int:
    """The most significant digits among the loss and result columns (not targets / image size: integers)."""
    return max((_digits(x) for f in rows for i, x in enumerate(f) if i >= 2 and i not in (6, 7)), default=0)


class _YoloResults(Reader):
    priority = 29  # before the tabular readers: a headerless numeric table with "0/299" and "3.39G" fields
    example = "runs/train/exp/results.txt"
    names: tuple[str | None, ...] = ()

    def layout(self, precision: int) -> bool:
        raise NotImplementedError

    def sniff(self, head: bytes, path: Path | None) -> bool:
        lines = head_lines(head)
        if not lines:
            return False
        if not head.endswith((b"\n", b"\r")):
            lines = lines[:-1]  # a last row still being written (or cut by the head's size)
        rows = [ln for ln in lines if ln.strip()]
        if not rows:
            return False
        parsed = [_yolo_row(ln) for ln in rows[:200]]
        if any(p is None for p in parsed):
            return False
        return self.layout(_yolo_precision([p for p in parsed if p is not None]))

    def read(self, source: Source) -> list[Run]:
        label = source.label
        lines, complete = clean_lines(source.text())
        last = len(lines)
        if not complete and lines[-1].strip():
            last -= 1  # a row yolov5 has not finished writing (it ends every row with a line end)
        pts = RunPoints("epoch")
        skipped_eval = 0
        for i, ln in enumerate(lines[:last], start=1):
            if not ln.strip():
                continue
            f = _yolo_row(ln)
            if f is None:
                raise InputError(label, f"line {i} is not a results.txt row ({_YOLO_COLUMNS} columns: epoch/last, "
                                        "GPU memory, 13 numbers)")
            epoch = float(f[0].split("/", 1)[0])
            pts.tick(epoch, i)
            values = [to_float(x) for x in f[2:]]
            evaluated = any(values[c - 2] != 0 for c in _EVAL_COLUMNS)
            skipped_eval += not evaluated
            for c, (name, v) in enumerate(zip(self.names, values, strict=True), start=2):
                if name is None or v is None or (c in _EVAL_COLUMNS and not evaluated):
                    continue
                pts.add(name, v, epoch=epoch)
        if skipped_eval:
            pts.note(f"{skipped_eval} row(s) with every evaluation result 0 (an epoch not evaluated, --notest): "
                     "their val losses and metrics are left out")
        runs = pts.build(label, self.name)
        if not runs:
            raise InputError(label, "empty results.txt: no epoch rows")
        if last < len(lines):
            runs[-1].notes.append(f"the last line ({last + 1}) has no line end (the run was still writing?): skipped")
        return runs


class Yolov5ResultsReader(_YoloResults):
    name = "yolov5-results"
    description = ("YOLOv5 / YOLOv7 results.txt: headerless rows 'epoch/last mem box obj cls total targets img P R "
                   "mAP@.5 mAP@.5:.95 val_box val_obj val_cls'")
    names = _YOLOV5_NAMES

    def layout(self, precision: int) -> bool:
        return precision >= 4


class Yolov3ResultsReader(_YoloResults):
    name = "yolov3-results"
    description = ("ultralytics/yolov3 results.txt ('%10.3g'): 'epoch/last mem GIoU obj cls total targets img P R "
                   "mAP F1 val_GIoU val_obj val_cls'")
    example = "results.txt"
    names = _YOLOV3_NAMES

    def layout(self, precision: int) -> bool:
        return 0 < precision <= 3


# --------------------------------------------------------------------------------------------------- darknet

# "N: loss, avg avg loss, rate rate, ..." (AlexeyAB), "N: loss, avg avg, rate rate" (pjreddie), "N, epoch: ..."
# (pjreddie's classifier).
_DN_ITER = re.compile(
    rf"^\s*+(\d++)(?:,\s*+({_NUM}))?:\s*+({_NUM}),\s*+({_NUM})\s++avg(?: loss)?,\s*+({_NUM})\s++rate\b"
)
_DN_MAP = re.compile(rf"^\s*+mean average precision \(mAP(?:@({_NUM}))?\) = ({_NUM})")
_DN_LAYER = re.compile(r"^\s*+(?:Region (?:\d++ )?Avg IOU: |v3 \((?:mse|iou|giou|diou|ciou) loss, Normalizer: )")


class DarknetReader(_ToolText):
    name = "darknet"
    description = "darknet (AlexeyAB, pjreddie) training output: 'N: loss, avg avg loss, rate rate, ...', mAP lines"
    example = "train.log"
    priority = 38
    counter = "iteration"
    what = "darknet 'N: loss, avg loss, rate' lines"
    hint = re.compile(r"^\s*\d+[:,]")

    def detect(self, lines: list[str]) -> bool:
        return any(_DN_ITER.match(ln) or _DN_LAYER.match(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        it = math.nan
        for i, ln in enumerate(lines, start=1):
            m = _DN_ITER.match(ln)
            if m:
                it = float(m.group(1))
                pts.tick(it, i)
                ep = float(m.group(2)) if m.group(2) else math.nan  # pjreddie's classifier: the epoch
                for name, g in (("loss", 3), ("avg loss", 4), ("lr", 5)):
                    pts.add(name, float(m.group(g)), step=it, epoch=ep)
                continue
            if "mean average precision" in ln and math.isfinite(it):
                m = _DN_MAP.match(ln)
                if m:
                    iou = m.group(1)
                    name = f"val/mAP_{iou}" if iou else "val/mAP"
                    pts.add(name, float(m.group(2)), step=it, replace_same_x=True)


# --------------------------------------------------------------------------------------------------- Caffe

_GLOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d++\s++\d++\s++([\w.\-]{1,64}+):\d++\] (.*)$")
_CAFFE_SOLVER = re.compile(r"^\w*solver\.cpp$")
_CAFFE_ITER = re.compile(rf"(?<!\w)Iteration (\d++)(?: \([^)\n]{{0,200}}+\))?, loss = ({_NUM})")
_CAFFE_LR = re.compile(rf"(?<!\w)Iteration (\d++), lr = ({_NUM})")
_CAFFE_TESTING = re.compile(r"(?<!\w)Iteration (\d++), Testing net \(#(\d++)\)")
_CAFFE_OUTPUT = re.compile(rf"^\s*+(Train|Test) net output #\d++: (\S[^=\n]{{0,200}}?) = ({_NUM})")


class CaffeReader(_ToolText):
    name = "caffe"
    description = "Caffe glog training output: 'Iteration N (...), loss = X', 'Test net output #k: accuracy = X'"
    example = "caffe_train.log"
    priority = 38
    counter = "iteration"
    what = "Caffe 'Iteration N, loss = X' lines"
    hint = re.compile(r"\] ")

    def detect(self, lines: list[str]) -> bool:
        # A solver's glog line (solver.cpp, sgd_solver.cpp, adam_solver.cpp...): Caffe training, not `caffe test`.
        for ln in lines:
            if ln[:1] in "IWEF" and "solver.cpp:" in ln:
                m = _GLOG.match(ln)
                if m and _CAFFE_SOLVER.match(m.group(1)):
                    return True
        return False

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        it = math.nan
        test_it, test_net = math.nan, 0
        for i, ln in enumerate(lines, start=1):
            if "] " not in ln:
                continue
            g = _GLOG.match(ln)
            if not g:
                continue
            msg = g.group(2)
            m = _CAFFE_OUTPUT.match(msg)
            if m:
                kind, name, v = m.group(1), m.group(2).strip(), float(m.group(3))
                if kind == "Train":
                    if math.isfinite(it) and resolve(name).kind != "loss":
                        pts.add(name, v, step=it, replace_same_x=True)
                elif math.isfinite(test_it):
                    full = f"val_{name}" if test_net == 0 else f"val.net{test_net}/{name}"
                    pts.add(full, v, step=test_it, replace_same_x=True, loss_split="val", metric_split="val")
                continue
            if "Iteration" not in msg:
                continue
            m = _CAFFE_ITER.search(msg)
            if m:
                it = float(m.group(1))
                pts.tick(it, i)
                pts.add("loss", float(m.group(2)), step=it, replace_same_x=True)
                continue
            m = _CAFFE_LR.search(msg)
            if m:
                pts.tick(float(m.group(1)), i)
                pts.add("lr", float(m.group(2)), step=float(m.group(1)), replace_same_x=True)
                continue
            m = _CAFFE_TESTING.search(msg)
            if m:
                test_it, test_net = float(m.group(1)), int(m.group(2))
                pts.tick(test_it, i)


READERS = [Yolov5ResultsReader, Yolov3ResultsReader, DarknetReader, CaffeReader]
