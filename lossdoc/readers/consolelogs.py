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
- ``xgboost-log``, ``lightgbm-log``, ``catboost-log``: the evaluation lines gradient-boosting libraries print during
  ``fit`` / ``train``: XGBoost ``[0]\tvalidation_0-logloss:0.65000\tvalidation_1-logloss:0.66000`` (native
  ``train-rmse`` / ``eval-rmse``; ``cv`` adds ``+std``), LightGBM ``[1]\ttraining's binary_logloss: 0.2\tvalid_1's
  binary_logloss: 0.3`` (the line repeated after ``Early stopping, best iteration is:`` is not a new point),
  CatBoost ``0:\tlearn: 0.68\ttest: 0.69\tbest: 0.69 (0)\ttotal: 5ms\tremaining: 1s``. One series per evaluation
  set and metric, by iteration (step axis). A set named train/training/learn is the train split, eval/valid/
  validation/test the val split; of XGBoost's sklearn names ``validation_0``, ``validation_1``... the last is the
  val set and, when there are two, the first is read as the train set (``eval_set=[(X_train, y_train), (X_val,
  y_val)]``), with a note; other held-out sets are test series. A metric's role comes from the naming table:
  logloss is a loss; rmse/mae (LightGBM ``l2``/``l1``/``l2_root``, named with their alias ``(mse)``/``(mae)``/
  ``(rmse)``) are the fitted errors read as the losses of a log with no loss; error rates and AUC are metrics.
  CatBoost prints only its main metric, unnamed: ``learn``/``test`` are read as the train/val loss, with a note;
  but a ``learn`` within [0, 1] that rises over the training (a boosted model's loss on its learning set only
  falls) is an accuracy-type ``eval_metric``: ``learn``/``test`` are then a higher-is-better train/val score, no
  loss (a note says so).
- ``paddle-log``: the lines PaddlePaddle's tutorials and examples print in their training loops, ``epoch: 3,
  batch_id: 100, loss is: [0.53], acc is: [0.8]`` (``loss.numpy()``: a one-element array; a 0-D tensor from Paddle
  2.5 prints the bare number). ``batch_id`` starts again at each epoch: the step axis counts batches on across
  epochs (epoch index x batches per epoch + batch_id, the batches per epoch taken from the largest batch_id and the
  print interval, said in a note) and the epoch axis holds epoch + batch_id / batches per epoch.
- ``ultralytics-console``: the training table the Ultralytics (YOLOv8+) trainer prints: the header ``Epoch GPU_mem
  box_loss cls_loss dfl_loss Instances Size`` (``progress_string``), the bar ``1/15 0G 1.234 2.345 1.111 23 640:
  100%|...`` (``"%11s" * 2 + "%11.4g" * (2 + n)``: the running mean of each loss over the epoch; of the tqdm
  states of an epoch, carriage-return redraws or lines, the last is kept) and the validator's ``all 10 30 P R
  mAP50 mAP50-95`` row under ``Class Images Instances Box(P R mAP50 mAP50-95)``. Read under the ``results.csv``
  names (``train/box_loss``, ``metrics/mAP50-95(B)``) so that the loss parts are summed into ``train/loss (sum)``
  as for ``results.csv``; epochs as printed (1-based, as ``results.csv``). The final validation of ``best.pt``
  after training is not an epoch's and is not read.
- ``sb3-console``: Stable-Baselines3's console table (``HumanOutputFormat`` of ``stable_baselines3.common.logger``, the
  logger's stdout, e.g. ``verbose=1``): each ``dump`` is a table framed by two dashed lines, ``| key | value |`` rows,
  a section row ``| train/ | |`` with its keys indented (``|    loss | -0.0269 |``). Each table is one record: series
  ``section/key`` (``train/loss``, ``rollout/ep_rew_mean``, ``eval/mean_reward``) on the step axis of the table's
  ``time/total_timesteps`` (a table without one takes the last seen; a log with none numbers its tables). ``time/*`` and ``train/n_updates`` are
  bookkeeping, left out. ``train/loss`` is the train loss; the other ``train/*_loss`` rows are its weighted terms
  (PPO's ``entropy_loss``, ``policy_gradient_loss``, ``value_loss``), never summed beside it. A2C writes no
  ``train/loss`` (its terms weighted by ``ent_coef``/``vf_coef``) and SAC/TD3 separate actor and critic losses:
  not summed either, the critic's / value loss is the train loss, with a note. ``rollout/ep_rew_mean`` (the mean
  return of the last training episodes) is read as a train reward, ``eval/mean_reward`` as a val one (higher is
  better). A table cut at the start of the file (no opening dashed line) or at its end is not read.

- ``pyslowfast-log``: PySlowFast's ``stdout.log`` (its logger: ``[%m/%d %H:%M:%S][%(levelname)s] %(filename)s:
  %(lineno)4d: `` before each message; older versions the logger's name, ``train_net:  314: ``, not a value): the
  ``json_stats: {"_type": "train_iter", "epoch": "3/20", "iter": "10/316", "loss": 3.55, "lr": ...}`` records
  ``logging.log_json_stats`` writes (``train_iter_`` in some forks). ``train_iter`` is a point on the step axis,
  the iteration counted on across epochs ((epoch - 1) x iterations per epoch + iter), its epoch the fraction
  reached; ``loss`` is the train loss. ``train_epoch`` values are the epoch's (``loss_epoch``, ``top1_err_epoch``)
  and ``val_epoch`` ones the val split's (``val_loss``, ``val_top1_err``), at the epoch's last step; ``val_iter``
  records and timings (``dt``, ``eta``, ``gpu_mem``, ``RAM``) are not read. Several trainings appended to one
  ``stdout.log`` (each from its ``Train with config:`` line) are runs of their own; a log of the tool's lines with
  no ``json_stats`` record is refused (the line numbers in its prefixes are no values).
- ``gluefactory-log``: the log of gluefactory's ``train.py`` (cvg/glue-factory, LightGlue's training; its logger's
  ``[%m/%d/%Y %H:%M:%S gluefactory INFO] `` prefix): ``[E 0 | it 100] loss {total 1.597E+00, last 9.226E-01,
  assignment_nll ..., nll_pos ...}`` every ``log_every_iter`` iterations, the iteration counted from 0 again in every
  epoch: a point on the step axis at epoch x batches + it (the batches from its ``Training loader has N batches``
  line, as gluefactory's ``tot_it``; without it, the most an epoch reached plus the logging interval, with a note),
  the epoch the fraction reached; each value as ``loss/<name>``, ``loss/total`` the train loss. ``[Validation]
  {match_recall ..., loss/total 1.967E+00, ...}`` after an iteration's line: ``val/<name>`` at that iteration, the
  evaluation at the epoch's last iteration (``it == len(train_loader) - 1``: the second after one training line, or the
  one alone before the next epoch) at that iteration; ``val/loss/total`` the val loss.
A log holding several trainings appended (the counter goes back) is read as one run per training. A last line
without a line end (a run still writing) is skipped, with a note.
"""

from __future__ import annotations

import itertools
import math
import re

from lossdoc.model import Run
from lossdoc.naming import family_role_name, resolve, split_word
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
    splice_resumes = True
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


# --------------------------------------------------------------------------------------------- gradient boosting

_GB_NUM = r"[-+]?(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|\.\d++(?:[eE][-+]?\d++)?|(?i:nan|-?inf(?:inity)?))"
# XGBoost python-package/xgboost/callback.py EvaluationMonitor: f"[{epoch}]" + f"\t{data + '-' + metric}:{score:.5f}"
# (+f"+{std:.5f}" from cv).
_XGB_LINE = re.compile(r"^\[(\d++)\]((?:\t[^\t:\n]{1,200}+:[^\t\n]{1,64}+)++)\s*+$")
_XGB_ITEM = re.compile(rf"^([^\t:\-]{{1,100}}+)-([^\t:]{{1,100}}+):({_GB_NUM})(?:\+{_GB_NUM})?$")
# LightGBM python-package/lightgbm/callback.py: f"[{env.iteration + 1}]\t{result}", items f"{name}'s {metric}:
# {value:g}" (+ f" + {stdv:g}" from cv) joined by "\t".
_LGB_LINE = re.compile(r"^\[(\d++)\]((?:\t[^\t\n]{1,300}+)++)\s*+$")
_LGB_ITEM = re.compile(rf"^(.{{1,100}}?)'s ([^\t:]{{1,100}}+): ({_GB_NUM})(?: \+ {_GB_NUM})?$")
_LGB_BEST = re.compile(r"best iteration is:\s*$", re.IGNORECASE)
# CatBoost catboost/libs/loggers/logger.h TConsoleLoggingBackend: currentIteration << ":" then "\t" << source <<
# ": " << value (7 digits) [<< "\tbest: " << best << " (" << iter << ")"], "\ttotal: ..\tremaining: ..".
_CB_LINE = re.compile(r"^(\d++):((?:\t[^\t\n]{1,200}+)++)\s*+$")
_CB_ITEM = re.compile(rf"^([A-Za-z][\w.\-]{{0,100}}+): ({_GB_NUM})$")
_CB_SKIP = ("best", "total", "remaining")

_SET_NUMBER = re.compile(r"^(.*?)_?+(\d++)$")  # validation_0, valid_1, test1: a split word and a number
# LightGBM's metric aliases (docs, Parameters: metric): the name under which the naming table knows them.
_LGB_ALIASES = {"l2": "mse", "l1": "mae", "l2_root": "rmse", "regression": "mse", "regression_l1": "mae"}


def _gb_roles(sets: list[str], family: str) -> tuple[dict[str, str], str | None]:
    """The split each evaluation set is read as (train / val / test; absent: left to the naming table) and a
    note when XGBoost's sklearn names were read as train and val. Set names are split words of the naming table
    (``train``, ``eval``, ``valid``, ``test``), maybe numbered (``validation_0``), or a tool's own word
    (``naming.FAMILY_NAMES``: CatBoost's ``learn``)."""
    roles: dict[str, str] = {}
    held, plain = [], []
    for name in sets:
        m = _SET_NUMBER.match(name)
        split = split_word(m.group(1) if m else name)
        if split is None and (fam := family_role_name(family, name)):
            split = resolve(fam).split
        if split == "train":
            roles[name] = "train"
        elif split in ("val", "test"):
            held.append(name)
            if not m:
                plain.append(name)  # an unnumbered eval, valid or test set: the val set
    if not held:
        return roles, None
    val = plain[0] if plain else held[-1]
    note = None
    for name in held:
        roles[name] = "val" if name == val else "test"
    if family == "xgboost-log" and not plain and "train" not in roles.values() and len(held) == 2 and all(
        n.startswith("validation_") for n in held
    ):
        roles[held[0]] = "train"
        note = (f"XGBoost's sklearn eval sets: {held[0]} read as the train set and {held[1]} as the val set (the "
                "common eval_set=[(X_train, y_train), (X_val, y_val)]); name others with --train / --val")
    return roles, note


class _BoostingLog(_ToolText):
    counter = "iteration"
    min_lines = 2

    #: An evaluation line (group 1 the iteration, group 2 its tab-separated items) and one item (groups: the
    #: set, the metric, the value); subclasses whose lines are not of this shape override ``items``.
    line_re: re.Pattern[str]
    item_re: re.Pattern[str]

    def items(self, line: str) -> tuple[float, list[tuple[str, str, float]]] | None:
        """(iteration, [(set, metric, value)]) of an evaluation line, else None."""
        m = self.line_re.match(line)
        if not m:
            return None
        out = []
        for item in m.group(2).split("\t")[1:]:
            im = self.item_re.match(item.strip())
            if not im:
                return None
            out.append((im.group(1), im.group(2), float(im.group(3))))
        return float(m.group(1)), out

    def series_name(self, data: str, metric: str) -> str:
        raise NotImplementedError

    def detect(self, lines: list[str]) -> bool:
        hits = 0
        for ln in lines:
            got = self.items(ln) if ln[:1] in "[0123456789" else None
            if got and got[1]:
                hits += 1
                if hits >= self.min_lines:
                    return True
        return hits > 0 and hits == len([ln for ln in lines if ln.strip()])

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        rows: list[tuple[int, float, list[tuple[str, str, float]]]] = []
        skip_next = False
        for i, ln in enumerate(lines, start=1):
            if skip_next and ln.strip():
                skip_next = False
                if self.items(ln):
                    continue  # LightGBM repeats the best iteration's line after early stopping: not a new point
            if self.repeats_best(ln):
                skip_next = True
                continue
            got = self.items(ln)
            if got and got[1]:
                rows.append((i, got[0], got[1]))
        sets = list(dict.fromkeys(d for _, _, items in rows for d, _, _ in items))
        roles, note = _gb_roles(sets, self.name)
        for i, it, items in rows:
            pts.tick(it, i)
            for data, metric, v in items:
                split = roles.get(data)
                metric = self.alias(metric)
                kw = {"role_name": f"{split}_{metric}"} if split else {}
                pts.add(self.series_name(data, metric), v, step=it, **kw)
        if note:
            pts.note(note)

    def repeats_best(self, line: str) -> bool:
        return False

    def alias(self, metric: str) -> str:
        return metric


class XgboostLogReader(_BoostingLog):
    name = "xgboost-log"
    description = "XGBoost evaluation output: '[0]\\tvalidation_0-logloss:0.65\\tvalidation_1-logloss:0.66' ('train-rmse', 'eval-rmse')"
    example = "xgb_train.log"
    what = "XGBoost '[N]\\t<set>-<metric>:<value>' lines"
    hint = re.compile(r"^\[\d")
    line_re, item_re = _XGB_LINE, _XGB_ITEM

    def series_name(self, data: str, metric: str) -> str:
        return f"{data}-{metric}"


class LightgbmLogReader(_BoostingLog):
    name = "lightgbm-log"
    description = "LightGBM evaluation output: \"[1]\\ttraining's binary_logloss: 0.2\\tvalid_1's binary_logloss: 0.3\""
    example = "lgb_train.log"
    what = "LightGBM \"[N]\\t<set>'s <metric>: <value>\" lines"
    hint = re.compile(r"^\[\d")
    line_re, item_re = _LGB_LINE, _LGB_ITEM

    def repeats_best(self, line: str) -> bool:
        return "est iteration is" in line and bool(_LGB_BEST.search(line))

    def alias(self, metric: str) -> str:
        return f"{metric} ({_LGB_ALIASES[metric]})" if metric in _LGB_ALIASES else metric

    def series_name(self, data: str, metric: str) -> str:
        return f"{data}'s {metric}"


class CatboostLogReader(_BoostingLog):
    name = "catboost-log"
    description = "CatBoost verbose output: '0:\\tlearn: 0.68\\ttest: 0.69\\tbest: 0.69 (0)\\ttotal: 5ms\\tremaining: 1s'"
    example = "catboost_train.log"
    what = "CatBoost 'N:\\tlearn: X\\ttest: Y' lines"
    hint = re.compile(r"^\d+:")

    def items(self, line: str):
        m = _CB_LINE.match(line)
        if not m:
            return None
        out = []
        profile = False
        for item in m.group(2).split("\t")[1:]:
            key = item.split(":", 1)[0].strip()
            if key in _CB_SKIP:
                profile = profile or key != "best"
                continue
            im = _CB_ITEM.match(item.strip())
            if not im:
                return None
            out.append((im.group(1), "loss", float(im.group(2))))
        if not profile and not any(d in ("learn", "test") for d, _, _ in out):
            return None
        return float(m.group(1)), out

    def series_name(self, data: str, metric: str) -> str:
        return data

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        super().collect(lines, pts)
        if self._rising_score(pts):
            return
        if any(pts.roles.get(n) for seg in pts.segments for n in seg.points):
            pts.note("CatBoost prints only its main metric, unnamed (eval_metric, by default the loss function): "
                     "learn/test read as the train/val loss; name others with --train / --val")

    @staticmethod
    def _rising_score(pts: RunPoints) -> bool:
        """Whether the unnamed metric is a score, not a loss: the learning set's values, all within [0, 1], rise
        over the training (a boosted model's loss on its own learning set only falls). Then ``learn``/``test`` are
        read as a higher-is-better train/val metric (an accuracy-type eval_metric), with a note."""
        vals = [v for seg in pts.segments for v in seg.points.get("learn", ([],))[0]]
        k = max(1, len(vals) // 10)
        if len(vals) < 10 or not all(0.0 <= v <= 1.0 for v in vals):
            return False
        head, tail = sorted(vals[:k])[k // 2], sorted(vals[-k:])[k // 2]
        if tail - head < 0.05:
            return False
        for name, split in (("learn", "train"), ("test", "val")):
            if name in pts.roles:
                pts.roles[name] = {"role_name": f"{split}_score"}
        pts.note(f"CatBoost prints only its main metric, unnamed: learn rises from {head:.4g} to {tail:.4g} within "
                 "[0, 1], an accuracy-type eval_metric, not a loss: learn/test read as a train/val score (higher is "
                 "better), no loss; name a loss with --train / --val")
        return True


# --------------------------------------------------------------------------------------------- PaddlePaddle

# print("epoch: {}, batch_id: {}, loss is: {}, acc is: {}".format(epoch, batch_id, loss.numpy(), acc.numpy()))
_PD_LINE = re.compile(r"(?<![\w])(?:epoch(?:_id)?: (\d++), )?batch(?:_id)?: (\d++)((?:, [A-Za-z_][\w ]{0,60}? is: [^,\n]{1,80}+)++)")
_PD_ITEM = re.compile(rf", ([A-Za-z_][\w ]{{0,60}}?) is: \[?\s*+({_GB_NUM})\s*+\]?(?=,|\s*+$)")


class PaddleLogReader(_ToolText):
    name = "paddle-log"
    description = "PaddlePaddle training-loop prints: 'epoch: 3, batch_id: 100, loss is: [0.53], acc is: [0.8]'"
    example = "paddle_train.log"
    priority = 90  # before the text reader, which would read batch_id as a series and miss the bracketed values
    counter = "step"
    what = "Paddle 'epoch: N, batch_id: N, loss is: [X]' lines"
    hint = re.compile(r"batch_id")

    def detect(self, lines: list[str]) -> bool:
        return any("batch" in ln and " is: " in ln and (m := _PD_LINE.search(ln)) and _PD_ITEM.search(m.group(3))
                   for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        rows: list[tuple[int, float, float, dict[str, float]]] = []
        for i, ln in enumerate(lines, start=1):
            if "batch" not in ln or " is: " not in ln:
                continue
            m = _PD_LINE.search(ln)
            if not m:
                continue
            values = {im.group(1): float(im.group(2)) for im in _PD_ITEM.finditer(m.group(3) + ",")}
            for name in re.findall(r", ([A-Za-z_][\w ]{0,60}?) is: ", m.group(3)):
                pts.seen.setdefault(name, None)
            if values:
                rows.append((i, float(m.group(1)) if m.group(1) else math.nan, float(m.group(2)), values))
        # batches per epoch: the largest batch_id plus the interval the loop prints at
        ids = [b for _, _, b, _ in rows]
        gaps = [b - a for a, b in itertools.pairwise(ids) if b > a]
        per_epoch = max(ids, default=0) + (min(gaps) if gaps else 1)
        first = next((e for _, e, _, _ in rows if math.isfinite(e)), 0.0)
        passes, last = 0, None  # without an epoch field, a batch_id that goes back starts the next pass
        for i, epoch, batch, values in rows:
            if math.isfinite(epoch):
                e, ep_axis = epoch, epoch + batch / per_epoch
            else:
                passes += last is not None and batch < last
                e, ep_axis = first + passes, math.nan
            last = batch
            step = (e - first) * per_epoch + batch
            pts.tick(step, i)
            for name, v in values.items():
                pts.add(name, v, step=step, epoch=ep_axis)
        if rows:
            pts.note(f"batch_id starts again at each epoch: steps count batches on across epochs ({per_epoch:g} per "
                     "epoch: the largest batch_id plus the print interval)")


# --------------------------------------------------------------------------------------------- Ultralytics console

# ultralytics/models/yolo/detect/train.py progress_string: ("\n" + "%11s" * (4 + len(self.loss_names))) % ("Epoch",
# "GPU_mem", *self.loss_names, "Instances", "Size"); engine/trainer.py: ("%11s" * 2 + "%11.4g" * (2 + loss_length)) %
# (f"{epoch + 1}/{self.epochs}", f"{self._get_memory():.3g}G", *losses, instances, imgsz) as the bar's description;
# detect/val.py: ("%22s" + "%11s" * 6) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)") and
# print_results: ("%22s" + "%11i" * 2 + "%11.3g" * len(keys)) % ("all", seen, instances, *mean_results).
_UL_ROW = re.compile(r"^\s*+(\d++)/(\d++)\s++(?:\d++(?:\.\d*+)?(?:e[-+]?\d++)?G|N/A)\s++([^:]{1,400})\s*+(?::|$)")
_UL_ALL = re.compile(rf"^\s*+all\s++\d++\s++\d++((?:\s++{_GB_NUM}){{2,40}}+)\s*+$")
_UL_TASKS = {"Box": "B", "Mask": "M", "Pose": "P"}
# The validator's columns under the names of results.csv's columns (then "(B)", "(M)", "(P)" for the task).
_UL_METRICS = {"P": "metrics/precision", "R": "metrics/recall", "mAP50": "metrics/mAP50", "mAP50-95": "metrics/mAP50-95"}


def _ul_states(line: str) -> str:
    """What a terminal shows of a line tqdm redrew with carriage returns: its last non-empty state."""
    if "\r" in line:
        parts = [p for p in line.split("\r") if p.strip()]
        return parts[-1] if parts else ""
    return line


def _ul_header(line: str) -> list[str] | None:
    """The loss names of the trainer's header line, else None."""
    t = line.split()
    if len(t) >= 5 and t[:2] == ["Epoch", "GPU_mem"] and t[-2:] == ["Instances", "Size"]:
        return t[2:-2]
    return None


def _ul_val_names(line: str) -> list[str] | None:
    """The metric names of the validator's header (``Class Images Instances Box(P R mAP50 mAP50-95)``), else None."""
    head = line.split(":", 1)[0].split()
    if len(head) < 7 or head[:3] != ["Class", "Images", "Instances"]:
        return None
    names, task = [], None
    for tok in head[3:]:
        if "(" in tok:
            task, tok = tok.split("(", 1)
        tok = tok.rstrip(")")
        if task not in _UL_TASKS or tok not in _UL_METRICS:
            return None
        names.append(f"{_UL_METRICS[tok]}({_UL_TASKS[task]})")
    return names


class UltralyticsConsoleReader(_ToolText):
    name = "ultralytics-console"
    description = "Ultralytics YOLO training console: 'Epoch GPU_mem box_loss ...' table, '1/15 0G 1.23 ...' bars, 'all' rows"
    example = "yolo_train_stdout.txt"
    counter = "epoch"
    what = "Ultralytics 'Epoch GPU_mem ... Instances Size' table rows"
    hint = re.compile(r"\d/\d")

    def detect(self, lines: list[str]) -> bool:
        return any("GPU_mem" in ln and _ul_header(_ul_states(ln)) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        losses: list[str] | None = None
        metrics: list[str] | None = None
        epoch: float | None = None
        done = False
        again = 0  # the line where the table started again after a training ended (for the new run's note)
        for i, raw in enumerate(lines, start=1):
            ln = _ul_states(raw)
            if "GPU_mem" in ln and (h := _ul_header(ln)):
                losses = h
                if done:  # the trainer's table again after a training ended: another training in the same log
                    done, epoch = False, None
                    pts.end_run()
                    again = i
                continue
            if "Class" in ln and (v := _ul_val_names(ln)):
                metrics = v
                continue
            if " epochs completed in " in ln or ln.lstrip().startswith("Validating "):
                done = True  # the validation of best.pt after training: no epoch's
                continue
            if losses is not None and not done and (m := _UL_ROW.match(ln)):
                vals = m.group(3).split()
                if len(vals) != len(losses) + 2:
                    continue
                epoch = float(m.group(1))
                pts.tick(epoch, i)
                if again:
                    pts.note(f"line {again}: the trainer's table starts again after a training ended ('... epochs "
                             "completed in ...', its best.pt validated): another training, read as a run of its own")
                    again = 0
                for name, v in zip(losses, vals[: len(losses)], strict=True):
                    f = to_float(v)
                    if f is not None:
                        pts.add(f"train/{name}", f, epoch=epoch, replace_same_x=True)
                continue
            if metrics and epoch is not None and not done and "all" in ln and (m := _UL_ALL.match(ln)):
                vals = m.group(1).split()
                if len(vals) == len(metrics):
                    for name, v in zip(metrics, vals, strict=True):
                        pts.add(name, float(v), epoch=epoch, replace_same_x=True)


# --------------------------------------------------------------------------------------------- Stable-Baselines3

# stable_baselines3/common/logger.py HumanOutputFormat.write: keys sorted; a key "tag/name" adds the row (tag, "")
# once and is written as "   " + name; floats f"{value:<8.3g}", other values str(value); keys and values cut to
# max_length 36 ("..." at the end); dashes = "-" * (key_width + val_width + 7); each row f"| {key}{key_space} |
# {value}{val_space} |" (as long as the dashes); then the closing dashes. EvalCallback records
# "time/total_timesteps" with its "eval/..." values.
_SB3_DASHES = re.compile(r"^-{8,}$")
_SB3_ROW = re.compile(r"^\| (.{1,200}?) +\| (.{0,200}?) *\|$")
_SB3_SECTION = re.compile(r"^\| [A-Za-z_][\w.\-]{0,35}/ +\| +\|$")
_SB3_STEP = "time/total_timesteps"
# The logged word whose role is that of a name the naming table knows (the reward of the training episodes).
_SB3_ROLE_NAMES = {"rollout/ep_rew_mean": "train/mean_reward"}
# Without train/loss (A2C; SAC, TD3, DDPG), the loss read as the train loss, in this order.
_SB3_TRAIN_LOSS = ("train/loss", "train/critic_loss", "train/value_loss")


def _sb3_row(line: str, width: int) -> tuple[str, str] | None:
    """A table row as (key as written, value), or None when the line is no row of a table ``width`` wide."""
    if len(line) != width or not line.startswith("| "):
        return None
    m = _SB3_ROW.match(line)
    return (m.group(1), m.group(2)) if m else None


class Sb3ConsoleReader(_ToolText):
    name = "sb3-console"
    description = "Stable-Baselines3 console tables: '| rollout/ | |', '|    ep_rew_mean | 0.5 |', '| train/ | |' ..."
    example = "ppo_stdout.log"
    priority = 27  # before the tabular readers (Markdown pipe tables) and the text reader
    counter = "step"
    what = "Stable-Baselines3 '| section/ | |' tables"
    hint = re.compile(r"^[|-]")

    def detect(self, lines: list[str]) -> bool:
        for a, b in itertools.pairwise(ln.rstrip() for ln in lines):
            if b.startswith("| ") and _SB3_DASHES.match(a) and len(a) == len(b) and _SB3_SECTION.match(b):
                return True
        return False

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        records: list[tuple[int, dict[str, str]]] = []  # (line of the first row, key -> value as written)
        rows = [ln.rstrip() for ln in lines]
        width = 0  # the open table's width (its dashed line's length), 0 outside a table
        record: dict[str, str] = {}
        start, section = 0, ""
        for i, ln in enumerate(rows):
            if width:
                if ln == "-" * width:
                    records.append((start, record))
                    width = 0
                elif (row := _sb3_row(ln, width)) is not None:
                    key, value = row
                    if key.endswith("/") and not key.startswith(" ") and not value:
                        section = key  # "| train/ |  |": the keys indented below it are train/...
                    elif key.startswith("   ") and section:
                        record.setdefault(section + key.strip(), value)
                    else:
                        record.setdefault(key.strip(), value)
                continue  # any other line inside a table (another thread's print) is not the table's
            if _SB3_DASHES.match(ln) and i + 1 < len(rows) and _sb3_row(rows[i + 1], len(ln)) is not None:
                width, record, start, section = len(ln), {}, i + 2, ""
        if rows and rows[0].startswith("| ") and _sb3_row(rows[0], len(rows[0])) is not None:
            pts.note("the file starts inside a table (no dashed line above its first rows): that table is skipped")
        numbered = not any(to_float(rec.get(_SB3_STEP, "")) is not None for _, rec in records)
        step, early = None, 0
        for n, (line, rec) in enumerate(records, start=1):
            got = float(n) if numbered else to_float(rec.get(_SB3_STEP, ""))
            step = got if got is not None else step
            if step is None:  # before the first table that says its timestep: no place on the axis
                early += 1
                continue
            pts.tick(step, line)
            for key, text in rec.items():
                v = to_float(text)
                if v is None or key.startswith("time/") or key == "train/n_updates":
                    pts.seen.setdefault(key, None)
                    continue
                role = {"role_name": _SB3_ROLE_NAMES[key]} if key in _SB3_ROLE_NAMES else {}
                pts.add(key, v, step=step, replace_same_x=True, **role)
        if records and numbered:
            pts.note("no table holds time/total_timesteps: the tables are numbered 1, 2, ... on the step axis")
        if early:
            pts.note(f"{early} table(s) before the first with time/total_timesteps: not read (no place on the axis)")
        if width and record:
            pts.note(f"the table from line {start} has no closing dashed line (the run was still writing?): skipped")

    def parse(self, text: str, label: str) -> list[Run]:
        runs = super().parse(text, label)
        for run in runs:
            losses = [s.name for s in run.series.values() if s.kind == "loss" and s.split == "train"]
            chosen = next((n for n in _SB3_TRAIN_LOSS if n in losses), None)
            if chosen is None or len(losses) < 2:
                continue
            run.meta.setdefault("chosen_loss", {})["train"] = chosen
            others = ", ".join(n for n in losses if n != chosen)
            if chosen == "train/loss":
                run.notes.append(f"train loss is train/loss (Stable-Baselines3's total); {others}: its weighted "
                                 "terms, not summed")
            else:
                run.notes.append(f"train loss is {chosen}: Stable-Baselines3 writes no total here ({others} are "
                                 "weighted terms or other objectives), not summed")
        return runs


# --------------------------------------------------------------------------------------------- PySlowFast stdout.log

# slowfast/utils/logging.py: "[%(asctime)s][%(levelname)s] %(filename)s: %(lineno)4d: %(message)s", datefmt
# "%m/%d %H:%M:%S" (older: %(name)s); log_json_stats: logger.info("json_stats: {:s}".format(json.dumps(stats,
# sort_keys=True))), floats "{:.5f}" / "{:.6f}", epoch "{}/{}" and iter "{}/{}" strings.
_SF_PREFIX = re.compile(r"^\[\d\d/\d\d \d\d:\d\d:\d\d\]\[[A-Z]{3,8}+\] [\w.]{1,100}+:\s{0,6}+\d{1,6}+: ")
_SF_STATS = re.compile(r"json_stats: (\{.{0,20000}\})\s*+$")
_SF_FRACTION = re.compile(r"^(\d++)/(\d++)$")
_SF_SKIP = {"_type", "epoch", "iter", "eta", "gpu_mem", "RAM", "dt", "dt_data", "dt_net", "time_diff", "mem"}


def _sf_fraction(v) -> tuple[int, int] | None:
    m = _SF_FRACTION.match(v) if isinstance(v, str) else None
    return (int(m.group(1)), int(m.group(2))) if m and int(m.group(2)) > 0 else None


class PySlowFastLogReader(_ToolText):
    name = "pyslowfast-log"
    description = "PySlowFast stdout.log: '[MM/DD hh:mm:ss][INFO] logging.py:   99: json_stats: {\"_type\": \"train_iter\", ...}'"
    example = "checkpoints/stdout.log"
    counter = "iteration"
    what = "PySlowFast 'json_stats: {...}' records"
    hint = re.compile(r"json_stats")

    def detect(self, lines: list[str]) -> bool:
        n = 0
        for ln in lines:
            if ln.startswith("[") and _SF_PREFIX.match(ln):
                if "json_stats: {" in ln:
                    return True
                n += 1
        return n >= 3

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        import json

        per_epoch = 0
        last_step = math.nan
        for i, ln in enumerate(lines, start=1):
            if "json_stats" not in ln:
                if "Train with config" in ln and _SF_PREFIX.match(ln):
                    pts.end_run()  # train_net.train's first message: another training starts
                continue
            m = _SF_STATS.search(ln)
            if not m:
                continue
            try:
                rec = json.loads(m.group(1))
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            kind = str(rec.get("_type", "")).rstrip("_")
            ep = _sf_fraction(rec.get("epoch"))
            if ep is None:
                continue
            if kind == "train_iter":
                it = _sf_fraction(rec.get("iter"))
                if it is None:
                    continue
                per_epoch = it[1]
                step = float((ep[0] - 1) * it[1] + it[0])
                pts.tick(step, i)
                last_step = step
                epoch = ep[0] - 1 + it[0] / it[1]
                suffix, role = "", {}
            elif kind in ("train_epoch", "val_epoch"):
                step = float(ep[0] * per_epoch) if per_epoch else last_step
                epoch = float(ep[0])
                if kind == "train_epoch":
                    suffix, role = "_epoch", {}
                else:
                    suffix, role = "", {"loss_split": "val", "metric_split": "val"}
            else:
                continue  # val_iter / test records: the epoch's are read
            for key, v in rec.items():
                x = to_float(v) if key not in _SF_SKIP else None
                if x is None:
                    pts.seen.setdefault(key, None)
                    continue
                name = f"val_{key}" if kind == "val_epoch" else f"{key}{suffix}"
                pts.add(name, x, step=step, epoch=epoch, replace_same_x=True, **role)


# --------------------------------------------------------------------------------------------- gluefactory train.py

# cvg/glue-factory's gluefactory/train.py (LightGlue's training): logger.info(f"Training loader has
# {len(train_loader)} batches"); every log_every_iter iterations logger.info("[E {} | it {}] loss {{{}}}".format(epoch,
# it, ", ".join(f"{k} {v:.3E}" for k, v in losses.items()))), the iteration counted from 0 again in every epoch; at
# it % eval_every_iter == 0 (it > 0, or it 0 of the first epoch) and at it == len(train_loader) - 1, after that
# iteration's line, logger.info(f'[Validation] {{{", ".join(f"{k} {v:.3E}" ...)}}}'). Its TensorBoard step is tot_it
# = len(train_loader) * epoch + it (times the GPUs); the logger's prefix "[%m/%d/%Y %H:%M:%S gluefactory INFO] ".
_GF_TRAIN = re.compile(r"\[E (\d++) \| it (\d++)\] loss \{([^{}\n]{0,20000}+)\}\s*+$")
_GF_VAL = re.compile(r"\[Validation\] \{([^{}\n]{0,20000}+)\}\s*+$")
_GF_LOADER = re.compile(r"Training loader has (\d++) batches")


def _gf_items(body: str) -> dict[str, float]:
    """``total 1.597E+00, last 9.226E-01, ...``: name -> value (a value that is no number left out)."""
    out: dict[str, float] = {}
    for item in body.split(", "):
        name, _, value = item.strip().rpartition(" ")
        v = to_float(value)
        if name and v is not None:
            out.setdefault(name, v)
    return out


class GluefactoryLogReader(_ToolText):
    name = "gluefactory-log"
    description = ("gluefactory (LightGlue) train.py log: '[E 0 | it 100] loss {total 1.597E+00, ...}', "
                   "'[Validation] {...}'")
    example = "outputs/training/<experiment>/log.txt"
    counter = "iteration"
    splice_resumes = True  # --restore continues the epochs and iterations of the checkpoint
    what = "gluefactory '[E N | it N] loss {...}' lines"
    hint = re.compile(r"\[E \d|\[Validation\]")

    def detect(self, lines: list[str]) -> bool:
        return any("| it " in ln and _GF_TRAIN.search(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        # (kind, epoch, it, values, line, batches per epoch): placed once the records around each are known
        recs: list[tuple[str, int, int, dict[str, float], int, int | None]] = []
        batches: int | None = None
        epoch = it = -1
        for i, ln in enumerate(lines, start=1):
            if "] loss {" in ln and (m := _GF_TRAIN.search(ln)):
                epoch, it = int(m.group(1)), int(m.group(2))
                recs.append(("train", epoch, it, _gf_items(m.group(3)), i, batches))
            elif "[Validation] {" in ln and (m := _GF_VAL.search(ln)):
                if epoch >= 0:  # (an evaluation before any training line: no iteration to place it at)
                    recs.append(("val", epoch, it, _gf_items(m.group(1)), i, batches))
            elif "Training loader has" in ln and (m := _GF_LOADER.search(ln)):
                batches = int(m.group(1)) or None
        # Without the loader's line, an epoch's iterations are counted as the most an epoch reached plus the logging
        # interval (at least what the epoch had: the last batches are never logged after the last interval).
        its: dict[int, list[int]] = {}
        for kind, e, n, _, _, _ in recs:
            if kind == "train":
                its.setdefault(e, []).append(n)
        steps = [b - a for v in its.values() for a, b in itertools.pairwise(sorted(set(v))) if b > a]
        every = min(steps) if steps else 1
        guess = max((max(v) for v in its.values()), default=0) + every
        if any(b is None for *_, b in recs):
            pts.note(f"gluefactory's iteration starts again at every epoch: counted on across epochs at {guess} "
                     f"iterations an epoch (the most an epoch reached, {guess - every}, plus the logging interval "
                     f"{every}: the log does not say how many batches its loader has)")
        # Where each evaluation stands: gluefactory evaluates after an iteration's line at every eval_every_iter-th
        # iteration and at the epoch's last (it == len(train_loader) - 1, never logged unless on the interval). One
        # printed between two training lines of an epoch is at the line before it (the interval: their gcd); the
        # second after one training line, or the one alone before the next epoch's first line (or the log's end, off
        # the interval), is at the epoch's last iteration.
        mids = [r[2] for j, r in enumerate(recs) if r[0] == "val" and j + 1 < len(recs)
                and recs[j + 1][0] == "train" and recs[j + 1][1] == r[1]]
        interval = math.gcd(*[n for n in mids if n > 0]) if any(n > 0 for n in mids) else 0
        after = 0  # evaluations since the last training line
        for j, (kind, e, n, values, line, b) in enumerate(recs):
            per = b or guess
            after = after + 1 if kind == "val" else 0
            nxt = recs[j + 1] if j + 1 < len(recs) else None
            if kind == "val" and (after > 1 or (nxt is not None and nxt[0] == "train" and nxt[1] > e)
                                  or (nxt is None and not (interval and n % interval == 0))):
                n = max(n, per - 1)
            step = float(e * per + n)
            pts.tick(step, line)
            for name, v in values.items():
                key = f"loss/{name}" if kind == "train" else f"val/{name}"
                pts.add(key, v, step=step, epoch=e + n / per, replace_same_x=True,
                        **({} if kind == "train" else {"loss_split": "val", "metric_split": "val"}))


READERS = [Detectron2LogReader, NnUnetLogReader, XgboostLogReader, LightgbmLogReader, CatboostLogReader,
           PaddleLogReader, UltralyticsConsoleReader, Sb3ConsoleReader, PySlowFastLogReader, GluefactoryLogReader]
