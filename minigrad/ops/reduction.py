"""Reductions: sum, mean and max over axes.

A reduction's backward spreads the output gradient back over the reduced axes: evenly for sum
and mean, onto the maximal elements for max.
"""
import numbers

from minigrad import backend
from minigrad.ops.common import as_tensor, normalize_axis
from minigrad.tensor import Tensor


def _axes(axis, ndim, op):
    """``axis`` as a sorted tuple of non-negative axes (None means all)."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int or isinstance(axis, numbers.Integral):   # the first test is cheaper
        axis = int(axis)
        if not -ndim <= axis < ndim:
            normalize_axis(axis, ndim, op)   # raises the error that names the op
        return (axis % ndim,)
    if not isinstance(axis, (tuple, list)) or not all(
            isinstance(a, numbers.Integral) for a in axis):
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
    axes = tuple(sorted(normalize_axis(a, ndim, op) for a in axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axis {tuple(axis)} repeats an axis of a tensor with {ndim} "
                         f"dims")
    return axes


def _expand(g, shape, axes, keepdims):
    """Put the reduced axes back into ``g`` (as size 1) so it broadcasts against the input."""
    if not keepdims:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return g


def sum(a, axis=None, keepdims=False):
    """y = sum of a over ``axis``.   dL/da = dL/dy broadcast over the summed axes."""
    a = a if isinstance(a, Tensor) else as_tensor(a, "sum")
    axes = (axis % a.ndim,) if type(axis) is int and -a.ndim <= axis < a.ndim else _axes(
        axis, a.ndim, "sum")
    y = a.data.sum(axis=axes, keepdims=keepdims)

    def backward(g):
        return (backend.xp.broadcast_to(_expand(g, a.shape, axes, keepdims), a.shape),)
    return Tensor._from_op(y, (a,), backward, "sum")


def mean(a, axis=None, keepdims=False):
    """y = sum(a) / n over ``axis``.   dL/da = dL/dy / n broadcast over the reduced axes."""
    a = as_tensor(a, "mean")
    axes = _axes(axis, a.ndim, "mean")
    count = 1
    for i in axes:
        count *= a.shape[i]
    if a.dtype.kind == "f":
        y = a.data.mean(axis=axes, keepdims=keepdims)
    else:   # integers or bools: the default float dtype (NumPy would give float64)
        y = a.data.mean(axis=axes, keepdims=keepdims, dtype=backend.get_default_dtype())

    def backward(g):
        return (backend.xp.broadcast_to(_expand(g, a.shape, axes, keepdims) / count, a.shape),)
    return Tensor._from_op(y, (a,), backward, "mean")


def max(a, axis=None, keepdims=False):
    """y = max of a over ``axis``.

    dL/da = dL/dy at the elements equal to the maximum, 0 elsewhere; when several elements tie
    for the maximum the gradient is split evenly between them (as ``torch.amax`` does).
    """
    a = a if isinstance(a, Tensor) else as_tensor(a, "max")
    if a.data.size == 0:
        raise ValueError(f"max: cannot reduce an empty tensor of shape {a.shape}")
    axes = (axis % a.ndim,) if type(axis) is int and -a.ndim <= axis < a.ndim else _axes(
        axis, a.ndim, "max")
    y = a.data.max(axis=axes, keepdims=True)

    def backward(g):
        share = (a.data == y).astype(a.dtype)
        share /= share.sum(axis=axes, keepdims=True)
        return (_expand(g, a.shape, axes, keepdims) * share,)
    out = y if keepdims else y.reshape(tuple(n for i, n in enumerate(a.shape) if i not in axes))
    return Tensor._from_op(out, (a,), backward, "max")


def min(a, axis=None, keepdims=False):
    """y = min of a over ``axis`` = -max(-a); ties share the gradient as in ``max``."""
    from minigrad.ops.arithmetic import neg
    return neg(max(neg(as_tensor(a, "min")), axis, keepdims))
