"""A log that names no loss but logs the error a regression model is fitted to (a Lightning module that logs
``train_mse``/``val_mse``): that error is read as the loss, with a note; a log with a loss keeps it."""

from __future__ import annotations

import lossdoc
from lossdoc.api import read


def _lightning_csv(path, names, rows):
    # Lightning's CSVLogger: one row per logging call, blanks where a metric was not logged at that step.
    lines = [",".join(["epoch", "step", *names])]
    for epoch, step, vals in rows:
        lines.append(",".join([str(epoch), str(step), *("" if v is None else repr(v) for v in vals)]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_mse_read_as_the_losses_when_no_loss_is_logged(tmp_path):
    rows = []
    for e in range(8):
        rows.append((e, 10 * e + 9, [None, round(1.0 / (e + 1), 4), round(1.1 / (e + 1) + 0.05, 4)]))
    train_rows = [(e, s, [v[1] * 0.8, v[1], None]) for e, s, v in rows]
    val_rows = [(e, s, [None, None, v[2]]) for e, s, v in rows]
    p = _lightning_csv(tmp_path / "metrics.csv", ["train_mae", "train_mse", "val_mse"], train_rows + val_rows)
    run = read(str(p))[0]
    assert run.train_loss is not None and run.train_loss.name == "train_mse"
    assert run.val_loss is not None and run.val_loss.name == "val_mse"
    assert run.series["train_mae"].kind == "metric"  # the squared error is preferred; the other stays a metric
    assert any("no loss logged: train_mse and val_mse read as the loss" in n for n in run.notes)
    rep = lossdoc.analyze(str(p))
    assert rep.runs[0].run.val_loss.name == "val_mse"


def test_a_logged_loss_is_kept_beside_an_error_metric(tmp_path):
    p = tmp_path / "history.csv"
    body = "".join(f"{e},{1 / (e + 1)},{1.1 / (e + 1)},{0.9 / (e + 1)}\n" for e in range(6))
    p.write_text("epoch,loss,val_loss,val_mse\n" + body)
    run = read(str(p))[0]
    assert run.val_loss.name == "val_loss" and run.series["val_mse"].kind == "metric"
    assert not any("no loss logged" in n for n in run.notes)


def test_an_error_rate_is_not_taken_for_a_loss(tmp_path):
    p = tmp_path / "log.csv"
    body = "".join(f"{e},{0.3 / (e + 1)},{0.35 / (e + 1)}\n" for e in range(6))
    p.write_text("epoch,train_error,val_error\n" + body)
    run = read(str(p))[0]
    assert run.train_loss is None and run.val_loss is None
