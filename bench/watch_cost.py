"""What ``lossdoc watch`` costs per check on a 1M-step run; writes the section "lossdoc watch" of BENCHMARKS.md.

    .venv/bin/python bench/watch_cost.py [--out BENCHMARKS.md] [--data bench/data/watch]

A run of 1,000,000 steps (a per-step train loss, a val loss every 1,000 steps) is written as it would be by a
training at 100 steps/s: the log holds 990,000 steps when the watch starts, then each 10-second interval adds 1,000
steps. The watch is the real loop (``lossdoc.watch.Watch.events``) whose sleep appends the next 1,000 steps: the
CPU time of each check (``time.process_time`` from the end of one sleep to the start of the next: reading what was
appended, the clean-ups and every rule on the whole run) is measured for a CSV log and a TensorBoard event file
written by TensorBoard's own writer. At one check every 10 s, the share of one core is that CPU time / 10 s.
"""

from __future__ import annotations

import argparse
import math
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N, START, STEP, VAL_EVERY, INTERVAL = 1_000_000, 990_000, 1_000, 1_000, 10.0


def loss(i: int) -> float:
    return 2.0 * math.exp(-i / 200_000) + 0.1 + 0.02 * math.sin(i * 0.37)


def csv_lines(a: int, b: int) -> str:
    out = ["step,train_loss,val_loss\n"] if a == 0 else []
    for i in range(a, b):
        val = f"{loss(i) + 0.05:.6f}" if i % VAL_EVERY == VAL_EVERY - 1 else ""
        out.append(f"{i},{loss(i):.6f},{val}\n")
    return "".join(out)


def tb_records(a: int, b: int) -> bytes:
    """TFRecords of scalar Events, made with TensorBoard's own protos and record writer framing."""
    import io

    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.record_writer import RecordWriter

    buf = io.BytesIO()
    w = RecordWriter(buf)
    if a == 0:
        w.write(Event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString())
    for i in range(a, b):
        vals = [Summary.Value(tag="train/loss", simple_value=loss(i))]
        if i % VAL_EVERY == VAL_EVERY - 1:
            vals.append(Summary.Value(tag="val/loss", simple_value=loss(i) + 0.05))
        w.write(Event(wall_time=1.7e9 + i / 100, step=i, summary=Summary(value=vals)).SerializeToString())
    return buf.getvalue()


def measure(path: Path, make, checks: int = 10, watched: Path | None = None) -> dict:
    from lossdoc.config import Config
    from lossdoc.watch import Watch

    path.parent.mkdir(parents=True, exist_ok=True)
    data = make(0, START)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    marks: list[tuple[str, float]] = []
    pos = {"i": START, "left": checks}

    def sleep(_seconds):
        marks.append(("end", time.process_time()))
        if pos["left"] == 0:
            raise StopIteration
        chunk = make(pos["i"], pos["i"] + STEP)
        with open(path, "ab") as fh:
            fh.write(chunk if isinstance(chunk, bytes) else chunk.encode())
        pos["i"] += STEP
        pos["left"] -= 1
        marks.append(("start", time.process_time()))

    w = Watch(str(watched or path), Config(), interval=INTERVAL, idle=1e9, exit_on=None, sleep=sleep)
    t0 = time.process_time()
    try:
        for _ in w.events():
            pass
    except (StopIteration, RuntimeError):
        pass
    first = marks[0][1] - t0
    per = [marks[k + 1][1] - marks[k][1] for k in range(1, len(marks) - 1, 2)]
    before = w.follower.bytes_read
    idle_t = time.process_time()
    for _ in range(20):
        w.follower.poll()
    idle = (time.process_time() - idle_t) / 20
    assert w.follower.bytes_read == before
    return {"first": first, "per": per, "idle": idle, "size": path.stat().st_size,
            "points": pos["i"], "bytes": w.follower.bytes_read}


def section(results: dict[str, dict]) -> str:
    lines = [
        "## lossdoc watch: the cost of a check on a 1M-step run",
        "",
        "Written by `bench/watch_cost.py` (`make bench`). A run of 1,000,000 steps (train loss every step, val "
        "loss every 1,000) logged at 100 steps/s: the watch starts on 990,000 steps, then each 10 s interval "
        "appends 1,000 steps and the real loop (`Watch.events`) checks: reads what was appended, cleans up and runs "
        "every rule on the whole run (binned to 200,000 points as in `analyze`). CPU time per check "
        f"(`time.process_time`), median (min-max) of 10 checks; Python {platform.python_version()}.",
        "",
        "| log | size | first check (whole log) | each later check | share of one core at one check / 10 s "
        "| a check when nothing changed |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        med = statistics.median(r["per"])
        lines.append(
            f"| {name} | {r['size'] / 1e6:.0f} MB | {r['first']:.2f} s | {med * 1000:.0f} ms "
            f"({min(r['per']) * 1000:.0f}-{max(r['per']) * 1000:.0f}) | **{100 * med / INTERVAL:.2f}%** "
            f"| {r['idle'] * 1e6:.0f} µs |"
        )
    lines += [
        "",
        "Reading is incremental (the bytes read by the 10 later checks are the 10 appended pieces, not the "
        "log again); the rules run on the whole run at each check, so a check on a longer run costs more, in "
        "proportion to its points up to the 200,000-point binning.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "watch")
    args = ap.parse_args()
    results = {
        "CSV (step,train_loss,val_loss)": measure(args.data / "metrics.csv", csv_lines),
        "TensorBoard event file": measure(args.data / "events.out.tfevents.watch", tb_records),
        "TensorBoard run folder (the same file in it)": measure(
            args.data / "run" / "events.out.tfevents.watch", tb_records, watched=args.data / "run"),
    }
    text = section(results)
    print(text)
    if args.out is not None:
        old = args.out.read_text() if args.out.exists() else "# Benchmarks\n\n"
        old = re.sub(r"## lossdoc watch:.*?(?=\n## |\Z)", "", old, flags=re.DOTALL).rstrip("\n") + "\n\n"
        args.out.write_text(old + text)


if __name__ == "__main__":
    main()
