"""Trust (issue: never destroy or skip a log; a log's text is data, never commands).

Each test reproduces a problem found with hostile or broken inputs:
- ``--output``/``--plot`` naming an input (directly, through ``..``, a symbolic or a hard link, or an existing
  file inside an input folder) replaced the log with the report;
- a CSV with text in its ``val_loss`` column vanished from a folder sweep and the exit code was 0;
- a broken ``pyproject.toml`` was skipped in silence; a FIFO given as ``--config`` hung;
- a broken pipe exited 0;
- names from a log (columns, tags, file and run names) reached the terminal and CI as escape sequences, GitHub
  workflow commands, rich markup (``[/]`` crashed) and markdown.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app

ROOT = Path(__file__).resolve().parent.parent


def _history(overfit: bool = True, names: tuple[str, str] = ("loss", "val_loss")) -> dict:
    e = np.arange(30)
    loss = 2.0 * np.exp(-e / 6) + 0.05
    val = 0.6 + 0.003 * (e - 10) ** 2 if overfit else loss * 1.1 + 0.05
    return {names[0]: loss.tolist(), names[1]: val.tolist()}


def _write_history(path: Path, **kw) -> Path:
    path.write_text(json.dumps(_history(**kw)))
    return path


def _cli(args: list[str], **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "lossdoc", *args], capture_output=True, timeout=60, env=env, **kw
    )


# ------------------------------------------------------------------------------------- never destroy a log


def _targets(tmp_path: Path) -> dict[str, tuple[list[str], Path]]:
    log = _write_history(tmp_path / "run.json")
    (tmp_path / "d").mkdir()
    link = tmp_path / "link.json"
    link.symlink_to(log)
    hard = tmp_path / "hard.json"
    os.link(log, hard)
    folder = tmp_path / "logs"
    folder.mkdir()
    inner = _write_history(folder / "inner.json")
    hard_inner = tmp_path / "hard_inner.json"
    os.link(inner, hard_inner)
    return {
        "same path": ([str(log)], log),
        "through ..": ([str(log)], tmp_path / "d" / ".." / "run.json"),
        "relative vs absolute": ([os.path.relpath(log)], log.resolve()),
        "symbolic link to the log": ([str(log)], link),
        "the log through a symbolic link input": ([str(link)], log),
        "hard link to the log": ([str(log)], hard),
        "existing file inside an input folder": ([str(folder)], inner),
        "hard link to a file inside an input folder": ([str(folder)], hard_inner),
    }


CASES = ["same path", "through ..", "relative vs absolute", "symbolic link to the log",
         "the log through a symbolic link input", "hard link to the log", "existing file inside an input folder",
         "hard link to a file inside an input folder"]


@pytest.mark.parametrize("option", ["--output", "--plot"])
@pytest.mark.parametrize("case", CASES)
def test_output_or_plot_naming_an_input_is_a_usage_error(runner, tmp_path, monkeypatch, case, option):
    inputs, target = _targets(tmp_path)[case]
    if option == "--plot":  # the same check for the figure: give it a figure's suffix through a link
        fig = target.with_suffix(".png")
        if not fig.exists():
            fig.symlink_to(Path(os.path.realpath(target)))
        target = fig
    before = {p: Path(p).read_bytes() for p in [*inputs, os.path.realpath(target)] if Path(p).is_file()}

    def never(*a, **k):  # the check comes before anything is read
        raise AssertionError("an input was read before --output/--plot was checked")

    monkeypatch.setattr("lossdoc.api.analyze", never)
    r = runner.invoke(app, ["analyze", *inputs, "--format", "json", option, str(target)])
    assert r.exit_code == 2, r.output
    assert "input" in r.output and option in r.output, r.output
    for p, data in before.items():
        assert Path(p).read_bytes() == data, f"{p} was changed"


def test_output_elsewhere_still_written(runner, tmp_path):
    log = _write_history(tmp_path / "run.json")
    out = tmp_path / "report.json"
    r = runner.invoke(app, ["analyze", str(log), "--format", "json", "--output", str(out)])
    assert r.exit_code == 1, r.output
    assert json.loads(out.read_text())["runs"][0]["source"] == str(log)
    # A new report file inside the input folder is fine (it replaces nothing)...
    new = tmp_path / "new-report.json"
    r = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json", "--output", str(new)])
    assert new.exists(), r.output


def test_output_and_plot_naming_the_same_file(runner, tmp_path):
    log = _write_history(tmp_path / "run.json")
    r = runner.invoke(app, ["analyze", str(log), "--output", str(tmp_path / "x.png"), "--plot", str(tmp_path / "x.png")])
    assert r.exit_code == 2 and "same file" in r.output, r.output


# ------------------------------------------------------------------------------------- never skip silently


def _sweep_folder(tmp_path: Path) -> Path:
    d = tmp_path / "sweep"
    d.mkdir()
    _write_history(d / "good.json", overfit=False)
    (d / "bad.csv").write_text("epoch,loss,val_loss\n0,1.0,0.9\n1,0.8,oops\n2,0.7,0.6\n")
    (d / "README.md").write_text("# my experiments\n\nSome notes.\n")
    (d / "config.yaml").write_text("lr: 0.1\nbatch: 32\n")
    return d


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sweep_reports_a_log_it_could_not_read(tmp_path, jobs):
    d = _sweep_folder(tmp_path)
    r = _cli(["analyze", str(d), "--format", "json", "--jobs", jobs])
    assert r.returncode == 2, r.stderr
    doc = json.loads(r.stdout)
    assert [Path(e["source"]).name for e in doc["errors"]] == ["bad.csv"], doc["errors"]
    assert [Path(run["source"]).name for run in doc["runs"]] == ["good.json"]
    err_lines = r.stderr.decode().splitlines()
    assert len(err_lines) == 1 and "bad.csv" in err_lines[0] and "val_loss" in err_lines[0], err_lines
    notes = " ".join(doc["notes"])
    assert "skipped 2 files" in notes and "README.md" in notes and "config.yaml" in notes, doc["notes"]


def test_sweep_of_subfolders_reports_a_broken_log(tmp_path):
    """A folder of run folders is read in parallel units; a broken log in one unit is still an error."""
    d = tmp_path / "runs"
    for name in ("a", "b"):
        (d / name).mkdir(parents=True)
        _write_history(d / name / "history.json", overfit=False)
    (d / "b" / "metrics.csv").write_text("step,loss,val_loss\n1,1.0,x\n2,0.5,0.4\n")
    r = _cli(["analyze", str(d), "--format", "json", "--jobs", "2"])
    assert r.returncode == 2, r.stderr
    assert [Path(e["source"]).name for e in json.loads(r.stdout)["errors"]] == ["metrics.csv"]


def test_folder_of_only_non_logs_is_an_error(tmp_path):
    d = tmp_path / "nothing"
    d.mkdir()
    (d / "README.md").write_text("hello\n")
    r = _cli(["analyze", str(d)])
    assert r.returncode == 2 and b"no training log found" in r.stderr, r.stderr


def test_broken_pyproject_is_a_config_error(tmp_path):
    log = _write_history(tmp_path / "run.json")
    (tmp_path / "pyproject.toml").write_text('[tool.lossdoc]\nfail-on = "error"\nselect = [\n')
    r = _cli(["analyze", str(log)], cwd=tmp_path)
    assert r.returncode == 2 and b"pyproject.toml" in r.stderr and b"TOML" in r.stderr, r.stderr
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "lossdoc.toml").write_text('fail-on = "error"\nselect = [\n')
    r = _cli(["analyze", str(log)], cwd=tmp_path)
    assert r.returncode == 2 and b"lossdoc.toml" in r.stderr, r.stderr


def test_other_tools_tables_never_break_lossdoc(tmp_path):
    log = _write_history(tmp_path / "run.json")
    deep = "[" * 100_000 + "]" * 100_000
    # Valid TOML whose [tool.other] is far too deep for the parser, next to lossdoc's own table.
    (tmp_path / "pyproject.toml").write_text(f'[tool.other]\nx = {deep}\n\n[tool.lossdoc]\nfail-on = "never"\n')
    r = _cli(["analyze", str(log)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # fail-on never was read: the overfit run passes
    # A pyproject.toml of another project that does not parse is not lossdoc's business at all.
    (tmp_path / "pyproject.toml").write_text('[tool.other]\nbroken = [\n')
    r = _cli(["analyze", str(log)], cwd=tmp_path)
    assert r.returncode == 1, r.stderr


def test_config_files_are_bounded_regular_files(tmp_path):
    log = _write_history(tmp_path / "run.json")
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    r = _cli(["analyze", str(log), "--config", str(fifo)])  # hung before: open() of a FIFO blocks
    assert r.returncode == 2 and b"not a regular file" in r.stderr, r.stderr
    r = _cli(["analyze", str(log), "--config", "/dev/zero"])
    assert r.returncode == 2 and b"not a regular file" in r.stderr, r.stderr
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    r = _cli(["analyze", str(log), "--config", str(deep)])
    assert r.returncode == 2 and b"nested too deeply" in r.stderr and b"Traceback" not in r.stderr, r.stderr


def test_broken_pipe_is_not_a_pass():
    log = ROOT / "fixtures" / "keras-history" / "healthy.json"
    assert log.exists()
    p = subprocess.Popen(
        [sys.executable, "-m", "lossdoc", "analyze", str(log)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    p.stdout.close()  # the reader goes away before lossdoc writes
    err = p.stderr.read()
    assert p.wait(timeout=60) == 2, err
    lines = err.decode().splitlines()
    assert len(lines) == 1 and "broken pipe" in lines[0], lines


def test_closed_stdout_is_one_line_and_exit_2():
    log = ROOT / "fixtures" / "keras-history" / "healthy.json"
    assert log.exists()
    r = subprocess.run(  # noqa: PLW1510
        ["sh", "-c", f'exec "{sys.executable}" -m lossdoc analyze "{log}" >&-'], capture_output=True, timeout=60
    )
    lines = r.stderr.decode().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "stdout" in lines[0], r.stderr


# ------------------------------------------------------------------------- a log's text is data, not commands

HOSTILE = [
    "val_loss\x1b]0;pwned\x07",  # OSC: sets the terminal title
    "val_loss\x1b[2J\x1b[31m",  # clears the screen, colours what follows
    "val_loss\n::error file=x::forged",  # a newline and a GitHub workflow command
    "val_loss\r::warning::forged",
    "val_loss\u009b2J\u0085",  # C1 CSI and NEL
    "val_loss\u202eevil",  # bidi override
    "val_loss[/]",  # rich markup that crashed the report
    "val_loss[bold red]x[/bold red]",
    "val_loss<!-- hidden -->",  # markdown comment
    "val_loss](https://evil.example) [x",  # markdown link
    "val_loss\n# forged heading\n```",  # heading and a fence
    "val_loss`code`$x$|cell|",
]

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_BAD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_OWN_COMMAND = re.compile(r"^::(error|warning|notice) title=lossdoc")


def _check_text(text: str, *, github: bool = False, color: bool = False) -> None:
    if color:
        text = _SGR.sub("", text)  # rich's own colour codes; any other ESC is a leak
    bad = _BAD.search(text)
    assert bad is None, f"raw control character {bad.group()!r} in output:\n{text}"
    for line in text.split("\n"):
        if line.lstrip().startswith("::"):
            assert github and _OWN_COMMAND.match(line), f"a line starts with '::':\n{line}"


def _hostile_folder(tmp_path: Path) -> Path:
    d = tmp_path / "hostile"
    d.mkdir()
    for i, name in enumerate(HOSTILE):
        _write_history(d / f"run{i:02d}.json", names=("loss", name))
    # File names are log text too (a run's label in a sweep).
    _write_history(d / "::error::file name.json")
    _write_history(d / "a\x1b[2Jb\nc.json")
    (d / "bad\x1b[31m.csv").write_text("epoch,loss,val_loss\n0,1,x\n")  # an input error that quotes the name
    return d


FORMATS = [
    ["analyze", "--format", "rich"],
    ["analyze", "--format", "rich", "-v"],
    ["analyze", "--format", "rich", "--summary"],
    ["analyze", "--format", "markdown"],
    ["analyze", "--format", "github"],
    ["analyze", "--format", "json"],
    ["analyze", "--format", "sarif"],
    ["analyze", "--format", "junit"],
    ["analyze", "--statistics"],
    ["analyze", "--quiet"],
    ["inspect"],
    ["inspect", "--format", "json"],
]


@pytest.mark.parametrize("args", FORMATS, ids=lambda a: " ".join(a[1:]) or a[0])
def test_log_text_never_drives_terminal_or_ci(tmp_path, args):
    d = _hostile_folder(tmp_path)
    r = _cli([args[0], str(d), *args[1:], "--jobs", "1"] if args[0] == "analyze" else [args[0], str(d), *args[1:]])
    assert r.returncode in (1, 2), r.stderr
    out, err = r.stdout.decode(), r.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err, err
    _check_text(out, github="github" in args)
    _check_text(err)
    if "json" in args:
        json.loads(out)  # strict JSON whatever the names
    if "sarif" in args:
        doc = json.loads(out)
        from tests.test_outputs import validate_sarif

        validate_sarif(doc)
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for res in doc["runs"][0]["results"]
                for loc in res.get("locations", [])]
        assert uris and all(re.fullmatch(r"[A-Za-z0-9%/._~-]+", u) for u in uris), uris  # percent-encoded
    if "junit" in args:
        import xml.etree.ElementTree as ET

        root = ET.fromstring(out)  # well-formed XML whatever the names
        assert len(root.findall("./testsuite/testcase")) >= len(HOSTILE)
    if "markdown" in args:
        prose = re.sub(r"(?ms)^(`{3,})text$.*?^\1$", "", out)  # code blocks show text literally
        assert "```text" in out and "<!--" not in prose, prose
        assert not re.search(r"(?<!\\)\]\(https://evil", prose), prose  # an escaped bracket is no link
        headings = [line for line in out.split("\n") if line.startswith("#")]
        assert all(h.startswith(("## lossdoc", "### ")) for h in headings), headings
        assert not any("forged heading" in h for h in headings), headings
    if args[0] == "analyze" and "json" not in args and "--quiet" not in args and "--statistics" not in args:
        assert "\\x1b" in out or "\\x1b" in err  # shown escaped, not dropped


def test_rich_markup_in_a_name_is_a_valid_log(runner, tmp_path):
    p = _write_history(tmp_path / "h.json", names=("loss", "[/]"))
    r = runner.invoke(app, ["analyze", str(p), "--val", "[/]"])
    assert r.exit_code in (0, 1), r.output
    assert "[/]" in r.output


def test_colour_terminal_report_has_no_foreign_escapes(tmp_path):
    import lossdoc
    from lossdoc.reporters import REPORTERS

    d = _hostile_folder(tmp_path)
    report = lossdoc.analyze(str(d), jobs=1)
    assert report.runs and report.errors
    for summary in (False, True):
        text = REPORTERS["rich"](report, width=80, color=True, verbose=True, summary=summary)
        assert "\x1b[" in text  # colour is on
        _check_text(text, color=True)


def test_plot_labels_are_not_mathtext(tmp_path):
    pytest.importorskip("matplotlib")
    import lossdoc
    from lossdoc.reporters.plot import write_plot

    p = _write_history(tmp_path / "h.json", names=("loss", "val_loss $\\frac{$"))
    out = tmp_path / "fig.png"
    write_plot(lossdoc.analyze(str(p)), out)  # an unbalanced $ raised in matplotlib's mathtext parser
    assert out.stat().st_size > 1000


def test_log_text_never_drives_streams_merge_or_watch(tmp_path):
    """The outputs added after the first trust pass: --format jsonl (each line strict JSON, no raw control byte),
    lossdoc merge of its shards in every format, and lossdoc watch over the same hostile folder."""
    d = _hostile_folder(tmp_path)
    parts = []
    for i in (1, 2):
        r = _cli(["analyze", str(d), "--format", "jsonl", "--shard", f"{i}/2", "--jobs", "1"])
        assert r.returncode in (1, 2), r.stderr
        out = r.stdout.decode()
        _check_text(out)
        _check_text(r.stderr.decode())
        lines = [json.loads(line) for line in out.splitlines()]
        assert lines and lines[-1]["type"] == "summary"
        part = tmp_path / f"part{i}.jsonl"
        part.write_bytes(r.stdout)
        parts.append(str(part))
    for fmt in ("rich", "markdown", "github", "json", "sarif", "junit"):
        r = _cli(["merge", *parts, "--format", fmt])
        assert r.returncode in (1, 2), (fmt, r.stderr)
        out, err = r.stdout.decode(), r.stderr.decode()
        assert "Traceback" not in err and "internal error" not in err, err
        _check_text(out, github=fmt == "github")
        _check_text(err)
    for fmt in ("rich", "json", "github"):
        r = _cli(["watch", str(d), "--format", fmt, "--interval", "100ms", "--idle", "1s"])
        assert r.returncode in (1, 2), (fmt, r.stderr)
        out, err = r.stdout.decode(), r.stderr.decode()
        assert "Traceback" not in err and "internal error" not in err, err
        _check_text(out, github=fmt == "github")
        _check_text(err)
