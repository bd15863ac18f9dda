"""The book's Bahdanau run (d2l 10.4 / 11.4, "Bahdanau Attention"), on minigrad.

d2l trains the attention encoder-decoder on the first 600 English-French pairs of fra.txt with
embed_size = num_hiddens = 32, two GRU layers, dropout 0.1, batch 64, num_steps 10, Adam with
lr 0.005 for 250 epochs, then translates four sentences and scores them with its sentence BLEU.
This script does the same and saves the attention heatmap of the last sentence.

    python examples/bahdanau_d2l.py [--data ../shared/data/fra-eng/fra.txt] [--epochs 250]
"""
# %%
import argparse
import os
import time

import minigrad as mg
from seq2seq.bleu import bleu
from seq2seq.datasets import load_d2l_small
from seq2seq.translation_heatmaps import save_translation_heatmap
from seq2seq.models import build_model
from seq2seq.train import TrainConfig, train
from seq2seq.translate import translate

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=False)
parser.add_argument("--data", help="path to fra.txt (default: download d2l's fra-eng.zip)")
parser.add_argument("--epochs", type=int, default=250)
parser.add_argument("--out", default="out")
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode

mg.manual_seed(0)
data = load_d2l_small(args.data, num_examples=600, num_steps=10)
print(data)

# %%
# d2l's hyperparameters
model_config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                    embed_size=32, num_hiddens=32, num_layers=2, dropout=0.1)
model = build_model(**model_config)
start = time.perf_counter()
history = train(model, data, TrainConfig(epochs=args.epochs, lr=0.005, batch_size=64, clip=1),
                model_config, log=lambda line: None)
print(f"loss {history.loss[-1]:.3f} after {args.epochs} epochs, "
      f"{sum(history.tokens_per_s) / len(history.tokens_per_s):,.0f} tokens/s, "
      f"{time.perf_counter() - start:.1f} s")

# %%
# The book's four sentences
sentences = [" ".join(source) for source, _ in data.test]
results = translate(model, sentences, data.src_vocab, data.tgt_vocab, data.num_steps)
for (source, references), (tokens, _) in zip(data.test, results):
    prediction, label = " ".join(tokens), " ".join(references[0])
    print(f"{' '.join(source)} => {prediction}, bleu {bleu(prediction, label, k=2):.3f}")

# %%
os.makedirs(args.out, exist_ok=True)
source, _ = data.test[-1]
tokens, weights = results[-1]
path = os.path.join(args.out, "bahdanau_d2l_attention.png")
save_translation_heatmap(weights, source + ["<eos>"], tokens, path)
print(f"attention heatmap: {path}")
