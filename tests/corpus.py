"""The bad-input corpus: broken, hostile and huge logs, generated into a folder (nothing here is committed junk).

Each case writes its input under ``root`` and says what lossdoc must do with it:

- ``error``: exit 2 and exactly one line on stderr, ``lossdoc: error: <file>: <problem>``, naming the file and
  containing ``says``;
- ``partial``: exit 0 or 1, a report, and a note on the run (``--format json``: ``runs[].notes``) containing
  ``says``, which tells what was skipped or decided;
- ``ok``: exit 0 or 1 and a report (the input is odd but fully readable).

Never a traceback, never a hang. ``python tests/corpus.py OUT`` writes the corpus to OUT and prints, for each
case, the command and what lossdoc said (the table of the issue's closing note).
"""

from __future__ import annotations

import json
import os
import random
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240606


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[str]]  # writes the input under root; returns the lossdoc arguments after `analyze`
    expect: str  # error | partial | ok
    says: str = ""  # a substring of the stderr line (error) or of a run note (partial)
    stdin: str | None = None  # a path to connect to stdin
    names: str | None = None  # a substring of the error line that names the file (default: the first path's name)
    monkeypatch: str | None = None  # a named fault injected in the process before lossdoc runs (see FAULTS)
    timeout: float = 20.0
    only_root: bool = False  # meaningful only as root / only as non-root: handled by the test
    skip_as_root: bool = False
    tags: list[str] = field(default_factory=list)
    teardown: Callable[[Path], None] | None = None  # removes what shutil.rmtree cannot (5,000 nested folders)


# ------------------------------------------------------------------------------------------ TensorBoard bytes


def frame(payload: bytes) -> bytes:
    """One TFRecord: uint64 length, masked crc32c(length), data, masked crc32c(data) (tensorboard's own CRC)."""
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", masked_crc32c(header)) + payload + struct.pack("<I", masked_crc32c(payload))


def version_event() -> bytes:
    from tensorboard.compat.proto import event_pb2

    return event_pb2.Event(wall_time=1_700_000_000.0, file_version="brain.Event:2").SerializeToString()


def scalar_event(tag: str, step: int, value: float) -> bytes:
    from tensorboard.compat.proto import event_pb2, summary_pb2

    return event_pb2.Event(
        wall_time=1_700_000_000.0 + step,
        step=step,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
    ).SerializeToString()


def loss_curve(n: int, step: int) -> tuple[float, float]:
    """A plausible (train, val) pair at step ``step`` of ``n``: falling, val flattening."""
    t = step / max(1, n)
    return 2.0 * (0.05 + (1 - t) ** 3) + 0.01 * ((step * 7) % 5), 2.0 * (0.15 + (1 - t) ** 3)


def event_file_bytes(n: int = 40) -> list[bytes]:
    """The records of a small event file: the version event, then loss and val_loss at steps 0..n-1."""
    recs = [frame(version_event())]
    for i in range(n):
        tr, va = loss_curve(n, i)
        recs.append(frame(scalar_event("loss", i, tr)))
        recs.append(frame(scalar_event("val_loss", i, va)))
    return recs


EVENT_NAME = "events.out.tfevents.1700000000.host.1.0"


# ------------------------------------------------------------------------------------------ small helpers


def csv_text(n: int = 30, header: str = "epoch,loss,val_loss") -> str:
    rows = [header]
    for i in range(n):
        tr, va = loss_curve(n, i)
        rows.append(f"{i},{tr:.5f},{va:.5f}")
    return "\n".join(rows) + "\n"


def _write(root: Path, name: str, data: bytes | str) -> Path:
    p = root / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    return p


def _one(name: str, data: bytes | str | Callable[[], bytes | str], *extra: str) -> Callable[[Path], list[str]]:
    def build(root: Path) -> list[str]:
        content = data() if callable(data) else data
        return [str(_write(root, name, content)), *extra]

    return build


def _garbage(n: int) -> bytes:
    return random.Random(SEED).randbytes(n)


# ------------------------------------------------------------------------------------------ the cases


def _tb_corrupt_crc(root: Path) -> list[str]:
    recs = event_file_bytes()
    bad = bytearray(recs[21])
    bad[-1] ^= 0xFF  # the data CRC of record 22
    recs[21] = bytes(bad)
    return [str(_write(root, f"corrupt/{EVENT_NAME}", b"".join(recs)))]


def _tb_truncated(root: Path) -> list[str]:
    data = b"".join(event_file_bytes())
    return [str(_write(root, f"live/{EVENT_NAME}", data[:-7]))]


def _tb_zero_length(root: Path) -> list[str]:
    return [str(_write(root, f"zero/{EVENT_NAME}", b""))]


def _tb_zero_length_in_logdir(root: Path) -> list[str]:
    d = root / "logdir-zero"
    _write(d / "run1", EVENT_NAME, b"".join(event_file_bytes()))
    _write(d / "run1", EVENT_NAME.replace(".0", ".1"), b"")
    return [str(d)]


def _tb_garbage_named_event(root: Path) -> list[str]:
    return [str(_write(root, f"garbage-tb/{EVENT_NAME}", _garbage(4096)))]


def _tb_huge_length(root: Path) -> list[str]:
    """A record header claiming a 2**62-byte record, with a valid header CRC: must not allocate it."""
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    header = struct.pack("<Q", 1 << 62)
    rec = header + struct.pack("<I", masked_crc32c(header)) + b"\0" * 64
    return [str(_write(root, f"hugelen/{EVENT_NAME}", b"".join(event_file_bytes(5)) + rec))]


def _logdir_without_events(root: Path) -> list[str]:
    d = root / "logdir-empty"
    for sub in ("run1", "run2/validation"):
        (d / sub).mkdir(parents=True, exist_ok=True)
        (d / sub / "README.md").write_text("# nothing logged yet\n")
    (d / "run1" / "checkpoint.pt").write_bytes(_garbage(512))
    return [str(d)]


def _many_files(root: Path) -> list[str]:
    d = root / "many"
    d.mkdir(parents=True, exist_ok=True)
    for i in range(10_000):
        (d / f"note-{i:05d}.txt").write_bytes(b"not a log\n")
    (d / "run.csv").write_text(csv_text())
    return [str(d)]


def _symlink_loop(root: Path) -> list[str]:
    a, b = root / "loop-a.csv", root / "loop-b.csv"
    os.symlink(b, a)
    os.symlink(a, b)
    return [str(a)]


def _symlink_loop_dir(root: Path) -> list[str]:
    d = root / "loopdir"
    d.mkdir(parents=True, exist_ok=True)
    (d / "run.csv").write_text(csv_text())
    os.symlink(d, d / "self")  # a folder that contains itself
    os.symlink(d / "x", d / "y")
    os.symlink(d / "y", d / "x")
    return [str(d)]


def _deep_folder(root: Path) -> list[str]:
    """A folder nested 5,000 deep with a log at the top (made through directory fds: the path exceeds PATH_MAX)."""
    d = root / "deep"
    d.mkdir(parents=True, exist_ok=True)
    (d / "run.csv").write_text(csv_text())
    fd = os.open(d, os.O_RDONLY)
    try:
        for _ in range(5000):
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
    finally:
        os.close(fd)
    return [str(d)]


def remove_nested(root: Path, name: str = "d") -> None:
    """Remove a chain of nested folders called ``name`` below ``root`` without recursion (rmtree recurses)."""
    fds = [os.open(root, os.O_RDONLY)]
    try:
        while True:
            try:
                fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir(name, dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


def _unreadable(root: Path) -> list[str]:
    p = _write(root, "secret.csv", csv_text())
    p.chmod(0)
    return [str(p)]


def _fifo(root: Path) -> list[str]:
    p = root / "pipe.csv"
    os.mkfifo(p)
    return [str(p)]


def _fifo_forced(root: Path) -> list[str]:
    p = root / "pipe2.csv"
    os.mkfifo(p)
    return [str(p), "--input-format", "csv"]


def _fifo_in_folder(root: Path) -> list[str]:
    d = root / "with-fifo"
    d.mkdir(parents=True, exist_ok=True)
    os.mkfifo(d / "a-pipe.csv")
    (d / "run.csv").write_text(csv_text())
    return [str(d)]


def _sparse_huge(root: Path) -> list[str]:
    """A 5 GB file (sparse: no disk used) with a CSV header: refused before reading, by size."""
    p = root / "huge.csv"
    with open(p, "wb") as fh:
        fh.write(b"epoch,loss,val_loss\n0,1.0,1.1\n")
        fh.truncate(5 * 1024**3)
    return [str(p)]


def _small_limit(root: Path) -> list[str]:
    p = _write(root, "limited.csv", csv_text(2000))
    return [str(p), "--max-bytes", "10000"]


def _deep_json(open_: str, close: str) -> str:
    return open_ * 100_000 + close * 100_000


def _wide_csv() -> str:
    cols = [f"c{i}" for i in range(100_000)]
    cols[1], cols[2] = "loss", "val_loss"
    lines = [",".join(["epoch", *cols[1:]])]
    for r in range(3):
        lines.append(",".join([str(r)] + [f"{1.0 / (r + 1) + i * 1e-6:.6f}" for i in range(1, 100_000)]))
    return "\n".join(lines) + "\n"


def _long_line_csv() -> str:
    rows = ["epoch,loss,val_loss,note"]
    for i in range(20):
        tr, va = loss_curve(20, i)
        rows.append(f"{i},{tr:.5f},{va:.5f}," + ("n" * 1_000_000 if i == 5 else "ok"))
    return "\n".join(rows) + "\n"


def _long_line_text() -> str:
    lines = [f"epoch {i}: loss {2.0 / (i + 1):.4f} val_loss {2.2 / (i + 1):.4f}" for i in range(10)]
    lines.insert(3, "epoch 3 " + "a" * 1_000_000)
    lines.insert(4, "epoch 3 " + "x=" * 500_000)
    return "\n".join(lines) + "\n"


def _long_line_jsonl() -> str:
    lines = [json.dumps({"step": i, "loss": 2.0 / (i + 1)}) for i in range(10)]
    lines.insert(3, json.dumps({"step": 99, "note": "n" * 1_000_000}))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ tool logs
# One of each family's lines, then the same family garbled, cut, or with a megabyte line built to make a careless
# regular expression backtrack (every case must finish in linear time: a 1 MB line in well under a second).


def _d2_lines(n: int = 12) -> list[str]:
    return [json.dumps({"data_time": 0.01, "iteration": 20 * i + 19, "loss_cls": loss_curve(n, i)[0], "lr": 0.01,
                        "total_loss": loss_curve(n, i)[0], "validation_loss": loss_curve(n, i)[1]}, sort_keys=True)
            for i in range(n)]


def _mm_lines(n: int = 12) -> list[str]:
    return [json.dumps({"lr": 0.01, "data_time": 0.01, "loss": loss_curve(n, i)[0], "time": 0.1, "epoch": i + 1,
                        "iter": 10 * (i + 1), "step": 10 * (i + 1)}) for i in range(n)]


def _fs_lines(n: int = 12) -> list[str]:
    out = []
    for i in range(n):
        tr, va = loss_curve(n, i)
        out.append(f'[2024-07-05 08:57:14,277][train_inner][INFO] - {{"epoch": {i + 1}, "update": {i + 1}.0, '
                   f'"loss": "{tr:.3f}", "num_updates": "{10 * (i + 1)}", "lr": "0.001"}}')
        out.append(f'[2024-07-05 08:57:15,277][valid][INFO] - {{"epoch": {i + 1}, "valid_loss": "{va:.3f}", '
                   f'"valid_num_updates": "{10 * (i + 1)}"}}')
    return out


def _meg_lines(n: int = 12) -> list[str]:
    return [f" iteration {i + 1:8d}/{n:8d} | learning rate: 1.0E-04 | lm loss: {loss_curve(n, i)[0]:.6E} |"
            " number of skipped iterations:   0 | number of nan iterations:   0 |" for i in range(n)]


def _hf_lines(n: int = 12) -> list[str]:
    out = []
    for i in range(n):
        tr, va = loss_curve(n, i)
        out.append(f"{{'loss': {tr:.4f}, 'learning_rate': 5e-05, 'epoch': {i + 1}.0}}")
        out.append(f"{{'eval_loss': {va:.4f}, 'eval_runtime': 0.1, 'epoch': {i + 1}.0}}")
    return out


def _tt_lines(n: int = 12) -> list[str]:
    return [f"Step {i + 1} | loss:{loss_curve(n, i)[0]} lr:2e-05 " for i in range(n)]


def _nano_lines(n: int = 12) -> list[str]:
    return [ln for i in range(n) for ln in (f"{i} val {loss_curve(n, i)[1]:.4f}", f"{i} train {loss_curve(n, i)[0]:.6f}")]


TOOL_LINES = {
    "metrics.json": _d2_lines, "scalars.json": _mm_lines, "fairseq.log": _fs_lines, "megatron.log": _meg_lines,
    "hf-stdout.log": _hf_lines, "log_1700000000.txt": _tt_lines, "log.txt": _nano_lines,
}

# A megabyte line per family, each aimed at its patterns (unclosed brackets and braces, long runs of digits,
# separators and names, a value that never ends).
MB = 1_000_000
TOOL_TRAPS = {
    "metrics.json": '{"iteration": 1, "loss_cls": "' + "9" * MB + '", "total_loss": 1.0}',
    "scalars.json": '{"lr": 0.1, "loss": 1.0, "step": ' + "1" * MB + "}",
    "fairseq.log": "[" * MB + "][train_inner][INFO] - {\"epoch\": 1",
    "megatron.log": " iteration " + "1" * MB + "/ 2 |" + " lm loss: 1 |" * 10 + " validation loss at " + "a" * MB,
    "hf-stdout.log": "{'" * (MB // 2) + " {'loss': " + "1" * MB,
    "log_1700000000.txt": "Step 1 | " + "a:" * (MB // 2),
    "log.txt": "0 train " + "1." * (MB // 2),
}


def _tool(name: str, how: str) -> Callable[[], str]:
    def build() -> str:
        lines = TOOL_LINES[name]()
        if how == "garbled":  # bytes of another file pasted in the middle (no NUL: that is a binary file)
            junk = random.Random(SEED).randbytes(300).replace(b"\0", b"").replace(b"\n", b"").replace(b"\r", b"")
            lines.insert(len(lines) // 2, junk.decode("latin-1"))
        elif how == "truncated":  # a run still writing: the last line stops half-way
            return "\n".join(lines) + "\n" + lines[-1][: len(lines[-1]) // 2]
        elif how == "1MB-line":
            lines.insert(len(lines) // 2, TOOL_TRAPS[name])
        return "\n".join(lines) + "\n"

    return build


def _tool_cases() -> list[Case]:
    partial = {  # what the run notes say when a line is skipped
        "metrics.json": ("not JSON objects", "truncated"), "scalars.json": ("not JSON objects", "truncated"),
    }
    out = []
    for name in TOOL_LINES:
        garbled, truncated = partial.get(name, (None, "no line end"))
        out.append(Case(f"garbled {name}", _one(f"garbled/{name}", _tool(name, "garbled")),
                        "partial" if garbled else "ok", garbled or ""))
        out.append(Case(f"truncated {name}", _one(f"truncated/{name}", _tool(name, "truncated")), "partial",
                        truncated))
        out.append(Case(f"1MB-line {name}", _one(f"longline/{name}", _tool(name, "1MB-line")), "ok", timeout=10))
    return out


def _long_line_blocks() -> str:
    """Epoch blocks of name: value lines, one block's body a megabyte of names, separators and numbers."""
    out = []
    for i in range(10):
        tr, va = loss_curve(10, i)
        out += [f"Epoch {i + 1}", f"  loss: {tr:.4f}", f"  val loss: {va:.4f}"]
    out.insert(4, "  " + "a b: 1, " * (MB // 8) + "c: 1,2,3,4" + ",5" * (MB // 4))
    return "\n".join(out) + "\n"


def _not_a_log_text() -> str:
    return "# Notes\n\nThis folder holds the checkpoints of step one.\n" * 50


def _utf16() -> bytes:
    return csv_text().encode("utf-16")  # with a BOM


def _utf16_odd() -> bytes:
    return csv_text().encode("utf-16") + b"\x00"  # an odd number of bytes: a cut UTF-16 file


def _non_utf8() -> bytes:
    return csv_text(header="epoch,loss,val_loss,r\xe9sum\xe9").replace("\n", ",x\n").replace(
        "r\xe9sum\xe9,x", "r\xe9sum\xe9"
    ).encode("latin-1") + b"\xff\xfe\xfa,\x80\x81\n"


def _mixed_delimiters() -> str:
    rows = ["epoch,loss;val_loss\tacc"]
    for i in range(20):
        tr, va = loss_curve(20, i)
        sep = [",", ";", "\t", "|"][i % 4]
        rows.append(sep.join([str(i), f"{tr:.4f}", f"{va:.4f}", "0.5"]))
    return "\n".join(rows) + "\n"


def _strings_for_numbers() -> str:
    return "epoch,loss,val_loss\n" + "".join(f"{i},abc{i},def\n" for i in range(20))


def _duplicated_columns() -> str:
    rows = ["epoch,loss,loss,val_loss,val_loss"]
    for i in range(20):
        tr, va = loss_curve(20, i)
        rows.append(f"{i},{tr:.4f},{tr * 2:.4f},{va:.4f},{va:.4f}")
    return "\n".join(rows) + "\n"


def _negative_steps() -> str:
    rows = ["step,loss,val_loss"]
    for i in range(20):
        tr, va = loss_curve(20, i)
        rows.append(f"{i * 10 - 100},{tr:.4f},{va:.4f}")
    return "\n".join(rows) + "\n"


def _nan_steps() -> str:
    rows = ["step,loss,val_loss"]
    for i in range(20):
        tr, va = loss_curve(20, i)
        rows.append(f"{'nan' if i % 3 == 0 else i * 10},{tr:.4f},{va:.4f}")
    return "\n".join(rows) + "\n"


def _backwards_steps() -> str:
    rows = ["step,loss,val_loss"]
    for k, i in enumerate(list(range(30)) + list(range(10, 40))):
        tr, va = loss_curve(40, i)
        rows.append(f"{i * 10},{tr:.4f},{va:.4f}")
    return "\n".join(rows) + "\n"


def _partial_last_line() -> str:
    return csv_text(20) + "20,0.5"


def _json_numbers_as_strings() -> str:
    return json.dumps({"loss": ["0.9", "0.8"], "val_loss": ["1.0", "0.9"]})


def _huge_int_history() -> str:
    """A Keras history whose loss holds the integer 10**400 (json.loads gives an int no float can hold)."""
    return '{"loss": [1.0, 0.5, 1' + "0" * 400 + ', 0.3, 0.2], "val_loss": [1.1, 0.6, 0.5, 0.4, 0.45]}'


def _float_limits_history() -> str:
    """Values at the float limits: +-1e308 (their differences overflow) and a subnormal."""
    loss = [1e308, -1e308, 1e308, 0.5, 5e-324] * 6
    val = [1e308, 1e307, -1e308, 0.4, 0.3] * 6
    return json.dumps({"loss": loss, "val_loss": val})


def _quoted_header_newline() -> str:
    """A header cell quoted because it holds a line break (pandas' to_csv writes such names as they are)."""
    rows = ['"my\nloss","val_loss"']
    for i in range(30):
        tr, va = loss_curve(30, i)
        rows.append(f"{tr:.5f},{va:.5f}")
    return "\n".join(rows) + "\n"


def _tiny_limit(root: Path) -> list[str]:
    p = _write(root, "tiny.csv", csv_text(20))
    return [str(p), "--max-bytes", "0.5"]  # half a byte: a tiny limit, never "no limit"


def _stdin_zero(root: Path) -> list[str]:
    return ["-", "--max-bytes", "1000000"]


def _stdin_zero_default(root: Path) -> list[str]:
    return ["-"]


def cases() -> list[Case]:
    C = Case
    return [
        # --- empty and header-only
        C("empty.csv", _one("empty.csv", b""), "error", "empty file"),
        C("empty.json", _one("empty.json", b""), "error", "empty file"),
        C("blank-lines.csv", _one("blank.csv", b"\n\n \r\n\t\n"), "error", "empty file"),
        C("header-only.csv", _one("header.csv", "epoch,loss,val_loss\n"), "error", "only a header row"),
        C("header-only-no-newline.csv", _one("header2.csv", "epoch,loss,val_loss"), "error", "only a header row"),
        C("header-only.tb-export.csv", _one("run-x-tag-loss.csv", "Wall time,Step,Value\n"), "error", "no data rows"),
        C("empty-history.json", _one("history.json", '{"loss": [], "val_loss": []}'), "error", ""),
        # --- garbage with a log's name
        C("garbage.csv", _one("garbage.csv", lambda: _garbage(65536)), "error", ""),
        C("garbage.json", _one("garbage.json", lambda: _garbage(65536)), "error", ""),
        C("garbage-forced-csv", _one("garbage2.csv", lambda: _garbage(4096), "--input-format", "csv"), "error", ""),
        C("garbage.event-name", _tb_garbage_named_event, "error", "not a readable TensorBoard event file"),
        # --- JSON
        C("truncated.json", _one("truncated.json", '{"loss": [0.9, 0.8, 0.7], "val_loss": [1.0, 0.9'), "error",
          "truncated JSON"),
        C("deep-array.json", _one("deep.json", lambda: _deep_json("[", "]")), "error", ""),
        C("deep-object.json", _one("deep2.json", lambda: _deep_json('{"a":', "}")), "error", ""),
        C("deep-history.json", _one("history2.json", lambda: '{"loss": ' + _deep_json("[", "]") + "}"),
          "error", ""),
        C("deep-object.jsonl", _one("deep.jsonl", lambda: '{"step": 1, "loss": 0.5}\n' + _deep_json('{"a":', "}")
          + "\n" + '{"step": 2, "loss": 0.4}\n'), "partial", "not JSON objects"),
        C("numbers-as-strings.json", _one("strnum.json", _json_numbers_as_strings()), "error", ""),
        C("integer 10^400 in a history", _one("hugeint.json", _huge_int_history()), "ok", tags=["rich"]),
        C("values of +-1e308", _one("limits.json", _float_limits_history()), "ok", tags=["rich"]),
        # --- huge shapes
        C("100k-columns.csv", _one("wide.csv", _wide_csv), "error", "columns; lossdoc reads tables of at most"),
        C("1MB-line.csv", _one("longline.csv", _long_line_csv), "ok"),
        C("1MB-line.txt", _one("longline.log", _long_line_text), "ok"),
        C("1MB-line.jsonl", _one("longline.jsonl", _long_line_jsonl), "ok"),
        # --- tool logs: garbled, cut by a live run, a megabyte line aimed at each family's patterns
        *_tool_cases(),
        C("1MB-line blocks.log", _one("longline/blocks.log", _long_line_blocks), "ok", timeout=10),
        C("text that is not a log", _one("notes.txt", _not_a_log_text), "error",
          "not a training log: no training progress lines found (tried: Keras"),
        C("5GB-sparse.csv", _sparse_huge, "error", "use --max-bytes"),
        C("over --max-bytes", _small_limit, "error", "use --max-bytes"),
        C("--max-bytes 0.5 (a tiny limit)", _tiny_limit, "error", "lossdoc reads at most 1 bytes"),
        # --- encodings and delimiters
        C("non-utf8.csv", _one("latin1.csv", _non_utf8), "partial", "of text where numbers should be skipped"),
        C("utf16-bom.csv", _one("utf16.csv", _utf16), "ok"),
        C("utf16-odd-length.csv", _one("utf16odd.csv", _utf16_odd), "partial", "no line end"),
        C("mixed-delimiters.csv", _one("mixed.csv", _mixed_delimiters), "error", "holds text"),
        # --- content
        C("strings-for-numbers.csv", _one("strings.csv", _strings_for_numbers), "error", "holds text"),
        C("duplicated-columns.csv", _one("dupes.csv", _duplicated_columns), "ok"),
        C("negative-steps.csv", _one("negsteps.csv", _negative_steps), "ok"),
        C("nan-steps.csv", _one("nansteps.csv", _nan_steps), "ok"),
        # the steps go back from 290 to 100, inside the run's range: a run resumed from a checkpoint, spliced
        C("steps-backwards.csv", _one("restart.csv", _backwards_steps), "partial", "resumed at step 100"),
        C("partial-last-line.csv", _one("live.csv", _partial_last_line), "partial", "no line end"),
        C("quoted header with a newline", _one("qheader.csv", _quoted_header_newline()), "ok", tags=["rich"]),
        # --- TensorBoard
        C("tb-corrupt-crc", _tb_corrupt_crc, "partial", "bad CRC"),
        C("tb-truncated-last-record", _tb_truncated, "partial", "last record incomplete"),
        C("tb-zero-length", _tb_zero_length, "error", "empty"),
        C("tb-zero-length-in-logdir", _tb_zero_length_in_logdir, "partial", "empty event file"),
        C("tb-huge-record-length", _tb_huge_length, "partial", "incomplete"),
        C("logdir-without-events", _logdir_without_events, "error", "no training log found"),
        # --- the file system
        C("10000-files", _many_files, "ok", timeout=60),
        C("symlink-loop", _symlink_loop, "error", "symbolic links"),
        C("symlink-loop-in-folder", _symlink_loop_dir, "ok"),
        C("folder nested 5000 deep", _deep_folder, "error", "nested more than 64 deep", timeout=60,
          teardown=lambda root: remove_nested(root / "deep")),
        C("no-read-permission", _unreadable, "error", "permission denied", skip_as_root=True),
        C("no-read-permission (injected)", _one("secret2.csv", csv_text()), "error", "permission denied",
          monkeypatch="eacces"),
        C("read-fails-EIO (injected)", _one("eio.csv", csv_text()), "error", "cannot be read (Input/output error)",
          monkeypatch="eio"),
        C("fifo", _fifo, "error", "not a regular file"),
        C("fifo-forced-format", _fifo_forced, "error", "not a regular file"),
        C("fifo-in-folder", _fifo_in_folder, "ok"),
        C("/dev/zero", lambda root: ["/dev/zero"], "error", "not a regular file", names="/dev/zero"),
        C("/dev/zero-forced", lambda root: ["/dev/zero", "--input-format", "jsonl"], "error", "not a regular file",
          names="/dev/zero"),
        C("stdin </dev/zero --max-bytes 1e6", _stdin_zero, "error", "use --max-bytes", stdin="/dev/zero",
          names="<stdin>"),
        C("stdin </dev/zero (default limit)", _stdin_zero_default, "error", "use --max-bytes", stdin="/dev/zero",
          names="<stdin>", timeout=60),
        *store_cases(),
    ]


# ------------------------------------------------------------------------------------------ stores: W&B, MLflow
# Built from the fixtures the real writers produced (fixtures/wandb/, fixtures/mlflow-db/: wandb offline, the MLflow
# client), damaged here the ways files are damaged: cut short, garbled, zero-filled, locked.

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _real_wandb() -> bytes:
    """A real two-block .wandb file (fixtures/wandb/overfit: 100 epochs logged by wandb in offline mode)."""
    (path,) = sorted((FIXTURES / "wandb" / "overfit").rglob("*.wandb"))
    return path.read_bytes()


def _real_mlflow_db() -> bytes:
    """A real MLflow SQLite store (fixtures/mlflow-db/healthy: the MLflow client's own tables and runs)."""
    return (FIXTURES / "mlflow-db" / "healthy" / "mlflow.db").read_bytes()


def _wandb_garbled() -> bytes:
    data = bytearray(_real_wandb())
    for i in range(2000, 2064):  # 64 bytes inside the first block's records
        data[i] ^= 0x5A
    return bytes(data)


def _wandb_zero_tail() -> bytes:
    """The first block as written, the rest zeros (a preallocated file, or pages never flushed before a crash)."""
    data = _real_wandb()
    return data[:32768] + bytes(len(data) - 32768)


def _mlflow_garbled() -> bytes:
    data = bytearray(_real_mlflow_db())
    rnd = random.Random(SEED)
    for _ in range(400):  # bytes all over the file, past the SQLite header
        data[rnd.randrange(512, len(data))] = rnd.randrange(256)
    return bytes(data)


def _mlflow_without_runs(root: Path) -> list[str]:
    """MLflow's own store with its runs deleted (an experiment was created, nothing logged yet)."""
    import sqlite3

    p = _write(root, "empty/mlflow.db", _real_mlflow_db())
    c = sqlite3.connect(p)
    for table in ("latest_metrics", "metrics", "params", "tags", "runs"):
        c.execute(f"DELETE FROM {table}")
    c.commit()
    c.close()
    return [str(p)]


def _sqlite_not_mlflow(root: Path) -> list[str]:
    import sqlite3

    p = root / "other" / "mlflow.db"
    p.parent.mkdir(parents=True)
    c = sqlite3.connect(p)
    c.executescript("CREATE TABLE trials (id INTEGER, value REAL); INSERT INTO trials VALUES (1, 0.5);")
    c.close()
    return [str(p)]


_LOCK_HOLDER = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")  # what a writer holds while it commits; this one never commits
print("locked", flush=True)
time.sleep(120)
"""
_HOLDERS: dict[str, object] = {}


def _mlflow_locked(root: Path) -> list[str]:
    """A real mlflow.db that another process holds an exclusive lock on for longer than lossdoc waits."""
    import subprocess

    p = _write(root, "locked/mlflow.db", _real_mlflow_db())
    proc = subprocess.Popen([sys.executable, "-c", _LOCK_HOLDER, str(p)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    _HOLDERS[str(root)] = proc
    return [str(p)]


def _release_lock(root: Path) -> None:
    proc = _HOLDERS.pop(str(root), None)
    if proc is not None:
        proc.kill()  # type: ignore[attr-defined]
        proc.wait()  # type: ignore[attr-defined]


def _dvclive_copy(root: Path, name: str, change: Callable[[Path], None]) -> str:
    """fixtures/dvclive/healthy's dvclive/ folder (written by the real dvclive package) copied, then changed."""
    import shutil

    dest = root / name / "dvclive"
    shutil.copytree(FIXTURES / "dvclive" / "healthy" / "dvclive", dest)
    change(dest / "plots" / "metrics")
    return str(dest)


def _dvclive_cut(metrics: Path) -> None:
    f = metrics / "train" / "loss.tsv"
    f.write_bytes(f.read_bytes()[:-9])  # mid-number: '0.3198025' parses, so the unended line must be left out


def _dvclive_garbled(metrics: Path) -> None:
    f = metrics / "eval" / "loss.tsv"
    data = bytearray(f.read_bytes())
    rng = random.Random(SEED)
    for _ in range(40):
        data[rng.randrange(12, len(data))] = rng.randrange(256)
    f.write_bytes(bytes(data))


def _dvclive_emptied(metrics: Path) -> None:
    for f in metrics.rglob("*.tsv"):
        f.write_bytes(b"")


def _dvclive_headers_only(metrics: Path) -> None:
    for f in metrics.rglob("*.tsv"):
        f.write_bytes(f.read_bytes().split(b"\n", 1)[0] + b"\n")


def _wandb_export() -> bytes:
    """A real W&B chart export (shared/real-logs/35_wandbcsv_diffusion_2runs: two runs, __MIN/__MAX bands)."""
    from tests.shared_data import shared_dir

    return (shared_dir() / "real-logs" / "35_wandbcsv_diffusion_2runs" / "wandb_export.csv").read_bytes()


def _wandb_export_garbled() -> bytes:
    """Letters, commas, quotes and line ends written over 300 places in the rows (the header kept)."""
    data = bytearray(_wandb_export())
    rng = random.Random(SEED)
    start = data.index(b"\n") + 1
    for _ in range(300):
        data[rng.randrange(start, len(data))] = rng.choice(b'x,"\n-e')
    return bytes(data)


def store_cases() -> list[Case]:
    C = Case
    return [
        C("dvclive metric file cut mid-number",
          lambda root: [_dvclive_copy(root, "cut", _dvclive_cut)], "partial", "no line end"),
        C("dvclive metric file garbled", lambda root: [_dvclive_copy(root, "garbled", _dvclive_garbled)], "partial",
          "malformed line"),
        C("dvclive metric files emptied", lambda root: [_dvclive_copy(root, "empty", _dvclive_emptied)], "error",
          "no metric values"),
        C("dvclive metric files with headers only",
          lambda root: [_dvclive_copy(root, "headers", _dvclive_headers_only)], "error", "no metric values"),
        C("W&B chart export cut mid-row",
          _one("wandb_export.csv", lambda: _wandb_export()[: len(_wandb_export()) // 2]), "partial",
          "last row is cut short"),
        C("W&B chart export with its rows garbled", _one("wandb_export.csv", _wandb_export_garbled), "partial", ""),
        C("W&B chart export header only",
          _one("wandb_export.csv", lambda: _wandb_export().split(b"\n", 1)[0]), "error", "no numbers"),
        C("wandb cut mid-record", _one("run-cut.wandb", lambda: _real_wandb()[:40000]), "partial",
          "last record incomplete"),
        C("wandb cut inside its header", _one("run-hdr.wandb", lambda: _real_wandb()[:5]), "error",
          "cut inside its 7-byte header"),
        C("wandb header only", _one("run-empty.wandb", lambda: _real_wandb()[:7]), "error", "no W&B history"),
        C("wandb garbled chunk", _one("run-garbled.wandb", _wandb_garbled), "partial", "damaged chunk"),
        C("wandb zero-filled", _one("run-zeros.wandb", lambda: bytes(len(_real_wandb()))), "error",
          "not a training log"),
        C("wandb zero-filled after its first block", _one("run-zerotail.wandb", _wandb_zero_tail), "partial",
          "zeros"),
        C("wandb garbage after its header", _one("run-noise.wandb", lambda: _real_wandb()[:7] + _garbage(40000)),
          "error", "no W&B history"),
        C("mlflow.db cut in half", _one("cut/mlflow.db", lambda: _real_mlflow_db()[: len(_real_mlflow_db()) // 2]),
          "error", "cut short or damaged"),
        C("mlflow.db garbled", _one("garbled/mlflow.db", _mlflow_garbled), "error", "cut short or damaged"),
        C("mlflow.db zero-filled", _one("zeros/mlflow.db", lambda: bytes(len(_real_mlflow_db()))), "error",
          "not a training log"),
        C("SQLite without MLflow's tables", _sqlite_not_mlflow, "error", "without MLflow's tables"),
        C("mlflow.db without runs", _mlflow_without_runs, "error", "no MLflow run with metrics"),
        C("mlflow.db locked by a writer", _mlflow_locked, "error", "locked by another process", timeout=40,
          teardown=_release_lock),
    ]


# ------------------------------------------------------------------------------------------ faults

FAULTS = ("eacces", "eio")


def inject(fault: str, target: str) -> None:
    """Make every way lossdoc opens ``target`` fail as an unreadable file would, even for root (who ignores
    permission bits): ``os.access`` says no and opening raises. Used in a forked child only."""
    import builtins
    import errno
    import io
    import pathlib

    target = os.path.realpath(target)
    err = errno.EACCES if fault == "eacces" else errno.EIO
    exc_type = PermissionError if fault == "eacces" else OSError

    def hit(p) -> bool:
        try:
            return os.path.realpath(os.fspath(p)) == target
        except (TypeError, ValueError):
            return False

    real_open, real_access, real_io_open = builtins.open, os.access, io.open

    def fake_open(file, *a, **k):
        if not isinstance(file, int) and hit(file):
            raise exc_type(err, os.strerror(err), os.fspath(file))
        return real_open(file, *a, **k)

    def fake_access(path, mode, *a, **k):
        if fault == "eacces" and hit(path):
            return False
        return real_access(path, mode, *a, **k)

    builtins.open = fake_open
    io.open = fake_open
    pathlib.io.open = fake_open  # Path.open / read_bytes
    os.access = fake_access
    del real_io_open


# ------------------------------------------------------------------------------------------ script


def main(argv: list[str]) -> int:
    """Write the corpus to a folder and show what lossdoc says about each input (the closing note's table)."""
    import subprocess
    import tempfile

    out = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="lossdoc-corpus-"))
    out.mkdir(parents=True, exist_ok=True)
    print("| input | exit | what lossdoc says |\n|---|---|---|")
    for case in cases():
        root = out / case.name.replace("/", "_").replace(" ", "_")
        root.mkdir(parents=True, exist_ok=True)
        if case.skip_as_root and os.geteuid() == 0 or case.monkeypatch:
            print(f"| {case.name} | - | (run by the test suite: {'injected fault' if case.monkeypatch else 'root'}) |")
            continue
        args = case.build(root)
        stdin = open(case.stdin, "rb") if case.stdin else subprocess.DEVNULL  # noqa: SIM115
        try:
            r = subprocess.run(  # noqa: PLW1510
                [sys.executable, "-m", "lossdoc", "analyze", *args, "--format", "json"],
                stdin=stdin, capture_output=True, timeout=case.timeout,
            )
        except subprocess.TimeoutExpired:
            print(f"| {case.name} | HANG | |")
            continue
        finally:
            if case.teardown:
                case.teardown(root)
        err = r.stderr.decode(errors="replace").strip().replace(str(root) + "/", "").replace("|", "\\|")
        said = err
        if r.returncode in (0, 1):
            try:
                doc = json.loads(r.stdout)
                notes = [n for run in doc["runs"] for n in run["notes"]]
                said = "; ".join(n.replace(str(root) + "/", "") for n in notes) or "(read in full, no note)"
            except ValueError:
                said = "(unparseable stdout)"
        print(f"| {case.name} | {r.returncode} | {said[:300]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
