"""Inverted dropout: zero each element with probability p, scale the survivors by 1 / (1 - p).

On a device backend the mask and the scaling are one kernel (``minigrad/kernels/dropout.cu``),
forward and backward, applied with the same uniform sample u.
"""
from minigrad import backend, kernels
from minigrad.ops.arithmetic import mul
from minigrad.ops.common import as_tensor
from minigrad.ops.dispatch import fused
from minigrad.tensor import Tensor


def dropout_composed(x, p):
    """The readable twin of ``dropout``, as the book writes it: a mask of the elements kept
    (u >= p for a uniform sample u), and the survivors scaled by 1 / (1 - p)."""
    mask = backend.random_uniform(x.shape, x.dtype) >= p                 # an array
    return mul(x, mask.astype(x.dtype) * (1.0 / (1.0 - p)))


def dropout(x, p, training=True):
    """y = x * m / (1 - p) with m ~ Bernoulli(1 - p) per element, so E[y] = x.

    dL/dx = dL/dy * m / (1 - p). In evaluation (``training`` False) or with p = 0 it is the
    identity. The mask comes from the generator that ``mg.manual_seed`` seeds.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must lie in [0, 1), got {p}")
    x = x if isinstance(x, Tensor) else as_tensor(x, "dropout")
    if not training or p == 0:
        return x
    p = float(p)   # a NumPy scalar p (from np.linspace) would make a float32 x float64
    return fused(dropout_composed, _dropout_kernel, _dropout_host)(x, p)


def _scaled_mask(x, p):
    """(u >= p) / (1 - p) for a uniform sample u of x's shape: the mask m / (1 - p)."""
    scale = backend.random_uniform(x.shape, x.dtype) >= p
    return scale.astype(x.dtype) * (1.0 / (1.0 - p))


def _dropout_host(x, p):
    scale = _scaled_mask(x, p)
    return Tensor._from_op(x.data * scale, (x,), lambda g: (g * scale,), "dropout")


def _dropout_kernel(x, p):
    """``dropout`` on a device: one draw and one kernel forward, one kernel backward. The
    same u gives the NumPy code's mask: (u >= p) / (1 - p)."""
    xp = backend.xp
    u = backend.random_uniform(x.shape, x.dtype)

    def apply(array):                # y = array * (u >= p) / (1 - p)
        out = xp.empty(x.shape, dtype=x.dtype)
        kernels.launch("dropout", x.data.size, x.dtype, kernels.contiguous(array), u, p,
                       1.0 / (1.0 - p), out, x.data.size)
        return out
    return Tensor._from_op(apply(x.data), (x,), lambda g: (apply(g),), "dropout")
