"""Bahdanau's additive attention score as one fused op, with a hand-derived backward.

For projected queries q (B, Q, h), projected keys k (B, K, h) and the weight w (1, h) of the
scoring layer w_v, every (query, key) pair gets a score

    F[b, i, j, :] = tanh(q[b, i, :] + k[b, j, :])                         (B, Q, K, h)
    s[b, i, j]    = sum_c w[c] F[b, i, j, c]                              (B, Q, K)

and, with dL/ds the incoming gradient and dA the gradient of the tanh's argument,

    dL/dw[c]        = sum_{b,i,j} dL/ds[b, i, j] F[b, i, j, c]
    dA[b, i, j, c]  = dL/ds[b, i, j] w[c] (1 - F[b, i, j, c]^2)
    dL/dq[b, i, :]  = sum_j dA[b, i, j, :]        dL/dk[b, j, :] = sum_i dA[b, i, j, :]

Why fuse: the (B, Q, K, h) features are the largest arrays of an attention step, and the
composed version (``additive_scores_composed``: add, tanh, linear, squeeze) makes several of
them per step, forward and backward. Here the features are the only one: tanh runs in place
on the sum, and backward builds dA in their buffer (a graph's backward runs once, as in
``cross_entropy``). Since w is the same for every pair, it multiplies the (B, Q, h) and
(B, K, h) sums of dA / w instead of the (B, Q, K, h) array.

With ``valid_lens`` (B,), keys at positions j >= valid_lens[b] are not scored at all: their
score is the mask value -1e6 that ``masked_softmax`` would put there anyway, and their gradient
is 0. The tanh, the op's costliest step, then runs only over the N kept (b, j) pairs: the
features are (N, Q, h) rows gathered from q and k instead of the full (B, Q, K, h) block (a
decoder's keys are its padded source sentence, so often a third or more of them are padding).
Per-query lengths (B, Q) take the full block and mask the result.

On a device backend (where compacting would cost a wait for the GPU to count N) the op is
three kernels (``minigrad/kernels/additive_score_*.cu``): one thread per score forward, which
skips masked keys, and per (query, feature) and (key, feature) backward, which recompute the
tanh features instead of storing the (B, Q, K, h) block.
"""
from minigrad import backend, kernels
from minigrad.ops import checks
from minigrad.ops.arithmetic import add, mul
from minigrad.ops.common import as_tensor, check_same_backend
from minigrad.ops.dispatch import fused
from minigrad.ops.matmul import linear
from minigrad.ops.shape import squeeze, unsqueeze
from minigrad.ops.softmax import (MASK_VALUE, kernel_lens, key_mask, masked_softmax,
                                  softmax_array, softmax_backward_array, valid_lens_array)
from minigrad.ops.unary import tanh
from minigrad.tensor import Tensor


def _check(q, k, weight):
    q, k, weight = (as_tensor(t, "additive_scores") for t in (q, k, weight))
    h = q.shape[-1]
    if (q.ndim != 3 or k.ndim != 3 or k.shape[0] != q.shape[0] or k.shape[2] != h
            or weight.shape != (1, h)):
        raise ValueError(f"additive_scores: expected projected queries (B, Q, h), projected "
                         f"keys (B, K, h) and weight (1, h) with one B and h; got queries "
                         f"{q.shape}, keys {k.shape}, weight {weight.shape}")
    check_same_backend(q, k, "additive_scores")
    check_same_backend(q, weight, "additive_scores")
    return q, k, weight


def additive_scores_composed(q, k, weight, valid_lens=None):
    """The readable twin of ``additive_scores``: add by broadcasting, tanh, linear, then
    scores * keep + (-1e6) * (1 - keep) where valid lengths are given."""
    features = tanh(add(unsqueeze(q, 2), unsqueeze(k, 1)))           # (B, Q, K, h)
    scores = squeeze(linear(features, weight), -1)                   # (B, Q, K, 1) -> (B, Q, K)
    if valid_lens is None:
        return scores
    keep = key_mask(valid_lens, scores.shape, "additive_scores").astype(scores.dtype)
    return add(mul(scores, Tensor(keep)), Tensor((1 - keep) * MASK_VALUE))


def additive_attention_weights_composed(q, k, weight, valid_lens=None):
    """The readable twin of ``additive_attention_weights``, as d2l writes it: the scores of
    every pair, then ``masked_softmax`` masks the padded keys."""
    scores = additive_scores_composed(q, k, weight)                  # (B, Q, K)
    if valid_lens is not None:      # checked here too, so a bad length names this op
        valid_lens = valid_lens_array(valid_lens, scores.shape, "additive_scores")
    return masked_softmax(scores, valid_lens)


def additive_scores(q, k, weight, valid_lens=None):
    """Scores (B, Q, K) = w^T tanh(q_i + k_j) for q (B, Q, h), k (B, K, h), weight (1, h).

    With ``valid_lens`` ((B,) or (B, Q)), scores of keys at positions >= the valid length are
    -1e6 with no gradient. See the module docstring for the math of forward and backward.
    """
    q, k, weight = _check(q, k, weight)     # in every path: one error for a bad shape
    return fused(additive_scores_composed, _additive_score_kernels, _additive_scores_host)(
        q, k, weight, valid_lens)


def _additive_scores_host(q, k, weight, valid_lens):
    scores, backward = _score_arrays(q, k, weight, valid_lens)
    return Tensor._from_op(scores, (q, k, weight), backward, "additive_scores")


def additive_attention_weights(q, k, weight, valid_lens=None):
    """The attention weights (B, Q, K) of additive attention, softmax over the keys of
    ``additive_scores(q, k, weight, valid_lens)``: what ``masked_softmax(additive_scores(q,
    k, weight, valid_lens), valid_lens)`` gives, as one op.

    The scores of masked keys are -1e6 already, which is all masked_softmax would do to them,
    so the softmax needs no mask of its own (a row with valid length 0 is uniform either way),
    and its gradient at masked keys is dropped by the scores' backward, as masked_softmax's
    mask would drop it. On the CPU this saves the second mask and a graph node per decoder
    step; on a device it is the two ops' kernels. Readable mode runs the composed twins.
    """
    q, k, weight = _check(q, k, weight)
    return fused(additive_attention_weights_composed, _attention_weights_kernels,
                 _attention_weights_host)(q, k, weight, valid_lens)


def _attention_weights_kernels(q, k, weight, valid_lens):
    return masked_softmax(_additive_score_kernels(q, k, weight, valid_lens), valid_lens)


def _attention_weights_host(q, k, weight, valid_lens):
    scores, scores_backward = _score_arrays(q, k, weight, valid_lens)
    y = softmax_array(scores, axis=-1)

    def backward(g):
        return scores_backward(softmax_backward_array(g, y))
    return Tensor._from_op(y, (q, k, weight), backward, "additive_attention_weights")


def _score_arrays(q, k, weight, valid_lens):
    """The CPU math of ``additive_scores``: the scores array and the backward function."""
    (B, Q, h), K = q.shape, k.shape[1]
    keep = None if valid_lens is None else key_mask(valid_lens, (B, Q, K), "additive_scores")
    if keep is not None and keep.shape[1] == 1:
        return _kept_pair_scores(q, k, weight, keep[:, 0])
    xp = backend.xp
    # (B, Q, 1, h) + (B, 1, K, h) -> (B, Q, K, h), then tanh in place
    features = q.data[:, :, None, :] + k.data[:, None, :, :]
    features = xp.tanh(features, out=features).reshape(B * Q * K, h)
    scores = (features @ weight.data[0]).reshape(B, Q, K)            # (B*Q*K, h) @ (h,)
    if keep is not None:
        scores = xp.where(keep, scores, MASK_VALUE)

    def backward(g):
        if keep is not None:
            g = g * keep                                             # masked scores: no grad
        g_rows = g.reshape(B * Q * K, 1)                             # (B*Q*K, 1)
        grad_w = (g_rows.T @ features) if weight.requires_grad else None        # (1, h)
        # dA = g w (1 - F^2). The features' buffer becomes u = g (F^2 - 1) = -dA / w, and
        # since w is the same for every pair, dL/dq = -w sum_j u and dL/dk = -w sum_i u.
        u = _minus_dA_over_w(features, g_rows).reshape(B, Q, K, h)
        minus_w = -weight.data[0]
        grad_q = u.sum(axis=2) * minus_w if q.requires_grad else None           # (B, Q, h)
        if k.requires_grad:    # with one query (a decoder step) the sum over queries is free
            grad_k = (u[:, 0] if Q == 1 else u.sum(axis=1)) * minus_w           # (B, K, h)
        else:
            grad_k = None
        return grad_q, grad_k, grad_w
    return scores, backward


def _minus_dA_over_w(features, g):
    """u = g (F^2 - 1) = -dA / w, built in the tanh features' own buffer (a graph's backward
    runs once, so they are not needed afterwards); ``g`` broadcasts against them."""
    features *= features
    features -= 1
    features *= g
    return features


def _kept_pair_scores(q, k, weight, keep):
    """``additive_scores`` over the kept (b, j) pairs only; keep (B, K) is j < valid_lens[b].
    Returns the scores array and the backward function.

    The same math as the full block, on rows: pair n = (b_n, j_n) gets the features
    tanh(q[b_n, i] + k[b_n, j_n]) for every query i, and its scores are put back at (b_n, :, j_n)
    of a (B, Q, K) array holding -1e6 elsewhere. In backward the rows' u = -dA / w goes back
    into a zero (B, K, Q, h) block, whose sums over keys and queries are dL/dq and dL/dk.
    """
    xp = backend.xp
    (B, Q, h), K = q.shape, k.shape[1]
    # pairs as flat indices n = b K + j into the (B K) rows of k, gathered with take: at
    # these sizes integer takes cost a fraction of boolean-mask indexing
    pair = xp.nonzero(keep.reshape(-1))[0]                           # (N,)
    batch_of_pair = pair // K                                        # b_n
    N = pair.shape[0]
    q_rows = q.data.reshape(B, Q * h).take(batch_of_pair, axis=0)    # (N, Q h)
    k_rows = k.data.reshape(B * K, h).take(pair, axis=0)             # (N, h)
    features = q_rows.reshape(N, Q, h)
    features += k_rows[:, None, :]                                   # (N, Q, h)
    features = xp.tanh(features, out=features)
    scores = xp.full((B * K, Q), MASK_VALUE, dtype=features.dtype)
    scores[pair] = features @ weight.data[0]                         # (N, Q) into (B K, Q)
    scores = scores.reshape(B, K, Q).transpose(0, 2, 1)              # (B, Q, K)

    def backward(g):
        g_pairs = g.transpose(0, 2, 1).reshape(B * K, Q).take(pair, axis=0)     # (N, Q)
        grad_w = None
        if weight.requires_grad:                                     # (1, N*Q) @ (N*Q, h)
            grad_w = g_pairs.reshape(1, -1) @ features.reshape(-1, h)
        u = _minus_dA_over_w(features, g_pairs[:, :, None])          # (N, Q, h)
        block = xp.zeros((B * K, Q * h), dtype=u.dtype)              # masked pairs stay 0
        block[pair] = u.reshape(N, Q * h)
        block = block.reshape(B, K, Q, h)
        minus_w = -weight.data[0]
        grad_q = block.sum(axis=1) * minus_w if q.requires_grad else None       # (B, Q, h)
        if k.requires_grad:
            grad_k = (block[:, :, 0] if Q == 1 else block.sum(axis=2)) * minus_w  # (B, K, h)
        else:
            grad_k = None
        return grad_q, grad_k, grad_w
    return scores, backward


def _additive_score_kernels(q, k, weight, valid_lens):
    """``additive_scores`` on a device: one kernel forward; two kernels and one sum (of the
    weight's per-query parts) backward."""
    xp = backend.xp
    (B, Q, h), K = q.shape, k.shape[1]
    dtype = q.dtype
    lens, mode = kernel_lens(valid_lens, (B, Q, K), "additive_scores")
    q_data, k_data = kernels.contiguous(q.data), kernels.contiguous(k.data)
    w = weight.data.reshape(h)
    scores = xp.empty((B, Q, K), dtype=dtype)
    kernels.launch("additive_score_forward", B * Q * K, dtype, q_data, k_data, w, lens, mode,
                   scores, B, Q, K, h, checks.slot("additive_scores", "valid_lens", 0, K))

    def backward(g):
        g = kernels.contiguous(g)
        grad_q, grad_k, grad_w = None, None, None
        if q.requires_grad or weight.requires_grad:
            dq = xp.empty((B, Q, h), dtype=dtype)
            dw_part = xp.empty((B, Q, h), dtype=dtype)
            kernels.launch("additive_score_backward_q", B * Q * h, dtype, g, q_data, k_data, w,
                           lens, mode, dq, dw_part, B, Q, K, h)
            grad_q = dq if q.requires_grad else None
            grad_w = dw_part.reshape(B * Q, h).sum(axis=0).reshape(1, h) \
                if weight.requires_grad else None
        if k.requires_grad:
            grad_k = xp.empty((B, K, h), dtype=dtype)
            kernels.launch("additive_score_backward_k", B * K * h, dtype, g, q_data, k_data, w,
                           lens, mode, grad_k, B, Q, K, h)
        return grad_q, grad_k, grad_w
    return Tensor._from_op(scores, (q, k, weight), backward, "additive_scores")
