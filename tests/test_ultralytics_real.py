"""``lossdoc.ultralytics.attach`` on the real Ultralytics trainer: a tiny YOLO (``yolov8n.yaml``, built from the yaml
that ships with the package: no weights) trained on CPU on a synthetic detection set written to a temporary folder
(coloured rectangles on noise, 64x64, YOLO-format labels), with nothing fetched from the network.

- a run made to diverge (SGD warmed up to ``lr0=0.5`` over 14 of its 15 epochs: past about 0.06 its train loss
  climbs to 2-3x where it started and stays there) is stopped by lossdoc (divergence or non-finite) before its
  last epoch (at the 6th or 7th with seeds 0-3), and the extra ``on_fit_epoch_end`` of the final ``best.pt``
  evaluation is neither an epoch nor a second stop. (SGD at ``lr0=1.0`` with no warmup is no test of a stop:
  within two epochs the model collapses to predicting nothing and Ultralytics logs losses of exactly 0 from then
  on, finite and flat.)
- a healthy run (AdamW at 1e-3, a one-epoch warmup, 8 epochs) is not stopped: it runs all its epochs, with
  the default ``stop_on`` (with seeds 1-3 it was not stopped with overfitting in ``stop_on`` either);
- in both, what lossdoc watched is ``results.csv`` as Ultralytics wrote it (same epochs, same losses), and
  ``lossdoc analyze`` on that file agrees with the decision taken online.

Ultralytics, torch 2.14.1 and torchvision 0.29.1 live in their own venv, ``.venv-ultralytics`` (``make
test-ultralytics``; about 6 GB: the torch that pip takes from this machine's disk with torchvision is a CUDA
build). Without ultralytics the tests skip; with LOSSDOC_REQUIRE_ULTRALYTICS=1 (set by ``make test-ultralytics``)
they fail instead.

No network: YOLO_OFFLINE=1 (Ultralytics' online check says offline, so no update check, no analytics),
YOLO_AUTOINSTALL=false (no pip installs of missing requirements), settings in a temporary YOLO_CONFIG_DIR,
``plots=False``, ``amp=False`` (no AMP-check model download). Ultralytics' dataset check asks for Arial.ttf
whatever ``plots`` says and, offline or not, fetches it unless it is in the config dir or among matplotlib's
fonts: matplotlib's DejaVuSans is put there under that name. Every test fails if anything resolves a host name or
connects to anything but a local socket while it trains.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import math
import os
import shutil
import socket
import sys
import time
from pathlib import Path

import pytest

STOPS = {"divergence", "non-finite"}
IMGSZ = 64


@pytest.fixture(scope="module")
def yolo(tmp_path_factory):
    """The ultralytics package, imported offline with its settings in a temporary folder (skips when it is not
    installed; fails instead with LOSSDOC_REQUIRE_ULTRALYTICS=1)."""
    if importlib.util.find_spec("ultralytics") is None and os.environ.get("LOSSDOC_REQUIRE_ULTRALYTICS") != "1":
        pytest.skip("ultralytics is not installed here: `make test-ultralytics` runs these tests in .venv-ultralytics")
    assert "ultralytics" not in sys.modules, "imported before its settings were set: run this file on its own"
    env = pytest.MonkeyPatch()
    # Read when ultralytics is imported.
    env.setenv("YOLO_OFFLINE", "1")
    env.setenv("YOLO_AUTOINSTALL", "false")
    env.setenv("YOLO_CONFIG_DIR", str(tmp_path_factory.mktemp("yolo-settings")))
    module = importlib.import_module("ultralytics")  # missing with LOSSDOC_REQUIRE_ULTRALYTICS=1: fails
    from ultralytics.utils import ONLINE, USER_CONFIG_DIR  # YOLO_CONFIG_DIR/Ultralytics

    assert not ONLINE
    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    shutil.copyfile(font, Path(USER_CONFIG_DIR) / "Arial.ttf")  # or check_det_dataset downloads Arial.ttf
    yield module
    env.undo()


@pytest.fixture
def no_network(monkeypatch):
    """Fail on any name lookup or connection to a non-local address while training (Ultralytics reaches for
    fonts, weights, its hub and pip when it thinks it is online)."""
    tried: list[str] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def local(host) -> bool:
        return host in ("localhost", "", None) or str(host).startswith(("127.", "::1"))

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not local(address[0]):
            tried.append(f"connect {address}")
            raise OSError("lossdoc test: no network")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not local(host):
            tried.append(f"getaddrinfo {host}")
            raise socket.gaierror("lossdoc test: no network")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield tried
    assert not tried, f"Ultralytics tried to reach the network: {tried}"


@pytest.fixture(scope="module")
def data_yaml(yolo, tmp_path_factory):
    """A detection set: 64 train and 16 val 64x64 images, one or two red or green rectangles each on dark noise."""
    import numpy as np
    from PIL import Image

    root = tmp_path_factory.mktemp("rects")
    rng = np.random.default_rng(0)
    for split, n in (("train", 64), ("val", 16)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            img = (30 + rng.integers(0, 20, (IMGSZ, IMGSZ, 3))).astype(np.uint8)
            rows = []
            for _ in range(int(rng.integers(1, 3))):
                w, h = (int(v) for v in rng.integers(12, 32, 2))
                x0, y0 = int(rng.integers(0, IMGSZ - w)), int(rng.integers(0, IMGSZ - h))
                cls = int(rng.integers(0, 2))
                img[y0 : y0 + h, x0 : x0 + w] = (220, 60, 60) if cls == 0 else (60, 200, 60)
                cx, cy = (x0 + w / 2) / IMGSZ, (y0 + h / 2) / IMGSZ
                rows.append(f"{cls} {cx:.6f} {cy:.6f} {w / IMGSZ:.6f} {h / IMGSZ:.6f}")
            Image.fromarray(img).save(root / "images" / split / f"{i:03d}.png")
            (root / "labels" / split / f"{i:03d}.txt").write_text("\n".join(rows) + "\n")
    path = root / "data.yaml"
    path.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n  0: red\n  1: green\n")
    return path


def _train(yolo, data_yaml, tmp_path, epochs, **overrides):
    """Train yolov8n (from its yaml) with lossdoc attached; returns the hook, the trainer, the lines lossdoc logged,
    the on_fit_epoch_end calls as (trainer.epoch, trainer.stop) seen after lossdoc's, results.csv's rows and the
    seconds it took."""
    from lossdoc.ultralytics import attach

    model = yolo.YOLO("yolov8n.yaml")  # built from the yaml in the package: no weights to fetch
    lines: list[str] = []
    hook = attach(model, log=lines.append, report=tmp_path / "lossdoc.json")  # stop_on: non-finite, divergence
    calls: list[tuple[int, bool]] = []
    model.add_callback("on_fit_epoch_end", lambda t: calls.append((t.epoch, bool(t.stop))))
    args = {
        "data": str(data_yaml), "imgsz": IMGSZ, "epochs": epochs, "batch": 16, "nbs": 16,  # a step every batch
        "device": "cpu", "workers": 0, "amp": False, "plots": False, "val": True, "seed": 0,
        "deterministic": True, "project": str(tmp_path), "name": "run", "exist_ok": True, "verbose": False,
    }
    args.update(overrides)
    start = time.perf_counter()
    model.train(**args)
    seconds = time.perf_counter() - start
    trainer = model.trainer
    with open(trainer.csv, newline="") as f:
        rows = [{k.strip(): float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    return hook, trainer, lines, calls, rows, seconds


def _watched_is_results_csv(hook, trainer, calls, rows):
    """lossdoc watched one point per epoch, numbered as results.csv numbers them, with the losses it holds; the
    final evaluation (one more on_fit_epoch_end, trainer.epoch + 1 in 8.4) was not taken for an epoch."""
    run = hook.monitor.run()
    epochs = [int(r["epoch"]) for r in rows]
    assert epochs == list(range(1, trainer.epoch + 2)), epochs
    assert len(calls) == len(rows) + 1, (calls, epochs)  # each epoch, then the best.pt evaluation
    # The best.pt evaluation: after the loop ended on trainer.stop, with trainer.epoch one past the last (8.4.190).
    assert calls[-1] == (trainer.epoch + 1, True), calls
    for name in ("train/box_loss", "train/cls_loss", "train/dfl_loss", "val/box_loss", "val/cls_loss"):
        s = run.series[name]
        assert [int(e) for e in s.epochs] == epochs, (name, list(s.epochs))
        assert list(s.values) == pytest.approx([r[name] for r in rows], rel=1e-4), name
    assert run.train_loss.name == "train/loss (sum)" and run.val_loss.name == "val/loss (sum)"


def test_a_diverging_yolo_is_stopped(yolo, data_yaml, tmp_path, no_network):
    epochs = 15
    hook, trainer, lines, calls, rows, seconds = _train(
        yolo, data_yaml, tmp_path, epochs, optimizer="SGD", lr0=0.5, warmup_epochs=14
    )
    assert hook.decision is not None and hook.decision.stop, lines
    print(f"diverging run: stopped after {len(rows)} of {epochs} epochs in {seconds:.1f} s; {hook.decision.reason}")
    assert hook.decision.finding.name in STOPS, hook.decision.reason
    assert len(rows) < epochs, f"ran all {epochs} epochs: {lines}"  # stopped before its last epoch
    assert trainer.stop
    # One stop, said once: the final evaluation's call did not stop it again nor crash.
    assert sum("stopping training" in s for s in lines) == 1, lines
    _watched_is_results_csv(hook, trainer, calls, rows)
    # It stopped at the check that decided, and lossdoc analyze on Ultralytics' own results.csv agrees.
    assert hook.monitor.checks == len(rows)
    from lossdoc.api import analyze

    report = analyze(trainer.csv)
    assert report.runs[0].run.format == "ultralytics"
    assert {f.name for f in report.runs[0].findings} & STOPS, [f.name for f in report.runs[0].findings]
    assert (tmp_path / "lossdoc.json").exists()


def test_a_healthy_yolo_runs_all_its_epochs(yolo, data_yaml, tmp_path, no_network):
    epochs = 8
    hook, trainer, lines, calls, rows, seconds = _train(
        yolo, data_yaml, tmp_path, epochs, optimizer="AdamW", lr0=0.001, warmup_epochs=1
    )
    print(f"healthy run: {len(rows)} of {epochs} epochs in {seconds:.1f} s")
    assert hook.decision is None, hook.decision.reason
    assert len(rows) == epochs and trainer.epoch == epochs - 1, lines
    assert not any("stopping training" in s for s in lines), lines
    _watched_is_results_csv(hook, trainer, calls, rows)
    run = hook.monitor.run()
    loss = run.train_loss.values
    assert all(math.isfinite(v) for v in loss) and loss[-1] < loss[0], list(loss)  # it learned
    from lossdoc.api import analyze

    report = analyze(trainer.csv)
    assert not {f.name for f in report.runs[0].findings} & STOPS, [f.name for f in report.runs[0].findings]
