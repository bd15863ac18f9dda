"""Training the encoder-decoder: teacher forcing, masked cross-entropy, Adam, gradient clipping.

One epoch: for each batch, the decoder reads the true previous token at every step (teacher
forcing), the loss averages the cross-entropy over real target tokens, and Adam takes a step
on gradients clipped to a global norm. After each epoch the model translates the validation
sources greedily and is scored with corpus BLEU; the best weights are checkpointed (atomically)
and a PNG shows the loss and BLEU curves. A run can resume from its last checkpoint and is
reproducible under a seed: a resumed run repeats an uninterrupted one exactly. An epoch cut
short (SIGINT, SIGTERM or the time limit) is saved with its position: the next batch, the
epoch's order and the loss so far; the dropout masks of a batch depend only on (seed, epoch,
batch), so ``resume`` continues that epoch from exactly where it stopped.
"""
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy
from tqdm import tqdm

import minigrad as mg
from minigrad import optim
from seq2seq.arrays import TranslationBatches, build_array_nmt
from seq2seq.bleu import corpus_bleu
from seq2seq.checkpoint import load_checkpoint, save_checkpoint
from seq2seq.decoding import greedy_decode


@dataclass
class TrainConfig:
    epochs: int = 10
    lr: float = 0.005
    batch_size: int = 64
    clip: float = 1.0
    seed: int = 0
    eval_batch_size: int = 256
    max_eval: int = 2000          # validation sources scored per epoch (all when smaller)
    max_seconds: float = None     # stop training (mid-epoch) after this much training time
    on_nonfinite: str = "raise"   # a NaN or infinite loss: "raise" (stop) or "skip" the step


class NonFiniteLoss(ArithmeticError):
    """The loss of a step was NaN or infinite: training stopped before that step's update."""


class TrainingInterrupted(Exception):
    """SIGINT or SIGTERM cut training short; the message says what was saved."""


class StopRequest:
    """Set by SIGINT/SIGTERM while installed: the epoch stops where it stands, as at the time
    limit. A second signal interrupts at once (KeyboardInterrupt)."""

    def __init__(self):
        self.requested, self.previous, self.signal_name = False, {}, None

    def _handle(self, signum, frame):
        if self.requested:          # the second: at once, named for the command's message
            interrupt = KeyboardInterrupt(signal.Signals(signum).name)
            interrupt.signal_name = signal.Signals(signum).name
            raise interrupt
        self.requested, self.signal_name = True, signal.Signals(signum).name

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():   # signals: main only
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


@dataclass
class History:
    epoch: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    valid_bleu: list = field(default_factory=list)
    tokens_per_s: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    batches: list = field(default_factory=list)       # batches trained: fewer if cut short


# The settings a resumed run must share with the run it continues (the model's own settings
# are checked by load_checkpoint); epochs and the time limit may change, to train longer.
RESUMED_SETTINGS = ("lr", "batch_size", "clip", "seed")


def resume_differences(state, config):
    """The settings of ``config`` that differ from those saved in a checkpoint's ``state``
    (none for checkpoints from before the settings were saved), as "name: checkpoint x, now y"."""
    saved = state.get("training", {})
    return [f"{name}: checkpoint {saved[name]!r}, now {getattr(config, name)!r}"
            for name in RESUMED_SETTINGS
            if name in saved and saved[name] != getattr(config, name)]


def translate_batch(model, sources, data, batch_size=256):
    """Greedy translations (token lists) of source token lists, in batches."""
    results = []
    for start in range(0, len(sources), batch_size):
        chunk = sources[start:start + batch_size]
        src, src_valid_len = build_array_nmt(chunk, data.src_vocab, data.num_steps)
        for ids, _ in greedy_decode(model, src, src_valid_len, data.tgt_vocab["<bos>"],
                                    data.tgt_vocab["<eos>"], data.num_steps):
            results.append(data.tgt_vocab.to_tokens(ids))
    return results


def evaluate_bleu(model, split, data, batch_size=256, limit=None):
    """Corpus BLEU (0-100) of greedy translations of a split: [(source, [references])]."""
    split = split[:limit] if limit else split
    hypotheses = translate_batch(model, [source for source, _ in split], data, batch_size)
    return corpus_bleu(hypotheses, [references for _, references in split])


def batch_seed(seed, epoch, batch):
    """The dropout seed of one batch, a function of (seed, epoch, batch) alone: a run resumed
    in the middle of an epoch draws the same masks as one never stopped."""
    return int(numpy.random.SeedSequence([seed, epoch, batch]).generate_state(1)[0])


def train_epoch(model, optimizer, batches, clip, progress, deadline=None, stop=None,
                on_nonfinite="raise", where="", first=0, seeds=None, totals=None):
    """One pass over the batches (cut short at ``deadline``, a perf_counter time, or when
    ``stop.requested``): returns (mean loss per token, target tokens per second, batches
    trained). A NaN or infinite loss raises NonFiniteLoss before its update, or with
    ``on_nonfinite="skip"`` skips the step (as mixed-precision loss scalers do).

    A resumed epoch: ``batches`` yields from batch number ``first`` on (its ``len`` is the
    whole epoch's); ``totals``, {"loss": sum of loss x tokens, "tokens": count}, carries the
    loss of the batches before it and is updated in place. With ``seeds`` = (seed, epoch),
    each batch reseeds dropout with ``batch_seed(seed, epoch, number)``.
    """
    if on_nonfinite not in ("raise", "skip"):
        raise ValueError(f"train_epoch: on_nonfinite must be 'raise' or 'skip', "
                         f"got {on_nonfinite!r}")
    model.train()
    params = model.parameters()
    totals = {"loss": 0.0, "tokens": 0} if totals is None else totals
    trained, start, tokens_here = 0, time.perf_counter(), 0
    for number, (src, src_valid_len, dec_input, label, label_valid_len) in enumerate(batches,
                                                                                      first):
        if deadline is not None and time.perf_counter() > deadline:
            break
        if stop is not None and stop.requested:
            break
        if seeds is not None:
            mg.manual_seed(batch_seed(*seeds, number))
        # masked_cross_entropy(model(src, dec_input, src_valid_len), label, label_valid_len),
        # with logits only at real tokens (see EncoderDecoder.loss)
        loss = model.loss(src, dec_input, src_valid_len, label, label_valid_len)
        value = loss.item()
        if not math.isfinite(value):
            if on_nonfinite == "skip":   # counted as trained: the epoch was not cut short
                trained += 1
                progress.update(1)
                continue
            raise NonFiniteLoss(f"train: the loss is {value} at {where}batch {number + 1} "
                                f"of {len(batches)}; training stopped before its update (the "
                                f"last checkpoint is kept; --skip-nonfinite skips such steps)")
        optimizer.zero_grad()
        loss.backward()
        mg.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        tokens = int(label_valid_len.sum())
        totals["loss"] += value * tokens
        totals["tokens"] += tokens
        tokens_here += tokens
        trained += 1
        elapsed = time.perf_counter() - start
        progress.update(1)
        progress.set_postfix(loss=f"{totals['loss'] / totals['tokens']:.3f}",
                             tok_s=f"{tokens_here / elapsed:,.0f}")
    return (totals["loss"] / max(totals["tokens"], 1),
            tokens_here / (time.perf_counter() - start), trained)


def train(model, data, config, model_config, out_dir=None, resume=False, log=print):
    """Train ``model`` on ``data.train``; returns the History.

    With ``out_dir``, writes ``last.npz`` (every epoch, for resuming), ``best.npz`` (best
    validation BLEU) and ``curves.png``. ``resume`` continues from ``out_dir/last.npz``.
    """
    optimizer = optim.Adam(model.parameters(), lr=config.lr)
    history, start_epoch, best_bleu, position = History(), 0, -1.0, None
    last_path = os.path.join(out_dir, "last.npz") if out_dir else None
    if resume:
        if not last_path or not os.path.exists(last_path):
            raise FileNotFoundError(f"train: nothing to resume, {last_path} does not exist")
        state = load_checkpoint(last_path, model, data, model_config, optimizer)
        differences = resume_differences(state, config)
        if differences:
            raise ValueError(f"train: cannot resume {last_path} with other training settings "
                             f"({'; '.join(differences)}): pass the run's own to continue it")
        history = History(**state["history"])
        best_bleu = max(history.valid_bleu, default=-1.0)
        position = state.get("position")
        if position is not None:    # an epoch cut short: its record is redone from there
            for values in vars(history).values():
                del values[-1:]
        start_epoch = len(history.epoch)
        log(f"resumed from {last_path} " + (
            f"after epoch {start_epoch}" if position is None else
            f"in epoch {start_epoch + 1} at batch {position['batch'] + 1}, where "
            f"{position['stopped_by']} stopped it"))
    with StopRequest() as stop:
        return _train_epochs(model, data, config, model_config, out_dir, optimizer, history,
                             start_epoch, best_bleu, last_path, stop, log, position)


def _train_epochs(model, data, config, model_config, out_dir, optimizer, history,
                  start_epoch, best_bleu, last_path, stop, log, position=None):
    """train's loop over epochs, from ``start_epoch`` (at ``position`` within it, a resumed
    cut epoch); SIGINT/SIGTERM (``stop``) cut the epoch, save last.npz with the position and
    raise TrainingInterrupted."""
    trained = 0.0   # seconds spent in training passes (validation excluded)
    for epoch in range(start_epoch, config.epochs):
        if config.max_seconds is not None and trained >= config.max_seconds:
            log(f"stopping: {trained / 60:.1f} minutes of training reached the time limit")
            break
        # each epoch's order depends only on (seed, epoch), each batch's dropout masks on
        # (seed, epoch, batch): a resumed run sees the same batches and draws the same masks
        batches = TranslationBatches(data.train, data.src_vocab, data.tgt_vocab,
                                     data.num_steps, config.batch_size, shuffle=True,
                                     seed=[config.seed, epoch])
        order, first, totals = batches.draw_order(), 0, {"loss": 0.0, "tokens": 0}
        if position is not None:
            order, first = _resume_position(position, order, len(batches))
            totals = {"loss": float(position["loss"]), "tokens": int(position["tokens"])}
            position = None
        epoch_batches = batches.pass_over(order, first)
        with tqdm(total=len(batches), initial=first, desc=f"epoch {epoch + 1}/{config.epochs}",
                  leave=False, disable=None) as progress:
            started = time.perf_counter()
            deadline = (None if config.max_seconds is None
                        else started + config.max_seconds - trained)
            loss, tokens_per_s, batches_trained = train_epoch(
                model, optimizer, epoch_batches, config.clip, progress, deadline, stop,
                config.on_nonfinite, where=f"epoch {epoch + 1}, ", first=first,
                seeds=(config.seed, epoch), totals=totals)
            batches_trained += first
            trained += time.perf_counter() - started
        bleu = (evaluate_bleu(model, data.valid, data, config.eval_batch_size,
                              config.max_eval) if data.valid else float("nan"))
        history.epoch.append(epoch + 1)
        history.loss.append(loss)
        history.valid_bleu.append(bleu)
        history.tokens_per_s.append(tokens_per_s)
        history.seconds.append(time.perf_counter() - started)
        history.batches.append(batches_trained)
        interrupted = stop.requested
        stopped_by = stop.signal_name if interrupted else "the time limit"
        cut = "" if batches_trained == len(batches) else (
            f" (stopped by {stopped_by} after {batches_trained} of {len(batches)} batches; "
            f"--resume continues from there)")
        if batches_trained:
            log(f"epoch {epoch + 1}: loss {loss:.4f}, valid BLEU {bleu:.2f}, "
                f"{tokens_per_s:,.0f} tokens/s, {history.seconds[-1]:.1f} s{cut}")
        else:   # cut before its first batch: no loss to show (it was 'loss 0.0000')
            log(f"epoch {epoch + 1}: no batch trained, valid BLEU {bleu:.2f}{cut}")
        if out_dir:
            extra = {"history": asdict(history),
                     "training": {name: getattr(config, name) for name in RESUMED_SETTINGS}}
            if cut:
                extra["position"] = {"batch": batches_trained, "order": order,
                                     "loss": totals["loss"], "tokens": totals["tokens"],
                                     "stopped_by": stopped_by}
            if bleu > best_bleu or not data.valid:   # without a validation set: the last
                best_bleu = bleu
                save_checkpoint(os.path.join(out_dir, "best.npz"), model, data, model_config,
                                optimizer, extra)
            save_checkpoint(last_path, model, data, model_config, optimizer, extra)
            plot_history(history, os.path.join(out_dir, "curves.png"))
        if interrupted:
            saved = (f"saved {last_path}" + (" with its position" if cut else "")
                     if out_dir else "nothing saved (no out_dir)")
            raise TrainingInterrupted(f"training stopped in epoch {epoch + 1} by "
                                      f"{stopped_by} after {batches_trained} of "
                                      f"{len(batches)} batches; {saved}")
    return history


def _resume_position(position, order, count):
    """(order, first batch) of a cut epoch saved in a checkpoint, checked against the
    epoch's own order (the same data and seed give the same one) and its batch count."""
    saved = numpy.asarray(position["order"])
    if saved.shape != order.shape or not numpy.array_equal(saved, order):
        raise ValueError("train: cannot resume: the checkpoint's order of the cut epoch is "
                         "not this data's (other training pairs?)")
    batch = position["batch"]
    if isinstance(batch, bool) or not isinstance(batch, int) or not 0 <= batch <= count:
        raise ValueError(f"train: cannot resume: the checkpoint's position, batch {batch!r}, "
                         f"is outside the epoch's {count} batches")
    return saved, batch


def plot_history(history, path):
    """Loss and validation BLEU per epoch, side by side, as d2l plots them; PNG, atomic."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from minigrad.files import atomic_write
    fig = Figure(figsize=(9, 3.2))         # drawn off-screen: no display needed
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    left.plot(history.epoch, history.loss, marker="o")
    left.set_xlabel("epoch")
    left.set_ylabel("loss (per target token)")
    right.plot(history.epoch, history.valid_bleu, marker="o", color="tab:green")
    right.set_xlabel("epoch")
    right.set_ylabel("validation BLEU")
    for axes in (left, right):
        axes.grid(True, alpha=0.3)
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=100)
