"""Time lossdoc against EventAccumulator, tbparse, pandas and the MLflow client on the inputs of bench/generate.py;
write BENCHMARKS.md.

    .venv/bin/python bench/run.py [--data bench/data] [--out BENCHMARKS.md] [--repeats 5] [--only stores]

Every figure is a median over several runs with the min-max range, measured in this one run of the script.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
LOSSDOC = str(Path(PY).parent / "lossdoc")


def timed(fn, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def timed_budget(fn, repeats: int, budget: float) -> tuple[list[float], object]:
    """Like ``timed``, but stops repeating once the runs so far took ``budget`` seconds (at least one run)."""
    times, result = [], None
    while len(times) < repeats and (not times or sum(times) < budget):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def fmt(times: list[float]) -> str:
    med = statistics.median(times)
    return f"{med:.3f} s ({min(times):.3f}-{max(times):.3f}, n={len(times)})"


def event_file(folder: Path) -> Path:
    return next(p for p in sorted(folder.iterdir()) if "tfevents" in p.name)


# ---------------------------------------------------------------------------------------------- readers


def lossdoc_read(path: Path):
    from lossdoc.readers.base import Source
    from lossdoc.readers.tensorboard import TensorBoardReader

    (run,) = TensorBoardReader().read(Source(str(path), path))
    assert not run.notes, run.notes
    return sum(len(s) for s in run.series.values())


def ea_read(path: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    ea = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0})
    ea.Reload()
    tags = ea.Tags()
    return sum(len(ea.Scalars(t)) for t in tags["scalars"]) + sum(len(ea.Tensors(t)) for t in tags["tensors"])


def tbparse_read(path: Path):
    from tbparse import SummaryReader

    reader = SummaryReader(str(path))
    # New-style (tensor-encoded) scalars come out of tbparse's .tensors, the others out of .scalars.
    return len(reader.scalars) + len(reader.tensors)


def rules_at_scale(n: int, repeats: int) -> list[float]:
    """Seconds for the whole rule set on a fresh run each time (no cached curves carried over)."""
    import numpy as np

    from lossdoc.api import run_from_columns
    from lossdoc.config import Config
    from lossdoc.engine import build_rules, check_run

    rng = np.random.default_rng(0)
    steps = np.arange(n, dtype=float)
    train = (3 * np.exp(-steps / (n / 5)) + 0.2) * np.exp(rng.normal(0, 0.2, n))
    val = np.full(n, np.nan)
    every = max(1, n // 100)
    val[every - 1 :: every] = 3 * np.exp(-steps[every - 1 :: every] / (n / 5)) + 0.25
    rules = build_rules(Config())
    times = []
    for _ in range(repeats):
        run = run_from_columns({"step": steps, "train_loss": train, "val_loss": val})
        t = time.perf_counter()
        check_run(run, rules)
        times.append(time.perf_counter() - t)
    return times


def pandas_csv(path: Path):
    import pandas as pd

    return len(pd.read_csv(path))


def lossdoc_csv(path: Path):
    from lossdoc.readers import registry

    (run,) = registry.read_path(path)
    return max(len(s) for s in run.series.values())


# ---------------------------------------------------------------------------------------------- stores


def lossdoc_mlflow_read(db: Path) -> int:
    """Every run of the store read, all points (in process)."""
    import lossdoc

    return sum(len(s) for r in lossdoc.read(db) for s in r.series.values())


def mlflow_client_read(db: Path, budget: float) -> tuple[int, int, float, int]:
    """What a user of MLflow writes to get the same points: ``MlflowClient().get_metric_history`` for every run
    and metric (after ``search_runs``). Runs are read until ``budget`` seconds have passed: (runs read, runs in
    all, seconds, points read)."""
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    from mlflow.tracking import MlflowClient

    t = time.perf_counter()
    client = MlflowClient(f"sqlite:///{db.resolve()}")
    exps = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(exps, max_results=50_000)
    points = done = 0
    for r in runs:
        for key in r.data.metrics:
            points += len(client.get_metric_history(r.info.run_id, key))
        done += 1
        if time.perf_counter() - t > budget:
            break
    return done, len(runs), time.perf_counter() - t, points


def lossdoc_wandb_read(path: Path) -> int:
    from lossdoc.readers.base import Source
    from lossdoc.readers.wandb import WandbReader

    (run,) = WandbReader().read(Source(str(path), path))
    return max(len(s) for s in run.series.values())


def timed_cpu(fn, repeats: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds (this process) of each call: on a shared machine the wall clock also measures the
    neighbours, the CPU time only this work."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return walls, cpus, result


def child_cpu(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the process and its workers) and peak RSS (KB, the largest process) of a
    command."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss)"
    )
    out = subprocess.run([PY, "-c", wrapper, *cmd], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def cpu_fmt(cpus: list[float]) -> str:
    return f"{statistics.median(cpus):.2f} s"


def stores(data: Path, repeats: int, budget: float, log) -> list[str]:
    """The MLflow store and the W&B run file of bench/generate.py: lossdoc against the MLflow client. Wall and CPU
    time both, with the machine's load average when the section started."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    md = ["## An MLflow store of 1,000 runs and a W&B run file of 1,000,000 rows", "",
          f"Load average when this section started: {load} (on {os.cpu_count()} cores). CPU time is the work's "
          "own (process and worker processes); wall time also counts what the machine's other processes take.", ""]
    db = data / "mlflow_1000" / "mlflow.db"
    if db.is_file():
        log("mlflow.db")
        size = db.stat().st_size / 1e6
        whole = [child_cpu([LOSSDOC, "analyze", str(db), "--summary"]) for _ in range(3)]
        rt, rc, n_points = timed_cpu(lambda: lossdoc_mlflow_read(db), repeats)
        done, total, secs, client_points = mlflow_client_read(db, budget)
        per_run = secs / max(done, 1)
        md += [
            f"`mlflow.db`: 1,000 runs x 3 metrics (train_loss, val_loss, lr) x 1,000 steps, {size:.0f} MB, every "
            "row written by the MLflow client (`MlflowClient().log_batch`, 1,000 metrics a call; two processes "
            "each logged 500 runs into a store of their own, whose run rows were then appended to the first).",
            "",
            "| what | wall | CPU | points | vs lossdoc.read |",
            "|---|---|---|---|---|",
            f"| `lossdoc analyze mlflow.db --summary`: every run read and every rule run on it, whole process, "
            f"both cores (target <= 5 s) | {fmt([w[0] for w in whole])} | {cpu_fmt([w[1] for w in whole])} "
            f"| {n_points:,}; peak RSS {max(w[2] for w in whole) / 1024:.0f} MB | |",
            f"| `lossdoc.read(mlflow.db)`, in process | {fmt(rt)} | {cpu_fmt(rc)} | {n_points:,} | 1.0x |",
            f"| `MlflowClient().get_metric_history` for every run and metric, in process | {per_run * total:.1f} s"
            + (f" (extrapolated: {done} of {total} runs read in {secs:.1f} s)" if done < total else "")
            + f" | | {client_points:,}" + (f" of {n_points:,}" if done < total else "")
            + f" | {per_run * total / statistics.median(rt):.0f}x |",
            "",
        ]
    wandb_files = [p for p in sorted((data / "wandb_1m").rglob("*.wandb")) if "latest-run" not in p.parts]
    if wandb_files:
        log("wandb")
        path = wandb_files[0]
        size = path.stat().st_size / 1e6
        wt, wc, rows = timed_cpu(lambda: lossdoc_wandb_read(path), repeats)
        whole = [child_cpu([LOSSDOC, "analyze", str(path)]) for _ in range(3)]
        md += [
            f"`run-<id>.wandb`: 1,000,000 history rows logged by the wandb client in offline mode (train/loss, "
            f"train/lr every step, val/loss every 50th; wandb also writes two summary records a row), {size:.0f} MB.",
            "",
            "| what | wall | CPU | rows |",
            "|---|---|---|---|",
            f"| `WandbReader().read()`: the file, its framing, the CRC of every chunk, every row (target <= 2 s) | "
            f"{fmt(wt)} | {cpu_fmt(wc)} | {rows:,} |",
            f"| `lossdoc analyze run.wandb`, whole process | {fmt([w[0] for w in whole])} | "
            f"{cpu_fmt([w[1] for w in whole])} | {rows:,}; peak RSS {max(w[2] for w in whole) / 1024:.0f} MB |",
            "",
        ]
    return md


# ---------------------------------------------------------------------------------------------- processes


def run_child(cmd: list[str]) -> tuple[float, int, int]:
    """Wall time, peak RSS (KB) and exit code of a child process (peak RSS from a fresh wrapper process, so that
    RUSAGE_CHILDREN holds this child alone)."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
    )
    out = subprocess.run([PY, "-c", wrapper, *cmd], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def paired(cmd: list[str], base: list[str], repeats: int) -> tuple[list[float], list[float], list[float]]:
    a, b, r = [], [], []
    for _ in range(repeats):
        ta = run_child(cmd)[0]
        tb = run_child(base)[0]
        a.append(ta)
        b.append(tb)
        r.append(ta / tb)
    return a, b, r


def csv_section(path: Path, repeats: int) -> list[str]:
    """The 1M-row CSV in process, pandas.read_csv and lossdoc's read alternated (A B A B ...: on a shared machine
    whose load drifts, the ratio pair by pair holds where two series timed one after the other do not), then as
    whole processes."""
    pandas_csv(path), lossdoc_csv(path)  # warm-up: imports, the page cache
    pt, lt, ratio = [], [], []
    n_p = n_l = 0
    for _ in range(max(repeats, 5)):
        t, n_p = timed(lambda: pandas_csv(path), 1)
        u, n_l = timed(lambda: lossdoc_csv(path), 1)
        pt += t
        lt += u
        ratio.append(u[0] / t[0])
    return [
        "## A 1M-row CSV (Lightning CSVLogger layout), in process",
        "",
        "| reader | rows | time | paired ratio |",
        "|---|---|---|---|",
        f"| pandas.read_csv | {n_p:,} | {fmt(pt)} | 1.0x |",
        f"| lossdoc (registry.read_path) | {n_l:,} | {fmt(lt)} | {statistics.median(ratio):.2f}x "
        f"({min(ratio):.2f}-{max(ratio):.2f}) |",
        "",
        *csv_processes(path, repeats),
    ]


def csv_processes(path: Path, repeats: int) -> list[str]:
    """The 1M-row CSV as whole processes: lossdoc's read against pandas.read_csv (paired, both importing what
    they need), and the peak memory of the whole `lossdoc analyze` against the file's size and the interpreter."""
    lossdoc_read = [PY, "-c", "import sys; from lossdoc.readers import registry; registry.read_path(sys.argv[1])",
                    str(path)]
    pandas_read = [PY, "-c", "import sys, pandas; pandas.read_csv(sys.argv[1])", str(path)]
    a, b, r = paired(lossdoc_read, pandas_read, repeats)
    analyze = [run_child([LOSSDOC, "analyze", str(path)]) for _ in range(3)]
    bare = max(run_child([PY, "-c", "import lossdoc.api, lossdoc.cli, pandas"])[1] for _ in range(2)) / 1024
    size = path.stat().st_size / 2**20
    peak = max(x[1] for x in analyze) / 1024
    return [
        "Whole processes (paired, target ratio <= 1.5; before the chunked checks of the quick path: 6.64x in "
        "process, see the table of the previous BENCHMARKS.md at commit ae6c2ea):",
        "",
        "| command | time | `pandas.read_csv` | paired ratio |",
        "|---|---|---|---|",
        f"| `registry.read_path(large.csv)` | {fmt(a)} | {fmt(b)} | {statistics.median(r):.2f}x "
        f"({min(r):.2f}-{max(r):.2f}) |",
        "",
        f"`lossdoc analyze large.csv` ({size:.0f} MiB): {fmt([x[0] for x in analyze])}, peak RSS {peak:.0f} MiB; "
        f"the interpreter with lossdoc and pandas imported peaks at {bare:.0f} MiB, so the analysis adds "
        f"{peak - bare:.0f} MiB = {(peak - bare) / size:.1f}x the file (target <= 3x).",
        "",
    ]


# Parent peak memory: lossdoc's own main, in a process that records its own (not its workers') peak RSS: VmHWM,
# the high-water mark of this process's memory since its exec (ru_maxrss would carry over the peak of the process
# that forked it).
PARENT = (
    "import resource, sys\n"
    "if __name__ == '__main__':\n"
    "    record = sys.argv[1]\n"
    "    try:\n"
    "        from lossdoc.cli import main\n"
    "        sys.argv = ['lossdoc', *sys.argv[2:]]\n"
    "        main()\n"
    "    finally:\n"
    "        hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')]\n"
    "        open(record, 'w').write(hwm[0] if hwm else str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
)


def parent_run(args: list[str], out: Path | None = None) -> tuple[float, int, int]:
    """Wall time, the parent's own peak RSS (KiB) and the exit code of `lossdoc ARGS` (stdout to ``out``)."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t = time.perf_counter()
        with open(out or os.devnull, "w") as fh:
            code = subprocess.run([PY, "-c", PARENT, rss.name, *args], stdout=fh, stderr=subprocess.DEVNULL).returncode
        wall = time.perf_counter() - t
        return wall, int(open(rss.name).read() or 0), code


def sweeps(data: Path, log) -> list[str]:
    """Experiment stores of 10^3, 10^4 and 10^5 small runs (bench/generate.py gen_store), streamed with
    --format jsonl: runs per second and the parent's peak memory, with the local process pool and a Dask
    LocalCluster; then --shard 1/4..4/4 and lossdoc merge against one run."""
    stores = sorted((p for p in data.glob("store_*") if p.is_dir()), key=lambda p: int(p.name.split("_")[1]))
    sizes = [int(p.name.split("_")[1]) for p in stores]
    dask_max = int(os.environ.get("BENCH_DASK_MAX", "100000"))
    md = [
        "## Sweeps: experiment stores of many small runs, streamed (`--format jsonl`)",
        "",
        "`lossdoc analyze store_N --format jsonl > out.jsonl` on stores of N small runs (100 to an experiment "
        "folder; Keras history JSON, CSVLogger, JSON lines, Hugging Face and TensorBoard runs, a fifth each; "
        "written by `bench/generate.py`). Runs per second over the whole process (start-up, and for Dask the "
        f"LocalCluster's, included); peak RSS of the parent process alone (the workers hold one unit each; with a "
        f"LocalCluster the parent also runs Dask's scheduler). Both executors run every size up to {dask_max:,} "
        "runs (BENCH_DASK_MAX; on two cores the two at 10^5 are most of the bench's time). Targets: >= 150 runs/s "
        "with the pool; the parent's memory flat (within 10%) from 10^3 to 10^5.",
        "",
        "| runs | executor | exit | time | runs/s | parent peak RSS | vs 10^3 |",
        "|---|---|---|---|---|---|---|",
    ]
    try:
        import distributed  # noqa: F401

        executors = [("process pool", []), ("Dask LocalCluster", ["--executor", "dask"])]
    except ImportError:
        executors = [("process pool", [])]
    outputs = {}
    for label, extra in executors:
        base = None
        for n, store in zip(sizes, stores):
            if extra and n > dask_max:
                continue
            log(f"sweep {n} {label}")
            out = Path(data) / f".{store.name}.{'dask' if extra else 'pool'}.jsonl"
            wall, rss, code = parent_run(["analyze", str(store), "--format", "jsonl", *extra], out)
            lines = out.read_text().splitlines()
            runs = sum(1 for ln in lines if ln.startswith('{"type":"run"'))
            outputs[(n, label)] = sorted(lines)
            out.unlink()
            base = base or rss
            md.append(f"| {n:,} ({runs:,} read) | {label} | {code} | {wall:.1f} s | {runs / wall:.0f} | "
                      f"{rss / 1024:.1f} MiB | {rss / base:.2f}x |")
    md.append("")
    same = [n for n in sizes if (n, "process pool") in outputs and (n, "Dask LocalCluster") in outputs]
    if same:
        ok = all(outputs[(n, "process pool")] == outputs[(n, "Dask LocalCluster")] for n in same)
        md += [f"The Dask lines equal the process pool's, byte for byte after sorting, at "
               f"{', '.join(f'{n:,}' for n in same)} runs: **{'yes' if ok else 'NO'}**.", ""]
    # Shards of a job array, then merge, against one run.
    store = next((s for s, n in zip(stores, sizes) if n == 10_000), stores[-1] if stores else None)
    if store is None:
        return md
    log(f"shards of {store.name}")
    tmp = Path(data) / ".shards"
    tmp.mkdir(exist_ok=True)
    t = time.perf_counter()
    parts = []
    for i in range(1, 5):
        part = tmp / f"part{i}.jsonl"
        with open(part, "w") as fh:
            subprocess.run([LOSSDOC, "analyze", str(store), "--shard", f"{i}/4", "--format", "jsonl"], stdout=fh,
                           stderr=subprocess.DEVNULL)
        parts.append(str(part))
    shards_time = time.perf_counter() - t
    t = time.perf_counter()
    merged = subprocess.run([LOSSDOC, "merge", *parts, "--format", "json"], capture_output=True, text=True)
    merge_time = time.perf_counter() - t
    t = time.perf_counter()
    single = subprocess.run([LOSSDOC, "analyze", str(store), "--format", "json"], capture_output=True, text=True)
    single_time = time.perf_counter() - t
    counts = [sum(1 for ln in open(p) if ln.startswith('{"type":"run"')) for p in parts]
    shutil.rmtree(tmp)
    md += [
        f"`--shard 1/4` ... `4/4` of {store.name} ({' + '.join(f'{c:,}' for c in counts)} runs, one after the "
        f"other here: {shards_time:.1f} s), then `lossdoc merge part*.jsonl --format json` ({merge_time:.1f} s), "
        f"against one `lossdoc analyze {store.name} --format json` ({single_time:.1f} s): same report, byte for "
        f"byte: **{'yes' if merged.stdout == single.stdout else 'NO'}**; same exit code: "
        f"**{'yes' if merged.returncode == single.returncode else 'NO'}** ({single.returncode}).",
        "",
    ]
    return md


def importtime(cmd: list[str], top: int = 12) -> list[tuple[int, str]]:
    err = subprocess.run([PY, "-X", "importtime", *cmd], capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        parts = line.split("|")
        rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return rows[:top]


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return [
        f"- CPU: {cpu}, nproc = {os.cpu_count()}",
        f"- memory: {mem}",
        f"- load average when the bench started: {_load()} (other work on a shared machine slows every figure)",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}; "
        + ", ".join(
            f"{p} {version(p)}"
            for p in ("lossdoc", "numpy", "pandas", "protobuf", "tensorboard", "tbparse", "google-crc32c",
                      "mlflow-skinny", "SQLAlchemy")
        ),
    ]


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def s3_vs_disk(logdir: Path, repeats: int, log) -> list[str]:
    """`lossdoc analyze` of one logdir on local disk and the same logdir in an S3 bucket on a local S3-compatible
    server (moto's, in server mode, its own process), alternated, in one run."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}
    server = subprocess.Popen([PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        import s3fs

        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        fs = s3fs.S3FileSystem(endpoint_url=endpoint, key="bench", secret="bench", skip_instance_cache=True)
        fs.mkdir("bench")
        log(f"uploading {logdir} to the local S3 server")
        fs.put(str(logdir), f"bench/{logdir.name}", recursive=True)
        url = f"s3://bench/{logdir.name}"
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            disk, remote, ratio = [], [], []
            for _ in range(repeats):
                td, _, cd = run_child([LOSSDOC, "analyze", str(logdir)])
                tr, _, cr = run_child([LOSSDOC, "analyze", url])
                assert cd == cr, (cd, cr)
                disk.append(td)
                remote.append(tr)
                ratio.append(tr / td)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    finally:
        server.terminate()
        server.wait(timeout=30)
    size = sum(p.stat().st_size for p in logdir.rglob("*") if p.is_file()) / 1e6
    runs = sum(1 for p in logdir.iterdir() if p.is_dir())
    return [
        f"## A logdir in S3 and on local disk ({runs} runs, {size:.0f} MB)",
        "",
        "`lossdoc analyze` of the same logdir on local disk and in a bucket of a local S3-compatible server (moto's "
        "server mode, its own process; credentials and endpoint from AWS_* variables), alternated (target: S3 <= 2x "
        "disk).",
        "",
        "| input | time | vs disk |",
        "|---|---|---|",
        f"| `lossdoc analyze {logdir.name}/` (local disk) | {fmt(disk)} | 1.0x |",
        f"| `lossdoc analyze s3://bench/{logdir.name}` | {fmt(remote)} | "
        f"{statistics.median(ratio):.2f}x ({min(ratio):.2f}-{max(ratio):.2f}) |",
        "",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "bench" / "data"))
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "5")))
    # EventAccumulator and tbparse take 25-90 s per read of a 1M-event file: at most two reads each, and no second
    # read of one that took over SLOW_BUDGET seconds (tbparse on the tensor file), keep these competitors to a few
    # minutes of `make bench` (the sweeps of 10^5 runs with both executors are most of the rest).
    ap.add_argument("--slow-repeats", type=int, default=int(os.environ.get("BENCH_SLOW_REPEATS", "2")))
    ap.add_argument("--slow-budget", type=float, default=float(os.environ.get("BENCH_SLOW_BUDGET", "60")))
    ap.add_argument("--only", choices=["s3", "csv", "stores"], help="run one section and print it (no BENCHMARKS.md); "
                    "stores writes its section alone to --out")
    ap.add_argument("--logdir", help="with --only s3: the logdir (default: DATA/logdir_20x200k)")
    args = ap.parse_args()
    if args.only == "stores":
        out = stores(Path(args.data), args.repeats, args.slow_budget, lambda m: print(m, file=sys.stderr, flush=True))
        Path(args.out).write_text("\n".join(["## Machine", "", *machine(), "", *out]) + "\n")
        return
    data = Path(args.data)
    if args.only == "s3":
        logdir = Path(args.logdir) if args.logdir else data / "logdir_20x200k"
        print("\n".join(s3_vs_disk(logdir, max(2, args.repeats // 2), lambda m: print(m, file=sys.stderr))))
        return
    if args.only == "csv":
        start = _load()
        section = csv_section(data / "small" / "large.csv", args.repeats)
        print("\n".join([f"Load average at the start: {start}.", "", *section, f"Load average at the end: {_load()}."]))
        return
    R, S = args.repeats, args.slow_repeats
    md: list[str] = ["# Benchmarks", ""]
    md += [
        "Written by `make bench` (`bench/generate.py` writes the inputs with torch's `SummaryWriter`, "
        "`bench/run.py` times them). Figures: median (min-max, n runs), all measured in the same run.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    # 1. TensorBoard readers, in process.
    md += [
        "## TensorBoard event files, in process",
        "",
        "lossdoc: `TensorBoardReader().read()` (file read, framing, both CRCs of every record, decoding, series). "
        "EventAccumulator: `EventAccumulator(path, size_guidance={'scalars': 0, 'tensors': 0}).Reload()`. "
        "tbparse: `SummaryReader(path).scalars` plus `.tensors` (where new-style scalars land).",
        "",
        "| file | events | reader | points | time | vs lossdoc |",
        "|---|---|---|---|---|---|",
    ]
    targets = {}
    for name, label in (("tb_simple_1m", "1M `add_scalar` (simple_value)"), ("tb_tensor_1m", "1M `add_scalar(new_style=True)` (tensor)")):
        path = event_file(data / name)
        size = path.stat().st_size / 1e6
        log(f"readers on {name}")
        lt, n_l = timed(lambda: lossdoc_read(path), R)
        et, n_e = timed_budget(lambda: ea_read(path), S, args.slow_budget)
        tt, n_t = timed_budget(lambda: tbparse_read(path), S, args.slow_budget)
        base = statistics.median(lt)
        for reader, t, n in (("lossdoc", lt, n_l), ("EventAccumulator", et, n_e), ("tbparse", tt, n_t)):
            ratio = statistics.median(t) / base
            md.append(f"| {label}, {size:.0f} MB | 999,600 | {reader} | {n:,} | {fmt(t)} | {ratio:.1f}x |")
        targets[name] = statistics.median(et) / base
    md += ["", f"lossdoc is **{targets['tb_simple_1m']:.1f}x** faster than EventAccumulator on the simple_value "
           f"file (target >= 30x) and **{targets['tb_tensor_1m']:.1f}x** on the tensor file (target >= 50x).", ""]

    # 2. The rule set at scale: linear in the points (binning before anything super-linear).
    log("rules at scale")
    md += [
        "## The full rule set on a per-step train loss with a per-epoch val loss, in process",
        "",
        "`engine.check_run` with every rule, on a noisy per-step train loss of N points and a val loss every N/100 "
        "steps (target: <= 0.5 s at 10^6 and linear growth).",
        "",
        "| points | time | per 10^6 points |",
        "|---|---|---|",
    ]
    for n in (10**5, 10**6, 4 * 10**6):
        rt = rules_at_scale(n, R)
        md.append(f"| {n:,} | {fmt(rt)} | {statistics.median(rt) / n * 1e6:.3f} s |")
    md.append("")

    # 3. CSV.
    log("csv")
    md += csv_section(data / "small" / "large.csv", R)

    # 3. Start-up, whole process, paired with `python -c "import pandas"`.
    log("start-up")
    base = [PY, "-c", "import pandas"]
    md += [
        "## Start-up, whole process (paired with `python -c \"import pandas\"`, target ratio <= 1.0; CSV <= 1.3)",
        "",
        "| command | time | `import pandas` | paired ratio |",
        "|---|---|---|---|",
    ]
    small = data / "small"
    for label, cmd in (
        ("lossdoc --help", [LOSSDOC, "--help"]),
        ("lossdoc analyze history.json (Keras, 40 epochs)", [LOSSDOC, "analyze", str(small / "history.json")]),
        ("lossdoc analyze tb_small/ (TensorBoard, 1,020 events)", [LOSSDOC, "analyze", str(small / "tb_small")]),
        ("lossdoc analyze small.csv", [LOSSDOC, "analyze", str(small / "small.csv")]),
    ):
        a, b, r = paired(cmd, base, R)
        md.append(f"| `{label}` | {fmt(a)} | {fmt(b)} | {statistics.median(r):.2f}x ({min(r):.2f}-{max(r):.2f}) |")
    md += ["", "Largest cumulative imports of `lossdoc --help` (`python -X importtime`, microseconds):", "", "```"]
    md += [f"{us:>9}  {mod}" for us, mod in importtime(["-m", "lossdoc", "--help"])]
    md += ["```", "", "and of `lossdoc analyze history.json`:", "", "```"]
    md += [f"{us:>9}  {mod}" for us, mod in importtime(["-m", "lossdoc", "analyze", str(small / "history.json")])]
    md += ["```", ""]

    # 4. The MLflow store and the W&B run file.
    md += stores(data, R, args.slow_budget, log)

    # 5. Whole analyze on big inputs: time and peak RSS.
    md += [
        "## Whole `lossdoc analyze` processes (wall time, peak RSS of the process)",
        "",
        "| input | exit | time | peak RSS |",
        "|---|---|---|---|",
    ]
    for label, path, reps in (
        ("1M simple_value file (target peak <= 200 MB)", event_file(data / "tb_simple_1m"), 3),
        ("1M tensor file", event_file(data / "tb_tensor_1m"), 2),
        ("logdir 20 runs x 200k steps x 5 tags (target <= 5 s)", data / "logdir_20x200k", 2),
        ("sweep folder, 1,000 small runs of 4 formats (target <= 10 s)", data / "sweep_1000", 2),
    ):
        log(f"analyze {label}")
        res = [run_child([LOSSDOC, "analyze", str(path)]) for _ in range(reps)]
        t = [x[0] for x in res]
        rss = max(x[1] for x in res) / 1024
        md.append(f"| {label} | {res[0][2]} | {fmt(t)} | {rss:.0f} MB |")
    md += [""]

    # 5. Stores of 10^3..10^5 small runs streamed (process pool, Dask LocalCluster), shards + merge.
    md += sweeps(data, log)

    # 6. Remote: the 20-run logdir in S3 (a local S3-compatible server) against the same logdir on disk.
    log("s3 vs disk")
    md += s3_vs_disk(data / "logdir_20x200k", 2, log)
    md += [f"Load average when the bench ended: {_load()}.", ""]
    Path(args.out).write_text("\n".join(md) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
