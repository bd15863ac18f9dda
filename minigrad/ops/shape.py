"""Ops that move elements around without computing: reshape, permute (and NumPy's transpose),
indexing, concat, stack, squeeze, unsqueeze. Their backward moves the gradient back the same way.
"""
import numbers
import operator

import numpy

from minigrad import backend
from minigrad.fast_grads import RowGrad
from minigrad.ops.dispatch import path
from minigrad.ops.common import as_tensor, check_same_backend, normalize_axis, slice_grad
from minigrad.tensor import Tensor


def _axis(axis, ndim, op):
    """``axis`` as a non-negative int, with one clear error for a float, a string, None or an
    axis the tensor does not have."""
    if type(axis) is int and -ndim <= axis < ndim:
        return axis % ndim                  # the common case
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be an int, got {axis!r} ({type(axis).__name__}) for "
                        f"a tensor with {ndim} dims")
    return normalize_axis(int(axis), ndim, op)


def _new_axis(axis, a, op):
    """The position of a new axis in ``a`` (``unsqueeze``, ``stack``): -ndim-1 .. ndim, as a
    non-negative int, or an error naming that range."""
    try:
        return _axis(axis, a.ndim + 1, op)
    except IndexError:
        raise IndexError(f"{op}: dim {axis} is out of range for a new axis of a tensor with "
                         f"{a.ndim} dims (expected {-a.ndim - 1} to {a.ndim})") from None
    except TypeError:
        raise TypeError(f"{op}: axis must be an int, got {axis!r} ({type(axis).__name__}); a "
                        f"new axis of a tensor with {a.ndim} dims is one of {-a.ndim - 1} to "
                        f"{a.ndim}") from None


def _shape_argument(a, shape):
    """The target shape of ``reshape`` as a tuple of ints: non-negative sizes, and at most one
    -1 (the size inferred from the others)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"reshape: the shape must be ints (or one tuple of ints), got "
                        f"{shape!r} for a tensor of shape {a.shape}")
    shape = tuple(int(n) for n in shape)
    if any(n < -1 for n in shape) or shape.count(-1) > 1:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} into {shape}; "
                         f"sizes must be >= 0, with at most one -1 (inferred)")
    return shape


def reshape(a, *shape):
    """y = a viewed with a new shape: ``reshape(a, (2, 3))`` or, as the method
    ``a.reshape(2, 3)`` calls it, ``reshape(a, 2, 3)``.   dL/da = dL/dy reshaped back."""
    a = a if isinstance(a, Tensor) else as_tensor(a, "reshape")
    if len(shape) == 1:
        shape = shape[0]                    # reshape(a, (2, 3)) or reshape(a, -1)
    elif not shape:
        raise TypeError(f"reshape: expected the new shape, as ints or one tuple of ints, for "
                        f"a tensor of shape {a.shape}")
    if not (type(shape) is tuple and {int}.issuperset(map(type, shape))
            and min(shape, default=0) >= -1 and shape.count(-1) <= 1):
        shape = _shape_argument(a, shape)   # not plain ints: checked, or a clear error
    try:
        y = a.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} "
                         f"({a.data.size} elements) into {shape}") from None
    return Tensor._from_op(y, (a,), lambda g, in_shape=a.shape: (g.reshape(in_shape),), "reshape")


def permute(a, *dims):
    """y = a with its axes permuted, as torch's ``permute``: axis i of y is axis dims[i] of a.
    The dims come one by one, ``permute(a, 1, 0, 2)`` (the method ``x.permute(1, 0, 2)`` is
    this op), or as one sequence, ``permute(a, (1, 0, 2))``.

    dL/da = dL/dy permuted by the inverse permutation.
    """
    a = a if isinstance(a, Tensor) else as_tensor(a, "permute")
    axes = dims[0] if len(dims) == 1 and not isinstance(dims[0], numbers.Integral) else dims
    if (type(axes) is not tuple or not {int}.issuperset(map(type, axes))
            or sorted(axes) != list(range(a.ndim))):
        axes = _permutation(a, axes)            # negative, not ints, or not a permutation
    inverse = tuple(sorted(range(a.ndim), key=axes.__getitem__))    # where each axis went
    y = a.data.transpose(axes)
    return Tensor._from_op(y, (a,), lambda g: (g.transpose(inverse),), "permute")


def transpose(a, axes=None):
    """y = a with its axes permuted (reversed when ``axes`` is None): NumPy's ``transpose``,
    ``permute`` above. (The method ``x.transpose(dim0, dim1)`` follows torch and swaps two
    axes: ``swapaxes`` below.)"""
    a = a if isinstance(a, Tensor) else as_tensor(a, "transpose")
    return permute(a, tuple(reversed(range(a.ndim))) if axes is None else axes)


def _permutation(a, axes):
    """The axes of ``permute``, negative ones counted from the end, checked to be a
    permutation of the axes of ``a``."""
    if isinstance(axes, numbers.Integral) or not hasattr(axes, "__iter__"):
        raise TypeError(f"permute: expected the order of the {a.ndim} axes of a tensor of "
                        f"shape {a.shape}, as ints or one sequence of ints, got {axes!r}")
    axes = tuple(axes)
    normalized = tuple(_axis(i, a.ndim, "permute") for i in axes)
    if sorted(normalized) != list(range(a.ndim)):
        raise ValueError(f"permute: axes {axes} are not a permutation of the {a.ndim} axes "
                         f"of a tensor of shape {a.shape}")
    return normalized


def swapaxes(a, axis1, axis2):
    """y = a with two axes exchanged (its own inverse)."""
    a = a if isinstance(a, Tensor) else as_tensor(a, "swapaxes")
    axes = list(range(a.ndim))
    i, j = _axis(axis1, a.ndim, "swapaxes"), _axis(axis2, a.ndim, "swapaxes")
    axes[i], axes[j] = axes[j], axes[i]
    return transpose(a, axes)


_BASIC = frozenset((int, slice, type(None), type(Ellipsis)))   # NumPy's basic indexing


def _device_index(index):
    """Index arrays (host NumPy, backend arrays, Tensors) as backend arrays, checked for type;
    and whether an integer index array is among them (see ``SliceGrad.advanced``)."""
    items = index if isinstance(index, tuple) else (index,)
    converted, advanced = [], False
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        if (backend.is_device() and backend.array_backend(item) == "numpy"
                and item.dtype == bool and item.ndim > 0):
            # A host mask becomes the integer positions of its True elements, found on the
            # host: a device would have to read the mask's count back to size the result.
            # Positions from a mask never repeat, so ``advanced`` stays as it is.
            converted.extend(backend.asarray(positions) for positions in item.nonzero())
            continue
        if isinstance(item, list) or backend.array_backend(item) is not None:
            item = backend.asarray(item)
            if item.dtype.kind not in "iub":
                raise IndexError(f"getitem: index arrays must hold integers or booleans, "
                                 f"got dtype {item.dtype}")
            # only integer arrays can pick one element twice (a boolean mask cannot), so
            # only they need a scatter-add in backward
            advanced = advanced or (item.ndim > 0 and item.dtype.kind != "b")
            if item.ndim == 0:
                item = int(item)
        converted.append(item)
    if isinstance(index, tuple) or len(converted) != 1:
        return tuple(converted), advanced
    return converted[0], advanced


def getitem(a, index):
    """y = a[index], with NumPy's basic and integer-array indexing.

    dL/da is zero except at the selected elements, which receive dL/dy; an element selected
    twice by an index array receives the sum. For basic indexing (ints, slices) the gradient is
    kept as a ``SliceGrad``, so taking the T time steps of a sequence one by one costs O(T).
    Rows of a matrix picked by a host boolean mask take a shorter path (``_masked_rows``).
    """
    a = a if isinstance(a, Tensor) else as_tensor(a, "getitem")
    if type(index) in _BASIC or type(index) is tuple and _BASIC.issuperset(map(type, index)):
        advanced = False                    # ints, slices, None, ...: as NumPy takes them
    elif type(index) is type(a.data) and index.ndim and index.dtype.kind in "iu":
        advanced = True                     # an integer array on the backend: ids, as they are
    elif _row_mask(a, index):
        return _masked_rows(a, index)
    else:
        index, advanced = _device_index(index)
    try:
        y = a.data[index]
    except (IndexError, TypeError) as exc:   # out of range; a float, a string, a float slice
        raise IndexError(f"getitem: index {index!r} does not fit a tensor of shape "
                         f"{a.shape}: {exc}; expected ints in range, slices of ints, None, "
                         f"..., or integer or boolean index arrays") from None

    def backward(g):
        return (slice_grad(a.shape, a.dtype, index, g, advanced),)
    return Tensor._from_op(y, (a,), backward, "getitem")


def _row_mask(a, index):
    """Whether ``a[index]`` picks rows of a matrix with a host boolean mask over its rows (the
    real tokens of a batch, in ``EncoderDecoder.loss``), on the CPU and in the fast mode."""
    return (type(index) is numpy.ndarray and index.dtype == bool and a.ndim == 2
            and index.shape == a.shape[:1] and path() == "host")


def _masked_rows(a, mask):
    """``a[mask]`` for a boolean mask over the rows of a matrix, as a take of the rows that
    the mask keeps; the gradient is a ``RowGrad`` at those (distinct) rows, which ``linear``
    takes as it is and any other op as one zero fill and one row write."""
    rows = backend.asarray(mask.nonzero()[0])
    y = a.data.take(rows, axis=0)

    def backward(g):
        return (RowGrad(a.shape, rows, g),)
    return Tensor._from_op(y, (a,), backward, "getitem")


_DATA = operator.attrgetter("data")


def _tensor_list(tensors, op):
    """The tensors of ``concat`` or ``stack`` (a list or tuple) and their arrays; a clear error
    for one Tensor (iterable by rows, so concat(x) would silently join its rows), anything
    that is not a sequence, no tensors at all, or tensors on two backends."""
    if type(tensors) in (list, tuple) and tensors and {Tensor}.issuperset(map(type, tensors)):
        arrays = list(map(_DATA, tensors))
        if len(set(map(type, arrays))) == 1:
            return tuple(tensors), arrays   # the common case: tensors of one backend
    if isinstance(tensors, Tensor) or not hasattr(tensors, "__iter__") or isinstance(
            tensors, (str, bytes)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got " + (
            f"one Tensor of shape {tensors.shape}" if isinstance(tensors, Tensor)
            else f"{type(tensors).__name__} {tensors!r}"))
    tensors, arrays = list(tensors), []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            tensors[i] = t = as_tensor(t, op)
        arrays.append(t.data)
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    if len(set(map(type, arrays))) > 1:     # arrays of two kinds: maybe two backends
        for t in tensors[1:]:
            check_same_backend(tensors[0], t, op)
    return tensors, arrays


def _torch_dtype(y, tensors):
    """torch's dtype for joined tensors: with integers beside floats, the widest float among
    the inputs (NumPy would widen float32 beside int64 to float64)."""
    if y.dtype.kind == "f" and any(t.dtype.kind != "f" for t in tensors):
        return y.astype(max((t.dtype for t in tensors if t.dtype.kind == "f"),
                            key=lambda d: d.itemsize), copy=False)
    return y


def concat(tensors, axis=0):
    """y = the tensors joined along ``axis``.   dL/dx_i = the slice of dL/dy that x_i filled."""
    tensors, arrays = _tensor_list(tensors, "concat")
    ndim = arrays[0].ndim
    axis = axis % ndim if type(axis) is int and -ndim <= axis < ndim else _axis(
        axis, ndim, "concat")
    try:
        y = backend.xp.concatenate(arrays, axis=axis)
    except ValueError:
        if len({x.ndim for x in arrays}) > 1:
            raise ValueError(f"concat: tensors of different numbers of dims, shapes "
                             f"{[x.shape for x in arrays]}; all need the same") from None
        raise ValueError(f"concat: shapes {[x.shape for x in arrays]} differ outside "
                         f"axis {axis}") from None
    if y.dtype != arrays[0].dtype:          # inputs of several dtypes: torch's result dtype
        y = _torch_dtype(y, tensors)

    def backward(g):
        lead, start, grads = (slice(None),) * axis, 0, []
        for x in arrays:
            grads.append(g[lead + (slice(start, start + x.shape[axis]),)])
            start += x.shape[axis]
        return tuple(grads)
    return Tensor._from_op(y, tuple(tensors), backward, "concat")


def stack(tensors, axis=0):
    """y = the tensors stacked along a new ``axis``.   dL/dx_i = dL/dy taken at i on that axis."""
    tensors, arrays = _tensor_list(tensors, "stack")
    ndim = arrays[0].ndim + 1
    axis = axis % ndim if type(axis) is int and -ndim <= axis < ndim else _new_axis(
        axis, tensors[0], "stack")
    try:
        y = backend.xp.stack(arrays, axis=axis)
    except ValueError:
        raise ValueError(f"stack: all tensors need one shape, got "
                         f"{[x.shape for x in arrays]}") from None
    if y.dtype != arrays[0].dtype:          # inputs of several dtypes: torch's result dtype
        y = _torch_dtype(y, tensors)

    def backward(g):
        lead = (slice(None),) * axis
        return tuple(g[lead + (i,)] for i in range(len(arrays)))
    return Tensor._from_op(y, tuple(tensors), backward, "stack")


def squeeze(a, dim=None, *, axis=None):
    """y = a without its size-1 axes (``dim`` None), or without axis ``dim`` (an int or a
    tuple of ints) where its size is 1, as torch's squeeze: an axis of another size stays.
    NumPy's keyword ``axis`` is taken too. A reshape: dL/da = dL/dy reshaped back."""
    a = a if isinstance(a, Tensor) else as_tensor(a, "squeeze")
    if dim is not None and axis is not None:
        raise TypeError(f"squeeze: give dim or axis, not both (got dim={dim!r}, "
                        f"axis={axis!r})")
    if type(dim) is int and -a.ndim <= dim < a.ndim:
        dim %= a.ndim                       # the common case: one axis
        shape = a.shape[:dim] + a.shape[dim + 1:] if a.shape[dim] == 1 else a.shape
    elif dim is None and axis is None:
        shape = tuple(n for n in a.shape if n != 1)
    else:                                   # several dims (torch 2), axis=, or a bad one
        dims = axis if dim is None else dim
        dims = dims if type(dims) is tuple else (dims,)
        axes = {_axis(d, a.ndim, "squeeze") for d in dims}
        if len(axes) != len(dims):
            raise ValueError(f"squeeze: dims {dims} name one axis twice (a tensor of shape "
                             f"{a.shape})")
        shape = tuple(n for i, n in enumerate(a.shape) if i not in axes or n != 1)
    return reshape(a, shape)


def unsqueeze(a, dim=None, *, axis=None):
    """y = a with a new size-1 axis at ``dim`` (NumPy's keyword ``axis`` is taken too): a
    reshape.   dL/da = dL/dy reshaped back."""
    a = a if isinstance(a, Tensor) else as_tensor(a, "unsqueeze")
    if type(dim) is int and -a.ndim - 1 <= dim <= a.ndim and axis is None:
        axis = dim % (a.ndim + 1)           # the common case
    elif dim is not None and axis is not None:
        raise TypeError(f"unsqueeze: give dim or axis, not both (got dim={dim!r}, "
                        f"axis={axis!r})")
    else:
        axis = _new_axis(axis if dim is None else dim, a, "unsqueeze")
    return reshape(a, a.shape[:axis] + (1,) + a.shape[axis:])
