"""Ops that pick, place or reorder elements for the torch surface: index_put (item
assignment), masked_fill, gather, repeat, repeat_interleave, sort, split, max with indices.

Most are built on ``getitem`` with an integer index array, whose backward scatter-adds the
gradient back to the picked elements; ``index_put`` and ``repeat`` have their own backward.
"""
import collections
import numbers

import numpy

from minigrad import backend
from minigrad.ops.common import as_tensor, binary_operands, unbroadcast
from minigrad.ops.pointwise import astype
from minigrad.ops.shape import _axis, _device_index, getitem, reshape
from minigrad.tensor import Tensor

SortResult = collections.namedtuple("sort", ["values", "indices"])
MaxResult = collections.namedtuple("max", ["values", "indices"])


def _index(index):
    """A user's index as one the backend's arrays accept (tensors and host masks converted)."""
    return _device_index(index)[0]


def _value(value, a, op):
    """The assigned value as a tensor of a's dtype (a differentiable cast for a float one)."""
    value = as_tensor(value, op, like=a)
    if value.dtype != a.dtype:
        value = astype(value, a.dtype)
    return value


def index_put(a, index, value):
    """y = a with y[index] = value (broadcast): item assignment as a graph op.

    dL/da = dL/dy with 0 at the assigned positions (their old values are gone);
    dL/dvalue = dL/dy[index], summed back to value's shape.
    """
    a = as_tensor(a, "index_put")
    value = _value(value, a, "index_put")
    index = _index(index)
    y = a.data.copy()
    try:
        y[index] = value.data
    except (IndexError, ValueError, TypeError) as exc:
        raise IndexError(f"x[index] = value: cannot assign a value of shape {value.shape} at "
                         f"index {index!r} of a tensor of shape {a.shape}: {exc}") from None

    def backward(g):
        grad_a = grad_value = None
        if a.requires_grad:
            grad_a = g.copy()
            grad_a[index] = 0
        if value.requires_grad:
            grad_value = unbroadcast(g[index], value.shape)
        return grad_a, grad_value
    return Tensor._from_op(y, (a, value), backward, "index_put")


def index_put_(a, index, value):
    """a[index] = value in place, outside the graph (a tensor that needs no gradient)."""
    value = value.data if isinstance(value, Tensor) else value
    try:
        a.data[_index(index)] = value
    except (IndexError, ValueError, TypeError) as exc:
        raise IndexError(f"x[index] = value: cannot assign {type(value).__name__} at index "
                         f"{index!r} of a tensor of shape {a.shape}: {exc}") from None
    return a


def masked_fill(a, mask, value):
    """y = value where mask is True, else a (mask broadcasts against a).
    dL/da = dL/dy where mask is False, else 0."""
    a = a if isinstance(a, Tensor) else as_tensor(a, "masked_fill")
    mask = (mask.data if isinstance(mask, Tensor) else mask if type(mask) is backend.xp.ndarray
            else backend.asarray(mask))
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {mask.dtype}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got "
                             f"shape {value.shape}")
        value = value.item()
    try:
        y = backend.xp.where(mask, backend.xp.asarray(value, dtype=a.dtype), a.data)
    except ValueError:
        raise ValueError(f"masked_fill: the mask of shape {mask.shape} does not broadcast "
                         f"to the tensor's shape {a.shape}") from None

    def backward(g):
        return (unbroadcast(backend.xp.where(mask, 0, g).astype(g.dtype, copy=False), a.shape),)
    return Tensor._from_op(y, (a,), backward, "masked_fill")


def gather(a, index, dim):
    """y[i][j][k] = a[i][index[i][j][k]][k] for dim = 1 (torch's ``gather``).
    dL/da = dL/dy scatter-added back to the picked positions."""
    a = as_tensor(a, "gather")
    index = index.data if isinstance(index, Tensor) else backend.asarray(index)
    if index.ndim != a.ndim:
        raise ValueError(f"gather: index has {index.ndim} dims, expected {a.ndim} as the "
                         f"tensor of shape {a.shape}")
    dim = _axis(dim, a.ndim, "gather")
    xp = backend.xp
    full = tuple(index if i == dim else
                 xp.arange(n).reshape((n,) + (1,) * (a.ndim - i - 1))
                 for i, n in enumerate(index.shape))
    return getitem(a, full)


def max_with_indices(a, dim, keepdim=False, largest=True):
    """torch's ``x.max(dim)`` (or ``min`` when not ``largest``): the (values, indices) pair.
    The gradient reaches the one element each index names (torch's choice for ties)."""
    a = as_tensor(a, "max")
    dim = _axis(dim, a.ndim, "max")
    if a.shape[dim] == 0:
        raise ValueError(f"max: no element along dim {dim} of a tensor of shape {a.shape}")
    pick = a.data.argmax if largest else a.data.argmin
    indices = pick(axis=dim).astype(numpy.int64)
    kept = indices.reshape(indices.shape[:dim] + (1,) + indices.shape[dim:])
    values = gather(a, kept, dim)
    if keepdim:
        return MaxResult(values, Tensor._from_op(kept, (), None, "argmax"))
    return MaxResult(reshape(values, indices.shape), Tensor._from_op(indices, (), None, "argmax"))


def repeat(a, sizes):
    """torch's ``x.repeat(*sizes)``: the tensor tiled sizes[i] times along axis i (leading
    sizes add new axes). dL/da = dL/dy summed over the copies."""
    a = as_tensor(a, "repeat")
    sizes = tuple(sizes)
    if len(sizes) < a.ndim or any(n < 0 for n in sizes):
        raise ValueError(f"repeat: needs one size >= 0 per axis (at least {a.ndim}) for a "
                         f"tensor of shape {a.shape}, got {sizes}")
    shape = (1,) * (len(sizes) - a.ndim) + a.shape
    y = backend.xp.tile(a.data.reshape(shape), sizes)

    def backward(g):
        split = []                         # axis i of size r*n -> two axes (r, n)
        for r, n in zip(sizes, shape):
            split += [r, n]
        g = g.reshape(split).sum(axis=tuple(range(0, 2 * len(shape), 2)))
        return (g.reshape(a.shape),)
    return Tensor._from_op(y, (a,), backward, "repeat")


def repeat_interleave(a, repeats, dim=None):
    """Each element (each slice along ``dim``) repeated ``repeats`` times in place: [1, 2]
    with 2 gives [1, 1, 2, 2]. ``repeats`` is an int or one count per element; ``dim=None``
    flattens first, as torch. dL/da = dL/dy summed over the copies."""
    a = as_tensor(a, "repeat_interleave")
    if dim is None:
        a, dim = reshape(a, (-1,)), 0
    dim = _axis(dim, a.ndim, "repeat_interleave")
    n = a.shape[dim]
    if isinstance(repeats, Tensor):
        repeats = repeats.numpy()
    counts = numpy.asarray(repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be an int or a 1-D tensor of ints "
                         f">= 0, got {repeats!r}")
    if counts.ndim == 1 and counts.size not in (1, n):
        raise ValueError(f"repeat_interleave: {counts.size} repeats for {n} elements along "
                         f"dim {dim} of a tensor of shape {a.shape}")
    positions = numpy.repeat(numpy.arange(n), counts.reshape(-1) if counts.ndim else int(counts))
    return getitem(a, (slice(None),) * dim + (backend.asarray(positions),))


def sort(a, dim=-1, descending=False):
    """torch's ``sort``: (values, indices) along ``dim``; values carry the gradient back to
    the positions they came from."""
    a = as_tensor(a, "sort")
    dim = _axis(dim, max(a.ndim, 1), "sort") if a.ndim else 0
    if a.ndim == 0:
        return SortResult(a, Tensor._from_op(backend.xp.zeros((), numpy.int64), (), None, "sort"))
    keys = a.data if a.dtype.kind != "b" else a.data.astype(numpy.int8)
    if descending:
        keys = -keys.astype(numpy.int64) if keys.dtype.kind == "u" else -keys
    indices = backend.xp.argsort(keys, axis=dim).astype(numpy.int64)
    return SortResult(gather(a, indices, dim), Tensor._from_op(indices, (), None, "sort"))


def split(a, split_size, dim=0):
    """torch's ``split``: pieces of ``split_size`` along ``dim`` (the last may be shorter), or
    of the sizes in a list. Each piece is a slice, with a slice's gradient."""
    a = as_tensor(a, "split")
    dim = _axis(dim, a.ndim, "split")
    n = a.shape[dim]
    if isinstance(split_size, numbers.Integral):
        if split_size <= 0:
            raise ValueError(f"split: split_size must be > 0, got {split_size}")
        sizes = [min(split_size, n - start) for start in range(0, n, split_size)] or [0]
    else:
        sizes = [int(s) for s in split_size]
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of dim "
                             f"{dim} of a tensor of shape {a.shape}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(a, (slice(None),) * dim + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def where(condition, a, b):
    """y = a where condition, else b (broadcast).   dL/da, dL/db: dL/dy where each was taken."""
    a, b = binary_operands(a, b, "where")
    cond = condition.data if isinstance(condition, Tensor) else backend.asarray(condition)
    xp = backend.xp
    try:
        y = xp.where(cond, a.data, b.data)
    except ValueError:          # NumPy's 'operands could not be broadcast', naming no op
        raise ValueError(f"where: condition {tuple(cond.shape)}, x {a.shape} and y {b.shape} "
                         f"do not broadcast to one shape") from None

    def backward(g):
        zero = xp.zeros((), g.dtype)
        return (unbroadcast(xp.where(cond, g, zero), a.shape) if a.requires_grad else None,
                unbroadcast(xp.where(cond, zero, g), b.shape) if b.requires_grad else None)
    return Tensor._from_op(y, (a, b), backward, "where")



def expand(a, sizes):
    """torch's ``x.expand(*sizes)``: a broadcast view to ``sizes`` (-1 keeps an axis).
    dL/da = dL/dy summed over the broadcast axes."""
    a = as_tensor(a, "expand")
    sizes = tuple(sizes)
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes for a tensor of shape {a.shape}")
    shape = tuple(a.shape[i - lead] if n == -1 and i >= lead else n
                  for i, n in enumerate(sizes))
    try:
        y = backend.xp.broadcast_to(a.data, shape)
    except ValueError:
        raise ValueError(f"expand: cannot expand a tensor of shape {a.shape} to {sizes}; only "
                         f"axes of size 1 grow") from None
    return Tensor._from_op(y, (a,), lambda g: (unbroadcast(g, a.shape),), "expand")
