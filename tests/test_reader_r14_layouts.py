"""Four layouts from public round 14 that lossdoc could not read (readers/tabular.py, readers/jsonlogs.py).

Items 1 and 2 are written by plain training loops (an f-string per line), not by a tool with a format of its own:
there is no upstream format string to cite; each sample is written in the exact byte layout of the public file it
stands for, and the loop that writes it is quoted beside it. Item 3 is ``pandas.DataFrame.to_csv(index=False)``
under a ``.txt`` name; item 4 is ``json.dump`` of a list of Keras ``History.history`` dicts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError
from tests.reading import fresh_registry, lst, read  # noqa: F401  (fresh_registry: autouse fixture)


def _cli_refuses(tmp_path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    r = CliRunner().invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and name in err and "Traceback" not in err
    return err


# ------------------------------------------------------------- 1: 'N, value' lines whose counter restarts
# A loop run twice, appending to the same file: with open("loss_log.txt", "a") as f: f.write(f"{epoch}, {loss}\n")
# (Shravya29M/MeshGPT loss_log.txt: epochs 1..19, then 1..100 of a second training.)

def _restarted(first: int = 4, second: int = 6) -> bytes:
    one = [f"{e}, {0.004 - e * 1e-5!r}\n" for e in range(1, first + 1)]
    two = [f"{e}, {0.0035 - e * 1e-5!r}\n" for e in range(1, second + 1)]
    two[2] = "3, nan\n"
    return "".join(one + two).encode()


def test_a_counter_value_file_whose_counter_restarts_keeps_the_latest_training(tmp_path):
    run = read(tmp_path, _restarted(), "loss_log.txt")
    assert run.format == "numbers" and list(run.series) == ["loss_log"]
    s = run.series["loss_log"]
    assert s.kind == "loss" and s.split == "train" and run.train_loss is s
    # the policy of every counter that goes back (base.cut_restarts): the latest training kept, with its note
    assert len(s) == 6 and lst(s.epochs) == [1, 2, 3, 4, 5, 6] and s.steps is None and s.axis == "epoch"
    assert s.values[0] == 0.0035 - 1e-5 and s.values[-1] == 0.0035 - 6e-5
    assert math.isnan(s.values[2])  # a logged NaN is data
    assert run.meta["restarted"] == ["loss_log"]
    assert any("restarts 1 time(s)" in n and "19" not in n and "kept the latest segment" in n for n in run.notes)
    assert any("a counter and a number" in n for n in run.notes)


def test_a_counter_value_file_that_restarts_at_zero_and_a_long_one(tmp_path):
    data = "".join(f"{e}, {1 / (e + 2):.5f}\n" for e in list(range(19)) + list(range(100))).encode()
    run = read(tmp_path, data, "log.txt")
    s = run.train_loss
    assert s.name == "loss" and len(s) == 100 and s.epochs[0] == 0 and s.epochs[-1] == 99
    assert s.values[-1] == round(1 / 101, 5)


@pytest.mark.parametrize("data", [
    b"1, 0.5\n2, 0.4\n3, 0.3\n4, 0.2\n5, 0.1\n3, 0.15\n6, 0.05\n",   # back into the middle: not a restart
    b"1, 0.5\n1, 0.4\n2, 0.3\n3, 0.2\n1, 0.45\n2, 0.35\n3, 0.3\n",    # repeats and goes back
    b"1, 0.5\n2, 0.4\n1, 0.45\n2, 0.35\n1, 0.3\n2, 0.2\n",            # goes back at every other line
    b"1, 5\n2, 4\n3, 3\n1, 6\n2, 5\n3, 4\n4, 3\n",                    # whole numbers: ids or counts, not losses
])
def test_counter_value_lines_that_go_back_otherwise_are_refused(tmp_path, data):
    with pytest.raises(InputError, match="loss_log.txt"):
        read(tmp_path, data, "loss_log.txt")
    _cli_refuses(tmp_path, data, "loss_log.txt")


# ------------------------------------------------------------- 2: 'train<TAB>val<TAB>epoch' lines
# for epoch in range(n): f.write(f"{train_loss}\t{val_loss}\t{epoch}\n")
# (JulesBelveze/text-summarizer losses.txt: 91 lines, epochs 0..90 in the last column.)
COUNTER_LAST = (b"706.3421666547796\t50.125271403712446\t0\n47.82847529629575\t46.313625228816065\t1\n"
                b"44.78070843842459\t44.989717330077085\t2\n43.19153080108425\tnan\t3\n"
                b"42.169104565000765\t44.19272202118461\t4\n")


def test_a_counter_in_the_last_column_is_the_epoch_and_the_others_train_then_val(tmp_path):
    run = read(tmp_path, COUNTER_LAST, "losses.txt")
    assert run.format == "numbers" and sorted(run.series) == ["train_loss", "val_loss"]
    t, v = run.train_loss, run.val_loss
    assert t is run.series["train_loss"] and v is run.series["val_loss"]
    assert len(t) == len(v) == 5 and lst(t.epochs) == [0, 1, 2, 3, 4] and t.steps is None and t.axis == "epoch"
    assert t.values[0] == 706.3421666547796 and t.values[-1] == 42.169104565000765
    assert v.values[0] == 50.125271403712446 and v.values[-1] == 44.19272202118461 and math.isnan(v.values[3])
    # the note says which guess lossdoc made: where the counter is, and which column is train and which val
    assert any("third column, counting by one" in n and "train_loss then val_loss" in n and "--train / --val" in n
               for n in run.notes)


def test_a_counter_in_the_middle_column_and_the_first_column_counter_unchanged(tmp_path):
    run = read(tmp_path, b"0.90,1,0.95\n0.70,2,0.80\n0.60,3,0.75\n", "history.txt")
    assert run.train_loss.values.tolist() == [0.90, 0.70, 0.60] and lst(run.val_loss.epochs) == [1, 2, 3]
    assert any("second column" in n for n in run.notes)
    # the counter first, as before: no column named in the note
    run = read(tmp_path, b"1,0.90,0.95\n2,0.70,0.80\n3,0.60,0.75\n", "history.txt")
    assert run.val_loss.values.tolist() == [0.95, 0.80, 0.75]
    assert not any("column, counting" in n for n in run.notes)


@pytest.mark.parametrize("data", [
    b"0.9\t0.95\t0\n0.7\t0.80\t2\n0.6\t0.75\t4\n0.5\t0.7\t6\n",     # a last column that does not count by one
    b"0.9\t0.95\t0\n0.7\t0.80\t1\n0.6\t0.75\n0.5\t0.7\t3\n",        # a line of two numbers
    b"0.9\t1\t0\n0.7\t2\t1\n0.6\t3\t2\n",                            # two counters: which is the epoch?
    b"0.9\t5\t0\n0.7\t3\t1\n0.6\t4\t2\n",                            # a column of whole numbers: not a loss
])
def test_a_last_column_counter_that_is_not_the_layout_is_refused(tmp_path, data):
    with pytest.raises(InputError, match="losses.txt"):
        read(tmp_path, data, "losses.txt")
    _cli_refuses(tmp_path, data, "losses.txt")


def test_a_long_counter_last_file_broken_after_its_head_names_the_line(tmp_path):
    body = "".join(f"{1 / (e + 1):.6f}\t{1.1 / (e + 1):.6f}\t{e}\n" for e in range(6000)) + "0.1\t6000\n"
    err = _cli_refuses(tmp_path, body.encode(), "losses.txt")
    assert "'counter, train, val'" in err and "line 6001" in err and "0.1\\t6000" in err


# ------------------------------------------------------------- 3: a GAN's 'discriminator,generator' CSV named .txt
# pd.DataFrame({"discriminator": d_losses, "generator": g_losses}).round(2).to_csv("losses.txt", index=False)
# (borszumirko/deep_learning_final_project losses.txt: 60 rows; pandas' to_csv writes the header, then one row per
# index, comma-separated, "\n" line ends, NaN as an empty cell unless na_rep.)
GAN = b"discriminator,generator\n1.04,3.65\n0.91,3.03\n0.83,3.10\n0.74,inf\n0.65,3.48\n"


@pytest.mark.parametrize("name", ["losses.txt", "losses.csv", "gan_log"])
def test_a_gan_sides_table_is_read_as_csv_whatever_the_extension_and_never_summed(tmp_path, name):
    run = read(tmp_path, GAN, name)
    assert run.format == "csv" and list(run.series) == ["discriminator", "generator"]
    d, g = run.series["discriminator"], run.series["generator"]
    assert d.kind == g.kind == "loss" and d.split == g.split == "train"
    assert run.train_loss is g and run.val_loss is None  # the generator's is the train loss
    assert not any(s.derived for s in run.series.values())  # a GAN's sides are never summed
    assert run.meta["gan_losses"]["train"] == {"gen": ["generator"], "dis": ["discriminator"]}
    assert len(d) == len(g) == 5 and d.values[0] == 1.04 and d.values[-1] == 0.65 and g.values[-1] == 3.48
    assert np.isposinf(g.values[3])  # a logged inf is data
    assert lst(g.x) == [0, 1, 2, 3, 4]
    assert any("named only after a GAN's generator or discriminator" in n for n in run.notes)
    assert any("GAN losses" in n and "not summed" in n for n in run.notes)


def test_a_gan_sides_table_with_an_epoch_column(tmp_path):
    run = read(tmp_path, b"epoch,discriminator,generator\n1,1.04,3.65\n2,0.91,3.03\n3,0.83,3.10\n", "log.txt")
    assert run.train_loss.name == "generator" and lst(run.train_loss.epochs) == [1, 2, 3]
    assert run.series["discriminator"].kind == "loss" and run.train_loss.axis == "epoch"


@pytest.mark.parametrize("data,name", [
    (b"generator,quality\n1.04,3.65\n0.91,3.03\n0.83,3.10\n", "losses.txt"),        # one side only
    (b"discriminator,generator\n1.04,3.65\n0.91,3.03\n0.83,3.10\n", "accuracy.txt"),  # the file names a metric
])
def test_tables_that_are_not_a_gans_two_sides_are_not_read_as_its_losses(tmp_path, data, name):
    with pytest.raises(InputError, match=name):
        read(tmp_path, data, name)
    _cli_refuses(tmp_path, data, name)
    # with an epoch column the CSV reader reads them, as before: curves, never a GAN's losses
    header = data.split(b"\n")[0]
    run = read(tmp_path, b"epoch," + header + b"\n1,1.0,3.6\n2,0.9,3.0\n3,0.8,3.1\n", name)
    assert run.format == "csv" and run.train_loss is None and "gan_losses" not in run.meta


def test_a_gan_sides_column_of_text_is_one_line_naming_the_file(tmp_path):
    data = b"discriminator,generator\n1.04,3.65\n0.91,oops\n" + b"".join(b"0.5,3.%d\n" % i for i in range(4))
    with pytest.raises(InputError, match="loss column 'generator' holds text"):
        read(tmp_path, data, "losses.txt")
    err = _cli_refuses(tmp_path, data, "losses.txt")
    assert "generator" in err and "oops" in err


# ------------------------------------------------------------- 4: a JSON list of one-epoch Keras histories
# histories = []
# for epoch in range(n): histories.append(model.fit(x, y, epochs=1, validation_data=...).history)
# json.dump(histories, f)   -- History.history is {metric: [one value per epoch of this call]}; json.dump writes
# ", " and ": " separators and NaN as the bare token NaN. (AliBavarchee/LOCP_i_project training_history.json: 50.)
PER_CALL = ('[{"loss": [0.3411054015159607], "val_loss": [0.22260184586048126]}, '
            '{"loss": [0.1787136346101761], "val_loss": [0.14603836834430695]}, '
            '{"loss": [0.13605961203575134], "val_loss": [NaN]}, '
            '{"loss": [0.09661225974559784], "val_loss": [0.09497805684804916]}]')


def test_a_list_of_one_epoch_keras_histories_is_one_history(tmp_path):
    run = read(tmp_path, PER_CALL, "training_history.json")
    assert run.format == "keras-history" and list(run.series) == ["loss", "val_loss"]
    t, v = run.series["loss"], run.series["val_loss"]
    assert run.train_loss is t and run.val_loss is v and t.kind == v.kind == "loss"
    assert len(t) == len(v) == 4 and lst(t.epochs) == [0, 1, 2, 3] and t.steps is None and t.axis == "epoch"
    assert t.values[0] == 0.3411054015159607 and t.values[-1] == 0.09661225974559784
    assert v.values[0] == 0.22260184586048126 and v.values[-1] == 0.09497805684804916 and math.isnan(v.values[2])
    assert any("list of 4 History.history dicts" in n and "concatenated in order" in n for n in run.notes)


def test_a_list_of_several_epoch_histories_concatenates_in_order(tmp_path):
    # fit(epochs=2) called three times: each call's two epochs, in order
    data = ('[{"loss": [0.9, 0.8], "accuracy": [0.5, 0.6]}, {"loss": [0.7, 0.6], "accuracy": [0.65, 0.7]}, '
            '{"loss": [0.5, 0.45], "accuracy": [0.72, 0.74]}]')
    run = read(tmp_path, data, "hist.json")
    assert run.train_loss.values.tolist() == [0.9, 0.8, 0.7, 0.6, 0.5, 0.45]
    assert run.series["accuracy"].kind == "metric" and len(run.series["accuracy"]) == 6
    assert any("one history of 6 epochs" in n for n in run.notes)


@pytest.mark.parametrize("data", [
    '[{"loss": [0.34], "val_loss": [0.22]}, {"loss": [0.17]}, {"loss": [0.13], "val_loss": [0.12]}]',  # keys differ
    '[{"loss": [0.34], "val_loss": [0.22]}, {"loss": [0.17, 0.16], "val_loss": [0.14]}]',  # lists of a call differ
    '[{"loss": [0.34], "val_loss": [0.22]}, {"loss": ["x"], "val_loss": [0.14]}]',         # text, not a number
    '[{"loss": [0.34], "val_loss": [0.22]}, {"loss": [0.17], "val_loss": [0.1',            # cut short
])
def test_lists_that_are_not_per_call_histories_are_refused(tmp_path, data):
    with pytest.raises(InputError, match="training_history.json"):
        read(tmp_path, data, "training_history.json")
    _cli_refuses(tmp_path, data.encode(), "training_history.json")


def test_a_list_of_one_history_is_that_history(tmp_path):
    run = read(tmp_path, '[{"loss": [0.9, 0.8, 0.7], "val_loss": [1.0, 0.9, 0.95]}]', "history.json")
    assert run.format == "keras-history" and len(run.val_loss) == 3 and run.val_loss.values[-1] == 0.95
