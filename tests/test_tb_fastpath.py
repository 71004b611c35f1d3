"""The numpy fast path of the TensorBoard reader agrees point for point with the protobuf path."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as ref_masked_crc32c

from lossdoc.readers import _tfrecord as tf
from lossdoc.readers.tensorboard import read_event_bytes
from tests.tb_reference import read_event_bytes_protobuf
from tests.test_reader_tensorboard import event_bytes, frame, scalar_tensor, simple, tensor_event, version_event

ROOT = Path(__file__).resolve().parent.parent


def assert_same(data: bytes, label: str = "x") -> None:
    fast = read_event_bytes(data, label)
    ref = read_event_bytes_protobuf(data, label)
    assert (fast.records, fast.problem) == (ref.records, ref.problem)
    assert fast.first_wall_time == ref.first_wall_time or (
        math.isnan(fast.first_wall_time) and math.isnan(ref.first_wall_time)
    )
    assert list(fast.points) == list(ref.points)
    for tag, (s, w, v) in ref.points.items():
        fs, fw, fv = fast.points[tag]
        for a, b in ((s, fs), (w, fw), (v, fv)):
            a = np.asarray(a, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64)
            assert a.shape == b.shape, tag
            assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), tag  # bit for bit, NaN payloads too


def _files(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*tfevents*") if p.is_file()) if base.is_dir() else []


FIXTURES = _files(ROOT / "fixtures" / "tensorboard") + _files(ROOT / "fixtures" / "eval")


@pytest.mark.parametrize("path", FIXTURES or [None], ids=lambda p: str(p.relative_to(ROOT)) if p else "none")
def test_fixture_files(path):
    if path is None:
        pytest.skip("no TensorBoard fixtures")
    data = path.read_bytes()
    assert_same(data, str(path))
    # and the same file cut anywhere, and with a byte flipped in the middle
    for cut in (len(data) // 3, len(data) - 1, len(data) - 5):
        assert_same(data[:cut])
    raw = bytearray(data)
    raw[len(raw) // 2] ^= 0x40
    assert_same(bytes(raw))


def _mixed_events(n: int, seed: int = 0) -> list:
    rnd = random.Random(seed)
    histo = summary_pb2.Summary.Value(
        tag="weights", histo=summary_pb2.HistogramProto(min=0, max=1, num=3, bucket_limit=[1], bucket=[3])
    )
    image = summary_pb2.Summary.Value(
        tag="sample",
        image=summary_pb2.Summary.Image(height=1, width=1, colorspace=1, encoded_image_string=b"x" * 500),
    )
    text_meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    text = summary_pb2.Summary.Value(
        tag="notes",
        metadata=text_meta,
        tensor=tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, tensor_shape=tensor_shape_pb2.TensorShapeProto(), string_val=[b"hi"]
        ),
    )
    specials = [float("nan"), float("inf"), float("-inf"), -0.0, 1e-45, 3.4e38]
    events = []
    for i in range(n):
        v = rnd.choice(specials) if rnd.random() < 0.05 else rnd.uniform(-3, 3)
        events.append(simple("train/loss", i, v))
        if i % 7 == 0:
            events.append(tensor_event("val/loss", i, scalar_tensor(v, "double"), meta=(i == 0)))
        if i % 11 == 0:
            events.append(tensor_event("acc", i, scalar_tensor(v, rnd.choice(["float", "content_f32"]))))
        if i % 13 == 0:
            events.append(event_pb2.Event(wall_time=1.7e9 + i, step=i, summary=summary_pb2.Summary(value=[histo])))
        if i % 17 == 0:
            events.append(
                event_pb2.Event(wall_time=1.7e9 + i, step=i, summary=summary_pb2.Summary(value=[image, text]))
            )
        if i % 19 == 0:  # a multi-value summary
            events.append(
                event_pb2.Event(
                    wall_time=1.7e9 + i,
                    step=i,
                    summary=summary_pb2.Summary(
                        value=[
                            summary_pb2.Summary.Value(tag="a", simple_value=1.0),
                            summary_pb2.Summary.Value(tag="train/loss", simple_value=2.0),
                        ]
                    ),
                )
            )
        if i % 23 == 0:
            events.append(event_pb2.Event(wall_time=1.7e9 + i, step=i, graph_def=b"\x00" * 300))
    return events


def test_mixed_encodings_histograms_images_text():
    assert_same(event_bytes(_mixed_events(3000)))


def test_many_points_all_encodings_and_steps():
    """Long runs (the speculative framing and the bulk decoding), every scalar encoding, large and negative
    steps (multi-byte varints), step 0 (absent field) and wall time 0 (absent field)."""
    events = []
    for i in range(20_000):
        step = i * 997 if i % 2 else -i
        events.append(simple("loss", step, math.sin(i)))
        events.append(tensor_event("t/f32", i, scalar_tensor(math.cos(i)), meta=False))
    for enc in ("float", "double", "content_f32", "content_f64", "int64", "half"):
        events += [
            tensor_event(f"enc/{enc}", i, scalar_tensor(i / 7, enc), meta=(i % 50 == 0)) for i in range(200)
        ]
    events += [simple("zero", 0, 1.0, wall=0.0) for _ in range(50)]
    events += [simple("big", 2**62 + i, 1.0) for i in range(50)]
    assert_same(event_bytes(events))


def test_plugin_metadata_changes_decide_tensor_points():
    hist_meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms")
    )
    events = [tensor_event("x", i, scalar_tensor(float(i)), meta=(i == 0)) for i in range(40)]
    v = summary_pb2.Summary.Value(tag="x", tensor=scalar_tensor(1.0), metadata=hist_meta)
    events.append(event_pb2.Event(wall_time=5.0, step=40, summary=summary_pb2.Summary(value=[v])))
    events += [tensor_event("x", i, scalar_tensor(float(i)), meta=False) for i in range(41, 80)]
    events += [simple("x", i, float(i)) for i in range(80, 90)]
    events += [tensor_event("x", i, scalar_tensor(float(i)), meta=(i == 90)) for i in range(90, 120)]
    assert_same(event_bytes(events))
    fast = read_event_bytes(event_bytes(events), "x")
    assert len(fast.points["x"][0]) == 40 + 10 + 30


def test_corrupt_files():
    data = event_bytes([simple("loss", i, 1.0 / (i + 1)) for i in range(5000)])
    rec = len(frame(simple("loss", 1, 1.0).SerializeToString()))
    for off in (len(data) // 2, len(data) // 2 + 9, len(data) // 2 + 14, len(data) - rec + 2, 100):
        raw = bytearray(data)
        raw[off] ^= 0x01
        assert_same(bytes(raw))
    for cut in (1, 3, 10, 17, rec + 3):
        assert_same(data[:-cut])
    # a record that frames and checks but is not an Event
    junk = b"\xff\xff\xff"
    assert_same(data + frame(junk) + frame(simple("loss", 9999, 1.0).SerializeToString()))
    assert "not an Event" in read_event_bytes(data + frame(junk), "x").problem


def test_invalid_utf8_tag_goes_to_protobuf():
    good = simple("loss", 1, 1.0).SerializeToString()
    bad = good.replace(b"loss", b"lo\xffs")
    assert_same(event_bytes([simple("loss", i, 1.0) for i in range(50)]) + b"".join(frame(bad) for _ in range(20)))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_files_agree(data):
    n = data.draw(st.integers(0, 300))
    events = _mixed_events(n, seed=data.draw(st.integers(0, 1000)))
    raw = bytearray(event_bytes(events))
    for _ in range(data.draw(st.integers(0, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    assert_same(bytes(raw[: data.draw(st.integers(0, len(raw)))]))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_vectorised_crc_matches_reference(data):
    assert tf.masked_crc32c(data) == ref_masked_crc32c(data)
    if data:
        starts = np.array([0, len(data) // 2, len(data) - 1])
        lengths = len(data) - starts
        got = tf.crc32c_many(data, starts, lengths)
        assert [tf.mask(int(x)) for x in got] == [ref_masked_crc32c(data[s:]) for s in starts.tolist()]


def test_crc_rows_all_lengths():
    rnd = np.random.default_rng(0)
    for L in range(1, 70):
        rows = rnd.integers(0, 256, size=(20, L), dtype=np.uint8)
        got = tf.crc32c_rows(rows)
        assert [tf.mask(int(x)) for x in got] == [ref_masked_crc32c(r.tobytes()) for r in rows]


def test_protobuf_is_not_imported_for_plain_scalar_files(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "events.out.tfevents.1.h"
    # what SummaryWriter writes: the file_version record, then plain add_scalar records
    records = [version_event(1234.5)] + [simple("loss", i, 1.0) for i in range(1, 101)]
    path.write_bytes(b"".join(frame(e.SerializeToString()) for e in records))
    code = (
        "import sys; from lossdoc.readers.tensorboard import read_event_bytes;"
        f"fs = read_event_bytes(open({str(path)!r}, 'rb').read(), 'x');"
        "assert len(fs.points['loss'][0]) == 100;"
        "print('google.protobuf' in sys.modules, fs.first_wall_time)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "1234.5"]  # the version record's wall time, read without protobuf


def test_summary_less_records_read_by_hand_agree_with_protobuf():
    """Events without a summary (version records, with or without a step; an empty Event; a version that is not
    UTF-8; a field given twice) read by the hand parser or left to protobuf: the same result either way."""
    ver = version_event(50.0).SerializeToString()
    with_step = event_pb2.Event(wall_time=7.0, step=3, file_version="brain.Event:2").SerializeToString()
    bad_utf8 = ver.replace(b"brain", b"br\xffin")
    twice = ver + event_pb2.Event(wall_time=1.0).SerializeToString()  # wall_time twice: the last one wins
    scalars = b"".join(frame(simple("loss", i, 1.0).SerializeToString()) for i in range(1, 40))
    for extra in (ver, with_step, b"", bad_utf8, twice):
        assert_same(frame(extra) + scalars)
        assert_same(scalars + frame(extra) + scalars)


def test_version_record_alone_is_read():
    assert_same(event_bytes([]))
    assert_same(b"".join(frame(version_event().SerializeToString()) for _ in range(30)))
    assert_same(struct.pack("<Q", 5))


def _periodic_file(steps: int = 3000) -> bytes:
    """What SummaryWriter writes in a training loop: the same five tags at every step, steps growing past the
    1- and 2-byte varint lengths, so the framing finds long periodic blocks."""
    events = []
    for i in range(steps):
        events.append(simple("train/loss", i, 1.0 / (i + 1)))
        events.append(simple("train/acc", i, i / steps))
        events.append(tensor_event("lr", i, scalar_tensor(1e-3), meta=(i == 0)))
        events.append(simple("grad_norm", i, float(i % 17)))
        events.append(simple("val/loss", i, 2.0 / (i + 1)))
    return event_bytes(events)


def test_periodic_blocks_read_in_place_agree_and_catch_every_corruption():
    """The zero-copy path over periodic blocks (strided views for the headers, payloads and stored CRCs): the
    same points as protobuf, and a damaged byte anywhere in a block (length, header CRC, payload, payload CRC)
    stops the read at that record, as the reference does."""
    data = _periodic_file()
    fr = tf.frame(data)
    in_blocks = sum(b.periods * len(b.slots) for b in fr.blocks if b.periods >= tf.MIN_BLOCK)
    assert in_blocks > 0.9 * len(fr.pos)  # the test really exercises the block path
    assert_same(data)
    rnd = random.Random(7)
    big = max(fr.blocks, key=lambda b: b.periods)
    for _ in range(12):
        period = rnd.randrange(big.periods)
        j = rnd.randrange(len(big.slots))
        start = big.pos + period * big.stride + sum(16 + x for x in big.slots[:j])
        # a byte of: the length, the header CRC, the payload, the stored payload CRC
        for at in (start + 1, start + 9, start + 12 + rnd.randrange(big.slots[j]), start + 12 + big.slots[j] + 2):
            raw = bytearray(data)
            raw[at] ^= 0x10
            assert_same(bytes(raw))
            fast = read_event_bytes(bytes(raw), "x")
            assert fast.problem and fast.records == big.rec + period * len(big.slots) + j


def test_periodic_block_with_an_odd_record_of_the_same_length():
    """A record of a block's slot length that is another tag (or another layout) is decoded by its own template,
    not taken for the slot's tag."""
    events = []
    for i in range(2000):
        events.append(simple("lossA", i, float(i)))
        events.append(simple("lossB" if i % 97 == 5 else "lossA", i, -float(i)))  # same length, other tag
    assert_same(event_bytes(events))


@pytest.mark.parametrize("name", ["healthy", "overfit", "new_style_healthy", "diverge_nan"])
def test_real_scalar_fixtures_need_no_protobuf(name):
    """Files written by torch's SummaryWriter (a version record with source_metadata, scalars whose step varint
    grows, rare lengths such as step 0) are read without importing protobuf at all."""
    import subprocess
    import sys

    files = _files(ROOT / "fixtures" / "tensorboard" / name)
    assert files
    code = (
        "import sys; from lossdoc.readers.tensorboard import read_event_bytes;"
        f"[read_event_bytes(open(p, 'rb').read(), p) for p in {[str(p) for p in files]!r}];"
        "print('google.protobuf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("length", [1, 2, 63, 127, 128, 129, 200, 256, 1000, 8192, 20_000])
def test_crc_of_rows_of_any_length_and_bounded_tables(length):
    """Rows longer than ROW_TABLE are taken piece by piece: same CRCs, and the tables stay capped (uncapped, one
    table per distance from the end, 8 KiB records took 1.1 GB)."""
    from lossdoc.readers import _tfrecord as tf

    rng = np.random.default_rng(length)
    rows = rng.integers(0, 256, size=(5, length + 3), dtype=np.uint8)
    got = tf.crc32c_block(rows, length)
    want = [tf.crc32c_py(bytes(r[:length])) for r in rows]
    assert got.tolist() == want
    assert max(tf._T.pair, default=0) < tf.ROW_TABLE and len(tf._T.dist) <= tf.ROW_TABLE + 2


def test_lossdocs_event_messages_read_what_tensorboards_write():
    """lossdoc's own Event messages (``_event_proto``, so that the runtime needs protobuf, not tensorboard) read
    TensorBoard's serialized Events field for field, and skip what they do not declare (histograms, graphs)."""
    from tensorboard.compat.proto import histogram_pb2

    from lossdoc.readers._event_proto import event_class

    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)])
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    ev = event_pb2.Event(wall_time=1.25, step=2**40, summary=summary_pb2.Summary(value=[
        summary_pb2.Summary.Value(tag="a", simple_value=0.5),
        summary_pb2.Summary.Value(tag="t", metadata=meta, tensor=tensor_pb2.TensorProto(
            dtype=types_pb2.DT_DOUBLE, tensor_shape=shape, double_val=[0.25])),
        summary_pb2.Summary.Value(tag="h", histo=histogram_pb2.HistogramProto(min=0, max=1, num=3)),
        summary_pb2.Summary.Value(node_name="n", tensor=tensor_pb2.TensorProto(dtype=types_pb2.DT_HALF, half_val=[15360])),
    ]))
    ours = event_class().FromString(ev.SerializeToString())
    assert (ours.wall_time, ours.step) == (1.25, 2**40)
    vals = ours.summary.value
    assert [(v.tag, v.node_name, v.WhichOneof("value")) for v in vals] == [
        ("a", "", "simple_value"), ("t", "", "tensor"), ("h", "", None), ("", "n", "tensor")]
    assert vals[0].simple_value == 0.5 and vals[1].metadata.plugin_data.plugin_name == "scalars"
    assert list(vals[1].tensor.double_val) == [0.25] and vals[1].tensor.dtype == types_pb2.DT_DOUBLE
    assert [d.size for d in vals[1].tensor.tensor_shape.dim] == [1] and list(vals[3].tensor.half_val) == [15360]
    version = event_pb2.Event(wall_time=3.0, file_version="brain.Event:2").SerializeToString()
    assert event_class().FromString(version).file_version == "brain.Event:2"
