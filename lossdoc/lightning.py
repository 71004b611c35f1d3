"""``lossdoc.lightning.LossdocCallback``: the rules of lossdoc inside a Lightning ``Trainer``.

    from lossdoc.lightning import LossdocCallback
    trainer = L.Trainer(callbacks=[LossdocCallback(stop_on=("non-finite", "divergence", "overfitting"))])

What the LightningModule logs (``self.log("train_loss", ...)``, ``self.log("val_loss", ...)``) is read from
``trainer.callback_metrics``: train quantities at the end of each training epoch, validation ones at the end of
each validation (``on_validation_end``, where the decision is made). The decision is taken on rank 0 and
broadcast, so every DDP rank sets ``trainer.should_stop`` alike. A NaN or Inf training loss returned by
``training_step`` stops training at that batch (any rank's NaN stops all). When it stops for overfitting, the
weights of the best validation are restored at the end of training (``restore_best=False`` keeps the last).
The report goes to the log at the end (and as JSON to ``report=PATH``) on rank 0.

Importing this module imports lightning (or pytorch_lightning); nothing else in lossdoc does.
"""

from __future__ import annotations

import copy
import math
from typing import Any

try:
    import lightning.pytorch as pl
except ImportError:  # the standalone package
    import pytorch_lightning as pl

from lossdoc.naming import resolve
from lossdoc.online import DEFAULT_STOP_ON, DEFAULT_WARN_ON, Hook, _number


class LossdocCallback(pl.Callback):
    def __init__(self, stop_on=DEFAULT_STOP_ON, warn_on=DEFAULT_WARN_ON, **kwargs: Any) -> None:
        super().__init__()
        self.lossdoc = Hook(stop_on, warn_on, **kwargs)
        self._best_state = None

    @property
    def decision(self):
        return self.lossdoc.decision

    @property
    def monitor(self):
        return self.lossdoc.monitor

    def on_fit_start(self, trainer, pl_module) -> None:
        self.lossdoc.start()
        self._best_state = None

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if "non-finite" not in self.lossdoc.monitor.stop_on:
            return
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        v = _number(loss)
        bad = v is not None and not math.isfinite(v)
        if trainer.world_size > 1:
            bad = trainer.strategy.reduce_boolean_decision(bad, all=False)
        if bad:
            self.lossdoc.stop_now("the training loss")
            trainer.should_stop = True

    def _metrics(self, trainer, val: bool) -> dict[str, float]:
        out = {}
        for name, value in trainer.callback_metrics.items():
            if (resolve(name).split in ("val", "test")) == val:
                v = _number(value)
                if v is not None:
                    out[name] = v
        return out

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        self.lossdoc.monitor.log(self._metrics(trainer, val=False), step=trainer.global_step,
                                 epoch=trainer.current_epoch)
        if not _validates(trainer):
            self._decide(trainer, pl_module)

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        self.lossdoc.monitor.log(self._metrics(trainer, val=True), step=trainer.global_step,
                                 epoch=trainer.current_epoch)
        self._decide(trainer, pl_module)

    def _decide(self, trainer, pl_module) -> None:
        stop = False
        if trainer.is_global_zero:
            d = self.lossdoc.check()
            stop = d.stop
            if self.lossdoc.keeps_best and self.lossdoc.improved():
                self._best_state = {k: v.detach().to("cpu", copy=True) for k, v in pl_module.state_dict().items()}
        if trainer.world_size > 1:
            stop = trainer.strategy.broadcast(stop, src=0)
        if stop:
            trainer.should_stop = True

    def on_train_end(self, trainer, pl_module) -> None:
        d = self.lossdoc.decision
        if d is not None and d.restore_best and self.lossdoc.restore_best:
            restore = self._best_state is not None
            if trainer.world_size > 1:
                restore = trainer.strategy.broadcast(restore, src=0)
                if restore:
                    self._best_state = trainer.strategy.broadcast(self._best_state, src=0)
            if restore:
                pl_module.load_state_dict(copy.deepcopy(self._best_state))
        if trainer.is_global_zero:
            self.lossdoc.finish()


def _validates(trainer) -> bool:
    """Whether the trainer runs a validation loop (else the decision is made at the end of each train epoch)."""
    try:
        return bool(trainer.enable_validation) and trainer.limit_val_batches != 0
    except AttributeError:
        return True
