"""TensorBoard UI downloads: one tag per file, as CSV (``Wall time,Step,Value``) or JSON (``[[wall, step, value]]``).

The values say nothing of what they are: the series name and role come from the tag in the file name. TensorBoard
names its downloads ``run-<run>-tag-<tag>.csv`` (``/`` in the tag replaced by ``_``); any other name is taken as
the tag itself (``val_loss.csv`` -> ``val_loss``). A run named like a Keras split folder (``train``,
``validation``, ``fit_2024_validation``) gives the series a split prefix: ``run-validation-tag-epoch_loss.csv``
-> ``validation/epoch_loss``.

A folder whose CSV/JSON files are all such exports is read as one Run per run (per ``<run>``, or the folder for
files with no ``run-`` part). ``lossdoc analyze --join loss.csv val_loss.csv`` joins single files through the
registry.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from lossdoc import naming
from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import is_epoch_tag
from lossdoc.readers.base import HEAD_BYTES, Reader, Source, build_series, decode_text, read_file

FORMAT = "tb-export"
EXTENSIONS = (".csv", ".json")
MAX_FOLDER_FILES = 5_000

_HEADERS = (("wall time", "step", "value"), ("step", "value"))
_NUM = r"-?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?"  # possessive: linear on hostile input
_JSON_VALUE = rf"(?:{_NUM}|NaN|-?Infinity|null|\"[^\"]*\")"
_JSON_HEAD = re.compile(rf"^\[\s*\[\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_JSON_VALUE}\s*\]\s*[,\]]")
#: The smallest first number of a JSON export row that reads as a wall time (2001-09-09, in seconds since 1970).
MIN_WALL_TIME = 1e9
# "run-<run>-tag-<tag>", possibly after a prefix a person added when saving ("myproj__run-.-tag-loss").
_EXPORT_NAME = re.compile(r"(?:^|(?<=[^A-Za-z0-9]))run-(?P<run>.*)-tag-(?P<tag>.+)$")
@dataclass
class ExportName:
    """What a file's name says: the tag, the run (None for none / TensorBoard's root run "."), the grouping key."""

    tag: str
    run: str | None
    prefix: str  # text before "run-" (a person's renaming), part of the grouping key
    split_word: str | None  # the run's trailing split word (train / validation ...), as written

    @property
    def series_name(self) -> str:
        if self.split_word and not self.tag.lower().startswith(self.split_word.lower() + "/"):
            return f"{self.split_word}/{self.tag}"
        return self.tag

    @property
    def base_run(self) -> str | None:
        """The run without its split word: Keras' train and validation runs are one run."""
        if self.run is None:
            return None
        if self.split_word:
            rest = self.run[: len(self.run) - len(self.split_word)].rstrip("_/-. ")
            return rest or None
        return self.run


def parse_name(path: Path | None, label: str) -> ExportName:
    stem = path.name if path is not None else Path(label).name
    for ext in EXTENSIONS:
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    m = _EXPORT_NAME.search(stem)
    if m is None:
        return ExportName(tag=stem or "value", run=None, prefix="", split_word=None)
    run = m.group("run")
    prefix = stem[: m.start()]
    run_name = None if run in ("", ".") else run
    word = None
    if run_name:
        last = re.split(r"[_/\-. ]+", run_name)[-1]
        if naming.split_word(last):
            word = last
    return ExportName(tag=m.group("tag"), run=run_name, prefix=prefix, split_word=word)


# ------------------------------------------------------------------------------------------- sniffing


def _header_cells(line: str) -> tuple[str, ...]:
    return tuple(c.strip().strip("\"'").strip().lower() for c in line.split(","))


def sniff_bytes(head: bytes) -> bool:
    text = head.decode("utf-8-sig", errors="replace")
    text = text.lstrip("\ufeff").lstrip()
    if not text:
        return False
    if text[0] == "[":
        m = _JSON_HEAD.match(text)
        if not m:
            return False
        # TensorBoard writes the wall time first, seconds since 1970 (1e9 and more since 2001): a list of
        # [step, train, val] triples (a loop's own history, steps 200, 400...) is not an export, however alike.
        first = re.match(rf"\[\s*\[\s*({_NUM})", text)
        try:
            return first is not None and float(first.group(1)) >= MIN_WALL_TIME
        except ValueError:
            return False
    first = text.split("\n", 1)[0].rstrip("\r")
    return _header_cells(first) in _HEADERS


# ------------------------------------------------------------------------------------------- parsing


def _float(cell) -> float:
    if isinstance(cell, bool):
        raise ValueError("a boolean")  # noqa: TRY004 - callers turn ValueError into an InputError
    if isinstance(cell, (int, float)):
        return float(cell)
    if isinstance(cell, str):
        return float(cell.strip().strip("\"'"))
    raise ValueError(f"{cell!r}")


def parse_csv(text: str, label: str) -> tuple[list[float], list[float], list[str]]:
    """Steps and values of a CSV export, and notes. Bad content raises InputError (or, on the last line, a note)."""
    lines = text.split("\n")
    header_at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if header_at is None:
        raise InputError(label, "empty file")
    header = _header_cells(lines[header_at])
    if header not in _HEADERS:
        raise InputError(label, "not a TensorBoard export: the header is not 'Wall time,Step,Value'")
    step_col = header.index("step")
    value_col = header.index("value")
    steps: list[float] = []
    values: list[float] = []
    notes: list[str] = []
    empty = 0
    body = [(i + 1, ln) for i, ln in enumerate(lines) if i > header_at and ln.strip()]
    for k, (lineno, line) in enumerate(body):
        cells = line.split(",")
        try:
            if len(cells) != len(header):
                raise ValueError(f"{len(cells)} cells")
            if not cells[value_col].strip().strip("\"'"):
                empty += 1
                continue
            step = _float(cells[step_col])
            value = _float(cells[value_col])
        except ValueError:
            if k == len(body) - 1 and not text.endswith("\n"):
                notes.append(f"{label}: last line {lineno} incomplete (file still being written?); skipped")
                break
            raise InputError(label, f"line {lineno}: expected {len(header)} numbers, got {line.strip()[:60]!r}")
        steps.append(step)
        values.append(value)
    if empty:
        notes.append(f"{label}: {empty} rows with an empty value skipped")
    return steps, values, notes


def parse_json(text: str, label: str) -> tuple[list[float], list[float], list[str]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(label, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list):
        raise InputError(label, "not a TensorBoard export: expected a list of [wall time, step, value]")
    steps: list[float] = []
    values: list[float] = []
    notes: list[str] = []
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != 3:
            raise InputError(label, f"entry {i}: expected [wall time, step, value], got {json.dumps(row)[:60]}")
        if row[2] is None:
            values.append(math.nan)  # JSON has no NaN; some writers put null for it
        else:
            try:
                values.append(_float(row[2]))
            except ValueError:
                raise InputError(label, f"entry {i}: the value {row[2]!r} is not a number") from None
        try:
            steps.append(_float(row[1]))
        except ValueError:
            raise InputError(label, f"entry {i}: the step {row[1]!r} is not a number") from None
    return steps, values, notes


def parse_export(raw: bytes, label: str) -> tuple[list[float], list[float], list[str]]:
    text = decode_text(raw, label)
    if text.lstrip().startswith("["):
        return parse_json(text, label)
    return parse_csv(text, label)


def _add(run: Run, en: ExportName, steps: list[float], values: list[float]) -> None:
    name = en.series_name
    if name in run.series:
        i = 2
        while f"{name} ({i})" in run.series:
            i += 1
        run.notes.append(f"two exports of {name}; the second is named '{name} ({i})'")
        name = f"{name} ({i})"
    if is_epoch_tag(en.tag):
        s = build_series(name, values, epochs=steps, role_name=en.series_name)
    else:
        s = build_series(name, values, steps=steps, role_name=en.series_name)
    run.add(s)


# ------------------------------------------------------------------------------------------- reader


def _export_files(path: Path) -> list[Path] | None:
    """The folder's export files when every CSV/JSON file directly in it is one (and there is at least one)."""
    found: list[Path] = []
    with os.scandir(path) as it:
        for k, entry in enumerate(it):
            if k > MAX_FOLDER_FILES:
                return None
            if entry.name.startswith(".") or not entry.name.lower().endswith(EXTENSIONS):
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            p = Path(entry.path)
            try:
                with open(p, "rb") as fh:
                    head = fh.read(HEAD_BYTES)
            except OSError:
                return None
            if not sniff_bytes(head):
                return None
            found.append(p)
    return sorted(found) or None


class TbExportReader(Reader):
    name = "tb-export"
    description = (
        "TensorBoard UI downloads: CSV 'Wall time,Step,Value' or JSON [[wall, step, value]], tag in the name"
    )
    handles_dirs = True
    example = "run-train-tag-epoch_loss.csv"
    priority = 12

    def sniff(self, head: bytes, path: Path | None) -> bool:
        return sniff_bytes(head)

    def sniff_dir(self, path: Path) -> bool:
        return _export_files(path) is not None

    def read(self, source: Source) -> list[Run]:
        try:
            raw = source.read_bytes()
        except OSError as exc:
            raise InputError(source.label, exc.strerror or str(exc)) from None
        steps, values, notes = parse_export(raw, source.label)
        if not values:
            raise InputError(source.label, "no data rows")
        en = parse_name(source.path, source.label)
        run = Run(source=source.label, format=FORMAT, name=en.run)
        run.notes.extend(notes)
        _add(run, en, steps, values)
        return [run]

    def read_dir(self, path: Path) -> list[Run]:
        try:
            files = _export_files(path)
        except OSError as exc:
            raise InputError(str(path), exc.strerror or str(exc)) from None
        if not files:
            raise InputError(str(path), "no TensorBoard export files (Wall time,Step,Value CSV or JSON) here")
        runs: dict[tuple[str, str | None], Run] = {}
        for f in files:
            en = parse_name(f, str(f))
            key = (en.prefix, en.base_run)
            run = runs.get(key)
            if run is None:
                name = en.base_run or en.prefix.rstrip("_-. ") or path.resolve().name
                run = runs[key] = Run(source=str(path), format=FORMAT, name=name)
            try:
                raw = read_file(f)
                steps, values, notes = parse_export(raw, str(f))
            except InputError as exc:
                run.notes.append(f"{exc}; skipped")
                continue
            except OSError as exc:
                run.notes.append(f"{f}: cannot be read ({exc.strerror or exc}); skipped")
                continue
            run.notes.extend(notes)
            if values:
                _add(run, en, steps, values)
        out = [r for r in runs.values() if r.series]
        if not out:
            raise InputError(str(path), "the export files hold no data rows")
        return out


READERS = [TbExportReader]
