"""d2l 11.3, Attention Scoring Functions: the book's toy cells with its own arguments.

    python examples/d2l_11_3_scoring_functions.py [--backend NAME] [--readable|--fast]
"""
# %%
import argparse

import numpy as np

import minigrad as mg
from attention import AdditiveAttention, DotProductAttention, masked_softmax

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=True)
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode
mg.manual_seed(0)

# %% Masked softmax: lengths shared by an example's queries, (B,) = [2, 3]
X = mg.Tensor(np.random.default_rng(0).random((2, 2, 4)))
print("masked_softmax(X, [2, 3]):\n", masked_softmax(X, np.array([2, 3])).numpy().round(4))

# %% ... and one length per query, (B, Q) = [[1, 3], [2, 4]]
print("masked_softmax(X, [[1, 3], [2, 4]]):\n",
      masked_softmax(X, np.array([[1, 3], [2, 4]])).numpy().round(4))

# %% Batched matrix multiplication: (2, 3, 4) @ (2, 4, 6) -> (2, 3, 6)
Q, K = mg.Tensor(np.ones((2, 3, 4))), mg.Tensor(np.ones((2, 4, 6)))
print("bmm (2, 3, 4) (2, 4, 6):", (Q @ K).shape)

# %% Scaled dot-product attention (d2l: queries (2, 1, 2), keys (2, 10, 2), values (2, 10, 4))
queries = mg.Tensor(np.random.default_rng(1).normal(0, 1, (2, 1, 2)))
keys = mg.Tensor(np.ones((2, 10, 2)))
values = mg.Tensor(np.ones((2, 10, 4)))
valid_lens = np.array([2, 6])
attention = DotProductAttention(dropout=0.5)
attention.eval()
print("DotProductAttention:", attention(queries, keys, values, valid_lens).shape)

# %% Additive attention: AdditiveAttention(2, 20, 8, 0.1) on queries (2, 1, 20)
queries = mg.Tensor(np.random.default_rng(2).normal(0, 1, (2, 1, 20)))
attention = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
attention.eval()
print("AdditiveAttention(2, 20, 8, 0.1):", attention(queries, keys, values, valid_lens).shape)
print("attention_weights:", attention.attention_weights.shape)
