"""Multi-head self-attention over a short sentence: one heatmap per head.

In self-attention every token is a query, a key and a value at once (queries = keys = values
= X), so each output mixes the whole sentence. We embed the tokens, add the sinusoidal
positional encoding (without it the heads could not tell "the" at position 0 from "the" at
position 4), and run d2l's multi-head attention. The sentence is padded to 8 tokens; with
valid length 6 no query attends to the padding, whose columns stay empty.

The weights are untrained, so each head's pattern is whatever its random projections make
of the inputs; heads differ because each sees its own slice of W_q, W_k and W_v.

    python examples/multihead_self_attention.py --out out/
writes out/multihead_self_attention.png and out/positional_encoding.png.
"""
import argparse
import os

import numpy as np

import minigrad as mg
from attention import MultiHeadAttention, PositionalEncoding, show_heatmaps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mg.flags.add_mode_flags(parser, readable=False)
    parser.add_argument("--out", default="out", help="folder for the PNG files")
    parser.add_argument("--num-hiddens", type=int, default=32)
    parser.add_argument("--num-heads", type=int, default=4)
    parser.add_argument("--seed", type=mg.flags.seed, default=0)
    args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
    mg.flags.apply_mode_flags(args)   # prints the backend and mode
    mg.manual_seed(args.seed)

    tokens = "the cat sat on the mat <pad> <pad>".split()
    valid_lens = np.array([6])                                   # the <pad>s are not attended to
    vocab = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
    ids = np.array([[vocab[token] for token in tokens]])         # (B=1, T=8)

    embedding = mg.nn.Embedding(len(vocab), args.num_hiddens)
    positional = PositionalEncoding(args.num_hiddens, dropout=0.0)
    attention = MultiHeadAttention(args.num_hiddens, args.num_heads).eval()

    with mg.no_grad():
        X = positional(embedding(ids))                           # (1, T, num_hiddens)
        Y = attention(X, X, X, valid_lens)                       # (1, T, num_hiddens)
    print(f"input {X.shape} -> output {Y.shape}; parameters:",
          {name: param.shape for name, param in attention.named_parameters()})

    # d2l's layout (B * heads, Q, K), with the heads of one example in consecutive rows.
    B, T = ids.shape
    weights = attention.attention_weights.reshape(B, args.num_heads, T, T)[0]
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "multihead_self_attention.png")
    show_heatmaps(weights, titles=[f"head {i + 1}" for i in range(args.num_heads)],
                  x_ticks=tokens, y_ticks=tokens, path=path,
                  figsize=(2.5 * args.num_heads + 1, 3.2))
    print(f"wrote {path}")

    # The positional encoding itself: rows are positions, columns encoding dimensions.
    path = os.path.join(args.out, "positional_encoding.png")
    show_heatmaps(positional.P[0, :60], xlabel="encoding dimension", ylabel="position",
                  titles=["sinusoidal positional encoding"], cmap="RdBu", path=path,
                  figsize=(5, 4))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
