"""A whole SQLite table read straight from its B-tree pages, with array operations: the MLflow store's ``metrics``
table (millions of rows) without SQLite's row-by-row interface, which costs 1-2 us a row from Python.

SQLite's file format (https://www.sqlite.org/fileformat2.html) is stable and documented: a table is a B-tree of
pages; interior pages hold child page numbers, leaf pages hold cells ``payload size (varint) | rowid (varint) |
record``, a record is ``header size (varint) | one serial type (varint) per column | the values``: integers
big-endian in 1, 2, 3, 4, 6 or 8 bytes (types 1-6), 0 and 1 as types 8 and 9, a double as 8 big-endian bytes
(type 7), text as (N-13)/2 bytes (odd N >= 13). A column of REAL affinity stores a whole-number value as an
integer: it is read back as the same float.

Only the plain case is read this way, and only while a read transaction holds SQLite's shared lock on the file (no
writer can commit meanwhile, so the pages are one consistent state): a rollback-journal database, UTF-8, records
that fit in their page, no more columns than the schema says. Anything else returns None and the caller uses SQL.
"""

from __future__ import annotations

import mmap
import sqlite3
from dataclasses import dataclass

import numpy as np

_LEAF, _INTERIOR = 13, 5
_SIZES = np.array([0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0], dtype=np.int64)  # serial types 0..11
_SIZE_LUT = np.concatenate([_SIZES, (np.arange(12, 128) - 12) // 2])  # serial types 0..127 -> bytes


@dataclass
class Table:
    """Columns of every row in rowid order: ``ints``/``reals`` by column name (NaN or 0 where the row holds
    another type), ``texts`` as (start, length) into ``buf``, and ``types`` (the serial type of each value)."""

    buf: np.ndarray
    n: int
    types: dict[str, np.ndarray]
    starts: dict[str, np.ndarray]


def _be(buf: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """Unsigned big-endian integers of ``width`` (1..8) bytes at each position: one 8-byte read, byte-swapped."""
    w = _le_word(buf, at).byteswap()
    return w >> np.uint64(8 * (8 - width)) if width < 8 else w


def _varints(buf: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SQLite varints (big-endian groups of 7 bits, at most 9 bytes) at each position: (value, position after).
    Most are one byte; further bytes are read only for the values that continue."""
    b = buf[at]
    value = b.astype(np.int64)
    after = at + 1
    going = np.flatnonzero(b >= 0x80)
    if not len(going):
        return value, after
    v = value[going] & 0x7F
    for k in range(1, 9):
        nb = buf[at[going] + k].astype(np.int64)
        if k < 8:
            v = (v << 7) | (nb & 0x7F)
            stop = nb < 0x80
        else:
            v = (v << 8) | nb
            stop = np.ones(len(going), dtype=bool)
        done = going[stop]
        value[done] = v[stop]
        after[done] = at[done] + k + 1
        going, v = going[~stop], v[~stop]
        if not len(going):
            break
    return value, after


def read_table(conn: sqlite3.Connection, path: str, table: str) -> Table | None:
    """Every row of ``table`` (a rowid table) from its pages, or None when the file is not the plain case. The
    caller's connection must be inside a read transaction (``BEGIN`` and one read), which it keeps while it reads
    this table's rows."""
    try:
        root = conn.execute("SELECT rootpage, sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (table,)).fetchone()
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        encoding = conn.execute("PRAGMA encoding").fetchone()[0]
    except sqlite3.Error:
        return None
    if not root or not root[0] or "WITHOUT ROWID" in (root[1] or "").upper() or encoding != "UTF-8":
        return None
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size < 512:
            return None
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _read(np.frombuffer(mm, dtype=np.uint8), int(root[0]), cols)
    finally:
        try:
            mm.close()
        except BufferError:  # an array still refers to it: it goes with the last reference
            pass


def _read(file: np.ndarray, root: int, cols: list[str]) -> Table | None:
    head = file[:100].tobytes()
    if not head.startswith(b"SQLite format 3\x00") or head[18] != 1 or head[19] != 1:
        return None  # not a rollback-journal database (WAL pages may hold the newest rows)
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    usable = page_size - head[20]
    n_pages = len(file) // page_size
    if len(file) % page_size or n_pages < root:
        return None
    leaves = _leaves(file, page_size, root, n_pages)
    if leaves is None:
        return None
    if not len(leaves):
        return Table(np.zeros(0, dtype=np.uint8), 0, {}, {})
    buf = file  # read in place: every read below stays inside its cell, so inside the file
    base = (leaves - 1) * page_size
    hdr = base + np.where(leaves == 1, 100, 0)
    ncell = _be(buf, hdr + 3, 2).astype(np.int64)
    total = int(ncell.sum())
    if not total:
        return Table(buf, 0, {}, {})
    page_of = np.repeat(np.arange(len(leaves), dtype=np.int64), ncell)
    first = np.zeros(len(leaves), dtype=np.int64)
    np.cumsum(ncell[:-1], out=first[1:])
    k = np.arange(total, dtype=np.int64) - first[page_of]
    cell = base[page_of] + _be(buf, hdr[page_of] + 8 + 2 * k, 2).astype(np.int64)
    if (cell - base[page_of] >= usable).any():
        return None
    payload, at = _varints(buf, cell)
    if (payload > usable - 35).any() or (payload < 0).any():
        return None  # a record spilling into overflow pages
    _rowid, rec = _varints(buf, at)
    types: dict[str, np.ndarray] = {}
    starts: dict[str, np.ndarray] = {}
    if len(cols) <= 7:  # the usual case: a one-byte header size and one-byte serial types, in one 8-byte read
        w = _le_word(buf, rec)
        if (w & np.uint64(0xFF) == np.uint64(len(cols) + 1)).all():
            ty = [((w >> np.uint64(8 * (j + 1))) & np.uint64(0xFF)).astype(np.int64) for j in range(len(cols))]
            if all(((x < 0x80) & (x != 10) & (x != 11)).all() for x in ty):
                pos = rec + len(cols) + 1
                for name, t in zip(cols, ty, strict=True):
                    types[name] = t
                    starts[name] = pos
                    pos = pos + _SIZE_LUT[t]
                if (pos != rec + payload).any():
                    return None
                return Table(buf, total, types, starts)
    hsize, at = _varints(buf, rec)
    pos = rec + hsize
    for name in cols:
        if (at >= rec + hsize).any():
            return None  # fewer columns stored than the schema has (ALTER TABLE ADD COLUMN): SQL knows defaults
        t, at = _varints(buf, at)
        if (t == 10).any() or (t == 11).any() or (t < 0).any():
            return None
        size = np.where(t >= 12, (t - 12) // 2, _SIZES[np.minimum(t, 11)])
        types[name] = t
        starts[name] = pos
        pos = pos + size
    if (at != rec + hsize).any() or (pos != rec + payload).any():
        return None  # the header or the values do not add up: not what this reader expects
    return Table(buf, total, types, starts)


def _leaves(file: np.ndarray, page_size: int, root: int, n_pages: int) -> np.ndarray | None:
    """The table's leaf page numbers in key order (a depth-first walk of its interior pages)."""
    out: list[int] = []
    stack = [root]
    seen = 0
    while stack:
        page = stack.pop()
        seen += 1
        if page < 1 or page > n_pages or seen > n_pages:
            return None
        base = (page - 1) * page_size
        hdr = base + (100 if page == 1 else 0)
        kind = int(file[hdr])
        if kind == _LEAF:
            out.append(page)
            continue
        if kind != _INTERIOR:
            return None
        ncell = int.from_bytes(file[hdr + 3 : hdr + 5].tobytes(), "big")
        ptrs = file[hdr + 12 : hdr + 12 + 2 * ncell].astype(np.int64).reshape(-1, 2)
        offs = base + (ptrs[:, 0] << 8 | ptrs[:, 1])
        kids = [int.from_bytes(file[o : o + 4].tobytes(), "big") for o in offs.tolist()]
        kids.append(int.from_bytes(file[hdr + 8 : hdr + 12].tobytes(), "big"))
        stack.extend(reversed(kids))
    return np.array(out, dtype=np.int64)


_WIDTH = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _signed(raw: np.ndarray, width: int) -> np.ndarray:
    if width < 8:  # two's complement of `width` bytes
        sign = np.uint64(1) << np.uint64(8 * width - 1)
        raw = (raw ^ sign) - sign
    return raw.view(np.int64)


def ints(t: Table, name: str) -> np.ndarray | None:
    """An integer column (types 1-6, 8, 9); None if some value is of another type."""
    ty, at = t.types[name], t.starts[name]
    if t.n and (ty == ty[0]).all():  # one type all along: one conversion
        code = int(ty[0])
        if code in (8, 9):
            return np.full(t.n, code - 8, dtype=np.int64)
        if code in _WIDTH:
            return _signed(_be(t.buf, at, _WIDTH[code]), _WIDTH[code])
        return None
    out = np.zeros(t.n, dtype=np.int64)
    out[ty == 9] = 1
    for code, width in ((1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (6, 8)):
        sel = np.flatnonzero(ty == code)
        if len(sel):
            out[sel] = _signed(_be(t.buf, at[sel], width), width)
    if not np.isin(ty, (1, 2, 3, 4, 5, 6, 8, 9)).all():
        return None
    return out


def reals(t: Table, name: str) -> np.ndarray | None:
    """A REAL column: doubles (type 7) and the whole numbers SQLite stores as integers; None otherwise."""
    ty, at = t.types[name], t.starts[name]
    if t.n and (ty == 7).all():
        return _be(t.buf, at, 8).view(np.float64)
    out = np.zeros(t.n, dtype=np.float64)
    d = np.flatnonzero(ty == 7)
    if len(d):
        out[d] = _be(t.buf, at[d], 8).view(np.float64)
    i = np.flatnonzero(ty != 7)
    if len(i):
        sub = Table(t.buf, len(i), {name: ty[i]}, {name: at[i]})
        iv = ints(sub, name)
        if iv is None:
            return None
        out[i] = iv.astype(np.float64)
    return out


def texts(t: Table, name: str) -> tuple[list[bytes], np.ndarray] | None:
    """A text column as (the distinct values, the index of each row's value), for columns with few distinct values
    that repeat in runs of rows (a run id, a metric key): values are compared with the row before, and each change
    looked up by its bytes. None if some value is not text."""
    ty, at = t.types[name], t.starts[name]
    if not ((ty >= 13) & (ty % 2 == 1)).all():
        return None
    ln = (ty - 13) // 2
    width = int(ln.max()) if t.n else 0
    if width > 256:
        return None
    change = np.ones(t.n, dtype=bool)
    change[1:] = ln[1:] != ln[:-1]
    for k in range(0, width, 8):  # 8 bytes at a time, as integers
        w = _le_word(t.buf, at + k)
        keep = np.uint64(0xFFFFFFFFFFFFFFFF) >> (np.uint64(8) * np.clip(8 - (ln - k), 0, 8).astype(np.uint64))
        w = np.where(ln > k, w & np.where(ln - k >= 8, np.uint64(0xFFFFFFFFFFFFFFFF), keep), np.uint64(0))
        change[1:] |= w[1:] != w[:-1]
    starts = np.flatnonzero(change)
    if len(starts) > max(1000, t.n // 4):
        return None  # not runs of repeated values
    values: dict[bytes, int] = {}
    seg_code = np.empty(len(starts), dtype=np.int64)
    for j, s in enumerate(starts.tolist()):
        v = t.buf[int(at[s]) : int(at[s] + ln[s])].tobytes()
        seg_code[j] = values.setdefault(v, len(values))
    code = np.repeat(seg_code, np.diff(np.append(starts, t.n)))
    return list(values), code


def _le_word(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes at each position as a little-endian integer (bytes past the end of ``buf`` count as 0)."""
    view = np.ndarray((max(0, len(buf) - 7),), dtype="<u8", buffer=buf, strides=(1,))
    near_end = at > len(buf) - 8
    out = view[np.where(near_end, 0, at)]
    for i in np.flatnonzero(near_end).tolist():
        tail = buf[int(at[i]) :].tobytes()[:8]
        out[i] = int.from_bytes(tail.ljust(8, b"\0"), "little")
    return out


def few_texts(t: Table, name: str, most: int = 256) -> tuple[list[bytes], np.ndarray] | None:
    """A text column with at most ``most`` distinct values in any order (a metric key): each value's first 16
    bytes as two integers and its length, matched against one distinct value at a time; longer values are
    compared by all their bytes. None if some value is not text, or there are more distinct values."""
    ty, at = t.types[name], t.starts[name]
    if not ((ty >= 13) & (ty % 2 == 1)).all():
        return None
    ln = (ty - 13) // 2
    full = np.uint64(0xFFFFFFFFFFFFFFFF)

    def word(k: int) -> np.ndarray:
        w = _le_word(t.buf, at + k)
        rest = np.clip(ln - k, 0, 8).astype(np.uint64)
        mask = np.where(rest >= 8, full, (np.uint64(1) << (np.uint64(8) * rest)) - np.uint64(1))
        return w & mask

    w0, w1 = word(0), word(8)
    code = np.full(t.n, -1, dtype=np.int64)
    values: list[bytes] = []
    rest = np.arange(t.n)
    while len(rest):
        if len(values) >= most:
            return None
        i = int(rest[0])
        same = (ln[rest] == ln[i]) & (w0[rest] == w0[i]) & (w1[rest] == w1[i])
        members = rest[same]
        v = t.buf[int(at[i]) : int(at[i] + ln[i])].tobytes()
        if ln[i] > 16:  # compare the bytes past the first 16
            exact = np.ones(len(members), dtype=bool)
            for j in range(16, int(ln[i])):
                exact &= t.buf[at[members] + j] == v[j]
            members = members[exact]
            same = np.isin(rest, members, assume_unique=True)
        code[members] = len(values)
        values.append(v)
        rest = rest[~same]
    return values, code
