"""Cross-entropy from logits, with an optional mask, fused and stable.

For logits x (..., V), integer labels c (...) and a mask m (...) of 0/1 weights,

    loss = sum_i m_i * (-log softmax(x_i)[c_i]) / sum_i m_i
    dL/dx_i = dL/dloss * m_i / sum(m) * (softmax(x_i) - onehot(c_i))

The fused op never forms the one-hot matrix or the log-probabilities of the backward pass.
"""
from minigrad import backend
from minigrad.ops.common import as_tensor
from minigrad.ops.embedding import ids_array
from minigrad.ops.reduction import sum as reduce_sum
from minigrad.ops.softmax import log_softmax
from minigrad.ops.shape import getitem
from minigrad.tensor import Tensor


def _prepare(logits, labels, mask, op):
    logits = as_tensor(logits, op)
    vocab = logits.shape[-1]
    labels = ids_array(labels, op, vocab, name="labels", counted="classes")
    if labels.shape != logits.shape[:-1]:
        raise ValueError(f"{op}: labels have shape {labels.shape}, expected "
                         f"{logits.shape[:-1]} for logits of shape {logits.shape}")
    if mask is not None:
        mask = mask.data if isinstance(mask, Tensor) else backend.asarray(mask)
        if mask.shape != labels.shape:
            raise ValueError(f"{op}: mask has shape {mask.shape}, expected {labels.shape}")
        mask = mask.astype(logits.dtype).reshape(-1)
    return logits, labels.reshape(-1), mask


def cross_entropy(logits, labels, mask=None):
    """Mean cross-entropy of ``logits`` (..., V) against ``labels`` (...) over positions where
    ``mask`` (...) is nonzero (all positions when None). A mask with no nonzero gives 0."""
    if backend.is_readable():       # readable mode: the composed twin
        return cross_entropy_composed(logits, labels, mask)
    logits, labels, mask = _prepare(logits, labels, mask, "cross_entropy")
    xp = backend.xp
    x = logits.data.reshape(-1, logits.shape[-1])                    # (N, V)
    rows = xp.arange(x.shape[0])
    shifted = x - x.max(axis=1, keepdims=True)                       # (N, V), max is 0
    picked = shifted[rows, labels]                                   # (N,)
    # exp in place: the (N, V) logits are the largest arrays of a translation model, so we
    # exponentiate once and keep the result for backward instead of recomputing it there
    exps = xp.exp(shifted, out=shifted)                              # (N, V)
    sum_exp = exps.sum(axis=1)                                       # (N,)
    token_loss = xp.log(sum_exp) - picked                            # (N,)
    if mask is None:
        weights = None
        count = max(x.shape[0], 1)
        total = token_loss.sum()
    else:
        weights = mask
        count = xp.maximum(mask.sum(), 1)
        total = (token_loss * mask).sum()
    loss = total / count

    def backward(g):
        row_scale = g / count if weights is None else weights * (g / count)  # (N,) or scalar
        # m_i dL/dloss / sum(m) * (softmax - onehot), with one pass over the (N, V) array:
        # exps * (row_scale / sum_exp) is the scaled softmax, then subtract at the labels
        grad = exps                    # reused in place: a graph's backward runs only once
        grad *= (row_scale / sum_exp)[:, None]
        grad[rows, labels] -= row_scale
        return (grad.reshape(logits.shape),)
    return Tensor._from_op(xp.asarray(loss, dtype=x.dtype), (logits,), backward,
                           "cross_entropy")


def cross_entropy_composed(logits, labels, mask=None):
    """The readable twin of ``cross_entropy``: log_softmax, pick the label, average."""
    logits, labels, mask = _prepare(logits, labels, mask, "cross_entropy")
    flat = logits.reshape(-1, logits.shape[-1])
    picked = getitem(log_softmax(flat, -1), (backend.xp.arange(flat.shape[0]), labels))
    if mask is None:
        return -reduce_sum(picked) / max(flat.shape[0], 1)
    return -reduce_sum(picked * Tensor(mask)) / backend.xp.maximum(mask.sum(), 1)
