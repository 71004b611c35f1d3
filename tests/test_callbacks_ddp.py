"""lossdoc.lightning under DDP: two CPU processes (Lightning's ddp_spawn on gloo) train a regression that diverges;
rank 0 decides and broadcasts, both ranks stop at the same epoch (a rank that went on alone would hang the other in
its next collective, and the test would time out), and rank 0 writes the report. Slow (two processes importing
torch and Lightning): ``pytest -m slow tests/test_callbacks_ddp.py``; the decision's broadcast is also checked in
process below, on every ``make test``."""

from __future__ import annotations

import importlib
import json
import os

import numpy as np
import pytest


def _need(module: str):
    if os.environ.get("LOSSDOC_REQUIRE_FRAMEWORKS") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module)


L = _need("lightning.pytorch")
torch = _need("torch")


class Reg(L.LightningModule):  # module level: ddp_spawn pickles it into the worker processes
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

    def training_step(self, batch, i):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True, sync_dist=True)
        return loss

    def validation_step(self, batch, i):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y), sync_dist=True)

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=1.0)
        return [opt], [torch.optim.lr_scheduler.LambdaLR(opt, _warm)]


def _warm(epoch):  # a learning rate warmed up past what the problem takes
    return 0.002 * 1.8**epoch


@pytest.mark.slow  # two processes importing torch and Lightning: 15-45 s; pytest -m slow tests/test_callbacks_ddp.py
def test_ddp_ranks_stop_together(tmp_path):
    from lossdoc.lightning import LossdocCallback

    rng = np.random.default_rng(4)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1)) + 0.1 * rng.normal(size=(256, 1))).astype("float32")
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx[:192], ty[:192]), batch_size=32)
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx[192:], ty[192:]), batch_size=64)
    torch.manual_seed(0)
    report = tmp_path / "r.json"
    cb = LossdocCallback(report=report, verbose=False)
    trainer = L.Trainer(max_epochs=40, callbacks=[cb], logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, accelerator="cpu", devices=2,
                        strategy="ddp_spawn", num_sanity_val_steps=0)
    trainer.fit(Reg(), train, val)
    run = json.loads(report.read_text())["runs"][0]
    points = {s["name"]: s["points"] for s in run["series"]}
    assert points["val_loss"] < 25, points  # stopped long before the 40 epochs
    assert {f["name"] for f in run["findings"]} & {"divergence", "non-finite"}, run["findings"]


class _Strategy:
    """What the callback asks of Lightning's strategy under DDP, as seen from rank 1: the broadcast returns rank 0's
    value whatever this rank passes."""

    def __init__(self, rank0_value):
        self.rank0_value, self.calls = rank0_value, []

    def broadcast(self, obj, src=0):
        self.calls.append((obj, src))
        return self.rank0_value

    def reduce_boolean_decision(self, decision, all=True):
        return decision


class _Trainer:
    def __init__(self, strategy):
        self.strategy, self.world_size, self.is_global_zero = strategy, 2, False
        self.should_stop, self.sanity_checking, self.global_step, self.current_epoch = False, False, 10, 1
        self.callback_metrics = {"val_loss": 1.0}


def test_rank_1_follows_rank_0s_decision():
    from lossdoc.lightning import LossdocCallback

    cb = LossdocCallback(verbose=False)
    trainer = _Trainer(_Strategy(rank0_value=True))
    cb.on_validation_end(trainer, None)
    assert trainer.should_stop  # rank 0 said stop; rank 1 did not decide anything itself
    assert trainer.strategy.calls == [(False, 0)]
    assert cb.monitor.checks == 0  # only rank 0 runs the rules
    trainer = _Trainer(_Strategy(rank0_value=False))
    cb.on_validation_end(trainer, None)
    assert not trainer.should_stop
