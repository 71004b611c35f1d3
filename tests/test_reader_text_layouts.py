"""Plain-text layouts real logs have that the text reader read wrongly or not at all: Keras verbose=2 epoch lines
without a count (TF1-era Keras), glog/absl and ``LEVEL:logger:`` prefixes, the TensorFlow Object Detection API's
pprint'ed loss dicts, OpenNMT-py's validation lines, and marker-less lines (one per epoch).

The samples in ``tests/data/text_layouts/`` are written by hand in the layout of each tool's own format strings,
named in each test."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lossdoc.cli import app
from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.readers import registry

DATA = Path(__file__).parent / "data" / "text_layouts"


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_READERS", None)
    yield
    registry._READERS = None


def read_file(path: Path) -> Run:
    runs = registry.read_path(path, None)
    assert len(runs) == 1
    return runs[0]


def read(tmp_path: Path, text: str, name: str = "train.log") -> Run:
    p = tmp_path / name
    p.write_text(text)
    return read_file(p)


def values(run: Run, name: str) -> list:
    return run.series[name].values.tolist()


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or math.isclose(x, y) for x, y in zip(a, b))


def lst(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


# ------------------------------------------------------------------------------------------ Keras verbose=2
# TF1-era Keras / tf.keras Progbar.update, verbose == 2 (keras/utils/generic_utils.py):
#     info = ' - %.0fs' % (now - self._start) ... for k in self._values_order: info += ' - %s:' % k;
#     info += ' %.4f' % avg if avg > 1e-3 else ' %.4e' % avg; info += '\n'
# (no "current/target" count before it: that came with TF 1.14+/TF2's `count = ('%' + str(numdigits) + 'd/%d')`).


def test_keras_tf1_verbose2_epoch_lines_without_a_count():
    run = read_file(DATA / "keras_tf1_verbose2.log")
    assert run.format == "text"
    assert same(values(run, "loss"), [0.5123, 0.4123, 9.8765e-04, math.nan])  # %.4e below 1e-3; NaN kept
    assert same(values(run, "val_loss"), [0.6012, 0.5512, 0.7012, math.nan])
    assert lst(run.series["loss"].epochs) == [0, 1, 2, 3]  # "Epoch 1/4" is epoch 0
    assert run.series["loss"].axis == "epoch"
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    assert run.series["val_acc"].role == "val_metric"
    assert any("0-based" in n for n in run.notes)


def test_keras1_verbose2_line_starts_with_the_time(tmp_path):
    # Keras 1.x Progbar, verbose == 2: info = '%ds' % (now - self.start), then ' - %s:' % k per value.
    text = "".join(f"Epoch {e}/3\n{e}s - loss: {1 / e:.4f} - acc: {0.5 + e / 10:.4f}\n" for e in (1, 2, 3))
    run = read(tmp_path, text)
    assert same(values(run, "loss"), [1.0, 0.5, 0.3333])
    assert lst(run.series["acc"].epochs) == [0, 1, 2]


def test_keras_tf2_verbose2_with_epoch_and_step_times():
    # tf.keras 2.11+ Progbar, verbose == 2: count + ' - %.0fs' then the values, then
    # info += " -" + self._format_time(time_per_epoch, "epoch") and " -" + ..._format_time(avg_time_per_step, ...).
    run = read_file(DATA / "keras_tf2_verbose2.log")
    assert values(run, "loss") == [0.2981, 0.1422, 0.1068]
    assert values(run, "val_accuracy") == [0.955, 0.9662, 0.9701]
    assert run.val_loss.name == "val_loss" and run.series["val_loss"].axis == "epoch"


@pytest.mark.parametrize("times", ["1s - 20ms/step", "1s 20ms/step"])
def test_keras3_verbose2_spacing_variants(tmp_path, times):
    # Keras 3 Progbar, verbose == 2: info = f"{count} - {now - self._start:.0f}s" and
    # info += f" -{self._format_time(time_per_unit, self.unit_name)}" (the verbose=1 bar writes "1s 20ms/step").
    text = "".join(f"Epoch {e}/3\n32/32 - {times} - accuracy: 0.{e}000 - loss: {1 / e:.4f} - val_loss: nan\n"
                   for e in (1, 2, 3))
    run = read(tmp_path, text)
    assert same(values(run, "loss"), [1.0, 0.5, 0.3333])
    assert same(values(run, "val_loss"), [math.nan] * 3)
    assert run.series["accuracy"].role == "train_metric"


def test_keras_tf1_truncated_last_line_is_skipped(tmp_path):
    text = (DATA / "keras_tf1_verbose2.log").read_text().rsplit("\n", 2)[0] + "\n - 2s - loss: 0.31"
    run = read(tmp_path, text)
    assert same(values(run, "loss"), [0.5123, 0.4123, 9.8765e-04])  # the cut epoch 4 is not read as 0.31
    assert any("no line end" in n and "Keras" in n for n in run.notes)


# ------------------------------------------------------------------------------------------ glog / absl prefixes
# absl-py's logging prefix: '%c%02d%02d %02d:%02d:%02d.%06d %5d %s:%d] ' (level letter, month, day, time, thread id,
# file:line); Python's logging.basicConfig format '%(levelname)s:%(name)s:%(message)s' ("INFO:tensorflow:...").


def test_absl_prefix_is_not_read_as_series():
    run = read_file(DATA / "absl_prefixed.log")
    assert set(run.series) == {"loss", "acc"}  # not I0101, train.py, W0101 or data.py
    assert same(values(run, "loss"), [0.91, 0.81, math.nan, 0.71])
    assert lst(run.series["loss"].steps) == [100, 200, 300, 400]
    assert run.train_loss.name == "loss"


def test_glog_year_prefix_and_python_logging_prefix(tmp_path):
    text = (
        "I20240101 10:00:01.123456 1234 trainer.cc:88] iter 10 loss=2.5\n"
        "INFO:root:iter 20 loss=2.0\n"
        "I20240101 10:00:03.123456 1234 trainer.cc:88] iter 30 loss=1.5\n"
    )
    run = read(tmp_path, text)
    assert set(run.series) == {"loss"}
    assert values(run, "loss") == [2.5, 2.0, 1.5] and lst(run.series["loss"].steps) == [10, 20, 30]


# --------------------------------------------------------------------------- TensorFlow Object Detection API
# research/object_detection/model_lib_v2.py (train_loop):
#     tf.logging.info('Step {} per-step time {:.3f}s'.format(global_step.value(), time_taken / ...))
#     tf.logging.info(pprint.pformat(logged_dict_np, width=40))
# logged twice with --alsologtostderr (Python logging's "INFO:tensorflow:" and absl's "I1012 ... model_lib_v2.py:705]");
# values are NumPy scalars (np.float32(...) in their repr under NumPy 2).


def test_tf_object_detection_api_loss_dicts():
    run = read_file(DATA / "tf_od_api.log")
    assert set(run.series) == {"Loss/classification_loss", "Loss/localization_loss", "Loss/regularization_loss",
                               "Loss/total_loss", "learning_rate"}
    total = run.series["Loss/total_loss"]
    assert lst(total.steps) == [100, 200, 300, 400]  # each dict at the step of the line before it, once
    assert same(total.values.tolist(), [1.2537961, 0.52436864, 0.5041513, math.nan])
    assert run.train_loss.name == "Loss/total_loss"  # the total, not a component nor a sum of all four
    assert not any(s.derived for s in run.series.values())
    assert run.series["learning_rate"].role == "lr"
    assert total.axis == "step"


@pytest.mark.parametrize("where", ["'Loss/regularization_loss': 0.15524068", "{'Loss/classification_loss': nan"])
def test_tf_object_detection_api_truncated_dict_is_skipped(tmp_path, where):
    text = (DATA / "tf_od_api.log").read_text()
    cut = text[: text.index(where) + 12]  # inside step 400's first dict, on a later line or on its first
    run = read(tmp_path, cut)
    assert lst(run.series["Loss/total_loss"].steps) == [100, 200, 300]
    assert any("no line end" in n and "dict" in n for n in run.notes)


def test_old_od_api_single_line_step_loss(tmp_path):
    # Older model_lib_v2: 'Step {} per-step time {:.3f}s loss={:.3f}'.
    text = "".join(
        f"I1203 12:00:0{i}.000000 12345 model_lib_v2.py:705] Step {i * 100} per-step time 0.412s loss={1 - i / 10:.3f}\n"
        for i in (1, 2, 3)
    )
    run = read(tmp_path, text)
    assert set(run.series) == {"loss"}
    assert values(run, "loss") == [0.9, 0.8, 0.7] and lst(run.series["loss"].steps) == [100, 200, 300]


def test_a_dict_far_from_any_step_line_is_not_read(tmp_path):
    text = "step 1 loss=0.9\nstep 2 loss=0.8\nstep 3 loss=0.7\nsaving\nloading\ndone\nbye\n{'loss': 5.0, 'x': 1}\n"
    run = read(tmp_path, text)
    assert values(run, "loss") == [0.9, 0.8, 0.7]


# ------------------------------------------------------------------------------------------ OpenNMT-py
# onmt/utils/statistics.py Statistics.output: "Step %s; acc: %6.2f; ppl: %5.2f; xent: %4.2f; lr: %7.5f;
# %3.0f/%3.0f tok/s; %6.0f sec" (step_fmt "%s/%5d"); onmt/utils/report_manager.py _report_step:
# 'Validation perplexity: %g' and 'Validation accuracy: %g'; logger format "[%(asctime)s %(levelname)s] %(message)s".


def test_opennmt_validation_lines_give_a_val_loss():
    run = read_file(DATA / "opennmt.log")
    assert run.train_loss.name == "xent"
    assert same(values(run, "xent"), [7.09, 5.71, 4.61, 3.92, math.nan, math.nan])
    val = run.series["val_xent"]
    assert run.val_loss.name == "val_xent" and val.role == "val_loss"
    assert lst(val.steps) == [100, 200, 300]  # the step of the last Step line before each validation
    assert same(val.values.tolist(), [math.log(250.3), math.log(60.25), math.nan])
    assert same(values(run, "val_ppl"), [250.3, 60.25, math.nan]) and run.series["val_ppl"].role == "val_metric"
    assert run.series["val_acc"].role == "val_metric" and values(run, "val_acc")[0] == pytest.approx(0.221)
    assert any("val_xent is ln(val_ppl)" in n for n in run.notes)


def test_opennmt_fork_validation_xent_at_step(tmp_path):
    # Forks (PreSumm's report_manager): self.log('Validation xent: %g at step %d' % (valid_stats.xent(), step)).
    lines = []
    for s in (100, 200, 300):
        lines.append(f"[2024-01-01 10:00:00,000 INFO] Step {s}/ 1000; acc:  50.00; ppl: 20.00; xent: {3 - s / 200:.2f}; "
                     "lr: 0.00100;  1000/ 1000 tok/s;     10 sec")
        lines.append(f"[2024-01-01 10:00:00,000 INFO] Validation xent: {3.1 - s / 250:g} at step {s}")
    run = read(tmp_path, "\n".join(lines) + "\n")
    assert values(run, "val_xent") == pytest.approx([2.7, 2.3, 1.9]) and lst(run.series["val_xent"].steps) == [
        100, 200, 300]
    assert run.val_loss.name == "val_xent" and not any("ln(val_ppl)" in n for n in run.notes)


def test_opennmt_truncated_validation_line_is_skipped(tmp_path):
    text = (DATA / "opennmt.log").read_text()
    cut = text[: text.rindex("Validation perplexity: nan")] + "Validation perplexity: 1"
    run = read(tmp_path, cut)
    assert lst(run.series["val_xent"].steps) == [100, 200]
    assert any("no line end" in n and "OpenNMT" in n for n in run.notes)


# ------------------------------------------------------------------------------------------ marker-less lines
# d2l's train_ch6 prints f'loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}'; scripts print
# such a line once per epoch, without the epoch number.


def test_marker_less_lines_one_per_epoch():
    run = read_file(DATA / "bare_d2l.log")
    assert set(run.series) == {"loss", "train_acc", "test_acc"}
    assert same(values(run, "loss"), [0.812, 0.512, math.nan, 0.312])
    assert lst(run.series["loss"].epochs) == [0, 1, 2, 3] and run.series["loss"].axis == "epoch"
    assert run.train_loss.name == "loss" and run.series["test_acc"].role == "test_metric"
    assert any("one line per epoch" in n for n in run.notes)


def test_marker_less_train_and_val_loss():
    run = read_file(DATA / "bare_train_val.log")
    assert run.train_loss.name == "train_loss" and run.val_loss.name == "val_loss"
    assert values(run, "val_loss") == [0.95, 0.85, 0.75, 0.78]
    assert lst(run.series["val_loss"].epochs) == [0, 1, 2, 3]


def test_marker_less_truncated_last_line_is_skipped(tmp_path):
    run = read(tmp_path, (DATA / "bare_train_val.log").read_text().replace("Done.\n", "") + "train loss 0.3, val l")
    assert values(run, "train_loss") == [0.91, 0.71, 0.51, 0.41]
    assert any("no line end" in n for n in run.notes)


@pytest.mark.parametrize(
    "text",
    [
        "train loss 0.9, val loss 0.95\ntrain loss 0.7, val loss 0.85\n",  # two lines: too few
        "train loss 0.9, val loss 0.95\ntrain loss 0.7\ntrain loss 0.5, val loss 0.75\ntrain loss 0.4, val loss 0.7\n",
        "Chapter 1\nChapter 2\nChapter 3\nChapter 4\n",  # no loss, no metric
        "We trained for 3 days with loss 0.5 and the model\ngot accuracy 0.9 on the test set.\n",
    ],
    ids=["two-lines", "different-names", "no-curve-name", "prose"],
)
def test_marker_less_lines_that_are_not_one_per_epoch_are_not_read(tmp_path, text):
    with pytest.raises(NotALog, match="not a training log"):
        read(tmp_path, text)


def test_marker_less_layout_only_when_nothing_else_matches(tmp_path):
    text = "epoch 1 loss=0.9\nepoch 2 loss=0.8\nepoch 3 loss=0.7\nloss 5.0, acc 0.1\nloss 5.0, acc 0.1\nloss 5.0, acc 0.1\n"
    run = read(tmp_path, text)
    assert values(run, "loss") == [0.9, 0.8, 0.7] and "acc" not in run.series


# ------------------------------------------------------------------------------------------ errors
def test_keras_epoch_headers_without_values_are_one_line_exit_2(runner, tmp_path):
    path = tmp_path / "train.log"
    path.write_text("Epoch 1/3\n - 2s\nEpoch 2/3\n - 2s\nEpoch 3/3\n - 1s\n")
    with pytest.raises(InputError):
        read_file(path)
    r = runner.invoke(app, ["analyze", str(path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0] and "Traceback" not in r.output


def test_od_api_dict_that_is_not_python_is_one_line_exit_2(runner, tmp_path):
    path = tmp_path / "train.log"
    path.write_text("".join(f"INFO:tensorflow:Step {s} per-step time 0.1s\nINFO:tensorflow:{{'Loss/total_loss': "
                            f"__import__('os').system('true'),\n 'learning_rate': 0.1}}\n" for s in (100, 200, 300)))
    r = runner.invoke(app, ["analyze", str(path)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and path.name in lines[0] and "Traceback" not in r.output


# ---------------------------------------------------------------------------------------------- evaluation lines


def test_pytorch_mnist_example_test_set_lines_are_the_held_out_curve(tmp_path):
    # pytorch/examples mnist/main.py: train() prints 'Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}', test()
    # prints '\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n' after each epoch.
    lines = []
    for epoch in range(1, 6):
        for b in range(0, 60000, 12800):
            lines.append(f"Train Epoch: {epoch} [{b}/60000 ({100.0 * b / 60000:.0f}%)]\tLoss: {2.3 / (epoch + b / 6e4):.6f}")
        lines.append(f"\nTest set: Average loss: {0.5 / epoch:.4f}, Accuracy: {9000 + 150 * epoch}/10000 "
                     f"({(9000 + 150 * epoch) / 100:.0f}%)\n")
    p = tmp_path / "mnist.log"
    p.write_text("\n".join(lines) + "\n")
    run = read_file(p)
    assert run.val_loss is not None and run.val_loss.name == "test_loss"
    assert run.val_loss.values.tolist() == [0.5, 0.25, 0.1667, 0.125, 0.1]
    assert run.val_loss.epochs.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert run.series["test_Accuracy"].values[0] == pytest.approx(0.915)  # 9150/10000, not 9150
    assert run.train_loss.name == "Loss"


def test_validation_line_after_step_lines_keeps_nan_as_data(tmp_path):
    # yunjey/pytorch-tutorial's 'Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}' lines, and a validation line a script
    # prints after each epoch.
    lines = []
    for e in range(1, 5):
        lines += [f"Epoch [{e}/4], Step [{s}/20], Loss: {1.0 / (e + s / 20):.4f}" for s in (5, 10, 15, 20)]
        lines.append(f"Validation loss: {'nan' if e > 2 else 0.9 / e:}, accuracy: {70 + e:.2f} %")
    p = tmp_path / "output.txt"
    p.write_text("\n".join(lines) + "\n")
    run = read_file(p)
    v = run.val_loss
    assert v is not None and v.name == "val_loss" and len(v) == 4
    assert v.values[0] == 0.9 and math.isnan(v.values[2]) and math.isnan(v.values[3])


def test_evaluation_line_needs_a_loss_and_a_training_line_before_it(tmp_path):
    p = tmp_path / "log.txt"
    train = "".join(f"Epoch {e}: loss {0.5 / e:.3f}\n" for e in range(1, 6))
    p.write_text(train + "Validation accuracy: 0.9\nValidation loss decreased (0.52 --> 0.41). Saving model ...\n")
    run = read_file(p)
    assert run.val_loss is None and "val_accuracy" not in run.series
    p.write_text("Validation loss: 0.5\nValidation loss: 0.4\n")  # no training line before them: not a log
    with pytest.raises(NotALog):
        read_file(p)
