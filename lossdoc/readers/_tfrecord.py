"""TFRecord framing, CRC32C and the scalar fast path of the TensorBoard reader, in numpy (no protobuf here).

Three steps, each over the whole file at once rather than one Python object per event:

1. **Framing** (``frame``). A record is ``uint64 length | uint32 masked crc32c(length) | data | uint32 masked
   crc32c(data)``. Where records are, is a chain (each length gives the next start), but event files are
   periodic: a writer logs the same tags in the same order, so the lengths repeat with a short period. The walk
   reads a few records in Python, finds the period of their lengths and then *speculates*: it reads the length
   and length-CRC fields at every position the period predicts, for thousands of records at once (each slot of
   the period a strided view of the file), and keeps the records up to the first one that differs (a new tag, a
   longer step varint, a corrupt header...), where it walks on in Python. Every header's CRC is checked (in
   Python, or vectorised against the CRC of the predicted length). The stretches that held are kept as
   ``Block``s: in a block, slot j of every period is a column of equal-length records evenly spaced in the file.
2. **CRC32C of every payload** (``crc32c_rows``, ``crc32c_many``). CRC32C is affine over GF(2): the CRC of an
   L-byte string is a constant for L XOR, for every byte, a table lookup indexed by the byte and its distance
   from the end. Records of one length are rows of a matrix (a zero-copy strided view of the file when they
   are evenly spaced): their CRCs are a column-wise XOR of table lookups, two bytes per lookup. Records of
   other lengths are cut into 64-byte blocks whose CRCs are shifted into place with precomputed
   "append 2^k zero bytes" tables and XOR-reduced per record.
3. **Decoding** (``scan``, with the CRCs). A block's slots are read in place, as zero-copy strided views of
   the file (payloads and the stored CRCs after them), a few MB of periods at a time so that all slots of a
   chunk are read while it is in cache; the other records are gathered by length. Rows of one length whose
   bytes follow one fixed Event layout (a ``simple_value`` summary as SummaryWriter.add_scalar writes it; a
   rank-0 float/double tensor, with or without its plugin metadata, as ``add_scalar(new_style=True)`` and
   TF2/Keras write it) are checked against
   that layout's template in bulk (every byte outside wall_time/step/value must equal the template's, the step
   varint must end where the template's does) and their wall time, step and value are read as numpy columns.
   A record that matches no template (histograms, images, text, graphs, multi-value summaries, another field
   order...) is left to the protobuf path by the caller.

The layouts are recognised by a strict hand parser (``_layout``) that accepts only what it fully understands
(known fields, each once, valid UTF-8 strings); anything else is "unusual" and goes to protobuf.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

POLY = 0x82F63B78
MASK_DELTA = 0xA282EAD8

# ---------------------------------------------------------------------------------------------- CRC32C tables


def _byte_table() -> np.ndarray:
    c = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        c = np.where(c & 1, (c >> 1) ^ np.uint32(POLY), c >> 1).astype(np.uint32)
    return c


TABLE = _byte_table()
_TABLE_PY = tuple(int(x) for x in TABLE)


def crc32c_py(data: bytes, table: tuple[int, ...] = _TABLE_PY) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    """TFRecord's masked CRC, for a Python int or a uint32 array."""
    if isinstance(crc, np.ndarray):
        c = crc.astype(np.uint32)  # a copy: the rest is in place
        hi = c << np.uint32(17)
        c >>= np.uint32(15)
        c |= hi
        c += np.uint32(MASK_DELTA)
        return c
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + MASK_DELTA) & 0xFFFFFFFF


class _Tables:
    """Lazily grown tables: ``dist[k][b]`` is the contribution of byte b followed by k bytes (the linear part of
    the CRC), ``pair[k]`` the same for a little-endian byte pair whose second byte is followed by k bytes, and
    ``zpow[j]`` the map "append 2^j zero bytes" as four byte-indexed tables."""

    def __init__(self) -> None:
        self.dist = TABLE[None, :].copy()
        self.pair: dict[int, np.ndarray] = {}
        z0 = np.empty((4, 256), dtype=np.uint32)
        b = np.arange(256, dtype=np.uint32)
        z0[0] = TABLE  # one zero byte: c -> T[c & 0xff] ^ (c >> 8)
        z0[1] = b
        z0[2] = b << np.uint32(8)
        z0[3] = b << np.uint32(16)
        self.zpow = [z0]

    def dist_upto(self, n: int) -> np.ndarray:
        d = self.dist
        if len(d) < n:
            rows = [d]
            last = d[-1]
            for _ in range(n - len(d)):
                last = TABLE[last & 0xFF] ^ (last >> np.uint32(8))
                rows.append(last[None, :])
            self.dist = d = np.concatenate(rows)
        return d

    def pair_table(self, k: int) -> np.ndarray:
        t = self.pair.get(k)
        if t is None:
            d = self.dist_upto(k + 2)
            # index = lo | hi << 8; lo is followed by k + 1 bytes, hi by k.
            t = (d[k][:, None] ^ d[k + 1][None, :]).ravel()
            self.pair[k] = t
        return t

    def zero_pow(self, j: int) -> np.ndarray:
        while len(self.zpow) <= j:
            z = self.zpow[-1]
            self.zpow.append(apply_linear(z, z.ravel()).reshape(4, 256))
        return self.zpow[j]


def apply_linear(tables: np.ndarray, c: np.ndarray) -> np.ndarray:
    return (
        tables[0][c & 0xFF]
        ^ tables[1][(c >> np.uint32(8)) & 0xFF]
        ^ tables[2][(c >> np.uint32(16)) & 0xFF]
        ^ tables[3][c >> np.uint32(24)]
    )


_T = _Tables()


def _zero_shift(c: np.ndarray, nbytes: np.ndarray) -> np.ndarray:
    """Each c advanced over nbytes zero bytes (elementwise; nbytes >= 0)."""
    c = c.copy()
    nbytes = np.asarray(nbytes, dtype=np.int64)
    if not len(c):
        return c
    top = int(nbytes.max()).bit_length()
    for j in range(top):
        sel = ((nbytes >> j) & 1).astype(bool)
        if sel.any():
            c[sel] = apply_linear(_T.zero_pow(j), c[sel])
    return c


_CONST: dict[int, int] = {}


def _const(n: int) -> int:
    """CRC32C of n zero bytes: the part of an n-byte string's CRC that does not depend on its bytes."""
    v = _CONST.get(n)
    if v is None:
        v = int(_zero_shift(np.array([0xFFFFFFFF], dtype=np.uint32), np.array([n]))[0]) ^ 0xFFFFFFFF
        _CONST[n] = v
    return v


ROW_CHUNK = 65536


def crc32c_rows(rows: np.ndarray) -> np.ndarray:
    """CRC32C of each row of an (n, L) uint8 array (any strides)."""
    return crc32c_block(rows, rows.shape[1])


#: Byte-pair tables (256 KiB each, one per distance from the end) exist only for distances below this; a longer
#: row is taken ROW_TABLE bytes at a time (Horner's rule: shift what came before over the next piece, XOR it in),
#: so the tables stay at 16 MiB whatever the record lengths (uncapped, a file of 20 KB records took 2.6 GB).
ROW_TABLE = 128


def crc32c_block(block: np.ndarray, L: int) -> np.ndarray:
    """CRC32C of the first L bytes of each row of an (n, W >= L) uint8 array whose rows are contiguous (any row
    stride: a gathered block, or a zero-copy strided view of the file): the rows' byte pairs, transposed into
    columns, each looked up in the 65536-entry table for its distance from the end."""
    if L > ROW_TABLE:
        return _crc32c_long_rows(block, L)
    n = block.shape[0]
    if block.strides[1] != 1:
        block = np.ascontiguousarray(block)
    out = np.empty(n, dtype=np.uint32)
    const = np.uint32(_const(L))
    odd = L % 2
    tables = [_T.pair_table(L - 2 - k) for k in range(odd, L - 1, 2)]
    first = _T.dist_upto(L)[L - 1] if odd else None
    for a in range(0, n, ROW_CHUNK):
        blk = block[a : a + ROW_CHUNK]
        m = len(blk)
        acc = np.full(m, const, dtype=np.uint32)
        if odd:
            acc ^= np.take(first, blk[:, 0])
        if tables:
            u16 = blk[:, odd : odd + 2 * (L // 2)].view("<u2")  # (m, L // 2), any row stride
            cols = np.ascontiguousarray(u16.T)
            for table, col in zip(tables, cols):
                acc ^= np.take(table, col)
        out[a : a + m] = acc
    return out


def _crc32c_long_rows(block: np.ndarray, L: int) -> np.ndarray:
    """``crc32c_block`` for rows longer than ROW_TABLE: the linear part of the first L % ROW_TABLE bytes (or
    of a whole piece), then for each further piece of ROW_TABLE bytes, shift over it and XOR its linear part."""
    head = L % ROW_TABLE or ROW_TABLE
    shift = _T.zero_pow(ROW_TABLE.bit_length() - 1)  # "append ROW_TABLE zero bytes"
    acc = crc32c_block(block[:, :head], head) ^ np.uint32(_const(head))
    piece_const = np.uint32(_const(ROW_TABLE))
    for a in range(head, L, ROW_TABLE):
        acc = apply_linear(shift, acc) ^ crc32c_block(block[:, a : a + ROW_TABLE], ROW_TABLE) ^ piece_const
    return acc ^ np.uint32(_const(L))


BLOCK = 64


def crc32c_many(data, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """CRC32C of the byte ranges [start, start + length) of ``data``, any lengths, vectorised."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(starts)
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    buf = np.frombuffer(data, dtype=np.uint8)
    nblocks = np.maximum((lengths + BLOCK - 1) // BLOCK, 1)
    pad = nblocks * BLOCK - lengths  # leading zero bytes do not change the linear part
    total = int(nblocks.sum())
    flat = np.zeros(total * BLOCK, dtype=np.uint8)
    dest = np.concatenate(([0], np.cumsum(nblocks * BLOCK)[:-1])) + pad
    for s, d, ln in zip(starts.tolist(), dest.tolist(), lengths.tolist()):
        flat[d : d + ln] = buf[s : s + ln]
    blocks = flat.reshape(total, BLOCK)
    lin = crc32c_rows(blocks) ^ np.uint32(_const(BLOCK))  # linear part of each block
    first_block = np.concatenate(([0], np.cumsum(nblocks)[:-1]))
    after = np.repeat(first_block + nblocks, nblocks) - np.arange(total) - 1  # blocks after this one
    lin = _zero_shift(lin, after * BLOCK)
    per = np.bitwise_xor.reduceat(lin, first_block)
    consts = np.array([_const(int(x)) for x in lengths.tolist()], dtype=np.uint32)
    return per ^ consts


def crc32c(data) -> int:
    data = bytes(data)
    if len(data) < 256:
        return crc32c_py(data)
    return int(crc32c_many(data, np.array([0]), np.array([len(data)]))[0])


def masked_crc32c(data) -> int:
    return mask(crc32c(data))


# ---------------------------------------------------------------------------------------------- framing

_Q = struct.Struct("<Q")
_I = struct.Struct("<I")
_HEADER_CRC: dict[int, int] = {}


def header_crc(length: int) -> int:
    v = _HEADER_CRC.get(length)
    if v is None:
        v = _HEADER_CRC[length] = mask(crc32c_py(_Q.pack(length)))
    return v


@dataclass
class Block:
    """Records laid out periodically: ``periods`` repeats, ``stride`` bytes apart, of records with the payload
    lengths ``slots``, the first at file offset ``pos`` and record index ``rec``. Slot j of every period is a
    column of equal-length records evenly spaced in the file: a zero-copy strided view (``rows``)."""

    rec: int
    pos: int
    stride: int
    slots: tuple[int, ...]
    periods: int

    def rows(self, data, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slot j: (record indices, (periods, length) uint8 view of the payloads, view of the stored payload
        CRCs that follow them)."""
        off = self.pos + 12 + sum(16 + x for x in self.slots[:j])
        L = self.slots[j]
        view = np.ndarray((self.periods, L), dtype=np.uint8, buffer=data, offset=off, strides=(self.stride, 1))
        crcs = np.ndarray((self.periods,), dtype="<u4", buffer=data, offset=off + L, strides=(self.stride,))
        return self.rec + j + len(self.slots) * np.arange(self.periods, dtype=np.int64), view, crcs


@dataclass
class Framing:
    """Where the records are (offset of each record's 12-byte header, payload length), up to the first record
    whose header is damaged or which is incomplete; ``stop`` says which ("badcrc", "incomplete" or None).
    ``blocks`` are the periodic stretches the walk found (their records are also in ``pos``/``length``)."""

    pos: np.ndarray
    length: np.ndarray
    stop: str | None = None
    blocks: list[Block] = field(default_factory=list)


MAX_PERIOD = 64
WALK = 2 * MAX_PERIOD


def _period(lens: list[int]) -> int:
    """The shortest period P <= MAX_PERIOD of the lengths: the whole window when it repeats with one (a writer
    logging the same tags in turn), else only its last 2P lengths (a pattern with rare exceptions); 0 if none."""
    n = len(lens)
    top = min(MAX_PERIOD, n // 2)
    for p in range(1, top + 1):
        if lens[p:] == lens[:-p]:
            return p
    for p in range(1, top + 1):
        if lens[n - p :] == lens[n - 2 * p : n - p]:
            return p
    return 0


def _windows(data: bytes, dtype: str, size: int) -> np.ndarray:
    """Element i is the ``dtype`` value of the bytes [i, i + size): a zero-copy view for gathers at any offset."""
    return np.ndarray((max(len(data) - size + 1, 0),), dtype=dtype, buffer=data, offset=0, strides=(1,))


def frame(data: bytes) -> Framing:
    """Record offsets and lengths, walking the chain: a few records in Python, then as many as the period of
    their lengths predicts, checked all at once (length and length-CRC fields at each predicted offset)."""
    n = len(data)
    pos = 0
    chunks_pos: list[np.ndarray] = []
    chunks_len: list[np.ndarray] = []
    blocks: list[Block] = []
    count = 0  # records in chunks_pos
    seq_pos: list[int] = []
    seq_len: list[int] = []
    stop: str | None = None
    unpack_q = _Q.unpack_from
    unpack_i = _I.unpack_from
    walk = WALK
    periods = 64  # how many periods to speculate over next
    pattern: list[int] | None = None  # the slot lengths of the last pattern that held
    held = False  # the last speculation held to its end: speculate again at once, over more periods
    while pos < n and stop is None:
        recent: list[int] = []
        for _ in range(0 if held else walk):  # walk a few records in Python
            if pos >= n:
                break
            if n - pos < 12:
                stop = "incomplete"
                break
            (length,) = unpack_q(data, pos)
            if header_crc(length) != unpack_i(data, pos + 8)[0]:
                stop = "badcrc"
                break
            if pos + 16 + length > n:
                stop = "incomplete"
                break
            seq_pos.append(pos)
            seq_len.append(length)
            recent.append(length)
            pos += 16 + length
            if pattern is not None and n - pos >= 8:
                # after a break in a known pattern: resume it as soon as the next length fits one of its slots
                (nxt,) = unpack_q(data, pos)
                if nxt in pattern:
                    j = pattern.index(nxt)
                    recent = pattern[j:] + pattern[:j]
                    break
        if stop is not None or pos >= n:
            break
        if held and pattern is not None:
            slot_len = pattern
        elif pattern is not None and recent and len(recent) == len(pattern) and sorted(recent) == sorted(pattern):
            slot_len = recent
        else:
            p = _period(recent)
            if not p:
                pattern = None
                walk = min(walk * 2, 4096)
                continue
            slot_len = recent[-p:]
        p = len(slot_len)
        walk = WALK
        offs = np.cumsum([0] + [16 + x for x in slot_len])
        stride = int(offs[-1])
        m = min(periods, (n - pos) // stride)
        held = False
        if m < 2:
            pattern = None
            walk = 4096
            continue
        # Slot j's headers over the m periods are evenly spaced: strided views of the file, compared in place.
        bad = np.zeros((m, p), dtype=bool)
        for j, L in enumerate(slot_len):
            at = pos + int(offs[j])
            head = np.ndarray((m,), dtype="<u8", buffer=data, offset=at, strides=(stride,))
            hcrc = np.ndarray((m,), dtype="<u4", buffer=data, offset=at + 8, strides=(stride,))
            np.not_equal(head, L, out=bad[:, j])
            bad[:, j] |= hcrc != header_crc(L)
        bad = bad.ravel()
        k = int(bad.argmax()) if bad.any() else m * p
        grid = (np.arange(m, dtype=np.int64)[:, None] * stride + offs[None, :-1]).ravel() + pos
        want = np.tile(np.array(slot_len, dtype=np.int64), m)
        if seq_pos:
            chunks_pos.append(np.array(seq_pos, dtype=np.int64))
            chunks_len.append(np.array(seq_len, dtype=np.int64))
            count += len(seq_pos)
            seq_pos, seq_len = [], []
        if k:
            full = k // p
            if full:
                slots = tuple(slot_len)
                last = blocks[-1] if blocks else None
                if (
                    last is not None
                    and last.slots == slots
                    and last.rec + last.periods * p == count
                    and last.pos + last.periods * stride == pos
                ):
                    last.periods += full  # the same pattern, carried on
                else:
                    blocks.append(Block(count, pos, stride, slots, full))
            chunks_pos.append(grid[:k])
            chunks_len.append(want[:k])
            count += k
            pos = int(grid[k]) if k < m * p else pos + m * stride
        if k == m * p:
            periods = min(2 * periods, max(1, (1 << 20) // p))
            pattern = slot_len
            held = True
        elif k >= 2 * p:
            periods = max(16, k // p * 2)
            pattern = slot_len[k % p :] + slot_len[: k % p]
        else:
            pattern = None
    if seq_pos:
        chunks_pos.append(np.array(seq_pos, dtype=np.int64))
        chunks_len.append(np.array(seq_len, dtype=np.int64))
    if chunks_pos:
        return Framing(np.concatenate(chunks_pos), np.concatenate(chunks_len), stop, blocks)
    return Framing(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), stop, blocks)


def gather_rows(data: bytes, starts: np.ndarray, length: int, win8: np.ndarray | None = None) -> np.ndarray:
    """The byte ranges [s, s + length) as a C-contiguous (n, 8 * ceil(length / 8)) uint8 array (bytes past
    ``length`` are whatever follows), gathered eight bytes at a time."""
    words = max(1, (length + 7) // 8)
    n = len(starts)
    if n and int(starts[-1]) + 8 * words <= len(data) and int(starts.max()) + 8 * words <= len(data):
        if win8 is None:
            win8 = _windows(data, "<u8", 8)
        idx = starts[:, None] + np.arange(0, 8 * words, 8, dtype=np.int64)[None, :]
        return np.ascontiguousarray(win8[idx]).view(np.uint8).reshape(n, 8 * words)
    out = np.zeros((n, 8 * words), dtype=np.uint8)
    buf = np.frombuffer(data, dtype=np.uint8)
    for i, st in enumerate(starts.tolist()):
        out[i, :length] = buf[st : st + length]
    return out


def _groups(length: np.ndarray, small: int) -> tuple[list[tuple[int, np.ndarray]], np.ndarray]:
    """Record indices grouped by length for the lengths <= ``small`` (ascending indices in each group), and the
    indices of the longer records."""
    is_small = length <= small
    big = np.flatnonzero(~is_small)
    counts = np.bincount(length[is_small], minlength=1) if is_small.any() else np.zeros(1, dtype=np.int64)
    distinct = np.flatnonzero(counts)
    groups: list[tuple[int, np.ndarray]] = []
    if len(distinct) <= 24:
        for L in distinct.tolist():
            groups.append((L, np.flatnonzero(length == L)))
    else:
        order = np.argsort(length, kind="stable")
        order = order[is_small[order]]
        cut = np.flatnonzero(np.diff(length[order])) + 1
        for idx in np.split(order, cut):
            groups.append((int(length[idx[0]]), idx))
    return groups, big


GROUP_CHUNK = 65536
MIN_GROUP = 8
SMALL = 1024


@dataclass
class Scan:
    """What one pass over the records found: the first record with a bad payload CRC (or the record count), the
    scalar points decoded by the fast path, and which records are left to protobuf."""

    good: int
    points: list
    rest: np.ndarray


BLOCK_BYTES = 1 << 22
#: A periodic block shorter than this is read with the other records (gathered by length).
MIN_BLOCK = 64
#: ... and so is a block of more slots than this: its columns are short (a train loss every step and a val loss
#: every 50 steps is a period of 51 records), and gathering all records of a length at once makes fewer calls.
MAX_BLOCK_SLOTS = 8


def scan(data: bytes, fr: Framing) -> Scan:
    """Check every record's payload CRC and decode the records in known scalar layouts: the periodic blocks slot
    by slot as zero-copy strided views of the file, then the other records one length at a time, gathered."""
    pos, length = fr.pos, fr.length
    n = len(pos)
    rest = np.ones(n, dtype=bool)
    points: list[Points] = []
    if n == 0:
        return Scan(0, points, rest)
    win8 = _windows(data, "<u8", 8)
    win4 = _windows(data, "<u4", 4)
    layouts: dict[bytes, Layout | None] = {}
    covered = np.zeros(n, dtype=bool)
    first_bad = n
    for b in fr.blocks:
        if b.periods < MIN_BLOCK or len(b.slots) > MAX_BLOCK_SLOTS:
            continue
        slots = [(L, *b.rows(data, j)) for j, L in enumerate(b.slots) if L]
        # Period chunks of about BLOCK_BYTES, every slot of one before the next: the chunk stays in cache.
        step = max(1, BLOCK_BYTES // b.stride)
        for a in range(0, b.periods, step):
            for L, recs, view, crcs in slots:
                sub, rows = recs[a : a + step], view[a : a + step]
                wrong = mask(crc32c_block(rows, L)) != crcs[a : a + step]
                if wrong.any():
                    first_bad = min(first_bad, int(sub[int(wrong.argmax())]))
                if 12 <= L <= 512:
                    _decode_block(rows, L, sub, layouts, points, rest)
        for _, recs, _, _ in slots:
            covered[recs] = True
    others = np.flatnonzero(~covered) if covered.any() else np.arange(n)
    stored = win4[pos[others] + 12 + length[others]] if len(others) else np.zeros(0, dtype=np.uint32)
    computed = np.empty(n, dtype=np.uint32)
    groups, big = _groups(length[others], SMALL)
    groups = [(L, others[idx]) for L, idx in groups]
    leftovers = [others[big]]
    for L, idx in groups:
        if len(idx) < MIN_GROUP or L == 0:
            leftovers.append(idx)
            continue
        for a in range(0, len(idx), GROUP_CHUNK):
            sub = idx[a : a + GROUP_CHUNK]
            block = gather_rows(data, pos[sub] + 12, L, win8)
            computed[sub] = crc32c_block(block, L)
            if 12 <= L <= 512:
                _decode_block(block, L, sub, layouts, points, rest)
    left = np.concatenate(leftovers)
    if len(left):
        computed[left] = crc32c_many(data, pos[left] + 12, length[left])
    bad = np.flatnonzero(mask(computed[others]) != stored)
    if len(bad):
        first_bad = min(first_bad, int(others[bad[0]]))
    return Scan(first_bad, points, rest)



# ---------------------------------------------------------------------------------------------- layouts


class _Unusual(Exception):
    pass


def _varint(p: bytes, i: int) -> tuple[int, int]:
    shift = 0
    v = 0
    while True:
        if i >= len(p) or shift > 63:
            raise _Unusual
        b = p[i]
        i += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, i
        shift += 7


def _string(p: bytes, a: int, b: int) -> str:
    try:
        return p[a:b].decode("utf-8")
    except UnicodeDecodeError:
        raise _Unusual from None


@dataclass(frozen=True)
class Layout:
    """One record's byte layout: where the variable fields are; every other byte is fixed."""

    length: int
    wall: int | None  # offset of the 8-byte wall_time, None when absent (0.0)
    step: int | None  # offset of the step varint
    step_len: int
    value: int  # offset of the value bytes
    value_dtype: str  # "<f4" or "<f8"
    tag: str | None  # None: an Event without a summary (only its wall time is read)
    is_tensor: bool
    plugin: str | None  # plugin_name of the value's metadata, when it carries one
    fixed: tuple[tuple[int, int], ...] = field(default=())  # [a, b) ranges of fixed bytes


def _fields(p: bytes, a: int, b: int, allowed: set[int]) -> dict[int, tuple[int, int]]:
    """Top-level fields of p[a:b]: {key byte: (start, end) of the value} (for varints/fixed, the value bytes)."""
    out: dict[int, tuple[int, int]] = {}
    i = a
    while i < b:
        key = p[i]
        if key & 0x80 or key not in allowed or key in out:
            raise _Unusual
        i += 1
        wt = key & 7
        if wt == 0:
            _, j = _varint(p, i)
        elif wt == 1:
            j = i + 8
        elif wt == 5:
            j = i + 4
        elif wt == 2:
            ln, i = _varint(p, i)
            j = i + ln
        else:
            raise _Unusual
        if j > b:
            raise _Unusual
        out[key] = (i, j)
        i = j
    return out


def _layout(p: bytes) -> Layout | None:
    try:
        return _parse_layout(p)
    except _Unusual:
        return None


def _parse_layout(p: bytes) -> Layout:
    ev = _fields(p, 0, len(p), {0x09, 0x10, 0x1A, 0x2A, 0x52})  # wall_time, step, file_version, summary, source
    if 0x2A not in ev:
        return _plain_layout(p, ev)
    if 0x1A in ev or 0x52 in ev:
        raise _Unusual
    summ = _fields(p, *ev[0x2A], {0x0A})  # exactly one Summary.Value
    if 0x0A not in summ:
        raise _Unusual
    val = _fields(p, *summ[0x0A], {0x0A, 0x15, 0x42, 0x4A})  # tag, simple_value, tensor, metadata
    if 0x0A not in val or (0x15 in val) == (0x42 in val):
        raise _Unusual
    tag = _string(p, *val[0x0A])
    if not tag:
        raise _Unusual
    plugin = None
    if 0x4A in val:
        meta = _fields(p, *val[0x4A], {0x0A, 0x12, 0x1A, 0x20})
        for k in (0x12, 0x1A):
            if k in meta:
                _string(p, *meta[k])
        if 0x0A in meta:
            pd = _fields(p, *meta[0x0A], {0x0A, 0x12})
            if 0x0A in pd:
                plugin = _string(p, *pd[0x0A])
    variable: list[tuple[int, int]] = []
    if 0x15 in val:
        value, dtype = val[0x15][0], "<f4"
    else:
        t = _fields(p, *val[0x42], {0x08, 0x12, 0x22, 0x2A, 0x2D, 0x32, 0x31})
        if 0x08 not in t:
            raise _Unusual
        dt, _ = _varint(p, t[0x08][0])
        if 0x12 in t:  # tensor_shape: only dims of size 1, unnamed
            a, b = t[0x12]
            i = a
            while i < b:
                if p[i] != 0x12:
                    raise _Unusual
                ln, i = _varint(p, i + 1)
                dim = _fields(p, i, i + ln, {0x08})
                if 0x08 not in dim or _varint(p, dim[0x08][0])[0] != 1:
                    raise _Unusual
                i += ln
        carriers = [k for k in (0x22, 0x2A, 0x2D, 0x32, 0x31) if k in t]
        if len(carriers) != 1:
            raise _Unusual
        k = carriers[0]
        a, b = t[k]
        want = {(1, 0x22): 4, (2, 0x22): 8, (1, 0x2A): 4, (1, 0x2D): 4, (2, 0x32): 8, (2, 0x31): 8}.get((dt, k))
        if want is None or b - a != want:
            raise _Unusual
        value, dtype = a, ("<f4" if want == 4 else "<f8")
    size = 4 if dtype == "<f4" else 8
    variable.append((value, value + size))
    wall = ev[0x09][0] if 0x09 in ev else None
    if wall is not None:
        variable.append((wall, wall + 8))
    step = step_len = None
    if 0x10 in ev:
        step, end = ev[0x10]
        step_len = end - step
        if step_len > 10 or (step_len == 10 and p[end - 1] > 1):
            raise _Unusual
        variable.append((step, end))
    return Layout(len(p), wall, step, step_len or 0, value, dtype, tag, 0x42 in val, plugin, _fixed(len(p), variable))


def _plain_layout(p: bytes, ev: dict[int, tuple[int, int]]) -> Layout:
    """An Event without a summary: the file_version record every writer starts with (with source_metadata since
    tensorboard 2.12). Only its wall time is read (``tag`` None); the rest must be valid UTF-8 strings."""
    if 0x1A in ev:
        _string(p, *ev[0x1A])
    if 0x52 in ev:
        meta = _fields(p, *ev[0x52], {0x0A})
        if 0x0A in meta:
            _string(p, *meta[0x0A])
    variable = []
    wall = ev[0x09][0] if 0x09 in ev else None
    if wall is not None:
        variable.append((wall, wall + 8))
    step = step_len = None
    if 0x10 in ev:
        step, end = ev[0x10]
        step_len = end - step
        if step_len > 10:
            raise _Unusual
        variable.append((step, end))
    return Layout(len(p), wall, step, step_len or 0, 0, "<f8", None, False, None, _fixed(len(p), variable))


def _fixed(n: int, variable: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """The [a, b) ranges of a record of length n outside its variable fields."""
    fixed = []
    i = 0
    for a, b in sorted(variable):
        if a > i:
            fixed.append((i, a))
        i = b
    if i < n:
        fixed.append((i, n))
    return tuple(fixed)


def decode_one(p: bytes) -> Points | None:
    """A single record in a known scalar layout, decoded by the same code as a block of them (for the few records
    of a length too rare to be gathered); None when it is in no such layout."""
    lay = _layout(p)
    if lay is None:
        return None
    block = np.frombuffer(p, dtype=np.uint8)[None, :]
    step, wall, value = _decode(block, lay)
    return Points(lay, np.empty(1, dtype=np.int64), step, wall, value)


# ---------------------------------------------------------------------------------------------- decoding


@dataclass
class Points:
    """Scalar points decoded by the fast path for one layout (rows of one tag)."""

    layout: Layout
    rec: np.ndarray  # record indices
    step: np.ndarray
    wall: np.ndarray
    value: np.ndarray


MAX_TEMPLATES = 16  # per group of equal-length records; the rest go to protobuf


def _col(block: np.ndarray, off: int, dtype: str) -> np.ndarray:
    """Column of ``dtype`` values at byte offset ``off`` of each row (a view; rows contiguous, any row stride)."""
    size = np.dtype(dtype).itemsize
    return block[:, off : off + size].view(dtype)[:, 0]


def _matches(block: np.ndarray, tmpl: bytes, lay: Layout) -> np.ndarray:
    """Rows whose fixed bytes equal the template's, compared eight bytes at a time, and whose step varint ends
    where the template's does."""
    ok = np.ones(len(block), dtype=bool)
    for a, b in lay.fixed:
        i = a
        while i < b:
            size = 8 if b - i >= 8 else 4 if b - i >= 4 else 2 if b - i >= 2 else 1
            fmt = {8: "<u8", 4: "<u4", 2: "<u2", 1: "u1"}[size]
            want = int.from_bytes(tmpl[i : i + size], "little")
            ok &= _col(block, i, fmt) == want
            i += size
    if lay.step is not None:
        s = lay.step
        for k in range(lay.step_len - 1):
            ok &= (block[:, s + k] & 0x80) != 0
        ok &= (block[:, s + lay.step_len - 1] & 0x80) == 0
    return ok


def _decode(block: np.ndarray, lay: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(block)
    wall = _col(block, lay.wall, "<f8").astype(np.float64) if lay.wall is not None else np.zeros(n)
    if lay.step is not None:
        acc = np.zeros(n, dtype=np.uint64)
        for k in range(lay.step_len):
            acc |= (block[:, lay.step + k] & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        step = acc.view(np.int64).astype(np.float64)
    else:
        step = np.zeros(n)
    value = np.zeros(n) if lay.tag is None else _col(block, lay.value, lay.value_dtype).astype(np.float64)
    return step, wall, value


def _decode_block(block, L, sub, layouts, points, rest) -> None:
    """Match the rows of one block (records ``sub``, all of length L) against the layouts of their first rows."""
    left = np.ones(len(block), dtype=bool)
    for _ in range(MAX_TEMPLATES):
        cand = np.flatnonzero(left)
        if not len(cand):
            return
        first = int(cand[0])
        tmpl = block[first, :L].tobytes()
        if tmpl in layouts:
            lay = layouts[tmpl]
        else:
            lay = layouts[tmpl] = _layout(tmpl)
        if lay is None:
            left[first] = False
            continue
        rows = block if len(cand) == len(block) else block[cand]
        hit = cand[_matches(rows, tmpl, lay)]
        left[hit] = False
        r = block if len(hit) == len(block) else block[hit]
        step, wall, value = _decode(r, lay)
        rec = sub[hit]
        rest[rec] = False
        points.append(Points(lay, rec, step, wall, value))
