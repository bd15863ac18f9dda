"""d2l's framework-neutral array names (``d2l.ones``, ``d2l.reshape``, ``d2l.reduce_sum``, ...)
for minigrad: each is minigrad's torch-style function or Tensor method of the same meaning,
so ``d2l.ones((2, 3))`` is ``minigrad.ones((2, 3))`` and ``d2l.reshape(x, s)`` is
``x.reshape(s)``. The book writes them so that one text serves several frameworks.
"""
import numpy as np

import minigrad as mg

float32, int32, int64 = mg.float32, mg.int32, mg.int64

# -- creation and functions: minigrad's torch-style names, as they are ---------------------------
ones, ones_like, zeros, zeros_like = mg.ones, mg.ones_like, mg.zeros, mg.zeros_like
tensor, arange, linspace, eye = mg.tensor, mg.arange, mg.linspace, mg.eye
normal, rand, randn = mg.normal, mg.rand, mg.randn
concat, stack = mg.cat, mg.stack
sin, cos, tanh, exp, log, abs, sigmoid = (  # noqa: A001 (abs: the book's name)
    mg.sin, mg.cos, mg.tanh, mg.exp, mg.log, mg.abs, mg.sigmoid)
matmul, batch_matmul = mg.matmul, mg.bmm


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

