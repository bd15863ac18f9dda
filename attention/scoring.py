"""Attention pooling with three scoring functions: additive, scaled dot-product and general.

Every scorer turns queries (B, Q, dq) and keys (B, K, dk) into scores (B, Q, K), masks keys
beyond each example's valid length, normalises with a softmax over the keys and returns the
weighted average of the values (B, K, dv):

    attention(q, K, V) = sum_k softmax_k(a(q, k_k)) v_k                       -> (B, Q, dv)

They differ only in the score a(q, k):

    additive (Bahdanau)      a(q, k) = w_v^T tanh(W_q q + W_k k)
    scaled dot product       a(q, k) = q^T k / sqrt(d)
    general (Luong)          a(q, k) = q^T W k

Each module keeps ``.attention_weights`` (B, Q, K), the softmax before dropout, for plotting;
dropout then acts on the weights before the batched product with the values, as in d2l.
"""
import math

import numpy

from minigrad import modes, nn, ops

masked_softmax = ops.masked_softmax


def check_inputs(name, queries, keys, values, valid_lens, feature_sizes=()):
    """Raise a ValueError naming ``name`` and every shape unless the inputs fit together.

    queries (B, Q, dq), keys (B, K, dk), values (B, K, dv), valid_lens None, (B,) or (B, Q);
    ``feature_sizes`` holds (what, expected, reason) for feature sizes the module fixes, e.g.
    ("queries", 16, "query_size"); an expected size None (a lazy layer) is not checked.
    Host lengths (lists, NumPy arrays) outside [0, K] are reported here, with the shapes;
    lengths already on the device are left to ``masked_softmax``, which reads them anyway
    (and, on CuPy, does not wait for the GPU to check them).
    """
    try:
        q, k, v = tuple(queries.shape), tuple(keys.shape), tuple(values.shape)
    except AttributeError:
        raise TypeError(f"{name}: queries, keys and values must be tensors, got "
                        f"{type(queries).__name__}, {type(keys).__name__} and "
                        f"{type(values).__name__}") from None
    shapes = f"queries {q}, keys {k}, values {v}"
    if len(q) != 3 or len(k) != 3 or len(v) != 3:
        raise ValueError(f"{name}: expected queries (B, Q, dq), keys (B, K, dk) and values "
                         f"(B, K, dv), got {shapes}")
    if not q[0] == k[0] == v[0]:
        raise ValueError(f"{name}: queries, keys and values need one batch size B, got {shapes}")
    if k[1] != v[1]:
        raise ValueError(f"{name}: keys and values need one length K (a value per key), "
                         f"got {shapes}")
    given = {"queries": q, "keys": k, "values": v}
    for what, expected, reason in feature_sizes:
        if expected is not None and given[what][2] != expected:
            raise ValueError(f"{name}: {what} have {given[what][2]} features, expected "
                             f"{expected} ({reason}); got {shapes}")
    if valid_lens is None:
        return
    lens_shape = tuple(valid_lens.shape) if hasattr(valid_lens, "shape") else numpy.shape(
        valid_lens)                                         # (a list or tuple of lengths)
    if lens_shape not in ((q[0],), (q[0], q[1])):
        raise ValueError(f"{name}: valid_lens has shape {lens_shape}, expected "
                         f"({q[0]},) or ({q[0]}, {q[1]}) for {shapes}")
    if isinstance(valid_lens, (list, tuple, numpy.ndarray)):
        lens = numpy.asarray(valid_lens)
        if lens.dtype.kind not in "iu":
            raise TypeError(f"{name}: valid_lens must be integers, got dtype {lens.dtype}")
        if lens.size and (lens.min() < 0 or lens.max() > k[1]):
            raise ValueError(f"{name}: valid_lens must lie in [0, {k[1]}] (K = {k[1]} keys), "
                             f"got values from {lens.min()} to {lens.max()} for {shapes}")


class AdditiveAttention(nn.Module):
    """Bahdanau's additive attention: a one-hidden-layer network scores each (query, key).

        features[b, i, j] = tanh(W_q q_i + W_k k_j)                     (B, Q, K, num_hiddens)
        scores[b, i, j]   = w_v^T features[b, i, j]                       (B, Q, K)

    It works for queries and keys of different sizes. The sum W_q q_i + W_k k_j is formed for
    every pair at once by broadcasting (B, Q, 1, h) against (B, 1, K, h): no Python loop. The
    tanh and w_v run in one fused op, ``ops.additive_scores``; its line-by-line twin
    ``ops.additive_scores_composed`` reads as d2l's
    ``w_v(tanh(W_q(q).unsqueeze(2) + W_k(k).unsqueeze(1))).squeeze(-1)``.

    A decoder that attends to the same keys at every step can project them once with
    ``project_keys(keys)`` and pass the result as ``forward(..., projected_keys=...)``; the
    math is the same, the K x key_size x num_hiddens product is not redone at every step.

    ``key_size`` or ``query_size`` None makes that projection lazy (``nn.LazyLinear``): its
    input size is read from the first keys or queries, as in d2l 1.0, whose
    ``AdditiveAttention(num_hiddens, dropout)`` is ``AdditiveAttention(None, None,
    num_hiddens, dropout)`` here.
    """

    def __init__(self, key_size, query_size, num_hiddens, dropout=0.0):
        super().__init__()
        self.key_size, self.query_size, self.num_hiddens = key_size, query_size, num_hiddens
        self.W_k = _projection(key_size, num_hiddens)
        self.W_q = _projection(query_size, num_hiddens)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights = None

    def project_keys(self, keys):
        """W_k k for every key: (B, K, key_size) -> (B, K, num_hiddens)."""
        return self.W_k(keys)

    def forward(self, queries, keys, values, valid_lens=None, projected_keys=None):
        """-> (B, Q, dv). In readable mode, d2l's AdditiveAttention.forward line for line.
        With ``projected_keys`` (= project_keys(keys)), ``keys`` is not read and may be None."""
        if projected_keys is None:
            check_inputs("AdditiveAttention", queries, keys, values, valid_lens,
                         [("queries", self.query_size, "query_size"),
                          ("keys", self.key_size, "key_size")])
        else:   # the shapes reported as keys' are those of projected_keys
            check_inputs("AdditiveAttention", queries, projected_keys, values, valid_lens,
                         [("queries", self.query_size, "query_size"),
                          ("keys", self.num_hiddens, "num_hiddens, for projected_keys")])
        queries = self.W_q(queries)                                   # (B, Q, h)
        keys = self.W_k(keys) if projected_keys is None else projected_keys   # (B, K, h)
        if not modes.readable:
            # fast path: softmax(w_v(tanh(q_i + k_j))) for every pair as one op, (B, Q, h),
            # (B, K, h) -> (B, Q, K); keys beyond valid_lens are not scored (their score is
            # the -1e6 that masked_softmax would put there), so no mask of its own is needed
            self.attention_weights = ops.additive_attention_weights(
                queries, keys, self.w_v.weight, valid_lens)
            return ops.bmm(self.dropout(self.attention_weights), values)  # (B, Q, dv)
        # d2l's code: (B, Q, 1, h) + (B, 1, K, h) -> (B, Q, K, h), then w_v -> (B, Q, K)
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = features.tanh()
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ops.bmm(self.dropout(self.attention_weights), values)  # (B, Q, dv)

    def extra_repr(self):
        return (f"key_size={self.key_size}, query_size={self.query_size}, "
                f"num_hiddens={self.num_hiddens}")


def _projection(in_features, out_features):
    """Linear(in_features, out_features, bias=False); lazy when in_features is None."""
    if in_features is None:
        return nn.LazyLinear(out_features, bias=False)
    return nn.Linear(in_features, out_features, bias=False)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention: scores = Q K^T / sqrt(d) for queries and keys of size d.

    Dividing by sqrt(d) keeps the scores' variance near 1 when q and k have unit-variance
    entries, so the softmax does not saturate as d grows. No parameters.
    """

    def __init__(self, dropout=0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.attention_weights = None

    def forward(self, queries, keys, values, valid_lens=None):
        """-> (B, Q, dv)."""
        check_inputs("DotProductAttention", queries, keys, values, valid_lens)
        d = queries.shape[-1]
        if keys.shape[-1] != d:
            raise ValueError(f"DotProductAttention: queries and keys need one feature size d "
                             f"for their dot products, got queries {queries.shape} and keys "
                             f"{keys.shape}")
        # (B, Q, d) @ (B, d, K) -> (B, Q, K)
        scores = ops.bmm(queries, ops.swapaxes(keys, 1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ops.bmm(self.dropout(self.attention_weights), values)  # (B, Q, dv)


class GeneralAttention(nn.Module):
    """Luong's "general" score: a bilinear form q^T W k between queries and keys.

        scores[b, i, j] = q_i^T (W k_j),   W = Linear(key_size, query_size, bias=False)

    W maps each key into query space once (B, K, dq), then one batched product scores every
    pair. Like dot-product attention it needs no (B, Q, K, h) tensor; unlike it, queries and
    keys may differ in size and the comparison is learned. As in Luong et al., no scaling.
    ``project_keys`` / ``projected_keys`` work as in ``AdditiveAttention``.
    """

    def __init__(self, key_size, query_size, dropout=0.0):
        super().__init__()
        self.key_size, self.query_size = key_size, query_size
        self.W = nn.Linear(key_size, query_size, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights = None

    def project_keys(self, keys):
        """W k for every key: (B, K, key_size) -> (B, K, query_size)."""
        return self.W(keys)

    def forward(self, queries, keys, values, valid_lens=None, projected_keys=None):
        """-> (B, Q, dv). With ``projected_keys`` (= project_keys(keys)), ``keys`` is not read
        and may be None."""
        if projected_keys is None:
            check_inputs("GeneralAttention", queries, keys, values, valid_lens,
                         [("queries", self.query_size, "query_size"),
                          ("keys", self.key_size, "key_size")])
            projected_keys = self.project_keys(keys)
        else:   # the shapes reported as keys' are those of projected_keys
            check_inputs("GeneralAttention", queries, projected_keys, values, valid_lens,
                         [("queries", self.query_size, "query_size"),
                          ("keys", self.query_size, "query_size, for projected_keys")])
        # (B, Q, dq) @ (B, dq, K) -> (B, Q, K)
        scores = ops.bmm(queries, ops.swapaxes(projected_keys, 1, 2))
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ops.bmm(self.dropout(self.attention_weights), values)  # (B, Q, dv)

    def extra_repr(self):
        return f"key_size={self.key_size}, query_size={self.query_size}"


__all__ = ["masked_softmax", "AdditiveAttention", "DotProductAttention", "GeneralAttention",
           "check_inputs"]
