"""Elementwise functions of one tensor: exp, log, tanh, sigmoid, relu.

Each backward multiplies the incoming gradient by the function's derivative, written in terms of
the saved output where that is cheaper (exp, tanh, sigmoid). Integer input computes in the
default float dtype, as in torch.
"""
import numpy

from minigrad import backend
from minigrad.ops.common import as_tensor, float_operand
from minigrad.tensor import Tensor


def exp(a):
    """y = exp(a).   dL/da = dL/dy * y."""
    a = a if isinstance(a, Tensor) and a.data.dtype.kind == "f" else float_operand(a, "exp")
    y = backend.xp.exp(a.data)
    return Tensor._from_op(y, (a,), lambda g: (g * y,), "exp")


def log(a):
    """y = log(a).   dL/da = dL/dy / a."""
    a = float_operand(a, "log")
    return Tensor._from_op(backend.xp.log(a.data), (a,), lambda g: (g / a.data,), "log")


def tanh(a):
    """y = tanh(a).   dL/da = dL/dy * (1 - y**2)."""
    a = a if isinstance(a, Tensor) and a.data.dtype.kind == "f" else float_operand(a, "tanh")
    y = backend.xp.tanh(a.data)
    return Tensor._from_op(y, (a,), lambda g: (g * (1 - y * y),), "tanh")


def sigmoid_array(x):
    """sigmoid(x) = 1 / (1 + exp(-x)) of an array (a new array; see ``sigmoid_array_``)."""
    return sigmoid_array_(x.copy())


def sigmoid_array_(x):
    """``sigmoid_array`` computed in place, in x's buffer, for fused ops that own x.

    For x below about -88 (float32) exp(-x) overflows to inf and 1 / (1 + inf) = 0 is the
    right answer, so that overflow is expected and not reported. (The tempting overflow-free
    form (1 + tanh(x / 2)) / 2 loses every digit of a small sigmoid to cancellation, and
    NumPy's tanh is slower than its exp.)
    """
    xp = backend.xp
    xp.negative(x, out=x)
    with backend.overflow_ignored():
        xp.exp(x, out=x)
    x += 1
    return xp.divide(1, x, out=x)


def sigmoid(a):
    """y = sigmoid(a).   dL/da = dL/dy * y * (1 - y)."""
    a = (a if isinstance(a, Tensor) and a.data.dtype.kind == "f"
         else float_operand(a, "sigmoid"))
    with numpy.errstate(over="ignore"):   # exp(-a) = inf for a << 0 gives y = 0, as it should
        y = 1 / (1 + backend.xp.exp(-a.data))
    return Tensor._from_op(y, (a,), lambda g: (g * y * (1 - y),), "sigmoid")


def relu(a):
    """y = max(a, 0).   dL/da = dL/dy where a > 0, else 0 (also at a = 0, as in PyTorch)."""
    a = as_tensor(a, "relu")
    positive = a.data > 0
    y = backend.xp.maximum(a.data, 0)
    return Tensor._from_op(y, (a,), lambda g: (g * positive,), "relu")
