"""Tables printed to text files with their columns aligned by spaces: pandas' ``DataFrame.to_string()`` (with its
row index, names that hold a space), tabulate's "plain" and "simple" formats, hand-aligned run journals, and
Markdown pipe tables (whose ``|---|`` separator row is layout, not data).

The samples are written here in the layout the tools write:

- pandas (pandas/io/formats/format.py, ``DataFrameFormatter._get_formatted_column_labels``: a numeric column's
  name is written ``" " + x``, right-justified over its values; pandas/io/formats/string.py
  ``StringFormatter._get_string_representation``: ``adjoin(1, *strcols)``, columns joined by one space; the
  index first, left-justified under a blank header). Checked against pandas 3.1's own output of the same frames.
- tabulate (tabulate/__init__.py ``_table_formats``: "plain" = ``headerrow=DataRow("", "  ", "")``, "simple"
  adds ``linebelowheader=Line("", "-", "  ", "")`` and hides the lines above/below once there are headers;
  ``MIN_PADDING = 2`` pads each header by two; numbers use ``floatfmt="g"``, decimal-aligned, right-justified;
  ``tabulate(df, headers="keys")`` shows the index under an empty header).
- Markdown pipe tables (GitHub's, tabulate's "pipe"/"github"): ``|---|``, ``|:---:|``, ``|------:|`` rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.model import Run
from lossdoc.readers.tabular import header_end
from tests.reading import fresh_registry, lst  # noqa: F401 (fresh_registry: an autouse fixture)
from tests.reading import read as read_one


def read(tmp_path: Path, text: str, name: str = "history.txt") -> Run:
    return read_one(tmp_path, text, name)


# ------------------------------------------------------------------------------------------- pandas to_string

# pd.DataFrame({"epoch": [1, 2, 3, 4], "train_loss": [...], "val_loss": [...]}).to_string()
PD_INDEX = """\
   epoch  train_loss  val_loss
0      1    1.737462  1.931208
1      2    1.440640  1.604704
2      3    1.197623  1.337386
3      4    0.998658       NaN
"""

# The same frame with columns "train loss", "val loss" (pandas puts a space before a numeric column's name, after
# the one that joins the columns: two or more spaces between names).
PD_SPACED = """\
   epoch  train loss  val loss
0      1    1.737462  1.931208
1      2    1.440640  1.604704
2      3    1.197623  1.337386
3      4    0.998658  1.118524
"""

# pd.DataFrame(history.history).to_string(): Keras' names, no epoch column, the index is the epoch.
PD_KERAS = """\
    loss  accuracy  val_loss  val_accuracy
0   1.20      0.50      1.30          0.40
1   1.00      0.60      1.10          0.50
2   0.80      0.70      0.90          0.60
3   0.70      0.75      0.95          0.65
10  0.65      0.78      0.99          0.66
"""


def test_pandas_to_string_index_is_no_series(tmp_path):
    run = read(tmp_path, PD_INDEX)
    assert run.format == "csv"
    assert sorted(run.series) == ["train_loss", "val_loss"]  # the index (0, 1, 2...) is the row number
    tl, vl = run.train_loss, run.val_loss
    assert tl.name == "train_loss" and vl.name == "val_loss"
    assert tl.axis == "epoch" and lst(tl.epochs) == [1, 2, 3, 4]
    assert tl.values[0] == 1.737462 and tl.values[-1] == 0.998658
    assert len(vl) == 4 and math.isnan(vl.values[-1])  # pandas' NaN is kept as data
    assert any("row index" in n for n in run.notes)


def test_pandas_to_string_names_with_spaces(tmp_path):
    run = read(tmp_path, PD_SPACED)
    assert sorted(run.series) == ["train loss", "val loss"]
    assert run.train_loss.name == "train loss" and run.val_loss.name == "val loss"
    assert lst(run.val_loss.epochs) == [1, 2, 3, 4] and run.val_loss.values[-1] == 1.118524
    assert any("2+ spaces" in n for n in run.notes)


def test_pandas_to_string_without_epoch_column_numbers_rows(tmp_path):
    run = read(tmp_path, PD_KERAS)
    assert sorted(run.series) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert run.series["accuracy"].role == "train_metric"
    # as the csv reader does beside pandas' unnamed index column (",train_loss,..." / "0,1.2,..."): no positions
    # read, the points numbered 0..n-1 in file order on the epoch axis
    tl = run.train_loss
    assert tl.axis == "epoch" and tl.epochs is None and tl.steps is None and len(tl) == 5
    assert run.train_loss.values[-1] == 0.65
    assert any("no step or epoch column" in n for n in run.notes)


def test_pandas_to_string_same_as_its_csv(tmp_path):
    csv = read(tmp_path, ",epoch,train_loss,val_loss\n0,1,1.737462,1.931208\n1,2,1.44064,1.604704\n"
               "2,3,1.197623,1.337386\n3,4,0.998658,nan\n", "history.csv")
    txt = read(tmp_path, PD_INDEX)
    for name in ("train_loss", "val_loss"):
        a, b = csv.series[name], txt.series[name]
        assert a.role == b.role and lst(a.epochs) == lst(b.epochs)
        assert np.array_equal(a.values, b.values, equal_nan=True)


# ---------------------------------------------------------------------------------------------------- tabulate

# tabulate(rows, headers=["epoch", "train loss", "val loss"], tablefmt="simple")
TAB_SIMPLE = """\
  epoch    train loss    val loss
-------  ------------  ----------
      1      1.73746      1.93121
      2      1.44064      1.6047
      3      1.19762      1.33739
      4      0.998658     1.11852
"""

# tablefmt="plain": the same without the rule
TAB_PLAIN = "\n".join(ln for i, ln in enumerate(TAB_SIMPLE.split("\n")) if i != 1)

# tabulate(df, headers="keys") shows the DataFrame's index under an empty header
TAB_INDEX = """\
      epoch    train loss    val loss
--  -------  ------------  ----------
 0        1       1.73746     1.93121
 1        2       1.44064     1.6047
 2        3       1.19762     1.33739
"""


@pytest.mark.parametrize("text", [TAB_SIMPLE, TAB_PLAIN], ids=["simple", "plain"])
def test_tabulate_simple_and_plain(tmp_path, text):
    run = read(tmp_path, text, "results.txt")
    assert sorted(run.series) == ["train loss", "val loss"]
    tl, vl = run.train_loss, run.val_loss
    assert tl.name == "train loss" and vl.name == "val loss"
    assert len(tl) == 4 and lst(tl.epochs) == [1, 2, 3, 4]  # the rule line is no row
    assert tl.values[0] == 1.73746 and tl.values[-1] == 0.998658 and vl.values[-1] == 1.11852
    assert not any("text where numbers" in n for n in run.notes)


def test_tabulate_with_index(tmp_path):
    run = read(tmp_path, TAB_INDEX)
    assert sorted(run.series) == ["train loss", "val loss"]
    assert lst(run.val_loss.epochs) == [1, 2, 3] and run.val_loss.values[1] == 1.6047


# ------------------------------------------------------------------------------------- hand-aligned journals

JOURNAL = """\
train loss   va_loss  train_acc   val_acc
    2.3012    2.2950     0.1120    0.1150
    1.8125    1.7900     0.3550    0.3610
    1.2040    1.2500     0.5820    0.5600
       nan    1.3100        inf    0.5500
"""


def test_hand_aligned_journal(tmp_path):
    run = read(tmp_path, JOURNAL, "journal.txt")
    assert sorted(run.series) == ["train loss", "train_acc", "va_loss", "val_acc"]
    assert run.train_loss.name == "train loss" and run.val_loss.name == "va_loss"
    assert run.series["val_acc"].role == "val_metric" and run.series["train_acc"].role == "train_metric"
    assert len(run.train_loss) == 4 and run.train_loss.values[0] == 2.3012
    assert math.isnan(run.train_loss.values[-1]) and math.isinf(run.series["train_acc"].values[-1])
    assert run.val_loss.axis == "epoch" and run.val_loss.epochs is None  # no epoch column: rows numbered


# ----------------------------------------------------------------------------------------- Markdown tables

MD = """\
| Epoch | Train Loss | Val Loss |
|{a}|{b}|{c}|
| 1 | 1.7375 | 1.9312 |
| 2 | 1.4406 | 1.6047 |
| 3 | 1.1976 | 1.3374 |
"""


@pytest.mark.parametrize("rule", [("---", "---", "---"), (":---:", ":---", "---:"), ("------:", "-----------:", "--")])
def test_markdown_separator_row_is_skipped_silently(tmp_path, rule):
    run = read(tmp_path, MD.format(a=rule[0], b=rule[1], c=rule[2]), "results.md")
    assert sorted(run.series) == ["Train Loss", "Val Loss"]
    assert run.train_loss.name == "Train Loss" and run.val_loss.name == "Val Loss"
    assert lst(run.train_loss.epochs) == [1, 2, 3] and run.val_loss.values[-1] == 1.3374
    assert run.notes == []  # no "text where numbers should be" for the separator, no empty edge column


def test_markdown_junk_cell_still_noted(tmp_path):
    rows = "".join(f"| {e} | {0.5 / e:.4f} | {'oops' if e == 4 else f'{0.6 / e:.4f}'} |\n" for e in range(1, 13))
    run = read(tmp_path, "| epoch | train_loss | val_loss |\n|---|---|---|\n" + rows, "results.md")
    assert len(run.val_loss) == 11 and len(run.train_loss) == 12
    notes = [n for n in run.notes if "text where numbers" in n]
    assert len(notes) == 1 and "'oops'" in notes[0]


# ------------------------------------------------------------------------------------ what stays refused


@pytest.mark.parametrize(
    "text",
    [
        # single spaces inside names and between them: the names cannot be matched to the rows' fields
        "epoch train loss val loss\n1 0.5 0.6\n2 0.4 0.5\n3 0.3 0.4\n",
        # 2 names over 3 fields and no indent for an index: not pandas' index
        "train loss   val loss\n1  0.5  0.6\n2  0.4  0.5\n3  0.3  0.4\n",
        # a table of words
        "train loss   val loss\nhigh   low\nlower   lower\n",
    ],
    ids=["single-spaced", "no-index-indent", "words"],
)
def test_unmatched_names_stay_refused_with_one_line(runner, tmp_path, text):
    path = tmp_path / "history.txt"
    path.write_text(text)
    r = runner.invoke(app, ["inspect", str(path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0], r.stderr
    assert "Traceback" not in r.output


def test_name_value_text_log_not_stolen(tmp_path):
    run = read(tmp_path, "loss 0.5 acc 0.9\nloss 0.4 acc 0.91\nloss 0.3 acc 0.92\n", "train.log")
    assert run.format == "text" and run.train_loss.name == "loss" and len(run.train_loss) == 3


def test_header_end_keeps_the_rule_with_the_header():
    # what `lossdoc watch` keeps to parse appended rows under: a Markdown table's |---| row goes with its header
    md = b"| epoch | loss |\n|---:|---:|\n| 1 | 0.5 |\n"
    assert header_end(md) == md.index(b"| 1 |")
    assert header_end(TAB_SIMPLE.encode()) == TAB_SIMPLE.index("      1")
    assert header_end(PD_INDEX.encode()) == PD_INDEX.index("0 ")
