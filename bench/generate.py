"""Generate the benchmark inputs with the real writers (run with .venv-fixtures/bin/python: torch + tensorboard).

    .venv-fixtures/bin/python bench/generate.py bench/data

Every TensorBoard file is written by torch's ``SummaryWriter`` (``add_scalar``, ``add_scalar(new_style=True)``),
the MLflow store by the MLflow client (``log_batch``), the W&B run file by the wandb client in offline mode (both
clients are in fixtures/requirements.txt). tensorboard's writer computes each record's CRC32C in pure Python
(about 130 us per event on a 2-core VM, 2 min per million events); when ``google-crc32c`` is installed in the generator environment the writer's
``masked_crc32c`` is swapped for the C one, which yields the same bytes (checked on the first records of every
file by ``check_crc``). Inputs already present are kept (delete bench/data to regenerate). Runs the independent
jobs on every core.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import shutil
import struct
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

N_SIMPLE = 1_000_000
LOGDIR_RUNS, LOGDIR_STEPS, LOGDIR_TAGS = 20, 200_000, 5
SWEEP_RUNS = 1000
CSV_ROWS = 1_000_000
#: Experiment stores for the sweep benchmarks: N runs in folders of STORE_PER_FOLDER (store/exp_0000/...).
STORE_SIZES = (1_000, 10_000, 100_000)
STORE_PER_FOLDER = 100


def _fast_crc() -> bool:
    try:
        import google_crc32c
    except ImportError:
        return False
    if getattr(google_crc32c, "implementation", "") != "c":
        return False
    from tensorboard.summary.writer import record_writer

    def masked(data: bytes) -> int:
        x = google_crc32c.value(bytes(data))
        return ((((x >> 15) | (x << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

    record_writer.masked_crc32c = masked
    return True


def _writer(folder: Path):
    _fast_crc()
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(str(folder), max_queue=1000, flush_secs=3600)


def _curve(i: int, n: int, seed: int = 0) -> float:
    rnd = random.Random(seed * 1_000_003 + i)
    return 2.5 * math.exp(-4.0 * i / n) + 0.05 + 0.03 * rnd.random()


def _done(folder: Path) -> bool:
    return (folder / ".done").exists()


def _mark(folder: Path) -> None:
    (folder / ".done").write_text(time.strftime("%Y-%m-%d %H:%M:%S"))


def gen_big(folder: Path, new_style: bool) -> str:
    """~1M events: train/loss every step and val/loss every 50 steps (980k + 19.6k = 999,600 events)."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    w = _writer(folder)
    steps = 980_000
    for i in range(steps):
        w.add_scalar("train/loss", _curve(i, steps), i, new_style=new_style)
        if i % 50 == 49:
            w.add_scalar("val/loss", _curve(i, steps, 1) + 0.1, i, new_style=new_style)
    w.close()
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s"


def gen_logdir(folder: Path) -> str:
    """20 runs x 200k steps x 5 tags: one run written by SummaryWriter, copied into the other 19 folders."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    first = folder / "run_00"
    w = _writer(first)
    tags = ["train/loss", "train/accuracy", "lr", "grad_norm", "val/loss"][:LOGDIR_TAGS]
    for i in range(LOGDIR_STEPS):
        for k, tag in enumerate(tags):
            w.add_scalar(tag, _curve(i, LOGDIR_STEPS, k), i)
    w.close()
    (src,) = [p for p in first.iterdir() if "tfevents" in p.name]
    for r in range(1, LOGDIR_RUNS):
        d = folder / f"run_{r:02d}"
        d.mkdir(parents=True)
        shutil.copyfile(src, d / src.name)
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s"


def gen_sweep(folder: Path) -> str:
    """1,000 small runs of mixed formats: TensorBoard run folders, Keras history JSON, CSV logs, JSON lines."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    epochs, steps = 30, 300
    for r in range(SWEEP_RUNS):
        kind = r % 4
        overfit = r % 3 == 0
        loss = [_curve(e, epochs, r) for e in range(epochs)]
        val = [v + 0.1 + (0.02 * max(0, e - 10) if overfit else 0.0) for e, v in enumerate(loss)]
        name = f"run_{r:04d}"
        if kind == 0:  # TensorBoard
            w = _writer(folder / name)
            for i in range(steps):
                w.add_scalar("train/loss", _curve(i, steps, r), i)
                if i % 10 == 9:
                    w.add_scalar("val/loss", val[min(i * epochs // steps, epochs - 1)], i)
            w.close()
        elif kind == 1:  # Keras History.history as JSON
            (folder / f"{name}.json").write_text(json.dumps({"loss": loss, "val_loss": val}))
        elif kind == 2:  # Keras CSVLogger
            with open(folder / f"{name}.csv", "w", newline="") as fh:
                cw = csv.writer(fh)
                cw.writerow(["epoch", "loss", "val_loss"])
                for e in range(epochs):
                    cw.writerow([e, loss[e], val[e]])
        else:  # JSON lines (one record per logging step)
            with open(folder / f"{name}.jsonl", "w") as fh:
                for e in range(epochs):
                    fh.write(json.dumps({"epoch": e, "train_loss": loss[e], "val_loss": val[e]}) + "\n")
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s"


def gen_store(folder: Path, n: int) -> str:
    """An experiment store of ``n`` small runs, STORE_PER_FOLDER to an experiment folder (``exp_0000/run_000000.json``),
    each experiment logged in one of five formats in turn: Keras history JSON, Keras CSVLogger, JSON lines, Hugging
    Face run folders (``trainer_state.json``) and TensorBoard run folders (a logdir; each run one of 8 event files
    written by ``SummaryWriter`` here, copied: writing 20,000 would take the writer half an hour). A third of the
    runs overfit."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    templates = []
    for k in range(8):
        w = _writer(folder / ".templates" / f"tb_{k}")
        for i in range(100):
            w.add_scalar("train/loss", _curve(i, 100, k), i)
            if i % 10 == 9:
                w.add_scalar("val/loss", _curve(i, 100, k + 100) + 0.1 + (0.004 * max(0, i - 40) if k % 3 == 0 else 0), i)
        w.close()
        (src,) = [p for p in (folder / ".templates" / f"tb_{k}").iterdir() if "tfevents" in p.name]
        templates.append(src)
    epochs = 30
    for r in range(n):
        exp = folder / f"exp_{r // STORE_PER_FOLDER:04d}"
        if r % STORE_PER_FOLDER == 0:
            exp.mkdir()
        kind = (r // STORE_PER_FOLDER) % 5
        overfit = r % 3 == 0
        loss = [_curve(e, epochs, r) for e in range(epochs)]
        val = [v + 0.1 + (0.02 * max(0, e - 10) if overfit else 0.0) for e, v in enumerate(loss)]
        name = f"run_{r:06d}"
        if kind == 0:
            (exp / f"{name}.json").write_text(json.dumps({"loss": loss, "val_loss": val}))
        elif kind == 1:
            rows = ["epoch,loss,val_loss"] + [f"{e},{loss[e]},{val[e]}" for e in range(epochs)]
            (exp / f"{name}.csv").write_text("\n".join(rows) + "\n")
        elif kind == 2:
            (exp / f"{name}.jsonl").write_text("".join(
                json.dumps({"epoch": e, "train_loss": loss[e], "val_loss": val[e]}) + "\n" for e in range(epochs)
            ))
        elif kind == 3:
            steps = 50
            history = [{"epoch": e + 1.0, "step": (e + 1) * steps, "loss": loss[e]} for e in range(epochs)]
            history += [{"epoch": e + 1.0, "step": (e + 1) * steps, "eval_loss": val[e]} for e in range(epochs)]
            history.sort(key=lambda h: h["step"])
            (exp / name).mkdir()
            (exp / name / "trainer_state.json").write_text(json.dumps(
                {"global_step": epochs * steps, "epoch": float(epochs), "log_history": history}
            ))
        else:
            src = templates[r % len(templates)]
            (exp / name).mkdir()
            shutil.copyfile(src, exp / name / src.name)
    shutil.rmtree(folder / ".templates")
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s"


def gen_small(folder: Path) -> str:
    """Start-up inputs: a small Keras history, a small TensorBoard run, a small CSV; and a 1M-row CSV."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    epochs = 40
    loss = [_curve(e, epochs) for e in range(epochs)]
    val = [v + 0.1 + 0.02 * max(0, e - 15) for e, v in enumerate(loss)]
    (folder / "history.json").write_text(json.dumps({"loss": loss, "val_loss": val}))
    with open(folder / "small.csv", "w", newline="") as fh:
        cw = csv.writer(fh)
        cw.writerow(["epoch", "loss", "val_loss"])
        for e in range(epochs):
            cw.writerow([e, loss[e], val[e]])
    w = _writer(folder / "tb_small")
    for i in range(1000):
        w.add_scalar("train/loss", _curve(i, 1000), i)
        if i % 50 == 49:
            w.add_scalar("val/loss", _curve(i, 1000, 1) + 0.1, i)
    w.close()
    with open(folder / "large.csv", "w", newline="") as fh:  # the layout of Lightning's CSVLogger metrics.csv
        cw = csv.writer(fh)
        cw.writerow(["step", "epoch", "train_loss", "lr"])
        for i in range(CSV_ROWS):
            cw.writerow([i, i // 1000, _curve(i, CSV_ROWS), 1e-3 * (1 - i / CSV_ROWS)])
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s"


# ---------------------------------------------------------------------------------------------- stores

MLFLOW_RUNS, MLFLOW_STEPS = 1000, 1000
MLFLOW_KEYS = ("train_loss", "val_loss", "lr")
WANDB_ROWS = 1_000_000


def _mlflow_part(db: str, first: int, count: int) -> None:
    """Runs first..first+count-1 logged by the real MLflow client into its own SQLite store: one
    ``MlflowClient().log_batch`` call per 1,000 metrics (MLflow's limit per call), 3 calls per run."""
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{db}")
    exp = client.create_experiment("bench")
    for r in range(first, first + count):
        run = client.create_run(exp, run_name=f"run_{r:04d}", start_time=1_700_000_000_000 + r)
        ms = []
        for i in range(MLFLOW_STEPS):
            loss = _curve(i, MLFLOW_STEPS, r)
            ts = 1_700_000_000_000 + 1000 * i
            ms += [Metric("train_loss", loss, ts, i), Metric("val_loss", loss + 0.1 + (0.001 * i if r % 3 == 0
                                                                                       else 0.0), ts, i),
                   Metric("lr", 1e-3 * (1 - i / MLFLOW_STEPS), ts, i)]
        for k in range(0, len(ms), 1000):
            client.log_batch(run.info.run_id, metrics=ms[k : k + 1000])
        client.set_terminated(run.info.run_id)


def _merge_runs(main: str, other: str) -> tuple[int, int]:
    """The rows of ``other``'s runs appended to ``main`` (the tables that hold a run id: runs, metrics,
    latest_metrics, tags, params...); experiments and MLflow's own bookkeeping are the same in both."""
    import sqlite3

    c = sqlite3.connect(main)
    c.execute("ATTACH DATABASE ? AS b", (other,))
    for (table,) in c.execute("SELECT name FROM b.sqlite_master WHERE type = 'table'").fetchall():
        cols = {r[1] for r in c.execute(f'PRAGMA b.table_info("{table}")')}
        if cols & {"run_uuid", "run_id"} and c.execute(f'SELECT COUNT(*) FROM b."{table}"').fetchone()[0]:
            c.execute(f'INSERT INTO main."{table}" SELECT * FROM b."{table}"')
    c.commit()
    c.execute("DETACH DATABASE b")
    n_runs = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    n_rows = c.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
    c.close()
    return n_runs, n_rows


def gen_mlflow_db(folder: Path) -> str:
    """mlflow.db: 1,000 runs x 3 metrics x 1,000 steps, every row written by the real MLflow client (log_batch).
    Two processes each log half of the runs into a store of their own on /dev/shm (SQLite's commits there do not
    wait for the disk); the second store's rows are then appended to the first with one INSERT ... SELECT per
    table (same schema, same experiment id, distinct run ids), and the result is copied into ``folder``."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="lossdoc-bench-mlflow-", dir="/dev/shm" if Path("/dev/shm").is_dir()
                                 else None))
    half = MLFLOW_RUNS // 2
    parts = [(str(work / "a.db"), 0, half), (str(work / "b.db"), half, MLFLOW_RUNS - half)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        for f in [pool.submit(_mlflow_part, *p) for p in parts]:
            f.result()
    n_runs, n_rows = _merge_runs(parts[0][0], parts[1][0])
    assert (n_runs, n_rows) == (MLFLOW_RUNS, MLFLOW_RUNS * MLFLOW_STEPS * len(MLFLOW_KEYS)), (n_runs, n_rows)
    shutil.copyfile(parts[0][0], folder / "mlflow.db")
    shutil.rmtree(work, ignore_errors=True)
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s ({n_runs} runs, {n_rows:,} metric rows)"


def gen_wandb_1m(folder: Path) -> str:
    """A .wandb file of 1,000,000 history rows written by the real wandb client in offline mode: ``run.log`` of
    train/loss and train/lr every step and val/loss every 50th, with ``step=`` (wandb 0.31 also writes two summary
    records per row: 3M records, ~390 MB). System metrics, machine metadata, git and console capture are off."""
    if _done(folder):
        return f"{folder.name}: kept"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(folder))
    import wandb

    run = wandb.init(project="lossdoc-bench", name="one-million-rows", id="lossdocbench1m", dir=str(folder),
                     settings=wandb.Settings(x_disable_stats=True, x_disable_meta=True, disable_git=True,
                                             save_code=False, console="off", silent=True,
                                             x_save_requirements=False))
    for i in range(WANDB_ROWS):
        loss = _curve(i, WANDB_ROWS)
        row = {"train/loss": loss, "train/lr": 1e-3 * (1 - i / WANDB_ROWS)}
        if i % 50 == 49:
            row["val/loss"] = _curve(i, WANDB_ROWS, 1) + 0.1
        run.log(row, step=i)
    run.finish()
    (path,) = [p for p in folder.rglob("*.wandb") if not p.parent.is_symlink()]
    size = path.stat().st_size
    _mark(folder)
    return f"{folder.name}: written in {time.perf_counter() - t:.0f} s ({size / 1e6:.0f} MB)"


def check_crc(folder: Path, n: int = 200) -> None:
    """The first records of every event file below ``folder`` verified with tensorboard's own pure-Python CRC."""
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    for p in sorted(folder.rglob("*tfevents*"))[:50]:
        with open(p, "rb") as fh:
            data = fh.read(1 << 20)
        pos = 0
        for _ in range(n):
            if pos + 12 > len(data):
                break
            (length,) = struct.unpack_from("<Q", data, pos)
            if pos + 16 + length > len(data):
                break
            payload = data[pos + 12 : pos + 12 + length]
            assert struct.unpack_from("<I", data, pos + 12 + length)[0] == masked_crc32c(payload), p
            pos += 16 + length


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/data")
    out.mkdir(parents=True, exist_ok=True)
    print(f"generating into {out} (C CRC for the writer: {_fast_crc()})", file=sys.stderr)
    # Longest first (the logdir's million add_scalar calls), so that two cores finish together.
    jobs = [
        (gen_logdir, out / "logdir_20x200k"),
        (gen_big, out / "tb_simple_1m", False),
        (gen_big, out / "tb_tensor_1m", True),
        (gen_sweep, out / "sweep_1000"),
        (gen_small, out / "small"),
        *((gen_store, out / f"store_{n}", n) for n in sorted(STORE_SIZES, reverse=True)),
    ]
    with ProcessPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
        futures = [pool.submit(fn, *args) for fn, *args in jobs]
        for f in futures:
            print("  " + f.result(), file=sys.stderr)
    check_crc(out)
    # The stores: the MLflow client (its own two processes) and a 1M-row wandb run, one after the other.
    print("  " + gen_mlflow_db(out / "mlflow_1000"), file=sys.stderr)
    print("  " + gen_wandb_1m(out / "wandb_1m"), file=sys.stderr)


if __name__ == "__main__":
    main()
