"""Following growing logs (``lossdoc watch``): each check reads only what was appended since the last one.

A ``Follower`` cuts its path into units as a sweep does (``registry.split``: a file, a run folder, a logdir's run
folders, which may appear while it is followed) and keeps one tail per unit:

- **lines** (CSV-family formats after their header line, JSON-lines formats): the complete lines appended since the
  last check, parsed by the format's own reader as a small file of the header and those lines, and appended to the
  series read so far. A last line without its line end is waited for (the offset stops before it); a header that
  changed (Lightning's CSVLogger rewrites its file when a new column appears), a file that shrank or was replaced,
  is read again whole;
- **records** (TensorBoard event files): the complete TFRecords appended since the last check (length and CRCs
  framed first; a record cut short is waited for), decoded by the TensorBoard reader as a small event file;
- **reread** (every other format: whole-document JSON such as history.json and trainer_state.json, folders):
  read again whole, but only when the file's (or the folder's files') size, mtime or inode changed. A text log
  whose lines parse alone (checked once on the file: three pieces cut at line ends read the same as the whole)
  is followed by its lines; one whose lines need the lines before them (Keras' progress output) is re-read.
  A TensorBoard run folder in the usual layouts (one event file; a Keras run's train/ and validation/) is
  followed file by file, record by record (``EventDirTail``).

What the reader produced is kept *before* ``finish_run`` (restart cuts, % rescaling, component sums), which is
applied to the whole history at each check, so the clean-ups see the same points a full read would. A read that
fails while the log is being written (a JSON document half rewritten) keeps the last good runs and is tried again
at the next check; the final report of ``lossdoc watch`` is a full read. Which formats append line by line or
record by record is said here, in ``APPENDS``, keyed by reader name (a format not listed is re-read: always
right, only slower).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run, Series
from lossdoc.readers.base import HEAD_BYTES, Reader, Source, finish_run
from lossdoc.readers.tabular import NO_VALUES, header_end

#: How each format grows. "lines": complete lines appended after a header line (``header`` True) or none; each line
#: parses the same alone. "records": TFRecords appended. Formats not listed are re-read whole when they change.
APPENDS: dict[str, tuple[str, bool]] = {
    "csv": ("lines", True),
    "lightning-csv": ("lines", True),
    "keras-csvlogger": ("lines", True),
    "keras-history-csv": ("lines", True),
    "ultralytics": ("lines", True),
    "fastai": ("lines", True),
    "tb-export": ("lines", True),
    "jsonl": ("lines", False),
    "detectron2": ("lines", False),
    "mmengine": ("lines", False),
    "tensorboard": ("records", False),
}

#: Read at most this much of an appended stretch per check (a log that grew by gigabytes is taken in pieces).
CHUNK = 64 << 20


def pick_reader(source: Source, input_format: str | None) -> Reader:
    """The reader a full read would use for this file (``registry.read_source``'s choice)."""
    from lossdoc.readers.registry import get_reader, reader_names, readers

    if input_format:
        return get_reader(input_format)
    head = source.head(HEAD_BYTES)
    if not head.strip():
        raise NotALog(source.label, "empty file")
    for r in readers():
        try:
            ok = r.sniff(head, source.path)
        except Exception:  # a sniffer must never take the read down
            ok = False
        if ok:
            return r
    raise NotALog(source.label, f"not a training log lossdoc recognises (formats: {', '.join(reader_names())})")


def _signature(path: Path) -> tuple[int, int, int]:
    """(inode, size, mtime) of the file; an SQLite database's write-ahead log (``mlflow.db-wal``) changes while the
    database file does not, so its mtime counts too."""
    st = os.stat(path)
    mtime = st.st_mtime_ns
    try:
        mtime = max(mtime, os.stat(f"{path}-wal").st_mtime_ns)
    except OSError:
        pass
    return (st.st_ino, st.st_size, mtime)


def complete_records(data: bytes) -> int:
    """How many leading bytes of ``data`` are whole TFRecords (length, its CRC, payload, its CRC); the rest is a
    record still being written. Only the framing is checked here; the reader checks the CRCs."""
    end, n = 0, len(data)
    while end + 12 <= n:
        (length,) = struct.unpack_from("<Q", data, end)
        stop = end + 12 + length + 4
        if stop > n:
            break
        end = stop
    return end


@dataclass
class FileTail:
    """One file followed: the offset read up to, its header line, the runs read so far (before finish_run)."""

    path: Path
    input_format: str | None = None
    reader: Reader | None = None
    mode: str = "reread"
    header: bytes = b""
    offset: int = 0
    sig: tuple[int, int, int] | None = None
    raw: list[Run] | None = None
    problem: str | None = None  # why the last check could not read it (it is tried again)
    bytes_read: int = 0  # for the cost tests: what the checks read in all
    _probed: bool = False
    _has_header: bool = False
    _wait: bool = False  # lines mode found by probing: a piece that does not parse yet waits for more lines

    def poll(self) -> bool:
        """Take what was appended. True when the runs changed."""
        try:
            sig = _signature(self.path)
        except FileNotFoundError:
            return False
        if sig == self.sig:
            return False
        try:
            changed = self._poll(sig)
            self.problem = None
            return changed
        except NotALog as exc:  # not (yet) a log: an empty file just made, a README beside the runs
            self.problem = f"not a log: {exc}"
            return False
        except InputError as exc:  # half-written: keep what was read, try again next time
            self.problem = str(exc)
            return False

    def _poll(self, sig: tuple[int, int, int]) -> bool:
        if self.reader is None:
            self.reader = pick_reader(Source(str(self.path), self.path), self.input_format)
            self.mode, has_header = APPENDS.get(self.reader.name, ("reread", False))
            self._has_header = has_header
            if self.mode == "lines" and not has_header and _json_array(self.path):
                self.mode = "reread"  # a JSON array of records is one document, rewritten whole (json.dump)
        replaced = self.sig is not None and (sig[0] != self.sig[0] or sig[1] < self.offset)
        if self.raw is None or self.mode == "reread" or replaced or not self._same_header():
            return self._reread(sig)
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read(CHUNK)
        self.bytes_read += len(data)
        end = data.rfind(b"\n") + 1 if self.mode == "lines" else complete_records(data)
        self.sig = sig if self.offset + len(data) >= sig[1] else None  # more to read: look again next time
        if end == 0:
            return False  # only a line or record still being written
        chunk = data[:end]
        try:
            runs = self.reader.read(Source(str(self.path), self.path, data=self.header + chunk))
        except InputError:
            if self._wait:
                return False  # a text log's lines that do not parse yet: read again with the next ones
            self.offset += end  # lines or records with no point in them (a graph, a blank row): nothing to add
            return False
        self.offset += end
        if not _append(self.raw, runs):
            return self._reread(sig)
        return True

    def _same_header(self) -> bool:
        if not self._has_header:
            return True
        with open(self.path, "rb") as fh:
            return fh.read(len(self.header)) == self.header

    def _reread(self, sig: tuple[int, int, int]) -> bool:
        from lossdoc.readers.base import read_file

        data = read_file(self.path, str(self.path))
        self.bytes_read += len(data)
        end = len(data)
        if self.mode == "lines" or self.mode == "reread" and data.lstrip()[:1] not in (b"{", b"["):
            end = data.rfind(b"\n") + 1  # a line still being written is not read (JSON documents are read whole)
        elif self.mode == "records":
            end = complete_records(data)
        if end == 0:
            self.sig = None
            return False
        if self.mode == "lines" and self._has_header:
            self.header = data[: header_end(data)]  # with the comment lines above a CSV header, if any
        self.raw = self.reader.read(Source(str(self.path), self.path, data=data[:end]))
        self.offset = end
        self.sig = sig
        if self.mode == "reread" and self.reader.name not in APPENDS and not self._probed:
            self._probe(data[: data.rfind(b"\n") + 1])
        return True

    def _probe(self, data: bytes) -> None:
        """A format not known to append line by line (a text log) is followed by its lines when this file's last
        lines, fed one at a time as the checks would take them (a piece that does not parse yet waits for the
        next line), give the runs that reading them together gives: checked once, at the first check with enough
        lines. A log whose lines depend on each other in a way that breaks this is read again whole at each
        change."""
        lines = data.splitlines(keepends=True)
        if len(lines) < 12:
            return  # too short to tell: asked again at the next change
        self._probed = True
        window = lines[-60:]
        label = str(self.path)
        try:
            whole = self.reader.read(Source(label, self.path, data=b"".join(window)))
        except InputError:
            return
        acc, pending = None, b""
        for line in window:
            pending += line
            try:
                runs = self.reader.read(Source(label, self.path, data=pending))
            except InputError:
                continue
            pending = b""
            if acc is None:
                acc = runs
            elif not _append(acc, runs):
                return
        if acc is not None and not pending and _same_runs(acc, whole):
            self.mode, self._has_header, self._wait = "lines", False, True

    def runs(self) -> list[Run]:
        return [finish_run(_copy(r)) for r in self.raw or []]


def _json_array(path: Path) -> bool:
    """Whether a file is a JSON array (read whole by the JSON-lines reader), not one object per line."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


def _copy(run: Run) -> Run:
    out = Run(source=run.source, format=run.format, series=dict(run.series), name=run.name,
              notes=list(run.notes), meta=dict(run.meta), train_override=run.train_override,
              val_override=run.val_override)
    return out


def _append(acc: list[Run], new: list[Run]) -> bool:
    """Append the series of ``new`` (runs read from the appended lines or records) to ``acc``, run by run and
    series by series. False when they do not line up (another number of runs, an axis that appeared or went):
    the caller reads the file again whole."""
    if len(acc) != len(new):
        return False
    for a, b in zip(acc, new, strict=True):
        for name, s in b.series.items():
            old = a.series.get(name)
            if old is None:  # a column with no values so far (a val loss not logged yet) that now has some
                a.add(s)
                a.notes = [n for n in a.notes if n != f"{name}: {NO_VALUES}"]
                continue
            if (old.steps is None) != (s.steps is None) or (old.epochs is None) != (s.epochs is None):
                return False
            steps, epochs = s.steps, s.epochs
            # A format without a step or epoch column numbers its rows 0..n-1: the new rows go on from there.
            if epochs is not None and steps is None and _numbered(old.epochs) and _numbered(epochs):
                epochs = epochs + len(old)
            a.series[name] = Series(
                name, np.concatenate([old.values, s.values]),
                None if steps is None else np.concatenate([old.steps, steps]),
                None if epochs is None else np.concatenate([old.epochs, epochs]),
                old.split, old.kind, old.higher_is_better, old.derived,
            )
    return True


def _same_runs(a: list[Run], b: list[Run]) -> bool:
    """The same series (names, values, positions; NaN equal to NaN) run by run."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        if sorted(ra.series) != sorted(rb.series):
            return False
        for name, s in ra.series.items():
            t = rb.series[name]
            for x, y in ((s.values, t.values), (s.steps, t.steps), (s.epochs, t.epochs)):
                if (x is None) != (y is None) or x is not None and not np.array_equal(x, y, equal_nan=True):
                    return False
    return True


def _numbered(x: np.ndarray | None) -> bool:
    return x is not None and len(x) > 0 and bool(np.array_equal(x, np.arange(len(x), dtype=x.dtype)))


@dataclass
class DirTail:
    """A folder read whole (a TensorBoard run folder, an MLflow run...), again only when a file in it changed."""

    path: Path
    input_format: str | None = None
    root: str | None = None
    sig: tuple | None = None
    raw: list[Run] | None = None
    problem: str | None = None
    bytes_read: int = 0

    def poll(self) -> bool:
        sig = _dir_signature(self.path)
        if sig == self.sig:
            return False
        from lossdoc.readers.registry import Unit, read_unit

        found = read_unit(Unit(str(self.path), root=self.root, lenient=True), self.input_format)
        self.bytes_read += sum(s for _, s, _ in sig)
        if found.errors and not found.runs:
            self.problem = str(found.errors[0])
            return False
        self.problem = None
        self.sig = sig
        self.raw = found.runs
        return True

    def runs(self) -> list[Run]:
        return list(self.raw or [])


@dataclass
class EventDirTail:
    """A TensorBoard run folder in the usual layouts (one event file, or a Keras run's ``train/`` and
    ``validation/`` folders with one each): every event file followed record by record, the run made of their
    series as the folder reader names them. Any other layout (several event files in one folder: a resumed run,
    whose points the folder reader merges) is read whole when it changes (``DirTail``)."""

    path: Path
    root: str | None = None
    files: dict[str, FileTail] = field(default_factory=dict)
    fallback: DirTail | None = None
    problem: str | None = None

    def poll(self) -> bool:
        from lossdoc.naming import split_word
        from lossdoc.readers.tensorboard import EVENT_MARK

        found: list[Path] = []
        simple = True
        try:
            for e in sorted(os.scandir(self.path), key=lambda e: e.name):
                if e.is_file() and EVENT_MARK in e.name:
                    found.append(Path(e.path))
                elif e.is_dir(follow_symlinks=False) and split_word(e.name):
                    sub = sorted(p for p in Path(e.path).iterdir() if EVENT_MARK in p.name)
                    simple &= len(sub) <= 1 and not any(p.is_dir() for p in Path(e.path).iterdir())
                    found += sub
                elif e.is_dir(follow_symlinks=False):
                    simple = False  # nested runs: the folder reader knows how they fold together
        except OSError:
            return False
        in_root = [p for p in found if p.parent == self.path]
        simple &= len(in_root) <= 1 and not (in_root and len(found) > 1)
        if not simple or self.fallback is not None:
            if self.fallback is None:
                self.fallback = DirTail(self.path, "tensorboard", self.root)
            changed = self.fallback.poll()
            self.problem = self.fallback.problem
            return changed
        changed = False
        for p in found:
            tail = self.files.setdefault(str(p), FileTail(p, "tensorboard"))
            changed |= tail.poll()
        self.problem = next((t.problem for t in self.files.values() if t.problem), None)
        return changed

    def runs(self) -> list[Run]:
        if self.fallback is not None:
            return self.fallback.runs()
        run = Run(source=str(self.path), format="tensorboard", name=self._name())
        for tail in self.files.values():
            for r in tail.raw or []:
                for name, s in r.series.items():
                    if name in run.series:  # two files give one name: the folder reader's business
                        self.fallback = DirTail(self.path, "tensorboard", self.root)
                        self.fallback.poll()
                        return self.fallback.runs()
                    run.add(s)
                run.notes.extend(r.notes)
        run.meta["event_files"] = len(self.files)
        return [finish_run(run)] if run.series else []

    def _name(self) -> str:
        if self.root is not None and self.path.is_relative_to(self.root):
            return self.path.relative_to(self.root).as_posix()
        return self.path.name or self.path.resolve().name

    @property
    def bytes_read(self) -> int:
        return sum(t.bytes_read for t in self.files.values()) + (self.fallback.bytes_read if self.fallback else 0)


def _dir_signature(path: Path, limit: int = 100_000) -> tuple:
    from lossdoc.readers.registry import walk

    out = []
    try:
        for root, dirs, files in walk(path, strict=False):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(root, f)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out.append((p, st.st_size, st.st_mtime_ns))
                if len(out) >= limit:
                    return tuple(out)
    except InputError:
        pass
    return tuple(out)


@dataclass
class Follower:
    """Everything under one path, followed: ``poll()`` takes what was appended and says which units changed;
    ``runs()`` is the current view, unit by unit."""

    path: str
    input_format: str | None = None
    tails: dict[str, FileTail | DirTail | EventDirTail] = field(default_factory=dict)

    def poll(self) -> list[str]:
        """Check every unit (new run folders and files are picked up); the keys of the units that changed."""
        from lossdoc.readers.registry import split

        p = Path(self.path)
        if not p.exists():
            return []
        changed = []
        units = split(self.path, self.input_format)
        current = {u.path for u in units}
        for key in [k for k in self.tails if k not in current]:  # a folder that now splits into its runs
            del self.tails[key]
        for unit in units:
            tail = self.tails.get(unit.path)
            if tail is None:
                tail = self._tail(Path(unit.path), unit.root)
                self.tails[unit.path] = tail
            if tail.poll():
                changed.append(unit.path)
        return changed

    def _tail(self, path: Path, root: str | None) -> FileTail | DirTail | EventDirTail:
        if not path.is_dir():
            return FileTail(path, self.input_format)
        if self.input_format in (None, "tensorboard"):
            from lossdoc.readers.tensorboard import is_logdir

            try:
                if is_logdir(path):
                    return EventDirTail(path, root)
            except OSError:
                pass
        return DirTail(path, self.input_format, root)

    def runs(self, key: str) -> list[Run]:
        return self.tails[key].runs()

    def problems(self) -> list[str]:
        return [t.problem for t in self.tails.values() if t.problem and not t.problem.startswith("not a log")]

    @property
    def bytes_read(self) -> int:
        return sum(t.bytes_read for t in self.tails.values())


def ended(run: Run) -> bool:
    """Whether the log says its run is over: an MLflow run whose status is FINISHED, FAILED or KILLED, or a
    Hugging Face trainer_state.json whose global_step reached max_steps."""
    status = str(run.meta.get("status", "")).upper()
    if status in ("FINISHED", "FAILED", "KILLED"):
        return True
    gs, ms = run.meta.get("global_step"), run.meta.get("max_steps")
    return isinstance(gs, (int, float)) and isinstance(ms, (int, float)) and ms > 0 and gs >= ms
