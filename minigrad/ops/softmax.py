"""Softmax, log-softmax and d2l's masked softmax, each stable and with its own backward.

Softmax is shift-invariant, so we subtract the row maximum before exponentiating: exp never
overflows and the largest term is exp(0) = 1. For y = softmax(x) along an axis,

    dL/dx = y * (dL/dy - sum(dL/dy * y))                 (the sum along the same axis)

and for y = log_softmax(x) = x - logsumexp(x),

    dL/dx = dL/dy - softmax(x) * sum(dL/dy).

``masked_softmax`` comes as its composed twin first (d2l's code, run in readable mode), then
the fused op: on the CPU one ``where`` and a softmax with their own backward, on a device one
kernel forward and one backward (``minigrad/kernels/masked_softmax_*.cu``), which mask by the
valid lengths themselves.
"""
import numpy

from minigrad import backend, kernels
from minigrad.ops import checks
from minigrad.ops.common import as_float, as_tensor, normalize_axis
from minigrad.ops.dispatch import fused, path
from minigrad.ops.embedding import ids_array
from minigrad.ops.indexing import masked_fill
from minigrad.ops.reduction import max as reduce_max, sum as reduce_sum
from minigrad.ops.unary import exp
from minigrad.tensor import Tensor

MASK_VALUE = -1e6   # d2l's choice: masked scores become -1e6, so a fully masked row is uniform


def softmax_array(x, axis=-1):
    """The forward math on a plain array (shared by the ops below and by fused kernels)."""
    if x.size == 0:             # an axis of size 0 (or no rows): nothing to normalise
        return backend.xp.exp(x)
    e = backend.xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def softmax_backward_array(g, y, axis=-1):
    """dL/dx = y * (g - sum(g * y)) for y = softmax(x)."""
    return y * (g - (g * y).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """y = exp(x) / sum(exp(x)) along ``axis``; see the module docstring for dL/dx."""
    x = as_tensor(x, "softmax")
    axis = normalize_axis(axis, x.ndim, "softmax")
    y = softmax_array(x.data, axis)
    return Tensor._from_op(y, (x,), lambda g: (softmax_backward_array(g, y, axis),), "softmax")


def log_softmax(x, axis=-1):
    """y = x - log(sum(exp(x))) along ``axis``, computed as (x - max) - log(sum(exp(x - max)))."""
    x = as_tensor(x, "log_softmax")
    axis = normalize_axis(axis, x.ndim, "log_softmax")
    xp = backend.xp
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g):
        return (g - xp.exp(y) * g.sum(axis=axis, keepdims=True),)
    return Tensor._from_op(y, (x,), backward, "log_softmax")


def key_mask(valid_lens, shape, op="masked_softmax"):
    """The boolean mask of (B, Q, K) scores to keep: key position k < valid_len.

    ``valid_lens`` is (B,), shared by every query of an example, or (B, Q), one per query;
    host arrays move to the device here. Lengths must lie in [0, K].
    """
    batch, queries, keys = shape
    lens = valid_lens_array(valid_lens, shape, op)
    lens = lens.reshape(batch, 1 if lens.ndim == 1 else queries, 1)     # (B, 1 or Q, 1)
    return backend.xp.arange(keys).reshape(1, 1, keys) < lens           # (B, 1 or Q, K)


def valid_lens_array(valid_lens, shape, op="masked_softmax"):
    """``valid_lens`` ((B,) or (B, Q)) for scores of ``shape`` (B, Q, K), checked, as a
    backend integer array (what ``key_mask`` compares with and the kernels read)."""
    batch, queries, keys = shape
    data = valid_lens.data if isinstance(valid_lens, Tensor) else valid_lens
    on_host = type(data) is numpy.ndarray or backend.array_backend(data) in (None, "numpy")
    if on_host:
        data = numpy.asarray(data)
    lens = ids_array(data, op, name="valid_lens")
    if lens.shape not in ((batch,), (batch, queries)):
        raise ValueError(f"{op}: valid_lens has shape {lens.shape}, expected ({batch},) or "
                         f"({batch}, {queries}) for scores of shape {shape}")
    # checked here on the host, on the CPU and in readable mode (which reads device lengths);
    # the fast path's kernels check device lengths without a sync (minigrad.ops.checks)
    checked = data if on_host else lens
    if lens.size and (on_host or path() != "device"):
        low, high = int(checked.min()), int(checked.max())
        if low < 0 or high > keys:
            raise ValueError(f"{op}: valid_lens must lie in [0, {keys}] for {keys} keys, got "
                             f"values from {low} to {high} (valid_lens {lens.shape}, scores "
                             f"{shape})")
    return lens


def kernel_lens(valid_lens, shape, op):
    """The kernels' (lens, lens_mode): int64 lengths and 0 (none), 1 ((B,)) or 2 ((B, Q))."""
    xp = backend.xp
    if valid_lens is None:
        return xp.empty(1, dtype=xp.int64), 0
    lens = valid_lens_array(valid_lens, shape, op)
    if lens.dtype != xp.int64:
        lens = lens.astype(xp.int64)
    lens = kernels.contiguous(lens)
    return lens, 1 if lens.ndim == 1 else 2


def softmax_composed(x, axis=-1):
    """The readable twin of ``softmax``, built from primitive ops (max is a constant shift)."""
    if x.data.size == 0:        # nothing to normalise (and no max of nothing)
        return exp(x)
    shift = reduce_max(x, axis, keepdims=True).data                    # an array: a constant
    e = exp(x - shift)
    return e / reduce_sum(e, axis, keepdims=True)


def sequence_mask(X, valid_len, value=0.0):
    """X (N, K) with the entries of row i at positions >= valid_len[i] replaced by ``value``;
    a replaced entry gets no gradient.

    d2l writes ``X[~mask] = value``, in place. Here X is a reshape of the caller's scores that
    shares their memory, so writing into it would change the caller's tensor too (a second
    masked_softmax of the same scores would see the first one's -1e6): the same replacement
    is torch's ``X.masked_fill(~mask, value)``, a new tensor (an inf score past the length is
    replaced too, as the book's write replaces it)."""
    mask = backend.xp.arange(X.shape[1])[None, :] < valid_len[:, None]   # (N, K)
    return masked_fill(X, ~mask, value)


def masked_softmax_composed(X, valid_lens):
    """The readable twin of ``masked_softmax``, as d2l writes it: each of the B*Q rows of
    scores gets its valid length (a (B,) length repeated for the Q queries of its example,
    torch's ``repeat_interleave``), the keys past it become -1e6, then the softmax."""
    if valid_lens is None or X.data.size == 0:   # (no keys or no rows: nothing to mask)
        return softmax_composed(X, -1)
    shape = X.shape                                                  # (B, Q, K)
    valid_lens = valid_lens_array(valid_lens, shape)
    if valid_lens.ndim == 1:
        valid_lens = backend.xp.repeat(valid_lens, shape[1])         # (B,) -> (B*Q,)
    else:
        valid_lens = valid_lens.reshape(-1)                          # (B, Q) -> (B*Q,)
    X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=MASK_VALUE)   # (B*Q, K)
    return softmax_composed(X.reshape(shape), -1)


def masked_softmax(X, valid_lens):
    """Softmax over the last axis of X (B, Q, K), keys at positions >= valid_len masked out.

    Masked scores are replaced by -1e6 before the softmax (a row with valid_len 0 is therefore
    uniform); with ``valid_lens`` None this is a plain softmax. Masked scores are constants, so
    their gradient is 0; elsewhere it is the softmax gradient.
    """
    X = X if isinstance(X, Tensor) else as_tensor(X, "masked_softmax")
    if X.dtype.kind != "f":         # integer scores: the default float dtype, in both paths
        X = as_float(X)
    if X.ndim != 3:
        raise ValueError(f"masked_softmax: expected scores of shape (B, Q, K), got {X.shape}")
    return fused(masked_softmax_composed, _masked_softmax_kernels, _masked_softmax_host)(
        X, valid_lens)


def _masked_softmax_host(X, valid_lens):
    """``masked_softmax`` on the CPU: the mask applied with one ``where``."""
    if valid_lens is None:
        return softmax(X, axis=-1)
    keep = key_mask(valid_lens, X.shape)
    y = softmax_array(backend.xp.where(keep, X.data, MASK_VALUE), axis=-1)

    def backward(g):
        return (softmax_backward_array(g, y) * keep,)
    return Tensor._from_op(y, (X,), backward, "masked_softmax")


def _masked_softmax_kernels(X, valid_lens):
    """``masked_softmax`` on a device: one kernel forward, one backward, one thread per row."""
    xp = backend.xp
    B, Q, K = X.shape
    lens, mode = kernel_lens(valid_lens, X.shape, "masked_softmax")
    y = xp.empty((B, Q, K), dtype=X.dtype)
    kernels.launch("masked_softmax_forward", B * Q, X.dtype, kernels.contiguous(X.data), lens,
                   mode, y, B, Q, K, checks.slot("masked_softmax", "valid_lens", 0, K))

    def backward(g):
        dx = xp.empty((B, Q, K), dtype=X.dtype)
        kernels.launch("masked_softmax_backward", B * Q, X.dtype,
                       kernels.contiguous(g), y, lens, mode, dx, B, Q, K)
        return (dx,)
    return Tensor._from_op(y, (X,), backward, "masked_softmax")
