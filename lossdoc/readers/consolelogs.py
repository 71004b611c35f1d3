"""Console logs that training tools print (and people commit as ``log.txt`` / ``training_log_*.txt``), each
recognised by the shape of its lines as the tool's source writes them:

- ``detectron2-log``: detectron2's ``log.txt`` / stdout, the ``CommonMetricPrinter`` lines of the
  ``detectron2.utils.events`` logger (``[01/01 12:00:00 d2.utils.events]:  eta: 0:10:00  iter: 19  total_loss:
  2.11  loss_cls: 0.9  ...  time: 0.5  data_time: 0.01  lr: 0.001  max_mem: 3000M``; the file handler writes
  ``[01/01 12:00:00] detectron2.utils.events INFO:  eta: ...``). ``total_loss`` is the train loss, the other
  ``*loss*`` values its parts, by iteration (step axis); config dumps, evaluation tables and other loggers'
  lines are not read. (detectron2's ``metrics.json`` is the ``detectron2`` format of ``jsonlogs``.)

A log holding several trainings appended (the counter goes back) is read as one run per training. A last line
without a line end (a run still writing) is skipped, with a note.
"""

from __future__ import annotations

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


READERS = [Detectron2LogReader]
