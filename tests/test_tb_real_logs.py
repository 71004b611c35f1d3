"""Real TensorBoard folders written by eight other writers (shared/real-logs/tensorboard, committed by strangers to
public repositories) read as TensorBoard's own EventAccumulator reads them.

Two layers are checked on every case:

- what the reader takes from a folder's event files (``tensorboard.folder_points``) against EventAccumulator run on
  the same folder in this test, point for point: tags, steps, wall times and values, in its order;
- the runs lossdoc makes against ``reference.json`` (EventAccumulator's readings, written when the cases were
  collected): run names and series names (one run per Keras train/ + validation/ pair and per add_scalars
  family, where EventAccumulator has one per folder: the mapping is ``expected_name``), points, first and last
  step, last value. Where they differ, the reason is asserted: a relaunch (a later event file starting again at
  a step earlier files had passed) is read as one segment and the note gives the number of points set aside,
  which must be exactly EventAccumulator's count minus lossdoc's.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from lossdoc.errors import InputError
from lossdoc.naming import split_word
from lossdoc.readers import registry
from lossdoc.readers.tensorboard import TensorBoardReader, _concat, folder_points, read_event_bytes
from tests.shared_data import shared_dir

BASE = shared_dir() / "real-logs" / "tensorboard"
REFERENCE = json.loads((BASE / "reference.json").read_text())["cases"]
CASES = sorted(REFERENCE)
READER = TensorBoardReader()
#: Cases where lossdoc sets points aside, and why (asserted below, never just skipped).
RELAUNCHED = {
    "07_ultralytics_brand_2files": "a 2-epoch run, then a 120-epoch run in the same folder",
    "11_detectron2_gralach_8files": "eight launches of the same script, each starting again",
}


def test_every_case_is_covered():
    assert len(CASES) == 14
    assert {p.name for p in BASE.iterdir() if p.is_dir()} == set(CASES)


# ------------------------------------------------------------------------------------------ EventAccumulator


def _ea_points(folder: Path) -> dict[str, tuple[list, list, list]]:
    """EventAccumulator's scalars, and its tensors that hold one number, for one folder (or file)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    guidance = {"scalars": 0, "tensors": 0, "histograms": 1, "images": 1, "audio": 1, "compressedHistograms": 1}
    ea = EventAccumulator(str(folder), size_guidance=guidance)
    ea.Reload()
    out = {}
    tags = ea.Tags()
    for tag in tags["scalars"]:
        evs = ea.Scalars(tag)
        out[tag] = ([e.step for e in evs], [e.wall_time for e in evs], [e.value for e in evs])
    for tag in tags["tensors"]:
        evs = ea.Tensors(tag)
        arrays = [tensor_util.make_ndarray(e.tensor_proto) for e in evs]
        if not arrays or any(a.shape != () or a.dtype.kind not in "fiub" for a in arrays):
            continue
        out[tag] = ([e.step for e in evs], [e.wall_time for e in evs], [float(a) for a in arrays])
    return out


def _event_folders(case: str) -> dict[str, list[Path]]:
    root = BASE / case
    found: dict[str, list[Path]] = {}
    for p in sorted(root.rglob("*tfevents*")):
        if p.is_file():
            found.setdefault(p.parent.relative_to(root).as_posix(), []).append(p)
    return found


def _bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.uint64)


@pytest.mark.parametrize("case", CASES)
def test_folder_points_are_event_accumulators(case):
    folders = _event_folders(case)
    assert set(folders) == set(REFERENCE[case]["runs"])
    for rel, files in folders.items():
        scalars = [read_event_bytes(f.read_bytes(), str(f)) for f in files if f.stat().st_size]
        ours = {tag: _concat([p for _, p in pieces]) for tag, pieces in folder_points(scalars).items()}
        folder = BASE / case / rel
        # EventAccumulator takes a path whose name holds "tfevents" for a file (case 17's folder): give it the file.
        theirs = _ea_points(files[0] if "tfevents" in folder.name else folder)
        assert sorted(ours) == sorted(theirs), rel
        for tag, (s, w, v) in theirs.items():
            os_, ow, ov = ours[tag]
            assert np.array_equal(_bits(s), _bits(os_)), (rel, tag)
            assert np.array_equal(_bits(w), _bits(ow)), (rel, tag)
            assert np.array_equal(_bits(v), _bits(ov)), (rel, tag)


# ------------------------------------------------------------------------------------------ reference.json


def expected_name(folder: str, tag: str, folders: dict) -> tuple[str, str]:
    """(run name, series name) lossdoc gives EventAccumulator's (folder, tag), by lossdoc's layout rules."""
    parent, _, name = folder.rpartition("/")
    siblings = [f for f in folders if f.rpartition("/")[0] == parent and f != folder]
    if split_word(name) and (parent in folders or any(split_word(f.rpartition("/")[2]) for f in siblings)):
        series = tag if tag.lower().startswith(name.lower() + "/") else f"{name}/{tag}"
        return parent, series
    stem = tag.replace("/", "_") + "_"
    if parent in folders and len(folders[folder]["tags"]) == 1 and name.startswith(stem) and name != stem:
        return parent, f"{tag}/{name[len(stem):]}"
    return folder, tag


def _set_aside(notes: list[str]) -> int:
    total = 0
    for n in notes:
        m = re.search(r"set aside ([\d,]+) earlier point", n)
        if m:
            total += int(m.group(1).replace(",", ""))
    return total


def _ref_value(v):
    return float(v) if not isinstance(v, str) else {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]


@pytest.mark.parametrize("case", CASES)
def test_runs_agree_with_reference(case):
    ref = REFERENCE[case]["runs"]
    if not any(f["tags"] for f in ref.values()):
        # 21: a 0-byte event file; EventAccumulator reads nothing, lossdoc says the folder has no readable file.
        with pytest.raises(InputError, match="empty event file"):
            READER.read_dir(BASE / case)
        return
    runs = {r.name: r for r in READER.read_dir(BASE / case)}
    expected = {}
    for folder, f in ref.items():
        for tag, t in f["tags"].items():
            expected[expected_name(folder, tag, ref)] = t
    got = {(name, s.name): s for name, r in runs.items() for s in r.series.values() if not s.derived}
    assert sorted(got) == sorted(expected)
    missing_points = 0
    for key, t in expected.items():
        s = got[key]
        x = s.steps if s.steps is not None else s.epochs
        if case in RELAUNCHED:
            assert len(s) <= t["points"], key
            missing_points += t["points"] - len(s)
        else:
            assert len(s) == t["points"], key
            assert x[0] == t["first_step"], key
        assert x[-1] == t["last_step"], key
        v, want = s.values[-1], _ref_value(t["last_value"])
        assert v == want or (math.isnan(v) and math.isnan(want)), key
    notes = [n for r in runs.values() for n in r.notes]
    assert _set_aside(notes) == missing_points, notes
    assert (missing_points > 0) == (case in RELAUNCHED), (case, notes)


def test_relaunch_note_says_what_tensorboard_keeps():
    (run,) = READER.read_dir(BASE / "11_detectron2_gralach_8files")
    (note,) = [n for n in run.notes if "set aside" in n]
    assert note.startswith("5 of 8 event files start again at a step earlier files had passed"), note
    assert "EventAccumulator keeps them all" in note
    # what is kept is the last launch, as one segment: no step goes back
    assert all(np.all(np.diff(s.steps) >= 0) for s in run.series.values())


@pytest.mark.parametrize("case", ["07_ultralytics_brand_2files", "23_ultralytics_yolodog"])
def test_ultralytics_train_folder_is_a_run(case):
    """runs/detect/train is Ultralytics' run name, not a Keras split: run named by it, val losses found."""
    for target in (BASE / case, BASE / case / "runs" / "detect" / "train"):
        (run,) = registry.read_path(target)
        assert run.name.endswith("train"), run.name
        assert "val/box_loss" in run.series and "train/box_loss" in run.series, list(run.series)
        assert run.train_loss is not None and run.train_loss.split == "train"
        assert run.val_loss is not None and run.val_loss.split == "val", run.describe()
    event_file = next((BASE / case / "runs" / "detect" / "train").iterdir())
    (run,) = registry.read_path(event_file)
    assert "val/box_loss" in run.series and run.val_loss is not None
