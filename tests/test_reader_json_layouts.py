"""JSON / Python-repr / CSV layouts that training scripts write by hand (tests/data/json_layouts/):

- ``str(history.history)`` written to a file: a Python dict repr, read by the keras-history reader with
  ``ast.literal_eval`` (numpy 2 scalar reprs ``np.float64(0.69)`` per NEP 51 "Changing the representation of NumPy
  scalars"; ``nan``/``inf`` as Python's float repr writes them; ``pprint.pprint`` breaks it over lines with sorted
  keys; ``json.dump(str(h.history), f)`` wraps it in one JSON string);
- a JSON array of floats (``json.dump(losses, f)``, with or without ``indent=4``; Python's json writes NaN and
  Infinity tokens): one loss, as the numbers reader reads a bare list;
- ``str(loss)`` of a torch tensor in CSV cells: torch/_tensor_str.py ``_str_intern`` writes ``tensor(`` + the value
  and ``_add_suffixes`` joins ``device='cuda:0'`` and ``grad_fn=<AddBackward0>`` with ", " before the ``)``;
- columns / keys named only after a split (pandas' ``pd.DataFrame({"train": ..., "valid": ...}).to_csv()`` writes
  the unnamed index column first: ``,train,valid``): that split's loss, unless the file's name names a metric.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from lossdoc.errors import InputError
from lossdoc.readers import registry
from lossdoc.readers.jsonlogs import MAX_REPR_VALUES, KerasHistoryReader
from lossdoc.readers.numbers import NumberListReader
from lossdoc.readers.tabular import READERS as TABULAR_READERS
from lossdoc.readers.tabular import unwrap_tensors
from tests.conftest import ROOT

DATA = ROOT / "tests/data/json_layouts"


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read(path: Path, fmt: str | None = None):
    runs = registry.read_path(path, fmt)
    assert len(runs) == 1
    return runs[0]


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def roles(run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items()}


def one_line_error(runner, path: Path) -> str:
    """The CLI's answer to an unreadable file: exit 2 and one line naming the file, no traceback."""
    from lossdoc.cli import app

    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0] and "Traceback" not in r.stderr, r.stderr
    return lines[0]


# --------------------------------------------------------------------------------------- str(history.history)


def test_history_repr_in_a_txt_file():
    run = read(DATA / "keras_history_repr.txt")
    assert run.format == "keras-history"
    assert roles(run) == {"loss": "train_loss", "accuracy": "train_metric", "val_loss": "val_loss",
                          "val_accuracy": "val_metric"}
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    loss, val = run.series["loss"], run.series["val_loss"]
    assert len(loss) == 5 and loss.axis == "epoch" and list(loss.epochs) == [0, 1, 2, 3, 4]
    assert loss.values[0] == 0.6931 and math.isnan(loss.values[-1])  # nan kept as data
    assert val.values[0] == 0.7012 and val.values[-1] == math.inf
    assert any("Python dict repr" in n for n in run.notes)


def test_history_repr_with_numpy2_scalars_in_a_log_file():
    run = read(DATA / "history_np2.log")
    assert run.format == "keras-history"
    assert roles(run) == {"loss": "train_loss", "val_loss": "val_loss", "lr": "lr"}
    loss, val = run.series["loss"], run.series["val_loss"]
    assert len(loss) == 4 and loss.values[0] == 0.6931471805599453 and loss.values[2] == 0.4402
    assert math.isnan(loss.values[-1]) and val.values[-1] == -math.inf  # np.float64(nan), np.float64(-inf)
    assert run.series["lr"].values[-1] == 0.0005


def test_history_repr_pretty_printed_without_extension():
    run = read(DATA / "history_pprint")
    assert run.format == "keras-history"
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert len(run.val_loss) == 3 and run.val_loss.values[-1] == 0.5871
    assert run.series["val_accuracy"].role == "val_metric"


def test_history_repr_dumped_as_a_json_string():
    run = read(DATA / "history_str.json")
    assert run.format == "keras-history"
    assert set(roles(run).items()) == {("loss", "train_loss"), ("val_loss", "val_loss"), ("accuracy", "train_metric")}
    assert len(run.train_loss) == 3 and run.train_loss.values[-1] == 0.4402
    assert math.isnan(run.val_loss.values[-1])


def test_history_repr_keys_are_not_rewritten(tmp_path):
    """nan/inf inside a key (a string literal) stay as written: only the tokens between strings are rewritten."""
    p = write(tmp_path, "h.txt", "{'loss': [0.5, nan], 'val_loss': [0.6, 0.55], 'nan inf count': [1.0, 2.0]}")
    run = read(p)
    assert "nan inf count" in run.series and list(run.series["nan inf count"].values) == [1.0, 2.0]


@pytest.mark.parametrize(
    "text, said",
    [
        # a Keras object in the dict: not a literal
        ("{'loss': [0.5, 0.4], 'optimizer': <keras.src.optimizers.adam.Adam object at 0x7f0c>}", "invalid syntax"),
        # a call: never evaluated
        ("{'loss': [0.5, __import__('os').system('echo pwned')]}", "something other than literals"),
        ("{'loss': [0.5, 0.4], 'val_loss': [0.6", "never closed"),  # cut short
        ("{'loss': [0.5, 0.4]}\n{'loss': [0.3, 0.2]}\n", ""),  # two dicts appended: left to the text readers
        ("{'loss': [np.float64(np.float64(0.5))]}", "something other than literals"),
        ("\"{'loss': [0.5, 0.4]", "JSON string"),  # a JSON string without its closing quote
    ],
)
def test_what_only_looks_like_a_history_repr_is_an_error(runner, tmp_path, text, said):
    p = write(tmp_path, "history.txt", text)
    with pytest.raises(InputError) as exc:
        read(p)
    assert said in str(exc.value)
    one_line_error(runner, p)


def test_history_repr_nested_too_deep_is_an_error(runner, tmp_path):
    p = write(tmp_path, "history.txt", "{'loss': [0.5, " + "[" * 5000 + "]" * 5000 + "]}")
    assert "not a readable Python dict repr" in one_line_error(runner, p)


def test_history_repr_too_many_values_is_refused(tmp_path):
    p = write(tmp_path, "history.txt", "{'loss': [" + ", ".join(["0.5"] * (MAX_REPR_VALUES + 1)) + "]}")
    with pytest.raises(InputError, match="at most"):
        read(p)


def test_a_dict_repr_without_lists_stays_with_the_text_readers(tmp_path):
    """Hugging Face's printed {'loss': 0.41, ...} lines hold no list: the history sniffer leaves them alone, and a
    text log whose first line prints a config dict is not a repr either."""
    reader = KerasHistoryReader()
    assert not reader.sniff(b"{'loss': 0.41, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.5}\n", None)
    assert not reader.sniff(b"{'layers': [64, 128], 'lr': 0.001}\nEpoch 1/10\nloss: 0.5\n", None)
    assert reader.sniff(b"{'loss': [0.5, 0.4]}\n", None)


def test_trainer_dict_lines_holding_a_list_stay_hf_stdout(tmp_path):
    """One dict per line is the Trainer's printed log even when a dict holds a list (a per-class metric)."""
    lines = ["{'eval_loss': 0.5, 'eval_per_class': [0.1, 0.2], 'epoch': 1.0}",
             "{'loss': 0.4, 'learning_rate': 5e-05, 'epoch': 1.0}",
             "{'loss': 0.3, 'learning_rate': 4e-05, 'epoch': 2.0}",
             "{'eval_loss': 0.45, 'eval_per_class': [0.1, 0.2], 'epoch': 2.0}"]
    run = read(write(tmp_path, "train.log", "\n".join(lines) + "\n"))
    assert run.format == "hf-stdout" and run.train_loss.name == "loss" and list(run.val_loss.values) == [0.5, 0.45]


# --------------------------------------------------------------------------------------- a JSON array of floats


def test_json_array_one_line_is_one_loss():
    run = read(DATA / "losses.json")
    assert run.format == "numbers" and list(run.series) == ["losses"]
    s = run.series["losses"]
    assert s.role == "train_loss" and len(s) == 6 and list(s.epochs) == [0, 1, 2, 3, 4, 5]
    assert s.values[0] == 0.9123 and s.values[-1] == 0.6987 and math.isnan(s.values[4])
    assert any("--train or --val" in n for n in run.notes)


def test_json_array_pretty_printed_named_by_the_file():
    run = read(DATA / "val_losses.json")
    s = run.series["val_losses"]
    assert run.format == "numbers" and s.role == "val_loss" and run.val_loss is s
    assert len(s) == 4 and s.values[0] == 0.9814 and s.values[-1] == math.inf


def test_json_array_of_a_name_that_says_nothing_is_the_train_loss(tmp_path):
    p = write(tmp_path, "out.json", json.dumps([0.9, 0.8, 0.75]))
    run = read(p)
    assert list(run.series) == ["loss"] and run.train_loss.name == "loss" and len(run.train_loss) == 3


@pytest.mark.parametrize(
    "text",
    [
        "[[0.9, 0.8], [0.7, 0.6], [0.5, 0.4]]",  # a list of lists
        '[{"a": 1}, 0.5, 0.4]',  # objects
        '["0.9", "0.8", "0.7"]',  # strings
        "[1, 2, 3, 4]",  # whole numbers: counts or ids, not a curve
        "[0.9, 0.8, 0.7",  # cut short
    ],
)
def test_other_json_arrays_stay_errors(runner, tmp_path, text):
    p = write(tmp_path, "values.json", text)
    with pytest.raises(InputError):
        read(p)
    one_line_error(runner, p)


def test_json_array_cut_short_says_so(tmp_path):
    p = write(tmp_path, "losses.json", "[0.9, 0.8, 0.7")
    with pytest.raises(InputError, match="cut short"):
        read(p)


def test_long_json_array_is_sniffed_from_its_head(tmp_path):
    values = [round(1 / (i + 1), 6) for i in range(3000)]
    for indent in (None, 4):
        p = write(tmp_path, "losses.json", json.dumps(values, indent=indent))
        run = read(p)
        assert run.format == "numbers" and len(run.train_loss) == 3000 and run.train_loss.values[-1] == values[-1]


# --------------------------------------------------------------------------------------- tensor(...) cells


def test_tensor_cells_are_unwrapped():
    run = read(DATA / "gan_losses.csv")
    assert run.format == "csv"
    d, g = run.series["d_loss"], run.series["g_loss"]
    assert d.role == "train_loss" and g.role == "train_loss"
    assert len(d) == 4 and len(g) == 4 and list(d.epochs) == [0, 1, 2, 3]
    assert d.values[0] == 0.6931 and d.values[1] == 0.6512 and d.values[2] == 0.6233  # tensor([0.6233])
    assert g.values[0] == 1.2034 and g.values[1] == 1.1021
    assert math.isnan(d.values[3]) and g.values[3] == math.inf  # tensor(nan), tensor(inf, grad_fn=...)
    assert any("torch tensor" in n for n in run.notes)


def test_tensor_unwrap_is_bounded_and_leaves_names_alone():
    assert unwrap_tensors("epoch,out_tensor([0.])\n1,tensor(0.5)\n") == ("epoch,out_tensor([0.])\n1,0.5\n", 1)
    assert unwrap_tensors("1,tensor([0.5, 0.6])\n") == ("1,tensor([0.5, 0.6])\n", 0)  # not a scalar
    assert unwrap_tensors("1,tensor(0.5, grad_fn=<" + "x" * 500 + ">)\n")[1] == 0  # suffix too long
    assert unwrap_tensors("1,2\n") == ("1,2\n", 0)


def test_large_csv_with_tensor_cells_takes_the_exact_path(tmp_path):
    rows = [f"{i},tensor({1 / (i + 1):.4f}, grad_fn=<AddBackward0>)" for i in range(60_000)]
    p = write(tmp_path, "train_log.csv", "epoch,loss\n" + "\n".join(rows) + "\n")
    assert p.stat().st_size > 1 << 20  # over the quick path's minimum
    run = read(p)
    assert len(run.train_loss) == 60_000 and run.train_loss.values[1] == 0.5


def test_tensor_cells_malformed_is_an_error(runner, tmp_path):
    """A cell that is not a scalar tensor is left as written: its comma still splits it (a row with a field too
    many is skipped with a note); when no row is left, one line naming the file."""
    p = write(tmp_path, "gan.csv", "epoch,d_loss\n0,tensor(0.5, grad_fn=<A>)\n1,tensor(abc, grad_fn=<A>)\n")
    run = read(p)
    assert len(run.train_loss) == 1 and any("more fields than the header" in n for n in run.notes)
    p = write(tmp_path, "gan.csv", "epoch,d_loss\n0,tensor(abc, grad_fn=<A>)\n1,tensor(abc, grad_fn=<A>)\n")
    assert "more fields than the header" in one_line_error(runner, p)


def test_tensor_cells_on_the_fixture_with_tensor_in_a_column_name_read_as_before():
    path = ROOT / "fixtures/public/lightning-csv/DiogoFerreira7__LSTM-Implementation__lightning_logs-version_1-metrics.csv"
    run = read(path)
    assert "out_tensor([0.])" in run.series and not any("torch tensor" in n for n in run.notes)


# --------------------------------------------------------------------------------------- bare split names


def test_pandas_losses_csv_with_bare_split_columns():
    run = read(DATA / "losses.csv")
    assert run.format == "csv" and roles(run) == {"train": "train_loss", "valid": "val_loss"}
    assert run.train_loss.name == "train" and run.val_loss.name == "valid"
    assert len(run.val_loss) == 4 and run.val_loss.values[0] == 0.9928393542766571
    assert math.isnan(run.val_loss.values[-1])
    assert any("bare split names" in n for n in run.notes)


def test_epoch_train_val_csv():
    run = read(DATA / "epoch_train_val.csv")
    assert roles(run) == {"train": "train_loss", "val": "val_loss"}
    assert list(run.train_loss.epochs) == [1, 2, 3] and run.val_loss.values[-1] == 0.801


def test_train_test_csv():
    run = read(DATA / "train_test.csv")
    assert run.train_loss.name == "train" and run.series["test"].kind == "loss"
    assert len(run.train_loss) == 3 and run.train_loss.values[0] == 0.912


def test_bare_split_columns_in_a_file_named_after_a_metric_stay_other(tmp_path):
    p = tmp_path / "accuracy.csv"
    shutil.copy(DATA / "losses.csv", p)
    run = read(p)
    assert roles(run) == {"train": "other", "valid": "other"} and run.train_loss is None


def test_bare_split_columns_beside_a_loss_column_stay_other(tmp_path):
    p = write(tmp_path, "log.csv", "epoch,loss,train,val\n1,0.9,5,6\n2,0.8,5,6\n")
    run = read(p)
    assert run.train_loss.name == "loss" and run.series["train"].role == "other"


def test_bare_split_csv_malformed_is_an_error(runner, tmp_path):
    p = write(tmp_path, "losses.csv", ",train,valid\n0,0.9,1.0,7,8\n1,0.8,0.9,7,8\n")
    one_line_error(runner, p)


def test_json_array_of_epoch_records_with_bare_split_keys():
    run = read(DATA / "records_split.json")
    assert run.format == "jsonl" and roles(run) == {"train": "train_loss", "val": "val_loss"}
    assert list(run.train_loss.epochs) == [1, 2, 3] and run.train_loss.values[-1] == 0.633
    assert math.isnan(run.val_loss.values[-1])


def test_jsonl_records_with_bare_split_keys_and_a_metric_file_name(tmp_path):
    lines = "\n".join(json.dumps({"epoch": e, "train": 0.5 + e / 10, "val": 0.4 + e / 10}) for e in range(3))
    assert roles(read(write(tmp_path, "losses.jsonl", lines))) == {"train": "train_loss", "val": "val_loss"}
    assert roles(read(write(tmp_path, "f1_scores.jsonl", lines))) == {"train": "other", "val": "other"}


def test_json_array_of_records_malformed_is_an_error(runner, tmp_path):
    p = write(tmp_path, "history.json", '[{"epoch": 1, "train": 0.5, "val": 0.6}, {"epoch": 2, "train": ')
    one_line_error(runner, p)


def test_tabular_sniffers_leave_json_and_repr_alone():
    for cls in TABULAR_READERS:
        for name in ("keras_history_repr.txt", "losses.json", "records_split.json"):
            assert not cls().sniff((DATA / name).read_bytes(), None), (cls.name, name)


def test_numbers_reader_does_not_take_a_history_repr():
    numbers = NumberListReader()
    assert not numbers.sniff((DATA / "keras_history_repr.txt").read_bytes(), None)
    assert np.isfinite(read(DATA / "history_pprint").train_loss.values).all()


def test_histories_of_several_models_in_one_json_are_one_run_each(tmp_path):
    # json.dump({"MLP": mlp.history.history, "CNN": cnn.history.history}, f): two models compared in one file.
    def hist(a):
        return {"loss": [a * 0.9**i for i in range(8)], "val_loss": [a * 1.1 * 0.9**i for i in range(8)]}

    p = tmp_path / "training_history.json"
    p.write_text(json.dumps({"MLP": hist(1.0), "CNN": hist(0.8)}))
    runs = registry.read_path(p)
    assert [r.name for r in runs] == ["MLP", "CNN"]
    assert [r.train_loss.values[0] for r in runs] == [1.0, 0.8]
    assert all(r.val_loss is not None and len(r.val_loss) == 8 for r in runs)
    p.write_text(json.dumps({"history": hist(1.0)}))  # one history under a key: one run, as before
    assert len(registry.read_path(p)) == 1


def test_numpy_array_print_wrapped_over_lines_is_one_loss(tmp_path):
    # np.savetxt is not always used: print(np.array(val_losses)) (or str()) writes "[3.05664849 2.93768525 ...",
    # wrapped at 75 characters, no commas, often with no final line end.
    vals = [3.05664849, 2.93768525, 2.88, 2.84, 2.80, 2.78, 2.75434089, 2.74, 2.735, 2.73074746]
    p = tmp_path / "val_loss.txt"
    p.write_text("[" + " ".join(f"{v:.8f}" for v in vals[:6]) + "\n " + " ".join(f"{v:.8f}" for v in vals[6:]) + "]")
    run = registry.read_path(p)[0]
    assert run.format == "numbers" and run.val_loss is not None and run.val_loss.name == "val_loss"
    assert run.val_loss.values.tolist() == pytest.approx(vals)
    assert any("printed by NumPy" in n for n in run.notes)
    p.write_text("[[1.0 2.0]\n [3.0 4.0]]")  # a 2-D array: not one curve
    with pytest.raises(InputError):
        registry.read_path(p)
