"""d2l-style PyTorch twins of the attention modules, written here for the tests to compare with.

Plain PyTorch, the way d2l's chapter writes them (not torch.nn.MultiheadAttention, whose
layout differs), with the same submodule names so state_dicts move across unchanged.
"""
import math

import numpy as np
import torch
from torch import nn

import minigrad as mg
from minigrad import backend


def masked_softmax(X, valid_lens):
    """Softmax over the last axis of X (B, Q, K); scores at positions >= valid_len become -1e6."""
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    B, Q, K = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, Q)
    else:
        valid_lens = valid_lens.reshape(-1)
    keep = torch.arange(K, device=X.device)[None, :] < valid_lens[:, None]   # (B * Q, K)
    X = torch.where(keep, X.reshape(-1, K), torch.tensor(-1e6, dtype=X.dtype, device=X.device))
    return torch.softmax(X.reshape(B, Q, K), dim=-1)


class AdditiveAttention(nn.Module):
    def __init__(self, key_size, query_size, num_hiddens, dropout=0.0):
        super().__init__()
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Module):
    def __init__(self, dropout=0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class GeneralAttention(nn.Module):
    def __init__(self, key_size, query_size, dropout=0.0):
        super().__init__()
        self.W = nn.Linear(key_size, query_size, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        scores = torch.bmm(queries, self.W(keys).transpose(1, 2))
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class MultiHeadAttention(nn.Module):
    def __init__(self, num_hiddens, num_heads, dropout=0.0, bias=False, key_size=None,
                 query_size=None, value_size=None):
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size or num_hiddens, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size or num_hiddens, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size or num_hiddens, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    def transpose_qkv(self, X):
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1).permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2]).permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)

    def forward(self, queries, keys, values, valid_lens):
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        return self.W_o(self.transpose_output(output))


def load_weights(torch_module, mg_module):
    """Copy minigrad's weights into the torch twin (same names, same layouts)."""
    torch_module.load_state_dict({name: torch.from_numpy(array)
                                  for name, array in mg_module.state_dict().items()})
    return torch_module


def tolerances(dtype):
    """(rtol, atol) for comparing with PyTorch: float64 to ~1e-10, float32 to ~1e-5. The atol
    is for entries near 0 and scales with the largest entry of the array compared."""
    return (1e-10, 1e-12) if np.dtype(dtype) == np.float64 else (1e-5, 1e-6)


def assert_close(mine, theirs, dtype, what):
    """Compare a minigrad result (Tensor or backend array) with a torch tensor."""
    mine = mine.numpy() if isinstance(mine, mg.Tensor) else backend.to_numpy(mine)
    theirs = theirs.detach().numpy()
    rtol, atol = tolerances(dtype)
    scale = max(1.0, float(np.abs(theirs).max(initial=0)))
    np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol * scale, err_msg=what)
