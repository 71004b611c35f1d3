"""What every reader shares: the Reader declaration, the Source it reads, and `build_series`/`finish_run`, which
turn raw columns into Series with roles from the one naming table and apply the clean-ups every format needs
(restarted step counters, runs resumed from a checkpoint, accuracy logged in %, sums of loss components, the best
value so far logged beside a loss or a metric).

A reader module declares one or more Reader subclasses and lists them in ``READERS``; ``lossdoc.readers``
collects them into the registry. Readers never write to, lock or keep open the files they read.
"""

from __future__ import annotations

import contextvars
import io
import itertools
import mmap
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from lossdoc import naming
from lossdoc.errors import InputError
from lossdoc.model import Run, Series
from lossdoc.naming import is_rate, is_total_loss, loss_subset, resolve

HEAD_BYTES = 64 * 1024

# ---------------------------------------------------------------------------------------------- size limits

#: The largest file (or standard input) lossdoc reads whole; ``--max-bytes`` changes it, 0 means no limit.
DEFAULT_MAX_BYTES = 1024**3
#: Parsing text (CSV cells, JSON lists, log lines) into Python objects takes about this many times the file's
#: size in memory at its peak (measured: a 16 MB CSV peaks near 460 MB); a text log that would not fit in the
#: memory the system has available is refused with a message instead of being killed by the OOM killer.
TEXT_MEMORY_FACTOR = 32
_max_bytes: contextvars.ContextVar[int] = contextvars.ContextVar("lossdoc_max_bytes", default=DEFAULT_MAX_BYTES)


def max_bytes() -> int:
    return _max_bytes.get()


@contextmanager
def reading_limits(max_bytes: int | None = None) -> Iterator[None]:
    """Within the block, files larger than ``max_bytes`` are refused (None keeps the current limit)."""
    if max_bytes is None:
        yield
        return
    token = _max_bytes.set(int(max_bytes))
    try:
        yield
    finally:
        _max_bytes.reset(token)


# ---------------------------------------------------------------------------------------------- reader options

#: Options that narrow what a store holds to what the user asked for (``--run``, ``--experiment``): a mapping
#: from option name to value, set for the duration of a read. Readers of one-run files ignore them.
_options: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "lossdoc_reader_options", default=()
)


def reader_option(name: str) -> str | None:
    return dict(_options.get()).get(name)


@contextmanager
def reading_options(options: dict[str, str] | None = None) -> Iterator[None]:
    """Within the block, readers of stores also see ``options`` (``{"run": ..., "experiment": ...}``); None
    values keep what an enclosing block set."""
    given = {**dict(_options.get()), **{k: str(v) for k, v in (options or {}).items() if v is not None}}
    token = _options.set(tuple(given.items()))
    try:
        yield
    finally:
        _options.reset(token)


def human_size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


class InputTooLarge(InputError):
    """A log over the size or memory limit: reported even where unrecognised files are skipped (folder walks)."""


def too_big(label: str, size: int, limit: int, what: str = "file") -> InputError:
    return InputTooLarge(
        label,
        f"{what} is {human_size(size)}; lossdoc reads at most {human_size(limit)}; use --max-bytes to raise the "
        "limit (0: none)",
    )


def read_file(path: Path | str, label: str | None = None) -> bytes:
    """A whole file within the size limit: refused by its size before reading, and never more than limit + 1
    bytes read (a file that grows while it is read)."""
    label = label or str(path)
    limit = max_bytes()
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if limit and size > limit:
            raise too_big(label, size, limit)
        # size + 1: a file that grew since fstat is still caught; read(limit + 1) would allocate the whole limit.
        data = fh.read(min(size, limit) + 1) if limit else fh.read()
    if limit and len(data) > limit:
        raise too_big(label, len(data), limit)
    return data


def read_stream(stream, label: str) -> bytes:
    """A stream (standard input) up to the size limit, in chunks: endless input ends in an error, not a hang."""
    limit = max_bytes()
    chunks, total = [], 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if limit and total > limit:
            raise InputTooLarge(
                label, f"more than {human_size(limit)} of input; lossdoc reads at most {human_size(limit)}; "
                "use --max-bytes to raise the limit (0: none)"
            )
    return b"".join(chunks)


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), in bytes; None elsewhere."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_text_memory(label: str, size: int) -> None:
    """Refuse a text log whose parsing would not fit in the memory available (instead of being OOM-killed)."""
    need = size * TEXT_MEMORY_FACTOR
    if need < 256 * 1024**2:
        return
    avail = available_memory()
    if avail is not None and need > avail:
        raise InputTooLarge(
            label,
            f"file is {human_size(size)}: parsing it as text needs about {human_size(need)} of memory and "
            f"{human_size(avail)} is available; trim the log or analyse it on a larger machine",
        )


@dataclass
class Source:
    """A file's bytes with the name to report it by. Stdin is read whole into ``data``."""

    label: str
    path: Path | None = None
    data: bytes | None = None
    _head: bytes | None = field(default=None, repr=False)

    def head(self, n: int = HEAD_BYTES) -> bytes:
        if self.data is not None:
            return self.data[:n]
        if self._head is None or len(self._head) < n:
            assert self.path is not None
            with open(self.path, "rb") as fh:
                self._head = fh.read(n)
        return self._head[:n]

    @contextmanager
    def mapped(self) -> Iterator[tuple[bytes | mmap.mmap, tuple[int, int] | None]]:
        """The whole file, within the size limit, without a copy in memory: (a read-only memory map of the file,
        or the bytes already read; the file's (size, mtime_ns) when mapped, so a caller that reads the file again
        by path can tell whether it changed in between, else None)."""
        if self.data is not None or self.path is None:
            yield self.read_bytes(), None
            return
        limit = max_bytes()
        with open(self.path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if limit and st.st_size > limit:
                raise too_big(self.label, st.st_size, limit)
            if st.st_size == 0:
                yield b"", (0, st.st_mtime_ns)
                return
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                yield mm, (st.st_size, st.st_mtime_ns)

    def read_bytes(self) -> bytes:
        """The whole file, within the size limit (``--max-bytes``)."""
        if self.data is None:
            assert self.path is not None
            self.data = read_file(self.path, self.label)
        return self.data

    def text(self) -> str:
        """Decoded text with BOMs removed and CRLF / CR-CR-LF / CR line endings folded to LF."""
        raw = self.read_bytes()
        check_text_memory(self.label, len(raw))
        return decode_text(raw, self.label)

    def stream(self) -> io.StringIO:
        return io.StringIO(self.text())


def decode_text(raw: bytes, label: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # "replace": a UTF-16 file cut at an odd byte (still being written) keeps its complete characters.
        text = raw.decode("utf-16", errors="replace")
    else:
        if b"\x00" in raw[:4096]:
            raise InputError(label, "binary content, not a text log")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    text = text.lstrip("\ufeff")
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


class Reader:
    """A log format. Subclasses set the class attributes and implement sniff() and read()."""

    name: ClassVar[str]  # stable identifier, used by --input-format and in the JSON "format" field
    description: ClassVar[str]
    #: Reader that handles directories (TensorBoard logdirs, MLflow runs, folders of exports).
    handles_dirs: ClassVar[bool] = False
    #: Sniffing order: lower goes first (specific formats before generic CSV/JSON).
    priority: ClassVar[int] = 50
    #: A path such a log typically has, for `lossdoc formats` (e.g. ``mlruns/0/<run>/metrics/loss``).
    example: ClassVar[str] = ""

    def sniff(self, head: bytes, path: Path | None) -> bool:
        """Decide from content (and the name only as a hint) whether this reader understands the source."""
        raise NotImplementedError

    def sniff_dir(self, path: Path) -> bool:
        return False

    def read(self, source: Source) -> list[Run]:
        raise NotImplementedError

    def read_dir(self, path: Path) -> list[Run]:
        raise NotImplementedError

    def split_dir(self, path: Path) -> list[Path] | None:
        """Optional, for readers that handle folders: the parts of a folder this reader claimed that read the same
        one at a time as the whole folder does (a logdir's run folders), so that a sweep can read them in
        parallel; their runs are named by their path relative to ``path``. None (the default): read it whole."""
        return None

    def split_file(self, path: Path) -> list[dict[str, str]] | None:
        """Optional: shares of a large file that read on their own (an MLflow store's runs), as reader options
        for each share (``reading_options``), so that a sweep reads and analyses them in parallel. None (the
        default): read it whole."""
        return None

    def claims_url(self, url: str, input_format: str | None = None) -> bool:
        """For readers of URLs (``registry.URL_READERS``): whether ``url`` is this reader's (else the remote
        module reads it as a file or folder)."""
        return False

    def read_url(self, url: str) -> list[Run]:
        """For readers of URLs (``registry.URL_READERS``): every run the URL names."""
        raise NotImplementedError

    def split_url(self, url: str) -> list[str] | None:
        """Optional, for readers of URLs: addresses that read the same one at a time as the whole URL does (a
        tracking server's runs), so that a run that fails fails alone. None (the default): read it whole."""
        return None


def build_series(
    name: str,
    values: Iterable[float],
    *,
    steps: Iterable[float] | None = None,
    epochs: Iterable[float] | None = None,
    metric_split: str = "train",
    loss_split: str = "train",
    role_name: str | None = None,
) -> Series:
    """A Series whose role comes from the naming table (``role_name`` is resolved instead of ``name`` when the
    column's own name says nothing, e.g. the tag of a TensorBoard CSV export named ``Value``)."""
    role = resolve(role_name or name, metric_split=metric_split, loss_split=loss_split)
    return Series(
        name=name,
        values=np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64),
        steps=None if steps is None else np.asarray(steps, dtype=np.float64),
        epochs=None if epochs is None else np.asarray(epochs, dtype=np.float64),
        split=role.split,
        kind=role.kind,
        higher_is_better=role.higher_is_better,
    )


def require_series(run: Run, label: str, names: Iterable[str], what: str = "columns") -> None:
    """Every reader ends with this: a log from which no numeric series at all could be read is an InputError
    naming what the log did hold. A run with series but no loss among them is returned as it is: the caller may
    still name its train/val loss (``--train``/``--val``), and ``api.apply_overrides`` raises "no loss series
    found" when nothing is named and nothing resolves to a loss (the one place that check lives)."""
    if run.series:
        return
    seen = [n for n in names if n]
    shown = ", ".join(seen[:20]) + (f", ... ({len(seen)} in all)" if len(seen) > 20 else "")
    raise InputError(label, f"no numeric series found ({what}: {shown or 'none'})")


def drop_missing(s: Series) -> Series:
    """Remove positions with no value at all (sparse rows: NaN where the tool wrote an empty cell).

    Readers call this only for cells that were *empty* in the file; a NaN the tool actually logged must be kept,
    so readers mark logged NaN/Inf before parsing (see tabular reader) rather than relying on this.
    """
    keep = ~np.isnan(s.values)
    return s if keep.all() else s.take(keep)


STEPS_COUNTED_ON = "the step counter starts again at every epoch: steps counted on across epochs"


def steps_within_epochs(s: Series) -> Series | None:
    """A step column that counts within each epoch (``epoch,step`` rows whose step goes back to 0 exactly where the
    epoch column moves on, as hand-written loops that log ``batch_idx * batch_size`` do) is not a restarted run:
    the steps are counted on from one epoch to the next (each epoch after the last step of the one before, one
    typical step further). None when the counter does not go back, or goes back anywhere else (a real restart:
    the epoch column goes back too, or stays)."""
    x, e = s.steps, s.epochs
    if x is None or e is None or len(x) < 3 or not (np.isfinite(x).all() and np.isfinite(e).all()):
        return None
    back = np.flatnonzero(x[1:] < x[:-1]) + 1
    if len(back) == 0 or np.any(np.diff(e) < 0) or np.any(e[back] <= e[back - 1]):
        return None
    d = np.diff(x)
    step = float(np.median(d[d > 0])) if np.any(d > 0) else 1.0
    offset = np.zeros(len(x))
    for i in back:  # each segment goes on one typical step after the end of the one before
        offset[i:] += x[i - 1] + step - x[i]
    return replace(s, steps=x + offset)


RESUMED = "resumed at {axis} {x:g}: the {n} point(s) logged after the checkpoint and before the crash are replaced by the resumed run's"


def new_training(x: float, first: float, typical: float) -> bool:
    """Where a counter goes back to ``x`` in a training whose counter began at ``first`` (``typical``: its usual
    increment): a new training when ``x`` is (about) that first value, or below it; else a run resumed from a
    checkpoint inside its range (``splice_resumes``). The one rule for every reader that splices: ``finish_run``'s
    tables and text logs, and ``_runs.RunPoints`` for the tools that opt in (``splice_resumes=True``: Megatron-LM and
    detectron2, whose resume continues the iteration counter; for the other tools' logs a counter that goes back is
    another training, as a Hugging Face Trainer started again logs its first epoch inside the previous range)."""
    return not x > first + typical


def typical_increment(x: np.ndarray) -> float:
    """The usual increase of a counter from one point to the next (the median positive difference; 1 if none)."""
    d = np.diff(x[np.isfinite(x)])
    d = d[d > 0]
    return float(np.median(d)) if len(d) else 1.0


def splice_resumes(s: Series) -> tuple[Series, list[str]]:
    """A run resumed from a checkpoint, appended to the same log: the step (or, lacking steps, epoch) counter goes
    back to a point inside the range the training had covered, not to its start. The earlier points up to the
    resumed step are kept, then the resumed segment: the points logged at and after that step before the crash are
    replaced by the resumed run's. Returns the spliced series and one note per resume of the latest training (a
    counter that goes back to about its first value is a new training, left to ``cut_restarts``)."""
    x = s.steps if s.steps is not None else s.epochs
    if x is None or len(x) < 3:
        return s, []
    finite = np.isfinite(x)
    pos = np.flatnonzero(finite)
    xf = x[pos]
    back = np.flatnonzero(xf[1:] < xf[:-1]) + 1
    if len(back) == 0:
        return s, []
    typical = typical_increment(x)
    keep = np.ones(len(x), dtype=bool)
    start = 0  # position (in pos) where the current training begins
    notes: list[str] = []
    axis = "step" if s.steps is not None else "epoch"
    for b in back:
        xb = float(xf[b])
        if new_training(xb, float(xf[start]), typical):
            start, notes = int(b), []
            continue
        lo, hi = int(pos[start]), int(pos[b])
        seg = np.arange(lo, hi)
        late = keep[lo:hi] & finite[lo:hi] & (x[lo:hi] >= xb)
        if not late.any():
            continue
        first_late = int(seg[late][0])
        drop = np.zeros(len(x), dtype=bool)
        drop[lo:hi] = late
        drop[first_late:hi] |= ~finite[first_late:hi]  # unplaced points logged after the first replaced one
        drop &= keep
        keep &= ~drop
        notes.append(RESUMED.format(axis=axis, x=xb, n=int(drop.sum())))
    if keep.all():
        return s, []
    return s.take(np.flatnonzero(keep)), notes


def cut_restarts(s: Series) -> tuple[Series, str | None]:
    """When the step (or, lacking steps, epoch) counter goes back, the run was restarted and appended to the same
    log: keep the latest segment, i.e. everything from the last position the counter fell below its previous
    value. (finish_run splices runs resumed from a checkpoint first, ``splice_resumes``: what is left going back is
    a new training.) Returns the trimmed series and a note (without the series name, so that finish_run can say it once
    for all the series it applies to), or the series unchanged and None. (A step counter that restarts at each
    new epoch is no restart: finish_run counts it on with ``steps_within_epochs`` first, and a counter within a unit
    that repeats with ``inner_counter``; a latest training that is a stub is left out for the one before it,
    ``latest_whole``.)"""
    x = s.steps if s.steps is not None else s.epochs
    if x is None or len(x) < 2:
        return s, None
    finite = np.isfinite(x)
    if finite.all():  # the usual case, in one pass and without position arrays (a 10^7-point log: 0.6 GB less)
        back = np.flatnonzero(x[1:] < x[:-1]) + 1
        if len(back) == 0:
            return s, None
        start = int(back[-1])
        prev_at_start = float(x[start - 1])
    else:
        # Compare each position with the previous *finite* one (a running maximum would count every point of a
        # restarted segment that stays below the old run's end as a new restart, keeping only the last point).
        last_finite = np.maximum.accumulate(np.where(finite, np.arange(len(x)), -1))
        prev_idx = np.concatenate(([-1], last_finite[:-1]))
        prev = np.where(prev_idx >= 0, x[np.maximum(prev_idx, 0)], -np.inf)
        back = np.flatnonzero(finite & (x < prev))
        if len(back) == 0:
            return s, None
        start = int(back[-1])
        prev_at_start = float(prev[start])
    axis = "step" if s.steps is not None else "epoch"
    note = (
        f"the {axis} counter restarts {len(back)} time(s) (last {axis} {prev_at_start:g} -> {x[start]:g}): "
        f"kept the latest segment"
    )
    return s.take(np.arange(start, len(s))), note


def _backs(x: np.ndarray) -> np.ndarray:
    """Positions where a counter goes below its previous finite value."""
    pos = np.flatnonzero(np.isfinite(x))
    xf = x[pos]
    return pos[np.flatnonzero(xf[1:] < xf[:-1]) + 1]


#: A training appended to a log that stops after fewer than this many points is a stub (a start abandoned, a run
#: killed in its first epochs): too short for any check of a curve's shape (the divergence rule needs 5 points) ...
STUB_POINTS = 5
#: ... when the training before it has at least this many times as many points. Then the latest training that is no
#: stub is kept, not the stub (DLWangSan/ERA5WindRecon's loss_log.csv: trainings of 100, 100, 26, 100, 17 and 2 epochs
#: under one header; DETR's log.txt: 5 epochs, then 2). A short training after a short one is the latest, kept.
STUB_RATIO = 2


def _reference_counter(run: Run) -> tuple[Series, list[str], str, np.ndarray] | None:
    """The series whose counter decides how appended trainings are told apart (the train loss, else the val loss,
    with resumes spliced), the notes of the resumes spliced (none: empty), the counter's name ("steps" or "epochs") and its values; None
    when there is no such loss, its steps count within epochs, or it has no counter."""
    ref = next(iter(run.losses("train") or run.losses("val")), None)
    if ref is None or steps_within_epochs(ref) is not None:
        return None
    ref, spliced = splice_resumes(ref)
    attr = "steps" if ref.steps is not None else "epochs"
    x = getattr(ref, attr)
    return None if x is None else (ref, spliced, attr, x)


def latest_whole(run: Run) -> tuple[str, int, int] | None:
    """Which training of a log that holds several appended (a counter back to about its first value, ``cut_restarts``)
    to keep when the latest is a stub (``STUB_POINTS``, ``STUB_RATIO``): going back from the latest, the first that
    is no stub beside the one before it. Decided on the run's train loss (else its val loss), after resumes are
    spliced, once for every series whose counter goes back as often. Returns the counter ("steps" or "epochs"), its
    number of go-backs and the index of the training to keep (0 the first), or None: the latest is kept."""
    got = _reference_counter(run)
    if got is None:
        return None
    _, _, attr, x = got
    backs = _backs(x)
    keep = kept_training(x)
    return None if keep == len(backs) else (attr, len(backs), keep)


def kept_training(x: np.ndarray) -> int:
    """Of the trainings appended under a counter ``x`` (a new one wherever it goes back), the index of the one to
    keep: the latest, unless it is a stub (``STUB_POINTS``, ``STUB_RATIO``); then, going back, the first that is no
    stub beside the one before it."""
    bounds = [0, *_backs(x).tolist(), len(x)]
    return whole_of([int(np.isfinite(x[a:b]).sum()) for a, b in itertools.pairwise(bounds)])


def whole_of(sizes: list[int]) -> int:
    """Of trainings of ``sizes`` points appended one after another, the index of the one to keep (``kept_training``):
    the latest, or going back from a stub the first that is no stub beside the one before it."""
    keep = len(sizes) - 1
    while keep > 0 and sizes[keep] < STUB_POINTS and sizes[keep - 1] >= STUB_RATIO * sizes[keep]:
        keep -= 1
    return keep


def keep_training(s: Series, keep: int) -> tuple[Series, str]:
    """The ``keep``-th of the trainings appended to a series (``latest_whole``), and a note (without the series name,
    as ``cut_restarts``' own) saying which and what was left out after it."""
    x = s.steps if s.steps is not None else s.epochs
    backs = _backs(x)
    bounds = [0, *backs.tolist(), len(x)]
    a, b = bounds[keep], bounds[keep + 1]
    axis = "step" if s.steps is not None else "epoch"
    xs, after = x[a:b][np.isfinite(x[a:b])], x[b:][np.isfinite(x[b:])]
    later = len(backs) - keep
    note = (f"the {axis} counter restarts {len(backs)} time(s), {len(backs) + 1} trainings appended: the last "
            f"{'one' if later == 1 else later} stopped after fewer than {STUB_POINTS} points ({len(after)} point(s), "
            f"{axis}s {after.min():g}-{after.max():g}), too few to judge: left out; kept training {keep + 1} of "
            f"{len(backs) + 1} ({axis}s {xs.min():g}-{xs.max():g}), the one before")
    return s.take(np.arange(a, b)), note


def _level(v: np.ndarray, head: bool) -> float:
    """The loss level at the start (``head``) or the end of a segment: the median of its first or last few finite
    values (up to 3, a quarter of the segment), so that one noisy point does not decide."""
    f = v[np.isfinite(v)]
    if len(f) == 0:
        return float("nan")
    m = min(3, max(1, len(f) // 4))
    return float(np.median(f[:m] if head else f[-m:]))


#: A restart is a training carried on when the loss after it is nearer the level where the block before it ended than
#: this share of its distance to the level the training began at; and the loss must have moved by at least
#: ``CARRIED_ON_MOVED`` (a share of its first level) by the end of each block, so that the two levels can be told apart;
#: and the step across the restart is no larger than ``CARRIED_ON_STEP`` times the usual change from one point to the
#: next within the blocks on either side of it (a run that starts again elsewhere, at a loss of 0.0, jumps).
CARRIED_ON_NEARER = 0.5
CARRIED_ON_MOVED = 0.1
CARRIED_ON_STEP = 3.0


def _usual_change(v: np.ndarray) -> float:
    d = np.abs(np.diff(v[np.isfinite(v)]))
    return float(np.median(d)) if len(d) else 0.0


def carried_on(run: Run) -> tuple[str, np.ndarray] | None:
    """Whether a run's counter restarts (back to about its first value: a new training by ``new_training``) only
    where the same training was carried on: ``model.fit(epochs=5)`` called again on the same model in a loop, each call
    counting its epochs from 1 again. Decided on the run's train loss (else its val loss), once for every reader: the
    counter starts again at least twice, every block counting the same values as the first (the same ``fit(epochs=N)``
    call repeated; the last block may stop short), and at every restart the loss goes on from about the level where
    the block before it ended, not back to the level the training began at (where a training started again from
    scratch goes). Returns the counter ("steps" or "epochs") and the reference loss's restart positions, or None: then
    the latest training is kept, as ``cut_restarts`` does (one restart alone, a new process resumed from saved weights
    with its counter reset, is read that way; blocks of other counts; one back near the start level; a loss that did
    not move enough to tell; a counter that counts within epochs, or resumes inside its range)."""
    got = _reference_counter(run)
    if got is None or got[1]:
        return None
    ref, _, attr, x = got
    backs = _backs(x)
    if len(backs) < 2:
        return None
    bounds = [0, *backs.tolist(), len(x)]
    blocks = [x[a:b] for a, b in itertools.pairwise(bounds)]
    if not all(np.array_equal(b, blocks[0]) for b in blocks[1:-1]) or not np.array_equal(
            blocks[-1], blocks[0][: len(blocks[-1])]):
        return None
    segs = [ref.values[a:b] for a, b in itertools.pairwise(bounds)]
    begin = _level(segs[0], head=True)
    if not np.isfinite(begin) or begin == 0:
        return None
    for prev, new in itertools.pairwise(segs):
        end, start = _level(prev, head=False), _level(new, head=True)
        if not (np.isfinite(end) and np.isfinite(start)):
            return None
        if abs(begin - end) < CARRIED_ON_MOVED * abs(begin):
            return None
        if not abs(start - end) < CARRIED_ON_NEARER * abs(start - begin):
            return None
        edge = prev[np.isfinite(prev)][-1:], new[np.isfinite(new)][:1]
        if abs(float(edge[1][0]) - float(edge[0][0])) > CARRIED_ON_STEP * max(_usual_change(prev), _usual_change(new)):
            return None
    return attr, backs


#: A step counter that starts again at least this many times in one log, every time over the same values, counts
#: within a unit that repeats (an RL episode's steps, an epoch's batches), not trainings: few trainings are appended to
#: one log (a restart is rare), and trainings of exactly the same length appended a dozen times over are rarer still.
INNER_MIN_RESTARTS = 10


def inner_counter(run: Run) -> tuple[str, np.ndarray, tuple[float, float]] | None:
    """Whether a run's step counter counts within a unit that repeats rather than over the training: it starts again at
    least ``INNER_MIN_RESTARTS`` times, every block counting the same values (the first block may be a block's tail,
    the log's head cut off; the last a block's head, the run stopped in it: CongSon01/RL_Ramp's loss_log.csv, a DDPG
    agent's ``Step`` within its episode, 1..60 twenty times over), and the loss does not go back to where the log
    began at every restart (trainings appended, each starting afresh, do: they are cut as before). Never an epoch
    counter (Keras' CSVLogger appended by fit(epochs=5) called a dozen times, on new and on the same models: epochs
    0..4 over and over, are trainings, ``carried_on``'s or cut). Decided on the
    run's train loss (else its val loss), as ``carried_on``. Returns the counter ("steps" or "epochs"), the
    reference loss's restart positions and the first and last value of the repeated block, or None."""
    ref = next(iter(run.losses("train") or run.losses("val")), None)
    if ref is None or steps_within_epochs(ref) is not None:
        return None
    ref, spliced = splice_resumes(ref)
    attr = "steps"  # an epoch counter is the outermost: going back, a new training (or ``carried_on``), never this
    x = ref.steps
    if x is None or spliced or not np.isfinite(x).all():
        return None
    backs = _backs(x)
    if len(backs) < INNER_MIN_RESTARTS:
        return None
    bounds = [0, *backs.tolist(), len(x)]
    blocks = [x[a:b] for a, b in itertools.pairwise(bounds)]
    unit = blocks[1]
    if len(unit) < 2 or not all(np.array_equal(b, unit) for b in blocks[2:-1]):
        return None
    if not (np.array_equal(blocks[0], unit[len(unit) - len(blocks[0]):]) and len(blocks[0]) <= len(unit)):
        return None
    if not (np.array_equal(blocks[-1], unit[: len(blocks[-1])])):
        return None
    segs = [ref.values[a:b] for a, b in itertools.pairwise(bounds)]
    begin = _level(segs[0], head=True)
    fresh = 0
    for prev, new in itertools.pairwise(segs):
        end, start = _level(prev, head=False), _level(new, head=True)
        fresh += bool(abs(start - begin) < abs(start - end))
    if fresh == len(backs):
        return None  # the loss back to where the log began at every restart: trainings appended, each afresh
    return attr, backs, (float(unit[0]), float(unit[-1]))


def count_on(x: np.ndarray) -> np.ndarray:
    """A counter that starts again counted on instead: each segment placed one typical increment after the end of the
    segment before it."""
    backs = _backs(x)
    if len(backs) == 0:
        return x
    typical = typical_increment(x)
    out = x.astype(np.float64).copy()
    for b in backs:
        before = out[:b][np.isfinite(out[:b])]
        out[b:] += before[-1] + typical - out[b]
    return out


def rescale_percent(s: Series) -> tuple[Series, str | None]:
    """Accuracy-like metrics logged in % (0-100) are rescaled to 0-1 so that all runs compare."""
    if s.kind != "metric" or not s.higher_is_better:
        return s, None
    if not is_rate(s.name):
        return s, None
    v = s.values[np.isfinite(s.values)]
    if len(v) == 0 or v.max() <= 1.0 or v.max() > 100.0 or v.min() < 0:
        return s, None
    out = Series(s.name, s.values / 100.0, s.steps, s.epochs, s.split, s.kind, s.higher_is_better, s.derived)
    return out, f"{s.name}: values up to {v.max():g} read as percent and rescaled to 0-1"


def total_by_name(losses: list[Series]) -> Series | None:
    """A loss whose name, followed by "_", begins the names of two or more of the others: the total beside its parts
    (Deformable-DETR's log.txt: ``mini_val_loss`` beside ``mini_val_loss_bbox``, ``mini_val_loss_ce_0``, ...,
    ``mini_val_loss_giou_unscaled``). The one with the most such parts; None when there is none."""
    best, most = None, 1
    for s in losses:
        n = sum(1 for o in losses if o is not s and o.name.startswith(s.name + "_"))
        if n > most:
            best, most = s, n
    return best


def total_by_values(losses: list[Series]) -> tuple[Series, list[Series], str] | None:
    """A loss whose values are the sum, or the mean, of two or more of the others at every point where all are
    finite (at least 3 points, to 0.1%), with those others: a log that writes a total (or a mean over workers)
    beside its parts under names that do not say so (a GAN's ``loss_G`` beside ``loss_G_adv`` and ``loss_G_l1``;
    ``avg_loss`` beside ``worker0_loss`` and ``worker1_loss``). Summing it with its parts would count it twice.
    None when no loss is that (then the parts are summed). At most 10 losses are searched (2^9 subsets each), on
    at most 64 of the points; a match found there is checked on every point (DreamerV3's metrics.jsonl:
    world_model_loss is the sum of decoder_loss, reward_loss, continuation_loss and kl_loss, beside 5 other losses)."""
    if not 3 <= len(losses) <= 10:
        return None
    full = np.array([s.values for s in losses], dtype=np.float64)
    ok = np.all(np.isfinite(full), axis=0)
    if ok.sum() < 3:
        return None
    full = full[:, ok]
    vals = full[:, np.linspace(0, full.shape[1] - 1, 64).astype(int)] if full.shape[1] > 64 else full
    for i, whole in enumerate(losses):
        others = [j for j in range(len(losses)) if j != i]
        for size in range(len(others), 1, -1):
            for subset in itertools.combinations(others, size):
                part = vals[list(subset)]
                for how, agg in (("sum", part.sum(axis=0)), ("mean", part.mean(axis=0))):
                    if np.allclose(vals[i], agg, rtol=1e-3, atol=1e-9) and np.ptp(vals[i]) > 0:
                        every = full[list(subset)]
                        if vals is full or np.allclose(full[i], every.sum(axis=0) if how == "sum" else every.mean(axis=0),
                                                       rtol=1e-3, atol=1e-9):
                            return whole, [losses[j] for j in subset], how
    return None


def add_component_sums(run: Run) -> None:
    """Tools like Ultralytics log a loss only as components (box_loss, cls_loss, dfl_loss). When a split has
    several loss series and no total, add a derived total (``train/loss (sum)``) aligned on their shared x.
    Losses on different evaluation subsets (fairseq's ``dev-other_loss`` and ``dev-clean_loss``, naming.py's
    ``loss_subset``) are one quantity on different data, never parts of one total: they are not summed, and the
    first subset's loss is the val loss (fairseq selects checkpoints on its first validation subset). A reader that
    chose a split's loss itself (``meta["chosen_loss"]``: the first of several evaluators' losses) is not summed
    either. The losses of two separately trained networks (naming.py's ``network_side``: a GAN's generator and
    discriminator or critic, an actor-critic agent's actor and critic) are never summed together (``gan_losses``)."""
    for split in ("train", "val"):
        losses = [s for s in run.series.values() if s.kind == "loss" and s.split == split and not s.derived]
        if len(losses) < 2:
            continue
        if any(is_total_loss(s.name) for s in losses):
            continue
        if split in (run.meta.get("chosen_loss") or {}):
            continue
        if gan_losses(run, split, losses):
            continue
        if len({loss_subset(s.name) for s in losses}) > 1:
            continue
        first = losses[0]
        if any(len(s) != len(first) for s in losses):
            continue
        if any(not np.array_equal(s.x, first.x) for s in losses):
            continue
        whole = total_by_name(losses)
        if whole is not None:
            run.meta.setdefault("chosen_loss", {})[split] = whole.name
            run.notes.append(f"{split} loss is {whole.name}: the losses named {whole.name}_* beside it are its parts,"
                             " not summed with it")
            continue
        found = total_by_values(losses)
        if found is not None:
            whole, parts, how = found
            run.meta.setdefault("chosen_loss", {})[split] = whole.name
            run.notes.append(f"{split} loss is {whole.name}: its values are the {how} of {', '.join(p.name for p in parts)}"
                             f"{'' if len(parts) == len(losses) - 1 else ' (the other losses are left beside it, not summed)'}")
            continue
        total = np.sum([s.values for s in losses], axis=0)
        sep = "/" if "/" in first.name else "_"
        run.add(
            Series(
                f"{split}{sep}loss (sum)",
                total,
                first.steps,
                first.epochs,
                split,
                "loss",
                False,
                derived=True,
            )
        )
        run.notes.append(f"{split} loss is the sum of {', '.join(s.name for s in losses)}")


def gan_losses(run: Run, split: str, losses: list[Series]) -> bool:
    """The losses of two networks trained side by side on separate objectives (``naming.network_side``): kept as
    separate losses, never summed into one, one of them chosen as the split's loss (``meta["chosen_loss"]``).

    A GAN's (a generator's and a discriminator's or a WGAN's critic's): the generator's is the split's loss, it is
    the network the run trains to keep, and its curve is what a person watches (a discriminator that wins outright
    shows as the generator's loss climbing). An actor-critic agent's (an actor's and a critic's, no generator): the
    critic's is, a value regression that should fall; the actor's (a negated advantage-weighted return) has no
    "lower is better" meaning. Several terms of the chosen network (CycleGAN's ``G_A``, ``cycle_A``, ``idt_A``...)
    are its loss only together: their sum (``loss_G`` of pytorch-CycleGAN-and-pix2pix) is added, unless one of them
    is already the total of the others. Returns whether the losses were such a pair's."""
    sides = {s.name: naming.network_side(s.name) for s in losses}
    present = set(sides.values())
    if "gen" in present and present & {"dis", "critic"}:
        kind, keep, against = "gan", ("gen",), ("dis", "critic")
    elif {"actor", "critic"} <= present:
        kind, keep, against = "actor_critic", ("critic",), ("actor",)
    else:
        return False
    gen = [s for s in losses if sides[s.name] in keep]
    dis = [s for s in losses if sides[s.name] in against]
    chosen, how = gen[0], ""
    found = total_by_values(gen)
    if found is not None:
        chosen, how = found[0], f" (the {found[2]} of {', '.join(p.name for p in found[1])})"
    elif len(gen) > 1 and all(len(s) == len(gen[0]) and np.array_equal(s.x, gen[0].x) for s in gen):
        sep = "/" if "/" in gen[0].name else "_"
        chosen = Series(f"{split}{sep}loss_{'G' if kind == 'gan' else 'critic'} (sum)",
                        np.sum([s.values for s in gen], axis=0), gen[0].steps, gen[0].epochs, split, "loss", False,
                        derived=True)
        run.add(chosen)
        how = f" (the sum of the {'generator' if kind == 'gan' else 'critic'}'s terms {', '.join(s.name for s in gen)})"
    rest = [s.name for s in losses if sides[s.name] not in (*keep, *against)]
    others = f"; {', '.join(rest)} left beside them" if rest else ""
    run.meta.setdefault("chosen_loss", {})[split] = chosen.name
    kept, other = ", ".join(s.name for s in gen), ", ".join(s.name for s in dis)
    if kind == "gan":
        run.meta.setdefault("gan_losses", {})[split] = {"gen": [s.name for s in gen], "dis": [s.name for s in dis]}
        run.notes.append(f"GAN losses: the generator's ({kept}) and the discriminator's ({other}) pull against "
                         f"each other: not summed, the discriminator's left beside the generator's; {split} loss "
                         f"is the generator's, {chosen.name}{how}{others} (--{split} names another)")
    else:
        for s in dis:
            s.higher_is_better = None  # a policy loss is no error to drive down: its direction says nothing
        run.meta.setdefault("actor_critic_losses", {})[split] = {"critic": [s.name for s in gen],
                                                                  "actor": [s.name for s in dis]}
        run.notes.append(f"actor-critic losses: the critic's ({kept}) and the actor's ({other}) are two networks' "
                         f"separate objectives: not summed, the actor's left beside the critic's; {split} loss is "
                         f"the critic's (the value loss, which should fall), {chosen.name}{how}{others} "
                         f"(--{split} names another)")
    return True


def finish_run(run: Run) -> Run:
    """Apply the shared clean-ups to a freshly read run, in place, and return it."""
    restarts: dict[tuple[str, int], list[str]] = {}
    resumes: dict[str, list[str]] = {}
    carried = carried_on(run)
    inner = inner_counter(run) if carried is None else None
    on = carried or inner  # a counter that starts again within one training: counted on
    whole = latest_whole(run) if on is None else None
    counted: list[str] = []
    for name in list(run.series):
        s = run.series[name]
        within = steps_within_epochs(s)
        if within is not None:
            s = within
            if STEPS_COUNTED_ON not in run.notes:
                run.notes.append(STEPS_COUNTED_ON)
        else:
            s, spliced = splice_resumes(s)
            for note in spliced:
                resumes.setdefault(note, []).append(name)
            x = None if on is None else getattr(s, on[0])
            if x is not None and not spliced and len(_backs(x)) == len(on[1]):
                # the same training carried on at every restart (``carried_on``), or a counter within a unit that
                # repeats (``inner_counter``): its blocks are one curve
                s = replace(s, **{a: count_on(getattr(s, a)) for a in ("steps", "epochs") if getattr(s, a) is not None})
                counted.append(name)
            elif (whole is not None and (s.steps is not None) == (whole[0] == "steps")
                  and len(_backs(getattr(s, whole[0]))) == whole[1]):
                # the latest trainings appended are stubs (``latest_whole``): the one before them is kept
                s, note = keep_training(s, whole[2])
                restarts.setdefault((note, len(s)), []).append(name)
            else:
                s, note = cut_restarts(s)
                if note:
                    restarts.setdefault((note, len(s)), []).append(name)
        s, note = rescale_percent(s)
        if note:
            run.notes.append(note)
        run.series[name] = s
    for note, names in resumes.items():
        run.notes.append(f"{note} ({', '.join(names)})")
        got = run.meta.setdefault("resumed", [])  # structured, for rules (never a note's wording)
        got.extend(n for n in names if n not in got)
    if counted and carried is not None:
        axis = carried[0][:-1]
        run.notes.append(
            f"the {axis} counter starts again {len(carried[1])} time(s), each time with the loss going on from about "
            f"where the block before it ended (not back to where the training began): the same training carried on "
            f"(fit() called again on the same model), the blocks spliced into one curve, the {axis}s counted on "
            f"({', '.join(counted)})")
        run.meta["carried_on"] = counted  # structured, for rules (never a note's wording)
    if counted and inner is not None:
        axis = inner[0][:-1]
        run.notes.append(
            f"the {axis} counter starts again {len(inner[1])} time(s), every time over the same {axis}s "
            f"({inner[2][0]:g}-{inner[2][1]:g}): a counter "
            f"within a unit that repeats (an RL episode's steps, an epoch's batches), not {len(inner[1]) + 1} "
            f"trainings; the {axis}s counted on ({', '.join(counted)})")
    for (note, n), names in restarts.items():
        run.notes.append(f"{note}, {n} points of {', '.join(names)}")
        run.meta.setdefault("restarted", []).extend(names)  # structured, for rules (never a note's wording)
    running_bests(run)
    add_component_sums(run)
    errors_as_losses(run)
    test_as_val(run)
    return run


def running_bests(run: Run) -> None:
    """A loss or a metric whose name says it may be the best value so far (``naming.running_best``: ``min_loss``,
    ``best_val_loss``, ``max_f1``) and whose values never get worse from one point to the next (3 finite points or
    more) is the best so far, printed beside the value itself: a metric of no direction, never the loss, no curve a
    rule judges (a running maximum "holds" whatever the model does); a note says so. One that gets worse anywhere is
    what its name says otherwise (``min_loss`` beside ``avg_loss`` and ``max_loss``: each epoch's own minimum)."""
    found: list[str] = []
    for name, s in list(run.series.items()):
        way = naming.running_best(name) if s.kind in ("loss", "metric") and not s.derived else None
        if way is None:
            continue
        v = s.values[np.isfinite(s.values)]
        d = np.diff(v)
        if len(v) < 3 or ((d > 0).any() if way == "lower" else (d < 0).any()):
            continue
        run.series[name] = replace(s, kind="metric", higher_is_better=None)
        found.append(name)
    if found:
        run.notes.append(f"{', '.join(found)}: the best so far (never worse than at the point before, as the "
                         f"name{'s' if len(found) > 1 else ''} say{'' if len(found) > 1 else 's'}): kept as a metric "
                         "of no direction, never the loss curve")


def errors_as_losses(run: Run) -> None:
    """A log that names no loss at all but logs the error a regression model is fitted to (Lightning's
    ``train_mse``/``val_mse``, Keras' ``mae`` metrics of a model compiled with ``loss="mae"`` and logged under
    another name): that error, on the most splits, is read as the losses, with a note (the squared error before
    the absolute one; naming.fitted_error). ``--train``/``--val`` name others."""
    if any(s.kind == "loss" for s in run.series.values()):
        return
    by_error: dict[str, list[Series]] = {}
    for s in run.series.values():
        err = naming.fitted_error(s.name) if s.kind == "metric" and s.higher_is_better is False else None
        if err is not None and s.split in ("train", "val", "test") and np.isfinite(s.values).sum() >= 3:
            by_error.setdefault(err, []).append(s)
    if not by_error:
        return
    err = min(by_error, key=lambda e: (-len({s.split for s in by_error[e]}), naming.fitted_error_rank(e)))
    chosen: dict[str, Series] = {}
    for s in sorted(by_error[err], key=lambda s: (len(s.name), s.name)):  # the plainest name of each split
        chosen.setdefault(str(s.split), s)
    for s in chosen.values():
        run.series[s.name] = replace(s, kind="loss")
    names = " and ".join(chosen[k].name for k in ("train", "val", "test") if k in chosen)
    run.notes.append(f"no loss logged: {names} read as the loss (the {err.upper()} the model is fitted to); "
                     "name others with --train / --val")


def test_as_val(run: Run) -> None:
    """A log with no validation loss but a test loss evaluated during training (PyTorch tutorials' "test loss"
    after every epoch; ``history["test_loss"]``): the test loss is the held-out curve, read as the val loss, with a
    note. Only a curve (3 finite points or more): a test loss computed once at the end is not. ``--val`` names
    another."""
    if run.losses("val"):
        return
    tests = [s for s in run.losses("test") if np.isfinite(s.values).sum() >= 3]
    if not tests:
        return
    s = tests[0]
    # New Series objects, not the read ones changed in place: a followed log (lossdoc watch) keeps what the reader
    # produced and finishes a copy of it at every check.
    run.series[s.name] = replace(s, split="val")
    # Its metrics (test_acc beside test_loss) are the same evaluation's: val metrics too, so that a val loss
    # rising while the accuracy holds is read as such.
    moved = [m.name for m in run.series.values()
             if m.split == "test" and m.kind == "metric" and np.isfinite(m.values).sum() >= 3]
    for name in moved:
        run.series[name] = replace(run.series[name], split="val")
    also = f" ({', '.join(moved)} with it)" if moved else ""
    run.notes.append(f"{s.name} read as the validation loss{also}: the log has no val loss and {s.name} was "
                     f"evaluated {int(np.isfinite(s.values).sum())} times during training (--val names another)")
