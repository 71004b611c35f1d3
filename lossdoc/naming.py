"""The one naming table: from a logged column or tag name to its role (split, kind, direction).

Every reader calls :func:`resolve`; no reader keeps its own list of names. Examples of what it understands:

    loss, train_loss, train/loss, epoch_loss, loss_step, training_loss     -> train loss
    val_loss, valid_loss, validation/epoch_loss, eval_loss, val/box_loss   -> val loss
    test_loss, test/acc                                                    -> test
    trloss, valloss, testloss_1, valacc (a split word glued to its quantity) -> train loss, val loss, test...
    accuracy, acc, val_accuracy, metrics/mAP50-95(B), eval_f1, top5       -> metric, higher is better
    mae, val_rmse, perplexity, error_rate, wer                            -> metric, lower is better
    lr, learning_rate, lr-Adam, lr/pg0                                    -> lr
    grad_norm, gradient_norm                                              -> grad_norm
    epoch, step, time, _runtime, samples_per_second                       -> other
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    split: str | None  # train | val | test | None (not a train/val/test quantity)
    kind: str  # loss | metric | lr | grad_norm | other
    higher_is_better: bool | None


#: Words that name a split when they are a whole folder or run name: Keras writes train/ and validation/,
#: tf.estimator eval/; TensorBoard's exports name runs "fit_2024_validation".
SPLIT_WORDS = {
    "train": "train",
    "training": "train",
    "validation": "val",
    "val": "val",
    "valid": "val",
    "eval": "val",
    "evaluation": "val",
    "test": "test",
}

# Split markers, checked as whole tokens at the start or end of the name (after normalising separators): the
# split words and a few abbreviations that only occur inside names.
# "validare" is the Romanian word for validation (a Romanian script's "-> validare 0.5589 nats"), a whole token only.
# "heldout": the held-out split a training loop evaluates on ("train=35.0026  heldout=26.8717"), the val split.
_SPLIT_TOKENS = {**SPLIT_WORDS, "trn": "train", "tr": "train", "dev": "val", "va": "val", "testing": "test",
                 "validare": "val", "heldout": "val"}

# A split word glued to the quantity it qualifies, with no separator, as one token (GraphmindDartmouth/DISGEN's
# main.py: print(f'Epoch: {epoch:02d}, trloss: {...}, trroc: ..., valloss: {...}, valacc: ..., testloss_1: ...')):
# read as the two tokens (tr + loss: the train loss; val + loss; test + loss). Only before a loss or a metric's word.
_GLUED_SPLIT = re.compile(
    r"(train|training|tr|trn|valid|val|eval|test|dev)(loss|losses|acc|accuracy|f1|auc|roc|mae|mse|rmse|ppl|err|error|iou)"
)

# Axis / bookkeeping columns: never a curve to diagnose.
_OTHER = re.compile(
    r"^(epoch|epochs|step|steps|global_?step|iter|iters|iteration|iterations|batch|batches|time|wall_?time|"
    r"timestamp|runtime|_?runtime|.*_runtime|.*samples_per_second|.*steps_per_second|.*_per_second|"
    # duration in French too ("Durée 300.3s"); "mem..." is memory unless it names a loss (a replay memory's
    # "mem avg. loss", online-continual-learning's)
    r"total_flos|flos|num_input_tokens_seen|.*tokens_seen|it_?s|s_?it|duration|dur[eé]e|elapsed|date|datetime|"
    r"created|index|unnamed.*|hp_metric|memory.*|mem(?!.*loss).*|gpu.*|cpu.*|"
    # detectron2 (data_time, eta_seconds), Megatron-LM ("loss scale", "consumed samples", "global batch size",
    # "number of skipped iterations", "TFLOPs", "throughput per GPU (TFLOP/s/GPU)", "tokens per gpu per second"),
    # Hugging Face / TRL / ms-swift stdout (num_tokens, tokens_per_gpu_per_sec, train_speed(s/it)), torchtune
    # (peak_memory_active, tokens_per_second_per_gpu), fairseq (wps, ups, wpb, bsz, gb_free, train_wall, wall,
    # ntokens, nsentences, num_updates, update: the fractional epoch)
    r".*_time|eta_.*|.*_seconds|loss_scale|consumed_.*|.*batch_size|.*seqlen|num_zeros|number_of_.*|tflops.*|"
    r"throughput.*|elapsed_.*|tokens_.*|(.*_)?num_tokens|peak_memory.*|.*_flos|.*_s_it|"
    r"wps|ups|wpb|bsz|gb_free|train_wall|wall|ntokens|nsentences|sample_size|num_updates|update)$"
)
# The last word of a count's name (GaitSet prints full_loss_num, the mean number of triplets whose loss is above 0).
_COUNT_TOKENS = {"num", "count", "cnt"}
_LR = re.compile(r"^(lr|learning_?rate|lr_.*|lr_pg\d+|lr_?[a-z]*|learning_?rate_.*|.*_lr)$")
_GRAD = re.compile(r"^(grad_?norm|gradient_?norm|total_?grad_?norm|grad_?norm_.*|.*grad_?norm|gnorm|.*_gnorm)$")
# smooth_l1: the box-regression term of a detector's loss (GluonCV's train_ssd.py logs '[Epoch {}][Batch {}], Speed:
# {:.3f} samples/sec, {}={:.3f}, {}={:.3f}' with its metrics' names, CrossEntropy and SmoothL1: the two terms of the
# SSD loss; Faster R-CNN's RPN_SmoothL1, RCNN_SmoothL1). cross_ent: ProtoPNet's log('\tcross ent: \t{0}'), the
# cross-entropy term of its loss. pierdere: the Romanian word for loss (a Romanian script's "pas 20 | pierdere 3.0124
# | lr ..."), a whole token only.
_LOSS = re.compile(r"(^|_)(loss|losses|nll|objective|cross_?entropy|cross_?ent|xent|ce|smooth_?l1|pierdere)(_|$)|loss")
# Metrics where higher is better / lower is better. Matched as tokens anywhere in the name.
_HIGHER = re.compile(
    r"(^|_)(acc|accuracy|top_?\d+|top\d+_acc.*|f1|f1_score|fbeta|auc|auroc|roc_auc|ap|map|map\d*|map50|"
    r"map50_95|map_50|map_75|precision|recall|prec|rec|iou|miou|dice|bleu|rouge\w*|r2|r_squared|"
    r"spearman\w*|pearson\w*|matthews\w*|mcc|kappa|exact_match|em|sensitivity|specificity|ndcg\w*|"
    r"hit\w*|mrr|psnr|ssim|score|fitness|reward|return|categorical_accuracy|sparse_categorical_accuracy|"
    r"binary_accuracy)(_|$)"
)
_LOWER = re.compile(
    r"(^|_)(mae|mse|rmse|msle|mape|smape|error|err|error_rate|perplexity|ppl|wer|cer|ter|bpc|bpd|"
    r"nll|kl|kld|fid|lpips|hinge|huber|logcosh|cosine_proximity|distance|dist)(_|$)"
)


@functools.lru_cache(maxsize=16384)  # a pure function of the name, asked for the same few names many times a run
def normalise(name: str) -> str:
    """Lower-case, strip, and fold separators ('/', '-', '.', ' ', parentheses, '@' of ``hits@10``) into '_'."""
    # camelCase words are words: TrainLoss, valAcc, learningRate (but not mAP50, AP, PPL)
    n = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", "_", name.strip().strip("\ufeff")).lower()
    n = re.sub(r"[\s/\-.:()\[\]@]+", "_", n)
    n = re.sub(r"_+", "_", n).strip("_")
    return n


def _strip_tokens(tokens: list[str]) -> tuple[str | None, list[str]]:
    """Pull a split marker off the front or back; also drop Lightning's _step/_epoch and Keras' epoch_ markers."""
    split = None
    toks = list(tokens)
    # Keras TensorBoard writes epoch_loss / batch_loss / evaluation_loss_vs_iterations.
    while toks and toks[0] in ("epoch", "batch", "metrics", "metric", "scalars", "scalar", "charts"):
        toks = toks[1:]
    while len(toks) > 1 and toks[-1] in ("step", "epoch", "mean", "avg", "b", "vs", "iterations"):
        toks = toks[:-1]
    if toks and toks[0] in _SPLIT_TOKENS:
        split = _SPLIT_TOKENS[toks[0]]
        toks = toks[1:]
    elif toks and toks[-1] in _SPLIT_TOKENS:
        split = _SPLIT_TOKENS[toks[-1]]
        toks = toks[:-1]
    else:
        for i, t in enumerate(toks):  # e.g. "loss/val" inside a longer tag, "eval_loss_vs_iterations"
            if t in _SPLIT_TOKENS and i > 0:
                split = _SPLIT_TOKENS[t]
                toks = toks[:i] + toks[i + 1 :]
                break
    # Lightning's per-step / per-epoch variants after the split was removed.
    while len(toks) > 1 and toks[-1] in ("step", "epoch"):
        toks = toks[:-1]
    return split, toks


def resolve(name: str, *, metric_split: str = "train", loss_split: str = "train") -> Role:
    """Resolve a column/tag name to its role.

    ``metric_split`` / ``loss_split`` give the split of an unprefixed metric or loss. They are "train" for most
    tools (Keras' ``accuracy`` is the train accuracy) but e.g. fastai computes its unprefixed metrics on the
    validation set, so its reader passes ``metric_split="val"``. A trailing ``(B)``/``(M)`` (Ultralytics box /
    mask) is ignored; Ultralytics' ``metrics/...`` columns are validation metrics.
    """
    raw = normalise(name)
    if not raw:
        return Role(None, "other", None)
    tokens = [t for t in raw.split("_") if t]
    if len(tokens[0]) >= 4 and (glued := _GLUED_SPLIT.fullmatch(tokens[0])):  # "trloss", "valacc", "testloss_1"
        tokens[:1] = glued.groups()
    is_metrics_group = tokens[0] in ("metrics", "metric") and len(tokens) > 1
    split, toks = _strip_tokens(tokens)
    core = "_".join(toks)
    if not core or _OTHER.match(core) or _OTHER.match(raw):
        return Role(None, "other", None)
    if toks[-1] in _COUNT_TOKENS or toks[0] in ("num", "count"):
        # a count ("full_loss_num": GaitSet's number of triplets with a non-zero loss, "num_correct", "loss_count"):
        # no loss nor a metric, whatever it counts; never summed into a total loss
        return Role(None, "other", None)
    if _GRAD.match(core):
        return Role(None, "grad_norm", False)
    if _LR.match(core) or _LR.match(raw):
        return Role(None, "lr", None)
    if _LOSS.search(core) or _GAN_TERMS.fullmatch(core) or _YOLO10_TERMS.fullmatch(core) or _GAN_TERMS.fullmatch("_".join(tokens[1:] if split and tokens[0] in _SPLIT_TOKENS else tokens)):
        return Role(split or loss_split, "loss", False)
    # "top1_err" is the top-1 error, not an accuracy: a name that ends in an error word is lower-is-better
    # whatever it measures the error of ("DiarizationErrorRate/Precision" ends in what it is, a precision).
    if _HIGHER.search(core) and toks[-1] not in ("err", "error", "errors"):
        return Role(split or ("val" if is_metrics_group else metric_split), "metric", True)
    if _LOWER.search(core):
        return Role(split or ("val" if is_metrics_group else metric_split), "metric", False)
    # An unknown name: a metric of unknown direction if it carries a split, else nothing we can use.
    if split is not None or is_metrics_group:
        return Role(split or "val", "metric", None)
    return Role(None, "other", None)


# ---------------------------------------------------------------------------------------------- the best so far
# A loop that keeps the best value so far prints or logs it beside the value itself (an early-stopping helper's
# print(f'min_loss:{self.min_loss}, max_f1:{self.max_f1}, val_loss:{val_loss}, val_f1:{val_f1}'); best_val_loss,
# best_val_dice_so_far columns): a running minimum or maximum, not the curve. The word says which way it runs: min /
# lowest of a loss or a lower-is-better metric, max / highest of a higher-is-better one, best of either. (A per-epoch
# minimum over the batches, "min_loss" beside "avg_loss" and "max_loss", has the same name: readers.base tells them
# apart by the values, which a running best never lets get worse.)
_BEST_WORDS = {"best": None, "min": "lower", "lowest": "lower", "max": "higher", "highest": "higher"}


def running_best(name: str) -> str | None:
    """"lower" or "higher" when the name says it may be the best value so far of a loss or a metric (``min_loss``,
    ``best_val_loss``, ``max_f1``, ``best_val_dice_so_far``): the way such a series can only move; else None
    (``max_margin_loss``, ``min_lr``, ``max_iter``, a name of no loss or metric)."""
    tokens = normalise(name).split("_")
    if len(tokens) < 2 or tokens[0] not in _BEST_WORDS:
        return None
    rest = "_".join(t for t in tokens[1:] if t not in ("so", "far"))
    role = resolve(rest)
    better = "lower" if role.kind == "loss" else None
    if role.kind == "metric" and role.higher_is_better is not None:
        better = "higher" if role.higher_is_better else "lower"
    word = _BEST_WORDS[tokens[0]]
    if better is None or (word is not None and word != better):
        return None
    if role.kind == "loss" and word == "lower" and not is_total_loss(rest):
        return None  # "min_margin_loss": a loss named for what it minimises, no running minimum
    return better


# ---------------------------------------------------------------------------------------------- GAN losses
# A GAN trains two networks against each other: the generator's loss falls when the discriminator's rises. Their
# losses are never parts of one total (summing them is a number no one optimises). The names tools give them:
# Chainer's DCGAN/EBGAN examples ``gen/loss``, ``dis/loss``; ``loss_g``/``loss_d``, ``G_loss``/``D_loss``,
# ``errG``/``errD`` and ``Loss_G``/``Loss_D`` (the PyTorch DCGAN tutorial), ``netG``/``netD``, ``generator_loss``;
# pytorch-CycleGAN-and-pix2pix's loss_log.txt names them without the word loss: CycleGAN ``D_A``, ``G_A``,
# ``cycle_A``, ``idt_A`` (and ``_B``), pix2pix ``G_GAN``, ``G_L1``, ``D_real``, ``D_fake`` (its models' loss_names);
# hand-written loops print ``dloss``/``gloss`` (print('[%3d/%3d]: dloss: %.4f, gloss: %.4f' % ...)).
# YOLOv10 (Ultralytics ``YOLOv10DetectionTrainer.loss_names``) names its loss parts without the word loss: box, cls
# and dfl of the one-to-many head (``box_om``) and of the one-to-one head (``box_oo``); its loss is their sum.
_YOLO10_TERMS = re.compile(r"(?:box|cls|dfl)_o[mo]")
_GAN_TERMS = re.compile(r"(?:d|g|cycle|cyc|idt)_[ab]|g_(?:gan|l1|vgg|feat)|d_(?:real|fake)")
_GEN_TOKENS = {"g", "gen", "generator", "netg", "errg", "lossg", "gloss", "cycle", "cyc", "idt"}
_DIS_TOKENS = {"d", "dis", "disc", "discriminator", "netd", "errd", "lossd", "dloss"}
# Two other networks trained side by side on separate objectives, whose losses are no parts of one total either:
# a WGAN's discriminator is its "critic" (``critic_loss`` beside ``gen_loss``: the critic's is a negated
# Wasserstein estimate, below zero by design); an actor-critic RL agent (AWR, SAC, TD3, DDPG: Stable-Baselines3's
# ``train/actor_loss``, ``train/critic_loss``) trains a critic (a value function, a regression loss that falls)
# and an actor (the policy, whose loss is a negated advantage-weighted return with no "lower is better" meaning).
# The critic is a GAN's discriminator beside a generator and the value network beside an actor.
_CRITIC_TOKENS = {"critic"}
_ACTOR_TOKENS = {"actor"}


def network_side(name: str) -> str | None:
    """Which of two separately trained networks a loss's name says it belongs to: "gen" or "dis" for a GAN's
    generator or discriminator (``gen/loss``, ``loss_D``, ``errG``, CycleGAN's ``D_A``/``cycle_B``), "critic" or
    "actor" for a WGAN's critic or an actor-critic agent's two networks (``critic_loss``, ``Actor_Loss``); None for
    a name that says none of these, or more than one. Only meaningful among a run's losses that name both networks
    of a pair (``base.add_component_sums``): alone, ``d`` or ``g`` says nothing."""
    tokens = set(normalise(name).split("_"))
    found = [side for side, words in (("gen", _GEN_TOKENS), ("dis", _DIS_TOKENS), ("critic", _CRITIC_TOKENS),
                                      ("actor", _ACTOR_TOKENS)) if tokens & words]
    return found[0] if len(found) == 1 else None


def gan_side(name: str) -> str | None:
    """"gen" or "dis" when a loss's name says it is a GAN's generator's or discriminator's (``network_side``: a
    WGAN's critic is its discriminator), else None. Only meaningful among a run's losses that name both sides."""
    side = network_side(name)
    return "dis" if side == "critic" else side if side in ("gen", "dis") else None


def is_bookkeeping(name: str) -> bool:
    """True for axis and bookkeeping columns (epoch, step, time, runtime, throughput, memory...): never a curve.

    Readers use it to leave such columns out of a run; an unknown name (a custom metric) is not bookkeeping.
    """
    raw = normalise(name)
    return bool(raw) and bool(_OTHER.match(raw))


#: Words that name a split and nothing else (with the abbreviations of _SPLIT_TOKENS, and "te" for test).
_BARE_SPLIT_WORDS = {**_SPLIT_TOKENS, "te": "test"}


def bare_split_loss(name: str) -> str | None:
    """For a bare split word printed with one number in a progress line ("ep 3 | tr 0.86 | va 0.56"): the name
    whose role it has, that split's loss (``va`` -> ``val_loss``); None for any other name."""
    split = _BARE_SPLIT_WORDS.get(normalise(name))
    return f"{split}_loss" if split else None


def bare_total_loss(name: str) -> str | None:
    """For a bare ``total`` printed on a log's progress lines where no other name says loss (FER_SSL's
    ``[epoch: 79/200, iter: 0/448] total: 0.8188``): the name whose role it has, the total loss; None for any other
    name. Beside a loss a ``total`` may be anything (a count, a sum of times): readers ask only when there is none."""
    return "total_loss" if normalise(name) == "total" else None


def file_names_a_metric(label: str) -> bool:
    """Whether a file's name says it holds a metric, not a loss (``accuracy.json``, ``val_f1_history.json``): then
    its bare ``train``/``val`` keys are not losses."""
    stem = normalise(label.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0])
    return any(w in stem for w in (*_RATE_WORDS, "metric", "score")) and "loss" not in stem


def bare_split_losses(names, label: str) -> dict[str, str]:
    """For a file of curves named only by their split (``{"train": [...], "val": [...]}``, a CSV ``epoch,train,val``):
    each bare split name -> the name whose role it has (that split's loss, ``bare_split_loss``), as a training loop
    saves its losses under the split's name. Empty when some name already names a loss, or when the file's name says
    it holds a metric (``accuracy.json``: its ``train``/``val`` are accuracies)."""
    names = [n for n in names if n]
    if any(resolve(n).kind == "loss" for n in names) or file_names_a_metric(label):
        return {}
    return {n: r for n in names if (r := bare_split_loss(n)) is not None}


def split_total_losses(names, label: str) -> dict[str, str]:
    """For a table whose columns are a split's parts and their total, named without "loss" (AmirrrezaZ/dish2calories,
    logs/losses.csv: ``epoch,train_total,val_total,train_cls,val_cls,train_mass,val_mass``): each ``<split>_total``
    -> that split's loss. Empty when some name already names a loss, when the file's name says it holds a metric,
    or when no ``train_total`` is among them."""
    names = [n for n in names if n]
    if any(resolve(n).kind == "loss" for n in names) or file_names_a_metric(label):
        return {}
    out = {}
    for n in names:
        head, _, tail = normalise(n).rpartition("_")
        if tail == "total" and (split := _BARE_SPLIT_WORDS.get(head)):
            out[n] = f"{split}_loss"
    return out if "train_loss" in out.values() else {}


def bare_split_note(bare) -> str:
    """The note a reader adds when it read bare split names as losses (``bare_split_losses``)."""
    return f"{', '.join(bare)}: bare split names read as that split's loss (name another series with --train / --val)"


def split_word(word: str) -> str | None:
    """The split a whole folder or run name stands for (``validation`` -> "val"), else None."""
    return SPLIT_WORDS.get(word.strip().lower())


def is_epoch_tag(tag: str) -> bool:
    """Keras' ``epoch_*`` tags (``epoch_loss``, ``validation/epoch_accuracy``) carry the epoch in their step."""
    return tag.rsplit("/", 1)[-1].lower().startswith("epoch_")


_RATE_WORDS = ("acc", "precision", "recall", "f1", "iou", "dice", "map", "auc")
# Shares named without any of those words: top-k accuracy written bare (``val_top1``, ``top-5``, ``top_5``), as
# ImageNet-style loops log it, in % as often as not; AUROC. Whole tokens, so that "stop", "laptop" stay out.
_RATE_TOKENS = re.compile(r"(^|_)(top_?\d+|auroc)(_|$)")


def is_rate(name: str) -> bool:
    """A metric that is a share (accuracy, top-k accuracy, precision, recall, F1, IoU, Dice, mAP, AUC, AUROC),
    which tools may log in %."""
    n = name.lower()
    return any(k in n for k in _RATE_WORDS) or _RATE_TOKENS.search(normalise(name)) is not None


#: Tools whose log names a curve by a bare word that says its role only in that tool: the name as logged -> a name
#: with that role (readers pass it to ``build_series(role_name=...)`` and keep the logged name). build-nanogpt's
#: ``log/log.txt`` writes ``<step> train <loss>``, ``<step> val <loss>`` and ``<step> hella <HellaSwag accuracy>``;
#: CatBoost's verbose output names its training set ``learn`` (and its eval set ``test``, a split word already).
FAMILY_NAMES: dict[str, dict[str, str]] = {
    "nanogpt-log": {"train": "train_loss", "val": "val_loss", "hella": "val_hellaswag_acc"},
    "catboost-log": {"learn": "train_loss"},
}


#: Name prefixes of the evaluation results a tool logs beside its training scalars, sometimes in the same record:
#: metrics on the held-out set. detectron2's evaluators flatten their results as "<task>/<metric>": COCO and LVIS
#: "bbox/AP", "segm/AP50", "keypoints/AP"; semantic and panoptic segmentation "sem_seg/mIoU", "panoptic_seg/PQ".
EVAL_PREFIXES: dict[str, tuple[str, ...]] = {
    "detectron2": ("bbox/", "segm/", "keypoints/", "sem_seg/", "panoptic_seg/"),
}


def is_eval_result(family: str, name: str) -> bool:
    """True when ``name`` is one of the evaluation results that ``family`` logs beside its training scalars."""
    return name.startswith(EVAL_PREFIXES.get(family, ()))


#: The whole words a split is written as in a tool's own series names ("validation lm loss" in Megatron-LM).
SPLIT_LONG_WORDS = {"train": "training", "val": "validation", "test": "test"}

#: fairseq's own names for its training records and its default validation subset.
FAIRSEQ_TRAIN_TAGS = ("train_inner", "train")
FAIRSEQ_VALID_TAG = "valid"


def family_role_name(family: str, name: str) -> str | None:
    """The name whose role a tool's bare word has (``FAMILY_NAMES``), or None when the word is not special."""
    return FAMILY_NAMES.get(family, {}).get(name)


# ---------------------------------------------------------------------------------------------- loss variants
# One quantity is often logged several ways: Lightning's ``train_loss_step`` and ``train_loss_epoch``, Keras'
# ``loss`` and TensorBoard's ``epoch_loss``, a total beside its components. These say which names are the same
# quantity and how finely each is logged, so that a run can keep every variant and a rule can ask for the one
# it needs.

_SPLIT_PREFIXES = ("train_", "training_", "val_", "valid_", "validation_", "eval_", "test_", "epoch_", "batch_")
# "Loss/total_loss": the TensorFlow Object Detection API's total beside its "Loss/..." components. "All Loss" /
# ``loss_all``: the loss of all the terms together (``loss_all = loss_a + loss_b``), printed beside its parts as a total
# is (``Step: 0, All Loss: 38.2, Smooth Loss: 17.8, Unpen Loss: 17.8``).
_TOTAL_NAMES = ("loss", "total_loss", "loss_total", "objective", "loss_total_loss", "all_loss", "loss_all")


#: An evaluation subset written as one tag before the quantity: a split word joined to a qualifier by "-" or ".",
#: as fairseq names its validation subsets after their manifests (``dev-other_loss``, ``test-clean_wer``,
#: ``valid.ood/loss``). The quantity follows after "_" or "/".
_SUBSET = re.compile(
    r"^\s*((?:dev|valid|validation|val|eval|test)[-.][A-Za-z0-9][A-Za-z0-9.-]*)(?=[_/])", re.IGNORECASE
)


def loss_subset(name: str) -> str | None:
    """The evaluation subset a series name carries (``dev-other`` in ``dev-other_loss``), else None. Losses on
    different subsets are the same quantity measured on different data: never parts of one total."""
    m = _SUBSET.match(name)
    return m.group(1).lower() if m else None


@functools.lru_cache(maxsize=16384)
def loss_base(name: str) -> str:
    """The quantity a loss name measures, without its split, subset and granularity markers:
    ``train_loss_step``, ``train_loss_epoch``, ``loss`` and ``dev-other_loss`` are all ``loss``;
    ``val/box_loss`` is ``box_loss``."""
    name = name.removesuffix(" (sum)")
    m = _SUBSET.match(name)
    if m:
        name = name[m.end() :]
    base = normalise(name)
    for prefix in _SPLIT_PREFIXES:
        base = base.removeprefix(prefix)
    for suffix in ("_avg", "_mean", "_epoch", "_step", "_train", "_val"):  # an epoch mean's marker goes first
        base = base.removesuffix(suffix)
    return base


def is_total_loss(name: str) -> bool:
    """A plain total loss (``loss``, ``train_loss_epoch``, ``total_loss``), not one component of it."""
    return loss_base(name) in _TOTAL_NAMES


def granularity_marker(name: str) -> str | None:
    """"step" or "epoch" when the name says how often it is logged (Lightning's ``_step``/``_epoch`` suffixes,
    Keras' ``epoch_``/``batch_`` TensorBoard prefixes), else None."""
    n = normalise(name.removesuffix(" (sum)"))
    for prefix in _SPLIT_PREFIXES[:-2]:  # train/batch_loss, validation/epoch_loss: the split comes first
        n = n.removeprefix(prefix)
    if n.endswith("_step") or n.startswith("batch_"):
        return "step"
    if n.endswith("_epoch") or n.startswith("epoch_"):
        return "epoch"
    return None


def is_epoch_running_mean(name: str) -> bool:
    """Keras' ``batch_loss`` (TensorBoard ``update_freq='batch'``): the mean of the epoch so far, reset at each
    epoch, not the loss of one batch; it is no finer than ``epoch_loss``, only noisier at each epoch's start."""
    n = normalise(name)
    for prefix in _SPLIT_PREFIXES[:-2]:
        n = n.removeprefix(prefix)
    return n.startswith("batch_")


#: Error measures a regression model is fitted to, in the order they are preferred as the loss of a log that
#: names no loss at all (``train_mse``/``val_mse`` of a Lightning regression module): the squared, then the
#: absolute errors. Rates (error_rate, wer) and perplexity are not among them: they are not what is minimised.
_FITTED_ERRORS = ("mse", "rmse", "mae", "msle")


def fitted_error(name: str) -> str | None:
    """The fitted error measure a metric's name says it is (``val_rmse_epoch`` -> "rmse"), else None."""
    tokens = re.split(r"[^a-z0-9]+", normalise(name))
    return next((e for e in _FITTED_ERRORS if e in tokens), None)


def fitted_error_rank(error: str) -> int:
    return _FITTED_ERRORS.index(error)
