"""``lossdoc.keras.LossdocCallback``: the rules of lossdoc inside ``model.fit`` (Keras 3, any backend).

    from lossdoc.keras import LossdocCallback
    model.fit(x, y, validation_split=0.2, epochs=100,
              callbacks=[LossdocCallback(stop_on=("non-finite", "divergence", "overfitting"),
                                         report="lossdoc.json")])

At the end of each epoch the logs (``loss``, ``val_loss``, metrics) go to a :class:`lossdoc.online.Monitor`;
when a finding in ``stop_on`` appears, ``model.stop_training`` is set. A NaN or Inf loss stops the fit at the
batch it appears in. When it stops for overfitting, the weights of the best epoch (lowest val loss) are
restored (``restore_best=False`` keeps the last ones). When training ends, the report goes to the log (stderr,
or ``log=print``) and, with ``report=PATH``, as JSON to that file. Other keyword arguments are those of
Monitor (``rules={"overfitting": {...}}``, ``config=``, ``confirm=``, ``train=``, ``val=``).

Importing this module imports keras; nothing else in lossdoc does.
"""

from __future__ import annotations

from typing import Any

import keras

from lossdoc.online import DEFAULT_STOP_ON, DEFAULT_WARN_ON, Hook


class LossdocCallback(keras.callbacks.Callback):
    def __init__(self, stop_on=DEFAULT_STOP_ON, warn_on=DEFAULT_WARN_ON, **kwargs: Any) -> None:
        super().__init__()
        self.lossdoc = Hook(stop_on, warn_on, **kwargs)
        self._best_weights = None
        self._epoch = 0

    @property
    def decision(self):
        """The Decision that stopped training (its ``finding`` says why), or None."""
        return self.lossdoc.decision

    @property
    def monitor(self):
        return self.lossdoc.monitor

    def on_train_begin(self, logs=None) -> None:
        self.lossdoc.start()
        self._best_weights = None

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        if logs and "non-finite" in self.lossdoc.monitor.stop_on:
            bad = self.lossdoc.monitor.nonfinite(logs)
            if bad is not None:
                self.lossdoc.stop_now(bad)
                self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None) -> None:
        if not logs:
            return
        self.lossdoc.monitor.log(logs, epoch=epoch)
        d = self.lossdoc.check()
        if self.lossdoc.keeps_best and self.lossdoc.improved():
            self._best_weights = self.model.get_weights()
        if d.stop:
            self.model.stop_training = True
            if d.restore_best and self.lossdoc.restore_best and self._best_weights is not None:
                self.model.set_weights(self._best_weights)

    def on_train_end(self, logs=None) -> None:
        self.lossdoc.finish()
