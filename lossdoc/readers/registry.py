"""The registry: every reader, in sniffing order, and the functions that pick one for a path.

- ``read_path(path, input_format=None)``: a file, a directory, or ``-`` (stdin). Returns a list of Runs; a file
  in a folder that a reader recognised but could not read raises (nothing is skipped in silence).
- ``read_folder(path, input_format=None)``: a directory's runs, the files that failed (each an InputError) and
  the files no reader recognised (skipped, counted by the caller in one note).
- ``join(paths, input_format=None)``: several one-tag files (TensorBoard CSV/JSON exports, MLflow metric files)
  joined into one Run.
An explicit ``input_format`` always wins over sniffing; an unknown name is an error listing the valid ones.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lossdoc.errors import InputError, NotALog, UsageError
from lossdoc.model import Run
from lossdoc.readers.base import (
    HEAD_BYTES,
    InputTooLarge,
    Reader,
    Source,
    finish_run,
    max_bytes,
    read_stream,
    too_big,
)

# Modules that declare readers (each has a READERS list). Imported lazily so that `lossdoc --help` stays fast.
_MODULES = ("tensorboard", "tbexport", "mlflow", "mlflow_db", "wandb", "dvclive", "jsonlogs", "tabular", "text")
_READERS: list[Reader] | None = None

# A directory walk stops descending after this many entries, so that a huge folder cannot hang lossdoc.
MAX_DIR_ENTRIES = 100_000


def readers() -> list[Reader]:
    global _READERS
    if _READERS is None:
        found: list[Reader] = []
        for mod in _MODULES:
            module = importlib.import_module(f"lossdoc.readers.{mod}")
            found.extend(cls() for cls in getattr(module, "READERS", ()))
        found.sort(key=lambda r: r.priority)
        _READERS = found
    return _READERS


def reader_names() -> list[str]:
    return [r.name for r in readers()]


def get_reader(name: str) -> Reader:
    for r in readers():
        if r.name == name:
            return r
    raise UsageError(f"unknown input format {name!r} (valid: {', '.join(reader_names())})")


def _finish(runs: list[Run]) -> list[Run]:
    return [finish_run(r) for r in runs]


def read_source(source: Source, input_format: str | None = None) -> list[Run]:
    """Read one file-like source (a file or stdin's bytes)."""
    if input_format:
        return _finish(get_reader(input_format).read(source))
    head = source.head(HEAD_BYTES)
    if not head.strip():
        raise NotALog(source.label, "empty file")
    for r in readers():
        try:
            ok = r.sniff(head, source.path)
        except Exception:  # a sniffer must never take the whole read down
            ok = False
        if ok:
            return _finish(r.read(source))
    raise NotALog(source.label, f"not a training log lossdoc recognises (formats: {', '.join(reader_names())})")


def _check_readable_file(path: Path) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        # A dangling link inside a folder is not a log; given directly it is still an input error.
        raise NotALog(str(path), "no such file or directory") from None
    except PermissionError:
        raise InputError(str(path), "permission denied") from None
    except OSError as exc:  # symlink loops, too-long names: nothing a reader could recognise
        raise NotALog(str(path), exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        # Given directly, still an input error (NotALog is one); met in a folder, skipped and counted.
        raise NotALog(str(path), "not a regular file (a FIFO, device or socket); lossdoc reads files and folders")
    if not os.access(path, os.R_OK):
        raise InputError(str(path), "permission denied")
    limit = max_bytes()
    if limit and st.st_size > limit:
        raise too_big(str(path), st.st_size, limit)


def read_path(path: str | os.PathLike, input_format: str | None = None) -> list[Run]:
    """Read a file, a directory of runs, or ``-`` for standard input."""
    if str(path) == "-":
        data = read_stream(sys.stdin.buffer, "<stdin>")
        return read_source(Source("<stdin>", None, data), input_format)
    p = Path(path)
    if p.is_dir():
        return read_dir(p, input_format)
    return read_file(p, input_format)


def read_file(p: Path, input_format: str | None = None) -> list[Run]:
    """One file's runs. Raises NotALog when no reader recognises it, InputError when it cannot be read."""
    _check_readable_file(p)
    try:
        return read_source(Source(str(p), p), input_format)
    except PermissionError:
        raise InputError(str(p), "permission denied") from None
    except IsADirectoryError:
        raise InputError(str(p), "is a directory") from None
    except OSError as exc:  # EIO, a file removed while read, a stale network mount...
        raise InputError(str(p), f"cannot be read ({exc.strerror or exc})") from None


@dataclass
class FolderRead:
    """What a folder held: its runs, the files a reader recognised but could not read (input errors), and the
    files that no reader recognises (a README, a config: skipped, and counted in one note)."""

    runs: list[Run] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    not_logs: list[str] = field(default_factory=list)


def read_dir(path: Path, input_format: str | None = None) -> list[Run]:
    """A directory's runs. A file that a reader recognised but could not read is raised (the first such), so
    that a broken log never disappears from a folder; files that are not logs are skipped."""
    found = read_folder(path, input_format)
    if found.errors:
        raise found.errors[0]
    if not found.runs:
        raise InputError(str(path), "no training log found in this folder")
    return found.runs


def read_folder(path: Path, input_format: str | None = None) -> FolderRead:
    """A directory: a reader that understands whole folders (TensorBoard logdir, MLflow run, folder of exports)
    takes it; otherwise every file below it is offered to the readers, one run (or more) per file."""
    if not os.access(path, os.R_OK | os.X_OK):
        raise InputError(str(path), "permission denied")
    dir_readers = [r for r in readers() if r.handles_dirs]
    if input_format:
        r = get_reader(input_format)
        if r.handles_dirs:
            return FolderRead(_finish(r.read_dir(path)))
    else:
        for r in dir_readers:
            try:
                ok = r.sniff_dir(path)
            except OSError:
                ok = False
            if ok:
                return FolderRead(_finish(r.read_dir(path)))
    out = FolderRead()
    runs = out.runs
    too_large: list[InputTooLarge] = []
    seen = 0
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        root_p = Path(root)
        # A sub-folder that a directory reader claims is read as a whole and not walked further.
        keep_dirs = []
        for d in dirs:
            sub = root_p / d
            claimed = None
            if not input_format:
                for r in dir_readers:
                    try:
                        if r.sniff_dir(sub):
                            claimed = r
                            break
                    except OSError:
                        continue
            if claimed is not None:
                try:
                    runs.extend(_finish(claimed.read_dir(sub)))
                except InputError as exc:
                    out.errors.append(exc)
            else:
                keep_dirs.append(d)
        dirs[:] = keep_dirs
        for f in sorted(files):
            seen += 1
            if seen > MAX_DIR_ENTRIES:
                raise InputError(str(path), f"more than {MAX_DIR_ENTRIES:,} files; point lossdoc at a smaller folder")
            fp = root_p / f
            if f.startswith("."):
                continue
            try:
                runs.extend(read_file(fp, input_format))
            except InputTooLarge as exc:
                too_large.append(exc)  # maybe a log, maybe a checkpoint: said, not skipped in silence
            except NotALog:
                out.not_logs.append(str(fp))  # a README, a config: a folder holds more than logs
            except InputError as exc:
                out.errors.append(exc)  # a log that could not be read: an input error, never silence
    if runs:
        for exc in too_large:
            runs[0].notes.append(f"{exc}; skipped")
    else:
        out.errors.extend(too_large)
    return out


def join(paths: list[str], input_format: str | None = None) -> Run:
    """Join several single-tag files (one curve each) into one run. Each file must yield one run; their series
    are merged, renamed after the file when two carry the same name."""
    if len(paths) < 2:
        raise UsageError("--join needs at least two files")
    merged: Run | None = None
    for path in paths:
        runs = read_path(path, input_format)
        if len(runs) != 1:
            raise InputError(str(path), f"holds {len(runs)} runs; --join takes files of one run each")
        run = runs[0]
        if merged is None:
            merged = Run(source=" + ".join(str(p) for p in paths), format=run.format, name=None)
        for s in run.series.values():
            name = s.name
            if name in merged.series:
                name = f"{Path(str(path)).stem}:{s.name}"
            s.name = name
            merged.add(s)
        merged.notes.extend(run.notes)
    assert merged is not None
    return merged
