"""Write the large inputs of the memory and time bounds (README, "Bounded on any input"), for measuring by hand:

    .venv/bin/python tools/big_inputs.py /tmp/lossdoc-big
    /usr/bin/time -v .venv/bin/lossdoc analyze /tmp/lossdoc-big/tb-250x8KiB --format json > /dev/null

- ``tb-250x8KiB/``: a 2 MB TensorBoard event file: 250 identical 8 KiB text records, then a loss curve;
- ``tb-200x20KB/``: the same with 200 records of 20 KB;
- ``one-column-200MB.csv``: a 200 MB CSV with one column, ``loss`` (about 17 million rows).

The event records are written by tensorboard's own protos and CRC (``pip install tensorboard``).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np

EVENT_NAME = "events.out.tfevents.1700000000.host.1.0"


def frame(payload: bytes) -> bytes:
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", masked_crc32c(header)) + payload + struct.pack("<I", masked_crc32c(payload))


def text_event(size: int) -> bytes:
    """An Event holding one text summary (the text plugin's string tensor) of about ``size`` bytes."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    value = summary_pb2.Summary.Value(
        tag="notes", metadata=meta, tensor=tensor_pb2.TensorProto(dtype=7, string_val=[b"x" * size])
    )
    ev = event_pb2.Event(wall_time=1_700_000_000.0, step=0, summary=summary_pb2.Summary(value=[value]))
    data = ev.SerializeToString()
    return data


def scalar_event(tag: str, step: int, value: float) -> bytes:
    from tensorboard.compat.proto import event_pb2, summary_pb2

    return event_pb2.Event(
        wall_time=1_700_000_000.0 + step,
        step=step,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
    ).SerializeToString()


def tb_records(count: int, size: int, points: int = 50) -> bytes:
    """``count`` identical records of ``size`` bytes (payload), then loss and val_loss at ``points`` steps."""
    from tensorboard.compat.proto import event_pb2

    recs = [frame(event_pb2.Event(wall_time=1_700_000_000.0, file_version="brain.Event:2").SerializeToString())]
    big = frame(text_event(size - 16))
    recs += [big] * count
    for i in range(points):
        t = i / points
        recs.append(frame(scalar_event("loss", i, 2.0 * (0.05 + (1 - t) ** 3))))
        recs.append(frame(scalar_event("val_loss", i, 2.0 * (0.15 + (1 - t) ** 3))))
    return b"".join(recs)


def one_column_csv(path: Path, size: int = 200 * 10**6) -> None:
    """``size`` bytes of one ``loss`` column: rows of 11 bytes ("0.12345678\\n")."""
    rng = np.random.default_rng(0)
    rows = size // 11
    with open(path, "w", encoding="ascii") as fh:
        fh.write("loss\n")
        for a in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - a)
            t = (a + np.arange(n)) / rows
            v = np.clip(0.5 * np.exp(-4 * t) + 0.05 + 0.02 * rng.standard_normal(n), 0.0, 0.99999999)
            fh.write("\n".join(np.char.mod("%.8f", v).tolist()) + "\n")


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "/tmp/lossdoc-big")
    for name, count, size in (("tb-250x8KiB", 250, 8192), ("tb-200x20KB", 200, 20_000)):
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        (d / EVENT_NAME).write_bytes(tb_records(count, size))
    one_column_csv(out / "one-column-200MB.csv")
    for p in sorted(out.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size:>12,}  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
