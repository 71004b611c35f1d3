"""Layouts held-out reading survey 9 found unread or misread. The samples are written here in the layouts the
survey's files have (small, made up; the survey's files are not copied)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(tmp_path: Path, data: bytes | str, name: str) -> Run:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    runs = registry.read_path(p)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


def refused(runner, tmp_path: Path, data: bytes | str, name: str) -> str:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in r.output, r.stderr
    return lines[0]


# ------------------------------------------------------------------- JSON object: records under a key beside config

# A training script's own summary, written with json.dump(summary, f, indent=2): seed and config, the per-epoch
# history as a list of dicts appended once an epoch, the final results (the layout of survey 9's TinyGPT and
# DL_Assignment1 training_log.json files).
HISTORY = [
    {"epoch": 1, "train_loss": 10.03, "val_loss": 3.13, "epoch_time_sec": 27.9},
    {"epoch": 2, "train_loss": 3.2, "val_loss": 2.9, "epoch_time_sec": 28.1},
    {"epoch": 3, "train_loss": 2.82, "val_loss": float("nan"), "epoch_time_sec": 28.3},
]
SUMMARY = {"seed": 42, "config": {"lr": 0.001, "epochs": 3, "batch_size": 64}, "history": HISTORY,
           "final_val_loss": 2.9, "total_params": 145344}


def test_records_under_history_beside_config(tmp_path):
    run = read(tmp_path, json.dumps(SUMMARY, indent=2), "training_log.json")
    assert run.format == "jsonl"
    assert set(run.series) == {"train_loss", "val_loss", "epoch_time_sec"}
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert lst(run.train_loss.values) == [10.03, 3.2, 2.82]
    assert lst(run.train_loss.epochs) == [1, 2, 3] and run.train_loss.axis == "epoch"
    assert np.isnan(run.val_loss.values[-1])  # NaN is data
    assert run.meta["final_val_loss"] == 2.9 and run.meta["seed"] == 42
    assert any("3 per-epoch record(s) under 'history'" in n for n in run.notes)


def test_records_on_one_line_are_read_the_same(tmp_path):
    run = read(tmp_path, json.dumps(SUMMARY), "training_log.json")
    assert set(run.series) == {"train_loss", "val_loss", "epoch_time_sec"}
    assert "final_val_loss" not in run.series and len(run.train_loss.values) == 3


def test_records_counted_by_round(tmp_path):
    # {total_epochs, history: [{round, timestamp, avg_loss, epochs}]}: one record per round of training
    # (survey 9's Mini-LLM training_log.json).
    hist = [{"round": r, "timestamp": f"2025-11-27T10:3{r}:13", "avg_loss": v, "epochs": 10}
            for r, v in ((1, 2.54), (2, 1.7), (3, 1.29))]
    run = read(tmp_path, json.dumps({"total_epochs": 30, "history": hist}, indent=2), "training_log.json")
    assert list(run.series) == ["avg_loss"] and run.train_loss.name == "avg_loss"
    assert lst(run.train_loss.epochs) == [1, 2, 3] and lst(run.train_loss.values) == [2.54, 1.7, 1.29]
    assert any("'round' counts up" in n for n in run.notes)


def test_records_without_a_loss_or_with_two_lists_are_not_taken(runner, tmp_path):
    # a list of records with no loss (a data set, a manifest) is no training log
    data = json.dumps({"name": "x", "items": [{"id": 1, "score": 0.5}, {"id": 2, "score": 0.7}]}, indent=2)
    assert "not a training log" in refused(runner, tmp_path, data, "items.json")


def test_truncated_records_object_is_one_line_error(runner, tmp_path):
    text = json.dumps(SUMMARY, indent=2)
    line = refused(runner, tmp_path, text[: len(text) // 2], "training_log.json")
    assert "truncated JSON" in line


def test_hf_log_history_stays_hf(tmp_path):
    state = {"global_step": 20, "log_history": [{"epoch": 0.5, "step": 10, "loss": 1.2, "learning_rate": 1e-5},
                                                {"epoch": 1.0, "step": 20, "loss": 0.9, "learning_rate": 5e-6}]}
    run = read(tmp_path, json.dumps(state, indent=2), "trainer_state.json")
    assert run.format == "hf-trainer-state"


def test_two_lists_of_loss_records_are_refused(runner, tmp_path):
    data = json.dumps({"seed": 1, "history": HISTORY[:2], "finetune": HISTORY[1:]}, indent=2)
    line = refused(runner, tmp_path, data, "training_log.json")
    assert "2 lists of records holding a loss ('history', 'finetune')" in line


# ------------------------------------------------------------------- np.savetxt of one curve broadcast to 4 columns

def test_savetxt_of_identical_columns_is_one_curve(tmp_path):
    # np.savetxt's own output (fmt '%.18e', delimiter ' '), of one loss array written to 4 columns (survey 9's
    # mt-cgcnn train_loss.txt); a NaN in every column stays a NaN point.
    losses = np.array([0.63, 0.38, 0.34, np.nan, 0.3, 0.29])
    p = tmp_path / "train_loss.txt"
    np.savetxt(p, np.tile(losses[:, None], 4))
    run = read(tmp_path, p.read_bytes(), "train_loss.txt")
    assert list(run.series) == ["train_loss"] and run.train_loss.name == "train_loss"
    assert len(run.train_loss.values) == 6 and run.train_loss.values[0] == 0.63 and run.train_loss.values[-1] == 0.29
    assert np.isnan(run.train_loss.values[3]) and lst(run.train_loss.epochs) == [0, 1, 2, 3, 4, 5]
    assert any("equal on every one of its 6 lines" in n for n in run.notes)


def test_savetxt_of_different_columns_stays_refused(runner, tmp_path):
    rows = np.array([[1.66, 1.39, 3.9, 0.77], [1.41, 1.38, 3.5, 0.67], [1.3, 1.37, 3.4, 0.6]])
    p = tmp_path / "src.txt"
    np.savetxt(p, rows, delimiter=",", fmt="%.6f")
    line = refused(runner, tmp_path, p.read_bytes(), "train_log.csv")
    assert "a headerless table of 4 numeric columns" in line


# ------------------------------------------------------------------- fit() called again on the same model, in a loop

def keras2_blocks(blocks: list[list[float]], header: str = "Итерация #: {i}") -> str:
    """Keras 2's console output of ``model.fit(x, y, epochs=len(block))`` called once per block in a loop (the
    ``Train on N samples`` line and ``Epoch %d/%d`` of keras/engine/training_arrays.py, the Progbar's final
    ``N/N [====] - 35s 353us/sample - loss: x`` line), each block after the loop's own header line."""
    out = []
    for i, block in enumerate(blocks):
        out += [header.format(i=i), "Train on 99983 samples"]
        for e, v in enumerate(block, start=1):
            out += [f"Epoch {e}/{len(block)}",
                    f"99983/99983 [==============================] - 35s 353us/sample - loss: {v:.4f}"]
        out.append("Генерация из посева: me account")
    return "\n".join(out) + "\n"


CARRIED = [[2.38, 1.97, 1.80, 1.67, 1.56], [1.45, 1.32, 1.18, 1.03, 0.87], [0.73, 0.62, 0.52, 0.45, 0.40]]


def test_repeated_fit_calls_carrying_on_are_one_curve(tmp_path):
    run = read(tmp_path, keras2_blocks(CARRIED), "train_output.txt")
    s = run.train_loss
    assert s.name == "loss" and len(s.values) == 15 and s.values[0] == 2.38 and s.values[-1] == 0.40
    assert lst(s.epochs) == list(range(15)) and s.axis == "epoch"
    assert run.meta.get("carried_on") == ["loss"] and "restarted" not in run.meta
    assert any("starts again 2 time(s)" in n and "carried on" in n for n in run.notes)


def test_repeated_fit_calls_from_scratch_keep_the_latest(tmp_path):
    # every block starts back near 2.4: new trainings appended, the latest kept as before
    fresh = [[2.38, 1.97, 1.80, 1.67, 1.56], [2.41, 1.95, 1.79, 1.66, 1.55], [2.36, 1.99, 1.81, 1.68, 1.57]]
    run = read(tmp_path, keras2_blocks(fresh), "train_output.txt")
    assert len(run.train_loss.values) == 5 and run.train_loss.values[0] == 2.36
    assert run.meta.get("restarted") == ["loss"] and "carried_on" not in run.meta


def test_one_restart_or_a_jump_keeps_the_latest(tmp_path):
    # one restart alone is what a new process resumed from saved weights writes: read as before (latest kept)
    run = read(tmp_path, keras2_blocks(CARRIED[:2]), "train_output.txt")
    assert len(run.train_loss.values) == 5 and run.train_loss.values[0] == 1.45
    # blocks that start at a loss of 0.0 (another script, broken) do not carry the curve on
    broken = [CARRIED[0], [0.0] * 5, [0.0] * 5]
    run = read(tmp_path, keras2_blocks(broken), "train_output.txt")
    assert len(run.train_loss.values) == 5 and "carried_on" not in run.meta


def test_csvlogger_appended_by_repeated_fit_calls(tmp_path):
    # CSVLogger(append=True) over the same fit(epochs=3) calls: its 'epoch,loss' rows count 0..2 again each call
    # (keras/callbacks.py CSVLogger writes the header once when appending); the same rule, in finish_run
    rows = ["epoch,loss"] + [f"{e},{v}" for block in ([2.0, 1.6, 1.3], [1.2, 1.0, 0.9], [0.85, 0.8, 0.76])
                             for e, v in enumerate(block)]
    run = read(tmp_path, "\n".join(rows) + "\n", "training.log")
    assert len(run.train_loss.values) == 9 and lst(run.train_loss.epochs) == list(range(9))
    assert run.meta.get("carried_on") == ["loss"]


# ------------------------------------------------------------------- "All Loss": the total printed beside its parts

def test_all_loss_is_the_total_not_summed_with_its_parts(tmp_path):
    # a hand-written loop's print(f"Step: {step}, All Loss: {loss}, Smooth Loss: {...}, Unpen Loss: {...}") every
    # 1000 steps, then numpy array dumps (survey 9's SPINN-AM logs/train.log)
    rows = [(0, 38.22, 17.85, 17.84), (1000, 64.47, 8.16, 8.03), (2000, 30.1, 6.2, 6.1), (3000, 21.5, 5.0, 4.9)]
    text = "".join(f"Step: {s}, All Loss: {a}, Smooth Loss: {b}, Unpen Loss: {c}\n" for s, a, b, c in rows)
    run = read(tmp_path, text + "[[0.1 0.2]\n [0.3 0.4]]\n", "train.log")
    assert run.train_loss.name == "All_Loss" and not run.train_loss.derived
    assert not any(s.derived for s in run.series.values())  # no "(sum)" counting the total twice
    assert lst(run.train_loss.steps) == [0, 1000, 2000, 3000] and run.train_loss.values[-1] == 21.5
    assert {"Smooth_Loss", "Unpen_Loss"} <= set(run.series)


def test_all_in_a_loss_name_means_the_total():
    from lossdoc.naming import is_total_loss

    assert is_total_loss("All Loss") and is_total_loss("loss_all") and is_total_loss("train/all_loss")
    assert not is_total_loss("Smooth Loss") and not is_total_loss("all_acc")


# ------------------------------------------------------------------- one row per RL episode, a True/False column

def test_episode_rows_with_a_boolean_column_are_a_log(tmp_path):
    # csv.DictWriter's rows (its default line terminator '\r\n') of a self-play loop, one per episode, a bool written
    # as str(): True/False (survey 9's UTTT_Research training_log.csv)
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["episode", "num_examples", "epochs_run", "stopped_early", "train_loss", "val_loss"])
    for ep, (stopped, tr, va) in enumerate([(False, 1.85, 2.2), (True, 2.98, 5.11), (False, 1.7, 2.0),
                                            (True, 1.5, float("nan")), (False, 1.4, 1.9)]):
        w.writerow([ep, 6717 * (ep + 1), 50, stopped, tr, va])
    run = read(tmp_path, buf.getvalue(), "training_log.csv")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert lst(run.train_loss.steps) == [0, 1, 2, 3, 4] and run.train_loss.axis == "step"
    assert run.train_loss.values[-1] == 1.4 and np.isnan(run.val_loss.values[3])
    assert "stopped_early" not in run.series and "episode" not in run.series
    assert any("'episode' counts up at every row" in n for n in run.notes)


def test_text_labels_beside_booleans_still_make_a_results_table(runner, tmp_path):
    rows = ["model,seed,converged,accuracy,nll"] + [f"{m},{s},{c},0.{s}1,1.{s}" for m in ("mlp", "cnn")
                                                    for s, c in ((1, True), (2, False))]
    line = refused(runner, tmp_path, "\n".join(rows) + "\n", "results.csv")
    assert "a table of results" in line and "converged" not in line


# ------------------------------------------------------------------- 'loss: (epoch, value)': a tuple after its name

def test_name_then_python_tuple_lines(tmp_path):
    # print(f"loss: {(epoch, loss)}") each epoch: Python's tuple repr, nan as 'nan' (survey 9's AudioToVelocity
    # loss.txt)
    vals = [23047468.0, 18900810.0, 22609118.0, float("nan"), 19240128.0]
    text = "".join(f"loss: {(e, v)}\n" for e, v in enumerate(vals))
    assert text.startswith("loss: (0, 23047468.0)\n")
    run = read(tmp_path, text, "loss.txt")
    assert list(run.series) == ["loss"] and run.train_loss.name == "loss" and run.train_loss.axis == "epoch"
    assert lst(run.train_loss.epochs) == [0, 1, 2, 3, 4] and run.train_loss.values[-1] == 19240128.0
    assert np.isnan(run.train_loss.values[3])


def test_name_then_tuple_broken_line_is_one_line_error(runner, tmp_path):
    text = "".join(f"loss: {(e, 1.0 / (e + 1))}\n" for e in range(6)) + "loss: (6, 0.1\n"
    refused(runner, tmp_path, text, "loss.txt")  # one line naming the file, exit 2 (the csv reader's refusal)


# ------------------------------------------------------------------- Lightning ModelCheckpoint messages: no values

def test_model_checkpoint_messages_are_no_series(tmp_path):
    # Lightning's tqdm bar (the final one of an epoch printed twice, the second time with ModelCheckpoint(verbose=True)'s
    # rank_zero_info message glued on: f"Epoch {epoch:d}, global step {step:d}: {self.monitor!r} reached
    # {current:0.5f} (best {self.best_model_score:0.5f}), saving model to {filepath!r} as top {k}", or
    # "... was not in top {self.save_top_k}", pytorch_lightning/callbacks/model_checkpoint.py)
    out = []
    for e, (loss, msg) in enumerate([(143.0, "reached 1213.49133 (best 1213.49133)"), (3.48, None),
                                     (3.37, "reached 100.00000 (best 100.00000)"), (3.12, None)]):
        bar = f"Epoch {e}: 100% 127/127 [00:25<00:00,  4.97it/s, loss={loss:g}, v_num=0]"
        out += [f"Epoch {e}:  94% 120/127 [00:24<00:01,  4.99it/s, loss={loss:g}, v_num=0]",
                "Validation DataLoader 0:   0% 0/7 [00:00<?, ?it/s]", bar]
        tail = (f"'val/CER' {msg}, saving model to '/content/logs/checkpoints/epoch={e}-step={120 * (e + 1)}.ckpt' "
                "as top 1" if msg else "'val/CER' was not in top 1")
        out.append(f"{bar}Epoch {e}, global step {120 * (e + 1)}: {tail}")
    run = read(tmp_path, "\n".join(out) + "\n", "training.log")
    assert not {"reached", "as_top", "in_top", "best"} & set(run.series)
    assert run.train_loss.name == "loss" and run.train_loss.values[0] == 143.0 and run.train_loss.values[-1] == 3.12


# ------------------------------------------------------------------- a step curve and an epoch summary of one name

def test_epoch_summary_beside_step_lines_is_its_own_series(tmp_path):
    # print(f"  Epoch {e}/{n} | Step {s}/{m} | Loss: {loss:.4f} | Accuracy: {acc:.1f}%") every 100 steps, then
    # print(f"  Epoch {e} Complete - Avg Loss: {avg:.4f}, Accuracy: {acc:.1f}%") (survey 9's Fashion-MNIST CNN output)
    out = ["Epochs: 2, Learning Rate: 0.005, Samples/Epoch: 300"]
    accs = {1: [21.0, 33.0, 40.0], 2: [67.0, 69.0, 70.0]}
    for e in (1, 2):
        for i, a in enumerate(accs[e], start=1):
            out.append(f"  Epoch {e}/2 | Step {i * 100}/300 | Loss: {2.2 / (e * i):.4f} | Accuracy: {a:.1f}%")
        out += ["", f"  Epoch {e} Complete - Avg Loss: {2.2 / (e * 3):.4f}, Accuracy: {accs[e][-1]:.1f}%", ""]
    run = read(tmp_path, "\n".join(out) + "\n", "training_output.txt")
    acc = run.series["Accuracy"]
    assert len(acc.values) == 6 and acc.axis == "step" and "restarted" not in run.meta
    assert acc.values[0] == pytest.approx(0.21) and acc.values[-1] == pytest.approx(0.70)
    summary = run.series["Accuracy_epoch"]
    assert len(summary.values) == 2 and summary.axis == "epoch" and summary.values[-1] == pytest.approx(0.70)
    assert run.train_loss.name == "Loss" and len(run.train_loss.values) == 6
