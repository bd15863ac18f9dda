"""torch's top-level functions on tensors: ``mg.cat(tensors, dim=)``, ``mg.unsqueeze(x, dim)``,
``mg.max(x, dim)``, ``mg.sin(x)``, ... each parsing torch's arguments (``dim=`` and NumPy's
``axis=`` alike) and forwarding to an op in ``minigrad.ops`` or a Tensor method.

So the book's ``import torch`` can become ``import minigrad as torch`` with its calls
unchanged.
"""
import builtins

from minigrad import ops
from minigrad.tensor import Tensor


def _pick(dim, axis, default=None):
    return dim if dim is not None else (axis if axis is not None else default)


def _tensor(x, op):
    if not isinstance(x, Tensor):
        return ops.common.as_tensor(x, op)
    return x


def cat(tensors, dim=None, *, axis=None):
    """The tensors joined along ``dim`` (default 0)."""
    return ops.concat(tensors, _pick(dim, axis, 0))


concat = concatenate = cat


def stack(tensors, dim=None, *, axis=None):
    """The tensors stacked along a new axis ``dim`` (default 0)."""
    return ops.stack(tensors, _pick(dim, axis, 0))


def unsqueeze(x, dim):
    return _tensor(x, "unsqueeze").unsqueeze(dim)


def squeeze(x, dim=None):
    return _tensor(x, "squeeze").squeeze(dim=dim)


def reshape(x, shape):
    return ops.reshape(x, shape)


def transpose(x, dim0, dim1):
    return _tensor(x, "transpose").transpose(dim0, dim1)


def permute(x, dims):
    return _tensor(x, "permute").permute(dims)


def flatten(x, start_dim=0, end_dim=-1):
    return _tensor(x, "flatten").flatten(start_dim, end_dim)


def matmul(a, b):
    return ops.matmul(a, b)


def mm(a, b):
    return ops.matmul(a, b)


def bmm(a, b):
    return ops.bmm(a, b)


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    return _tensor(x, "sum").sum(dim=_pick(dim, axis), keepdim=keepdim or bool(keepdims),
                                 dtype=dtype)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _tensor(x, "mean").mean(dim=_pick(dim, axis), keepdim=keepdim or bool(keepdims))


def _extreme(x, args, kwargs, op):
    if args and isinstance(args[0], Tensor):      # torch.max(a, b): elementwise
        return ops.maximum(x, args[0]) if op == "max" else ops.minimum(x, args[0])
    return getattr(_tensor(x, op), op)(*args, **kwargs)


def max(x, *args, **kwargs):
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices); ``max(a, b)``:
    the elementwise maximum, as torch."""
    return _extreme(x, args, kwargs, "max")


def min(x, *args, **kwargs):
    """As ``max``, for the smallest."""
    return _extreme(x, args, kwargs, "min")


def argmax(x, dim=None, keepdim=False, *, axis=None):
    return _tensor(x, "argmax").argmax(dim=_pick(dim, axis), keepdim=keepdim)


def argmin(x, dim=None, keepdim=False, *, axis=None):
    return _tensor(x, "argmin").argmin(dim=_pick(dim, axis), keepdim=keepdim)


def maximum(a, b):
    return ops.maximum(a, b)


def minimum(a, b):
    return ops.minimum(a, b)


def clamp(x, min=None, max=None):
    return ops.clamp(x, min, max)


clip = clamp


def softmax(x, dim=None, *, axis=None, dtype=None):
    x = _tensor(x, "softmax")
    if dtype is not None:
        x = x.type(dtype)
    return ops.softmax(x, _pick(dim, axis, -1))


def log_softmax(x, dim=None, *, axis=None):
    return ops.log_softmax(x, _pick(dim, axis, -1))


def exp(x):
    return ops.exp(x)


def log(x):
    return ops.log(x)


def tanh(x):
    return ops.tanh(x)


def sigmoid(x):
    return ops.sigmoid(x)


def relu(x):
    return ops.relu(x)


def sin(x):
    return ops.sin(x)


def cos(x):
    return ops.cos(x)


def abs(x):
    return ops.abs(x)


def sqrt(x):
    return ops.sqrt(x)


def square(x):
    x = _tensor(x, "square")
    return ops.mul(x, x)


def pow(x, exponent):
    return ops.pow(x, exponent)


def repeat_interleave(x, repeats=None, dim=None):
    """``repeat_interleave(x, repeats, dim=None)``; ``repeat_interleave(counts)`` alone gives
    0, 1, ... each repeated its count, as torch."""
    if repeats is None:
        counts = _tensor(x, "repeat_interleave")
        return ops.repeat_interleave(ops.common.as_tensor(
            ops.common.backend.xp.arange(counts.shape[0]), "repeat_interleave"), counts)
    return ops.repeat_interleave(x, repeats, dim)


def sort(x, dim=-1, descending=False):
    return ops.sort(x, dim, descending)


def argsort(x, dim=-1, descending=False):
    return ops.sort(x, dim, descending).indices


def split(x, split_size_or_sections, dim=0):
    return ops.split(x, split_size_or_sections, dim)


def chunk(x, chunks, dim=0):
    return _tensor(x, "chunk").chunk(chunks, dim)


def gather(x, dim, index):
    return ops.gather(x, index, dim)


def where(condition, a, b):
    return ops.where(condition, a, b)


def masked_fill(x, mask, value):
    return ops.masked_fill(x, mask, value)


def numel(x):
    return _tensor(x, "numel").numel()


def clone(x):
    return ops.clone(x)


def is_tensor(x):
    return isinstance(x, Tensor)


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return builtins.bool(ops.common.backend.xp.allclose(_tensor(a, "allclose").data,
                                                        _tensor(b, "allclose").data,
                                                        rtol=rtol, atol=atol))


def equal(a, b):
    a, b = _tensor(a, "equal"), _tensor(b, "equal")
    return a.shape == b.shape and builtins.bool((a.data == b.data).all())
