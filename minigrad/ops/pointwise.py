"""More elementwise ops, for the torch surface: sin, cos, abs, sqrt, maximum, minimum, clamp,
gelu, and the dtype cast and copy (astype, clone).

Each backward multiplies the incoming gradient by the derivative, as in ``unary``. Ties of
maximum/minimum split the gradient in half between the two inputs, as torch does.
"""
import math

import numbers

import numpy

from minigrad import backend
from minigrad.ops.common import as_float, as_tensor, binary_operands, broadcast_error, unbroadcast
from minigrad.tensor import Tensor


def sin(a):
    """y = sin(a).   dL/da = dL/dy * cos(a)."""
    a = as_float(as_tensor(a, "sin"))
    return Tensor._from_op(backend.xp.sin(a.data), (a,),
                           lambda g: (g * backend.xp.cos(a.data),), "sin")


def cos(a):
    """y = cos(a).   dL/da = -dL/dy * sin(a)."""
    a = as_float(as_tensor(a, "cos"))
    return Tensor._from_op(backend.xp.cos(a.data), (a,),
                           lambda g: (-g * backend.xp.sin(a.data),), "cos")


def abs(a):
    """y = |a|.   dL/da = dL/dy * sign(a) (0 at a = 0, as torch)."""
    a = as_tensor(a, "abs")
    return Tensor._from_op(backend.xp.abs(a.data), (a,),
                           lambda g: (g * backend.xp.sign(a.data),), "abs")


def sqrt(a):
    """y = sqrt(a).   dL/da = dL/dy / (2 y)."""
    a = as_float(as_tensor(a, "sqrt"))
    y = backend.xp.sqrt(a.data)
    return Tensor._from_op(y, (a,), lambda g: (g / (2 * y),), "sqrt")


def _extreme(a, b, op):
    """maximum / minimum: dL/da = dL/dy where a wins, half of it where a and b tie."""
    a, b = binary_operands(a, b, op)
    xp = backend.xp
    try:
        y = (xp.maximum if op == "maximum" else xp.minimum)(a.data, b.data)
    except ValueError:
        raise broadcast_error(op, a, b) from None

    def backward(g):
        a_wins = (a.data > b.data) if op == "maximum" else (a.data < b.data)
        share = xp.where(a.data == b.data, 0.5, a_wins.astype(g.dtype)).astype(g.dtype)
        return (unbroadcast(g * share, a.shape) if a.requires_grad else None,
                unbroadcast(g * (1 - share), b.shape) if b.requires_grad else None)
    return Tensor._from_op(y, (a, b), backward, op)


def maximum(a, b):
    """y = the larger of a and b, elementwise (``torch.maximum``, ``torch.max(a, b)``)."""
    return _extreme(a, b, "maximum")


def minimum(a, b):
    """y = the smaller of a and b, elementwise."""
    return _extreme(a, b, "minimum")


def clamp(a, min=None, max=None):
    """y = a limited to [min, max].   dL/da = dL/dy inside the range (ends included), else 0."""
    a = as_tensor(a, "clamp")
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and (isinstance(bound, bool)
                                  or not isinstance(bound, (numbers.Real, Tensor))):
            raise TypeError(f"clamp: {name} must be a number, got {bound!r}")
    y, inside = a.data, None
    if min is not None:
        y = backend.xp.maximum(y, min)
        inside = a.data >= min
    if max is not None:
        y = backend.xp.minimum(y, max)
        inside = (a.data <= max) if inside is None else inside & (a.data <= max)
    return Tensor._from_op(y, (a,), lambda g: (g * inside,), "clamp")


def astype(a, dtype):
    """y = a in ``dtype``. Between float dtypes dL/da = dL/dy cast back; a cast to an integer
    or bool dtype leaves the graph (no gradient), as torch."""
    a = as_tensor(a, "astype")
    dtype = numpy.dtype(dtype)
    y = a.data.astype(dtype)
    if dtype.kind != "f" or a.dtype.kind != "f":
        return Tensor._from_op(y, (), None, "astype")
    return Tensor._from_op(y, (a,), lambda g: (g.astype(a.dtype),), "astype")


def clone(a):
    """y = a copy of a.   dL/da = dL/dy."""
    a = as_tensor(a, "clone")
    return Tensor._from_op(a.data.copy(), (a,), lambda g: (g,), "clone")


_erf_host = numpy.frompyfunc(math.erf, 1, 1)


def erf_array(x):
    """erf of an array, elementwise. NumPy has no erf, so it is Python's math.erf per element,
    on the host (a round trip on a device): exact, and fast enough for the sizes GELU meets in
    the book's cells."""
    host = backend.to_numpy(x) if backend.array_backend(x) != "numpy" else x
    y = _erf_host(host).astype(host.dtype)
    return y if backend.array_backend(x) == "numpy" else backend.xp.asarray(y)


def gelu(a, approximate="none"):
    """y = a * Phi(a), Phi the standard normal CDF = (1 + erf(a / sqrt 2)) / 2 (torch's GELU).
    dL/da = dL/dy * (Phi(a) + a * phi(a)), phi(a) = exp(-a^2 / 2) / sqrt(2 pi).

    ``approximate='tanh'``: y = a / 2 * (1 + tanh(u)), u = sqrt(2/pi) (a + 0.044715 a^3),
    dL/da = dL/dy * (0.5 (1 + t) + a / 2 (1 - t^2) du/da), t = tanh(u)."""
    a = as_float(as_tensor(a, "gelu"))
    xp, x = backend.xp, a.data
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        t = xp.tanh(c * (x + 0.044715 * x ** 3))
        y = 0.5 * x * (1 + t)

        def backward(g):
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)),)
        return Tensor._from_op(y, (a,), backward, "gelu")
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    cdf = 0.5 * (1 + erf_array(x / math.sqrt(2)))
    y = x * cdf

    def backward_exact(g):
        return (g * (cdf + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)),)
    return Tensor._from_op(y, (a,), backward_exact, "gelu")
