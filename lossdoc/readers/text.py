"""Plain-text stdout of a training script, and the fallback for every text log no other reader claims.

Shapes understood:

- Keras progress output: an ``Epoch 3/20`` line followed by progress lines such as
  ``32/32 - 0s - 5ms/step - accuracy: 0.8612 - loss: 0.4123 - val_loss: 0.52`` (verbose=2) or the redrawn bar of
  verbose=1 (``\\r`` and ``\\b`` from redrawing). Only the final, complete progress line of each epoch counts.
  ``Epoch N/M`` is Keras' 1-based display of epoch N-1; epochs are stored 0-based, as Keras' CSVLogger writes them.
- Lines that carry an epoch/step/iter marker and ``name[:=] number`` pairs: nanoGPT's
  ``step 500: train loss 1.8712, val loss 1.9843``, ``iter 100: loss 2.31, time 45ms``,
  ``Epoch 3 | train_loss=0.41 val_loss=0.52``, ``[epoch 3] loss: 0.41 acc: 0.86``, and Python-logging lines
  (``2024-05-01 12:00:03 INFO epoch=3 train_loss=0.41``: the marker is looked for after the level), and compact
  lines (``ep 3 | tr 0.41 | va 0.52``: ``ep`` marks the epoch; a bare split word printed with one number is that
  split's loss, ``naming.bare_split_loss``), and PyTorch's tutorial lines ``[2,  2000] loss: 1.234`` (epoch, batch
  within it: the batch counts on across epochs), and ``Epoch 3: 0.412`` (a marker and one unnamed number: the
  loss). The marker's number is stored as written. A value redrawn on the
  same epoch/step (tqdm) keeps its last reading.
- Blocks: a marker line (``Epoch 3``, OLMo's ``[step=12/15000,epoch=0]``) followed by lines that hold nothing but
  ``name: value`` / ``name=value`` pairs (indented or not, thousands separators allowed: ``2,097,152``); the block
  ends at the next line that is neither.
- The text logs of particular tools (``toollogs.py``: fairseq, Megatron-LM, Hugging Face Trainer dicts, torchtune)
  whose lines start beyond the head that sniffing sees: the whole text is handed to that tool's reader.

Every other line (warnings, model summaries, chatter) is ignored. A text with no such line at all is not a
training log, and the error lists the patterns tried.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.naming import bare_split_loss, is_bookkeeping, resolve
from lossdoc.readers.base import HEAD_BYTES, Reader, Source, build_series, decode_text, require_series
from lossdoc.readers.toollogs import ANSI, FAMILIES, read_as_family

# The patterns below use possessive quantifiers (*+, ++) and anchor names at a word start, so that a hostile line
# (a megabyte of digits, letters or spaces) is scanned in linear time instead of backtracking for hours.
_NUMBER = r"[-+]?(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|\.\d++(?:[eE][-+]?\d++)?|(?i:nan|inf(?:inity)?))"
# In a line of nothing but pairs a number may have thousands separators (OLMo: "total_tokens=2,097,152").
_KV_NUMBER = rf"[-+]?\d{{1,3}}+(?:,\d{{3}})++(?:\.\d++)?(?![\d,])|{_NUMBER}"
_KERAS_EPOCH = re.compile(r"^\s*Epoch\s+(\d+)\s*/\s*(\d+)\s*$")
# A Keras progress line: "32/32" then a bar, time, or "-" and at least one " - name: value" pair.
_KERAS_PROGRESS = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\b")
_KERAS_PAIR = re.compile(rf"(?:^|\s)-\s++([A-Za-z_][\w/.\-]*+)\s*+:\s*+({_NUMBER})(?![\w.:])")
# An epoch/step/iteration marker and its number ("Epoch 3", "[epoch 3]", "ep 3 |", "step 500:", "iter=100",
# "Epoch 3/20", "Epoch [021/30]", "Step (40/100)").
_MARKER = re.compile(
    r"(?<![\w/])(epoch|ep|step|global[_ ]step|iter|iteration)\b\s*+[:=#]?\s*+[\[(]?\s*+(\d++)(?:\s*+/\s*+\d++)?"
    r"(?:\s*+[\])])?(?![\w.])",
    re.IGNORECASE,
)
# What is left of a line once its marker is blanked out when it holds one number and nothing else ("Epoch 3: 0.41").
_BARE_VALUE = re.compile(rf"[\s:|,=\-]*+({_NUMBER})\s*+")
# "[epoch, batch]" at the start of a line, as PyTorch's "Training a classifier" tutorial prints its running loss.
_EPOCH_BATCH = re.compile(r"^\s*\[\s*(\d++)\s*,\s*(\d++)\s*\](?=\s)")
# name[:=] number: the name may be two words ("train loss"); units (ms, s, %) may follow the number.
_PAIR = re.compile(
    rf"(?<![\w/.\-])([A-Za-z][\w/.\-]*+(?:[ ][A-Za-z][\w/.\-]*+){{0,2}}?)\s*+[:=]?\s*+({_NUMBER})(?:ms|s|%)?(?![\w.])"
)


# The start of a JSON object or array of arrays/objects/strings ("[2024-01-01 ...] epoch 1" is a log line).
_JSON_START = re.compile(r'\s*(\{\s*"|\[\s*[\[{"])')

# A progress line's first marker starts near the beginning (after at most a timestamp or a logger prefix);
# further in, "epoch 3" is prose (a README, a JSON note), not a log line.
MARKER_MAX_COLUMN = 48
# A logging prefix (time, host, logger name) ends at the level: the message, where markers are looked for, follows.
_LEVEL = re.compile(r"^[^\n]{0,160}?(?<![\w.])(?:INFO|WARNING|WARN|DEBUG|ERROR|CRITICAL|NOTICE)(?![\w.])[\]:|\s-]*+")
# A line of nothing but "name: value" / "name=value" pairs (a block's body); names may hold spaces and units.
_KV_NAME = r"[A-Za-z(][\w/.\-()]*+(?:[ ][A-Za-z(][\w/.\-()]*+){0,4}+"
_KV_ITEM = re.compile(rf"\s*+({_KV_NAME})\s*+[:=]\s*+({_KV_NUMBER})(?:%|ms|s)?+\s*+[,;|]?+")
_KV_LINE = re.compile(rf"\s*+(?:[-*]\s++)?(?:\s*+{_KV_NAME}\s*+[:=]\s*+(?:{_KV_NUMBER})(?:%|ms|s)?+\s*+[,;|]?+)++\s*+")
# What the plain-text reader tries, for the error about a text that is none of them.
PATTERNS = (
    "Keras 'Epoch N/M' + progress lines; lines with an epoch/ep/step/iter marker and name[:=]value pairs "
    "(also after a logging prefix); a marker line followed by name=value lines; fairseq, Megatron-LM, "
    "Hugging Face Trainer {'loss': ...} dicts, torchtune 'Step N |', build-nanogpt '<step> train <loss>'"
)


def _clean(line: str) -> str:
    """The text a terminal would show last: drop ANSI codes and everything a run of backspaces erased."""
    line = ANSI.sub("", line)
    if "\x08" in line:
        parts = [p for p in re.split(r"\x08+", line) if p.strip()]
        line = parts[-1] if parts else ""
    return line


def _keras_pairs(line: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in _KERAS_PAIR.finditer(line)}


def _markers(line: str) -> tuple[dict[str, float], list[tuple[int, int]], str]:
    """The epoch/step numbers a line carries, the spans of its markers, and its leading marker word."""
    found: dict[str, float] = {}
    spans = []
    lead = ""
    m = _EPOCH_BATCH.match(line)
    if m:  # PyTorch's CIFAR-10 tutorial: "[2,  2000] loss: 1.234" (epoch, then the batch within it)
        return {"epoch": float(m.group(1)), "step": float(m.group(2))}, [m.span()], "epoch"
    for m in _MARKER.finditer(line):
        if not spans and m.start() > MARKER_MAX_COLUMN:
            break  # prose that mentions a step or an epoch, not a progress line
        word = re.sub(r"\s+", "_", m.group(1).lower())
        lead = lead or word
        kind = "epoch" if word in ("epoch", "ep") else "step"
        found.setdefault(kind, float(m.group(2)))
        spans.append(m.span())
    return found, spans, lead


def _message(line: str) -> str:
    """A log line without its logging prefix (everything up to the level), or the line itself."""
    m = _LEVEL.match(line)
    return line[m.end() :] if m else line


def _kv_pairs(line: str) -> dict[str, float] | None:
    """The pairs of a line that holds nothing else (a block's body line), or None."""
    if not _KV_LINE.fullmatch(line):
        return None
    out: dict[str, float] = {}
    for m in _KV_ITEM.finditer(line):
        name = "_".join(m.group(1).split(" "))
        if not is_bookkeeping(name):
            out.setdefault(name, float(m.group(2).replace(",", "")))
    return out


def _generic_pairs(line: str, spans: list[tuple[int, int]]) -> dict[str, float]:
    # Blank out the markers so that their numbers are not read as values.
    chars = list(line)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " " if chars[i] != "|" else "|"
    rest = "".join(chars)
    bare = _BARE_VALUE.fullmatch(rest)
    if bare:  # "Epoch 3: 0.412": a marker and one number, nothing named: the loss a loop prints
        return {"loss": float(bare.group(1))}
    out: dict[str, float] = {}
    for m in _PAIR.finditer(rest):
        # At most two words, so that chatter before the name ("evaluating train loss") is not taken for part of
        # it; words are joined with "_" ("train loss" -> train_loss), the way the other formats name series.
        words = m.group(1).split(" ")[-2:]
        name = "_".join(words)
        if len(words) > 1 and resolve(name).kind == "other" and resolve(words[-1]).kind != "other":
            name = words[-1]
        if not is_bookkeeping(name):  # time, elapsed, it/s...
            out.setdefault(name, float(m.group(2)))
    return out


class _Collector:
    def __init__(self) -> None:
        self.points: dict[str, list[tuple[float, float, float]]] = {}  # name -> (epoch, step, value)

    def add(self, name: str, value: float, epoch: float, step: float) -> None:
        pts = self.points.setdefault(name, [])
        if pts and _same(pts[-1][0], epoch) and _same(pts[-1][1], step):
            pts[-1] = (epoch, step, value)  # redrawn progress line: the last reading wins
        else:
            pts.append((epoch, step, value))


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def parse_lines(lines: list[str]) -> tuple[_Collector, int, bool]:
    """Collect points from text lines. Returns the collector, the number of lines used, and whether Keras
    ``Epoch N/M`` headers were seen."""
    col = _Collector()
    used = 0
    keras_epoch: float | None = None
    block: list[tuple[bool, dict[str, float]]] = []  # Keras progress lines of the current epoch: (complete, pairs)
    saw_keras = False
    generic: list[list] = []  # [leading marker, epoch, step, pairs]
    open_block: list | None = None  # the last marker line's entry, while pair-only lines may follow it

    def flush() -> None:
        nonlocal used
        if keras_epoch is None or not block:
            return
        complete = [p for c, p in block if c]
        pairs = (complete or [p for _, p in block])[-1]
        for name, v in pairs.items():
            col.add(name, v, keras_epoch, math.nan)
        used += 1

    for raw in lines:
        line = _clean(raw)
        if not line.strip():
            continue
        m = _KERAS_EPOCH.match(line)
        if m:
            flush()
            block = []
            keras_epoch = float(int(m.group(1)) - 1)
            saw_keras = True
            continue
        p = _KERAS_PROGRESS.match(line)
        if p and keras_epoch is not None:
            pairs = _keras_pairs(line)
            if pairs:
                block.append((p.group(1) == p.group(2), pairs))
                continue
        msg = _message(line)
        markers, spans, lead = _markers(msg)
        if not markers:
            kv = _kv_pairs(msg) if open_block is not None else None
            if kv is None:
                open_block = None  # chatter ends a block
            elif kv:
                if not open_block[3]:
                    used += 1
                    generic.append(open_block)
                open_block[3].update({k: v for k, v in kv.items() if k not in open_block[3]})
            continue
        pairs = _generic_pairs(msg, spans)
        open_block = [lead, markers.get("epoch", math.nan), markers.get("step", math.nan), pairs]
        if pairs:
            used += 1
            generic.append(open_block)
    flush()
    # Lines led by different markers may log different quantities under one name ("step N: loss X" at evals,
    # "iter N: loss Y" every iteration): such a name gets its line's marker as a prefix (step_loss, iter_loss)
    # instead of mixing two curves. Names seen under one marker only are kept as they are.
    leads: dict[str, set[str]] = {}
    for lead, _, _, pairs in generic:
        for name in pairs:
            leads.setdefault(name, set()).add(lead)
    for lead, epoch, step, pairs in generic:
        for name, v in pairs.items():
            col.add(f"{lead}_{name}" if len(leads[name]) > 1 else name, v, epoch, step)
    return col, used, saw_keras


def _sniff_lines(text: str) -> list[str]:
    return text.split("\n")[:400]


#: A text larger than this whose first SCAN_BYTES hold no progress line and no tool's line is not read further.
SCAN_BYTES = 4 << 20


def _not_a_log(label: str, where: str = "") -> NotALog:
    return NotALog(label, f"not a training log: no training progress lines found{where} (tried: {PATTERNS})")


class TextReader(Reader):
    """The last reader tried: it claims every text that is not JSON and has no progress line in its head (to find
    a tool's lines further in, or to say which patterns it tried), and texts whose head reads as a log."""

    name = "text"
    description = (
        "plain-text stdout: Keras progress lines, 'step N: train loss X', 'epoch=3 loss=0.4' log lines, "
        "'Epoch 3' blocks of name: value lines"
    )
    example = "train.log"
    priority = 95

    def sniff(self, head: bytes, path: Path | None) -> bool:
        try:
            text = decode_text(head, "")
        except InputError:
            return False
        if _JSON_START.match(text):
            return False  # JSON: the JSON readers had their turn; a document is not a stdout log
        lines = _sniff_lines(ANSI.sub("", text) if "\x1b" in text else text)
        if len(head) >= HEAD_BYTES and len(lines) > 1:
            lines = lines[:-1]
        col, used, saw_keras = parse_lines(lines)
        if not used:
            return True  # a tool's lines further in, or "not a training log" with the patterns tried
        # Keras' "Epoch N/M" blocks are unmistakable; generic marker lines need a few to be a log, not prose. Three
        # or more are a log even when no name says loss (the user may name one: --train/--val).
        if used >= 3 or saw_keras:
            return True
        # A tiny log, or a head filled by a few long lines: one progress line with a loss is enough.
        shown = len([ln for ln in lines if ln.strip()])
        few = shown <= 3 or (len(head) >= HEAD_BYTES and shown <= 10)
        return few and any(resolve(n).kind == "loss" for n in col.points)

    def read(self, source: Source) -> list[Run]:
        size = len(source.data) if source.data is not None else (source.path.stat().st_size if source.path else 0)
        if size > SCAN_BYTES:
            lines = decode_text(source.head(SCAN_BYTES), source.label).split("\n")[:-1]
            if not any(f.detect(lines) for f in FAMILIES) and not parse_lines(lines)[1]:
                raise _not_a_log(source.label, f" in its first {SCAN_BYTES >> 20} MB")
        text = source.text()
        runs = read_as_family(text, source.label)
        if runs is not None:
            return runs
        col, used, saw_keras = parse_lines(text.split("\n"))
        if not used:
            raise _not_a_log(source.label)
        run = Run(source=source.label, format=self.name)
        for name, pts in col.points.items():
            if is_bookkeeping(name):
                continue
            arr = np.asarray(pts, dtype=np.float64)
            epochs, steps, values = arr[:, 0], arr[:, 1], arr[:, 2]
            run.add(
                build_series(
                    name,
                    values,
                    steps=steps if np.isfinite(steps).any() else None,
                    epochs=epochs if np.isfinite(epochs).any() else None,
                    # "ep 3 | tr 0.86 | va 0.56": a bare split word printed with one number is that split's loss
                    role_name=bare_split_loss(name),
                )
            )
        if saw_keras:
            run.notes.append("Keras prints 'Epoch N/M' 1-based; epochs stored 0-based (N-1), as CSVLogger writes")
        require_series(run, source.label, list(col.points), what="values")
        return [run]


READERS = [TextReader]
