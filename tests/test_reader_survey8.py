"""Reading failures found by held-out reading survey 8 (samples written here, in each writer's layout):

1. Losses of two separately trained networks are never summed into one train loss (readers/base.py ``gan_losses``,
   naming.py ``network_side``): a WGAN's ``critic_loss`` beside ``gen_loss`` is a GAN pair (the generator's is the
   train loss, the critic's kept beside it as the discriminator's is); an actor-critic agent's ``Critic_Loss`` and
   ``Actor_Loss`` (xbpeng/awr util/logger.py ``dump_tabular``: a ``"{:<25}" * num_keys`` template, ``"\\r\\n"``
   line ends) are two objectives: the critic's (value regression) is the train loss, the actor's kept beside it
   with no direction.
2. Python logging's default format: ``logging.info("train epoch: %d"%eps)`` then, every 50 batches,
   ``logging.info("count: %d, loss:%f: "%(cnt,loss.item()))`` (YanjieZe/image-caption-generator train.py, under
   ``logging.basicConfig(level=logging.INFO, filename=log_path)``: the ``INFO:root:`` prefix): one train loss over
   all the ``count`` lines, the count the batch, the epoch from the marker line.
3. Clearer refusals: a Git LFS pointer (git-lfs docs/spec.md) in place of a log, whatever its name; a Hugging Face
   Trainer's final summary saved alone (``metrics.json``, ``train_results.json``), refused as trainer_state.json's
   log_history holding only that entry is; a CSV of per-run results with no loss, step or epoch column, refused as
   a table rather than with the text patterns tried.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lossdoc.cli import app
from lossdoc.errors import InputError, NotALog
from lossdoc.readers import registry
from tests.reading import assert_one_line_error, fresh_registry, lst, read  # noqa: F401  (fresh_registry: autouse)

runner = CliRunner()


# ---------------------------------------------------------------------------------------------- 1. two networks


def _awr_log(rows: int = 6) -> bytes:
    keys = ["Iteration", "Wall_Time", "Samples", "Train_Return", "Train_Paths", "Test_Return", "Test_Paths",
            "Critic_Loss", "Critic_Steps", "Actor_Loss", "Actor_Steps", "Adv_Mean", "Adv_Std"]
    template = "{:<25}" * len(keys)  # util/logger.py _build_str_template
    out = [template.format(*keys)]
    for i in range(rows):
        vals = [i * 50, 0.0005 + 12.5 * i, 2126 + 5000 * i, -104.4 + 20.0 * i, 21, -173.2 + 25.0 * i, 32,
                0.011 - 0.001 * i, 206, -0.589 - 0.05 * i, 1028, -13.6, 15.7]
        out.append(template.format(*map(str, vals)))
    return ("\r\n".join(out) + "\r\n").encode()


def test_awr_actor_critic_losses_not_summed(tmp_path):
    run = read(tmp_path, _awr_log(), "log.txt")
    assert not any(s.derived for s in run.series.values())  # no made-up "train_loss (sum)"
    assert run.train_loss.name == "Critic_Loss" and len(run.train_loss) == 6 and run.axis == "step"
    assert lst(run.train_loss.values)[0] == 0.011 and abs(lst(run.train_loss.values)[-1] - 0.006) < 1e-12
    actor = run.series["Actor_Loss"]
    assert actor.role == "train_loss" and actor.higher_is_better is None and lst(actor.values)[0] == -0.589
    assert run.meta["actor_critic_losses"]["train"] == {"critic": ["Critic_Loss"], "actor": ["Actor_Loss"]}
    assert any("actor-critic losses" in n and "not summed" in n for n in run.notes)
    assert run.series["Train_Return"].higher_is_better is True


def test_stable_baselines_sac_losses_pick_the_critic(tmp_path):
    # stable_baselines3 SAC.train: self.logger.record("train/actor_loss", ...), "train/critic_loss",
    # "train/ent_coef_loss"; the CSV output format writes the keys sorted as the header of progress.csv
    header = "time/episodes,train/actor_loss,train/critic_loss,train/ent_coef,train/ent_coef_loss,time/total_timesteps"
    rows = [f"{i},{-5.0 - i:.2f},{2.0 - 0.25 * i:.2f},0.5,{-0.1 * i:.2f},{1000 * (i + 1)}" for i in range(5)]
    run = read(tmp_path, "\n".join([header, *rows]) + "\n", "progress.csv")
    assert run.train_loss.name == "train/critic_loss" and lst(run.train_loss.values) == [2.0, 1.75, 1.5, 1.25, 1.0]
    assert run.series["train/actor_loss"].role == "train_loss" and "train/loss (sum)" not in run.series
    assert any("train/ent_coef_loss left beside them" in n for n in run.notes)


def test_wgan_critic_and_generator_losses_not_summed(tmp_path):
    critic = [-0.558, -0.71, -0.93, float("nan"), -1.1]
    gen = [0.0556, 0.2246, 0.31, 0.35, 0.42]
    text = json.dumps({"critic_loss": critic, "gen_loss": gen}, indent=2)  # json.dump(history, f, indent=2)
    run = read(tmp_path, text, "history.json")
    assert set(run.series) == {"critic_loss", "gen_loss"}
    assert run.train_loss.name == "gen_loss" and lst(run.train_loss.values) == gen and run.axis == "epoch"
    crit = run.series["critic_loss"]
    assert crit.role == "train_loss" and np.isnan(crit.values[3]) and crit.nonfinite == 1  # NaN kept as data
    assert run.meta["gan_losses"]["train"] == {"gen": ["gen_loss"], "dis": ["critic_loss"]}
    assert any("GAN losses" in n and "not summed" in n for n in run.notes)


def test_component_losses_still_summed(tmp_path):
    # one objective's parts (Ultralytics' box/cls/dfl) are still summed: only two networks' losses are kept apart
    header = "epoch,train/box_loss,train/cls_loss,train/dfl_loss"
    rows = [f"{e},{1.5 - 0.1 * e:.3f},{2.0 - 0.2 * e:.3f},{1.2 - 0.05 * e:.3f}" for e in range(1, 5)]
    run = read(tmp_path, "\n".join([header, *rows]) + "\n", "losses.csv")
    assert run.train_loss.name == "train/loss (sum)" and abs(run.train_loss.values[0] - 4.35) < 1e-9


# ---------------------------------------------------------------------------------------------- 2. logging count lines


def _caption_log(epochs=(0, 1), batches: int = 7) -> str:
    out = []
    for eps in epochs:
        out.append("INFO:root:" + "train epoch: %d" % eps)  # noqa: UP031  (train.py's own format string)
        for cnt in range(0, 50 * batches, 50):
            loss = 1082.527588 / (1 + cnt / 50 + eps * batches)
            out.append("INFO:root:" + "count: %d, loss:%f: " % (cnt, loss))  # noqa: UP031
    return "\n".join(out) + "\n"


def test_logging_count_lines_under_epoch_marker(tmp_path):
    run = read(tmp_path, _caption_log(), "train.log")
    assert run.format == "text" and list(run.series) == ["loss"]
    loss = run.train_loss
    assert loss.name == "loss" and len(loss) == 14 and loss.axis == "step"
    assert loss.values[0] == 1082.527588 and abs(loss.values[-1] - 1082.527588 / 14) < 1e-5
    assert lst(loss.epochs) == [0.0] * 7 + [1.0] * 7
    assert lst(loss.steps)[:3] == [0.0, 50.0, 100.0]
    assert loss.steps[7] > loss.steps[6]  # the count starts again at each epoch: counted on across epochs
    assert "count" not in run.series  # the batch counter is the axis, not a curve


def test_logging_count_lines_keep_nan(tmp_path):
    text = _caption_log(epochs=(0,), batches=4).replace("loss:541.263794", "loss:nan")
    run = read(tmp_path, text, "train.log")
    assert len(run.train_loss) == 4 and np.isnan(run.train_loss.values[1])


def test_count_without_epoch_marker_is_not_a_batch(tmp_path):
    # a "count" leading lines with no epoch marker above them is no batch counter: nothing read as a step
    p = tmp_path / "train.log"
    p.write_text("".join(f"INFO:root:count: {c}, loss:{1.0:f}: \n" for c in range(0, 200, 50)))
    assert_one_line_error(runner, app, p)


# ---------------------------------------------------------------------------------------------- 3. clearer refusals

# git-lfs docs/spec.md: a pointer is "version https://git-lfs.github.com/spec/v1", "oid sha256:<hex>", "size <n>"
_LFS = ("version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:31fe50318debcfec84e7615b36e4c90db36daaf12cf0fe962dd39b429fa392fe\nsize 12965\n")


def test_git_lfs_pointer_refused_whatever_its_name(tmp_path):
    for name in ("trainer_state.json", "train.log", "results.csv", "events.out.tfevents.1.host", "log"):
        p = tmp_path / name
        p.write_text(_LFS)
        with pytest.raises(NotALog, match=r"a Git LFS pointer file, not the log itself .*`git lfs pull`"):
            registry.read_path(p)
        with pytest.raises(NotALog, match="Git LFS pointer"):
            registry.read_path(p, "csv")  # a format named on the command line does not make it a log
        assert_one_line_error(runner, app, p)


def test_git_lfs_pointer_in_a_folder_is_skipped(tmp_path):
    (tmp_path / "pytorch_model.bin").write_text(_LFS)
    (tmp_path / "history.json").write_text(json.dumps({"loss": [0.9, 0.7, 0.5], "val_loss": [1.0, 0.8, 0.7]}))
    runs = registry.read_path(tmp_path)
    assert len(runs) == 1 and runs[0].train_loss.name == "loss"


def test_hf_final_summary_alone_refused_as_in_trainer_state(tmp_path):
    # Trainer.train's returned metrics saved as JSON (qlora: output/metrics.json; trainer.save_metrics writes
    # train_results.json / all_results.json the same way): one record over the whole run
    summary = {"run_name": "./output", "train_runtime": 38738.2786, "train_samples_per_second": 4.13,
               "train_steps_per_second": 0.258, "train_loss": 0.8600688213944435, "epoch": 24.29}
    p = tmp_path / "metrics.json"
    p.write_text(json.dumps(summary))
    state = tmp_path / "trainer_state.json"
    state.write_text(json.dumps({"global_step": 10, "log_history": [{**summary, "step": 10}]}, indent=2))
    said = "(its aggregate train_loss 0.8601 is one number over the whole run, not a curve)"
    for path in (p, state):
        with pytest.raises(InputError) as exc:
            registry.read_path(path)
        assert said in str(exc.value)
        assert_one_line_error(runner, app, path)


def test_hf_log_lines_with_a_final_summary_still_read(tmp_path):
    # a JSONL of logged points whose last line is the summary: the points are a curve
    lines = [{"loss": 2.0 - 0.1 * i, "step": 10 * i, "epoch": i / 10} for i in range(1, 6)]
    lines.append({"train_runtime": 120.0, "train_loss": 1.7, "epoch": 0.5, "step": 50})
    run = read(tmp_path, "".join(json.dumps(r) + "\n" for r in lines), "log.jsonl")
    assert run.train_loss is not None and len(run.train_loss) >= 5


def test_csv_of_run_summaries_refused_as_a_table(tmp_path):
    p = tmp_path / "history.csv"
    p.write_text("Start,End,Best Matrix,Best M. At,Time,Time Taken,Memory Used\n"
                 "1,2,0.2619,1,143.09,0.0,2023:03:05 23:02:10\n"
                 "1,2,0.5833,2,291.54,0.0,2023:03:05 23:04:39\n"
                 "1,2,0.7103,1,240.53,0.0,466.5,2023:03:06 01:46:21")
    with pytest.raises(NotALog, match=r"a comma-separated table of 3 row\(s\) whose columns \(Start, End, Best Matrix"):
        registry.read_path(p)
    assert_one_line_error(runner, app, p)
