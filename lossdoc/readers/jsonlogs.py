"""JSON logs: a Keras ``history.history`` dump (also its Python repr, ``str(history.history)``; several models' histories
in one dict, ``{"MLP": {...}, "CNN": {...}}``, or grouped two levels deep, ``{"ae": {"ae_original": {"train": [...],
"val": [...]}, ...}, "vae": {...}}``: a run each, ``ae/ae_original``), a Hugging Face
``trainer_state.json``, detectron2's ``metrics.json`` and MMEngine's ``scalars.json`` (JSON Lines of known tools,
trainings appended to one file read as one run each), and JSON Lines in general (one object per logged step, keys
varying per line, as written by many training loops and by wandb exports); a per-epoch record list appended to
across resumes from a checkpoint (an epoch logged twice) keeps the resumed run's record of that epoch.

Survey 15's layouts: a DETR/TransVG ``log.txt`` with the script's argparse dump (``Namespace(aug_blur=False, ...,
batch_size=1, ...)``, ``print(args)`` at each (re)start) among its JSON lines: the dumps are skipped with a note and
the records read (a file of dumps alone is not JSON Lines). A DETR-style ``log.txt`` of ``--eval`` records only
(every record ``test_*`` keys with DETR's ``test_class_error`` or ``test_coco_eval_bbox``, no epoch, no step, no
``train_*``: main.py appends one per evaluation run) is refused as not a training curve.

Survey 16's: a run's summary saved as one object (an inference's ``{"val_batches": 1435, "mean_val_loss": 0.323,
"pre_gpt_embeddings_shape": [5738, 10, 768], ...}``), its loss a single number and its only lists of numbers named for
no loss or metric, is refused as no curve, not read as a history of shape lists.

Survey 18's: lists named for no loss, metric or split in a file whose name names a loss (alpha-zero-general's
``losses.json``, ``{"pi": [...], "v": [...]}``: the policy and the value loss per training epoch) are that split's
loss terms, summed into its loss (``train_loss (sum)``, with a note), on the epoch axis; not all whole numbers (a
tally of games lost per player is none). JSON Lines whose numbers are written as strings (OpenAI Glow's train.txt
and test.txt: ``{"epoch": 3, "loss": "3.8869", "bits_x": "3.8869", ...}``, each result formatted ``"{:.4f}"``): a
string that is a plain decimal number is read as that number (never a whole number, an id or a date); and a first
record with no step or epoch key, many keys and none that the records with one log (Glow's settings, ``{"n_train":
50000, "width": 512, ..., "epochs": 200}``, written at each launch) is a config header, left out with the records
like it, with a note, never a point of 40 one-point series.

Python's json module writes NaN/Infinity/-Infinity tokens for non-finite floats; they are read back as data.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.naming import (
    bare_split_loss,
    bare_split_losses,
    bare_split_note,
    is_bookkeeping,
    is_eval_result,
    normalise,
    resolve,
    split_word,
)
from lossdoc.readers._runs import RunPoints
from lossdoc.readers.base import HEAD_BYTES, Reader, Source, build_series, decode_text, require_series, whole_of
from lossdoc.readers.tbexport import MIN_WALL_TIME

# Keys that give the x position of a JSONL record, in order of preference.
_STEP_KEYS = (
    "step",
    "global_step",
    "_step",
    "trainer/global_step",
    "train/global_step",
    "iter",
    "iteration",
    "it",
)
_EPOCH_KEYS = ("epoch", "train/epoch", "trainer/epoch")
# Hugging Face's final log_history entry is a summary of the whole run, not a point on a curve.
_HF_SUMMARY_KEYS = ("train_runtime", "total_flos", "train_samples_per_second")
_HF_META_KEYS = (
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "max_steps",
    "num_train_epochs",
    "global_step",
    "epoch",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "train_batch_size",
)


def _head_text(head: bytes) -> str | None:
    try:
        return decode_text(head, "")
    except InputError:
        return None


def _load_json(source: Source) -> Any:
    text = source.text()
    if not text.strip():
        raise InputError(source.label, "empty file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        body = text.rstrip()
        on_last_line = exc.lineno == body.count("\n") + 1
        if exc.pos >= len(body) or (on_last_line and not body.endswith(("}", "]"))):
            raise InputError(source.label, f"truncated JSON at line {exc.lineno}") from None
        raise InputError(
            source.label, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError(source.label, "JSON nested too deeply") from None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _num(v: Any) -> float:
    """A JSON value as a float; null becomes NaN (some writers turn NaN into null); an integer beyond the float
    range (10**400) becomes +-Inf: data, a finding, never a crash."""
    if v is None:
        return math.nan
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


# --------------------------------------------------------------------------------------------------- keras


def _number_lists(obj: dict) -> dict[str, list]:
    return {k: v for k, v in obj.items() if isinstance(v, list) and v and all(_is_number(x) or x is None for x in v)}


# Lists that are the x axis of a history, not a curve: {"epochs": [0, 1, ...], "metrics": {"loss": [...], ...}}.
_HISTORY_AXES = {"epoch": "epochs", "epochs": "epochs", "step": "steps", "steps": "steps"}


def _pandas_columns(obj: Any) -> dict[str, list] | None:
    """A history saved through pandas (``pd.DataFrame(history.history).to_json()``, orient "columns"): every value a
    dict of row index -> number, ``{"loss": {"0": 0.45, "1": 0.43, ...}, ...}``, as metric -> list in row order;
    None for anything else."""
    if not isinstance(obj, dict) or not obj or not all(isinstance(col, dict) for col in obj.values()):
        return None
    cols = {}
    for key, col in obj.items():
        if not col:
            continue  # an empty column (a metric never filled in)
        try:
            rows = {int(i): x for i, x in col.items()}
        except (TypeError, ValueError):
            return None
        if not all(_is_number(x) or x is None for x in rows.values()):
            return None
        cols[key] = rows
    if not cols:
        return None
    # Rows in index order; a column that skips rows (a timing written every few epochs) gets None there.
    index = sorted(set().union(*cols.values()))
    return {key: [rows.get(i) for i in index] for key, rows in cols.items()}


_NUMERIC_STRING = re.compile(r"\s*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf|infinity)\s*",
                             re.IGNORECASE)
# A history saved as {"ep1": {0: loss, 1: loss, ...}, "ep2": {...}}: the per-batch losses of each epoch.
_EPOCH_KEY = re.compile(r"(?:ep|epoch)[ _-]?(\d+)", re.IGNORECASE)


def _numeric_strings(v: Any) -> list[float] | None:
    """A list whose every item is a number written as a string (``["-35.52", "-35.50"]``, what ``str(loss.item())``
    saves), as floats; None for anything else."""
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and _NUMERIC_STRING.fullmatch(x) for x in v):
        return None
    return [float(x) for x in v]


def _number_dict(v: Any) -> bool:
    return isinstance(v, dict) and bool(v) and all(_is_number(x) or x is None for x in v.values())


def _int_key(k: Any) -> int | None:
    if isinstance(k, int) and not isinstance(k, bool):
        return k
    if isinstance(k, str) and re.fullmatch(r"\s*\d{1,9}\s*", k):
        return int(k)
    return None


def _reshape_history(obj: Any) -> tuple[Any, str | None]:
    """Other shapes a loop saves its history in, as a dict of metric -> list (and a note saying how it was read), or
    ``obj`` unchanged with None:

    - keyed by the epoch number (pandas ``to_json(orient="index")``; Julia JSON.jl writes a Dict's keys in hash
      order): ``{"5": {"train": 0.9, "val": 1.0}, "1": {...}}`` -> one list per inner key, in numeric key order,
      with the keys as the ``epoch`` axis;
    - per-epoch records under a split key: ``{"train": [{"train_loss": 2.03}, {"train_loss": 0.49}]}`` -> one list
      per record key (named ``<split>_<key>`` when the key does not say its split);
    - per-batch losses keyed by epoch then batch: ``{"ep1": {0: 575981.9, 1: ...}, "ep2": {...}}`` -> one ``loss``
      on a step axis counted on across the epochs;
    - numbers saved as strings beside lists of numbers: ``{"train": ["-35.52"], "val": ["-35.50"], "train_epochs": [0],
      "val_epochs": [0]}`` -> floats."""
    if not isinstance(obj, dict) or not obj:
        return obj, None
    keys = [_int_key(k) for k in obj]
    if all(k is not None for k in keys) and all(_number_dict(v) for v in obj.values()):
        order = sorted(range(len(keys)), key=lambda i: keys[i])
        rows = list(obj.values())
        names = list(dict.fromkeys(k for row in rows for k in row))
        out: dict[str, list] = {"epoch": [float(keys[i]) for i in order]}
        for name in names:
            out[str(name)] = [rows[i].get(name) for i in order]
        shuffled = [keys[i] for i in range(len(keys))] != sorted(keys)
        return out, ("keyed by epoch number" + (" (keys out of order: sorted numerically)" if shuffled else "")
                     + ": the keys are the epoch axis")
    epochs = [_EPOCH_KEY.fullmatch(str(k).strip()) for k in obj]
    if all(epochs) and all(isinstance(v, dict) and v and all(_int_key(b) is not None for b in v) and _number_dict(v)
                           for v in obj.values()):
        pairs = sorted(zip((int(m.group(1)) for m in epochs if m), obj.values(), strict=True), key=lambda p: p[0])
        values: list = []
        for _, batches in pairs:
            values.extend(batches[b] for b in sorted(batches, key=lambda b: _int_key(b) or 0))
        return {"step": list(range(len(values))), "loss": values}, (
            f"per-batch losses keyed by epoch ({', '.join(str(k) for k in list(obj)[:4])}"
            f"{', ...' if len(obj) > 4 else ''}) then batch: one loss, steps counted on across the epochs")
    if all(isinstance(v, list) and v and all(_number_dict(r) for r in v) for v in obj.values()):
        out = {}
        for split, records in obj.items():
            names = list(dict.fromkeys(k for r in records for k in r))
            for name in names:
                own = name if (resolve(name).split is not None and normalise(name).startswith(normalise(split))
                               ) or normalise(name) in _HISTORY_AXES else f"{split}_{name}"
                out.setdefault(own, [r.get(name) for r in records])
        return out, f"per-epoch records under {', '.join(map(repr, obj))}: one series per record key"
    # Only beside lists of real numbers (the writer's own ``train_epochs`` axis lists): a dict whose lists are all
    # strings says nothing that makes it a history (ids, labels), and is refused as before.
    strings = {k: _numeric_strings(v) for k, v in obj.items()}
    if any(v is not None for v in strings.values()) and _number_lists(obj):
        return {k: (strings[k] if strings[k] is not None else v) for k, v in obj.items()}, (
            f"{', '.join(k for k, v in strings.items() if v is not None)}: numbers saved as strings, parsed")
    return obj, None


def _split_axes(lists: dict[str, list]) -> dict[str, tuple[str, str, list[float]]]:
    """Per-series axis lists: ``{"train": [...], "val": [...], "train_epochs": [0, 5], "val_epochs": [0, 5]}`` ->
    ``{"train": ("train_epochs", "epochs", [0, 5]), ...}`` for each ``<name>_epochs``/``<name>_steps`` list as long
    as the list ``<name>``, in order."""
    out = {}
    for key, vals in lists.items():
        for suffix, kind in (("_epochs", "epochs"), ("_epoch", "epochs"), ("_steps", "steps"), ("_step", "steps")):
            base = key[: -len(suffix)] if key.lower().endswith(suffix) else None
            if base and base in lists and len(lists[base]) == len(vals):
                x = [_num(v) for v in vals]
                if all(math.isfinite(a) for a in x) and all(b >= a for a, b in itertools.pairwise(x)):
                    out[base] = (key, kind, x)
                break
    return out


def _keras_history_parts(obj: Any) -> tuple[dict, dict[str, list], tuple[str, str, list] | None] | None:
    """(the dict holding a Keras-style history, its metric -> list of numbers, and the axis: (key, "epochs" or
    "steps", values) or None) in a history dump: ``history.history`` itself, inside ``{"history": {...}}``, or
    in the one nested dict of lists next to the axis list (``{"epochs": [...], "metrics": {"loss": [...]}}``)."""
    if isinstance(obj, dict) and isinstance(obj.get("history"), dict):
        obj = obj["history"]
    if not isinstance(obj, dict) or not obj:
        return None
    obj = _reshape_history(obj)[0]
    obj = _pandas_columns(obj) or obj
    top = obj
    lists = _number_lists(obj)
    if all(normalise(k) in _HISTORY_AXES for k in lists):
        nested = [v for v in obj.values() if isinstance(v, dict) and _number_lists(v)]
        if len(nested) == 1:
            top = nested[0]
            lists = {**lists, **_number_lists(top)}
    if not lists:
        return None
    axis = None
    for key in list(lists):
        kind = _HISTORY_AXES.get(normalise(key))
        if kind is None or axis is not None:
            continue
        values = [_num(x) for x in lists[key]]
        curves = [len(v) for k, v in lists.items() if k != key]
        in_order = all(math.isfinite(x) for x in values) and all(b >= a for a, b in itertools.pairwise(values))
        if curves and max(curves) == len(values) and in_order:
            axis = (key, kind, values)
            del lists[key]
    return (top, lists, axis) if lists else None


def _keras_history_dict(obj: Any) -> dict[str, list] | None:
    """The dict of metric -> list of numbers in a Keras history dump (see ``_keras_history_parts``)."""
    parts = _keras_history_parts(obj)
    return None if parts is None else parts[1]


# A history written with str(): ``f.write(str(history.history))`` or ``print(history.history, file=f)`` gives a Python
# dict repr, ``{'loss': [0.69, 0.52], 'val_loss': [0.7, nan]}`` (numpy 2 floats as ``np.float64(0.69)``, non-finite
# floats as ``nan``/``inf``); ``json.dump(str(history.history), f)`` writes the same text as one JSON string.
_REPR_START = re.compile(r"""\s*"?\{\s*'""")
_REPR_LIST = re.compile(
    r"""'[^'\n]{1,200}'\s*:\s*\[\s*(?:[-+]?[\d.]|(?:np|numpy)\.(?:float|int)|nan\b|-?inf\b|None\b)"""
)
# Lines after the first of a pretty-printed repr (pprint): a key, values, brackets.
_REPR_LINE = re.compile(r"""\s*(?:'|\]|\}|\[|[-+]?[\d.]|np\.|numpy\.|nan\b|-?inf\b|None\b)""")
# Python string literals (kept as they are) and the tokens rewritten between them: a numpy scalar's repr to its
# number, nan to None (read as NaN), inf to a float literal that overflows to inf.
_PY_STRING = re.compile(r"""'(?:[^'\\\n]|\\.){0,10000}'|"(?:[^"\\\n]|\\.){0,10000}\"""")
_NP_SCALAR = re.compile(r"\b(?:np|numpy)\.(?:float|int|uint)\d{0,3}\(\s*([^()'\"]{0,64}?)\s*\)")
_NONFINITE = re.compile(r"\b(?:nan|NaN)\b|\b(?:inf|Infinity)\b")
#: A Python repr is parsed into a syntax tree first (about 1 KB of memory per value): reprs longer than this, or with
#: more values, are refused (a per-epoch history is a few KB; this is thousands of epochs of dozens of metrics).
MAX_REPR_CHARS = 4 * 1024**2
MAX_REPR_VALUES = 200_000


def _looks_like_repr(text: str, complete: bool) -> bool:
    """Whether the head of a file is a Python dict repr holding a list of numbers (see ``_REPR_START``): it starts
    as one, and it ends as one or every line after the first continues one (a pretty-printed repr, a repr cut
    short): not a text log whose first line prints a dict."""
    if not _REPR_START.match(text) or not _REPR_LIST.search(text):
        return False
    body = text.strip()
    if re.search(r"\n\s*\{", body):
        return False  # a dict per line: printed logs (the Hugging Face Trainer's), not one history
    if complete and body.endswith(("}", '}"')):
        return True
    lines = body.split("\n")[1:] if complete else body.split("\n")[1:-1]  # a cut head's last line may be partial
    return all(not ln.strip() or _REPR_LINE.match(ln) for ln in lines)


def _rewrite_repr(text: str) -> str:
    """The text with numpy scalar reprs unwrapped and nan/inf spelled as literals ``ast.literal_eval`` reads;
    string literals (the keys) are left as they are."""

    def tokens(part: str) -> str:
        part = _NP_SCALAR.sub(r"\1", part)
        return _NONFINITE.sub(lambda m: "None" if m.group(0).lower() == "nan" else "1e999", part)

    out, last = [], 0
    for m in _PY_STRING.finditer(text):
        out.append(tokens(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(tokens(text[last:]))
    return "".join(out)


def _check_repr_size(text: str, label: str) -> None:
    values = text.count(",") + 1
    if len(text) > MAX_REPR_CHARS or values > MAX_REPR_VALUES:
        raise InputError(label, f"a Python dict repr of {len(text):,} characters and about {values:,} values; "
                         f"lossdoc parses reprs of at most {MAX_REPR_CHARS:,} characters and {MAX_REPR_VALUES:,} "
                         "values (save the history with json.dump instead)")


def _load_repr(source: Source) -> Any:
    """A Python dict repr (or that repr as a JSON string) parsed with ``ast.literal_eval``: literals only, nothing
    in the file is run."""
    text = source.text().strip()
    _check_repr_size(text, source.label)
    if text.startswith('"'):
        try:
            text = json.loads(text)
        except (ValueError, RecursionError):
            raise InputError(source.label, "not a readable JSON string holding a Python dict repr") from None
        if not isinstance(text, str):
            raise InputError(source.label, "not a Python dict repr")
        text = text.strip()
        _check_repr_size(text, source.label)  # escapes may be longer or shorter than the text they stand for
    try:
        obj = ast.literal_eval(_rewrite_repr(text))
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno else ""
        raise InputError(source.label, f"not a readable Python dict repr: {exc.msg}{where}") from None
    except (ValueError, TypeError, RecursionError, MemoryError):
        raise InputError(
            source.label, "not a Python dict repr of lists of numbers (it holds something other than literals)"
        ) from None
    if not isinstance(obj, dict):
        raise InputError(source.label, f"not a Python dict repr (a {type(obj).__name__})")
    return obj


def _load_json_or_literal(source: Source) -> tuple[Any, bool]:
    """A file saved as .json that may be a Python dict literal instead (``f.write(str(d))`` of a dict with int keys:
    bare ``0:`` keys, single quotes, ``146861.``): JSON first, else ``ast.literal_eval`` (literals only, nothing in
    the file is run). Returns the object and whether it was a literal."""
    try:
        return _load_json(source), False
    except InputError as exc:
        why = str(exc).split(": ", 1)[-1]
    text = source.text().strip()
    _check_repr_size(text, source.label)
    try:
        obj = ast.literal_eval(_rewrite_repr(text))
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        raise InputError(source.label, f"not valid JSON ({why}), nor a Python dict literal") from None
    if not isinstance(obj, dict):
        raise InputError(source.label, f"not valid JSON ({why}); a Python literal, but a {type(obj).__name__}")
    return obj, True


def _history_per_call(obj: Any) -> tuple[dict[str, list], int] | None:
    """A JSON list of Keras ``History.history`` dicts, one per ``fit()`` call (``fit(epochs=1)`` in a loop, each
    call's history appended and the list saved with ``json.dump``: ``[{"loss": [x], "val_loss": [y]}, ...]``), as
    one history: each key's lists concatenated in order; and the number of calls. None when ``obj`` is not a list of
    such dicts, every one with the same keys, each value a non-empty list of numbers, the lists of one
    dict as long as each other (a call's epochs)."""
    if not isinstance(obj, list) or not obj or not all(isinstance(d, dict) and d for d in obj):
        return None
    keys = list(obj[0])
    out: dict[str, list] = {k: [] for k in keys}
    for d in obj:
        lists = _number_lists(d)
        if list(d) != keys or len(lists) != len(d) or len({len(v) for v in lists.values()}) != 1:
            return None
        for k in keys:
            out[k].extend(d[k])
    return out, len(obj)


def _grouped_histories(obj: Any) -> list[tuple[str, dict, tuple]] | None:
    """``{group: {run: history}}``, every value of the object a dict of two or more Keras-history-like dicts (``
    _keras_history_parts``), at least two histories in all: each history with its ``group/run`` name; else None."""
    if not isinstance(obj, dict) or not obj:
        return None
    out = []
    for group, runs in obj.items():
        if not isinstance(runs, dict) or not runs:
            return None
        for name, hist in runs.items():
            parts = _keras_history_parts(hist) if isinstance(hist, dict) else None
            if parts is None:
                return None
            out.append((f"{group}/{name}", hist, parts))
    return out if len(out) >= 2 else None


def _loss_terms(lists: dict[str, list], label: str) -> dict[str, str]:
    """Lists of equal length named for no loss, metric or split, not all whole numbers, in a file whose name names a
    loss (alpha-zero-general's Coach.py in forks: ``json.dump({"pi": [...], "v": [...]}, open("losses.json", "w"))``,
    the policy and the value loss per training epoch): each -> the name whose role it has, a loss term of the split
    the file's name says (``train_pi_loss``), so that they are summed into that split's loss as any loss logged only
    as its parts. Empty for anything else (two or more lists only)."""
    stem = label.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    role = resolve(stem)
    if role.kind != "loss" or len(lists) < 2 or len({len(v) for v in lists.values()}) != 1:
        return {}
    if any(resolve(k).kind != "other" or bare_split_loss(k) or k in _HISTORY_AXES for k in lists):
        return {}
    if all(x is None or (math.isfinite(f := _num(x)) and f.is_integer()) for v in lists.values() for x in v):
        return {}  # a tally ({"ann": [1, 2, 2], "bob": [0, 1, 1]}: games lost), no loss
    return {k: f"{role.split or 'train'}_{k}_loss" for k in lists}


def _summary_refusal(obj: Any, lists: dict[str, list], label: str) -> NotALog | None:
    """A run's summary saved as one JSON object, not a history: its losses single numbers, its only lists of numbers
    named for no loss, metric, learning rate or split (Jhon68h/biomedclipcap's val_loss_summary.json: {"val_batches":
    1435, "mean_val_loss": 0.323, "pre_gpt_embeddings_shape": [5738, 10, 768], ...}, an inference's result). None for
    anything else (a history, or lists of unknown names with no loss beside them: --train NAME may name one)."""
    if not isinstance(obj, dict) or any(resolve(k).kind != "other" or bare_split_loss(k) for k in lists):
        return None
    single = {k: v for k, v in obj.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
              and resolve(k).kind == "loss"}
    if not single:
        return None
    shown = ", ".join(f"{k}: {v:g}" for k, v in list(single.items())[:3])
    return NotALog(label, f"not a training log: a summary of single values ({shown}) whose only lists of numbers "
                   f"({', '.join(list(lists)[:4])}) name no loss or metric: no curve to read")


class KerasHistoryReader(Reader):
    name = "keras-history"
    description = ('Keras history.history saved as JSON: {"loss": [...], "val_loss": [...], ...} (or through pandas '
                   "to_json: {\"loss\": {\"0\": ...}}; or as str(history.history): {'loss': [...]}; or a list of "
                   'one per fit() call, [{"loss": [...]}, ...], concatenated); epochs 0..n-1')
    example = "history.json"
    priority = 22

    _LIST = re.compile(r'"[^"\n]+"\s*:\s*(?:\[|\{\s*"\d+"\s*:)\s*(?:[-+]?[\d.]|NaN|-?Infinity|null)')
    _NUM = r"(?:[-+]?[\d.]|NaN|-?Infinity|null)"
    # {"5": {"val": 10.1, "train": 10.09}, ...}: keyed by the epoch number (pandas orient="index", Julia JSON.jl)
    _BY_EPOCH = re.compile(rf'\{{\s*"\d{{1,9}}"\s*:\s*\{{\s*"[^"\n]{{1,200}}"\s*:\s*{_NUM}')
    # {"train": [{"train_loss": 2.03}, ...]}: per-epoch records under a split key (the first record's key says loss)
    _RECORDS = re.compile(rf'\{{\s*"[^"\n]{{1,200}}"\s*:\s*\[\s*\{{\s*"([^"\n]{{1,200}})"\s*:\s*{_NUM}')
    # {"train": ["-35.52"], ...}: numbers saved as strings, under a key that names a loss, a metric or a split
    _STRINGS = re.compile(r'"([^"\n]{1,200})"\s*:\s*\[\s*"\s*[-+]?(?:\d|\.\d)')
    # [{"loss": [0.34], "val_loss": [0.22]}, ...]: one history per fit() call, a list of them saved with json.dump
    _PER_CALL = re.compile(rf'\[\s*\{{\s*"([^"\n]{{1,200}})"\s*:\s*\[\s*{_NUM}')
    # {"ep1": {0: 575981.94, ...}, 'ep3': {...}}: a Python dict literal (bare int keys) saved as .json
    _LITERAL = re.compile(r"""\{\s*["'][^"'\n]{1,200}["']\s*:\s*\{\s*\d+\s*:\s*[-+]?[\d.]""")

    def sniff(self, head: bytes, path: Path | None) -> bool:
        text = _head_text(head)
        if text is None:
            return False
        text = text.lstrip()
        if _REPR_START.match(text):
            return _looks_like_repr(text, complete=len(head) < HEAD_BYTES)
        if self._LITERAL.match(text) or self._BY_EPOCH.match(text):
            return True
        m = self._PER_CALL.match(text)
        if m and resolve(m.group(1)).kind in ("loss", "metric"):
            return True
        m = self._RECORDS.match(text)
        if m and resolve(m.group(1)).kind in ("loss", "metric"):
            return True
        m = self._STRINGS.search(text)
        if text.startswith("{") and m and (resolve(m.group(1)).kind in ("loss", "metric") or bare_split_loss(m.group(1))):
            return True
        if not text.startswith("{") or '"log_history"' in text or not self._LIST.search(text):
            return False
        # JSON Lines hold one complete object per line; a history dump is one object.
        first, _, rest = text.partition("\n")
        if rest.lstrip().startswith("{"):
            try:
                json.loads(first)
                return False
            except ValueError:
                pass
        return True

    def read(self, source: Source) -> list[Run]:
        head = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        python = _REPR_START.match(_head_text(head) or "") is not None
        if not python and self._LITERAL.match(_head_text(head) or ""):
            obj, python = _load_json_or_literal(source)
        else:
            obj = _load_repr(source) if python else _load_json(source)
        per_call = _history_per_call(obj) if isinstance(obj, list) else None
        if isinstance(obj, list) and per_call is None:
            raise InputError(source.label, "not a Keras history: a JSON list, but not of History.history dicts "
                             "with the same keys, each value a list of numbers as long as the others of its dict")
        if per_call is not None:
            obj, calls = per_call
        parts = _keras_history_parts(obj)
        if parts is None:
            # {"MLP": {"loss": [...]}, "CNN": {"loss": [...]}}: the histories of several models saved together,
            # one run each, named by its key.
            nested = {k: v for k, v in obj.items() if isinstance(v, dict)} if isinstance(obj, dict) else {}
            got = {k: _keras_history_parts(v) for k, v in nested.items()}
            if len(nested) >= 2 and all(p is not None for p in got.values()):
                return [self._run(v, got[k], source, python, name=str(k)) for k, v in nested.items()]
            # {"ae": {"ae_original": {"train": [...], "val": [...], "best_epoch": 9}, ...}, "vae": {...}}: the
            # histories grouped once more (a family of models, each model's runs): one run per history, named
            # "ae/ae_original"; only when every value two levels down is such a history.
            deep = _grouped_histories(obj)
            if deep:
                runs = [self._run(v, p, source, python, name=name) for name, v, p in deep]
                for run in runs:
                    run.notes.append(f"one of {len(runs)} histories in the file, grouped two levels deep "
                                     "(group/run): read as a run each")
                return runs
            keys = ", ".join(list(obj)[:20]) if isinstance(obj, dict) else type(obj).__name__
            raise InputError(source.label, f"not a Keras history: no lists of numbers (keys: {keys})")
        refusal = _summary_refusal(obj, parts[1], source.label)
        if refusal is not None:
            raise refusal
        run = self._run(obj, parts, source, python)
        if per_call is not None:
            run.notes.append(f"a JSON list of {calls} History.history dicts (one per fit() call): each key's lists "
                             f"concatenated in order, one history of {len(next(iter(obj.values())))} epochs")
        return [run]

    def _run(self, obj: dict, parts: tuple, source: Source, python: bool, name: str | None = None) -> Run:
        """One history dict (``parts`` as _keras_history_parts gives them) as a Run."""
        top, lists, axis = parts
        run = Run(source=source.label, format=self.name, name=name)
        own_axes = _split_axes(lists)
        if own_axes:
            lists = {k: v for k, v in lists.items() if k not in {a[0] for a in own_axes.values()}}
        # {"train": [...], "val": [...]}: with no key that names a loss, and a file name that does not say it holds
        # a metric (accuracy.json), bare split words are that split's loss, as a training loop saves its losses.
        bare = bare_split_losses(lists, source.label)
        terms = {} if bare else _loss_terms(lists, source.label)
        if terms:
            bare = terms
            split = resolve(next(iter(terms.values()))).split
            fname = source.label.replace("\\", "/").rsplit("/", 1)[-1]
            run.notes.append(f"{', '.join(terms)}: lists named for no loss in a file named for losses ({fname}): read "
                             f"as the {split} loss's terms")
        loss_lens = [len(v) for k, v in lists.items() if resolve(bare.get(k, k)).kind == "loss"]
        n = max(loss_lens or [len(v) for v in lists.values()])
        outer = obj["history"] if isinstance(obj, dict) and isinstance(obj.get("history"), dict) else obj
        for holder in (outer, top) if top is not outer else (outer,):
            for key, v in holder.items():
                if isinstance(v, (str, int, float, bool)) or v is None:
                    run.meta[key] = v
        at = None if axis is None or len(axis[2]) != n else np.asarray(axis[2], dtype=np.float64)
        for key, vals in lists.items():
            values = [_num(x) for x in vals]
            epochs = np.arange(len(values), dtype=np.float64)
            if len(values) != n:
                if resolve(bare.get(key, key)).kind == "other" or len(values) > n:
                    run.meta[key] = vals  # a list that is not a per-epoch curve (e.g. phase start epochs)
                    continue
                if n % len(values) == 0:
                    freq = n // len(values)
                    epochs = np.arange(1, len(values) + 1, dtype=np.float64) * freq - 1
                    run.notes.append(
                        f"{key}: {len(values)} values for {n} epochs, read as every {freq} epochs "
                        f"(validation_freq={freq})"
                    )
                else:
                    run.notes.append(f"{key}: {len(values)} values for {n} epochs; placed at epochs 0..")
            if key in own_axes:  # its own axis list: {"train": [...], "train_epochs": [...]}
                own = own_axes[key]
                run.add(build_series(key, values, role_name=bare.get(key), **{own[1]: own[2]}))
            elif at is None:
                run.add(build_series(key, values, epochs=epochs, role_name=bare.get(key)))
            else:  # list positions to the file's own axis values
                x = at[epochs.astype(np.int64)]
                run.add(build_series(key, values, role_name=bare.get(key), **{axis[1]: x}))
        shape = _reshape_history(outer)[1]
        if shape:
            run.notes.append(shape)
        if bare and not terms:
            run.notes.append(bare_split_note(bare))
        if python:
            run.notes.append("read from a Python dict repr (str(history.history)), not JSON")
        if own_axes:
            run.notes.append(", ".join(f"{k} on the {a[1]} of {a[0]!r}" for k, a in own_axes.items()))
        if own_axes and len(own_axes) == len(lists):
            pass
        elif at is None:
            run.notes.append("epochs numbered 0..n-1 (list positions), as in Keras' CSVLogger")
        else:
            run.notes.append(f"{axis[1]} from the file's {axis[0]!r} list")
        require_series(run, source.label, list(lists), what="keys")
        return run


# --------------------------------------------------------------------------------------------------- records


def _flatten(entry: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in entry.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and len(out) < 10_000:
            out.update(_flatten(v, key + "/"))
        else:
            out[key] = v
    return out


def _records_run(
    records: list[tuple[int, dict]], source: Source, fmt: str, *, skip: tuple[str, ...] = (), bare_splits: bool = False,
    held_out: frozenset[str] = frozenset(), epoch_keys: tuple[str, ...] = _EPOCH_KEYS,
    step_keys: tuple[str, ...] = _STEP_KEYS,
) -> tuple[Run, list[str]]:
    """Series from a list of (line/position, record) pairs. Each numeric key becomes a series with one point per
    record that has it, at that record's step and epoch. Returns the run and every key seen. ``bare_splits``: keys
    named only after their split (``{"epoch": 1, "train": 0.5, "val": 0.6}``) are that split's loss when no key
    names a loss (``naming.bare_split_losses``). ``held_out``: keys whose loss and metrics are on held-out data (val).
    ``epoch_keys``: the keys that give a record's epoch; ``step_keys``: its step."""
    points: dict[str, tuple[list[float], list[float], list[float]]] = {}
    seen: dict[str, None] = {}
    for _, rec in records:
        flat = _flatten(rec)
        step = next((flat[k] for k in step_keys if _is_number(flat.get(k))), None)
        epoch = next((flat[k] for k in epoch_keys if _is_number(flat.get(k))), None)
        for key, v in flat.items():
            seen.setdefault(key, None)
            if key in step_keys or key in epoch_keys or key in skip:
                continue
            if not (_is_number(v) or v is None) or key.startswith("_"):
                continue
            if v is None:
                continue  # a key present with null: nothing logged
            vals, steps, epochs = points.setdefault(key, ([], [], []))
            vals.append(_num(v))
            steps.append(_num(step))
            epochs.append(_num(epoch))
    run = Run(source=source.label, format=fmt)
    curves = [k for k in points if not (is_bookkeeping(k) or _is_throughput(k))]
    bare = bare_split_losses(curves, source.label) if bare_splits else {}
    for key in curves:
        vals, steps, epochs = points[key]
        st = np.asarray(steps)
        ep = np.asarray(epochs)
        run.add(
            build_series(
                key,
                vals,
                steps=st if np.isfinite(st).any() else None,
                epochs=ep if np.isfinite(ep).any() else None,
                role_name=bare.get(key),
                **({"metric_split": "val", "loss_split": "val"} if key in held_out else {}),
            )
        )
    if bare:
        run.notes.append(bare_split_note(bare))
    return run, list(seen)


#: The key counting a reinforcement learner's episodes, one record each: the step axis of records with no step or
#: epoch key.
_EPISODE_KEYS = ("episode", "episodes")


def _episode_key(records: list[tuple[int, dict]]) -> str | None:
    """The ``episode`` key of JSON records written one per episode (``{"episode": 3, "env_reward": ..., "avg_loss":
    ...}``) when no record has a step or epoch key: a whole number in every record that rises from record to record,
    or goes back to where it began (a session started again, appended to the file: ``finish_run`` keeps the latest
    training). None for anything else (an episode number that repeats over per-step records is no axis)."""
    if len(records) < 2 or any(k in r for _, r in records for k in (*_STEP_KEYS, *_EPOCH_KEYS)):
        return None
    for key in _EPISODE_KEYS:
        x = [r.get(key) for _, r in records]
        if not all(_is_number(v) and float(v) == int(v) for v in x):
            continue
        if all(b > a or b <= x[0] for a, b in itertools.pairwise(x)):
            return key
    return None


def _latest_session(records: list[tuple[int, dict]], key: str) -> tuple[list[tuple[int, dict]], str] | None:
    """Sessions of a learner appended to one file, each numbering its episodes from the start again (``_episode_key``:
    back to, or below, the first record's episode; ``1`` then ``1`` again is a session stopped after its first
    episode): the records of the one to keep (the latest, unless it is a stub: ``base.whole_of``), and a note. Cut here
    on the records, not left to ``finish_run`` per series: a key logged only by the earlier sessions (a loss the
    script no longer writes) is theirs, and would otherwise stand beside the kept session's as if it were its own.
    None when the episode never starts again."""
    x = [float(r[key]) for _, r in records]
    starts = [0, *(i for i in range(1, len(x)) if x[i] <= x[0]), len(x)]
    if len(starts) == 2:
        return None
    sizes = [b - a for a, b in itertools.pairwise(starts)]
    k = whole_of(sizes)
    a, b = starts[k], starts[k + 1]
    left = sorted({k for _, r in [*records[:a], *records[b:]] for k in _flatten(r)}
                  - {k for _, r in records[a:b] for k in _flatten(r)})
    only = f"; keys logged only by the others left out with them: {', '.join(left[:6])}" if left else ""
    return records[a:b], (f"the {key!r} counter starts again {len(sizes) - 1} time(s): {len(sizes)} sessions appended "
                          f"(of {', '.join(map(str, sizes))} episodes); kept session {k + 1} (lines {records[a][0]}-"
                          f"{records[b - 1][0]}, {key}s {min(x[a:b]):g}-{max(x[a:b]):g}), the "
                          f"{'latest' if k == len(sizes) - 1 else 'latest that is no stub'}{only}")


def _is_throughput(key: str) -> bool:
    n = normalise(key)
    return n.endswith(("_runtime", "_per_second", "_flos")) or n in ("runtime", "timestamp")


# --------------------------------------------------------------------------------------------------- HF


def _looks_like_hf_entries(items: Any) -> bool:
    if not isinstance(items, list) or not items or not all(isinstance(e, dict) for e in items):
        return False
    first = items[0]
    return "step" in first and any(k in first for k in ("loss", "eval_loss", "learning_rate", "grad_norm"))


class HfTrainerStateReader(Reader):
    name = "hf-trainer-state"
    description = "Hugging Face trainer_state.json (log_history: train loss per logging step, eval_* per eval)"
    example = "output/checkpoint-500/trainer_state.json"
    priority = 20

    _BARE = re.compile(r'^\[\s*\{[^{}\[\]]*"step"\s*:', re.DOTALL)

    def sniff(self, head: bytes, path: Path | None) -> bool:
        text = _head_text(head)
        if text is None:
            return False
        text = text.lstrip()
        if text.startswith("{"):
            return '"log_history"' in text
        if text.startswith("[") and self._BARE.match(text):
            first = text[: text.find("}") + 1]
            return any(f'"{k}"' in first for k in ("loss", "eval_loss", "learning_rate", "grad_norm"))
        return False

    def read(self, source: Source) -> list[Run]:
        obj = _load_json(source)
        if isinstance(obj, dict) and isinstance(obj.get("log_history"), list):
            entries = obj["log_history"]
            state = obj
        elif _looks_like_hf_entries(obj):
            entries, state = obj, {}
        else:
            raise InputError(source.label, "not a trainer_state.json: no log_history list")
        # Nothing was logged during training: the Trainer logs every logging_steps, so a run shorter than that
        # has no point (only, at the end, the summary entry of the whole run).
        steps, every = state.get("global_step"), state.get("logging_steps")
        why = (f" (logging_steps {every} > the run's {steps} steps)"
               if isinstance(steps, int) and isinstance(every, int) and every > steps else "")
        if not entries:
            raise InputError(source.label, f"log_history is empty: the Trainer logged nothing{why}")
        if _hf_summaries_only(entries):
            raise InputError(source.label, f"log_history holds only the final summary entry{_hf_summary_said(entries)}: "
                             f"the Trainer logged no loss during training{why}")
        records = []
        summaries = 0
        for i, e in enumerate(entries):
            if not isinstance(e, dict):
                continue
            if any(k in e for k in _HF_SUMMARY_KEYS):
                summaries += 1
                continue
            records.append((i, e))
        run, seen = _records_run(records, source, self.name)
        if summaries:
            run.notes.append(
                "the final summary entry of log_history (train_runtime, aggregate train_loss) is not "
                "a curve point: left out"
            )
        for k in _HF_META_KEYS:
            if k in state and state[k] is not None:
                run.meta[k] = state[k]
        require_series(run, source.label, seen, what="keys")
        return [run]


# --------------------------------------------------------------------------------------------------- JSONL


def _json_lines(source: Source) -> tuple[list[tuple[int, dict]], list[str]]:
    """The JSON objects of a JSON Lines file, each with its line number, and notes on the lines skipped (lines
    that are not JSON objects; a last line cut short by a run still writing)."""
    text = source.text()
    numbered = [(i + 1, ln.strip()) for i, ln in enumerate(text.split("\n")) if ln.strip()]
    if not numbered:
        raise InputError(source.label, "empty file")
    records: list[tuple[int, dict]] = []
    bad: list[int] = []
    truncated_last = False
    dumps = 0
    for k, (lineno, ln) in enumerate(numbered):
        if ln[:10] == "Namespace(" and _ARGPARSE_DUMP.match(ln):
            dumps += 1  # the script's arguments, printed at each (re)start: no record
            continue
        try:
            obj = json.loads(ln)
        except (ValueError, RecursionError):
            if k == len(numbered) - 1:
                truncated_last = True
            else:
                bad.append(lineno)
            continue
        if isinstance(obj, dict):
            records.append((lineno, obj))
        else:
            bad.append(lineno)
    if not records:
        raise InputError(source.label, f"no JSON object on any line (first bad line {numbered[0][0]})")
    notes = []
    if bad:
        notes.append(f"skipped {len(bad)} line(s) that are not JSON objects (first at line {bad[0]})")
    if dumps:
        notes.append(f"skipped {dumps} argparse Namespace(...) line(s): the script's arguments, printed at each start")
    if truncated_last:
        notes.append(f"the last line ({numbered[-1][0]}) is truncated (the run was still writing?): skipped")
    return records, notes


_DECODER = json.JSONDecoder()


def _stream_head(text: str) -> bool:
    """Whether a head is a JSON stream of pretty-printed objects written back to back (``json.dump(record, f,
    indent=4)`` at every batch, the file opened in append mode: ``}{`` between them, no separator): its first line
    ``{`` alone, its first object complete and followed by the next one's ``{``."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith("{") or body.split("\n", 1)[0].strip() != "{":
        return False
    try:
        first, end = _DECODER.raw_decode(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(first, dict) and body[end:].lstrip().startswith("{")


def _json_stream(source: Source) -> tuple[list[tuple[int, dict]], list[str]]:
    """The objects of a JSON stream (``_stream_head``), each with the line it starts on, read one after another with
    ``json.JSONDecoder.raw_decode``; a last object cut short (a run still writing) is skipped with a note, anything
    else that is not an object is an InputError."""
    text = source.text()
    records: list[tuple[int, dict]] = []
    notes: list[str] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in "\ufeff \t\r\n":
            pos += 1
        if pos >= len(text):
            break
        line = text.count("\n", 0, pos) + 1
        try:
            obj, pos = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError):
            if records and text[pos] == "{":
                notes.append(f"the last object (from line {line}) is cut short (the run was still writing?): skipped")
                break
            raise InputError(source.label, f"line {line}: not a JSON object in a stream of JSON objects") from None
        if not isinstance(obj, dict):
            raise InputError(source.label, f"line {line}: not a JSON object in a stream of JSON objects")
        records.append((line, obj))
    notes.append(f"{len(records)} pretty-printed JSON objects written back to back (no separator: a JSON stream), "
                 "one record each")
    return records, notes


def _head_objects(head: bytes, n: int = 10) -> list[dict] | None:
    """The JSON objects among the first lines of a JSON Lines head; None when they are not most of those lines
    (a line garbled in a log of a known tool does not hide it)."""
    text = _head_text(head)
    if text is None:
        return None
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(head) >= 65536 and len(lines) > 1:
        lines = lines[:-1]
    out = []
    for ln in lines[:n]:
        if not ln.startswith("{"):
            continue
        try:
            obj = json.loads(ln)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out if out and len(out) >= (min(len(lines), n) + 1) // 2 else None


_ARRAY_START = re.compile(r"\[\s*(?=\{)")


def _array_head_object(text: str) -> dict | None:
    """The first object of a JSON array of objects (``json.dump(list_of_dicts)``, pandas'
    ``to_json(orient="records")``) from the head of the file, or None (not such an array, or its first object cut)."""
    m = _ARRAY_START.match(text)
    if m is None:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(text, m.end())
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _index_keyed(obj: Any) -> bool:
    """Whether an object is a pandas ``Series.to_dict()`` of a loss per epoch: keys ``"0"``, ``"1"``, ... (the
    default index as text, consecutive from 0), values numbers (or null), 2 keys or more."""
    return (isinstance(obj, dict) and len(obj) >= 2 and list(obj) == [str(i) for i in range(len(obj))]
            and all(_is_number(v) or v is None for v in obj.values()))


def _index_keyed_run(source: Source, fmt: str) -> Run | None:
    """``json.dump([train.to_dict(), val.to_dict()], f)``: a JSON array of one or two pandas Series as dicts keyed by
    their index (``[{"0": 0.081, "1": 0.047, ...}, {"0": 0.048, ...}]``): the train loss then the val loss (the order
    training loops write them, as for two unnamed columns), at the index as the epoch; None for any other JSON."""
    obj = _load_json(source)
    if not (isinstance(obj, list) and 1 <= len(obj) <= 2 and all(_index_keyed(e) for e in obj)):
        return None
    run = Run(source=source.label, format=fmt)
    stem = Path(source.label).stem
    one = stem if resolve(stem).kind == "loss" else "loss"
    names = ("train_loss", "val_loss") if len(obj) == 2 else (one,)
    for name, series in zip(names, obj, strict=True):
        values = [_num(v) if v is not None else math.nan for v in series.values()]
        run.add(build_series(name, values, epochs=np.arange(len(values), dtype=np.float64)))
    said = "train_loss then val_loss (the order training loops write them)" if len(obj) == 2 else f"one loss, {one!r}"
    run.notes.append(f"a JSON array of {len(obj)} dict(s) keyed '0', '1', ... (pandas Series.to_dict()): read as "
                     f"{said}, at the keys as the epochs; name them otherwise with --train / --val")
    return run


# "history": [{...: a list of records under a key of a JSON object (its first record read from the head by the sniff)
_NESTED_LIST = re.compile(r'"[^"\n]{1,200}"\s*:\s*\[\s*(?=\{)')


def _loss_record(rec: Any) -> bool:
    """A record (a dict) with a number under a key that names a loss."""
    return isinstance(rec, dict) and any(_is_number(v) and resolve(k).kind == "loss" for k, v in _flatten(rec).items())


def _nested_head(text: str) -> bool:
    """Whether the head of a file is a JSON object holding a list of records whose first record has a loss number
    (``{"seed": 42, "config": {...}, "history": [{"epoch": 1, "train_loss": 2.02}, ...]}``); a trainer_state.json's
    log_history is Hugging Face's."""
    if not text.startswith("{") or '"log_history"' in text:
        return False
    for m in itertools.islice(_NESTED_LIST.finditer(text), 8):
        try:
            first, _ = _DECODER.raw_decode(text, m.end())
        except (ValueError, RecursionError):
            continue
        if _loss_record(first):
            return True
    return False


def _nested_records(obj: Any) -> tuple[str, list[dict]] | None:
    """(key, records) of a JSON object whose one list of dicts holds the per-epoch records, a loss among their
    numbers (``{"seed": .., "config": {..}, "history": [{"epoch": 1, "train_loss": .., "val_loss": ..}, ..],
    "final_val_loss": ..}``); None for any other object (no such list, or two lists of dicts: which is the curve?)."""
    if not isinstance(obj, dict) or "log_history" in obj:
        return None
    lists = [k for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)]
    if len(lists) != 1 or not any(_loss_record(r) for r in obj[lists[0]]):
        return None
    return lists[0], obj[lists[0]]


def _rising(records: list[dict], key: str) -> bool:
    vals = [r.get(key) for r in records]
    return all(_is_number(v) for v in vals) and all(b > a for a, b in itertools.pairwise(map(_num, vals)))


def _nested_run(obj: dict, key: str, records: list[dict], source: Source, fmt: str) -> Run:
    """The run of a JSON object's one list of per-epoch records (``_nested_records``): the records read as those of a
    JSON array are; the object's other keys (seed, config, final metrics) kept as meta, not series. With no step or
    epoch key, a ``round`` that counts up is the epoch (federated or repeated rounds of training, one record each)."""
    epoch_keys = _EPOCH_KEYS
    has_axis = any(k in r for r in records for k in (*_STEP_KEYS, *_EPOCH_KEYS))
    by_round = not has_axis and _rising(records, "round")
    if by_round:
        epoch_keys = ("round",)
    run, seen = _records_run([(i + 1, r) for i, r in enumerate(records)], source, fmt, bare_splits=True,
                             epoch_keys=epoch_keys)
    for k, v in obj.items():
        if k != key and (isinstance(v, (str, int, float, bool)) or v is None):
            run.meta[k] = v
    others = [k for k in obj if k != key]
    run.notes.append(f"a JSON object holding {len(records)} per-epoch record(s) under {key!r}: read as the curves"
                     + (f"; its other keys ({', '.join(others[:6])}{', ...' if len(others) > 6 else ''}) are "
                        "settings or final results, not series" if others else ""))
    if by_round:
        run.notes.append("'round' counts up: read as the epoch axis")
    _splice_repeated_epochs(run)
    if all(s.steps is None and s.epochs is None for s in run.series.values()):
        run.notes.append(f"no step or epoch key: points numbered 0..n-1 in the order of {key!r}")
    require_series(run, source.label, seen, what="keys")
    return run


def _json_records(source: Source) -> tuple[list[tuple[int, dict]], list[str]]:
    """The objects of a JSON array of records, each with its position (1-based), and a note on the items that are
    not objects."""
    obj = _load_json(source)
    if not isinstance(obj, list):
        raise InputError(source.label, f"not a JSON array of objects (a JSON {type(obj).__name__})")
    records = [(i + 1, e) for i, e in enumerate(obj) if isinstance(e, dict)]
    if not records:
        raise InputError(source.label, f"no JSON object in the array ({len(obj)} item(s))")
    notes = []
    if len(records) < len(obj):
        first = next(i + 1 for i, e in enumerate(obj) if not isinstance(e, dict))
        notes.append(f"skipped {len(obj) - len(records)} array item(s) that are not objects (first item {first})")
    return records, notes


_CHAINER_EVAL = re.compile(r"([^/]+)/main/.+")


def _chainer_evaluators(records: list[tuple[int, dict]]) -> dict[str, list[str]]:
    """Chainer's LogReport (``result/log``): ``main/loss`` is the training loss and ``<name>/main/loss`` the loss an
    Evaluator extension computed on its own data set (its default name is ``validation``; ``TaskA`` when the script
    names it). The evaluators whose names do not say their split, with their keys, in the order they appear; empty
    for any other log (no ``main/`` key)."""
    keys = list(dict.fromkeys(k for _, rec in records[:50] for k in rec))
    if not any(k.startswith("main/") for k in keys):
        return {}
    out: dict[str, list[str]] = {}
    for _, rec in records:
        for k in rec:
            m = _CHAINER_EVAL.fullmatch(k)
            if m and m.group(1) != "main" and split_word(m.group(1)) is None and resolve(m.group(1)).split is None:
                out.setdefault(m.group(1), [])
                if k not in out[m.group(1)]:
                    out[m.group(1)].append(k)
    return out


def _refuse_wandb_summary(records: list[tuple[int, dict]], source: Source) -> None:
    """A W&B ``wandb-summary.json`` is one object of the run's last (or best) values, with ``_wandb`` and
    ``_runtime``: not a history. Refused with a pointer to what holds the curves."""
    named = source.label.replace("\\", "/").rsplit("/", 1)[-1].lower().endswith("wandb-summary.json")
    if len(records) == 1 and (named or isinstance(records[0][1].get("_wandb"), dict)):
        raise NotALog(source.label, "a W&B run summary (wandb-summary.json): the run's final values, one per key, "
                      "not a history; read the run's files/wandb-history.jsonl or its run folder "
                      "(wandb/run-<id>/ with the run-<id>.wandb file)")


def _hf_summaries_only(entries: list) -> bool:
    """Every entry is a Hugging Face Trainer's final summary (``train_runtime``, ``total_flos``...: the metrics
    ``Trainer.train`` returns, the last entry of log_history), none a logged point."""
    return bool(entries) and all(isinstance(e, dict) and any(k in e for k in _HF_SUMMARY_KEYS) for e in entries)


def _hf_summary_said(entries: list) -> str:
    """What a final summary's train_loss is, for the message refusing it."""
    agg = next((e.get("train_loss") for e in entries if _is_number(e.get("train_loss"))), None)
    return f" (its aggregate train_loss {agg:.4g} is one number over the whole run, not a curve)" if agg is not None else ""


def _refuse_hf_summary(records: list[tuple[int, dict]], source: Source) -> None:
    """The final summary of a Hugging Face Trainer saved on its own (``trainer.save_metrics("train", metrics)``:
    ``train_results.json``, ``all_results.json``; a script's ``metrics.json``: ``{"train_runtime": ...,
    "train_loss": 0.86, "epoch": 24.29}``): one record over the whole run, refused as the trainer_state.json whose
    log_history holds only that entry is; the curve is in trainer_state.json's log_history."""
    entries = [rec for _, rec in records]
    if _hf_summaries_only(entries):
        raise NotALog(source.label, f"a Hugging Face Trainer's final summary (train_runtime...) only"
                      f"{_hf_summary_said(entries)}: the curve is in log_history of trainer_state.json (in the output "
                      "folder's checkpoint-*/)")


def _refuse_final_metrics(records: list[tuple[int, dict]], source: Source) -> None:
    """One object whose every value is one number and no step or epoch (DVC's ``metrics.json``, a script's
    ``json.dump(model.evaluate(..., return_dict=True))``): the final metrics of a run, not a history; refused as
    the trainer_state.json whose log_history holds only the final summary is (a DVCLive folder's curves are in
    its ``plots/metrics``, read by the dvclive reader)."""
    if len(records) != 1:
        return
    rec = records[0][1]
    flat = _flatten(rec)
    if not flat or not all(_is_number(v) for v in flat.values()):
        return
    if any(k in flat for k in (*_STEP_KEYS, *_EPOCH_KEYS)):
        return
    raise NotALog(source.label, f"a single summary of final metrics (one object, one number for each of its "
                  f"{len(flat)} key(s)), not a curve")


# What DETR's evaluate() returns, as main.py writes it with --eval (test_stats: its metric logger's class_error and the
# COCO evaluator's stats list), on every record of such a log.txt.
_DETR_EVAL_KEYS = ("test_coco_eval_bbox", "test_class_error")


def _refuse_eval_only(records: list[tuple[int, dict]], source: Source) -> None:
    """A DETR-family log.txt holding only ``--eval`` records (DETR, Deformable-DETR, DINO's main.py: with --eval,
    ``log_stats = {**{f'test_{k}': v for k, v in test_stats.items()}}`` is appended to output_dir/log.txt and the
    script returns; demacia1314/SPA-DN's outputs/log.txt holds 51 of them): every record's keys are ``test_*`` with
    DETR's evaluation keys among them, no epoch, no step and no train_* key: each record an evaluation of a
    checkpoint, appended run after run, not a training curve. A training's records (``train_*``, ``test_*``,
    ``epoch``) are read as before."""
    if not records:
        return
    for _, rec in records:
        if not all(k.startswith("test_") for k in rec) or not any(k in rec for k in _DETR_EVAL_KEYS):
            return
    raise NotALog(source.label, f"{len(records)} evaluation-only record(s) of a DETR-style log.txt (test_* keys only, "
                  "no epoch and no train_* key: main.py --eval appends one per evaluation run), not a training curve")


#: The note on a per-epoch record list resumed from a checkpoint (``_splice_repeated_epochs``).
REPEATED_EPOCH = ("resumed at epoch {x:g}: epoch {x:g} is logged twice (a run resumed from its checkpoint logs that "
                  "epoch again): the resumed run's record kept, the earlier one dropped")


def _repeated_epochs(x: np.ndarray) -> list[int] | None:
    """Where a per-epoch record list repeats an epoch (``0 1 2 3 3 4 ... 19 19 20``): the positions of the second
    record of each pair, or None when ``x`` is not such a counter. A training loop that appends one record per
    epoch to its JSON log and resumes at its checkpoint's epoch logs that epoch a second time; the counter
    does not go back (``base.splice_resumes`` would splice it), it repeats. Only a whole-number epoch that otherwise
    rises by one typical increment at every record, each value at most twice, repeats at most a quarter of the
    records, and goes on after each repeat (a last record repeating the last epoch may be a final evaluation): a
    counter repeating at every epoch (per-batch records, a train and an eval record per epoch) is none."""
    if len(x) < 4 or not np.isfinite(x).all() or not np.all(x == np.round(x)):
        return None
    d = np.diff(x)
    if np.any(d < 0):
        return None  # going back: base.finish_run's splice_resumes/cut_restarts decide
    rises = d[d > 0]
    if len(rises) == 0 or np.any(rises != rises[0]):
        return None
    same = np.flatnonzero(d == 0) + 1
    if len(same) == 0 or len(same) * 4 > len(x) or np.any(np.diff(same) == 1) or same[-1] == len(x) - 1:
        return None
    return [int(i) for i in same]


def _splice_repeated_epochs(run: Run) -> None:
    """A per-epoch record list resumed from a checkpoint (``_repeated_epochs``): the earlier record of the epoch the
    resumed run logs again is replaced by the resumed run's (the latest run kept, as ``base.splice_resumes`` splices
    a counter that goes back), with a note and ``meta["resumed"]``. Only series on an epoch axis alone."""
    resumes: dict[str, list[str]] = {}
    for name in list(run.series):
        s = run.series[name]
        if s.steps is not None or s.epochs is None:
            continue
        same = _repeated_epochs(s.epochs)
        if same is None:
            continue
        keep = np.ones(len(s), dtype=bool)
        keep[[i - 1 for i in same]] = False
        for i in same:
            resumes.setdefault(REPEATED_EPOCH.format(x=float(s.epochs[i])), []).append(name)
        run.series[name] = s.take(np.flatnonzero(keep))
    for note, names in resumes.items():
        run.notes.append(f"{note} ({', '.join(names)})")
        got = run.meta.setdefault("resumed", [])  # as base.finish_run records it: the series spliced
        got.extend(n for n in names if n not in got)


def _collapse_repeats(records: list) -> tuple[list, str | None]:
    """Records written again, identical, right after themselves (every process of a distributed run writing the
    same record: ``{"step": 10, "train/loss": 0.257, ...}`` four times over) are one point: (the records with such
    repeats collapsed, a note saying so; None when there were none)."""
    if len(records) < 2:
        return records, None
    out = [records[0]]
    for rec in records[1:]:
        obj = rec[1] if isinstance(rec, tuple) else rec  # (line number, record)
        prev = out[-1][1] if isinstance(out[-1], tuple) else out[-1]
        if obj != prev or not isinstance(obj, dict) or not obj:
            out.append(rec)
    dropped = len(records) - len(out)
    if not dropped:
        return records, None
    times = len(records) / len(out)
    return out, (f"{dropped} record(s) identical to the record just before them (written again: every record "
                 f"about {times:.3g} times, as each process of a multi-process run writes it): read once each")


# A number written as a string with a decimal point (OpenAI Glow's process_results: "{:.4f}".format(x), so
# '"loss": "3.8869"'); never a whole number ("20240101": an id, a date) or a version ("1.0.2").
_DECIMAL_STRING = re.compile(r"[-+]?\d*+\.\d++(?:[eE][-+]?\d++)?")
_NONFINITE_STRINGS = {"nan": math.nan, "-nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _quoted_numbers(records: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], str | None]:
    """JSON Lines records whose numbers are written as strings (Glow's train.txt: ``{"epoch": 3, "loss": "3.8869",
    "bits_x": "3.8869", ...}``): a string that is a plain decimal number is read as that number, and so is "nan" or
    "inf" under a key that holds such a number elsewhere. The records unchanged, and None, when no string is one."""
    keys: set[str] = set()
    for _, rec in records:
        keys.update(k for k, v in rec.items() if isinstance(v, str) and _DECIMAL_STRING.fullmatch(v.strip()))
    if not keys:
        return records, None

    def number(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        t = v.strip()
        return float(t) if _DECIMAL_STRING.fullmatch(t) else _NONFINITE_STRINGS.get(t.lower(), v)

    out = [(i, {k: number(v) if k in keys else v for k, v in rec.items()}) for i, rec in records]
    shown = ", ".join(sorted(keys)[:6]) + (", ..." if len(keys) > 6 else "")
    return out, f"numbers written as strings ({shown}: '\"3.8869\"'): read as numbers"


#: A record of settings heads the file (Glow's ResultLogger: json.dumps(hps) as its first line) when it has at least
#: this many keys.
CONFIG_RECORD_KEYS = 8


def _config_records(records: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], str | None]:
    """The records of settings among JSON Lines records (Glow's train.txt: ``{"flow_permutation": 2, "n_train": 50000,
    ..., "epochs": 200, ...}`` written at each launch before its ``{"epoch": 1, "loss": ...}`` records): when the first
    record has no step or epoch key, at least CONFIG_RECORD_KEYS keys and none that the records with a step or an
    epoch log, it and every record like it are settings, not points; left out, with a note."""
    def placed(rec: dict) -> bool:
        return any(_is_number(rec.get(k)) for k in (*_STEP_KEYS, *_EPOCH_KEYS))

    if len(records) < 2 or placed(records[0][1]) or len(records[0][1]) < CONFIG_RECORD_KEYS:
        return records, None
    logged = {k for _, rec in records if placed(rec) for k in rec}
    if not logged:
        return records, None

    def config(rec: dict) -> bool:
        return not placed(rec) and len(rec) >= CONFIG_RECORD_KEYS and not logged & set(rec)

    if not config(records[0][1]):
        return records, None
    kept = [(i, rec) for i, rec in records if not config(rec)]
    n = len(records) - len(kept)
    shown = ", ".join(list(records[0][1])[:4])
    return kept, (f"{n} record(s) of settings with no step or epoch ({shown}, ...: keys no other record logs), "
                  f"the first at line {records[0][0]}: a config header, not a point")


# An argparse Namespace printed on its own line (print(args)): ``Namespace(name=value, ...)``.
_ARGPARSE_DUMP = re.compile(r"Namespace\((?:[A-Za-z_]\w*+=[^\n]*)?\)$")


class JsonlReader(Reader):
    name = "jsonl"
    description = (
        'JSON Lines: one object per line ({"step": 10, "train_loss": ...}), keys may vary per line; also a JSON '
        "array of such objects (json.dump(list_of_dicts), to_json(orient='records')), pretty-printed objects "
        "written back to back ('}{', a JSON stream), and an array of one or two pandas Series.to_dict() "
        "({'0': loss, '1': ...}: the train then the val loss per epoch), and one JSON object whose one list of records "
        '(\'{"config": {...}, "history": [{"epoch": 1, "train_loss": ...}, ...]}\') is its curve'
    )
    example = "metrics.jsonl"
    priority = 24

    def sniff(self, head: bytes, path: Path | None) -> bool:
        text = _head_text(head)
        if text is None:
            return False
        text = text.lstrip()
        if _stream_head(text):
            return True
        if text.startswith("{") and _nested_head(text):
            return True  # per-epoch records under a key of one JSON object (``_nested_records``)
        if text.startswith("["):
            # An array of records, not any list of objects (a manifest, a config list, a data set): its first
            # object has a step/epoch number or a loss among its own keys.
            first = _array_head_object(text)
            if first is None:
                return False
            if _index_keyed(first):
                return True  # pandas Series.to_dict() of a loss per epoch (``_index_keyed_run``)
            if any(_is_number(first.get(k)) for k in (*_STEP_KEYS, *_EPOCH_KEYS)):
                return True
            return any(_is_number(v) and resolve(k).kind == "loss" for k, v in first.items())
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        if len(head) >= 65536 and len(lines) > 1:
            lines = lines[:-1]
        if lines and lines[0].startswith("Namespace("):
            # a DETR-style log.txt with the script's argparse dump printed into it at each (re)start
            # (xhj1124/VSMR, outputs/log.txt: "Namespace(aug_blur=False, ..., batch_size=1, ...)" lines, then
            # json.dumps(log_stats) lines): the dumps are passed over, the JSON lines read
            lines = [ln for ln in lines if not _ARGPARSE_DUMP.match(ln)]
            if not lines:
                return False
        good = 0
        checked = lines[:10]
        for ln in checked:
            if not ln.startswith("{"):
                return False
            try:
                obj = json.loads(ln)
            except ValueError:
                continue
            if isinstance(obj, dict) and any(_is_number(v) for v in _flatten(obj).values()):
                good += 1
        return good >= max(1, (len(checked) + 1) // 2)

    def read(self, source: Source) -> list[Run]:
        head = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        array = head.startswith(b"[")
        stream = not array and head.split(b"\n", 1)[0].strip() == b"{"
        if not array and (nested := self._nested(source)) is not None:
            return [nested]
        if stream:  # pretty-printed objects back to back (one object alone is no JSON Lines either: refused there)
            records, notes = _json_stream(source)
        elif array and (by_index := _index_keyed_run(source, self.name)) is not None:
            return [by_index]
        else:
            records, notes = _json_records(source) if array else _json_lines(source)
        if not array:
            for fix in (_config_records, _quoted_numbers):
                records, said = fix(records)
                notes = [*notes, said] if said else notes
        _refuse_eval_only(records, source)
        records, repeated = _collapse_repeats(records)
        if repeated:
            notes = [*notes, repeated]
        _refuse_wandb_summary(records, source)
        _refuse_hf_summary(records, source)
        _refuse_final_metrics(records, source)
        evaluators = _chainer_evaluators(records)
        held_out = frozenset(k for keys in evaluators.values() for k in keys)
        episode = _episode_key(records)
        sessions = _latest_session(records, episode) if episode else None
        if sessions is not None:
            records, said = sessions
            notes = [*notes, said]
        run, seen = _records_run(records, source, self.name, bare_splits=True, held_out=held_out,
                                 step_keys=(episode,) if episode else _STEP_KEYS)
        run.notes.extend(notes)
        if episode:
            run.notes.append(f"no step or epoch key; {episode!r} numbers the records (one per episode of a "
                             "reinforcement learner): the step axis")
        if sessions is not None:
            run.meta.setdefault("restarted", []).extend(run.series)  # structured, as base.finish_run records its cuts
        _splice_repeated_epochs(run)
        if evaluators:
            losses = [k for keys in evaluators.values() for k in keys if k in run.series and run.series[k].kind == "loss"]
            if losses:
                run.meta.setdefault("chosen_loss", {})["val"] = losses[0]
            names = ", ".join(evaluators)
            run.notes.append(
                f"Chainer LogReport: main/* is the training, {names} "
                + ("an evaluator's results on held-out data (val)" if len(evaluators) == 1 else
                   f"evaluators' results on held-out data: {losses[0] if losses else 'none'} read as the val loss "
                   "(the first evaluator), the others kept beside it, not summed")
            )
        if all(s.steps is None and s.epochs is None for s in run.series.values()):
            order = "array order" if array else "line order"
            run.notes.append(f"no step or epoch key: points numbered 0..n-1 in {order}")
        require_series(run, source.label, seen, what="keys")
        return [run]


    def _nested(self, source: Source) -> Run | None:
        """The run of one JSON object holding its per-epoch records under a key (``_nested_records``); None for JSON
        Lines (more than one object) and any other object."""
        if not _nested_head((_head_text(source.head()) or "").lstrip("\ufeff \t\r\n")):
            return None
        try:
            obj = _load_json(source)
        except InputError as exc:
            if "truncated JSON" in str(exc):
                raise  # one object cut short (a run still writing, a partial copy): not a stream of objects
            return None  # JSON Lines (one object a line), a JSON stream: read, or refused, object by object
        found = _nested_records(obj)
        if found is None:
            lists = [k for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)
                     and any(_loss_record(r) for r in v)] if isinstance(obj, dict) else []
            if len(lists) >= 2:
                raise InputError(source.label, f"a JSON object with {len(lists)} lists of records holding a loss "
                                 f"({', '.join(map(repr, lists[:4]))}): lossdoc cannot tell which is the training "
                                 "curve; save one of them alone")
            return None
        return _nested_run(obj, *found, source, self.name)


# --------------------------------------------------------------------------------------------------- rows

_ROW_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ROW = re.compile(rf"\[\s*({_ROW_NUM})\s*((?:,\s*(?:{_ROW_NUM}|NaN|-?Infinity|null)\s*){{1,2}})\]")
_ROWS_START = re.compile(rf"\[\s*\[\s*{_ROW_NUM}\s*,")


def _whole(x: float) -> bool:
    return math.isfinite(x) and x == int(x)


class JsonRowsReader(Reader):
    """A loop's own history saved as rows: ``json.dump([[step, train_loss, val_loss], ...])`` (or ``[step, loss]``
    pairs), every row of the same 2 or 3 numbers and the first column whole and rising. A TensorBoard JSON export
    (``[[wall time, step, value]]``) starts with a wall time of 1e9 or more and is tb-export's."""

    name = "json-rows"
    description = "a JSON array of [step, train_loss, val_loss] (or [step, loss]) rows, no names"
    example = "loss_history.json"
    priority = 24

    def sniff(self, head: bytes, path: Path | None) -> bool:
        text = _head_text(head)
        if text is None:
            return False
        text = text.lstrip()
        if not _ROWS_START.match(text):
            return False
        rows = []
        pos = 1
        for m in _ROW.finditer(text, 1):
            if text[pos : m.start()].strip(" \t\r\n,"):
                break  # something other than a row between rows
            rows.append((float(m.group(1)), m.group(2).count(",")))
            pos = m.end()
            if len(rows) >= 10:
                break
        if len(rows) < 2 or len({w for _, w in rows}) != 1:
            return False
        steps = [x for x, _ in rows]
        return (all(_whole(x) for x in steps) and all(b > a for a, b in itertools.pairwise(steps))
                and steps[0] < MIN_WALL_TIME)

    def read(self, source: Source) -> list[Run]:
        obj = _load_json(source)
        if not isinstance(obj, list) or not obj:
            raise InputError(source.label, "not a JSON array of [step, train, val] rows")
        width = len(obj[0]) if isinstance(obj[0], list) else 0
        for i, row in enumerate(obj):
            if not (isinstance(row, list) and len(row) == width and width in (2, 3)
                    and all(_is_number(x) or (x is None and j > 0) for j, x in enumerate(row))):
                raise InputError(source.label, f"row {i + 1}: expected {width or '2 or 3'} numbers like the first "
                                 f"row, got {json.dumps(row)[:60]}")
        steps = [_num(r[0]) for r in obj]
        if not all(_whole(x) for x in steps) or not all(b > a for a, b in itertools.pairwise(steps)):
            raise InputError(source.label, "the first column is not a whole, rising step counter: not [step, "
                             "train, val] rows")
        names = ("train_loss", "val_loss")[: width - 1]
        run = Run(source=source.label, format=self.name)
        for j, name in enumerate(names, start=1):
            run.add(build_series(name, [_num(r[j]) for r in obj], steps=steps))
        said = "step, train loss, val loss" if width == 3 else "step, loss"
        run.notes.append(f"rows of {width} numbers with no names: read as [{said}], the order a training loop "
                         "appends them in (name another series with --train / --val)")
        return [run]


# --------------------------------------------------------------------------------------------------- detectron2


def _value(v: Any) -> float | None:
    """A record's value as a float (numbers, NaN/Infinity tokens); None for text, booleans, lists, null."""
    return float(v) if _is_number(v) else None


def _has_loss_key(flat: dict[str, Any]) -> bool:
    return any(resolve(k).kind == "loss" for k in flat)


class Detectron2Reader(Reader):
    """detectron2's JSONWriter: ``json.dumps(..., sort_keys=True)`` of the event storage every ``period``
    iterations, one line each, keyed by ``iteration``; evaluation results (``bbox/AP``, ``segm/AP50``...) are
    rows of their own with only the iteration. Trainings appended to one file restart the iteration: one run each.
    """

    name = "detectron2"
    description = "detectron2 metrics.json: JSON lines keyed by iteration (total_loss, loss_*, lr; eval rows bbox/AP)"
    example = "output/metrics.json"
    priority = 23

    def sniff(self, head: bytes, path: Path | None) -> bool:
        objs = _head_objects(head)
        if not objs:
            return False
        rows = [o for o in objs if _is_number(o.get("iteration"))]
        if len(rows) < max(1, (len(objs) + 1) // 2):
            return False
        return any(_has_loss_key(o) or "data_time" in o or "eta_seconds" in o for o in rows)

    def read(self, source: Source) -> list[Run]:
        records, notes = _json_lines(source)
        flats = [(lineno, _flatten(rec)) for lineno, rec in records]
        # Evaluation results are on the test/validation set: the keys of rows with no loss and no lr, and the
        # evaluators' "<task>/<metric>" keys, which share a row with the training scalars when an evaluation falls
        # on a logging iteration.
        evals = {k for _, flat in flats if not _has_loss_key(flat) and "lr" not in flat for k in flat}
        evals |= {k for _, flat in flats for k in flat if is_eval_result(self.name, k)}
        evals.discard("iteration")
        pts = RunPoints("iteration", splice_resumes=True)  # resume=True continues the iteration counter
        for lineno, flat in flats:
            x = float(flat["iteration"]) if _is_number(flat.get("iteration")) else math.nan
            pts.tick(x, lineno)
            for key, v in flat.items():
                f = _value(v)
                if key == "iteration" or f is None:
                    pts.seen.setdefault(key, None)
                    continue
                role = {"metric_split": "val", "loss_split": "val"} if key in evals else {}
                pts.add(key, f, step=x, **role)
        runs = pts.build(source.label, self.name)
        if not runs:
            require_series(Run(source.label, self.name), source.label, list(pts.seen), what="keys")
        for run in runs:
            run.notes.extend(notes)
            shown = sorted(k for k in evals if k in run.series)
            if shown:
                run.notes.append(
                    f"evaluation results read as validation metrics at their iteration: {', '.join(shown[:6])}"
                    + (f", ... ({len(shown)} in all)" if len(shown) > 6 else "")
                )
        return runs


# --------------------------------------------------------------------------------------------------- MMEngine


class MMEngineReader(Reader):
    """MMEngine's LocalVisBackend ``vis_data/scalars.json`` (OpenMMLab 2.x: mmdet, mmpose, mmpretrain, mmseg...):
    a train row per logging interval (``lr``, ``loss``, ``loss_*``, ``data_time``, ``time``, ``epoch``/``iter``,
    ``step`` = the global iteration) and a val row per evaluation (metrics such as ``coco/bbox_mAP``,
    ``accuracy/top1``, with their own ``step``). With ``log_metric_by_epoch`` (the default) a val row's step is the
    epoch number, not an iteration: such rows are placed at that epoch and at the last train step before them.
    """

    name = "mmengine"
    description = "MMEngine vis_data/scalars.json (OpenMMLab 2.x): train rows lr, loss, loss_* by step; val metric rows"
    example = "work_dirs/exp/20240101_120000/vis_data/scalars.json"
    priority = 23

    def sniff(self, head: bytes, path: Path | None) -> bool:
        objs = _head_objects(head)
        if not objs or any("iteration" in o for o in objs):
            return False
        rows = [o for o in objs if _is_number(o.get("step"))]
        if len(rows) < max(1, (len(objs) + 1) // 2):
            return False
        return any("data_time" in o and ("lr" in o or _has_loss_key(o)) for o in rows)

    def read(self, source: Source) -> list[Run]:
        records, notes = _json_lines(source)
        pts = RunPoints("step")
        last_step, last_epoch = math.nan, math.nan
        by_epoch = 0
        for lineno, rec in records:
            flat = _flatten(rec)
            step = float(flat["step"]) if _is_number(flat.get("step")) else math.nan
            if "lr" in flat or _has_loss_key(flat):  # a train row
                pts.tick(step, lineno)
                epoch = float(flat["epoch"]) if _is_number(flat.get("epoch")) else math.nan
                last_step, last_epoch = step, epoch
                role: dict[str, str] = {}
            else:  # a val (or test) row
                epoch = last_epoch
                if math.isfinite(last_epoch) and step <= last_epoch and step != last_step:
                    epoch, step = step, last_step  # numbered by epoch (log_metric_by_epoch)
                    by_epoch += 1
                role = {"metric_split": "val", "loss_split": "val"}
            for key, v in flat.items():
                f = _value(v)
                if key in ("step", "epoch") or f is None:
                    pts.seen.setdefault(key, None)
                    continue
                pts.add(key, f, step=step, epoch=epoch, **role)
        runs = pts.build(source.label, self.name)
        if not runs:
            require_series(Run(source.label, self.name), source.label, list(pts.seen), what="keys")
        for run in runs:
            run.notes.extend(notes)
        if by_epoch:
            runs[0].notes.append(
                f"{by_epoch} val row(s) carry the epoch as their step (MMEngine's log_metric_by_epoch): placed at "
                "that epoch and at the last train step before them"
            )
        return runs


READERS = [HfTrainerStateReader, KerasHistoryReader, Detectron2Reader, MMEngineReader, JsonRowsReader, JsonlReader]
