"""d2l 11.7, The Transformer Architecture: the section's shape checks, block by block, with the
book's arguments.

    python examples/d2l_11_7_transformer.py [--backend NAME] [--readable|--fast]

The book's training run (600 fra-eng pairs, then the heatmaps of every head) is
examples/transformer_d2l.py.
"""
# %%
import argparse

import numpy as np

import minigrad as mg
from minigrad import nn
from seq2seq import (AddNorm, PositionWiseFFN, TransformerDecoderBlock, TransformerEncoder,
                     TransformerEncoderBlock)

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
mg.flags.add_mode_flags(parser, readable=True)
args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode
mg.manual_seed(0)

# %% d2l: the position-wise FFN; as in the book, dense1 reads its input size (4) lazily
ffn = PositionWiseFFN(4, 8)
ffn.eval()
print("PositionWiseFFN(4, 8) on (2, 3, 4):", ffn(mg.Tensor(np.ones((2, 3, 4)))).shape)

# %% d2l: layer norm normalises each example (row), batch norm each feature (column).
# minigrad has no BatchNorm1d: batch norm in training mode is written out from its definition
ln = nn.LayerNorm(2)
X = mg.Tensor(np.array([[1, 2], [2, 3]], dtype=np.float32))
mean = X.mean(axis=0, keepdims=True)
bn = (X - mean) / (((X - mean) ** 2).mean(axis=0, keepdims=True) + 1e-5) ** 0.5
print("layer norm:", ln(X).numpy().round(4).tolist(), "batch norm:", bn.numpy().round(4).tolist())

# %% d2l: the residual connection and layer normalisation
add_norm = AddNorm(4, 0.5)
shape = (2, 3, 4)
print("AddNorm(4, 0.5) on (2, 3, 4):",
      add_norm(mg.Tensor(np.ones(shape)), mg.Tensor(np.ones(shape))).shape)

# %% d2l: one encoder block, then the encoder of two blocks on ids
X = mg.Tensor(np.ones((2, 100, 24)))
valid_lens = np.array([3, 2])
encoder_blk = TransformerEncoderBlock(24, 48, 8, 0.5)
encoder_blk.eval()
print("TransformerEncoderBlock(24, 48, 8, 0.5) on (2, 100, 24):",
      encoder_blk(X, valid_lens).shape)
encoder = TransformerEncoder(200, 24, 48, 8, 2, 0.5)
print("TransformerEncoder(200, 24, 48, 8, 2, 0.5) on (2, 100) ids:",
      encoder(np.ones((2, 100), dtype=np.int64), valid_lens).shape)

# %% d2l: decoder block 0, its state [encoder outputs, source lengths, one cache per block]
decoder_blk = TransformerDecoderBlock(24, 48, 8, 0.5, 0)
X = mg.Tensor(np.ones((2, 100, 24)))
state = [encoder_blk(X, valid_lens), valid_lens, [None]]
print("TransformerDecoderBlock(24, 48, 8, 0.5, 0) on (2, 100, 24):",
      decoder_blk(X, state)[0].shape)
