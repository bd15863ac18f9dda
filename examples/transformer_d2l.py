"""The book's Transformer (d2l 10.7 / 11.7, "The Transformer Architecture"), on minigrad.

The training run of the book's earlier edition (10.7; 11.7 trains a model of width 256 for 30
epochs instead): the first 600 English-French pairs of fra.txt, num_hiddens 32, two blocks,
dropout 0.1, FFN 64, 4 heads, batch 64, num_steps 10, Adam with lr 0.005 for 200 epochs; the
four sentences translated and scored with its sentence BLEU; and the heatmaps of every head for
the last sentence. The section's shape checks, block by block, are
examples/d2l_11_7_transformer.py.

    python examples/transformer_d2l.py [--data ../shared/data/fra-eng/fra.txt] [--epochs 200]
"""
# %%
import argparse
import os
import time

import minigrad as mg
from seq2seq.bleu import bleu
from seq2seq.datasets import load_d2l_small
from seq2seq.translation_heatmaps import save_transformer_heatmaps
from seq2seq.models import build_model
from seq2seq.train import TrainConfig, train
from seq2seq.translate import translate

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=False)
parser.add_argument("--data", help="path to fra.txt (default: download d2l's fra-eng.zip)")
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--out", default="out")
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode

mg.manual_seed(0)

# %%
# The book's run
data = load_d2l_small(args.data, num_examples=600, num_steps=10)
print(data)
model_config = dict(model="transformer", src_vocab_size=len(data.src_vocab),
                    tgt_vocab_size=len(data.tgt_vocab), num_hiddens=32, ffn_num_hiddens=64,
                    num_heads=4, num_blks=2, dropout=0.1)
model = build_model(**model_config)
start = time.perf_counter()
history = train(model, data, TrainConfig(epochs=args.epochs, lr=0.005, batch_size=64, clip=1),
                model_config, log=lambda line: None)
print(f"loss {history.loss[-1]:.3f} after {args.epochs} epochs, "
      f"{sum(history.tokens_per_s) / len(history.tokens_per_s):,.0f} tokens/s, "
      f"{time.perf_counter() - start:.1f} s")

# %%
sentences = [" ".join(source) for source, _ in data.test]
results = translate(model, sentences, data.src_vocab, data.tgt_vocab, data.num_steps)
for (source, references), (tokens, _) in zip(data.test, results):
    prediction = " ".join(tokens)
    print(f"{' '.join(source)} => {prediction}, "
          f"bleu {bleu(prediction, ' '.join(references[0]), k=2):.3f}")

# %%
os.makedirs(args.out, exist_ok=True)
source, _ = data.test[-1]
tokens, _ = results[-1]
paths = save_transformer_heatmaps(model, source, tokens, data.src_vocab, data.tgt_vocab,
                                  data.num_steps,
                                  os.path.join(args.out, "transformer_d2l_attention.png"))
print("heatmaps per head:", ", ".join(paths))
