"""The registry: every reader, in sniffing order, and the functions that pick one for a path.

- ``read_path(path, input_format=None)``: a file, a directory, or ``-`` (stdin). Returns a list of Runs.
- ``join(paths, input_format=None)``: several one-tag files (TensorBoard CSV/JSON exports, MLflow metric files)
  joined into one Run.
An explicit ``input_format`` always wins over sniffing; an unknown name is an error listing the valid ones.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
from pathlib import Path

from lossdoc.errors import InputError, UsageError
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
_MODULES = ("tensorboard", "tbexport", "mlflow", "jsonlogs", "tabular", "text")
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
        raise InputError(source.label, "empty file")
    for r in readers():
        try:
            ok = r.sniff(head, source.path)
        except Exception:  # a sniffer must never take the whole read down
            ok = False
        if ok:
            return _finish(r.read(source))
    raise InputError(source.label, f"not a training log lossdoc recognises (formats: {', '.join(reader_names())})")


def _check_readable_file(path: Path) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(str(path), "no such file or directory") from None
    except PermissionError:
        raise InputError(str(path), "permission denied") from None
    except OSError as exc:  # symlink loops, too-long names...
        raise InputError(str(path), exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(str(path), "not a regular file (a FIFO, device or socket); lossdoc reads files and folders")
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
    _check_readable_file(p)
    try:
        return read_source(Source(str(p), p), input_format)
    except PermissionError:
        raise InputError(str(p), "permission denied") from None
    except IsADirectoryError:
        raise InputError(str(p), "is a directory") from None
    except OSError as exc:  # EIO, a file removed while read, a stale network mount...
        raise InputError(str(p), f"cannot be read ({exc.strerror or exc})") from None


def read_dir(path: Path, input_format: str | None = None) -> list[Run]:
    """A directory: a reader that understands whole folders (TensorBoard logdir, MLflow run, folder of exports)
    takes it; otherwise every file below it that some reader recognises is read, one run per file."""
    if not os.access(path, os.R_OK | os.X_OK):
        raise InputError(str(path), "permission denied")
    dir_readers = [r for r in readers() if r.handles_dirs]
    if input_format:
        r = get_reader(input_format)
        if r.handles_dirs:
            return _finish(r.read_dir(path))
    else:
        for r in dir_readers:
            try:
                ok = r.sniff_dir(path)
            except OSError:
                ok = False
            if ok:
                return _finish(r.read_dir(path))
    runs: list[Run] = []
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
                runs.extend(_finish(claimed.read_dir(sub)))
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
                _check_readable_file(fp)
                runs.extend(read_source(Source(str(fp), fp), input_format))
            except InputTooLarge as exc:
                too_large.append(exc)  # maybe a log: said, not skipped in silence
            except (InputError, OSError):
                continue  # not a log (a README, a checkpoint...): a folder holds more than logs
    if not runs:
        if too_large:
            raise too_large[0]
        raise InputError(str(path), "no training log found in this folder")
    for exc in too_large:
        runs[0].notes.append(f"{exc}; skipped")
    return runs


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
