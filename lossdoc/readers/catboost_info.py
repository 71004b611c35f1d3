"""CatBoost's ``catboost_info/`` error logs: ``learn_error.tsv`` (the learning set) and ``test_error.tsv`` (the
eval set), as its ``TErrorFileLoggingBackend`` writes them (catboost/libs/loggers/logger.h): a header ``iter`` then
a tab and each metric's name (``iter\\tLogloss``, ``iter\\tAccuracy\\tMultiClass``, ``iter\\tRMSE\\tMAE``; a
metric with parameters as ``Quantile:alpha=0.3``), then one row per written iteration, ``N\\t<value>...``.

The column named after one of CatBoost's loss functions (Logloss, CrossEntropy, MultiClass, RMSE, ...) is the
loss (the first such column when several are: by default the optimised loss is the only one, or the first after
an ``eval_metric`` that is not a loss); the other columns are metrics of the same split. The split is the file's:
``learn_error`` the train split, ``test_error`` the val split (the eval set). ``iter`` is the step axis.

The ``catboost_info`` folder given as the path (a folder holding ``learn_error.tsv`` and/or ``test_error.tsv``) is
one run of both files; the other files CatBoost writes there (``catboost_training.json``, ``time_left.tsv``, the
``learn/`` and ``test/`` TensorBoard event files of the same values) are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.readers.base import Reader, Source, build_series, require_series
from lossdoc.readers.tabular import load_table

# CatBoost's loss functions (catboost/private/libs/options/enums.h ELossFunction, the ones usable as
# loss_function): a column of one of these names is a loss, whatever the naming table says of the bare name.
LOSS_FUNCTIONS = frozenset(n.lower() for n in (
    "Logloss", "CrossEntropy", "MultiClass", "MultiClassOneVsAll", "MultiLogloss", "MultiCrossEntropy",
    "RMSE", "MAE", "Quantile", "MultiQuantile", "Expectile", "LogLinQuantile", "MAPE", "Poisson", "Tweedie",
    "Huber", "Lq", "LogCosh", "RMSEWithUncertainty", "MultiRMSE", "MultiRMSEWithMissingValues", "SurvivalAft",
    "Cox", "Focal", "PairLogit", "PairLogitPairwise", "YetiRank", "YetiRankPairwise", "QueryRMSE",
    "QuerySoftMax", "QueryCrossEntropy", "StochasticRank", "LambdaMart", "GroupQuantile", "RMSPE",
))
# The file names CatBoost gives them (output_file_options: learn_error_log / test_error_log), maybe after a prefix
# when copied out of the folder ("catboost_info-test_error.tsv"): the split of the file's rows.
_FILE_SPLIT = re.compile(r"(?:^|[^a-z0-9])(learn|test)_error\.tsv$", re.IGNORECASE)
_SPLITS = {"learn": "train", "test": "val"}
_FILES = ("learn_error.tsv", "test_error.tsv")


def _base(name: str) -> str:
    """A metric's name without its parameters (``Quantile:alpha=0.3`` -> ``quantile``), lower case."""
    return name.split(":", 1)[0].strip().lower()


def _header(head: bytes) -> list[str] | None:
    """The metric names of an ``iter<TAB>name...`` header whose names include a CatBoost loss function, else None."""
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r")
    if not first.startswith(b"iter\t"):
        return None
    names = first.decode("utf-8", errors="replace").split("\t")[1:]
    if not names or not all(n.strip() for n in names) or not any(_base(n) in LOSS_FUNCTIONS for n in names):
        return None
    return names


def file_split(path: Path | str | None) -> str | None:
    """The file's split by its name (``learn_error.tsv``: train, ``test_error.tsv``: val), else None."""
    m = _FILE_SPLIT.search(Path(path).name) if path else None
    return _SPLITS[m[1].lower()] if m else None


class CatboostTsvReader(Reader):
    name = "catboost-tsv"
    description = ("CatBoost catboost_info/learn_error.tsv and test_error.tsv ('iter<TAB>Logloss', 'iter<TAB>Accuracy"
                   "<TAB>MultiClass'): the loss-function column is the train (learn) / val (test) loss; also the "
                   "catboost_info folder, both files as one run")
    example = "catboost_info/learn_error.tsv"
    handles_dirs = True
    # Before the TensorBoard reader, which would claim a catboost_info folder by its learn/ and test/ event files.
    priority = 9

    def sniff(self, head: bytes, path: Path | None) -> bool:
        return _header(head) is not None and file_split(path) is not None

    def sniff_dir(self, path: Path) -> bool:
        for f in _FILES:
            p = path / f
            if p.is_file():
                with open(p, "rb") as fh:
                    return _header(fh.read(4096)) is not None
        return False

    def read(self, source: Source) -> list[Run]:
        split = file_split(source.path or source.label)
        if split is None:
            raise InputError(source.label, "a CatBoost error log is read only under its own name, learn_error.tsv "
                             "(train) or test_error.tsv (val): the name says which set its rows are")
        run = Run(source=source.label, format=self.name)
        self._add(run, source, split)
        return [run]

    def read_dir(self, path: Path) -> list[Run]:
        run = Run(source=str(path), format=self.name)
        found = [f for f in _FILES if (path / f).is_file()]
        if not found:
            raise InputError(str(path), "no learn_error.tsv or test_error.tsv in this CatBoost folder")
        for f in found:
            self._add(run, Source(str(path / f), path / f), file_split(f))
        if len(found) == 1:
            run.notes.append(f"only {found[0]} in the folder: {'no eval set' if found[0] == _FILES[0] else 'no learning-set errors'} logged")
        return [run]

    def _add(self, run: Run, source: Source, split: str) -> None:
        head = source.head(4096)
        names = _header(head)
        if names is None:
            raise InputError(source.label, "not a CatBoost error log: the first line is not 'iter' then tab-separated "
                             "metric names, one of them a CatBoost loss function (Logloss, MultiClass, RMSE, ...)")
        table = load_table(source)
        it = table.columns[0]
        steps = table.numeric(it)
        if steps is None:
            raise InputError(source.label, f"the 'iter' column holds text, not iteration numbers{table.text_example(it)}")
        prefix = "learn" if split == "train" else "test"
        loss = next(c for c in table.columns[1:] if _base(c) in LOSS_FUNCTIONS)
        run.notes.extend(table.notes)
        for col in table.columns[1:]:
            num = table.numeric(col)
            if num is None:
                raise InputError(source.label, f"column {col!r} holds text, not numbers{table.text_example(col)}")
            values, present = num
            present = present & steps[1]
            name = f"{prefix}/{col}"
            role = f"{split}_loss" if col == loss else None
            run.add(build_series(name, values[present], steps=steps[0][present], metric_split=split,
                                 role_name=role or col))
        run.notes.append(f"{Path(source.label).name}: CatBoost's {'learning' if split == 'train' else 'eval'} set; "
                         f"{loss!r} (its loss function) read as the {split} loss")
        require_series(run, source.label, table.columns[1:])


READERS = [CatboostTsvReader]
