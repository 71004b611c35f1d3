"""The command line: parse options -> api -> reporter -> exit code. No analysis here.

Exit codes (a public contract): 0 nothing at or above --fail-on; 1 a finding at or above it; 2 a usage,
config or input error, or an internal error. Errors are one line on stderr (a traceback only with --debug).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import textwrap
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lossdoc import __version__
from lossdoc.errors import LossdocError

app = typer.Typer(
    name="lossdoc",
    help="A doctor for training logs: which failure mode fits your loss curves, the evidence, and what to do.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, config or input error.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


class OutputFormat(str, Enum):
    rich = "rich"
    json = "json"


class ReportFormat(str, Enum):
    rich = "rich"
    json = "json"
    markdown = "markdown"
    github = "github"
    sarif = "sarif"
    junit = "junit"


class AnalyzeFormat(str, Enum):
    rich = "rich"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    github = "github"
    sarif = "sarif"
    junit = "junit"


class Executor(str, Enum):
    local = "local"
    dask = "dask"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _err(message: str) -> None:
    """One line on stderr. Messages quote paths and names from logs: shown escaped, never as raw bytes."""
    from lossdoc.reporters.safe import printable

    stream = sys.stderr
    if stream is None:  # stderr closed: nothing can be said, the exit code still tells
        return
    try:
        stream.write(fit_stream(stream, f"lossdoc: error: {printable(message)}\n"))
        stream.flush()
    except (OSError, ValueError):
        pass


def fit_stream(stream, text: str) -> str:
    """``text`` as ``stream`` can encode it: on a terminal that is not UTF-8 (``PYTHONIOENCODING=ascii``) the
    charts and marks fall back to ASCII, and any other character is shown escaped (a log's ``é`` as ``\\xe9``)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    from lossdoc.reporters.ascii import to_ascii

    try:
        return to_ascii(text).encode(encoding, errors="backslashreplace").decode(encoding)
    except LookupError:
        return text.encode("ascii", errors="backslashreplace").decode("ascii")


def _silence_stdout() -> None:
    """After a broken pipe: send what is left to /dev/null so the interpreter's exit flush cannot fail too."""
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - kept open until exit, on purpose
    except OSError:
        pass


def _emit(text: str) -> None:
    """Write a report to stdout. A reader that went away (broken pipe) or a closed stdout is not a pass: the
    report was not delivered, so this is an error (exit 2), said on stderr."""
    if sys.stdout is None:
        _err("stdout is closed: the report could not be written (use --output FILE)")
        raise typer.Exit(2)
    try:
        sys.stdout.write(fit_stream(sys.stdout, text))
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        _err("stdout was closed before the whole report was written (broken pipe)")
        raise typer.Exit(2) from None
    except (OSError, ValueError) as exc:
        _err(f"the report could not be written to stdout ({exc})")
        raise typer.Exit(2) from None


def guarded(func: Callable) -> Callable:
    """Turn every failure into one line on stderr and exit code 2 (a traceback only with --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except LossdocError as exc:
            if _state["debug"]:
                raise
            _err(str(exc))
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            _err("interrupted")
            raise typer.Exit(2) from None
        except BrokenPipeError:  # `lossdoc ... | head`: the reader went away before all was written: not a pass
            _silence_stdout()
            _err("stdout was closed before all output was written (broken pipe)")
            raise typer.Exit(2) from None
        except Exception as exc:  # an internal error: still one line, still exit 2
            if _state["debug"]:
                raise
            _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            raise typer.Exit(2) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lossdoc {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks for errors.")] = False,
) -> None:
    _state["debug"] = _state["debug"] or debug


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (OSError, ValueError):
        return False


def _use_color(choice: str = "auto") -> bool:
    """--color always|never decide; auto: FORCE_COLOR (set, not 0) forces colour, NO_COLOR turns it off, else colour
    on a terminal that is not TERM=dumb."""
    if choice != "auto":
        return choice == "always"
    force = os.environ.get("FORCE_COLOR")
    if force is not None and force.strip().lower() not in ("", "0", "false", "no"):
        return True
    return _stdout_is_tty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _width() -> int:
    if _stdout_is_tty():
        try:
            return max(60, min(os.get_terminal_size().columns, 160))
        except OSError:
            pass
    try:
        return max(60, int(os.environ.get("COLUMNS", "100")))
    except ValueError:
        return 100


def _load_config(config: Path | None):
    from lossdoc.config import load_config

    return load_config(config)


PathsArg = Annotated[list[str], typer.Argument(
    help="Log files, run folders or logdirs, stores (mlflow.db, wandb/), URLs (s3://, gs://, az://, hf://, https://; "
    "an MLflow server's http://host:5000); '-' reads stdin (see `lossdoc formats`).")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Report format.")]
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", "-i", help="Force a reader instead of sniffing (see `lossdoc formats`)."),
]
# Options that analyze, merge (and, for --output, compare) declare alike.
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to FILE (whole or not at all).")
]
ExitZeroOpt = Annotated[bool, typer.Option("--exit-zero", help="Report findings but exit 0 (errors still exit 2).")]
SummaryOpt = Annotated[bool, typer.Option("--summary", help="Only the summary table of the runs.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only the verdict line (rich); errors still go to stderr.")
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Config file (default: lossdoc.toml or pyproject.toml upwards).")
]
RunOpt = Annotated[
    str | None,
    typer.Option("--run", help="In an MLflow store (mlflow.db) or server URL: only this run (name or id)."),
]
ExperimentOpt = Annotated[
    str | None,
    typer.Option("--experiment", help="In an MLflow store (mlflow.db) or server URL: only this experiment."),
]


@app.command()
@guarded
def analyze(
    paths: PathsArg,
    format: Annotated[
        AnalyzeFormat,
        typer.Option(
            "--format",
            "-f",
            help="rich (terminal), json, jsonl (one line per run as it is analysed, then a summary line; for "
            "jq and lossdoc merge), markdown (step summary / PR comment), github (annotations), sarif (code "
            "scanning), junit (test reports).",
        ),
    ] = AnalyzeFormat.rich,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1 [default: warning].")
    ] = None,
    input_format: InputFormatOpt = None,
    train: Annotated[str | None, typer.Option("--train", help="Series to use as the training loss.")] = None,
    val: Annotated[str | None, typer.Option("--val", help="Series to use as the validation loss.")] = None,
    join: Annotated[
        bool, typer.Option("--join", help="Join one-curve files (TensorBoard exports, MLflow metrics) into one run.")
    ] = False,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Only these rules (name, code or prefix; repeatable).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these rules (name, code or prefix; repeatable).")
    ] = None,
    config: ConfigOpt = None,
    output: OutputOpt = None,
    exit_zero: ExitZeroOpt = False,
    summary: SummaryOpt = False,
    quiet: QuietOpt = False,
    statistics: Annotated[
        bool,
        typer.Option("--statistics", help="Instead of the report, how many runs each rule fired in (rich or json)."),
    ] = False,
    color: Annotated[
        Color, typer.Option("--color", help="Colour in the terminal report: auto (a terminal; FORCE_COLOR, NO_COLOR), always, never.")
    ] = Color.auto,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write an annotated figure (.png, .svg or .pdf; needs lossdoc[plot]).")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes for many runs, at least 1 [default: auto].")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show skipped rules and all columns.")] = False,
    max_points: Annotated[
        int,
        typer.Option(
            "--max-points",
            min=0,
            help="Bin series longer than N points (median per bin, NaN/Inf kept, noted in the report) before the "
            "rules see them; 0 keeps every point.",
        ),
    ] = 200_000,
    max_bytes: Annotated[
        str,
        typer.Option(
            "--max-bytes",
            help="Refuse files (and stdin) larger than this, e.g. 500M, 4G; 0 means no limit.",
        ),
    ] = "1G",
    expect: ExpectOpt = None,
    shard: ShardOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
    run: RunOpt = None,
    experiment: ExperimentOpt = None,
) -> None:
    """Diagnose training logs; the exit code gates CI (0 clean, 1 findings, 2 errors)."""
    from lossdoc import api
    from lossdoc.errors import UsageError
    from lossdoc.model import InputProblem, Report
    from lossdoc.reporters import REPORTERS

    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: the number of worker processes must be at least 1")
    sweep = _sweep_options(paths, format, shard, executor, scheduler, join=join, statistics=statistics, plot=plot)
    if statistics and format not in (AnalyzeFormat.rich, AnalyzeFormat.json):
        raise UsageError(f"--statistics is a table (rich) or json, not --format {format.value}")
    _guard_outputs(paths, output=output, plot=plot)  # before anything is read: a log is never overwritten
    if output is None and sys.stdout is None:
        _err("stdout is closed: the report could not be written (use --output FILE)")
        raise typer.Exit(2)
    if plot is not None:
        _check_plot(plot)
    cfg = _load_config(config)
    limit = parse_size(max_bytes)
    kwargs = {
        "max_points": max_points,
        "max_bytes": limit,
        "config": cfg,
        "fail_on": fail_on.value if fail_on else None,
        "select": _split(select),
        "ignore": _split(ignore),
        "train": train,
        "val": val,
        "input_format": input_format,
        "run": run,
        "experiment": experiment,
    }
    _apply_expectations(cfg, expect, kwargs)
    if format is AnalyzeFormat.jsonl and not join:
        _analyze_jsonl(paths, kwargs, sweep, jobs=jobs, output=output, exit_zero=exit_zero)
    if join:
        report = Report()
        try:
            source = [api.join(paths, input_format or cfg.input_format, max_bytes=limit)]
        except LossdocError as exc:
            if not hasattr(exc, "source"):
                raise
            source = []
            report.errors.append(InputProblem(exc.source, exc.problem))
        merged = api.analyze(source, **kwargs)
        merged.errors[:0] = report.errors
        report = merged
    else:
        bar = _ProgressBar()
        try:
            report = api.analyze(paths, jobs=jobs, progress=bar.update, **kwargs, **sweep)
        finally:
            bar.close()
    report.exit_zero = exit_zero
    for e in report.errors:
        _err(f"{e.source}: {e.message}")
    to_file = output is not None
    options: dict = {"summary": summary, "verbose": verbose}
    if format is AnalyzeFormat.rich:
        in_color = _use_color(color.value) if not to_file or color is Color.always else False
        options.update(width=100 if to_file else _width(), color=in_color, quiet=quiet)
    if statistics:
        text = REPORTERS["statistics"](report, json_output=format is AnalyzeFormat.json)
    else:
        text = REPORTERS[format.value](report, **options)
    if plot is not None and report.runs:
        from lossdoc.reporters.plot import write_plot

        write_plot(report, plot)
    if to_file:
        write_atomic(output, text)
    else:
        _emit(text)
    raise typer.Exit(report.exit_code)


ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="Analyse only shard I of N of the runs found (I/N, e.g. 2/4; a stable hash of each run's path "
        "relative to the path given), for SLURM or Kubernetes job arrays; join the shards' --format jsonl with "
        "lossdoc merge.",
    ),
]
ExecutorOpt = Annotated[
    Executor,
    typer.Option(
        "--executor",
        help="local (this machine's cores) or dask (a Dask cluster: --scheduler, else LOSSDOC_DASK_SCHEDULER, "
        "else a LocalCluster; the paths must be readable from the workers; needs lossdoc[dask]).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Address of the Dask scheduler for --executor dask, e.g. tcp://host:8786."),
]


def _sweep_options(paths, format, shard, executor, scheduler, *, join, statistics, plot) -> dict:
    """--shard, --executor and --scheduler checked before anything is read; the keyword arguments for api."""
    from lossdoc import api
    from lossdoc.errors import UsageError

    if scheduler is not None and executor is not Executor.dask:
        raise UsageError("--scheduler is the address of a Dask scheduler: give --executor dask too")
    if format is AnalyzeFormat.jsonl and (statistics or plot is not None):
        raise UsageError(f"--format jsonl streams the runs; {'--statistics' if statistics else '--plot'} needs the whole report")
    if join and (shard is not None or executor is Executor.dask):
        raise UsageError("--join makes one run; --shard and --executor dask are for sweeps of many")
    parsed = api.parse_shard(shard) if shard is not None else None
    name = executor.value if executor is Executor.dask else None
    api.check_sweep(paths, name, parsed)
    return {"shard": parsed, "executor": name, "scheduler": scheduler}


def _analyze_jsonl(paths: list[str], kwargs: dict, sweep: dict, *, jobs, output, exit_zero) -> None:
    """--format jsonl: each run's line written as soon as its unit is analysed (to stdout, flushed unit by unit, or
    to the temporary file that becomes --output at the end), then the summary line; nothing per run is kept."""
    from lossdoc import api
    from lossdoc.reporters import jsonl

    bar = _ProgressBar()
    try:
        stream = api.stream(paths, render=jsonl.run_line, jobs=jobs, progress=bar.update, exit_zero=exit_zero,
                            **kwargs, **sweep)
        with _LineSink(output) as sink:
            for res in stream:
                if res.runs:
                    sink.write("".join(res.runs))
            summary = stream.summary()
            sink.write(jsonl.summary_line(
                summary, runs=summary["runs"], fail_on=stream.tally.fail_on, shard=stream.plan.shard,
                paths=summary["paths"], skipped_files=summary["skipped_files"],
            ))
    finally:
        bar.close()
    for _, e in summary["errors"]:
        _err(f"{e.source}: {e.message}")
    raise typer.Exit(summary["exit_code"])


class _LineSink:
    """Where streamed lines go: stdout (a broken pipe is exit 2, as for any report), or --output written whole
    or not at all (a temporary file in the same folder, renamed when the summary line is in)."""

    def __init__(self, output: Path | None) -> None:
        self.output = output
        self.fh = None
        self.tmp = None

    def __enter__(self) -> _LineSink:  # noqa: PYI034
        if self.output is not None:
            import tempfile

            from lossdoc.errors import UsageError

            folder = self.output.parent if str(self.output.parent) else Path(".")
            try:
                fd, self.tmp = tempfile.mkstemp(prefix=f".{self.output.name}.", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise UsageError(f"--output {self.output}: {exc.strerror or exc}") from None
            from lossdoc.reporters.plot import _chmod_default

            _chmod_default(self.tmp)
            self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        elif sys.stdout is None:
            _err("stdout is closed: the report could not be written (use --output FILE)")
            raise typer.Exit(2)
        return self

    def write(self, text: str) -> None:
        if self.fh is not None:
            self.fh.write(text)
        else:
            _emit(text)

    def __exit__(self, kind, exc, tb) -> None:
        if self.fh is None:
            return
        try:
            if kind is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
            self.fh.close()
            if kind is None:
                os.replace(self.tmp, self.output)
                return
        except OSError as err:
            from lossdoc.errors import UsageError

            self._drop()
            raise UsageError(f"--output {self.output}: {err.strerror or err}") from None
        self._drop()  # an error on the way: nothing half written is left behind; the error goes on

    def _drop(self) -> None:
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


ExpectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--expect",
        "-e",
        help="An expectation the run must meet, e.g. \"final(val_accuracy) >= 0.9\", \"best(val_loss) <= 0.35\", "
        "\"steps_to(val_loss <= 0.5) <= 2000\" (repeatable; replaces expect in the config). Unmet: an error "
        "finding LD401.",
    ),
]


def _apply_expectations(cfg, expect: list[str] | None, kwargs: dict) -> None:
    """--expect: parse now (a typo is one line, exit 2, before anything is read), replace the config's list, and
    keep the rule that checks them enabled even under --select."""
    from lossdoc.config import set_expectations
    from lossdoc.expect import parse_all

    if expect is not None:
        parse_all(expect)
        set_expectations(cfg, expect)
        cfg.origins["expect"] = "command line"
    if cfg.expect:
        select = kwargs.get("select") if kwargs.get("select") is not None else cfg.select
        if select is not None and not any(k.strip().lower() in ("expectation", "ld401", "ld4", "ld40") for k in select):
            kwargs["select"] = [*select, "expectation"]


def _guard_outputs(paths: list[str], **targets: Path | None) -> None:
    """``--output`` / ``--plot`` must never name an input: not the same path, not through a symbolic or hard link,
    and not an existing file inside an input folder (a sweep reads those). Checked before anything is read."""
    from lossdoc.errors import UsageError

    given = {name: Path(t) for name, t in targets.items() if t is not None}
    if len(given) == 2 and os.path.realpath(given["output"]) == os.path.realpath(given["plot"]):
        raise UsageError(f"--output and --plot name the same file ({given['output']})")
    inputs = [p for p in paths if p != "-"]
    for name, target in given.items():
        option = f"--{name}"
        real = Path(os.path.realpath(target))
        exists = target.exists()
        for p in inputs:
            rp = Path(os.path.realpath(p))
            if real == rp or (exists and _same_file(target, Path(p))):
                raise UsageError(f"{option} {target}: that is an input ({p}); lossdoc never overwrites a log")
            if exists and rp.is_dir() and real.is_relative_to(rp):
                raise UsageError(
                    f"{option} {target}: an existing file inside the input folder {p}, which lossdoc reads; "
                    "write the report elsewhere"
                )
        if exists and _has_other_links(target):
            for p in inputs:
                if Path(p).is_dir() and _linked_inside(target, Path(p)):
                    raise UsageError(
                        f"{option} {target}: a hard link to a file inside the input folder {p}; write the report "
                        "elsewhere"
                    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _has_other_links(path: Path) -> bool:
    try:
        return os.stat(path).st_nlink > 1
    except OSError:
        return False


def _linked_inside(target: Path, folder: Path, limit: int = 100_000) -> bool:
    """Whether a file below ``folder`` is ``target`` (same device and inode), looking at most ``limit`` entries."""
    try:
        st = os.stat(target)
    except OSError:
        return False
    from lossdoc.readers.registry import walk

    seen = 0
    for root, _dirs, files in walk(folder, strict=False):
        for f in files:
            seen += 1
            if seen > limit:
                return False
            try:
                o = os.stat(os.path.join(root, f))
            except OSError:
                continue
            if (o.st_dev, o.st_ino) == (st.st_dev, st.st_ino):
                return True
    return False


def parse_size(text: str) -> int:
    """``--max-bytes``: a number of bytes with an optional K/M/G/T suffix (powers of 1024); 0 is no limit."""
    from lossdoc.errors import UsageError

    t = str(text).strip().upper().removesuffix("B").removesuffix("I")
    scale = 1
    if t and t[-1] in "KMGT":
        scale = 1024 ** ("KMGT".index(t[-1]) + 1)
        t = t[:-1]
    try:
        value = float(t)
    except ValueError:
        value = -1.0
    import math

    if not (math.isfinite(value) and value >= 0):
        raise UsageError(f"--max-bytes {text!r}: expected a size such as 500M, 4G or 0 (no limit)")
    if value == 0:
        return 0
    return max(1, math.ceil(value * scale))  # a tiny positive size is a tiny limit, never 0 ("no limit")


def _check_plot(path: Path) -> None:
    import importlib.util

    from lossdoc.errors import UsageError

    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--plot {path}: the file name must end in .png, .svg or .pdf")
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'lossdoc[plot]'")


def write_atomic(path: Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then an atomic rename."""
    import tempfile

    from lossdoc.errors import UsageError

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
    try:
        from lossdoc.reporters.plot import _chmod_default

        _chmod_default(tmp)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
        raise


class _ProgressBar:
    """A rich progress bar on stderr, only when stderr is a terminal and the work takes more than a moment."""

    DELAY = 0.5

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._t0 = time.monotonic()
        self._bar = None
        self._task = None
        self._enabled = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"

    def update(self, done: int, total: int) -> None:
        if not self._enabled or total < 2:
            return
        if self._bar is None:
            if done >= total or self._clock() - self._t0 < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("reading runs"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("runs", total=total)
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _split(items: list[str] | None) -> list[str] | None:
    """Accept both `--select a --select b` and `--select a,b`."""
    if items is None:
        return None
    return [p.strip() for item in items for p in item.split(",") if p.strip()]


@app.command("compare")
@guarded
def compare_cmd(
    baseline: Annotated[str, typer.Argument(help="The baseline: a log file, a run folder or a logdir (e.g. main's).")],
    candidate: Annotated[str, typer.Argument(help="The candidate, in any format lossdoc reads (e.g. the PR's).")],
    metric: Annotated[
        str | None,
        typer.Option("--metric", "-m", help="Series to compare (default: the val loss); its direction comes from "
                     "its name (val_accuracy: higher is better)."),
    ] = None,
    tolerance: Annotated[
        str,
        typer.Option("--tolerance", "-t", help="auto (a band from the runs' own noise and, with seeds, their "
                     "spread) or a percentage of the baseline's value, e.g. 5."),
    ] = "auto",
    group_by: Annotated[
        str | None,
        typer.Option("--group-by", "-g", help="A name pattern (glob) for the part of a run's name that is the "
                     "seed, e.g. 'seed_*': runs that differ only there are compared as distributions."),
    ] = None,
    format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="rich (terminal), json, markdown (PR comment), github."),
    ] = ReportFormat.rich,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Lowest severity of a new finding that makes the exit code 1 "
                     "[default: warning]."),
    ] = None,
    input_format: InputFormatOpt = None,
    train: Annotated[str | None, typer.Option("--train", help="Series to use as the training loss.")] = None,
    val: Annotated[str | None, typer.Option("--val", help="Series to use as the validation loss.")] = None,
    config: ConfigOpt = None,
    output: OutputOpt = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Report but exit 0 (errors still exit 2).")
    ] = False,
    summary: Annotated[bool, typer.Option("--summary", help="Only the summary table of the pairs.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Detail every pair, not only failing ones.")] = False,
    max_bytes: Annotated[
        str, typer.Option("--max-bytes", help="Refuse files larger than this, e.g. 500M; 0 means no limit.")
    ] = "1G",
) -> None:
    """Compare a candidate's training curves with a baseline's: noise-aware, seeds as distributions, new findings.

    Exit 0 when the candidate is not worse beyond tolerance and has no new finding at or above --fail-on, 1 when
    it is or has, 2 on input or usage errors. With one run a side, a new finding whose confidence is below 0.95 is
    shown as borderline and does not count (a borderline call flips from seed to seed)."""
    from lossdoc.compare import compare
    from lossdoc.reporters.compare_common import COMPARE_REPORTERS

    _guard_outputs([baseline, candidate], output=output)
    if output is None and sys.stdout is None:
        _err("stdout is closed: the report could not be written (use --output FILE)")
        raise typer.Exit(2)
    cfg = _load_config(config)
    result = compare(
        baseline, candidate, metric=metric, tolerance=tolerance, group_by=group_by, config=cfg,
        fail_on=fail_on.value if fail_on else None, input_format=input_format, train=train, val=val,
        max_bytes=parse_size(max_bytes),
    )
    result.exit_zero = exit_zero
    for e in result.errors:
        _err(f"{e.source}: {e.message}")
    to_file = output is not None
    options: dict = {"summary": summary, "verbose": verbose}
    if format is ReportFormat.rich:
        options.update(width=100 if to_file else _width(), color=False if to_file else _use_color())
    text = COMPARE_REPORTERS[format.value](result, **options)
    if to_file:
        write_atomic(output, text)
    else:
        _emit(text)
    raise typer.Exit(result.exit_code)


class WatchFormat(str, Enum):
    rich = "rich"
    json = "json"
    github = "github"


class ExitOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


@app.command()
@guarded
def watch(
    path: Annotated[str, typer.Argument(help="A log file, run folder or logdir that is being written.")],
    interval: Annotated[str, typer.Option("--interval", help="Time between checks: 10s, 500ms, 1m.")] = "10s",
    exit_on: Annotated[
        ExitOn, typer.Option("--exit-on", help="Exit 1 as soon as a finding at this severity or above appears.")
    ] = ExitOn.error,
    idle: Annotated[
        str, typer.Option("--idle", help="The run has ended when nothing new was logged for this long: 10m, 1h.")
    ] = "10m",
    format: Annotated[
        WatchFormat,
        typer.Option("--format", "-f", help="rich (lines, then the report), json (one object per line), github."),
    ] = WatchFormat.rich,
    input_format: InputFormatOpt = None,
    train: Annotated[str | None, typer.Option("--train", help="Series to use as the training loss.")] = None,
    val: Annotated[str | None, typer.Option("--val", help="Series to use as the validation loss.")] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Only these rules (name, code or prefix; repeatable).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these rules (name, code or prefix; repeatable).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Follow a log while it is written: print each new finding once, when it first appears; exit 1 at the first
    finding at --exit-on, else, when the run ends (--idle, or the log says so), the report and its exit code.

    Each check reads only what was appended. In a job script: lossdoc watch runs/exp --exit-on error || kill "$PID"."""
    from lossdoc.errors import UsageError
    from lossdoc.model import Severity
    from lossdoc.watch import Watch, parse_duration

    if path == "-":
        raise UsageError("lossdoc watch follows a file or folder, not standard input")
    cfg = _load_config(config)
    if select is not None:
        cfg.select = _split(select)
    if ignore is not None:
        cfg.ignore = _split(ignore)
    if input_format is not None:
        cfg.input_format = input_format
    if cfg.input_format:
        from lossdoc.readers.registry import get_reader

        get_reader(cfg.input_format)
    w = Watch(
        path, config=cfg, interval=parse_duration(interval, "--interval"), idle=parse_duration(idle, "--idle"),
        exit_on=None if exit_on is ExitOn.never else Severity.parse(exit_on.value), train=train, val=val,
    )
    stop_at = "never" if exit_on is ExitOn.never else f"at the first {exit_on.value}"
    _note(f"watching {path} every {interval} (exit {stop_at}; the run has ended after {idle} without news)")
    for event in w.events():
        _emit(_watch_event(event, format))
    if not Path(path).exists():
        raise UsageError(f"{path}: no such file or folder (waited {idle} for it to appear)")
    _note(f"watch ended after {w.checks} check(s): {w.ended_by}")
    report = w.report()
    for e in report.errors:
        _err(f"{e.source}: {e.message}")
    from lossdoc.reporters import REPORTERS

    if format is WatchFormat.json:
        from lossdoc.reporters.json import to_dict

        _emit(json.dumps({"event": "report", **to_dict(report)}, allow_nan=False) + "\n")
    elif format is WatchFormat.github:
        _emit(REPORTERS["github"](report))
    else:
        _emit(REPORTERS["rich"](report, width=_width(), color=_use_color()))
    code = report.exit_code
    if w.stopped_early and not report.errors:
        code = 1
    raise typer.Exit(code)


def _note(message: str) -> None:
    """A progress line on stderr (the report and the events go to stdout)."""
    from lossdoc.reporters.safe import printable

    if sys.stderr is not None:
        try:
            sys.stderr.write(fit_stream(sys.stderr, f"lossdoc: {printable(message)}\n"))
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def _watch_event(event, format: WatchFormat) -> str:
    """One new finding as one line of output."""
    from lossdoc.reporters.safe import guard_lines, printable

    if format is WatchFormat.json:
        return json.dumps(event.to_dict(), allow_nan=False) + "\n"
    f, run = event.finding, event.run
    at = "?" if event.seen_at is None else (f"{event.seen_at:,.0f}" if float(event.seen_at).is_integer()
                                             else f"{event.seen_at:g}")
    onset = ""
    if f.onset is not None:
        onset = f" from {f.axis or event.seen_axis} {f.onset:g}"
    text = f"{run.label}: seen at {event.seen_axis} {at}: {f.severity.label} {f.code} {f.name}{onset}: {f.message}"
    if format is WatchFormat.github:
        from lossdoc.reporters.github import command

        return command("notice", printable(text), title=f"lossdoc watch: {f.name}") + "\n"
    return guard_lines(printable(text) + "\n")


@app.command("merge")
@guarded
def merge_cmd(
    parts: Annotated[
        list[str], typer.Argument(help="The JSON lines of every shard (lossdoc analyze ... --shard I/N --format jsonl).")
    ],
    format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="rich, json, markdown, github, sarif or junit, as for analyze. rich and markdown show the summary "
            "table and each run's findings without curves (the JSON lines carry no series).",
        ),
    ] = ReportFormat.rich,
    output: OutputOpt = None,
    exit_zero: ExitZeroOpt = False,
    summary: SummaryOpt = False,
    quiet: QuietOpt = False,
    color: Annotated[
        Color, typer.Option("--color", help="Colour in the terminal report: auto, always, never.")
    ] = Color.auto,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show skipped rules and all columns.")] = False,
) -> None:
    """Join the shards of a sweep into the report (and exit code) one lossdoc analyze over all the paths gives.

    Every shard must be there and whole (1..N of one N, each ending with its summary line), run over the same
    paths with the same --fail-on; a missing, cut or foreign shard is an input error (exit 2). The JSON lines carry
    findings, not curves: rich and markdown show the summary table and each run's findings without its charts."""
    from lossdoc import merge
    from lossdoc.reporters import REPORTERS

    _guard_outputs(parts, output=output)
    merged = merge.merge(parts)
    to_file = output is not None
    if format is ReportFormat.json:
        text = json.dumps(merge.to_json(merged, exit_zero), indent=2, allow_nan=False) + "\n"
        code = merged.exit_code(exit_zero)
        errors = merged.errors
    else:
        report = merge.to_report(merged, exit_zero)
        if format in (ReportFormat.rich, ReportFormat.markdown) and not (summary or quiet) and merge.shows_details(report):
            report.notes.append(merge.CURVES_NOTE)
        options: dict = {"summary": summary, "verbose": verbose}
        if format is ReportFormat.rich:
            in_color = _use_color(color.value) if not to_file or color is Color.always else False
            options.update(width=100 if to_file else _width(), color=in_color, quiet=quiet)
        text = REPORTERS[format.value](report, **options)
        code = report.exit_code
        errors = report.errors
    for e in errors:
        _err(f"{e.source}: {e.message}")
    if to_file:
        write_atomic(output, text)
    else:
        _emit(text)
    raise typer.Exit(code)


@app.command()
@guarded
def inspect(
    paths: PathsArg,
    format: FormatOpt = OutputFormat.rich,
    input_format: InputFormatOpt = None,
    run: RunOpt = None,
    experiment: ExperimentOpt = None,
) -> None:
    """Show what was read: format, runs, each series with its role, axis, length and non-finite count."""
    from lossdoc import api

    runs, failed = [], False
    for p in paths:
        try:
            runs.extend(api.read(p, input_format, run=run, experiment=experiment))
        except LossdocError as exc:
            if not hasattr(exc, "source"):
                raise
            _err(str(exc))
            failed = True
    if format is OutputFormat.json:
        _emit(json.dumps({"runs": [{**r.describe(), "store": r.meta.get("store")} for r in runs]}, indent=2) + "\n")
    else:
        _emit(_inspect_text(runs))
    raise typer.Exit(2 if failed else 0)


def _inspect_text(runs: list) -> str:
    """What was read, as a table per run. Names and notes come from the log: rich Text, escaped, never markup."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lossdoc.reporters.safe import guard_lines, printable

    buf = io.StringIO()
    color = _use_color()
    console = Console(file=buf, width=_width(), no_color=not color, force_terminal=color, highlight=False)
    for run in runs:
        console.print(
            Text.assemble((printable(run.label), "bold"), f"  format: {run.format}  axis: {run.axis}")
        )
        if run.meta.get("store"):
            console.print(Text(printable(f"from {run.meta['store']}")))
        t = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0))
        for col in ("series", "role", "direction", "axis", "points", "non-finite", "used as"):
            t.add_column(col, justify="right" if col in ("points", "non-finite") else "left")
        for s in run.series.values():
            used = "train loss" if s is run.train_loss else "val loss" if s is run.val_loss else ""
            d = s.describe()
            t.add_row(
                Text(printable(s.name)), d["role"], d["direction"] or "", d["axis"], f"{d['points']:,}",
                str(d["nonfinite"]), used,
            )
        console.print(t)
        for note in run.notes:
            console.print(Text(printable(f"  note: {note}"), style="dim"))
        console.print()
    return guard_lines(buf.getvalue())


@app.command()
@guarded
def rules(format: FormatOpt = OutputFormat.rich) -> None:
    """List every rule: code, name, default severity and summary."""
    from lossdoc.rules import ALL_RULES

    if format is OutputFormat.json:
        sys.stdout.write(json.dumps({"rules": [r.describe() for r in ALL_RULES]}, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0))
    for col in ("code", "name", "severity", "needs", "summary"):
        t.add_column(col)
    for r in ALL_RULES:
        t.add_row(r.code, r.name, r.severity.label, ", ".join(r.requires) or "-", r.summary())
    Console(width=_width(), no_color=not _use_color(), highlight=False).print(t)


@app.command()
@guarded
def explain(name: Annotated[str, typer.Argument(help="Rule name or code, e.g. overfitting or LD101.")]) -> None:
    """Print one rule's documentation and parameters."""
    from lossdoc.errors import UsageError
    from lossdoc.rules import ALL_RULES, find_rule

    rule = find_rule(name)
    if rule is None:
        raise UsageError(f"no rule {name!r} (rules: {', '.join(r.name for r in ALL_RULES)})")
    d = rule.describe()
    lines = [f"{d['code']} {d['name']} (default severity: {d['severity']})", "", d["summary"], ""]
    for head, text in d["sections"].items():
        lines += [f"{head}:", textwrap.fill(text, width=96, initial_indent="  ", subsequent_indent="  "), ""]
    if d["parameters"]:
        lines.append(f"Parameters ([tool.lossdoc.rules.{d['name']}] in pyproject.toml or lossdoc.toml):")
        for k, p in d["parameters"].items():
            lines.append(f"  {k} = {p['default']!r}  {p['help']}")
    else:
        lines.append("Parameters: none")
    sys.stdout.write("\n".join(lines).rstrip() + "\n")


@app.command()
@guarded
def formats(format: FormatOpt = OutputFormat.rich) -> None:
    """List the input formats lossdoc reads (names for --input-format)."""
    from lossdoc.readers.registry import readers, url_readers
    from lossdoc.readers.remote import SCHEMES

    items = [
        {"name": r.name, "description": r.description, "example": r.example, "folders": r.handles_dirs}
        for r in [*readers(), *url_readers()]
    ]
    remote = [{"scheme": f"{scheme}://", "extra": f"lossdoc[{extra}]"} for scheme, (extra, _) in SCHEMES.items()]
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps({"formats": items, "remote": remote}, indent=2) + "\n")
        return
    width = max(len(i["name"]) for i in items)
    for i in items:
        sys.stdout.write(f"{i['name']:<{width}}  {i['description']}\n")
        if i["example"]:
            sys.stdout.write(f"{'':<{width}}  e.g. {i['example']}\n")
    extras: dict[str, list[str]] = {}
    for r in remote:
        extras.setdefault(r["extra"], []).append(r["scheme"])
    sys.stdout.write(
        "\nAny of the files and folders above may also be a URL, read through fsspec with its extra: "
        + "; ".join(f"{', '.join(schemes)} ({extra})" for extra, schemes in extras.items())
        + ", e.g. lossdoc analyze s3://bucket/runs/ (pip install 'lossdoc[s3]')\n"
    )


@app.command("config")
@guarded
def config_cmd(
    format: FormatOpt = OutputFormat.rich,
    config: ConfigOpt = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="As for analyze.")] = None,
    select: Annotated[list[str] | None, typer.Option("--select", help="As for analyze.")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="As for analyze.")] = None,
    input_format: InputFormatOpt = None,
    train: Annotated[str | None, typer.Option("--train", help="As for analyze.")] = None,
    val: Annotated[str | None, typer.Option("--val", help="As for analyze.")] = None,
) -> None:
    """Print the effective settings and where each came from (default, config file, command line)."""
    from lossdoc.config import check_fail_on, effective
    from lossdoc.rules import select_rules

    cfg = _load_config(config)
    given = {
        "fail-on": check_fail_on(fail_on.value) if fail_on else None,
        "select": _split(select),
        "ignore": _split(ignore),
        "input-format": input_format,
        "train": train,
        "val": val,
    }
    for key, value in given.items():
        if value is not None:
            setattr(cfg, key.replace("-", "_"), value)
            cfg.origins[key] = "command line"
    if cfg.input_format:
        from lossdoc.readers.registry import get_reader

        get_reader(cfg.input_format)
    enabled = [r.name for r in select_rules(cfg.select, cfg.ignore)]
    eff = effective(cfg)
    eff["enabled_rules"] = enabled
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(eff, indent=2) + "\n")
        return
    lines = [f"# config file: {cfg.source or 'none found (defaults)'}"]
    for key in ("fail-on", "select", "ignore", "input-format", "train", "val"):
        item = eff[key]
        lines.append(f"{key} = {_toml(item['value'])}  # {item['from']}")
    lines.append(f"# enabled rules: {', '.join(enabled) or 'none'}")
    for fmt, table in eff["formats"]["value"].items():
        lines.append(f"[formats.{fmt}]  # {eff['formats']['from']}")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    for rule, params in eff["rules"].items():
        if params:
            lines.append(f"[rules.{rule}]")
            lines += [f"{k} = {_toml(p['value'])}  # {p['from']}" for k, p in params.items()]
    sys.stdout.write("\n".join(lines) + "\n")


def _toml(value) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def main() -> None:
    """Console-script entry point. ``--debug`` is taken anywhere on the line; a usage error (a bad option or value)
    is one line on stderr and exit 2, like every other error."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    args = sys.argv[1:]
    if "--debug" in args:
        _state["debug"] = True
        args = [a for a in args if a != "--debug"]
    try:
        code = app(args=args, prog_name="lossdoc", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()
        code = 2
    except ClickException as exc:  # usage errors: one line, with where to find help
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _err(f"{exc.format_message()}{where}")
        code = exc.exit_code
    except (typer.Exit, typer.Abort) as exc:
        code = getattr(exc, "exit_code", 2)
    except SystemExit:
        raise
    except Exception as exc:  # pragma: no cover - failures outside a command (e.g. option parsing internals)
        if _state["debug"]:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc}")
        code = 2
    sys.exit(code if isinstance(code, int) else 0)
