"""DVCLive folders: ``dvclive/plots/metrics/**/*.tsv`` (one metric per file, ``step\\t<metric>``, optionally a
``timestamp`` column) beside ``dvclive/metrics.json`` (the latest values).

One run per folder. A series is named by its path below ``plots/metrics`` without ``.tsv`` (``train/loss``,
``eval/loss``, a top-level ``loss``), so the naming table reads its split from the folder DVCLive puts it in.
``metrics.json`` is not a curve and is only used to recognise the folder (with ``dvc.yaml`` / ``params.yaml``);
custom plots (``plots/custom``, ``plots/images``, ``plots/sklearn``) are not curves either and are left out.
Accepted: the ``dvclive`` folder, its ``plots`` or ``plots/metrics`` folder, or a project folder that holds
``dvclive/``. A single ``.tsv`` file is a plain table, read by the CSV reader.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers.base import Reader, Source, build_series, decode_text, read_file

FORMAT = "dvclive"
MAX_FILES = 10_000


def metrics_dir(path: Path) -> Path | None:
    """The ``plots/metrics`` folder that ``path`` (a dvclive folder, its plots folder, the metrics folder itself,
    or a project holding ``dvclive/``) stands for, or None."""
    for cand in (path / "plots" / "metrics", path / "metrics", path, path / "dvclive" / "plots" / "metrics"):
        if cand.name == "metrics" and cand.parent.name == "plots" and cand.is_dir() and _has_tsv(cand):
            return cand
    return None


def _has_tsv(folder: Path) -> bool:
    for _root, _dirs, files in os.walk(folder):
        if any(f.endswith(".tsv") for f in files):
            return True
    return False


def read_tsv(raw: bytes, label: str) -> tuple[list[float], list[float] | None, list[str]]:
    """Values, steps and notes of one DVCLive metric file."""
    text = decode_text(raw, label)
    notes: list[str] = []
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        return [], None, notes
    header = [c.strip() for c in rows[0]]
    value_col = next((i for i, c in enumerate(header) if c not in ("step", "timestamp")), None)
    if value_col is None:
        raise InputError(label, f"no value column (header: {', '.join(header)})")
    step_col = header.index("step") if "step" in header else None
    values: list[float] = []
    steps: list[float] = []
    bad = 0
    if len(rows) > 1 and not text.endswith(("\n", "\r")):
        # DVCLive ends every row with a line end: a last row without one was cut while being written, and a
        # number cut short still parses (3.5e-05 read as 3.5): left out, said in a note
        rows = rows[:-1]
        notes.append(f"{label}: last line has no line end (cut while being written?); skipped")
    for k, r in enumerate(rows[1:], start=2):
        try:
            v = float(r[value_col])
            s = float(r[step_col]) if step_col is not None else float(k - 2)
        except (ValueError, IndexError):
            bad += 1
            continue
        values.append(v)
        steps.append(s)
    if bad:
        notes.append(f"{label}: {bad} malformed line(s) skipped")
    return values, (steps if step_col is not None else None), notes


def read_folder(metrics: Path, label: str) -> Run:
    run = Run(source=label, format=FORMAT, name=metrics.parent.parent.name or None)
    run.meta["store"] = f"DVCLive folder {metrics.parent.parent}"
    files: list[Path] = []
    for root, dirs, names in os.walk(metrics, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(root) / n for n in sorted(names) if n.endswith(".tsv"))
        if len(files) > MAX_FILES:
            raise InputError(label, f"more than {MAX_FILES:,} metric files")
    for f in files:
        name = f.relative_to(metrics).as_posix().removesuffix(".tsv")
        try:
            values, steps, notes = read_tsv(read_file(f), str(f))
        except OSError as exc:
            run.notes.append(f"{f}: cannot be read ({exc.strerror or exc}); skipped")
            continue
        except InputError as exc:
            run.notes.append(f"{exc}; skipped")
            continue
        run.notes.extend(notes)
        if values:
            finite_steps = steps is not None and all(math.isfinite(s) for s in steps)
            run.add(build_series(name, values, steps=steps if finite_steps else None,
                                 epochs=None if finite_steps else list(range(len(values)))))
    if not run.series:
        raise InputError(label, "a DVCLive folder with no metric values in plots/metrics")
    return run


class DvcliveReader(Reader):
    name = "dvclive"
    description = "DVCLive folders (dvclive/plots/metrics/**/*.tsv beside metrics.json)"
    example = "dvclive/plots/metrics/train/loss.tsv"
    handles_dirs = True
    priority = 13

    def sniff(self, head: bytes, path: Path | None) -> bool:
        return False  # single files are plain TSV tables: the CSV reader reads them

    def sniff_dir(self, path: Path) -> bool:
        m = metrics_dir(path)
        if m is None:
            return False
        live = m.parent.parent
        return any((live / f).is_file() for f in ("metrics.json", "params.yaml", "dvc.yaml")) or (
            live.parent / "dvc.yaml"
        ).is_file() or live.name == "dvclive"

    def read(self, source: Source) -> list[Run]:
        raise InputError(source.label, "DVCLive is read from its folder (dvclive/), not from one file")

    def read_dir(self, path: Path) -> list[Run]:
        m = metrics_dir(path)
        if m is None:
            raise InputError(str(path), "no DVCLive plots/metrics folder here")
        return [read_folder(m, str(path))]


READERS = [DvcliveReader]
