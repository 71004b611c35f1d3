"""Layouts a held-out reading survey (survey 6) found misread by the CSV and numbers readers: headerless ``epoch loss
accuracy`` lines (the accuracy was read as a val loss), RL progress CSVs whose step column has an unusual name
(``total timesteps``, ``update``) and whose runs are appended under one header, and a metrics CSV whose later rows
were written in other layouts (more fields than the header, then rows shifted one column left). The samples are
written here in the layouts of the survey's files (hand-written training loops: ``print(epoch, loss, acc)`` /
``f.write(f"{epoch} {loss} {acc}\\n")``, a ``csv.DictWriter`` over a PPO loop's stats); no tool's format string to
follow; none is copied from those files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.model import Run
from lossdoc.readers import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_all(tmp_path: Path, data: str, name: str) -> list[Run]:
    p = tmp_path / name
    p.write_text(data)
    return registry.read_path(p, None)


def read(tmp_path: Path, data: str, name: str) -> Run:
    runs = read_all(tmp_path, data, name)
    assert len(runs) == 1
    return runs[0]


def lst(a) -> list:
    return [float(v) for v in a]


# ------------------------------------------------------------- 1. headerless 'epoch loss accuracy' lines

def epoch_loss_acc(n: int = 60, total: int = 1552, top: int | None = None, start: float = 0.87) -> str:
    """``f"{epoch} {loss} {correct / total}"`` lines: the loss falls, the accuracy (shares of ``total``) rises to
    ``top`` (all correct by default, 1.0, as the survey's file ends)."""
    top = total if top is None else top
    out = []
    for e in range(n):
        loss = float(0.2027 * np.exp(-e / 12) + 0.0013 * np.sin(e))
        correct = int(min(top, round(total * start + (top - total * start) * (1 - np.exp(-e / 8)))))
        out.append(f"{e} {loss!r} {correct / total!r}")
    return "\n".join(out) + "\n"


def test_epoch_loss_accuracy_reads_an_accuracy_not_a_val_loss(tmp_path):
    run = read(tmp_path, epoch_loss_acc(), "train_log.txt")
    assert run.format == "numbers"
    assert set(run.series) == {"loss", "accuracy"}
    assert run.train_loss is not None and run.train_loss.name == "loss"
    assert run.val_loss is None
    acc = run.series["accuracy"]
    assert acc.kind == "metric" and acc.higher_is_better is True
    assert len(acc) == 60 and lst(acc.epochs)[:2] == [0.0, 1.0] and lst(acc.epochs)[-1] == 59.0
    assert float(acc.values[0]) == pytest.approx(1350 / 1552) and float(acc.values[-1]) == 1.0
    assert float(run.train_loss.values[0]) == pytest.approx(0.2027)
    assert any("as an accuracy" in n and "not a val loss" in n for n in run.notes)


def test_accuracy_as_shares_that_ends_well_below_one(tmp_path):
    # an accuracy from 0.45 that stops at 0.80 (1241 of 1552): its values are shares of one count, which a loss
    # is not
    run = read(tmp_path, epoch_loss_acc(total=1552, top=1241, start=0.45), "log.txt")
    assert set(run.series) == {"loss", "accuracy"} and run.val_loss is None


def val_loss_lines(vals: list[float], digits: int | None = None) -> str:
    out = []
    for e, v in enumerate(vals):
        t, v = float(0.9 * np.exp(-e / 10) + 0.05), float(v)
        out.append(f"{e}, {t!r}, {v!r}" if digits is None else f"{e}, {t:.{digits}f}, {v:.{digits}f}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("vals, digits", [
    # an overfit run: the val loss falls, then rises to the end (its lowest mid-run)
    ([0.8 * np.exp(-e / 6) + 0.3 + 0.02 * max(0, e - 15) for e in range(50)], None),
    # a val loss falling with the train loss
    ([0.85 * np.exp(-e / 9) + 0.1 for e in range(50)], None),
    # a val loss rising from the start (over-fit from the first epoch), in [0, 1], ending far from 1, rounded
    ([0.35 + 0.005 * e for e in range(50)], 4),
    # the same with all its digits: no shares of one count either
    ([0.35 + 0.005 * e + 1e-7 * np.sin(e) for e in range(50)], None),
])
def test_a_val_loss_in_unit_range_stays_a_val_loss(tmp_path, vals, digits):
    run = read(tmp_path, val_loss_lines(vals, digits), "log.txt")
    assert set(run.series) == {"train_loss", "val_loss"}
    assert run.val_loss is not None and run.val_loss.name == "val_loss" and len(run.val_loss) == 50
    assert any("train_loss then val_loss" in n for n in run.notes)


def test_a_val_loss_above_one_stays_a_val_loss(tmp_path):
    vals = [1.5 - 0.01 * e for e in range(40)]  # rises? no: falls, and above 1 anyway
    run = read(tmp_path, val_loss_lines(vals), "log.txt")
    assert run.val_loss is not None and run.val_loss.name == "val_loss"


# ------------------------------------------------------------- 2. RL progress CSVs: the step column, runs appended

PROGRESS_HEAD = ("num_episodes,policy_gradient_loss,value_loss,ep_rew_mean,total_loss,total_time,total timesteps,"
                 "entropy_loss\n")


def progress_rows(steps: list[int], loss0: float) -> str:
    # a csv.writer row per PPO update: episodes, the three losses' parts and their total, a time, the timesteps
    out = []
    for k, t in enumerate(steps):
        pg, v, ent = 0.12 / (k + 1), loss0 / (k + 1), -1.4189 + 0.001 * k
        out.append(f"{11 + k},{pg!r},{v!r},{-600.0 + 5 * k!r},{pg + v + 0.01 * ent!r},{0.8 * (k + 1)!r},{t},"
                   f"{ent!r}")
    return "\n".join(out) + "\n"


def test_total_timesteps_is_the_axis_and_a_restart_keeps_the_latest_run(tmp_path):
    # 4 rows of an aborted run (5120 .. 20480), then a fresh run from 1280, under the one header
    data = PROGRESS_HEAD + progress_rows([5120, 10240, 15360, 20480], 0.25) + progress_rows(
        [1280 * (k + 1) for k in range(10)], 0.07)
    run = read(tmp_path, data, "progress.csv")
    assert run.format == "csv" and run.axis == "step"
    assert "total timesteps" not in run.series
    loss = run.train_loss
    assert loss is not None and loss.name == "total_loss" and len(loss) == 10
    assert lst(loss.steps)[0] == 1280.0 and lst(loss.steps)[-1] == 12800.0
    assert float(run.series["value_loss"].values[0]) == pytest.approx(0.07)
    assert any("restarts 1 time(s)" in n and "20480 -> 1280" in n for n in run.notes)
    assert not any("no step or epoch column" in n for n in run.notes)


def test_sb3_progress_csv_total_timesteps_is_the_step_axis(tmp_path):
    # Stable-Baselines3's CSV output (logger.configure(folder, ["csv"])): the keys sorted, the first rollout row
    # written before any train/ value (empty cells)
    data = ("rollout/ep_len_mean,rollout/ep_rew_mean,time/fps,time/iterations,time/time_elapsed,time/total_timesteps,"
            "train/entropy_loss,train/loss,train/n_updates,train/policy_gradient_loss,train/value_loss\n"
            "22.1,22.1,1200,1,1,2048,,,,,\n"
            "25.3,25.3,900,2,4,4096,-0.686,6.6,10,-0.0157,48.7\n"
            "30.2,30.2,850,3,7,6144,-0.667,13.4,20,-0.0181,33.2\n"
            "40.0,40.0,840,4,9,8192,-0.630,21.0,30,-0.0170,50.1\n")
    run = read(tmp_path, data, "progress.csv")
    assert run.axis == "step" and run.train_loss is not None and run.train_loss.name == "train/loss"
    assert lst(run.train_loss.steps) == [4096.0, 6144.0, 8192.0]
    assert "time/total_timesteps" not in run.series


METRICS_HEAD = "time_s,run_id,update,avg_rew,pg_loss,v_loss,entropy,sps\n"


def metrics_rows(n: int, *, time_s: bool = True, extra: int = 0, run_id: int = 0, scale: float = 1.0) -> str:
    """A PPO loop's ``writer.writerow(...)`` rows: with ``time_s`` first (the header's layout), or without it (a
    later version's layout, with ``extra`` more fields at the end: ``extra=1`` keeps the header's field count)."""
    out = []
    for k in range(n):
        u = 10 * (k + 1)
        vals = [f"{22.5 * (k + 1):.3f}"] if time_s else []
        vals += [str(run_id), str(u), f"{1.3 + 0.01 * k!r}", f"{-0.004 * scale / (k + 1)!r}",
                 f"{0.02 * scale / (k + 1)!r}", f"{1.41 - 0.001 * k!r}", "1100"]
        vals += [f"{0.5 + k!r}"] * extra
        out.append(",".join(vals))
    return "\n".join(out) + "\n"


def test_rows_in_later_layouts_are_skipped_not_read_shifted(tmp_path):
    # 6 rows in the header's layout; then 5 rows with two more fields; then 7 rows of a layout without time_s
    # (and one more column at the end): as many fields as the header, every value one column to the left
    data = METRICS_HEAD + metrics_rows(6) + metrics_rows(5, extra=2, scale=3.0) + metrics_rows(
        7, time_s=False, extra=1, scale=5.0)
    run = read(tmp_path, data, "metrics.csv")
    assert run.axis == "step"
    assert "update" not in run.series
    loss = run.train_loss
    assert loss is not None and loss.name == "train_loss (sum)" and len(loss) == 6
    assert lst(loss.steps) == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert float(run.series["pg_loss"].values[0]) == pytest.approx(-0.004)
    assert float(run.series["v_loss"].values[-1]) == pytest.approx(0.02 / 6)
    note = next(n for n in run.notes if "other layouts" in n)
    assert "from line 8 on" in note and "5 row(s) with more fields than the header (8)" in note
    assert "7 row(s) whose values do not fit" in note and "'update'" in note and "lines 8-19" in note
    assert not any("restarts" in n for n in run.notes)


def test_a_later_run_in_the_header_layout_after_wider_rows_is_kept(tmp_path):
    # the wider rows are skipped as before; the rows after them, in the header's own layout, are a restarted run
    # (update from 10 again, another run_id): the latest run kept, as for any restarting step column
    data = METRICS_HEAD + metrics_rows(6) + metrics_rows(3, extra=2) + metrics_rows(8, run_id=1, scale=2.0)
    run = read(tmp_path, data, "metrics.csv")
    loss = run.train_loss
    assert loss is not None and len(loss) == 8 and lst(loss.steps)[0] == 10.0 and lst(loss.steps)[-1] == 80.0
    assert float(run.series["v_loss"].values[0]) == pytest.approx(0.04)
    assert any("skipped 3 row(s) with more fields than the header (8)" in n for n in run.notes)
    assert any("restarts 1 time(s)" in n for n in run.notes)
    assert not any("other layouts" in n for n in run.notes)


def test_every_row_wider_than_the_header_is_one_line_error(tmp_path):
    from typer.testing import CliRunner

    p = tmp_path / "metrics.csv"
    p.write_text(METRICS_HEAD + metrics_rows(4, extra=2))
    r = CliRunner().invoke(app, ["inspect", str(p)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "metrics.csv" in lines[0] and "more fields than the header" in lines[0]
    assert "Traceback" not in r.output


def test_nan_losses_in_a_progress_csv_are_kept(tmp_path):
    rows = progress_rows([1280 * (k + 1) for k in range(5)], 0.07).splitlines()
    cells = rows[2].split(",")
    cells[4] = "nan"  # total_loss blew up at 3840
    rows[2] = ",".join(cells)
    run = read(tmp_path, PROGRESS_HEAD + "\n".join(rows) + "\n", "progress.csv")
    loss = run.train_loss
    assert loss is not None and loss.name == "total_loss" and len(loss) == 5 and loss.nonfinite == 1
    assert np.isnan(loss.values[2]) and lst(loss.steps)[2] == 3840.0


# ------------------------------------------------------------- 3. 'Epoch: N' headers over 'loss, batch' lines
# (survey 6's RecModel log: ``print(f"Epoch: {epoch}")`` then ``print(f"{loss.item()}, {batch_idx}")`` every 100
# batches; written here in that layout)

def epoch_loss_batch(epochs: int = 4, every: int = 100, per: int = 9, nan_at: int | None = None) -> str:
    out = []
    k = 0
    for e in range(epochs):
        out.append(f"Epoch: {e}")
        for b in range(per):
            loss = 10.19 - 0.003 * k + 0.002 * np.sin(k)
            out.append(f"{'nan' if k == nan_at else repr(float(loss))}, {b * every}")
            k += 1
    return "\n".join(out) + "\n"


def test_epoch_headers_over_loss_batch_lines_are_one_per_batch_loss(tmp_path):
    run = read(tmp_path, epoch_loss_batch(), "train_log.txt")
    assert run.format == "numbers"
    s = run.train_loss
    assert s is not None and len(s.values) == 36
    assert s.values[0] == pytest.approx(10.19) and s.values[-1] == pytest.approx(10.19 - 0.003 * 35 + 0.002 * np.sin(35))
    assert lst(s.steps) == list(range(36))
    assert lst(s.epochs)[:10] == [0.0] * 9 + [1.0] and s.epochs[-1] == 3
    assert run.val_loss is None
    assert any("batch index" in n for n in run.notes)


def test_nan_under_an_epoch_header_is_kept(tmp_path):
    run = read(tmp_path, epoch_loss_batch(nan_at=12), "train_log.txt")
    assert np.isnan(run.train_loss.values[12]) and np.isfinite(run.train_loss.values[11])


def test_a_batch_index_that_does_not_rise_is_not_this_layout(tmp_path):
    # under the first header the second column goes 0, 100, 200, 900, 400...: not a batch index, and the file is
    # not read as one per-batch loss (refused, naming the file)
    lines = epoch_loss_batch().splitlines()
    lines[4] = lines[4].split(",")[0] + ", 900"
    assert lines[4].endswith(", 900") and lines[5].endswith(", 400")
    p = tmp_path / "train_log.txt"
    p.write_text("\n".join(lines) + "\n")
    try:
        runs = registry.read_path(p, None)
    except Exception as exc:  # refused (an InputError naming the file) is right
        assert "train_log.txt" in str(exc)
        return
    assert all(r.format != "numbers" or r.train_loss is None or len(r.train_loss.values) != 36 for r in runs)


def test_bare_and_paired_lines_mixed_are_not_this_layout(tmp_path):
    text = epoch_loss_batch()
    lines = text.splitlines()
    lines[2] = lines[2].split(",")[0]  # one bare number among 'loss, batch' lines
    p = tmp_path / "train_log.txt"
    p.write_text("\n".join(lines) + "\n")
    try:
        runs = registry.read_path(p, None)
    except Exception as exc:
        assert "train_log.txt" in str(exc)
        return
    assert all(r.format != "numbers" or len(r.train_loss.values) != 36 for r in runs)
