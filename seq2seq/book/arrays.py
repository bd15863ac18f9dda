"""d2l's framework-neutral array names (``d2l.ones``, ``d2l.reshape``, ``d2l.reduce_sum``, ...)
for minigrad: each is minigrad's torch-style function or Tensor method of the same meaning,
so ``d2l.ones((2, 3))`` is ``minigrad.ones((2, 3))`` and ``d2l.reshape(x, s)`` is
``x.reshape(s)``. The book writes them so that one text serves several frameworks.
"""
import numpy as np

import minigrad as mg

float32 = np.dtype(np.float32)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)


# -- creation and functions: minigrad's torch-style names -------------------------------------
def ones(*size, **kwargs):
    return mg.ones(*size, **kwargs)


def ones_like(x, **kwargs):
    return mg.ones_like(x, **kwargs)


def zeros(*size, **kwargs):
    return mg.zeros(*size, **kwargs)


def zeros_like(x, **kwargs):
    return mg.zeros_like(x, **kwargs)


def tensor(data, **kwargs):
    return mg.tensor(data, **kwargs)


def arange(*args, **kwargs):
    return mg.arange(*args, **kwargs)


def linspace(*args, **kwargs):
    return mg.linspace(*args, **kwargs)


def eye(*args, **kwargs):
    return mg.eye(*args, **kwargs)


def normal(*args, **kwargs):
    return mg.normal(*args, **kwargs)


def rand(*size, **kwargs):
    return mg.rand(*size, **kwargs)


def randn(*size, **kwargs):
    return mg.randn(*size, **kwargs)


def sin(x):
    return mg.sin(x)


def cos(x):
    return mg.cos(x)


def tanh(x):
    return mg.tanh(x)


def exp(x):
    return mg.exp(x)


def log(x):
    return mg.log(x)


def abs(x):     # noqa: A001 (the book's name)
    return mg.abs(x)


def sigmoid(x):
    return mg.sigmoid(x)


def matmul(a, b):
    return mg.matmul(a, b)


def batch_matmul(a, b):
    return mg.bmm(a, b)


def concat(tensors, dim=0):
    return mg.cat(tensors, dim=dim)


def stack(tensors, dim=0):
    return mg.stack(tensors, dim=dim)


# -- Tensor methods under the book's names ------------------------------------------------------
def numpy(x, *args, **kwargs):
    """A host NumPy copy, cut from the graph."""
    return x.detach().numpy(*args, **kwargs)


def size(x):
    """The number of elements."""
    return int(np.prod(x.shape))


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def reduce_mean(x, *args, **kwargs):
    return x.mean(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, dtype):
    return x.type(dtype)


def transpose(x):
    """The transpose of a matrix (torch's ``x.t()``)."""
    if x.ndim > 2:
        raise ValueError(f"d2l.transpose: expects a tensor of at most 2 dimensions, got shape "
                         f"{tuple(x.shape)}; use x.permute(...) or x.transpose(d0, d1)")
    return x.T


def expand_dims(x, *args, **kwargs):
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x, dim0, dim1):
    return x.transpose(dim0, dim1)


def repeat(x, *args, **kwargs):
    return x.repeat(*args, **kwargs)

