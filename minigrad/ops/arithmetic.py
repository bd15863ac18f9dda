"""+, -, *, /, negation and powers, with NumPy broadcasting.

Broadcasting in forward means summation in backward: see ``unbroadcast``.
"""
import numbers

from minigrad import backend
from minigrad.ops.common import (as_float, as_tensor, binary_operands, broadcast_error,
                                 unbroadcast)
from minigrad.tensor import Tensor


def add(a, b):
    """y = a + b.   dL/da = dL/dy,  dL/db = dL/dy (each summed back to its shape)."""
    a, b = binary_operands(a, b, "add")

    def backward(g):
        return unbroadcast(g, a.shape), unbroadcast(g, b.shape)
    try:
        y = a.data + b.data
    except ValueError:
        raise broadcast_error("add", a, b) from None
    return Tensor._from_op(y, (a, b), backward, "add")


def sub(a, b):
    """y = a - b.   dL/da = dL/dy,  dL/db = -dL/dy."""
    a, b = binary_operands(a, b, "sub")

    def backward(g):
        return unbroadcast(g, a.shape), unbroadcast(-g, b.shape)
    try:
        y = a.data - b.data
    except ValueError:
        raise broadcast_error("sub", a, b) from None
    return Tensor._from_op(y, (a, b), backward, "sub")


def mul(a, b):
    """y = a * b.   dL/da = dL/dy * b,  dL/db = dL/dy * a."""
    a, b = binary_operands(a, b, "mul")

    def backward(g):
        return (unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
                unbroadcast(g * a.data, b.shape) if b.requires_grad else None)
    try:
        y = a.data * b.data
    except ValueError:
        raise broadcast_error("mul", a, b) from None
    return Tensor._from_op(y, (a, b), backward, "mul")


def div(a, b):
    """y = a / b.   dL/da = dL/dy / b,  dL/db = -dL/dy * a / b**2 = -dL/dy * y / b."""
    a, b = binary_operands(a, b, "div")
    if a.dtype.kind != "f" or b.dtype.kind != "f":   # 1 / 2 is 0.5 in the default float
        a, b = as_float(a), as_float(b)                # dtype, as in torch
    try:
        y = a.data / b.data
    except ValueError:
        raise broadcast_error("div", a, b) from None

    def backward(g):
        g_over_b = g / b.data
        return (unbroadcast(g_over_b, a.shape) if a.requires_grad else None,
                unbroadcast(-g_over_b * y, b.shape) if b.requires_grad else None)
    return Tensor._from_op(y, (a, b), backward, "div")


def neg(a):
    """y = -a.   dL/da = -dL/dy."""
    a = as_tensor(a, "neg")
    return Tensor._from_op(-a.data, (a,), lambda g: (-g,), "neg")


def pow(a, exponent):
    """y = a ** p.   dL/da = dL/dy * p * a**(p-1);  for a tensor p, dL/dp = dL/dy * y * log(a).

    At a = 0 the formulas meet 0 * inf; we take torch's values: dL/da = 0 where p = 0 (y = 1
    is constant), and dL/dp = 0 where a = 0 and p >= 0 (y = 0**p is constant near such p).
    """
    xp = backend.xp
    if isinstance(exponent, numbers.Number):
        a = as_tensor(a, "pow")
        # a Python number, so a float32 a stays float32: NumPy promotes float32 ** numpy.float64
        # (or numpy.int64) to float64, but never for a Python scalar
        p = int(exponent) if isinstance(exponent, numbers.Integral) else float(exponent)
        if isinstance(p, float):   # an integer tensor ** 0.5 is float, as in torch
            a = as_float(a)

        def backward(g):
            if p == 0:   # y = 1: 0 * 0**-1 would be NaN at a = 0
                return (xp.zeros_like(g),)
            return (g * p * a.data ** (p - 1),)
        return Tensor._from_op(a.data ** p, (a,), backward, "pow")

    a, p = binary_operands(a, exponent, "pow")
    try:
        y = a.data ** p.data
    except ValueError:
        raise broadcast_error("pow", a, p) from None

    def backward_tensor(g):
        grad_a = grad_p = None
        if a.requires_grad:
            grad_a = xp.where(p.data == 0, 0, g * p.data * a.data ** (p.data - 1))
            grad_a = unbroadcast(grad_a.astype(g.dtype, copy=False), a.shape)
        if p.requires_grad:
            grad_p = xp.where((a.data == 0) & (p.data >= 0), 0, g * y * xp.log(a.data))
            grad_p = unbroadcast(grad_p.astype(g.dtype, copy=False), p.shape)
        return grad_a, grad_p
    return Tensor._from_op(y, (a, p), backward_tensor, "pow")
