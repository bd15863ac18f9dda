"""d2l 11.6, Self-Attention and Positional Encoding: the book's toy cells.

Self-attention keeps the shape (2, 4, 100); the positional encoding's columns 6 to 9 are
sinusoids whose frequency falls with the column; and counting in binary shows the same idea:
a higher bit flips less often.

    python examples/d2l_11_6_self_attention_positional.py --out out/
"""
# %%
import argparse
import os

import numpy as np
from matplotlib.figure import Figure

import minigrad as mg
from attention.heatmap_grid import save_figure
from attention import MultiHeadAttention, PositionalEncoding

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
mg.flags.add_mode_flags(parser, readable=True)
parser.add_argument("--out", default="out", help="folder for the PNG file")
args, _ = parser.parse_known_args()      # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode
os.makedirs(args.out, exist_ok=True)
mg.manual_seed(0)

# %% Self-attention: queries = keys = values = X (2, 4, 100)
num_hiddens, num_heads = 100, 5
attention = MultiHeadAttention(num_hiddens, num_heads, 0.5)
attention.eval()
X = mg.Tensor(np.ones((2, 4, num_hiddens)))
print("self-attention:", attention(X, X, X, np.array([3, 2])).shape)

# %% The positional encoding of zeros (1, 60, 32) is the table P itself
encoding_dim, num_steps = 32, 60
pos_encoding = PositionalEncoding(encoding_dim, 0)
X = pos_encoding(mg.Tensor(np.zeros((1, num_steps, encoding_dim))))
P = pos_encoding.P[:, :X.shape[1], :]
print("P:", P.shape)
fig = Figure(figsize=(6, 2.5), layout="constrained")
ax = fig.subplots()
for column in range(6, 10):
    ax.plot(np.arange(num_steps), P[0, :, column], label=f"Col {column}")
ax.set_xlabel("Row (position)")
ax.set_ylabel("P[position, column]")
ax.set_title("Positional encoding, columns 6-9")
ax.legend()
save_figure(fig, os.path.join(args.out, "positional_encoding_columns.png"))  # shown in a notebook

# %% Absolute positional information: the binary representations of 0 to 7
for i in range(8):
    print(f"{i} in binary is {i:>03b}")
