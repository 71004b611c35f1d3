"""Layouts public round 19's collection could not read, or read wrong.

These are plain training scripts' own logs and pandas/NumPy dumps, not tools with a format of their own, so there is no
upstream format string to cite: each sample follows the byte layout of the file round 19 collected (named at each
sample), written anew here with other numbers.
"""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from lossdoc.cli import app
from tests.reading import assert_one_line_error, fresh_registry, lst, read, read_all  # noqa: F401  (fresh_registry: autouse)

# ------------------------------------------------------------------------ 1. "Train - Loss" under "Epoch N/40:"
# AriesCHENFISH/MCAT_img training_log.txt: "Training Log", a rule of "=", then per epoch f"Epoch {e}/{n}:" on its own
# line, f"Train - Loss: {l:.4f} | Acc: {a:.4f} | AUC: {u:.4f}" and f"Val - Loss: {l:.4f} | Acc: {a:.4f} | AUC: {u:.4f}".


def _mcat(rows: list[tuple[str, str]]) -> str:
    out = ["Training Log", "=" * 36]
    for e, (tr, va) in enumerate(rows, start=1):
        out.append(f"Epoch {e}/{len(rows)}:")
        out.append(f"Train - Loss: {tr} | Acc: 0.5{e}00 | AUC: 0.5{e}10")
        out.append(f"Val - Loss: {va} | Acc: 0.6{e}70 | AUC: 0.6{e}62")
    return "\n".join(out) + "\n"


def test_train_and_val_lines_led_by_their_split_word_under_a_bare_epoch_marker(tmp_path):
    run = read(tmp_path, _mcat([("0.7112", "0.6801"), ("0.6990", "nan"), ("0.6871", "0.6650")]), "training_log.txt")
    assert run.train_loss.name == "train_Loss" and run.val_loss.name == "val_Loss"
    assert lst(run.train_loss.values) == [0.7112, 0.699, 0.6871]
    v = lst(run.val_loss.values)
    assert v[0] == 0.6801 and math.isnan(v[1]) and v[2] == 0.665  # NaN kept as data
    assert run.train_loss.axis == "epoch" and len(run.train_loss) == 3
    assert run.series["train_Acc"].role == "train_metric" and run.series["val_AUC"].role == "val_metric"


def test_a_train_line_without_its_val_line_is_not_read_as_a_pair(tmp_path):
    # the pair needs its evaluation line next: "Train - Loss" lines alone under their markers are refused (as before)
    p = tmp_path / "training_log.txt"
    p.write_text("".join(f"Epoch {e}/3:\nTrain - Loss: 0.{9 - e}000 | Acc: 0.5000\n" for e in range(1, 4)))
    assert_one_line_error(CliRunner(), app, p)


# ------------------------------------------------------------- 2. DataFrame.to_csv, one row per curve, epochs as columns
# p4nzer96/ML_Project-Panzino_Melis train_losses.csv: pd.DataFrame([stage1, stage2, ...]).to_csv(path) with the epochs
# 1..N as the columns: header ",1,2,...,N", rows "k,v1,...,vN" (k = 0, 1, ...; full-precision floats).


def _wide(rows: list[list[str]], first: int = 1) -> str:
    n = len(rows[0])
    out = ["," + ",".join(str(first + i) for i in range(n))]
    out += [f"{k}," + ",".join(r) for k, r in enumerate(rows)]
    return "\n".join(out) + "\n"


WIDE = _wide([["2.1335244178771973", "0.6903806328773499", "0.6871387362480164", "0.6838018298149109"],
              ["0.516922116279602", "0.5162665843963623", "", "inf"],
              ["0.48994845151901245", "0.4898897111415863", "0.48983773589134216", "0.48977789282798767"]])


def test_a_wide_dataframe_of_stages_is_one_loss_the_rows_one_after_another(tmp_path):
    # each row starts where the one before ended (0.5169 after 0.6838; 0.4899 after 0.5163): stages of one training
    run = read(tmp_path, WIDE, "train_losses.csv")
    assert run.format == "numbers"
    loss = run.train_loss
    assert loss.name == "train_losses" and len(loss) == 12 and loss.axis == "epoch"
    assert lst(loss.epochs) == list(range(1, 13))  # the header's epochs 1..4, counted on across the three rows
    assert loss.values[0] == 2.1335244178771973 and loss.values[-1] == 0.48977789282798767
    v = lst(loss.values)
    assert math.isnan(v[6]) and v[7] == math.inf  # pandas' empty missing value, and inf, kept as data
    assert max(x for x in v[1:] if math.isfinite(x)) < 1  # no row index, no header counter among the losses


def test_a_wide_dataframe_whose_rows_start_again_is_one_run_per_row(tmp_path):
    folds = _wide([["2.31", "1.20", "0.81"], ["2.28", "1.31", "0.77"]], first=0)  # fold 2 starts again at 2.28
    runs = read_all(tmp_path, folds, "losses.csv")
    assert [r.name for r in runs] == ["losses.csv (row 0)", "losses.csv (row 1)"]
    assert [lst(r.train_loss.values) for r in runs] == [[2.31, 1.2, 0.81], [2.28, 1.31, 0.77]]
    assert all(lst(r.train_loss.epochs) == [0, 1, 2] and r.train_loss.axis == "epoch" for r in runs)


def test_a_wide_dataframe_with_a_row_of_another_width_is_not_read_as_one(tmp_path):
    p = tmp_path / "train_losses.csv"
    p.write_text(WIDE.replace("\n2,", "\n2,0.5,", 1))  # row 2 one field wider than the header: refused
    assert_one_line_error(CliRunner(), app, p)


def test_a_wide_header_over_a_garbled_row_is_a_one_line_error(tmp_path):
    p = tmp_path / "train_losses.csv"
    p.write_text(",1,2,3,4\n0,0.9,0.8,oops,0.6\n")
    assert_one_line_error(CliRunner(), app, p)


# ----------------------------------------------------------------- 3. step, loss, perplexity: no val loss
# Rodrigo-NB/SNN-Manifesto loss.csv: headerless f"{step}, {loss:f}, {math.exp(loss):f}" every 10,000 steps.


def test_a_third_column_that_is_exp_of_the_loss_is_its_perplexity_not_a_val_loss(tmp_path):
    losses = [5.545775, 1.841227, 1.645171, 1.481002, 1.417310, 1.319447, 1.256071]
    text = "".join(f"{i * 10000}, {v:f}, {math.exp(v):f}\n" for i, v in enumerate(losses))
    run = read(tmp_path, text, "loss.csv")
    assert run.val_loss is None
    assert run.train_loss.name == "train_loss" and lst(run.train_loss.values) == losses
    ppl = run.series["perplexity"]
    assert ppl.role == "train_metric" and len(ppl) == 7 and round(ppl.values[0], 3) == 256.153
    assert lst(run.train_loss.epochs)[-1] == 60000


def test_a_third_column_not_exp_of_the_loss_is_still_the_val_loss(tmp_path):
    text = "".join(f"{i}, {2.0 - i / 10:f}, {2.2 - i / 12:f}\n" for i in range(7))
    run = read(tmp_path, text, "loss.csv")
    assert run.val_loss is not None and run.val_loss.name == "val_loss"
    assert "perplexity" not in run.series


# ---------------------------------------------------------------- 4. Epoch, then a quoted list of that epoch's losses
# DSjayjang/EGCN train_losses.csv: pd.DataFrame({"Epoch": epochs, "Train Loss": losses_per_epoch}).to_csv(index=False):
# header "Epoch,Train Loss", rows '1,"[4.25..., 4.00..., ...]"' (the list's repr, quoted by the csv module).


def _dsj(rows: list[list[str]]) -> str:
    return "Epoch,Train Loss\n" + "".join(f'{e},"[{", ".join(r)}]"\n' for e, r in enumerate(rows, start=1))


def test_an_epoch_column_beside_lists_of_per_step_losses(tmp_path):
    run = read(tmp_path, _dsj([["4.2506", "4.0050", "3.6365", "3.0610"], ["4.1404", "nan", "3.5977", "3.1316"],
                               ["4.1214", "3.9074", "3.5775", "2.8001"]]), "train_losses.csv")
    loss = run.train_loss
    assert run.format == "csv" and loss.name == "Train Loss" and len(loss) == 12 and loss.axis == "step"
    assert lst(loss.steps) == list(range(12)) and lst(loss.epochs) == [1] * 4 + [2] * 4 + [3] * 4
    assert loss.values[0] == 4.2506 and loss.values[-1] == 2.8001 and math.isnan(loss.values[5])
    assert run.val_loss is None


def test_an_epoch_column_beside_a_list_cell_that_is_not_a_list_is_a_one_line_error(tmp_path):
    p = tmp_path / "train_losses.csv"
    p.write_text(_dsj([["4.25", "4.00", "3.63"], ["4.14", "3.91", "3.59"]]) + '3,"[4.12, 3.90, oops]"\n')
    assert_one_line_error(CliRunner(), app, p)


# ---------------------------------------------------- 5. per-batch "epoch<TAB>loss" lines, runs appended to one file
# olepl/nanoGPT and edel-david/transformer_from_scratch train_losses.csv: f.write(f"{epoch}\t{loss}\n") at every batch,
# no header, the file opened in append mode: a second run's lines (its epoch back at 0) after the first's.


def _tab_runs(runs: list[list[list[float]]]) -> str:
    return "".join(f"{e}\t{v}\n" for run in runs for e, batch in enumerate(run) for v in batch)


def test_a_repeating_counter_that_starts_again_keeps_the_latest_run(tmp_path):
    first = [[1233.51560877, 1287.99767522, 1285.80307841], [1273.5, 1260.1, 1255.0], [905.2, 899.8]]
    second = [[1240.25, 1250.5], [1201.75, 1198.0, 1190.5], [890.5, float("nan"), 870.25]]
    run = read(tmp_path, _tab_runs([first, second]), "train_losses.csv")
    loss = run.train_loss
    assert loss.name == "train_losses" and len(loss) == 8 and loss.axis == "step"
    assert loss.values[0] == 1240.25 and loss.values[-1] == 870.25 and math.isnan(loss.values[6])  # NaN kept
    assert lst(loss.epochs) == [0, 0, 1, 1, 1, 2, 2, 2] and lst(loss.steps) == list(range(8))
    assert any("restarts 1 time(s)" in n and "8 lines" in n and "8 lines before" in n for n in run.notes), run.notes


def test_edel_david_layout_a_stopped_run_then_a_longer_one(tmp_path):
    # a run stopped in epoch 8 (9 epochs of 3 batches, the last of 1), then a run of epochs 0-10 appended
    first = [[0.30 - e / 1000 - b / 10000 for b in range(3 if e < 8 else 1)] for e in range(9)]
    second = [[0.29 - e / 500 - b / 10000 for b in range(3)] for e in range(11)]
    run = read(tmp_path, _tab_runs([first, second]), "train_losses.csv")
    loss = run.train_loss
    assert len(loss) == 33 and lst(loss.epochs)[0] == 0 and lst(loss.epochs)[-1] == 10
    assert loss.values[0] == 0.29 and math.isclose(loss.values[-1], 0.29 - 10 / 500 - 2 / 10000)


def test_a_repeating_counter_going_back_inside_its_range_is_a_one_line_error(tmp_path):
    p = tmp_path / "train_losses.csv"
    p.write_text("0\t0.9\n0\t0.8\n1\t0.7\n1\t0.6\n2\t0.5\n2\t0.4\n1\t0.45\n1\t0.44\n")  # back to 1, not to the start
    assert_one_line_error(CliRunner(), app, p)


# ---------------------------------------------------------- 6. a bare column with one-element lists after a resume
# Shengfeng233/PINN-for-NS-equation loss.csv: f.write(f"{loss}\n") of Python floats, then (after a resume) of NumPy
# arrays of one value, printed as "[7.918739e-05]"; CRLF line ends.


def test_a_bare_column_whose_later_values_are_one_element_lists(tmp_path):
    text = "9.1e-05\r\n8.251535473391414e-05\r\n8.822325617074966e-05\r\n[7.918739e-05]\r\n[nan]\r\n[8.80279e-05]\r\n"
    run = read(tmp_path, text, "loss.csv")
    loss = run.train_loss
    assert loss.name == "loss" and len(loss) == 6 and loss.axis == "epoch"
    assert loss.values[0] == 9.1e-05 and loss.values[3] == 7.918739e-05 and loss.values[-1] == 8.80279e-05
    assert math.isnan(loss.values[4])
    assert any("3 of them written as one-element lists" in n for n in run.notes)


def test_a_two_element_list_in_a_bare_column_is_a_one_line_error(tmp_path):
    p = tmp_path / "loss.csv"
    p.write_text("0.9\n0.8\n[0.7, 0.6]\n0.5\n")
    assert_one_line_error(CliRunner(), app, p)


# ------------------------------------------------------------------------------ 7. Serbian "Epoha" (epoch) blocks
# Pantelijaa/NNUE-Chess-Engine logs/train_log.txt (no copy; its layout as round 19 described it): every 1000 batches
# "[Batch N] -> train MSE: X MAE: Y | val MSE: X MAE: Y | Brzina: R batch/s | LR: L" (Brzina: speed), ">> Saved best
# model", and after each epoch "=> Epoha [k/10] ZAVRSENA!" ("finished") over "Prosecan train MSE (epoha): X" (mean
# train MSE of the epoch) and "Val MSE: X"; the file stops mid-epoch, without a final line end.


def _serbian(epochs: list[tuple[str, str]]) -> str:
    out = ["Koristi se uredjaj: cuda", "Pocinje trening..."]
    for k, (tr, va) in enumerate(epochs, start=1):
        for b in (1000, 2000):
            out.append(f"[Batch {b}] -> train MSE: 0.03{k}1{b // 1000} MAE: 0.1310 | val MSE: 0.0175 MAE: 0.0865 | "
                       "Brzina: 151.3 batch/s | LR: 0.001000")
        out.append(">> Saved best model")
        out.append(f"=> Epoha [{k}/10] ZAVRSENA!")
        out.append(f"   Prosecan train MSE (epoha): {tr}")
        out.append(f"   Val MSE: {va}")
    out.append("[Batch 1000] -> train MSE: 0.029012 MAE: 0.1200 | val MSE: 0.0171")  # cut mid-epoch
    return "\n".join(out)


def test_serbian_epoch_word_marks_the_epoch_summary_block(tmp_path):
    run = read(tmp_path, _serbian([("0.033010", "0.017210"), ("0.032020", "0.017100"), ("0.031030", "0.016990")]),
               "train_log.txt")
    tr, va = run.train_loss, run.val_loss
    assert tr.name == "Prosecan_train_MSE_(epoha)" and va.name == "Val_MSE"
    assert lst(tr.values) == [0.03301, 0.03202, 0.03103] and tr.axis == "epoch" and lst(tr.epochs) == [1, 2, 3]
    assert lst(va.values) == [0.01721, 0.0171, 0.01699] and va.role == "val_loss"
    assert "Batch" not in " ".join(run.series)  # the batch lines (before their epoch's marker) are not read


def test_the_serbian_word_is_a_whole_word_only(tmp_path):
    # "Epohalni 3" is no marker: nothing marks an epoch, and the lines are read (if at all) without one
    text = "".join(f"Epohalni {e} loss={0.9 - e / 10:.2f}\n" for e in range(3))
    run = read(tmp_path, text, "run.log")
    assert "Epohalni" in run.series and lst(run.train_loss.epochs) == [0, 1, 2]


def test_a_repeating_counter_whose_latest_run_does_not_repeat_is_refused(tmp_path):
    # per-batch lines, then a run of one line per epoch: neither layout throughout
    p = tmp_path / "train_losses.csv"
    p.write_text("0\t0.9\n0\t0.8\n1\t0.7\n1\t0.6\n2\t0.5\n2\t0.4\n0\t0.85\n1\t0.65\n2\t0.45\n")
    assert_one_line_error(CliRunner(), app, p)


# ------------------------------------------------------------------- 8a. pretty-printed JSON objects back to back
# Orolol/sat2plan loss.json: at every batch json.dump({"Epoch": e, "Batch": b, "Loss_L1": ..., "Loss_G": ...,
# "Loss_D": ..., <config keys>}, f, indent=4) into a file opened for appending: "}{" between objects, no separator.

_OBJ = '{{\n    "Epoch": 1,\n    "Batch": {b},\n    "Loss_L1": {l1},\n    "Loss_G": {g},\n    "Loss_D": {d},\n' \
       '    "Device": "cuda",\n    "Learning_rate": 0.0002,\n    "Load_model": false\n}}'


def test_pretty_printed_objects_written_back_to_back_are_a_json_stream(tmp_path):
    text = "".join(_OBJ.format(b=b, l1=80.5 - b, g=86.25 - 2 * b, d=d)
                   for b, d in ((1, 0.7070178389549255), (2, "NaN"), (3, 0.8125)))
    run = read(tmp_path, text, "loss.json")
    assert run.format == "jsonl" and run.train_loss.name == "Loss_G"
    assert lst(run.train_loss.values) == [84.25, 82.25, 80.25]
    d = lst(run.series["Loss_D"].values)
    assert d[0] == 0.7070178389549255 and math.isnan(d[1]) and d[2] == 0.8125  # Python's NaN token kept as data
    assert run.series["Loss_L1"].role == "train_loss" and len(run.series["Loss_L1"]) == 3
    assert any("JSON stream" in n for n in run.notes)


def test_a_json_stream_cut_mid_object_keeps_the_complete_ones(tmp_path):
    text = "".join(_OBJ.format(b=b, l1=80.5, g=86.25 - b, d=0.7) for b in (1, 2, 3))
    run = read(tmp_path, text + '{\n    "Epoch": 1,\n    "Batch": 4,\n    "Loss_L1": 7', "loss.json")
    assert len(run.train_loss) == 3 and any("cut short" in n for n in run.notes)


def test_a_json_stream_with_text_between_objects_is_a_one_line_error(tmp_path):
    p = tmp_path / "loss.json"
    p.write_text(_OBJ.format(b=1, l1=80.5, g=86.25, d=0.7) + "\nepoch done\n" + _OBJ.format(b=2, l1=80, g=85, d=0.7))
    assert_one_line_error(CliRunner(), app, p)


# ------------------------------------------------------------------------ 8b. pandas Series.to_dict(), train then val
# shambelFente/Depth-Completion loss.json: json.dump([train_loss.to_dict(), val_loss.to_dict()], f) of two pandas
# Series over epochs 0..n-1: one line, '[{"0": 0.0814..., "1": ...}, {"0": 0.0475..., ...}]'.


def test_an_array_of_two_series_dicts_keyed_by_epoch_is_train_then_val(tmp_path):
    train = {str(i): v for i, v in enumerate([0.08141876542647128, 0.0469, 0.0411, 0.0373])}
    val = {str(i): v for i, v in enumerate([0.04758792273976185, 0.0486, float("nan"), 0.0361])}
    run = read(tmp_path, json.dumps([train, val]), "loss.json")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert lst(run.train_loss.values) == list(train.values()) and lst(run.train_loss.epochs) == [0, 1, 2, 3]
    v = lst(run.val_loss.values)
    assert v[0] == 0.04758792273976185 and math.isnan(v[2]) and v[3] == 0.0361


def test_an_array_of_series_dicts_whose_keys_skip_is_not_read_as_one(tmp_path):
    p = tmp_path / "loss.json"
    p.write_text('[{"0": 0.5, "2": 0.4, "3": 0.3}, {"0": 0.6, "1": 0.5, "2": 0.45}]')
    assert_one_line_error(CliRunner(), app, p)
