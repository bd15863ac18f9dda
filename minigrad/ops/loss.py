"""Cross-entropy from logits, with an optional mask, fused and stable.

For logits x (..., V), integer labels c (...) and a mask m (...) of 0/1 weights,

    loss = sum_i m_i * (-log softmax(x_i)[c_i]) / sum_i m_i
    dL/dx_i = dL/dloss * m_i / sum(m) * (softmax(x_i) - onehot(c_i))

The fused op never forms the one-hot matrix or the log-probabilities of the backward pass.
On a device backend its per-row and per-element parts are two kernels
(``minigrad/kernels/cross_entropy_*.cu``); the averages stay CuPy's reductions.
"""
import numpy

from minigrad import backend, kernels
from minigrad.fast_grads import RowGrad
from minigrad.ops import checks
from minigrad.ops.dispatch import fused, path
from minigrad.ops.common import as_tensor
from minigrad.ops.embedding import ids_array
from minigrad.ops.reduction import sum as reduce_sum
from minigrad.ops.softmax import log_softmax
from minigrad.ops.shape import getitem
from minigrad.tensor import Tensor


def _prepare(logits, labels, mask, op):
    logits = as_tensor(logits, op)
    if logits.ndim == 0:
        raise ValueError(f"{op}: logits must have a class axis, (..., V), got a 0-d tensor")
    vocab = logits.shape[-1]
    if vocab == 0:
        raise ValueError(f"{op}: logits of shape {logits.shape} have no classes (the last axis "
                         f"is empty); there is no label to score")
    labels = ids_array(labels, op, vocab, name="labels", counted="classes")
    if labels.shape != logits.shape[:-1]:
        raise ValueError(f"{op}: labels have shape {labels.shape}, expected "
                         f"{logits.shape[:-1]} for logits of shape {logits.shape}")
    host_mask = None
    if mask is not None:
        mask = mask.data if isinstance(mask, Tensor) else mask
        if not (backend.is_device() and backend.is_array(mask)):
            host_mask = mask                  # known on the host: its kept rows cost no sync
            checks.host_mask(mask, op)
        elif path() == "composed":            # on the device, readable mode: read it now;
            checks.host_mask(backend.to_numpy(mask), op)   # the fast path's kernel checks it
        mask = backend.asarray(mask)
        if mask.shape != labels.shape:
            raise ValueError(f"{op}: mask has shape {mask.shape}, expected {labels.shape}")
        mask = mask.astype(logits.dtype).reshape(-1)
    return logits, labels.reshape(-1), mask, host_mask


def _kept_rows(host_mask):
    """The row numbers where a mask known on the host is nonzero, on the backend, when some
    row is masked out; None otherwise (no mask, nothing masked, or a mask on the device, which
    reading would sync)."""
    if host_mask is None:
        return None
    flat = numpy.asarray(host_mask).reshape(-1)
    kept = numpy.flatnonzero(flat)
    return backend.asarray(kept) if kept.size < flat.size else None


def cross_entropy_composed(logits, labels, mask=None):
    """The readable twin of ``cross_entropy``: log_softmax, pick the label, average."""
    logits, labels, mask, _ = _prepare(logits, labels, mask, "cross_entropy")
    flat = logits.reshape(-1, logits.shape[-1])
    picked = getitem(log_softmax(flat, -1), (backend.xp.arange(flat.shape[0]), labels))
    if mask is None:
        return -reduce_sum(picked) / max(flat.shape[0], 1)
    return -reduce_sum(picked * Tensor(mask)) / backend.xp.maximum(mask.sum(), 1)


def cross_entropy(logits, labels, mask=None):
    """Mean cross-entropy of ``logits`` (..., V) against ``labels`` (...) over positions where
    ``mask`` (...) is nonzero (all positions when None). A mask with no nonzero gives 0.
    A mask is boolean or 0/1 (checked when it is on the host; a weight such as 0.5 is
    refused, since the mean above would then not be the loss its docstring promises).

    With a mask known on the host (d2l's padding mask), only the rows it keeps are computed,
    and the gradient is an ``fast_grads.RowGrad`` of those rows: a padded position costs neither
    the softmax here nor, when the logits come from ``linear``, its backward products. So an
    inf or NaN logit at a masked-out position does not reach the loss there, while readable
    mode and a mask on the device (which compute every row) give NaN, as PyTorch does.
    """
    return fused(cross_entropy_composed, _cross_entropy_fused, _cross_entropy_fused)(
        logits, labels, mask)


def _cross_entropy_fused(logits, labels, mask):
    """``cross_entropy`` with its own backward: the rows' math by ``_cross_entropy_arrays`` on
    the CPU, by ``_cross_entropy_kernels`` on a device."""
    logits, labels, mask, host_mask = _prepare(logits, labels, mask, "cross_entropy")
    xp = backend.xp
    x = logits.data.reshape(-1, logits.shape[-1])                    # (N, V)
    kept = _kept_rows(host_mask)
    if kept is not None:            # the kept rows only: (n, V), n < N
        x, labels, mask = x[kept], labels[kept], mask[kept]
    if backend.is_device() and x.size:
        device_mask = mask if mask is not None and host_mask is None else None
        token_loss, grads_for = _cross_entropy_kernels(x, labels, mask is not None,
                                                       device_mask)
    else:
        token_loss, grads_for = _cross_entropy_arrays(x, labels)
    if mask is None:
        count = max(x.shape[0], 1)
        total = token_loss.sum()
    else:
        count = xp.maximum(mask.sum(), 1)
        total = (token_loss * mask).sum()

    def backward(g):
        row_scale = g / count if mask is None else mask * (g / count)  # (n,) or a scalar
        grad = grads_for(row_scale)                                  # (n, V)
        if kept is None:
            return (grad.reshape(logits.shape),)
        return (RowGrad(logits.shape, kept, grad),)
    return Tensor._from_op(xp.asarray(total / count, dtype=x.dtype), (logits,), backward,
                           "cross_entropy")


def _cross_entropy_arrays(x, labels):
    """The token losses (N,) of the rows of x (N, V), and the function from the rows' scales
    m_i dL/dloss / sum(m) ((N,) or a scalar) to dL/dx (N, V)."""
    xp = backend.xp
    rows = xp.arange(x.shape[0])
    shifted = x - x.max(axis=1, keepdims=True)                       # (N, V), max is 0
    picked = shifted[rows, labels]                                   # (N,)
    # exp in place: the (N, V) logits are the largest arrays of a translation model, so we
    # exponentiate once and keep the result for backward instead of recomputing it there
    exps = xp.exp(shifted, out=shifted)                              # (N, V)
    sum_exp = exps.sum(axis=1)                                       # (N,)

    def grads_for(row_scale):
        # row_scale * (softmax - onehot), with one pass over the (N, V) array:
        # exps * (row_scale / sum_exp) is the scaled softmax, then subtract at the labels
        grad = exps                    # reused in place: a graph's backward runs only once
        grad *= (row_scale / sum_exp)[:, None]
        grad[rows, labels] -= row_scale
        return grad
    return xp.log(sum_exp) - picked, grads_for


def _cross_entropy_kernels(x, labels, per_row_scale, device_mask=None):
    """``_cross_entropy_arrays`` on a device: a kernel per row forward (max, sum of exps, the
    token's loss), a kernel per element backward; the exps are recomputed there, not stored.
    ``per_row_scale``: the backward's scale is one per row (a mask), not one for all.
    ``device_mask`` (N,), a mask that lives on the device: the forward checks its values
    (0 or 1) without a sync (``minigrad.ops.checks``)."""
    xp = backend.xp
    x = kernels.contiguous(x)                                        # (N, V)
    N, V = x.shape
    labels = labels if labels.dtype == xp.int64 else labels.astype(xp.int64)
    token_loss, top, sum_exp = (xp.empty(N, dtype=x.dtype) for _ in range(3))
    has_mask = device_mask is not None
    kernels.launch("cross_entropy_forward", N, x.dtype, x, labels, token_loss, top, sum_exp,
                   N, V, checks.slot("cross_entropy", "labels", 0, V - 1),
                   kernels.contiguous(device_mask) if has_mask else x, int(has_mask),
                   checks.mask_slot("cross_entropy"))      # (read by the kernel only with a mask)

    def grads_for(row_scale):
        row_scale = xp.ascontiguousarray(row_scale, dtype=x.dtype).reshape(-1)
        grad = xp.empty((N, V), dtype=x.dtype)
        kernels.launch("cross_entropy_backward", N * V, x.dtype, x, labels, top, sum_exp,
                       row_scale, 1 if per_row_scale else 0, grad, N, V)
        return grad
    return token_loss, grads_for

