"""The W&B reader's bulk path: a whole ``.wandb`` file framed, CRC-checked and its history decoded with array
operations (lossdoc/readers/wandb.py documents the format; its sequential ``deframe`` is the reference, and the
path taken whenever this one meets anything but a clean, or cleanly cut, file).

Framing. W&B's log never lets a chunk cross a 32 KiB block, and every block starts with a chunk, so all blocks
are walked at once: step k reads the k-th chunk header of every block.

CRC. Every chunk's CRC-32 is checked with one ``zlib.crc32`` call over a copy of the file in which each chunk's
6 header bytes (its CRC and length) are replaced by 2 zeros and 4 bytes chosen so that, if the chunk before is
intact (its bytes give its stored CRC), the CRC register is back at its initial value when the chunk's own bytes
start (CRC-32 is affine: four bytes reach any register value, and the bytes are a fixed linear function of the
previous chunk's CRC). The call over the whole copy then returns the last chunk's stored CRC exactly when every
chunk's bytes give their own stored CRC: a damaged chunk changes the register, and each later step maps a change
to a change (never to zero), so it shows at the end. Two damaged chunks cancel only with probability 2**-32, as a
damaged chunk passes its own CRC check. A file that fails is framed again chunk by chunk, which finds the damage.

History. A HistoryRecord is a list of items ``0x0a len (0x12 len key) 0x82 0x01 len value``: all rows are walked
at once, item by item; keys are told apart by their bytes, read as two little-endian words (exact for keys of up
to 16 bytes, longer keys are compared byte by byte); values are JSON numbers, parsed by pandas' C parser in one
call (exactly ``float``'s values). Rows in any other layout go through the general decoder, one by one.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field

import numpy as np

BLOCK = 32768
CHUNK_HEADER = 7
FILE_HEADER = 7
PAD = 320  # zero bytes after the data: reads at one-byte lengths past a position (at most 262 bytes) stay in bounds

# ---------------------------------------------------------------------------------------------- CRC-32 algebra

_POLY = 0xEDB88320


def _table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint64)
    for _ in range(8):
        t = np.where(t & np.uint64(1), (t >> np.uint64(1)) ^ np.uint64(_POLY), t >> np.uint64(1))
    return t.astype(np.uint32)


_T = _table()


def _zeros(r: np.ndarray, k: int) -> np.ndarray:
    """The CRC register after k zero bytes, from register values r (uint32, vectorised)."""
    r = r.astype(np.uint32)
    for _ in range(k):
        r = (r >> np.uint32(8)) ^ _T[r & np.uint32(0xFF)]
    return r


def _bytes4(word: int) -> bytes:
    return int(word).to_bytes(4, "little")


def _solve() -> tuple[np.ndarray, int]:
    """Tables F[g] (g = 0..6 zero bytes of block trailer before a chunk) such that, from register ``~crc_prev``,
    the g trailer zeros, 2 zeros and the 4 bytes ``K ^ F[g][0][b0] ^ ... ^ F[g][3][b3]`` (b = bytes of ~crc_prev)
    leave the register at 0xFFFFFFFF, zlib's initial value."""

    def run(reg: int, data: bytes) -> int:  # raw register update (no pre/post inversion)
        for b in data:
            reg = (reg >> 8) ^ int(_T[(reg ^ b) & 0xFF])
        return reg

    # L4: 4 bytes (as a little-endian word) -> register, from register 0; linear over GF(2). Invert it.
    cols = [run(0, _bytes4(1 << i)) for i in range(32)]
    rows = [[(cols[j] >> i) & 1 for j in range(32)] + [1 if i == k else 0 for k in range(32)] for i in range(32)]
    for c in range(32):  # Gauss-Jordan on [L | I]
        piv = next(r for r in range(c, 32) if rows[r][c])
        rows[c], rows[piv] = rows[piv], rows[c]
        for r in range(32):
            if r != c and rows[r][c]:
                rows[r] = [x ^ y for x, y in zip(rows[r], rows[c], strict=True)]
    inv_cols = [sum(rows[i][32 + j] << i for i in range(32)) for j in range(32)]  # L4^-1 of basis vector j

    def inv(v: int) -> int:
        out = 0
        for j in range(32):
            if v >> j & 1:
                out ^= inv_cols[j]
        return out

    k = inv(0xFFFFFFFF)
    f = np.zeros((7, 4, 256), dtype=np.uint32)
    for g in range(7):
        for q in range(4):
            base = np.arange(256, dtype=np.uint32) << np.uint32(8 * q)
            adv = _zeros(base, g + 6)  # g trailer zeros, 2 zeros, then the 4 forcing bytes' own advance
            f[g, q] = [inv(int(x)) for x in adv]
    return f, k


_F: np.ndarray | None = None
_K = 0


def _forcing() -> tuple[np.ndarray, int]:
    global _F, _K
    if _F is None:
        _F, _K = _solve()
    return _F, _K


# ---------------------------------------------------------------------------------------------- framing


@dataclass
class Frames:
    """A clean (or cleanly cut) file: its padded copy, its one-chunk records (start, end in the copy, in file
    order), its records of several chunks (assembled), and whether the last record was cut off."""

    buf: np.ndarray  # uint8, len(data) + PAD; chunk headers overwritten, records intact
    starts: np.ndarray
    ends: np.ndarray
    joined: list[tuple[int, bytes]] = field(default_factory=list)  # (file position, record bytes)
    incomplete: bool = False


def frames(data: bytes | memoryview) -> Frames | None:
    """The records of a .wandb file (after its 7-byte header), every chunk's CRC checked; None when the file is
    not clean (bad framing, a CRC mismatch, zeros where chunks should be): the caller then frames it chunk by
    chunk, which says what is wrong."""
    n = len(data)
    buf = np.zeros(n + PAD, dtype=np.uint8)
    buf[:n] = np.frombuffer(data, dtype=np.uint8)
    n_blocks = (n + BLOCK - 1) // BLOCK
    if n <= FILE_HEADER:
        return Frames(buf, np.zeros(0, np.int64), np.zeros(0, np.int64))
    wv = _word_view(buf)
    pos = np.arange(n_blocks, dtype=np.int64) * BLOCK
    pos[0] = FILE_HEADER
    active = np.arange(n_blocks, dtype=np.int64)
    got_pos: list[np.ndarray] = []
    got_blk: list[np.ndarray] = []
    incomplete = False
    while len(active):
        p = pos[active]
        room = (active + 1) * BLOCK - p
        live = (room >= CHUNK_HEADER) & (p < n)
        active, p = active[live], p[live]
        if not len(active):
            break
        cut = p + CHUNK_HEADER > n
        if cut.any():  # a header cut by the end of the file: only the last block may end so
            if active[cut].min() != n_blocks - 1:
                return None
            incomplete = True
            active, p = active[~cut], p[~cut]
            if not len(active):
                break
        hw = wv[p] >> np.uint64(32)
        length = (hw & np.uint64(0xFFFF)).astype(np.int64)
        kind = (hw >> np.uint64(16)) & np.uint64(0xFF)
        end = p + CHUNK_HEADER + length
        if ((kind < 1) | (kind > 4)).any() or (end > (active + 1) * BLOCK).any():
            return None  # zeros, garbage, a length past its block: the sequential path says which
        over = end > n
        if over.any():  # a chunk cut by the end of the file
            if active[over].min() != n_blocks - 1:
                return None
            incomplete = True
            active, p, end = active[~over], p[~over], end[~over]
        got_pos.append(p)
        got_blk.append(active)
        pos[active] = end
    if not got_pos:
        return Frames(buf, np.zeros(0, np.int64), np.zeros(0, np.int64), incomplete=incomplete)
    # file order: block by block, and within a block in walk order (counting sort, no comparison sort)
    blk = np.concatenate(got_blk)
    step = np.concatenate([np.full(len(b), i, dtype=np.int64) for i, b in enumerate(got_blk)])
    counts = np.bincount(blk, minlength=n_blocks)
    first = np.zeros(n_blocks, dtype=np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    order = np.empty(len(blk), dtype=np.int64)
    order[first[blk] + step] = np.arange(len(blk))
    p = np.concatenate(got_pos)[order]
    w = wv[p]  # crc (4 bytes) | length (2) | type (1) | first byte of the payload
    crc = (w & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    length = ((w >> np.uint64(32)) & np.uint64(0xFFFF)).astype(np.int64)
    kind = ((w >> np.uint64(48)) & np.uint64(0xFF)).astype(np.uint8)
    end = p + CHUNK_HEADER + length
    if not _crc_ok(buf, wv, p, w, end, crc):
        return None
    return _records(buf, p, end, kind, incomplete)


def _crc_ok(buf: np.ndarray, wv: np.ndarray, p: np.ndarray, w: np.ndarray, end: np.ndarray, crc: np.ndarray) -> bool:
    """Every chunk's CRC, with one zlib call (see the module's docstring)."""
    f, k = _forcing()
    prev = ~crc[:-1]  # the register after each chunk's bytes, if it is intact
    gap = p[1:] - end[:-1]  # block trailer before a chunk (0..6)
    if len(gap) and (gap.min() < 0 or gap.max() > 6):
        return False
    trailer = np.flatnonzero(gap)
    for j in range(1, 7):  # trailers are zeros in the copy, whatever the file holds there (nothing checks them)
        sel = trailer[gap[trailer] >= j]
        buf[p[1:][sel] - j] = 0
    word = np.full(len(prev), k, dtype=np.uint32)
    for q in range(4):
        word ^= f[gap, q, (prev >> np.uint32(8 * q)) & np.uint32(0xFF)]
    # each header's 8 bytes rewritten at once: 2 zeros, the 4 forcing bytes, its type and first payload byte as
    # they were (in file order, so a zero-length chunk's neighbour is written after it)
    wv[p[1:]] = (word.astype(np.uint64) << np.uint64(16)) | (w[1:] & np.uint64(0xFFFF000000000000))
    covered = memoryview(buf)[int(p[0]) + 6 : int(end[-1])]
    return zlib.crc32(covered) == int(crc[-1])


def _records(buf: np.ndarray, p: np.ndarray, end: np.ndarray, kind: np.ndarray, incomplete: bool) -> Frames | None:
    full = kind == 1
    starts, ends = p[full] + CHUNK_HEADER, end[full]
    joined: list[tuple[int, bytes]] = []
    other = np.flatnonzero(~full)
    pending: list[int] | None = None
    for i in other.tolist():  # FIRST MIDDLE* LAST, a record too long for what was left of a block
        k = int(kind[i])
        if k == 2:
            if pending is not None:
                return None
            pending = [i]
        elif pending is None or (pending and pending[-1] != i - 1):
            return None  # an orphaned MIDDLE/LAST, or a FULL chunk inside a record
        else:
            pending.append(i)
            if k == 4:
                rec = b"".join(buf[int(p[j]) + CHUNK_HEADER : int(end[j])].tobytes() for j in pending)
                joined.append((int(p[pending[0]]), rec))
                pending = None
    if pending is not None:
        if pending[-1] != len(p) - 1:
            return None
        incomplete = True  # the file ends inside a record of several chunks
    return Frames(buf, starts, ends, joined, incomplete)


# ---------------------------------------------------------------------------------------------- records


def _varint(buf: np.ndarray, at: np.ndarray, width: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, position after it, ok) of a varint at each position (at most ``width`` bytes)."""
    value = np.zeros(len(at), dtype=np.int64)
    after = at.copy()
    going = np.ones(len(at), dtype=bool)
    for k in range(width):
        b = buf[at + k].astype(np.int64)
        value = np.where(going, value | ((b & 0x7F) << (7 * k)), value)
        stop = going & (b < 0x80)
        after = np.where(stop, at + k + 1, after)
        going &= ~stop
    return value, after, ~going


@dataclass
class Split:
    """A set of records: history payloads (start, end, file position) and every other record worth decoding."""

    hist_start: np.ndarray
    hist_end: np.ndarray
    hist_pos: np.ndarray
    others: list[tuple[int, bytes]]


SUMMARY_TAG = 0x1A  # Record.summary (field 3): a copy of the latest values, not history


def split_records(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, pos: np.ndarray) -> Split:
    """History records apart from the rest: the record's optional ``num`` (field 1) is skipped, then its first
    field says its kind. Summary records are left out (the history holds the same values); of the others only
    those that may hold the run, its exit, a metric definition or a control field go to the general decoder."""
    wv = _word_view(buf)
    w = wv[starts]
    q = starts.copy()
    numbered = (w & np.uint64(0xFF)) == np.uint64(0x08)
    if numbered.any():  # the num varint (up to 7 bytes here; longer ones go to the general decoder)
        nw = w[numbered]
        size = np.zeros(len(nw), dtype=np.int64)
        going = np.ones(len(nw), dtype=bool)
        for k in range(1, 8):
            cont = ((nw >> np.uint64(8 * k)) & np.uint64(0x80)) != 0
            size = np.where(going, k, size)
            going &= cont
        q[numbered] = np.where(going, ends[numbered], starts[numbered] + 1 + size)
    inside = q < ends
    w2 = wv[np.minimum(q, len(wv) - 1)]
    tag = np.where(inside, w2 & np.uint64(0xFF), np.uint64(0))
    second = (w2 >> np.uint64(8)) & np.uint64(0xFF)
    is_hist = tag == np.uint64(0x12)
    h = np.flatnonzero(is_hist)
    hw = w2[h] >> np.uint64(8)  # the history's length varint (1..3 bytes)
    b1, b2, b3 = (hw & np.uint64(0xFF)), ((hw >> np.uint64(8)) & np.uint64(0xFF)), ((hw >> np.uint64(16)) & np.uint64(0xFF))
    one, two = b1 < 0x80, b2 < 0x80
    hl = np.where(one, b1, np.where(two, (b1 & np.uint64(0x7F)) | (b2 << np.uint64(7)),
                                    (b1 & np.uint64(0x7F)) | ((b2 & np.uint64(0x7F)) << np.uint64(7)) | (b3 << np.uint64(14))))
    hl = hl.astype(np.int64)
    hs = q[h] + 2 + np.where(one, 0, np.where(two, 1, 2))
    good = (one | two | (b3 < 0x80)) & (hs + hl <= ends[h])
    wanted = inside & ((tag == np.uint64(0x62)) | (((tag == np.uint64(0x8A)) | (tag == np.uint64(0x92)) | (tag == np.uint64(0x82)))
                                                  & (second == np.uint64(0x01))))
    wanted |= ~inside & numbered & (q != starts)  # a long num: let the general decoder look
    rest = np.flatnonzero(wanted & ~is_hist)
    bad_hist = h[~good]
    others = [(int(pos[i]), buf[int(starts[i]) : int(ends[i])].tobytes())
              for i in np.concatenate([rest, bad_hist]).tolist()]
    return Split(hs[good], hs[good] + hl[good], pos[h[good]], others)


# ---------------------------------------------------------------------------------------------- history rows


@dataclass
class Items:
    """Every history item that has the common layout, by key: ``keys[key bytes] = [(rows, value starts, value
    lengths), ...]`` (one part per item position), and the rows in any other layout (for the general decoder)."""

    keys: dict[bytes, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]
    slow_rows: np.ndarray


_BYTE_MASK = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [(1 << 64) - 1], dtype=np.uint64)
_MAX_ROUNDS = 32


def walk_items(buf: np.ndarray, hs: np.ndarray, he: np.ndarray) -> Items:
    """All rows at once, item by item. Each item is read as 8-byte words: its header (tag, length, key tag, key
    length), its key's first 16 bytes (exact for keys up to 16 bytes; longer keys are compared byte by byte),
    and its value's header. Items at the same position in their rows mostly share a key, so keys are told apart
    position by position against the first item's, a few compares each."""
    wv = _word_view(buf)
    keys: dict[bytes, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    slow = np.zeros(len(hs), dtype=bool)
    for first in range(0, len(hs), ROWS_PER_PASS):  # rows a few MB at a time: their bytes stay in the cache
        last = min(len(hs), first + ROWS_PER_PASS)
        _walk(buf, wv, keys, slow, np.arange(first, last, dtype=np.int64), hs[first:last].astype(np.int64),
              he[first:last].astype(np.int64))
    if slow.any():  # a row in another layout is decoded whole by the general decoder: drop its items here
        for key, parts in keys.items():
            keys[key] = [(r[~slow[r]], s_[~slow[r]], l_[~slow[r]]) for r, s_, l_ in parts]
    return Items(keys, np.flatnonzero(slow))


#: History rows walked together (the walk reads each row once per item: a pass over a few MB, not the file).
ROWS_PER_PASS = 16384
_STEP_W0 = np.uint64(int.from_bytes(b"_step", "little"))


def _walk(buf, wv, keys, slow, row, pos, end) -> None:
    step_w0 = _STEP_W0
    while len(row):
        w = wv[pos]  # 0x0a | item length | 0x0a or 0x12 | key length | 4 key bytes
        live = (pos < end) & ((w & np.uint64(0xFF)) == np.uint64(0x0A))
        if not live.all():
            row, pos, end, w = row[live], pos[live], end[live], w[live]
            if not len(row):
                break
        il = ((w >> np.uint64(8)) & np.uint64(0xFF)).view(np.int64)  # small: the same bits as int64
        kl = ((w >> np.uint64(24)) & np.uint64(0xFF)).view(np.int64)
        ks = pos + 4
        vw = wv[ks + kl]  # 0x82 0x01 | value length | value bytes
        vl = ((vw >> np.uint64(16)) & np.uint64(0xFF)).view(np.int64)
        vs = ks + kl + 3
        nxt = pos + 2 + il
        # one mask per word: lengths under 128 (one-byte varints), the key's tag, the value's tag
        fit = (((w & np.uint64(0x80FF8000)) == np.uint64(0x00120000)) | ((w & np.uint64(0x80FF8000))
                                                                        == np.uint64(0x000A0000)))
        fit &= ((vw & np.uint64(0x80FFFF)) == np.uint64(0x0182)) & (vs + vl == nxt) & (nxt <= end)
        if not fit.all():
            slow[row[~fit]] = True
            ok = np.flatnonzero(fit)
            row, pos, end, w, kl, ks, vs, vl, nxt = (x[ok] for x in (row, pos, end, w, kl, ks, vs, vl, nxt))
        # W&B's bookkeeping (_timestamp, _runtime, other _keys but _step) is walked past, not kept
        w0 = wv[ks] & _BYTE_MASK[np.minimum(kl, 8)]
        keep = ((w >> np.uint64(32)) & np.uint64(0xFF)) != np.uint64(0x5F)
        keep |= (kl == 5) & (w0 == step_w0)
        sel = np.flatnonzero(keep) if not keep.all() else None
        if sel is None:
            k_row, k_ks, k_kl, k_w0, k_vs, k_vl = row, ks, kl, w0, vs, vl
        else:
            k_row, k_ks, k_kl, k_w0, k_vs, k_vl = (x[sel] for x in (row, ks, kl, w0, vs, vl))
        if len(k_row):
            w1 = wv[k_ks + 8] & _BYTE_MASK[np.clip(k_kl - 8, 0, 8)]
            _group(buf, keys, k_row, k_ks, k_kl, k_w0, w1, k_vs, k_vl)
        pos = nxt


def _group(buf, keys, row, ks, kl, w0, w1, vs, vl) -> None:
    if (w0 == w0[0]).all() and (w1 == w1[0]).all() and (kl == kl[0]).all():  # one key at this position
        _add(buf, keys, row, ks, kl, vs, vl, slice(None))
        return
    rest = np.arange(len(row))
    rounds = 0
    while len(rest):
        rounds += 1
        if rounds > _MAX_ROUNDS:  # many keys at one position: sort them once
            order = rest[np.lexsort((w1[rest], w0[rest], kl[rest]))]
            cut = np.flatnonzero((kl[order][1:] != kl[order][:-1]) | (w0[order][1:] != w0[order][:-1])
                                 | (w1[order][1:] != w1[order][:-1])) + 1
            for members in np.split(order, cut):
                _add(buf, keys, row, ks, kl, vs, vl, members)
            return
        i = rest[0]
        same = (w0[rest] == w0[i]) & (w1[rest] == w1[i]) & (kl[rest] == kl[i])
        _add(buf, keys, row, ks, kl, vs, vl, rest[same])
        rest = rest[~same]


def _add(buf, keys, row, ks, kl, vs, vl, members) -> None:
    """Items whose key's length and first 16 bytes agree; a longer key is split by all its bytes."""
    i = int(members[0]) if not isinstance(members, slice) else 0
    key = buf[int(ks[i]) : int(ks[i] + kl[i])].tobytes()
    if kl[i] > 16:
        by: dict[bytes, list[int]] = {}
        for m in np.arange(len(row))[members].tolist():
            by.setdefault(buf[int(ks[m]) : int(ks[m] + kl[m])].tobytes(), []).append(m)
        for k, ms in by.items():
            idx = np.array(ms, dtype=np.int64)
            keys.setdefault(k, []).append((row[idx], vs[idx], vl[idx]))
        return
    keys.setdefault(key, []).append((row[members], vs[members], vl[members]))


def _word_view(buf: np.ndarray) -> np.ndarray:
    """Element i: the 8 bytes at byte i, little-endian (reads at any offset with one gather)."""
    return np.ndarray((len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))


_NUMERIC_FIRST = np.zeros(256, dtype=bool)
_NUMERIC_FIRST[np.frombuffer(b"-0123456789NI", dtype=np.uint8)] = True


PANDAS_MIN = 20_000  # below this many tokens, float() one by one beats importing and calling pandas
_BATCH = 1 << 17  # tokens per pandas call: small enough that the buffers are reused, not faulted in


def parse_numbers(buf: np.ndarray, vs: np.ndarray, vl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, numeric): the JSON number (or NaN / Infinity / -Infinity) each token holds; ``numeric`` False
    for strings, objects, booleans and anything unreadable (those are not points of a curve)."""
    values = np.full(len(vs), np.nan)
    numeric = _NUMERIC_FIRST[buf[vs]] & (vl > 0)
    idx = np.flatnonzero(numeric)
    if not len(idx):
        return values, numeric
    s, ln = vs[idx], vl[idx]
    if len(idx) < PANDAS_MIN:
        parsed = np.array([_float(buf[a : a + b].tobytes()) for a, b in zip(s.tolist(), ln.tolist(), strict=True)])
    else:
        parsed = np.concatenate([_parse_batch(buf, s[k : k + _BATCH], ln[k : k + _BATCH])
                                 for k in range(0, len(s), _BATCH)])
    bad = np.isnan(parsed)
    if bad.any():  # NaN is data only where the token says NaN; anything else unreadable is not a number
        check = np.flatnonzero(bad)
        said_nan = np.array([buf[int(s[i]) : int(s[i] + ln[i])].tobytes() == b"NaN" for i in check.tolist()],
                            dtype=bool)
        numeric[idx[check[~said_nan]]] = False
    values[idx] = parsed
    return values, numeric


def _parse_batch(buf: np.ndarray, s: np.ndarray, ln: np.ndarray) -> np.ndarray:
    """Tokens copied one per line into one buffer (one gather, its index built by a cumulative sum of jumps) and
    read by pandas' C parser in one call; anything pandas does not read as one column of numbers goes token by
    token. pandas 3 parses exactly as ``float`` does (tests/test_reader_stores.py checks it on random doubles);
    older pandas is asked for Python's own conversion (``float_precision="round_trip"``)."""
    import pandas as pd

    m = len(s)
    dst = np.zeros(m, dtype=np.int64)
    np.cumsum(ln[:-1] + 1, out=dst[1:])
    size = int(dst[-1] + ln[-1] + 1)
    itype = np.int32 if len(buf) < 2**31 else np.int64
    jump = np.ones(size, dtype=itype)  # source index of each output byte: +1 inside a token, a jump between
    jump[0] = s[0]
    jump[dst[1:]] = s[1:] - (s[:-1] + ln[:-1])
    text = buf[np.cumsum(jump, dtype=itype)]
    text[dst + ln] = 0x0A
    extra = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    try:
        df = pd.read_csv(io.BytesIO(text.tobytes()), header=None, dtype=np.float64, engine="c",
                         keep_default_na=False, na_values=["NaN"], skip_blank_lines=False, quoting=3, **extra)
        if df.shape != (m, 1):
            raise ValueError("not one number per line")
        return df.iloc[:, 0].to_numpy()
    except (ValueError, TypeError):
        return np.array([_float(buf[a : a + b].tobytes()) for a, b in zip(s.tolist(), ln.tolist(), strict=True)])


def _float(b: bytes) -> float:
    try:
        return float(b)
    except ValueError:
        return float("nan")
