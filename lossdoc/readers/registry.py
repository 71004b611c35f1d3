"""The registry: every reader, in sniffing order, and the functions that pick one for a path.

- ``read_path(path, input_format=None)``: a file, a directory, or ``-`` (stdin). Returns a list of Runs; a file
  in a folder that a reader recognised but could not read raises (nothing is skipped in silence).
- ``read_folder(path, input_format=None)``: a directory's runs, the files that failed (each an InputError) and
  the files no reader recognised (skipped, counted by the caller in one note).
- ``join(paths, input_format=None)``: several one-tag files (TensorBoard CSV/JSON exports, MLflow metric files)
  joined into one Run.
- ``split(path, input_format=None)`` and ``read_unit(unit)``: a path cut into units that read the same one at a
  time as all together (a sweep's runs, read in parallel by ``api``); a directory reader says how its folders
  split with its optional ``split_dir`` hook.
- URLs: an MLflow tracking server's (``http://host:5000``) goes to the reader URL_READERS names for its scheme,
  imported only then, and ``split`` cuts it where its ``split_url`` says (one unit per run); other URLs
  (``s3://``, a file on a web server) are read through the remote module.
- ``walk(path)``: the one folder walk, bounded in depth and entries (no RecursionError, no endless tree).
An explicit ``input_format`` always wins over sniffing; an unknown name is an error listing the valid ones.

Adding a reader: a module under ``lossdoc/readers/`` with a ``READERS`` list, and its name in ``_MODULES``.
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
from lossdoc.readers import remote
from lossdoc.readers.base import (
    HEAD_BYTES,
    InputTooLarge,
    Reader,
    Source,
    finish_run,
    max_bytes,
    read_stream,
    reading_options,
    too_big,
)

# Modules that declare readers (each has a READERS list). Imported lazily so that `lossdoc --help` stays fast.
# A new reader module adds one line here.
_MODULES = [
    "tensorboard",
    "tbexport",
    "mlflow",
    "mlflow_db",
    "wandb",
    "dvclive",
    "catboost_info",
    "jsonlogs",
    "tabular",
    "numbers",
    "text",
    "toollogs",
    "detlogs",
    "consolelogs",
]
_READERS: list[Reader] | None = None

#: Readers of URLs, by scheme: ``module:Class``, imported only when a path is such a URL; the reader's
#: ``claims_url`` says whether the URL is its own (an MLflow server's address), else the remote module reads it.
URL_READERS = {
    "http": "mlflow_server:MlflowServerReader",
    "https": "mlflow_server:MlflowServerReader",
}

# A directory walk stops descending after this many entries, so that a huge folder cannot hang lossdoc.
MAX_DIR_ENTRIES = 100_000
#: ... and refuses folders nested deeper than this below the folder given (no training log layout comes close).
MAX_DIR_DEPTH = 64


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


def walk(path: str | os.PathLike, *, max_depth: int = MAX_DIR_DEPTH, strict: bool = True):
    """``os.walk(path, followlinks=False)``, top-down, without recursion: yields (folder, dirs, files) and the
    caller may prune ``dirs`` in place. Folders more than ``max_depth`` below ``path`` are an InputError when
    ``strict`` (reading), or silently not entered (sniffing). Folders that cannot be listed are skipped."""
    stack: list[tuple[str, int]] = [(os.fspath(path), 0)]
    while stack:
        top, depth = stack.pop()
        dirs: list[str] = []
        files: list[str] = []
        links: set[str] = set()
        try:
            with os.scandir(top) as it:
                for e in it:
                    try:
                        is_dir = e.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(e.name)
                    if is_dir and e.is_symlink():
                        links.add(e.name)
        except OSError:
            continue
        yield top, dirs, files
        down = [d for d in dirs if d not in links]
        if down and depth >= max_depth:
            if strict:
                raise InputError(
                    os.fspath(path),
                    f"folders nested more than {max_depth} deep; point lossdoc at a run folder or logdir inside it",
                )
            continue
        stack.extend((os.path.join(top, d), depth + 1) for d in reversed(down))


def url_reader(path: str | os.PathLike, input_format: str | None = None) -> Reader | None:
    """The reader of ``path`` when it is a URL that a reader of URL_READERS claims (an MLflow tracking server:
    ``http://host:5000``), else None (other URLs are files and folders read through the remote module)."""
    scheme, sep, _ = str(path).partition("://")
    target = URL_READERS.get(scheme.lower()) if sep else None
    if target is None:
        return None
    reader = _url_reader_class(target)()
    return reader if reader.claims_url(str(path), input_format) else None


def _url_reader_class(target: str):
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(f"lossdoc.readers.{module}"), cls)


def url_readers() -> list[Reader]:
    """The readers of URLs (URL_READERS, each once): an MLflow tracking server's."""
    return [_url_reader_class(t)() for t in dict.fromkeys(URL_READERS.values())]


def reader_names() -> list[str]:
    return [r.name for r in readers()]


def get_reader(name: str) -> Reader:
    for r in readers():
        if r.name == name:
            return r
    for target in dict.fromkeys(URL_READERS.values()):  # readers of URLs only (--input-format mlflow-server)
        cls = _url_reader_class(target)
        if cls.name == name:
            return cls()
    raise UsageError(f"unknown input format {name!r} (valid: {', '.join(reader_names())})")


def _finish(runs: list[Run]) -> list[Run]:
    return [finish_run(r) for r in runs]


#: The first line of a Git LFS pointer file (git-lfs docs/spec.md: "version https://git-lfs.github.com/spec/v1",
#: then "oid sha256:..." and "size N"): what a clone without ``git lfs`` holds in place of the tracked file.
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


def read_source(source: Source, input_format: str | None = None) -> list[Run]:
    """Read one file-like source (a file or stdin's bytes). A Git LFS pointer is refused whatever the file's
    name, extension or ``input_format``: the log is not there to read."""
    head = source.head(HEAD_BYTES)
    if head.startswith(LFS_POINTER):
        raise NotALog(source.label, "a Git LFS pointer file, not the log itself (the repository stores the file "
                                    "with Git LFS: `git lfs pull` in the clone fetches it)")
    if input_format:
        return _finish(get_reader(input_format).read(source))
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
    url = url_reader(path, input_format)
    if url is not None:
        return _finish(url.read_url(str(path)))
    if remote.is_url(path):
        return remote.read_url(str(path), input_format)
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
    for root, dirs, files in walk(path):
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


# ---------------------------------------------------------------------------------------------- sweeps


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of a sweep, read on its own (maybe in a worker process). ``root``: its runs are named relative
    to this folder, as reading the whole folder names them; ``lenient``: a file that is not a log is skipped and
    counted, as in a folder walk (a path given by the user that is not a log is an error)."""

    path: str
    root: str | None = None
    lenient: bool = False
    #: A unit in a remote store (``path`` a URL): its objects relative to ``path`` with their sizes, from the one
    #: listing ``split`` made ((("", size),) when ``path`` is the object itself). None: a local path.
    files: tuple[tuple[str, int | None], ...] | None = None
    #: Reader options for this piece (``reading_options``): a share of a large store's runs (``split_file``).
    options: tuple[tuple[str, str], ...] = ()

    def size(self) -> int:
        """Bytes to read, for deciding whether worker processes pay (bounded like every walk)."""
        if self.files is not None:
            return sum(size or 0 for _, size in self.files)
        p = Path(self.path)
        if self.path == "-":
            return 0
        if not p.is_dir():
            try:
                return p.stat().st_size
            except OSError:
                return 0
        total = 0
        try:
            for root, _dirs, files in walk(p, strict=False):
                for f in files:
                    try:
                        total += os.stat(os.path.join(root, f), follow_symlinks=False).st_size
                    except OSError:
                        pass
        except InputError:
            pass
        return total


def split(path: str, input_format: str | None = None) -> list[Unit]:
    """One path cut into units that read the same one at a time as all together: a folder that a directory
    reader claims is split where the reader's ``split_dir`` says (a TensorBoard logdir into its runs), or kept
    whole; any other folder into its files and sub-folders; an MLflow server's URL where its reader's ``split_url``
    says (into its runs), another URL as the remote module lists it. Anything else is one unit."""
    url = url_reader(path, input_format)
    if url is not None:
        return [Unit(part) for part in url.split_url(path) or [path]]
    if remote.is_url(path):
        return remote.split(path, input_format)
    p = Path(path)
    if path != "-" and p.is_file():
        shares = _split_file(p, input_format)
        return [Unit(path, options=tuple(sorted(o.items()))) for o in shares] if shares else [Unit(path)]
    if path == "-" or input_format or not p.is_dir():
        return [Unit(path)]
    try:
        dir_readers = [r for r in readers() if r.handles_dirs]
        claimed = next((r for r in dir_readers if _sniff_dir(r, p)), None)
        if claimed is not None:
            parts = claimed.split_dir(p)
            if not parts or len(parts) < 2:
                return [Unit(path)]
            return [Unit(str(part), root=path) for part in parts]
        entries = sorted(os.scandir(p), key=lambda e: e.name)
    except OSError:
        return [Unit(path)]
    units = []
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            sub_claimed = any(_sniff_dir(r, Path(e.path)) for r in dir_readers)
            units.append(Unit(e.path, lenient=not sub_claimed))
        elif not e.name.startswith("."):
            units.append(Unit(e.path, lenient=True))
    return units if len(units) > 1 else [Unit(path)]


#: Only files this large are offered to their reader's ``split_file`` hook (a store of many runs).
SPLIT_FILE_MIN_BYTES = 32 * 1024**2


def _split_file(p: Path, input_format: str | None) -> list[dict[str, str]] | None:
    """A large file's reader may cut it into shares read on their own (an MLflow store's runs)."""
    try:
        if p.stat().st_size < SPLIT_FILE_MIN_BYTES:
            return None
        source = Source(str(p), p)
        head = source.head(HEAD_BYTES)
        reader = get_reader(input_format) if input_format else next(
            (r for r in readers() if _sniffs(r, head, p)), None)
        return reader.split_file(p) if reader is not None else None
    except (OSError, InputError):
        return None


def _sniffs(reader: Reader, head: bytes, path: Path) -> bool:
    try:
        return bool(reader.sniff(head, path))
    except Exception:  # a sniffer must never take the whole read down
        return False


def _sniff_dir(reader: Reader, path: Path) -> bool:
    try:
        return bool(reader.sniff_dir(path))
    except OSError:
        return False


def read_unit(unit: Unit, input_format: str | None = None) -> FolderRead:
    """A unit's runs, the logs in it that could not be read, and the files in it that are not logs. A file met
    in a folder that no reader recognises is skipped (counted); one that a reader took but could not read is an
    error; a path given on the command line that is not a log is an error too."""
    if unit.files is not None:
        return remote.read_unit(unit, input_format)
    try:
        with reading_options(dict(unit.options)):
            if unit.path != "-" and Path(unit.path).is_dir():
                found = read_folder(Path(unit.path), input_format)
                if not found.runs and not found.errors and not unit.lenient:
                    found.errors.append(InputError(unit.path, "no training log found in this folder"))
            else:
                found = FolderRead(read_path(unit.path, input_format))
    except NotALog as exc:
        return FolderRead(not_logs=[exc.source]) if unit.lenient else FolderRead(errors=[exc])
    except InputError as exc:
        return FolderRead(errors=[exc])
    if unit.root is not None:
        for run in found.runs:
            src = Path(run.source)
            if src.is_relative_to(unit.root):
                run.name = src.relative_to(unit.root).as_posix()
    return found


# ---------------------------------------------------------------------------------------------- shards


def shard_key(unit: Unit, given: str) -> str:
    """What a unit's shard is decided by: its path relative to the path given (``run_0042.csv``,
    ``lr=0.1/seed=3``), POSIX-style, so that the machine's absolute paths never move a run between shards; a unit
    that is the path given itself, by that path's last component."""
    if unit.path == given or not Path(unit.path).is_relative_to(given):
        name = Path(given).name or Path(os.path.abspath(given)).name
        return name or given
    return Path(unit.path).relative_to(given).as_posix()


def in_shard(unit: Unit, given: str, index: int, count: int) -> bool:
    """Whether ``unit`` (found under the path ``given``) belongs to shard ``index`` of ``count`` (1-based): a
    stable hash (BLAKE2b of the shard key, never Python's per-process ``hash``), so shards never overlap, every
    machine of a job array agrees, and adding runs moves no other run."""
    import hashlib

    key = os.fsencode(shard_key(unit, given))
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") % count == index - 1
