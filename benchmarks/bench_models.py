"""The Transformer against the Bahdanau model in minigrad: parameters and training tokens/s.

Both models are built with the command line's presets for the data (``seq2seq/cli.py``:
PRESETS, TRANSFORMER_PRESETS) and train on the same real batches of that data, in alternating
rounds (medians reported), so machine noise hits both alike. BLEU needs full training runs:
see ``python -m seq2seq train [--model transformer]``.

    python benchmarks/bench_models.py --data builtin
    python benchmarks/bench_models.py --data ../shared/data/fra-eng/fra.txt --rounds 3 --steps 2
"""
import argparse
import datetime
import itertools
import statistics
import sys
import time

import minigrad as mg
from seq2seq.arrays import TranslationBatches
from seq2seq.cli import PRESETS, TRANSFORMER_PRESETS, load_data
from seq2seq.models import build_model
from bench_seq2seq import minigrad_step


def settings(model, data_name, data):
    """(model config, lr, batch size) from the command line's preset."""
    preset = dict((TRANSFORMER_PRESETS if model == "transformer" else PRESETS)[data_name])
    lr, batch_size = preset.pop("lr"), preset.pop("batch_size")
    preset.pop("epochs")
    config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                  **preset)
    if model == "transformer":
        config["model"] = "transformer"
    return config, lr, batch_size


def trainer(config, lr):
    mg.manual_seed(0)
    model = build_model(**config)
    return model, minigrad_step(model, lr)     # the training step of seq2seq.train


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="builtin", help="builtin | PATH to fra.txt")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="training steps per round")
    args = parser.parse_args()
    data_name = "builtin" if args.data == "builtin" else "fra-eng"
    data = load_data(args.data)
    from common import machine
    print(f"# Transformer vs Bahdanau in minigrad, {args.data}, {datetime.date.today()}")
    print(f"Machine: {machine()}; command: python benchmarks/bench_models.py "
          f"{' '.join(sys.argv[1:])}\n")
    runs = {}
    for name in ("bahdanau", "transformer"):
        config, lr, batch_size = settings("transformer" if name == "transformer" else "rnn",
                                          data_name, data)
        model, step = trainer(config, lr)
        batches = TranslationBatches(data.train, data.src_vocab, data.tgt_vocab,
                                     data.num_steps, batch_size, shuffle=True, seed=[0, 0])
        batches = list(itertools.islice(iter(batches), args.rounds * args.steps + 1))
        step(batches[0])                                              # warm-up
        runs[name] = (model.num_parameters(), step, batches[1:])
    samples = {name: [] for name in runs}
    for r in range(args.rounds):
        for name, (_, step, batches) in runs.items():
            chunk = batches[r * args.steps:(r + 1) * args.steps]
            start = time.perf_counter()
            for batch in chunk:
                step(batch)
            samples[name].append(sum(int(b[4].sum()) for b in chunk)
                                 / (time.perf_counter() - start))
    print("| model | parameters | train tokens/s |")
    print("|---|---:|---:|")
    for name, (parameters, _, _) in runs.items():
        print(f"| {name} | {parameters:,} | {statistics.median(samples[name]):,.0f} |")


if __name__ == "__main__":
    main()
