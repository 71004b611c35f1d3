"""``lossdoc.hf.LossdocCallback``: the rules of lossdoc inside a Hugging Face ``Trainer``.

    from lossdoc.hf import LossdocCallback
    trainer = Trainer(model, args, ..., callbacks=[LossdocCallback(stop_on=("non-finite", "divergence",
                                                                            "overfitting"))])

Every ``on_log`` (the train ``loss``, ``learning_rate``, ``grad_norm``, and the ``eval_*`` metrics) goes to a
:class:`lossdoc.online.Monitor`; the decision is made at each evaluation (``on_evaluate``), or at each log when
the Trainer never evaluates, and stops training with ``control.should_training_stop``. A logged loss that is NaN
or Inf stops at once (the Trainer replaces a non-finite loss by the mean of the earlier ones unless
``logging_nan_inf_filter=False``; an ``eval_loss`` that is NaN is seen at the evaluation). When it stops for
overfitting, the weights of the best evaluation are restored at the end (``restore_best=False`` keeps the
last). The report goes to the log at the end (and as JSON to ``report=PATH``) on the main process.

Importing this module imports transformers; nothing else in lossdoc does.
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

from lossdoc.online import DEFAULT_STOP_ON, DEFAULT_WARN_ON, Hook

#: Keys of the Trainer's closing log (the whole run's mean train loss, runtimes): not a point of any curve.
_SUMMARY_KEYS = ("train_runtime", "train_samples_per_second", "total_flos")


class LossdocCallback(TrainerCallback):
    def __init__(self, stop_on=DEFAULT_STOP_ON, warn_on=DEFAULT_WARN_ON, **kwargs: Any) -> None:
        self.lossdoc = Hook(stop_on, warn_on, **kwargs)
        self._best_state = None

    @property
    def decision(self):
        return self.lossdoc.decision

    @property
    def monitor(self):
        return self.lossdoc.monitor

    def on_train_begin(self, args, state, control, **kwargs) -> None:
        self.lossdoc.start()
        self._best_state = None

    def on_log(self, args, state, control, logs=None, **kwargs) -> None:
        if not logs or any(k in logs for k in _SUMMARY_KEYS):
            return
        mon = self.lossdoc.monitor
        mon.log(logs, step=state.global_step, epoch=state.epoch)
        if "non-finite" in mon.stop_on and mon.nonfinite(logs):
            self.lossdoc.check()
            if self.lossdoc.decision is None:
                self.lossdoc.stop_now(mon.nonfinite(logs))
            control.should_training_stop = True
        elif not _evaluates(args) and not any(k.startswith("eval_") for k in logs):
            self._decide(control, kwargs.get("model"))

    def on_evaluate(self, args, state, control, metrics=None, **kwargs) -> None:
        self._decide(control, kwargs.get("model"))

    def _decide(self, control, model) -> None:
        d = self.lossdoc.check()
        if model is not None and self.lossdoc.keeps_best and self.lossdoc.improved():
            self._best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        if d.stop:
            control.should_training_stop = True

    def on_train_end(self, args, state, control, **kwargs) -> None:
        d = self.lossdoc.decision
        model = kwargs.get("model")
        if d is not None and d.restore_best and self.lossdoc.restore_best and self._best_state is not None \
                and model is not None:
            model.load_state_dict(self._best_state)
        if state.is_world_process_zero:
            self.lossdoc.finish()


def _evaluates(args) -> bool:
    strategy = getattr(args, "eval_strategy", None) or getattr(args, "evaluation_strategy", None)
    return str(getattr(strategy, "value", strategy)).lower() not in ("no", "none")
