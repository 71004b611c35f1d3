"""Logs in object stores and on web servers: ``s3://``, ``gs://``, ``az://``, ``hf://``, ``http(s)://``, through fsspec.

The registry sends a URL here (``is_url``); the readers never know: a remote file reaches them as a ``Source``
holding its bytes, and a remote folder as a private local copy of one unit of it (a TensorBoard run, or the whole
folder), so that every format, folder formats included (a logdir, an MLflow ``mlruns/``), reads remotely exactly
as it reads from disk. The copy is made in a temporary folder that is removed as soon as the unit is read; the
store is only ever listed and read, never written.

- One recursive listing per URL (``fs.find``), made once by ``split``; the units carry their part of it, so that
  reading them (in worker processes too) lists nothing again.
- Every object is read whole, in one request (no range requests per record or per block), several at a time.
- ``--max-bytes`` applies to each object as to a local file: an object the listing says is larger is not fetched
  (it is reported as a local file of that size is), and one of unknown size is read no further than the limit.
- A unit whose objects cannot all be fetched (the server stopped, a permission refused) is one input error; the
  other units are read.

Each scheme needs its fsspec implementation, installed with an extra (``pip install 'lossdoc[s3]'``); without it
the URL is a one-line error that names the extra. Credentials come from where each library looks for them
(for S3: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``, ``~/.aws``...).
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lossdoc.errors import InputError, NotALog, UsageError

#: URL scheme -> (the extra that installs its fsspec implementation, the module it needs).
SCHEMES = {
    "s3": ("s3", "s3fs"),
    "s3a": ("s3", "s3fs"),
    "gs": ("gcs", "gcsfs"),
    "gcs": ("gcs", "gcsfs"),
    "az": ("azure", "adlfs"),
    "abfs": ("azure", "adlfs"),
    "abfss": ("azure", "adlfs"),
    "hf": ("hf", "huggingface_hub"),
    "http": ("http", "aiohttp"),
    "https": ("http", "aiohttp"),
}
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: Objects fetched at once by one process.
FETCH_THREADS = 8
#: Bounded retries: a store that stopped answering makes each unit an error in seconds, not minutes.
_STORAGE_OPTIONS = {
    # max_concurrency 1: s3fs would otherwise ask each object's size (HEAD) and fetch big ones in range parts.
    "s3": {"max_concurrency": 1, "config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 10,
                             "read_timeout": 60}},
}


def is_url(path) -> bool:
    return isinstance(path, str) and _URL.match(path) is not None


def scheme(url: str) -> str:
    m = _URL.match(url)
    return m.group(1).lower() if m else ""


def filesystem(url: str):
    """(fsspec filesystem, path inside it) for a URL; a UsageError naming the extra when its library is missing."""
    sch = scheme(url)
    if sch not in SCHEMES:
        raise UsageError(
            f"{url}: unsupported URL scheme {sch}:// (lossdoc reads {', '.join(s + '://' for s in _SHOWN)})"
        )
    extra, module = SCHEMES[sch]
    need = f"reading {sch}:// URLs needs lossdoc[{extra}]: pip install 'lossdoc[{extra}]'"
    try:
        import fsspec
    except ImportError:
        raise UsageError(need) from None
    options = dict(_STORAGE_OPTIONS.get(extra, {}))
    if extra == "s3":
        # Part of fsspec's cache key: a changed endpoint gets a new filesystem, not the one made for the old.
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            options["endpoint_url"] = endpoint
    try:
        importlib.import_module(module)
        return fsspec.core.url_to_fs(url, **options)
    except ImportError:
        raise UsageError(need) from None


_SHOWN = ("s3", "gs", "az", "hf", "http", "https")


# ---------------------------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class Listing:
    """What one recursive listing found: the object itself (``files == (("", size),)``) or the objects below a
    folder, by path relative to it (posix), with their sizes (None when the server does not say)."""

    url: str
    files: tuple[tuple[str, int | None], ...]

    @property
    def is_file(self) -> bool:
        return len(self.files) == 1 and self.files[0][0] == ""


def _strip(url: str) -> str:
    return url.rstrip("/") if not url.endswith("://") else url


def list_url(url: str, max_entries: int) -> Listing:
    """One recursive listing of a URL (``fs.find``)."""
    fs, path = filesystem(url)
    try:
        found = fs.find(path, detail=True, withdirs=False, maxdepth=None)
    except FileNotFoundError:
        found = {}
    except OSError as exc:
        raise InputError(url, f"cannot be listed ({_why(exc)})") from None
    except Exception as exc:  # botocore's, aiohttp's, azure's own errors: one line, not a traceback
        raise InputError(url, f"cannot be listed ({_why(exc)})") from None
    if len(found) > max_entries:
        raise InputError(url, f"more than {max_entries:,} objects; point lossdoc at a smaller folder")
    base = _strip(path)
    files = []
    for name, info in found.items():
        name = _strip(str(name))
        size = info.get("size") if isinstance(info, dict) else None
        if name == base:
            return Listing(url, (("", size),))
        rel = name[len(base) + 1 :] if name.startswith(base + "/") else None
        if rel:
            files.append((rel, size))
    if not files:
        raise InputError(url, "no such file or folder (or nothing in it)")
    return Listing(url, tuple(sorted(files)))


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


# ---------------------------------------------------------------------------------------------- units


def split(url: str, input_format: str | None = None):
    """A URL cut into units (one listing): a TensorBoard logdir of runs into its runs, as on disk; any other
    folder stays one unit (its reader needs it whole to know its layout); a file is one unit."""
    from lossdoc.readers.registry import MAX_DIR_ENTRIES, Unit
    from lossdoc.readers.tensorboard import split_names

    listing = list_url(url, MAX_DIR_ENTRIES)
    if listing.is_file or input_format:
        return [Unit(url, files=listing.files)]
    root = _strip(url)
    parts = split_names([rel for rel, _ in listing.files])
    if not parts or len(parts) < 2:
        return [Unit(root, files=listing.files)]
    units = []
    for part in parts:
        files = tuple((rel[len(part) + 1 :], size) for rel, size in listing.files if rel.startswith(part + "/"))
        units.append(Unit(f"{root}/{part}", root=root, files=files))
    return units


def read_unit(unit, input_format: str | None = None):
    """A remote unit's runs, errors and skipped files, named by URL (a FolderRead, as ``registry.read_unit``)."""
    from lossdoc.readers.registry import FolderRead

    try:
        if unit.files and unit.files[0][0] == "":
            found = FolderRead(_read_object(unit.path, unit.files[0][1], input_format))
        else:
            found = _read_folder(unit, input_format)
    except NotALog as exc:
        return FolderRead(not_logs=[exc.source]) if unit.lenient else FolderRead(errors=[exc])
    except InputError as exc:
        return FolderRead(errors=[exc])
    for run in found.runs:
        run.meta["store"] = unit.root or unit.path
    return found


def read_url(url: str, input_format: str | None = None) -> list:
    """Every run at a URL (``registry.read_path``): the first unit that could not be read is raised."""
    runs = []
    for unit in split(url, input_format):
        found = read_unit(unit, input_format)
        if found.errors:
            raise found.errors[0]
        runs.extend(found.runs)
    if not runs:
        raise InputError(url, "no training log found here")
    return runs


def _read_object(url: str, size: int | None, input_format: str | None) -> list:
    from lossdoc.readers.base import Source
    from lossdoc.readers.registry import read_source

    fs, path = filesystem(url)
    data = _fetch(fs, path, size, url)
    if not data:
        raise NotALog(url, "empty file")
    return read_source(Source(url, None, data), input_format)


#: Stores that stopped answering (could not be connected to) in this process: id(fs) -> (when, why). A sweep on a
#: store that went down makes each of its remaining units an error at once, not after its retries.
_DOWN: dict[int, tuple[float, str]] = {}
DOWN_FOR = 60.0
_CONNECT_ERRORS = {"EndpointConnectionError", "ConnectionError", "ClientConnectorError", "ConnectTimeoutError",
                   "ServerDisconnectedError", "ConnectionRefusedError"}


def _unreachable(exc: BaseException) -> bool:
    seen = 0
    e: BaseException | None = exc
    while e is not None and seen < 10:
        if any(c.__name__ in _CONNECT_ERRORS for c in type(e).__mro__):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def _check_up(fs, label: str) -> None:
    down = _DOWN.get(id(fs))
    if down is not None and time.monotonic() - down[0] < DOWN_FOR:
        raise InputError(label, f"not fetched: the store stopped answering earlier in this read ({down[1]})")


def _fetch(fs, path: str, size: int | None, label: str) -> bytes:
    """One object, whole, in one request, within ``--max-bytes``."""
    from lossdoc.readers.base import max_bytes, too_big

    _check_up(fs, label)
    limit = max_bytes()
    if limit and size is not None and size > limit:
        raise too_big(label, size, limit)
    try:
        if size is not None:
            data = fs.cat_file(path)
        else:  # a web server that did not say the size in its listing: one streamed request, cut at the limit
            with fs.open(path, "rb", block_size=0) as fh:
                data = fh.read(limit + 1) if limit else fh.read()
    except FileNotFoundError:
        raise InputError(label, "no such file (it was listed, then gone)") from None
    except Exception as exc:
        if _unreachable(exc):
            _DOWN[id(fs)] = (time.monotonic(), _why(exc))
        raise InputError(label, f"cannot be read from the store ({_why(exc)})") from None
    if limit and len(data) > limit:
        raise too_big(label, len(data), limit)
    return data


def _read_folder(unit, input_format: str | None):
    """Fetch a unit's objects into a private temporary folder laid out as the store is, read it as a local folder,
    and name everything it says by URL."""
    from concurrent.futures import ThreadPoolExecutor

    from lossdoc.readers.base import max_bytes
    from lossdoc.readers.registry import FolderRead, read_folder

    fs, unit_path = filesystem(unit.path)
    _check_up(fs, unit.path)
    root_url = unit.root or unit.path
    name = PurePosixPath(_URL.sub("", root_url)).name or "store"
    limit = max_bytes()
    with tempfile.TemporaryDirectory(prefix="lossdoc-remote-") as tmp:
        base = Path(tmp) / name
        local = base / unit.path[len(root_url) :].lstrip("/") if unit.root else base
        local.mkdir(parents=True)
        todo = []
        for rel, size in unit.files:
            dest = local / rel
            if ".." in PurePosixPath(rel).parts:
                continue  # a hostile key never leaves the temporary folder
            dest.parent.mkdir(parents=True, exist_ok=True)
            if limit and size is not None and size > limit:
                # Not fetched: an empty sparse file of the object's size, which the readers refuse by its size
                # with the same message as a local file (and nothing is downloaded).
                with open(dest, "wb") as fh:
                    fh.truncate(size)
                continue
            todo.append((f"{_strip(unit_path)}/{rel}", size, dest, f"{unit.path}/{rel}"))

        def get(item):
            rpath, size, dest, label = item
            try:
                dest.write_bytes(_fetch(fs, rpath, size, label))
                return None
            except InputError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, max(1, len(todo)))) as pool:
            failed = [e for e in pool.map(get, todo) if e is not None]
        if failed:
            n = len(failed)
            raise InputError(
                unit.path,
                f"{n} of {len(todo)} object{'s' if len(todo) != 1 else ''} could not be fetched "
                f"({failed[0].source.rsplit('/', 1)[-1]}: {failed[0].problem})",
            )
        try:
            found = read_folder(local, input_format)
        except InputError as exc:
            raise _relabel_error(exc, str(base), root_url) from None
        if not found.runs and not found.errors and not unit.lenient:
            found.errors.append(InputError(str(local), "no training log found in this folder"))
        return _relabel(found, str(base), root_url, FolderRead, relative_to=base if unit.root else None)


def _relabel_error(exc: InputError, local: str, url: str) -> InputError:
    return type(exc)(exc.source.replace(local, url), exc.problem.replace(local, url))


def _relabel(found, local: str, url: str, FolderRead, relative_to: Path | None):
    def fix(text: str) -> str:
        return text.replace(local, url)

    for run in found.runs:
        if relative_to is not None:
            src = Path(run.source)
            if src.is_relative_to(relative_to):
                run.name = src.relative_to(relative_to).as_posix()
        run.source = fix(run.source)
        run.notes = [fix(n) for n in run.notes]
    errors = [_relabel_error(e, local, url) for e in found.errors]
    return FolderRead(found.runs, errors, [fix(p) for p in found.not_logs])

