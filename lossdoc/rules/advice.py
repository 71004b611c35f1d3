"""Remedies in the words of the tool that wrote the log, and for the kind of loss it is.

A Keras user stops early with ``EarlyStopping(restore_best_weights=True)``, a Lightning user with
``EarlyStopping`` and ``ModelCheckpoint(monitor=...)``, a Hugging Face user with ``load_best_model_at_end`` and
``EarlyStoppingCallback``, an Ultralytics user with ``patience`` and ``best.pt``. The reader's format name says
which (``Run.format``); a log that any tool could have written (CSV, JSON Lines, TensorBoard, MLflow, text) gets
plain PyTorch. The loss family (classification, regression, detection) decides which regularisers make sense:
label smoothing and temperature scaling only for a classification loss.
"""

from __future__ import annotations

import numpy as np

from lossdoc.model import Run, Series
from lossdoc.naming import normalise
from lossdoc.signals import early_stop_at, fmt_num, fmt_x

_FRAMEWORK = {
    "keras-history": "keras",
    "keras-history-csv": "keras",
    "keras-csvlogger": "keras",
    "lightning-csv": "lightning",
    "hf-trainer-state": "hf",
    "ultralytics": "ultralytics",
    "fastai": "fastai",
}


def framework(run: Run) -> str:
    """"keras", "lightning", "hf", "ultralytics", "fastai", or "pytorch" (a log any loop could write)."""
    fw = _FRAMEWORK.get(run.format)
    if fw is not None:
        return fw
    if run.format == "tensorboard" and any(normalise(n).startswith("epoch_") for n in run.series):
        return "keras"  # Keras' TensorBoard callback writes epoch_loss / epoch_accuracy
    return "pytorch"


_DETECTION = ("box", "dfl", "giou", "obj", "rpn", "bbox", "mask_loss", "seg_loss", "kpt", "pose")
_REGRESSION = ("mse", "mae", "rmse", "huber", "l1", "l2", "smooth_l1", "r2", "mape", "logcosh")
_CLASSIFICATION = ("acc", "accuracy", "f1", "auc", "auroc", "precision", "recall", "top1", "top5", "xent",
                   "cross_entropy", "crossentropy", "nll", "bce", "ce", "perplexity", "ppl")


def loss_family(run: Run) -> str:
    """"detection", "regression", "classification" or "unknown", from the names the log uses."""
    if run.format == "ultralytics":
        return "detection"
    tokens = set()
    names = [normalise(n) for n in run.series]
    for n in names:
        tokens.update(n.split("_"))
    if any(any(k in n for k in _DETECTION) for n in names if "loss" in n):
        return "detection"
    if any(m.higher_is_better and any(k in normalise(m.name) for k in ("map", "iou")) for m in run.val_metrics()):
        return "detection"
    if tokens & set(_CLASSIFICATION):
        return "classification"
    if tokens & set(_REGRESSION):
        return "regression"
    return "unknown"


def early_stopping(run: Run, val: Series, patience: int) -> str:
    """How this framework stops at the best validation point, and where it would have stopped on this log."""
    stop_i = early_stop_at(val.values, patience)
    where = (f" (patience {patience} would have stopped at {val.axis} {fmt_x(float(val.x[stop_i]))})"
             if stop_i is not None else "")
    name = val.name
    fw = framework(run)
    if fw == "keras":
        return (f"EarlyStopping(monitor='{name}', patience={patience}, restore_best_weights=True) and "
                f"ModelCheckpoint(monitor='{name}', save_best_only=True){where}")
    if fw == "lightning":
        return (f"Trainer(callbacks=[EarlyStopping(monitor='{name}', patience={patience}), "
                f"ModelCheckpoint(monitor='{name}', mode='min')]), then load the best checkpoint "
                f"(ckpt_path='best'){where}")
    if fw == "hf":
        metric = name.removeprefix("eval_")
        return (f"TrainingArguments(load_best_model_at_end=True, metric_for_best_model='{metric}', "
                f"greater_is_better=False) with EarlyStoppingCallback(early_stopping_patience={patience}); "
                f"save_steps must match eval_steps{where}")
    if fw == "ultralytics":
        sel = selection_metric(run)
        if sel is not None:
            # Ultralytics' patience and best.pt follow fitness (mostly mAP50-95), not the val loss.
            m = run.series[sel[0]]
            stop_m = early_stop_at(-m.values, patience)
            at = (f" (patience {patience} on {m.name} would have stopped at {m.axis} {fmt_x(float(m.x[stop_m]))})"
                  if stop_m is not None else "")
            return (f"train with patience={patience} and deploy best.pt, not last.pt: both follow fitness "
                    f"(mostly {m.name}), whose best is {sel[1]} {fmt_x(sel[2])}{at}")
        return f"train with patience={patience} and deploy best.pt, not last.pt{where}"
    if fw == "fastai":
        return (f"EarlyStoppingCallback(monitor='{name}', patience={patience}) with "
                f"SaveModelCallback(monitor='{name}'){where}")
    return (f"keep a copy of the weights whenever {name} reaches a new minimum (torch.save(model.state_dict(), "
            f"'best.pt')) and stop after {patience} evaluations without one{where}")


def restore_best(run: Run, val: Series, best_x: float, best_value: float) -> str:
    """Take the weights of the best validation point, with the metric users select on for detection."""
    what = f"{val.axis} {fmt_x(best_x)} ({val.name} {fmt_num(best_value)})"
    fw = framework(run)
    text = {
        "keras": f"restore the weights of {what}",
        "lightning": f"use the checkpoint of {what}",
        "hf": f"use the checkpoint nearest {what}",
        "ultralytics": f"use the weights of {what}",
        "fastai": f"use the weights of {what}",
    }.get(fw, f"restore the weights of {what}")
    sel = selection_metric(run)
    if sel is not None:
        text += f"; by {sel[0]}, the best {sel[1]} is {fmt_x(sel[2])} ({fmt_num(sel[3])})"
    return text


def selection_metric(run: Run) -> tuple[str, str, float, float] | None:
    """(name, axis, x, value) of the best point of the metric detection users select checkpoints on (mAP)."""
    if loss_family(run) != "detection":
        return None
    maps = [m for m in run.val_metrics() if m.higher_is_better and "map" in normalise(m.name)]
    if not maps:
        return None
    # mAP50-95 is what Ultralytics' fitness weighs most; prefer it over mAP50.
    maps.sort(key=lambda m: ("95" not in m.name, len(m.name)))
    m = maps[0]
    b = m.best()
    if b is None:
        return None
    return m.name, m.axis, b[0], b[1]


def soften_predictions(run: Run) -> str:
    """The regularisers that fit the loss family."""
    fam = loss_family(run)
    if fam == "classification":
        return "add label smoothing (e.g. 0.1) or weight decay; calibrate the probabilities with temperature scaling"
    if fam == "regression":
        return "add weight decay or dropout, or use a loss less sensitive to outliers (Huber)"
    if fam == "detection":
        return "strengthen augmentation (mosaic, scale, flips) or weight decay; fewer epochs"
    return ("add weight decay or dropout (for a classification loss: label smoothing, e.g. 0.1, and temperature "
            "scaling to calibrate)")


def first_finite(values: np.ndarray) -> float | None:
    v = values[np.isfinite(values)]
    return float(v[0]) if len(v) else None
