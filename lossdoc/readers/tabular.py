"""CSV-like logs: Keras CSVLogger and history DataFrames, PyTorch Lightning's metrics.csv, Ultralytics'
results.csv, fastai's CSVLogger, and any tidy CSV/TSV whose columns name losses, or a whitespace table (values
separated by runs of spaces/tabs, every row only numbers, as many as the header's names: ``np.savetxt`` with
``header=``, whose header is written as a ``# `` comment; a ``#`` before a header's first name is no part of it;
a table printed by pandas' ``DataFrame.to_string()`` or tabulate, whose names may hold a space and whose row index
is no series: ``aligned_names``), and Markdown pipe tables (their ``|---|`` row skipped: ``rule_line``).

All of them go through one loader (:func:`load_table`) that copes with what real files hold: a BOM, CRLF or
``\\r\\r\\n`` endings, padded or quoted headers, a header row repeated in the middle (a restarted run appended to
the same file; the row is dropped and ``finish_run`` splices a resume or keeps the latest training by the
step/epoch counter; an epoch column interleaving two runs' rows gives two runs, ``_interleaved_runs``; summary
rows such as ``final`` after a run's epochs are left out, ``_summary_rows``), text
columns next to numbers, and "nan"/"inf" written by the tool (kept as data). An *empty* cell is not a NaN: sparse
logs (Lightning) leave cells empty when a value was not logged on that row, so each series keeps only its
non-empty cells.

Survey 15's layouts: a table of each split's total beside its parts, no column naming a loss
(``epoch,train_total,val_total,train_cls,val_cls,train_mass,val_mass``, a history DataFrame's ``to_csv``): each
``<split>_total`` is that split's loss (``naming.split_total_losses``, a ``train_total`` among them), with a note; a
column naming a loss keeps them metrics.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.naming import (
    bare_split_losses,
    bare_split_note,
    file_names_a_metric,
    gan_side,
    is_bookkeeping,
    normalise,
    resolve,
    split_total_losses,
    split_word,
)
from lossdoc.readers.base import Reader, Source, build_series, count_on, decode_text, require_series

_DELIMITERS = (",", "\t", ";", "|")
# Wider tables are refused: no training log logs that many series, and pandas slows to minutes on 100,000 columns.
MAX_COLUMNS = 5_000
# Cells that mean "not logged on this row" (Keras CSVLogger writes NA, fastai #na#), as opposed to a logged NaN.
_ABSENT = {"", "na", "n/a", "#na#", "none", "null", "nat", "-"}
_STEP_NAMES = ("step", "global_step", "globalstep", "steps", "iter", "iters", "iteration", "iterations", "it")
_EPOCH_NAMES = ("epoch", "epochs", "ep")
#: Step columns of RL progress tables (``total timesteps``, SB3's ``time/total_timesteps``, a PPO loop's ``update``):
#: the csv reader's axis when the table has none of ``_STEP_NAMES``. (Not in ``_STEP_NAMES``: the other readers'
#: sniffing, which a step column turns away, is left as it was.)
# A batch counter column (",Batch,Loss,RPN Classification Loss,..." from pandas' to_csv of per-batch losses): the
# step axis when it rises (``_batch_axis``); a column of one repeated number is a batch size, no axis.
_BATCH_NAMES = ("batch", "batch_idx", "batch_id")
_RL_STEP_NAMES = ("total_timesteps", "time_total_timesteps", "timesteps", "num_timesteps", "update", "updates")
# Possessive quantifiers: a megabyte of digits followed by a letter is rejected in linear time.
#: A number as a plain loop prints it (str(float), "%f", numpy's repr), NaN and Inf included: the cells of
#: headerless rows (here and in numbers.py).
NUMBER_TOKEN = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf|infinity)", re.IGNORECASE)
_NUM = re.compile(
    r"^[-+]?(\d++(\.\d*+)?([eE][-+]?\d++)?|\.\d++([eE][-+]?\d++)?|nan|inf|infinity)$", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------------- loading

# A training loop that writes ``str(loss)`` into its CSV writes a torch tensor's repr: ``tensor(0.6931)``,
# ``tensor(1.2034, grad_fn=<AddBackward0>)``, ``tensor(0.5, device='cuda:0')``, ``tensor([0.5])``, ``tensor(nan)``.
# The comma inside the longer forms splits the cell in two, so such cells are unwrapped to their number before the
# table is split into cells. Bounded: a number, then at most 200 characters of keyword arguments, no parentheses.
# A TensorFlow eager tensor printed as a value (``print(f"loss: {loss}")``, ``str(loss)``) is unwrapped the same way:
# ``tf.Tensor(8.074845, shape=(), dtype=float32)`` (a scalar: ``shape=()``, the only parentheses allowed inside).
_TENSOR = re.compile(
    r"(?<![\w.])(?:tensor|tf\.Tensor)\(\s*(\[\s*)?([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf))"
    r"\s*(?(1)\])(?:\s*,\s*shape=\(\s*\))?(?:\s*,[^()\n]{0,200}?)?\s*\)"
)
#: What a text holds when it may hold a tensor's repr (``_TENSOR``).
_TENSOR_NEEDLES = ("tensor(", "tf.Tensor(")


def unwrap_tensors(text: str) -> tuple[str, int]:
    """The text with every scalar ``tensor(...)`` (PyTorch) or ``tf.Tensor(x, shape=(), dtype=...)`` (TensorFlow)
    repr replaced by its number, and how many there were (0: the text as it was)."""
    if not any(n in text for n in _TENSOR_NEEDLES):
        return text, 0
    return _TENSOR.subn(r"\2", text)



@dataclass
class Table:
    """A parsed CSV: stripped column names in file order, and per column the raw stripped cells."""

    columns: list[str]
    cells: dict[str, list[str]]
    nrows: int
    notes: list[str] = field(default_factory=list)
    lines: list[int] | None = None  # the file's line number of each data row, when known
    header_again: list[int] = field(default_factory=list)  # the file's lines where the header row is repeated
    _numeric: dict[str, Numeric | None] = field(default_factory=dict)

    def numeric(self, col: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(values, present) for a numeric column, or None for a text column. ``present`` is False where the
        cell was empty; logged "nan"/"inf" are present and become NaN/Inf. A few cells of text in a column of
        numbers (a line garbled by a crash or a concurrent write) are not present either: see ``garbled``."""
        num = self.numeric_full(col)
        return None if num is None else (num.values, num.present)

    def numeric_full(self, col: str) -> Numeric | None:
        if col not in self._numeric:
            self._numeric[col] = _to_numeric(self.cells[col])
        return self._numeric[col]

    def text_example(self, col: str) -> str:
        """`` (e.g. 'abc' at line 3)``: the first cell of a text column that is not a number, for messages."""
        for i, c in enumerate(self.cells[col]):
            if c and not _NUM.match(c.lower()) and c.lower() not in _ABSENT:
                where = f" at line {self.lines[i]}" if self.lines else ""
                return f" (e.g. {c[:40]!r}{where})"
        return ""

    def garbled_note(self, col: str, what: str = "cell(s)") -> str | None:
        num = self.numeric_full(col)
        if num is None or not num.garbled.any():
            return None
        i = int(np.flatnonzero(num.garbled)[0])
        where = f" at line {self.lines[i]}" if self.lines else ""
        return (
            f"{col}: {int(num.garbled.sum())} {what} of text where numbers should be skipped "
            f"(first {self.cells[col][i][:40]!r}{where})"
        )

    def find(self, names: tuple[str, ...]) -> str | None:
        """The first column whose normalised name is one of ``names`` (in the order of ``names``)."""
        by_norm = {}
        for c in self.columns:
            by_norm.setdefault(normalise(c), c)
        for n in names:
            if n in by_norm:
                return by_norm[n]
        return None


@dataclass
class Numeric:
    values: np.ndarray
    present: np.ndarray  # a number (or a logged NaN/Inf) was written in the cell
    garbled: np.ndarray  # the cell held text in a column of numbers: skipped


#: The note on a column that has no values (every cell empty or NA): left out of the run.
NO_VALUES = "no values (every cell empty or NA); left out"

# A column of numbers may hold this share of cells that are text (garbled lines) and still be read as numbers.
GARBLED_SHARE = 0.1


def _to_numeric(cells: list[str]) -> Numeric | None:
    n = len(cells)
    arr = np.asarray(cells, dtype=object)
    present = arr != ""
    values = np.full(n, np.nan)
    if not present.any():  # every cell empty: a column with no values (yet: a val loss not logged so far), not text
        return Numeric(values, present, np.zeros(n, dtype=bool))
    idx = np.flatnonzero(present)
    try:
        values[idx] = np.asarray(arr[idx], dtype=np.float64)  # float() per cell, in C: numbers, nan, inf
    except (ValueError, TypeError):
        for i in idx.tolist():  # some cell is not a number: convert one by one, the rest stays NaN for below
            try:
                values[i] = float(arr[i])
            except (ValueError, TypeError):
                pass
    garbled = np.zeros(n, dtype=bool)
    # Cells pandas could not read but that are present: an absent marker (NA, #na#), a logged NaN/Inf spelled
    # some other way, or text. Only these few cells are looked at one by one; a column where more than a few
    # are text is a text column (names, timestamps), not numbers with a garbled line.
    bad = present & np.isnan(values)
    limit = GARBLED_SHARE * int(present.sum())
    n_garbled = 0  # counted as they come (garbled.sum() at each cell is quadratic in a column of text)
    for i in np.flatnonzero(bad):
        c = str(arr[i]).lower()
        if c in _ABSENT:
            present[i] = False
        elif _NUM.match(c):
            values[i] = float(c)
        elif c.startswith("tensor(") and _NUM.match(c[7:].split(",")[0].rstrip(")")):  # str(torch.tensor(...))
            values[i] = float(c[7:].split(",")[0].rstrip(")"))
        else:
            garbled[i] = True
            present[i] = False
            n_garbled += 1
            if n_garbled > limit:
                return None
    assert len(values) == n
    if garbled.any() and present.sum() < 2:
        return None
    return Numeric(values, present, garbled)  # no cell present: every one empty or an absent marker (NA, null...)


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the header into the most fields and the data rows into as many; None if no
    candidate splits the header. A rule line under the header (``rule_line``) is no row."""
    lines = _drop_rule(lines)
    header, rows = lines[0], lines[1:6]
    best, best_n = None, 0
    for d in _DELIMITERS:
        n = _split(header, d)
        if len(n) < 2:
            continue
        if rows and not any(len(_split(r, d)) >= 2 for r in rows):
            continue
        if len(n) > best_n:
            best, best_n = d, len(n)
    if best is not None and best != "," and _whitespace_table(lines):
        # Tabs mixed with runs of spaces ("step   train_loss\tval_loss", "100  2.31 \t 2.45"): the tab splits the
        # rows unevenly where whitespace splits each into as many numbers as there are names.
        width = len(_split(header, best))
        if any(len(_split(r, best)) != width for r in lines[1:]):
            return " "
    if best is None and _whitespace_table(lines):
        return " "
    return best


def _whitespace_table(lines: list[str]) -> bool:
    """Whether ``lines`` (a header, then data rows) are a table whose values are separated by runs of spaces or
    tabs (``np.savetxt(path, arr, header="epoch train_loss val_loss")``, its default ``delimiter=' '``; or aligned
    by hand): two or more names, then at least one row, and every row holds ONLY numbers, as many as the names
    (``aligned_names`` says how the header's names are told apart). A text log's lines ("epoch 1 loss 0.5", "loss
    0.3 acc 0.9") have words among their numbers and are never one."""
    return aligned_names(lines) is not None


def aligned_names(lines: list[str]) -> list[str] | None:
    """The names over the columns of a whitespace table (``lines``: its header, then data rows that hold only
    numbers, as many on each), or None when it is not one or its names cannot be matched to the rows' fields:

    - the header split on whitespace, when that gives the rows' field count (``np.savetxt``, a hand-made table);
    - else split on runs of 2+ spaces (or tabs), for names that hold a single space (``train loss``): pandas'
      ``to_string()``, tabulate's "plain" and "simple" formats, a journal aligned by hand;
    - either way, pandas' ``DataFrame.to_string()`` with its index: N names over rows of N+1 values, the first
      the row index (integers, under the header's blank indent): the index gets an empty name, as ``to_csv``
      writes it (pandas' ``Unnamed: 0``), so it is no series (``table_run`` skips unnamed columns).

    A rule line under the header (tabulate's "simple" dashes) is dropped by the caller (``_drop_rule``)."""
    if len(lines) < 2:
        return None
    header = lines[0]
    words = header.split()
    rows = [r.split() for r in lines[1:]]
    width = len(rows[0])
    if width == 0 or any(len(r) != width or not all(_NUM.match(c) for c in r) for r in rows):
        return None
    # Names that hold a space ("train loss"): pandas right-aligns each name over its column after a space and
    # puts a space before a numeric column's name (so 2+ between names); tabulate pads each name by 2.
    phrases = [c for c in re.split(r"\t| {2,}", header.strip()) if c]
    names = None
    for cells in (words, phrases):
        if len(cells) == width:
            names = cells
        elif len(cells) == width - 1 and _row_index(header, rows):
            names = ["", *cells]
        if names is not None:
            break
    if names is None or len(names) < 2 or not all(_name_like(c) for c in names):
        return None
    return names


def rule_line(line: str) -> bool:
    """A rule drawn under a header, part of the table's layout and no row: a Markdown table's separator row
    (``|---|:---:|----:|``) or tabulate's "simple" format's dashes under each column (``-------  ----------``)."""
    cells = line.strip()
    return "--" in cells and not cells.strip("-:|+ \t")


def _drop_rule(lines: list[str]) -> list[str]:
    """``lines`` (a header, then rows) without a rule line right under the header."""
    return [lines[0], *lines[2:]] if len(lines) > 1 and rule_line(lines[1]) else lines


def _row_index(header: str, rows: list[list[str]]) -> bool:
    """Whether the first field of every row is a row index that pandas (``DataFrame.to_string()``) wrote: an
    integer, no wider than the blank indent of the header above it (the index's own header is empty)."""
    indent = len(header) - len(header.lstrip())
    return all(re.fullmatch(r"\d+", r[0]) and len(r[0]) <= indent for r in rows)


def _split(line: str, delim: str) -> list[str]:
    if delim == " ":  # a whitespace table (sniff_delimiter): any run of spaces and tabs separates two values
        return line.split()
    try:
        return next(csv.reader([line], delimiter=delim, skipinitialspace=True))
    except (csv.Error, StopIteration):
        return line.split(delim)


def _clean_name(name: str) -> str:
    return name.strip().strip("\ufeff").strip().strip('"').strip("'").strip()


#: A quoted header cell may hold line breaks ("loss\nper batch"): the header is read over at most this many lines.
MAX_HEADER_LINES = 10


def _header_lines(lines: list[str]) -> int:
    """How many of ``lines`` the header takes: one, or more while a quoted cell is still open."""
    used, quotes = 1, lines[0].count('"') if lines else 0
    while quotes % 2 and used < min(len(lines), MAX_HEADER_LINES):
        quotes += lines[used].count('"')
        used += 1
    return used if quotes % 2 == 0 else 1


#: At most this many comment lines before a header are skipped (a longer preamble is not a CSV log).
MAX_COMMENT_LINES = 200


def _name_like(cell: str) -> bool:
    """A header cell: not a number and no number among its words (``epoch   1`` is a line of a text log)."""
    return not any(_NUM.match(w) for w in cell.lower().split())


def leading_comments(lines: list[str]) -> int:
    """How many of ``lines`` (the non-blank lines of a file, in order) are ``#`` comment lines before a CSV header
    (``# Training configuration``, ``# Base Learning Rate: 0.01``, then ``Epoch,Accuracy,Loss``), as pandas'
    ``comment="#"`` would skip them, but only at the top: a ``#`` further down is data. 0 unless the line after
    them is a header (names, no numbers) over rows that hold numbers: a text log that starts with a comment, or a
    header written as ``#epoch,loss``, is left as it is."""
    k = 0
    while k < len(lines) and k <= MAX_COMMENT_LINES and lines[k].lstrip().lstrip("\ufeff").startswith("#"):
        k += 1
    if k == 0 or k > MAX_COMMENT_LINES or k >= len(lines) - 1:
        return 0
    rest = lines[k : k + 6]
    delim = sniff_delimiter(rest)
    if delim is None:
        return 0
    header = [_clean_name(c) for c in _split(rest[0], delim)]
    if not any(header) or not all(_name_like(c) for c in header):
        return 0
    cells = [c.strip().strip('"') for r in rest[1:] for c in _split(r, delim)]
    return k if any(_NUM.match(c) for c in cells) else 0


def _uncomment(line: str) -> str:
    """A header line written as a comment without its ``#`` (``# epoch train_loss val_loss``: np.savetxt writes
    ``comments + header``, comments being ``'# '``)."""
    return line.lstrip().lstrip("\ufeff").lstrip().lstrip("#").strip()


def commented_header(lines: list[str]) -> int | None:
    """The index among ``lines`` (the non-blank lines of a file, in order) of a header written as a comment: the
    last of the ``#`` lines at the top (``np.savetxt(path, arr, header="epoch train_loss val_loss")`` writes ``#
    epoch train_loss val_loss``, a longer header over several ``#`` lines; by hand, ``#epoch,train_loss,val_loss``)
    when, without its ``#``, it holds two or more names (no numbers) and the rows below split as it does into as
    many numbers. None otherwise (``leading_comments`` handles comment lines above a header of their own)."""
    k = 0
    while k < len(lines) and k <= MAX_COMMENT_LINES and lines[k].lstrip().lstrip("\ufeff").startswith("#"):
        k += 1
    if k == 0 or k > MAX_COMMENT_LINES or k >= len(lines):
        return None
    header = _uncomment(lines[k - 1])
    rows = lines[k : k + 5]
    delim = sniff_delimiter([header, *rows])
    if delim is None:
        return None
    names = [_clean_name(c) for c in _split(header, delim)]
    if len(names) < 2 or not all(names) or not all(_name_like(c) for c in names):
        return None
    for row in rows:
        cells = [c.strip().strip('"') for c in _split(row, delim)]
        if len(cells) != len(names) or not all(_NUM.match(c) or c.lower() in _ABSENT for c in cells):
            return None
    return k - 1


def header_end(data: bytes) -> int:
    """The offset just past the header line of a CSV file's bytes (its first line, or the line after the comment
    lines ``leading_comments`` skips): what ``lossdoc watch`` keeps to parse appended lines under."""
    first = data.find(b"\n") + 1
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"#":
        below = data.find(b"\n", first) + 1 if first else 0
        if below and rule_line(data[first:below].decode("utf-8", errors="replace")):
            return below  # the |---| row of a Markdown table, tabulate's dashes: the header's, kept with it
        return first
    raw = data[:65536].split(b"\n")
    text = [ln.decode("utf-8", errors="replace") for ln in raw[:-1]]  # complete lines only
    nonblank = [i for i, ln in enumerate(text) if ln.strip()]
    top = [text[i] for i in nonblank[: MAX_COMMENT_LINES + 6]]
    k = leading_comments(top)
    if not k:
        h = commented_header(top)  # the header itself is the last '#' line (np.savetxt)
        return first if h is None else sum(len(ln) + 1 for ln in raw[: nonblank[h] + 1])
    return sum(len(ln) + 1 for ln in raw[: nonblank[k] + 1])


_NAMESPACE = re.compile(r"(?<![\w.])Namespace\(\w{1,100}+=")


def head_table(head: bytes, *, comments: bool = True) -> tuple[list[str], list[list[str]], str] | None:
    """For sniffing: (header names, a few data rows, delimiter) from the first bytes, or None. ``comments``
    False: None for a file with comment lines above its header (no tool's own CSV writer puts them there: such a
    file was written by hand, and is the generic reader's)."""
    try:
        text = decode_text(head, "")
    except InputError:
        return None
    text, _ = unwrap_tensors(text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return None
    if len(lines) > 1 and len(head) >= 65536:
        lines = lines[:-1]  # the last line of a cut head may be partial
    skipped = leading_comments(lines)
    hashed = None if skipped else commented_header(lines)
    if (skipped or hashed is not None) and not comments:
        return None
    lines = lines[skipped:] if hashed is None else [_uncomment(lines[hashed]), *lines[hashed + 1 :]]
    used = _header_lines(lines)
    lines = _drop_rule(["\n".join(lines[:used]), *lines[used:]])
    first = lines[0]
    if first.lstrip().startswith(("{", "[", "<")) or "\x00" in first:
        return None
    if "Namespace(" in first[:200] and _NAMESPACE.search(first[:200]):
        return None  # argparse's Namespace(arch='vit_small', lr=0.0008, ...) printed first: a log, never a header
    delim = sniff_delimiter(lines[:20])
    if delim is None:
        names = [_clean_name(first)]
        if not names[0] or " " in names[0]:
            return None
        return names, [[ln.strip()] for ln in lines[1:20]], ","
    if delim == " " and not comments:
        return None  # values separated by spaces: no tool's own CSV writer; the generic reader's
    names = [_clean_name(c) for c in _header_cells(lines[:20], delim)]
    rows = [[c.strip() for c in _split(ln, delim)] for ln in lines[1:20]]
    return names, rows, delim


def _header_cells(lines: list[str], delim: str) -> list[str]:
    """The cells of a table's header (``lines``: the header, then a few rows) split by ``delim``; for a whitespace
    table, its names as ``aligned_names`` matches them to the rows' fields."""
    if delim == " ":
        names = aligned_names(lines)
        if names is not None:
            return names
    return _split(lines[0], delim)


def load_table(source: Source) -> Table:
    """Parse a CSV/TSV source into a Table. Raises InputError for content that is not a table."""
    quick = _quick_table(source)
    if quick is not None:
        return quick
    text, tensors = unwrap_tensors(source.text())
    lines = text.split("\n")
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        raise InputError(source.label, "empty file")
    notes: list[str] = []
    if tensors:
        notes.append(f"{tensors} cell(s) written as a torch tensor's repr (tensor(0.69, grad_fn=...)) or a "
                     "TensorFlow one (tf.Tensor(0.69, shape=(), ...)) read as their number")
    top = [lines[i] for i in nonblank[: MAX_COMMENT_LINES + 6]]
    comments = leading_comments(top)
    hashed = None if comments else commented_header(top)
    if comments:
        notes.append(f"{comments} comment line(s) before the header skipped")
        nonblank = nonblank[comments:]
    elif hashed is not None:
        # np.savetxt(header=...) writes the names as a comment ("# epoch train_loss val_loss"): the '#' is no
        # part of the first name.
        lines[nonblank[hashed]] = _uncomment(lines[nonblank[hashed]])
        notes.append("the header is written as a comment ('# name ...', as np.savetxt writes it): read without "
                     "its '#'" + (f"; {hashed} comment line(s) above it skipped" if hashed else ""))
        nonblank = nonblank[hashed:]
    used = _header_lines([lines[i] for i in nonblank[:MAX_HEADER_LINES]])
    header_line = "\n".join(lines[i] for i in nonblank[:used])
    rule = len(nonblank) > used and rule_line(lines[nonblank[used]])
    if rule:  # a Markdown table's |---|---| or tabulate's dashes under the header: layout, not a row
        nonblank = [*nonblank[:used], *nonblank[used + 1 :]]
        if used == 1 and header_line.strip().startswith("|") and header_line.strip().endswith("|"):
            # A Markdown table's rows begin and end with a pipe: no empty column before the first or after the
            # last (read as columns, the empty one after the last would be noted as never logged).
            for i in nonblank:
                ln = lines[i].strip()
                lines[i] = ln[1 if ln.startswith("|") else 0 : -1 if ln.endswith("|") and len(ln) > 1 else None]
            header_line = lines[nonblank[0]]
    sample = [header_line] + [lines[i] for i in nonblank[used : used + 19]]
    delim = sniff_delimiter(sample) or ","
    header = [_clean_name(c) for c in _header_cells(sample, delim)]
    if not any(header):
        raise InputError(source.label, "no header row")
    if len(header) > MAX_COLUMNS:
        raise InputError(
            source.label,
            f"{len(header):,} columns; lossdoc reads tables of at most {MAX_COLUMNS:,} (a data set, not a training log?)",
        )
    header_key = [normalise(c) for c in header]
    compact = _compact(header_line)
    body = nonblank[used:]
    if len(body) >= 2 and not text.endswith("\n"):
        # A last line without its line end may be cut anywhere ("0.53" read as "0.5"): a file still being
        # written (or a writer killed mid-line). Only the complete lines are read.
        notes.append(f"line {body[-1] + 1}, the last, has no line end (file still being written?): skipped")
        body = body[:-1]
    kept = [header_line]
    kept_lines: list[int] = []
    repeated: list[int] = []
    for i in body:
        ln = lines[i]
        # Cheap test first (most lines are data); the full split only for a line that looks like the header.
        if len(ln) >= len(compact) and _compact(ln) == compact:
            cells = _split(ln, delim)
            if len(cells) == len(header) and [normalise(_clean_name(c)) for c in cells] == header_key:
                repeated.append(i + 1)
                continue
        kept.append(ln)
        kept_lines.append(i + 1)
    if repeated:
        where = ", ".join(str(n) for n in repeated[:5])
        notes.append(
            f"the header row is repeated at line {where} (a restarted run appended to the same file); "
            "the repeated header was dropped"
        )
    if len(kept) == 1:
        raise InputError(source.label, "only a header row, no data rows")
    bad_rows: list[int] = []
    # pandas takes the extra leading fields of a first data row longer than the header for an index (shifting
    # every column); such rows are skipped like any other row with too many fields.
    while len(kept) > 1 and len(_split(kept[1], delim)) > len(header):
        bad_rows.append(kept_lines.pop(0))
        del kept[1]
    if len(kept) == 1:
        raise InputError(source.label, f"every data row has more fields than the header ({len(header)})")
    later = _later_layouts(kept, kept_lines, delim, header)
    if later is not None:
        drop, note = later
        kept = [kept[0], *(ln for i, ln in enumerate(kept[1:]) if i not in drop)]
        kept_lines = [n for i, n in enumerate(kept_lines) if i not in drop]
        notes.append(note)

    def on_bad(fields: list[str]) -> None:
        bad_rows.append(len(fields))

    if delim == " ":  # a whitespace table: each run of spaces/tabs becomes one space, the delimiter
        kept = [" ".join(ln.split()) for ln in kept]
        if header != [_clean_name(c) for c in header_line.split()]:
            # Names matched to the columns by aligned_names (pandas' unnamed index, names that hold a space):
            # quoted, so that each is one field of the space-separated header.
            kept[0] = " ".join('"' + c.replace('"', '""') + '"' for c in header)
            notes.append(
                "columns aligned with spaces (a printed table: pandas' to_string, tabulate) split on whitespace"
                + ("; names that hold a space told apart by the 2+ spaces between them"
                   if any(" " in c for c in header) else "")
                + ("; the first column, unnamed, is the row index (pandas, tabulate print it): not a series"
                   if header[0] == "" else "")
            )
        else:
            notes.append("values separated by spaces (a whitespace table, as np.savetxt writes) split on whitespace")
    buf = "\n".join(kept)
    # Padding after a value (Ultralytics, hand-aligned files): read_csv's skipinitialspace takes care of the
    # padding before one.
    # (A run of spaces is tried from its first space only: linear even for a megabyte of spaces.)
    buf = re.sub(rf"(?<! ) ++(?={re.escape(delim)}|\n|$)", "", buf) if delim != " " else buf
    if len(buf) < QUICK_MIN_CHARS:
        # A small table: the standard library reads it as fast as pandas would, without importing pandas
        # (a third of a second at every start of the command line).
        small = _small_table(buf, delim, header, notes, kept_lines, source.label)
        small.header_again = repeated
        return small
    fast = _fast_numeric_table(io.BytesIO(buf.encode("utf-8")), delim, len(kept) - 1, notes, kept_lines)
    if fast is not None:
        fast.header_again = repeated
        return fast
    import pandas as pd

    opts = {
        "sep": delim,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "skipinitialspace": True,
        "quotechar": '"',
    }
    try:
        try:
            df = pd.read_csv(io.StringIO(buf), **opts)
        except pd.errors.ParserError:
            df = pd.read_csv(io.StringIO(buf), engine="python", on_bad_lines=on_bad, **opts)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(source.label, f"not a readable CSV table ({msg})") from None
    if bad_rows:
        notes.append(f"skipped {len(bad_rows)} row(s) with more fields than the header ({len(header)})")
    columns: list[str] = []
    cells: dict[str, list[str]] = {}
    # One conversion of the whole frame (column by column through df[...] is quadratic in the column count).
    grid = df.to_numpy(dtype=object)
    for j, clean in enumerate(_dedupe([_clean_name(str(c)) for c in df.columns])):
        col = grid[:, j]
        missing = pd.isna(col)
        if missing.any():  # short rows read by the python engine
            col = col.copy()
            col[missing] = ""
        columns.append(clean)
        cells[clean] = col.tolist()
    lines_known = not bad_rows and len(df) == len(kept_lines)
    return Table(columns=columns, cells=cells, nrows=len(df), notes=notes, lines=kept_lines if lines_known else None,
                 header_again=repeated)


def _whole_cells(cells: list[str]) -> list[float] | None:
    """The numbers of cells that are all whole numbers, or None."""
    out = []
    for c in cells:
        c = c.strip().strip('"')
        if not _NUM.match(c.lower()):
            return None
        try:
            v = float(c)
        except ValueError:
            return None
        if not (np.isfinite(v) and v.is_integer()):
            return None
        out.append(v)
    return out


def _spans(lines: list[int]) -> str:
    """``23-50, 51-72``: line numbers as runs of consecutive ones (at most 4 shown)."""
    out: list[str] = []
    start = prev = lines[0]
    for n in [*lines[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out[:4]) + (", ..." if len(out) > 4 else "")


def _later_layouts(kept: list[str], kept_lines: list[int], delim: str, header: list[str]) -> tuple[set[int], str] | None:
    """Rows written in other layouts below a header that is not theirs (a logger whose columns changed between runs
    appending to one file: rows with more fields than the header, then rows of the header's field count whose values
    sit one column over, ``0,10,1.447,...`` under ``time_s,run_id,update,...``). From the first row with more fields
    than the header on, each block of rows of one field count is kept only when it has the header's count and its
    values fit the rows above it: every counter column there (whole numbers rising, 2 or more values: ``update``,
    ``step``) holds whole numbers in it too. (the indexes into ``kept[1:]`` of the rows to skip, a note naming them),
    or None when there is nothing to skip beyond the rows with more fields (skipped by the parser as before)."""
    width = len(header)
    if delim == " " or not any(ln.count(delim) >= width for ln in kept[1:]):
        return None
    counts = [len(_split(ln, delim)) for ln in kept[1:]]
    first = next((i for i, c in enumerate(counts) if c > width), None)
    if first is None:
        return None
    above = [_split(kept[1 + i], delim) for i in range(first) if counts[i] == width]
    counters = []
    for j in range(width):
        vals = _whole_cells([r[j] for r in above])
        if vals is not None and len(set(vals)) >= 2 and bool(np.all(np.diff(vals) >= 0)):
            counters.append(j)
    wide: list[int] = []
    misfit: list[int] = []
    why = ""
    i = first
    while i < len(counts):
        end = i
        while end < len(counts) and counts[end] == counts[i]:
            end += 1
        block = range(i, end)
        if counts[i] > width:
            wide.extend(block)
        elif counts[i] < width:
            misfit.extend(block)
            why = why or f"{end - i} row(s) with fewer fields than the header"
        else:
            rows = [_split(kept[1 + k], delim) for k in block]
            bad = next((j for j in counters if _whole_cells([r[j] for r in rows]) is None), None)
            if bad is not None:
                misfit.extend(block)
                why = why or f"column {header[bad]!r} holds no whole numbers there"
        i = end
    if not misfit:
        return None
    skipped = sorted(wide + misfit)
    note = (f"rows written in other layouts below the header, from line {kept_lines[first]} on, skipped: "
            f"{len(wide)} row(s) with more fields than the header ({width}) and {len(misfit)} row(s) whose values do "
            f"not fit its columns ({why}; a logger whose columns changed appending to one file), lines "
            f"{_spans([kept_lines[k] for k in skipped])}")
    return set(skipped), note


def _small_table(
    buf: str, delim: str, header: list[str], notes: list[str], lines: list[int], label: str
) -> Table:
    """The exact path for small tables with the csv module: every cell kept as text (numbers are converted
    column by column later), rows with more fields than the header skipped, missing trailing fields empty."""
    if len(buf) >= csv.field_size_limit():  # a single field may be the whole (small) file: never refuse it
        csv.field_size_limit(len(buf) + 1)
    try:
        rows = list(csv.reader(io.StringIO(buf), delimiter=delim, quotechar='"', skipinitialspace=True))
    except csv.Error as exc:
        raise InputError(label, f"not a readable CSV table ({exc})") from None
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InputError(label, "only a header row, no data rows")
    width = len(rows[0])
    kept_rows, kept_lines, bad = [], [], 0
    for r, line in zip(rows[1:], lines if len(lines) == len(rows) - 1 else [None] * (len(rows) - 1)):
        if len(r) > width:
            bad += 1
            continue
        kept_rows.append(r + [""] * (width - len(r)))
        kept_lines.append(line)
    if bad:
        notes.append(f"skipped {bad} row(s) with more fields than the header ({len(header)})")
    if not kept_rows:
        raise InputError(label, f"every data row has more fields than the header ({len(header)})")
    names = _dedupe([_clean_name(c) for c in rows[0]])
    cells = {name: [r[j] for r in kept_rows] for j, name in enumerate(names)}
    known = None not in kept_lines
    return Table(columns=names, cells=cells, nrows=len(kept_rows), notes=notes, lines=kept_lines if known else None)


def _quick_table(source: Source) -> Table | None:
    """A clean table (the usual log: UTF-8, LF or CRLF line ends, a complete last line, no repeated header row, no
    padding after values) parsed by pandas from the file itself: the file is checked through a memory map and
    then read by pandas in chunks, so no decoded copy, no Python object per line and not even the file's bytes
    are held while it is parsed (a 200 MB one-column CSV peaks near 2x its size, from 22x). None when the file
    needs the line-by-line path below (which also takes over when the file changed in between)."""
    with source.mapped() as (raw, stamp):
        quick = _quick_delimiter(raw)
    if quick is None:
        return None
    delim, spaces = quick
    where: str | io.BytesIO = str(source.path) if stamp is not None else io.BytesIO(source.read_bytes())
    table = _fast_numeric_table(where, delim, None, [], None, skip_spaces=spaces)
    if table is not None and stamp is not None:
        try:
            st = os.stat(source.path)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != stamp:
            return None  # a live log written to while it was read: the exact path reads it once
    return table


def _quick_delimiter(raw) -> tuple[str, bool] | None:
    """(the delimiter, whether the file holds a space or tab at all) of a file the quick path can take (any
    bytes-like object: bytes or a memory map), else None."""
    n = len(raw)
    if n < QUICK_MIN_CHARS or raw[n - 1 : n] != b"\n" or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    if raw[:4096].find(b"\x00") != -1:
        return None  # binary
    if _has_tensor_cell(raw):
        return None  # tensor(...) cells: the exact path unwraps them
    body_start = _LEADING_BLANKS.match(raw).end()
    head_end = raw.find(b"\n", body_start)
    try:
        header_line = raw[body_start:head_end].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if header_line.count('"') % 2:
        return None  # a quoted header cell holding a line break: the exact path reads it
    if header_line.lstrip().startswith("#"):
        return None  # comment lines before the header: the exact path skips them
    head = raw[head_end : head_end + 8192].decode("utf-8", errors="replace")
    sample = [header_line] + [ln for ln in head.replace("\r\n", "\n").split("\n")[:19] if ln.strip()]
    if len(sample) > 1 and rule_line(sample[1]):
        return None  # a rule under the header (a Markdown table's |---|): the exact path skips it
    delim = sniff_delimiter(sample)
    if delim is None:
        if any(d in header_line for d in _DELIMITERS) or len(_clean_name(header_line).split()) != 1:
            return None
        delim = ","  # one column
    if delim == " ":
        return None
    header = [_clean_name(c) for c in _split(header_line, delim)]
    if not all(header) or len(header) > MAX_COLUMNS:
        return None
    scan = _scan(raw, head_end, header[0].encode("utf-8"), delim.encode())
    if scan is None:
        return None
    return delim, scan


def _has_tensor_cell(raw, limit: int = 1000) -> bool:
    """Whether a file (bytes or a memory map) holds a ``tensor(...)`` (or ``tf.Tensor(...)``) cell that
    ``unwrap_tensors`` unwraps; True too when more than ``limit`` names merely contain "tensor(" (the exact path then
    decides, cell by cell)."""
    for needle in (n.encode() for n in _TENSOR_NEEDLES):
        pos = raw.find(needle)
        for _ in range(limit):
            if pos == -1:
                break
            window = bytes(raw[max(pos - 1, 0) : pos + 300]).decode("utf-8", errors="replace")
            if _TENSOR.match(window, 1 if pos else 0):
                return True
            pos = raw.find(needle, pos + len(needle))
        else:
            return True
    return False


def _scan(raw, head_end: int, first: bytes, delim: bytes) -> bool | None:
    """The body checked without a copy (a memory map or bytes): None when the exact path must read the file (CR or
    CR-CR-LF line ends, padding after a value, the header row again further down: a restarted run appended to the
    file), else whether the file holds a space or a tab at all (without any, pandas need not look for padding
    before a value). Single bytes are looked for with ``find`` (memchr speed); the few checks that need more (a
    CR, a space, every letter of the first header name present) then look closer, a few MB at a time."""
    n = len(raw)
    if raw.find(b"\r", head_end) != -1 and _lone_cr(raw, head_end):
        return None
    spaces = raw.find(b" ", head_end) != -1 or raw.find(b"\t", head_end) != -1
    if spaces:
        padding = [b" " + delim, b" \n", b" \r"] + ([b"\t\n"] if delim != b"\t" else [])
        for pos in range(head_end, n, _SCAN_CHUNK):
            chunk = raw[pos : pos + _SCAN_CHUNK + 1]  # bytes.find: mmap.find is 5-10x slower for two bytes
            if any(chunk.find(p) != -1 for p in padding):
                return None
    # A byte of the first name missing from the body rules a repeated header out (numbers hold few letters).
    if all(raw.find(bytes([c]), head_end) != -1 for c in set(first)):
        repeat = re.compile(rb"\n[ \t\"']*" + re.escape(first) + rb"[ \t\"']*(?:" + re.escape(delim) + rb"|\r?\n)")
        if repeat.search(raw, head_end):
            return None
    return spaces


def _lone_cr(raw, start: int) -> bool:
    """Whether a CR after ``start`` is not followed by LF (the last byte is a LF), a few MB at a time with numpy
    over the buffer itself: no copy, twice as fast as a regex and three times ``bytes.count``."""
    a = np.frombuffer(raw, dtype=np.uint8)
    try:
        last = len(a) - 1
        for pos in range(start, last, _SCAN_CHUNK):
            stop = min(last, pos + _SCAN_CHUNK)
            if np.any((a[pos:stop] == 13) > (a[pos + 1 : stop + 1] == 10)):
                return True
        return False
    finally:
        del a  # a view of a memory map must go before the map is closed


#: How much of a file one ``_scan`` step looks at (for a copy, or numpy's temporaries: a few times this much).
_SCAN_CHUNK = 8 << 20


_LEADING_BLANKS = re.compile(rb"[ \t\r\n\f\v]*")


#: Below this size the line-by-line path is as fast and gives line numbers for messages.
QUICK_MIN_CHARS = 1 << 20


class _Cells:
    """The cells of a column parsed as numbers, as text only if someone asks (messages): a million-row log does
    not hold a Python string per cell."""

    def __init__(self, num: Numeric) -> None:
        self.num = num

    def __len__(self) -> int:
        return len(self.num.values)

    def __getitem__(self, i: int) -> str:
        return repr(float(self.num.values[i])) if self.num.present[i] else ""

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def _fast_numeric_table(
    buf: str | io.BytesIO,
    delim: str,
    nrows: int | None,
    notes: list[str],
    lines: list[int] | None,
    skip_spaces: bool = True,
) -> Table | None:
    """The common case in one C-speed pass: pandas parses the numbers itself, and only an empty cell becomes NaN
    (so NaN means "no value" and the rows of sparse logs stay apart from logged NaN). A column pandas cannot read
    as numbers (a logged "nan" spelled as text, timestamps, names) is handed to the exact cell-by-cell path; a
    table pandas cannot parse at all returns None and the caller takes that path for everything."""
    import warnings

    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DtypeWarning: a column of mixed types is read as text, below
            df = pd.read_csv(
                buf,  # a path or bytes: a StringIO of ASCII text takes 4 bytes a character
                sep=delim,
                skipinitialspace=skip_spaces,  # padding before a value; costs 15% when there can be none
                quotechar='"',
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8",
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error):
        return None
    if (nrows is not None and len(df) != nrows) or len(df.columns) == 0 or not isinstance(df.index, pd.RangeIndex):
        return None  # rows with extra fields shifted into an index, or lines pandas merged: the exact path decides
    columns: list[str] = []
    cells: dict[str, object] = {}
    numeric: dict[str, Numeric | None] = {}
    for name, col in zip(_dedupe([_clean_name(str(c)) for c in df.columns]), (df[c] for c in df.columns)):
        columns.append(name)
        if col.dtype.kind in "fiub":
            # float64 columns as they are (a view; empty cells are already NaN), the others converted.
            values = col.to_numpy() if col.dtype == np.float64 else col.to_numpy(dtype=np.float64, na_value=np.nan)
            present = ~np.isnan(values)
            num = Numeric(values, present, np.zeros(len(values), dtype=bool)) if present.any() else None
            numeric[name] = num
            cells[name] = _Cells(num) if num is not None else [""] * len(values)
        else:
            text = col.to_numpy(dtype=object)
            cells[name] = ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in text]
    table = Table(columns=columns, cells=cells, nrows=len(df), notes=notes, lines=lines)
    table._numeric.update(numeric)
    return table


def _compact(line: str) -> str:
    return line.replace(" ", "").replace('"', "").replace("'", "").replace("\t", "").lower()


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n.lower().startswith("unnamed:"):
            n = ""
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


# --------------------------------------------------------------------------------------------------- building


def table_run(
    table: Table,
    source: Source,
    fmt: str,
    *,
    step_col: str | None,
    epoch_col: str | None,
    metric_split: str = "train",
    default_epochs: bool = False,
    exclude: tuple[str, ...] = (),
    role_names: dict[str, str] | None = None,
    one_run: bool = False,
) -> Run:
    """One Run from a table: every numeric column that is not an axis or bookkeeping becomes a series keeping only
    its non-empty cells, with the step/epoch of each of those rows. Raises InputError if there is none at all (a run
    without a loss is returned: the caller may name one with --train/--val). ``role_names``: a column -> the name
    whose role it has (``build_series(role_name=...)``), for columns whose own name says nothing. ``one_run``: the
    rows of one run of a table that holds several (``table_runs``)."""
    role_names = role_names or {}
    run = Run(source=source.label, format=fmt)
    run.notes.extend(table.notes)
    steps = _axis(table, step_col, source, "step")
    epochs = _axis(table, epoch_col, source, "epoch")
    # A row whose step/epoch cell is garbled text cannot be placed: the whole row is skipped.
    drop = np.zeros(table.nrows, dtype=bool)
    for col in (step_col, epoch_col):
        if col is not None:
            drop |= table.numeric_full(col).garbled
            note = table.garbled_note(col, "row(s)")
            if note:
                run.notes.append(note)
    if epochs is None and steps is None and default_epochs:
        epochs = np.arange(table.nrows, dtype=np.float64)
    skip = {c for c in (step_col, epoch_col) if c is not None} | set(exclude)
    layout = long_layout(table, skip)
    if layout is not None:
        return _long_run(run, table, source, layout, steps, epochs, drop, metric_split)
    by_split = split_rows(table, skip, source, one_run)
    if by_split is not None:
        return _split_run(run, table, source, by_split, skip, steps, epochs, drop, metric_split)
    for col in table.columns:
        if col in skip or not col or is_bookkeeping(col):
            continue
        num = table.numeric(col)
        if num is None:
            if _list_cells(table.cells[col]) is not None:
                run.notes.append(f"{col}: every cell a list of numbers ({table.text_example(col)[7:-1]}), not one "
                                 "value a row; left out")
                continue
            role = resolve(role_names.get(col) or col, metric_split=metric_split)
            if role.kind == "loss":
                raise InputError(
                    source.label, f"loss column {col!r} holds text, not numbers{table.text_example(col)}"
                )
            continue  # a text column (run name, timestamp, notes): not a curve
        values, present = num
        if not present.any():  # every cell empty or NA: the curve was never logged (R's write.csv writes NA), or not
            # yet in a growing log (readers/follow.py adds its points when appended lines hold some)
            run.notes.append(f"{col}: {NO_VALUES}")
            continue
        note = table.garbled_note(col)
        if note:
            run.notes.append(note)
        if drop.any():
            present = present & ~drop
            if not present.any():
                continue
        if present.all():  # no copies of a column that is full (the usual case; 145 MB at 18M rows)
            s_values, s_steps, s_epochs = values, steps, epochs
        else:
            s_values = values[present]
            s_steps = None if steps is None else steps[present]
            s_epochs = None if epochs is None else epochs[present]
        if s_epochs is not None and not np.isfinite(s_epochs).any():
            s_epochs = None  # e.g. Lightning's lr-Adam rows carry a step but no epoch
        if s_steps is not None and not np.isfinite(s_steps).any():
            s_steps = None
        run.add(build_series(col, s_values, steps=s_steps, epochs=s_epochs, metric_split=metric_split,
                             role_name=role_names.get(col)))
    require_series(run, source.label, [c for c in table.columns if c])
    return run


# The long (tidy) layout: one row per (step/epoch, metric[, split]) with the number in a value column, as
# ``df.melt()`` or a hand-written logger writes it (``epoch,split,metric,value`` / ``1,train,loss,0.78``).
_VALUE_NAMES = ("value", "values", "metric_value", "scalar_value")
_METRIC_KEYS = ("metric", "metric_name", "metrics", "name", "key", "tag", "measure", "variable", "scalar")
_SPLIT_KEYS = ("split", "phase", "mode", "stage", "subset", "set", "partition", "data_split", "dataset")


@dataclass(frozen=True)
class LongLayout:
    value: str
    metric: str
    split: str | None


def long_layout(table: Table, axes: set[str]) -> LongLayout | None:
    """The columns of a long table: a numeric value column, a text metric column (metric/name/key/tag...), maybe a
    text split column (split/phase/mode...), a step or epoch column among ``axes``, and no other numeric column
    that is not bookkeeping (a table with more numbers is a wide table, read column by column). None otherwise."""
    if not axes:
        return None
    value, metric, split = table.find(_VALUE_NAMES), table.find(_METRIC_KEYS), table.find(_SPLIT_KEYS)
    if value is None or metric is None or value in axes or metric in axes or table.numeric(value) is None:
        return None
    if table.numeric(metric) is not None:
        return None  # numbers, not names
    if split is not None and (split in axes or table.numeric(split) is not None):
        split = None
    for col in table.columns:
        if col in axes or col in (value, metric, split) or not col or is_bookkeeping(col):
            continue
        num = table.numeric(col)
        if num is not None and num[1].any():
            return None
    return LongLayout(value, metric, split)


def _long_run(
    run: Run,
    table: Table,
    source: Source,
    layout: LongLayout,
    steps: np.ndarray | None,
    epochs: np.ndarray | None,
    drop: np.ndarray,
    metric_split: str,
) -> Run:
    """The run of a long table: one series per (split, metric), named ``<split>_<metric>`` (``train_loss``,
    ``val_loss``) or ``<metric>`` without a split, so that the naming table gives each its role."""
    values, present = table.numeric(layout.value)
    note = table.garbled_note(layout.value)
    if note:
        run.notes.append(note)
    metrics = table.cells[layout.metric]
    splits = table.cells[layout.split] if layout.split is not None else None
    rows: dict[str, list[int]] = {}
    names: dict[tuple[str, str], str] = {}  # each (split, metric) cell pair named once, not once a row
    for i in np.flatnonzero(present & ~drop).tolist():
        pair = (str(splits[i]) if splits is not None else "", str(metrics[i]))
        name = names.get(pair)
        if name is None:
            name = names[pair] = _long_name(*pair)
        if name:
            rows.setdefault(name, []).append(i)
    for name, idx in rows.items():
        at = np.asarray(idx)
        s_steps = None if steps is None or not np.isfinite(steps[at]).any() else steps[at]
        s_epochs = None if epochs is None or not np.isfinite(epochs[at]).any() else epochs[at]
        run.add(build_series(name, values[at], steps=s_steps, epochs=s_epochs, metric_split=metric_split))
    keys = f"{layout.split!r} and {layout.metric!r}" if layout.split else repr(layout.metric)
    run.notes.append(f"long table: one series per {keys}, values from {layout.value!r}")
    require_series(run, source.label, [c for c in table.columns if c])
    return run


def _split_column(table: Table, axes: set[str], one_run: bool = False) -> tuple[str, list[str]] | None:
    """(the split column, the split word of each row) of a table whose rows alternate between splits: a text column
    named split/phase/mode... holding a split word (train, val, test...) on every row, two or more of them (one is
    enough in the rows of one run of a table already known to hold several, ``one_run``)."""
    col = table.find(_SPLIT_KEYS)
    if col is None or col in axes or table.numeric(col) is not None:
        return None
    cells = [str(c).strip() for c in table.cells[col]]
    words = [split_word(c) for c in cells]
    if not cells or any(w is None for w in words) or len(set(words)) < (1 if one_run else 2):
        return None
    return col, [str(w) for w in words]


def _run_columns(table: Table, axes: set[str], split: str) -> list[str]:
    """The columns beside a split column that name several runs: a text column (``model`` ANN/SNN, ``stage``
    stage1/stage2, ``experiment``), or a column of whole numbers named like a row label (``seed``, ``fold``, ``run``),
    holding 2 to 50 values, fewer than half as many as there are rows (a timestamp or a note on each row names no
    run)."""
    out = []
    for other in table.columns:
        if other in (split, *axes) or not other:
            continue
        num = table.numeric(other)
        if num is not None:
            if normalise(other) not in _ROW_LABELS:
                continue
            values, present = num
            if not present.any() or not np.all(np.isfinite(values[present]) & (values[present] % 1 == 0)):
                continue
        values = {str(c).strip() for c in table.cells[other]} - {""}
        if 1 < len(values) <= 50 and len(values) < table.nrows // 2:
            out.append(other)
    return out


def split_rows(
    table: Table, axes: set[str], source: Source, one_run: bool = False
) -> tuple[str, dict[str, np.ndarray]] | None:
    """A table whose rows alternate between splits (``epoch,split,loss,accuracy`` / ``1,train,0.7,...`` then
    ``1,val,0.8,...``: pandas' long frame of a history): (the split column, split word -> its rows), when a text
    column named split/phase/mode... holds two or more split words (train, val, test...) on every row. Several runs
    in one such table (a column naming the model or run beside it, with more than one value) are not one curve
    each split: the readers that read them split the table first (``table_runs``); here an InputError says so
    rather than interleaving them. ``one_run``: the rows of one run of such a table, not checked again."""
    found = _split_column(table, axes, one_run)
    if found is None:
        return None
    col, words = found
    if not one_run:
        for other in _run_columns(table, axes, col)[:1]:
            values = {str(c).strip() for c in table.cells[other]} - {""}
            shown = ", ".join(sorted(values)[:5])
            raise InputError(
                source.label,
                f"rows of {len(values)} runs in one table (column {other!r}: {shown}) beside the {col!r} column: "
                "lossdoc reads one run per file; write one file per run",
            )
    rows: dict[str, np.ndarray] = {}
    for w in dict.fromkeys(words):
        rows[w] = np.flatnonzero(np.array([x == w for x in words]))
    return col, rows


def rows_by_run(table: Table, axes: set[str], source: Source) -> tuple[list[str], dict[tuple[str, ...], list[int]]] | None:
    """The runs of a table whose rows alternate between splits beside a column naming several runs
    (``epoch,model,split,loss`` with models ANN and SNN; ``stage,epoch,phase,loss`` with stage1 then stage2): (the
    columns that tell the runs apart, their values -> the rows of that run, in order of first appearance), or None
    for a table of one run. A second such column is kept only where it splits the runs further (``model`` and
    ``seed``; not ``model`` beside ``model_path``). An InputError where the runs cannot be told apart: a row with no
    value in such a column belongs to no run."""
    found = _split_column(table, axes) if long_layout(table, axes) is None else None  # (table_run's order)
    if found is None:
        return None
    cols = _run_columns(table, axes, found[0])
    if not cols:
        return None
    for col in cols:
        empty = [i for i, c in enumerate(table.cells[col]) if not str(c).strip()]
        if empty:
            values = sorted({str(c).strip() for c in table.cells[col]} - {""})
            where = f" (line {table.lines[empty[0]]})" if table.lines else ""
            raise InputError(
                source.label,
                f"rows of {len(values)} runs in one table (column {col!r}: {', '.join(values[:5])}) beside the "
                f"{found[0]!r} column, and {len(empty)} row(s) with no {col!r}{where}: which run they belong to "
                "cannot be told; write one file per run",
            )
    kept: list[str] = []
    groups: dict[tuple[str, ...], list[int]] = {(): list(range(table.nrows))}
    for col in cols:
        cells = [str(c).strip() for c in table.cells[col]]
        finer: dict[tuple[str, ...], list[int]] = {}
        for key, idx in groups.items():
            for i in idx:
                finer.setdefault((*key, cells[i]), []).append(i)
        if len(finer) > len(groups):
            kept.append(col)
            groups = finer
    groups = dict(sorted(groups.items(), key=lambda kv: kv[1][0]))
    return kept, groups


def table_runs(table: Table, source: Source, fmt: str, **kwargs) -> list[Run]:
    """``table_run`` of each run of a table that holds several beside its split column (``rows_by_run``), named
    ``<file> (<column>=<value>)`` as the runs of one file are; ``[table_run(...)]`` of any other table. Each run
    keeps its per-split series (``train_loss``, ``test_loss``) on the axis of its own rows."""
    axes = {c for c in (kwargs.get("step_col"), kwargs.get("epoch_col")) if c is not None}
    by_run = rows_by_run(table, axes | set(kwargs.get("exclude", ())), source) if axes else None
    if by_run is None:
        return [table_run(table, source, fmt, **kwargs)]
    cols, groups = by_run
    base = Path(source.label).name or source.label
    exclude = tuple(kwargs.pop("exclude", ())) + tuple(cols)
    runs = []
    for k, (key, idx) in enumerate(groups.items(), start=1):
        part = Table(columns=list(table.columns), cells={c: [table.cells[c][i] for i in idx] for c in table.columns},
                     nrows=len(idx), notes=list(table.notes),
                     lines=None if table.lines is None else [table.lines[i] for i in idx])
        run = table_run(part, source, fmt, exclude=exclude, one_run=True, **kwargs)
        said = ", ".join(f"{c}={v}" for c, v in zip(cols, key))
        run.name = f"{base} ({said})"
        run.notes.append(f"run {k} of {len(groups)} in one table: the {len(idx)} row(s) with {said}")
        runs.append(run)
    return runs


def _split_run(
    run: Run,
    table: Table,
    source: Source,
    by_split: tuple[str, dict[str, np.ndarray]],
    skip: set[str],
    steps: np.ndarray | None,
    epochs: np.ndarray | None,
    drop: np.ndarray,
    metric_split: str,
) -> Run:
    """One series per numeric column and split (``train_loss``, ``val_loss``, ``val_accuracy``), from the rows
    of that split."""
    col, rows = by_split
    for name in table.columns:
        if name in skip or name == col or not name or is_bookkeeping(name):
            continue
        num = table.numeric(name)
        if num is None:
            continue
        values, present = num
        for split, idx in rows.items():
            at = idx[present[idx] & ~drop[idx]]
            if not len(at):
                continue
            s_steps = None if steps is None or not np.isfinite(steps[at]).any() else steps[at]
            s_epochs = None if epochs is None or not np.isfinite(epochs[at]).any() else epochs[at]
            run.add(build_series(_long_name(split, name), values[at], steps=s_steps, epochs=s_epochs,
                                 metric_split=metric_split))
    run.notes.append(f"rows by split (column {col!r}: {', '.join(rows)}): one series per column and split")
    require_series(run, source.label, [c for c in table.columns if c])
    return run


def _long_name(split: str, metric: str) -> str:
    """``<split>_<metric>``; the metric alone when there is no split or the metric already names it
    (``train``, ``train_loss``); "" for a row without a metric."""
    split, metric = _clean_name(split), _clean_name(metric)
    if not metric or not split or normalise(metric).startswith(normalise(split) + "_"):
        return metric
    return f"{split}_{metric}"


def _axis(table: Table, col: str | None, source: Source, what: str) -> np.ndarray | None:
    if col is None:
        return None
    num = table.numeric(col)
    if num is None:
        raise InputError(
            source.label, f"the {what} column {col!r} holds text, not numbers{table.text_example(col)}"
        )
    values, present = num
    return np.where(present, values, np.nan)


def _norm_names(names: list[str]) -> list[str]:
    return [normalise(n) for n in names]


def _has_loss(names: list[str], metric_split: str = "train") -> bool:
    return any(resolve(n, metric_split=metric_split).kind == "loss" for n in names if n)


def _sparse(rows: list[list[str]], width: int) -> bool:
    return any(len(r) < width or any(c == "" for c in r) for r in rows)


# --------------------------------------------------------------------------------------------------- readers


def _aligned_table(source: Source) -> Table:
    """A table whose columns are aligned with spaces (fastai's printed progress table): every line split on
    whitespace; a row with more fields than the header, or a header-like line repeated (a second fit), is left
    out with a note."""
    lines = [ln for ln in source.text().split("\n") if ln.strip()]
    header = [_clean_name(c) for c in lines[0].split()]
    cells: dict[str, list[str]] = {c: [] for c in header}
    rows, skipped, repeated = 0, 0, 0
    for ln in lines[1:]:
        parts = ln.split()
        if [p.lower() for p in parts] == [h.lower() for h in header]:
            repeated += 1
            continue
        if len(parts) > len(header) or not parts or not _NUM.match(parts[0]):
            skipped += 1
            continue
        parts += [""] * (len(header) - len(parts))
        for c, v in zip(header, parts):
            cells[c].append(v)
        rows += 1
    if rows == 0:
        raise InputError(source.label, "only a header row, no data rows")
    notes = ["columns aligned with spaces (a printed table) split on whitespace"]
    if skipped:
        notes.append(f"{skipped} line(s) that are not rows of the table skipped")
    if repeated:
        notes.append(f"the header repeats {repeated} time(s) (several fits printed one after another): rows read "
                     "in file order")
    return Table(columns=header, cells=cells, nrows=rows, notes=notes)


def _label_value_head(names: list[str], rows: list[list[str]]) -> bool:
    """``Loss, 10.42`` lines: a label and a number on every line, no header (the numbers reader's)."""
    return (len(names) == 2 and bool(NUMBER_TOKEN.fullmatch(names[1])) and bool(rows)
            and all(r and r[0] == names[0] for r in rows))


class FastaiCsvReader(Reader):
    name = "fastai"
    description = "fastai CSVLogger (epoch, train_loss, valid_loss, metrics..., time); metrics are validation"
    example = "history.csv"
    priority = 30

    def sniff(self, head: bytes, path: Path | None) -> bool:
        t = head_table(head, comments=False)
        names = _norm_names(t[0]) if t is not None else []
        if len(names) < 2:
            # The table fastai prints (Learner.fit's progress output, copied into a log): columns aligned with
            # spaces, "epoch     train_loss  valid_loss  accuracy  time".
            first = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n").split("\n", 1)[0]
            names = _norm_names(first.split())
        # "valid_loss" next to "train_loss" is fastai's own spelling (its "time" column, "00:03", is text). fastai
        # writes no step column: a table with one (Lightning's metrics.csv of a module that logs "valid_loss",
        # sparse rows on a step axis) is not fastai's.
        return (bool(names) and names[0] == "epoch" and "train_loss" in names and "valid_loss" in names
                and not any(n in _STEP_NAMES for n in names))

    def read(self, source: Source) -> list[Run]:
        table = load_table(source)
        if len(table.columns) == 1 and len(table.columns[0].split()) > 1:
            table = _aligned_table(source)
        epoch = table.find(_EPOCH_NAMES)
        run = table_run(table, source, self.name, step_col=None, epoch_col=epoch, metric_split="val")
        if epoch is None:
            run.notes.append("no epoch column: epochs numbered 0..n-1")
        return [run]


class UltralyticsReader(Reader):
    name = "ultralytics"
    description = "Ultralytics YOLO results.csv (train/box_loss, val/box_loss, metrics/mAP50-95(B), lr/pg0)"
    example = "runs/detect/train/results.csv"
    priority = 30

    def sniff(self, head: bytes, path: Path | None) -> bool:
        t = head_table(head, comments=False)
        if t is None:
            return False
        names = [n.strip().lower() for n in t[0]]
        # YOLOv10 names its six loss parts train/box_om ... train/dfl_oo (no "_loss"): see naming.py.
        train_loss = any(n.startswith("train/") and (n.endswith("_loss") or re.fullmatch(r"train/(box|cls|dfl)_o[mo]", n))
                         for n in names)
        other = any(n.startswith(("metrics/", "val/", "lr/pg")) for n in names)
        # Ultralytics writes one row per epoch and no step column: a table with one is a Lightning CSVLogger's
        # metrics.csv whose module logs "train/loss"-style keys (an RL module's train/value_loss, val/reward).
        return train_loss and other and "step" not in names

    def read(self, source: Source) -> list[Run]:
        table = load_table(source)
        _blank_unvalidated_epochs(table)
        epoch = table.find(_EPOCH_NAMES)
        run = table_run(table, source, self.name, step_col=None, epoch_col=epoch, default_epochs=True)
        if epoch is None:
            run.notes.append("no epoch column: epochs numbered 0..n-1")
        return [run]


def _blank_unvalidated_epochs(table: Table) -> None:
    """Ultralytics trained with ``val=False`` writes 0 for every validation loss and metric at each epoch and
    validates once after the last: rows where every ``val/*`` and ``metrics/*`` cell is exactly 0 measured nothing.
    Their cells are made empty (absent, as in a sparse table), with a note; a real validation never gives all its
    losses and metrics exactly 0. Validation losses exactly 0 at every epoch (3 or more; the metrics real: a YOLOv9
    fork's train.py) were never computed: left out too."""
    cols = [c for c in table.columns if c.lower().startswith(("val/", "metrics/"))]
    if not any(c.lower().startswith("val/") for c in cols):
        return
    nums = [table.numeric(c) for c in cols]
    if any(n is None for n in nums):
        return
    zero = np.ones(table.nrows, dtype=bool)
    for values, present in nums:
        zero &= present & (values == 0)
    if zero.any():
        for c in cols:
            cells = table.cells[c]
            for i in np.flatnonzero(zero):
                cells[i] = ""
            table._numeric.pop(c, None)
        k = int(zero.sum())
        table.notes.append(f"{k} of {table.nrows} epoch(s) with every validation loss and metric exactly 0 "
                           "(Ultralytics trained with val=False writes 0 until it validates): not validated there, "
                           "left out")
    # A training script that computes the val metrics but not the val losses (a YOLOv9 fork's train.py writes the
    # mAPs and 0 for val/box_loss, val/cls_loss, val/dfl_loss at every epoch): losses exactly 0 at every epoch they
    # were written (3 or more) were never computed. They are left out (no val loss), with a note.
    losses = [c for c in cols if c.lower().startswith("val/") and "loss" in c.lower()]
    nums = {c: table.numeric(c) for c in losses}
    if losses and all(n is not None and n[1].sum() >= 3 and np.all(n[0][n[1]] == 0) for n in nums.values()):
        for c in losses:
            table.cells[c] = [""] * table.nrows
            table._numeric.pop(c, None)
        table.notes.append(f"{', '.join(losses)}: exactly 0 at every epoch (the training script did not compute the "
                           "validation losses; a real loss is never 0 throughout): left out, no val loss")


class LightningCsvReader(Reader):
    name = "lightning-csv"
    description = "PyTorch Lightning CSVLogger metrics.csv (epoch and step columns, sparse rows, *_step/*_epoch)"
    example = "lightning_logs/version_0/metrics.csv"
    priority = 32

    def sniff(self, head: bytes, path: Path | None) -> bool:
        t = head_table(head, comments=False)
        if t is None:
            return False
        names = _norm_names(t[0])
        if "epoch" not in names or "step" not in names:
            return False
        suffixed = any(n.endswith(("_step", "_epoch")) and n not in ("global_step",) for n in names)
        # Lightning writes the metric keys sorted or in logging order, never with the step counter first; a
        # hand-written tidy CSV almost always starts with its axis column.
        axis_first = names[0] in ("epoch", "step")
        return suffixed or _sparse(t[1], len(names)) or not axis_first

    def read(self, source: Source) -> list[Run]:
        table = load_table(source)
        step, epoch = table.find(("step",)), table.find(_EPOCH_NAMES)
        test_rows = _test_loop_rows(table, step, epoch)
        if test_rows is None:
            return [_evals_on_steps(table_run(table, source, self.name, step_col=step, epoch_col=epoch))]
        keep = np.flatnonzero(~test_rows).tolist()
        cols = [c for c in table.columns if c and c not in (step, epoch) and table.numeric(c) is not None
                and table.numeric(c)[1][test_rows].any()]
        columns = [c for c in table.columns if c not in cols or table.numeric(c)[1][~test_rows].any()]
        trimmed = Table(columns=columns, cells={c: [table.cells[c][i] for i in keep] for c in columns},
                        nrows=len(keep), notes=list(table.notes),
                        lines=None if table.lines is None else [table.lines[i] for i in keep])
        run = table_run(trimmed, source, self.name, step_col=step, epoch_col=epoch)
        run.notes.append(f"{int(test_rows.sum())} row(s) with an empty {epoch!r} after the training rows, their "
                         f"{step!r} counting again from {_first_step(table, step, test_rows):g} (the test loop's "
                         f"batches: {', '.join(cols) or 'no values'}) left out: they are not on the training axis")
        return [_evals_on_steps(run)]


def _evals_on_steps(run: Run) -> Run:
    """Lightning's evaluation rows carry the global step beside the epoch. A series with one such row per epoch
    reads on the epoch axis (``Series.axis``), which is right when the evaluations fall at the same place in every
    epoch (its end); when their steps are not evenly spread over the epochs (``val_check_interval`` mid-epoch, a
    run resumed from a checkpoint, a ``trainer.validate()`` after fitting, one step after the last epoch's), the
    epoch axis puts them where they were not: they are read on the step axis, where their rows place them, beside a
    train loss logged per step (the epochs are left out of those series). Train series logged once an epoch
    (``train_loss_epoch``) are epoch means: they stay on the epoch axis."""
    if not any(s.axis == "step" and s.kind == "loss" for s in run.series.values()):
        return run
    moved = []
    for name, s in list(run.series.items()):
        if s.split == "train" or s.axis != "epoch" or s.steps is None or s.epochs is None or len(s) < 3:
            continue
        x, e = s.steps, s.epochs
        if not (np.isfinite(x).all() and np.isfinite(e).all()) or np.any(np.diff(x) < 0):
            continue
        gap = float(np.median(np.diff(x)))
        fit = np.polyfit(e, x, 1)
        if gap > 0 and float(np.max(np.abs(np.polyval(fit, e) - x))) > 0.25 * gap:
            run.series[name] = replace(s, epochs=None)
            moved.append(name)
    if moved:
        run.notes.append(f"{', '.join(moved)}: evaluated at steps not evenly spread over the epochs (not each at the "
                         "same place in its epoch): read on the step axis, where the rows place them")
    return run


def _first_step(table: Table, step: str, rows: np.ndarray) -> float:
    return float(table.numeric(step)[0][np.flatnonzero(rows)[0]])


def _test_loop_rows(table: Table, step: str | None, epoch: str | None) -> np.ndarray | None:
    """The rows of a Lightning metrics.csv that ``trainer.test()`` wrote after training (a mask), or None: one block
    of rows with a step but an empty epoch cell, whose step goes back below the steps of the rows with an epoch
    before it (the test loop's ``*_step`` logs count its own batches from 0), with no other such row after it and
    no row without an epoch before training's first (a validation loop logged that way, block after block, is
    not the test loop's). The learning-rate monitor's rows (a step, no epoch, the step going on) are not such rows."""
    if step is None or epoch is None:
        return None
    s_num, e_num = table.numeric(step), table.numeric(epoch)
    if s_num is None or e_num is None:
        return None
    steps, has_step = s_num
    has_epoch = e_num[1]
    loose = has_step & ~has_epoch
    if not loose.any() or not has_epoch.any():
        return None
    top = np.maximum.accumulate(np.where(has_epoch & has_step, steps, -np.inf))
    restart = loose & (steps < top)
    if not restart.any():
        return None
    first = int(np.argmax(restart))
    after = np.flatnonzero(~loose[first:])
    end = first + (int(after[0]) if len(after) else len(loose) - first)
    if restart[end:].any():
        return None
    start = int(np.argmax(has_epoch))
    for col in table.columns:
        if col in (step, epoch) or not col or resolve(col).kind == "lr":
            continue
        num = table.numeric(col)
        if num is not None and (num[1][:start] & loose[:start]).any():
            return None
    mask = np.zeros(table.nrows, dtype=bool)
    mask[first:end] = True
    return mask


class KerasCsvLoggerReader(Reader):
    name = "keras-csvlogger"
    description = "Keras CSVLogger (epoch, loss, val_loss, accuracy, ...); epochs as written (0-based)"
    example = "training.log"
    priority = 34

    def sniff(self, head: bytes, path: Path | None) -> bool:
        t = head_table(head, comments=False)
        if t is None:
            return False
        names = _norm_names(t[0])
        if len(names) < 2 or names[0] != "epoch" or any(n in _STEP_NAMES for n in names):
            return False
        # Keras names the train loss plain "loss" and never prefixes train metrics with "train_".
        return "loss" in names and not any(n.startswith("train_") for n in names)

    def read(self, source: Source) -> list[Run]:
        table = load_table(source)
        return table_runs(table, source, self.name, step_col=None, epoch_col=table.find(_EPOCH_NAMES))


class KerasHistoryCsvReader(Reader):
    name = "keras-history-csv"
    description = "pd.DataFrame(history.history).to_csv(): Keras metric names, with or without an index column"
    example = "history.csv"
    priority = 36

    def sniff(self, head: bytes, path: Path | None) -> bool:
        t = head_table(head, comments=False)
        if t is None:
            return False
        if _label_value_head(t[0], t[1]):
            return False
        names = _norm_names(t[0])
        if names and names[0] in ("", "unnamed_0"):
            names = names[1:]
            if not all(r and re.fullmatch(r"\d+", r[0]) for r in t[1]):
                return False
        if not names or "loss" not in names:
            return False
        at = t[0].index(next(c for c in t[0] if normalise(c) == "loss"))
        if any(len(r) > at and r[at].strip().startswith("[") for r in t[1]):
            return False  # lists of losses in the cells (one run per row): the csv reader's
        return not any(n in _STEP_NAMES or n in _EPOCH_NAMES or n in _BATCH_NAMES or not n for n in names)

    def read(self, source: Source) -> list[Run]:
        table = load_table(source)
        index = table.columns[0] if table.columns and table.columns[0] == "" else None
        run = table_run(table, source, self.name, step_col=None, epoch_col=index, default_epochs=True)
        if index is None:
            run.notes.append("no index column: epochs numbered 0..n-1, as Keras' history lists are")
        return [run]


def _numberish(cell: str) -> bool:
    """A number, or a list of numbers starting with one (``[0.61, 0.65]``, a list in a DataFrame cell)."""
    if cell.startswith("["):
        cell = cell[1:].split(",", 1)[0].rstrip("]").strip()
    return bool(_NUM.match(cell))


def gan_side_losses(names: list[str], label: str) -> dict[str, str]:
    """Columns that name only a GAN's two sides (``discriminator,generator``: ``pd.DataFrame({"discriminator": d,
    "generator": g}).to_csv(index=False)``, the two losses of each epoch) -> the name whose role they have, the
    train loss; base.gan_losses keeps them apart (never summed) by their own names (``naming.gan_side``). Empty when
    some name already names a loss, the file's name names a metric, or the columns other than the step/epoch and
    bookkeeping ones are not all one side or the other, both sides among them."""
    if any(resolve(n).kind == "loss" for n in names if n) or file_names_a_metric(label):
        return {}
    curves = [n for n in names if n and not is_bookkeeping(n) and n.lower() not in _STEP_NAMES + _EPOCH_NAMES]
    sides = [gan_side(n) for n in curves]
    if len(curves) < 2 or None in sides or set(sides) != {"gen", "dis"}:
        return {}
    return {n: "train_loss" for n in curves}


def gan_side_note(cols) -> str:
    return (f"{', '.join(cols)}: named only after a GAN's generator or discriminator, read as its train losses "
            "(name another series with --train / --val)")


class CsvReader(Reader):
    name = "csv"
    description = ("any tidy CSV/TSV whose columns name losses/metrics; optional step/iter/epoch column (or an RL "
                   "table's total_timesteps/update); also "
                   "whitespace tables under a header of names ('# epoch train_loss val_loss', as np.savetxt writes; "
                   "pandas' to_string, tabulate), Markdown pipe tables")
    example = "metrics.csv"
    priority = 80

    def sniff(self, head: bytes, path: Path | None) -> bool:
        t = head_table(head)
        if t is None:
            return False
        names, rows, _ = t
        if _label_value_head(names, rows):
            return False
        # Data rows should hold numbers somewhere (a prose file whose first line says "loss" is not a table).
        numeric = sum(1 for r in rows for c in r if _numberish(c.strip().strip('"')))
        if _has_loss(names):
            return numeric > 0 or not rows
        # No column names a loss, but a step/epoch column and numeric rows make it a log of curves (the user may
        # name the loss with --train/--val); a data set's CSV has no such column.
        norm = _norm_names(names)
        has_axis = any(n in _STEP_NAMES or n in _EPOCH_NAMES for n in norm)
        # Columns named only after splits (train, valid, beside pandas' unnamed index) are one quantity per
        # split over the rows (a losses.csv of per-epoch train/valid losses); a data set's columns name features.
        named = [n for n in norm if n]
        splits = [n for n in named if split_word(n)]
        # (a "total"/"sum" column beside them is their sum: ",ep,train,valid,total")
        by_split = len(splits) >= 2 and all(split_word(n) or n in _SUM_NAMES for n in named)
        # Columns named only after a GAN's sides (discriminator,generator: its two losses), whatever the extension.
        gan = bool(gan_side_losses(names, str(path or "")))
        return (has_axis or by_split or gan) and len(names) >= 2 and bool(rows) and numeric >= len(rows)

    def read(self, source: Source) -> list[Run]:
        table = load_table(source)
        by_row = _list_rows(table, source, self.name)
        if by_row is not None:
            return by_row
        by_epoch = _list_epochs(table, source, self.name)
        if by_epoch is not None:
            return [by_epoch]
        step = table.find(_STEP_NAMES + _RL_STEP_NAMES)
        epoch = table.find(_EPOCH_NAMES)
        batch_note = None
        if step is None and (batch := _batch_axis(table)):
            step = batch  # ",Batch,Loss,..." (one row per batch): the step axis, not Keras' epochs
            batch_note = _batches_counted_on(table, batch) if epoch is None else None
            batch_note = batch_note or f"{batch}: a batch counter, read as the step axis"
        episode = _episode_axis(table) if step is None and epoch is None else None
        step = step or episode
        summary_note = None
        if epoch is not None:
            table, summary_note = _summary_rows(table, epoch)
        results = _results_table(table, step, epoch, source)
        if results:
            raise NotALog(source.label, results)
        # Columns named only after their split (",train,valid" beside pandas' index; "epoch,train,val"), with no
        # column that names a loss and a file name that does not say it holds a metric: each split's loss.
        bare = {c: r for c, r in bare_split_losses(table.columns, source.label).items()
                if c not in (step, epoch) and table.numeric(c) is not None}
        total = _split_sum(table, bare) if len(bare) >= 2 else None
        # (a GAN side's column of text is refused as a loss column's is, not left out: the other side alone is no run)
        gan = {c: r for c, r in gan_side_losses(table.columns, source.label).items()
               if c not in (step, epoch)} if not bare else {}
        totals = {c: r for c, r in split_total_losses(table.columns, source.label).items()
                  if c not in (step, epoch)} if not bare and not gan else {}
        kwargs = {"step_col": step, "epoch_col": epoch, "role_names": {**bare, **gan, **totals},
                  "exclude": (total,) if total else ()}
        two = _interleaved_runs(table, epoch) if step is None and epoch is not None else None
        runs = table_runs(table, source, self.name, **kwargs) if two is None else _two_runs(table, source, self.name,
                                                                                             epoch, two, kwargs)
        for run in runs:
            if bare and any(c in run.series for c in bare):
                run.notes.append(bare_split_note(c for c in bare if c in run.series))
            if totals and any(c in run.series for c in totals):
                run.notes.append(f"{', '.join(c for c in totals if c in run.series)}: each split's total, read as "
                                 "that split's loss (no column names a loss; name another with --train / --val)")
            if gan and any(c in run.series for c in gan):
                run.notes.append(gan_side_note(c for c in gan if c in run.series))
            if total:
                run.notes.append(f"{total}: the sum of {' and '.join(bare)} at every row, not a curve of its own; "
                                 "left out")
            if step is None and epoch is None:
                run.notes.append("no step or epoch column: points numbered 0..n-1 in file order")
            if episode is not None:
                run.notes.append(f"no step or epoch column; {episode!r} counts up at every row (one row per episode): "
                                 "the step axis")
            if summary_note:
                run.notes.append(summary_note)
            if batch_note:
                run.notes.append(batch_note)
        return runs


#: Two runs interleaved in one epoch column: each at least this many rows, and the rows switching between them at
#: least ``INTERLEAVED_MIN_SWITCHES`` times (fewer is one run resumed or restarted: ``base.finish_run``'s business).
INTERLEAVED_MIN_ROWS = 3
INTERLEAVED_MIN_SWITCHES = 3


def _interleaved_runs(table: Table, col: str) -> tuple[list[int], list[int]] | None:
    """The rows of two runs writing to one CSV at once: the epoch column interleaves two sequences, each going up by
    1 at each of its rows (``7`` ``1 2 3 4 5 6`` ``8`` ``7 8 9 ...``: a run resumed at epoch 7 and a fresh one
    appending alternate rows). Each row goes to the sequence it continues; where it continues both (both at the same
    epoch), to the one that wrote the row before (runs write in bursts). (the rows of the run that wrote first, the
    other's), or None: an epoch that continues neither, an empty epoch cell, the same epoch on two adjacent rows
    (a train row then a val row of one epoch), or sequences that do not interleave (a run resumed or restarted after
    a crash: its rows after the first run's, left to ``finish_run``)."""
    num = table.numeric(col)
    if num is None or table.nrows < 2 * INTERLEAVED_MIN_ROWS:
        return None
    values, present = num
    if not present.all() or not np.all(np.isfinite(values)) or not np.all(values % 1 == 0):
        return None
    if np.any(values[1:] == values[:-1]) or np.all(values[1:] > values[:-1]):
        return None
    seqs: tuple[list[int], list[int]] = ([0], [])
    last = 0
    for i in range(1, table.nrows):
        fits = [k for k in (0, 1) if (seqs[k] and values[i] == values[seqs[k][-1]] + 1)]
        if not seqs[1] and not fits:
            fits = [1]  # the second run's first row
        if not fits:
            return None
        k = last if last in fits else fits[0]
        seqs[k].append(i)
        last = k
    a, b = seqs
    if min(len(a), len(b)) < INTERLEAVED_MIN_ROWS:
        return None
    which = np.zeros(table.nrows, dtype=int)
    which[b] = 1
    if int(np.count_nonzero(which[1:] != which[:-1])) < INTERLEAVED_MIN_SWITCHES:
        return None
    return a, b


def _two_runs(table: Table, source: Source, fmt: str, col: str, two: tuple[list[int], list[int]],
              kwargs: dict) -> list[Run]:
    """The two runs of an epoch column that interleaves them (``_interleaved_runs``), each read from its own rows,
    named ``<file> (run k of 2, epochs a-b)``."""
    base = Path(source.label).name or source.label
    runs = []
    epochs = table.numeric(col)[0]  # type: ignore[index]
    for k, idx in enumerate(two, start=1):
        lo, hi = f"{epochs[idx[0]]:g}", f"{epochs[idx[-1]]:g}"
        run = table_runs(_rows(table, idx), source, fmt, **kwargs)[0]
        run.name = f"{base} (run {k} of 2, epochs {lo}-{hi})"
        run.notes.append(f"run {k} of 2 whose rows interleave in one table: the epoch column {col!r} holds two "
                         f"sequences counting up by 1, their rows interleaved; this one the {len(idx)} row(s) of epochs "
                         f"{lo} to {hi} (first at line {table.lines[idx[0]] if table.lines else idx[0] + 2})")
        runs.append(run)
    return runs


#: Words a training log writes in its epoch column on the summary rows after a run's epochs (``final``, ``best``,
#: ``test``): not an epoch.
_AXIS_SUMMARY_WORDS = frozenset({"final", "best", "test", "summary", "last", "end", "mean", "avg", "average",
                                 "overall", "total", "eval", "evaluation", "result", "results", "min", "max"})


def _rows(table: Table, idx: list[int]) -> Table:
    """The table of the rows ``idx`` (in that order) of ``table``."""
    return Table(columns=list(table.columns), cells={c: [table.cells[c][i] for i in idx] for c in table.columns},
                 nrows=len(idx), notes=list(table.notes),
                 lines=None if table.lines is None else [table.lines[i] for i in idx])


def _summary_rows(table: Table, col: str) -> tuple[Table, str | None]:
    """A training log whose epoch column holds numbers on its epochs' rows and a summary word (``final``, ``best``,
    ``test``: ``_AXIS_SUMMARY_WORDS``) on a few rows after them (``1,cnn,0.67,...`` ``2,cnn,0.64,...`` then
    ``final,cnn_hmm,,,0.33``): (the table without the summary rows, a note naming how many and the word), or the
    table unchanged and None. The summary rows must close a run (be the last rows, or be followed by a row whose
    epoch is not past the one before them: the next model's first epoch) and be no more than the rows of numbers:
    a column of mostly words is a text column, refused as such (``_axis``)."""
    cells = table.cells[col]
    words = [str(c).strip().lower() for c in cells]
    summary = [i for i, w in enumerate(words) if w in _AXIS_SUMMARY_WORDS]
    if not summary:
        return table, None
    numbers: dict[int, float] = {}
    for i, w in enumerate(words):
        if i in summary or w in _ABSENT:
            continue
        if not _NUM.match(w):
            return table, None  # other text: left to the column's own reading (garbled cells, or refused)
        numbers[i] = float(w)
    if len(numbers) < len(summary) or len(numbers) < 2:
        return table, None
    is_summary = set(summary)
    for i in summary:
        j = i + 1
        while j < table.nrows and (j in is_summary or j not in numbers):
            j += 1
        if j >= table.nrows:
            continue  # the last rows
        before = [numbers[k] for k in range(i) if k in numbers]
        if before and numbers[j] > before[-1]:
            return table, None  # epochs go on after it: not a summary closing a run
    kept = [i for i in range(table.nrows) if i not in is_summary]
    named = ", ".join(repr(w) for w in dict.fromkeys(words[i] for i in summary))
    where = f", first at line {table.lines[summary[0]]}" if table.lines else ""
    note = (f"{len(summary)} summary row(s) with {named} in the epoch column {col!r} (not an epoch{where}): "
            "left out")
    return _rows(table, kept), note


#: Numeric columns that label a row of a results table (which seed, fold or run) rather than measure anything.
_ROW_LABELS = ("seed", "random_seed", "fold", "run", "trial", "repeat")


#: The cells of a column of flags (pandas writes a bool column as True/False): a yes/no of each row, never a label
#: naming a setting or a group of rows.
_BOOLEANS = frozenset({"true", "false"})

#: A column counting a reinforcement learner's episodes (one row per episode): the step axis of a table with no step
#: or epoch column, when it counts up at every row.
_EPISODE_NAMES = ("episode", "episodes")


def _episode_axis(table: Table) -> str | None:
    """The ``episode`` column of a table with one row per episode: whole numbers, finite, rising at every row; else
    None (an episode number that repeats over per-step rows is no axis)."""
    col = table.find(_EPISODE_NAMES)
    num = table.numeric(col) if col is not None else None
    if num is None or not num[1].all():
        return None
    v = num[0]
    if len(v) < 2 or not np.isfinite(v).all() or not np.all(v == np.round(v)) or not np.all(np.diff(v) > 0):
        return None
    return col


#: A results table with one row per setting holds at most this many rows (a log's rows are its epochs: more).
RESULTS_MAX_ROWS = 12

#: A setting's name in a results table's row (``sgd``, ``sam``, ``resnet-18``, ``lr_1e-3``): a word starting with a
#: letter, no spaces (a timestamp, a date or a sentence is no setting). Names that differ only in their numbers
#: (``epoch_1``, ``epoch_2``; ``ckpt-100``, ``ckpt-200``) count rows, they name no setting.
_SETTING = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]{0,39}")


def _batch_axis(table: Table) -> str | None:
    """The batch counter column (``_BATCH_NAMES``) when its numbers change from row to row, else None."""
    col = table.find(_BATCH_NAMES)
    num = table.numeric(col) if col is not None else None
    if num is None:
        return None
    vals = num[0][num[1]]
    return col if len(vals) >= 2 and np.isfinite(vals).all() and len(np.unique(vals)) > 1 else None


def _batches_counted_on(table: Table, col: str) -> str | None:
    """A batch counter column (``_batch_axis``) of a table with no epoch column that goes back (``timestamp,batch_idx,
    total_loss,...`` rows, batch_idx from 1 again at every epoch): the batches of the next epoch, not another training,
    so the counter is counted on across them (``base.count_on``), the table's column replaced by the counted steps.
    Only a header row repeated says a training was started again (a restarted run appended to the file): there the
    counter is left to go back (``finish_run`` keeps the latest training). Returns a note, or None when the counter
    never goes back within a stretch between headers."""
    num = table.numeric_full(col)
    if num is None:
        return None
    x = np.where(num.present, num.values, np.nan)
    starts = [0]
    if table.header_again and table.lines is not None:
        lines = np.asarray(table.lines)
        starts += [int(np.searchsorted(lines, h)) for h in table.header_again]
    out = x.copy()
    backs = 0
    for a, b in itertools.pairwise([*starts, len(x)]):
        seg = x[a:b]
        pos = np.flatnonzero(np.isfinite(seg))
        backs += int(np.sum(seg[pos][1:] < seg[pos][:-1]))
        out[a:b] = count_on(seg)
    if not backs:
        return None
    counted = Numeric(np.where(num.present, out, num.values), num.present, num.garbled)
    table._numeric[col] = counted
    table.cells[col] = _Cells(counted)
    again = " (where the header row is repeated, a training started again: left to go back)" if len(starts) > 1 else ""
    return (f"{col}: a batch counter, read as the step axis; it starts again {backs} time(s), at each epoch (no epoch "
            f"column): counted on across the epochs{again}")


def _results_table(table: Table, step: str | None, epoch: str | None, source: Source) -> str | None:
    """Why a table is a table of final results, not a training log, or None: no step or epoch column, and text
    columns whose labels take two or more values and repeat from row to row (``seed,model,condition,accuracy,nll``
    : one row per seed x model x condition, as a script's ``results/metrics.csv`` writes its evaluations), when
    they are not a split column (``split_rows``) nor a long layout's metric names (``long_layout``). Such rows are
    not points of one curve: numbering them 0..n-1 would draw a curve that never was. So is a table of a few rows
    (``RESULTS_MAX_ROWS``) each named by a setting in a text column, a different one on every row
    (``optimizer,id_loss,id_acc,ood_noise_loss`` / ``sgd,...`` / ``sam,...``: one row per optimizer)."""
    if step is not None or epoch is not None or table.nrows < 2:
        return None
    labels = []
    for col in table.columns:
        if not col or table.numeric(col) is not None:
            continue
        values = [c for c in table.cells[col] if c]
        if values and all(v.strip().lower() in _BOOLEANS for v in values):
            continue  # a flag of each row (stopped_early: True/False), no label of a setting
        distinct = len(set(values))
        repeated = len(values) == table.nrows and 2 <= distinct < len(values)
        settings = (len(values) == table.nrows == distinct <= RESULTS_MAX_ROWS
                    and all(_SETTING.fullmatch(v) for v in values)
                    and len({re.sub(r"[0-9]+", "", v) for v in values}) > 1)  # (not epoch_1, epoch_2: a counter)
        if repeated or settings:
            labels.append(col)
    if not labels or long_layout(table, set()) is not None or split_rows(table, set(), source) is not None:
        return None
    ids = [c for c in table.columns if c and c.strip().lower() in _ROW_LABELS and table.numeric(c) is not None]
    per = "/".join(repr(c)[1:-1][:30] for c in (ids + labels)[:4])
    return (f"a table of results (one row per {per}: text columns, no step or epoch), not a training log")


def _list_cells(cells) -> list[list[float]] | None:
    """The numbers of a column whose every non-empty cell is a Python/JSON list of numbers (``"[0.61, 0.65]"``,
    as pandas writes a list put in a DataFrame cell), else None. Parsed as number tokens: nothing is evaluated."""
    out = []
    for c in cells:
        c = str(c).strip()
        if not c:
            continue
        if not (c.startswith("[") and c.endswith("]")):
            return None
        tokens = [t.strip() for t in c[1:-1].split(",")]
        if tokens == [""]:
            tokens = []
        if not all(NUMBER_TOKEN.fullmatch(t) for t in tokens):
            return None
        out.append([float(t) for t in tokens])
    return out or None


def _list_rows(table: Table, source: Source, fmt: str) -> list[Run] | None:
    """``Model,Loss`` tables whose loss cells are lists of per-epoch losses, one row per model (a DataFrame of
    ``{"Model": names, "Loss": [losses_a, losses_b]}`` written by ``to_csv``): one run per row, named by the text
    column, each list column a series over epochs 0..n-1. None for any other table (a numeric column beside the
    lists: the lists are left out by ``table_run``)."""
    lists = {c: v for c in table.columns if c and (v := _list_cells(table.cells[c])) is not None}
    if not lists or not any(resolve(c).kind == "loss" for c in lists):
        return None
    text = [c for c in table.columns if c and c not in lists and table.numeric(c) is None]
    if any(c and c not in lists and c not in text for c in table.columns) or len(text) > 1:
        return None
    if any(len(v) != table.nrows for v in lists.values()):
        return None  # a row without its list
    names = [str(table.cells[text[0]][i]).strip() if text else "" for i in range(table.nrows)]
    runs = []
    for i in range(table.nrows):
        run = Run(source=source.label, format=fmt, name=names[i] or f"row {i + 1}")
        for col, rows in lists.items():
            if rows[i]:
                run.add(build_series(col, rows[i], epochs=np.arange(len(rows[i]), dtype=np.float64)))
        run.notes.append(f"row {i + 1} of {table.nrows}: {', '.join(lists)} read from a list of numbers, one per "
                         "epoch (0..n-1)" + (f"; the run named by {text[0]!r}" if text else ""))
        require_series(run, source.label, list(lists))
        runs.append(run)
    return runs


def _list_epochs(table: Table, source: Source, fmt: str) -> Run | None:
    """``Epoch,Train Loss`` tables whose loss cells are lists of that epoch's per-step losses, one row per epoch
    (``pd.DataFrame({"Epoch": epochs, "Train Loss": [losses_of_epoch_1, ...]}).to_csv(f, index=False)``, each list
    quoted by the csv module: ``1,"[4.25, 4.00, ...]"``): one run, each list column a series with one point per
    number on the step axis (0..n-1, counted on across rows), each at its row's epoch. None for any other table (a
    column beside them that is neither the epoch nor lists, an epoch cell missing, a row without its list)."""
    epoch = table.find(_EPOCH_NAMES)
    num = table.numeric(epoch) if epoch is not None else None
    if num is None or not num[1].all():
        return None
    lists = {c: v for c in table.columns if c and c != epoch and (v := _list_cells(table.cells[c])) is not None}
    if not lists or not any(resolve(c).kind == "loss" for c in lists):
        return None
    if any(c and c != epoch and c not in lists for c in table.columns):
        return None
    if any(len(v) != table.nrows or not all(v) for v in lists.values()):
        return None  # a row without its list, or an empty one
    run = Run(source=source.label, format=fmt)
    for col, rows in lists.items():
        values = [x for r in rows for x in r]
        es = [float(e) for e, r in zip(num[0], rows) for _ in r]
        run.add(build_series(col, values, steps=np.arange(len(values), dtype=np.float64),
                             epochs=np.asarray(es, dtype=np.float64)))
    sizes = sorted({len(r) for rows in lists.values() for r in rows})
    each = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
    run.notes.append(f"{', '.join(lists)}: every cell a list of {each} numbers, one row per epoch ({epoch!r}): read "
                     "as one point per number on the step axis (0..n-1, counted on across rows), each at its row's "
                     "epoch")
    require_series(run, source.label, list(lists))
    return run


_SUM_NAMES = ("total", "sum")


def _split_sum(table: Table, bare: dict[str, str]) -> str | None:
    """A ``total``/``sum`` column beside the bare split losses that holds their sum at every row, else None."""
    col = table.find(_SUM_NAMES)
    num = table.numeric(col) if col is not None else None
    parts = [table.numeric(c) for c in bare]
    if num is None or any(p is None for p in parts):
        return None
    present = num[1] & np.logical_and.reduce([p[1] for p in parts])
    if not present.any():
        return None
    total = np.sum([p[0][present] for p in parts], axis=0)
    ok = np.isclose(num[0][present], total, rtol=1e-6, atol=1e-9) | (np.isnan(total) & np.isnan(num[0][present]))
    return col if bool(ok.all()) else None


READERS = [
    FastaiCsvReader,
    UltralyticsReader,
    LightningCsvReader,
    KerasCsvLoggerReader,
    KerasHistoryCsvReader,
    CsvReader,
]
