"""Weights & Biases run files, read without the ``wandb`` package: ``wandb/``, a ``run-*`` folder, a ``.wandb`` file.

A ``.wandb`` file is a LevelDB-style log: a 7-byte header (``:W&B``, magic 0xBEE1 little-endian, version 0), then
32 KiB blocks of chunks ``crc32 (uint32 LE) | length (uint16 LE) | type (uint8) | payload``, where type is FULL (1),
FIRST (2), MIDDLE (3) or LAST (4) and the CRC is ``zlib.crc32`` of the type byte followed by the payload (checked
on the real files). A block's last < 7 bytes are zero padding. A chunk whose CRC or framing is wrong is skipped
with the rest of its block (the reader resynchronises at the next block, and notes it); a file cut short (a
killed run, or one still writing) is read up to its last complete record, with a note.

Each record is a protobuf ``wandb_internal.Record``; the few fields needed are decoded by hand (field numbers
from wandb's public ``wandb_internal.proto``): ``history`` (2: ``HistoryRecord`` items of key (1) or
``nested_key`` (2, newer clients) and ``value_json`` (16)), ``run`` (17: ``run_id`` 1, ``project`` 3,
``display_name`` 8), ``metric`` (12: ``name`` 1, ``goal`` 8: 1 minimise, 2 maximise) and ``exit`` (18:
``exit_code`` 1). A run without an exit record crashed, was killed, or is still running: its notes say so.
History values that are not numbers (media such as ``{"_type": "histogram", ...}``, strings, booleans) are
skipped; W&B's own ``_step`` is the step axis, ``_runtime`` / ``_timestamp`` are bookkeeping.

History rows, the bulk of a file, are decoded in batches by one compiled pattern over their concatenated bytes
and parsed to floats by numpy, so a million rows take about a second; anything else goes through the small
general decoder (``fields``). The same run resumed in several folders (``run-<time>-<id>`` with the same id) is
one Run, its segments in time order.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import _wandb_bulk as _bulk
from lossdoc.readers.base import Reader, Source, build_series

FORMAT = "wandb"
HEADER = b":W&B\xe1\xbe\x00"
BLOCK = 32768
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
MAX_RUN_FILES = 10_000
BATCH = 65_536  # history rows decoded per pattern pass (bounds the memory of one pass)

# ---------------------------------------------------------------------------------------------- framing


@dataclass
class Framing:
    records: list[bytes] = field(default_factory=list)
    bad_chunks: int = 0  # chunks skipped (bad CRC, impossible length or type, or orphaned MIDDLE/LAST)
    resyncs: int = 0  # times the reader skipped to the next block
    incomplete: bool = False  # the file ends inside a record
    zero_bytes: int = 0  # zeros where a chunk should start, skipped to the end of their block
    zeros_at: int | None = None

    def notes(self, label: str) -> list[str]:
        out = []
        if self.bad_chunks:
            out.append(f"{label}: {self.bad_chunks} damaged chunk(s) (bad CRC or framing) skipped; reading resumed "
                       f"at the next 32 KiB block {self.resyncs} time(s)")
        if self.zero_bytes:
            out.append(f"{label}: {self.zero_bytes:,} bytes of zeros where records should be, from byte "
                       f"{self.zeros_at:,} (a preallocated file, or data not written before a crash?); skipped")
        if self.incomplete:
            out.append(f"{label}: last record incomplete (run killed, or still being written?); read up to it")
        return out


def deframe(data: bytes | memoryview) -> Framing:
    """The records of a .wandb file (after its header), checking every chunk's CRC."""
    out = Framing()
    mv = memoryview(data)
    n = len(mv)
    pos = len(HEADER)
    pending: list[memoryview] | None = None
    unpack = struct.Struct("<IHB").unpack_from
    crc32 = zlib.crc32
    records = out.records
    while pos < n:
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:  # block trailer
            pos += left
            continue
        if pos + CHUNK_HEADER > n:
            out.incomplete = True
            break
        crc, length, kind = unpack(mv, pos)
        end = pos + CHUNK_HEADER + length
        if end > n and length <= left - CHUNK_HEADER and 1 <= kind <= 4:
            out.incomplete = True  # cut inside the last chunk
            break
        if length > left - CHUNK_HEADER or not 1 <= kind <= 4 or crc32(mv[pos + 6 : end]) != crc:
            stop = min(n, pos + left)
            if crc == 0 and length == 0 and kind == 0 and not mv[pos:stop].tobytes().strip(b"\0"):
                # zeros to the end of the block: nothing was written here (preallocated, or lost in a crash)
                out.zero_bytes += stop - pos
                if out.zeros_at is None:
                    out.zeros_at = pos
                pending = None
                pos += left
                continue
            out.bad_chunks += 1
            out.resyncs += 1
            pending = None
            pos += left
            continue
        payload = mv[pos + CHUNK_HEADER : end]
        pos = end
        if kind == FULL:
            records.append(payload.tobytes())
            pending = None
        elif kind == FIRST:
            pending = [payload]
        elif pending is None:  # MIDDLE or LAST whose FIRST was lost
            out.bad_chunks += 1
        elif kind == MIDDLE:
            pending.append(payload)
        else:
            pending.append(payload)
            records.append(b"".join(pending))
            pending = None
    if pending is not None:
        out.incomplete = True
    return out


# ---------------------------------------------------------------------------------------------- protobuf by hand


def varint(b: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if i >= len(b):
            raise ValueError("truncated varint")
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        if x < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(b: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of a protobuf message: ints for varints, bytes for the rest."""
    i, n = 0, len(b)
    while i < n:
        key, i = varint(b, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(b, i)
            yield num, wire, v
        elif wire == 2:
            ln, i = varint(b, i)
            if i + ln > n:
                raise ValueError("truncated field")
            yield num, wire, b[i : i + ln]
            i += ln
        elif wire == 1:
            yield num, wire, b[i : i + 8]
            i += 8
        elif wire == 5:
            yield num, wire, b[i : i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wire}")


def _text(v: int | bytes) -> str:
    return v.decode("utf-8", errors="replace") if isinstance(v, bytes) else str(v)


def item_key(raw: bytes) -> str:
    """A history item's name from its key fields: ``key`` (1), else the ``nested_key`` parts (2) joined by '.'."""
    key, nested = None, []
    for num, _w, v in fields(raw):
        if num == 1:
            key = _text(v)
        elif num == 2:
            nested.append(_text(v))
    return key if key is not None else ".".join(nested)


# ---------------------------------------------------------------------------------------------- history rows

_NUMERIC_START = np.zeros(256, dtype=bool)
_NUMERIC_START[np.frombuffer(b"-+.0123456789NI", dtype=np.uint8)] = True
_TOKEN = 32  # the longest numeric value_json read in bulk; longer ones go value by value


def history_payload(rec: bytes) -> bytes | None:
    """The HistoryRecord bytes of a Record that is a history record (field 2 after an optional ``num``)."""
    i = 0
    if rec[:1] == b"\x08":
        _, i = varint(rec, 1)
    if rec[i : i + 1] != b"\x12":
        return None
    ln, j = varint(rec, i + 1)
    return rec[j : j + ln]


@dataclass
class Columns:
    """Every numeric history value, by key: the row it came from and its value."""

    rows: int = 0
    keys: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    media: bool = False

    def add(self, key: str, rows: np.ndarray, values: np.ndarray) -> None:
        if len(rows):
            self.keys.setdefault(key, []).append((rows, values))

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        parts = self.keys[key]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def decode_history(payloads: list[bytes], cols: Columns) -> None:
    for start in range(0, len(payloads), BATCH):
        _batch(payloads[start : start + BATCH], cols)


def _batch(payloads: list[bytes], cols: Columns) -> None:
    """A batch of HistoryRecords, decoded with array operations.

    Each item is ``0x0a len | 0x0a/0x12 keylen key | 0x82 0x01 vallen value`` (field 1 or 2 holds the key, field
    16 the value). Every ``0x82 0x01`` is taken for a value tag; the item it belongs to starts where the row's
    previous value ended (or at the row's start), and is accepted only if every length agrees with that layout
    (one-byte lengths). Rows holding anything else (long keys, nested keys in parts, a value tag inside a step
    number that is not at the row's end) are decoded field by field by the general decoder instead."""
    first_row = cols.rows
    n_rows = len(payloads)
    cols.rows += n_rows
    if not n_rows:
        return
    starts = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, payloads), dtype=np.int64, count=n_rows), out=starts[1:])
    buf = b"".join(payloads)
    if b'"_type"' in buf:
        cols.media = True
    # padded: lookups past the end (a header's bytes, a short last value read _TOKEN wide) read zeros
    a = np.frombuffer(buf + b"\x00" * (_TOKEN + 8), dtype=np.uint8)
    size = len(buf)
    c = np.flatnonzero((a[:size - 1] == 0x82) & (a[1:size] == 0x01))
    row = np.searchsorted(starts, c, side="right") - 1
    vl = a[c + 2].astype(np.int64)
    vend = c + 3 + vl
    same = np.zeros(len(c), dtype=bool)
    same[1:] = row[1:] == row[:-1]
    prev_end = np.empty_like(vend)
    prev_end[0:1] = 0
    prev_end[1:] = vend[:-1]
    item = np.minimum(np.where(same, prev_end, starts[row]), size)
    il = a[item + 1].astype(np.int64)
    kl = a[item + 3].astype(np.int64)
    ok = (
        (vl < 128) & (vend <= starts[row + 1]) & (a[item] == 0x0A) & (il < 128) & (item + 2 + il == vend)
        & ((a[item + 2] == 0x0A) | (a[item + 2] == 0x12)) & (kl < 128) & (item + 4 + kl == c)
    )
    # A value tag that is really a step number's bytes: after the row's last item, where the step field (0x12)
    # begins. Anything else that does not fit sends its row to the general decoder.
    in_step = ~ok & (a[item] == 0x12)
    bad_rows = np.unique(row[~ok & ~in_step])
    if len(bad_rows):
        ok &= ~np.isin(row, bad_rows)
        for r in bad_rows.tolist():
            _slow_row(payloads[r], first_row + r, cols)
    c, row, vend, item, kl = c[ok], row[ok], vend[ok], item[ok], kl[ok]
    if not len(c):
        return
    groups = _group_keys(a, item + 4, kl)
    for members in groups:
        k0 = int(members[0])
        try:
            name = item_key(buf[int(item[k0]) + 2 : int(c[k0])])
        except ValueError:
            continue
        if name.startswith("_") and name != "_step":
            continue  # W&B's bookkeeping (_runtime, _timestamp)
        vstart = c[members] + 3
        vlen = vend[members] - vstart
        numeric = _NUMERIC_START[a[vstart]] & (vlen > 0)
        rows_k = row[members] + first_row
        short = numeric & (vlen <= _TOKEN)
        values = _parse(a, vstart[short], vlen[short])
        keep_rows, keep_vals = [rows_k[short]], [values]
        long_ = np.flatnonzero(numeric & (vlen > _TOKEN))
        if len(long_):  # a numeric token longer than 32 bytes: rare, value by value
            extra = [(int(rows_k[i]), _float(buf[int(vstart[i]) : int(vstart[i] + vlen[i])])) for i in long_]
            extra = [(r, v) for r, (v, good) in extra if good]
            keep_rows.append(np.array([r for r, _ in extra], dtype=np.int64))
            keep_vals.append(np.array([v for _, v in extra], dtype=np.float64))
        rows_all, vals_all = np.concatenate(keep_rows), np.concatenate(keep_vals)
        good = ~np.isnan(vals_all) | _is_nan_token(a, rows_all, vals_all)
        cols.add(name, rows_all[good], vals_all[good])


def _group_keys(a: np.ndarray, ks: np.ndarray, kl: np.ndarray) -> list[np.ndarray]:
    """Indices of the items grouped by key bytes: by (length, first 8 bytes, last 8 bytes), then checked byte
    by byte against each group's first member (a group that does not hold one key is split)."""
    first = _word(a, ks, np.minimum(kl, 8))
    last = _word(a, np.maximum(ks + kl - 8, ks), np.minimum(kl, 8))
    sig = (first * np.uint64(0x9E3779B97F4A7C15)) ^ (last * np.uint64(0xC2B2AE3D27D4EB4F)) ^ kl.astype(np.uint64)
    order = np.argsort(sig, kind="stable")
    bounds = np.flatnonzero(np.diff(sig[order])) + 1
    out: list[np.ndarray] = []
    for members in np.split(order, bounds):
        m0 = members[0]
        same = (kl[members] == kl[m0]) & (first[members] == first[m0]) & (last[members] == last[m0])
        long_ = np.flatnonzero(same & (kl[members] > 16))
        for j in range(8, int(kl[m0]) - 8) if len(long_) else ():
            idx = members[long_]
            same[long_] &= a[ks[idx] + j] == a[ks[m0] + j]
        if same.all():
            out.append(members)
        else:
            out.append(members[same])
            out.extend(_group_keys_slow(a, ks, kl, members[~same]))
    return out


def _group_keys_slow(a: np.ndarray, ks: np.ndarray, kl: np.ndarray, members: np.ndarray) -> list[np.ndarray]:
    by: dict[bytes, list[int]] = {}
    for m in members.tolist():
        by.setdefault(a[ks[m] : ks[m] + kl[m]].tobytes(), []).append(m)
    return [np.array(v, dtype=np.int64) for v in by.values()]


def _word(a: np.ndarray, at: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Up to 8 bytes at each position as one integer (bytes past ``n`` count as zero)."""
    out = np.zeros(len(at), dtype=np.uint64)
    for j in range(8):
        byte = np.where(j < n, a[at + j], 0).astype(np.uint64)
        out |= byte << np.uint64(8 * j)
    return out


def _parse(a: np.ndarray, vstart: np.ndarray, vlen: np.ndarray) -> np.ndarray:
    """Numeric tokens (at most _TOKEN bytes) to floats, all at once; a token numpy cannot read becomes NaN and
    is dropped by the caller unless it says NaN."""
    if not len(vstart):
        return np.zeros(0, dtype=np.float64)
    width = int(vlen.max())
    j = np.arange(width)
    mat = np.where(j[None, :] < vlen[:, None], a[vstart[:, None] + j[None, :]], 0).astype(np.uint8)
    tokens = np.ascontiguousarray(mat).view(f"S{width}").ravel()
    try:
        return tokens.astype(np.float64)
    except ValueError:
        return np.array([_float(t)[0] for t in tokens.tolist()], dtype=np.float64)


def _is_nan_token(a, rows, vals) -> np.ndarray:
    """NaN values that were logged as NaN (kept) rather than unreadable tokens (dropped): numpy reads only
    'NaN'-like tokens as NaN, and unreadable ones come from _float, so every NaN here is a logged NaN."""
    return np.isnan(vals)


def _slow_row(payload: bytes, row: int, cols: Columns) -> None:
    """One history row through the general decoder."""
    try:
        for num, _w, item in fields(payload):
            if num != 1 or not isinstance(item, bytes):
                continue
            key_parts = b"".join(
                _reencode(f, v) for f, _w2, v in fields(item) if f in (1, 2) and isinstance(v, bytes)
            )
            value = next((v for f, _w2, v in fields(item) if f == 16 and isinstance(v, bytes)), None)
            if value is None or not value[:1] or not _NUMERIC_START[value[0]]:
                continue
            v, good = _float(value)
            name = item_key(key_parts)
            if good and not (name.startswith("_") and name != "_step"):
                cols.add(name, np.array([row]), np.array([v]))
    except ValueError:
        return


def _reencode(num: int, value: bytes) -> bytes:
    return bytes([num << 3 | 2]) + _encode_varint(len(value)) + value


def _encode_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _float(v: bytes) -> tuple[float, bool]:
    try:
        return float(v), True
    except ValueError:
        return float("nan"), False


# ---------------------------------------------------------------------------------------------- one file


@dataclass
class Segment:
    """What one .wandb file holds."""

    label: str
    run_id: str | None = None
    name: str | None = None
    project: str | None = None
    resumed: bool = False
    exit_code: int | None = None
    goals: dict[str, int] = field(default_factory=dict)  # metric name -> 1 minimise, 2 maximise
    cols: Columns = field(default_factory=Columns)
    step: np.ndarray | None = None  # _step of each row (NaN where a row has none)
    notes: list[str] = field(default_factory=list)


def read_segment(data: bytes | memoryview, label: str) -> Segment:
    head = bytes(data[: len(HEADER)])
    if not head.startswith(HEADER[:4]):
        raise InputError(label, "not a W&B run file (no ':W&B' header)")
    if len(head) < len(HEADER):
        raise InputError(label, f"a W&B run file cut inside its {len(HEADER)}-byte header ({len(data)} bytes)")
    if head != HEADER:
        raise InputError(label, "a W&B run file of an unknown version (header " + head.hex() + ")")
    seg = Segment(label)
    fr = _bulk.frames(data)
    sets: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    if fr is None:  # not clean: chunk by chunk, which finds and names the damage
        framing = deframe(data)
        seg.notes.extend(framing.notes(label))
        if framing.records:
            sets.append(_pack(framing.records, np.arange(len(framing.records), dtype=np.int64)))
    else:
        if fr.incomplete:
            seg.notes.append(f"{label}: last record incomplete (run killed, or still being written?); read up to it")
        sets.append((fr.buf, fr.starts, fr.ends, fr.starts))
        if fr.joined:
            sets.append(_pack([r for _, r in fr.joined], np.array([p for p, _ in fr.joined], dtype=np.int64)))
    _decode(sets, seg)
    if seg.cols.media:
        seg.notes.append(f"{label}: media values (histograms, images, tables) skipped: only numbers are curves")
    step = np.full(seg.cols.rows, np.nan)
    if "_step" in seg.cols.keys:
        rows, vals = seg.cols.series("_step")
        step[rows] = vals
    seg.step = step
    return seg


def _pack(records: list[bytes], pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Records laid end to end in one padded buffer: (buffer, starts, ends, file positions)."""
    lens = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    ends = np.cumsum(lens)
    buf = np.zeros(int(ends[-1]) + _bulk.PAD, dtype=np.uint8)
    buf[: int(ends[-1])] = np.frombuffer(b"".join(records), dtype=np.uint8)
    return buf, ends - lens, ends, pos


def _decode(sets: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], seg: Segment) -> None:
    """History rows (numbered in file order over all sets) into seg.cols; run, exit and metric records into seg."""
    splits = [_bulk.split_records(buf, st, en, pos) for buf, st, en, pos in sets]
    others = sorted((o for sp in splits for o in sp.others), key=lambda o: o[0])
    undecodable = 0
    for _, rec in others:
        try:
            _other_record(rec, seg)
        except ValueError:
            undecodable += 1
    if undecodable:
        seg.notes.append(f"{seg.label}: {undecodable} record(s) could not be decoded; skipped")
    positions = [sp.hist_pos for sp in splits]
    rank = _ranks(positions)
    cols = seg.cols
    cols.rows = sum(len(p) for p in positions)
    for (buf, _st, _en, _pos), sp, row_of in zip(sets, splits, rank, strict=True):
        items = _bulk.walk_items(buf, sp.hist_start, sp.hist_end)
        for r in items.slow_rows.tolist():
            _slow_row(buf[int(sp.hist_start[r]) : int(sp.hist_end[r])].tobytes(), int(row_of[r]), cols)
        for key, parts in items.keys.items():
            name = key.decode("utf-8", errors="replace")
            rows = np.concatenate([p[0] for p in parts])
            vs = np.concatenate([p[1] for p in parts])
            vl = np.concatenate([p[2] for p in parts])
            values, numeric = _bulk.parse_numbers(buf, vs, vl)
            if not numeric.all():
                objects = np.flatnonzero(~numeric & (buf[vs] == ord("{")))
                if len(objects) and any(b'"_type"' in buf[int(vs[i]) : int(vs[i] + vl[i])].tobytes()
                                        for i in objects[:8].tolist()):
                    cols.media = True
            cols.add(name, row_of[rows[numeric]], values[numeric])


def _ranks(positions: list[np.ndarray]) -> list[np.ndarray]:
    """For each set of history records (each in file order), the row number of each record in the whole file."""
    if len(positions) <= 1:
        return [np.arange(len(p), dtype=np.int64) for p in positions]
    allpos = np.concatenate(positions)
    order = np.argsort(allpos, kind="stable")
    rank = np.empty(len(allpos), dtype=np.int64)
    rank[order] = np.arange(len(allpos))
    out, k = [], 0
    for p in positions:
        out.append(rank[k : k + len(p)])
        k += len(p)
    return out


def _other_record(rec: bytes, seg: Segment) -> None:
    for num, _w, v in fields(rec):
        if not isinstance(v, bytes):
            continue
        if num == 17:  # RunRecord
            for f, _w2, x in fields(v):
                if f == 1:
                    seg.run_id = _text(x)
                elif f == 3:
                    seg.project = _text(x)
                elif f == 8:
                    seg.name = _text(x) or seg.name
                elif f == 18:
                    seg.resumed = bool(x)
        elif num == 18:  # RunExitRecord
            seg.exit_code = 0
            for f, _w2, x in fields(v):
                if f == 1 and isinstance(x, int):
                    seg.exit_code = x - (1 << 64) if x >= 1 << 63 else x
        elif num == 12:  # MetricRecord
            name, goal = None, 0
            for f, _w2, x in fields(v):
                if f == 1:
                    name = _text(x)
                elif f == 8 and isinstance(x, int):
                    goal = x
            if name and goal in (1, 2):
                seg.goals[name] = goal


# ---------------------------------------------------------------------------------------------- a run


def build_run(source: str, segments: list[Segment]) -> Run:
    """One Run from the segments of one W&B run (one file, or a run resumed in several folders), in order."""
    last = segments[-1]
    run = Run(source=source, format=FORMAT, name=next((s.name for s in reversed(segments) if s.name), None)
              or last.run_id)
    run.meta.update(run_id=last.run_id, project=last.project,
                    store=f"W&B run {run.name!r} ({last.run_id})" + (f" in project {last.project!r}" if last.project
                                                                    else ""))
    if len(segments) > 1:
        run.notes.append(f"W&B run {last.run_id} was resumed: {len(segments)} segments read in order "
                         f"({', '.join(Path(s.label).parent.name or s.label for s in segments)})")
    for s in segments:
        run.notes.extend(s.notes)
    if last.exit_code is None:
        run.notes.append("no exit record: the run crashed, was killed, or is still running")
    elif last.exit_code != 0:
        run.notes.append(f"the run exited with code {last.exit_code}")
    goals: dict[str, int] = {}
    for s in segments:
        goals.update(s.goals)
    until = _resume_points(segments, run.notes, last.run_id)
    keys = list(dict.fromkeys(k for s in segments for k in s.cols.keys if not k.startswith("_")))
    for key in keys:
        steps_parts, value_parts = [], []
        for s, end in zip(segments, until, strict=True):
            if key not in s.cols.keys:
                continue
            rows, vals = s.cols.series(key)
            order = np.argsort(rows, kind="stable")
            rows, vals = rows[order], vals[order]
            st = s.step[rows] if s.step is not None else rows.astype(np.float64)
            if np.isnan(st).any():
                st = np.where(np.isnan(st), rows, st)
            if end is not None:
                keep = st < end
                st, vals = st[keep], vals[keep]
            steps_parts.append(st)
            value_parts.append(vals)
        values = np.concatenate(value_parts)
        if not len(values):
            continue
        series = build_series(key, values, steps=np.concatenate(steps_parts))
        goal = goals.get(key)
        if goal is not None:
            want_higher = goal == 2
            if series.higher_is_better is None:
                series.higher_is_better = want_higher
                if series.kind == "other":
                    series.kind, series.split = "metric", series.split or "val"
            elif series.higher_is_better != want_higher:
                run.notes.append(f"{key}: W&B's define_metric goal says {'maximise' if want_higher else 'minimise'}"
                                 f", its name says otherwise; kept the name's reading")
        run.add(series)
    return run


def _resume_points(segments: list[Segment], notes: list[str], run_id: str | None) -> list[float | None]:
    """For each segment, the step from which a later segment takes over (None: keep all its rows). A run resumed
    from a checkpoint logs again the steps after it: the earlier segment's rows from the resumed step on are
    replaced by the resumed segment's (as W&B's server keeps one value per step), and the notes say how many. A
    segment whose steps start again from the first one's is left to finish_run's restart rule."""
    firsts = [float(np.nanmin(s.step)) if s.step is not None and np.isfinite(s.step).any() else None
              for s in segments]
    out: list[float | None] = []
    for i, s in enumerate(segments):
        later = [f for f in firsts[i + 1 :] if f is not None]
        end = min(later) if later else None
        if end is not None and firsts[i] is not None and end <= firsts[i]:
            end = None  # a later segment counting from the start again: a restart, which finish_run notes
        if end is not None and s.step is not None:
            dropped = int(np.count_nonzero(s.step >= end))
            if dropped:
                notes.append(f"W&B run {run_id} resumed at step {end:g}: {dropped} row(s) that {Path(s.label).parent.name}"
                             " logged from that step on are replaced by the resumed segment's")
        out.append(end)
    return out


def run_files(path: Path) -> list[Path]:
    """The .wandb files below a ``wandb/`` folder or a run folder (symbolic links such as ``latest-run`` are not
    followed: they point at a run that is also listed)."""
    out: list[Path] = []
    for p in sorted(path.iterdir()):
        if p.is_symlink() or p.name.startswith("."):
            continue
        if p.is_file() and p.suffix == ".wandb":
            out.append(p)
        elif p.is_dir() and (p.name.startswith(("run-", "offline-run-")) or p.name == "wandb"):
            out.extend(run_files(p))
        if len(out) > MAX_RUN_FILES:
            raise InputError(str(path), f"more than {MAX_RUN_FILES:,} W&B run files")
    return out


def _run_id_of(p: Path) -> str:
    stem = p.stem  # run-<id>
    return stem.removeprefix("run-")


def _has_run_file(path: Path) -> bool:
    try:
        return any(p.suffix == ".wandb" and p.is_file() and not p.is_symlink() for p in path.iterdir())
    except OSError:
        return False


def _summary_only(path: Path) -> bool:
    """A W&B run folder (``run-*``) holding no ``run-<id>.wandb`` history, only ``files/wandb-summary.json`` (the
    run's final values): no ``files/wandb-history.jsonl`` and no ``files/output.log`` either, which other readers
    would read in a folder walk. Such a folder is claimed to say what it lacks, instead of "no training log"."""
    if not path.name.startswith(("run-", "offline-run-")) or _has_run_file(path):
        return False
    files = path / "files"
    return ((files / "wandb-summary.json").is_file() and not (files / "wandb-history.jsonl").exists()
            and not (files / "output.log").exists())


def _segment_of(path: Path) -> Segment:
    with Source(str(path), path).mapped() as (data, _):
        return read_segment(data, str(path))


class WandbReader(Reader):
    name = "wandb"
    description = "Weights & Biases run files (wandb/, a run-* folder, run-<id>.wandb), without the wandb package"
    example = "wandb/run-20240101_120000-abc123/run-abc123.wandb"
    handles_dirs = True
    priority = 9

    def sniff(self, head: bytes, path: Path | None) -> bool:
        return head.startswith(HEADER[:6]) or (len(head) < len(HEADER) and head.startswith(HEADER[:4]))

    def sniff_dir(self, path: Path) -> bool:
        if _has_run_file(path) or _summary_only(path):
            return True
        for p in sorted(path.iterdir())[:200]:
            if p.is_dir() and not p.is_symlink() and p.name.startswith(("run-", "offline-run-")) and (
                    _has_run_file(p) or _summary_only(p)):
                return True
        return False

    def read(self, source: Source) -> list[Run]:
        with source.mapped() as (data, _):  # a memory map: the bulk path copies the file once, padded
            seg = read_segment(data, source.label)
        run = build_run(source.label, [seg])
        if not run.series:
            why = "; ".join(n.removeprefix(f"{source.label}: ") for n in seg.notes)
            raise InputError(source.label, "no W&B history with numbers found" + (f" ({why})" if why else ""))
        return [run]

    def read_dir(self, path: Path) -> list[Run]:
        try:
            files = run_files(path)
        except OSError as exc:
            raise InputError(str(path), exc.strerror or str(exc)) from None
        by_id: dict[str, list[Path]] = {}
        for f in files:
            by_id.setdefault(_run_id_of(f), []).append(f)
        runs = []
        for paths in by_id.values():
            paths.sort(key=lambda p: p.parent.name.removeprefix("offline-"))  # run-<YYYYmmdd_HHMMSS>-<id>
            segs = [_segment_of(p) for p in paths]
            runs.append(build_run(str(paths[-1].parent if len(paths) == 1 else path), segs))
        runs = [r for r in runs if r.series]
        if not runs:
            if not files:
                raise InputError(str(path), "a W&B run folder with only files/wandb-summary.json: the run's final "
                                 "values, not a history; its history is in the run-<id>.wandb file (copy it with the "
                                 "folder) or files/wandb-history.jsonl (older wandb versions, or run.history() saved)")
            raise InputError(str(path), "no W&B history with numbers found here")
        return runs



# ---------------------------------------------------------------------------------------------- CSV exports

#: The columns of a W&B runs table export (one row per run: state, config, final values), not a history.
_RUNS_TABLE = ("name", "state", "notes", "user", "tags", "created", "runtime", "sweep")


def _csv_header(head: bytes) -> list[str] | None:
    import csv
    import io

    if b"\x00" in head[:4096]:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    line = text.split("\n", 1)[0].rstrip("\r")
    try:
        return next(csv.reader(io.StringIO(line)))
    except (StopIteration, csv.Error):
        return None


def _is_chart_export(header: list[str]) -> bool:
    return len(header) >= 2 and " - " not in header[0] and all(" - " in c for c in header[1:])


def _first_row_fits(head: bytes, width: int) -> bool:
    """The row after a chart export's header has its width and a number (or nothing) under the x column: a log
    line that happens to hold a comma and ' - ' (fairseq's '[time,ms][logger][INFO] - ...') is no export."""
    import csv
    import io

    lines = head.decode("utf-8", errors="replace").lstrip("\ufeff").split("\n")
    if len(lines) < 2 or (len(lines) == 2 and not lines[1].strip()):
        return True  # a header alone (or cut by the sniff window): decided by the header
    try:
        row = next(csv.reader(io.StringIO(lines[1].rstrip("\r"))))
    except (StopIteration, csv.Error):
        return False
    if len(row) != width:
        return len(lines) == 2  # the second line cut by the sniff window
    x = row[0].strip()
    if not x:
        return True
    try:
        float(x)
    except ValueError:
        return False
    return True


def _is_runs_table(header: list[str]) -> bool:
    return [c.strip().lower() for c in header[:3]] == ["name", "state", "notes"] or (
        len(header) > 6 and sum(c.strip().lower() in _RUNS_TABLE for c in header[:10]) >= 6
    )


class WandbCsvReader(Reader):
    name = "wandb-csv"
    description = ("W&B chart CSV export (Step, '<run> - <metric>', __MIN/__MAX): one run per run name; "
                   "a runs-table export is refused with a message")
    example = "wandb_export_2024-01-01T12_00_00.csv"
    priority = 28

    def sniff(self, head: bytes, path: Path | None) -> bool:
        header = _csv_header(head)
        if header is None:
            return False
        if _is_runs_table(header):
            return True
        return _is_chart_export(header) and _first_row_fits(head, len(header))

    def read(self, source: Source) -> list[Run]:
        import csv
        import io

        text = source.text()
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise InputError(source.label, f"not a readable CSV ({exc})") from None
        if not rows or not rows[0]:
            raise InputError(source.label, "no header row")
        header = rows[0]
        cut_note = None
        last_line = text.rstrip("\r\n").rpartition("\n")[2]
        if len(rows) > 1 and (len(rows[-1]) < len(header) or last_line.count('"') % 2):
            # the export quotes every cell and fills every column: a short last row, or one inside a quote, was
            # cut (a number cut short still parses), so it is left out
            rows = rows[:-1]
            cut_note = "the last row is cut short (fewer cells than the header, or inside a quote): skipped"
        if _is_runs_table(header):
            raise InputError(
                source.label,
                f"a W&B runs table ({len(rows) - 1} runs as rows: config and final values), not a history of "
                "any run; export a chart's CSV (a panel's '...' > Export > CSV) or point lossdoc at the runs' wandb/ "
                "folders",
            )
        x_name = header[0].strip()
        x_is_epoch = x_name.lower() in ("epoch", "epochs", "trainer/epoch")
        by_run: dict[str, list[tuple[int, str]]] = {}
        bands = 0
        for i, col in enumerate(header[1:], start=1):
            run_name, _, metric = col.rpartition(" - ")
            if metric.endswith(("__MIN", "__MAX")):
                bands += 1
                continue
            by_run.setdefault(run_name, []).append((i, metric))
        xs: list[float] = []
        data = rows[1:]
        bad = 0
        for r in data:
            try:
                xs.append(float(r[0]))
            except (ValueError, IndexError):
                xs.append(float("nan"))
                bad += 1
        runs = []
        for run_name, cols in by_run.items():
            run = Run(source=source.label, format=self.name, name=run_name or None)
            run.meta["store"] = f"W&B chart export, run {run_name!r}"
            for i, metric in cols:
                vals, pos = [], []
                for x, r in zip(xs, data, strict=True):
                    cell = r[i].strip() if i < len(r) else ""
                    if not cell or math.isnan(x):
                        continue
                    try:
                        vals.append(float(cell))
                    except ValueError:
                        continue
                    pos.append(x)
                if vals:
                    run.add(build_series(metric, vals, epochs=pos) if x_is_epoch else build_series(metric, vals,
                                                                                                  steps=pos))
            if bands:
                run.notes.append(f"W&B's __MIN/__MAX band columns ({bands}) left out: each row is the chart's "
                                 "sampled point; the band is its bucket's range")
            if bad:
                run.notes.append(f"{bad} row(s) without a number in {x_name!r} skipped")
            if cut_note:
                run.notes.append(cut_note)
            if run.series:
                runs.append(run)
        if not runs:
            raise InputError(source.label, "a W&B chart export with no numbers")
        return runs


READERS = [WandbReader, WandbCsvReader]
