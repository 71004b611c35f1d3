"""Stable-Baselines3's console tables (consolelogs.py, ``sb3-console``). The tables are written here by ``sb3_table``,
which follows stable_baselines3/common/logger.py, class HumanOutputFormat, method ``write`` (SB3 2.x):
    keys sorted; floats f"{value:<8.3g}", other values str(value); a key "tag/name" adds the row (tag, "") once and
    is written as "   " + name; keys and values cut by _truncate to max_length 36 (string[: 33] + "...");
    dashes = "-" * (key_width + val_width + 7); each row f"| {key}{key_space} | {value}{val_space} |"; lines =
    [dashes, *rows, dashes], written with "\\n".join(lines) + "\\n".
EvalCallback (stable_baselines3/common/callbacks.py) records eval/mean_reward, eval/mean_ep_length and
time/total_timesteps (exclude="tensorboard") and dumps; it prints "Eval num_timesteps=..., episode_reward=... +/- ..."
before. The messy parts (a table cut at the start of the file, one cut at its end, NaN/inf values, other prints
between tables, two trainings appended) are the shapes real stdout captures have."""

from __future__ import annotations

import math

import pytest

from lossdoc.cli import app
from lossdoc.readers.consolelogs import Sb3ConsoleReader
from tests.reading import fresh_registry, lst, read, read_all  # noqa: F401 (fresh_registry: an autouse fixture)


def _truncate(s: str, max_length: int = 36) -> str:
    return s[: max_length - 3] + "..." if len(s) > max_length else s


def sb3_table(values: dict[str, object]) -> str:
    """One HumanOutputFormat.write, as SB3 writes it."""
    key2str: dict[tuple[str, str], str] = {}
    tag = ""
    for key, value in sorted(values.items()):
        value_str = f"{value:<8.3g}" if isinstance(value, float) else str(value)
        if key.find("/") > 0:
            tag = key[: key.find("/") + 1]
            key2str[(tag, _truncate(tag))] = ""
        if len(tag) > 0 and tag in key:
            key = str("   " + key[len(tag):])
        key2str[(tag, _truncate(key))] = _truncate(value_str)
    key_width = max(len(k) for _, k in key2str)
    val_width = max(len(v) for v in key2str.values())
    dashes = "-" * (key_width + val_width + 7)
    lines = [dashes]
    for (_, key), value in key2str.items():
        lines.append(f"| {key}{' ' * (key_width - len(key))} | {value}{' ' * (val_width - len(value))} |")
    lines.append(dashes)
    return "\n".join(lines) + "\n"


def ppo_record(t: int, loss: float, rew: float, it: int) -> dict[str, object]:
    return {
        "rollout/ep_len_mean": 200.0, "rollout/ep_rew_mean": rew,
        "time/fps": 812, "time/iterations": it, "time/time_elapsed": 3 * it, "time/total_timesteps": t,
        "train/approx_kl": 0.0071, "train/clip_fraction": 0.05, "train/clip_range": 0.2,
        "train/entropy_loss": -1.2 + it / 100, "train/explained_variance": 0.4, "train/learning_rate": 0.0003,
        "train/loss": loss, "train/n_updates": 10 * it, "train/policy_gradient_loss": -0.006,
        "train/value_loss": 2 * loss,
    }


def ppo_log() -> str:
    """A PPO stdout capture that starts inside a table (the head of the file lost), with an evaluation between."""
    cut = sb3_table(ppo_record(2048, 0.9, 10.0, 1)).splitlines(keepends=True)
    text = "".join(cut[5:])  # starts at a row of the first table: no dashed line above it
    for it, (loss, rew) in enumerate([(0.8, 12.0), (0.7, 15.0), (math.nan, 18.0), (0.5, math.inf)], start=2):
        text += sb3_table(ppo_record(2048 * it, loss, rew, it))
        if it == 3:
            text += "Eval num_timesteps=6144, episode_reward=21.00 +/- 3.00\nEpisode length: 200.00 +/- 0.00\n"
            text += sb3_table({"eval/mean_ep_length": 200.0, "eval/mean_reward": 21.0, "time/total_timesteps": 6144})
    return text


def test_ppo_tables_names_roles_axis_and_cut_first_table(tmp_path):
    run = read(tmp_path, ppo_log(), "ppo_stdout.log")
    assert run.format == "sb3-console"
    assert sorted(run.series) == [
        "eval/mean_ep_length", "eval/mean_reward", "rollout/ep_len_mean", "rollout/ep_rew_mean",
        "train/approx_kl", "train/clip_fraction", "train/clip_range", "train/entropy_loss",
        "train/explained_variance", "train/learning_rate", "train/loss", "train/policy_gradient_loss",
        "train/value_loss",
    ]  # time/* and train/n_updates are bookkeeping; no "train/loss (sum)"
    loss = run.series["train/loss"]
    assert lst(loss.steps) == [4096, 6144, 8192, 10240] and loss.axis == "step"
    assert loss.values[0] == 0.8 and math.isnan(loss.values[2]) and loss.values[-1] == 0.5
    assert run.train_loss is loss and run.val_loss is None
    assert run.series["train/value_loss"].role == "train_loss" and not any(s.derived for s in run.series.values())
    rew = run.series["rollout/ep_rew_mean"]
    assert (rew.role, rew.higher_is_better) == ("train_metric", True)
    assert rew.values[-1] == math.inf and lst(rew.values[:3]) == [12.0, 15.0, 18.0]
    ev = run.series["eval/mean_reward"]
    assert (ev.role, ev.higher_is_better) == ("val_metric", True)
    assert lst(ev.steps) == [6144] and lst(ev.values) == [21.0]
    assert run.series["train/learning_rate"].role == "lr"
    assert any("starts inside a table" in n for n in run.notes)
    assert any("train loss is train/loss" in n for n in run.notes)


def test_a2c_and_sac_losses_are_not_summed(tmp_path):
    a2c = "".join(sb3_table({"time/total_timesteps": 500 * i, "train/entropy_loss": -1.0, "train/policy_loss": 0.1 * i,
                             "train/value_loss": 3.0 / i, "rollout/ep_rew_mean": 5.0 * i}) for i in range(1, 5))
    run = read(tmp_path, a2c, "a2c.log")
    assert run.train_loss.name == "train/value_loss" and lst(run.train_loss.values) == [3.0, 1.5, 1.0, 0.75]
    assert not any(s.derived for s in run.series.values())
    sac = "".join(sb3_table({"time/episodes": 4 * i, "time/total_timesteps": 1000 * i, "train/actor_loss": -5.0 * i,
                             "train/critic_loss": 0.5 / i, "train/ent_coef": 0.1, "train/ent_coef_loss": -0.2,
                             "train/n_updates": 900 * i}) for i in range(1, 4))
    run = read(tmp_path, sac, "sac.log")
    assert run.train_loss.name == "train/critic_loss" and lst(run.train_loss.steps) == [1000, 2000, 3000]
    assert not any(s.derived for s in run.series.values()) and "time/episodes" not in run.series


def test_two_trainings_and_a_table_cut_at_the_end(tmp_path):
    first = "".join(sb3_table(ppo_record(2048 * i, 1.0 / i, 1.0, i)) for i in range(1, 4))
    second = "".join(sb3_table(ppo_record(2048 * i, 2.0 / i, 1.0, i)) for i in range(1, 3))
    cut = "".join(sb3_table(ppo_record(6144, 0.1, 1.0, 3)).splitlines(keepends=True)[:8])
    runs = read_all(tmp_path, first + second + cut, "runs.log")
    assert [len(r.series["train/loss"]) for r in runs] == [3, 2]
    assert lst(runs[1].series["train/loss"].values) == [2.0, 1.0]
    assert any("no closing dashed line" in n for n in runs[1].notes)


def test_sniff_takes_sb3_tables_only():
    r = Sb3ConsoleReader()
    assert r.sniff(("Using cpu device\n" + sb3_table(ppo_record(2048, 0.5, 1.0, 1))).encode(), None)
    others = (
        "| epoch | loss |\n|---|---|\n| 1 | 0.5 |\n",  # a Markdown table
        "-----------------\n| loss   | 0.5  |\n-----------------\n",  # no section row
        "|   AP   |  AP50  |\n|:------:|:------:|\n| 40.1   | 60.2   |\n",  # detectron2's evaluation table
        "-------------\n| train/ |   |\n",  # a section row shorter than the dashes: not SB3's
    )
    for other in others:
        assert not r.sniff(other.encode(), None), other


def test_markdown_table_is_not_taken(tmp_path):
    run = read(tmp_path, "| epoch | loss | val_loss |\n|---|---|---|\n| 1 | 0.9 | 1.0 |\n| 2 | 0.8 | 0.9 |\n"
                         "| 3 | 0.7 | 0.85 |\n", "results.md")
    assert run.format != "sb3-console" and len(run.series["loss"]) == 3


@pytest.mark.parametrize("text", [
    sb3_table({"rollout/ep_rew_mean": "n/a", "time/total_timesteps": 10}),  # no numeric series
    "".join(sb3_table(ppo_record(2048, 0.9, 10.0, 1)).splitlines(keepends=True)[1:]),  # only a cut table
])
def test_malformed_is_one_line_error(runner, tmp_path, text):
    p = tmp_path / "sb3_stdout.log"
    p.write_text(text)
    res = runner.invoke(app, ["inspect", "--input-format", "sb3-console", str(p)])
    assert res.exit_code == 2 and p.name in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.output


def test_tables_without_timesteps_are_numbered(tmp_path):
    text = "".join(sb3_table({"custom/score": float(i), "train/loss": 1.0 / i}) for i in range(1, 4))
    run = read(tmp_path, text, "custom.log")
    assert lst(run.series["train/loss"].steps) == [1, 2, 3] and run.train_loss.name == "train/loss"
    assert any("numbered 1, 2" in n for n in run.notes)
