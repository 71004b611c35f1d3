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
``on_train_end`` writes the report. After the last epoch Ultralytics validates ``best.pt`` and calls
``on_fit_epoch_end`` once more with the same ``trainer.epoch``: that call is not an epoch and is ignored. The
best weights need no restoring: Ultralytics keeps ``best.pt`` (by its fitness) itself.

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

    @property
    def decision(self):
        return self.lossdoc.decision

    @property
    def monitor(self):
        return self.lossdoc.monitor

    def on_fit_epoch_end(self, trainer) -> None:
        if self._trainer_id != id(trainer):  # a new training (model.train() called again)
            self._trainer_id, self._last_epoch = id(trainer), None
            self.lossdoc.start()
        epoch = int(getattr(trainer, "epoch", 0))
        if self._last_epoch is not None and epoch <= self._last_epoch:
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

    def on_train_end(self, trainer) -> None:
        self.lossdoc.finish()


def attach(model, stop_on=DEFAULT_STOP_ON, warn_on=DEFAULT_WARN_ON, **kwargs: Any) -> UltralyticsHook:
    """Register lossdoc's callbacks on an Ultralytics model (anything with ``add_callback(event, func)``); returns
    the hook, whose ``decision`` says why training stopped."""
    hook = UltralyticsHook(stop_on, warn_on, **kwargs)
    model.add_callback("on_fit_epoch_end", hook.on_fit_epoch_end)
    model.add_callback("on_train_end", hook.on_train_end)
    return hook
