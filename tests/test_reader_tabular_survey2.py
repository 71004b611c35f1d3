"""Tabular layouts from the second reading-coverage survey: CatBoost's ``catboost_info/`` error logs
(``learn_error.tsv``, ``test_error.tsv``, and the folder as one run), and a headerless numeric table that no layout
reads, refused with a message saying what it is. Every sample is written here in the layout the real tool or loop
writes (no real file is copied)."""

from __future__ import annotations

import math

import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError, NotALog
from lossdoc.readers import registry
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401

# ----------------------------------------------------------------------- 1. CatBoost catboost_info/*_error.tsv

# catboost/libs/loggers/logger.h, TErrorFileLoggingBackend: on the first iteration it writes "iter" then
# "\t" << evalResult.GetMetricName() for every metric of the set, then at each written iteration
# currentIteration << "\t" << value ... << Endl. The file names are output_file_options' defaults
# (LearnErrorLogPath "learn_error.tsv", TestErrorLogPath "test_error.tsv"). A binary classifier with
# loss_function Logloss, eval_metric Accuracy: the eval metric first, then the loss.
LEARN = "iter\tAccuracy\tLogloss\n0\t0.61\t0.6803\n1\t0.68\t0.6672\n2\t0.71\t0.6551\n3\t0.74\t0.6433\n"
TEST = "iter\tAccuracy\tLogloss\n0\t0.6\t0.6831\n1\t0.66\t0.6724\n2\t0.69\t0.6650\n3\t0.7\t0.6612\n"
# A multiclass model (loss_function MultiClass, eval_metric Accuracy), the eval set only.
MULTI = "iter\tAccuracy\tMultiClass\n0\t0.2973523422\t2.060637395\n1\t0.3462321792\t2.036382722\n" \
        "2\t0.3767820774\t2.012587924\n"
# A regressor with metric_period 5: iterations 0, 5, ... and the last one (logger.h DoOutputIteration), a
# parametrised loss (its description "Quantile:alpha=0.3") and a value CatBoost prints as "nan" / "inf".
QUANTILE = "iter\tQuantile:alpha=0.3\tRMSE\n0\t1.52\t2.11\n5\t1.31\tnan\n10\tinf\t1.70\n14\t1.08\t1.55\n"


def test_learn_error_is_the_train_loss(tmp_path):
    run = read(tmp_path, LEARN, "learn_error.tsv")
    assert run.format == "catboost-tsv"
    loss = run.series["learn/Logloss"]
    assert run.train_loss is loss and run.val_loss is None
    assert loss.role == "train_loss" and loss.axis == "step" and lst(loss.steps) == [0, 1, 2, 3]
    assert loss.values[0] == pytest.approx(0.6803) and loss.values[-1] == pytest.approx(0.6433)
    acc = run.series["learn/Accuracy"]
    assert acc.role == "train_metric" and acc.higher_is_better is True and len(acc) == 4


def test_test_error_is_the_val_loss(tmp_path):
    """The survey's file: MultiClass was role other and Accuracy a train metric, read as a plain csv."""
    run = read(tmp_path, MULTI, "test_error.tsv")
    assert run.format == "catboost-tsv"
    loss = run.series["test/MultiClass"]
    assert run.val_loss is loss and run.train_loss is None and loss.role == "val_loss"
    assert len(loss) == 3 and loss.values[0] == pytest.approx(2.060637395)
    assert loss.values[-1] == pytest.approx(2.012587924) and lst(loss.steps) == [0, 1, 2]
    assert run.series["test/Accuracy"].role == "val_metric"


def test_copied_out_of_its_folder_keeps_its_split(tmp_path):
    run = read(tmp_path, MULTI, "catboost_info-test_error.tsv")
    assert run.format == "catboost-tsv" and run.val_loss.name == "test/MultiClass"


def test_parametrised_loss_period_and_nonfinite_kept(tmp_path):
    run = read(tmp_path, QUANTILE, "learn_error.tsv")
    loss = run.series["learn/Quantile:alpha=0.3"]
    assert run.train_loss is loss and lst(loss.steps) == [0, 5, 10, 14]
    assert math.isinf(loss.values[2]) and loss.values[-1] == pytest.approx(1.08)
    rmse = run.series["learn/RMSE"]
    assert rmse.role == "train_metric" and len(rmse) == 4 and math.isnan(rmse.values[1])


def test_catboost_info_folder_is_one_run(tmp_path):
    info = tmp_path / "catboost_info"
    (info / "learn").mkdir(parents=True)
    (info / "test").mkdir()
    (info / "learn_error.tsv").write_text(LEARN)
    (info / "test_error.tsv").write_text(TEST)
    # TTimeFileLoggingBackend: "iter\tPassed\tRemaining"; the TensorBoard backend's event files: not read.
    (info / "time_left.tsv").write_text("iter\tPassed\tRemaining\n0\t12\t36\n1\t20\t20\n")
    (info / "learn" / "events.out.tfevents.1700000000.host").write_bytes(b"\x00" * 16)
    runs = registry.read_path(info)
    assert len(runs) == 1, [r.source for r in runs]
    _both_files(runs[0])


def test_catboost_info_folder_below_the_folder_given(tmp_path):
    """A folder above catboost_info (without its event files: a folder above TensorBoard event files is the
    tensorboard reader's, a logdir of runs) reads the catboost_info folder as one run."""
    info = tmp_path / "catboost_info"
    info.mkdir()
    (info / "learn_error.tsv").write_text(LEARN)
    (info / "test_error.tsv").write_text(TEST)
    runs = registry.read_path(tmp_path)
    assert len(runs) == 1, [r.source for r in runs]
    _both_files(runs[0])


def _both_files(run):
    assert run.format == "catboost-tsv"
    assert run.train_loss.name == "learn/Logloss" and run.val_loss.name == "test/Logloss"
    assert len(run.train_loss) == 4 and len(run.val_loss) == 4
    assert run.val_loss.values[-1] == pytest.approx(0.6612)
    assert sorted(run.series) == ["learn/Accuracy", "learn/Logloss", "test/Accuracy", "test/Logloss"]
    assert run.series["test/Accuracy"].role == "val_metric"


def test_folder_with_only_learn_error(tmp_path):
    (tmp_path / "learn_error.tsv").write_text(LEARN)
    run = registry.read_path(tmp_path)[0]
    assert run.format == "catboost-tsv" and run.train_loss is not None and run.val_loss is None
    assert any("only learn_error.tsv" in n for n in run.notes)


def test_same_header_under_another_name_is_not_taken(tmp_path):
    """The name says the split; without it the file stays the csv reader's, as before."""
    run = read(tmp_path, LEARN, "metrics.tsv")
    assert run.format == "csv"


def test_tsv_without_a_catboost_loss_is_not_taken(tmp_path):
    run = read(tmp_path, "iter\ttrain_loss\n0\t0.9\n1\t0.8\n2\t0.7\n", "learn_error.tsv")
    assert run.format == "csv"


@pytest.mark.parametrize("body", [
    "iter\tLogloss\n0\t0.68\nabc\t0.66\nxyz\t0.65\n",  # the iteration column garbled
    "iter\tLogloss\n0\tfoo\n1\tbar\n2\tbaz\n",  # the loss column text
])
def test_malformed_is_one_line_exit_2(runner, tmp_path, body):
    path = tmp_path / "learn_error.tsv"
    path.write_text(body)
    with pytest.raises(InputError):
        registry.read_path(path)
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0] and "Traceback" not in r.output


def test_forced_on_a_file_not_named_for_its_split(tmp_path):
    p = tmp_path / "errors.tsv"
    p.write_text(LEARN)
    with pytest.raises(InputError, match="learn_error.tsv"):
        registry.read_path(p, "catboost-tsv")


# -------------------------------------------------------------- 2. a headerless numeric table: refused, saying so

# lorenzobore/DCGAN's loop writes one line per logged batch with a trailing comma: epoch, batch, the
# discriminator's losses on real and fake images and their mean, the generator's adversarial, L1 and total loss
# (str(value) + "," for each value). Eight unnamed columns: which is "the" loss cannot be told.
DCGAN = (
    "0,80,0.48164524929597974,0.5600108458194881,0.5208280485123395,1.4511240035295487,11.233320260047913,"
    "12.684444272518158,\n"
    "0,160,0.49059577405224986,0.5591924405301179,0.5248941064838613,1.4402648505774933,11.268712914934866,"
    "12.70897776253417,\n"
    "1,80,0.49906318429857494,0.5552102696616202,0.5271367274224759,1.467979148775339,11.109309458732605,"
    "12.577288663387298,\n"
    "1,160,0.5012,0.5511,0.5262,1.4701,11.0533,12.5234,\n"
)


def test_headerless_table_refused_saying_what_it_is(runner, tmp_path):
    path = tmp_path / "losses.txt"
    path.write_text(DCGAN)
    with pytest.raises(NotALog, match=r"a headerless table of 8 numeric columns: lossdoc cannot tell which is the "
                                      r"loss; add a header row \(e\.g\. `epoch,batch,\.\.\.`\)"):
        registry.read_path(path)
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0] and "headerless table of 8" in lines[0], r.stderr


def test_headerless_float_table_example_header(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("0.91 0.85 0.51\n0.72 0.70 0.60\n0.65 0.66 0.64\n0.60 0.65 0.66\n")
    with pytest.raises(NotALog, match=r"headerless table of 3 numeric columns.*`epoch,train_loss,val_loss,\.\.\.`"):
        registry.read_path(path)


def test_headerless_table_in_a_folder_is_skipped_not_an_error(tmp_path):
    (tmp_path / "losses.txt").write_text(DCGAN)
    (tmp_path / "log.csv").write_text("epoch,loss\n0,0.9\n1,0.8\n2,0.7\n")
    runs = registry.read_path(tmp_path)
    assert [r.format for r in runs] == ["keras-csvlogger"]


def test_headerless_counter_train_val_still_read(tmp_path):
    """Three columns that are a counter, the train and the val loss stay the numbers reader's layout."""
    run = read(tmp_path, "0, 9.29, 3.06\n1, 8.11, 2.95\n2, 7.40, 2.90\n", "log.txt")
    assert run.format == "numbers" and run.train_loss.name == "train_loss" and len(run.val_loss) == 3
