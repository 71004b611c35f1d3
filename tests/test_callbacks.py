"""The training-loop callbacks stop real trainings: tiny models on CPU with Keras 3 (torch backend), Lightning and the
Hugging Face Trainer, each made to diverge (a learning rate warmed up past what the problem takes) or to overfit (a
large model on a few noisy samples). Ultralytics' trainer needs torchvision, which does not import beside the local
torch 2.13 wheel: here ``attach`` is tested against Ultralytics' callback protocol (tests/test_callbacks_protocol.py),
and on the real package in its own venv by ``make test-ultralytics`` (tests/test_ultralytics_real.py).

The frameworks come with the test extra (``make test``); with LOSSDOC_REQUIRE_FRAMEWORKS=1 (set by ``make test``) a
missing one fails instead of skipping."""

from __future__ import annotations

import importlib
import json
import math
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")


def _need(module: str):
    if os.environ.get("LOSSDOC_REQUIRE_FRAMEWORKS") == "1":
        return importlib.import_module(module)  # missing: the test fails, it does not skip
    return pytest.importorskip(module)


# Keras 3 on torch warns about numpy 2 copies on every batch: noise, not news.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STOPS = {"divergence", "non-finite"}


def _regression(n=256, d=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    w = rng.normal(size=(d, 1))
    y = (x @ w + 0.1 * rng.normal(size=(n, 1))).astype("float32")
    return x, y


# ------------------------------------------------------------------------------------------------ Keras


def test_keras_fit_that_diverges_is_stopped(tmp_path):
    keras = _need("keras")
    from lossdoc.keras import LossdocCallback

    keras.utils.set_random_seed(0)
    x, y = _regression()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.002), loss="mse")
    lines: list[str] = []
    cb = LossdocCallback(report=tmp_path / "lossdoc.json", log=lines.append)
    sched = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.002 * 1.8**epoch)
    hist = model.fit(x, y, validation_split=0.25, epochs=40, batch_size=32, verbose=0, callbacks=[sched, cb])
    epochs = len(hist.history["loss"])
    assert epochs < 20, (epochs, lines)
    assert cb.decision is not None and cb.decision.finding is not None, lines
    assert cb.decision.finding.name in STOPS, cb.decision.reason
    assert any("stopping training" in s for s in lines), lines
    report = json.loads((tmp_path / "lossdoc.json").read_text())
    assert {f["name"] for f in report["runs"][0]["findings"]} & STOPS, report
    # It learned first: the loss fell for several epochs before it took off, and the stop came soon after.
    loss = hist.history["loss"]
    best = int(np.nanargmin(loss))
    assert best >= 3 and epochs - 1 - best <= 4, loss


def test_keras_nan_in_a_batch_stops_at_that_batch():
    keras = _need("keras")
    from lossdoc.keras import LossdocCallback

    keras.utils.set_random_seed(1)
    x, y = _regression()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(5.0), loss="mse")  # explodes within the first epoch
    seen: list[int] = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    cb = LossdocCallback(log=lambda s: None)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[cb, counter])
    assert cb.decision is not None and cb.decision.stop
    assert len(seen) < 32, len(seen)  # the first epoch alone has 32 batches


def test_keras_overfitting_stop_restores_the_best_weights():
    keras = _need("keras")
    from lossdoc.keras import LossdocCallback

    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 20)).astype("float32")
    y = ((x[:, :1] + 1.5 * rng.normal(size=(120, 1))) > 0).astype("float32")  # mostly noise: memorised
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy")
    cb = LossdocCallback(stop_on=("non-finite", "divergence", "overfitting"), log=lambda s: None)
    hist = model.fit(x[:60], y[:60], validation_data=(x[60:], y[60:]), epochs=200, batch_size=30, verbose=0,
                     callbacks=[cb])
    epochs = len(hist.history["loss"])
    assert epochs < 200, "not stopped"
    assert cb.decision.finding.name in ("overfitting", "overconfidence"), cb.decision.reason
    assert cb.decision.restore_best
    best = min(hist.history["val_loss"])
    now = model.evaluate(x[60:], y[60:], verbose=0)
    assert now == pytest.approx(best, rel=1e-3), (now, best, hist.history["val_loss"][-1])


def test_keras_healthy_fit_is_not_stopped():
    keras = _need("keras")
    from lossdoc.keras import LossdocCallback

    keras.utils.set_random_seed(3)
    x, y = _regression(seed=3)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    cb = LossdocCallback(stop_on=("non-finite", "divergence", "overfitting"), log=lambda s: None)
    hist = model.fit(x, y, validation_split=0.25, epochs=20, batch_size=32, verbose=0, callbacks=[cb])
    assert len(hist.history["loss"]) == 20 and cb.decision is None


# ------------------------------------------------------------------------------------------------ Lightning


def _lightning_regression(lr_at_epoch):
    _need("lightning")
    import lightning.pytorch as L
    import torch

    class Reg(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

        def training_step(self, batch, i):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss, on_step=False, on_epoch=True)
            return loss

        def validation_step(self, batch, i):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=1.0)
            return [opt], [torch.optim.lr_scheduler.LambdaLR(opt, lr_at_epoch)]

    x, y = _regression(seed=4)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx[:192], ty[:192]), batch_size=32)
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx[192:], ty[192:]), batch_size=64)
    return L, torch, Reg(), train, val


def test_lightning_fit_that_diverges_is_stopped(tmp_path):
    L, torch, module, train, val = _lightning_regression(lambda e: 0.002 * 1.8**e)
    from lossdoc.lightning import LossdocCallback

    torch.manual_seed(0)
    lines: list[str] = []
    cb = LossdocCallback(report=tmp_path / "r.json", log=lines.append)
    trainer = L.Trainer(max_epochs=40, callbacks=[cb], logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, accelerator="cpu",
                        num_sanity_val_steps=0)
    trainer.fit(module, train, val)
    assert trainer.should_stop
    assert trainer.current_epoch < 20, trainer.current_epoch
    assert cb.decision is not None and cb.decision.finding is not None, lines
    assert cb.decision.finding.name in STOPS, cb.decision.reason
    assert json.loads((tmp_path / "r.json").read_text())["runs"][0]["findings"]


def test_lightning_healthy_fit_is_not_stopped():
    L, torch, module, train, val = _lightning_regression(lambda e: 0.05)
    from lossdoc.lightning import LossdocCallback

    torch.manual_seed(0)
    cb = LossdocCallback(stop_on=("non-finite", "divergence", "overfitting"), log=lambda s: None)
    trainer = L.Trainer(max_epochs=25, callbacks=[cb], logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, accelerator="cpu",
                        num_sanity_val_steps=0)
    trainer.fit(module, train, val)
    assert cb.decision is None and trainer.current_epoch == 25


# ------------------------------------------------------------------------------------------------ Hugging Face


def _hf_trainer(tmp_path, callback, lr, warmup, epochs=30):
    _need("transformers")
    import torch
    from transformers import Trainer, TrainingArguments

    class Reg(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Linear(8, 1)

        def forward(self, x, labels=None):
            out = self.net(x)
            return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}

    torch.manual_seed(0)
    x, y = _regression(seed=5)
    rows = [{"x": torch.from_numpy(x[i]), "labels": torch.from_numpy(y[i])} for i in range(len(x))]
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=epochs, per_device_train_batch_size=32,
        per_device_eval_batch_size=64, learning_rate=lr, lr_scheduler_type="constant_with_warmup",
        warmup_steps=warmup, optim="sgd", max_grad_norm=0.0, eval_strategy="epoch", logging_strategy="epoch",
        save_strategy="no", report_to="none", use_cpu=True, disable_tqdm=True, logging_nan_inf_filter=False,
        seed=0,
    )
    return Trainer(model=Reg(), args=args, train_dataset=rows[:192], eval_dataset=rows[192:], callbacks=[callback])


def test_hf_trainer_that_diverges_is_stopped(tmp_path):
    _need("transformers")
    from lossdoc.hf import LossdocCallback

    lines: list[str] = []
    cb = LossdocCallback(report=tmp_path / "r.json", log=lines.append)
    trainer = _hf_trainer(tmp_path, cb, lr=1.3, warmup=60)
    trainer.train()
    epochs = trainer.state.epoch
    assert epochs < 20, (epochs, lines)
    assert cb.decision is not None and cb.decision.finding is not None, lines
    assert cb.decision.finding.name in STOPS, cb.decision.reason
    evals = [h["eval_loss"] for h in trainer.state.log_history if "eval_loss" in h]
    assert min(evals) < 0.5 * evals[0], evals  # it learned during the warm-up before it diverged


def test_hf_healthy_trainer_is_not_stopped(tmp_path):
    _need("transformers")
    from lossdoc.hf import LossdocCallback

    cb = LossdocCallback(stop_on=("non-finite", "divergence", "overfitting"), log=lambda s: None)
    trainer = _hf_trainer(tmp_path, cb, lr=0.05, warmup=0, epochs=15)
    trainer.train()
    assert cb.decision is None and math.isclose(trainer.state.epoch, 15)
