"""Console-log layouts that held-out reading survey 7 found refused or misread: hand-written print loops with epoch
markers lossdoc did not know (``[ (N ) Loss: ...]``, ``[N/M]: dloss: ..., gloss: ...``, ``[Fold k] Head En/m:``),
a Keras history printed as a Python dict, and GluonCV's SSD log of two loss terms on one line.

Every sample below is written here, in the layout of the print statement quoted beside it (never a copy of a log)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lossdoc.errors import InputError
from lossdoc.model import Run
from lossdoc.naming import gan_side, resolve
from tests import reading
from tests.reading import fresh_registry, lst  # noqa: F401 (fresh_registry: an autouse fixture)


def read_all(tmp_path: Path, data: bytes, name: str = "train.log") -> list[Run]:
    return reading.read_all(tmp_path, data, name)


def read(tmp_path: Path, data: bytes, name: str = "train.log") -> Run:
    return reading.read(tmp_path, data, name)


# MalConv (0x13enny/MalConv, main.py, train()): print("TP:%d, TN:%d, FP:%d, FN:%d" % (TP, TN, FP, FN)) then
# print('[ (%d ) Loss:  %.3f, train_Acc: %.5f, valid_Loss: %.3f, valid_Acc: %.5f]' % (epoch, ...)), run under nohup
# after an argparse Namespace print.
MALCONV = b"""Namespace(batch_size=64, cuda=True, lr=0.0003, max_epoch=100, resume_epoch=10, save_epoch=5)
TP:1500, TN:200, FP:30, FN:20
[ (0 ) Loss:  0.512, train_Acc: 0.91234, valid_Loss: 0.498, valid_Acc: 0.93100]
TP:1510, TN:205, FP:25, FN:10
[ (1 ) Loss:  0.471, train_Acc: 0.95012, valid_Loss: 0.466, valid_Acc: 0.95200]
TP:1512, TN:210, FP:20, FN:8
[ (2 ) Loss:  0.455, train_Acc: 0.96500, valid_Loss: 0.470, valid_Acc: 0.95900]
TP:1515, TN:212, FP:18, FN:5
[ (3 ) Loss:  0.448, train_Acc: 0.97001, valid_Loss: 0.472, valid_Acc: 0.96050]
"""


def test_malconv_bracketed_paren_epoch(tmp_path):
    run = read(tmp_path, MALCONV)
    assert run.format == "text"
    assert run.train_loss.name == "Loss" and run.val_loss.name == "valid_Loss"
    loss = run.series["Loss"]
    assert loss.values.tolist() == [0.512, 0.471, 0.455, 0.448]
    assert lst(loss.epochs) == [0, 1, 2, 3] and loss.axis == "epoch"
    assert run.series["valid_Loss"].values.tolist() == [0.498, 0.466, 0.470, 0.472]
    assert run.series["train_Acc"].role == "train_metric" and run.series["valid_Acc"].role == "val_metric"
    assert run.series["valid_Acc"].values[-1] == 0.9605
    # the settings in the Namespace line are no marker and no series
    assert not any(n in run.series for n in ("max_epoch", "resume_epoch", "lr"))


def test_paren_epoch_only_at_the_start_of_a_bracket(tmp_path):
    # "( 3 )" in prose is not a marker: a text of such lines alone is still not a log
    with pytest.raises(InputError, match="no training progress lines"):
        read(tmp_path, b"see note ( 3 ) loss: 0.5\nand ( 4 ) loss: 0.4\n")


# A CycleGAN script (buchuitoudegou/cycleGAN, main.py): print('[%3d/%3d]: dloss: %.4f, gloss: %.4f' % (epoch,
# epoches, dloss[-1], gloss[-1])), once an epoch, under nohup.
CYCLEGAN = b"""nohup: ignoring input
cuda available
[  0/200]: dloss: 0.0151, gloss: 3.2251
[  1/200]: dloss: 0.0371, gloss: 2.4280
[  2/200]: dloss: 0.0043, gloss: 2.1098
[  3/200]: dloss: 0.0112, gloss: 1.9875
[  4/200]: dloss: nan, gloss: 1.8012
"""


def test_gan_epoch_of_total_dloss_gloss(tmp_path):
    run = read(tmp_path, CYCLEGAN)
    g, d = run.series["gloss"], run.series["dloss"]
    assert lst(g.epochs) == [0, 1, 2, 3, 4] and g.axis == "epoch" and g.steps is None
    assert g.values.tolist() == [3.2251, 2.428, 2.1098, 1.9875, 1.8012]
    # the generator's loss is the train loss; the discriminator's beside it, never summed with it
    assert run.train_loss.name == "gloss"
    assert d.role == "train_loss" and d.values[0] == 0.0151 and math.isnan(d.values[-1])  # nan kept as data
    assert not any(s.derived for s in run.series.values())
    assert any("GAN losses" in n for n in run.notes)


def test_iteration_of_total_without_colon_is_still_a_step(tmp_path):
    # clovaai's deep-text-recognition-benchmark: f'[{iteration+1}/{opt.num_iter}] Train loss: ...': a step, not an epoch
    run = read(tmp_path, b"[1000/300000] Train loss: 0.91, Valid loss: 1.20, Elapsed_time: 10.5\n"
                         b"[2000/300000] Train loss: 0.52, Valid loss: 0.99, Elapsed_time: 20.9\n"
                         b"[3000/300000] Train loss: 0.40, Valid loss: 0.90, Elapsed_time: 31.2\n")
    assert lst(run.train_loss.steps) == [1000, 2000, 3000] and run.train_loss.epochs is None


def test_gan_side_names():
    assert gan_side("gloss") == "gen" and gan_side("dloss") == "dis"
    assert resolve("gloss").kind == "loss" and resolve("dloss").kind == "loss"


# A cross-validation script that trains each fold's head, then fine-tunes (print(f"[Fold {fold}] Head E{ep}/{n}:
# train_loss={tl:.4f} val_sumMSE={vl:.4f} (SBP={s:.4f}, DBP={d:.4f})"), CRLF line ends), one line printed twice.
FOLDS = (
    b"=== Training fold 0 ===\r\n"
    b"[Fold 0] Head E1/3: train_loss=4055.3845 val_sumMSE=390.1324 (SBP=281.1146, DBP=109.0178)\r\n"
    b"[Fold 0] Head E2/3: train_loss=481.5258 val_sumMSE=401.0500 (SBP=294.2093, DBP=106.8407)\r\n"
    b"[Fold 0] Head E3/3: train_loss=464.2508 val_sumMSE=339.7662 (SBP=242.9053, DBP=96.8609)\r\n"
    b"[Fold 0] Finetune E1/2: train_loss=392.4058 val_sumMSE=304.9141 (SBP=218.0173, DBP=86.8968)\r\n"
    b"[Fold 0] Finetune E2/2: train_loss=376.3994 val_sumMSE=304.9942 (SBP=218.5708, DBP=86.4234)\r\n"
    b"=== Training fold 1 ===\r\n"
    b"[Fold 1] Head E1/3: train_loss=4340.7691 val_sumMSE=372.0369 (SBP=267.9631, DBP=104.0738)\r\n"
    b"[Fold 1] Head E1/3: train_loss=4340.7691 val_sumMSE=372.0369 (SBP=267.9631, DBP=104.0738)\r\n"
    b"[Fold 1] Head E2/3: train_loss=500.8862 val_sumMSE=362.1963 (SBP=258.3057, DBP=103.8906)\r\n"
    b"[Fold 1] Head E3/3: train_loss=474.1648 val_sumMSE=352.1901 (SBP=249.9830, DBP=102.2071)\r\n"
    b"[Fold 1] Finetune E1/2: train_loss=380.1000 val_sumMSE=310.0000 (SBP=220.0000, DBP=90.0000)\r\n"
    b"[Fold 1] Finetune E2/2: train_loss=370.2000 val_sumMSE=300.0000 (SBP=215.0000, DBP=85.0000)\r\n"
)


def test_folds_and_phases_are_runs(tmp_path):
    runs = read_all(tmp_path, FOLDS, "train_history.txt")
    assert len(runs) == 4  # two folds, each a head phase and a fine-tuning phase
    assert [len(r.train_loss) for r in runs] == [3, 2, 3, 2]  # fold 1's line printed twice is one point
    first, third = runs[0], runs[2]
    assert first.train_loss.name == "train_loss" and first.train_loss.values.tolist() == [4055.3845, 481.5258, 464.2508]
    assert lst(first.train_loss.epochs) == [1, 2, 3] and first.train_loss.axis == "epoch"
    assert third.train_loss.values.tolist() == [4340.7691, 500.8862, 474.1648]
    assert runs[3].train_loss.values[-1] == 370.2
    assert runs[0].series["val_sumMSE"].role == "val_metric"
    assert all("Fold" not in r.series for r in runs)  # the tag is the phase's label, not a series
    assert "phase 'Fold 1 Finetune'" in " ".join(runs[3].notes)
    assert all("4 trainings in one log" in " ".join(r.notes) for r in runs)


def test_e_marker_needs_its_total_and_colon(tmp_path):
    # "E1" alone (a sample's id, a grade) is no epoch marker
    with pytest.raises(InputError, match="no training progress lines"):
        read(tmp_path, b"[Fold 0] Head E1 train_loss=3.0\n[Fold 0] Head E2 train_loss=2.0\n")


# Keras: print('train history:', history.history) after model.fit, then the test accuracy; Python's repr writes a
# non-finite float as a bare nan.
HISTORY = (
    b"train history: {'acc': [0.5696, 0.6110, 0.6398, 0.6815], 'loss': [1.0985, 0.9591, nan, 0.7865], "
    b"'val_acc': [0.55, 0.60, 0.62, 0.64], 'val_loss': [1.0501, 0.9702, 0.9100, inf]}\n"
    b" accuracy: 0.761905305191101\n"
)


def test_keras_history_printed_as_a_dict(tmp_path):
    run = read(tmp_path, HISTORY, "train_history.txt")
    assert run.format == "text"
    assert run.train_loss.name == "loss" and run.val_loss.name == "val_loss"
    loss = run.series["loss"]
    assert len(loss) == 4 and lst(loss.epochs) == [0, 1, 2, 3] and loss.axis == "epoch"
    assert loss.values[0] == 1.0985 and math.isnan(loss.values[2]) and loss.values[-1] == 0.7865
    assert math.isinf(run.series["val_loss"].values[-1])
    assert run.series["acc"].role == "train_metric" and run.series["val_acc"].values.tolist()[-1] == 0.64
    assert "accuracy" not in run.series  # the final test accuracy is no curve
    assert any("Keras history printed as a Python dict" in n for n in run.notes)


def test_history_dict_without_a_loss_is_not_a_log(tmp_path):
    with pytest.raises(InputError, match="no training progress lines"):
        read(tmp_path, b"train history: {'acc': [0.5, 0.6, 0.7]}\n", "h.txt")


def test_history_dict_cut_short_is_a_one_line_error(tmp_path, runner):
    from lossdoc.cli import app

    p = tmp_path / "train_history.txt"
    p.write_bytes(b"train history: {'acc': [0.5696, 0.6110], 'loss': [1.0985, 0.95\n")
    reading.assert_one_line_error(runner, app, p)


def test_history_dict_is_never_evaluated(tmp_path):
    # a call is no literal: literal_eval refuses it, and nothing runs
    with pytest.raises(InputError):
        read(tmp_path, b"train history: {'loss': [__import__('os').getpid()]}\n", "h.txt")


# GluonCV's scripts/detection/ssd/train_ssd.py: logger.info('[Epoch {}][Batch {}], Speed: {:.3f} samples/sec,
# {}={:.3f}, {}={:.3f}'.format(epoch, i, batch_size/(time.time()-btic), name1, loss1, name2, loss2)), the names from
# ce_metric (CrossEntropy) and smoothl1_metric (SmoothL1); a fork appends val_AP, behind a logging prefix.
SSD = b"".join(
    f"2020-08-31 14:5{e}:0{b // 50},644 - train_net.py[line:175] - INFO: [Epoch {e}][Batch {b}], Speed: 0.9{b} "
    f"samples/sec, CrossEntropy={3.0 - e - b / 100:.2e}, SmoothL1={0.5 - e / 10 - b / 1000:.2e}, val_AP=0.{e + 1}\n".encode()
    for e in range(3) for b in (0, 50)
)


def test_gluoncv_ssd_loss_terms_are_summed(tmp_path):
    run = read(tmp_path, SSD)
    ce, l1 = run.series["CrossEntropy"], run.series["SmoothL1"]
    assert ce.role == "train_loss" and l1.role == "train_loss"
    assert len(ce) == 6 and ce.axis == "step"
    total = run.train_loss
    assert total.derived and total.name == "train_loss (sum)"
    assert total.values[0] == pytest.approx(3.0 + 0.5) and total.values[-1] == pytest.approx(ce.values[-1] + l1.values[-1])
    assert any("sum of CrossEntropy, SmoothL1" in n for n in run.notes)
    assert run.series["val_AP"].role == "val_metric"


def test_smooth_l1_names_a_loss():
    for name in ("SmoothL1", "smooth_l1", "RPN_SmoothL1", "val/smooth_l1"):
        assert resolve(name).kind == "loss", name
    assert resolve("val/smooth_l1").split == "val"


def test_two_history_dicts_are_left_unread(tmp_path):
    # two fit() calls' histories printed one after the other: which is the run? Not guessed.
    with pytest.raises(InputError, match="no training progress lines"):
        read(tmp_path, b"train history: {'loss': [0.5, 0.4]}\ntrain history: {'loss': [0.3, 0.2]}\n", "h.txt")


# A recommender's train_history.txt, continued in chunks (survey 7's layout: the person heads each chunk with its
# epochs, "1-50", and each chunk's script numbers from 0 again): print(f"Epoch {epoch} finished, average loss
# {loss}, hits@10 {hits}"); a heading for a chunk not run yet ends the file.
def chunks(*heads: str, per: int = 4) -> bytes:
    out, k = [], 0
    for h in heads:
        out.append(f"{h}\n\n")
        for e in range(per):
            out.append(f"Epoch {e} finished, average loss {1.0 / (k + 1)}, hits@10 {0.05 * (k + 1)}\n")
            k += 1
        out.append("\n")
    return "".join(out).encode()


def test_run_continued_in_chunks_is_one_run(tmp_path):
    run = read(tmp_path, chunks("1-4", "4-8") + b"8-12\n", "train_history.txt")
    loss = run.series["average_loss"]
    assert run.train_loss is loss and len(loss) == 8
    assert lst(loss.epochs) == list(range(8)) and loss.axis == "epoch"
    assert loss.values[0] == 1.0 and loss.values[-1] == 1.0 / 8
    hits = run.series["hits@10"]
    assert hits.kind == "metric" and hits.higher_is_better is True and len(hits) == 8
    assert hits.values[-1] == pytest.approx(0.4)
    assert any("continued in 2 chunks headed '1-4', '4-8'" in n for n in run.notes)
    assert not any("restarts" in n for n in run.notes)


@pytest.mark.parametrize("heads", [("1-4", "10-20"), ("", "")])
def test_chunks_that_do_not_continue_are_a_restart_as_before(tmp_path, heads):
    # headings whose ranges do not follow one another, or no headings: the counter going back is a restart, the
    # latest segment kept (base.cut_restarts), as before
    run = read(tmp_path, chunks(*heads), "train_history.txt")
    loss = run.series["average_loss"]
    assert len(loss) == 4 and loss.values[0] == 1.0 / 5
    assert any("restarts" in n for n in run.notes)


def test_hits_at_k_names_a_metric():
    assert resolve("hits@10").kind == "metric" and resolve("hits@10").higher_is_better is True
    assert resolve("ndcg@5").higher_is_better is True


# PaddleRec's tools/trainer.py: logger.info("epoch: {}, batch_id: {}, ".format(epoch_id, batch_id) + metric_str +
# tensor_print_str + " avg_reader_cost: ...") per print_interval batches, and logger.info("epoch: {} done, ".format(
# epoch_id) + metric_str + tensor_print_str + " epoch time: {:.2f} s"), metric_str '{}:{:.6f}, ', tensor_print_str
# '{}:{},'; the shell session then runs tools/infer.py (the same lines, on the test data, for checkpoints 2..3).
def paddlerec(infer: bool) -> bytes:
    out = ["user@host:~/work/models/sign$ python -u ../../tools/trainer.py -m config.yaml\n"]
    for e in range(4):
        for b in (0, 500):
            out.append(f"2022-04-12 17:0{e}:1{b // 500},909 - INFO - epoch: {e}, batch_id: {b}, AUC:0.{70 + e * 5 + b // 500}"
                       f", ACC:0.{60 + e * 5}, loss:{0.5 - e * 0.1 - b / 10000:.4f}, avg_reader_cost: 0.00012 sec, "
                       "avg_batch_cost: 0.56199 sec, avg_samples: 1024.00000, ips: 1822.08655 ins/s\n")
        out.append(f"2022-04-12 17:0{e}:59,400 - INFO - epoch: {e} done, AUC:0.{80 + e}, ACC:0.{70 + e}, "
                   f"loss:{0.4 - e * 0.1:.4f}, epoch time: 1105.58 s\n")
        out.append(f"2022-04-12 17:0{e}:59,404 - INFO - Already save model in output_model_sign/{e}\n")
    if infer:
        out.append("\nuser@host:~/work/models/sign$ python -u ../../tools/infer.py -m config.yaml\n")
        for e in (2, 3):
            out.append(f"2022-04-12 23:19:0{e},577 - INFO - load model epoch {e}\n")
            out.append(f"2022-04-12 23:19:0{e},543 - INFO - epoch: {e}, batch_id: 0, AUC: 0.93{e},ACC: 0.89{e}, "
                       "avg_reader_cost: 0.00050 sec, avg_batch_cost: 0.00191 sec, avg_samples: 1024.00000, ips: 5.0 ins/s\n")
            out.append(f"2022-04-12 23:20:1{e},932 - INFO - epoch: {e} done, AUC: 0.94{e},ACC: 0.89{e}, epoch time: 71.35 s\n")
    return "".join(out).encode()


def test_evaluation_script_appended_after_training_is_left_out(tmp_path):
    run = read(tmp_path, paddlerec(infer=True))
    plain = read(tmp_path, paddlerec(infer=False), "plain.log")
    assert run.train_loss.name == plain.train_loss.name == "loss" and len(run.train_loss) == 8
    assert run.series["loss_epoch"].values.tolist() == [0.4, 0.3, 0.2, 0.1]
    for name in ("AUC", "ACC", "loss", "AUC_epoch", "ACC_epoch"):
        assert run.series[name].values.tolist() == plain.series[name].values.tolist(), name
    assert len(run.series["AUC"]) == 8 and run.series["AUC_epoch"].values[-1] == 0.83  # not the infer run's 0.943
    assert not any("resumed" in n or "restarts" in n for n in run.notes)
    assert any("evaluation script's run" in n and "infer.py" in n for n in run.notes)
    assert not any("evaluation script" in n for n in plain.notes)


def test_an_evaluation_run_alone_is_read_as_before(tmp_path):
    text = paddlerec(infer=True)
    alone = text[text.index(b"\nuser@host:~/work/models/sign$ python -u ../../tools/infer.py") + 1:]
    run = read(tmp_path, alone)
    assert not any("evaluation script" in n for n in run.notes)
    assert run.series["AUC"].values.tolist()[-1] == 0.943
