"""Text logs of particular training tools, each recognised by the shape of its lines (formats as their source
code writes them):

- ``fairseq``: ``--log-format json`` (``[train_inner][INFO] - {"epoch": 1, "update": 0.385, "loss": "11.52", ...,
  "num_updates": "200"}`` with hydra, ``... | INFO | train_inner | {...}`` without; ``[train]`` epoch summaries with
  ``train_``-prefixed keys; validation summaries tagged with the subset, ``[valid]``/``[dev-other]``, keys prefixed
  ``valid_``/``dev-other_``) and ``--log-format simple`` (``epoch 001:    100 / 1000 loss=4.2, ...,
  num_updates=100``; ``epoch 001 | loss 4.2 | ...``; ``epoch 001 | valid on 'valid' subset | loss 4.1 | ...``;
  fairseq up to 0.9 printed these with a leading ``| ``). Simple-format summaries get the same prefixed names as
  the JSON ones (``train_loss``, ``valid_loss``). Steps are ``num_updates``; ``update`` is the fractional epoch.
- ``megatron``: Megatron-LM ``iteration N/ M | ... | lm loss: X | ... | number of nan iterations: K |`` and
  ``validation loss at iteration N | lm loss value: X | lm loss PPL: Y |`` (series ``validation lm loss``; a final
  ``... on test set`` evaluation is ``test lm loss``; PPL is exp(loss) and not read). Megatron leaves an average
  loss out of the line when it is NaN (it prints it only when above 0): a loss missing from a complete line is
  read as NaN, with a note.
- ``hf-stdout``: the dicts the Hugging Face Trainer prints (``{'loss': 0.41, 'grad_norm': ..., 'learning_rate':
  ..., 'epoch': 0.5}``, ``{'eval_loss': ...}``), also inside tqdm progress output and with values as strings
  (ms-swift); the final summary (``train_runtime``, ``train_loss``: the mean over the run) is run metadata, not a
  curve point. Dicts printed by user code after other text (``eval_results= {...}``) are not Trainer logs. A dict
  printed again right after itself, the same values at the same epoch with more keys or fewer (a trainer printing
  each evaluation's dict, then the same dict with its ``eval_lm_*`` keys), is one record (a note says how many).
- ``torchtune``: the DiskLogger / StdoutLogger lines ``Step N | loss:X lr:Y tokens_per_second_per_gpu:Z ``.
- ``cyclegan-log``: pytorch-CycleGAN-and-pix2pix's ``loss_log.txt``: a ``===== Training Loss (<time>) =====``
  header at each launch, then ``(epoch: 1, iters: 100, time: 0.512, data: 0.004) D_A: 0.253 G_A: 0.512 cycle_A:
  1.234 idt_A: 0.456 ...``: on the step axis (iters counts within an epoch: counted on across epochs, the epoch
  kept); every name is one of the model's losses (``loss_D_A``...: train losses). A launch whose lines start again
  (not after the last line's epoch and iters) is a training of its own; one that goes on is a resumed run.
- Joey NMT's ``train.log`` (read for the plain-text reader, format ``text``): ``Epoch N Step: S Batch Loss: X Tokens
  per Sec: T, Lr: L`` (``Batch_Loss``, the train loss, on the step axis; the speed is not read), ``Epoch N: total
  training loss X`` (a per-epoch sum over the batches: ``total_training_loss``, an extra series), ``Validation result
  (greedy) at epoch N, step S: bleu: B, loss: X, ppl: P, duration: D`` (``val_bleu``, ``val_loss``, ``val_ppl`` at S).
- timm's ``train.py`` and JDE's (Towards-Realtime-MOT) ``train.py`` (read for the plain-text reader, format ``text``):
  ``Train: E [b/N (p%)]  Loss: x (avg) ...`` (each value at its batch, on the step axis) and ``Test: [N/N] ... Loss: x
  (avg)  Acc@1: ...`` (the running averages at the last batch: the epoch's ``val_Loss``, ``val_Acc@1``...); JDE's
  ``Epoch Batch box conf id total nTargets time`` header then ``E/N b/M`` rows (``total`` the train loss), ``AP: x``.
- ``nanogpt-log``: build-nanogpt's ``log/log.txt``: ``<step> train <loss>``, ``<step> val <loss>``,
  ``<step> hella <accuracy>`` (roles from ``naming.FAMILY_NAMES``).

A log holding several trainings appended (the tool's counter goes back) is read as one run per training. A last
line without a line end (a run still writing) is skipped, with a note. The plain-text reader (``text.py``) hands
a log to these families too when their lines first appear beyond the head that sniffing sees.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

from lossdoc import naming
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import family_role_name, is_bookkeeping, resolve
from lossdoc.readers._runs import RunPoints, to_float
from lossdoc.readers.base import HEAD_BYTES, Reader, Source, decode_text

# ANSI colour / cursor codes and OSC titles (colourised loggers, tqdm).
ANSI = re.compile(r"\x1b\[[0-9;?]*+[A-Za-z]|\x1b\][^\x07\x1b]*+(?:\x07|\x1b\\)")


def clean_lines(text: str) -> tuple[list[str], bool]:
    """Lines without ANSI codes, and whether the text ends with a line end (False: the last line may be cut)."""
    if "\x1b" in text:
        text = ANSI.sub("", text)
    return text.split("\n"), text.endswith("\n")


def head_lines(head: bytes) -> list[str] | None:
    """The complete lines of a sniffed head (the last one dropped when the head was cut at its size)."""
    try:
        text = decode_text(head, "")
    except InputError:
        return None
    lines, _ = clean_lines(text)
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return lines


class _ToolText(Reader):
    """A tool's text log: ``detect`` finds the tool's lines, ``parse`` reads the whole text."""

    priority = 40
    #: Whether the tool's counter going back inside the training's range is a resume from a checkpoint (spliced
    #: into one run: a tool whose resume continues its iteration counter, as Megatron-LM's and detectron2's do) or
    #: another training appended to the log (a run of its own, the default).
    splice_resumes = False
    counter = "step"

    def detect(self, lines: list[str]) -> bool:
        raise NotImplementedError

    def sniff(self, head: bytes, path: Path | None) -> bool:
        lines = head_lines(head)
        return bool(lines) and self.detect(lines)

    def read(self, source: Source) -> list[Run]:
        return self.parse(source.text(), source.label)

    def parse(self, text: str, label: str) -> list[Run]:
        lines, complete = clean_lines(text)
        pts = RunPoints(self.counter, splice_resumes=self.splice_resumes)
        last = len(lines)
        if not complete and lines[-1].strip():
            last -= 1  # a line the tool has not finished writing
        self.collect(lines[:last], pts)
        runs = pts.build(label, self.name)
        if not runs:
            what = self.what
            raise InputError(label, f"no {what} found" if not pts.seen else f"no numeric series in its {what}")
        if last < len(lines) and self.hint.search(lines[-1]):
            runs[-1].notes.append(
                f"the last line ({last + 1}) has no line end (the run was still writing?): skipped"
            )
        return runs

    what = "log lines"
    hint = re.compile(r"\d")  # a cut last line that matches this was one of the tool's lines (said in a note)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        raise NotImplementedError


# --------------------------------------------------------------------------------------------------- Megatron

_MEG_ITER = re.compile(r"(?<![\w-])iteration\s++(\d++)\s*+/\s*+(\d++)\s*+\|")
_MEG_VAL = re.compile(r"(?<![\w-])validation loss at ([^|\n]{0,300}+)\|")
_MEG_ARGS = re.compile(r"^-{8,} arguments -{8,}\s*$")
_ITERATION_N = re.compile(r"iteration\s++(\d++)")


def _pipe_fields(rest: str) -> dict[str, float]:
    """``key: value |`` fields; only fields closed by ``|`` (text glued after the last one is not a field)."""
    out: dict[str, float] = {}
    for field in rest.split("|")[:-1]:
        key, sep, value = field.rpartition(":")
        key = " ".join(key.split())
        if not sep or not key or len(key) > 100:
            continue
        v = to_float(value)
        if v is not None:
            out.setdefault(key, v)
    return out


class MegatronReader(_ToolText):
    name = "megatron"
    description = "Megatron-LM / Megatron-DeepSpeed stdout: 'iteration N/ M | ... lm loss: X |', 'validation loss at'"
    example = "logs/train_gpt.out"
    counter = "iteration"
    what = "Megatron 'iteration N/ M | ...' lines"
    hint = re.compile(r"iteration|validation loss")
    splice_resumes = True

    def detect(self, lines: list[str]) -> bool:
        for ln in lines:
            if "iteration" in ln and (_MEG_ITER.search(ln) or _MEG_VAL.search(ln)):
                return True
            if "arguments" in ln and _MEG_ARGS.match(ln):
                return True  # Megatron's argument dump, printed before the first iteration
        return False

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        losses: set[str] = set()
        segment = None
        last_it = math.nan
        missing = nan_iters = 0
        for i, ln in enumerate(lines, start=1):
            if "iteration" not in ln:
                continue
            m = _MEG_ITER.search(ln)
            if m:
                it = float(m.group(1))
                pts.tick(it, i)
                if pts.current is not segment:
                    segment, losses = pts.current, set()
                last_it = it
                got = _pipe_fields(ln[m.end() - 1 :])
                for key, v in got.items():
                    pts.add(key, v, step=it)
                    if resolve(key).kind == "loss" and not is_bookkeeping(key):
                        losses.add(key)
                nan_iters += int(got.get("number of nan iterations", 0) > 0)
                if "number of nan iterations" in got:  # a complete line: a loss left out was not above 0
                    for key in sorted(losses - got.keys()):
                        pts.add(key, math.nan, step=it)
                        missing += 1
                continue
            m = _MEG_VAL.search(ln)
            if m:
                where = m.group(1)
                n = _ITERATION_N.search(where)
                step = float(n.group(1)) if n else last_it
                split = naming.SPLIT_LONG_WORDS["test" if re.search(r"\btest\b", where) else "val"]
                for key, v in _pipe_fields(ln[m.end() - 1 :]).items():
                    if key.endswith("PPL"):
                        continue  # exp(loss), capped at exp(20): the loss itself is read
                    name = f"{split} {key.removesuffix(' value')}"
                    pts.add(name, v, step=step, replace_same_x=True, loss_split="val", metric_split="val")
        if missing:
            pts.note(
                f"{missing} loss value(s) missing from complete iteration lines read as NaN (Megatron prints an "
                "average loss only when it is above 0: a NaN is left out)"
            )
        if nan_iters:
            pts.note(f"{nan_iters} iteration line(s) report NaN iterations ('number of nan iterations' above 0)")


# --------------------------------------------------------------------------------------------------- fairseq

_FS_HYDRA = re.compile(r"^\[[^\]\n]{0,64}+\]\[([^\]\n]{1,128}+)\]\[[A-Z]++\] - (.*)$")
_FS_PLAIN = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d++)? \| [A-Z]++ \| ([^|\n]{1,128}+)\| (.*)$")
_FS_INNER = re.compile(r"^(?:\|\s*+)?epoch (\d++):\s*+(\d++) / (\d++) (.*)$")
_FS_SUMMARY = re.compile(r"^(?:\|\s*+)?epoch (\d++) \| (.*)$")
_FS_VALID_ON = re.compile(r"^valid on '([^']{1,128}+)' subset$")
# The simple format's "epoch 001 | ..." pads the epoch with zeros; an unpadded three-digit epoch counts only beside
# fairseq's own counters (a training loop's "epoch 100 | loss 0.97 | val_loss 0.88" is not fairseq).
_FS_DETECT = re.compile(
    r"\[(?:train_inner|train)\]\[[A-Z]++\] - \{\"|\| (?:train_inner|train) \| \{\"|"
    r"(?:^|\| |- )epoch (?:0\d{2,}+(?::\s++\d++ / \d++ | \| )|\d{3,}+(?::\s++\d++ / \d++ | \| ).*\b(?:num_updates|wps|ups)\b)"
)


def _fs_message(line: str) -> tuple[str | None, str]:
    """(logger name or None, message) of a fairseq log line."""
    m = _FS_HYDRA.match(line)
    if m:
        return m.group(1), m.group(2)
    m = _FS_PLAIN.match(line)
    if m:
        return m.group(1).strip(), m.group(2)
    return None, line.strip()


class FairseqReader(_ToolText):
    name = "fairseq"
    description = "fairseq train.log / stdout: --log-format json ([train_inner] {...}) or simple ('epoch 001 | loss 4.2')"
    example = "checkpoints/train.log"
    counter = "num_updates"
    what = "fairseq train_inner/train/valid lines"
    hint = re.compile(r"epoch|train_inner")

    def detect(self, lines: list[str]) -> bool:
        return any("epoch" in ln and _FS_DETECT.search(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        subsets: list[str] = []  # validation subsets in the order met; the first is fairseq's own valid set
        for i, ln in enumerate(lines, start=1):
            if "epoch" not in ln:
                continue
            tag, msg = _fs_message(ln)
            if msg.startswith('{"'):
                found = self._json(tag, msg)
                if found is None:
                    continue
                tag, stats, epoch = found
            elif m := _FS_INNER.match(msg):
                stats = {}
                for item in m.group(4).split(", "):
                    k, sep, v = item.partition("=")
                    if sep:
                        stats[k.strip()] = v
                n, size = int(m.group(2)), int(m.group(3))
                tag, epoch = "train_inner", int(m.group(1)) - 1 + n / size if size else math.nan
            elif m := _FS_SUMMARY.match(msg):
                pieces = [p.strip() for p in m.group(2).split(" | ")]
                subset = _FS_VALID_ON.match(pieces[0]) if pieces else None
                if subset:
                    pieces = pieces[1:]
                tag = subset.group(1) if subset else (tag if tag and tag != "train_inner" and "." not in tag
                                                      else "train")
                stats = {}
                for p in pieces:
                    k, sep, v = p.rpartition(" ")
                    if sep and k:
                        stats[f"{tag}_{k}"] = v
                epoch = float(m.group(1))
            else:
                continue
            if tag not in ("train_inner", "train") and tag not in subsets:
                subsets.append(tag)
            self._add(i, tag, stats, pts, epoch, subsets)

    @staticmethod
    def _json(tag: str | None, msg: str) -> tuple[str, dict, float] | None:
        if tag is not None and "." in tag and tag not in ("train_inner", "train"):
            return None  # a module's logger (fairseq.trainer...), not a progress bar's stats
        try:
            obj = json.loads(msg)
        except (ValueError, RecursionError):
            return None
        if not isinstance(obj, dict) or "epoch" not in obj:
            return None
        epoch = to_float(obj.get("epoch"))
        if tag is None:  # fairseq <= 0.9 printed the JSON bare: the keys tell the kind of line
            loss_keys = [k for k in obj if k.endswith("_loss")]
            tag = "train_inner" if "update" in obj else (loss_keys[0][:-5] if loss_keys else "train_inner")
        if tag == "train_inner":
            update = to_float(obj.get("update"))
            epoch = update if update is not None else epoch
        return tag, obj, math.nan if epoch is None else epoch

    @staticmethod
    def _add(i: int, tag: str, stats: dict, pts: RunPoints, epoch: float, subsets: list[str]) -> None:
        """One line's stats. Steps are num_updates (``<tag>_num_updates`` in summaries). Summary keys carry the
        tag as a prefix (``train_loss``, ``dev-other_loss``); the first validation subset's are named ``valid_*``
        (fairseq's default subset name), which marks ``valid_loss`` as the validation total rather than one of
        several losses to add up."""
        prefix = "" if tag == "train_inner" else f"{tag}_"
        step = to_float(stats.get(f"{prefix}num_updates"))
        step = math.nan if step is None else step
        pts.tick(step, i)
        role = {} if tag in ("train_inner", "train") else {"loss_split": "val", "metric_split": "val"}
        rename = tag not in (*naming.FAIRSEQ_TRAIN_TAGS, naming.FAIRSEQ_VALID_TAG) and subsets and tag == subsets[0]
        if rename:
            pts.note(
                f"fairseq's first validation subset '{tag}' (the one it selects checkpoints on) is named "
                f"valid_*: {tag}_loss -> valid_loss"
            )
        for key, value in stats.items():
            bare = key.removeprefix(prefix) if prefix and key.startswith(prefix) else key
            # best_loss: the running minimum of the validation loss, not a measurement of its own
            if bare in ("epoch", "update") or bare.startswith("best_") or is_bookkeeping(bare):
                pts.seen.setdefault(key, None)
                continue
            v = to_float(value)
            if v is not None:
                pts.add(f"valid_{bare}" if rename else key, v, step=step, epoch=epoch, **role)


# --------------------------------------------------------------------------------------------------- HF stdout

# The start of a dict the Trainer prints: "{'loss': ..." (also right after a tqdm bar, on the same line).
_HF_START = re.compile(r"\{'[^'\n]{1,200}+': ")
_HF_LOG_PREFIX = re.compile(r"(?<![\w.])(?:INFO|DEBUG|WARNING)(?![\w.])[^{}\n]{0,100}+$")
_HF_NONFINITE = re.compile(r"(:\s*+)(-?(?:nan|inf))(?=\s*+[,}])")
_HF_KEYS = ("loss", "eval_loss", "train_runtime", "learning_rate", "grad_norm", "epoch")


def _hf_dict(line: str) -> dict | str | None:
    """The Trainer dict on a line; "cut" when it starts but does not end; None when there is none."""
    m = _HF_START.search(line)
    if m is None:
        return None
    prefix = line[: m.start()].rstrip()
    # After a tqdm bar ("... 1.2s/it]") or a logging prefix ("... INFO -"); after other text ("eval_results= ") it
    # is a print of user code, not the Trainer's log.
    if prefix and not prefix.endswith("]") and not _HF_LOG_PREFIX.search(prefix):
        return None
    end = line.rfind("}")
    if end < m.start():
        return "cut"
    if line[end + 1 :].strip():
        return None
    body = _HF_NONFINITE.sub(r"\1'\2'", line[m.start() : end + 1])
    try:
        d = ast.literal_eval(body)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(d, dict) or not any(k in d for k in _HF_KEYS) and not any(
        isinstance(k, str) and k.startswith("eval_") for k in d
    ):
        return None
    return d


class HfStdoutReader(_ToolText):
    name = "hf-stdout"
    description = "Hugging Face Trainer stdout: {'loss': ..., 'learning_rate': ..., 'epoch': ...} dicts, tqdm and all"
    example = "slurm-1234.out"
    counter = "epoch"
    what = "Trainer log dicts ({'loss': ..., 'epoch': ...})"
    hint = re.compile(r"\{'")

    def detect(self, lines: list[str]) -> bool:
        for ln in lines:
            if "{'" in ln and ("loss" in ln or "train_runtime" in ln):
                d = _hf_dict(ln)
                if isinstance(d, dict) and ("epoch" in d or "train_runtime" in d):
                    return True
        return False

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        cut = 0
        prev: dict | None = None  # the last record read
        again = 0
        for i, ln in enumerate(lines, start=1):
            if "{'" not in ln:
                continue
            d = _hf_dict(ln)
            if d is None:
                continue
            if d == "cut":
                cut = i
                continue
            if prev is not None and d.get("epoch") == prev.get("epoch") and _printed_again(prev, d):
                # the record printed again, the same values with more keys or fewer (a trainer that prints each
                # evaluation's dict, then the same dict with its eval_lm_* keys added): one record, not two points
                again += 1
                d, prev = {k: v for k, v in d.items() if k not in prev or k in ("epoch", "step")}, {**prev, **d}
            else:
                prev = d
            epoch = to_float(d.get("epoch"))
            step = to_float(d.get("step"))
            gs = d.get("global_step/max_steps")  # ms-swift: '12/294'
            if step is None and isinstance(gs, str) and "/" in gs:
                step = to_float(gs.split("/", 1)[0])
            epoch = math.nan if epoch is None else epoch
            step = math.nan if step is None else step
            pts.tick(epoch if math.isfinite(epoch) else step, i)
            if "train_runtime" in d:  # the summary of the whole training: not a point on a curve
                for k, v in d.items():
                    f = to_float(v)
                    if f is not None and k != "epoch":
                        pts.current.meta[f"summary/{k}"] = f
                pts.note(
                    "the Trainer's final summary dict (train_runtime, train_loss: the mean over the whole "
                    "training) is not a curve point: kept as run metadata (summary/...)"
                )
                continue
            for k, v in d.items():
                if k in ("epoch", "step", "global_step/max_steps"):
                    continue
                f = to_float(v)
                if f is None:
                    pts.seen.setdefault(str(k), None)
                    continue
                pts.add(str(k), f, step=step, epoch=epoch)
        if cut:
            pts.note(f"line {cut} holds a Trainer dict cut short (the run was still writing?): skipped")
        if again:
            pts.note(f"{again} dict(s) printed again right after themselves (the same values at the same epoch, with "
                     "more keys or fewer): read once, with the keys only the second one has")


def _printed_again(a: dict, b: dict) -> bool:
    """Whether dict ``b`` is dict ``a`` printed again: one holds the other's every key with the same value."""
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    return all(k in big and big[k] == v for k, v in small.items())


# --------------------------------------------------------------------------------------------------- torchtune

_TT = re.compile(r"^\s*+Step (\d++) \| (.*)$")
_TT_ITEM = re.compile(r"([A-Za-z_][\w/.\-]*+):(\S++)")


class TorchtuneReader(_ToolText):
    name = "torchtune"
    description = "torchtune DiskLogger log_*.txt / StdoutLogger: 'Step N | loss:X lr:Y ...'"
    example = "output/logs/log_1700000000.txt"
    counter = "step"
    what = "torchtune 'Step N | name:value' lines"
    hint = re.compile(r"^\s*Step \d")

    def detect(self, lines: list[str]) -> bool:
        return any("Step " in ln and (m := _TT.match(ln)) and _TT_ITEM.search(m.group(2)) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        for i, ln in enumerate(lines, start=1):
            if "Step " not in ln:
                continue
            m = _TT.match(ln)
            if not m:
                continue
            step = float(m.group(1))
            pts.tick(step, i)
            for item in _TT_ITEM.finditer(m.group(2)):
                v = to_float(item.group(2))
                if v is None:
                    pts.seen.setdefault(item.group(1), None)
                else:
                    pts.add(item.group(1), v, step=step)


# --------------------------------------------------------------------------------------------------- build-nanogpt

_NANO = re.compile(r"^\s*+(\d++)\s++([A-Za-z_][\w/.\-]*+)\s++(\S++)\s*+$")


class NanoGptLogReader(_ToolText):
    name = "nanogpt-log"
    description = "build-nanogpt log/log.txt: '<step> train <loss>', '<step> val <loss>', '<step> hella <acc>'"
    example = "log/log.txt"
    priority = 28  # before the tabular readers: "0 train 10.9" lines are not a table
    counter = "step"
    what = "'<step> <name> <value>' lines"
    hint = re.compile(r"^\s*\d")

    def detect(self, lines: list[str]) -> bool:
        rows = [ln for ln in lines if ln.strip()]
        if len(rows) < 3:
            return False
        hits = [m for ln in rows[:400] if (m := _NANO.match(ln))]
        if len(hits) < 0.9 * min(len(rows), 400):
            return False
        names = {m.group(2) for m in hits}
        return any(resolve(family_role_name(self.name, n) or n).kind == "loss" for n in names)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        other = 0
        for i, ln in enumerate(lines, start=1):
            m = _NANO.match(ln)
            if not m:
                other += bool(ln.strip())
                continue
            step = float(m.group(1))
            pts.tick(step, i)
            name, v = m.group(2), to_float(m.group(3))
            if v is None:
                other += 1
                continue
            role = family_role_name(self.name, name)
            pts.add(name, v, step=step, **({"role_name": role} if role else {}))
        if other:
            pts.note(f"skipped {other} line(s) that are not '<step> <name> <value>'")


# --------------------------------------------------------------------------------------------- CycleGAN / pix2pix

# junyanz/pytorch-CycleGAN-and-pix2pix, util/visualizer.py: Visualizer.__init__ appends to loss_log.txt
# '================ Training Loss (%s) ================\n' % time.strftime("%c") at every launch, and
# print_current_losses writes message = '(epoch: %d, iters: %d, time: %.3f, data: %.3f) ' % (epoch, iters, t_comp,
# t_data), then '%s: %.3f ' % (k, v) for each of the model's loss_names (CycleGAN: D_A G_A cycle_A idt_A D_B G_B
# cycle_B idt_B; pix2pix: G_GAN G_L1 D_real D_fake): the values of the model's attributes loss_<name>. iters is
# epoch_iter, counted within the epoch. The 2017 version printed '(epoch: %d, iters: %d, time: %.3f) ' (some copies
# pad the numbers: '(epoch: 1 , iters: 1   , time: 3.252)'); forks add 'lr: %.6f' or 'iters: %d/%d' in the brackets.
_CG_LINE = re.compile(
    r"^\(epoch:\s*+(\d++)\s*+,\s*+(?:epoch_)?iters:\s*+(\d++)(?:\s*+/\s*+\d++)?\s*+,[^()\n]{0,200}+\)\s*+(.*+)$"
)
_CG_HEADER = re.compile(r"^={4,}+ Training Loss \([^()\n]{0,100}+\) ={4,}+\s*+$")
_CG_ITEM = re.compile(r"(?<!\S)([A-Za-z][\w/.\-]{0,100}+):\s*+(\S++)")


class CycleGanLogReader(_ToolText):
    name = "cyclegan-log"
    description = ("pytorch-CycleGAN-and-pix2pix loss_log.txt: '(epoch: 1, iters: 100, time: 0.5, data: 0.0) D_A: 0.25 "
                   "G_A: 0.51 cycle_A: 1.23 ...'")
    example = "checkpoints/<name>/loss_log.txt"
    counter = "epoch"
    what = "'(epoch: N, iters: N, ...) name: value' lines"
    hint = re.compile(r"^\(epoch:")

    def detect(self, lines: list[str]) -> bool:
        return any(ln.startswith("(epoch:") and _CG_LINE.match(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        last: tuple[int, int] | None = None
        header = False
        for i, ln in enumerate(lines, start=1):
            if ln.startswith("===") and _CG_HEADER.match(ln):
                header = True  # a launch: a new training, unless the lines after it go on from the last one
                continue
            m = _CG_LINE.match(ln) if ln.startswith("(epoch:") else None
            if not m:
                continue
            at = (int(m.group(1)), int(m.group(2)))
            again = last is not None and (at < last or (header and at == last))
            if again:
                pts.end_run()  # launched again from the start (or the counter went back): a training of its own
            pts.tick(float(at[0]), i)
            if again and header:
                pts.note(f"line {i}: a new launch (its 'Training Loss' header) starts again at epoch {at[0]}, "
                         f"iters {at[1]}: a training of its own")
            elif last is not None and header:
                pts.note(f"line {i}: a new launch goes on at epoch {at[0]}, iters {at[1]} (after epoch {last[0]}, "
                         f"iters {last[1]}): a resumed training (--continue_train), read as the same run")
            header = False
            last = at
            for item in _CG_ITEM.finditer(m.group(3)):
                name, v = item.group(1), to_float(item.group(2))
                if v is None:
                    pts.seen.setdefault(name, None)
                    continue
                # the model's loss_names: each value is the attribute loss_<name> (a name that says what it is
                # on its own, a fork's 'mAP', keeps its own role)
                own = resolve(name).kind != "other"
                pts.add(name, v, step=float(at[1]), epoch=float(at[0]), **({} if own else {"role_name": f"loss_{name}"}))


# --------------------------------------------------------------------------------------------------- Joey NMT

# joeynmt/training.py (TrainManager.train_and_validate), after Python logging's "%(asctime)s %(message)s" prefix:
# "Epoch %3d Step: %8d Batch Loss: %12.6f Tokens per Sec: %8.0f, Lr: %.6f" every logging_freq steps (Joey NMT 2
# writes "Epoch %3d, Step: %8d, Batch Loss: %12.6f, Batch Acc: %.6f, Tokens per Sec: %8.0f, Lr: %.6f"), then
# 'Epoch %3d: total training loss %.2f' at each epoch's end (a sum over the epoch's batches, not a mean: an extra
# series, never the train loss), and 'Validation result (%s) at epoch %3d, step %8d: %s: %6.2f, loss: %8.4f, ppl:
# %8.4f, duration: %.4fs' (the eval metric, the validation's loss and perplexity) at the step.
#: A printed value in the tool lines below (Joey NMT, timm, JDE): a decimal or exponent number, nan or inf.
_VALUE = r"[-+]?(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|(?i:nan|inf))"
_JOEY_STEP = re.compile(
    rf"(?<![\w-])Epoch\s++(\d++),?\s++Step:\s*+(\d++),?\s++Batch Loss:\s*+({_VALUE})"
    rf"(?:,?\s++Batch Acc:\s*+({_VALUE}))?,?\s++Tokens per Sec:\s*+{_VALUE},\s*+Lr:\s*+({_VALUE})\s*+$"
)
_JOEY_TOTAL = re.compile(rf"(?<![\w-])Epoch\s++(\d++): total training loss\s++({_VALUE})\s*+$")
_JOEY_VAL = re.compile(r"(?<![\w-])Validation result(?: \([^()\n]{0,40}+\))? at epoch\s++(\d++), step\s++(\d++): (.*+)$")
_JOEY_ITEM = re.compile(rf"(?<![\w.])([A-Za-z][\w\-]{{0,60}}+):\s*+({_VALUE})(?![\w.\[])")


class JoeyNmtReader(_ToolText):
    """A layout of the plain-text reader (format ``text``), not a reader of its own: the text reader hands it the
    whole log (``FAMILIES``), as it does a tool's lines beyond the sniffed head."""

    name = "text"
    description = ("Joey NMT train.log: 'Epoch N Step: S Batch Loss: X Tokens per Sec: T, Lr: L', "
                   "'Validation result (greedy) at epoch N, step S: bleu: B, loss: X, ppl: P, ...'")
    example = "models/<name>/train.log"
    counter = "step"
    what = "Joey NMT 'Epoch N Step: S Batch Loss: X' lines"
    hint = re.compile(r"Batch Loss:|Validation result")

    def detect(self, lines: list[str]) -> bool:
        return any("Batch Loss:" in ln and _JOEY_STEP.search(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        totals = False
        for i, ln in enumerate(lines, start=1):
            if "Batch Loss:" in ln and (m := _JOEY_STEP.search(ln)):
                step = float(m.group(2))
                pts.tick(step, i)
                # on the step axis (the epoch is in the line too, but a step line is printed about once an epoch)
                pts.add("Batch_Loss", float(m.group(3)), step=step)
                if m.group(4) is not None:
                    pts.add("Batch_Acc", float(m.group(4)), step=step)
                pts.add("Lr", float(m.group(5)), step=step)  # "Tokens per Sec": a speed, not read
                pts.current.meta.setdefault("chosen_loss", {"train": "Batch_Loss"})
            elif "total training loss" in ln and (m := _JOEY_TOTAL.search(ln)):
                pts.add("total_training_loss", float(m.group(2)), epoch=float(m.group(1)))
                totals = True
            elif "Validation result" in ln and (m := _JOEY_VAL.search(ln)):
                step = float(m.group(2))
                pts.tick(step, i)
                for item in _JOEY_ITEM.finditer(m.group(3)):
                    if item.group(1) == "duration":
                        continue
                    pts.add(f"val_{item.group(1)}", float(item.group(2)), step=step)
        if totals:
            pts.note("total_training_loss: Joey NMT's per-epoch sum of its batches' losses (not a mean): an extra "
                     "series; the train loss is Batch_Loss, on the step axis")


# --------------------------------------------------------------------------------------------------- timm

# huggingface/pytorch-image-models train.py, train_one_epoch (through Python logging, any prefix): _logger.info(
# 'Train: {} [{:>4d}/{} ({:>3.0f}%)]  Loss: {loss.val:#.4g} ({loss.avg:#.3g})  Time: {batch_time.val:.3f}s,
# {rate:>7.2f}/s  ({batch_time.avg:.3f}s, {rate_avg:>7.2f}/s)  LR: {lr:.3e}  Data: {data_time.val:.3f}
# ({data_time.avg:.3f})'.format(epoch, batch_idx, len(loader), ...)); forks print more 'Name: val (avg)' losses
# (Loss_gt, Loss_kd). validate: '{0}: [{1:>4d}/{2}]  Time: ... ({...})  Loss: {loss.val:>7.4f} ({loss.avg:>6.4f})
# Acc@1: {top1.val:>7.4f} ({top1.avg:>7.4f})  Acc@5: ...'.format(log_name, batch_idx, last_idx, ...) with
# log_name 'Test' ('Test (EMA)' for the EMA model's evaluation): at batch_idx == last_idx the averages are the
# evaluation's results. '*** Best metric: ...' is a summary, no series.
_TIMM_TRAIN = re.compile(r"(?<![\w-])Train: (\d++) \[\s*+(\d++)/(\d++) \(\s*+\d++(?:\.\d++)?+%\)\]\s++(.*+)$")
_TIMM_TEST = re.compile(r"(?<![\w-])(Test|Valid)( \(EMA\))?+: \[\s*+(\d++)/(\d++)\]\s++(.*+)$")
_TIMM_PAIR = re.compile(rf"(?<![\w@/.\-])([A-Za-z][\w@/.\-]{{0,60}}+):\s*+({_VALUE})\s*+\(\s*+({_VALUE})\s*+\)")
_TIMM_LR = re.compile(rf"(?<![\w-])LR:\s*+({_VALUE})(?![\w.])")
_TIMM_TIMES = ("Time", "Data")
_TIMM_NOTE = ("timm train.py: each 'Name: value (running average)' of a Train line is read at its batch (the value); "
              "the running averages of a Test line at its last batch ([N/N]) are the epoch's val values")


class TimmTrainLogReader(_ToolText):
    """A layout of the plain-text reader (format ``text``), handed the whole log as Joey NMT's is."""

    name = "text"
    description = ("timm train.py: 'Train: 3 [ 100/1251 (  8%)]  Loss: 6.512 (6.78)  ...  LR: 1.0e-03', "
                   "'Test: [  78/78]  ...  Loss: 1.234 (2.345)  Acc@1: ... (...)  Acc@5: ... (...)'")
    example = "output/train/<run>/train.log"
    counter = "step"
    splice_resumes = True  # --resume goes on from the checkpoint's epoch: the counter continues
    what = "timm 'Train: E [b/N (p%)]  Loss: x (avg)' lines"
    hint = re.compile(r"Train: \d|Test: \[")

    def detect(self, lines: list[str]) -> bool:
        return any("Train: " in ln and (m := _TIMM_TRAIN.search(ln)) and "Loss" in m.group(4) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        epoch = step = math.nan
        ema = False
        for i, ln in enumerate(lines, start=1):
            if "Train: " in ln and (m := _TIMM_TRAIN.search(ln)):
                epoch, n = float(m.group(1)), float(m.group(3))
                step = epoch * n + float(m.group(2))  # the batch counts within the epoch: counted on across them
                pts.tick(step, i)
                pts.note(_TIMM_NOTE)
                for item in _TIMM_PAIR.finditer(m.group(4)):
                    if item.group(1) not in _TIMM_TIMES:
                        pts.add(item.group(1), float(item.group(2)), step=step, epoch=epoch)  # the batch's value
                if lr := _TIMM_LR.search(m.group(4)):
                    pts.add("LR", float(lr.group(1)), step=step, epoch=epoch)
            elif ": [" in ln and (m := _TIMM_TEST.search(ln)) and m.group(3) == m.group(4) and not math.isnan(epoch):
                if m.group(2):
                    ema = True  # the EMA model's evaluation: not the trained weights' val curve
                    continue
                for item in _TIMM_PAIR.finditer(m.group(5)):
                    if item.group(1) not in _TIMM_TIMES:
                        pts.add(f"val_{item.group(1)}", float(item.group(3)), step=step, epoch=epoch,
                                replace_same_x=True)
        if ema:
            pts.note("the 'Test (EMA)' evaluations (the EMA weights') are not read")


# --------------------------------------------------------------------------------------------------- JDE

# Zhongdao/Towards-Realtime-MOT train.py, through its logger ('%(asctime)s [%(levelname)s]: %(message)s'): once,
# ('%8s%12s' + '%10s' * 6) % ('Epoch', 'Batch', 'box', 'conf', 'id', 'total', 'nTargets', 'time'); then every
# print_interval batches ('%8s%12s' + '%10.3g' * 6) % ('%g/%g' % (epoch, epochs - 1), '%g/%g' % (i, len(dataloader)
# - 1), *rloss.values(), nT, time): rloss, the running mean of each loss over the epoch's batches so far. After each
# epoch test.py prints its table and 'AP: %.4f' (the evaluation's mAP).
_JDE_HEAD = re.compile(r"(?<!\S)Epoch\s++Batch\s++box\s++conf\s++id\s++total\s++nTargets\s++time\s*+$")
_JDE_ROW = re.compile(
    rf"(?<![\w/])(\d++)/(\d++)\s++(\d++)/(\d++)((?:\s++{_VALUE}){{6}})\s*+$"
)
_JDE_AP = re.compile(rf"^AP: ({_VALUE})\s*+$")


class JdeLogReader(_ToolText):
    """A layout of the plain-text reader (format ``text``), handed the whole log as Joey NMT's is."""

    name = "text"
    description = "JDE (Towards-Realtime-MOT) train.py: 'Epoch Batch box conf id total nTargets time', '0/29 40/165 ...'"
    example = "train.log"
    counter = "step"
    what = "JDE 'E/N b/M box conf id total nTargets time' rows"
    hint = re.compile(r"\d/\d")

    def detect(self, lines: list[str]) -> bool:
        return any("nTargets" in ln and _JDE_HEAD.search(ln) for ln in lines)

    def collect(self, lines: list[str], pts: RunPoints) -> None:
        head = False
        epoch = step = math.nan
        for i, ln in enumerate(lines, start=1):
            if not head:
                head = "nTargets" in ln and bool(_JDE_HEAD.search(ln))
                continue
            if "/" in ln and (m := _JDE_ROW.search(ln)):
                epoch, n = float(m.group(1)), float(m.group(4)) + 1
                step = epoch * n + float(m.group(3))  # the batch counts within the epoch: counted on across them
                pts.tick(step, i)
                vals = [float(v) for v in m.group(5).split()]
                for name, v in zip(("box", "conf", "id", "total"), vals[:4], strict=True):
                    pts.add(name, v, step=step, epoch=epoch, role_name=f"{name}_loss")
                pts.current.meta.setdefault("chosen_loss", {"train": "total"})
                pts.note("JDE: box, conf, id and total are each the running mean over the epoch's batches so far "
                         "(rloss), read at the batch of their row; total (the weighted sum JDE optimises) is the "
                         "train loss")
            elif ln.startswith("AP: ") and (m := _JDE_AP.match(ln)) and not math.isnan(epoch):
                pts.add("val_AP", float(m.group(1)), step=step, epoch=epoch, replace_same_x=True)


READERS = [NanoGptLogReader, MegatronReader, FairseqReader, HfStdoutReader, TorchtuneReader, CycleGanLogReader]
#: The families the plain-text reader hands a log to when their lines appear beyond the sniffed head.
FAMILIES: list[_ToolText] = [
    cls() for cls in (MegatronReader, FairseqReader, HfStdoutReader, TorchtuneReader, CycleGanLogReader,
                      JoeyNmtReader, TimmTrainLogReader, JdeLogReader)
]


def family_for(lines: list[str]) -> _ToolText | None:
    """The tool whose lines a text holds (anywhere in it), or None."""
    for fam in FAMILIES:
        if fam.detect(lines):
            return fam
    return None


def read_as_family(text: str, label: str) -> list[Run] | None:
    """A text log read by the tool family whose lines it holds, or None when it holds none."""
    lines, _ = clean_lines(text)
    fam = family_for(lines)
    return None if fam is None else fam.parse(text, label)
