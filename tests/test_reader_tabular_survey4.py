"""CSV layouts a held-out reading survey (survey 4) found misread or refused: summary rows (``final``) in a training
log's epoch column, a results table (one row per optimizer) read as a run, and two runs writing alternate rows of one
CSV. The samples are written here in the layouts of the survey's files (hand-written training scripts' ``csv``
writers; no tool's format string to follow), not copied from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: str, name: str = "training_log.csv") -> list[Run]:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(data)
    return registry.read_path(p, None)


def read(tmp_path: Path, data: str, name: str = "training_log.csv") -> Run:
    runs = read_all(tmp_path, data, name)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list:
    return [float(v) for v in a]


def one_line_error(runner, tmp_path: Path, data: str, name: str) -> str:
    p = tmp_path / name
    p.write_text(data)
    r = runner.invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in r.output
    return lines[0]


# --------------------------------------------------------------------- 1. summary rows in the epoch column

# A run timestamp, the epoch, the model, then train/val loss and F1; after the CNN's epochs, one ``final`` row per
# model holding only its final val F1 (the layout of a hand-written results/training_log.csv in survey 4).
SUMMARY = """run_ts,epoch,model,train_loss,train_f1_macro,val_loss,val_f1_macro
20260101_120000,1,cnn,0.701000,0.450000,0.760000,0.350000
20260101_120000,2,cnn,0.652000,0.610000,0.741000,0.420000
20260101_120000,3,cnn,0.613000,0.700000,0.735000,0.480000
20260101_120000,final,cnn_hmm,,,,0.410000
20260101_120000,final,lr_baseline,,,,0.700000
"""


def test_final_rows_in_the_epoch_column_are_left_out_with_a_note(tmp_path):
    run = read(tmp_path, SUMMARY)
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert lst(run.train_loss.epochs) == [1, 2, 3] and run.axis == "epoch"
    assert lst(run.train_loss.values) == [0.701, 0.652, 0.613]
    assert lst(run.val_loss.values)[-1] == 0.735
    assert lst(run.series["val_f1_macro"].values) == [0.35, 0.42, 0.48]  # not the summary rows' 0.41, 0.70
    assert any("2 summary row(s) with 'final' in the epoch column 'epoch'" in n and "line 5" in n for n in run.notes)


def test_summary_rows_after_each_model_leave_one_curve_per_model_as_without_them(tmp_path):
    # model A's epochs, its 'best' row, then model B's epochs and its 'best' row: without the summary rows the
    # table is what the reader already reads (the model column beside no split column: the epoch counter
    # restarts, the latest training kept), so it is read the same way
    rows = ["epoch,model,train_loss,val_loss"]
    rows += [f"{e},a,{1 - e / 10:.2f},{1.1 - e / 10:.2f}" for e in (1, 2, 3)] + ["best,a,,0.80"]
    rows += [f"{e},b,{2 - e / 10:.2f},{2.1 - e / 10:.2f}" for e in (1, 2, 3)] + ["test,b,1.70,1.75"]
    with_summary = read(tmp_path, "\n".join(rows) + "\n", "a.csv")
    plain = read(tmp_path, "\n".join(r for r in rows if not r.startswith(("best", "test"))) + "\n", "b.csv")
    assert lst(with_summary.train_loss.values) == lst(plain.train_loss.values) == [1.9, 1.8, 1.7]
    assert lst(with_summary.train_loss.epochs) == [1, 2, 3]
    assert any("2 summary row(s) with 'best', 'test'" in n for n in with_summary.notes)


def test_a_summary_word_with_epochs_after_it_is_not_a_summary_row(runner, tmp_path):
    # 'final' in the middle of a run (epochs go on after it) is no summary: refused as today
    text = "epoch,train_loss\n1,0.9\n2,0.8\nfinal,0.7\n3,0.6\n4,0.5\n"
    msg = one_line_error(runner, tmp_path, text, "mid.csv")
    assert "the epoch column 'epoch' holds text" in msg


def test_an_epoch_column_of_mostly_words_is_still_refused(tmp_path):
    text = "epoch,train_loss\n1,0.9\nfinal,0.8\nbest,0.7\ntest,0.6\n"
    with pytest.raises(InputError) as exc:
        read(tmp_path, text, "words.csv")
    assert "the epoch column 'epoch' holds text, not numbers (e.g. 'final' at line 3)" in str(exc.value)


# ------------------------------------------------------------------ 2. a results table, one row per setting

# One row per optimizer, then the in-distribution and OOD losses and accuracies of the trained model (the layout of a
# hand-written results/metrics.csv in survey 4: pandas' to_csv of a list of dicts, no index).
RESULTS = """optimizer,id_loss,id_acc,ood_noise_loss,ood_noise_acc,ood_blur_loss,ood_blur_acc,avg_ood_acc
sgd,0.7712,0.7710,3.1021,0.2050,1.5204,0.5800,0.3925
sam,0.4431,0.8420,3.1288,0.1690,1.3312,0.6110,0.3900
"""


def test_a_results_table_with_one_row_per_optimizer_is_refused(runner, tmp_path):
    msg = one_line_error(runner, tmp_path, RESULTS, "metrics.csv")
    assert "a table of results (one row per optimizer: text columns, no step or epoch), not a training log" in msg


def test_a_short_log_with_a_checkpoint_name_on_each_row_is_still_read(tmp_path):
    # names that differ only in their numbers count the rows: no setting per row, a 3-point curve as before
    text = "checkpoint,train_loss,val_loss\nepoch_1.pt,0.90,0.95\nepoch_2.pt,0.70,0.80\nepoch_3.pt,0.60,0.75\n"
    run = read(tmp_path, text, "history.csv")
    assert lst(run.train_loss.values) == [0.9, 0.7, 0.6] and run.val_loss.name == "val_loss"


def test_a_short_log_with_one_model_name_and_a_timestamp_per_row_is_still_read(tmp_path):
    # the model's name never changes and a timestamp is no setting: one curve
    text = ("time,model,train_loss,val_loss\n2026-01-01 10:00:00,resnet18,0.9,1.0\n"
            "2026-01-01 10:05:00,resnet18,0.8,0.9\n")
    run = read(tmp_path, text, "log.csv")
    assert lst(run.train_loss.values) == [0.9, 0.8] and lst(run.val_loss.values) == [1.0, 0.9]
    assert len(run.series) == 2  # the text columns are no series


def test_more_rows_than_a_few_settings_are_still_read_as_a_log(tmp_path):
    # a distinct word on each of 13+ rows (a run id per epoch) is past RESULTS_MAX_ROWS: read as before
    text = "tag,train_loss\n" + "".join(f"r{chr(97 + i)}x,{1 - i / 20:.2f}\n" for i in range(13))
    run = read(tmp_path, text, "losses.csv")
    assert len(run.train_loss.values) == 13 and lst(run.train_loss.values)[-1] == 0.4


# ---------------------------------------------------------------- 3. two runs interleaved in one CSV

def interleaved() -> str:
    # run A resumed at epoch 7 (loss ~0.008) writes one row for every ~5 rows of run B, a fresh run (epochs 1..20,
    # loss 0.8 falling), both appending to one training_log.csv (the layout of survey 4's file); after B ends, A goes on
    rows = ["epoch,train_loss,val_loss,val_psnr"]
    a, b = iter(range(7, 40)), iter(range(1, 21))
    out = [("a", next(a))]
    for e in b:
        out.append(("b", e))
        if e % 5 == 0:
            out.append(("a", next(a)))
    out += [("a", next(a)) for _ in range(3)]
    for who, e in out:
        if who == "a":
            rows.append(f"{e},{0.0080 - e / 10000:.6f},{0.0085 - e / 10000:.6f},36.9")
        else:
            rows.append(f"{e},{0.8 / e:.6f},{0.9 / e:.6f},{15 + e / 2:.1f}")
    return "\n".join(rows) + "\n"


def test_two_runs_whose_rows_interleave_are_read_as_two_runs(tmp_path):
    runs = read_all(tmp_path, interleaved())
    assert len(runs) == 2
    a, b = runs
    assert a.name == "training_log.csv (run 1 of 2, epochs 7-14)" and b.name == "training_log.csv (run 2 of 2, epochs 1-20)"
    assert lst(a.train_loss.epochs) == list(range(7, 15)) and lst(b.train_loss.epochs) == list(range(1, 21))
    assert max(lst(a.train_loss.values)) < 0.01  # only run A's rows
    assert lst(b.train_loss.values)[0] == 0.8 and lst(b.train_loss.values)[-1] == 0.04  # B's last epochs kept
    assert b.val_loss.name == "val_loss" and len(b.val_loss.values) == 20
    assert not a.meta.get("resumed") and not b.meta.get("resumed")  # no crash-and-resume splices
    assert any("their rows interleaved" in n and "8 row(s) of epochs 7 to 14" in n for n in a.notes)


def test_a_run_resumed_from_a_checkpoint_is_still_spliced_not_two_runs(tmp_path):
    # 1..10, then resumed at 7 up to 15: the rows do not interleave, finish_run splices the resume as before
    rows = [f"{e},{1 / e:.4f}" for e in range(1, 11)] + [f"{e},{0.9 / e:.4f}" for e in range(7, 16)]
    run = read(tmp_path, "epoch,train_loss\n" + "\n".join(rows) + "\n")
    assert lst(run.train_loss.epochs) == list(range(1, 16)) and run.meta.get("resumed")


def test_a_train_row_and_a_val_row_per_epoch_are_not_two_runs(tmp_path):
    # the same epoch on two adjacent rows (a sparse log: train cells, then val cells) is one run, as before
    rows = []
    for e in range(1, 6):
        rows += [f"{e},{1 / e:.3f},", f"{e},,{1.2 / e:.3f}"]
    run = read(tmp_path, "epoch,train_loss,val_loss\n" + "\n".join(rows) + "\n")
    assert lst(run.train_loss.epochs) == [1, 2, 3, 4, 5] and lst(run.val_loss.values)[0] == 1.2
