"""``python -m seq2seq train | translate | evaluate``: the command line of the project.

    python -m seq2seq train --data builtin --epochs 20 --out runs/builtin
    python -m seq2seq train --model transformer --out runs/transformer
    python -m seq2seq translate --checkpoint runs/builtin/best.npz "the red car is small ."
    python -m seq2seq evaluate --checkpoint runs/builtin/best.npz --data builtin --split test
"""
import argparse
import contextlib
import math
import os
import signal
import sys
import threading
import time
import warnings

import minigrad as mg

EXAMPLES = 4   # translations printed at the end of training


def _backend(name):
    try:
        mg.set_backend(name)
    except mg.BackendError as exc:
        sys.exit(f"error: {exc}")


def load_data(spec, num_steps=None):
    """--data builtin | fra-eng | PATH (a fra.txt file) -> TranslationData."""
    from seq2seq import datasets
    if spec == "builtin":
        return datasets.load_builtin()
    if spec == "fra-eng":
        try:
            path = datasets.download_fra_eng()
        except datasets.DownloadError as exc:
            sys.exit(f"error: {exc}")
        return datasets.load_fra_eng(path)
    if not os.path.exists(spec):
        sys.exit(f"error: --data {spec!r} is neither 'builtin', 'fra-eng' nor an existing "
                 f"file")
    if not os.path.isfile(spec):   # a folder, /dev/zero, a pipe: nothing with an end to read
        sys.exit(f"error: --data {spec}: not a regular file (a fra.txt-style text file is "
                 f"needed)")
    from seq2seq.memory import TooBig, check_fits
    try:   # the text, its tokens and its arrays: about 20 times the file's size in memory
        check_fits(f"--data {spec} ({os.path.getsize(spec):,} bytes)",
                   20 * os.path.getsize(spec))
    except TooBig as exc:
        sys.exit(f"error: {exc}")
    # a large file takes seconds (a signal meanwhile exits in one line: see _interrupts)
    print(f"reading --data {spec} ({os.path.getsize(spec):,} bytes)", flush=True)
    try:
        return datasets.load_fra_eng(spec)
    except (OSError, UnicodeDecodeError, ValueError) as exc:   # unreadable, or too small
        sys.exit(f"error: --data {spec}: {exc}")


def _read_checkpoint(path, read):
    """``read(path)``, or a one-line error for a missing or foreign checkpoint file."""
    try:
        return read(path)
    except (OSError, ValueError) as exc:
        sys.exit(f"error: --checkpoint {path}: {exc}")


# Settings per data set; any flag given on the command line wins. The built-in corpus trains
# to BLEU >= 95 in a few epochs with a one-layer bidirectional encoder (whose heatmap shows the
# crossing alignments clearly); fra-eng uses the benchmark's settings (BENCHMARKS.md, "The
# real fra-eng benchmark").
PRESETS = {
    "builtin": dict(epochs=6, lr=0.005, batch_size=64, embed_size=32, num_hiddens=64,
                    num_layers=1, dropout=0.0, bidirectional=True),
    "fra-eng": dict(epochs=10, lr=0.001, batch_size=128, embed_size=256, num_hiddens=256,
                    num_layers=2, dropout=0.2, bidirectional=False),
}
# --model transformer: the built-in corpus in a couple of minutes; fra-eng with d2l 11.7's
# model sizes, dropout, batch size and learning rate, but 10 epochs as above (d2l trains 30)
TRANSFORMER_PRESETS = {
    "builtin": dict(epochs=10, lr=0.002, batch_size=64,
                    num_hiddens=64, ffn_num_hiddens=128, num_heads=4, num_blks=2,
                    dropout=0.1),
    "fra-eng": dict(epochs=10, lr=0.001, batch_size=128, num_hiddens=256, ffn_num_hiddens=64,
                    num_heads=4, num_blks=2, dropout=0.2),
}
RNN_ONLY = ("embed_size", "num_layers", "bidirectional")
TRANSFORMER_ONLY = ("ffn_num_hiddens", "num_heads", "num_blks")
RNN_CHOICES = {"decoder": "attention", "scorer": "additive", "cell": "gru"}
MAX_DEPTH = 100     # --num-layers, --num-blks: deeper stacks would run for days, not fail


def _flag(name):
    return "--" + name.replace("_", "-")


def check_model_flags(args):
    """Refuse a flag that the chosen --model does not read, rather than ignore it."""
    if args.model == "transformer":
        given = [name for name in RNN_ONLY if getattr(args, name) is not None]
        given += [name for name, default in RNN_CHOICES.items()
                  if getattr(args, name) != default]
    else:
        given = [name for name in TRANSFORMER_ONLY if getattr(args, name) is not None]
        if args.decoder == "plain" and args.scorer != RNN_CHOICES["scorer"]:
            sys.exit(f"error: --scorer {args.scorer} does not apply to --decoder plain (it has "
                     f"no attention); drop it or use --decoder attention")
    for name in ("num_layers", "num_blks"):
        depth = getattr(args, name, None)
        if depth is not None and depth > MAX_DEPTH:
            sys.exit(f"error: {_flag(name)} {depth} is more than {MAX_DEPTH}: every layer is "
                     f"one more pass in sequence at every step (1,000 GRU layers take about "
                     f"6 s per batch of 64 on a CPU, 100,000 would not finish one epoch in a "
                     f"day); pass at most {MAX_DEPTH}")
    if given:
        sys.exit(f"error: {', '.join(_flag(name) for name in given)} "
                 f"{'does' if len(given) == 1 else 'do'} not apply to --model {args.model}")


def apply_preset(args):
    """Fill every flag left unset from the preset of --data (a path counts as fra-eng) and
    --model."""
    presets = TRANSFORMER_PRESETS if args.model == "transformer" else PRESETS
    preset = presets["builtin" if args.data == "builtin" else "fra-eng"]
    for key, value in preset.items():
        if getattr(args, key) is None:
            if key == "bidirectional" and args.decoder == "plain":
                value = False      # the plain decoder takes a unidirectional encoder
            setattr(args, key, value)
    return args


def _model_config(args, data):
    if args.model == "transformer":
        return {"model": "transformer", "src_vocab_size": len(data.src_vocab),
                "tgt_vocab_size": len(data.tgt_vocab), "num_hiddens": args.num_hiddens,
                "ffn_num_hiddens": args.ffn_num_hiddens, "num_heads": args.num_heads,
                "num_blks": args.num_blks, "dropout": args.dropout}
    return {"src_vocab_size": len(data.src_vocab), "tgt_vocab_size": len(data.tgt_vocab),
            "embed_size": args.embed_size, "num_hiddens": args.num_hiddens,
            "num_layers": args.num_layers, "dropout": args.dropout, "decoder": args.decoder,
            "scorer": args.scorer, "cell": args.cell, "bidirectional": args.bidirectional}


def _print_translations(model, data, pairs, beam_size=1):
    from seq2seq.bleu import bleu
    from seq2seq.translate import translate
    results = translate(model, [" ".join(src) for src, _ in pairs], data.src_vocab,
                        data.tgt_vocab, data.num_steps, beam_size=beam_size)
    for (src, references), (tokens, _) in zip(pairs, results):
        score = max(bleu(" ".join(tokens), " ".join(ref), k=2) for ref in references)
        print(f"{' '.join(src)} => {' '.join(tokens)}   (bleu {score:.3f})")
    return results


def _check_model_fits(model_config):
    """Refuse a model whose training (weights, gradients, Adam's moments) cannot fit in
    memory, before allocating it (TooBig, a MemoryError naming the sizes)."""
    from seq2seq.memory import check_fits, model_parameters, training_bytes
    import numpy
    count = model_parameters(**model_config)
    itemsize = numpy.dtype(mg.get_default_dtype()).itemsize
    check_fits(f"training the model ({count:,} parameters, with gradients and Adam's "
               f"moments)", training_bytes(model_config, itemsize))


def _check_resumable(path, model, data, model_config, config):
    """Before anything is trained or written: ``--resume`` needs OUT/last.npz, made by this
    model on this data with these training settings; otherwise one line says what is missing
    or what differs."""
    from seq2seq.checkpoint import load_checkpoint
    from seq2seq.train import resume_differences
    if not os.path.exists(path):
        sys.exit(f"error: --resume: nothing to resume, {path} does not exist (train without "
                 f"--resume first, or pass the --out folder of an earlier run)")
    try:
        state = load_checkpoint(path, model, data, model_config)
    except (OSError, ValueError) as exc:
        sys.exit(f"error: --resume: {exc}")
    differences = resume_differences(state, config)
    if differences:
        sys.exit(f"error: --resume: {path} was trained with other settings: "
                 f"{'; '.join(differences)} (pass the run's own flags to continue it)")


def _check_flags(args):
    """Training flags out of range: one line naming the flag, its value and what it needs,
    before any data is loaded (model sizes are checked by build_model)."""
    needs = [("--epochs", args.epochs, args.epochs >= 0, "an integer >= 0"),
             ("--batch-size", args.batch_size, args.batch_size >= 1, "an integer >= 1"),
             ("--lr", args.lr, math.isfinite(args.lr) and args.lr > 0, "a finite number > 0"),
             ("--clip", args.clip, math.isfinite(args.clip) and args.clip > 0,
              "a finite number > 0 (the largest gradient norm)"),
             ("--seed", args.seed, args.seed >= 0, "an integer >= 0"),
             ("--max-minutes", args.max_minutes,
              args.max_minutes is None or (args.max_minutes >= 0
                                           and not math.isnan(args.max_minutes)),
              "a number >= 0")]
    for flag, value, ok, expected in needs:
        if not ok:
            sys.exit(f"error: {flag} must be {expected}, got {value}")
    if args.resume and args.overwrite:
        sys.exit("error: --resume and --overwrite contradict each other: --resume continues "
                 "the run in --out, --overwrite replaces it; pass one of them")


RUN_FILES = ("last.npz", "best.npz")


def _check_fresh(out):
    """A new run never overwrites an earlier one: refuse a folder that holds a checkpoint."""
    held = [name for name in RUN_FILES if os.path.exists(os.path.join(out, name))]
    if held:
        sys.exit(f"error: --out {out} already holds a run ({', '.join(held)}): pass --resume "
                 f"to continue it, --overwrite to replace it, or another --out")


def _check_writable(out):
    """Make ``out`` and write a file into it, before anything is trained."""
    import tempfile
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:       # a file of that name, no permission, a full disk, ...
        sys.exit(f"error: --out {out}: {exc}")


def cmd_train(args):
    from seq2seq.models import build_model
    from seq2seq.train import TrainConfig
    _backend(args.backend)
    check_model_flags(args)
    apply_preset(args)
    _check_flags(args)
    if args.dtype:
        mg.set_default_dtype(args.dtype)
    mg.manual_seed(args.seed)
    data = load_data(args.data)
    print(f"data: {len(data.train)} training pairs, {len(data.valid)} validation and "
          f"{len(data.test)} test sources; vocab {len(data.src_vocab)} -> "
          f"{len(data.tgt_vocab)}; backend {mg.get_backend()}, "
          f"{mg.flags.mode_name()} mode")
    model_config = _model_config(args, data)
    try:
        _check_model_fits(model_config)
        model = build_model(**model_config)
    except (ValueError, MemoryError) as exc:      # settings that do not fit together, or in
        sys.exit(f"error: {exc or 'out of memory while building the model'}")   # memory
    print(f"model: {model.num_parameters():,} parameters")
    config = TrainConfig(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                         clip=args.clip, seed=args.seed,
                         on_nonfinite="skip" if args.skip_nonfinite else "raise",
                         max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
    if args.resume and not os.path.isdir(args.out):   # refused before anything is made
        _check_resumable(os.path.join(args.out, "last.npz"), model, data, model_config,
                         config)
    from minigrad.files import FolderInUse, folder_lock
    with contextlib.ExitStack() as held:   # one run per folder, as long as this one runs
        try:
            argv = getattr(args, "argv", sys.argv[1:])
            held.enter_context(folder_lock(args.out, " ".join(["python -m seq2seq", *argv])))
        except FolderInUse as exc:
            sys.exit(f"error: --out {exc}")
        except OSError as exc:       # a file of that name, no permission, ...
            sys.exit(f"error: --out {args.out}: {exc}")
        try:
            return _train_in_locked_folder(args, model, data, model_config, config)
        except OSError as exc:   # a full disk, a quota, a folder removed under us, ...
            sys.exit(f"error: --out {args.out}: cannot write: {exc} (the files saved there "
                     f"before are intact)")


def _train_in_locked_folder(args, model, data, model_config, config):
    """cmd_train once it holds --out: the checks of what the folder holds, made under the
    lock (no other command can write a run there between check and training), then the run
    and what it prints."""
    from seq2seq.translation_heatmaps import save_translation_heatmap
    from seq2seq.train import NonFiniteLoss, TrainingInterrupted, evaluate_bleu, train
    if args.resume:
        _check_resumable(os.path.join(args.out, "last.npz"), model, data, model_config,
                         config)
    elif not args.overwrite:
        _check_fresh(args.out)
    _check_writable(args.out)
    start = time.perf_counter()
    try:
        history = train(model, data, config, model_config, out_dir=args.out,
                        resume=args.resume)
    except TrainingInterrupted as exc:
        print(f"interrupted: {exc}; continue with the same command and --resume",
              file=sys.stderr)
        sys.exit(130)
    except NonFiniteLoss as exc:
        sys.exit(f"error: {exc}")
    except ValueError as exc:    # a cut epoch's saved position that this data cannot have
        if not args.resume:
            raise
        sys.exit(f"error: --resume: {exc}")
    print(f"trained to epoch {len(history.epoch)} in {time.perf_counter() - start:.1f} s"
          + (" (this run)" if args.resume else ""))
    best = os.path.join(args.out, "best.npz")
    saved = f"checkpoint: {best}"
    if history.epoch and os.path.exists(best):   # this run's own (or the run it resumed)
        from seq2seq.checkpoint import load_checkpoint
        try:
            load_checkpoint(best, model, data, model_config)
        except (mg.serialization.CheckpointError, OSError) as exc:   # damaged since written
            print(f"warning: {best} cannot be read ({exc}); what follows is the last epoch's "
                  f"model, saved in last.npz", file=sys.stderr)
            saved = f"checkpoint: {os.path.join(args.out, 'last.npz')} ({best} is unreadable)"
    else:   # --epochs 0, or a time limit reached before the first epoch
        saved = "no checkpoint (no epoch was trained)"
        if args.overwrite and os.path.exists(best):   # what follows is the untrained model's
            saved = ("no checkpoint (no epoch was trained; the earlier run's checkpoints are "
                     "untouched)")
    test_bleu = evaluate_bleu(model, data.test, data)
    print(f"test corpus BLEU {test_bleu:.2f} ({len(data.test)} sources, greedy)")
    results = _print_translations(model, data, data.test[:EXAMPLES])
    src, _ = data.test[0]
    tokens, weights = results[0]
    if weights is None:   # the plain decoder
        print(f"{saved} (no attention heatmap: the plain decoder has no attention)")
        return test_bleu
    path = os.path.join(args.out, "attention.png")
    save_translation_heatmap(weights, src, tokens, path,
                             title=_heatmap_title(model, {"model_config": model_config}))
    if args.model == "transformer":
        from seq2seq.translation_heatmaps import save_transformer_heatmaps
        per_head = save_transformer_heatmaps(model, src, tokens, data.src_vocab,
                                             data.tgt_vocab, data.num_steps, path)
        path = ", ".join([path] + per_head)
    print(f"attention heatmap: {path}; {saved}")
    return test_bleu


def cmd_translate(args):
    from seq2seq.checkpoint import model_from_checkpoint
    from seq2seq.translation_heatmaps import save_translation_heatmap
    from seq2seq.translate import translate
    if args.heatmap is not None and not args.heatmap.strip():   # '' drew nothing, silently
        sys.exit("error: --heatmap needs a file name, such as att.png")
    _backend(args.backend)
    model, src_vocab, tgt_vocab, num_steps, state = _read_checkpoint(args.checkpoint,
                                                                     model_from_checkpoint)
    if args.heatmap and state["model_config"].get("decoder") == "plain":
        sys.exit("error: --heatmap: this checkpoint's decoder is the plain one, which has no "
                 "attention weights to draw")
    sentences = args.sentences or [line.strip() for line in sys.stdin if line.strip()]
    if not sentences:
        sys.exit("error: no sentence to translate: pass sentences as arguments or on stdin")
    try:
        from seq2seq.translate import check_beam_size
        check_beam_size(args.beam, len(tgt_vocab), "--beam")
        if args.beam > 1:   # sized before the search allocates it
            from seq2seq.memory import beam_bytes, check_fits
            config = state["model_config"]
            check_fits(f"--beam {args.beam}", beam_bytes(
                args.beam, len(tgt_vocab), num_steps,
                max(config.get("num_hiddens", 1), config.get("ffn_num_hiddens", 1))))
        with warnings.catch_warnings(record=True) as caught:   # truncation: one line each
            warnings.simplefilter("always")
            results = translate(model, sentences, src_vocab, tgt_vocab, num_steps,
                                beam_size=args.beam)
    except (ValueError, MemoryError) as exc:
        sys.exit(f"error: {exc or 'out of memory while translating'}")
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    root, extension = os.path.splitext(args.heatmap or "")
    for k, (sentence, (tokens, weights)) in enumerate(zip(sentences, results)):
        print(" ".join(tokens))
        if args.heatmap:
            from seq2seq.text import preprocess_nmt
            # several sentences: attention.png -> attention.0.png, attention.1.png, ...
            path = args.heatmap if len(sentences) == 1 else f"{root}.{k}{extension}"
            source = preprocess_nmt(sentence).split()
            try:
                save_translation_heatmap(weights, source, tokens, path,
                                         title=_heatmap_title(model, state))
                if state["model_config"].get("model") == "transformer":   # one per head too
                    from seq2seq.translation_heatmaps import save_transformer_heatmaps
                    save_transformer_heatmaps(model, source, tokens, src_vocab, tgt_vocab,
                                              num_steps, path)
            except (OSError, ValueError) as exc:   # a folder that cannot be made, no
                sys.exit(f"error: --heatmap {path}: {exc}")   # permission, a .txt name, ...


def _heatmap_title(model, state):
    """What translate --heatmap draws: the Transformer's last block averaged over its heads
    (decode_step's weights), or the recurrent decoder's one attention."""
    if state["model_config"].get("model") == "transformer":
        blocks = len(model.decoder.blks)
        heads = model.decoder.blks[-1].attention2.num_heads
        return f"enc-dec attention, block {blocks} (last), mean of {heads} heads"
    return f"decoder attention ({state['model_config'].get('scorer', 'additive')} scorer)"


def cmd_evaluate(args):
    from seq2seq.checkpoint import load_checkpoint, model_from_checkpoint
    from seq2seq.train import evaluate_bleu
    _backend(args.backend)
    data = load_data(args.data)
    # the model in the dtype it was trained in (a float64 checkpoint stays float64)
    model, *_, state = _read_checkpoint(args.checkpoint, model_from_checkpoint)
    try:   # and made for this data: the same vocabularies
        load_checkpoint(args.checkpoint, model, data, state["model_config"])
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    split = getattr(data, args.split)
    score = evaluate_bleu(model, split, data)
    print(f"{args.split} corpus BLEU {score:.2f} ({len(split)} sources, greedy)")
    return score


def parser():
    top = argparse.ArgumentParser(prog="python -m seq2seq", description=__doc__.split("\n")[0])
    top.add_argument("--readable", action="store_true",
                     help="readable mode (mg.set_readable): the book's composed ops and plain "
                          "gradient arrays, for stepping through in a debugger; slower")
    sub = top.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--backend", default=os.environ.get("MINIGRAD_BACKEND", "numpy"),
                       choices=["numpy", "cupy", "strict"])

    train = sub.add_parser(
        "train", help="train a model and save checkpoints",
        epilog="Unset model and training flags come from the preset of --data and --model: "
               + "; ".join(f"rnn {k}: {v}" for k, v in PRESETS.items()) + "; "
               + "; ".join(f"transformer {k}: {v}" for k, v in TRANSFORMER_PRESETS.items()))
    common(train)
    train.add_argument("--data", default="builtin", help="builtin | fra-eng | PATH to fra.txt")
    train.add_argument("--epochs", type=int)
    train.add_argument("--lr", type=float)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--clip", type=float, default=1.0)
    train.add_argument("--max-minutes", type=float,
                       help="stop after this many minutes of training (validation excluded)")
    train.add_argument("--model", default="rnn", choices=["rnn", "transformer"],
                       help="rnn: the recurrent encoder-decoders (Bahdanau by default); "
                            "transformer: d2l's Transformer")
    train.add_argument("--embed-size", type=int)
    train.add_argument("--num-hiddens", type=int)
    train.add_argument("--num-layers", type=int)
    train.add_argument("--dropout", type=float)
    train.add_argument("--decoder", default="attention", choices=["attention", "plain"])
    train.add_argument("--scorer", default="additive", choices=["additive", "dot", "general"])
    train.add_argument("--cell", default="gru", choices=["gru", "lstm"])
    train.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None)
    train.add_argument("--num-heads", type=int, help="transformer: attention heads")
    train.add_argument("--ffn-num-hiddens", type=int,
                       help="transformer: hidden units of the position-wise FFN")
    train.add_argument("--num-blks", type=int, help="transformer: blocks in each half")
    train.add_argument("--dtype", choices=["float32", "float64"])
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="runs/latest", help="folder for checkpoints and plots")
    train.add_argument("--resume", action="store_true", help="continue from OUT/last.npz")
    train.add_argument("--overwrite", action="store_true",
                       help="start afresh in an OUT that holds an earlier run, replacing it")
    train.add_argument("--skip-nonfinite", action="store_true",
                       help="skip a step whose loss is NaN or infinite instead of stopping")
    train.set_defaults(run=cmd_train)

    tr = sub.add_parser("translate", help="translate sentences with a checkpoint")
    common(tr)
    tr.add_argument("--checkpoint", required=True)
    tr.add_argument("--beam", type=int, default=1, help="beam size (1 = greedy)")
    tr.add_argument("--heatmap", help="save the attention heatmap to this PNG (several "
                                      "sentences: NAME.0.png, NAME.1.png, ...)")
    tr.add_argument("sentences", nargs="*", help="sentences (default: one per line on stdin)")
    tr.set_defaults(run=cmd_translate)

    ev = sub.add_parser("evaluate", help="corpus BLEU of a checkpoint on a split")
    common(ev)
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--data", default="builtin")
    ev.add_argument("--split", default="test", choices=["valid", "test"])
    ev.set_defaults(run=cmd_evaluate)
    return top


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM outside training (which stops at a batch and saves on its own): the
    command stops where it stands. A KeyboardInterrupt, so no ``except Exception`` on the
    way swallows it, and every ``finally`` (atomic writes remove their temporary files, the
    folder lock its holder file) runs."""

    def __init__(self, signal_name):
        super().__init__(signal_name)
        self.signal_name = signal_name


@contextlib.contextmanager
def _interrupts():
    """From the start of a command to its end: SIGINT and SIGTERM raise ``Interrupted``
    (train's own handler takes over while it trains, and hands back to this one)."""
    if threading.current_thread() is not threading.main_thread():   # signals: main only
        yield
        return

    def interrupt(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    previous = {signum: signal.signal(signum, interrupt)
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv=None):
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)   # named by a folder's lock
    if args.readable:
        mg.set_readable(True)
    from minigrad.kernels import KernelError
    with _interrupts():
        try:
            args.run(args)
        except KernelError as exc:   # the strict backend's host build, a CUDA compile
            sys.exit(f"error: {exc}")
        except KeyboardInterrupt as exc:   # a signal outside training, or a second one in it
            name = getattr(exc, "signal_name", "SIGINT")
            print(f"interrupted by {name}: python -m seq2seq {args.command} stopped before it "
                  f"finished; every file it wrote is whole (checkpoints and plots are written "
                  f"atomically)", file=sys.stderr)
            sys.exit(130)


if __name__ == "__main__":
    main()
