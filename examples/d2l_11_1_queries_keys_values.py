"""d2l 11.1, Queries, Keys, and Values: the book's one toy cell, a heatmap of eye(10).

Each query attends to its own key only: weight 1 on the diagonal, 0 elsewhere.

    python examples/d2l_11_1_queries_keys_values.py --out out/
"""
# %%
import argparse
import os

import numpy as np

import minigrad as mg
from attention import show_heatmaps

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
mg.flags.add_mode_flags(parser, readable=True)
parser.add_argument("--out", default="out", help="folder for the PNG file")
args, _ = parser.parse_known_args()      # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode
os.makedirs(args.out, exist_ok=True)

# %% d2l: attention_weights = torch.eye(10).reshape((1, 1, 10, 10))
attention_weights = mg.Tensor(np.eye(10)).reshape((1, 1, 10, 10))
print("attention_weights:", attention_weights.shape)
show_heatmaps(attention_weights, xlabel="Keys", ylabel="Queries",
              titles=["eye(10): each query's weights over the keys"],
              path=os.path.join(args.out, "queries_keys_values.png"))
