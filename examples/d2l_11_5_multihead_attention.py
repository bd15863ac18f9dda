"""d2l 11.5, Multi-Head Attention: MultiHeadAttention(100, 5, 0.5) on the book's shapes.

    python examples/d2l_11_5_multihead_attention.py [--backend NAME] [--readable|--fast]
"""
# %%
import argparse

import numpy as np

import minigrad as mg
from attention import MultiHeadAttention

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=True)
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode
mg.manual_seed(0)

# %% d2l: num_hiddens, num_heads = 100, 5; X (2, 4, 100), Y (2, 6, 100), valid_lens [3, 2]
num_hiddens, num_heads = 100, 5
attention = MultiHeadAttention(num_hiddens, num_heads, 0.5)
attention.eval()
batch_size, num_queries, num_kvpairs = 2, 4, 6
valid_lens = np.array([3, 2])
X = mg.Tensor(np.ones((batch_size, num_queries, num_hiddens)))
Y = mg.Tensor(np.ones((batch_size, num_kvpairs, num_hiddens)))
print("MultiHeadAttention(100, 5, 0.5):", attention(X, Y, Y, valid_lens).shape)
