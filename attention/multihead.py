"""Multi-head attention: several scaled dot-product attentions side by side, as in d2l.

With h heads of size p = num_hiddens / h, head i attends with its own slice of the projections:

    head_i = attention(q W_q^(i), k W_k^(i), v W_v^(i))                       (B, Q, p)
    output = concat(head_1, ..., head_h) W_o                                   (B, Q, num_hiddens)

The h heads are computed in one batched product, not a loop: W_q, W_k, W_v project to all
heads at once (num_hiddens = h * p outputs), and ``transpose_qkv`` moves the head axis into the
batch axis, (B, n, h * p) -> (B * h, n, p), so DotProductAttention sees B * h independent
examples. ``transpose_output`` undoes it. Self-attention is queries = keys = values.
"""
import numbers

import numpy

import minigrad as mg
from minigrad import nn

from attention.scoring import DotProductAttention, check_inputs


def repeat_valid_lens(valid_lens, repeats):
    """Each example's lengths ``repeats`` times in a row along axis 0, like
    ``torch.repeat_interleave(valid_lens, repeats, dim=0)``: (B,) -> (B * h,), (B, Q) -> (B * h, Q).

    Row b * h + i then belongs to head i of example b, the order ``transpose_qkv`` gives.
    Host lengths stay on the host (masked_softmax moves and checks them); lengths already on
    the device (a Tensor or a backend array) are repeated there, with an integer index.
    """
    if valid_lens is None:
        return None
    if isinstance(valid_lens, (list, tuple, numpy.ndarray)):
        return numpy.repeat(numpy.asarray(valid_lens), repeats, axis=0)
    valid_lens = valid_lens if isinstance(valid_lens, mg.Tensor) else mg.Tensor(valid_lens)
    rows = numpy.repeat(numpy.arange(valid_lens.shape[0]), repeats)   # 0, 0, .., 1, 1, ..
    return valid_lens[rows].data


class MultiHeadAttention(nn.Module):
    """d2l's multi-head attention with ``num_heads`` heads of size num_hiddens / num_heads.

    Submodules W_q, W_k, W_v (input size -> num_hiddens) and W_o (num_hiddens -> num_hiddens),
    all ``Linear(..., bias=bias)``; ``query_size``, ``key_size`` and ``value_size`` default to
    num_hiddens. forward(queries (B, Q, dq), keys (B, K, dk), values (B, K, dv), valid_lens)
    -> (B, Q, num_hiddens). ``.attention_weights`` is (B * num_heads, Q, K) as in d2l: row
    b * num_heads + i holds head i of example b (reshape to (B, num_heads, Q, K) to plot).
    """

    def __init__(self, num_hiddens, num_heads, dropout=0.0, bias=False, key_size=None,
                 query_size=None, value_size=None):
        super().__init__()
        if (not isinstance(num_heads, numbers.Integral) or num_heads < 1
                or num_hiddens % num_heads):
            raise ValueError(f"MultiHeadAttention: num_hiddens ({num_hiddens}) must split "
                             f"evenly into num_heads ({num_heads}) heads; num_heads must be a "
                             f"positive integer that divides num_hiddens")
        self.num_hiddens, self.num_heads = num_hiddens, num_heads
        self.query_size = num_hiddens if query_size is None else query_size
        self.key_size = num_hiddens if key_size is None else key_size
        self.value_size = num_hiddens if value_size is None else value_size
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(self.query_size, num_hiddens, bias=bias)
        self.W_k = nn.Linear(self.key_size, num_hiddens, bias=bias)
        self.W_v = nn.Linear(self.value_size, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    @property
    def attention_weights(self):
        """(B * num_heads, Q, K), the weights of the last forward (before dropout)."""
        return self.attention.attention_weights

    def transpose_qkv(self, X):
        """Give every head its own batch rows: (B, n, num_hiddens) -> (B * h, n, p)."""
        B, n = X.shape[0], X.shape[1]
        X = X.reshape(B, n, self.num_heads, -1)            # (B, n, h * p) -> (B, n, h, p)
        X = X.permute(0, 2, 1, 3)                          # -> (B, h, n, p)
        return X.reshape(B * self.num_heads, n, -1)        # -> (B * h, n, p)

    def transpose_output(self, X):
        """Undo ``transpose_qkv``: (B * h, n, p) -> (B, n, h * p), heads side by side."""
        n = X.shape[1]
        X = X.reshape(-1, self.num_heads, n, X.shape[2])   # -> (B, h, n, p)
        X = X.permute(0, 2, 1, 3)                          # -> (B, n, h, p)
        return X.reshape(X.shape[0], n, -1)                # -> (B, n, h * p)

    def forward(self, queries, keys, values, valid_lens=None):
        """-> (B, Q, num_hiddens)."""
        check_inputs("MultiHeadAttention", queries, keys, values, valid_lens,
                     [("queries", self.query_size, "query_size"),
                      ("keys", self.key_size, "key_size"),
                      ("values", self.value_size, "value_size")])
        queries = self.transpose_qkv(self.W_q(queries))    # (B * h, Q, p)
        keys = self.transpose_qkv(self.W_k(keys))          # (B * h, K, p)
        values = self.transpose_qkv(self.W_v(values))      # (B * h, K, p)
        valid_lens = repeat_valid_lens(valid_lens, self.num_heads)
        output = self.attention(queries, keys, values, valid_lens)  # (B * h, Q, p)
        return self.W_o(self.transpose_output(output))     # (B, Q, num_hiddens)

    def extra_repr(self):
        return f"num_hiddens={self.num_hiddens}, num_heads={self.num_heads}"
