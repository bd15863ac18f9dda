"""The plain encoder-decoder against the Bahdanau attention decoder, on the same data.

The plain decoder (d2l 10.7) sees the source only through the encoder's final state, one
vector of num_hiddens numbers; the attention decoder (d2l 11.4) looks back at every source
position at every step. Same encoder, same sizes, same batches, same number of epochs: compare
their loss and their test BLEU on the built-in corpus, whose French word order differs from the
English (adjectives after nouns, "ne ... pas" around the verb).

    python examples/plain_vs_attention.py [--epochs 8] [--num-train 5000] [--num-held-out 500]
"""
import argparse
import time

import minigrad as mg
from seq2seq.datasets import load_builtin
from seq2seq.models import build_model
from seq2seq.train import TrainConfig, evaluate_bleu, train

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=False)
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--num-train", type=int, default=5000)
parser.add_argument("--num-held-out", type=int, default=500,
                    help="validation sources, and as many test sources")
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode

data = load_builtin(num_train=args.num_train, num_valid=args.num_held_out,
                    num_test=args.num_held_out)
print(data)
print(f"| decoder | parameters | final loss | test BLEU | seconds |")
print(f"|---|---:|---:|---:|---:|")
for decoder in ("plain", "attention"):
    mg.manual_seed(0)
    model_config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                        embed_size=32, num_hiddens=64, num_layers=2, dropout=0.1,
                        decoder=decoder)
    model = build_model(**model_config)
    start = time.perf_counter()
    history = train(model, data, TrainConfig(epochs=args.epochs, lr=0.005, batch_size=64),
                    model_config, log=lambda line: None)
    seconds = time.perf_counter() - start
    print(f"| {decoder} | {model.num_parameters():,} | {history.loss[-1]:.3f} | "
          f"{evaluate_bleu(model, data.test, data):.1f} | {seconds:.0f} |")
