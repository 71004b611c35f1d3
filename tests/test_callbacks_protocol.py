"""``lossdoc.ultralytics.attach`` against Ultralytics' callback protocol, with a real torch model trained in the loop.

The real package is tested too, by ``tests/test_ultralytics_real.py`` (``make test-ultralytics``: ultralytics
8.4.190 on torch 2.14.1 and torchvision 0.29.1, in their own ~6 GB venv, not in ``make test``): a tiny YOLO trained
on CPU. The tests here stay as the fast check of the protocol in the main suite, whose torch 2.13 CPU wheel has no
torchvision that imports beside it. ``FakeYOLO`` below follows ultralytics/engine/trainer.py and model.py:

- ``model.add_callback(event, func)`` appends ``func`` to the trainer's callbacks; the trainer calls each with itself;
- each epoch: train, ``trainer.tloss`` (the mean loss items: a tensor here, a dict by name in 8.4.190), validate
  into ``trainer.metrics`` (``metrics/...`` and ``val/<item>`` keys), ``trainer.lr`` (``lr/pg0``...), then
  ``run_callbacks("on_fit_epoch_end")``, then ``if self.stop: break``;
- ``trainer.label_loss_items(tloss, prefix="train")`` gives ``{"train/box_loss": ..., ...}``;
- after the loop (which ends only on ``trainer.stop``), ``final_eval`` validates best.pt, replaces
  ``trainer.metrics`` and calls ``on_fit_epoch_end`` again, with the same ``trainer.epoch`` here, as older releases did
  (8.4.190 raises it by one for that call, which the real test covers); then ``on_train_end``.

lossdoc numbers the epochs as results.csv does: ``trainer.epoch + 1``.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from lossdoc.ultralytics import attach


class FakeTrainer:
    loss_names = ("box_loss", "cls_loss", "dfl_loss")

    def __init__(self, callbacks, epochs, lr_at_epoch, seed=0):
        self.callbacks = callbacks
        self.epochs = epochs
        self.lr_at_epoch = lr_at_epoch
        self.stop = False
        self.epoch = 0
        self.metrics = {}
        self.tloss = None
        self.lr = {}
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(256, 8, generator=g)
        w = torch.randn(8, 3, generator=g)
        self.y = self.x @ w + 0.1 * torch.randn(256, 3, generator=g)
        torch.manual_seed(seed)
        self.model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr_at_epoch(0))
        self.best = (math.inf, None)

    def label_loss_items(self, loss_items=None, prefix="train"):
        keys = [f"{prefix}/{x}" for x in self.loss_names]
        if loss_items is None:
            return keys
        return dict(zip(keys, [round(float(x), 5) for x in loss_items]))

    def run_callbacks(self, event):
        for cb in self.callbacks.get(event, []):
            cb(self)

    def _items(self, x, y):
        err = (self.model(x) - y) ** 2
        return err.mean(dim=0)  # one "loss item" per head

    def validate(self):
        with torch.no_grad():
            items = self._items(self.x[192:], self.y[192:])
        total = float(items.sum())
        return {"metrics/precision(B)": 1 / (1 + total), **self.label_loss_items(items, prefix="val")}, total

    def train(self):
        for epoch in range(self.epochs):
            self.epoch = epoch
            for group in self.opt.param_groups:
                group["lr"] = self.lr_at_epoch(epoch)
            tl = torch.zeros(3)
            for i in range(0, 192, 32):
                items = self._items(self.x[i : i + 32], self.y[i : i + 32])
                self.opt.zero_grad()
                items.sum().backward()
                self.opt.step()
                tl += items.detach() / 6
            self.tloss = tl
            self.lr = {f"lr/pg{k}": g["lr"] for k, g in enumerate(self.opt.param_groups)}
            self.metrics, fitness = self.validate()
            if fitness < self.best[0]:
                self.best = (fitness, dict(self.metrics))
            self.stop |= epoch + 1 >= self.epochs
            self.run_callbacks("on_fit_epoch_end")
            if self.stop:
                break
        if self.best[1] is not None:  # final_eval: best.pt validated, on_fit_epoch_end once more, same epoch
            self.metrics = dict(self.best[1])
            self.run_callbacks("on_fit_epoch_end")
        self.run_callbacks("on_train_end")


class FakeYOLO:
    def __init__(self):
        self.callbacks: dict[str, list] = {}
        self.trainer = None

    def add_callback(self, event, func):
        self.callbacks.setdefault(event, []).append(func)

    def train(self, epochs, lr_at_epoch):
        self.trainer = FakeTrainer(self.callbacks, epochs, lr_at_epoch)
        self.trainer.train()
        return self.trainer


def test_attach_stops_a_diverging_training():
    model = FakeYOLO()
    lines: list[str] = []
    hook = attach(model, log=lines.append)
    trainer = model.train(epochs=40, lr_at_epoch=lambda e: 0.002 * 1.8**e)
    assert trainer.stop and trainer.epoch < 20, trainer.epoch
    assert hook.decision is not None and hook.decision.finding.name in ("divergence", "non-finite"), lines
    # The total of the three loss items is the train loss lossdoc watched (Ultralytics logs no total).
    run = hook.monitor.run()
    assert run.train_loss.name == "train/loss (sum)" and run.val_loss.name == "val/loss (sum)"
    assert len(run.train_loss) == trainer.epoch + 1  # the final evaluation was not taken for an epoch


def test_the_final_evaluation_is_not_an_epoch():
    model = FakeYOLO()
    hook = attach(model, stop_on=("non-finite", "divergence", "overfitting"), log=lambda s: None)
    trainer = model.train(epochs=12, lr_at_epoch=lambda e: 0.05)
    assert hook.decision is None
    run = hook.monitor.run()
    assert len(run.val_loss) == 12  # 12 epochs, not 13: the best.pt re-validation was ignored
    assert list(run.val_loss.epochs) == list(range(1, 13))  # results.csv's epochs
    assert trainer.epoch == 11


def test_a_second_training_starts_afresh():
    model = FakeYOLO()
    hook = attach(model, log=lambda s: None)
    model.train(epochs=6, lr_at_epoch=lambda e: 0.05)
    model.train(epochs=5, lr_at_epoch=lambda e: 0.05)
    assert len(hook.monitor.run().val_loss) == 5
