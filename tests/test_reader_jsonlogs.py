"""The JSON readers: Keras history dumps, Hugging Face trainer_state.json, and JSON Lines."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry
from lossdoc.readers.base import Source
from lossdoc.readers.jsonlogs import READERS


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(tmp_path: Path, data: bytes, name: str = "log.json", fmt: str | None = None) -> Run:
    p = tmp_path / name
    p.write_bytes(data)
    runs = registry.read_path(p, fmt)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


# ------------------------------------------------------------------------------------------ Keras history

HISTORY = {
    "loss": [1.0, 0.8, 0.6],
    "accuracy": [0.5, 0.6, 0.7],
    "val_loss": [1.1, 0.9, 0.95],
    "val_accuracy": [0.45, 0.55, 0.6],
    "learning_rate": [0.001, 0.001, 0.0005],
}


def test_keras_history_roles_and_epochs(tmp_path):
    run = read(tmp_path, json.dumps(HISTORY).encode(), "history.json")
    assert run.format == "keras-history"
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert lst(run.series["loss"].epochs) == [0, 1, 2]
    assert run.series["loss"].axis == "epoch"
    assert run.series["learning_rate"].role == "lr"
    assert run.series["val_accuracy"].role == "val_metric"
    assert any("0..n-1" in n for n in run.notes)


def test_keras_history_nan_and_infinity_tokens(tmp_path):
    h = {"loss": [1.0, float("nan"), float("inf")], "val_loss": [1.0, 2.0, float("-inf")]}
    data = json.dumps(h).encode()  # Python writes NaN / Infinity / -Infinity
    assert b"NaN" in data and b"Infinity" in data
    run = read(tmp_path, data)
    v = run.series["loss"].values
    assert math.isnan(v[1]) and v[2] == math.inf
    assert run.series["val_loss"].values[2] == -math.inf


def test_keras_history_pretty_printed_with_bom_and_crlf(tmp_path):
    data = b"\xef\xbb\xbf" + json.dumps(HISTORY, indent=2).encode().replace(b"\n", b"\r\n")
    run = read(tmp_path, data)
    assert run.format == "keras-history" and len(run.series["val_loss"]) == 3


def test_keras_history_short_names_and_wrapper(tmp_path):
    data = json.dumps({"history": {"loss": [1.0, 0.9], "acc": [0.5, 0.6], "val_acc": [0.4, 0.5]}}).encode()
    run = read(tmp_path, data)
    assert run.format == "keras-history"
    assert run.series["acc"].role == "train_metric" and run.series["val_acc"].role == "val_metric"


def test_keras_history_with_metadata_keys_first(tmp_path):
    data = json.dumps(
        {
            "timestamp": "2026-01-01",
            "classes": ["a", "b"],
            "phase_starts": [0, 15],
            "train_loss": [1.0, 0.9, 0.8],
            "val_loss": [1.1, 1.0, 0.9],
        },
        indent=2,
    ).encode()
    run = read(tmp_path, data)
    assert run.format == "keras-history"
    assert set(run.series) == {"train_loss", "val_loss"}
    assert run.meta["timestamp"] == "2026-01-01" and run.meta["phase_starts"] == [0, 15]


def test_keras_history_validation_freq(tmp_path):
    data = json.dumps({"loss": [1.0, 0.9, 0.8, 0.7], "val_loss": [0.95, 0.75]}).encode()
    run = read(tmp_path, data)
    assert lst(run.series["val_loss"].epochs) == [1, 3]
    assert any("validation_freq=2" in n for n in run.notes)


def test_keras_history_without_loss_reads_without_a_loss(tmp_path):
    run = read(tmp_path, b'{"accuracy": [0.5, 0.6]}')
    assert set(run.series) == {"accuracy"} and run.train_loss is None and run.val_loss is None


def test_keras_history_without_numbers(tmp_path):
    with pytest.raises(InputError):
        read(tmp_path, b'{"accuracy": []}', fmt="keras-history")


@pytest.mark.parametrize(
    "data,msg",
    [
        (b'{"loss": [1.0, 0.9', "truncated JSON at line 1"),
        (b'{\n "loss": [1.0,\n 0.9],\n "val_loss": [1.0, 0.', "truncated JSON at line 4"),
        (b'{"loss": [1.0, 0.9] "x": 1}', "invalid JSON at line 1"),
    ],
)
def test_keras_history_bad_json(tmp_path, data, msg):
    with pytest.raises(InputError, match=msg):
        read(tmp_path, data, fmt="keras-history")


def test_keras_history_not_lists(tmp_path):
    with pytest.raises(InputError, match="not a Keras history"):
        read(tmp_path, b'{"a": "b"}', fmt="keras-history")


# ------------------------------------------------------------------------------------------ HF trainer_state


def trainer_state(**extra) -> dict:
    log = [
        {"epoch": 0.25, "grad_norm": 3.1, "learning_rate": 5e-05, "loss": 2.5, "step": 10},
        {"epoch": 0.5, "grad_norm": 2.2, "learning_rate": 4e-05, "loss": 2.0, "step": 20},
        {
            "epoch": 0.5,
            "eval_loss": 1.9,
            "eval_accuracy": 0.6,
            "eval_runtime": 3.2,
            "eval_samples_per_second": 100.0,
            "eval_steps_per_second": 12.5,
            "step": 20,
        },
        {"epoch": 0.75, "grad_norm": 1.9, "learning_rate": 3e-05, "loss": float("nan"), "step": 30},
        {"epoch": 1.0, "grad_norm": 1.5, "learning_rate": 2e-05, "loss": 1.6, "step": 40},
        {
            "epoch": 1.0,
            "eval_loss": 1.7,
            "eval_accuracy": 0.7,
            "eval_runtime": 3.1,
            "eval_samples_per_second": 101.0,
            "eval_steps_per_second": 12.6,
            "step": 40,
        },
        {
            "epoch": 1.0,
            "step": 40,
            "total_flos": 1e15,
            "train_loss": 2.0,
            "train_runtime": 100.0,
            "train_samples_per_second": 40.0,
            "train_steps_per_second": 0.4,
        },
    ]
    state = {
        "best_metric": 1.7,
        "best_model_checkpoint": "out/checkpoint-40",
        "epoch": 1.0,
        "eval_steps": 20,
        "global_step": 40,
        "is_hyper_param_search": False,
        "log_history": log,
        "logging_steps": 10,
        "max_steps": 40,
        "num_train_epochs": 1,
        "total_flos": 1e15,
    }
    state.update(extra)
    return state


def test_hf_trainer_state(tmp_path):
    run = read(tmp_path, json.dumps(trainer_state(), indent=2).encode(), "trainer_state.json")
    assert run.format == "hf-trainer-state"
    loss = run.series["loss"]
    assert loss.role == "train_loss" and lst(loss.steps) == [10, 20, 30, 40]
    assert lst(loss.epochs) == [0.25, 0.5, 0.75, 1.0] and loss.axis == "step"
    assert math.isnan(loss.values[2])  # a logged NaN is data
    ev = run.series["eval_loss"]
    assert ev.role == "val_loss" and lst(ev.steps) == [20, 40] and ev.values.tolist() == [1.9, 1.7]
    assert run.series["eval_accuracy"].role == "val_metric"
    assert run.series["grad_norm"].role == "grad_norm"
    assert run.series["learning_rate"].role == "lr"
    # The summary entry is not a curve point, and bookkeeping is not a curve.
    assert "train_loss" not in run.series and "train_runtime" not in run.series
    assert not any("runtime" in n or "per_second" in n or "flos" in n for n in run.series)
    assert run.meta["best_metric"] == 1.7 and run.meta["best_model_checkpoint"] == "out/checkpoint-40"
    assert run.meta["max_steps"] == 40 and run.meta["num_train_epochs"] == 1
    assert any("summary entry" in n for n in run.notes)


def test_hf_bare_log_history_list(tmp_path):
    data = json.dumps(trainer_state()["log_history"]).encode()
    run = read(tmp_path, data, "log_history.json")
    assert run.format == "hf-trainer-state"
    assert run.train_loss.name == "loss" and run.val_loss.name == "eval_loss"


def test_hf_without_loss_reads_without_a_loss(tmp_path):
    state = trainer_state(log_history=[{"epoch": 1.0, "learning_rate": 1e-5, "step": 10}])
    run = read(tmp_path, json.dumps(state).encode())
    assert set(run.series) == {"learning_rate"} and run.train_loss is None


def test_hf_empty_log_history(tmp_path):
    with pytest.raises(InputError, match=r"log_history is empty: the Trainer logged nothing$"):
        read(tmp_path, json.dumps(trainer_state(log_history=[])).encode())
    # A run shorter than logging_steps (a real trainer_state.json in fixtures/public): the error says why.
    state = {**trainer_state(log_history=[]), "global_step": 300, "logging_steps": 500}
    with pytest.raises(InputError, match=r"logging_steps 500 > the run's 300 steps"):
        read(tmp_path, json.dumps(state).encode())


def test_hf_forced_on_other_json(tmp_path):
    with pytest.raises(InputError, match="no log_history"):
        read(tmp_path, json.dumps(HISTORY).encode(), fmt="hf-trainer-state")


def test_hf_truncated(tmp_path):
    data = json.dumps(trainer_state(), indent=2).encode()[:-40]
    with pytest.raises(InputError, match="truncated JSON"):
        read(tmp_path, data)


# ------------------------------------------------------------------------------------------ JSON Lines


def lines(*objs: dict) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objs)


def test_jsonl_sparse_keys(tmp_path):
    data = lines(
        {"step": 10, "train_loss": 2.0, "lr": 0.1},
        {"step": 20, "train_loss": 1.8, "lr": 0.1},
        {"step": 20, "epoch": 0, "val_loss": 1.9, "val_acc": 0.5},
        {"step": 30, "train_loss": float("nan"), "lr": 0.05},
    )
    run = read(tmp_path, data, "metrics.jsonl")
    assert run.format == "jsonl"
    tl = run.series["train_loss"]
    assert lst(tl.steps) == [10, 20, 30] and math.isnan(tl.values[2])
    assert lst(run.series["val_loss"].steps) == [20]
    assert run.series["lr"].role == "lr" and run.series["val_acc"].role == "val_metric"


def test_jsonl_wandb_step_and_internal_keys(tmp_path):
    data = lines(
        {"_step": 0, "_runtime": 1.2, "_timestamp": 1.7e9, "train/loss": 2.0},
        {"_step": 1, "_runtime": 2.2, "_timestamp": 1.7e9, "train/loss": 1.5, "val/loss": 1.6},
    )
    run = read(tmp_path, data, "wandb-history.jsonl")
    assert set(run.series) == {"train/loss", "val/loss"}
    assert lst(run.series["train/loss"].steps) == [0, 1]
    assert run.val_loss.name == "val/loss"


def test_jsonl_nested_dicts_are_flattened(tmp_path):
    data = lines({"step": 1, "train": {"loss": 2.0}}, {"step": 2, "train": {"loss": 1.0}, "val": {"loss": 1.5}})
    run = read(tmp_path, data)
    assert run.train_loss.name == "train/loss" and run.val_loss.name == "val/loss"


def test_jsonl_truncated_last_line_is_noted(tmp_path):
    data = lines({"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}) + b'{"step": 3, "lo'
    run = read(tmp_path, data)
    assert run.series["loss"].values.tolist() == [2.0, 1.5]
    assert any("last line (3) is truncated" in n for n in run.notes)


def test_jsonl_bad_middle_lines_skipped_with_note(tmp_path):
    data = lines({"step": 1, "loss": 2.0}) + b"Traceback: something\n" + lines({"step": 2, "loss": 1.5})
    run = read(tmp_path, data, fmt="jsonl")
    assert run.series["loss"].values.tolist() == [2.0, 1.5]
    assert any("skipped 1 line(s)" in n and "line 2" in n for n in run.notes)


def test_jsonl_crlf_and_no_step(tmp_path):
    data = lines({"loss": 2.0}, {"loss": 1.0}).replace(b"\n", b"\r\n")
    run = read(tmp_path, data)
    assert run.format == "jsonl" and run.series["loss"].x.tolist() == [0, 1]
    assert any("0..n-1" in n for n in run.notes)


def test_jsonl_without_loss_reads_without_a_loss(tmp_path):
    run = read(tmp_path, lines({"step": 1, "acc": 0.5}, {"step": 2, "acc": 0.6}))
    assert set(run.series) == {"acc"} and run.train_loss is None


def test_jsonl_without_numbers(tmp_path):
    with pytest.raises(InputError, match="no numeric series found"):
        read(tmp_path, lines({"step": 1, "msg": "hi"}), fmt="jsonl")


def test_jsonl_forced_on_garbage(tmp_path):
    with pytest.raises(InputError, match="no JSON object"):
        read(tmp_path, b"hello\nworld\n", fmt="jsonl")


def test_sniffers_keep_to_their_shapes():
    hist = json.dumps(HISTORY).encode()
    state = json.dumps(trainer_state(), indent=2).encode()
    jl = lines({"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0})
    by = {cls.name: cls() for cls in READERS}
    assert by["keras-history"].sniff(hist, None) and not by["keras-history"].sniff(state, None)
    assert not by["keras-history"].sniff(jl, None)
    assert by["hf-trainer-state"].sniff(state, None) and not by["hf-trainer-state"].sniff(hist, None)
    assert by["jsonl"].sniff(jl, None) and not by["jsonl"].sniff(hist, None)
    assert not by["jsonl"].sniff(b"epoch,loss\n0,1\n", None)


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=300) | st.text(alphabet='{}[]":,0123456789.elosNaIfity \n', max_size=200).map(str.encode)
)
def test_garbage_never_raises_anything_but_input_error(data):
    for cls in READERS:
        r = cls()
        r.sniff(data, None)
        try:
            r.read(Source("<garbage>", None, data))
        except InputError:
            pass


# ------------------------------------------------------------------------------------------ real layouts

PUBLIC = Path(__file__).resolve().parent.parent / "fixtures" / "public"


def test_public_nested_history_with_an_epochs_list():
    """A real history (hoidn/PtychoPINN): ``{"epochs": [...], "metrics": {"loss": [...], ...}}`` with NaN
    literals: the nested lists are the series, ``epochs`` their axis, NaN kept."""
    import lossdoc

    path = PUBLIC / "keras-history" / "hoidn__PtychoPINN__gs1_ideal-train_outputs-history.json"
    obj = json.loads(path.read_text())  # Python's json reads NaN
    metrics, epochs = obj["metrics"], obj["epochs"]
    (run,) = lossdoc.read(str(path))
    assert run.format == "keras-history"
    assert set(run.series) == set(metrics) and "epochs" not in run.series
    for name, vals in metrics.items():
        s = run.series[name]
        assert len(s) == len(vals) == len(epochs) == 5
        assert lst(s.epochs) == epochs
        assert np.isnan(s.values).tolist() == [math.isnan(v) for v in vals]
        assert [v for v in s.values.tolist() if not math.isnan(v)] == [v for v in vals if not math.isnan(v)]
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert run.series["train_loss"].role == "train_loss" and run.series["val_pred_intensity_loss"].role == "val_loss"
    assert run.series["learning_rate"].role == "lr"


def test_nested_history_with_a_steps_list_and_metadata(tmp_path):
    data = json.dumps(
        {
            "model": "unet",
            "steps": [100, 200, 300],
            "metrics": {"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, float("nan")], "note": "x"},
        },
        indent=2,
    ).encode()
    run = read(tmp_path, data, "history.json")
    assert run.format == "keras-history" and set(run.series) == {"loss", "val_loss"}
    assert lst(run.val_loss.steps) == [100, 200, 300] and run.val_loss.epochs is None
    assert math.isnan(run.val_loss.values[2])
    assert run.meta["model"] == "unet" and run.meta["note"] == "x"


def test_flat_history_with_an_epoch_list_and_a_nested_one_without(tmp_path):
    run = read(tmp_path, json.dumps({"epochs": [1, 2, 3], "loss": [1.0, 0.9, 0.8]}).encode())
    assert set(run.series) == {"loss"} and lst(run.train_loss.epochs) == [1, 2, 3]
    run = read(tmp_path, json.dumps({"metrics": {"loss": [1.0, 0.9], "val_loss": [1.2, 1.0]}}).encode())
    assert lst(run.val_loss.epochs) == [0, 1] and any("0..n-1" in n for n in run.notes)
    # An epochs list that is not an axis (out of order) stays what it was: a list, not the axis.
    run = read(tmp_path, json.dumps({"epochs": [3, 1, 2], "loss": [1.0, 0.9, 0.8]}).encode())
    assert lst(run.train_loss.epochs) == [0, 1, 2]


def test_public_json_array_of_epoch_records():
    """A real log (ByteBoss123/FEA-Thermal-Surrogate): ``json.dump`` of a list of per-epoch dicts."""
    import lossdoc

    path = PUBLIC / "jsonl" / "ByteBoss123__FEA-Thermal-Surrogate-__training_history.json"
    records = json.loads(path.read_text())
    keys = {k for r in records for k in r} - {"epoch"}
    (run,) = lossdoc.read(str(path))
    assert run.format == "jsonl"
    assert set(run.series) == keys == {"train_loss", "val_loss", "val_mae"}
    for k in keys:
        assert run.series[k].values.tolist() == [r[k] for r in records if k in r]
        assert lst(run.series[k].epochs) == [r["epoch"] for r in records if k in r]
        assert len(run.series[k]) == len(records) == 1
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert run.series["val_mae"].role == "val_metric"


def test_json_array_of_step_records(tmp_path):
    recs = [{"step": s, "train_loss": 1 / s, "val_loss": 1.2 / s, "lr": 0.1} for s in (10, 20, 30)]
    recs[1]["val_loss"] = float("nan")
    for data in (
        json.dumps(recs, indent=2).encode(),
        json.dumps(recs, separators=(",", ":")).encode(),  # pandas' to_json(orient="records")
        b"\xef\xbb\xbf" + json.dumps([*recs, "junk", 3]).encode().replace(b", ", b",\r\n"),
    ):
        run = read(tmp_path, data, "history.json")
        assert run.format == "jsonl"
        assert lst(run.train_loss.steps) == [10, 20, 30] and run.val_loss.name == "val_loss"
        assert math.isnan(run.val_loss.values[1])
    assert any("2 array item(s) that are not objects" in n for n in run.notes)


def test_json_array_that_is_not_a_log_is_not_claimed(tmp_path):
    by = {cls.name: cls() for cls in READERS}
    manifest = json.dumps([{"id": "run-1", "seed": 1, "checks": {"div[loss]": 2.0}}]).encode()
    assert not by["jsonl"].sniff(manifest, None)
    assert not by["jsonl"].sniff(b"[1, 2, 3]", None) and not by["jsonl"].sniff(b"[[0.1, 1, 2.0]]", None)
    assert by["jsonl"].sniff(b'[{"epoch": 1, "acc": 0.5}]', None)
    assert by["jsonl"].sniff(b'[\n  {"loss": 0.5, "val_loss": 0.6}', None)  # cut after the first object


@pytest.mark.parametrize(
    "data",
    [
        b'[{"epoch": 1, "train_loss": 0.5}, {"epoch": 2, "train_lo',
        b'[{"epoch": 1, "train_loss": 0.5}] x',
        b'[{"epoch": 1, "msg": "hi"}]',
    ],
    ids=["truncated", "trailing-garbage", "no-numbers"],
)
def test_bad_json_arrays_are_one_line_and_exit_2(runner, tmp_path, data):
    from lossdoc.cli import app

    p = tmp_path / "history.json"
    p.write_bytes(data)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and p.name in lines[0] and "Traceback" not in r.output, r.stderr


def test_hf_log_history_with_only_the_summary_entry(tmp_path):
    """A run shorter than logging_steps logs nothing but the summary at the end: its aggregate train_loss is one
    number over the whole run, not a curve. An input error that says so (a real trainer_state.json in
    fixtures/public)."""
    summary = {"epoch": 2.98, "step": 69, "train_loss": 1.7e11, "train_runtime": 36.1, "total_flos": 1.1e15}
    state = {**trainer_state(log_history=[summary]), "global_step": 69, "logging_steps": 500}
    with pytest.raises(InputError, match=r"only the final summary entry .*train_loss 1\.7e\+11.*logging_steps 500 > "
                                         r"the run's 69 steps"):
        read(tmp_path, json.dumps(state).encode())


def test_keras_history_saved_through_pandas(tmp_path):
    """pd.DataFrame(history.history).to_json(): every metric a dict of row index -> value; an empty column (a
    metric never filled in) is left out and a sparse one keeps its rows."""
    hist = {
        "loss": {str(i): 1.0 / (i + 1) for i in range(12)},
        "val_loss": {str(i): 1.1 / (i + 1) for i in range(12)},
        "accuracy": {},
        "time": {"4": 58.3, "9": 53.1},
    }
    run = read(tmp_path, json.dumps(hist).encode(), "train_history.json")
    assert run.format == "keras-history"
    assert run.train_loss.name == "loss" and len(run.train_loss.values) == 12
    assert run.val_loss.values[11] == pytest.approx(1.1 / 12)
    assert "accuracy" not in run.series
    assert np.isfinite(run.series["time"].values).sum() == 2 and run.series["time"].values[4] == 58.3


def test_bare_split_keys_are_the_split_losses_unless_the_file_says_metric(tmp_path):
    # json.dump({"train": train_losses, "val": val_losses}, open("losses.json", "w")): a training loop's losses.
    data = b'{"train": [1.2, 0.9, 0.7], "val": [1.1, 0.95, 0.9]}'
    run = read(tmp_path, data, name="losses.json")
    assert run.train_loss is not None and run.train_loss.name == "train"
    assert run.val_loss is not None and run.val_loss.name == "val"
    assert any("bare split names" in n for n in run.notes)
    # The same keys in accuracy.json are not losses; beside a key that names a loss they are not either.
    run = read(tmp_path, data, name="accuracy.json")
    assert run.train_loss is None and run.val_loss is None
    run = read(tmp_path, b'{"loss": [1.2, 0.9, 0.7], "train": [0.5, 0.6, 0.7]}', name="h.json")
    assert run.train_loss is not None and run.train_loss.name == "loss"
