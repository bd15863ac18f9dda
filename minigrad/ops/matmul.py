"""Matrix products: matmul (2-D and batched, with broadcast batch axes), bmm and linear.

For Y = A B:  dL/dA = dL/dY B^T  and  dL/dB = A^T dL/dY, per batch, summed over any batch
axes that broadcasting added.
"""
import math

from minigrad.fast_grads import RowGrad
from minigrad.ops.common import bias_grad, binary_operands, unbroadcast, weight_grad
from minigrad.ops.shape import reshape, squeeze, unsqueeze
from minigrad.tensor import Tensor


def _swap(x):
    return x.swapaxes(-1, -2)


def _product(x, y):
    """x @ y on arrays. A product over an inner size of 1, (..., n, 1) @ (..., 1, m), is an
    outer product, and broadcasting x * y computes it several times faster than NumPy's matmul
    (a decoder step's attention, with one query, meets it in backward)."""
    return x * y if x.shape[-1] == 1 else x @ y


def check_same_float_dtype(a, b, op):
    """Products take one float dtype, as in PyTorch (which refuses float32 @ float64): a
    float32 layer given float64 input is an error, not a quiet float64 result. Elementwise
    ops promote instead (float32 + float64 -> float64), as PyTorch's do."""
    if a.dtype != b.dtype and a.dtype.kind == "f" and b.dtype.kind == "f":
        raise TypeError(f"{op}: mixed float dtypes, {a.dtype} {a.shape} and {b.dtype} "
                        f"{b.shape}; convert one of them first (PyTorch refuses this too)")


def matmul(a, b):
    """Y = a @ b for a (..., n, k) and b (..., k, m) -> (..., n, m), batch axes broadcast.

    dL/da = dL/dY @ b^T,  dL/db = a^T @ dL/dY, each summed back to its own shape. When b is a
    plain matrix (the weights of a layer applied to a batch), dL/db is one 2-D product over all
    rows of a instead of a stack of per-batch products summed afterwards.
    """
    a, b = binary_operands(a, b, "matmul")
    if a.dtype != b.dtype:
        check_same_float_dtype(a, b, "matmul")
    x, w = a.data, b.data
    if x.ndim < 2 or w.ndim < 2 or x.shape[-1] != w.shape[-2]:
        if (x.ndim == 1 or w.ndim == 1) and x.ndim and w.ndim:
            return _vector_matmul(a, b)
        raise ValueError(f"matmul: expected a (..., n, k) and b (..., k, m), got {a.shape} "
                         f"and {b.shape}")
    try:
        y = _product(x, w)
    except ValueError:
        raise ValueError(f"matmul: the batch axes of {a.shape[:-2]} and {b.shape[:-2]} do not "
                         f"broadcast (shapes {a.shape} and {b.shape})") from None

    def backward(g):
        grad_a = grad_b = None
        if a.requires_grad:
            grad_a = unbroadcast(_product(g, _swap(b.data)), a.shape)
        if b.requires_grad:
            if b.ndim == 2:   # (N, k)^T (N, m): every row of every batch in one product
                grad_b = weight_grad(a.data.reshape(-1, a.shape[-1]), g.reshape(-1, g.shape[-1]))
            else:
                grad_b = unbroadcast(_product(_swap(a.data), g), b.shape)
        return grad_a, grad_b
    return Tensor._from_op(y, (a, b), backward, "matmul")


def _vector_matmul(a, b):
    """torch's rules for a 1-D operand: a vector on the left is a row (1, k), on the right a
    column (k, 1), and that axis is dropped from the result (vector @ vector is a scalar)."""
    if a.shape[-1] != (b.shape[0] if b.ndim == 1 else b.shape[-2]):
        raise ValueError(f"matmul: the inner sizes of {a.shape} and {b.shape} differ")
    if a.ndim == 1 and b.ndim == 1:
        return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), ())
    if a.ndim == 1:
        return squeeze(matmul(unsqueeze(a, 0), b), -2)
    return squeeze(matmul(a, unsqueeze(b, 1)), -1)


def bmm(a, b):
    """Y = a @ b, one product per batch: a (B, n, k) and b (B, k, m) -> (B, n, m), as
    ``torch.bmm``.   dL/da = dL/dY @ b^T,  dL/db = a^T @ dL/dY, batch by batch."""
    a, b = binary_operands(a, b, "bmm")
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ValueError(f"bmm: expected a (B, n, k) and b (B, k, m) with the same B, got "
                         f"{a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        check_same_float_dtype(a, b, "bmm")
    y = _product(a.data, b.data)

    def backward(g):
        return (_product(g, _swap(b.data)) if a.requires_grad else None,
                _product(_swap(a.data), g) if b.requires_grad else None)
    return Tensor._from_op(y, (a, b), backward, "bmm")


def linear(x, weight, bias=None):
    """y = x W^T + b for x (..., in), W (out, in), b (out,) -> (..., out), as ``torch.nn.Linear``.

    dL/dx = dL/dy W,  dL/dW = dL/dy^T x (over all rows),  dL/db = dL/dy summed over all rows.
    dL/dW is handed back as its two factors (``fast_grads.WeightGrad``): a weight used at many
    time steps then gets one product over all of them; likewise dL/db as its rows
    (``fast_grads.BiasGrad``), one sum over all of them. A gradient that is 0 but on some rows
    (``fast_grads.RowGrad``, from a masked loss) is used as it is: the products run over those
    rows only, and dL/dx is a ``RowGrad`` of the same rows.
    """
    x, weight = binary_operands(x, weight, "linear")
    if x.dtype != weight.dtype:
        check_same_float_dtype(x, weight, "linear")
    if weight.ndim != 2 or x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: expected x (..., in) and weight (out, in), got x {x.shape} "
                         f"and weight {weight.shape}")
    if bias is not None:
        x, bias = binary_operands(x, bias, "linear")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias has shape {bias.shape}, expected "
                             f"({weight.shape[0]},) for weight {weight.shape}")
    # The leading axes of x (e.g. time and batch) are flattened into one set of N rows, so
    # each product below is ONE large matrix product (a 3-D operand would make NumPy run one
    # small product per leading index).
    rows = x.data.reshape(math.prod(x.shape[:-1]), x.shape[-1])      # (..., in) -> (N, in)
    y = (rows @ weight.data.T).reshape(x.shape[:-1] + (weight.shape[0],))
    if bias is not None:
        y += bias.data

    def backward(g):
        if type(g) is not RowGrad:  # a plain array (always, in readable mode)
            g2, used = g.reshape(rows.shape[0], g.shape[-1]), rows   # (N, out), (N, in)
        else:                       # the fast mode's masked loss: 0 but at g.rows, used alone
            g2, used = g.values, rows[g.rows]                        # (n, out), (n, in)
        grad_x = _product(g2, weight.data) if x.requires_grad else None   # g2 W
        if grad_x is not None:      # of the same rows as g: dense, or a RowGrad too
            grad_x = (grad_x.reshape(x.shape) if type(g) is not RowGrad
                      else RowGrad(x.shape, g.rows, grad_x))
        grad_w = weight_grad(g2, used) if weight.requires_grad else None   # g2^T used
        grad_b = bias_grad(g2) if bias is not None and bias.requires_grad else None   # sum of rows
        return grad_x, grad_w, grad_b
    backward.takes_rows = True      # the fast walk may hand it a RowGrad (fast_grads.takes_rows)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._from_op(y, parents, backward, "linear")
