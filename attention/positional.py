"""Sinusoidal positional encoding (Vaswani et al.), as in d2l.

Self-attention treats its inputs as a set: permuting the tokens permutes the outputs. To let it
use order, we add to the token at position i a fixed vector P[i] whose entries are sines and
cosines of i at geometrically spaced frequencies, for columns 2j and 2j + 1:

    P[i, 2j]     = sin(i / 10000^(2j / d))
    P[i, 2j + 1] = cos(i / 10000^(2j / d))

Low columns change fast with i, high columns slowly, like the bits of a binary counter; and
P[i + delta] is a fixed rotation of P[i] for every i, so relative positions are easy to read.
"""
import numpy

import minigrad as mg
from minigrad import nn


def sinusoidal_table(max_len, num_hiddens):
    """The (max_len, num_hiddens) table P above as a host float64 array (odd sizes allowed:
    the last column is then a sine)."""
    positions = numpy.arange(max_len, dtype=numpy.float64).reshape(-1, 1)       # (max_len, 1)
    frequencies = 10000.0 ** (-numpy.arange(0, num_hiddens, 2) / num_hiddens)  # (ceil(d / 2),)
    angles = positions * frequencies                                # (max_len, ceil(d / 2))
    P = numpy.empty((max_len, num_hiddens))
    P[:, 0::2] = numpy.sin(angles)
    P[:, 1::2] = numpy.cos(angles[:, :num_hiddens // 2])
    return P


class PositionalEncoding(nn.Module):
    """forward(X (B, T, num_hiddens)) = dropout(X + P[:T]), for T <= max_len.

    ``offset`` is the position of X's first step: a decoder that is fed one token at a time
    passes the number of tokens before it, so step t gets P[t] as in the full sequence
    (forward(X, offset) adds P[offset:offset + T]).

    ``.P`` is the (1, max_len, num_hiddens) table as a host array, d2l's layout; it is not a
    parameter (nothing learns it), so it is not in ``state_dict``. Its device copy is made once
    per backend and dtype, not at every call.
    """

    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        nn.check_sizes("PositionalEncoding", 1, num_hiddens=num_hiddens, max_len=max_len)
        self.num_hiddens, self.max_len = num_hiddens, max_len
        self.dropout = nn.Dropout(dropout)
        self.P = sinusoidal_table(max_len, num_hiddens)[None]       # (1, max_len, d)
        self._device_P = {}       # (backend, dtype) -> Tensor copy of P

    def forward(self, X, offset=0):
        if (X.ndim != 3 or X.shape[2] != self.num_hiddens or offset < 0
                or offset + X.shape[1] > self.max_len):
            raise ValueError(f"PositionalEncoding: expected X of shape (B, T, "
                             f"{self.num_hiddens}) with offset + T <= max_len = "
                             f"{self.max_len} and offset >= 0, got {X.shape} at offset {offset}")
        key = (mg.get_backend(), mg.get_default_dtype())
        if key not in self._device_P:
            self._device_P[key] = mg.Tensor(self.P)
        P = self._device_P[key][:, offset:offset + X.shape[1], :]   # (1, T, d)
        return self.dropout(X + P)                                  # (B, T, d)

    def extra_repr(self):
        return f"num_hiddens={self.num_hiddens}, max_len={self.max_len}"
