"""Writing .wandb bytes by hand for tests and the bad-input corpus (the real files come from the wandb package:
fixtures/wandb/). The framing and field numbers are the ones lossdoc's reader documents; the wandb package
itself writes the fixtures that prove them."""

from __future__ import annotations

import json
import struct
import zlib

HEADER = b":W&B\xe1\xbe\x00"
BLOCK = 32768


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num: int, value: bytes | int | str) -> bytes:
    if isinstance(value, int):
        return _varint(num << 3) + _varint(value)
    if isinstance(value, str):
        value = value.encode()
    return _varint(num << 3 | 2) + _varint(len(value)) + value


def history(num: int, row: dict, step: int | None = None, nested: bool = True) -> bytes:
    """A Record holding a HistoryRecord: each item as nested_key (newer clients) or key, and value_json."""
    items = b""
    for k, v in row.items():
        key = field(2 if nested else 1, k)
        items += field(1, key + field(16, v if isinstance(v, str) else json.dumps(v)))
    hist = items + (field(2, field(1, step) if step else b"") if step is not None else b"")
    return field(1, num) + field(2, hist)


def run_record(run_id: str, name: str = "", project: str = "proj") -> bytes:
    return field(17, field(1, run_id) + field(3, project) + (field(8, name) if name else b""))


def exit_record(code: int = 0) -> bytes:
    return field(18, field(1, code) if code else b"")


def metric_record(name: str, goal: int) -> bytes:
    return field(12, field(1, name) + field(8, goal))


def frame(records: list[bytes]) -> bytes:
    """The LevelDB-style log: header, then each record as FULL or FIRST/MIDDLE.../LAST chunks in 32 KiB blocks."""
    out = bytearray(HEADER)
    for rec in records:
        data = rec
        first = True
        while True:
            left = BLOCK - len(out) % BLOCK
            if left < 7:
                out += b"\x00" * left
                left = BLOCK
            room = left - 7
            part, data = data[:room], data[room:]
            kind = (1 if not data else 2) if first else (4 if not data else 3)
            crc = zlib.crc32(bytes([kind]) + part)
            out += struct.pack("<IHB", crc, len(part), kind) + part
            first = False
            if not data:
                break
    return bytes(out)


def run_file(rows: list[dict], *, run_id: str = "abc123", name: str = "my-run", exit_code: int | None = 0,
             extra: list[bytes] = ()) -> bytes:
    """A whole run: run record, history rows (each with its _step), optional extra records, exit record."""
    recs = [run_record(run_id, name)]
    recs += list(extra)
    for i, row in enumerate(rows):
        step = row.get("_step", i)
        recs.append(history(len(recs) + 1, {**row, "_step": step, "_runtime": 0.1 * i}, step))
    if exit_code is not None:
        recs.append(exit_record(exit_code))
    return frame(recs)
