"""Elementwise functions of one tensor: exp, log, tanh, sigmoid, relu.

Each backward multiplies the incoming gradient by the function's derivative, written in terms of
the saved output where that is cheaper (exp, tanh, sigmoid).
"""
from minigrad import backend
from minigrad.ops.common import as_tensor
from minigrad.tensor import Tensor


def exp(a):
    """y = exp(a).   dL/da = dL/dy * y."""
    a = as_tensor(a, "exp")
    y = backend.xp.exp(a.data)
    return Tensor._from_op(y, (a,), lambda g: (g * y,), "exp")


def log(a):
    """y = log(a).   dL/da = dL/dy / a."""
    a = as_tensor(a, "log")
    return Tensor._from_op(backend.xp.log(a.data), (a,), lambda g: (g / a.data,), "log")


def tanh(a):
    """y = tanh(a).   dL/da = dL/dy * (1 - y**2)."""
    a = as_tensor(a, "tanh")
    y = backend.xp.tanh(a.data)
    return Tensor._from_op(y, (a,), lambda g: (g * (1 - y * y),), "tanh")


def sigmoid_array(x):
    """sigmoid(x) = 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2, the form that cannot overflow.

    (Measured: faster in NumPy than the overflow-safe exp forms, which need a where.)
    """
    return sigmoid_array_(x.copy())


def sigmoid_array_(x):
    """``sigmoid_array`` computed in place, in x's buffer, for fused ops that own x."""
    x *= 0.5
    x = backend.xp.tanh(x, out=x)
    x += 1
    x *= 0.5
    return x


def sigmoid(a):
    """y = sigmoid(a).   dL/da = dL/dy * y * (1 - y)."""
    a = as_tensor(a, "sigmoid")
    y = sigmoid_array(a.data)
    return Tensor._from_op(y, (a,), lambda g: (g * y * (1 - y),), "sigmoid")


def relu(a):
    """y = max(a, 0).   dL/da = dL/dy where a > 0, else 0 (also at a = 0, as in PyTorch)."""
    a = as_tensor(a, "relu")
    positive = a.data > 0
    y = backend.xp.maximum(a.data, 0)
    return Tensor._from_op(y, (a,), lambda g: (g * positive,), "relu")
