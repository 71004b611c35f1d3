"""Plain expectations about a run, as in a test: ``--expect "final(val_accuracy) >= 0.9"``.

The grammar (a hand-written tokenizer and recursive-descent parser; nothing is ever evaluated as Python)::

    expectation := value OP number
    value       := FUNC "(" series ")"                     FUNC: best | final | min | max
                 | "at" "(" series "," [AXIS "="] number ")"  AXIS: step | epoch
                 | "steps_to" "(" series OP number ")"
                 | "epochs_to" "(" series OP number ")"
    OP          := "<=" | ">=" | "<" | ">"
    number      := 0.9 | 2000 | 2_000 | 1e-3 | 90%          (90% is 0.9)
    series      := a name (letters, digits, _ . - / :) or a quoted 'name' / "name"

- ``best``: the minimum, or the maximum for a higher-is-better series (accuracy); ``final``: the last logged value
  (a run that ended NaN has a NaN final, and NaN meets no expectation); ``min``/``max``: of the finite values;
- ``at(series, 2000)``: the value logged at that position on the series' own axis, or the last one before it
  (``at(val_loss, epoch=10)`` names the axis); a position past the end of the run is not met;
- ``steps_to(val_loss <= 0.5)``: the first step at which the condition holds (epochs when the series has no
  steps), infinite when it never does; ``epochs_to`` the same in epochs.

A series is named as logged; ``val_loss`` and ``train_loss`` also name the run's chosen val / train loss when no
series has that exact name (``eval_loss`` in a Hugging Face log). An unknown series or a typo is an
``ExpectationError`` (a usage error: exit 2) in one line that lists the series or points at the column.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossdoc.errors import UsageError

FUNCTIONS = ("best", "final", "min", "max", "at", "steps_to", "epochs_to")
OPS = ("<=", ">=", "<", ">")
AXES = ("step", "epoch")


class ExpectationError(UsageError):
    """An expectation that does not parse, or names a series a run does not have."""


# ---------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # name | number | string | op | ( | ) | , | = | end
    text: str
    col: int  # 1-based column of the token's first character
    value: float | None = None


_NUMBER = re.compile(r"[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?%?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/:@\[\]]*")


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        col = i + 1
        if text.startswith(("<=", ">="), i):
            out.append(Token("op", text[i : i + 2], col))
            i += 2
        elif ch in "<>":
            out.append(Token("op", ch, col))
            i += 1
        elif ch == "=":
            nxt = text[i + 1 : i + 2]
            if nxt == "=" or nxt == "<" or nxt == ">":
                raise ExpectationError(f"{text[i:i + 2]!r} at column {col}: use one of {', '.join(OPS)}")
            out.append(Token("=", ch, col))
            i += 1
        elif ch == "!":
            raise ExpectationError(f"'!' at column {col}: use one of {', '.join(OPS)}")
        elif ch in "(),":
            out.append(Token(ch, ch, col))
            i += 1
        elif ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpectationError(f"unclosed quote at column {col}")
            out.append(Token("string", text[i + 1 : end], col))
            i = end + 1
        elif ch.isdigit() or (ch in "+-." and i + 1 < n and (text[i + 1].isdigit() or text[i + 1] == ".")):
            m = _NUMBER.match(text, i)
            if not m:
                raise ExpectationError(f"a malformed number at column {col}")
            out.append(Token("number", m.group(0), col, _number(m.group(0), col)))
            i = m.end()
            if i < n and (text[i].isalpha() or text[i] == "_"):
                raise ExpectationError(f"a malformed number {text[col - 1:i + 1]!r} at column {col}")
        elif ch.isalpha() or ch == "_":
            m = _NAME.match(text, i)
            out.append(Token("name", m.group(0), col))
            i = m.end()
        else:
            raise ExpectationError(f"unexpected {ch!r} at column {col}")
    out.append(Token("end", "", n + 1))
    return out


def _number(text: str, col: int) -> float:
    pct = text.endswith("%")
    body = text.removesuffix("%").replace("_", "")
    try:
        v = float(body)
    except ValueError:
        raise ExpectationError(f"a malformed number {text!r} at column {col}") from None
    if not math.isfinite(v):
        raise ExpectationError(f"the number {text!r} at column {col} is not finite")
    return v / 100.0 if pct else v


# ---------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Expect:
    """One parsed expectation: ``func(series[, arg]) op threshold``."""

    text: str
    func: str
    series: str
    op: str
    threshold: float
    at: float | None = None  # at(): the position
    axis: str | None = None  # at(): the axis named, if any
    cond_op: str | None = None  # steps_to()/epochs_to(): the condition
    cond_value: float | None = None

    def describe(self) -> str:
        return f"{self.value_text()} {self.op} {_fmt(self.threshold)}"

    def value_text(self) -> str:
        if self.func == "at":
            where = f"{self.axis}={_fmt(self.at)}" if self.axis else _fmt(self.at)
            return f"at({self.series}, {where})"
        if self.func in ("steps_to", "epochs_to"):
            return f"{self.func}({self.series} {self.cond_op} {_fmt(self.cond_value)})"
        return f"{self.func}({self.series})"


def _fmt(v: float | None) -> str:
    if v is None:
        return "?"
    return f"{int(v):,}".replace(",", "_") if float(v).is_integer() and abs(v) >= 10_000 else f"{v:g}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self, kind: str, what: str) -> Token:
        t = self.tok
        if t.kind != kind:
            found = "the end" if t.kind == "end" else repr(t.text)
            raise ExpectationError(f"expected {what} at column {t.col}, found {found}")
        self.i += 1
        return t

    def series(self) -> str:
        t = self.tok
        if t.kind in ("name", "string"):
            self.i += 1
            if t.kind == "string" and not t.text:
                raise ExpectationError(f"an empty series name at column {t.col}")
            return t.text
        found = "the end" if t.kind == "end" else repr(t.text)
        raise ExpectationError(f"expected a series name at column {t.col}, found {found}")

    def op(self) -> str:
        t = self.take("op", f"a comparison ({', '.join(OPS)})")
        return t.text

    def number(self) -> float:
        return float(self.take("number", "a number").value)

    def parse(self) -> Expect:
        t = self.tok
        if t.kind != "name":
            found = "nothing" if t.kind == "end" else repr(t.text)
            raise ExpectationError(f"expected a function ({', '.join(FUNCTIONS)}) at column {t.col}, found {found}")
        func = t.text.lower()
        if func not in FUNCTIONS:
            close = difflib.get_close_matches(func, FUNCTIONS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ExpectationError(
                f"unknown function {t.text!r} at column {t.col} (functions: {', '.join(FUNCTIONS)}){hint}"
            )
        self.i += 1
        self.take("(", f"'(' after {func}")
        kw: dict[str, Any] = {}
        series = self.series()
        if func == "at":
            self.take(",", "',' and a position, as in at(val_loss, 2000)")
            if self.tok.kind == "name":
                axis_tok = self.tok
                if axis_tok.text.lower() not in AXES:
                    raise ExpectationError(
                        f"unknown axis {axis_tok.text!r} at column {axis_tok.col} (axes: {', '.join(AXES)})"
                    )
                self.i += 1
                self.take("=", f"'=' after {axis_tok.text}")
                kw["axis"] = axis_tok.text.lower()
            kw["at"] = self.number()
        elif func in ("steps_to", "epochs_to"):
            kw["cond_op"] = self.op()
            kw["cond_value"] = self.number()
        self.take(")", "')'")
        op = self.op()
        threshold = self.number()
        if self.tok.kind != "end":
            raise ExpectationError(f"unexpected {self.tok.text!r} at column {self.tok.col} after the number")
        return Expect(self.text.strip(), func, series, op, threshold, **kw)


def parse(text: str) -> Expect:
    """Parse one expectation. Raises ExpectationError (one line: the problem and its column)."""
    if not isinstance(text, str):
        raise ExpectationError(f"an expectation must be a string, not {type(text).__name__}")
    if len(text) > 1000:
        raise ExpectationError("an expectation longer than 1,000 characters")
    if not text.strip():
        raise ExpectationError("an empty expectation")
    return _Parser(text).parse()


def parse_all(texts: list[str], where: str = "--expect") -> list[Expect]:
    """Parse several; an error names the expectation: ``--expect 'bset(val_loss) <= 0.3': unknown function...``."""
    out = []
    for i, t in enumerate(texts):
        try:
            out.append(parse(t))
        except ExpectationError as exc:
            label = where if where == "--expect" else f"{where}[{i}]"
            raise ExpectationError(f"{label} {t!r}: {exc}") from None
    return out


# ---------------------------------------------------------------------------------------------- evaluation


@dataclass
class Outcome:
    """What an expectation found on a run."""

    expect: Expect
    ok: bool
    value: float
    series: str
    x: float | None = None  # where the value was read
    axis: str | None = None
    detail: str = ""  # why it is not met when the value alone does not say (never reached, past the end)


def find_series(run: Any, name: str) -> Any:
    """The series called ``name``: the exact name, else the same name after normalising separators and case,
    else, for ``val_loss`` / ``train_loss``, the run's chosen val / train loss. None when there is none."""
    from lossdoc.naming import normalise

    if name in run.series:
        return run.series[name]
    want = normalise(name)
    for s in run.series.values():
        if normalise(s.name) == want:
            return s
    if want in ("val_loss", "validation_loss"):
        return run.val_loss
    if want in ("train_loss", "training_loss"):
        return run.train_loss
    return None


def _compare(value: float, op: str, threshold: float) -> bool:
    if math.isnan(value):
        return False
    return {"<=": value <= threshold, ">=": value >= threshold, "<": value < threshold, ">": value > threshold}[op]


def evaluate(e: Expect, run: Any) -> Outcome:
    """Check one expectation on a run. Raises ExpectationError when the run has no such series."""
    s = find_series(run, e.series)
    if s is None:
        names = ", ".join(run.series) or "none"
        close = difflib.get_close_matches(e.series, list(run.series), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ExpectationError(f"--expect {e.text!r}: no series {e.series!r} in {run.label} (series: {names}){hint}")
    v = np.asarray(s.values, dtype=np.float64)
    x = np.asarray(s.x, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    x, v = x[order], v[order]
    fin = np.isfinite(v)
    axis = s.axis
    detail = ""
    pos: float | None = None
    if e.func in ("best", "min", "max"):
        kind = e.func
        if kind == "best":
            if s.higher_is_better is None:
                raise ExpectationError(f"--expect {e.text!r}: lossdoc cannot tell whether higher or lower is better "
                                       f"for {s.name!r}; use min() or max()")
            kind = "max" if s.higher_is_better else "min"
        if fin.any():
            i = int(np.argmax(np.where(fin, v, -np.inf)) if kind == "max" else np.argmin(np.where(fin, v, np.inf)))
            value, pos = float(v[i]), float(x[i])
        else:
            value, detail = math.nan, "no finite value"
    elif e.func == "final":
        if len(v):
            value, pos = float(v[-1]), float(x[-1])
        else:
            value, detail = math.nan, "no value"
    elif e.func == "at":
        ax = e.axis or axis
        pos_arr = _positions(s, ax, e)
        ok = np.isfinite(pos_arr)
        if ok.any() and e.at > float(pos_arr[ok].max()):
            value, detail = math.nan, f"the run ends at {ax} {_fmt(float(pos_arr[ok].max()))}"
        else:
            idx = np.flatnonzero(ok & (pos_arr <= e.at))
            if not len(idx):
                value, detail = math.nan, f"nothing logged at or before {ax} {_fmt(e.at)}"
            else:
                j = idx[np.argmax(pos_arr[idx])]
                value, pos = float(s.values[j]), float(pos_arr[j])
        axis = ax
    else:  # steps_to / epochs_to
        ax = "epoch" if e.func == "epochs_to" else ("step" if s.steps is not None else axis)
        pos_arr = _positions(s, ax, e)
        hit = np.flatnonzero(np.isfinite(s.values) & np.isfinite(pos_arr)
                             & np.array([_compare(float(a), e.cond_op, e.cond_value) for a in s.values], dtype=bool))
        if len(hit):
            j = hit[np.argmin(pos_arr[hit])]
            value = pos = float(pos_arr[j])
        else:
            value, detail = math.inf, f"{s.name} never got {e.cond_op} {_fmt(e.cond_value)}"
        axis = ax
    return Outcome(e, _compare(value, e.op, e.threshold), value, s.name, pos, axis, detail)


def _positions(s: Any, axis: str, e: Expect) -> np.ndarray:
    arr = s.steps if axis == "step" else s.epochs
    if arr is None:
        if s.axis == axis:
            return np.asarray(s.x, dtype=np.float64)
        raise ExpectationError(f"--expect {e.text!r}: {s.name!r} has no {axis} positions (it is logged by {s.axis})")
    return np.asarray(arr, dtype=np.float64)
