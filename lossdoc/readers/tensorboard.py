"""TensorBoard event files: a single file, a run folder, a logdir of runs, or a Keras logdir.

An event file is a sequence of records, each framed as::

    uint64 length (little endian) | uint32 masked crc32c(length) | data[length] | uint32 masked crc32c(data)

and each record's data is a serialized TensorBoard ``Event``. The framing is parsed here over the file's bytes
and both CRCs are checked (``_tfrecord``: one fast path in numpy; the records it does not know are parsed by
protobuf with the few messages of ``_event_proto``); a bad CRC or a truncated last record keeps everything before it
and says so in ``run.notes``. Every scalar point is read (no reservoir sampling, unlike EventAccumulator), whether
written as ``simple_value`` (TF1, PyTorch/tensorboardX ``add_scalar``) or as a rank-0 tensor (TF2/Keras, PyTorch
``add_scalar(new_style=True)``). Histograms, images, audio, text, graphs and hparams are skipped.

Layouts:

- a run folder: a folder that directly holds ``events.out.tfevents*`` files; its files are read in name order and
  every point is kept in the order written, as TensorBoard's EventAccumulator reads a folder (``folder_points``).
  One difference, said in a note with the number of points: when a later file starts again at a step earlier
  files had passed (a relaunch, a resume), its points replace the earlier ones from its first step on, so that
  the run reads as one segment (EventAccumulator keeps both for ``brain.Event:2`` files).
- a logdir: every run folder below it is a run named by its path relative to the logdir.
- Keras (and tf.estimator): sibling ``train/`` and ``validation/`` (``val/``, ``eval/``, ``test/``) folders holding
  event files, or such a folder below a folder holding event files itself, are ONE run; their series are named
  ``train/epoch_loss``, ``validation/epoch_loss``... A lone ``train/`` (Ultralytics' ``runs/detect/train``) is a run.
- PyTorch ``add_scalars("Loss", {"train": a, "val": b})`` writes sub-folders ``Loss_train/``, ``Loss_val/`` holding
  the tag ``Loss``; they are folded into their parent run as ``Loss/train`` and ``Loss/val``.

Keras' ``epoch_*`` tags carry the epoch in the step field: they become epoch-axis series.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import is_epoch_tag, split_word
from lossdoc.readers import _tfrecord as _tf
from lossdoc.readers.base import Reader, Source, build_series, read_file
from lossdoc.readers.registry import walk

FORMAT = "tensorboard"
EVENT_MARK = "tfevents"

# Bounds for looking into folders, so that a huge tree cannot hang lossdoc.
SNIFF_DEPTH = 5
SNIFF_ENTRIES = 5_000
MAX_ENTRIES = 100_000

# ---------------------------------------------------------------------------------------------- crc32c

# CRC32C in numpy (vectorised over many records) with a pure-Python table loop for short inputs.
crc32c = _tf.crc32c
masked_crc32c = _tf.masked_crc32c


# ---------------------------------------------------------------------------------------------- framing


def _bad_crc(label: str, i: int, good: int) -> str:
    return f"{label}: record {i} has a bad CRC; read the {good} records before it"


def _incomplete(label: str, good: int) -> str:
    return f"{label}: last record incomplete: file still being written? read the {good} records before it"


# ---------------------------------------------------------------------------------------------- scalars

# TensorFlow DataType enum -> struct format of one element (for tensor_content).
_DT_STRUCT = {
    1: "<f",  # DT_FLOAT
    2: "<d",  # DT_DOUBLE
    3: "<i",  # DT_INT32
    4: "<B",  # DT_UINT8
    5: "<h",  # DT_INT16
    6: "<b",  # DT_INT8
    9: "<q",  # DT_INT64
    10: "<?",  # DT_BOOL
    17: "<H",  # DT_UINT16
    19: "<e",  # DT_HALF
    22: "<I",  # DT_UINT32
    23: "<Q",  # DT_UINT64
}
_DT_BFLOAT16 = 14


def tensor_scalar(t) -> float | None:
    """The one number a rank-0 (or all-ones shape) numeric TensorProto holds, else None."""
    if any(d.size != 1 for d in t.tensor_shape.dim):
        return None
    dt = t.dtype
    content = t.tensor_content
    if content:
        if dt == _DT_BFLOAT16:
            return struct.unpack("<f", b"\x00\x00" + content[:2])[0] if len(content) == 2 else None
        fmt = _DT_STRUCT.get(dt)
        if fmt is None or len(content) != struct.calcsize(fmt):
            return None
        return float(struct.unpack(fmt, content)[0])
    if dt == 1:
        vals = t.float_val
    elif dt == 2:
        vals = t.double_val
    elif dt in (3, 4, 5, 6, 17):
        vals = t.int_val
    elif dt == 9:
        vals = t.int64_val
    elif dt == 22:
        vals = t.uint32_val
    elif dt == 23:
        vals = t.uint64_val
    elif dt == 10:
        vals = t.bool_val
    elif dt == 19:
        if len(t.half_val) != 1:
            return None
        return float(struct.unpack("<e", struct.pack("<H", t.half_val[0] & 0xFFFF))[0])
    elif dt == _DT_BFLOAT16:
        if len(t.half_val) != 1:
            return None
        return struct.unpack("<f", struct.pack("<I", (t.half_val[0] & 0xFFFF) << 16))[0]
    else:
        return None
    if len(vals) != 1:
        return None
    return float(vals[0])


@dataclass
class FileScalars:
    """The scalar points of one event file, per tag, in the order written."""

    path: str
    first_wall_time: float = float("inf")
    points: dict[str, tuple[list[float], list[float], list[float]]] = field(default_factory=dict)
    records: int = 0
    problem: str | None = None
    #: The file_version of its first record as EventAccumulator parses it (``brain.Event:2`` -> 2.0), else None.
    version: float | None = None
    #: SessionLog START events: (record index, step). After one, EventAccumulator drops every point seen before it
    #: (this file's and earlier files') at that step or later.
    starts: list[tuple[int, float]] = field(default_factory=list)
    #: Per tag, the record index of each point (kept only when the file has SessionLog STARTs, to place them).
    records_of: dict[str, np.ndarray] = field(default_factory=dict)


def read_event_bytes(data: bytes, label: str) -> FileScalars:
    """Decode the scalar points of one event file's bytes. Never raises for bad content.

    The framing, both CRCs of every record and the records in the common scalar layouts are handled in numpy
    (``_tfrecord``); only the other records (version, graphs, histograms, images, text, multi-value summaries,
    anything unusual) are parsed with protobuf, imported only then. The result is the same, point for point, as
    ``read_event_bytes_protobuf``'s."""
    fr = _tf.frame(data)
    framed = len(fr.pos)
    sc = _tf.scan(data, fr)
    good = sc.good
    problem = None
    if good < framed or fr.stop == "badcrc":
        problem = _bad_crc(label, good + 1, good)
    elif fr.stop == "incomplete":
        problem = _incomplete(label, good)
    fast, rest = list(sc.points), sc.rest[:good]
    out = FileScalars(label, records=good, problem=problem)
    # Per tag: pieces of (order key, step, wall, value, is tensor); a key is record << 24 | value index.
    pieces: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]]] = {}
    plugin_events: dict[str, list[tuple[np.ndarray, str]]] = {}
    walls: list[np.ndarray] = []
    cut = good
    slow = np.flatnonzero(rest)
    if 0 < len(slow) <= RARE_RECORDS:
        by_hand = []
        for i in slow.tolist():
            start = int(fr.pos[i]) + 12
            one = _tf.decode_one(data[start : start + int(fr.length[i])])  # the version record, a rare length
            if one is not None:
                one.rec[0] = i
                fast.append(one)
                by_hand.append(i)
        if by_hand:
            slow = np.setdiff1d(slow, by_hand, assume_unique=True)
    if len(slow):
        slow_walls: list[float] = []
        cut = _decode_slow(data, fr, slow, label, out, pieces, plugin_events, slow_walls)
        walls.append(np.asarray(slow_walls, dtype=np.float64))
    limit = cut << _KEY_SHIFT
    for pts in fast:
        rec = pts.rec
        keep = rec < cut
        lay = pts.layout
        if not keep.all():
            rec, step, wall, value = rec[keep], pts.step[keep], pts.wall[keep], pts.value[keep]
        else:
            step, wall, value = pts.step, pts.wall, pts.value
        walls.append(wall)
        if not len(rec) or lay.tag is None:  # an Event without a summary: its wall time only
            continue
        key = rec << _KEY_SHIFT
        if lay.plugin:
            plugin_events.setdefault(lay.tag, []).append((key, lay.plugin))
        pieces.setdefault(lay.tag, []).append((key, step, wall, value, lay.is_tensor))
    # The earliest wall time, part by part (no million-point concatenation just for a minimum).
    mins = [m for m in (_nanmin(w) for w in walls) if m is not None]
    out.first_wall_time = min(mins) if mins else float("inf")
    del walls
    firsts: list[tuple[int, str]] = []
    for tag in list(pieces):
        parts = pieces.pop(tag)  # freed tag by tag: the decoded chunks and their concatenation never coexist
        # Each part's keys ascend; in the order of their first keys the parts usually follow one another.
        parts.sort(key=lambda part: int(part[0][0]) if len(part[0]) else -1)
        events = plugin_events.get(tag)
        other = events is not None and any(p != "scalars" for _, p in events)
        keys, steps, wall_list, values = [], [], [], []
        for key, step, wall, value, is_tensor in parts:
            if not len(key) or (int(key[-1]) < limit and not (is_tensor and other)):
                sel = None  # all of it
            else:
                sel = key < limit
                if is_tensor and other:
                    sel &= _scalars_plugin_at(key, events)
            if sel is not None and not sel.all():
                key, step, wall, value = key[sel], step[sel], wall[sel], value[sel]
            if len(key):
                keys.append(key)
                steps.append(step)
                wall_list.append(wall)
                values.append(value)
        if not keys:
            continue
        if len(keys) == 1:  # one layout per tag; no copies of a million-point column
            key, s, wl, v = keys[0], steps[0], wall_list[0], values[0]
        else:
            key = np.concatenate(keys)
            s, wl, v = np.concatenate(steps), np.concatenate(wall_list), np.concatenate(values)
        if len(key) > 1 and not (key[1:] > key[:-1]).all():
            order = np.argsort(key, kind="stable")
            key, s, wl, v = key[order], s[order], wl[order], v[order]
        out.points[tag] = (s, wl, v)
        if out.starts:
            out.records_of[tag] = key >> _KEY_SHIFT
        firsts.append((int(key[0]), tag))
    out.points = {tag: out.points[tag] for _, tag in sorted(firsts)}
    if good:
        start = int(fr.pos[0]) + 12
        out.version = _parse_version(_file_version(data[start : start + int(fr.length[0])]))
    return out


def _parse_version(file_version: str) -> float | None:
    """``brain.Event:2`` -> 2.0, as EventAccumulator reads it (None when the first record has no file_version)."""
    if not file_version:
        return None
    try:
        return float(file_version.split("brain.Event:")[-1])
    except ValueError:
        return -1.0


_KEY_SHIFT = 24
_SESSION_START = 1  # SessionLog.SessionStatus.START
#: Records left over by the fast path (lengths too rare to be gathered: the version record every writer starts
#: with, a scalar of an odd length), when there are at most this many, are matched against the fast path's layouts
#: one at a time: a plain scalar file then never imports protobuf (65-100 ms of start-up, measured).
RARE_RECORDS = 64


def _nanmin(w: np.ndarray) -> float | None:
    """The least non-NaN value, or None when there is none (one pass when there is no NaN)."""
    if not len(w):
        return None
    m = float(w.min())
    if not math.isnan(m):
        return m
    return None if np.isnan(w).all() else float(np.nanmin(w))


def _scalars_plugin_at(key: np.ndarray, events: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """For tensor points of one tag: whether the plugin in force at each point (the last metadata seen for the
    tag, at or before it) is "scalars" (or none was seen)."""
    ev_keys = np.concatenate([k for k, _ in events])
    ev_ok = np.concatenate([np.full(len(k), p == "scalars") for k, p in events])
    order = np.argsort(ev_keys, kind="stable")
    ev_keys, ev_ok = ev_keys[order], ev_ok[order]
    i = np.searchsorted(ev_keys, key, side="right") - 1
    return np.where(i >= 0, ev_ok[np.maximum(i, 0)], True)


def _decode_slow(data, fr, slow, label, out, pieces, plugin_events, walls) -> int:
    """Parse the records ``slow`` (indices, ascending) with protobuf; returns the index of the first record that
    is not an Event (setting ``out.problem``/``out.records``), or ``out.records`` when all parse."""
    from google.protobuf.message import DecodeError

    from lossdoc.readers._event_proto import event_class

    parse = event_class().FromString
    acc: dict[tuple[str, bool], tuple[list, list, list, list]] = {}
    cut = out.records
    for i in slow.tolist():
        start = int(fr.pos[i]) + 12
        payload = data[start : start + int(fr.length[i])]
        try:
            ev = parse(payload)
        except (DecodeError, ValueError, TypeError):
            cut = out.records = i
            out.problem = f"{label}: record {i + 1} is not an Event; read the {i} records before it"
            break
        wall = ev.wall_time
        walls.append(wall)
        if ev.HasField("session_log") and ev.session_log.status == _SESSION_START:
            out.starts.append((i, float(ev.step)))
        if not ev.HasField("summary"):
            continue
        step = float(ev.step)
        for vi, v in enumerate(ev.summary.value):
            tag = v.tag or v.node_name
            if not tag:
                continue
            key = (i << _KEY_SHIFT) | min(vi, (1 << _KEY_SHIFT) - 1)
            if v.HasField("metadata"):
                pname = v.metadata.plugin_data.plugin_name
                if pname:
                    plugin_events.setdefault(tag, []).append((np.array([key], dtype=np.int64), pname))
            which = v.WhichOneof("value")
            if which == "simple_value":
                value = float(v.simple_value)
            elif which == "tensor":
                value = tensor_scalar(v.tensor)
                if value is None:
                    continue
            else:
                continue  # histograms, images, audio
            a = acc.get((tag, which == "tensor"))
            if a is None:
                a = acc[(tag, which == "tensor")] = ([], [], [], [])
            a[0].append(key)
            a[1].append(step)
            a[2].append(wall)
            a[3].append(value)
    for (tag, is_tensor), (k, s, w, v) in acc.items():
        pieces.setdefault(tag, []).append(
            (
                np.asarray(k, dtype=np.int64),
                np.asarray(s, dtype=np.float64),
                np.asarray(w, dtype=np.float64),
                np.asarray(v, dtype=np.float64),
                is_tensor,
            )
        )
    return cut


Points = tuple[np.ndarray, np.ndarray, np.ndarray]  # steps, wall times, values


def folder_points(files: list[FileScalars]) -> dict[str, list[tuple[int, Points]]]:
    """Per tag, the points TensorBoard's EventAccumulator keeps for one folder's event files, as pieces
    (file number, points), in its order: files by name (its DirectoryWatcher reads a folder's files in sorted
    order), records as written, every point kept (duplicate steps and steps that go back included). The one
    purge it does on ``brain.Event:2`` files is applied: after a SessionLog START at step s, every point read
    before it at step s or later is dropped, whatever its tag. (Files older than ``brain.Event:2`` make
    EventAccumulator purge a tag when its step goes back; lossdoc does not: no writer of the last years writes
    them.)"""
    files = sorted(files, key=lambda f: (os.path.basename(f.path), f.path))
    out: dict[str, list[tuple[int, Points]]] = {}
    version: float | None = None
    for fi, f in enumerate(files):
        if f.version is not None:
            version = f.version
        starts = f.starts if version is not None and version >= 2 else []
        done = -1  # records up to this one are placed
        for rec, step in [*starts, (None, None)]:
            for tag, (s, w, v) in f.points.items():
                s, w, v = (np.asarray(a, dtype=np.float64) for a in (s, w, v))
                if starts:
                    r = f.records_of[tag]
                    sel = (r > done) & (r < rec) if rec is not None else r > done
                    s, w, v = s[sel], w[sel], v[sel]
                if len(s):
                    out.setdefault(tag, []).append((fi, (s, w, v)))
            if rec is None:
                break
            for pieces in out.values():
                for k, (pf, (ps, pw, pv)) in enumerate(pieces):
                    keep = ps < step
                    if not keep.all():
                        pieces[k] = (pf, (ps[keep], pw[keep], pv[keep]))
            done = rec
    return out


def _concat(pieces: list[Points]) -> Points:
    if len(pieces) == 1:
        return pieces[0]
    return tuple(np.concatenate([p[i] for p in pieces]) for i in range(3))  # type: ignore[return-value]


def _merge_files(files: list[FileScalars]) -> tuple[dict[str, Points], list[str]]:
    """A run folder's points per tag: EventAccumulator's (``folder_points``), except where a later file starts
    again at a step that earlier files had passed (a relaunch, a resume from a checkpoint): there the later
    file's points replace the earlier ones from its first step on, so that a run reads as one segment, and a
    note says how many points were set aside. A later file that only repeats the last step (Hugging Face's
    ``evaluate()`` logging ``train/epoch`` again) is not a relaunch: both points are kept."""
    merged: dict[str, Points] = {}
    aside: dict[str, int] = {}
    relaunched: set[int] = set()
    for tag, pieces in folder_points(files).items():
        acc: list[Points] = []
        top, last_file = -np.inf, -1
        for fi, (s, w, v) in pieces:
            if not len(s):
                continue  # every point purged by a SessionLog START
            if acc and fi != last_file and s[0] < top:
                ps, pw, pv = _concat(acc)
                keep = ps < s[0]
                aside[tag] = aside.get(tag, 0) + int((~keep).sum())
                relaunched.add(fi)
                acc = [(ps[keep], pw[keep], pv[keep])]
            acc.append((s, w, v))
            top = max(top, float(np.nanmax(s)) if not np.isnan(s).all() else top)
            last_file = fi
        if acc:
            merged[tag] = _concat(acc)
    notes = []
    if aside:
        n = sum(aside.values())
        notes.append(
            f"{len(relaunched)} of {len(files)} event files start again at a step earlier files had passed "
            f"(relaunched or resumed): kept each later file's points from its first step on and set aside "
            f"{n:,} earlier point{'s' if n != 1 else ''} of {len(aside)} tag{'s' if len(aside) != 1 else ''} "
            f"(TensorBoard's EventAccumulator keeps them all)"
        )
    return merged, notes


def _series_name(tag: str, prefix: str | None) -> str:
    if not prefix or tag.lower().startswith(prefix.lower() + "/"):
        return tag
    return f"{prefix}/{tag}"


def _add_series(run: Run, name: str, steps: np.ndarray, values: np.ndarray, split: str | None, epoch_axis: bool):
    kwargs = {}
    if split is not None:
        kwargs = {"loss_split": split, "metric_split": split}
    if epoch_axis:
        s = build_series(name, values, epochs=steps, **kwargs)
    else:
        s = build_series(name, values, steps=steps, **kwargs)
    if name in run.series:  # two folders giving the same name: keep both
        i = 2
        while f"{name} ({i})" in run.series:
            i += 1
        s.name = f"{name} ({i})"
    run.add(s)


# ---------------------------------------------------------------------------------------------- folders


def _is_event_name(name: str) -> bool:
    return EVENT_MARK in name and not name.startswith(".")


def find_event_dirs(
    root: Path, *, max_entries: int = MAX_ENTRIES, max_depth: int | None = None, strict: bool = False
) -> dict[Path, list[Path]]:
    """Folders below ``root`` (itself included) that directly hold event files, with those files, sorted.
    Stops after ``max_entries`` files and folders: silently when sniffing, with an InputError when ``strict``."""
    found: dict[Path, list[Path]] = {}
    seen = 0
    depth = {"max_depth": max_depth, "strict": False} if max_depth is not None else {"strict": strict}
    for dirpath, dirs, files in walk(root, **depth):
        here = Path(dirpath)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        seen += len(files) + len(dirs)
        ev = sorted(here / f for f in files if _is_event_name(f))
        ev = [p for p in ev if p.is_file()]
        if ev:
            found[here] = ev
        if seen > max_entries:
            if strict:
                raise InputError(
                    str(root), f"more than {max_entries:,} entries; point lossdoc at a smaller folder"
                )
            break
    return found


# Files that are logs of other formats: a folder holding them next to event files is not a pure logdir.
_FOREIGN_EXT = (".csv", ".json", ".jsonl", ".ndjson", ".log", ".txt")


def _has_foreign_logs(folder: Path, limit: int = 500) -> bool:
    """Bounded look for other formats' logs (CSV/JSON/text files, an MLflow metrics folder) below ``folder``."""
    seen = 0
    for _dirpath, dirs, files in walk(folder, strict=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if "metrics" in dirs:
            return True
        for f in files:
            if not f.startswith(".") and f.lower().endswith(_FOREIGN_EXT):
                return True
        seen += len(files) + len(dirs)
        if seen > limit:
            return False
    return False


def is_logdir(path: Path) -> bool:
    """A folder the TensorBoard reader takes whole: a run folder (event files directly in it), or a folder of
    runs with nothing else that another reader would want (so ``lossdoc analyze fixtures/`` still reads the CSVs
    next to a logdir: the registry then walks the folder and hands each logdir below to this reader)."""
    event_dirs = find_event_dirs(path, max_entries=SNIFF_ENTRIES, max_depth=SNIFF_DEPTH)
    if not event_dirs:
        return False
    if path in event_dirs:
        return True
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        return False
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_dir(follow_symlinks=False):
            child = Path(e.path)
            if not any(_within(d, child) for d in event_dirs) and _has_foreign_logs(child):
                return False
        elif e.name.lower().endswith(_FOREIGN_EXT):
            return False
    return True


def _group(root: Path, event_dirs: dict[Path, list[Path]]) -> dict[Path, list[tuple[str | None, Path]]]:
    """Group run folders into runs: {run root: [(series name prefix, folder)]}."""
    groups: dict[Path, list[tuple[str | None, Path]]] = {}
    for d in sorted(event_dirs):
        parent = d.parent
        if d != root and _within(parent, root) and _is_split(d, set(event_dirs)):
            groups.setdefault(parent, []).append((d.name, d))
            continue
        prefix = d.name if d == root and _split_on_disk(d) else None
        groups.setdefault(d, []).append((prefix, d))
    # PyTorch add_scalars: parent/Loss_train holding tag "Loss" folds into parent's run; decided once tags are read.
    return groups


def _is_split(d: Path, event_dirs: set[Path]) -> bool:
    """Whether folder ``d`` (holding event files) is one split of a run: its name is a split word and it has a
    split sibling holding event files (Keras writes ``train/`` and ``validation/``), or its parent holds event
    files itself (tf.estimator: ``model_dir/`` and ``model_dir/eval/``). Ultralytics names its first run folder
    ``runs/detect/train``: alone, a ``train/`` folder is a run, not a split."""
    if not split_word(d.name):
        return False
    parent = d.parent
    if parent in event_dirs:
        return True
    return any(c.parent == parent and c != d and split_word(c.name) for c in event_dirs)


def _split_on_disk(d: Path, limit: int = 200) -> bool:
    """``_is_split`` for a folder read on its own (its siblings not part of the read): looks beside it on disk."""
    if not split_word(d.name):
        return False
    parent = d.parent
    try:
        with os.scandir(parent) as it:
            entries = [e for _, e in zip(range(limit), it, strict=False)]
    except OSError:
        return False
    for e in entries:
        try:
            if e.name != d.name and not e.is_dir() and _is_event_name(e.name):
                return True  # the estimator layout: event files beside eval/
            if e.name != d.name and split_word(e.name) and e.is_dir(follow_symlinks=False):
                with os.scandir(e.path) as sub:
                    if any(_is_event_name(x.name) for _, x in zip(range(limit), sub, strict=False)):
                        return True
        except OSError:
            continue
    return False


def _within(p: Path, root: Path) -> bool:
    try:
        p.relative_to(root)
        return True
    except ValueError:
        return False


def _read_file(path: Path, notes: list[str]) -> FileScalars | None:
    label = str(path)
    try:
        data = read_file(path, label)  # within --max-bytes
    except InputError as exc:
        notes.append(f"{exc}; skipped")
        return None
    except OSError as exc:
        notes.append(f"{label}: cannot be read ({exc.strerror or exc}); skipped")
        return None
    if not data:
        notes.append(f"{label}: empty event file; skipped")
        return None
    fs = read_event_bytes(data, label)
    if fs.problem:
        notes.append(fs.problem)
    return fs


def _run_name(root: Path, run_root: Path) -> str:
    rel = run_root.relative_to(root).as_posix() if _within(run_root, root) else run_root.name
    if rel in ("", "."):
        return root.name or root.resolve().name
    return rel


def _scalars_fold(child: Path, child_tags: list[str]) -> str | None:
    """For PyTorch add_scalars: the key when every tag T of ``child`` is such that child's name is T_<key>."""
    if not child_tags or len(child_tags) != 1:
        return None
    tag = child_tags[0]
    prefix = tag.replace("/", "_") + "_"
    if child.name.startswith(prefix) and len(child.name) > len(prefix):
        return child.name[len(prefix) :]
    return None


def read_logdir(root: Path) -> list[Run]:
    event_dirs = find_event_dirs(root, strict=True)
    if not event_dirs:
        raise InputError(str(root), "no TensorBoard event files (events.out.tfevents*) in this folder")
    groups = _group(root, event_dirs)
    # Read every folder once.
    per_dir: dict[Path, tuple[dict, list[str]]] = {}
    for d, files in event_dirs.items():
        notes: list[str] = []
        scalars = [fs for fs in (_read_file(f, notes) for f in files) if fs is not None]
        merged, merge_notes = _merge_files(scalars)
        per_dir[d] = (merged, notes + merge_notes)
    # Fold add_scalars children (parent/Loss_train with tag Loss) into their parent run.
    folded: dict[Path, list[tuple[str, Path]]] = {}
    for run_root in list(groups):
        members = groups[run_root]
        if len(members) != 1 or members[0][0] is not None:
            continue
        parent = run_root.parent
        if parent not in groups or parent == run_root or not _within(parent, root):
            continue
        key = _scalars_fold(run_root, list(per_dir[run_root][0]))
        if key is not None:
            folded.setdefault(parent, []).append((key, run_root))
            del groups[run_root]
    runs: list[Run] = []
    for run_root in sorted(groups):
        run = Run(source=str(run_root), format=FORMAT, name=_run_name(root, run_root))
        files = 0
        for prefix, d in groups[run_root]:
            merged, notes = per_dir[d]
            run.notes.extend(notes)
            files += len(event_dirs[d])
            split = split_word(prefix) if prefix else None
            for tag, (s, _w, v) in merged.items():
                _add_series(run, _series_name(tag, prefix), s, v, split, is_epoch_tag(tag))
        for key, d in folded.get(run_root, []):
            merged, notes = per_dir[d]
            run.notes.extend(notes)
            files += len(event_dirs[d])
            for tag, (s, _w, v) in merged.items():
                _add_series(run, f"{tag}/{key}", s, v, None, is_epoch_tag(tag))
        run.meta["event_files"] = files
        if run.series:
            runs.append(run)
    if not runs:
        skipped = [n for _, notes in per_dir.values() for n in notes if n.endswith("skipped")]
        if skipped:  # nothing readable: say why rather than "no scalars"
            raise InputError(str(root), f"no event file could be read ({skipped[0]})")
        raise InputError(str(root), "the event files hold no scalar summaries")
    return runs


# ---------------------------------------------------------------------------------------------- reader


def _looks_like_event_file(head: bytes) -> bool:
    if len(head) < 12:
        return False
    header = head[:8]
    if masked_crc32c(header) != struct.unpack_from("<I", head, 8)[0]:
        return False
    (length,) = struct.unpack("<Q", header)
    if length > len(head) - 16 or length > 1 << 20:
        return False
    payload = head[12 : 12 + length]
    if masked_crc32c(payload) != struct.unpack_from("<I", head, 12 + length)[0]:
        return False
    return _file_version(payload).startswith("brain.Event:")


def _file_version(payload: bytes) -> str:
    """The file_version (field 3) of an Event's bytes, read without protobuf; "" when absent or malformed."""
    i, n = 0, len(payload)
    found = ""
    try:
        while i < n:
            key, i = _tf._varint(payload, i)
            wt = key & 7
            if wt == 0:
                _, i = _tf._varint(payload, i)
            elif wt == 1:
                i += 8
            elif wt == 5:
                i += 4
            elif wt == 2:
                ln, i = _tf._varint(payload, i)
                if key >> 3 == 3:
                    found = payload[i : i + ln].decode("utf-8")
                i += ln
            else:
                return ""
        return found if i == n else ""
    except (_tf._Unusual, UnicodeDecodeError):
        return ""


class TensorBoardReader(Reader):
    name = "tensorboard"
    description = (
        "TensorBoard event files (events.out.tfevents.*): a file, a run folder, a logdir, Keras train/validation"
    )
    handles_dirs = True
    example = "runs/exp1/events.out.tfevents.1700000000.host.1.0"
    priority = 10

    def sniff(self, head: bytes, path: Path | None) -> bool:
        if path is not None and EVENT_MARK in path.name:
            return True
        return _looks_like_event_file(head)

    def sniff_dir(self, path: Path) -> bool:
        return is_logdir(path)

    def read(self, source: Source) -> list[Run]:
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise InputError(source.label, exc.strerror or str(exc)) from None
        if not data:
            raise InputError(source.label, "empty event file")
        fs = read_event_bytes(data, source.label)
        if fs.records == 0:
            why = (
                "the first record is incomplete"
                if "incomplete" in (fs.problem or "")
                else "the first record is damaged"
            )
            raise InputError(source.label, f"not a readable TensorBoard event file: {why}")
        merged, _ = _merge_files([fs])
        folder = source.path.parent.name if source.path is not None else ""
        prefix = folder if source.path is not None and _split_on_disk(source.path.parent) else None
        split = split_word(prefix) if prefix else None
        name = None
        if source.path is not None:
            name = source.path.parent.parent.name if prefix else source.path.parent.name
        run = Run(source=source.label, format=FORMAT, name=name or None)
        if fs.problem:
            run.notes.append(fs.problem)
        for tag, (s, _w, v) in merged.items():
            _add_series(run, _series_name(tag, prefix), s, v, split, is_epoch_tag(tag))
        if not run.series:
            raise InputError(source.label, "the event file holds no scalar summaries")
        run.meta["event_files"] = 1
        return [run]

    def read_dir(self, path: Path) -> list[Run]:
        return read_logdir(path)

    def split_dir(self, path: Path) -> list[Path] | None:
        """A logdir of run folders splits into them; a folder that is itself a run (event files in it), a Keras
        run (train/, validation/) or one holding anything else is read whole."""
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return None
        kids = [e for e in entries if not e.name.startswith(".")]
        if (
            len(kids) < 2
            or any(not e.is_dir(follow_symlinks=False) for e in kids)
            or any(EVENT_MARK in e.name for e in entries)
            or any(split_word(e.name) for e in kids)
            or not all(is_logdir(Path(e.path)) for e in kids)
        ):
            return None
        return [Path(e.path) for e in kids]


def split_names(files: list[str]) -> list[str] | None:
    """``split_dir`` for a folder known by its file names only (a remote listing: paths relative to it, posix):
    the top-level folders when each is a run or logdir of its own (event files below it, no other format's logs)
    and nothing else is there; else None (read whole)."""
    kids: dict[str, list[str]] = {}
    for rel in files:
        top, sep, rest = rel.partition("/")
        if top.startswith("."):
            continue
        if not sep:
            return None  # a file beside the folders: not a plain logdir of runs
        kids.setdefault(top, []).append(rest)
    if len(kids) < 2 or any(split_word(k) for k in kids):
        return None
    for below in kids.values():
        names = [PurePosixPath(r) for r in below]
        if not any(_is_event_name(n.name) for n in names):
            return None
        if any(n.name.lower().endswith(_FOREIGN_EXT) or "metrics" in n.parts[:-1] for n in names):
            return None
    return sorted(kids)


READERS = [TensorBoardReader]
