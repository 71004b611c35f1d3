"""Headerless numbers: a file of bare losses with no header row, in the layouts plain training loops write
(``np.savetxt(losses)``, ``json.dump(losses, f)``, ``f.write(str(loss))``, ``epoch1\t0.239`` lines, ``0, 9.29, 3.06``
lines...). One reader, ``numbers`` (:class:`NumberListReader`, whose docstring lists every layout), tried after the
table readers of ``tabular.py`` (a file with a header row is theirs) and before the text reader.

A headerless table whose columns cannot be told apart is refused, saying what it is (``unnamed_table_problem``).
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.naming import resolve
from lossdoc.readers.base import Reader, Source, build_series, decode_text, require_series
from lossdoc.readers.tabular import NUMBER_TOKEN, unwrap_tensors


def _json_array_body(text: str, complete: bool = True) -> str | None:
    """The inside of a JSON array (``json.dump(losses, f)``, ``[0.9, 0.8, 0.75]`` on one line or pretty-printed),
    or None when the text is not one; ``complete`` False: a head cut short, whose closing bracket is still to come."""
    body = text.strip()
    if not body.startswith("["):
        return None
    if body.endswith("]"):
        return body[1:-1]
    return None if complete else body[1:]


# A value written as a one-element list, one per line (a NumPy array of one loss appended to a list of floats and
# written with f"{loss}\n": "[7.918739e-05]"): its number.
_ONE_ELEMENT = re.compile(r"\[\s*([^\s\[\],;]+)\s*\]")


def _unbracket(line: str) -> str:
    m = _ONE_ELEMENT.fullmatch(line) if line[:1] == "[" else None
    return m[1] if m else line


def _number_list(text: str) -> list[str] | None:
    """The tokens of a text that holds nothing but numbers, either on one line (separated by commas, semicolons or
    spaces; an empty first field, as ``",".join`` after a leading separator writes, is allowed) or one per line (a
    line may hold its number as a one-element list, ``[7.918739e-05]``: ``_unbracket``); None for anything else (a header, two columns, prose, a JSON array of lists)."""
    lines = [ln.strip() for ln in text.strip().split("\n") if ln.strip()]
    if not lines:
        return None
    if len(lines) == 1:
        tokens = [t for t in re.split(r"[,;\s]+", lines[0]) if t]
    else:
        tokens = []
        for ln in lines:  # (a loop that stops at the first line that is no number: a table fails at its first)
            t = _unbracket(ln.rstrip(",;"))
            if not NUMBER_TOKEN.fullmatch(t):
                return None
            tokens.append(t)
        return tokens if len(tokens) >= 3 else None
    return tokens if len(tokens) >= 3 and all(NUMBER_TOKEN.fullmatch(t) for t in tokens) else None


def _frame_blocks(text: str, tokens: list[str]) -> list[list[str]] | None:
    """The values of a one-column pandas frame written with ``to_csv(index=False)`` (``pd.DataFrame(losses)``, or a
    Series, whose column name is the integer 0: a header line ``0``, then one float a line), one list per frame
    appended to the file (``mode="a"``: the ``0`` again before each); None unless the first line is ``0`` and every
    other line a number with a decimal point or an exponent, or a ``0`` right before such a line."""
    if tokens[0] != "0" or len(tokens) < 3 or "\n" not in text.strip():
        return None
    blocks: list[list[str]] = []
    for i, t in enumerate(tokens):
        if t == "0":
            if i + 1 == len(tokens) or tokens[i + 1] == "0":
                return None  # a 0 last, or twice: values (a loss that reached 0), no header
            blocks.append([])
        elif "." in t or "e" in t or "E" in t or t.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            blocks[-1].append(t)
        else:
            return None  # a whole number among them: a list of counts, or of losses written as they came
    return blocks


# A title line over a bare list (``f.write("Loss History:\n")`` then one loss per line): a few words, a colon allowed.
_TITLE = re.compile(r"([A-Za-z][A-Za-z _-]{0,40}?)\s*:?")


def _titled_list(text: str) -> tuple[str, list[str]] | None:
    """(title, tokens) of a text whose first line is a title naming a loss (through the naming table: ``Loss
    History:``) and whose other lines are a bare list (``_number_list``, 3 numbers or more); else None. The title is
    no data."""
    first, _, rest = text.strip().partition("\n")
    m = _TITLE.fullmatch(first.strip())
    if m is None or resolve(m[1]).kind != "loss":
        return None
    tokens = _number_list(rest)
    return (m[1], tokens) if tokens is not None else None


def _float_list(text: str) -> list[str] | None:
    """``_number_list`` of the inside of an array, when some value is not a whole number: losses are written as
    floats (``[1, 2, 3]`` is a list of counts or ids, not a curve). Its lines are one list: a JSON array printed one
    number per line, or a NumPy array printed with spaces and wrapped at 75 characters (``print(np.array(losses))``:
    ``[3.0566 2.9377 ...`` then `` 2.7543 2.7307]``)."""
    tokens = _number_list(" ".join(text.split("\n")))
    if tokens is None or all(re.fullmatch(r"[-+]?\d+", t) for t in tokens):
        return None
    return tokens


def _counter_pairs(text: str) -> tuple[list[float], list[float]] | None:
    """(counters, values) of a headerless two-column text whose first column counts up (``1,0.693`` lines: a loop
    that writes ``f"{epoch},{loss}"``; ``1_1.8458`` lines, ``f"{epoch}_{loss}"``), or None. The counter must be
    integers rising at every line, or never going down (``1,1.2087`` on every line: the losses of the batches of
    an epoch, a counter that repeats; the reader puts those on a step axis). A counter rising at every line may go
    back to its first value or below it (runs appended one after another to the same file, ``1, 0.0040`` ...
    ``19, 0.0031`` then ``1, 0.0035``; fewer go-backs than a third of the lines): finish_run keeps the latest run
    (base.cut_restarts). A counter that repeats may go back so too (runs of per-batch lines appended: fewer go-backs
    than a third of its blocks of equal values, the counter repeating in every run); the reader keeps the latest run. A counter that goes back anywhere
    else is none."""
    lines = [ln.strip() for ln in text.strip().split("\n") if ln.strip()]
    if len(lines) < 3:
        return None
    xs, vs, back, repeat = [], [], 0, False
    for ln in lines:
        parts = [t for t in re.split(r"[,;\s]+", ln) if t]
        if len(parts) == 1 and ln.count("_") == 1:
            parts = ln.split("_")
        if len(parts) != 2 or not all(NUMBER_TOKEN.fullmatch(t) for t in parts):
            return None
        x = float(parts[0])
        if not x.is_integer() or (xs and x < xs[-1] and x > xs[0]):
            return None
        back += bool(xs and x < xs[-1])
        repeat = repeat or bool(xs and x == xs[-1])
        xs.append(x)
        vs.append(float(parts[1]))
    # (a counter that repeats and goes back: runs of per-batch lines appended, ``0\t1233.5`` ... ``2\t905.1`` then
    # ``0\t1240.2``: fewer go-backs than a third of the counter's blocks of equal values, and the counter repeating
    # in every run, each a run of per-batch lines; ``1, 1, 2, 3`` then ``1, 2, 3`` is neither layout: refused)
    blocks = 1 + sum(1 for a, b in itertools.pairwise(xs) if a != b)
    if back and (back * 3 >= (blocks if repeat else len(xs))):
        return None
    if back and repeat:
        cuts = [0, *(i for i in range(1, len(xs)) if xs[i] < xs[i - 1]), len(xs)]
        if any(len(set(xs[a:b])) == b - a for a, b in itertools.pairwise(cuts)):
            return None
    if len(set(xs)) < len(xs) and _whole(vs):
        return None  # a repeating counter beside whole numbers: pairs of ids or counts (a data set), not losses
    return xs, vs


# The ``,0`` header of a Series written again further down: another one appended with to_csv(mode='a').
_SERIES_HEADER_AGAIN = re.compile(r"^[ \t]*+,[ \t]*+0[ \t]*+\r?\n?", re.MULTILINE)


def _series_csv_body(text: str) -> str | None:
    """The rows of an unnamed pandas Series written by ``Series.to_csv()`` (a ``,0`` header: the index's empty name
    and the series' default name 0, then ``index,value`` rows), or None when the text is not one. Series appended to
    the file one after another (``to_csv(path, mode='a')`` after each training: the header again before each) are
    their rows one after another, the index starting again at each."""
    head, _, body = text.lstrip().partition("\n")
    if not re.fullmatch(r",\s*0", head.strip()):
        return None
    if ",0" in body or ", 0" in body:
        body = _SERIES_HEADER_AGAIN.sub("", body)
    return body if _counter_pairs(body) is not None else None


#: A pandas ``DataFrame.to_csv`` of one row per curve, one column per epoch (``_wide_frame``): this many epochs or more.
WIDE_FRAME_MIN_COLUMNS = 3


def _wide_header(line: str) -> list[float] | None:
    """The column names of a ``DataFrame.to_csv`` header whose index is unnamed and whose columns are epoch numbers
    counting by one (``,1,2,...,100``: an empty first field, then ``WIDE_FRAME_MIN_COLUMNS`` or more integers rising
    by one from 0 or 1), else None."""
    fields = line.strip().split(",")
    if len(fields) <= WIDE_FRAME_MIN_COLUMNS or fields[0].strip() != "":
        return None
    if not all(re.fullmatch(r"\d{1,9}", f.strip()) for f in fields[1:]):
        return None
    xs = [float(f) for f in fields[1:]]
    if xs[0] not in (0.0, 1.0) or any(b != a + 1 for a, b in itertools.pairwise(xs)):
        return None
    return xs


def _wide_frame(text: str) -> tuple[list[float], list[tuple[str, list[float]]]] | None:
    """(the header's epochs, [(row index, values)]) of a pandas ``DataFrame.to_csv`` of a table with one row per
    curve and one column per epoch (``pd.DataFrame([losses_stage1, losses_stage2, ...]).to_csv(f)`` with epochs as
    the columns' names: header ``,1,2,...,100``, rows ``k,v1,...,v100``, k the default index 0, 1, 2...): every row
    the header's width, its first field a whole number counting by one from 0, its values numbers (an empty field is
    pandas' missing value, read as NaN) not all whole. None for any other text."""
    if _wide_header(text.lstrip().partition("\n")[0].strip()) is None:
        return None  # (the header first: a long bare list is not split into lines for nothing)
    lines = [ln for ln in text.strip().split("\n") if ln.strip()]
    if len(lines) < 2 or (xs := _wide_header(lines[0])) is None:
        return None
    rows: list[tuple[str, list[float]]] = []
    for ln in lines[1:]:
        fields = [f.strip() for f in ln.strip().split(",")]
        if len(fields) != len(xs) + 1 or fields[0] != str(len(rows)):
            return None
        if not all(f == "" or NUMBER_TOKEN.fullmatch(f) for f in fields[1:]):
            return None
        rows.append((fields[0], [float(f) if f else float("nan") for f in fields[1:]]))
    if not rows or _whole([v for _, vs in rows for v in vs if not math.isnan(v)]):
        return None
    return xs, rows


#: ``_stages``: a row continues the one before when it starts at most this much (relative) above where that ended.
STAGE_CONTINUES = 0.1


def _stages(rows: list[list[float]]) -> bool:
    """Whether the rows of a wide frame (``_wide_frame``) are stages of one training: each row after the first starts
    (its first finite value) no higher than ``STAGE_CONTINUES`` above the last finite value of the row before it
    (trained on from where it stopped: p4nzer96's 2.13 -> 0.5175, then 0.5169 -> 0.4898, 0.48995 -> 0.48828,
    0.4151 -> 0.4053); a row that starts again higher is a training of its own (a fold, a seed)."""
    if len(rows) < 2:
        return False
    for prev, row in itertools.pairwise(rows):
        last = [v for v in prev if np.isfinite(v)]
        first = [v for v in row if np.isfinite(v)]
        if not last or not first or first[0] > last[-1] + STAGE_CONTINUES * abs(last[-1]):
            return False
    return True


def _lines(text: str) -> list[tuple[int, str]]:
    """The non-empty lines of a text, stripped, with their line numbers (from 1)."""
    return [(i, ln.strip()) for i, ln in enumerate(text.split("\n"), 1) if ln.strip()]


def _fields(line: str) -> list[str]:
    return [t for t in re.split(r"[,;\s]+", line) if t]


def _whole(values: list[float]) -> bool:
    return all(float(v).is_integer() for v in values)


# ``f"epoch{e}\t{loss}"``: a counter glued to an epoch/step/iteration word, then the loss. (``epoch 1: 0.5`` with a
# space is the text reader's marker line, read there; this is only the glued form, which it does not read.) The
# words may come after a label naming a loss and "of", and "is" may follow the counter, glued or not
# (``print(f"The loss of epoch{epoch}is:{loss}")``: ``The loss of epoch12is:8.07``).
_WORD_COUNTER = re.compile(
    r"(?:(?P<label>[A-Za-z][A-Za-z ]{0,40}?)\s+of\s+)?(?P<word>epoch|ep|step|global_?step|iter|iteration)_?"
    r"(?P<n>\d{1,12})(?:\s*is\b)?(?:\s*[:,=]\s*|\s+)(?P<v>\S+)",
    re.IGNORECASE,
)


def _word_counter_lines(lines: list[str]) -> tuple[tuple[str, list[float], list[float]] | None, int | None]:
    """((word, counters, values), None) when every line is ``<word><N> <value>`` with one word and N rising at every
    line (3 lines or more; a label before the word, ``The loss of epoch12is:8.07``, the same on every line and
    naming a loss); else (None, the index of the first line that is not, or None when too few lines)."""
    word, label, xs, vs = None, None, [], []
    for i, ln in enumerate(lines):
        m = _WORD_COUNTER.fullmatch(ln)
        if m is None or not NUMBER_TOKEN.fullmatch(m["v"]) or (word is not None and m["word"].lower() != word):
            return None, i
        if (xs and m["label"] != label) or (m["label"] is not None and resolve(m["label"]).kind != "loss"):
            return None, i
        x = float(m["n"])
        if xs and x <= xs[-1]:
            return None, i
        word, label = m["word"].lower(), m["label"]
        xs.append(x)
        vs.append(float(m["v"]))
    return ((word or "", xs, vs), None) if len(xs) >= 3 else (None, None)


def _counter_columns(
    lines: list[str],
) -> tuple[tuple[list[float], list[float], list[float], int] | None, int | None]:
    """((counters, first values, second values, the counter's column), None) for headerless ``counter, a, b`` lines (``f"{epoch}, {train},
    {val}"``): an integer counter that rises at every line except where it goes back (runs appended one after another
    to the same file; fewer go-backs than a third of the lines), and two number columns not all whole; else (None,
    the index of the first line that is not such a line, or None). The counter may sit in another column when the
    first is not one (``f"{train}\t{val}\t{epoch}\n"``): then it must count by one at every line (0, 1, 2, ...,
    consecutive integers), neither other column whole numbers, and those two are a and b in their order in the line."""
    rows: list[list[float]] = []
    for i, ln in enumerate(lines):
        parts = _fields(ln)
        if len(parts) != 3 or not all(NUMBER_TOKEN.fullmatch(t) for t in parts):
            return None, i
        rows.append([float(t) for t in parts])
    if len(rows) < 3:
        return None, None
    bad: list[int] = []
    for col in range(3):
        found, at = _counter_at(rows, col, consecutive=col > 0)
        if found is not None:
            return (*found, col), None
        if at is not None:
            bad.append(at)
    return None, max(bad) if bad else None  # the line where the counter that went furthest breaks


def _counter_at(
    rows: list[list[float]], col: int, consecutive: bool
) -> tuple[tuple[list[float], list[float], list[float]] | None, int | None]:
    """``_counter_columns`` with the counter in column ``col`` of three: (counters, a, b) or (None, the first row
    whose counter breaks it, or None). ``consecutive``: the counter must rise by exactly one at every line."""
    xs: list[float] = []
    back = 0
    for i, row in enumerate(rows):
        x = row[col]
        if not x.is_integer() or x < 0 or (xs and x == xs[-1]):
            return None, i
        if consecutive and xs and x > xs[-1] and x != xs[-1] + 1:
            return None, i
        back += bool(xs and x < xs[-1])
        xs.append(x)
    rest = [c for c in range(3) if c != col]
    a = [row[rest[0]] for row in rows]
    b = [row[rest[1]] for row in rows]
    if back * 3 >= len(xs) or _whole(a + b) or (consecutive and (_whole(a) or _whole(b))):
        return None, None  # (elsewhere than first, a column of whole numbers beside it: which is the counter?)
    return (xs, a, b), None


#: ``_epoch_batch_lines``: at least this many epochs, each but the last over 2 batches or more.
EPOCH_BATCH_MIN_EPOCHS = 2


def _epoch_batch_lines(lines: list[str]) -> tuple[tuple[list[float], list[float]] | None, int | None]:
    """((epochs, values), None) for headerless ``epoch,batch,loss`` lines (a loop that writes
    ``f"{epoch},{batch},{loss}"`` at every batch): on every line the first column a whole number that stays for
    several lines (2 or more, the last epoch excepted: a run still writing) and then steps up by exactly one, the
    second a whole number counting by one within each value of the first from the same start (0 or 1) at every
    epoch, the third not all whole numbers (the loss); ``EPOCH_BATCH_MIN_EPOCHS`` epochs or more. Else (None, the
    index of the first line that breaks it, or None)."""
    es: list[float] = []
    vs: list[float] = []
    start, last, sizes = None, None, []
    for i, ln in enumerate(lines):
        parts = _fields(ln)
        if len(parts) != 3 or not all(NUMBER_TOKEN.fullmatch(t) for t in parts):
            return None, i
        e, b, v = (float(t) for t in parts)
        if not (e.is_integer() and b.is_integer()):
            return None, i
        if start is None:
            if b not in (0.0, 1.0):
                return None, i
            start = b
        if es and e == es[-1]:
            if b != last + 1:
                return None, i
            sizes[-1] += 1
        elif es and (e != es[-1] + 1 or b != start or sizes[-1] < 2):
            return None, i
        else:
            sizes.append(1)
        es.append(e)
        vs.append(v)
        last = b
    if len(sizes) < EPOCH_BATCH_MIN_EPOCHS or _whole(vs):
        return None, None
    return (es, vs), None


#: Layout 4 is a guess from the numbers alone: only with this many lines.
LOSS_TIME_MIN_LINES = 10


def _loss_and_time(lines: list[str]) -> tuple[tuple[list[float], list[float]] | None, int | None]:
    """((losses, times), None) for headerless ``loss,seconds`` lines (a trainer writing the loss and the time elapsed):
    two number columns, the second rising at every line and not whole numbers (an integer counter is a step), the
    first neither whole numbers (``_counter_pairs``' counter) nor rising at every line (then which column is the loss
    cannot be told); at least ``LOSS_TIME_MIN_LINES`` lines. Else (None, the first line that breaks it, or None)."""
    vs, ts = [], []
    for i, ln in enumerate(lines):
        parts = _fields(ln)
        if len(parts) != 2 or not all(NUMBER_TOKEN.fullmatch(t) for t in parts):
            return None, i
        t = float(parts[1])
        if ts and not t > ts[-1]:
            return None, i
        vs.append(float(parts[0]))
        ts.append(t)
    if len(vs) < LOSS_TIME_MIN_LINES or _whole(ts) or _whole(vs) or bool(np.all(np.diff(vs) > 0)):
        return None, None
    return (vs, ts), None


# A file named after one value of a run (its best, last or final loss) holds that value, not a curve.
_SUMMARY_WORDS = {"best", "min", "minimum", "lowest", "final", "last", "end", "top", "mean", "avg", "average"}


def _loss_named(path: Path | str | None) -> str | None:
    """The stem of a file name that names a loss (through the naming table), else None."""
    stem = Path(path).stem if path else ""
    return stem if stem and resolve(stem).kind == "loss" else None


def _refuse_whole_numbers(tokens: list[str], path: Path | str) -> None:
    """A bare list of whole numbers only, in a file whose name names no loss (Karl-Liu-ch/BezierGANPytorch,
    results/log.txt: ``8.000000000000000000e+00``, ``1.240000000000000000e+02``, ``4.000000000000000000e+00``,
    ``np.savetxt`` of three settings): counts or settings, not a loss curve (a loss is whole at no epoch but by
    chance; a JSON array of whole numbers is refused alike). Refused as not a log (NotALog: skipped in a folder); a
    file named after a loss (``loss.txt``) is read as it says."""
    if _loss_named(path):
        return
    values = [float(t) for t in tokens]
    if all(math.isfinite(v) and v == int(v) for v in values):
        shown = ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if len(values) > 5 else "")
        raise NotALog(str(path), f"a bare list of {len(values)} whole numbers ({shown}) in a file whose name names no "
                      "loss: counts or settings (np.savetxt of integers), not a loss curve")


def _few_losses(lines: list[str], path: Path | str | None) -> list[float] | None:
    """One or two numbers, one per line, not all whole, in a file whose name names a loss and no summary of one
    (``train_loss.txt`` written by ``f.write(str(loss))`` after one or two epochs; not ``best_val_loss.txt``)."""
    stem = _loss_named(path)
    if stem is None or set(re.split(r"[^a-z0-9]+", stem.lower())) & _SUMMARY_WORDS:
        return None
    tokens = [ln.rstrip(",;") for ln in lines]
    if not 1 <= len(tokens) <= 2 or not all(NUMBER_TOKEN.fullmatch(t) for t in tokens):
        return None
    values = [float(t) for t in tokens]
    return None if _whole(values) else values


def _trend(values: list[float]) -> float:
    """The slope of a least-squares line through the finite values (by line number); 0 for fewer than 2."""
    v = np.asarray(values, dtype=np.float64)
    x = np.flatnonzero(np.isfinite(v))
    if len(x) < 2:
        return 0.0
    return float(np.polyfit(x.astype(np.float64), v[x], 1)[0])


#: A third column read as an accuracy beside the loss (``_accuracy_like``): only with this many lines.
ACCURACY_MIN_LINES = 6
#: ... and ending at least this high (a share near its top), unless its values are shares of one count.
ACCURACY_NEAR_ONE = 0.9
#: ``_shares``: the largest count (validation-set size) whose shares k/N are looked for.
SHARES_MAX_COUNT = 100_000


def _shares(values: list[float]) -> bool:
    """Whether every value is a share k/N of one count N (a validation set's size: ``correct / total``, printed with
    all its digits, 0.8717783505154639 = 1353/1552): each value within 1e-12 of a fraction whose denominator is at
    most ``SHARES_MAX_COUNT``, their common denominator too, and that not a divisor of a power of ten (numbers
    rounded to a few decimals are shares of 10**k: no sign of a count)."""
    from fractions import Fraction
    from math import lcm

    common = 1
    for v in values:
        if not 0.0 <= v <= 1.0:
            return False
        f = Fraction(v).limit_denominator(SHARES_MAX_COUNT)
        if abs(float(f) - v) > 1e-12:
            return False
        common = lcm(common, f.denominator)
        if common > SHARES_MAX_COUNT:
            return False
    while common % 2 == 0:
        common //= 2
    while common % 5 == 0:
        common //= 5
    return common > 1


def _accuracy_like(xs: list[float], a: list[float], b: list[float]) -> bool:
    """Whether the third column of headerless ``counter, a, b`` lines is an accuracy beside the loss ``a``, not a
    val loss: every value of ``b`` in [0, 1]; ``a`` falling over the run while ``b`` rises over most of it (the
    medians of ten slices of the run: ``b``'s lowest in the first fifth, its last above its first and within a
    quarter of its range of its highest; a val loss of an overfit run falls before it rises: its lowest is
    mid-run); and ``b`` ending near 1 (``ACCURACY_NEAR_ONE``) or being shares of one count (``_shares``), which a
    val loss rising all run is not. Judged on the latest run when the counter goes back (runs appended)."""
    start = max((i for i in range(1, len(xs)) if xs[i] < xs[i - 1]), default=0)
    av = np.asarray(a[start:], dtype=np.float64)
    bv = np.asarray(b[start:], dtype=np.float64)
    if len(bv) < ACCURACY_MIN_LINES or not (np.all(np.isfinite(bv)) and np.all((bv >= 0) & (bv <= 1))):
        return False
    k = min(10, len(bv) // 3)
    ma = np.array([np.nanmedian(c) if np.isfinite(c).any() else np.nan for c in np.array_split(av, k)])
    mb = np.array([np.median(c) for c in np.array_split(bv, k)])
    if not (np.isfinite(ma[0]) and np.isfinite(ma[-1]) and ma[-1] < ma[0] and _trend(list(av)) < 0):
        return False
    low, high = float(mb.min()), float(mb.max())
    rises = (int(np.argmin(mb)) <= (k - 1) // 5 and mb[-1] > mb[0] and _trend(list(bv)) > 0
             and mb[-1] >= high - 0.25 * (high - low))
    return bool(rises and (mb[-1] >= ACCURACY_NEAR_ONE or _shares(list(bv))))


#: ``_perplexity_of``: the relative tolerance of b = exp(a) (values printed to 4 decimals or more).
PERPLEXITY_TOLERANCE = 1e-3


def _perplexity_of(a: list[float], b: list[float]) -> bool:
    """Whether the third column of headerless ``counter, a, b`` lines is the perplexity of the loss ``a`` (a language
    model's loop writing ``f"{step}, {loss:f}, {math.exp(loss):f}"``): b = exp(a) on every line where both are
    finite (within ``PERPLEXITY_TOLERANCE``, relative), on ``ACCURACY_MIN_LINES`` lines or more. A perplexity is
    exp(loss) of the same batches: never a val loss."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < ACCURACY_MIN_LINES or np.any(x >= 700):
        return False
    return bool(np.all(np.abs(y - np.exp(x)) <= PERPLEXITY_TOLERANCE * np.abs(y) + 1e-6))


#: Headerless float pairs are a guess from the numbers and the file's name: only with this many lines.
LOSS_PAIRS_MIN_LINES = 5


def _loss_pairs(
    lines: list[str], path: Path | str | None
) -> tuple[tuple[list[float], list[float], bool] | None, int | None]:
    """((first, second, second_is_metric), None) for headerless pairs of numbers in a file whose name names a loss
    (``losses.csv`` of ``f"{train_loss} ,{val_loss}"`` lines, one per epoch): two number columns, neither whole
    numbers (a counter) nor rising at every line (a time), at least ``LOSS_PAIRS_MIN_LINES`` lines. ``second_is_metric`` when the second
    column looks like an accuracy beside the loss: every value in [0, 1] and its trend rising while the first's
    falls. Else (None, the first line that is not a pair, or None)."""
    if _loss_named(path) is None:
        return None, None
    a, b = [], []
    for i, ln in enumerate(lines):
        parts = _fields(ln)
        if len(parts) != 2 or not all(NUMBER_TOKEN.fullmatch(t) for t in parts):
            return None, i
        a.append(float(parts[0]))
        b.append(float(parts[1]))
    if len(a) < LOSS_PAIRS_MIN_LINES or _whole(a) or _whole(b) or any(bool(np.all(np.diff(c) > 0)) for c in (a, b)):
        return None, None
    rate = all(0.0 <= v <= 1.0 for v in b) and _trend(b) > 0 > _trend(a)
    return (a, b, rate), None


_LABEL_VALUE = re.compile(r"([A-Za-z][\w ./-]{0,60}?)\s*[,;\t]\s*(\S+)")


def _same_label(lines: list[str], pattern: re.Pattern) -> tuple[tuple[str, list[re.Match]] | None, int | None]:
    """((label, matches), None) when every line matches ``pattern`` with the same text label (its first group),
    naming a loss through the naming table, and a number (its last group); 3 lines or more. Else (None, the first
    line that is not one, or None)."""
    label, found = None, []
    for i, ln in enumerate(lines):
        m = pattern.fullmatch(ln)
        if m is None or not NUMBER_TOKEN.fullmatch(m[m.lastindex]) or (label is not None and m[1] != label):
            return None, i
        label = m[1]
        found.append(m)
    if len(found) < 3 or label is None or resolve(label).kind != "loss":
        return None, None
    return (label, found), None


def _label_values(lines: list[str]) -> tuple[tuple[str, list[float]] | None, int | None]:
    """((label, values), None) for ``label, value`` lines (``f.write(f"Loss, {loss:f}\\n")`` each epoch), as
    ``_same_label`` finds them; else (None, the first line that is not one, or None)."""
    got, at = _same_label(lines, _LABEL_VALUE)
    return (None, at) if got is None else ((got[0], [float(m[2]) for m in got[1]]), None)


# ``print(f"loss: {(epoch, loss)}")``: a name, then a Python tuple of the counter and the value.
_LABEL_TUPLE = re.compile(r"([A-Za-z][\w ./-]{0,60}?)\s*[:=]\s*\(\s*([-+]?\d{1,9})\s*,\s*(\S+?)\s*\)")


def _label_tuples(lines: list[str]) -> tuple[tuple[str, list[float], list[float]] | None, int | None]:
    """((label, counters, values), None) for ``label: (counter, value)`` lines (a Python tuple printed after its
    name, ``loss: (0, 23047468.0)``), as ``_same_label`` finds them, the counter a whole number rising at every line.
    Else (None, the first line that is not one, or None)."""
    got, at = _same_label(lines, _LABEL_TUPLE)
    if got is None:
        return None, at
    xs, vs = [float(m[2]) for m in got[1]], [float(m[3]) for m in got[1]]
    if not all(y > x for x, y in itertools.pairwise(xs)):
        return None, None
    return (got[0], xs, vs), None


# ``print(f"Epoch {epoch}")`` then ``print(loss.item())`` at every batch: a header line per epoch, bare numbers under
# it; ``print("Done!")`` (or "Finished") at the end is no data.
_EPOCH_HEADER = re.compile(r"epoch\s*:?\s*(\d{1,9})\s*:?", re.IGNORECASE)
_DONE_LINE = re.compile(r"(?:training\s+)?(?:done|finished|complete|completed)(?:\s+training)?\s*[.!]*", re.IGNORECASE)


# ``print(f"{loss.item()}, {batch_idx}")`` under an ``Epoch: N`` header: the loss, then the batch index.
_VALUE_BATCH = re.compile(r"(\S+?)\s*,\s*(\d{1,9})")


def _epoch_blocks(lines: list[str]) -> tuple[tuple[list[float], list[float]] | None, int | None]:
    """((epochs, values), None) for ``Epoch N`` header lines each followed by bare numbers, one per line (the loss
    of every batch of that epoch): the first line a header, N rising at every header, the numbers not all whole, 3
    or more in all; a last line ``Done!``/``Finished`` is no data; only the last header may have no numbers under it
    (a run still writing). Headers over 2 or 3 numbers each are none (a train and a val loss per epoch? which is
    which cannot be told): every header over one number (one loss per epoch) or some over 4 or more. Each number
    may be followed by the batch index (``10.19, 100``: every line of the file so, the index a whole number rising
    under each header); the index is not kept. Else (None, the index of the first line that is neither a header
    nor a number, or None)."""
    epochs: list[float] = []
    values: list[float] = []
    headers: list[float] = []  # the N of every header line so far
    sizes: list[int] = []  # how many numbers each header holds
    paired: bool | None = None  # numbers followed by their batch index (decided by the first number line)
    last_batch = -1
    for i, ln in enumerate(lines):
        m = _EPOCH_HEADER.fullmatch(ln)
        if m is not None:
            if headers and (sizes[-1] == 0 or float(m[1]) <= headers[-1]):
                return None, i
            headers.append(float(m[1]))
            sizes.append(0)
            last_batch = -1
            continue
        if not headers:
            return None, i
        vb = _VALUE_BATCH.fullmatch(ln)
        token = vb[1] if vb is not None else ln
        if paired is None and NUMBER_TOKEN.fullmatch(token):
            paired = vb is not None
        if NUMBER_TOKEN.fullmatch(token) and paired == (vb is not None):
            if vb is not None:
                if int(vb[2]) <= last_batch:
                    return None, i
                last_batch = int(vb[2])
            epochs.append(headers[-1])
            values.append(float(token))
            sizes[-1] += 1
            continue
        if i == len(lines) - 1 and _DONE_LINE.fullmatch(ln):
            break
        return None, i
    if len(values) < 3 or _whole(values):
        return None, None
    full = [n for n in sizes if n]
    if not (all(n == 1 for n in full) or max(full) >= 4):
        return None, None
    return (epochs, values), None


#: Each line of a file of long number lines (``_two_line_losses``, ``_per_line_losses``) holds this many numbers or more.
LONG_LINE_MIN_NUMBERS = 10
#: Equal lines of many numbers are per-batch losses only when their columns' medians are within this factor.
LONG_LINE_SCALES = 1000


def _long_lines(lines: list[str]) -> list[list[str]] | None:
    """The number fields of each line when every line holds nothing but ``LONG_LINE_MIN_NUMBERS`` or more numbers
    (separated by spaces, commas or semicolons; a trailing separator allowed: ``f.write(",".join(...) + ",")``), not
    all whole; else None."""
    rows = []
    for ln in lines:
        fields = _fields(ln)
        if len(fields) < LONG_LINE_MIN_NUMBERS or not all(NUMBER_TOKEN.fullmatch(t) for t in fields):
            return None
        rows.append(fields)
    if not rows or all(_whole([float(t) for t in r]) for r in rows):
        return None
    return rows


# A setting's heading over a line of losses (``f.write(f"Latent Space Dimension = {k}\n")`` then
# ``f.write(", ".join(map(str, history)) + "\n\n")`` for each k): a name, "=" or ":", and a number.
_SETTING_HEADING = re.compile(r"([A-Za-z][\w .()/-]{0,60}?)\s*[=:]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _headed(text: str) -> bool:
    """Whether a text's first line is a setting's heading (``_SETTING_HEADING``): ``_headed_lines`` is worth trying."""
    return _SETTING_HEADING.fullmatch(text.lstrip().partition("\n")[0].strip()) is not None


def _headed_lines(lines: list[str], complete: bool = True) -> list[tuple[str, list[float]]] | None:
    """[(heading, values)] for blocks of a setting's heading line (``Latent Space Dimension = 6``: a name that is
    neither a loss nor a metric through the naming table, "=" or ":", a number; one name in every heading, each
    heading different) each over exactly one line of ``LONG_LINE_MIN_NUMBERS`` or more numbers (``_long_lines``: the
    losses of one training, one per epoch); 2 blocks or more. Else None. ``complete`` False (a head cut short): the
    last heading may have no line under it yet."""
    if not complete and len(lines) % 2 == 1:
        lines = lines[:-1] if _SETTING_HEADING.fullmatch(lines[-1]) else lines
    if len(lines) < 4 or len(lines) % 2:
        return None
    blocks: list[tuple[str, list[float]]] = []
    name = None
    for head, body in zip(lines[::2], lines[1::2]):
        m = _SETTING_HEADING.fullmatch(head)
        if m is None or (name is not None and m[1] != name) or resolve(m[1]).kind in ("loss", "metric"):
            return None
        name = m[1]
        rows = _long_lines([body])
        if rows is None:
            return None
        blocks.append((head, [float(t) for t in rows[0]]))
    if len({h for h, _ in blocks}) != len(blocks):
        return None
    return blocks


# Characters that never separate the fields of a line of numbers in their own right (``_plain_fields``): they are
# part of a number, a time, a name, a bracket, or one of the separators the layouts know.
_NOT_A_SEPARATOR = set(".,;:+-_[](){}'\"=/\\|#%*!?<>&@$^~`")
# An ISO date and time leading a line (``str(datetime.now())``: ``2024-11-29 18:15:04.852164``).
_LEADING_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?\s*,\s*")


def _plain_fields(text: str) -> tuple[str, str | None]:
    """(the text with its fields separated by commas, what was done) when every non-empty line (3 or more) holds
    the same count (1 or more) of one and the same character that is no letter, digit, space or usual punctuation
    (``f"{datetime.now()}\U0001FAE4{epoch}\U0001FAE4{loss}"``: an emoji between fields): that character is the
    separator, as a comma or a tab is; then a date and time leading every line (``str(datetime.now())``) is dropped
    (a wall-clock time, no series). Else (the text, None). The caller keeps the result only when a layout reads
    it and none reads the text as it was."""
    first = text.lstrip().partition("\n")[0]
    if len({c for c in first if not (c.isalnum() or c.isspace() or c in _NOT_A_SEPARATOR)}) != 1:
        return text, None  # (the first line first: a long log is not split into lines for nothing)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) < 3:
        return text, None
    odd = {c for c in lines[0] if not (c.isalnum() or c.isspace() or c in _NOT_A_SEPARATOR)}
    if len(odd) != 1:
        return text, None
    sep = odd.pop()
    count = lines[0].count(sep)
    for ln in lines:
        if ln.count(sep) != count or any(not (c.isalnum() or c.isspace() or c in _NOT_A_SEPARATOR) and c != sep
                                         for c in ln):
            return text, None
    lines = [ln.replace(sep, ",") for ln in lines]
    what = f"separates its fields with {sep!r} (U+{ord(sep):04X}), read as a comma"
    if all(_LEADING_STAMP.match(ln) for ln in lines):
        lines = [_LEADING_STAMP.sub("", ln, count=1) for ln in lines]
        what += "; the date and time leading every line (when it was written) left out"
    return "\n".join(lines) + "\n", what


def _train_then_val(run: Run, a, b, x: np.ndarray) -> None:
    """Two unnamed loss columns (or rows) as training loops write them: the train loss, then the val loss, per epoch."""
    run.add(build_series("train_loss", a, epochs=x))
    run.add(build_series("val_loss", b, epochs=x))


def _add_pair(run: Run, a, b, x: np.ndarray, named: str, accuracy: bool, ppl_first: str | None = None) -> str:
    """Two unnamed numbers per line added to ``run`` as what they are, and what they were read as (for the note): the
    second the perplexity of the first (exp of it on every line, ``_perplexity_of``; the first then named
    ``ppl_first`` or ``named``), an accuracy (``accuracy``: every value in [0, 1], rising while the loss falls), else
    the train loss then the val loss (``_train_then_val``). A perplexity or an accuracy is never a val loss."""
    if _perplexity_of(a, b) or accuracy:
        first, second = (ppl_first or named, "perplexity") if _perplexity_of(a, b) else (named, "accuracy")
        run.add(build_series(first, a, epochs=x))
        run.add(build_series(second, b, epochs=x))
        why = ("its perplexity (exp of the first on every line)" if second == "perplexity" else
               "an accuracy (every value in [0, 1], rising over the run to near 1 or as shares of one count while the "
               "loss falls)")
        return f"the first number as one loss, {first!r}, the second as {why}, not a val loss"
    _train_then_val(run, a, b, x)
    return "the numbers as train_loss then val_loss (the order training loops write them)"


def _two_line_losses(lines: list[str]) -> tuple[tuple[list[float], list[float]] | None, int | None]:
    """((first, second), None) for exactly two lines of the same count N (``LONG_LINE_MIN_NUMBERS`` or more) of
    numbers: ``np.savetxt(f, np.array([train_losses, val_losses]))`` (a 2xN array, one row a line, ``%.18e`` and
    spaces), read as the train then the val loss of N epochs; else (None, None)."""
    rows = _long_lines(lines) if len(lines) == 2 else None
    if rows is None or len(rows[0]) != len(rows[1]):
        return None, None
    return ([float(t) for t in rows[0]], [float(t) for t in rows[1]]), None


def _per_line_losses(lines: list[str]) -> tuple[list[list[float]] | None, int | None]:
    """(the numbers of each line, None) for two lines or more of many numbers each (``LONG_LINE_MIN_NUMBERS`` or
    more): one line per epoch, the loss of every logged batch (a loop that writes ``f"{loss},"`` per batch and a line
    end per epoch); else (None, None). Two lines of the same count are ``_two_line_losses``. Lines all of the same
    count are a headerless table (refused, ``_unnamed_table``) unless they read as losses: wider than long (more
    numbers a line than lines), no column all whole numbers (a counter, a count), and the columns of comparable scale
    (their median magnitudes within a factor of ``LONG_LINE_SCALES``: a table's columns are a loss beside a learning
    rate, a time...; the losses of the batches of an epoch fall, 2.9 to 0.012 over one epoch in the file this was
    written for, a factor of 250)."""
    rows = _long_lines(lines) if len(lines) >= 2 else None
    if rows is None:
        return None, None
    sizes = {len(r) for r in rows}
    if len(sizes) == 1:
        width = len(rows[0])
        if len(rows) == 2 or width <= len(rows):
            return None, None
        cols = np.abs(np.asarray([[float(t) for t in r] for r in rows], dtype=np.float64))
        if any(_whole(list(cols[:, j])) for j in range(width)):
            return None, None
        with np.errstate(all="ignore"):
            med = np.nanmedian(np.where(np.isfinite(cols), cols, np.nan), axis=0)
        med = med[np.isfinite(med) & (med > 0)]
        if med.size and med.max() > LONG_LINE_SCALES * med.min():
            return None, None
    return [[float(t) for t in r] for r in rows], None


_MORE_LAYOUTS = (
    (_word_counter_lines, "'epochN value' lines"),
    (_counter_columns, "headerless 'counter, train, val' lines"),
    (_epoch_batch_lines, "headerless 'epoch, batch, loss' lines"),
    (_loss_and_time, "headerless 'loss,time' lines"),
    (_label_values, "'label, value' lines"),
    (_label_tuples, "'label: (epoch, value)' lines"),
    (_epoch_blocks, "'Epoch N' header lines over bare numbers"),
    (_two_line_losses, "two lines of N numbers (train, val)"),
    (_per_line_losses, "lines of many numbers (one line per epoch)"),
)


def _broken_layout(numbered: list[tuple[int, str]]) -> str | None:
    """For a file none of the layouts reads: when its first lines are one of ``_MORE_LAYOUTS`` (a long file whose head
    sniffed as one), what breaks it and where, for the error message."""
    lines = [ln for _, ln in numbered]
    for scan, what in _MORE_LAYOUTS:
        if scan(lines[:LOSS_TIME_MIN_LINES])[0] is not None:
            _, bad = scan(lines)
            if bad is not None:
                return f"{what} up to line {numbered[bad][0]}, which is not one ({lines[bad][:40]!r})"
    return None


#: A headerless table of this many numeric columns or more is refused with a message saying so.
UNNAMED_TABLE_MIN_COLUMNS = 3


def _unnamed_table(lines: list[str]) -> list[list[str]] | None:
    """The rows of a headerless table that none of the layouts above reads: 3 lines or more, each the same number
    (``UNNAMED_TABLE_MIN_COLUMNS`` or more) of number fields separated by commas, tabs, semicolons or spaces (one
    trailing separator allowed: ``f.write(f"{a},{b},...,")``), else None. Nothing tells which column is the loss."""
    if len(lines) < 3:
        return None
    first = lines[0]
    delim = next((d for d in (",", "\t", ";") if d in first), None)
    rows = []
    for ln in lines:
        fields = [f.strip() for f in ln.split(delim)] if delim else ln.split()
        if fields and fields[-1] == "" and delim:
            fields.pop()
        if len(fields) < UNNAMED_TABLE_MIN_COLUMNS or (rows and len(fields) != len(rows[0])):
            return None
        if not all(NUMBER_TOKEN.fullmatch(f) for f in fields):
            return None
        rows.append(fields)
    return rows


def _one_column_repeated(rows: list[list[str]]) -> list[float] | None:
    """The values of a headerless table (``_unnamed_table``) whose columns are all the same on every row (one array
    written to every column: ``np.savetxt(f, np.tile(losses[:, None], 4))``), else None: then its columns are one
    curve, and there is no column to choose. NaN equals NaN here (a NaN loss in every column)."""
    out = []
    for r in rows:
        vals = [float(f) for f in r]
        first = vals[0]
        if not all(v == first or (math.isnan(v) and math.isnan(first)) for v in vals[1:]):
            return None
        out.append(first)
    return out


def unnamed_table_problem(rows: list[list[str]]) -> str:
    """The refusal of a headerless table (``_unnamed_table``), with a header to add for an example: its leading
    columns of whole numbers named as the counters they most likely are."""
    n = len(rows[0])
    counters = []
    for i, word in enumerate(("epoch", "batch")):
        if i < n - 1 and _whole([float(r[i]) for r in rows]) and len(counters) == i:
            counters.append(word)
    example = ",".join(counters + ["..."]) if counters else "epoch,train_loss,val_loss,..."
    return (f"a headerless table of {n} numeric columns: lossdoc cannot tell which is the loss; add a header row "
            f"(e.g. `{example}`) naming the loss column (loss, train_loss, val_loss, ...)")


class NumberListReader(Reader):
    """A file of bare numbers with no header: one loss per epoch (``np.savetxt(losses)``, a list joined with commas
    on one line, or a JSON array of numbers, ``json.dump(losses, f)``), or two columns whose first counts the epochs
    (``1,0.693`` lines; a counter that starts again, runs appended to one file, keeps the latest run). The file's name names the series when it names a loss (``val_losses.txt``), else it is read
    as the train loss. Also the layouts plain loops write: ``epoch1\t0.239`` lines (a counter glued to its word);
    ``0, 9.29, 3.06`` lines (a counter, the train loss, the val loss; runs appended one after another; the counter
    may be another column when it counts by one, ``706.34\t50.12\t0``; a third column that rises to 1.0 while the
    loss falls, ``0 0.2027 0.8718``, is an accuracy, ``_accuracy_like``); one or two
    numbers in a file whose name names a loss (``train_loss.txt``); and, from 10 lines, ``2.43,519.2`` lines (the
    loss, then a time that rises at every line). Also ``0.58 ,0.55`` pairs of floats in a file named after a loss
    (train then val loss), ``1_1.84`` lines (``_`` between the counter and the loss), a counter that repeats (the
    batches of an epoch, on a step axis; one that also goes back to its start, runs appended, keeps the latest run),
    a third column that is exp of the second (``0, 5.5458, 256.15``: its perplexity, never a val loss), one-element
    lists in a bare column (``[7.9e-05]``: the value), pandas' ``Series.to_csv()`` (``,0`` header; Series appended
    with ``mode='a'``, the header again before each: trainings appended, the latest kept), a
    ``DataFrame.to_csv()`` of one row per curve and one column per epoch (``,1,2,...,N`` header: stages of one
    training joined, rows that start again a run each, ``_read_wide``) and ``Loss, 10.42`` lines (also ``loss: (0, 2.3)``,
    a Python tuple of the epoch and the value after the name); and ``Epoch N`` header lines each over the bare per-batch losses of that epoch (one point per
    number on the step axis, each at its header's epoch; a last ``Done!`` line is no data). Also exactly two lines of
    the same count N (10 or more) of numbers (``np.savetxt`` of a 2xN array): the train then the val loss, as two
    headerless columns are read; and lines of 10 or more numbers each, one line per epoch (per-batch losses, a
    trailing comma allowed: one loss, its points counted on across lines; lines all of one count only when they read
    as losses, ``_per_line_losses``, else a headerless table).
    Also headerless ``epoch,batch,loss`` lines (``_epoch_batch_lines``: the epoch stays over several lines and steps
    by one, the batch counts by one within it from the same start: one loss per batch on the step axis, each at its
    epoch); a title line naming a loss over a bare list (``Loss History:``, no data; it names the series unless the
    file's name names a loss); ``The loss of epoch12is:8.07`` lines (``_WORD_COUNTER``); values written as a tensor's
    repr (``tf.Tensor(8.07, shape=(), dtype=float32)``, ``tensor(0.69)``: ``tabular.unwrap_tensors``); blocks of a
    setting's heading over one line of losses (``Latent Space Dimension = 6``: a run each, ``_headed_lines``); and
    fields separated by one odd character on every line (an emoji: ``_plain_fields``, read as a comma, a leading
    date and time left out) when a layout then reads them.
    A one-column pandas frame written with ``to_csv(index=False)`` (``pd.DataFrame(losses)``: the header line ``0``,
    the column's name, over one float a line) is that bare list, the ``0`` no value (survey 18); frames appended with
    ``mode="a"`` (the ``0`` again before each) are trainings appended, the latest kept.
    A headerless table whose columns are equal on every line (one array written to every column) is one curve, read
    as a bare list is. A headerless table of 3 or more numeric columns that is none of these (``0,80,0.48,0.56,...,`` lines) is taken
    only to be refused, saying what it is: no column can be told to be the loss (NotALog: skipped in a folder). So
    is a bare list of whole numbers only in a file whose name names no loss (survey 15: ``np.savetxt`` of three
    settings, ``8.000000000000000000e+00`` ... in ``results/log.txt``: counts or settings, not a loss curve)."""

    name = "numbers"
    description = ("a headerless list of numbers (one per line, one line of comma/space-separated values, or a JSON "
                   "array [0.9, 0.8, ...]), headerless 'epoch,loss', 'epochN<TAB>loss', 'epoch, train, val' (or 'train, val, epoch') or "
                   "'loss,elapsed-time' lines, 'train, val' float pairs or one or two numbers in a file named after a loss, "
                   "'Loss, value' or 'loss: (epoch, value)' lines, 'Epoch N' header lines over bare per-batch losses (or 'loss, batch' lines), "
                   "two lines of N numbers (train, val), lines of per-batch losses (one line per epoch), "
                   "headerless 'epoch,batch,loss' lines, a 'Loss History:' title over a bare list, "
                   "'Name = K' headings each over a line of losses (a run each), "
                   "a pandas Series.to_csv(), a DataFrame.to_csv() of one row per curve (',1,2,...,N' header)")
    example = "losses.csv"
    priority = 85  # after every table with a header; before the text-log reader

    def sniff(self, head: bytes, path: Path | None) -> bool:
        try:
            text = decode_text(head, "")
        except InputError:
            return False
        cut = len(head) >= 4096
        if cut:  # a long file: its head is cut mid-token; judge its complete lines
            text = text[: text.rfind("\n")] if "\n" in text else text[: max(text.rfind(","), 0)]
        text, _ = unwrap_tensors(text)
        first, _, rest = text.lstrip().partition("\n")
        if _wide_header(first) is not None:  # (a long file's head may hold its header line alone)
            return (cut and not rest.strip()) or _wide_frame(text) is not None
        array = _json_array_body(text, complete=False)  # (a short file without its ']' is read to say so)
        if array is not None:
            return _float_list(array) is not None
        if self._reads(text, path, cut):
            return True
        plain, _ = _plain_fields(text)
        if plain != text and self._reads(plain, path, cut):
            return True
        return _unnamed_table([ln for _, ln in _lines(text)]) is not None  # refused in read(), saying what it is

    @staticmethod
    def _reads(text: str, path: Path | None, cut: bool) -> bool:
        """Whether a text (a head, cut to complete lines when ``cut``) is one of the layouts this reader reads."""
        if _number_list(text) is not None or _counter_pairs(text) is not None or _series_csv_body(text) is not None:
            return True
        if _titled_list(text) is not None:
            return True
        if _headed(text) and _headed_lines([ln for _, ln in _lines(text)], complete=not cut) is not None:
            return True
        lines = [ln for _, ln in _lines(text)]
        if any(scan(lines)[0] is not None for scan, _ in _MORE_LAYOUTS):
            return True
        if _loss_pairs(lines, path)[0] is not None:
            return True
        return not cut and _few_losses(lines, path) is not None

    def read(self, source: Source) -> list[Run]:
        text, tensors = unwrap_tensors(source.text())
        plain, plained = _plain_fields(text)
        if plained and not self._reads(text, source.label, False) and self._reads(plain, source.label, False):
            text = plain
        else:
            plained = None
        wide = _wide_frame(text)
        if wide is not None:
            return self._read_wide(wide, source)
        array = _json_array_body(text)
        if array is not None:
            text = array
        elif text.lstrip().startswith("["):
            raise InputError(source.label, "a JSON array cut short (no closing ']'): not a complete list of numbers")
        series_body = _series_csv_body(text) if array is None else None
        if series_body is not None:
            again = len(_SERIES_HEADER_AGAIN.findall(text.lstrip().partition("\n")[2]))
            text = series_body
        tokens = _number_list(text) if array is None else _float_list(text)
        frames = _frame_blocks(text, tokens) if tokens is not None and array is None and series_body is None else None
        if frames is not None:
            tokens = [t for b in frames for t in b]
        titled = _titled_list(text) if tokens is None and array is None and series_body is None else None
        if titled is not None:
            tokens = titled[1]
        pairs = _counter_pairs(text) if tokens is None and array is None else None
        headed = (_headed_lines([ln for _, ln in _lines(text)])
                  if tokens is None and pairs is None and _headed(text) else None)
        if headed is not None and array is None:
            return self._read_headed(headed, source)
        if tokens is None and pairs is None and array is None:
            more = self._read_more(text, source)
            if more is not None and plained:
                more.notes.append(f"every line {plained}")
            if more is not None:
                if tensors:
                    more.notes.append(f"{tensors} value(s) written as a tensor's repr (tf.Tensor(8.07, shape=(), "
                                      "dtype=float32), tensor(0.69)) read as their number")
                require_series(more, source.label, list(more.series))
                return [more]
        if tokens is None and pairs is None:
            if array is not None:
                raise InputError(source.label, "not a JSON array of losses (a list of lists, objects, text or "
                                 "whole numbers)")
            broken = _broken_layout(_lines(text))
            if broken is not None:
                raise InputError(source.label, f"no numeric series found: {broken}")
            unnamed = _unnamed_table([ln for _, ln in _lines(text)])
            same = _one_column_repeated(unnamed) if unnamed is not None else None
            if same is not None:
                named = _loss_named(source.label) or "loss"
                run = Run(source=source.label, format=self.name)
                run.add(build_series(named, same, epochs=np.arange(len(same), dtype=np.float64)))
                run.notes.append(f"a headerless table of {len(unnamed[0])} numeric columns equal on every one of its "
                                 f"{len(same)} lines (one array written to every column, np.savetxt of a broadcast "
                                 f"array): the columns are one curve, read as one loss, {named!r}, one per epoch "
                                 "(0..n-1); name it with --train or --val if it is another")
                require_series(run, source.label, [named])
                return [run]
            if unnamed is not None:
                # Not a log lossdoc can read, like a data set's CSV: skipped and counted in a folder, exit 2 given.
                raise NotALog(source.label, unnamed_table_problem(unnamed))
            raise InputError(source.label, "no numeric series found: not a bare list of numbers (a header, text or several columns)")
        if tokens is not None and array is None and titled is None and not tensors:
            _refuse_whole_numbers(tokens, source.label)
        named = _loss_named(source.label) or (re.sub(r"\W+", "_", titled[0]).strip("_") if titled else "loss")
        run = Run(source=source.label, format=self.name)
        if tensors:
            run.notes.append(f"{tensors} value(s) written as a tensor's repr (tensor(0.69), tf.Tensor(8.07, shape=(), "
                             "dtype=float32)) read as their number")
        if plained:
            run.notes.append(f"every line {plained}")
        restarted = pairs is not None and any(b < a for a, b in zip(pairs[0], pairs[0][1:]))
        if pairs is not None and any(a == b for a, b in itertools.pairwise(pairs[0])):
            epochs, values = pairs
            if restarted:  # runs of per-batch lines appended: the latest kept, as base.cut_restarts does
                backs = [i for i in range(1, len(epochs)) if epochs[i] < epochs[i - 1]]
                start = backs[-1]
                run.notes.append(f"the epoch counter restarts {len(backs)} time(s) (last epoch "
                                 f"{epochs[start - 1]:g} -> {epochs[start]:g}): kept the latest segment, its "
                                 f"{len(epochs) - start} lines (the {start} lines before it left out)")
                epochs, values = epochs[start:], values[start:]
            run.series[named] = build_series(named, values, steps=np.arange(len(values), dtype=np.float64),
                                             epochs=np.asarray(epochs, dtype=np.float64))
            run.notes.append(f"{len(values)} headerless lines of a counter and a number whose counter repeats "
                             f"({len(set(epochs))} value(s), {epochs[0]:g} to {epochs[-1]:g}): read as one loss, "
                             f"{named!r}, per batch on a step axis in file order (0..n-1), the counter kept as "
                             "the epoch; name it with --train or --val if it is another")
        elif pairs is not None and series_body is not None:
            epochs, values = pairs
            run.series[named] = build_series(named, values, epochs=np.asarray(epochs, dtype=np.float64))
            run.notes.append(f"a pandas Series written by to_csv() (',0' header, then index,value rows): its "
                             f"{len(values)} values read as one loss, {named!r}, at the index as the epoch; name it "
                             "with --train or --val if it is another")
            if again:  # the trainings are told apart where the index goes back (base.finish_run keeps the latest)
                run.notes.append(f"the ',0' header is written {again + 1} times: {again + 1} Series appended to the "
                                 "file one after another (to_csv(mode='a')), one a training")
        elif pairs is not None:
            epochs, values = pairs
            run.series[named] = build_series(named, values, epochs=np.asarray(epochs, dtype=np.float64))
            run.notes.append(f"{len(values)} headerless lines of a counter and a number read as one loss, {named!r}, "
                             "at the counter's epochs; name it with --train or --val if it is another")
        elif frames is not None:
            values = [float(t) for t in tokens]
            epochs = np.concatenate([np.arange(len(b), dtype=np.float64) for b in frames])
            run.series[named] = build_series(named, values, epochs=epochs)
            run.notes.append(f"a one-column pandas frame written by to_csv(index=False): its header '0' (the column's "
                             f"name) is no value; its {len(values)} values read as one loss, {named!r}, one per epoch "
                             "(0..n-1); name it with --train or --val if it is another")
            if len(frames) > 1:  # the trainings are told apart where the epoch goes back (base.finish_run)
                run.notes.append(f"the header '0' is written {len(frames)} times: {len(frames)} frames appended to "
                                 "the file one after another (to_csv(mode='a')), one a training")
        else:
            values = [float(t) for t in tokens]
            run.series[named] = build_series(named, values, epochs=np.arange(len(values), dtype=np.float64))
            what = ("a bare list" if array is None else "a JSON array" if "," in array
                    else "an array printed by NumPy")
            if titled is not None:
                what = f"a title line ({titled[0]!r}: no data) over a bare list"
            run.notes.append(f"{what} of {len(values)} numbers read as one loss, {named!r}, one per epoch "
                             "(0..n-1); name it with --train or --val if it is another")
            boxed = (sum(1 for _, ln in _lines(text) if _ONE_ELEMENT.fullmatch(ln.rstrip(",;")))
                     if array is None and "[" in text else 0)
            if boxed:
                run.notes.append(f"{boxed} of them written as one-element lists ('[x]', a NumPy array of one value "
                                 "each): read as their value")
        require_series(run, source.label, [named])
        return [run]

    def _read_wide(self, wide: tuple[list[float], list[tuple[str, list[float]]]], source: Source) -> list[Run]:
        """A ``DataFrame.to_csv`` of one row per curve over the header's epochs (``_wide_frame``). Rows that each
        start where the one before ended (``_stages``: a training in stages, each trained on from the last) are one
        loss, the stages one after another, the header's epochs counted on across rows; rows that start again (folds,
        seeds, settings: each a training from the start) are a run each, named by their row index."""
        xs, rows = wide
        named = _loss_named(source.label) or "loss"
        base = Path(source.label).name or source.label
        head = f"a pandas DataFrame written by to_csv() with one row per curve and one column per epoch (header " \
               f"',{xs[0]:g},{xs[1]:g},...,{xs[-1]:g}')"
        if _stages([vs for _, vs in rows]):
            run = Run(source=source.label, format=self.name)
            n = len(xs)
            values = [v for _, vs in rows for v in vs]
            es = [k * n + x for k in range(len(rows)) for x in xs]
            run.add(build_series(named, values, epochs=np.asarray(es, dtype=np.float64)))
            run.notes.append(f"{head}: its {len(rows)} rows each start where the one before ended, stages of one "
                             f"training: read as one loss, {named!r}, the rows one after another, the header's "
                             f"epochs counted on across rows ({xs[0]:g} to {es[-1]:g}); name it with --train or --val "
                             "if it is another")
            require_series(run, source.label, [named])
            return [run]
        x = np.asarray(xs, dtype=np.float64)
        runs = []
        for k, (index, values) in enumerate(rows, start=1):
            run = Run(source=source.label, format=self.name, name=f"{base} (row {index})")
            run.add(build_series(named, values, epochs=x))
            run.notes.append(f"{head}: row {index} ({k} of {len(rows)}) read as one loss, {named!r}, at the header's "
                             "epochs; each row a run of its own (a row starts again above where the one before "
                             "ended: folds, seeds or settings, not stages of one training); name it with --train or "
                             "--val if it is another")
            require_series(run, source.label, [named])
            runs.append(run)
        return runs

    def _read_headed(self, blocks: list[tuple[str, list[float]]], source: Source) -> list[Run]:
        """Blocks of a setting's heading over one line of losses (``_headed_lines``): a run each, named by its
        heading, its numbers one loss, one per epoch (0..n-1), as a one-line bare list is read."""
        named = _loss_named(source.label) or "loss"
        base = Path(source.label).name or source.label
        runs = []
        for k, (head, values) in enumerate(blocks, start=1):
            run = Run(source=source.label, format=self.name, name=f"{base} ({head})")
            run.add(build_series(named, values, epochs=np.arange(len(values), dtype=np.float64)))
            run.notes.append(f"block {k} of {len(blocks)}: a heading line ({head!r}) over one line of {len(values)} "
                             f"numbers, read as a run of its own (one training per setting), its numbers one loss, "
                             f"{named!r}, one per epoch (0..n-1); name it with --train or --val if it is another")
            require_series(run, source.label, [named])
            runs.append(run)
        return runs

    def _read_more(self, text: str, source: Source) -> Run | None:
        """The layouts of ``_MORE_LAYOUTS`` and ``_few_losses``, or None when the text is none of them."""
        lines = [ln for _, ln in _lines(text)]
        named = _loss_named(source.label) or "loss"
        run = Run(source=source.label, format=self.name)
        found, _ = _word_counter_lines(lines)
        if found is not None:
            word, xs, vs = found
            axis = "epoch" if word in ("epoch", "ep") else "step"
            x = np.asarray(xs, dtype=np.float64)
            run.add(build_series(named, vs, **{f"{axis}s": x}))
            run.notes.append(f"{len(vs)} lines of '{word}N value' read as one loss, {named!r}, at the {axis}s N; "
                             "name it with --train or --val if it is another")
            return run
        blocks, _ = _epoch_blocks(lines)
        if blocks is not None:
            es, vs = blocks
            run.add(build_series(named, vs, steps=np.arange(len(vs), dtype=np.float64),
                                 epochs=np.asarray(es, dtype=np.float64)))
            with_batch = " (each followed by its batch index, not kept)" if any(
                _VALUE_BATCH.fullmatch(ln) for ln in lines) else ""
            run.notes.append(f"{len(vs)} bare numbers{with_batch} under {len(set(es))} 'Epoch N' header line(s) read as one loss, "
                             f"{named!r}, one point per number on the step axis (0..n-1, counted on across epochs), "
                             "each at the epoch of the header above it; name it with --train or --val if it is another")
            return run
        found3, _ = _counter_columns(lines)
        if found3 is not None:
            xs, a, b, col = found3
            x = np.asarray(xs, dtype=np.float64)
            where = "" if col == 0 else f" ({('first', 'second', 'third')[col]} column, counting by one)"
            # (f"{epoch} {loss} {acc}": a third column rising to 1.0 while the loss falls is an accuracy; a perplexity's
            # loss keeps the name train_loss of the 'counter, train, val' reading, only the third changes.) A counter
            # that goes back is left to finish_run, as a CSV's step/epoch column is: back to the start, a run appended
            # after another (the latest segment kept, base.cut_restarts); back inside the range, a run resumed from a
            # checkpoint (spliced, base.splice_resumes). Either says so in its own note.
            what = _add_pair(run, a, b, x, named, _accuracy_like(xs, a, b), ppl_first="train_loss")
            run.notes.append(f"{len(xs)} headerless lines of a counter and two numbers: the counter{where} read as "
                             f"the epoch, {what}; name them otherwise with --train / --val")
            return run
        per_batch, _ = _epoch_batch_lines(lines)
        if per_batch is not None:
            es, vs = per_batch
            run.add(build_series(named, vs, steps=np.arange(len(vs), dtype=np.float64),
                                 epochs=np.asarray(es, dtype=np.float64)))
            run.notes.append(f"{len(vs)} headerless lines of three numbers whose first stays over several lines and "
                             "steps by one while the second counts by one within it, from the same start at each of "
                             f"its {len(set(es))} values: an epoch ({es[0]:g} to {es[-1]:g}), a batch, and one loss, "
                             f"{named!r}, one point per line on the step axis (0..n-1, counted on across epochs), "
                             "each at its epoch; name it with --train or --val if it is another")
            return run
        found2, _ = _loss_and_time(lines)
        if found2 is not None:
            vs, ts = found2
            run.add(build_series(named, vs, steps=np.arange(len(vs), dtype=np.float64)))
            run.notes.append(f"{len(vs)} headerless lines of two numbers: the first read as one loss, {named!r}; the "
                             f"second, rising at every line ({ts[0]:g} to {ts[-1]:g}), taken for the time elapsed, so "
                             "the points are numbered 0..n-1 on the step axis; name the loss with --train or --val if "
                             "it is another")
            return run
        pairs, _ = _loss_pairs(lines, source.label)
        if pairs is not None:
            a, b, rate = pairs
            x = np.arange(len(a), dtype=np.float64)
            what = _add_pair(run, a, b, x, named, rate)
            run.notes.append(f"{len(a)} headerless lines of two numbers in a file named after a loss: {what}, one per "
                             "epoch (0..n-1); name them otherwise with --train / --val")
            return run
        labelled, _ = _label_values(lines)
        if labelled is not None:
            label, vs = labelled
            run.add(build_series(label, vs, epochs=np.arange(len(vs), dtype=np.float64)))
            run.notes.append(f"{len(vs)} lines of '{label}, value' read as one loss, {label!r}, one per epoch "
                             "(0..n-1); name it with --train or --val if it is another")
            return run
        tupled, _ = _label_tuples(lines)
        if tupled is not None:
            label, xs, vs = tupled
            run.add(build_series(label, vs, epochs=np.asarray(xs, dtype=np.float64)))
            run.notes.append(f"{len(vs)} lines of '{label}: (epoch, value)' (a Python tuple printed after its name) read "
                             f"as one loss, {label!r}, at the tuples' first numbers as the epochs; name it with --train "
                             "or --val if it is another")
            return run
        two, _ = _two_line_losses(lines)
        if two is not None:
            a, b = two
            _train_then_val(run, a, b, np.arange(len(a), dtype=np.float64))
            run.notes.append(f"two headerless lines of {len(a)} numbers each (np.savetxt of a 2xN array) read as "
                             "train_loss then val_loss (the order training loops write them, as for two headerless "
                             "columns), one per epoch (0..n-1); name them otherwise with --train / --val")
            return run
        per_line, _ = _per_line_losses(lines)
        if per_line is not None:
            vs = [v for r in per_line for v in r]
            es = [float(i) for i, r in enumerate(per_line) for _ in r]
            run.add(build_series(named, vs, steps=np.arange(len(vs), dtype=np.float64),
                                 epochs=np.asarray(es, dtype=np.float64)))
            sizes = sorted({len(r) for r in per_line})
            each = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
            run.notes.append(f"{len(per_line)} headerless lines of {each} numbers each read as one loss, {named!r}, "
                             f"one point per number on the step axis (0..n-1, counted on across lines), each line an "
                             "epoch (0..n-1); name it with --train or --val if it is another")
            return run
        few = _few_losses(lines, source.label)
        if few is not None:
            run.add(build_series(named, few, epochs=np.arange(len(few), dtype=np.float64)))
            run.notes.append(f"{len(few)} number(s) in a file named after a loss read as {named!r}, one per epoch "
                             "(0..n-1): too few points for most checks")
            return run
        return None


READERS = [NumberListReader]
