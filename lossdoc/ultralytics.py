"""``lossdoc.ultralytics.attach(model)``: the rules of lossdoc inside an Ultralytics (YOLO) training.

    from ultralytics import YOLO
    from lossdoc.ultralytics import attach
    model = YOLO("yolo11n.pt")
    attach(model, stop_on=("non-finite", "divergence", "overfitting"))
    model.train(data="coco8.yaml", epochs=100)

``attach`` registers two callbacks with ``model.add_callback``: ``on_fit_epoch_end`` hands the epoch's train
losses (``trainer.label_loss_items(trainer.tloss, prefix="train")``), validation losses and metrics
(``trainer.metrics``) and learning rates (``trainer.lr``) to a :class:`lossdoc.online.Monitor` and sets
``trainer.stop`` when a finding in ``stop_on`` appears (the trainer broadcasts it to every DDP rank itself);
``on_train_end`` writes the report. Epochs are numbered as in Ultralytics' ``results.csv`` and progress bar
(``trainer.epoch + 1``), so a finding's epoch is the row of ``results.csv`` that ``lossdoc analyze`` reads.

After the loop, Ultralytics validates ``best.pt`` and calls ``on_fit_epoch_end`` once more, with the metrics of
``best.pt`` (no losses) and, in 8.4.190 (the release tested), ``trainer.epoch`` raised by one ("log best
metrics at step epochs+1"); older releases kept the last epoch. That call is not an epoch and is ignored: the loop only ends on
``trainer.stop``, so a call that comes after one that saw ``trainer.stop`` set (by the last epoch, patience, a
time limit or lossdoc) is the final evaluation, as is one whose epoch is not past the last. The best weights need
no restoring: Ultralytics keeps ``best.pt`` (by its fitness) itself.

Checked with the real package (``tests/test_ultralytics_real.py``, ``make test-ultralytics``: ultralytics 8.4.190
on torch 2.14.1): a tiny YOLO made to diverge is stopped before its last epoch, a healthy one runs to the end.
Ultralytics' own NaN recovery reloads ``last.pt`` and redoes an epoch whose last batch loss or fitness is not
finite, without calling ``on_fit_epoch_end`` (except at the first epoch), so such an epoch is never seen here.

It imports nothing from ultralytics: it speaks the callback protocol (``add_callback``, the trainer's attributes),
so it works on any object that does.
"""

from __future__ import annotations

from typing import Any

from lossdoc.online import DEFAULT_STOP_ON, DEFAULT_WARN_ON, Hook


class UltralyticsHook:
    """The two callbacks ``attach`` registers; ``.decision`` says why training stopped, ``.monitor`` what it saw."""

    def __init__(self, stop_on=DEFAULT_STOP_ON, warn_on=DEFAULT_WARN_ON, **kwargs: Any) -> None:
        kwargs.setdefault("restore_best", False)
        self.lossdoc = Hook(stop_on, warn_on, **kwargs)
        self._last_epoch: int | None = None
        self._trainer_id: int | None = None
        self._ending = False  # an epoch ended with trainer.stop set: the next call is the final evaluation

    @property
    def decision(self):
        return self.lossdoc.decision

    @property
    def monitor(self):
        return self.lossdoc.monitor

    def on_fit_epoch_end(self, trainer) -> None:
        if self._trainer_id != id(trainer):  # a new training (model.train() called again)
            self._trainer_id, self._last_epoch, self._ending = id(trainer), None, False
            self.lossdoc.start()
        epoch = int(getattr(trainer, "epoch", 0)) + 1  # results.csv's epoch
        if self._ending or (self._last_epoch is not None and epoch <= self._last_epoch):
            return  # the final evaluation of best.pt: not a new epoch
        self._last_epoch = epoch
        values: dict[str, Any] = {}
        tloss = getattr(trainer, "tloss", None)
        label = getattr(trainer, "label_loss_items", None)
        if tloss is not None and callable(label):
            values.update(label(tloss, prefix="train") or {})
        values.update(getattr(trainer, "metrics", None) or {})
        values.update(getattr(trainer, "lr", None) or {})
        values.pop("fitness", None)
        self.lossdoc.monitor.log(values, epoch=epoch)
        d = self.lossdoc.check()
        if d.stop:
            trainer.stop = True
        self._ending = bool(getattr(trainer, "stop", False))

    def on_train_end(self, trainer) -> None:
        self.lossdoc.finish()


def attach(model, stop_on=DEFAULT_STOP_ON, warn_on=DEFAULT_WARN_ON, **kwargs: Any) -> UltralyticsHook:
    """Register lossdoc's callbacks on an Ultralytics model (anything with ``add_callback(event, func)``); returns
    the hook, whose ``decision`` says why training stopped."""
    hook = UltralyticsHook(stop_on, warn_on, **kwargs)
    model.add_callback("on_fit_epoch_end", hook.on_fit_epoch_end)
    model.add_callback("on_train_end", hook.on_train_end)
    return hook
