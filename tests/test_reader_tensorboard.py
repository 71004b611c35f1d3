"""The TensorBoard reader: event framing and CRCs, both scalar encodings, every point, the folder layouts."""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as ref_masked_crc32c

from lossdoc.errors import InputError
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.tensorboard import TensorBoardReader, crc32c, masked_crc32c, read_event_bytes

ROOT = Path(__file__).resolve().parent.parent
READER = TensorBoardReader()


@pytest.fixture
def only_my_readers(monkeypatch):
    """The registry limited to this family's modules, so these tests do not depend on other readers."""
    monkeypatch.setattr(registry, "_MODULES", ("tensorboard", "tbexport", "mlflow"))
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


# ------------------------------------------------------------------------------------------ writing helpers


def frame(payload: bytes) -> bytes:
    """One record, framed with tensorboard's own (reference) masked CRC."""
    header = struct.pack("<Q", len(payload))
    return (
        header
        + struct.pack("<I", ref_masked_crc32c(header))
        + payload
        + struct.pack("<I", ref_masked_crc32c(payload))
    )


def version_event(wall: float = 1_700_000_000.0) -> event_pb2.Event:
    return event_pb2.Event(wall_time=wall, file_version="brain.Event:2")


def simple(tag: str, step: int, value: float, wall: float | None = None) -> event_pb2.Event:
    return event_pb2.Event(
        wall_time=1_700_000_000.0 + step if wall is None else wall,
        step=step,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
    )


def scalars_meta() -> summary_pb2.SummaryMetadata:
    return summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))


def tensor_event(tag: str, step: int, tensor: tensor_pb2.TensorProto, meta: bool = True, wall=None):
    value = summary_pb2.Summary.Value(tag=tag, tensor=tensor)
    if meta:
        value.metadata.CopyFrom(scalars_meta())
    return event_pb2.Event(
        wall_time=1_700_000_000.0 + step if wall is None else wall,
        step=step,
        summary=summary_pb2.Summary(value=[value]),
    )


def scalar_tensor(value: float, encoding: str = "float") -> tensor_pb2.TensorProto:
    shape = tensor_shape_pb2.TensorShapeProto()
    if encoding == "float":
        return tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_shape=shape, float_val=[value])
    if encoding == "double":
        return tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE, tensor_shape=shape, double_val=[value])
    if encoding == "content_f32":
        return tensor_pb2.TensorProto(
            dtype=types_pb2.DT_FLOAT, tensor_shape=shape, tensor_content=struct.pack("<f", value)
        )
    if encoding == "content_f64":
        return tensor_pb2.TensorProto(
            dtype=types_pb2.DT_DOUBLE, tensor_shape=shape, tensor_content=struct.pack("<d", value)
        )
    if encoding == "int64":
        return tensor_pb2.TensorProto(dtype=types_pb2.DT_INT64, tensor_shape=shape, int64_val=[int(value)])
    if encoding == "half":
        bits = struct.unpack("<H", struct.pack("<e", value))[0]
        return tensor_pb2.TensorProto(dtype=types_pb2.DT_HALF, tensor_shape=shape, half_val=[bits])
    raise ValueError(encoding)


def event_bytes(events) -> bytes:
    return b"".join(frame(e.SerializeToString()) for e in [version_event(), *events])


def write_events(folder: Path, events, name: str = "events.out.tfevents.1700000000.host.1.0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(event_bytes(events))
    return path


def read_file(path: Path):
    runs = READER.read(Source(str(path), path))
    assert len(runs) == 1
    return runs[0]


# ------------------------------------------------------------------------------------------ CRC and framing


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_crc32c_matches_tensorboard(data):
    assert masked_crc32c(data) == ref_masked_crc32c(data)


def test_crc32c_known_value():
    assert crc32c(b"123456789") == 0xE3069283


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_never_raises(data):
    fs = read_event_bytes(data, "x")
    assert fs.records >= 0


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_damaged_file_never_raises(data):
    raw = bytearray(event_bytes([simple("loss", i, 1.0 / (i + 1)) for i in range(20)]))
    for _ in range(data.draw(st.integers(1, 5))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    fs = read_event_bytes(bytes(raw[:cut]), "x")
    assert fs.records <= 21


# ------------------------------------------------------------------------------------------ single files


def test_every_point_is_read(tmp_path):
    n = 25_000
    path = write_events(tmp_path / "run", [simple("Loss/train", i, 2.0 * math.exp(-i / 5000)) for i in range(n)])
    run = read_file(path)
    s = run.series["Loss/train"]
    assert len(s) == n
    assert s.steps[0] == 0 and s.steps[-1] == n - 1
    np.testing.assert_allclose(s.values, np.float32(2.0 * np.exp(-np.arange(n) / 5000)), rtol=1e-6)
    assert run.train_loss is s
    assert run.notes == []
    assert run.name == "run"


@pytest.mark.parametrize("encoding", ["float", "double", "content_f32", "content_f64", "int64", "half"])
def test_tensor_encoded_scalars(tmp_path, encoding):
    values = [4.0, 3.0, 2.5, 2.0] if encoding != "int64" else [4.0, 3.0, 2.0, 1.0]
    events = [tensor_event("val/loss", i, scalar_tensor(v, encoding), meta=(i == 0)) for i, v in enumerate(values)]
    run = read_file(write_events(tmp_path, events))
    s = run.series["val/loss"]
    assert list(s.values) == values
    assert list(s.steps) == [0, 1, 2, 3]
    assert run.val_loss is s


def test_double_precision_kept(tmp_path):
    v = 0.1234567890123
    run = read_file(write_events(tmp_path, [tensor_event("loss", 1, scalar_tensor(v, "double"))]))
    assert run.series["loss"].values[0] == v


def test_simple_and_tensor_tags_together(tmp_path):
    events = []
    for i in range(10):
        events.append(simple("Loss/train", i, 1.0 / (i + 1)))
        events.append(tensor_event("Loss/val", i, scalar_tensor(2.0 / (i + 1)), meta=(i == 0)))
    run = read_file(write_events(tmp_path, events))
    assert run.train_loss.name == "Loss/train"
    assert run.val_loss.name == "Loss/val"
    assert len(run.train_loss) == len(run.val_loss) == 10


def test_non_scalar_summaries_ignored(tmp_path):
    histo = summary_pb2.Summary.Value(
        tag="weights", histo=summary_pb2.HistogramProto(min=0, max=1, num=3, bucket_limit=[1], bucket=[3])
    )
    image = summary_pb2.Summary.Value(
        tag="sample", image=summary_pb2.Summary.Image(height=1, width=1, colorspace=1, encoded_image_string=b"x")
    )
    text_meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    text = summary_pb2.Summary.Value(
        tag="notes",
        metadata=text_meta,
        tensor=tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, tensor_shape=tensor_shape_pb2.TensorShapeProto(), string_val=[b"hi"]
        ),
    )
    # A TF2 histogram: metadata only on the first value, later values are bare tensors (rank 2).
    h_meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms")
    )
    h_tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_DOUBLE,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1), tensor_shape_pb2.TensorShapeProto.Dim(size=3)]
        ),
        double_val=[0, 1, 5],
    )
    # A non-scalar plugin whose later value happens to be rank 0: still not a scalar.
    pr_meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="pr_curves")
    )
    events = [
        event_pb2.Event(wall_time=1.0, step=0, graph_def=b"\x00\x01"),
        event_pb2.Event(wall_time=1.0, step=0, summary=summary_pb2.Summary(value=[histo, image, text])),
        event_pb2.Event(
            wall_time=2.0,
            step=0,
            summary=summary_pb2.Summary(
                value=[
                    summary_pb2.Summary.Value(tag="tf2_hist", metadata=h_meta, tensor=h_tensor),
                    summary_pb2.Summary.Value(tag="pr", metadata=pr_meta, tensor=scalar_tensor(1.0)),
                ]
            ),
        ),
        event_pb2.Event(
            wall_time=3.0,
            step=1,
            summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="pr", tensor=scalar_tensor(2.0))]),
        ),
        simple("loss", 0, 1.0),
        simple("loss", 1, 0.5),
    ]
    run = read_file(write_events(tmp_path, events))
    assert list(run.series) == ["loss"]
    assert list(run.series["loss"].values) == [1.0, 0.5]


def test_nan_and_inf_kept(tmp_path):
    vals = [1.0, float("nan"), float("inf"), float("-inf"), 0.5]
    events = [simple("loss", i, v) for i, v in enumerate(vals)]
    events += [tensor_event("val_loss", i, scalar_tensor(v, "double"), meta=(i == 0)) for i, v in enumerate(vals)]
    run = read_file(write_events(tmp_path, events))
    for name in ("loss", "val_loss"):
        s = run.series[name]
        assert len(s) == 5
        assert np.isnan(s.values[1]) and s.values[2] == np.inf and s.values[3] == -np.inf
        assert s.nonfinite == 3


def test_bad_crc_in_the_middle_keeps_what_came_before(tmp_path):
    path = write_events(tmp_path, [simple("loss", i, 1.0) for i in range(100)])
    raw = bytearray(path.read_bytes())
    first = len(frame(version_event().SerializeToString()))
    offset = first + sum(len(frame(simple("loss", i, 1.0).SerializeToString())) for i in range(50))
    # Flip a byte inside the payload of the 51st scalar record (record 52 counting the version record).
    raw[offset + 14] ^= 0xFF
    path.write_bytes(bytes(raw))
    run = read_file(path)
    assert len(run.series["loss"]) == 50
    assert any("record 52 has a bad CRC; read the 51 records before it" in n for n in run.notes), run.notes


def test_bad_length_crc_stops_too(tmp_path):
    path = write_events(tmp_path, [simple("loss", i, 1.0) for i in range(10)])
    raw = bytearray(path.read_bytes())
    first = len(frame(version_event().SerializeToString()))
    offset = first + sum(len(frame(simple("loss", i, 1.0).SerializeToString())) for i in range(3))
    raw[offset + 9] ^= 0x01  # the length CRC of scalar record 4
    path.write_bytes(bytes(raw))
    run = read_file(path)
    assert len(run.series["loss"]) == 3
    assert any("bad CRC" in n for n in run.notes)


def test_truncated_last_record(tmp_path):
    path = write_events(tmp_path, [simple("loss", i, 1.0) for i in range(10)])
    raw = path.read_bytes()
    for cut in (3, 10, 20):
        path.write_bytes(raw[:-cut])
        run = read_file(path)
        assert len(run.series["loss"]) == 9
        assert any("last record incomplete: file still being written?" in n for n in run.notes), run.notes


def test_zero_length_file_is_an_input_error(tmp_path, only_my_readers):
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        READER.read(Source(str(path), path))
    with pytest.raises(InputError, match="empty"):
        registry.read_path(path, "tensorboard")
    with pytest.raises(InputError):
        registry.read_path(path)


def test_damaged_first_record_is_an_input_error(tmp_path):
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(b"\x01" * 64)
    with pytest.raises(InputError, match="not a readable TensorBoard event file"):
        READER.read(Source(str(path), path))


def test_file_without_scalars_is_an_input_error(tmp_path):
    path = write_events(tmp_path, [])
    with pytest.raises(InputError, match="no scalar"):
        READER.read(Source(str(path), path))


def test_sniff_by_content_and_name(tmp_path):
    data = event_bytes([simple("loss", 0, 1.0)])
    assert READER.sniff(data[:65536], tmp_path / "renamed.bin")
    assert READER.sniff(b"whatever", tmp_path / "events.out.tfevents.123.host")
    assert not READER.sniff(b"Wall time,Step,Value\n1,2,3\n", tmp_path / "x.csv")
    assert not READER.sniff(b"\x00" * 100, tmp_path / "x.bin")


def test_registry_reads_a_renamed_file_by_content(tmp_path, only_my_readers):
    path = tmp_path / "mylog.bin"
    path.write_bytes(event_bytes([simple("train/loss", i, 1.0 / (i + 1)) for i in range(5)]))
    (run,) = registry.read_path(path)
    assert run.format == "tensorboard"
    assert run.train_loss.name == "train/loss"


def test_stdin_bytes(tmp_path):
    data = event_bytes([simple("loss", i, 1.0) for i in range(3)])
    (run,) = READER.read(Source("<stdin>", None, data))
    assert len(run.series["loss"]) == 3


# ------------------------------------------------------------------------------------------ folders


def test_keras_layout_is_one_run(tmp_path, only_my_readers):
    logs = tmp_path / "logs"
    train, val = [], []
    for epoch in range(5):
        train.append(tensor_event("epoch_loss", epoch, scalar_tensor(1.0 / (epoch + 1)), meta=(epoch == 0)))
        train.append(tensor_event("epoch_accuracy", epoch, scalar_tensor(0.5 + epoch / 10), meta=(epoch == 0)))
        val.append(tensor_event("epoch_loss", epoch, scalar_tensor(1.2 / (epoch + 1)), meta=(epoch == 0)))
        val.append(tensor_event("epoch_accuracy", epoch, scalar_tensor(0.4 + epoch / 10), meta=(epoch == 0)))
    for b in range(50):
        train.append(tensor_event("batch_loss", b, scalar_tensor(2.0 / (b + 1)), meta=(b == 0)))
    val.append(tensor_event("evaluation_loss_vs_iterations", 50, scalar_tensor(0.3)))
    write_events(logs / "train", train)
    write_events(logs / "validation", val)
    (logs / "train" / "events.out.tfevents.1700000001.host.1.profile-empty").write_bytes(event_bytes([]))

    for target in (logs, tmp_path):
        runs = registry.read_path(target)
        assert len(runs) == 1, [r.name for r in runs]
        run = runs[0]
        assert run.name == "logs"
        assert run.train_loss.name == "train/epoch_loss"
        assert run.val_loss.name == "validation/epoch_loss"
        assert run.train_loss.axis == "epoch" and run.val_loss.axis == "epoch"
        assert list(run.val_loss.epochs) == [0, 1, 2, 3, 4]
        assert run.series["train/batch_loss"].axis == "step"
        assert run.series["validation/epoch_accuracy"].role == "val_metric"
        assert run.series["train/epoch_accuracy"].role == "train_metric"
        assert run.series["validation/evaluation_loss_vs_iterations"].role == "val_loss"
        assert run.axis == "epoch"


def test_keras_split_folder_read_alone(tmp_path):
    """One side of a Keras pair, read on its own, is still that split: its sibling is beside it on disk."""
    logs = tmp_path / "logs"
    path = write_events(logs / "validation", [tensor_event("epoch_loss", e, scalar_tensor(1.0)) for e in range(3)])
    write_events(logs / "train", [tensor_event("epoch_loss", e, scalar_tensor(1.0)) for e in range(3)])
    run = read_file(path)
    assert run.val_loss.name == "validation/epoch_loss"
    assert run.name == "logs"
    (run,) = READER.read_dir(logs / "validation")
    assert run.val_loss.name == "validation/epoch_loss"


def test_lone_split_named_folder_is_a_run(tmp_path, only_my_readers):
    """Ultralytics' first run folder is runs/detect/train (then train2, train3): with no split sibling it is a run
    named by its path, its tags kept as written (val/box_loss stays a val loss)."""
    events = [simple("train/box_loss", e, 1.0 / (e + 1)) for e in range(5)]
    events += [simple("val/box_loss", e, 1.5 / (e + 1)) for e in range(5)]
    runs_dir = tmp_path / "runs" / "detect"
    path = write_events(runs_dir / "train", events)
    write_events(runs_dir / "train2", events)
    assert [r.name for r in registry.read_path(tmp_path / "runs")] == ["detect/train", "detect/train2"]
    for target in (runs_dir / "train", path):
        (run,) = registry.read_path(target)
        assert run.name == "train"
        assert sorted(run.series)[:2] == ["train/box_loss", "val/box_loss"]
        assert run.val_loss.name == "val/box_loss"


def test_estimator_layout_root_events_plus_eval(tmp_path):
    model_dir = tmp_path / "model"
    write_events(model_dir, [simple("loss", i * 100, 1.0 / (i + 1)) for i in range(10)])
    write_events(model_dir / "eval", [simple("loss", i * 500, 1.5 / (i + 1)) for i in range(2)])
    (run,) = READER.read_dir(model_dir)
    assert run.train_loss.name == "loss"
    assert run.val_loss.name == "eval/loss"


def test_multi_run_logdir(tmp_path, only_my_readers):
    logdir = tmp_path / "runs"
    write_events(logdir / "a", [simple("Loss/train", i, 1.0) for i in range(4)])
    write_events(logdir / "b" / "seed0", [simple("train/loss", i, 1.0) for i in range(6)])
    write_events(logdir / "b" / "seed1", [simple("train/loss", i, 1.0) for i in range(7)])
    (logdir / "README.md").write_text("not a log")
    runs = registry.read_path(logdir)
    assert [r.name for r in runs] == ["a", "b/seed0", "b/seed1"]
    assert [len(r.train_loss) for r in runs] == [4, 6, 7]
    assert all(r.format == "tensorboard" for r in runs)


def test_several_files_in_a_run_are_merged_and_sorted(tmp_path):
    run_dir = tmp_path / "run"
    write_events(run_dir, [simple("loss", i, 10.0 + i) for i in range(0, 10, 2)], "events.out.tfevents.1.h.1.0")
    second = [simple("val_loss", i, 1.0, wall=1_800_000_000.0 + i) for i in range(3)]
    second += [simple("loss", i, 10.0 + i, wall=1_800_000_000.0 + i) for i in range(11, 14)]
    path = run_dir / "events.out.tfevents.2.h.1.0"
    path.write_bytes(b"".join(frame(e.SerializeToString()) for e in [version_event(1_800_000_000.0), *second]))
    (run,) = READER.read_dir(run_dir)
    s = run.series["loss"]
    assert list(s.steps) == [0, 2, 4, 6, 8, 11, 12, 13]
    assert list(run.series["val_loss"].steps) == [0, 1, 2]
    assert run.meta["event_files"] == 2


def test_duplicate_steps_in_one_file_kept_in_written_order(tmp_path):
    # PyTorch add_scalar without global_step writes every point at step 0.
    events = [simple("loss", 0, float(v), wall=1_700_000_000.0 + v) for v in range(5)]
    run = read_file(write_events(tmp_path, events))
    assert list(run.series["loss"].values) == [0, 1, 2, 3, 4]


def test_resumed_run_later_file_wins(tmp_path):
    run_dir = tmp_path / "run"
    write_events(
        run_dir,
        [simple("loss", i, 1.0, wall=1000.0 + i) for i in range(100)],
        "events.out.tfevents.1000.h.1.0",
    )
    write_events(
        run_dir,
        [simple("loss", i, 2.0, wall=5000.0 + i) for i in range(60, 150)],
        "events.out.tfevents.5000.h.2.0",
    )
    (run,) = READER.read_dir(run_dir)
    s = run.series["loss"]
    assert list(s.steps) == list(range(150))
    assert np.all(s.values[:60] == 1.0) and np.all(s.values[60:] == 2.0)
    assert any("1 of 2 event files start again" in n and "set aside 40 earlier points of 1 tag" in n
               for n in run.notes), run.notes


def test_relaunch_from_step_zero_keeps_the_last_launch(tmp_path):
    """A relaunch from scratch: the later file replaces everything; EventAccumulator would keep both launches."""
    run_dir = tmp_path / "run"
    write_events(run_dir, [simple("loss", i, 1.0) for i in range(30)], "events.out.tfevents.1000.h.1.0")
    write_events(run_dir, [simple("loss", i, 2.0) for i in range(20)], "events.out.tfevents.2000.h.2.0")
    (run,) = READER.read_dir(run_dir)
    assert list(run.series["loss"].values) == [2.0] * 20
    assert any("set aside 30 earlier points" in n for n in run.notes), run.notes


def test_later_file_repeating_the_last_step_is_not_a_relaunch(tmp_path):
    """Hugging Face's evaluate() writes a second file that logs train/epoch again at the last step: both kept."""
    run_dir = tmp_path / "run"
    write_events(run_dir, [simple("train/epoch", i, i / 10) for i in range(11)], "events.out.tfevents.1000.h.1.0")
    write_events(run_dir, [simple("train/epoch", 10, 1.0), simple("eval/loss", 10, 0.5)],
                 "events.out.tfevents.2000.h.1.1")
    (run,) = READER.read_dir(run_dir)
    assert len(run.series["train/epoch"]) == 12
    assert not any("set aside" in n for n in run.notes)


def test_files_are_taken_in_name_order_as_event_accumulator_does(tmp_path):
    """EventAccumulator's DirectoryWatcher reads a folder's files in sorted order, whatever their wall times."""
    run_dir = tmp_path / "run"
    write_events(run_dir, [simple("loss", i, 1.0, wall=9000.0 + i) for i in range(5)], "events.out.tfevents.a")
    write_events(run_dir, [simple("loss", i, 2.0, wall=1000.0 + i) for i in range(5, 10)], "events.out.tfevents.b")
    (run,) = READER.read_dir(run_dir)
    assert list(run.series["loss"].steps) == list(range(10))
    assert not run.notes


def test_session_log_start_purges_as_event_accumulator_does(tmp_path):
    """brain.Event:2: after a SessionLog START at step s, every point read before it at step >= s is dropped."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from lossdoc.readers.tensorboard import _concat, folder_points

    run_dir = tmp_path / "run"
    start = event_pb2.Event(wall_time=1_700_000_500.0, step=5, session_log=event_pb2.SessionLog(status=1))
    write_events(run_dir, [simple("loss", i, 1.0) for i in range(10)] + [simple("acc", 7, 0.5)],
                 "events.out.tfevents.1.h.1.0")
    write_events(run_dir, [simple("loss", 4, 3.0), start, *(simple("loss", i, 2.0) for i in range(5, 8))],
                 "events.out.tfevents.2.h.1.0")
    ea = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    ea.Reload()
    want = {t: [(e.step, e.value) for e in ea.Scalars(t)] for t in ea.Tags()["scalars"]}
    assert want.pop("acc") == []  # a tag whose every point was purged: still in Tags(), with no points
    files = [read_event_bytes(p.read_bytes(), str(p)) for p in sorted(run_dir.iterdir())]
    pts = {t: _concat([p for _, p in pieces]) for t, pieces in folder_points(files).items()}
    got = {t: list(zip(s.tolist(), v.tolist(), strict=True)) for t, (s, _w, v) in pts.items() if len(s)}
    assert got == want
    assert want["loss"] == [(i, 1.0) for i in range(5)] + [(4, 3.0)] + [(i, 2.0) for i in range(5, 8)]
    (run,) = READER.read_dir(run_dir)
    assert list(run.series) == ["loss"]


def test_pytorch_add_scalars_subfolders_fold_into_the_run(tmp_path):
    run_dir = tmp_path / "runs" / "exp1"
    write_events(run_dir, [simple("lr", i, 0.1) for i in range(5)])
    write_events(run_dir / "Loss_train", [simple("Loss", i, 1.0 / (i + 1)) for i in range(5)])
    write_events(run_dir / "Loss_val", [simple("Loss", i, 1.5 / (i + 1)) for i in range(5)])
    (run,) = READER.read_dir(tmp_path / "runs")
    assert run.name == "exp1"
    assert run.train_loss.name == "Loss/train"
    assert run.val_loss.name == "Loss/val"
    assert run.lr.name == "lr"


def test_folder_with_damaged_and_empty_files_reads_the_rest(tmp_path):
    run_dir = tmp_path / "run"
    good = write_events(run_dir, [simple("loss", i, 1.0) for i in range(5)], "events.out.tfevents.1.h.1.0")
    (run_dir / "events.out.tfevents.2.h.1.0").write_bytes(b"")
    (run_dir / "events.out.tfevents.3.h.1.0").write_bytes(good.read_bytes()[:-7])
    (run,) = READER.read_dir(run_dir)
    # The two files have the same first wall time: taken in name order, the truncated copy is the later one.
    assert len(run.series["loss"]) == 4
    assert any("empty event file" in n for n in run.notes)
    assert any("incomplete" in n for n in run.notes)


def test_folder_without_scalars_is_an_input_error(tmp_path):
    write_events(tmp_path / "run", [])
    with pytest.raises(InputError, match="no scalar"):
        READER.read_dir(tmp_path)


def test_sniff_dir(tmp_path):
    assert not READER.sniff_dir(tmp_path)
    write_events(tmp_path / "a" / "b" / "train", [simple("loss", 0, 1.0)])
    assert READER.sniff_dir(tmp_path)
    (tmp_path / "other").mkdir()
    assert not READER.sniff_dir(tmp_path / "other")


def test_files_are_not_left_open_or_changed(tmp_path):
    path = write_events(tmp_path / "run", [simple("loss", i, 1.0) for i in range(5)])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    READER.read_dir(tmp_path)
    read_file(path)
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) == fds
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_real_event_file_writer(tmp_path):
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    w = EventFileWriter(str(tmp_path / "w"))
    for i in range(20):
        w.add_event(simple("train/loss", i, 1.0 / (i + 1)))
        w.add_event(tensor_event("val/loss", i, scalar_tensor(1.5 / (i + 1)), meta=(i == 0)))
    w.close()
    (run,) = READER.read_dir(tmp_path / "w")
    assert len(run.train_loss) == 20 and len(run.val_loss) == 20
    assert run.notes == []


# ------------------------------------------------------------------------------------------ fixtures


def _tb_fixtures() -> list[Path]:
    """Every folder under fixtures/tensorboard (the manifest test below checks series names and roles too)."""
    base = ROOT / "fixtures" / "tensorboard"
    return sorted(p for p in base.iterdir() if not p.name.startswith(".")) if base.is_dir() else []


@pytest.mark.parametrize("path", _tb_fixtures() or [None], ids=lambda p: p.name if p else "none")
def test_fixtures(path, only_my_readers):
    if path is None:
        pytest.skip("no TensorBoard fixtures yet")
    runs = registry.read_path(path, "tensorboard")
    assert runs
    for run in runs:
        assert run.train_loss is not None, (run.name, list(run.series))
        assert len(run.train_loss) > 0


def test_mixed_folder_is_left_to_the_registry_walk(tmp_path, only_my_readers):
    """A logdir next to other formats' logs: the folder is not claimed whole, the logdir inside still is."""
    write_events(tmp_path / "tb" / "train", [tensor_event("epoch_loss", e, scalar_tensor(1.0)) for e in range(3)])
    write_events(
        tmp_path / "tb" / "validation", [tensor_event("epoch_loss", e, scalar_tensor(1.0)) for e in range(3)]
    )
    (tmp_path / "tb" / "checkpoints").mkdir()
    (tmp_path / "tb" / "checkpoints" / "model.ckpt").write_bytes(b"\x00")
    (tmp_path / "mlflow" / "0" / "r1" / "metrics").mkdir(parents=True)
    (tmp_path / "mlflow" / "0" / "r1" / "metrics" / "loss").write_text("1700000000000 1.0 0\n")
    assert not READER.sniff_dir(tmp_path)
    assert READER.sniff_dir(tmp_path / "tb")
    runs = registry.read_path(tmp_path)
    assert sorted(r.format for r in runs) == ["mlflow", "tensorboard"]
    (tb,) = [r for r in runs if r.format == "tensorboard"]
    assert tb.name == "tb" and tb.val_loss.name == "validation/epoch_loss"
    (tmp_path / "tb" / "notes.csv").write_text("a,b\n")
    assert not READER.sniff_dir(tmp_path / "tb")


