"""The reference reader the TensorBoard fast path is tested against: one record at a time, TensorBoard's own
protos and CRC (``tensorboard`` is a test dependency, not a runtime one). ``read_event_bytes`` in the package must
give exactly what ``read_event_bytes_protobuf`` here gives."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from lossdoc.readers.tensorboard import FileScalars, _bad_crc, _incomplete, tensor_scalar


@dataclass
class Records:
    """The intact records of one file, and what stopped the read early (None when the whole file was read)."""

    payloads: list[bytes]
    problem: str | None = None


def split_records(data: bytes, label: str) -> Records:
    """Split an event file's bytes into record payloads, checking both CRCs of every record, one record at a
    time (with tensorboard's own CRC)."""
    out: list[bytes] = []
    pos = 0
    n = len(data)
    unpack_q = struct.Struct("<Q").unpack_from
    unpack_i = struct.Struct("<I").unpack_from
    header_crcs: dict[bytes, int] = {}
    while pos < n:
        i = len(out) + 1
        if n - pos < 12:
            return Records(out, _incomplete(label, len(out)))
        header = data[pos : pos + 8]
        header_crc = header_crcs.get(header)
        if header_crc is None:  # records of a file take few distinct lengths: compute each once
            header_crc = header_crcs[header] = masked_crc32c(header)
        if header_crc != unpack_i(data, pos + 8)[0]:
            return Records(out, _bad_crc(label, i, len(out)))
        (length,) = unpack_q(header)
        end = pos + 12 + length + 4
        if end > n:
            return Records(out, _incomplete(label, len(out)))
        payload = data[pos + 12 : pos + 12 + length]
        if masked_crc32c(payload) != unpack_i(data, pos + 12 + length)[0]:
            return Records(out, _bad_crc(label, i, len(out)))
        out.append(payload)
        pos = end
    return Records(out)




def read_event_bytes_protobuf(data: bytes, label: str) -> FileScalars:
    """Decode the scalar points of one event file's bytes with one protobuf Event per record (the reference
    path: ``read_event_bytes`` must give exactly the same result). Never raises for bad content."""
    recs = split_records(data, label)
    out = FileScalars(label, records=len(recs.payloads), problem=recs.problem)
    plugins: dict[str, str] = {}  # TF2 writes a tag's metadata only with its first value
    parse = event_pb2.Event.FromString
    for i, payload in enumerate(recs.payloads):
        try:
            ev = parse(payload)
        except (DecodeError, ValueError, TypeError):
            out.records = i
            out.problem = f"{label}: record {i + 1} is not an Event; read the {i} records before it"
            break
        wall = ev.wall_time
        out.first_wall_time = min(out.first_wall_time, wall)
        if not ev.HasField("summary"):
            continue
        step = float(ev.step)
        for v in ev.summary.value:
            tag = v.tag or v.node_name
            if not tag:
                continue
            if v.HasField("metadata"):
                pname = v.metadata.plugin_data.plugin_name
                if pname:
                    plugins[tag] = pname
            which = v.WhichOneof("value")
            if which == "simple_value":
                value = float(v.simple_value)
            elif which == "tensor":
                if plugins.get(tag, "scalars") != "scalars":
                    continue
                value = tensor_scalar(v.tensor)
                if value is None:
                    continue
            else:
                continue  # histograms, images, audio
            pts = out.points.get(tag)
            if pts is None:
                pts = out.points[tag] = ([], [], [])
            pts[0].append(step)
            pts[1].append(wall)
            pts[2].append(value)
    return out
