"""Real logs that strangers committed to public repositories, read in place from ``../shared/real-logs`` (never
copied into the project): detectron2, MMEngine, fairseq, Megatron-LM, Hugging Face Trainer stdout, an OLMo
key=value log and build-nanogpt's log.txt. Each case must agree with the counts that ``cases.csv`` made
independently of lossdoc (runs, loss series, points of the main train loss, any NaN/Inf); where lossdoc reads the
file differently, ``DIFFERENCES`` says what the file itself shows and who is right.
"""

from __future__ import annotations

import csv

import pytest

import lossdoc
from tests.conftest import real_logs

REAL = real_logs()

FORMAT = {  # cases.csv's format names -> lossdoc's
    "detectron2": "detectron2",
    "mmengine": "mmengine",
    "fairseq": "fairseq",
    "megatron": "megatron",
    "hf_stdout_dict": "hf-stdout",
    "nanogpt_log": "nanogpt-log",
    "kv_log": "text",
}

# cases.csv names fairseq's series "<logger tag>.<key>"; lossdoc keeps the key as logged.
_FAIRSEQ_TAGS = ("train_inner.", "train.")

# Where lossdoc's reading differs from cases.csv, and why (each checked in the file itself).
DIFFERENCES: dict[str, dict[str, set[str]]] = {
    # The file has 25 "[dev-other][INFO] - {...}" and 25 "[dev-clean][INFO] - {...}" lines: fairseq's validation
    # summaries, tagged with the subset, keys prefixed with it ("dev-other_loss": "7.58"). cases.csv counted only
    # the train_inner and train lines, so it misses these validation losses: lossdoc is right to read them. The
    # first subset (dev-other, the one fairseq selects checkpoints on) is named valid_* (see toollogs.py).
    "41_fairseq_hydra_hubert_pretrain": {
        "extra": {"valid_loss", "valid_loss_m_0", "valid_loss_u_0", "valid_loss_features_pen",
                  "dev-clean_loss", "dev-clean_loss_m_0", "dev-clean_loss_u_0", "dev-clean_loss_features_pen"},
    },
    # 220 "[dev-other][INFO] - {"epoch": 1, "dev-other_loss": "393.849", ...}" lines, one per epoch in each of the
    # four trainings: the validation loss that cases.csv left out. lossdoc is right.
    "43_fairseq_hydra_thubert_ft_stage4": {"extra": {"valid_loss", "valid_nll_loss"}},
    # The only "train_loss" is in the Trainer's final summary dict ({'train_runtime': ..., 'train_loss': '1.218',
    # ...}): the mean loss over the whole training, one number, not a curve. cases.csv counts it as a loss series;
    # lossdoc keeps it as run metadata (summary/train_loss), as its trainer_state.json reader does. A matter of
    # definition: the number is read either way.
    "33_hfdict_swift_gemma_tqdm": {"missing": {"train_loss"}},
    "45_hfdict_qwen3_qlora_tqdm": {"missing": {"train_loss"}},
    "49_hfdict_classic_lm_eval": {"missing": {"train_loss"}},
}

MINE = [
    "01_detectron2_medwaste",
    "03_detectron2_maskrcnn_coco",
    "05_detectron2_ghailen",
    "53_detectron2_smn_3runs_appended",
    "25_mmengine_mmdet_ear_keypoints",
    "27_mmengine_mmpose_camp",
    "29_mmengine_mmpretrain_fruit",
    "41_fairseq_hydra_hubert_pretrain",
    "43_fairseq_hydra_thubert_ft_stage4",
    "31_megatron_ds_qwen7b_500it",
    "51_megatron_lm_correctness_15it",
    "33_hfdict_swift_gemma_tqdm",
    "45_hfdict_qwen3_qlora_tqdm",
    "49_hfdict_classic_lm_eval",
    "47_kv_olmo_multiline_blocks",
    "39_nanogpt_build_log_smaller",
]


def _cases() -> dict[str, dict[str, str]]:
    if REAL is None:
        return {}
    with open(REAL / "cases.csv", newline="") as fh:
        return {row["case"]: row for row in csv.DictReader(fh)}


CASES = _cases()


@pytest.mark.parametrize("case", MINE)
def test_real_log_reads_as_cases_csv_says(case):
    row = CASES[case]
    runs = lossdoc.read(REAL / row["path_to_pass_to_lossdoc"])
    described = [r.describe() for r in runs]
    assert {r.format for r in runs} == {FORMAT[row["format"]]}, described
    assert len(runs) == int(row["runs_expected"]), described

    expected = {n.removeprefix(_FAIRSEQ_TAGS[0]).removeprefix(_FAIRSEQ_TAGS[1]) for n in row["loss_series"].split(";")}
    diff = DIFFERENCES.get(case, {})
    expected = (expected - diff.get("missing", set())) | diff.get("extra", set())
    found = {s.name for r in runs for s in r.series.values() if s.kind == "loss" and not s.derived}
    assert found == expected, described

    # "points" = rows of the main train-loss series, summed over the runs of the file.
    assert all(r.train_loss is not None for r in runs), described
    assert sum(len(r.train_loss) for r in runs) == int(row["points"]), described

    nonfinite = sum(s.nonfinite for r in runs for s in r.series.values())
    assert (nonfinite > 0) == (row["has_nan"] == "yes"), described


def test_the_cases_are_all_in_cases_csv():
    assert set(MINE) <= set(CASES)


def test_appended_trainings_are_runs_of_their_own():
    """detectron2 case 53: three trainings appended to one metrics.json (iteration 19 three times)."""
    runs = lossdoc.read(REAL / CASES["53_detectron2_smn_3runs_appended"]["path_to_pass_to_lossdoc"])
    assert [r.name for r in runs] == [f"metrics.json (run {i} of 3)" for i in (1, 2, 3)]
    assert [len(r.train_loss) for r in runs] == [15, 15, 50]
    assert all(r.train_loss.steps[0] == 19 for r in runs)
    assert "3 trainings appended" in runs[0].notes[0]


def test_detectron2_eval_rows_are_validation_metrics():
    # SOURCES.md says "1 eval row"; the file has three ({"bbox/AP": ..., "iteration": 99|199|300}), the last with
    # "bbox/APs": NaN (no small objects in the eval set): the file is right.
    run = lossdoc.read(REAL / CASES["05_detectron2_ghailen"]["path_to_pass_to_lossdoc"])[0]
    ap = run.series["bbox/AP"]
    assert ap.role == "val_metric" and len(ap) == 3
    assert run.series["bbox/APs"].nonfinite == 3


def test_mmengine_val_rows_numbered_by_epoch_line_up_with_train_steps():
    # case 29: val rows {"accuracy/top1": 24.375, ..., "step": 1} follow the train row of epoch 1 (step 96).
    run = lossdoc.read(REAL / CASES["29_mmengine_mmpretrain_fruit"]["path_to_pass_to_lossdoc"])[0]
    top1 = run.series["accuracy/top1"]
    assert top1.role == "val_metric" and top1.epochs[0] == 1 and top1.steps[0] == 96
    assert top1.values.max() <= 1.0  # logged in %, rescaled


def test_megatron_validation_and_hf_summary():
    run = lossdoc.read(REAL / CASES["31_megatron_ds_qwen7b_500it"]["path_to_pass_to_lossdoc"])[0]
    val = run.series["validation lm loss"]
    # Six validation lines, two of them at iteration 500 (the periodic one and a final "on 160-sample draw from
    # validation set"): five points, the later reading kept at 500.
    assert val.steps.tolist() == [100, 200, 300, 400, 500] and val.values[-1] == pytest.approx(6.335348)
    assert run.val_loss.name == "validation lm loss" and run.lr is not None and run.grad_norm is not None
    hf = lossdoc.read(REAL / CASES["45_hfdict_qwen3_qlora_tqdm"]["path_to_pass_to_lossdoc"])[0]
    assert hf.meta["summary/train_loss"] == pytest.approx(1.3628681462714476)
    assert len(hf.series["eval_loss"]) == 8


def test_olmo_blocks_read_with_thousands_separators():
    run = lossdoc.read(REAL / CASES["47_kv_olmo_multiline_blocks"]["path_to_pass_to_lossdoc"])[0]
    loss = run.series["train/CrossEntropyLoss"]
    assert loss.steps[:3].tolist() == [1, 2, 3] and loss.values[0] == pytest.approx(2.998)
    assert run.grad_norm is not None and run.grad_norm.name == "optim/total_grad_norm"
