"""Plain-text stdout of a training script, and the fallback for every text log no other reader claims.

Shapes understood:

- Keras progress output: an ``Epoch 3/20`` line followed by progress lines such as
  ``32/32 - 0s - 5ms/step - accuracy: 0.8612 - loss: 0.4123 - val_loss: 0.52`` (verbose=2) or the redrawn bar of
  verbose=1 (``\\r`` and ``\\b`` from redrawing). Only the final, complete progress line of each epoch counts.
  TF1-era Keras (and Keras 1) print verbose=2 without the count: `` - 2s - loss: 0.5123 - acc: 0.8100``.
  ``Epoch N/M`` is Keras' 1-based display of epoch N-1; epochs are stored 0-based, as Keras' CSVLogger writes them.
  A log whose ``Epoch N/M`` lines no Keras progress line follows (``Epoch 1/30``, ``LR: 0.001``, tqdm bars, then
  ``Train Loss: 2.4997, Val Loss: 2.4865``) is read with the shapes below: ``Epoch N/M`` is a plain epoch marker
  (stored as written) heading a block, and a tqdm bar between a marker and its values does not end the block.
- Lines that carry an epoch/step/iter marker and ``name[:=] number`` pairs: nanoGPT's
  ``step 500: train loss 1.8712, val loss 1.9843``, ``iter 100: loss 2.31, time 45ms``,
  ``Epoch 3 | train_loss=0.41 val_loss=0.52``, ``[epoch 3] loss: 0.41 acc: 0.86``, and Python-logging lines
  (``2024-05-01 12:00:03 INFO epoch=3 train_loss=0.41``: the marker is looked for after the level), and compact
  lines (``ep 3 | tr 0.41 | va 0.52``: ``ep`` marks the epoch; a bare split word printed with one number is that
  split's loss, ``naming.bare_split_loss``; the word for epoch in French, Spanish, Portuguese, Italian, German,
  Serbian, Romanian marks it too, accents optional, whole words only: ``Ép 1 | train 2.83 | val 2.15 | Acc 0.87 | Durée
  300.3s``, ``époque``, ``época``, ``epoca``, ``epocă``, ``Epoche``, ``Epoha``; ``Durée`` is a duration; Romanian's
  ``pas`` marks the step: ``pas   120 | pierdere 0.5676 | lr 4.00e-03 | |g|  1.59 |   20.0s``, ``|g|`` the
  gradient norm, then ``-> validare 0.5589 nats = 0.8064 biti/caracter``, the validation loss at that step, its bits
  per character no series), and PyTorch's tutorial lines ``[2,  2000] loss: 1.234`` (epoch, batch
  within it: the batch counts on across epochs), and ``Epoch 3: 0.412`` (a marker and one unnamed number: the
  loss), and CLU's LoggingWriter lines after absl's prefix, ``[100] learning_rate=0.001, train_loss=0.5`` (Flax
  examples; the bracketed number is the step). The marker's number is stored as written. A value redrawn on the
  same epoch/step (tqdm) keeps its last reading. A line with an epoch marker, no step, and a batch counter
  (``ep: 0, batch: 100, ..., loss: 9.12``, ``Epoch [1/10], Batch [100/600], Loss: ...``) is a point at that step
  when the counter rises from line to line within an epoch (its epoch kept; a counter that starts again at each
  epoch is counted on across epochs), not a redraw of the epoch's value; so is PyTorch's word_language_model
  ``| epoch   1 |   200/ 2983 batches | ... | loss  6.95``. Beside such lines, what is printed once an epoch is the
  epoch's: metrics under only the last batch line of each epoch, named for no split (``F1 score: 0.91``), are the
  evaluation's (``val_F1_score``, at that epoch), and an epoch summary line naming a series the batch lines name
  (``Epoch  1 | Time 1041.3 sec | Train Acc 21.8 | Train Loss 0.678 | Valid Loss 0.618``) keeps it as
  ``Train_Loss_epoch`` beside the per-batch ``Train_Loss``, as Lightning's train_loss_step/_epoch pair. Separate
  lines with the same epoch, the same names and no counter (``epoch:  0 loss:  0.686`` once per batch; PyTorch's
  MNIST example ``Train Epoch: 1 [640/60000 (1%)]\tLoss: 0.31``) are separate points numbered on the step axis in
  file order, their epoch kept, while the lines of an epoch follow one another (``Epoch N: Training Loss = x`` for
  N = 1..10 three times over is a run restarted twice, not three batches an epoch); only a redraw keeps the last
  reading: a ``\\r`` within one physical line, a tqdm bar's lines, a line printed twice.
  In a ``[Losses: x 0.27, ..., total 15.1, recall: 0.1]`` group (PyTorch-YOLOv3) the names are losses
  (``x_loss``..., ``total_loss``) unless they say what they are.
- clovaai deep-text-recognition-benchmark / EasyOCR's trainer: ``[20000/300000] Train loss: 0.30092, Valid loss:
  1.49355, Elapsed_time: 1935.9`` (the step: the iteration), then ``Current_accuracy : 60.039, Current_norm_ED :
  0.8185`` (read as ``val_accuracy``, ``val_norm_ED``); its ``Best_*`` line and prediction table are not read.
- ``name is value`` pairs (EAST: ``classify loss is 0.92, angle loss is 0.65, iou loss is 5.87`` printed during a
  batch, then ``Epoch is [1/600], mini-batch is [1/1600], time consumption is 1.3, batch_loss is 13.3``): " is "
  separates as ":" does; loss parts on a line of their own go with the marker line that follows.
- Blocks: a marker line (``Epoch 3``, OLMo's ``[step=12/15000,epoch=0]``, PointNet-style ``-----3------``) followed by lines that hold nothing but
  ``name: value`` / ``name=value`` pairs (indented or not, thousands separators allowed: ``2,097,152``; a duration
  such as ``time: 15m 1s`` or ``train time: 818.81 [s]`` among them, or on a line of its own, is dropped); the block
  ends at the next line that is neither. A marker between full-width brackets alone on its line (``【1/100】``) is
  ``Epoch 1/100``. A held-out split
  word before the marker (``Test Epoch: 5 ...`` then ``    ave: 87.35``) names the block's values (``test_ave``);
  a ``Saving checkpoint: 10`` line is not a value. A rule under the marker line (``----------``) does not end the
  block, and a phase word leading a body line names the split of each of its values (the torchvision fine-tuning
  tutorial's ``Epoch 3/24``, ``----------``, ``train Loss: 0.41 Acc: 0.86``: ``train_Loss``, ``train_Acc``). A split
  word alone on its line inside a block names the split of the pairs below it, and a stage word alone before the
  block's first pair is passed over (ProtoPNet's ``epoch: \t0``, ``\twarm``, ``\ttrain``, ``\tcross ent: \t4.84``...,
  ``\ttest``, its pairs again: ``cross_ent``, ``test_cross_ent``).
- Logging prefixes are not data: glog/absl's ``I1203 12:00:00.123456 12345 model_lib_v2.py:705]`` and Python
  logging's ``INFO:tensorflow:`` are dropped before a line is read. A prefix alone on its line (``2024-05-26
  16:46:10 - INFO - train.py - 128 - ``: a message that starts with a line break) is passed over, and its message
  on the next line read as any line (``EPOCH 3 of 30`` then ``EPOCH loss: 0.45``: an epoch marker, ``of 30`` its
  total, never a series ``of``; then the epoch's loss).
- A ``{'name': value, ...}`` dict that names a loss, printed (over one or several lines) right after a marker
  line, holds that step's values (read with ``ast.literal_eval``): the TensorFlow Object Detection API's
  ``Step 100 per-step time 0.38s`` then ``{'Loss/classification_loss': 0.41,`` ... ``'Loss/total_loss': 0.9,``
  ``'learning_rate': 0.01}`` (``Loss/total_loss`` is the train loss).
- OpenNMT-py: after its ``Step 50/100000; acc: ...; ppl: ...; xent: ...`` lines (xent: the train loss),
  ``Validation perplexity: X`` is read at the step of the last Step line as ``val_ppl`` and as the val loss
  ``val_xent`` = ln(X) (a note says so); ``Validation accuracy: X`` as ``val_acc``; forks' ``Validation xent: X at
  step N`` as ``val_xent``.
  Its first trainer's ``Epoch  1,   100/ 1056; acc: ...; ppl: X; ...`` lines (also NMTGMinor's): the batch after the
  epoch's comma is a point on the step axis (counted on across epochs), and ``xent`` = ln(X) the train loss (a note).
- An evaluation line with no marker of its own, printed within a few lines after a line with one: PyTorch's MNIST
  example's ``Test set: Average loss: 0.0330, Accuracy: 9890/10000 (99%)``, a tutorial's ``Validation loss: 0.41,
  accuracy: 88.2 %``, also after a sentence ending in "is" (``The result of ResNet18 with Adam is test acc: 76.82%,
  loss: 0.6848``): its values are named for the split (``test_loss``, ``test_Accuracy``: 0.989, the count over
  the total; ``val_loss``) at the epoch of that line (its step when it has no epoch), when one of them is a loss.
  So is a line whose label is written in Chinese before the name (``整体测试集上的Loss: 6.46``, "on the whole test
  set": ``test_loss``; ``...正确率: 0.97``: ``test_accuracy``; a full-width colon allowed) when the label says a
  held-out split (测试 test, 验证 validation). PyTorch's ReduceLROnPlateau verbose line (``Epoch 00016: reducing
  learning rate of group 0 to 5.0000e-03.``) is an event, not a series.
- Train and val lines told apart only by a leading split word, after an epoch's marker line: ``Train. Total Loss:
  1.60, Rec.: 1.46, ...`` then ``Val. Total Loss: 1.79, ...`` (after ``Epoch: 0, Loss: 1.60``), ``  Train Loss: 0.0056,
  ACC: ...`` then ``  Val   Loss: ...``: the train line of such a pair is read as the evaluation line after it is,
  named for the train split (``train_Total_Loss``), and its loss is the train loss (a note says so). Indented
  ``  Batch 50/295, Loss: ...`` lines under an ``Epoch 1/2 (lr=0.01000)`` line are that epoch's batches (the finer train
  curve), as are ``count: 50, loss:675.150940: `` lines under ``INFO:root:train epoch: 0`` (a leading ``count``: the
  batch); Python warnings (``...py:424: UndefinedMetricWarning: ...`` and its source line) are passed over. A held-out
  split word leading a marker line's values (``[Epoch: 05] Valid acc: 0.2988 | loss: 2.0462``) names each of them
  that names no split of its own (``Valid_loss``: the val loss, not the train loss printed again); a split word set
  apart from the first name by spaces, aligning a train and a val line (``[Epoch 000] Train  loss=0.2490  acc=...``
  then ``[Epoch 000] Val    loss=0.2175  ...``), names each value of its line, train too (``Train_loss``, ``Val_loss``). Python logging's
  logger name after the level (``09-02 20:39:12 - INFO - __main__ - ...``) is prefix.
- ``T_`` / ``V_`` prefixes name the train and val split only as a pair, a ``T_x`` and a ``V_x`` of the same name on
  one line (``Epoch:   1 | T_Loss 11.061 | T_acc 0.111 | V_Loss   nan | V_acc.   nan``: ``T_Loss`` the train loss,
  ``V_Loss`` the val loss, never summed); the names are kept, their roles are those of ``train_Loss``, ``val_Loss``.
  Alone, ``V_`` names no split (a voltage, a velocity).
- Per-batch lines of several trainings appended to one log (``Epoch 1, Batch 2300, Loss: 1.0155`` for epochs 1..3,
  then from ``Epoch 1, Batch 0`` again): one point per line on the step axis, the counter counted on across the
  epochs of each training, the latest training kept (``finish_run``), with a note. reid-strong-baseline's
  ``Epoch[1] Iteration[50/436] Loss: 148.527, Acc: 0.012, Base Lr: 3.82e-05``: per-iteration points (an epoch and a
  step marker); two such lines with a loss are a log even after a long config dump.
- A word before an epoch marker is a phase label, never a series (``Fine-Tune Epoch 2/3: 100%|...``, also before a
  dash: ``SqueezeNet - Epoch 0/49``). Two trainings
  pasted into one log, the second labelled (``Epoch 5 | Train Loss: ...`` then ``Fine-Tune Epoch 1 | Train Loss:
  ...``: the label changes where the epoch goes back), are read as two runs, with a note; a counter going back with
  no new label goes to ``base.finish_run``, as for every reader: back inside the range, a run resumed from a
  checkpoint, spliced; back to the start, another training, the latest segment kept.
- A bare epoch marker with an ellipsis (``Meta epoch 3...``, a MAML trainer's Python logging) heads a block
  (``Meta batch loss: 149.2``: ``Meta_batch_loss``, the train loss). An evaluation line under such a marker
  (``- Eval metrics : batch_loss: 1429.586 ; joint_goal_accuracy: 0.137``: ``val_batch_loss``...) is followed by
  the evaluation's own lines of pairs, read as its block (``Average Evaluation Loss: 1429.6``, named as written;
  ``Joint goal accuracy: 0.13``: ``val_Joint_goal_accuracy``); a val loss named as the average
  (``Average_Evaluation_Loss``) is the val loss, not the metrics line's ``batch_loss`` nor ``Total eval loss``
  (a note says so). Such a block printed again at the same epoch with the same names and other values (every
  training appended to the log starts at ``Meta epoch 0...``) is a training started again: the latest kept, with a
  note, as where the counter goes back.
- Train and val lines told apart by a prefix before the marker: a tag naming one split (``[Train] Epoch 001: loss =
  0.0193`` and ``[Diff-Val(Test-Normal)] Epoch 001 (Deterministic): loss = 0.0072``: ``Val_loss``, the val loss;
  ``[val] epoch:0 miou:0.20``: ``val_miou``), or a split word, a summary word may follow (Demucs' ``- Train | Epoch 1 |
  286/573 | 1.46 it/sec | Loss 0.2158 | ...``: per batch, the ``N/M`` between bars the batch counter; ``- Train Summary
  | Epoch 1 | Loss=0.2019 | ...``: ``Loss_epoch``; ``- Valid | Epoch 1 | 1/3 | ... | Loss 0.2545``: the evaluation's
  progress, a running reading of that epoch's ``Valid_Loss``, which its ``- Valid Summary | Epoch 1 | Loss=0.2223 |
  ...`` line after it sets; its ``Best=`` (the best so far) and ``Bname=main`` are no series). A count before a
  marker word is a setting, not a marker (``Total Epoch:300 Image_size:(256, 256) Training num:288``). A time of day
  is never a value (``Epoch 0 @ 10:27 PM : ...``, ``22:27:05``); values printed before their names on a marker line
  that holds no ``name: value`` pair (``Epoch 0 @ 10:27 PM : 0.9816 C.E. Loss, 94.28% Accuracy``) are read when each
  names a loss or a metric of known direction and one a loss. ``Episode 3/10 | ... | Loss: 1.71`` marks a step as
  ``iter`` does (a session starting again at episode 1: a restart, the latest kept). A bare ``total`` on the progress
  lines of a log that names no other loss (``[epoch: 79/200, iter: 0/448] total: 0.8188``) is the train loss (a note
  says so); ``Validation accuracy: 0.585`` alone on its line after an epoch's lines, printed every epoch (not once at
  the end), is the val metric ``val_accuracy``.
- Hand-written epoch markers at the start of a line: MalConv's ``[ (0 ) Loss:  0.382, train_Acc: 0.948, valid_Loss:
  0.361, valid_Acc: 0.977]`` (``( N )`` in brackets the epoch) and ``[  0/200]: dloss: 0.0151, gloss: 3.2251`` (``[N/M]``
  and a colon: the epoch of M; a GAN's ``gloss``/``dloss`` are the generator's and the discriminator's losses,
  ``naming.gan_side``), and ``1/10 epoch G_loss : 3.14, D_loss : 0.27`` (a DCGAN example's loss.log: ``N/M`` then
  the word ``epoch``, the epoch N of M). ``E<n>/<m>:`` after a label (``[Fold 0] Head E1/6: train_loss=... val_sumMSE=...`` then
  ``[Fold 0] Finetune E1/10: ...``) marks the epoch where no other marker is; the tag and the word before it
  (``Fold 0 Head``) are the phase's label, so each fold's phase is one run (the pasted-trainings path above).
- Cross-validation: a fold named on the epoch lines (``[Fold 1 Ep 001] tr_loss=...``) labels its phase (one run per
  fold, never a ``Fold`` series; the fold's ``Fold 1 done: best_AUC=...`` summary no series); folds named on lines of
  their own (``Fold 0, k=20: test_map = ...``) where the counter goes back: the latest training kept, with a note.
  Nested loops' ``epoch_out: 0, epoch_in: 3, loss: ...``: the outer counter the epoch, the inner a batch counter.
  ``0-epoch (4/178643): total loss ...``: the epoch, then the iteration. Per-batch ``train_loss tensor(16.5,
  device='cuda:0')`` prints among tensor dumps: one point per line, the epoch of ``==> Epoch N/M`` before it. Lines
  holding only a train loss and no counter (loguru's ``... | INFO | __main__:train:35 - loss: 2.5035``): one point per
  line on the step axis, in file order.
- Only when none of the above is found: three or more lines with no marker that hold nothing but ``name value``
  pairs with the same names (``loss 0.312, train acc 0.885, test acc 0.861``; a loss or a metric among them) are
  one line per epoch, numbered 0.. in line order (a note says so); a train loss alone on each line: see above. So
  are lines of a few kinds printed in turn, each kind once an epoch with names of its own (an evaluation's ``accuracy =
  0.63, macro_f1 = 0.53, AUROC = 0.89``, then an early-stopping helper's ``min_loss:1.11, max_f1:0.89, val_loss:1.05,
  val_f1:0.91``): one epoch a round; a value printed as ``None`` (``min_loss:None`` before the first epoch) is no
  point. ``min_loss``, ``max_f1`` there are the best so far (``base.running_bests``), not the loss.
- A run continued in chunks, each headed by its range of epochs alone on a line (``1-50``, then ``50-100``, each
  chunk numbering its epochs from 0 again: ``Epoch 0 finished, average loss 1.27, hits@10 0.063``): one run, the
  epochs counted on across the chunks (with a note), when each range starts where the one before ended; else the
  counter going back is a restart, as before. A ranking metric's cut-off is part of its name (``hits@10``).
- A shell prompt that runs an evaluation script after the training's lines (PaddleRec's ``...$ python -u
  ../../tools/infer.py -m config.yaml``: its lines are alike, ``epoch: 15 done, AUC: 0.94, ACC: 0.89``, but on the
  test data): the log is read up to that line, the evaluation's values left out (with a note), never taken for a
  resumed training.
- Only when no progress line at all is found: a Keras History printed as a Python dict after a label
  (``train history: {'acc': [...], 'loss': [...], 'val_loss': [...]}``, read with ``ast.literal_eval``; Python's bare
  ``nan``/``inf`` kept as data): one value per epoch, epochs 0..n-1, as Keras' history JSON is read.
  So are three more layouts with no marker of the kinds above: caffe2's tensor printout of a scalar loss once per
  iteration (``Tensor loss of type float. Dims: (): 2.3412``, every line but a couple alike, one tensor named as a
  loss): one point per line on the step axis, numbered 1.. in file order; spaCy's ``losses`` dict printed once per
  pass (``{'textcat': 30095.2}``, every line such a dict of spaCy pipe names): one line per epoch, epochs 0..n-1,
  each pipe's value its training loss (summed over the pass's batches, as spaCy sums it); and one table aligned
  with spaces printed among banner sections (``Epoch  Train Loss  Train Acc  Test Loss  Test Acc  Time``, rows of
  as many numbers, a time unit ``s`` after a row dropped): the first column the epoch (or step) as written, a
  column per series (``Train_Loss``), a time column no series, the lines around it (a classification report) no
  data.
- A last line without a line end (a run still writing) is skipped, with a note, where a cut line could read as a
  whole one: a Keras epoch line without a count, a dict, an OpenNMT-py validation line, a marker-less line.
- The text logs of particular tools (``toollogs.py``: fairseq, Megatron-LM, Hugging Face Trainer dicts, torchtune)
  whose lines start beyond the head that sniffing sees: the whole text is handed to that tool's reader.
  Joey NMT's ``train.log`` (``Epoch N Step: S Batch Loss: X ...``, ``Validation result (greedy) at epoch N, step S:
  ...``) is such a layout wherever its lines are (``toollogs.JoeyNmtReader``, format ``text``).
- st-gcn's processor log (torchlight's ``[03.24.23|09:56:11] `` time stamp before every line, dropped as a logging
  prefix): ``Training epoch: N`` and ``Eval epoch: N`` head blocks of ``\tmean_loss: X`` (``mean_loss``, the train
  loss; ``val_mean_loss``), ``\tTop1: 0.00%``; its ``\tIter N Done. | loss: X | lr: Y`` lines inside an epoch's
  block are points of ``loss`` at iteration N (every log_interval iterations), never the train loss.
- GaitSet's ``iter 100:, hard_loss_metric=A, full_loss_metric=B, full_loss_num=C, mean_dist=D, lr=E, hard or
  full='full'``: the train loss is the triplet loss the line says the run uses (``full_loss_metric``), the other
  beside it, not summed; ``full_loss_num`` is a count (``naming``: no loss).
- online-continual-learning's ``==>>> it: 101, avg. loss: 4.21, running train acc: 0.069`` and ``==>>> it: 101, mem
  avg. loss: 3.66, running mem acc: 0.170`` (``it`` the iteration, from 1 again in each task): ``avg_loss`` the train
  loss, ``mem_avg_loss`` (the replayed memory batch's) beside it, not summed; each task's counter going back is a
  restart, as everywhere (the latest kept, with a note). A name may carry a power (``D^2=+0.0596``: ``D^2``).
- A loss named for no split whose values are a val loss's at every epoch (``Epoch 1 [IMPR] loss = 0.502`` beside
  ``Training loss: 0.433, Valid loss: 0.502``) is the validation loss printed again: the loss named for the train
  split is the train loss (a note says so).

- Survey 12's layouts: an epoch number glued to its word in brackets (``[epoch0] trian_loss=315.74 ...``); a
  ``[i/N]`` batch counter right after the epoch marker (PyTorch's ImageNet example's ``Epoch: [0][10/44]\tLoss 9.37
  (7.60)``, the running average in parentheses no point; ``Epoch 1[16/5011]: loss:0.714``; ``Train epoch: 1
  [2/307]``): a point per line at (epoch - first epoch) * N + i on the step axis, so a gap in the log shows; CS224n
  NMT's ``epoch 0, iter 1000, avg. loss ...`` lines whose iteration starts again at every epoch, trainings appended
  (counted on across the epochs of each training, the latest kept), its ``validation: iter 1, dev. ppl X`` lines the
  validation at the epoch before (``dev._ppl``; no ln(ppl) val loss: the avg. loss is per sentence); a tqdm
  ``Validate: 100%|...| 8/8 [..., Val Loss=0.61]`` bar after a train bar (``Val_Loss`` at that epoch); a loss and its
  ``Mean``/``Avg``/``Running`` twin as the only train losses (``CurrLoss``, ``MeanLoss``): the loss, the mean beside
  it, never summed; a VAE's ``Recon`` and ``KL`` terms with no loss named: the train loss's parts (their unweighted
  sum, with a note); one epoch's line printed again on a line of its own with other values (two one-epoch
  trainings): the latest kept, with a note; ``Epoch N:   Training Loss=X`` records written one after another with no
  line end (3 or more): a line each.
- Not data: an argument dump (three or more ``name =  value`` lines in a row, or ``name : value`` ones, one value at
  least not a number: ``data =  ./data``, ``epoch =  20``, ``tolerance =  0.0001``, ``method : lstm``: settings, no
  marker and no points; numbers only, before the first marker line, when one names the training's length or its
  learning rate and none a loss or a metric: ``epoch : 100``, ``lr : 0.001``, ``batch_size : 32``) and a session's
  ``Best Epoch 6\tAcc: 0.89`` summary (no marker, no new run: a job resumed from a checkpoint stays one run).
- Survey 15's layouts: a line printed straight after a tqdm bar's ``]`` (``  1%|          | 1/100 [31:27<51:54:28,
  1887.57s/it]Epoch 2, Training loss: 1.6877, Validation loss: 1.0509, ...``, a bar redrawn with ``\r`` and no line
  end) is split off the bar and read as a line of its own. An epoch word glued to its number without brackets
  (``Load file: None, EP0, avg_loss=0.0010``), ended by a comma, a colon or a bar and with a pair after it, is the
  epoch where no other marker is (never a file name such as ``model_ep10.pth``). ``[ e/E]`` after a phase word,
  before a step counter that starts again each epoch (``Train: [ 1/5] Step 300/335 Loss 52.767``), is the epoch: the
  steps are counted on across the epochs, not read as restarts. A Lightning bar refreshed in place under ``Epoch N:``
  (``Epoch 0:  13%|█▎        | 500/3999 [14:19<1:40:13,  1.72s/it, v_num=29, train_total_loss=5.660]``) gives a
  point per refresh at the bar's counter, on the step axis; a completed bar, one line per epoch, stays the epoch's
  point. A GAN's two losses named by their side's letter only, ``D`` and ``G`` beside each other on a line that
  names no loss (a tqdm postfix's ``D=2.289, G=0.014, FID=-``, SinGAN's ``Iteration 200, D: -1.06, D_r: ..., G: 0.895,
  G_recon: ...``), are its discriminator's and generator's train losses, never summed (``naming.gan_side``).
  A split word with the share of that split its value was estimated on (``[Step    500/159210]
  Train 9.6801 | Val~20% 9.6793``): that split's loss, named as written (``Val~20%``), the share said in a note.
  A held-out split's word alone on its line with a colon (``Evaluation:``) between lines alike (the text-CNN
  trainer's ``2017-07-11T18:00:59.583516: step 100, loss 0.0247, acc 1`` every step, then ``Evaluation:`` and the dev
  set's line in the same format at the same step): the line after it, when it names what the train line before it
  names, is that split's evaluation (``val_loss``, ``val_acc``), never a train point; a note says so.
  A learned image codec's lines (``[ep 0 step    20 t=     43s vram= 5904MB] L=0.1200  D=0.1129  PSNR= 9.47  R=0.5510
  bpp``): ``L``, the rate-distortion loss, is the train loss (with a note), only beside the codec's ``D`` (distortion)
  and ``R`` (rate) and its ``PSNR`` or ``bpp``; ``D`` and ``R`` are its terms, beside it, never summed.
  The best held-out loss so far, printed after an epoch's lines only when it improved (pytorch-YOLO-v1's ``get best
  test loss 1.78366``): ``best_test_loss`` at that epoch, a metric (lower is better), never the val loss: a running
  minimum whose gaps are the epochs where the loss got worse is not the loss's curve; a note says so, with how many
  times it improved and the epoch it last did.
- Survey 16's layouts: a split word alone between bars right after the epoch marker (Mozilla DeepSpeech's ``Epoch 3 |
  Training | Elapsed Time: 0:45:54 | Steps: 3533 | Loss: 5.881985`` and ``Epoch 3 | Validation | ... | Loss: 12.539 |
  Dataset: dev.csv``) names each value of its line: ``Training_Loss``, ``Validation_Loss``. The PyTorch quickstart's
  loop (``Epoch 1``, a rule, ``loss: 2.303116  [   64/60000]`` every 100 batches, then ``Test Error:`` and `` Accuracy:
  67.8%, Avg loss: 0.411385`` on the next line): each loss line a batch of the epoch above it at its position (the
  samples seen, counted on across epochs; a copy's ``batch 50. loss: 1.016982  [ 6528/71980]``: the batch), and the
  line after ``Test Error:`` the test's values at that epoch (``test_loss``, read as the val loss with a note, as a
  test loss evaluated every epoch is). ``Epoch number: 0`` marks the epoch as ``Epoch 0`` does, and a scalar tensor's
  repr on any line is its number (``Training loss average: tensor(9.2500, device='cuda:0', grad_fn=<DivBackward0>)``:
  9.25, a block's pair under that marker; ``Dev loss average: tensor(6451.3672, ...)``, the dev split's: the val loss).
  A value then ``- epoch e/N`` ending the line, however far in (``05/15/2018 09:56:35 Average Training loss 0.249656 -
  epoch 8/50`` after a time stamp; ``Average Testing loss``: the test's, read as the val loss with a note): the epoch
  marker of the values before it; elsewhere a marker that far into a line is still prose.
  Federated training's stdout, when nothing else is found (``========== Round [1/100] ==========``, `` Client 1/10``
  headings over each client's bare ``loss = 4.742448329925537`` lines, ``Round 1 Test Accuracy=0.0105`` after the
  round): the mean of the round's client losses is the train loss ``loss`` at that round, the round on the epoch axis
  (with a note), the round's own values beside it (``Test_Accuracy``); experiments appended, each from round 1
  again: the latest kept, with a note. tqdm bars under ``Epoch N/M`` lines whose postfix holds the only values in the
  log (``Epoch 1/1`` then ``Training:   8%|7 | 19/250 [00:25<05:14, 1.36s/it, Loss=7503.131, QA=7503.091, ...]``,
  one line per refresh): a point per refresh at the bar's counter on the step axis, counted on across epochs, the
  epoch kept (as a Lightning bar's); beside other values such bars are passed over, as before. build-nanogpt's stdout
  (``step   250 | loss: 6.041164 | lr ... | tok/sec: ...`` lines): a ``validation loss: 6.0727`` line is the
  evaluation at the step of the step line after it (printed before that step's optimisation), the first one too.
  A line printed after a tqdm bar's ``]`` and a space (``... | 2/50000 [00:01<9:16:41,  1.50it/s] Epoch: 1``) is split
  off the bar as one printed straight after it is. ``Batch 3 of 4`` is a batch counter and its total: no series
  ``of`` (nor in ``Epoch 1, Batch 3 of 4, loss: ...``).
- Surveys 16 and 17, more: trainings appended to one log, each from an ``Epoch 1/M`` line with no values (a LoRA
  script's ``Starting epoch 1/13``, then ``Calculating validation loss at step 0...``, ``Validation loss: 11.71``,
  ``Epoch 1 validation loss: 11.71``), whose epochs and steps overlap (a training that stopped in its first epoch:
  the counter never goes back after it; or values on both axes, which ``base.finish_run`` would cut each on its
  own): parted at those lines, the latest whole training kept (a stub after it left out), with a note. A head filled
  by a logging stream's other messages (``2025-05-08 20:57:32,335 - __main__ - INFO - Transcribed: ...``) with one
  or two such values in it is a log.
- Survey 18's layouts: zjy-ucas ChineseNER's ``iteration:2 step:56/1044, NER loss: 5.215852`` (after its Python
  logging prefix; every steps_check global steps, ``step`` the global step modulo T, the steps an epoch):
  a point per line at the global step (N - 1) * T + S, the iteration its epoch (1-based, as written), never one
  point per iteration; its evaluation blocks (``evaluate:dev``, conlleval's ``accuracy:  96.79%; precision: ...``)
  are no series. A training resumed from a checkpoint (the global step restored) is spliced as every resume is
  (``base.splice_resumes``); a launch that logged one line at the checkpoint's step and was launched again from it
  (its line at the same global step, with another T) gives way to the later line.

Every other line (warnings, model summaries, chatter) is ignored. A text with no such line at all is not a
training log, and the error lists the patterns tried; one whose lines of pairs repeat names none of which says loss,
and that says loss nowhere (``REPORT`` blocks of ``Batch = 100``, ``alpha = 0.001``, ``Correct = 14.15%``), is refused
as a log with no loss series, naming what it repeats.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from pathlib import Path

import numpy as np

from lossdoc.errors import InputError, NotALog
from lossdoc.model import Run
from lossdoc.naming import (
    bare_split_loss,
    bare_total_loss,
    is_bookkeeping,
    is_total_loss,
    normalise,
    resolve,
    split_word,
)
from lossdoc.readers._runs import to_float
from lossdoc.readers.base import (
    HEAD_BYTES,
    STUB_POINTS,
    Reader,
    Source,
    build_series,
    decode_text,
    require_series,
    whole_of,
)
from lossdoc.readers.tabular import aligned_names, rule_line, unwrap_tensors
from lossdoc.readers.toollogs import ANSI, FAMILIES, read_as_family

# The patterns below use possessive quantifiers (*+, ++) and anchor names at a word start, so that a hostile line
# (a megabyte of digits, letters or spaces) is scanned in linear time instead of backtracking for hours.
_NUMBER = r"[-+]?(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|\.\d++(?:[eE][-+]?\d++)?|(?i:nan|inf(?:inity)?))"
# In a line of nothing but pairs a number may have thousands separators (OLMo: "total_tokens=2,097,152").
_KV_NUMBER = rf"[-+]?\d{{1,3}}+(?:,\d{{3}})++(?:\.\d++)?(?![\d,])|{_NUMBER}"
_KERAS_EPOCH = re.compile(r"^\s*Epoch\s+(\d+)\s*/\s*(\d+)\s*$")
# A Keras progress line: "32/32" then a bar, time, or "-" and at least one " - name: value" pair.
_KERAS_PROGRESS = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\b")
_KERAS_PAIR = re.compile(rf"(?:^|\s)-\s++([A-Za-z_][\w/.\-]*+)\s*+:\s*+({_NUMBER})(?![\w.:])")
# An epoch/step/iteration marker and its number ("Epoch 3", "[epoch 3]", "ep 3 |", "step 500:", "iter=100",
# "Epoch 3/20", "Epoch [021/30]", "Step (40/100)", "EPOCH 3 of 30": "of 30" is the total, never a series "of").
# The word for epoch in French, Spanish, Portuguese, Italian, German, Serbian and Romanian (époque, its abbreviation ép,
# época, epoca, Epoche, Epoha: a Serbian script's "=> Epoha [1/10] ZAVRSENA!", epocă), accents optional: a French
# script's logging.info(f"Ép {epoch} | train {loss:.4f} | val {val:.4f} | Acc ..."). And the Romanian word for step,
# "pas", a whole word (MihaelaBogdan/resonance-lm's checkpoints/train.log: "pas    20 | pierdere 3.0124 | lr 8.40e-04
# | |g|  0.33 |    3.8s"; pierdere, loss, is the naming table's). Plural words ("Steps 10, ...", "iters: 100, loss:1.38")
# only where ``_plural_marker`` says; "epoch" glued to its number only with the total ("epoch1/10:", loguru lines).
_MARKER = re.compile(
    r"(?<![\w/])([eé]p(?:oche|och|oque|oc[aă]|oha|isode)?(?:_out)?|steps?+|global[_ ]step|iter(?:ation)?+s?+|pas)(?:\b|(?<=och)(?=\d++/\d))"  # ("ep": faster)
    # ("Epoch number: 0": NLP_Fewshot_project's f.write("\nEpoch number: "+str(epoch)))
    r"(?:\s++number\b)?+"
    # (a thousands separator in the number: KAIR's "<epoch:  0, iter:   1,000, lr:2.000e-04> G_loss: ...", never
    # a count glued to more numbers by commas, "epoch 1,100,0.52")
    r"\s*+[:=#]?\s*+[\[(]?\s*+(\d{1,3}+(?:,\d{3})++(?![\d/]|,\d)|\d++)"
    r"(?:\s*+/\s*+\d++|\s++of\s++\d++(?![\w.]))?"
    r"(?:\s*+[\])])?(?!\w|\.(?!\.\.))",
    re.IGNORECASE,
)
# The other languages' words for epoch (and step), as the English marker word they stand for.
# "epoch_out: 0, epoch_in: 3, loss: 0.99" (nested loops): the outer loop's counter is the epoch, the inner one's a
# batch counter within it (``_BATCH``).
_EPOCH_WORDS = {"epoque": "epoch", "epoca": "epoch", "epoche": "epoch", "epoha": "epoch", "epoch_out": "epoch",
                "pas": "step"}
# Words before a marker word that make it a count of epochs or steps, a setting ("Total Epoch:300", "Max step 1000").
_COUNT_WORDS = re.compile(r"(?<![A-Za-z])(?:total|max|num|number of)\s*+$", re.IGNORECASE)
# zjy-ucas ChineseNER's main.py (and its forks): logger.info("iteration:{} step:{}/{}, NER loss:{:>9.6f}".format(
# iteration, step % steps_per_epoch, steps_per_epoch, ...)) every steps_check global steps, iteration = step //
# steps_per_epoch + 1: the iteration is the epoch (1-based), the step the global step modulo T, so that the global
# step is (iteration - 1) * T + step.
_ITER_STEP_OF = re.compile(r"iter(?:ation)?+\s*+[:=]\s*+(\d++),?+\s++step\s*+[:=]\s*+(\d++)\s*+/\s*+(\d++)(?![\w.])",
                           re.IGNORECASE)
# A batch counter on a line with an epoch marker and no step ("ep: 0, batch: 100, ..., loss: 9.12", "epoch 2 batch_idx
# 300 loss 0.4", "Batch [100/600]"): the line's step when it rises within an epoch (``_steps_from_batches``).
_BATCH = re.compile(
    r"(?<![\w/.\-])((?:mini[-_]?)?batch(?:[_ ]?(?:id|idx|index|num|no))?|epoch_in)\s*+[:=#]?\s*+[\[(]?\s*+(\d++)(?:\s*+/\s*+\d++)?"
    # (a period and a space may end the count: wikilink's print(f"batch {i}. loss: {loss:>7f}  [{current:>5d}/{size:>5d}]"))
    r"(?:\s*+[\])])?(?!\w|\.\S)"
    # PyTorch's word_language_model example (main.py, train()): '| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} |
    # ms/batch {:5.2f} | loss {:5.2f} | ppl {:8.2f}': the count before "batches" is the batch.
    r"|(?<![\w/.\-])()(\d++)\s*+/\s*+\d++\s++batches\b"
    # Demucs' LogProgress (demucs/utils.py, or dora.log): 'Train | Epoch 1 | 286/573 | 1.46 it/sec | Loss 0.2158': the
    # count alone between bars is the batch.
    r"|(?<=\|)\s*+()(\d++)\s*+/\s*+\d++\s*+(?=\|)"
    # OpenNMT-py's first trainer (onmt/Trainer.py, 2017) and its forks (NMTGMinor): "Epoch %2d, %5d/%5d; acc: %6.2f;
    # ppl: %6.2f; ...": the count after the epoch's comma, before a semicolon, is the batch.
    r"|(?<=,)\s*+()(\d++)\s*+/\s*+\d++\s*+(?=;)",
    re.IGNORECASE,
)
# "[i/N]" right after the epoch marker: the batch i of the epoch's N (PyTorch's ImageNet example, main.py:
# ProgressMeter(len(train_loader), [...], prefix="Epoch: [{}]".format(epoch)) prints "Epoch: [0][ 10/44]\tLoss 9.37
# (7.60)"; a Paddle loop's "Epoch 1[16/5011]: loss:0.71410"; "Train epoch: 1 [2/307]\tAccuracy: ..."). Never with a
# percentage after the count (PyTorch's MNIST example's "[640/60000 (1%)]" counts samples).
_ONMT_BATCH = ", N/M;"
_BRACKET_BATCH = re.compile(r"\s{0,3}+\[\s*+(\d++)\s*+/\s*+(\d++)\s*+\]")
# The position within an epoch, as PyTorch's MNIST example prints it: "Train Epoch: 1 [640/60000 (1%)]".
_EPOCH_POSITION = re.compile(r"\[\s*+\d++\s*+/\s*+\d++\s*+\(\s*+\d++(?:\.\d++)?+\s*+%\s*+\)\s*+\]")
# A tqdm bar ("Epoch 1/2:  50%|█████     | 16/32 [00:01<00:01, loss=0.91]"): its lines redraw one state, whether the
# "\r" between them was kept or not; the last reading of an epoch stands.
_TQDM_BAR = re.compile(r"\d{1,3}+%\|[^|\n]{0,400}+\|\s*+\d++(?:\.\d++)?+[kMG]?+/\d++")
# A tqdm bar with no marker word whose postfix holds name=value pairs (3D Gaussian Splatting's train.py: progress_bar =
# tqdm(range(first_iter, opt.iterations), desc="Training progress"), progress_bar.set_postfix({"Loss": f"{ema:.7f}"})
# every 10 iterations): "Training progress:   5%|▍         | 1460/30000 [00:27<08:08, 58.47it/s, Loss=0.0786839]".
# The bar's counter is the step; a redraw at the same count is the same point.
_TQDM_STEP = re.compile(
    r"[^|\n]{0,80}\d{1,3}+%\|[^|\n]{0,400}+\|\s*+(\d++)/(\d++)\s*+\[[^\],\n]{0,60}+,[^\],\n]{0,60}+,\s*+(?=[A-Za-z_][\w.\-]{0,40}+=)"
)
# "[Losses: x 0.272151, y 0.254906, ..., total 15.143305, recall: 0.00000, precision: 0.00000]": the names in a group
# headed "Losses:" are losses (x_loss ... total_loss) unless they name something else (recall). eriklindernoren's
# PyTorch-YOLOv3 (train.py, 2018): print("[Epoch %d/%d, Batch %d/%d] [Losses: x %f, y %f, w %f, h %f, conf %f, cls %f,
# total %f, recall: %.5f, precision: %.5f]" % (...)).
_LOSS_GROUP = re.compile(r"(?<![\w/.\-])Losses\s*+:\s*+(?=[A-Za-z])[^\]\n]{0,2000}+", re.IGNORECASE)
# What must follow a plural marker's number ("Steps 10, ...", "Iters: 10/20000 || Lr: ..."): a comma (no digit after
# it: "5,744" is one number) or a bar.
_PLURAL_END = re.compile(r"\s*+(?:,(?!\d)|\|)")
# "Loss at step 4: 7.94" once its marker is blanked ("Loss at ||||||: 7.94"): the name is put after the marker.
_NAME_AT_MARKER = re.compile(r"(?<![\w/.\-])([A-Za-z][\w.\-]{0,40}+) at (\|++)(\s*+[:=])")
# A split word with the share of that split a value was estimated on, then the value (seopseop77/Transformer,
# runs/train.log: "[08:04:18] [INFO] [Step    500/159210] Train 9.6801 | Val~20% 9.6793", the val loss on a 20% sample
# of the validation set): that split's loss, named as written ("Val~20%"), the share said in a note.
_SPLIT_SHARE = re.compile(rf"(?<![\w/.\-~])([A-Za-z]{{2,12}}+)~(\d{{1,3}}+(?:\.\d++)?+)%\s*+[:=]?\s*+({_NUMBER})(?![\w.])")
# What is left of a line once its marker is blanked out when it holds one number and nothing else ("Epoch 3: 0.41").
_BARE_VALUE = re.compile(rf"[\s:|,=\-]*+({_NUMBER})\s*+")
# "[epoch, batch]" at the start of a line, as PyTorch's "Training a classifier" tutorial prints its running loss.
_EPOCH_BATCH = re.compile(r"^\s*\[\s*(\d++)\s*,\s*(\d++)\s*\](?=\s)")
# "{epoch}-epoch ({it}/{total}): total loss x, ..." (a Mugs/DINO-style trainer's logging.info): the epoch, then the
# iteration of the run's total (not an epoch of that many).
_EPOCH_IT = re.compile(r"^\s*+(\d++)-epoch\s*+\(\s*+(\d++)\s*+/\s*+(\d++)\s*+\):")
# CLU's LoggingWriter (clu/metric_writers/logging_writer.py, write_scalars): logging.info("[%d]%s %s", step,
# " collection=<name>" or "", ", ".join(f"{k}={v:.6g}")) after absl's prefix: "[100] learning_rate=0.001, loss=0.5".
_CLU_STEP = re.compile(r"^\s*+\[(\d++)\](?: collection=[\w./\-]{1,100}+)? (?=[A-Za-z_][\w/.\-]*+=)")
# "name is value": EAST (SakuraRiven/EAST and its forks) prints from its loss, loss.py: print('classify loss is {:.8f},
# angle loss is {:.8f}, iou loss is {:.8f}'.format(classify_loss, angle_loss, iou_loss)) during each batch, then
# train.py: print('Epoch is [{}/{}], mini-batch is [{}/{}], time consumption is {:.8f}, batch_loss is {:.8f}'.format(
# epoch+1, epoch_iter, i+1, int(file_num/batch_size), time.time()-start_time, loss.item())): " is " before a number
# (or a bracketed count) is the separator, as ":" is; the parts belong to the marker line that follows.
_IS_SEP = re.compile(r"(?<=[A-Za-z_)])\s++is\s++(?=[\[(]?[-+]?(?:\d|\.\d|(?i:nan|inf)\b))")
# An epoch number between dashes heading a block of "name: value" lines (PointNet-style training scripts:
# log_string("-----{}------".format(epoch)) then log_string('train_mean loss: %f' % ...), 'train_accuracy: %f',
# 'test_mean loss: %f', 'test_accuracy: %f').
_DASH_EPOCH = re.compile(r"^\s*+-{3,}+\s*+(\d++)\s*+-{3,}+\s*+$")
# "name =  value": a line of an argument dump (print(k, '= ', v) for each of vars(args)), any value.
# Also "name : value" (a script's print(f"{k} : {v}") over its settings under a "=== HYPERPARAMETER SETTING ===" banner:
# "method : lstm", "lr : 0.1", "epoch : 5", "min_count : 1", "loss : softmax").
_ASSIGN = re.compile(r"^\s*+[A-Za-z_][\w.\-]{0,100}+\s++[=:]\s++(\S[^\n]{0,1000}+)$")
_NUMBER_ONLY = re.compile(_NUMBER)
# A setting that says how long a training runs or how fast it learns ("epochs : 100", "num_epochs = 50", "lr : 0.001").
_SETTING_NAME = re.compile(
    r"(?i)(?:num_|n_|max_|total_)?(?:epochs?|iters?|iterations|steps|train_steps)|lr|learning_rate|init_lr|base_lr"
)
#: An argument dump is this many "name = value" lines in a row or more.
CONFIG_MIN_LINES = 3
# "Best Epoch 6\tAcc: 0.8913\tnmi: ...": the best epoch so far, printed at the end of a session.
_BEST_SUMMARY = re.compile(r"^\s*+best\s++(?:epoch|ep|step|iter|iteration)\b", re.IGNORECASE)
# A line of nothing but dashes or equals signs (a rule printed under a marker line).
_RULE = re.compile(r"\s*+(?:-{3,}+|={3,}+)\s*+")
# A phase label before an epoch marker ("Fine-Tune Epoch 1 | Train Loss: ..."): one word, no number of its own.
_PHASE_WORD = re.compile(r"[A-Za-z][A-Za-z_\-]{1,30}+")
# A duration among a block's pairs ("    total_loss: 24.7161 time: 15m 1s"): not a value, and no bar to the others.
# So is one with its unit in brackets, maybe after a split word ("train time: 818.81 [s]", under a "【1/100】" marker).
_DURATION_ITEM = re.compile(
    r"(?<![\w.])(?:time|elapsed|eta|duration)\s*+[:=]\s*+(?:\d++\s*+[hms]\b\s*+){1,3}+"
    r"|(?<![\w.])(?:[A-Za-z]{1,12}+[ _])?+(?:time|elapsed|duration)\s*+[:=]\s*+\d++(?:\.\d++)?+\s*+"
    r"\[(?:s|sec|ms|m|min|h)\]\s*+",
    re.IGNORECASE,
)
# An epoch marker between full-width brackets, alone on its line ("【1/100】", print(f"【{epoch + 1}/{epochs}】")):
# read as "Epoch 1/100".
_FULLWIDTH_EPOCH = re.compile(r"^\s*+【\s*+(\d++)\s*+/\s*+(\d++)\s*+】\s*+$")
# A block's pair that reports saving or loading ("Saving checkpoint: 10"): the epoch of a file written, not a curve.
_SAVING = re.compile(r"(?i)(?:^|_)(?:saving|saved|loading|loaded|checkpoint|ckpt)(?:_|$)")
# clovaai/deep-text-recognition-benchmark's train.py (and EasyOCR's trainer, a copy of it): every valInterval
# iterations loss_log = f'[{iteration+1}/{opt.num_iter}] Train loss: {loss_avg.val():0.5f}, Valid loss:
# {valid_loss:0.5f}, Elapsed_time: {elapsed_time:0.5f}', then current_model_log = f'{"Current_accuracy":17s}:
# {current_accuracy:0.3f}, {"Current_norm_ED":17s}: {current_norm_ED:0.2f}' and a "Best_accuracy ..." line, then a
# "Ground Truth | Prediction" table: [iteration/total] is the step; Current_* are the validation's values (val_*),
# Best_* the best so far (not a curve). Only on a line that names a loss ("[1/5] Building ..." is a build log).
_ITER_OF = re.compile(r"^\s*+\[(\d++)/\d++\](?=\s++[A-Za-z])")
# online-continual-learning (RaptorMai/online-continual-learning, agents/exp_replay.py and the other agents): every 100
# iterations of a task print('==>>> it: {}, avg. loss: {:.6f}, running train acc: {:.3f}'.format(i, ...)) and
# print('==>>> it: {}, mem avg. loss: {:.6f}, running mem acc: {:.3f}'.format(i, ...)) (the replayed memory batch's):
# "it" marks the iteration, counted from 0 again in each task ("-----------run 0 training batch 1-------------").
_OCL_IT = re.compile(r"^==>>> it: (\d++),")
# Its pairs, named in full ("avg. loss", "running train acc", "mem avg. loss"): avg_loss, running_train_acc, mem_avg_loss.
_OCL_ITEM = re.compile(rf",\s*+([A-Za-z][A-Za-z.]{{0,20}}+(?: [A-Za-z][A-Za-z.]{{0,20}}+){{0,3}}+):\s*+({_NUMBER})(?=,|\s*+$)")
# A range of epochs alone on its line, heading each chunk of a run continued in chunks (a recommender's
# train_history.txt: "1-50", 50 lines "Epoch 0 finished, average loss ..., hits@10 ...", then "50-100" and the next 50
# lines numbered from 0 again): the chunks are one run, its epochs counted on across them.
_RANGE_HEAD = re.compile(r"^\s*+(\d{1,6}+)\s*+-\s*+(\d{1,6}+)\s*+$")
# A shell prompt running an evaluation script after the training's lines, both captured in one log (PaddleRec: "user@host:
# ~/work/models/sign$ python -u ../../tools/trainer.py -m config.yaml", the training, then "...$ python -u
# ../../tools/infer.py -m config.yaml": the infer run evaluates checkpoints on the test data with lines alike, "epoch:
# 15 done, AUC: 0.94, ACC: 0.89"): not the training's values.
_EVAL_COMMAND = re.compile(
    r"^[^\s$#]{0,200}+[$#]\s++(?:python[\d.]{0,5}+\s++(?:-\w++\s++)*+)?+\S{0,300}?"
    r"(?<![\w.])(?:infer|inference|eval|evaluate|test|predict)\w{0,40}+\.py\b"
)
# Hand-written epoch markers at the start of a line, in brackets: MalConv (0x13enny/MalConv, main.py): print('[ (%d )
# Loss:  %.3f, train_Acc: %.5f, valid_Loss: %.3f, valid_Acc: %.5f]' % (epoch, ...)), "( N )" in brackets the epoch; a
# CycleGAN script (buchuitoudegou/cycleGAN, main.py): print('[%3d/%3d]: dloss: %.4f, gloss: %.4f' % (epoch, epoches,
# dloss[-1], gloss[-1])), "[N/M]" and a colon the epoch of M (without the colon, "[N/M] Train loss" is clovaai's
# iteration, _ITER_OF).
_PAREN_EPOCH = re.compile(r"^\s*+\[\s*+\(\s*+(\d++)\s*+\)(?=\s)")
_EPOCH_OF = re.compile(r"^\s*+\[\s*+(\d++)\s*+/\s*+(\d++)\s*+\]:(?=\s)")
# The number glued to the word in brackets (kkitayama/neuralcompressor, train.py: print(f'[epoch{epoch}]
# trian_loss={...} ...'), "[epoch0]": the epoch, as "[epoch 0]" is. Only in brackets at the start of a line (never a
# file name such as "model_epoch10.pth").
# The CS224n NMT assignment's validation line (run.py: print('validation: iter %d, dev. ppl %f' % (train_iter,
# dev_ppl), file=sys.stderr)), printed after its "epoch %d, iter %d, avg. loss %.2f, ..." lines: the evaluation's, at
# the epoch of the line before (its "iter" no training step: forks number it by validation).
_ITER_VALIDATION = re.compile(r"^\s*+validation:\s*+iter\s++\d++,\s")
_GLUED_EPOCH = re.compile(r"^\s*+\[(?i:epoch)(\d++)\](?=\s)")
# The short epoch word glued to its number without brackets (LwbXc/DPBL, logs/train.txt: "Load file: None, EP0,
# avg_loss=0.0010"): the epoch, only where no other marker is, ended by a comma, a colon or a bar, and with a pair after
# it on the line (never a file name such as "model_ep10.pth": no word character, dot, slash or dash before it).
# "[ e/E]" after a phase word, before a step counter (bhsimon0810/named-entity-recognition, outputs/log.txt:
# "Train: [ 1/5] Step 300/335 Loss 52.767"; the step restarts each epoch): the epoch e of E, only with the step marker
# after it on the line (so that the steps count on across the epochs, not as restarts).
_PHASE_EPOCH_OF = re.compile(r"(?<![\w.\-])[A-Za-z]{2,12}+:\s*+\[\s*+(\d++)\s*+/\s*+(\d++)\s*+\]\s++$")
_GLUED_EP = re.compile(r"(?<![\w/.\-])(?:EP|Ep|ep|EPOCH|Epoch|epoch)(\d{1,6}+)\s*+[,:|]\s++(?=[A-Za-z_][\w.\-]*+\s*+[:=]\s*+(?:[-+]?[\d.]|(?i:nan|inf)))")
# A counter of epochs before the word (chihina/DCGAN-example, loss.log: "1/10 epoch G_loss : 3.1416, D_loss : 0.2718 ",
# the epoch n of m, then the GAN's two losses): at the start of a line only, and only with the word right after it.
_N_OF_EPOCH = re.compile(r"^\s*+(\d++)\s*+/\s*+(\d++)\s++epoch\b(?!\s*+[:=]?\s*+\d)", re.IGNORECASE)
# "E<n>/<m>:" after a phase word, as a cross-validation script prints each fold's phases ("[Fold 0] Head E1/6:
# train_loss=4055.3845 val_sumMSE=390.1324 ...", then "[Fold 0] Finetune E1/10: ..."): the epoch n of m. Only with
# the total and the colon, and only where no other marker is.
_E_OF = re.compile(r"(?<![\w/])E(\d++)\s*+/\s*+(\d++):(?=\s)")
# A phase label that is a tag and a word ("[Fold 0] Head", "[Fold 0] Finetune" before "E1/6:"): the tag (a word and
# at most a small number: a fold, a stage, a run; never a time stamp) and the word together label the phase.
_TAG_PHASE = re.compile(r"\[\s*+([A-Za-z][A-Za-z_\-]{0,20}+(?:\s++\d{1,3}+)?+)\s*+\]\s*+([A-Za-z][A-Za-z_\-]{1,30}+)?+")
# A line naming a fold of a cross-validation ("Fold 3", "fold: 3", "==== fold: 3 ====", "[Fold 1 Ep 001] ..."):
# where the counter goes back after it, another fold's training starts (read as a run of its own).
_FOLD = re.compile(r"(?<![\w\-])(?i:fold)(?![\w\-])\s*+[:=#]?\s*+(\d{1,3}+)(?![\w.])")
_CURRENT_BEST = re.compile(r"^(Current|Best)_(.)", re.IGNORECASE)
# name[:=] number: the name may be two words ("train loss"); units (ms, s, %) may follow the number. A ranking
# metric's cut-off may follow a word ("hits@10 0.0633", "ndcg@5: 0.41"), and so may a power (an OT-GAN script's
# "epoch   0 | D^2=+0.0596 | cross=1.1525 rr=0.2651 ff=0.2813": "D^2", the squared distance; no loss by its name).
_PAIR = re.compile(
    rf"(?<![\w/.\-=])([A-Za-z][\w/.\-]*+(?:@\d++|\^\d{{1,2}}+)?+(?:[ ][A-Za-z][\w/.\-]*+(?:@\d++)?+){{0,2}}?)\s*+[:=]?\s*+({_NUMBER})"
    r"(?:ms|s|%)?(?![\w.])"
)


# A time of day on a progress line ("Epoch 0 @ 10:27 PM : 0.9816 C.E. Loss, 94.28% Accuracy", "epoch 3 22:27:05"):
# never a value, and its "PM"/"AM" never a series' name. Only with AM/PM or with seconds ("10:27" alone may be other).
_CLOCK = re.compile(
    r"(?<![\w.:/])(?:\d{1,2}+:\d\d(?::\d\d(?:[.,]\d++)?+)?+\s*+[AaPp]\.?[Mm]\b\.?|\d{1,2}+:\d\d:\d\d(?:[.,]\d++)?+)(?![\w:])"
)
# Values printed before their names, on a marker line that holds no "name: value" pair (davijoocho's CNN, print(
# f"Epoch {epoch} @ {time} : {loss:.4f} C.E. Loss, {acc:.2f}% Accuracy")): "0.9816 C.E. Loss" is the pair
# (C.E._Loss); read only when every such item names a loss or a metric of known direction and one is a loss.
_VALUE_NAME = re.compile(
    rf"(?<![\w.])({_NUMBER})%?+\s++([A-Za-z][\w.\-]*+(?:[ ][A-Za-z][\w.\-]*+){{0,2}}?)\s*+(?=[,;|]|$)"
)


# The start of a JSON object or array of arrays/objects/strings ("[2024-01-01 ...] epoch 1" is a log line).
_JSON_START = re.compile(r'\s*(\{\s*"|\[\s*[\[{"])')

# A progress line's first marker starts near the beginning (after at most a timestamp or a logger prefix);
# further in, "epoch 3" is prose (a README, a JSON note), not a log line.
MARKER_MAX_COLUMN = 48
# A logging prefix (time, host, logger name) ends at the level: the message, where markers are looked for, follows.
_LEVEL = re.compile(
    r"^[^\n]{0,160}?(?<![\w.])(?:INFO|WARNING|WARN|DEBUG|ERROR|CRITICAL|NOTICE)(?![\w.])[\]:|\s-]*+"
    # Python logging's '%(asctime)s - %(levelname)s - %(name)s - %(message)s': the logger's name after the level
    # ("09-02 20:39:12 - INFO - __main__ - Train. Total Loss: 1.60") is prefix too.
    r"(?:(?<= - )(?:__main__|[A-Za-z_][\w]{0,60}+(?:\.[A-Za-z_]\w{0,60}+){0,8}+) - (?=\S))?+"
    # loguru's default '{time} | {level: <8} | {name}:{function}:{line} - {message}': "__main__:train:35 - "
    r"(?:(?<=\| )[\w.]{1,100}+:[\w.<>]{1,100}+:\d++ - )?+"
)
# What is left of a logging prefix when the message starts with a line break (loguru's format '{time:YYYY-MM-DD
# HH:mm:ss} - {level} - {file} - {line} - {message}' with logger.info(f"\nEPOCH {epoch+1} of {epochs}"); Python
# logging's '%(asctime)s - %(levelname)s - %(message)s' with logger.info(f"\nEpoch {n}: ...")): "train.py - 65 - " or
# nothing. The message is on the next line; such a line is no chatter between a marker line and its values.
_PREFIX_ONLY = re.compile(r"(?:[\w.<>\-]{1,200}+\s++-\s*+){0,4}+")
# The best held-out loss so far, printed only when it improved (xiongzihua/pytorch-YOLO-v1's train.py and its forks: after
# each epoch's validation, if best_test_loss > validation_loss: ... print('get best test loss %.5f' % best_test_loss)):
# a running minimum with gaps where the loss got worse, not the loss's curve: kept as a metric, never the val loss.
_BEST_SO_FAR = re.compile(
    rf"\s*+(?:get\s++|new\s++|found\s++)?+best\s++(test|val|valid|validation|dev|eval)\s++loss\s*+[:=]?\s*+({_NUMBER})\s*+",
    re.IGNORECASE,
)
# A held-out split's word alone on its line with a colon, between two lines alike (dennybritz/cnn-text-classification-tf's
# train.py and its forks: every evaluate_every steps print("\nEvaluation:"), then dev_step's print("{}: step {}, loss
# {:g}, acc {:g}".format(time_str, step, loss, accuracy)), the train_step's line format; yinminggang/CnnTopic logs it
# through logging): the line after it is that split's evaluation, its values named for the split (val_loss, val_acc).
_SPLIT_HEAD = re.compile(r"\s*+([A-Za-z]{2,12}+)\s*+:\s*+")
#: The line such a heading names follows it within this many lines.
SPLIT_HEAD_LINES = 2
# A word alone on its line inside a block (ProtoPNet's "\ttrain", "\ttest", "\twarm" under "epoch: \t0").
_LONE_WORD = re.compile(r"\s*([A-Za-z]{2,12})\s*")

# A line of nothing but "name: value" / "name=value" pairs (a block's body); names may hold spaces and units.
_KV_NAME = r"[A-Za-z(][\w/.\-()]*+(?:[ ][A-Za-z(][\w/.\-()]*+){0,4}+"
_KV_ITEM = re.compile(rf"\s*+({_KV_NAME})\s*+[:=]\s*+({_KV_NUMBER})(?:%|ms|s)?+\s*+[,;|]?+")
_KV_LINE = re.compile(rf"\s*+(?:[-*]\s++)?(?:\s*+{_KV_NAME}\s*+[:=]\s*+(?:{_KV_NUMBER})(?:%|ms|s)?+\s*+[,;|]?+)++\s*+")
# Keras' verbose=2 epoch line without a "32/32" count (TF1-era Keras and tf.keras, Keras 1): " - 2s - loss: 0.51 -
# acc: 0.81" (Progbar: info = ' - %.0fs' % elapsed, then ' - %s:' % name and ' %.4f' / ' %.4e' per value).
_KERAS_TIME = re.compile(r"^\s*+(?:-\s++)?\d++(?:\.\d++)?(?:s|ms|us)(?:\s++\d++(?:s|ms|us)/\w++)?(?=\s++-\s)")
# Prefixes of a logging library, before the message: glog / absl ("I1203 12:00:00.123456 12345 model_lib_v2.py:705] ",
# glog 0.7 writes the year too: "I20240101 ...") and Python's logging.basicConfig ("INFO:tensorflow:", "INFO:root:").
_GLOG = re.compile(
    r"^[IWEFD]\d{4}(?:\d{4})?+ \d\d:\d\d:\d\d(?:\.\d++)?\s++(?:\d++\s++)?[^\s:\]]{1,200}+:\d++\]\s?"
)
_PYLOG = re.compile(r"^(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL):[\w.\-]{0,100}+:")
# st-gcn's torchlight IO (torchlight/io.py, print_log): str = time.strftime("[%m.%d.%y|%X] ", time.localtime()) + str,
# before every line of its processor's log ("[03.24.23|09:56:11] Training epoch: 0", "[03.24.23|09:56:31] \tmean_loss:
# nan"): a time stamp, dropped as a logging prefix is, so that the indented lines under a marker line are its block.
_TORCHLIGHT = re.compile(r"^\[\d\d\.\d\d\.\d\d\|\d\d:\d\d:\d\d\] ")
# A date and time in brackets before every line, with a time zone's word ("[2026-04-15 01:06:27 北京时间] ===== Epoch 1/10
# =====", then "[...] [Train] loss=0.4209, ..." and "[...] [Val]   loss=0.4196, ..."): dropped as a logging prefix is.
_BRACKET_STAMP = re.compile(r"^\[\d{4}+-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d++)?+(?: [^\]\s\d]{1,20}+)?+\] ")
# What follows an epoch marker that heads a list of the epoch's batch losses, one bare number a line
# (Random-Crops-Registration's logs/train_log.txt: "Epoch 1/75 Losses", then "2.77", "3.15", ...).
_LOSS_HEAD = re.compile(r"\s*+(?i:train(?:ing)?\s++)?+(?i:loss(?:es)?+)\s*+:?+\s*+")
# A phase's tag with the step and the steps in all, before a Python dict of the step's values (JAX-CFD's absl
# logging.info(f"[Train {step}/{num_steps}] {metrics}"): "[Train 10/1882] {'grads_finite': 1.0, 'train_loss': 0.0077}".
_TAG_STEP_DICT = re.compile(r"\[[A-Za-z]{2,12}+\s++(\d++)\s*+/\s*+(\d++)\]\s*+(?=\{')")
# A split's tag before a block line's pairs ("[Train] loss=0.4209, lp_real=0.8094", "[Val]   loss=0.4196, ..." under
# "===== Epoch 1/10 ====="): the split of the line's values.
_BODY_TAG = re.compile(r"\[([A-Za-z]{2,12}+)\]\s++(?=[A-Za-z])")
# Its processor's iteration line (processor/processor.py, show_iter_info: info = ['Iter {} Done.'.format(iter)] and
# ' | {}: {:.4f}' items, print_log('\t' + ' | '.join(info))), printed every log_interval iterations inside an epoch's
# block ("Training epoch: 0", "\tIter 0 Done. | loss: 1.4824 | lr: 0.010000", "\tmean_loss: 2.41"): a point at that
# iteration, and no end of the epoch's block, whose mean_loss (show_epoch_info) is the per-epoch train loss.
# GaitSet (model/model.py, Model.fit): every 100 iterations print('iter {}:'.format(...), end=''), then ',
# hard_loss_metric={0:.8f}', ', full_loss_metric={0:.8f}', ', full_loss_num={0:.8f}', ', mean_dist={0:.8f}', ', lr=%f'
# and ', hard or full=%r' % self.hard_or_full_trip: the two triplet losses, of which the run optimises the one that
# hard_or_full_trip names ('hard' or 'full'); full_loss_num is a count (naming: no loss).
_HARD_OR_FULL = re.compile(r",\s*+hard or full='(hard|full)'")
_TL_ITER = re.compile(r"^\s++Iter\s++\d++\s++Done\.\s*+\|")
# OpenNMT-py's validation report (ReportMgr._report_step: 'Validation perplexity: %g', 'Validation accuracy: %g';
# forks print 'Validation xent: %g at step %d'), after the "Step N/M; acc: ...; xent: ..." lines of training.
# build-nanogpt's train_gpt2.py: at every 250th step (and the last) print(f"validation loss: {val_loss_accum.item():.4f}"),
# the HellaSwag accuracy and samples, then the step's optimisation and print(f"step {step:5d} | loss: {loss_accum.item()
# :.6f} | lr {lr:.4e} | norm: {norm:.4f} | dt: {dt*1000:.2f}ms | tok/sec: {tokens_per_sec:.2f}"): the validation is the
# step line's after it (the first one before any step line).
_NANOGPT_VAL = re.compile(rf"validation loss: ({_NUMBER})\s*+")
_ONMT_VAL = re.compile(rf"^\s*+Validation (perplexity|accuracy|xent):\s*+({_NUMBER})(?:\s++at step (\d++))?\s*+$")
# A dict pprint'ed over several lines after a step line: the TensorFlow Object Detection API's model_lib_v2 logs
# 'Step {} per-step time {:.3f}s' and then pprint.pformat(losses, width=40) ("{'Loss/classification_loss': 0.41,"
# then " 'Loss/localization_loss': 0.2," ... " 'learning_rate': 0.01}"); NumPy 2 writes np.float32(0.41).
_DICT_START = re.compile(r"^\{'[^'\n]{1,200}+':")
_DICT_MORE = re.compile(r"^\s++'[^'\n]{1,200}+':")
_NP_SCALAR = re.compile(r"\bnp\.(?:float|int|uint)\d{0,3}+\(\s*+([^()]{0,64}+)\)")
_DICT_NONFINITE = re.compile(r"(:\s*+)(-?(?:nan|inf))(?=\s*+[,}])")
# Lines with no epoch/step marker that hold nothing but "name value" pairs ("loss 0.312, train acc 0.885, test acc
# 0.861"): one line per epoch when every such line has the same names. A name's words are never nan/inf (values).
_BARE_NAME = r"[A-Za-z][\w/.\-()]*+(?:[ ](?!(?i:nan|inf)\b)[A-Za-z][\w/.\-()]*+){0,3}+"
_BARE_ITEM = re.compile(rf"\s*+({_BARE_NAME})\s*+[:=]?\s*+({_NUMBER})(?:%|ms|s)?+(?![\w.])\s*+[,;|]?+")
_BARE_LINE = re.compile(rf"(?:\s*+{_BARE_NAME}\s*+[:=]?\s*+(?:{_NUMBER})(?:%|ms|s)?+(?![\w.])\s*+[,;|]?+)++\s*+")
# Such a pair whose value is Python's None ("min_loss:None": a best so far before the first epoch): no value yet.
_NONE_ITEM = re.compile(rf"(?<![\w.])({_BARE_NAME})(\s*+[:=]\s*+)None(?=\s*+(?:[,;|]|$))")
# Keras' History printed as a Python dict after a label, on one line (a script's print('train history:',
# history.history) or print("train history: " + str(history.history))): "train history: {'acc': [0.5695, ...],
# 'loss': [1.0985, ...], 'val_acc': [...], 'val_loss': [...]}". Read with ast.literal_eval, never eval; Python's repr
# writes a non-finite float as a bare nan / inf / -inf, NumPy 2 a scalar as np.float64(0.5).
_HISTORY_DICT = re.compile(r"^[^{}\n]{0,80}?(?=\{'[^'\n]{1,200}+':\s*+\[)")
_LIST_NONFINITE = re.compile(r"(?<=[\[,\s])(-?(?:nan|inf))(?=\s*+[,\]])")
#: The longest such line read (a history of a few thousand epochs of a few metrics).
HISTORY_MAX_CHARS = 8 << 20
#: Lines without a marker, one per epoch, are read when at least this many share one set of names.
BARE_MIN_LINES = 3
# An evaluation line printed after training lines, with no marker of its own: PyTorch's MNIST example ("Test set:
# Average loss: 0.0330, Accuracy: 9890/10000 (99%)"), tutorials ("Validation loss: 0.41, accuracy: 88.2 %").
# Also after a sentence that ends in "is" (a CIFAR-10 script's print('The result of {} with {} is test acc: {:.2f}%,
# loss: {}'.format(model_name, optimizer_name, acc, loss)) every few epochs).
_EVAL_LINE = re.compile(
    r"^(?:[^\n]{0,160}?\sis\s++)?\s*+(test|validation|validate|valid|val|eval|evaluation|dev)\b(?:\s++set\b)?+\s*+[:,|\-]?+\s*+"
    r"(.{1,400}+)$",
    re.IGNORECASE,
)
# An evaluation line's one "name: value" pair ("Validation accuracy: 0.585": "accuracy: 0.585").
_ONE_PAIR = re.compile(rf"[A-Za-z][\w.\-]{{0,40}}+\s*+[:=]\s*+{_NUMBER}%?+\s*+")
# The training line of a pair printed alike after an epoch's marker, the split word leading each ("Train. Total Loss:
# 1.60, Rec.: 1.46, KL: 0.14, AUC: 50.42%" then "Val. Total Loss: 1.79, ..."; "  Train Loss: 0.0056, ACC: 1.0000"
# then "  Val   Loss: 0.0000, ACC: 1.0000"): read as the evaluation line after it is, named for the train split.
_TRAIN_LINE = re.compile(r"^\s*+(?:train|training)\b\.?+\s*+[:,|\-]?+\s*+(.{1,400}+)$", re.IGNORECASE)
# A held-out split word leading a marker line's values ("[Epoch: 05] Valid acc: 0.2988 | loss: 2.0462", "Epoch 1 -
# Validation Accuracy: 0.78, F1: 0.78"): every value of the line that names no split of its own is that split's.
_LEAD_SPLIT = re.compile(r"[\s\]\[|:\-]*+([A-Za-z]++)\.?+\s++(?=[A-Za-z])")
# A split word alone between bars right after the marker (Mozilla DeepSpeech's run_set: prefix = 'Epoch {} |
# {:>10}'.format(epoch, 'Training' or 'Validation'), then ' | ' Timer ' | Steps: ' Counter ' | ' 'Loss: %f', and ' |
# Dataset: ...' for a validation set: "Epoch 3 |   Training | Elapsed Time: 0:45:54 | Steps: 3533 | Loss: 5.881985"
# then "Epoch 3 | Validation | ... | Loss: 12.539122 | Dataset: dev.csv"): it names each value of its line.
_BAR_SPLIT = re.compile(r"\s*+\|\s*+([A-Za-z]++)\s*+\|")
# The prefix before a line's marker that names its split: a tag ("[Train] Epoch 001: loss = 0.019304", "[Diff-Val(
# Test-Normal)] Epoch 001 (Deterministic): loss = 0.007187", "[val] epoch:0 miou:0.20"), or one word, a summary word may
# follow (Demucs' solver logs f'Train Summary | Epoch {epoch + 1} | {_summary(formatted)}' and 'Valid Summary | ...',
# and its LogProgress 'Train | Epoch 1 | 286/573 | 1.46 it/sec | Loss 0.2158 | ...', after logging's "- " prefix).
_HEAD_TAG = re.compile(r"\s*+(?:[-*]\s++)?\[([^\[\]\n]{1,40}+)\]\s*+(?:[|:\-]\s*+)?")
_HEAD_WORD = re.compile(r"\s*+(?:[-*]\s++)?([A-Za-z]++)(?:\s++(?i:summary|set|phase))?\s*+(?:[|:\-]\s*+)?")
# "T_Loss 11.061 | T_acc 0.111 | V_Loss nan | V_acc. nan": T_ / V_ prefixes, the train and val split only as a pair (a
# T_x and a V_x of the same name on one line; alone, V_ may be a voltage).
_TV_PREFIX = re.compile(r"^([TtVv])_(?=[A-Za-z])")
# Python's warnings.formatwarning ("D:\\...\\_ranking.py:424: UndefinedMetricWarning: Only one class ...", then the
# source line, indented: "  warnings.warn("): no chatter between a marker line and the lines that report on it.
_PY_WARNING = re.compile(r"^\S[^\n]{0,1000}?\.py:\d++: [A-Z]\w{0,80}+(?<=Warning): ")
# A line that starts with a batch counter and has no marker of its own ("  Batch 50/295, Loss: 0.0001"), under an
# "Epoch 1/2 (lr=0.01000)" line: that epoch's batch.
_LEAD_BATCH = re.compile(r"^\s*+(?:mini[-_]?)?batch\b", re.IGNORECASE)
# A "count" leading such a line is the batch's number too, only there (elsewhere a count may be of anything):
# YanjieZe/image-caption-generator's train.py, logging.info("train epoch: %d"%eps) then, every 50 batches,
# logging.info("count: %d, loss:%f: "%(cnt,loss.item())) under basicConfig's default "INFO:root:" prefix.
_LEAD_COUNT = re.compile(r"^\s*+(count)\s*+[:=]\s*+(\d++)(?![\w.])", re.IGNORECASE)
# The position within the epoch at the end of a line that has no marker of its own, under an epoch marker line (the
# PyTorch quickstart's train loop: print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]") every 100 batches, under
# print(f"Epoch {t+1}\n-------------------------------")): that epoch's batch, the samples seen so far its counter.
_TRAIL_POSITION = re.compile(r"\s\[\s*+(\d++)\s*+/\s*+(\d++)\s*+\]\s*+$")
# The quickstart's test loop: print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n"):
# a held-out split's heading, its values on the next line (read as "Test: Accuracy: 67.8%, Avg loss: 0.41").
_EVAL_HEAD = re.compile(r"\s*+(test|validation|valid|val|eval|evaluation|dev)\s++(?:error|results?|set|metrics)\s*+:\s*+",
                        re.IGNORECASE)
# A held-out value whose label is written in Chinese before the name, on a line of its own after an epoch's training
# lines (a digit-recognition script's print("整体测试集上的Loss: {}".format(total_test_loss)) and
# print("整体测试集上的正确率: {}".format(accuracy)): "loss / accuracy on the whole test set"); the colon may be
# full-width. The label's split: 测试 test, 验证 validation; 训练 (train) or no split word: not read this way.
_LABELLED_EVAL = re.compile(
    rf"^\s*+([^\x00-\x7f]{{1,40}}?)(loss|Loss|LOSS|正确率|准确率)\s*+[:：]\s*+({_NUMBER})\s*+$"
)
_HELD_OUT_WORDS = (("测试", "test"), ("验证", "val"))
# A held-out loss in nats on a line of its own, after an arrow, under the step line it was computed at
# (MihaelaBogdan/resonance-lm's checkpoints/train.log, a Romanian char-level LM: "        -> validare 0.5589 nats =
# 0.8064 biti/caracter"): a bare split word (validare: validation) and one number, that split's loss
# (naming.bare_split_loss); the bits per character after "=" are the same loss in another unit, not a curve of its own.
_NATS_EVAL = re.compile(rf"^\s*+(?:[-=]>\s*+)?([A-Za-z]{{2,12}}+)\s*+[:=]?\s*+({_NUMBER})\s++nats\b")
_ACCURACY_WORDS = ("正确率", "准确率")
# PyTorch's ReduceLROnPlateau(verbose=True): print('Epoch {}: reducing learning rate of group {} to {:.4e}.'.format(
# epoch_str, i, new_lr)), epoch_str "%.5d" ("Epoch 00016: reducing learning rate of group 0 to 5.0000e-03.").
_PLATEAU = re.compile(r"^\s*+Epoch\s++[\d.]++\s*+:\s*+reducing learning rate of group \d++ to ")
# "45/450 (10%)": a count over a total, then its percentage: the share.
_FRACTION = re.compile(r"(?<![\w.])(\d++)\s*+/\s*+(\d++)(?:\s*+\(\s*+\d++(?:\.\d++)?+\s*+%\s*+\))?+")
# Words that only say how a value was reduced ("Average loss" is the loss).
_REDUCED = ("average", "avg", "mean")
_EVAL_SPLIT = {"test": "test"}
#: An evaluation line is read when it follows a line with a marker within this many lines.
EVAL_AFTER = 4
# What the plain-text reader tries, for the error about a text that is none of them.
PATTERNS = (
    "Keras 'Epoch N/M' + progress lines; lines with an epoch/ep/step/iter marker and name[:=]value pairs "
    "(also after a logging prefix); a marker line followed by name=value lines or a {'name': value} dict; "
    "CLU/absl '[step] name=value, ...' lines; OpenNMT-py 'Validation perplexity' lines; 3+ lines of the same 'name value' pairs (one per epoch); "
    "fairseq, Megatron-LM, Hugging Face Trainer {'loss': ...} dicts, torchtune 'Step N |', "
    "build-nanogpt '<step> train <loss>'; a Keras history printed as a dict (train history: {'loss': [...]}); "
    "caffe2 'Tensor loss of type float. Dims: (): X' lines; spaCy {'textcat': X} losses dicts; an 'Epoch  Train Loss "
    "...' table of numbers after banners; federated 'Round [r/R]' headings over clients' 'loss = x' lines"
)


# Lightning's ModelCheckpoint(verbose=True) messages (pytorch_lightning/callbacks/model_checkpoint.py:
# f"Epoch {epoch:d}, global step {step:d}: {self.monitor!r} reached {current:0.5f} (best ...), saving model to
# {filepath!r} as top {k}" and "... {self.monitor!r} was not in top {self.save_top_k}"; before 1.5: "Epoch 00004:
# val_loss reached ..."), often glued to the end of a tqdm bar: a message about a file saved, not values.
_CKPT_MESSAGE = re.compile(
    r"(?:Epoch\s++\d++(?:,\s*+global step\s++\d++)?+:\s*+)?+'?[^\s']{1,200}'?\s++"
    r"(?:reached\s++[^\s(]++\s++\(best\s++[^\s)]++\),\s++saving model to\s.*?\s++as top\s++\d++|was not in top\s++\d++)"
)


def _clean(line: str) -> str:
    """The text a terminal would show last: drop ANSI codes and everything a run of backspaces erased; and a
    Lightning ModelCheckpoint message (``_CKPT_MESSAGE``), which holds no values."""
    line = ANSI.sub("", line)
    if "【" in line and (m := _FULLWIDTH_EPOCH.match(line)):
        return f"Epoch {m[1]}/{m[2]}"
    if "\x08" in line:
        parts = [p for p in re.split(r"\x08+", line) if p.strip()]
        line = parts[-1] if parts else ""
    if " top " in line:
        line = _CKPT_MESSAGE.sub("", line)
    return line


def _keras_pairs(line: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in _KERAS_PAIR.finditer(line)}


def _markers(line: str) -> tuple[dict[str, float], list[tuple[int, int]], str]:
    """The epoch/step numbers a line carries, the spans of its markers, and its leading marker word."""
    found: dict[str, float] = {}
    spans = []
    lead = ""
    m = _EPOCH_BATCH.match(line)
    if m:  # PyTorch's CIFAR-10 tutorial: "[2,  2000] loss: 1.234" (epoch, then the batch within it)
        return {"epoch": float(m.group(1)), "step": float(m.group(2))}, [m.span()], "epoch"
    m = _EPOCH_IT.match(line) if line.lstrip()[:1].isdigit() else None
    if m and int(m.group(2)) <= int(m.group(3)):  # Mugs/DINO-style "0-epoch (4/178643): total loss 11.06, ..."
        return {"epoch": float(m.group(1)), "step": float(m.group(2))}, [m.span()], "epoch"
    if line[:2] in ("[0", "[1", "[2", "[3", "[4", "[5", "[6", "[7", "[8", "[9") and (m := _PADDED_EPOCH.match(line)):
        return {"epoch": float(m.group(1))}, [(0, m.end() - 1)], "epoch"  # "[001] train_loss: 1.153 | dev_loss: ..."
    m = _CLU_STEP.match(line)
    if m:  # CLU / Flax: "[100] train_loss=0.5, learning_rate=0.001" (the step)
        return {"step": float(m.group(1))}, [m.span()], "step"
    m = _DASH_EPOCH.match(line) if line[:1] in " -\t" else None
    if m:  # a PointNet-style block's head: "-----3------"
        return {"epoch": float(m.group(1))}, [m.span()], "epoch"
    if line[:5] == "==>>>" and (m := _OCL_IT.match(line)):  # online-continual-learning: "==>>> it: 101, avg. loss: ..."
        return {"step": float(m.group(1))}, [m.span()], "iter"
    if line[:1] == "[" and (m := _TAG_STEP_DICT.match(line)) and int(m.group(1)) <= int(m.group(2)):
        return {"step": float(m.group(1))}, [m.span()], "step"  # JAX-CFD: "[Train 10/1882] {'train_loss': 0.0077}"
    m = _ITER_OF.match(line)
    if m and "loss" in line.lower():  # deep-text-recognition-benchmark: "[20000/300000] Train loss: 0.30, ..."
        return {"step": float(m.group(1))}, [m.span()], "step"
    if line.lstrip()[:1] == "[":
        m = _PAREN_EPOCH.match(line)
        if m:  # MalConv: "[ (0 ) Loss:  0.382, train_Acc: 0.94802, valid_Loss: 0.361, valid_Acc: 0.97700]"
            return {"epoch": float(m.group(1))}, [m.span()], "epoch"
        m = _EPOCH_OF.match(line)
        if m and int(m.group(1)) <= int(m.group(2)):  # "[  0/200]: dloss: 0.0151, gloss: 3.2251"
            return {"epoch": float(m.group(1))}, [m.span()], "epoch"
        m = _GLUED_EPOCH.match(line)
        if m:  # "[epoch0] trian_loss=315.74 train_maxp=0.50 valid_loss=301.18 ..."
            return {"epoch": float(m.group(1))}, [m.span()], "epoch"
    if line.lstrip()[:1].isdigit():
        m = _N_OF_EPOCH.match(line)
        if m and int(m.group(1)) <= int(m.group(2)):  # "1/10 epoch G_loss : 3.14, D_loss : 0.27"
            return {"epoch": float(m.group(1))}, [m.span()], "epoch"
    for m in _MARKER.finditer(line):
        if not spans and m.start() > MARKER_MAX_COLUMN and not (
                line[m.start() - 2 : m.start()] == "- " and "/" in m.group(0) and not line[m.end() :].strip()):
            # prose that mentions a step or an epoch, not a progress line; but for "<value> - epoch e/N" ending the
            # line (DL_p2's logging.info('Average Training loss %3f - epoch %i/%i' % ...) after its time stamp)
            break
        if m.start() and _COUNT_WORDS.search(line, max(0, m.start() - 12), m.start()):
            continue  # "Total Epoch:300 Image_size:(256, 256) Training num:288": a setting, the number of epochs
        # "global step"; "Ép 1": ep; "époque 3", "epocă 3": epoch
        word = m.group(1).lower().replace(" ", "_").replace("é", "e").replace("ă", "a")
        word = _EPOCH_WORDS.get(word, word)
        if word[-1] == "s" and word != "pas":  # "Steps 10, ...", "iters: 100, loss:1.38" (plural marker words)
            if not _plural_marker(line, m):
                continue  # "Total train steps: 5,744", "STEPS: (30, 50)", "lr=0.001, iterations=10000": settings
            word = word[:-1]
        lead = lead or word
        kind = "epoch" if word in ("epoch", "ep") else "step"
        if word == "global_step" and kind in found and lead != "global_step":
            found[kind] = float(m.group(2).replace(",", ""))  # "iteration 0: global_step=17; loss_value=5.1": the
            # global step counts
        else:
            found.setdefault(kind, float(m.group(2).replace(",", "")))
        spans.append(m.span())
    if (len(spans) == 2 and lead[:4] == "iter" and "epoch" not in found
            and (m := _ITER_STEP_OF.match(line, spans[0][0])) and int(m[1]) >= 1 and int(m[2]) < int(m[3])):
        # "iteration:2 step:56/1044, NER loss: 5.215852" (ChineseNER): a point per line at the global step, the
        # iteration its epoch, not one point per iteration
        return {"epoch": float(m[1]), "step": (int(m[1]) - 1) * float(m[3]) + int(m[2])}, [m.span()], lead
    if (spans and lead == "step" and "epoch" not in found and line[spans[0][0] - 2: spans[0][0]] == "] "
            and (m := _PHASE_EPOCH_OF.search(line, max(0, spans[0][0] - 40), spans[0][0]))
            and int(m.group(1)) <= int(m.group(2))):
        found = {"epoch": float(m.group(1)), **found}  # "Train: [ 1/5] Step 300/335 Loss 52.767"
        spans.insert(0, (m.start(1) - 1, m.end(2) + 1))
    if (len(spans) == 1 and lead == "epoch" and "step" not in found and "%|" in line
            and (m := _TQDM_STEP.match(line)) and m.start(1) > spans[0][1] and 0 < int(m.group(1)) < int(m.group(2))):
        # a Lightning bar refreshed in place ("Epoch 0:  13%|█▎        | 500/3999 [14:19<1:40:13,  1.72s/it, v_num=29,
        # train_total_loss=5.660]"): the bar's counter is the step within the epoch, each refresh a point; a completed
        # bar ("Epoch 3: 100%|...| 28/28 [..., D=2.2, G=0.01]", one line per epoch) stays the epoch's line, and so
        # does the bar reset at 0 for the next epoch before its name changes ("Epoch 3:   0%|  | 0/28 [..., D=2.2]":
        # the last epoch's postfix, no batch yet), so that the counter goes back only where the epoch moves on
        found["step"] = float(m.group(1))
        spans.append((spans[0][1], m.end()))
        return found, spans, lead
    if not spans and "%|" in line and (m := _TQDM_STEP.match(line)) and int(m.group(1)) <= int(m.group(2)):
        return {"step": float(m.group(1))}, [(0, m.end())], "step"  # "Training progress: 5%|...| 1460/30000 [..., Loss=0.08]"
    if (not spans and ("p" in line or "P" in line) and (m := _GLUED_EP.search(line, 0, MARKER_MAX_COLUMN + 12))
            and m.start() <= MARKER_MAX_COLUMN):
        return {"epoch": float(m.group(1))}, [m.span()], "epoch"  # "Load file: None, EP0, avg_loss=0.0010"
    if not spans and "E" in line:
        m = _E_OF.search(line, 0, MARKER_MAX_COLUMN + 12)
        if m and m.start() <= MARKER_MAX_COLUMN and int(m.group(1)) <= int(m.group(2)):
            # "[Fold 0] Head E1/6: train_loss=...": the tag before it is a label (the phase's), never a pair "Fold"
            # (its span after the marker's, so that the text before the first span is still the label)
            tag = _TAG_PHASE.match(line, len(line) - len(line.lstrip()))
            extra = [(tag.start(), tag.start(2) if tag.group(2) else tag.end())] if tag and tag.end() <= m.start() else []
            return {"epoch": float(m.group(1))}, [m.span(), *extra], "epoch"
    return found, spans, lead


def _plural_marker(line: str, m: re.Match) -> bool:
    """A plural marker word ("Steps 10, Total time 5.99, ... Loss 1.945e+02", "iters: 100, loss:1.3818", "Iters:
    10/20000 || Lr: ...") counts the progress only first on its line (no pair before it), with a plain number
    that a comma or a bar ends; else it is a setting ("Total train steps: 5,744", "STEPS: (30, 50)")."""
    head = line[: m.start()]
    if "=" in head or "," in head or "|" in head or "[" in m.group(0) or "(" in m.group(0):
        return False
    return _PLURAL_END.match(line, m.end()) is not None


def _message(line: str) -> str:
    """A log line without its logging prefix (everything up to the level), or the line itself."""
    m = _LEVEL.match(line)
    return line[m.end() :] if m else line


def _kv_pairs(line: str) -> dict[str, float] | None:
    """The pairs of a line that holds nothing else (a block's body line), or None."""
    if not _KV_LINE.fullmatch(line):
        return None
    out: dict[str, float] = {}
    for m in _KV_ITEM.finditer(line):
        name = "_".join(m.group(1).split(" "))
        if not is_bookkeeping(name):
            out.setdefault(name, float(m.group(2).replace(",", "")))
    return out


def _generic_pairs(line: str, spans: list[tuple[int, int]]) -> dict[str, float]:
    # Blank out the markers so that their numbers are not read as values, and so that no pair spans a marker: a
    # word before it is a phase label ("Fine-Tune Epoch 2/3: 100%|..." is no series "Fine-Tune" of value 100).
    chars = list(line)
    for a, b in [*spans, *(m.span() for m in _CLOCK.finditer(line))] if ":" in line else spans:
        for i in range(a, b):
            chars[i] = "|"
    rest = "".join(chars)
    if rest[:2] == "||" and (d := rest.lstrip("|").lstrip())[:2] == "{'" and (dp := _dict_pairs(d)) is not None:
        return {k: v for k, v in dp.items() if not is_bookkeeping(k)}  # "[Train 10/1882] {'train_loss': 0.0077}"
    if "|g|" in rest:  # "| |g|  0.33 |" (resonance-lm's step lines): the norm of the gradient, read as grad_norm
        rest = rest.replace("|g|", "|grad_norm")
    if " at |" in rest:  # "Loss at step 4: 7.94" (QG's logging.info("Loss at step %d: %f")): the name before the marker
        rest = _NAME_AT_MARKER.sub(r"\2 \1\3", rest)
    bare = _BARE_VALUE.fullmatch(rest)
    if bare:  # "Epoch 3: 0.412": a marker and one number, nothing named: the loss a loop prints
        return {"loss": float(bare.group(1))}
    out: dict[str, float] = {}
    if "~" in rest:  # "Train 9.6801 | Val~20% 9.6793": the val loss estimated on 20% of the validation set
        for m in _SPLIT_SHARE.finditer(rest):
            if bare_split_loss(m[1]):
                out[f"{m[1]}~{m[2]}%"] = float(m[3])
                rest = rest[: m.start()] + "|" * (m.end() - m.start()) + rest[m.end() :]
    group = _LOSS_GROUP.search(rest)
    for m in _PAIR.finditer(rest):
        # At most two words, so that chatter before the name ("evaluating train loss") is not taken for part of
        # it; words are joined with "_" ("train loss" -> train_loss), the way the other formats name series.
        words = m.group(1).split(" ")[-2:]
        name = "_".join(words)
        if len(words) > 1 and resolve(name).kind == "other" and resolve(words[-1]).kind != "other":
            name = words[-1]
        if group and group.start() <= m.start() < group.end() and resolve(name).kind == "other":
            name = f"{name}_loss"  # "[Losses: x 0.27, ..., total 15.1]": the parts and the total of the loss
        if not is_bookkeeping(name) and name.lower() not in ("best", "of"):  # time, elapsed, it/s...; the best so
            # far; "of 4" in "Batch 3 of 4": the count's total
            out.setdefault(name, float(m.group(2)))
    if not out and spans:
        out = _value_names(rest)
    return out


def _value_names(rest: str) -> dict[str, float]:
    """A marker line's values printed before their names ("0.9816 C.E. Loss, 94.28% Accuracy"): {} unless every
    such item names a loss or a metric of known direction and one of them a loss."""
    out: dict[str, float] = {}
    for m in _VALUE_NAME.finditer(rest):
        name = "_".join(m.group(2).split(" "))
        if not _curve_name(name):
            return {}
        out.setdefault(name, float(m.group(1)))
    return out if any(resolve(k).kind == "loss" for k in out) else {}


def _split_before(line: str, spans: list[tuple[int, int]]) -> str | None:
    """The held-out split a marker line's leading word names ("test" in "Test Epoch: 5 ...", "val" in "Validation
    epoch 3"), when that word alone comes before the marker; else None ("Train Epoch": train is the default)."""
    if not spans:
        return None
    head = line[: spans[0][0]].strip(" \t[|:-")
    split = split_word(head) if head and len(head) <= 12 and " " not in head else None
    return split if split != "train" else None  # a train block's names are train values already


def _with_split(name: str, split: str) -> str:
    """A block's name with its marker's split ("ave" -> "test_ave"), unless the name says a split of its own."""
    words = [w for w in re.split(r"[_\s/.\-]+", name) if w]
    if any(split_word(w) or w.lower() in ("tr", "trn", "va", "dev", "te") for w in words):
        return name
    return f"{split}_{name}"


def _config_lines(lines: list[str]) -> set[int]:
    """The lines of an argument dump: CONFIG_MIN_LINES or more consecutive ``name =  value`` lines (spaces around the
    ``=``, as print(k, '= ', v) over vars(args) writes them; or around a ``:``, ``method : lstm``), one value at
    least not a number (a path, True); their
    numbers (``epoch =  20``, ``tolerance =  0.0001``) are settings, not a marker or points. So are such lines of
    numbers only before the log's first marker line, when one names the training's length or its learning rate
    (``epochs : 100``, ``lr : 0.001``, ``batch_size : 32``) and none a loss or a metric."""
    out: set[int] = set()
    block: list[int] = []
    names: list[str] = []
    texts = False
    marked = False  # a marker line came before

    def close() -> None:
        if len(block) < CONFIG_MIN_LINES:
            return
        if texts or (not marked and any(_SETTING_NAME.fullmatch(n) for n in names)
                     and not any(resolve(n).kind in ("loss", "metric") for n in names)):
            out.update(block)

    for i, raw in enumerate(lines):
        m = _ASSIGN.match(raw) if " = " in raw or "=  " in raw or " : " in raw else None
        if m is None:
            if raw.strip():
                close()
                block, names, texts = [], [], False
                marked = marked or bool(_markers(_message(_strip_prefix(_clean(raw))))[0])
            continue
        block.append(i)
        names.append(raw.split("=" if "=" in raw.split(":", 1)[0] else ":", 1)[0].strip())
        texts = texts or _NUMBER_ONLY.fullmatch(m.group(1).strip()) is None
    close()
    return out


def _phase_split(kv: dict[str, float]) -> str | None:
    """The split a block line's leading word names when its first pair is "<split word> <name>" (the torchvision
    fine-tuning tutorial's '{} Loss: {:.4f} Acc: {:.4f}'.format(phase, ...): "train Loss: 2.5 Acc: 0.33"), else
    None."""
    first = next(iter(kv))
    word, sep, rest = first.partition("_")
    return split_word(word) if sep and rest and " " not in word else None


def _batch_counter(line: str, spans: list[tuple[int, int]]) -> tuple[str, float] | None:
    """(its name, its number) of the first batch counter of a line beyond its markers, or None."""
    for m in _BATCH.finditer(line):
        if not any(a <= m.start() < b for a, b in spans):
            if m.group(1) is None:  # "200/ 2983 batches", "| 286/573 |", ", 100/ 1056;": the count, not a series
                return (("", float(m.group(4))) if m.group(4) else ("| N/M |", float(m.group(6))) if m.group(6)
                        else (_ONMT_BATCH, float(m.group(8))))
            return "_".join(m.group(1).split(" ")), float(m.group(2))
    if spans and (m := _BRACKET_BATCH.match(line, spans[0][1])) and int(m.group(1)) <= int(m.group(2)):
        return "[i/N]", float(m.group(1))
    return None


def _lead_batch(msg: str) -> tuple[str, float] | None:
    """(its name, its number) of the batch counter leading a line that has no marker (``Batch 50/295, ...``,
    ``count: 50, ...``), or None."""
    if msg[:1] in " \tCc" and (m := _LEAD_COUNT.match(msg)):
        return m.group(1), float(m.group(2))
    return _batch_counter(msg, []) if _LEAD_BATCH.match(msg) else None


def _steps_from_batches(
    counted: list[tuple[list, str, float]], col: _Collector, body: dict[int, set[str]], generic: list[list]
) -> None:
    """Lines with an epoch marker and a batch counter but no step (``ep: 0, batch: 100, ..., loss: 9.12``): when the
    counter rises from line to line within an epoch (and never goes back within one), each line is a point at that
    step, its epoch kept as the epoch of the point (as Lightning's step+epoch rows); a counter that starts again at
    each epoch is counted on across epochs by ``finish_run`` (``base.steps_within_epochs``). Otherwise (a batch size
    printed on every line, the same at every epoch) the lines stay on the epoch axis as before.

    Then what is printed once an epoch beside those lines is the epoch's, not a batch's (ConcatBERT's train.py:
    'Epoch {:2d} | Batch {:3d}/{:3d} | Time/Batch(ms) {:5.2f} | Train Loss {:5.4f}' every 100 batches, then the
    evaluation's 'F1 score: ', 'Accuracy: ' and 'Epoch {:2d} | Time {:5.4f} sec | Train Acc {:5.4f} | Train Loss
    {:5.4f} | Valid Loss {:5.4f}'). ``body``: the names each marker entry (by id) took from the lines under it;
    ``generic``: every marker entry, in file order."""
    rises = False
    start = (counted[0][0][1], counted[0][2])  # the first epoch and its first counter
    for (prev, _, a), (entry, _, b) in itertools.pairwise(counted):
        if not _same(prev[1], entry[1]):
            continue
        if b < a and not (_same(entry[1], start[0]) and b == start[1]):
            return  # goes back within an epoch: not the epoch's batches
        # back to the first epoch's first batch: the training started again (runs appended to one log, the latest
        # kept by finish_run), not a batch counter that goes back
        rises = rises or b > a
    if not rises:
        return
    for entry, name, c in counted:
        entry[2] = c
        entry[3].pop(name, None)  # the axis, not a curve
    what = repr(counted[0][1]) if counted[0][1] else "'N/M batches'"
    col.note(f"lines carry an epoch and a batch counter ({what}) that rises within it: one point per line "
             "on the step axis (the counter), the epoch kept for each point")
    _count_on_per_training(counted, col)
    _epoch_values_of_batches(counted, col, body, generic)


def _iters_within_epochs(generic: list[list], col: _Collector) -> None:
    """Lines with an epoch and an iteration marker whose iteration starts again at every epoch, of several trainings
    appended to one log (CS224n NMT's ``epoch 0, iter 1000, avg. loss 234.87, ...``, 1000..7000 per epoch, then
    ``epoch 0, iter 1000`` again): the iterations are counted on across the epochs of each training
    (``_count_on_per_training``), so that only where a training starts again does the counter go back (``finish_run``
    keeps the latest). One training is left to ``base.steps_within_epochs``, as before. Only when the iteration goes
    back at every rise of the epoch."""
    both = [e for e in generic if math.isfinite(e[1]) and math.isfinite(e[2])]
    if len(both) < 3 or len(both) != sum(1 for e in generic if math.isfinite(e[2])):
        return
    rises = [(a, b) for a, b in itertools.pairwise(both) if b[1] > a[1]]
    if not rises or any(b[2] > a[2] for a, b in rises):
        return
    first = (both[0][1], both[0][2])
    for a, b in itertools.pairwise(both):
        if _same(a[1], b[1]) and b[2] < a[2] and not (_same(b[1], first[0]) and b[2] <= first[1]):
            return  # goes back within an epoch, not to where the log began (an evaluation's steps, a resume)
    _count_on_per_training([(e, "", e[2]) for e in both], col)


def _count_on_per_training(counted: list[tuple[list, str, float]], col: _Collector) -> None:
    """Per-batch lines of several trainings appended to one log (``Epoch 1, Batch 2300, Loss: 1.0155``: epochs 1..3,
    then 1 again): a counter that starts again at each epoch is counted on across the epochs of each training here
    (``base.steps_within_epochs`` does it for one training, and leaves a counter alone when the epoch goes back), so
    that the counter goes back only where a training starts again, which ``finish_run`` cuts (the latest kept)."""
    starts = [i for i in range(1, len(counted)) if counted[i][0][1] < counted[i - 1][0][1]
              or (_same(counted[i][0][1], counted[i - 1][0][1]) and counted[i][2] < counted[i - 1][2])]
    if not starts:
        return  # one training: finish_run counts on across its epochs, as before
    steps = [e[2] for e, _, _ in counted]
    rises = [b - a for a, b in itertools.pairwise(steps) if b > a]
    typical = float(np.median(rises)) if rises else 1.0
    offset = 0.0
    moved = False
    for i in range(1, len(counted)):
        prev, entry = counted[i - 1][0], counted[i][0]
        if i in starts:
            offset = 0.0
        elif entry[1] > prev[1] and counted[i][2] <= counted[i - 1][2]:  # the next epoch, the counter from its start
            offset += counted[i - 1][2] + typical - counted[i][2]
            moved = True
        entry[2] = counted[i][2] + offset
    if moved:
        col.note(f"{len(starts) + 1} trainings appended to one log, each with a batch counter that starts again at "
                 "every epoch: steps counted on across the epochs of each training")


def _epoch_values_of_batches(
    counted: list[tuple[list, str, float]], col: _Collector, body: dict[int, set[str]], generic: list[list]
) -> None:
    """Per-batch lines (``_steps_from_batches``) and what is printed once an epoch beside them:

    - metrics under the last batch line of each epoch only (``F1 score: 0.91``, ``Accuracy: 0.91``), named for no
      split: the evaluation run after the epoch's batches, a val metric at that epoch (``val_F1_score``);
    - a line with the epoch marker and no batch counter (the epoch's summary) that names a series the batch lines
      name too (``Train Loss``): the epoch's value, kept beside the per-batch curve as ``Train_Loss_epoch`` (as
      Lightning's train_loss_step / train_loss_epoch), not mixed into it."""
    entries = [e for e, _, _ in counted]
    groups = [list(g) for _, g in itertools.groupby(entries, key=lambda e: e[1])]
    lasts = {id(g[-1]) for g in groups}
    if any(body.get(id(e)) and id(e) not in lasts for e in entries):
        return  # lines under every batch line: that batch's values
    moved: set[str] = set()
    if any(len(g) > 1 for g in groups):
        for g in groups:
            entry = g[-1]
            names = [k for k in entry[3] if k in body.get(id(entry), ()) and resolve(k).kind == "metric"
                     and not any(split_word(w) for w in re.split(r"[_\s/.\-]+", k) if w)]
            if names:
                generic.append([entry[0], entry[1], math.nan, {f"val_{k}": entry[3].pop(k) for k in names}])
                moved.update(names)
    if moved:
        col.note(f"{', '.join(sorted(moved))}: printed once an epoch after its batch lines (the evaluation): read "
                 "as val metrics at that epoch")
    batch_names = {k for e in entries for k in e[3]}
    ids = {id(e) for e in entries}
    renamed: set[str] = set()
    for entry in generic:
        if id(entry) in ids or not math.isfinite(entry[1]) or math.isfinite(entry[2]):
            continue
        both = [k for k in entry[3] if k in batch_names]
        for k in both:
            entry[3][f"{k}_epoch"] = entry[3].pop(k)
        renamed.update(both)
    if renamed:
        col.note(f"{', '.join(sorted(renamed))}: printed per batch and once an epoch (the epoch's summary line): "
                 f"the epoch's values read as {', '.join(sorted(k + '_epoch' for k in renamed))}, beside the "
                 "per-batch curve")


def _epoch_summaries_beside_steps(generic: list[list], col: _Collector) -> None:
    """Lines with a step marker (``Epoch 1/3 | Step 100/1000 | Loss: 2.18 | Accuracy: 21.0%``) and, once an epoch, a
    summary line with the epoch marker and no step that names a series they name too (``Epoch 1 Complete - Avg Loss:
    1.2973, Accuracy: 54.9%``): the summary's value is the epoch's, kept beside the per-step curve as
    ``Accuracy_epoch`` (as ``_epoch_values_of_batches`` does for batch counters), not mixed into it at no step. Only
    for a summary of an epoch whose step lines are there."""
    stepped: dict[str, set[float]] = {}
    for _, epoch, step, pairs in generic:
        if math.isfinite(step) and math.isfinite(epoch):
            for k in pairs:
                stepped.setdefault(k, set()).add(epoch)
    if not stepped:
        return
    renamed: set[str] = set()
    for entry in generic:
        _, epoch, step, pairs = entry
        if math.isfinite(step) or not math.isfinite(epoch):
            continue
        both = [k for k in pairs if epoch in stepped.get(k, ())]
        for k in both:
            pairs[f"{k}_epoch"] = pairs.pop(k)
        renamed.update(both)
    if renamed:
        col.note(f"{', '.join(sorted(renamed))}: printed at every logged step and once an epoch (the epoch's summary "
                 f"line): the epoch's values read as {', '.join(sorted(k + '_epoch' for k in renamed))}, beside the "
                 "per-step curve")


def _restarts_of_repeats(
    repeats: list[tuple[list, frozenset, int, bool, bool]], generic: list[list]
) -> list[tuple[int, float, int]]:
    """Marker lines with the same names printed again at the first epoch on a line of their own with other values,
    where the epoch counter goes back (idrpambudi/SRN-Deblur: "Epoch 1: average_loss = 0.03118 (...), 2019-06-10
    15:26:32" then "Epoch 1: average_loss = 0.04723 (...), 2019-06-10 15:36:42": two one-epoch trainings), each run
    counting up from that epoch: trainings appended to one log, as (index in ``generic``, epoch, line) of each start
    (the latest kept, with a note), instead of the later line silently standing for the earlier. [] for anything
    else: a redraw (one physical line, a tqdm bar, the same values), lines per batch (many an epoch), an epoch's
    training and evaluation lines printed alike (0, 0, 1, 1, ...: a run would start at its first epoch again)."""
    rows = [r for r in repeats if not r[3]]
    if len(rows) != len(repeats) or len({r[1] for r in rows}) != 1:
        return []
    if len(rows) > 3 and all(_same(r[0][1], rows[0][0][1]) for r in rows):
        return []  # one epoch's lines: its batches (_steps_from_repeats)
    first = rows[0][0][1]
    starts = []
    for (prev, _, pphys, _, _), (entry, _, phys, _, _) in itertools.pairwise(rows):
        if entry[1] > prev[1]:
            continue
        if entry[1] < prev[1] or phys == pphys or prev[3] == entry[3] or not _same(entry[1], first):
            return []  # (an epoch that goes back to a lower one: base.finish_run cuts there, as before)
        starts.append(entry)
    if not starts or not any(_same(a[0][1], b[0][1]) for a, b in itertools.pairwise(rows)):
        return []  # an epoch counter that goes back to a new epoch only: base.finish_run cuts it, as before
    ids = {id(e): i for i, e in enumerate(generic)}
    return [(ids[id(e)], e[1], next(r[2] for r in rows if r[0] is e) + 1) for e in starts if id(e) in ids]


def _latest_whole_training(
    generic: list[list], openings: list[tuple[int, str, int]], col: _Collector
) -> tuple[int, int] | None:
    """Trainings appended to one log, each from an ``Epoch 1/M`` line that holds no values (a LoRA script's
    logging.info(f"Starting epoch {epoch}/{num_epochs}") run again and again), whose epochs and steps overlap: a
    training that stopped at its first epoch and the next one's first epoch are at the same place, so that the
    counter never goes back there and one value would silently stand for the other. Then the trainings are parted at
    those lines and the latest whole one is kept (``base.whole_of``: a stub after it is left out), with a note; the
    (start, end) of its entries in ``generic``. None when no two trainings overlap (a counter going back is
    ``base.finish_run``'s, as before)."""
    bounds = [0, *(i for i, _, _ in openings), len(generic)]
    parts = [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
    if len(parts) < 2:
        return None
    places = [{(k, None if math.isnan(e[1]) else e[1], None if math.isnan(e[2]) else e[2])
               for e in generic[a:b] for k in e[3]} for a, b in parts]
    if not any(p & q for p, q in itertools.pairwise(places)):
        return None

    def back(a: int, b: int, c: int) -> bool:  # the epoch or the step goes back from part [a, b) to the one at b..c
        for axis in (1, 2):
            before = [e[axis] for e in generic[a:b] if math.isfinite(e[axis])]
            after = [e[axis] for e in generic[b:c] if math.isfinite(e[axis])]
            if before and after and after[0] < before[-1]:
                return True
        return False

    # Where the counter goes back at every start and all values are on one axis, base.finish_run tells the
    # trainings apart as before; not where one stopped at its first epoch (nothing goes back), nor where values on
    # the epoch axis and values on the step axis would each be cut on their own.
    mixed = (any(math.isfinite(e[1]) and not math.isfinite(e[2]) for e in generic)
             and any(math.isfinite(e[2]) and not math.isfinite(e[1]) for e in generic))
    if not mixed and all(back(p[0], p[1], q[1]) for p, q in itertools.pairwise(parts)):
        return None

    def points(a: int, b: int) -> int:  # the most points one series has in the part
        counts: dict[str, int] = {}
        for e in generic[a:b]:
            for k in e[3]:
                counts[k] = counts.get(k, 0) + 1
        return max(counts.values(), default=0)

    keep = whole_of([points(a, b) for a, b in parts])
    a, b = parts[keep]
    lines = [ln for _, _, ln in openings]
    shown = ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")
    later = len(parts) - 1 - keep
    col.restarted = True
    marker = re.sub(r"(/\s*+|\sof\s++)\d++", r"\1M", openings[0][1])
    col.note(f"{len(parts)} trainings appended to the log, each from an {marker!r} line with no values "
             f"(line{'s' if len(lines) > 1 else ''} {shown}), their epochs and steps overlapping: kept training "
             f"{keep + 1} of {len(parts)}"
             + (f", the latest whole one ({later} stopped after fewer than {STUB_POINTS} points after it, left out)"
                if later else " (the latest)"))
    return a, b


def _steps_from_repeats(repeats: list[tuple[list, frozenset, int, bool, bool]], col: _Collector) -> None:
    """Lines with an epoch marker and no step or batch counter (``epoch:  0 loss:  0.686``) printed once per batch:
    separate lines (newline-terminated) with the same epoch and the same names are separate points, numbered on the
    step axis in file order (1, 2, ...), their epoch kept. A redraw keeps the last reading, as before: lines that were
    one physical line (``\\r`` between them) or a tqdm bar's lines of one epoch; so does a line printed twice with the
    same values (two logging handlers). Read per batch only when such lines are the rule (at least three per epoch on
    average; two with the position in the epoch on the line), not one epoch logged again after a resume; the lines of
    an epoch count as its batches only while they follow one another (``Epoch N: Training Loss = x`` for N = 1..10,
    three times over: three runs, each epoch once, not three batches of each epoch).
    ``repeats``: (marker entry, the names the marker line itself held, its physical line, a tqdm bar line, the line
    shows its position within the epoch)."""
    by_keys: dict[frozenset, list[tuple[list, int, bool, bool]]] = {}
    for entry, keys, phys, bar, pos in repeats:
        by_keys.setdefault(keys, []).append((entry, phys, bar, pos))
    done = False
    for rows in by_keys.values():
        # one point per separate line; a redraw or a repeated print joins the point before it
        points: list[list[list]] = []
        for (prev, pphys, pbar, _), (entry, phys, bar, _) in zip([(None, -1, False, False), *rows[:-1]], rows, strict=True):
            same = prev is not None and _same(prev[1], entry[1])
            redraw = same and (phys == pphys or (bar and pbar) or prev[3] == entry[3])
            if redraw:
                points[-1].append(entry)
            else:
                points.append([entry])
        # Lines of one epoch are its batches only while they follow one another: an epoch that comes again after
        # others (10 -> 1: a run started again and appended) is a restart (base.finish_run), not more batches.
        epochs = [e for e, _ in itertools.groupby(p[0][1] for p in points)]
        # Two lines an epoch may be a training line and an evaluation line printed alike (PaddlePaddle tutorials'
        # "epoch: 0,  loss is: ..." after training and again after "testing in eval mode"): per batch only with the
        # position within the epoch on the line (PyTorch's MNIST example, main.py: 'Train Epoch: {} [{}/{}
        # ({:.0f}%)]\tLoss: {:.6f}'.format(epoch, batch_idx * len(data), len(train_loader.dataset), ...)).
        per_epoch = 2 if all(pos for _, _, _, pos in rows) else 3
        if len(points) < per_epoch * len(epochs) or len(points) < 4:
            continue
        for i, group in enumerate(points, start=1):
            for entry in group:
                entry[2] = float(i)
        done = True
    if done:
        col.note("lines with the same epoch and the same names, one per batch (no batch counter): one point per line "
                 "on the step axis (numbered in file order), the epoch kept for each point")


class _Collector:
    def __init__(self) -> None:
        self.points: dict[str, list[tuple[float, float, float]]] = {}  # name -> (epoch, step, value)
        self.notes: list[str] = []  # what the reader decided, for the run's notes
        self.phases: list[_Collector] = []  # the trainings pasted after the first one, each with its points
        self.phase: tuple[str, int] | None = None  # (its label, its first line), for a pasted training
        self.chosen: dict[str, str] = {}  # split -> the loss the log itself says is that split's (meta chosen_loss)
        self.role_names: dict[str, str] = {}  # a series -> the name whose role it has (T_Loss -> train_Loss)
        self.restarted = False  # trainings appended to the log, each starting at the same epoch: the latest kept
        self.averaged: set[str] = set()  # chosen val losses named as the evaluation's average (not a split word)
        self.total: str | None = None  # a bare "total" on the progress lines of a log that names no loss: the loss
        self.own_note: set[str] = set()  # chosen losses whose reason a note of their own gives
        self.role_of: dict[str, str] = {}  # a series -> the name whose role the layout gives it (spaCy's textcat)
        self.fold_cut = False  # the trainings are parted by lines naming a fold (cross-validation)
        self.best_so_far: set[str] = set()  # series printed only when they improved: metrics, never a loss curve

    def add(self, name: str, value: float, epoch: float, step: float) -> None:
        pts = self.points.setdefault(name, [])
        if pts and _same(pts[-1][0], epoch) and _same(pts[-1][1], step):
            pts[-1] = (epoch, step, value)  # redrawn progress line: the last reading wins
        else:
            pts.append((epoch, step, value))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _strip_prefix(line: str) -> str:
    """A line without a glog/absl or ``LEVEL:logger:`` prefix (whose letters and numbers are no series)."""
    if line[:1] in "IWEFD":
        m = _GLOG.match(line)
        if m:
            return line[m.end() :]
        m = _PYLOG.match(line)
        if m:
            return line[m.end() :]
    elif line[:1] == "[" and line[9:10] == "|":
        m = _TORCHLIGHT.match(line)
        if m:
            return line[m.end() :]
    elif line[:1] == "[" and line[5:6] == "-":
        m = _BRACKET_STAMP.match(line)
        if m:
            return line[m.end() :]
    return line


def _dict_pairs(text: str) -> dict[str, float] | None:
    """The numeric items of a ``{'name': value, ...}`` dict printed by Python (literal_eval, never eval), or None."""
    if len(text) > 65536:
        return None
    body = _DICT_NONFINITE.sub(r"\1'\2'", _NP_SCALAR.sub(r"\1", text))
    try:
        d = ast.literal_eval(body)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(d, dict):
        return None
    out: dict[str, float] = {}
    for k, v in d.items():
        f = to_float(v)
        if isinstance(k, str) and f is not None and not is_bookkeeping(k):
            out[k] = f
    return out


def _bare_pairs(line: str) -> dict[str, float] | None:
    """The pairs of a marker-less line that holds nothing but "name value" pairs, or None."""
    if not _BARE_LINE.fullmatch(line):
        return None
    out: dict[str, float] = {}
    for m in _BARE_ITEM.finditer(line):
        if m.group(1).lower() != "of":  # "Batch 3 of 4": the count's total, no series "of"
            out.setdefault("_".join(m.group(1).split(" ")), float(m.group(2)))
    return out


def _eval_pairs(msg: str) -> dict[str, float] | None:
    """The values of an evaluation line ("Test set: Average loss: 0.033, Accuracy: 9890/10000 (99%)"), named for
    their split ("test_loss", "test_Accuracy"), when one of them is a loss; else None."""
    m = _EVAL_LINE.match(msg)
    if m is None:
        return None
    split = _EVAL_SPLIT.get(m.group(1).lower(), "val")
    rest = _FRACTION.sub(lambda f: repr(int(f.group(1)) / int(f.group(2))) if int(f.group(2)) else "nan", m.group(2))
    out: dict[str, float] = {}
    for name, v in _generic_pairs(rest, []).items():
        words = [w for w in name.split("_") if w.lower() not in _REDUCED] or [name]
        base = "_".join(words)
        # a name that says its split already keeps it (a tqdm bar's "Validate: 100%|...| 8/8 [..., Val Loss=0.61]":
        # Val_Loss, never val_Val_Loss)
        out.setdefault(_with_split(base, split) if split == "val" else f"{split}_{base}", v)
    if not any(resolve(k).kind == "loss" for k in out):
        # "Validation accuracy: 0.585" alone on its line (FER_SSL's train.py after each epoch's batch lines): a
        # metric of known direction, the evaluation's (read only when printed more than once: _parse_lines)
        one = len(out) == 1 and _curve_name(next(iter(out))) and _ONE_PAIR.fullmatch(m.group(2))
        return out if one else None
    return out


def _train_pairs(msg: str) -> dict[str, float] | None:
    """The values of a training line led by its split word ("Train. Total Loss: 1.60, Rec.: 1.46"), named for the
    train split ("train_Total_Loss", "train_Rec."), when one of them is a loss; else None. Read only as one of a
    pair whose next line is an evaluation line (``_eval_pairs``)."""
    m = _TRAIN_LINE.match(msg)
    if m is None:
        return None
    out: dict[str, float] = {}
    for name, v in _generic_pairs(m.group(1), []).items():
        words = [w for w in name.split("_") if w.lower() not in _REDUCED] or [name]
        out.setdefault(f"train_{'_'.join(words)}", v)
    return out if any(resolve(k).kind == "loss" for k in out) else None


def _next_message(lines: list[str], index: int) -> str | None:
    """The message of the next non-empty line after ``index`` (Python warnings passed over), or None."""
    for raw in itertools.islice(lines, index + 1, index + 12):
        line = _strip_prefix(_clean(raw))
        if line.strip() and not _PY_WARNING.match(line) and line.strip() != "warnings.warn(":
            return _message(line)
    return None


def _tv_pairs(pairs: dict[str, float]) -> dict[str, str]:
    """The role names of a line's ``T_x`` / ``V_x`` values when it carries both of one name (``T_Loss``, ``V_Loss``:
    train_Loss, val_Loss; ``T_acc``, ``V_acc.``: train_acc, val_acc.); {} for any other line."""
    by: dict[str, dict[str, str]] = {}
    for k in pairs:
        m = _TV_PREFIX.match(k)
        if m:
            rest = k[m.end() :]
            by.setdefault(normalise(rest), {})[m.group(1).upper()] = k
    out: dict[str, str] = {}
    for both in by.values():
        if len(both) == 2:
            out.update({both["T"]: f"train_{both['T'][2:]}", both["V"]: f"val_{both['V'][2:]}"})
    return out


def _lead_split(pairs: dict[str, float], rest: str) -> dict[str, float]:
    """A marker line's values when a held-out split word leads them (``rest``: the line after its last marker):
    "[Epoch: 05] Valid acc: 0.2988 | loss: 2.0462" -> Valid_acc, Valid_loss (the validation's loss, not the
    train loss of that epoch printed again). Names with a split of their own are kept; a train word changes
    nothing (train is the default), but where it is set apart to align a train and a val line: by spaces before
    the first name, or alone between bars ("Epoch 3 |   Training | ... | Loss: 5.88", "Epoch 3 | Validation | ...
    | Loss: 12.54": Training_Loss, Validation_Loss)."""
    if rest[:1] in " |" and (bar := _BAR_SPLIT.match(rest)) and split_word(bar[1]):
        return _named_for(pairs, bar[1])  # "Epoch 3 | Validation | ... | Loss: 12.54": Validation_Loss
    m = _LEAD_SPLIT.match(rest)
    if m is None or split_word(m.group(1)) is None:
        return pairs
    word = m.group(1)
    first = next(iter(pairs), "")
    if m.group(0)[-2:].isspace() and first and rest.startswith(first, m.end()):
        # the word set apart from the first name by a run of spaces, aligning the values of a train and a val line
        # ("[Epoch 000] Train  loss=0.2490  acc=0.9137" then "[Epoch 000] Val    loss=0.2175  acc=0.9259"): the
        # word names each value of its line (Train_loss, Val_loss), as a split tag before the marker does
        return _named_for(pairs, word)
    if split_word(word) == "train":
        return pairs
    if not first.lower().startswith(word.lower()):
        return pairs  # the word is not the first value's ("Epoch 3 Validation took 5s, loss: 0.4")
    return _named_for(pairs, word)


def _named_for(pairs: dict[str, float], word: str) -> dict[str, float]:
    """A line's values named for the split ``word`` says (as written: ``Valid_loss``), but those with a split of
    their own."""
    out: dict[str, float] = {}
    for k, v in pairs.items():
        has_split = any(split_word(w) or w.lower() in ("tr", "trn", "va", "dev", "te")
                        for w in re.split(r"[_\s/.\-]+", k) if w)
        out[k if has_split else f"{word}_{k}"] = v
    return out


def _head_split(line: str, spans: list[tuple[int, int]]) -> str | None:
    """The held-out split word (as written) of the prefix before a line's first marker, when the prefix is a tag
    that names one split (``[Diff-Val(Test-Normal)] Epoch 001 ...``: "Val", a parenthesised qualifier aside;
    ``[val] epoch:0 miou:0.20``) or a split word alone, a summary word may follow (Demucs' ``- Valid | Epoch 1 |
    ...`` and ``- Valid Summary | Epoch 1 | ...``); else None (a train word too: train is the default)."""
    head = line[: spans[0][0]] if spans else ""
    if not head.strip() or len(head) > 60:
        return None
    m = _HEAD_TAG.fullmatch(head)
    if m:
        words = re.findall(r"[A-Za-z]++", re.sub(r"\([^()]*+\)", " ", m.group(1)))
        if len(words) > 4 or len({split_word(w) for w in words} - {None}) != 1:
            return None
        word = next(w for w in words if split_word(w))
    else:
        m = _HEAD_WORD.fullmatch(head)
        if m is None:
            return None
        word = m.group(1)
    return word if split_word(word) not in (None, "train") else None


def _labelled_eval(msg: str) -> dict[str, float] | None:
    """A held-out value on a line of its own whose label is written in Chinese before the name
    (``整体测试集上的Loss: 6.46``, "the loss on the whole test set"; ``整体测试集上的正确率: 0.97``, its accuracy; the
    colon may be full-width): named for the split its label says (``test_loss``, ``test_accuracy``); None when the
    label names no held-out split (a train summary) or the line is anything else."""
    m = _LABELLED_EVAL.match(msg)
    if m is None:
        return None
    split = next((sp for word, sp in _HELD_OUT_WORDS if word in m.group(1)), None)
    if split is None:
        return None
    name = m.group(2)
    name = "accuracy" if name in _ACCURACY_WORDS else name.lower()
    return {f"{split}_{name}": float(m.group(3))}


def _nats_eval(msg: str) -> dict[str, float] | None:
    """A held-out loss in nats led by a bare split word (``-> validare 0.5589 nats = 0.8064 biti/caracter``), as
    {word: value} (the series keeps the word; its role is that split's loss); None for any other line."""
    m = _NATS_EVAL.match(msg) if "nats" in msg else None
    if m is None or bare_split_loss(m.group(1)) not in ("val_loss", "test_loss"):
        return None
    return {m.group(1): float(m.group(2))}


def _cut_note(line_no: int, what: str) -> str:
    return f"the last line ({line_no}) has no line end (the run was still writing?): {what} skipped"


def parse_lines(lines: list[str], cut: bool = False, phys: list[int] | None = None) -> tuple[_Collector, int, bool]:
    """Collect points from text lines. Returns the collector, the number of lines used, and whether Keras
    ``Epoch N/M`` headers were read as such. ``cut``: the last line has no line end (a run still writing): the
    layouts that can tell a cut line from a whole one (Keras' verbose=2 epoch line without a count, a dict still
    open, OpenNMT-py's validation lines, marker-less lines) skip it. ``phys``: the physical line of each line (lines
    that a ``\\r`` split are one physical line: a redraw), when known. ``Epoch N/M`` lines that no Keras progress
    line follows anywhere (``Epoch 1/30`` then ``Train Loss: 2.49, Val Loss: 2.48``) are read again as plain epoch
    markers heading blocks, so that the other shapes are tried."""
    col, used, saw_keras, keras_used = _parse_lines(lines, cut, phys, keras=True)
    if saw_keras and not keras_used:
        col, used, _, _ = _parse_lines(lines, cut, phys, keras=False)
        saw_keras = False
    return col, used, saw_keras


def _parse_lines(
    lines: list[str], cut: bool, phys: list[int] | None, keras: bool
) -> tuple[_Collector, int, bool, int]:
    """``parse_lines``, with Keras' ``Epoch N/M`` headers read as such (``keras``) or as plain epoch markers; also
    returns the number of Keras epochs read."""
    col = _Collector()
    used = 0
    keras_used = 0
    keras_epoch: float | None = None
    block: list[tuple[bool, dict[str, float]]] = []  # Keras progress lines of the current epoch: (complete, pairs)
    saw_keras = False
    generic: list[list] = []  # [leading marker, epoch, step, pairs]
    open_block: list | None = None  # the last marker line's entry, while pair-only lines may follow it
    last_marker: list | None = None  # the last marker line's entry, for what a tool prints after it
    since_marker = 0  # non-empty lines since that marker line
    pdict: list[str] | None = None  # the lines of a dict printed over several lines, while it is open
    pdict_at: list | None = None  # the marker entry the open dict belongs to
    onmt = onmt_ppl = onmt_xent = False
    phases: dict[int, tuple[str, int]] = {}  # marker entries (by id): the phase label before the marker, line no.
    fold_labels: set[str] = set()  # phase labels that name a fold ("[Fold 1 Ep 001] ...")
    inline_fold = ""  # the fold named on the last marker lines ("[Fold 1 Ep 001] ..."), up to a line naming another
    fold_label = ""  # the last line naming a fold ("Fold 3", "==== fold: 3 ====", "Fold 0, k=20: test_map = ..")
    block_split: str | None = None  # the split word before the last marker ("Test Epoch: 5"), for its block
    said_before: dict[str, float] | None = None  # "name is value" loss parts, for the marker line that follows
    last_block: list | None = None  # the last block under a bare epoch marker that holds values
    restarts: list[tuple[int, float, int]] = []  # such a block again at its epoch: (its index in generic, the epoch, line)
    marker_bare = False  # the last marker line held no values of its own
    loss_head = False  # the last marker line said only "Losses" ("Epoch 1/75 Losses"): bare numbers follow
    batch_losses: dict[int, list[float]] = {}  # such a block's per-batch losses, by id of its entry
    eval_block: list | None = None  # the entry of the last evaluation line, while pair-only lines may follow it
    iter_block: list | None = None  # the entry of a "[N/M] Train loss: ..." line, while its next lines may follow
    counted: list[tuple[list, str, float]] = []  # marker entries with an epoch, no step, and a batch counter
    first_epoch: float | None = None  # the first epoch of a line with an "[i/N]" batch counter
    iter_validation = False  # CS224n NMT's "validation: iter N, dev. ppl X" lines were read
    body: dict[int, set[str]] = {}  # the names each marker entry (by id) took from the lines under it
    repeats: list[tuple[list, frozenset, int, bool, bool]] = []  # marker entries with an epoch, no step, no counter
    last_index = len(lines) - 1 if cut else -1
    config = _config_lines(lines)
    warned = False  # the line before was a Python warning (its source line may follow)
    ranges: list[tuple[int, int, int, str]] = []  # "1-50" chunk headings: (index in generic, start, end, as written)
    metric_evals: list[list] = []  # the entries of evaluation lines with one metric and no loss
    tl_iter = False  # st-gcn's "Iter N Done. | loss: ..." lines were read inside epoch blocks
    trip: str | None = None  # GaitSet's "hard or full='full'": the triplet loss the run uses
    ocl = False  # online-continual-learning's "mem avg. loss" lines (the replayed memory batch's loss) were read
    split_head: tuple[str, frozenset, int] | None = None  # "Evaluation:" alone: (its split, the names, its line)
    headed: set[str] = set()  # the names of the lines such a heading named for its split
    head_word = ""  # the last such heading, as written
    codec = False  # a learned codec's "L=... D=... PSNR=... R=... bpp" lines were read
    eval_head: tuple[str, int] | None = None  # "Test Error:" alone: (its split word, its line), for the line after it
    epoch_bars: list[list] = []  # tqdm bars under an epoch marker with a postfix of values: [lead, epoch, step, pairs]
    nano = False  # build-nanogpt's "step N | loss: ... | tok/sec: ..." lines were read
    nano_vals: list[float] = []  # its "validation loss: X" lines, held for the step line after them
    openings: list[tuple[int, str, int]] = []  # "Epoch 1/M" alone after values: (index in generic, marker, line)
    cuts_at = 0  # the index in generic of the last such line
    global_steps = False  # ChineseNER's "iteration:N step:S/T" lines were read (the global step from N and S/T)

    def flush() -> None:
        nonlocal used, keras_used
        if keras_epoch is None or not block:
            return
        complete = [p for c, p in block if c]
        pairs = (complete or [p for _, p in block])[-1]
        for name, v in pairs.items():
            col.add(name, v, keras_epoch, math.nan)
        used += 1
        keras_used += 1

    def close_dict() -> None:
        nonlocal used, pdict, since_marker
        pairs = _dict_pairs("".join(pdict)) if pdict else None
        pdict, since_marker = None, 0  # the same dict logged twice (absl and Python logging) follows at once
        if pairs and any(resolve(k).kind == "loss" for k in pairs):
            used += 1
            generic.append([pdict_at[0], pdict_at[1], pdict_at[2], pairs])

    for index, raw in enumerate(lines):
        line = _strip_prefix(_clean(raw))
        if not line.strip():
            continue
        if "tensor(" in line:  # "Training loss average: tensor(9.2500, device='cuda:0', grad_fn=<DivBackward0>)"
            line = unwrap_tensors(line)[0]  # a scalar tensor's repr is its number
        if pdict is not None:
            if index == last_index:
                col.note(_cut_note(index + 1, "a dict of values cut short"))
                pdict = None
                continue
            if len(pdict) < 200 and _DICT_MORE.match(line):
                pdict.append(" " + line.strip())
                if line.rstrip().endswith("}"):
                    close_dict()
                continue
            pdict = None  # not the dict's next line: the dict was cut
        if line.rstrip()[-1:] == "-" and _LEVEL.match(line) and _PREFIX_ONLY.fullmatch(_message(line)):
            continue  # "2024-05-26 16:46:10 - INFO - train.py - 128 - ": the message is on the next line
        if "-" in line and line[:1] in " \t0123456789" and (rh := _RANGE_HEAD.match(line)):
            if int(rh.group(1)) < int(rh.group(2)):
                ranges.append((len(generic), int(rh.group(1)), int(rh.group(2)), line.strip()))
            open_block, warned = None, False
            since_marker += 1
            continue
        if ".py:" in line and line[:1] not in " \t" and _PY_WARNING.match(line):
            warned, open_block = True, None  # a Python warning: not counted between a marker and its lines
            continue
        if warned and line[:1] in " \t":
            warned = False  # the warning's source line ("  warnings.warn(")
            continue
        warned = False
        since_marker += 1
        if ("fold" in line or "Fold" in line or "FOLD" in line) and (fm := _FOLD.search(line)):
            # a header ("FOLD 2 | train=113") or a trailer ("Fold 0, k=20: test_map = ..."): which fold the lines
            # after it are is not said; where the counter goes back after it, the latest training is kept (with a
            # note saying the trainings are folds), as for any training appended to a log
            fold_label = f"{_message(line).strip()[:60]!r} (line {index + 1})"
            fold_here = float(fm.group(1))
            inline_fold = ""  # set again below when this line is one of the fold's own marker lines
        else:
            fold_here = None
        if index in config:
            open_block = None  # an argument dump ("epoch =  20" among "data =  ./data" lines): configuration
            continue
        if line[:6].lstrip()[:4].lower() == "best" and _BEST_SUMMARY.match(line):
            open_block = None  # "Best Epoch 6\tAcc: 0.89": a summary of the best so far, no marker, no new run
            continue
        m = _KERAS_EPOCH.match(line) if keras else None
        if m:
            flush()
            block = []
            keras_epoch = float(int(m.group(1)) - 1)
            saw_keras = True
            continue
        p = _KERAS_PROGRESS.match(line)
        if p and keras_epoch is not None:
            pairs = _keras_pairs(line)
            if pairs:
                block.append((p.group(1) == p.group(2), pairs))
                continue
        if keras_epoch is not None and _KERAS_TIME.match(line):
            pairs = _keras_pairs(line)
            if pairs:
                if index == last_index:
                    col.note(_cut_note(index + 1, "Keras' epoch line"))
                else:
                    block.append((True, pairs))
                continue
        msg = _message(line)
        said_is = " is " in msg and _IS_SEP.search(msg) is not None
        if said_is:  # EAST: "classify loss is 0.9168, angle loss is 0.6498", "Epoch is [1/600], mini-batch is [1/1600]"
            msg = _IS_SEP.sub(": ", msg)
        v = _ONMT_VAL.match(msg) if onmt and "Validation" in msg else None
        if v:
            open_block = None
            if index == last_index:
                col.note(_cut_note(index + 1, "OpenNMT-py's validation line"))
                continue
            what, x = v.group(1), float(v.group(2))
            at = last_marker or ["step", math.nan, math.nan, {}]  # (onmt: a marker line was seen)
            step = float(v.group(3)) if v.group(3) else at[2]
            if what == "perplexity":
                pairs = {"val_xent": math.log(x) if x > 0 else math.nan, "val_ppl": x}
                onmt_ppl = True
            else:
                pairs = {"val_xent" if what == "xent" else "val_acc": x}
            used += 1
            generic.append([at[0], at[1], step, pairs])
            continue
        if "reducing learning rate" in msg and _PLATEAU.match(msg):
            continue  # ReduceLROnPlateau's verbose print: an event, not a curve (no series "of_group")
        markers, spans, lead = _markers(msg)
        if lead[:4] == "iter" and "epoch" in markers and not global_steps and _ITER_STEP_OF.match(msg, spans[0][0]):
            global_steps = True
        if (spans and spans[0][0] == 0 and last_marker is not None and math.isfinite(last_marker[1])
                and "%|" in msg and (tm := _TQDM_STEP.match(msg)) and spans == [(0, tm.end())]):
            # a tqdm bar within an epoch ("Epoch 1/10", then "train: 5%|...| 10/200 [..., loss=0.43]"): a batch of that
            # epoch, passed over as before, not a step of the training; kept aside while the log has no other values
            if used:
                epoch_bars.clear()
            elif (bar_pairs := _generic_pairs(msg, spans)) and (not epoch_bars or epoch_bars[-1][3] != bar_pairs
                                                                or epoch_bars[-1][2] != markers["step"]):
                epoch_bars.append(["step", last_marker[1], markers["step"], bar_pairs])
            markers, spans, lead = {}, [], ""
        if (markers and open_block is not None and "Done." in msg and _TL_ITER.match(msg)
                and math.isfinite(open_block[1]) and not math.isfinite(open_block[2])):
            # st-gcn's "\tIter 0 Done. | loss: 1.48 | lr: 0.01" inside a "Training epoch: 0" block: that iteration's
            # point; the block (its "\tmean_loss: ...", the epoch's train loss) goes on
            pairs = _generic_pairs(msg, spans)
            if pairs:
                used += 1
                generic.append([lead, open_block[1], markers.get("step", math.nan), pairs])
                tl_iter = True
            continue
        lead_batch = None
        if not markers and last_marker is not None and math.isfinite(last_marker[1]) and not math.isfinite(last_marker[2]):
            if msg[:1] in " \tBbMmCc" and (b := _lead_batch(msg)) and b[0]:
                # "  Batch 50/295, Loss: 0.0001" (or "count: 50, loss:675.15: ") under "Epoch 1/2 (lr=0.01000)": a
                # batch of that epoch, read as the lines that carry both ("Epoch 1, Batch 50, Loss: ...")
                markers, spans, lead, lead_batch = {"epoch": last_marker[1]}, [], last_marker[0], b
            elif (msg.rstrip()[-1:] == "]" and (tp := _TRAIL_POSITION.search(msg)) and 0 < int(tp[1]) <= int(tp[2])
                  and _PAIR.search(msg, 0, tp.start())):
                # "loss: 2.303116  [   64/60000]" under "Epoch 1": a batch of that epoch at its position (the samples
                # seen after it: never 0, never beyond the total, "[228600/5334]", a count of something else)
                markers, spans, lead, lead_batch = {"epoch": last_marker[1]}, [], last_marker[0], ("[n/N]", float(tp[1]))
        if eval_head is not None and index - eval_head[1] > 2:
            eval_head = None
        if (not markers and msg[:11] == "validation " and (nano or last_marker is None)
                and (nv := _NANOGPT_VAL.fullmatch(msg))):
            # build-nanogpt's stdout: "validation loss: 6.0727" is printed at a step before that step's own line
            # ("step   250 | loss: 6.04 | lr ... | tok/sec: ..."): held for the step line that follows it
            nano_vals.append(float(nv[1]))
            continue
        if not markers and last_marker is not None and since_marker <= EVAL_AFTER:
            # "Test Error:" then " Accuracy: 67.8%, Avg loss: 0.411385": read as "Test: Accuracy: ..., Avg loss: ..."
            ev_msg = msg if eval_head is None else f"{eval_head[0]}: {msg}"
            eval_head = None
            ev = _eval_pairs(ev_msg) or _labelled_eval(msg) or _nats_eval(msg)
            if ev and open_block is not None and not any(resolve(bare_split_loss(k) or k).kind == "loss" for k in ev):
                ev = None  # "Validation Accuracy: 0.5" right under "epoch:  0 loss: 0.7": the marker line's block
            # "Train. Total Loss: ..." then "Val. Total Loss: ...": a pair (under a marker line that has no values of
            # its own, "Epoch 3/24" then "train Loss: ..." and "val Loss: ...", the lines are its block, as before,
            # unless the line is no block line: "Epoch 1/40:" then "Train - Loss: 0.7025 | Acc: 0.4500 | AUC: 0.4500"
            # and "Val - Loss: 0.6675 | ...", a pair too)
            if (ev is None and _TRAIN_LINE.match(msg)
                    and (open_block is None or open_block[3] or _kv_pairs(msg) is None)):
                nxt = _next_message(lines, index)
                ev = _train_pairs(msg) if nxt is not None and _eval_pairs(nxt) else None
                total = next((k for k in ev or () if resolve(k).kind == "loss" and is_total_loss(k)), None)
                if total:  # the train line's total is the train loss (not a loss the marker line printed too)
                    col.chosen.setdefault("train", total)
            if ev:
                open_block = None
                if index == last_index:
                    col.note(_cut_note(index + 1, "an evaluation line"))
                    continue
                at = last_marker
                epoch = at[1]
                step = at[2] if not math.isfinite(at[1]) else math.nan  # on the epoch axis when the marker has one
                used += 1
                entry = [at[0], epoch, step, ev]
                generic.append(entry)
                if not any(resolve(bare_split_loss(k) or k).kind == "loss" for k in ev):
                    metric_evals.append(entry)  # "Validation accuracy: 0.585": kept when printed again (a curve)
                split = next(iter(ev)).split("_", 1)[0]
                if split in ("val", "test") and marker_bare:
                    # under a bare marker ("Meta epoch 0..."): "Eval metrics : batch_loss: ... ; acc: ..." then
                    # "Average Evaluation Loss: 41.5", "Joint goal accuracy: 0.0" (pairs alone on their lines): the
                    # evaluation's too, named for its split as a block's under "Test Epoch: 5" are
                    open_block, block_split, eval_block = entry, split, entry
                continue
        if not markers:
            if (last_marker is not None and "est " in msg and math.isfinite(last_marker[1])
                    and (bm := _BEST_SO_FAR.fullmatch(msg))):
                # "get best test loss 1.78366" after an epoch's lines, only when the test loss improved: the best so
                # far, at that epoch (a metric; the epochs with no such line are those where the loss got worse)
                name = f"best_{bm[1].lower()}_loss"
                col.best_so_far.add(name)
                used += 1
                generic.append([last_marker[0], last_marker[1], math.nan, {name: float(bm[2])}])
                open_block = None
                continue
            if last_marker is not None and len(msg) <= 30 and ":" in msg and (eh := _EVAL_HEAD.fullmatch(msg)):
                eval_head, open_block = (eh[1], index), None  # "Test Error:": the next line holds the test's values
                continue
            if (last_marker is not None and last_marker[3] and len(msg) <= 24 and ":" in msg
                    and (hm := _SPLIT_HEAD.fullmatch(msg)) and split_word(hm[1]) in ("val", "test")):
                # "Evaluation:" after "<time>: step 100, loss 0.0247, acc 1": the next line alike is the evaluation's
                split_head, open_block = (split_word(hm[1]), frozenset(last_marker[3]), index), None
                head_word = msg.strip()
                continue
            if last_marker is not None and since_marker <= 4 and index == last_index and msg.startswith("{'"):
                col.note(_cut_note(index + 1, "a dict of values cut short"))
                continue
            if last_marker is not None and since_marker <= 4 and _DICT_START.match(msg):
                pdict, pdict_at, open_block = [msg.strip()], last_marker, None
                if msg.rstrip().endswith("}") and index != last_index:
                    close_dict()
                continue
            if said_is:
                kv = _kv_pairs(msg)
                if kv and any(resolve(k).kind == "loss" for k in kv) and index != last_index:
                    said_before = kv  # EAST prints its loss's parts before the batch's "Epoch is ..." line
                    open_block = None
                    continue
            if open_block is not None and "%|" in msg and _TQDM_BAR.search(msg):
                continue  # a tqdm bar between a marker and its values ("Epoch 1/30", "Training: 100%|...| 183/183")
            if open_block is not None and not open_block[3] and _RULE.fullmatch(msg):
                continue  # a rule under the marker line (the torchvision tutorial's print('-' * 10))
            if open_block is not None and (lone := _LONE_WORD.fullmatch(msg)):
                # ProtoPNet's "epoch: \t0", "\twarm", "\ttrain", its pairs, "\ttest", its pairs: a split word alone
                # on its line names the split of the block's pairs below it; a stage word alone before them is its
                # label, passed over (train_and_test's log('\twarm') / log('\tjoint'))
                word_split = split_word(lone[1])
                if word_split is not None:
                    block_split = word_split if word_split != "train" else None
                    continue
                if not open_block[3] and id(open_block) not in body:
                    continue
            if loss_head and open_block is not None and open_block is last_marker and _NUMBER_ONLY.fullmatch(msg.strip()):
                # "Epoch 1/75 Losses" then one batch's loss per line: the epoch's train loss is their mean
                got = batch_losses.setdefault(id(open_block), [])
                if not got:
                    used += 1
                    generic.append(open_block)
                got.append(float(msg.strip()))
                open_block[3]["loss"] = float(np.mean(got))
                continue
            kv = None
            tag_split = None
            if open_block is not None:
                body_msg = msg
                if msg[:1] == "[" and (tm := _BODY_TAG.match(msg)) and (tag_split := split_word(tm[1])) is not None:
                    body_msg = msg[tm.end() :]  # "[Val]   loss=0.4196, ...": the pairs, of the tag's split
                timeless = _DURATION_ITEM.sub("", body_msg) if "m" in body_msg else body_msg
                # a line that held only a duration ("train time: 818.81 [s]") is no value, and no chatter
                kv = _kv_pairs(timeless) if timeless.strip() or not body_msg.strip() else {}
                if kv:
                    kv = {k: v for k, v in kv.items() if not _SAVING.search(k)}
            if kv is None:
                open_block = None  # chatter ends a block
            elif kv:
                if tag_split:  # "[Train] loss=...": train values as named; "[Val] loss=...": val_loss
                    kv = {_with_split(k, tag_split): v for k, v in kv.items()} if tag_split != "train" else kv
                elif block_split:  # "Test Epoch: 5 ..." then "    ave: 87.35": the test's values (test_ave)
                    kv = {_with_split(k, block_split): v for k, v in kv.items()}
                else:  # "train Loss: 2.5084 Acc: 0.3273": the phase word leading the line names each value's split
                    phase = _phase_split(kv)
                    if phase:
                        kv = {_with_split(k, phase): v for k, v in kv.items()}
                if open_block is eval_block and block_split == "val":
                    # the evaluation's own average ("Average Evaluation Loss"), not the mean of its batches'
                    # losses in the metrics line ("batch_loss") nor the sum over its examples ("Total eval loss")
                    avg = next((k for k in kv if (r := resolve(k)).kind == "loss" and r.split == "val"
                                and any(w.lower() in _REDUCED for w in k.split("_"))), None)
                    if avg:
                        col.chosen.setdefault("val", avg)
                        col.averaged.add(avg)
                if open_block is iter_block:  # "Current_accuracy : 60.0, ..." after "[20000/300000] Train loss: ..."
                    kv = {_CURRENT_BEST.sub(r"val_\2", k): v for k, v in kv.items() if not k.lower().startswith("best_")}
                if not open_block[3]:
                    if math.isfinite(open_block[1]) and not math.isfinite(open_block[2]):
                        # a block under a bare epoch marker ("Meta epoch 0..." then "Meta batch loss: 236.0")
                        prev = last_block
                        shared = [k for k in kv if prev is not None and k in prev[3]]
                        if (shared and _same(prev[1], open_block[1])
                                and any(not _same(kv[k], prev[3][k]) for k in shared)):
                            # the same epoch's block again, other values: a training started again and appended to
                            # the log (never redrawn, as a tqdm bar is); the latest kept, as base.cut_restarts does
                            # where the counter goes back (which it cannot see here: the epochs are equal)
                            restarts.append((len(generic), open_block[1], index + 1))
                        last_block = open_block
                    used += 1
                    generic.append(open_block)
                open_block[3].update({k: v for k, v in kv.items() if k not in open_block[3]})
                body.setdefault(id(open_block), set()).update(kv)
            continue
        if lead == "iter" and msg[:5] == "==>>>":  # online-continual-learning: each name in full ("mem avg. loss")
            pairs = {"_".join(m[1].replace(".", " ").split()): float(m[2]) for m in _OCL_ITEM.finditer(msg)}
            if "mem_avg_loss" in pairs:
                ocl = True
        else:
            pairs = _generic_pairs(msg, spans)
            if "~" in msg and (shares := [k for k in pairs if "~" in k and k[-1:] == "%"]):
                for k in shares:  # "Val~20% 9.6793": that split's loss, on a share of the split
                    word, _, share = k.partition("~")
                    col.role_of[k] = bare_split_loss(word)
                    sp = col.role_of[k].split("_")[0]
                    col.note(f"{k}: the {sp} loss estimated on {share} of the {sp} data (as the line says), read as "
                             f"the {sp} loss")
        if ("L" in pairs and "D" in pairs and "R" in pairs and ("PSNR" in pairs or "bpp" in msg)
                and not any(resolve(k).kind == "loss" for k in pairs)):
            # a learned image codec's line (Darmasus/Darma, logs/train.out: "[ep 0 step    20 t=     43s vram= 5904MB]
            # L=0.1200  D=0.1129  PSNR= 9.47  R=0.5510 bpp"): L, the rate-distortion loss D + lambda * R, is the train
            # loss, only beside its D and R and the codec's PSNR or bpp (a lone "L=" elsewhere is no loss)
            codec = True
        if "hard or full=" in msg and (hf := _HARD_OR_FULL.search(msg)) and f"{hf[1]}_loss_metric" in pairs:
            trip = f"{hf[1]}_loss_metric"  # GaitSet: the triplet loss the run optimises, by its own line
        if (lead == "iter" and "epoch" not in markers and last_marker is not None and math.isfinite(last_marker[1])
                and msg[:1] in " \tv" and _ITER_VALIDATION.match(msg)):
            markers = {"epoch": last_marker[1]}  # "validation: iter 1, dev. ppl 2391906.97": at the epoch before it
            iter_validation = True
        head_split = _head_split(msg, spans)
        if pairs and spans:
            pairs = _lead_split(pairs, msg[spans[-1][1] :])
            if head_split:  # "[Diff-Val(Test-Normal)] Epoch 001 ...: loss = 0.0072": the validation's loss
                pairs = _named_for(pairs, head_split)
        if split_head is not None:
            if pairs and index - split_head[2] <= SPLIT_HEAD_LINES and frozenset(pairs) == split_head[1]:
                # "Evaluation:" then "<time>: step 100, loss 0.0242, acc 0.99": the dev set's loss and accuracy at
                # the step of the train line before, named for the split (val_loss, val_acc)
                pairs = {_with_split(k, split_head[0]): v for k, v in pairs.items()}
                headed.update(pairs)
            split_head = None
        if said_before is not None:
            if said_is and pairs:
                pairs.update({k: v for k, v in said_before.items() if k not in pairs})
            said_before = None
        open_block = [lead, markers.get("epoch", math.nan), markers.get("step", math.nan), pairs]
        marker_bare = not pairs  # a marker line alone ("Meta epoch 0..."): what follows it is its block
        if (marker_bare and spans and markers.get("epoch", 2) <= 1 and "step" not in markers
                and len(generic) > cuts_at and any(c in msg[spans[0][0] : spans[0][1]] for c in ("/", " of "))):
            # "Starting epoch 1/13" after values: a training of 13 epochs starts (again)
            cuts_at = len(generic)
            openings.append((cuts_at, msg[spans[0][0] : spans[0][1]].strip(), index + 1))
        loss_head = marker_bare and bool(spans) and _LOSS_HEAD.fullmatch(msg, spans[-1][1]) is not None
        iter_block = open_block if msg[:1] in " [\t" and _ITER_OF.match(msg) else None
        block_split = _split_before(msg, spans)
        label = _phase_label(msg, spans)
        if not label and fold_here is not None and (fk := next((k for k in pairs if k.lower() == "fold"), None)):
            del pairs[fk]  # "[Fold 1 Ep 001] tr_loss=...": the fold the line belongs to, never a series
            label = f"Fold {fold_here:g}"  # as "[Fold 0] Head E1/6:": the phase's label, each fold a run
            fold_labels.add(label)
            if pairs and all(k.lower().startswith("best") for k in pairs):
                pairs = {}  # "Fold 2 done: best_AUC=0.6667  best_F1=0.6037  epoch=43": the fold's best, a summary
            else:
                inline_fold = label  # "Early stopping at epoch 48" after it is still the fold's
        elif not label:
            label = inline_fold
        phases[id(open_block)] = (label, index + 1)
        last_marker, since_marker = open_block, 0
        batch = lead_batch or (_batch_counter(msg, spans) if "epoch" in markers and "step" not in markers else None)
        if batch is not None and batch[0] == "[i/N]" and (bm := _BRACKET_BATCH.match(msg, spans[0][1])):
            # the batch i of the epoch's N: at (epoch - the first epoch) * N + i, so that a gap (lines missing from
            # the log) shows; a training started again goes back, as any counter does
            first_epoch = markers["epoch"] if first_epoch is None else first_epoch
            batch = ("[i/N]", (markers["epoch"] - first_epoch) * int(bm[2]) + int(bm[1]))
        if batch is not None:
            # Demucs' "- Valid | Epoch 1 | 1/3 | ... | Loss 0.2545" (a held-out split's): the evaluation's progress,
            # its values a running reading of that epoch's evaluation (the last, or its "Valid Summary" line after
            # it, stands), no steps and never among the training's batches
            if not head_split:
                counted.append((open_block, *batch))
        elif "epoch" in markers and "step" not in markers and pairs:
            repeats.append((open_block, frozenset(pairs), phys[index] if phys else index, bool(_TQDM_BAR.search(msg)),
                            bool(_EPOCH_POSITION.search(msg))))
        if batch is not None and batch[0] == _ONMT_BATCH and "ppl" in pairs and "xent" not in pairs:
            # OpenNMT-py's first trainer prints only the perplexity ("Epoch  1,   100/ 1056; acc: ...; ppl: 207.3;
            # ..."), exp of the per-word cross-entropy (NMTGMinor: math.exp(report_loss / report_tgt_words)): its ln
            # is the train loss, as the later trainer prints it (xent)
            pairs["xent"] = math.log(pairs["ppl"]) if pairs["ppl"] > 0 else math.nan
            onmt_xent = True
        # OpenNMT-py's "Step N/M; acc: ...; ppl: ...; xent: ..." lines: its validation lines may follow
        onmt = onmt or ("xent" in pairs and "ppl" in pairs)
        if lead == "step" and "| tok/sec:" in msg and "step" in markers:  # build-nanogpt's step line
            nano = True
            for v in nano_vals:  # "validation loss: 6.0727" printed before it: the evaluation at this step
                used += 1
                generic.append([lead, math.nan, markers["step"], {"val_loss": v}])
        nano_vals = []
        if pairs:
            used += 1
            generic.append(open_block)
    if len(ranges) > 1:
        _count_on_across_chunks(generic, ranges, col)
    part = _latest_whole_training(generic, openings, col) if openings and not restarts else None
    if part is not None:
        generic = generic[part[0] : part[1]]
        kept = {id(e) for e in generic}
        counted = [c for c in counted if id(c[0]) in kept]
        repeats = [r for r in repeats if id(r[0]) in kept]
    if repeats and not restarts and not counted and part is None:
        restarts = _restarts_of_repeats(repeats, generic)
    if restarts:
        start, epoch, line_no = restarts[-1]
        generic = generic[start:]
        kept = {id(e) for e in generic}
        counted = [c for c in counted if id(c[0]) in kept]
        repeats = [r for r in repeats if id(r[0]) in kept]
        col.restarted = True
        col.note(f"the epoch counter restarts {len(restarts)} time(s) (a block of epoch {epoch:g} printed again, "
                 f"with other values, last at line {line_no}): kept the latest segment")
    if len(metric_evals) == 1:  # one "Validation accuracy: 0.9" after the training: a final result, not a curve
        generic = [e for e in generic if e is not metric_evals[0]]
        used -= 1
    flush()
    if onmt_xent:
        col.note("xent is ln(ppl): OpenNMT-py's 'Epoch N, i/M;' lines print only the perplexity, exp of the per-word "
                 "cross-entropy, read as the train loss")
    if onmt_ppl:
        col.note("val_xent is ln(val_ppl): OpenNMT-py prints the validation perplexity, exp of the cross-entropy "
                 "its training lines print as xent")
    if counted:
        _steps_from_batches(counted, col, body, generic)
    else:
        _iters_within_epochs(generic, col)
    if iter_validation:
        col.note("validation: iter N lines (CS224n NMT's run.py) read as the validation at the epoch of the training "
                 "line before each; its dev. ppl is a val metric (no val loss: the training's avg. loss is per "
                 "sentence, not ln of a perplexity)")
    if repeats:
        _steps_from_repeats(repeats, col)
    _epoch_summaries_beside_steps(generic, col)
    if not used and epoch_bars:  # (kept only while nothing else was read)
        # "Epoch 1/1" then only "Training:   8%|7 | 19/250 [00:25<05:14, 1.36s/it, Loss=7503.131, QA=7503.091]"
        # refreshes (a bar redrawn in place, one line per refresh): the postfix is all the log has, a point per
        # refresh at the bar's counter within the epoch, counted on across epochs (as a Lightning bar's)
        generic.extend(epoch_bars)
        used = len(epoch_bars)
        col.note("tqdm bars under the epoch marker lines, their postfix the only values in the log: one point per "
                 "refresh on the step axis (the bar's counter, counted on across epochs), the epoch kept")
    if not used and not saw_keras:
        used = _bare_lines(lines, col, cut)
    # Lines led by different markers may log different quantities under one name ("step N: loss X" at evals,
    # "iter N: loss Y" every iteration): such a name gets its line's marker as a prefix (step_loss, iter_loss)
    # instead of mixing two curves. Names seen under one marker only are kept as they are.
    leads: dict[str, set[str]] = {}
    for lead, _, _, pairs in generic:
        for name in pairs:
            leads.setdefault(name, set()).add(lead)
    target = col
    if global_steps:
        # a launch that logged one line at the step of the checkpoint it resumed, then was launched again from the same
        # checkpoint (another data set: another T, so another iteration at that step): the later line is the point
        generic = [e for e, n in zip(generic, [*generic[1:], None], strict=True)
                   if n is None or not (math.isfinite(e[2]) and e[2] == n[2] and e[3].keys() == n[3].keys())]
    cuts = _phase_cuts(generic, phases)
    for i, (lead, epoch, step, pairs) in enumerate(generic):
        if any(k[1:2] == "_" and k[:1] in "TtVv" for k in pairs):  # cheap test first: it runs on every line
            col.role_names.update(_tv_pairs(pairs))
        if "D" in pairs and "G" in pairs and not any(resolve(k).kind == "loss" for k in pairs):
            # a GAN's two losses named by their side's letter only, beside each other ("Epoch 0: 100%|...| 28/28
            # [..., D=2.289, G=0.014, FID=-]", SinGAN's "Iteration 0, D: 0.0053, ..., G: 1.6431, G_recon: ..."):
            # the discriminator's and the generator's train losses, kept apart by their names (naming.gan_side)
            col.role_of.update({"D": "train_loss", "G": "train_loss"})
        if i in cuts:
            phase, line_no = cuts[i]
            target = _Collector()
            target.phase = (phase, line_no)
            col.phases.append(target)
            col.fold_cut = col.fold_cut or phase in fold_labels
        for name, v in pairs.items():
            target.add(f"{lead}_{name}" if len(leads[name]) > 1 else name, v, epoch, step)
    if fold_label and not col.phases:
        xs = [e[1] if math.isfinite(e[1]) else e[2] for e in generic]
        xs = [x for x in xs if math.isfinite(x)]
        if any(b < a for a, b in itertools.pairwise(xs)):
            col.note(f"the log names the folds of a cross-validation (the last such line: {fold_label}): where the "
                     "counter goes back, another fold's training starts; only the latest training is read, the "
                     "earlier folds are left out")
    names = {n for c in (col, *col.phases) for n in c.points}
    if tl_iter and "mean_loss" in names and "loss" in names and "loss" not in col.chosen.values():
        # the epoch's mean over all its iterations, not the sparse "Iter N Done." readings
        col.chosen.setdefault("train", "mean_loss")
        col.own_note.add("mean_loss")
        col.note("mean_loss: st-gcn's per-epoch mean of the training loss, used as the train loss; loss: its "
                 "'Iter N Done.' lines, every log_interval iterations")
    if ocl and "avg_loss" in names and "train" not in col.chosen:
        col.chosen["train"] = "avg_loss"
        col.own_note.add("avg_loss")
        col.note("avg_loss: the incoming batches' loss, used as the train loss; mem_avg_loss: the replayed memory "
                 "batches' loss, beside it, not summed")
    dup = _val_loss_again(col) if "train" not in col.chosen else None
    if dup:
        again, val, train = dup
        col.chosen["train"] = train
        col.own_note.add(train)
        col.note(f"{again}: the same values as {val} at every epoch (the validation loss printed again), not the "
                 f"train loss; {train} is")
    if trip and trip in names and "train" not in col.chosen:
        col.chosen["train"] = trip
        col.own_note.add(trip)
        col.note(f"{trip}: the triplet loss the run optimises, as its lines say (hard or full={trip.split('_')[0]!r}); "
                 "the other is shown beside it, not summed")
    terms = _vae_terms(names, generic)
    if terms:
        for name in terms:
            col.role_of[name] = f"{name}_loss"
        col.note(f"{', '.join(terms)}: a VAE's loss terms (a reconstruction and a KL term) printed with no total and no "
                 "name saying loss: read as the train loss's parts, summed unweighted (the run's own weights, β or λ, "
                 "are not applied)")
    twin = _running_mean_twin(names) if "train" not in col.chosen else None
    if twin:
        loss, mean = twin
        col.chosen["train"] = loss
        col.own_note.add(loss)
        col.note(f"{mean}: the running mean of {loss} (a tqdm postfix's twin), shown beside it, not summed; {loss} "
                 "is the train loss")
    total = next((n for n in names if bare_total_loss(n)), None)
    if total and not any(resolve(n).kind == "loss" for n in names):
        # "[epoch: 79/200, iter: 0/448] total: 0.818845" and no other loss: the total is the loss (as "Total Loss")
        col.total = total
        col.note(f"{total}: a total on the progress lines, and no other loss: read as the train loss")
    if batch_losses:
        col.note("loss: the mean of the batch losses listed one a line under each 'Epoch N/M Losses' line")
    for name in sorted(col.best_so_far):
        at = [e[1] for e in generic if name in e[3]]
        last = max((e[1] for e in generic if e[3] and math.isfinite(e[1])), default=at[-1])
        split = name.split("_")[1]
        col.note(f"{name}: printed only when the {split} loss improved ({len(at)} times, last at epoch {at[-1]:g}; the "
                 f"log's last epoch {last:g}): the best so far, not the {split} loss curve: kept as a metric, not "
                 "used as the val loss")
    if codec:
        col.role_of["L"] = "train_loss"
        col.note("L: a learned codec's rate-distortion loss, printed beside its distortion D and its rate R (bits per "
                 "pixel) and PSNR: read as the train loss; D and R are its terms, shown beside it, not summed")
    if headed:
        col.note(f"{', '.join(sorted(headed))}: the line after each {head_word!r} line alone, printed as the train "
                 "lines are: the evaluation's values, at the step of the train line before it")
    return col, used, saw_keras, keras_used


_RECON_NAMES = ("recon", "reconstruction", "rec")
_KL_NAMES = ("kl", "kld", "kl_div", "kl_divergence")


def _vae_terms(names: set[str], generic: list[list]) -> list[str]:
    """A VAE's loss terms printed with no loss named (dexma001/PVTVAE: print(f"Epoch [{epoch}/{epochs}] Recon:
    {recon:.4f} | KL: {kl:.4f} | Phys: {phys:.4f} (λ={lam:.3f})")): a reconstruction term and a KL term on the same
    lines, and the terms of no known role printed on every such line with them; [] unless both are there and no name
    is a loss."""
    if any(resolve(n).kind == "loss" for n in names):
        return []
    recon = [n for n in names if normalise(n) in _RECON_NAMES]
    kl = [n for n in names if normalise(n) in _KL_NAMES]
    if len(recon) != 1 or len(kl) != 1:
        return []
    rows = [p for _, _, _, p in generic if recon[0] in p and kl[0] in p]
    if len(rows) < 2:
        return []
    others = [n for n in rows[0] if n not in (recon[0], kl[0]) and resolve(n).kind == "other"
              and all(n in p for p in rows)]
    return [*recon, *kl, *others]


_MEAN_WORDS = ("mean", "avg", "average", "running")
_CURRENT_WORDS = ("curr", "cur", "current")


def _running_mean_twin(names: set[str]) -> tuple[str, str] | None:
    """(the loss, its running mean) when the only train losses are a loss and its ``Mean``/``Avg``/``Running`` twin
    (ILoveU3D/partialUnet's tqdm postfix ``CurrLoss=7.79e+8, MeanLoss=7.14e+8``): the mean is the loss averaged so
    far, never a part of it; else None."""
    losses = [n for n in names if (r := resolve(n)).kind == "loss" and r.split == "train"]
    if len(losses) != 2 or any(is_total_loss(n) for n in losses):
        return None  # (a total beside its mean, "Loss" and "Avg_Loss": the total is the loss already)
    words = {n: normalise(n).split("_") for n in losses}
    for loss, mean in (losses, losses[::-1]):
        w, m = words[loss], words[mean]
        if len(m) > 1 and m[0] in _MEAN_WORDS and m[1:] == [t for t in w if t not in _CURRENT_WORDS][-len(m) + 1:] \
                and len([t for t in w if t not in _CURRENT_WORDS]) == len(m) - 1:
            return loss, mean
    return None


def _val_loss_again(col: _Collector) -> tuple[str, str, str] | None:
    """A loss named for no split whose points are a val loss's, point for point (CheXpert's densenet script prints
    ``Epoch 1 [IMPR] loss = 0.502`` and then ``Training loss: 0.433, Valid loss: 0.502``), beside a loss named for the
    train split: (the repeated loss, the val loss, the train loss), else None."""
    losses = [n for n in col.points if resolve(n).kind == "loss"]
    plain = [n for n in losses if resolve(n, loss_split="-").split == "-"]
    vals = [n for n in losses if resolve(n, loss_split="-").split == "val"]
    trains = [n for n in losses if resolve(n, loss_split="-").split == "train"]
    if len(trains) != 1 or not vals:
        return None
    for n in plain:
        for v in vals:
            a, b = col.points[n], col.points[v]
            if len(a) >= 2 and len(a) == len(b) and all(
                    _same(x[0], y[0]) and _same(x[1], y[1]) and x[2] == y[2] for x, y in zip(a, b)):
                return n, v, trains[0]
    return None


def _count_on_across_chunks(generic: list[list], ranges: list[tuple[int, int, int, str]], col: _Collector) -> None:
    """A run continued in chunks, each headed by its range of epochs ("1-50", then "50-100"), each chunk's epochs
    numbered from its start again: the epochs of each later chunk counted on from the last epoch before it, so that
    the chunks are one run (not a restart that keeps the latest). Only when every heading's range starts where the one
    before ended (give or take one), every chunk holds epochs, and the counter goes back at each heading."""
    starts = [r for r in ranges if r[0] < len(generic)]  # a heading with nothing after it ("100-150" at the end)
    if len(starts) < 2:
        return
    for a, b in itertools.pairwise(starts):
        if abs(b[1] - a[2]) > 1 or b[0] <= a[0]:
            return
    bounds = [r[0] for r in starts] + [len(generic)]
    chunks = [generic[i:j] for i, j in itertools.pairwise(bounds)]
    firsts = [next((e[1] for e in c if math.isfinite(e[1])), math.nan) for c in chunks]
    if any(not math.isfinite(f) for f in firsts) or any(math.isfinite(e[1]) for e in generic[: starts[0][0]]):
        return  # a chunk without epochs, or epochs before the first heading
    lasts = [max(e[1] for e in c if math.isfinite(e[1])) for c in chunks]
    if any(f > last_before for f, last_before in zip(firsts[1:], lasts[:-1], strict=True)):
        return  # numbered on already: nothing to count on
    offset = 0.0
    for i, chunk in enumerate(chunks[1:], start=1):
        offset += lasts[i - 1] + 1 - firsts[i]
        for entry in chunk:
            entry[1] += offset
    col.note(f"a run continued in {len(chunks)} chunks headed {', '.join(repr(r[3]) for r in starts)}, each "
             "numbering its epochs from the start again: one run, the epochs counted on across the chunks")


def _phase_cuts(generic: list[list], phases: dict[int, tuple[str, int]]) -> dict[int, tuple[str, int]]:
    """Where a second training pasted into the same log starts: a marker line whose phase label (the word before
    its marker: "Fine-Tune Epoch 1 | ...") differs from the marker line's before it, and whose epoch (or step)
    goes back. {index in generic: (its label, its line number)}; empty when there is no such place."""
    cuts: dict[int, tuple[str, int]] = {}
    prev: tuple[str, float] | None = None
    for i, entry in enumerate(generic):
        got = phases.get(id(entry))
        if got is None:
            continue
        x = entry[1] if math.isfinite(entry[1]) else entry[2]
        if prev is not None and got[0] != prev[0] and math.isfinite(x) and x < prev[1]:
            cuts[i] = got
        if math.isfinite(x):
            prev = (got[0], x)
    return cuts


def _phase_label(line: str, spans: list[tuple[int, int]]) -> str:
    """The one word before a line's first marker that labels a phase ("Fine-Tune" in "Fine-Tune Epoch 1 | ...");
    "" when there is none (or it names a split: "Test Epoch")."""
    if not spans:
        return ""
    m = _TAG_PHASE.fullmatch(line[: spans[0][0]].strip(" \t|:-")) if line[:1] == "[" else None
    if m and not any(split_word(w) for w in m.group(1).split()):  # "[Fold 0] Head E1/6: ...": "Fold 0 Head"
        word = m.group(2) if m.group(2) and not split_word(m.group(2)) else ""
        return " ".join(m.group(1).split() + ([word] if word else []))
    head = line[: spans[0][0]].strip(" \t[|:-")
    if not _PHASE_WORD.fullmatch(head) or split_word(head):
        return ""
    return head


def _curve_name(name: str) -> bool:
    """A name that says it is a loss, or a metric of known direction (acc, f1, mae...)."""
    role = resolve(name)
    return role.kind == "loss" or (role.kind == "metric" and role.higher_is_better is not None)


def _bare_lines(lines: list[str], col: _Collector, cut: bool) -> int:
    """Marker-less lines, one per epoch ("loss 0.312, train acc 0.885, test acc 0.861"): read only when at least
    BARE_MIN_LINES lines hold nothing but pairs, one of them named as a loss or a metric, and all such lines have
    the same names; a cut last line is skipped. Or lines of a few kinds printed in turn, each kind once an epoch with
    names of its own (an evaluation's "accuracy = 0.63, macro_f1 = 0.53, AUROC = 0.89", then an early-stopping
    helper's "min_loss:1.11, max_f1:0.89, val_loss:1.05, val_f1:0.91"): one epoch per round of them. A value printed
    as None (Python's repr of one not known yet, "min_loss:None" before the first epoch) is no point, its name still
    the line's. Returns the number of lines used (0: not this layout)."""
    rows: list[dict[str, float]] = []
    kinds: list[tuple[str, ...]] = []  # each row's names, None-valued ones too
    last_index = len(lines) - 1 if cut else -1
    skipped = False
    for index, raw in enumerate(lines):
        line = _message(_strip_prefix(_clean(raw)))
        if not line.strip():
            continue
        if index == last_index:  # a line still being written: its last value may be cut
            skipped = any(_curve_name("_".join(m.group(1).split(" "))) for m in _BARE_ITEM.finditer(line))
            continue
        nones: set[str] = set()
        if "None" in line:
            nones = {"_".join(m.group(1).split(" ")) for m in _NONE_ITEM.finditer(line)}
            line = _NONE_ITEM.sub(r"\1\2nan", line)
        pairs = _bare_pairs(line)
        if pairs is None or not any(_curve_name(k) for k in pairs):
            continue  # chatter ("training on cuda:0")
        kinds.append(tuple(pairs))
        rows.append({k: v for k, v in pairs.items() if k not in nones})
    order = list(dict.fromkeys(kinds))  # the kinds of line, in the order they first come
    if len(order) > 1:
        # kinds printed in turn, each once a round, with names of their own: a round is an epoch
        if (any(kinds[i] != order[i % len(order)] for i in range(len(kinds)))
                or len({n for k in order for n in k}) != sum(len(k) for k in order)):
            return 0  # lines of different names: prose or several kinds of lines, not one line per epoch
        per = len(order)
        rows = [{k: v for r in rows[i : i + per] for k, v in r.items()} for i in range(0, len(rows), per)]
    if len(rows) < BARE_MIN_LINES:
        return 0
    keys = order[0] if order else ()
    only = keys[0] if len(order) == 1 and len(keys) == 1 else None
    if only is not None and resolve(only).kind == "loss" and resolve(only).split == "train":
        # "loss: 2.5035" alone on each line (loguru's logger.info(f"loss: {loss}") in the batch loop): nothing says
        # an epoch, and no evaluation beside it: a point per line, numbered in file order on the step axis
        for step, pairs in enumerate(rows):
            col.add(only, pairs[only], math.nan, float(step))
        col.note(f"{len(rows)} lines holding only {only} and no epoch or step number: one point per line on the step "
                 f"axis, numbered 0..{len(rows) - 1} in file order (what a step is, the log does not say)")
    else:
        for epoch, pairs in enumerate(rows):
            for name, v in pairs.items():
                col.add(name, v, float(epoch), math.nan)
        if len(order) > 1:
            col.note(f"{len(kinds)} lines of {len(order)} kinds printed in turn, each kind's names its own and no "
                     f"epoch or step number: one epoch a round, epochs numbered 0..{len(rows) - 1} (line order)")
        else:
            col.note(f"{len(rows)} lines of the same names and no epoch or step number: one line per epoch, epochs "
                     f"numbered 0..{len(rows) - 1} (line order)")
    if skipped:
        col.note(_cut_note(len(lines), "a line of values"))
    return len(kinds)


def _history_line(lines: list[str], col: _Collector) -> int:
    """A Keras History printed as a Python dict after a label (``train history: {'acc': [...], 'loss': [...], ...}``),
    when no other layout was found: each list of numbers a curve, one value per epoch, epochs 0..n-1 (as Keras'
    history JSON is read); only when one of its names is a loss, and only when the log prints one such dict (two, as
    two fit() calls appended, are left unread: which is the run?). Returns the number of lines used (0 or 1)."""
    found: list[tuple[dict[str, list[float]], str]] = []
    for raw in lines:
        if "{'" not in raw[:120] or len(raw) > HISTORY_MAX_CHARS:
            continue
        line = _message(_strip_prefix(_clean(raw))).rstrip()
        m = _HISTORY_DICT.match(line)
        if m is None or not line.endswith("}"):
            continue
        body = _LIST_NONFINITE.sub(r"'\1'", _NP_SCALAR.sub(r"\1", line[m.end() :]))
        try:
            d = ast.literal_eval(body)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if not isinstance(d, dict):
            continue
        curves: dict[str, list[float]] = {}
        for k, v in d.items():
            if not isinstance(k, str) or not isinstance(v, list) or not v or is_bookkeeping(k):
                continue
            vals = [to_float(x) for x in v]
            if all(x is not None for x in vals):
                curves[k] = vals
        if any(resolve(k).kind == "loss" for k in curves):
            found.append((curves, line[: m.end()].strip().rstrip(":").strip()))
    if len(found) != 1:
        return 0
    curves, label = found[0]
    for name, vals in curves.items():
        for epoch, x in enumerate(vals):
            col.add(name, x, float(epoch), math.nan)
    col.note(f"a Keras history printed as a Python dict{f' after {label!r}' if label else ''}: one value per epoch, "
             "epochs numbered 0..")
    return 1


# caffe2's TensorPrinter (caffe2/core/tensor.cc, TensorPrinter::MetaStr: meta_stream << "Tensor " << tensor_name_ <<
# " of type " << tensor.dtype().name() << ". Dims: ("; each dim << ","; then "): "; Print appends the values joined
# by ","): a C++ program's PrintOp on its scalar loss once per iteration writes "Tensor loss of type float. Dims: ():
# 2.3412" (aglupotto/mnist, Agnostic12/caffe2_learning loss.log). Only a scalar, or a tensor of one value ("(1,)").
_TENSOR_PRINT = re.compile(rf"Tensor ([A-Za-z_][\w/.\-]{{0,100}}+) of type \w{{1,40}}+\. Dims: \((?:1,)*+\): ({_NUMBER})\s*+")
#: At most this many other non-blank lines (a header, a closing message) beside the tensor printouts.
TENSOR_OTHER_LINES = 2


def _tensor_lines(lines: list[str], col: _Collector, cut: bool) -> int:
    """caffe2's printout of one scalar tensor per iteration, every line (or all but a couple) alike, one tensor
    named as a loss: one point per line on the step axis, numbered 1.. in file order (no counter is printed).
    Returns the number of lines used (0: not this layout)."""
    values: list[float] = []
    names: set[str] = set()
    other = 0
    last = len(lines) - 1 if cut else -1
    for index, raw in enumerate(lines):
        line = _message(_strip_prefix(_clean(raw))).strip()
        if not line:
            continue
        m = _TENSOR_PRINT.fullmatch(line) if line[:7] == "Tensor " else None
        if m is None or index == last:  # a line still being written may be cut: not a point
            other += 1
            if other > TENSOR_OTHER_LINES:
                return 0
            continue
        names.add(m.group(1))
        values.append(float(m.group(2)))
    if len(names) != 1 or len(values) < BARE_MIN_LINES or resolve(next(iter(names))).kind != "loss":
        return 0
    name = names.pop()
    for step, v in enumerate(values, start=1):
        col.add(name, v, math.nan, float(step))
    col.note(f"caffe2's tensor printout ('Tensor {name} of type ... Dims: (): value'), once per iteration and no "
             f"counter: one point per line on the step axis, numbered 1..{len(values)} in file order")
    if other:
        col.note(f"{other} other line(s) beside the printouts not read")
    return len(values)


# spaCy's training loop (the spaCy course, exercises/en/exc_04_07.py: for each pass, losses = {}, nlp.update(...,
# losses=losses) per batch, then print(losses)): one dict per pass, each pipe's loss summed over the pass's batches
# (KoralK5/Depression-Detection loss.txt: "{'textcat': 30095.2}"). The names are the pipes' (spaCy's own components).
_SCALAR_LINE = re.compile(rf"^\s*+([A-Za-z_][\w.\-]{{0,60}}+)(?:\s*+[:=]\s*+|\s++)({_NUMBER})\s*+$")


def _tensor_scalar_lines(lines: list[str], col: _Collector, cut: bool) -> int:
    """``name tensor(x, device='cuda:0')`` printed once a batch, a line each (``print('train_loss', loss)``), among
    other prints (multi-line tensor dumps) and under ``==> Epoch N/M`` marker lines: each such line one point of
    ``name`` on the step axis in file order (per name), the epoch of the marker line before it kept. Only when at
    least BARE_MIN_LINES such lines name a loss. Returns the number of lines used (0: not this layout)."""
    epoch = math.nan
    counts: dict[str, int] = {}
    got: list[tuple[str, float, float, float]] = []
    last_index = len(lines) - 1 if cut else -1
    for index, raw in enumerate(lines):
        line = _message(_strip_prefix(_clean(raw)))
        if "tensor(" not in line:
            if ("poch" in line or "POCH" in line) and (mk := _markers(line)[0]) and "epoch" in mk:
                epoch = mk["epoch"]
            continue
        if index == last_index:
            continue
        plain, n = unwrap_tensors(line)
        if n != 1 or not (m := _SCALAR_LINE.match(plain)) or not _curve_name(m.group(1)):
            continue
        name = m.group(1)
        counts[name] = counts.get(name, 0) + 1
        got.append((name, epoch, float(counts[name] - 1), float(m.group(2))))
    if sum(resolve(n).kind == "loss" for n, *_ in got) < BARE_MIN_LINES:
        return 0
    for name, e, st, v in got:
        col.add(name, v, e, st)
    col.note(f"{len(got)} lines 'name tensor(x, ...)' (PyTorch's repr of a scalar tensor, printed per batch): one point "
             "per line on the step axis, numbered in file order for each name, the epoch of the marker line before it "
             "kept")
    return len(got)


# Federated training's stdout (11snigdha11/gafseg_classification, train.py: for each round print(f"\n========== Round
# [{round_idx+1}/{args.CommunicationEpoch}] =========="), for each client print(f"\n Client {client_idx+1}/{args.
# num_clients}") and its local training's print("loss =", loss.item()) per batch (utils.py), then print(f"Round
# {round_idx+1} Test Accuracy={test_acc:.4f}") for the aggregated model): the communication round is the unit of
# progress, its clients' batch losses the training's.
_ROUND_HEAD = re.compile(r"\s*+=*+\s*+Round\s*+\[\s*+(\d++)\s*+/\s*+(\d++)\s*+\]\s*+=*+\s*+", re.IGNORECASE)
_CLIENT_HEAD = re.compile(r"\s*+Client\s++(\d++)\s*+/\s*+(\d++)\s*+", re.IGNORECASE)
_ROUND_LINE = re.compile(r"\s*+Round\s++(\d++)\s++(?=[A-Za-z])", re.IGNORECASE)
#: Federated rounds are read when at least this many round headings hold clients' losses.
ROUND_MIN = 3


def _federated_rounds(lines: list[str], col: _Collector, cut: bool) -> int:
    """Federated training's rounds (``========== Round [1/100] ==========``, `` Client 1/10`` headings, each client's
    bare ``loss = 4.742448329925537`` lines, ``Round 1 Test Accuracy=0.0105`` after the round): the mean of the
    clients' loss lines of each round, the train loss ``loss`` at that round (the epoch axis), and the round's own
    values at it (``Test_Accuracy``). Experiments appended to the log, each from round 1 again, are left to
    ``finish_run`` (the latest kept, with a note). Only when a line names a client under each of at least ROUND_MIN
    round headings with losses. Returns the number of lines used (0: not this layout)."""
    rounds: list[list] = []  # [round, the losses of its clients, its own values, clients named]
    last = len(lines) - 1 if cut else -1
    name = None
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or index == last:
            continue
        c = line[0]
        if c in "=Rr" and (m := _ROUND_HEAD.fullmatch(line)):
            if int(m[1]) <= int(m[2]):
                rounds.append([float(m[1]), [], {}, False])
        elif not rounds:
            continue
        elif c in "Cc" and _CLIENT_HEAD.fullmatch(line):
            rounds[-1][3] = True
        elif c in "Rr" and (m := _ROUND_LINE.match(line)) and float(m[1]) == rounds[-1][0]:
            rounds[-1][2].update(_generic_pairs(line[m.end() :], []))
        elif (m := _SCALAR_LINE.match(line)) and (name is None or m[1] == name) and resolve(m[1]).kind == "loss":
            name = m[1]
            rounds[-1][1].append(float(m[2]))
    rounds = [r for r in rounds if r[1] and r[3]]
    if len(rounds) < ROUND_MIN or name is None:
        return 0
    for rnd, losses, own, _ in rounds:
        col.add(name, float(np.mean(losses)), rnd, math.nan)
        for k, v in own.items():
            col.add(k, v, rnd, math.nan)
    per = sum(len(r[1]) for r in rounds) / len(rounds)
    runs = 1 + sum(b[0] < a[0] for a, b in itertools.pairwise(rounds))
    col.note(f"federated training: the clients' '{name} = x' lines ({per:.0f} a round) averaged per communication "
             f"round: {name}, the train loss, one point per round (the round as the epoch)"
             + (f"; {runs} experiments appended to the log, each from round {rounds[0][0]:g} again" if runs > 1 else ""))
    return len(rounds)


_SPACY_DICT = re.compile(r"\{'[a-z][a-z_0-9]{0,60}+':\s*+[^{}\[\]()\n]{1,2000}+\}")
_SPACY_PIPES = ("textcat", "textcat_multilabel", "ner", "tagger", "parser", "tok2vec", "transformer", "senter",
                "morphologizer", "lemmatizer", "entity_linker", "spancat", "trainable_lemmatizer", "span_finder",
                "entity_ruler", "beam_ner", "beam_parser", "coref", "span_resolver", "experimental_coref")


def _spacy_pipe(name: str) -> bool:
    """A pipe's name as spaCy names its components (a built-in factory, or one with a suffix: ``textcat_sent``)."""
    return any(name == p or name.startswith(p + "_") for p in _SPACY_PIPES)


def _spacy_losses(lines: list[str], col: _Collector, cut: bool) -> int:
    """Every non-blank line a ``{'pipe': number, ...}`` dict of spaCy's pipe names, the same names on each: one line
    per pass over the data, epochs 0..n-1; each pipe's value is its training loss (``<pipe>_loss``'s role).
    Returns the number of lines used (0: not this layout)."""
    rows: list[dict[str, float]] = []
    keys: tuple[str, ...] | None = None
    last = len(lines) - 1 if cut else -1
    skipped = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if index == last:
            skipped = True
            continue
        if not _SPACY_DICT.fullmatch(line):
            return 0
        try:
            d = ast.literal_eval(_DICT_NONFINITE.sub(r"\1'\2'", line))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return 0
        if not isinstance(d, dict) or not d:
            return 0
        row: dict[str, float] = {}
        for k, v in d.items():
            f = None if isinstance(v, bool) else to_float(v)
            if not isinstance(k, str) or not _spacy_pipe(k) or f is None:
                return 0
            row[k] = f
        if keys is None:
            keys = tuple(row)
        elif tuple(row) != keys:
            return 0
        rows.append(row)
    if len(rows) < BARE_MIN_LINES:
        return 0
    for epoch, row in enumerate(rows):
        for name, v in row.items():
            col.add(name, v, float(epoch), math.nan)
            col.role_of[name] = f"{name}_loss"
    col.note(f"spaCy's losses dict printed once per pass ({', '.join(keys or ())}: each pipe's training loss, summed "
             f"over the pass's batches): one line per epoch, epochs numbered 0..{len(rows) - 1} (line order)")
    if skipped:
        col.note(_cut_note(len(lines), "a dict of values"))
    return len(rows)


# A table of one row per logged epoch, printed after banner sections (DandaAkhilReddy/enzyme-gcn-classifier's
# training_output.log: "Epoch  Train Loss  Train Acc  Test Loss  Test Acc  Time", then rows "    1  1.7900 ...  2.50
# s"), a classification report after it: the header names an epoch (or step) first and a loss; rows of numbers
# only, as many as the names (``tabular.aligned_names``), a duration's unit after the last ("2.50    s") dropped.
_TABLE_UNITS = ("s", "sec", "secs", "ms")
_TABLE_AXES = {"epoch": "epoch", "ep": "epoch", "step": "step", "iter": "step", "iteration": "step"}


def _banner_table(lines: list[str], col: _Collector) -> int:
    """One whitespace-aligned table in a console report, read column by column: the first column the epoch (or
    step) as written, a column per series (names joined with "_": ``Train_Loss``; a time column no series). Only
    when the log holds exactly one such table. Returns the number of rows used (0: not this layout)."""
    found: list[tuple[int, list[str], list[list[str]], str]] = []
    stripped = [ln.rstrip("\r") for ln in lines]
    i = 0
    while i < len(stripped):
        head = stripped[i].strip()
        first = head.split(" ", 1)[0].lower()
        if first not in _TABLE_AXES or "  " not in head:
            i += 1
            continue
        j = i + 1
        if j < len(stripped) and rule_line(stripped[j]):
            j += 1
        rows: list[list[str]] = []
        unit = ""
        while j < len(stripped) and stripped[j].strip():
            parts = stripped[j].split()
            if parts and parts[-1] in _TABLE_UNITS and (not rows or unit == parts[-1]):
                unit = parts[-1]
                parts = parts[:-1]
            elif unit:
                break
            rows.append(parts)
            j += 1
        names = aligned_names([head, *(" ".join(r) for r in rows)]) if len(rows) >= BARE_MIN_LINES else None
        if names is not None and names[0].lower() == first:
            found.append((i, names, rows, unit))
        i = max(j, i + 1)
    if len(found) != 1:
        return 0
    at, names, rows, unit = found[0]
    series = ["_".join(n.split()) for n in names[1:]]
    if not any(resolve(s).kind == "loss" for s in series):
        return 0
    axis = _TABLE_AXES[names[0].lower()]
    for row in rows:
        mark = float(row[0])
        for name, cell in zip(series, row[1:], strict=True):
            if not is_bookkeeping(name):
                col.add(name, float(cell), mark if axis == "epoch" else math.nan, mark if axis == "step" else math.nan)
    dropped = [n for n in names[1:] if is_bookkeeping("_".join(n.split()))]
    col.note(f"a table printed at line {at + 1} ({'  '.join(names)}), {len(rows)} rows: columns aligned with spaces, "
             f"the {axis} as written" + (f"; {', '.join(dropped)}: bookkeeping, no series" if dropped else "")
             + (f" (its unit {unit!r} after each row)" if unit else "")
             + "; the other lines (banners, a report after the table) are no data")
    return len(rows)


def _evaluation_after(lines: list[str]) -> int | None:
    """The index of a shell prompt line that runs an evaluation script (``..$ python -u ../../tools/infer.py ...``)
    after lines the training's progress was read from, or None. Only the first such prompt counts, and only when
    the lines before it hold a progress line (an evaluation alone is read as before)."""
    for i, raw in enumerate(lines):
        if i and ("$" in raw or "#" in raw) and ".py" in raw and len(raw) < 2000 and _EVAL_COMMAND.match(raw.strip()):
            return i if parse_lines(lines[:i])[1] else None
    return None


def _physical_lines(source: Source, n: int) -> list[int] | None:
    """The physical line (split at "\\n" only) of each of the n lines the decoded text has (where a lone "\\r", a
    redraw, also ends a line); None when nothing was redrawn or the bytes do not tell (UTF-16)."""
    raw = source.read_bytes()
    if raw.count(b"\r") == raw.count(b"\r\n") or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    out: list[int] = []
    for i, line in enumerate(raw.replace(b"\r\r\n", b"\n").replace(b"\r\n", b"\n").split(b"\n")):
        out.extend([i] * (line.count(b"\r") + 1))
    return out if len(out) == n else None


# A tqdm bar redrawn with "\r" and no line end, the script's own line printed straight after its "]" (tech-tatsuma/
# VisualAtom, logs/train.txt: "  1%|          | 1/100 [31:27<51:54:28, 1887.57s/it]Epoch 2, Training loss: 1.6877,
# Validation loss: 1.0509, ..."): the bar, then the line, as two lines of the same physical line.
# A space may come between (Enoch-H-Kang/DDC-DPT's nohup output: "Training Progress:   0%|          | 2/50000
# [00:01<9:16:41,  1.50it/s] Epoch: 1").
_BAR_TAIL = re.compile(r"\d{1,3}+%\|[^|\n]{0,400}+\|[^\[\n]{0,60}+\[[^\]\n]{0,200}?(?:it/s|s/it)\](?= ?[A-Za-z])")


def _split_bar_tails(lines: list[str], phys: list[int] | None) -> tuple[list[str], list[int] | None]:
    """``lines`` with a line printed straight after a tqdm bar's "]" split off the bar (``_BAR_TAIL``), and the
    physical line of each; the lines themselves when no bar runs into a line."""
    out: list[str] = []
    where: list[int] = []
    split = False
    for i, line in enumerate(lines):
        if ("it/s]" in line or "s/it]" in line) and (m := _BAR_TAIL.search(line)):
            out.extend((line[: m.end()], line[m.end():]))
            where.extend((phys[i] if phys else i,) * 2)
            split = True
        else:
            out.append(line)
            where.append(phys[i] if phys else i)
    return (out, where) if split else (lines, phys)


def _sniff_lines(text: str) -> list[str]:
    lines = text.split("\n")[:400]
    if "it/s]" in text or "s/it]" in text:
        lines = _split_bar_tails(lines, None)[0]
    return lines


#: A text larger than this whose first SCAN_BYTES hold no progress line and no tool's line is not read further.
SCAN_BYTES = 4 << 20
#: The scan looks at the first SCAN_FIRST bytes before the first SCAN_BYTES: a log's progress lines nearly always
#: start there, and parsing 4 MB only to parse them again cost a 9 MB log about a third of its reading time.
SCAN_FIRST = 256 << 10


def _not_a_log(label: str, where: str = "") -> NotALog:
    return NotALog(label, f"not a training log: no training progress lines found{where} (tried: {PATTERNS})")


#: A name printed this many times or more in lines of nothing but pairs is a logged value (for ``_no_loss_refusal``).
NO_LOSS_MIN_REPEATS = 3


def _no_loss_refusal(label: str, lines: list[str]) -> NotALog | None:
    """A text with no progress line, whose lines of nothing but ``name = value`` pairs repeat the same names, none
    of which says loss (a Julia script's ``REPORT`` blocks: ``  Batch = 100``, ``  alpha = 0.00099967``, ``  Correct =
    14.15%``, 3000 times), and no line that says loss at all: refused as a log with no loss series, naming what it
    does log, not as "not a training log"."""
    if any("loss" in ln.lower() for ln in lines):
        return None  # a loss named somewhere (a table's header, a summary): no claim that none is logged
    counts: dict[str, int] = {}
    for raw in lines[:200_000]:
        if "=" not in raw and ":" not in raw:
            continue
        kv = _kv_pairs(_message(_strip_prefix(_clean(raw))))
        for name in kv or ():
            if resolve(name).kind == "loss":
                return None
            counts[name] = counts.get(name, 0) + 1
    logged = [n for n, c in counts.items() if c >= NO_LOSS_MIN_REPEATS]
    if not logged:
        return None
    shown = ", ".join(f"{n} ({counts[n]} values)" for n in logged[:6])
    metrics = [n for n in logged if resolve(n).kind == "metric"]
    what = " (metrics only)" if len(metrics) == len(logged) else ""
    return NotALog(label, f"no loss series: the log repeats {shown}{what}, and no name says loss (a log without a "
                   "loss curve; lossdoc reads a loss)")


#: A header of names a table reader would have read, had a column said loss, step or epoch.
_TABLE_NAME = re.compile(r"[A-Za-z_][\w .%()/\-]{0,60}+")


def _table_refusal(label: str, lines: list[str]) -> NotALog | None:
    """A comma- or tab-separated table the table readers left (no column names a loss, a step or an epoch: a CSV
    of per-run results, ``Start,End,Best Matrix,Time``): refused as a table, not with the text patterns tried."""
    rows = [ln.rstrip("\r") for ln in lines[:200] if ln.strip()]
    if len(rows) < 2:
        return None
    sep = "\t" if rows[0].count("\t") >= 1 and "," not in rows[0] else ","
    head = [c.strip() for c in rows[0].split(sep)]
    if len(head) == 1 and len(rows) == 2 and _TABLE_NAME.fullmatch(head[0]) and _NUMBER_ONLY.fullmatch(rows[1].strip()):
        # Alessandro-Maria-Caminiti/Signal-Proccessing's train_loss.csv: "Train Loss" and one number
        return NotALog(label, f"not a training log: a table of one column ({head[0]}) holding a single value "
                       f"({rows[1].strip()}): one number, not a curve")
    if (len(head) >= 3 and head[0] in ("", "Unnamed: 0") and all(_NUMBER_ONLY.fullmatch(c) for c in head[1:])
            and all(r.count(sep) == len(head) - 1 for r in rows[1:])
            and all(not c.strip() or _NUMBER_ONLY.fullmatch(c.strip()) for r in rows[1:] for c in r.split(sep))):
        # gPathpp/air's train_loss.csv (pandas' DataFrame.to_csv: the unnamed index, then columns "5,15,30,50,75,100")
        shown = ", ".join(head[1:9]) + (" ..." if len(head) > 9 else "")
        return NotALog(label, f"not a training log lossdoc can read: a pandas table (an unnamed index column) whose "
                       f"{len(head) - 1} columns are named only by numbers ({shown}): nothing in it says whether they "
                       "are losses, of which runs or settings, or what the index counts (if a column is a loss: "
                       "--input-format csv --train NAME)")
    if len(head) < 2 or not all(_TABLE_NAME.fullmatch(c) for c in head):
        return None
    body = rows[1:]
    if not all(r.count(sep) >= 1 and _NUMBER_ONLY.match(r.split(sep)[0].strip() or "x") for r in body):
        return None
    shown = ", ".join(head[:8]) + (f" and {len(head) - 8} more" if len(head) > 8 else "")
    return NotALog(label, f"not a training log: a {'tab' if sep == chr(9) else 'comma'}-separated table of "
                   f"{len(body)} row(s) whose columns ({shown}) name no loss, step or epoch: a table of results, "
                   "not a training curve (if a column is a loss: --input-format csv --train NAME)")


# An epoch's record, where records are written one after another with no line end between them.
_RECORD_START = re.compile(r"(?<![A-Za-z_])(?=Epoch\s*+\d++\s*+:)")
GLUED_MIN_RECORDS = 3


def _glued_records(lines: list[str]) -> list[str] | None:
    """The records of a log written as one line with no line ends (njanne19/LoGONE's training_loss.csv: f.write(f"Epoch
    {epoch}:   Training Loss={loss}") with no "\\n", 22 records of three trainings): one line per ``Epoch N:``
    record, when the text is one line holding at least GLUED_MIN_RECORDS of them and begins with one; else None. The
    last record stands as the others do: the text ends where a record's number ends."""
    shown = [ln for ln in lines if ln.strip()]
    if len(shown) != 1 or len(shown[0]) > 1 << 20 or not shown[0].lstrip().startswith("Epoch"):
        return None
    records = [r for r in _RECORD_START.split(shown[0]) if r.strip()]
    if len(records) < GLUED_MIN_RECORDS:
        return None
    return [*records, ""]


# An epoch's line led by its zero-padded number in brackets (Attention-BiLSTM's print('[%03d] train_loss: %.3f |
# dev_loss: %.3f | micro f1 on dev: %.4f' % (...), end=' '), then '>>> save models!' only when it saved): "[001]
# train_loss: 1.153 | dev_loss: 1.161 | ...". Where no save was printed, the next epoch's record follows on one line.
_PADDED_EPOCH = re.compile(r"\[(\d{3}+)\] (?=[A-Za-z_]\w{0,60}+: )")
_PADDED_JOIN = re.compile(r"(?<=\S) ++(?=\[\d{3}+\] [A-Za-z_]\w{0,60}+: )")


def _joined_epochs(lines: list[str]) -> list[str] | None:
    """The lines with each "[NNN] name: value | ..." epoch record on its own (records that a missing line end joined),
    when at least 3 lines begin with one; else None."""
    if sum(1 for ln in lines if ln[:2] == "[0" and _PADDED_EPOCH.match(ln)) < 3:
        return None
    out: list[str] = []
    for ln in lines:
        out.extend(_PADDED_JOIN.split(ln) if ln[:1] == "[" and _PADDED_EPOCH.match(ln) else [ln])
    return out


class TextReader(Reader):
    """The last reader tried: it claims every text that is not JSON and has no progress line in its head (to find
    a tool's lines further in, or to say which patterns it tried), and texts whose head reads as a log."""

    name = "text"
    description = (
        "plain-text stdout: Keras progress lines, 'step N: train loss X', 'epoch=3 loss=0.4' log lines, "
        "'Epoch 3' blocks of name: value lines"
    )
    example = "train.log"
    priority = 95

    def sniff(self, head: bytes, path: Path | None) -> bool:
        try:
            text = decode_text(head, "")
        except InputError:
            return False
        if _JSON_START.match(text):
            return False  # JSON: the JSON readers had their turn; a document is not a stdout log
        lines = _sniff_lines(ANSI.sub("", text) if "\x1b" in text else text)
        if len(head) >= HEAD_BYTES and len(lines) > 1:
            lines = lines[:-1]
        col, used, saw_keras = parse_lines(lines)
        if not used:
            return True  # a tool's lines further in, or "not a training log" with the patterns tried
        # Keras' "Epoch N/M" blocks are unmistakable; generic marker lines need a few to be a log, not prose. Three
        # or more are a log even when no name says loss (the user may name one: --train/--val).
        if used >= 3 or saw_keras:
            return True
        # A tiny log, or a head filled by a few long lines: one progress line with a loss is enough.
        shown = len([ln for ln in lines if ln.strip()])
        few = shown <= 3 or (len(head) >= HEAD_BYTES and shown <= 10)
        if not few and len(head) >= HEAD_BYTES and shown > 100:
            # a head filled by tqdm's redraws (one epoch of bars, then "【1/100】" and its values): the bars are
            # not counted as lines
            bars = sum(1 for ln in lines if "%|" in ln and _TQDM_BAR.search(ln))
            few = shown - bars <= 20 and bars > 10 * (shown - bars)
        losses = [pts for n, pts in col.points.items() if resolve(n).kind == "loss"]
        if not few and losses and len(head) >= HEAD_BYTES:
            # a head filled by a logging stream's other messages (a finetune script's logging.info of each audio file
            # it transcribed) around a training's first lines: every line a program's log message, none prose
            few = sum(1 for ln in lines if ln[:1].isdigit() and _LEVEL.match(ln) is not None) >= 0.9 * shown
        # Two lines that carry an epoch and an iteration each and a loss (reid-strong-baseline cut off after its
        # config dump: "Epoch[1] Iteration[50/436] Loss: 148.527, Acc: 0.012, Base Lr: 3.82e-05"): a log, not prose.
        both = used >= 2 and any(len(pts) >= 2 and all(math.isfinite(e) and math.isfinite(st) for e, st, _ in pts)
                                 for pts in losses)
        return (few and bool(losses)) or both

    def read(self, source: Source) -> list[Run]:
        size = len(source.data) if source.data is not None else (source.path.stat().st_size if source.path else 0)
        if size > SCAN_BYTES:
            for n in sorted({min(SCAN_FIRST, SCAN_BYTES), SCAN_BYTES}):
                lines = decode_text(source.head(n), source.label).split("\n")[:-1]
                if any(f.detect(lines) for f in FAMILIES) or parse_lines(lines)[1]:
                    break
            else:
                raise _not_a_log(source.label, f" in its first {SCAN_BYTES >> 20} MB")
        text = source.text()
        runs = read_as_family(text, source.label)
        if runs is not None:
            return runs
        lines = text.split("\n")
        phys = _physical_lines(source, len(lines))
        if "it/s]" in text or "s/it]" in text:
            lines, phys = _split_bar_tails(lines, phys)
        glued = _glued_records(lines)
        if glued is not None:
            lines, phys = glued, None
        elif "\n[0" in text and (joined := _joined_epochs(lines)) is not None:
            lines, phys = joined, None
        evaluation = _evaluation_after(lines)
        command = ""
        if evaluation is not None:  # an evaluation script's run appended after the training's lines: left out
            command = lines[evaluation].strip()
            lines, phys = lines[:evaluation], None if phys is None else phys[:evaluation]
        col, used, saw_keras = parse_lines(lines, cut=bool(lines[-1].strip()), phys=phys)
        if command:
            col.note(f"the lines from line {evaluation + 1} on ({command[:160]!r}) are an evaluation script's run "
                     "appended after the training: its values are not the training's, and are left out")
        if not used and not saw_keras:
            used = _history_line(lines, col)
        cut = bool(lines[-1].strip())
        if not used and not saw_keras:
            used = (_tensor_lines(lines, col, cut) or _spacy_losses(lines, col, cut) or _banner_table(lines, col)
                    or _federated_rounds(lines, col, cut))
        if not used and not saw_keras and "tensor(" in text:
            used = _tensor_scalar_lines(lines, col, cut)
        if not used:
            raise (_table_refusal(source.label, lines) or _no_loss_refusal(source.label, lines)
                   or _not_a_log(source.label))
        parts = [col, *col.phases]
        base = Path(source.label).name or source.label
        runs = []
        for i, part in enumerate(parts, start=1):
            name = f"{base} (run {i} of {len(parts)})" if len(parts) > 1 else None
            run = Run(source=source.label, format=self.name, name=name)
            for series, pts in part.points.items():
                if is_bookkeeping(series):
                    continue
                arr = np.asarray(pts, dtype=np.float64)
                epochs, steps, values = arr[:, 0], arr[:, 1], arr[:, 2]
                built = (
                    build_series(
                        series,
                        values,
                        steps=steps if np.isfinite(steps).any() else None,
                        epochs=epochs if np.isfinite(epochs).any() else None,
                        # "ep 3 | tr 0.86 | va 0.56": a bare split word printed with one number is that split's loss
                        # "T_Loss ... V_Loss" on one line: train_Loss, val_Loss (_tv_pairs)
                        # "[epoch: 79/200, iter: 0/448] total: 0.8188" and no other loss: the total loss
                        role_name=(col.role_names.get(series) or col.role_of.get(series) or bare_split_loss(series)
                                   or (bare_total_loss(series) if series == col.total else None)),
                    )
                )
                if series in col.best_so_far:  # "get best test loss X": the best so far, a metric (lower is better)
                    built.kind = "metric"
                run.add(built)
            if len(parts) > 1:
                nxt = parts[i].phase if i < len(parts) else None
                where = (f"phase {part.phase[0]!r} from line {part.phase[1]}" if part.phase and part.phase[0]
                         else f"no label, from line {part.phase[1]}" if part.phase else "the first")
                where += f", up to line {nxt[1] - 1}" if nxt else ""
                why = ("the fold of a cross-validation named on its epoch lines" if col.fold_cut
                       else "a phase label before the epoch marker")
                run.notes.append(f"{len(parts)} trainings in one log ({why}, and the "
                                 f"counter going back): read as {len(parts)} runs; this is run {i} ({where})")
            if col.restarted and i == 1:  # structured, for rules (as base.finish_run records its cuts)
                run.meta.setdefault("restarted", []).extend(run.series)
            chosen = {sp: n for sp, n in col.chosen.items() if n in run.series}
            if chosen:
                run.meta["chosen_loss"] = chosen
                led = [n for n in chosen.values() if n not in col.averaged and n not in col.own_note]
                if led:
                    run.notes.append(f"{', '.join(led)}: printed on a line its split word leads, beside "
                                     "the evaluation's line: used as that split's loss")
                avg = [n for n in chosen.values() if n in col.averaged]
                if avg:
                    run.notes.append(f"{', '.join(avg)}: the evaluation's average loss, printed after its metrics "
                                     "line: used as the val loss (not the metrics' batch loss or a total)")
            if saw_keras:
                run.notes.append("Keras prints 'Epoch N/M' 1-based; epochs stored 0-based (N-1), as CSVLogger writes")
            tv = [n for n in run.series if n in col.role_names]
            if tv:
                run.notes.append(f"{', '.join(tv)}: T_ and V_ of the same names on one line, read as the train and "
                                 "val split's")
            run.notes.extend(col.notes if i == 1 else part.notes)
            require_series(run, source.label, list(part.points), what="values")
            runs.append(run)
        return runs


READERS = [TextReader]
