"""d2l 11.4, The Bahdanau Attention Mechanism: the decoder's shape check with the book's
arguments, and, with --train, a short training on the built-in corpus and the attention heatmap
of one translation.

    python examples/d2l_11_4_bahdanau.py [--train] [--epochs 5] [--out out]

The book's own training run (600 fra-eng pairs, 250 epochs) is examples/bahdanau_d2l.py.
"""
# %%
import argparse
import os

import numpy as np

import minigrad as mg
from seq2seq import Seq2SeqAttentionDecoder, Seq2SeqEncoder

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=True)
parser.add_argument("--train", action="store_true",
                    help="also train on the built-in corpus and save a heatmap")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--out", default="out")
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode

mg.manual_seed(0)

# %% d2l: the decoder on a batch of 4 sequences of 7 zeros, as the book checks it
vocab_size, embed_size, num_hiddens, num_layers = 10, 8, 16, 2
batch_size, num_steps = 4, 7
encoder = Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers)
decoder = Seq2SeqAttentionDecoder(vocab_size, embed_size, num_hiddens, num_layers)
X = np.zeros((batch_size, num_steps), dtype=np.int64)
state = decoder.init_state(encoder(X), None)
output, state = decoder(X, state)
# d2l.check_shape(output, (batch_size, num_steps, vocab_size)) and the state's parts: the
# encoder's outputs as (batch, steps, hiddens), then layer 0 of the decoder's hidden state
print("output:", output.shape)
print("state[0] (encoder outputs):", state[0].shape)
print("state[1][0] (hidden state, layer 0):", state[1][0].shape)
print("attention weights: one per step,", len(decoder.attention_weights), "x",
      decoder.attention_weights[0].shape)

# %% with --train: d2l trains on fra-eng (examples/bahdanau_d2l.py); here a short run on the
# built-in corpus, with d2l's Xavier initialisation (build_model) and its learning rate
if args.train:
    from seq2seq.datasets import load_builtin
    from seq2seq.translation_heatmaps import save_translation_heatmap
    from seq2seq.models import build_model
    from seq2seq.train import TrainConfig, train
    from seq2seq.translate import translate

    data = load_builtin(num_train=2000, num_valid=0, num_test=4)
    print(data)
    model_config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                        embed_size=32, num_hiddens=32, num_layers=2, dropout=0.1)
    model = build_model(**model_config)
    history = train(model, data, TrainConfig(epochs=args.epochs, lr=0.005, batch_size=64),
                    model_config, log=lambda line: None)
    print(f"loss {history.loss[-1]:.3f} after {args.epochs} epochs")
    sentences = [" ".join(source) for source, _ in data.test]
    results = translate(model, sentences, data.src_vocab, data.tgt_vocab, data.num_steps)
    for sentence, (tokens, _) in zip(sentences, results):
        print(f"{sentence} => {' '.join(tokens)}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bahdanau_attention.png")
    tokens, weights = results[-1]
    save_translation_heatmap(weights, data.test[-1][0], tokens, path,
                             title="Bahdanau decoder: attention over the source")
    print(f"attention heatmap: {path}")
